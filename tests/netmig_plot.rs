//! Issue 16, Outputs: "A timeline plot: phases, each host's migration, throughput and ping
//! RTT underneath" — `plots/network-migration.svg` of the bundled test bed, read back.

mod common;

use common::*;

/// Runs `arora2013-<alg>` shortened to 6 s (PREPARE_MIGRATION at 2 s, vm1 moved at 4 s) with
/// `sets`; the summary and the timeline's SVG.
fn timeline(alg: &str, sets: &[&str]) -> (serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let scenario = root().join(format!("examples/arora2013-{alg}.toml"));
    let mut args = vec![scenario.to_str().unwrap(), "--set", "duration=6s"];
    for s in sets {
        args.extend(["--set", s]);
    }
    let s = run_ok(&out, &args);
    let svg = std::fs::read_to_string(out.join("plots/network-migration.svg")).unwrap();
    (s, svg)
}

/// The timeline has a ping-RTT panel under netperf's throughput and smoothed RTT, both RTT
/// panels labelled, and its points are the ping flow's echoes: one per answered echo (the
/// replies `summary.json` counts), so halving the interval doubles them.
#[test]
fn timeline_shows_each_ping_echo_under_the_throughput() {
    for (interval, alg) in [("100ms", "asap"), ("50ms", "alap")] {
        let set = format!("flow.1.interval={interval}");
        let (s, svg) = timeline(alg, &[set.as_str()]);
        let ping = flow(&s, "ping");
        let answered = u(ping, "packets_delivered");
        assert!(answered > 40, "{interval}: {answered} echoes answered");
        assert_eq!(
            svg.matches("<circle").count() as u64,
            answered,
            "{interval}: one point per answered echo"
        );
        assert!(svg.contains("ping: ping RTT of each echo"), "ping panel");
        assert!(
            svg.contains("netperf: TCP smoothed RTT"),
            "TCP panel labelled"
        );
        assert!(svg.contains("netperf: throughput"));
        assert!(svg.contains("MIGRATE_SWITCHES") || svg.contains("host 1 moved"));
        let (ti, tr, tp) = (
            svg.find("netperf: throughput").unwrap(),
            svg.find("netperf: TCP smoothed RTT").unwrap(),
            svg.find("ping: ping RTT").unwrap(),
        );
        assert!(ti < tr && tr < tp, "ping RTT underneath");
    }
}

/// The bundled whole-network migrations (seed 001's test bed with ASAP and ALAP, and the k = 4
/// fat-tree's sixteen host positions moved a quarter of a second apart), run in full: the
/// timeline `netsim run` draws for each has a row label per phase and per migration, and no
/// two of them intersect (before, labels drawn at their event's time ran into each other).
#[test]
fn bundled_timelines_have_no_overlapping_labels() {
    for (name, phases, migrations) in [
        ("arora2013-asap", 4, 0),
        ("arora2013-alap", 4, 0),
        ("twin-fat-tree-4", 18, 16),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let path = root().join(format!("examples/{name}.toml"));
        let (scenario, source) = netsim::scenario::load(&path, &[]).unwrap();
        let opts = netsim::run::RunOptions {
            out: out.clone(),
            progress: false,
            dump_flows: false,
            check: Default::default(),
            print_warnings: false,
        };
        let r = netsim::run::run(&scenario, &source, &opts).unwrap();
        let tl = netsim::netmig::timeline(&scenario, &r.summary, None, &out)
            .unwrap()
            .expect("a timeline");
        assert_eq!(
            (tl.phases.len(), tl.migrations.len()),
            (phases, migrations),
            "{name}"
        );
        let placed = netsim::plot::netmig::placed(&tl).unwrap();
        assert_eq!(placed.labels.len(), phases + migrations, "{name}");
        assert_eq!(placed.problem(), None, "{name}");
    }
}
