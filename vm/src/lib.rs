//! # vm — virtual machines and their live migration, sans-IO
//!
//! This crate owns what a VM is to the simulator — memory pages that a running guest keeps
//! dirtying — and the engines that migrate it: pre-copy with the Xen stop conditions and seed
//! 002's Early Notification, stop-and-copy, and post-copy with demand fetching; plus the
//! orchestrator's pure policies (migration order, target choice by capacity, periodic trigger;
//! seeds 000 and 004); and the bridging of VMs to their hosts ([`VmBridge`]). The engines know
//! nothing about packets; [`app::MigrationApp`] connects each [`Migration`] to one simulated TCP
//! connection and the VM's service as a net-stack application, and
//! [`orchestrator::Orchestrator`] admits the migrations at run time.
//!
//! * [`memory`] — [`PageBitmap`] (chunked: its memory grows with the pages touched, see
//!   [`MAX_PAGES`] for the bound on a VM's size), the drift-free [`PageWriter`] and the dirty
//!   log [`DirtyMemory`], advanced lazily (no event per write);
//! * [`config`] — [`VmConfig`], [`PrecopyConfig`], [`StopAndCopyConfig`], [`PostcopyConfig`],
//!   validation errors;
//! * [`migration`] — the [`Migration`] front end, its [`MigrationEvent`]s and
//!   [`MigrationReport`]; the engines live in [`precopy`], [`stop_and_copy`], [`postcopy`];
//! * [`orchestrator`] — order, target and trigger policies, and the run-time
//!   [`Orchestrator`](orchestrator::Orchestrator) application;
//! * [`app`] — [`MigrationApp`](app::MigrationApp), a migration as a net-stack application;
//!   [`channel`] — the `channel` transport (seed 000's `Move_Data`): a migration timed at a
//!   link's rate, no protocol;
//! * [`image`] — seed 004's image migration (save, copy through a temporary server, restore)
//!   and its applications; [`placement`] — target choice by hardware vectors;
//! * [`bridge`] — [`VmBridge`], the hypervisors' virtual switches as a net-stack host plane:
//!   which VM a frame is for, paused VMs' drops, and moving a VM to another host.
//!
//! ## Driving a migration
//!
//! ```text
//!              handle_start(now)
//!              handle_transmitted(now, total bytes sent once)   ◄── TCP: SND.MAX − ISS − 1
//!   integrator handle_acked(now, total bytes acked)             ◄── TCP: SND.UNA − ISS − 1
//!      │       handle_timeout(now)                              ◄── engine timer
//!      ▼
//!   ┌──────────────────── Migration (Precopy | StopAndCopy | Postcopy) ───────────────────┐
//!   │  DirtyMemory / PageWriter ── rounds, stop conditions, pause/resume, faults ── Core  │
//!   └──────────────────────────────────────────────────────────────────────────────────────┘
//!      │ poll_write()   → bytes to append to the TCP stream (whole rounds / batches)
//!      │ poll_event()   → RoundStarted, RoundEnded, Paused (service stops), Resumed (move the
//!      │                  VM's address, gratuitous ARP), FaultStarted/Resolved, Finished
//!      │ poll_timeout() → when to call handle_timeout
//!      ▼ report()       → MigrationReport (summary.json `migrations[]`)
//! ```
//!
//! After every `handle_*` call, drain `poll_write` into the socket and `poll_event` into the
//! node, then re-arm one timer at `poll_timeout`.
//!
//! ## In a simulated network
//!
//! Nothing polls: every input reaches the engine at the instant it happens, as a net-stack
//! event, and the migrations and their orchestrator coordinate through signals
//! ([`net_stack::signal`]).
//!
//! ```text
//!   net-stack event                         MigrationApp                     engine
//!   AppStart (trigger time) ──────────────► start ─ admitted? ─────────────► handle_start
//!   Signal::Start (from the Orchestrator) ─► on_signal ──────────────────────► handle_start
//!   TcpEvent::AllSent ─────────────────────► on_tcp ─────────────────────────► handle_transmitted
//!   socket ACK progress (tcp_watch_acked) ─► on_tcp_acked ───────────────────► handle_acked
//!   AppTimer at poll_timeout ──────────────► on_timer ───────────────────────► handle_timeout
//!   Paused / Resumed ◄─── pause_vm / resume_vm ◄──────────────────────────────── poll_event
//!   Finished ──► Signal::Finished to the Orchestrator ──► Signal::Start to the next ticket,
//!                or AppCtx::stop_run after the last one (`end_after_migrations`)
//! ```
//!
//! So a paused VM resumes, and a post-copy fault is resolved, at the very picosecond the byte
//! it waits for is acknowledged; a waiting migration starts at the instant a slot frees.
//!
//! A pre-copy round, under the baseline, is
//! handed over when the previous round is acknowledged; with Early Notification, when it has
//! been transmitted once:
//!
//! ```text
//!   baseline  │ round i sent ──── RTT ───► acked │ round i+1 …
//!   E-N       │ round i sent │ round i+1 …            (the window never drains between rounds)
//! ```
//!
//! ```
//! use sim_core::{ByteSize, RngStreams, SimTime};
//! use vm::{Migration, MigrationConfig, MigrationEvent, PrecopyConfig, VmConfig};
//!
//! let vm = VmConfig { memory: ByteSize(64 << 20), dirty_rate: 0, ..VmConfig::default() };
//! let algo = MigrationConfig::Precopy(PrecopyConfig::default());
//! let mut m = Migration::new(&vm, &algo, RngStreams::new(1).stream("vm/vm1")).unwrap();
//! m.handle_start(SimTime::ZERO);
//! let round0 = m.poll_write().unwrap();
//! assert_eq!(round0, 64 << 20);
//! // The transport sends and acknowledges everything by 1 s: round 0 ends, nothing was
//! // dirtied, so the VM pauses and the final round carries only the 8 MiB of state.
//! m.handle_acked(SimTime::from_secs(1), round0);
//! assert_eq!(m.poll_write(), Some(8 << 20));
//! m.handle_acked(SimTime::from_secs(2), round0 + (8 << 20));
//! let events: Vec<_> = std::iter::from_fn(|| m.poll_event()).collect();
//! assert!(events.contains(&MigrationEvent::Resumed { at: SimTime::from_secs(2) }));
//! assert_eq!(m.report().downtime, Some(SimTime::from_secs(1)));
//! ```
#![warn(missing_docs)]

mod admission;
pub mod app;
pub mod bridge;
pub mod channel;
pub mod config;
pub mod image;
pub mod memory;
pub mod migration;
mod migration_table;
pub mod mobility;
pub mod orchestrator;
pub mod placement;
pub mod postcopy;
pub mod precopy;
pub mod stop_and_copy;
pub mod storage;
#[cfg(test)]
mod test_link;

pub use bridge::VmBridge;
pub use bridge::guest_move::{GuestMove, NewMac};
pub use config::{
    ConfigError, DirtyArrivals, MAX_PAGES, MigrationConfig, PostcopyConfig, PrecopyConfig,
    StopAndCopyConfig, VmConfig,
};
pub use memory::{DirtyMemory, PageBitmap, PageWriter};
pub use migration::{
    Algorithm, Migration, MigrationEvent, MigrationReport, RoundRecord, StopReason,
};
pub use migration_table::{MigrationAlgorithm, MigrationSettings, MigrationTable};
pub use mobility::{MipBinding, MipSettings, Mobility, MobilityPlane, VmMobility};
pub use orchestrator::{HostLoad, OrchestratorConfig, Order, PeriodicTrigger, TargetPolicy};
pub use storage::{DISK_BLOCK_SIZE, Storage, StorageConfig, StorageMigration, StorageReport};
