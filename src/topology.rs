//! Building the scenario's topology into a [`NetworkBuilder`].
//!
//! Only the dumbbell exists so far; the `topologies` crate (fat-tree, leaf-spine, linear, star,
//! the papers' test beds, topology files) arrives with its own issue and will take this over.

use std::net::Ipv4Addr;

use net_stack::NetworkBuilder;
use net_stack::device::LinkParams;

use crate::scenario::LinkConfig;

/// Converts a scenario link to the network's link parameters.
pub fn link_params(l: &LinkConfig) -> LinkParams {
    LinkParams {
        rate: l.rate,
        delay: l.delay,
        queue: l.queue,
        loss: l.loss,
    }
}

/// The address of dumbbell host `i` on side `side` (1 = senders `l*`, 2 = receivers `r*`):
/// 10.side.(i / 254).(i % 254 + 1).
pub fn dumbbell_addr(side: u8, i: u32) -> Ipv4Addr {
    Ipv4Addr::new(10, side, (i / 254) as u8, (i % 254 + 1) as u8)
}

/// The dumbbell: senders `l0…l{pairs-1}` — `sl` — bottleneck — `sr` — receivers `r0…`.
///
/// Ports, in build order: `l_i` port 0 ↔ `sl` port i; `sl` port `pairs` ↔ `sr` port 0;
/// `sr` port i + 1 ↔ `r_i` port 0. Senders are 10.1.0.x and receivers 10.2.0.x (x = i + 1).
pub fn dumbbell(b: &mut NetworkBuilder, pairs: u32, link: LinkParams, bottleneck: LinkParams) {
    let left: Vec<_> = (0..pairs)
        .map(|i| b.add_host(&format!("l{i}"), dumbbell_addr(1, i)))
        .collect();
    let right: Vec<_> = (0..pairs)
        .map(|i| b.add_host(&format!("r{i}"), dumbbell_addr(2, i)))
        .collect();
    let sl = b.add_router("sl");
    let sr = b.add_router("sr");
    for &l in &left {
        b.connect(l, sl, link);
    }
    b.connect(sl, sr, bottleneck);
    for &r in &right {
        b.connect(sr, r, link);
    }
}
