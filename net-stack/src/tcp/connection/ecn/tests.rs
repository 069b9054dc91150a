//! RFC 3168 §6.1 and RFC 8257 §3.2 step by step, between two connections.

use sim_core::SimTime;

use crate::tcp::{ALPHA_ONE, CcVariant, Dctcp, Ecn, TcpConfig, TcpConnection, Transmit};
use crate::wire::{SeqNum, TcpFlags};

const MSS: u32 = 1448;

fn ms(v: u64) -> SimTime {
    SimTime::from_ms(v)
}

fn ecn_cfg(variant: CcVariant, delayed_ack: bool) -> TcpConfig {
    TcpConfig {
        variant,
        ecn: true,
        delayed_ack,
        ..TcpConfig::default()
    }
}

fn out(c: &mut TcpConnection, now: SimTime) -> Vec<Transmit> {
    std::iter::from_fn(|| c.poll_transmit(now)).collect()
}

/// Delivers `segs` to `to`, the ones whose index is in `ce` marked CE on the way.
fn deliver(to: &mut TcpConnection, now: SimTime, segs: &[Transmit], ce: &[usize]) {
    for (i, t) in segs.iter().enumerate() {
        let ecn = if ce.contains(&i) { Ecn::Ce } else { t.ip.ecn };
        to.handle_segment(now, &t.repr, t.payload_len, ecn);
    }
}

/// Delivers `segs` one at a time (CE on the indices in `ce`), collecting the answers to each.
fn exchange(
    to: &mut TcpConnection,
    now: SimTime,
    segs: &[Transmit],
    ce: &[usize],
) -> Vec<Transmit> {
    let mut acks = vec![];
    for (i, t) in segs.iter().enumerate() {
        let mark: &[usize] = if ce.contains(&i) { &[0] } else { &[] };
        deliver(to, now, std::slice::from_ref(t), mark);
        acks.extend(out(to, now));
    }
    acks
}

/// A handshake at t = 0 with a 10 ms RTT; returns (client, server) and the SYN and SYN-ACK.
fn pair(a_cfg: TcpConfig, b_cfg: TcpConfig) -> (TcpConnection, TcpConnection, Transmit, Transmit) {
    let mut a = TcpConnection::connect(SimTime::ZERO, &a_cfg, 5000, 80, SeqNum(100));
    let syn = a.poll_transmit(SimTime::ZERO).expect("SYN");
    let mut b = TcpConnection::accept(SimTime::ZERO, &b_cfg, &syn.repr, SeqNum(9000));
    let synack = b.poll_transmit(SimTime::ZERO).expect("SYN-ACK");
    a.handle_segment(ms(10), &synack.repr, 0, synack.ip.ecn);
    let acks = out(&mut a, ms(10));
    deliver(&mut b, ms(10), &acks, &[]);
    (a, b, syn, synack)
}

fn has(t: &Transmit, f: TcpFlags) -> bool {
    t.repr.flags.contains(f)
}

/// §6.1.1: an ECN-setup SYN carries ECE + CWR, the SYN-ACK ECE only, neither is ECT; both
/// ends then agree. If one end does not want ECN neither uses it, and data stays Not-ECT.
#[test]
fn negotiation() {
    let cfg = ecn_cfg(CcVariant::NewReno, false);
    let (a, b, syn, synack) = pair(cfg, cfg);
    assert!(has(&syn, TcpFlags::ECE | TcpFlags::CWR), "ECN-setup SYN");
    assert!(
        has(&synack, TcpFlags::ECE) && !has(&synack, TcpFlags::CWR),
        "SYN-ACK"
    );
    assert_eq!(
        (syn.ip.ecn, synack.ip.ecn),
        (Ecn::NotEct, Ecn::NotEct),
        "§6.1.1"
    );
    assert!(a.ecn_negotiated() && b.ecn_negotiated(), "agreed");
    let (mut a, b, _, synack) = pair(cfg, TcpConfig::default());
    assert!(!has(&synack, TcpFlags::ECE), "the peer declines");
    assert!(!a.ecn_negotiated() && !b.ecn_negotiated(), "not agreed");
    a.write(u64::from(MSS));
    let data = out(&mut a, ms(20));
    assert_eq!(data[0].ip.ecn, Ecn::NotEct, "no ECT without agreement");
    let (a, _, syn, _) = pair(TcpConfig::default(), cfg);
    assert!(
        !has(&syn, TcpFlags::ECE) && !a.ecn_negotiated(),
        "not offered"
    );
}

/// §6.1.3: after a CE data segment every ACK carries ECE, also when later segments are not
/// marked, until a segment with CWR arrives; the CWR segment itself marked CE re-arms it.
#[test]
fn ce_echoed_until_cwr() {
    let cfg = ecn_cfg(CcVariant::NewReno, false);
    let (mut a, mut b, _, _) = pair(cfg, cfg);
    a.write(100 * u64::from(MSS));
    let data = out(&mut a, ms(20));
    assert_eq!(data.len(), 10, "initial window");
    assert!(data.iter().all(|t| t.ip.ecn == Ecn::Ect0), "ECT(0) on data");
    deliver(&mut b, ms(25), &data[..2], &[]);
    let acks = out(&mut b, ms(25));
    assert!(acks.iter().all(|t| !has(t, TcpFlags::ECE)), "no CE yet");
    assert!(
        acks.iter().all(|t| t.ip.ecn == Ecn::NotEct),
        "pure ACKs Not-ECT"
    );
    deliver(&mut b, ms(25), &data[2..3], &[0]);
    deliver(&mut b, ms(25), &data[3..10], &[]);
    let acks = out(&mut b, ms(25));
    assert!(
        !acks.is_empty() && acks.iter().all(|t| has(t, TcpFlags::ECE)),
        "ECE latched"
    );
    assert_eq!(b.stats().ce_received, 1, "one CE");
    deliver(&mut a, ms(30), &acks, &[]);
    assert_eq!(a.stats().ecn_reductions, 1, "the sender reduced once");
    let next = out(&mut a, ms(30));
    assert!(
        has(&next[0], TcpFlags::CWR),
        "CWR on the first new data segment"
    );
    assert!(
        next[1..].iter().all(|t| !has(t, TcpFlags::CWR)),
        "only there"
    );
    deliver(&mut b, ms(35), &next[..1], &[]);
    let acks = out(&mut b, ms(35));
    assert!(
        acks.iter().all(|t| !has(t, TcpFlags::ECE)),
        "CWR stops the echo"
    );
    deliver(&mut b, ms(36), &next[1..2], &[0]);
    let acks = out(&mut b, ms(36));
    assert!(
        acks.iter().all(|t| has(t, TcpFlags::ECE)),
        "new CE: echo again"
    );
    assert_eq!(a.stats().cwr_sent, 1, "one CWR");
    assert!(b.stats().ece_sent >= 2, "echoes counted");
}

/// §6.1.2: ECE is answered once per window — the first ECE halves the window (NewReno:
/// ssthresh = FlightSize/2, cwnd = ssthresh), later ECEs for the same window change nothing,
/// cwnd does not grow until that window is acknowledged, and an ECE after it reduces again.
#[test]
fn once_per_window_reduction() {
    let cfg = ecn_cfg(CcVariant::NewReno, false);
    let (mut a, mut b, _, _) = pair(cfg, cfg);
    a.write(1000 * u64::from(MSS));
    let data = out(&mut a, ms(20));
    let acks = exchange(&mut b, ms(25), &data, &[0]);
    assert_eq!(acks.len(), 10, "one ACK per segment");
    deliver(&mut a, ms(30), &acks[..1], &[]);
    assert_eq!(a.stats().ecn_reductions, 1, "first ECE");
    // That ACK left 9 segments in flight (slow start grew cwnd first).
    assert_eq!(
        (a.ssthresh(), a.cwnd()),
        (9 * MSS / 2, 9 * MSS / 2),
        "FlightSize / 2"
    );
    deliver(&mut a, ms(30), &acks[1..], &[]);
    assert_eq!(
        a.stats().ecn_reductions,
        1,
        "same window: no second reduction"
    );
    assert_eq!(a.stats().ece_received, 10, "all ECEs seen");
    assert_eq!(a.cwnd(), 9 * MSS / 2, "no growth in the reduction window");
    // The window of the reduction ends once SND.UNA passes the SND.MAX it recorded.
    let next = out(&mut a, ms(30));
    assert_eq!(
        next.len(),
        4,
        "4.5 segments of cwnd, nothing in flight: 4 full ones"
    );
    assert!(has(&next[0], TcpFlags::CWR), "CWR");
    let acks = exchange(&mut b, ms(35), &next, &[]);
    assert!(
        acks.iter().all(|t| !has(t, TcpFlags::ECE)),
        "CWR ended the echo"
    );
    deliver(&mut a, ms(40), &acks, &[]);
    assert_eq!(a.stats().ecn_reductions, 1, "no new reduction");
    assert!(a.cwnd() > 5 * MSS, "growth resumes after the window");
    let more = out(&mut a, ms(40));
    let acks = exchange(&mut b, ms(45), &more, &[0]);
    deliver(&mut a, ms(50), &acks, &[]);
    assert_eq!(a.stats().ecn_reductions, 2, "a new window: a new reduction");
}

/// RFC 3168 §6.1.5: a retransmission is Not-ECT (classic ECN); DCTCP keeps ECT(0).
#[test]
fn retransmissions_not_ect() {
    for (variant, want) in [
        (CcVariant::NewReno, Ecn::NotEct),
        (CcVariant::Dctcp, Ecn::Ect0),
    ] {
        let cfg = ecn_cfg(variant, false);
        let (mut a, _b, _, _) = pair(cfg, cfg);
        a.write(10 * u64::from(MSS));
        let _ = out(&mut a, ms(20));
        let rto = a.poll_timeout().expect("RTO");
        a.handle_timeout(rto);
        let again = out(&mut a, rto);
        assert_eq!(again[0].ip.ecn, want, "{variant:?}");
    }
}

/// DCTCP sends every segment ECT(0), SYNs included (Linux, ns-3), so a marker never drops
/// them. RFC 8257 §3.2: the DCTCP receiver echoes the CE state of the last data segment; with
/// delayed ACKs, a change of that state sends at once an ACK for the data before the change
/// with the old ECE, and the delayed-ACK count restarts.
#[test]
fn dctcp_receiver_ce_change() {
    let cfg = ecn_cfg(CcVariant::Dctcp, true);
    let (mut a, mut b, syn, synack) = pair(cfg, cfg);
    assert_eq!(
        (syn.ip.ecn, synack.ip.ecn),
        (Ecn::Ect0, Ecn::Ect0),
        "DCTCP: all ECT"
    );
    assert!(b.ecn_negotiated(), "DCTCP implies ECN");
    let ack = b.poll_transmit(ms(20));
    assert!(ack.is_none(), "nothing owed yet");
    a.write(100 * u64::from(MSS));
    let data = out(&mut a, ms(20));
    let seq = |i: usize| data[i].repr.seq;
    deliver(&mut b, ms(25), &data[..1], &[]);
    assert!(out(&mut b, ms(25)).is_empty(), "delayed");
    deliver(&mut b, ms(25), &data[1..2], &[0]);
    let acks = out(&mut b, ms(25));
    assert_eq!(
        acks.len(),
        1,
        "the owed ACK only: segment 1 starts a new count"
    );
    assert_eq!(
        acks[0].repr.ack,
        seq(1),
        "acknowledges the data before the change"
    );
    assert!(!has(&acks[0], TcpFlags::ECE), "with the old state (no CE)");
    deliver(&mut b, ms(25), &data[2..3], &[0]);
    let acks = out(&mut b, ms(25));
    assert_eq!(acks.len(), 1, "second segment of the count");
    assert_eq!(acks[0].repr.ack, seq(3), "both CE segments");
    assert!(has(&acks[0], TcpFlags::ECE), "CE state 1");
    deliver(&mut b, ms(25), &data[3..4], &[0]);
    deliver(&mut b, ms(25), &data[4..5], &[]);
    let acks = out(&mut b, ms(25));
    assert_eq!(acks.len(), 1, "the change to 0 flushes segment 3 with ECE");
    assert_eq!(acks[0].repr.ack, seq(4), "up to segment 3");
    assert!(has(&acks[0], TcpFlags::ECE), "old state 1");
}

/// RFC 8257 §3.3 with duplicate ACKs: α counts the bytes every ACK delivers, a duplicate ACK
/// included (Linux's `dctcp_update_alpha` over `tcp_sock.delivered`), each byte once. Ten
/// segments out; segment 1 is lost; 2–4 arrive CE-marked, 5–9 unmarked, so the only ECEs ride
/// on duplicate ACKs (the DCTCP receiver mirrors the CE state). The ACK of segment 0 opens
/// the observation window (Window_End = SND.MAX = segment 10); the retransmission of 1 is
/// acknowledged up to 10, which delivers one new segment (2–9 were delivered by the
/// duplicates), and the ACK of segment 10 passes Window_End: acked = 1 + 3 + 5 + 1 + 1 = 11
/// segments, marked 3, α = 15/16 + 3/11 · 1/16 — with and without SACK. Counting SND.UNA's
/// movement alone, the marked bytes would be 0 (α = 15/16).
#[test]
fn dctcp_alpha_counts_duplicate_acks() {
    for sack in [false, true] {
        let cfg = TcpConfig {
            sack,
            ..ecn_cfg(CcVariant::Dctcp, false)
        };
        let (mut a, mut b, _, _) = pair(cfg, cfg);
        a.write(40 * u64::from(MSS));
        let first = out(&mut a, ms(10));
        assert_eq!(first.len(), 10, "initial window");
        let base = first[0].repr.seq;
        let mut later = vec![];
        // Delivers data segment `t` to b (CE if `ce`) and b's answers to a.
        let mut step =
            |a: &mut TcpConnection, t: &Transmit, ce: bool, later: &mut Vec<Transmit>| {
                let ecn = if ce { Ecn::Ce } else { t.ip.ecn };
                b.handle_segment(ms(15), &t.repr, t.payload_len, ecn);
                while let Some(ack) = b.poll_transmit(ms(15)) {
                    let blocks = if ack.repr.options.sack.block_count() > 0 {
                        b.sent_sack().to_vec()
                    } else {
                        vec![]
                    };
                    a.handle_segment_sack(ms(20), &ack.repr, 0, ack.ip.ecn, &blocks);
                    later.extend(out(a, ms(20)));
                }
            };
        step(&mut a, &first[0], false, &mut later);
        for (i, t) in first.iter().enumerate().skip(2) {
            step(&mut a, t, (2..=4).contains(&i), &mut later);
        }
        let st = *a.stats();
        assert_eq!(st.ece_received, 3, "ECE on three duplicate ACKs");
        assert_eq!(st.fast_retransmits, 1, "segment 1 resent");
        let rtx = later
            .iter()
            .find(|t| t.repr.seq == base + MSS)
            .expect("retransmission");
        let seg10 = later
            .iter()
            .find(|t| t.repr.seq == base + 10 * MSS)
            .expect("segment 10");
        let (rtx, seg10) = (*rtx, *seg10);
        let dctcp = |a: &TcpConnection| {
            let d = a.congestion_control().downcast_ref::<Dctcp>().unwrap();
            (d.alpha_fixed(), d.updates)
        };
        step(&mut a, &rtx, false, &mut later);
        assert_eq!(
            dctcp(&a),
            (ALPHA_ONE, 0),
            "SND.UNA = Window_End: no update yet"
        );
        step(&mut a, &seg10, false, &mut later);
        let want = ALPHA_ONE - (ALPHA_ONE >> 4) + ((3u64 << 16) / 11) as u32;
        assert_eq!(dctcp(&a), (want, 1), "F = 3/11 (sack = {sack})");
    }
}
