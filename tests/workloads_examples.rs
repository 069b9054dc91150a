//! Issue 20's deliverables that are whole commands rather than properties of one run: the
//! sweep of p99 slowdown against load, and the bundled workload examples (websearch-migration,
//! incast with NewReno and DCTCP). Each runs the real binary on a short variant.

mod common;

use std::path::Path;

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
/// column whose every cell is the run's own overall p99 (≥ 1), the `flows`, `unfinished` and
/// `timeouts` columns beside it, and `--plot` draws one line per algorithm.
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
        // The counts beside the percentiles: started, still running at the end (left out of
        // the percentiles) and the timeouts summed over fct.csv, each the summary's own.
        for key in ["flows", "unfinished", "timeouts"] {
            let cell = &row[col(&format!("workload.h.{key}"))];
            assert_eq!(
                cell.parse::<u64>().unwrap(),
                s["workloads"][0][key].as_u64().unwrap(),
                "{key} in {row:?}"
            );
        }
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

/// The bundled `websearch-migration` (issue 20: "what a migration costs everyone else"), cut
/// to 0.6 s: the pre-copy migration across the core completes well inside the run at 30 %
/// web-search load (it used to stay in round 0 to the end of a 1.2 s run), and both the
/// flows that started within its window and those outside it are there, each side's buckets
/// with completed flows and slowdowns of at least 1.
#[test]
fn websearch_migration_completes_and_both_windows_have_flows() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ws");
    run_ok(&out, &["websearch-migration", "--set", "duration=0.6s"]);
    let (m, w) = migration_and_workload(&out);
    let end = m["end_s"].as_f64().expect("the migration ended");
    assert!(m["rounds"].as_u64().unwrap() >= 1, "{m}");
    assert!(end < 0.55, "the migration ends well inside the run: {m}");
    let window = &w["migrations"][0];
    assert_eq!(window["end_s"].as_f64(), Some(end));
    let (within, outside) = (flows_in(&window["within"]), flows_in(&window["outside"]));
    assert!(
        within >= 100 && outside >= 100,
        "{within} within, {outside} outside"
    );
    assert_eq!(within + outside, w["flows"].as_u64().unwrap());
    for side in ["within", "outside"] {
        let completed: u64 = window[side]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["completed"].as_u64().unwrap())
            .sum();
        assert!(completed >= 50, "{side}: {completed} completed");
        let p99 = window[side][0]["p99_slowdown"].as_f64().unwrap();
        assert!(p99 >= 1.0, "{side}: {p99}");
    }
}
/// Reads the `migrations[0]` and `workloads[0]` parts of a run's summary.
fn migration_and_workload(out: &Path) -> (serde_json::Value, serde_json::Value) {
    let s = summary(out);
    (s["migrations"][0].clone(), s["workloads"][0].clone())
}

/// The number of flows over a list of summary buckets.
fn flows_in(buckets: &serde_json::Value) -> u64 {
    buckets
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["flows"].as_u64().unwrap())
        .sum()
}

/// Timeouts summed over a run's fct.csv, and its flows.
fn incast_timeouts(out: &Path) -> (u64, u64) {
    let mut r = csv::Reader::from_path(out.join("fct.csv")).expect("fct.csv exists");
    let col = r.headers().unwrap().iter().position(|h| h == "timeouts");
    let col = col.expect("a timeouts column");
    let (mut timeouts, mut flows) = (0, 0);
    for rec in r.records() {
        timeouts += rec.unwrap()[col].parse::<u64>().unwrap();
        flows += 1;
    }
    (timeouts, flows)
}

/// Issue 20, "`examples/incast.toml` (DCTCP vs NewReno once both exist)": the bundled incast
/// (NewReno) and incast-dctcp (DCTCP with a step marker at K = 20) at the same N = 24 senders
/// of 64 KB into a 100-packet buffer: NewReno's incast times out, DCTCP's has fewer timeouts
/// (measured: 73 against 0) and a lower p99 slowdown, with every flow completed in both.
#[test]
fn incast_dctcp_has_fewer_timeouts_than_newreno_at_the_same_n() {
    let dir = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    for name in ["incast", "incast-dctcp"] {
        let out = dir.path().join(name);
        let s = run_ok(&out, &[name]);
        let w = &s["workloads"][0];
        assert_eq!(w["flows"], w["completed"], "{name}: every flow completes");
        let (timeouts, flows) = incast_timeouts(&out);
        assert_eq!(flows, 14 * 24, "{name}: 14 requests of 24 responses");
        runs.push((timeouts, w["overall"]["p99_slowdown"].as_f64().unwrap()));
    }
    let ((newreno, nr_p99), (dctcp, dc_p99)) = (runs[0], runs[1]);
    assert!(newreno > 0, "NewReno's incast collapses at N = 24");
    assert!(dctcp < newreno, "DCTCP {dctcp} timeouts, NewReno {newreno}");
    assert!(
        dc_p99 < nr_p99,
        "p99 slowdown: DCTCP {dc_p99}, NewReno {nr_p99}"
    );
}

/// Issue 20, websearch-migration "under dynamic routing": seed 002's D-R app reserves each
/// new pair's route (its links cost the maximum) until the next port-statistics reply clears
/// it. With the default 5 s polling no reply comes inside the run, every path is soon reserved,
/// and from then on every new pair ties onto the lowest-dpid path: in 0.2 s the first core
/// switch c0 carries most of the core's packets, and the migration across the core is starved
/// (measured at 0.6 s: c0 84 % of the core's packets, round 0 unfinished). Polling every
/// 10 ms clears the reservations and spreads the pairs; the migration then completes
/// (measured: 0.40 s, 4 rounds, ending at 0.50 s, as under ECMP) and both windows have flows.
#[test]
fn websearch_migration_under_dynamic_routing_needs_polling_inside_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let dr = [
        "--set",
        "controller.app=dynamic-routing",
        "--set",
        "controller.ecmp=off",
    ];
    // Packets received by each core switch (c0 … c15), in dpid order.
    let core_rx = |s: &serde_json::Value| -> Vec<u64> {
        s["switches"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["name"].as_str().unwrap().starts_with('c'))
            .map(|x| x["packets_received"].as_u64().unwrap())
            .collect()
    };
    let share_of_c0 = |rx: &[u64]| rx[0] as f64 / rx.iter().sum::<u64>() as f64;

    let stuck = dir.path().join("dr-5s");
    let mut args = vec!["websearch-migration", "--set", "duration=0.2s"];
    args.extend(dr);
    let s = run_ok(&stuck, &args);
    // No poll: the only multipart requests are the port descriptions, one per switch.
    let switches = s["switches"].as_array().unwrap().len() as u64;
    assert_eq!(s["controller"]["stats_requests"].as_u64(), Some(switches));
    let rx = core_rx(&s);
    assert_eq!(rx.len(), 16, "a k = 8 fat-tree has 16 core switches");
    assert!(
        share_of_c0(&rx) > 0.5,
        "c0 carries most of the core: {rx:?}"
    );

    let polled = dir.path().join("dr-10ms");
    let mut args = vec![
        "websearch-migration",
        "--set",
        "duration=0.55s",
        "--set",
        "controller.stats_interval=10ms",
    ];
    args.extend(dr);
    let s = run_ok(&polled, &args);
    let rx = core_rx(&s);
    assert!(share_of_c0(&rx) < 0.1, "spread over 16 cores: {rx:?}");
    let (m, w) = migration_and_workload(&polled);
    let end = m["end_s"].as_f64().expect("the migration ends under D-R");
    assert!(end < 0.55, "{m}");
    let window = &w["migrations"][0];
    assert_eq!(window["end_s"].as_f64(), Some(end));
    for side in ["within", "outside"] {
        let flows = flows_in(&window[side]);
        assert!(flows >= 100, "{side}: {flows} flows");
        let p99 = window[side][0]["p99_slowdown"].as_f64().unwrap();
        assert!(p99 >= 1.0, "{side}: {p99}");
    }
}
