//! Nodes: hosts (an IP endpoint with applications), IP routers, and switches whose
//! forwarding is done by the network's [`crate::plane::SwitchPlane`].

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::arp::ArpCache;
use crate::wire::MacAddr;
use crate::{AppId, DeviceId, NodeId};

/// What a node does with packets.
#[derive(Debug)]
pub enum NodeKind {
    /// An end host: delivers packets addressed to it to its applications, answers pings, and
    /// forwards nothing.
    Host(Host),
    /// A plain IP forwarding node: decrements the TTL and sends each packet towards its
    /// destination by the node's routing table.
    Router,
    /// A router of a routed network: IP subnets on its interfaces, longest-prefix-match
    /// forwarding and ARP ([`crate::router`]).
    LpmRouter(Box<crate::router::LpmRouter>),
    /// A switch: frames it receives go to the network's [`crate::plane::SwitchPlane`], which
    /// decides where they go (OpenFlow).
    Switch,
}

/// The IP endpoint state of a host.
#[derive(Debug, Default)]
pub struct Host {
    /// UDP port → the application bound to it.
    pub(crate) udp_ports: BTreeMap<u16, AppId>,
    /// ICMP echo identifier → the ping application that owns it.
    pub(crate) icmp_idents: BTreeMap<u16, AppId>,
    /// IPv4 identification counter.
    pub(crate) next_ip_ident: u16,
    /// The ARP cache when hosts resolve addresses themselves; `None` = pre-filled (each hop
    /// addresses its peer device).
    pub(crate) arp: Option<ArpCache>,
    /// When this host is a guest (a VM): where its NIC is plugged in and its own MAC address.
    pub(crate) guest: Option<Guest>,
    /// In a routed network: the host's subnet and default gateway (off-subnet destinations
    /// are resolved through the gateway).
    pub(crate) subnet: Option<crate::router::HostSubnet>,
}

/// A VM's virtual NIC: its own MAC address and the physical host it is plugged into. The VM
/// has no devices: its packets leave through its host's devices. Which frames reach it, and
/// whether it runs, are the hypervisor's decisions, made by a
/// [`crate::host_plane::HostPlane`] (the `vm` crate's `VmBridge`), which also moves the NIC
/// to another host ([`crate::host_plane::HostCtx::attach`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Guest {
    /// The physical host the VM runs on now.
    pub host: NodeId,
    /// The VM's MAC address.
    pub mac: MacAddr,
}

impl Host {
    /// The ARP cache, when this host speaks ARP.
    pub fn arp(&self) -> Option<&ArpCache> {
        self.arp.as_ref()
    }

    /// The subnet and gateway, in a routed network.
    pub fn subnet(&self) -> Option<&crate::router::HostSubnet> {
        self.subnet.as_ref()
    }

    /// The attachment, when this host is a VM.
    pub fn guest(&self) -> Option<&Guest> {
        self.guest.as_ref()
    }
}

/// A node of the network.
#[derive(Debug)]
pub struct Node {
    /// Unique, user-visible name ("h0", "sl", "e3").
    pub name: String,
    /// The node's IPv4 address (hosts; routers may have none).
    pub ip: Option<Ipv4Addr>,
    /// Devices in port order.
    pub devices: Vec<DeviceId>,
    /// Host or router behaviour.
    pub kind: NodeKind,
}

impl Node {
    /// Whether this node is an end host.
    pub fn is_host(&self) -> bool {
        matches!(self.kind, NodeKind::Host(_))
    }

    /// Whether this node is a switch driven by the network's plane.
    pub fn is_switch(&self) -> bool {
        matches!(self.kind, NodeKind::Switch)
    }

    /// The router state, if this node is a router of a routed network.
    pub fn lpm_router(&self) -> Option<&crate::router::LpmRouter> {
        match &self.kind {
            NodeKind::LpmRouter(r) => Some(r),
            _ => None,
        }
    }

    /// The host state, if this node is a host.
    pub fn host(&self) -> Option<&Host> {
        match &self.kind {
            NodeKind::Host(h) => Some(h),
            _ => None,
        }
    }
}
