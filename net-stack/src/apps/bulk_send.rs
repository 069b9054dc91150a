//! TCP bulk transfer (ns-3's `BulkSendApplication`).

use std::net::Ipv4Addr;

use sim_core::SimTime;

use super::traffic::{FlowBytes, TrafficTable};
use crate::FieldError;
use crate::app::{AppCtx, AppReport, Application, Report};
use crate::report::BulkReport;
use crate::socket::SocketId;
use crate::tcp::TcpEvent;

/// The keys of a `tcp-bulk` flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BulkParams {
    /// `bytes`: how many bytes to send; `None` (`"unlimited"`, the default) sends without end.
    pub bytes: Option<u64>,
}

impl BulkParams {
    /// The keys of [`TrafficTable`] a `tcp-bulk` flow takes.
    pub const KEYS: &'static [&'static str] = &["bytes"];

    /// Reads and checks the `tcp-bulk` keys of `t`.
    pub(crate) fn read(t: &TrafficTable, what: &str, errors: &mut Vec<FieldError>) -> Self {
        let bytes = match t.bytes {
            Some(FlowBytes::Limited(b)) if b.0 == 0 => {
                errors.push(
                    FieldError::new(
                        "bytes",
                        format!("`bytes` of {what} must be greater than zero"),
                        "zero",
                    )
                    .with_help("use \"unlimited\" for a flow that never ends"),
                );
                None
            }
            Some(FlowBytes::Limited(b)) => Some(b.0),
            Some(FlowBytes::Unlimited) | None => None,
        };
        BulkParams { bytes }
    }
}

/// Opens one connection at start and keeps its send buffer full until `max_bytes` have been
/// written (then closes), or forever when unlimited.
#[derive(Debug)]
pub struct BulkSend {
    dst: Ipv4Addr,
    dst_port: u16,
    max_bytes: Option<u64>,
    socket: Option<SocketId>,
    written: u64,
    closed: bool,
    /// When every written byte had been acknowledged after the last write.
    finished: Option<SimTime>,
    connected: Option<SimTime>,
    stopped: bool,
}

impl BulkSend {
    /// Sends `max_bytes` (or without end) to `dst:dst_port`.
    pub fn new(dst: Ipv4Addr, dst_port: u16, max_bytes: Option<u64>) -> Self {
        BulkSend {
            dst,
            dst_port,
            max_bytes,
            socket: None,
            written: 0,
            closed: false,
            finished: None,
            connected: None,
            stopped: false,
        }
    }

    /// The connection, once opened.
    pub fn socket(&self) -> Option<SocketId> {
        self.socket
    }

    /// When the transfer completed: every byte written and acknowledged (finite transfers).
    pub fn finished(&self) -> Option<SimTime> {
        self.finished
    }

    /// When the handshake completed.
    pub fn connected(&self) -> Option<SimTime> {
        self.connected
    }

    fn fill(&mut self, ctx: &mut AppCtx<'_>) {
        let Some(sock) = self.socket else { return };
        if self.closed || self.stopped {
            return;
        }
        let want = match self.max_bytes {
            Some(max) => max - self.written,
            None => u64::MAX / 2,
        };
        if want > 0 {
            self.written += ctx.tcp_write(sock, want);
        }
        if self.max_bytes == Some(self.written) {
            ctx.tcp_close(sock);
            self.closed = true;
        }
    }
}

impl Application for BulkSend {
    fn start(&mut self, ctx: &mut AppCtx<'_>) {
        self.socket = Some(ctx.tcp_connect(self.dst, self.dst_port));
        self.fill(ctx);
    }

    fn stop(&mut self, _ctx: &mut AppCtx<'_>) {
        // Like ns-3: stop writing; what is already queued is still delivered.
        self.stopped = true;
    }

    fn on_tcp(&mut self, ctx: &mut AppCtx<'_>, _sock: SocketId, event: TcpEvent) {
        match event {
            TcpEvent::Connected => self.connected = Some(ctx.now()),
            TcpEvent::AllAcked if self.closed && self.finished.is_none() => {
                self.finished = Some(ctx.now());
            }
            _ => {}
        }
    }

    fn on_tcp_writable(&mut self, ctx: &mut AppCtx<'_>, _sock: SocketId) {
        self.fill(ctx);
    }

    fn report(&self) -> Report {
        Report::Bulk(BulkReport {
            counters: AppReport {
                bytes_sent: self.written,
                ..AppReport::default()
            },
            socket: self.socket,
            connected: self.connected,
            finished: self.finished,
        })
    }
}
