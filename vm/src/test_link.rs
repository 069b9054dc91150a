//! A scripted fake transport for the engines' tests: a FIFO pipe that serialises each write at
//! `rate` (exact [`DataRate::tx_time`], one write after another, never idle while data waits)
//! and acknowledges each write `rtt` after its last byte left. It reports transmissions and
//! acknowledgements at write granularity, which is all the engines look at (round ends).

use std::collections::VecDeque;

use sim_core::{DataRate, SimTime};

use crate::migration::{Migration, MigrationEvent, MigrationReport};

/// A loss-free link of fixed rate and round-trip time.
#[derive(Clone, Debug)]
pub(crate) struct FakeLink {
    pub(crate) rate: DataRate,
    pub(crate) rtt: SimTime,
}

impl FakeLink {
    pub(crate) fn new(bps: u64, rtt: SimTime) -> Self {
        FakeLink {
            rate: DataRate::from_bps(bps).expect("positive rate"),
            rtt,
        }
    }
}

/// What a run produced.
#[derive(Clone, Debug)]
pub(crate) struct Outcome {
    pub(crate) report: MigrationReport,
    pub(crate) events: Vec<MigrationEvent>,
    /// (time, stream total) at each write's transmission end.
    pub(crate) transmitted: Vec<(SimTime, u64)>,
    /// The stream total acknowledged last.
    pub(crate) acked: u64,
}

/// Drives `mig` from time 0 over `link` until it finishes.
pub(crate) fn run(mig: Migration, link: FakeLink) -> Outcome {
    let out = run_until(mig, link, SimTime::MAX);
    assert!(out.report.end.is_some(), "migration did not finish");
    out
}

/// Drives `mig` from time 0 over `link` until it finishes or the next input would come after
/// `end` (then the report is the one at `end`, the migration cut off).
pub(crate) fn run_until(mut mig: Migration, link: FakeLink, end: SimTime) -> Outcome {
    let mut now = SimTime::ZERO;
    let mut busy_until = SimTime::ZERO;
    let mut written = 0u64;
    let mut txq: VecDeque<(SimTime, u64)> = VecDeque::new();
    let mut ackq: VecDeque<(SimTime, u64)> = VecDeque::new();
    let mut out = Outcome {
        report: mig.report(),
        events: Vec::new(),
        transmitted: Vec::new(),
        acked: 0,
    };
    mig.handle_rtt(link.rtt);
    mig.handle_start(now);
    for _ in 0..10_000_000 {
        while let Some(b) = mig.poll_write() {
            busy_until = busy_until.max(now) + link.rate.tx_time(b);
            written += b;
            txq.push_back((busy_until, written));
            ackq.push_back((busy_until + link.rtt, written));
        }
        out.events.extend(std::iter::from_fn(|| mig.poll_event()));
        if mig.is_finished() {
            out.report = mig.report();
            return out;
        }
        let tx = txq.front().map(|&(t, _)| t);
        let ack = ackq.front().map(|&(t, _)| t);
        let next = [tx, ack, mig.poll_timeout()].into_iter().flatten().min();
        now = next.expect("migration stuck: nothing in flight and no timer");
        if now > end {
            out.report = mig.report();
            return out;
        }
        if tx == Some(now) {
            let (_, total) = txq.pop_front().expect("front");
            out.transmitted.push((now, total));
            mig.handle_transmitted(now, total);
        } else if ack == Some(now) {
            let (_, total) = ackq.pop_front().expect("front");
            out.acked = total;
            mig.handle_acked(now, total);
        } else {
            mig.handle_timeout(now);
        }
    }
    panic!("migration did not finish");
}
