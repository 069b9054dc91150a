//! `netsim sweep collect DIR` and `netsim sweep status DIR`: what the points of a plan left in
//! the sweep directory.
//!
//! Collecting reads every point's `summary.json` and writes `sweep.csv` and the plots exactly
//! as a local sweep does — a local sweep ends by collecting — so both backends give the same
//! bytes. It refuses while any point is failed or missing, naming each with its overrides and
//! log.

use std::path::{Path, PathBuf};

use crate::plot::sweep::PlotSpec;

use super::plan_file::{self, PlanFile, write_atomic};
use super::point::load_point;
use super::state::{self, PointState};
use super::{FailedPoint, Point, SweepError, metric_header, output_err, sweep_csv, table};

/// What collecting wrote.
#[derive(Debug)]
pub struct Collected {
    /// The points, in point order.
    pub points: Vec<Point>,
    /// Their `summary.json`, parsed, in point order.
    pub summaries: Vec<serde_json::Value>,
    /// `DIR/sweep.csv`.
    pub csv: PathBuf,
    /// The plots drawn.
    pub plots: Vec<PathBuf>,
}

/// The plan's points with their scenarios (for the metric columns of `sweep.csv`).
pub fn planned_points(plan: &PlanFile) -> Result<Vec<Point>, SweepError> {
    plan.points
        .iter()
        .map(|p| {
            let (scenario, source) = load_point(plan, p).map_err(|source| SweepError::Point {
                label: p.label(),
                source,
            })?;
            Ok(Point {
                index: p.index,
                values: p.values.clone(),
                seed: p.seed,
                dir_name: p.dir.clone(),
                sets: p.sets.clone(),
                scenario,
                source,
            })
        })
        .collect()
}

/// The `--plot` specifications, checked against the swept keys and metric columns.
pub fn plot_specs(points: &[Point], plots: &[String]) -> Result<Vec<PlotSpec>, SweepError> {
    let mut swept: Vec<String> = points
        .first()
        .map(|p| p.values.iter().map(|(k, _)| k.clone()).collect())
        .unwrap_or_default();
    swept.push("seed".into());
    let metrics = metric_header(points);
    Ok(plots
        .iter()
        .map(|s| PlotSpec::parse(s, &swept, &metrics))
        .collect::<Result<Vec<_>, _>>()?)
}

/// Every failed or missing point of the plan, in point order.
fn unfinished(dir: &Path, plan: &PlanFile, running: &[usize]) -> Vec<FailedPoint> {
    plan.points
        .iter()
        .filter_map(|p| {
            let error = match state::state(dir, p) {
                PointState::Done => return None,
                PointState::Failed(e) => e,
                PointState::Missing if running.contains(&p.index) => {
                    "still queued or running".into()
                }
                PointState::Missing => "not run (or killed before it finished)".into(),
            };
            Some(FailedPoint {
                dir: p.dir.clone(),
                label: p.label(),
                error,
                log: state::log_path(dir, p.index),
            })
        })
        .collect()
}

/// Builds `DIR/sweep.csv` and the plots (`plots`, or the plan's when empty) from the points'
/// results. Fails, writing nothing, while a point is failed or missing.
pub fn collect(dir: &Path, plots: &[String]) -> Result<Collected, SweepError> {
    let plan = plan_file::require(dir)?;
    let points = planned_points(&plan)?;
    let specs = plot_specs(&points, if plots.is_empty() { &plan.plots } else { plots })?;
    let csv = dir.join("sweep.csv");
    let running: Vec<usize> = super::slurm::queued(dir)
        .unwrap_or_default()
        .into_iter()
        .map(|(i, _)| i)
        .collect();
    let failures = unfinished(dir, &plan, &running);
    if !failures.is_empty() {
        match std::fs::remove_file(&csv) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(output_err(&csv)(e)),
            _ => {}
        }
        return Err(SweepError::Failed {
            total: points.len(),
            failures,
            csv,
        });
    }
    let mut summaries = Vec::with_capacity(points.len());
    for p in &points {
        let path = dir.join("points").join(&p.dir_name).join("summary.json");
        let text = std::fs::read_to_string(&path).map_err(|e| SweepError::PlanFile {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let value = serde_json::from_str(&text).map_err(|e| SweepError::PlanFile {
            path: path.clone(),
            reason: format!("not a summary: {e}"),
        })?;
        summaries.push(value);
    }
    let text = sweep_csv(&points, &summaries);
    write_atomic(&csv, &text)?;
    let mut drawn = Vec::new();
    if !specs.is_empty() {
        let rows = table::parse_csv(&text);
        let folder = dir.join("plots");
        std::fs::create_dir_all(&folder).map_err(output_err(&folder))?;
        for spec in &specs {
            drawn.push(crate::plot::sweep::draw(spec, &rows, &folder)?);
        }
    }
    Ok(Collected {
        points,
        summaries,
        csv,
        plots: drawn,
    })
}

/// How far a planned sweep has come (`netsim sweep status DIR`).
#[derive(Debug)]
pub struct Status {
    /// Points in the plan.
    pub total: usize,
    /// Points done.
    pub done: usize,
    /// Points Slurm lists as running.
    pub running: Vec<usize>,
    /// Points Slurm lists as pending.
    pub pending: Vec<usize>,
    /// Failed points, with their errors and logs.
    pub failed: Vec<FailedPoint>,
    /// Points neither done, failed nor queued.
    pub missing: Vec<FailedPoint>,
    /// Whether `squeue` was asked.
    pub queue_known: bool,
}

/// The state of every point of the plan in `dir`.
pub fn status(dir: &Path) -> Result<Status, SweepError> {
    let plan = plan_file::require(dir)?;
    let queued = super::slurm::queued(dir);
    let queue_known = queued.is_some();
    let queued = queued.unwrap_or_default();
    let mut s = Status {
        total: plan.points.len(),
        done: 0,
        running: Vec::new(),
        pending: Vec::new(),
        failed: Vec::new(),
        missing: Vec::new(),
        queue_known,
    };
    for p in &plan.points {
        let entry = |error: String| FailedPoint {
            dir: p.dir.clone(),
            label: p.label(),
            error,
            log: state::log_path(dir, p.index),
        };
        match state::state(dir, p) {
            PointState::Done => s.done += 1,
            PointState::Failed(e) => s.failed.push(entry(e)),
            PointState::Missing => match queued.iter().find(|(i, _)| *i == p.index) {
                Some((_, st)) if st == "running" || st == "completing" => s.running.push(p.index),
                Some(_) => s.pending.push(p.index),
                None => s.missing.push(entry(String::new())),
            },
        }
    }
    Ok(s)
}

impl Status {
    /// The report `netsim sweep status` prints.
    pub fn describe(&self) -> String {
        let mut out = format!(
            "{} points: {} done, {} running, {} pending, {} failed, {} missing{}\n",
            self.total,
            self.done,
            self.running.len(),
            self.pending.len(),
            self.failed.len(),
            self.missing.len(),
            if self.queue_known {
                ""
            } else {
                " (squeue not asked: no Slurm jobs recorded, or no squeue)"
            }
        );
        for f in &self.failed {
            out += &format!(
                "  failed  point {} ({}): {}\n          log: {}\n",
                f.dir,
                f.label,
                f.error,
                f.log.display()
            );
        }
        for f in &self.missing {
            out += &format!("  missing point {} ({})\n", f.dir, f.label);
        }
        if !self.running.is_empty() {
            out += &format!("  running: {}\n", list(&self.running));
        }
        if !self.pending.is_empty() {
            out += &format!("  pending: {}\n", list(&self.pending));
        }
        out
    }
}

fn list(indices: &[usize]) -> String {
    indices
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}
