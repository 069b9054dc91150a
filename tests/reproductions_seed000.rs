//! Seed 000's Figs. 6–7 (Maini & Mazzocca: migration time and downtime of one VM against the
//! page dirty rate and the link speed) reproduced from `examples/maini-dirty-rate.toml`
//! (docs/reproductions.md): a short variant, a compact table snapshotted, and the paper's claims
//! asserted.
//!
//! The short variant scales the paper's 1024 MB VM to 32 MiB. Which stop condition ends
//! pre-copy depends on the dirty rate against the transfer rate, and how much of the memory a
//! round leaves dirty on D·T/N (writes per page during a round), and both are unchanged by the
//! scaling; only the fixed 200 KB threshold weighs more against a smaller memory.

mod common;

use common::*;

/// The paper's three link speeds, slowest first, with their rates [bit/s].
const LINKS: [(&str, f64); 3] = [("100Mbps", 1e8), ("1Gbps", 1e9), ("10Gbps", 1e10)];
/// Seed 000's Fig. 7 dirty rate (pages/s).
const FIG7_DIRTY: u64 = 300_000;
/// The short variant's memory (bytes).
const MEMORY: f64 = 32.0 * 1048576.0;

/// What one run measured.
struct Point {
    total_s: f64,
    downtime_s: f64,
    rounds: u64,
    stop_reason: String,
}

/// Runs the example at `link` and `dirty` pages/s with the short variant's memory.
fn point(link: &str, dirty: u64) -> Point {
    let (rate, dirty) = (
        format!("topology.link.rate={link}"),
        format!("vm.0.dirty_rate={dirty}"),
    );
    let args = [
        "--set",
        &rate,
        "--set",
        &dirty,
        "--set",
        "vm.0.memory=32MiB",
        "--set",
        "trace.timeseries=[]",
        "--set",
        "duration=30s",
    ];
    run_example("maini-dirty-rate", &args, |_, s| {
        let m = &s["migrations"][0];
        Point {
            total_s: num(m, "total_time_s"),
            downtime_s: num(m, "downtime_s"),
            rounds: u(m, "rounds"),
            stop_reason: m["stop_reason"].as_str().unwrap_or("?").to_owned(),
        }
    })
}

/// A table row: link, dirty rate, rounds, stop reason, times to 3 significant digits.
fn row(link: &str, dirty: u64, p: &Point) -> String {
    format!(
        "{link:>7}  {dirty:>7}  {:>6}  {:<11}  {:>9}  {:>10}\n",
        p.rounds,
        p.stop_reason,
        sig3(p.total_s),
        sig3(p.downtime_s)
    )
}

/// `v` to three significant digits.
fn sig3(v: f64) -> String {
    let digits = if v == 0.0 {
        2
    } else {
        (2 - v.abs().log10().floor() as i32).max(0) as usize
    };
    format!("{v:.digits$}")
}

const HEADER: &str = "   link  pages/s  rounds  stop_reason  total_s  downtime_s\n";

/// Seed 000 Fig. 6: "such relationship is not linear this occur because of the stop
/// conditions … if the page dirty rate is below the link capacity, all modified pages are
/// transferred in a timely fashion resulting in a low migration time and downtime … if the page
/// dirty rate starts approaching towards the link capacity, the migration performance degrades
/// significantly."
///
/// Per link speed, three dirty rates: about a third and two thirds of the link's capacity in
/// 4 KiB pages (1000 and 2000 pages/s at 100 Mbit/s, ten and a hundred times that on the faster
/// links) and two and a half times the second. Asserted, per link:
///
/// * below the capacity pre-copy iterates until the dirty memory left is small, and the
///   downtime is what the last round holds — at most twice the 200 KB threshold at the link
///   rate, plus 2 ms of RTTs and switch delays — while the migration time grows with the dirty rate (which
///   rule ends it may be the threshold, or, once the rounds are so short that an RTT dominates
///   them, the dirty-rate rule: 10 Gbit/s at 200 000 pages/s stops that way after 21 rounds);
/// * above it the dirty-rate condition ends pre-copy after round 0 and the downtime jumps to
///   most of the memory at the link rate: at least half of memory / rate, and at least 20 times
///   the downtime at two thirds of the capacity, for a dirty rate only 2.5 times higher —
///   the non-linearity the paper attributes to the stop conditions.
#[test]
fn seed000_fig6_stop_conditions_make_time_and_downtime_nonlinear_in_the_dirty_rate() {
    let points: Vec<(usize, u64)> = (0..LINKS.len())
        .flat_map(|l| {
            let scale = 10u64.pow(l as u32);
            [1000, 2000, 5000].map(|d| (l, d * scale))
        })
        .collect();
    let runs = par_map_bounded(&points, |&(l, d)| point(LINKS[l].0, d));
    let mut table = String::from(HEADER);
    for (&(l, d), p) in points.iter().zip(&runs) {
        table += &row(LINKS[l].0, d, p);
    }
    for (l, &(link, rate)) in LINKS.iter().enumerate() {
        let [third, two_thirds, above] = [0, 1, 2].map(|k| &runs[3 * l + k]);
        for p in [third, two_thirds] {
            assert!(
                p.rounds > 2,
                "{link}: below the capacity pre-copy stopped after round 0\n{table}"
            );
            let bound = 2.0 * 200_000.0 * 8.0 / rate + 0.002;
            assert!(
                p.downtime_s <= bound,
                "{link}: downtime {:.6} s above 2 × threshold / rate + 2 ms = {bound:.6} s\n{table}",
                p.downtime_s
            );
        }
        assert!(
            two_thirds.total_s > third.total_s,
            "{link}: migration time did not grow with the dirty rate below the capacity\n{table}"
        );
        assert_eq!(
            (above.stop_reason.as_str(), above.rounds),
            ("dirty_rate", 2),
            "{link}: above the capacity the dirty-rate condition ends pre-copy after round 0\n{table}"
        );
        assert!(
            above.downtime_s >= 0.5 * MEMORY * 8.0 / rate,
            "{link}: downtime {:.3} s is not most of the memory at the link rate\n{table}",
            above.downtime_s
        );
        assert!(
            above.downtime_s >= 20.0 * two_thirds.downtime_s,
            "{link}: downtime rose only from {:.6} s to {:.6} s across the capacity\n{table}",
            two_thirds.downtime_s,
            above.downtime_s
        );
    }
    insta::assert_snapshot!(table);
}

/// Seed 000 Fig. 7: at 300 000 pages/s "the relationship between the link capacity and the
/// migration time is inversely proportional. Same consideration about the relationship between
/// the link capacity and the downtime." Asserted: both fall with every tenfold step of the link
/// rate, by at least 5 times, and time × rate stays within a factor of 1.5 across the three
/// links (downtime × rate within a factor of 2: at 10 Gbit/s the dirty rate only just exceeds
/// the transfer rate, so round 0 leaves part of the memory clean).
#[test]
fn seed000_fig7_time_and_downtime_inversely_proportional_to_link_speed() {
    let runs = par_map_bounded(&LINKS, |&(link, _)| point(link, FIG7_DIRTY));
    let mut table = String::from(HEADER);
    for (&(link, _), p) in LINKS.iter().zip(&runs) {
        table += &row(link, FIG7_DIRTY, p);
    }
    for l in 1..LINKS.len() {
        let (slow, fast) = (&runs[l - 1], &runs[l]);
        assert!(
            slow.total_s >= 5.0 * fast.total_s && slow.downtime_s >= 5.0 * fast.downtime_s,
            "{} → {}: not a fall of at least 5 times\n{table}",
            LINKS[l - 1].0,
            LINKS[l].0
        );
    }
    let spread = |f: &dyn Fn(&Point) -> f64| {
        let v: Vec<f64> = runs.iter().zip(&LINKS).map(|(p, l)| f(p) * l.1).collect();
        v.iter().cloned().fold(0.0, f64::max) / v.iter().cloned().fold(f64::INFINITY, f64::min)
    };
    let (time, down) = (spread(&|p| p.total_s), spread(&|p| p.downtime_s));
    assert!(time <= 1.5, "time × rate varies {time:.2} times\n{table}");
    assert!(
        down <= 2.0,
        "downtime × rate varies {down:.2} times\n{table}"
    );
    insta::assert_snapshot!(table);
}

/// The full-size run at 100 Mbit/s and 1 000 pages/s (128 s simulated, a few seconds of wall
/// time): no queue drops a segment, yet about one 4 MiB window (2 896 segments) is lost and
/// resent in round 2. The loss is ARP's (docs/reproductions.md, "Fig. 6 on a Linux stack"): h0's
/// entry for h1 expires 120 s after the migration's first SYN resolved it, the request waits
/// behind the window in h0's own queue, and the 3-packet ARP queue drops what TCP sends
/// meanwhile. With an entry that outlives the run nothing is lost or resent.
#[test]
fn seed000_100mbps_window_lost_to_the_arp_expiry_not_to_a_queue() {
    const CASES: [&str; 3] = [
        "arp.cache_timeout=120s",
        "arp.cache_timeout=1000s",
        "arp.expired_entry=probe",
    ];
    let runs = par_map_bounded(&CASES, |&arp| {
        let args = [
            "--set",
            "topology.link.rate=100Mbps",
            "--set",
            "vm.0.dirty_rate=1000",
            "--set",
            arp,
            "--set",
            "trace.timeseries=[]",
        ];
        run_example("maini-dirty-rate", &args, |_, s| {
            let p = &s["packets"];
            let arp = p["arp_unresolved"].as_u64().unwrap_or(0);
            let m = &s["migrations"][0];
            (
                u(p, "queue_drops"),
                arp,
                u(m, "retransmissions_before_pause"),
            )
        })
    });
    let (drops, lost, resent) = runs[0];
    assert_eq!(drops, 0, "the 3000-packet queues hold the whole window");
    assert!(
        (2800..=2896).contains(&lost),
        "about one window lost to ARP, {lost} segments"
    );
    assert!(
        resent >= lost,
        "every lost segment resent: {resent} < {lost}"
    );
    assert_eq!(runs[1], (0, 0, 0), "no expiry: no loss, no retransmission");
    assert_eq!(
        runs[2],
        (0, 0, 0),
        "Linux's STALE/PROBE: the expired entry keeps carrying the window while it is asked again"
    );
}
