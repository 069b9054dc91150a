//! Warnings about when things happen: starts and events after the end of the run, a link taken
//! down twice or brought up while up, traces that cannot be produced. Valid input, but rarely
//! what was meant.

use std::collections::BTreeMap;
use std::ops::Range;

use sim_core::SimTime;

use super::super::raw;
use super::super::set::TextSpans;
use super::super::spec::*;
use super::Validator;

/// The spans of the times the typed scenario keeps without them.
pub(super) struct RawTimes {
    /// Each `[[flow]]`'s table and its `start`, if given.
    flows: Vec<(Range<usize>, Option<Range<usize>>)>,
    /// Each `[[migration]]`'s `at`.
    migrations: Vec<Option<Range<usize>>>,
    /// Each `[[event]]`'s table.
    events: Vec<Range<usize>>,
    /// `[trace] openflow_pcap`.
    openflow_pcap: Option<Range<usize>>,
    /// `[orchestrator] period`.
    period: Option<Range<usize>>,
}

impl RawTimes {
    pub(super) fn of(raw: &raw::ScenarioTable, spans: &TextSpans) -> Self {
        RawTimes {
            flows: raw
                .flow
                .iter()
                .map(|f| (f.span(), f.get_ref().start.as_ref().map(|s| s.span())))
                .collect(),
            migrations: (0..raw.migration.len())
                .map(|i| spans.get(&format!("migration.{i}.at")))
                .collect(),
            events: raw.event.iter().map(|e| e.span()).collect(),
            openflow_pcap: raw.trace.openflow_pcap.as_ref().map(|p| p.span()),
            period: spans.get("orchestrator.period"),
        }
    }
}

/// A link name with its two nodes in order, so that `a-b` and `b-a` are one link.
fn link_key(link: &str) -> (String, String) {
    let (a, b) = link.split_once('-').unwrap_or((link, ""));
    if a <= b {
        (a.into(), b.into())
    } else {
        (b.into(), a.into())
    }
}

impl Validator<'_> {
    /// Warnings about the timeline. Only for a scenario without errors: with errors, some
    /// tables were dropped and indices no longer match.
    pub(super) fn timeline(&mut self, s: &Scenario, raw: &RawTimes) {
        if !self.problems.is_empty() {
            return;
        }
        let end = s.duration;
        let after_end = |t: SimTime| t >= end;
        for (f, (table, start)) in s.flows.iter().zip(&raw.flows) {
            if after_end(f.start) {
                self.warn(
                    start.clone().unwrap_or(table.clone()),
                    format!(
                        "flow `{}` starts at {}, at or after the end of the run ({end}); it sends nothing",
                        f.name.get_ref(),
                        f.start
                    ),
                    Some("lengthen `duration`, or start the flow earlier".into()),
                );
            }
        }
        for (m, at) in s.migrations.iter().zip(&raw.migrations) {
            if let (Some(t), Some(span)) = (m.at, at)
                && after_end(t)
            {
                self.warn(
                    span.clone(),
                    format!(
                        "the migration of vm `{}` is due at {t}, at or after the end of the run ({end}); it never starts",
                        m.vm.get_ref()
                    ),
                    Some("lengthen `duration`, or migrate earlier".into()),
                );
            }
        }
        // Migrations without `at` are triggered at period, 2 × period, … (src/migrate.rs).
        let periodic = s.migrations.iter().filter(|m| m.at.is_none()).count() as u64;
        if let (Some(period), Some(span)) = (s.orchestrator.period, &raw.period)
            && periodic > 0
        {
            let last = SimTime::from_ps(period.as_ps().saturating_mul(periodic));
            if after_end(period) {
                self.warn(
                    span.clone(),
                    format!(
                        "`period` is {period}, at or after the end of the run ({end}); migrations without `at` never start"
                    ),
                    None,
                );
            } else if after_end(last) {
                let started = (end.as_ps() - 1) / period.as_ps();
                self.warn(
                    span.clone(),
                    format!(
                        "{periodic} migrations without `at` are due every {period}, the last at {last}; only {started} are due before the end of the run ({end})"
                    ),
                    Some("lengthen `duration`, or shorten `period`".into()),
                );
            }
        }
        self.link_events(s, raw, end);
        if s.trace.openflow_pcap && s.controller.app == AppKind::None {
            self.warn(
                raw.openflow_pcap.clone().unwrap_or(0..0),
                "`openflow_pcap` is set, but `[controller] app` is \"none\": there is no control channel, and pcap/openflow.pcap is not written".into(),
                Some("set `app` to an OpenFlow app (`learning`, `shortest-path`, `dynamic-routing`, `path-flip`, `vcdn`), or remove `openflow_pcap`".into()),
            );
        }
        for entry in &s.trace.timeseries {
            if let Some(vm) = entry.get_ref().strip_prefix("migration:")
                && !s.migrations.iter().any(|m| m.vm.get_ref() == vm)
            {
                self.warn(
                    entry.span(),
                    format!(
                        "`timeseries` asks for `{}`, but no [[migration]] moves vm `{vm}`: its series would be empty and is not written",
                        entry.get_ref()
                    ),
                    Some("add a [[migration]] of the VM, or remove the entry".into()),
                );
            }
        }
    }

    /// A link or switch taken down while down, or brought up while up (both start up), in
    /// the order the run applies them: by time, then file order.
    fn link_events(&mut self, s: &Scenario, raw: &RawTimes, end: SimTime) {
        let mut order: Vec<usize> = (0..s.events.len()).collect();
        order.sort_by_key(|&i| s.events[i].at);
        let mut down: BTreeMap<(String, String), SimTime> = BTreeMap::new();
        for i in order {
            let (e, span) = (&s.events[i], raw.events[i].clone());
            let (what, name) = (e.target.key(), e.target.name().get_ref());
            let plural = if what == "link" { "links" } else { "switches" };
            if e.at >= end {
                self.warn(
                    span,
                    format!(
                        "the [[event]] on {what} `{name}` at {} comes at or after the end of the run ({end}); it has no effect",
                        e.at
                    ),
                    Some("lengthen `duration`, or move the event earlier".into()),
                );
                continue;
            }
            let key = match &e.target {
                EventTarget::Link(_) => link_key(name),
                // No link key starts with a NUL.
                EventTarget::Switch(_) => ("\0switch".to_string(), name.clone()),
            };
            match (e.state, down.get(&key).copied()) {
                (LinkState::Down, Some(since)) => self.warn(
                    span,
                    format!(
                        "{what} `{name}` is taken down at {}, but it has been down since {since}",
                        e.at
                    ),
                    Some(format!("a {what} comes back with `state = \"up\"`")),
                ),
                (LinkState::Down, None) => {
                    down.insert(key, e.at);
                }
                (LinkState::Up, None) => self.warn(
                    span,
                    format!(
                        "{what} `{name}` is brought up at {}, but it is not down ({plural} start up)",
                        e.at
                    ),
                    Some("take it down first with an [[event]] `state = \"down\"`".into()),
                ),
                (LinkState::Up, Some(_)) => {
                    down.remove(&key);
                }
            }
        }
    }
}
