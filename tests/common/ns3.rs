//! Helpers shared by the ns-3 comparison tests (`ns3_reference.rs`, `ns3_whole_run.rs`,
//! `ns3_r6.rs`, `ns3_departures.rs`, `ns3_sack.rs`): run an example with `--set` values, read
//! netsim's CSV time series, take counters at a time, a flow's and the bottleneck's steady
//! state, the bottleneck's queue statistics as the ns-3 side computes them, and the tolerance
//! check of `../shared/reference/ns3/README.md` ("Tolerances").

use std::collections::BTreeMap;
use std::path::Path;

/// Metrics of one run, named as in ns-3's `results/summary.json`.
pub type Metrics = BTreeMap<String, f64>;

/// One CSV row as (header → value).
pub type Row = BTreeMap<String, String>;

/// The CSV rows of a time series.
pub fn rows(path: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            head.iter()
                .map(|h| h.to_string())
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}

/// A numeric column of a row.
pub fn f(row: &Row, key: &str) -> f64 {
    row[key]
        .parse()
        .unwrap_or_else(|_| panic!("{key} = {:?}", row[key]))
}

/// The last row at or before `t` (rows ordered by `time_s`).
pub fn at(rows: &[Row], t: f64) -> &Row {
    rows.iter()
        .take_while(|r| f(r, "time_s") <= t + 1e-9)
        .last()
        .expect("a row before t")
}

/// Mean and nearest-rank p99 (as the ns-3 side) of the sl → sr backlog samples in [t0, t1),
/// as `bottleneck.queue_mean_packets` and `bottleneck.queue_p99_packets`.
pub fn queue(out: &Path, t0: f64, t1: f64, m: &mut Metrics) {
    let mut q: Vec<f64> = rows(&out.join("timeseries/link-sl-sr.csv"))
        .iter()
        .filter(|r| r["from"] == "sl" && (t0..t1).contains(&f(r, "time_s")))
        .map(|r| f(r, "queue_packets"))
        .collect();
    m.insert(
        "bottleneck.queue_mean_packets".into(),
        q.iter().sum::<f64>() / q.len() as f64,
    );
    q.sort_by(f64::total_cmp);
    let p99 = q[(q.len() * 99).div_ceil(100) - 1];
    m.insert("bottleneck.queue_p99_packets".into(), p99);
}

/// Entries into recovery in `[t0, t1)` of one flow's series: `in_recovery` going 0 → 1
/// (every change is a row).
pub fn recovery_entries(all: &[Row], t0: f64, t1: f64) -> usize {
    all.windows(2)
        .filter(|w| (t0..t1).contains(&f(&w[1], "time_s")))
        .filter(|w| w[0]["in_recovery"] == "0" && w[1]["in_recovery"] == "1")
        .count()
}

/// The mean over `runs` of each metric of `want` (name, ns-3 mean, allowed), printed; returns
/// the lines of the metrics outside |netsim − ns-3| ≤ allowed. Metrics a run does not carry
/// are skipped.
pub fn outside(case: &str, runs: &[Metrics], want: &[(&str, f64, f64)]) -> Vec<(String, String)> {
    let mut bad = vec![];
    for &(name, ns3, allowed) in want {
        let Some(got) = runs
            .iter()
            .map(|m| m.get(name).copied())
            .sum::<Option<f64>>()
        else {
            continue;
        };
        let got = got / runs.len() as f64;
        let line = format!("{case} {name}: netsim {got:.4} vs ns-3 {ns3:.4} (±{allowed:.4})");
        eprintln!("{line}");
        if (got - ns3).abs() > allowed {
            bad.push((name.to_string(), line));
        }
    }
    bad
}

/// One TCP flow's counters between `t0` and `t1` from `timeseries/<flow>.csv`: its samples at
/// or before `t0` and `t1` (counters at `t1` minus at `t0`, as ns-3's `after_mark`), the
/// recovery entries from every row.
pub struct FlowSteady {
    /// Acknowledged bytes over the interval, Mbit/s.
    pub goodput_mbps: f64,
    pub retransmissions: f64,
    pub timeouts: f64,
    pub recovery_entries: f64,
}

/// [`FlowSteady`] of flow `flow` of the run in `out`.
pub fn flow_steady(out: &Path, flow: &str, t0: f64, t1: f64) -> FlowSteady {
    let all = rows(&out.join(format!("timeseries/{flow}.csv")));
    let samples: Vec<_> = all
        .iter()
        .filter(|r| r["reason"] == "sample")
        .cloned()
        .collect();
    let (a, b) = (at(&samples, t0), at(&samples, t1));
    let delta = |k: &str| f(b, k) - f(a, k);
    FlowSteady {
        goodput_mbps: delta("acked_bytes") * 8.0 / (t1 - t0) / 1e6,
        retransmissions: delta("retransmissions"),
        timeouts: delta("timeouts"),
        recovery_entries: recovery_entries(&all, t0, t1) as f64,
    }
}

/// Packets the bottleneck (sl → sr) dropped between `t0` and `t1`, from its time series.
pub fn bottleneck_drops(out: &Path, t0: f64, t1: f64) -> f64 {
    let link: Vec<_> = rows(&out.join("timeseries/link-sl-sr.csv"))
        .into_iter()
        .filter(|r| r["from"] == "sl")
        .collect();
    f(at(&link, t1), "dropped_packets") - f(at(&link, t0), "dropped_packets")
}

/// [`super::run_example`] with each of `sets` (`key=value`) given as `--set key=value`.
pub fn run_example_set<R>(
    name: &str,
    sets: &[String],
    read: impl FnOnce(&Path, &serde_json::Value) -> R,
) -> R {
    let args: Vec<&str> = sets.iter().flat_map(|a| ["--set", a.as_str()]).collect();
    super::run_example(name, &args, read)
}
