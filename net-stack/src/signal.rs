//! Signals: typed messages between the components of one simulation, as engine events.
//!
//! Components that must coordinate — a migration orchestrator and its migrations, a sender
//! that tells a receiver to begin — do it with a [`Signal`] sent to an [`Endpoint`], not with
//! shared cells or polling (nexosim's ports, as plain data). A signal is `Copy` and allocates
//! nothing; it travels as one engine event ([`crate::Event::Signal`]).
//!
//! ```text
//!   app A ── ctx.signal(Endpoint::App(b), Signal::Start) ──► Event::Signal(b, Start)
//!                                                               │ same time, FIFO
//!   app B ◄── Application::on_signal(ctx, Signal::Start) ◄──────┘
//! ```
//!
//! # Ordering contract
//!
//! A signal sent at time *t* is delivered at *t* — no simulated time passes — after the
//! sender's current call returns, as an event pushed onto the queue at that moment. sim-core's
//! queue runs same-time events first-in first-out by insertion sequence
//! ([`sim_core::event_queue`]), so the signal runs **after every event already pending at
//! *t*** (including timers other components set for *t* earlier) and before any event pushed
//! after it; two signals sent in one call, or in two calls at *t*, arrive in the order they
//! were sent. A component that stops the run with [`crate::app::AppCtx::stop_run`] still lets
//! the signals sent at that instant arrive (the run ends after the instant, not the event).

use crate::AppId;

/// Who a signal is for: an application, or one of the network's planes (the orchestrator
/// telling the controller or the hypervisors about a move, DESIGN.md's "typed signals").
/// Planes receive signals with the sending application's id through
/// [`crate::plane::SwitchPlane::on_signal`] and [`crate::host_plane::HostPlane::on_signal`];
/// a signal to a plane the network does not have is dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    /// An installed application.
    App(AppId),
    /// The network's switch plane.
    SwitchPlane,
    /// The network's host planes, each in installation order.
    HostPlanes,
}

/// Which plane a signal is for, as it travels in [`crate::Event::PlaneSignal`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlaneKind {
    /// The switch plane.
    Switch,
    /// The host planes.
    Host,
}

/// A message. Each kind is a variant with typed fields; add a variant for a new kind of
/// coordination rather than encoding it in numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Go ahead with the work you are waiting for: an orchestrator admits a migration, a
    /// sender tells a receiver to begin.
    Start,
    /// The sender has finished its work: a migration tells its orchestrator that its slot is
    /// free.
    Finished,
    /// A migration of the receiver's VM starts: measure the service's silence from now
    /// ([`crate::report::ServiceWindows`]).
    WindowOpen,
    /// That migration finished: its window closes (the gap running now still counts).
    WindowClose,
    /// The VM the sender migrates runs on its destination now: a migration tells the switch
    /// plane, whose network-migration driver knows which host position the sender moves
    /// (seed 001 §2.3, "the shim told when each VM resumes").
    Resumed,
}
