//! Issue 16: twinned topologies (`[topology] kind = "twin"`), the bundled twinned k = 4
//! fat-tree migration, and the packets lost in the finalize phase. Each test is named after
//! the issue item it proves.

mod common;

use common::*;

/// Runs `text` as a scenario file; (exit code, stderr, summary if it ran).
fn run_text(text: &str) -> (Option<i32>, String, Option<serde_json::Value>) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.toml");
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("o");
    let o = run(&[
        "--quiet",
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let s = o.status.success().then(|| summary(&out));
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).to_string(),
        s,
    )
}

/// Deliver, twin networks: "any topology kind can be twinned (for example two k = 4
/// fat-trees joined at a tunnel switch), with a mapping old switch → new switch and old host
/// → new host". A twinned linear topology under `[network_migration]` with the default
/// mapping (`o<x>` ↔ `n<x>`, tunnel switch `ts`): both hosts' VMs migrate, both positions
/// move, finalize runs, and the ping between the VMs keeps being answered.
#[test]
fn any_topology_kind_can_be_twinned() {
    let text = r#"
duration = "3s"
[topology]
kind = "twin"
of = { kind = "linear", switches = 3, hosts_per_switch = 1 }
tunnel = { rate = "10Gbps" }
[controller]
app = "shortest-path"
[[vm]]
name = "a"
host = "oh0"
memory = "1MiB"
state = "64KiB"
[[vm]]
name = "b"
host = "oh2"
memory = "1MiB"
state = "64KiB"
[network_migration]
algorithm = "asap"
hosts = [{ old = "oh0", new = "nh0", at = "0.5s" }, { old = "oh2", new = "nh2", at = "after-previous" }]
prepare = "0.2s"
finalize = "after-last-resume"
[[flow]]
name = "ping"
kind = "ping"
src = "a"
dst = "b"
interval = "20ms"
"#;
    let (code, err, s) = run_text(text);
    assert_eq!(code, Some(0), "{err}");
    let s = s.unwrap();
    let nm = &s["network_migration"];
    assert!(nm["hosts_moved_s"][0].as_f64().unwrap() > 0.5);
    assert!(nm["hosts_moved_s"][1].as_f64().unwrap() > nm["hosts_moved_s"][0].as_f64().unwrap());
    assert_eq!(
        nm["finalize_s"], nm["hosts_moved_s"][1],
        "after the last resume"
    );
    assert_eq!(s["migrations"].as_array().unwrap().len(), 2);
    let ping = flow(&s, "ping");
    assert!(u(ping, "packets_sent") > 100, "pings sent");
    assert!(
        u(ping, "lost") * 20 < u(ping, "packets_sent"),
        "the pings get through the migration: {ping}"
    );
}

/// Deliver, twin networks, bad input: the twin table's errors point at the key and exit 1.
#[test]
fn bad_twin_tables_get_pointed_errors() {
    let cases = [
        (
            "[topology]\nkind = \"twin\"\n",
            "a twin topology has no `of`",
        ),
        (
            "[topology]\nkind = \"twin\"\nof = { kind = \"twin\", of = { kind = \"star\" } }\n",
            "a twin topology cannot twin a twin topology",
        ),
        (
            "[topology]\nkind = \"twin\"\nof = { kind = \"two-dc\" }\n",
            "cannot twin a two-dc topology",
        ),
        (
            "[topology]\nkind = \"twin\"\nof = { kind = \"star\" }\nk = 4\n",
            "`k` does not apply to a twin topology",
        ),
        (
            "[topology]\nkind = \"twin\"\nof = { kind = \"fat-tree\", k = 3 }\n",
            "fat-tree `k` must be even",
        ),
        (
            "[topology]\nkind = \"twin\"\nof = { kind = \"star\" }\ntunnel = { rate = \"0bps\" }\n",
            "invalid `rate` in [topology.tunnel]",
        ),
        (
            "[topology]\nkind = \"fat-tree\"\ntunnel = { rate = \"1Gbps\" }\n",
            "`tunnel` does not apply to a fat-tree topology",
        ),
    ];
    for (text, want) in cases {
        let (code, err, _) = run_text(text);
        assert_eq!(code, Some(1), "{text}: exit 1\n{err}");
        assert!(err.contains(want), "{text}\nwanted {want:?} in:\n{err}");
        assert!(err.contains("t.toml:"), "points at the file: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// Deliver, the bundled example: "a twinned k = 4 fat-tree migrating all 16 hosts' VMs".
/// `examples/twin-fat-tree-4.toml` (shortest-path written for one network, under the shim):
/// every VM migrated, from its old host to its new one, one at a time; every host position
/// moved, in order; finalize after the last; the tunnel entries all deleted; the 30 MB transfer
/// delivered whole and the long one's bytes conserved (delivered ≤ sent).
#[test]
fn twin_fat_tree_4_migrates_all_16_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let s = run_ok(&out, &["twin-fat-tree-4"]);
    let migs = s["migrations"].as_array().unwrap();
    assert_eq!(migs.len(), 16, "one VM per host");
    let mut prev_end = 0.0;
    for (i, m) in migs.iter().enumerate() {
        assert_eq!(m["vm"], format!("vm{i}"));
        assert_eq!(m["from"], format!("oh{i}"));
        assert_eq!(m["to"], format!("nh{i}"));
        let end = m["end_s"].as_f64().expect("migrated");
        assert!(end > prev_end, "one host at a time: {m}");
        prev_end = end;
    }
    let nm = &s["network_migration"];
    assert_eq!(nm["algorithm"], "alap");
    let moved: Vec<f64> = nm["hosts_moved_s"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_f64().expect("every host moved"))
        .collect();
    assert_eq!(moved.len(), 16);
    for (i, m) in migs.iter().enumerate() {
        assert_eq!(
            moved[i],
            m["end_s"].as_f64().unwrap(),
            "moved when its VM resumed"
        );
    }
    assert_eq!(nm["finalize_s"].as_f64(), Some(moved[15]), "after the last");
    assert!(nm["finalize_applied_s"].as_f64().unwrap() >= moved[15]);
    assert_eq!(
        nm["tunnel_rules_installed"], nm["tunnel_rules_deleted"],
        "finalize removed every tunnel entry"
    );
    assert!(u(nm, "tunnel_packets") > 0);
    assert!(nm["rejected"].as_array().unwrap().is_empty());
    let short = flow(&s, "bulk-5-10");
    assert_eq!(u(short, "bytes_delivered"), 30_000_000, "delivered whole");
    assert!(short["end_s"].as_f64().is_some(), "completed");
    let long = flow(&s, "bulk-0-15");
    assert!(u(long, "bytes_delivered") <= u(long, "bytes_sent"));
    assert!(u(long, "bytes_delivered") > 50_000_000, "kept flowing");
    assert!(out.join("plots/network-migration.svg").exists(), "timeline");
}

/// Outputs: "packets lost in the finalize phase". The window runs from MIGRATE_SWITCHES to
/// two channel latencies after its last FLOW_MOD took effect; with zero switch write latency
/// that FLOW_MOD takes effect one channel latency (50 µs) after the command. What is counted
/// is a part of the switches' drops of the whole run (table misses, queue and CPU drops,
/// expired buffers), and a run that ends inside the window reports null.
#[test]
fn packets_lost_in_the_finalize_phase() {
    let dir = tempfile::tempdir().unwrap();
    let s = run_ok(&dir.path().join("o"), &["arora2013-asap"]);
    let nm = &s["network_migration"];
    let f = nm["finalize_s"].as_f64().unwrap();
    let applied = nm["finalize_applied_s"].as_f64().unwrap();
    assert!((applied - f - 50e-6).abs() < 1e-9, "{f} → {applied}");
    let lost = u(nm, "finalize_lost_packets");
    let all: u64 = s["switches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            u(w, "table_misses") + u(w, "buffers_expired") + w["cpu_drops"].as_u64().unwrap_or(0)
        })
        .sum();
    let queue: u64 = s["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| u(q, "dropped_packets"))
        .sum();
    assert!(lost <= all + queue, "{lost} of {all} + {queue}");
    let dir = tempfile::tempdir().unwrap();
    let s = run_ok(
        &dir.path().join("o"),
        &["arora2013-asap", "--set", "duration=20.00006s"],
    );
    let nm = &s["network_migration"];
    assert!(nm["finalize_applied_s"].as_f64().is_some());
    assert!(
        nm["finalize_lost_packets"].is_null(),
        "ended before the window closed: {nm}"
    );
}

/// The switch's table from `dir/dump-flows/<switch>.txt` (`--dump-flows`), each entry without
/// what differs between two switches holding the same rules (cookie, age, counters).
fn table(dir: &std::path::Path, switch: &str) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join(format!("dump-flows/{switch}.txt"))).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            l.split(", ")
                .filter(|f| {
                    !["cookie=", "duration=", "table=", "n_packets=", "n_bytes="]
                        .iter()
                        .any(|p| f.trim_start().starts_with(p))
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect()
}

/// Must hold: "after ALAP's finalize the old switches hold no rules; after ASAP's, the new
/// switches hold the old switches' app rules (same matches, priorities, actions, remaining
/// timeouts) and nothing else". Through the loader and a run: the bundled arora2013 examples
/// finalized at 19.5 s and dumped (`--dump-flows`) at 19.51 s, once every finalize FLOW_MOD
/// has taken effect. The reference is the same scenario without `[network_migration]` dumped
/// at the same instant: its old switches hold exactly the app's rules (path-flip is driven by
/// time, so the app wants the same rules in both runs). Under ASAP, each new switch's table
/// is its old twin's table of the reference, entry for entry (the path-flip app sets no
/// timeouts; copies' remaining timeouts are the crate tests' `rules` checks); the old
/// switches and the tunnel switch are empty. Under ALAP, the old switches and `ts` are empty.
#[test]
fn after_finalize_asap_new_switches_hold_the_app_rules_alap_old_switches_none() {
    let args = |dir: &std::path::Path| {
        vec![
            "--dump-flows".to_string(),
            "--set".into(),
            "duration=19.51s".into(),
            "--out".into(),
            dir.to_str().unwrap().to_string(),
        ]
    };
    let text = std::fs::read_to_string(root().join("examples/arora2013-asap.toml")).unwrap();
    let start = text.find("[network_migration]").unwrap();
    let end = text[start..].find("[[flow]]").unwrap() + start;
    let reference = format!("{}{}", &text[..start], &text[end..]);
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("reference.toml");
    std::fs::write(&file, reference).unwrap();
    let ref_dir = tmp.path().join("ref");
    let mut a = vec![
        "--quiet".to_string(),
        "run".into(),
        file.to_str().unwrap().into(),
    ];
    a.extend(args(&ref_dir));
    let o = netsim().args(&a).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for alg in ["asap", "alap"] {
        let dir = tmp.path().join(alg);
        let mut a = vec![
            "--quiet".to_string(),
            "run".into(),
            format!("arora2013-{alg}"),
            "--set".into(),
            "network_migration.finalize=19.5s".into(),
        ];
        a.extend(args(&dir));
        let o = netsim().args(&a).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let nm = &summary(&dir)["network_migration"];
        assert_eq!(nm["finalize_s"].as_f64(), Some(19.5));
        assert!(nm["finalize_applied_s"].as_f64().unwrap() < 19.51, "{nm}");
        for i in 1..=4 {
            assert!(
                table(&dir, &format!("os{i}")).is_empty(),
                "{alg}: os{i} holds no rules"
            );
            let app = table(&ref_dir, &format!("os{i}"));
            assert!(app.len() >= 3, "the reference has the app's rules: {app:?}");
            if alg == "asap" {
                assert_eq!(
                    table(&dir, &format!("ns{i}")),
                    app,
                    "ns{i} holds os{i}'s app rules and nothing else"
                );
            }
        }
        assert!(table(&dir, "ts").is_empty(), "{alg}: tunnel entries gone");
    }
}
