//! The scenario's `[topology]` → a [`topologies::Topology`] → simulator nodes and links.
//!
//! Every switch of a topology becomes an IP forwarding node with static shortest-path routes
//! (`controller.app = "none"`) or an OpenFlow switch (any other app; see [`crate::sdn`]);
//! hosts become hosts. Links are connected in the topology's build
//! order, which fixes every node's port numbers (see the `topologies` crate docs).

use net_stack::NetworkBuilder;
use topologies::{Topology, TopologyError};

use crate::scenario::{Scenario, ScenarioError, ScenarioSource, TopologyShape, TopologySpec};

/// Builds the scenario's topology graph; errors point at the `[topology]` table (and, for a
/// topology file, name the file and line).
pub fn topology_of(
    scenario: &Scenario,
    source: &ScenarioSource,
) -> Result<Topology, ScenarioError> {
    build(&scenario.topology, source)
}

fn build(t: &TopologySpec, source: &ScenarioSource) -> Result<Topology, ScenarioError> {
    let link = t.link;
    let result = match &t.shape {
        TopologyShape::FatTree { k } => {
            topologies::fat_tree(*k.get_ref(), link).map_err(|e| (k.span(), e))
        }
        TopologyShape::Dumbbell { pairs, bottleneck } => {
            topologies::dumbbell(*pairs, link, *bottleneck).map_err(|e| (t.span.clone(), e))
        }
        TopologyShape::LeafSpine {
            leaves,
            spines,
            hosts_per_leaf,
        } => topologies::leaf_spine(*leaves, *spines, *hosts_per_leaf, link)
            .map_err(|e| (t.span.clone(), e)),
        TopologyShape::Linear {
            switches,
            hosts_per_switch,
        } => {
            topologies::linear(*switches, *hosts_per_switch, link).map_err(|e| (t.span.clone(), e))
        }
        TopologyShape::Star { hosts } => {
            topologies::star(*hosts, link).map_err(|e| (t.span.clone(), e))
        }
        TopologyShape::Qin2017 => topologies::qin2017(link).map_err(|e| (t.span.clone(), e)),
        TopologyShape::Arora2013 => topologies::arora2013(link).map_err(|e| (t.span.clone(), e)),
        TopologyShape::TwoDc {
            fabric,
            clients,
            wan,
        } => topologies::two_dc(*fabric, *clients, link, *wan).map_err(|e| (t.span.clone(), e)),
        TopologyShape::Twin { of, tunnel } => {
            let base = build(of, source)?;
            topologies::twin(&base, *tunnel)
                .map(|t| t.topology)
                .map_err(|e| (t.span.clone(), e))
        }
        TopologyShape::File { path } => {
            topologies::from_file(path.get_ref(), &link).map_err(|e| (path.span(), e))
        }
    };
    result.map_err(|(span, e): (std::ops::Range<usize>, TopologyError)| {
        source.error_at(span, format!("bad topology: {e}"), None)
    })
}

/// Adds the topology's nodes and links to `b`, in the topology's order. Forwarding nodes
/// become OpenFlow switches when `openflow`, else IP routers.
pub fn install(topo: &Topology, b: &mut NetworkBuilder, openflow: bool) {
    let g = topo.graph();
    // Indexed by the graph's node index (node_indices() runs 0, 1, 2, …).
    let mut ids = Vec::with_capacity(topo.node_count());
    for n in g.node_indices() {
        debug_assert_eq!(n.index(), ids.len());
        let spec = &g[n];
        let id = match (spec.role.is_host(), spec.ip) {
            (true, Some(ip)) => b.add_host(&spec.name, ip),
            (true, None) => unreachable!("the topologies crate gives every host an address"),
            (false, _) if openflow => b.add_switch(&spec.name),
            (false, _) => b.add_router(&spec.name),
        };
        ids.push(id);
    }
    let id_of = |n: topologies::NodeIndex| ids[n.index()];
    for l in topo.links_in_build_order() {
        b.connect(id_of(l.a), id_of(l.b), *l.spec);
    }
}
