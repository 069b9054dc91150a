//! What the controller knows of the network before any switch connects — the switches and the
//! switch-to-switch links ([`Topology`]) — and the live graph the apps route on
//! ([`SwitchGraph`]): link state from PORT_STATUS, hop-count and weighted shortest paths with a
//! lowest-dpid tie break, and the spanning tree the learning switch floods along.
//!
//! Hosts are not part of the topology: apps learn them from PACKET_INs on *edge ports*, the
//! ports of a switch that no [`SwitchLink`] uses.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};

/// One OpenFlow switch of the network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwitchInfo {
    /// Datapath id, as the switch reports it in FEATURES_REPLY.
    pub dpid: u64,
    /// Node name in the scenario (`e0`, `a3`, `c1`, …), for messages and dumps.
    pub name: String,
    /// Number of ports, numbered `1..=n_ports`.
    pub n_ports: u32,
}

/// A link between two switch ports, `(dpid, port_no)` at each end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwitchLink {
    /// One end.
    pub a: (u64, u32),
    /// The other end.
    pub b: (u64, u32),
}

/// The switches (sorted by dpid, which is the simulation's node order) and the links between
/// them. Hosts are not listed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Topology {
    /// Switches in ascending dpid order.
    pub switches: Vec<SwitchInfo>,
    /// Switch-to-switch links.
    pub links: Vec<SwitchLink>,
}

/// Why a [`Topology`] cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TopologyError {
    /// Switches must be listed in strictly ascending dpid order.
    #[error("switch {0:#x} is out of dpid order or listed twice")]
    Unsorted(u64),
    /// A link names a dpid that is not in the switch list.
    #[error("link {link}: no switch with dpid {dpid:#x}")]
    UnknownSwitch {
        /// Index of the link.
        link: usize,
        /// The dpid it names.
        dpid: u64,
    },
    /// A link end names a port outside `1..=n_ports`.
    #[error("link {link}: switch {dpid:#x} has no port {port}")]
    BadPort {
        /// Index of the link.
        link: usize,
        /// The switch.
        dpid: u64,
        /// The port.
        port: u32,
    },
    /// Two links use the same port.
    #[error("port {port} of switch {dpid:#x} is used by two links")]
    PortInUse {
        /// The switch.
        dpid: u64,
        /// The port.
        port: u32,
    },
}

impl Topology {
    /// Checks that switches are sorted by dpid and that every link joins two existing ports,
    /// each used once.
    pub fn validate(&self) -> Result<(), TopologyError> {
        for w in self.switches.windows(2) {
            if w[1].dpid <= w[0].dpid {
                return Err(TopologyError::Unsorted(w[1].dpid));
            }
        }
        let mut used = BTreeSet::new();
        for (link, l) in self.links.iter().enumerate() {
            for (dpid, port) in [l.a, l.b] {
                let i = self
                    .index_of(dpid)
                    .ok_or(TopologyError::UnknownSwitch { link, dpid })?;
                if port == 0 || port > self.switches[i].n_ports {
                    return Err(TopologyError::BadPort { link, dpid, port });
                }
                if !used.insert((dpid, port)) {
                    return Err(TopologyError::PortInUse { dpid, port });
                }
            }
        }
        Ok(())
    }

    /// Position of switch `dpid` in [`Topology::switches`].
    pub fn index_of(&self, dpid: u64) -> Option<usize> {
        self.switches.binary_search_by_key(&dpid, |s| s.dpid).ok()
    }

    /// The number of ports of switch `dpid` (0 for a switch the topology does not have).
    pub fn n_ports(&self, dpid: u64) -> u32 {
        self.switches
            .iter()
            .find(|s| s.dpid == dpid)
            .map_or(0, |s| s.n_ports)
    }
}

/// One direction of a link, seen from the switch that owns `port`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Adjacency {
    /// Index (in [`Topology::switches`]) of the switch at the other end.
    pub neighbour: usize,
    /// Local port the link leaves from.
    pub port: u32,
    /// Index of the link in [`Topology::links`].
    pub link: usize,
}

/// A path on the switch graph: `switches[i]` reaches `switches[i + 1]` over `via[i]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphPath {
    /// Switch indices, first to last.
    pub switches: Vec<usize>,
    /// The link taken out of each switch but the last.
    pub via: Vec<Adjacency>,
}

/// The switch graph with live link state; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct SwitchGraph {
    dpids: Vec<u64>,
    n_ports: Vec<u32>,
    links: Vec<SwitchLink>,
    /// Per switch, its links sorted by (neighbour dpid, local port): the order every search
    /// visits neighbours in, which is what makes ties go to the lowest dpids.
    adj: Vec<Vec<Adjacency>>,
    port_link: BTreeMap<(u64, u32), usize>,
    ports_down: BTreeSet<(u64, u32)>,
}

impl SwitchGraph {
    /// The graph of a topology, every link up.
    ///
    /// # Panics
    ///
    /// If the topology does not pass [`Topology::validate`].
    pub fn new(topo: &Topology) -> SwitchGraph {
        if let Err(e) = topo.validate() {
            panic!("invalid controller topology: {e}");
        }
        let n = topo.switches.len();
        let mut adj = vec![Vec::new(); n];
        let mut port_link = BTreeMap::new();
        for (link, l) in topo.links.iter().enumerate() {
            let (ia, ib) = (topo.index_of(l.a.0), topo.index_of(l.b.0));
            let (Some(ia), Some(ib)) = (ia, ib) else {
                unreachable!("validated")
            };
            adj[ia].push(Adjacency {
                neighbour: ib,
                port: l.a.1,
                link,
            });
            adj[ib].push(Adjacency {
                neighbour: ia,
                port: l.b.1,
                link,
            });
            port_link.insert(l.a, link);
            port_link.insert(l.b, link);
        }
        for a in &mut adj {
            a.sort_by_key(|x| (x.neighbour, x.port));
        }
        SwitchGraph {
            dpids: topo.switches.iter().map(|s| s.dpid).collect(),
            n_ports: topo.switches.iter().map(|s| s.n_ports).collect(),
            links: topo.links.clone(),
            adj,
            port_link,
            ports_down: BTreeSet::new(),
        }
    }

    /// Number of switches.
    pub fn len(&self) -> usize {
        self.dpids.len()
    }

    /// Whether there are no switches.
    pub fn is_empty(&self) -> bool {
        self.dpids.is_empty()
    }

    /// Datapath id of switch `index`.
    pub fn dpid(&self, index: usize) -> u64 {
        self.dpids[index]
    }

    /// Index of switch `dpid`.
    pub fn index_of(&self, dpid: u64) -> Option<usize> {
        self.dpids.binary_search(&dpid).ok()
    }

    /// The links, as given.
    pub fn links(&self) -> &[SwitchLink] {
        &self.links
    }

    /// The link on port `port` of switch `dpid`, if it is a switch-to-switch port.
    pub fn link_at(&self, dpid: u64, port: u32) -> Option<usize> {
        self.port_link.get(&(dpid, port)).copied()
    }

    /// The other end of `link` seen from its end `from` = (dpid, port).
    pub fn far_end(&self, link: usize, from: (u64, u32)) -> (u64, u32) {
        let l = &self.links[link];
        if l.a == from { l.b } else { l.a }
    }

    /// Whether `port` of `dpid` is an edge port: it exists and no link uses it.
    pub fn is_edge_port(&self, dpid: u64, port: u32) -> bool {
        self.index_of(dpid)
            .is_some_and(|i| (1..=self.n_ports[i]).contains(&port))
            && self.link_at(dpid, port).is_none()
    }

    /// The edge ports of switch `index`, ascending.
    pub fn edge_ports(&self, index: usize) -> Vec<u32> {
        let dpid = self.dpids[index];
        (1..=self.n_ports[index])
            .filter(|&p| self.link_at(dpid, p).is_none())
            .collect()
    }

    /// Whether `link` is up (both its ports are up).
    pub fn link_up(&self, link: usize) -> bool {
        let l = &self.links[link];
        !self.ports_down.contains(&l.a) && !self.ports_down.contains(&l.b)
    }

    /// Records the state of a port. Returns the link on it and its new state if the link
    /// changed state; edge ports and repeated reports return `None`.
    pub fn set_port_up(&mut self, dpid: u64, port: u32, up: bool) -> Option<(usize, bool)> {
        let link = self.link_at(dpid, port)?;
        let before = self.link_up(link);
        if up {
            self.ports_down.remove(&(dpid, port));
        } else {
            self.ports_down.insert((dpid, port));
        }
        let after = self.link_up(link);
        (before != after).then_some((link, after))
    }

    /// The links of switch `index` that are up, in neighbour-dpid order.
    fn up_adj(&self, index: usize) -> impl Iterator<Item = &Adjacency> {
        self.adj[index].iter().filter(|a| self.link_up(a.link))
    }

    /// The cheapest path from `src` to `dst` over links that are up, where crossing `link`
    /// costs `cost(link)` (at least 1 is assumed; 0 is treated as 1). Among the cheapest
    /// paths it returns the lexicographically smallest sequence of dpids — what a BFS that
    /// visits neighbours in ascending dpid order finds when all costs are 1. `None` if `dst`
    /// is unreachable.
    ///
    /// Distances run from `dst` (Dijkstra, in `u128` so sums of `u64::MAX` weights cannot
    /// overflow); the path is then walked from `src`, taking at each switch the lowest-dpid
    /// neighbour that stays on a cheapest path.
    pub fn shortest_path(
        &self,
        src: usize,
        dst: usize,
        cost: impl Fn(usize) -> u64,
    ) -> Option<GraphPath> {
        let cost = |l: usize| u128::from(cost(l).max(1));
        let mut dist: Vec<Option<u128>> = vec![None; self.len()];
        let mut heap = BinaryHeap::new();
        dist[dst] = Some(0);
        heap.push(Reverse((0u128, dst)));
        while let Some(Reverse((d, u))) = heap.pop() {
            if dist[u] != Some(d) {
                continue;
            }
            for a in self.up_adj(u) {
                let nd = d + cost(a.link);
                if dist[a.neighbour].is_none_or(|old| nd < old) {
                    dist[a.neighbour] = Some(nd);
                    heap.push(Reverse((nd, a.neighbour)));
                }
            }
        }
        dist[src]?;
        let mut path = GraphPath {
            switches: vec![src],
            via: Vec::new(),
        };
        let mut u = src;
        while u != dst {
            let du = dist[u]?;
            let next = self
                .up_adj(u)
                .find(|a| dist[a.neighbour].is_some_and(|dn| dn + cost(a.link) == du))?;
            path.via.push(*next);
            path.switches.push(next.neighbour);
            u = next.neighbour;
        }
        Some(path)
    }

    /// The ports (both ends) of a spanning tree over the links that are up: BFS from the
    /// lowest dpid, neighbours in ascending dpid order. Switches not reachable from the
    /// lowest dpid get trees of their own, rooted at their lowest dpid.
    pub fn spanning_tree_ports(&self) -> BTreeSet<(u64, u32)> {
        let mut ports = BTreeSet::new();
        let mut seen = vec![false; self.len()];
        for root in 0..self.len() {
            if seen[root] {
                continue;
            }
            seen[root] = true;
            let mut queue = VecDeque::from([root]);
            while let Some(u) = queue.pop_front() {
                for a in self.up_adj(u) {
                    if !seen[a.neighbour] {
                        seen[a.neighbour] = true;
                        let l = &self.links[a.link];
                        ports.insert(l.a);
                        ports.insert(l.b);
                        queue.push_back(a.neighbour);
                    }
                }
            }
        }
        ports
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::harness::fat_tree_topology;

    fn names(t: &Topology, p: &GraphPath) -> Vec<String> {
        p.switches
            .iter()
            .map(|&i| t.switches[i].name.clone())
            .collect()
    }

    /// Hop-count paths break ties towards the lowest dpids (e0 → e2 through a0 and c0), a
    /// dead link is avoided, and weights steer the path.
    #[test]
    fn shortest_path_tie_break_and_weights() {
        let t = fat_tree_topology(4, 4);
        let mut g = SwitchGraph::new(&t);
        let (e0, e2) = (g.index_of(1).unwrap(), g.index_of(3).unwrap());
        let p = g.shortest_path(e0, e2, |_| 1).unwrap();
        assert_eq!(
            names(&t, &p),
            ["e0", "a0", "c0", "a2", "e2"],
            "lowest dpids"
        );
        assert_eq!(p.via[0].port, 3, "e0 leaves on its first uplink");

        let a0c0 = g.link_at(g.dpid(p.switches[1]), 3).unwrap();
        let l = g.links()[a0c0];
        assert_eq!(
            g.set_port_up(l.a.0, l.a.1, false),
            Some((a0c0, false)),
            "went down"
        );
        assert_eq!(g.set_port_up(l.b.0, l.b.1, false), None, "already down");
        let p = g.shortest_path(e0, e2, |_| 1).unwrap();
        assert_eq!(names(&t, &p), ["e0", "a0", "c1", "a2", "e2"], "next core");
        g.set_port_up(l.a.0, l.a.1, true);
        assert_eq!(
            g.set_port_up(l.b.0, l.b.1, true),
            Some((a0c0, true)),
            "back up"
        );

        let p = g
            .shortest_path(e0, e2, |link| if link == a0c0 { u64::MAX } else { 1 })
            .unwrap();
        assert_eq!(names(&t, &p), ["e0", "a0", "c1", "a2", "e2"], "weighted");
        assert_eq!(
            g.shortest_path(e0, e0, |_| 1).unwrap().via,
            [],
            "trivial path"
        );
    }

    /// The spanning tree of a k=4 fat-tree has 19 links (20 switches) and uses no second
    /// uplink of e1 (e1 hangs off a0, found first).
    #[test]
    fn spanning_tree_of_fat_tree() {
        let t = fat_tree_topology(4, 4);
        let g = SwitchGraph::new(&t);
        let ports = g.spanning_tree_ports();
        assert_eq!(ports.len(), 2 * 19, "19 tree links, two ports each");
        assert!(
            ports.contains(&(2, 3)) && !ports.contains(&(2, 4)),
            "e1 via a0 only"
        );
    }

    /// Topology validation catches the usual mistakes.
    #[test]
    fn validate_rejects_bad_topologies() {
        let sw = |dpid| SwitchInfo {
            dpid,
            name: format!("s{dpid}"),
            n_ports: 2,
        };
        let mut t = Topology {
            switches: vec![sw(2), sw(1)],
            links: vec![],
        };
        assert_eq!(t.validate(), Err(TopologyError::Unsorted(1)), "sorted");
        t.switches.reverse();
        t.links.push(SwitchLink {
            a: (1, 3),
            b: (2, 1),
        });
        assert!(
            matches!(t.validate(), Err(TopologyError::BadPort { .. })),
            "port range"
        );
        t.links[0] = SwitchLink {
            a: (1, 1),
            b: (9, 1),
        };
        assert!(
            matches!(t.validate(), Err(TopologyError::UnknownSwitch { .. })),
            "dpid"
        );
        t.links[0] = SwitchLink {
            a: (1, 1),
            b: (2, 1),
        };
        t.links.push(SwitchLink {
            a: (1, 1),
            b: (2, 2),
        });
        assert!(
            matches!(t.validate(), Err(TopologyError::PortInUse { .. })),
            "reuse"
        );
    }
}
