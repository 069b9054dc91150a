//! `[[flow]]`, `[[host]]` and `[[vm]]`: what runs on the network, and the per-kind keys that
//! flows and VM workloads share.

use std::ops::Range;

use sim_core::{ByteSize, SimTime};
use toml::Spanned;

use super::super::error::{all_of, one_of};
use super::super::raw::{self, FlowBytes, KindKeys};
use super::super::spec::*;
use super::{MAX_DATAGRAM_PAYLOAD, Validator};

impl Validator<'_> {
    pub(super) fn flow(&mut self, index: usize, raw: Spanned<raw::FlowTable>) -> Option<FlowSpec> {
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
        let start = raw.start.as_ref().map_or(SimTime::ZERO, |s| *s.get_ref());
        if let Some(stop) = &raw.stop
            && *stop.get_ref() <= start
        {
            self.error(
                stop.span(),
                format!("{what} stops at {} but starts at {start}", stop.get_ref()),
                "not after start",
                Some("`stop` must be later than `start`".into()),
            );
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
        let takes = FlowKind::keys;
        let all = FlowKind::ALL;
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

    pub(super) fn host(&mut self, index: usize, raw: Spanned<raw::HostTable>) -> Option<HostSpec> {
        let span = raw.span();
        let raw = raw.into_inner();
        let name = self.missing(
            raw.name,
            "name",
            &format!("[[host]] index {index}"),
            &span,
            "name = \"h1\"",
        )?;
        let resume_time = match raw.resume_time {
            Some(t) if *t.get_ref() > MAX_RESUME_TIME => {
                self.error(
                    t.span(),
                    format!(
                        "`resume_time` of host `{}` is {}, longer than an hour: it must be at \
                         most 1 h",
                        name.get_ref(),
                        t.get_ref()
                    ),
                    "more than 1 h",
                    Some(
                        "the time a target host takes to restore and resume a migrated VM, \
                         such as \"500ms\" or \"2s\""
                            .into(),
                    ),
                );
                SimTime::ZERO
            }
            Some(t) => t.into_inner(),
            None => SimTime::ZERO,
        };
        Some(HostSpec {
            name,
            capacity: raw.capacity,
            resume_time,
        })
    }

    pub(super) fn vm(&mut self, index: usize, raw: Spanned<raw::VmTable>) -> Option<VmSpec> {
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
        } else if memory.get_ref().0 / page_size > vm::MAX_PAGES {
            let pages = memory.get_ref().0 / page_size;
            let max = vm::MAX_PAGES;
            self.error(memory.span(), format!("`memory` of vm `{}` is {pages} pages of {page_size} bytes; a VM has at most {max} (2^36) pages, {} TiB of {page_size}-byte pages", name.get_ref(), (max as u128 * page_size as u128) as f64 / (1u64 << 40) as f64), "too many pages", Some("use less memory, or larger pages with `page_size`".into()));
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
}
