//! What the three migration applications ([`MigrationApp`](crate::app::MigrationApp),
//! [`ChannelMigrationApp`](crate::channel::ChannelMigrationApp),
//! [`ImageMigrationApp`](crate::image::app::ImageMigrationApp)) share about starting and
//! finishing: the [`Orchestrator`](crate::orchestrator::Orchestrator)'s admission and the
//! notices to the orchestrator and to the VM's service measurement.
//!
//! A migration starts once both its trigger time has come (the application started) and it
//! is admitted (built as admitted, one of the first `concurrent` in plan order, or the
//! orchestrator's [`Signal::Start`] arrived); it starts once. When its engine has finished it
//! tells the observer ([`Signal::WindowClose`]) and then the orchestrator
//! ([`Signal::Finished`]), each once.

use net_stack::AppId;
use net_stack::app::AppCtx;
use net_stack::signal::{Endpoint, Signal};

/// One migration's admission and notices; see the [module docs](self).
#[derive(Debug)]
pub(crate) struct Admission {
    /// The orchestrator to tell when finished, if admission is limited.
    orchestrator: Option<AppId>,
    /// The orchestrator let this migration run.
    admitted: bool,
    /// The trigger time has come (the application started).
    triggered: bool,
    started: bool,
    told_finished: bool,
    /// The application measuring the VM's service, told when the migration starts and
    /// finishes ([`Signal::WindowOpen`], [`Signal::WindowClose`]), and whether it was told
    /// of the finish.
    observer: Option<AppId>,
    told_observer: bool,
}

impl Default for Admission {
    /// Admitted, no orchestrator, no observer: the migration starts at its trigger time.
    fn default() -> Self {
        Admission {
            orchestrator: None,
            admitted: true,
            triggered: false,
            started: false,
            told_finished: false,
            observer: None,
            told_observer: false,
        }
    }
}

impl Admission {
    /// Runs under `orchestrator`'s admission, admitted at once or not.
    pub(crate) fn set_orchestrator(&mut self, orchestrator: AppId, admitted: bool) {
        self.orchestrator = Some(orchestrator);
        self.admitted = admitted;
    }

    /// Tells `app` when the migration starts and finishes.
    pub(crate) fn set_observer(&mut self, app: AppId) {
        self.observer = Some(app);
    }

    /// The trigger time has come; returns whether the migration starts now.
    pub(crate) fn handle_trigger(&mut self) -> bool {
        self.triggered = true;
        self.poll_start()
    }

    /// The orchestrator's [`Signal::Start`] arrived; returns whether the migration starts now.
    pub(crate) fn handle_admit(&mut self) -> bool {
        self.admitted = true;
        self.poll_start()
    }

    /// Whether the migration starts now: triggered and admitted, and not started before.
    fn poll_start(&mut self) -> bool {
        if self.started || !self.triggered || !self.admitted {
            return false;
        }
        self.started = true;
        true
    }

    /// The migration started: the observer's window opens.
    pub(crate) fn open_window(&self, ctx: &mut AppCtx<'_>) {
        if let Some(o) = self.observer {
            ctx.signal(Endpoint::App(o), Signal::WindowOpen);
        }
    }

    /// The engine has finished: the observer's window closes, then the orchestrator's slot
    /// frees (each told once).
    pub(crate) fn finished(&mut self, ctx: &mut AppCtx<'_>) {
        if !self.told_observer
            && let Some(o) = self.observer
        {
            self.told_observer = true;
            ctx.signal(Endpoint::App(o), Signal::WindowClose);
        }
        if !self.told_finished
            && let Some(orchestrator) = self.orchestrator
        {
            self.told_finished = true;
            ctx.signal(Endpoint::App(orchestrator), Signal::Finished);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A migration starts once, when the later of its trigger and its admission comes; one
    /// built as admitted starts at its trigger.
    #[test]
    fn starts_once_when_triggered_and_admitted() {
        let mut a = Admission::default();
        assert!(
            a.handle_trigger(),
            "admitted by default: starts at the trigger"
        );
        assert!(!a.handle_admit(), "already started");
        assert!(!a.handle_trigger(), "already started");

        let mut waiting = Admission::default();
        waiting.set_orchestrator(AppId(7), false);
        assert!(!waiting.handle_trigger(), "triggered, not admitted yet");
        assert!(
            waiting.handle_admit(),
            "admitted after the trigger: starts now"
        );

        let mut early = Admission::default();
        early.set_orchestrator(AppId(7), false);
        assert!(!early.handle_admit(), "admitted before the trigger");
        assert!(early.handle_trigger(), "starts at the trigger");
    }
}
