//! # sim-core — netsim's discrete-event engine
//!
//! Nothing here knows about networks. This crate owns:
//!
//! * **time** — [`SimTime`], integer picoseconds in a `u64`, parsed from and displayed as unit
//!   strings ("25us", "1.5s");
//! * **quantities** — [`DataRate`] with exact, rounded-up transmission times and a drift-free
//!   [`RatePacer`] for periodic sources; [`ByteSize`]; [`QueueLimit`];
//! * **the event queue** — [`event_queue`], with a written ordering contract
//!   (`(time, insertion sequence)`, FIFO among equal times) and O(1) cancellation, in three
//!   implementations (binary heap, radix heap, and the default: FIFO delay lanes in front of a
//!   radix heap);
//! * **run control** — [`Simulation`] = [`Scheduler`] (clock + queue) + your [`Model`]; run until
//!   a time, stop, step, count events, report progress every N events;
//! * **randomness** — [`RngStreams`]: one master seed, one independent `rand_pcg` stream per
//!   named entity; uniform, Bernoulli, normal and exponential draws, the last two from IEEE
//!   basic operations only ([`dist`]) so that they are the same bits on every platform.
//!
//! ```text
//!   Simulation ── run_until(t) ──► pop (time, event) ──► Model::handle(&mut Scheduler, event)
//!        ▲                                                          │
//!        └────────────── schedule_at / schedule_in / cancel ◄───────┘
//! ```
//!
//! There are no globals: a simulation is a value, so a sweep runs many side by side.
#![warn(missing_docs)]

mod decimal;
pub mod event_queue;
mod rate;
mod rng;
mod scheduler;
mod serde_impl;
mod size;
mod time;

pub use decimal::QuantityError;
pub use event_queue::{EventId, EventQueue, QueueKind};
pub use rate::{DataRate, RatePacer};
pub use rng::{RngStream, RngStreams, dist, mix64};
pub use scheduler::{Model, Progress, RunOutcome, Scheduler, Simulation};
pub use serde_impl::{expected_in_words, found_in_words, message_in_words};
pub use size::{ByteSize, QueueLimit};
pub use time::SimTime;
