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
//!                              | Dns(DnsReport) | Stream(StreamReport)
//!                              | Counters(AppReport)            (on-off, servers, coordinators)
//! ```

mod migration;
mod service_window;
mod storage;
mod stream;

pub use migration::{Algorithm, MigrationReport, RoundRecord, StopReason};
pub use service_window::{GapWindow, ServiceWindows};
pub use storage::{Storage, StorageReport};
pub use stream::{BufferSample, Stall, StreamReport};

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
    /// A DNS-like query client ([`crate::apps::DnsClient`]).
    Dns(DnsReport),
    /// A streaming client ([`crate::apps::StreamClient`]): start-up, stalls, buffer level.
    Stream(StreamReport),
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
            Report::Dns(r) => r.counters.clone(),
            Report::Stream(r) => r.counters.clone(),
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
    /// Each answered request: (send time, RTT), in the order the replies came.
    pub echoes: Vec<(SimTime, SimTime)>,
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

/// A DNS-like client's results ([`crate::apps::DnsClient`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DnsReport {
    /// Queries sent (`packets_sent`) and answers received, late ones included
    /// (`packets_received`).
    pub counters: AppReport,
    /// How long a query waits for its answer.
    pub timeout: SimTime,
    /// The RTT of each query answered within the timeout, in arrival order.
    pub rtts: Vec<SimTime>,
    /// Send times of the queries not answered within the timeout (late ones included), and
    /// of those still waiting at the end, in order.
    pub unanswered: Vec<SimTime>,
    /// Answers that arrived after their query's timeout.
    pub late: u64,
    /// Answers for no waiting query (a duplicate, or a slot reused since).
    pub stray: u64,
}

impl DnsReport {
    /// Queries sent.
    pub fn queries(&self) -> u64 {
        self.counters.packets_sent
    }

    /// Queries answered within the timeout.
    pub fn answered(&self) -> u64 {
        self.rtts.len() as u64
    }

    /// Queries lost by the end of a run at `end`: unanswered although their timeout had
    /// passed (sent at or before `end − timeout`).
    pub fn lost(&self, end: SimTime) -> u64 {
        self.unanswered
            .iter()
            .filter(|&&t| t + self.timeout <= end)
            .count() as u64
    }

    /// `lost(end)` as a percentage of the queries whose fate is known at `end` (answered or
    /// lost); 0 with none.
    pub fn loss_pct(&self, end: SimTime) -> f64 {
        let lost = self.lost(end);
        let known = self.answered() + lost;
        if known == 0 {
            0.0
        } else {
            lost as f64 * 100.0 / known as f64
        }
    }

    /// Mean RTT of the answered queries.
    pub fn rtt_mean(&self) -> Option<SimTime> {
        let n = self.rtts.len() as u128;
        let sum: u128 = self.rtts.iter().map(|t| u128::from(t.as_ps())).sum();
        (n > 0).then(|| SimTime::from_ps((sum / n) as u64))
    }

    /// The 99th percentile of the RTTs (nearest rank: the ⌈0.99·n⌉-th smallest).
    pub fn rtt_p99(&self) -> Option<SimTime> {
        let mut v = self.rtts.clone();
        let n = v.len();
        if n == 0 {
            return None;
        }
        let rank = (99 * n).div_ceil(100);
        Some(*v.select_nth_unstable(rank - 1).1)
    }
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

    /// DNS loss counts only queries whose timeout has passed; the percentage is over the
    /// queries with a known fate; p99 is the nearest rank (the 99th of 100 samples, the
    /// 100th of 101).
    #[test]
    fn dns_derived_values() {
        let ms = SimTime::from_ms;
        let mut r = DnsReport {
            timeout: ms(10),
            unanswered: vec![ms(1), ms(95)],
            rtts: (1..=100).map(SimTime::from_us).collect(),
            ..DnsReport::default()
        };
        assert_eq!(
            r.lost(ms(100)),
            1,
            "the query of 95 ms may still be answered"
        );
        assert_eq!(r.lost(ms(105)), 2, "the cutoff is inclusive");
        assert!((r.loss_pct(ms(100)) - 100.0 / 101.0).abs() < 1e-12);
        assert_eq!(r.rtt_mean(), Some(SimTime::from_ns(50_500)));
        assert_eq!(r.rtt_p99(), Some(SimTime::from_us(99)));
        r.rtts.push(SimTime::from_us(101));
        assert_eq!(
            r.rtt_p99(),
            Some(SimTime::from_us(100)),
            "⌈0.99 · 101⌉ = 100"
        );
        assert_eq!(DnsReport::default().rtt_p99(), None);
    }
}
