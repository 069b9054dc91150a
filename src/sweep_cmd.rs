//! `netsim sweep`'s arguments and what the command prints (the work is in
//! [`netsim::sweep`]). A module of the `netsim` binary.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use netsim::sweep::slurm::SlurmOptions;
use netsim::sweep::{Backend, SweepError, SweepOptions};

use crate::Common;

/// Run a scenario over every combination of swept `--set` values and seeds, here or on Slurm.
///
/// A `--set KEY=V1,V2,…` with several values is swept (commas inside [..], {..} and quotes
/// do not separate values); a `--set KEY=V` is a plain override. Each point runs into
/// DIR/points/<index>-<key=value…>-seed<s>/; DIR/sweep.csv has one row per point. The plan is
/// written to DIR/plan.json; `--backend slurm` writes DIR/sweep.sbatch, a job array of the
/// points, instead of running them (see docs/cluster.md).
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SweepArgs {
    #[command(subcommand)]
    action: Option<SweepAction>,
    /// Scenario file (TOML), or the name of a bundled example (`netsim examples`).
    #[arg(required = true)]
    scenario: Option<PathBuf>,
    /// Sweep directory.
    #[arg(long, required_unless_present = "estimate")]
    out: Option<PathBuf>,
    /// Seeds per combination: s, s+1, …, s+N−1 (s from the scenario or --seed).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    seeds: u64,
    /// Points run at once [default: the available cores] (local backend).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    jobs: Option<u32>,
    /// Draw DIR/plots/<y>-vs-<x>.svg: mean of a sweep.csv column over the seeds, one line
    /// per value of `series` (repeatable), e.g. `--plot x=flow.0.rate,y=flow.cbr0.goodput_bps`.
    #[arg(long = "plot", value_name = "x=KEY,y=METRIC[,series=KEY[+KEY…]]")]
    plots: Vec<String>,
    /// Run only the points of DIR's plan that are not done (the plan must match: same
    /// scenario, values, seeds and netsim binary).
    #[arg(long)]
    resume: bool,
    /// Forget the outcomes of the plan in DIR (another scenario or netsim binary) and run
    /// every point again.
    #[arg(long, conflicts_with = "resume")]
    start_over: bool,
    /// Where the points run: here, or as a Slurm job array (writes DIR/sweep.sbatch).
    #[arg(long, value_enum, default_value_t = BackendArg::Local)]
    backend: BackendArg,
    /// Slurm partition of the job array.
    #[arg(long, value_name = "P")]
    partition: Option<String>,
    /// Slurm time limit per point: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS.
    #[arg(long, value_name = "T", value_parser = slurm_time)]
    time: Option<String>,
    /// Slurm memory per point, e.g. 500M or 4G (K, M, G, T; no suffix: megabytes).
    #[arg(long, value_name = "M", value_parser = slurm_mem)]
    mem: Option<String>,
    /// At most K points run at once on Slurm (the job array's %K throttle).
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..))]
    max_parallel: Option<u32>,
    /// Submit the job array with sbatch (only the points not done yet).
    #[arg(long)]
    submit: bool,
    /// Run one short point per configuration and suggest --time and --mem; runs no sweep.
    #[arg(long)]
    estimate: bool,
    #[command(flatten)]
    common: Common,
}

#[derive(Subcommand)]
enum SweepAction {
    /// Run point N of the plan in DIR (what each Slurm array task runs); nothing if done.
    RunPoint {
        /// Sweep directory (holds plan.json).
        dir: PathBuf,
        /// The point's index, from 0 (the array task id).
        index: u64,
    },
    /// Build DIR/sweep.csv and the plots from the points' results; exit 1 naming any failed
    /// or missing point.
    Collect {
        /// Sweep directory.
        dir: PathBuf,
        /// Plots to draw instead of the plan's (as for `netsim sweep --plot`).
        #[arg(long = "plot", value_name = "x=KEY,y=METRIC[,series=KEY[+KEY…]]")]
        plots: Vec<String>,
    },
    /// Count the points done, running (from squeue), pending, failed (with their logs) and
    /// missing.
    Status {
        /// Sweep directory.
        dir: PathBuf,
    },
}

#[derive(Clone, Copy, PartialEq, clap::ValueEnum)]
enum BackendArg {
    Local,
    Slurm,
}

/// A Slurm time limit: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS.
fn slurm_time(s: &str) -> Result<String, String> {
    let (days, rest) = match s.split_once('-') {
        Some((d, r)) => (Some(d), r),
        None => (None, s),
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let numeric = |p: &str| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit());
    let ok = days.is_none_or(numeric) && parts.iter().all(|p| numeric(p)) && parts.len() <= 3;
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!(
            "`{s}` is not a Slurm time: write MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS"
        ))
    }
}

/// A Slurm memory size: digits with an optional K, M, G or T.
fn slurm_mem(s: &str) -> Result<String, String> {
    let digits = s.trim_end_matches(['K', 'M', 'G', 'T', 'k', 'm', 'g', 't']);
    let ok = !digits.is_empty()
        && digits.len() <= 12
        && digits.bytes().all(|b| b.is_ascii_digit())
        && s.len() - digits.len() <= 1;
    if ok {
        Ok(s.to_uppercase())
    } else {
        Err(format!(
            "`{s}` is not a Slurm memory size: write e.g. 500M or 4G"
        ))
    }
}

/// `netsim sweep …`: runs, plans, estimates, or one of the subcommands.
pub fn sweep(args: &SweepArgs, quiet: bool) -> Result<(), miette::Report> {
    match &args.action {
        Some(SweepAction::RunPoint { dir, index }) => {
            let mut out = std::io::stdout();
            netsim::sweep::point::run_point_command(dir, *index, &mut out)?;
            Ok(())
        }
        Some(SweepAction::Collect { dir, plots }) => {
            let c = netsim::sweep::collect::collect(dir, plots)?;
            if !quiet {
                outln!(
                    "{} points collected; table in {}",
                    c.points.len(),
                    c.csv.display()
                );
                for p in &c.plots {
                    outln!("  plot {}", p.display());
                }
            }
            Ok(())
        }
        Some(SweepAction::Status { dir }) => {
            let s = netsim::sweep::collect::status(dir)?;
            netsim::console::out(&s.describe());
            Ok(())
        }
        None => run_sweep(args, quiet),
    }
}

fn run_sweep(args: &SweepArgs, quiet: bool) -> Result<(), miette::Report> {
    let slurm = SlurmOptions {
        partition: args.partition.clone(),
        time: args.time.clone(),
        mem: args.mem.clone(),
        max_parallel: args.max_parallel,
        submit: args.submit,
    };
    let backend = match args.backend {
        BackendArg::Local => {
            if slurm != SlurmOptions::default() {
                return Err(SweepError::Flag {
                    message: "--partition, --time, --mem, --max-parallel and --submit need \
                              --backend slurm"
                        .into(),
                }
                .into());
            }
            Backend::Local
        }
        BackendArg::Slurm => Backend::Slurm(slurm.clone()),
    };
    let opts = SweepOptions {
        scenario: args.scenario.clone().expect("required by clap"),
        sets: args.common.sets.clone(),
        seed: args.common.seed,
        seeds: args.seeds,
        jobs: args.jobs.map(|j| j as usize),
        out: args.out.clone().unwrap_or_default(),
        plots: args.plots.clone(),
        progress: !quiet,
        check: args.common.check_options(),
        print_warnings: true,
        resume: args.resume,
        start_over: args.start_over,
        backend,
    };
    if args.estimate {
        let e = netsim::sweep::estimate::estimate(&opts)?;
        netsim::console::out(&e.describe());
        return Ok(());
    }
    if let Backend::Slurm(slurm) = &opts.backend {
        let r = netsim::sweep::plan_slurm(&opts, slurm)?;
        if !quiet {
            outln!("plan of {} points in {}", r.points, r.plan.display());
            outln!("job array in {}", r.script.display());
            match (&r.job, r.to_run.len()) {
                (_, 0) => outln!(
                    "nothing to submit: every point is done or queued (`netsim sweep status {0}`); \
                     build the table with `netsim sweep collect {0}`",
                    opts.out.display()
                ),
                (Some(job), n) => outln!(
                    "submitted job {job} ({n} points); follow it with `netsim sweep status {}`",
                    opts.out.display()
                ),
                (None, n) => outln!(
                    "{n} points to run: add --submit, or `sbatch {}`",
                    r.script.display()
                ),
            }
        }
        return Ok(());
    }
    let r = netsim::sweep::sweep(&opts)?;
    if !quiet {
        let done = r.points.len() - r.ran;
        if done == 0 {
            outln!(
                "{} points run; table in {}",
                r.points.len(),
                r.csv.display()
            );
        } else {
            outln!(
                "{} points run ({done} done already); table in {}",
                r.ran,
                r.csv.display()
            );
        }
        for p in &r.plots {
            outln!("  plot {}", p.display());
        }
    }
    Ok(())
}
