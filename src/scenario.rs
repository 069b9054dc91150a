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
//! The reference for the file format — every table and key with its type, default, bound and
//! meaning, `--set`, names, and the topology file format — follows. It is docs/scenario.md,
//! included here; a unit test (`reference.rs`) checks it against the loader's serde structs.
//!
#![doc = include_str!("../docs/scenario.md")]

mod error;
mod locate;
pub mod names;
mod raw;
mod rebase;
#[cfg(test)]
mod reference;
mod set;
mod spec;
mod validate;
mod warning;

use std::ops::Range;
use std::path::Path;

pub(crate) use error::nearest as nearest_name;
pub use error::{ScenarioDiagnostic, ScenarioError};
pub use spec::*;
pub use warning::{ScenarioWarning, WarningDiagnostic, WarningRecord};

use locate::{explain_within, locate};
use set::Applied;

/// The text a scenario was read from, after `--set` edits, for errors found later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioSource {
    /// The file's path as given, or `"<bundled default>"`.
    pub name: String,
    /// The text after `--set` edits; every span in a [`Scenario`] points into it.
    pub text: String,
    /// Where each `--set` override landed, so that an error found later (an unknown node, say)
    /// can say that its value came from the command line.
    pub(crate) applied: Vec<Applied>,
    /// The map back to the file as written, when `--set` changed the text.
    pub(crate) rebase: Option<rebase::Rebase>,
}

/// Where a span of [`ScenarioSource::text`] is shown to the user.
pub(crate) enum Shown<'a> {
    /// In the file as written, at this span.
    File(&'a str, Range<usize>),
    /// In the edited text, as an override wrote it: the `--set` argument that wrote it.
    Set(&'a str),
    /// In the edited text (no `--set`, or lines the diff could not match).
    Edited,
}

impl ScenarioSource {
    /// Where `span` (of [`Self::text`]) is best shown: in a value an override wrote, with a
    /// note naming it; else in the user's file, where the edits left its lines as written.
    pub(crate) fn shown(&self, span: &Range<usize>) -> Shown<'_> {
        let (start, end) = (span.start, span.end);
        for a in &self.applied {
            let Some(s) = &a.span else { continue };
            if start < s.end.max(s.start + 1) && s.start < end.max(start + 1) {
                return Shown::Set(&a.arg);
            }
        }
        match self.rebase.as_ref().and_then(|r| Some((r, r.span(span)?))) {
            Some((r, at)) => Shown::File(&r.original, at),
            None => Shown::Edited,
        }
    }

    /// The span of the value at a dotted key path (`"controller.stats_interval"`), if the text
    /// has it.
    pub fn span_of_key(&self, path: &str) -> Option<Range<usize>> {
        set::TextSpans::new(&self.text).get(path)
    }

    /// An error at `span` of this source, rendered like the loader's own errors.
    pub fn error_at(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> ScenarioError {
        let e = ScenarioError::Invalid(Box::new(ScenarioDiagnostic::new(
            &self.name, &self.text, span, message, "here", help,
        )));
        annotate(e, self)
    }
}

/// Reads the scenario at `path`, applies `sets` (`KEY=VALUE`), and validates it.
///
/// Relative paths in it (`[topology] path`, a workload's `sizes_file`) are resolved against
/// the folder of `path`.
pub fn load(path: &Path, sets: &[String]) -> Result<(Scenario, ScenarioSource), ScenarioError> {
    let text = crate::limits::read_bounded(path).map_err(|e| ScenarioError::Read {
        path: path.to_path_buf(),
        reason: io_reason(&e),
        kind: e.kind(),
        hint: bare_name_hint(path, e.kind()),
    })?;
    load_str_in(&path.display().to_string(), &text, sets, path.parent())
}

/// [`load_str`] for a scenario that lives in the folder `dir`: the relative paths it names
/// (`[topology] path`, a workload's `sizes_file`) are taken from `dir`, as [`load`] takes them
/// from the scenario file's folder.
pub fn load_str_in(
    name: &str,
    text: &str,
    sets: &[String],
    dir: Option<&Path>,
) -> Result<(Scenario, ScenarioSource), ScenarioError> {
    let (mut scenario, source) = load_str_with(name, text, sets, dir)?;
    if let Some(topo) = scenario.topology.shape.file_path_mut()
        && topo.get_ref().is_relative()
        && let Some(dir) = dir
    {
        *topo.get_mut() = dir.join(topo.get_ref());
    }
    Ok((scenario, source))
}

/// For a missing `path` that is a bare name (no folder, no `.toml`) — the form that names a
/// bundled example — says so, with the file `NAME.toml` when it exists, else the nearest
/// example's name when it looks like a typo.
fn bare_name_hint(path: &Path, kind: std::io::ErrorKind) -> Option<String> {
    let name = path.to_str()?;
    let bare = !name.contains(['/', '\\']) && !name.ends_with(".toml");
    if !bare || kind != std::io::ErrorKind::NotFound {
        return None;
    }
    let with_toml = path.with_extension("toml");
    if with_toml.is_file() {
        return Some(format!(
            "no file and no bundled example is called `{name}`; did you mean the file `{}`?",
            with_toml.display()
        ));
    }
    let names = crate::examples::EXAMPLES.iter().map(|e| e.name);
    Some(match error::nearest(name, names) {
        Some(near) => format!(
            "no file and no bundled example is called `{name}`; did you mean `{near}`? \
             (`netsim examples` lists them)"
        ),
        None => format!(
            "no file and no bundled example is called `{name}`; `netsim examples` lists them"
        ),
    })
}

/// Reads a scenario from `text` (named `name` in errors), applies `sets`, and validates it.
/// Relative paths in it are taken from the directory netsim runs in ([`load_str_in`] takes
/// them from the scenario's folder).
pub fn load_str(
    name: &str,
    text: &str,
    sets: &[String],
) -> Result<(Scenario, ScenarioSource), ScenarioError> {
    load_str_with(name, text, sets, None)
}

fn load_str_with(
    name: &str,
    text: &str,
    sets: &[String],
    dir: Option<&Path>,
) -> Result<(Scenario, ScenarioSource), ScenarioError> {
    let (edited, applied) = set::apply(name, text, sets)?;
    let source = ScenarioSource {
        name: name.to_string(),
        rebase: rebase::Rebase::new(text, &edited),
        text: edited,
        applied,
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
            let kind = at.as_ref().and_then(|l| flow_kind_at(&source.text, l));
            let within = |key: &str| {
                kind.is_none_or(|k| {
                    <raw::FlowTable as raw::OwnKeys>::KEYS.contains(&key) || k.keys().contains(&key)
                })
            };
            let message =
                locate::enum_message::<raw::ScenarioTable>(&source.text, span.clone(), e.message());
            let ex = explain_within(&message, at.as_ref(), Some(&within));
            let d =
                ScenarioDiagnostic::new(name, &source.text, span, ex.message, ex.label, ex.help);
            return Err(annotate(ScenarioError::Invalid(Box::new(d)), &source));
        }
    };
    let mut validator = validate::Validator::new(name, &source.text).in_dir(dir);
    let scenario = validator.scenario(raw);
    let scenario = validator
        .finish(scenario)
        .map_err(|e| annotate(e, &source))?;
    Ok((scenario, source))
}

/// The kind of the `[[flow]]` that the key at `at` belongs to, if it is a flow's own key and the
/// flow names a kind netsim knows.
fn flow_kind_at(text: &str, at: &locate::Located) -> Option<spec::FlowKind> {
    use locate::Seg;
    let [Seg::Key(table), Seg::Index(i), Seg::Key(_)] = at.path.as_slice() else {
        return None;
    };
    if table != "flow" {
        return None;
    }
    let doc = text.parse::<toml_edit::DocumentMut>().ok()?;
    let kind = doc
        .get("flow")?
        .as_array_of_tables()?
        .get(*i)?
        .get("kind")?
        .as_str()?;
    spec::FlowKind::from_name(kind)
}

/// "No such file or directory", without the " (os error 2)" suffix.
fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// The help line of a problem in a value `--set ARG` wrote.
pub(crate) fn set_note(arg: &str) -> String {
    format!("this value comes from `--set {arg}`")
}

/// Shows every problem where the user can find it ([`ScenarioSource::shown`]): one in a value an
/// override wrote gets "comes from `--set …`" in its help, since that text is in no file; any
/// other is moved back into the file as written, so its line is the file's.
fn annotate(mut e: ScenarioError, source: &ScenarioSource) -> ScenarioError {
    fn mark(d: &mut ScenarioDiagnostic, source: &ScenarioSource) {
        let start = d.span.offset();
        let span = start..start + d.span.len();
        if d.source_code.inner() == &source.text {
            match source.shown(&span) {
                Shown::Set(arg) => {
                    let note = set_note(arg);
                    d.help = Some(match d.help.take() {
                        Some(h) => format!("{h}\n{note}"),
                        None => note,
                    });
                }
                Shown::File(text, at) => {
                    d.source_code =
                        miette::NamedSource::new(d.source_code.name(), text.to_string())
                            .with_language("TOML");
                    d.span = at.into();
                }
                Shown::Edited => {}
            }
        }
        for r in &mut d.related {
            mark(r, source);
        }
    }
    if let ScenarioError::Invalid(d) = &mut e {
        mark(d, source);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::{ByteSize, DataRate, QueueLimit, SimTime};
    use toml::Spanned;

    /// The DESIGN.md example, with one entry of every table and every flow kind.
    const FULL: &str = r#"
name = "fat-tree-migration"
seed = 7
duration = "12s"

[topology]
kind = "fat-tree"
k = 4
link = { rate = "10Gbps", delay = "2us", queue = "150KB", loss = 0.001 }

[controller]
app = "dynamic-routing"
stats_interval = "2s"
channel_latency = "100us"
switch_timing = "ofswitch13"
processing_time = "normal(100us, 20us)"

[tcp]
variant = "reno"
mss = 1460
initial_cwnd = 4
min_rto = "1s"
delayed_ack = true
rcv_buf = "64KiB"
snd_buf = "1MiB"
timestamps = true

[[flow]]
name = "bg0"
kind = "tcp-bulk"
src = "h0"
dst = "h8"
start = "0s"
bytes = "unlimited"

[[flow]]
name = "bulk50"
kind = "tcp-bulk"
src = "h1"
dst = "h9"
start = "1.5s"
bytes = "50MB"

[[flow]]
name = "cbr"
kind = "udp-cbr"
src = "h2"
dst = "h10"
rate = "600Mbps"
packet_size = 1472
stop = "5s"

[[flow]]
name = "onoff"
kind = "udp-onoff"
src = "h3"
dst = "h11"
rate = "100Mbps"
packet_size = 1000
on = "500ms"
off = "250ms"

[[flow]]
name = "ping"
kind = "ping"
src = "h4"
dst = "h12"
interval = "100ms"
size = 56

[[flow]]
name = "rr"
kind = "request-response"
src = "h5"
dst = "h13"
request = "200B"
response = "4KB"
interval = "10ms"

[[host]]
name = "h1"
capacity = "64GiB"

[[vm]]
name = "vm1"
host = "h4"
memory = "1GiB"
page_size = 4096
dirty_rate = 5000
hot_fraction = 0.1
state = "8MiB"
workload = { kind = "request-response", client = "h2", request = "200B", response = "4KB", interval = "10ms" }

[[vm]]
name = "vm2"
host = "h6"
memory = "512MiB"
workload = { kind = "udp-cbr", client = "h2", rate = "10Mbps", packet_size = 1000 }

[orchestrator]
order = "round-robin"
concurrent = 2
period = "10s"

[[migration]]
vm = "vm1"
to = "h1"
at = "1s"
algorithm = "precopy"
early_notification = true
max_rounds = 20
stop_threshold = "100KB"
max_total_factor = 2.5
dirty_rate_stop = false

[[migration]]
vm = "vm2"
algorithm = "stop-and-copy"

[[event]]
at = "2s"
link = "a0-c0"
state = "down"

[trace]
pcap = ["h0", "e0"]
openflow_pcap = true
timeseries = ["bg0", "migration:vm1"]
sample_interval = "5ms"
snaplen = 128
"#;

    fn sp<T>(v: T) -> Spanned<T> {
        Spanned::new(0..0, v)
    }

    fn s(v: &str) -> Spanned<String> {
        sp(v.to_string())
    }

    fn t(v: &str) -> SimTime {
        v.parse().unwrap()
    }

    // Per-kind values, each kind's other keys at their defaults, so that a key added to a
    // net-stack application's parameters needs no change here.
    fn bulk(bytes: Option<u64>) -> Traffic {
        Traffic::TcpBulk(BulkParams { bytes })
    }

    fn cbr(rate: DataRate, packet_size: u32) -> Traffic {
        Traffic::UdpCbr(OnOffParams {
            rate,
            packet_size,
            on: None,
            off: SimTime::ZERO,
        })
    }

    fn onoff(rate: DataRate, packet_size: u32, on: SimTime, off: SimTime) -> Traffic {
        Traffic::UdpOnOff(OnOffParams {
            rate,
            packet_size,
            on: Some(on),
            off,
        })
    }

    #[allow(clippy::needless_update)] // the defaults fill keys added later
    fn ping(interval: SimTime, size: u32) -> Traffic {
        Traffic::Ping(PingParams {
            interval,
            size,
            ..PingParams::default()
        })
    }

    #[allow(clippy::needless_update)] // the defaults fill keys added later
    fn rr(request: u64, response: u64, interval: SimTime) -> Traffic {
        Traffic::RequestResponse(RequestParams {
            request,
            response,
            interval,
            ..RequestParams::default()
        })
    }

    fn render(e: &ScenarioError) -> String {
        let mut out = String::new();
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(120)
            .render_report(&mut out, e)
            .expect("rendering never fails");
        out
    }

    fn load_ok(text: &str, sets: &[&str]) -> Scenario {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        match load_str("test.toml", text, &sets) {
            Ok((s, _)) => s,
            Err(e) => panic!("expected a valid scenario, got:\n{}", render(&e)),
        }
    }

    /// Every table and key of the contract parses to the value written (spans aside: `Spanned`
    /// compares values only).
    #[test]
    fn full_example_parses_to_expected_values() {
        let sc = load_ok(FULL, &[]);
        assert_eq!(sc.name, "fat-tree-migration", "name");
        assert_eq!(sc.seed, 7, "seed");
        assert_eq!(sc.duration, t("12s"), "duration");
        assert_eq!(
            sc.topology.shape,
            TopologyShape::FatTree { k: sp(4) },
            "fat-tree k"
        );
        let link = LinkConfig {
            rate: DataRate::gbps(10),
            delay: t("2us"),
            queue: QueueLimit::Bytes(150_000),
            loss: 0.001,
            aqm: Default::default(),
        };
        assert_eq!(sc.topology.link, link, "inline link table");
        assert_eq!(
            sc.controller,
            ControllerConfig::from(openflow::config::ControllerTable {
                app: Some(AppKind::DynamicRouting),
                ecmp: Some(Ecmp::Off),
                stats_interval: Some(t("2s")),
                channel_latency: Some(t("100us")),
                switch_timing: Some(SwitchTimingPreset::Ofswitch13),
                processing_time: Some(openflow::timing::Delay::Normal {
                    mean: t("100us"),
                    sd: t("20us"),
                }),
                ..Default::default()
            }),
            "controller"
        );
        assert_eq!(
            sc.tcp,
            TcpConfig {
                variant: CcVariant::Reno,
                mss: 1460,
                initial_cwnd: 4,
                min_rto: t("1s"),
                delayed_ack: true,
                rcv_buf: 64 << 10,
                snd_buf: 1 << 20,
                timestamps: true,
                restart_after_idle: false,
                ..TcpConfig::default()
            },
            "tcp"
        );
        let flow =
            |name: &str, src: &str, dst: &str, start: &str, stop: Option<&str>, kind| FlowSpec {
                name: s(name),
                src: s(src),
                dst: s(dst),
                start: t(start),
                stop: stop.map(t),
                kind,
            };
        let expected = vec![
            flow("bg0", "h0", "h8", "0s", None, bulk(None)),
            flow("bulk50", "h1", "h9", "1.5s", None, bulk(Some(50_000_000))),
            flow(
                "cbr",
                "h2",
                "h10",
                "0s",
                Some("5s"),
                cbr(DataRate::mbps(600), 1472),
            ),
            flow(
                "onoff",
                "h3",
                "h11",
                "0s",
                None,
                onoff(DataRate::mbps(100), 1000, t("500ms"), t("250ms")),
            ),
            flow("ping", "h4", "h12", "0s", None, ping(t("100ms"), 56)),
            flow("rr", "h5", "h13", "0s", None, rr(200, 4000, t("10ms"))),
        ];
        assert_eq!(sc.flows, expected, "flows in file order, one per kind");
        assert_eq!(
            sc.hosts,
            vec![HostSpec {
                name: s("h1"),
                capacity: Some(ByteSize(64 << 30)),
                resume_time: SimTime::ZERO,
                hardware: vm::placement::HostHardware {
                    memory: Some(64 << 30),
                    ..Default::default()
                },
            }],
            "hosts"
        );
        assert_eq!(
            sc.vms,
            vec![
                VmSpec {
                    name: s("vm1"),
                    host: s("h4"),
                    memory: ByteSize(1 << 30),
                    page_size: 4096,
                    dirty_rate: 5000,
                    hot_fraction: 0.1,
                    dirty_arrivals: vm::DirtyArrivals::Even,
                    state: ByteSize(8 << 20),
                    vcpus: 1,
                    cpu_utilization: 0.0,
                    bandwidth: 0,
                    workload: Some(WorkloadSpec {
                        client: s("h2"),
                        kind: rr(200, 4000, t("10ms")),
                    }),
                    address: None,
                    storage: None,
                },
                VmSpec {
                    name: s("vm2"),
                    host: s("h6"),
                    memory: ByteSize(512 << 20),
                    page_size: 4096,
                    dirty_rate: 0,
                    hot_fraction: 0.0,
                    dirty_arrivals: vm::DirtyArrivals::Even,
                    state: ByteSize(8 << 20),
                    vcpus: 1,
                    cpu_utilization: 0.0,
                    bandwidth: 0,
                    workload: Some(WorkloadSpec {
                        client: s("h2"),
                        kind: cbr(DataRate::mbps(10), 1000),
                    }),
                    address: None,
                    storage: None,
                },
            ],
            "vms with workloads"
        );
        assert_eq!(
            sc.orchestrator,
            OrchestratorConfig {
                order: Order::RoundRobin,
                concurrent: 2,
                period: Some(t("10s")),
                ..OrchestratorConfig::default()
            },
            "orchestrator"
        );
        assert_eq!(
            sc.migrations,
            vec![
                MigrationSpec {
                    vm: s("vm1"),
                    to: Some(s("h1")),
                    at: Some(t("1s")),
                    settings: MigrationSettings {
                        algorithm: MigrationAlgorithm::Precopy,
                        early_notification: true,
                        max_rounds: 20,
                        stop_threshold: ByteSize(100_000),
                        max_total_factor: 2.5,
                        dirty_rate_stop: false,
                        restore_cycles_per_byte: 0,
                        transport: vm::channel::MigrationTransport::Tcp,
                        prepare_time: SimTime::ZERO,
                    },
                    mobility: None,
                    convergence_delay: SimTime::from_secs(1),
                    home_agent: None,
                    mip: MipKeys::default(),
                    nic: Default::default(),
                    via: None,
                    tcp: None,
                },
                MigrationSpec {
                    vm: s("vm2"),
                    to: None,
                    at: None,
                    settings: MigrationSettings {
                        algorithm: MigrationAlgorithm::StopAndCopy,
                        early_notification: false,
                        max_rounds: 30,
                        stop_threshold: ByteSize(200_000),
                        max_total_factor: 3.0,
                        dirty_rate_stop: true,
                        restore_cycles_per_byte: 0,
                        transport: vm::channel::MigrationTransport::Tcp,
                        prepare_time: SimTime::ZERO,
                    },
                    mobility: None,
                    convergence_delay: SimTime::from_secs(1),
                    home_agent: None,
                    mip: MipKeys::default(),
                    nic: Default::default(),
                    via: None,
                    tcp: None,
                },
            ],
            "migrations, the second with defaults"
        );
        assert_eq!(
            sc.events,
            vec![EventSpec {
                at: t("2s"),
                target: EventTarget::Link(s("a0-c0")),
                state: LinkState::Down
            }],
            "events"
        );
        assert_eq!(
            sc.trace,
            TraceConfig {
                pcap: PcapSelection::Nodes(vec![s("h0"), s("e0")]),
                openflow_pcap: true,
                timeseries: vec![s("bg0"), s("migration:vm1")],
                sample_interval: t("5ms"),
                snaplen: 128,
            },
            "trace"
        );
    }

    /// Node references keep spans that point at their text, so later errors can underline them.
    #[test]
    fn node_references_keep_their_spans() {
        let (sc, src) = load_str("full.toml", FULL, &[]).expect("valid");
        let at = |r: std::ops::Range<usize>| &src.text[r];
        assert_eq!(at(sc.flows[0].src.span()), "\"h0\"", "flow src span");
        assert_eq!(at(sc.vms[0].host.span()), "\"h4\"", "vm host span");
        let Some(w) = &sc.vms[0].workload else {
            panic!("workload")
        };
        assert_eq!(at(w.client.span()), "\"h2\"", "workload client span");
        assert_eq!(
            at(sc.migrations[0].to.as_ref().unwrap().span()),
            "\"h1\"",
            "migration to span"
        );
        assert_eq!(
            at(sc.events[0].target.name().span()),
            "\"a0-c0\"",
            "event link span"
        );
        assert_eq!(
            at(sc.topology.span.clone()),
            "\"fat-tree\"",
            "topology kind span"
        );
        let PcapSelection::Nodes(nodes) = &sc.trace.pcap else {
            panic!("pcap list")
        };
        assert_eq!(at(nodes[1].span()), "\"e0\"", "pcap node span");
        let err = src.error_at(
            sc.flows[0].dst.span(),
            "unknown node `h8`",
            Some("fat-tree k=4 has hosts h0…h15".into()),
        );
        let out = render(&err);
        assert!(
            out.contains("full.toml:32:7"),
            "error_at names file, line, column:\n{out}"
        );
        assert!(
            out.contains("unknown node `h8`") && out.contains("h0…h15"),
            "message and help:\n{out}"
        );
    }

    /// A scenario with only a topology gets every documented default.
    #[test]
    fn defaults_are_as_documented() {
        let sc = load_ok("[topology]\nkind = \"dumbbell\"\n", &[]);
        assert_eq!(sc.name, "netsim", "name");
        assert_eq!(sc.seed, 1, "seed");
        assert_eq!(sc.duration, t("10s"), "duration");
        let link = LinkConfig {
            rate: DataRate::gbps(1),
            delay: t("1us"),
            queue: QueueLimit::Packets(100),
            loss: 0.0,
            aqm: Default::default(),
        };
        assert_eq!(sc.topology.link, link, "link defaults");
        assert_eq!(
            sc.topology.shape,
            TopologyShape::Dumbbell {
                pairs: 2,
                bottleneck: link
            },
            "dumbbell defaults"
        );
        let c = &sc.controller;
        assert_eq!(
            (
                c.app,
                c.apps.as_slice(),
                c.ecmp,
                c.stats_interval,
                c.channel_latency
            ),
            (AppKind::None, &[][..], Ecmp::Off, t("5s"), t("50us")),
            "controller defaults"
        );
        assert_eq!(
            (
                c.switch_timing,
                c.processing_time,
                c.name.as_str(),
                c.extra.len()
            ),
            (
                SwitchTimingPreset::Seed000,
                openflow::timing::SEED000_STAGE,
                "c0",
                0
            ),
            "controller defaults"
        );
        assert_eq!(
            sc.tcp,
            TcpConfig {
                variant: CcVariant::NewReno,
                mss: 1448,
                initial_cwnd: 10,
                min_rto: t("200ms"),
                delayed_ack: false,
                rcv_buf: 4 << 20,
                snd_buf: 4 << 20,
                timestamps: false,
                restart_after_idle: false,
                ..TcpConfig::default()
            },
            "tcp defaults"
        );
        assert_eq!(
            sc.orchestrator,
            OrchestratorConfig {
                order: Order::MachineByMachine,
                concurrent: 1,
                period: None,
                ..OrchestratorConfig::default()
            },
            "orchestrator defaults"
        );
        assert_eq!(
            sc.trace,
            TraceConfig {
                pcap: PcapSelection::None,
                openflow_pcap: false,
                timeseries: vec![],
                sample_interval: t("1ms"),
                snaplen: 0
            },
            "trace defaults"
        );
        assert!(
            sc.flows.is_empty()
                && sc.hosts.is_empty()
                && sc.vms.is_empty()
                && sc.migrations.is_empty()
                && sc.events.is_empty(),
            "no entries"
        );
        assert_eq!(
            sc.controller,
            ControllerConfig::default(),
            "Default impl agrees"
        );
        assert_eq!(sc.tcp, TcpConfig::default(), "Default impl agrees");
        assert_eq!(sc.trace, TraceConfig::default(), "Default impl agrees");
    }

    /// Per-entry defaults: flow start/bytes/name, per-kind keys, vm and migration keys, and each
    /// topology kind's counts.
    #[test]
    fn entry_defaults_are_as_documented() {
        let text = r#"
[topology]
kind = "leaf-spine"
[[flow]]
kind = "tcp-bulk"
src = "h0"
dst = "h1"
[[flow]]
kind = "udp-cbr"
src = "h0"
dst = "h1"
rate = "1Mbps"
[[flow]]
kind = "udp-onoff"
src = "h0"
dst = "h1"
rate = "1Mbps"
[[flow]]
kind = "ping"
src = "h0"
dst = "h1"
[[flow]]
kind = "request-response"
src = "h0"
dst = "h1"
[[vm]]
name = "v"
host = "h0"
memory = "1GiB"
[[migration]]
vm = "v"
at = "1s"
"#;
        let sc = load_ok(text, &[]);
        assert_eq!(
            sc.topology.shape,
            TopologyShape::LeafSpine {
                leaves: 4,
                spines: 2,
                hosts_per_leaf: 2
            },
            "leaf-spine defaults"
        );
        let kinds: Vec<Traffic> = sc.flows.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            vec![
                bulk(None),
                cbr(DataRate::mbps(1), 1472),
                onoff(DataRate::mbps(1), 1472, t("1s"), t("1s")),
                ping(t("100ms"), 56),
                rr(200, 4000, t("10ms")),
            ],
            "per-kind defaults"
        );
        assert_eq!(
            sc.flows[3].name.get_ref(),
            "flow3",
            "default flow name is flow<index>"
        );
        assert_eq!(
            (sc.flows[0].start, sc.flows[0].stop),
            (SimTime::ZERO, None),
            "start 0, no stop"
        );
        let vm = &sc.vms[0];
        assert_eq!(
            (
                vm.page_size,
                vm.dirty_rate,
                vm.hot_fraction,
                vm.state,
                vm.workload.is_none()
            ),
            (4096, 0, 0.0, ByteSize(8 << 20), true),
            "vm defaults"
        );
        let m = &sc.migrations[0];
        assert_eq!(
            (
                m.settings.algorithm,
                m.settings.early_notification,
                m.settings.max_rounds,
                m.settings.stop_threshold,
                m.settings.max_total_factor,
                m.to.is_none()
            ),
            (
                MigrationAlgorithm::Precopy,
                false,
                30,
                ByteSize(200_000),
                3.0,
                true
            ),
            "migration defaults"
        );
        let shape = |kind: &str| {
            load_ok(&format!("[topology]\nkind = \"{kind}\"\n"), &[])
                .topology
                .shape
        };
        assert_eq!(
            shape("fat-tree"),
            TopologyShape::FatTree { k: sp(4) },
            "fat-tree k = 4"
        );
        assert_eq!(
            shape("linear"),
            TopologyShape::Linear {
                switches: 3,
                hosts_per_switch: 1
            },
            "linear"
        );
        assert_eq!(shape("star"), TopologyShape::Star { hosts: 4 }, "star");
        assert_eq!(shape("qin2017"), TopologyShape::Qin2017, "qin2017");
        assert_eq!(shape("arora2013"), TopologyShape::Arora2013, "arora2013");
    }

    /// A dumbbell's bottleneck takes the keys it sets and inherits the rest from `link`.
    #[test]
    fn bottleneck_inherits_from_link() {
        let text = "[topology]\nkind = \"dumbbell\"\npairs = 3\nlink = { rate = \"10Gbps\", loss = 0.5 }\nbottleneck = { rate = \"1Gbps\", delay = \"10us\" }\n";
        let sc = load_ok(text, &[]);
        let TopologyShape::Dumbbell { pairs, bottleneck } = sc.topology.shape else {
            panic!("dumbbell")
        };
        assert_eq!(pairs, 3, "pairs");
        assert_eq!(
            bottleneck,
            LinkConfig {
                rate: DataRate::gbps(1),
                delay: t("10us"),
                queue: QueueLimit::Packets(100),
                loss: 0.5,
                aqm: Default::default(),
            },
            "rate and delay set, loss from link, queue default"
        );
    }

    /// A missing file names the path and the OS reason, without the error number.
    #[test]
    fn missing_file_names_the_path() {
        let e = load(Path::new("no/such/x.toml"), &[]).expect_err("missing file");
        assert_eq!(
            e.to_string(),
            "cannot read scenario `no/such/x.toml`: No such file or directory",
            "message"
        );
    }

    /// A bare name that is no file and no bundled example says so and points to `netsim
    /// examples`, with the nearest example's name for a typo; a path gets no such hint.
    #[test]
    fn unknown_example_name_points_to_the_list() {
        use miette::Diagnostic;
        let help = |p: &str| {
            let e = load(Path::new(p), &[]).expect_err("missing");
            e.help().map(|h| h.to_string())
        };
        let typo = help("dumbell-udp").expect("a hint");
        assert!(typo.contains("did you mean `dumbbell-udp`?"), "{typo}");
        assert!(typo.contains("netsim examples"), "{typo}");
        let far = help("vcdnx-zzz").expect("a hint");
        assert!(!far.contains("did you mean"), "{far}");
        assert!(help("no/such/x.toml").is_none(), "a path is not a name");
    }

    /// `load` reads a file and resolves a relative topology path against the file's folder.
    #[test]
    fn load_reads_files_and_resolves_topology_paths() {
        let dir = std::env::temp_dir().join(format!("netsim-scenario-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("s.toml");
        std::fs::write(&file, "[topology]\nkind = \"file\"\npath = \"topo.toml\"\n").unwrap();
        let (sc, src) = load(&file, &["seed=9".into()]).expect("valid");
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(sc.seed, 9, "--set applied");
        assert_eq!(src.name, file.display().to_string(), "source named by path");
        let TopologyShape::File { path } = &sc.topology.shape else {
            panic!("file topology")
        };
        assert_eq!(
            path.get_ref(),
            &dir.join("topo.toml"),
            "relative to the scenario's folder"
        );
    }
}

#[cfg(test)]
mod bad_input_tests {
    use super::*;

    const BASE: &str = "[topology]\nkind = \"fat-tree\"\n";
    const FLOW: &str = "[[flow]]\nname = \"f\"\nsrc = \"h0\"\ndst = \"h1\"\n";

    fn render(e: &ScenarioError) -> String {
        let mut out = String::new();
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(120)
            .render_report(&mut out, e)
            .expect("rendering never fails");
        out
    }

    /// The full rendering of the most common mistake, a misspelt key, stays as reviewed: the
    /// file and line, the key underlined, the suggestion and the valid keys.
    #[test]
    fn unknown_key_rendering_snapshot() {
        let text =
            "name = \"demo\"\n[topology]\nkind = \"dumbbell\"\n[topology.link]\nrat = \"1Gbps\"\n";
        let e = load_str("demo.toml", text, &[]).expect_err("unknown key");
        let d = e.diagnostic().expect("located");
        assert_eq!(d.line(), 5, "the line of `rat`");
        assert_eq!(
            &text[d.span.offset()..d.span.offset() + d.span.len()],
            "rat",
            "span is the key"
        );
        insta::assert_snapshot!(render(&e));
    }

    /// Each bad input is rejected, and the rendered error contains the file position, the key,
    /// and the hint that the case lists. (Positions are `name:line:column`.)
    #[test]
    fn bad_inputs_are_reported_precisely() {
        let flow = |extra: &str| format!("{BASE}{FLOW}{extra}");
        #[rustfmt::skip]
        let cases: Vec<(&str, String, Vec<&str>, Vec<&str>)> = vec![
            ("unknown key with suggestion",
             format!("{BASE}[topology.link]\nrat = \"1Gbps\"\n"), vec![],
             vec!["t.toml:4:1", "unknown key `rat` in [topology.link]; did you mean `rate`?", "valid keys in [topology.link]: rate, delay, queue, loss"]),
            ("unknown top-level key",
             format!("nmae = \"x\"\n{BASE}"), vec![],
             vec!["t.toml:1:1", "unknown key `nmae` in the top-level table; did you mean `name`?"]),
            ("unknown key in a flow",
             flow("kind = \"ping\"\nintreval = \"1s\"\n"), vec![],
             vec!["t.toml:8:1", "unknown key `intreval` in [[flow]] index 0; did you mean `interval`?"]),
            ("unknown key in an inline workload",
             format!("{BASE}[[vm]]\nname = \"v\"\nhost = \"h0\"\nmemory = \"1GiB\"\nworkload = {{ kind = \"ping\", clinet = \"h1\" }}\n"), vec![],
             vec!["t.toml:7:29", "unknown key `clinet` in `workload` of [[vm]] index 0; did you mean `client`?"]),
            ("unknown enum value",
             "[topology]\nkind = \"fat_tree\"\n".into(), vec![],
             vec!["t.toml:2:8", "`fat_tree` is not a valid `kind` in [topology]; did you mean `fat-tree`?", "`kind` takes `fat-tree`, `dumbbell`"]),
            ("wrong type",
             format!("{BASE}k = \"four\"\n"), vec![],
             vec!["t.toml:3:5", "wrong type for `k` in [topology]: expected an integer from 0 to 4294967295, found string \"four\""]),
            ("unparsable rate",
             format!("{BASE}link = {{ rate = \"fast\" }}\n"), vec![],
             vec!["t.toml:3:17", "invalid `rate` in [topology.link]", "`fast` is not a rate"]),
            ("zero rate",
             format!("{BASE}link = {{ rate = \"0Gbps\" }}\n"), vec![],
             vec!["t.toml:3:17", "a rate must be greater than zero"]),
            ("negative rate",
             format!("{BASE}link = {{ rate = -5 }}\n"), vec![],
             vec!["t.toml:3:17", "`-5` is not a rate"]),
            ("loss above 1",
             format!("{BASE}link = {{ loss = 1.5 }}\n"), vec![],
             vec!["t.toml:3:17", "`loss` must be between 0 and 1, not 1.5"]),
            ("negative loss in bottleneck",
             "[topology]\nkind = \"dumbbell\"\nbottleneck = { loss = -0.1 }\n".into(), vec![],
             vec!["t.toml:3:23", "`loss` must be between 0 and 1, not -0.1"]),
            ("odd k",
             format!("{BASE}k = 5\n"), vec![],
             vec!["t.toml:3:5", "fat-tree `k` must be even and at least 2, not 5"]),
            ("k below 2",
             format!("{BASE}k = 0\n"), vec![],
             vec!["t.toml:3:5", "not 0"]),
            ("key of another topology kind",
             format!("{BASE}pairs = 2\n"), vec![],
             vec!["t.toml:3:9", "`pairs` does not apply to a fat-tree topology", "a fat-tree topology takes `link` and `k`"]),
            ("file topology without path",
             "[topology]\nkind = \"file\"\n".into(), vec![],
             vec!["t.toml:2:8", "a file topology has no `path`"]),
            ("missing topology",
             "seed = 3\n".into(), vec![],
             vec!["the scenario has no [topology] table"]),
            ("key of another flow kind",
             flow("kind = \"tcp-bulk\"\nrate = \"1Mbps\"\n"), vec![],
             vec!["t.toml:8:8", "`rate` does not apply to flow `f`, which is tcp-bulk", "a tcp-bulk takes `bytes`; `rate` belongs to `udp-cbr` or `udp-onoff`"]),
            ("bytes on a udp flow",
             flow("kind = \"udp-cbr\"\nrate = \"1Mbps\"\nbytes = \"1MB\"\n"), vec![],
             vec!["t.toml:9:9", "`bytes` does not apply to flow `f`", "use `stop`"]),
            ("missing required per-kind key",
             flow("kind = \"udp-cbr\"\n"), vec![],
             vec!["t.toml:7:8", "flow `f` is udp-cbr but has no `rate`", "rate = \"100Mbps\""]),
            ("flow without kind",
             flow(""), vec![],
             vec!["[[flow]] index 0 has no `kind`", "kind = \"tcp-bulk\""]),
            ("src equals dst",
             format!("{BASE}[[flow]]\nkind = \"ping\"\nsrc = \"h0\"\ndst = \"h0\"\n"), vec![],
             vec!["t.toml:6:7", "has `dst` equal to `src` (`h0`)"]),
            ("stop before start",
             flow("kind = \"ping\"\nstart = \"2s\"\nstop = \"1s\"\n"), vec![],
             vec!["t.toml:9:8", "flow `f` stops at 1s but starts at 2s"]),
            ("packet size too large",
             flow("kind = \"udp-cbr\"\nrate = \"1Mbps\"\npacket_size = 70000\n"), vec![],
             vec!["t.toml:9:15", "`packet_size` of flow `f` must be between 1 and 65507 bytes"]),
            ("duplicate flow names",
             format!("{BASE}{FLOW}kind = \"ping\"\n{FLOW}kind = \"ping\"\n"), vec![],
             vec!["t.toml:9:8", "duplicate flow name `f`", "the first flow named `f` is on line 4"]),
            ("duplicate vm names",
             format!("{BASE}[[vm]]\nname = \"v\"\nhost = \"h0\"\nmemory = \"1GiB\"\n[[vm]]\nname = \"v\"\nhost = \"h1\"\nmemory = \"1GiB\"\n"), vec![],
             vec!["t.toml:8:8", "duplicate vm name `v`"]),
            ("duplicate host names",
             format!("{BASE}[[host]]\nname = \"h0\"\n[[host]]\nname = \"h0\"\n"), vec![],
             vec!["t.toml:6:8", "duplicate host name `h0`"]),
            ("zero duration",
             format!("duration = \"0s\"\n{BASE}"), vec![],
             vec!["t.toml:1:12", "`duration` must be greater than zero"]),
            ("end_after_migrations without a migration",
             format!("end_after_migrations = true\n{BASE}"), vec![],
             vec!["t.toml:1:24", "`end_after_migrations` is set, but there is no [[migration]]"]),
            ("bad time unit",
             format!("duration = \"10 parsecs\"\n{BASE}"), vec![],
             vec!["t.toml:1:12", "invalid `duration` in the top-level table", "unknown time unit `parsecs`"]),
            ("ecmp with an OpenFlow app",
             format!("{BASE}[controller]\napp = \"learning\"\necmp = \"per-flow\"\n"), vec![],
             vec!["t.toml:5:8", "`ecmp` applies only with `app = \"none\"`"]),
            // Values read by the crates' configuration types (net-stack, openflow, vm) are
            // placed by their dotted key path: the right table entry, line and column.
            ("a crate-checked setting of the second migration",
             format!("{BASE}[[vm]]\nname = \"vm1\"\nhost = \"h0\"\nmemory = \"1GiB\"\n[[migration]]\nvm = \"vm1\"\nat = \"1s\"\n[[migration]]\nvm = \"vm1\"\nat = \"2s\"\nmax_total_factor = 0.5\n"), vec![],
             vec!["t.toml:13:20", "`max_total_factor` must be at least 1.0, not 0.5"]),
            ("a crate-checked [orchestrator] key",
             format!("{BASE}[orchestrator]\nconcurrent = 0\n"), vec![],
             vec!["t.toml:4:14", "`concurrent` must be at least 1"]),
            ("a crate-checked [tcp] key from --set",
             BASE.into(), vec!["tcp.mss=0"],
             vec!["`mss` must be between 1 and 65495 bytes, not 0", "this value comes from `--set tcp.mss=0`"]),
            ("a bad link loss the bottleneck inherits is reported at `link`",
             "[topology]\nkind = \"dumbbell\"\nlink = { loss = 2.0 }\nbottleneck = { rate = \"1Gbps\" }\n".into(), vec![],
             vec!["t.toml:3:17", "`loss` must be between 0 and 1, not 2"]),
            ("migration of an undefined vm",
             format!("{BASE}[[vm]]\nname = \"vm1\"\nhost = \"h0\"\nmemory = \"1GiB\"\n[[migration]]\nvm = \"vm2\"\nat = \"1s\"\n"), vec![],
             vec!["t.toml:8:6", "migrates `vm2`, which no [[vm]] defines", "did you mean `vm1`?"]),
            ("migration without at or period",
             format!("{BASE}[[vm]]\nname = \"v\"\nhost = \"h0\"\nmemory = \"1GiB\"\n[[migration]]\nvm = \"v\"\n"), vec![],
             vec!["has no `at`, and [orchestrator] has no `period`"]),
            ("vm memory not whole pages",
             format!("{BASE}[[vm]]\nname = \"v\"\nhost = \"h0\"\nmemory = \"1000B\"\n"), vec![],
             vec!["t.toml:6:10", "whole number of 4096-byte pages"]),
            ("timeseries of an unknown flow",
             format!("{BASE}{FLOW}kind = \"ping\"\n[trace]\ntimeseries = [\"g\"]\n"), vec![],
             vec!["t.toml:9:15", "`timeseries` names `g`"]),
            ("bad pcap selection",
             format!("{BASE}[trace]\npcap = \"host\"\n"), vec![],
             vec!["t.toml:4:8", "`host` is not a valid `pcap` in [trace]; did you mean `hosts`?"]),
            ("malformed event link",
             format!("{BASE}[[event]]\nat = \"1s\"\nlink = \"a0\"\nstate = \"down\"\n"), vec![],
             vec!["t.toml:5:8", "must name two nodes joined by `-`"]),
            ("TOML syntax error",
             format!("{BASE}k = = 4\n"), vec![],
             vec!["t.toml:3", "not valid TOML"]),
            ("several problems at once",
             format!("duration = \"0s\"\n{BASE}k = 3\n"), vec![],
             vec!["`duration` must be greater than zero", "fat-tree `k` must be even"]),
            ("negative seed",
             format!("seed = -1\n{BASE}"), vec![],
             vec!["t.toml:1:8", "`seed` in the top-level table must be an integer from 0 to 9223372036854775807, not -1"]),
            ("unknown key in a dotted key",
             format!("{BASE}link.rat = \"1Gbps\"\n"), vec![],
             vec!["t.toml:3:6", "unknown key `rat` in [topology.link]; did you mean `rate`?"]),
            ("duplicate key is a TOML error",
             format!("{BASE}k = 4\nk = 8\n"), vec![],
             vec!["t.toml:4:1", "not valid TOML", "duplicate key"]),
            // --set errors
            ("--set without =",
             BASE.into(), vec!["topology.k"],
             vec!["--set `topology.k` has no `=`", "KEY=VALUE"]),
            ("--set unknown key",
             BASE.into(), vec!["topology.link.rat=5"],
             vec!["--set:1:15", "--set names unknown key `rat` in [topology.link]; did you mean `rate`?"]),
            ("--set unknown top-level key",
             BASE.into(), vec!["sede=5"],
             vec!["--set:1:1", "unknown key `sede` in the top-level table; did you mean `seed`?"]),
            ("--set index out of range",
             format!("{BASE}{FLOW}kind = \"ping\"\n[[flow]]\nkind = \"ping\"\nsrc = \"h2\"\ndst = \"h3\"\n"), vec!["flow.5.interval=1s"],
             vec!["--set:1:6", "--set `flow.5.interval=1s`: flow has 2 entries; index 5 does not exist"]),
            ("--set index into absent array",
             BASE.into(), vec!["migration.0.early_notification=false"],
             vec!["migration has 0 entries; index 0 does not exist"]),
            ("--set descends into a value",
             BASE.into(), vec!["seed.x=1"],
             vec!["`seed` is a value, not a table"]),
            ("--set descends into a non-table in the file",
             format!("{BASE}link = \"fast\"\n"), vec!["topology.link.rate=1Gbps"],
             vec!["`topology.link` is a string in the scenario, not a table"]),
            ("--set array without index",
             BASE.into(), vec!["flow.rate=1Mbps"],
             vec!["`flow` is a list of [[flow]] tables", "flow.0.rate"]),
            ("--set bad value points at the edited line and names the override",
             BASE.into(), vec!["topology.k=four"],
             vec!["wrong type for `k` in [topology]", "this value comes from `--set topology.k=four`"]),
            ("--set out-of-range value is marked as coming from --set",
             BASE.into(), vec!["topology.k=7"],
             vec!["fat-tree `k` must be even", "this value comes from `--set topology.k=7`"]),
            ("--set inline table with an unknown key names the override",
             BASE.into(), vec!["topology.link={ rat = \"1Gbps\" }"],
             vec!["unknown key `rat` in [topology.link]", "this value comes from `--set topology.link={ rat = \"1Gbps\" }`"]),
            ("--set a whole array entry",
             format!("{BASE}{FLOW}kind = \"ping\"\n"), vec!["flow.0=1"],
             vec!["names a whole [[flow]] entry"]),
        ];
        let mut failures = Vec::new();
        for (what, text, sets, expected) in &cases {
            let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
            match load_str("t.toml", text, &sets) {
                Ok(_) => failures.push(format!("{what}: accepted\n{text}")),
                Err(e) => {
                    let out = render(&e);
                    for needle in expected {
                        if !out.contains(needle) {
                            failures.push(format!("{what}: missing {needle:?} in\n{out}"));
                        }
                    }
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} cases failed:\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        );
    }
}
