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
