//! CUBIC against RFC 9438's formulas, with an ACK clock driving the controller.

use super::*;
use crate::wire::SeqNum;

const SMSS: u32 = 1000;
const RTT_MS: u64 = 100;

fn ms(v: u64) -> SimTime {
    SimTime::from_ms(v)
}

fn ack(acked: u32) -> AckSample {
    AckSample {
        ack: SeqNum(1),
        acked,
        flight_size: 0,
        rtt: None,
        srtt: Some(ms(RTT_MS)),
        min_rtt: Some(ms(RTT_MS)),
    }
}

/// W_cubic(t) in segments by RFC 9438 eq. 1–2, in floating point (the test's oracle only).
fn w_cubic_f(w_max_seg: f64, cwnd_epoch_seg: f64, t_s: f64) -> f64 {
    let k = ((w_max_seg - cwnd_epoch_seg) / 0.4).cbrt();
    0.4 * (t_s - k).powi(3) + w_max_seg
}

/// A CUBIC window after a loss at cwnd = `w_max` segments (flight = cwnd), recovered.
fn after_loss(w_max: u32) -> (Cubic, Window) {
    let mut c = Cubic::new(false);
    let mut w = Window::new(SMSS, w_max * SMSS);
    w.ssthresh = w_max * SMSS; // in congestion avoidance
    let ev = CongestionEvent {
        kind: CongestionKind::DuplicateAcks,
        flight_size: w_max * SMSS,
    };
    c.on_congestion_event(SimTime::ZERO, &mut w, &ev);
    w.cwnd = w.ssthresh;
    c.on_recovery_end(SimTime::ZERO, &mut w);
    (c, w)
}

/// Drives `rtts` round trips from `t0`, each with one ACK per segment of cwnd, evenly spread.
fn run(c: &mut Cubic, w: &mut Window, t0: SimTime, rtts: u64) -> SimTime {
    let mut t = t0;
    for _ in 0..rtts {
        let n = u64::from(w.cwnd / SMSS);
        let step = ms(RTT_MS).as_ps() / n;
        for i in 0..n {
            c.on_ack(t + SimTime::from_ps(i * step), w, &ack(SMSS));
        }
        t += ms(RTT_MS);
    }
    t
}

/// ⌊∛x⌋ exactly, at cubes and either side of them, up to the largest input.
#[test]
fn integer_cube_root() {
    for r in [0u64, 1, 2, 7, 1000, 4_217_163_327, 6_000_000_000_000] {
        let c = u128::from(r).pow(3);
        assert_eq!(icbrt(c), r, "∛{r}³");
        if r > 0 {
            assert_eq!(icbrt(c - 1), r - 1, "just below {r}³");
        }
        if r > 0 {
            assert_eq!(icbrt(c + 1), r, "just above {r}³");
        }
    }
    assert!(icbrt(u128::MAX) < 1 << 43, "fits");
}

/// §4.6–4.7 and eq. 2: a loss at 100 segments sets ssthresh = 70 segments and W_max = 100;
/// K = ∛(30/0.4) s = 4.2172 s; W_cubic(0) = 70 and W_cubic(K) = W_max.
#[test]
fn reduction_and_k() {
    let (mut c, mut w) = after_loss(100);
    assert_eq!((w.ssthresh, c.w_max()), (70 * SMSS, 100 * SMSS), "β = 0.7");
    c.on_ack(SimTime::ZERO, &mut w, &ack(SMSS));
    let e = c.epoch().expect("epoch started by the first ACK in CA");
    let k = 75f64.cbrt() * 1e9;
    assert!((e.k_ns as f64 - k).abs() <= 1.0, "K = {} ns", e.k_ns);
    let w0 = w_cubic(e, 0, SMSS).abs_diff(70 * u64::from(SMSS));
    assert!(
        w0 <= 1,
        "W(0) = cwnd_epoch within a byte (K is truncated): {w0}"
    );
    assert_eq!(
        w_cubic(e, e.k_ns, SMSS),
        100 * u64::from(SMSS),
        "W(K) = W_max"
    );
}

/// The window follows W_cubic(t) (eq. 1) at several t through the concave and convex
/// regions, within a segment and a half (the window reaches W_cubic(t + RTT) over the RTT
/// before t, so it runs slightly ahead of W_cubic(t)); W_cubic itself agrees with the
/// floating-point formula within a byte.
#[test]
fn window_follows_w_cubic() {
    // A large W_max makes the cubic term dominate W_est (the Reno-friendly estimate).
    let (mut c, mut w) = after_loss(1000);
    let mut t = SimTime::ZERO;
    for (rtts, at_s) in [(10, 1.0), (20, 3.0), (30, 6.0), (25, 8.5), (15, 10.0)] {
        t = run(&mut c, &mut w, t, rtts);
        assert!((t.as_secs_f64() - at_s).abs() < 1e-9, "clock");
        let e = c.epoch().expect("epoch");
        let now_ns = t.as_ps() / 1000;
        let exact = w_cubic_f(1000.0, 700.0, at_s) * f64::from(SMSS);
        let int = w_cubic(e, now_ns, SMSS) as f64;
        assert!(
            (int - exact).abs() <= 1.0,
            "W_cubic({at_s}) {int} vs {exact}"
        );
        let ahead = w_cubic_f(1000.0, 700.0, at_s + 0.1) * f64::from(SMSS);
        let cwnd = f64::from(w.cwnd);
        assert!(
            cwnd >= exact - 1.5 * f64::from(SMSS) && cwnd <= ahead + 1.5 * f64::from(SMSS),
            "t = {at_s} s: cwnd {cwnd} vs W_cubic(t) {exact} .. W_cubic(t + RTT) {ahead}"
        );
    }
    assert!(w.cwnd > 1000 * SMSS, "convex region beyond W_max");
}

/// §4.3: with a small W_max the Reno-friendly estimate W_est = W_max·β + α·t/RTT
/// (α = 9/17 per RTT, then 1 once W_est reaches cwnd_prior) is above W_cubic, and cwnd
/// follows it.
#[test]
fn reno_friendly_region() {
    let (mut c, mut w) = after_loss(20);
    let t = run(&mut c, &mut w, SimTime::ZERO, 10);
    let est = f64::from(c.w_est()) / f64::from(SMSS);
    let want = 14.0 + 9.0 / 17.0 * 10.0;
    // Per ACK W_est grows by α·SMSS/cwnd, with cwnd growing inside the RTT: a bit under α.
    assert!(est <= want && est > want - 0.3, "W_est {est} vs {want}");
    assert_eq!(w.cwnd, c.w_est(), "cwnd = W_est");
    let t = run(&mut c, &mut w, t, 30);
    let e = c.epoch().expect("epoch");
    let cubic = w_cubic(e, t.as_ps() / 1000, SMSS) as f64 / f64::from(SMSS);
    let est = f64::from(c.w_est()) / f64::from(SMSS);
    // 20 reached after 6·17/9 = 11.3 RTTs, then one segment per RTT.
    let want = 20.0 + (40.0 - 6.0 * 17.0 / 9.0);
    assert!(cubic < est, "Reno-friendly: W_cubic {cubic} < W_est {est}");
    assert!(
        est <= want && est > want - 1.5,
        "α = 1 past cwnd_prior: {est} vs {want}"
    );
    assert_eq!(w.cwnd, c.w_est(), "cwnd = W_est");
}

/// §4.7 fast convergence: a second loss below the previous W_max sets W_max = cwnd·(1 + β)/2;
/// a loss above it sets W_max = cwnd.
#[test]
fn fast_convergence() {
    let (mut c, mut w) = after_loss(100);
    assert_eq!(c.w_max(), 100 * SMSS);
    w.cwnd = 80 * SMSS;
    let ev = CongestionEvent {
        kind: CongestionKind::DuplicateAcks,
        flight_size: 80 * SMSS,
    };
    c.on_congestion_event(ms(1), &mut w, &ev);
    assert_eq!(c.w_max(), 68 * SMSS, "80·1.7/2 = 68 segments");
    assert_eq!(w.ssthresh, 56 * SMSS, "80·0.7");
    w.cwnd = 90 * SMSS;
    c.on_congestion_event(ms(2), &mut w, &ev);
    assert_eq!(c.w_max(), 90 * SMSS, "above W_max: W_max = cwnd");
}

/// A timeout (§4.8): the loss window, ssthresh from β on the first expiry only; the epoch
/// restarts after slow start with K = 0 when cwnd has passed W_max... or K > 0 below it.
#[test]
fn timeout_and_new_epoch() {
    let (mut c, mut w) = after_loss(100);
    let first = CongestionEvent {
        kind: CongestionKind::Timeout { first: true },
        flight_size: 70 * SMSS,
    };
    c.on_congestion_event(ms(1), &mut w, &first);
    assert_eq!((w.cwnd, w.ssthresh), (SMSS, 49 * SMSS), "1 SMSS, 70·0.7");
    let again = CongestionEvent {
        kind: CongestionKind::Timeout { first: false },
        flight_size: 70 * SMSS,
    };
    c.on_congestion_event(ms(2), &mut w, &again);
    assert_eq!((w.cwnd, w.ssthresh), (SMSS, 49 * SMSS), "ssthresh kept");
    assert!(c.epoch().is_none(), "no epoch in slow start");
    for i in 0..48 {
        c.on_ack(ms(10 + i), &mut w, &ack(SMSS));
    }
    assert_eq!(w.cwnd, 49 * SMSS, "slow start to ssthresh");
    assert!(c.epoch().is_none(), "that ACK was slow start's");
    c.on_ack(ms(60), &mut w, &ack(SMSS));
    let e = c.epoch().expect("CA began at ssthresh");
    assert_eq!(e.origin, c.w_max(), "below W_max: the plateau is W_max");
    assert!(e.k_ns > 0, "K > 0");
}
