//! UDP constant-bit-rate and on-off sources (ns-3's `OnOffApplication`).

use std::net::Ipv4Addr;

use sim_core::{DataRate, RatePacer, SimTime};

use super::traffic::{MAX_DATAGRAM_PAYLOAD, TrafficTable, positive_time, size_in};
use crate::FieldError;
use crate::app::{AppCtx, AppReport, Application, Report};

/// Parameters of an [`OnOff`] source.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OnOffConfig {
    /// Destination host.
    pub dst: Ipv4Addr,
    /// UDP source port.
    pub src_port: u16,
    /// UDP destination port.
    pub dst_port: u16,
    /// Sending rate while on, counting UDP payload bytes (as ns-3's `DataRate` attribute does);
    /// on the wire each packet also carries 42 bytes of UDP, IPv4 and Ethernet headers.
    pub rate: DataRate,
    /// UDP payload bytes per packet.
    pub packet_size: u32,
    /// Length of each on period; `None` = always on (constant bit rate).
    pub on: Option<SimTime>,
    /// Length of each off period (ignored when `on` is `None`).
    pub off: SimTime,
    /// Stop after this many payload bytes.
    pub max_bytes: Option<u64>,
}

/// The keys of a `udp-onoff` flow (and, without `on` and `off`, of a `udp-cbr` flow).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OnOffParams {
    /// `rate`: payload rate while on. Required.
    pub rate: DataRate,
    /// `packet_size`: UDP payload bytes per datagram. Default 1472; 1 to 65 507.
    pub packet_size: u32,
    /// `on`: length of each on period; `None` for a CBR source. Default 1 s; never zero.
    pub on: Option<SimTime>,
    /// `off`: length of each off period. Default 1 s (a CBR source: zero).
    pub off: SimTime,
}

impl OnOffParams {
    /// The keys of [`TrafficTable`] a `udp-onoff` flow takes.
    pub const KEYS: &'static [&'static str] = &["rate", "packet_size", "on", "off"];
    /// The keys of [`TrafficTable`] a `udp-cbr` flow takes.
    pub const CBR_KEYS: &'static [&'static str] = &["rate", "packet_size"];

    /// Reads and checks the `udp-onoff` keys of `t`.
    pub(crate) fn read(t: &TrafficTable, what: &str, errors: &mut Vec<FieldError>) -> Self {
        let second = SimTime::from_secs(1);
        OnOffParams {
            on: Some(positive_time(t.on, "on", second, what, errors)),
            off: t.off.unwrap_or(second),
            ..Self::read_cbr_as(t, what, "udp-onoff", errors)
        }
    }

    /// Reads and checks the `udp-cbr` keys of `t`: always on.
    pub(crate) fn read_cbr(t: &TrafficTable, what: &str, errors: &mut Vec<FieldError>) -> Self {
        Self::read_cbr_as(t, what, "udp-cbr", errors)
    }

    fn read_cbr_as(t: &TrafficTable, what: &str, kind: &str, errors: &mut Vec<FieldError>) -> Self {
        if t.rate.is_none() {
            errors.push(
                FieldError::new(
                    "rate",
                    format!("{what} is {kind} but has no `rate`"),
                    "needs `rate`",
                )
                .with_help("add, for example, `rate = \"100Mbps\"`"),
            );
        }
        OnOffParams {
            rate: t.rate.unwrap_or(DataRate::mbps(1)),
            packet_size: size_in(
                t.packet_size,
                "packet_size",
                (1, MAX_DATAGRAM_PAYLOAD),
                1472,
                what,
                errors,
            ),
            on: None,
            off: SimTime::ZERO,
        }
    }

    /// The configuration of a source sending to `dst:dst_port` from `src_port`.
    pub fn config(self, dst: Ipv4Addr, src_port: u16, dst_port: u16) -> OnOffConfig {
        OnOffConfig {
            dst,
            src_port,
            dst_port,
            rate: self.rate,
            packet_size: self.packet_size,
            on: self.on,
            off: self.off,
            max_bytes: None,
        }
    }
}

/// Token kinds, in the low two bits; the rest is a generation that invalidates the timers of
/// an earlier period.
const SEND: u64 = 0;
const GO_OFF: u64 = 1;
const GO_ON: u64 = 2;

/// Sends `packet_size`-byte UDP datagrams at `rate` during on periods, nothing during off
/// periods. The first packet of each on period leaves at its start; the spacing of the rest is
/// exact in the long run (a [`RatePacer`]).
#[derive(Debug)]
pub struct OnOff {
    cfg: OnOffConfig,
    pacer: RatePacer,
    generation: u64,
    running: bool,
    report: AppReport,
}

impl OnOff {
    /// A source with `cfg`, idle until started.
    pub fn new(cfg: OnOffConfig) -> Self {
        OnOff {
            pacer: RatePacer::new(cfg.rate),
            cfg,
            generation: 0,
            running: false,
            report: AppReport::default(),
        }
    }

    fn token(&self, kind: u64) -> u64 {
        self.generation << 2 | kind
    }

    fn begin_on_period(&mut self, ctx: &mut AppCtx<'_>) {
        self.generation += 1;
        if let Some(on) = self.cfg.on {
            ctx.set_timer(ctx.now() + on, self.token(GO_OFF));
        }
        self.send(ctx);
    }

    fn send(&mut self, ctx: &mut AppCtx<'_>) {
        let size = match self.cfg.max_bytes {
            Some(max) => {
                let left = max.saturating_sub(self.report.bytes_sent);
                if left == 0 {
                    self.running = false;
                    return;
                }
                left.min(self.cfg.packet_size as u64) as u32
            }
            None => self.cfg.packet_size,
        };
        ctx.send_udp(self.cfg.dst, self.cfg.src_port, self.cfg.dst_port, size);
        self.report.packets_sent += 1;
        self.report.bytes_sent += size as u64;
        let gap = self.pacer.next_interval(size as u64);
        ctx.set_timer(ctx.now() + gap, self.token(SEND));
    }
}

impl Application for OnOff {
    fn start(&mut self, ctx: &mut AppCtx<'_>) {
        self.running = true;
        self.begin_on_period(ctx);
    }

    fn stop(&mut self, _ctx: &mut AppCtx<'_>) {
        self.running = false;
        self.generation += 1;
    }

    fn on_timer(&mut self, ctx: &mut AppCtx<'_>, token: u64) {
        if !self.running || token >> 2 != self.generation {
            return; // a timer of an earlier period, or stopped
        }
        match token & 3 {
            SEND => self.send(ctx),
            GO_OFF => {
                self.generation += 1;
                ctx.set_timer(ctx.now() + self.cfg.off, self.token(GO_ON));
            }
            GO_ON => self.begin_on_period(ctx),
            _ => unreachable!("unknown on-off token"),
        }
    }

    fn report(&self) -> Report {
        Report::Counters(self.report.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::AppAction;

    fn cfg(on: Option<SimTime>) -> OnOffConfig {
        OnOffConfig {
            dst: Ipv4Addr::new(10, 0, 0, 2),
            src_port: 1,
            dst_port: 2,
            rate: DataRate::mbps(8), // 1 byte per µs
            packet_size: 1000,
            on,
            off: SimTime::from_ms(1),
            max_bytes: None,
        }
    }

    /// Drives the app on its own timers until `end`; returns the send times.
    fn drive(app: &mut OnOff, end: SimTime) -> Vec<SimTime> {
        let mut timers = std::collections::BTreeSet::new();
        let mut sends = vec![];
        let mut actions = vec![];
        app.start(&mut AppCtx::new(
            SimTime::ZERO,
            Ipv4Addr::LOCALHOST,
            &mut actions,
        ));
        let mut now = SimTime::ZERO;
        let mut seq = 0u64;
        loop {
            for a in actions.drain(..) {
                match a {
                    AppAction::Send { .. } => sends.push(now),
                    AppAction::Timer { at, token } => {
                        timers.insert((at, seq, token));
                        seq += 1;
                    }
                    other => panic!("an on-off source asks for no {other:?}"),
                }
            }
            let Some((at, _, token)) = timers.pop_first() else {
                break;
            };
            if at > end {
                break;
            }
            now = at;
            app.on_timer(
                &mut AppCtx::new(now, Ipv4Addr::LOCALHOST, &mut actions),
                token,
            );
        }
        sends
    }

    /// CBR: a packet every packet_size × 8 / rate, starting at once.
    #[test]
    fn cbr_spacing() {
        let mut app = OnOff::new(cfg(None));
        let sends = drive(&mut app, SimTime::from_us(10_000));
        assert_eq!(sends.len(), 11, "1000 B at 8 Mbit/s is one packet per ms");
        assert!(sends.windows(2).all(|w| w[1] - w[0] == SimTime::from_ms(1)));
    }

    /// On-off: packets only during on periods; off periods are silent.
    #[test]
    fn on_off_periods() {
        let mut app = OnOff::new(cfg(Some(SimTime::from_us(2_500))));
        let sends = drive(&mut app, SimTime::from_us(7_000));
        // On [0, 2.5 ms): sends at 0, 1, 2 ms. Off [2.5, 3.5). On [3.5, 6): 3.5, 4.5, 5.5.
        let ms: Vec<u64> = sends.iter().map(|t| t.as_ps() / 100_000_000).collect();
        assert_eq!(
            ms,
            [0, 10, 20, 35, 45, 55, 70],
            "send times in tenths of ms"
        );
    }
}
