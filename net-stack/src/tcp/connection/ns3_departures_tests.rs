//! Each departure from the connection fixture: ns-3's behaviour with it on, the RFC's with it
//! off.

use sim_core::SimTime;

use super::super::fixture::{Fx, established};
use crate::tcp::{CcVariant, Ecn, Ns3Departures as D, TcpConfig};

const MSS: u32 = 1448;

fn ms(v: u64) -> SimTime {
    SimTime::from_ms(v)
}

fn cfg(d: D) -> TcpConfig {
    TcpConfig {
        sack: true,
        variant: CcVariant::NewReno,
        ns3_departures: d,
        ..TcpConfig::default()
    }
}

/// The peer's ACK of data offset `ack` (segments) SACKing segments `[lo, hi)` (offsets in
/// segments); what the connection sends in answer.
fn sack(fx: &mut Fx, now: SimTime, ack: u32, blocks: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let seg = fx.peer_seg(ack * MSS);
    let b: Vec<_> = blocks
        .iter()
        .map(|&(l, h)| (fx.seq(l * MSS), fx.seq(h * MSS)))
        .collect();
    fx.c.handle_segment_sack(now, &seg, 0, Ecn::NotEct, &b);
    fx.drain_offsets(now)
}

fn segs(v: &[(u32, u32)]) -> Vec<u32> {
    v.iter().map(|&(o, _)| o / MSS).collect()
}

/// Six segments in flight, 0 lost; SACKs of 1–3 start recovery (ssthresh from FlightSize 6:
/// 3 segments; from pipe 2: the floor 2 segments); 0 is resent; when 4 and 5 are SACKed
/// pipe is the retransmission alone, and new data goes out.
#[test]
fn small_window_recovery_sends_new_data() {
    for (d, ssthresh) in [(D::NONE, 3), (D::SSTHRESH_FROM_PIPE, 2)] {
        let mut fx = established(TcpConfig {
            initial_cwnd: 6,
            ..cfg(d)
        });
        fx.c.write(100 * u64::from(MSS));
        assert_eq!(fx.drain(ms(10)).len(), 6);
        assert!(sack(&mut fx, ms(20), 0, &[(1, 2)]).is_empty());
        assert!(sack(&mut fx, ms(20), 0, &[(1, 3)]).is_empty());
        assert_eq!(segs(&sack(&mut fx, ms(20), 0, &[(1, 4)])), [0], "{d:?}");
        assert_eq!(fx.c.ssthresh(), ssthresh * MSS, "{d:?}");
        let a = sack(&mut fx, ms(21), 0, &[(1, 5)]);
        let b = sack(&mut fx, ms(21), 0, &[(1, 6)]);
        eprintln!("{d:?}: {a:?} {b:?} pipe {}", fx.c.pipe());
        assert!(
            !(a.is_empty() && b.is_empty()),
            "{d:?}: new data once pipe allows"
        );
    }
}

/// Ten segments in flight from a fresh connection with departures `d` (cwnd 10).
fn ten(d: D) -> Fx {
    let mut fx = established(cfg(d));
    fx.c.write(1000 * u64::from(MSS));
    assert_eq!(fx.drain(ms(10)).len(), 10, "initial window");
    fx
}

/// C: an ACK of new data that also SACKs new data (segment 0 acknowledged, 2 SACKed above
/// the lost 1) grows cwnd by RFC 5681 §3.1 (slow start: +1 SMSS) but not in ns-3 (its
/// CA_DISORDER); the next ACK of new data without new SACK information grows in both.
#[test]
fn c_no_growth_on_ack_that_sacks_new_data() {
    for (d, grown) in [(D::NONE, 11), (D::NO_GROWTH_ON_SACK, 10)] {
        let mut fx = ten(d);
        sack(&mut fx, ms(20), 1, &[(2, 3)]);
        assert_eq!(fx.c.cwnd(), grown * MSS, "{d:?}");
        sack(&mut fx, ms(21), 3, &[]);
        assert_eq!(fx.c.cwnd(), (grown + 1) * MSS, "{d:?}: growth again");
    }
}

/// 3: entering recovery with 10 segments in flight, 3 SACKed and the head lost: RFC 6675
/// §5 (4.2) halves FlightSize (10 → 5 segments); ns-3 halves pipe (10 − 3 SACKed − 1 lost
/// = 6 → 3 segments).
#[test]
fn ssthresh_from_pipe() {
    for (d, ssthresh) in [(D::NONE, 5), (D::SSTHRESH_FROM_PIPE, 3)] {
        let mut fx = ten(d);
        sack(&mut fx, ms(20), 0, &[(1, 2)]);
        sack(&mut fx, ms(20), 0, &[(1, 3)]);
        assert_eq!(segs(&sack(&mut fx, ms(20), 0, &[(1, 4)])), [0], "{d:?}");
        assert_eq!(fx.c.ssthresh(), ssthresh * MSS, "{d:?}");
        assert_eq!(fx.c.cwnd(), ssthresh * MSS, "{d:?}: cwnd = ssthresh");
    }
}

/// A: segment 0 is lost twice. Recovery resends it at 20 ms; SACKs of 4–9 let four new
/// segments (10–13) out at 21 ms; when 10 is SACKed, ns-3 declares the retransmission of 0
/// (sent before 10) lost, takes it out of pipe and resends it at once; RFC 6675 cannot see it (rule 1 looks above
/// HighRxt only) and sends new data, leaving 0 to the RTO.
#[test]
fn a_retransmission_lost_by_time() {
    for d in [D::NONE, D::RETX_LOST_BY_TIME] {
        let mut fx = ten(d);
        sack(&mut fx, ms(20), 0, &[(1, 2)]);
        sack(&mut fx, ms(20), 0, &[(1, 3)]);
        assert_eq!(segs(&sack(&mut fx, ms(20), 0, &[(1, 4)])), [0]);
        assert_eq!(
            segs(&sack(&mut fx, ms(21), 0, &[(1, 10)])),
            [10, 11, 12, 13]
        );
        let out = segs(&sack(&mut fx, ms(40), 0, &[(1, 11)]));
        if d == D::NONE {
            assert_eq!(
                out,
                [14],
                "RFC 6675: new data, the lost retransmission waits"
            );
        } else {
            // Pipe was 11–13 plus the retransmission of 0; without it, 3 of cwnd 5.
            assert_eq!(
                out,
                [0, 14],
                "ns-3: the retransmission sent before 10 is lost, and out of pipe"
            );
            assert_eq!(fx.c.stats().timeouts, 0);
        }
    }
}

/// B: segments 0 and 4 lost. Recovery resends 0 (cwnd = 5); with 5 SACKed too pipe is 6,
/// then the partial ACK of 0's retransmission (SND.UNA = 4) leaves pipe = cwnd = 5: RFC 6675
/// sends nothing; ns-3's partial ACK sends one segment outside the window (`DoRetransmit`:
/// 4 is not lost by `IsLost`, so new data, 10).
#[test]
fn b_partial_ack_sends_one_segment() {
    for d in [D::NONE, D::PARTIAL_ACK_RETRANSMIT] {
        let mut fx = ten(d);
        sack(&mut fx, ms(20), 0, &[(1, 2)]);
        sack(&mut fx, ms(20), 0, &[(1, 3)]);
        assert_eq!(segs(&sack(&mut fx, ms(20), 0, &[(1, 4)])), [0]);
        assert!(sack(&mut fx, ms(21), 0, &[(5, 6), (1, 4)]).is_empty());
        let out = segs(&sack(&mut fx, ms(30), 4, &[(5, 6)]));
        assert!(fx.c.in_recovery(), "partial ACK");
        if d == D::NONE {
            assert!(out.is_empty(), "RFC 6675: pipe = cwnd, nothing: {out:?}");
        } else {
            assert_eq!(out, [10], "ns-3: one segment outside the window");
        }
    }
}

/// E: segment 2 lost, the ACKs of 1 and 4 lost. 3 arrives (duplicate ACK 1, SACK 3), then 5
/// (ACK 2 — it advances SND.UNA — SACKing 3–5). RFC 5681's duplicate count restarts on an
/// ACK of new data, and netsim enters recovery only on a duplicate; ns-3 counts the ACK as a
/// duplicate (new SACK information) and enters at once since `IsLost(2)` holds.
#[test]
fn e_recovery_on_an_ack_that_advances_and_sacks() {
    for d in [D::NONE, D::SACK_DUPACKS] {
        let mut fx = ten(d);
        sack(&mut fx, ms(20), 1, &[]);
        sack(&mut fx, ms(20), 1, &[(3, 4)]);
        let out = segs(&sack(&mut fx, ms(21), 2, &[(3, 6)]));
        if d == D::NONE {
            assert!(!fx.c.in_recovery(), "RFC: not a duplicate ACK");
            assert!(!out.contains(&2), "{out:?}");
            let out = segs(&sack(&mut fx, ms(22), 2, &[(3, 7)]));
            assert!(fx.c.in_recovery(), "the next duplicate, with IsLost(2)");
            assert_eq!(out[0], 2);
        } else {
            assert!(
                fx.c.in_recovery(),
                "ns-3: a duplicate with IsLost(HighACK + 1)"
            );
            assert_eq!(out[0], 2, "{out:?}");
        }
    }
}

/// `no-rescue`: the situation of RFC 6675 `NextSeg` rule 4 (0 and 9 lost, SACKs up to 6,
/// sack_recovery.rs `next_seg_rule_4_rescue_retransmission`): netsim sends the rescue
/// retransmission of 9, ns-3 nothing.
#[test]
fn no_rescue_retransmission() {
    for d in [D::NONE, D::NO_RESCUE] {
        let mut fx = established(cfg(d));
        fx.c.write(10 * u64::from(MSS));
        assert_eq!(fx.drain(ms(10)).len(), 10);
        sack(&mut fx, ms(20), 0, &[(1, 2)]);
        sack(&mut fx, ms(20), 0, &[(1, 3)]);
        assert_eq!(segs(&sack(&mut fx, ms(20), 0, &[(1, 4)])), [0]);
        sack(&mut fx, ms(20), 0, &[(1, 5)]);
        sack(&mut fx, ms(20), 0, &[(1, 6)]);
        let out = segs(&sack(&mut fx, ms(20), 0, &[(1, 7)]));
        let want: &[u32] = if d == D::NONE { &[9] } else { &[] };
        assert_eq!(out, want, "{d:?}");
    }
}

/// F: outside recovery a duplicate ACK that SACKs one segment frees one segment of pipe:
/// ns-3 sends new data at once; RFC 5681 keeps FlightSize ≤ cwnd (netsim has no Limited
/// Transmit).
#[test]
fn f_send_by_pipe_outside_recovery() {
    for (d, want) in [(D::NONE, vec![]), (D::SEND_BY_PIPE, vec![10])] {
        let mut fx = ten(d);
        let out = segs(&sack(&mut fx, ms(20), 0, &[(1, 2)]));
        assert!(!fx.c.in_recovery());
        assert_eq!(out, want, "{d:?}");
    }
}

/// `growth-on-recovery-exit`: segment 0 of ten is lost, three SACKs start recovery
/// (ssthresh = FlightSize/2 = 5 segments, cwnd = ssthresh); the ACK of all ten ends it. RFC
/// 6675 §5 / RFC 6937 leave cwnd = ssthresh; ns-3 then grows it once as in CA_OPEN
/// (`tcp-socket-base.cc:2349-2363`): NewReno's SMSS²/cwnd = 1448²/7240 = 289 bytes (RFC 5681
/// eq. 3 here; ns-3's ⌊SMSS²/cwnd⌋ with `newreno-per-ack`, the same 289).
#[test]
fn growth_on_the_ack_that_ends_recovery() {
    for (d, cwnd) in [
        (D::NONE, 5 * MSS),
        (D::GROWTH_ON_RECOVERY_EXIT, 5 * MSS + 289),
        (
            D::GROWTH_ON_RECOVERY_EXIT.with(D::NEWRENO_PER_ACK),
            5 * MSS + 289,
        ),
    ] {
        let mut fx = ten(d);
        sack(&mut fx, ms(20), 0, &[(1, 2)]);
        sack(&mut fx, ms(20), 0, &[(1, 3)]);
        sack(&mut fx, ms(20), 0, &[(1, 4)]);
        assert!(fx.c.in_recovery(), "{d:?}");
        assert_eq!((fx.c.cwnd(), fx.c.ssthresh()), (5 * MSS, 5 * MSS), "{d:?}");
        sack(&mut fx, ms(30), 10, &[]);
        assert!(!fx.c.in_recovery(), "{d:?}: full ACK ends recovery");
        assert_eq!(fx.c.cwnd(), cwnd, "{d:?}");
    }
}

/// The same exit with CUBIC and `cubic-segments`: ns-3's `IncreaseWindow(segsAcked = 10)`
/// after cwnd = ssthresh = ⌊10·0.7⌋ = 7 segments starts the epoch (K = ∛(3/0.4) s) and adds
/// the ten segments to `m_cWndCnt`; `cnt` = ⌊7/(8 − 7)⌋ = 7 ≤ 10, so cwnd grows one SMSS to
/// 8 segments and three segments stay counted. Without the departure cwnd stays 7 segments.
#[test]
fn cubic_segments_growth_on_the_ack_that_ends_recovery() {
    let cubic = |d: D| TcpConfig {
        variant: CcVariant::Cubic,
        hystart: false,
        ..cfg(d)
    };
    let both = D::GROWTH_ON_RECOVERY_EXIT.with(D::CUBIC_SEGMENTS);
    for (d, cwnd) in [(D::CUBIC_SEGMENTS, 7 * MSS), (both, 8 * MSS)] {
        let mut fx = established(cubic(d));
        fx.c.write(1000 * u64::from(MSS));
        assert_eq!(fx.drain(ms(10)).len(), 10);
        sack(&mut fx, ms(20), 0, &[(1, 2)]);
        sack(&mut fx, ms(20), 0, &[(1, 3)]);
        sack(&mut fx, ms(20), 0, &[(1, 4)]);
        assert_eq!(fx.c.ssthresh(), 7 * MSS, "{d:?}: ⌊10 × 0.7⌋ segments");
        sack(&mut fx, ms(30), 10, &[]);
        assert!(!fx.c.in_recovery(), "{d:?}");
        assert_eq!(fx.c.cwnd(), cwnd, "{d:?}");
    }
}

/// `rxt-across-recoveries`: segment 0 of ten is lost and recovery begins (RecoveryPoint 10);
/// new data goes out while SACKs arrive and its segment 10 is lost too, so rule 1 resends 10
/// within this recovery. The ACK of 0–9 ends the recovery and the next SACK (E: IsLost(10))
/// starts the next one, with 10's retransmission still in flight. RFC 6675 §5 (4.1) restarts HighRxt
/// at HighACK = 10 and resends 10 at once; ns-3 keeps its `m_retrans` and sends new data.
#[test]
fn retransmission_kept_across_back_to_back_recoveries() {
    let e = D::SACK_DUPACKS;
    for (d, resent) in [(e, true), (e.with(D::RXT_ACROSS_RECOVERIES), false)] {
        let mut fx = ten(d);
        sack(&mut fx, ms(20), 0, &[(1, 2)]);
        sack(&mut fx, ms(20), 0, &[(1, 3)]);
        assert_eq!(segs(&sack(&mut fx, ms(20), 0, &[(1, 4)])), [0], "{d:?}");
        let mut out = Vec::new();
        for hi in 5..=10 {
            out.extend(segs(&sack(&mut fx, ms(21), 0, &[(1, hi)])));
        }
        assert!(out.contains(&10), "{d:?}: new data in recovery: {out:?}");
        let mut rtx = Vec::new();
        for hi in 12..=14 {
            rtx.extend(segs(&sack(&mut fx, ms(22), 0, &[(11, hi), (1, 10)])));
        }
        assert!(rtx.contains(&10), "{d:?}: 10 is lost and resent: {rtx:?}");
        assert!(fx.c.in_recovery());
        let mut next = segs(&sack(&mut fx, ms(30), 10, &[(11, 15)]));
        assert!(!fx.c.in_recovery(), "{d:?}: the full ACK ends the recovery");
        next.extend(segs(&sack(&mut fx, ms(30), 10, &[(11, 16)])));
        assert!(
            fx.c.in_recovery(),
            "{d:?}: the next SACK starts the next one"
        );
        assert_eq!(next.contains(&10), resent, "{d:?}: {next:?}");
    }
}

/// F at the end of a recovery (R7's sender queue, docs/ns3-comparison.md): segment 0 of ten is
/// lost; with F the first two SACKs release 10 and 11, so RecoveryPoint is 12 (10 without).
/// In recovery 12 and 13 go out, 10–12 are lost (13–15 SACKed above them) and resent with 16.
/// The ACK of 12 ends the recovery with 12's retransmission and 16 outstanding and cwnd 5.
/// RFC 5681 sends nothing (FlightSize 17 − 12 = 5); ns-3's pipe counts 12's retransmission
/// (`m_retrans` outlives the recovery) and 16: 3 new segments. RFC 6675's HighRxt, reset to
/// SND.UNA outside recovery, would count 16 alone and send 4.
#[test]
fn f_pipe_keeps_the_last_recoverys_retransmissions() {
    let e = D::SACK_DUPACKS;
    for (d, want) in [(e, vec![]), (e.with(D::SEND_BY_PIPE), vec![17, 18, 19])] {
        let mut fx = ten(d);
        for hi in 2..=4 {
            sack(&mut fx, ms(20), 0, &[(1, hi)]);
        }
        assert!(fx.c.in_recovery(), "{d:?}");
        let mut out = Vec::new();
        for hi in 5..=10 {
            out.extend(segs(&sack(&mut fx, ms(21), 0, &[(1, hi)])));
        }
        assert!(
            out.ends_with(&[12, 13]),
            "{d:?}: new data in recovery: {out:?}"
        );
        let mut rtx = Vec::new();
        for hi in 14..=16 {
            rtx.extend(segs(&sack(&mut fx, ms(22), 0, &[(13, hi), (1, 10)])));
        }
        assert_eq!(rtx, [14, 15, 10, 11, 12, 16], "{d:?}");
        let exit = segs(&sack(&mut fx, ms(30), 12, &[(13, 16)]));
        assert!(
            !fx.c.in_recovery(),
            "{d:?}: the ACK of 12 ends the recovery"
        );
        assert_eq!(fx.c.cwnd(), 5 * MSS, "{d:?}");
        assert_eq!(exit, want, "{d:?}");
    }
}

/// `cwnd-limited`: a CUBIC sender with 10 segments of cwnd and only 2 to send is not
/// cwnd-limited (10 ≥ 2 + 1 segments in flight after the last send), so with the departure an
/// ACK of both leaves cwnd alone, as ns-3's `TcpCubic::IncreaseWindow` (`tcp-cubic.cc:193`).
/// Without it netsim's own RFC 9438 §5.8 rule decides (`cwnd_use.rs`): it holds too (Linux's
/// slow-start allowance ends at 2 × 2 < 10 segments), and with `hold_when_app_limited = false`
/// slow start adds the 2 acknowledged segments (RFC 5681 §3.1). A sender that fills its window
/// is cwnd-limited and grows every way (by 2 segments for an ACK of 10: the default byte
/// counting's limit L = 2 SMSS, RFC 3465).
#[test]
fn cwnd_limited_holds_cubic_when_the_window_is_not_used() {
    for (d, hold, writes, grown) in [
        (D::CWND_LIMITED, None, 2, 0),
        (D::CWND_LIMITED, Some(false), 2, 0),
        (D::NONE, None, 2, 0),
        (D::NONE, Some(false), 2, 2),
        (D::CWND_LIMITED, None, 100, 2),
        (D::NONE, None, 100, 2),
        (D::NONE, Some(false), 100, 2),
    ] {
        let mut fx = established(TcpConfig {
            variant: CcVariant::Cubic,
            hystart: false,
            initial_cwnd: 10,
            hold_when_app_limited: hold,
            ..cfg(d)
        });
        fx.c.write(writes * u64::from(MSS));
        let sent = fx.drain(ms(10)).len() as u32;
        assert_eq!(sent, (writes as u32).min(10), "{d:?}");
        let before = fx.c.cwnd();
        sack(&mut fx, ms(20), sent, &[]);
        assert_eq!(
            fx.c.cwnd(),
            before + grown * MSS,
            "{d:?}, hold {hold:?}, {writes} segments written"
        );
    }
}
