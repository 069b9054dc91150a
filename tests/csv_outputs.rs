//! Correct outputs (issue 14).
//!
//! * Every CSV file netsim writes is well-formed: read back with a real CSV parser, each record
//!   has as many fields as its header, and the header's names are unique and non-empty. The
//!   files are found by walking the results directories, not listed by name, so a new kind of
//!   CSV is covered as soon as one of these runs writes it.
//! * A migration cut off by the end of the run reports as `bytes_sent` what the receiver
//!   acknowledged, not what was queued.
//! * A VM's memory size costs the model memory only for the pages touched: a 1 TiB VM
//!   migrates with little memory, and a VM beyond the page bound is refused by `check` and
//!   `run` with the key, its line, the bound and the page size, never aborted.

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

/// A k = 4 fat-tree of 1 Gbit/s links where a VM of `memory` on h4 starts migrating to h12 by
/// pre-copy at 0 s; the run ends at 0.3 s, long before the migration could finish.
fn big_vm(memory: &str) -> String {
    format!(
        "name = \"big-vm\"\nseed = 1\nduration = \"0.3s\"\n\
         [topology]\nkind = \"fat-tree\"\nk = 4\nlink = {{ rate = \"1Gbps\", delay = \"1us\", queue = \"100p\" }}\n\
         [[vm]]\nname = \"vm1\"\nhost = \"h4\"\nmemory = \"{memory}\"\ndirty_rate = 5000\n\
         [[migration]]\nvm = \"vm1\"\nto = \"h12\"\nat = \"0s\"\n"
    )
}

/// What 1 Gbit/s carries in 0.3 s (bytes).
const CAPACITY_0_3_S: u64 = 1_000_000_000 / 8 * 3 / 10;

/// A 1 TiB VM's pre-copy cut off at 0.3 s, run through the library so that the receiving sink
/// can be read: `bytes_sent` is at most what the link carries in 0.3 s (it once reported the
/// whole 1 TiB queued), is most of it (the stream really flowed), equals the sender's
/// acknowledged count, and trails the bytes the receiver got in order by no more than the data
/// whose ACKs are still on their way back (a few segments at 1 Gbit/s over 6 hops): the
/// acknowledgement is the sender's evidence of what the receiver has.
#[test]
fn a_cut_off_migration_reports_acknowledged_bytes() {
    let text = big_vm("1TiB");
    let (scenario, source) = netsim::scenario::load_str("big-vm.toml", &text, &[]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut built = netsim::build::build(&scenario, &source, dir.path()).unwrap();
    let end = scenario.duration;
    built.sim.run_until(end);
    let summary = netsim::summary::collect("big-vm", 1, &built, end, 0.0);
    let m = &summary.migrations[0];
    assert_eq!(m.end_s, None, "cut off by the end of the run");
    let net = &built.sim.model;
    let handle = &built.migrations[0];
    let received = net.app(handle.sink).report().counters().bytes_received;
    let net_stack::app::Report::Migration(report) = net.app(handle.app).report() else {
        panic!("a migration application reports a migration");
    };
    assert_eq!(
        report.bytes_written,
        1 << 40,
        "round 0 handed all of memory down"
    );
    assert!(
        m.bytes_sent <= CAPACITY_0_3_S,
        "{} B sent in 0.3 s over 1 Gbit/s ({CAPACITY_0_3_S} B at most)",
        m.bytes_sent
    );
    assert!(
        m.bytes_sent > CAPACITY_0_3_S * 8 / 10,
        "the stream used the link: {} B",
        m.bytes_sent
    );
    let socket = net.sockets().all().iter().find(|s| s.app == handle.app);
    assert_eq!(
        m.bytes_sent,
        socket.expect("the migration's socket").bytes_acked(),
        "the engine learns of every acknowledgement as it arrives"
    );
    assert_eq!(report.bytes_sent, m.bytes_sent);
    assert!(
        m.bytes_sent <= received && received - m.bytes_sent <= 10 * 1448,
        "acknowledged {} vs received {received}",
        m.bytes_sent
    );
}

/// Runs `netsim` with `args`, waits for it with `wait4`, and returns its exit code and peak
/// resident memory (KiB, the kernel's ru_maxrss for that one child).
fn run_measured(args: &[&str]) -> (i32, i64, String) {
    // Reaped by `wait4` below, which `Child::wait` cannot replace: it also returns the child's
    // resource usage.
    #[allow(clippy::zombie_processes)]
    let child = common::netsim()
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("netsim starts");
    let pid = child.id() as libc::pid_t;
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.unwrap(), &mut stderr).unwrap();
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in; `pid` is our own unwaited child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
    assert!(
        libc::WIFEXITED(status),
        "netsim {args:?} did not exit normally (status {status}): {stderr}"
    );
    (libc::WEXITSTATUS(status), usage.ru_maxrss, stderr)
}

/// The same 0.3 s pre-copy of a 1 TiB VM and of a 1 GiB VM: the 1 TiB run's peak memory is at
/// most 8 MiB above the 1 GiB run's. A flat dirty bitmap over 2^28 pages is 32 MiB, all of it
/// written when round 0 marks every page; the chunked one marks every page with one slot per
/// 32 768 pages (128 KiB) and allocates only for the ~1 500 pages written in 0.3 s. The 1 TiB
/// run's numbers are sane: at most what the link carries, and the same as the 1 GiB run's
/// (the network, not the memory size, sets the pace).
#[test]
fn a_1tib_vm_migrates_with_little_memory() {
    let dir = tempfile::tempdir().unwrap();
    let mut peak = Vec::new();
    let mut sent = Vec::new();
    for memory in ["1GiB", "1TiB"] {
        let file = dir.path().join(format!("{memory}.toml"));
        std::fs::write(&file, big_vm(memory)).unwrap();
        let out = dir.path().join(memory);
        let (code, rss_kib, stderr) = run_measured(&[
            "--quiet",
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{memory}: {stderr}");
        let s = common::summary(&out);
        peak.push(rss_kib);
        sent.push(s["migrations"][0]["bytes_sent"].as_u64().unwrap());
    }
    assert!(
        peak[1] - peak[0] < 8 * 1024,
        "peak RSS 1 GiB VM {} KiB, 1 TiB VM {} KiB",
        peak[0],
        peak[1]
    );
    assert!(sent[1] <= CAPACITY_0_3_S && sent[1] > 0, "{sent:?}");
    assert_eq!(sent[0], sent[1], "the same bytes crossed the same network");
}

/// A 1000 TiB VM (2^38 pages of 4 KiB, beyond the 2^36 bound) is refused by `check` and by
/// `run` with exit code 1 (not an allocation abort, 134) and a message that names the
/// `memory` key on its line, the VM's page count, the bound and the page size; `run` leaves no
/// results. With 2 MiB pages the same memory is 5·10^8 pages and runs.
#[test]
fn a_vm_beyond_the_page_bound_is_refused_with_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.toml");
    std::fs::write(&file, big_vm("1000TiB")).unwrap();
    let out = dir.path().join("out");
    for args in [
        vec!["check", file.to_str().unwrap()],
        vec![
            "--quiet",
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    ] {
        let (code, _, stderr) = run_measured(&args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        // miette wraps long messages with a `│` gutter; compare on the unwrapped words.
        let flat = stderr
            .replace('│', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for want in [
            "huge.toml:11:",
            "memory = \"1000TiB\"",
            "`memory` of vm `vm1`",
            "268435456000 pages of 4096 bytes",
            "at most 68719476736 (2^36) pages",
            "256 TiB of 4096-byte pages",
        ] {
            assert!(flat.contains(want), "{args:?}: `{want}` not in {stderr}");
        }
    }
    assert!(
        !out.join("summary.json").exists(),
        "no results from a refused run"
    );
    let big_pages = big_vm("1000TiB").replace("dirty_rate", "page_size = \"2MiB\"\ndirty_rate");
    std::fs::write(&file, big_pages).unwrap();
    let s = run_ok(&out, &[file.to_str().unwrap()]);
    let sent = s["migrations"][0]["bytes_sent"].as_u64().unwrap();
    assert!(sent > 0 && sent <= CAPACITY_0_3_S, "{sent}");
}
