//! Seed 002's figures reproduced from the bundled examples (docs/reproductions.md): a short
//! variant of each, a compact table snapshotted, and the paper's claim asserted.

mod common;

use std::path::Path;

use common::*;

/// Payload capacity of a 500 Mbit/s link for full-size segments [bit/s]: 1448 B of payload
/// in a 1502-byte frame (README, model notes).
const LINK_PAYLOAD_BPS: f64 = 500e6 * 1448.0 / 1502.0;

/// The three transfers of seed 002 §5.2.
const TRANSFERS: [&str; 3] = ["h4-h1", "h5-h2", "h6-h3"];

/// Runs `examples/<name>.toml` with `args` into a fresh directory; hands the directory and the
/// summary to `read`.
fn run_example<R>(
    name: &str,
    args: &[&str],
    read: impl FnOnce(&Path, &serde_json::Value) -> R,
) -> R {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join(format!("examples/{name}.toml"));
    let mut all = vec![scenario.to_str().unwrap()];
    all.extend_from_slice(args);
    let s = run_ok(dir.path(), &all);
    read(dir.path(), &s)
}

/// `f` over `items`, one thread each, results in order (each item is a `netsim` process).
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    std::thread::scope(|s| {
        let handles: Vec<_> = items.iter().map(|i| s.spawn(|| f(i))).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker panicked"))
            .collect()
    })
}

/// Seed 002 Figs. 9–10 (link contention on the Fig. 6 test bed), short variant: the three
/// transfers start together and run for 1 s. The assertions prove the paper's claim:
///
/// * `dynamic-routing`: every transfer runs at close to full link speed — at least 95 % of a
///   500 Mbit/s link's payload capacity (459 of 482 Mbit/s) — over three different upper
///   switches;
/// * `shortest-path`: all three cross one upper switch and share its link — together they
///   fill it (90–100 % of its payload capacity) and each gets its third within ±25 %.
#[test]
fn seed002_fig9_fig10_link_contention() {
    let apps = ["shortest-path", "dynamic-routing"];
    let results = par_map(&apps, |app| {
        let set = format!("controller.app={app}");
        let args = [
            "--set",
            &set,
            "--set",
            "duration=1s",
            "--set",
            "flow.1.start=0s",
            "--set",
            "flow.2.start=0s",
        ];
        run_example("qin2017-contention", &args, |_, s| {
            let goodput: Vec<f64> = TRANSFERS
                .iter()
                .map(|t| flow(s, t)["goodput_bps"].as_f64().expect("goodput_bps"))
                .collect();
            // Upper switches that carried the transfers (more than a few ARP frames).
            let uppers: Vec<String> = s["switches"]
                .as_array()
                .expect("switches[]")
                .iter()
                .filter(|w| ["s1", "s2", "s3"].contains(&w["name"].as_str().unwrap()))
                .filter(|w| u(w, "packets_received") > 1000)
                .map(|w| w["name"].as_str().unwrap().to_owned())
                .collect();
            (goodput, uppers)
        })
    });
    let mut table =
        String::from("app              h4-h1  h5-h2  h6-h3  (Mbit/s, to 10)  upper switches\n");
    for (app, (goodput, uppers)) in apps.iter().zip(&results) {
        let cells: Vec<String> = goodput
            .iter()
            .map(|g| format!("{:>5}", (g / 1e7).round() as u64 * 10))
            .collect();
        table += &format!(
            "{app:<15}  {}  {:>15}  {}\n",
            cells.join("  "),
            "",
            uppers.join(" ")
        );
    }
    let (sp, dr) = (&results[0], &results[1]);
    for (t, g) in TRANSFERS.iter().zip(&dr.0) {
        assert!(
            *g >= 0.95 * LINK_PAYLOAD_BPS,
            "dynamic-routing: {t} at {:.1} Mbit/s, not near full link speed\n{table}",
            g / 1e6
        );
    }
    assert_eq!(
        dr.1.len(),
        3,
        "dynamic-routing uses all three upper switches\n{table}"
    );
    assert_eq!(
        sp.1,
        ["s1"],
        "shortest-path sends every transfer through s1\n{table}"
    );
    let sum: f64 = sp.0.iter().sum();
    assert!(
        (0.9 * LINK_PAYLOAD_BPS..=LINK_PAYLOAD_BPS).contains(&sum),
        "shortest-path: the transfers together get {:.1} Mbit/s, not one link's worth\n{table}",
        sum / 1e6
    );
    for (t, g) in TRANSFERS.iter().zip(&sp.0) {
        let third = LINK_PAYLOAD_BPS / 3.0;
        assert!(
            (g - third).abs() <= 0.25 * third,
            "shortest-path: {t} at {:.1} Mbit/s, not within 25 % of a third of the link\n{table}",
            g / 1e6
        );
    }
    insta::assert_snapshot!(table);
}
