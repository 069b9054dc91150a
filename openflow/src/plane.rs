//! OpenFlow in the simulation: every switch node of a net-stack network runs a [`Switch`],
//! each with an out-of-band control channel to one of the plane's [`Controller`]s.
//!
//! ```text
//!  net-stack ──on_packet──► Switch pipeline ──(+ packet latency)──► ctx.send ──► device
//!                               │  ▲
//!              PACKET_IN, …     │  │  FLOW_MOD, PACKET_OUT, … applied after the switch's
//!              + channel latency▼  │  message latency (one at a time per switch)
//!                           Controller ── processes one message at a time, each taking its
//!                           (apps, shim)  processing time, then + its channel latency
//! ```
//!
//! **One timeline.** The plane keeps no clock and no queue of its own. Every step that
//! happens later is an engine event ([`net_stack::plane::PlaneCtx::schedule`]): a message
//! reaching a controller, the controller finishing it, a message reaching a switch, the
//! switch applying it, a switch's next flow or buffer expiry, a controller timer. Events at
//! the same instant run in the order they were scheduled (sim-core's contract), so, for
//! example, two messages a switch sends at once reach the controller in that order, and a
//! packet that arrives at the instant a FLOW_MOD is applied meets the table as it is in the
//! order the two events were scheduled. A message travels as the index of its slot in the
//! plane's store of messages in flight ([`events`]).
//!
//! **Controllers.** A plane has one or more controllers, each with its own channel latency,
//! processing time and random stream, and each switch belongs to exactly one
//! ([`ControllerSpec::switches`]). Every controller is built with the whole switch graph (as
//! a Ryu app configured with the topology) but talks only to its own switches: a message an
//! app addresses to another controller's switch is dropped and counted
//! ([`OpenFlowPlane::foreign_drops`]).
//!
//! **Randomness.** Each switch draws its latencies from its own stream,
//! `openflow/switch/<node name>`, and each controller its processing times from
//! `openflow/controller/<name>` ([`sim_core::RngStreams`]), so traffic through one switch
//! never shifts another's draws.
//!
//! **Start-up.** The control connections are up before simulated time begins, as a Mininet
//! user starts the controllers before traffic: the HELLO / FEATURES / PORT_DESC handshake and
//! the apps' initial FLOW_MODs (the table-miss entries) are exchanged in [`SwitchPlane::start`],
//! in the order they are sent, at time zero without channel latency and without engine
//! events. Everything after that pays the latencies.
//!
//! **Capture.** With a capture path, every message is written to `openflow.pcap` as the
//! controller's side sees it: switch-to-controller messages when they arrive at the
//! controller, controller-to-switch messages when the controller sends them.

mod events;
mod failure;
pub mod netmig;

use std::any::Any;
use std::collections::VecDeque;
use std::io;
use std::path::Path;

use net_stack::NodeId;
use net_stack::device::Device;
use net_stack::node::Node;
use net_stack::plane::{PlaneCtx, PlaneEvent, SwitchPlane};
use net_stack::signal::Signal;
use net_stack::wire::Packet;
use sim_core::{RngStream, RngStreams, SimTime};

use crate::capture::ChannelCapture;
use crate::controller::{Controller, FailureDetection, SwitchInfo, SwitchLink, Topology};
use crate::switch::{ControlMessage, Switch, SwitchConfig};
use crate::timing::{Delay, ProcessingQueue, SharedCpu, SharedCpuConfig, SwitchTiming};
use events::{InFlight, Step};
use netmig::{NetMigCommand, NetMigDriver};

/// Parameters of the OpenFlow plane.
#[derive(Clone, Debug)]
pub struct PlaneConfig {
    /// One-way switch ↔ controller latency of the controller [`OpenFlowPlane::new`] builds.
    pub channel_latency: SimTime,
    /// Time that controller spends on each message it receives (it handles one at a time).
    pub controller_processing: Delay,
    /// Per-packet and per-message latencies of the switches.
    pub timing: SwitchTiming,
    /// Template for every switch (its `datapath_id` and `n_ports` are set per switch).
    pub switch: SwitchConfig,
    /// One CPU shared by a set of switches, in front of their pipelines ([`SharedCpu`]).
    pub shared_cpu: Option<SharedCpuConfig>,
    /// How every controller learns that a switch failed.
    pub failure_detection: FailureDetection,
}

impl Default for PlaneConfig {
    fn default() -> Self {
        PlaneConfig {
            channel_latency: SimTime::from_us(50),
            controller_processing: Delay::Fixed(SimTime::ZERO),
            timing: SwitchTiming::seed000(),
            switch: SwitchConfig::default(),
            shared_cpu: None,
            failure_detection: FailureDetection::Instant,
        }
    }
}

/// Builds a controller once the switch graph is known.
pub type MakeController = Box<dyn FnOnce(Topology) -> Controller>;

/// One controller of a plane, before the plane is attached to a network.
pub struct ControllerSpec {
    /// Its name (random stream `openflow/controller/<name>`).
    pub name: String,
    /// One-way latency of its control channels.
    pub channel_latency: SimTime,
    /// Its time per message (it handles one at a time).
    pub processing: Delay,
    /// The switch nodes it runs, by name; `None` = every switch no other controller names.
    pub switches: Option<Vec<String>>,
    /// Builds it from the whole switch graph.
    pub make: MakeController,
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
    /// Index of its controller in [`OpenFlowPlane::controllers`].
    pub controller: usize,
    /// When the switch finishes the controller message it is handling.
    busy_until: SimTime,
    /// The switch's CPU when it has a processing capacity.
    cpu: Option<ProcessingQueue>,
    /// Whether its frames queue for the plane's [`SharedCpu`].
    on_shared_cpu: bool,
    /// Frames dropped because the shared CPU's queue was full.
    pub cpu_drops: u64,
    /// Whether the switch is down ([`failure`]).
    pub failed: bool,
    /// Control messages lost because the switch failed (in flight either way when it failed,
    /// or sent to it while it was down).
    pub lost_messages: u64,
    /// The time of its latest expiry event still meant (an earlier-fired one is stale).
    expiry_at: Option<SimTime>,
    /// Its latency draws.
    rng: RngStream,
}

/// A controller and its channel.
pub struct ControllerNode {
    /// Its name.
    pub name: String,
    /// The runtime and its apps.
    pub controller: Controller,
    /// One-way latency of its control channels.
    pub channel_latency: SimTime,
    processing: Delay,
    busy_until: SimTime,
    rng: RngStream,
}

/// The OpenFlow plane; see the [module docs](self).
pub struct OpenFlowPlane {
    config: PlaneConfig,
    streams: RngStreams,
    specs: Vec<ControllerSpec>,
    controllers: Vec<ControllerNode>,
    switches: Vec<SwitchNode>,
    /// The CPU that switches with `on_shared_cpu` share.
    shared_cpu: Option<SharedCpu>,
    /// Switch index by node index (`u32::MAX` = not a switch).
    by_node: Vec<u32>,
    in_flight: InFlight,
    /// Before [`SwitchPlane::start`] returns: steps run in order, at once, without latency.
    startup: VecDeque<Step>,
    foreign_drops: u64,
    capture: Option<ChannelCapture>,
    capture_error: Option<io::Error>,
    started: bool,
    /// Whether a switch ever failed (the message steps check for lost messages only then).
    any_failed: bool,
    /// Drives a whole-network migration on the first controller's shim (seed 001).
    netmig: Option<NetMigDriver>,
}

impl OpenFlowPlane {
    /// A plane with one controller, `c0`, for every switch, with the channel latency and
    /// processing time of `config`, made by `make_controller` once the switch graph is known
    /// (at [`SwitchPlane::attach`]). `streams` gives each switch and the controller its own
    /// random stream.
    pub fn new(
        config: PlaneConfig,
        streams: RngStreams,
        make_controller: impl FnOnce(Topology) -> Controller + 'static,
    ) -> Self {
        let spec = ControllerSpec {
            name: "c0".into(),
            channel_latency: config.channel_latency,
            processing: config.controller_processing,
            switches: None,
            make: Box::new(make_controller),
        };
        Self::with_controllers(config, streams, vec![spec])
    }

    /// A plane with several controllers. Each switch goes to the controller that names it,
    /// or else to the one with `switches = None`.
    ///
    /// # Panics
    ///
    /// At [`SwitchPlane::attach`], if a switch is named by two controllers or belongs to
    /// none, or a controller names a node that is not a switch: the caller checks its
    /// configuration first (the scenario loader does).
    pub fn with_controllers(
        config: PlaneConfig,
        streams: RngStreams,
        specs: Vec<ControllerSpec>,
    ) -> Self {
        OpenFlowPlane {
            config,
            streams,
            specs,
            controllers: Vec::new(),
            switches: Vec::new(),
            shared_cpu: None,
            by_node: Vec::new(),
            in_flight: InFlight::default(),
            startup: VecDeque::new(),
            foreign_drops: 0,
            capture: None,
            capture_error: None,
            started: false,
            any_failed: false,
            netmig: None,
        }
    }

    /// Drives a whole-network migration: `driver`'s commands run on the first controller's
    /// [`MigrationShim`](crate::netmig::MigrationShim) (see [`netmig`]).
    pub fn with_network_migration(mut self, driver: NetMigDriver) -> Self {
        self.netmig = Some(driver);
        self
    }

    /// The network-migration driver, if the plane has one.
    pub fn network_migration(&self) -> Option<&NetMigDriver> {
        self.netmig.as_ref()
    }

    /// The network-migration driver, mutably (to give it the migration applications).
    pub fn network_migration_mut(&mut self) -> Option<&mut NetMigDriver> {
        self.netmig.as_mut()
    }

    /// Runs console command `cmd` on the first controller's migration shim now and sends
    /// what it produced (each FLOW_MOD pays the channel latency and its switch's write
    /// latency); a refused command is recorded in the driver.
    fn shim_command(&mut self, ctx: &mut PlaneCtx<'_>, cmd: NetMigCommand) {
        let now = ctx.now();
        let mut result = Ok(());
        self.controllers[0]
            .controller
            .handle_shim_command(now, |shim, sctx| {
                if let Some(m) = shim
                    .as_any_mut()
                    .downcast_mut::<crate::netmig::MigrationShim>()
                {
                    result = netmig::apply(m, sctx, cmd);
                }
            });
        if let (Err(e), Some(d)) = (result, self.netmig.as_mut()) {
            d.rejected.push((now, cmd, e));
            self.drain_controller(ctx, 0);
            return;
        }
        if cmd != NetMigCommand::MigrateSwitches {
            self.drain_controller(ctx, 0);
            return;
        }
        let drops = self.switch_drops();
        self.in_flight.record();
        self.drain_controller(ctx, 0);
        let pending = self.in_flight.recorded();
        let settle = self.controllers[0].channel_latency * 2;
        let probe = netmig::FinalizeProbe::new(drops, pending, now, settle);
        if probe.applied_at.is_some() {
            self.post(ctx, now + settle, Step::FinalizeSettled);
        }
        if let Some(d) = self.netmig.as_mut() {
            d.finalize = Some(probe);
        }
    }

    /// Frames the switches dropped so far (what [`netmig::FinalizeProbe`] counts).
    fn switch_drops(&self) -> u64 {
        self.switches
            .iter()
            .map(|s| {
                let c = s.switch.counters();
                let tx: u64 = s.switch.ports().iter().map(|p| p.counters.tx_dropped).sum();
                c.table_misses + c.vlan_push_drops + c.buffers_expired + s.cpu_drops + tx
            })
            .sum()
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

    /// The first controller (after [`SwitchPlane::attach`]).
    pub fn controller(&self) -> Option<&Controller> {
        self.controllers.first().map(|c| &c.controller)
    }

    /// Every controller, in the order given (after [`SwitchPlane::attach`]).
    pub fn controllers(&self) -> &[ControllerNode] {
        &self.controllers
    }

    /// The shared CPU, if the plane has one.
    pub fn shared_cpu(&self) -> Option<&SharedCpu> {
        self.shared_cpu.as_ref()
    }

    /// Messages apps addressed to a switch of another controller (dropped).
    pub fn foreign_drops(&self) -> u64 {
        self.foreign_drops
    }

    /// Messages on the control channels now (sent, not yet applied or processed).
    pub fn messages_in_flight(&self) -> usize {
        self.in_flight.len()
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

    /// Runs `step` at `at`: an engine event once started, else next in the start-up order.
    fn post(&mut self, ctx: &mut PlaneCtx<'_>, at: SimTime, step: Step) {
        if self.started {
            ctx.schedule(at, step.pack());
        } else {
            self.startup.push_back(step);
        }
    }

    fn capture(&mut self, now: SimTime, i: usize, from_switch: bool, msg: &ControlMessage) {
        if let (Some(c), None) = (self.capture.as_mut(), &self.capture_error)
            && let Err(e) = c.message(now, Self::dpid(i), from_switch, &msg.msg)
        {
            self.capture_error = Some(e);
        }
    }

    /// Schedules switch `i`'s next expiry if it is earlier than the one already scheduled.
    fn refresh_expiry(&mut self, ctx: &mut PlaneCtx<'_>, i: usize) {
        let Some(next) = self.switches[i].switch.poll_timeout() else {
            return;
        };
        let s = &mut self.switches[i];
        if s.expiry_at.is_none_or(|t| next < t) {
            s.expiry_at = Some(next);
            ctx.schedule(next, Step::Expiry(i as u32).pack());
        }
    }

    /// Moves what switch `i` produced onto the wire (after `latency`) and the channel.
    fn drain_switch(&mut self, ctx: &mut PlaneCtx<'_>, i: usize, latency: SimTime) {
        let now = ctx.now();
        let node = self.switches[i].node;
        while let Some((port, pkt)) = self.switches[i].switch.poll_output() {
            ctx.send(node, (port - 1) as u16, now + latency, pkt);
        }
        let channel = self.controllers[self.switches[i].controller].channel_latency;
        while let Some(msg) = self.switches[i].switch.poll_message() {
            let slot = self.in_flight.insert(i as u32, msg);
            self.post(ctx, now + latency + channel, Step::ToController(slot));
        }
        self.refresh_expiry(ctx, i);
    }

    /// Sends what controller `c` produced towards its switches and schedules its timers.
    fn drain_controller(&mut self, ctx: &mut PlaneCtx<'_>, c: usize) {
        let now = ctx.now();
        let at = now + self.controllers[c].channel_latency;
        while let Some((dpid, msg)) = self.controllers[c].controller.poll_message() {
            let i = (dpid - 1) as usize;
            if self.switches.get(i).is_none_or(|s| s.controller != c) {
                self.foreign_drops += 1;
                continue;
            }
            // A failed switch has no connection to write to (the message is lost at its step).
            if !self.switches[i].failed {
                self.capture(now, i, false, &msg);
            }
            let slot = self.in_flight.insert(i as u32, msg);
            self.post(ctx, at, Step::ToSwitch(slot));
        }
        while let Some((t, id)) = self.controllers[c].controller.poll_timer() {
            ctx.schedule(t, Step::Timer(c as u32, id).pack());
        }
        while let Some(dpid) = self.controllers[c].controller.poll_closed() {
            self.capture_disconnect(now, dpid);
        }
    }

    fn run(&mut self, ctx: &mut PlaneCtx<'_>, step: Step) {
        if self.any_failed && self.lost_in_flight(ctx, step) {
            return;
        }
        let now = ctx.now();
        match step {
            Step::ToController(slot) => {
                let (i, msg) = self.in_flight.get(slot);
                let i = i as usize;
                if let (Some(c), None) = (self.capture.as_mut(), &self.capture_error)
                    && let Err(e) = c.message(now, Self::dpid(i), true, &msg.msg)
                {
                    self.capture_error = Some(e);
                }
                let done = if self.started {
                    let ctl = &mut self.controllers[self.switches[i].controller];
                    let cost = ctl.processing.sample(&mut ctl.rng);
                    ctl.busy_until = ctl.busy_until.max(now) + cost;
                    ctl.busy_until
                } else {
                    now
                };
                self.post(ctx, done, Step::Process(slot));
            }
            Step::Process(slot) => {
                let (i, msg) = self.in_flight.take(slot);
                let c = self.switches[i as usize].controller;
                self.controllers[c]
                    .controller
                    .handle_message(now, Self::dpid(i as usize), msg);
                self.drain_controller(ctx, c);
            }
            Step::ToSwitch(slot) => {
                let (i, msg) = self.in_flight.get(slot);
                let done = if self.started {
                    let s = &mut self.switches[i as usize];
                    let cost = self
                        .config
                        .timing
                        .message_latency(&mut s.rng, &msg.msg.body);
                    s.busy_until = s.busy_until.max(now) + cost;
                    s.busy_until
                } else {
                    now
                };
                self.post(ctx, done, Step::Apply(slot));
            }
            Step::Apply(slot) => {
                let (i, msg) = self.in_flight.take(slot);
                let i = i as usize;
                let s = &mut self.switches[i];
                match self.config.timing.flow_lifetime(&mut s.rng, &msg.msg.body) {
                    Some(l) => s.switch.handle_message_with_lifetime(now, msg, l),
                    None => s.switch.handle_message(now, msg),
                }
                let latency = self.output_latency(i);
                self.drain_switch(ctx, i, latency);
                if let Some(p) = self.netmig.as_mut().and_then(|d| d.finalize.as_mut())
                    && let Some(at) = p.applied(slot, now)
                {
                    self.post(ctx, at, Step::FinalizeSettled);
                }
            }
            Step::Expiry(i) => {
                let i = i as usize;
                if self.switches[i].expiry_at != Some(now) || self.switches[i].failed {
                    return; // superseded by an earlier expiry event
                }
                self.switches[i].expiry_at = None;
                self.switches[i].switch.handle_timeout(now);
                self.drain_switch(ctx, i, SimTime::ZERO);
            }
            Step::Timer(c, id) => {
                let c = c as usize;
                self.controllers[c].controller.handle_timer(now, id);
                self.drain_controller(ctx, c);
            }
            Step::Command(k) => {
                let cmd = self.netmig.as_ref().map(|d| d.commands[k as usize].1);
                if let Some(cmd) = cmd {
                    self.shim_command(ctx, cmd);
                }
            }
            Step::FinalizeSettled => {
                let drops = self.switch_drops();
                if let Some(p) = self.netmig.as_mut().and_then(|d| d.finalize.as_mut()) {
                    p.end_drops = Some(drops);
                }
            }
        }
    }

    /// Latency of a packet leaving switch `i`'s pipeline now.
    fn output_latency(&mut self, i: usize) -> SimTime {
        if !self.started {
            return SimTime::ZERO;
        }
        let s = &mut self.switches[i];
        let n = s.switch.flow_entries();
        self.config.timing.packet_latency(&mut s.rng, n)
    }

    fn index_of(&self, node: NodeId) -> usize {
        let i = self.by_node[node.index()];
        debug_assert!(i != u32::MAX, "not a switch");
        i as usize
    }

    /// The controller of each switch, by switch index; see [`OpenFlowPlane::with_controllers`].
    fn assign(&self) -> Vec<usize> {
        let mut owner = vec![usize::MAX; self.switches.len()];
        for (c, spec) in self.specs.iter().enumerate() {
            for name in spec.switches.iter().flatten() {
                let i = self
                    .switches
                    .iter()
                    .position(|s| &s.name == name)
                    .unwrap_or_else(|| panic!("controller {}: no switch {name}", spec.name));
                assert!(owner[i] == usize::MAX, "switch {name} has two controllers");
                owner[i] = c;
            }
        }
        let rest = self.specs.iter().position(|s| s.switches.is_none());
        for (i, o) in owner.iter_mut().enumerate() {
            if *o == usize::MAX {
                *o = rest.unwrap_or_else(|| {
                    panic!("switch {} has no controller", self.switches[i].name)
                });
            }
        }
        owner
    }

    fn topology(&self, nodes: &[Node], devices: &[Device]) -> Topology {
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
        Topology {
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
        }
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
                controller: 0,
                busy_until: SimTime::ZERO,
                cpu: self.config.timing.processing_queue(),
                on_shared_cpu: self
                    .config
                    .shared_cpu
                    .as_ref()
                    .is_some_and(|c| c.serves(&node.name)),
                cpu_drops: 0,
                failed: false,
                lost_messages: 0,
                expiry_at: None,
                rng: self
                    .streams
                    .stream(&format!("openflow/switch/{}", node.name)),
            });
        }
        self.shared_cpu = self.config.shared_cpu.as_ref().map(SharedCpu::new);
        for (i, c) in self.assign().into_iter().enumerate() {
            self.switches[i].controller = c;
        }
        let topology = self.topology(nodes, devices);
        for spec in std::mem::take(&mut self.specs) {
            let rng = self
                .streams
                .stream(&format!("openflow/controller/{}", spec.name));
            self.controllers.push(ControllerNode {
                controller: (spec.make)(topology.clone())
                    .with_failure_detection(self.config.failure_detection),
                name: spec.name,
                channel_latency: spec.channel_latency,
                processing: spec.processing,
                busy_until: SimTime::ZERO,
                rng,
            });
        }
    }

    fn start(&mut self, ctx: &mut PlaneCtx<'_>) {
        let now = ctx.now();
        for i in 0..self.switches.len() {
            let c = self.switches[i].controller;
            if let Some(cap) = self.capture.as_mut()
                && let Err(e) = cap.connect_to(now, Self::dpid(i), c as u8)
            {
                self.capture_error.get_or_insert(e);
            }
            self.switches[i].switch.handle_connected(now);
            self.drain_switch(ctx, i, SimTime::ZERO);
            self.controllers[c]
                .controller
                .handle_connected(now, Self::dpid(i));
            self.drain_controller(ctx, c);
        }
        // The handshake and the apps' first FLOW_MODs, before traffic (see the module docs).
        while let Some(step) = self.startup.pop_front() {
            self.run(ctx, step);
        }
        self.started = true;
        if let Some(d) = self.netmig.as_mut() {
            let positions = self.controllers[0]
                .controller
                .shim()
                .as_any()
                .downcast_ref::<crate::netmig::MigrationShim>()
                .map_or(0, |m| m.twin().positions.len());
            d.start(positions);
            for (k, &(at, _)) in d.commands.iter().enumerate() {
                ctx.schedule(at, Step::Command(k as u32).pack());
            }
        }
    }

    fn on_signal(&mut self, ctx: &mut PlaneCtx<'_>, from: net_stack::AppId, signal: Signal) {
        if signal != Signal::Resumed {
            return;
        }
        let cmds = match self.netmig.as_mut() {
            Some(d) => d.resumed(from),
            None => return,
        };
        for cmd in cmds {
            self.shim_command(ctx, cmd);
        }
    }

    fn on_packet(&mut self, ctx: &mut PlaneCtx<'_>, node: NodeId, port: u16, pkt: Packet) {
        let i = self.index_of(node);
        let now = ctx.now();
        // A switch on the shared CPU waits its turn there first (or loses the frame when the
        // CPU's queue is full); a CPU-limited switch then serves frames at its capacity.
        let mut arrived = now;
        if self.switches[i].on_shared_cpu
            && let Some(cpu) = self.shared_cpu.as_mut()
        {
            match cpu.depart(now) {
                Some(t) => arrived = t,
                None => {
                    self.switches[i].cpu_drops += 1;
                    return;
                }
            }
        }
        let ready = match self.switches[i].cpu.as_mut() {
            Some(cpu) => cpu.depart(arrived, pkt.frame_len() as u64),
            None => arrived,
        };
        let _ = self.switches[i]
            .switch
            .handle_packet(now, port as u32 + 1, pkt);
        let latency = self.output_latency(i);
        self.drain_switch(ctx, i, (ready - now) + latency);
    }

    fn on_link_state(&mut self, ctx: &mut PlaneCtx<'_>, node: NodeId, port: u16, up: bool) {
        let i = self.index_of(node);
        let _ = self.switches[i]
            .switch
            .set_port_state(ctx.now(), port as u32 + 1, up);
        // A failed switch keeps its ports' state for its restart and reports nothing.
        if !self.switches[i].failed {
            self.drain_switch(ctx, i, SimTime::ZERO);
        }
    }

    fn on_switch_state(&mut self, ctx: &mut PlaneCtx<'_>, node: NodeId, up: bool) {
        self.any_failed = true;
        self.set_switch_state(ctx, node, up);
    }

    fn on_queue_drop(&mut self, node: NodeId, port: u16) {
        let i = self.index_of(node);
        let _ = self.switches[i].switch.record_tx_drop(port as u32 + 1);
    }

    fn on_event(&mut self, ctx: &mut PlaneCtx<'_>, event: PlaneEvent) {
        self.run(ctx, Step::unpack(event));
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
