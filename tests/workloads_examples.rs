//! Issue 20's deliverables that are whole commands rather than properties of one run: the
//! sweep of p99 slowdown against load, and the bundled workload examples (websearch-migration,
//! incast with NewReno and DCTCP). Each runs the real binary on a short variant.

mod common;

use common::*;
use netsim::plot::sweep::{PlotSpec, series};
use netsim::sweep::table::parse_csv;

/// A small workload scenario for sweeps: a k = 4 fat-tree of 10 Gbit/s links carrying
/// Hadoop-sized flows (mean 0.12 MB) for 20 ms.
const SMALL: &str = r#"
name = "small-workload"
duration = "25ms"
[topology]
kind = "fat-tree"
k = 4
link = { rate = "10Gbps", delay = "1us", queue = "100p" }
[[workload]]
name = "h"
sizes = "hadoop"
load = 0.1
stop = "20ms"
"#;

/// Issue 20, "Sweeps over load: `netsim sweep` can plot p99 slowdown against load, per
/// algorithm, with the existing `--plot`": the command of docs/sweep-and-plots.md over two
/// loads and two congestion controls writes `sweep.csv` with a `workload.h.p99_slowdown`
/// column whose every cell is the run's own overall p99 (≥ 1), and `--plot` draws one line per
/// algorithm.
#[test]
fn sweep_plots_p99_slowdown_against_load_per_algorithm() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("small.toml");
    std::fs::write(&file, SMALL).unwrap();
    let out = dir.path().join("sweep");
    let o = run(&[
        "--quiet",
        "sweep",
        file.to_str().unwrap(),
        "--set",
        "workload.0.load=0.1,0.4",
        "--set",
        "tcp.variant=newreno,cubic",
        "--jobs",
        "1",
        "--out",
        out.to_str().unwrap(),
        "--plot",
        "x=workload.0.load,y=workload.h.p99_slowdown,series=tcp.variant",
    ]);
    assert!(
        o.status.success(),
        "sweep failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let rows = parse_csv(&std::fs::read_to_string(out.join("sweep.csv")).unwrap());
    let col = |name: &str| {
        rows[0]
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", rows[0]))
    };
    let (load, p99, p50, done) = (
        col("workload.0.load"),
        col("workload.h.p99_slowdown"),
        col("workload.h.p50_slowdown"),
        col("workload.h.completed"),
    );
    assert_eq!(rows.len(), 5, "a header and 2 loads × 2 variants");
    for row in &rows[1..] {
        let s = summary(&out.join(&row[1]));
        let overall = &s["workloads"][0]["overall"];
        let v: f64 = row[p99].parse().expect("a p99 value in every row");
        assert!(v >= 1.0, "slowdown below 1: {row:?}");
        assert_eq!(v, overall["p99_slowdown"].as_f64().unwrap(), "{row:?}");
        assert!(row[p50].parse::<f64>().unwrap() <= v, "{row:?}");
        assert_eq!(
            row[done].parse::<u64>().unwrap(),
            s["workloads"][0]["completed"].as_u64().unwrap()
        );
        assert!(row[done].parse::<u64>().unwrap() > 50, "{row:?}");
    }
    // More load, more flows: the column is the swept key's value, not a constant.
    assert_eq!(rows[1][load], "0.1");
    assert_eq!(rows[3][load], "0.4");

    let svg = std::fs::read_to_string(
        out.join("plots/workload.h.p99_slowdown-vs-workload.0.load-by-tcp.variant.svg"),
    )
    .expect("the plot exists");
    assert!(svg.starts_with("<svg") && svg.contains("workload.h.p99_slowdown"));
    let spec = PlotSpec {
        x: "workload.0.load".into(),
        y: "workload.h.p99_slowdown".into(),
        series: vec!["tcp.variant".into()],
    };
    let data = series(&spec, &rows).unwrap();
    assert_eq!(data.len(), 2, "one line per algorithm");
    for line in &data {
        let label = line.value.as_deref().expect("a series value");
        assert_eq!(line.points.len(), 2, "two loads on {label}");
        assert!(svg.contains(label), "the legend names {label}");
    }
}
