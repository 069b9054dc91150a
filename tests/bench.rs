//! `netsim bench` end to end: its rows agree with `netsim run`, its rates are its counts over
//! its wall time, its peak RSS is the scenario's own, and a bad scenario stops it with the file
//! named and nothing written.

mod common;

use common::*;

/// Rows of a `--json` file.
fn rows(path: &std::path::Path) -> Vec<serde_json::Value> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("json written")).unwrap();
    assert_eq!(v["schema"], "netsim.bench/1");
    v["rows"].as_array().expect("rows").clone()
}

fn f(v: &serde_json::Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number: {v}"))
}

/// The same scenario given as a file and as a bundled name gives two rows whose events and
/// link transmissions are exactly what `netsim run` writes to summary.json (`events`, the sum
/// of `queues[].tx_packets`); each rate is its count over the row's wall time; the peak RSS is
/// a few MiB (the scenario's own process, not a cumulative mark); and the CSV and the printed
/// table carry the same counts.
#[test]
fn rows_match_netsim_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = root().join("examples/perf-dumbbell.toml");
    let file = file.to_str().unwrap();
    let set = ["--set", "duration=50ms"];
    let (json, csv) = (dir.path().join("b.json"), dir.path().join("b.csv"));
    let o = netsim()
        .args(["bench", file, "perf-dumbbell", "--repeat", "2"])
        .args(set)
        .arg("--json")
        .arg(&json)
        .arg("--csv")
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "netsim bench failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );

    let s = run_ok(&dir.path().join("run"), &[file, set[0], set[1]]);
    let events = u(&s, "events");
    let link_tx: u64 = s["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| u(q, "tx_packets"))
        .sum();
    assert!(events > 10_000 && link_tx > 5_000, "{events} {link_tx}");

    let rows = rows(&json);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["scenario"], file);
    assert_eq!(rows[1]["scenario"], "perf-dumbbell");
    for r in &rows {
        assert_eq!(u(r, "runs"), 2);
        assert_eq!(u(r, "events"), events, "events as in summary.json: {r}");
        assert_eq!(
            u(r, "link_transmissions"),
            link_tx,
            "sum of tx_packets: {r}"
        );
        assert_eq!(f(r, "sim_time_s"), 0.05);
        let wall = f(r, "wall_s");
        assert!(wall > 0.0 && wall <= f(r, "process_wall_s"), "{r}");
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs();
        assert!(close(f(r, "events_per_s"), events as f64 / wall), "{r}");
        assert!(
            close(f(r, "link_transmissions_per_s"), link_tx as f64 / wall),
            "{r}"
        );
        assert!(close(f(r, "wall_per_sim_s"), wall / 0.05), "{r}");
        assert!(f(r, "cpu_s") > 0.0, "{r}");
        let rss = u(r, "peak_rss_bytes");
        assert!(
            (1 << 20..64 << 20).contains(&rss),
            "peak RSS {rss} B is not a few MiB"
        );
    }

    let csv = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("scenario,runs,sim_time_s,events,link_transmissions,"));
    assert!(
        lines[2].starts_with(&format!("perf-dumbbell,2,0.05,{events},{link_tx},")),
        "{csv}"
    );
    let table = String::from_utf8(o.stdout).unwrap();
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("perf-dumbbell") && l.contains(&events.to_string())),
        "{table}"
    );
}

/// A missing file, even after a good scenario, stops the bench before anything runs: exit 1,
/// the file named, no JSON written.
#[test]
fn missing_scenario_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("b.json");
    let o = netsim()
        .args(["bench", "perf-dumbbell", "no-such-scenario.toml", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no-such-scenario.toml"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!json.exists(), "no partial results");
    assert!(
        o.stdout.is_empty(),
        "no table: {}",
        String::from_utf8_lossy(&o.stdout)
    );
}

/// A scenario that loads but names a node the topology lacks is refused with the file and
/// the node named, before any run.
#[test]
fn bad_node_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "duration = \"1ms\"\n[topology]\nkind = \"dumbbell\"\n\
         [[flow]]\nname = \"a\"\nkind = \"tcp-bulk\"\nsrc = \"l0\"\ndst = \"zz\"\n",
    )
    .unwrap();
    let o = netsim()
        .args(["--quiet", "bench"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.toml") && err.contains("zz"), "{err}");
}
