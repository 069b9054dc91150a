//! Two-endpoint tests of SACK loss recovery (RFC 2018, RFC 6675, RFC 6937) on the harness of
//! `harness.rs`.

use proptest::prelude::*;
use sim_core::{DataRate, RngStreams, SimTime};

use super::harness::{DropFn, Harness, Path};
use super::{TcpConfig, TcpEvent};
use crate::wire::{SeqNum, TcpRepr};

const MSS: u32 = 1448;

fn ms(v: u64) -> SimTime {
    SimTime::from_ms(v)
}

/// 5 ms each way at 1 Gbit/s: RTT ≈ 10 ms.
fn lan() -> Path {
    Path::new(ms(5), DataRate::gbps(1))
}

fn sack() -> TcpConfig {
    TcpConfig {
        sack: true,
        ..TcpConfig::default()
    }
}

/// Retransmissions in a client trace: (time, data offset) of every segment whose first byte
/// was sent before.
pub(super) fn retransmissions(
    sent: &[(SimTime, TcpRepr, u32)],
    iss: SeqNum,
) -> Vec<(SimTime, u32)> {
    let mut top = iss + 1;
    let mut out = vec![];
    for &(t, seg, len) in sent {
        if len == 0 {
            continue;
        }
        if seg.seq < top {
            out.push((t, (seg.seq - (iss + 1)) as u32));
        } else {
            top = seg.seq + len;
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// With SACK (and PRR, RACK-TLP, timestamps, delayed ACKs in any combination) under Bernoulli loss
    /// of 0–10 % both ways, every byte written is delivered exactly once and in order (the
    /// receiver's in-order deliveries total `n`) and both ends close.
    #[test]
    fn sack_delivers_exactly_once_under_random_loss(
        loss in 0.0f64..0.10,
        seed in any::<u64>(),
        n in 1u64..400_000,
        iss in any::<u32>(),
        prr in any::<bool>(),
        rack_tlp in any::<bool>(),
        timestamps in any::<bool>(),
        delayed_ack in any::<bool>(),
    ) {
        let cfg = TcpConfig { prr, rack_tlp, timestamps, delayed_ack, ..sack() };
        let rng = RngStreams::new(seed);
        let mut ab_rng = rng.stream("path/ab");
        let mut ba_rng = rng.stream("path/ba");
        let ab = lan().with_drop(Box::new(move |_, _, _| ab_rng.bernoulli(loss)));
        let ba = lan().with_drop(Box::new(move |_, _, _| ba_rng.bernoulli(loss)));
        let mut h = Harness::new(cfg, SeqNum(iss), cfg, SeqNum(iss ^ 0x5555_5555), ab, ba);
        prop_assert_eq!(h.a.write(n), n, "write accepted");
        h.a.close();
        let done = h.run_until(SimTime::from_secs(3600), Harness::both_closed);
        prop_assert!(done, "both closed");
        prop_assert!(h.a.sack_ok(), "SACK negotiated (the SYN got through eventually)");
        prop_assert_eq!(h.b_delivered, n, "delivered exactly once, in order");
        prop_assert_eq!(h.b().stats().bytes_delivered, n, "receiver count");
    }
}

/// Drops data segments 40, 45 and 50 (in transmission order) of a 200-segment transfer.
fn three_losses() -> DropFn {
    Box::new(|info, _, _| matches!(info.data_index, Some(40 | 45 | 50)))
}

/// Three losses in one window: with SACK the three holes are retransmitted within one round
/// trip of each other (RFC 6675 NextSeg rule 1 finds each hole as soon as IsLost holds), and
/// the whole recovery takes about one RTT; NewReno learns of each hole from a partial ACK and
/// needs one RTT per loss, three in all. Asserted on the client's segment trace.
#[test]
fn three_losses_one_round_trip_not_three() {
    let run = |cfg: TcpConfig| {
        let mut h = Harness::new(
            cfg,
            SeqNum(1),
            cfg,
            SeqNum(9),
            lan().with_drop(three_losses()),
            lan(),
        );
        h.trace_segments = true;
        h.a.write(200 * u64::from(MSS));
        let done = h.run_until(SimTime::from_secs(10), |h| {
            h.a_event_time(TcpEvent::AllAcked).is_some()
        });
        assert!(done, "completes");
        let st = *h.a.stats();
        assert_eq!(
            (st.timeouts, st.fast_retransmits),
            (0, 1),
            "one recovery, no RTO"
        );
        let rtx = retransmissions(&h.a_sent, SeqNum(1));
        let offsets: Vec<u32> = rtx.iter().map(|r| r.1 / MSS).collect();
        assert_eq!(offsets, [40, 45, 50], "exactly the three lost segments");
        rtx.last().unwrap().0 - rtx[0].0
    };
    let with_sack = run(sack());
    let newreno = run(TcpConfig::default());
    eprintln!("retransmission span: SACK {with_sack}, NewReno {newreno}");
    assert!(
        with_sack < ms(10),
        "SACK: all three within one RTT: {with_sack}"
    );
    assert!(
        newreno >= ms(19),
        "NewReno: one RTT per hole, ≥ 2 RTT between first and last: {newreno}"
    );
}

/// A burst of 20 segments whose last two are lost (seed 002's tail loss). With RACK-TLP the
/// probe timeout fires 2·SRTT after the last ACK (two segments in flight: no delayed-ACK
/// allowance), the probe retransmits the last segment, its SACK lets RACK mark the other one
/// lost, and the burst is complete without a timeout, long before the 200 ms RTO; with SACK
/// alone only the RTO repairs it (RFC 8985 §7).
#[test]
fn tail_loss_repaired_by_tlp_without_rto() {
    let drop: fn() -> DropFn = || Box::new(|info, _, _| matches!(info.data_index, Some(18 | 19)));
    let run = |cfg: TcpConfig| {
        let mut h = Harness::new(
            cfg,
            SeqNum(1),
            cfg,
            SeqNum(9),
            lan().with_drop(drop()),
            lan(),
        );
        h.trace_segments = true;
        h.a.write(20 * u64::from(MSS));
        let done = h.run_until(SimTime::from_secs(10), |h| {
            h.a_event_time(TcpEvent::AllAcked).is_some()
        });
        assert!(done, "completes");
        h
    };
    let tlp_cfg = TcpConfig {
        rack_tlp: true,
        ..sack()
    };
    let h = run(tlp_cfg);
    let st = *h.a.stats();
    assert_eq!((st.timeouts, st.tlp_probes), (0, 1), "one probe, no RTO");
    let rtx = retransmissions(&h.a_sent, SeqNum(1));
    let offsets: Vec<u32> = rtx.iter().map(|r| r.1 / MSS).collect();
    assert_eq!(
        offsets,
        [19, 18],
        "the probe resends the last segment, RACK the other"
    );
    // The last ACK of new data before the probe: segment 17's, about one RTT after the burst.
    let srtt = h.a.srtt().expect("sampled");
    let probe_at = rtx[0].0;
    let burst_end = h.a_sent[19].0;
    let last_ack = burst_end + ms(10);
    assert!(
        probe_at <= last_ack + srtt * 2 + ms(1),
        "probe within 2·SRTT of the last ACK: probe at {probe_at}, last ACK ≈ {last_ack}, SRTT {srtt}"
    );
    let done = h.a_event_time(TcpEvent::AllAcked).unwrap();
    let plain = run(sack());
    assert_eq!(
        plain.a.stats().timeouts,
        1,
        "without TLP the RTO repairs it"
    );
    let plain_done = plain.a_event_time(TcpEvent::AllAcked).unwrap();
    eprintln!("TLP: probe {probe_at}, done {done}; RTO: done {plain_done}");
    assert!(
        done + ms(100) < plain_done,
        "TLP finishes well before the RTO would"
    );
}
