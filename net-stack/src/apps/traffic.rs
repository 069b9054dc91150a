//! What a flow sends: the `kind` of a scenario's `[[flow]]` (or a VM's `workload`) and the keys
//! of that kind, read into the parameters of the application that carries it.
//!
//! ```text
//! [[flow]] / workload ──(netsim reads name, src, dst, start, stop; kind)──┐
//!      the other keys ──serde──▶ TrafficTable ──Traffic::read(kind)──▶ Traffic
//!                                     (each app's Params::read: defaults, checks)
//! Traffic::install ──▶ sender app on src + receiver app on dst (ports from the flow index)
//! ```
//!
//! [`TrafficTable`] is the one table type shared by flows and workloads: every key some kind
//! takes, as written, with units. Each application file owns its kind's keys: its `Params`
//! struct (the values, with `Default`), how it reads them from the table (defaults and checks,
//! each broken rule a [`FieldError`] naming the key) and how the app is configured from them.
//! netsim places each `FieldError` at the key's value by its dotted path, and checks only what
//! crosses crates (names, endpoints, start and stop).

use std::net::Ipv4Addr;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use sim_core::{ByteSize, DataRate, SimTime};

use super::bulk_send::BulkParams;
use super::dns::DnsParams;
use super::http_probe::HttpProbeParams;
use super::on_off::OnOffParams;
use super::ping::PingParams;
use super::request_response::RequestParams;
use super::stream::{SEGMENT_REQUEST, StreamParams};
use super::{
    BulkSend, DnsClient, DnsServer, HttpProbe, OnOff, PacketSink, Ping, RequestClient,
    ResponseServer, StreamClient,
};
use crate::{AppId, BuildError, FieldError, NetworkBuilder, NodeId};

/// The largest UDP or ICMP payload an IPv4 datagram can carry (65 535 − 20 − 8).
pub const MAX_DATAGRAM_PAYLOAD: u64 = 65_507;

/// `kind` of a `[[flow]]` or a workload: which applications carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowKind {
    /// TCP bulk transfer (ns-3 `BulkSend`).
    TcpBulk,
    /// UDP constant bit rate.
    UdpCbr,
    /// UDP on-off (ns-3 `OnOff`).
    #[serde(rename = "udp-onoff")]
    UdpOnOff,
    /// ICMP echo.
    Ping,
    /// Requests and responses over one persistent TCP connection.
    RequestResponse,
    /// HTTP-like probe: a new TCP connection per request, with an application timeout.
    HttpProbe,
    /// DNS-like UDP queries and answers (D-ITG's DNS test).
    Dns,
    /// A video stream at a bitrate over TCP, played from a playout buffer.
    Stream,
}

impl FlowKind {
    /// Every kind, in the order the docs list them.
    pub const ALL: [FlowKind; 8] = [
        FlowKind::TcpBulk,
        FlowKind::UdpCbr,
        FlowKind::UdpOnOff,
        FlowKind::Ping,
        FlowKind::RequestResponse,
        FlowKind::HttpProbe,
        FlowKind::Dns,
        FlowKind::Stream,
    ];

    /// The name used in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            FlowKind::TcpBulk => "tcp-bulk",
            FlowKind::UdpCbr => "udp-cbr",
            FlowKind::UdpOnOff => "udp-onoff",
            FlowKind::Ping => "ping",
            FlowKind::RequestResponse => "request-response",
            FlowKind::HttpProbe => "http-probe",
            FlowKind::Dns => "dns",
            FlowKind::Stream => "stream",
        }
    }

    /// The kind named `name` in a scenario file.
    pub fn from_name(name: &str) -> Option<FlowKind> {
        FlowKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The keys of [`TrafficTable`] this kind takes, in the table's order: its application's
    /// `Params::KEYS`.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            FlowKind::TcpBulk => BulkParams::KEYS,
            FlowKind::UdpCbr => OnOffParams::CBR_KEYS,
            FlowKind::UdpOnOff => OnOffParams::KEYS,
            FlowKind::Ping => PingParams::KEYS,
            FlowKind::RequestResponse => RequestParams::KEYS,
            FlowKind::HttpProbe => HttpProbeParams::KEYS,
            FlowKind::Dns => DnsParams::KEYS,
            FlowKind::Stream => StreamParams::KEYS,
        }
    }

    /// The label of a key written for a kind that does not take it.
    fn foreign_label(self) -> &'static str {
        match self {
            FlowKind::TcpBulk => "not a tcp-bulk key",
            FlowKind::UdpCbr => "not a udp-cbr key",
            FlowKind::UdpOnOff => "not a udp-onoff key",
            FlowKind::Ping => "not a ping key",
            FlowKind::RequestResponse => "not a request-response key",
            FlowKind::HttpProbe => "not an http-probe key",
            FlowKind::Dns => "not a dns key",
            FlowKind::Stream => "not a stream key",
        }
    }
}

/// `bytes = "unlimited"` or a size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowBytes {
    /// `"unlimited"`.
    Unlimited,
    /// A size.
    Limited(ByteSize),
}

impl<'de> Deserialize<'de> for FlowBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = FlowBytes;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("\"unlimited\" or a size such as \"50MB\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FlowBytes, E> {
                if v.trim() == "unlimited" {
                    return Ok(FlowBytes::Unlimited);
                }
                v.parse().map(FlowBytes::Limited).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<FlowBytes, E> {
                Ok(FlowBytes::Limited(ByteSize(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<FlowBytes, E> {
                u64::try_from(v)
                    .map(|v| FlowBytes::Limited(ByteSize(v)))
                    .map_err(|_| E::custom(format!("`{v}` is not a size: it is negative")))
            }
        }
        d.deserialize_any(V)
    }
}

/// The keys of every kind, as a scenario writes them (with units), shared by `[[flow]]` and a
/// VM's `workload`. Which ones a flow may write depends on its kind ([`FlowKind::keys`]);
/// [`Traffic::read`] refuses the others and fills the gaps from the kind's defaults.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficTable {
    /// `bytes` (tcp-bulk).
    pub bytes: Option<FlowBytes>,
    /// `rate` (udp-cbr, udp-onoff).
    pub rate: Option<DataRate>,
    /// `packet_size` (udp-cbr, udp-onoff).
    pub packet_size: Option<ByteSize>,
    /// `on` (udp-onoff).
    pub on: Option<SimTime>,
    /// `off` (udp-onoff).
    pub off: Option<SimTime>,
    /// `interval` (ping, request-response, http-probe, dns).
    pub interval: Option<SimTime>,
    /// `size` (ping).
    pub size: Option<ByteSize>,
    /// `count` (ping).
    pub count: Option<u64>,
    /// `request` (request-response, http-probe, dns).
    pub request: Option<ByteSize>,
    /// `request_max` (dns).
    pub request_max: Option<ByteSize>,
    /// `response` (request-response, http-probe, dns).
    pub response: Option<ByteSize>,
    /// `timeout` (http-probe, dns).
    pub timeout: Option<SimTime>,
    /// `bitrate` (stream).
    pub bitrate: Option<DataRate>,
    /// `startup` (stream).
    pub startup: Option<SimTime>,
    /// `rebuffer` (stream).
    pub rebuffer: Option<SimTime>,
    /// `buffer` (stream).
    pub buffer: Option<SimTime>,
    /// `segment` (stream).
    pub segment: Option<SimTime>,
}

impl TrafficTable {
    /// The keys written, in the table's order.
    fn written(&self) -> Vec<&'static str> {
        let present = [
            ("bytes", self.bytes.is_some()),
            ("rate", self.rate.is_some()),
            ("packet_size", self.packet_size.is_some()),
            ("on", self.on.is_some()),
            ("off", self.off.is_some()),
            ("interval", self.interval.is_some()),
            ("size", self.size.is_some()),
            ("count", self.count.is_some()),
            ("request", self.request.is_some()),
            ("request_max", self.request_max.is_some()),
            ("response", self.response.is_some()),
            ("timeout", self.timeout.is_some()),
            ("bitrate", self.bitrate.is_some()),
            ("startup", self.startup.is_some()),
            ("rebuffer", self.rebuffer.is_some()),
            ("buffer", self.buffer.is_some()),
            ("segment", self.segment.is_some()),
        ];
        present.into_iter().filter(|p| p.1).map(|p| p.0).collect()
    }
}

/// What a flow or workload sends: one variant per [`FlowKind`] with its application's values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Traffic {
    /// `tcp-bulk`: [`BulkSend`] into a [`PacketSink`].
    TcpBulk(BulkParams),
    /// `udp-cbr`: [`OnOff`] always on, into a [`PacketSink`] (`on` is `None`).
    UdpCbr(OnOffParams),
    /// `udp-onoff`: [`OnOff`] into a [`PacketSink`].
    UdpOnOff(OnOffParams),
    /// `ping`: [`Ping`], answered by the destination's IP layer.
    Ping(PingParams),
    /// `request-response`: [`RequestClient`] and [`ResponseServer`].
    RequestResponse(RequestParams),
    /// `http-probe`: [`HttpProbe`] and a [`ResponseServer`].
    HttpProbe(HttpProbeParams),
    /// `dns`: [`DnsClient`] and [`DnsServer`].
    Dns(DnsParams),
    /// `stream`: [`StreamClient`] and a [`ResponseServer`] answering each segment request.
    Stream(StreamParams),
}

/// Which end of a flow an install error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The sender (`src`).
    Src,
    /// The receiver (`dst`).
    Dst,
}

impl Traffic {
    /// Reads the keys of `kind` from `table`: every key written must belong to the kind, and
    /// every value must pass its application's checks. `what` names the flow in messages
    /// ("flow `bg`", "the workload of vm `vm1`"). Returns every problem, each naming its key.
    pub fn read(
        kind: FlowKind,
        table: &TrafficTable,
        what: &str,
    ) -> Result<Traffic, Vec<FieldError>> {
        let mut errors = Vec::new();
        for key in table.written() {
            if !kind.keys().contains(&key) {
                errors.push(foreign(kind, key, what));
            }
        }
        let traffic = match kind {
            FlowKind::TcpBulk => Traffic::TcpBulk(BulkParams::read(table, what, &mut errors)),
            FlowKind::UdpCbr => Traffic::UdpCbr(OnOffParams::read_cbr(table, what, &mut errors)),
            FlowKind::UdpOnOff => Traffic::UdpOnOff(OnOffParams::read(table, what, &mut errors)),
            FlowKind::Ping => Traffic::Ping(PingParams::read(table, what, &mut errors)),
            FlowKind::RequestResponse => {
                Traffic::RequestResponse(RequestParams::read(table, what, &mut errors))
            }
            FlowKind::HttpProbe => {
                Traffic::HttpProbe(HttpProbeParams::read(table, what, &mut errors))
            }
            FlowKind::Dns => Traffic::Dns(DnsParams::read(table, what, &mut errors)),
            FlowKind::Stream => Traffic::Stream(StreamParams::read(table, what, &mut errors)),
        };
        if errors.is_empty() {
            Ok(traffic)
        } else {
            Err(errors)
        }
    }

    /// Its kind.
    pub fn kind(&self) -> FlowKind {
        match self {
            Traffic::TcpBulk(_) => FlowKind::TcpBulk,
            Traffic::UdpCbr(_) => FlowKind::UdpCbr,
            Traffic::UdpOnOff(_) => FlowKind::UdpOnOff,
            Traffic::Ping(_) => FlowKind::Ping,
            Traffic::RequestResponse(_) => FlowKind::RequestResponse,
            Traffic::HttpProbe(_) => FlowKind::HttpProbe,
            Traffic::Dns(_) => FlowKind::Dns,
            Traffic::Stream(_) => FlowKind::Stream,
        }
    }

    /// Installs the flow with index `i`: the sender on host `src` (started at `start`, stopped
    /// at `stop`) and the receiver, if the kind has one, on host `dst` (running throughout).
    /// Flow `i`'s receiver listens on port 40 000 + i, its UDP sender sends from 10 000 + i, a
    /// ping uses ICMP identifier i + 1, a dns client receives on its query ports
    /// ([`DnsParams::port`]). Returns (sender, receiver), or the end whose port or
    /// identifier is taken.
    pub fn install(
        &self,
        b: &mut NetworkBuilder,
        i: usize,
        (src, dst): (NodeId, NodeId),
        (start, stop): (SimTime, Option<SimTime>),
    ) -> Result<(AppId, Option<AppId>), (End, BuildError)> {
        let dst_ip: Ipv4Addr = b.nodes()[dst.index()].ip.expect("hosts have addresses");
        let flow = i as u32;
        let sink_port = 40_000 + i as u16;
        let at_dst = |e| (End::Dst, e);
        Ok(match *self {
            Traffic::UdpCbr(p) | Traffic::UdpOnOff(p) => {
                let cfg = p.config(dst_ip, 10_000 + i as u16, sink_port);
                let sender = b.add_app(src, flow, Box::new(OnOff::new(cfg)), start, stop);
                let sink = b.add_app(dst, flow, Box::new(PacketSink::new()), SimTime::ZERO, None);
                b.bind_udp(sink, sink_port).map_err(at_dst)?;
                (sender, Some(sink))
            }
            Traffic::Ping(p) => {
                let ident = i as u16 + 1;
                let app = b.add_app(
                    src,
                    flow,
                    Box::new(Ping::new(p.config(dst_ip, ident))),
                    start,
                    stop,
                );
                b.bind_icmp(app, ident).map_err(|e| (End::Src, e))?;
                (app, None)
            }
            Traffic::TcpBulk(p) => {
                let send = BulkSend::new(dst_ip, sink_port, p.bytes);
                let sender = b.add_app(src, flow, Box::new(send), start, stop);
                let sink = b.add_app(dst, flow, Box::new(PacketSink::new()), SimTime::ZERO, None);
                b.listen_tcp(sink, sink_port).map_err(at_dst)?;
                (sender, Some(sink))
            }
            Traffic::RequestResponse(p) => {
                let client = RequestClient::new(p.config(dst_ip, sink_port));
                let client = b.add_app(src, flow, Box::new(client), start, stop);
                let server = ResponseServer::new(p.request, p.response);
                let server = b.add_app(dst, flow, Box::new(server), SimTime::ZERO, None);
                b.listen_tcp(server, sink_port).map_err(at_dst)?;
                (client, Some(server))
            }
            Traffic::HttpProbe(p) => {
                let client = HttpProbe::new(p, dst_ip, sink_port);
                let client = b.add_app(src, flow, Box::new(client), start, stop);
                let server = ResponseServer::new(p.request, p.response);
                let server = b.add_app(dst, flow, Box::new(server), SimTime::ZERO, None);
                b.listen_tcp(server, sink_port).map_err(at_dst)?;
                (client, Some(server))
            }
            Traffic::Stream(p) => {
                let client = StreamClient::new(p, dst_ip, sink_port);
                let client = b.add_app(src, flow, Box::new(client), start, stop);
                let server = ResponseServer::new(SEGMENT_REQUEST, p.segment_bytes());
                let server = b.add_app(dst, flow, Box::new(server), SimTime::ZERO, None);
                b.listen_tcp(server, sink_port).map_err(at_dst)?;
                (client, Some(server))
            }
            Traffic::Dns(p) => {
                let mut client = DnsClient::new(p, dst_ip, sink_port, i);
                if p.query_max.is_some() {
                    client = client.with_rng(b.rng_stream(&format!("dns/{i}")));
                }
                let ports: Vec<u16> = client.ports().collect();
                let client = b.add_app(src, flow, Box::new(client), start, stop);
                for port in ports {
                    b.bind_udp(client, port).map_err(|e| (End::Src, e))?;
                }
                let server = b.add_app(
                    dst,
                    flow,
                    Box::new(DnsServer::new(p.answer)),
                    SimTime::ZERO,
                    None,
                );
                b.bind_udp(server, sink_port).map_err(at_dst)?;
                (client, Some(server))
            }
        })
    }
}

/// `key` written for a `kind` that does not take it.
fn foreign(kind: FlowKind, key: &'static str, what: &str) -> FieldError {
    let owners: Vec<String> = FlowKind::ALL
        .iter()
        .filter(|k| k.keys().contains(&key))
        .map(|k| format!("`{}`", k.as_str()))
        .collect();
    let takes: Vec<String> = kind.keys().iter().map(|k| format!("`{k}`")).collect();
    let mut help = format!(
        "a {} takes {}; `{key}` belongs to {}",
        kind.as_str(),
        words(&takes, "and"),
        words(&owners, "or")
    );
    if key == "bytes" {
        help.push_str("; to end a UDP flow early, use `stop`");
    }
    FieldError::new(
        key,
        format!(
            "`{key}` does not apply to {what}, which is {}",
            kind.as_str()
        ),
        kind.foreign_label(),
    )
    .with_help(help)
}

/// "`a`", "`a` and `b`", "`a`, `b` and `c`" (with `and` or `or`).
fn words(items: &[String], joint: &str) -> String {
    match items {
        [] => "no keys".into(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {joint} {last}", rest.join(", ")),
    }
}

/// A time that must be greater than zero, or `default` when not written.
pub(crate) fn positive_time(
    value: Option<SimTime>,
    key: &'static str,
    default: SimTime,
    what: &str,
    errors: &mut Vec<FieldError>,
) -> SimTime {
    match value {
        Some(t) if t == SimTime::ZERO => {
            errors.push(FieldError::new(
                key,
                format!("`{key}` of {what} must be greater than zero"),
                "zero",
            ));
            default
        }
        Some(t) => t,
        None => default,
    }
}

/// A size in `min..=max` bytes, or `default` when not written.
pub(crate) fn size_in(
    value: Option<ByteSize>,
    key: &'static str,
    (min, max): (u64, u64),
    default: u32,
    what: &str,
    errors: &mut Vec<FieldError>,
) -> u32 {
    match value {
        Some(s) if !(min..=max).contains(&s.0) => {
            errors.push(FieldError::new(
                key,
                format!(
                    "`{key}` of {what} must be between {min} and {max} bytes, not {}",
                    s.0
                ),
                "out of range",
            ));
            default
        }
        Some(s) => s.0 as u32,
        None => default,
    }
}

/// A size that must be greater than zero, or `default` when not written.
pub(crate) fn positive_bytes(
    value: Option<ByteSize>,
    key: &'static str,
    default: u64,
    what: &str,
    errors: &mut Vec<FieldError>,
) -> u64 {
    match value {
        Some(b) if b.0 == 0 => {
            errors.push(FieldError::new(
                key,
                format!("`{key}` of {what} must be greater than zero"),
                "zero",
            ));
            default
        }
        Some(b) => b.0,
        None => default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(kind: FlowKind, text: &str) -> Result<Traffic, Vec<FieldError>> {
        let table: TrafficTable = toml::from_str(text).expect("a valid table");
        Traffic::read(kind, &table, "flow `f`")
    }

    fn fields(r: Result<Traffic, Vec<FieldError>>) -> Vec<&'static str> {
        r.expect_err("refused").iter().map(|e| e.field).collect()
    }

    /// Every key of the table belongs to at least one kind, and every kind's keys are keys of
    /// the table: a table written with all of a kind's keys reads, and each key another kind
    /// takes is refused by name with the kinds it belongs to.
    #[test]
    fn each_kind_takes_its_keys_and_refuses_the_others() {
        let sample = |key: &str| match key {
            "bytes" => "\"1MB\"",
            "rate" => "\"1Mbps\"",
            "on" | "off" | "interval" | "timeout" => "\"1ms\"",
            "bitrate" => "\"1Mbps\"",
            "startup" | "rebuffer" | "buffer" | "segment" => "\"1s\"",
            _ => "100",
        };
        let mut all: Vec<&str> = FlowKind::ALL
            .iter()
            .flat_map(|k| k.keys())
            .copied()
            .collect();
        all.sort_unstable();
        all.dedup();
        let table: String = all
            .iter()
            .map(|k| format!("{k} = {}\n", sample(k)))
            .collect();
        let every: TrafficTable = toml::from_str(&table).expect("the kinds' keys are the table's");
        assert_eq!(
            every.written().len(),
            all.len(),
            "written() lists every key of the table"
        );
        for kind in FlowKind::ALL {
            let own: String = kind
                .keys()
                .iter()
                .map(|k| format!("{k} = {}\n", sample(k)))
                .collect();
            assert!(
                read(kind, &own).is_ok(),
                "{} with all its keys",
                kind.as_str()
            );
            let mut refused = fields(Traffic::read(kind, &every, "flow `f`"));
            refused.sort_unstable();
            let foreign: Vec<&str> = all
                .iter()
                .copied()
                .filter(|k| !kind.keys().contains(k))
                .collect();
            assert_eq!(
                refused,
                foreign,
                "{} refuses exactly the others' keys",
                kind.as_str()
            );
        }
        let e = &read(FlowKind::TcpBulk, "rate = \"1Mbps\"").expect_err("foreign")[0];
        assert_eq!(
            e.message,
            "`rate` does not apply to flow `f`, which is tcp-bulk"
        );
        assert_eq!(
            e.help.as_deref(),
            Some("a tcp-bulk takes `bytes`; `rate` belongs to `udp-cbr` or `udp-onoff`")
        );
    }

    /// Defaults fill the keys not written: a bare kind reads to its application's defaults
    /// (a UDP kind needs its `rate`).
    #[test]
    fn defaults_fill_the_gaps() {
        assert_eq!(
            read(FlowKind::TcpBulk, ""),
            Ok(Traffic::TcpBulk(BulkParams::default()))
        );
        assert_eq!(
            read(FlowKind::Ping, ""),
            Ok(Traffic::Ping(PingParams::default()))
        );
        assert_eq!(
            read(FlowKind::RequestResponse, ""),
            Ok(Traffic::RequestResponse(RequestParams::default()))
        );
        assert_eq!(
            fields(read(FlowKind::UdpCbr, "")),
            ["rate"],
            "rate is required"
        );
        let Ok(Traffic::UdpOnOff(p)) = read(FlowKind::UdpOnOff, "rate = \"8Mbps\"") else {
            panic!("on-off with a rate")
        };
        assert_eq!(
            (p.packet_size, p.on, p.off),
            (1472, Some(SimTime::from_secs(1)), SimTime::from_secs(1))
        );
        let Ok(Traffic::UdpCbr(p)) = read(FlowKind::UdpCbr, "rate = \"8Mbps\"") else {
            panic!("cbr with a rate")
        };
        assert_eq!(p.on, None, "a CBR source is always on");
    }

    /// Each rule names its key: zero times and sizes, sizes beyond a datagram, `bytes = 0`.
    #[test]
    fn checks_name_their_keys() {
        assert_eq!(
            fields(read(FlowKind::Ping, "interval = \"0s\"")),
            ["interval"]
        );
        assert_eq!(fields(read(FlowKind::Ping, "size = 65508")), ["size"]);
        assert!(
            read(FlowKind::Ping, "size = 0").is_ok(),
            "an empty echo is valid"
        );
        assert_eq!(
            fields(read(FlowKind::UdpCbr, "rate = \"1Mbps\"\npacket_size = 0")),
            ["packet_size"]
        );
        assert_eq!(
            fields(read(FlowKind::UdpOnOff, "rate = \"1Mbps\"\non = \"0s\"")),
            ["on"]
        );
        assert!(
            read(FlowKind::UdpOnOff, "rate = \"1Mbps\"\noff = \"0s\"").is_ok(),
            "off may be 0"
        );
        assert_eq!(
            fields(read(FlowKind::RequestResponse, "request = 0\nresponse = 0")),
            ["request", "response"]
        );
        assert_eq!(fields(read(FlowKind::TcpBulk, "bytes = 0")), ["bytes"]);
        let e =
            &read(FlowKind::UdpCbr, "rate = \"1Mbps\"\npacket_size = 70000").expect_err("big")[0];
        assert_eq!(
            e.message,
            "`packet_size` of flow `f` must be between 1 and 65507 bytes, not 70000"
        );
    }
}
