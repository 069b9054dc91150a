//! The [`Topology`] value every builder returns, and the crate-internal [`Builder`] they share.

use std::collections::{BTreeMap, VecDeque};
use std::net::Ipv4Addr;

use petgraph::Undirected;
use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableGraph};
use petgraph::visit::{EdgeRef, NodeIndexable};

use crate::{LinkConfig, NodeSpec, Role, Tier, TopologyError};

/// The graph type: undirected, stable indices, node and link specs as weights.
pub type Graph = StableGraph<NodeSpec, LinkConfig, Undirected>;

/// A built topology: a connected graph with unique node names and unique addresses.
///
/// **Build order is part of the contract.** Node indices follow the order in which nodes were
/// added and edge indices the order in which links were built (each builder documents both).
/// The simulator numbers a node's ports 0, 1, … in the build order of that node's links, so
/// [`Topology::ports`] *is* the port map, and `pcap/<node>-<port>.pcap` names follow from it.
/// A link's endpoints `(a, b)` are kept in the order the builder gave them.
#[derive(Debug, Clone)]
pub struct Topology {
    graph: Graph,
    kind: &'static str,
    index: BTreeMap<String, NodeIndex>,
}

/// One link as seen through [`Topology::links_in_build_order`].
#[derive(Debug, Clone, Copy)]
pub struct LinkRef<'a> {
    /// The link's id (its position in build order).
    pub id: EdgeIndex,
    /// The first endpoint as the builder gave it.
    pub a: NodeIndex,
    /// The second endpoint.
    pub b: NodeIndex,
    /// Its parameters.
    pub spec: &'a LinkConfig,
}

impl Topology {
    /// The topology kind as the scenario writes it: "fat-tree", "dumbbell", "leaf-spine",
    /// "linear", "star", "qin2017", "arora2013" or "file".
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The underlying graph (read-only, so the name index and build order stay valid).
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The node called `name`.
    pub fn node(&self, name: &str) -> Option<NodeIndex> {
        self.index.get(name).copied()
    }

    /// The spec of node `n`. Panics if `n` is not a node of this topology (a caller bug).
    pub fn spec(&self, n: NodeIndex) -> &NodeSpec {
        &self.graph[n]
    }

    /// The name of node `n`. Panics if `n` is not a node of this topology.
    pub fn name(&self, n: NodeIndex) -> &str {
        &self.graph[n].name
    }

    /// The address of node `n`, if it has one (hosts always do).
    pub fn ip(&self, n: NodeIndex) -> Option<Ipv4Addr> {
        self.graph[n].ip
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    /// Number of links.
    pub fn link_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// Hosts, in node order.
    pub fn hosts(&self) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph
            .node_indices()
            .filter(|&n| self.graph[n].role.is_host())
    }

    /// Switches, in node order.
    pub fn switches(&self) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph
            .node_indices()
            .filter(|&n| !self.graph[n].role.is_host())
    }

    /// Switches of one tier, in node order.
    pub fn switches_in(&self, tier: Tier) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph
            .node_indices()
            .filter(move |&n| self.graph[n].role.tier() == Some(tier))
    }

    /// Every link in the order it was built: the order the simulator must create them in.
    pub fn links_in_build_order(&self) -> impl Iterator<Item = LinkRef<'_>> + '_ {
        // A StableGraph with no removals hands out edge indices 0, 1, … in insertion order and
        // iterates them in index order.
        self.graph.edge_indices().map(|id| {
            let (a, b) = self
                .graph
                .edge_endpoints(id)
                .expect("edge_indices yields live edges");
            LinkRef {
                id,
                a,
                b,
                spec: &self.graph[id],
            }
        })
    }

    /// Node `n`'s links in port order (port 0 first): `(link, neighbour)`.
    pub fn ports(&self, n: NodeIndex) -> Vec<(EdgeIndex, NodeIndex)> {
        let mut p: Vec<_> = self
            .graph
            .edges(n)
            .map(|e| {
                (
                    e.id(),
                    if e.source() == n {
                        e.target()
                    } else {
                        e.source()
                    },
                )
            })
            .collect();
        p.sort_by_key(|&(e, _)| e);
        p
    }

    /// The link between the nodes called `a` and `b` (either order).
    pub fn find_link(&self, a: &str, b: &str) -> Option<EdgeIndex> {
        let (a, b) = (self.node(a)?, self.node(b)?);
        self.graph.find_edge(a, b)
    }

    /// The link's name, `a-b`, endpoints in build order (the scenario's `[[event]] link` form).
    pub fn link_name(&self, e: EdgeIndex) -> String {
        let (a, b) = self
            .graph
            .edge_endpoints(e)
            .expect("a link of this topology");
        format!("{}-{}", self.name(a), self.name(b))
    }

    /// `true` if every node can reach every other (an empty graph counts as connected).
    pub fn is_connected(&self) -> bool {
        self.unreachable_pair().is_none()
    }

    /// The first node and the first (in node order) node it cannot reach, if any.
    pub fn unreachable_pair(&self) -> Option<(NodeIndex, NodeIndex)> {
        unreachable_pair(&self.graph)
    }

    /// One-line summary: "fat-tree: 36 nodes (16 hosts, 20 switches), 48 links".
    pub fn summary(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let hosts = self.hosts().count();
        format!(
            "{}: {} ({}, {}), {}",
            self.kind,
            plural(self.node_count(), "node", "nodes"),
            plural(hosts, "host", "hosts"),
            plural(self.node_count() - hosts, "switch", "switches"),
            plural(self.link_count(), "link", "links")
        )
    }
}

fn unreachable_pair(g: &Graph) -> Option<(NodeIndex, NodeIndex)> {
    let first = g.node_indices().next()?;
    let mut seen = vec![false; g.node_bound()];
    seen[first.index()] = true;
    let mut queue = VecDeque::from([first]);
    while let Some(n) = queue.pop_front() {
        for m in g.neighbors(n) {
            if !std::mem::replace(&mut seen[m.index()], true) {
                queue.push_back(m);
            }
        }
    }
    g.node_indices()
        .find(|n| !seen[n.index()])
        .map(|n| (first, n))
}

/// What the builders share: adds nodes and links in build order and checks connectivity at the
/// end. Names and addresses are the caller's responsibility (generated builders make them
/// unique by construction; the file loader checks them with line numbers before adding).
pub(crate) struct Builder {
    graph: Graph,
    kind: &'static str,
    index: BTreeMap<String, NodeIndex>,
}

impl Builder {
    pub(crate) fn new(kind: &'static str) -> Self {
        Builder {
            graph: Graph::default(),
            kind,
            index: BTreeMap::new(),
        }
    }

    pub(crate) fn node(&mut self, name: String, role: Role, ip: Option<Ipv4Addr>) -> NodeIndex {
        debug_assert!(!self.index.contains_key(&name), "duplicate name {name}");
        debug_assert!(
            !role.is_host() || ip.is_some(),
            "host {name} without address"
        );
        let n = self.graph.add_node(NodeSpec {
            name: name.clone(),
            role,
            ip,
        });
        self.index.insert(name, n);
        n
    }

    pub(crate) fn host(&mut self, name: String, ip: Ipv4Addr) -> NodeIndex {
        self.node(name, Role::Host, Some(ip))
    }

    pub(crate) fn switch(&mut self, name: String, tier: Tier, ip: Option<Ipv4Addr>) -> NodeIndex {
        self.node(name, Role::Switch { tier }, ip)
    }

    pub(crate) fn link(&mut self, a: NodeIndex, b: NodeIndex, spec: LinkConfig) -> EdgeIndex {
        debug_assert!(a != b, "self-loop");
        self.graph.add_edge(a, b, spec)
    }

    /// Adds `per_switch` hosts under each of `switches` switches named `<prefix><s>` (hosts
    /// `h0…` switch-major, host i of switch s at 10.0.s.(i+1)) and links each host to its switch;
    /// hosts and their links come first in build order. Returns the switches.
    pub(crate) fn hosts_under_switches(
        &mut self,
        switches: u32,
        per_switch: u32,
        prefix: &str,
        tier: Tier,
        link: LinkConfig,
    ) -> Vec<NodeIndex> {
        let mut hosts = Vec::new();
        for s in 0..switches {
            for i in 0..per_switch {
                let ip = Ipv4Addr::new(10, 0, s as u8, (i + 1) as u8);
                hosts.push((self.host(format!("h{}", hosts.len()), ip), s as usize));
            }
        }
        let sw: Vec<_> = (0..switches)
            .map(|s| self.switch(format!("{prefix}{s}"), tier, None))
            .collect();
        for &(h, s) in &hosts {
            self.link(h, sw[s], link);
        }
        sw
    }

    /// Finishes, refusing a disconnected graph. `path` names the file for a file topology.
    pub(crate) fn finish(self, path: Option<&std::path::Path>) -> Result<Topology, TopologyError> {
        if let Some((a, b)) = unreachable_pair(&self.graph) {
            return Err(TopologyError::Disconnected {
                path: path.map(|p| p.to_path_buf()),
                a: self.graph[a].name.clone(),
                b: self.graph[b].name.clone(),
            });
        }
        Ok(Topology {
            graph: self.graph,
            kind: self.kind,
            index: self.index,
        })
    }
}

/// Checks a count parameter against `min..=max`, with `why` explaining the range.
pub(crate) fn check_range(
    topology: &'static str,
    param: &'static str,
    value: u32,
    min: u32,
    max: u32,
    why: &str,
) -> Result<(), TopologyError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(TopologyError::Parameter {
            topology,
            param,
            value: value.into(),
            expected: format!("{min} to {max} ({why})"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A two-component graph is reported with the first node and the first unreachable one, and
    /// the builder refuses it with both names in the message.
    #[test]
    fn disconnected_graph_is_refused_with_two_names() {
        let mut b = Builder::new("test");
        let x = b.host("x".into(), Ipv4Addr::new(10, 0, 0, 1));
        let y = b.switch("y".into(), Tier::Other, None);
        b.host("z".into(), Ipv4Addr::new(10, 0, 0, 2));
        b.link(x, y, LinkConfig::default());
        let e = b.finish(None).expect_err("z is isolated");
        assert_eq!(
            e.to_string(),
            "topology is disconnected: `x` cannot reach `z`",
            "message names both nodes"
        );
    }

    /// Ports follow link build order per node, whatever petgraph's adjacency order is.
    #[test]
    fn ports_follow_build_order() {
        let mut b = Builder::new("test");
        let s = b.switch("s".into(), Tier::Other, None);
        let hs: Vec<_> = (0..4)
            .map(|i| b.host(format!("h{i}"), Ipv4Addr::new(10, 0, 0, i + 1)))
            .collect();
        for &h in &hs {
            b.link(s, h, LinkConfig::default());
        }
        let t = b.finish(None).expect("connected");
        let peers: Vec<_> = t.ports(s).into_iter().map(|(_, p)| t.name(p)).collect();
        assert_eq!(peers, ["h0", "h1", "h2", "h3"], "port i of s is h_i");
        assert_eq!(t.link_name(t.ports(s)[2].0), "s-h2", "link name a-b");
        assert_eq!(
            t.find_link("h3", "s"),
            Some(t.ports(s)[3].0),
            "either order"
        );
    }
}
