//! Running a scenario to a results directory.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use sim_core::SimTime;
use thiserror::Error;

use crate::build::{CheckOptions, build};
use crate::output::{OutputError, Staging};
use crate::scenario::{Scenario, ScenarioError, ScenarioSource};
use crate::summary::{Summary, collect};

/// Anything that stops a run. Each is a user error (exit code 1).
#[derive(Debug, Error, miette::Diagnostic)]
pub enum RunError {
    /// The scenario is invalid.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Scenario(#[from] ScenarioError),
    /// An output file could not be written.
    #[error("cannot write `{}`: {source}", path.display())]
    Output {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A plot could not be drawn.
    #[error(transparent)]
    Plot(#[from] crate::plot::PlotError),
    /// The results directory cannot be used, or the results cannot be moved into it.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Results(#[from] OutputError),
}

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Results directory.
    pub out: PathBuf,
    /// Show a progress bar (only if stderr is a terminal).
    pub progress: bool,
    /// Write each OpenFlow switch's final flow table to `dump-flows/<switch>.txt`.
    pub dump_flows: bool,
    /// How strict the checks before the run are (`--force`, `--deny-warnings`).
    pub check: CheckOptions,
    /// Print the scenario's warnings on stderr (they are in `summary.json` either way).
    pub print_warnings: bool,
}

/// What a finished run produced.
pub struct RunResult {
    /// The summary as written to `summary.json`.
    pub summary: Summary,
}

fn output_err(path: &Path) -> impl FnOnce(std::io::Error) -> RunError + '_ {
    move |source| RunError::Output {
        path: path.to_path_buf(),
        source,
    }
}

pub use crate::output::MANIFEST;

/// Builds and runs `scenario`, writing `summary.json`, `flows.csv`, the pcaps, the time series
/// and the plots ([`crate::plot::run_plots`]) into `opts.out`. `summary.json` is written last: a directory without it is not a finished run.
pub fn run(
    scenario: &Scenario,
    source: &ScenarioSource,
    opts: &RunOptions,
) -> Result<RunResult, RunError> {
    // Everything a build checks, before the results directory is touched: a scenario with a
    // mistake leaves an earlier run's results as they were.
    let check = CheckOptions {
        dump_flows: opts.dump_flows,
        ..opts.check
    };
    let warnings = crate::build::check(scenario, source, &check)?.warnings;
    if opts.print_warnings {
        for w in &warnings {
            crate::console::err(format_args!(
                "{:?}",
                miette::Report::new(source.warning_diagnostic(w))
            ));
        }
    }
    let staging = Staging::begin(&opts.out)?;
    let out = staging.path();
    let mut built = build(scenario, source, out)?;
    let bar =
        (opts.progress && std::io::stderr().is_terminal()).then(|| progress_bar(scenario.duration));
    let wall = Instant::now();
    if let Some(bar) = &bar {
        let bar = bar.clone();
        let started = Instant::now();
        built.sim.set_progress(1 << 16, move |p| {
            bar.set_position(p.now.as_ps() / 1_000_000);
            let rate = p.executed as f64 / started.elapsed().as_secs_f64().max(1e-9);
            bar.set_message(format!("{:.2} M events/s", rate / 1e6));
        });
    }
    // With `end_after_migrations` the orchestrator stops the run at the instant the last
    // migration finishes; otherwise it runs to `duration`.
    let end = match built.sim.run_until(scenario.duration) {
        sim_core::RunOutcome::Stopped => built.sim.scheduler.now(),
        sim_core::RunOutcome::ReachedEnd => scenario.duration,
    };
    let wall_time_s = wall.elapsed().as_secs_f64();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let net = &mut built.sim.model;
    net.finish_taps().map_err(|(dev, e)| {
        let d = &net.devices()[dev.index()];
        let name = &net.nodes()[d.node.index()].name;
        output_err(&out.join("pcap").join(format!("{name}-{}.pcap", d.port)))(e)
    })?;
    if let Some(plane) = net.plane_mut().and_then(|p| {
        p.as_any_mut()
            .downcast_mut::<openflow::plane::OpenFlowPlane>()
    }) {
        plane
            .finish_capture()
            .map_err(output_err(&out.join("pcap").join("openflow.pcap")))?;
    }
    write_migration_series(scenario, net, &built.migrations, out)?;
    crate::probe::write(net, &built.flows, out)?;
    crate::stream::write(net, &built.flows, out)?;
    if opts.dump_flows {
        dump_flows(net, end, &out.join("dump-flows"))?;
    }
    // Flushes the time series (with a last sample at the end) before the plots read them.
    net.finish_traces(end)
        .map_err(|(path, source)| RunError::Output { path, source })?;
    let ping = crate::netmig::ping_echoes(net, &built.flows);
    let mut summary = collect(&scenario.name, scenario.seed, &built, end, wall_time_s);
    summary.warnings = warnings.iter().map(|w| source.warning_record(w)).collect();
    summary.workloads = crate::fct::finish_run(out, &built.workloads, &summary, end)?;
    let csv_path = out.join("flows.csv");
    std::fs::write(&csv_path, flows_csv(&summary)).map_err(output_err(&csv_path))?;
    // The time series are complete once the taps are finished; plots come before summary.json
    // so that a finished run has all of its files.
    crate::plot::run_plots(scenario, out)?;
    crate::netmig::plot(scenario, &summary, ping, out)?;
    let json = serde_json::to_string_pretty(&summary).expect("summary serialises") + "\n";
    let summary_path = out.join("summary.json");
    std::fs::write(&summary_path, json).map_err(output_err(&summary_path))?;
    staging.commit()?;
    Ok(RunResult { summary })
}

/// `timeseries/migration-<vm>.csv` for every VM named in `trace.timeseries` as
/// `migration:<vm>`: one row per round of each of its migrations.
fn write_migration_series(
    scenario: &Scenario,
    net: &net_stack::Network,
    migrations: &[crate::migrate::MigrationHandle],
    out: &Path,
) -> Result<(), RunError> {
    for entry in &scenario.trace.timeseries {
        let Some(vm) = entry.get_ref().strip_prefix("migration:") else {
            continue;
        };
        let mut csv = String::from(
            "migration,round,start_s,end_s,bytes,pages_sent,pages_dirtied_during,paused_s,resumed_s\n",
        );
        for (k, m) in migrations.iter().enumerate().filter(|(_, m)| m.vm == vm) {
            let r = crate::summary::migration_report(net, m.app);
            let t =
                |x: Option<SimTime>| x.map_or(String::new(), |t| format!("{:.9}", t.as_secs_f64()));
            for round in &r.rounds {
                csv.push_str(&format!(
                    "{k},{},{:.9},{:.9},{},{},{},{},{}\n",
                    round.index,
                    round.start.as_secs_f64(),
                    round.end.as_secs_f64(),
                    round.bytes,
                    round.pages_sent,
                    round.pages_dirtied_during,
                    t(r.paused_at),
                    t(r.resumed_at),
                ));
            }
        }
        let dir = out.join("timeseries");
        std::fs::create_dir_all(&dir).map_err(output_err(&dir))?;
        let path = dir.join(format!("migration-{vm}.csv"));
        std::fs::write(&path, csv).map_err(output_err(&path))?;
    }
    Ok(())
}

/// Writes every OpenFlow switch's table at `now`, as `ovs-ofctl dump-flows` prints it, to
/// `dir/<switch>.txt`. A network without switches writes nothing.
fn dump_flows(net: &net_stack::Network, now: SimTime, dir: &Path) -> Result<(), RunError> {
    let Some(plane) = crate::sdn::plane_of(net) else {
        return Ok(());
    };
    std::fs::create_dir_all(dir).map_err(output_err(dir))?;
    for s in plane.switches() {
        let path = dir.join(format!("{}.txt", s.name));
        let text = format!(
            "OFPST_FLOW reply (OF1.3): {} (dpid {:#018x})\n{}",
            s.name,
            s.switch.config().datapath_id,
            s.switch.dump_flows(now)
        );
        std::fs::write(&path, text).map_err(output_err(&path))?;
    }
    Ok(())
}

fn progress_bar(end: SimTime) -> ProgressBar {
    let bar = ProgressBar::new(end.as_ps() / 1_000_000);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} sim {pos}/{len} µs [{bar:30}] wall {elapsed_precise} {msg}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar
}

/// `flows.csv`: one row per flow with the headline counters.
fn flows_csv(s: &Summary) -> String {
    let mut out = String::from(
        "name,kind,src,dst,start_s,end_s,packets_sent,packets_delivered,bytes_sent,bytes_delivered,goodput_bps\n",
    );
    for f in &s.flows {
        out += &format!(
            "{},{},{},{},{},{},{},{},{},{},{}\n",
            f.name,
            f.kind,
            f.src,
            f.dst,
            f.start_s,
            f.end_s.map(|e| e.to_string()).unwrap_or_default(),
            f.packets_sent,
            f.packets_delivered,
            f.bytes_sent,
            f.bytes_delivered,
            f.goodput_bps
        );
    }
    out
}
