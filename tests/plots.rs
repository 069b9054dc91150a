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
    let args = [scenario.to_str().unwrap(), "--set", "duration=0.5s"];
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

/// A run without `trace.timeseries` draws no plot (there is nothing to draw from), and queue
/// depth is never drawn (no queue sampler exists yet).
#[test]
fn run_without_timeseries_draws_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("examples/default.toml");
    run_ok(
        dir.path(),
        &[scenario.to_str().unwrap(), "--set", "duration=0.01s"],
    );
    assert!(!dir.path().join("plots").exists());
}
