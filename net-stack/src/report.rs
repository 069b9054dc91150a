//! What applications report: one plain result struct per kind of application, gathered in
//! the [`Report`] enum that [`crate::app::Application::report`] returns.
//!
//! Result collection (the root package's `summary.json`, flow traces, tests) matches on the
//! kind instead of downcasting to concrete application types, and a kind's report carries
//! everything read about it — the counters every application keeps ([`AppReport`]), the TCP
//! socket whose statistics describe a flow, round-trip times, a migration's rounds.
//!
//! ```text
//!   Application::report() ──► Report::Bulk(BulkReport) | Ping(PingReport) | Sink(SinkReport)
//!                              | RequestClient(RequestReport) | Migration(MigrationReport)
//!                              | Counters(AppReport)            (on-off, servers, coordinators)
//! ```

mod migration;

pub use migration::{Algorithm, MigrationReport, RoundRecord, StopReason};

use sim_core::SimTime;

use crate::app::AppReport;
use crate::apps::RttStats;
use crate::socket::SocketId;

/// An application's results, by kind; see the [module docs](self).
#[derive(Clone, Debug, PartialEq)]
pub enum Report {
    /// Only the common counters: UDP sources, servers, and components that send nothing.
    Counters(AppReport),
    /// A TCP bulk sender ([`crate::apps::BulkSend`]).
    Bulk(BulkReport),
    /// An ICMP echo client ([`crate::apps::Ping`]).
    Ping(PingReport),
    /// A receiver that counts what arrives ([`crate::apps::PacketSink`]).
    Sink(SinkReport),
    /// A request-response client ([`crate::apps::RequestClient`]).
    RequestClient(RequestReport),
    /// A VM's live migration (the `vm` crate's migration application).
    Migration(MigrationReport),
    /// An HTTP-like probe ([`crate::apps::HttpProbe`]): a new connection per request.
    HttpProbe(ProbeReport),
    /// A workload generator's counters ([`crate::apps::workload::WorkloadGen`]).
    Workload(crate::apps::workload::WorkloadReport),
}

impl Report {
    /// The counters every kind keeps. A migration reports the bytes it handed to TCP as sent.
    pub fn counters(&self) -> AppReport {
        match self {
            Report::Counters(c) => c.clone(),
            Report::Bulk(r) => r.counters.clone(),
            Report::Ping(r) => r.counters.clone(),
            Report::Sink(r) => r.counters.clone(),
            Report::RequestClient(r) => r.counters.clone(),
            Report::HttpProbe(r) => r.request.counters.clone(),
            Report::Workload(r) => AppReport {
                bytes_sent: r.bytes_offered,
                bytes_received: r.bytes_delivered,
                ..AppReport::default()
            },
            Report::Migration(r) => AppReport {
                bytes_sent: r.bytes_written,
                ..AppReport::default()
            },
        }
    }
}

/// A TCP bulk sender's results.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BulkReport {
    /// Bytes written into the socket as `bytes_sent`.
    pub counters: AppReport,
    /// The connection, once opened (its statistics are the flow's TCP counters).
    pub socket: Option<SocketId>,
    /// When the handshake completed.
    pub connected: Option<SimTime>,
    /// When a finite transfer completed: every byte written and acknowledged.
    pub finished: Option<SimTime>,
}

/// A ping's results.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PingReport {
    /// Requests sent and replies received.
    pub counters: AppReport,
    /// Round-trip statistics over the replies, if any.
    pub rtt: Option<RttStats>,
    /// Send times of the requests never answered, oldest first.
    pub unanswered: Vec<SimTime>,
}

impl PingReport {
    /// Requests that got no reply, not counting those sent after `cutoff` (still in flight
    /// when the run ended).
    pub fn lost(&self, cutoff: SimTime) -> u64 {
        self.unanswered.iter().filter(|&&t| t <= cutoff).count() as u64
    }
}

/// A packet sink's results.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SinkReport {
    /// What arrived: UDP datagrams (packets and payload bytes) or TCP bytes in order.
    pub counters: AppReport,
    /// Smallest and largest one-way delay of the UDP datagrams (creation → delivery).
    pub delay_range: Option<(SimTime, SimTime)>,
    /// Mean one-way delay of the UDP datagrams.
    pub mean_delay: Option<SimTime>,
}

/// A request-response client's results.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestReport {
    /// Requests sent (`packets_sent`), answers received (`packets_received`), response bytes
    /// (`bytes_received`), the longest time between two answers (`max_gap`).
    pub counters: AppReport,
    /// The connection, once opened.
    pub socket: Option<SocketId>,
    /// Mean time from a request to its whole answer.
    pub mean_response_time: Option<SimTime>,
    /// Longest time from a request to its whole answer.
    pub max_response_time: SimTime,
}

/// One request of an HTTP-like probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProbeSample {
    /// When the request (its first attempt) began.
    pub start: SimTime,
    /// When its whole answer arrived; `None` while outstanding.
    pub answered: Option<SimTime>,
    /// Connections tried for it (1 + application timeouts).
    pub attempts: u32,
}

impl ProbeSample {
    /// The response time a user saw: answer − start (retries included).
    pub fn response_time(&self) -> Option<SimTime> {
        self.answered.map(|a| a - self.start)
    }
}

/// An HTTP-like probe's results.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProbeReport {
    /// Requests (`packets_sent`), answers (`packets_received`), the longest time between two
    /// answers (`max_gap`), mean and longest response time; no one socket (`socket` is none).
    pub request: RequestReport,
    /// Every request, in start order.
    pub samples: Vec<ProbeSample>,
    /// Attempts abandoned at the application timeout.
    pub timeouts: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ping's loss count leaves out requests sent after the cutoff; a migration's counters
    /// are what it handed to TCP.
    #[test]
    fn derived_values() {
        let p = PingReport {
            unanswered: vec![SimTime::from_ms(1), SimTime::from_ms(5)],
            ..PingReport::default()
        };
        assert_eq!(p.lost(SimTime::from_ms(4)), 1);
        assert_eq!(p.lost(SimTime::from_ms(5)), 2, "the cutoff is inclusive");
        let mut m = MigrationReport::new(Algorithm::Precopy, false);
        m.bytes_written = 42;
        assert_eq!(Report::Migration(m).counters().bytes_sent, 42);
    }
}
