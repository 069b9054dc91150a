//! The local backend: plan, run the points on a `rayon` pool, collect.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use super::collect::{collect, plot_specs};
use super::plan_file;
use super::point::run_planned;
use super::prepare::{not_done, plan_file as make_plan_file, reconcile};
use super::state::log_path;
use super::{Backend, Plan, SweepError, SweepOptions, SweepResult, output_err};

/// Runs the sweep here: plan and validate every point, write `DIR/plan.json`, run the points
/// (with `--resume`, only those not done) in parallel, then build `sweep.csv` and the `--plot`s
/// from their results ([`collect`]).
pub fn sweep(opts: &SweepOptions) -> Result<SweepResult, SweepError> {
    if let Backend::Slurm(_) = &opts.backend {
        return Err(SweepError::Flag {
            message: "a Slurm sweep is planned by `plan_slurm`, not run here".into(),
        });
    }
    let plan = super::plan(opts)?;
    let Plan { points, open_files } = &plan;
    // The --plot specifications are checked before anything runs.
    plot_specs(points, &opts.plots)?;

    let (jobs, warning) = crate::limits::sweep_jobs(opts.jobs, points.len());
    // Points running side by side hold their files open at the same time.
    crate::limits::ensure_open_files(open_files * jobs as u64).map_err(|e| SweepError::Set {
        arg: format!("--jobs {jobs}"),
        message: format!("{jobs} points at once would hold {e}"),
        help: "run fewer points at once (--jobs), trace less, or raise the limit with `ulimit -n`"
            .into(),
    })?;
    if let Some(w) = warning {
        if opts.check.deny_warnings {
            return Err(SweepError::Set {
                arg: format!("--jobs {}", opts.jobs.unwrap_or(jobs)),
                message: w,
                help: "denied by --deny-warnings".into(),
            });
        }
        if opts.print_warnings {
            crate::console::err(format_args!("warning: {w}"));
        }
    }
    let out = &opts.out;
    let csv = out.join("sweep.csv");
    // Nothing is written through a symbolic link someone left in the sweep directory.
    for path in points.iter().map(|p| out.join("points").join(&p.dir_name)) {
        crate::output::refuse_symlink(&path)?;
    }
    let file = make_plan_file(opts, &plan)?;
    reconcile(out, &file, opts.resume, opts.start_over)?;
    for sub in ["points", "logs"] {
        let path = out.join(sub);
        std::fs::create_dir_all(&path).map_err(output_err(&path))?;
    }
    match std::fs::remove_file(&csv) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(output_err(&csv)(e)),
        _ => {}
    }
    plan_file::write(out, &file)?;
    let to_run: Vec<usize> = if opts.resume {
        not_done(out, &file)
    } else {
        (0..file.points.len()).collect()
    };

    let bar = (opts.progress && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new(to_run.len() as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} points {pos}/{len} [{bar:30}] wall {elapsed_precise} eta {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| SweepError::Pool {
            jobs,
            message: e.to_string(),
        })?;
    // The points' outcomes are in their status files; only an error of the sweep directory
    // itself (a status file that cannot be written) stops the sweep.
    let results: Vec<Result<(), SweepError>> = pool.install(|| {
        to_run
            .par_iter()
            .map(|&i| {
                let point = &file.points[i];
                let log = log_path(out, i);
                let mut sink: Box<dyn std::io::Write> = match std::fs::File::create(&log) {
                    Ok(f) => Box::new(std::io::BufWriter::new(f)),
                    Err(_) => Box::new(std::io::sink()),
                };
                let r = run_planned(out, &file, point, &mut *sink).map(|_| ());
                if let Some(bar) = &bar {
                    bar.inc(1);
                }
                r
            })
            .collect()
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    results.into_iter().collect::<Result<Vec<()>, _>>()?;
    let collected = collect(out, &[])?;
    Ok(SweepResult {
        points: plan.points,
        summaries: collected.summaries,
        ran: to_run.len(),
        csv: collected.csv,
        plots: collected.plots,
    })
}
