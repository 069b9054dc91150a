//! A migration as a net-stack [`Application`]: the engine's stream travels over a real
//! simulated TCP connection from the VM's source host to the destination host, through the
//! switches and queues of the network, so the migration meets the contention, losses and
//! routing the papers study.
//!
//! ```text
//!  MigrationApp (on the source host)                 PacketSink (on the destination host)
//!    engine.poll_write() ──tcp_write──► TCP ══ network ══► TCP ──► bytes counted
//!    engine.handle_transmitted ◄── TcpEvent::AllSent (all written bytes sent once: E-N's cue)
//!    engine.handle_acked       ◄── on_tcp_acked: the acknowledged count, as it grows
//!    Paused  ──► AppCtx::pause_vm (the VM stops answering)
//!    Resumed ──► AppCtx::resume_vm (the VM runs on the destination; gratuitous ARP)
//!
//!  Orchestrator ──Signal::Start──► MigrationApp      (admission, when a slot frees)
//!  Orchestrator ◄─Signal::Finished── MigrationApp    (its slot is free)
//! ```
//!
//! The engine hands out whole rounds; what the socket's send buffer does not take yet waits
//! in the application and is written as the buffer drains, so "transmitted" is what TCP has
//! sent of what the socket accepted. The application watches its socket's acknowledgement
//! progress ([`AppCtx::tcp_watch_acked`]), so the engine learns of every acknowledgement at
//! the instant it arrives: a paused VM resumes, and a post-copy fault is resolved, exactly
//! when the byte it waits for is acknowledged.
//!
//! **Retransmissions per round.** Round i's retransmissions are those of the migration
//! connection counted after round i − 1's last byte was handed to TCP (accepted by the socket;
//! the migration's start for round 0) up to the instant round i's last byte was; the final
//! round's run on to the end of the migration. So a loss among round i's last segments, which
//! is repaired after its last byte was handed over, counts for round i + 1 in both the
//! baseline and Early Notification: the boundary is the same instant for both, where the
//! engine's round end (acknowledged vs transmitted) is not. The count at the pause is kept
//! too (`retransmissions_before_pause`). Post-copy, whose push round is written page by page,
//! reports none.
//!
//! Admission (`[orchestrator] concurrent`) is the [`Orchestrator`](crate::orchestrator::Orchestrator)'s:
//! a migration built as admitted starts at its trigger time; one built as waiting starts
//! when both its trigger time has come and the orchestrator's [`Signal::Start`] has arrived,
//! and every migration reports [`Signal::Finished`] to the orchestrator when it finishes.

use std::net::Ipv4Addr;

use net_stack::app::{AppCtx, Application, Report};
use net_stack::signal::{Endpoint, Signal};
use net_stack::socket::SocketId;
use net_stack::tcp::TcpEvent;
use net_stack::{AppId, NodeId};
use sim_core::SimTime;

use crate::admission::Admission;
use crate::{Migration, MigrationEvent, MigrationReport};

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
    events: Vec<MigrationEvent>,
    /// The orchestrator's admission, and who is told of the start and the finish.
    admission: Admission,
    /// Stream offsets just past each started round whose last byte the socket has not
    /// accepted yet, oldest first.
    round_ends: std::collections::VecDeque<u64>,
    /// The connection's retransmission count when each round's last byte was handed to TCP.
    handed: Vec<u64>,
    /// The count when the VM paused, and when the migration finished.
    retx_at_pause: Option<u64>,
    retx_at_end: Option<u64>,
    /// Tell the switch plane when the VM resumes ([`Signal::Resumed`], network migration).
    tell_plane: bool,
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
            events: Vec::new(),
            admission: Admission::default(),
            round_ends: std::collections::VecDeque::new(),
            handed: Vec::new(),
            retx_at_pause: None,
            retx_at_end: None,
            tell_plane: false,
        }
    }

    /// Tells `app` (the VM's service measurement: a workload's client, or the VM's receiver
    /// of a stream) when this migration starts and finishes, so that it measures the
    /// service's silence within the migration (`service_downtime_s`, one per migration).
    pub fn with_observer(mut self, app: AppId) -> Self {
        self.admission.set_observer(app);
        self
    }

    /// Sends [`Signal::Resumed`] to the switch plane when the VM resumes on the destination
    /// (a whole-network migration's shim moves the host position then, seed 001 §2.3).
    pub fn tell_switch_plane(mut self) -> Self {
        self.tell_plane = true;
        self
    }

    /// Runs under `orchestrator`'s admission: unless `admitted` already (one of the first
    /// `concurrent` in plan order, see
    /// [`Orchestrator::admits_at_start`](crate::orchestrator::Orchestrator::admits_at_start)),
    /// the migration waits for the orchestrator's [`Signal::Start`] after its trigger time;
    /// either way it sends [`Signal::Finished`] to the orchestrator when it finishes.
    pub fn with_orchestrator(mut self, orchestrator: AppId, admitted: bool) -> Self {
        self.admission.set_orchestrator(orchestrator, admitted);
        self
    }

    /// The engine's report (complete once finished), with the connection's retransmissions
    /// per round and before the pause.
    pub fn migration(&self) -> MigrationReport {
        let mut r = self.engine.report();
        r.round_retransmissions = self.round_retransmissions(&r);
        r.retransmissions_before_pause = self.retx_at_pause;
        r
    }

    /// Every event the engine emitted, in order.
    pub fn events(&self) -> &[MigrationEvent] {
        &self.events
    }

    /// Starts the migration (once triggered and admitted).
    fn begin(&mut self, ctx: &mut AppCtx<'_>) {
        let sock = ctx.tcp_connect(self.target_ip, self.port);
        ctx.tcp_watch_acked(sock);
        self.sock = Some(sock);
        self.engine.handle_start(ctx.now());
        self.admission.open_window(ctx);
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
                    MigrationEvent::Paused { .. } => {
                        self.retx_at_pause = Some(self.retransmissions(ctx));
                        ctx.pause_vm(self.vm);
                    }
                    MigrationEvent::Resumed { .. } => {
                        ctx.resume_vm(self.vm, self.target);
                        if self.tell_plane {
                            ctx.signal(Endpoint::SwitchPlane, Signal::Resumed);
                        }
                    }
                    MigrationEvent::RoundStarted { stream_end, .. } => {
                        self.round_ends.push_back(stream_end);
                    }
                    MigrationEvent::Finished { .. } => {
                        self.retx_at_end = Some(self.retransmissions(ctx));
                    }
                    _ => {}
                }
                self.events.push(ev);
            }
            if !any {
                break;
            }
        }
        self.note_handed(ctx);
        if let Some(at) = self.engine.poll_timeout()
            && self.armed.is_none_or(|(t, _)| t != at)
        {
            self.generation += 1;
            self.armed = Some((at, self.generation));
            ctx.set_timer(at, self.generation);
        }
        if self.engine.is_finished() {
            self.admission.finished(ctx);
        }
    }

    /// The migration connection's retransmissions so far.
    fn retransmissions(&self, ctx: &mut AppCtx<'_>) -> u64 {
        self.sock
            .map_or(0, |sock| ctx.tcp(sock).stats().retransmissions)
    }

    /// Records the retransmission count for every round whose last byte the socket has now
    /// accepted.
    fn note_handed(&mut self, ctx: &mut AppCtx<'_>) {
        while self.round_ends.front().is_some_and(|&e| e <= self.written) {
            self.round_ends.pop_front();
            let n = self.retransmissions(ctx);
            self.handed.push(n);
        }
    }

    /// Retransmissions per round (see the module docs): differences of the counts at the
    /// hand-offs, the last round's running to the end (or to now, if unfinished).
    fn round_retransmissions(&self, report: &MigrationReport) -> Vec<u64> {
        if report.algorithm == crate::Algorithm::Postcopy || self.handed.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::with_capacity(self.handed.len());
        let mut prev = 0;
        for (i, &n) in self.handed.iter().enumerate() {
            let upto = if i + 1 == self.handed.len() {
                self.retx_at_end.unwrap_or(n)
            } else {
                n
            };
            out.push(upto - prev);
            prev = n;
        }
        out
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
        if self.admission.handle_trigger() {
            self.begin(ctx);
        }
    }

    fn on_signal(&mut self, ctx: &mut AppCtx<'_>, signal: Signal) {
        if signal == Signal::Start && self.admission.handle_admit() {
            self.begin(ctx);
        }
    }

    fn on_timer(&mut self, ctx: &mut AppCtx<'_>, token: u64) {
        if self.armed.is_some_and(|(_, g)| g == token) {
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

    fn on_tcp_acked(&mut self, ctx: &mut AppCtx<'_>, _sock: SocketId, _acked: u64) {
        // `pump` reads the same count from the socket.
        self.pump(ctx);
    }

    fn report(&self) -> Report {
        Report::Migration(self.migration())
    }
}
