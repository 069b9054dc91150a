//! Bad input gets exit code 1 and a message naming the place — never a panic, never a results
//! directory presented as a success. One case per kind of mistake.

mod common;

use common::*;

const GOOD: &str = r#"
name = "t"
duration = "10ms"

[topology]
kind = "dumbbell"
pairs = 1

[[flow]]
name = "f"
kind = "udp-cbr"
src = "l0"
dst = "r0"
rate = "10Mbps"
"#;

/// Writes `text` to a scenario file, runs `netsim ARGS… FILE`, and checks exit code 1, no
/// summary.json, and that stderr contains every `needle`.
fn expect_error(text: &str, extra: &[&str], needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    let o = netsim()
        .args([
            "--quiet",
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .args(extra)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    // miette wraps long messages with a `│` gutter; compare on the unwrapped words.
    let flat = err
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(
        o.status.code(),
        Some(1),
        "exit code for {needles:?}; stderr:\n{err}"
    );
    assert!(!err.contains("panicked"), "no panic:\n{err}");
    for n in needles {
        assert!(flat.contains(n), "stderr lacks {n:?}:\n{err}");
    }
    assert!(
        !out.join("summary.json").exists(),
        "no summary for a failed run"
    );
}

/// The good scenario is good (so the cases below fail for their one mistake).
#[test]
fn baseline_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ok.toml");
    std::fs::write(&file, GOOD).unwrap();
    run_ok(&dir.path().join("out"), &[file.to_str().unwrap()]);
}

#[test]
fn unknown_key_names_line_and_nearest_key() {
    let text = GOOD.replace("rate = \"10Mbps\"", "rat = \"10Mbps\"");
    expect_error(&text, &[], &["bad.toml:14", "rat", "did you mean `rate`"]);
}

/// The valid keys an unknown-key error lists for a flow are that flow's kind's, not every kind's.
#[test]
fn unknown_flow_key_lists_its_kinds_keys() {
    let text = GOOD.replace("rate = \"10Mbps\"", "rate = \"10Mbps\"\nrequets = \"1KB\"");
    expect_error(
        &text,
        &[],
        &[
            "unknown key `requets` in [[flow]] index 0",
            "valid keys in [[flow]] index 0: name, kind, src, dst, start, stop, rate, packet_size",
        ],
    );
}

#[test]
fn wrong_type() {
    let text = GOOD.replace("pairs = 1", "pairs = \"one\"");
    expect_error(&text, &[], &["bad.toml:7", "pairs"]);
}

#[test]
fn unknown_node_lists_the_nodes() {
    let text = GOOD.replace("dst = \"r0\"", "dst = \"r9\"");
    expect_error(
        &text,
        &[],
        &["bad.toml:13", "unknown node `r9`", "l0, r0, sl, sr"],
    );
}

/// A misspelt node gets the nearest name, and a fat-tree's numbered nodes are listed as runs.
#[test]
fn unknown_node_suggests_the_nearest_and_lists_runs() {
    let text = GOOD
        .replace(
            "kind = \"dumbbell\"\npairs = 1",
            "kind = \"fat-tree\"\nk = 4",
        )
        .replace("src = \"l0\"", "src = \"h0\"")
        .replace("dst = \"r0\"", "dst = \"h1x\"");
    expect_error(
        &text,
        &[],
        &[
            "unknown node `h1x`",
            "did you mean `h1`? this topology's nodes are h0…h15, e0…e7, a0…a7",
        ],
    );
}

/// A migration to a node that is not a host says what the node is and lists the hosts that
/// can run VMs.
#[test]
fn migration_to_a_non_host_lists_the_hosts() {
    let vm = "[[vm]]\nname = \"v\"\nhost = \"l0\"\nmemory = \"1MiB\"\n\
              [[migration]]\nvm = \"v\"\nat = \"1ms\"\nto = \"r9\"\n";
    let text = format!("{GOOD}{vm}");
    expect_error(
        &text,
        &[],
        &[
            "`r9` is no node of the topology: a migration moves a VM to a host",
            "did you mean `r0`? the hosts that can run VMs are l0, r0",
        ],
    );
    expect_error(
        &text,
        &["--set", "migration.0.to=sr"],
        &[
            "`sr` is a switch or router, not a host",
            "the hosts that can run VMs are l0, r0",
        ],
    );
}

/// An unknown node written by `--set` (found when the network is built, after loading) is
/// marked as coming from the command line, since the file does not contain it.
#[test]
fn unknown_node_from_set_says_so() {
    expect_error(
        GOOD,
        &["--set", "flow.0.dst=r9"],
        &[
            "unknown node `r9`",
            "this value comes from `--set flow.0.dst=r9`",
        ],
    );
}

#[test]
fn flow_to_a_forwarding_node() {
    let text = GOOD.replace("dst = \"r0\"", "dst = \"sl\"");
    expect_error(&text, &[], &["bad.toml:13", "`sl` is a forwarding node"]);
}

#[test]
fn unparsable_quantity() {
    let text = GOOD.replace("10Mbps", "fast");
    expect_error(&text, &[], &["bad.toml:14", "fast"]);
}

#[test]
fn zero_rate() {
    let text = GOOD.replace("10Mbps", "0Mbps");
    expect_error(&text, &[], &["bad.toml:14", "must be greater than"]);
}

#[test]
fn src_equals_dst() {
    let text = GOOD.replace("dst = \"r0\"", "dst = \"l0\"");
    expect_error(&text, &[], &["bad.toml:13", "`l0`", "src"]);
}

#[test]
fn negative_rate() {
    let text = GOOD.replace("10Mbps", "-10Mbps");
    expect_error(&text, &[], &["bad.toml:14", "-10Mbps"]);
}

#[test]
fn missing_topology_file() {
    let text = GOOD.replace(
        "kind = \"dumbbell\"\npairs = 1",
        "kind = \"file\"\npath = \"no-such-topology.toml\"",
    );
    expect_error(&text, &[], &["bad.toml:7", "no-such-topology.toml"]);
}

#[test]
fn min_rto_above_the_maximum_rto() {
    let text = format!("{GOOD}\n[tcp]\nmin_rto = \"61s\"\n");
    expect_error(&text, &[], &["min_rto", "at most 60s"]);
}

#[test]
fn mss_too_large_with_timestamps() {
    let text = format!("{GOOD}\n[tcp]\nmss = 65495\ntimestamps = true\n");
    expect_error(&text, &[], &["mss", "65483"]);
}

#[test]
fn missing_file() {
    let o = run(&["run", "/nonexistent/x.toml"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("/nonexistent/x.toml"), "{err}");
}

#[test]
fn set_path_that_does_not_exist() {
    expect_error(
        GOOD,
        &["--set", "topology.pears=2"],
        &["pears", "did you mean `pairs`"],
    );
}

#[test]
fn set_index_out_of_range() {
    expect_error(GOOD, &["--set", "flow.3.rate=1Mbps"], &["flow", "index 3"]);
}

/// A migration to the host the VM already runs on is refused at the `to` key.
#[test]
fn migration_to_its_own_host() {
    let text = format!(
        "{GOOD}\n[[vm]]\nname = \"vm1\"\nhost = \"l0\"\nmemory = \"128MB\"\n\
         [[migration]]\nvm = \"vm1\"\nto = \"l0\"\nat = \"1ms\"\n"
    );
    expect_error(&text, &[], &["bad.toml:", "`l0` already runs `vm1`"]);
}

/// A controller processing time that is not a delay is refused at its line, with the forms
/// that are accepted.
#[test]
fn bad_processing_time() {
    let text =
        format!("{GOOD}\n[controller]\napp = \"learning\"\nprocessing_time = \"gamma(1us)\"\n");
    expect_error(
        &text,
        &[],
        // Read by openflow's Delay through serde since the configuration moved there: the key,
        // its table and line, and the accepted forms.
        &[
            "invalid `processing_time` in [controller]",
            "bad.toml:18:19",
            "\"20us\", uniform(lo, hi) or normal(mean, sd)",
        ],
    );
}

/// An odd fat-tree parameter is refused with the valid range.
#[test]
fn odd_k() {
    let text = GOOD.replace(
        "kind = \"dumbbell\"\npairs = 1",
        "kind = \"fat-tree\"\nk = 3",
    );
    expect_error(&text, &[], &["bad.toml:7", "`k` must be even"]);
}

/// A topology file that is not connected is refused, naming two nodes that cannot meet.
#[test]
fn disconnected_topology_file() {
    let dir = tempfile::tempdir().unwrap();
    let topo = dir.path().join("topo.toml");
    std::fs::write(
        &topo,
        "[[node]]\nname = \"a\"\nkind = \"host\"\n[[node]]\nname = \"b\"\nkind = \"host\"\n\
         [[node]]\nname = \"s\"\nkind = \"switch\"\n[[link]]\na = \"a\"\nb = \"s\"\n",
    )
    .unwrap();
    let text = format!(
        "duration = \"1ms\"\n[topology]\nkind = \"file\"\npath = \"{}\"\n",
        topo.display()
    );
    expect_error(
        &text,
        &[],
        &["topo.toml", "disconnected", "`a` cannot reach `b`"],
    );
}

/// Usage errors from the argument parser exit with 2, as the contract says.
#[test]
fn usage_error_exits_2() {
    let o = run(&["run", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
}
