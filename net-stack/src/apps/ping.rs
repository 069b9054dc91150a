//! ICMP echo, like `ping -i INTERVAL -s SIZE [-c COUNT]`.

use std::collections::VecDeque;
use std::net::Ipv4Addr;

use sim_core::SimTime;

use super::traffic::{MAX_DATAGRAM_PAYLOAD, TrafficTable, positive_time, size_in};
use crate::FieldError;
use crate::app::{AppCtx, AppReport, Application, Report};
use crate::report::PingReport;
use crate::wire::{IcmpRepr, L4, Packet};

/// Parameters of a [`Ping`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PingConfig {
    /// Host to ping.
    pub dst: Ipv4Addr,
    /// ICMP identifier (distinguishes pings from one host).
    pub ident: u16,
    /// What a scenario sets: interval and size.
    pub params: PingParams,
}

/// The keys of a `ping` flow: `ping -i INTERVAL -s SIZE [-c COUNT]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PingParams {
    /// `interval`: time between echo requests. Default 100 ms; never zero.
    pub interval: SimTime,
    /// `size`: ICMP data bytes per request (ping's `-s`). Default 56; at most 65 507.
    pub size: u32,
    /// `count`: stop after sending this many echo requests (ping's `-c`); `None` (the
    /// default) sends until the flow stops. At least 1.
    pub count: Option<u64>,
}

impl Default for PingParams {
    fn default() -> Self {
        PingParams {
            interval: SimTime::from_ms(100),
            size: 56,
            count: None,
        }
    }
}

impl PingParams {
    /// The keys of [`TrafficTable`] a ping takes.
    pub const KEYS: &'static [&'static str] = &["interval", "size", "count"];

    /// Reads and checks the ping keys of `t`; a bad value is reported and replaced by its
    /// default.
    pub(crate) fn read(t: &TrafficTable, what: &str, errors: &mut Vec<FieldError>) -> Self {
        let d = PingParams::default();
        PingParams {
            interval: positive_time(t.interval, "interval", d.interval, what, errors),
            size: size_in(
                t.size,
                "size",
                (0, MAX_DATAGRAM_PAYLOAD),
                d.size,
                what,
                errors,
            ),
            count: match t.count {
                Some(0) => {
                    errors.push(
                        FieldError::new(
                            "count",
                            format!("`count` of {what} must be at least 1"),
                            "zero",
                        )
                        .with_help("leave `count` out to ping until the flow stops"),
                    );
                    d.count
                }
                c => c,
            },
        }
    }

    /// The configuration of a ping of `dst` with identifier `ident`.
    pub fn config(self, dst: Ipv4Addr, ident: u16) -> PingConfig {
        PingConfig {
            dst,
            ident,
            params: self,
        }
    }
}

/// Round-trip statistics as `ping` prints them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RttStats {
    /// Smallest RTT [s].
    pub min_s: f64,
    /// Mean RTT [s].
    pub avg_s: f64,
    /// Largest RTT [s].
    pub max_s: f64,
    /// Standard deviation (ping's "mdev": √(mean(rtt²) − mean(rtt)²)) [s].
    pub stddev_s: f64,
}

/// Sends an echo request every `interval` and matches the replies.
#[derive(Debug)]
pub struct Ping {
    cfg: PingConfig,
    running: bool,
    next_seq: u64,
    /// Requests not yet answered: (sequence number, send time), oldest first.
    outstanding: VecDeque<(u64, SimTime)>,
    rtt_count: u64,
    rtt_sum_ps: u128,
    rtt_sum_sq_ps: u128,
    rtt_min: SimTime,
    rtt_max: SimTime,
    /// Each answered request: (send time, RTT), in the order the replies came.
    echoes: Vec<(SimTime, SimTime)>,
    report: AppReport,
}

impl Ping {
    /// A ping with `cfg`, idle until started.
    pub fn new(cfg: PingConfig) -> Self {
        Ping {
            cfg,
            running: false,
            next_seq: 0,
            outstanding: VecDeque::new(),
            rtt_count: 0,
            rtt_sum_ps: 0,
            rtt_sum_sq_ps: 0,
            rtt_min: SimTime::MAX,
            rtt_max: SimTime::ZERO,
            echoes: Vec::new(),
            report: AppReport::default(),
        }
    }

    /// RTT statistics over the replies received, if any.
    pub fn rtt_stats(&self) -> Option<RttStats> {
        if self.rtt_count == 0 {
            return None;
        }
        let n = self.rtt_count as f64;
        let mean_ps = self.rtt_sum_ps as f64 / n;
        // n·Σx² − (Σx)² exactly in integers, so no cancellation error: var = that / n².
        let c = self.rtt_count as u128;
        let spread = (c * self.rtt_sum_sq_ps).saturating_sub(self.rtt_sum_ps * self.rtt_sum_ps);
        let var = spread as f64 / (n * n);
        Some(RttStats {
            min_s: self.rtt_min.as_secs_f64(),
            avg_s: mean_ps / 1e12,
            max_s: self.rtt_max.as_secs_f64(),
            stddev_s: var.sqrt() / 1e12,
        })
    }

    /// Requests that got no reply, not counting those sent after `cutoff` (still in flight
    /// when the run ended).
    pub fn lost(&self, cutoff: SimTime) -> u64 {
        self.outstanding
            .iter()
            .filter(|&&(_, t)| t <= cutoff)
            .count() as u64
    }

    fn send(&mut self, ctx: &mut AppCtx<'_>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let icmp = IcmpRepr::EchoRequest {
            ident: self.cfg.ident,
            seq: seq as u16,
        };
        ctx.send_icmp(self.cfg.dst, icmp, self.cfg.params.size);
        self.outstanding.push_back((seq, ctx.now()));
        self.report.packets_sent += 1;
        self.report.bytes_sent += self.cfg.params.size as u64;
        // `ping -c COUNT`: no timer after the last request; its reply is still matched.
        if self.cfg.params.count.is_none_or(|c| self.next_seq < c) {
            ctx.set_timer(ctx.now() + self.cfg.params.interval, 0);
        }
    }
}

impl Application for Ping {
    fn start(&mut self, ctx: &mut AppCtx<'_>) {
        self.running = true;
        self.send(ctx);
    }

    fn stop(&mut self, _ctx: &mut AppCtx<'_>) {
        self.running = false;
    }

    fn on_timer(&mut self, ctx: &mut AppCtx<'_>, _token: u64) {
        if self.running {
            self.send(ctx);
        }
    }

    fn on_receive(&mut self, ctx: &mut AppCtx<'_>, pkt: &Packet) {
        let L4::Icmp(IcmpRepr::EchoReply { seq, .. }) = pkt.l4 else {
            return;
        };
        // Match the 16-bit sequence number against the outstanding requests (oldest first).
        let Some(i) = self.outstanding.iter().position(|&(s, _)| s as u16 == seq) else {
            return; // a duplicate or very late reply
        };
        let (_, sent) = self.outstanding.remove(i).expect("found");
        let rtt = ctx.now() - sent;
        self.rtt_count += 1;
        self.rtt_sum_ps += rtt.as_ps() as u128;
        self.rtt_sum_sq_ps += (rtt.as_ps() as u128).pow(2);
        self.rtt_min = self.rtt_min.min(rtt);
        self.rtt_max = self.rtt_max.max(rtt);
        self.echoes.push((sent, rtt));
        self.report
            .record_rx(ctx.now(), pkt.payload_len as u64, true);
    }

    fn on_signal(&mut self, ctx: &mut AppCtx<'_>, signal: crate::signal::Signal) {
        self.report.windows.on_signal(ctx.now(), signal);
    }

    fn report(&self) -> Report {
        Report::Ping(PingReport {
            counters: self.report.clone(),
            rtt: self.rtt_stats(),
            unanswered: self.outstanding.iter().map(|&(_, t)| t).collect(),
            echoes: self.echoes.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FieldError;
    use crate::app::AppAction;

    fn read(text: &str) -> Result<PingParams, Vec<FieldError>> {
        let t: TrafficTable = toml::from_str(text).expect("a valid table");
        let mut errors = Vec::new();
        let p = PingParams::read(&t, "flow `p`", &mut errors);
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(errors)
        }
    }

    /// Echo requests sent by a ping driven on its own timer until `end`.
    fn sent(params: PingParams, end: SimTime) -> u64 {
        let mut app = Ping::new(params.config(Ipv4Addr::new(10, 0, 0, 2), 1));
        let mut actions = vec![];
        app.start(&mut AppCtx::new(
            SimTime::ZERO,
            Ipv4Addr::LOCALHOST,
            &mut actions,
        ));
        let mut requests = 0;
        loop {
            let mut next = None;
            for a in actions.drain(..) {
                match a {
                    AppAction::Send { .. } => requests += 1,
                    AppAction::Timer { at, .. } => next = Some(at),
                    other => panic!("a ping asks for no {other:?}"),
                }
            }
            match next {
                Some(at) if at <= end => {
                    app.on_timer(&mut AppCtx::new(at, Ipv4Addr::LOCALHOST, &mut actions), 0)
                }
                _ => return requests,
            }
        }
    }

    /// `count` (ping's `-c`) stops after that many requests; without it a ping sends one per
    /// interval until the end (0, 100, …, 1000 ms: 11).
    #[test]
    fn count_stops_after_that_many_requests() {
        let end = SimTime::from_secs(1);
        assert_eq!(
            sent(PingParams::default(), end),
            11,
            "every 100 ms from 0 to 1 s"
        );
        let three = read("count = 3").expect("valid");
        assert_eq!(three.count, Some(3));
        assert_eq!(sent(three, end), 3, "count = 3");
        assert_eq!(read("").expect("valid").count, None, "unlimited by default");
        let e = read("count = 0").expect_err("zero");
        assert_eq!(e[0].field, "count");
        assert_eq!(e[0].message, "`count` of flow `p` must be at least 1");
    }
}
