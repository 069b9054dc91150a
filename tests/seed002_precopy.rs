//! Seed 002's pre-copy phases and accounting (issue 19): the preparation phase
//! (`[[migration]] prepare_time`) and the migration connection's retransmissions per round
//! (`migrations[].round_retransmissions`, `retransmissions_before_pause`).

mod common;

use common::*;

/// The migration's entry in a run's summary.
fn migration(s: &serde_json::Value) -> &serde_json::Value {
    &s["migrations"][0]
}

/// Seed 002 §2.1's preparation phase: `prepare_time = "1s"` delays round 0 by exactly one
/// second after the migration's start (round 0's `start_s` in the rounds' CSV), the VM keeps
/// running through it (it pauses only after the live rounds), and the total time is the
/// preparation plus the rounds. `prepare_s` is reported only when set, so results without it
/// are unchanged. (The rounds themselves may differ from a run without preparation: the
/// handshake now happens during it, which moves every later segment by a few µs.)
#[test]
fn seed002_prepare_time_delays_round_zero_and_is_reported() {
    let read = |out: &std::path::Path, s: &serde_json::Value| {
        let m = migration(s).clone();
        let rounds = std::fs::read_to_string(out.join("timeseries/migration-vm1.csv")).unwrap();
        // Columns: migration,round,start_s,end_s,bytes,pages_sent,pages_dirtied_during,
        // paused_s,resumed_s.
        let first: Vec<f64> = rounds
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .skip(2)
            .take(2)
            .map(|v| v.parse().unwrap())
            .collect();
        let last: Vec<String> = rounds
            .lines()
            .last()
            .unwrap()
            .split(',')
            .map(str::to_owned)
            .collect();
        (m, first[0], last[7].parse::<f64>().unwrap())
    };
    let ts = "trace.timeseries=[\"migration:vm1\"]";
    let plain = run_example(
        "qin2017-migration-time",
        &["--set", "vm.0.memory=32MiB", "--set", ts],
        read,
    );
    let prep = run_example(
        "qin2017-migration-time",
        &[
            "--set",
            "vm.0.memory=32MiB",
            "--set",
            ts,
            "--set",
            "migration.0.prepare_time=1s",
        ],
        read,
    );
    assert!(
        plain.0.get("prepare_s").is_none(),
        "prepare_s is omitted when 0"
    );
    assert_eq!(prep.0["prepare_s"].as_f64(), Some(1.0));
    let start = num(&prep.0, "start_s");
    assert_eq!(
        start,
        num(&plain.0, "start_s"),
        "the migration starts at its trigger"
    );
    assert!(
        (prep.1 - (start + 1.0)).abs() < 1e-9,
        "round 0 starts at {} s, not 1 s after the start at {start} s",
        prep.1
    );
    assert!(
        plain.1 - start < 1e-3,
        "without preparation round 0 starts at once"
    );
    assert!(
        prep.2 > prep.1,
        "the VM pauses after the live rounds, not while preparing"
    );
    let end = num(&prep.0, "end_s");
    assert!((num(&prep.0, "total_time_s") - (end - start)).abs() < 1e-9);
    assert!(end - start > 1.0, "the total time includes the preparation");
}

/// `prepare_time` belongs to pre-copy: on another algorithm it is refused at its key, with
/// exit 1 and no panic.
#[test]
fn prepare_time_on_stop_and_copy_is_refused_at_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    let text = std::fs::read_to_string(root().join("examples/qin2017-migration-time.toml"))
        .unwrap()
        .replace(
            "early_notification = false",
            "algorithm = \"stop-and-copy\"\nprepare_time = \"1s\"",
        );
    let line = 1 + text
        .lines()
        .position(|l| l.starts_with("prepare_time"))
        .unwrap();
    std::fs::write(&file, &text).unwrap();
    for cmd in ["check", "run"] {
        let o = netsim()
            .args(["--quiet", cmd])
            .arg(&file)
            .arg("--out")
            .arg(dir.path().join("out"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            err.contains("`prepare_time` is the preparation phase of `precopy`"),
            "{err}"
        );
        assert!(
            err.contains(&format!("s.toml:{line}:")),
            "{cmd}: no line {line}: {err}"
        );
    }
}

/// The per-round retransmissions partition the migration connection's retransmissions: one
/// count per round, summing to the connection's own counter (the last row of its TCP trace,
/// which counts every retransmitted segment); the count before the pause lies between the
/// live rounds' sum (the pause comes after the last live round's hand-off) and the total. An
/// `image` migration (two transfers) reports neither.
#[test]
fn round_retransmissions_partition_the_connections_retransmissions() {
    for seed in ["1", "2"] {
        let args = [
            "--seed",
            seed,
            "--set",
            "trace.timeseries=[\"migration:vm1\"]",
        ];
        run_example("qin2017-precopy-cwnd", &args, |out, s| {
            let m = migration(s);
            let per_round: Vec<u64> = m["round_retransmissions"]
                .as_array()
                .expect("round_retransmissions[]")
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect();
            assert_eq!(
                per_round.len() as u64,
                u(m, "rounds"),
                "one count per round"
            );
            let tcp =
                std::fs::read_to_string(out.join("timeseries/migration-vm1-tcp.csv")).unwrap();
            let header: Vec<&str> = tcp.lines().next().unwrap().split(',').collect();
            let col = header.iter().position(|&h| h == "retransmissions").unwrap();
            let total: u64 = tcp
                .lines()
                .last()
                .unwrap()
                .split(',')
                .nth(col)
                .unwrap()
                .parse()
                .unwrap();
            let sum: u64 = per_round.iter().sum();
            assert_eq!(sum, total, "seed {seed}: rounds {per_round:?}");
            assert!(total > 0, "the shared 30-packet buffer loses segments");
            let before = u(m, "retransmissions_before_pause");
            let live: u64 = per_round[..per_round.len() - 1].iter().sum();
            assert!(
                (live..=total).contains(&before),
                "seed {seed}: {before} before the pause, live rounds {live}, total {total}"
            );
        });
    }
    run_example(
        "chen-terng-break-time",
        &["--set", "duration=30s"],
        |_, s| {
            let m = migration(s);
            assert_eq!(m["algorithm"], "image");
            assert!(m.get("round_retransmissions").is_none(), "{m}");
            assert!(m.get("retransmissions_before_pause").is_none(), "{m}");
        },
    );
}
