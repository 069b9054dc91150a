//! `netsim bench`: whole scenarios timed one process each, as a table of the figures issues 8
//! and 20 ask for — wall time, wall seconds per simulated second, events, link transmissions
//! and completed workload flows per wall second, peak RSS — beside the raw counts.
//!
//! ```text
//! netsim bench ──spawns──> netsim bench-child SCENARIO --set …   (one process per run)
//!      ^                         │ runs it as `netsim run` does, into a scratch directory
//!      └── one JSON line ────────┘ (counts, event-loop wall time, CPU time, VmHWM)
//! ```
//!
//! A process per run is what makes the peak RSS the scenario's own: a process's high-water mark
//! never goes down, so runs sharing one process would each report the largest so far. With
//! `--repeat N` every scenario runs N times, rounds interleaved (all scenarios once, then all
//! again) so that a burst of load on a shared machine spreads over the scenarios; each time
//! and memory column is the median of its N values, and the counts must agree between runs
//! (a run is a pure function of scenario and seed).

mod probe;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde::Serialize;
use thiserror::Error;

pub use probe::{Measurement, link_transmissions, measure};

use crate::examples::Example;
use crate::scenario::{self, Scenario, ScenarioError, ScenarioSource};

/// The scenarios `netsim bench` runs when given none: issue 8's four anchors and issue 20's
/// workload anchor.
pub const DEFAULT_SCENARIOS: [&str; 5] = [
    "perf-dumbbell",
    "perf-fat-tree-4",
    "perf-fat-tree-8",
    "perf-fat-tree-16",
    "perf-websearch-k8",
];

/// Schema identifier of the `--json` file.
pub const SCHEMA: &str = "netsim.bench/1";

/// A scenario to benchmark: a bundled example or a file.
#[derive(Debug, Clone)]
pub enum ScenarioRef {
    /// `examples/<name>.toml`, compiled into the binary.
    Bundled(&'static Example),
    /// A scenario file.
    File(PathBuf),
}

impl ScenarioRef {
    /// A command-line argument: the name of a bundled example (no `/`, no `.toml`) if there is
    /// one of that name, else a path.
    pub fn parse(arg: &str) -> ScenarioRef {
        let bare = !arg.contains(['/', '\\']) && !arg.ends_with(".toml");
        match Example::named(arg) {
            Some(e) if bare => ScenarioRef::Bundled(e),
            _ => ScenarioRef::File(PathBuf::from(arg)),
        }
    }

    /// The default anchors ([`DEFAULT_SCENARIOS`]), bundled.
    pub fn defaults() -> Vec<ScenarioRef> {
        DEFAULT_SCENARIOS
            .iter()
            .map(|n| ScenarioRef::Bundled(Example::named(n).expect("bundled perf scenario")))
            .collect()
    }

    /// How the table and error messages name it: the example's name or the path as given.
    pub fn label(&self) -> String {
        match self {
            ScenarioRef::Bundled(e) => e.name.to_string(),
            ScenarioRef::File(p) => p.display().to_string(),
        }
    }

    /// Reads and validates it with `sets` applied (as `netsim run --set` does).
    pub fn load(&self, sets: &[String]) -> Result<(Scenario, ScenarioSource), ScenarioError> {
        match self {
            ScenarioRef::Bundled(e) => e.load(sets),
            ScenarioRef::File(p) => scenario::load(p, sets),
        }
    }

    /// The `bench-child` arguments that name it.
    fn child_args(&self) -> Vec<OsString> {
        match self {
            ScenarioRef::Bundled(e) => vec!["--bundled".into(), e.name.into()],
            ScenarioRef::File(p) => vec![p.as_os_str().to_owned()],
        }
    }
}

/// What `netsim bench` does.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// The netsim binary that runs each scenario (`netsim bench-child`), normally
    /// `std::env::current_exe()`.
    pub exe: PathBuf,
    /// Scenarios, in table order.
    pub scenarios: Vec<ScenarioRef>,
    /// `--set KEY=VALUE` overrides applied to every scenario (`seed=N` for `--seed`).
    pub sets: Vec<String>,
    /// Runs per scenario (at least 1); the table shows medians.
    pub repeat: u32,
    /// Report each run on stderr as it finishes.
    pub progress: bool,
}

/// One scenario's line of the table, over `runs` runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchRow {
    /// The scenario as given (bundled name or path).
    pub scenario: String,
    /// Runs the medians are over.
    pub runs: u32,
    /// Simulated time [s].
    pub sim_time_s: f64,
    /// Events executed (the same in every run).
    pub events: u64,
    /// Frames serialised onto a link (the same in every run).
    pub link_transmissions: u64,
    /// Median wall-clock time of the event loop [s].
    pub wall_s: f64,
    /// `wall_s / sim_time_s`.
    pub wall_per_sim_s: f64,
    /// `events / wall_s`.
    pub events_per_s: f64,
    /// `link_transmissions / wall_s`.
    pub link_transmissions_per_s: f64,
    /// Median CPU time (user + system) of the whole process [s].
    pub cpu_s: f64,
    /// Median wall-clock time of the whole process [s]: start-up, building the network and
    /// writing the results included (what `/usr/bin/time` reports for `netsim run`).
    pub process_wall_s: f64,
    /// Median peak resident set size of the process [bytes].
    pub peak_rss_bytes: u64,
    /// `[[workload]]` flows completed (the same in every run; 0 without workloads).
    pub flows_completed: u64,
    /// `flows_completed / wall_s`.
    pub flows_per_s: f64,
}

/// Anything that stops `netsim bench`. No table or output file is written after one.
#[derive(Debug, Error, miette::Diagnostic)]
pub enum BenchError {
    /// A scenario does not load (the error names the file and the key).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Scenario(#[from] ScenarioError),
    /// The run itself failed (in the measuring process).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Run(#[from] crate::run::RunError),
    /// The measuring process could not be started.
    #[error("cannot start `{}` to run scenario `{scenario}`: {source}", exe.display())]
    Spawn {
        /// The scenario.
        scenario: String,
        /// The binary.
        exe: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The measuring process failed.
    #[error("scenario `{scenario}` failed ({status}){}", indent(stderr))]
    Child {
        /// The scenario.
        scenario: String,
        /// Its exit status.
        status: std::process::ExitStatus,
        /// What it wrote to stderr.
        stderr: String,
    },
    /// The measuring process printed something other than one measurement.
    #[error("scenario `{scenario}`: unreadable measurement `{line}`: {reason}")]
    Protocol {
        /// The scenario.
        scenario: String,
        /// What it printed.
        line: String,
        /// Why it does not parse.
        reason: String,
    },
    /// Two runs of the same scenario and seed disagree: a determinism bug.
    #[error(
        "scenario `{scenario}`: {what} differ between runs ({first} then {now}); the same scenario and seed must give the same run"
    )]
    Nondeterministic {
        /// The scenario.
        scenario: String,
        /// The counter.
        what: &'static str,
        /// The first run's value.
        first: u64,
        /// A later run's value.
        now: u64,
    },
    /// A resource figure could not be read.
    #[error("cannot measure {what}: {reason}")]
    Probe {
        /// What was being measured.
        what: &'static str,
        /// Why not.
        reason: String,
    },
    /// An output file could not be written.
    #[error("cannot write `{}`: {source}", path.display())]
    Output {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

fn indent(stderr: &str) -> String {
    let text = stderr.trim_end();
    if text.is_empty() {
        return String::new();
    }
    let lines: Vec<String> = text.lines().map(|l| format!("  | {l}")).collect();
    format!(":\n{}", lines.join("\n"))
}

/// Runs every scenario `opts.repeat` times, one process per run, and returns one row per
/// scenario. Every scenario is loaded and checked first (as `netsim check` does), so a bad
/// file, `--set` or node name stops the bench before anything runs; any failed run stops it with the scenario named.
pub fn bench(opts: &BenchOptions) -> Result<Vec<BenchRow>, BenchError> {
    for s in &opts.scenarios {
        let (sc, src) = s.load(&opts.sets)?;
        crate::build::check(&sc, &src, &Default::default())?;
    }
    let repeat = opts.repeat.max(1);
    let total = repeat as usize * opts.scenarios.len();
    let mut runs: Vec<Vec<(Measurement, f64)>> = vec![Vec::new(); opts.scenarios.len()];
    for round in 0..repeat {
        for (i, s) in opts.scenarios.iter().enumerate() {
            let m = run_child(&opts.exe, s, &opts.sets)?;
            if let Some((first, _)) = runs[i].first() {
                agree(&s.label(), first, &m.0)?;
            }
            if opts.progress {
                let done = round as usize * opts.scenarios.len() + i + 1;
                crate::console::err(format_args!(
                    "[{done}/{total}] {}: {:.2} s wall, {:.2} s CPU, {:.1} MiB",
                    s.label(),
                    m.0.wall_s,
                    m.0.cpu_s,
                    mib(m.0.peak_rss_bytes)
                ));
            }
            runs[i].push(m);
        }
    }
    Ok(opts
        .scenarios
        .iter()
        .zip(&runs)
        .map(|(s, r)| row(s.label(), r))
        .collect())
}

/// Runs one scenario in `exe bench-child` and reads its measurement; also returns the
/// process's wall time [s].
fn run_child(
    exe: &Path,
    s: &ScenarioRef,
    sets: &[String],
) -> Result<(Measurement, f64), BenchError> {
    let mut cmd = Command::new(exe);
    cmd.args(["--quiet", "bench-child"]).args(s.child_args());
    for set in sets {
        cmd.arg("--set").arg(set);
    }
    let started = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|source| BenchError::Spawn {
            scenario: s.label(),
            exe: exe.to_path_buf(),
            source,
        })?;
    let process_wall_s = started.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(BenchError::Child {
            scenario: s.label(),
            status: out.status,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let m = serde_json::from_str(&line).map_err(|e| BenchError::Protocol {
        scenario: s.label(),
        line: line.clone(),
        reason: e.to_string(),
    })?;
    Ok((m, process_wall_s))
}

fn agree(scenario: &str, first: &Measurement, now: &Measurement) -> Result<(), BenchError> {
    for (what, a, b) in [
        ("events", first.events, now.events),
        (
            "link transmissions",
            first.link_transmissions,
            now.link_transmissions,
        ),
        (
            "completed flows",
            first.flows_completed,
            now.flows_completed,
        ),
    ] {
        if a != b {
            return Err(BenchError::Nondeterministic {
                scenario: scenario.to_string(),
                what,
                first: a,
                now: b,
            });
        }
    }
    Ok(())
}

/// The row over `runs` (each a measurement and its process wall time; at least one).
fn row(scenario: String, runs: &[(Measurement, f64)]) -> BenchRow {
    let m = &runs[0].0;
    let wall_s = median(runs.iter().map(|r| r.0.wall_s));
    let peak_rss_bytes = median(runs.iter().map(|r| r.0.peak_rss_bytes as f64)).round() as u64;
    BenchRow {
        scenario,
        runs: runs.len() as u32,
        sim_time_s: m.sim_time_s,
        events: m.events,
        link_transmissions: m.link_transmissions,
        wall_s,
        wall_per_sim_s: wall_s / m.sim_time_s,
        events_per_s: m.events as f64 / wall_s,
        link_transmissions_per_s: m.link_transmissions as f64 / wall_s,
        cpu_s: median(runs.iter().map(|r| r.0.cpu_s)),
        process_wall_s: median(runs.iter().map(|r| r.1)),
        peak_rss_bytes,
        flows_completed: m.flows_completed,
        flows_per_s: m.flows_completed as f64 / wall_s,
    }
}

/// The median; the mean of the two middle values for an even count.
fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The rows as a text table (counts exact, rates in millions per wall second).
pub fn table(rows: &[BenchRow]) -> String {
    let header = [
        "scenario",
        "simulated",
        "wall",
        "wall/sim s",
        "events",
        "events/s",
        "link tx",
        "link tx/s",
        "flows/s",
        "CPU",
        "peak RSS",
    ];
    let body: Vec<[String; 11]> = rows
        .iter()
        .map(|r| {
            [
                r.scenario.clone(),
                format!("{} s", r.sim_time_s),
                format!("{:.3} s", r.wall_s),
                format!("{:.3}", r.wall_per_sim_s),
                r.events.to_string(),
                format!("{:.2} M", r.events_per_s / 1e6),
                r.link_transmissions.to_string(),
                format!("{:.2} M", r.link_transmissions_per_s / 1e6),
                if r.flows_completed == 0 {
                    "-".to_string()
                } else {
                    format!("{:.0}", r.flows_per_s)
                },
                format!("{:.2} s", r.cpu_s),
                format!("{:.1} MiB", mib(r.peak_rss_bytes)),
            ]
        })
        .collect();
    let width: Vec<usize> = (0..header.len())
        .map(|c| {
            body.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[&str]| {
        let mut out = String::new();
        for (c, cell) in cells.iter().enumerate() {
            if c == 0 {
                out += &format!("{cell:<w$}", w = width[c]);
            } else {
                out += &format!("  {cell:>w$}", w = width[c]);
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(&header);
    for r in &body {
        out += &line(&r.iter().map(String::as_str).collect::<Vec<_>>());
    }
    out
}

/// The rows as CSV, one line per scenario, columns named as the [`BenchRow`] fields.
pub fn to_csv(rows: &[BenchRow]) -> String {
    let mut out = String::from(
        "scenario,runs,sim_time_s,events,link_transmissions,wall_s,wall_per_sim_s,events_per_s,link_transmissions_per_s,cpu_s,process_wall_s,peak_rss_bytes,flows_completed,flows_per_s\n",
    );
    for r in rows {
        let name = if r.scenario.contains([',', '"', '\n']) {
            format!("\"{}\"", r.scenario.replace('"', "\"\""))
        } else {
            r.scenario.clone()
        };
        out += &format!(
            "{name},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            r.runs,
            r.sim_time_s,
            r.events,
            r.link_transmissions,
            r.wall_s,
            r.wall_per_sim_s,
            r.events_per_s,
            r.link_transmissions_per_s,
            r.cpu_s,
            r.process_wall_s,
            r.peak_rss_bytes,
            r.flows_completed,
            r.flows_per_s
        );
    }
    out
}

/// The rows as the `--json` file: `{"schema": "netsim.bench/1", "sets": […], "rows": […]}`.
pub fn to_json(rows: &[BenchRow], sets: &[String]) -> String {
    #[derive(Serialize)]
    struct File<'a> {
        schema: &'static str,
        sets: &'a [String],
        rows: &'a [BenchRow],
    }
    serde_json::to_string_pretty(&File {
        schema: SCHEMA,
        sets,
        rows,
    })
    .expect("rows serialise")
        + "\n"
}

/// Writes `text` to `path`.
pub fn write(path: &Path, text: &str) -> Result<(), BenchError> {
    std::fs::write(path, text).map_err(|source| BenchError::Output {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(events: u64, wall_s: f64, rss: u64) -> (Measurement, f64) {
        let m = Measurement {
            sim_time_s: 2.0,
            events,
            link_transmissions: events / 2,
            wall_s,
            cpu_s: wall_s * 0.9,
            peak_rss_bytes: rss,
            flows_completed: events / 10,
        };
        (m, wall_s + 0.1)
    }

    /// Each time and memory column is the median of its own values, and the rates are the
    /// counts over the median wall time.
    #[test]
    fn row_takes_medians_and_derives_rates() {
        let r = row(
            "x".into(),
            &[m(1000, 3.0, 30), m(1000, 1.0, 10), m(1000, 2.0, 50)],
        );
        assert_eq!((r.runs, r.wall_s, r.peak_rss_bytes), (3, 2.0, 30));
        assert!((r.cpu_s - 1.8).abs() < 1e-12, "{}", r.cpu_s);
        assert!((r.process_wall_s - 2.1).abs() < 1e-12);
        assert_eq!(r.wall_per_sim_s, 1.0);
        assert_eq!(r.events_per_s, 500.0);
        assert_eq!(r.link_transmissions_per_s, 250.0);
        assert_eq!((r.flows_completed, r.flows_per_s), (100, 50.0));
        let even = row("x".into(), &[m(10, 1.0, 10), m(10, 4.0, 20)]);
        assert_eq!((even.wall_s, even.peak_rss_bytes), (2.5, 15));
    }

    /// Different counts for the same scenario and seed are reported, not averaged away.
    #[test]
    fn runs_must_agree() {
        assert!(agree("x", &m(10, 1.0, 1).0, &m(10, 2.0, 1).0).is_ok());
        let e = agree("x", &m(10, 1.0, 1).0, &m(12, 1.0, 1).0).unwrap_err();
        assert!(e.to_string().contains("events differ"), "{e}");
    }

    /// A bare bundled name is the bundled example; a path (even one that names an example)
    /// is a file.
    #[test]
    fn scenario_arguments() {
        assert!(
            matches!(ScenarioRef::parse("perf-dumbbell"), ScenarioRef::Bundled(e) if e.name == "perf-dumbbell")
        );
        assert!(matches!(
            ScenarioRef::parse("examples/perf-dumbbell.toml"),
            ScenarioRef::File(_)
        ));
        assert!(matches!(
            ScenarioRef::parse("nonesuch"),
            ScenarioRef::File(_)
        ));
        assert_eq!(ScenarioRef::defaults().len(), 5);
    }

    /// The CSV has one line per row with as many fields as the header, and quotes a path
    /// with a comma.
    #[test]
    fn csv_shape() {
        let mut r = row("a,b.toml".into(), &[m(10, 1.0, 10)]);
        let text = to_csv(&[r.clone()]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(
            lines[1].starts_with("\"a,b.toml\",1,2,10,5,"),
            "{}",
            lines[1]
        );
        r.scenario = "plain".into();
        let text = to_csv(&[r]);
        let fields = |l: &str| l.split(',').count();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(fields(lines[0]), fields(lines[1]));
        assert!(table(&[row("plain".into(), &[m(10, 1.0, 10)])]).contains("plain"));
    }
}
