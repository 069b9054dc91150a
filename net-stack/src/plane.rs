//! The extension point for switches whose forwarding logic lives in a higher crate.
//!
//! A node added with [`crate::NetworkBuilder::add_switch`] does no forwarding of its own: every
//! frame it receives is handed, by value, to the network's [`SwitchPlane`], and the plane
//! sends frames back out through [`PlaneCtx::send`], each at a time of its choosing (its
//! per-packet processing latency). The `openflow` crate implements the plane with OpenFlow
//! 1.3 switches and controllers; net-stack never names it (DESIGN.md, "Extension rule").
//!
//! ```text
//!   device ──Arrive──► Network ──on_packet(node, port, pkt)──► SwitchPlane
//!   device ◄─device_send── Network ◄──ctx.send(node, port, at, pkt)──┘
//!   engine ──Event::Plane(ev)──► Network ──on_event(ev)──► SwitchPlane
//!   engine ◄──────────────────── Network ◄──ctx.schedule(at, ev)──┘
//! ```
//!
//! **One timeline.** A plane keeps no clock and no queue of its own: whatever it wants to
//! happen later — a control message arriving, a switch finishing a message, a flow entry
//! expiring, a controller timer — it schedules through [`PlaneCtx::schedule`] as a
//! [`PlaneEvent`], a plain `u64` whose meaning the plane defines, and the engine hands it back
//! to [`SwitchPlane::on_event`] at that time. The event takes its place in sim-core's queue
//! like any other: by time, and among events at the same time in the order they were
//! scheduled (sim-core's ordering contract, [`sim_core::event_queue`]). A plane that wants an
//! event to be superseded (a timer moved later) ignores the stale one when it comes.
//!
//! Frames a plane sends out of one port leave in the order it sent them: a frame is never
//! transmitted before one sent earlier to the same port, whatever the times asked for (a
//! pipelined switch does not reorder a port's output). Accounting: every frame handed to
//! the plane counts in [`crate::PacketFates::absorbed_by_switches`], every frame it sends in
//! [`crate::PacketFates::emitted_by_switches`]; the plane keeps its own counters of why
//! (flooding copies, table misses, frames sent to a controller).

use std::any::Any;

use sim_core::{Scheduler, SimTime};

use crate::NodeId;
use crate::device::Device;
use crate::network::Event;
use crate::node::Node;
use crate::wire::Packet;

/// An event a plane scheduled for itself: plain data whose meaning the plane defines (an
/// index, a packed kind and slot). It rides in [`Event::Plane`].
pub type PlaneEvent = u64;

/// Forwarding logic for the network's switch nodes; see the [module docs](self).
pub trait SwitchPlane {
    /// Called once before [`SwitchPlane::start`] with the network's nodes and devices, so
    /// the plane can learn its switches' ports and who is at the other end of each.
    fn attach(&mut self, nodes: &[Node], devices: &[Device]);
    /// Called once when the simulation is set up, before any packet moves (connect control
    /// channels, arm timers).
    fn start(&mut self, ctx: &mut PlaneCtx<'_>);
    /// A frame arrived at switch `node` on its port `port` (0-based, in the order the node's
    /// links were built).
    fn on_packet(&mut self, ctx: &mut PlaneCtx<'_>, node: NodeId, port: u16, pkt: Packet);
    /// The link on `port` of switch `node` went down (`up = false`) or came back.
    fn on_link_state(&mut self, ctx: &mut PlaneCtx<'_>, node: NodeId, port: u16, up: bool);
    /// Switch `node` fails (`up = false`: called before its links go down) or restarts
    /// (`up = true`: called after they came back up); see [`crate::SwitchFailure`].
    /// The default does nothing.
    fn on_switch_state(&mut self, _ctx: &mut PlaneCtx<'_>, _node: NodeId, _up: bool) {}
    /// The output queue of `port` refused a frame the plane sent.
    fn on_queue_drop(&mut self, node: NodeId, port: u16);
    /// An event the plane scheduled with [`PlaneCtx::schedule`] is due.
    fn on_event(&mut self, ctx: &mut PlaneCtx<'_>, event: PlaneEvent);
    /// A signal from application `from` ([`crate::signal::Endpoint::SwitchPlane`]), delivered
    /// at the time it was sent, after the events already pending then.
    fn on_signal(
        &mut self,
        _ctx: &mut PlaneCtx<'_>,
        _from: crate::AppId,
        _signal: crate::signal::Signal,
    ) {
    }
    /// For downcasting to the concrete plane (summaries, tests).
    fn as_any(&self) -> &dyn Any;
    /// For downcasting to the concrete plane.
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

/// A frame a plane wants sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PlaneSend {
    pub node: NodeId,
    pub port: u16,
    pub at: SimTime,
    pub pkt: Packet,
}

/// What a [`SwitchPlane`] may do while it is called.
pub struct PlaneCtx<'a> {
    sched: &'a mut Scheduler<Event>,
    sends: &'a mut Vec<PlaneSend>,
}

impl<'a> PlaneCtx<'a> {
    pub(crate) fn new(sched: &'a mut Scheduler<Event>, sends: &'a mut Vec<PlaneSend>) -> Self {
        PlaneCtx { sched, sends }
    }

    /// The current simulated time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.sched.now()
    }

    /// Sends `pkt` out of `port` of switch `node` at `at` (not before now, and not before a
    /// frame sent earlier to the same port).
    #[inline]
    pub fn send(&mut self, node: NodeId, port: u16, at: SimTime, pkt: Packet) {
        self.sends.push(PlaneSend {
            node,
            port,
            at: at.max(self.now()),
            pkt,
        });
    }

    /// Schedules `event` for [`SwitchPlane::on_event`] at `at` (now if `at` is past). It is
    /// an engine event: among events at the same time it runs after those scheduled before it.
    #[inline]
    pub fn schedule(&mut self, at: SimTime, event: PlaneEvent) {
        let at = at.max(self.sched.now());
        self.sched.schedule_at(at, Event::Plane(event));
    }
}
