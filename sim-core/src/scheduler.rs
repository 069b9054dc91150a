//! The clock, the pending events, and run control.
//!
//! A [`Simulation`] is a plain value: a [`Scheduler`] (clock + event queue) and a [`Model`] (all
//! the state that events act on). There is no global simulator; many simulations can run side by
//! side in one process.
//!
//! ```
//! use sim_core::{Model, Scheduler, SimTime, Simulation};
//!
//! /// A counter that re-arms itself every microsecond.
//! struct Ticker { ticks: u32 }
//! impl Model for Ticker {
//!     type Event = ();
//!     fn handle(&mut self, sched: &mut Scheduler<()>, _event: ()) {
//!         self.ticks += 1;
//!         sched.schedule_in(SimTime::from_us(1), ());
//!     }
//! }
//!
//! let mut sim = Simulation::new(Ticker { ticks: 0 });
//! sim.scheduler.schedule_at(SimTime::ZERO, ());
//! sim.run_until(SimTime::from_us(10));
//! assert_eq!(sim.model.ticks, 11); // t = 0, 1, …, 10 µs
//! assert_eq!(sim.scheduler.now(), SimTime::from_us(10));
//! ```

use crate::SimTime;
use crate::event_queue::{AnyQueue, EventId, EventQueue, QueueKind};

/// The simulation clock and its pending events.
#[derive(Debug)]
pub struct Scheduler<E> {
    now: SimTime,
    queue: AnyQueue<E>,
    executed: u64,
    /// The running loop should return (checked after every event).
    stop_requested: bool,
    /// ... but only once the current instant is over ([`Scheduler::stop_after_instant`]).
    finish_instant: bool,
    /// The running loop looks at the progress hook and the stop flags once `executed`
    /// reaches this: the next progress report, or 0 once a stop is requested (one check per
    /// event instead of two).
    attention: u64,
}

impl<E> Scheduler<E> {
    /// An empty scheduler at time zero using the default queue.
    pub fn new() -> Self {
        Self::with_queue(QueueKind::default())
    }

    /// An empty scheduler at time zero using the given queue implementation.
    pub fn with_queue(kind: QueueKind) -> Self {
        Scheduler {
            now: SimTime::ZERO,
            queue: AnyQueue::new(kind),
            executed: 0,
            stop_requested: false,
            finish_instant: false,
            attention: u64::MAX,
        }
    }

    /// The current simulated time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at the absolute time `at`. Panics if `at` is in the past.
    #[inline]
    pub fn schedule_at(&mut self, at: SimTime, event: E) {
        debug_assert!(at >= self.now, "scheduled in the past");
        self.queue.push_fixed(at, event)
    }

    /// Schedules `event` after `delay`.
    #[inline]
    pub fn schedule_in(&mut self, delay: SimTime, event: E) {
        self.queue.push_fixed(self.now + delay, event)
    }

    /// Schedules `event` at `at` and returns a handle for [`Scheduler::cancel`]. Slightly
    /// dearer than [`Scheduler::schedule_at`]; components that keep one pending event and
    /// ignore stale ones do not need it.
    #[inline]
    pub fn schedule_cancellable_at(&mut self, at: SimTime, event: E) -> EventId {
        debug_assert!(at >= self.now, "scheduled in the past");
        self.queue.push(at, event)
    }

    /// Cancels a pending event; `false` if it already ran or was cancelled.
    #[inline]
    pub fn cancel(&mut self, id: EventId) -> bool {
        self.queue.cancel(id)
    }

    /// Asks the running loop to return after the current event; events pending at the
    /// current time stay pending.
    pub fn stop(&mut self) {
        self.stop_requested = true;
        self.finish_instant = false;
        self.attention = 0;
    }

    /// Asks the running loop to return once every event at the current time has run —
    /// those already pending and those they schedule at the same time — so that what
    /// happens at the stopping instant does not depend on which same-time event asked.
    /// The clock stays at the current time. [`Scheduler::stop`] takes precedence.
    pub fn stop_after_instant(&mut self) {
        if !self.stop_requested {
            self.stop_requested = true;
            self.finish_instant = true;
            self.attention = 0;
        }
    }

    /// Events executed so far.
    pub fn executed(&self) -> u64 {
        self.executed
    }

    /// Live pending events.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Events stored in the queue, cancelled ones not yet purged included.
    pub fn stored(&self) -> usize {
        self.queue.stored()
    }

    /// The time of the next pending event.
    pub fn next_time(&mut self) -> Option<SimTime> {
        self.queue.peek_time()
    }
}

impl<E> Default for Scheduler<E> {
    fn default() -> Self {
        Self::new()
    }
}

/// The state events act on.
pub trait Model {
    /// The event type: plain data, never a boxed closure.
    type Event;
    /// Executes one event at `sched.now()`.
    fn handle(&mut self, sched: &mut Scheduler<Self::Event>, event: Self::Event);
}

/// What a progress hook is told.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Current simulated time.
    pub now: SimTime,
    /// The time the current run stops at.
    pub end: SimTime,
    /// Events executed so far.
    pub executed: u64,
}

/// Why a run returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// The end time was reached (or no event was left before it); the clock is at the end time.
    ReachedEnd,
    /// [`Scheduler::stop`] or [`Scheduler::stop_after_instant`] was called; the clock is at
    /// the last executed event.
    Stopped,
}

/// A progress callback and how often it is called.
struct ProgressHook {
    every: u64,
    hook: Box<dyn FnMut(Progress)>,
}

/// A model together with its scheduler, and the run loop.
pub struct Simulation<M: Model> {
    /// Clock and pending events.
    pub scheduler: Scheduler<M::Event>,
    /// Everything the events act on.
    pub model: M,
    progress: Option<ProgressHook>,
}

impl<M: Model> Simulation<M> {
    /// A simulation at time zero with the default event queue.
    pub fn new(model: M) -> Self {
        Self::with_queue(model, QueueKind::default())
    }

    /// A simulation at time zero with the given event queue.
    pub fn with_queue(model: M, kind: QueueKind) -> Self {
        Simulation {
            scheduler: Scheduler::with_queue(kind),
            model,
            progress: None,
        }
    }

    /// Calls `hook` every `every` executed events (and once at the end of each run), never per
    /// event unless `every` is 1.
    pub fn set_progress(&mut self, every: u64, hook: impl FnMut(Progress) + 'static) {
        self.progress = Some(ProgressHook {
            every: every.max(1),
            hook: Box::new(hook),
        });
    }

    /// Executes the next event if there is one; returns its time.
    pub fn step(&mut self) -> Option<SimTime> {
        let (t, ev) = self.scheduler.queue.pop()?;
        self.scheduler.now = t;
        self.scheduler.executed += 1;
        self.model.handle(&mut self.scheduler, ev);
        Some(t)
    }

    /// Executes every event with time ≤ `end` in order, then sets the clock to `end` — unless
    /// a handler calls [`Scheduler::stop`], which returns at once, or
    /// [`Scheduler::stop_after_instant`], which returns after the last event at that time.
    pub fn run_until(&mut self, end: SimTime) -> RunOutcome {
        self.scheduler.stop_requested = false;
        self.scheduler.finish_instant = false;
        let every = self.progress.as_ref().map_or(u64::MAX, |p| p.every);
        let mut next_report = self.scheduler.executed.saturating_add(every);
        self.scheduler.attention = next_report;
        while let Some((t, ev)) = self.scheduler.queue.pop_until(end) {
            self.scheduler.now = t;
            self.scheduler.executed += 1;
            self.model.handle(&mut self.scheduler, ev);
            if self.scheduler.executed < self.scheduler.attention {
                continue;
            }
            if self.scheduler.executed >= next_report {
                next_report = self.scheduler.executed.saturating_add(every);
                self.report(end);
            }
            self.scheduler.attention = next_report;
            if self.scheduler.stop_requested {
                self.scheduler.attention = 0;
                // After `stop_after_instant`, carry on while events remain at this instant
                // (the flag stays set, so this is asked again after each of them).
                if self.scheduler.finish_instant && self.scheduler.queue.peek_time() == Some(t) {
                    continue;
                }
                self.scheduler.stop_requested = false;
                self.scheduler.finish_instant = false;
                self.report(end);
                return RunOutcome::Stopped;
            }
        }
        self.scheduler.now = self.scheduler.now.max(end);
        self.report(end);
        RunOutcome::ReachedEnd
    }

    fn report(&mut self, end: SimTime) {
        if let Some(p) = &mut self.progress {
            (p.hook)(Progress {
                now: self.scheduler.now,
                end,
                executed: self.scheduler.executed,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;

    struct Recorder {
        log: Vec<(SimTime, u32)>,
        stop_at: Option<u32>,
    }
    impl Model for Recorder {
        type Event = u32;
        fn handle(&mut self, sched: &mut Scheduler<u32>, ev: u32) {
            self.log.push((sched.now(), ev));
            if Some(ev) == self.stop_at {
                sched.stop();
            }
        }
    }

    /// run_until executes events at the end time, leaves later ones pending, and parks the
    /// clock at the end time; a later push before the next pending event is still accepted.
    #[test]
    fn run_until_is_inclusive_and_resumable() {
        let mut sim = Simulation::new(Recorder {
            log: vec![],
            stop_at: None,
        });
        for (t, e) in [(5, 1), (10, 2), (10, 3), (20, 4)] {
            sim.scheduler.schedule_at(SimTime::from_ps(t), e);
        }
        assert_eq!(sim.run_until(SimTime::from_ps(10)), RunOutcome::ReachedEnd);
        assert_eq!(
            sim.model.log.iter().map(|x| x.1).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert_eq!(sim.scheduler.now(), SimTime::from_ps(10));
        sim.run_until(SimTime::from_ps(15));
        sim.scheduler.schedule_at(SimTime::from_ps(16), 5);
        sim.run_until(SimTime::from_ps(100));
        assert_eq!(
            sim.model.log.iter().map(|x| x.1).collect::<Vec<_>>(),
            [1, 2, 3, 5, 4]
        );
        assert_eq!(sim.scheduler.executed(), 5);
    }

    /// stop() returns right after the stopping event, with later events still pending.
    #[test]
    fn stop_returns_early() {
        let mut sim = Simulation::new(Recorder {
            log: vec![],
            stop_at: Some(2),
        });
        for (t, e) in [(1, 1), (2, 2), (3, 3)] {
            sim.scheduler.schedule_at(SimTime::from_ps(t), e);
        }
        assert_eq!(sim.run_until(SimTime::MAX), RunOutcome::Stopped);
        assert_eq!(sim.scheduler.now(), SimTime::from_ps(2));
        assert_eq!(sim.scheduler.pending(), 1);
    }

    /// stop_after_instant() lets the other events of the same instant run — those pending
    /// and those scheduled at that instant afterwards — and returns with later ones pending
    /// and the clock at that instant.
    #[test]
    fn stop_after_instant_finishes_the_instant() {
        struct Chain {
            log: Vec<(SimTime, u32)>,
        }
        impl Model for Chain {
            type Event = u32;
            fn handle(&mut self, sched: &mut Scheduler<u32>, ev: u32) {
                self.log.push((sched.now(), ev));
                if ev == 2 {
                    sched.stop_after_instant();
                    sched.schedule_in(SimTime::ZERO, 9); // same instant: still runs
                }
            }
        }
        let mut sim = Simulation::new(Chain { log: vec![] });
        for (t, e) in [(1, 1), (2, 2), (2, 3), (3, 4)] {
            sim.scheduler.schedule_at(SimTime::from_ps(t), e);
        }
        assert_eq!(sim.run_until(SimTime::MAX), RunOutcome::Stopped);
        let order: Vec<u32> = sim.model.log.iter().map(|x| x.1).collect();
        assert_eq!(order, [1, 2, 3, 9], "the instant completes, FIFO");
        assert_eq!(sim.scheduler.now(), SimTime::from_ps(2));
        assert_eq!(sim.scheduler.pending(), 1, "the event at 3 ps waits");
        assert_eq!(
            sim.run_until(SimTime::MAX),
            RunOutcome::ReachedEnd,
            "resumable"
        );
        assert_eq!(sim.model.log.last(), Some(&(SimTime::from_ps(3), 4)));
    }

    /// The progress hook fires every N events plus once at the end, not per event.
    #[test]
    fn progress_every_n_events() {
        let mut sim = Simulation::new(Recorder {
            log: vec![],
            stop_at: None,
        });
        for t in 0..1000 {
            sim.scheduler.schedule_at(SimTime::from_ps(t), 0);
        }
        let calls = Rc::new(Cell::new(0));
        let c = calls.clone();
        sim.set_progress(100, move |_| c.set(c.get() + 1));
        sim.run_until(SimTime::MAX);
        assert_eq!(calls.get(), 11);
    }
}
