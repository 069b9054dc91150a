//! The host planes' timers used from outside net-stack, as a hypervisor's periodic work (a
//! Mobile IP re-registration) uses them: a plane arms timers when it first sees a packet,
//! moves one, cancels one, re-arms one from its own callback, and sends a datagram from a
//! callback. The test checks the times and tokens the plane saw, that a cancelled timer never
//! runs (no executed event), and tshark's reading of the datagram sent from the callback.

use std::any::Any;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::Command;

use net_stack::app::{AppCtx, AppReport, Application, Report};
use net_stack::host_plane::{HostCtx, HostPlane, HostSetup, HostVerdict};
use net_stack::wire::Packet;
use net_stack::{LinkConfig, Network, NetworkBuilder, NodeId};
use sim_core::{DataRate, RngStreams, SimTime, Simulation};

const H0: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const H1: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 1);

/// Sends one 100-byte datagram to H1:7 at 1 ms.
struct OneShot;

impl Application for OneShot {
    fn start(&mut self, ctx: &mut AppCtx<'_>) {
        ctx.set_timer(SimTime::from_ms(1), 0);
    }
    fn on_timer(&mut self, ctx: &mut AppCtx<'_>, _token: u64) {
        ctx.send_udp(H1, 5000, 7, 100);
    }
    fn on_receive(&mut self, _ctx: &mut AppCtx<'_>, _pkt: &Packet) {}
    fn report(&self) -> Report {
        Report::Counters(AppReport::default())
    }
}

/// On the first packet h0 sends (at 1 ms): token 1 for +5 ms (re-armed twice from its own
/// callback, 2 ms apart), token 2 for +7 ms then cancelled, token 3 for +3 ms then moved to
/// +4 ms. Token 3's callback sends a 4-byte datagram from h0 to H1:9.
#[derive(Default)]
struct Timers {
    h0: Option<NodeId>,
    armed: bool,
    fired: Vec<(SimTime, u64)>,
}

impl HostPlane for Timers {
    fn start(&mut self, setup: &mut HostSetup<'_>) {
        let h0 = (0..setup.nodes().len())
            .map(|i| NodeId(i as u32))
            .find(|n| setup.nodes()[n.index()].ip == Some(H0))
            .expect("h0");
        self.h0 = Some(h0);
        setup.hook_send(h0);
    }
    fn on_send(&mut self, ctx: &mut HostCtx<'_>, _node: NodeId, _pkt: &mut Packet) -> HostVerdict {
        if !self.armed {
            self.armed = true;
            let now = ctx.now();
            ctx.set_timer(now + SimTime::from_ms(5), 1);
            ctx.set_timer(now + SimTime::from_ms(7), 2);
            ctx.set_timer(now + SimTime::from_ms(3), 3);
            ctx.cancel_timer(2);
            ctx.set_timer(now + SimTime::from_ms(4), 3);
        }
        HostVerdict::Pass
    }
    fn on_receive(
        &mut self,
        _ctx: &mut HostCtx<'_>,
        _host: NodeId,
        _port: u16,
        _pkt: &mut Packet,
    ) -> HostVerdict {
        HostVerdict::Pass
    }
    fn on_timer(&mut self, ctx: &mut HostCtx<'_>, token: u64) {
        self.fired.push((ctx.now(), token));
        let times = self.fired.iter().filter(|f| f.1 == 1).count();
        if token == 1 && times < 3 {
            ctx.set_timer(ctx.now() + SimTime::from_ms(2), 1);
        }
        if token == 3 {
            ctx.send_udp(self.h0.unwrap(), H1, (9, 9), vec![0xde, 0xad, 0xbe, 0xef]);
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

fn link() -> LinkConfig {
    LinkConfig::new(DataRate::gbps(1), SimTime::from_us(10))
}

/// h0 and h1 around a router; returns the run, h1's pcap and the directory holding it
/// (removed when dropped).
fn run(planes: bool) -> (Simulation<Network>, PathBuf, tempfile::TempDir) {
    let scratch = tempfile::Builder::new()
        .prefix("netsim-host-plane-timer-")
        .tempdir()
        .unwrap();
    let dir = scratch.path();
    let mut b = NetworkBuilder::new(RngStreams::new(3));
    let h0 = b.add_host("h0", H0);
    let h1 = b.add_host("h1", H1);
    let r = b.add_router("r");
    b.connect(h0, r, link());
    b.connect(h1, r, link());
    b.add_app(h0, 0, Box::new(OneShot), SimTime::ZERO, None);
    let pcap = dir.join("h1.pcap");
    b.trace(h1, 0, &pcap, 65535).unwrap();
    if planes {
        b.host_plane(Box::new(Timers::default()));
    }
    let mut sim = Simulation::new(b.build().expect("valid network"));
    sim.model.schedule_apps(&mut sim.scheduler);
    sim.model.start_plane(&mut sim.scheduler);
    sim.run_until(SimTime::from_ms(50));
    sim.model.finish_taps().unwrap();
    (sim, pcap, scratch)
}

/// The timers fire at the times armed (a moved one at its new time, a re-armed one again),
/// a cancelled one never, and a callback's datagram is on the wire when the timer fired.
#[test]
fn host_plane_timers_fire_move_cancel_and_act() {
    let (sim, pcap, _scratch) = run(true);
    let p = sim.model.host_plane(0).unwrap().as_any();
    let timers = p.downcast_ref::<Timers>().unwrap();
    let ms = SimTime::from_ms;
    assert_eq!(
        timers.fired,
        vec![(ms(5), 3), (ms(6), 1), (ms(8), 1), (ms(10), 1)],
        "token 3 moved to +4 ms, token 1 at +5 ms re-armed twice 2 ms apart, token 2 cancelled"
    );
    // Without the plane the run executes the same events but the four timers and what the
    // datagram of token 3 costs: a cancelled timer is not an executed event.
    let (bare, _, _) = run(false);
    let extra = sim.scheduler.executed() - bare.scheduler.executed();
    let datagram_events = 2 * 2; // two hops, each a transmission end and an arrival
    assert_eq!(
        extra,
        4 + datagram_events,
        "no event for the cancelled timer"
    );
    let out = Command::new("tshark")
        .args(["-r", pcap.to_str().unwrap(), "-Y", "udp.port == 9"])
        .args(["-T", "fields", "-e", "frame.time_epoch", "-e", "data.data"])
        .output()
        .expect("tshark is installed");
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 1, "one datagram from the callback: {text}");
    let (time, data) = rows[0].split_once('\t').unwrap();
    let t: f64 = time.parse().unwrap();
    assert!(
        (0.005..0.00505).contains(&t),
        "sent at 5 ms, two 10 us hops later at h1: {t}"
    );
    assert_eq!(data, "deadbeef", "the callback's bytes");
}
