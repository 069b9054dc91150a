//! OpenFlow in the simulation: every switch node of a net-stack network runs a [`Switch`],
//! each with an out-of-band control channel to one [`Controller`].
//!
//! ```text
//!  net-stack ──on_packet──► Switch pipeline ──(+ packet latency)──► ctx.send ──► device
//!                               │  ▲
//!              PACKET_IN, …     │  │  FLOW_MOD, PACKET_OUT, … applied after the switch's
//!              + channel latency▼  │  message latency (one at a time per switch)
//!                           Controller ── processes one message at a time, each taking the
//!                           (apps)        controller processing time, then + channel latency
//! ```
//!
//! The plane keeps its own timeline of control-channel deliveries (a `BTreeMap` keyed by
//! time and sequence number, so same-time messages keep their order) and exposes its earliest
//! deadline — a delivery, a switch's flow or buffer expiry, a controller app timer — through
//! [`SwitchPlane::poll_timeout`].
//!
//! **Start-up.** The control connections are up before simulated time begins, as a Mininet
//! user starts the controller before traffic: the HELLO / FEATURES / PORT_DESC handshake and
//! the apps' initial FLOW_MODs (the table-miss entries) are exchanged at time zero without
//! channel latency. Everything after that pays the latencies.
//!
//! **Capture.** With a capture path, every message is written to `openflow.pcap` as the
//! controller's side sees it: switch-to-controller messages when they arrive at the
//! controller, controller-to-switch messages when the controller sends them.

use std::any::Any;
use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use net_stack::NodeId;
use net_stack::device::Device;
use net_stack::node::Node;
use net_stack::plane::{PlaneCtx, SwitchPlane};
use net_stack::wire::Packet;
use sim_core::{RngStream, SimTime};

use crate::capture::ChannelCapture;
use crate::controller::{Controller, SwitchInfo, SwitchLink, Topology};
use crate::switch::{ControlMessage, Switch, SwitchConfig};
use crate::timing::{Delay, ProcessingQueue, SwitchTiming};

/// Parameters of the OpenFlow plane.
#[derive(Clone, Debug)]
pub struct PlaneConfig {
    /// One-way switch ↔ controller latency.
    pub channel_latency: SimTime,
    /// Time the controller spends on each message it receives (it handles one at a time).
    pub controller_processing: Delay,
    /// Per-packet and per-message latencies of the switches.
    pub timing: SwitchTiming,
    /// Template for every switch (its `datapath_id` and `n_ports` are set per switch).
    pub switch: SwitchConfig,
}

impl Default for PlaneConfig {
    fn default() -> Self {
        PlaneConfig {
            channel_latency: SimTime::from_us(50),
            controller_processing: Delay::Fixed(SimTime::ZERO),
            timing: SwitchTiming::seed000(),
            switch: SwitchConfig::default(),
        }
    }
}

/// A switch node and its OpenFlow state.
#[derive(Debug)]
pub struct SwitchNode {
    /// The node in the network.
    pub node: NodeId,
    /// Its name.
    pub name: String,
    /// The OpenFlow switch.
    pub switch: Switch,
    /// When the switch finishes the controller message it is handling.
    busy_until: SimTime,
    /// The switch's CPU when it has a processing capacity.
    cpu: Option<ProcessingQueue>,
    /// The deadline registered for this switch in `expiries`.
    deadline: Option<SimTime>,
}

/// Something in flight on the control channels.
#[derive(Debug)]
enum Pending {
    /// A switch's message reaches the controller (it then queues for processing).
    ToController(usize, ControlMessage),
    /// The controller has processed this message.
    Process(usize, ControlMessage),
    /// A controller message reaches a switch (it then waits for the switch's handling).
    ToSwitch(usize, ControlMessage),
    /// The switch has handled this message: apply it.
    Apply(usize, ControlMessage),
}

/// The OpenFlow plane; see the [module docs](self).
pub struct OpenFlowPlane {
    config: PlaneConfig,
    make_controller: Option<Box<dyn FnOnce(Topology) -> Controller>>,
    controller: Option<Controller>,
    switches: Vec<SwitchNode>,
    /// Switch index by node index (`u32::MAX` = not a switch).
    by_node: Vec<u32>,
    pending: BTreeMap<(SimTime, u64), Pending>,
    seq: u64,
    /// Switch flow/buffer deadlines: (time, switch index).
    expiries: std::collections::BTreeSet<(SimTime, usize)>,
    controller_busy_until: SimTime,
    controller_deadline: Option<SimTime>,
    rng: RngStream,
    capture: Option<ChannelCapture>,
    capture_error: Option<io::Error>,
    started: bool,
}

impl OpenFlowPlane {
    /// A plane whose controller is made by `make_controller` once the switch graph is known
    /// (at [`SwitchPlane::attach`]). `rng` drives the timing model's draws.
    pub fn new(
        config: PlaneConfig,
        rng: RngStream,
        make_controller: impl FnOnce(Topology) -> Controller + 'static,
    ) -> Self {
        OpenFlowPlane {
            config,
            make_controller: Some(Box::new(make_controller)),
            controller: None,
            switches: Vec::new(),
            by_node: Vec::new(),
            pending: BTreeMap::new(),
            seq: 0,
            expiries: Default::default(),
            controller_busy_until: SimTime::ZERO,
            controller_deadline: None,
            rng,
            capture: None,
            capture_error: None,
            started: false,
        }
    }

    /// Records the control channel into a pcap at `path` (see [`ChannelCapture`]).
    pub fn capture_to(&mut self, path: &Path) -> io::Result<()> {
        self.capture = Some(ChannelCapture::create(path)?);
        Ok(())
    }

    /// The switches, in node order.
    pub fn switches(&self) -> &[SwitchNode] {
        &self.switches
    }

    /// The controller (after [`SwitchPlane::attach`]).
    pub fn controller(&self) -> Option<&Controller> {
        self.controller.as_ref()
    }

    /// Flushes the capture and reports its first error.
    pub fn finish_capture(&mut self) -> io::Result<()> {
        if let Some(e) = self.capture_error.take() {
            return Err(e);
        }
        match self.capture.as_mut() {
            Some(c) => c.flush(),
            None => Ok(()),
        }
    }

    fn dpid(i: usize) -> u64 {
        i as u64 + 1
    }

    fn push(&mut self, at: SimTime, p: Pending) {
        self.seq += 1;
        self.pending.insert((at, self.seq), p);
    }

    fn capture(&mut self, now: SimTime, i: usize, from_switch: bool, msg: &ControlMessage) {
        if let (Some(c), None) = (self.capture.as_mut(), &self.capture_error)
            && let Err(e) = c.message(now, Self::dpid(i), from_switch, &msg.msg)
        {
            self.capture_error = Some(e);
        }
    }

    /// Re-registers switch `i`'s next expiry.
    fn refresh_expiry(&mut self, i: usize) {
        let next = self.switches[i].switch.poll_timeout();
        let s = &mut self.switches[i];
        if s.deadline != next {
            if let Some(old) = s.deadline {
                self.expiries.remove(&(old, i));
            }
            if let Some(new) = next {
                self.expiries.insert((new, i));
            }
            s.deadline = next;
        }
    }

    /// Moves what switch `i` produced onto the wire (after `latency`) and the channel.
    fn drain_switch(&mut self, ctx: &mut PlaneCtx<'_>, i: usize, latency: SimTime) {
        let now = ctx.now();
        let node = self.switches[i].node;
        while let Some((port, pkt)) = self.switches[i].switch.poll_output() {
            ctx.send(node, (port - 1) as u16, now + latency, pkt);
        }
        while let Some(msg) = self.switches[i].switch.poll_message() {
            let at = if self.started {
                now + latency + self.config.channel_latency
            } else {
                now
            };
            self.push(at, Pending::ToController(i, msg));
        }
        self.refresh_expiry(i);
    }

    /// Sends what the controller produced towards the switches.
    fn drain_controller(&mut self, now: SimTime) {
        let Some(c) = self.controller.as_mut() else {
            return;
        };
        let mut out = Vec::new();
        while let Some((dpid, msg)) = c.poll_message() {
            out.push((dpid, msg));
        }
        self.controller_deadline = c.poll_timeout();
        for (dpid, msg) in out {
            let i = (dpid - 1) as usize;
            self.capture(now, i, false, &msg);
            let at = if self.started {
                now + self.config.channel_latency
            } else {
                now
            };
            self.push(at, Pending::ToSwitch(i, msg));
        }
    }

    /// Runs everything due by `now`.
    fn run_due(&mut self, ctx: &mut PlaneCtx<'_>) {
        let now = ctx.now();
        loop {
            let next_pending = self.pending.first_key_value().map(|(&(t, _), _)| t);
            let next_expiry = self.expiries.first().map(|&(t, _)| t);
            let next_ctl = self.controller_deadline;
            let next = [next_pending, next_expiry, next_ctl]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= now => {}
                _ => break,
            }
            if next_expiry.is_some_and(|t| t <= now) {
                let (_, i) = self.expiries.pop_first().expect("checked");
                self.switches[i].deadline = None;
                self.switches[i].switch.handle_timeout(now);
                self.drain_switch(ctx, i, SimTime::ZERO);
                continue;
            }
            if next_ctl.is_some_and(|t| t <= now) {
                let c = self
                    .controller
                    .as_mut()
                    .expect("deadline implies controller");
                c.handle_timeout(now);
                self.controller_deadline = None;
                self.drain_controller(now);
                continue;
            }
            let (_, p) = self.pending.pop_first().expect("checked");
            self.deliver(ctx, p);
        }
    }

    fn deliver(&mut self, ctx: &mut PlaneCtx<'_>, p: Pending) {
        let now = ctx.now();
        match p {
            Pending::ToController(i, msg) => {
                self.capture(now, i, true, &msg);
                if !self.started {
                    self.push(now, Pending::Process(i, msg));
                    return;
                }
                let cost = self.config.controller_processing.sample(&mut self.rng);
                let done = self.controller_busy_until.max(now) + cost;
                self.controller_busy_until = done;
                self.push(done, Pending::Process(i, msg));
            }
            Pending::Process(i, msg) => {
                if let Some(c) = self.controller.as_mut() {
                    c.handle_message(now, Self::dpid(i), msg);
                }
                self.drain_controller(now);
            }
            Pending::ToSwitch(i, msg) => {
                if !self.started {
                    self.push(now, Pending::Apply(i, msg));
                    return;
                }
                let cost = self
                    .config
                    .timing
                    .message_latency(&mut self.rng, &msg.msg.body);
                let s = &mut self.switches[i];
                let done = s.busy_until.max(now) + cost;
                s.busy_until = done;
                self.push(done, Pending::Apply(i, msg));
            }
            Pending::Apply(i, msg) => {
                self.switches[i].switch.handle_message(now, msg);
                let latency = self.output_latency(i);
                self.drain_switch(ctx, i, latency);
            }
        }
    }

    /// Latency of a packet leaving switch `i`'s pipeline now.
    fn output_latency(&mut self, i: usize) -> SimTime {
        if !self.started {
            return SimTime::ZERO;
        }
        let n = self.switches[i].switch.flow_entries();
        self.config.timing.packet_latency(&mut self.rng, n)
    }

    fn index_of(&self, node: NodeId) -> usize {
        let i = self.by_node[node.index()];
        debug_assert!(i != u32::MAX, "not a switch");
        i as usize
    }
}

impl SwitchPlane for OpenFlowPlane {
    fn attach(&mut self, nodes: &[Node], devices: &[Device]) {
        self.by_node = vec![u32::MAX; nodes.len()];
        for (n, node) in nodes.iter().enumerate() {
            if !node.is_switch() {
                continue;
            }
            let i = self.switches.len();
            self.by_node[n] = i as u32;
            let cfg = SwitchConfig {
                datapath_id: Self::dpid(i),
                n_ports: node.devices.len() as u32,
                ..self.config.switch.clone()
            };
            let switch = Switch::new(cfg).expect("valid switch configuration");
            self.switches.push(SwitchNode {
                node: NodeId(n as u32),
                name: node.name.clone(),
                switch,
                busy_until: SimTime::ZERO,
                cpu: self.config.timing.processing_queue(),
                deadline: None,
            });
        }
        let mut links = Vec::new();
        for (i, s) in self.switches.iter().enumerate() {
            for &dev in &nodes[s.node.index()].devices {
                let d = &devices[dev.index()];
                let peer = &devices[d.peer.index()];
                let j = self.by_node[peer.node.index()];
                // Each switch-to-switch link once, from its lower end.
                if j != u32::MAX && (i as u32) < j {
                    links.push(SwitchLink {
                        a: (Self::dpid(i), d.port as u32 + 1),
                        b: (Self::dpid(j as usize), peer.port as u32 + 1),
                    });
                }
            }
        }
        let topology = Topology {
            switches: self
                .switches
                .iter()
                .enumerate()
                .map(|(i, s)| SwitchInfo {
                    dpid: Self::dpid(i),
                    name: s.name.clone(),
                    n_ports: s.switch.ports().len() as u32,
                })
                .collect(),
            links,
        };
        let make = self.make_controller.take().expect("attached once");
        self.controller = Some(make(topology));
    }

    fn start(&mut self, ctx: &mut PlaneCtx<'_>) {
        let now = ctx.now();
        for i in 0..self.switches.len() {
            if let Some(c) = self.capture.as_mut()
                && let Err(e) = c.connect(now, Self::dpid(i))
            {
                self.capture_error.get_or_insert(e);
            }
            self.switches[i].switch.handle_connected(now);
            self.drain_switch(ctx, i, SimTime::ZERO);
            if let Some(c) = self.controller.as_mut() {
                c.handle_connected(now, Self::dpid(i));
            }
            self.drain_controller(now);
        }
        // The handshake and the apps' first FLOW_MODs, before traffic (see the module docs).
        self.run_due(ctx);
        self.started = true;
    }

    fn on_packet(&mut self, ctx: &mut PlaneCtx<'_>, node: NodeId, port: u16, pkt: Packet) {
        self.run_due(ctx);
        let i = self.index_of(node);
        let now = ctx.now();
        // A CPU-limited switch serves frames one after another at its capacity first.
        let ready = match self.switches[i].cpu.as_mut() {
            Some(cpu) => cpu.depart(now, pkt.frame_len() as u64),
            None => now,
        };
        let _ = self.switches[i]
            .switch
            .handle_packet(now, port as u32 + 1, pkt);
        let latency = self.output_latency(i);
        self.drain_switch(ctx, i, (ready - now) + latency);
    }

    fn on_link_state(&mut self, ctx: &mut PlaneCtx<'_>, node: NodeId, port: u16, up: bool) {
        self.run_due(ctx);
        let i = self.index_of(node);
        let _ = self.switches[i]
            .switch
            .set_port_state(ctx.now(), port as u32 + 1, up);
        self.drain_switch(ctx, i, SimTime::ZERO);
    }

    fn on_queue_drop(&mut self, node: NodeId, port: u16) {
        let i = self.index_of(node);
        let _ = self.switches[i].switch.record_tx_drop(port as u32 + 1);
    }

    fn handle_timeout(&mut self, ctx: &mut PlaneCtx<'_>) {
        self.run_due(ctx);
    }

    fn poll_timeout(&mut self) -> Option<SimTime> {
        let next_pending = self.pending.first_key_value().map(|(&(t, _), _)| t);
        let next_expiry = self.expiries.first().map(|&(t, _)| t);
        [next_pending, next_expiry, self.controller_deadline]
            .into_iter()
            .flatten()
            .min()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
