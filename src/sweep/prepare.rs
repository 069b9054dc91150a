//! From a sweep's options to `DIR/plan.json`: writing the plan down, deciding what an existing
//! plan in DIR means (resume it, refuse to mix with it, or start over), and the Slurm backend's
//! planning step (`--backend slurm`).

use std::path::{Path, PathBuf};

use super::plan_file::{self, PlanFile, PlanPoint, binary_hash, fnv, plan_hash, point_hash};
use super::slurm::{self, SlurmOptions};
use super::state::{self, PointState};
use super::{Plan, SweepError, SweepOptions, collect, output_err};

/// An absolute form of `path` (for paths written into the plan and the batch script).
pub(super) fn absolute(path: &Path) -> Result<PathBuf, SweepError> {
    std::path::absolute(path).map_err(output_err(path))
}

/// The plan file of a planned sweep.
pub(super) fn plan_file(opts: &SweepOptions, plan: &Plan) -> Result<PlanFile, SweepError> {
    let (scenario_path, scenario_dir, text) = match opts.scenario_ref() {
        crate::bench::ScenarioRef::Bundled(e) => (
            format!("examples/{}.toml", e.name),
            PathBuf::from(crate::examples::DIR),
            e.text.to_string(),
        ),
        crate::bench::ScenarioRef::File(path) => {
            let text = crate::limits::read_bounded(&path).map_err(|e| SweepError::PlanFile {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            let dir = absolute(&path)?
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            (path.display().to_string(), dir, text)
        }
    };
    let version = env!("CARGO_PKG_VERSION").to_string();
    let binary = binary_hash().to_string();
    let points: Vec<PlanPoint> = plan
        .points
        .iter()
        .map(|p| PlanPoint {
            index: p.index,
            dir: p.dir_name.clone(),
            values: p.values.clone(),
            seed: p.seed,
            sets: p.sets.clone(),
            hash: point_hash(&version, &binary, &text, &p.sets, &p.dir_name),
        })
        .collect();
    Ok(PlanFile {
        schema: plan_file::SCHEMA.into(),
        netsim_version: version,
        binary_hash: binary,
        scenario_path,
        scenario_dir,
        scenario_hash: fnv(&[text.as_bytes()]),
        scenario_text: text,
        sets: opts.sets.clone(),
        seed: opts.seed,
        seeds: opts.seeds,
        force: opts.check.force,
        plots: opts.plots.clone(),
        hash: plan_hash(&points),
        points,
    })
}

/// Settles an existing plan in DIR before `new` is written: `--start-over` forgets its
/// outcomes; `must_match` (a resume, or the Slurm backend) refuses one that differs.
pub(super) fn reconcile(
    dir: &Path,
    new: &PlanFile,
    must_match: bool,
    start_over: bool,
) -> Result<(), SweepError> {
    crate::output::refuse_symlink(dir)?;
    for sub in ["status", "logs", "points", "plots"] {
        crate::output::refuse_symlink(&dir.join(sub))?;
    }
    if start_over {
        for sub in ["status", "logs"] {
            let path = dir.join(sub);
            match std::fs::remove_dir_all(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(output_err(&path)(e));
                }
                _ => {}
            }
        }
        return Ok(());
    }
    if must_match
        && let Some(old) = plan_file::read(dir)?
        && let Some(reason) = plan_file::mismatch(&old, new)
    {
        return Err(SweepError::Mismatch {
            dir: dir.to_path_buf(),
            reason,
        });
    }
    Ok(())
}

/// The indices of the points of `plan` that are not done in `dir`.
pub(super) fn not_done(dir: &Path, plan: &PlanFile) -> Vec<usize> {
    plan.points
        .iter()
        .filter(|p| state::state(dir, p) != PointState::Done)
        .map(|p| p.index)
        .collect()
}

/// What `--backend slurm` did.
#[derive(Debug)]
pub struct SlurmPlanned {
    /// `DIR/plan.json`.
    pub plan: PathBuf,
    /// `DIR/sweep.sbatch`.
    pub script: PathBuf,
    /// Points in the plan.
    pub points: usize,
    /// The points neither done nor queued (what a submission runs).
    pub to_run: Vec<usize>,
    /// The job id, when submitted.
    pub job: Option<String>,
}

/// `netsim sweep … --backend slurm`: plans the sweep, writes `plan.json` and `sweep.sbatch`
/// and, with `--submit`, submits the points not done yet as a job array.
pub fn plan_slurm(opts: &SweepOptions, slurm: &SlurmOptions) -> Result<SlurmPlanned, SweepError> {
    if opts.jobs.is_some() {
        return Err(SweepError::Flag {
            message: "--jobs sets a local sweep's threads; with --backend slurm use \
                      --max-parallel K (tasks at once)"
                .into(),
        });
    }
    let plan = super::plan(opts)?;
    let dir = absolute(&opts.out)?;
    // The --plot specifications are checked now, not when collecting.
    collect::plot_specs(&plan.points, &opts.plots)?;
    let file = plan_file(opts, &plan)?;
    reconcile(&dir, &file, true, opts.start_over)?;
    for sub in ["points", "logs", "status"] {
        let path = dir.join(sub);
        std::fs::create_dir_all(&path).map_err(output_err(&path))?;
    }
    plan_file::write(&dir, &file)?;
    let exe = std::env::current_exe().map_err(|e| SweepError::Submit {
        message: format!("cannot find the netsim binary's path for the batch script: {e}"),
    })?;
    let script = slurm::script_path(&dir);
    let name = plan
        .points
        .first()
        .map_or("sweep", |p| p.scenario.name.as_str());
    plan_file::write_atomic(
        &script,
        &slurm::script(name, &dir, &exe, file.points.len(), slurm),
    )?;
    // Points still queued or running from an earlier submission are not submitted twice.
    let queued: Vec<usize> = slurm::queued(&dir)
        .unwrap_or_default()
        .into_iter()
        .map(|(i, _)| i)
        .collect();
    let to_run: Vec<usize> = not_done(&dir, &file)
        .into_iter()
        .filter(|i| !queued.contains(i))
        .collect();
    let job = if slurm.submit && !to_run.is_empty() {
        if !slurm::sbatch_available() {
            return Err(SweepError::NoSlurm { dir });
        }
        Some(slurm::submit(&dir, &to_run, slurm.max_parallel)?)
    } else {
        None
    };
    Ok(SlurmPlanned {
        plan: plan_file::path(&dir),
        script,
        points: file.points.len(),
        to_run,
        job,
    })
}
