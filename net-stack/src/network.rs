//! The network as a simulation [`Model`]: nodes, devices, packets and applications, and the
//! events that move packets between them.

use std::net::Ipv4Addr;

use serde::Serialize;
use sim_core::{Model, Scheduler, SimTime};
use slotmap::SlotMap;

use crate::app::{AppAction, AppCtx, Application};
use crate::device::{Device, TxState};
use crate::node::{Node, NodeKind};
use crate::pcap::PcapTap;
use crate::routing::{Ecmp, RoutingTable, device_at};
use crate::socket::{SocketId, SocketTable};
use crate::tcp::{TcpEvent, rst_for};
use crate::trace::Series;
use crate::wire::{
    EtherType, EthernetRepr, IcmpRepr, IpProtocol, Ipv4Repr, L3, L4, Packet, PacketMeta,
};
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
}

/// Where every packet ended up. At any time,
/// `created = delivered + queue_drops + wire_losses + link_down_drops + unroutable + ttl_expired
/// + no_listener + in_flight`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PacketFates {
    /// Packets created by hosts.
    pub created: u64,
    /// Packets consumed by the host they were addressed to.
    pub delivered: u64,
    /// Refused by a full output queue.
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
    /// with a reset).
    pub no_listener: u64,
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
    pub(crate) packets: SlotMap<PacketId, Packet>,
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
    next_uid: u64,
    actions: Vec<AppAction>,
    tcp_events: Vec<TcpEvent>,
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
        Network {
            nodes,
            devices,
            packets: SlotMap::with_key(),
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
            next_uid: 0,
            actions: Vec::new(),
            tcp_events: Vec::new(),
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
        Ok(())
    }

    // ---- packets leaving a host --------------------------------------------------------------

    fn host_send(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        flow: u32,
        dst: Ipv4Addr,
        l4: L4,
        payload_len: u32,
    ) {
        let n = &mut self.nodes[node.index()];
        let src = n.ip.expect("hosts have addresses");
        let NodeKind::Host(host) = &mut n.kind else {
            unreachable!("only hosts run applications")
        };
        let ident = host.next_ip_ident;
        host.next_ip_ident = ident.wrapping_add(1);
        let protocol = match l4 {
            L4::Udp(_) => IpProtocol::Udp,
            L4::Tcp(_) => IpProtocol::Tcp,
            L4::Icmp(_) => IpProtocol::Icmp,
            L4::None => unreachable!("IPv4 packets carry a transport header"),
        };
        let pkt = Packet {
            eth: EthernetRepr {
                dst: Default::default(),
                src: Default::default(),
                vlan: None,
                ethertype: EtherType::Ipv4,
            },
            l3: L3::Ipv4(Ipv4Repr {
                src,
                dst,
                protocol,
                ttl: 64,
                ident,
                tos: 0,
            }),
            l4,
            payload_len,
            meta: PacketMeta {
                uid: self.next_uid,
                flow,
                created: sched.now(),
            },
        };
        self.next_uid += 1;
        self.fates.created += 1;
        let id = self.packets.insert(pkt);
        self.route_and_send(sched, node, id);
    }

    /// Picks the output port for an IPv4 packet at `node` and hands it to that device, with
    /// the Ethernet addresses of this hop (point-to-point: the peer device's MAC).
    fn route_and_send(&mut self, sched: &mut Scheduler<Event>, node: NodeId, id: PacketId) {
        let pkt = &self.packets[id];
        let Some(ip) = pkt.ipv4() else {
            self.drop_packet(id, |f| &mut f.unroutable);
            return;
        };
        let hops = match self.routes.dest(ip.dst) {
            Some(d) => self.routes.next_hops(node, d),
            None => &[],
        };
        let port = match (hops.len(), self.ecmp) {
            (0, _) => {
                self.drop_packet(id, |f| &mut f.unroutable);
                return;
            }
            (1, _) | (_, Ecmp::Off) => hops[0],
            (n, Ecmp::PerFlow) => hops[(flow_hash(pkt, node) % n as u64) as usize],
            (n, Ecmp::PerPacket) => hops[self.ecmp_rngs[node.index()].below(n as u64) as usize],
        };
        let dev = device_at(&self.nodes, node, port);
        let peer_mac = self.devices[self.devices[dev.index()].peer.index()].mac;
        let pkt = &mut self.packets[id];
        pkt.eth.src = self.devices[dev.index()].mac;
        pkt.eth.dst = peer_mac;
        self.device_send(sched, dev, id);
    }

    // ---- the transmit state machine ----------------------------------------------------------

    /// Offers a frame to a device: straight onto an idle wire, else into the queue (or dropped).
    fn device_send(&mut self, sched: &mut Scheduler<Event>, dev: DeviceId, id: PacketId) {
        let d = &mut self.devices[dev.index()];
        if !d.up {
            d.wire.down_drops += 1;
            self.drop_packet(id, |f| &mut f.link_down_drops);
            return;
        }
        if d.tx == TxState::Ready {
            d.queue.count_bypass();
            self.start_tx(sched, dev, id);
        } else {
            let len = self.packets[id].frame_len() as u32;
            if !self.devices[dev.index()].queue.enqueue(id, len) {
                self.drop_packet(id, |f| &mut f.queue_drops);
            }
        }
    }

    fn start_tx(&mut self, sched: &mut Scheduler<Event>, dev: DeviceId, id: PacketId) {
        let d = &mut self.devices[dev.index()];
        let len = self.packets[id].frame_len() as u64;
        d.tx = TxState::Busy(id);
        d.tx_started = sched.now();
        sched.schedule_in(d.tx_time(len), Event::TxDone(dev));
        if let Some(tap) = d.tap {
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
                if let Some(next) = d.queue.dequeue() {
                    self.start_tx(sched, dev, next);
                }
                return;
            }
            TxState::Ready => unreachable!("TxDone on an idle device"),
        };
        let len = self.packets[id].frame_len() as u64;
        d.wire.tx_packets += 1;
        d.wire.tx_bytes += len;
        d.wire.busy_ps += (sched.now() - d.tx_started).as_ps();
        if d.loss_rng.bernoulli(d.params.loss) {
            d.wire.lost_packets += 1;
            self.drop_packet(id, |f| &mut f.wire_losses);
        } else {
            let at = sched.now() + d.params.delay;
            if d.in_flight.is_empty() {
                sched.schedule_at(at, Event::Arrive(dev));
            }
            d.in_flight.push_back((at, id));
        }
        let d = &mut self.devices[dev.index()];
        if let Some(next) = d.queue.dequeue() {
            self.start_tx(sched, dev, next);
        }
    }

    fn on_arrive(&mut self, sched: &mut Scheduler<Event>, dev: DeviceId) {
        let d = &mut self.devices[dev.index()];
        // A link that went down lost what was on the wire; its Arrive event may still fire.
        match d.in_flight.front() {
            Some(&(t, _)) if t == sched.now() => {}
            _ => return,
        }
        let (_, id) = d.in_flight.pop_front().expect("checked");
        if let Some(&(next, _)) = d.in_flight.front() {
            sched.schedule_at(next, Event::Arrive(dev));
        }
        let peer = d.peer;
        let (tap, node) = (
            self.devices[peer.index()].tap,
            self.devices[peer.index()].node,
        );
        if let Some(tap) = tap {
            self.capture(tap, sched.now(), id);
        }
        self.node_receive(sched, node, id);
    }

    // ---- packets arriving at a node ----------------------------------------------------------

    fn node_receive(&mut self, sched: &mut Scheduler<Event>, node: NodeId, id: PacketId) {
        if self.nodes[node.index()].is_host() {
            self.host_receive(sched, node, id);
            return;
        }
        // Router: IPv4 forwarding.
        let Some(L3::Ipv4(ip)) = self.packets.get_mut(id).map(|p| &mut p.l3) else {
            self.drop_packet(id, |f| &mut f.unroutable);
            return;
        };
        if ip.ttl <= 1 {
            self.drop_packet(id, |f| &mut f.ttl_expired);
            return;
        }
        ip.ttl -= 1;
        self.route_and_send(sched, node, id);
    }

    fn host_receive(&mut self, sched: &mut Scheduler<Event>, node: NodeId, id: PacketId) {
        let n = &self.nodes[node.index()];
        let pkt = self.packets[id];
        let NodeKind::Host(host) = &n.kind else {
            unreachable!()
        };
        let Some(ip) = pkt.ipv4() else {
            self.drop_packet(id, |f| &mut f.unroutable);
            return;
        };
        if Some(ip.dst) != n.ip {
            // Hosts do not forward.
            self.drop_packet(id, |f| &mut f.unroutable);
            return;
        }
        let target = match pkt.l4 {
            L4::Udp(u) => host.udp_ports.get(&u.dst_port).copied(),
            L4::Icmp(IcmpRepr::EchoReply { ident, .. }) => host.icmp_idents.get(&ident).copied(),
            L4::Icmp(IcmpRepr::EchoRequest { ident, seq }) => {
                // The host's IP layer answers (RFC 792): same identifier, sequence and data.
                let src = ip.src;
                self.packets.remove(id);
                self.fates.delivered += 1;
                let reply = L4::Icmp(IcmpRepr::EchoReply { ident, seq });
                self.host_send(sched, node, pkt.meta.flow, src, reply, pkt.payload_len);
                return;
            }
            L4::Tcp(seg) => {
                self.packets.remove(id);
                self.tcp_receive(sched, node, &pkt, ip.src, seg);
                return;
            }
            L4::None => None,
        };
        let Some(app) = target else {
            self.drop_packet(id, |f| &mut f.no_listener);
            return;
        };
        self.packets.remove(id);
        self.fates.delivered += 1;
        self.call_app(sched, app, |a, ctx| a.on_receive(ctx, &pkt));
    }

    /// A TCP segment for this host: to its connection, to a listener (a SYN), or answered with
    /// a reset (RFC 9293 §3.10.7.1).
    fn tcp_receive(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        pkt: &Packet,
        src: Ipv4Addr,
        seg: crate::wire::TcpRepr,
    ) {
        use crate::wire::TcpFlags;
        let now = sched.now();
        if let Some(sid) = self.tcp.lookup(node, seg.dst_port, src, seg.src_port) {
            self.fates.delivered += 1;
            self.tcp
                .get_mut(sid)
                .conn
                .handle_segment(now, &seg, pkt.payload_len);
            self.tcp.mark_dirty(sid);
            return;
        }
        let is_syn = seg.flags.contains(TcpFlags::SYN) && !seg.flags.contains(TcpFlags::ACK);
        if let (true, Some(app)) = (is_syn, self.tcp.listener(node, seg.dst_port)) {
            self.fates.delivered += 1;
            let owner = crate::socket::Owner {
                node,
                app,
                flow: self.apps[app.index()].flow,
                local_ip: self.nodes[node.index()].ip.expect("hosts have addresses"),
            };
            self.tcp.accept(now, owner, src, &seg);
            return;
        }
        self.fates.no_listener += 1;
        if let Some(rst) = rst_for(&seg, pkt.payload_len) {
            self.host_send(sched, node, pkt.meta.flow, src, L4::Tcp(rst), 0);
        }
    }

    /// Carries out what dirty sockets have to say: their segments go out, their events go to
    /// their applications (which may write, making sockets dirty again), and their timers are
    /// re-armed. Runs until no socket is dirty.
    fn service_sockets(&mut self, sched: &mut Scheduler<Event>) {
        while let Some(sid) = self.tcp.dirty.pop() {
            let now = sched.now();
            self.tcp.get_mut(sid).dirty = false;
            loop {
                let s = self.tcp.get_mut(sid);
                let Some((seg, len)) = s.conn.poll_transmit(now) else {
                    break;
                };
                let (node, flow, dst) = (s.node, s.flow, s.remote_ip);
                self.host_send(sched, node, flow, dst, L4::Tcp(seg), len);
            }
            let mut events = std::mem::take(&mut self.tcp_events);
            let s = self.tcp.get_mut(sid);
            while let Some(ev) = s.conn.poll_event() {
                events.push(ev);
            }
            let app = s.app;
            let writable = s.writer_blocked && s.conn.unacked_bytes() < self.tcp.config().snd_buf;
            for ev in events.drain(..) {
                self.call_app(sched, app, |a, ctx| a.on_tcp(ctx, sid, ev));
            }
            self.tcp_events = events;
            if writable {
                self.tcp.get_mut(sid).writer_blocked = false;
                self.call_app(sched, app, |a, ctx| a.on_tcp_writable(ctx, sid));
            }
            let s = self.tcp.get_mut(sid);
            if s.conn.cc_changes() != s.traced_changes {
                s.traced_changes = s.conn.cc_changes();
                for t in &mut self.series {
                    if let Series::Tcp(t) = t {
                        t.on_change(now, sid, &self.tcp);
                    }
                }
            }
            let s = self.tcp.get_mut(sid);
            if let Some(deadline) = s.conn.poll_timeout() {
                let at = deadline.max(now);
                if s.timer_at.is_none_or(|t| at < t) {
                    s.timer_at = Some(at);
                    sched.schedule_at(at, Event::TcpTimer(sid));
                }
            }
        }
    }

    fn on_tcp_timer(&mut self, sched: &mut Scheduler<Event>, sid: SocketId) {
        let now = sched.now();
        let s = self.tcp.get_mut(sid);
        if s.timer_at != Some(now) {
            return; // superseded by an earlier timer that already ran
        }
        s.timer_at = None;
        s.conn.handle_timeout(now);
        self.tcp.mark_dirty(sid);
    }

    /// Takes both directions of a link down or up. Down drops the frame being serialised, the
    /// frames on the wire and the frames waiting in both queues; up restores it. Static routes are
    /// recomputed over the links that are up, so traffic moves to surviving paths.
    pub fn set_link_state(&mut self, link: crate::LinkId, up: bool) {
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
            if up {
                continue;
            }
            let mut lost: Vec<PacketId> = d.queue.drain().collect();
            lost.extend(d.in_flight.drain(..).map(|(_, p)| p));
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
        self.packets.remove(id);
        *counter(&mut self.fates) += 1;
    }

    // ---- applications ------------------------------------------------------------------------

    fn call_app(
        &mut self,
        sched: &mut Scheduler<Event>,
        app: AppId,
        f: impl FnOnce(&mut dyn Application, &mut AppCtx<'_>),
    ) {
        let mut actions = std::mem::take(&mut self.actions);
        let slot = &mut self.apps[app.index()];
        let node = slot.node;
        let flow = slot.flow;
        let ip = self.nodes[node.index()].ip.expect("hosts have addresses");
        f(
            slot.app.as_mut(),
            &mut AppCtx::with_tcp(
                sched.now(),
                ip,
                &mut actions,
                app,
                node,
                flow,
                &mut self.tcp,
            ),
        );
        for action in actions.drain(..) {
            match action {
                AppAction::Send {
                    dst,
                    l4,
                    payload_len,
                } => self.host_send(sched, node, flow, dst, l4, payload_len),
                AppAction::Timer { at, token } => {
                    sched.schedule_at(at, Event::AppTimer(app, token));
                }
            }
        }
        self.actions = actions;
    }

    fn capture(&mut self, tap: u32, now: SimTime, id: PacketId) {
        if self.tap_error.is_some() {
            return;
        }
        if let Err(e) = self.taps[tap as usize].1.write(now, &self.packets[id]) {
            self.tap_error = Some((tap as usize, e));
        }
    }
}

/// A stable hash of the 5-tuple, salted with the node so that successive switches do not all
/// make the same choice (hash polarisation).
fn flow_hash(pkt: &Packet, node: NodeId) -> u64 {
    let (src, dst, proto) = match pkt.l3 {
        L3::Ipv4(ip) => (u32::from(ip.src), u32::from(ip.dst), ip.protocol.number()),
        L3::Arp(_) => (0, 0, 0),
    };
    let (sp, dp) = match pkt.l4 {
        L4::Udp(u) => (u.src_port, u.dst_port),
        L4::Tcp(t) => (t.src_port, t.dst_port),
        _ => (0, 0),
    };
    let mut h = (src as u64) << 32 | dst as u64;
    h ^= ((sp as u64) << 24 | (dp as u64) << 8 | proto as u64).rotate_left(17);
    h ^= (node.0 as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    // SplitMix64 finaliser.
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
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
            Event::LinkState(link, up) => self.set_link_state(link, up),
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
