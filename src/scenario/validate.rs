//! From the loose [`raw`](super::raw) tables to the typed [`spec`](super::spec): defaults,
//! ranges, per-kind keys, unique names, references between tables.
//!
//! Validation does not stop at the first problem: it collects every one it can find in a pass,
//! so that a user fixing a file sees them all at once. Each problem points at the value at fault
//! (or, for a missing key, at the table that lacks it).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use net_stack::FieldError;
use sim_core::SimTime;
use toml::Spanned;

use super::error::{ScenarioDiagnostic, ScenarioError, line_of, nearest, one_of};
use super::names::{MAX_NAME_LEN, OutputFile, check_name, collision, timeseries_files};
use super::raw;
use super::set::{TextSpans, fields_of};
use super::spec::*;
use super::warning::ScenarioWarning;

mod mip;
mod storage;
mod timeline;
mod topology;
mod traffic;
mod workload;

/// Collects problems over one text.
pub(crate) struct Validator<'a> {
    name: &'a str,
    text: &'a str,
    /// Where each value is written, for the problems crate configuration types report.
    spans: TextSpans,
    problems: Vec<ScenarioDiagnostic>,
    warnings: Vec<ScenarioWarning>,
    /// The scenario's folder, from which relative paths read during validation are taken
    /// (`None`: the directory netsim runs in).
    dir: Option<&'a Path>,
}

impl<'a> Validator<'a> {
    pub(crate) fn new(name: &'a str, text: &'a str) -> Self {
        Validator {
            name,
            text,
            spans: TextSpans::new(text),
            problems: Vec::new(),
            warnings: Vec::new(),
            dir: None,
        }
    }

    /// Takes relative paths from `dir`, the scenario's folder.
    pub(crate) fn in_dir(mut self, dir: Option<&'a Path>) -> Self {
        self.dir = dir;
        self
    }

    /// `file` as named in the scenario, taken from the scenario's folder if relative.
    fn scenario_relative(&self, file: &str) -> PathBuf {
        match self.dir {
            Some(dir) if Path::new(file).is_relative() => dir.join(file),
            _ => PathBuf::from(file),
        }
    }

    fn warn(&mut self, span: Range<usize>, message: String, help: Option<String>) {
        self.warnings.push(ScenarioWarning::at(span, message, help));
    }

    /// Reports `name` if it breaks the name rule ([`check_name`]); `what` says whose it is.
    fn name(&mut self, name: &Spanned<String>, what: &str) {
        if let Err(why) = check_name(name.get_ref()) {
            self.error(
                name.span(),
                format!("{what} {:?} is not a valid name: {why}", name.get_ref()),
                "invalid name",
                Some(format!(
                    "a name is 1 to {MAX_NAME_LEN} ASCII letters, digits, `_`, `-` or `.`, \
                     starting with a letter or a digit; netsim builds file names from it"
                )),
            );
        }
    }

    /// Reports what a crate's configuration `validate()` found, at the value of its field in
    /// the first of `tables` (dotted paths such as `"topology.bottleneck"`) that writes it, or
    /// at `fallback` when none does.
    fn field_error(&mut self, e: FieldError, tables: &[&str], fallback: Range<usize>) {
        let span = tables
            .iter()
            .find_map(|t| self.spans.get(&format!("{t}.{}", e.field)))
            .unwrap_or(fallback);
        self.error(span, e.message, e.label, e.help);
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
        let raw_times = timeline::RawTimes::of(&raw, &self.spans);
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
        let arp = raw.arp.filter(|a| {
            let problems = a.get_ref().problems();
            for e in &problems {
                self.field_error(e.clone(), &["arp"], a.span());
            }
            problems.is_empty()
        });
        let flows = raw
            .flow
            .into_iter()
            .enumerate()
            .filter_map(|(i, f)| self.flow(i, f))
            .collect::<Vec<_>>();
        for f in &flows {
            self.name(&f.name, "flow name");
        }
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
        for v in &vms {
            self.name(&v.name, "vm name");
        }
        self.unique("vm", vms.iter().map(|v| &v.name));
        self.workload_names(&flows, &vms);
        let orchestrator = self.orchestrator(raw.orchestrator);
        let vm_names: Vec<&str> = vms.iter().map(|v| v.name.get_ref().as_str()).collect();
        let raw_migrations = raw.migration.len();
        let migrations: Vec<MigrationSpec> = raw
            .migration
            .into_iter()
            .enumerate()
            .filter_map(|(i, m)| self.migration(i, m, &vm_names, orchestrator.period.is_some()))
            .collect();
        let end_after_migrations = match raw.end_after_migrations {
            Some(e) if *e.get_ref() && raw_migrations == 0 => {
                self.error(
                    e.span(),
                    "`end_after_migrations` is set, but there is no [[migration]]".into(),
                    "no migration to wait for",
                    Some("add a [[migration]] table, or remove the key".into()),
                );
                false
            }
            e => e.is_some_and(Spanned::into_inner),
        };
        let events = raw
            .event
            .into_iter()
            .enumerate()
            .filter_map(|(i, e)| self.event(i, e))
            .collect();
        // A VM's workload is the flow `<vm>-workload`.
        let workloads: Vec<String> = vms
            .iter()
            .filter(|v| v.workload.is_some())
            .map(|v| format!("{}-workload", v.name.get_ref()))
            .collect();
        let flow_names: Vec<&str> = flows
            .iter()
            .map(|f| f.name.get_ref().as_str())
            .chain(workloads.iter().map(String::as_str))
            .collect();
        let workloads_ = raw
            .workload
            .into_iter()
            .enumerate()
            .filter_map(|(i, w)| self.workload(i, w))
            .collect::<Vec<_>>();
        let trace = self.trace(raw.trace, &flow_names, &vm_names);
        let name = match raw.name {
            Some(n) => {
                self.name(&n, "the scenario's `name`");
                n.into_inner()
            }
            None => "netsim".into(),
        };
        let mut scenario = Scenario {
            name,
            seed: raw.seed.unwrap_or(1),
            duration,
            end_after_migrations,
            topology,
            controller,
            tcp,
            arp,
            flows,
            hosts,
            vms,
            orchestrator,
            migrations,
            events,
            workloads: workloads_,
            trace,
            network_migration: raw.network_migration,
            warnings: Vec::new(),
        };
        self.timeline(&scenario, &raw_times);
        scenario.warnings = std::mem::take(&mut self.warnings);
        scenario
    }

    /// A flow named like a VM's workload (`<vm>-workload`) would be two flows of one name in
    /// the results.
    fn workload_names(&mut self, flows: &[FlowSpec], vms: &[VmSpec]) {
        for v in vms.iter().filter(|v| v.workload.is_some()) {
            let workload = format!("{}-workload", v.name.get_ref());
            if let Some(f) = flows.iter().find(|f| *f.name.get_ref() == workload) {
                let line = line_of(self.text, v.name.span().start);
                self.error(
                    f.name.span(),
                    format!(
                        "flow `{workload}` has the name of the workload of vm `{}`",
                        v.name.get_ref()
                    ),
                    "taken by a workload",
                    Some(format!(
                        "a VM's workload appears in the results as the flow `<vm>-workload` \
                         (vm `{}` is on line {line}); rename the flow",
                        v.name.get_ref()
                    )),
                );
            }
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

    /// `[controller]`: openflow reads and checks it; each problem is placed at its key.
    fn controller(&mut self, controller: ControllerConfig) -> ControllerConfig {
        let problems = controller.problems();
        let extra = controller.extra_problems();
        if problems.is_empty() && extra.is_empty() {
            return controller;
        }
        for e in problems {
            self.field_error(e, &["controller"], 0..0);
        }
        for (i, e) in extra {
            let table = format!("controller.extra.{i}");
            let fallback = self.spans.get(&format!("{table}.name")).unwrap_or(0..0);
            self.field_error(e, &[&table], fallback);
        }
        ControllerConfig::default()
    }

    /// `[tcp]`: net-stack reads and checks it; each problem is placed at its key.
    fn tcp(&mut self, tcp: TcpConfig) -> TcpConfig {
        let fallback = self.tcp_fallback("tcp", 0..0);
        if self.tcp_checked(&tcp, "tcp", fallback) {
            tcp
        } else {
            TcpConfig::default()
        }
    }

    /// Where a `[tcp]`-like table's problem goes when its key is not written (a preset set
    /// it): at `sack`, else `preset`, else the table, else `fallback`.
    fn tcp_fallback(&self, path: &str, fallback: Range<usize>) -> Range<usize> {
        ["sack", "preset"]
            .iter()
            .find_map(|k| self.spans.get(&format!("{path}.{k}")))
            .or_else(|| self.spans.get(path))
            .unwrap_or(fallback)
    }

    /// Reports the problems of the TCP settings at `path` (`tcp` or a migration's
    /// `migration.N.tcp`); true if there are none. Besides net-stack's own checks: an explicit
    /// `ecn = false` beside `variant = "dctcp"`, which runs over ECN regardless (RFC 8257), and
    /// (a warning) an explicit `hystart = true` beside a variant that ignores it.
    fn tcp_checked(&mut self, tcp: &TcpConfig, path: &str, fallback: Range<usize>) -> bool {
        let problems = tcp.problems();
        let mut ok = problems.is_empty();
        for e in problems {
            self.field_error(e, &[path], fallback.clone());
        }
        let ignores_hystart = match tcp.variant {
            CcVariant::Reno => Some("reno"),
            CcVariant::NewReno => Some("newreno"),
            CcVariant::Dctcp => Some("dctcp"),
            CcVariant::Cubic | CcVariant::Custom(_) => None,
        };
        if tcp.hystart
            && let Some(variant) = ignores_hystart
            && let Some(at) = self.spans.get(&format!("{path}.hystart"))
        {
            self.warn(
                at,
                format!(
                    "`hystart = true` has no effect with `variant = \"{variant}\"`: netsim runs \
                     HyStart++ (RFC 9406) in CUBIC's slow start only"
                ),
                Some("remove `hystart`, or choose `variant = \"cubic\"`".into()),
            );
        }
        if tcp.variant == CcVariant::Dctcp
            && !tcp.ecn
            && let Some(at) = self.spans.get(&format!("{path}.ecn"))
        {
            ok = false;
            self.error(
                at,
                "`ecn = false` cannot turn ECN off under `variant = \"dctcp\"`: DCTCP runs over \
                 ECN (RFC 8257)"
                    .into(),
                "DCTCP needs ECN",
                Some("remove `ecn = false`, or choose another `variant`".into()),
            );
        }
        ok
    }

    /// Warns that a migration's `tcp` table (at `tcp_path`) starts from the defaults, not from
    /// `[tcp]`, when `[tcp]` writes keys the table does not repeat: they do not reach the
    /// migration's connections, which a user who tuned `[tcp]` may not expect.
    fn unrepeated_tcp_keys(&mut self, table: &str, tcp_path: &str, at: Range<usize>) {
        let keys: Vec<String> = fields_of::<net_stack::tcp::TcpTable>()
            .iter()
            .filter(|k| {
                self.spans.get(&format!("tcp.{k}")).is_some()
                    && self.spans.get(&format!("{tcp_path}.{k}")).is_none()
            })
            .map(|k| format!("`{k}`"))
            .collect();
        if keys.is_empty() {
            return;
        }
        let at = self.spans.get(tcp_path).unwrap_or(at);
        let verb = if keys.len() == 1 { "does" } else { "do" };
        self.warn(
            at,
            format!(
                "the `tcp` table of {table} starts from the defaults, not from [tcp], so [tcp]'s \
                 {} {verb} not apply to this migration's connections",
                keys.join(", ")
            ),
            Some("repeat in the migration's `tcp` table the [tcp] keys it should keep".into()),
        );
    }

    /// `[orchestrator]`: vm reads and checks it; each problem is placed at its key.
    fn orchestrator(&mut self, orchestrator: OrchestratorConfig) -> OrchestratorConfig {
        let problems = orchestrator.problems();
        if problems.is_empty() {
            return orchestrator;
        }
        for e in problems {
            self.field_error(e, &["orchestrator"], 0..0);
        }
        OrchestratorConfig::default()
    }

    fn migration(
        &mut self,
        index: usize,
        raw: Spanned<vm::MigrationTable>,
        vms: &[&str],
        periodic: bool,
    ) -> Option<MigrationSpec> {
        let span = raw.span();
        let raw = raw.into_inner();
        let table = format!("[[migration]] index {index}");
        let path = format!("migration.{index}");
        // vm reads the table with plain names; the names keep the place they are written at.
        let spanned = |key: &str, v: String| {
            let at = self.spans.get(&format!("{path}.{key}"));
            Spanned::new(at.unwrap_or_else(|| span.clone()), v)
        };
        let vm_name = raw.vm.clone().map(|v| spanned("vm", v));
        let to = raw.to.clone().map(|t| spanned("to", t));
        let via = raw.via.clone().map(|v| spanned("via", v));
        let home_agent = raw.home_agent.clone().map(|h| spanned("home_agent", h));
        let vm = self.missing(vm_name, "vm", &table, &span, "vm = \"vm1\"")?;
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
        let settings = raw.settings();
        let problems = settings.problems();
        let mut ok = problems.is_empty();
        let image = settings.algorithm == vm::MigrationAlgorithm::Image;
        match (&via, image) {
            (None, true) => {
                ok = false;
                self.error(
                    span.clone(),
                    format!("{table} uses `algorithm = \"image\"` but names no `via`"),
                    "missing `via`",
                    Some("`via` is the temporary server the image is copied through, such as `via = \"h4\"`".into()),
                );
            }
            (Some(v), false) => self.error(
                v.span(),
                format!(
                    "`via` applies to `algorithm = \"image\"` only; {table} is {}",
                    algorithm_name(settings.algorithm)
                ),
                "not an image migration",
                Some("remove `via`, or set `algorithm = \"image\"`".into()),
            ),
            _ => {}
        }
        if raw.restore_cycles_per_byte.is_some() && !image {
            let at = self.spans.get(&format!("{path}.restore_cycles_per_byte"));
            self.error(
                at.unwrap_or_else(|| span.clone()),
                format!("`restore_cycles_per_byte` applies to `algorithm = \"image\"` only; {table} is {}", algorithm_name(settings.algorithm)),
                "not an image migration",
                None,
            );
        }
        for e in problems {
            self.field_error(e, &[&path], span.clone());
        }
        let mip_keys = [
            ("home_agent", raw.home_agent.is_some()),
            ("tunnel", raw.tunnel.is_some()),
            ("reverse_tunnel", raw.reverse_tunnel.is_some()),
            ("clamp_mss", raw.clamp_mss.is_some()),
            ("lifetime", raw.lifetime.is_some()),
            ("reregister_margin", raw.reregister_margin.is_some()),
            ("tunnel_overhead", raw.tunnel_overhead.is_some()),
        ];
        if raw.mobility != Some(vm::Mobility::Mip)
            && let Some((key, _)) = mip_keys.iter().find(|k| k.1)
        {
            let at = self.spans.get(&format!("{path}.{key}"));
            self.error(
                at.unwrap_or_else(|| span.clone()),
                format!("`{key}` applies to `mobility = \"mip\"` only; {table} does not use it"),
                "not a Mobile IP migration",
                Some(format!("remove `{key}`, or set `mobility = \"mip\"`")),
            );
        }
        let mip = self.mip_keys(&raw, &path, &span);
        // `tcp`: net-stack checks it as it checks `[tcp]`; each problem is placed at its key.
        let tcp = raw.tcp.and_then(|t| {
            let tcp_path = format!("{path}.tcp");
            let fallback = self.tcp_fallback(&tcp_path, span.clone());
            self.unrepeated_tcp_keys(&table, &tcp_path, fallback.clone());
            self.tcp_checked(&t, &tcp_path, fallback).then_some(t)
        });
        let mobility = raw.mobility.map(|m| {
            let at = self.spans.get(&format!("{path}.mobility"));
            Spanned::new(at.unwrap_or_else(|| span.clone()), m)
        });
        Some(MigrationSpec {
            via,
            vm,
            to,
            mobility,
            convergence_delay: raw
                .convergence_delay
                .unwrap_or(vm::mobility::DEFAULT_CONVERGENCE_DELAY),
            home_agent,
            mip,
            nic: crate::scenario::spec::NicKeys {
                new_mac: raw.new_mac.unwrap_or_default(),
                gratuitous_arp: raw.gratuitous_arp.unwrap_or(true),
            },
            at: raw.at,
            settings: if ok {
                settings
            } else {
                MigrationSettings::default()
            },
            tcp,
        })
    }

    fn event(&mut self, index: usize, raw: Spanned<raw::EventTable>) -> Option<EventSpec> {
        let span = raw.span();
        let raw = raw.into_inner();
        let table = format!("[[event]] index {index}");
        let at = self.missing(raw.at, "at", &table, &span, "at = \"2s\"");
        let target = match (raw.link, raw.switch) {
            (Some(_), Some(switch)) => {
                self.error(
                    switch.span(),
                    format!("{table} has both `link` and `switch`; an event names one"),
                    "second target",
                    Some("write a second [[event]] for the other".into()),
                );
                None
            }
            (Some(link), None) => Some(EventTarget::Link(link)),
            (None, Some(switch)) => Some(EventTarget::Switch(switch)),
            (None, None) => self.missing(
                None,
                "link` or `switch",
                &table,
                &span,
                "link = \"a0-c0\"` or `switch = \"a0\"",
            ),
        };
        let state = self.missing(raw.state, "state", &table, &span, "state = \"down\"");
        let (at, target, state) = (at?.into_inner(), target?, state?);
        if let EventTarget::Link(link) = &target {
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
        }
        Some(EventSpec { at, target, state })
    }

    /// `link:<b>-<a>` after `link:<a>-<b>`: one link, whose series already covers both
    /// directions, would be written twice under two names.
    fn same_link<'t>(
        &mut self,
        links: &mut BTreeMap<(&'t str, &'t str), &'t Spanned<String>>,
        nodes: (&'t str, &'t str),
        entry: &'t Spanned<String>,
    ) {
        match links.get(&nodes) {
            // The same text twice is reported as two entries writing one file.
            Some(first) if first.get_ref() != entry.get_ref() => {
                let line = line_of(self.text, first.span().start);
                self.error(
                    entry.span(),
                    format!(
                        "`timeseries` entries \"{}\" (line {line}) and \"{}\" name the same link",
                        first.get_ref(),
                        entry.get_ref()
                    ),
                    "same link",
                    Some(
                        "a link's series records both directions (queue depth, utilisation and \
                         drops of each); list the link once"
                            .into(),
                    ),
                );
            }
            Some(_) => {}
            None => {
                links.insert(nodes, entry);
            }
        }
    }

    fn trace(&mut self, raw: raw::TraceTable, flows: &[&str], vms: &[&str]) -> TraceConfig {
        let d = TraceConfig::default();
        let timeseries = raw.timeseries.unwrap_or_default();
        let mut files = Vec::new();
        // Each link named so far, its two nodes in order, with the entry that named it.
        let mut links: BTreeMap<(&str, &str), &Spanned<String>> = BTreeMap::new();
        for entry in &timeseries {
            let name = entry.get_ref().as_str();
            files.extend(timeseries_files(name).into_iter().map(|path| OutputFile {
                path,
                from: format!(
                    "`timeseries` entry \"{name}\" (line {})",
                    line_of(self.text, entry.span().start)
                ),
            }));
            if let Some(link) = name.strip_prefix("link:") {
                // Whether both nodes exist is checked when the topology is built; that they are
                // names is checked here, since the file name is built from them.
                if let Some((a, b)) = link.split_once('-')
                    && let Some(why) = [a, b].iter().find_map(|n| check_name(n).err())
                {
                    self.error(
                        entry.span(),
                        format!("`{name}` does not name a link: {why}"),
                        "not `link:<a>-<b>`",
                        Some("write a link as `link:` and its two node names joined by `-`, e.g. \"link:sl-sr\"".into()),
                    );
                } else if !matches!(link.split_once('-'), Some((a, b)) if !a.is_empty() && !b.is_empty())
                {
                    self.error(
                        entry.span(),
                        format!("`{name}` does not name a link"),
                        "not `link:<a>-<b>`",
                        Some("write a link as `link:` and its two node names joined by `-`, e.g. \"link:sl-sr\"".into()),
                    );
                } else if let Some((a, b)) = link.split_once('-') {
                    self.same_link(&mut links, (a.min(b), a.max(b)), entry);
                }
                continue;
            }
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
                    None => "`timeseries` takes names of [[flow]] tables, `link:<a>-<b>` for a link, or `migration:<vm>` for a [[vm]]".into(),
                };
                self.error(entry.span(), format!("`timeseries` names `{name}`, which is neither a flow nor `migration:<vm>` of a defined VM"), "unknown flow or VM", Some(help));
            }
        }
        if let Some((first, second)) = collision(&files) {
            let span = timeseries
                .iter()
                .rev()
                .find(|e| timeseries_files(e.get_ref()).contains(&second.path))
                .map_or(0..0, |e| e.span());
            self.error(
                span,
                format!(
                    "{} and {} would both write `{}`",
                    first.from, second.from, second.path
                ),
                "same file",
                Some("each time series needs a file of its own: list an entry once, and do not name a flow `link-…` or `migration-…` after a link's or a VM's series".into()),
            );
        }
        TraceConfig {
            pcap: raw.pcap.unwrap_or_default(),
            openflow_pcap: raw
                .openflow_pcap
                .map_or(d.openflow_pcap, Spanned::into_inner),
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

/// The scenario spelling of a migration algorithm.
fn algorithm_name(a: vm::MigrationAlgorithm) -> &'static str {
    match a {
        vm::MigrationAlgorithm::Precopy => "precopy",
        vm::MigrationAlgorithm::StopAndCopy => "stop-and-copy",
        vm::MigrationAlgorithm::Postcopy => "postcopy",
        vm::MigrationAlgorithm::Image => "image",
    }
}
