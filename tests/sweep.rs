//! `netsim sweep`: points, `sweep.csv`, determinism across `--jobs`, errors, and sweep plots.

mod common;

use std::path::Path;

use common::{root, run, summary};
use netsim::plot::sweep::{PlotSpec, series};
use netsim::sweep::table::parse_csv;

/// `netsim --quiet sweep examples/dumbbell-udp.toml` with a tiny duration, 2 rates × 2 seeds.
fn sweep_dumbbell(out: &Path, jobs: &str, extra: &[&str]) -> std::process::Output {
    let scenario = root().join("examples/dumbbell-udp.toml");
    let mut args = vec![
        "--quiet",
        "sweep",
        scenario.to_str().unwrap(),
        "--set",
        "duration=0.05s",
        // Random loss, so that the seeds really differ and parallel runs must keep their
        // streams apart.
        "--set",
        "topology.bottleneck.loss=0.01",
        "--set",
        "flow.0.rate=100Mbps,300Mbps",
        "--seeds",
        "2",
        "--jobs",
        jobs,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn ok(o: &std::process::Output) {
    assert!(
        o.status.success(),
        "sweep failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// 2 values × 2 seeds give 4 point directories and 4 rows in point order (rate outermost, seed
/// innermost, starting at the scenario's seed); every metric in a row equals the one in that
/// point's `summary.json`; and `sweep.csv` is byte-identical with `--jobs 1` and `--jobs 2`.
#[test]
fn sweep_runs_the_product_in_point_order_and_is_independent_of_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    ok(&sweep_dumbbell(&a, "1", &[]));
    ok(&sweep_dumbbell(&b, "2", &[]));
    let csv = std::fs::read_to_string(a.join("sweep.csv")).unwrap();
    assert_eq!(
        csv,
        std::fs::read_to_string(b.join("sweep.csv")).unwrap(),
        "sweep.csv depends on --jobs"
    );

    let rows = parse_csv(&csv);
    let header = &rows[0];
    assert_eq!(&header[..4], ["point", "dir", "flow.0.rate", "seed"]);
    assert_eq!(rows.len(), 5, "a header and 4 rows:\n{csv}");
    let expected = [
        ("100Mbps", 1),
        ("100Mbps", 2),
        ("300Mbps", 1),
        ("300Mbps", 2),
    ];
    let points = std::fs::read_dir(a.join("points")).unwrap().count();
    assert_eq!(points, 4, "one directory per point");
    for (i, (row, (rate, seed))) in rows[1..].iter().zip(expected).enumerate() {
        assert_eq!(row[0], i.to_string());
        assert_eq!(
            (row[2].as_str(), row[3].as_str()),
            (rate, &*seed.to_string())
        );
        assert_eq!(row[1], format!("points/{i}-flow.0.rate={rate}-seed{seed}"));
        let s = summary(&a.join(&row[1]));
        assert_eq!(s["seed"], seed, "point {i} ran with its seed");
        let mut checked = 0;
        for (col, cell) in header.iter().zip(row).skip(4) {
            let value = match col.split('.').collect::<Vec<_>>()[..] {
                ["flow", name, metric] => common::flow(&s, name)[metric].clone(),
                [top] => s[top].clone(),
                _ => panic!("unexpected column {col}"),
            };
            if value.is_null() {
                assert_eq!(cell, "", "{col} of point {i}");
            } else {
                let want = value.as_f64().unwrap();
                let got: f64 = cell.parse().unwrap();
                assert_eq!(got, want, "{col} of point {i}");
                checked += 1;
            }
        }
        assert!(checked >= 10, "point {i}: only {checked} metrics compared");
    }
    // The swept rate reached the scenario: 300 Mbit/s delivers about three times as much.
    let goodput = header
        .iter()
        .position(|h| h == "flow.cbr0.goodput_bps")
        .unwrap();
    let g = |r: usize| rows[r][goodput].parse::<f64>().unwrap();
    assert!(g(3) > 2.5 * g(1), "{} vs {}", g(3), g(1));
}

/// `--plot x=flow.0.rate,y=flow.cbr0.goodput_bps` writes the SVG, and the plotted means are the
/// means over seeds of sweep.csv's values for each rate.
#[test]
fn sweep_plot_draws_the_mean_over_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    ok(&sweep_dumbbell(
        &out,
        "2",
        &["--plot", "x=flow.0.rate,y=flow.cbr0.goodput_bps"],
    ));
    let svg = std::fs::read_to_string(out.join("plots/flow.cbr0.goodput_bps-vs-flow.0.rate.svg"))
        .expect("the plot exists");
    assert!(svg.starts_with("<svg") && svg.contains("flow.cbr0.goodput_bps"));

    let rows = parse_csv(&std::fs::read_to_string(out.join("sweep.csv")).unwrap());
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    let (x, y) = (col("flow.0.rate"), col("flow.cbr0.goodput_bps"));
    let spec = PlotSpec {
        x: "flow.0.rate".into(),
        y: "flow.cbr0.goodput_bps".into(),
        series: Vec::new(),
    };
    let data = series(&spec, &rows).unwrap();
    assert_eq!(data.len(), 1);
    let points = &data[0].points;
    assert_eq!(points.len(), 2);
    for p in points {
        let ys: Vec<f64> = rows[1..]
            .iter()
            .filter(|r| r[x] == p.x)
            .map(|r| r[y].parse().unwrap())
            .collect();
        assert_eq!(ys.len(), 2, "two seeds per rate");
        assert_eq!(p.mean, (ys[0] + ys[1]) / 2.0, "mean at {}", p.x);
        assert_eq!(p.n, 2);
    }
}

/// A bad value in a swept list fails before any point runs: exit 1, a message naming the
/// point and the bad value, and no point directory or sweep.csv.
#[test]
fn bad_set_in_a_sweep_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let scenario = root().join("examples/dumbbell-udp.toml");
    let o = run(&[
        "--quiet",
        "sweep",
        scenario.to_str().unwrap(),
        "--set",
        "flow.0.rate=100Mbps,fast",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("flow.0.rate=fast") && err.contains("nothing was run"),
        "{err}"
    );
    assert!(!out.join("points").exists(), "a point ran");

    // A typo in a key, or an unbalanced list, is refused the same way.
    for set in ["flow.0.rat=1Mbps,2Mbps", "trace.pcap=[\"r0\",r1"] {
        let o = run(&[
            "--quiet",
            "sweep",
            scenario.to_str().unwrap(),
            "--set",
            set,
            "--set",
            "flow.0.rate=1Mbps,2Mbps",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1), "{set}");
        assert!(!out.join("points").exists(), "{set}: a point ran");
    }
    // A --plot of a key that is not swept is refused before running too.
    let o = sweep_dumbbell(&out, "1", &["--plot", "x=duration,y=events"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not a swept key"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!out.join("points").exists());
}

/// A point that fails at run time (its directory cannot be created) fails the sweep with exit
/// 1 naming the point, after the other points finished; no sweep.csv is written.
#[test]
fn failed_point_is_named_and_no_table_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    std::fs::create_dir_all(out.join("points")).unwrap();
    std::fs::write(out.join("points/1-flow.0.rate=100Mbps-seed2"), "in the way").unwrap();
    std::fs::write(out.join("sweep.csv"), "stale").unwrap();
    let o = sweep_dumbbell(&out, "2", &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("1 of 4 sweep points failed") && err.contains("1-flow.0.rate=100Mbps-seed2"),
        "{err}"
    );
    assert!(
        !out.join("sweep.csv").exists(),
        "a stale sweep.csv was left"
    );
    for p in [
        "0-flow.0.rate=100Mbps-seed1",
        "2-flow.0.rate=300Mbps-seed1",
        "3-flow.0.rate=300Mbps-seed2",
    ] {
        assert!(
            out.join("points").join(p).join("summary.json").exists(),
            "{p}"
        );
    }
}

/// A bundled example's name works as `netsim sweep`'s scenario, as with `run`, `check` and
/// `bench`, from any directory: the same rows as the file, and the plan names the example's
/// file.
#[test]
fn sweep_takes_a_bundled_example_name() {
    let dir = tempfile::tempdir().unwrap();
    let (by_name, by_file) = (dir.path().join("name"), dir.path().join("file"));
    let args = |scenario: &str, out: &Path| {
        vec![
            "--quiet".to_string(),
            "sweep".into(),
            scenario.into(),
            "--set".into(),
            "duration=0.02s".into(),
            "--set".into(),
            "flow.0.rate=100Mbps,300Mbps".into(),
            "--jobs".into(),
            "1".into(),
            "--out".into(),
            out.to_str().unwrap().into(),
        ]
    };
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_netsim"))
        .current_dir(dir.path())
        .args(args("dumbbell-udp", &by_name))
        .output()
        .unwrap();
    ok(&o);
    let file = root().join("examples/dumbbell-udp.toml");
    ok(&run(&args(file.to_str().unwrap(), &by_file)
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()));
    let table = |d: &Path| std::fs::read_to_string(d.join("sweep.csv")).unwrap();
    assert_eq!(table(&by_name), table(&by_file), "same points, same rows");
    assert_eq!(
        parse_csv(&table(&by_name)).len(),
        3,
        "a header and two rows"
    );
    let plan = std::fs::read_to_string(by_name.join("plan.json")).unwrap();
    assert!(
        plan.contains("\"scenario_path\": \"examples/dumbbell-udp.toml\""),
        "{plan}"
    );
}
