//! Inbound dispatch: how a message travels from the runtime through the shim to the app
//! handler it is for, and how what the app sends travels back out through the shim.

use std::collections::VecDeque;

use sim_core::SimTime;

use super::{App, Context, Controller, PacketInEvent, Shim, ShimContext, TimerOwner};
use crate::switch::ControlMessage;
use crate::wire::{MessageBody, MultipartReplyBody, OFPMPF_MORE};

impl Controller {
    /// Calls `f` on the app and returns what it sent.
    pub(super) fn with_app(
        &mut self,
        now: SimTime,
        f: impl FnOnce(&mut dyn App, &mut Context),
    ) -> Vec<(u64, ControlMessage)> {
        let mut out = Vec::new();
        let mut timers = Vec::new();
        let mut ctx = Context {
            now,
            topology: &self.topology,
            datapaths: &self.datapaths,
            out: &mut out,
            timers: &mut timers,
        };
        f(self.app.as_mut(), &mut ctx);
        self.add_timers(TimerOwner::App, timers);
        out
    }

    /// Calls `f` on the shim, then delivers what it produced.
    pub(super) fn run_shim(
        &mut self,
        now: SimTime,
        f: impl FnOnce(&mut dyn Shim, &mut ShimContext),
    ) {
        let mut to_app = VecDeque::new();
        let mut to_switch = Vec::new();
        let mut timers = Vec::new();
        let mut ctx = ShimContext {
            now,
            topology: &self.topology,
            to_app: &mut to_app,
            to_switch: &mut to_switch,
            timers: &mut timers,
        };
        f(self.shim.as_mut(), &mut ctx);
        self.add_timers(TimerOwner::Shim, timers);
        for (dpid, m) in to_switch {
            self.emit(dpid, m);
        }
        self.drain(now, to_app, VecDeque::new());
    }

    /// Moves messages between shim and app until both directions are empty: the app's
    /// messages through [`Shim::outbound`] first, then the next event for the app.
    pub(super) fn drain(
        &mut self,
        now: SimTime,
        mut to_app: VecDeque<(u64, ControlMessage)>,
        mut from_app: VecDeque<(u64, ControlMessage)>,
    ) {
        loop {
            if let Some((dpid, msg)) = from_app.pop_front() {
                let mut to_switch = Vec::new();
                let mut timers = Vec::new();
                let mut ctx = ShimContext {
                    now,
                    topology: &self.topology,
                    to_app: &mut to_app,
                    to_switch: &mut to_switch,
                    timers: &mut timers,
                };
                self.shim.outbound(&mut ctx, dpid, msg);
                self.add_timers(TimerOwner::Shim, timers);
                for (d, m) in to_switch {
                    self.emit(d, m);
                }
            } else if let Some((dpid, msg)) = to_app.pop_front() {
                from_app.extend(self.dispatch(now, dpid, msg));
            } else {
                break;
            }
        }
    }

    /// Hands one inbound message to the matching app handler.
    fn dispatch(
        &mut self,
        now: SimTime,
        dpid: u64,
        cm: ControlMessage,
    ) -> Vec<(u64, ControlMessage)> {
        let ControlMessage { msg, packet } = cm;
        match &msg.body {
            MessageBody::FeaturesReply(f) => {
                self.with_app(now, |app, ctx| app.switch_features(ctx, dpid, f))
            }
            MessageBody::PacketIn(pi) => {
                let (Some(packet), Some(in_port)) = (packet, pi.match_.in_port) else {
                    return Vec::new();
                };
                let ev = PacketInEvent {
                    dpid,
                    in_port,
                    buffer_id: pi.buffer_id,
                    reason: pi.reason,
                    packet,
                    msg: pi,
                };
                self.with_app(now, |app, ctx| app.packet_in(ctx, &ev))
            }
            MessageBody::FlowRemoved(fr) => {
                self.with_app(now, |app, ctx| app.flow_removed(ctx, dpid, fr))
            }
            MessageBody::PortStatus(ps) => {
                self.with_app(now, |app, ctx| app.port_status(ctx, dpid, ps))
            }
            MessageBody::Error(e) => self.with_app(now, |app, ctx| app.error(ctx, dpid, e)),
            MessageBody::MultipartReply(r) => {
                let key = (dpid, msg.xid);
                let body = match self.partial.remove(&key) {
                    Some(earlier) => join(earlier, r.body.clone()),
                    None => r.body.clone(),
                };
                if r.flags & OFPMPF_MORE != 0 {
                    self.partial.insert(key, body);
                    return Vec::new();
                }
                match &body {
                    MultipartReplyBody::PortStats(s) => {
                        self.with_app(now, |app, ctx| app.port_stats(ctx, dpid, s))
                    }
                    MultipartReplyBody::Flow(s) => {
                        self.with_app(now, |app, ctx| app.flow_stats(ctx, dpid, s))
                    }
                    MultipartReplyBody::PortDesc(p) => {
                        self.with_app(now, |app, ctx| app.port_desc(ctx, dpid, p))
                    }
                    MultipartReplyBody::Unknown { .. } => {
                        self.with_app(now, |app, ctx| app.message(ctx, dpid, &msg))
                    }
                }
            }
            _ => self.with_app(now, |app, ctx| app.message(ctx, dpid, &msg)),
        }
    }
}

/// Appends a later multipart part to the earlier ones (parts of one reply share a type).
fn join(earlier: MultipartReplyBody, later: MultipartReplyBody) -> MultipartReplyBody {
    use MultipartReplyBody as B;
    match (earlier, later) {
        (B::PortStats(mut a), B::PortStats(b)) => {
            a.extend(b);
            B::PortStats(a)
        }
        (B::Flow(mut a), B::Flow(b)) => {
            a.extend(b);
            B::Flow(a)
        }
        (B::PortDesc(mut a), B::PortDesc(b)) => {
            a.extend(b);
            B::PortDesc(a)
        }
        (_, later) => later,
    }
}
