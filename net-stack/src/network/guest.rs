//! VMs' virtual NICs: a VM is a host node without devices ([`crate::NetworkBuilder::add_vm`])
//! with its own MAC address, plugged into the host it runs on. Its packets leave through that
//! host's devices. Which VM a frame arriving at a host is for, pausing and moving are the
//! hypervisor's decisions and live in a [`crate::host_plane::HostPlane`] (the `vm` crate's
//! `VmBridge`), which re-plugs a VM through [`crate::host_plane::HostCtx::attach`].

use super::Network;
use crate::node::{Guest, NodeKind};
use crate::wire::MacAddr;
use crate::{DeviceId, NodeId};

impl Network {
    fn guest_of(&self, node: NodeId) -> Option<&Guest> {
        match &self.nodes[node.index()].kind {
            NodeKind::Host(h) => h.guest.as_ref(),
            _ => None,
        }
    }

    /// The node whose devices `node`'s packets leave by: its host for a VM, else itself.
    #[inline]
    pub(super) fn egress(&self, node: NodeId) -> NodeId {
        self.guest_of(node).map_or(node, |g| g.host)
    }

    /// The MAC address `node` uses on `dev`: a VM's own on a switched network, else the
    /// device's.
    #[inline]
    pub(super) fn identity_mac(&self, node: NodeId, dev: DeviceId) -> MacAddr {
        match &self.nodes[node.index()].kind {
            NodeKind::Host(h) if h.arp.is_some() && h.guest.is_some() => {
                h.guest.as_ref().expect("checked").mac
            }
            _ => self.devices[dev.index()].mac,
        }
    }

    /// Plugs VM `vm`'s NIC into host `on`: its packets leave by `on`'s devices from now, and
    /// its /32 route leads to `on` (static routing).
    pub(super) fn attach_guest(&mut self, vm: NodeId, on: NodeId) {
        assert!(
            self.nodes[on.index()]
                .host()
                .is_some_and(|h| h.guest.is_none()),
            "a VM is attached to a host that is not a VM"
        );
        match &mut self.nodes[vm.index()].kind {
            NodeKind::Host(h) => h.guest.as_mut().expect("a VM").host = on,
            _ => panic!("not a VM"),
        }
        let (ip, host_ip) = (self.nodes[vm.index()].ip, self.nodes[on.index()].ip);
        if let (Some(ip), Some(host_ip)) = (ip, host_ip) {
            self.routes.alias(ip, host_ip);
        }
    }

    /// Gives VM `vm`'s NIC the MAC address `mac` ([`crate::host_plane::HostCtx::set_mac`]).
    pub(super) fn set_guest_mac(&mut self, vm: NodeId, mac: MacAddr) {
        match &mut self.nodes[vm.index()].kind {
            NodeKind::Host(h) => h.guest.as_mut().expect("a VM").mac = mac,
            _ => panic!("not a VM"),
        }
    }
}
