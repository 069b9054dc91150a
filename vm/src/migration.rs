//! What every migration engine shares: the [`Migration`] front end an integrator drives, its
//! events and report, and the stream bookkeeping (`Core`) behind them.
//!
//! # The stream contract
//!
//! An engine talks to one TCP connection through three cumulative byte counts of its stream:
//!
//! * **written** — what [`Migration::poll_write`] handed out; the integrator appends exactly that
//!   many bytes (virtual payload) to the socket, in full;
//! * **transmitted** — [`Migration::handle_transmitted`]: bytes sent at least once
//!   (SND.MAX − ISS − 1 for a stream after the SYN), never more than written;
//! * **acked** — [`Migration::handle_acked`]: bytes cumulatively acknowledged (SND.UNA − ISS − 1).
//!
//! Both inputs are totals, not increments, and must not decrease. Calls must come in time order,
//! with [`Migration::handle_timeout`] called at [`Migration::poll_timeout`] when nothing else
//! happens first. A page or a round is *at the destination* when its last byte is acknowledged:
//! the source has no better evidence (the ACK's return trip is included).

use std::collections::VecDeque;

pub use net_stack::report::{Algorithm, MigrationReport, RoundRecord, StopReason};
use sim_core::{RngStream, SimTime};

use crate::config::{ConfigError, MigrationConfig, VmConfig};
use crate::postcopy::Postcopy;
use crate::precopy::Precopy;
use crate::stop_and_copy::StopAndCopy;
use crate::storage::{Storage, StorageConfig, StorageMigration, StorageReport};

/// Something the integrator acts on or records. Drained with [`Migration::poll_event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MigrationEvent {
    /// A round's data was written to the stream.
    RoundStarted {
        /// Round index from 0.
        round: u32,
        /// Pages in the round.
        pages: u64,
        /// The stream offset just past the round's last byte (bytes written so far, this
        /// round's included).
        stream_end: u64,
        /// When.
        at: SimTime,
    },
    /// A round ended: its data is transmitted (Early Notification) or acknowledged (otherwise,
    /// and always for a final round).
    RoundEnded {
        /// Round index from 0.
        round: u32,
        /// Bytes the round wrote.
        bytes: u64,
        /// When.
        at: SimTime,
    },
    /// The VM stopped at the source: its services must stop answering from now.
    Paused {
        /// When.
        at: SimTime,
    },
    /// The VM runs at the destination: move its address, send a gratuitous ARP.
    Resumed {
        /// When.
        at: SimTime,
    },
    /// Post-copy: the VM at the destination touched a page it does not have and stalls.
    FaultStarted {
        /// The page.
        page: u64,
        /// When.
        at: SimTime,
    },
    /// Post-copy: the faulting page arrived; the VM runs again.
    FaultResolved {
        /// The page.
        page: u64,
        /// When.
        at: SimTime,
    },
    /// The migration is complete; nothing more will be written.
    Finished {
        /// When.
        at: SimTime,
        /// Why pre-copy stopped iterating; `None` for the other algorithms.
        stop_reason: Option<StopReason>,
    },
}

/// Stream counters, pending output and the report: the part every engine shares.
#[derive(Clone, Debug)]
pub(crate) struct Core {
    pub(crate) written: u64,
    pub(crate) transmitted: u64,
    pub(crate) acked: u64,
    pending_write: u64,
    events: VecDeque<MigrationEvent>,
    pub(crate) report: MigrationReport,
}

impl Core {
    pub(crate) fn new(algorithm: Algorithm, early_notification: bool) -> Self {
        Core {
            written: 0,
            transmitted: 0,
            acked: 0,
            pending_write: 0,
            events: VecDeque::new(),
            report: MigrationReport::new(algorithm, early_notification),
        }
    }

    pub(crate) fn start(&mut self, now: SimTime) {
        assert!(self.report.start.is_none(), "migration started twice");
        self.report.start = Some(now);
    }

    /// Appends `bytes` to the stream; returns the stream offset after them.
    pub(crate) fn write(&mut self, bytes: u64) -> u64 {
        self.written += bytes;
        self.pending_write += bytes;
        self.report.bytes_written += bytes;
        self.written
    }

    pub(crate) fn emit(&mut self, ev: MigrationEvent) {
        self.events.push_back(ev);
    }

    pub(crate) fn set_transmitted(&mut self, bytes: u64) {
        assert!(
            bytes <= self.written,
            "transmitted {bytes} > written {}",
            self.written
        );
        assert!(bytes >= self.transmitted, "transmitted went backwards");
        self.transmitted = bytes;
    }

    pub(crate) fn set_acked(&mut self, bytes: u64) {
        assert!(
            bytes <= self.written,
            "acked {bytes} > written {}",
            self.written
        );
        assert!(bytes >= self.acked, "acked went backwards");
        self.acked = bytes;
        self.report.bytes_sent = bytes;
        // An ACK implies transmission.
        self.transmitted = self.transmitted.max(bytes);
    }

    pub(crate) fn pause(&mut self, now: SimTime) {
        self.report.paused_at = Some(now);
        self.emit(MigrationEvent::Paused { at: now });
    }

    pub(crate) fn resume(&mut self, now: SimTime) {
        self.report.resumed_at = Some(now);
        self.report.downtime = self.report.paused_at.map(|p| now - p);
        self.emit(MigrationEvent::Resumed { at: now });
    }

    pub(crate) fn round_started(&mut self, round: u32, pages: u64, at: SimTime) {
        let stream_end = self.written;
        self.emit(MigrationEvent::RoundStarted {
            round,
            pages,
            stream_end,
            at,
        });
    }

    pub(crate) fn round_ended(&mut self, rec: RoundRecord) {
        self.emit(MigrationEvent::RoundEnded {
            round: rec.index,
            bytes: rec.bytes,
            at: rec.end,
        });
        self.report.rounds.push(rec);
    }

    pub(crate) fn finish(&mut self, now: SimTime, stop_reason: Option<StopReason>) {
        self.report.end = Some(now);
        self.report.total_time = self.report.start.map(|s| now - s);
        self.report.stop_reason = stop_reason;
        self.emit(MigrationEvent::Finished {
            at: now,
            stop_reason,
        });
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.report.end.is_some()
    }

    pub(crate) fn poll_write(&mut self) -> Option<u64> {
        (self.pending_write > 0).then(|| std::mem::take(&mut self.pending_write))
    }

    pub(crate) fn poll_event(&mut self) -> Option<MigrationEvent> {
        self.events.pop_front()
    }
}

#[derive(Clone, Debug)]
enum Engine {
    Precopy(Precopy),
    StopAndCopy(StopAndCopy),
    Postcopy(Postcopy),
    /// A copied disk before, and the context after, a memory engine (`crate::storage`).
    Storage(Box<StorageMigration>),
}

/// One VM's live migration as a sans-IO state machine over one TCP stream (see the crate docs
/// for the driving loop and the module docs for the stream contract).
#[derive(Clone, Debug)]
pub struct Migration {
    engine: Engine,
    /// A shared disk's entry for the report (seed 003): set by [`Migration::with_storage`].
    shared_disk: Option<StorageReport>,
}

macro_rules! each {
    ($self:expr, $e:ident => $body:expr) => {
        match &$self.engine {
            Engine::Precopy($e) => $body,
            Engine::StopAndCopy($e) => $body,
            Engine::Postcopy($e) => $body,
            Engine::Storage($e) => $body,
        }
    };
    (mut $self:expr, $e:ident => $body:expr) => {
        match &mut $self.engine {
            Engine::Precopy($e) => $body,
            Engine::StopAndCopy($e) => $body,
            Engine::Postcopy($e) => $body,
            Engine::Storage($e) => $body,
        }
    };
}

impl Migration {
    /// A migration of the VM `vm` by `algorithm`, not yet started. `rng` drives the VM's page
    /// writes (pre-copy: dirtying at the source; post-copy: touches at the destination); give
    /// each VM its own stream (`RngStreams::stream("vm/<name>")`).
    pub fn new(
        vm: &VmConfig,
        algorithm: &MigrationConfig,
        rng: RngStream,
    ) -> Result<Migration, ConfigError> {
        vm.validate()?;
        let engine = match algorithm {
            MigrationConfig::Precopy(c) => Engine::Precopy(Precopy::new(vm, c, rng)?),
            MigrationConfig::StopAndCopy(c) => Engine::StopAndCopy(StopAndCopy::new(vm, c)),
            MigrationConfig::Postcopy(c) => Engine::Postcopy(Postcopy::new(vm, c, rng)?),
        };
        Ok(Migration {
            engine,
            shared_disk: None,
        })
    }

    /// A migration of a VM with a disk (`crate::storage`): with `storage = "copy"` the disk
    /// goes first and the context last, around the memory engine; with `"shared"` the engine
    /// runs exactly as [`new`](Self::new) builds it and the report notes the disk. `disk_rng`
    /// drives the disk's writes; give it its own stream.
    pub fn with_storage(
        vm: &VmConfig,
        algorithm: &MigrationConfig,
        storage: &StorageConfig,
        rng: RngStream,
        disk_rng: RngStream,
    ) -> Result<Migration, ConfigError> {
        storage.validate(algorithm)?;
        if storage.storage == Storage::Shared {
            let mut m = Migration::new(vm, algorithm, rng)?;
            m.shared_disk = Some(StorageReport {
                storage: Storage::Shared,
                disk: storage.disk.bytes(),
                ..StorageReport::default()
            });
            return Ok(m);
        }
        let s = StorageMigration::new(vm, algorithm, storage, rng, disk_rng)?;
        Ok(Migration {
            engine: Engine::Storage(Box::new(s)),
            shared_disk: None,
        })
    }

    /// The migration starts at `now` (the stream is open).
    pub fn handle_start(&mut self, now: SimTime) {
        each!(mut self, e => e.handle_start(now))
    }

    /// `bytes` of the stream (a total) have been transmitted at least once.
    pub fn handle_transmitted(&mut self, now: SimTime, bytes: u64) {
        each!(mut self, e => e.handle_transmitted(now, bytes))
    }

    /// `bytes` of the stream (a total) are cumulatively acknowledged.
    pub fn handle_acked(&mut self, now: SimTime, bytes: u64) {
        each!(mut self, e => e.handle_acked(now, bytes))
    }

    /// The deadline from [`poll_timeout`](Self::poll_timeout) has come.
    pub fn handle_timeout(&mut self, now: SimTime) {
        each!(mut self, e => e.handle_timeout(now))
    }

    /// The transport's current smoothed RTT, for post-copy's default fault delay (half of it).
    /// Ignored by the other algorithms.
    pub fn handle_rtt(&mut self, rtt: SimTime) {
        match &mut self.engine {
            Engine::Postcopy(p) => p.handle_rtt(rtt),
            Engine::Storage(s) => s.handle_rtt(rtt),
            _ => {}
        }
    }

    /// Bytes to append to the stream now, if any.
    #[must_use]
    pub fn poll_write(&mut self) -> Option<u64> {
        each!(mut self, e => e.core_mut().poll_write())
    }

    /// The next event, if any.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<MigrationEvent> {
        each!(mut self, e => e.core_mut().poll_event())
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) if nothing else happens first.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<SimTime> {
        each!(self, e => e.poll_timeout())
    }

    /// Whether the VM's services answer now: running at the source before the pause, at the
    /// destination after the resume and not stalled on a fault.
    pub fn is_vm_running(&self) -> bool {
        match &self.engine {
            Engine::Postcopy(p) => p.is_vm_running(),
            _ => {
                let r = &each!(self, e => e.core()).report;
                r.paused_at.is_none() || r.resumed_at.is_some()
            }
        }
    }

    /// Whether [`MigrationEvent::Finished`] has been emitted.
    pub fn is_finished(&self) -> bool {
        each!(self, e => e.core().is_finished())
    }

    /// The report so far (complete once finished).
    pub fn report(&self) -> MigrationReport {
        if let Engine::Storage(s) = &self.engine {
            return s.report();
        }
        let mut r = each!(self, e => e.core().report.clone());
        if let Some(mut s) = self.shared_disk {
            // Shared storage: the whole migration is the memory phase.
            s.disk_time = r.start.map(|_| SimTime::ZERO);
            s.memory_time = r.total_time;
            s.memory_bytes = r.bytes_written;
            s.context_time = r.total_time.map(|_| SimTime::ZERO);
            r.storage = Some(s);
        }
        r
    }
}
