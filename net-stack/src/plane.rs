//! The extension point for switches whose forwarding logic lives in a higher crate.
//!
//! A node added with [`crate::NetworkBuilder::add_switch`] does no forwarding of its own: every
//! frame it receives is handed, by value, to the network's [`SwitchPlane`], and the plane
//! sends frames back out through [`PlaneCtx::send`], each at a time of its choosing (its
//! per-packet processing latency). The `openflow` crate implements the plane with OpenFlow
//! 1.3 switches and a controller; net-stack never names it (DESIGN.md, "Extension rule").
//!
//! ```text
//!   device ──Arrive──► Network ──on_packet(node, port, pkt)──► SwitchPlane
//!   device ◄─device_send── Network ◄──ctx.send(node, port, at, pkt)──┘
//!                             ▲ handle_timeout at poll_timeout()
//! ```
//!
//! Frames a plane sends out of one port leave in the order it sent them: a frame is never
//! transmitted before one sent earlier to the same port, whatever the times asked for (a
//! pipelined switch does not reorder a port's output). Accounting: every frame handed to
//! the plane counts in [`crate::PacketFates::absorbed_by_switches`], every frame it sends in
//! [`crate::PacketFates::emitted_by_switches`]; the plane keeps its own counters of why
//! (flooding copies, table misses, frames sent to a controller).

use std::any::Any;

use sim_core::SimTime;

use crate::NodeId;
use crate::device::Device;
use crate::node::Node;
use crate::wire::Packet;

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
    /// The output queue of `port` refused a frame the plane sent.
    fn on_queue_drop(&mut self, node: NodeId, port: u16);
    /// The time [`SwitchPlane::poll_timeout`] asked for has come.
    fn handle_timeout(&mut self, ctx: &mut PlaneCtx<'_>);
    /// The next instant the plane wants [`SwitchPlane::handle_timeout`] called, asked after
    /// every call into the plane.
    fn poll_timeout(&mut self) -> Option<SimTime>;
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
    now: SimTime,
    sends: &'a mut Vec<PlaneSend>,
}

impl<'a> PlaneCtx<'a> {
    pub(crate) fn new(now: SimTime, sends: &'a mut Vec<PlaneSend>) -> Self {
        PlaneCtx { now, sends }
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Sends `pkt` out of `port` of switch `node` at `at` (not before now, and not before a
    /// frame sent earlier to the same port).
    pub fn send(&mut self, node: NodeId, port: u16, at: SimTime, pkt: Packet) {
        self.sends.push(PlaneSend {
            node,
            port,
            at: at.max(self.now),
            pkt,
        });
    }
}
