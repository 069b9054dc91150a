//! Helpers shared by the integration tests: run the `netsim` binary, read its results.
#![allow(dead_code)]

pub mod ns3;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The netsim binary built for these tests.
pub fn netsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_netsim"))
}

/// The repository root (where `examples/` lives).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A command's stderr on one line: miette's gutters, box-drawing and line breaks removed, so
/// that a test can look for a message however miette wraps it.
pub fn flat_stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .replace(['│', '╭', '╰', '─', '·', '┬', '×', '⚠'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `netsim` with `args`; returns the output, asserting nothing.
pub fn run(args: &[&str]) -> Output {
    netsim().args(args).output().expect("netsim runs")
}

/// Runs `netsim run --quiet --out OUT ARGS…` and asserts success.
pub fn run_ok(out: &Path, args: &[&str]) -> serde_json::Value {
    let o = netsim()
        .args(["--quiet", "run", "--out"])
        .arg(out)
        .args(args)
        .output()
        .expect("netsim runs");
    assert!(
        o.status.success(),
        "netsim run {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    summary(out)
}

/// The parsed `summary.json` of a results directory.
pub fn summary(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("summary.json")).expect("summary.json exists");
    serde_json::from_str(&text).expect("summary.json is JSON")
}

/// `summary.json` as text without the `wall_time_s` line (the one field allowed to differ).
pub fn summary_without_wall_time(out: &Path) -> String {
    std::fs::read_to_string(out.join("summary.json"))
        .expect("summary.json exists")
        .lines()
        .filter(|l| !l.trim_start().starts_with("\"wall_time_s\""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs tshark with `args`, asserting it ran; returns stdout. Fails with an install hint when
/// tshark is missing (CI installs it).
pub fn tshark(args: &[&str]) -> String {
    let o = Command::new("tshark")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `tshark` ({e}); install it: apt-get install -y tshark (CI does)")
        });
    assert!(
        o.status.success(),
        "tshark {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("utf-8")
}

/// The flow called `name` in a summary.
pub fn flow<'a>(s: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    s["flows"]
        .as_array()
        .expect("flows")
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no flow {name}"))
}

/// A u64 field.
pub fn u(v: &serde_json::Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is not a u64: {v}"))
}

/// Runs `examples/<name>.toml` with `args` into a fresh directory; hands the directory and the
/// summary to `read`.
pub fn run_example<R>(
    name: &str,
    args: &[&str],
    read: impl FnOnce(&Path, &serde_json::Value) -> R,
) -> R {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join(format!("examples/{name}.toml"));
    let mut all = vec![scenario.to_str().unwrap()];
    all.extend_from_slice(args);
    let s = run_ok(dir.path(), &all);
    read(dir.path(), &s)
}

/// `f` over `items` on as many threads as the machine has cores (each item is typically a
/// `netsim` process), results in input order.
pub fn par_map_bounded<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut out: Vec<(usize, R)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers.min(items.len()))
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(item)));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker panicked"))
            .collect()
    });
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

/// A number field of a JSON object (a migration's `total_time_s`, …); panics naming the key
/// when it is null (an unfinished migration) or missing.
pub fn num(v: &serde_json::Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number (did the migration finish?): {v}"))
}
