//! Parameters of a VM and of each migration algorithm, with validation.
//!
//! Every struct has a `Default` matching the scenario file's defaults (DESIGN.md, `[[vm]]` and
//! `[[migration]]`) and a `validate` that returns a [`ConfigError`] for anything a user can get
//! wrong. Engines call `validate` in their constructors, so an invalid value never reaches a
//! state machine.

use sim_core::{ByteSize, SimTime};
use thiserror::Error;

/// Something wrong with a VM or migration parameter. The message names the scenario key.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum ConfigError {
    /// `memory` is zero.
    #[error("vm.memory must be positive")]
    ZeroMemory,
    /// `page_size` is zero.
    #[error("vm.page_size must be positive")]
    ZeroPageSize,
    /// `hot_fraction` is outside [0, 1) (or not a number).
    #[error("vm.hot_fraction must be in [0, 1), got {0}")]
    HotFraction(f64),
    /// `max_rounds` is below 2 (round 0 plus the stop-and-copy round).
    #[error("migration.max_rounds must be at least 2 (round 0 and the final round), got {0}")]
    MaxRounds(u32),
    /// `max_total_factor` is below 1 (or not a number): round 0 alone sends 1 × memory.
    #[error("migration.max_total_factor must be at least 1.0, got {0}")]
    MaxTotalFactor(f64),
    /// `batch_pages` (post-copy) is zero.
    #[error("migration.batch_pages must be positive")]
    ZeroBatch,
    /// `memory` / `page_size` exceeds [`MAX_PAGES`].
    #[error(
        "vm.memory is {pages} pages of {page_size} bytes; a VM has at most {max} (2^36) pages",
        max = MAX_PAGES
    )]
    TooManyPages {
        /// The VM's page count.
        pages: u64,
        /// Its page size (bytes).
        page_size: u64,
    },
    /// `context` is set on a VM whose disk is shared (it is sent only with `storage = "copy"`).
    #[error("vm.context is sent only with storage = \"copy\"; this VM's storage is shared")]
    ContextNeedsCopy,
    /// `disk` has more blocks than a dirty log holds ([`MAX_PAGES`]).
    #[error("vm.disk is {0} blocks of 4096 bytes; a disk has at most {max} (2^36) blocks", max = MAX_PAGES)]
    TooManyBlocks(u64),
    /// `storage = "copy"` with post-copy, which resumes the VM before its memory (and so its
    /// disk and context) has arrived.
    #[error(
        "vm.storage = \"copy\" needs algorithm = \"precopy\" or \"stop-and-copy\", not postcopy"
    )]
    CopyWithPostcopy,
    /// The page-state table of a VM could not be allocated.
    #[error(
        "vm.memory: cannot allocate the {bytes}-byte page table for {pages} pages (out of memory)"
    )]
    OutOfMemory {
        /// The VM's page count.
        pages: u64,
        /// The allocation that failed (bytes).
        bytes: u64,
    },
}

/// Most pages a VM may have: 2^36, which is 256 TiB of 4 KiB pages (and more with larger
/// pages).
///
/// Why this bound: the largest single machines sold today hold 32 TiB (2^33 pages of 4 KiB), so
/// 2^36 leaves 8× headroom over any VM that exists; and it bounds what the model costs before a
/// single page is touched — the page sets' chunk tables ([`crate::memory::PageBitmap`]) take
/// 16 bytes per 32 768 pages, at most 32 MiB per set (post-copy keeps two) — while page numbers
/// and byte counts (2^36 pages × a page size up to 2^27 bytes) stay far inside `u64`. Beyond it
/// the pages touched, not owned, set the memory, but a run that could touch them would not end.
pub const MAX_PAGES: u64 = 1 << 36;

/// A virtual machine's memory and workload parameters (`[[vm]]` in the scenario file).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VmConfig {
    /// Guest memory (bytes). When `page_size` does not divide it, the page count is rounded
    /// **up** (a partial last page is still a page and is sent whole).
    pub memory: ByteSize,
    /// Page size (bytes) (x86: 4096).
    pub page_size: u64,
    /// Page writes per second while the VM runs (pages/s) (seed 000's "page dirty rate"; seed
    /// 002 uses 5000 and 10 000). Each write picks a page as [`crate::memory`] documents.
    pub dirty_rate: u64,
    /// Writable working set: the share of pages (from page 0 up) that takes
    /// [`HOT_WRITE_SHARE`](crate::memory::HOT_WRITE_SHARE) of the writes; 0 = uniform writes.
    pub hot_fraction: f64,
    /// CPU and device state sent in the final (stop-and-copy) round (bytes).
    pub state: ByteSize,
    /// How writes are spaced in time: evenly (the default) or as a Poisson process.
    pub dirty_arrivals: DirtyArrivals,
}

/// `[[vm]] dirty_arrivals`: how a VM's page writes are spaced in time ([`crate::memory`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DirtyArrivals {
    /// `"even"`: exactly ⌊rate · t⌋ writes by t, no randomness in time.
    #[default]
    Even,
    /// `"poisson"`: exponential gaps of mean 1 / rate (seed 000's `Write_Page`).
    Poisson,
}

impl Default for VmConfig {
    fn default() -> Self {
        VmConfig {
            memory: ByteSize(1 << 30),
            page_size: 4096,
            dirty_rate: 5000,
            hot_fraction: 0.0,
            state: ByteSize(8 << 20),
            dirty_arrivals: DirtyArrivals::Even,
        }
    }
}

impl VmConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.memory.bytes() == 0 {
            return Err(ConfigError::ZeroMemory);
        }
        if self.page_size == 0 {
            return Err(ConfigError::ZeroPageSize);
        }
        if !(0.0..1.0).contains(&self.hot_fraction) {
            return Err(ConfigError::HotFraction(self.hot_fraction));
        }
        if self.pages() > MAX_PAGES {
            return Err(ConfigError::TooManyPages {
                pages: self.pages(),
                page_size: self.page_size,
            });
        }
        Ok(())
    }

    /// An empty set over the VM's pages, or [`ConfigError::OutOfMemory`] if its chunk table
    /// cannot be allocated.
    pub fn page_bitmap(&self) -> Result<crate::memory::PageBitmap, ConfigError> {
        let pages = self.pages();
        crate::memory::PageBitmap::try_new(pages).map_err(|_| ConfigError::OutOfMemory {
            pages,
            bytes: pages.div_ceil(crate::memory::CHUNK_PAGES) * 16,
        })
    }

    /// Number of pages: ⌈memory / page_size⌉. `page_size` must be positive.
    pub fn pages(&self) -> u64 {
        self.memory.bytes().div_ceil(self.page_size)
    }
}

/// Pre-copy parameters (`[[migration]]` with `algorithm = "precopy"`). Defaults are Xen's, as
/// seed 002 §6.1 uses them: "The iteration round was 30. The stop-and-copy threshold was set as
/// 200 KB. The transmitted data was not permitted to exceed three times the VM memory size."
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrecopyConfig {
    /// Most rounds in total, the final stop-and-copy round included (Xen `DEF_MAX_ITERS` = 29
    /// iterations, "30 rounds").
    pub max_rounds: u32,
    /// Stop when the dirty data left for the next round is below this (bytes).
    pub stop_threshold: ByteSize,
    /// Stop when the page data sent so far exceeds this multiple of the memory (Xen
    /// `DEF_MAX_FACTOR` = 3).
    pub max_total_factor: f64,
    /// Seed 002 §4.1 Early Notification: hand the next round to TCP once the previous one has
    /// been transmitted, not acknowledged.
    pub early_notification: bool,
    /// Time from the final round's last acknowledgement to the VM running at the destination.
    pub resume_time: SimTime,
    /// Check condition (1) of seed 002 §2.1, "the speed at which memory pages are dirtied exceed
    /// the memory transfer speed". Xen has it only in adaptive builds; `false` makes λ ≥ 1 end by
    /// the total-data rule or the round cap, as the analytic model in the notes does.
    pub dirty_rate_check: bool,
    /// Seed 002 §2.1's preparation phase: the fixed time from the migration's start to its
    /// first round ("the preparation of relevant resources before the migration starts").
    /// The VM runs at the source throughout; round 0 then sends every page. Default 0.
    pub prepare_time: SimTime,
}

impl Default for PrecopyConfig {
    fn default() -> Self {
        PrecopyConfig {
            max_rounds: 30,
            stop_threshold: ByteSize(200_000),
            max_total_factor: 3.0,
            early_notification: false,
            resume_time: SimTime::ZERO,
            dirty_rate_check: true,
            prepare_time: SimTime::ZERO,
        }
    }
}

impl PrecopyConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_rounds < 2 {
            return Err(ConfigError::MaxRounds(self.max_rounds));
        }
        if self.max_total_factor.is_nan() || self.max_total_factor < 1.0 {
            return Err(ConfigError::MaxTotalFactor(self.max_total_factor));
        }
        Ok(())
    }
}

/// Stop-and-copy parameters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StopAndCopyConfig {
    /// Time from the last acknowledgement to the VM running at the destination.
    pub resume_time: SimTime,
}

/// Post-copy parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PostcopyConfig {
    /// Time from the CPU state's acknowledgement to the VM running at the destination.
    pub resume_time: SimTime,
    /// Pages per background-push write. The next batch is written when everything written so
    /// far has been transmitted, so a demand-fetched page waits behind at most one batch.
    pub batch_pages: u64,
    /// Delay from a fault at the destination until the source learns of it and writes the page
    /// (one request crossing the network). `None`: half the transport's RTT as last reported
    /// with [`Migration::handle_rtt`](crate::Migration::handle_rtt), zero until one is reported.
    pub fault_rtt: Option<SimTime>,
}

impl Default for PostcopyConfig {
    fn default() -> Self {
        PostcopyConfig {
            resume_time: SimTime::ZERO,
            batch_pages: 16,
            fault_rtt: None,
        }
    }
}

impl PostcopyConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.batch_pages == 0 {
            return Err(ConfigError::ZeroBatch);
        }
        Ok(())
    }
}

/// Which algorithm a migration runs, with its parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MigrationConfig {
    /// Iterative pre-copy (Clark et al.; seed 002 §2.1).
    Precopy(PrecopyConfig),
    /// Pause, copy everything, resume (seed 000 "stop&copy").
    StopAndCopy(StopAndCopyConfig),
    /// Resume at once, fetch memory afterwards (seed 000 "on-demand").
    Postcopy(PostcopyConfig),
}

impl Default for MigrationConfig {
    fn default() -> Self {
        MigrationConfig::Precopy(PrecopyConfig::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each invalid value yields its own error; defaults are valid.
    #[test]
    fn validation() {
        assert_eq!(VmConfig::default().validate(), Ok(()));
        assert_eq!(PrecopyConfig::default().validate(), Ok(()));
        assert_eq!(PostcopyConfig::default().validate(), Ok(()));
        let vm = |f: fn(&mut VmConfig)| {
            let mut c = VmConfig::default();
            f(&mut c);
            c.validate()
        };
        assert_eq!(vm(|c| c.memory = ByteSize(0)), Err(ConfigError::ZeroMemory));
        assert_eq!(vm(|c| c.page_size = 0), Err(ConfigError::ZeroPageSize));
        assert_eq!(
            vm(|c| c.hot_fraction = 1.0),
            Err(ConfigError::HotFraction(1.0))
        );
        assert_eq!(
            vm(|c| c.hot_fraction = -0.1),
            Err(ConfigError::HotFraction(-0.1))
        );
        assert!(vm(|c| c.hot_fraction = f64::NAN).is_err(), "NaN rejected");
        // 2^36 pages is allowed, one more page is not; the message names the key and bound.
        assert_eq!(vm(|c| c.memory = ByteSize(4096 << 36)), Ok(()));
        let over = vm(|c| c.memory = ByteSize((4096 << 36) + 4096));
        assert_eq!(
            over,
            Err(ConfigError::TooManyPages {
                pages: (1 << 36) + 1,
                page_size: 4096
            })
        );
        assert_eq!(
            over.unwrap_err().to_string(),
            "vm.memory is 68719476737 pages of 4096 bytes; a VM has at most 68719476736 (2^36) pages"
        );
        let pc = |f: fn(&mut PrecopyConfig)| {
            let mut c = PrecopyConfig::default();
            f(&mut c);
            c.validate()
        };
        assert_eq!(pc(|c| c.max_rounds = 1), Err(ConfigError::MaxRounds(1)));
        assert_eq!(
            pc(|c| c.max_total_factor = 0.5),
            Err(ConfigError::MaxTotalFactor(0.5))
        );
        assert!(
            pc(|c| c.max_total_factor = f64::NAN).is_err(),
            "NaN rejected"
        );
        let post = PostcopyConfig {
            batch_pages: 0,
            ..PostcopyConfig::default()
        };
        assert_eq!(post.validate(), Err(ConfigError::ZeroBatch));
    }

    /// `Migration::new` refuses an invalid VM or algorithm configuration instead of panicking.
    #[test]
    fn migration_new_validates() {
        let rng = || sim_core::RngStreams::new(1).stream("vm");
        let bad_vm = VmConfig {
            page_size: 0,
            ..VmConfig::default()
        };
        let e = crate::Migration::new(&bad_vm, &MigrationConfig::default(), rng());
        assert_eq!(e.err(), Some(ConfigError::ZeroPageSize));
        let bad = MigrationConfig::Precopy(PrecopyConfig {
            max_rounds: 0,
            ..PrecopyConfig::default()
        });
        let e = crate::Migration::new(&VmConfig::default(), &bad, rng());
        assert_eq!(e.err(), Some(ConfigError::MaxRounds(0)));
    }

    /// A page size that does not divide memory rounds the page count up.
    #[test]
    fn pages_round_up() {
        let c = VmConfig {
            memory: ByteSize(10_000),
            page_size: 4096,
            ..VmConfig::default()
        };
        assert_eq!(c.pages(), 3);
        let c = VmConfig {
            memory: ByteSize(8192),
            page_size: 4096,
            ..VmConfig::default()
        };
        assert_eq!(c.pages(), 2);
    }
}
