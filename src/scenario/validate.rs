//! From the loose [`raw`](super::raw) tables to the typed [`spec`](super::spec): defaults,
//! ranges, per-kind keys, unique names, references between tables.
//!
//! Validation does not stop at the first problem: it collects every one it can find in a pass,
//! so that a user fixing a file sees them all at once. Each problem points at the value at fault
//! (or, for a missing key, at the table that lacks it).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;

use sim_core::{ByteSize, SimTime};
use toml::Spanned;

use super::error::{ScenarioDiagnostic, ScenarioError, all_of, line_of, nearest, one_of};
use super::raw::{self, FlowBytes, KindKeys};
use super::spec::*;

/// The largest UDP or ICMP payload an IPv4 datagram can carry (65 535 − 20 − 8).
const MAX_DATAGRAM_PAYLOAD: u64 = 65_507;
/// The largest TCP receive window RFC 7323 §2.3 allows (2³⁰ bytes).
const MAX_RCV_WINDOW: u64 = 1 << 30;

/// Collects problems over one text.
pub(crate) struct Validator<'a> {
    name: &'a str,
    text: &'a str,
    problems: Vec<ScenarioDiagnostic>,
}

impl<'a> Validator<'a> {
    pub(crate) fn new(name: &'a str, text: &'a str) -> Self {
        Validator {
            name,
            text,
            problems: Vec::new(),
        }
    }

    fn error(&mut self, span: Range<usize>, message: String, label: &str, help: Option<String>) {
        self.problems.push(ScenarioDiagnostic::new(
            self.name, self.text, span, message, label, help,
        ));
    }

    /// All problems as one error (the first, with the rest as related), or `value`.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, ScenarioError> {
        let mut problems = self.problems.into_iter();
        match problems.next() {
            None => Ok(value),
            Some(mut first) => {
                first.related.extend(problems);
                Err(ScenarioError::Invalid(Box::new(first)))
            }
        }
    }

    /// The whole file.
    pub(crate) fn scenario(&mut self, raw: raw::ScenarioTable) -> Scenario {
        let duration = match raw.duration {
            Some(d) if *d.get_ref() == SimTime::ZERO => {
                self.error(
                    d.span(),
                    "`duration` must be greater than zero".into(),
                    "zero duration",
                    Some("for example `duration = \"10s\"`".into()),
                );
                SimTime::from_secs(10)
            }
            Some(d) => d.into_inner(),
            None => SimTime::from_secs(10),
        };
        let topology = match raw.topology {
            Some(t) => self.topology(t),
            None => {
                self.error(
                    0..0,
                    "the scenario has no [topology] table".into(),
                    "expected [topology]",
                    Some("add, for example:\n[topology]\nkind = \"fat-tree\"\nk = 4".into()),
                );
                TopologySpec {
                    shape: TopologyShape::FatTree {
                        k: Spanned::new(0..0, 4),
                    },
                    link: LinkConfig::default(),
                    span: 0..0,
                }
            }
        };
        let controller = self.controller(raw.controller);
        let tcp = self.tcp(raw.tcp);
        let flows = raw
            .flow
            .into_iter()
            .enumerate()
            .filter_map(|(i, f)| self.flow(i, f))
            .collect::<Vec<_>>();
        self.unique("flow", flows.iter().map(|f| &f.name));
        let hosts = raw
            .host
            .into_iter()
            .enumerate()
            .filter_map(|(i, h)| self.host(i, h))
            .collect::<Vec<_>>();
        self.unique("host", hosts.iter().map(|h| &h.name));
        let vms = raw
            .vm
            .into_iter()
            .enumerate()
            .filter_map(|(i, v)| self.vm(i, v))
            .collect::<Vec<_>>();
        self.unique("vm", vms.iter().map(|v| &v.name));
        let orchestrator = self.orchestrator(raw.orchestrator);
        let vm_names: Vec<&str> = vms.iter().map(|v| v.name.get_ref().as_str()).collect();
        let migrations = raw
            .migration
            .into_iter()
            .enumerate()
            .filter_map(|(i, m)| self.migration(i, m, &vm_names, orchestrator.period.is_some()))
            .collect();
        let events = raw
            .event
            .into_iter()
            .enumerate()
            .filter_map(|(i, e)| self.event(i, e))
            .collect();
        let flow_names: Vec<&str> = flows.iter().map(|f| f.name.get_ref().as_str()).collect();
        let trace = self.trace(raw.trace, &flow_names, &vm_names);
        Scenario {
            name: raw.name.unwrap_or_else(|| "netsim".into()),
            seed: raw.seed.unwrap_or(1),
            duration,
            topology,
            controller,
            tcp,
            flows,
            hosts,
            vms,
            orchestrator,
            migrations,
            events,
            trace,
        }
    }

    /// Reports a missing required key of the table at `span`.
    fn missing<T>(
        &mut self,
        value: Option<T>,
        key: &str,
        table: &str,
        span: &Range<usize>,
        example: &str,
    ) -> Option<T> {
        if value.is_none() {
            self.error(
                span.clone(),
                format!("{table} has no `{key}`"),
                &format!("missing `{key}`"),
                Some(format!("add, for example, `{example}`")),
            );
        }
        value
    }

    /// Reports a count that must be at least 1.
    fn positive(&mut self, v: Option<Spanned<u32>>, key: &str, default: u32) -> u32 {
        match v {
            Some(v) if *v.get_ref() == 0 => {
                self.error(
                    v.span(),
                    format!("`{key}` must be at least 1"),
                    "zero",
                    None,
                );
                default
            }
            Some(v) => v.into_inner(),
            None => default,
        }
    }

    /// Reports a time that must be greater than zero.
    fn nonzero_time(
        &mut self,
        v: Option<Spanned<SimTime>>,
        key: &str,
        default: SimTime,
    ) -> SimTime {
        match v {
            Some(v) if *v.get_ref() == SimTime::ZERO => {
                self.error(
                    v.span(),
                    format!("`{key}` must be greater than zero"),
                    "zero",
                    None,
                );
                default
            }
            Some(v) => v.into_inner(),
            None => default,
        }
    }

    /// Reports a fraction outside [0, 1].
    fn fraction(&mut self, v: Option<Spanned<f64>>, key: &str) -> f64 {
        match v {
            Some(v) if !(0.0..=1.0).contains(v.get_ref()) => {
                self.error(
                    v.span(),
                    format!("`{key}` must be between 0 and 1, not {}", v.get_ref()),
                    "outside [0, 1]",
                    Some(format!("`{key}` is a probability or share: 0.01 means 1 %")),
                );
                0.0
            }
            Some(v) => v.into_inner(),
            None => 0.0,
        }
    }

    /// Reports duplicate names (each one after the first).
    fn unique<'n>(&mut self, what: &str, names: impl Iterator<Item = &'n Spanned<String>>) {
        let mut seen: BTreeMap<&str, Range<usize>> = BTreeMap::new();
        for name in names {
            if let Some(first) = seen.get(name.get_ref().as_str()) {
                let line = line_of(self.text, first.start);
                self.error(
                    name.span(),
                    format!("duplicate {what} name `{}`", name.get_ref()),
                    "duplicate",
                    Some(format!(
                        "the first {what} named `{}` is on line {line}; names must be unique",
                        name.get_ref()
                    )),
                );
            } else {
                seen.insert(name.get_ref(), name.span());
            }
        }
    }

    fn link(&mut self, raw: raw::LinkTable, base: LinkConfig) -> LinkConfig {
        let loss = match raw.loss {
            Some(l) => self.fraction(Some(l), "loss"),
            None => base.loss,
        };
        LinkConfig {
            rate: raw.rate.unwrap_or(base.rate),
            delay: raw.delay.unwrap_or(base.delay),
            queue: raw.queue.unwrap_or(base.queue),
            loss,
        }
    }

    fn topology(&mut self, raw: Spanned<raw::TopologyTable>) -> TopologySpec {
        let table_span = raw.span();
        let raw = raw.into_inner();
        let link = self.link(raw.link.unwrap_or_default(), LinkConfig::default());
        let Some(kind) = self.missing(
            raw.kind,
            "kind",
            "[topology]",
            &table_span,
            "kind = \"fat-tree\"",
        ) else {
            return TopologySpec {
                shape: TopologyShape::FatTree {
                    k: Spanned::new(0..0, 4),
                },
                link,
                span: table_span,
            };
        };
        let span = kind.span();
        let kind = kind.into_inner();
        // Keys that belong to one kind only, with the kinds that take them.
        let present: [(&str, Option<Range<usize>>); 10] = [
            ("k", raw.k.as_ref().map(Spanned::span)),
            ("pairs", raw.pairs.as_ref().map(Spanned::span)),
            ("bottleneck", raw.bottleneck.as_ref().map(Spanned::span)),
            ("leaves", raw.leaves.as_ref().map(Spanned::span)),
            ("spines", raw.spines.as_ref().map(Spanned::span)),
            (
                "hosts_per_leaf",
                raw.hosts_per_leaf.as_ref().map(Spanned::span),
            ),
            ("switches", raw.switches.as_ref().map(Spanned::span)),
            (
                "hosts_per_switch",
                raw.hosts_per_switch.as_ref().map(Spanned::span),
            ),
            ("hosts", raw.hosts.as_ref().map(Spanned::span)),
            ("path", raw.path.as_ref().map(Spanned::span)),
        ];
        let allowed: &[&str] = match kind {
            TopologyKind::FatTree => &["k"],
            TopologyKind::Dumbbell => &["pairs", "bottleneck"],
            TopologyKind::LeafSpine => &["leaves", "spines", "hosts_per_leaf"],
            TopologyKind::Linear => &["switches", "hosts_per_switch"],
            TopologyKind::Star => &["hosts"],
            TopologyKind::Qin2017 | TopologyKind::Arora2013 => &[],
            TopologyKind::File => &["path"],
        };
        for (key, key_span) in present {
            if let Some(key_span) = key_span.filter(|_| !allowed.contains(&key)) {
                let takes = if allowed.is_empty() {
                    "only `link`".to_string()
                } else {
                    format!("`link` and {}", all_of(allowed))
                };
                self.error(
                    key_span,
                    format!("`{key}` does not apply to a {} topology", kind.as_str()),
                    &format!("not a {} key", kind.as_str()),
                    Some(format!("a {} topology takes {takes}", kind.as_str())),
                );
            }
        }
        let shape = match kind {
            TopologyKind::FatTree => {
                let k = raw.k.unwrap_or_else(|| Spanned::new(span.clone(), 4));
                let v = *k.get_ref();
                if v < 2 || v % 2 == 1 {
                    self.error(k.span(), format!("fat-tree `k` must be even and at least 2, not {v}"), "odd or < 2", Some("a k-ary fat-tree has k pods of k/2 edge and k/2 aggregation switches, so k is even: try 4 or 8".into()));
                }
                TopologyShape::FatTree { k }
            }
            TopologyKind::Dumbbell => {
                let bottleneck = match raw.bottleneck {
                    Some(b) => self.link(b.into_inner(), link),
                    None => link,
                };
                TopologyShape::Dumbbell {
                    pairs: self.positive(raw.pairs, "pairs", 2),
                    bottleneck,
                }
            }
            TopologyKind::LeafSpine => TopologyShape::LeafSpine {
                leaves: self.positive(raw.leaves, "leaves", 4),
                spines: self.positive(raw.spines, "spines", 2),
                hosts_per_leaf: self.positive(raw.hosts_per_leaf, "hosts_per_leaf", 2),
            },
            TopologyKind::Linear => TopologyShape::Linear {
                switches: self.positive(raw.switches, "switches", 3),
                hosts_per_switch: self.positive(raw.hosts_per_switch, "hosts_per_switch", 1),
            },
            TopologyKind::Star => TopologyShape::Star {
                hosts: self.positive(raw.hosts, "hosts", 4),
            },
            TopologyKind::Qin2017 => TopologyShape::Qin2017,
            TopologyKind::Arora2013 => TopologyShape::Arora2013,
            TopologyKind::File => {
                let path = self.missing(
                    raw.path,
                    "path",
                    "a file topology",
                    &span,
                    "path = \"my-topology.toml\"",
                );
                let path = path
                    .map(|p| Spanned::new(p.span(), PathBuf::from(p.into_inner())))
                    .unwrap_or_else(|| Spanned::new(span.clone(), PathBuf::new()));
                TopologyShape::File { path }
            }
        };
        TopologySpec { shape, link, span }
    }

    fn controller(&mut self, raw: raw::ControllerTable) -> ControllerConfig {
        let d = ControllerConfig::default();
        let app = raw.app.as_ref().map(|a| *a.get_ref()).unwrap_or(d.app);
        let ecmp = match raw.ecmp {
            Some(e) if *e.get_ref() != Ecmp::Off && app != ControllerApp::None => {
                self.error(e.span(), "`ecmp` applies only with `app = \"none\"`".into(), "needs app = \"none\"", Some("OpenFlow apps choose their own paths; remove `ecmp` or set `app = \"none\"`".into()));
                Ecmp::Off
            }
            Some(e) => e.into_inner(),
            None => d.ecmp,
        };
        ControllerConfig {
            app,
            ecmp,
            stats_interval: self.nonzero_time(
                raw.stats_interval,
                "stats_interval",
                d.stats_interval,
            ),
            channel_latency: raw.channel_latency.unwrap_or(d.channel_latency),
        }
    }

    fn tcp(&mut self, raw: raw::TcpTable) -> TcpConfig {
        let d = TcpConfig::default();
        let mss = match raw.mss {
            Some(m) if !(1..=65_495).contains(m.get_ref()) => {
                self.error(
                    m.span(),
                    format!(
                        "`mss` must be between 1 and 65495 bytes, not {}",
                        m.get_ref()
                    ),
                    "out of range",
                    None,
                );
                d.mss
            }
            Some(m) => m.into_inner(),
            None => d.mss,
        };
        let mut buf = |v: Option<Spanned<ByteSize>>, key: &str, max: u64, default: ByteSize| match v
        {
            Some(b) if b.get_ref().0 == 0 || b.get_ref().0 > max => {
                self.error(
                    b.span(),
                    format!(
                        "`{key}` must be between 1 byte and {}, not {}",
                        ByteSize(max),
                        b.get_ref()
                    ),
                    "out of range",
                    None,
                );
                default
            }
            Some(b) => b.into_inner(),
            None => default,
        };
        let rcv_buf = buf(raw.rcv_buf, "rcv_buf", MAX_RCV_WINDOW, d.rcv_buf);
        let snd_buf = buf(raw.snd_buf, "snd_buf", u64::MAX, d.snd_buf);
        TcpConfig {
            variant: raw.variant.unwrap_or(d.variant),
            mss,
            initial_cwnd: self.positive(raw.initial_cwnd, "initial_cwnd", d.initial_cwnd),
            min_rto: self.nonzero_time(raw.min_rto, "min_rto", d.min_rto),
            delayed_ack: raw.delayed_ack.unwrap_or(d.delayed_ack),
            rcv_buf,
            snd_buf,
            timestamps: raw.timestamps.unwrap_or(d.timestamps),
        }
    }

    fn flow(&mut self, index: usize, raw: Spanned<raw::FlowTable>) -> Option<FlowSpec> {
        let span = raw.span();
        let raw = raw.into_inner();
        let table = format!("[[flow]] index {index}");
        let name = raw
            .name
            .clone()
            .unwrap_or_else(|| Spanned::new(span.clone(), format!("flow{index}")));
        let what = format!("flow `{}`", name.get_ref());
        let kind = self.missing(
            raw.kind.clone(),
            "kind",
            &table,
            &span,
            "kind = \"tcp-bulk\"",
        );
        let src = self.missing(raw.src.clone(), "src", &table, &span, "src = \"h0\"");
        let dst = self.missing(raw.dst.clone(), "dst", &table, &span, "dst = \"h1\"");
        let kind = self.kind_spec(kind?, &raw.kind_keys(), &what)?;
        let (src, dst) = (src?, dst?);
        if src.get_ref() == dst.get_ref() {
            self.error(
                dst.span(),
                format!("{what} has `dst` equal to `src` (`{}`)", src.get_ref()),
                "same as src",
                Some("a flow needs two different nodes".into()),
            );
        }
        let start = raw.start.unwrap_or(SimTime::ZERO);
        if let Some(stop) = &raw.stop {
            if *stop.get_ref() <= start {
                self.error(
                    stop.span(),
                    format!("{what} stops at {} but starts at {start}", stop.get_ref()),
                    "not after start",
                    Some("`stop` must be later than `start`".into()),
                );
            }
        }
        Some(FlowSpec {
            name,
            src,
            dst,
            start,
            stop: raw.stop.map(Spanned::into_inner),
            kind,
        })
    }

    /// The per-kind keys of a flow or workload: each present key must belong to the kind, and
    /// the kind's required keys must be present.
    fn kind_spec(
        &mut self,
        kind: Spanned<FlowKind>,
        keys: &KindKeys,
        what: &str,
    ) -> Option<FlowKindSpec> {
        let kind_span = kind.span();
        let kind = kind.into_inner();
        let present: [(&str, Option<Range<usize>>); 9] = [
            ("bytes", keys.bytes.as_ref().map(Spanned::span)),
            ("rate", keys.rate.as_ref().map(Spanned::span)),
            ("packet_size", keys.packet_size.as_ref().map(Spanned::span)),
            ("on", keys.on.as_ref().map(Spanned::span)),
            ("off", keys.off.as_ref().map(Spanned::span)),
            ("interval", keys.interval.as_ref().map(Spanned::span)),
            ("size", keys.size.as_ref().map(Spanned::span)),
            ("request", keys.request.as_ref().map(Spanned::span)),
            ("response", keys.response.as_ref().map(Spanned::span)),
        ];
        let takes = |k: FlowKind| -> &'static [&'static str] {
            match k {
                FlowKind::TcpBulk => &["bytes"],
                FlowKind::UdpCbr => &["rate", "packet_size"],
                FlowKind::UdpOnOff => &["rate", "packet_size", "on", "off"],
                FlowKind::Ping => &["interval", "size"],
                FlowKind::RequestResponse => &["request", "response", "interval"],
            }
        };
        let all = [
            FlowKind::TcpBulk,
            FlowKind::UdpCbr,
            FlowKind::UdpOnOff,
            FlowKind::Ping,
            FlowKind::RequestResponse,
        ];
        let mut ok = true;
        for (key, span) in present {
            let Some(span) = span else { continue };
            if takes(kind).contains(&key) {
                continue;
            }
            let owners: Vec<&str> = all
                .iter()
                .filter(|k| takes(**k).contains(&key))
                .map(|k| k.as_str())
                .collect();
            let mut help = format!(
                "a {} takes {}; `{key}` belongs to {}",
                kind.as_str(),
                all_of(takes(kind)),
                one_of(&owners)
            );
            if key == "bytes" {
                help.push_str("; to end a UDP flow early, use `stop`");
            }
            self.error(
                span,
                format!(
                    "`{key}` does not apply to {what}, which is {}",
                    kind.as_str()
                ),
                &format!("not a {} key", kind.as_str()),
                Some(help),
            );
            ok = false;
        }
        let rate = match (&keys.rate, kind) {
            (Some(r), _) => Some(*r.get_ref()),
            (None, FlowKind::UdpCbr | FlowKind::UdpOnOff) => {
                self.error(
                    kind_span.clone(),
                    format!("{what} is {} but has no `rate`", kind.as_str()),
                    "needs `rate`",
                    Some("add, for example, `rate = \"100Mbps\"`".into()),
                );
                None
            }
            _ => None,
        };
        let mut size =
            |v: &Option<Spanned<ByteSize>>, key: &str, min: u64, max: u64, default: u64| -> u32 {
                match v {
                    Some(s) if !(min..=max).contains(&s.get_ref().0) => {
                        self.error(
                            s.span(),
                            format!(
                                "`{key}` of {what} must be between {min} and {max} bytes, not {}",
                                s.get_ref().0
                            ),
                            "out of range",
                            None,
                        );
                        ok = false;
                        default as u32
                    }
                    Some(s) => s.get_ref().0 as u32,
                    None => default as u32,
                }
            };
        let packet_size = size(
            &keys.packet_size,
            "packet_size",
            1,
            MAX_DATAGRAM_PAYLOAD,
            1472,
        );
        let ping_size = size(&keys.size, "size", 0, MAX_DATAGRAM_PAYLOAD, 56);
        let mut time = |v: &Option<Spanned<SimTime>>, key: &str, default: SimTime| match v {
            Some(t) if *t.get_ref() == SimTime::ZERO => {
                self.error(
                    t.span(),
                    format!("`{key}` of {what} must be greater than zero"),
                    "zero",
                    None,
                );
                ok = false;
                default
            }
            Some(t) => *t.get_ref(),
            None => default,
        };
        let on = time(&keys.on, "on", SimTime::from_secs(1));
        let interval_default = match kind {
            FlowKind::Ping => SimTime::from_ms(100),
            _ => SimTime::from_ms(10),
        };
        let interval = time(&keys.interval, "interval", interval_default);
        let off = keys
            .off
            .as_ref()
            .map_or(SimTime::from_secs(1), |t| *t.get_ref());
        let mut bytes = |v: &Option<Spanned<ByteSize>>, key: &str, default: u64| match v {
            Some(b) if b.get_ref().0 == 0 => {
                self.error(
                    b.span(),
                    format!("`{key}` of {what} must be greater than zero"),
                    "zero",
                    None,
                );
                ok = false;
                ByteSize(default)
            }
            Some(b) => *b.get_ref(),
            None => ByteSize(default),
        };
        let request = bytes(&keys.request, "request", 200);
        let response = bytes(&keys.response, "response", 4000);
        let limit = match keys.bytes.as_ref().map(|b| (b.span(), *b.get_ref())) {
            Some((span, FlowBytes::Limited(ByteSize(0)))) => {
                self.error(
                    span,
                    format!("`bytes` of {what} must be greater than zero"),
                    "zero",
                    Some("use \"unlimited\" for a flow that never ends".into()),
                );
                ok = false;
                None
            }
            Some((_, FlowBytes::Limited(b))) => Some(b),
            Some((_, FlowBytes::Unlimited)) | None => None,
        };
        if !ok {
            return None;
        }
        Some(match kind {
            FlowKind::TcpBulk => FlowKindSpec::TcpBulk { bytes: limit },
            FlowKind::UdpCbr => FlowKindSpec::UdpCbr {
                rate: rate?,
                packet_size,
            },
            FlowKind::UdpOnOff => FlowKindSpec::UdpOnOff {
                rate: rate?,
                packet_size,
                on,
                off,
            },
            FlowKind::Ping => FlowKindSpec::Ping {
                interval,
                size: ping_size,
            },
            FlowKind::RequestResponse => FlowKindSpec::RequestResponse {
                request,
                response,
                interval,
            },
        })
    }

    fn host(&mut self, index: usize, raw: Spanned<raw::HostTable>) -> Option<HostSpec> {
        let span = raw.span();
        let raw = raw.into_inner();
        let name = self.missing(
            raw.name,
            "name",
            &format!("[[host]] index {index}"),
            &span,
            "name = \"h1\"",
        )?;
        Some(HostSpec {
            name,
            capacity: raw.capacity,
        })
    }

    fn vm(&mut self, index: usize, raw: Spanned<raw::VmTable>) -> Option<VmSpec> {
        let span = raw.span();
        let raw = raw.into_inner();
        let table = format!("[[vm]] index {index}");
        let name = self.missing(raw.name, "name", &table, &span, "name = \"vm1\"");
        let host = self.missing(raw.host, "host", &table, &span, "host = \"h0\"");
        let memory = self.missing(raw.memory, "memory", &table, &span, "memory = \"1GiB\"");
        let (name, host, memory) = (name?, host?, memory?);
        let page_size = match raw.page_size {
            Some(p) if p.get_ref().0 == 0 => {
                self.error(
                    p.span(),
                    "`page_size` must be greater than zero".into(),
                    "zero",
                    None,
                );
                4096
            }
            Some(p) => p.get_ref().0,
            None => 4096,
        };
        if memory.get_ref().0 == 0 || memory.get_ref().0 % page_size != 0 {
            self.error(memory.span(), format!("`memory` of vm `{}` must be a positive whole number of {page_size}-byte pages, not {} bytes", name.get_ref(), memory.get_ref().0), "not whole pages", Some("binary sizes such as \"1GiB\" are whole pages".into()));
        }
        let hot_fraction = self.fraction(raw.hot_fraction, "hot_fraction");
        let workload = match raw.workload {
            None => None,
            Some(w) => {
                let wspan = w.span();
                let w = w.into_inner();
                let what = format!("the workload of vm `{}`", name.get_ref());
                let wtable = format!("`workload` of {table}");
                let kind = self.missing(
                    w.kind.clone(),
                    "kind",
                    &wtable,
                    &wspan,
                    "kind = \"request-response\"",
                );
                let client = self.missing(
                    w.client.clone(),
                    "client",
                    &wtable,
                    &wspan,
                    "client = \"h2\"",
                );
                let kind = self.kind_spec(kind?, &w.kind_keys(), &what)?;
                Some(WorkloadSpec {
                    client: client?,
                    kind,
                })
            }
        };
        Some(VmSpec {
            name,
            host,
            memory: memory.into_inner(),
            page_size,
            dirty_rate: raw.dirty_rate.unwrap_or(0),
            hot_fraction,
            state: raw.state.unwrap_or(ByteSize(8 << 20)),
            workload,
        })
    }

    fn orchestrator(&mut self, raw: raw::OrchestratorTable) -> OrchestratorConfig {
        let d = OrchestratorConfig::default();
        let period = match raw.period {
            Some(p) if *p.get_ref() == SimTime::ZERO => {
                self.error(
                    p.span(),
                    "`period` must be greater than zero".into(),
                    "zero",
                    None,
                );
                None
            }
            p => p.map(Spanned::into_inner),
        };
        OrchestratorConfig {
            order: raw.order.unwrap_or(d.order),
            concurrent: self.positive(raw.concurrent, "concurrent", d.concurrent),
            period,
        }
    }

    fn migration(
        &mut self,
        index: usize,
        raw: Spanned<raw::MigrationTable>,
        vms: &[&str],
        periodic: bool,
    ) -> Option<MigrationSpec> {
        let span = raw.span();
        let raw = raw.into_inner();
        let table = format!("[[migration]] index {index}");
        let vm = self.missing(raw.vm, "vm", &table, &span, "vm = \"vm1\"")?;
        if !vms.contains(&vm.get_ref().as_str()) {
            let help = match nearest(vm.get_ref(), vms.iter().copied()) {
                Some(n) => format!("did you mean `{n}`? VMs are defined by [[vm]] tables"),
                None if vms.is_empty() => "no VM is defined; add a [[vm]] table".into(),
                None => format!("the VMs are {}", one_of(vms)),
            };
            self.error(
                vm.span(),
                format!(
                    "{table} migrates `{}`, which no [[vm]] defines",
                    vm.get_ref()
                ),
                "unknown VM",
                Some(help),
            );
        }
        if raw.at.is_none() && !periodic {
            self.error(
                span.clone(),
                format!("{table} has no `at`, and [orchestrator] has no `period` to trigger it"),
                "missing `at`",
                Some("add `at = \"1s\"`, or set `period` in [orchestrator]".into()),
            );
        }
        let factor = match raw.max_total_factor {
            Some(f) if !(f.get_ref().is_finite() && *f.get_ref() >= 1.0) => {
                self.error(
                    f.span(),
                    format!(
                        "`max_total_factor` must be at least 1.0, not {}",
                        f.get_ref()
                    ),
                    "below 1",
                    Some("it is a multiple of the VM's memory; 3.0 is Xen's default".into()),
                );
                3.0
            }
            Some(f) => f.into_inner(),
            None => 3.0,
        };
        Some(MigrationSpec {
            vm,
            to: raw.to,
            at: raw.at,
            algorithm: raw.algorithm.unwrap_or_default(),
            early_notification: raw.early_notification.unwrap_or(false),
            max_rounds: self.positive(raw.max_rounds, "max_rounds", 30),
            stop_threshold: raw.stop_threshold.unwrap_or(ByteSize(200_000)),
            max_total_factor: factor,
        })
    }

    fn event(&mut self, index: usize, raw: Spanned<raw::EventTable>) -> Option<EventSpec> {
        let span = raw.span();
        let raw = raw.into_inner();
        let table = format!("[[event]] index {index}");
        let at = self.missing(raw.at, "at", &table, &span, "at = \"2s\"");
        let link = self.missing(raw.link, "link", &table, &span, "link = \"a0-c0\"");
        let state = self.missing(raw.state, "state", &table, &span, "state = \"down\"");
        let (at, link, state) = (at?, link?, state?);
        let well_formed = link
            .get_ref()
            .split_once('-')
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty());
        if !well_formed {
            self.error(
                link.span(),
                format!(
                    "`link` of {table} must name two nodes joined by `-`, not `{}`",
                    link.get_ref()
                ),
                "expected `node-node`",
                Some("for example `link = \"a0-c0\"`".into()),
            );
        }
        Some(EventSpec { at, link, state })
    }

    fn trace(&mut self, raw: raw::TraceTable, flows: &[&str], vms: &[&str]) -> TraceConfig {
        let d = TraceConfig::default();
        let timeseries = raw.timeseries.unwrap_or_default();
        for entry in &timeseries {
            let name = entry.get_ref().as_str();
            let (known, candidates): (bool, Vec<String>) = match name.strip_prefix("migration:") {
                Some(vm) => (
                    vms.contains(&vm),
                    vms.iter().map(|v| format!("migration:{v}")).collect(),
                ),
                None => (
                    flows.contains(&name),
                    flows.iter().map(|f| f.to_string()).collect(),
                ),
            };
            if !known {
                let help = match nearest(name, candidates.iter().map(String::as_str)) {
                    Some(n) => format!("did you mean `{n}`?"),
                    None => "`timeseries` takes names of [[flow]] tables, or `migration:<vm>` for a [[vm]]".into(),
                };
                self.error(entry.span(), format!("`timeseries` names `{name}`, which is neither a flow nor `migration:<vm>` of a defined VM"), "unknown flow or VM", Some(help));
            }
        }
        TraceConfig {
            pcap: raw.pcap.unwrap_or_default(),
            openflow_pcap: raw.openflow_pcap.unwrap_or(d.openflow_pcap),
            timeseries,
            sample_interval: self.nonzero_time(
                raw.sample_interval,
                "sample_interval",
                d.sample_interval,
            ),
            snaplen: raw.snaplen.unwrap_or(d.snaplen),
        }
    }
}
