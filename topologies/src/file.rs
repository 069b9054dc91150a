//! Topologies from a TOML file: `[[node]]` and `[[link]]` tables, with line-precise errors.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::ops::Range;
use std::path::Path;

use petgraph::stable_graph::NodeIndex;
use serde::Deserialize;
use sim_core::{DataRate, QueueLimit, SimTime};
use toml::Spanned;

use net_stack::LinkOverrides;
use net_stack::queue::AqmConfig;

use crate::error::Location;
use crate::topology::Builder;
use crate::{LinkConfig, Role, Tier, Topology, TopologyError};

/// A topology file as serde reads it: its `[[node]]` and `[[link]]` tables. Public (hidden) only
/// so that netsim's docs test can list the keys the loader accepts; nothing else reads it.
#[doc(hidden)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    #[serde(default)]
    node: Vec<RawNode>,
    #[serde(default)]
    link: Vec<RawLink>,
}

/// One `[[node]]` of a topology file (public for the same reason as [`RawFile`]).
#[doc(hidden)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNode {
    name: Spanned<String>,
    kind: RawKind,
    #[serde(default)]
    ip: Option<Spanned<Ipv4Addr>>,
    #[serde(default)]
    tier: Option<Spanned<Tier>>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
enum RawKind {
    Host,
    Switch,
}

/// One `[[link]]` of a topology file (public for the same reason as [`RawFile`]).
#[doc(hidden)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLink {
    a: Spanned<String>,
    b: Spanned<String>,
    #[serde(default)]
    rate: Option<DataRate>,
    #[serde(default)]
    delay: Option<SimTime>,
    #[serde(default)]
    queue: Option<Spanned<QueueLimit>>,
    #[serde(default)]
    loss: Option<Spanned<f64>>,
    #[serde(default)]
    aqm: Option<Spanned<AqmConfig>>,
}

/// Turns byte offsets into 1-based line and column for one file.
struct Source<'a> {
    path: &'a Path,
    text: &'a str,
    /// Byte offset at which each line starts (a binary search keeps large files linear).
    line_starts: Vec<usize>,
}

impl<'a> Source<'a> {
    fn new(path: &'a Path, text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Source {
            path,
            text,
            line_starts,
        }
    }

    fn at(&self, span: Range<usize>) -> Location {
        let start = span.start.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= start); // 1-based
        let line_start = self.line_starts[line - 1];
        Location {
            path: self.path.to_path_buf(),
            line,
            column: self.text[line_start..start].chars().count() + 1,
        }
    }
}

/// The first automatic host address: hosts without `ip` take 10.0.0.1, 10.0.0.2, …,
/// 10.0.0.254, 10.0.1.1, … up to 10.0.255.254, skipping every address given explicitly.
fn auto_addresses() -> impl Iterator<Item = Ipv4Addr> {
    (0..=255u8).flat_map(|c| (1..=254u8).map(move |d| Ipv4Addr::new(10, 0, c, d)))
}

/// The longest node name, in bytes: the scenario's name rule (netsim builds file names such
/// as `pcap/<node>-<port>.pcap` from node names).
pub const MAX_NODE_NAME_LEN: usize = 64;

fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        Err("it is empty")
    } else if name.len() > MAX_NODE_NAME_LEN {
        Err("it is longer than 64 bytes")
    } else if name.starts_with('.') || name.starts_with('_') {
        Err("it must start with a letter or a digit")
    } else if name.contains('-') {
        Err("`-` is reserved: links are named `a-b` by their two nodes")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        Err("use only ASCII letters, digits, `_` and `.`")
    } else {
        Ok(())
    }
}

fn check_address(ip: Ipv4Addr) -> Result<(), &'static str> {
    if ip.is_unspecified() {
        Err("it is the unspecified address")
    } else if ip.is_broadcast() {
        Err("it is the broadcast address")
    } else if ip.is_multicast() {
        Err("it is a multicast address")
    } else if ip.is_loopback() {
        Err("it is a loopback address")
    } else {
        Ok(())
    }
}

/// Edit distance, for "did you mean" hints on unknown node names.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

fn suggest<'a>(name: &str, known: impl Iterator<Item = &'a String>) -> Option<String> {
    known
        .map(|k| (distance(name, k), k))
        .filter(|&(d, k)| d <= 2 && d < k.chars().count().max(2))
        .min()
        .map(|(_, k)| k.clone())
}

/// The largest topology file read, in bytes (a k = 16 fat-tree written out is about 150 KiB).
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// Reads the text file at `path`, refusing one larger than `max` bytes without reading more
/// than one byte past it; `what` names the file in the message ("a topology file"). Shared
/// with the scenario loader.
pub fn read_text_bounded(path: &Path, max: u64, what: &str) -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(max + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!(
                "it is larger than {} MiB, the most netsim reads of {what}",
                max >> 20
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

/// Loads a topology file. `defaults` (the scenario's `link` table) fills every link parameter a
/// `[[link]]` does not override. The format:
///
/// ```toml
/// [[node]]
/// name = "h0"            # ASCII letters, digits, `_`, `.`; no `-` (links are named `a-b`)
/// kind = "host"          # host | switch
/// ip = "10.1.0.1"        # optional; see below
///
/// [[node]]
/// name = "s0"
/// kind = "switch"
/// tier = "edge"          # optional, switches only: edge | aggregation | core | leaf | spine
///                        # | other (the default)
///
/// [[link]]
/// a = "h0"
/// b = "s0"
/// rate = "10Gbps"        # optional per-link overrides of the scenario's `link` table:
/// delay = "5us"          #   rate, delay, queue, loss
/// ```
///
/// * **nodes** keep file order (= node index order); **links** keep file order (= build order,
///   so a node's ports are numbered in the order its links appear in the file), endpoints as
///   written (`a` then `b`).
/// * **addresses**: switches have one only if `ip` is given. A host without `ip` gets the next
///   free address of 10.0.0.1 … 10.0.0.254, 10.0.1.1 … 10.0.255.254, in file order, skipping
///   every address given explicitly anywhere in the file — so adding an `ip` to one node never
///   makes another collide.
/// * **errors** name the file and line: TOML syntax, unknown keys (the message lists the valid
///   ones), wrong types or units (a zero or malformed rate, a bad address), an empty file,
///   invalid or duplicate node names, duplicate or unusable addresses, a `tier` on a host,
///   links to unknown nodes (with a "did you mean"), self-loops, a second link between the
///   same two nodes, loss outside [0, 1], and a disconnected graph (naming two nodes that
///   cannot reach each other).
pub fn from_file(path: &Path, defaults: &LinkConfig) -> Result<Topology, TopologyError> {
    let text = read_text_bounded(path, MAX_FILE_BYTES, "a topology file").map_err(|e| {
        // The OS's words ("No such file or directory"), without " (os error 2)".
        let text = e.to_string();
        TopologyError::Read {
            path: path.to_path_buf(),
            reason: text.split(" (os error").next().unwrap_or(&text).to_string(),
        }
    })?;
    from_toml_str(&text, path, defaults)
}

/// [`from_file`] on text already read; `path` is used only in messages.
pub fn from_toml_str(
    text: &str,
    path: &Path,
    defaults: &LinkConfig,
) -> Result<Topology, TopologyError> {
    let src = Source::new(path, text);
    defaults
        .validate()
        .map_err(|error| TopologyError::BadLink {
            at: None,
            what: "the `link` parameters".into(),
            error: Box::new(error),
        })?;
    let raw: RawFile = toml::from_str(text).map_err(|e| TopologyError::Toml {
        at: src.at(e.span().unwrap_or(0..0)),
        // Serde's Rust type names ("struct RawNode", "u32") in words.
        message: sim_core::message_in_words(e.message()),
    })?;
    if raw.node.is_empty() {
        return Err(TopologyError::Empty {
            path: path.to_path_buf(),
        });
    }

    // Names, tiers and explicit addresses, with the place of each first use.
    let mut names: BTreeMap<String, usize> = BTreeMap::new(); // name -> line
    let mut used: BTreeMap<Ipv4Addr, String> = BTreeMap::new(); // address -> owner
    for n in &raw.node {
        let name = n.name.get_ref();
        let at = src.at(n.name.span());
        check_name(name).map_err(|reason| TopologyError::InvalidName {
            at: at.clone(),
            name: name.clone(),
            reason,
        })?;
        if let Some(&first_line) = names.get(name) {
            return Err(TopologyError::DuplicateNode {
                at,
                name: name.clone(),
                first_line,
            });
        }
        names.insert(name.clone(), at.line);
        if let (RawKind::Host, Some(tier)) = (n.kind, &n.tier) {
            return Err(TopologyError::HostTier {
                at: src.at(tier.span()),
                name: name.clone(),
            });
        }
        if let Some(ip) = &n.ip {
            let (addr, at) = (*ip.get_ref(), src.at(ip.span()));
            check_address(addr).map_err(|reason| TopologyError::InvalidAddress {
                at: at.clone(),
                name: name.clone(),
                ip: addr,
                reason,
            })?;
            if let Some(other) = used.get(&addr) {
                return Err(TopologyError::DuplicateAddress {
                    at,
                    ip: addr,
                    name: name.clone(),
                    other: other.clone(),
                });
            }
            used.insert(addr, name.clone());
        }
    }

    let mut b = Builder::new("file");
    let mut free = auto_addresses().filter(|a| !used.contains_key(a));
    let mut index: BTreeMap<&str, NodeIndex> = BTreeMap::new();
    for n in &raw.node {
        let name = n.name.get_ref();
        let ip = n.ip.as_ref().map(|ip| *ip.get_ref());
        let (role, ip) = match n.kind {
            RawKind::Host => {
                let ip = match ip {
                    Some(ip) => ip,
                    None => free
                        .next()
                        .ok_or_else(|| TopologyError::AddressesExhausted {
                            at: src.at(n.name.span()),
                            name: name.clone(),
                        })?,
                };
                (Role::Host, Some(ip))
            }
            RawKind::Switch => {
                let tier = n.tier.as_ref().map_or(Tier::Other, |t| *t.get_ref());
                (Role::Switch { tier }, ip)
            }
        };
        index.insert(name, b.node(name.clone(), role, ip));
    }

    let mut seen: BTreeMap<(NodeIndex, NodeIndex), usize> = BTreeMap::new(); // pair -> line
    for l in &raw.link {
        let at = src.at(l.a.span());
        let end = |s: &Spanned<String>| {
            index
                .get(s.get_ref().as_str())
                .copied()
                .ok_or_else(|| TopologyError::UnknownNode {
                    at: src.at(s.span()),
                    name: s.get_ref().clone(),
                    suggestion: suggest(s.get_ref(), names.keys()),
                })
        };
        let (a, b_) = (end(&l.a)?, end(&l.b)?);
        if a == b_ {
            return Err(TopologyError::SelfLoop {
                at,
                name: l.a.get_ref().clone(),
            });
        }
        let key = (a.min(b_), a.max(b_));
        if let Some(&first_line) = seen.get(&key) {
            return Err(TopologyError::DuplicateLink {
                at,
                a: l.a.get_ref().clone(),
                b: l.b.get_ref().clone(),
                first_line,
            });
        }
        seen.insert(key, at.line);
        let overrides = LinkOverrides {
            rate: l.rate,
            delay: l.delay,
            queue: l.queue.as_ref().map(|x| *x.get_ref()),
            loss: l.loss.as_ref().map(|x| *x.get_ref()),
            aqm: l.aqm.as_ref().map(|x| *x.get_ref()),
        };
        let spec = overrides.over(*defaults);
        if let Err(error) = spec.validate() {
            // Only a value given here can be wrong: the defaults were checked above. An `aqm`
            // rule broken by the scenario's discipline can only be this link's `queue`.
            let queue = l.queue.as_ref().map(Spanned::span);
            let span = match error.field {
                "loss" => l.loss.as_ref().map(Spanned::span),
                "queue" => queue,
                f if f.starts_with("aqm") => l.aqm.as_ref().map(Spanned::span).or(queue),
                _ => None,
            };
            return Err(TopologyError::BadLink {
                at: Some(src.at(span.unwrap_or_else(|| l.a.span()))),
                what: format!("link `{}-{}`", l.a.get_ref(), l.b.get_ref()),
                error: Box::new(error),
            });
        }
        b.link(a, b_, spec);
    }
    b.finish(Some(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"# two switches, two hosts
[[node]]
name = "h0"
kind = "host"
ip = "10.9.0.1"

[[node]]
name = "h1"
kind = "host"

[[node]]
name = "s0"
kind = "switch"
tier = "edge"

[[node]]
name = "s1"
kind = "switch"
ip = "10.0.0.1"

[[link]]
a = "h0"
b = "s0"

[[link]]
a = "s0"
b = "s1"
rate = "10Gbps"
delay = "5us"
queue = "50p"
loss = 0.01

[[link]]
a = "s1"
b = "h1"
"#;

    fn load(text: &str) -> Result<Topology, TopologyError> {
        from_toml_str(text, Path::new("t.toml"), &LinkConfig::default())
    }

    /// A good file loads with file order kept, defaults and per-link overrides applied, and an
    /// automatic host address that skips the explicit 10.0.0.1 of `s1`.
    #[test]
    fn good_file_loads() {
        let t = load(GOOD).expect("good file");
        assert_eq!(t.kind(), "file", "kind");
        let names: Vec<_> = t.graph().node_weights().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["h0", "h1", "s0", "s1"], "node order is file order");
        let links: Vec<_> = t
            .links_in_build_order()
            .map(|l| t.link_name(l.id))
            .collect();
        assert_eq!(
            links,
            ["h0-s0", "s0-s1", "s1-h1"],
            "build order is file order"
        );
        let ip = |n: &str| t.ip(t.node(n).expect(n));
        assert_eq!(
            ip("h0"),
            Some(Ipv4Addr::new(10, 9, 0, 1)),
            "explicit host address"
        );
        assert_eq!(
            ip("h1"),
            Some(Ipv4Addr::new(10, 0, 0, 2)),
            "automatic, skips 10.0.0.1"
        );
        assert_eq!(ip("s0"), None, "switch without ip");
        assert_eq!(ip("s1"), Some(Ipv4Addr::new(10, 0, 0, 1)), "switch with ip");
        assert_eq!(
            t.spec(t.node("s0").expect("s0")).role,
            Role::Switch { tier: Tier::Edge }
        );
        assert_eq!(
            t.spec(t.node("s1").expect("s1")).role,
            Role::Switch { tier: Tier::Other }
        );
        let specs: Vec<_> = t.links_in_build_order().map(|l| *l.spec).collect();
        assert_eq!(specs[0], LinkConfig::default(), "defaults apply");
        assert_eq!(
            specs[1],
            LinkConfig {
                rate: DataRate::gbps(10),
                delay: SimTime::from_us(5),
                queue: QueueLimit::Packets(50),
                loss: 0.01,
                aqm: Default::default(),
            },
            "every override applies"
        );
    }

    /// Writing a loaded file back with `to_toml` and loading that gives the same topology:
    /// names, roles, addresses, link order, endpoints and parameters (and the same text again).
    #[test]
    fn good_file_round_trips_through_to_toml() {
        let t = load(GOOD).expect("good file");
        let text = t.to_toml();
        let u = load(&text).unwrap_or_else(|e| panic!("reload failed: {e}\n{text}"));
        let nodes = |t: &Topology| t.graph().node_weights().cloned().collect::<Vec<_>>();
        assert_eq!(nodes(&t), nodes(&u), "nodes survive the round trip");
        let links = |t: &Topology| {
            t.links_in_build_order()
                .map(|l| (t.link_name(l.id), *l.spec))
                .collect::<Vec<_>>()
        };
        assert_eq!(links(&t), links(&u), "links survive the round trip");
        assert_eq!(u.to_toml(), text, "a fixed point");
    }

    /// Each bad file is refused with the expected variant, and a message that names the file,
    /// the line (where one applies) and the problem.
    #[test]
    fn bad_files_give_pointed_errors() {
        let node = |n: &str| format!("[[node]]\nname = \"{n}\"\nkind = \"host\"\n");
        let two = format!("{}{}", node("h0"), node("h1")); // lines 1–6
        let link = |a: &str, b: &str| format!("[[link]]\na = \"{a}\"\nb = \"{b}\"\n");
        type Check = fn(&TopologyError) -> bool;
        let cases: Vec<(&str, String, Check, &str)> = vec![
            (
                "unknown key in a node",
                format!("{}colour = \"red\"\n", node("h0")),
                |e| matches!(e, TopologyError::Toml { .. }),
                "t.toml:4:1: unknown field `colour`, expected one of `name`, `kind`, `ip`, `tier`",
            ),
            (
                "unknown top-level table",
                "[[nodes]]\nname = \"h0\"\n".into(),
                |e| matches!(e, TopologyError::Toml { .. }),
                "t.toml:1:3: unknown field `nodes`",
            ),
            (
                "unknown key in a link",
                format!("{two}{}bandwidth = \"1Gbps\"\n", link("h0", "h1")),
                |e| matches!(e, TopologyError::Toml { .. }),
                "t.toml:10:1: unknown field `bandwidth`",
            ),
            (
                "missing kind",
                "[[node]]\nname = \"h0\"\n".into(),
                |e| matches!(e, TopologyError::Toml { .. }),
                "missing field `kind`",
            ),
            (
                "unknown kind",
                "[[node]]\nname = \"h0\"\nkind = \"router\"\n".into(),
                |e| matches!(e, TopologyError::Toml { .. }),
                "t.toml:3:8: unknown variant `router`, expected `host` or `switch`",
            ),
            (
                "wrong type for the node list, in words",
                "node = 5\n".into(),
                |e| matches!(e, TopologyError::Toml { .. }),
                "t.toml:1:8: expected a list, found integer `5`",
            ),
            (
                "wrong type for a name, in words",
                "[[node]]\nname = [1]\nkind = \"host\"\n".into(),
                |e| matches!(e, TopologyError::Toml { .. }),
                "t.toml:2:8: expected a string, found a list",
            ),
            (
                "wrong type for a node, in words",
                "node = [5]\n".into(),
                |e| matches!(e, TopologyError::Toml { .. }),
                "expected a table, found integer `5`",
            ),
            (
                "wrong type for a kind, in words",
                "[[node]]\nname = \"h0\"\nkind = 5\n".into(),
                |e| matches!(e, TopologyError::Toml { .. }),
                "t.toml:3:8: expected a string naming one of the values this key takes",
            ),
            (
                "zero rate",
                format!("{two}{}rate = \"0Gbps\"\n", link("h0", "h1")),
                |e| matches!(e, TopologyError::Toml { .. }),
                "t.toml:10:8: `0Gbps`: a rate must be greater than zero",
            ),
            (
                "malformed address",
                format!("{}ip = \"10.0.0.300\"\n", node("h0")),
                |e| matches!(e, TopologyError::Toml { .. }),
                "t.toml:4:6: invalid IPv4 address syntax",
            ),
            (
                "TOML syntax",
                "[[node]\n".into(),
                |e| matches!(e, TopologyError::Toml { .. }),
                "t.toml:1:",
            ),
            (
                "no nodes",
                "# nothing\n".into(),
                |e| matches!(e, TopologyError::Empty { .. }),
                "t.toml: defines no nodes",
            ),
            (
                "duplicate node",
                format!("{two}{}", node("h0")),
                |e| matches!(e, TopologyError::DuplicateNode { .. }),
                "t.toml:8:8: duplicate node name `h0` (first defined on line 2)",
            ),
            (
                "dash in a name",
                node("h-0"),
                |e| matches!(e, TopologyError::InvalidName { .. }),
                "t.toml:2:8: node name `h-0` is invalid: `-` is reserved",
            ),
            (
                "empty name",
                node(""),
                |e| matches!(e, TopologyError::InvalidName { .. }),
                "t.toml:2:8: node name `` is invalid: it is empty",
            ),
            (
                "duplicate address",
                format!(
                    "{}ip = \"10.0.0.7\"\n{}ip = \"10.0.0.7\"\n",
                    node("h0"),
                    node("h1")
                ),
                |e| matches!(e, TopologyError::DuplicateAddress { .. }),
                "t.toml:8:6: address 10.0.0.7 of `h1` is already used by `h0`",
            ),
            (
                "broadcast address",
                format!("{}ip = \"255.255.255.255\"\n", node("h0")),
                |e| matches!(e, TopologyError::InvalidAddress { .. }),
                "t.toml:4:6: address 255.255.255.255 of `h0` cannot be a node's address",
            ),
            (
                "tier on a host",
                format!("{}tier = \"edge\"\n", node("h0")),
                |e| matches!(e, TopologyError::HostTier { .. }),
                "t.toml:4:8: `tier` is only for switches, but `h0` is a host",
            ),
            (
                "unknown node in a link",
                format!("{two}{}", link("h0", "h2")),
                |e| matches!(e, TopologyError::UnknownNode { .. }),
                "t.toml:9:5: link names unknown node `h2`; did you mean `h0`?",
            ),
            (
                "unknown node, nothing close",
                format!("{two}{}", link("spine7", "h1")),
                |e| {
                    matches!(
                        e,
                        TopologyError::UnknownNode {
                            suggestion: None,
                            ..
                        }
                    )
                },
                "t.toml:8:5: link names unknown node `spine7`",
            ),
            (
                "self-loop",
                format!("{two}{}", link("h0", "h0")),
                |e| matches!(e, TopologyError::SelfLoop { .. }),
                "t.toml:8:5: link connects `h0` to itself",
            ),
            (
                "duplicate link, reversed",
                format!("{two}{}{}", link("h0", "h1"), link("h1", "h0")),
                |e| matches!(e, TopologyError::DuplicateLink { .. }),
                "t.toml:11:5: a link between `h1` and `h0` already exists (line 8)",
            ),
            (
                "loss above 1",
                format!("{two}{}loss = 1.5\n", link("h0", "h1")),
                |e| matches!(e, TopologyError::BadLink { .. }),
                "t.toml:10:8: link `h0-h1`: `loss` must be between 0 and 1, not 1.5",
            ),
            (
                "negative loss",
                format!("{two}{}loss = -0.1\n", link("h0", "h1")),
                |e| matches!(e, TopologyError::BadLink { .. }),
                "`loss` must be between 0 and 1, not -0.1",
            ),
            (
                "disconnected",
                format!("{two}{}", node("h2")) + &link("h0", "h1"),
                |e| matches!(e, TopologyError::Disconnected { .. }),
                "t.toml: topology is disconnected: `h0` cannot reach `h2`",
            ),
        ];
        for (what, text, check, fragment) in cases {
            let e = match load(&text) {
                Ok(_) => panic!("{what}: loaded, but should fail:\n{text}"),
                Err(e) => e,
            };
            assert!(check(&e), "{what}: wrong variant {e:?}");
            let msg = e.to_string();
            assert!(
                msg.contains(fragment),
                "{what}: message\n  {msg}\nlacks\n  {fragment}"
            );
            for rust in [
                "struct ", "enum ", "Raw", "u32", "u64", "f64", "sequence", "map",
            ] {
                assert!(!msg.contains(rust), "{what}: `{rust}` in {msg}");
            }
        }
    }

    /// A missing file names the path and the reason; bad scenario `link` defaults are refused
    /// before the file is even parsed.
    #[test]
    fn missing_file_and_bad_defaults() {
        let e = from_file(Path::new("no/such.toml"), &LinkConfig::default()).expect_err("missing");
        assert!(matches!(e, TopologyError::Read { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            "cannot read topology file `no/such.toml`: No such file or directory"
        );
        let bad = LinkConfig {
            loss: 7.0,
            ..LinkConfig::default()
        };
        let e = from_toml_str(GOOD, Path::new("t.toml"), &bad).expect_err("bad defaults");
        assert!(
            e.to_string()
                .contains("the `link` parameters: `loss` must be between 0 and 1, not 7"),
            "{e}"
        );
    }

    /// Automatic addresses run 10.0.0.1…10.0.0.254, then 10.0.1.1, skipping explicit ones.
    #[test]
    fn automatic_addresses_skip_explicit_ones_and_wrap() {
        let mut text = String::from("[[node]]\nname = \"s\"\nkind = \"switch\"\n");
        text += "[[node]]\nname = \"x\"\nkind = \"host\"\nip = \"10.0.0.3\"\n[[link]]\na = \"s\"\nb = \"x\"\n";
        for i in 0..300 {
            text += &format!("[[node]]\nname = \"h{i}\"\nkind = \"host\"\n");
            text += &format!("[[link]]\na = \"s\"\nb = \"h{i}\"\n");
        }
        let t = load(&text).expect("valid");
        let ip = |n: &str| t.ip(t.node(n).expect(n)).expect("host address");
        assert_eq!(ip("h0"), Ipv4Addr::new(10, 0, 0, 1), "first");
        assert_eq!(
            ip("h2"),
            Ipv4Addr::new(10, 0, 0, 4),
            "skips explicit 10.0.0.3"
        );
        assert_eq!(ip("h252"), Ipv4Addr::new(10, 0, 0, 254), "last of the /24");
        assert_eq!(ip("h253"), Ipv4Addr::new(10, 0, 1, 1), "wraps");
    }

    /// The "did you mean" hint picks the nearest name within two edits.
    #[test]
    fn suggestions() {
        let known: Vec<String> = ["leaf0", "leaf1", "spine0"].map(String::from).into();
        assert_eq!(
            suggest("leaf2", known.iter()).as_deref(),
            Some("leaf0"),
            "one edit"
        );
        assert_eq!(
            suggest("spin0", known.iter()).as_deref(),
            Some("spine0"),
            "a deletion"
        );
        assert_eq!(suggest("core", known.iter()), None, "nothing close");
    }
}
