//! A migration names its own TCP settings (issue 18: "a hypervisor's stack need not be the
//! guests'"): `[[migration]] tcp = { preset = "linux" }` in a scenario whose `[tcp]` is
//! NewReno without SACK. The migration stream's connection runs Linux's stack (SACK-permitted
//! and timestamps on its SYN, SACK blocks from its receiver, CUBIC's β = 0.7 reduction), the
//! guests' connections on the same hosts do not (tshark's reading of the pcaps).

mod common;

use std::path::Path;

use common::*;

/// examples/default.toml (NewReno guests; vm1 migrates h10 → h15 at 0.5 s, its request-response
/// workload runs on h10 too) with `extra` added to its `[[migration]]`, pcaps on h0 and h10, 0.7 s long.
fn scenario(dir: &Path, extra: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(root().join("examples/default.toml")).unwrap();
    let algo = "algorithm = \"precopy\"\n";
    assert!(text.contains(algo) && text.contains("pcap = [\"h0\", \"h1\", \"h8\"]"));
    assert!(text.contains("duration = \"2s\""));
    let text = text
        .replacen(algo, &format!("{algo}{extra}\n"), 1)
        .replace(
            "pcap = [\"h0\", \"h1\", \"h8\"]",
            "pcap = [\"h0\", \"h10\"]",
        )
        .replace("duration = \"2s\"", "duration = \"700ms\""); // 0.2 s of migration
    let file = dir.join("s.toml");
    std::fs::write(&file, text).unwrap();
    file
}

/// (source port, destination port, SACK-permitted?, timestamps?) of every SYN in `pcap`.
fn syns(pcap: &Path) -> Vec<(u16, u16, bool, bool)> {
    let out = tshark(&[
        "-r",
        pcap.to_str().unwrap(),
        "-Y",
        "tcp.flags.syn == 1",
        "-T",
        "fields",
        "-e",
        "tcp.srcport",
        "-e",
        "tcp.dstport",
        "-e",
        "tcp.options.sack_perm",
        "-e",
        "tcp.options.timestamp.tsval",
    ]);
    out.lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let has = |i: usize| f.get(i).is_some_and(|v| !v.is_empty());
            (f[0].parse().unwrap(), f[1].parse().unwrap(), has(2), has(3))
        })
        .collect()
}

/// Segments in `pcap` that carry SACK blocks, as (source port, destination port).
fn sack_senders(pcap: &Path) -> Vec<(u16, u16)> {
    let out = tshark(&[
        "-r",
        pcap.to_str().unwrap(),
        "-Y",
        "tcp.options.sack_le",
        "-T",
        "fields",
        "-e",
        "tcp.srcport",
        "-e",
        "tcp.dstport",
    ]);
    let mut v: Vec<(u16, u16)> = out
        .lines()
        .map(|l| {
            let (a, b) = l.split_once('\t').unwrap();
            (a.parse().unwrap(), b.parse().unwrap())
        })
        .collect();
    v.dedup();
    v
}

/// The migration's connection uses the linux preset (SACK, timestamps, CUBIC); the guests'
/// (tcp0 on h0, vm1's workload on the migration's own source host h10) keep `[tcp]`'s NewReno.
#[test]
fn migration_tcp_preset_applies_to_the_migration_stream_only() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), "tcp = { preset = \"linux\" }");
    let out = dir.path().join("out");
    run_ok(&out, &[file.to_str().unwrap()]);
    let h10 = syns(&out.join("pcap/h10-0.pcap"));
    // The migration stream listens on 50000 + its index (src/migrate.rs `port`).
    let (mig, guests): (Vec<(u16, u16, bool, bool)>, Vec<_>) = h10
        .iter()
        .copied()
        .partition(|s| s.1 == 50_000 || s.0 == 50_000);
    assert_eq!(
        mig.len(),
        2,
        "the migration's SYN and SYN-ACK on h10: {h10:?}"
    );
    assert!(
        mig.iter().all(|s| s.2 && s.3),
        "SACK-permitted and timestamps on the migration's handshake: {mig:?}"
    );
    assert!(
        !guests.is_empty(),
        "vm1's workload connects on h10: {h10:?}"
    );
    assert!(
        guests.iter().all(|s| !s.2 && !s.3),
        "no SACK-permitted, no timestamps on the guest's handshake: {guests:?}"
    );
    let h0 = syns(&out.join("pcap/h0-0.pcap"));
    assert!(
        !h0.is_empty() && h0.iter().all(|s| !s.2 && !s.3),
        "tcp0: {h0:?}"
    );
    // SACK blocks: from the migration's receiver only.
    let sacks = sack_senders(&out.join("pcap/h10-0.pcap"));
    assert!(
        !sacks.is_empty(),
        "the migration's receiver reports SACK blocks"
    );
    assert!(sacks.iter().all(|&(src, _)| src == 50_000), "{sacks:?}");
    assert!(sack_senders(&out.join("pcap/h0-0.pcap")).is_empty());
    // CUBIC: the series carries W_max, and the first reduction is β = 0.7 of it (RFC 9438
    // §4.6; NewReno would halve).
    let series = std::fs::read_to_string(out.join("timeseries/migration-vm1-tcp.csv")).unwrap();
    assert!(series.lines().next().unwrap().ends_with(",w_max_bytes,k_s"));
    let first = series
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|r| r[2] != "4294967295")
        .expect("a loss episode in the migration");
    let (ssthresh, w_max): (f64, f64) = (first[2].parse().unwrap(), first[11].parse().unwrap());
    let beta = ssthresh / w_max;
    assert!((0.69..=0.71).contains(&beta), "ssthresh / W_max = {beta}");
    let guest = std::fs::read_to_string(out.join("timeseries/tcp0.csv")).unwrap();
    assert!(
        !guest.lines().next().unwrap().contains("w_max"),
        "tcp0 is NewReno"
    );
}

/// A bad `[[migration]] tcp` key is an error at that key, as in `[tcp]`.
#[test]
fn migration_tcp_bad_keys_are_errors_at_the_key() {
    for (extra, want) in [
        (
            "tcp = { preset = \"bsd\" }",
            "`bsd` is not a valid `preset`",
        ),
        ("tcp = { bogus = 1 }", "unknown key `bogus`"),
        (
            "tcp = { mss = 0 }",
            "`mss` must be between 1 and 65495 bytes, not 0",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = scenario(dir.path(), extra);
        let o = run(&["check", file.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{extra} accepted");
        assert!(err.contains(want), "{extra}: {err}");
        assert!(
            err.contains(extra),
            "{extra}: the key's line is shown: {err}"
        );
    }
}

/// `--set` reaches into a migration's `tcp` table by its dotted path, as into `[tcp]`: the
/// run equals the one written with the inline table, and a misspelt key is named with a
/// suggestion.
#[test]
fn migration_tcp_keys_can_be_set_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), "");
    let dotted = dir.path().join("dotted");
    let inline = dir.path().join("inline");
    let f = file.to_str().unwrap();
    let a = run_ok(&dotted, &[f, "--set", "migration.0.tcp.preset=linux"]);
    let b = run_ok(
        &inline,
        &[f, "--set", "migration.0.tcp={ preset = \"linux\" }"],
    );
    // 0.7 s: the migration is still running; its bytes so far tell the stacks apart.
    let m = |s: &serde_json::Value| s["migrations"][0]["bytes_sent"].clone();
    assert!(m(&a).as_u64().is_some_and(|n| n > 0), "{a}");
    assert_eq!(a["migrations"], b["migrations"]);
    assert_eq!(a["flows"], b["flows"]);
    let plain = run_ok(&dir.path().join("plain"), &[f]);
    assert_ne!(m(&a), m(&plain), "the preset changes the migration");
    let o = run(&["check", f, "--set", "migration.0.tcp.presett=linux"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        // (miette wraps the line; the suggestion is the last backticked word)
        err.contains("unknown key `presett`") && err.contains("`preset`?"),
        "{err}"
    );
}
