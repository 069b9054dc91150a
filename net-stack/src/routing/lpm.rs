//! Longest-prefix-match forwarding tables for the routers of a routed network (RFC 1812
//! §5.2.4.3: the most specific matching route wins).
//!
//! A routed network is built of IP subnets joined by [`crate::node::NodeKind::LpmRouter`]s.
//! Each router owns the subnets of its host-facing interfaces (a *connected* route: the
//! destination is resolved by ARP on that port) and reaches the others over unnumbered
//! point-to-point router links (RFC 1812 §2.2.7: the next hop is the link's peer, so no ARP
//! is needed there). [`compute`] fills every router's table with one route per subnet by a
//! breadth-first search over the router graph, the ports one hop closer to the subnet's
//! router being the equal-cost next hops.
//!
//! Tables are small (one route per subnet, plus injected host routes), so a table is a
//! vector kept in decreasing prefix length and a lookup is a scan that stops at the first
//! match: the longest prefix.

use std::collections::VecDeque;
use std::fmt;
use std::net::Ipv4Addr;

use crate::NodeId;
use crate::device::Device;
use crate::node::{Node, NodeKind};
use crate::wire::TunnelKind;

/// An IPv4 prefix: an address and a prefix length (0…32). The host bits are kept as given
/// (an interface address with its length); [`Ipv4Net::network`] clears them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ipv4Net {
    /// An address in the prefix.
    pub addr: Ipv4Addr,
    /// Prefix length in bits, 0…32.
    pub len: u8,
}

impl Ipv4Net {
    /// `addr/len`; `len` above 32 is taken as 32.
    pub fn new(addr: Ipv4Addr, len: u8) -> Self {
        Ipv4Net {
            addr,
            len: len.min(32),
        }
    }

    /// The netmask as an integer.
    #[inline]
    pub fn mask(self) -> u32 {
        if self.len == 0 {
            0
        } else {
            u32::MAX << (32 - self.len as u32)
        }
    }

    /// The prefix with its host bits cleared.
    pub fn network(self) -> Ipv4Net {
        Ipv4Net {
            addr: Ipv4Addr::from(u32::from(self.addr) & self.mask()),
            len: self.len,
        }
    }

    /// Whether `ip` lies in the prefix.
    #[inline]
    pub fn contains(self, ip: Ipv4Addr) -> bool {
        (u32::from(ip) ^ u32::from(self.addr)) & self.mask() == 0
    }
}

impl fmt::Display for Ipv4Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

/// Where a route sends a packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hop {
    /// The destination is on the subnet of this port: resolve it by ARP there.
    Connected(u16),
    /// Over unnumbered router links: one of these ports (equal cost, increasing order), to the
    /// link's peer.
    Via(Vec<u16>),
    /// A mobility binding (RFC 5944 §4.2.3, the home agent's tunnel): encapsulate towards
    /// `care_of` with the router's address `src` as the tunnel source, then route the outer
    /// packet.
    Tunnel {
        /// The tunnel's far end (the care-of address).
        care_of: Ipv4Addr,
        /// The tunnel's near end (the home agent's address).
        src: Ipv4Addr,
        /// IP-in-IP or GRE.
        kind: TunnelKind,
    },
}

/// One route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The destination prefix (host bits cleared).
    pub net: Ipv4Net,
    /// Where matching packets go.
    pub hop: Hop,
}

/// A router's forwarding table; see the [module docs](self).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LpmTable {
    /// Longest prefix first; among equal lengths, by address.
    routes: Vec<Route>,
}

impl LpmTable {
    /// Adds a route, or replaces the route for the same prefix.
    pub fn insert(&mut self, net: Ipv4Net, hop: Hop) {
        let net = net.network();
        let key = |r: &Route| (std::cmp::Reverse(r.net.len), r.net.addr);
        let route = Route { net, hop };
        match self.routes.binary_search_by_key(&key(&route), key) {
            Ok(i) => self.routes[i] = route,
            Err(i) => self.routes.insert(i, route),
        }
    }

    /// Removes the route for exactly this prefix; returns it.
    pub fn remove(&mut self, net: Ipv4Net) -> Option<Route> {
        let net = net.network();
        let i = self.routes.iter().position(|r| r.net == net)?;
        Some(self.routes.remove(i))
    }

    /// The route for `ip` with the longest matching prefix.
    #[inline]
    pub fn lookup(&self, ip: Ipv4Addr) -> Option<&Route> {
        self.routes.iter().find(|r| r.net.contains(ip))
    }

    /// Every route, longest prefix first.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }
}

/// Ports of router `from`'s neighbours one hop closer to router `to`, for every router of
/// the network, over router-to-router links that are up: `hops[n]` for node index `n`
/// (empty for `to` itself, non-routers and routers that cannot reach it).
pub fn hops_towards(nodes: &[Node], devices: &[Device], to: NodeId) -> Vec<Vec<u16>> {
    let is_router = |n: NodeId| matches!(nodes[n.index()].kind, NodeKind::LpmRouter(_));
    let mut dist = vec![u32::MAX; nodes.len()];
    dist[to.index()] = 0;
    let mut frontier = VecDeque::from([to]);
    while let Some(n) = frontier.pop_front() {
        for &dev in &nodes[n.index()].devices {
            let d = &devices[dev.index()];
            let m = devices[d.peer.index()].node;
            if d.up && is_router(m) && dist[m.index()] == u32::MAX {
                dist[m.index()] = dist[n.index()] + 1;
                frontier.push_back(m);
            }
        }
    }
    (0..nodes.len())
        .map(|n| {
            if !is_router(NodeId(n as u32)) || dist[n] == 0 || dist[n] == u32::MAX {
                return Vec::new();
            }
            nodes[n]
                .devices
                .iter()
                .map(|&dev| &devices[dev.index()])
                // A neighbour one hop closer; an unreachable one (u32::MAX) is not.
                .filter(|d| {
                    d.up && dist[devices[d.peer.index()].node.index()].checked_add(1)
                        == Some(dist[n])
                })
                .map(|d| d.port)
                .collect()
        })
        .collect()
}

/// Fills every router's table: its connected subnets, and for every other router's subnet a
/// route over the ports one hop closer to that router (equal-cost next hops). Host routes
/// injected later ([`crate::Network::set_host_route`]) are added on top.
pub fn compute(nodes: &mut [Node], devices: &[Device]) {
    let mut owned: Vec<(NodeId, Ipv4Net, u16)> = Vec::new();
    let mut loopbacks: Vec<(NodeId, Ipv4Addr)> = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        if let NodeKind::LpmRouter(r) = &n.kind {
            for iface in r.interfaces() {
                owned.push((NodeId(i as u32), iface.net, iface.port));
            }
            loopbacks.extend(r.loopback().map(|a| (NodeId(i as u32), a)));
        }
    }
    // A home agent's loopback address: a /32 towards it at every other router (the owner
    // takes packets for its own addresses before any lookup).
    for &(owner, addr) in &loopbacks {
        let hops = hops_towards(nodes, devices, owner);
        for (i, n) in nodes.iter_mut().enumerate() {
            if let NodeKind::LpmRouter(r) = &mut n.kind
                && !hops[i].is_empty()
            {
                r.table
                    .insert(Ipv4Net::new(addr, 32), Hop::Via(hops[i].clone()));
            }
        }
    }
    for &(owner, net, port) in &owned {
        let hops = hops_towards(nodes, devices, owner);
        for (i, n) in nodes.iter_mut().enumerate() {
            let NodeKind::LpmRouter(r) = &mut n.kind else {
                continue;
            };
            if i == owner.index() {
                r.table.insert(net, Hop::Connected(port));
            } else if !hops[i].is_empty() {
                r.table.insert(net, Hop::Via(hops[i].clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> Ipv4Net {
        let (a, l) = s.split_once('/').expect("a/len");
        Ipv4Net::new(a.parse().expect("address"), l.parse().expect("length"))
    }

    /// A router next to hosts: the hosts are no routers, so their distance stays "unreachable"
    /// (u32::MAX) and the next-hop test must not add one to it (the fuzzer's overflow, in the
    /// debug profile). h0 — r0 — r1 — h1, each host on its router's /24.
    #[test]
    fn routers_next_to_hosts_get_their_routes() {
        use crate::router::HostSubnet;
        use crate::{LinkConfig, NetworkBuilder};
        use sim_core::{DataRate, QueueLimit, RngStreams, SimTime};
        let link = LinkConfig {
            rate: DataRate::gbps(1),
            delay: SimTime::from_us(10),
            queue: QueueLimit::Packets(100),
            loss: 0.0,
            aqm: Default::default(),
        };
        let mut b = NetworkBuilder::new(RngStreams::new(1));
        let h0 = b.add_host("h0", "10.1.0.1".parse().unwrap());
        let h1 = b.add_host("h1", "10.2.0.1".parse().unwrap());
        let r0 = b.add_lpm_router("r0");
        let r1 = b.add_lpm_router("r1");
        b.connect(h0, r0, link);
        b.connect(h1, r1, link);
        b.connect(r0, r1, link);
        b.router_interface(r0, 0, net("10.1.0.254/24"), true);
        b.router_interface(r1, 0, net("10.2.0.254/24"), true);
        for (h, gw) in [(h0, "10.1.0.254"), (h1, "10.2.0.254")] {
            let ip = b.nodes()[h.index()].ip.unwrap();
            let subnet = HostSubnet {
                net: Ipv4Net::new(ip, 24),
                gateway: gw.parse().unwrap(),
            };
            b.host_subnet(h, subnet);
        }
        b.arp(crate::arp::ArpConfig::default());
        let net_ = b.build().expect("builds");
        let r0 = net_.nodes()[r0.index()].lpm_router().unwrap();
        assert_eq!(r0.table().routes().len(), 2, "its own subnet and r1's");
    }

    /// RFC 1812 §5.2.4.3: of the matching routes, the longest prefix wins, whatever the
    /// order of insertion; a default route catches the rest; a /32 overrides its subnet.
    #[test]
    fn longest_prefix_wins() {
        let mut t = LpmTable::default();
        t.insert(net("0.0.0.0/0"), Hop::Via(vec![9]));
        t.insert(net("10.1.0.0/16"), Hop::Via(vec![1]));
        t.insert(net("10.1.2.0/24"), Hop::Connected(2));
        t.insert(net("10.1.2.7/32"), Hop::Via(vec![3]));
        let hop = |t: &LpmTable, ip: &str| t.lookup(ip.parse().unwrap()).map(|r| r.hop.clone());
        assert_eq!(hop(&t, "10.1.2.7"), Some(Hop::Via(vec![3])), "the /32");
        assert_eq!(hop(&t, "10.1.2.8"), Some(Hop::Connected(2)), "the /24");
        assert_eq!(hop(&t, "10.1.3.1"), Some(Hop::Via(vec![1])), "the /16");
        assert_eq!(
            hop(&t, "192.168.0.1"),
            Some(Hop::Via(vec![9])),
            "the default"
        );
        t.remove(net("10.1.2.7/32")).expect("present");
        assert_eq!(
            hop(&t, "10.1.2.7"),
            Some(Hop::Connected(2)),
            "back to the subnet"
        );
        t.remove(net("0.0.0.0/0")).expect("present");
        assert_eq!(hop(&t, "192.168.0.1"), None, "no route");
    }

    /// Inserting a prefix that is already there replaces its route; host bits are cleared.
    #[test]
    fn insert_replaces_and_normalises() {
        let mut t = LpmTable::default();
        t.insert(net("10.1.2.254/24"), Hop::Connected(0));
        t.insert(net("10.1.2.0/24"), Hop::Connected(4));
        assert_eq!(t.routes().len(), 1);
        assert_eq!(t.routes()[0].net, net("10.1.2.0/24"));
        assert_eq!(t.routes()[0].hop, Hop::Connected(4));
        assert!(net("10.1.2.0/24").contains("10.1.2.255".parse().unwrap()));
        assert!(!net("10.1.2.0/24").contains("10.1.3.0".parse().unwrap()));
        assert!(net("0.0.0.0/0").contains("1.2.3.4".parse().unwrap()));
    }
}
