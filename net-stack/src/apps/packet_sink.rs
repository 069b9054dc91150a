//! A receiver that counts what arrives (ns-3's `PacketSink`).

use crate::app::{AppCtx, AppReport, Application, Report};
use crate::report::SinkReport;
use crate::socket::SocketId;
use crate::tcp::TcpEvent;
use crate::wire::Packet;

use sim_core::SimTime;

/// Counts what is delivered to it: UDP datagrams (with their one-way delays) on its port, or
/// the in-order bytes of the TCP connections accepted on its port (closing its side when the
/// peer closes).
#[derive(Debug, Default)]
pub struct PacketSink {
    report: AppReport,
    delay_min: Option<SimTime>,
    delay_max: SimTime,
    delay_sum_ps: u128,
}

impl PacketSink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// Smallest and largest one-way delay (creation at the sender → delivery here).
    pub fn delay_range(&self) -> Option<(SimTime, SimTime)> {
        self.delay_min.map(|min| (min, self.delay_max))
    }

    /// Mean one-way delay.
    pub fn mean_delay(&self) -> Option<SimTime> {
        let n = self.report.packets_received as u128;
        (n > 0).then(|| SimTime::from_ps((self.delay_sum_ps / n) as u64))
    }
}

impl Application for PacketSink {
    fn start(&mut self, _ctx: &mut AppCtx<'_>) {}

    fn on_receive(&mut self, ctx: &mut AppCtx<'_>, pkt: &Packet) {
        self.report
            .record_rx(ctx.now(), pkt.payload_len as u64, true);
        let delay = ctx.now() - pkt.meta.created;
        self.delay_min = Some(self.delay_min.map_or(delay, |m| m.min(delay)));
        self.delay_max = self.delay_max.max(delay);
        self.delay_sum_ps += delay.as_ps() as u128;
    }

    fn on_tcp(&mut self, ctx: &mut AppCtx<'_>, sock: SocketId, event: TcpEvent) {
        match event {
            TcpEvent::Delivered(n) => self.report.record_rx(ctx.now(), n, false),
            TcpEvent::PeerClosed => ctx.tcp_close(sock),
            _ => {}
        }
    }

    fn on_signal(&mut self, ctx: &mut AppCtx<'_>, signal: crate::signal::Signal) {
        self.report.windows.on_signal(ctx.now(), signal);
    }

    fn report(&self) -> Report {
        Report::Sink(SinkReport {
            counters: self.report.clone(),
            delay_range: self.delay_range(),
            mean_delay: self.mean_delay(),
        })
    }
}
