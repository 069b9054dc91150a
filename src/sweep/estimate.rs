//! `netsim sweep … --estimate`: sizing a cluster job before submitting it.
//!
//! For each distinct configuration (each combination of swept values; the seeds of one
//! combination cost alike) one short point runs — the first tenth of its simulated time — in a
//! child process, measured like `netsim bench` (wall time, events, peak RSS). A point's time is
//! the larger of two extrapolations: linear in simulated time, and netsim's estimate of the
//! whole run's events at the short run's time per event (a workload's first tenth is a
//! warm-up with fewer flows in flight, which the linear one undercounts); its memory is the larger of the short run's peak
//! RSS and netsim's own estimate of the model's memory for the whole run. The suggestion covers
//! the largest configuration with a margin: `--time` = 1.5 × the longest extrapolated time + 1
//! minute (whole minutes), `--mem` = 1.5 × the largest memory (whole 64 MiB).
//!
//! Linear extrapolation is right for steady load; a scenario whose load changes late in the
//! run (a migration after the first tenth) is measured from its beginning only, which the
//! margin may not cover. Check one full point (`netsim run` with its overrides) when in doubt.

use sim_core::SimTime;

use crate::bench::BenchOptions;
use crate::estimate::Resource;

use super::{SweepError, SweepOptions};

/// The share of simulated time a short run covers: 1/`FRACTION`.
pub const FRACTION: u64 = 10;

/// One measured configuration.
#[derive(Debug, Clone)]
pub struct ConfigEstimate {
    /// Its swept values, `key=value, …`.
    pub label: String,
    /// The short run's simulated time.
    pub short: SimTime,
    /// The short run's wall time, seconds.
    pub short_wall_s: f64,
    /// A whole point's wall time, extrapolated, seconds.
    pub wall_s: f64,
    /// The short run's peak RSS, bytes.
    pub peak_rss_bytes: u64,
    /// netsim's estimate of the model's memory over the whole run, bytes.
    pub model_bytes: f64,
}

/// What `--estimate` found and suggests.
#[derive(Debug, Clone)]
pub struct SweepEstimate {
    /// Every configuration, in point order.
    pub configs: Vec<ConfigEstimate>,
    /// Points in the sweep.
    pub points: usize,
    /// Suggested `--time` (Slurm's `[D-]HH:MM:SS`).
    pub time: String,
    /// Suggested `--mem` (Slurm's `<MiB>M`).
    pub mem: String,
}

/// Runs the short points and makes the suggestion.
pub fn estimate(opts: &SweepOptions) -> Result<SweepEstimate, SweepError> {
    let plan = super::plan(opts)?;
    let exe = std::env::current_exe().map_err(|e| SweepError::Submit {
        message: format!("cannot find the netsim binary to measure with: {e}"),
    })?;
    let mut configs: Vec<ConfigEstimate> = Vec::new();
    let mut seen: Vec<&Vec<(String, String)>> = Vec::new();
    for p in &plan.points {
        if seen.contains(&&p.values) {
            continue;
        }
        seen.push(&p.values);
        let short = SimTime::from_ps((p.scenario.duration.as_ps() / FRACTION).max(1));
        let mut sets = p.sets.clone();
        sets.push(format!("duration={short}"));
        let rows = crate::bench::bench(&BenchOptions {
            exe: exe.clone(),
            scenarios: vec![opts.scenario_ref()],
            sets,
            repeat: 1,
            progress: false,
        })?;
        let row = rows.first().expect("one scenario, one row");
        let check = crate::build::CheckOptions {
            force: true,
            ..opts.check
        };
        let report = crate::build::check(&p.scenario, &p.source, &check)?;
        let wall_s = point_wall_s(
            (row.wall_s, row.events, short),
            p.scenario.duration,
            report.estimate.total(Resource::Events),
        );
        let label = p
            .values
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ");
        configs.push(ConfigEstimate {
            label: if label.is_empty() {
                "(no swept key)".into()
            } else {
                label
            },
            short,
            short_wall_s: row.wall_s,
            wall_s,
            peak_rss_bytes: row.peak_rss_bytes,
            model_bytes: report.estimate.total(Resource::Memory),
        });
    }
    let wall = configs.iter().map(|c| c.wall_s).fold(0.0, f64::max);
    let mem = configs
        .iter()
        .map(|c| (c.peak_rss_bytes as f64).max(c.model_bytes))
        .fold(0.0, f64::max);
    Ok(SweepEstimate {
        configs,
        points: plan.points.len(),
        time: slurm_time(suggested_secs(wall)),
        mem: format!("{}M", suggested_mib(mem)),
    })
}

/// A whole point's wall time [s] from its short run (`wall_s`, `events`, simulated `short`):
/// the larger of the linear extrapolation to `duration` and the whole run's `estimated_events`
/// at the short run's time per event.
fn point_wall_s(
    (wall_s, events, short): (f64, u64, SimTime),
    duration: SimTime,
    estimated_events: f64,
) -> f64 {
    let linear = wall_s * duration.as_secs_f64() / short.as_secs_f64();
    let by_events = if events > 0 {
        estimated_events * wall_s / events as f64
    } else {
        0.0
    };
    linear.max(by_events)
}

/// 1.5 × `wall_s` + 60 s, rounded up to whole minutes.
pub fn suggested_secs(wall_s: f64) -> u64 {
    let secs = (wall_s * 1.5 + 60.0).ceil() as u64;
    secs.div_ceil(60) * 60
}

/// 1.5 × `bytes`, in MiB rounded up to a multiple of 64 (at least 64).
pub fn suggested_mib(bytes: f64) -> u64 {
    let mib = (bytes * 1.5 / (1u64 << 20) as f64).ceil() as u64;
    mib.div_ceil(64).max(1) * 64
}

/// Seconds in Slurm's time format: `HH:MM:SS`, or `D-HH:MM:SS` from a day on.
pub fn slurm_time(secs: u64) -> String {
    let (d, rest) = (secs / 86_400, secs % 86_400);
    let hms = format!(
        "{:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    );
    if d > 0 { format!("{d}-{hms}") } else { hms }
}

impl SweepEstimate {
    /// The report `--estimate` prints.
    pub fn describe(&self) -> String {
        let mut out = format!(
            "{} configurations measured (1/{FRACTION} of the simulated time each):\n",
            self.configs.len()
        );
        for c in &self.configs {
            out += &format!(
                "  {}: {} simulated in {:.2} s -> a point takes about {:.1} s; peak RSS {:.0} MiB, \
                 model estimate {:.0} MiB\n",
                c.label,
                c.short,
                c.short_wall_s,
                c.wall_s,
                c.peak_rss_bytes as f64 / (1u64 << 20) as f64,
                c.model_bytes / (1u64 << 20) as f64
            );
        }
        out += &format!(
            "suggested for each of the {} points: --time {} --mem {}\n",
            self.points, self.time, self.mem
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Steady load: the linear extrapolation. A warm-up (a workload's first tenth holds a
    /// third of the events per simulated second of the whole run): the events' one.
    #[test]
    fn point_time_takes_the_larger_extrapolation() {
        let (tenth, whole) = (SimTime::from_ms(100), SimTime::from_secs(1));
        assert_eq!(point_wall_s((0.5, 1_000, tenth), whole, 10_000.0), 5.0);
        assert_eq!(point_wall_s((0.5, 1_000, tenth), whole, 30_000.0), 15.0);
        assert_eq!(point_wall_s((0.5, 0, tenth), whole, 30_000.0), 5.0);
    }

    /// The margins: ×1.5 + 1 minute in whole minutes; ×1.5 in whole 64 MiB.
    #[test]
    fn suggestions_have_margins() {
        assert_eq!(suggested_secs(0.0), 60);
        assert_eq!(suggested_secs(40.0), 120);
        assert_eq!(suggested_secs(3600.0), 5460);
        assert_eq!(suggested_mib(100.0 * 1048576.0), 192);
        assert_eq!(suggested_mib(0.0), 64);
        assert_eq!(slurm_time(5460), "01:31:00");
        assert_eq!(slurm_time(90_061), "1-01:01:01");
    }
}
