//! `--set KEY=VALUE`: editing the scenario text before it is read.
//!
//! Overrides are applied to the TOML *text* with `toml_edit`, which keeps the rest of the file as
//! written; the edited text is then read exactly like a file, so every later error still points
//! at a line (and the line an override wrote is marked as coming from `--set`).
//!
//! * KEY is a dotted path; a numeric segment indexes an array of tables (`flow.0.rate`).
//! * Missing tables on the way are created (`trace.pcap=hosts` without a `[trace]`); missing
//!   array entries are not (`flow.5.rate` with two flows is an error).
//! * VALUE is parsed as a TOML value (`8`, `true`, `["h0", "e0"]`, `{ rate = "1Gbps" }`); if it
//!   does not parse, it is taken as a string (`300Mbps`, `hosts`).
//! * KEY is checked against the schema before anything is edited, so a typo is reported against
//!   the `--set` argument, with the nearest valid key.

use std::ops::Range;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use toml_edit::{DocumentMut, InlineTable, Item, Table, TableLike, Value};

use super::error::{ScenarioDiagnostic, ScenarioError, nearest};
use super::locate::{Seg, describe_table, dotted};
use super::raw;

/// One parsed and schema-checked `--set`.
#[derive(Debug, Clone)]
pub(crate) struct Override {
    /// The argument as given.
    pub arg: String,
    /// The key path.
    pub path: Vec<Seg>,
    /// Where each segment of `path` sits in `arg` (for errors).
    seg_spans: Vec<Range<usize>>,
    /// The value to write.
    value: Value,
}

/// An override after application: where its value ended up in the edited text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Applied {
    /// The argument as given.
    pub arg: String,
    /// Byte range of the written value in the edited text, if it could be found again.
    pub span: Option<Range<usize>>,
}

/// Applies `sets` in order to `text`. Returns the edited text and where each override landed.
pub(crate) fn apply(
    name: &str,
    text: &str,
    sets: &[String],
) -> Result<(String, Vec<Applied>), ScenarioError> {
    if sets.is_empty() {
        return Ok((text.to_string(), Vec::new()));
    }
    let overrides = sets
        .iter()
        .map(|s| parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        let span = e.span().unwrap_or(0..0);
        ScenarioError::Syntax(Box::new(ScenarioDiagnostic::new(
            name,
            text,
            span,
            format!("{name} is not valid TOML: {}", e.message()),
            "here",
            None,
        )))
    })?;
    for o in &overrides {
        write(&mut doc, o)?;
    }
    let edited = doc.to_string();
    let parsed = toml_edit::Document::parse(edited.as_str()).ok();
    let applied = overrides
        .into_iter()
        .map(|o| Applied {
            span: parsed.as_ref().and_then(|d| span_of(d.as_item(), &o.path)),
            arg: o.arg,
        })
        .collect();
    Ok((edited, applied))
}

fn set_error(
    arg: &str,
    span: Range<usize>,
    message: String,
    label: &str,
    help: Option<String>,
) -> ScenarioError {
    ScenarioError::Set(Box::new(ScenarioDiagnostic::new(
        "--set", arg, span, message, label, help,
    )))
}

/// Splits `KEY=VALUE`, checks KEY against the schema and parses VALUE.
pub(crate) fn parse(arg: &str) -> Result<Override, ScenarioError> {
    let Some((key, value)) = arg.split_once('=') else {
        return Err(set_error(
            arg,
            0..arg.len(),
            format!("--set `{arg}` has no `=`"),
            "expected KEY=VALUE",
            Some("write --set KEY=VALUE, for example --set topology.k=8".into()),
        ));
    };
    let mut path = Vec::new();
    let mut seg_spans = Vec::new();
    let mut offset = 0;
    for part in key.split('.') {
        let span = offset..offset + part.len();
        offset += part.len() + 1;
        let trimmed = part.trim();
        if trimmed.is_empty() {
            return Err(set_error(
                arg,
                span,
                format!("--set `{arg}`: empty key segment"),
                "empty",
                Some("keys are dotted paths such as `topology.link.rate` or `flow.0.rate`".into()),
            ));
        }
        path.push(match trimmed.parse::<usize>() {
            Ok(i) => Seg::Index(i),
            Err(_) => Seg::Key(trimmed.to_string()),
        });
        seg_spans.push(span);
    }
    check_schema(arg, &path, &seg_spans)?;
    let value = value
        .trim()
        .parse::<Value>()
        .unwrap_or_else(|_| Value::from(value.trim()));
    Ok(Override {
        arg: arg.to_string(),
        path,
        seg_spans,
        value,
    })
}

/// The tables of the schema, to check `--set` keys before editing (and, in
/// `reference.rs`, to check docs/scenario.md against the loader).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Schema {
    Root,
    Topology,
    /// `topology.of`, a twin's inner `[topology]`: the same keys, but its own `of` is a value
    /// (a twin of a twin is refused by the loader), so the schema is finite.
    InnerTopology,
    Link,
    Controller,
    ControllerExtra,
    SharedCpu,
    /// `[controller.vcdn]` (seed 003's vCDN app).
    Vcdn,
    Tcp,
    /// `[arp]`.
    Arp,
    Flow,
    Host,
    Vm,
    Workload,
    Orchestrator,
    Migration,
    Event,
    /// `[[workload]]` (the generators, not a VM's `workload`).
    Generator,
    Trace,
    /// `[network_migration]` (seed 001).
    NetworkMigration,
}

/// What a key of a schema table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Child {
    Table(Schema),
    Array(Schema),
    Value,
}

impl Schema {
    /// The table's keys, straight from the serde structs, so that they cannot drift apart.
    pub(crate) fn keys(self) -> &'static [&'static str] {
        match self {
            Schema::Root => fields_of::<raw::ScenarioTable>(),
            Schema::Topology | Schema::InnerTopology => fields_of::<raw::TopologyTable>(),
            Schema::Link => fields_of::<net_stack::LinkConfig>(),
            Schema::Controller => fields_of::<openflow::config::ControllerConfig>(),
            Schema::ControllerExtra => fields_of::<openflow::config::ExtraControllerTable>(),
            Schema::SharedCpu => fields_of::<openflow::timing::SharedCpuConfig>(),
            Schema::Vcdn => fields_of::<openflow::controller::vcdn::VcdnTable>(),
            Schema::Tcp => fields_of::<net_stack::tcp::TcpConfig>(),
            Schema::Arp => fields_of::<net_stack::arp::ArpTable>(),
            Schema::Flow => fields_of::<raw::FlowTable>(),
            Schema::Host => fields_of::<raw::HostTable>(),
            Schema::Vm => fields_of::<raw::VmTable>(),
            Schema::Workload => fields_of::<raw::WorkloadTable>(),
            Schema::Orchestrator => fields_of::<vm::OrchestratorConfig>(),
            Schema::Migration => fields_of::<vm::MigrationTable>(),
            Schema::Event => fields_of::<raw::EventTable>(),
            Schema::Generator => fields_of::<net_stack::apps::workload::WorkloadTable>(),
            Schema::Trace => fields_of::<raw::TraceTable>(),
            Schema::NetworkMigration => fields_of::<crate::netmig::NetMigTable>(),
        }
    }

    /// What `key` of this table holds.
    pub(crate) fn child(self, key: &str) -> Child {
        match (self, key) {
            (Schema::Root, "topology") => Child::Table(Schema::Topology),
            (Schema::Root, "controller") => Child::Table(Schema::Controller),
            (Schema::Root, "tcp") => Child::Table(Schema::Tcp),
            (Schema::Root, "arp") => Child::Table(Schema::Arp),
            (Schema::Root, "orchestrator") => Child::Table(Schema::Orchestrator),
            (Schema::Root, "trace") => Child::Table(Schema::Trace),
            (Schema::Root, "network_migration") => Child::Table(Schema::NetworkMigration),
            (Schema::Root, "flow") => Child::Array(Schema::Flow),
            (Schema::Root, "host") => Child::Array(Schema::Host),
            (Schema::Root, "vm") => Child::Array(Schema::Vm),
            (Schema::Root, "migration") => Child::Array(Schema::Migration),
            (Schema::Root, "event") => Child::Array(Schema::Event),
            (Schema::Root, "workload") => Child::Array(Schema::Generator),
            (Schema::Topology | Schema::InnerTopology, "link" | "bottleneck") => {
                Child::Table(Schema::Link)
            }
            (Schema::Topology, "of") => Child::Table(Schema::InnerTopology),
            (Schema::Controller, "extra") => Child::Array(Schema::ControllerExtra),
            (Schema::Controller, "shared_cpu") => Child::Table(Schema::SharedCpu),
            (Schema::Controller, "vcdn") => Child::Table(Schema::Vcdn),
            (Schema::Vm, "workload") => Child::Table(Schema::Workload),
            (Schema::Migration, "tcp") => Child::Table(Schema::Tcp),
            _ => Child::Value,
        }
    }

    /// Every table of the schema reachable from the top level, depth first in key order, with
    /// its dotted path (`""` for the top level, `"topology.link"`, `"vm.workload"`; an array of
    /// tables such as `flow` appears once, without an index). Only the reference test needs it.
    #[cfg(test)]
    pub(crate) fn tables() -> Vec<(String, Schema)> {
        fn walk(path: &str, schema: Schema, out: &mut Vec<(String, Schema)>) {
            out.push((path.to_string(), schema));
            for key in schema.keys() {
                // `topology.of` is a `[topology]` again: listed once, as `topology`.
                if let Child::Table(t) | Child::Array(t) = schema.child(key)
                    && t != Schema::InnerTopology
                {
                    let sub = if path.is_empty() {
                        key.to_string()
                    } else {
                        format!("{path}.{key}")
                    };
                    walk(&sub, t, out);
                }
            }
        }
        let mut out = Vec::new();
        walk("", Schema::Root, &mut out);
        out
    }
}

/// Whether `path` names a table of the schema (not an array of tables, not a value), so that
/// a list given there can be reported as a list where a table belongs.
pub(crate) fn is_table(path: &[Seg]) -> bool {
    let mut at = Child::Table(Schema::Root);
    for seg in path {
        at = match (at, seg) {
            (Child::Table(t), Seg::Key(k)) if t.keys().contains(&k.as_str()) => t.child(k),
            (Child::Array(t), Seg::Index(_)) => Child::Table(t),
            _ => return false,
        };
    }
    matches!(at, Child::Table(_))
}

fn check_schema(arg: &str, path: &[Seg], spans: &[Range<usize>]) -> Result<(), ScenarioError> {
    let mut at = Child::Table(Schema::Root);
    for (i, seg) in path.iter().enumerate() {
        let span = spans[i].clone();
        let here = &path[..i];
        at = match (at, seg) {
            (Child::Table(t), Seg::Key(k)) => {
                if !t.keys().contains(&k.as_str()) {
                    let table = describe_table(here);
                    let mut message = format!("--set names unknown key `{k}` in {table}");
                    if let Some(n) = nearest(k, t.keys().iter().copied()) {
                        message.push_str(&format!("; did you mean `{n}`?"));
                    }
                    return Err(set_error(
                        arg,
                        span,
                        message,
                        "unknown key",
                        Some(format!("valid keys in {table}: {}", t.keys().join(", "))),
                    ));
                }
                t.child(k)
            }
            (Child::Table(_), Seg::Index(n)) => {
                return Err(set_error(
                    arg,
                    span,
                    format!(
                        "--set: {} is a table, not a list; `{n}` is not one of its keys",
                        describe_table(here)
                    ),
                    "not a list",
                    None,
                ));
            }
            (Child::Array(t), Seg::Index(_)) => {
                if i + 1 == path.len() {
                    return Err(set_error(
                        arg,
                        span,
                        format!("--set `{arg}` names a whole [[{}]] entry", dotted(here)),
                        "needs a key after the index",
                        Some(format!(
                            "set one key of the entry, as in `{}.{}=…`",
                            dotted(path),
                            t.keys().first().copied().unwrap_or("name")
                        )),
                    ));
                }
                Child::Table(t)
            }
            (Child::Array(_), Seg::Key(k)) => {
                let list = dotted(here);
                return Err(set_error(
                    arg,
                    span,
                    format!(
                        "--set: `{list}` is a list of [[{list}]] tables; `{k}` must be preceded by an index"
                    ),
                    "expected an index",
                    Some(format!("for example `{list}.0.{k}`")),
                ));
            }
            (Child::Value, _) => {
                return Err(set_error(
                    arg,
                    span,
                    format!(
                        "--set `{arg}`: `{}` is a value, not a table, so it has no keys",
                        dotted(here)
                    ),
                    "cannot descend into a value",
                    None,
                ));
            }
        };
    }
    Ok(())
}

/// Writes one override into `doc`.
fn write(doc: &mut DocumentMut, o: &Override) -> Result<(), ScenarioError> {
    let err = |i: usize, message: String, label: &str| {
        let message = format!("--set `{}`: {message}", o.arg);
        set_error(&o.arg, o.seg_spans[i].clone(), message, label, None)
    };
    let last = o.path.len() - 1;
    let mut table: &mut dyn TableLike = doc.as_table_mut();
    let mut standard = true;
    let mut i = 0;
    while i < last {
        let Seg::Key(key) = &o.path[i] else {
            unreachable!("the schema check puts an index only after an array key")
        };
        if let Some(&Seg::Index(n)) = o.path.get(i + 1) {
            let name = dotted(&o.path[..=i]);
            let out_of_range = |len: usize| {
                err(
                    i + 1,
                    format!(
                        "{name} has {len} {}; index {n} does not exist",
                        if len == 1 { "entry" } else { "entries" }
                    ),
                    "no such entry",
                )
            };
            match table.get_mut(key) {
                None => return Err(out_of_range(0)),
                Some(Item::ArrayOfTables(a)) => {
                    let len = a.len();
                    table = a.get_mut(n).ok_or_else(|| out_of_range(len))?;
                    standard = true;
                }
                Some(Item::Value(Value::Array(a))) => {
                    let len = a.len();
                    match a.get_mut(n) {
                        None => return Err(out_of_range(len)),
                        Some(Value::InlineTable(t)) => table = t,
                        Some(v) => {
                            return Err(err(
                                i + 1,
                                format!(
                                    "{name}.{n} is {}, not a table",
                                    with_article(v.type_name())
                                ),
                                "not a table",
                            ));
                        }
                    }
                    standard = false;
                }
                Some(other) => {
                    return Err(err(
                        i,
                        format!(
                            "`{name}` is {}, not a list of tables",
                            with_article(other.type_name())
                        ),
                        "not a list of tables",
                    ));
                }
            }
            i += 2;
        } else {
            if !table.contains_key(key) {
                let new = if standard {
                    let mut t = Table::new();
                    t.set_implicit(true);
                    Item::Table(t)
                } else {
                    Item::Value(Value::InlineTable(InlineTable::new()))
                };
                table.insert(key, new);
            }
            let name = dotted(&o.path[..=i]);
            match table.get_mut(key) {
                Some(Item::Table(t)) => {
                    table = t;
                    standard = true;
                }
                Some(Item::Value(Value::InlineTable(t))) => {
                    table = t;
                    standard = false;
                }
                Some(other) => {
                    let kind = with_article(other.type_name());
                    return Err(err(
                        i,
                        format!("`{name}` is {kind} in the scenario, not a table"),
                        "not a table",
                    ));
                }
                None => unreachable!("inserted above"),
            }
            i += 1;
        }
    }
    let Seg::Key(key) = &o.path[last] else {
        unreachable!("the schema check ends every path with a key")
    };
    let mut value = o.value.clone();
    match table.get_mut(key) {
        Some(Item::Value(old)) => {
            *value.decor_mut() = old.decor().clone();
            *old = value;
        }
        _ => {
            value.decor_mut().clear();
            table.insert(key, Item::Value(value));
            if !standard {
                // Appending to `{ a = 1 }` would otherwise give `{ a = 1 , b = 2 }`.
                table.fmt();
            }
        }
    }
    Ok(())
}

/// A TOML type name with its article: "an integer", "a string", "an array".
fn with_article(type_name: &str) -> String {
    let article = if type_name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {type_name}")
}

/// The span of the value at `path` in a parsed document.
/// The scenario text parsed once, to find where a value is written by its dotted key path.
///
/// This is the seam between the crates' configuration types and the file: a crate type reads
/// plain values and its `problems()` name a field; the loader turns `table.field` into the
/// span of the value with [`TextSpans::get`] (see `docs/architecture.md`).
pub(crate) struct TextSpans {
    doc: Option<toml_edit::Document<String>>,
}

impl TextSpans {
    /// Parses `text` (already known to be valid TOML when the loader gets here).
    pub(crate) fn new(text: &str) -> Self {
        TextSpans {
            doc: toml_edit::Document::parse(text.to_string()).ok(),
        }
    }

    /// Where the value at the dotted `path` (`"tcp.mss"`, `"migration.0.max_rounds"`) is
    /// written, if it is.
    pub(crate) fn get(&self, path: &str) -> Option<Range<usize>> {
        let path: Vec<Seg> = path
            .split('.')
            .map(|p| match p.parse::<usize>() {
                Ok(i) => Seg::Index(i),
                Err(_) => Seg::Key(p.to_string()),
            })
            .collect();
        span_of(self.doc.as_ref()?.as_item(), &path)
    }
}

fn span_of(item: &Item, path: &[Seg]) -> Option<Range<usize>> {
    let Some((seg, rest)) = path.split_first() else {
        return item.span();
    };
    match (item, seg) {
        (Item::ArrayOfTables(a), Seg::Index(n)) => span_in_table(a.get(*n)?, rest),
        (Item::Value(Value::Array(a)), Seg::Index(n)) => match (a.get(*n)?, rest) {
            (v, []) => v.span(),
            (Value::InlineTable(t), rest) => span_in_table(t, rest),
            _ => None,
        },
        (_, Seg::Key(k)) => span_of(item.as_table_like()?.get(k)?, rest),
        _ => None,
    }
}

fn span_in_table(table: &dyn TableLike, path: &[Seg]) -> Option<Range<usize>> {
    match path.split_first() {
        Some((Seg::Key(k), rest)) => span_of(table.get(k)?, rest),
        _ => None,
    }
}

/// The field names a serde-derived struct declares, obtained by asking it to deserialise from a
/// deserializer that records them and stops.
pub(crate) fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    match T::deserialize(FieldRecorder) {
        Err(Recorded(fields)) => fields,
        Ok(_) => &[],
    }
}

struct FieldRecorder;

#[derive(Debug)]
struct Recorded(&'static [&'static str]);

impl std::fmt::Display for Recorded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("field names recorded")
    }
}
impl std::error::Error for Recorded {}
impl de::Error for Recorded {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Recorded(&[])
    }
}

impl<'de> Deserializer<'de> for FieldRecorder {
    type Error = Recorded;
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Recorded> {
        Err(Recorded(&[]))
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Recorded> {
        Err(Recorded(fields))
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(text: &str, sets: &[&str]) -> String {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        match apply("t.toml", text, &sets) {
            Ok((edited, _)) => edited,
            Err(e) => panic!("override failed: {e}"),
        }
    }

    /// A scalar override replaces the value in place and keeps the line's comment.
    #[test]
    fn scalar_override_keeps_formatting() {
        let text = "seed = 1 # master seed\n[topology]\nkind = \"fat-tree\"\nk = 4\n";
        let out = edit(text, &["seed=42", "topology.k=8"]);
        assert_eq!(
            out, "seed = 42 # master seed\n[topology]\nkind = \"fat-tree\"\nk = 8\n",
            "in-place edits"
        );
    }

    /// A VALUE that is not TOML becomes a string; one that is TOML keeps its type.
    #[test]
    fn values_parse_as_toml_or_fall_back_to_strings() {
        let out = edit(
            "[[flow]]\nkind = \"udp-cbr\"\n",
            &[
                "flow.0.rate=300Mbps",
                "flow.0.packet_size=1000",
                "flow.0.kind=\"ping\"",
            ],
        );
        assert_eq!(
            out, "[[flow]]\nkind = \"ping\"\nrate = \"300Mbps\"\npacket_size = 1000\n",
            "string fallback, integer, quoted string"
        );
        let out = edit(
            "",
            &["trace.pcap=[\"h0\", \"e0\"]", "trace.openflow_pcap=true"],
        );
        assert_eq!(
            out, "[trace]\npcap = [\"h0\", \"e0\"]\nopenflow_pcap = true\n",
            "array and boolean"
        );
    }

    /// Missing tables on the way are created: a standard table at the top, keys inside an
    /// existing inline table stay inline.
    #[test]
    fn missing_tables_are_created() {
        let out = edit("seed = 1\n", &["trace.pcap=hosts"]);
        assert_eq!(
            out, "seed = 1\n\n[trace]\npcap = \"hosts\"\n",
            "new [trace]"
        );
        let out = edit(
            "[topology]\nkind = \"dumbbell\"\n",
            &["topology.bottleneck.rate=10Mbps"],
        );
        assert_eq!(
            out, "[topology]\nkind = \"dumbbell\"\n\n[topology.bottleneck]\nrate = \"10Mbps\"\n",
            "nested new table"
        );
        let out = edit(
            "[topology]\nlink = { rate = \"1Gbps\" }\n",
            &["topology.link.delay=5us"],
        );
        assert_eq!(
            out, "[topology]\nlink = { rate = \"1Gbps\", delay = \"5us\" }\n",
            "inline table grows"
        );
    }

    /// A numeric segment picks one entry of an array of tables, and reaches into its inline
    /// tables.
    #[test]
    fn indices_select_array_entries() {
        let text =
            "[[migration]]\nvm = \"a\"\n[[migration]]\nvm = \"b\"\nearly_notification = true\n";
        let out = edit(text, &["migration.1.early_notification=false"]);
        assert!(
            out.ends_with("vm = \"b\"\nearly_notification = false\n"),
            "second entry edited:\n{out}"
        );
        assert!(
            out.starts_with("[[migration]]\nvm = \"a\"\n[[migration]]"),
            "first untouched:\n{out}"
        );
        let text = "[[vm]]\nname = \"v\"\nworkload = { kind = \"udp-cbr\", client = \"h2\", rate = \"1Mbps\" }\n";
        let out = edit(text, &["vm.0.workload.rate=5Mbps"]);
        assert!(
            out.contains("rate = \"5Mbps\" }"),
            "inline table in an array entry:\n{out}"
        );
    }

    /// The edited text is read like a file: an override's effect reaches the typed scenario,
    /// and spans point into the edited text.
    #[test]
    fn overrides_reach_the_scenario() {
        let text = "[topology]\nkind = \"fat-tree\"\n[[flow]]\nkind = \"udp-cbr\"\nsrc = \"h0\"\ndst = \"h1\"\nrate = \"600Mbps\"\n";
        let sets: Vec<String> = [
            "topology.k=8",
            "flow.0.rate=300Mbps",
            "trace.pcap=hosts",
            "flow.0.dst=h3",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let (sc, src) = super::super::load_str("t.toml", text, &sets).expect("valid");
        assert_eq!(
            sc.topology.shape,
            super::super::TopologyShape::FatTree {
                k: toml::Spanned::new(0..0, 8)
            },
            "k"
        );
        assert_eq!(
            sc.flows[0].kind,
            super::super::Traffic::UdpCbr(super::super::OnOffParams {
                rate: sim_core::DataRate::mbps(300),
                packet_size: 1472,
                on: None,
                off: sim_core::SimTime::ZERO,
            }),
            "rate"
        );
        assert_eq!(sc.trace.pcap, super::super::PcapSelection::Hosts, "pcap");
        assert_eq!(
            &src.text[sc.flows[0].dst.span()],
            "\"h3\"",
            "span into the edited text"
        );
    }

    /// The schema check's key lists come from the serde structs.
    #[test]
    fn schema_keys_come_from_serde() {
        assert_eq!(
            Schema::Link.keys(),
            &["rate", "delay", "queue", "loss", "aqm"],
            "link keys"
        );
        assert!(Schema::Root.keys().contains(&"migration"), "root keys");
        assert_eq!(
            Schema::Root.child("flow"),
            Child::Array(Schema::Flow),
            "flow is an array"
        );
    }
}
