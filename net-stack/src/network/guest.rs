//! VMs (guests) on hosts: who a frame is for, whose MAC a packet carries, and pausing and
//! moving a VM. A VM is a host node without devices ([`crate::NetworkBuilder::add_vm`]); its
//! packets leave through the devices of the host it runs on, and that host hands it the
//! frames addressed to it — by MAC address on a switched network, by IP address under static
//! routing.

use sim_core::Scheduler;

use super::{Event, Network};
use crate::node::{Guest, NodeKind};
use crate::wire::{L3, MacAddr, Packet};
use crate::{DeviceId, NodeId};

impl Network {
    fn guest_of(&self, node: NodeId) -> Option<&Guest> {
        match &self.nodes[node.index()].kind {
            NodeKind::Host(h) => h.guest.as_ref(),
            _ => None,
        }
    }

    fn guest_mut(&mut self, node: NodeId) -> &mut Guest {
        match &mut self.nodes[node.index()].kind {
            NodeKind::Host(h) => h.guest.as_mut().expect("a VM"),
            _ => panic!("not a VM"),
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

    /// The VM on `host` that a frame arriving there is for, if any.
    #[inline]
    pub(super) fn guest_for(&self, host: NodeId, pkt: &Packet) -> Option<NodeId> {
        let NodeKind::Host(h) = &self.nodes[host.index()].kind else {
            return None;
        };
        if h.guests.is_empty() {
            return None;
        }
        let switched = h.arp.is_some();
        h.guests.iter().copied().find(|&vm| {
            let (ip, mac) = (
                self.nodes[vm.index()].ip,
                self.guest_of(vm).expect("a VM").mac,
            );
            match (&pkt.l3, switched) {
                (L3::Arp(a), _) => Some(a.target_ip) == ip && a.sender_ip != a.target_ip,
                (L3::Ipv4(_), true) => pkt.eth.dst == mac,
                (L3::Ipv4(v4), false) => Some(v4.dst) == ip,
            }
        })
    }

    /// Whether VM `vm` is paused.
    pub(super) fn is_paused(&self, vm: NodeId) -> bool {
        self.guest_of(vm).is_some_and(|g| g.paused)
    }

    /// Pauses VM `vm` (the stop-and-copy phase of a migration): until it resumes it sends
    /// nothing and frames for it are dropped (`PacketFates::guest_paused`).
    pub fn pause_guest(&mut self, vm: NodeId) {
        self.guest_mut(vm).paused = true;
    }

    /// Resumes VM `vm` on host `on` (the end of a migration). It keeps its IP and MAC
    /// addresses, its sockets and its ARP cache. Under static routing its /32 route now leads
    /// to `on`; on a switched network it announces itself with a gratuitous ARP from `on`,
    /// which updates the caches that hold its address and tells the controller where it is.
    pub fn resume_guest(&mut self, sched: &mut Scheduler<Event>, vm: NodeId, on: NodeId) {
        let old = self.guest_mut(vm).host;
        for (host, add) in [(old, false), (on, true)] {
            let NodeKind::Host(h) = &mut self.nodes[host.index()].kind else {
                panic!("a VM runs on a host")
            };
            h.guests.retain(|&g| g != vm);
            if add {
                h.guests.push(vm);
            }
        }
        let g = self.guest_mut(vm);
        g.host = on;
        g.paused = false;
        let (ip, host_ip) = (self.nodes[vm.index()].ip, self.nodes[on.index()].ip);
        if let (Some(ip), Some(host_ip)) = (ip, host_ip) {
            self.routes.alias(ip, host_ip);
        }
        let switched = matches!(&self.nodes[vm.index()].kind, NodeKind::Host(h) if h.arp.is_some());
        if switched {
            self.announce(sched, vm);
        }
    }
}
