//! netsim against ns-3's NewReno + SACK reference cases R3 and R4 (issue 18; the ns-3 runs,
//! their README and tolerances are in `../shared/reference/ns3/`, the numbers below are the
//! means of its `results/summary.json`). `examples/ns3-r3.toml` and `examples/ns3-r4.toml`
//! are seed 1 of each case; the other seeds differ only in `seed` (R3) or in the start times
//! ns-3 drew (R4). Where netsim departs from ns-3 beyond the tolerance, docs/tcp.md ("R3/R4")
//! says which side departs from the RFC; the assertions here pin those findings.

mod common;

use common::ns3::run_example_set;
use common::*;

/// ns-3 tolerance rule: |netsim − ns-3 mean| ≤ allowed.
fn within(name: &str, netsim: f64, ns3: f64, allowed: f64) {
    assert!(
        (netsim - ns3).abs() <= allowed,
        "{name}: netsim {netsim:.3} vs ns-3 {ns3:.3} (allowed ±{allowed:.3})"
    );
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = v.collect();
    v.iter().sum::<f64>() / v.len() as f64
}

/// Per-seed totals over all flows: (aggregate goodput Mbit/s, retransmissions, fast-recovery
/// entries, timeouts, bottleneck drops, per-flow goodputs).
fn totals(s: &serde_json::Value) -> (f64, f64, f64, f64, f64, Vec<f64>) {
    let flows = s["flows"].as_array().expect("flows");
    let sum = |k: &str| flows.iter().map(|f| u(f, k) as f64).sum::<f64>();
    let goodput = sum("bytes_delivered") * 8.0 / 20.0 / 1e6;
    let drops = s["queues"]
        .as_array()
        .expect("queues")
        .iter()
        .filter(|q| q["node"] == "sl" && q["peer"] == "sr")
        .map(|q| u(q, "dropped_packets") as f64)
        .sum();
    let per_flow = flows.iter().map(|f| num(f, "goodput_bps") / 1e6).collect();
    (
        goodput,
        sum("retransmissions"),
        sum("fast_retransmits"),
        sum("timeouts"),
        drops,
        per_flow,
    )
}

/// R4 (four NewReno + SACK flows through a 100 Mbit/s drop-tail bottleneck, 20 s, five
/// seeds): the totals agree with ns-3 within the README's tolerances — aggregate goodput,
/// retransmissions, fast-recovery entries, timeouts, bottleneck drops and Jain's index.
/// (Per-flow shares move with the drop-tail phase; two of four fall outside their ±5 %,
/// docs/tcp.md.)
#[test]
fn ns3_r4_totals_within_tolerance() {
    let starts = [
        ["787304ns", "1660936ns", "2978998ns", "3054977ns"],
        ["574608ns", "1321871ns", "2957996ns", "3109948ns"],
        ["361906ns", "1982807ns", "2936994ns", "3164919ns"],
        ["149210ns", "1643742ns", "2915986ns", "3219890ns"],
        ["936509ns", "1304678ns", "2894984ns", "3274862ns"],
    ];
    let seeds: Vec<usize> = (0..5).collect();
    let runs = par_map_bounded(&seeds, |&i| {
        let mut args = vec![format!("seed={}", i + 1)];
        for (f, t) in starts[i].iter().enumerate() {
            args.push(format!("flow.{f}.start={t}"));
        }
        run_example_set("ns3-r4", &args, |_, s| totals(s))
    });
    within(
        "aggregate goodput",
        mean(runs.iter().map(|r| r.0)),
        93.092,
        1.8618,
    );
    within(
        "retransmissions",
        mean(runs.iter().map(|r| r.1)),
        426.0,
        85.2,
    );
    within(
        "fast-recovery entries",
        mean(runs.iter().map(|r| r.2)),
        304.0,
        45.6,
    );
    within("timeouts", mean(runs.iter().map(|r| r.3)), 0.0, 1.0);
    within(
        "bottleneck drops",
        mean(runs.iter().map(|r| r.4)),
        426.0,
        85.2,
    );
    let jain = mean(runs.iter().map(|r| {
        let (s, q): (f64, f64) = r.5.iter().fold((0.0, 0.0), |(s, q), x| (s + x, q + x * x));
        s * s / (r.5.len() as f64 * q)
    }));
    within("Jain index", jain, 0.9999, 0.02);
}

/// R3 (one flow, 1 % random loss each way, 20 s, five seeds). Within tolerance: fast-recovery
/// entries and bottleneck drops. Outside, with the causes docs/tcp.md gives: goodput is higher
/// than ns-3's (ns-3 halves pipe, not FlightSize — README departure 3 — and truncates its
/// increase), by less than 15 %; the timeouts are lost retransmissions, which RFC 6675 leaves
/// to the RTO — at most one per 50 retransmissions (1 % loss) — and RACK (RFC 8985) removes
/// them all.
#[test]
fn ns3_r3_within_tolerance_or_documented() {
    let seeds: Vec<u32> = (1..=5).collect();
    let runs = par_map_bounded(&seeds, |&s| {
        let seed = format!("seed={s}");
        let plain = run_example("ns3-r3", &["--set", &seed], |_, s| totals(s));
        let rack = run_example(
            "ns3-r3",
            &["--set", &seed, "--set", "tcp.rack_tlp=true"],
            |_, s| totals(s),
        );
        (plain, rack)
    });
    let plain: Vec<_> = runs.iter().map(|r| &r.0).collect();
    within(
        "fast-recovery entries",
        mean(plain.iter().map(|r| r.2)),
        180.2,
        27.03,
    );
    within(
        "bottleneck drops",
        mean(plain.iter().map(|r| r.4)),
        20.2,
        92.18,
    );
    let goodput = mean(plain.iter().map(|r| r.0));
    assert!(
        goodput > 12.46 && goodput < 12.46 * 1.15,
        "goodput above ns-3's 12.46 Mbit/s (its lower ssthresh), by < 15 %: {goodput:.2}"
    );
    let (rtx, timeouts) = (
        mean(plain.iter().map(|r| r.1)),
        mean(plain.iter().map(|r| r.3)),
    );
    assert!(
        timeouts <= rtx / 50.0,
        "timeouts only from lost retransmissions: {timeouts} per {rtx} retransmissions"
    );
    let rack_timeouts: f64 = runs.iter().map(|r| r.1.3).sum();
    assert_eq!(
        rack_timeouts, 0.0,
        "RACK finds the lost retransmissions: no RTO"
    );
}
