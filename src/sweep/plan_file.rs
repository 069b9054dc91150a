//! `DIR/plan.json`: a sweep written down, so that any machine sharing DIR can run one of its
//! points (`netsim sweep run-point DIR N`) and anyone can collect them later.
//!
//! The plan holds the scenario's text, every point's `--set` overrides (its seed included) and
//! directory, and a hash of each point: FNV-1a (64 bits) over the netsim version, a hash of
//! the netsim binary, the scenario text and the point's overrides. A point is *done* when its
//! `summary.json` exists and its status file (`DIR/status/<N>.json`, [`super::state`]) holds
//! that hash; so results of another scenario, other overrides or another binary are never
//! taken for this plan's.
//!
//! The hash is for telling plans apart, not for security: anyone who can write DIR can forge a
//! status file.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::SweepError;

/// The schema identifier of `plan.json`.
pub const SCHEMA: &str = "netsim.sweep-plan/1";

/// `DIR/plan.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanFile {
    /// [`SCHEMA`].
    pub schema: String,
    /// The netsim version that made the plan (`CARGO_PKG_VERSION`).
    pub netsim_version: String,
    /// FNV-1a hash of the netsim executable that made the plan ([`binary_hash`]).
    pub binary_hash: String,
    /// The scenario file as given on the command line (names it in errors).
    pub scenario_path: String,
    /// The absolute folder of the scenario file: a relative `[topology] path` is read from it.
    pub scenario_dir: PathBuf,
    /// The scenario file's text.
    pub scenario_text: String,
    /// FNV-1a hash of `scenario_text`.
    pub scenario_hash: String,
    /// The `--set` arguments as given.
    pub sets: Vec<String>,
    /// `--seed`, if given.
    pub seed: Option<u64>,
    /// `--seeds`.
    pub seeds: u64,
    /// `--force`: the points run even above netsim's limits.
    pub force: bool,
    /// The `--plot` specifications, drawn by `netsim sweep collect`.
    pub plots: Vec<String>,
    /// Hash of the whole plan: every point's hash, in order.
    pub hash: String,
    /// Every point, in point order.
    pub points: Vec<PlanPoint>,
}

/// One point of a [`PlanFile`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanPoint {
    /// Position in point order, from 0 (the Slurm array index).
    pub index: usize,
    /// Directory name under `DIR/points/`.
    pub dir: String,
    /// The swept keys and this point's values, in `--set` order.
    pub values: Vec<(String, String)>,
    /// The master seed.
    pub seed: u64,
    /// The `--set` overrides that make this point's scenario from `scenario_text`, `seed=N`
    /// last.
    pub sets: Vec<String>,
    /// [`point_hash`] of this point.
    pub hash: String,
}

impl PlanPoint {
    /// `key=value, …, seed=N`: the point as people name it.
    pub fn label(&self) -> String {
        self.values
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .chain(std::iter::once(format!("seed={}", self.seed)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// 64-bit FNV-1a over `parts`, each followed by a 0xff byte (which UTF-8 text never holds), as
/// 16 hex digits.
pub fn fnv(parts: &[&[u8]]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.iter().chain(&[0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// The hash of one point: what it runs (version, binary, scenario text, overrides, directory).
pub fn point_hash(version: &str, binary: &str, text: &str, sets: &[String], dir: &str) -> String {
    let mut parts: Vec<&[u8]> = vec![version.as_bytes(), binary.as_bytes(), text.as_bytes()];
    parts.extend(sets.iter().map(|s| s.as_bytes()));
    parts.push(dir.as_bytes());
    fnv(&parts)
}

/// The hash of a whole plan: its points' hashes in order.
pub fn plan_hash(points: &[PlanPoint]) -> String {
    let parts: Vec<&[u8]> = points.iter().map(|p| p.hash.as_bytes()).collect();
    fnv(&parts)
}

/// FNV-1a hash of the running netsim executable, read once per process; `"unknown"` if it
/// cannot be read (then plans can still be told apart by version and scenario).
pub fn binary_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        std::env::current_exe()
            .and_then(std::fs::read)
            .map(|bytes| fnv(&[&bytes]))
            .unwrap_or_else(|_| "unknown".into())
    })
}

/// `DIR/plan.json`.
pub fn path(dir: &Path) -> PathBuf {
    dir.join("plan.json")
}

/// Reads `DIR/plan.json`; `Ok(None)` if there is none.
pub fn read(dir: &Path) -> Result<Option<PlanFile>, SweepError> {
    let path = path(dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(SweepError::PlanFile {
                path,
                reason: e.to_string(),
            });
        }
    };
    let plan: PlanFile = serde_json::from_str(&text).map_err(|e| SweepError::PlanFile {
        path: path.clone(),
        reason: format!("not a sweep plan: {e}"),
    })?;
    if plan.schema != SCHEMA {
        return Err(SweepError::PlanFile {
            path,
            reason: format!("schema `{}`, this netsim reads `{SCHEMA}`", plan.schema),
        });
    }
    Ok(Some(plan))
}

/// Reads `DIR/plan.json`, which must exist.
pub fn require(dir: &Path) -> Result<PlanFile, SweepError> {
    read(dir)?.ok_or_else(|| SweepError::PlanFile {
        path: path(dir),
        reason: "there is no plan here: make one with `netsim sweep SCENARIO … --out DIR \
                 --backend slurm`, or run a local sweep into DIR"
            .into(),
    })
}

/// Writes `text` to `path` atomically: into a temporary file beside it, then `rename`.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), SweepError> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let err = |source| SweepError::Output {
        path: path.to_path_buf(),
        source,
    };
    std::fs::write(&tmp, text).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e)
    })
}

/// Writes the plan to `DIR/plan.json` (atomically).
pub fn write(dir: &Path, plan: &PlanFile) -> Result<(), SweepError> {
    let text = serde_json::to_string_pretty(plan).expect("a plan serialises") + "\n";
    write_atomic(&path(dir), &text)
}

/// Why an existing plan cannot be resumed by `new`, or `None` if it can (same scenario, same
/// binary, same points).
pub fn mismatch(old: &PlanFile, new: &PlanFile) -> Option<String> {
    if old.netsim_version != new.netsim_version || old.binary_hash != new.binary_hash {
        return Some(format!(
            "it was planned by another netsim binary (version {}, binary {}; this is version {}, \
             binary {})",
            old.netsim_version, old.binary_hash, new.netsim_version, new.binary_hash
        ));
    }
    if old.scenario_hash != new.scenario_hash {
        return Some(format!(
            "it is a sweep of another scenario (`{}`, text hash {}; now `{}`, hash {})",
            old.scenario_path, old.scenario_hash, new.scenario_path, new.scenario_hash
        ));
    }
    if old.hash != new.hash {
        return Some(format!(
            "its points differ ({} points with other --set values or seeds; now {})",
            old.points.len(),
            new.points.len()
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FNV-1a of the empty input is the offset basis; parts are separated, so moving a byte
    /// from one part to the next changes the hash.
    #[test]
    fn fnv_separates_parts() {
        assert_eq!(fnv(&[]), "cbf29ce484222325");
        assert_ne!(fnv(&[b"ab", b"c"]), fnv(&[b"a", b"bc"]));
        assert_eq!(fnv(&[b"x"]), fnv(&[b"x"]));
    }

    /// A point's hash changes with every input it is made of.
    #[test]
    fn point_hash_covers_its_inputs() {
        let sets = vec!["a=1".to_string(), "seed=1".to_string()];
        let h = point_hash("0.1.0", "b", "text", &sets, "0-a=1-seed1");
        assert_ne!(h, point_hash("0.1.1", "b", "text", &sets, "0-a=1-seed1"));
        assert_ne!(h, point_hash("0.1.0", "c", "text", &sets, "0-a=1-seed1"));
        assert_ne!(h, point_hash("0.1.0", "b", "text2", &sets, "0-a=1-seed1"));
        assert_ne!(
            h,
            point_hash("0.1.0", "b", "text", &sets[..1], "0-a=1-seed1")
        );
        assert_ne!(h, point_hash("0.1.0", "b", "text", &sets, "1-a=1-seed1"));
    }
}
