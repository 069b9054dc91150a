//! Post-copy with demand fetching (seed 000 §II's "on-demand" migration: "stopping the VM copy
//! only essential kernel data to the destination. The remainder of the VM address space is
//! transferred when it is accessed at the destination").
//!
//! # Model
//!
//! 1. At the start the VM pauses and the CPU/device state is written (round 0).
//! 2. The VM resumes at the destination `resume_time` after the state is acknowledged.
//! 3. Pages are pushed in the background in page order (round 1), `batch_pages` at a time: the
//!    next batch is written whenever everything written so far has been transmitted, so the
//!    socket never holds more than one batch that is not yet on the wire. The push starts as
//!    soon as the state is transmitted, not when it is acknowledged.
//! 4. From the resume on, the VM touches pages at `dirty_rate` by the same rule as the dirty
//!    model ([`crate::memory`]): uniformly, or 90/10 on the working set. A page is *present* once
//!    its bytes are acknowledged. A touch of a page not present is a **fault**: the VM stalls
//!    (its touch clock stops) until the page is present. If the page has not been written yet,
//!    the fault request reaches the source `fault_rtt` later and the page is written at once, as
//!    a one-page write, ahead of every page not yet written (behind at most one batch already in
//!    the socket); if it has been written, the VM just waits for its acknowledgement.
//! 5. The migration finishes when every page is present.
//!
//! Faults and the total stall time are in the report; [`MigrationEvent::FaultStarted`] and
//! [`MigrationEvent::FaultResolved`] bracket each stall for the service model.

use std::collections::VecDeque;

use sim_core::{RngStream, SimTime};

use crate::config::{ConfigError, PostcopyConfig, VmConfig};
use crate::memory::{PageBitmap, PageWriter};
use crate::migration::{Algorithm, Core, MigrationEvent, RoundRecord};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    /// The state is in flight.
    State,
    /// The state is acknowledged; the VM resumes at this instant.
    Resuming(SimTime),
    /// The VM runs at the destination.
    Running,
    Done,
}

/// Pages written together, in stream order, not yet all acknowledged.
#[derive(Clone, Debug)]
struct Region {
    start: u64,
    pages: Vec<u64>,
    acked: usize,
}

/// The post-copy engine. Drive it through [`Migration`](crate::Migration).
#[derive(Clone, Debug)]
pub struct Postcopy {
    cfg: PostcopyConfig,
    core: Core,
    page_size: u64,
    state_bytes: u64,
    phase: Phase,
    touch: PageWriter,
    present: PageBitmap,
    written: PageBitmap,
    regions: VecDeque<Region>,
    bg_cursor: u64,
    /// The next touch (index, page) that would fault as presence stands now.
    peek: Option<(u64, u64)>,
    /// The page the VM is stalled on, and since when.
    stall: Option<(u64, SimTime)>,
    /// A fault request on its way to the source: (arrival, page). The VM stalls on a fault, so
    /// at most one is outstanding.
    request: Option<(SimTime, u64)>,
    rtt: Option<SimTime>,
    start: SimTime,
    push_started: Option<SimTime>,
}

impl Postcopy {
    /// A post-copy migration of `vm`, not yet started; `rng` drives the destination's touches.
    pub fn new(vm: &VmConfig, cfg: &PostcopyConfig, rng: RngStream) -> Result<Self, ConfigError> {
        vm.validate()?;
        cfg.validate()?;
        let pages = vm.pages();
        Ok(Postcopy {
            cfg: *cfg,
            core: Core::new(Algorithm::Postcopy, false),
            page_size: vm.page_size,
            state_bytes: vm.state.bytes(),
            phase: Phase::Idle,
            touch: PageWriter::new(pages, vm.dirty_rate, vm.hot_fraction, rng),
            present: vm.page_bitmap()?,
            written: vm.page_bitmap()?,
            regions: VecDeque::new(),
            bg_cursor: 0,
            peek: None,
            stall: None,
            request: None,
            rtt: None,
            start: SimTime::ZERO,
            push_started: None,
        })
    }

    pub(crate) fn core(&self) -> &Core {
        &self.core
    }

    pub(crate) fn core_mut(&mut self) -> &mut Core {
        &mut self.core
    }

    /// Pages present at the destination (acknowledged).
    pub fn present(&self) -> &PageBitmap {
        &self.present
    }

    /// Whether the VM runs at the destination and is not stalled on a fault.
    pub fn is_vm_running(&self) -> bool {
        matches!(self.phase, Phase::Running | Phase::Done) && self.stall.is_none()
    }

    pub(crate) fn handle_rtt(&mut self, rtt: SimTime) {
        self.rtt = Some(rtt);
    }

    pub(crate) fn handle_start(&mut self, now: SimTime) {
        assert_eq!(self.phase, Phase::Idle, "post-copy started twice");
        self.core.start(now);
        self.start = now;
        self.core.pause(now);
        self.core.write(self.state_bytes);
        self.core.round_started(0, 0, now);
        self.phase = Phase::State;
        self.progress(now);
    }

    pub(crate) fn handle_transmitted(&mut self, now: SimTime, bytes: u64) {
        self.run_touches(now, false);
        self.core.set_transmitted(bytes);
        self.progress(now);
    }

    pub(crate) fn handle_acked(&mut self, now: SimTime, bytes: u64) {
        // Touches strictly before `now` saw the old presence; a touch at `now` sees this ACK.
        self.run_touches(now, false);
        self.core.set_acked(bytes);
        self.apply_acks(now);
        self.progress(now);
    }

    pub(crate) fn handle_timeout(&mut self, now: SimTime) {
        self.progress(now);
    }

    pub(crate) fn poll_timeout(&self) -> Option<SimTime> {
        let resume = match self.phase {
            Phase::Resuming(at) => Some(at),
            _ => None,
        };
        let touch = match (self.phase, self.stall, self.peek) {
            (Phase::Running, None, Some((k, _))) => self.touch.time_of(k),
            _ => None,
        };
        [resume, touch, self.request.map(|(t, _)| t)]
            .into_iter()
            .flatten()
            .min()
    }

    fn fault_delay(&self) -> SimTime {
        self.cfg
            .fault_rtt
            .unwrap_or_else(|| self.rtt.map_or(SimTime::ZERO, |r| r / 2))
    }

    fn progress(&mut self, now: SimTime) {
        if self.phase == Phase::State && self.core.acked >= self.state_bytes {
            self.core.round_ended(RoundRecord {
                index: 0,
                start: self.start,
                end: now,
                bytes: self.state_bytes,
                pages_sent: 0,
                pages_dirtied_during: 0,
            });
            self.phase = Phase::Resuming(now + self.cfg.resume_time);
        }
        if let Phase::Resuming(at) = self.phase
            && now >= at
        {
            self.core.resume(at);
            self.touch.start(at);
            self.phase = Phase::Running;
        }
        self.run_touches(now, true);
        if let Some((t, page)) = self.request
            && t <= now
        {
            self.request = None;
            if !self.written.contains(page) {
                self.write_pages(now, vec![page]);
            }
        }
        if self.phase != Phase::Idle
            && self.phase != Phase::Done
            && self.core.transmitted >= self.core.written
        {
            let mut batch = Vec::new();
            while (batch.len() as u64) < self.cfg.batch_pages {
                let Some(p) = self.written.next_absent(self.bg_cursor) else {
                    break;
                };
                batch.push(p);
                self.bg_cursor = p + 1;
            }
            if !batch.is_empty() {
                self.write_pages(now, batch);
            }
        }
        if self.phase == Phase::Running && self.present.is_full() {
            let start = self.push_started.unwrap_or(now);
            self.core.round_ended(RoundRecord {
                index: 1,
                start,
                end: now,
                bytes: self.present.capacity() * self.page_size,
                pages_sent: self.present.capacity(),
                pages_dirtied_during: 0,
            });
            self.core.finish(now, None);
            self.phase = Phase::Done;
        }
    }

    fn write_pages(&mut self, now: SimTime, pages: Vec<u64>) {
        if self.push_started.is_none() {
            self.push_started = Some(now);
            self.core.round_started(1, self.present.capacity(), now);
        }
        for &p in &pages {
            self.written.insert(p);
        }
        let start = self.core.written;
        self.core.write(pages.len() as u64 * self.page_size);
        self.regions.push_back(Region {
            start,
            pages,
            acked: 0,
        });
    }

    fn apply_acks(&mut self, now: SimTime) {
        let acked = self.core.acked;
        while let Some(r) = self.regions.front_mut() {
            while r.acked < r.pages.len()
                && r.start + (r.acked as u64 + 1) * self.page_size <= acked
            {
                self.present.insert(r.pages[r.acked]);
                r.acked += 1;
            }
            if r.acked < r.pages.len() {
                break;
            }
            self.regions.pop_front();
        }
        if let Some((page, since)) = self.stall
            && self.present.contains(page)
        {
            self.stall = None;
            self.core.report.stall_time += now - since;
            self.core
                .emit(MigrationEvent::FaultResolved { page, at: now });
            self.touch.start(now);
        }
    }

    /// Applies the VM's touches due by `now` (at `now` too if `inclusive`), stopping at the
    /// first fault; leaves `peek` at the next touch that would fault.
    fn run_touches(&mut self, now: SimTime, inclusive: bool) {
        if self.phase != Phase::Running || self.stall.is_some() || self.present.is_full() {
            return;
        }
        loop {
            let (k, page) = match self.peek.take() {
                Some(p) => p,
                None => {
                    // A zero rate never touches anything.
                    if self.touch.time_of(self.touch.drawn()).is_none() {
                        return;
                    }
                    (self.touch.drawn(), self.touch.next_page())
                }
            };
            // Presence only grows, so a touch of a present page never faults, whenever it is.
            if self.present.contains(page) {
                continue;
            }
            let t = self.touch.time_of(k).expect("running with a positive rate");
            if t > now || (t == now && !inclusive) {
                self.peek = Some((k, page));
                return;
            }
            self.touch.stop();
            self.stall = Some((page, t));
            self.core.report.faults += 1;
            self.core.emit(MigrationEvent::FaultStarted { page, at: t });
            if !self.written.contains(page) {
                self.request = Some((t + self.fault_delay(), page));
            }
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MigrationConfig;
    use crate::test_link::{FakeLink, run};
    use sim_core::{ByteSize, RngStreams};

    fn vm(pages: u64, rate: u64) -> VmConfig {
        VmConfig {
            memory: ByteSize(pages * 4096),
            page_size: 4096,
            dirty_rate: rate,
            hot_fraction: 0.0,
            state: ByteSize(100_000),
            ..VmConfig::default()
        }
    }

    fn postcopy(vm: &VmConfig, cfg: PostcopyConfig, seed: u64) -> crate::Migration {
        let rng = RngStreams::new(seed).stream("vm");
        crate::Migration::new(vm, &MigrationConfig::Postcopy(cfg), rng).expect("valid")
    }

    /// With no touches there are no faults: the downtime is the state's transfer plus one RTT,
    /// and every page is sent exactly once.
    #[test]
    fn no_touches_no_faults() {
        let link = FakeLink::new(1_000_000_000, SimTime::from_us(100));
        let v = vm(10_000, 0);
        let out = run(postcopy(&v, PostcopyConfig::default(), 1), link.clone());
        let r = out.report;
        assert_eq!(r.faults, 0);
        assert_eq!(r.stall_time, SimTime::ZERO);
        assert_eq!(
            r.downtime,
            Some(link.rate.tx_time(100_000) + link.rtt),
            "downtime = state / R + RTT"
        );
        assert_eq!(r.bytes_sent, 10_000 * 4096 + 100_000, "each page once");
        assert_eq!(r.bytes_written, r.bytes_sent, "finished: all acknowledged");
        assert_eq!(r.rounds.len(), 2);
    }

    /// A high touch rate over a slow push faults; each stall lasts at least a page's
    /// transmission plus the RTT plus the request delay, the stalls are inside the migration,
    /// every page is still sent exactly once (demand fetches replace, not duplicate, pushes),
    /// and the run is deterministic.
    #[test]
    fn high_rate_faults_and_stalls() {
        let link = FakeLink::new(100_000_000, SimTime::from_us(200));
        let v = vm(5_000, 50_000);
        let cfg = PostcopyConfig {
            fault_rtt: Some(SimTime::from_us(100)),
            ..PostcopyConfig::default()
        };
        let out = run(postcopy(&v, cfg, 7), link.clone());
        let r = &out.report;
        assert!(r.faults > 10, "faults: {}", r.faults);
        let min_stall = link.rate.tx_time(4096) + link.rtt;
        assert!(
            r.stall_time >= min_stall * r.faults,
            "stall {} for {} faults",
            r.stall_time,
            r.faults
        );
        let after_resume = r.end.unwrap() - r.resumed_at.unwrap();
        assert!(
            r.stall_time <= after_resume,
            "stalls happen after the resume"
        );
        assert_eq!(r.bytes_sent, 5_000 * 4096 + 100_000);
        let starts = out
            .events
            .iter()
            .filter(|e| matches!(e, MigrationEvent::FaultStarted { .. }))
            .count();
        let ends = out
            .events
            .iter()
            .filter(|e| matches!(e, MigrationEvent::FaultResolved { .. }))
            .count();
        assert_eq!(
            (starts as u64, ends as u64),
            (r.faults, r.faults),
            "every stall bracketed"
        );
        let again = run(postcopy(&v, cfg, 7), link);
        assert_eq!(again.report, out.report, "same seed, same run");
    }

    /// A demand fetch overtakes the background push: the first faulting page is beyond the
    /// pages pushed so far, yet it is present long before the push would have reached it.
    #[test]
    fn demand_fetch_jumps_the_queue() {
        let link = FakeLink::new(100_000_000, SimTime::from_us(200));
        let v = vm(5_000, 50_000);
        let out = run(postcopy(&v, PostcopyConfig::default(), 3), link.clone());
        let (page, at) = out
            .events
            .iter()
            .find_map(|e| match *e {
                MigrationEvent::FaultResolved { page, at } => Some((page, at)),
                _ => None,
            })
            .expect("a fault");
        let push_reaches = link.rate.tx_time(100_000 + (page + 1) * 4096);
        assert!(
            at < push_reaches,
            "page {page} resolved at {at}, push would reach it at {push_reaches}"
        );
    }
}
