//! Hop-count shortest paths over a [`Topology`]: counting equal-cost paths (what ECMP can spread
//! over) and picking one deterministically (what a tie-breaking shortest-path router picks).

use std::collections::VecDeque;

use petgraph::stable_graph::NodeIndex;
use petgraph::visit::NodeIndexable;

use crate::Topology;

/// Breadth-first search from `src`: hop distance and number of shortest paths to every node
/// (indexed by node index; `u32::MAX` distance = unreachable). Counts saturate at `u64::MAX`.
fn bfs(t: &Topology, src: NodeIndex) -> (Vec<u32>, Vec<u64>) {
    let g = t.graph();
    let mut dist = vec![u32::MAX; g.node_bound()];
    let mut count = vec![0u64; g.node_bound()];
    dist[src.index()] = 0;
    count[src.index()] = 1;
    let mut queue = VecDeque::from([src]);
    while let Some(n) = queue.pop_front() {
        for m in g.neighbors(n) {
            if dist[m.index()] == u32::MAX {
                dist[m.index()] = dist[n.index()] + 1;
                queue.push_back(m);
            }
            if dist[m.index()] == dist[n.index()] + 1 {
                count[m.index()] = count[m.index()].saturating_add(count[n.index()]);
            }
        }
    }
    (dist, count)
}

impl Topology {
    /// Hop distance from `a` to `b`, `None` if unreachable.
    pub fn hops(&self, a: NodeIndex, b: NodeIndex) -> Option<u32> {
        let d = bfs(self, a).0[b.index()];
        (d != u32::MAX).then_some(d)
    }

    /// The number of distinct shortest (fewest-hop) paths from `a` to `b`; 0 if unreachable.
    /// In a k-ary fat-tree this is (k/2)² between pods and k/2 within a pod.
    pub fn shortest_path_count(&self, a: NodeIndex, b: NodeIndex) -> u64 {
        bfs(self, a).1[b.index()]
    }

    /// One shortest path from `a` to `b` (both included), chosen **lowest node index first**:
    /// walking from `a`, each hop goes to the lowest-indexed neighbour that is still on a
    /// shortest path to `b`. Node indices follow each builder's documented node order, so this
    /// is the path a deterministic tie-breaking router (no ECMP) takes. `None` if unreachable.
    pub fn shortest_path(&self, a: NodeIndex, b: NodeIndex) -> Option<Vec<NodeIndex>> {
        // Distances *to* b tell which neighbours stay on a shortest path.
        let (to_b, _) = bfs(self, b);
        if to_b[a.index()] == u32::MAX {
            return None;
        }
        let mut path = vec![a];
        let mut n = a;
        while n != b {
            n = self
                .graph()
                .neighbors(n)
                .filter(|m| to_b[m.index()] + 1 == to_b[n.index()])
                .min()
                .expect("a node at distance d > 0 has a neighbour at d - 1");
            path.push(n);
        }
        Some(path)
    }
}

#[cfg(test)]
mod tests {
    use crate::{LinkConfig, leaf_spine};

    /// In a 2-leaf, 3-spine fabric there are 3 shortest host-to-host paths across leaves, 1
    /// within a leaf, and the deterministic path takes spine0 (the lowest index).
    #[test]
    fn counts_and_lowest_index_path_in_a_leaf_spine() {
        let t = leaf_spine(2, 3, 2, LinkConfig::default()).expect("valid");
        let n = |s: &str| t.node(s).expect(s);
        assert_eq!(t.shortest_path_count(n("h0"), n("h2")), 3, "one per spine");
        assert_eq!(t.shortest_path_count(n("h0"), n("h1")), 1, "same leaf");
        assert_eq!(t.hops(n("h0"), n("h2")), Some(4), "h-leaf-spine-leaf-h");
        let names: Vec<_> = t
            .shortest_path(n("h0"), n("h2"))
            .expect("connected")
            .into_iter()
            .map(|x| t.name(x).to_string())
            .collect();
        assert_eq!(
            names,
            ["h0", "leaf0", "spine0", "leaf1", "h2"],
            "lowest index first"
        );
    }
}
