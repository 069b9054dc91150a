//! Static shortest-path IP routing, computed when the simulation is built
//! (`controller.app = "none"`).
//!
//! Every host address is a *destination*, numbered densely. For each destination a
//! breadth-first search from its host gives every node's hop distance; a node's next hops
//! towards it are the ports whose peer is one hop closer. Hosts are never transit nodes.
//!
//! # Layout (why it is not a plain node × destination table)
//!
//! Forwarding looks a table up once per hop, so the table must stay in cache. A plain
//! node × destination table is 1344 × 1024 cells at k = 16 — several MB of random accesses,
//! which made the lookup the largest hot spot (docs/performance.md). But hosts that hang off
//! the same switch are reached the same way from everywhere except from themselves and from
//! their neighbours. So destinations are grouped by their *attachment* (the set of nodes
//! adjacent to the host), and the table stores:
//!
//! * one cell per (node, group), rows shared by nodes with identical rows (all hosts);
//! * per destination, *special* entries for the host's neighbours, read only where the cell
//!   says so ([`SPECIAL`]: the node is one of the group's neighbours); the host itself has no
//!   next hop towards itself.
//!
//! The grouping is checked while it is built: a destination whose next hops anywhere differ
//! from its group's gets a group of its own, so the answer of [`RoutingTable::next_hops`] is
//! always exactly the breadth-first result, whatever the topology. A next-hop list is a slice
//! of devices in increasing port order.
//!
//! The per-hop lookup ([`RoutingTable::route`]) is a chain of dependent loads, each a likely
//! cache miss at k = 16, so the layout keeps it short: the address index holds the
//! destination's whole route record (group, host, specials), a node's record holds both its
//! row and the base of its own next-hop lists, and those lists hold device ids, not ports, so
//! no (node, port) → device table is read. A cell is an offset from the node's base, which
//! keeps the rows of the hosts identical (and shared) although each host's list names its own
//! uplink (a host's cells are never [`DIRECT`], which would name its uplink in the row).

use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, VecDeque};
use std::net::Ipv4Addr;

use crate::device::Device;
use crate::node::Node;
use crate::{DeviceId, NodeId};

mod dest_index;
pub mod lpm;

use dest_index::DestIndex;

/// How a node chooses among equal-cost next hops (a scenario's `[controller] ecmp`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ecmp {
    /// `"off"`: always the lowest-numbered port.
    #[default]
    Off,
    /// `"per-flow"`: a hash of the 5-tuple (salted per node), so one flow keeps one path.
    PerFlow,
    /// `"per-packet"`: a uniformly random choice per packet, like ns-3's `RandomEcmpRouting`.
    PerPacket,
}

/// Next-hop devices of every node towards every destination.
#[derive(Debug, Default)]
pub struct RoutingTable {
    /// Host address → its destination's route: what a hop needs of the destination, in one
    /// load.
    dest_of: DestIndex,
    /// The same routes by destination index.
    dests: Vec<DestRoute>,
    /// `(node, hops)`: the next hops of `node` (one of the host's neighbours) towards a
    /// destination, encoded as a cell.
    specials: Vec<(u32, u32)>,
    /// Number of destination groups (the width of a row).
    groups: usize,
    /// Per node: its row in `cells` and where its next-hop lists start in `hops`.
    nodes: Vec<NodeRoutes>,
    /// Rows of `groups` cells; a cell is a node's next hops: [`DIRECT`] and the device where
    /// there is exactly one, else the list's offset from the node's `lists` base; or
    /// [`SPECIAL`] where the node neighbours the group's hosts.
    cells: Vec<u32>,
    /// Next-hop lists, each node's together: `hops[i].0` is the length, `hops[i + 1 ..]` the
    /// devices in increasing port order. `hops[0]` is the empty list.
    hops: Vec<DeviceId>,
}

/// A cell of a node that neighbours the group's hosts: each host is reached by its own port,
/// so the answer is among the destination's specials.
const SPECIAL: u32 = u32::MAX;

/// The bit of a cell that holds a single next hop's device itself (the common case: every
/// hop down a tree), so that the lookup reads no list. Switches and routers only: hosts keep
/// offsets, so that they share one row.
const DIRECT: u32 = 1 << 31;

/// A node's next hops towards a destination, in increasing port order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextHops<'a> {
    /// Exactly one.
    One(DeviceId),
    /// Any number (none: no route).
    Many(&'a [DeviceId]),
}

impl NextHops<'_> {
    /// The devices as a slice.
    pub fn as_slice(&self) -> &[DeviceId] {
        match self {
            NextHops::One(d) => std::slice::from_ref(d),
            NextHops::Many(l) => l,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct DestRoute {
    /// The destination index (`u32::MAX` in an unused slot of the address index).
    dest: u32,
    /// The destination's host: it has no next hop towards itself.
    host: u32,
    group: u32,
    /// `specials[special_start .. special_end]`: the host's neighbours.
    special_start: u32,
    special_end: u32,
}

impl DestRoute {
    const NONE: DestRoute = DestRoute {
        dest: u32::MAX,
        host: u32::MAX,
        group: 0,
        special_start: 0,
        special_end: 0,
    };
}

#[derive(Clone, Copy, Debug, Default)]
struct NodeRoutes {
    /// First cell of the node's row (a multiple of `groups`).
    row: u32,
    /// Index in `hops` that the node's cells count from.
    lists: u32,
}

/// Two hosts with no path between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable {
    /// A node that cannot reach `to`.
    pub from: NodeId,
    /// The destination host.
    pub to: NodeId,
}

/// Interns next-hop lists into one flat `Vec<u16>` (length-prefixed).
#[derive(Default)]
struct Lists {
    lists: Vec<u16>,
    index: FxHashMap<Vec<u16>, u32>,
}

impl Lists {
    fn intern(&mut self, ports: &[u16]) -> u32 {
        if let Some(&i) = self.index.get(ports) {
            return i;
        }
        let i = self.lists.len() as u32;
        self.lists.push(ports.len() as u16);
        self.lists.extend_from_slice(ports);
        self.index.insert(ports.to_vec(), i);
        i
    }

    fn get(&self, list: u32) -> &[u16] {
        let i = list as usize;
        &self.lists[i + 1..i + 1 + self.lists[i] as usize]
    }
}

/// A group's cells while the table is built: one list per node, `UNSET` where no member has
/// said yet (every member so far has the node among its specials).
const UNSET: u32 = u32::MAX;

/// What the breadth-first searches leave for the node-major pass: per destination group the
/// next-hop list (an index into `lists`) of every node, and per destination the lists of the
/// host's neighbours.
struct Columns {
    lists: Lists,
    group_cells: Vec<Vec<u32>>,
    /// Per group, its hosts' neighbours (the same for every member).
    group_keys: Vec<Vec<u32>>,
    dests: Vec<DestRoute>,
    /// `(node, index into lists)`, turned into `(node, index into hops)` by the second pass.
    specials: Vec<(u32, u32)>,
    dest_of: Vec<(u32, u32)>,
    unreachable: Option<Unreachable>,
}

impl RoutingTable {
    /// Computes the table over the links that are up. Returns the first host pair with no path,
    /// if any (a disconnected network), along with the table.
    pub fn compute(nodes: &[Node], devices: &[Device]) -> (Self, Option<Unreachable>) {
        let mut c = Columns::search(nodes, devices);
        // Node-major rows in terms of each node's own device lists; nodes with identical rows
        // share one.
        let groups = c.group_cells.len();
        let mut key_groups: Vec<Vec<u32>> = vec![Vec::new(); nodes.len()];
        for (g, key) in c.group_keys.iter().enumerate() {
            for &n in key {
                key_groups[n as usize].push(g as u32);
            }
        }
        let mut specials_of: Vec<Vec<u32>> = vec![Vec::new(); nodes.len()];
        for (i, s) in c.specials.iter().enumerate() {
            specials_of[s.0 as usize].push(i as u32);
        }
        let mut hops = vec![DeviceId(0)];
        let mut cells = Vec::new();
        let mut node_routes = Vec::with_capacity(nodes.len());
        let mut row_index: FxHashMap<Vec<u32>, u32> = FxHashMap::default();
        let mut row = Vec::with_capacity(groups);
        // Port list → offset from the node's base, for the node at hand (only looked up).
        let mut local: FxHashMap<u32, u32> = FxHashMap::default();
        for (n, node) in nodes.iter().enumerate() {
            let base = hops.len() as u32;
            local.clear();
            let mut intern = |list: u32| {
                *local.entry(list).or_insert_with(|| {
                    let ports = c.lists.get(list);
                    // Not at a host: its uplink's device in the cell would give every host a
                    // row of its own (at k = 16, 1024 rows of 128 cells, 512 KB that the hosts'
                    // sends read at random, 4x the switches' rows), where with an offset into
                    // its own list all hosts share one row. A host's hop reads its list.
                    if let [p] = ports
                        && !node.is_host()
                        && node.devices[*p as usize].0 < !DIRECT
                    {
                        return DIRECT | node.devices[*p as usize].0;
                    }
                    let at = hops.len() as u32 - base;
                    hops.push(DeviceId(ports.len() as u32));
                    hops.extend(ports.iter().map(|&p| node.devices[p as usize]));
                    at
                })
            };
            row.clear();
            row.extend(c.group_cells.iter().map(|g| intern(g[n])));
            for &g in &key_groups[n] {
                row[g as usize] = SPECIAL;
            }
            for &i in &specials_of[n] {
                let s = &mut c.specials[i as usize];
                s.1 = intern(s.1);
            }
            let start = *row_index.entry(row.clone()).or_insert_with(|| {
                let start = cells.len() as u32;
                cells.extend_from_slice(&row);
                start
            });
            node_routes.push(NodeRoutes {
                row: start,
                lists: base,
            });
        }
        let mut dest_index = DestIndex::new(&c.dest_of, &c.dests);
        for n in nodes {
            if let (Some(g), Some(ip)) = (n.host().and_then(|h| h.guest()), n.ip)
                && let Some(d) = nodes[g.host.index()]
                    .ip
                    .and_then(|h| dest_index.get(u32::from(h)))
            {
                dest_index.insert(u32::from(ip), d);
            }
        }
        let table = RoutingTable {
            dest_of: dest_index,
            dests: c.dests,
            specials: c.specials,
            groups,
            nodes: node_routes,
            cells,
            hops,
        };
        (table, c.unreachable)
    }

    /// The destination index of a host address.
    #[inline]
    pub fn dest(&self, ip: Ipv4Addr) -> Option<u32> {
        self.dest_of.get(u32::from(ip)).map(|d| d.dest)
    }

    /// Routes address `ip` (a VM's) like the address `to` (the host it now runs on): the
    /// VM's /32 host route follows it.
    pub(crate) fn alias(&mut self, ip: Ipv4Addr, to: Ipv4Addr) {
        if let Some(d) = self.dest_of.get(u32::from(to)) {
            self.dest_of.insert(u32::from(ip), d);
        }
    }

    /// Devices of `node` one hop closer to destination `dest`, in increasing port order (none
    /// if none).
    pub fn next_hops(&self, node: NodeId, dest: u32) -> NextHops<'_> {
        self.hops_of(node, &self.dests[dest as usize])
    }

    /// Devices of `node` one hop closer to the host with address `ip`, in increasing port
    /// order; none if there is no path or no host has that address. The per-hop lookup: the
    /// address index and the node's record, then one cell (and the list, where the cell is
    /// neither [`DIRECT`] nor [`SPECIAL`]).
    #[inline(always)]
    pub(crate) fn route(&self, node: NodeId, ip: Ipv4Addr) -> NextHops<'_> {
        match self.dest_of.get(u32::from(ip)) {
            Some(d) => self.hops_of(node, &d),
            None => NextHops::Many(&[]),
        }
    }

    #[inline(always)]
    fn hops_of(&self, node: NodeId, d: &DestRoute) -> NextHops<'_> {
        if node.0 == d.host {
            return NextHops::Many(&[]);
        }
        let n = self.nodes[node.index()];
        let cell = match self.cells[n.row as usize + d.group as usize] {
            // Every member of a group has the node among its specials (the group's key).
            SPECIAL => match self.specials[d.special_start as usize..d.special_end as usize]
                .iter()
                .find(|s| s.0 == node.0)
            {
                Some(s) => s.1,
                None => return NextHops::Many(&[]),
            },
            cell => cell,
        };
        if cell & DIRECT != 0 {
            return NextHops::One(DeviceId(cell & !DIRECT));
        }
        let at = (n.lists + cell) as usize;
        let len = self.hops[at].0 as usize;
        NextHops::Many(&self.hops[at + 1..at + 1 + len])
    }

    /// Whether some node has two or more equal-cost next hops towards some destination: the
    /// choice `[controller] ecmp` makes (with `off`, every such node takes its lowest port).
    pub fn has_equal_cost_choice(&self) -> bool {
        // `hops` is the empty list, then every node's lists back to back, each its length and
        // its devices; single next hops stored in cells ([`DIRECT`]) are never choices.
        let mut at = 1;
        while at < self.hops.len() {
            let len = self.hops[at].0 as usize;
            if len >= 2 {
                return true;
            }
            at += 1 + len;
        }
        false
    }

    /// Number of destination groups (hosts reached the same way share one): a measure of how
    /// well the table compresses.
    pub fn groups(&self) -> usize {
        self.groups
    }
}

impl Columns {
    /// One breadth-first search per destination; destinations are grouped by attachment as
    /// they come (see the module documentation).
    fn search(nodes: &[Node], devices: &[Device]) -> Self {
        // VMs have no devices: their addresses are routed to the host they run on.
        let is_vm = |n: &Node| n.host().is_some_and(|h| h.guest().is_some());
        let hosts: Vec<NodeId> = (0..nodes.len() as u32)
            .map(NodeId)
            .filter(|n| nodes[n.index()].is_host() && !is_vm(&nodes[n.index()]))
            .collect();
        let mut c = Columns {
            lists: Lists::default(),
            group_cells: Vec::new(),
            group_keys: Vec::new(),
            dests: Vec::with_capacity(hosts.len()),
            specials: Vec::new(),
            dest_of: Vec::with_capacity(hosts.len()),
            unreachable: None,
        };
        for (d, h) in hosts.iter().enumerate() {
            if let Some(ip) = nodes[h.index()].ip {
                c.dest_of.push((u32::from(ip), d as u32));
            }
        }
        let empty = c.lists.intern(&[]);
        let mut group_of_key: BTreeMap<Vec<u32>, u32> = BTreeMap::new();
        let mut dist = vec![u32::MAX; nodes.len()];
        let mut column = vec![empty; nodes.len()];
        let mut is_special = vec![false; nodes.len()];
        let mut hops: Vec<u16> = Vec::new();
        let mut frontier = VecDeque::new();
        let graph = Graph::new(nodes, devices);
        for &h in &hosts {
            dist.fill(u32::MAX);
            dist[h.index()] = 0;
            frontier.clear();
            frontier.push_back(h.0);
            while let Some(n) = frontier.pop_front() {
                if n != h.0 && graph.is_host[n as usize] {
                    continue; // hosts do not forward
                }
                for e in graph.edges(n as usize).iter().filter(|e| e.up) {
                    if dist[e.to as usize] == u32::MAX {
                        dist[e.to as usize] = dist[n as usize] + 1;
                        frontier.push_back(e.to);
                    }
                }
            }
            for (n, node) in nodes.iter().enumerate() {
                column[n] = empty;
                if dist[n] == u32::MAX {
                    if node.is_host() && !is_vm(node) && c.unreachable.is_none() {
                        c.unreachable = Some(Unreachable {
                            from: NodeId(n as u32),
                            to: h,
                        });
                    }
                    continue;
                }
                if dist[n] == 0 {
                    continue;
                }
                hops.clear();
                for e in graph.edges(n) {
                    let m = e.to as usize;
                    // `<` first: an unreachable neighbour (u32::MAX) must not overflow.
                    if e.up && dist[m] < dist[n] && dist[m] + 1 == dist[n] {
                        hops.push(e.port);
                    }
                }
                column[n] = c.lists.intern(&hops);
            }
            // The host's attachment: its neighbours over every link, up or down.
            let mut key: Vec<u32> = nodes[h.index()]
                .devices
                .iter()
                .map(|&dev| devices[devices[dev.index()].peer.index()].node.0)
                .filter(|&m| m != h.0)
                .collect();
            key.sort_unstable();
            key.dedup();
            let special_start = c.specials.len() as u32;
            for &n in &key {
                c.specials.push((n, column[n as usize]));
            }
            let special_end = c.specials.len() as u32;
            for &n in std::iter::once(&h.0).chain(&key) {
                is_special[n as usize] = true;
            }
            // Join the attachment's group if this destination agrees with it everywhere
            // outside the host and its neighbours; otherwise take a group of its own.
            let fits = |cells: &[u32]| {
                (0..nodes.len())
                    .all(|n| is_special[n] || cells[n] == UNSET || cells[n] == column[n])
            };
            let group = match group_of_key.get(&key) {
                Some(&g) if fits(&c.group_cells[g as usize]) => g,
                found => {
                    let g = c.group_cells.len() as u32;
                    c.group_cells.push(vec![UNSET; nodes.len()]);
                    c.group_keys.push(key.clone());
                    if found.is_none() {
                        group_of_key.insert(key.clone(), g);
                    }
                    g
                }
            };
            let cells = &mut c.group_cells[group as usize];
            for n in 0..nodes.len() {
                if !is_special[n] && cells[n] == UNSET {
                    cells[n] = column[n];
                }
            }
            for &n in std::iter::once(&h.0).chain(&key) {
                is_special[n as usize] = false;
            }
            c.dests.push(DestRoute {
                dest: c.dests.len() as u32,
                host: h.0,
                group,
                special_start,
                special_end,
            });
        }
        for g in &mut c.group_cells {
            for cell in g.iter_mut().filter(|cell| **cell == UNSET) {
                *cell = empty;
            }
        }
        c
    }
}

/// The links as the searches read them: per node its devices' peers, ports and states in one
/// flat array (a device record is several cache lines; a search visits every device once per
/// destination).
struct Graph {
    /// Node `n`'s edges are `edges[first[n] .. first[n + 1]]`, in its device order.
    first: Vec<u32>,
    edges: Vec<Edge>,
    is_host: Vec<bool>,
}

#[derive(Clone, Copy)]
struct Edge {
    /// The peer device's node.
    to: u32,
    port: u16,
    up: bool,
}

impl Graph {
    fn new(nodes: &[Node], devices: &[Device]) -> Self {
        let mut first = Vec::with_capacity(nodes.len() + 1);
        let mut edges = Vec::with_capacity(devices.len());
        for n in nodes {
            first.push(edges.len() as u32);
            edges.extend(n.devices.iter().map(|&dev| {
                let dv = &devices[dev.index()];
                Edge {
                    to: devices[dv.peer.index()].node.0,
                    port: dv.port,
                    up: dv.up,
                }
            }));
        }
        first.push(edges.len() as u32);
        let is_host = nodes.iter().map(Node::is_host).collect();
        Graph {
            first,
            edges,
            is_host,
        }
    }

    fn edges(&self, n: usize) -> &[Edge] {
        &self.edges[self.first[n] as usize..self.first[n + 1] as usize]
    }
}

/// (node, port) → device in two flat arrays: the same answer as `nodes[node].devices[port]`
/// without reading the node's record and its device list on the per-hop path.
#[derive(Debug, Default)]
pub(crate) struct PortTable {
    /// Index into `devices` of each node's port 0; one more entry than nodes.
    first: Vec<u32>,
    devices: Vec<DeviceId>,
}

impl PortTable {
    pub(crate) fn new(nodes: &[Node]) -> Self {
        let mut first = Vec::with_capacity(nodes.len() + 1);
        let mut devices = Vec::new();
        for n in nodes {
            first.push(devices.len() as u32);
            devices.extend_from_slice(&n.devices);
        }
        first.push(devices.len() as u32);
        PortTable { first, devices }
    }

    /// The device at `port` of `node`.
    #[inline]
    pub(crate) fn device(&self, node: NodeId, port: u16) -> DeviceId {
        let i = self.first[node.index()] as usize + port as usize;
        // Ports come from the routing table and the switch plane, which only name real ones; the
        // per-hop path skips the bound check in release builds.
        debug_assert!(
            i < self.first[node.index() + 1] as usize,
            "{node:?} has no port {port}"
        );
        self.devices[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LinkConfig;
    use crate::NetworkBuilder;
    use sim_core::RngStreams;

    /// The plain node × destination table the compact one replaces: for each destination a
    /// breadth-first search from its host, next hops are the up ports whose peer is one hop
    /// closer.
    fn reference(nodes: &[Node], devices: &[Device], hosts: &[NodeId]) -> Vec<Vec<Vec<u16>>> {
        hosts
            .iter()
            .map(|&h| {
                let mut dist = vec![u32::MAX; nodes.len()];
                dist[h.index()] = 0;
                let mut frontier = VecDeque::from([h]);
                while let Some(n) = frontier.pop_front() {
                    if n != h && nodes[n.index()].is_host() {
                        continue;
                    }
                    for &dev in &nodes[n.index()].devices {
                        let dv = &devices[dev.index()];
                        let m = devices[dv.peer.index()].node;
                        if dv.up && dist[m.index()] == u32::MAX {
                            dist[m.index()] = dist[n.index()] + 1;
                            frontier.push_back(m);
                        }
                    }
                }
                (0..nodes.len())
                    .map(|n| {
                        if dist[n] == 0 || dist[n] == u32::MAX {
                            return Vec::new();
                        }
                        nodes[n]
                            .devices
                            .iter()
                            .map(|&dev| &devices[dev.index()])
                            .filter(|dv| {
                                let m = devices[dv.peer.index()].node;
                                dv.up && dist[m.index()].wrapping_add(1) == dist[n]
                            })
                            .map(|dv| dv.port)
                            .collect()
                    })
                    .collect()
            })
            .collect()
    }

    /// A k = 4 fat-tree of routers with irregular extras: a dual-homed host, two hosts wired
    /// to each other, and (in the second pass) failed links that break the symmetry groups rely
    /// on. The compact table must answer every (node, destination) exactly like the plain one.
    #[test]
    fn compact_table_equals_plain_table() {
        let mut b = NetworkBuilder::new(RngStreams::new(1));
        let p = LinkConfig::default();
        let mut hosts = Vec::new();
        let cores: Vec<NodeId> = (0..4).map(|i| b.add_router(&format!("c{i}"))).collect();
        for pod in 0..4 {
            let aggs: Vec<NodeId> = (0..2)
                .map(|i| b.add_router(&format!("a{pod}{i}")))
                .collect();
            for (i, &a) in aggs.iter().enumerate() {
                for &c in &cores[2 * i..2 * i + 2] {
                    b.connect(a, c, p);
                }
            }
            for e in 0..2 {
                let edge = b.add_router(&format!("e{pod}{e}"));
                for &a in &aggs {
                    b.connect(edge, a, p);
                }
                for i in 0..2 {
                    let n = hosts.len() as u8;
                    let h = b.add_host(&format!("h{n}"), Ipv4Addr::new(10, 0, 0, n + 1));
                    b.connect(h, edge, p);
                    hosts.push(h);
                    if pod == 1 && e == 0 && i == 0 {
                        b.connect(h, aggs[0], p); // dual-homed
                    }
                }
            }
        }
        b.connect(hosts[2], hosts[5], p); // a host-to-host cable: hosts still do not forward
        let mut net = b.build().expect("connected");
        for pass in 0..2 {
            if pass == 1 {
                for dev in [3, 17, 40] {
                    let peer = net.devices[dev].peer;
                    net.devices[dev].up = false;
                    net.devices[peer.index()].up = false;
                }
            }
            let (table, _) = RoutingTable::compute(&net.nodes, &net.devices);
            let want = reference(&net.nodes, &net.devices, &hosts);
            for (d, &h) in hosts.iter().enumerate() {
                let ip = net.nodes[h.index()].ip.expect("hosts have addresses");
                assert_eq!(table.dest(ip), Some(d as u32), "dest index of {ip}");
                for (n, ports) in want[d].iter().enumerate() {
                    let node = NodeId(n as u32);
                    let devs: Vec<DeviceId> = ports
                        .iter()
                        .map(|&p| net.nodes[n].devices[p as usize])
                        .collect();
                    assert_eq!(
                        table.next_hops(node, d as u32).as_slice(),
                        &devs[..],
                        "pass {pass}: next hops of node {n} towards host {d}"
                    );
                    let by_address = table.route(node, ip);
                    assert_eq!(by_address.as_slice(), &devs[..], "by address, node {n}");
                    assert_eq!(
                        matches!(by_address, NextHops::One(_)),
                        devs.len() == 1 && !net.nodes[n].is_host(),
                        "a single next hop is stored in a forwarding node's cell"
                    );
                }
            }
            assert!(
                table.groups() < hosts.len(),
                "hosts sharing an edge share a group"
            );
            let choice = want.iter().flatten().any(|ports| ports.len() >= 2);
            assert!(choice, "a fat-tree has equal-cost paths");
            assert_eq!(table.has_equal_cost_choice(), choice, "pass {pass}");
            // Single-homed hosts, whose routes all leave by port 0, share rows: one, and one
            // for those alone in their group (their own column is empty), not one each.
            let single = |h: &&NodeId| net.nodes[h.index()].devices.len() == 1;
            let mut rows: Vec<u32> = (hosts.iter().filter(single))
                .map(|h| table.nodes[h.index()].row)
                .collect();
            let singles = rows.len();
            rows.sort_unstable();
            rows.dedup();
            assert!(
                rows.len() <= 3 && singles >= 12,
                "pass {pass}: {singles} hosts' rows {rows:?}"
            );
        }
    }

    /// A tree offers no choice; a second cable between two of its switches does, and so does
    /// a square of switches (two paths of two hops), whichever node makes the choice.
    #[test]
    fn equal_cost_choice_is_found_wherever_it_is() {
        let p = LinkConfig::default();
        let choice = |extra: &dyn Fn(&mut NetworkBuilder, &[NodeId])| {
            let mut b = NetworkBuilder::new(RngStreams::new(1));
            let s: Vec<NodeId> = (0..4).map(|i| b.add_router(&format!("s{i}"))).collect();
            for w in s.windows(2) {
                b.connect(w[0], w[1], p);
            }
            for (i, &sw) in s.iter().enumerate() {
                let h = b.add_host(&format!("h{i}"), Ipv4Addr::new(10, 0, 0, i as u8 + 1));
                b.connect(h, sw, p);
            }
            extra(&mut b, &s);
            let net = b.build().expect("connected");
            RoutingTable::compute(&net.nodes, &net.devices)
                .0
                .has_equal_cost_choice()
        };
        assert!(!choice(&|_, _| {}), "a chain of switches");
        assert!(
            choice(&|b, s| {
                b.connect(s[1], s[2], p);
            }),
            "two cables between s1 and s2"
        );
        assert!(
            choice(&|b, s| {
                b.connect(s[0], s[3], p);
            }),
            "a ring of four: s0 reaches s2 by s1 or by s3"
        );
    }
}
