//! `netsim sweep`: one scenario run over the cartesian product of parameter values and seeds.
//!
//! ```text
//! netsim sweep SCENARIO.toml --set KEY=V1,V2,... [--set KEY=V]... [--seed N] [--seeds N]
//!              [--jobs N] --out DIR [--plot x=KEY,y=METRIC[,series=KEY[+KEY…]]]...
//! ```
//!
//! * A `--set` whose value is a list (the comma rule: commas inside `[…]`, `{…}` and quotes
//!   do not separate values) is **swept**; a `--set` with one value is a plain
//!   override applied to every point, exactly as in `netsim run`.
//! * The points are the cartesian product of the swept lists, the first swept key outermost
//!   (slowest-varying), times the seeds s, s+1, …, s+N−1 innermost, where s is the point's
//!   scenario seed after the overrides (and `--seed`). Sweeping `seed` itself is refused: that is
//!   what `--seeds` is for.
//! * Every point's scenario is loaded and checked (as `netsim check` does) before any runs; the
//!   first bad one stops the sweep with its pointed message. (A Slurm plan checks the first
//!   combination so and reads the others; their build happens in their tasks — see [`plan`].)
//! * Points run in parallel on a local `rayon` pool of `--jobs` threads (default: the available
//!   cores), each into `DIR/points/<index>-<key=value…>-seed<s>/` (a normal `netsim run`
//!   results directory, plots included). The index is zero-padded to the width of the last one;
//!   the rest of the name is the swept values with every character outside `[A-Za-z0-9.=+-]`
//!   replaced by `_`, cut to 80 characters.
//! * `DIR/sweep.csv` ([`table`] lists its columns) is written once every point has finished,
//!   in point order, so it is byte-identical whatever `--jobs` is. If a point fails, the others
//!   still finish, `sweep.csv` is **not** written (an old one is removed at the start) and the
//!   error names every failed point.
//! * `--plot` draws `DIR/plots/<y>-vs-<x>.svg` from `sweep.csv` (see [`crate::plot::sweep`]).
//! * The sweep is first written down as `DIR/plan.json` ([`plan_file`]); each point runs through
//!   [`point::run_planned`] (as `netsim sweep run-point DIR N` does on a cluster) and records its
//!   outcome in `DIR/status/<N>.json` and `DIR/logs/point-<N>.log` ([`state`]); `sweep.csv` and
//!   the plots are then built from the points' `summary.json` ([`collect`]), the same way
//!   `netsim sweep collect DIR` builds them after a Slurm run. `--resume` runs only the points
//!   not done; `--backend slurm` writes `DIR/sweep.sbatch` ([`slurm`]) instead of running.
//!   See docs/cluster.md.

pub mod collect;
pub mod estimate;
mod local;
pub mod plan_file;
pub mod point;
mod prepare;
pub mod slurm;
mod split;
pub mod state;
pub mod table;

pub use local::sweep;
pub use prepare::{SlurmPlanned, plan_slurm};

use std::path::{Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

use crate::plot::PlotError;
use crate::plot::sweep::PlotSpecError;
use crate::scenario::{Scenario, ScenarioError, ScenarioSource};

/// What `netsim sweep` was asked to do.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// The scenario file, or the name of a bundled example (as `netsim run` takes it).
    pub scenario: PathBuf,
    /// The `--set` arguments as given, in order (`KEY=V` or `KEY=V1,V2,…`).
    pub sets: Vec<String>,
    /// `--seed`: overrides the scenario's seed (the first of the swept seeds).
    pub seed: Option<u64>,
    /// `--seeds`: how many consecutive seeds each parameter combination runs (≥ 1).
    pub seeds: u64,
    /// `--jobs`: worker threads; `None` uses the available cores.
    pub jobs: Option<usize>,
    /// `--out`: the sweep directory.
    pub out: PathBuf,
    /// `--plot` specifications as given (`x=KEY,y=METRIC[,series=KEY[+KEY…]]`).
    pub plots: Vec<String>,
    /// Show a progress bar over points (only if stderr is a terminal).
    pub progress: bool,
    /// How strict the checks of each combination are (`--force`, `--deny-warnings`).
    pub check: crate::build::CheckOptions,
    /// Print warnings (each distinct one once) on stderr.
    pub print_warnings: bool,
    /// `--resume`: run only the points of an existing, matching plan that are not done.
    pub resume: bool,
    /// `--start-over`: forget an existing plan's outcomes (another scenario or binary).
    pub start_over: bool,
    /// Where the points run.
    pub backend: Backend,
}

impl SweepOptions {
    /// The scenario: the file at `scenario`, or, for a bare name that is no file, the bundled
    /// example of that name (as `netsim run` and `netsim bench` resolve it).
    pub fn scenario_ref(&self) -> crate::bench::ScenarioRef {
        use crate::bench::ScenarioRef;
        match self.scenario.to_str() {
            Some(arg) if !self.scenario.is_file() => ScenarioRef::parse(arg),
            _ => ScenarioRef::File(self.scenario.clone()),
        }
    }
}

/// Where a sweep's points run.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Backend {
    /// Here, on a `rayon` pool of `--jobs` threads (the default).
    #[default]
    Local,
    /// As a Slurm job array (`--backend slurm`).
    Slurm(slurm::SlurmOptions),
}

/// A point that did not finish: why, and where its log is.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedPoint {
    /// Its directory name under `DIR/points/`.
    pub dir: String,
    /// Its overrides, `key=value, …, seed=N`.
    pub label: String,
    /// Why.
    pub error: String,
    /// `DIR/logs/point-<N>.log`.
    pub log: PathBuf,
}

/// Anything that stops a sweep. Each is a user error (exit code 1).
#[derive(Debug, Error, Diagnostic)]
pub enum SweepError {
    /// The sweep directory holds a symbolic link where the sweep writes.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Results(#[from] crate::output::OutputError),
    /// The scenario or a plain `--set` is bad (the same for every point).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Scenario(#[from] ScenarioError),
    /// A swept `--set` cannot be split into values, or sweeps a key twice.
    #[error("--set `{arg}`: {message}")]
    #[diagnostic(code(netsim::sweep::set))]
    Set {
        /// The argument as given.
        arg: String,
        /// What is wrong.
        message: String,
        /// What to do.
        #[help]
        help: String,
    },
    /// One point's scenario is invalid (a value of a swept key is bad).
    #[error("the sweep point {label} is invalid; nothing was run")]
    #[diagnostic(code(netsim::sweep::point))]
    Point {
        /// The point's swept values, `key=value, …`.
        label: String,
        /// Why.
        #[source]
        #[diagnostic_source]
        source: ScenarioError,
    },
    /// A `--plot` specification is bad.
    #[error(transparent)]
    #[diagnostic(transparent)]
    PlotSpec(#[from] PlotSpecError),
    /// Points failed while running (or are missing); the others finished.
    #[error(
        "{} of {total} sweep points failed, so `{}` was not written (the other points' results \
         are in their directories):\n{}",
        failures.len(),
        csv.display(),
        failures.iter().map(|f| format!("  point {} ({}): {}\n    log: {}", f.dir, f.label, f.error, f.log.display())).collect::<Vec<_>>().join("\n")
    )]
    #[diagnostic(
        code(netsim::sweep::failed),
        help(
            "fix the cause, then run only these points again: `netsim sweep … --resume` \
              (local) or `netsim sweep … --backend slurm --submit` (Slurm), then \
              `netsim sweep collect DIR`"
        )
    )]
    Failed {
        /// Points in the sweep.
        total: usize,
        /// The failed points, in point order.
        failures: Vec<FailedPoint>,
        /// The `sweep.csv` that was not written.
        csv: PathBuf,
    },
    /// `plan.json` (or a point's `summary.json`) cannot be read.
    #[error("cannot use `{}`: {reason}", path.display())]
    #[diagnostic(code(netsim::sweep::plan))]
    PlanFile {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The sweep directory holds a plan this sweep must not mix with.
    #[error("the sweep directory `{}` holds another plan: {reason}", dir.display())]
    #[diagnostic(
        code(netsim::sweep::mismatch),
        help(
            "results of different plans are never mixed: give --start-over to discard the \
              old plan's outcomes and run every point again, or use another --out"
        )
    )]
    Mismatch {
        /// The sweep directory.
        dir: PathBuf,
        /// What differs.
        reason: String,
    },
    /// `netsim sweep run-point DIR N` with N beyond the plan.
    #[error("point {index} is out of range: the plan in `{}` has {count} points (0 to {})", dir.display(), count.saturating_sub(1))]
    #[diagnostic(code(netsim::sweep::point_index))]
    PointIndex {
        /// N as given.
        index: u64,
        /// Points in the plan.
        count: usize,
        /// The sweep directory.
        dir: PathBuf,
    },
    /// `netsim sweep run-point DIR N`: the point failed.
    #[error("point {index} ({label}) failed: {error}\n  log: {}", log.display())]
    #[diagnostic(code(netsim::sweep::point_failed))]
    PointFailed {
        /// The point's index.
        index: usize,
        /// Its overrides.
        label: String,
        /// Why.
        error: String,
        /// Its log.
        log: PathBuf,
    },
    /// `--submit` without Slurm's `sbatch`.
    #[error("`sbatch` was not found: the Slurm backend needs Slurm's client commands on PATH")]
    #[diagnostic(
        code(netsim::sweep::no_slurm),
        help("the plan and `{}/sweep.sbatch` are written; submit them from a machine with Slurm \
              (`sbatch sweep.sbatch`), or run the sweep here: leave out --backend slurm (or give \
              --backend local)", dir.display())
    )]
    NoSlurm {
        /// The sweep directory.
        dir: PathBuf,
    },
    /// `sbatch` refused the job.
    #[error("{message}")]
    #[diagnostic(code(netsim::sweep::submit))]
    Submit {
        /// What sbatch said.
        message: String,
    },
    /// A flag that needs `--backend slurm`, or one that local sweeps do not take.
    #[error("{message}")]
    #[diagnostic(code(netsim::sweep::flag))]
    Flag {
        /// What is wrong.
        message: String,
    },
    /// `--estimate` could not measure a configuration.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Bench(#[from] crate::bench::BenchError),
    /// A file of the sweep directory could not be written.
    #[error("cannot write `{}`: {source}", path.display())]
    #[diagnostic(code(netsim::sweep::output))]
    Output {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A sweep plot could not be drawn.
    #[error(transparent)]
    #[diagnostic(code(netsim::sweep::plot))]
    Plot(#[from] PlotError),
    /// The worker pool could not be started.
    #[error("cannot start {jobs} worker threads: {message}")]
    #[diagnostic(code(netsim::sweep::jobs))]
    Pool {
        /// Threads asked for.
        jobs: usize,
        /// Why.
        message: String,
    },
}

/// One point of a sweep, validated and ready to run.
#[derive(Debug, Clone)]
pub struct Point {
    /// Position in point order (from 0).
    pub index: usize,
    /// The swept keys and this point's value of each, in `--set` order.
    pub values: Vec<(String, String)>,
    /// The master seed.
    pub seed: u64,
    /// Directory name under `DIR/points/`.
    pub dir_name: String,
    /// The `--set` overrides that make its scenario from the file, `seed=N` last.
    pub sets: Vec<String>,
    /// The scenario with this point's overrides and seed.
    pub scenario: Scenario,
    /// Its source text (for errors found while building).
    pub source: ScenarioSource,
}

/// What a finished sweep produced.
#[derive(Debug)]
pub struct SweepResult {
    /// Points in point order.
    pub points: Vec<Point>,
    /// Their `summary.json`, parsed, in point order.
    pub summaries: Vec<serde_json::Value>,
    /// Points run now (the others were done already: `--resume`).
    pub ran: usize,
    /// `DIR/sweep.csv`.
    pub csv: PathBuf,
    /// The plots drawn.
    pub plots: Vec<PathBuf>,
}

/// A `--set` after splitting: a plain override or a swept list.
#[derive(Debug, Clone, PartialEq)]
enum SetArg {
    /// Applied to every point as given.
    Fixed(String),
    /// Swept: the key and its values.
    Swept(String, Vec<String>),
}

/// Splits every `--set` into fixed overrides and swept lists.
fn classify(sets: &[String]) -> Result<Vec<SetArg>, SweepError> {
    let mut out = Vec::new();
    for arg in sets {
        // An argument without `=` is left to the scenario loader, which explains it.
        let Some((key, value)) = arg.split_once('=') else {
            out.push(SetArg::Fixed(arg.clone()));
            continue;
        };
        let values = split::split_values(value).map_err(|e| SweepError::Set {
            arg: arg.clone(),
            message: e.message,
            help: e.help.into(),
        })?;
        if values.len() == 1 {
            out.push(SetArg::Fixed(arg.clone()));
            continue;
        }
        let key = key.trim().to_string();
        if key == "seed" {
            return Err(SweepError::Set {
                arg: arg.clone(),
                message: "`seed` cannot be swept with --set".into(),
                help: "use --seeds N to run the seeds s, s+1, …, s+N−1 (s from the scenario \
                       or --seed)"
                    .into(),
            });
        }
        if out
            .iter()
            .any(|s| matches!(s, SetArg::Swept(k, _) if *k == key))
        {
            return Err(SweepError::Set {
                arg: arg.clone(),
                message: format!("`{key}` is swept twice"),
                help: "give all its values in one --set KEY=V1,V2,…".into(),
            });
        }
        out.push(SetArg::Swept(key, values));
    }
    Ok(out)
}

/// Every combination of the swept values, the first swept key outermost.
fn combinations(sets: &[SetArg]) -> Vec<Vec<(String, String)>> {
    let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for s in sets {
        if let SetArg::Swept(key, values) = s {
            combos = combos
                .into_iter()
                .flat_map(|c| {
                    values.iter().map(move |v| {
                        let mut c = c.clone();
                        c.push((key.clone(), v.clone()));
                        c
                    })
                })
                .collect();
        }
    }
    combos
}

/// The `--set` arguments of one combination, in the order given.
fn point_sets(sets: &[SetArg], combo: &[(String, String)], seed: Option<u64>) -> Vec<String> {
    let mut out: Vec<String> = sets
        .iter()
        .map(|s| match s {
            SetArg::Fixed(a) => a.clone(),
            SetArg::Swept(key, _) => {
                let (_, v) = combo.iter().find(|(k, _)| k == key).expect("in combo");
                format!("{key}={v}")
            }
        })
        .collect();
    if let Some(seed) = seed {
        out.push(format!("seed={seed}"));
    }
    out
}

/// A deterministic, filesystem-safe directory name for a point.
fn dir_name(index: usize, width: usize, values: &[(String, String)], seed: u64) -> String {
    let mut label = String::new();
    for (k, v) in values {
        if !label.is_empty() {
            label.push('_');
        }
        for c in format!("{k}={v}").chars() {
            let safe = c.is_ascii_alphanumeric() || matches!(c, '.' | '=' | '+' | '-');
            if safe {
                label.push(c);
            } else if !label.ends_with('_') {
                label.push('_');
            }
        }
    }
    label.truncate(80);
    if label.is_empty() {
        format!("{index:0width$}-seed{seed}")
    } else {
        format!("{index:0width$}-{label}-seed{seed}")
    }
}

/// Expands and validates every point of the sweep without running anything. A local sweep
/// checks every combination as `netsim check` does; a Slurm plan checks the first one so, and
/// reads the others (keys and values), leaving their build to the task that runs them: a value
/// that fails only when the network is built fails its point alone.
pub fn plan(opts: &SweepOptions) -> Result<Plan, SweepError> {
    let check_all = opts.backend == Backend::Local;
    let sets = classify(&opts.sets)?;
    let combos = combinations(&sets);
    let seeds = opts.seeds.max(1);
    let total = (combos.len() as u64)
        .checked_mul(seeds)
        .filter(|&t| t <= MAX_POINTS)
        .ok_or_else(|| SweepError::Set {
            arg: format!("--seeds {seeds}"),
            message: format!(
                "{} combinations × {seeds} seeds is more than {MAX_POINTS} points",
                combos.len()
            ),
            help: "sweep fewer values or seeds at a time".into(),
        })? as usize;
    let width = (total.saturating_sub(1)).to_string().len();
    let mut points = Vec::with_capacity(total);
    let mut printed = std::collections::BTreeSet::new();
    let mut open_files = 0;
    for combo in combos {
        let psets = point_sets(&sets, &combo, opts.seed);
        let invalid = |source: ScenarioError| {
            if combo.is_empty() {
                SweepError::Scenario(source)
            } else {
                SweepError::Point {
                    label: combo
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    source,
                }
            }
        };
        let (scenario, source) = opts.scenario_ref().load(&psets).map_err(invalid)?;
        let warnings = if check_all || points.is_empty() {
            let report = crate::build::check(&scenario, &source, &opts.check).map_err(invalid)?;
            open_files = open_files.max(report.estimate.open_files);
            report.warnings
        } else {
            Vec::new()
        };
        if opts.print_warnings {
            for w in &warnings {
                if printed.insert(w.message.clone()) {
                    crate::console::err(format_args!(
                        "{:?}",
                        miette::Report::new(source.warning_diagnostic(w))
                    ));
                }
            }
        }
        for k in 0..seeds {
            let Some(seed) = scenario.seed.checked_add(k) else {
                return Err(SweepError::Set {
                    arg: format!("--seeds {seeds}"),
                    message: format!("seed {} + {k} overflows a 64-bit seed", scenario.seed),
                    help: "use a smaller --seed or fewer --seeds".into(),
                });
            };
            let index = points.len();
            let mut sc = scenario.clone();
            sc.seed = seed;
            let mut overrides = point_sets(&sets, &combo, None);
            overrides.push(format!("seed={seed}"));
            points.push(Point {
                index,
                values: combo.clone(),
                seed,
                dir_name: dir_name(index, width, &combo, seed),
                sets: overrides,
                scenario: sc,
                source: source.clone(),
            });
        }
    }
    Ok(Plan { points, open_files })
}

/// The points of a sweep, and the most files one of them holds open at once.
pub struct Plan {
    /// Every point, in point order.
    pub points: Vec<Point>,
    /// The largest `open_files` of the points' estimates.
    pub open_files: u64,
}

/// The most points one sweep runs: far beyond any figure's needs, and a bound on the memory
/// its plan takes (each point keeps its scenario).
pub const MAX_POINTS: u64 = 100_000;

/// The metric columns of `sweep.csv`: the union of every point's, in order of first appearance.
fn metric_header(points: &[Point]) -> Vec<String> {
    let mut metrics: Vec<String> = Vec::new();
    for p in points {
        for c in table::metric_columns(&p.scenario) {
            if !metrics.contains(&c) {
                metrics.push(c);
            }
        }
    }
    metrics
}

/// The header and rows of `sweep.csv` for finished points.
pub fn sweep_csv(points: &[Point], summaries: &[serde_json::Value]) -> String {
    let swept: Vec<&String> = points
        .first()
        .map(|p| p.values.iter().map(|(k, _)| k).collect())
        .unwrap_or_default();
    let metrics = metric_header(points);
    let mut header: Vec<String> = vec!["point".into(), "dir".into()];
    header.extend(swept.iter().map(|k| k.to_string()));
    header.push("seed".into());
    header.extend(metrics.iter().cloned());
    let mut out = header
        .iter()
        .map(|h| table::csv_field(h))
        .collect::<Vec<_>>()
        .join(",")
        + "\n";
    for (p, s) in points.iter().zip(summaries) {
        let own = table::metric_columns(&p.scenario);
        let mut row = vec![p.index.to_string(), format!("points/{}", p.dir_name)];
        row.extend(p.values.iter().map(|(_, v)| v.clone()));
        row.push(p.seed.to_string());
        for c in &metrics {
            let v = own.contains(c).then(|| table::metric_value(s, c)).flatten();
            row.push(v.unwrap_or_default());
        }
        out += &(row
            .iter()
            .map(|f| table::csv_field(f))
            .collect::<Vec<_>>()
            .join(",")
            + "\n");
    }
    out
}

fn output_err(path: &Path) -> impl FnOnce(std::io::Error) -> SweepError + '_ {
    move |source| SweepError::Output {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    /// Single values stay plain overrides; lists are swept; the product runs the first swept
    /// key outermost.
    #[test]
    fn combinations_are_in_point_order() {
        let s = classify(&sets(&["duration=1s", "a=1,2", "b=x,y,z"])).unwrap();
        assert_eq!(s[0], SetArg::Fixed("duration=1s".into()));
        let c = combinations(&s);
        let flat: Vec<String> = c
            .iter()
            .map(|c| {
                c.iter()
                    .map(|(_, v)| v.as_str())
                    .collect::<Vec<_>>()
                    .join("")
            })
            .collect();
        assert_eq!(flat, ["1x", "1y", "1z", "2x", "2y", "2z"]);
        assert_eq!(
            point_sets(&s, &c[4], Some(7)),
            ["duration=1s", "a=2", "b=y", "seed=7"]
        );
    }

    /// Sweeping a key twice or sweeping `seed` is refused with a hint.
    #[test]
    fn bad_sweeps_are_refused() {
        assert!(matches!(
            classify(&sets(&["a=1,2", "a=3,4"])),
            Err(SweepError::Set { .. })
        ));
        assert!(matches!(
            classify(&sets(&["seed=1,2"])),
            Err(SweepError::Set { .. })
        ));
    }

    /// Directory names are deterministic, sortable and free of path separators and quotes.
    #[test]
    fn dir_names_are_safe() {
        let v = vec![
            ("flow.0.rate".to_string(), "100Mbps".to_string()),
            ("trace.pcap".to_string(), r#"["h0","h1"]"#.to_string()),
        ];
        assert_eq!(
            dir_name(3, 2, &v, 5),
            "03-flow.0.rate=100Mbps_trace.pcap=_h0_h1_-seed5"
        );
        assert_eq!(dir_name(0, 1, &[], 1), "0-seed1");
        let long = vec![("k".to_string(), "x/".repeat(100))];
        let name = dir_name(0, 1, &long, 1);
        assert!(name.len() < 100 && !name.contains('/'), "{name}");
    }
}
