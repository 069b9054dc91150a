//! The extension point on hosts: the hypervisor's virtual switch.
//!
//! A [`HostPlane`] sits between a host's IP layer and its devices. It sees the IPv4 packets
//! the host's IP layer sends (before ARP resolution and routing) and the frames that arrive at
//! the host's devices (before the NIC's MAC filter), and for each returns a [`HostVerdict`]:
//! carry on, drop, hand the frame to another node's NIC (a VM on this host), send it out of a
//! port as it is now, or send it on by IP from another node. It may rewrite the packet in
//! place — addresses, the DSCP/ECN byte, VLAN tags, the payload length, outer headers — and
//! the wire, the queues and the pcaps use the packet as the plane left it
//! ([`Packet::frame_len`]). Planes are installed with [`crate::NetworkBuilder::host_plane`];
//! net-stack never names an implementation (the `vm` crate's `VmBridge` bridges VMs with one;
//! DESIGN.md, "Extension rule").
//!
//! ```text
//!   application ─► host IP layer ──on_send(node, &mut pkt)──► HostPlane ─► verdict
//!                                                                Pass: ARP / route ─► device
//!   device ─Arrive─► host ──on_receive(host, port, &mut pkt)──► HostPlane ─► verdict
//!                                    Pass: the host's NIC (MAC filter ─► IP ─► socket / app)
//!                                    Deliver(vm): that node's NIC instead
//!   Network::host_command(PauseGuest | ResumeGuest) ──on_command──► HostPlane
//!                                    (ctx.attach(vm, host), ctx.announce(vm) carried out after)
//! ```
//!
//! **Which hosts.** A plane sees only the nodes it hooks: in [`HostPlane::start`] (and later
//! through [`HostCtx::hook_send`] / [`HostCtx::hook_receive`]) it says whose sends and whose
//! arrivals it wants. A network without host planes pays one branch on an `Option` per packet
//! a host sends or receives; with planes, a node nobody hooked pays one more load (a bit mask)
//! and no call.
//!
//! **Timers.** A plane arms its own timers with [`HostCtx::set_timer`] (one pending per
//! token; [`HostCtx::cancel_timer`] cancels) and is called back in [`HostPlane::on_timer`]:
//! periodic hypervisor work such as a Mobile IP re-registration before its lifetime ends.
//!
//! **Several planes compose** as a stack, in the order they were installed, from the guest
//! side (first) to the wire side (last): a packet a host sends meets the planes that hook the
//! sender in installation order, a frame a host receives meets those that hook the host in the
//! reverse order (so a plane that encapsulates on the way out decapsulates before the planes
//! above it look on the way in). Each plane sees the packet as the planes before it left it;
//! the first verdict other than [`HostVerdict::Pass`] ends the walk, and the node a
//! `Deliver` or `Redirect` names takes the packet without meeting the planes again (no loops).
//! At most [`MAX_HOST_PLANES`] planes; more is a [`crate::BuildError`].
//!
//! **Accounting** ([`crate::PacketFates`]): a packet dropped on send is counted as created and
//! as dropped (`guest_paused` or `dropped_by_host_planes`, by [`HostDrop`]); it uses up no IPv4
//! identification and no packet uid (the stack that would have sent it never ran, as for a
//! paused VM). A frame dropped on receive is counted under its [`HostDrop`]. Every other verdict
//! keeps the packet in flight, to be counted where it ends.

use std::any::Any;

use sim_core::SimTime;

use crate::NodeId;
use crate::device::Device;
use crate::node::Node;
use crate::wire::{MacAddr, Packet};

/// The most host planes one network can have (each hooked node keeps one bit per plane).
pub const MAX_HOST_PLANES: usize = 64;

/// Logic between hosts' IP layers and their devices; see the [module docs](self).
pub trait HostPlane {
    /// Called once when the network is built, before any packet moves: learn the nodes and
    /// hook the ones to watch.
    fn start(&mut self, setup: &mut HostSetup<'_>);
    /// Host (or VM) `node` sends `pkt`, an IPv4 packet whose Ethernet header is not yet set
    /// (ARP or the route fills it in after a `Pass`).
    fn on_send(&mut self, ctx: &mut HostCtx<'_>, node: NodeId, pkt: &mut Packet) -> HostVerdict;
    /// Frame `pkt` arrived at host `host` on its port `port` (0-based, in the order the node's
    /// links were built); it is in the pcap of that device as it arrived.
    fn on_receive(
        &mut self,
        ctx: &mut HostCtx<'_>,
        host: NodeId,
        port: u16,
        pkt: &mut Packet,
    ) -> HostVerdict;
    /// A command from an application or the model (see [`crate::Network::host_command`]).
    /// Returns whether this plane carried it out; the planes are asked in installation order
    /// until one does.
    fn on_command(&mut self, _ctx: &mut HostCtx<'_>, _cmd: HostCommand) -> bool {
        false
    }
    /// A signal from application `from` ([`crate::signal::Endpoint::HostPlanes`]), delivered
    /// at the time it was sent, after the events already pending then.
    fn on_signal(
        &mut self,
        _ctx: &mut HostCtx<'_>,
        _from: crate::AppId,
        _signal: crate::signal::Signal,
    ) {
    }
    /// The plane's timer `token` fires ([`HostCtx::set_timer`]); what the plane asks for is
    /// carried out when it returns.
    fn on_timer(&mut self, _ctx: &mut HostCtx<'_>, _token: u64) {}
    /// For downcasting to the concrete plane (reports, tests).
    fn as_any(&self) -> &dyn Any;
    /// For downcasting to the concrete plane.
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

/// What happens to a packet after a [`HostPlane`] saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostVerdict {
    /// Carry on: the next plane, or what the host does without planes (send: ARP or the
    /// route; receive: the host's NIC).
    Pass,
    /// Gone; counted in [`crate::PacketFates`] under the reason.
    Drop(HostDrop),
    /// Hand the frame to this host node's NIC (its MAC filter, then its IP layer): on receive,
    /// the VM on this host the frame is for; on send, local delivery without a wire (the
    /// frame is taken to arrive on the first device of the target's uplink host, and the
    /// plane sets the Ethernet destination the target's filter expects).
    Deliver(NodeId),
    /// Transmit out of this port of the host (on send, of the host the sender's packets leave
    /// by) as the packet is now, Ethernet header included. A port the host does not have
    /// counts the packet `unroutable`.
    SendOut(u16),
    /// Send it on by IP from this node, as if its IP layer had sent it: a host resolves with
    /// its ARP cache (or routes from its uplink), a router routes; a switch cannot, and the
    /// packet counts `unroutable`.
    Redirect(NodeId),
}

/// Why a host plane dropped a packet: the [`crate::PacketFates`] field it counts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostDrop {
    /// A paused VM's packet (`guest_paused`).
    GuestPaused,
    /// The plane's own rule (`dropped_by_host_planes`).
    Policy,
    /// The plane itself was the packet's recipient (a hypervisor's Mobile IP registration
    /// reply): counted `delivered`.
    Consumed,
}

/// A command to the host planes, from an application ([`crate::app::AppCtx::pause_vm`],
/// [`crate::app::AppCtx::resume_vm`]) or through [`crate::Network::host_command`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostCommand {
    /// Pause VM `vm` (a migration's stop-and-copy phase).
    PauseGuest(NodeId),
    /// Resume VM `vm` on host `on` (the end of a migration).
    ResumeGuest {
        /// The VM.
        vm: NodeId,
        /// The host it runs on from now.
        on: NodeId,
    },
}

/// A change a plane asked for, carried out when its call returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HostAction {
    Hook {
        plane: usize,
        node: NodeId,
        send: Option<bool>,
        receive: Option<bool>,
    },
    Attach {
        vm: NodeId,
        host: NodeId,
    },
    Announce(NodeId),
    SetMac {
        vm: NodeId,
        mac: MacAddr,
    },
    HostRoute {
        at: SimTime,
        ip: std::net::Ipv4Addr,
        gateway: NodeId,
        port: u16,
    },
    SendUdp {
        from: NodeId,
        dst: std::net::Ipv4Addr,
        ports: (u16, u16),
        bytes: Box<[u8]>,
    },
    /// Arm (`at: Some`) or cancel (`None`) the plane's timer `token`.
    Timer {
        plane: usize,
        token: u64,
        at: Option<SimTime>,
    },
}

/// What a [`HostPlane`] may see and do while it is called. Changes it asks for (hooks, a VM's
/// attachment, announcements) are carried out, in the order asked, when the call returns.
pub struct HostCtx<'a> {
    now: SimTime,
    plane: usize,
    nodes: &'a [Node],
    devices: &'a [Device],
    actions: &'a mut Vec<HostAction>,
    payloads: &'a std::collections::BTreeMap<u64, Box<[u8]>>,
}

impl<'a> HostCtx<'a> {
    pub(crate) fn new(
        now: SimTime,
        plane: usize,
        nodes: &'a [Node],
        devices: &'a [Device],
        actions: &'a mut Vec<HostAction>,
        payloads: &'a std::collections::BTreeMap<u64, Box<[u8]>>,
    ) -> Self {
        HostCtx {
            now,
            plane,
            nodes,
            devices,
            actions,
            payloads,
        }
    }

    /// The real payload bytes of packet `pkt`, if it carries some (a Mobile IP registration
    /// message, [`crate::wire::mip`]); every other packet's payload is virtual.
    pub fn payload(&self, pkt: &Packet) -> Option<&[u8]> {
        self.payloads.get(&{ pkt.meta.uid }).map(|b| &**b)
    }

    /// Host `from` (the hypervisor itself, not a guest) sends a UDP datagram carrying `bytes`
    /// from its port `ports.0` to `dst`'s port `ports.1`, by its IP layer (ARP or its route),
    /// meeting no host plane; the bytes appear in the pcaps.
    pub fn send_udp(
        &mut self,
        from: NodeId,
        dst: std::net::Ipv4Addr,
        ports: (u16, u16),
        bytes: Vec<u8>,
    ) {
        self.actions.push(HostAction::SendUdp {
            from,
            dst,
            ports,
            bytes: bytes.into_boxed_slice(),
        });
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The network's nodes (addresses, ARP caches, VMs' attachments).
    pub fn nodes(&self) -> &[Node] {
        self.nodes
    }

    /// The network's devices (MAC addresses, peers, counters).
    pub fn devices(&self) -> &[Device] {
        self.devices
    }

    /// Starts (`true`) or stops showing this plane what `node` sends.
    pub fn hook_send(&mut self, node: NodeId, on: bool) {
        self.actions.push(HostAction::Hook {
            plane: self.plane,
            node,
            send: Some(on),
            receive: None,
        });
    }

    /// Starts (`true`) or stops showing this plane the frames that arrive at `node`.
    pub fn hook_receive(&mut self, node: NodeId, on: bool) {
        self.actions.push(HostAction::Hook {
            plane: self.plane,
            node,
            send: None,
            receive: Some(on),
        });
    }

    /// Plugs VM `vm`'s NIC into host `host`: from now its packets leave by `host`'s devices
    /// and, under static routing, its address is routed to `host` (its /32 route follows).
    /// `vm` must be a VM ([`crate::NetworkBuilder::add_vm`]) and `host` a host that is not one.
    pub fn attach(&mut self, vm: NodeId, host: NodeId) {
        self.actions.push(HostAction::Attach { vm, host });
    }

    /// Host or VM `node` announces its address with a gratuitous ARP out of every device of
    /// its uplink ([`crate::Network::announce`]).
    pub fn announce(&mut self, node: NodeId) {
        self.actions.push(HostAction::Announce(node));
    }

    /// Gives VM `vm`'s NIC the MAC address `mac` (a VM that takes a new MAC on migration,
    /// seed 004 §III.C): its frames carry it from now and its NIC filter accepts only it.
    /// Nobody else is told: ARP caches keep the old address until a gratuitous ARP
    /// ([`HostCtx::announce`]) or their entries' expiry. `vm` must be a VM.
    pub fn set_mac(&mut self, vm: NodeId, mac: MacAddr) {
        self.actions.push(HostAction::SetMac { vm, mac });
    }

    /// Arms this plane's timer `token` for time `at` (now or later; a time in the past fires
    /// now): [`HostPlane::on_timer`] is called then with `token`. A plane has at most one
    /// pending timer per token, as quinn-proto keeps one per timer kind: arming a token that
    /// is pending moves it. The timer is an engine event (same-time events run first in,
    /// first out).
    pub fn set_timer(&mut self, at: SimTime, token: u64) {
        self.actions.push(HostAction::Timer {
            plane: self.plane,
            token,
            at: Some(at),
        });
    }

    /// Cancels this plane's timer `token` if it is pending; a cancelled timer never runs (and
    /// counts as no executed event).
    pub fn cancel_timer(&mut self, token: u64) {
        self.actions.push(HostAction::Timer {
            plane: self.plane,
            token,
            at: None,
        });
    }

    /// In a routed network: at time `at` (now or later), a host route for `ip` is injected at
    /// every router, leading to router `gateway`'s subnet behind its `port`
    /// ([`crate::Network::set_host_route`]) — what a routing protocol does once it has
    /// converged after a move.
    pub fn host_route(&mut self, at: SimTime, ip: std::net::Ipv4Addr, gateway: NodeId, port: u16) {
        self.actions.push(HostAction::HostRoute {
            at,
            ip,
            gateway,
            port,
        });
    }
}

/// What a [`HostPlane`] sees when the network is built: the nodes and devices, and the hooks
/// it sets.
pub struct HostSetup<'a> {
    plane: usize,
    nodes: &'a [Node],
    devices: &'a [Device],
    hooks: &'a mut HookMasks,
}

impl<'a> HostSetup<'a> {
    pub(crate) fn new(
        plane: usize,
        nodes: &'a [Node],
        devices: &'a [Device],
        hooks: &'a mut HookMasks,
    ) -> Self {
        HostSetup {
            plane,
            nodes,
            devices,
            hooks,
        }
    }

    /// The network's nodes, by [`NodeId`].
    pub fn nodes(&self) -> &[Node] {
        self.nodes
    }

    /// The network's devices, by [`crate::DeviceId`].
    pub fn devices(&self) -> &[Device] {
        self.devices
    }

    /// Shows this plane what `node` sends.
    pub fn hook_send(&mut self, node: NodeId) {
        self.hooks.set(self.plane, node, Some(true), None);
    }

    /// Shows this plane the frames that arrive at `node`.
    pub fn hook_receive(&mut self, node: NodeId) {
        self.hooks.set(self.plane, node, None, Some(true));
    }
}

/// Per node, one bit per plane: which planes see what the node sends and what it receives.
#[derive(Debug, Default)]
pub(crate) struct HookMasks {
    pub send: Vec<u64>,
    pub receive: Vec<u64>,
}

impl HookMasks {
    pub(crate) fn set(
        &mut self,
        plane: usize,
        node: NodeId,
        send: Option<bool>,
        receive: Option<bool>,
    ) {
        let bit = 1u64 << plane;
        for (mask, on) in [(&mut self.send, send), (&mut self.receive, receive)] {
            match on {
                Some(true) => mask[node.index()] |= bit,
                Some(false) => mask[node.index()] &= !bit,
                None => {}
            }
        }
    }
}

/// The network's host planes and who they hook.
pub(crate) struct HostPlanes {
    pub planes: Vec<Box<dyn HostPlane>>,
    pub hooks: HookMasks,
    /// Reused buffer of the actions planes ask for.
    pub actions: Vec<HostAction>,
}

impl HostPlanes {
    /// Starts `planes` (at most [`MAX_HOST_PLANES`]) over the built network.
    pub(crate) fn start(
        mut planes: Vec<Box<dyn HostPlane>>,
        nodes: &[Node],
        devices: &[Device],
    ) -> Self {
        assert!(planes.len() <= MAX_HOST_PLANES, "checked by the builder");
        let mut hooks = HookMasks {
            send: vec![0; nodes.len()],
            receive: vec![0; nodes.len()],
        };
        for (i, p) in planes.iter_mut().enumerate() {
            p.start(&mut HostSetup::new(i, nodes, devices, &mut hooks));
        }
        HostPlanes {
            planes,
            hooks,
            actions: Vec::new(),
        }
    }

    /// Whether any plane sees what `node` sends.
    #[inline]
    pub(crate) fn hooks_send(&self, node: NodeId) -> bool {
        self.hooks.send[node.index()] != 0
    }

    /// Whether any plane sees what arrives at `node`.
    #[inline]
    pub(crate) fn hooks_receive(&self, node: NodeId) -> bool {
        self.hooks.receive[node.index()] != 0
    }
}
