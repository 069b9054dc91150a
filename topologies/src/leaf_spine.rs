//! The two-tier leaf-spine (folded Clos) fabric.

use crate::topology::{Builder, check_range};
use crate::{LinkConfig, Tier, Topology, TopologyError};

/// A leaf-spine fabric: every leaf connects to every spine; hosts hang off the leaves.
///
/// * **nodes**, in order: hosts `h0…` (leaf-major: `h{l·hosts_per_leaf + i}` is host i of leaf
///   l), leaves `leaf0…`, spines `spine0…`;
/// * **addresses**: host i of leaf l is **10.0.l.(i+1)**; switches have none;
/// * **links**, in build order: every host to its leaf (`h–leaf`, host order), then
///   `leaf–spine` for each leaf, each spine. A leaf's ports 0…hosts_per_leaf−1 face its hosts
///   and the next ones spines 0, 1, …; spine port l faces leaf l.
///
/// Ranges: `leaves` 1…256 (the third octet), `hosts_per_leaf` 1…254 (the fourth octet),
/// `spines` 1…256 (no addressing limit; the cap only keeps the graph bounded — no real leaf has
/// more uplinks).
pub fn leaf_spine(
    leaves: u32,
    spines: u32,
    hosts_per_leaf: u32,
    link: LinkConfig,
) -> Result<Topology, TopologyError> {
    check_range(
        "leaf-spine",
        "leaves",
        leaves,
        1,
        256,
        "leaf l's hosts are 10.0.l.x",
    )?;
    check_range(
        "leaf-spine",
        "spines",
        spines,
        1,
        256,
        "a leaf has one uplink per spine",
    )?;
    check_range(
        "leaf-spine",
        "hosts_per_leaf",
        hosts_per_leaf,
        1,
        254,
        "host i of a leaf is 10.0.l.(i+1)",
    )?;
    crate::spec::check_link(&link, "leaf-spine: the `link` parameters")?;
    let mut b = Builder::new("leaf-spine");
    let leaf = b.hosts_under_switches(leaves, hosts_per_leaf, "leaf", Tier::Leaf, link);
    let spine: Vec<_> = (0..spines)
        .map(|s| b.switch(format!("spine{s}"), Tier::Spine, None))
        .collect();
    for &l in &leaf {
        for &s in &spine {
            b.link(l, s, link);
        }
    }
    b.finish(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    /// Counts, names, addresses and build order of a 3-leaf, 2-spine, 2-hosts-per-leaf fabric.
    #[test]
    fn small_fabric_names_order_and_ports() {
        let t = leaf_spine(3, 2, 2, LinkConfig::default()).expect("valid");
        assert_eq!(
            t.summary(),
            "leaf-spine: 11 nodes (6 hosts, 5 switches), 12 links",
            "counts"
        );
        let links: Vec<_> = t
            .links_in_build_order()
            .map(|l| t.link_name(l.id))
            .collect();
        assert_eq!(
            links,
            [
                "h0-leaf0",
                "h1-leaf0",
                "h2-leaf1",
                "h3-leaf1",
                "h4-leaf2",
                "h5-leaf2",
                "leaf0-spine0",
                "leaf0-spine1",
                "leaf1-spine0",
                "leaf1-spine1",
                "leaf2-spine0",
                "leaf2-spine1",
            ],
            "build order"
        );
        assert_eq!(
            t.ip(t.node("h3").expect("h3")),
            Some(Ipv4Addr::new(10, 0, 1, 2)),
            "h3"
        );
        assert_eq!(t.switches_in(Tier::Spine).count(), 2, "spines");
        assert_eq!(t.switches_in(Tier::Leaf).count(), 3, "leaves");
    }

    /// Each parameter's range is enforced with its name in the message.
    #[test]
    fn bad_parameters_are_refused() {
        let l = LinkConfig::default();
        for (t, param) in [
            (leaf_spine(0, 2, 2, l), "leaves = 0"),
            (leaf_spine(257, 2, 2, l), "leaves = 257"),
            (leaf_spine(2, 0, 2, l), "spines = 0"),
            (leaf_spine(2, 2, 0, l), "hosts_per_leaf = 0"),
            (leaf_spine(2, 2, 255, l), "hosts_per_leaf = 255"),
        ] {
            let msg = t.expect_err(param).to_string();
            assert!(msg.contains(param), "{msg}");
        }
    }
}
