//! A compact cwnd trace of a small deterministic scenario, snapshotted, next to assertions of
//! what it shows: slow start from the initial window, a halving at each loss, additive increase
//! in between, and the loss window after a timeout.

mod common;

use common::*;

const SCENARIO: &str = r#"
name = "cwnd-trace"
duration = "2s"

[topology]
kind = "dumbbell"
pairs = 1
link = { rate = "1Gbps", delay = "10us" }
bottleneck = { rate = "20Mbps", delay = "2ms", queue = "30p" }

[[flow]]
name = "bulk"
kind = "tcp-bulk"
src = "l0"
dst = "r0"

[trace]
timeseries = ["bulk"]
sample_interval = "100ms"
"#;

struct Row {
    t: f64,
    cwnd: u64,
    ssthresh: u64,
    retrans: u64,
    timeouts: u64,
    recovery: bool,
}

#[test]
fn cwnd_trace_shows_slow_start_halving_and_additive_increase() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, SCENARIO).unwrap();
    run_ok(&dir.path().join("out"), &[file.to_str().unwrap()]);
    let csv = std::fs::read_to_string(dir.path().join("out/timeseries/bulk.csv")).unwrap();
    let rows: Vec<Row> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Row {
                t: f[0].parse().unwrap(),
                cwnd: f[1].parse().unwrap(),
                ssthresh: f[2].parse().unwrap(),
                retrans: f[7].parse().unwrap(),
                timeouts: f[8].parse().unwrap(),
                recovery: f[9] == "1",
            }
        })
        .collect();
    let mss = 1448;
    assert_eq!(
        rows[0].cwnd,
        10 * mss,
        "initial window of 10 segments (RFC 6928)"
    );
    // Each change of ssthresh is a loss reaction and comes with a resend.
    let mut compact =
        String::from("time_ms  cwnd_segs  ssthresh_segs  retransmissions  timeouts\n");
    for w in rows.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        if b.ssthresh != a.ssthresh {
            assert!(
                b.retrans > a.retrans || b.timeouts > a.timeouts,
                "ssthresh changes only on loss at {}",
                b.t
            );
            if b.timeouts > a.timeouts {
                assert_eq!(b.cwnd, mss, "loss window after a timeout (RFC 5681 §3.1)");
            } else {
                assert!(
                    b.ssthresh <= a.cwnd / 2 + mss,
                    "ssthresh ≈ FlightSize/2 at {}",
                    b.t
                );
                assert!(b.ssthresh >= 2 * mss, "ssthresh ≥ 2·SMSS at {}", b.t);
                assert!(
                    b.recovery,
                    "a halving without a timeout enters fast recovery at {}",
                    b.t
                );
                assert_eq!(
                    b.cwnd,
                    b.ssthresh + 3 * mss,
                    "cwnd = ssthresh + 3·SMSS entering fast recovery"
                );
            }
            compact += &format!(
                "{:>7.3}  {:>9}  {:>13}  {:>15}  {:>8}\n",
                b.t * 1e3,
                b.cwnd / mss,
                b.ssthresh / mss,
                b.retrans,
                b.timeouts
            );
        }
        // Outside recovery: slow start grows by at most one SMSS per ACK (RFC 5681 eq. 2),
        // congestion avoidance by at most SMSS·SMSS/cwnd (eq. 3, rounded up).
        if !a.recovery && !b.recovery && b.ssthresh == a.ssthresh && b.cwnd > a.cwnd {
            let growth = b.cwnd - a.cwnd;
            if a.cwnd < a.ssthresh {
                assert!(growth <= mss, "slow-start growth {growth} at {}", b.t);
            } else {
                assert!(
                    growth <= mss * mss / a.cwnd + 1,
                    "CA growth {growth} at cwnd {} at {}",
                    a.cwnd,
                    b.t
                );
            }
        }
        // Leaving fast recovery deflates the window to at most ssthresh (RFC 6582 §3.2 step 3).
        if a.recovery && !b.recovery && b.timeouts == a.timeouts {
            assert!(b.cwnd <= b.ssthresh, "deflation on the full ACK at {}", b.t);
        }
    }
    let ca_rows = rows
        .iter()
        .filter(|r| !r.recovery && r.cwnd >= r.ssthresh)
        .count();
    assert!(
        ca_rows > 100,
        "the trace covers congestion avoidance ({ca_rows} rows)"
    );
    let slow_start: Vec<&Row> = rows.iter().take_while(|r| r.retrans == 0).collect();
    assert!(
        slow_start.last().unwrap().cwnd >= 4 * slow_start[0].cwnd,
        "slow start doubles the window at least twice before the first loss"
    );
    assert!(
        compact.lines().count() > 2,
        "the trace must show losses:\n{compact}"
    );
    insta::assert_snapshot!(compact);
}
