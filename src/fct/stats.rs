//! Slowdown statistics from `fct.csv`, read as a stream (memory does not grow with the
//! number of flows): per flow-size bucket the count and the p50 / p99 / p99.9 slowdown
//! (hdrhistogram, three significant digits), the same within and outside each migration's
//! window, and a timeline of p99 in sliding windows for the plot.
//!
//! The percentiles are over the **completed** flows only (a flow still running at the end
//! has no FCT; HPCC's and Parsimon's scripts do the same), so every bucket also counts the
//! flows it left out: `unfinished` (still running at the end) beside `completed`. A bucket
//! whose `unfinished` is not small against `completed` × (1 − q) has a qth percentile that
//! understates its tail.

use std::io::{BufRead, BufReader};
use std::path::Path;

use hdrhistogram::Histogram;
use serde::Serialize;

use super::WorkloadHandle;

/// Slowdowns are kept in thousandths (1.000 → 1000) up to a million.
const SCALE: f64 = 1000.0;
const MAX: u64 = 1_000_000_000;
/// Sliding windows of the timeline: this many window widths over the run, each moved by half
/// a width.
const TIMELINE_WIDTHS: u32 = 20;

/// One flow-size bucket.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BucketSummary {
    /// Sizes above this [bytes] (0 for the first bucket).
    pub above_bytes: u64,
    /// Sizes up to this [bytes]; null for the last bucket.
    pub up_to_bytes: Option<u64>,
    /// Flows started with a size in the bucket.
    pub flows: u64,
    /// Of which completed.
    pub completed: u64,
    /// Of which still running at the end of the run (status `unfinished` in `fct.csv`): left
    /// out of the percentiles, which are over the completed flows. The rest of `flows` were
    /// reset.
    pub unfinished: u64,
    /// Slowdown percentiles of the completed flows (null when none).
    pub p50_slowdown: Option<f64>,
    /// 99th percentile.
    pub p99_slowdown: Option<f64>,
    /// 99.9th percentile.
    pub p999_slowdown: Option<f64>,
    /// The smallest slowdown (≥ 1: the ideal is a lower bound).
    pub min_slowdown: Option<f64>,
}

/// The flows that started while a migration ran, and the others.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MigrationWindow {
    /// The VM.
    pub vm: String,
    /// The window [s].
    pub start_s: f64,
    /// End [s] (the end of the run if unfinished).
    pub end_s: f64,
    /// Buckets of the flows that started within the window.
    pub within: Vec<BucketSummary>,
    /// Buckets of the others.
    pub outside: Vec<BucketSummary>,
}

/// One `[[workload]]` in `summary.json`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WorkloadSummary {
    /// Its name.
    pub name: String,
    /// Its pattern.
    pub pattern: &'static str,
    /// Flows started.
    pub flows: u64,
    /// Completed.
    pub completed: u64,
    /// Still running at the end (in `fct.csv` with the bytes they delivered).
    pub unfinished: u64,
    /// Reset or given up.
    pub reset: u64,
    /// Retransmissions of its flows, summed over `fct.csv` (an unfinished flow's row counts
    /// 0: its counters are not read until it ends).
    pub retransmissions: u64,
    /// Retransmission timeouts of its flows, summed the same way.
    pub timeouts: u64,
    /// Bytes of the flows started.
    pub bytes_offered: u64,
    /// Bytes delivered.
    pub bytes_delivered: u64,
    /// Every flow, whatever its size (`above_bytes` 0, `up_to_bytes` null).
    pub overall: BucketSummary,
    /// Per size bucket.
    pub buckets: Vec<BucketSummary>,
    /// Per migration.
    pub migrations: Vec<MigrationWindow>,
    /// (window centre [s], p99 slowdown of the flows that started in the window), for the
    /// timeline plot.
    #[serde(skip)]
    pub timeline: Vec<(f64, f64)>,
    /// Per bucket, (slowdown, cumulative fraction) points of the CDF, for the plot.
    #[serde(skip)]
    pub cdfs: Vec<Vec<(f64, f64)>>,
}

impl WorkloadSummary {
    /// The console's line for this workload (`netsim run`): the flows completed of those
    /// started, the unfinished and reset ones that the percentiles leave out, and the p50 and
    /// p99 slowdown of the completed flows.
    pub fn console_line(&self) -> String {
        let p = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
        format!(
            "workload {} ({}): {} of {} flows completed ({} unfinished, {} reset: not in the \
             percentiles), slowdown of the completed p50 {} p99 {} (fct.csv)",
            self.name,
            self.pattern,
            self.completed,
            self.flows,
            self.unfinished,
            self.reset,
            p(self.overall.p50_slowdown),
            p(self.overall.p99_slowdown)
        )
    }
}

#[derive(Clone)]
struct Acc {
    flows: u64,
    completed: u64,
    unfinished: u64,
    hist: Histogram<u64>,
    min: Option<f64>,
}

impl Acc {
    fn new() -> Acc {
        Acc {
            flows: 0,
            completed: 0,
            unfinished: 0,
            hist: Histogram::new_with_bounds(1, MAX, 3).expect("valid bounds"),
            min: None,
        }
    }

    fn add(&mut self, slowdown: Option<f64>, unfinished: bool) {
        self.flows += 1;
        self.unfinished += u64::from(unfinished);
        if let Some(s) = slowdown {
            self.completed += 1;
            self.hist
                .saturating_record(((s * SCALE).round() as u64).clamp(1, MAX));
            self.min = Some(self.min.map_or(s, |m: f64| m.min(s)));
        }
    }

    fn summary(&self, above: u64, up_to: Option<u64>) -> BucketSummary {
        let q =
            |q: f64| (self.completed > 0).then(|| self.hist.value_at_quantile(q) as f64 / SCALE);
        BucketSummary {
            above_bytes: above,
            up_to_bytes: up_to,
            flows: self.flows,
            completed: self.completed,
            unfinished: self.unfinished,
            p50_slowdown: q(0.5),
            p99_slowdown: q(0.99),
            p999_slowdown: q(0.999),
            min_slowdown: self.min,
        }
    }
}

fn bucket_of(edges: &[u64], size: u64) -> usize {
    edges.partition_point(|&e| e < size)
}

fn summaries(edges: &[u64], accs: &[Acc]) -> Vec<BucketSummary> {
    accs.iter()
        .enumerate()
        .map(|(i, a)| {
            let above = if i == 0 { 0 } else { edges[i - 1] };
            a.summary(above, edges.get(i).copied())
        })
        .collect()
}

/// One record's fields the statistics need.
struct Row<'a> {
    workload: &'a str,
    size: u64,
    start_s: f64,
    slowdown: Option<f64>,
    status: &'a str,
    retransmissions: u64,
    timeouts: u64,
    delivered: u64,
}

fn parse(line: &str) -> Option<Row<'_>> {
    let f: Vec<&str> = line.split(',').collect();
    if f.len() != 14 {
        return None;
    }
    Some(Row {
        workload: f[1],
        size: f[4].parse().ok()?,
        start_s: f[5].parse().ok()?,
        slowdown: if f[9].is_empty() {
            None
        } else {
            Some(f[9].parse().ok()?)
        },
        retransmissions: f[10].parse().ok()?,
        timeouts: f[11].parse().ok()?,
        delivered: f[12].parse().ok()?,
        status: f[13],
    })
}

/// Reads `fct` once and summarises each workload of `handles`.
pub fn analyse(
    fct: &Path,
    handles: &[WorkloadHandle],
    migrations: &[(String, f64, f64)],
    end_s: f64,
) -> std::io::Result<Vec<WorkloadSummary>> {
    let width = (end_s / f64::from(TIMELINE_WIDTHS)).max(1e-12);
    let n_windows = 2 * TIMELINE_WIDTHS as usize;
    struct W {
        overall: Acc,
        all: Vec<Acc>,
        within: Vec<Vec<Acc>>,
        outside: Vec<Vec<Acc>>,
        windows: Vec<Histogram<u64>>,
        unfinished: u64,
        reset: u64,
        retransmissions: u64,
        timeouts: u64,
        offered: u64,
        delivered: u64,
    }
    let mut ws: Vec<W> = handles
        .iter()
        .map(|h| {
            let b = vec![Acc::new(); h.buckets.len() + 1];
            W {
                overall: Acc::new(),
                all: b.clone(),
                within: vec![b.clone(); migrations.len()],
                outside: vec![b; migrations.len()],
                windows: vec![
                    Histogram::new_with_bounds(1, MAX, 2).expect("valid bounds");
                    n_windows
                ],
                unfinished: 0,
                reset: 0,
                retransmissions: 0,
                timeouts: 0,
                offered: 0,
                delivered: 0,
            }
        })
        .collect();
    let reader = BufReader::new(std::fs::File::open(fct)?);
    for line in reader.lines().skip(1) {
        let line = line?;
        let Some(r) = parse(&line) else {
            return Err(std::io::Error::other(format!(
                "malformed line in fct.csv: {line}"
            )));
        };
        let Some(k) = handles.iter().position(|h| h.name == r.workload) else {
            continue;
        };
        let (h, w) = (&handles[k], &mut ws[k]);
        let b = bucket_of(&h.buckets, r.size);
        let unfinished = r.status == "unfinished";
        w.all[b].add(r.slowdown, unfinished);
        w.overall.add(r.slowdown, unfinished);
        w.offered += r.size;
        w.delivered += r.delivered;
        w.retransmissions += r.retransmissions;
        w.timeouts += r.timeouts;
        match r.status {
            "unfinished" => w.unfinished += 1,
            "reset" => w.reset += 1,
            _ => {}
        }
        for (m, &(_, from, to)) in migrations.iter().enumerate() {
            let side = if r.start_s >= from && r.start_s <= to {
                &mut w.within[m]
            } else {
                &mut w.outside[m]
            };
            side[b].add(r.slowdown, unfinished);
        }
        if let Some(s) = r.slowdown {
            // Windows [j·width/2, j·width/2 + width): each start is in two of them.
            let j = (r.start_s / (width / 2.0)).floor() as usize;
            for win in [j.wrapping_sub(1), j] {
                if let Some(hist) = w.windows.get_mut(win) {
                    hist.saturating_record(((s * SCALE).round() as u64).clamp(1, MAX));
                }
            }
        }
    }
    Ok(handles
        .iter()
        .zip(ws)
        .map(|(h, w)| {
            let cdfs = w
                .all
                .iter()
                .map(|a| {
                    let n = a.hist.len().max(1) as f64;
                    let mut seen = 0u64;
                    a.hist
                        .iter_recorded()
                        .map(|v| {
                            seen += v.count_at_value();
                            (v.value_iterated_to() as f64 / SCALE, seen as f64 / n)
                        })
                        .collect()
                })
                .collect();
            let timeline = w
                .windows
                .iter()
                .enumerate()
                .filter(|(_, hist)| !hist.is_empty())
                .map(|(j, hist)| {
                    let centre = j as f64 * width / 2.0 + width / 2.0;
                    (centre, hist.value_at_quantile(0.99) as f64 / SCALE)
                })
                .collect();
            WorkloadSummary {
                name: h.name.clone(),
                pattern: h.pattern,
                flows: w.all.iter().map(|a| a.flows).sum(),
                completed: w.all.iter().map(|a| a.completed).sum(),
                unfinished: w.unfinished,
                reset: w.reset,
                retransmissions: w.retransmissions,
                timeouts: w.timeouts,
                bytes_offered: w.offered,
                bytes_delivered: w.delivered,
                overall: w.overall.summary(0, None),
                buckets: summaries(&h.buckets, &w.all),
                migrations: migrations
                    .iter()
                    .enumerate()
                    .map(|(m, (vm, from, to))| MigrationWindow {
                        vm: vm.clone(),
                        start_s: *from,
                        end_s: *to,
                        within: summaries(&h.buckets, &w.within[m]),
                        outside: summaries(&h.buckets, &w.outside[m]),
                    })
                    .collect(),
                timeline,
                cdfs,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bucket edges are inclusive upper bounds: 10 000 bytes is in the first bucket.
    #[test]
    fn buckets_are_upper_inclusive() {
        let e = [10_000, 100_000];
        assert_eq!(
            [1, 10_000, 10_001, 100_000, 100_001].map(|s| bucket_of(&e, s)),
            [0, 0, 1, 1, 2]
        );
    }

    /// The console line says how many flows the percentiles leave out.
    #[test]
    fn console_line_names_the_flows_left_out() {
        let mut a = Acc::new();
        a.add(Some(2.0), false);
        a.add(None, true);
        let w = WorkloadSummary {
            name: "ws".into(),
            pattern: "all-to-all",
            flows: 3,
            completed: 1,
            unfinished: 1,
            reset: 1,
            retransmissions: 0,
            timeouts: 0,
            bytes_offered: 0,
            bytes_delivered: 0,
            overall: a.summary(0, None),
            buckets: Vec::new(),
            migrations: Vec::new(),
            timeline: Vec::new(),
            cdfs: Vec::new(),
        };
        assert_eq!(
            w.console_line(),
            "workload ws (all-to-all): 1 of 3 flows completed (1 unfinished, 1 reset: not in \
             the percentiles), slowdown of the completed p50 2.00 p99 2.00 (fct.csv)"
        );
    }

    /// Percentiles of a known set: slowdowns 1..=1000 in thousandths have p50 500 and p99
    /// 990 within hdrhistogram's three digits.
    #[test]
    fn percentiles_of_a_known_set() {
        let mut a = Acc::new();
        for s in 1..=1000 {
            a.add(Some(f64::from(s)), false);
        }
        a.add(None, true);
        a.add(None, false);
        let b = a.summary(0, None);
        assert_eq!(
            (b.flows, b.completed, b.unfinished, b.min_slowdown),
            (1002, 1000, 1, Some(1.0))
        );
        assert!((b.p50_slowdown.unwrap() - 500.0).abs() <= 0.5, "{b:?}");
        assert!((b.p99_slowdown.unwrap() - 990.0).abs() <= 1.0, "{b:?}");
    }
}
