//! What became of each point: `DIR/status/<N>.json` and `DIR/logs/point-<N>.log`.
//!
//! A point's status file is written (atomically) when its run ends: `done` after its
//! `summary.json` is in place, `failed` with the error otherwise; it holds the point's plan hash.
//! It is removed when the point starts, so a task killed mid-run leaves none and the point
//! counts as missing. A point is **done** when its status says so with the plan's hash and
//! its `summary.json` exists.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::SweepError;
use super::plan_file::{PlanPoint, write_atomic};

/// The content of `DIR/status/<N>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusFile {
    /// The point's index.
    pub index: usize,
    /// The point's hash in the plan it ran for.
    pub hash: String,
    /// `done` or `failed`.
    pub outcome: String,
    /// Why it failed (the message of the error).
    pub error: Option<String>,
}

/// A point's state as seen from the sweep directory.
#[derive(Debug, Clone, PartialEq)]
pub enum PointState {
    /// Ran for this plan and wrote its `summary.json`.
    Done,
    /// Ran for this plan and failed, with the error.
    Failed(String),
    /// Not run for this plan (or killed before it ended).
    Missing,
}

/// `DIR/status/<N>.json`.
pub fn status_path(dir: &Path, index: usize) -> PathBuf {
    dir.join("status").join(format!("{index}.json"))
}

/// `DIR/logs/point-<N>.log`: the point's log (the Slurm task's output, or the local sweep's
/// record of the point).
pub fn log_path(dir: &Path, index: usize) -> PathBuf {
    dir.join("logs").join(format!("point-{index}.log"))
}

/// `DIR/points/<dir>/`.
pub fn point_dir(dir: &Path, point: &PlanPoint) -> PathBuf {
    dir.join("points").join(&point.dir)
}

/// The state of `point` of the plan in `dir`.
pub fn state(dir: &Path, point: &PlanPoint) -> PointState {
    let Ok(text) = std::fs::read_to_string(status_path(dir, point.index)) else {
        return PointState::Missing;
    };
    let Ok(status) = serde_json::from_str::<StatusFile>(&text) else {
        return PointState::Missing;
    };
    if status.hash != point.hash || status.index != point.index {
        return PointState::Missing;
    }
    match status.outcome.as_str() {
        "done" if point_dir(dir, point).join("summary.json").is_file() => PointState::Done,
        "failed" => PointState::Failed(status.error.unwrap_or_default()),
        _ => PointState::Missing,
    }
}

/// Forgets the point's outcome (before it runs again).
pub fn clear(dir: &Path, index: usize) -> Result<(), SweepError> {
    let path = status_path(dir, index);
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(SweepError::Output { path, source: e })
        }
        _ => Ok(()),
    }
}

/// Records the point's outcome: `Ok` is done, `Err` failed with the message.
pub fn record(
    dir: &Path,
    point: &PlanPoint,
    outcome: &Result<(), String>,
) -> Result<(), SweepError> {
    let status = StatusFile {
        index: point.index,
        hash: point.hash.clone(),
        outcome: if outcome.is_ok() { "done" } else { "failed" }.into(),
        error: outcome.as_ref().err().cloned(),
    };
    let folder = dir.join("status");
    std::fs::create_dir_all(&folder).map_err(|source| SweepError::Output {
        path: folder,
        source,
    })?;
    let text = serde_json::to_string_pretty(&status).expect("a status serialises") + "\n";
    write_atomic(&status_path(dir, point.index), &text)
}
