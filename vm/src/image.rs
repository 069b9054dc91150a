//! Image migration (seed 004 §III.C), sans-IO: "back up the migrated VMs … into an image
//! file, and transfer the image file to the FTP server. When the image file is stored at the
//! FTP server, the control server will command the target machine to transfer the image file,
//! and restart the VM". The VM is paused throughout.
//!
//! ```text
//!  start ─ pause ─┬─ save: image / source disk_rate ─┐
//!                 │  upload:   source ══TCP══► temporary server (until acknowledged)
//!                 │  download: temporary server ══TCP══► target  (until acknowledged)
//!                 └─ restore: image / target disk_rate + image × restore_cycles_per_byte
//!                             / target cpu_speed ──────────────────────────────► resume
//! ```
//!
//! * **image** = memory + vcpus × state: the guest's pages and, per vCPU, its CPU and device
//!   state (netsim's `state`), so a VM with more vCPUs has a larger, slower image — seed 004's
//!   scenario 5 ("the image complexity of VM will slightly affect the service break time").
//! * **save** writes it at the source's `disk_rate`; **restore** reads it at the target's
//!   `disk_rate` and rebuilds the guest at `restore_cycles_per_byte` cycles per image byte on
//!   one core of the target's `cpu_speed` (a calibration input: the paper gives no rate).
//! * The two copies are ordinary TCP transfers ([`app`]): the network, its queues and the
//!   other migrations set how long they take.
//!
//! Inputs: [`ImageMigration::handle_start`], [`handle_timeout`](ImageMigration::handle_timeout)
//! at [`poll_timeout`](ImageMigration::poll_timeout), [`handle_uploaded`](ImageMigration::handle_uploaded)
//! (the temporary server acknowledged the whole image), [`handle_downloaded`](ImageMigration::handle_downloaded)
//! (the target did). Outputs: [`poll_action`](ImageMigration::poll_action) (start a copy) and
//! the same [`MigrationEvent`]s as the other engines.

pub mod app;

use std::collections::VecDeque;

use sim_core::SimTime;

use crate::migration::{Algorithm, MigrationEvent, MigrationReport, RoundRecord};
use crate::placement::HostHardware;

/// Sizes and times of one image migration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageConfig {
    /// Image size [bytes]: memory + vcpus × state.
    pub image: u64,
    /// Pages in the image's memory part (for the report).
    pub pages: u64,
    /// Writing the image at the source.
    pub save_time: SimTime,
    /// Reading and rebuilding it at the target.
    pub restore_time: SimTime,
}

impl ImageConfig {
    /// The image of a VM with `memory`, `pages`, `vcpus` and per-vCPU `state` bytes, saved on
    /// `source` and restored on `target` at `restore_cycles_per_byte`.
    pub fn new(
        (memory, pages, vcpus, state): (u64, u64, u32, u64),
        source: &HostHardware,
        target: &HostHardware,
        restore_cycles_per_byte: u64,
    ) -> ImageConfig {
        let image = memory.saturating_add(u64::from(vcpus).saturating_mul(state));
        let cycles = image as u128 * restore_cycles_per_byte as u128;
        ImageConfig {
            image,
            pages,
            save_time: source.disk_time(image),
            restore_time: target.disk_time(image) + target.cpu_time(cycles),
        }
    }
}

/// A copy the integrator must start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageAction {
    /// Send this many bytes from the source to the temporary server.
    Upload(u64),
    /// Have the temporary server send this many bytes to the target.
    Download(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    Saving { until: SimTime },
    Uploading { since: SimTime },
    Downloading { since: SimTime },
    Restoring { until: SimTime },
    Done,
}

/// One image migration; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct ImageMigration {
    cfg: ImageConfig,
    phase: Phase,
    actions: VecDeque<ImageAction>,
    events: VecDeque<MigrationEvent>,
    report: MigrationReport,
}

impl ImageMigration {
    /// A migration with `cfg`, not yet started.
    pub fn new(cfg: ImageConfig) -> Self {
        ImageMigration {
            cfg,
            phase: Phase::Idle,
            actions: VecDeque::new(),
            events: VecDeque::new(),
            report: MigrationReport::new(Algorithm::Image, false),
        }
    }

    /// Its sizes and times.
    pub fn config(&self) -> ImageConfig {
        self.cfg
    }

    /// Starts at `now`: the VM pauses and the save begins.
    pub fn handle_start(&mut self, now: SimTime) {
        assert_eq!(self.phase, Phase::Idle, "image migration started twice");
        self.report.start = Some(now);
        self.report.paused_at = Some(now);
        self.events.push_back(MigrationEvent::Paused { at: now });
        self.phase = Phase::Saving {
            until: now + self.cfg.save_time,
        };
        self.handle_timeout(now);
    }

    /// The deadline from [`poll_timeout`](Self::poll_timeout) has come (or any time: early
    /// calls do nothing).
    pub fn handle_timeout(&mut self, now: SimTime) {
        match self.phase {
            Phase::Saving { until } if now >= until => {
                self.phase = Phase::Uploading { since: now };
                self.actions.push_back(ImageAction::Upload(self.cfg.image));
                self.round_started(0, now);
            }
            Phase::Restoring { until } if now >= until => {
                self.phase = Phase::Done;
                self.report.resumed_at = Some(now);
                self.report.downtime = self.report.paused_at.map(|p| now - p);
                self.report.end = Some(now);
                self.report.total_time = self.report.start.map(|s| now - s);
                self.events.push_back(MigrationEvent::Resumed { at: now });
                self.events.push_back(MigrationEvent::Finished {
                    at: now,
                    stop_reason: None,
                });
            }
            _ => {}
        }
    }

    /// The temporary server has acknowledged the whole image: the download starts.
    pub fn handle_uploaded(&mut self, now: SimTime) {
        let Phase::Uploading { since } = self.phase else {
            return;
        };
        self.round_ended(0, since, now);
        self.phase = Phase::Downloading { since: now };
        self.actions
            .push_back(ImageAction::Download(self.cfg.image));
        self.round_started(1, now);
    }

    /// The target has acknowledged the whole image: the restore starts.
    pub fn handle_downloaded(&mut self, now: SimTime) {
        let Phase::Downloading { since } = self.phase else {
            return;
        };
        self.round_ended(1, since, now);
        self.phase = Phase::Restoring {
            until: now + self.cfg.restore_time,
        };
        self.handle_timeout(now);
    }

    fn round_started(&mut self, round: u32, at: SimTime) {
        self.report.bytes_written += self.cfg.image;
        self.events.push_back(MigrationEvent::RoundStarted {
            round,
            pages: self.cfg.pages,
            stream_end: self.report.bytes_written,
            at,
        });
    }

    fn round_ended(&mut self, index: u32, start: SimTime, end: SimTime) {
        self.report.bytes_sent += self.cfg.image;
        self.events.push_back(MigrationEvent::RoundEnded {
            round: index,
            bytes: self.cfg.image,
            at: end,
        });
        self.report.rounds.push(RoundRecord {
            index,
            start,
            end,
            bytes: self.cfg.image,
            pages_sent: self.cfg.pages,
            pages_dirtied_during: 0,
        });
    }

    /// The next copy to start, if any.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<ImageAction> {
        self.actions.pop_front()
    }

    /// The next event, if any.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<MigrationEvent> {
        self.events.pop_front()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<SimTime> {
        match self.phase {
            Phase::Saving { until } | Phase::Restoring { until } => Some(until),
            _ => None,
        }
    }

    /// Whether it has finished.
    pub fn is_finished(&self) -> bool {
        self.phase == Phase::Done
    }

    /// The report so far. The two copies are its two rounds (upload, download); `bytes_sent`
    /// counts both.
    pub fn report(&self) -> MigrationReport {
        self.report.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::CpuSpeed;
    use sim_core::DataRate;

    /// The phases in order with scripted copies: pause at the start; the upload begins after
    /// image / disk_rate; the download when the upload is acknowledged; the resume exactly
    /// the restore time after the download is acknowledged; downtime = the whole span.
    #[test]
    fn phases_follow_the_paper_and_the_vm_is_paused_throughout() {
        let disk = HostHardware {
            disk_rate: DataRate::from_bps(800_000_000),
            cpu_speed: CpuSpeed::from_hz(2_000_000_000),
            ..HostHardware::default()
        };
        // 96 MB of memory + 2 vCPUs × 2 MB = 100 MB: save 1 s; restore 1 s + 100e6 × 10 / 2e9.
        let cfg = ImageConfig::new((96_000_000, 23_438, 2, 2_000_000), &disk, &disk, 10);
        assert_eq!(cfg.image, 100_000_000);
        assert_eq!(cfg.save_time, SimTime::from_secs(1));
        assert_eq!(cfg.restore_time, SimTime::from_ms(1500));
        let mut m = ImageMigration::new(cfg);
        let t0 = SimTime::from_secs(10);
        m.handle_start(t0);
        assert_eq!(m.poll_event(), Some(MigrationEvent::Paused { at: t0 }));
        assert_eq!(m.poll_action(), None, "saving first");
        assert_eq!(m.poll_timeout(), Some(SimTime::from_secs(11)));
        m.handle_downloaded(SimTime::from_secs(11)); // out of order: ignored
        m.handle_timeout(SimTime::from_secs(11));
        assert_eq!(m.poll_action(), Some(ImageAction::Upload(100_000_000)));
        m.handle_uploaded(SimTime::from_secs(13));
        assert_eq!(m.poll_action(), Some(ImageAction::Download(100_000_000)));
        m.handle_downloaded(SimTime::from_secs(15));
        assert!(!m.is_finished());
        assert_eq!(m.poll_timeout(), Some(SimTime::from_ms(16_500)));
        m.handle_timeout(SimTime::from_ms(16_500));
        assert!(m.is_finished());
        let r = m.report();
        assert_eq!(r.downtime, Some(SimTime::from_ms(6500)));
        assert_eq!(r.total_time, r.downtime, "paused from start to end");
        assert_eq!(r.rounds.len(), 2);
        assert_eq!(r.bytes_sent, 200_000_000, "both copies");
        let evs: Vec<_> = std::iter::from_fn(|| m.poll_event()).collect();
        assert!(evs.contains(&MigrationEvent::Resumed {
            at: SimTime::from_ms(16_500)
        }));
    }

    /// Without hardware keys the save and restore take no time.
    #[test]
    fn unstated_hardware_is_instantaneous() {
        let none = HostHardware::default();
        let cfg = ImageConfig::new((1 << 20, 256, 1, 0), &none, &none, 100);
        assert_eq!(
            (cfg.save_time, cfg.restore_time),
            (SimTime::ZERO, SimTime::ZERO)
        );
    }
}
