//! The network as a simulation [`Model`]: nodes, devices, packets and applications, and the
//! events that move packets between them.

mod arp;
mod binding_lifetime;
mod forward;
mod guest;
mod home_agent;
mod host;
mod host_planes;
mod packet_arena;
mod router;
#[cfg(test)]
mod sack_arena_tests;
mod switch;
mod switch_failure;
#[cfg(test)]
mod tunnel_tests;

pub use switch_failure::SwitchFailure;

pub(crate) use forward::per_flow_pick;

use std::collections::VecDeque;
use std::net::Ipv4Addr;

use serde::Serialize;
use sim_core::{Model, Scheduler, SimTime};

use crate::app::{AppAction, Application};
use crate::device::{Device, Frame, Role, TxState};
use crate::host_plane::HostPlanes;
use crate::node::Node;
use crate::pcap::PcapTap;
use crate::plane::{PlaneSend, SwitchPlane};
use crate::queue::Verdict;
use crate::routing::{Ecmp, PortTable, RoutingTable};
use crate::signal::Signal;
use crate::socket::{SocketId, SocketTable};
use crate::trace::Series;
use crate::{AppId, DeviceId, NodeId, PacketId};

/// Everything that happens in a network simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The device finished serialising its current frame.
    TxDone(DeviceId),
    /// The oldest frame on the device's wire reaches the peer device.
    Arrive(DeviceId),
    /// An application starts.
    AppStart(AppId),
    /// An application stops.
    AppStop(AppId),
    /// An application's timer fires.
    AppTimer(AppId, u64),
    /// A TCP socket's timer fires.
    TcpTimer(SocketId),
    /// A periodic TCP trace takes a sample.
    TraceSample(u32),
    /// A link goes down (`false`) or up (`true`).
    LinkState(crate::LinkId, bool),
    /// A forwarding node fails (`false`) or comes back (`true`) ([`SwitchFailure`]).
    SwitchState(NodeId, bool),
    /// The oldest frame a switch plane sent out of this device is due.
    SwitchOut(DeviceId),
    /// An event the switch plane scheduled for itself ([`crate::plane::PlaneCtx::schedule`]).
    Plane(crate::plane::PlaneEvent),
    /// A host's ARP retry timer for an address.
    ArpTimer(NodeId, Ipv4Addr),
    /// A signal reaches an application ([`crate::signal`]: pushed at the sending instant, so
    /// it runs after the events already pending then).
    Signal(AppId, Signal),
    /// A signal from an application reaches a plane (same ordering as [`Event::Signal`]).
    PlaneSignal(crate::signal::PlaneKind, AppId, Signal),
    /// A host route a host plane asked for is due (an index into the network's pending
    /// route updates).
    HostRoute(u32),
    /// A host plane's timer fires: (plane index, token), see
    /// [`crate::host_plane::HostCtx::set_timer`].
    HostTimer(u8, u64),
    /// A home agent's binding for a home address reaches the end of its lifetime.
    BindingExpiry(NodeId, Ipv4Addr),
}

/// Where every packet ended up. At any time,
/// `created + emitted_by_switches = delivered + queue_drops + wire_losses + link_down_drops +
/// unroutable + ttl_expired + no_listener + filtered + arp_unresolved + guest_paused +
/// dropped_by_host_planes + absorbed_by_switches + in_flight`.
///
/// The switch-related and ARP fields are omitted from JSON while zero, so networks without
/// switches report what they always did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PacketFates {
    /// Packets created by hosts.
    pub created: u64,
    /// Packets consumed by the host they were addressed to.
    pub delivered: u64,
    /// Refused by an output queue: full, or dropped by its discipline (RED, the threshold
    /// marker; each queue's `aqm_drops` counts those).
    pub queue_drops: u64,
    /// Lost to random loss on a wire.
    pub wire_losses: u64,
    /// Dropped because a link was down.
    pub link_down_drops: u64,
    /// No route to the destination, or a host received a packet for another address.
    pub unroutable: u64,
    /// TTL reached zero.
    pub ttl_expired: u64,
    /// Addressed to a host port nobody listens on (TCP segments to a closed port are answered
    /// with a reset), or a tunnelled packet (IP-in-IP, GRE, VXLAN) addressed to a host with
    /// nothing to decapsulate it.
    pub no_listener: u64,
    /// Frames a host's interface discarded because they were addressed to another MAC (a
    /// switch flooded them).
    #[serde(skip_serializing_if = "is_zero")]
    pub filtered: u64,
    /// Packets dropped by a host because ARP never resolved their next hop.
    #[serde(skip_serializing_if = "is_zero")]
    pub arp_unresolved: u64,
    /// Packets a paused VM would have sent, and frames that reached it while paused.
    #[serde(skip_serializing_if = "is_zero")]
    pub guest_paused: u64,
    /// Packets a host plane dropped by its own rule ([`crate::host_plane::HostDrop::Policy`]).
    #[serde(skip_serializing_if = "is_zero")]
    pub dropped_by_host_planes: u64,
    /// Frames handed to the switch plane (every frame a switch received).
    #[serde(skip_serializing_if = "is_zero")]
    pub absorbed_by_switches: u64,
    /// Frames the switch plane sent (forwarded, flooded copies, and frames sent on a
    /// controller's behalf).
    #[serde(skip_serializing_if = "is_zero")]
    pub emitted_by_switches: u64,
}

impl PacketFates {
    /// Packets that entered the network: created by hosts, or sent by the switch plane.
    pub fn entered(&self) -> u64 {
        self.created + self.emitted_by_switches
    }

    /// Packets whose fate is settled: delivered, dropped for any reason, or absorbed by the
    /// switch plane. The law of the type's docs is `entered() == settled() + in_flight`
    /// ([`Network::packets_in_flight`]).
    pub fn settled(&self) -> u64 {
        self.delivered
            + self.queue_drops
            + self.wire_losses
            + self.link_down_drops
            + self.unroutable
            + self.ttl_expired
            + self.no_listener
            + self.filtered
            + self.arp_unresolved
            + self.guest_paused
            + self.dropped_by_host_planes
            + self.absorbed_by_switches
    }
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// An installed application and where it lives.
pub(crate) struct AppSlot {
    pub node: NodeId,
    pub flow: u32,
    pub app: Box<dyn Application>,
}

/// What a [`crate::NetworkBuilder`] hands over.
pub(crate) struct Parts {
    pub nodes: Vec<Node>,
    pub devices: Vec<Device>,
    pub apps: Vec<AppSlot>,
    pub app_schedule: Vec<(AppId, SimTime, Option<SimTime>)>,
    pub routes: RoutingTable,
    pub ecmp: Ecmp,
    pub ecmp_rngs: Vec<sim_core::RngStream>,
    pub tcp: SocketTable,
}

/// The network model.
pub struct Network {
    pub(crate) nodes: Vec<Node>,
    pub(crate) devices: Vec<Device>,
    /// (node, port) → device, flat.
    pub(crate) ports: PortTable,
    pub(crate) packets: packet_arena::PacketArena,
    pub(crate) apps: Vec<AppSlot>,
    pub(crate) app_schedule: Vec<(AppId, SimTime, Option<SimTime>)>,
    pub(crate) routes: RoutingTable,
    pub(crate) ecmp: Ecmp,
    pub(crate) ecmp_rngs: Vec<sim_core::RngStream>,
    pub(crate) taps: Vec<(DeviceId, PcapTap)>,
    pub(crate) tap_error: Option<(usize, std::io::Error)>,
    pub(crate) fates: PacketFates,
    pub(crate) tcp: SocketTable,
    pub(crate) series: Vec<Series>,
    pub(crate) link_events: Vec<(SimTime, crate::LinkId, bool)>,
    pub(crate) switch_events: Vec<(SimTime, NodeId, bool)>,
    failures: Vec<SwitchFailure>,
    pub(crate) plane: Option<Box<dyn SwitchPlane>>,
    /// Frames the plane sent, waiting for their time, per device (empty without a plane).
    plane_out: Vec<VecDeque<(SimTime, PacketId)>>,
    plane_sends: Vec<PlaneSend>,
    /// The host planes, if any (see [`crate::host_plane`]).
    pub(crate) host_planes: Option<HostPlanes>,
    /// Host routes asked for by host planes, by [`Event::HostRoute`] index.
    pub(crate) host_routes: Vec<(Ipv4Addr, NodeId, u16)>,
    /// The host planes' pending timers, by (plane, token): one per token.
    pub(crate) host_timers: std::collections::BTreeMap<(u8, u64), sim_core::EventId>,
    next_uid: u64,
    actions: Vec<AppAction>,
    /// The SACK blocks of the TCP segments hosts sent (see `wire/sack.rs`).
    pub(crate) sack_arena: crate::wire::SackArena,
    /// The bytes of the few packets that carry real payload (Mobile IP registrations), by
    /// packet uid; empty in every other run.
    pub(crate) payloads: std::collections::BTreeMap<u64, Box<[u8]>>,
}

impl Network {
    pub(crate) fn from_parts(parts: Parts) -> Self {
        let Parts {
            nodes,
            devices,
            apps,
            app_schedule,
            routes,
            ecmp,
            ecmp_rngs,
            tcp,
        } = parts;
        check_peer_copies(&nodes, &devices);
        Network {
            ports: PortTable::new(&nodes),
            nodes,
            devices,
            packets: packet_arena::PacketArena::new(),
            apps,
            app_schedule,
            routes,
            ecmp,
            ecmp_rngs,
            taps: Vec::new(),
            tap_error: None,
            fates: PacketFates::default(),
            tcp,
            series: Vec::new(),
            link_events: Vec::new(),
            switch_events: Vec::new(),
            failures: Vec::new(),
            plane: None,
            plane_out: Vec::new(),
            plane_sends: Vec::new(),
            host_planes: None,
            host_routes: Vec::new(),
            host_timers: std::collections::BTreeMap::new(),
            next_uid: 0,
            actions: Vec::new(),
            sack_arena: crate::wire::SackArena::new(),
            payloads: std::collections::BTreeMap::new(),
        }
    }

    /// Schedules the start and stop of every application and the first trace samples. Call
    /// once before running.
    pub fn schedule_apps(&self, sched: &mut Scheduler<Event>) {
        for &(app, start, stop) in &self.app_schedule {
            sched.schedule_at(start, Event::AppStart(app));
            if let Some(stop) = stop {
                sched.schedule_at(stop, Event::AppStop(app));
            }
        }
        for i in 0..self.series.len() {
            sched.schedule_at(SimTime::ZERO, Event::TraceSample(i as u32));
        }
        for &(at, link, up) in &self.link_events {
            sched.schedule_at(at, Event::LinkState(link, up));
        }
        for &(at, node, up) in &self.switch_events {
            sched.schedule_at(at, Event::SwitchState(node, up));
        }
    }

    /// Starts the switch plane, if there is one. Call once before running, after
    /// [`Network::schedule_apps`].
    pub fn start_plane(&mut self, sched: &mut Scheduler<Event>) {
        if self.plane.is_some() {
            self.plane_out = vec![VecDeque::new(); self.devices.len()];
            if let Some(p) = self.plane.as_mut() {
                p.attach(&self.nodes, &self.devices);
            }
            self.with_plane(sched, |p, ctx| p.start(ctx));
        }
    }

    /// The switch plane, if the network has one.
    pub fn plane(&self) -> Option<&dyn SwitchPlane> {
        self.plane.as_deref()
    }

    /// The switch plane, mutably.
    pub fn plane_mut(&mut self) -> Option<&mut (dyn SwitchPlane + 'static)> {
        self.plane.as_deref_mut()
    }

    /// The TCP sockets.
    pub fn sockets(&self) -> &SocketTable {
        &self.tcp
    }

    /// All nodes, by [`NodeId`].
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }
    /// All devices, by [`DeviceId`].
    pub fn devices(&self) -> &[Device] {
        &self.devices
    }
    /// The node called `name`.
    pub fn node_by_name(&self, name: &str) -> Option<NodeId> {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .map(|i| NodeId(i as u32))
    }
    /// An installed application.
    pub fn app(&self, id: AppId) -> &dyn Application {
        self.apps[id.index()].app.as_ref()
    }
    /// The node an application runs on.
    pub fn app_node(&self, id: AppId) -> NodeId {
        self.apps[id.index()].node
    }
    /// Where packets ended up so far.
    pub fn fates(&self) -> PacketFates {
        self.fates
    }
    /// Packets currently in queues, on wires or being serialised.
    pub fn packets_in_flight(&self) -> usize {
        self.packets.len()
    }
    /// The routing table.
    pub fn routes(&self) -> &RoutingTable {
        &self.routes
    }

    /// Whether static routing offers a node two or more equal-cost next hops somewhere, in the
    /// switches' table or in a router's: where `ecmp` chooses, and `Ecmp::Off` always takes
    /// the lowest port.
    pub fn has_equal_cost_paths(&self) -> bool {
        self.routes.has_equal_cost_choice()
            || self.nodes.iter().filter_map(Node::lpm_router).any(|r| {
                r.table
                    .routes()
                    .iter()
                    .any(|rt| matches!(&rt.hop, crate::routing::lpm::Hop::Via(p) if p.len() >= 2))
            })
    }

    /// Flushes every pcap tap and reports the first write error, naming the tap's device.
    pub fn finish_taps(&mut self) -> Result<(), (DeviceId, std::io::Error)> {
        if let Some((i, e)) = self.tap_error.take() {
            return Err((self.taps[i].0, e));
        }
        for (dev, tap) in &mut self.taps {
            tap.flush().map_err(|e| (*dev, e))?;
        }
        Ok(())
    }

    /// Takes a last sample of every time series, flushes them, and reports the first write
    /// error with the file's path.
    pub fn finish_traces(
        &mut self,
        now: SimTime,
    ) -> Result<(), (std::path::PathBuf, std::io::Error)> {
        for s in &mut self.series {
            match s {
                Series::Tcp(t) => t.finish(now, &self.tcp)?,
                Series::Flow(t) => t.finish(now, &self.apps)?,
                Series::Link(t) => t.finish()?,
            }
        }
        for a in &mut self.apps {
            a.app.finish(now, &self.tcp)?;
        }
        Ok(())
    }

    // ---- the transmit state machine ----------------------------------------------------------

    /// Offers a frame to a device: straight onto an idle wire, else into the queue (or dropped).
    fn device_send(&mut self, sched: &mut Scheduler<Event>, dev: DeviceId, id: PacketId) {
        let len = self.packets[id].frame_len() as u32;
        self.send_frame(sched, dev, id, len);
    }

    /// [`Network::device_send`] of a frame whose length [bytes] is known.
    fn send_frame(&mut self, sched: &mut Scheduler<Event>, dev: DeviceId, id: PacketId, len: u32) {
        let d = &mut self.devices[dev.index()];
        if !d.up {
            d.wire.down_drops += 1;
            self.drop_packet(id, |f| &mut f.link_down_drops);
            return;
        }
        if d.tx == TxState::Ready {
            d.queue.count_bypass(sched.now(), len);
            self.start_tx(sched, dev, id, len);
        } else {
            let packets = &mut self.packets;
            // Queued or marked, the packet now waits; a discipline's drop is a queue drop.
            if d.queue
                .enqueue_with(sched.now(), id, || &mut packets[id], len)
                == Verdict::Dropped
            {
                self.drop_packet(id, |f| &mut f.queue_drops);
                self.note_queue_drop(dev);
            }
        }
    }

    /// Starts serialising frame `id` of `len` bytes (its `frame_len`) on an idle wire. Inlined
    /// into its three callers: a call here cost a fifth of what it does.
    #[inline(always)]
    fn start_tx(&mut self, sched: &mut Scheduler<Event>, dev: DeviceId, id: PacketId, len: u32) {
        let d = &mut self.devices[dev.index()];
        d.tx = TxState::Busy(id);
        d.tx_started = sched.now();
        d.tx_len = len;
        sched.schedule_in(d.tx_time(u64::from(len)), Event::TxDone(dev));
        if let Some(tap) = d.tap.get() {
            self.capture(tap, sched.now(), id);
        }
    }

    fn on_tx_done(&mut self, sched: &mut Scheduler<Event>, dev: DeviceId) {
        let d = &mut self.devices[dev.index()];
        let id = match std::mem::replace(&mut d.tx, TxState::Ready) {
            TxState::Busy(id) => id,
            // The frame was dropped when the link went down; the wire is free again.
            TxState::Aborted => {
                d.wire.busy_ps += (sched.now() - d.tx_started).as_ps();
                if let Some((next, len)) = d.queue.dequeue(sched.now()) {
                    self.start_tx(sched, dev, next, len);
                }
                return;
            }
            TxState::Ready => unreachable!("TxDone on an idle device"),
        };
        d.wire.tx_packets += 1;
        d.wire.tx_bytes += u64::from(d.tx_len);
        d.wire.busy_ps += (sched.now() - d.tx_started).as_ps();
        // `bernoulli(p)` draws nothing for p ≤ 0, so a lossless wire skips it unchanged.
        if d.lossy && d.loss_rng.bernoulli(d.params.loss) {
            d.wire.lost_packets += 1;
            self.drop_packet(id, |f| &mut f.wire_losses);
        } else {
            let at = sched.now() + d.delay;
            if d.in_flight.is_empty() {
                sched.schedule_at(at, Event::Arrive(dev));
            }
            d.in_flight.push_back(Frame {
                at,
                id,
                len: d.tx_len,
            });
        }
        let d = &mut self.devices[dev.index()];
        if let Some((next, len)) = d.queue.dequeue(sched.now()) {
            self.start_tx(sched, dev, next, len);
        }
    }

    fn on_arrive(&mut self, sched: &mut Scheduler<Event>, dev: DeviceId) {
        let d = &mut self.devices[dev.index()];
        // A link that went down lost what was on the wire; its Arrive event may still fire.
        match d.in_flight.front() {
            Some(f) if f.at == sched.now() => {}
            _ => return,
        }
        let Frame { id, len, .. } = d.in_flight.pop_front().expect("checked");
        if let Some(next) = d.in_flight.front() {
            sched.schedule_at(next.at, Event::Arrive(dev));
        }
        let (peer, node, role) = (d.peer, d.peer_node, d.peer_role);
        if let Some(tap) = d.peer_tap.get() {
            self.capture(tap, sched.now(), id);
        }
        match role {
            Role::Host => self.host_receive(sched, node, peer, id),
            Role::Switch => self.switch_receive(sched, peer, id),
            Role::LpmRouter => self.lpm_receive(sched, node, peer, id),
            Role::Router => self.router_forward(sched, node, id, len),
        }
    }

    // ---- packets arriving at a node ----------------------------------------------------------

    /// A tunnelled packet reached host `node` through `dev`. Decapsulating is a host plane's
    /// job (the hypervisor's virtual switch); without one, the host's NIC filter applies as to
    /// any frame (`filtered`), a tunnel packet addressed to this host finds nobody listening
    /// on the tunnel (`no_listener`), and one for another address is not forwarded
    /// (`unroutable`, as hosts do not forward). It is never handed to a guest: a guest lives
    /// inside the tunnel, not on it.
    fn tunnel_arrival(&mut self, node: NodeId, dev: DeviceId, id: PacketId) {
        let pkt = &self.packets[id];
        let for_nic = pkt.eth.dst == self.devices[dev.index()].mac || pkt.eth.dst.is_broadcast();
        let for_host = pkt.outer_dst() == self.nodes[node.index()].ip;
        match (for_nic, for_host) {
            (false, _) => self.drop_packet(id, |f| &mut f.filtered),
            (true, true) => self.drop_packet(id, |f| &mut f.no_listener),
            (true, false) => self.drop_packet(id, |f| &mut f.unroutable),
        }
    }

    /// Takes both directions of a link down or up. Down drops the frame being serialised, the
    /// frames on the wire and the frames waiting in both queues; up restores it. Static routes are
    /// recomputed over the links that are up, so traffic moves to surviving paths.
    pub fn set_link_state(&mut self, sched: &mut Scheduler<Event>, link: crate::LinkId, up: bool) {
        let devs: Vec<DeviceId> = (0..self.devices.len() as u32)
            .map(DeviceId)
            .filter(|d| self.devices[d.index()].link == link)
            .collect();
        for dev in devs {
            let d = &mut self.devices[dev.index()];
            if d.up == up {
                continue;
            }
            d.up = up;
            let (node, port) = (d.node, d.port);
            if self.nodes[node.index()].is_switch() {
                self.with_plane(sched, |p, ctx| p.on_link_state(ctx, node, port, up));
            }
            let d = &mut self.devices[dev.index()];
            if up {
                continue;
            }
            let mut lost: Vec<PacketId> = d.queue.drain().collect();
            lost.extend(d.in_flight.drain().map(|f| f.id));
            if let TxState::Busy(p) = d.tx {
                lost.push(p);
                d.tx = TxState::Aborted;
            }
            d.wire.down_drops += lost.len() as u64;
            for p in lost {
                self.drop_packet(p, |f| &mut f.link_down_drops);
            }
        }
        let (routes, _) = RoutingTable::compute(&self.nodes, &self.devices);
        self.routes = routes;
    }

    fn drop_packet(&mut self, id: PacketId, counter: impl FnOnce(&mut PacketFates) -> &mut u64) {
        if let Some(pkt) = self.packets.remove(id) {
            self.release_sack(&pkt);
        }
        *counter(&mut self.fates) += 1;
    }

    /// A packet left the network: its SACK blocks, if it carries any, lose a holder.
    #[inline]
    fn release_sack(&mut self, pkt: &crate::wire::Packet) {
        if let crate::wire::L4::Tcp(t) = &pkt.l4 {
            self.sack_arena.release(t.options.sack);
        }
    }

    fn capture(&mut self, tap: u32, now: SimTime, id: PacketId) {
        if self.tap_error.is_some() {
            return;
        }
        let (pkt, sack) = (&self.packets[id], &self.sack_arena);
        let payload = match self.payloads.is_empty() {
            true => None,
            false => self.payloads.get(&{ pkt.meta.uid }).map(|b| &**b),
        };
        if let Err(e) = self.taps[tap as usize]
            .1
            .write_payload(now, pkt, sack, payload)
        {
            self.tap_error = Some((tap as usize, e));
        }
    }
}

/// Each device's copies of its peer's node, role, MAC and tap (which the per-hop path reads
/// instead of the peer's record) agree with the peer: a cheap check, once per build, that no
/// builder change lets them drift apart.
fn check_peer_copies(nodes: &[Node], devices: &[Device]) {
    for (i, d) in devices.iter().enumerate() {
        let p = &devices[d.peer.index()];
        assert!(
            p.peer.index() == i
                && d.peer_node == p.node
                && d.peer_mac == p.mac
                && d.peer_tap == p.tap
                && d.peer_role == Role::of(&nodes[p.node.index()].kind),
            "device {i}: its copy of the peer device's node, role, MAC or tap is stale"
        );
    }
}

impl Model for Network {
    type Event = Event;

    #[inline]
    fn handle(&mut self, sched: &mut Scheduler<Event>, event: Event) {
        match event {
            Event::TxDone(dev) => self.on_tx_done(sched, dev),
            Event::Arrive(dev) => self.on_arrive(sched, dev),
            Event::AppStart(app) => self.call_app(sched, app, |a, ctx| a.start(ctx)),
            Event::AppStop(app) => self.call_app(sched, app, |a, ctx| a.stop(ctx)),
            Event::AppTimer(app, token) => {
                self.call_app(sched, app, |a, ctx| a.on_timer(ctx, token))
            }
            Event::TcpTimer(sid) => self.on_tcp_timer(sched, sid),
            Event::LinkState(link, up) => self.set_link_state(sched, link, up),
            Event::SwitchState(node, up) => self.set_switch_state(sched, node, up),
            Event::SwitchOut(dev) => self.on_switch_out(sched, dev),
            Event::Plane(ev) => self.with_plane(sched, |p, ctx| p.on_event(ctx, ev)),
            Event::ArpTimer(node, ip) => self.on_arp_timer(sched, node, ip),
            Event::Signal(app, signal) => self.deliver_signal(sched, app, signal),
            Event::PlaneSignal(crate::signal::PlaneKind::Switch, from, signal) => {
                self.with_plane(sched, |p, ctx| p.on_signal(ctx, from, signal))
            }
            Event::PlaneSignal(crate::signal::PlaneKind::Host, from, signal) => {
                self.host_planes_signal(sched, from, signal)
            }
            Event::HostRoute(i) => self.on_host_route(i),
            Event::HostTimer(plane, token) => self.on_host_timer(sched, plane, token),
            Event::BindingExpiry(ha, home) => self.on_binding_expiry(sched, ha, home),
            Event::TraceSample(i) => {
                let now = sched.now();
                let s = &mut self.series[i as usize];
                match s {
                    Series::Tcp(t) => t.sample(now, &self.tcp),
                    Series::Flow(t) => t.sample(now, &self.apps),
                    Series::Link(t) => t.sample(now, &self.devices),
                }
                sched.schedule_in(s.interval(), Event::TraceSample(i));
            }
        }
        if !self.tcp.dirty.is_empty() {
            self.service_sockets(sched);
        }
    }
}
