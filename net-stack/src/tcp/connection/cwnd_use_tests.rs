//! RFC 9438 §5.8 from the connection fixture: cwnd does not grow while the sending application
//! or the peer's window holds the flow back, and CUBIC's clock skips idle time
//! (`cwnd_use.rs`, `Cubic::on_send_after_idle`).

use sim_core::SimTime;

use super::fixture::{Fx, established};
use crate::tcp::{CcVariant, Cubic, TcpConfig};

const MSS: u32 = 1448;

fn ms(v: u64) -> SimTime {
    SimTime::from_ms(v)
}

/// A connection of `variant` already in congestion avoidance (ssthresh 5 < cwnd 10 segments).
fn in_avoidance(variant: CcVariant, hold: Option<bool>) -> Fx {
    let mut fx = established(TcpConfig {
        variant,
        hystart: false,
        initial_cwnd: 10,
        hold_when_app_limited: hold,
        ..TcpConfig::default()
    });
    fx.c.win.ssthresh = 5 * MSS;
    fx
}

/// `rounds` round trips of 10 ms: each writes `per_rtt` segments, sends what the windows allow
/// and has all of it acknowledged one RTT later. Returns cwnd in segments after each round.
fn run(fx: &mut Fx, rounds: u64, per_rtt: u64) -> Vec<u32> {
    let mut acked = 0;
    let mut out = vec![];
    for r in 0..rounds {
        let t = ms(20 + 10 * r);
        fx.c.write(per_rtt * u64::from(MSS));
        let sent: u32 = fx.drain(t).iter().map(|&(_, len)| len).sum();
        acked += sent;
        fx.ack(t + ms(10), acked);
        out.push(fx.c.cwnd() / MSS);
    }
    out
}

/// cwnd (segments, per round) grew past 10 by the last round, or never left 10.
fn assert_grows(cwnd: &[u32], grows: bool, label: &str) {
    if grows {
        assert!(cwnd.last().is_some_and(|&c| c > 10), "{label}: {cwnd:?}");
    } else {
        assert!(cwnd.iter().all(|&c| c == 10), "{label}: {cwnd:?}");
    }
}

/// Two segments per round trip under a 10-segment window: the flow is application-limited,
/// so CUBIC (RFC 9438 §5.8, on by default) keeps cwnd; so does NewReno when asked, while
/// NewReno's default (RFC 5681, which has no such rule) and CUBIC with the rule off grow. A
/// flow that fills its window grows under the rule.
#[test]
fn an_application_limited_flow_keeps_its_window() {
    for (variant, hold, per_rtt, grows) in [
        (CcVariant::Cubic, None, 2, false),
        (CcVariant::Cubic, Some(false), 2, true),
        (CcVariant::NewReno, Some(true), 2, false),
        (CcVariant::NewReno, None, 2, true),
        (CcVariant::Cubic, None, 100, true),
        (CcVariant::NewReno, Some(true), 100, true),
    ] {
        let mut fx = in_avoidance(variant, hold);
        let cwnd = run(&mut fx, 40, per_rtt);
        let label = format!("{variant:?}, hold {hold:?}, {per_rtt} per RTT");
        assert_grows(&cwnd, grows, &label);
    }
}

/// The peer's window (4 segments) limits the flow, not cwnd (10): no growth under the rule
/// (RFC 9438 §5.8 names "the receiver's advertised window"), growth without it.
#[test]
fn a_receiver_limited_flow_keeps_its_window() {
    for (hold, grows) in [(None, false), (Some(false), true)] {
        let mut fx = in_avoidance(CcVariant::Cubic, hold);
        // 46 × 128 B (the peer's window shift is 7) = 4 segments of 1472 B ≥ 4 × 1448 B.
        fx.peer_window = 46;
        fx.ack(ms(15), 0);
        let cwnd = run(&mut fx, 40, 100);
        assert_eq!(fx.c.snd_wnd(), 46 << 7);
        assert_grows(&cwnd, grows, &format!("hold {hold:?}"));
    }
}

/// In slow start the rule lets cwnd reach twice the most ever in flight (Linux's
/// `tcp_is_cwnd_limited`): 6 segments per round trip under cwnd 10 grow it by one ACK's
/// worth (2 segments, RFC 3465's L) to 12 = 2 × 6, and no further.
#[test]
fn slow_start_stops_at_twice_the_flight() {
    let mut fx = established(TcpConfig {
        variant: CcVariant::Cubic,
        hystart: false,
        initial_cwnd: 10,
        ..TcpConfig::default()
    });
    let cwnd = run(&mut fx, 5, 6);
    assert_eq!(cwnd, [12, 12, 12, 12, 12]);
}

fn epoch_start(fx: &Fx) -> SimTime {
    let cubic =
        fx.c.congestion_control()
            .downcast_ref::<Cubic>()
            .expect("CUBIC");
    cubic
        .epoch()
        .expect("an epoch in congestion avoidance")
        .start
}

/// After 5 s without data in flight, the next send moves CUBIC's epoch by the idle time (the
/// time since the last data segment left), so W_cubic(t) resumes where it stopped (RFC 9438
/// §5.8, §4.2's t; Linux's `CA_EVENT_TX_START`). With the rule off the clock runs on.
#[test]
fn idle_time_is_not_in_cubics_clock() {
    for hold in [None, Some(false)] {
        let mut fx = in_avoidance(CcVariant::Cubic, hold);
        // A full window each round trip: cwnd-limited, and nothing left unsent.
        run(&mut fx, 3, 10);
        let start = epoch_start(&fx);
        // The last data left at 40 ms and was acknowledged at 50 ms; nothing is in flight.
        let resume = ms(5_040);
        fx.c.write(u64::from(MSS));
        assert_eq!(fx.drain(resume).len(), 1);
        let moved = epoch_start(&fx).saturating_sub(start);
        let want = if hold.is_none() {
            ms(5_000)
        } else {
            SimTime::ZERO
        };
        assert_eq!(moved, want, "hold {hold:?}");
    }
}
