//! The SDN test bed of Qin, Li, Chen & Huang, *Early Notification and Dynamic Routing* (seed 002,
//! `shared/seeds/002_13945c54d71f84e6.txt`), Fig. 6.

use std::net::Ipv4Addr;

use crate::topology::Builder;
use crate::{LinkConfig, Tier, Topology, TopologyError};

/// The `qin2017` test bed: six hosts `h1…h6`, two lower switches `s4`, `s5`, three upper
/// switches `s1`, `s2`, `s3`, every lower switch linked to every upper one.
///
/// ```text
///      s1     s2     s3        upper switches (Tier::Core): each linked to s4 and to s5
///
///    s4             s5         lower switches (Tier::Edge): no s4–s5 link
///   / | \          / | \
///  h1 h2 h3       h4 h5 h6
/// ```
///
/// **How the figure was read.** The text copy of the paper has only the caption ("Fig. 6.
/// Experiment topology", "a simple fat tree"), not the drawing, so the structure is
/// reconstructed from what the text says about it:
/// * §5.2: three transfers run in parallel, **4 → 1, 5 → 2, 6 → 3**, and "without dynamic
///   routing, the transmissions experienced severe link contention"; with it "all
///   transmissions were able to proceed at full speed";
/// * §3.3, on Fig. 4 (which we take to show the same fat tree as Fig. 6): without load
///   balancing "all migration pairs would choose one of the upper switches", e.g. they "pass
///   through switches **(5, 1, 4)** at the same time"; with it "the transfer speed would be
///   **three times** higher since the migration pairs are not required to share a single
///   link, and **two redundant links** are fully utilized".
///
/// A path of exactly three switches 5 → 1 → 4 for all three pairs means the sources 4, 5, 6
/// hang off switch 5 and the destinations 1, 2, 3 off switch 4, with switch 1 an upper switch
/// between them. A three-fold speed-up with no shared link needs three link-disjoint paths
/// between switches 5 and 4, i.e. three upper switches (1, 2, 3) — the default path plus the
/// "two redundant" ones. Numbering switches 1–3 before 4–5 also matches Mininet's habit of
/// numbering in creation order, top tier first.
///
/// **Assumed** (not stated in the paper): no direct `s4–s5` link (it would give a shorter path
/// than the one through switch 1 that the paper reports); one link per (lower, upper) pair;
/// hosts on a lower switch in number order. The paper's 500 Mbps links and its link delay
/// ("25 s" in the text copy, which lost the unit's prefix; most likely 25 µs) are scenario
/// parameters (`link`), not constants here.
///
/// * **nodes**, in order: `h1…h6`, `s1…s5` (node indices 0…10);
/// * **addresses**: `h_i` is **10.0.0.i** (Mininet's default numbering); switches have none;
/// * **links**, in build order: `h1–s4`, `h2–s4`, `h3–s4`, `h4–s5`, `h5–s5`, `h6–s5`, then
///   `s4–s1`, `s4–s2`, `s4–s3`, `s5–s1`, `s5–s2`, `s5–s3`. Ports: `s4` and `s5` have hosts on
///   0…2 and `s1`, `s2`, `s3` on 3, 4, 5; an upper switch has `s4` on port 0, `s5` on 1.
///
/// Under shortest paths chosen lowest node index first ([`Topology::shortest_path`]), all three
/// transfers take `s5–s1–s4` and share both of its links: the paper's contention case. There
/// are three equal-cost paths per transfer, one per upper switch, for dynamic routing to use.
pub fn qin2017(link: LinkConfig) -> Result<Topology, TopologyError> {
    crate::spec::check_link(&link, "qin2017: the `link` parameters")?;
    let mut b = Builder::new("qin2017");
    let hosts: Vec<_> = (1..=6u8)
        .map(|i| b.host(format!("h{i}"), Ipv4Addr::new(10, 0, 0, i)))
        .collect();
    let upper: Vec<_> = (1..=3)
        .map(|i| b.switch(format!("s{i}"), Tier::Core, None))
        .collect();
    let s4 = b.switch("s4".into(), Tier::Edge, None);
    let s5 = b.switch("s5".into(), Tier::Edge, None);
    for (i, &h) in hosts.iter().enumerate() {
        b.link(h, if i < 3 { s4 } else { s5 }, link);
    }
    for lower in [s4, s5] {
        for &u in &upper {
            b.link(lower, u, link);
        }
    }
    b.finish(None)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Names, roles, degrees and build order are as documented.
    #[test]
    fn structure_as_documented() {
        let t = qin2017(LinkConfig::default()).expect("valid");
        assert_eq!(
            t.summary(),
            "qin2017: 11 nodes (6 hosts, 5 switches), 12 links",
            "counts"
        );
        let degree = |s: &str| t.ports(t.node(s).expect(s)).len();
        for h in ["h1", "h2", "h3", "h4", "h5", "h6"] {
            assert_eq!(degree(h), 1, "host {h}");
        }
        for s in ["s1", "s2", "s3"] {
            assert_eq!(degree(s), 2, "upper {s}");
        }
        assert_eq!(degree("s4"), 6, "s4: three hosts, three uplinks");
        assert_eq!(degree("s5"), 6, "s5: three hosts, three uplinks");
        assert!(t.find_link("s4", "s5").is_none(), "no direct lower link");
        let links: Vec<_> = t
            .links_in_build_order()
            .map(|l| t.link_name(l.id))
            .collect();
        assert_eq!(
            links,
            [
                "h1-s4", "h2-s4", "h3-s4", "h4-s5", "h5-s5", "h6-s5", "s4-s1", "s4-s2", "s4-s3",
                "s5-s1", "s5-s2", "s5-s3",
            ],
            "build order"
        );
        assert_eq!(
            t.ip(t.node("h4").expect("h4")),
            Some(Ipv4Addr::new(10, 0, 0, 4)),
            "h4"
        );
        assert!(t.is_connected(), "connected");
    }

    /// The paper's contention: transfers 4→1, 5→2, 6→3 under lowest-index-first shortest
    /// paths all go s5 → s1 → s4 (the paper's "(5, 1, 4)") and so share the links s5–s1 and
    /// s1–s4; each transfer has exactly three equal-cost paths, one per upper switch, which is
    /// what lets dynamic routing give each its own link ("three times higher").
    #[test]
    fn transfers_contend_on_the_default_path() {
        let t = qin2017(LinkConfig::default()).expect("valid");
        let n = |s: &str| t.node(s).expect(s);
        let mut shared: Option<BTreeSet<String>> = None;
        for (src, dst) in [("h4", "h1"), ("h5", "h2"), ("h6", "h3")] {
            let path = t.shortest_path(n(src), n(dst)).expect("connected");
            let names: Vec<_> = path.iter().map(|&x| t.name(x)).collect();
            assert_eq!(names, [src, "s5", "s1", "s4", dst], "path of {src}→{dst}");
            let links: BTreeSet<String> = path
                .windows(2)
                .map(|w| t.link_name(t.graph().find_edge(w[0], w[1]).expect("link")))
                .collect();
            shared = Some(match shared {
                None => links,
                Some(s) => s.intersection(&links).cloned().collect(),
            });
            assert_eq!(
                t.shortest_path_count(n(src), n(dst)),
                3,
                "{src}→{dst} paths"
            );
        }
        let shared: Vec<_> = shared.expect("three transfers").into_iter().collect();
        assert_eq!(
            shared,
            ["s4-s1", "s5-s1"],
            "links all three transfers share"
        );
    }
}
