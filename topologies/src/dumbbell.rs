//! The dumbbell: two groups of hosts on either side of one bottleneck link.

use std::net::Ipv4Addr;

use crate::topology::{Builder, check_range};
use crate::{LinkConfig, Tier, Topology, TopologyError};

/// The most pairs: the i-th host of a side is 10.side.(i / 254).(i % 254 + 1), so 256 × 254.
pub const DUMBBELL_MAX_PAIRS: u32 = 256 * 254;

/// The address of dumbbell host `i` on `side` (1 = senders `l*`, 2 = receivers `r*`):
/// 10.side.(i / 254).(i % 254 + 1) — 10.1.0.1 … 10.1.0.254, then 10.1.1.1, …
/// `i` must be below [`DUMBBELL_MAX_PAIRS`].
pub fn dumbbell_addr(side: u8, i: u32) -> Ipv4Addr {
    Ipv4Addr::new(10, side, (i / 254) as u8, (i % 254 + 1) as u8)
}

/// A dumbbell: senders `l0…l{pairs−1}` — switch `sl` — bottleneck — switch `sr` — receivers
/// `r0…r{pairs−1}`. The conventions of netsim's first dumbbell, kept exactly:
///
/// * **nodes**, in order: `l0…`, `r0…`, `sl`, `sr`; `l_i` is **10.1.x.y** and `r_i`
///   **10.2.x.y** with x.y from [`dumbbell_addr`] (10.1.0.(i+1) for i < 254); `sl` and `sr`
///   have no address (tier [`Tier::Edge`]);
/// * **links**, in build order: every `l_i–sl` (with `link`), then `sl–sr` (with `bottleneck`),
///   then every `sr–r_i` (with `link`). Ports: `l_i` port 0 ↔ `sl` port i; `sl` port `pairs` ↔
///   `sr` port 0; `sr` port i + 1 ↔ `r_i` port 0.
///
/// Errors: `pairs` outside 1…[`DUMBBELL_MAX_PAIRS`]; a loss outside [0, 1].
pub fn dumbbell(
    pairs: u32,
    link: LinkConfig,
    bottleneck: LinkConfig,
) -> Result<Topology, TopologyError> {
    check_range(
        "dumbbell",
        "pairs",
        pairs,
        1,
        DUMBBELL_MAX_PAIRS,
        "each side's hosts are numbered 10.side.x.y with y in 1…254",
    )?;
    crate::spec::check_link(&link, "dumbbell: the `link` parameters")?;
    crate::spec::check_link(&bottleneck, "dumbbell: the `bottleneck` parameters")?;
    let mut b = Builder::new("dumbbell");
    let left: Vec<_> = (0..pairs)
        .map(|i| b.host(format!("l{i}"), dumbbell_addr(1, i)))
        .collect();
    let right: Vec<_> = (0..pairs)
        .map(|i| b.host(format!("r{i}"), dumbbell_addr(2, i)))
        .collect();
    let sl = b.switch("sl".into(), Tier::Edge, None);
    let sr = b.switch("sr".into(), Tier::Edge, None);
    for &l in &left {
        b.link(l, sl, link);
    }
    b.link(sl, sr, bottleneck);
    for &r in &right {
        b.link(sr, r, link);
    }
    b.finish(None)
}

#[cfg(test)]
mod tests {
    use sim_core::DataRate;

    use super::*;

    /// Names, addresses, counts and the exact link build order (which fixes port numbers) of a
    /// 3-pair dumbbell; the bottleneck link carries the bottleneck parameters.
    #[test]
    fn three_pairs_names_order_and_ports() {
        let slow = LinkConfig {
            rate: DataRate::mbps(10),
            ..LinkConfig::default()
        };
        let t = dumbbell(3, LinkConfig::default(), slow).expect("valid");
        assert_eq!(
            t.summary(),
            "dumbbell: 8 nodes (6 hosts, 2 switches), 7 links",
            "counts"
        );
        let names: Vec<_> = t.graph().node_weights().map(|n| n.name.as_str()).collect();
        assert_eq!(
            names,
            ["l0", "l1", "l2", "r0", "r1", "r2", "sl", "sr"],
            "node order"
        );
        let links: Vec<_> = t
            .links_in_build_order()
            .map(|l| t.link_name(l.id))
            .collect();
        assert_eq!(
            links,
            [
                "l0-sl", "l1-sl", "l2-sl", "sl-sr", "sr-r0", "sr-r1", "sr-r2"
            ],
            "build order"
        );
        let bottleneck = t.find_link("sl", "sr").expect("bottleneck");
        assert_eq!(
            t.graph()[bottleneck].rate,
            DataRate::mbps(10),
            "bottleneck rate"
        );
        let sr = t.node("sr").expect("sr");
        assert_eq!(
            t.ports(sr)[0].1,
            t.node("sl").expect("sl"),
            "sr port 0 is the bottleneck"
        );
        assert_eq!(
            t.ip(t.node("l2").expect("l2")),
            Some(Ipv4Addr::new(10, 1, 0, 3)),
            "l2"
        );
        assert_eq!(
            t.ip(t.node("r0").expect("r0")),
            Some(Ipv4Addr::new(10, 2, 0, 1)),
            "r0"
        );
        assert_eq!(t.ip(sr), None, "middle nodes have no address");
    }

    /// Host 254 of a side wraps to the next /24: 10.1.1.1 (the root package's rule).
    #[test]
    fn addresses_wrap_after_254() {
        assert_eq!(
            dumbbell_addr(1, 253),
            Ipv4Addr::new(10, 1, 0, 254),
            "last of first /24"
        );
        assert_eq!(
            dumbbell_addr(1, 254),
            Ipv4Addr::new(10, 1, 1, 1),
            "first of second"
        );
        assert_eq!(
            dumbbell_addr(2, DUMBBELL_MAX_PAIRS - 1),
            Ipv4Addr::new(10, 2, 255, 254),
            "the largest"
        );
    }

    /// Zero pairs and too many pairs are refused, naming the parameter and the range.
    #[test]
    fn bad_pairs_are_refused() {
        for p in [0, DUMBBELL_MAX_PAIRS + 1] {
            let e = dumbbell(p, LinkConfig::default(), LinkConfig::default()).expect_err("bad");
            let msg = e.to_string();
            assert!(
                msg.starts_with(&format!(
                    "dumbbell: pairs = {p} is not valid: expected 1 to 65024"
                )),
                "{msg}"
            );
        }
    }
}
