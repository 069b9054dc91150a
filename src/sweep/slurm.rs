//! The Slurm backend: `DIR/sweep.sbatch` (a job array, one task per point), `sbatch` to
//! submit it, `squeue` to see which points are running.
//!
//! Task N runs `netsim --quiet sweep run-point DIR N`, with its output in
//! `DIR/logs/point-N.log`. Paths in the script are absolute: the compute nodes must see DIR and
//! the netsim binary at the same paths (a shared filesystem).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::SweepError;

/// `--backend slurm`'s options.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlurmOptions {
    /// `--partition`.
    pub partition: Option<String>,
    /// `--time`, in a Slurm time format (`MM`, `HH:MM:SS`, `D-HH:MM`, …).
    pub time: Option<String>,
    /// `--mem` per task, in Slurm's form (`500M`, `4G`).
    pub mem: Option<String>,
    /// `--max-parallel`: at most this many tasks at once (the array's `%K`).
    pub max_parallel: Option<u32>,
    /// `--submit`: run `sbatch` once the script is written.
    pub submit: bool,
}

/// `DIR/sweep.sbatch`.
pub fn script_path(dir: &Path) -> PathBuf {
    dir.join("sweep.sbatch")
}

/// `DIR/slurm-jobs.txt`: the job ids of every submission, one per line.
pub fn jobs_path(dir: &Path) -> PathBuf {
    dir.join("slurm-jobs.txt")
}

/// A string as one shell word, in single quotes.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The job array's `--array` value: `indices` as ranges (`0-11`, `2,5-7`), throttled with `%K`.
pub fn array_spec(indices: &[usize], max_parallel: Option<u32>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < indices.len() {
        let start = indices[i];
        let mut end = start;
        while i + 1 < indices.len() && indices[i + 1] == end + 1 {
            i += 1;
            end = indices[i];
        }
        parts.push(if end == start {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    let mut spec = parts.join(",");
    if let Some(k) = max_parallel {
        spec += &format!("%{k}");
    }
    spec
}

/// The text of `sweep.sbatch` for a sweep of `count` points named `name` in `dir` (absolute),
/// run by the netsim binary `exe` (absolute).
pub fn script(name: &str, dir: &Path, exe: &Path, count: usize, opts: &SlurmOptions) -> String {
    let all: Vec<usize> = (0..count).collect();
    let job: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut s = String::from("#!/bin/bash\n");
    s += "# A netsim sweep as a Slurm job array: task N runs point N of plan.json.\n";
    s += "# Written by `netsim sweep … --backend slurm`; submit with `sbatch sweep.sbatch`.\n";
    s += &format!("#SBATCH --job-name=netsim-{job}\n");
    s += &format!("#SBATCH --array={}\n", array_spec(&all, opts.max_parallel));
    s += &format!("#SBATCH --output={}/logs/point-%a.log\n", dir.display());
    s += "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n";
    if let Some(p) = &opts.partition {
        s += &format!("#SBATCH --partition={p}\n");
    }
    if let Some(t) = &opts.time {
        s += &format!("#SBATCH --time={t}\n");
    }
    if let Some(m) = &opts.mem {
        s += &format!("#SBATCH --mem={m}\n");
    }
    s += &format!(
        "exec {} --quiet sweep run-point {} \"$SLURM_ARRAY_TASK_ID\"\n",
        quote(&exe.display().to_string()),
        quote(&dir.display().to_string())
    );
    s
}

/// Submits `DIR/sweep.sbatch` for the points `indices` (all of them, or those left to run when
/// resuming), records the job id in `DIR/slurm-jobs.txt` and returns it.
pub fn submit(
    dir: &Path,
    indices: &[usize],
    max_parallel: Option<u32>,
) -> Result<String, SweepError> {
    let script = script_path(dir);
    let out = Command::new("sbatch")
        .arg("--parsable")
        .arg(format!("--array={}", array_spec(indices, max_parallel)))
        .arg(&script)
        .output()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                SweepError::NoSlurm {
                    dir: dir.to_path_buf(),
                }
            } else {
                SweepError::Submit {
                    message: format!("cannot run `sbatch`: {e}"),
                }
            }
        })?;
    if !out.status.success() {
        return Err(SweepError::Submit {
            message: format!(
                "`sbatch {}` failed ({}): {}",
                script.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        });
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    // `--parsable` prints `JOBID` or `JOBID;CLUSTER`.
    let id = stdout
        .trim()
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        return Err(SweepError::Submit {
            message: format!("`sbatch` printed no job id: {stdout:?}"),
        });
    }
    let jobs = jobs_path(dir);
    let mut text = std::fs::read_to_string(&jobs).unwrap_or_default();
    text += &format!("{id}\n");
    super::plan_file::write_atomic(&jobs, &text)?;
    Ok(id)
}

/// Whether `sbatch` can be run (it is on `PATH`).
pub fn sbatch_available() -> bool {
    Command::new("sbatch")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The array indices of this sweep's jobs that Slurm lists as pending or running, or `None`
/// if `squeue` cannot be asked (not installed, or no jobs were submitted from DIR).
pub fn queued(dir: &Path) -> Option<Vec<(usize, String)>> {
    let jobs = std::fs::read_to_string(jobs_path(dir)).ok()?;
    let ids: Vec<&str> = jobs.lines().filter(|l| !l.trim().is_empty()).collect();
    if ids.is_empty() {
        return None;
    }
    let out = Command::new("squeue")
        .args(["--noheader", "--array", "--format=%i %T", "--jobs"])
        .arg(ids.join(","))
        .output()
        .ok()?;
    // squeue fails for job ids it no longer knows (all finished long ago): nothing is queued.
    let text = String::from_utf8_lossy(&out.stdout);
    let mut queued = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let (Some(id), Some(state)) = (words.next(), words.next()) else {
            continue;
        };
        // `JOBID_N` for an array task.
        if let Some(index) = id
            .split_once('_')
            .and_then(|(_, n)| n.parse::<usize>().ok())
        {
            queued.push((index, state.to_lowercase()));
        }
    }
    queued.sort();
    Some(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Consecutive indices become ranges; the throttle is appended.
    #[test]
    fn array_specs_use_ranges_and_throttle() {
        assert_eq!(array_spec(&[0, 1, 2, 3], Some(2)), "0-3%2");
        assert_eq!(array_spec(&[2, 5, 6, 7, 9], None), "2,5-7,9");
        assert_eq!(array_spec(&[4], None), "4");
    }

    /// The script names the array, the log of each task, the limits asked for, and runs the
    /// point of the task's index with quoted absolute paths.
    #[test]
    fn script_runs_run_point_per_task() {
        let opts = SlurmOptions {
            partition: Some("short".into()),
            time: Some("00:10:00".into()),
            mem: Some("2G".into()),
            max_parallel: Some(4),
            submit: false,
        };
        let s = script(
            "my sweep",
            Path::new("/shared/it's"),
            Path::new("/opt/netsim"),
            12,
            &opts,
        );
        for line in [
            "#SBATCH --job-name=netsim-my_sweep",
            "#SBATCH --array=0-11%4",
            "#SBATCH --output=/shared/it's/logs/point-%a.log",
            "#SBATCH --partition=short",
            "#SBATCH --time=00:10:00",
            "#SBATCH --mem=2G",
            r#"exec '/opt/netsim' --quiet sweep run-point '/shared/it'\''s' "$SLURM_ARRAY_TASK_ID""#,
        ] {
            assert!(s.lines().any(|l| l == line), "no `{line}` in\n{s}");
        }
    }
}
