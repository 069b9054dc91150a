//! The flow-completion plots of a run with `[[workload]]`s (plotters SVG through the shared
//! line [`Chart`]): `plots/fct-<workload>-cdf.svg` (slowdown CDF per size bucket),
//! `plots/fct-<workload>-p99.svg` (p99 slowdown by bucket, with p50 and p99.9) and
//! `plots/fct-<workload>-timeline.svg` (p99 slowdown in sliding windows, each migration's
//! window drawn as a box).

use std::path::{Path, PathBuf};

use super::{Chart, Line, PlotError, draw, si};
use crate::fct::{BucketSummary, WorkloadSummary};

/// A bucket's label: `≤10k`, `10k–100k`, `>1M` (bytes).
pub fn bucket_label(b: &BucketSummary) -> String {
    match (b.above_bytes, b.up_to_bytes) {
        (0, Some(hi)) => format!("≤{}B", si(hi as f64)),
        (lo, Some(hi)) => format!("{}B–{}B", si(lo as f64), si(hi as f64)),
        (lo, None) => format!(">{}B", si(lo as f64)),
    }
}

fn line(name: String, points: Vec<(f64, f64)>) -> Line {
    Line {
        name,
        points,
        bars: Vec::new(),
    }
}

/// Draws the three plots of `w` into `dir`; returns their paths.
pub fn draw_workload(w: &WorkloadSummary, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    std::fs::create_dir_all(dir).map_err(|e| PlotError::Write {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut written = Vec::new();
    let cdf = Chart {
        title: format!("{}: slowdown CDF by flow size", w.name),
        x_label: "slowdown (FCT / ideal FCT)".into(),
        y_label: "fraction of completed flows".into(),
        x_categories: None,
        markers: false,
        lines: w
            .buckets
            .iter()
            .zip(&w.cdfs)
            .filter(|(_, c)| !c.is_empty())
            // The CDF is over the completed flows; the legend says how many it leaves out.
            .map(|(b, c)| {
                let name = format!(
                    "{} ({} completed, {} unfinished)",
                    bucket_label(b),
                    b.completed,
                    b.unfinished
                );
                line(name, c.clone())
            })
            .collect(),
    };
    let path = dir.join(format!("fct-{}-cdf.svg", w.name));
    draw(&cdf, &path)?;
    written.push(path);
    let labels: Vec<String> = w.buckets.iter().map(bucket_label).collect();
    let pick = |f: fn(&BucketSummary) -> Option<f64>| -> Vec<(f64, f64)> {
        w.buckets
            .iter()
            .enumerate()
            .filter_map(|(i, b)| f(b).map(|v| (i as f64, v)))
            .collect()
    };
    let p99 = Chart {
        title: format!("{}: slowdown by flow size", w.name),
        x_label: "flow size".into(),
        y_label: "slowdown".into(),
        x_categories: Some(labels),
        markers: true,
        lines: vec![
            line("p50".into(), pick(|b| b.p50_slowdown)),
            line("p99".into(), pick(|b| b.p99_slowdown)),
            line("p99.9".into(), pick(|b| b.p999_slowdown)),
        ],
    };
    let path = dir.join(format!("fct-{}-p99.svg", w.name));
    draw(&p99, &path)?;
    written.push(path);
    let top = w.timeline.iter().map(|p| p.1).fold(1.0, f64::max);
    let mut lines = vec![line("p99 slowdown".into(), w.timeline.clone())];
    for m in &w.migrations {
        lines.push(line(
            format!("migration {}", m.vm),
            vec![
                (m.start_s, 1.0),
                (m.start_s, top),
                (m.end_s, top),
                (m.end_s, 1.0),
            ],
        ));
    }
    let timeline = Chart {
        title: format!("{}: p99 slowdown over time (flows by start time)", w.name),
        x_label: "time [s]".into(),
        y_label: "p99 slowdown".into(),
        x_categories: None,
        markers: true,
        lines,
    };
    let path = dir.join(format!("fct-{}-timeline.svg", w.name));
    draw(&timeline, &path)?;
    written.push(path);
    Ok(written)
}
