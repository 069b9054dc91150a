//! Controller applications: the [`App`] trait (one handler per OpenFlow event, like Ryu's
//! `@set_ev_cls` handlers), the [`Context`] an app acts through (Ryu's `datapath` handle plus
//! `hub.spawn` timers), and the factory for the bundled apps.

use std::any::Any;
use std::collections::BTreeMap;

use net_stack::wire::Packet;
use sim_core::SimTime;

use super::{Datapath, Topology};
use crate::switch::ControlMessage;
use crate::wire::{
    Action, ErrorMsg, FeaturesReply, FlowMod, FlowRemoved, FlowStats, FlowStatsRequest, Message,
    MessageBody, MultipartRequest, MultipartRequestBody, OFP_NO_BUFFER, OFPP_ANY, PacketIn,
    PacketInReason, PacketOut, Port, PortStats, PortStatus,
};

/// A PACKET_IN as an app sees it: the message, the fields apps need most, and the simulator
/// packet that rode beside it.
#[derive(Clone, Copy, Debug)]
pub struct PacketInEvent<'a> {
    /// The switch that sent it.
    pub dpid: u64,
    /// The port the packet arrived on (from the PACKET_IN match).
    pub in_port: u32,
    /// The switch buffer holding the packet, or [`OFP_NO_BUFFER`].
    pub buffer_id: u32,
    /// Why the packet was sent.
    pub reason: PacketInReason,
    /// The packet's headers.
    pub packet: Packet,
    /// The whole message (data, cookie, table).
    pub msg: &'a PacketIn,
}

/// An OpenFlow controller application. Every handler has a default that does nothing, so an
/// app implements only what it uses. Handlers act through the [`Context`]; they never see the
/// runtime's queues or the shim.
pub trait App: Any {
    /// A short name (`learning`, `shortest-path`, …).
    fn name(&self) -> &'static str;
    /// Called once, at the controller's first input, before that input is handled.
    fn start(&mut self, _ctx: &mut Context<'_>) {}
    /// FEATURES_REPLY: the switch finished the handshake (Ryu's `EventOFPSwitchFeatures`).
    fn switch_features(&mut self, _ctx: &mut Context<'_>, _dpid: u64, _f: &FeaturesReply) {}
    /// The switch's port descriptions (PORT_DESC multipart reply, all parts joined).
    fn port_desc(&mut self, _ctx: &mut Context<'_>, _dpid: u64, _ports: &[Port]) {}
    /// PACKET_IN that carried its packet.
    fn packet_in(&mut self, _ctx: &mut Context<'_>, _ev: &PacketInEvent<'_>) {}
    /// FLOW_REMOVED.
    fn flow_removed(&mut self, _ctx: &mut Context<'_>, _dpid: u64, _msg: &FlowRemoved) {}
    /// A port-stats reply (all parts joined).
    fn port_stats(&mut self, _ctx: &mut Context<'_>, _dpid: u64, _stats: &[PortStats]) {}
    /// A flow-stats reply (all parts joined).
    fn flow_stats(&mut self, _ctx: &mut Context<'_>, _dpid: u64, _stats: &[FlowStats]) {}
    /// PORT_STATUS.
    fn port_status(&mut self, _ctx: &mut Context<'_>, _dpid: u64, _msg: &PortStatus) {}
    /// Switch `dpid` left: its control channel was lost (it failed), as Ryu's
    /// `EventSwitchLeave` / a datapath reaching `DEAD_DISPATCHER`. It is gone from
    /// [`Context::datapaths`]; if it comes back it joins as a new switch, with empty tables
    /// ([`App::switch_features`] again).
    fn switch_leave(&mut self, _ctx: &mut Context<'_>, _dpid: u64) {}
    /// ERROR from a switch.
    fn error(&mut self, _ctx: &mut Context<'_>, _dpid: u64, _msg: &ErrorMsg) {}
    /// Any other message from a switch (BARRIER_REPLY, GET_CONFIG_REPLY, …).
    fn message(&mut self, _ctx: &mut Context<'_>, _dpid: u64, _msg: &Message) {}
    /// A timer set with [`Context::set_timer`] is due.
    fn timer(&mut self, _ctx: &mut Context<'_>, _token: u64) {}
    /// For downcasting to the concrete app (tests, result collection).
    fn as_any(&self) -> &dyn Any;
    /// Mutable [`App::as_any`].
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

/// What an app can do while it handles an event: send messages to switches, set timers, read
/// the clock and the topology. Messages leave in the order they are sent, with transaction
/// ids assigned by the runtime (after the shim, if any).
pub struct Context<'a> {
    pub(super) now: SimTime,
    pub(super) topology: &'a Topology,
    pub(super) datapaths: &'a BTreeMap<u64, Datapath>,
    pub(super) out: &'a mut Vec<(u64, ControlMessage)>,
    pub(super) timers: &'a mut Vec<(SimTime, u64)>,
}

impl<'a> Context<'a> {
    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The network the controller was built with.
    pub fn topology(&self) -> &'a Topology {
        self.topology
    }

    /// The switches that completed the handshake (FEATURES_REPLY seen), by dpid.
    pub fn datapaths(&self) -> &'a BTreeMap<u64, Datapath> {
        self.datapaths
    }

    /// Sends a message with any body to switch `dpid`.
    pub fn send(&mut self, dpid: u64, body: MessageBody) {
        self.out.push((dpid, Message::new(0, body).into()));
    }

    /// Sends a message with its packet (for an unbuffered PACKET_OUT) to switch `dpid`.
    pub fn send_control(&mut self, dpid: u64, msg: ControlMessage) {
        self.out.push((dpid, msg));
    }

    /// Sends a FLOW_MOD.
    pub fn flow_mod(&mut self, dpid: u64, fm: FlowMod) {
        self.send(dpid, MessageBody::FlowMod(fm));
    }

    /// Sends a PACKET_OUT. With `buffer_id` = [`OFP_NO_BUFFER`] the packet is required: it
    /// rides beside the message and its serialised frame is the message's `data`; with a
    /// buffer the switch already holds the packet and `packet` is ignored.
    ///
    /// # Panics
    ///
    /// If the packet is unbuffered and `packet` is `None` (an app bug).
    pub fn packet_out(
        &mut self,
        dpid: u64,
        buffer_id: u32,
        in_port: u32,
        actions: Vec<Action>,
        packet: Option<Packet>,
    ) {
        let mut data = Vec::new();
        let packet = if buffer_id == OFP_NO_BUFFER {
            let p = packet.expect("an unbuffered PACKET_OUT needs its packet");
            net_stack::pcap::serialize_frame(&p, 0, &mut data);
            Some(p)
        } else {
            None
        };
        let po = PacketOut {
            buffer_id,
            in_port,
            actions,
            data,
        };
        let msg = Message::new(0, MessageBody::PacketOut(po));
        self.out.push((dpid, ControlMessage { msg, packet }));
    }

    /// Requests the counters of every port of `dpid` (port ANY).
    pub fn port_stats_request(&mut self, dpid: u64) {
        self.multipart(dpid, MultipartRequestBody::PortStats { port_no: OFPP_ANY });
    }

    /// Requests flow statistics.
    pub fn flow_stats_request(&mut self, dpid: u64, req: FlowStatsRequest) {
        self.multipart(dpid, MultipartRequestBody::Flow(req));
    }

    fn multipart(&mut self, dpid: u64, body: MultipartRequestBody) {
        let req = MultipartRequest { flags: 0, body };
        self.send(dpid, MessageBody::MultipartRequest(req));
    }

    /// Calls [`App::timer`] with `token` at `at` (at once on the next
    /// [`Controller::handle_timeout`](super::Controller::handle_timeout) if `at` is past).
    pub fn set_timer(&mut self, at: SimTime, token: u64) {
        self.timers.push((at, token));
    }
}

/// Which bundled app to run (scenario key `controller.app`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AppKind {
    /// `"none"`: no controller and no OpenFlow; switches forward by static shortest-path IP
    /// routing (net-stack's, with [`net_stack::routing::Ecmp`]).
    #[default]
    None,
    /// Ryu's `simple_switch_13`, flooding along a spanning tree: [`LearningSwitch`].
    ///
    /// [`LearningSwitch`]: super::LearningSwitch
    Learning,
    /// Reactive hop-count routing per (eth_src, eth_dst) pair: [`ShortestPath`].
    ///
    /// [`ShortestPath`]: super::ShortestPath
    ShortestPath,
    /// Seed 002's D-R algorithm: [`DynamicRouting`], polling port statistics every
    /// [`AppConfig::stats_interval`].
    ///
    /// [`DynamicRouting`]: super::DynamicRouting
    DynamicRouting,
    /// Ryu's `simple_monitor_13`: flow and port statistics from every switch every 10 s;
    /// forwards nothing, so it runs beside a forwarding app: [`Monitor`].
    ///
    /// [`Monitor`]: super::Monitor
    Monitor,
    /// Seed 001's test-bed app: every host pair on an upper and a lower path, the two
    /// host-facing switches moved between them every [`AppConfig::flip_period`]:
    /// [`PathFlip`].
    ///
    /// [`PathFlip`]: super::PathFlip
    PathFlip,
    /// Seed 003 §V's vCDN based on SDN: clients of a service address are redirected to the
    /// nearest replica, with shortest-path routing for everything else: [`Vcdn`].
    ///
    /// [`Vcdn`]: super::Vcdn
    Vcdn,
}

impl AppKind {
    /// The scenario spelling (`"shortest-path"`).
    pub fn as_str(self) -> &'static str {
        match self {
            AppKind::None => "none",
            AppKind::Learning => "learning",
            AppKind::ShortestPath => "shortest-path",
            AppKind::DynamicRouting => "dynamic-routing",
            AppKind::Monitor => "monitor",
            AppKind::PathFlip => "path-flip",
            AppKind::Vcdn => "vcdn",
        }
    }

    /// Whether this is an OpenFlow app (every kind but [`AppKind::None`]).
    pub fn is_openflow(self) -> bool {
        self != AppKind::None
    }
}

/// Parameters shared by the bundled apps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppConfig {
    /// Idle timeout of the entries the apps install (s); 0 = none, as in Ryu's examples.
    pub idle_timeout: u16,
    /// Hard timeout of those entries (s); 0 = none.
    pub hard_timeout: u16,
    /// Port-statistics period of [`AppKind::DynamicRouting`] (seed 002 §4.2: 5 s).
    pub stats_interval: SimTime,
    /// Period of [`AppKind::PathFlip`]'s flips (seed 001 §3.3: 1 s).
    pub flip_period: SimTime,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            idle_timeout: 0,
            hard_timeout: 0,
            stats_interval: SimTime::from_secs(5),
            flip_period: super::DEFAULT_FLIP_PERIOD,
        }
    }
}

/// Builds a bundled app with the default [`AppConfig`]; `None` for [`AppKind::None`].
///
/// # Panics
///
/// If the topology does not pass [`Topology::validate`].
pub fn app(kind: AppKind, topo: &Topology) -> Option<Box<dyn App>> {
    app_with_config(kind, topo, AppConfig::default())
}

/// Builds a bundled app; `None` for [`AppKind::None`], which has no controller.
///
/// # Panics
///
/// If the topology does not pass [`Topology::validate`].
pub fn app_with_config(kind: AppKind, topo: &Topology, config: AppConfig) -> Option<Box<dyn App>> {
    Some(match kind {
        AppKind::None => return None,
        AppKind::Learning => Box::new(super::LearningSwitch::new(topo, config)),
        AppKind::ShortestPath => Box::new(super::ShortestPath::new(topo, config)),
        AppKind::DynamicRouting => Box::new(super::DynamicRouting::new(
            topo,
            config,
            config.stats_interval,
        )),
        AppKind::Monitor => Box::new(super::Monitor::new()),
        AppKind::PathFlip => Box::new(super::PathFlip::new(topo, config)),
        // Without a service the app only routes; the scenario gives it one
        // ([`super::Vcdn::new`] with `[controller.vcdn]`).
        AppKind::Vcdn => Box::new(super::Vcdn::new(topo, config, Default::default())),
    })
}
