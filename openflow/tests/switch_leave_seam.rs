//! The switch-failure seam used from outside the openflow crate, as a third party writing its
//! own controller app and shim would: a recording [`App`] sees a switch join, leave at the
//! failure time (gone from [`Context::datapaths`]) and join again after it comes back, with a
//! fresh FEATURES handshake; a [`Shim`] whose `disconnected` does not call
//! [`ShimContext::leave`] hides the leave from the app, the default shows it.

use std::any::Any;
use std::net::Ipv4Addr;

use net_stack::{LinkConfig, Network, NetworkBuilder};
use openflow::FeaturesReply;
use openflow::controller::{App, Context, Controller, NoShim, Shim, ShimContext};
use openflow::plane::{OpenFlowPlane, PlaneConfig};
use sim_core::{DataRate, RngStreams, SimTime, Simulation};

/// What the app saw: the time, the switch, and the dpids in `datapaths()` at that moment.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seen {
    Join(SimTime, u64, Vec<u64>),
    Leave(SimTime, u64, Vec<u64>),
}

/// Records `switch_features` and `switch_leave`; forwards nothing.
#[derive(Default)]
struct Recorder {
    seen: Vec<Seen>,
    features: Vec<FeaturesReply>,
}

impl App for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }
    fn switch_features(&mut self, ctx: &mut Context<'_>, dpid: u64, f: &FeaturesReply) {
        let dps = ctx.datapaths().keys().copied().collect();
        self.seen.push(Seen::Join(ctx.now(), dpid, dps));
        self.features.push(*f);
    }
    fn switch_leave(&mut self, ctx: &mut Context<'_>, dpid: u64) {
        let dps = ctx.datapaths().keys().copied().collect();
        self.seen.push(Seen::Leave(ctx.now(), dpid, dps));
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// A shim that keeps switch losses to itself: it counts them and never tells the apps.
#[derive(Default)]
struct HideLeaves {
    hidden: Vec<u64>,
}

impl Shim for HideLeaves {
    fn disconnected(&mut self, _ctx: &mut ShimContext<'_>, dpid: u64) {
        self.hidden.push(dpid);
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

const DOWN: SimTime = SimTime::from_ms(10);
const UP: SimTime = SimTime::from_ms(20);

fn link() -> LinkConfig {
    LinkConfig::new(DataRate::gbps(1), SimTime::from_us(10))
}

/// h0 — s1 — s2 — h1 under one controller running [`Recorder`] behind `shim`; s2 fails at
/// 10 ms and comes back at 20 ms; runs to 40 ms. Returns the run and s2's dpid.
fn run(shim: Box<dyn Shim>) -> (Simulation<Network>, u64) {
    let mut b = NetworkBuilder::new(RngStreams::new(7));
    let h0 = b.add_host("h0", Ipv4Addr::new(10, 0, 0, 1));
    let h1 = b.add_host("h1", Ipv4Addr::new(10, 0, 0, 2));
    let s1 = b.add_switch("s1");
    let s2 = b.add_switch("s2");
    b.connect(h0, s1, link());
    b.connect(s1, s2, link());
    b.connect(s2, h1, link());
    b.switch_event(DOWN, s2, false);
    b.switch_event(UP, s2, true);
    let plane = OpenFlowPlane::new(PlaneConfig::default(), RngStreams::new(7), move |topo| {
        Controller::with_shim(topo, Box::new(Recorder::default()), shim)
    });
    b.plane(Box::new(plane));
    let mut sim = Simulation::new(b.build().expect("valid network"));
    sim.model.schedule_apps(&mut sim.scheduler);
    sim.model.start_plane(&mut sim.scheduler);
    sim.run_until(SimTime::from_ms(40));
    let s2_dpid = dpid_of(&sim, "s2");
    (sim, s2_dpid)
}

/// The dpid of switch `name`, as its FEATURES_REPLY gives it.
fn dpid_of(sim: &Simulation<Network>, name: &str) -> u64 {
    let s = plane_of(sim).switches().iter().find(|s| s.name == name);
    s.expect("an OpenFlow switch").switch.config().datapath_id
}

fn plane_of(sim: &Simulation<Network>) -> &OpenFlowPlane {
    let p = sim.model.plane().expect("the network has a plane");
    p.as_any().downcast_ref().expect("the OpenFlow plane")
}

fn recorder(sim: &Simulation<Network>) -> &Recorder {
    let c = plane_of(sim).controller().expect("one controller");
    c.app().as_any().downcast_ref().expect("the recording app")
}

/// The default shim: s2 joins at start-up, leaves at the failure time (already gone from
/// `datapaths()`, s1 still there), and joins again after `up` with a fresh FEATURES_REPLY.
#[test]
fn app_sees_join_leave_at_failure_and_rejoin_on_up() {
    let (sim, s2) = run(Box::new(NoShim));
    let app = recorder(&sim);
    let s1 = dpid_of(&sim, "s1");
    let s2_events: Vec<&Seen> = app
        .seen
        .iter()
        .filter(|e| matches!(e, Seen::Join(_, d, _) | Seen::Leave(_, d, _) if *d == s2))
        .collect();
    assert_eq!(
        s2_events.len(),
        3,
        "join, leave, join again: {:?}",
        app.seen
    );
    let Seen::Join(t0, _, dps0) = s2_events[0] else {
        panic!("first a join: {:?}", app.seen)
    };
    assert_eq!(*t0, SimTime::ZERO, "start-up handshake at time zero");
    assert!(dps0.contains(&s2), "joined means in datapaths(): {dps0:?}");
    assert_eq!(
        s2_events[1],
        &Seen::Leave(DOWN, s2, vec![s1]),
        "leave at the failure time, s2 gone from datapaths(), s1 kept"
    );
    let Seen::Join(t2, _, dps2) = s2_events[2] else {
        panic!("then a join: {:?}", app.seen)
    };
    assert!(
        *t2 > UP && *t2 < UP + SimTime::from_ms(5),
        "rejoins after up, paying the channel latency: {t2:?}"
    );
    assert_eq!(dps2, &vec![s1, s2], "back in datapaths()");
    // Two FEATURES_REPLYs from s2, one per handshake, each naming it.
    let s2_features: Vec<&FeaturesReply> = app
        .features
        .iter()
        .filter(|f| f.datapath_id == s2)
        .collect();
    assert_eq!(s2_features.len(), 2, "a fresh FEATURES handshake on up");
    let c = plane_of(&sim).controller().unwrap();
    assert!(
        c.datapaths().contains_key(&s2),
        "the runtime knows it again"
    );
    // s1 never left.
    assert!(
        !app.seen
            .iter()
            .any(|e| matches!(e, Seen::Leave(_, d, _) if *d == s1)),
        "s1 did not fail: {:?}",
        app.seen
    );
}

/// A shim that does not call `ctx.leave` hides the failure: the app sees s2 join twice and
/// never leave, while the shim itself was told at the failure time; the runtime still forgot
/// the datapath (the rejoin is a fresh handshake).
#[test]
fn shim_decides_whether_the_app_sees_the_leave() {
    let (hidden, s2) = run(Box::new(HideLeaves::default()));
    let app = recorder(&hidden);
    assert!(
        !app.seen.iter().any(|e| matches!(e, Seen::Leave(..))),
        "the shim hid the leave: {:?}",
        app.seen
    );
    let joins: Vec<SimTime> = app
        .seen
        .iter()
        .filter_map(|e| match e {
            Seen::Join(t, d, _) if *d == s2 => Some(*t),
            _ => None,
        })
        .collect();
    assert_eq!(joins.len(), 2, "joined at start-up and after up: {joins:?}");
    assert!(joins[1] > UP, "second join after up: {joins:?}");
    let c = plane_of(&hidden).controller().unwrap();
    let shim: &HideLeaves = c.shim().as_any().downcast_ref().unwrap();
    assert_eq!(shim.hidden, vec![s2], "the shim was told of the loss");

    let (shown, _) = run(Box::new(NoShim));
    let leaves = recorder(&shown)
        .seen
        .iter()
        .filter(|e| matches!(e, Seen::Leave(t, d, _) if *t == DOWN && *d == s2))
        .count();
    assert_eq!(leaves, 1, "the default shim shows the leave");
}
