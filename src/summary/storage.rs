//! The storage part of a migration's summary (seed 003, Figs. 5–6), present only for a VM
//! with a disk (`[[vm]]` `disk`, `storage`, …), so that other migrations' output stays as it
//! was. Its fields sit beside the migration's own (`migrations[].disk_s`, …).

use serde::Serialize;
use sim_core::SimTime;

/// Per-phase times and bytes of one migration with a disk.
#[derive(Debug, Serialize, PartialEq)]
pub struct StorageSummary {
    /// `shared` or `copy`.
    pub storage: &'static str,
    /// The disk's size [bytes].
    pub disk_size: u64,
    /// Disk bytes sent: the live rounds plus the residual (0 with `shared`).
    pub disk_bytes: u64,
    /// Live disk rounds (round 0 is the whole disk).
    pub disk_rounds: u32,
    /// Disk blocks still dirty at the pause, sent with the context [bytes].
    pub disk_residual_bytes: u64,
    /// Disk phase [s]: start → last live disk round acknowledged; null while unfinished.
    pub disk_s: Option<f64>,
    /// Memory bytes: pages and CPU/device state.
    pub memory_bytes: u64,
    /// Memory phase [s]: disk phase end → the memory engine's final acknowledgement.
    pub memory_s: Option<f64>,
    /// Context bytes (`copy` only).
    pub context_bytes: u64,
    /// Context phase [s]: memory phase end → residual and context acknowledged.
    pub context_s: Option<f64>,
}

/// The summary of a migration's storage report.
pub(super) fn storage_summary(s: &vm::StorageReport) -> StorageSummary {
    let secs = |t: Option<SimTime>| t.map(SimTime::as_secs_f64);
    StorageSummary {
        storage: s.storage.as_str(),
        disk_size: s.disk,
        disk_bytes: s.disk_bytes,
        disk_rounds: s.disk_rounds,
        disk_residual_bytes: s.disk_residual_bytes,
        disk_s: secs(s.disk_time),
        memory_bytes: s.memory_bytes,
        memory_s: secs(s.memory_time),
        context_bytes: s.context_bytes,
        context_s: secs(s.context_time),
    }
}
