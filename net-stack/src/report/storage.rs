//! The storage part of a migration's results (seed 003 §IV.C, Figs. 5–6): where the VM's disk
//! lives and, when it is copied, the time and bytes of each phase of the stream — disk, then
//! memory, then context. Filled in by the `vm` crate's storage front end.

use serde::Deserialize;
use sim_core::SimTime;

/// Where a VM's disk lives while it migrates (`[[vm]] storage`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Storage {
    /// Both hosts see the same disk image (a SAN; seed 003 Fig. 5): no disk bytes move.
    #[default]
    Shared,
    /// The disk is copied to the destination before memory, and the context after it (seed
    /// 003 Fig. 6, "live migration with context transfer").
    Copy,
}

impl Storage {
    /// The scenario-file spelling: `shared` or `copy`.
    pub fn as_str(self) -> &'static str {
        match self {
            Storage::Shared => "shared",
            Storage::Copy => "copy",
        }
    }
}

/// Per-phase times and bytes of a migration with a disk. The phases follow each other on the
/// one migration stream; each ends when its last byte is acknowledged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StorageReport {
    /// Where the disk lives.
    pub storage: Storage,
    /// Disk size (bytes).
    pub disk: u64,
    /// Disk bytes sent: the live disk rounds plus the blocks still dirty at the pause.
    pub disk_bytes: u64,
    /// Live disk rounds (round 0 sends the whole disk).
    pub disk_rounds: u32,
    /// Disk blocks still dirty when the VM paused, sent with the context (bytes).
    pub disk_residual_bytes: u64,
    /// Disk phase: from the start to the last live disk round's acknowledgement; `None`
    /// until it ends.
    pub disk_time: Option<SimTime>,
    /// Memory bytes: the memory engine's pages and the CPU and device state.
    pub memory_bytes: u64,
    /// Memory phase: from the disk phase's end to the memory engine's final acknowledgement;
    /// `None` until it ends.
    pub memory_time: Option<SimTime>,
    /// Context bytes (seed 003 Fig. 6).
    pub context_bytes: u64,
    /// Context phase: from the memory phase's end to the acknowledgement of the residual
    /// disk blocks and the context; `None` until it ends.
    pub context_time: Option<SimTime>,
}
