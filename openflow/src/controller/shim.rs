//! The shim layer between the apps and the runtime (seed 001 §2: "Migration Shim … runs
//! between the controller application and the controller run-time software", intercepting
//! event callbacks such as packet_in and flow_removed so that apps stay unchanged).
//!
//! ```text
//!  switch ──msg──► runtime ──► Shim::inbound ──ctx.to_app──► App handler
//!                     ▲              │ctx.to_switch               │ctx.flow_mod/…
//!                     │              ▼                            ▼
//!  switch ◄──msg── runtime ◄─ctx.to_switch── Shim::outbound ◄─────┘
//! ```
//!
//! The runtime itself answers ECHO and drives the handshake below the shim; everything else
//! from a switch goes through [`Shim::inbound`] first, and everything an app sends goes
//! through [`Shim::outbound`]. Either hook may pass the message on unchanged (the defaults),
//! rewrite it, drop it, or emit extra messages in either direction; [`Shim::timer`] lets a
//! shim hold messages and release them later.

use std::any::Any;
use std::collections::VecDeque;

use sim_core::SimTime;

use super::Topology;
use crate::switch::ControlMessage;
use crate::wire::{Message, MessageBody};

/// Interceptor between apps and runtime; see the [module docs](self).
pub trait Shim: Any {
    /// The control channel to `dpid` came up (the runtime has queued its HELLO,
    /// FEATURES_REQUEST and PORT_DESC request).
    fn connected(&mut self, _ctx: &mut ShimContext<'_>, _dpid: u64) {}
    /// The control channel to `dpid` is lost (the switch failed; the runtime has forgotten
    /// its datapath). The default tells the apps the switch left ([`ShimContext::leave`]).
    fn disconnected(&mut self, ctx: &mut ShimContext<'_>, dpid: u64) {
        ctx.leave(dpid);
    }
    /// A message from switch `dpid`, before any app sees it. The default passes it on.
    fn inbound(&mut self, ctx: &mut ShimContext<'_>, dpid: u64, msg: ControlMessage) {
        ctx.to_app(dpid, msg);
    }
    /// A message an app sends to switch `dpid`, before it leaves. The default passes it on.
    fn outbound(&mut self, ctx: &mut ShimContext<'_>, dpid: u64, msg: ControlMessage) {
        ctx.to_switch(dpid, msg);
    }
    /// A timer set with [`ShimContext::set_timer`] is due.
    fn timer(&mut self, _ctx: &mut ShimContext<'_>, _token: u64) {}
    /// For downcasting to the concrete shim.
    fn as_any(&self) -> &dyn Any;
    /// Mutable [`Shim::as_any`].
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

/// The shim that changes nothing: what [`Controller::new`](super::Controller::new) uses.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoShim;

impl Shim for NoShim {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// A shim that follows every FLOW_MOD an app sends with a BARRIER_REQUEST to the same
/// switch, so that the switch confirms the entry is in place before it handles what comes
/// after (the `send_barrier` idiom of Ryu apps that need ordering guarantees), and absorbs
/// the BARRIER_REPLYs it asked for. Scenario: `shim = "barrier"`.
#[derive(Clone, Debug, Default)]
pub struct BarrierShim {
    /// BARRIER_REQUESTs sent.
    pub requests: u64,
    /// BARRIER_REPLYs absorbed.
    pub replies: u64,
}

impl Shim for BarrierShim {
    fn inbound(&mut self, ctx: &mut ShimContext<'_>, dpid: u64, msg: ControlMessage) {
        if matches!(msg.msg.body, MessageBody::BarrierReply) && self.replies < self.requests {
            self.replies += 1;
        } else {
            ctx.to_app(dpid, msg);
        }
    }
    fn outbound(&mut self, ctx: &mut ShimContext<'_>, dpid: u64, msg: ControlMessage) {
        let flow_mod = matches!(msg.msg.body, MessageBody::FlowMod(_));
        ctx.to_switch(dpid, msg);
        if flow_mod {
            self.requests += 1;
            ctx.to_switch(dpid, Message::new(0, MessageBody::BarrierRequest).into());
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// Which shim a controller runs (scenario key `shim`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShimKind {
    /// `"none"`: [`NoShim`], messages pass unchanged.
    #[default]
    None,
    /// `"barrier"`: [`BarrierShim`].
    Barrier,
}

impl ShimKind {
    /// The scenario spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ShimKind::None => "none",
            ShimKind::Barrier => "barrier",
        }
    }
}

/// Builds the shim of `kind`.
pub fn shim(kind: ShimKind) -> Box<dyn Shim> {
    match kind {
        ShimKind::None => Box::new(NoShim),
        ShimKind::Barrier => Box::new(BarrierShim::default()),
    }
}

/// What a shim can do: hand messages to the apps (as if switch `dpid` had sent them), send
/// messages to switches (bypassing [`Shim::outbound`]), set timers.
pub struct ShimContext<'a> {
    pub(super) now: SimTime,
    pub(super) topology: &'a Topology,
    pub(super) to_app: &'a mut VecDeque<(u64, ControlMessage)>,
    pub(super) to_switch: &'a mut Vec<(u64, ControlMessage)>,
    pub(super) timers: &'a mut Vec<(SimTime, u64)>,
    pub(super) left: &'a mut Vec<u64>,
}

impl<'a> ShimContext<'a> {
    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The network the controller was built with.
    pub fn topology(&self) -> &'a Topology {
        self.topology
    }

    /// Delivers `msg` to the apps as coming from switch `dpid`.
    pub fn to_app(&mut self, dpid: u64, msg: ControlMessage) {
        self.to_app.push_back((dpid, msg));
    }

    /// Tells the apps that switch `dpid` left ([`super::App::switch_leave`]), after the
    /// messages handed to them so far.
    pub fn leave(&mut self, dpid: u64) {
        self.left.push(dpid);
    }

    /// Sends `msg` to switch `dpid`.
    pub fn to_switch(&mut self, dpid: u64, msg: ControlMessage) {
        self.to_switch.push((dpid, msg));
    }

    /// Calls [`Shim::timer`] with `token` at `at`.
    pub fn set_timer(&mut self, at: SimTime, token: u64) {
        self.timers.push((at, token));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::controller::harness::Harness;
    use crate::controller::{AppKind, ShortestPath};

    /// Adds 10 to the priority of every FLOW_MOD an app sends.
    struct Reprioritise;

    impl Shim for Reprioritise {
        fn outbound(&mut self, ctx: &mut ShimContext<'_>, dpid: u64, mut msg: ControlMessage) {
            if let MessageBody::FlowMod(fm) = &mut msg.msg.body {
                fm.priority += 10;
            }
            ctx.to_switch(dpid, msg);
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
        fn as_any_mut(&mut self) -> &mut dyn Any {
            self
        }
    }

    /// Swallows every PACKET_IN from one switch and counts them.
    struct Deafen {
        dpid: u64,
        swallowed: u64,
    }

    impl Shim for Deafen {
        fn inbound(&mut self, ctx: &mut ShimContext<'_>, dpid: u64, msg: ControlMessage) {
            if dpid == self.dpid && matches!(msg.msg.body, MessageBody::PacketIn(_)) {
                self.swallowed += 1;
            } else {
                ctx.to_app(dpid, msg);
            }
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
        fn as_any_mut(&mut self) -> &mut dyn Any {
            self
        }
    }

    fn priorities(h: &Harness) -> BTreeSet<u16> {
        h.switches
            .iter()
            .flat_map(|s| s.tables()[0].iter().map(|e| e.priority))
            .collect()
    }

    /// The same unmodified shortest-path app under a priority-rewriting shim installs the
    /// same routes, delivers the same packets, and the switches hold the rewritten
    /// priorities (10 for table-miss, 11 for routes) instead of 0 and 1.
    #[test]
    fn rewriting_shim_leaves_app_unchanged() {
        let mut plain = Harness::new(AppKind::ShortestPath, None);
        let mut shimmed = Harness::new(AppKind::ShortestPath, Some(Box::new(Reprioritise)));
        for h in [&mut plain, &mut shimmed] {
            h.udp(0, 5);
            h.udp(7, 12);
            assert_eq!(h.delivered(5), 1, "delivered to h5");
            assert_eq!(h.delivered(12), 1, "delivered to h12");
        }
        let routes = |h: &Harness| {
            let app = h.ctl.app().as_any().downcast_ref::<ShortestPath>().unwrap();
            app.routing()
                .routes()
                .map(|(k, v)| (k, v.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(routes(&plain), routes(&shimmed), "app state identical");
        assert_eq!(
            priorities(&plain),
            BTreeSet::from([0, 1]),
            "plain priorities"
        );
        assert_eq!(priorities(&shimmed), BTreeSet::from([10, 11]), "rewritten");
    }

    /// A shim that swallows PACKET_INs from e0 (dpid 1): the runtime still counts them, the
    /// app never learns h0 or h1, and traffic from h0 goes nowhere.
    #[test]
    fn swallowing_shim_hides_one_switch() {
        let shim = Deafen {
            dpid: 1,
            swallowed: 0,
        };
        let mut h = Harness::new(AppKind::ShortestPath, Some(Box::new(shim)));
        h.udp(0, 5);
        assert_eq!(h.delivered(5), 0, "h0's ARP never reached the app");
        let swallowed = h
            .ctl
            .shim()
            .as_any()
            .downcast_ref::<Deafen>()
            .unwrap()
            .swallowed;
        assert!(swallowed >= 1, "the ARP request was swallowed");
        let c = h.ctl.counters();
        assert_eq!(
            c.per_switch[&1].packet_ins, swallowed,
            "counted before the shim"
        );
        let app = h.ctl.app().as_any().downcast_ref::<ShortestPath>().unwrap();
        assert_eq!(
            app.routing().host_location(h.hosts[0].mac),
            None,
            "h0 unknown to the app"
        );
    }
}
