//! Hosts around one switch.

use std::net::Ipv4Addr;

use crate::topology::{Builder, check_range};
use crate::{LinkConfig, Tier, Topology, TopologyError};

/// The most hosts: host i is 10.0.(i / 254).(i % 254 + 1), so 256 × 254.
pub const STAR_MAX_HOSTS: u32 = 256 * 254;

/// A star: hosts `h0…h{n−1}` all linked to switch `s0`.
///
/// * **nodes**, in order: `h0…`, then `s0`;
/// * **addresses**: host i is **10.0.(i / 254).(i % 254 + 1)** (10.0.0.1 … 10.0.0.254, then
///   10.0.1.1, …); `s0` has none;
/// * **links**, in build order: `h_i–s0` for i = 0, 1, …, so port i of `s0` faces `h_i`.
///
/// Range: `hosts` 1…[`STAR_MAX_HOSTS`].
pub fn star(hosts: u32, link: LinkConfig) -> Result<Topology, TopologyError> {
    check_range(
        "star",
        "hosts",
        hosts,
        1,
        STAR_MAX_HOSTS,
        "host i is 10.0.x.y with y in 1…254",
    )?;
    crate::spec::check_link(&link, "star: the `link` parameters")?;
    let mut b = Builder::new("star");
    let hs: Vec<_> = (0..hosts)
        .map(|i| {
            let ip = Ipv4Addr::new(10, 0, (i / 254) as u8, (i % 254 + 1) as u8);
            b.host(format!("h{i}"), ip)
        })
        .collect();
    let s = b.switch("s0".into(), Tier::Edge, None);
    for &h in &hs {
        b.link(h, s, link);
    }
    b.finish(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four hosts: names, addresses, build order (= s0's port order).
    #[test]
    fn four_hosts() {
        let t = star(4, LinkConfig::default()).expect("valid");
        assert_eq!(
            t.summary(),
            "star: 5 nodes (4 hosts, 1 switch), 4 links",
            "counts"
        );
        let links: Vec<_> = t
            .links_in_build_order()
            .map(|l| t.link_name(l.id))
            .collect();
        assert_eq!(links, ["h0-s0", "h1-s0", "h2-s0", "h3-s0"], "build order");
        assert_eq!(
            t.ip(t.node("h3").expect("h3")),
            Some(Ipv4Addr::new(10, 0, 0, 4)),
            "h3"
        );
    }

    /// Host 254 starts the next /24; zero hosts is refused.
    #[test]
    fn addresses_wrap_and_range() {
        let t = star(300, LinkConfig::default()).expect("valid");
        assert_eq!(
            t.ip(t.node("h254").expect("h254")),
            Some(Ipv4Addr::new(10, 0, 1, 1)),
            "wrap"
        );
        let msg = star(0, LinkConfig::default())
            .expect_err("zero")
            .to_string();
        assert!(msg.contains("hosts = 0"), "{msg}");
    }
}
