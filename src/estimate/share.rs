//! How the flows of a scenario share the links, for the estimate: one shortest path per flow,
//! and max-min fair shares of the link rates (progressive filling), so that eight TCP flows
//! through one 1 Gbit/s bottleneck are estimated at 1 Gbit/s in all, not eight times their
//! 10 Gbit/s access links.

use std::collections::VecDeque;

use topologies::{NodeIndex, Topology};

/// A directed link: `2 · edge + 0` from the lower-numbered node, `+ 1` the other way.
pub type DirLink = usize;

/// Every node's links in port order, `(edge, neighbour)`, built once for all the paths.
pub struct Adjacency(Vec<Vec<(usize, NodeIndex)>>);

impl Adjacency {
    /// The adjacency of `topo`.
    pub fn of(topo: &Topology) -> Self {
        Adjacency(
            topo.graph()
                .node_indices()
                .map(|n| {
                    topo.ports(n)
                        .into_iter()
                        .map(|(e, w)| (e.index(), w))
                        .collect()
                })
                .collect(),
        )
    }
}

/// One shortest path (by hops) from `src` to `dst` as directed links, or `None` if there is
/// none. Where several next hops are equally short, `salt` picks one (a hash, as per-flow ECMP
/// does), so that flows spread over a fat-tree's many paths as they do in the network.
pub fn path(adj: &Adjacency, src: NodeIndex, dst: NodeIndex, salt: u64) -> Option<Vec<DirLink>> {
    let ports = &adj.0;
    let mut dist = vec![u32::MAX; ports.len()];
    dist[dst.index()] = 0;
    let mut queue = VecDeque::from([dst]);
    while let Some(v) = queue.pop_front() {
        if v == src {
            break;
        }
        for &(_, w) in &ports[v.index()] {
            if dist[w.index()] == u32::MAX {
                dist[w.index()] = dist[v.index()] + 1;
                queue.push_back(w);
            }
        }
    }
    if dist[src.index()] == u32::MAX {
        return None;
    }
    let mut links = Vec::new();
    let mut at = src;
    let mut h = salt;
    let mut next = Vec::new();
    while at != dst {
        next.clear();
        next.extend(
            ports[at.index()]
                .iter()
                .filter(|&&(_, w)| dist[w.index()] == dist[at.index()] - 1),
        );
        // splitmix64: a well-mixed pick from the salt and the step.
        h = h.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = h;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let (edge, w) = next[(z % next.len() as u64) as usize];
        links.push(2 * edge + usize::from(at.index() > w.index()));
        at = w;
    }
    Some(links)
}

/// Max-min fair rates [bit/s] for flows that each want `demand` [bit/s] (`f64::INFINITY` for
/// an elastic flow such as TCP bulk) over `path`, on links of `capacity` [bit/s], by
/// progressive filling: raise every unfrozen flow's rate together until a link fills or a
/// flow's demand is met, freeze those flows, repeat.
pub fn max_min(capacity: &[f64], flows: &[(Vec<DirLink>, f64)]) -> Vec<f64> {
    let mut rate = vec![0.0; flows.len()];
    let mut left: Vec<f64> = capacity.to_vec();
    let mut frozen: Vec<bool> = flows.iter().map(|(_, d)| *d <= 0.0).collect();
    loop {
        let mut users = vec![0u32; left.len()];
        for (i, (path, _)) in flows.iter().enumerate() {
            if !frozen[i] {
                for &l in path {
                    users[l] += 1;
                }
            }
        }
        // The largest common increase: the tightest link's fair share of what is left, or the
        // smallest unmet demand.
        let mut step = f64::INFINITY;
        for (l, &u) in users.iter().enumerate() {
            if u > 0 {
                step = step.min(left[l] / f64::from(u));
            }
        }
        for (i, (_, demand)) in flows.iter().enumerate() {
            if !frozen[i] {
                step = step.min(demand - rate[i]);
            }
        }
        if !step.is_finite() {
            // Unfrozen flows with no links (a flow to itself) and no limit: nothing to share.
            break;
        }
        let mut any = false;
        for (i, (path, demand)) in flows.iter().enumerate() {
            if frozen[i] {
                continue;
            }
            any = true;
            rate[i] += step;
            for &l in path {
                left[l] -= step;
            }
            if rate[i] >= *demand * (1.0 - 1e-9) {
                frozen[i] = true;
            }
        }
        if !any {
            break;
        }
        for (i, (path, _)) in flows.iter().enumerate() {
            if !frozen[i] && path.iter().any(|&l| left[l] <= capacity[l] * 1e-9) {
                frozen[i] = true;
            }
        }
        if frozen.iter().all(|&f| f) {
            break;
        }
    }
    rate
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Eight elastic flows through one bottleneck share it equally; a CBR flow below its share
    /// gets its demand and the elastic ones split the rest.
    #[test]
    fn progressive_filling() {
        let cap = vec![10.0, 1.0, 10.0];
        let eight: Vec<_> = (0..8).map(|_| (vec![0, 1], f64::INFINITY)).collect();
        let r = max_min(&cap, &eight);
        assert!(r.iter().all(|&x| (x - 0.125).abs() < 1e-9), "{r:?}");

        let mixed = vec![
            (vec![1], 0.1),
            (vec![1, 2], f64::INFINITY),
            (vec![1], f64::INFINITY),
        ];
        let r = max_min(&cap, &mixed);
        assert!(
            (r[0] - 0.1).abs() < 1e-9 && (r[1] - 0.45).abs() < 1e-9 && (r[2] - 0.45).abs() < 1e-9,
            "{r:?}"
        );
    }

    /// The path across a dumbbell crosses the bottleneck once, in one direction.
    #[test]
    fn dumbbell_path() {
        let link = net_stack::LinkConfig {
            rate: sim_core::DataRate::gbps(1),
            delay: sim_core::SimTime::from_us(1),
            queue: sim_core::QueueLimit::Packets(100),
            loss: 0.0,
            aqm: Default::default(),
        };
        let t = topologies::dumbbell(2, link, link).unwrap();
        let adj = Adjacency::of(&t);
        let p = path(&adj, t.node("l0").unwrap(), t.node("r1").unwrap(), 7).unwrap();
        assert_eq!(p.len(), 3, "l0-sl, sl-sr, sr-r1");
        let back = path(&adj, t.node("r1").unwrap(), t.node("l0").unwrap(), 9).unwrap();
        let rev: Vec<_> = p.iter().rev().map(|l| l ^ 1).collect();
        assert_eq!(back, rev, "the way back is the same links the other way");
    }
}
