//! `[[flow]]`, `[[host]]` and `[[vm]]`: what runs on the network, and the per-kind keys that
//! flows and VM workloads share.

use sim_core::{ByteSize, SimTime};
use toml::Spanned;

use super::super::raw;
use super::super::spec::*;
use super::Validator;

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
        let kind = self.traffic(kind?, &raw.traffic, &format!("flow.{index}"), &what)?;
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

    /// The per-kind keys of the flow or workload at dotted `path`, read and checked by
    /// net-stack's applications; each problem is placed at its key's value (a missing key at
    /// `kind`).
    fn traffic(
        &mut self,
        kind: Spanned<FlowKind>,
        table: &TrafficTable,
        path: &str,
        what: &str,
    ) -> Option<Traffic> {
        match Traffic::read(*kind.get_ref(), table, what) {
            Ok(t) => Some(t),
            Err(problems) => {
                for e in problems {
                    self.field_error(e, &[path], kind.span());
                }
                None
            }
        }
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
        let memory = match (raw.memory, raw.capacity) {
            (Some(m), Some(c)) => {
                self.error(
                    c.span(),
                    format!(
                        "host `{}` gives both `memory` and `capacity`, which are the same key",
                        name.get_ref()
                    ),
                    "duplicate of `memory`",
                    Some("`capacity` is the older name of `memory`; keep one".into()),
                );
                Some(m.into_inner())
            }
            (m, c) => m.or(c).map(|v| v.into_inner()),
        };
        let cpus = raw.cpus.and_then(|c| {
            if *c.get_ref() == 0 {
                self.error(
                    c.span(),
                    format!("`cpus` of host `{}` must be at least 1", name.get_ref()),
                    "zero",
                    Some("the number of cores, such as 4".into()),
                );
            }
            Some(*c.get_ref()).filter(|&n| n > 0)
        });
        Some(HostSpec {
            name,
            capacity: memory,
            resume_time,
            hardware: vm::placement::HostHardware {
                cpus,
                cpu_speed: raw.cpu_speed,
                disk_rate: raw.disk_rate,
                memory: memory.map(|m| m.bytes()),
                link_rate: None,
            },
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
        let storage_keys = super::storage::StorageKeys {
            disk: raw.disk,
            storage: raw.storage,
            disk_write_rate: raw.disk_write_rate,
            context: raw.context,
        };
        let storage = self.storage(name.get_ref(), storage_keys);
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
                let path = format!("vm.{index}.workload");
                let kind = self.traffic(kind?, &w.traffic, &path, &what)?;
                Some(WorkloadSpec {
                    client: client?,
                    kind,
                })
            }
        };
        let vcpus = match raw.vcpus {
            Some(v) if *v.get_ref() == 0 => {
                self.error(
                    v.span(),
                    format!("`vcpus` of vm `{}` must be at least 1", name.get_ref()),
                    "zero",
                    None,
                );
                1
            }
            Some(v) => v.into_inner(),
            None => 1,
        };
        let cpu_utilization = self.fraction(raw.cpu_utilization, "cpu_utilization");
        Some(VmSpec {
            vcpus,
            cpu_utilization,
            bandwidth: raw.bandwidth.map_or(0, |r| r.bps()),
            name,
            host,
            memory: memory.into_inner(),
            page_size,
            dirty_rate: raw.dirty_rate.unwrap_or(0),
            hot_fraction,
            dirty_arrivals: raw.dirty_arrivals.unwrap_or_default(),
            state: raw.state.unwrap_or(ByteSize(8 << 20)),
            workload,
            address: raw.address,
            storage,
        })
    }
}
