//! The orchestrator at run time: admission of migrations and the end of the run, as an
//! application that coordinates the migration applications through signals.
//!
//! ```text
//!   built admitted:  ticket 0 … concurrent−1   (they start at their trigger time)
//!   MigrationApp k ──Signal::Finished──► Orchestrator ──Signal::Start──► MigrationApp `next`
//!                                           │ all finished and stop_when_done
//!                                           ▼ AppCtx::stop_run (the run ends at that instant)
//! ```
//!
//! Migrations are admitted in plan order (their tickets: by trigger time, then file order),
//! at most `concurrent` at once. The first `concurrent` tickets are admitted when the
//! simulation is built; every later one is admitted the instant a running migration
//! finishes — the finishing migration's signal and the admission both arrive at that instant
//! ([`net_stack::signal`]'s ordering) — and starts then if its trigger time has passed, else at
//! its trigger time. A ticket admitted before its trigger holds its slot: no later ticket could
//! start before it anyway, since tickets start in order.

use net_stack::AppId;
use net_stack::app::{AppCtx, AppReport, Application, Report};
use net_stack::signal::{Endpoint, Signal};

/// Admits migrations and ends the run once they have all finished; see the
/// [module docs](self).
#[derive(Clone, Debug)]
pub struct Orchestrator {
    /// The migration applications, in ticket order.
    migrations: Vec<AppId>,
    /// Most migrations admitted and not finished at once.
    limit: usize,
    /// The next ticket to admit.
    next: usize,
    /// Admitted and not finished.
    running: usize,
    finished: usize,
    stop_when_done: bool,
}

impl Orchestrator {
    /// An orchestrator for `migrations` (in ticket order), admitting `concurrent` at once (at
    /// least one); with `stop_when_done` it ends the run when the last one finishes
    /// (`end_after_migrations`). Build ticket `k`'s application admitted exactly when
    /// [`Orchestrator::admits_at_start`]`(concurrent, k)`.
    pub fn new(migrations: Vec<AppId>, concurrent: u32, stop_when_done: bool) -> Self {
        let limit = (concurrent.max(1) as usize).min(migrations.len());
        Orchestrator {
            migrations,
            limit: concurrent.max(1) as usize,
            next: limit,
            running: limit,
            finished: 0,
            stop_when_done,
        }
    }

    /// Whether ticket `ticket` is admitted from the start (one of the first `concurrent`).
    pub fn admits_at_start(concurrent: u32, ticket: usize) -> bool {
        ticket < concurrent.max(1) as usize
    }

    /// Migrations that have reported finishing.
    pub fn finished(&self) -> usize {
        self.finished
    }

    /// Migrations admitted so far (started, or waiting only for their trigger time).
    pub fn admitted(&self) -> usize {
        self.next
    }
}

impl Application for Orchestrator {
    fn start(&mut self, _ctx: &mut AppCtx<'_>) {}

    fn on_signal(&mut self, ctx: &mut AppCtx<'_>, signal: Signal) {
        if signal != Signal::Finished {
            return;
        }
        self.running -= 1;
        self.finished += 1;
        while self.running < self.limit && self.next < self.migrations.len() {
            ctx.signal(Endpoint::App(self.migrations[self.next]), Signal::Start);
            self.next += 1;
            self.running += 1;
        }
        if self.stop_when_done && self.finished == self.migrations.len() {
            ctx.stop_run();
        }
    }

    fn report(&self) -> Report {
        Report::Counters(AppReport::default())
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use net_stack::app::AppAction;
    use sim_core::SimTime;

    use super::*;

    fn finish(o: &mut Orchestrator) -> Vec<AppAction> {
        let mut actions = Vec::new();
        let mut ctx = AppCtx::new(SimTime::ZERO, Ipv4Addr::LOCALHOST, &mut actions);
        o.on_signal(&mut ctx, Signal::Finished);
        actions
    }

    fn start(app: u32) -> AppAction {
        AppAction::Signal {
            to: AppId(app),
            signal: Signal::Start,
        }
    }

    /// Two at once out of four: tickets 0 and 1 are admitted when built; each finish admits
    /// the next ticket, in order; the last finish stops the run and admits nobody.
    #[test]
    fn admits_in_ticket_order_as_slots_free() {
        let apps = vec![AppId(10), AppId(11), AppId(12), AppId(13)];
        let admitted: Vec<bool> = (0..4)
            .map(|k| Orchestrator::admits_at_start(2, k))
            .collect();
        assert_eq!(admitted, [true, true, false, false]);
        let mut o = Orchestrator::new(apps, 2, true);
        assert_eq!(o.admitted(), 2);
        assert_eq!(finish(&mut o), [start(12)]);
        assert_eq!(finish(&mut o), [start(13)]);
        assert_eq!(finish(&mut o), []);
        assert_eq!(finish(&mut o), [AppAction::StopRun], "all four finished");
        assert_eq!((o.finished(), o.admitted()), (4, 4));
    }

    /// Without `stop_when_done` the last finish does not end the run; more slots than
    /// migrations admit every one from the start.
    #[test]
    fn no_stop_and_spare_slots() {
        let mut o = Orchestrator::new(vec![AppId(0), AppId(1)], 5, false);
        assert_eq!(o.admitted(), 2);
        assert_eq!(finish(&mut o), []);
        assert_eq!(finish(&mut o), []);
    }
}
