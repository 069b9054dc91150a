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
//!   first bad one stops the sweep with its pointed message.
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

mod split;
pub mod table;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use miette::Diagnostic;
use rayon::prelude::*;
use thiserror::Error;

use crate::build::CheckOptions;
use crate::plot::PlotError;
use crate::plot::sweep::{PlotSpec, PlotSpecError};
use crate::run::{RunError, RunOptions, run};
use crate::scenario::{self, Scenario, ScenarioError, ScenarioSource};
use crate::summary::Summary;

/// What `netsim sweep` was asked to do.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// The scenario file.
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
    /// Points failed while running; the others finished.
    #[error(
        "{} of {total} sweep points failed, so `{}` was not written (the other points' results \
         are in their directories):\n{}",
        failures.len(),
        csv.display(),
        failures.iter().map(|(l, e)| format!("  point {l}: {e}")).collect::<Vec<_>>().join("\n")
    )]
    #[diagnostic(code(netsim::sweep::failed))]
    Failed {
        /// Points run.
        total: usize,
        /// The failed points' directory names and errors, in point order.
        failures: Vec<(String, String)>,
        /// The `sweep.csv` that was not written.
        csv: PathBuf,
    },
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
    /// Their summaries, in point order.
    pub summaries: Vec<Summary>,
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

/// Expands and validates every point of the sweep without running anything.
pub fn plan(opts: &SweepOptions) -> Result<Plan, SweepError> {
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
        let (scenario, source) = scenario::load(&opts.scenario, &psets).map_err(invalid)?;
        let report = crate::build::check(&scenario, &source, &opts.check).map_err(invalid)?;
        open_files = open_files.max(report.estimate.open_files);
        if opts.print_warnings {
            for w in &report.warnings {
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
            points.push(Point {
                index,
                values: combo.clone(),
                seed,
                dir_name: dir_name(index, width, &combo, seed),
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
pub fn sweep_csv(points: &[Point], summaries: &[Summary]) -> String {
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

/// Runs the sweep: plan and validate every point, run them in parallel, write `sweep.csv` in
/// point order, then draw the `--plot`s.
pub fn sweep(opts: &SweepOptions) -> Result<SweepResult, SweepError> {
    let Plan { points, open_files } = plan(opts)?;
    let mut swept: Vec<String> = points
        .first()
        .map(|p| p.values.iter().map(|(k, _)| k.clone()).collect())
        .unwrap_or_default();
    swept.push("seed".into());
    let metrics = metric_header(&points);
    let specs = opts
        .plots
        .iter()
        .map(|s| PlotSpec::parse(s, &swept, &metrics))
        .collect::<Result<Vec<_>, _>>()?;

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
    let csv = opts.out.join("sweep.csv");
    // Nothing is written through a symbolic link someone left in the sweep directory.
    for path in [opts.out.join("points"), opts.out.join("plots")]
        .into_iter()
        .chain(
            points
                .iter()
                .map(|p| opts.out.join("points").join(&p.dir_name)),
        )
    {
        crate::output::refuse_symlink(&path)?;
    }
    std::fs::create_dir_all(opts.out.join("points")).map_err(output_err(&opts.out))?;
    match std::fs::remove_file(&csv) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(output_err(&csv)(e)),
        _ => {}
    }

    let bar = (opts.progress && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new(points.len() as u64);
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
    let results: Vec<Result<Summary, String>> = pool.install(|| {
        points
            .par_iter()
            .map(|p| {
                let r = run_point(p, &opts.out);
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

    let mut summaries = Vec::with_capacity(points.len());
    let mut failures = Vec::new();
    for (p, r) in points.iter().zip(results) {
        match r {
            Ok(s) => summaries.push(s),
            Err(e) => failures.push((p.dir_name.clone(), e)),
        }
    }
    if !failures.is_empty() {
        return Err(SweepError::Failed {
            total: points.len(),
            failures,
            csv,
        });
    }
    let text = sweep_csv(&points, &summaries);
    std::fs::write(&csv, &text).map_err(output_err(&csv))?;
    let mut plots = Vec::new();
    if !specs.is_empty() {
        let rows = table::parse_csv(&text);
        let dir = opts.out.join("plots");
        std::fs::create_dir_all(&dir).map_err(output_err(&dir))?;
        for spec in &specs {
            plots.push(crate::plot::sweep::draw(spec, &rows, &dir)?);
        }
    }
    Ok(SweepResult {
        points,
        summaries,
        csv,
        plots,
    })
}

/// Runs one point into its directory. A panic inside the simulator is caught so that it fails
/// this point only, with its message.
fn run_point(p: &Point, out: &Path) -> Result<Summary, String> {
    let opts = RunOptions {
        out: out.join("points").join(&p.dir_name),
        progress: false,
        dump_flows: false,
        check: CheckOptions {
            // Checked once per combination before any point runs.
            force: true,
            deny_warnings: false,
            dump_flows: false,
        },
        print_warnings: false,
    };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run(&p.scenario, &p.source, &opts)
    }));
    match r {
        Ok(Ok(r)) => Ok(r.summary),
        Ok(Err(e)) => Err(match e {
            RunError::Scenario(e) => format!("{e}"),
            e => e.to_string(),
        }),
        Err(panic) => Err(format!(
            "the simulator panicked: {}",
            panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)")
        )),
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
