//! [`VmBridge`]: the hypervisors' virtual switches, as a net-stack host plane.
//!
//! A VM is a host node without devices (`NetworkBuilder::add_vm`) with its own IP and MAC
//! address, plugged into the physical host it runs on. net-stack does what the VM's NIC does
//! (its MAC filter, its IP layer); the bridge makes the hypervisor's decisions:
//!
//! ```text
//!   frame at host h ──on_receive──► a VM on h it is for?  ── by MAC on a switched network,
//!          │                            │                     by IP under static routing,
//!          │ no: Pass (h's own NIC)     │                     ARP by target address
//!          ▼                            ├─ paused: Drop(GuestPaused)
//!                                       └─ running: Deliver(vm) ─► the VM's NIC
//!   VM sends ──on_send──► paused: Drop(GuestPaused) │ running: Pass (leaves by its host)
//!   PauseGuest(vm)       ──► paused
//!   ResumeGuest{vm, on}  ──► running on `on`: ctx.attach(vm, on) (its /32 route follows),
//!                            a new MAC if the move asks for one, and a gratuitous ARP
//!                            from `on` on a switched network unless it asks for none
//!                            ([`guest_move`])
//! ```
//!
//! It hooks the sends of every VM and the arrivals at every host that runs one, and moves
//! the receive hook with the VMs, so hosts without VMs pay nothing. Paused VMs' packets count
//! in `PacketFates::guest_paused`.

pub mod guest_move;

use std::any::Any;
use std::net::Ipv4Addr;

use net_stack::NodeId;
use net_stack::host_plane::{HostCommand, HostCtx, HostDrop, HostPlane, HostSetup, HostVerdict};
use net_stack::wire::{L3, MacAddr, Packet};

use guest_move::GuestMove;

/// A VM as the bridge knows it.
#[derive(Clone, Copy, Debug)]
struct BridgedVm {
    ip: Ipv4Addr,
    mac: MacAddr,
    /// Hosts resolve addresses with ARP (an OpenFlow network): frames are for the VM by MAC.
    switched: bool,
    paused: bool,
}

/// Bridges every VM of the network to the host it runs on; see the [module docs](self).
/// Install it with `NetworkBuilder::host_plane` on a network with VMs.
#[derive(Debug, Default)]
pub struct VmBridge {
    vms: Vec<BridgedVm>,
    /// Node index → index into `vms`, for VMs.
    slot: Vec<Option<u32>>,
    /// Node index → the VMs running on that host, in the order they arrived.
    on_host: Vec<Vec<NodeId>>,
    /// The migrations' resume settings, taken in order ([`VmBridge::with_moves`]).
    moves: Vec<(GuestMove, bool)>,
}

impl VmBridge {
    /// A bridge; it learns the VMs when the network is built.
    pub fn new() -> Self {
        Self::default()
    }

    /// A bridge that resumes VMs as `moves` say: each resume of a VM on a host takes the
    /// first move not yet used for that VM whose `to` is the host (or any host); a resume
    /// without one keeps the MAC and announces the VM.
    pub fn with_moves(moves: Vec<GuestMove>) -> Self {
        VmBridge {
            moves: moves.into_iter().map(|m| (m, false)).collect(),
            ..Self::default()
        }
    }

    /// The move for VM `vm` resuming on `on`, marked used.
    fn take_move(&mut self, vm: NodeId, on: NodeId) -> Option<GuestMove> {
        let (m, used) = self
            .moves
            .iter_mut()
            .find(|(m, used)| !*used && m.vm == vm && m.to.is_none_or(|t| t == on))?;
        *used = true;
        Some(*m)
    }

    fn vm(&self, node: NodeId) -> Option<&BridgedVm> {
        let i = (*self.slot.get(node.index())?)?;
        Some(&self.vms[i as usize])
    }

    fn vm_mut(&mut self, node: NodeId) -> Option<&mut BridgedVm> {
        let i = (*self.slot.get(node.index())?)?;
        Some(&mut self.vms[i as usize])
    }

    /// Whether VM `vm` is paused (false for a node that is not a VM).
    pub fn is_paused(&self, vm: NodeId) -> bool {
        self.vm(vm).is_some_and(|v| v.paused)
    }

    /// The VMs running on `host`, in the order they arrived there.
    pub fn guests_on(&self, host: NodeId) -> &[NodeId] {
        self.on_host.get(host.index()).map_or(&[], Vec::as_slice)
    }

    /// The VM on `host` that frame `pkt` is for: by its MAC address on a switched network, by
    /// its IP address under static routing; an ARP packet by its target address (not a
    /// gratuitous one, which announces the sender).
    fn guest_for(&self, host: NodeId, pkt: &Packet) -> Option<NodeId> {
        self.on_host[host.index()].iter().copied().find(|&vm| {
            let v = self.vm(vm).expect("a VM");
            match (&pkt.l3, v.switched) {
                (L3::Arp(a), _) => a.target_ip == v.ip && a.sender_ip != a.target_ip,
                (L3::Ipv4(_), true) => pkt.eth.dst == v.mac,
                (L3::Ipv4(v4), false) => v4.dst == v.ip,
            }
        })
    }

    fn resume(&mut self, ctx: &mut HostCtx<'_>, vm: NodeId, on: NodeId) {
        let old = ctx.nodes()[vm.index()]
            .host()
            .and_then(|h| h.guest())
            .expect("a VM")
            .host;
        self.on_host[old.index()].retain(|&g| g != vm);
        self.on_host[on.index()].push(vm);
        if self.on_host[old.index()].is_empty() {
            ctx.hook_receive(old, false);
        }
        ctx.hook_receive(on, true);
        let mv = self.take_move(vm, on);
        let v = self.vm_mut(vm).expect("a VM");
        v.paused = false;
        let switched = v.switched;
        ctx.attach(vm, on);
        if let Some(mac) = mv.and_then(|m| m.new_mac) {
            v.mac = mac;
            ctx.set_mac(vm, mac);
        }
        if switched && mv.is_none_or(|m| m.gratuitous_arp) {
            // Tells every cache holding the address, and a controller watching, where it is
            // (and, after a new MAC, what it is).
            ctx.announce(vm);
        }
    }
}

impl HostPlane for VmBridge {
    fn start(&mut self, setup: &mut HostSetup<'_>) {
        let nodes = setup.nodes();
        self.slot = vec![None; nodes.len()];
        self.on_host = vec![Vec::new(); nodes.len()];
        let mut hooks = Vec::new();
        for (i, n) in nodes.iter().enumerate() {
            let Some(h) = n.host() else { continue };
            let Some(g) = h.guest() else { continue };
            let node = NodeId(i as u32);
            self.slot[i] = Some(self.vms.len() as u32);
            self.vms.push(BridgedVm {
                ip: n.ip.expect("a VM has an address"),
                mac: g.mac,
                switched: h.arp().is_some(),
                paused: false,
            });
            self.on_host[g.host.index()].push(node);
            hooks.push((node, g.host));
        }
        for (vm, host) in hooks {
            setup.hook_send(vm);
            setup.hook_receive(host);
        }
    }

    #[inline]
    fn on_send(&mut self, _ctx: &mut HostCtx<'_>, node: NodeId, _pkt: &mut Packet) -> HostVerdict {
        match self.vm(node) {
            // A paused VM runs nothing; what its timers would send is lost.
            Some(v) if v.paused => HostVerdict::Drop(HostDrop::GuestPaused),
            _ => HostVerdict::Pass,
        }
    }

    #[inline]
    fn on_receive(
        &mut self,
        _ctx: &mut HostCtx<'_>,
        host: NodeId,
        _port: u16,
        pkt: &mut Packet,
    ) -> HostVerdict {
        match self.guest_for(host, pkt) {
            None => HostVerdict::Pass,
            Some(vm) if self.is_paused(vm) => HostVerdict::Drop(HostDrop::GuestPaused),
            Some(vm) => HostVerdict::Deliver(vm),
        }
    }

    fn on_command(&mut self, ctx: &mut HostCtx<'_>, cmd: HostCommand) -> bool {
        match cmd {
            HostCommand::PauseGuest(vm) => match self.vm_mut(vm) {
                Some(v) => {
                    v.paused = true;
                    true
                }
                None => false,
            },
            HostCommand::ResumeGuest { vm, on } => {
                if self.vm(vm).is_none() {
                    return false;
                }
                self.resume(ctx, vm, on);
                true
            }
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
