//! Pre-copy against the analytic model, each stop condition, Early Notification, and
//! stop-and-copy, all over the scripted [`FakeLink`].

use sim_core::{ByteSize, RngStreams, SimTime};

use crate::config::{MigrationConfig, PrecopyConfig, StopAndCopyConfig, VmConfig};
use crate::memory::expected_dirty_pages;
use crate::migration::{Migration, MigrationEvent, StopReason};
use crate::test_link::{FakeLink, Outcome, run, run_until};

const PS: u64 = 4096;

fn vm(pages: u64, rate: u64, state: u64) -> VmConfig {
    VmConfig {
        memory: ByteSize(pages * PS),
        page_size: PS,
        dirty_rate: rate,
        hot_fraction: 0.0,
        state: ByteSize(state),
        ..VmConfig::default()
    }
}

fn precopy(vm: &VmConfig, cfg: PrecopyConfig, seed: u64, link: &FakeLink) -> Outcome {
    let rng = RngStreams::new(seed).stream("vm/test");
    let m = Migration::new(vm, &MigrationConfig::Precopy(cfg), rng).expect("valid config");
    run(m, link.clone())
}

/// The notes' worked example: V_mem = 262 144 pages, R = 32 000 pages/s, D = 6 400 pages/s,
/// V_thd = 50 pages.
fn worked_example() -> (VmConfig, PrecopyConfig, FakeLink) {
    let v = vm(262_144, 6_400, 0);
    let cfg = PrecopyConfig {
        stop_threshold: ByteSize(50 * PS),
        ..PrecopyConfig::default()
    };
    // 32 000 pages/s of 4096 B = 1 048 576 000 bit/s; a 1 µs RTT is "tiny".
    let link = FakeLink::new(32_000 * PS * 8, SimTime::from_us(1));
    (v, cfg, link)
}

/// The bitmap version of the analytic recursion, with this engine's stopping rule: round i+1
/// carries N·(1 − e^(−D·t_i/N)) pages, t_i = V_i/R (+RTT). Returns (total pages, total time s,
/// rounds).
fn bitmap_model(n: f64, d: f64, r: f64, rtt: f64, thd: f64) -> (f64, f64, usize) {
    let (mut v, mut total, mut time, mut rounds) = (n, 0.0, 0.0, 0);
    loop {
        total += v;
        let t = v / r + rtt;
        time += t;
        rounds += 1;
        let next = expected_dirty_pages(n as u64, 0.0, d * t);
        if next < thd {
            return (total + next, time + next / r + rtt, rounds + 1);
        }
        v = next;
    }
}

/// With no network bottleneck the migration time is within 5 % of the notes' closed form
/// (10.240 s, 327 676 pages, n = 6 so 7 rounds) and within 1 % of the bitmap recursion, over
/// several seeds; the final round is tiny (≈ 15 pages ≈ 0.5 ms).
#[test]
fn worked_example_matches_closed_form() {
    let (v, cfg, link) = worked_example();
    let (pages_model, time_model, rounds_model) =
        bitmap_model(262_144.0, 6_400.0, 32_000.0, 1e-6, 50.0);
    assert_eq!(rounds_model, 7);
    for seed in 0..5 {
        let r = precopy(&v, cfg, seed, &link).report;
        let t = r.total_time.expect("finished").as_secs_f64();
        let pages = (r.bytes_sent / PS) as f64;
        assert_eq!(
            r.bytes_sent, r.bytes_written,
            "seed {seed}: finished, so every byte written is acknowledged"
        );
        assert_eq!(r.stop_reason, Some(StopReason::Threshold), "seed {seed}");
        assert_eq!(r.rounds.len(), 7, "seed {seed}: n = 6 as in the notes");
        assert!(
            (t / 10.240 - 1.0).abs() < 0.05,
            "seed {seed}: T_mig {t} vs 10.240 s"
        );
        assert!(
            (pages / 327_676.0 - 1.0).abs() < 0.05,
            "seed {seed}: V_mig {pages}"
        );
        assert!(
            (t / time_model - 1.0).abs() < 0.01,
            "seed {seed}: {t} vs {time_model}"
        );
        assert!(
            (pages / pages_model - 1.0).abs() < 0.01,
            "seed {seed}: {pages} vs {pages_model}"
        );
        let down = r.downtime.expect("resumed");
        assert!(down < SimTime::from_ms(2), "seed {seed}: downtime {down}");
    }
}

/// Round i sends exactly the distinct pages dirtied during round i−1, and on average that is
/// N·(1 − e^(−D·t/N)) for the round's duration t (within 3 % over 8 seeds, rounds 1–3).
#[test]
fn rounds_send_previous_rounds_dirt() {
    let (v, cfg, link) = worked_example();
    let n = 262_144;
    let mut got = [0.0f64; 4];
    let mut want = [0.0f64; 4];
    for seed in 0..8 {
        let rounds = precopy(&v, cfg, seed, &link).report.rounds;
        for w in rounds.windows(2) {
            assert_eq!(
                w[1].pages_sent, w[0].pages_dirtied_during,
                "seed {seed} round {}",
                w[1].index
            );
        }
        for i in 1..4 {
            let prev = &rounds[i - 1];
            let t = (prev.end - prev.start).as_secs_f64();
            got[i] += rounds[i].pages_sent as f64;
            want[i] += expected_dirty_pages(n, 0.0, 6_400.0 * t);
        }
    }
    for i in 1..4 {
        assert!(
            (got[i] / want[i] - 1.0).abs() < 0.03,
            "round {i}: {} vs {}",
            got[i],
            want[i]
        );
    }
}

/// Pins our choice of last round (analytic, not Xen): every live round but the last left at
/// least the threshold dirty, the last left less, and the final round sends exactly that —
/// even though the last live round itself sent ≥ 50 pages, so Xen's "fewer than 50 pages sent
/// in this round" would have gone one more round.
#[test]
fn threshold_checks_next_round_not_this_one() {
    let (v, cfg, link) = worked_example();
    let r = precopy(&v, cfg, 11, &link).report;
    let (last_live, live) = r.rounds[..r.rounds.len() - 1]
        .split_last()
        .expect("live rounds");
    for round in live {
        assert!(
            round.pages_dirtied_during * PS >= cfg.stop_threshold.bytes(),
            "round {}",
            round.index
        );
    }
    assert!(last_live.pages_dirtied_during * PS < cfg.stop_threshold.bytes());
    assert!(
        last_live.pages_sent >= 50,
        "Xen would not stop yet: {}",
        last_live.pages_sent
    );
    let last = r.rounds.last().expect("final");
    assert_eq!(last.pages_sent, last_live.pages_dirtied_during);
    assert_eq!(
        last.pages_dirtied_during, 0,
        "the VM is paused in the final round"
    );
}

/// λ = 0: one round plus a final round with no pages and just the state; downtime is the
/// state's transfer plus one RTT.
#[test]
fn no_dirtying_two_rounds() {
    let link = FakeLink::new(1_000_000_000, SimTime::from_us(50));
    let r = precopy(&vm(1000, 0, 30_000), PrecopyConfig::default(), 1, &link).report;
    assert_eq!(r.rounds.len(), 2);
    assert_eq!((r.rounds[1].pages_sent, r.rounds[1].bytes), (0, 30_000));
    assert_eq!(r.stop_reason, Some(StopReason::Threshold));
    assert_eq!(r.downtime, Some(link.rate.tx_time(30_000) + link.rtt));
}

/// `max_rounds` = 3 with a threshold never reached and λ ≈ 0.5: two live rounds, then the
/// final one.
#[test]
fn stop_max_rounds() {
    let link = FakeLink::new(1_000_000_000, SimTime::from_us(50));
    let cfg = PrecopyConfig {
        max_rounds: 3,
        stop_threshold: ByteSize(0),
        ..PrecopyConfig::default()
    };
    let r = precopy(&vm(10_000, 15_000, 0), cfg, 1, &link).report;
    assert_eq!(r.stop_reason, Some(StopReason::MaxRounds));
    assert_eq!(r.rounds.len(), 3);
}

/// λ = 0.9 and a total cap of 1.5 × memory: round 0 sends 1.0×, round 1 another ≈ 0.59×, which
/// crosses the cap; the dirty rate (0.9 R) does not trigger.
#[test]
fn stop_max_total() {
    let r_pages = 30_000;
    let link = FakeLink::new(r_pages * PS * 8, SimTime::from_us(1));
    let cfg = PrecopyConfig {
        max_total_factor: 1.5,
        stop_threshold: ByteSize(0),
        ..PrecopyConfig::default()
    };
    let r = precopy(&vm(30_000, 27_000, 0), cfg, 1, &link).report;
    assert_eq!(r.stop_reason, Some(StopReason::MaxTotal));
    assert_eq!(r.rounds.len(), 3);
}

/// D = 2R: the first round measures writes·page > bytes sent, so iteration stops at once; with
/// the check off (non-adaptive Xen) the 3× rule ends it instead.
#[test]
fn stop_dirty_rate() {
    let link = FakeLink::new(10_000 * PS * 8, SimTime::from_us(1));
    let v = vm(10_000, 20_000, 0);
    let r = precopy(&v, PrecopyConfig::default(), 1, &link).report;
    assert_eq!(r.stop_reason, Some(StopReason::DirtyRate));
    assert_eq!(r.rounds.len(), 2);
    let cfg = PrecopyConfig {
        dirty_rate_check: false,
        ..PrecopyConfig::default()
    };
    let r = precopy(&v, cfg, 1, &link).report;
    assert_eq!(r.stop_reason, Some(StopReason::MaxTotal));
}

/// Early Notification vs baseline on a 1 ms RTT: round 1 starts exactly one RTT earlier; under
/// E-N each round starts when the previous one's last byte is transmitted, so the link never
/// idles and the total is Σ tx_time(round) + RTT, while the baseline pays an RTT per round.
#[test]
fn early_notification_saves_an_rtt_per_round() {
    let link = FakeLink::new(1_000_000_000, SimTime::from_ms(1));
    let v = vm(65_536, 5_000, 1_000_000);
    let base = precopy(&v, PrecopyConfig::default(), 4, &link);
    let en_cfg = PrecopyConfig {
        early_notification: true,
        ..PrecopyConfig::default()
    };
    let en = precopy(&v, en_cfg, 4, &link);
    let round0_tx = link.rate.tx_time(65_536 * PS);
    assert_eq!(base.report.rounds[1].start, round0_tx + link.rtt);
    assert_eq!(en.report.rounds[1].start, round0_tx, "E-N: RTT earlier");
    for (w, &(t, total)) in en.report.rounds.windows(2).zip(&en.transmitted) {
        assert_eq!(
            w[1].start, t,
            "round {} starts at the previous transmission end",
            w[1].index
        );
        assert_eq!(
            total,
            en.report.rounds[..w[1].index as usize]
                .iter()
                .map(|r| r.bytes)
                .sum::<u64>()
        );
    }
    let tx_sum = |o: &Outcome| {
        o.report
            .rounds
            .iter()
            .map(|r| link.rate.tx_time(r.bytes))
            .fold(SimTime::ZERO, |a, b| a + b)
    };
    assert_eq!(en.report.total_time, Some(tx_sum(&en) + link.rtt));
    let rounds = base.report.rounds.len() as u64;
    assert_eq!(
        base.report.total_time,
        Some(tx_sum(&base) + link.rtt * rounds)
    );
    assert!(en.report.total_time < base.report.total_time);
    assert!(en.report.early_notification && !base.report.early_notification);
}

/// Events come in the documented order: rounds start and end in turn, Paused before the final
/// round starts, then Resumed and Finished at the same instant.
#[test]
fn event_order() {
    let link = FakeLink::new(1_000_000_000, SimTime::from_us(50));
    let cfg = PrecopyConfig {
        resume_time: SimTime::from_ms(3),
        ..PrecopyConfig::default()
    };
    let out = precopy(&vm(1000, 1000, 5_000), cfg, 2, &link);
    let n = out.report.rounds.len();
    let ev = &out.events;
    assert!(matches!(
        ev[0],
        MigrationEvent::RoundStarted {
            round: 0,
            pages: 1000,
            ..
        }
    ));
    let paused = ev
        .iter()
        .position(|e| matches!(e, MigrationEvent::Paused { .. }))
        .expect("paused");
    assert!(matches!(ev[paused - 1], MigrationEvent::RoundEnded { .. }));
    assert!(
        matches!(ev[paused + 1], MigrationEvent::RoundStarted { round, .. } if round as usize == n - 1)
    );
    let tail = &ev[ev.len() - 3..];
    let last_end = out.report.rounds[n - 1].end;
    let at = last_end + SimTime::from_ms(3);
    assert!(matches!(tail[0], MigrationEvent::RoundEnded { at: t, .. } if t == last_end));
    assert_eq!(tail[1], MigrationEvent::Resumed { at });
    assert!(matches!(tail[2], MigrationEvent::Finished { at: t, stop_reason: Some(_) } if t == at));
}

/// Stop-and-copy's downtime is exactly (memory + state)/R + RTT (+ resume time) on the fake
/// link, and equals its total time.
#[test]
fn stop_and_copy_downtime_is_exact() {
    let link = FakeLink::new(500_000_000, SimTime::from_us(50));
    let v = vm(32_768, 5_000, 1 << 20);
    let cfg = StopAndCopyConfig {
        resume_time: SimTime::from_ms(10),
    };
    let m = Migration::new(
        &v,
        &MigrationConfig::StopAndCopy(cfg),
        RngStreams::new(1).stream("vm"),
    )
    .expect("valid");
    let r = run(m, link.clone()).report;
    let want = link.rate.tx_time(32_768 * PS + (1 << 20)) + link.rtt + SimTime::from_ms(10);
    assert_eq!(r.downtime, Some(want));
    assert_eq!(r.total_time, Some(want));
    assert_eq!(r.stop_reason, None);
    assert_eq!(r.rounds.len(), 1);
}

/// A pre-copy cut off mid-run (the worked example stopped at 10 s of its 10.24 s) reports as
/// `bytes_sent` exactly the bytes the receiver acknowledged — here every round that ended, the
/// baseline ending rounds on their acknowledgement — never more than the link could carry in
/// 10 s, while `bytes_written` also counts the round still in flight.
#[test]
fn cut_off_precopy_reports_acknowledged_bytes() {
    let (v, cfg, link) = worked_example();
    let end = SimTime::from_secs(10);
    let rng = RngStreams::new(1).stream("vm/test");
    let m = Migration::new(&v, &MigrationConfig::Precopy(cfg), rng).expect("valid config");
    let out = run_until(m, link.clone(), end);
    let r = &out.report;
    assert_eq!(r.end, None, "cut off before finishing");
    assert!(r.rounds.len() >= 2, "some rounds ended: {}", r.rounds.len());
    assert_eq!(
        r.bytes_sent, out.acked,
        "sent = acknowledged by the receiver"
    );
    let ended: u64 = r.rounds.iter().map(|x| x.bytes).sum();
    assert_eq!(r.bytes_sent, ended, "the ended rounds, all acknowledged");
    let capacity = (link.rate.bps() as u128 * end.as_ps() as u128 / 8 / 1_000_000_000_000) as u64;
    assert!(
        r.bytes_sent <= capacity,
        "{} B sent in 10 s over a link carrying {capacity} B",
        r.bytes_sent
    );
    assert!(
        r.bytes_written > r.bytes_sent,
        "a round is in flight: written {} vs acknowledged {}",
        r.bytes_written,
        r.bytes_sent
    );
}

/// Seed 002 §2.1's preparation phase: round 0 starts `prepare_time` after the migration's
/// start, nothing is written before it, and the total time is the preparation plus the same
/// rounds as without one (the VM runs the same writes, shifted: the dirty writer starts with
/// round 0). The VM never pauses during it.
#[test]
fn preparation_phase_delays_round_zero_by_prepare_time() {
    let link = FakeLink::new(1_000_000_000, SimTime::from_us(100));
    let v = vm(4096, 2000, 100_000);
    let plain = precopy(&v, PrecopyConfig::default(), 3, &link);
    let prep = SimTime::from_ms(700);
    let cfg = PrecopyConfig {
        prepare_time: prep,
        ..PrecopyConfig::default()
    };
    let rng = RngStreams::new(3).stream("vm/test");
    let mut m = Migration::new(&v, &MigrationConfig::Precopy(cfg), rng).expect("valid");
    m.handle_start(SimTime::ZERO);
    assert_eq!(m.poll_write(), None, "nothing is sent while preparing");
    assert_eq!(
        m.poll_timeout(),
        Some(prep),
        "the preparation ends at prepare_time"
    );
    assert!(m.is_vm_running());
    let out = precopy(&v, cfg, 3, &link);
    let (a, b) = (&plain.report, &out.report);
    assert_eq!(b.start, Some(SimTime::ZERO));
    assert_eq!(b.prepare_time, prep);
    assert_eq!(
        b.rounds[0].start, prep,
        "round 0 begins after the preparation"
    );
    assert_eq!(b.rounds.len(), a.rounds.len());
    for (x, y) in a.rounds.iter().zip(&b.rounds) {
        assert_eq!((y.start - prep, y.end - prep), (x.start, x.end));
        assert_eq!((y.bytes, y.pages_sent), (x.bytes, x.pages_sent));
    }
    assert_eq!(b.total_time, a.total_time.map(|t| t + prep));
    assert_eq!(b.downtime, a.downtime, "the preparation is not downtime");
    assert_eq!(a.prepare_time, SimTime::ZERO);
}
