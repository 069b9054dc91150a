//! Seed 002's figures reproduced from the bundled examples (docs/reproductions.md): a short
//! variant of each, a compact table snapshotted, and the paper's claim asserted.

mod common;

use std::path::Path;

use common::*;

/// Payload capacity of a 500 Mbit/s link for full-size segments [bit/s]: 1448 B of payload
/// in a 1502-byte frame (README, model notes).
const LINK_PAYLOAD_BPS: f64 = 500e6 * 1448.0 / 1502.0;

/// The three transfers of seed 002 §5.2.
const TRANSFERS: [&str; 3] = ["h4-h1", "h5-h2", "h6-h3"];

/// Seed 002 Figs. 9–10 (link contention on the Fig. 6 test bed), short variant: the three
/// transfers start together and run for 1 s. The assertions prove the paper's claim:
///
/// * `dynamic-routing`: every transfer runs at close to full link speed — at least 95 % of a
///   500 Mbit/s link's payload capacity (459 of 482 Mbit/s) — over three different upper
///   switches;
/// * `shortest-path`: all three cross one upper switch and share its link — together they
///   fill it (90–100 % of its payload capacity) and none comes near full speed (each at most
///   60 % of it: "all transmissions were influenced"), in each of four seeds. Over the four
///   seeds each transfer's mean is its third within ±15 %: one second of three Reno flows on
///   a drop-tail queue is not fair in every run (a flow that loses early can spend the second
///   in backoff), so the share is a property of the seed mean, not of one draw.
#[test]
fn seed002_fig9_fig10_link_contention() {
    /// (app, seed): dynamic routing once, shortest path over four seeds.
    const RUNS: [(&str, &str); 5] = [
        ("dynamic-routing", "1"),
        ("shortest-path", "1"),
        ("shortest-path", "2"),
        ("shortest-path", "3"),
        ("shortest-path", "4"),
    ];
    let results = par_map_bounded(&RUNS, |(app, seed)| {
        let set = format!("controller.app={app}");
        let args = [
            "--set",
            &set,
            "--set",
            "duration=1s",
            "--set",
            "flow.1.start=0s",
            "--set",
            "flow.2.start=0s",
            "--seed",
            seed,
        ];
        run_example("qin2017-contention", &args, |_, s| {
            let goodput: Vec<f64> = TRANSFERS
                .iter()
                .map(|t| flow(s, t)["goodput_bps"].as_f64().expect("goodput_bps"))
                .collect();
            // Upper switches that carried the transfers (more than a few ARP frames).
            let uppers: Vec<String> = s["switches"]
                .as_array()
                .expect("switches[]")
                .iter()
                .filter(|w| ["s1", "s2", "s3"].contains(&w["name"].as_str().unwrap()))
                .filter(|w| u(w, "packets_received") > 1000)
                .map(|w| w["name"].as_str().unwrap().to_owned())
                .collect();
            (goodput, uppers)
        })
    });
    let mut table = String::from(
        "goodput [Mbit/s, rounded to 10]\napp              seed  h4-h1  h5-h2  h6-h3  upper switches\n",
    );
    let row = |app: &str, seed: &str, goodput: &[f64], uppers: &str| {
        let cells: Vec<String> = goodput
            .iter()
            .map(|g| format!("{:>5}", (g / 1e7).round() as u64 * 10))
            .collect();
        format!("{app:<15}  {seed:>4}  {}  {uppers}\n", cells.join("  "))
    };
    for ((app, seed), (goodput, uppers)) in RUNS.iter().zip(&results) {
        table += &row(app, seed, goodput, &uppers.join(" "));
    }
    let sp = &results[1..];
    let mean: Vec<f64> = (0..TRANSFERS.len())
        .map(|i| sp.iter().map(|r| r.0[i]).sum::<f64>() / sp.len() as f64)
        .collect();
    table += &row("shortest-path", "mean", &mean, "");
    let dr = &results[0];
    for (t, g) in TRANSFERS.iter().zip(&dr.0) {
        assert!(
            *g >= 0.95 * LINK_PAYLOAD_BPS,
            "dynamic-routing: {t} at {:.1} Mbit/s, not near full link speed\n{table}",
            g / 1e6
        );
    }
    assert_eq!(
        dr.1.len(),
        3,
        "dynamic-routing uses all three upper switches\n{table}"
    );
    for ((_, seed), (goodput, uppers)) in RUNS[1..].iter().zip(sp) {
        assert_eq!(
            uppers,
            &["s1"],
            "shortest-path (seed {seed}) sends every transfer through s1\n{table}"
        );
        // Together they fill the shared link (the lower bound), and never more than it
        // carries (the upper bound: a conservation check).
        let sum: f64 = goodput.iter().sum();
        assert!(
            (0.9 * LINK_PAYLOAD_BPS..=LINK_PAYLOAD_BPS).contains(&sum),
            "shortest-path (seed {seed}): the transfers together get {:.1} Mbit/s, not one link's worth\n{table}",
            sum / 1e6
        );
        for (t, g) in TRANSFERS.iter().zip(goodput) {
            assert!(
                *g <= 0.6 * LINK_PAYLOAD_BPS,
                "shortest-path (seed {seed}): {t} at {:.1} Mbit/s, not influenced by the others\n{table}",
                g / 1e6
            );
        }
    }
    for (t, g) in TRANSFERS.iter().zip(&mean) {
        let third = LINK_PAYLOAD_BPS / 3.0;
        assert!(
            (g - third).abs() <= 0.15 * third,
            "shortest-path: {t} at {:.1} Mbit/s over the seeds, not within 15 % of a third of the link\n{table}",
            g / 1e6
        );
    }
    insta::assert_snapshot!(table);
}

/// What the migration connection's cwnd did in one run of the pre-copy scenario.
struct CwndRun {
    rounds: u64,
    total_s: f64,
    /// Collapses (cwnd below 4 segments; rows less than 2 ms apart are one collapse) while
    /// pre-copy iterates, and how many of them start within 10 ms of a round's end.
    collapses: usize,
    at_boundaries: usize,
    timeouts: u64,
}

/// Reads the cwnd collapses of a `qin2017-precopy-cwnd` run from its migration time series.
fn cwnd_collapses(out: &Path, s: &serde_json::Value) -> CwndRun {
    const MSS: u64 = 1448;
    let m = &s["migrations"][0];
    let rounds = std::fs::read_to_string(out.join("timeseries/migration-vm1.csv")).unwrap();
    // Columns: migration,round,start_s,end_s,bytes,pages_sent,pages_dirtied_during,paused_s,
    // resumed_s.
    let rounds: Vec<Vec<String>> = rounds
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    // `paused_s` is the migration's pause, repeated on every row; the final round starts there.
    let pause: f64 = rounds.last().expect("rounds")[7]
        .parse()
        .expect("the migration reached its final round");
    let ends: Vec<f64> = rounds
        .iter()
        .map(|r| r[3].parse().unwrap())
        .filter(|&e| e <= pause)
        .collect();
    let tcp = std::fs::read_to_string(out.join("timeseries/migration-vm1-tcp.csv")).unwrap();
    let (mut collapses, mut at_boundaries, mut last_low, mut timeouts) =
        (0, 0, f64::NEG_INFINITY, 0);
    for l in tcp.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        let (t, cwnd): (f64, u64) = (f[0].parse().unwrap(), f[1].parse().unwrap());
        if t >= pause {
            break;
        }
        timeouts = f[8].parse().unwrap();
        if cwnd < 4 * MSS {
            if t - last_low > 0.002 {
                collapses += 1;
                if ends.iter().any(|e| (t - e).abs() <= 0.010) {
                    at_boundaries += 1;
                }
            }
            last_low = t;
        }
    }
    CwndRun {
        rounds: u(m, "rounds"),
        total_s: m["total_time_s"].as_f64().expect("the migration finished"),
        collapses,
        at_boundaries,
        timeouts,
    }
}

/// Seed 002 Figs. 7–8 (the migration connection's cwnd during pre-copy, baseline vs Early
/// Notification), on `examples/qin2017-precopy-cwnd.toml` over seeds 1–6 (the seed drives the
/// VM's page writes and so where the rounds end relative to the background flow's losses).
///
/// The claim asserted: the baseline's window collapses at round boundaries and E-N's does not.
/// A collapse is the window falling below 4 segments. In the baseline the next round is
/// written only once the last is acknowledged, so a loss among a round's last segments is
/// repaired with nothing else in flight, and NewReno's full ACK sets cwnd to
/// max(FlightSize, SMSS) + SMSS = 2 segments with FlightSize = 0 (RFC 6582 §3.2 step 3); E-N keeps the next round's data behind it. Over the six
/// seeds the baseline must show at least 5 collapses within 10 ms of a round's end, and E-N at
/// most a quarter as many.
#[test]
fn seed002_fig7_fig8_cwnd_collapses_at_round_boundaries_without_early_notification() {
    let points: Vec<(u64, bool)> = (1..=6).flat_map(|s| [(s, false), (s, true)]).collect();
    let runs = par_map_bounded(&points, |&(seed, en)| {
        let (seed, en) = (
            seed.to_string(),
            format!("migration.0.early_notification={en}"),
        );
        let args = [
            "--seed",
            &seed,
            "--set",
            &en,
            "--set",
            "trace.timeseries=[\"migration:vm1\"]",
        ];
        run_example("qin2017-precopy-cwnd", &args, cwnd_collapses)
    });
    let mut table =
        String::from("seed  mode      rounds  total_s  collapses  at_round_ends  timeouts\n");
    let (mut base, mut en) = (0, 0);
    for ((seed, e), r) in points.iter().zip(&runs) {
        table += &format!(
            "{seed:>4}  {:<8}  {:>6}  {:>7.2}  {:>9}  {:>13}  {:>8}\n",
            if *e { "E-N" } else { "baseline" },
            r.rounds,
            r.total_s,
            r.collapses,
            r.at_boundaries,
            r.timeouts
        );
        if *e {
            en += r.at_boundaries;
        } else {
            base += r.at_boundaries;
        }
    }
    assert!(
        base >= 5,
        "the baseline's cwnd collapsed at only {base} round ends over six seeds\n{table}"
    );
    assert!(
        4 * en <= base,
        "E-N's cwnd collapsed at {en} round ends, the baseline's at {base}\n{table}"
    );
    insta::assert_snapshot!(table);
}

/// The three systems of seed 002 Figs. 11–12: (label, early_notification, controller app).
const SYSTEMS: [(&str, bool, &str); 3] = [
    ("baseline", false, "shortest-path"),
    ("E-N", true, "shortest-path"),
    ("E-N+D-R", true, "dynamic-routing"),
];

/// One migration's results: (total time s, rounds, stop reason, retransmissions before the
/// pause, per-round retransmissions).
type MigrationRun = (f64, u64, String, u64, Vec<u64>);

/// Reads the migration of a seed 002 run.
fn migration_run(s: &serde_json::Value) -> MigrationRun {
    let m = &s["migrations"][0];
    let per_round = m["round_retransmissions"]
        .as_array()
        .expect("round_retransmissions[]")
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    (
        num(m, "total_time_s"),
        u(m, "rounds"),
        m["stop_reason"].as_str().unwrap().to_owned(),
        u(m, "retransmissions_before_pause"),
        per_round,
    )
}

/// Seed 002 Figs. 7–8 at the paper's smallest size, as a count: the migration connection's
/// retransmissions before the pause, baseline vs Early Notification, for a 128 MiB VM
/// writing 5000 pages/s on the Fig. 6 test bed without a background flow
/// (`examples/qin2017-migration-time.toml`, Xen's stop rules), seeds 1–10.
///
/// What the full-size sweeps (docs/reproductions.md: 128 and 256 MiB over 10 seeds with and
/// without the flow, 512 MiB over 10 seeds and 1024 MiB over 5 without it, both dirty rates)
/// show, and this asserts: without a background flow E-N retransmits
/// less before the pause than the baseline in every seed (the baseline's next round starts
/// with the previous round's window into an empty 30-packet buffer and loses more of it).
/// It does not eliminate the losses (round 0's slow-start overflow is the same in both), and
/// with the background flow the two are within a few per cent (not asserted: no claim holds
/// there). The total time is not asserted: it differs by −0.7 to +0.2 s between the two.
#[test]
fn seed002_fig7_fig8_retransmissions_before_the_pause_128mib() {
    let points: Vec<(u64, bool)> = (1..=10).flat_map(|s| [(s, false), (s, true)]).collect();
    let runs = par_map_bounded(&points, |&(seed, en)| {
        let (seed, en) = (
            seed.to_string(),
            format!("migration.0.early_notification={en}"),
        );
        let args = ["--seed", &seed, "--set", &en];
        run_example("qin2017-migration-time", &args, |_, s| migration_run(s))
    });
    let mut table = String::from(
        "128 MiB, 5000 pages/s, no background flow: retransmissions of the migration connection\n\
         seed  mode      rounds  before_pause  round_0  later_live  final  total_s\n",
    );
    for ((seed, en), (t, rounds, _, before, per_round)) in points.iter().zip(&runs) {
        let live = &per_round[..per_round.len() - 1];
        table += &format!(
            "{seed:>4}  {:<8}  {rounds:>6}  {before:>12}  {:>7}  {:>10}  {:>5}  {t:>7.2}\n",
            if *en { "E-N" } else { "baseline" },
            live[0],
            live[1..].iter().sum::<u64>(),
            per_round[per_round.len() - 1],
        );
    }
    for pair in runs.chunks(2) {
        let (base, en) = (&pair[0], &pair[1]);
        assert!(
            en.3 < base.3,
            "E-N retransmitted {} times before the pause, the baseline {}\n{table}",
            en.3,
            base.3
        );
    }
    insta::assert_snapshot!(table);
}

/// Seed 002 Figs. 11–12 (total migration time without and with a background flow; baseline
/// vs E-N vs E-N + D-R). Without the flow the VM is 128 MiB, the paper's smallest size (a
/// 3–6 s migration); with it 32 MiB (a 1–5 s migration; 128 MiB takes 11–18 s against the
/// flow), where the full-size sweep's regime holds unchanged: the flow takes half the
/// shared link for the whole migration at every size. Both dirty rates, Xen's stop rules
/// alone, the run ending once the VM has moved, seed 1.
///
/// What the full-size tables (docs/reproductions.md, 128–1024 MiB) show, and this asserts:
///
/// * with the flow, E-N + D-R is faster than the baseline by at least 15 % at each dirty
///   rate (full size: 68–71 %, almost all from D-R), and its saving is larger at 10000
///   pages/s than at 5000;
/// * the relative saving is larger with the flow than without, at each dirty rate (full
///   size: 0–12 % without).
///
/// Not asserted, because the full-size sweep does not show it: that E-N alone saves time
/// (0–12 % without the flow, −0.75 to +2.14 s with it), or a minimum saving without the flow.
/// Nor that D-R changes nothing without the flow: with one flow on symmetric paths that is
/// so by construction.
#[test]
fn seed002_fig11_fig12_total_migration_time() {
    let mut points = Vec::new();
    for example in ["qin2017-migration-time", "qin2017-migration-time-bg"] {
        for rate in [5000, 10000] {
            for system in SYSTEMS {
                points.push((example, rate, system));
            }
        }
    }
    let runs = par_map_bounded(&points, |&(example, rate, (_, en, app))| {
        let memory = if example.ends_with("-bg") {
            "32MiB"
        } else {
            "128MiB"
        };
        let args = [
            "--set".to_string(),
            format!("vm.0.memory={memory}"),
            "--set".into(),
            format!("vm.0.dirty_rate={rate}"),
            "--set".into(),
            format!("migration.0.early_notification={en}"),
            "--set".into(),
            format!("controller.app={app}"),
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_example(example, &args, |_, s| migration_run(s))
    });
    let mut table = String::from(
        "total migration time [s] (rounds, stop reason, rx: retransmissions before the pause)\n\
         background  VM       pages/s  baseline                       E-N                            E-N+D-R\n",
    );
    let time = |bg: bool, rate: u32, system: usize| {
        runs[usize::from(bg) * 6 + usize::from(rate == 10000) * 3 + system].0
    };
    for (row, cells) in points.chunks(3).zip(runs.chunks(3)) {
        let (example, rate, _) = row[0];
        let (bg, vm) = if example.ends_with("-bg") {
            ("bulk TCP", "32 MiB")
        } else {
            ("none", "128 MiB")
        };
        let cells: Vec<String> = cells
            .iter()
            .map(|(t, r, why, rx, _)| format!("{t:>5.2} ({r:>2}, {why:<9}, rx {rx:>4})"))
            .collect();
        table += &format!("{bg:<10}  {vm:<7}  {rate:>7}  {}\n", cells.join("  "));
    }
    let saving = |bg: bool, rate: u32| 1.0 - time(bg, rate, 2) / time(bg, rate, 0);
    for rate in [5000, 10000] {
        assert!(
            saving(true, rate) >= 0.15,
            "with the flow E-N+D-R does not save 15 % ({rate} pages/s)\n{table}"
        );
        assert!(
            saving(true, rate) > saving(false, rate),
            "the saving does not grow with a background flow ({rate} pages/s)\n{table}"
        );
    }
    let abs = |rate: u32| time(true, rate, 0) - time(true, rate, 2);
    assert!(
        abs(10000) > abs(5000),
        "with the flow the saving does not grow with the dirty rate\n{table}"
    );
    insta::assert_snapshot!(table);
}
