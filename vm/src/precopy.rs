//! Iterative pre-copy (Clark et al. 2005, as seed 002 §2.1 describes it), with seed 002 §4.1's
//! Early Notification.
//!
//! # Rounds
//!
//! Round 0 sends every page. Each later round sends the pages dirtied during the previous one:
//! the dirty log is taken and cleared at each round boundary (seed 002 §3.1: "After all data of
//! one round has been sent, the bitmap is flushed"). A round ends, and the next is written, when
//!
//! * **baseline**: its last byte is acknowledged, as Xen, which learns of completion from the
//!   socket, effectively does;
//! * **Early Notification** (seed 002 §4.1, Algorithm 1): its last byte has been transmitted once —
//!   "When this round of data has been completely sent, the E-N algorithm notifies the
//!   application layer to prepare the next round's data immediately, instead of waiting for all
//!   the packets that have been sent to be acknowledged at this round." Algorithm 1's test
//!   `seqno + datalen < curseq` on the sender's idle hook is our `transmitted ≥ round end`.
//!
//! # Stop conditions
//!
//! At the end of each live round i, in this order (the first that holds is reported):
//!
//! 1. [`Threshold`](StopReason::Threshold): the pages dirtied during round i — what round i+1
//!    would send — are below `stop_threshold` (seed 002 §2.1 (2): "The dirty page to be
//!    transferred next round reach a certain threshold");
//! 2. [`MaxRounds`](StopReason::MaxRounds): round i+1 would be round `max_rounds − 1`, the last
//!    allowed; it becomes the final round, so a migration has at most `max_rounds` rounds;
//! 3. [`MaxTotal`](StopReason::MaxTotal): the page data sent so far exceeds `max_total_factor` ×
//!    memory (seed 002 §2.1 (4); Xen's `total_sent > 3 × guest pages`);
//! 4. [`DirtyRate`](StopReason::DirtyRate), if `dirty_rate_check`: the VM's page writes during
//!    round i, times the page size, exceed the bytes round i sent. Both are over the round's
//!    duration, so this is seed 002 §2.1 (1), "the speed at which memory pages are dirtied exceed
//!    the memory transfer speed", with the transfer rate measured as round bytes / round duration
//!    and the dirty rate as writes (with multiplicity, seed 000's "page dirty rate") / duration.
//!
//! Then the VM pauses, and the final round sends the pages dirtied during round i plus the CPU and
//! device state. `Resumed` comes `resume_time` after the final round is fully acknowledged.
//!
//! **Which round is last.** Xen's `xc_domain_save.c` checks "fewer than 50 pages sent in *this*
//! round" and then sends that round's dirt — one round later than the analytic model, which
//! stops as soon as the *next* round's volume is below the threshold. We follow the analytic
//! model (condition 1 above), so the notes' worked example gives n = 6 (final round index 6, 7
//! rounds); the test `threshold_checks_next_round_not_this_one` pins it.

use sim_core::{RngStream, SimTime};

use crate::config::{ConfigError, PrecopyConfig, VmConfig};
use crate::memory::DirtyMemory;
use crate::migration::{Algorithm, Core, RoundRecord, StopReason};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    /// The preparation phase (seed 002 §2.1) lasts until this instant.
    Preparing(SimTime),
    /// A live round is in flight.
    Live,
    /// The VM is paused and the final round is in flight.
    Final,
    /// Final round acknowledged; the VM resumes at this instant.
    Resuming(SimTime),
    Done,
}

/// The pre-copy engine. Drive it through [`Migration`](crate::Migration).
#[derive(Clone, Debug)]
pub struct Precopy {
    cfg: PrecopyConfig,
    core: Core,
    mem: DirtyMemory,
    state_bytes: u64,
    phase: Phase,
    round: u32,
    round_start: SimTime,
    /// Stream offset just past the current round.
    round_end: u64,
    round_pages: u64,
    round_bytes: u64,
    /// Writes applied when the current round started.
    round_writes_at_start: u64,
    /// Page data written so far (bytes) (state excluded).
    page_bytes_sent: u64,
}

impl Precopy {
    /// A pre-copy migration of `vm`, not yet started.
    pub fn new(vm: &VmConfig, cfg: &PrecopyConfig, rng: RngStream) -> Result<Self, ConfigError> {
        vm.validate()?;
        cfg.validate()?;
        Ok(Precopy {
            cfg: *cfg,
            core: Core::new(Algorithm::Precopy, cfg.early_notification),
            mem: DirtyMemory::new(vm, rng)?,
            state_bytes: vm.state.bytes(),
            phase: Phase::Idle,
            round: 0,
            round_start: SimTime::ZERO,
            round_end: 0,
            round_pages: 0,
            round_bytes: 0,
            round_writes_at_start: 0,
            page_bytes_sent: 0,
        })
    }

    pub(crate) fn core(&self) -> &Core {
        &self.core
    }

    pub(crate) fn core_mut(&mut self) -> &mut Core {
        &mut self.core
    }

    /// The VM's memory (dirty log), for inspection.
    pub fn memory(&self) -> &DirtyMemory {
        &self.mem
    }

    pub(crate) fn handle_start(&mut self, now: SimTime) {
        assert_eq!(self.phase, Phase::Idle, "pre-copy started twice");
        self.core.start(now);
        self.core.report.prepare_time = self.cfg.prepare_time;
        if self.cfg.prepare_time > SimTime::ZERO {
            self.phase = Phase::Preparing(now + self.cfg.prepare_time);
        } else {
            self.begin_rounds(now);
        }
        self.progress(now);
    }

    /// Round 0: every page, from the end of the preparation phase.
    fn begin_rounds(&mut self, now: SimTime) {
        self.mem.resume(now);
        self.mem.mark_all_dirty();
        self.phase = Phase::Live;
        self.start_round(now, false);
    }

    pub(crate) fn handle_transmitted(&mut self, now: SimTime, bytes: u64) {
        self.core.set_transmitted(bytes);
        self.progress(now);
    }

    pub(crate) fn handle_acked(&mut self, now: SimTime, bytes: u64) {
        self.core.set_acked(bytes);
        self.progress(now);
    }

    pub(crate) fn handle_timeout(&mut self, now: SimTime) {
        self.progress(now);
    }

    pub(crate) fn poll_timeout(&self) -> Option<SimTime> {
        match self.phase {
            Phase::Resuming(at) | Phase::Preparing(at) => Some(at),
            _ => None,
        }
    }

    fn start_round(&mut self, now: SimTime, last: bool) {
        let pages = self.mem.take_dirty(now);
        let page_bytes = pages * self.mem.page_size();
        self.round_start = now;
        self.round_pages = pages;
        self.round_bytes = page_bytes + if last { self.state_bytes } else { 0 };
        self.round_writes_at_start = self.mem.writes();
        self.page_bytes_sent += page_bytes;
        self.round_end = self.core.write(self.round_bytes);
        self.core.round_started(self.round, pages, now);
    }

    fn end_round(&mut self, now: SimTime) -> u64 {
        self.mem.advance(now);
        let dirtied = self.mem.dirty_count();
        self.core.round_ended(RoundRecord {
            index: self.round,
            start: self.round_start,
            end: now,
            bytes: self.round_bytes,
            pages_sent: self.round_pages,
            pages_dirtied_during: dirtied,
        });
        dirtied
    }

    fn stop_condition(&self, dirtied: u64) -> Option<StopReason> {
        let ps = self.mem.page_size();
        let memory = self.mem.pages() * ps;
        let writes = self.mem.writes() - self.round_writes_at_start;
        if (dirtied * ps) < self.cfg.stop_threshold.bytes() {
            Some(StopReason::Threshold)
        } else if self.round + 2 >= self.cfg.max_rounds {
            Some(StopReason::MaxRounds)
        } else if self.page_bytes_sent as f64 > self.cfg.max_total_factor * memory as f64 {
            Some(StopReason::MaxTotal)
        } else if self.cfg.dirty_rate_check
            && writes as u128 * ps as u128 > self.round_bytes as u128
        {
            Some(StopReason::DirtyRate)
        } else {
            None
        }
    }

    fn progress(&mut self, now: SimTime) {
        loop {
            match self.phase {
                Phase::Preparing(at) => {
                    if now < at {
                        return;
                    }
                    self.begin_rounds(at);
                }
                Phase::Live => {
                    let reached = if self.cfg.early_notification {
                        self.core.transmitted >= self.round_end
                    } else {
                        self.core.acked >= self.round_end
                    };
                    if !reached {
                        return;
                    }
                    let dirtied = self.end_round(now);
                    let stop = self.stop_condition(dirtied);
                    self.round += 1;
                    if let Some(reason) = stop {
                        self.core.report.stop_reason = Some(reason);
                        self.mem.pause(now);
                        self.core.pause(now);
                        self.phase = Phase::Final;
                        self.start_round(now, true);
                    } else {
                        self.start_round(now, false);
                    }
                }
                Phase::Final => {
                    if self.core.acked < self.round_end {
                        return;
                    }
                    self.end_round(now);
                    self.phase = Phase::Resuming(now + self.cfg.resume_time);
                }
                Phase::Resuming(at) => {
                    if now < at {
                        return;
                    }
                    self.core.resume(at);
                    let reason = self.core.report.stop_reason;
                    self.core.finish(at, reason);
                    self.phase = Phase::Done;
                }
                Phase::Idle | Phase::Done => return,
            }
        }
    }
}

#[cfg(test)]
mod tests;
