//! A Ryu-like OpenFlow 1.3 controller as a sans-IO state machine (DESIGN.md, "Sans-IO protocol
//! cores"), with four apps: [`LearningSwitch`] (Ryu's `simple_switch_13`), [`ShortestPath`],
//! [`DynamicRouting`] (seed 002 §4.2) and [`Monitor`] (Ryu's `simple_monitor_13`).
//!
//! The [`Controller`] owns no clock and no event queue. The integrator feeds it what arrives
//! on the control channels and collects what it sends and the timers it sets; control-channel
//! latency, processing time, when timers fire and pcap writing are the integrator's business.
//!
//! ```text
//!   handle_connected(now, dpid) ──┐
//!   handle_message(now, dpid, m) ─┼─► runtime ──► Shim::inbound ──► every app in order:
//!   handle_timer(now, id) ────────┘   │  ▲ echo,                     App::packet_in, …
//!                                     │  │ handshake,                   │ Context::flow_mod,
//!                                     │  │ multipart joining            │ packet_out, send,
//!   poll_message() -> (dpid, m) ◄─────┘  └──── Shim::outbound ◄─────────┘ set_timer, …
//!   poll_timer() -> (at, id)                 (xids assigned here, counters counted here)
//! ```
//!
//! * **Apps.** A controller runs an ordered list of apps, as `ryu-manager app1 app2` does:
//!   every event goes to every app, in registration order (Ryu calls each app's handler for
//!   the event class in the order the apps were loaded). What one app sends passes through
//!   the shim before the next app sees the event.
//! * **Handshake.** [`Controller::handle_connected`] queues HELLO, FEATURES_REQUEST and a
//!   PORT_DESC multipart request at once (Ryu waits for the switch's HELLO and then for the
//!   FEATURES_REPLY before the next step; pipelining them saves two channel round trips and
//!   the switch answers them in order). No SET_CONFIG is sent, as in Ryu: `miss_send_len`
//!   only concerns packets sent to the controller other than by an OUTPUT action, and the apps
//!   ask for whole frames in their OUTPUT actions (`max_len` = NO_BUFFER). The FEATURES_REPLY
//!   registers the switch as a [`Datapath`] and reaches [`App::switch_features`].
//! * **Runtime duties.** ECHO_REQUESTs are answered with the same xid and payload; HELLO and
//!   ECHO_REPLY are absorbed. Everything else goes through the [`Shim`] to the apps; multipart
//!   replies flagged MORE are joined before the apps see them.
//! * **Transaction ids.** Every message leaving with xid 0 gets the next id of one counter
//!   (1, 2, …, skipping 0 on wrap), in the order messages leave, after the shim.
//! * **Order.** Messages leave in the order produced; an app's messages pass through the shim
//!   before the next inbound event is handed to an app.
//! * **Timers.** Every timer an app or the shim sets comes out of [`Controller::poll_timer`]
//!   as `(due time, id)`, in the order set; the integrator calls [`Controller::handle_timer`]
//!   with the id when it is due (the OpenFlow plane schedules each as an engine event, so
//!   timers due at the same instant fire in the order they were set).
//! * **Packets.** A PACKET_IN reaches the apps only with the simulator [`Packet`] beside it
//!   (there is no frame parser); an unbuffered PACKET_OUT carries its packet and the serialised
//!   frame ([`Context::packet_out`]).
//!
//! [`Packet`]: net_stack::wire::Packet

mod app;
mod counters;
mod dispatch;
pub mod dynamic_routing;
#[cfg(test)]
pub(crate) mod harness;
pub mod learning;
mod liveness;
pub mod monitor;
pub mod path_flip;
pub mod routing;
pub mod shim;
pub mod shortest_path;
pub mod topology;
pub mod vcdn;

use std::collections::{BTreeMap, VecDeque};

use sim_core::SimTime;

pub use app::{App, AppConfig, AppKind, Context, PacketInEvent, app, app_with_config};
pub use counters::{ControllerCounters, MessageCounts};
pub use dynamic_routing::{DEFAULT_STATS_INTERVAL, DynamicRouting};
pub use learning::{LEARNED_COOKIE, LearningSwitch};
pub use liveness::{
    DetectionKind, FailureDetection, RYU_ECHO_REQUEST_INTERVAL, RYU_MAXIMUM_UNREPLIED_ECHO_REQUESTS,
};
pub use monitor::{MONITOR_INTERVAL, Monitor};
pub use path_flip::{DEFAULT_FLIP_PERIOD, PathFlip};
pub use routing::{Route, Routing};
pub use shim::{BarrierShim, NoShim, Shim, ShimContext, ShimKind, shim};
pub use shortest_path::ShortestPath;
pub use topology::{
    Adjacency, GraphPath, SwitchGraph, SwitchInfo, SwitchLink, Topology, TopologyError,
};
pub use vcdn::{SERVICE_MAC, VCDN_PRIORITY, Vcdn, VcdnConfig, VcdnReplica, VcdnSession};

use crate::switch::ControlMessage;
use crate::wire::{
    FeaturesReply, Hello, Message, MessageBody, MultipartReplyBody, MultipartRequest,
    MultipartRequestBody, Port, PortReason,
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
    /// The app at this index of the controller's list.
    App(usize),
    Shim,
    /// A switch connection's echo loop ([`liveness`]).
    Echo,
}

/// A timer the controller set, as [`Controller::poll_timer`] names it; hand it back to
/// [`Controller::handle_timer`] when it is due. Ids of fired timers are reused.
pub type TimerId = u32;

/// The controller runtime; see the [module docs](self).
pub struct Controller {
    topology: Topology,
    apps: Vec<Box<dyn App>>,
    shim: Box<dyn Shim>,
    started: bool,
    next_xid: u32,
    datapaths: BTreeMap<u64, Datapath>,
    /// Multipart reply parts waiting for their last part, by (dpid, xid).
    partial: BTreeMap<(u64, u32), MultipartReplyBody>,
    /// Pending timers by id (`None` = free slot); their times are the integrator's.
    timers: Vec<Option<(TimerOwner, u64)>>,
    free_timers: Vec<TimerId>,
    /// Timers set since the integrator last asked, in the order set.
    new_timers: VecDeque<(SimTime, TimerId)>,
    out: VecDeque<(u64, ControlMessage)>,
    counters: ControllerCounters,
    /// Switches the shim said left, for the apps ([`ShimContext::leave`]).
    left: Vec<u64>,
    /// The network the apps see when it is not the real one (a migration shim's virtual
    /// network); `None`: the apps see [`Controller::topology`] and every datapath.
    app_view: Option<AppView>,
    /// Echo-based failure detection ([`liveness`]); `None`: a failure is known at once.
    liveness: Option<liveness::Liveness>,
}

/// The apps' view under a shim that presents another network: its switches and links, and
/// the datapaths among them.
struct AppView {
    topology: Topology,
    datapaths: BTreeMap<u64, Datapath>,
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
        Controller::with_apps(topology, vec![app], shim)
    }

    /// A controller running `apps` in this order (every event reaches each of them, first to
    /// last, as Ryu's apps in registration order), with `shim` between them and the runtime.
    ///
    /// # Panics
    ///
    /// If `apps` is empty or the topology does not pass [`Topology::validate`].
    pub fn with_apps(
        topology: Topology,
        apps: Vec<Box<dyn App>>,
        shim: Box<dyn Shim>,
    ) -> Controller {
        assert!(!apps.is_empty(), "a controller runs at least one app");
        if let Err(e) = topology.validate() {
            panic!("invalid controller topology: {e}");
        }
        Controller {
            topology,
            apps,
            shim,
            started: false,
            next_xid: 1,
            datapaths: BTreeMap::new(),
            partial: BTreeMap::new(),
            timers: Vec::new(),
            free_timers: Vec::new(),
            new_timers: VecDeque::new(),
            out: VecDeque::new(),
            counters: ControllerCounters::default(),
            left: Vec::new(),
            app_view: None,
            liveness: None,
        }
    }

    /// Shows the apps `view` instead of the real network: [`Context::topology`] is `view`
    /// and [`Context::datapaths`] lists only its switches (a migration shim presenting one
    /// virtual network, seed 001 §2.3). The apps must have been built on `view` too.
    ///
    /// # Panics
    ///
    /// If `view` does not pass [`Topology::validate`].
    pub fn with_app_view(mut self, view: Topology) -> Controller {
        if let Err(e) = view.validate() {
            panic!("invalid app view: {e}");
        }
        self.app_view = Some(AppView {
            topology: view,
            datapaths: BTreeMap::new(),
        });
        self
    }

    /// The topology the apps see (the real one unless [`Controller::with_app_view`] set one).
    pub fn app_topology(&self) -> &Topology {
        self.app_view
            .as_ref()
            .map_or(&self.topology, |v| &v.topology)
    }

    // ---- accessors -------------------------------------------------------------------------

    /// The first app (downcast with [`App::as_any`]).
    pub fn app(&self) -> &dyn App {
        self.apps[0].as_ref()
    }

    /// The first app, mutably.
    pub fn app_mut(&mut self) -> &mut dyn App {
        self.apps[0].as_mut()
    }

    /// Every app, in the order events reach them.
    pub fn apps(&self) -> &[Box<dyn App>] {
        &self.apps
    }

    /// The apps' names joined by `+`, in order (`learning+monitor`).
    pub fn app_names(&self) -> String {
        let names: Vec<&str> = self.apps.iter().map(|a| a.name()).collect();
        names.join("+")
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
        self.echo_connected(now, dpid);
        self.emit_body(dpid, MessageBody::FeaturesRequest);
        let req = MultipartRequest {
            flags: 0,
            body: MultipartRequestBody::PortDesc,
        };
        self.emit_body(dpid, MessageBody::MultipartRequest(req));
        self.run_shim(now, |shim, ctx| shim.connected(ctx, dpid));
    }

    /// The control channel to switch `dpid` is lost (it failed): the runtime forgets its
    /// datapath and its unfinished multipart replies, and tells the shim
    /// ([`Shim::disconnected`]), which by default tells the apps ([`App::switch_leave`]).
    pub fn handle_disconnected(&mut self, now: SimTime, dpid: u64) {
        self.start(now);
        self.echo_disconnected(dpid);
        self.datapaths.remove(&dpid);
        self.partial.retain(|&(d, _), _| d != dpid);
        self.run_shim(now, |shim, ctx| shim.disconnected(ctx, dpid));
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
            MessageBody::EchoReply(_) => return self.echo_reply(dpid, msg.msg.xid),
            MessageBody::Hello(_) => return,
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
        self.update_app_view(dpid, &msg.msg.body);
        self.run_shim(now, |shim, ctx| shim.inbound(ctx, dpid, msg));
    }

    /// Copies switch `dpid`'s datapath into the apps' view after a message that changed it,
    /// when the view has that switch.
    fn update_app_view(&mut self, dpid: u64, body: &MessageBody) {
        let Some(view) = &mut self.app_view else {
            return;
        };
        let changes = matches!(
            body,
            MessageBody::FeaturesReply(_)
                | MessageBody::MultipartReply(_)
                | MessageBody::PortStatus(_)
        );
        if changes
            && view.topology.index_of(dpid).is_some()
            && let Some(dp) = self.datapaths.get(&dpid)
        {
            view.datapaths.insert(dpid, dp.clone());
        }
    }

    /// Runs `f` on the shim with a [`ShimContext`], as if an event had arrived: for commands
    /// from outside the control channel (a migration console's PREPARE_MIGRATION, a VM that
    /// resumed). What it sends leaves at once; what it hands the apps reaches them.
    pub fn handle_shim_command(
        &mut self,
        now: SimTime,
        f: impl FnOnce(&mut dyn Shim, &mut ShimContext),
    ) {
        self.start(now);
        self.run_shim(now, f);
    }

    /// Fires timer `id` (one [`Controller::poll_timer`] announced) at `now`. An id that is
    /// not pending (already fired) is ignored.
    pub fn handle_timer(&mut self, now: SimTime, id: TimerId) {
        self.start(now);
        let Some((owner, token)) = self.timers.get_mut(id as usize).and_then(Option::take) else {
            return;
        };
        self.free_timers.push(id);
        match owner {
            TimerOwner::App(i) => {
                let out = self.with_app(now, i, |app, ctx| app.timer(ctx, token));
                self.drain(now, VecDeque::new(), out.into());
            }
            TimerOwner::Shim => self.run_shim(now, |shim, ctx| shim.timer(ctx, token)),
            TimerOwner::Echo => self.echo_timer(now, token),
        }
    }

    /// Runs `f` on the first app with a [`Context`], as if an event had arrived: for commands
    /// from outside the control channel (an orchestrator announcing a VM move, a test poking
    /// the app). What the app sends goes through the shim like everything else.
    pub fn handle_command(&mut self, now: SimTime, f: impl FnOnce(&mut dyn App, &mut Context)) {
        self.start(now);
        let out = self.with_app(now, 0, f);
        self.drain(now, VecDeque::new(), out.into());
    }

    // ---- outputs ---------------------------------------------------------------------------

    /// The next message to send, with the dpid of the switch it is for.
    #[must_use]
    pub fn poll_message(&mut self) -> Option<(u64, ControlMessage)> {
        self.out.pop_front()
    }

    /// The next timer set since the last call, in the order set: call
    /// [`Controller::handle_timer`] with its id at its time (or now, if that is past).
    #[must_use]
    pub fn poll_timer(&mut self) -> Option<(SimTime, TimerId)> {
        self.new_timers.pop_front()
    }

    // ---- internals -------------------------------------------------------------------------

    fn start(&mut self, now: SimTime) {
        if !self.started {
            self.started = true;
            for i in 0..self.apps.len() {
                let out = self.with_app(now, i, |app, ctx| app.start(ctx));
                self.drain(now, VecDeque::new(), out.into());
            }
        }
    }

    fn emit_body(&mut self, dpid: u64, body: MessageBody) {
        self.emit(dpid, Message::new(0, body).into());
    }

    /// Queues `msg` for `dpid`, assigning an xid if it has none.
    fn emit(&mut self, dpid: u64, mut msg: ControlMessage) {
        if msg.msg.xid == 0 {
            msg.msg.xid = self.take_xid();
        }
        self.counters.total.count_out(&msg.msg.body);
        let per = self.counters.per_switch.entry(dpid).or_default();
        per.count_out(&msg.msg.body);
        self.out.push_back((dpid, msg));
    }

    fn take_xid(&mut self) -> u32 {
        let xid = self.next_xid;
        self.next_xid = self.next_xid.checked_add(1).unwrap_or(1);
        xid
    }

    fn add_timers(&mut self, owner: TimerOwner, timers: Vec<(SimTime, u64)>) {
        for (at, token) in timers {
            let id = match self.free_timers.pop() {
                Some(id) => {
                    self.timers[id as usize] = Some((owner, token));
                    id
                }
                None => {
                    self.timers.push(Some((owner, token)));
                    (self.timers.len() - 1) as TimerId
                }
            };
            self.new_timers.push_back((at, id));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::any::Any;

    use super::*;
    use crate::controller::harness::fat_tree_topology;
    use crate::wire::{MultipartReply, OFPMPF_MORE, PortStats};

    /// Writes down every event; on a timer it sends a BARRIER_REQUEST to switch 1.
    #[derive(Default)]
    struct Recorder {
        events: Vec<String>,
    }

    impl App for Recorder {
        fn name(&self) -> &'static str {
            "recorder"
        }
        fn start(&mut self, ctx: &mut Context<'_>) {
            let t = ctx.now();
            ctx.set_timer(t + SimTime::from_us(10), 7);
            ctx.set_timer(t + SimTime::from_us(10), 8);
            ctx.set_timer(t + SimTime::from_us(5), 9);
        }
        fn switch_features(&mut self, _ctx: &mut Context<'_>, dpid: u64, _f: &FeaturesReply) {
            self.events.push(format!("features {dpid}"));
        }
        fn port_stats(&mut self, _ctx: &mut Context<'_>, dpid: u64, s: &[PortStats]) {
            self.events.push(format!("port_stats {dpid} {}", s.len()));
        }
        fn timer(&mut self, ctx: &mut Context<'_>, token: u64) {
            self.events.push(format!("timer {token}"));
            ctx.send(1, MessageBody::BarrierRequest);
        }
        fn message(&mut self, _ctx: &mut Context<'_>, dpid: u64, m: &Message) {
            self.events
                .push(format!("message {dpid} type {}", m.msg_type()));
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
        fn as_any_mut(&mut self) -> &mut dyn Any {
            self
        }
    }

    fn recorder(c: &Controller) -> &[String] {
        &c.app().as_any().downcast_ref::<Recorder>().unwrap().events
    }

    fn drain(c: &mut Controller) -> Vec<(u64, ControlMessage)> {
        std::iter::from_fn(|| c.poll_message()).collect()
    }

    fn from_switch(xid: u32, body: MessageBody) -> ControlMessage {
        Message::new(xid, body).into()
    }

    fn features(dpid: u64) -> MessageBody {
        MessageBody::FeaturesReply(FeaturesReply {
            datapath_id: dpid,
            n_buffers: 256,
            n_tables: 4,
            auxiliary_id: 0,
            capabilities: 0,
            reserved: 0,
        })
    }

    /// Connecting queues HELLO, FEATURES_REQUEST and PORT_DESC with xids 1, 2, 3; an
    /// ECHO_REQUEST is answered with its own xid and payload without reaching the app; the
    /// FEATURES_REPLY registers the datapath and reaches the app.
    #[test]
    fn handshake_echo_and_xids() {
        let t0 = SimTime::ZERO;
        let mut c = Controller::new(fat_tree_topology(4, 4), Box::new(Recorder::default()));
        c.handle_connected(t0, 1);
        let out = drain(&mut c);
        let kinds: Vec<_> = out
            .iter()
            .map(|(d, m)| (*d, m.msg.msg_type(), m.msg.xid))
            .collect();
        assert_eq!(
            kinds,
            [(1, 0, 1), (1, 5, 2), (1, 18, 3)],
            "HELLO, FEATURES, PORT_DESC"
        );

        let echo = from_switch(99, MessageBody::EchoRequest(vec![1, 2, 3]));
        c.handle_message(t0, 1, echo);
        let out = drain(&mut c);
        assert_eq!(
            out[0].1.msg,
            Message::new(99, MessageBody::EchoReply(vec![1, 2, 3])),
            "echo reply mirrors xid and data"
        );
        c.handle_message(t0, 1, from_switch(2, features(1)));
        assert_eq!(
            recorder(&c),
            ["features 1"],
            "only the features reply reached the app"
        );
        assert!(c.datapaths().contains_key(&1), "datapath registered");
        let n = &c.counters().per_switch[&1];
        assert_eq!(
            (n.echo_requests, n.received, n.sent),
            (1, 2, 4),
            "counted per switch"
        );
    }

    /// Multipart parts flagged MORE are joined: the app sees one reply with every entry.
    #[test]
    fn multipart_parts_are_joined() {
        let mut c = Controller::new(fat_tree_topology(4, 4), Box::new(Recorder::default()));
        let part = |flags, port_no| {
            let s = PortStats {
                port_no,
                ..PortStats::default()
            };
            let body = MultipartReplyBody::PortStats(vec![s]);
            from_switch(
                5,
                MessageBody::MultipartReply(MultipartReply { flags, body }),
            )
        };
        c.handle_message(SimTime::ZERO, 3, part(OFPMPF_MORE, 1));
        assert!(recorder(&c).is_empty(), "first part held");
        c.handle_message(SimTime::ZERO, 3, part(0, 2));
        assert_eq!(recorder(&c), ["port_stats 3 2"], "one reply, two entries");
    }

    /// Timers come out in the order set, each with its due time; fired by id they reach the
    /// app that set them, and what a timer handler sends leaves with fresh xids. A fired id
    /// is not fired again.
    #[test]
    fn timers_fire_by_id() {
        let mut c = Controller::new(fat_tree_topology(4, 4), Box::new(Recorder::default()));
        c.handle_message(
            SimTime::ZERO,
            1,
            from_switch(1, MessageBody::EchoReply(vec![])),
        );
        let set: Vec<_> = std::iter::from_fn(|| c.poll_timer()).collect();
        let us = SimTime::from_us;
        assert_eq!(
            set.iter().map(|&(t, _)| t).collect::<Vec<_>>(),
            [us(10), us(10), us(5)],
            "in the order set"
        );
        for &(_, id) in [set[2], set[0], set[1]].iter() {
            c.handle_timer(us(10), id);
        }
        c.handle_timer(us(10), set[0].1);
        assert_eq!(
            recorder(&c),
            ["timer 9", "timer 7", "timer 8"],
            "one call each"
        );
        let xids: Vec<u32> = drain(&mut c).iter().map(|(_, m)| m.msg.xid).collect();
        assert_eq!(xids, [1, 2, 3], "xids in send order");
        assert_eq!(c.poll_timer(), None, "nothing new");
    }

    /// Writes every PACKET_IN it sees into a log shared with the other apps, and answers
    /// each with a BARRIER_REQUEST to the switch.
    struct Tagged {
        tag: &'static str,
        log: std::rc::Rc<std::cell::RefCell<Vec<String>>>,
    }

    impl App for Tagged {
        fn name(&self) -> &'static str {
            self.tag
        }
        fn packet_in(&mut self, ctx: &mut Context<'_>, ev: &PacketInEvent<'_>) {
            let uid = ev.packet.meta.uid;
            self.log.borrow_mut().push(format!("{} {uid}", self.tag));
            ctx.send(ev.dpid, MessageBody::BarrierRequest);
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
        fn as_any_mut(&mut self) -> &mut dyn Any {
            self
        }
    }

    /// Two apps, as `ryu-manager a b`: every PACKET_IN reaches both, `a` first, and each
    /// app's message leaves (with the next xid) before the next app runs.
    #[test]
    fn every_app_sees_every_packet_in_in_order() {
        use crate::controller::harness::Harness;
        let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let app = |tag| {
            Box::new(Tagged {
                tag,
                log: log.clone(),
            }) as Box<dyn App>
        };
        let mut c = Controller::with_apps(
            fat_tree_topology(4, 4),
            vec![app("a"), app("b")],
            Box::new(NoShim),
        );
        assert_eq!(c.app_names(), "a+b");
        let mut h = Harness::new(AppKind::Learning, None);
        let mut packet_in = |uid: u64| {
            let mut pkt = h.datagram(0, 1);
            pkt.meta.uid = uid;
            let pi = crate::wire::PacketIn {
                buffer_id: crate::OFP_NO_BUFFER,
                total_len: 0,
                reason: crate::wire::PacketInReason::NoMatch,
                table_id: 0,
                cookie: 0,
                match_: crate::Match {
                    in_port: Some(1),
                    ..crate::Match::default()
                },
                data: vec![],
            };
            ControlMessage {
                msg: Message::new(0, MessageBody::PacketIn(pi)),
                packet: Some(pkt),
            }
        };
        for uid in [11, 12, 13] {
            c.handle_message(SimTime::ZERO, 1, packet_in(uid));
        }
        assert_eq!(
            *log.borrow(),
            ["a 11", "b 11", "a 12", "b 12", "a 13", "b 13"],
            "both apps, registration order, every event"
        );
        let out = drain(&mut c);
        assert_eq!(out.len(), 6, "one message per app per PACKET_IN");
        assert!(
            out.iter()
                .enumerate()
                .all(|(i, (_, m))| m.msg.xid == i as u32 + 1)
        );
        assert_eq!(c.counters().total.packet_ins, 3, "counted once each");
    }
}
