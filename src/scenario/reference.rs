//! docs/scenario.md, the one scenario reference, checked against the loaders.
//!
//! The page is written so that a program can read it: each table has a section whose heading
//! names it in backticks (`` ## `[tcp]` ``, `` ### `[topology.link]` and `[topology.bottleneck]` ``,
//! `## Top level`), and each section has a key table whose first column is the key in backticks
//! (header `| key | …`) and, for tables whose keys depend on a `kind`, a per-kind table (header
//! `| kind | key | …`). The level-1 headings split the page into the scenario file
//! (`# Scenario files`) and the topology file (`# Topology files`).
//!
//! The keys the loaders accept come from their serde structs: the scenario's through the `--set`
//! schema ([`Schema::tables`]), the topology file's through `topologies::{RawFile, RawNode,
//! RawLink}`; the per-kind keys of a flow from [`FlowKind::keys`], and a topology kind's from
//! what the loader accepts and refuses.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use super::set::{Schema, fields_of};
use super::spec::{FlowKind, TopologyKind};

/// The page, as `cargo doc` and GitHub show it.
const DOC: &str = include_str!("../../docs/scenario.md");

/// The two file formats the page documents, by its level-1 headings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// `# Scenario files`.
    Scenario,
    /// `# Topology files`.
    TopologyFile,
}

/// One documented table: a heading that names one or more tables in backticks, and the rows of
/// its key and per-kind tables.
#[derive(Debug, Clone)]
struct Section {
    part: Part,
    /// Dotted paths without brackets: `""` (top level), `"topology.link"`, `"flow"`.
    paths: Vec<String>,
    /// The first column of its key tables.
    keys: Vec<String>,
    /// `(kind, key)` of its per-kind tables; `None` for a row that says the kind has no keys.
    kind_keys: Vec<(String, Option<String>)>,
}

/// The spans between backticks in `text`.
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// Reads the sections of `doc`. Tables outside a section (under a heading that names no table)
/// are not key tables and are skipped; so is everything inside code fences.
fn parse(doc: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut part = Part::Scenario;
    let mut current: Option<usize> = None;
    let mut header: Option<Vec<String>> = None;
    let mut fenced = false;
    for line in doc.lines() {
        let line = line.trim_end();
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        if !line.starts_with('|') {
            header = None;
        }
        if let Some(text) = line.strip_prefix('#') {
            let level = 1 + text.chars().take_while(|&c| c == '#').count();
            let text = text.trim_start_matches('#').trim();
            if level == 1 {
                part = if text.starts_with("Topology files") {
                    Part::TopologyFile
                } else {
                    Part::Scenario
                };
                current = None;
                continue;
            }
            let mut paths: Vec<String> = backticked(text)
                .into_iter()
                .filter(|t| t.starts_with('['))
                .map(|t| t.trim_matches(['[', ']']).to_string())
                .collect();
            if text.starts_with("Top level") {
                paths = vec![String::new()];
            }
            current = if paths.is_empty() {
                None
            } else {
                sections.push(Section {
                    part,
                    paths,
                    keys: Vec::new(),
                    kind_keys: Vec::new(),
                });
                Some(sections.len() - 1)
            };
            continue;
        }
        if !line.starts_with('|') {
            continue;
        }
        let cells: Vec<String> = line
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect();
        let Some(head) = &header else {
            header = Some(cells);
            continue;
        };
        if cells.iter().all(|c| c.starts_with("---")) {
            continue;
        }
        let Some(section) = current.map(|i| &mut sections[i]) else {
            continue;
        };
        let first = |cell: &str| backticked(cell).first().map(|k| k.to_string());
        match (
            head.first().map(String::as_str),
            head.get(1).map(String::as_str),
        ) {
            (Some("kind"), Some("key")) => {
                let key = cells.get(1).and_then(|c| first(c));
                for kind in backticked(&cells[0]) {
                    section.kind_keys.push((kind.to_string(), key.clone()));
                }
            }
            (Some("key"), _) => {
                // A row without a key in backticks is reported as documenting its raw text.
                let key = first(&cells[0]).unwrap_or_else(|| cells[0].clone());
                section.keys.push(key);
            }
            _ => {}
        }
    }
    sections
}

/// `[path]`, or "the top level".
fn display(path: &str) -> String {
    if path.is_empty() {
        "the top level".into()
    } else {
        format!("`[{path}]`")
    }
}

/// Compares the sections of `part` with the tables a loader accepts (`(path, keys)`). A table's
/// documented keys are its key table's, its per-kind tables', the names of its documented
/// sub-tables, and, for each `(table, from)` of `inherit`, the per-kind keys of `from`. Returns
/// one line per difference.
fn check_part(
    sections: &[Section],
    part: Part,
    accepted: &[(String, &[&str])],
    inherit: &[(&str, &str)],
) -> Vec<String> {
    let ours: Vec<&Section> = sections.iter().filter(|s| s.part == part).collect();
    let find = |path: &str| -> Vec<&Section> {
        ours.iter()
            .copied()
            .filter(|s| s.paths.iter().any(|p| p == path))
            .collect()
    };
    let kind_keys = |s: &Section| -> Vec<String> {
        s.kind_keys.iter().filter_map(|(_, k)| k.clone()).collect()
    };
    let mut problems = Vec::new();
    for (path, keys) in accepted {
        let found = find(path);
        // A file whose top level holds only tables needs no section of its own for it.
        let empty = Section {
            part,
            paths: vec![String::new()],
            keys: Vec::new(),
            kind_keys: Vec::new(),
        };
        let section = match found.as_slice() {
            [] if path.is_empty() => &empty,
            [] => {
                problems.push(format!("{} has no section", display(path)));
                continue;
            }
            [one] => *one,
            _ => {
                problems.push(format!("{} has {} sections", display(path), found.len()));
                continue;
            }
        };
        let mut documented: BTreeSet<String> = section.keys.iter().cloned().collect();
        documented.extend(kind_keys(section));
        for (table, from) in inherit {
            if table == path
                && let [from] = find(from).as_slice()
            {
                documented.extend(kind_keys(from));
            }
        }
        for s in &ours {
            for p in &s.paths {
                let child = match p.rsplit_once('.') {
                    Some((parent, child)) if parent == path => child,
                    None if path.is_empty() && !p.is_empty() => p.as_str(),
                    _ => continue,
                };
                documented.insert(child.to_string());
            }
        }
        let accepted: BTreeSet<String> = keys.iter().map(|k| k.to_string()).collect();
        for key in accepted.difference(&documented) {
            problems.push(format!(
                "{} accepts `{key}`, which is not documented",
                display(path)
            ));
        }
        for key in documented.difference(&accepted) {
            problems.push(format!(
                "{} documents `{key}`, which the loader does not accept",
                display(path)
            ));
        }
    }
    for s in &ours {
        for p in &s.paths {
            if !accepted.iter().any(|(a, _)| a == p) {
                problems.push(format!(
                    "{} is documented, but the loader reads no such table",
                    display(p)
                ));
            }
        }
    }
    problems
}

/// The scenario tables the loader accepts, from the `--set` schema.
fn scenario_tables() -> Vec<(String, &'static [&'static str])> {
    Schema::tables()
        .into_iter()
        .map(|(path, schema)| (path, schema.keys()))
        .collect()
}

/// The topology file's tables, from the topology loader's serde structs.
fn topology_file_tables() -> Vec<(String, &'static [&'static str])> {
    vec![
        (String::new(), fields_of::<topologies::RawFile>()),
        ("node".into(), fields_of::<topologies::RawNode>()),
        ("link".into(), fields_of::<topologies::RawLink>()),
    ]
}

/// A VM's workload takes the per-kind keys of a flow, which its section refers to.
const INHERIT: [(&str, &str); 1] = [("vm.workload", "flow")];

/// Compares the per-kind table of `[[flow]]` with [`FlowKind::keys`]: the same kinds, and each
/// kind the same keys.
fn check_flow_kinds(sections: &[Section]) -> Vec<String> {
    let Some(flow) = sections
        .iter()
        .find(|s| s.part == Part::Scenario && s.paths.iter().any(|p| p == "flow"))
    else {
        return vec!["`[[flow]]` has no section".into()];
    };
    let mut problems = Vec::new();
    let documented: BTreeSet<&str> = flow.kind_keys.iter().map(|(k, _)| k.as_str()).collect();
    let known: BTreeSet<&str> = FlowKind::ALL.iter().map(|k| k.as_str()).collect();
    for kind in known.difference(&documented) {
        problems.push(format!("flow kind `{kind}` has no per-kind rows"));
    }
    for kind in documented.difference(&known) {
        problems.push(format!("flow kind `{kind}` is documented but unknown"));
    }
    for kind in FlowKind::ALL {
        let doc: BTreeSet<&str> = flow
            .kind_keys
            .iter()
            .filter(|(k, _)| k == kind.as_str())
            .filter_map(|(_, key)| key.as_deref())
            .collect();
        let code: BTreeSet<&str> = kind.keys().iter().copied().collect();
        for key in code.difference(&doc) {
            problems.push(format!(
                "flow kind `{}` takes `{key}`, which is not documented for it",
                kind.as_str()
            ));
        }
        for key in doc.difference(&code) {
            problems.push(format!(
                "flow kind `{}` is documented with `{key}`, which it does not take",
                kind.as_str()
            ));
        }
    }
    problems
}

/// Every problem of `doc`: both parts, and the flow kinds.
fn check(doc: &str) -> Vec<String> {
    let sections = parse(doc);
    let mut problems = check_part(&sections, Part::Scenario, &scenario_tables(), &INHERIT);
    problems.extend(check_part(
        &sections,
        Part::TopologyFile,
        &topology_file_tables(),
        &[],
    ));
    problems.extend(check_flow_kinds(&sections));
    problems
}

/// The variant names a serde-derived enum declares (as written in files), recorded the way
/// [`fields_of`] records a struct's fields.
fn variants_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    match T::deserialize(VariantRecorder) {
        Err(Recorded(variants)) => variants,
        Ok(_) => &[],
    }
}

struct VariantRecorder;

#[derive(Debug)]
struct Recorded(&'static [&'static str]);

impl std::fmt::Display for Recorded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("variant names recorded")
    }
}
impl std::error::Error for Recorded {}
impl de::Error for Recorded {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Recorded(&[])
    }
}

impl<'de> Deserializer<'de> for VariantRecorder {
    type Error = Recorded;
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Recorded> {
        Err(Recorded(&[]))
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Recorded> {
        Err(Recorded(variants))
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

/// The error `text` gives, rendered as the user sees it (message, labels and help), or `None`.
fn error_of(text: &str) -> Option<String> {
    let e = super::load_str("t.toml", text, &[]).err()?;
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, &e)
        .expect("rendering never fails");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page lists exactly the keys the loaders accept: every table of the scenario (from
    /// the `--set` schema, which is derived from the serde structs), each flow kind's keys (from
    /// `FlowKind::keys`), and the topology file's `[[node]]` and `[[link]]` (from its serde
    /// structs). A key added to a loader without a row here, or a row for a key no loader
    /// takes, fails this test.
    #[test]
    fn the_reference_lists_exactly_the_keys_the_loaders_accept() {
        let problems = check(DOC);
        assert!(
            problems.is_empty(),
            "docs/scenario.md and the loaders disagree:\n{}",
            problems.join("\n")
        );
    }

    /// The parser finds every table the checker needs (so an empty parse cannot pass): all the
    /// scenario tables, both topology-file tables, and a per-kind row for every flow kind.
    #[test]
    fn the_parser_reads_every_section() {
        let sections = parse(DOC);
        let paths: Vec<(Part, &str)> = sections
            .iter()
            .flat_map(|s| s.paths.iter().map(move |p| (s.part, p.as_str())))
            .collect();
        for (path, _) in scenario_tables() {
            assert!(
                paths.contains(&(Part::Scenario, path.as_str())),
                "section for `{path}`"
            );
        }
        for path in ["node", "link"] {
            assert!(
                paths.contains(&(Part::TopologyFile, path)),
                "topology file section `{path}`"
            );
        }
        let tcp = sections
            .iter()
            .find(|s| s.paths.iter().any(|p| p == "tcp"))
            .expect("[tcp]");
        // As many rows as the loader has keys (not a fixed number, so that adding a key to
        // net-stack's TcpConfig needs no edit here): the parser misses no row of a section.
        assert_eq!(
            tcp.keys.len(),
            Schema::Tcp.keys().len(),
            "one [tcp] row per key: {:?}",
            tcp.keys
        );
        assert!(
            scenario_tables().len() >= 13,
            "the schema walk reaches every table"
        );
    }

    /// The checker fails on a page that misses a key and documents one that does not exist, in
    /// a key table, in a per-kind table, and as a table: each difference is reported once.
    #[test]
    fn the_checker_reports_missing_and_extra_keys() {
        let doc = "# Scenario files\n\
                   ## Top level\n\
                   | key | type |\n| --- | --- |\n| `name` | string |\n| `colour` | string |\n\
                   ## `[tcp]`\n\
                   | key | type |\n| --- | --- |\n| `mss` | integer |\n\
                   ## `[[flow]]`\n\
                   | key | type |\n| --- | --- |\n| `kind` | x |\n\
                   Per kind:\n\
                   | kind | key | type |\n| --- | --- | --- |\n| `ping` | `interval` | time |\n\
                   ## `[ghost]`\n\
                   ## Not a table\n\
                   | key | type |\n| --- | --- |\n| `ignored` | x |\n";
        let accepted: Vec<(String, &[&str])> = vec![
            (String::new(), &["name", "seed", "tcp", "flow"]),
            ("tcp".into(), &["mss", "variant"]),
            ("flow".into(), &["kind", "interval", "size"]),
        ];
        let problems = check_part(&parse(doc), Part::Scenario, &accepted, &[]);
        assert_eq!(
            problems,
            [
                "the top level accepts `seed`, which is not documented",
                "the top level documents `colour`, which the loader does not accept",
                "the top level documents `ghost`, which the loader does not accept",
                "`[tcp]` accepts `variant`, which is not documented",
                "`[flow]` accepts `size`, which is not documented",
                "`[ghost]` is documented, but the loader reads no such table",
            ],
            "every difference, once"
        );
    }

    /// The real page with one row removed and one row added in each part, and a per-kind row
    /// moved to the wrong kind, gives exactly those differences: the check is wired to the
    /// real loaders, not only to the synthetic lists above.
    #[test]
    fn the_checker_catches_edits_of_the_real_page() {
        let remove = |doc: &str, row_start: &str| {
            let n = doc.matches(row_start).count();
            assert_eq!(n, 1, "one row starts with {row_start:?}");
            doc.lines()
                .filter(|l| !l.starts_with(row_start))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let mut doc = remove(DOC, "| `min_rto` |");
        doc = remove(&doc, "| `tier` |");
        doc = doc.replace(
            "| `ping` | `size` |",
            "| `ping` | `size` | size | 56 | ICMP payload |\n| `ping` | `rate` |",
        );
        doc = doc.replace(
            "| `a` | **required** node name |",
            "| `colour` | string | — | x |\n| `a` | **required** node name |",
        );
        assert_eq!(
            check(&doc),
            [
                "`[tcp]` accepts `min_rto`, which is not documented",
                // The `[tcp]` section documents `[migration.tcp]` too.
                "`[migration.tcp]` accepts `min_rto`, which is not documented",
                "`[node]` accepts `tier`, which is not documented",
                "`[link]` documents `colour`, which the loader does not accept",
                "flow kind `ping` is documented with `rate`, which it does not take",
            ],
            "exactly the edits"
        );
    }

    /// The topology kinds of the page are the loader's (`TopologyKind`'s serde names), and each
    /// kind's documented keys are the ones the loader takes for it: a documented key loads
    /// without "does not apply", every other kind's key is refused with it.
    #[test]
    fn topology_kinds_take_the_documented_keys() {
        let sections = parse(DOC);
        let topology = sections
            .iter()
            .find(|s| s.paths == ["topology"])
            .expect("[topology]");
        let kinds: BTreeSet<&str> = topology.kind_keys.iter().map(|(k, _)| k.as_str()).collect();
        let known: BTreeSet<&str> = variants_of::<TopologyKind>().iter().copied().collect();
        assert_eq!(kinds, known, "the documented kinds are the loader's");
        let all: BTreeSet<&str> = topology
            .kind_keys
            .iter()
            .filter_map(|(_, k)| k.as_deref())
            .collect();
        let sample = |key: &str| match key {
            "k" => "4",
            "bottleneck" => "{ rate = \"1Gbps\" }",
            "path" => "\"t.toml\"",
            "fabric" => "\"leaf-spine\"",
            "wan" | "tunnel" => "{ rate = \"1Gbps\" }",
            "of" => "{ kind = \"star\" }",
            _ => "2",
        };
        let mut problems = Vec::new();
        for kind in &kinds {
            for key in &all {
                let takes = topology
                    .kind_keys
                    .iter()
                    .any(|(k, x)| k == kind && x.as_deref() == Some(*key));
                let text = format!("[topology]\nkind = \"{kind}\"\n{key} = {}\n", sample(key));
                let refused = error_of(&text).is_some_and(|e| e.contains("does not apply"));
                if takes == refused {
                    problems.push(format!(
                        "{kind} with `{key}`: documented {takes}, refused {refused}"
                    ));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// The variant recorder reads an enum's file names (so the kind check above compares
    /// real names).
    #[test]
    fn variants_are_recorded_by_their_file_names() {
        assert_eq!(
            variants_of::<FlowKind>(),
            [
                "tcp-bulk",
                "udp-cbr",
                "udp-onoff",
                "ping",
                "request-response",
                "http-probe",
                "dns",
                "stream"
            ],
            "FlowKind"
        );
    }
}
