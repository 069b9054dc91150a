//! An image migration as net-stack applications: the two copies are real TCP transfers.
//!
//! ```text
//!  ImageMigrationApp (source host)        ImageRelay (temporary server)        target host
//!   Paused ─► pause_vm; save timer
//!   Upload ─► tcp_connect ══image══► PacketSink (up port)
//!   all acked ─► handle_uploaded
//!   Download ─► Signal::Start ──────────► tcp_connect ══image══════════► PacketSink (down port)
//!   handle_downloaded ◄── Signal::Finished ◄── all acked
//!   restore timer ─► Resumed ─► resume_vm(target); Signal::Finished ─► Orchestrator
//! ```
//!
//! Admission by the [`Orchestrator`](crate::orchestrator::Orchestrator) works as for
//! [`MigrationApp`](crate::app::MigrationApp): the orchestrator sends `Start`; the relay sends
//! `Finished` (the only other signal this application receives).

use std::net::Ipv4Addr;

use net_stack::app::{AppCtx, Application, Report};
use net_stack::signal::{Endpoint, Signal};
use net_stack::socket::SocketId;
use net_stack::tcp::TcpEvent;
use net_stack::{AppId, NodeId};
use sim_core::SimTime;

use super::{ImageAction, ImageMigration};
use crate::MigrationEvent;
use crate::admission::Admission;

/// One TCP transfer of a fixed number of bytes, written as the send buffer takes them.
#[derive(Debug, Default)]
struct Transfer {
    sock: Option<SocketId>,
    connected: bool,
    backlog: u64,
    written: u64,
    total: u64,
}

impl Transfer {
    fn open(&mut self, ctx: &mut AppCtx<'_>, dst: Ipv4Addr, port: u16, bytes: u64) {
        let sock = ctx.tcp_connect(dst, port);
        ctx.tcp_watch_acked(sock);
        *self = Transfer {
            sock: Some(sock),
            backlog: bytes,
            total: bytes,
            ..Transfer::default()
        };
    }

    fn flush(&mut self, ctx: &mut AppCtx<'_>) {
        if let Some(sock) = self.sock.filter(|_| self.connected && self.backlog > 0) {
            let n = ctx.tcp_write(sock, self.backlog);
            self.backlog -= n;
            self.written += n;
        }
    }

    /// Whether every byte has been written and acknowledged.
    fn done(&self, ctx: &mut AppCtx<'_>) -> bool {
        match self.sock {
            Some(sock) if self.backlog == 0 && self.total > 0 => ctx.tcp(sock).unacked_bytes() == 0,
            _ => false,
        }
    }

    fn on_tcp(&mut self, ctx: &mut AppCtx<'_>, sock: SocketId, event: TcpEvent) {
        if Some(sock) == self.sock && event == TcpEvent::Connected {
            self.connected = true;
        }
        self.flush(ctx);
    }
}

/// The source side of an image migration: pauses the VM, saves, uploads, waits for the
/// relay, restores, resumes the VM on the target.
pub struct ImageMigrationApp {
    engine: ImageMigration,
    vm: NodeId,
    target: NodeId,
    /// The temporary server's address and upload port, and its relay application.
    temp: (Ipv4Addr, u16),
    relay: AppId,
    upload: Transfer,
    uploaded: bool,
    armed: Option<SimTime>,
    /// The orchestrator's admission, and who is told of the start and the finish.
    admission: Admission,
}

impl ImageMigrationApp {
    /// Migrates `vm` to `target` through the temporary server at `temp` (address, upload
    /// port) whose [`ImageRelay`] is `relay`.
    pub fn new(
        engine: ImageMigration,
        (vm, target): (NodeId, NodeId),
        temp: (Ipv4Addr, u16),
        relay: AppId,
    ) -> Self {
        ImageMigrationApp {
            engine,
            vm,
            target,
            temp,
            relay,
            upload: Transfer::default(),
            uploaded: false,
            armed: None,
            admission: Admission::default(),
        }
    }

    /// Tells `app` (the VM's service measurement: a workload's client, or the VM's receiver
    /// of a stream) when this migration starts and finishes, so that it measures the
    /// service's silence within the migration (`service_downtime_s`, one per migration).
    pub fn with_observer(mut self, app: AppId) -> Self {
        self.admission.set_observer(app);
        self
    }

    /// Runs under `orchestrator`'s admission (as [`crate::app::MigrationApp::with_orchestrator`]).
    pub fn with_orchestrator(mut self, orchestrator: AppId, admitted: bool) -> Self {
        self.admission.set_orchestrator(orchestrator, admitted);
        self
    }

    /// Starts the migration (once triggered and admitted).
    fn begin(&mut self, ctx: &mut AppCtx<'_>) {
        self.engine.handle_start(ctx.now());
        self.admission.open_window(ctx);
        self.pump(ctx);
    }

    fn pump(&mut self, ctx: &mut AppCtx<'_>) {
        let now = ctx.now();
        if !self.uploaded && self.upload.done(ctx) {
            self.uploaded = true;
            if let Some(sock) = self.upload.sock {
                ctx.tcp_close(sock);
            }
            self.engine.handle_uploaded(now);
        }
        while let Some(a) = self.engine.poll_action() {
            match a {
                ImageAction::Upload(bytes) => {
                    self.upload.open(ctx, self.temp.0, self.temp.1, bytes);
                }
                ImageAction::Download(_) => ctx.signal(Endpoint::App(self.relay), Signal::Start),
            }
        }
        while let Some(ev) = self.engine.poll_event() {
            match ev {
                MigrationEvent::Paused { .. } => ctx.pause_vm(self.vm),
                MigrationEvent::Resumed { .. } => ctx.resume_vm(self.vm, self.target),
                _ => {}
            }
        }
        if let Some(at) = self.engine.poll_timeout()
            && self.armed != Some(at)
        {
            self.armed = Some(at);
            ctx.set_timer(at, 0);
        }
        if self.engine.is_finished() {
            self.admission.finished(ctx);
        }
    }
}

impl Application for ImageMigrationApp {
    fn start(&mut self, ctx: &mut AppCtx<'_>) {
        if self.admission.handle_trigger() {
            self.begin(ctx);
        }
    }

    fn on_signal(&mut self, ctx: &mut AppCtx<'_>, signal: Signal) {
        match signal {
            Signal::Start => {
                if self.admission.handle_admit() {
                    self.begin(ctx);
                }
            }
            Signal::Finished => {
                self.engine.handle_downloaded(ctx.now());
                self.pump(ctx);
            }
            Signal::WindowOpen | Signal::WindowClose | Signal::Resumed => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut AppCtx<'_>, _token: u64) {
        if self.armed.is_some_and(|t| t <= ctx.now()) {
            self.armed = None;
        }
        self.engine.handle_timeout(ctx.now());
        self.pump(ctx);
    }

    fn on_tcp(&mut self, ctx: &mut AppCtx<'_>, sock: SocketId, event: TcpEvent) {
        self.upload.on_tcp(ctx, sock, event);
        self.pump(ctx);
    }

    fn on_tcp_writable(&mut self, ctx: &mut AppCtx<'_>, _sock: SocketId) {
        self.upload.flush(ctx);
        self.pump(ctx);
    }

    fn on_tcp_acked(&mut self, ctx: &mut AppCtx<'_>, _sock: SocketId, _acked: u64) {
        self.pump(ctx);
    }

    fn report(&self) -> Report {
        Report::Migration(self.engine.report())
    }
}

/// The temporary (FTP) server's side: on [`Signal::Start`] it sends the stored image to the
/// target and, once the target has acknowledged all of it, signals [`Signal::Finished`] to the
/// migration.
pub struct ImageRelay {
    migration: AppId,
    target: (Ipv4Addr, u16),
    bytes: u64,
    download: Transfer,
    told: bool,
}

impl ImageRelay {
    /// Relays `bytes` to `target` (address, port) for the migration application `migration`.
    pub fn new(migration: AppId, target: (Ipv4Addr, u16), bytes: u64) -> Self {
        ImageRelay {
            migration,
            target,
            bytes,
            download: Transfer::default(),
            told: false,
        }
    }

    fn check(&mut self, ctx: &mut AppCtx<'_>) {
        if !self.told && self.download.done(ctx) {
            self.told = true;
            if let Some(sock) = self.download.sock {
                ctx.tcp_close(sock);
            }
            ctx.signal(Endpoint::App(self.migration), Signal::Finished);
        }
    }
}

impl Application for ImageRelay {
    fn start(&mut self, _ctx: &mut AppCtx<'_>) {}

    fn on_signal(&mut self, ctx: &mut AppCtx<'_>, signal: Signal) {
        if signal == Signal::Start && self.download.sock.is_none() {
            let (ip, port) = self.target;
            self.download.open(ctx, ip, port, self.bytes);
        }
    }

    fn on_tcp(&mut self, ctx: &mut AppCtx<'_>, sock: SocketId, event: TcpEvent) {
        self.download.on_tcp(ctx, sock, event);
        self.check(ctx);
    }

    fn on_tcp_writable(&mut self, ctx: &mut AppCtx<'_>, _sock: SocketId) {
        self.download.flush(ctx);
    }

    fn on_tcp_acked(&mut self, ctx: &mut AppCtx<'_>, _sock: SocketId, _acked: u64) {
        self.check(ctx);
    }

    fn report(&self) -> Report {
        Report::Counters(net_stack::app::AppReport {
            bytes_sent: self.download.written,
            ..Default::default()
        })
    }
}
