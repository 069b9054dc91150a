//! Renderers for `netsim topo KIND --format dot|json|table` (and `toml`, the topology-file
//! format, to start a custom topology from a generated one).

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use petgraph::visit::NodeIndexable;
use serde::Serialize;

use crate::{LinkRef, NodeIndex, Topology};

#[derive(Serialize)]
struct JsonTopology<'a> {
    kind: &'a str,
    nodes: Vec<JsonNode<'a>>,
    links: Vec<JsonLink<'a>>,
}

#[derive(Serialize)]
struct JsonNode<'a> {
    name: &'a str,
    role: String,
    tier: Option<String>,
    ip: Option<Ipv4Addr>,
}

#[derive(Serialize)]
struct JsonLink<'a> {
    a: &'a str,
    b: &'a str,
    a_port: usize,
    b_port: usize,
    rate: String,
    delay: String,
    queue: String,
    loss: f64,
}

/// A TOML basic string literal.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Lays rows out in left-aligned columns two spaces apart, without trailing spaces.
fn columns(rows: &[Vec<String>]) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> = (0..n)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            let pad = width[c] - cell.chars().count();
            line.push_str(cell);
            line.extend(std::iter::repeat_n(' ', pad + 2));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

impl Topology {
    /// Every link in build order with its port number at each end.
    pub fn links_with_ports(&self) -> Vec<(LinkRef<'_>, usize, usize)> {
        let mut next = vec![0usize; self.graph().node_bound()];
        self.links_in_build_order()
            .map(|l| {
                let pa = next[l.a.index()];
                next[l.a.index()] += 1;
                let pb = next[l.b.index()];
                next[l.b.index()] += 1;
                (l, pa, pb)
            })
            .collect()
    }

    /// Graphviz: hosts as boxes, switches as ellipses labelled with tier and address; each link
    /// labelled with rate and delay, its port numbers at the ends (`taillabel` is `a`'s port).
    pub fn to_dot(&self) -> String {
        let mut s = format!(
            "graph {} {{\n  node [fontname=\"monospace\"];\n",
            quote(self.kind())
        );
        for n in self.graph().node_weights() {
            let (shape, mut label) = match n.role.tier() {
                None => ("box", n.name.clone()),
                Some(t) => ("ellipse", format!("{} ({t})", n.name)),
            };
            if let Some(ip) = n.ip {
                let _ = write!(label, "\\n{ip}");
            }
            let _ = writeln!(
                s,
                "  {} [shape={shape}, label=\"{label}\"];",
                quote(&n.name)
            );
        }
        for (l, pa, pb) in self.links_with_ports() {
            let _ = writeln!(
                s,
                "  {} -- {} [label=\"{} {}\", taillabel=\"{pa}\", headlabel=\"{pb}\"];",
                quote(self.name(l.a)),
                quote(self.name(l.b)),
                l.spec.rate,
                l.spec.delay
            );
        }
        s.push_str("}\n");
        s
    }

    /// JSON: `{kind, nodes: [{name, role, tier, ip}], links: [{a, b, a_port, b_port, rate,
    /// delay, queue, loss}]}`, nodes in node order and links in build order; quantities as
    /// the scenario writes them ("1Gbps", "1us", "100p").
    pub fn to_json(&self) -> String {
        let doc = JsonTopology {
            kind: self.kind(),
            nodes: self
                .graph()
                .node_weights()
                .map(|n| JsonNode {
                    name: &n.name,
                    role: n.role.to_string(),
                    tier: n.role.tier().map(|t| t.to_string()),
                    ip: n.ip,
                })
                .collect(),
            links: self
                .links_with_ports()
                .into_iter()
                .map(|(l, a_port, b_port)| JsonLink {
                    a: self.name(l.a),
                    b: self.name(l.b),
                    a_port,
                    b_port,
                    rate: l.spec.rate.to_string(),
                    delay: l.spec.delay.to_string(),
                    queue: l.spec.queue.to_string(),
                    loss: l.spec.loss,
                })
                .collect(),
        };
        // Strings, integers and a loss validated to be finite: serialisation cannot fail.
        let mut s = serde_json::to_string_pretty(&doc).expect("plain data serialises");
        s.push('\n');
        s
    }

    /// Plain text: the summary line, a node table (name, role, tier, ip, ports) and a link
    /// table in build order (#, a, port, b, port, rate, delay, queue, loss).
    pub fn to_table(&self) -> String {
        self.to_table_with_macs(|_| None)
    }

    /// [`Topology::to_table`] with a `mac` column: `mac(n)` is the address of node `n`'s
    /// port 0 (its uplink, for a host), or `None` (shown as `-`). The topology does not assign
    /// MAC addresses; the simulator that builds it does, so it supplies them.
    pub fn to_table_with_macs(&self, mac: impl Fn(NodeIndex) -> Option<String>) -> String {
        let macs: Vec<Option<String>> = self.graph().node_indices().map(&mac).collect();
        let with_macs = macs.iter().any(Option::is_some);
        let mut header = vec!["node", "role", "tier", "ip"];
        if with_macs {
            header.push("mac");
        }
        header.push("ports");
        let mut nodes = vec![header.into_iter().map(String::from).collect::<Vec<_>>()];
        for n in self.graph().node_indices() {
            let spec = self.spec(n);
            let mut row = vec![
                spec.name.clone(),
                spec.role.to_string(),
                spec.role.tier().map_or("-".into(), |t| t.to_string()),
                spec.ip.map_or("-".into(), |ip| ip.to_string()),
            ];
            if with_macs {
                row.push(macs[n.index()].clone().unwrap_or_else(|| "-".into()));
            }
            row.push(self.ports(n).len().to_string());
            nodes.push(row);
        }
        let mut links = vec![
            [
                "#", "a", "port", "b", "port", "rate", "delay", "queue", "loss",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for (l, pa, pb) in self.links_with_ports() {
            links.push(vec![
                l.id.index().to_string(),
                self.name(l.a).to_string(),
                pa.to_string(),
                self.name(l.b).to_string(),
                pb.to_string(),
                l.spec.rate.to_string(),
                l.spec.delay.to_string(),
                l.spec.queue.to_string(),
                l.spec.loss.to_string(),
            ]);
        }
        format!(
            "{}\n\n{}\n{}",
            self.summary(),
            columns(&nodes),
            columns(&links)
        )
    }

    /// The topology-file format ([`crate::from_file`]) with every address and link parameter
    /// explicit: loading it gives this topology back, in the same order.
    pub fn to_toml(&self) -> String {
        let mut s = format!("# {}\n", self.summary());
        for n in self.graph().node_weights() {
            let _ = write!(s, "\n[[node]]\nname = {}\n", quote(&n.name));
            match n.role.tier() {
                None => s.push_str("kind = \"host\"\n"),
                Some(t) => {
                    let _ = write!(s, "kind = \"switch\"\ntier = \"{t}\"\n");
                }
            }
            if let Some(ip) = n.ip {
                let _ = writeln!(s, "ip = \"{ip}\"");
            }
        }
        for l in self.links_in_build_order() {
            let _ = write!(
                s,
                "\n[[link]]\na = {}\nb = {}\nrate = \"{}\"\ndelay = \"{}\"\nqueue = \"{}\"\nloss = {:?}\n",
                quote(self.name(l.a)),
                quote(self.name(l.b)),
                l.spec.rate,
                l.spec.delay,
                l.spec.queue,
                l.spec.loss
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use crate::{LinkConfig, star};

    /// The table lists nodes and links with aligned columns and per-end port numbers.
    #[test]
    fn table_of_a_star() {
        let t = star(2, LinkConfig::default()).expect("valid");
        let want = "\
star: 3 nodes (2 hosts, 1 switch), 2 links

node  role    tier  ip        ports
h0    host    -     10.0.0.1  1
h1    host    -     10.0.0.2  1
s0    switch  edge  -         2

#  a   port  b   port  rate   delay  queue  loss
0  h0  0     s0  0     1Gbps  1us    100p   0
1  h1  0     s0  1     1Gbps  1us    100p   0
";
        assert_eq!(t.to_table(), want, "table layout");
    }

    /// The dot output is an undirected graph with one statement per node and per link, link
    /// labels carrying rate and delay, and port numbers at the ends.
    #[test]
    fn dot_of_a_star() {
        let t = star(2, LinkConfig::default()).expect("valid");
        let dot = t.to_dot();
        assert!(dot.starts_with("graph \"star\" {\n"), "{dot}");
        assert!(
            dot.contains("\"h1\" [shape=box, label=\"h1\\n10.0.0.2\"];"),
            "{dot}"
        );
        assert!(
            dot.contains("\"s0\" [shape=ellipse, label=\"s0 (edge)\"];"),
            "{dot}"
        );
        assert!(
            dot.contains(
                "\"h1\" -- \"s0\" [label=\"1Gbps 1us\", taillabel=\"0\", headlabel=\"1\"];"
            ),
            "{dot}"
        );
        assert!(dot.ends_with("}\n"), "closed");
    }

    /// The JSON has the documented fields, nodes in order and links in build order, and
    /// parses back as JSON.
    #[test]
    fn json_of_a_star() {
        let t = star(2, LinkConfig::default()).expect("valid");
        let v: serde_json::Value = serde_json::from_str(&t.to_json()).expect("valid JSON");
        assert_eq!(v["kind"], "star", "kind");
        assert_eq!(
            v["nodes"][2],
            serde_json::json!({"name": "s0", "role": "switch", "tier": "edge", "ip": null}),
            "switch node"
        );
        assert_eq!(
            v["nodes"][0],
            serde_json::json!({"name": "h0", "role": "host", "tier": null, "ip": "10.0.0.1"}),
            "host node"
        );
        assert_eq!(
            v["links"][1],
            serde_json::json!({"a": "h1", "b": "s0", "a_port": 0, "b_port": 1, "rate": "1Gbps",
                               "delay": "1us", "queue": "100p", "loss": 0.0}),
            "second link"
        );
    }
}
