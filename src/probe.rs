//! The HTTP probe's results (seed 004 Figs. 4–8): each probed VM's response-time series,
//! `timeseries/probe-<flow>.csv`, all of them in one chart, `plots/response-time.svg` (one
//! line per VM, as the paper draws VM1, VM2 and VM3), and the per-migration break time
//! `summary.json` reports as `service_downtime_s`.

use std::path::Path;

use net_stack::Network;
use net_stack::apps::FlowKind;
use net_stack::report::{ProbeSample, Report};
use sim_core::SimTime;

use crate::build::FlowHandle;
use crate::plot::per_flow::{self, FlowSeries};
use crate::plot::{Chart, Line, PlotError};

/// The break a migration caused, as the probe saw it: the longest response time among the
/// requests waiting at some instant of [`from`, `to`] (`to` = `None`: unfinished, to the end
/// of the run). A request still unanswered at `run_end` counts with its wait so far.
pub fn peak_response(
    samples: &[ProbeSample],
    from: SimTime,
    to: Option<SimTime>,
    run_end: SimTime,
) -> SimTime {
    let to = to.unwrap_or(run_end);
    samples
        .iter()
        .filter(|s| s.start <= to && s.answered.unwrap_or(run_end) >= from)
        .map(|s| s.answered.unwrap_or(run_end).saturating_sub(s.start))
        .max()
        .unwrap_or(SimTime::ZERO)
}

/// The samples of an http-probe flow's sender.
fn samples(net: &Network, f: &FlowHandle) -> Option<Vec<ProbeSample>> {
    match net.app(f.sender).report() {
        Report::HttpProbe(p) if f.kind == FlowKind::HttpProbe => Some(p.samples),
        _ => None,
    }
}

/// Writes `timeseries/probe-<flow>.csv` (start_s, response_s or empty, attempts) for every
/// http-probe flow and `plots/response-time.svg` with one line per flow (x: when the request
/// began; y: its response time); nothing without one.
pub fn write(net: &Network, flows: &[FlowHandle], out: &Path) -> Result<(), PlotError> {
    let series = flows.iter().filter_map(|f| {
        let samples = samples(net, f)?;
        let mut csv = String::from("start_s,response_s,attempts\n");
        let mut points = Vec::with_capacity(samples.len());
        for s in &samples {
            let rt = s.response_time().map(SimTime::as_secs_f64);
            let shown = rt.map_or(String::new(), |r| format!("{r:.9}"));
            csv += &format!("{:.9},{shown},{}\n", s.start.as_secs_f64(), s.attempts);
            if let Some(r) = rt {
                points.push((s.start.as_secs_f64(), r));
            }
        }
        let name = f.name.strip_suffix("-workload").unwrap_or(&f.name);
        Some(FlowSeries {
            file: format!("probe-{}.csv", f.name),
            csv,
            line: Line {
                name: name.to_string(),
                points,
                bars: Vec::new(),
            },
        })
    });
    let chart = Chart {
        title: "HTTP probe: response time per request".into(),
        x_label: "request start [s]".into(),
        y_label: "response time [s]".into(),
        x_categories: None,
        markers: false,
        lines: Vec::new(),
    };
    per_flow::write(out, series, chart, "response-time.svg")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(start_ms: u64, answered_ms: Option<u64>) -> ProbeSample {
        ProbeSample {
            start: SimTime::from_ms(start_ms),
            answered: answered_ms.map(SimTime::from_ms),
            attempts: 1,
        }
    }

    /// Only requests waiting during the window count; an unanswered one waits to the run's
    /// end; two migrations of one VM get one value each.
    #[test]
    fn peak_is_taken_within_each_window() {
        let samples = [
            s(0, Some(5)),
            s(1000, Some(19_000)), // first migration's break: 18 s
            s(19_100, Some(19_105)),
            s(40_000, Some(65_000)), // second: 25 s
            s(70_000, None),         // cut off at the run's end (75 s): 5 s
        ];
        let end = SimTime::from_secs(75);
        let w = |a: u64, b: Option<u64>| {
            peak_response(
                &samples,
                SimTime::from_secs(a),
                b.map(SimTime::from_secs),
                end,
            )
        };
        assert_eq!(w(1, Some(19)), SimTime::from_secs(18));
        assert_eq!(w(40, Some(65)), SimTime::from_secs(25));
        assert_eq!(w(66, None), SimTime::from_secs(5));
        assert_eq!(w(20, Some(30)), SimTime::ZERO, "nothing waiting");
    }
}
