//! The `stream` workload end to end (seed 003 §V, issue 17's "Streaming" must-hold): a player
//! served by a VM that migrates across data centres (two-dc, `mobility = "host-route"`), whose
//! service comes back after the pause, the convergence delay and the client's retransmission
//! back-off. The buffer bridges an outage shorter than the media it holds; a longer outage
//! stalls playback once, for the outage less the buffered media.

mod common;

use common::*;

/// The two-dc move of `examples/two-dc-host-route.toml` with a stream workload (4 Mbit/s,
/// 500-ms segments, 1-s start-up, 500-ms rebuffer, `buffer` seconds) and the migration at
/// 3 s with `convergence` before the host route is injected.
fn scenario(buffer: &str, convergence: &str) -> String {
    format!(
        "name = \"stream-migration\"\nseed = 1\nduration = \"12s\"\n\
         [topology]\nkind = \"two-dc\"\nfabric = \"leaf-spine\"\nleaves = 2\nspines = 2\n\
         hosts_per_leaf = 2\nclients = 1\n\
         link = {{ rate = \"10Gbps\", delay = \"10us\", queue = \"2000p\" }}\n\
         wan = {{ rate = \"10Gbps\", delay = \"5ms\", queue = \"2000p\" }}\n\
         [[vm]]\nname = \"vm1\"\nhost = \"a_h0\"\nmemory = \"64MiB\"\ndirty_rate = 2000\n\
         state = \"8MiB\"\n\
         workload = {{ kind = \"stream\", client = \"c0\", bitrate = \"4Mbps\", startup = \"1s\", \
         rebuffer = \"500ms\", buffer = \"{buffer}\", segment = \"500ms\" }}\n\
         [[migration]]\nvm = \"vm1\"\nto = \"b_h0\"\nat = \"3s\"\nalgorithm = \"precopy\"\n\
         mobility = \"host-route\"\nconvergence_delay = \"{convergence}\"\n"
    )
}

fn run_scenario(buffer: &str, convergence: &str) -> (serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stream.toml");
    std::fs::write(&path, scenario(buffer, convergence)).unwrap();
    let out = dir.path().join("out");
    let s = run_ok(&out, &[path.to_str().unwrap()]);
    let csv = std::fs::read_to_string(out.join("timeseries/stream-vm1-workload.csv"))
        .expect("the buffer's time series");
    (s, csv)
}

/// (time, buffer level) rows of `timeseries/stream-<flow>.csv`.
fn levels(csv: &str) -> Vec<(f64, f64)> {
    csv.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].parse().unwrap(), f[1].parse().unwrap())
        })
        .collect()
}

/// The smallest RTO (`[tcp] min_rto`, 200 ms): the path's RTT (about 10 ms) keeps the
/// computed RTO at this floor, so it is "one RTO" of the client's connection.
const RTO_S: f64 = 0.2;

/// Must hold: no stall when the service downtime is shorter than the buffered playout time.
/// A 4-s buffer holds 3.5–4 s of media in steady state; with a 1-s convergence the client's
/// service comes back after about 1.9 s (pause + convergence + RTO back-off), so playback
/// never stops, and the buffer level bottoms out at about (buffered − downtime).
#[test]
fn streaming_no_stall_when_service_downtime_is_shorter_than_the_buffered_playout_time() {
    let (s, csv) = run_scenario("4s", "1s");
    let m = &s["migrations"][0];
    let downtime = num(m, "service_downtime_s");
    assert_eq!(m["session_survived"], true, "{m}");
    let f = flow(&s, "vm1-workload");
    let rows = levels(&csv);
    // The level when the data stopped: the last point before the migration's pause.
    let paused = num(m, "end_s") - num(m, "downtime_s");
    let buffered = rows
        .iter()
        .filter(|r| r.0 <= paused)
        .map(|r| r.1)
        .next_back()
        .expect("a level before the pause");
    assert!(
        downtime < buffered,
        "the premise: service downtime {downtime} s < buffered {buffered} s"
    );
    assert_eq!(u(f, "stalls"), 0, "no stall: {f}");
    assert_eq!(num(f, "stall_time_s"), 0.0);
    let low = rows
        .iter()
        .filter(|r| r.0 > paused)
        .map(|r| r.1)
        .fold(f64::INFINITY, f64::min);
    assert!(
        (low - (buffered - downtime)).abs() < RTO_S,
        "the lowest level {low} s ≈ buffered {buffered} − downtime {downtime}"
    );
    assert!(
        num(f, "startup_delay_s") < 0.2,
        "1 s of media at 10 Gbit/s over a 10-ms RTT starts within a few RTTs: {f}"
    );
}

/// Must hold: one stall of about (service downtime − buffered time) otherwise, within one RTO.
/// With a 3-s convergence the client's retransmissions back off to a service downtime of
/// about 6.7 s, longer than the 4 s buffered: playback stalls once, and resumes once 500 ms
/// are buffered again, a few RTTs after the service returns.
#[test]
fn streaming_one_stall_of_service_downtime_less_buffered_time_within_one_rto() {
    let (s, _) = run_scenario("4s", "3s");
    let m = &s["migrations"][0];
    let downtime = num(m, "service_downtime_s");
    let f = flow(&s, "vm1-workload");
    assert_eq!(u(f, "stalls"), 1, "one stall: {f}");
    let stall = &f["stall_periods"][0];
    let buffered = num(stall, "buffered_s");
    assert!(
        downtime > buffered,
        "the premise: {downtime} s > {buffered} s"
    );
    let length = num(stall, "end_s") - num(stall, "start_s");
    assert!(
        (num(f, "stall_time_s") - length).abs() < 1e-9,
        "the total is the one stall"
    );
    let expected = downtime - buffered;
    assert!(
        (length - expected).abs() <= RTO_S && length >= expected,
        "stall {length} s ≈ service downtime {downtime} − buffered {buffered} = {expected} s"
    );
    // The buffer ran empty exactly when the media buffered at the last delivery was played.
    assert!(num(stall, "start_s") > num(m, "start_s"));
}

/// Bad input is refused at the value with a clear message: a zero bitrate, a start-up
/// threshold above the buffer, a missing bitrate.
#[test]
fn stream_bad_input_names_the_key_and_line() {
    let base = "name = \"x\"\n[topology]\nkind = \"star\"\nhosts = 2\n\
                [[flow]]\nkind = \"stream\"\nsrc = \"h0\"\ndst = \"h1\"\n";
    for (extra, line, expect) in [
        ("bitrate = \"0bps\"\n", 9, "a rate must be greater"),
        (
            "bitrate = \"1Mbps\"\nstartup = \"5s\"\nbuffer = \"4s\"\n",
            10,
            "`startup` of flow `flow0` (5 s) is larger than its `buffer` (4 s)",
        ),
        ("startup = \"1s\"\n", 6, "is stream but has no `bitrate`"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, format!("{base}{extra}")).unwrap();
        let o = run(&[
            "run",
            path.to_str().unwrap(),
            "--out",
            dir.path().join("o").to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{extra}: refused");
        assert!(err.contains(expect), "{extra}: {err}");
        assert!(
            err.contains(&format!("bad.toml:{line}:")),
            "{extra}: at line {line}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}
