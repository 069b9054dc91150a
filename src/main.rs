//! The `netsim` command. See the README for a tour; `netsim --help` for the flags.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use netsim::run::{RunOptions, run};
use netsim::scenario::{self, Scenario, ScenarioError, ScenarioSource};

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
            }),
        Command::Check { scenario, common } => load(Some(scenario), common)
            .map_err(netsim::run::RunError::from)
            .and_then(|(sc, src)| {
                // Building checks node names and the topology; nothing is written.
                netsim::build::check(&sc, &src)?;
                if !cli.quiet {
                    println!("{}: ok", scenario.display());
                }
                Ok(())
            }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            ExitCode::from(1)
        }
    }
}
