//! The rate of a `transport = "channel"` migration ([`vm::channel`]): the bottleneck of the
//! path between the source and the target host.
//!
//! "The path" is not known before the run when a controller routes, so it is taken from the
//! topology: among the paths with the fewest hops (through switches and routers, never
//! through another host), the widest — the one whose slowest link is fastest. On `linear`,
//! `dumbbell` and `two-dc` there is one such path; on a fat tree every equal-cost path has the
//! same links' rates. Ties cannot change the result (only the bottleneck's value is used).

use net_stack::{NetworkBuilder, NodeId};
use sim_core::DataRate;

/// The bottleneck rate of the widest fewest-hop path from `from` to `to`, or `None` when no
/// path joins them.
pub fn bottleneck_rate(b: &NetworkBuilder, from: NodeId, to: NodeId) -> Option<DataRate> {
    let n = b.nodes().len();
    // Breadth-first layers; `width[v]` is the widest bottleneck over fewest-hop paths to v.
    let mut dist = vec![u32::MAX; n];
    let mut width: Vec<Option<DataRate>> = vec![None; n];
    dist[from.index()] = 0;
    let mut layer = vec![from];
    while !layer.is_empty() && dist[to.index()] == u32::MAX {
        let mut next = Vec::new();
        for &u in &layer {
            // Hosts other than the source do not forward.
            if u != from && b.nodes()[u.index()].is_host() {
                continue;
            }
            for (v, rate) in b.neighbours(u) {
                let d = dist[u.index()] + 1;
                if dist[v.index()] < d {
                    continue;
                }
                if dist[v.index()] == u32::MAX {
                    dist[v.index()] = d;
                    next.push(v);
                }
                let through = width[u.index()].map_or(rate, |w| w.min(rate));
                if width[v.index()].is_none_or(|w| through > w) {
                    width[v.index()] = Some(through);
                }
            }
        }
        layer = next;
    }
    width[to.index()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use net_stack::LinkConfig;
    use sim_core::RngStreams;

    fn link(mbps: u64) -> LinkConfig {
        LinkConfig {
            rate: DataRate::mbps(mbps),
            ..LinkConfig::default()
        }
    }

    /// h0 – s0 – s1 – h1 with a 100 Mbit/s middle link and a longer, wider detour s0 – s2 –
    /// s3 – s1: the fewest-hop path's bottleneck (100 Mbit/s) is the rate, not the detour's.
    /// Then two equal-hop paths h2 – s4 – {s5 at 100 Mbit/s, s6 at 10 Gbit/s} – s7 – h3: the
    /// wider one counts, so its bottleneck is the 1 Gbit/s access link. No path: `None`.
    #[test]
    fn fewest_hops_then_widest() {
        let mut b = NetworkBuilder::new(RngStreams::new(1));
        let h: Vec<NodeId> = (0..5)
            .map(|i| {
                b.add_host(
                    &format!("h{i}"),
                    format!("10.0.0.{}", i + 1).parse().unwrap(),
                )
            })
            .collect();
        let s: Vec<NodeId> = (0..8).map(|i| b.add_switch(&format!("s{i}"))).collect();
        b.connect(h[0], s[0], link(1000));
        b.connect(s[0], s[1], link(100));
        b.connect(s[1], h[1], link(1000));
        b.connect(s[0], s[2], link(10_000));
        b.connect(s[2], s[3], link(10_000));
        b.connect(s[3], s[1], link(10_000));
        assert_eq!(bottleneck_rate(&b, h[0], h[1]), Some(DataRate::mbps(100)));
        b.connect(h[2], s[4], link(1000));
        b.connect(s[4], s[5], link(100));
        b.connect(s[5], s[7], link(100));
        b.connect(s[4], s[6], link(10_000));
        b.connect(s[6], s[7], link(10_000));
        b.connect(s[7], h[3], link(1000));
        assert_eq!(bottleneck_rate(&b, h[2], h[3]), Some(DataRate::mbps(1000)));
        assert_eq!(bottleneck_rate(&b, h[3], h[2]), Some(DataRate::mbps(1000)));
        assert_eq!(bottleneck_rate(&b, h[0], h[4]), None);
    }
}
