//! Inbound dispatch: how a message travels from the runtime through the shim to the handler
//! of every app, in order, and how what each app sends travels back out through the shim.

use std::collections::VecDeque;

use sim_core::SimTime;

use super::{App, Context, Controller, PacketInEvent, Shim, ShimContext, TimerOwner};
use crate::switch::ControlMessage;
use crate::wire::{MessageBody, MultipartReplyBody, OFPMPF_MORE};

impl Controller {
    /// Calls `f` on app `i` and returns what it sent.
    pub(super) fn with_app(
        &mut self,
        now: SimTime,
        i: usize,
        f: impl FnOnce(&mut dyn App, &mut Context),
    ) -> Vec<(u64, ControlMessage)> {
        let mut out = Vec::new();
        let mut timers = Vec::new();
        let (topology, datapaths) = match &self.app_view {
            Some(v) => (&v.topology, &v.datapaths),
            None => (&self.topology, &self.datapaths),
        };
        let mut ctx = Context {
            now,
            topology,
            datapaths,
            out: &mut out,
            timers: &mut timers,
        };
        f(self.apps[i].as_mut(), &mut ctx);
        self.add_timers(TimerOwner::App(i), timers);
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
            left: &mut self.left,
        };
        f(self.shim.as_mut(), &mut ctx);
        self.add_timers(TimerOwner::Shim, timers);
        for (dpid, m) in to_switch {
            self.emit(dpid, m);
        }
        self.drain(now, to_app, VecDeque::new());
        self.deliver_leaves(now);
    }

    /// Tells every app, in order, of each switch the shim said left, and drops it from the
    /// apps' view.
    fn deliver_leaves(&mut self, now: SimTime) {
        while !self.left.is_empty() {
            let dpid = self.left.remove(0);
            if let Some(v) = self.app_view.as_mut() {
                v.datapaths.remove(&dpid);
            }
            let mut q = VecDeque::new();
            self.each_app(now, &mut q, |app, ctx| app.switch_leave(ctx, dpid));
            self.drain(now, q, VecDeque::new());
        }
    }

    /// Moves messages between shim and apps until both directions are empty: the apps'
    /// messages through [`Shim::outbound`] first, then the next event for the apps.
    pub(super) fn drain(
        &mut self,
        now: SimTime,
        mut to_app: VecDeque<(u64, ControlMessage)>,
        from_app: VecDeque<(u64, ControlMessage)>,
    ) {
        self.outbound(now, from_app, &mut to_app);
        while let Some((dpid, msg)) = to_app.pop_front() {
            self.dispatch(now, dpid, msg, &mut to_app);
        }
    }

    /// Passes what an app sent through [`Shim::outbound`], in order.
    fn outbound(
        &mut self,
        now: SimTime,
        from_app: impl IntoIterator<Item = (u64, ControlMessage)>,
        to_app: &mut VecDeque<(u64, ControlMessage)>,
    ) {
        for (dpid, msg) in from_app {
            let mut to_switch = Vec::new();
            let mut timers = Vec::new();
            let mut ctx = ShimContext {
                now,
                topology: &self.topology,
                to_app,
                to_switch: &mut to_switch,
                timers: &mut timers,
                left: &mut self.left,
            };
            self.shim.outbound(&mut ctx, dpid, msg);
            self.add_timers(TimerOwner::Shim, timers);
            for (d, m) in to_switch {
                self.emit(d, m);
            }
        }
    }

    /// Calls `f` on every app in order, each app's messages through the shim before the next
    /// app runs.
    fn each_app(
        &mut self,
        now: SimTime,
        to_app: &mut VecDeque<(u64, ControlMessage)>,
        mut f: impl FnMut(&mut dyn App, &mut Context),
    ) {
        for i in 0..self.apps.len() {
            let out = self.with_app(now, i, &mut f);
            self.outbound(now, out, to_app);
        }
    }

    /// Hands one inbound message to the matching handler of every app.
    fn dispatch(
        &mut self,
        now: SimTime,
        dpid: u64,
        cm: ControlMessage,
        q: &mut VecDeque<(u64, ControlMessage)>,
    ) {
        let ControlMessage { msg, packet } = cm;
        match &msg.body {
            MessageBody::FeaturesReply(f) => {
                self.each_app(now, q, |app, ctx| app.switch_features(ctx, dpid, f))
            }
            MessageBody::PacketIn(pi) => {
                let (Some(packet), Some(in_port)) = (packet, pi.match_.in_port) else {
                    return;
                };
                let ev = PacketInEvent {
                    dpid,
                    in_port,
                    buffer_id: pi.buffer_id,
                    reason: pi.reason,
                    packet,
                    msg: pi,
                };
                self.each_app(now, q, |app, ctx| app.packet_in(ctx, &ev))
            }
            MessageBody::FlowRemoved(fr) => {
                self.each_app(now, q, |app, ctx| app.flow_removed(ctx, dpid, fr))
            }
            MessageBody::PortStatus(ps) => {
                self.each_app(now, q, |app, ctx| app.port_status(ctx, dpid, ps))
            }
            MessageBody::Error(e) => self.each_app(now, q, |app, ctx| app.error(ctx, dpid, e)),
            MessageBody::MultipartReply(r) => {
                let key = (dpid, msg.xid);
                let body = match self.partial.remove(&key) {
                    Some(earlier) => join(earlier, r.body.clone()),
                    None => r.body.clone(),
                };
                if r.flags & OFPMPF_MORE != 0 {
                    self.partial.insert(key, body);
                    return;
                }
                match &body {
                    MultipartReplyBody::PortStats(s) => {
                        self.each_app(now, q, |app, ctx| app.port_stats(ctx, dpid, s))
                    }
                    MultipartReplyBody::Flow(s) => {
                        self.each_app(now, q, |app, ctx| app.flow_stats(ctx, dpid, s))
                    }
                    MultipartReplyBody::PortDesc(p) => {
                        self.each_app(now, q, |app, ctx| app.port_desc(ctx, dpid, p))
                    }
                    MultipartReplyBody::Unknown { .. } => {
                        self.each_app(now, q, |app, ctx| app.message(ctx, dpid, &msg))
                    }
                }
            }
            _ => self.each_app(now, q, |app, ctx| app.message(ctx, dpid, &msg)),
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
