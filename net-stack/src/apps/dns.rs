//! A DNS-like UDP query/answer workload: D-ITG's DNS test as seed 001 §3.4 ran it ("a DNS
//! server on one host and a DNS client on the other … Roughly 25,000 packets were generated in
//! the 25-second time lapse").
//!
//! * **Client** ([`DnsClient`]): a query of `request` payload bytes every `interval` (default
//!   1 ms: 1000 queries/s). Each query waits at most `timeout` for its answer; a query not
//!   answered in time is **lost**, and an answer that comes later is counted `late` (and the
//!   query stays lost).
//! * **D-ITG's DNS sizes** (`request_max`): with it, each query's payload is drawn uniformly
//!   from `request` … `request_max` bytes (whole bytes, from the random stream `dns/<flow
//!   index>`). D-ITG 2.8.1's `DNS` preset does exactly that with 100 … 319 bytes and keeps a
//!   constant inter-departure time (its own 1.7875 s, or the rate `-C` sets after `DNS`);
//!   measured with `ITGSend … DNS -C 1000` and `ITGDec -l` (3061 packets: every size from
//!   100 to 319, flat; one source port; docs/reproductions.md, seed 001). The interval stays
//!   constant here too.
//! * **Server** ([`DnsServer`]): answers each query at once with `response` payload bytes, to
//!   the query's source address and port.
//! * **Which answer is whose.** netsim carries no payload bytes, so there is no 16-bit DNS
//!   query ID to match on; instead each query leaves from its own source port, as RFC 5452
//!   resolvers randomise theirs, and the port names the query. Query `n` uses slot
//!   `n mod W`, `W = ⌈timeout / interval⌉ + 1`, so a slot is reused only after its last
//!   query's timeout has passed; flow `i`'s client binds ports
//!   `49152 + (i·W + slot) mod 16384`.
//!
//! The report gives queries sent, answered, lost, late, the loss percentage and the RTT's
//! mean and 99th percentile (nearest rank) over the answered queries.

use std::net::Ipv4Addr;

use sim_core::{RngStream, SimTime};

use super::traffic::{MAX_DATAGRAM_PAYLOAD, TrafficTable, positive_time, size_in};
use crate::FieldError;
use crate::app::{AppCtx, AppReport, Application, Report};
use crate::report::DnsReport;
use crate::wire::{L3, L4, Packet};

/// First port of the range the clients' query ports come from (IANA's dynamic ports).
pub const DNS_PORT_BASE: u16 = 49152;

/// Ports in the dynamic range: the most query slots a client can have.
pub const DNS_PORT_RANGE: u64 = 16384;

/// The keys of a `dns` flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DnsParams {
    /// `interval`: time between queries. Default 1 ms (1000 queries/s); never zero.
    pub interval: SimTime,
    /// `request`: UDP payload bytes of a query (the smallest, with `request_max`). Default 40.
    pub query: u32,
    /// `request_max`: when set, each query's payload is uniform in `query` ..= this.
    pub query_max: Option<u32>,
    /// `response`: UDP payload bytes of an answer. Default 120.
    pub answer: u32,
    /// `timeout`: how long a query waits for its answer. Default 1 s; never zero, and at
    /// most 16 383 intervals (each query waiting needs a port of its own).
    pub timeout: SimTime,
}

impl Default for DnsParams {
    fn default() -> Self {
        DnsParams {
            interval: SimTime::from_ms(1),
            query: 40,
            query_max: None,
            answer: 120,
            timeout: SimTime::from_secs(1),
        }
    }
}

impl DnsParams {
    /// The keys of [`TrafficTable`] a dns flow takes.
    pub const KEYS: &'static [&'static str] =
        &["interval", "request", "request_max", "response", "timeout"];

    /// Reads and checks the dns keys of `t`; a bad value is reported and replaced by its
    /// default.
    pub(crate) fn read(t: &TrafficTable, what: &str, errors: &mut Vec<FieldError>) -> Self {
        let d = DnsParams::default();
        let range = (1, MAX_DATAGRAM_PAYLOAD);
        let mut p = DnsParams {
            interval: positive_time(t.interval, "interval", d.interval, what, errors),
            query: size_in(t.request, "request", range, d.query, what, errors),
            query_max: t
                .request_max
                .map(|_| size_in(t.request_max, "request_max", range, d.query, what, errors)),
            answer: size_in(t.response, "response", range, d.answer, what, errors),
            timeout: positive_time(t.timeout, "timeout", d.timeout, what, errors),
        };
        if let Some(max) = p.query_max
            && max < p.query
        {
            errors.push(FieldError::new(
                "request_max",
                format!(
                    "`request_max` of {what} ({max} bytes) is smaller than `request` ({} bytes)",
                    p.query
                ),
                "below `request`",
            ));
            p.query_max = None;
        }
        if p.slots() > DNS_PORT_RANGE {
            errors.push(
                FieldError::new(
                    "timeout",
                    format!(
                        "`timeout` of {what} spans {} intervals; at most {} queries can wait",
                        p.slots() - 1,
                        DNS_PORT_RANGE - 1
                    ),
                    "too long",
                )
                .with_help(
                    "each waiting query needs a source port of its own: shorten `timeout` or lengthen `interval`",
                ),
            );
            p.timeout = d.timeout.min(p.interval * (DNS_PORT_RANGE - 1));
        }
        p
    }

    /// Query slots (source ports) a client needs: `⌈timeout / interval⌉ + 1`.
    pub fn slots(&self) -> u64 {
        self.timeout.as_ps().div_ceil(self.interval.as_ps()) + 1
    }

    /// The source port of slot `slot` of flow `flow`'s client.
    pub fn port(&self, flow: usize, slot: u64) -> u16 {
        let k = (flow as u64 * self.slots() + slot) % DNS_PORT_RANGE;
        DNS_PORT_BASE + k as u16
    }
}

/// Sends a query every `interval` and matches the answers; see the [module docs](self).
#[derive(Debug)]
pub struct DnsClient {
    params: DnsParams,
    server: Ipv4Addr,
    server_port: u16,
    /// The flow index (which ports are ours).
    flow: usize,
    running: bool,
    next: u64,
    /// Per slot: the send time of the query waiting in it.
    slots: Vec<Option<SimTime>>,
    /// Draws each query's size when `request_max` is set.
    rng: Option<RngStream>,
    report: DnsReport,
}

impl DnsClient {
    /// A client of flow `flow` querying `server:server_port`, idle until started.
    pub fn new(params: DnsParams, server: Ipv4Addr, server_port: u16, flow: usize) -> Self {
        DnsClient {
            params,
            server,
            server_port,
            flow,
            running: false,
            next: 0,
            slots: vec![None; params.slots() as usize],
            rng: None,
            report: DnsReport {
                timeout: params.timeout,
                ..DnsReport::default()
            },
        }
    }

    /// Draws the query sizes from `rng` (used only when `request_max` is set).
    pub fn with_rng(mut self, rng: RngStream) -> Self {
        self.rng = Some(rng);
        self
    }

    /// The payload of the next query: `request`, or uniform in `request ..= request_max`.
    fn query_size(&mut self) -> u32 {
        match (self.params.query_max, self.rng.as_mut()) {
            (Some(max), Some(rng)) => {
                let span = u64::from(max - self.params.query) + 1;
                self.params.query + rng.below(span) as u32
            }
            _ => self.params.query,
        }
    }

    /// The ports this client receives answers on, one per slot.
    pub fn ports(&self) -> impl Iterator<Item = u16> + '_ {
        (0..self.params.slots()).map(|s| self.params.port(self.flow, s))
    }

    fn send(&mut self, ctx: &mut AppCtx<'_>) {
        let slot = (self.next % self.params.slots()) as usize;
        self.next += 1;
        // The slot's previous query is past its timeout (W intervals ago): lost.
        if let Some(sent) = self.slots[slot].replace(ctx.now()) {
            self.report.unanswered.push(sent);
        }
        let port = self.params.port(self.flow, slot as u64);
        let size = self.query_size();
        ctx.send_udp(self.server, port, self.server_port, size);
        self.report.counters.packets_sent += 1;
        self.report.counters.bytes_sent += u64::from(size);
        ctx.set_timer(ctx.now() + self.params.interval, 0);
    }
}

impl Application for DnsClient {
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
        let L4::Udp(u) = pkt.l4 else {
            return;
        };
        let base = self.params.port(self.flow, 0);
        let slot = u64::from(u.dst_port.wrapping_sub(base)) % DNS_PORT_RANGE;
        let Some(sent) = self.slots.get_mut(slot as usize).and_then(Option::take) else {
            self.report.stray += 1; // a duplicate, or an answer to a slot reused since
            return;
        };
        let rtt = ctx.now() - sent;
        self.report
            .counters
            .record_rx(ctx.now(), u64::from(pkt.payload_len), true);
        if rtt <= self.params.timeout {
            self.report.rtts.push(rtt);
        } else {
            self.report.late += 1;
            self.report.unanswered.push(sent);
        }
    }

    fn report(&self) -> Report {
        let mut r = self.report.clone();
        r.unanswered.extend(self.slots.iter().flatten());
        r.unanswered.sort_unstable();
        Report::Dns(r)
    }
}

/// Answers every UDP query at once with `answer` payload bytes, back to where it came from.
#[derive(Debug)]
pub struct DnsServer {
    answer: u32,
    counters: AppReport,
}

impl DnsServer {
    /// A server answering with `answer` payload bytes.
    pub fn new(answer: u32) -> Self {
        DnsServer {
            answer,
            counters: AppReport::default(),
        }
    }
}

impl Application for DnsServer {
    fn start(&mut self, _ctx: &mut AppCtx<'_>) {}

    fn on_receive(&mut self, ctx: &mut AppCtx<'_>, pkt: &Packet) {
        let (L3::Ipv4(ip), L4::Udp(u)) = (pkt.l3, pkt.l4) else {
            return;
        };
        self.counters
            .record_rx(ctx.now(), u64::from(pkt.payload_len), true);
        ctx.send_udp(ip.src, u.dst_port, u.src_port, self.answer);
        self.counters.packets_sent += 1;
        self.counters.bytes_sent += u64::from(self.answer);
    }

    fn report(&self) -> Report {
        Report::Counters(self.counters.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::AppAction;
    use crate::wire::{PacketMeta, UdpRepr};

    fn read(text: &str) -> Result<DnsParams, Vec<FieldError>> {
        let t: TrafficTable = toml::from_str(text).expect("a valid table");
        let mut errors = Vec::new();
        let p = DnsParams::read(&t, "flow `d`", &mut errors);
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(errors)
        }
    }

    const CLIENT: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
    const SERVER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

    /// The queries (source port) a client call produced, and its next timer.
    fn drain(actions: &mut Vec<AppAction>) -> (Vec<u16>, Option<SimTime>) {
        let mut ports = Vec::new();
        let mut timer = None;
        for a in actions.drain(..) {
            match a {
                AppAction::Send {
                    dst,
                    l4: L4::Udp(u),
                    ..
                } => {
                    assert_eq!(dst, SERVER);
                    ports.push(u.src_port);
                }
                AppAction::Timer { at, .. } => timer = Some(at),
                other => panic!("a dns client asks for no {other:?}"),
            }
        }
        (ports, timer)
    }

    fn answer(port: u16) -> Packet {
        let udp = L4::Udp(UdpRepr {
            src_port: 40_000,
            dst_port: port,
        });
        Packet::new_ipv4(
            SERVER,
            CLIENT,
            udp,
            120,
            0,
            0,
            PacketMeta {
                uid: 0,
                flow: 0,
                created: SimTime::ZERO,
            },
        )
    }

    /// Defaults, the slot count and the checks that name their keys.
    #[test]
    fn params_defaults_and_checks() {
        let d = read("").expect("defaults");
        assert_eq!(d, DnsParams::default());
        assert_eq!(d.slots(), 1001, "1 s / 1 ms + 1");
        assert_eq!(d.port(0, 0), 49152);
        assert_eq!(d.port(1, 0), 49152 + 1001, "the next flow's range follows");
        assert_eq!(
            d.port(16, 383),
            49152 + ((16 * 1001 + 383) % 16384) as u16,
            "wraps"
        );
        let p = read("interval = \"10ms\"\nrequest = 50\nresponse = 500\ntimeout = \"25ms\"")
            .expect("valid");
        assert_eq!((p.query, p.answer, p.slots()), (50, 500, 4), "⌈2.5⌉ + 1");
        let e = read("interval = \"0s\"\nrequest = 0\ntimeout = \"0s\"").expect_err("bad");
        let fields: Vec<_> = e.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["interval", "request", "timeout"]);
        let e = read("interval = \"1us\"\ntimeout = \"1s\"").expect_err("too many slots");
        assert_eq!(e[0].field, "timeout");
        assert!(
            e[0].message.contains("at most 16383 queries"),
            "{}",
            e[0].message
        );
    }

    /// A query every interval from successive ports; an answer within the timeout gives an
    /// RTT sample, one after it is late (and the query lost), an unanswered one is lost once
    /// its slot comes round again, a second answer to a slot is stray. 1000 queries/s over
    /// 1 s (0 … 1000 ms) is 1001 queries.
    #[test]
    fn queries_answers_timeouts() {
        let params = read("interval = \"1ms\"\ntimeout = \"2500us\"").expect("valid");
        assert_eq!(params.slots(), 4);
        let mut c = DnsClient::new(params, SERVER, 40_000, 0);
        let mut actions = Vec::new();
        let ms = SimTime::from_ms;
        c.start(&mut AppCtx::new(ms(0), CLIENT, &mut actions));
        let (p0, t) = drain(&mut actions);
        assert_eq!((p0.as_slice(), t), (&[49152][..], Some(ms(1))));
        // Answer query 0 after 300 us.
        c.on_receive(
            &mut AppCtx::new(SimTime::from_us(300), CLIENT, &mut actions),
            &answer(49152),
        );
        c.on_receive(
            &mut AppCtx::new(SimTime::from_us(400), CLIENT, &mut actions),
            &answer(49152),
        );
        let mut next = t;
        let mut ports = p0;
        while let Some(at) = next.filter(|&a| a <= ms(1000)) {
            c.on_timer(&mut AppCtx::new(at, CLIENT, &mut actions), 0);
            let (p, t) = drain(&mut actions);
            if at == ms(1) {
                // Query 1 answered 3 ms later: past its 2.5 ms timeout.
                c.on_receive(&mut AppCtx::new(ms(4), CLIENT, &mut actions), &answer(p[0]));
            }
            ports.extend(p);
            next = t;
        }
        assert_eq!(ports.len(), 1001, "one query per ms, both ends included");
        assert_eq!(
            &ports[..5],
            &[49152, 49153, 49154, 49155, 49152],
            "four slots"
        );
        let Report::Dns(r) = c.report() else {
            panic!("a dns report")
        };
        assert_eq!(r.counters.packets_sent, 1001);
        assert_eq!(r.answered(), 1, "query 0");
        assert_eq!(r.rtts, [SimTime::from_us(300)]);
        assert_eq!((r.late, r.stray), (1, 1));
        // Queries 1 … 1000 are unanswered; those sent by 997.5 ms are lost at 1 s.
        assert_eq!(
            r.lost(ms(1000)),
            997,
            "queries 1 (late) … 997 (997 ms + 2.5 ms ≤ 1 s)"
        );
        assert_eq!(r.unanswered.len(), 1000);
        assert!((r.loss_pct(ms(1000)) - 997.0 / 998.0 * 100.0).abs() < 1e-9);
    }

    /// `request_max`: read with `request` as the smallest size; below `request` it is refused
    /// naming the key; without it every query has `request` bytes.
    #[test]
    fn request_max_is_checked() {
        let p = read("request = 100\nrequest_max = 319").expect("valid");
        assert_eq!((p.query, p.query_max), (100, Some(319)));
        assert_eq!(read("").expect("defaults").query_max, None);
        let e = read("request = 100\nrequest_max = 99").expect_err("below");
        assert_eq!(e[0].field, "request_max");
        assert!(
            e[0].message.contains("smaller than `request`"),
            "{}",
            e[0].message
        );
        let e = read("request_max = 70000").expect_err("too big");
        assert_eq!(e[0].field, "request_max");
    }

    /// D-ITG's DNS sizes: 20 000 queries with `request = 100`, `request_max = 319` take every
    /// size from 100 to 319 and no other, each about 1/220 of the time (expected 90.9, sd 9.5:
    /// every count within 5 sd), with mean 209.5 ± 2 (standard error 0.45); the same seed
    /// gives the same sizes; the interval stays constant.
    #[test]
    fn request_sizes_are_uniform_between_request_and_request_max() {
        let params = read("request = 100\nrequest_max = 319").expect("valid");
        let sizes = |seed: u64| {
            let rng = sim_core::RngStreams::new(seed).stream("dns/0");
            let mut c = DnsClient::new(params, SERVER, 40_000, 0).with_rng(rng);
            let mut actions = Vec::new();
            let mut out = Vec::new();
            let mut times = Vec::new();
            for k in 0..20_000u64 {
                let now = SimTime::from_ms(k);
                let mut ctx = AppCtx::new(now, CLIENT, &mut actions);
                if k == 0 {
                    c.start(&mut ctx)
                } else {
                    c.on_timer(&mut ctx, 0)
                }
                for a in actions.drain(..) {
                    match a {
                        AppAction::Send { payload_len, .. } => out.push(payload_len),
                        AppAction::Timer { at, .. } => times.push(at - now),
                        other => panic!("{other:?}"),
                    }
                }
            }
            assert!(
                times.iter().all(|&d| d == SimTime::from_ms(1)),
                "constant interval"
            );
            out
        };
        let a = sizes(1);
        let mut counts = [0u32; 220];
        for &s in &a {
            assert!((100..=319).contains(&s), "{s}");
            counts[(s - 100) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&n| (43..=139).contains(&n)),
            "{counts:?}"
        );
        let mean = a.iter().map(|&s| f64::from(s)).sum::<f64>() / a.len() as f64;
        assert!((mean - 209.5).abs() < 2.0, "mean {mean}");
        assert_eq!(a, sizes(1), "same seed, same sizes");
        assert_ne!(a, sizes(2), "another seed, other sizes");
        let Report::Dns(r) = ({
            let mut c = DnsClient::new(params, SERVER, 40_000, 0);
            let mut actions = Vec::new();
            c.start(&mut AppCtx::new(SimTime::ZERO, CLIENT, &mut actions));
            c.report()
        }) else {
            panic!("a dns report")
        };
        assert_eq!(r.counters.bytes_sent, 100, "no stream: `request` bytes");
    }

    /// The server answers each query to its source address and port with `response` bytes.
    #[test]
    fn server_answers_to_the_source_port() {
        let mut s = DnsServer::new(300);
        let mut actions = Vec::new();
        let mut q = answer(40_000);
        q.l4 = L4::Udp(UdpRepr {
            src_port: 50_000,
            dst_port: 40_000,
        });
        if let L3::Ipv4(ip) = &mut q.l3 {
            (ip.src, ip.dst) = (CLIENT, SERVER);
        }
        s.on_receive(&mut AppCtx::new(SimTime::ZERO, SERVER, &mut actions), &q);
        match actions.as_slice() {
            [
                AppAction::Send {
                    dst,
                    l4: L4::Udp(u),
                    payload_len,
                },
            ] => {
                assert_eq!(
                    (*dst, u.src_port, u.dst_port, *payload_len),
                    (CLIENT, 40_000, 50_000, 300)
                );
            }
            other => panic!("one answer, not {other:?}"),
        }
    }
}
