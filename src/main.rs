//! The `netsim` command. See the README for a tour; `netsim --help` for the flags.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use netsim::run::{RunOptions, run};
use netsim::scenario::{self, Scenario, ScenarioError, ScenarioSource};
use netsim::sweep::SweepOptions;

/// A packet-level network simulator for VM live migration in software-defined data centres.
#[derive(Parser)]
#[command(name = "netsim", version, about)]
struct Cli {
    /// Print nothing but errors: no progress bar, no result lines.
    #[arg(long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario (the bundled default if none is given) and write its results.
    Run {
        /// Scenario file (TOML). Omit to run the bundled default.
        scenario: Option<PathBuf>,
        /// Results directory [default: results/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Run a scenario over every combination of swept `--set` values and seeds, in parallel.
    ///
    /// A `--set KEY=V1,V2,…` with several values is swept (commas inside [..], {..} and quotes
    /// do not separate values); a `--set KEY=V` is a plain override. Each point runs into
    /// DIR/points/<index>-<key=value…>-seed<s>/; DIR/sweep.csv has one row per point.
    Sweep {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Sweep directory.
        #[arg(long)]
        out: PathBuf,
        /// Seeds per combination: s, s+1, …, s+N−1 (s from the scenario or --seed).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
        seeds: u64,
        /// Points run at once [default: the available cores].
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        jobs: Option<u32>,
        /// Draw DIR/plots/<y>-vs-<x>.svg: mean of a sweep.csv column over the seeds, one line
        /// per value of `series` (repeatable), e.g. `--plot x=flow.0.rate,y=flow.cbr0.goodput_bps`.
        #[arg(long = "plot", value_name = "x=KEY,y=METRIC[,series=KEY]")]
        plots: Vec<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Validate a scenario without running it; exit 1 with a pointed message if it is bad.
    Check {
        /// Scenario file (TOML).
        scenario: PathBuf,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Args)]
struct Common {
    /// Master seed, overriding the scenario's `seed`.
    #[arg(long)]
    seed: Option<u64>,
    /// Override any scenario key by its dotted path, e.g. `--set topology.pairs=4` or
    /// `--set flow.0.rate=300Mbps` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
}

/// `netsim sweep`: the work is in [`netsim::sweep`]; this prints the outcome.
fn sweep(opts: SweepOptions, quiet: bool) -> Result<(), miette::Report> {
    let r = netsim::sweep::sweep(&opts)?;
    if !quiet {
        println!(
            "{} points run; table in {}",
            r.points.len(),
            r.csv.display()
        );
        for p in &r.plots {
            println!("  plot {}", p.display());
        }
    }
    Ok(())
}

/// The scenario `netsim run` uses when given none.
const DEFAULT_SCENARIO: &str = include_str!("../examples/default.toml");
const DEFAULT_NAME: &str = "<bundled default: examples/default.toml>";

fn load(
    path: Option<&PathBuf>,
    common: &Common,
) -> Result<(Scenario, ScenarioSource), ScenarioError> {
    let mut sets = common.sets.clone();
    if let Some(seed) = common.seed {
        sets.push(format!("seed={seed}"));
    }
    match path {
        Some(p) => scenario::load(p, &sets),
        None => scenario::load_str(DEFAULT_NAME, DEFAULT_SCENARIO, &sets),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run {
            scenario,
            out,
            common,
        } => load(scenario.as_ref(), common)
            .map_err(netsim::run::RunError::from)
            .and_then(|(sc, src)| {
                let out = out
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("results").join(&sc.name));
                let opts = RunOptions {
                    out: out.clone(),
                    progress: !cli.quiet,
                };
                let r = run(&sc, &src, &opts)?;
                if !cli.quiet {
                    let s = &r.summary;
                    println!(
                        "{}: {} s simulated in {:.2} s ({} events); results in {}",
                        s.name,
                        s.sim_time_s,
                        s.wall_time_s,
                        s.events,
                        out.display()
                    );
                    for f in &s.flows {
                        println!(
                            "  {:<12} {:<9} {} -> {}: {} of {} packets delivered, goodput {:.1} Mbit/s",
                            f.name,
                            f.kind,
                            f.src,
                            f.dst,
                            f.packets_delivered,
                            f.packets_sent,
                            f.goodput_bps / 1e6
                        );
                    }
                }
                Ok(())
            })
            .map_err(miette::Report::new),
        Command::Sweep {
            scenario,
            out,
            seeds,
            jobs,
            plots,
            common,
        } => sweep(
            SweepOptions {
                scenario: scenario.clone(),
                sets: common.sets.clone(),
                seed: common.seed,
                seeds: *seeds,
                jobs: jobs.map(|j| j as usize),
                out: out.clone(),
                plots: plots.clone(),
                progress: !cli.quiet,
            },
            cli.quiet,
        ),
        Command::Check { scenario, common } => load(Some(scenario), common)
            .map_err(netsim::run::RunError::from)
            .and_then(|(sc, src)| {
                // Building checks node names and the topology; nothing is written.
                netsim::build::check(&sc, &src)?;
                if !cli.quiet {
                    println!("{}: ok", scenario.display());
                }
                Ok(())
            })
            .map_err(miette::Report::new),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e:?}");
            ExitCode::from(1)
        }
    }
}
