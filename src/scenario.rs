//! Scenario files: TOML in, a typed and validated [`Scenario`] out.
//!
//! ```text
//! file text ──--set edits (set.rs)──▶ edited text ──serde (raw.rs)──▶ raw tables
//!     ──validate.rs──▶ Scenario (spec.rs) + ScenarioSource (for later errors)
//! ```
//!
//! [`load`] reads a file, applies `--set KEY=VALUE` overrides, and returns the [`Scenario`] with
//! the [`ScenarioSource`] it came from. Every error names the file, the line, the key and, where
//! one exists, the nearest valid alternative; the simulation builder reports problems only it can
//! see (an unknown node name, a disconnected topology) through [`ScenarioSource::error_at`] with
//! the spans kept in the scenario, so they look the same.
//!
//! # Scenario reference
//!
//! Every key is optional unless marked **required**. Unknown keys are errors. Quantities are
//! strings with units, and plain numbers are accepted where the unit is obvious:
//!
//! * **time** — `"25us"`, `"1.5s"`, `"200ms"`, `"10ns"`, `"3ps"`, `"2min"` (`"µs"` too); a plain
//!   number is seconds. Kept exactly, in integer picoseconds.
//! * **rate** — `"1Gbps"`, `"500Mbps"`, `"64kbps"`, `"1.5Gbps"` (decimal prefixes, bits per
//!   second); a plain number is bit/s. Never zero.
//! * **size** — `"200KB"` = 200 000 bytes, `"20MB"`, `"1GB"` (decimal prefixes); `"4KiB"`,
//!   `"4MiB"`, `"1GiB"` (binary prefixes); `"1500B"`; a plain number is bytes.
//! * **queue limit** — `"100p"` (packets) or a size such as `"150KB"` (bytes); a plain number is
//!   packets. Never zero.
//!
//! ## Top level
//!
//! | key | type | default | meaning |
//! | --- | --- | --- | --- |
//! | `name` | string | `"netsim"` | label for results and plots |
//! | `seed` | integer ≥ 0 | `1` | master seed; `--seed` overrides |
//! | `duration` | time > 0 | `"10s"` | simulated time to run |
//!
//! ## `[topology]` (**required**)
//!
//! | key | type | default | meaning |
//! | --- | --- | --- | --- |
//! | `kind` | **required** | — | `fat-tree`, `dumbbell`, `leaf-spine`, `linear`, `star`, `qin2017`, `arora2013` or `file` |
//! | `link` | table | see below | parameters of every link (a dumbbell's bottleneck excepted) |
//!
//! Each kind takes only its own keys; a key of another kind is an error.
//!
//! | kind | key | type | default | meaning |
//! | --- | --- | --- | --- | --- |
//! | `fat-tree` | `k` | even integer ≥ 2 | `4` | k pods, k³/4 hosts `h0…`, edge `e0…`, aggregation `a0…`, core `c0…` |
//! | `dumbbell` | `pairs` | integer ≥ 1 | `2` | senders `l0…`, receivers `r0…`, middle nodes `sl`, `sr` |
//! | `dumbbell` | `bottleneck` | table | = `link` | the `sl`–`sr` link; takes every key `link` takes, and keys not given come from `link` |
//! | `leaf-spine` | `leaves` | integer ≥ 1 | `4` | leaf switches |
//! | `leaf-spine` | `spines` | integer ≥ 1 | `2` | spine switches, each linked to every leaf |
//! | `leaf-spine` | `hosts_per_leaf` | integer ≥ 1 | `2` | hosts under each leaf |
//! | `linear` | `switches` | integer ≥ 1 | `3` | switches in a chain |
//! | `linear` | `hosts_per_switch` | integer ≥ 1 | `1` | hosts on each switch |
//! | `star` | `hosts` | integer ≥ 1 | `4` | hosts around one switch |
//! | `qin2017`, `arora2013` | — | | | the papers' fixed test beds; only `link` applies |
//! | `file` | `path` | **required** string | — | a TOML file of nodes and links (with per-link overrides); relative to the scenario file's folder |
//!
//! `link` and `bottleneck` (inline `{ … }` or `[topology.link]`):
//!
//! | key | type | default | meaning |
//! | --- | --- | --- | --- |
//! | `rate` | rate | `"1Gbps"` | transmission rate |
//! | `delay` | time | `"1us"` | one-way propagation delay |
//! | `queue` | queue limit | `"100p"` | drop-tail limit of each output queue |
//! | `loss` | number in [0, 1] | `0.0` | probability that a frame is lost, each direction independently |
//!
//! ## `[controller]`
//!
//! | key | type | default | meaning |
//! | --- | --- | --- | --- |
//! | `app` | `none`, `learning`, `shortest-path`, `dynamic-routing` | `"none"` | `none`: static shortest-path IP routing, no OpenFlow |
//! | `ecmp` | `off`, `per-flow`, `per-packet` | `"off"` | only with `app = "none"`: 5-tuple hash, or random per packet |
//! | `stats_interval` | time > 0 | `"5s"` | port-statistics polling period (`dynamic-routing`) |
//! | `channel_latency` | time | `"50us"` | one-way switch–controller latency |
//!
//! ## `[tcp]`
//!
//! | key | type | default | meaning |
//! | --- | --- | --- | --- |
//! | `variant` | `reno`, `newreno` | `"newreno"` | RFC 5681 or RFC 6582 |
//! | `mss` | integer 1–65495 | `1448` | maximum segment size [bytes] |
//! | `initial_cwnd` | integer ≥ 1 | `10` | initial window [segments] |
//! | `min_rto` | time > 0 | `"200ms"` | lower bound of the retransmission timeout |
//! | `delayed_ack` | boolean | `false` | acknowledge every second segment (RFC 1122) |
//! | `rcv_buf` | size, 1 B – 1 GiB | `"4MiB"` | receive buffer; window scaling (RFC 7323) above 64 KiB |
//! | `snd_buf` | size > 0 | `"4MiB"` | send buffer |
//! | `timestamps` | boolean | `false` | RFC 7323 timestamp option (12 bytes per segment) |
//!
//! ## `[[flow]]` (any number)
//!
//! | key | type | default | meaning |
//! | --- | --- | --- | --- |
//! | `name` | string | `"flow<index>"` | unique; used by results and `trace.timeseries` |
//! | `kind` | **required** | — | `tcp-bulk`, `udp-cbr`, `udp-onoff`, `ping` or `request-response` |
//! | `src` | **required** node name | — | sender (ping: the pinging node; request-response: the client) |
//! | `dst` | **required** node name | — | receiver; must differ from `src` |
//! | `start` | time | `"0s"` | when the source starts |
//! | `stop` | time > `start` | none | when the source stops sending (none: at the end of the run) |
//!
//! Each kind takes only its own keys; a key of another kind is an error.
//!
//! | kind | key | type | default | meaning |
//! | --- | --- | --- | --- | --- |
//! | `tcp-bulk` | `bytes` | size > 0 or `"unlimited"` | `"unlimited"` | bytes to send |
//! | `udp-cbr` | `rate` | **required** rate | — | UDP payload rate |
//! | `udp-cbr` | `packet_size` | size 1–65507 B | `1472` | UDP payload bytes per datagram |
//! | `udp-onoff` | `rate` | **required** rate | — | rate while on |
//! | `udp-onoff` | `packet_size` | size 1–65507 B | `1472` | UDP payload bytes per datagram |
//! | `udp-onoff` | `on` | time > 0 | `"1s"` | length of each on period |
//! | `udp-onoff` | `off` | time | `"1s"` | length of each off period |
//! | `ping` | `interval` | time > 0 | `"100ms"` | between echo requests |
//! | `ping` | `size` | size 0–65507 B | `56` | ICMP payload bytes |
//! | `request-response` | `request` | size > 0 | `"200B"` | request size |
//! | `request-response` | `response` | size > 0 | `"4KB"` | response size |
//! | `request-response` | `interval` | time > 0 | `"10ms"` | a request every interval over one persistent TCP connection, queued if the last answer has not arrived |
//!
//! ## `[[host]]` (any number)
//!
//! | key | type | default | meaning |
//! | --- | --- | --- | --- |
//! | `name` | **required** node name | — | a host of the topology; unique |
//! | `capacity` | size | unlimited | memory available to VMs (target choice, seed 004) |
//!
//! ## `[[vm]]` (any number)
//!
//! | key | type | default | meaning |
//! | --- | --- | --- | --- |
//! | `name` | **required** string | — | unique; the VM has its own IP and MAC |
//! | `host` | **required** node name | — | the host it starts on |
//! | `memory` | **required** size | — | a positive whole number of pages |
//! | `page_size` | size > 0 | `4096` | bytes per page |
//! | `dirty_rate` | integer | `0` | pages written per second |
//! | `hot_fraction` | number in [0, 1] | `0.0` | writable working set: share of pages taking most writes (0 = off) |
//! | `state` | size | `"8MiB"` | CPU and device state sent in the final round |
//! | `workload` | table | none | traffic between a client and the VM, see below |
//!
//! `workload = { kind = …, client = …, … }`: `kind` and `client` (a node name) are **required**;
//! the client sends requests, datagrams, echo requests or bulk data to the VM. It takes the same
//! per-kind keys, with the same defaults, as a `[[flow]]` of that kind.
//!
//! ## `[orchestrator]`
//!
//! | key | type | default | meaning |
//! | --- | --- | --- | --- |
//! | `order` | `machine-by-machine`, `round-robin` | `"machine-by-machine"` | order of migrations (seed 004) |
//! | `concurrent` | integer ≥ 1 | `1` | migrations in flight at once |
//! | `period` | time > 0 | none | periodic trigger for `[[migration]]` entries without `at` (seed 000) |
//!
//! ## `[[migration]]` (any number)
//!
//! | key | type | default | meaning |
//! | --- | --- | --- | --- |
//! | `vm` | **required** VM name | — | must name a `[[vm]]` |
//! | `to` | node name | none | target host; none: the orchestrator picks by capacity |
//! | `at` | time | none | start time; required unless `[orchestrator] period` is set |
//! | `algorithm` | `precopy`, `stop-and-copy`, `postcopy` | `"precopy"` | migration engine |
//! | `early_notification` | boolean | `false` | tell the controller before the switch-over (seed 002) |
//! | `max_rounds` | integer ≥ 1 | `30` | pre-copy: most rounds before stop-and-copy |
//! | `stop_threshold` | size | `"200KB"` | pre-copy: stop when less than this is dirty |
//! | `max_total_factor` | number ≥ 1 | `3.0` | pre-copy: stop after sending this many times the memory |
//!
//! ## `[[event]]` (any number)
//!
//! | key | type | default | meaning |
//! | --- | --- | --- | --- |
//! | `at` | **required** time | — | when |
//! | `link` | **required** string | — | a link named by its two nodes, `"a0-c0"` |
//! | `state` | **required** `down` or `up` | — | switches report PORT_STATUS to the controller |
//!
//! ## `[trace]`
//!
//! | key | type | default | meaning |
//! | --- | --- | --- | --- |
//! | `pcap` | `none`, `hosts`, `all`, or a list of node names | `"none"` | devices that get `pcap/<node>-<port>.pcap` |
//! | `openflow_pcap` | boolean | `false` | write the control channel to `pcap/openflow.pcap` |
//! | `snaplen` | integer | `0` | bytes captured per frame; 0 captures whole frames |
//! | `timeseries` | list of strings | `[]` | flow names, or `"migration:<vm>"`, whose cwnd/RTT/throughput to record; each must exist |
//! | `sample_interval` | time > 0 | `"1ms"` | time-series sampling period |
//!
//! # Overrides
//!
//! `--set KEY=VALUE` edits the text before it is read, so the result is exactly what the same
//! edit by hand would give:
//!
//! * KEY is a dotted path; a numeric segment indexes an array of tables:
//!   `--set topology.k=8`, `--set flow.0.rate=300Mbps`,
//!   `--set migration.0.early_notification=false`, `--set topology.link.delay=5us`.
//! * Missing tables are created (`--set trace.pcap=hosts` without a `[trace]`); missing array
//!   entries are not (`flow.5.rate` with two flows is an error).
//! * VALUE is parsed as a TOML value (`8`, `true`, `["h0", "e0"]`, `{ rate = "10Gbps" }`); if it
//!   does not parse, it is taken as a string (`300Mbps`, `hosts`).
//! * KEY must exist in the schema above; a typo is reported against the `--set` argument with
//!   the nearest valid key. A bad VALUE is reported like a bad value in the file, with a note
//!   naming the `--set` that wrote it.
//!
//! # Not checked here
//!
//! Whether node names (flow `src`/`dst`, VM `host`, workload `client`, migration `to`, event
//! `link`, host `name`, pcap nodes) exist in the topology: that is known only once the topology
//! is built. Each keeps its span for [`ScenarioSource::error_at`].

mod error;
mod locate;
mod raw;
mod set;
mod spec;
mod validate;

use std::ops::Range;
use std::path::Path;

pub use error::{ScenarioDiagnostic, ScenarioError};
pub use spec::*;

use locate::{explain, locate};
use set::Applied;

/// The text a scenario was read from, after `--set` edits, for errors found later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioSource {
    /// The file's path as given, or `"<bundled default>"`.
    pub name: String,
    /// The text after `--set` edits; every span in a [`Scenario`] points into it.
    pub text: String,
}

impl ScenarioSource {
    /// An error at `span` of this source, rendered like the loader's own errors.
    pub fn error_at(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> ScenarioError {
        ScenarioError::Invalid(Box::new(ScenarioDiagnostic::new(
            &self.name, &self.text, span, message, "here", help,
        )))
    }
}

/// Reads the scenario at `path`, applies `sets` (`KEY=VALUE`), and validates it.
///
/// A relative `[topology] path` (kind `file`) is resolved against the folder of `path`.
pub fn load(path: &Path, sets: &[String]) -> Result<(Scenario, ScenarioSource), ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::Read {
        path: path.to_path_buf(),
        reason: io_reason(&e),
        kind: e.kind(),
    })?;
    let (mut scenario, source) = load_str(&path.display().to_string(), &text, sets)?;
    if let TopologyShape::File { path: topo } = &mut scenario.topology.shape {
        if topo.get_ref().is_relative() {
            if let Some(dir) = path.parent() {
                *topo.get_mut() = dir.join(topo.get_ref());
            }
        }
    }
    Ok((scenario, source))
}

/// Reads a scenario from `text` (named `name` in errors), applies `sets`, and validates it.
pub fn load_str(
    name: &str,
    text: &str,
    sets: &[String],
) -> Result<(Scenario, ScenarioSource), ScenarioError> {
    let (edited, applied) = set::apply(name, text, sets)?;
    let source = ScenarioSource {
        name: name.to_string(),
        text: edited,
    };
    if let Err(e) = toml_edit::Document::parse(source.text.as_str()) {
        let span = e.span().unwrap_or(0..0);
        let message = format!("not valid TOML: {}", e.message().trim_end());
        return Err(ScenarioError::Syntax(Box::new(ScenarioDiagnostic::new(
            name,
            &source.text,
            span,
            message,
            "here",
            None,
        ))));
    }
    let raw: raw::ScenarioTable = match toml::from_str(&source.text) {
        Ok(raw) => raw,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let at = locate(&source.text, span.start);
            let ex = explain(e.message(), at.as_ref());
            let d =
                ScenarioDiagnostic::new(name, &source.text, span, ex.message, ex.label, ex.help);
            return Err(annotate(ScenarioError::Invalid(Box::new(d)), &applied));
        }
    };
    let mut validator = validate::Validator::new(name, &source.text);
    let scenario = validator.scenario(raw);
    let scenario = validator
        .finish(scenario)
        .map_err(|e| annotate(e, &applied))?;
    Ok((scenario, source))
}

/// "No such file or directory", without the " (os error 2)" suffix.
fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Adds "comes from `--set …`" to the help of every problem whose span lies in a value an
/// override wrote, since the user will not find that text in their file.
fn annotate(mut e: ScenarioError, applied: &[Applied]) -> ScenarioError {
    fn mark(d: &mut ScenarioDiagnostic, applied: &[Applied]) {
        let start = d.span.offset();
        let end = start + d.span.len();
        for a in applied {
            let Some(s) = &a.span else { continue };
            if start < s.end.max(s.start + 1) && s.start < end.max(start + 1) {
                let note = format!("this value comes from `--set {}`", a.arg);
                d.help = Some(match d.help.take() {
                    Some(h) => format!("{h}\n{note}"),
                    None => note,
                });
                break;
            }
        }
        for r in &mut d.related {
            mark(r, applied);
        }
    }
    if let ScenarioError::Invalid(d) = &mut e {
        mark(d, applied);
    }
    e
}
