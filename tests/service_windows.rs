//! Issue 19 (seed 004's leftover): `service_downtime_s` per migration for request-response,
//! ping and stream workloads — one value per migration, measured within each migration's
//! window (the longest gap between receptions that overlaps it), so a VM migrated twice
//! reports two.

mod common;

use common::*;

/// A 32 MiB VM on the seed 002 test bed with `workload`, migrated by pre-copy h4 → h1 at
/// 0.5 s and (with `second`) back by stop-and-copy at 1.5 s, a longer pause.
fn scenario(workload: &str, second: bool) -> String {
    let mut s = format!(
        r#"name = "windows"
seed = 1
duration = "3s"
[topology]
kind = "qin2017"
link = {{ rate = "500Mbps", delay = "25us", queue = "100p" }}
[controller]
app = "shortest-path"
[[vm]]
name = "vm1"
host = "h4"
memory = "32MiB"
dirty_rate = 1000
workload = {{ {workload} }}
[[migration]]
vm = "vm1"
to = "h1"
at = "0.5s"
"#
    );
    if second {
        s += "[[migration]]\nvm = \"vm1\"\nto = \"h4\"\nat = \"1.5s\"\nalgorithm = \"stop-and-copy\"\n";
    }
    s
}

/// (downtime, service downtime) of each migration of a run of `text`.
fn run_text(text: &str) -> Vec<(f64, f64)> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, text).unwrap();
    let s = run_ok(&dir.path().join("out"), &[file.to_str().unwrap()]);
    s["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (num(m, "downtime_s"), num(m, "service_downtime_s")))
        .collect()
}

const REQUEST: &str = r#"kind = "request-response", client = "h2", request = "200B", response = "4KB", interval = "10ms""#;
const PING: &str = r#"kind = "ping", client = "h2", interval = "10ms""#;
const STREAM: &str = r#"kind = "udp-cbr", client = "h2", rate = "10Mbps", packet_size = 1000"#;

/// Each workload kind reports one value per migration: at least that migration's pause (no
/// answer, reply or datagram while the VM is paused), the short pre-copy pause's smaller
/// than the stop-and-copy's. For ping (every 10 ms) and the stream (a datagram every
/// 0.8 ms), whose lost packets are not retried, the silence is the pause plus at most one
/// sending interval and a path's delay (25 ms bound). The first migration's value is the
/// same whether or not a second follows: it is measured within its own window.
#[test]
fn service_downtime_is_measured_per_migration_window() {
    for (name, wl, slack) in [
        ("request-response", REQUEST, None),
        ("ping", PING, Some(0.025)),
        ("udp-cbr stream", STREAM, Some(0.025)),
    ] {
        let both = run_text(&scenario(wl, true));
        assert_eq!(both.len(), 2, "{name}: two migrations, two values");
        for (i, &(down, service)) in both.iter().enumerate() {
            assert!(
                service >= down,
                "{name} #{i}: service silent {service} s < pause {down} s"
            );
            if let Some(slack) = slack {
                assert!(
                    service <= down + slack,
                    "{name} #{i}: {service} s vs pause {down} s"
                );
            }
        }
        assert!(both[0].1 < both[1].1, "{name}: {both:?}");
        let first = run_text(&scenario(wl, false));
        assert_eq!(first.len(), 1);
        assert_eq!(
            first[0].1, both[0].1,
            "{name}: the first window does not see the second"
        );
    }
}
