//! netsim against ns-3's R6 cases (issue 18): the NewReno perf anchors with CUBIC + SACK as
//! ns-3 runs them (`examples/ns3-r6-dumbbell.toml`, `examples/ns3-r6-fat-tree-4.toml`; the ns-3
//! runs, README and tolerances are in `../shared/reference/ns3/`). The ns-3 means and the
//! allowed differences max(relative·|ns-3|, absolute, 3·sd) are copied from its
//! `results/summary.json` (`metrics.<name>.tolerance.allowed`). R6's per-flow numbers carry no
//! tolerance (drop-tail phase, per-packet ECMP); the totals do. Where netsim and ns-3 part
//! beyond the tolerance, docs/ns3-comparison.md ("R6") says which side departs from the RFC;
//! the assertions here pin those findings. Full runs only: short variants are not allowed
//! for agreement.

mod common;

use std::path::Path;

use common::ns3::*;
use common::*;

/// R6-dumbbell, whole run (0–10 s): (metric, ns-3, allowed).
const R6_DUMBBELL: &[(&str, f64, f64)] = &[
    ("tcp.aggregate_goodput_mbps", 775.8105984, 15.516211968),
    ("tcp.jain_index", 0.9862595897145906, 0.02),
    ("tcp.retransmissions", 9335.0, 1867.0),
    ("tcp.timeouts", 0.0, 1.0),
    ("tcp.fast_recovery_entries", 6996.0, 1049.4),
    ("bottleneck.drops", 16662.0, 3332.4),
    ("bottleneck.queue_mean_packets", 95.3245, 9.53245),
    ("bottleneck.queue_p99_packets", 100.0, 5.0),
    ("network.drops_all_queues", 16662.0, 3332.4),
    ("network.sender_host_drops", 0.0, 10.0),
];

/// R6-dumbbell, steady state (2–10 s).
const R6_DUMBBELL_STEADY: &[(&str, f64, f64)] = &[
    ("tcp.aggregate_goodput_mbps", 776.06284, 15.5212568),
    ("tcp.jain_index", 0.9967137602287505, 0.02),
    ("tcp.retransmissions", 7652.0, 1530.4),
    ("tcp.timeouts", 0.0, 1.0),
    ("tcp.fast_recovery_entries", 5786.0, 867.9),
    ("bottleneck.drops", 13699.0, 2739.8),
    ("bottleneck.queue_mean_packets", 95.479875, 9.5479875),
    ("bottleneck.queue_p99_packets", 100.0, 5.0),
];

/// R6-fat-tree-4, whole run (0–5 s), mean of seeds 1–5.
const R6_FAT_TREE: &[(&str, f64, f64)] = &[
    ("tcp.aggregate_goodput_mbps", 9692.9328512, 193.858657024),
    ("tcp.jain_index", 0.9999903611142491, 0.02),
    ("tcp.retransmissions", 42776.0, 8555.2),
    ("tcp.timeouts", 0.0, 1.0),
    ("tcp.fast_recovery_entries", 35100.6, 5265.09),
    ("network.drops_all_queues", 0.2, 5.0),
];

/// The whole-run totals of one run, named as in ns-3's summary.json (TCP flows only; the
/// dumbbell's queue from its `link:sl-sr` series).
fn whole(out: &Path, s: &serde_json::Value, duration_s: f64) -> Metrics {
    let mut m = Metrics::new();
    let tcp: Vec<_> = s["flows"]
        .as_array()
        .expect("flows")
        .iter()
        .filter(|f| f["kind"] == "tcp-bulk")
        .collect();
    let goodputs: Vec<f64> = tcp.iter().map(|f| num(f, "goodput_bps") / 1e6).collect();
    for (ours, theirs) in [
        ("retransmissions", "retransmissions"),
        ("timeouts", "timeouts"),
        ("fast_retransmits", "fast_recovery_entries"),
    ] {
        let v = tcp.iter().map(|f| u(f, ours) as f64).sum();
        m.insert(format!("tcp.{theirs}"), v);
    }
    let bytes: f64 = tcp.iter().map(|f| u(f, "bytes_delivered") as f64).sum();
    m.insert(
        "tcp.aggregate_goodput_mbps".into(),
        bytes * 8.0 / duration_s / 1e6,
    );
    let (sum, sq): (f64, f64) = (goodputs.iter().sum(), goodputs.iter().map(|g| g * g).sum());
    m.insert(
        "tcp.jain_index".into(),
        sum * sum / (goodputs.len() as f64 * sq),
    );
    let queues = s["queues"].as_array().expect("queues");
    let drops = |keep: &dyn Fn(&serde_json::Value) -> bool| {
        queues
            .iter()
            .filter(|q| keep(q))
            .map(|q| u(q, "dropped_packets") as f64)
            .sum::<f64>()
    };
    m.insert("network.drops_all_queues".into(), drops(&|_| true));
    let series = out.join("timeseries/link-sl-sr.csv");
    if series.exists() {
        m.insert(
            "bottleneck.drops".into(),
            drops(&|q| q["node"] == "sl" && q["peer"] == "sr"),
        );
        m.insert(
            "network.sender_host_drops".into(),
            drops(&|q| q["node"].as_str().unwrap().starts_with('l')),
        );
        queue(out, 0.0, duration_s, &mut m);
    }
    m
}

/// The dumbbell's steady-state totals between `t0` and `t1` from the time series of t0–t7
/// and of the bottleneck (counters at `t1` minus at `t0`, as ns-3's `after_mark`), and the
/// timeouts of the run after `t0` — t = 0 to `t0` holds the start-up.
fn steady(out: &Path, t0: f64, t1: f64) -> Metrics {
    let mut m = Metrics::new();
    let mut goodputs = vec![];
    for i in 0..8 {
        let s = flow_steady(out, &format!("t{i}"), t0, t1);
        goodputs.push(s.goodput_mbps);
        *m.entry("tcp.retransmissions".into()).or_default() += s.retransmissions;
        *m.entry("tcp.timeouts".into()).or_default() += s.timeouts;
        *m.entry("tcp.fast_recovery_entries".into()).or_default() += s.recovery_entries;
    }
    let (sum, sq): (f64, f64) = (goodputs.iter().sum(), goodputs.iter().map(|g| g * g).sum());
    m.insert("tcp.aggregate_goodput_mbps".into(), sum);
    m.insert("tcp.jain_index".into(), sum * sum / (8.0 * sq));
    m.insert("bottleneck.drops".into(), bottleneck_drops(out, t0, t1));
    queue(out, t0, t1, &mut m);
    m
}

/// The names of the metrics of `want` whose mean over `runs` is outside the tolerance.
fn outside_names(case: &str, runs: &[Metrics], want: &[(&str, f64, f64)]) -> Vec<String> {
    outside(case, runs, want)
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

/// R6-dumbbell as ns-3 runs it (SACK, RFC 6675 recovery, no RACK-TLP). Goodput and the queue
/// agree, over the whole run and in the steady state (2–10 s), and so do the steady-state
/// retransmissions; timeouts, fast-recovery entries, drops and Jain's index do not. netsim's
/// steady-state timeouts are lost retransmissions, which RFC 6675 leaves to the RTO (`NextSeg`
/// rule 1 only looks above HighRxt) and which idle a flow for 1 s each here (min RTO 1 s): the
/// shares spread (Jain), and netsim's flows lose fewer packets and enter recovery less often.
/// ns-3 has no timeout: its scoreboard marks a retransmission lost again once a segment sent
/// after it is SACKed (`MarkRetransmittedSegmentsLost`, tcp-tx-buffer.cc:929-955, RACK's time
/// rule without a reordering window; not RFC 6675 — docs/ns3-comparison.md departure A).
/// Repairing lost retransmissions by RFC 8985's own rule (RACK) closes the gap:
/// `ns3_r6_dumbbell_lost_retransmissions_repaired`.
#[test]
fn ns3_r6_dumbbell_whole_run_and_steady_state() {
    let (w, st) = run_example("ns3-r6-dumbbell", &[], |out, s| {
        (whole(out, s, 10.0), steady(out, 2.0, 10.0))
    });
    let bad_whole = outside_names("R6-dumbbell", std::slice::from_ref(&w), R6_DUMBBELL);
    let bad_steady = outside_names(
        "R6-dumbbell 2–10 s",
        std::slice::from_ref(&st),
        R6_DUMBBELL_STEADY,
    );
    let departures = [
        "tcp.jain_index",
        "tcp.timeouts",
        "tcp.fast_recovery_entries",
        "bottleneck.drops",
        "network.drops_all_queues",
        "tcp.retransmissions",
    ];
    assert!(
        bad_whole.iter().all(|b| departures.contains(&b.as_str())),
        "whole run: outside tolerance beyond the documented departures: {bad_whole:?}"
    );
    assert!(
        bad_steady
            .iter()
            .all(|b| departures[..4].contains(&b.as_str())),
        "steady state: outside tolerance beyond the documented departures: {bad_steady:?}"
    );
    assert!(
        st["tcp.timeouts"] >= 4.0,
        "steady-state RTOs: lost retransmissions"
    );
    assert!(
        st["tcp.fast_recovery_entries"] < 5786.0 && st["bottleneck.drops"] < 13699.0,
        "fewer losses than ns-3, not more"
    );
}

/// R6-dumbbell with `rack_tlp = true`: RACK repairs a lost retransmission by time, without an
/// RTO, and every steady-state (2–10 s) and whole-run total is within ns-3's tolerance but the
/// whole run's timeouts, which all fall in the start-up (t < 1.1 s: flows whose handshake or
/// first window is lost in the first milliseconds' overflow wait for the 1 s RTO).
#[test]
fn ns3_r6_dumbbell_lost_retransmissions_repaired() {
    let (w, st, late) = run_example(
        "ns3-r6-dumbbell",
        &["--set", "tcp.rack_tlp=true"],
        |out, s| {
            (
                whole(out, s, 10.0),
                steady(out, 2.0, 10.0),
                steady(out, 1.1, 10.0),
            )
        },
    );
    let bad = outside_names("R6-dumbbell with RACK 2–10 s", &[st], R6_DUMBBELL_STEADY);
    assert!(bad.is_empty(), "outside tolerance: {bad:?}");
    let bad = outside_names("R6-dumbbell with RACK", &[w], R6_DUMBBELL);
    assert!(
        bad.iter().all(|b| b == "tcp.timeouts"),
        "outside tolerance: {bad:?}"
    );
    assert!(
        late["tcp.timeouts"] <= 1.0,
        "after the start-up: {}",
        late["tcp.timeouts"]
    );
}

/// R6-fat-tree-4, the mean of seeds 1–5 (netsim's per-packet ECMP draws are its own; only
/// means compare): timeouts, drops, fast-recovery entries and fairness agree; goodput is about
/// 3 % and retransmissions about 38 % above ns-3's, both outside the tolerance. About half of
/// the retransmission and a third of the goodput difference is ns-3 withholding cwnd growth
/// from cumulative ACKs that SACK new data (departure C in docs/ns3-comparison.md, against
/// RFC 5681 §3.1; netsim follows the RFC); the rest is ns-3's CUBIC at these ten-segment
/// windows (α held at 0.533 where RFC 9438 §4.3 sets 1, ssthresh in whole segments; the
/// docs' "The cause", measured with a temporary patch). The direction is pinned here.
#[test]
fn ns3_r6_fat_tree_4_mean_of_five_seeds() {
    let seeds: Vec<u32> = (1..=5).collect();
    let runs = par_map_bounded(&seeds, |&seed| {
        let sets = ["--set".to_string(), format!("seed={seed}")];
        let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
        run_example("ns3-r6-fat-tree-4", &sets, |out, s| whole(out, s, 5.0))
    });
    let bad = outside_names("R6-fat-tree-4", &runs, R6_FAT_TREE);
    assert_eq!(
        bad,
        ["tcp.aggregate_goodput_mbps", "tcp.retransmissions"],
        "the documented differences, and only them"
    );
    let mean = |k: &str| runs.iter().map(|m| m[k]).sum::<f64>() / runs.len() as f64;
    assert!(
        mean("tcp.aggregate_goodput_mbps") > 9692.9 && mean("tcp.retransmissions") > 42776.0,
        "netsim above ns-3 on both"
    );
}

/// R6-dumbbell with ns-3's departures reproduced (`[tcp] ns3_departures = "all"`,
/// docs/ns3-comparison.md "ns-3's departures on demand"): every whole-run and steady-state
/// total within ns-3's tolerance, timeouts and Jain's index included — what the RFC-mode run
/// above misses is ns-3's side (chiefly A: a lost retransmission declared lost by time).
#[test]
fn ns3_r6_dumbbell_with_ns3_departures() {
    let (w, st) = run_example(
        "ns3-r6-dumbbell",
        &["--set", "tcp.ns3_departures=\"all\""],
        |out, s| (whole(out, s, 10.0), steady(out, 2.0, 10.0)),
    );
    let mut bad = outside_names("R6-dumbbell ns-3 departures", &[w], R6_DUMBBELL);
    bad.extend(outside_names(
        "R6-dumbbell ns-3 departures 2–10 s",
        &[st],
        R6_DUMBBELL_STEADY,
    ));
    assert!(bad.is_empty(), "outside tolerance: {bad:?}");
}

/// R6-fat-tree-4 with all of ns-3's departures reproduced (docs/ns3-comparison.md, R6 "The
/// cause"): ns-3's CUBIC in whole segments (`cubic-segments`: α held at 0.533, ssthresh
/// ⌊0.7·cwnd⌋ segments) keeps the per-packet-ECMP windows about 10 % smaller, so fewer are
/// overtaken by three later segments: goodput, retransmissions, fast-recovery entries,
/// timeouts and fairness come inside ns-3's tolerance. The drops come inside with
/// `cwnd-limited` (ns-3-dev's RFC 9438 §5.8 rule): without it a receive-window-limited first
/// slow start kept growing cwnd to twice the window and overflowed its own NIC queue for
/// milliseconds (seed 3: 157 drops; with it 0, 1, 3, 0, 0 — session 15's section in
/// docs/ns3-comparison.md: the heavy tail remains, in 17 of 200 seeds, so a 5-seed mean is
/// outside in about 14 % of seed sets; these are ns-3's seeds).
#[test]
fn ns3_r6_fat_tree_4_with_ns3_departures() {
    let seeds: Vec<u32> = (1..=5).collect();
    let runs = par_map_bounded(&seeds, |&seed| {
        let sets = [
            "--set".to_string(),
            format!("seed={seed}"),
            "--set".to_string(),
            "tcp.ns3_departures=\"all\"".to_string(),
        ];
        let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
        run_example("ns3-r6-fat-tree-4", &sets, |out, s| whole(out, s, 5.0))
    });
    let bad = outside_names("R6-fat-tree-4 ns-3 departures", &runs, R6_FAT_TREE);
    assert!(bad.is_empty(), "outside tolerance: {bad:?}");
}
