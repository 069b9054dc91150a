//! The live disk rounds of a migration with `storage = "copy"`: round 0 sends every block, each
//! later round the blocks the guest wrote during the previous one, until a pre-copy stop rule
//! holds. The blocks written after that stay in the dirty log until the VM pauses.

use sim_core::{ByteSize, RngStream, SimTime};

use crate::config::{ConfigError, PrecopyConfig, VmConfig};
use crate::memory::DirtyMemory;
use crate::migration::Core;

/// The disk as the migration source sees it, and the round in flight.
#[derive(Clone, Debug)]
pub(crate) struct DiskRounds {
    /// The disk's dirty log: blocks as pages, written at `disk_write_rate`.
    log: DirtyMemory,
    rules: PrecopyConfig,
    round: u32,
    /// Stream offset just past the round in flight.
    round_end: u64,
    round_bytes: u64,
    writes_at_round_start: u64,
    /// Block data written so far (bytes).
    sent: u64,
}

impl DiskRounds {
    /// A disk of `blocks` blocks of `block_size` bytes written `rate` blocks/s by the guest,
    /// iterated by the pre-copy stop `rules`.
    pub(crate) fn new(
        blocks: u64,
        block_size: u64,
        rate: u64,
        rules: PrecopyConfig,
        rng: RngStream,
    ) -> Result<Self, ConfigError> {
        // The disk is a memory of blocks: the same uniform write model and chunked dirty log.
        let as_memory = VmConfig {
            memory: ByteSize(blocks * block_size),
            page_size: block_size,
            dirty_rate: rate,
            hot_fraction: 0.0,
            state: ByteSize(0),
            dirty_arrivals: crate::config::DirtyArrivals::Even,
        };
        Ok(DiskRounds {
            log: DirtyMemory::new(&as_memory, rng)?,
            rules,
            round: 0,
            round_end: 0,
            round_bytes: 0,
            writes_at_round_start: 0,
            sent: 0,
        })
    }

    /// Live rounds so far, the one in flight included.
    pub(crate) fn rounds(&self) -> u32 {
        self.round + 1
    }

    /// Block bytes written to the stream so far.
    pub(crate) fn bytes_sent(&self) -> u64 {
        self.sent
    }

    /// The guest starts writing and round 0 (the whole disk) is written.
    pub(crate) fn start(&mut self, now: SimTime, core: &mut Core) {
        self.log.resume(now);
        self.log.mark_all_dirty();
        self.write_round(now, core);
    }

    fn write_round(&mut self, now: SimTime, core: &mut Core) {
        let blocks = self.log.take_dirty(now);
        self.round_bytes = blocks * self.log.page_size();
        self.writes_at_round_start = self.log.writes();
        self.sent += self.round_bytes;
        self.round_end = core.write(self.round_bytes);
    }

    /// The stream is acknowledged up to `acked`: ends the round in flight if it is all
    /// acknowledged and writes the next one, or returns `true` when the live rounds are over.
    pub(crate) fn handle_acked(&mut self, now: SimTime, acked: u64, core: &mut Core) -> bool {
        if acked < self.round_end {
            return false;
        }
        self.log.advance(now);
        if self.should_stop() {
            return true;
        }
        self.round += 1;
        self.write_round(now, core);
        false
    }

    /// Pre-copy's four rules (`crate::precopy`), applied to blocks at the end of a round: the
    /// blocks dirtied during it are below `stop_threshold`; the next round would be the last
    /// `max_rounds` allows; more than `max_total_factor` × the disk has been sent; or (with
    /// `dirty_rate_check`) the guest wrote more during the round than the round sent.
    fn should_stop(&self) -> bool {
        let bs = self.log.page_size();
        let dirty = self.log.dirty_count() * bs;
        let disk = self.log.pages() * bs;
        let writes = self.log.writes() - self.writes_at_round_start;
        dirty < self.rules.stop_threshold.bytes()
            || self.round + 2 >= self.rules.max_rounds
            || self.sent as f64 > self.rules.max_total_factor * disk as f64
            || (self.rules.dirty_rate_check
                && writes as u128 * bs as u128 > self.round_bytes as u128)
    }

    /// The VM pauses: the guest stops writing; returns the bytes of the blocks still dirty,
    /// which go to the destination while the VM is paused.
    pub(crate) fn pause(&mut self, now: SimTime) -> u64 {
        self.log.pause(now);
        let residual = self.log.take_dirty(now) * self.log.page_size();
        self.sent += residual;
        residual
    }
}
