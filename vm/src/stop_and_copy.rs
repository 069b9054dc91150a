//! Stop-and-copy (seed 000 §II: "halt the original VM and copy its entire memory to the
//! destination"): pause at the start, send all pages and the state in one round, resume
//! `resume_time` after the last byte is acknowledged. Downtime = total time.

use sim_core::SimTime;

use crate::config::{StopAndCopyConfig, VmConfig};
use crate::migration::{Algorithm, Core, RoundRecord};

/// The stop-and-copy engine. Drive it through [`Migration`](crate::Migration).
#[derive(Clone, Debug)]
pub struct StopAndCopy {
    cfg: StopAndCopyConfig,
    core: Core,
    pages: u64,
    bytes: u64,
    started: Option<SimTime>,
    /// Set once everything is acknowledged: the resume instant.
    resume_at: Option<SimTime>,
}

impl StopAndCopy {
    /// A stop-and-copy migration of `vm` (assumed valid), not yet started.
    pub fn new(vm: &VmConfig, cfg: &StopAndCopyConfig) -> Self {
        let pages = vm.pages();
        StopAndCopy {
            cfg: *cfg,
            core: Core::new(Algorithm::StopAndCopy, false),
            pages,
            bytes: pages * vm.page_size + vm.state.bytes(),
            started: None,
            resume_at: None,
        }
    }

    pub(crate) fn core(&self) -> &Core {
        &self.core
    }

    pub(crate) fn core_mut(&mut self) -> &mut Core {
        &mut self.core
    }

    pub(crate) fn handle_start(&mut self, now: SimTime) {
        self.core.start(now);
        self.started = Some(now);
        self.core.pause(now);
        self.core.write(self.bytes);
        self.core.round_started(0, self.pages, now);
        self.progress(now);
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
        self.resume_at.filter(|_| !self.core.is_finished())
    }

    fn progress(&mut self, now: SimTime) {
        let Some(start) = self.started else { return };
        if self.core.is_finished() {
            return;
        }
        if self.resume_at.is_none() && self.core.acked >= self.bytes {
            self.core.round_ended(RoundRecord {
                index: 0,
                start,
                end: now,
                bytes: self.bytes,
                pages_sent: self.pages,
                pages_dirtied_during: 0,
            });
            self.resume_at = Some(now + self.cfg.resume_time);
        }
        if let Some(at) = self.resume_at.filter(|&at| now >= at) {
            self.core.resume(at);
            self.core.finish(at, None);
        }
    }
}
