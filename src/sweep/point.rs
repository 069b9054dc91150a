//! Running one planned point: the one code path of a local sweep's points and of
//! `netsim sweep run-point DIR N` (a Slurm array task).
//!
//! The point's scenario is rebuilt from the plan (the scenario text and the point's overrides),
//! its status is cleared, it runs as `netsim run` would into `DIR/points/<dir>/` (a staging
//! directory, files renamed into place, `summary.json` last), and its outcome is recorded in
//! `DIR/status/<N>.json` ([`super::state`]). The log — which point, its overrides, the
//! outcome, a failure's full message — goes to the writer given: the task's output (which
//! Slurm writes to `DIR/logs/point-<N>.log`) or that file itself for a local sweep.

use std::io::Write;
use std::path::Path;

use crate::build::CheckOptions;
use crate::run::{RunError, RunOptions, run};
use crate::scenario::{self, Scenario, ScenarioError, ScenarioSource};

use super::SweepError;
use super::plan_file::{PlanFile, PlanPoint, binary_hash};
use super::state::{self, PointState};

/// The scenario of `point`, from the plan's text and the point's overrides, exactly as
/// `scenario::load` would read the file: a relative `[topology] path` is taken from the
/// scenario's folder, and so is a workload's relative `sizes_file`.
pub fn load_point(
    plan: &PlanFile,
    point: &PlanPoint,
) -> Result<(Scenario, ScenarioSource), ScenarioError> {
    scenario::load_str_in(
        &plan.scenario_path,
        &plan.scenario_text,
        &point.sets,
        Some(&plan.scenario_dir),
    )
}

/// Checks that this binary may run points of `plan` (the one that planned it).
pub fn check_binary(plan: &PlanFile, dir: &Path) -> Result<(), SweepError> {
    if plan.netsim_version != env!("CARGO_PKG_VERSION") || plan.binary_hash != binary_hash() {
        return Err(SweepError::Mismatch {
            dir: dir.to_path_buf(),
            reason: format!(
                "it was planned by another netsim binary (version {}, binary {}; this is \
                 version {}, binary {})",
                plan.netsim_version,
                plan.binary_hash,
                env!("CARGO_PKG_VERSION"),
                binary_hash()
            ),
        });
    }
    Ok(())
}

/// The point at `index`, or the out-of-range error.
pub fn point_at<'a>(
    plan: &'a PlanFile,
    dir: &Path,
    index: u64,
) -> Result<&'a PlanPoint, SweepError> {
    usize::try_from(index)
        .ok()
        .and_then(|i| plan.points.get(i))
        .ok_or_else(|| SweepError::PointIndex {
            index,
            count: plan.points.len(),
            dir: dir.to_path_buf(),
        })
}

/// Runs `point` of `plan` into `dir`, logging to `log`. Returns the short error of a failed
/// run (also recorded in its status file). A panic inside the simulator fails this point only.
pub fn run_planned(
    dir: &Path,
    plan: &PlanFile,
    point: &PlanPoint,
    log: &mut dyn Write,
) -> Result<Result<(), String>, SweepError> {
    state::clear(dir, point.index)?;
    let out = state::point_dir(dir, point);
    // A log that cannot be written must not fail the point: its outcome is in the status file.
    let _ = writeln!(
        log,
        "netsim sweep run-point: point {} of {} ({})\noverrides: {}\nresults: {}\n\
         netsim {} (binary {}), point hash {}",
        point.index,
        plan.points.len(),
        point.label(),
        point.sets.join(" "),
        out.display(),
        plan.netsim_version,
        plan.binary_hash,
        point.hash
    );
    let _ = log.flush();
    let outcome = match load_point(plan, point) {
        Err(e) => Err(describe(RunError::Scenario(e))),
        Ok((sc, src)) => {
            let opts = RunOptions {
                out,
                progress: false,
                dump_flows: false,
                check: CheckOptions {
                    force: plan.force,
                    deny_warnings: false,
                    dump_flows: false,
                },
                print_warnings: false,
            };
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&sc, &src, &opts))) {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(describe(e)),
                Err(panic) => {
                    let message = format!(
                        "the simulator panicked: {}",
                        panic
                            .downcast_ref::<String>()
                            .map(String::as_str)
                            .or_else(|| panic.downcast_ref::<&str>().copied())
                            .unwrap_or("(no message)")
                    );
                    Err((message.clone(), message))
                }
            }
        }
    };
    let r = match outcome {
        Ok(()) => {
            let _ = writeln!(log, "done");
            Ok(())
        }
        Err((short, full)) => {
            let _ = writeln!(log, "FAILED:\n{full}");
            Err(short)
        }
    };
    let _ = log.flush();
    state::record(dir, point, &r)?;
    Ok(r)
}

/// A run's error in one line (for the status file and the sweep's report) and in full, with
/// its pointed source and help, without colours (for the log).
fn describe(e: RunError) -> (String, String) {
    let mut full = String::new();
    let _ = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut full, &e);
    let short = match e {
        RunError::Scenario(e) => format!("{e}"),
        e => e.to_string(),
    };
    (short, full)
}

/// `netsim sweep run-point DIR N`: runs point N unless it is done already. `Ok(false)` if it
/// was done (nothing ran).
pub fn run_point_command(dir: &Path, index: u64, log: &mut dyn Write) -> Result<bool, SweepError> {
    let plan = super::plan_file::require(dir)?;
    let point = point_at(&plan, dir, index)?;
    check_binary(&plan, dir)?;
    if state::state(dir, point) == PointState::Done {
        let _ = writeln!(
            log,
            "netsim sweep run-point: point {} ({}) is done already; nothing to run",
            point.index,
            point.label()
        );
        return Ok(false);
    }
    match run_planned(dir, &plan, point, log)? {
        Ok(()) => Ok(true),
        Err(error) => Err(SweepError::PointFailed {
            index: point.index,
            label: point.label(),
            error,
            log: state::log_path(dir, point.index),
        }),
    }
}
