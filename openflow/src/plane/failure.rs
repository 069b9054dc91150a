//! Switch failures in the OpenFlow plane ([`net_stack::SwitchFailure`]): what a Mininet user
//! sees when a switch process dies and is started again.
//!
//! * **Down.** The switch stops: it handles no frame and no message, its expiry timer is
//!   void, and its control connection is lost at once (the controller's TCP connection is
//!   reset; the capture shows the controller's RST): every message in flight on that channel,
//!   in either direction, is lost ([`SwitchNode::lost_messages`]), the controller forgets the
//!   datapath and its apps see the switch leave ([`crate::controller::App::switch_leave`],
//!   after the shim's [`crate::controller::Shim::disconnected`]). Its links then go down (the
//!   network's doing): the switches at their far ends report PORT_STATUS as for a link event;
//!   the failed switch reports nothing.
//!   Under echo-based detection ([`crate::controller::FailureDetection::Echo`]) the switch
//!   just goes silent: messages in flight are lost as above, and so is everything the
//!   controller sends it until its echo loop closes the connection (then the capture shows
//!   the RST and the apps see the switch leave).
//! * **Up.** After its links are back up, the switch restarts with empty tables and buffers
//!   ([`crate::switch::Switch::restart`], OpenFlow 1.3 keeps no flows across a restart) and connects as at
//!   start-up: HELLO, FEATURES_REQUEST and PORT_DESC, now paying the channel latency, so the
//!   apps see it join as a new switch and install what they install on a new switch.
//! * **Finalize** (network migration): a finalize FLOW_MOD lost with a failed switch counts
//!   as settled for the phase's loss probe, and in
//!   [`super::netmig::FinalizeProbe::lost_flow_mods`].

use net_stack::NodeId;
use net_stack::plane::PlaneCtx;
use sim_core::SimTime;

use super::OpenFlowPlane;
use super::events::{LOST, Step};

impl OpenFlowPlane {
    /// Switch node `node` fails (`up = false`) or restarts; see the [module docs](self).
    pub(super) fn set_switch_state(&mut self, ctx: &mut PlaneCtx<'_>, node: NodeId, up: bool) {
        let i = self.index_of(node);
        if self.switches[i].failed != up {
            return;
        }
        let now = ctx.now();
        let dpid = Self::dpid(i);
        let c = self.switches[i].controller;
        if up {
            if self.controllers[c].controller.has_connection(dpid) {
                // Not detected yet: the new connection replaces the silent one.
                self.capture_disconnect(now, dpid);
                self.controllers[c]
                    .controller
                    .handle_disconnected(now, dpid);
                self.drain_controller(ctx, c);
            }
            self.switches[i].failed = false;
            self.switches[i].switch.restart();
            self.switches[i].busy_until = now;
            if let Some(cap) = self.capture.as_mut()
                && let Err(e) = cap.connect_to(now, dpid, c as u8)
            {
                self.capture_error.get_or_insert(e);
            }
            self.switches[i].switch.handle_connected(now);
            self.drain_switch(ctx, i, SimTime::ZERO);
            self.controllers[c].controller.handle_connected(now, dpid);
            self.drain_controller(ctx, c);
            return;
        }
        self.switches[i].failed = true;
        self.switches[i].expiry_at = None;
        let lost = self.in_flight.cancel(i as u32);
        self.switches[i].lost_messages += lost as u64;
        if !self.controllers[c].controller.detects_failures_at_once() {
            return; // the controller's echo loop finds out
        }
        self.capture_disconnect(now, dpid);
        self.controllers[c]
            .controller
            .handle_disconnected(now, dpid);
        self.drain_controller(ctx, c);
    }

    /// The capture shows the controller resetting its connection to `dpid`.
    pub(super) fn capture_disconnect(&mut self, now: SimTime, dpid: u64) {
        if let Some(cap) = self.capture.as_mut()
            && let Err(e) = cap.disconnect(now, dpid)
        {
            self.capture_error.get_or_insert(e);
        }
    }

    /// Whether `step` carries a message lost with its switch (a cancelled slot, or a message
    /// reaching a switch that is down): frees its slot and counts it.
    pub(super) fn lost_in_flight(&mut self, ctx: &mut PlaneCtx<'_>, step: Step) -> bool {
        let slot = match step {
            Step::ToController(s) | Step::Process(s) | Step::ToSwitch(s) | Step::Apply(s) => s,
            _ => return false,
        };
        let (sw, _) = self.in_flight.get(slot);
        let to_failed = matches!(step, Step::ToSwitch(_) | Step::Apply(_))
            && sw != LOST
            && self.switches[sw as usize].failed;
        if sw != LOST && !to_failed {
            return false;
        }
        self.in_flight.take(slot);
        if to_failed {
            self.switches[sw as usize].lost_messages += 1;
        }
        let now = ctx.now();
        if let Some(p) = self.netmig.as_mut().and_then(|d| d.finalize.as_mut())
            && let Some(settled) = p.lost_with_switch(slot, now)
        {
            self.post(ctx, settled, Step::FinalizeSettled);
        }
        true
    }
}
