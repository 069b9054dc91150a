//! A chain of switches with hosts hanging off each (Mininet's `LinearTopo`).

use crate::topology::{Builder, check_range};
use crate::{LinkConfig, Tier, Topology, TopologyError};

/// A linear topology: switches `s0–s1–…–s{n−1}` in a chain, `hosts_per_switch` hosts on each.
///
/// * **nodes**, in order: hosts `h0…` (switch-major: `h{s·hosts_per_switch + i}` is host i of
///   switch s), then switches `s0…`;
/// * **addresses**: host i of switch s is **10.0.s.(i+1)**; switches have none;
/// * **links**, in build order: every host to its switch (`h–s`, host order), then the chain
///   `s0–s1`, `s1–s2`, …. A switch's ports 0…hosts_per_switch−1 face its hosts, then come the
///   chain links (towards s−1 first, then s+1).
///
/// Ranges: `switches` 1…256 (the third octet), `hosts_per_switch` 1…254 (the fourth).
pub fn linear(
    switches: u32,
    hosts_per_switch: u32,
    link: LinkConfig,
) -> Result<Topology, TopologyError> {
    check_range(
        "linear",
        "switches",
        switches,
        1,
        256,
        "switch s's hosts are 10.0.s.x",
    )?;
    check_range(
        "linear",
        "hosts_per_switch",
        hosts_per_switch,
        1,
        254,
        "host i of a switch is 10.0.s.(i+1)",
    )?;
    crate::spec::check_link(&link, "linear: the `link` parameters")?;
    let mut b = Builder::new("linear");
    let sw = b.hosts_under_switches(switches, hosts_per_switch, "s", Tier::Edge, link);
    for pair in sw.windows(2) {
        b.link(pair[0], pair[1], link);
    }
    b.finish(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    /// Counts, names, addresses and build order of 3 switches with 2 hosts each; the end
    /// switches have one chain port, the middle one two.
    #[test]
    fn three_switches_names_order_and_ports() {
        let t = linear(3, 2, LinkConfig::default()).expect("valid");
        assert_eq!(
            t.summary(),
            "linear: 9 nodes (6 hosts, 3 switches), 8 links",
            "counts"
        );
        let links: Vec<_> = t
            .links_in_build_order()
            .map(|l| t.link_name(l.id))
            .collect();
        assert_eq!(
            links,
            [
                "h0-s0", "h1-s0", "h2-s1", "h3-s1", "h4-s2", "h5-s2", "s0-s1", "s1-s2"
            ],
            "build order"
        );
        let s1 = t.node("s1").expect("s1");
        let peers: Vec<_> = t.ports(s1).into_iter().map(|(_, p)| t.name(p)).collect();
        assert_eq!(peers, ["h2", "h3", "s0", "s2"], "s1 ports");
        assert_eq!(
            t.ip(t.node("h5").expect("h5")),
            Some(Ipv4Addr::new(10, 0, 2, 2)),
            "h5"
        );
        let (h0, h5) = (t.node("h0").expect("h0"), t.node("h5").expect("h5"));
        assert_eq!(t.hops(h0, h5), Some(4), "end to end along the chain");
    }

    /// A single switch is a valid (star-like) linear topology; zero switches or hosts is not.
    #[test]
    fn ranges() {
        assert_eq!(
            linear(1, 3, LinkConfig::default())
                .expect("one switch")
                .link_count(),
            3
        );
        for (r, what) in [
            (linear(0, 1, LinkConfig::default()), "switches = 0"),
            (linear(257, 1, LinkConfig::default()), "switches = 257"),
            (linear(2, 0, LinkConfig::default()), "hosts_per_switch = 0"),
        ] {
            let msg = r.expect_err(what).to_string();
            assert!(msg.contains(what), "{msg}");
        }
    }
}
