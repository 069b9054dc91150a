//! `netsim run` draws `plots/cwnd.svg` and `plots/throughput.svg` from its TCP time series.

mod common;

use common::{root, run_ok};

/// A short run of `examples/tcp-dumbbell.toml` writes both plots; each is an SVG with a line
/// (polyline) per traced flow plus the axes, names every traced flow in its legend, and two
/// identical runs give byte-identical SVGs.
#[test]
fn run_writes_deterministic_cwnd_and_throughput_plots() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("examples/tcp-dumbbell.toml");
    // bulk2 starts at 1 s.
    let args = [scenario.to_str().unwrap(), "--set", "duration=1.2s"];
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    run_ok(&a, &args);
    run_ok(&b, &args);
    let flows = ["bulk0", "bulk1", "bulk2", "rr"];
    for name in ["cwnd.svg", "throughput.svg"] {
        let svg = std::fs::read_to_string(a.join("plots").join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{name}"
        );
        assert!(
            svg.matches("<polyline").count() >= flows.len(),
            "{name}: a line per flow"
        );
        for f in flows {
            assert!(
                svg.contains(&format!(">\n{f}\n</text>")),
                "{name}: legend lacks {f}"
            );
        }
        assert!(svg.contains("time [s]"), "{name}: x axis label");
        assert_eq!(
            svg,
            std::fs::read_to_string(b.join("plots").join(name)).unwrap(),
            "{name} differs between identical runs"
        );
    }
}

/// A run without `trace.timeseries` draws no plot: there is nothing to draw from.
#[test]
fn run_without_timeseries_draws_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("examples/default.toml");
    run_ok(
        dir.path(),
        &[
            scenario.to_str().unwrap(),
            "--set",
            "duration=0.01s",
            "--set",
            "trace.timeseries=[]",
        ],
    );
    assert!(!dir.path().join("plots").exists());
}

/// A link time series gives `queue.svg` and `utilisation.svg` with a line per direction.
#[test]
fn link_series_draw_queue_and_utilisation() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("examples/dumbbell-udp.toml");
    run_ok(
        dir.path(),
        &[scenario.to_str().unwrap(), "--set", "duration=0.3s"],
    );
    for name in ["queue.svg", "utilisation.svg", "throughput.svg"] {
        let svg = std::fs::read_to_string(dir.path().join("plots").join(name)).unwrap();
        assert!(
            svg.contains("sl→sr") || name == "throughput.svg",
            "{name}: direction in legend"
        );
        assert!(svg.matches("<polyline").count() >= 2, "{name}: lines");
    }
    assert!(
        !dir.path().join("plots/cwnd.svg").exists(),
        "no TCP flow, no cwnd plot"
    );
}

/// The bundled examples that draw `plots/migration-<vm>.svg` (pre-copy rounds from 4 to 11):
/// their rounds, read back from `timeseries/migration-vm1.csv`, laid out as `netsim run`
/// lays them out, give the title, the legend and every round's label a box of its own,
/// each inside its region (a round's label inside the plotting area).
#[test]
fn bundled_migration_timelines_have_no_overlapping_labels() {
    for name in [
        "default",
        "migration-fat-tree",
        "qin2017-precopy-cwnd",
        "maini-dirty-rate",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let scenario = root().join(format!("examples/{name}.toml"));
        run_ok(&out, &[scenario.to_str().unwrap()]);
        let csv = std::fs::read_to_string(out.join("timeseries/migration-vm1.csv")).unwrap();
        let (rounds, pause) = netsim::plot::migration::parse(&csv).unwrap();
        assert!(rounds.len() >= 4, "{name}: {} rounds", rounds.len());
        let placed = netsim::plot::migration::placed("vm1", &rounds, pause).unwrap();
        assert_eq!(
            placed.labels.len(),
            2 + usize::from(pause.is_some()) + rounds.len()
        );
        assert_eq!(placed.problem(), None, "{name}");
    }
}
