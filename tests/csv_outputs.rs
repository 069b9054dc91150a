//! Every CSV file netsim writes is well-formed: read back with a real CSV parser, each record
//! has as many fields as its header, and the header's names are unique and non-empty.
//!
//! The files are found by walking the results directories, not listed by name, so a new kind
//! of CSV is covered as soon as one of these runs writes it.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{root, run, run_ok};

/// A k = 4 fat-tree with every kind of time series netsim records: TCP bulk flows, a UDP CBR
/// and an on-off flow, a ping, a request-response flow, a VM workload, a link in both
/// directions, and three migrations (pre-copy, post-copy, stop-and-copy) with their rounds and
/// their TCP connections.
const EVERY_SERIES: &str = r#"
name = "csv-outputs"
seed = 3
duration = "0.25s"

[topology]
kind = "fat-tree"
k = 4
link = { rate = "1Gbps", delay = "1us", queue = "100p" }

[[flow]]
name = "bulk"
kind = "tcp-bulk"
src = "h0"
dst = "h8"

[[flow]]
name = "short"
kind = "tcp-bulk"
src = "h1"
dst = "h9"
bytes = "200KB"

[[flow]]
name = "cbr"
kind = "udp-cbr"
src = "h2"
dst = "h10"
rate = "100Mbps"

[[flow]]
name = "onoff"
kind = "udp-onoff"
src = "h3"
dst = "h11"
rate = "200Mbps"
on = "20ms"
off = "20ms"

[[flow]]
name = "ping"
kind = "ping"
src = "h5"
dst = "h13"
interval = "10ms"

[[flow]]
name = "rr"
kind = "request-response"
src = "h6"
dst = "h14"
request = "200B"
response = "4KB"
interval = "10ms"

[[vm]]
name = "vm1"
host = "h4"
memory = "8MiB"
dirty_rate = 2000
workload = { kind = "request-response", client = "h7", request = "200B", response = "4KB", interval = "10ms" }

[[vm]]
name = "vm2"
host = "h12"
memory = "4MiB"
dirty_rate = 5000

[[vm]]
name = "vm3"
host = "h15"
memory = "4MiB"

[[migration]]
vm = "vm1"
to = "h5"
at = "50ms"
algorithm = "precopy"

[[migration]]
vm = "vm2"
to = "h13"
at = "60ms"
algorithm = "postcopy"

[[migration]]
vm = "vm3"
to = "h14"
at = "70ms"
algorithm = "stop-and-copy"

[orchestrator]
concurrent = 3

[trace]
pcap = "none"
timeseries = ["bulk", "short", "cbr", "onoff", "ping", "rr", "vm1-workload", "link:h0-e0",
              "link:e0-a0", "migration:vm1", "migration:vm2", "migration:vm3"]
sample_interval = "5ms"
"#;

/// Every `*.csv` file under `dir`, at any depth, in sorted order.
fn csv_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("read {}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|x| x == "csv") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Reads `path` with the `csv` crate (records of any length allowed, so that a short or long
/// row is reported here with its line rather than as a parser error) and checks the header and
/// every record. Returns the header and the number of records.
fn check_csv(path: &Path) -> (Vec<String>, usize) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_path(path)
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let header: Vec<String> = reader
        .headers()
        .unwrap_or_else(|e| panic!("{}: header: {e}", path.display()))
        .iter()
        .map(str::to_string)
        .collect();
    assert!(!header.is_empty(), "{}: no header", path.display());
    for name in &header {
        assert!(
            !name.trim().is_empty(),
            "{}: an empty column name in {header:?}",
            path.display()
        );
    }
    let unique: BTreeSet<&String> = header.iter().collect();
    assert_eq!(
        unique.len(),
        header.len(),
        "{}: duplicate column names in {header:?}",
        path.display()
    );
    let mut rows = 0;
    for record in reader.records() {
        let record = record.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let line = record.position().map_or(0, |p| p.line());
        assert_eq!(
            record.len(),
            header.len(),
            "{} line {line}: {} fields under a header of {} ({header:?}): {record:?}",
            path.display(),
            record.len(),
            header.len()
        );
        rows += 1;
    }
    (header, rows)
}

/// Checks every CSV under `dir`; fails if there is none. Returns the files' names relative to
/// `dir` with their headers and record counts.
fn check_all(dir: &Path) -> Vec<(String, Vec<String>, usize)> {
    let files = csv_files(dir);
    assert!(!files.is_empty(), "no CSV file under {}", dir.display());
    files
        .iter()
        .map(|f| {
            let (header, rows) = check_csv(f);
            let rel = f.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (rel, header, rows)
        })
        .collect()
}

/// A run with every kind of time series: every CSV it writes (found on disk) parses with as
/// many fields per record as header names, unique and non-empty. The list of files proves that
/// each kind was really written — flows.csv, a TCP trace, a UDP/ping/request-response trace, a
/// link trace, and each migration's rounds and TCP connection — and that each has rows (a file
/// with a header only would check nothing). The TCP traces name `in_recovery`, the column that
/// once had no header.
#[test]
fn every_csv_of_a_run_has_one_field_per_header_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("every-series.toml");
    std::fs::write(&file, EVERY_SERIES).unwrap();
    let out = dir.path().join("out");
    let summary = run_ok(&out, &[file.to_str().unwrap()]);
    let checked = check_all(&out);
    let names: Vec<&str> = checked.iter().map(|(n, _, _)| n.as_str()).collect();
    for want in [
        "flows.csv",
        "timeseries/bulk.csv",
        "timeseries/short.csv",
        "timeseries/cbr.csv",
        "timeseries/onoff.csv",
        "timeseries/ping.csv",
        "timeseries/rr.csv",
        "timeseries/vm1-workload.csv",
        "timeseries/link-h0-e0.csv",
        "timeseries/link-e0-a0.csv",
        "timeseries/migration-vm1.csv",
        "timeseries/migration-vm1-tcp.csv",
        "timeseries/migration-vm2.csv",
        "timeseries/migration-vm2-tcp.csv",
        "timeseries/migration-vm3.csv",
        "timeseries/migration-vm3-tcp.csv",
    ] {
        assert!(names.contains(&want), "{want} not written: {names:?}");
    }
    for (name, header, rows) in &checked {
        assert!(*rows > 0, "{name} has a header {header:?} and no rows");
    }
    let tcp = &checked
        .iter()
        .find(|(n, _, _)| n == "timeseries/bulk.csv")
        .unwrap()
        .1;
    assert_eq!(
        tcp[tcp.len() - 2..],
        ["in_recovery".to_string(), "reason".to_string()],
        "the TCP trace's last two columns"
    );
    // Every migration finished, so each one's rounds file holds all its rounds.
    for m in summary["migrations"].as_array().unwrap() {
        assert!(m["end_s"].is_number(), "migration unfinished: {m}");
    }
}

/// The bundled default, cut short (its migration still in flight): its CSVs, including a
/// migration's partial rounds, are as well-formed as a finished run's.
#[test]
fn the_bundled_default_cut_short_writes_well_formed_csvs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let s = run_ok(&out, &["default", "--set", "duration=0.6s"]);
    assert!(
        s["migrations"][0]["end_s"].is_null(),
        "the migration is cut off by the end of the run"
    );
    let checked = check_all(&out);
    assert!(
        checked
            .iter()
            .any(|(n, _, _)| n == "timeseries/migration-vm1-tcp.csv"),
        "the migration's TCP series is among {checked:?}"
    );
}

/// A tiny `netsim sweep` (2 rates × 1 seed): `sweep.csv` and each point's CSVs parse with one
/// field per header name.
#[test]
fn a_sweep_writes_well_formed_csvs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let scenario = root().join("examples/dumbbell-udp.toml");
    let o = run(&[
        "--quiet",
        "sweep",
        scenario.to_str().unwrap(),
        "--set",
        "duration=0.02s",
        "--set",
        "flow.0.rate=100Mbps,300Mbps",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        o.status.success(),
        "sweep failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let checked = check_all(&out);
    let sweep = checked
        .iter()
        .find(|(n, _, _)| n == "sweep.csv")
        .unwrap_or_else(|| panic!("sweep.csv not among {checked:?}"));
    assert_eq!(sweep.2, 2, "one row per point");
}
