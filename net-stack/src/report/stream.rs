//! A streaming client's results ([`crate::apps::StreamClient`]).

use sim_core::SimTime;

use crate::app::AppReport;
use crate::socket::SocketId;

/// One stall of playback: the buffer ran empty at `start`; playback resumed at `end`
/// (`None`: still stalled when the report was taken). `start − last_rx` is the media that was
/// buffered when the data stopped coming (the playout time the buffer bridged).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stall {
    /// When the last bytes before the stall arrived (`None`: nothing had arrived).
    pub last_rx: Option<SimTime>,
    /// When the buffer ran empty.
    pub start: SimTime,
    /// When playback resumed, or the flow stopped.
    pub end: Option<SimTime>,
}

impl Stall {
    /// Its length, an unfinished one counted to `run_end`.
    pub fn length(&self, run_end: SimTime) -> SimTime {
        self.end.unwrap_or(run_end).saturating_sub(self.start)
    }
}

/// The playout buffer at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferSample {
    /// When.
    pub at: SimTime,
    /// Media buffered [s of playout, as a time].
    pub level: SimTime,
    /// Whether playback was running.
    pub playing: bool,
}

/// A streaming client's results.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StreamReport {
    /// Segment requests sent (`packets_sent`, `bytes_sent`), whole segments and media bytes
    /// received (`packets_received`, `bytes_received`), the longest silence (`max_gap`) and
    /// its migration windows.
    pub counters: AppReport,
    /// The connection, once opened.
    pub socket: Option<SocketId>,
    /// From the flow's start to the start of playback; `None` if it never started.
    pub startup_delay: Option<SimTime>,
    /// Every stall, in order.
    pub stalls: Vec<Stall>,
    /// The buffer level over time (every 10 ms of deliveries and at each change of state).
    pub samples: Vec<BufferSample>,
}

impl StreamReport {
    /// Total time stalled, an unfinished stall counted to `run_end`.
    pub fn stall_time(&self, run_end: SimTime) -> SimTime {
        self.stalls
            .iter()
            .fold(SimTime::ZERO, |acc, s| acc + s.length(run_end))
    }
}
