//! Nodes: hosts (an IP endpoint with applications) and forwarding nodes (IP routers).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::{AppId, DeviceId};

/// What a node does with packets.
#[derive(Debug)]
pub enum NodeKind {
    /// An end host: delivers packets addressed to it to its applications, answers pings, and
    /// forwards nothing.
    Host(Host),
    /// A plain IP forwarding node: decrements the TTL and sends each packet towards its
    /// destination by the node's routing table.
    Router,
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
}
