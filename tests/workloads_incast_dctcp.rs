//! Issue 20: why DCTCP with RFC 6928's initial window of 10 segments times out more than
//! NewReno in incast (docs/workloads.md, "Incast: DCTCP against NewReno"). The small case:
//! N = 16 senders of 64 KB each into one 1 Gbit/s receiver behind a 100-packet buffer (a step
//! marker at K = 20 for DCTCP), starting within 50 µs, each flow's cwnd, flight and α traced.

mod common;

use std::fmt::Write as _;
use std::path::Path;

use common::*;

const N: usize = 16;
const MSS: u64 = 1448;
/// ssthresh before any reduction (u32::MAX).
const NO_SSTHRESH: u64 = 4_294_967_295;

/// The scenario: `variant` ("dctcp" marks at K = 20 packets), IW 10.
fn scenario(variant: &str) -> String {
    let aqm = if variant == "dctcp" {
        r#", aqm = { kind = "threshold", k = "20p" }"#
    } else {
        ""
    };
    let mut s = format!(
        "name = \"incast-{variant}\"\nduration = \"300ms\"\n[topology]\nkind = \"star\"\n\
         hosts = {}\nlink = {{ rate = \"1Gbps\", delay = \"10us\", queue = \"100p\"{aqm} }}\n\
         [tcp]\nvariant = \"{variant}\"\ninitial_cwnd = 10\n",
        N + 1
    );
    for i in 1..=N {
        let start = (i * 37) % 50;
        write!(
            s,
            "[[flow]]\nname = \"f{i}\"\nkind = \"tcp-bulk\"\nsrc = \"h{i}\"\ndst = \"h0\"\n\
             bytes = 65536\nstart = \"{start}us\"\n"
        )
        .unwrap();
    }
    let names: Vec<String> = (1..=N).map(|i| format!("\"f{i}\"")).collect();
    write!(
        s,
        "[trace]\ntimeseries = [{}]\nsample_interval = \"50us\"\n",
        names.join(", ")
    )
    .unwrap();
    s
}

/// One time-series row: (time, cwnd, ssthresh, bytes in flight, retransmissions, timeouts).
type Sample = (f64, u64, u64, u64, u64, u64);

fn trace(out: &Path, flow: usize) -> Vec<Sample> {
    let path = out.join(format!("timeseries/f{flow}.csv"));
    let mut r = csv::Reader::from_path(&path).expect("the flow's time series");
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|x| x == name).unwrap();
    let c = [
        col("time_s"),
        col("cwnd_bytes"),
        col("ssthresh_bytes"),
        col("bytes_in_flight"),
        col("retransmissions"),
        col("timeouts"),
    ];
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let n = |i: usize| rec[c[i]].parse::<u64>().unwrap();
            (rec[c[0]].parse().unwrap(), n(1), n(2), n(3), n(4), n(5))
        })
        .collect()
}

/// The cause, pinned. NewReno: the first window overflows the buffer (every flow loses
/// segments) and every loss is repaired by fast retransmit — slow start keeps sending new
/// segments, which arrive once the queue has drained and raise three duplicate ACKs — so no
/// flow times out. DCTCP drops fewer packets, but the first CE echo reaches each sender within
/// its first round trip (below 1 ms) while the tail of its first window is being dropped; with
/// α₀ = 1 the cut halves cwnd (to 5–7 segments) below the 9–12 segments in flight, so nothing
/// new is sent. The ACKs of the surviving segments shrink the flight to the lost tail and
/// stop: a whole tail of at least 3 segments is lost with nothing after it, no duplicate ACK
/// can come, and the flow waits for the 200 ms RTO, with no retransmission before it. Not a
/// DCTCP fault (RFC 8257 §3.3's cut, once per window; α₀ = 1 as Linux): the overflow is the
/// first window's, before any mark can act, and the cut turns its losses into tail losses.
#[test]
fn dctcp_iw10_incast_timeouts_are_first_window_tail_losses_silenced_by_the_ecn_cut() {
    let dir = tempfile::tempdir().unwrap();
    let mut sums = Vec::new();
    for variant in ["newreno", "dctcp"] {
        let file = dir.path().join(format!("{variant}.toml"));
        std::fs::write(&file, scenario(variant)).unwrap();
        let out = dir.path().join(variant);
        let s = run_ok(&out, &[file.to_str().unwrap()]);
        let flows = s["flows"].as_array().unwrap();
        assert_eq!(flows.len(), N);
        for f in flows {
            assert_eq!(u(f, "bytes_delivered"), 65_536, "{variant}: {f}");
        }
        let total = |k: &str| flows.iter().map(|f| u(f, k)).sum::<u64>();
        sums.push((
            u(&s["packets"], "queue_drops"),
            total("timeouts"),
            total("fast_retransmits"),
        ));
        if variant == "newreno" {
            for f in flows {
                assert!(u(f, "fast_retransmits") >= 1, "every flow loses: {f}");
                assert_eq!(u(f, "timeouts"), 0, "{f}");
            }
            continue;
        }
        let mut timed_out = 0;
        for i in 1..=N {
            let t = trace(&out, i);
            let Some(k) = t.iter().position(|r| r.5 > 0) else {
                continue;
            };
            timed_out += 1;
            // The first reduction: ssthresh set while nothing was retransmitted (an ECN cut).
            let cut = t.iter().position(|r| r.2 != NO_SSTHRESH).unwrap();
            let (at, cwnd, _, flight, rtx, _) = t[cut];
            assert!(at < 1e-3, "f{i}: the cut comes in the first RTTs: {at}");
            assert_eq!(rtx, 0, "f{i}: before any loss is known");
            assert!(
                (5 * MSS..=7 * MSS).contains(&cwnd) && flight > cwnd + 3 * MSS,
                "f{i}: cwnd {cwnd} halved below the flight {flight}"
            );
            // Just before the RTO: no retransmission yet, a tail of ≥ 3 segments outstanding,
            // unchanged for the last 100 ms (no ACK at all).
            let (_, cwnd, _, flight, rtx, _) = t[k - 1];
            assert_eq!(rtx, 0, "f{i}: nothing repaired the loss before the RTO");
            assert!(
                flight >= 3 * MSS && flight + MSS >= cwnd,
                "f{i}: {:?}",
                t[k - 1]
            );
            let idle = t
                .iter()
                .filter(|r| r.0 > t[k].0 - 0.1 && r.0 < t[k].0)
                .all(|r| r.3 == flight && r.4 == 0);
            assert!(idle, "f{i}: the flight stood still until the RTO");
            assert!((0.195..0.21).contains(&t[k].0), "f{i}: the 200 ms RTO");
        }
        assert!(
            timed_out >= N / 2,
            "{timed_out} of {N} DCTCP flows timed out"
        );
    }
    let ((nr_drops, nr_to, nr_fr), (dc_drops, dc_to, dc_fr)) = (sums[0], sums[1]);
    assert!(
        dc_drops < nr_drops,
        "DCTCP drops fewer: {dc_drops} < {nr_drops}"
    );
    assert!(dc_to > nr_to && dc_fr < nr_fr, "{sums:?}");
}
