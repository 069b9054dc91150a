//! Static shortest-path IP routing, computed when the simulation is built
//! (`controller.app = "none"`).
//!
//! Every host address is a *destination*, numbered densely. For each destination a
//! breadth-first search from its host gives every node's hop distance; a node's next hops
//! towards it are the ports whose peer is one hop closer. Hosts are never transit nodes. The
//! table is stored flat (compressed rows): `next_hops(node, dest)` is a slice of port numbers in
//! increasing order, so forwarding is two array indexings.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::net::Ipv4Addr;

use crate::device::Device;
use crate::node::Node;
use crate::{DeviceId, NodeId};

/// How a node chooses among equal-cost next hops.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Ecmp {
    /// Always the lowest-numbered port.
    #[default]
    Off,
    /// A hash of the 5-tuple (salted per node), so one flow keeps one path.
    PerFlow,
    /// A uniformly random choice per packet, like ns-3's `RandomEcmpRouting`.
    PerPacket,
}

/// Next-hop ports of every node towards every destination.
#[derive(Debug, Default)]
pub struct RoutingTable {
    /// Host address → destination index. Only looked up, never iterated.
    dest_of: HashMap<u32, u32, BuildHasherDefault<AddrHasher>>,
    dests: usize,
    /// `offsets[node * (dests + 1) + d] .. offsets[node * (dests + 1) + d + 1]` indexes `ports`.
    offsets: Vec<u32>,
    ports: Vec<u16>,
}

/// Two hosts with no path between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable {
    /// A node that cannot reach `to`.
    pub from: NodeId,
    /// The destination host.
    pub to: NodeId,
}

impl RoutingTable {
    /// Computes the table over the links that are up. Returns the first host pair with no path,
    /// if any (a disconnected network), along with the table.
    pub fn compute(nodes: &[Node], devices: &[Device]) -> (Self, Option<Unreachable>) {
        // VMs have no devices: their addresses are routed to the host they run on.
        let is_vm = |n: &Node| n.host().is_some_and(|h| h.guest().is_some());
        let hosts: Vec<NodeId> = (0..nodes.len() as u32)
            .map(NodeId)
            .filter(|n| nodes[n.index()].is_host() && !is_vm(&nodes[n.index()]))
            .collect();
        let dests = hosts.len();
        let mut dest_of = HashMap::with_capacity_and_hasher(dests, Default::default());
        for (d, h) in hosts.iter().enumerate() {
            if let Some(ip) = nodes[h.index()].ip {
                dest_of.insert(u32::from(ip), d as u32);
            }
        }
        // dist[d][n]: hops from node n to host d.
        let mut dist = vec![u32::MAX; nodes.len()];
        let mut per_node: Vec<Vec<Vec<u16>>> = vec![vec![Vec::new(); dests]; nodes.len()];
        let mut unreachable = None;
        let mut frontier = VecDeque::new();
        for (d, &h) in hosts.iter().enumerate() {
            dist.fill(u32::MAX);
            dist[h.index()] = 0;
            frontier.clear();
            frontier.push_back(h);
            while let Some(n) = frontier.pop_front() {
                if n != h && nodes[n.index()].is_host() {
                    continue; // hosts do not forward
                }
                for &dev in &nodes[n.index()].devices {
                    let dv = &devices[dev.index()];
                    if !dv.up {
                        continue;
                    }
                    let m = devices[dv.peer.index()].node;
                    if dist[m.index()] == u32::MAX {
                        dist[m.index()] = dist[n.index()] + 1;
                        frontier.push_back(m);
                    }
                }
            }
            for (n, node) in nodes.iter().enumerate() {
                if dist[n] == u32::MAX {
                    if node.is_host() && !is_vm(node) && unreachable.is_none() {
                        unreachable = Some(Unreachable {
                            from: NodeId(n as u32),
                            to: h,
                        });
                    }
                    continue;
                }
                if dist[n] == 0 {
                    continue;
                }
                for &dev in &node.devices {
                    let dv: &Device = &devices[dev.index()];
                    let m = devices[dv.peer.index()].node;
                    if dv.up && dist[m.index()] + 1 == dist[n] {
                        per_node[n][d].push(dv.port);
                    }
                }
            }
        }
        for n in nodes {
            if let (Some(g), Some(ip)) = (n.host().and_then(|h| h.guest()), n.ip)
                && let Some(&d) = nodes[g.host.index()]
                    .ip
                    .and_then(|h| dest_of.get(&u32::from(h)))
            {
                dest_of.insert(u32::from(ip), d);
            }
        }
        let mut offsets = Vec::with_capacity(nodes.len() * (dests + 1));
        let mut ports = Vec::new();
        for row in &per_node {
            for hops in row {
                offsets.push(ports.len() as u32);
                ports.extend_from_slice(hops);
            }
            offsets.push(ports.len() as u32);
        }
        let table = RoutingTable {
            dest_of,
            dests,
            offsets,
            ports,
        };
        (table, unreachable)
    }

    /// The destination index of a host address.
    #[inline]
    pub fn dest(&self, ip: Ipv4Addr) -> Option<u32> {
        self.dest_of.get(&u32::from(ip)).copied()
    }

    /// Routes address `ip` (a VM's) like the address `to` (the host it now runs on): the
    /// VM's /32 host route follows it.
    pub(crate) fn alias(&mut self, ip: Ipv4Addr, to: Ipv4Addr) {
        if let Some(&d) = self.dest_of.get(&u32::from(to)) {
            self.dest_of.insert(u32::from(ip), d);
        }
    }

    /// Ports of `node` one hop closer to destination `dest`, in increasing order (empty if none).
    #[inline]
    pub fn next_hops(&self, node: NodeId, dest: u32) -> &[u16] {
        let row = node.index() * (self.dests + 1) + dest as usize;
        &self.ports[self.offsets[row] as usize..self.offsets[row + 1] as usize]
    }
}

/// The device of `node` at `port`.
#[inline]
pub(crate) fn device_at(nodes: &[Node], node: NodeId, port: u16) -> DeviceId {
    nodes[node.index()].devices[port as usize]
}

/// A multiplicative hash for 32-bit addresses: the routing lookup is on the per-packet path, and
/// the keys are ours (no adversary), so SipHash's protection is not worth its cost.
#[derive(Default)]
struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u32(b as u32);
        }
    }
    #[inline]
    fn write_u32(&mut self, v: u32) {
        self.0 = (self.0.rotate_left(5) ^ v as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}
