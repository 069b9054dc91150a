//! Helpers shared by the integration tests: run the `netsim` binary, read its results.
#![allow(dead_code)]

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
