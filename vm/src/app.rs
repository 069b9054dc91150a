//! A migration as a net-stack [`Application`]: the engine's stream travels over a real
//! simulated TCP connection from the VM's source host to the destination host, through the
//! switches and queues of the network, so the migration meets the contention, losses and
//! routing the papers study.
//!
//! ```text
//!  MigrationApp (on the source host)                 PacketSink (on the destination host)
//!    engine.poll_write() ──tcp_write──► TCP ══ network ══► TCP ──► bytes counted
//!    engine.handle_transmitted ◄── TcpEvent::AllSent (all written bytes sent once: E-N's cue)
//!    engine.handle_acked       ◄── written − unacked, read at every call
//!    Paused  ──► AppCtx::pause_vm (the VM stops answering)
//!    Resumed ──► AppCtx::resume_vm (the VM runs on the destination; gratuitous ARP)
//! ```
//!
//! The engine hands out whole rounds; what the socket's send buffer does not take yet waits
//! in the application and is written as the buffer drains, so "transmitted" is what TCP has
//! sent of what the socket accepted. While the VM is paused or a post-copy VM is stalled on a
//! fault the application re-reads the acknowledged count every `POLL` = 20 µs (the engine
//! needs one particular byte's acknowledgement — post-copy's CPU state, a faulting page — and
//! TCP reports only "everything acknowledged"), so those moments are known to within 20 µs.

use std::any::Any;
use std::cell::Cell;
use std::net::Ipv4Addr;
use std::rc::Rc;

use net_stack::NodeId;
use net_stack::app::{AppCtx, AppReport, Application};
use net_stack::socket::{SocketId, SocketTable};
use net_stack::tcp::TcpEvent;
use sim_core::SimTime;

use crate::{Migration, MigrationEvent, MigrationReport};

/// How often a paused or stalled VM's migration re-reads the acknowledged count.
const POLL: SimTime = SimTime::from_us(20);
/// Timer token of the stall poll (engine timers use a generation counter from 0).
const POLL_TOKEN: u64 = u64::MAX;

/// How often a migration waiting for the orchestrator's gate asks again.
const GATE_POLL: SimTime = SimTime::from_us(100);
/// Timer token of the gate poll.
const GATE_TOKEN: u64 = u64::MAX - 1;

/// The orchestrator's admission state, shared by the migrations of one simulation: at most
/// `limit` in flight, started in ticket order (the plan's order).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GateState {
    /// Most migrations in flight at once (`[orchestrator] concurrent`).
    pub limit: u32,
    /// Migrations in flight.
    pub running: u32,
    /// The ticket allowed to start next.
    pub next: u32,
}

/// A handle on the shared [`GateState`]. One shared cell rather than messages between
/// applications: the migrations of a run live in one simulation on one thread, and a
/// plain-data `Cell` keeps the state a value (no borrow can outlive a call).
#[derive(Clone, Debug)]
pub struct Gate(Rc<Cell<GateState>>);

impl Gate {
    /// A gate admitting `limit` migrations at once (at least one).
    pub fn new(limit: u32) -> Self {
        Gate(Rc::new(Cell::new(GateState {
            limit: limit.max(1),
            ..GateState::default()
        })))
    }

    /// The current state.
    pub fn state(&self) -> GateState {
        self.0.get()
    }

    fn try_enter(&self, ticket: u32) -> bool {
        let mut s = self.0.get();
        if s.next == ticket && s.running < s.limit {
            s.next += 1;
            s.running += 1;
            self.0.set(s);
            true
        } else {
            false
        }
    }

    fn leave(&self) {
        let mut s = self.0.get();
        s.running -= 1;
        self.0.set(s);
    }
}

/// Runs one migration of VM `vm` to host `target`; see the [module docs](self).
pub struct MigrationApp {
    engine: Migration,
    vm: NodeId,
    target: NodeId,
    target_ip: Ipv4Addr,
    port: u16,
    sock: Option<SocketId>,
    connected: bool,
    /// Bytes the engine handed out and the socket has not accepted yet.
    backlog: u64,
    /// Bytes the socket accepted.
    written: u64,
    acked: u64,
    transmitted: u64,
    /// The engine deadline a timer is armed for, and that timer's token.
    armed: Option<(SimTime, u64)>,
    generation: u64,
    polling: bool,
    events: Vec<MigrationEvent>,
    /// The orchestrator's gate and this migration's ticket, when admission is limited.
    gate: Option<(Gate, u32)>,
    started: bool,
    left: bool,
}

impl MigrationApp {
    /// A migration of `vm` to `target` (address `target_ip`, a listener on `port`) driven by
    /// `engine`; it starts when the application starts.
    pub fn new(
        engine: Migration,
        vm: NodeId,
        target: NodeId,
        target_ip: Ipv4Addr,
        port: u16,
    ) -> Self {
        MigrationApp {
            engine,
            vm,
            target,
            target_ip,
            port,
            sock: None,
            connected: false,
            backlog: 0,
            written: 0,
            acked: 0,
            transmitted: 0,
            armed: None,
            generation: 0,
            polling: false,
            events: Vec::new(),
            gate: None,
            started: false,
            left: false,
        }
    }

    /// Waits for `gate` before starting: the migration starts when its `ticket` is next and
    /// fewer than the gate's limit are in flight (checked every 100 µs), and leaves the gate
    /// when it finishes.
    pub fn with_gate(mut self, gate: Gate, ticket: u32) -> Self {
        self.gate = Some((gate, ticket));
        self
    }

    /// When the migration really started (after waiting for the gate), if it has.
    pub fn started_at(&self) -> Option<SimTime> {
        self.engine.report().start
    }

    /// The engine's report (complete once finished).
    pub fn migration(&self) -> MigrationReport {
        self.engine.report()
    }

    /// Bytes of the migration stream the destination has acknowledged, read from the socket
    /// `sockets` holds (the network's): the engine's own count is as fresh as the last call
    /// into this application, this one as fresh as the TCP state, for a report at the end of
    /// a run. For a finished migration both are every byte written.
    pub fn bytes_acked(&self, sockets: &SocketTable) -> u64 {
        let fresh = self
            .sock
            .map_or(0, |s| self.written - sockets.get(s).conn.unacked_bytes());
        fresh.max(self.acked)
    }

    /// Every event the engine emitted, in order.
    pub fn events(&self) -> &[MigrationEvent] {
        &self.events
    }

    /// Whether the migration has finished.
    pub fn is_finished(&self) -> bool {
        self.engine.is_finished()
    }

    /// The VM being migrated and its destination host.
    pub fn vm_and_target(&self) -> (NodeId, NodeId) {
        (self.vm, self.target)
    }

    /// Starts when the gate (if any) admits it, else asks again later.
    fn try_start(&mut self, ctx: &mut AppCtx<'_>) {
        if let Some((gate, ticket)) = &self.gate
            && !gate.try_enter(*ticket)
        {
            ctx.set_timer(ctx.now() + GATE_POLL, GATE_TOKEN);
            return;
        }
        self.started = true;
        self.sock = Some(ctx.tcp_connect(self.target_ip, self.port));
        self.engine.handle_start(ctx.now());
        self.pump(ctx);
    }

    /// Feeds the engine what TCP did, carries out what the engine asks, re-arms timers.
    fn pump(&mut self, ctx: &mut AppCtx<'_>) {
        let now = ctx.now();
        if let Some(sock) = self.sock {
            let conn = ctx.tcp(sock);
            let acked = self.written - conn.unacked_bytes();
            if let Some(rtt) = conn.srtt() {
                self.engine.handle_rtt(rtt);
            }
            if acked > self.acked {
                self.acked = acked;
                // Acknowledged bytes were transmitted.
                if acked > self.transmitted {
                    self.transmitted = acked;
                    self.engine.handle_transmitted(now, acked);
                }
                self.engine.handle_acked(now, acked);
            }
        }
        loop {
            while let Some(n) = self.engine.poll_write() {
                self.backlog += n;
            }
            self.flush(ctx);
            let mut any = false;
            while let Some(ev) = self.engine.poll_event() {
                any = true;
                match ev {
                    MigrationEvent::Paused { .. } => ctx.pause_vm(self.vm),
                    MigrationEvent::Resumed { .. } => ctx.resume_vm(self.vm, self.target),
                    _ => {}
                }
                self.events.push(ev);
            }
            if !any {
                break;
            }
        }
        if let Some(at) = self.engine.poll_timeout()
            && self.armed.is_none_or(|(t, _)| t != at)
        {
            self.generation += 1;
            self.armed = Some((at, self.generation));
            ctx.set_timer(at, self.generation);
        }
        if self.engine.is_finished()
            && !self.left
            && let Some((gate, _)) = &self.gate
        {
            self.left = true;
            gate.leave();
        }
        // While the VM is paused or stalled the engine waits for a particular byte's
        // acknowledgement, which TCP reports only once everything written is acknowledged.
        let waiting = !self.engine.is_vm_running() && !self.engine.is_finished();
        if waiting && !self.polling {
            self.polling = true;
            ctx.set_timer(now + POLL, POLL_TOKEN);
        }
    }

    /// Writes as much of the backlog as the socket takes.
    fn flush(&mut self, ctx: &mut AppCtx<'_>) {
        let Some(sock) = self.sock.filter(|_| self.connected) else {
            return;
        };
        if self.backlog > 0 {
            let n = ctx.tcp_write(sock, self.backlog);
            self.backlog -= n;
            self.written += n;
        }
    }
}

impl Application for MigrationApp {
    fn start(&mut self, ctx: &mut AppCtx<'_>) {
        self.try_start(ctx);
    }

    fn on_timer(&mut self, ctx: &mut AppCtx<'_>, token: u64) {
        if token == GATE_TOKEN {
            self.try_start(ctx);
            return;
        }
        if token == POLL_TOKEN {
            self.polling = false;
        } else if self.armed.is_some_and(|(_, g)| g == token) {
            self.armed = None;
            self.engine.handle_timeout(ctx.now());
        }
        self.pump(ctx);
    }

    fn on_tcp(&mut self, ctx: &mut AppCtx<'_>, _sock: SocketId, event: TcpEvent) {
        match event {
            TcpEvent::Connected => self.connected = true,
            TcpEvent::AllSent if self.written > self.transmitted => {
                self.transmitted = self.written;
                self.engine.handle_transmitted(ctx.now(), self.written);
            }
            _ => {}
        }
        self.pump(ctx);
    }

    fn on_tcp_writable(&mut self, ctx: &mut AppCtx<'_>, _sock: SocketId) {
        self.pump(ctx);
    }

    fn report(&self) -> AppReport {
        AppReport {
            packets_sent: 0,
            bytes_sent: self.written,
            ..AppReport::default()
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
