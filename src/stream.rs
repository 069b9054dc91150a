//! The streaming clients' results (seed 003 §V): each `stream` flow's start-up delay, stalls
//! and stall time in `summary.json`, its buffer level over time in
//! `timeseries/stream-<flow>.csv`, and all of them in `plots/stream-buffer.svg`.

use std::path::Path;

use net_stack::Network;
use net_stack::apps::FlowKind;
use net_stack::report::{Report, StreamReport};
use sim_core::SimTime;

use serde::Serialize;

use crate::build::FlowHandle;
use crate::plot::per_flow::{self, FlowSeries};
use crate::plot::{Chart, Line, PlotError};
use crate::summary::FlowSummary;

/// One stall in `summary.json`.
#[derive(Debug, Serialize)]
pub struct StallSummary {
    /// When the buffer ran empty [s].
    pub start_s: f64,
    /// When playback resumed [s]; null if it had not by the end of the run (or the flow's stop).
    pub end_s: Option<f64>,
    /// Media that was buffered when the data stopped coming [s]: from the last bytes received
    /// before the stall to its start (what the buffer bridged of the outage).
    pub buffered_s: Option<f64>,
}

/// The report of a stream flow's client.
fn report(net: &Network, f: &FlowHandle) -> Option<StreamReport> {
    match net.app(f.sender).report() {
        Report::Stream(r) if f.kind == FlowKind::Stream => Some(r),
        _ => None,
    }
}

/// Fills a stream flow's summary: what the player received (`bytes_delivered`, whole
/// segments as `packets_delivered`), its start-up delay, stalls (one still open at `end`
/// counts to `end`) and the connection's TCP counters.
pub(crate) fn summarise(net: &Network, f: &FlowHandle, s: &mut FlowSummary, end: SimTime) {
    let Some(r) = report(net, f) else { return };
    s.packets_sent = r.counters.packets_sent;
    s.packets_delivered = r.counters.packets_received;
    s.bytes_delivered = r.counters.bytes_received;
    s.requests = Some(r.counters.packets_sent);
    s.answers = Some(r.counters.packets_received);
    s.max_gap_s = Some(r.counters.max_gap.as_secs_f64());
    s.startup_delay_s = r.startup_delay.map(SimTime::as_secs_f64);
    s.stalls = Some(r.stalls.len() as u64);
    s.stall_time_s = Some(r.stall_time(end).as_secs_f64());
    s.stall_periods = Some(
        r.stalls
            .iter()
            .map(|st| StallSummary {
                start_s: st.start.as_secs_f64(),
                end_s: st.end.map(SimTime::as_secs_f64),
                buffered_s: st.last_rx.map(|t| (st.start - t).as_secs_f64()),
            })
            .collect(),
    );
    if let Some(sock) = r.socket {
        let st = net.sockets().get(sock).conn.stats();
        s.retransmissions = Some(st.retransmissions);
        s.timeouts = Some(st.timeouts);
        s.mean_rtt_s = st.mean_rtt().map(SimTime::as_secs_f64);
    }
}

/// Writes `timeseries/stream-<flow>.csv` (time_s, buffer_s, playing) for every stream flow and
/// `plots/stream-buffer.svg` with one line per flow; nothing without one.
pub fn write(net: &Network, flows: &[FlowHandle], out: &Path) -> Result<(), PlotError> {
    let series = flows.iter().filter_map(|f| {
        let r = report(net, f)?;
        let mut csv = String::from("time_s,buffer_s,playing\n");
        let mut points = Vec::with_capacity(r.samples.len());
        for b in &r.samples {
            let (t, level) = (b.at.as_secs_f64(), b.level.as_secs_f64());
            csv += &format!("{t:.9},{level:.9},{}\n", u8::from(b.playing));
            points.push((t, level));
        }
        Some(FlowSeries {
            file: format!("stream-{}.csv", f.name),
            csv,
            line: Line {
                name: f.name.clone(),
                points,
                bars: Vec::new(),
            },
        })
    });
    let chart = Chart {
        title: "Streaming: playout buffer level".into(),
        x_label: "time [s]".into(),
        y_label: "buffered media [s]".into(),
        x_categories: None,
        markers: false,
        lines: Vec::new(),
    };
    per_flow::write(out, series, chart, "stream-buffer.svg")
}
