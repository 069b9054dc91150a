//! The `aqm` key of a link, end to end through the `netsim` binary: RED on a dumbbell's
//! bottleneck holds an unresponsive UDP overload's queue where the model puts it, and bad
//! `aqm` values are reported at their value in the scenario or topology file.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("netsim-aqm-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn write(dir: &Path, file: &str, text: &str) -> PathBuf {
    let p = dir.join(file);
    std::fs::write(&p, text).expect("write");
    p
}

/// One UDP flow of 100 Mbit/s payload (1472-byte datagrams, 1514-byte frames) into a
/// 100 Mbit/s bottleneck running RED with ns-3's defaults but `max_p = 0.1`.
const RED_DUMBBELL: &str = r#"name = "red-dumbbell"
seed = 1
duration = "2s"

[topology]
kind = "dumbbell"
pairs = 1
link = { rate = "1Gbps", delay = "10us", queue = "100p" }
bottleneck = { rate = "100Mbps", delay = "100us", queue = "100p", aqm = { kind = "red", max_p = 0.1 } }

[[flow]]
name = "overload"
kind = "udp-cbr"
src = "l0"
dst = "r0"
rate = "100Mbps"

[trace]
timeseries = ["link:sl-sr"]
sample_interval = "1ms"
"#;

/// The overload is d = 1 − (10⁸/8/1514)/(10⁸/8/1472) ≈ 2.8 % of the arrivals. An unresponsive
/// source makes RED drop that share early: with `wait`, drops come uniformly between 1/pb and
/// 2/pb arrivals apart, so d ≈ pb/1.5, pb ≈ 0.042, and the average queue settles where
/// `pb = max_p·(avg − min_th)/(max_th − min_th)`: avg ≈ 5 + 10·0.042/0.1 ≈ 9.2 packets, between
/// min_th 5 and max_th 15. Checked: the time-averaged queue of the link series after a 0.5 s
/// warm-up is within 1.5 packets of that; every drop is RED's (none at the hard limit, the
/// peak stays far below 100), and the drop share is d within 10 %.
#[test]
fn red_holds_an_udp_overload_between_the_thresholds() {
    let dir = temp_dir("red");
    let scenario = write(&dir, "red.toml", RED_DUMBBELL);
    let out = dir.join("out");
    let s = run_ok(&out, &[scenario.to_str().unwrap()]);
    let q = s["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["node"] == "sl" && q["peer"] == "sr")
        .expect("the bottleneck queue");
    let (drops, aqm) = (u(q, "dropped_packets"), u(q, "aqm_drops"));
    assert!(aqm > 0, "RED dropped: {q}");
    assert_eq!(drops, aqm, "no drop at the hard limit");
    assert!(u(q, "peak_packets") < 40, "{q}");
    assert!(q.get("marked_packets").is_none(), "no ECN, no marks: {q}");
    let created = u(&s["packets"], "created") as f64;
    let d = 1.0 - 1472.0 / 1514.0;
    let share = drops as f64 / created;
    assert!((share - d).abs() < 0.1 * d, "drop share {share} vs {d}");
    assert_eq!(
        u(&s["packets"], "queue_drops"),
        drops,
        "an AQM drop is a queue drop"
    );

    let csv = std::fs::read_to_string(out.join("timeseries/link-sl-sr.csv")).expect("series");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (t, from, qp) = (col("time_s"), col("from"), col("queue_packets"));
    let samples: Vec<f64> = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|r| r[from] == "sl" && r[t].parse::<f64>().unwrap() >= 0.5)
        .map(|r| r[qp].parse().unwrap())
        .collect();
    assert!(samples.len() > 1000, "{} samples", samples.len());
    let mean = samples.iter().sum::<f64>() / samples.len() as f64;
    let pb = 1.5 * d;
    let model = 5.0 + 10.0 * pb / 0.1;
    assert!(
        (5.0..15.0).contains(&mean) && (mean - model).abs() < 1.5,
        "mean queue {mean} packets, model {model}"
    );
    // Determinism: RED's draws come from the queue's own stream, so a second run is identical.
    let again = dir.join("again");
    run_ok(&again, &[scenario.to_str().unwrap()]);
    assert_eq!(
        summary_without_wall_time(&out),
        summary_without_wall_time(&again)
    );
    std::fs::remove_dir_all(dir).ok();
}

/// `netsim check` on `text` fails, and its report names `place` (file:line:column) and
/// contains `message`.
fn assert_refused(dir: &Path, file: &str, text: &str, place: &str, message: &str) {
    let p = write(dir, file, text);
    let o = run(&["check", p.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "refused: {text}");
    assert!(err.contains(place), "at {place}:\n{err}");
    assert!(err.contains(message), "{message}:\n{err}");
}

/// Each broken `aqm` rule is reported at the value that breaks it: the threshold written last
/// for min_th ≥ max_th, the probability, K against the queue, the queue when RED's default
/// max_th does not fit it, and an unknown key of the table.
#[test]
fn bad_aqm_values_are_reported_at_their_value() {
    let dir = temp_dir("bad");
    let head = "name = \"bad\"\nduration = \"1s\"\n\n[topology]\nkind = \"dumbbell\"\npairs = 1\n";
    let cases = [
        (
            "link = { rate = \"1Gbps\", queue = \"10p\" }\nbottleneck = { rate = \"100Mbps\", aqm = { kind = \"red\", min_th = \"8p\", max_th = \"4p\" } }\n",
            "s.toml:8:80",
            "`aqm.min_th` (8p) must be below `aqm.max_th` (4p)",
        ),
        (
            "bottleneck = { aqm = { kind = \"red\", max_p = 1.5 } }\n",
            "s.toml:7:46",
            "`aqm.max_p` must be greater than 0 and at most 1, not 1.5",
        ),
        (
            "bottleneck = { aqm = { kind = \"red\", weight = 0 } }\n",
            "s.toml:7:47",
            "`aqm.weight` must be greater than 0 and at most 1, not 0",
        ),
        (
            "link = { queue = \"10p\" }\nbottleneck = { aqm = { kind = \"threshold\", k = \"10p\" } }\n",
            "s.toml:8:48",
            "`aqm.k` (10p) must be below the link's `queue` (10p)",
        ),
        (
            "link = { queue = \"10p\", aqm = { kind = \"red\" } }\n",
            "s.toml:7:18",
            "`aqm.max_th` (RED's default, 15p) must not exceed the link's `queue` (10p)",
        ),
        (
            "link = { queue = \"100p\", aqm = { kind = \"red\", min_th = \"3KB\" } }\n",
            "s.toml:7:57",
            "`aqm.min_th` is in bytes but the link's `queue` (100p) is in packets",
        ),
        (
            "link = { aqm = { kind = \"codel\" } }\n",
            "s.toml:7",
            "codel",
        ),
    ];
    for (table, place, message) in cases {
        assert_refused(&dir, "s.toml", &format!("{head}{table}"), place, message);
    }
    std::fs::remove_dir_all(dir).ok();
}

/// In a topology file, a `[[link]]`'s bad `aqm` is reported at that link's `aqm` value in the
/// topology file, and a `[[link]]` queue too small for the scenario's RED at its `queue`.
#[test]
fn topology_file_aqm_errors_point_into_the_topology_file() {
    let dir = temp_dir("topo");
    let topo = "[[node]]\nname = \"a\"\nkind = \"host\"\n\n[[node]]\nname = \"b\"\nkind = \"host\"\n\n[[link]]\na = \"a\"\nb = \"b\"\naqm = { kind = \"red\", max_p = 2.0 }\n";
    write(&dir, "t.toml", topo);
    let scenario =
        "name = \"f\"\nduration = \"1s\"\n\n[topology]\nkind = \"file\"\npath = \"t.toml\"\n";
    assert_refused(
        &dir,
        "s.toml",
        scenario,
        "t.toml:12:7",
        "`aqm.max_p` must be greater than 0 and at most 1, not 2",
    );
    let topo = topo.replace("aqm = { kind = \"red\", max_p = 2.0 }", "queue = \"8p\"");
    write(&dir, "t.toml", &topo);
    let scenario = scenario.replace(
        "path = \"t.toml\"\n",
        "path = \"t.toml\"\nlink = { aqm = { kind = \"red\" } }\n",
    );
    assert_refused(
        &dir,
        "s.toml",
        &scenario,
        "t.toml:12:9",
        "must not exceed the link's `queue` (8p)",
    );
    // A good `aqm` in the file loads and runs.
    let topo = topo.replace(
        "queue = \"8p\"",
        "aqm = { kind = \"threshold\", k = \"20p\" }",
    );
    write(&dir, "t.toml", &topo);
    let p = write(&dir, "s.toml", &scenario);
    let o = run(&["check", p.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_dir_all(dir).ok();
}
