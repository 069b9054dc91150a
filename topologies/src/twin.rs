//! Twin networks for whole-network migration (seed 001 Fig. 2(a)): any topology twice — the
//! old network and the new one — joined by a tunnel switch, with the mapping between them.

use std::net::Ipv4Addr;

use crate::topology::Builder;
use crate::{LinkConfig, NodeIndex, Tier, Topology, TopologyError};

/// A twinned topology and its mapping.
#[derive(Debug)]
pub struct Twin {
    /// Both copies and the tunnel switch `ts`.
    pub topology: Topology,
    /// (old switch, new switch) names, in the base topology's node order.
    pub switches: Vec<(String, String)>,
    /// (old host, new host) names, in the base topology's node order.
    pub hosts: Vec<(String, String)>,
    /// The tunnel switch's name (`ts`).
    pub tunnel_switch: String,
    /// The switches linked to the tunnel switch (every switch with a host), old copy
    /// first, in the order of the tunnel switch's ports.
    pub tunnel_links: Vec<String>,
}

/// First-octet offset of the new copy's host addresses (10.p.s.h → 110.p.s.h).
pub const NEW_OCTET_OFFSET: u8 = 100;

/// Twins `base`: nodes `o<name>` (old copy, the base's addresses) and `n<name>` (new copy,
/// first octet + [`NEW_OCTET_OFFSET`]), then the tunnel switch `ts` linked with `tunnel` to
/// every switch that has a host, old copy first.
///
/// **Build order**: the old copy's links in the base's order, the new copy's, then the
/// tunnel links; so every switch keeps its base port numbers in both copies, and its link
/// to `ts` is its last port (what the migration shim hides from the apps).
pub fn twin(base: &Topology, tunnel: LinkConfig) -> Result<Twin, TopologyError> {
    crate::spec::check_link(&tunnel, "twin: the tunnel link parameters")?;
    let nodes: Vec<NodeIndex> = base.graph().node_indices().collect();
    let mut b = Builder::new("twin");
    let mut copies: [Vec<NodeIndex>; 2] = [Vec::new(), Vec::new()];
    for (c, prefix) in ["o", "n"].into_iter().enumerate() {
        for &n in &nodes {
            let s = base.spec(n);
            let name = format!("{prefix}{}", s.name);
            let ip = match (c, s.ip) {
                (1, Some(ip)) => Some(new_address(ip)?),
                (_, ip) => ip,
            };
            let idx = match s.role {
                crate::Role::Host => b.host(name, ip.expect("hosts have addresses")),
                crate::Role::Switch { tier } => b.switch(name, tier, ip),
            };
            copies[c].push(idx);
        }
    }
    let pos = |n: NodeIndex| nodes.iter().position(|&m| m == n).expect("base node");
    for copy in &copies {
        for l in base.links_in_build_order() {
            b.link(copy[pos(l.a)], copy[pos(l.b)], *l.spec);
        }
    }
    let ts = b.switch("ts".into(), Tier::Other, None);
    let with_hosts: Vec<NodeIndex> = nodes
        .iter()
        .copied()
        .filter(|&n| {
            !base.spec(n).role.is_host()
                && base
                    .ports(n)
                    .iter()
                    .any(|&(_, p)| base.spec(p).role.is_host())
        })
        .collect();
    let mut tunnel_links = Vec::new();
    for (c, prefix) in ["o", "n"].into_iter().enumerate() {
        for &n in &with_hosts {
            b.link(ts, copies[c][pos(n)], tunnel);
            tunnel_links.push(format!("{prefix}{}", base.name(n)));
        }
    }
    let pairs = |host: bool| {
        nodes
            .iter()
            .filter(|&&n| base.spec(n).role.is_host() == host)
            .map(|&n| (format!("o{}", base.name(n)), format!("n{}", base.name(n))))
            .collect()
    };
    Ok(Twin {
        topology: b.finish(None)?,
        switches: pairs(false),
        hosts: pairs(true),
        tunnel_switch: "ts".into(),
        tunnel_links,
    })
}

fn new_address(ip: Ipv4Addr) -> Result<Ipv4Addr, TopologyError> {
    let [a, x, y, z] = ip.octets();
    let shifted = a
        .checked_add(NEW_OCTET_OFFSET)
        .filter(|&s| s < 224)
        .ok_or_else(|| TopologyError::Parameter {
            topology: "twin",
            param: "host address",
            value: u64::from(u32::from(ip)),
            expected: format!(
                "a first octet below {} (the new copy adds {NEW_OCTET_OFFSET} to it)",
                224 - u16::from(NEW_OCTET_OFFSET)
            ),
        })?;
    Ok(Ipv4Addr::new(shifted, x, y, z))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fat_tree;

    /// Two k = 4 fat-trees joined at `ts`: 2·36 + 1 nodes, 2·48 + 16 links; every old
    /// switch and host maps to its new namesake (a bijection); switches keep their base
    /// port layout in both copies, the tunnel last; new hosts are 110.p.s.h.
    #[test]
    fn twinned_fat_tree() {
        let base = fat_tree(4, LinkConfig::default()).expect("k = 4");
        let t = twin(&base, LinkConfig::default()).expect("twin");
        assert_eq!(
            t.topology.summary(),
            "twin: 73 nodes (32 hosts, 41 switches), 112 links",
            "counts"
        );
        assert_eq!(t.switches.len(), 20);
        assert_eq!(t.hosts.len(), 16);
        assert_eq!(t.switches[0], ("oe0".into(), "ne0".into()));
        assert_eq!(t.tunnel_links.len(), 16, "8 edge switches per copy");
        let names = |s: &str| -> Vec<String> {
            let n = t.topology.node(s).expect(s);
            t.topology
                .ports(n)
                .into_iter()
                .map(|(_, p)| t.topology.name(p).to_string())
                .collect()
        };
        assert_eq!(names("oe0"), ["oh0", "oh1", "oa0", "oa1", "ts"]);
        assert_eq!(names("ne0"), ["nh0", "nh1", "na0", "na1", "ts"]);
        assert_eq!(names("oa0"), ["oe0", "oe1", "oc0", "oc1"], "no tunnel");
        let ip = |s: &str| t.topology.ip(t.topology.node(s).expect(s));
        assert_eq!(ip("oh15"), Some("10.3.1.3".parse().unwrap()));
        assert_eq!(ip("nh15"), Some("110.3.1.3".parse().unwrap()));
        assert_eq!(names("ts")[..2], ["oe0", "oe1"], "old copy first");
    }

    /// A base address whose first octet cannot be shifted is refused with the reason.
    #[test]
    fn address_out_of_range() {
        let e = new_address("200.0.0.1".parse().unwrap()).unwrap_err();
        assert!(e.to_string().contains("first octet below 124"), "{e}");
    }
}
