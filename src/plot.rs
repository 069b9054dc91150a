//! SVG plots of a run (`OUT/plots/`) and of a sweep (`DIR/plots/`), drawn with `plotters`' SVG
//! backend.
//!
//! A run ([`run_plots`], called at the end of [`crate::run::run`]) draws from the time series in
//! `OUT/timeseries/` (see [`timeseries`]), for the entries of `trace.timeseries`:
//!
//! * `cwnd.svg` — the congestion window (bytes) over time (s), one line per TCP flow;
//! * `throughput.svg` — each flow's throughput (bit/s) over time (s), from the growth of its
//!   `acked_bytes` (TCP: bytes the receiver acknowledged, in order; other flows: bytes
//!   delivered) over fixed bins ([`per_flow`]);
//! * `queue.svg` and `utilisation.svg` — each traced link's queue depth and the share of each
//!   interval spent serialising, one line per direction;
//! * `migration-<vm>.svg` — a migration's rounds, its pause and its connection's cwnd
//!   ([`migration`]).
//!
//! Elsewhere, from other results: `network-migration.svg`, the whole-network migration's
//! timeline ([`netmig`], drawn by `crate::netmig`), and each workload's FCT plots ([`fct`], drawn
//! by `crate::fct`); a sweep's plots ([`sweep`]). A run without any of these draws nothing.
//! Labels are placed by [`label`], which checks that no two overlap.
//!
//! Plots are deterministic — the same input gives a byte-identical SVG: no fonts are measured
//! (plotters estimates text size without loading system fonts), lines are drawn in a fixed order
//! with colours picked by position, and numbers are formatted the same way every time.

pub mod fct;
pub mod label;
pub mod migration;
pub mod netmig;
pub mod per_flow;
pub mod sweep;
pub mod timeseries;

use std::path::{Path, PathBuf};

use plotters::prelude::*;
use thiserror::Error;

use crate::scenario::Scenario;

/// Anything that stops a plot.
#[derive(Debug, Error, miette::Diagnostic)]
pub enum PlotError {
    /// An input file could not be read.
    #[error("cannot read `{}` for plotting: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An input file is not what its writer writes.
    #[error("cannot plot `{}`: line {line}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Drawing or writing the SVG failed.
    #[error("cannot write `{}`: {message}", path.display())]
    Write {
        /// The SVG file.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

/// One line of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Legend label.
    pub name: String,
    /// (x, y) points, drawn in this order.
    pub points: Vec<(f64, f64)>,
    /// Per point, (min, max) for an error bar; empty for none.
    pub bars: Vec<(f64, f64)>,
}

/// A line chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Caption.
    pub title: String,
    /// X axis description with its unit.
    pub x_label: String,
    /// Y axis description with its unit.
    pub y_label: String,
    /// When set, the x axis is categorical: point x = index into this list.
    pub x_categories: Option<Vec<String>>,
    /// Draw a marker on every point (sweep plots) rather than a bare line (time series).
    pub markers: bool,
    /// The lines, in legend order.
    pub lines: Vec<Line>,
}

/// Size of the plot area (px); the legend is added to its right.
const SIZE: (u32, u32) = (960, 540);
/// Height of one legend entry (px).
const LEGEND_ROW: u32 = 22;

/// A number as an axis label: SI prefix (k, M, G) from 1000, (µ, n) below 0.001, trailing
/// zeros trimmed.
pub fn si(v: f64) -> String {
    let a = v.abs();
    let (div, prefix, digits) = if a >= 1e9 {
        (1e9, "G", 3)
    } else if a >= 1e6 {
        (1e6, "M", 3)
    } else if a >= 1e3 {
        (1e3, "k", 3)
    } else if a > 0.0 && a < 1e-6 {
        (1e-9, "n", 3)
    } else if a > 0.0 && a < 1e-3 {
        (1e-6, "µ", 3)
    } else {
        (1.0, "", 6)
    };
    let s = format!("{:.*}", digits, v / div);
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    let s = if s == "-0" { "0" } else { s };
    format!("{s}{prefix}")
}

/// The range spanning `values`, padded so that a single value or a flat line is still visible.
fn span(values: impl Iterator<Item = f64>, from_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if from_zero {
        lo = lo.min(0.0);
        hi = if hi > 0.0 { hi * 1.05 } else { 1.0 };
        return (lo, hi);
    }
    if hi - lo <= 0.0 {
        let pad = if lo == 0.0 { 0.5 } else { lo.abs() * 0.1 };
        return (lo - pad, hi + pad);
    }
    let pad = (hi - lo) * 0.05;
    (lo - pad, hi + pad)
}

/// Draws `chart` to the SVG file `path`.
pub fn draw(chart: &Chart, path: &Path) -> Result<(), PlotError> {
    let err = |e: &dyn std::fmt::Display| PlotError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut svg = String::new();
    draw_into(chart, &mut svg).map_err(|e| err(&e))?;
    std::fs::write(path, svg).map_err(|e| err(&e))
}

fn draw_into(chart: &Chart, svg: &mut String) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<std::io::Error>| e.to_string();
    // The legend sits right of the plot area, never over the data; the picture grows taller
    // when the legend needs it.
    let longest = chart
        .lines
        .iter()
        .map(|l| l.name.chars().count())
        .max()
        .unwrap_or(0);
    let legend_w = (longest as u32 * 9 + 56).clamp(120, 600);
    let height = SIZE.1.max(80 + LEGEND_ROW * chart.lines.len() as u32);
    let root = SVGBackend::with_string(svg, (SIZE.0 + legend_w, height)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let (plot_area, legend_area) = root.split_horizontally(SIZE.0);
    let xs = chart
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0));
    let (x0, x1) = match &chart.x_categories {
        Some(c) => (-0.5, c.len().max(1) as f64 - 0.5),
        None => span(xs, false),
    };
    let ys = chart.lines.iter().flat_map(|l| {
        l.points
            .iter()
            .map(|p| p.1)
            .chain(l.bars.iter().flat_map(|b| [b.0, b.1]))
    });
    let (y0, y1) = span(ys, true);
    let mut builder = ChartBuilder::on(&plot_area);
    builder
        .caption(&chart.title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72);
    let cats = chart.x_categories.clone();
    let x_fmt = move |v: &f64| match &cats {
        Some(c) => {
            let i = v.round();
            if (v - i).abs() < 1e-9 && i >= 0.0 && (i as usize) < c.len() {
                c[i as usize].clone()
            } else {
                String::new()
            }
        }
        None => si(*v),
    };
    let mut ctx = builder.build_cartesian_2d(x0..x1, y0..y1).map_err(e)?;
    // A categorical axis asks for one label per category: plotters then picks a step of 1, and
    // the formatter names the category at each whole number.
    let x_labels = chart.x_categories.as_ref().map_or(10, |c| c.len().max(1));
    ctx.configure_mesh()
        .x_desc(&chart.x_label)
        .y_desc(&chart.y_label)
        .x_labels(x_labels)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&|v| si(*v))
        .axis_desc_style(("sans-serif", 16))
        .draw()
        .map_err(e)?;
    for (i, line) in chart.lines.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let style = color.stroke_width(2);
        ctx.draw_series(LineSeries::new(line.points.iter().copied(), style))
            .map_err(e)?;
        let y = 56 + LEGEND_ROW as i32 * i as i32;
        legend_area
            .draw(&PathElement::new(vec![(4, y), (32, y)], style))
            .map_err(e)?;
        legend_area
            .draw(&Text::new(
                line.name.as_str(),
                (40, y - 8),
                ("sans-serif", 15).into_font(),
            ))
            .map_err(e)?;
        if chart.markers {
            ctx.draw_series(
                line.points
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 4, color.filled())),
            )
            .map_err(e)?;
        }
        ctx.draw_series(
            line.points
                .iter()
                .zip(&line.bars)
                .map(|(&(x, y), &(lo, hi))| ErrorBar::new_vertical(x, lo, y, hi, style, 10)),
        )
        .map_err(e)?;
    }
    root.present().map_err(e)?;
    Ok(())
}

/// The plot files a run owns, removed before drawing so that none is left from an earlier run.
const RUN_PLOTS: [&str; 4] = ["cwnd.svg", "throughput.svg", "queue.svg", "utilisation.svg"];

/// Draws the plots of a finished run from the files in `out` into `out/plots/`; returns the
/// files written (none when the scenario records no time series).
pub fn run_plots(scenario: &Scenario, out: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let dir = out.join("plots");
    for name in RUN_PLOTS {
        let p = dir.join(name);
        match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(PlotError::Write {
                    path: p,
                    message: e.to_string(),
                });
            }
            _ => {}
        }
    }
    let entries: Vec<&str> = scenario
        .trace
        .timeseries
        .iter()
        .map(|n| n.get_ref().as_str())
        .collect();
    let read = |path: PathBuf| {
        std::fs::read_to_string(&path)
            .map(|text| (path.clone(), text))
            .map_err(|source| PlotError::Read { path, source })
    };
    let mut series = Vec::new();
    let mut links = Vec::new();
    let mut migrations = Vec::new();
    for name in entries {
        if let Some(vm) = name.strip_prefix("migration:") {
            let tcp = out
                .join("timeseries")
                .join(format!("migration-{vm}-tcp.csv"));
            if !tcp.exists() {
                continue; // the VM never migrated
            }
            let (path, text) = read(out.join("timeseries").join(format!("migration-{vm}.csv")))?;
            let (rounds, pause) =
                migration::parse(&text).map_err(|(line, message)| PlotError::Parse {
                    path,
                    line,
                    message,
                })?;
            let (path, text) = read(tcp)?;
            let rows = timeseries::parse(&text).map_err(|(line, message)| PlotError::Parse {
                path,
                line,
                message,
            })?;
            let cwnd: Vec<(f64, f64)> = rows
                .iter()
                .filter_map(|r| Some((r.time_s, r.cwnd_bytes? as f64)))
                .collect();
            migrations.push((vm.to_string(), rounds, pause, cwnd));
            continue;
        }
        if let Some(link) = name.strip_prefix("link:") {
            let (path, text) = read(out.join("timeseries").join(format!("link-{link}.csv")))?;
            let rows =
                timeseries::parse_link(&text).map_err(|(line, message)| PlotError::Parse {
                    path,
                    line,
                    message,
                })?;
            links.push((link.to_string(), rows));
        } else if scenario.flows.iter().any(|f| f.name.get_ref() == name)
            || scenario.vms.iter().any(|v| {
                v.workload.is_some() && crate::build::workload_name(v.name.get_ref()) == name
            })
        {
            let (path, text) = read(out.join("timeseries").join(format!("{name}.csv")))?;
            let rows = timeseries::parse(&text).map_err(|(line, message)| PlotError::Parse {
                path,
                line,
                message,
            })?;
            series.push((name.to_string(), rows));
        }
    }
    if series.is_empty() && links.is_empty() && migrations.is_empty() {
        return Ok(Vec::new());
    }
    std::fs::create_dir_all(&dir).map_err(|e| PlotError::Write {
        path: dir.clone(),
        message: e.to_string(),
    })?;
    let end_s = scenario.duration.as_secs_f64();
    let bins = timeseries::bins(scenario.duration, scenario.trace.sample_interval);
    let mut charts = Vec::new();
    let cwnd = timeseries::cwnd_chart(&scenario.name, &series);
    if !cwnd.lines.is_empty() {
        charts.push(("cwnd.svg", cwnd));
    }
    if !series.is_empty() {
        charts.push((
            "throughput.svg",
            timeseries::throughput_chart(&scenario.name, &series, end_s, bins),
        ));
    }
    if !links.is_empty() {
        charts.push((
            "queue.svg",
            timeseries::link_chart(&scenario.name, &links, true),
        ));
        charts.push((
            "utilisation.svg",
            timeseries::link_chart(&scenario.name, &links, false),
        ));
    }
    let mut written = Vec::new();
    for (vm, rounds, pause, cwnd) in &migrations {
        let path = dir.join(format!("migration-{vm}.svg"));
        migration::draw(vm, rounds, *pause, cwnd, &path)?;
        written.push(path);
    }
    for (file, chart) in charts {
        let path = dir.join(file);
        draw(&chart, &path)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Axis labels use SI prefixes and no trailing zeros.
    #[test]
    fn si_labels() {
        assert_eq!(si(0.0), "0");
        assert_eq!(si(0.25), "0.25");
        assert_eq!(si(1500.0), "1.5k");
        assert_eq!(si(300e6), "300M");
        assert_eq!(si(1.25e9), "1.25G");
        assert_eq!(si(0.000025), "25µ");
        assert_eq!(si(0.002), "0.002");
    }

    /// The same chart drawn twice gives the same bytes, and the SVG names every line in its
    /// legend.
    #[test]
    fn drawing_is_deterministic() {
        let chart = Chart {
            title: "t".into(),
            x_label: "time [s]".into(),
            y_label: "y".into(),
            x_categories: None,
            markers: false,
            lines: vec![
                Line {
                    name: "alpha".into(),
                    points: vec![(0.0, 1.0), (1.0, 2.0)],
                    bars: vec![],
                },
                Line {
                    name: "beta".into(),
                    points: vec![(0.0, 3.0)],
                    bars: vec![(2.0, 4.0)],
                },
            ],
        };
        let (mut a, mut b) = (String::new(), String::new());
        draw_into(&chart, &mut a).unwrap();
        draw_into(&chart, &mut b).unwrap();
        assert_eq!(a, b);
        assert!(a.contains("<svg") && a.contains("alpha") && a.contains("beta"));
    }
}
