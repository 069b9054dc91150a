//! The test bed of Arora & Perez-Botero, *Live Migration of an Entire Software-Defined Network*
//! (seed 001, `shared/seeds/001_3b6ca9454e194d19.txt`), Fig. 5.

use std::net::Ipv4Addr;

use crate::topology::Builder;
use crate::{LinkConfig, Tier, Topology, TopologyError};

/// The `arora2013` test bed: an old and a new copy of a 4-switch network, a host position at
/// each end of each copy, and a tunnel switch `ts` joining the copies.
///
/// ```text
///          old network (source)                   new network (target)
///                  os2                                    ns2
///                /     \                                /     \
///   oh1 --- os1         os4 --- oh2      nh1 --- ns1         ns4 --- nh2
///            |  \     /  |                        |  \     /  |
///            |    os3    |                        |    ns3    |
///            +-----------+---------- ts ----------+-----------+
///                      (four separate links: ts–os1, ts–os4, ts–ns1, ts–ns4)
/// ```
///
/// **How the figure was read.** The text copy of the paper has only the caption ("Test bed
/// topology. Old network on the left, new one on the right. Tunnel switch connecting them.")
/// and §3.3: the network to be migrated "consists of 4 switches, 2 hosts"; the controller app
/// "updates the flow rules of the two switches connected to the hosts" every second, moving the
/// traffic between "the upper path" and "the lower path"; "VLANs are used to simulate the
/// tunneling". Hence each network is a diamond: host-facing switches 1 and 4, an upper-path
/// switch 2 and a lower-path switch 3 (1–2, 1–3, 2–4, 3–4). The new network is an identical
/// copy (the shim maps each switch to its "counterpart").
///
/// **Assumed** (not stated in the paper):
/// * **four host nodes, not two.** In netsim the paper's two migrating hosts are VMs (`[[vm]]`),
///   which need a physical host to run on before and after the move: `oh1`, `oh2` in the old
///   network (where the VMs start) and `nh1`, `nh2` at the same places in the new one (where
///   they go). A scenario reproducing the paper puts its two VMs on `oh1`, `oh2` and migrates
///   them to `nh1`, `nh2`.
/// * **the tunnel switch links to the four host-facing switches** (`os1`, `os4`, `ns1`,
///   `ns4`): Tunnel ASAP jumps between networks on a migrated host's first hop and on the last
///   hop to it, Tunnel ALAP between a destination's switch and its counterpart (Fig. 3), and
///   both happen only at host-facing switches. A consequence: `os1–ts–os4` is as short as the
///   upper and lower paths, so static shortest-path routing *with* ECMP could send traffic
///   through `ts`; the paper's controller pins its paths, and lowest-index-first routing takes
///   the upper path.
/// * one link per drawn line; the paper's rates (its netperf runs peak at 24 Mbps) are scenario
///   parameters (`link`).
///
/// * **nodes**, in order: `oh1`, `oh2`, `nh1`, `nh2`, `os1…os4`, `ns1…ns4`, `ts`;
/// * **tiers**: `os1`, `os4`, `ns1`, `ns4` [`Tier::Edge`]; `os2`, `os3`, `ns2`, `ns3`, `ts`
///   [`Tier::Other`]; switches have no address;
/// * **addresses**: `oh1` **10.0.0.1**, `oh2` **10.0.0.2** (Mininet's defaults for the network
///   being migrated), `nh1` **10.0.1.1**, `nh2` **10.0.1.2**;
/// * **links**, in build order: `oh1–os1`, `oh2–os4`, `nh1–ns1`, `nh2–ns4`; `os1–os2`,
///   `os1–os3`, `os2–os4`, `os3–os4`; `ns1–ns2`, `ns1–ns3`, `ns2–ns4`, `ns3–ns4`; `ts–os1`,
///   `ts–os4`, `ts–ns1`, `ts–ns4`. So on every host-facing switch port 0 is the host, port 1
///   the upper path, port 2 the lower path, port 3 the tunnel switch; `ts` ports 0…3 face
///   `os1`, `os4`, `ns1`, `ns4`.
pub fn arora2013(link: LinkConfig) -> Result<Topology, TopologyError> {
    crate::spec::check_link(&link, "arora2013: the `link` parameters")?;
    let mut b = Builder::new("arora2013");
    let oh = [
        b.host("oh1".into(), Ipv4Addr::new(10, 0, 0, 1)),
        b.host("oh2".into(), Ipv4Addr::new(10, 0, 0, 2)),
    ];
    let nh = [
        b.host("nh1".into(), Ipv4Addr::new(10, 0, 1, 1)),
        b.host("nh2".into(), Ipv4Addr::new(10, 0, 1, 2)),
    ];
    let mut diamond = |net: &str| {
        let tier = |i: u32| {
            if i == 1 || i == 4 {
                Tier::Edge
            } else {
                Tier::Other
            }
        };
        [1, 2, 3, 4].map(|i| b.switch(format!("{net}s{i}"), tier(i), None))
    };
    let os = diamond("o");
    let ns = diamond("n");
    let ts = b.switch("ts".into(), Tier::Other, None);
    for (h, s) in [
        (oh[0], os[0]),
        (oh[1], os[3]),
        (nh[0], ns[0]),
        (nh[1], ns[3]),
    ] {
        b.link(h, s, link);
    }
    for s in [os, ns] {
        for (x, y) in [(0, 1), (0, 2), (1, 3), (2, 3)] {
            b.link(s[x], s[y], link);
        }
    }
    for s in [os[0], os[3], ns[0], ns[3]] {
        b.link(ts, s, link);
    }
    b.finish(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names, degrees, build order and the port layout (host, upper, lower, tunnel) are as
    /// documented.
    #[test]
    fn structure_as_documented() {
        let t = arora2013(LinkConfig::default()).expect("valid");
        assert_eq!(
            t.summary(),
            "arora2013: 13 nodes (4 hosts, 9 switches), 16 links",
            "counts"
        );
        let links: Vec<_> = t
            .links_in_build_order()
            .map(|l| t.link_name(l.id))
            .collect();
        assert_eq!(
            links,
            [
                "oh1-os1", "oh2-os4", "nh1-ns1", "nh2-ns4", "os1-os2", "os1-os3", "os2-os4",
                "os3-os4", "ns1-ns2", "ns1-ns3", "ns2-ns4", "ns3-ns4", "ts-os1", "ts-os4",
                "ts-ns1", "ts-ns4",
            ],
            "build order"
        );
        let ports = |s: &str| -> Vec<String> {
            t.ports(t.node(s).expect(s))
                .into_iter()
                .map(|(_, p)| t.name(p).to_string())
                .collect()
        };
        assert_eq!(
            ports("os1"),
            ["oh1", "os2", "os3", "ts"],
            "host, upper, lower, tunnel"
        );
        assert_eq!(
            ports("ns4"),
            ["nh2", "ns2", "ns3", "ts"],
            "same layout in the new network"
        );
        assert_eq!(ports("os2"), ["os1", "os4"], "upper-path switch");
        assert_eq!(ports("ts"), ["os1", "os4", "ns1", "ns4"], "tunnel switch");
        assert_eq!(t.switches_in(Tier::Edge).count(), 4, "host-facing switches");
    }

    /// Before migration the two hosts reach each other over the upper path (lowest index), with
    /// the lower path and the tunnel detour as the other equal-length paths; a host in the new
    /// network reaches one in the old network only through `ts`.
    #[test]
    fn paths_between_hosts() {
        let t = arora2013(LinkConfig::default()).expect("valid");
        let n = |s: &str| t.node(s).expect(s);
        let names = |a: &str, b: &str| -> Vec<String> {
            let p = t.shortest_path(n(a), n(b)).expect("connected");
            p.into_iter().map(|x| t.name(x).to_string()).collect()
        };
        assert_eq!(
            names("oh1", "oh2"),
            ["oh1", "os1", "os2", "os4", "oh2"],
            "upper path"
        );
        assert_eq!(
            t.shortest_path_count(n("oh1"), n("oh2")),
            3,
            "upper, lower, via ts"
        );
        assert_eq!(
            names("nh1", "oh2"),
            ["nh1", "ns1", "ts", "os4", "oh2"],
            "through the tunnel"
        );
        assert_eq!(t.shortest_path_count(n("nh1"), n("oh2")), 1, "only via ts");
    }
}
