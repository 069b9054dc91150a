//! The signal seam, used from outside net-stack: applications that tell each other when to
//! start, one that stops the run, one that follows its TCP stream's acknowledgements, and
//! one that signals the switch plane and the host planes.
//! Each checks the exact instant of delivery and the documented order among same-time events.

use std::cell::RefCell;
use std::net::Ipv4Addr;
use std::rc::Rc;

use net_stack::app::{AppCtx, AppReport, Application, Report};
use net_stack::apps::PacketSink;
use net_stack::signal::{Endpoint, Signal};
use net_stack::socket::SocketId;
use net_stack::tcp::TcpEvent;
use net_stack::{AppId, LinkConfig, Network, NetworkBuilder, NodeId};
use sim_core::{DataRate, QueueLimit, RngStreams, RunOutcome, SimTime, Simulation};

const A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const B: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 1);
const DELAY: SimTime = SimTime::from_us(10);
const T: SimTime = SimTime::from_ms(1);

/// What the applications saw, in order: (time, what).
type Log = Rc<RefCell<Vec<(SimTime, String)>>>;

fn note(log: &Log, now: SimTime, what: impl Into<String>) {
    log.borrow_mut().push((now, what.into()));
}

/// Hosts a and b on one 1 Gbit/s link of 10 µs.
fn pair() -> (NetworkBuilder, NodeId, NodeId) {
    let mut b = NetworkBuilder::new(RngStreams::new(1));
    let a = b.add_host("a", A);
    let h = b.add_host("b", B);
    let link = LinkConfig {
        rate: DataRate::gbps(1),
        delay: DELAY,
        queue: QueueLimit::Packets(100),
        loss: 0.0,
        aqm: Default::default(),
    };
    b.connect(a, h, link);
    (b, a, h)
}

fn run(b: NetworkBuilder, until: SimTime) -> (Simulation<Network>, RunOutcome) {
    let mut sim = Simulation::new(b.build().unwrap());
    sim.model.schedule_apps(&mut sim.scheduler);
    let outcome = sim.run_until(until);
    (sim, outcome)
}

/// Sends `signals` to `to` when it starts, and signals received are logged.
struct Sender {
    to: Vec<(AppId, Signal)>,
    log: Log,
}

impl Application for Sender {
    fn start(&mut self, ctx: &mut AppCtx<'_>) {
        for &(to, signal) in &self.to {
            note(&self.log, ctx.now(), format!("send {signal:?} to {}", to.0));
            ctx.signal(Endpoint::App(to), signal);
        }
    }
    fn report(&self) -> Report {
        Report::Counters(AppReport::default())
    }
}

/// Waits for `Signal::Start`, then sends one 100-byte datagram to `dst:9`; it also arms a
/// timer for `T` when it starts, to show where a signal falls among same-time events.
struct Waiter {
    dst: Ipv4Addr,
    log: Log,
}

impl Application for Waiter {
    fn start(&mut self, ctx: &mut AppCtx<'_>) {
        ctx.set_timer(T, 0);
    }
    fn on_timer(&mut self, ctx: &mut AppCtx<'_>, _token: u64) {
        note(&self.log, ctx.now(), "timer");
    }
    fn on_signal(&mut self, ctx: &mut AppCtx<'_>, signal: Signal) {
        note(&self.log, ctx.now(), format!("got {signal:?}"));
        if signal == Signal::Start {
            ctx.send_udp(self.dst, 4000, 9, 100);
        }
    }
    fn report(&self) -> Report {
        Report::Counters(AppReport::default())
    }
}

/// A signal sent at T arrives at T, after the waiter's timer already pending for T, in the
/// order sent; the datagram the waiter sends on `Start` reaches the sink exactly one
/// serialisation and one propagation delay later.
#[test]
fn a_sender_tells_a_receiver_to_start() {
    let (mut b, a, h) = pair();
    let log: Log = Rc::default();
    let sink = b.add_app(a, 0, Box::new(PacketSink::new()), SimTime::ZERO, None);
    b.bind_udp(sink, 9).unwrap();
    // The sender starts at T; its start event is older than the waiter's timer for T, which the
    // waiter arms when it starts at 0.
    let waiter = AppId(b.next_app_id().0 + 1); // added right after the sender
    let sender = Sender {
        to: vec![(waiter, Signal::Start), (waiter, Signal::Finished)],
        log: log.clone(),
    };
    b.add_app(a, 0, Box::new(sender), T, None);
    let w = Waiter {
        dst: A,
        log: log.clone(),
    };
    assert_eq!(b.add_app(h, 0, Box::new(w), SimTime::ZERO, None), waiter);
    let (sim, outcome) = run(b, SimTime::from_ms(5));
    assert_eq!(outcome, RunOutcome::ReachedEnd);
    let got: Vec<_> = log.borrow().clone();
    let at_t = |s: &str| (T, s.to_string());
    assert_eq!(
        got,
        [
            at_t("send Start to 2"),
            at_t("send Finished to 2"),
            at_t("timer"),
            at_t("got Start"),
            at_t("got Finished"),
        ],
        "delivered at the sending instant, after the pending timer, in the order sent"
    );
    let Report::Sink(r) = sim.model.app(sink).report() else {
        panic!("a sink");
    };
    let frame = 100 + 8 + 20 + 14;
    let arrival = T + DataRate::gbps(1).tx_time(frame) + DELAY;
    assert_eq!(r.counters.packets_received, 1);
    assert_eq!(r.counters.first_rx, Some(arrival), "sent at T exactly");
}

/// Stops the run when told that work is finished, and passes a last signal on.
struct Stopper {
    then: AppId,
    log: Log,
}

impl Application for Stopper {
    fn start(&mut self, _ctx: &mut AppCtx<'_>) {}
    fn on_signal(&mut self, ctx: &mut AppCtx<'_>, signal: Signal) {
        note(&self.log, ctx.now(), format!("stopper got {signal:?}"));
        ctx.stop_run();
        ctx.signal(Endpoint::App(self.then), Signal::Finished);
    }
    fn report(&self) -> Report {
        Report::Counters(AppReport::default())
    }
}

/// Logs every signal and timer; re-arms a timer every 100 µs forever.
struct Ticker {
    log: Log,
}

impl Application for Ticker {
    fn start(&mut self, ctx: &mut AppCtx<'_>) {
        ctx.set_timer(ctx.now() + SimTime::from_us(100), 0);
    }
    fn on_timer(&mut self, ctx: &mut AppCtx<'_>, _token: u64) {
        if ctx.now() >= T {
            note(&self.log, ctx.now(), "tick");
        }
        ctx.set_timer(ctx.now() + SimTime::from_us(100), 0);
    }
    fn on_signal(&mut self, ctx: &mut AppCtx<'_>, signal: Signal) {
        note(&self.log, ctx.now(), format!("ticker got {signal:?}"));
    }
    fn report(&self) -> Report {
        Report::Counters(AppReport::default())
    }
}

/// An application that stops the run ends it at the current instant: what is still due at
/// that instant runs (the ticker's tick at T, queued before the stop, and the signal sent with
/// the stop), nothing later does, and the clock stays at T.
#[test]
fn an_application_stops_the_run() {
    let (mut b, a, h) = pair();
    let log: Log = Rc::default();
    let ticker = b.add_app(
        h,
        0,
        Box::new(Ticker { log: log.clone() }),
        SimTime::ZERO,
        None,
    );
    let stopper = b.add_app(
        a,
        0,
        Box::new(Stopper {
            then: ticker,
            log: log.clone(),
        }),
        SimTime::ZERO,
        None,
    );
    let sender = Sender {
        to: vec![(stopper, Signal::Finished)],
        log: Rc::default(),
    };
    b.add_app(a, 0, Box::new(sender), T, None);
    let (sim, outcome) = run(b, SimTime::from_secs(1));
    assert_eq!(outcome, RunOutcome::Stopped);
    assert_eq!(
        sim.scheduler.now(),
        T,
        "the run ends at the stopping instant"
    );
    let got: Vec<_> = log.borrow().clone();
    let at_t = |s: &str| (T, s.to_string());
    assert_eq!(
        got,
        [
            at_t("tick"),
            at_t("stopper got Finished"),
            at_t("ticker got Finished")
        ]
    );
    assert!(sim.scheduler.pending() > 0, "later ticks were left pending");
}

/// What a watcher saw: (time, the acknowledged count reported, or `None` for `AllAcked`).
type AckLog = Rc<RefCell<Vec<(SimTime, Option<u64>)>>>;

/// Writes `bytes` over one connection to `B:80` and watches its acknowledgements.
struct Watcher {
    bytes: u64,
    log: AckLog,
}

impl Application for Watcher {
    fn start(&mut self, ctx: &mut AppCtx<'_>) {
        let sock = ctx.tcp_connect(B, 80);
        ctx.tcp_watch_acked(sock);
        assert_eq!(ctx.tcp_write(sock, self.bytes), self.bytes);
    }
    fn on_tcp(&mut self, ctx: &mut AppCtx<'_>, _sock: SocketId, event: TcpEvent) {
        if event == TcpEvent::AllAcked {
            self.log.borrow_mut().push((ctx.now(), None));
        }
    }
    fn on_tcp_acked(&mut self, ctx: &mut AppCtx<'_>, sock: SocketId, acked: u64) {
        assert_eq!(acked, self.bytes - ctx.tcp(sock).unacked_bytes(), "fresh");
        self.log.borrow_mut().push((ctx.now(), Some(acked)));
    }
    fn report(&self) -> Report {
        Report::Counters(AppReport::default())
    }
}

/// Acknowledgement progress is reported as it grows, once per advance, and the report of the
/// last byte comes at the very instant TCP reports everything acknowledged (right after that
/// event, as documented).
#[test]
fn acknowledgement_progress_is_reported_as_it_grows() {
    let (mut b, a, h) = pair();
    let log: AckLog = Rc::default();
    let bytes = 1_000_000;
    let w = Watcher {
        bytes,
        log: Rc::clone(&log),
    };
    b.add_app(a, 0, Box::new(w), SimTime::ZERO, None);
    let rx = b.add_app(h, 0, Box::new(PacketSink::new()), SimTime::ZERO, None);
    b.listen_tcp(rx, 80).unwrap();
    let (sim, _) = run(b, SimTime::from_secs(1));
    let got = log.borrow();
    let counts: Vec<u64> = got.iter().filter_map(|&(_, n)| n).collect();
    assert!(counts.len() > 10, "progress, not only the end: {counts:?}");
    assert!(
        counts.windows(2).all(|w| w[0] < w[1]),
        "grows at every call"
    );
    assert_eq!(counts.last(), Some(&bytes));
    let (all_acked_at, last) = (got[got.len() - 2], got[got.len() - 1]);
    assert_eq!(all_acked_at.1, None, "AllAcked comes first");
    assert_eq!(last, (all_acked_at.0, Some(bytes)), "the same instant");
    let sock = &sim.model.sockets().all()[0];
    assert_eq!(sock.bytes_acked(), bytes);
}

/// An engine event stays 16 bytes with signals in it (the queue's entries are on the per-hop
/// path).
#[test]
fn events_stay_small() {
    assert!(std::mem::size_of::<net_stack::Event>() <= 16);
}

// ---- signals to the planes ---------------------------------------------------------------

/// A switch plane that forwards nothing and logs the signals it gets.
struct SignalledSwitchPlane(Log);

impl net_stack::plane::SwitchPlane for SignalledSwitchPlane {
    fn attach(&mut self, _: &[net_stack::node::Node], _: &[net_stack::device::Device]) {}
    fn start(&mut self, _: &mut net_stack::plane::PlaneCtx<'_>) {}
    fn on_packet(
        &mut self,
        _: &mut net_stack::plane::PlaneCtx<'_>,
        _: NodeId,
        _: u16,
        _: net_stack::wire::Packet,
    ) {
    }
    fn on_link_state(
        &mut self,
        _: &mut net_stack::plane::PlaneCtx<'_>,
        _: NodeId,
        _: u16,
        _: bool,
    ) {
    }
    fn on_queue_drop(&mut self, _: NodeId, _: u16) {}
    fn on_event(&mut self, _: &mut net_stack::plane::PlaneCtx<'_>, _: u64) {}
    fn on_signal(&mut self, ctx: &mut net_stack::plane::PlaneCtx<'_>, from: AppId, signal: Signal) {
        note(
            &self.0,
            ctx.now(),
            format!("switch plane got {signal:?} from {}", from.0),
        );
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// A host plane that hooks nothing and logs the signals it gets.
struct SignalledHostPlane(Log, &'static str);

impl net_stack::host_plane::HostPlane for SignalledHostPlane {
    fn start(&mut self, _: &mut net_stack::host_plane::HostSetup<'_>) {}
    fn on_send(
        &mut self,
        _: &mut net_stack::host_plane::HostCtx<'_>,
        _: NodeId,
        _: &mut net_stack::wire::Packet,
    ) -> net_stack::host_plane::HostVerdict {
        net_stack::host_plane::HostVerdict::Pass
    }
    fn on_receive(
        &mut self,
        _: &mut net_stack::host_plane::HostCtx<'_>,
        _: NodeId,
        _: u16,
        _: &mut net_stack::wire::Packet,
    ) -> net_stack::host_plane::HostVerdict {
        net_stack::host_plane::HostVerdict::Pass
    }
    fn on_signal(
        &mut self,
        ctx: &mut net_stack::host_plane::HostCtx<'_>,
        from: AppId,
        signal: Signal,
    ) {
        note(
            &self.0,
            ctx.now(),
            format!("{} got {signal:?} from {}", self.1, from.0),
        );
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// Sends `Start` to the switch plane and `Finished` to the host planes at `T`.
struct PlaneSignaller(Log);

impl Application for PlaneSignaller {
    fn start(&mut self, ctx: &mut AppCtx<'_>) {
        ctx.set_timer(T, 0);
    }
    fn on_timer(&mut self, ctx: &mut AppCtx<'_>, _token: u64) {
        note(&self.0, ctx.now(), "send");
        ctx.signal(Endpoint::SwitchPlane, Signal::Start);
        ctx.signal(Endpoint::HostPlanes, Signal::Finished);
    }
    fn report(&self) -> Report {
        Report::Counters(AppReport::default())
    }
}

/// Planes receive signals at the sending instant, in sending order, with the sender's id;
/// every host plane sees a signal to the host planes, in installation order.
#[test]
fn planes_receive_signals_from_applications() {
    let log = Log::default();
    let (mut b, a, _h) = pair();
    let s = b.add_app(
        a,
        0,
        Box::new(PlaneSignaller(log.clone())),
        SimTime::ZERO,
        None,
    );
    b.plane(Box::new(SignalledSwitchPlane(log.clone())));
    b.host_plane(Box::new(SignalledHostPlane(log.clone(), "host plane 0")));
    b.host_plane(Box::new(SignalledHostPlane(log.clone(), "host plane 1")));
    let (_sim, _) = run(b, SimTime::from_ms(2));
    let got = log.borrow().clone();
    assert_eq!(
        got,
        vec![
            (T, "send".to_string()),
            (T, format!("switch plane got Start from {}", s.0)),
            (T, format!("host plane 0 got Finished from {}", s.0)),
            (T, format!("host plane 1 got Finished from {}", s.0)),
        ]
    );
}
