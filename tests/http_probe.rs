//! The `http-probe` workload end to end (seed 004's client): a new TCP connection per request,
//! the TCP's SYN retries at 1, 3, 7 s after the attempt began (Linux's doubling from a 1-s
//! initial RTO), and the application timeout that abandons an attempt and opens a new one.

mod common;

use common::*;

/// The server's link is down from 0.05 s to 5.5 s. The request that starts at 0.1 s loses its
/// SYN; with a 20-s timeout its SYN is retried at 1.1, 3.1 and 7.1 s, so it is answered just
/// after 7.1 s (a response time of 7.0 s and one attempt). With a 2-s timeout, new
/// connections start at 2.1, 4.1 and 6.1 s, each retrying its SYN once after 1 s: the first SYN
/// after 5.5 s leaves at 6.1 s, so the response time is 6.0 s over four attempts. Requests
/// before the outage take one round trip.
#[test]
fn http_probe_syn_retries_at_1_3_7_s_and_timeout_opens_new_connections() {
    for (timeout, expect_s, attempts) in [("20s", 7.0, 1), ("2s", 6.0, 4)] {
        let text = format!(
            "name = \"probe\"\nduration = \"10s\"\n\
             [topology]\nkind = \"star\"\nhosts = 2\nlink = {{ rate = \"1Gbps\", delay = \"10us\" }}\n\
             [[flow]]\nname = \"p\"\nkind = \"http-probe\"\nsrc = \"h0\"\ndst = \"h1\"\n\
             interval = \"100ms\"\ntimeout = \"{timeout}\"\n\
             [[event]]\nat = \"0.05s\"\nlink = \"h1-s0\"\nstate = \"down\"\n\
             [[event]]\nat = \"5.5s\"\nlink = \"h1-s0\"\nstate = \"up\"\n"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("probe.toml");
        std::fs::write(&path, text).unwrap();
        let out = dir.path().join("out");
        let s = run_ok(&out, &[path.to_str().unwrap()]);
        let csv = std::fs::read_to_string(out.join("timeseries/probe-p.csv")).unwrap();
        let rows: Vec<(f64, Option<f64>, u32)> = csv
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (
                    f[0].parse().unwrap(),
                    f[1].parse().ok(),
                    f[2].parse().unwrap(),
                )
            })
            .collect();
        assert!(rows[0].1.unwrap() < 0.001, "before the outage: {csv}");
        let hit = rows
            .iter()
            .find(|r| (r.0 - 0.1).abs() < 1e-9)
            .expect("the 0.1-s request");
        let rt = hit.1.expect("answered");
        assert!(
            (rt - expect_s).abs() < 0.002 && hit.2 == attempts,
            "timeout {timeout}: response {rt:.6} s over {} attempts, expected {expect_s} s over {attempts}",
            hit.2
        );
        let f = flow(&s, "p");
        assert_eq!(
            u(f, "timeouts"),
            u64::from(attempts - 1),
            "{timeout}: abandoned attempts"
        );
        assert!(
            out.join("plots/response-time.svg").is_file(),
            "the response-time plot"
        );
    }
}
