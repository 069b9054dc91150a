//! A Ryu-like OpenFlow 1.3 controller as a sans-IO state machine (DESIGN.md, "Sans-IO protocol
//! cores"), with three apps: [`LearningSwitch`] (Ryu's `simple_switch_13`), [`ShortestPath`]
//! and [`DynamicRouting`] (seed 002 §4.2).
//!
//! The [`Controller`] owns no clock and no event queue. The integrator feeds it what arrives
//! on the control channels and collects what it sends; control-channel latency, processing
//! time and pcap writing are the integrator's business.
//!
//! ```text
//!   handle_connected(now, dpid) ──┐
//!   handle_message(now, dpid, m) ─┼─► runtime ──► Shim::inbound ──► App::packet_in, …
//!   handle_timeout(now) ──────────┘   │  ▲ echo,                        │ Context::flow_mod,
//!                                     │  │ handshake,                   │ packet_out, send,
//!                                     │  │ multipart joining            │ set_timer, …
//!   poll_message() -> (dpid, m) ◄─────┘  └──── Shim::outbound ◄─────────┘
//!   poll_timeout() -> Option<SimTime>        (xids assigned here, counters counted here)
//! ```
//!
//! * **Handshake.** [`Controller::handle_connected`] queues HELLO, FEATURES_REQUEST and a
//!   PORT_DESC multipart request at once (Ryu waits for the switch's HELLO and then for the
//!   FEATURES_REPLY before the next step; pipelining them saves two channel round trips and
//!   the switch answers them in order). No SET_CONFIG is sent, as in Ryu: `miss_send_len`
//!   only concerns packets sent to the controller other than by an OUTPUT action, and the apps
//!   ask for whole frames in their OUTPUT actions (`max_len` = NO_BUFFER). The FEATURES_REPLY
//!   registers the switch as a [`Datapath`] and reaches [`App::switch_features`].
//! * **Runtime duties.** ECHO_REQUESTs are answered with the same xid and payload; HELLO and
//!   ECHO_REPLY are absorbed. Everything else goes through the [`Shim`] to the app; multipart
//!   replies flagged MORE are joined before the app sees them.
//! * **Transaction ids.** Every message leaving with xid 0 gets the next id of one counter
//!   (1, 2, …, skipping 0 on wrap), in the order messages leave, after the shim.
//! * **Order.** Messages leave in the order produced; an app's messages pass through the shim
//!   before the next inbound event is handed to the app. Timers due at the same instant fire
//!   in the order they were set.
//! * **Packets.** A PACKET_IN reaches the app only with the simulator [`Packet`] beside it
//!   (there is no frame parser); an unbuffered PACKET_OUT carries its packet and the serialised
//!   frame ([`Context::packet_out`]).
//!
//! [`Packet`]: net_stack::wire::Packet

mod app;
mod counters;
pub mod dynamic_routing;
#[cfg(test)]
pub(crate) mod harness;
pub mod learning;
pub mod routing;
pub mod shim;
pub mod shortest_path;
pub mod topology;

use std::collections::{BTreeMap, VecDeque};

use sim_core::SimTime;

pub use app::{App, AppConfig, AppKind, Context, PacketInEvent, app, app_with_config};
pub use counters::{ControllerCounters, MessageCounts};
pub use dynamic_routing::DynamicRouting;
pub use learning::{LEARNED_COOKIE, LearningSwitch};
pub use routing::{Route, Routing};
pub use shim::{NoShim, Shim, ShimContext};
pub use shortest_path::ShortestPath;
pub use topology::{
    Adjacency, GraphPath, SwitchGraph, SwitchInfo, SwitchLink, Topology, TopologyError,
};

use crate::switch::ControlMessage;
use crate::wire::{
    FeaturesReply, Hello, Message, MessageBody, MultipartReplyBody, MultipartRequest,
    MultipartRequestBody, OFPMPF_MORE, Port, PortReason,
};

/// A switch that completed the handshake, as the runtime knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datapath {
    /// Its FEATURES_REPLY.
    pub features: FeaturesReply,
    /// Its ports by number, from PORT_DESC and kept current by PORT_STATUS.
    pub ports: BTreeMap<u32, Port>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TimerOwner {
    App,
    Shim,
}

/// The controller runtime; see the [module docs](self).
pub struct Controller {
    topology: Topology,
    app: Box<dyn App>,
    shim: Box<dyn Shim>,
    started: bool,
    next_xid: u32,
    datapaths: BTreeMap<u64, Datapath>,
    /// Multipart reply parts waiting for their last part, by (dpid, xid).
    partial: BTreeMap<(u64, u32), MultipartReplyBody>,
    /// Pending timers by (due time, sequence number).
    timers: BTreeMap<(SimTime, u64), (TimerOwner, u64)>,
    timer_seq: u64,
    out: VecDeque<(u64, ControlMessage)>,
    counters: ControllerCounters,
}

impl Controller {
    /// A controller running `app` on `topology`, without a shim.
    ///
    /// # Panics
    ///
    /// If the topology does not pass [`Topology::validate`].
    pub fn new(topology: Topology, app: Box<dyn App>) -> Controller {
        Controller::with_shim(topology, app, Box::new(NoShim))
    }

    /// A controller with `shim` between `app` and the runtime.
    ///
    /// # Panics
    ///
    /// If the topology does not pass [`Topology::validate`].
    pub fn with_shim(topology: Topology, app: Box<dyn App>, shim: Box<dyn Shim>) -> Controller {
        if let Err(e) = topology.validate() {
            panic!("invalid controller topology: {e}");
        }
        Controller {
            topology,
            app,
            shim,
            started: false,
            next_xid: 1,
            datapaths: BTreeMap::new(),
            partial: BTreeMap::new(),
            timers: BTreeMap::new(),
            timer_seq: 0,
            out: VecDeque::new(),
            counters: ControllerCounters::default(),
        }
    }

    // ---- accessors -------------------------------------------------------------------------

    /// The app (downcast with [`App::as_any`]).
    pub fn app(&self) -> &dyn App {
        self.app.as_ref()
    }

    /// The app, mutably.
    pub fn app_mut(&mut self) -> &mut dyn App {
        self.app.as_mut()
    }

    /// The shim ([`NoShim`] when built with [`Controller::new`]).
    pub fn shim(&self) -> &dyn Shim {
        self.shim.as_ref()
    }

    /// The shim, mutably.
    pub fn shim_mut(&mut self) -> &mut dyn Shim {
        self.shim.as_mut()
    }

    /// The topology it was built with.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// The switches that completed the handshake, by dpid.
    pub fn datapaths(&self) -> &BTreeMap<u64, Datapath> {
        &self.datapaths
    }

    /// Message counters, total and per switch.
    pub fn counters(&self) -> ControllerCounters {
        self.counters.clone()
    }

    // ---- inputs ----------------------------------------------------------------------------

    /// The control channel to switch `dpid` is up: queues HELLO, FEATURES_REQUEST and a
    /// PORT_DESC request.
    pub fn handle_connected(&mut self, now: SimTime, dpid: u64) {
        self.start(now);
        self.emit_body(dpid, MessageBody::Hello(Hello::v13()));
        self.emit_body(dpid, MessageBody::FeaturesRequest);
        let req = MultipartRequest {
            flags: 0,
            body: MultipartRequestBody::PortDesc,
        };
        self.emit_body(dpid, MessageBody::MultipartRequest(req));
        self.run_shim(now, |shim, ctx| shim.connected(ctx, dpid));
    }

    /// A message from switch `dpid`.
    pub fn handle_message(&mut self, now: SimTime, dpid: u64, msg: ControlMessage) {
        self.start(now);
        self.counters.total.count_in(&msg.msg.body);
        let per = self.counters.per_switch.entry(dpid).or_default();
        per.count_in(&msg.msg.body);
        match &msg.msg.body {
            MessageBody::EchoRequest(data) => {
                let reply = Message::new(msg.msg.xid, MessageBody::EchoReply(data.clone()));
                self.emit(dpid, reply.into());
                return;
            }
            // Only 1.3 is spoken on either side, so there is nothing to negotiate.
            MessageBody::Hello(_) | MessageBody::EchoReply(_) => return,
            MessageBody::FeaturesReply(f) => {
                let dp = self.datapaths.entry(dpid).or_insert_with(|| Datapath {
                    features: *f,
                    ports: BTreeMap::new(),
                });
                dp.features = *f;
            }
            MessageBody::MultipartReply(r) => {
                if let (MultipartReplyBody::PortDesc(ports), Some(dp)) =
                    (&r.body, self.datapaths.get_mut(&dpid))
                {
                    dp.ports
                        .extend(ports.iter().map(|p| (p.port_no, p.clone())));
                }
            }
            MessageBody::PortStatus(ps) => {
                if let Some(dp) = self.datapaths.get_mut(&dpid) {
                    if ps.reason == PortReason::Delete {
                        dp.ports.remove(&ps.desc.port_no);
                    } else {
                        dp.ports.insert(ps.desc.port_no, ps.desc.clone());
                    }
                }
            }
            _ => {}
        }
        self.run_shim(now, |shim, ctx| shim.inbound(ctx, dpid, msg));
    }

    /// Fires the timers due by `now` (app and shim), in due-time order.
    pub fn handle_timeout(&mut self, now: SimTime) {
        self.start(now);
        while let Some(entry) = self.timers.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let (owner, token) = entry.remove();
            match owner {
                TimerOwner::App => {
                    let out = self.with_app(now, |app, ctx| app.timer(ctx, token));
                    self.drain(now, VecDeque::new(), out.into());
                }
                TimerOwner::Shim => self.run_shim(now, |shim, ctx| shim.timer(ctx, token)),
            }
        }
    }

    /// Runs `f` on the app with a [`Context`], as if an event had arrived: for commands from
    /// outside the control channel (an orchestrator announcing a VM move, a test poking the
    /// app). What the app sends goes through the shim like everything else.
    pub fn handle_command(&mut self, now: SimTime, f: impl FnOnce(&mut dyn App, &mut Context)) {
        self.start(now);
        let out = self.with_app(now, f);
        self.drain(now, VecDeque::new(), out.into());
    }

    // ---- outputs ---------------------------------------------------------------------------

    /// The next message to send, with the dpid of the switch it is for.
    #[must_use]
    pub fn poll_message(&mut self) -> Option<(u64, ControlMessage)> {
        self.out.pop_front()
    }

    /// When [`Controller::handle_timeout`] must next be called.
    #[must_use]
    pub fn poll_timeout(&mut self) -> Option<SimTime> {
        self.timers.keys().next().map(|&(at, _)| at)
    }

    // ---- internals -------------------------------------------------------------------------

    fn start(&mut self, now: SimTime) {
        if !self.started {
            self.started = true;
            let out = self.with_app(now, |app, ctx| app.start(ctx));
            self.drain(now, VecDeque::new(), out.into());
        }
    }

    fn emit_body(&mut self, dpid: u64, body: MessageBody) {
        self.emit(dpid, Message::new(0, body).into());
    }

    /// Queues `msg` for `dpid`, assigning an xid if it has none.
    fn emit(&mut self, dpid: u64, mut msg: ControlMessage) {
        if msg.msg.xid == 0 {
            msg.msg.xid = self.next_xid;
            self.next_xid = self.next_xid.checked_add(1).unwrap_or(1);
        }
        self.counters.total.count_out(&msg.msg.body);
        let per = self.counters.per_switch.entry(dpid).or_default();
        per.count_out(&msg.msg.body);
        self.out.push_back((dpid, msg));
    }

    fn add_timers(&mut self, owner: TimerOwner, timers: Vec<(SimTime, u64)>) {
        for (at, token) in timers {
            self.timers.insert((at, self.timer_seq), (owner, token));
            self.timer_seq += 1;
        }
    }

    /// Calls `f` on the app and returns what it sent.
    fn with_app(
        &mut self,
        now: SimTime,
        f: impl FnOnce(&mut dyn App, &mut Context),
    ) -> Vec<(u64, ControlMessage)> {
        let mut out = Vec::new();
        let mut timers = Vec::new();
        let mut ctx = Context {
            now,
            topology: &self.topology,
            datapaths: &self.datapaths,
            out: &mut out,
            timers: &mut timers,
        };
        f(self.app.as_mut(), &mut ctx);
        self.add_timers(TimerOwner::App, timers);
        out
    }

    /// Calls `f` on the shim, then delivers what it produced.
    fn run_shim(&mut self, now: SimTime, f: impl FnOnce(&mut dyn Shim, &mut ShimContext)) {
        let mut to_app = VecDeque::new();
        let mut to_switch = Vec::new();
        let mut timers = Vec::new();
        let mut ctx = ShimContext {
            now,
            topology: &self.topology,
            to_app: &mut to_app,
            to_switch: &mut to_switch,
            timers: &mut timers,
        };
        f(self.shim.as_mut(), &mut ctx);
        self.add_timers(TimerOwner::Shim, timers);
        for (dpid, m) in to_switch {
            self.emit(dpid, m);
        }
        self.drain(now, to_app, VecDeque::new());
    }

    /// Moves messages between shim and app until both directions are empty: the app's
    /// messages through [`Shim::outbound`] first, then the next event for the app.
    fn drain(
        &mut self,
        now: SimTime,
        mut to_app: VecDeque<(u64, ControlMessage)>,
        mut from_app: VecDeque<(u64, ControlMessage)>,
    ) {
        loop {
            if let Some((dpid, msg)) = from_app.pop_front() {
                let mut to_switch = Vec::new();
                let mut timers = Vec::new();
                let mut ctx = ShimContext {
                    now,
                    topology: &self.topology,
                    to_app: &mut to_app,
                    to_switch: &mut to_switch,
                    timers: &mut timers,
                };
                self.shim.outbound(&mut ctx, dpid, msg);
                self.add_timers(TimerOwner::Shim, timers);
                for (d, m) in to_switch {
                    self.emit(d, m);
                }
            } else if let Some((dpid, msg)) = to_app.pop_front() {
                from_app.extend(self.dispatch(now, dpid, msg));
            } else {
                break;
            }
        }
    }

    /// Hands one inbound message to the matching app handler.
    fn dispatch(
        &mut self,
        now: SimTime,
        dpid: u64,
        cm: ControlMessage,
    ) -> Vec<(u64, ControlMessage)> {
        let ControlMessage { msg, packet } = cm;
        match &msg.body {
            MessageBody::FeaturesReply(f) => {
                self.with_app(now, |app, ctx| app.switch_features(ctx, dpid, f))
            }
            MessageBody::PacketIn(pi) => {
                let (Some(packet), Some(in_port)) = (packet, pi.match_.in_port) else {
                    return Vec::new();
                };
                let ev = PacketInEvent {
                    dpid,
                    in_port,
                    buffer_id: pi.buffer_id,
                    reason: pi.reason,
                    packet,
                    msg: pi,
                };
                self.with_app(now, |app, ctx| app.packet_in(ctx, &ev))
            }
            MessageBody::FlowRemoved(fr) => {
                self.with_app(now, |app, ctx| app.flow_removed(ctx, dpid, fr))
            }
            MessageBody::PortStatus(ps) => {
                self.with_app(now, |app, ctx| app.port_status(ctx, dpid, ps))
            }
            MessageBody::Error(e) => self.with_app(now, |app, ctx| app.error(ctx, dpid, e)),
            MessageBody::MultipartReply(r) => {
                let key = (dpid, msg.xid);
                let body = match self.partial.remove(&key) {
                    Some(earlier) => join(earlier, r.body.clone()),
                    None => r.body.clone(),
                };
                if r.flags & OFPMPF_MORE != 0 {
                    self.partial.insert(key, body);
                    return Vec::new();
                }
                match &body {
                    MultipartReplyBody::PortStats(s) => {
                        self.with_app(now, |app, ctx| app.port_stats(ctx, dpid, s))
                    }
                    MultipartReplyBody::Flow(s) => {
                        self.with_app(now, |app, ctx| app.flow_stats(ctx, dpid, s))
                    }
                    MultipartReplyBody::PortDesc(p) => {
                        self.with_app(now, |app, ctx| app.port_desc(ctx, dpid, p))
                    }
                    MultipartReplyBody::Unknown { .. } => {
                        self.with_app(now, |app, ctx| app.message(ctx, dpid, &msg))
                    }
                }
            }
            _ => self.with_app(now, |app, ctx| app.message(ctx, dpid, &msg)),
        }
    }
}

/// Appends a later multipart part to the earlier ones (parts of one reply share a type).
fn join(earlier: MultipartReplyBody, later: MultipartReplyBody) -> MultipartReplyBody {
    use MultipartReplyBody as B;
    match (earlier, later) {
        (B::PortStats(mut a), B::PortStats(b)) => {
            a.extend(b);
            B::PortStats(a)
        }
        (B::Flow(mut a), B::Flow(b)) => {
            a.extend(b);
            B::Flow(a)
        }
        (B::PortDesc(mut a), B::PortDesc(b)) => {
            a.extend(b);
            B::PortDesc(a)
        }
        (_, later) => later,
    }
}
