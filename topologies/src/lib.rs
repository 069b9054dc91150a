//! # topologies — netsim's topology builders
//!
//! Pure graphs, no simulation state: each builder returns a [`Topology`], an undirected
//! `petgraph` [`StableGraph`](petgraph::stable_graph::StableGraph) whose nodes are [`NodeSpec`]s
//! (name, [`Role`] host or switch with a [`Tier`], IPv4 address) and whose edges are fully
//! resolved [`LinkConfig`]s (rate, delay, queue, loss: net-stack's one link type, re-exported
//! here). The root package turns a `Topology` into simulator nodes and links; renderers give `netsim topo KIND --format dot|json|table`.
//!
//! ```text
//!   scenario [topology] ──► fat_tree / dumbbell / … / from_file ──► Topology ──► simulator
//!                                                                     │
//!                                               to_dot / to_json / to_table / to_toml
//! ```
//!
//! Every topology is **connected**, has **unique node names** (ASCII letters, digits, `_`,
//! `.`; never `-`, since a link is named `a-b` by its two nodes) and **unique addresses**.
//! Hosts always have an address; switches only where the addressing plan gives one.
//!
//! **Build order is part of the contract.** The simulator numbers each node's ports 0, 1, … in
//! the order that node's links were built, so pcap names (`pcap/<node>-<port>.pcap`),
//! `summary.json` queue entries and controller port numbers all follow from the link order
//! documented below. The general rule (except the dumbbell, kept as netsim first built it):
//! host links first, in host order; then switch-to-switch links, lower tier first.
//! [`Topology::links_in_build_order`] and [`Topology::ports`] expose it.
//!
//! ## The topologies
//!
//! | kind (scenario) | builder | nodes (in node order) | addresses |
//! | --- | --- | --- | --- |
//! | `fat-tree` | [`fat_tree`]`(k, link)`, k even, 2…254 | hosts `h0…` (k³/4), edge `e0…` (k²/2), aggregation `a0…` (k²/2), core `c0…` (k²/4); numbered pod-major | Al-Fares: host i of edge switch s in pod p 10.p.s.(i+2); edge s 10.p.s.1; aggregation j 10.p.(k/2+j).1; core c = j·(k/2)+i 10.k.(j+1).(i+1) |
//! | `dumbbell` | [`dumbbell`]`(pairs, link, bottleneck)` | senders `l0…`, receivers `r0…`, middle switches `sl`, `sr` | `l_i` 10.1.x.y, `r_i` 10.2.x.y, x.y = (i / 254).(i % 254 + 1); `sl`, `sr` none |
//! | `leaf-spine` | [`leaf_spine`]`(leaves, spines, hosts_per_leaf, link)` | hosts `h0…` (leaf-major), `leaf0…`, `spine0…` | host i of leaf l 10.0.l.(i+1); switches none |
//! | `linear` | [`linear`]`(switches, hosts_per_switch, link)` | hosts `h0…` (switch-major), switches `s0…` in a chain | host i of switch s 10.0.s.(i+1); switches none |
//! | `star` | [`star`]`(hosts, link)` | hosts `h0…`, switch `s0` | host i 10.0.(i / 254).(i % 254 + 1); `s0` none |
//! | `qin2017` | [`qin2017`]`(link)` | hosts `h1…h6`, upper switches `s1`, `s2`, `s3`, lower `s4` (h1–h3), `s5` (h4–h6) | `h_i` 10.0.0.i; switches none |
//! | `arora2013` | [`arora2013`]`(link)` | hosts `oh1`, `oh2` (old network), `nh1`, `nh2` (new), switches `os1…os4`, `ns1…ns4`, tunnel switch `ts` | `oh1`/`oh2` 10.0.0.1/2, `nh1`/`nh2` 10.0.1.1/2; switches none |
//! | `two-dc` | [`two_dc()`]`(fabric, clients, link, wan)` | DC A's fabric with names `a_…`, DC B's `b_…`, routers `a_border`, `b_border`, `isp`, clients `c0…` | host i of DC A 10.1.i.1, of DC B 10.2.i.1, client i 10.3.i.1, one /24 each ([`two_dc`](mod@two_dc)) |
//! | `file` | [`from_file`]`(path, link_defaults)` | `[[node]]` tables in file order | `ip` as given; hosts without one take the next free 10.0.c.d (c 0…255, d 1…254) |
//!
//! Links, in build order:
//!
//! * **fat-tree** — every `h–e` (host order); `e–a` per pod, per edge switch, per aggregation
//!   switch; `a–c` per pod, per aggregation switch j, cores j·(k/2) … (j+1)·(k/2)−1. Edge and
//!   aggregation ports 0…k/2−1 face down, k/2…k−1 up; core port p faces pod p.
//! * **dumbbell** — every `l_i–sl`, then `sl–sr` (the bottleneck), then every `sr–r_i`.
//! * **leaf-spine** — every `h–leaf`, then `leaf–spine` per leaf, per spine.
//! * **linear** — every `h–s`, then `s0–s1`, `s1–s2`, ….
//! * **star** — `h_i–s0` for each i.
//! * **qin2017** — `h1…h3–s4`, `h4…h6–s5`, then `s4–s1…s3`, `s5–s1…s3`.
//! * **arora2013** — `oh1–os1`, `oh2–os4`, `nh1–ns1`, `nh2–ns4`; each diamond `x1–x2`,
//!   `x1–x3`, `x2–x4`, `x3–x4` (old, then new); `ts–os1`, `ts–os4`, `ts–ns1`, `ts–ns4`.
//! * **file** — `[[link]]` tables in file order, endpoints `a`, `b` as written.
//!
//! The two paper test beds are reconstructed from the papers' text (the figures themselves are
//! not in the text copies); [`qin2017`] and [`arora2013`] say how each figure was read and what
//! had to be assumed.
//!
//! ## Example
//!
//! ```
//! use topologies::{LinkConfig, fat_tree};
//!
//! let t = fat_tree(4, LinkConfig::default()).expect("k = 4 is valid");
//! assert_eq!(t.hosts().count(), 16);
//! let (h0, h15) = (t.node("h0").unwrap(), t.node("h15").unwrap());
//! assert_eq!(t.ip(h15), Some("10.3.1.3".parse().unwrap()));
//! assert_eq!(t.shortest_path_count(h0, h15), 4); // (k/2)² paths between pods
//! assert_eq!(t.link_name(t.ports(h0)[0].0), "h0-e0");
//! ```
#![warn(missing_docs)]

mod arora2013;
mod dumbbell;
mod error;
mod fat_tree;
mod file;
mod leaf_spine;
mod linear;
mod paths;
mod qin2017;
mod render;
mod spec;
mod star;
mod topology;
mod twin;
pub mod two_dc;

pub use arora2013::arora2013;
pub use dumbbell::{DUMBBELL_MAX_PAIRS, dumbbell, dumbbell_addr};
pub use error::{Location, TopologyError};
pub use fat_tree::{FAT_TREE_MAX_K, fat_tree};
#[doc(hidden)]
pub use file::{RawFile, RawLink, RawNode};
pub use file::{from_file, from_toml_str, read_text_bounded};
pub use leaf_spine::leaf_spine;
pub use linear::linear;
pub use net_stack::LinkConfig;
pub use petgraph::stable_graph::{EdgeIndex, NodeIndex};
pub use qin2017::qin2017;
pub use spec::{NodeSpec, Role, Tier};
pub use star::{STAR_MAX_HOSTS, star};
pub use topology::{Graph, LinkRef, Topology};
pub use twin::{NEW_OCTET_OFFSET, Twin, twin};
pub use two_dc::two_dc;

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use proptest::prelude::*;
    use sim_core::{DataRate, QueueLimit, SimTime};

    use super::*;

    fn any_link() -> impl Strategy<Value = LinkConfig> {
        (
            1u64..=100_000_000_000,
            0u64..=10_000_000_000,
            1u32..=1000,
            0.0f64..=1.0,
        )
            .prop_map(|(bps, ps, q, loss)| LinkConfig {
                rate: DataRate::from_bps(bps).expect("positive"),
                delay: SimTime::from_ps(ps),
                queue: QueueLimit::Packets(q),
                loss,
                aqm: Default::default(),
            })
    }

    fn any_topology() -> impl Strategy<Value = Topology> {
        let ok = |r: Result<Topology, TopologyError>| r.expect("parameters in range");
        prop_oneof![
            (1u32..=8, any_link()).prop_map(move |(h, l)| ok(fat_tree(2 * h, l))),
            (1u32..=300, any_link(), any_link()).prop_map(move |(p, l, b)| ok(dumbbell(p, l, b))),
            (1u32..=20, 1u32..=8, 1u32..=20, any_link())
                .prop_map(move |(le, s, h, l)| ok(leaf_spine(le, s, h, l))),
            (1u32..=30, 1u32..=10, any_link()).prop_map(move |(s, h, l)| ok(linear(s, h, l))),
            (1u32..=600, any_link()).prop_map(move |(h, l)| ok(star(h, l))),
            any_link().prop_map(move |l| ok(qin2017(l))),
            any_link().prop_map(move |l| ok(arora2013(l))),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Every builder, over a range of parameters: connected; names unique, non-empty and
        /// free of `-`; addresses unique and present on every host; hosts have exactly one
        /// link; no self-loops or parallel links; the port numbers of `links_with_ports` agree
        /// with `ports`; and writing it as a topology file and loading
        /// that back gives the same nodes and links in the same order.
        #[test]
        fn every_builder_output_is_well_formed(t in any_topology()) {
            prop_assert!(t.is_connected(), "{} is disconnected", t.summary());
            let names: BTreeSet<_> = t.graph().node_weights().map(|n| n.name.clone()).collect();
            prop_assert_eq!(names.len(), t.node_count(), "unique names in {}", t.summary());
            for n in &names {
                prop_assert!(!n.is_empty() && !n.contains('-'), "bad name {n}");
            }
            let ips: Vec<_> = t.graph().node_weights().filter_map(|n| n.ip).collect();
            let unique: BTreeSet<_> = ips.iter().collect();
            prop_assert_eq!(unique.len(), ips.len(), "unique addresses in {}", t.summary());
            for h in t.hosts() {
                prop_assert!(t.ip(h).is_some(), "host {} has an address", t.name(h));
                prop_assert_eq!(t.ports(h).len(), 1, "host {} has one link", t.name(h));
            }
            let mut pairs = BTreeSet::new();
            for (l, pa, pb) in t.links_with_ports() {
                prop_assert_ne!(l.a, l.b, "self-loop");
                prop_assert!(pairs.insert((l.a.min(l.b), l.a.max(l.b))), "parallel link");
                prop_assert_eq!(t.ports(l.a)[pa].0, l.id, "port {} of {}", pa, t.name(l.a));
                prop_assert_eq!(t.ports(l.b)[pb].0, l.id, "port {} of {}", pb, t.name(l.b));
            }
            let back = from_toml_str(&t.to_toml(), Path::new("gen.toml"), &LinkConfig::default())
                .map_err(|e| TestCaseError::fail(format!("reload of {}: {e}", t.summary())))?;
            let nodes = |t: &Topology| t.graph().node_weights().cloned().collect::<Vec<_>>();
            prop_assert_eq!(nodes(&t), nodes(&back), "nodes round-trip");
            let links = |t: &Topology| {
                t.links_in_build_order().map(|l| (t.link_name(l.id), *l.spec)).collect::<Vec<_>>()
            };
            prop_assert_eq!(links(&t), links(&back), "links round-trip");
        }
    }

    /// The fat-tree's addresses stay unique and connected up to k = 16 (a loop rather than a
    /// sample, since this is the topology the project's experiments use most).
    #[test]
    fn fat_tree_round_trips_for_k_up_to_16() {
        for k in (2..=16).step_by(2) {
            let t = fat_tree(k, LinkConfig::default()).expect("valid k");
            let back = from_toml_str(&t.to_toml(), Path::new("gen.toml"), &LinkConfig::default())
                .expect("reload");
            assert_eq!(back.link_count(), t.link_count(), "links k={k}");
            assert_eq!(
                back.to_json(),
                t.to_json().replace("\"fat-tree\"", "\"file\""),
                "k={k}"
            );
        }
    }
}
