//! "cubic-segments" against hand computations from ns-3's `tcp-cubic.cc`, and the RFC 9438
//! controller (the departure off) on the same ACKs.

use super::super::Cubic;
use crate::tcp::congestion::{
    AckSample, CongestionControl, CongestionEvent, CongestionKind, Window,
};
use crate::wire::SeqNum;
use sim_core::SimTime;

const SMSS: u32 = 1448;

fn ack(acked: u32) -> AckSample {
    AckSample {
        ack: SeqNum(1),
        acked,
        flight_size: 0,
        rtt: None,
        srtt: Some(SimTime::from_ms(100)),
        min_rtt: Some(SimTime::from_ms(100)),
    }
}

fn cubic(ns3: bool) -> Cubic {
    let mut c = Cubic::new(false);
    if ns3 {
        c.set_ns3_segments();
    }
    c
}

/// A loss at cwnd = `seg` segments (FlightSize `flight` segments), recovery over.
fn loss(c: &mut Cubic, seg: u32, flight: u32) -> Window {
    let mut w = Window::new(SMSS, seg * SMSS);
    w.ssthresh = seg * SMSS;
    let ev = CongestionEvent {
        kind: CongestionKind::DuplicateAcks,
        flight_size: flight * SMSS,
    };
    c.on_congestion_event(SimTime::ZERO, &mut w, &ev);
    w.cwnd = w.ssthresh;
    c.on_recovery_end(SimTime::ZERO, &mut w);
    w
}

/// `GetSsThresh` (`:455-490`): ssthresh = max(⌊seg·0.7⌋, 2) segments of cwnd, not of
/// FlightSize, with ns-3's double product (90·0.7 = 62.99…: 62 segments; RFC 9438 §4.6 from
/// FlightSize 90: 90·1448·0.7 = 91 224 bytes, 63 segments); W_max in segments, and fast
/// convergence ⌊seg·1.7/2⌋ when below the previous W_max (60 → 51).
#[test]
fn ssthresh_from_cwnd_in_segments() {
    let mut c = cubic(true);
    let w = loss(&mut c, 90, 200);
    assert_eq!(w.ssthresh, 62 * SMSS, "⌊90 × 0.7⌋ in double is 62");
    assert_eq!(c.w_max(), 90 * SMSS);
    let w = loss(&mut c, 60, 60);
    assert_eq!(
        (w.ssthresh, c.w_max()),
        (42 * SMSS, 51 * SMSS),
        "fast convergence"
    );
    let mut rfc = cubic(false);
    let w = loss(&mut rfc, 90, 90);
    assert_eq!(w.ssthresh, 91_224, "RFC 9438: FlightSize·0.7 in bytes");
    let w = loss(&mut rfc, 2, 2);
    assert_eq!(w.ssthresh, 2 * SMSS, "floor");
}

/// After a loss at 100 segments, cwnd = 70 segments, every ACK one segment at t = 0 (delayMin
/// = SRTT = 100 ms): K = ∛(30/0.4) = 4.2172 s, W_cubic(0.1 s) = 100 − ⌊0.4·4.1172³⌋ =
/// 100 − 27 = 73, so `cnt` = ⌊70/3⌋ = 23: cwnd stays at 70 segments for 22 ACKs and grows one
/// SMSS on the 23rd; then `cnt` = ⌊71/2⌋ = 35, so the next SMSS comes 35 ACKs later. RFC 9438
/// (the departure off) grows by (target − cwnd)/cwnd on every ACK.
#[test]
fn growth_by_whole_segments_every_cnt_acks() {
    let mut c = cubic(true);
    let mut w = loss(&mut c, 100, 100);
    assert_eq!(w.cwnd, 70 * SMSS);
    let t = SimTime::ZERO;
    for i in 1..=22 {
        c.on_ack(t, &mut w, &ack(SMSS));
        assert_eq!(w.cwnd, 70 * SMSS, "ACK {i}");
    }
    c.on_ack(t, &mut w, &ack(SMSS));
    assert_eq!(w.cwnd, 71 * SMSS, "23rd ACK");
    for _ in 0..34 {
        c.on_ack(t, &mut w, &ack(SMSS));
    }
    assert_eq!(w.cwnd, 71 * SMSS, "34 more");
    c.on_ack(t, &mut w, &ack(SMSS));
    assert_eq!(w.cwnd, 72 * SMSS, "35th");
    assert_eq!(c.w_max(), 100 * SMSS);
    assert_eq!(c.epoch().unwrap().origin, 100 * SMSS);

    let mut rfc = cubic(false);
    let mut w = loss(&mut rfc, 100, 100);
    rfc.on_ack(t, &mut w, &ack(SMSS));
    assert!(
        w.cwnd > 70 * SMSS,
        "RFC 9438 grows on the first ACK: {}",
        w.cwnd
    );
}

/// Before any loss W_max is 0 and `cnt` is clamped to 20 (`:327-330`): from ssthresh = 100
/// segments (a HyStart exit), one SMSS per 20 segments acknowledged; a 1000-byte ACK is not a
/// segment, its bytes are carried (`tcp-socket-base.cc:2145-2159`). Slow start adds whole
/// segments (`:215`).
#[test]
fn clamp_before_loss_and_segment_counting() {
    let mut c = cubic(true);
    let mut w = Window::new(SMSS, 10 * SMSS);
    c.on_ack(SimTime::ZERO, &mut w, &ack(3 * SMSS));
    assert_eq!(w.cwnd, 13 * SMSS, "slow start: three segments");
    c.on_ack(SimTime::ZERO, &mut w, &ack(1000));
    assert_eq!(w.cwnd, 13 * SMSS, "1000 bytes: no whole segment yet");
    c.on_ack(SimTime::ZERO, &mut w, &ack(1000));
    assert_eq!(w.cwnd, 14 * SMSS, "2000 bytes: one segment, 552 carried");
    w.cwnd = 100 * SMSS;
    w.ssthresh = 100 * SMSS;
    let t = SimTime::from_ms(5);
    for _ in 0..19 {
        c.on_ack(t, &mut w, &ack(SMSS));
    }
    assert_eq!(w.cwnd, 100 * SMSS);
    c.on_ack(t, &mut w, &ack(SMSS));
    assert_eq!(w.cwnd, 101 * SMSS, "20th segment");
}

/// The Reno-friendly estimate (`:332-350`): W_est starts at cwnd and gains a segment when
/// more than ⌊15·cwnd/8⌋ segments have been acknowledged since. A loss at 10 segments (cwnd 7,
/// K = ∛7.5 s = 1.957 s): at t = 0 W_cubic(0.1 s) = 10 − ⌊0.4·1.857³⌋ = 8, `cnt` = ⌊7/1⌋ = 7,
/// so cwnd is 8 segments from the 7th ACK; then ⌊15·8/8⌋ = 15, so W_est becomes 8 at the
/// 16th segment acknowledged.
#[test]
fn reno_friendly_estimate_in_segments() {
    let mut c = cubic(true);
    let mut w = loss(&mut c, 10, 10);
    assert_eq!(w.cwnd, 7 * SMSS);
    for i in 1..=15 {
        c.on_ack(SimTime::ZERO, &mut w, &ack(SMSS));
        assert_eq!(c.w_est(), 7 * SMSS, "ACK {i}");
        let want = if i < 7 { 7 } else { 8 };
        assert_eq!(w.cwnd, want * SMSS, "ACK {i}: one SMSS after cnt = 7");
    }
    c.on_ack(SimTime::ZERO, &mut w, &ack(SMSS));
    assert_eq!(c.w_est(), 8 * SMSS, "16th segment: W_est + 1");
}

/// A timeout: ssthresh from cwnd, cwnd one SMSS, W_max kept (`CubicReset`, `:504-515`); a
/// repeated expiry keeps ssthresh.
#[test]
fn timeout_keeps_w_max() {
    let mut c = cubic(true);
    let mut w = Window::new(SMSS, 50 * SMSS);
    let ev = |first| CongestionEvent {
        kind: CongestionKind::Timeout { first },
        flight_size: 80 * SMSS,
    };
    c.on_congestion_event(SimTime::ZERO, &mut w, &ev(true));
    assert_eq!(
        (w.cwnd, w.ssthresh, c.w_max()),
        (SMSS, 35 * SMSS, 50 * SMSS)
    );
    c.on_congestion_event(SimTime::ZERO, &mut w, &ev(false));
    assert_eq!(
        (w.cwnd, w.ssthresh, c.w_max()),
        (SMSS, 35 * SMSS, 50 * SMSS)
    );
}
