//! Storage migration (seed 003 §IV.C, Table I, Figs. 5–6): a VM's disk is either shared by
//! both hosts (`storage = "shared"`, a SAN: Fig. 5) or copied with the VM (`"copy"`, Fig. 6:
//! "the hypervisor transfers memory pages and the total disk to the remote host. After the Disk
//! transfer, the hypervisor transfers the virtual machine context").
//!
//! [`StorageMigration`] wraps a memory engine (pre-copy or stop-and-copy) on the same stream:
//!
//! ```text
//!  stream │ disk round 0 (whole disk) │ disk rounds 1…n │ memory engine's rounds │ residual │ context │
//!         └──────── disk phase (VM runs) ──────────────┴── memory phase ───────┴── paused: context ──┘
//!                                                      Paused ▲ (memory engine)   Resumed ▲ + resume_time
//! ```
//!
//! * **Disk phase.** Round 0 sends every block of [`DISK_BLOCK_SIZE`] bytes; each later round
//!   the blocks the guest wrote (`disk_write_rate` blocks/s, uniformly, the memory write model
//!   of [`crate::memory`]) during the previous round, tracked in a dirty bitmap; the rounds stop
//!   by the memory engine's pre-copy rules (threshold, round cap, total, dirty rate; the
//!   defaults for stop-and-copy). A round ends when it is acknowledged.
//! * **Memory phase.** The memory engine runs as it would alone; blocks written meanwhile stay
//!   in the disk's dirty log.
//! * **Context phase.** At the engine's pause the guest stops writing; the blocks still dirty
//!   (the residual) and the `context` bytes follow the engine's final round on the stream. The VM
//!   resumes `resume_time` after they are all acknowledged.
//!
//! With `shared` storage there is no wrapper: [`Migration::with_storage`] runs the memory
//! engine alone, exactly as for a VM without a disk, and only adds the storage part to its
//! report (no disk bytes, the whole migration as the memory phase).

use sim_core::{ByteSize, RngStream, SimTime};

pub use net_stack::report::{Storage, StorageReport};

use crate::config::{ConfigError, MigrationConfig, PrecopyConfig, VmConfig};
use crate::migration::{Core, Migration, MigrationEvent};

mod disk;
#[cfg(test)]
mod tests;

use disk::DiskRounds;

/// Size of a disk block, the unit of the disk's dirty log (bytes): 4 KiB, the block of ext4
/// and NTFS file systems and of most disks' physical sectors, so a guest's write dirties whole
/// 4 KiB blocks as it dirties whole 4 KiB pages.
pub const DISK_BLOCK_SIZE: u64 = 4096;

/// A VM's disk and context (`[[vm]]` keys `disk`, `storage`, `disk_write_rate`, `context`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StorageConfig {
    /// Where the disk lives. Default shared.
    pub storage: Storage,
    /// Disk size (bytes); rounded up to whole [`DISK_BLOCK_SIZE`] blocks. Default 0.
    pub disk: ByteSize,
    /// Blocks the running guest writes per second (blocks/s). Default 0.
    pub disk_write_rate: u64,
    /// The context sent after memory with `copy` (seed 003 Fig. 6: "storage, plug-in,
    /// packages, libraries") (bytes). Default 0.
    pub context: ByteSize,
}

impl StorageConfig {
    /// Disk blocks: ⌈disk / [`DISK_BLOCK_SIZE`]⌉.
    pub fn blocks(&self) -> u64 {
        self.disk.bytes().div_ceil(DISK_BLOCK_SIZE)
    }

    /// Checks the fields against each other and against `algorithm`.
    pub fn validate(&self, algorithm: &MigrationConfig) -> Result<(), ConfigError> {
        if self.storage == Storage::Shared && self.context.bytes() > 0 {
            return Err(ConfigError::ContextNeedsCopy);
        }
        if self.blocks() > crate::MAX_PAGES {
            return Err(ConfigError::TooManyBlocks(self.blocks()));
        }
        if self.storage == Storage::Copy && matches!(algorithm, MigrationConfig::Postcopy(_)) {
            return Err(ConfigError::CopyWithPostcopy);
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    Disk,
    Memory,
    /// The memory engine resumed; the residual blocks and the context are in flight.
    Context,
    Resuming(SimTime),
    Done,
}

/// A migration with a disk: the disk phase, a memory engine, then the context (module docs).
/// Drive it through [`Migration`].
#[derive(Clone, Debug)]
pub struct StorageMigration {
    core: Core,
    inner: Migration,
    disk: Option<DiskRounds>,
    cfg: StorageConfig,
    phase: Phase,
    resume_time: SimTime,
    /// Stream offset where the memory engine's bytes begin.
    memory_start: u64,
    /// Bytes the memory engine has written.
    inner_written: u64,
    /// Stream offset just past the context.
    context_end: u64,
    report: StorageReport,
    phase_start: SimTime,
}

impl StorageMigration {
    /// A migration of `vm` with the copied disk `cfg` (`storage = "copy"`) by `algorithm`
    /// (pre-copy or stop-and-copy). `rng` drives the memory's writes, `disk_rng` the disk's.
    pub fn new(
        vm: &VmConfig,
        algorithm: &MigrationConfig,
        cfg: &StorageConfig,
        rng: RngStream,
        disk_rng: RngStream,
    ) -> Result<Self, ConfigError> {
        cfg.validate(algorithm)?;
        // The memory engine resumes at its final acknowledgement; the wrapper adds the
        // context and then the resume time.
        let (inner_algo, resume_time, rules) = match *algorithm {
            MigrationConfig::Precopy(c) => (
                MigrationConfig::Precopy(PrecopyConfig {
                    resume_time: SimTime::ZERO,
                    ..c
                }),
                c.resume_time,
                c,
            ),
            MigrationConfig::StopAndCopy(c) => (
                MigrationConfig::StopAndCopy(crate::StopAndCopyConfig {
                    resume_time: SimTime::ZERO,
                }),
                c.resume_time,
                PrecopyConfig::default(),
            ),
            MigrationConfig::Postcopy(_) => return Err(ConfigError::CopyWithPostcopy),
        };
        let inner = Migration::new(vm, &inner_algo, rng)?;
        debug_assert_eq!(
            cfg.storage,
            Storage::Copy,
            "shared storage needs no wrapper"
        );
        let disk = match cfg.blocks() {
            0 => None,
            blocks => Some(DiskRounds::new(
                blocks,
                DISK_BLOCK_SIZE,
                cfg.disk_write_rate,
                rules,
                disk_rng,
            )?),
        };
        let r = inner.report();
        Ok(StorageMigration {
            core: Core::new(r.algorithm, r.early_notification),
            inner,
            disk,
            cfg: *cfg,
            phase: Phase::Idle,
            resume_time,
            memory_start: 0,
            inner_written: 0,
            context_end: 0,
            report: StorageReport {
                storage: cfg.storage,
                disk: cfg.disk.bytes(),
                ..StorageReport::default()
            },
            phase_start: SimTime::ZERO,
        })
    }

    pub(crate) fn core(&self) -> &Core {
        &self.core
    }

    pub(crate) fn core_mut(&mut self) -> &mut Core {
        &mut self.core
    }

    pub(crate) fn handle_start(&mut self, now: SimTime) {
        assert_eq!(self.phase, Phase::Idle, "migration started twice");
        self.core.start(now);
        self.phase_start = now;
        match &mut self.disk {
            Some(d) => {
                d.start(now, &mut self.core);
                self.phase = Phase::Disk;
            }
            None => self.start_memory(now),
        }
    }

    fn start_memory(&mut self, now: SimTime) {
        if let Some(d) = &self.disk {
            self.report.disk_rounds = d.rounds();
            self.report.disk_time = Some(now - self.phase_start);
        }
        self.phase_start = now;
        self.phase = Phase::Memory;
        self.memory_start = self.core.written;
        self.inner.handle_start(now);
        self.pump();
    }

    /// The memory engine's view of a stream count: its own bytes only.
    fn inner_count(&self, bytes: u64) -> u64 {
        bytes
            .saturating_sub(self.memory_start)
            .min(self.inner_written)
    }

    pub(crate) fn handle_transmitted(&mut self, now: SimTime, bytes: u64) {
        self.core.set_transmitted(bytes);
        if self.phase == Phase::Memory {
            let b = self.inner_count(bytes);
            self.inner.handle_transmitted(now, b);
            self.pump();
        }
        self.progress(now);
    }

    pub(crate) fn handle_acked(&mut self, now: SimTime, bytes: u64) {
        self.core.set_acked(bytes);
        if self.phase == Phase::Disk {
            let d = self.disk.as_mut().expect("a disk phase has a disk");
            if d.handle_acked(now, bytes, &mut self.core) {
                self.start_memory(now);
            }
        }
        if self.phase == Phase::Memory {
            let b = self.inner_count(bytes);
            self.inner.handle_acked(now, b);
            self.pump();
        }
        self.progress(now);
    }

    pub(crate) fn handle_timeout(&mut self, now: SimTime) {
        if self.phase == Phase::Memory && self.inner.poll_timeout().is_some_and(|t| t <= now) {
            self.inner.handle_timeout(now);
            self.pump();
        }
        self.progress(now);
    }

    /// The transport's smoothed RTT, for the memory engine.
    pub(crate) fn handle_rtt(&mut self, rtt: SimTime) {
        self.inner.handle_rtt(rtt);
    }

    pub(crate) fn poll_timeout(&self) -> Option<SimTime> {
        match self.phase {
            Phase::Memory => self.inner.poll_timeout(),
            Phase::Resuming(at) => Some(at),
            _ => None,
        }
    }

    /// Moves the memory engine's writes onto the stream and acts on its events.
    fn pump(&mut self) {
        while let Some(n) = self.inner.poll_write() {
            assert!(
                self.core.report.paused_at.is_none(),
                "the memory engine wrote after the context"
            );
            self.inner_written += n;
            self.core.write(n);
        }
        while let Some(ev) = self.inner.poll_event() {
            match ev {
                MigrationEvent::Paused { at } => {
                    self.core.pause(at);
                    let residual = self.disk.as_mut().map_or(0, |d| d.pause(at));
                    let context = self.cfg.context.bytes();
                    self.report.disk_residual_bytes = residual;
                    self.report.context_bytes = context;
                    // The residual blocks and the context follow the engine's final round,
                    // written before its `Paused` was drained.
                    self.context_end = self.core.write(residual + context);
                }
                MigrationEvent::Resumed { at } => {
                    self.report.memory_time = Some(at - self.phase_start);
                    self.report.memory_bytes = self.inner_written;
                    self.phase_start = at;
                    self.phase = Phase::Context;
                }
                MigrationEvent::Finished { .. } => {}
                other => self.core.emit(other),
            }
        }
    }

    fn progress(&mut self, now: SimTime) {
        if self.phase == Phase::Context && self.core.acked >= self.context_end {
            self.report.context_time = Some(now - self.phase_start);
            self.phase = Phase::Resuming(now + self.resume_time);
        }
        if let Phase::Resuming(at) = self.phase
            && now >= at
        {
            self.core.resume(at);
            let reason = self.inner.report().stop_reason;
            self.core.finish(at, reason);
            self.phase = Phase::Done;
        }
    }

    /// The report so far: the memory engine's rounds and stop reason, the whole stream's
    /// times and bytes, and the storage phases.
    pub fn report(&self) -> crate::MigrationReport {
        let inner = self.inner.report();
        let mut r = self.core.report.clone();
        r.rounds = inner.rounds;
        r.stop_reason = inner.stop_reason;
        r.faults = inner.faults;
        r.stall_time = inner.stall_time;
        let mut s = self.report;
        s.disk_bytes = self.disk.as_ref().map_or(0, DiskRounds::bytes_sent);
        if self.phase == Phase::Memory {
            s.memory_bytes = self.inner_written;
        }
        if self.phase == Phase::Disk {
            s.disk_rounds = self.disk.as_ref().map_or(0, DiskRounds::rounds);
        }
        r.storage = Some(s);
        r
    }
}
