//! Two data centres joined by a WAN (seed 003's setting: a VM migrates from its home network
//! to a foreign one).
//!
//! ```text
//!   c0 c1 …  (clients, outside both data centres)
//!      \ |
//!       isp ─────── wan ──────┐
//!      /                      │
//!  a_border ─────── wan ──── b_border
//!   │ │ │                     │ │ │
//!  DC A fabric (a_…)         DC B fabric (b_…)
//!  hosts a_h0 …              hosts b_h0 …
//! ```
//!
//! Each data centre is a copy of an existing fabric (fat-tree or leaf-spine) whose node names
//! take the prefix `a_` or `b_`; its top tier (fat-tree cores, leaf-spine spines) connects to
//! the data centre's border router (`a_border`, `b_border`). The borders are joined by the WAN
//! link, and each to the clients' router `isp`; the three WAN links take the `wan`
//! parameters (defaults [`default_wan`]: 10 Gbit/s, 5 ms, 1000 packets). Clients `c0…` hang
//! off `isp` with the fabric's link parameters.
//!
//! **Addressing: one subnet per host** (a routed hypervisor, as in layer-3-to-the-host
//! fabrics): host i of DC A is 10.1.i.1 on subnet 10.1.i.0/24, DC B's 10.2.i.1, client i
//! 10.3.i.1; the router the host hangs off is the gateway 10.x.i.254 ([`host_subnet`]), and a
//! VM takes an address in its home host's subnet (10.x.i.10 and up). Routers have no address
//! of their own here; the simulator gives them their interfaces from this plan.
//!
//! **Build order:** DC A's fabric (its own order), DC B's, then `a_border`, `b_border`, `isp`,
//! clients; links: DC A's, DC B's, `a_border` to each of DC A's top-tier switches (in node
//! order), the same for B, `a_border–b_border` (the WAN), `isp–a_border`, `isp–b_border`, then
//! `c_i–isp`. So a host's port 0 is its uplink and the border's ports face its fabric first.

use std::net::Ipv4Addr;

use sim_core::{DataRate, QueueLimit, SimTime};

use crate::topology::{Builder, check_range};
use crate::{LinkConfig, Role, Tier, Topology, TopologyError};

/// The fabric inside each data centre.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fabric {
    /// A k-ary fat-tree (k even, at most 10: 250 hosts).
    FatTree {
        /// The fat-tree parameter.
        k: u32,
    },
    /// A leaf-spine fabric.
    LeafSpine {
        /// Leaves.
        leaves: u32,
        /// Spines.
        spines: u32,
        /// Hosts per leaf.
        hosts_per_leaf: u32,
    },
}

/// The WAN link defaults: 10 Gbit/s, 5 ms one way, 1000 packets of queue, no loss.
pub fn default_wan() -> LinkConfig {
    LinkConfig {
        rate: DataRate::gbps(10),
        delay: SimTime::from_ms(5),
        queue: QueueLimit::Packets(1000),
        loss: 0.0,
        aqm: Default::default(),
    }
}

/// The subnet plan: for a host address 10.x.i.1, its prefix length and gateway
/// (10.x.i.254/24).
pub fn host_subnet(ip: Ipv4Addr) -> (u8, Ipv4Addr) {
    let o = ip.octets();
    (24, Ipv4Addr::new(o[0], o[1], o[2], 254))
}

/// The `n`-th VM address (from 0) in the subnet of host address `host`: 10.x.i.(10 + n).
pub fn vm_address(host: Ipv4Addr, n: u32) -> Option<Ipv4Addr> {
    let o = host.octets();
    let last = 10 + n;
    (last < 254).then(|| Ipv4Addr::new(o[0], o[1], o[2], last as u8))
}

/// Two data centres of `fabric`, `clients` clients outside them; see the [module docs](self).
pub fn two_dc(
    fabric: Fabric,
    clients: u32,
    link: LinkConfig,
    wan: LinkConfig,
) -> Result<Topology, TopologyError> {
    check_range("two-dc", "clients", clients, 1, 256, "client i is 10.3.i.1")?;
    crate::spec::check_link(&wan, "two-dc: the `wan` parameters")?;
    let inner = match fabric {
        Fabric::FatTree { k } => {
            check_range(
                "two-dc",
                "k",
                k,
                2,
                10,
                "one /24 per host: at most 256 hosts",
            )?;
            crate::fat_tree(k, link)?
        }
        Fabric::LeafSpine {
            leaves,
            spines,
            hosts_per_leaf,
        } => {
            // Before building: the fabric's own bounds allow far more hosts.
            check_range(
                "two-dc",
                "leaves × hosts_per_leaf",
                leaves.saturating_mul(hosts_per_leaf),
                1,
                256,
                "one /24 per host: at most 256 hosts",
            )?;
            crate::leaf_spine(leaves, spines, hosts_per_leaf, link)?
        }
    };
    let top = match fabric {
        Fabric::FatTree { .. } => Tier::Core,
        Fabric::LeafSpine { .. } => Tier::Spine,
    };
    let mut b = Builder::new("two-dc");
    let mut tops = Vec::new();
    for (prefix, dc) in [("a_", 1u8), ("b_", 2u8)] {
        let mut ids = Vec::with_capacity(inner.node_count());
        let mut host = 0u32;
        for n in inner.graph().node_indices() {
            let spec = inner.spec(n);
            let name = format!("{prefix}{}", spec.name);
            let id = match spec.role {
                Role::Host => {
                    let ip = Ipv4Addr::new(10, dc, host as u8, 1);
                    host += 1;
                    b.host(name, ip)
                }
                Role::Switch { tier } => b.switch(name, tier, None),
            };
            ids.push(id);
        }
        for l in inner.links_in_build_order() {
            b.link(ids[l.a.index()], ids[l.b.index()], *l.spec);
        }
        tops.push(
            inner
                .switches_in(top)
                .map(|n| ids[n.index()])
                .collect::<Vec<_>>(),
        );
    }
    let borders = [
        b.switch("a_border".into(), Tier::Other, None),
        b.switch("b_border".into(), Tier::Other, None),
    ];
    let isp = b.switch("isp".into(), Tier::Other, None);
    let cs: Vec<_> = (0..clients)
        .map(|i| b.host(format!("c{i}"), Ipv4Addr::new(10, 3, i as u8, 1)))
        .collect();
    for (border, top) in borders.iter().zip(&tops) {
        for &t in top {
            b.link(*border, t, link);
        }
    }
    b.link(borders[0], borders[1], wan);
    b.link(isp, borders[0], wan);
    b.link(isp, borders[1], wan);
    for c in cs {
        b.link(c, isp, link);
    }
    b.finish(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names, addresses, the WAN links' parameters and the port order of a two-DC network of
    /// 2-leaf, 1-spine, 2-hosts-per-leaf fabrics with two clients.
    #[test]
    fn two_leaf_spines_names_addresses_and_order() {
        let fabric = Fabric::LeafSpine {
            leaves: 2,
            spines: 1,
            hosts_per_leaf: 2,
        };
        let t = two_dc(fabric, 2, LinkConfig::default(), default_wan()).expect("valid");
        assert_eq!(
            t.summary(),
            "two-dc: 19 nodes (10 hosts, 9 switches), 19 links",
            "2 × (4 hosts + 3 switches, 6 links) + 3 routers, 2 + 3 + 2 links + 2 clients"
        );
        assert_eq!(
            t.ip(t.node("a_h3").unwrap()),
            Some("10.1.3.1".parse().unwrap())
        );
        assert_eq!(
            t.ip(t.node("b_h0").unwrap()),
            Some("10.2.0.1".parse().unwrap())
        );
        assert_eq!(
            t.ip(t.node("c1").unwrap()),
            Some("10.3.1.1".parse().unwrap())
        );
        let wan = t.find_link("a_border", "b_border").expect("the WAN link");
        assert_eq!(t.graph()[wan], default_wan());
        assert_eq!(t.graph()[wan].delay, SimTime::from_ms(5));
        let border = t.node("a_border").unwrap();
        let names: Vec<_> = t.ports(border).iter().map(|&(_, n)| t.name(n)).collect();
        assert_eq!(
            names,
            ["a_spine0", "b_border", "isp"],
            "fabric first, then WAN"
        );
        assert_eq!(
            t.ports(t.node("a_h0").unwrap()).len(),
            1,
            "hosts single-homed"
        );
        assert_eq!(
            host_subnet("10.2.7.1".parse().unwrap()).1,
            "10.2.7.254".parse::<Ipv4Addr>().unwrap()
        );
        assert_eq!(
            vm_address("10.2.7.1".parse().unwrap(), 0),
            Some("10.2.7.10".parse().unwrap())
        );
    }

    /// A fat-tree of k = 4 per data centre: every core connects to its border; k = 12 would
    /// need more than 256 hosts per data centre and is refused.
    #[test]
    fn fat_tree_cores_reach_the_border_and_size_is_bounded() {
        let t = two_dc(
            Fabric::FatTree { k: 4 },
            1,
            LinkConfig::default(),
            default_wan(),
        )
        .expect("valid");
        let border = t.node("b_border").unwrap();
        assert_eq!(t.ports(border).len(), 4 + 2, "four cores, the WAN, the isp");
        assert!(t.is_connected());
        assert!(
            two_dc(
                Fabric::FatTree { k: 12 },
                1,
                LinkConfig::default(),
                default_wan()
            )
            .is_err()
        );
    }
}
