//! A VM live migration's results: the [`MigrationReport`] the `vm` crate's engines fill in
//! (re-exported there as `vm::MigrationReport`) and its vocabulary. It lives here, with the
//! other application reports, so that result collection matches on
//! [`Report::Migration`](super::Report::Migration) without naming the `vm` crate.

use sim_core::SimTime;

/// The migration algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// Iterative pre-copy.
    Precopy,
    /// Stop-and-copy.
    StopAndCopy,
    /// Post-copy with demand fetching.
    Postcopy,
    /// Save an image, copy it through a temporary server, restore it (seed 004).
    Image,
}

impl Algorithm {
    /// The scenario-file spelling: `precopy`, `stop-and-copy`, `postcopy`, `image`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Precopy => "precopy",
            Algorithm::StopAndCopy => "stop-and-copy",
            Algorithm::Postcopy => "postcopy",
            Algorithm::Image => "image",
        }
    }
}

/// Why pre-copy stopped iterating (seed 002 §2.1's four Xen conditions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StopReason {
    /// The dirty data left for the next round fell below `stop_threshold`.
    Threshold,
    /// The next round would have been the last one `max_rounds` allows.
    MaxRounds,
    /// The page data sent exceeded `max_total_factor` × memory.
    MaxTotal,
    /// The VM dirtied memory faster than the last round transferred it.
    DirtyRate,
}

impl StopReason {
    /// The `summary.json` spelling: `threshold`, `max_rounds`, `max_total`, `dirty_rate`.
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::Threshold => "threshold",
            StopReason::MaxRounds => "max_rounds",
            StopReason::MaxTotal => "max_total",
            StopReason::DirtyRate => "dirty_rate",
        }
    }
}

/// One round of a migration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoundRecord {
    /// Round index from 0.
    pub index: u32,
    /// When its data was written.
    pub start: SimTime,
    /// When it ended (see the `vm` crate's `MigrationEvent::RoundEnded`).
    pub end: SimTime,
    /// Bytes written for it (pages, plus the state in a final round).
    pub bytes: u64,
    /// Pages it carried.
    pub pages_sent: u64,
    /// Distinct pages the VM dirtied between its start and end (0 while paused).
    pub pages_dirtied_during: u64,
}

/// The outcome of a migration, complete once the engine has emitted `MigrationEvent::Finished`
/// (`vm` crate).
#[derive(Clone, Debug, PartialEq)]
pub struct MigrationReport {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// Whether Early Notification was on (pre-copy only).
    pub early_notification: bool,
    /// The time the migration started (`Migration::handle_start` in the `vm` crate).
    pub start: Option<SimTime>,
    /// Finish time.
    pub end: Option<SimTime>,
    /// `end − start`.
    pub total_time: Option<SimTime>,
    /// When the VM paused at the source.
    pub paused_at: Option<SimTime>,
    /// When the VM resumed at the destination.
    pub resumed_at: Option<SimTime>,
    /// `resumed_at − paused_at`.
    pub downtime: Option<SimTime>,
    /// Rounds that have ended, in order.
    pub rounds: Vec<RoundRecord>,
    /// Bytes of the stream acknowledged by the receiver: what has really been sent. For a
    /// finished migration this is every byte written; for one cut off by the end of a run it
    /// excludes what still waits in the sender's buffers or is in flight.
    pub bytes_sent: u64,
    /// Bytes the engine handed to its transport (pages and state), acknowledged or not.
    pub bytes_written: u64,
    /// Pre-copy's stop condition; `None` otherwise.
    pub stop_reason: Option<StopReason>,
    /// Post-copy page faults at the destination.
    pub faults: u64,
    /// Post-copy time the VM spent stalled on faults.
    pub stall_time: SimTime,
    /// Pre-copy's preparation phase (seed 002 §2.1): from `start` to round 0.
    pub prepare_time: SimTime,
    /// Retransmissions of the migration connection per round, in round order (filled by the
    /// application that carries the stream; empty for `image`). Round i counts those sent after
    /// round i − 1's last byte was handed to TCP (the migration's start for round 0) up to and
    /// including the instant round i's last byte was; the final round's count runs on to the
    /// migration's end.
    pub round_retransmissions: Vec<u64>,
    /// Retransmissions of the migration connection before the VM paused (all the live
    /// rounds'); `None` if it never paused or the stream is not one TCP connection.
    pub retransmissions_before_pause: Option<u64>,
    /// Disk and context phases, for a VM with a `disk` (seed 003); `None` otherwise.
    pub storage: Option<super::StorageReport>,
}

impl MigrationReport {
    /// An empty report of a migration by `algorithm` that has not started.
    pub fn new(algorithm: Algorithm, early_notification: bool) -> Self {
        MigrationReport {
            algorithm,
            early_notification,
            start: None,
            end: None,
            total_time: None,
            paused_at: None,
            resumed_at: None,
            downtime: None,
            rounds: Vec::new(),
            bytes_sent: 0,
            bytes_written: 0,
            stop_reason: None,
            faults: 0,
            stall_time: SimTime::ZERO,
            prepare_time: SimTime::ZERO,
            round_retransmissions: Vec::new(),
            retransmissions_before_pause: None,
            storage: None,
        }
    }
}
