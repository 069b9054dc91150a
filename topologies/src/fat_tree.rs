//! The k-ary fat-tree of Al-Fares, Loukissas & Vahdat (SIGCOMM 2008), with their addressing.

use std::net::Ipv4Addr;

use crate::topology::Builder;
use crate::{LinkConfig, Tier, Topology, TopologyError};

/// The largest k: the core switches are 10.k.j.i, so k must fit in an address octet (≤ 255), and
/// k is even. Pods (10.pod.…, pod ≤ k − 1 = 253) then never collide with the cores' 10.254.…
/// Such a tree has 4 096 766 hosts; memory, not addressing, is the practical limit well before.
pub const FAT_TREE_MAX_K: u32 = 254;

/// A k-ary fat-tree: k pods of k/2 edge and k/2 aggregation switches, (k/2)² core switches,
/// k³/4 hosts, 3k³/4 links (k³/4 host links, k³/4 edge–aggregation, k³/4 aggregation–core).
///
/// **Nodes**, in this order (= node index order):
/// * hosts `h0…h{k³/4−1}`: host `h{pod·(k/2)² + edge·(k/2) + i}` is the i-th host (i in
///   0…k/2−1) of edge switch `edge` (0…k/2−1 within the pod) of pod `pod`; address
///   **10.pod.edge.(i+2)**;
/// * edge switches `e0…e{k²/2−1}`: `e{pod·(k/2) + s}`, address **10.pod.s.1** (s in 0…k/2−1);
/// * aggregation switches `a0…a{k²/2−1}`: `a{pod·(k/2) + j}`, address **10.pod.(k/2+j).1**;
/// * core switches `c0…c{(k/2)²−1}`: `c{j·(k/2) + i}`, address **10.k.(j+1).(i+1)** (row j,
///   column i of the core grid, Al-Fares' 10.k.j.i with j, i in 1…k/2).
///
/// **Links**, in build order (= port order):
/// 1. every host to its edge switch, `h_n–e_m`, in host order;
/// 2. edge–aggregation, `e–a`, for each pod, each edge switch s, each aggregation switch j;
/// 3. aggregation–core, `a–c`, for each pod, each aggregation switch j, the cores
///    c{j·(k/2)} … c{(j+1)·(k/2)−1} in order (aggregation switch j of every pod serves core
///    row j).
///
/// So, as in Al-Fares' two-level tables, an edge switch's ports 0…k/2−1 face its hosts and
/// k/2…k−1 the pod's aggregation switches j = 0…k/2−1; an aggregation switch's ports 0…k/2−1
/// face the pod's edge switches and k/2…k−1 its core row; core port p faces pod p.
///
/// Errors: k odd, below 2 or above [`FAT_TREE_MAX_K`]; `link.loss` outside [0, 1].
pub fn fat_tree(k: u32, link: LinkConfig) -> Result<Topology, TopologyError> {
    if !(2..=FAT_TREE_MAX_K).contains(&k) || !k.is_multiple_of(2) {
        return Err(TopologyError::Parameter {
            topology: "fat-tree",
            param: "k",
            value: k.into(),
            expected: format!(
                "an even number from 2 to {FAT_TREE_MAX_K} (a pod has k/2 edge and k/2 \
                 aggregation switches; core addresses 10.k.j.i need k in one octet)"
            ),
        });
    }
    crate::spec::check_link(&link, "fat-tree: the `link` parameters")?;
    let h = k / 2; // k ≤ 254, so every octet below fits in a u8
    let octet = |x: u32| x as u8;
    let mut b = Builder::new("fat-tree");

    let mut hosts = Vec::with_capacity((k * h * h) as usize);
    for pod in 0..k {
        for edge in 0..h {
            for i in 0..h {
                let n = hosts.len();
                let ip = Ipv4Addr::new(10, octet(pod), octet(edge), octet(i + 2));
                hosts.push((b.host(format!("h{n}"), ip), pod * h + edge));
            }
        }
    }
    let edges: Vec<_> = (0..k * h)
        .map(|e| {
            let ip = Ipv4Addr::new(10, octet(e / h), octet(e % h), 1);
            b.switch(format!("e{e}"), Tier::Edge, Some(ip))
        })
        .collect();
    let aggs: Vec<_> = (0..k * h)
        .map(|a| {
            let ip = Ipv4Addr::new(10, octet(a / h), octet(h + a % h), 1);
            b.switch(format!("a{a}"), Tier::Aggregation, Some(ip))
        })
        .collect();
    let cores: Vec<_> = (0..h * h)
        .map(|c| {
            let ip = Ipv4Addr::new(10, octet(k), octet(c / h + 1), octet(c % h + 1));
            b.switch(format!("c{c}"), Tier::Core, Some(ip))
        })
        .collect();

    for &(host, edge) in &hosts {
        b.link(host, edges[edge as usize], link);
    }
    for pod in 0..k {
        for s in 0..h {
            for j in 0..h {
                let (e, a) = ((pod * h + s) as usize, (pod * h + j) as usize);
                b.link(edges[e], aggs[a], link);
            }
        }
    }
    for pod in 0..k {
        for j in 0..h {
            for i in 0..h {
                let (a, c) = ((pod * h + j) as usize, (j * h + i) as usize);
                b.link(aggs[a], cores[c], link);
            }
        }
    }
    b.finish(None)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn ip(s: &str) -> Option<Ipv4Addr> {
        Some(s.parse().expect("test address"))
    }

    /// For every even k from 2 to 16: k³/4 hosts, 5k²/4 switches (k²/2 edge, k²/2 aggregation,
    /// k²/4 core), 3k³/4 links, connected, and every address unique.
    #[test]
    fn counts_connectivity_and_unique_addresses_for_k_2_to_16() {
        for k in (2..=16).step_by(2) {
            let t = fat_tree(k, LinkConfig::default()).expect("valid k");
            let (k3, k2) = ((k * k * k) as usize, (k * k) as usize);
            assert_eq!(t.hosts().count(), k3 / 4, "hosts for k={k}");
            assert_eq!(t.switches().count(), 5 * k2 / 4, "switches for k={k}");
            assert_eq!(t.switches_in(Tier::Edge).count(), k2 / 2, "edge k={k}");
            assert_eq!(
                t.switches_in(Tier::Aggregation).count(),
                k2 / 2,
                "agg k={k}"
            );
            assert_eq!(t.switches_in(Tier::Core).count(), k2 / 4, "core k={k}");
            assert_eq!(t.link_count(), 3 * k3 / 4, "links for k={k}");
            assert!(t.is_connected(), "connected for k={k}");
            let ips: BTreeSet<_> = t.graph().node_weights().map(|n| n.ip).collect();
            assert_eq!(ips.len(), t.node_count(), "all addresses unique for k={k}");
            assert!(
                !ips.contains(&None),
                "every fat-tree node has an address, k={k}"
            );
            // Degrees: hosts 1, every switch k (k=2: edge 2, agg 2, core 2).
            for n in t.graph().node_indices() {
                let want = if t.spec(n).role.is_host() {
                    1
                } else {
                    k as usize
                };
                assert_eq!(t.ports(n).len(), want, "degree of {} for k={k}", t.name(n));
            }
        }
    }

    /// Al-Fares addressing for k = 4, spot-checked: hosts 10.pod.switch.ID with ID 2…3, pod
    /// switches 10.pod.switch.1 (edge 0…1, aggregation 2…3), cores 10.4.j.i.
    #[test]
    fn k4_addresses_follow_al_fares() {
        let t = fat_tree(4, LinkConfig::default()).expect("k=4");
        let at = |name: &str| t.ip(t.node(name).expect(name));
        let cases = [
            ("h0", "10.0.0.2"),
            ("h1", "10.0.0.3"),
            ("h2", "10.0.1.2"),
            ("h5", "10.1.0.3"),
            ("h15", "10.3.1.3"),
            ("e0", "10.0.0.1"),
            ("e1", "10.0.1.1"),
            ("e7", "10.3.1.1"),
            ("a0", "10.0.2.1"),
            ("a1", "10.0.3.1"),
            ("a6", "10.3.2.1"),
            ("c0", "10.4.1.1"),
            ("c1", "10.4.1.2"),
            ("c2", "10.4.2.1"),
            ("c3", "10.4.2.2"),
        ];
        for (name, want) in cases {
            assert_eq!(at(name), ip(want), "address of {name}");
        }
    }

    /// Build order for k = 4: host links first, then edge–aggregation, then aggregation–core;
    /// port maps of e0, a1 and c2 match the documented (Al-Fares) port layout.
    #[test]
    fn k4_build_order_and_ports() {
        let t = fat_tree(4, LinkConfig::default()).expect("k=4");
        let names: Vec<_> = t
            .links_in_build_order()
            .map(|l| t.link_name(l.id))
            .collect();
        assert_eq!(&names[..3], ["h0-e0", "h1-e0", "h2-e1"], "hosts first");
        assert_eq!(
            &names[16..20],
            ["e0-a0", "e0-a1", "e1-a0", "e1-a1"],
            "pod 0 edge–agg"
        );
        assert_eq!(
            &names[32..36],
            ["a0-c0", "a0-c1", "a1-c2", "a1-c3"],
            "pod 0 agg–core"
        );
        assert_eq!(names[47], "a7-c3", "last link");
        let ports = |s: &str| -> Vec<String> {
            t.ports(t.node(s).expect(s))
                .into_iter()
                .map(|(_, p)| t.name(p).to_string())
                .collect()
        };
        assert_eq!(
            ports("e0"),
            ["h0", "h1", "a0", "a1"],
            "edge: hosts down, aggs up"
        );
        assert_eq!(
            ports("a1"),
            ["e0", "e1", "c2", "c3"],
            "agg 1 serves core row 1"
        );
        assert_eq!(
            ports("c2"),
            ["a1", "a3", "a5", "a7"],
            "core port p faces pod p"
        );
    }

    /// Equal-cost shortest paths: (k/2)² between hosts in different pods, k/2 between hosts on
    /// different edge switches of one pod, 1 under one edge switch (k = 4, 6, 8).
    #[test]
    fn equal_cost_path_counts() {
        for k in [4u32, 6, 8] {
            let t = fat_tree(k, LinkConfig::default()).expect("valid k");
            let h = u64::from(k / 2);
            let host = |i: u32| t.node(&format!("h{i}")).expect("host");
            let per_pod = (k / 2) * (k / 2);
            let (first, same_edge, same_pod, other_pod) =
                (host(0), host(1), host(k / 2), host(per_pod * (k - 1)));
            assert_eq!(
                t.shortest_path_count(first, other_pod),
                h * h,
                "inter-pod k={k}"
            );
            assert_eq!(t.hops(first, other_pod), Some(6), "inter-pod hops k={k}");
            assert_eq!(t.shortest_path_count(first, same_pod), h, "intra-pod k={k}");
            assert_eq!(t.hops(first, same_pod), Some(4), "intra-pod hops k={k}");
            assert_eq!(
                t.shortest_path_count(first, same_edge),
                1,
                "same edge k={k}"
            );
        }
    }

    /// k odd, 0 and above the maximum are refused with the range in the message; 254 is the
    /// largest accepted value (checked without building it: 4 million hosts).
    #[test]
    fn bad_k_is_refused() {
        for k in [0, 1, 3, 5, 255, 256, 1000] {
            let e = fat_tree(k, LinkConfig::default()).expect_err("bad k");
            assert!(
                matches!(e, TopologyError::Parameter { param: "k", .. }),
                "{e:?}"
            );
            let msg = e.to_string();
            assert!(msg.contains(&format!("k = {k}")), "value in message: {msg}");
            assert!(
                msg.contains("2 to 254") && msg.contains("even"),
                "range: {msg}"
            );
        }
        let bad = LinkConfig {
            loss: 2.0,
            ..LinkConfig::default()
        };
        let e = fat_tree(4, bad).expect_err("bad loss");
        assert!(matches!(e, TopologyError::BadLink { .. }), "{e:?}");
    }
}
