//! The `netsim` command. See the README for a tour; `netsim --help` for the flags.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use netsim::run::{RunOptions, run};
use netsim::scenario::{self, Scenario, ScenarioError, ScenarioSource};

/// `println!` that survives a closed stdout ([`netsim::console::out`]).
macro_rules! outln {
    ($($arg:tt)*) => {
        netsim::console::out(&format!("{}\n", format_args!($($arg)*)))
    };
}

mod sweep_cmd;

/// A packet-level network simulator for VM live migration in software-defined data centres.
#[derive(Parser)]
#[command(name = "netsim", version = netsim::VERSION, about)]
struct Cli {
    /// Print nothing but errors and warnings: no progress bar, no result lines.
    #[arg(long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario (the bundled default if none is given) and write its results.
    Run {
        /// Scenario file (TOML) or a bundled example's name. Omit to run the bundled default.
        scenario: Option<PathBuf>,
        /// Results directory [default: results/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write each OpenFlow switch's final flow table to DIR/dump-flows/<switch>.txt, in
        /// the style of `ovs-ofctl dump-flows`.
        #[arg(long)]
        dump_flows: bool,
        #[command(flatten)]
        common: Common,
    },
    Sweep(sweep_cmd::SweepArgs),
    /// Validate a scenario without running it; exit 1 with a pointed message if it is bad.
    ///
    /// Also prints warnings and the run's resource estimate (events, memory, output bytes),
    /// refuses what exceeds the limits unless --force is given, and checks that the results
    /// directory could be written, without writing anything.
    Check {
        /// Scenario file (TOML) or a bundled example's name.
        scenario: PathBuf,
        /// The results directory `netsim run` would use [default: results/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Check as for `netsim run --dump-flows` (warns when there are no flow tables).
        #[arg(long)]
        dump_flows: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Print a topology: its nodes, addresses and links in build order.
    Topo {
        /// fat-tree, dumbbell, leaf-spine, linear, star, qin2017, arora2013, file, two-dc or twin
        /// (twin needs the kind it twins, e.g. `--set 'of={kind="fat-tree",k=4}'`).
        kind: String,
        /// The fat-tree parameter (even).
        #[arg(long)]
        k: Option<u32>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TopoFormat::Table)]
        format: TopoFormat,
        /// Any other `[topology]` key, e.g. `--set pairs=4` or `--set path=my-topology.toml`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
    },
    /// List the bundled example scenarios.
    Examples,
    /// Time whole scenarios, one process per run: wall time, rates, CPU time and peak RSS.
    ///
    /// Prints per scenario the wall time, wall seconds per simulated second, events and link
    /// transmissions per wall second, CPU time and peak RSS, with the counts. Without SCENARIO
    /// arguments it runs issue 8's four anchors (the bundled `perf-dumbbell`, `perf-fat-tree-4`,
    /// `perf-fat-tree-8`, `perf-fat-tree-16`). A SCENARIO is a file, or the name of a bundled
    /// example. See docs/benchmarking.md.
    Bench {
        /// Scenario files or bundled example names [default: the four perf-* anchors].
        scenarios: Vec<String>,
        /// Runs per scenario; the table shows the median of each time and memory column.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        repeat: u32,
        /// Also write the rows as JSON (schema `netsim.bench/1`) to FILE.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Also write the rows as CSV to FILE.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// One measured run for `netsim bench` (internal): prints one JSON line.
    #[command(hide = true)]
    BenchChild {
        /// Scenario file.
        #[arg(required_unless_present = "bundled", conflicts_with = "bundled")]
        scenario: Option<PathBuf>,
        /// A bundled example instead of a file.
        #[arg(long)]
        bundled: Option<String>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum TopoFormat {
    Dot,
    Json,
    Table,
}

#[derive(Args)]
struct Common {
    /// Master seed, overriding the scenario's `seed` (0 to 2^63 − 1, as TOML integers are).
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    seed: Option<u64>,
    /// Override any scenario key by its dotted path, e.g. `--set topology.pairs=4` or
    /// `--set flow.0.rate=300Mbps` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Run even if the resource estimate exceeds netsim's limits (events, memory, output,
    /// routing set-up; see docs/scenario.md, "Checks, warnings and limits").
    #[arg(long)]
    force: bool,
    /// Treat warnings about the scenario as errors (exit 1).
    #[arg(long)]
    deny_warnings: bool,
}

impl Common {
    fn check_options(&self) -> netsim::build::CheckOptions {
        netsim::build::CheckOptions {
            force: self.force,
            deny_warnings: self.deny_warnings,
            dump_flows: false,
        }
    }
}

const DEFAULT_NAME: &str = "<bundled default: examples/default.toml>";

fn load(
    path: Option<&PathBuf>,
    common: &Common,
) -> Result<(Scenario, ScenarioSource), ScenarioError> {
    let sets = sets_with_seed(common);
    match path {
        // A bare name that is not a file names a bundled example, as with `netsim bench`.
        Some(p) if !p.is_file() => match p.to_str() {
            Some(arg) => netsim::bench::ScenarioRef::parse(arg).load(&sets),
            None => scenario::load(p, &sets),
        },
        Some(p) => scenario::load(p, &sets),
        None => {
            let default = netsim::examples::Example::named("default").expect("bundled");
            scenario::load_str(DEFAULT_NAME, default.text, &sets)
        }
    }
}

/// One line of `netsim run`'s report for a migration.
/// One `[[workload]]`'s line: flows completed and the slowdown percentiles over them.
/// One flow's console line: what its kind measures (a ping's RTTs as ping prints them, a DNS
/// test's loss, request-response's answers), goodput for the rest.
fn flow_line(f: &netsim::summary::FlowSummary) -> String {
    let head = format!("{:<12} {:<16} {} -> {}", f.name, f.kind, f.src, f.dst);
    let ms = |s: Option<f64>| s.map_or("-".to_string(), |s| format!("{:.3}", s * 1e3));
    let goodput = format!("goodput {:.1} Mbit/s", f.goodput_bps / 1e6);
    if let (Some(queries), Some(answered)) = (f.queries, f.answered) {
        return format!(
            "{head}: {answered} of {queries} queries answered, {} lost ({:.3} %), rtt p99 {} ms",
            f.lost.unwrap_or(0),
            f.loss_pct.unwrap_or(0.0),
            ms(f.rtt_p99_s)
        );
    }
    // An echo or request sent within an RTT of the end is unanswered without being lost.
    let waiting = |sent: u64, answered: u64| match sent.saturating_sub(answered) {
        0 => String::new(),
        n => format!(" ({n} still awaiting an answer at the end)"),
    };
    if let Some(avg) = f.rtt_avg_s {
        return format!(
            "{head}: {} of {} echoes answered{}, rtt min/avg/max/mdev {}/{}/{}/{} ms",
            f.packets_delivered,
            f.packets_sent,
            waiting(f.packets_sent, f.packets_delivered),
            ms(f.rtt_min_s),
            ms(Some(avg)),
            ms(f.rtt_max_s),
            ms(f.rtt_stddev_s)
        );
    }
    if let (Some(requests), Some(answers)) = (f.requests, f.answers) {
        let waiting = waiting(requests, answers);
        return format!("{head}: {answers} of {requests} requests answered{waiting}, {goodput}");
    }
    format!(
        "{head}: {} of {} packets delivered, {goodput}",
        f.packets_delivered, f.packets_sent
    )
}

/// The whole-network migration's console line: its phases' times, the tunnel's traffic and
/// what finalize lost (`network_migration` in summary.json has the rest).
fn network_migration_line(n: &netsim::netmig::NetMigSummary) -> String {
    let at = |t: Option<f64>| t.map_or("not reached".to_string(), |t| format!("{t:.3} s"));
    let moved = n.hosts_moved_s.iter().filter(|t| t.is_some()).count();
    let mut line = format!(
        "network migration ({}): prepare {}, {moved} of {} host positions moved, finalize {}",
        n.algorithm.to_uppercase(),
        at(n.prepare_s),
        n.hosts_moved_s.len(),
        at(n.finalize_s)
    );
    line += &format!(
        ", {} FLOW_MODs, {} tunnel packets",
        n.flow_mods, n.tunnel_packets
    );
    if let Some(lost) = n.finalize_lost_packets {
        line += &format!(", {} lost in finalize", count(lost, "packet"));
    }
    line
}

/// `n` and `word`, with an `s` unless `n` is 1.
fn count(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// One migration's console line. `concurrent` is `[orchestrator] concurrent`, `end_s` the end
/// of the run: a migration due before the end that never started waited for a slot.
fn migration_line(m: &netsim::summary::MigrationSummary, concurrent: u32, end_s: f64) -> String {
    let head = format!(
        "migration {} {} -> {} ({})",
        m.vm, m.from, m.to, m.algorithm
    );
    if !m.started {
        let waited = if m.start_s < end_s {
            format!(
                "; it waited for a slot: `[orchestrator] concurrent` admits {} at a time",
                count(u64::from(concurrent), "migration")
            )
        } else {
            String::new()
        };
        return format!(
            "{head}: not started by the end of the run (due at {} s{waited})",
            m.start_s
        );
    }
    let Some(total) = m.total_time_s else {
        return format!(
            "{head}: unfinished at the end of the run ({}, {:.1} MB sent)",
            count(m.rounds as u64, "round"),
            m.bytes_sent as f64 / 1e6
        );
    };
    let ms = |s: f64| format!("{:.1} ms", s * 1e3);
    let mut line = format!("{head}: total {total:.3} s");
    if let Some(d) = m.downtime_s {
        line += &format!(", downtime {}", ms(d));
    }
    // Absent when no workload of the VM was observed (docs/migration.md).
    if let Some(d) = m.service_downtime_s {
        line += &format!(", service downtime {}", ms(d));
    }
    line += &format!(
        ", {}, {:.1} MB sent",
        count(m.rounds as u64, "round"),
        m.bytes_sent as f64 / 1e6
    );
    if let Some(r) = m.stop_reason {
        line += &format!(", stopped by {r}");
    }
    line
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run {
            scenario,
            out,
            dump_flows,
            common,
        } => load(scenario.as_ref(), common)
            .map_err(netsim::run::RunError::from)
            .and_then(|(sc, src)| {
                let out = out
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("results").join(dir_name(&sc.name)));
                let opts = RunOptions {
                    out: out.clone(),
                    progress: !cli.quiet,
                    dump_flows: *dump_flows,
                    check: common.check_options(),
                    print_warnings: true,
                };
                let r = run(&sc, &src, &opts)?;
                if !cli.quiet {
                    let s = &r.summary;
                    outln!(
                        "{}: {} s simulated in {:.2} s ({} events); results in {}",
                        s.name,
                        s.sim_time_s,
                        s.wall_time_s,
                        s.events,
                        out.display()
                    );
                    for f in &s.flows {
                        outln!("  {}", flow_line(f));
                    }
                    for w in &s.workloads {
                        outln!("  {}", w.console_line());
                    }
                    if let Some(n) = &s.network_migration {
                        outln!("  {}", network_migration_line(n));
                    }
                    for m in &s.migrations {
                        let concurrent = sc.orchestrator.concurrent;
                        outln!("  {}", migration_line(m, concurrent, s.sim_time_s));
                    }
                }
                Ok(())
            })
            .map_err(miette::Report::new),
        Command::Topo { .. } | Command::Examples => Ok(()),
        Command::Bench {
            scenarios,
            repeat,
            json,
            csv,
            common,
        } => bench(
            scenarios,
            *repeat,
            json.as_deref(),
            csv.as_deref(),
            common,
            cli.quiet,
        )
        .map_err(miette::Report::new),
        Command::BenchChild {
            scenario,
            bundled,
            common,
        } => {
            bench_child(scenario.as_ref(), bundled.as_deref(), common).map_err(miette::Report::new)
        }
        Command::Sweep(args) => sweep_cmd::sweep(args, cli.quiet),
        Command::Check {
            scenario,
            out,
            dump_flows,
            common,
        } => load(Some(scenario), common)
            .map_err(netsim::run::RunError::from)
            .and_then(|(sc, src)| {
                // Building checks node names and the topology; nothing is written.
                let opts = netsim::build::CheckOptions {
                    dump_flows: *dump_flows,
                    ..common.check_options()
                };
                let report = netsim::build::check(&sc, &src, &opts)?;
                let out = out
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("results").join(dir_name(&sc.name)));
                netsim::output::check_out(&out)?;
                for w in &report.warnings {
                    netsim::console::err(format_args!(
                        "{:?}",
                        miette::Report::new(src.warning_diagnostic(w))
                    ));
                }
                if !cli.quiet {
                    outln!("{}", report.estimate.describe());
                    let n = report.warnings.len();
                    match n {
                        0 => outln!("{}: ok", scenario.display()),
                        1 => outln!("{}: ok, 1 warning", scenario.display()),
                        _ => outln!("{}: ok, {n} warnings", scenario.display()),
                    }
                }
                Ok(())
            })
            .map_err(miette::Report::new),
    };
    let result = match (&cli.command, result) {
        (
            Command::Topo {
                kind,
                k,
                format,
                sets,
            },
            _,
        ) => topo(kind, *k, *format, sets).map_err(miette::Report::new),
        (Command::Examples, _) => {
            let mut text = String::new();
            let width = netsim::examples::EXAMPLES
                .iter()
                .map(|e| e.name.len())
                .max()
                .unwrap_or(0);
            for e in netsim::examples::EXAMPLES {
                text += &format!("{:<width$}  ", e.name);
                text += &wrap(&e.description(), width + 2, 100);
            }
            text +=
                "\nrun one with: netsim run <name>  (or examples/<name>.toml in the repository)\n";
            netsim::console::out(&text);
            Ok(())
        }
        (_, r) => r,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            netsim::console::err(format_args!("{e:?}"));
            ExitCode::from(1)
        }
    }
}

/// `netsim bench`: the work is in [`netsim::bench`]; this prints the table and writes the
/// files, only once every run has succeeded.
fn bench(
    scenarios: &[String],
    repeat: u32,
    json: Option<&std::path::Path>,
    csv: Option<&std::path::Path>,
    common: &Common,
    quiet: bool,
) -> Result<(), netsim::bench::BenchError> {
    use netsim::bench::{self, BenchError, BenchOptions, ScenarioRef};
    let exe = std::env::current_exe().map_err(|e| BenchError::Probe {
        what: "the netsim binary's path",
        reason: e.to_string(),
    })?;
    let opts = BenchOptions {
        exe,
        scenarios: if scenarios.is_empty() {
            ScenarioRef::defaults()
        } else {
            scenarios.iter().map(|s| ScenarioRef::parse(s)).collect()
        },
        sets: sets_with_seed(common),
        repeat,
        progress: !quiet,
    };
    let rows = bench::bench(&opts)?;
    if let Some(path) = json {
        bench::write(path, &bench::to_json(&rows, &opts.sets))?;
    }
    if let Some(path) = csv {
        bench::write(path, &bench::to_csv(&rows))?;
    }
    if !quiet {
        netsim::console::out(&bench::table(&rows));
    }
    Ok(())
}

/// `netsim bench-child`: one run, measured, as one JSON line on stdout.
fn bench_child(
    scenario: Option<&PathBuf>,
    bundled: Option<&str>,
    common: &Common,
) -> Result<(), netsim::bench::BenchError> {
    use netsim::bench::{ScenarioRef, measure};
    let s = match (scenario, bundled) {
        (_, Some(name)) => ScenarioRef::parse(name),
        (Some(p), None) => ScenarioRef::File(p.clone()),
        (None, None) => unreachable!("clap requires one"),
    };
    let (sc, src) = s.load(&sets_with_seed(common))?;
    let m = measure(&sc, &src)?;
    outln!(
        "{}",
        serde_json::to_string(&m).expect("measurement serialises")
    );
    Ok(())
}

/// The `--set` arguments, with `--seed N` as `seed=N`.
fn sets_with_seed(common: &Common) -> Vec<String> {
    let mut sets = common.sets.clone();
    if let Some(seed) = common.seed {
        sets.push(format!("seed={seed}"));
    }
    sets
}

/// `netsim topo`: the topology of a one-table scenario, rendered.
fn topo(
    kind: &str,
    k: Option<u32>,
    format: TopoFormat,
    sets: &[String],
) -> Result<(), netsim::run::RunError> {
    let mut text = format!("[topology]\nkind = {kind:?}\n");
    if let Some(k) = k {
        text += &format!("k = {k}\n");
    }
    let sets: Vec<String> = sets.iter().map(|s| format!("topology.{s}")).collect();
    let (sc, src) = scenario::load_str("<netsim topo>", &text, &sets)?;
    let t = netsim::topology::topology_of(&sc, &src)?;
    netsim::console::out(&match format {
        TopoFormat::Dot => t.to_dot(),
        TopoFormat::Json => t.to_json() + "\n",
        TopoFormat::Table => {
            let macs = netsim::build::host_macs(&sc, &t);
            t.to_table_with_macs(|n| macs[n.index()].map(|m| m.to_string()))
        }
    });
    Ok(())
}

/// A scenario name as a single directory name under `results/`: anything but letters, digits,
/// `.`, `_` and `-` becomes `_`, so a name can never point outside `results/`.
fn dir_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    match safe.trim_matches('.') {
        "" => "netsim".to_string(),
        _ => safe,
    }
}

/// `words` as lines of at most `columns` characters (a longer word stands alone), every line
/// after the first indented by `indent` spaces; the first line continues the current one.
fn wrap(words: &str, indent: usize, columns: usize) -> String {
    let mut out = String::new();
    let mut used = indent;
    for (i, word) in words.split(' ').enumerate() {
        let len = word.chars().count();
        if i > 0 && used + 1 + len > columns {
            out += "\n";
            out += &" ".repeat(indent);
            used = indent;
        } else if i > 0 {
            out.push(' ');
            used += 1;
        }
        out += word;
        used += len;
    }
    out + "\n"
}
