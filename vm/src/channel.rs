//! The `channel` transport (`[[migration]] transport = "channel"`): memory moves at exactly a
//! link's rate with no protocol, as seed 000's model moves it.
//!
//! Seed 000 §III.A: "The timed transition *Move_Data* models the channel and the such
//! transition expires when all memory of the hosted VM in the source physical machine is
//! transferred to the destination." There is no TCP, no header, no slow start and no
//! acknowledgement in that model: a round of B bytes takes B / R. This application gives the
//! same engines ([`Migration`]) that transport:
//!
//! ```text
//!  ChannelMigrationApp (on the source host)
//!    engine.poll_write() = n bytes ──► busy_until = max(now, busy_until) + n·8 / R (exact ps,
//!                                      rounded up: DataRate::tx_time)
//!    timer at busy_until ──► engine.handle_transmitted + handle_acked (the whole write)
//!    Paused / Resumed ──► AppCtx::pause_vm / resume_vm, as the TCP transport does
//! ```
//!
//! **Which rate.** R is the bottleneck of the path between the source and the target host,
//! chosen by the scenario loader (netsim `src/migrate.rs`): the widest of the fewest-hop
//! paths, so on a `linear` or `dumbbell` topology the slowest link on the only path.
//!
//! **What it does not do.** No packets cross the network: the channel is timed, not carried.
//! So the migration does not compete with other traffic, sees no queueing, loss or switch
//! latency, and a link failure does not stop it; and a byte is "acknowledged" the instant its
//! last bit would have left, with no propagation delay (seed 000's `Move_Data` has none).
//! Use the default `tcp` transport for any study of the network's effect on a migration.

use net_stack::app::{AppCtx, Application, Report};
use net_stack::signal::Signal;
use net_stack::{AppId, NodeId};
use serde::Deserialize;
use sim_core::{DataRate, SimTime};

use crate::admission::Admission;
use crate::{Migration, MigrationEvent, MigrationReport};

/// `[[migration]] transport`: how the migration's bytes travel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MigrationTransport {
    /// `"tcp"`: a simulated TCP connection through the network ([`crate::app::MigrationApp`]).
    #[default]
    Tcp,
    /// `"channel"`: at exactly the path's bottleneck rate, no protocol, no packets
    /// ([`ChannelMigrationApp`]; seed 000's `Move_Data`).
    Channel,
}

/// Runs one migration over a timed channel of rate `rate`; see the [module docs](self).
pub struct ChannelMigrationApp {
    engine: Migration,
    vm: NodeId,
    target: NodeId,
    rate: DataRate,
    /// When the channel finishes what has been written so far.
    busy_until: SimTime,
    /// Bytes written (cumulative), and the instants at which each write completes, oldest first.
    written: u64,
    in_flight: std::collections::VecDeque<(SimTime, u64)>,
    /// The engine's own deadline, if one is armed.
    engine_timer: Option<SimTime>,
    events: Vec<MigrationEvent>,
    /// The orchestrator's admission.
    admission: Admission,
}

impl ChannelMigrationApp {
    /// A migration of `vm` to `target` driven by `engine` over a channel of `rate`; it starts
    /// when the application starts.
    pub fn new(engine: Migration, vm: NodeId, target: NodeId, rate: DataRate) -> Self {
        ChannelMigrationApp {
            engine,
            vm,
            target,
            rate,
            busy_until: SimTime::ZERO,
            written: 0,
            in_flight: Default::default(),
            engine_timer: None,
            events: Vec::new(),
            admission: Admission::default(),
        }
    }

    /// Runs under `orchestrator`'s admission, as
    /// [`MigrationApp::with_orchestrator`](crate::app::MigrationApp::with_orchestrator).
    pub fn with_orchestrator(mut self, orchestrator: AppId, admitted: bool) -> Self {
        self.admission.set_orchestrator(orchestrator, admitted);
        self
    }

    /// The engine's report (complete once finished).
    pub fn migration(&self) -> MigrationReport {
        self.engine.report()
    }

    /// Every event the engine emitted, in order.
    pub fn events(&self) -> &[MigrationEvent] {
        &self.events
    }

    /// Starts the migration (once triggered and admitted).
    fn begin(&mut self, ctx: &mut AppCtx<'_>) {
        self.engine.handle_start(ctx.now());
        self.pump(ctx);
    }

    /// Delivers what the channel has finished by now, runs the engine's timer if due, then
    /// carries out what the engine asks.
    fn pump(&mut self, ctx: &mut AppCtx<'_>) {
        let now = ctx.now();
        while let Some(&(at, upto)) = self.in_flight.front() {
            if at > now {
                break;
            }
            self.in_flight.pop_front();
            self.engine.handle_transmitted(now, upto);
            self.engine.handle_acked(now, upto);
        }
        if self.engine_timer.is_some_and(|t| t <= now) {
            self.engine_timer = None;
            self.engine.handle_timeout(now);
        }
        loop {
            while let Some(n) = self.engine.poll_write() {
                let start = self.busy_until.max(now);
                self.busy_until = start + self.rate.tx_time(n);
                self.written += n;
                self.in_flight.push_back((self.busy_until, self.written));
                ctx.set_timer(self.busy_until, 0);
            }
            let mut any = false;
            while let Some(ev) = self.engine.poll_event() {
                any = true;
                match ev {
                    MigrationEvent::Paused { .. } => ctx.pause_vm(self.vm),
                    MigrationEvent::Resumed { .. } => ctx.resume_vm(self.vm, self.target),
                    _ => {}
                }
                self.events.push(ev);
            }
            if !any {
                break;
            }
        }
        if let Some(at) = self.engine.poll_timeout()
            && self.engine_timer != Some(at)
        {
            self.engine_timer = Some(at);
            ctx.set_timer(at, 1);
        }
        if self.engine.is_finished() {
            self.admission.finished(ctx);
        }
    }
}

impl Application for ChannelMigrationApp {
    fn start(&mut self, ctx: &mut AppCtx<'_>) {
        if self.admission.handle_trigger() {
            self.begin(ctx);
        }
    }

    fn on_signal(&mut self, ctx: &mut AppCtx<'_>, signal: Signal) {
        if signal == Signal::Start && self.admission.handle_admit() {
            self.begin(ctx);
        }
    }

    fn on_timer(&mut self, ctx: &mut AppCtx<'_>, _token: u64) {
        // Every timer is a "look again": deliveries and the engine's deadline are read from
        // the app's own state, so a stale timer does nothing.
        self.pump(ctx);
    }

    fn report(&self) -> Report {
        Report::Migration(self.engine.report())
    }
}
