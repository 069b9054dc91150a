//! Issue 20: data-centre workloads and FCT. Each test runs the real binary on a short
//! scenario and checks the issue's must-hold properties on `fct.csv` and `summary.json`.

mod common;

use std::path::Path;

use common::*;

/// One `fct.csv` row, as the tests read it back.
#[derive(Debug)]
struct Row {
    id: u64,
    src: String,
    size: u64,
    fct: Option<f64>,
    ideal: f64,
    slowdown: Option<f64>,
    retransmissions: u64,
    timeouts: u64,
    delivered: u64,
    status: String,
}

fn rows(out: &Path) -> Vec<Row> {
    let mut r = csv::Reader::from_path(out.join("fct.csv")).expect("fct.csv exists");
    let headers = r.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "id",
            "workload",
            "src",
            "dst",
            "size",
            "start_s",
            "end_s",
            "fct_s",
            "ideal_fct_s",
            "slowdown",
            "retransmissions",
            "timeouts",
            "bytes_delivered",
            "status"
        ]
    );
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let opt = |i: usize| (!rec[i].is_empty()).then(|| rec[i].parse::<f64>().unwrap());
            Row {
                id: rec[0].parse().unwrap(),
                src: rec[2].to_string(),
                size: rec[4].parse().unwrap(),
                fct: opt(7),
                ideal: rec[8].parse().unwrap(),
                slowdown: opt(9),
                retransmissions: rec[10].parse().unwrap(),
                timeouts: rec[11].parse().unwrap(),
                delivered: rec[12].parse().unwrap(),
                status: rec[13].to_string(),
            }
        })
        .collect()
}

fn scenario(dir: &Path, text: &str) -> std::path::PathBuf {
    let file = dir.join("s.toml");
    std::fs::write(&file, text).unwrap();
    file
}

const IDLE: &str = r#"
name = "idle"
duration = "2s"
[topology]
kind = "fat-tree"
k = 4
link = { rate = "10Gbps", delay = "1us", queue = "4000p" }
[tcp]
initial_cwnd = 100
[[workload]]
name = "ws"
load = 0.01
sizes = "websearch"
stop = "1.8s"
"#;

/// Issue 20, must hold: at 1 % web-search load on an idle k = 4 fat-tree, the median slowdown
/// of every size bucket is within 5 % of 1, and no flow completes faster than its ideal FCT
/// (checked on every row of fct.csv, FCT against ideal directly, not through the ratio). The
/// bound assumes the window never limits the flow, so the scenario gives TCP an initial
/// window and buffers that do not (docs/workloads.md: with the default 10-segment window,
/// slow start adds RTTs the bound leaves out).
#[test]
fn idle_fabric_median_slowdown_within_5_percent_and_no_fct_below_ideal() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), IDLE);
    let out = dir.path().join("out");
    let s = run_ok(&out, &[file.to_str().unwrap()]);
    let rows = rows(&out);
    assert!(rows.len() > 150, "{} flows", rows.len());
    for r in &rows {
        if let Some(fct) = r.fct {
            assert!(
                fct >= r.ideal,
                "flow {} finished below its ideal: {r:?}",
                r.id
            );
            assert!(r.slowdown.unwrap() >= 1.0, "{r:?}");
        }
    }
    let buckets = s["workloads"][0]["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 4, "default edges 10KB, 100KB, 1MB");
    for b in buckets {
        assert!(
            b["completed"].as_u64().unwrap() >= 20,
            "too few flows in {b}"
        );
        let p50 = b["p50_slowdown"].as_f64().unwrap();
        assert!((p50 - 1.0).abs() <= 0.05, "median slowdown {p50} in {b}");
        assert!(b["min_slowdown"].as_f64().unwrap() >= 1.0, "{b}");
    }
}

/// Issue 20, must hold: conservation — every generated flow is in fct.csv exactly once,
/// either completed (every byte delivered) or unfinished / reset with the bytes delivered so
/// far (never more than its size); the summary's counts agree with the file.
#[test]
fn conservation_every_flow_completed_or_reported_unfinished() {
    let dir = tempfile::tempdir().unwrap();
    // A run cut short while long web-search flows are in flight.
    let text = IDLE
        .replace("duration = \"2s\"", "duration = \"30ms\"")
        .replace("load = 0.01", "load = 0.5")
        .replace("stop = \"1.8s\"", "");
    let file = scenario(dir.path(), &text);
    let out = dir.path().join("out");
    let s = run_ok(&out, &[file.to_str().unwrap()]);
    let w = &s["workloads"][0];
    let rows = rows(&out);
    let n = w["flows"].as_u64().unwrap();
    assert_eq!(rows.len() as u64, n);
    let mut ids: Vec<u64> = rows.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..n).collect::<Vec<_>>(), "ids 0..n, each once");
    let (mut completed, mut unfinished) = (0, 0);
    for r in &rows {
        match r.status.as_str() {
            "completed" => {
                completed += 1;
                assert_eq!(r.delivered, r.size, "{r:?}");
            }
            "unfinished" | "reset" => {
                unfinished += 1;
                assert!(r.delivered <= r.size && r.fct.is_none(), "{r:?}");
            }
            other => panic!("status {other}"),
        }
    }
    assert!(completed > 0 && unfinished > 0, "{completed} {unfinished}");
    assert_eq!(w["completed"].as_u64().unwrap(), completed);
    assert_eq!(
        w["unfinished"].as_u64().unwrap() + w["reset"].as_u64().unwrap(),
        unfinished
    );
    let delivered: u64 = rows.iter().map(|r| r.delivered).sum();
    assert_eq!(w["bytes_delivered"].as_u64().unwrap(), delivered);
}

/// A flow still running at the end reports what its sending socket really did (it used to
/// report 0 retransmissions and 0 timeouts). The incast example cut at 330 ms leaves flows of
/// the requests at 100–300 ms waiting for their retransmission timer (`min_rto` 200 ms), some
/// after one timeout already. Every row is checked against tshark's reading of its sender's
/// pcap, each flow matched to its TCP stream (a host's flows open its ephemeral ports in
/// arrival order, which is also the order of their ids): its `retransmissions` are the
/// segments tshark marks as a retransmission, fast retransmission, spurious retransmission
/// or out-of-order (on a sender's own capture each is a resend, as in tcp_wireshark.rs), and
/// its `timeouts` are those resends that end a silence of the stream, both directions, of at
/// least 100 ms: in this star a full 100-packet buffer drains in 1.2 ms, so only the
/// retransmission timer ends such a silence. `summary.json`'s workload counters are the sums
/// over the rows.
#[test]
fn unfinished_rows_carry_their_sockets_retransmissions_and_timeouts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let example = root().join("examples/incast.toml");
    let s = run_ok(
        out,
        &[
            example.to_str().unwrap(),
            "--set",
            "duration=330ms",
            "--set",
            "trace.pcap=hosts",
        ],
    );
    let rows = rows(out);
    let w = &s["workloads"][0];
    let sum = |f: fn(&Row) -> u64| rows.iter().map(f).sum::<u64>();
    assert_eq!(u(w, "retransmissions"), sum(|r| r.retransmissions));
    assert_eq!(u(w, "timeouts"), sum(|r| r.timeouts));
    let unfinished: Vec<&Row> = rows.iter().filter(|r| r.status == "unfinished").collect();
    assert!(
        unfinished.iter().any(|r| r.retransmissions > 0)
            && unfinished.iter().any(|r| r.timeouts > 0),
        "the cut must leave flows that resent and timed out unfinished: {unfinished:?}"
    );

    let mut senders: Vec<&str> = rows.iter().map(|r| r.src.as_str()).collect();
    senders.sort_unstable();
    senders.dedup();
    // Per sender, per stream (its ephemeral port, ascending): (resends, timeouts).
    let seen = par_map_bounded(&senders, |host| {
        let pcap = out.join("pcap").join(format!("{host}-0.pcap"));
        let text = tshark(&[
            "-r",
            pcap.to_str().unwrap(),
            "-Y",
            "tcp.port == 5001",
            "-T",
            "fields",
            "-E",
            "separator=,",
            "-e",
            "frame.time_epoch",
            "-e",
            "tcp.dstport",
            "-e",
            "tcp.srcport",
            "-e",
            "tcp.analysis.retransmission",
            "-e",
            "tcp.analysis.fast_retransmission",
            "-e",
            "tcp.analysis.spurious_retransmission",
            "-e",
            "tcp.analysis.out_of_order",
        ]);
        // Port → (time of the stream's last frame, resends, timeouts).
        let mut streams = std::collections::BTreeMap::<u16, (f64, u64, u64)>::new();
        for line in text.lines() {
            let f: Vec<&str> = line.split(',').collect();
            let t: f64 = f[0].parse().unwrap();
            let from_sender = f[1] == "5001";
            let port: u16 = if from_sender { f[2] } else { f[1] }.parse().unwrap();
            let st = streams.entry(port).or_insert((t, 0, 0));
            if from_sender && f[3..].iter().any(|x| !x.is_empty()) {
                st.1 += 1;
                st.2 += u64::from(t - st.0 >= 0.1);
            }
            st.0 = t;
        }
        streams
            .into_values()
            .map(|(_, r, t)| (r, t))
            .collect::<Vec<_>>()
    });
    let mut checked = 0;
    for (host, streams) in senders.iter().zip(&seen) {
        let mut mine: Vec<&Row> = rows.iter().filter(|r| r.src == *host).collect();
        mine.sort_by_key(|r| r.id);
        assert_eq!(mine.len(), streams.len(), "{host}: one stream per flow");
        for (r, &(resends, timeouts)) in mine.iter().zip(streams) {
            assert_eq!(
                (r.retransmissions, r.timeouts),
                (resends, timeouts),
                "{host}, flow {}: fct.csv against tshark, {r:?}",
                r.id
            );
            checked += u64::from(r.status == "unfinished");
        }
    }
    assert_eq!(checked, unfinished.len() as u64);
}

/// A `reset` row carries its socket's counters too (read at the `Reset` event, while the
/// socket is still open). Every 50 ms until 60 ms, 24 senders answer h0; at 52 ms h0's link
/// goes down for good, so the flows still open then resend into no route until they give up
/// on the 16th consecutive timeout (`max_retransmissions` 15, Linux `tcp_retries2`) and reset:
/// each reset row has exactly 16 timeouts, at least 15 retransmissions (one per timeout but
/// the last, which gives up) and less than its size delivered. (Those resends are dropped
/// at their own host, which has no route left, so no pcap shows them: the count is checked
/// against the give-up rule instead of tshark.)
#[test]
fn reset_rows_carry_the_timeouts_that_gave_up() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}\n[[event]]\nat = \"52ms\"\nlink = \"h0-s0\"\nstate = \"down\"\n",
        INCAST
            .replace("duration = \"1s\"", "duration = \"700s\"")
            .replace("senders = 2", "senders = 24")
            .replace("interval = \"500ms\"", "interval = \"50ms\"")
            .replace("stop = \"501ms\"", "stop = \"60ms\"")
    );
    let file = scenario(dir.path(), &text);
    let out = dir.path().join("out");
    let s = run_ok(&out, &[file.to_str().unwrap()]);
    let rows = rows(&out);
    let reset: Vec<&Row> = rows.iter().filter(|r| r.status == "reset").collect();
    assert!(
        reset.len() >= 24,
        "the second request's flows all reset: {rows:?}"
    );
    for r in &reset {
        assert_eq!(r.timeouts, 16, "{r:?}");
        assert!(r.retransmissions >= 15 && r.delivered < r.size, "{r:?}");
    }
    let w = &s["workloads"][0];
    assert_eq!(u(w, "reset"), reset.len() as u64);
    let sum = |f: fn(&Row) -> u64| rows.iter().map(f).sum::<u64>();
    assert_eq!(u(w, "retransmissions"), sum(|r| r.retransmissions));
    assert_eq!(u(w, "timeouts"), sum(|r| r.timeouts));
}

/// Percentiles are over the completed flows only, so every bucket counts the flows it left
/// out. In a run cut short while flows are in flight (with a migration, so the window splits
/// them), each bucket's `unfinished` — overall, per size bucket, within and outside the
/// migration's window — equals the `unfinished` rows of fct.csv in that bucket and side, and
/// `scripts/fct-window.sh` (the paired-control recipe of docs/workloads.md) finds the same
/// counts and the summary's percentiles within hdrhistogram's three digits.
#[test]
fn unfinished_flows_counted_per_bucket_and_window() {
    let dir = tempfile::tempdir().unwrap();
    let text = IDLE
        .replace("duration = \"2s\"", "duration = \"40ms\"")
        .replace("load = 0.01", "load = 0.5")
        .replace("stop = \"1.8s\"", "")
        + "[[vm]]\nname = \"vm1\"\nhost = \"h0\"\nmemory = \"2MiB\"\n\
           [[migration]]\nvm = \"vm1\"\nto = \"h15\"\nat = \"10ms\"\n";
    let file = scenario(dir.path(), &text);
    let out = dir.path().join("out");
    let s = run_ok(&out, &[file.to_str().unwrap()]);
    let w = &s["workloads"][0];
    let rows = rows(&out);
    let edges = [10_000u64, 100_000, 1_000_000];
    let bucket = |size: u64| edges.iter().filter(|&&e| e < size).count();
    let win = &w["migrations"][0];
    let (from, to) = (
        win["start_s"].as_f64().unwrap(),
        win["end_s"].as_f64().unwrap(),
    );
    assert!(to > from, "{win}");
    let starts = {
        let mut r = csv::Reader::from_path(out.join("fct.csv")).unwrap();
        r.records()
            .map(|rec| rec.unwrap()[5].parse::<f64>().unwrap())
            .collect::<Vec<_>>()
    };
    // [all, within, outside] × bucket: (flows, unfinished).
    let mut want = [[(0u64, 0u64); 4]; 3];
    for (r, &start) in rows.iter().zip(&starts) {
        let b = bucket(r.size);
        let side = if start >= from && start <= to { 1 } else { 2 };
        let unf = u64::from(r.status == "unfinished");
        for k in [0, side] {
            want[k][b].0 += 1;
            want[k][b].1 += unf;
        }
    }
    let got = |v: &serde_json::Value| -> Vec<(u64, u64)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["flows"].as_u64().unwrap(),
                    b["unfinished"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(got(&w["buckets"]), want[0]);
    assert_eq!(got(&win["within"]), want[1]);
    assert_eq!(got(&win["outside"]), want[2]);
    let total_unfinished: u64 = want[0].iter().map(|b| b.1).sum();
    assert_eq!(
        w["overall"]["unfinished"].as_u64().unwrap(),
        total_unfinished
    );
    assert_eq!(w["unfinished"].as_u64().unwrap(), total_unfinished);
    assert!(
        want[1].iter().map(|b| b.1).sum::<u64>() > 0
            && want[2].iter().map(|b| b.1).sum::<u64>() > 0,
        "the cut leaves flows unfinished on both sides of the window: {want:?}"
    );
    // The timeouts summed over fct.csv.
    let timeouts: u64 = rows.iter().map(|r| r.timeouts).sum();
    assert_eq!(w["timeouts"].as_u64().unwrap(), timeouts);

    // The script of the paired control agrees with the summary.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/fct-window.sh");
    let o = std::process::Command::new("sh")
        .arg(&script)
        .arg(out.join("fct.csv"))
        .arg(format!("{from}"))
        .arg(format!("{to}"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(lines.len(), 8, "{text}");
    for (i, l) in lines.iter().enumerate() {
        let (side, b) = (if i < 4 { "within" } else { "outside" }, i % 4);
        assert_eq!(l[0], side, "{text}");
        let summary_b = &win[side][b];
        for (k, key) in [(2, "flows"), (3, "completed"), (4, "unfinished")] {
            assert_eq!(
                l[k].parse::<u64>().unwrap(),
                summary_b[key].as_u64().unwrap(),
                "{key} in {l:?}"
            );
        }
        for (k, key) in [(5, "p50_slowdown"), (6, "p99_slowdown")] {
            match summary_b[key].as_f64() {
                Some(v) => {
                    let exact: f64 = l[k].parse().unwrap();
                    assert!(
                        (v - exact).abs() <= 0.002 * exact,
                        "{key}: {v} against {exact}"
                    );
                }
                None => assert!(l[k].is_empty(), "{l:?}"),
            }
        }
    }
}

const INCAST: &str = r#"
name = "incast"
duration = "1s"
[topology]
kind = "star"
hosts = 41
link = { rate = "1Gbps", delay = "10us", queue = "100p" }
[[workload]]
name = "incast"
pattern = "incast"
receiver = "h0"
senders = 2
response = "64KB"
interval = "500ms"
jitter = "50us"
stop = "501ms"
"#;

/// Issue 20, must hold: incast collapse. N senders answer with 64 KB each into one
/// 1 Gbit/s receiver behind a 100-packet buffer (two requests, responses within 50 µs of the
/// request). For each seed the test finds the N from which every larger N (up to 32) sees
/// retransmission timeouts — the collapse (a few smaller N can lose a flow's last segment to
/// the tail of a burst, which also ends in a timeout, but not for every N). That N must be
/// at least the buffer over the initial window (100 / 10) and the same within 3 across seeds.
#[test]
fn incast_collapse_threshold_is_stable_across_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), INCAST);
    let mut thresholds = Vec::new();
    for seed in 1..=3u64 {
        let mut with_timeouts = Vec::new();
        for n in 2..=32u32 {
            let out = dir.path().join(format!("out-{seed}-{n}"));
            run_ok(
                &out,
                &[
                    file.to_str().unwrap(),
                    "--seed",
                    &seed.to_string(),
                    "--set",
                    &format!("workload.0.senders={n}"),
                ],
            );
            let rows = rows(&out);
            assert_eq!(rows.len() as u32, 2 * n, "two requests of {n} responses");
            assert!(
                rows.iter().all(|r| r.status == "completed"),
                "seed {seed} N {n}"
            );
            with_timeouts.push((n, rows.iter().any(|r| r.timeouts > 0)));
            std::fs::remove_dir_all(&out).unwrap();
        }
        let threshold = with_timeouts
            .iter()
            .rev()
            .take_while(|(_, t)| *t)
            .last()
            .map(|(n, _)| *n)
            .expect("timeouts at N = 32");
        thresholds.push(threshold);
    }
    let (lo, hi) = (
        *thresholds.iter().min().unwrap(),
        *thresholds.iter().max().unwrap(),
    );
    assert!(lo >= 10 && hi < 32, "thresholds {thresholds:?}");
    assert!(hi - lo <= 3, "thresholds across seeds {thresholds:?}");
}

/// A user CDF file that is not monotone is refused with the file and the line, exit code 1.
#[test]
fn bad_cdf_file_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cdf = dir.path().join("sizes.csv");
    std::fs::write(&cdf, "1000, 0.2\n2000, 0.6\n3000, 0.5\n4000, 1\n").unwrap();
    let text = IDLE.replace(
        "sizes = \"websearch\"",
        &format!("sizes_file = {:?}", cdf.to_str().unwrap()),
    );
    let file = scenario(dir.path(), &text);
    let o = netsim()
        .args(["--quiet", "check"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    // miette wraps long lines: read the message as one line, without its gutters.
    let err = flat_stderr(&o);
    assert!(err.contains("sizes.csv` line 3"), "{err}");
    assert!(err.contains("not monotone"), "{err}");
    assert!(
        err.contains("a header line is written `# size, probability`"),
        "{err}"
    );
    assert!(err.contains("s.toml:"), "points into the scenario: {err}");
}

/// Fractions ended at 100 by mistake are read in percent, as written, but `check` warns at
/// `sizes_file`, naming the file's line and what 0.9 then means; `--deny-warnings` refuses it.
#[test]
fn fractions_ended_at_100_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let cdf = dir.path().join("sizes.csv");
    std::fs::write(&cdf, "0, 0\n1000, 0.9\n2000, 100\n").unwrap();
    let text = IDLE.replace(
        "sizes = \"websearch\"",
        &format!("sizes_file = {:?}", cdf.to_str().unwrap()),
    ) + "[controller]\necmp = \"off\"\n";
    let file = scenario(dir.path(), &text);
    let check = |extra: &[&str]| {
        let o = netsim()
            .arg("check")
            .args(extra)
            .arg(&file)
            .output()
            .unwrap();
        let err = flat_stderr(&o);
        (o.status.code(), err)
    };
    let (code, err) = check(&[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("sizes.csv` line 3"), "{err}");
    assert!(err.contains("0.9 on line 2 means 0.9 %, not 90 %"), "{err}");
    assert!(err.contains("end the file at 1"), "{err}");
    assert!(err.contains("s.toml:"), "points into the scenario: {err}");
    let (code, err) = check(&["--deny-warnings"]);
    assert_eq!(code, Some(1), "{err}");
    std::fs::write(&cdf, "0, 0\n1000, 0.9\n2000, 1\n").unwrap();
    let (code, err) = check(&["--deny-warnings"]);
    assert_eq!(code, Some(0), "fractions ending at 1 are clean: {err}");
}

/// A relative `sizes_file` is taken from the scenario's folder, as `[topology] path` is, by
/// `check`, `run` and a sweep's points, wherever netsim runs; a missing one is refused naming
/// that folder.
#[test]
fn relative_cdf_file_is_read_from_the_scenario_folder() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("study");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("sizes.csv"), "1000, 0\n2000, 1\n").unwrap();
    let text = IDLE
        .replace("sizes = \"websearch\"", "sizes_file = \"sizes.csv\"")
        .replace("duration = \"2s\"", "duration = \"20ms\"");
    let file = scenario(&sub, &text);
    let elsewhere = tempfile::tempdir().unwrap();
    let netsim_in = |args: &[&str]| {
        netsim()
            .current_dir(elsewhere.path())
            .arg("--quiet")
            .args(args)
            .output()
            .unwrap()
    };
    let f = file.to_str().unwrap();
    let o = netsim_in(&["check", f]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("r");
    let o = netsim_in(&["run", f, "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = std::fs::read_to_string(out.join("fct.csv")).unwrap();
    let sizes: Vec<u64> = rows
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap().parse().unwrap())
        .collect();
    assert!(!sizes.is_empty(), "{rows}");
    assert!(
        sizes.iter().all(|s| (1000..=2000).contains(s)),
        "sizes drawn from sizes.csv: {sizes:?}"
    );
    let sweep = dir.path().join("sw");
    let o = netsim_in(&[
        "sweep",
        f,
        "--seeds",
        "2",
        "--jobs",
        "1",
        "--out",
        sweep.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_file(sub.join("sizes.csv")).unwrap();
    let o = netsim_in(&["check", f]);
    assert_eq!(o.status.code(), Some(1));
    let err = flat_stderr(&o);
    assert!(
        err.contains("cannot read the flow-size CDF `sizes.csv`"),
        "{err}"
    );
    assert!(err.contains("taken from the scenario's folder"), "{err}");
}

/// Issue 20, "a target load (a fraction of the hosts' link rate, per host or per fabric)":
/// with `load_per = "fabric"` the bytes offered over a 200 ms window (about 7·10⁴ flows of
/// 1–10 KB on a k = 4 fat-tree of 10 Gbit/s links) are `load` × the sum of the 16 hosts'
/// link rates × the window, within 2 %; per host (the default) the same holds, as every link
/// here has the same rate, but the draws differ (one process against sixteen).
#[test]
fn fabric_load_offered_within_2_percent() {
    let dir = tempfile::tempdir().unwrap();
    let cdf = dir.path().join("small.csv");
    std::fs::write(&cdf, "1000, 0\n10000, 1\n").unwrap();
    let text = format!(
        "name = \"fabric\"\nduration = \"210ms\"\n[topology]\nkind = \"fat-tree\"\nk = 4\n\
         link = {{ rate = \"10Gbps\", delay = \"1us\", queue = \"100p\" }}\n\
         [[workload]]\nname = \"f\"\nload = 0.1\nload_per = \"fabric\"\nstop = \"200ms\"\n\
         sizes_file = {:?}\n",
        cdf.to_str().unwrap()
    );
    let file = scenario(dir.path(), &text);
    let offered = |out: &str, sets: &[&str]| {
        let mut args = vec![file.to_str().unwrap()];
        args.extend_from_slice(sets);
        let s = run_ok(&dir.path().join(out), &args);
        let w = &s["workloads"][0];
        let bytes = w["bytes_offered"].as_u64().unwrap() as f64;
        (
            bytes * 8.0 / 0.2 / (16.0 * 10e9),
            w["flows"].as_u64().unwrap(),
        )
    };
    let (fabric, flows) = offered("fabric", &[]);
    assert!(flows > 50_000, "{flows} flows");
    assert!(
        (fabric / 0.1 - 1.0).abs() < 0.02,
        "offered {fabric} of the fabric for 0.1"
    );
    let (host, _) = offered("host", &["--set", "workload.0.load_per=host"]);
    assert!((host / 0.1 - 1.0).abs() < 0.02, "per host: offered {host}");
    assert_ne!(
        fabric, host,
        "one process against sixteen draws differently"
    );
    // A bad value is refused at its key and line, exit 1.
    std::fs::write(&file, text.replace("\"fabric\"\nstop", "\"rack\"\nstop")).unwrap();
    let o = netsim()
        .args(["--quiet", "check"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("rack") && err.contains("s.toml:10"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// `netsim run` names each workload on the console with its completed flows and slowdowns.
#[test]
fn run_prints_a_line_per_workload() {
    let out = tempfile::tempdir().unwrap();
    let o = netsim()
        .args(["run", "incast", "--set", "duration=0.2s", "--out"])
        .arg(out.path().join("r"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("workload incast (incast): "))
        .unwrap_or_else(|| panic!("no workload line in {text}"));
    assert!(line.contains(" flows completed ("), "{line}");
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("r").join("summary.json")).unwrap())
            .unwrap();
    let w = &s["workloads"][0];
    assert!(
        line.contains(&format!(
            "{} of {} flows completed ({} unfinished, {} reset: not in the percentiles)",
            w["completed"], w["flows"], w["unfinished"], w["reset"]
        )),
        "the counts of summary.json: {line}"
    );
    assert!(line.contains(", slowdown of the completed p50 "), "{line}");
}

/// `netsim check` of a scenario with a workload writes nothing (the generator's record file
/// belongs to a run's results directory), wherever it is started from.
#[test]
fn check_of_a_workload_writes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), IDLE);
    let cwd = tempfile::tempdir().unwrap();
    let o = netsim()
        .current_dir(cwd.path())
        .args(["--quiet", "check"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let left: Vec<_> = std::fs::read_dir(cwd.path()).unwrap().collect();
    assert!(left.is_empty(), "check wrote {left:?}");
}

/// Issue 20, must hold ("Memory: 10⁶ web-search flows on a k = 4 fat-tree keep peak RSS
/// within 2× of a 10⁴-flow run"): a run of 10⁶ flows against one of 10⁴ on a k = 4 fat-tree,
/// each in `netsim bench-child`, which reports its own process's `VmHWM` (not `ru_maxrss`,
/// which inherits the spawning test process's peak). Small flows (1–10 KB, uniform) at 10 %
/// load stand in for web search: 10⁶ web-search flows are 1.6 TB of traffic, hours of
/// simulation, and the code path per flow is the same. It proves that a completed flow leaves
/// nothing behind — no socket, port, record, or queued timer event (each connection arms its
/// 1 s initial RTO; before the timers of released sockets were cancelled and the event queue
/// purged, this measured 104.7 MB against 12.0 MB) — but its TIME-WAIT record, which lives
/// 2·MSL and of which a host keeps at most `[tcp] max_time_wait` (docs/tcp.md, "TIME-WAIT"):
/// at 364 000 flows per second the 16 hosts hold their 32 768 at once (17.2 MB against
/// 12.7 MB, measured 2026-12-07; 23.4 MB with 4096 per host). About 20 s of CPU for the 10⁶
/// run.
#[test]
fn memory_1e6_flows_within_2x_of_1e4() {
    let dir = tempfile::tempdir().unwrap();
    let cdf = dir.path().join("small.csv");
    std::fs::write(&cdf, "1000, 0\n10000, 1\n").unwrap();
    let text = format!(
        "name = \"mem\"\nduration = \"4s\"\n[topology]\nkind = \"fat-tree\"\nk = 4\n\
         link = {{ rate = \"10Gbps\", delay = \"1us\", queue = \"100p\" }}\n\
         [[workload]]\nname = \"m\"\nload = 0.1\nsizes_file = {:?}\nmax_flows = 10000\n",
        cdf.to_str().unwrap()
    );
    let file = scenario(dir.path(), &text);
    // The 10⁴ run completes every flow (the 10⁶ one runs the same per-flow code).
    let s = run_ok(&dir.path().join("small"), &[file.to_str().unwrap()]);
    let w = &s["workloads"][0];
    assert_eq!(
        (w["flows"].as_u64(), w["completed"].as_u64()),
        (Some(10_000), Some(10_000))
    );
    // (peak RSS [bytes], events) of one measured run of `flows` flows.
    let measure = |flows: u64| {
        let o = netsim()
            .args(["--quiet", "bench-child"])
            .arg(&file)
            .args(["--set", &format!("workload.0.max_flows={flows}")])
            .output()
            .expect("netsim runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let m: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON line");
        (
            m["peak_rss_bytes"].as_u64().unwrap(),
            m["events"].as_u64().unwrap(),
        )
    };
    let (small, small_events) = measure(10_000);
    let (large, large_events) = measure(1_000_000);
    assert!(
        large_events > 50 * small_events,
        "the 10⁶ run did ~100× the work: {large_events} events against {small_events}"
    );
    assert!(
        large <= 2 * small,
        "peak RSS {large} B for 10⁶ flows, {small} B for 10⁴"
    );
}
