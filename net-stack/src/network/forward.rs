//! The per-hop forwarding decision: the packet's TTL at a router, the output device from the
//! routing table and the ECMP mode, this hop's MAC addresses and the frame's length, in one
//! pass over the packet ([`Network::next_hop`]); the transmit state machine in `network.rs`
//! takes it from there.

use sim_core::Scheduler;

use super::{Event, Network, PacketFates};
use crate::routing::{Ecmp, NextHops, RoutingTable};
use crate::wire::Packet;
use crate::{DeviceId, NodeId, PacketId};

impl Network {
    /// Picks the output device for an IPv4 packet at `node` and hands the packet to it, with
    /// the Ethernet addresses of this hop (point-to-point: the peer device's MAC).
    pub(super) fn route_and_send(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        id: PacketId,
    ) {
        match self.next_hop(node, id, Hop::Originate) {
            Ok((dev, len)) => self.send_frame(sched, dev, id, len),
            Err(fate) => self.drop_packet(id, fate),
        }
    }

    /// A router's hop: [`Network::route_and_send`] after the TTL check and decrement (RFC 1812
    /// §5.3.1), on the outer header of a tunnelled packet (RFC 2003 §3.1: the inner TTL is left
    /// alone while the packet is inside the tunnel). `len` is the length the frame arrived
    /// with, which the hop does not change.
    pub(super) fn router_forward(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        id: PacketId,
        len: u32,
    ) {
        match self.next_hop(node, id, Hop::Router { len }) {
            Ok((dev, len)) => self.send_frame(sched, dev, id, len),
            Err(fate) => self.drop_packet(id, fate),
        }
    }

    /// The per-hop work on the packet itself, with one look-up of it: the TTL (a router's
    /// hop), the output device, this hop's Ethernet addresses; returns the device and the
    /// frame's length, or the fate of a packet that goes no further.
    #[inline(always)]
    fn next_hop(&mut self, node: NodeId, id: PacketId, hop: Hop) -> Result<(DeviceId, u32), Fate> {
        // The id came from the wire's in-flight record or from the host that stored the
        // packet: a live look-up, which reads only the packet's first line.
        let pkt = self.packets.live_mut(id);
        if let Hop::Router { .. } = hop {
            let Some(ttl) = pkt.outer_ttl_mut() else {
                return Err(|f| &mut f.unroutable);
            };
            if *ttl <= 1 {
                return Err(|f| &mut f.ttl_expired);
            }
            *ttl -= 1;
        }
        let Some(dev) = choose(&self.routes, self.ecmp, &mut self.ecmp_rngs, node, pkt) else {
            return Err(|f| &mut f.unroutable);
        };
        let d = &self.devices[dev.index()];
        pkt.eth.src = d.mac;
        pkt.eth.dst = d.peer_mac;
        let len = match hop {
            Hop::Originate => pkt.frame_len() as u32,
            Hop::Router { len } => len,
        };
        debug_assert_eq!(
            len as usize,
            pkt.frame_len(),
            "a router hop keeps the frame's length"
        );
        Ok((dev, len))
    }

    /// The device an IPv4 packet leaves `node` by, from the routing table and the ECMP mode;
    /// `None` when there is no route.
    #[inline]
    pub(super) fn choose_device(&mut self, node: NodeId, id: PacketId) -> Option<DeviceId> {
        let pkt = &self.packets[id];
        choose(&self.routes, self.ecmp, &mut self.ecmp_rngs, node, pkt)
    }
}

/// The device an IPv4 packet `pkt` leaves `node` by, from the routing table and the ECMP mode
/// (`rngs`: each node's stream for per-packet ECMP); `None` when there is no route.
#[inline(always)]
fn choose(
    routes: &RoutingTable,
    ecmp: Ecmp,
    rngs: &mut [sim_core::RngStream],
    node: NodeId,
    pkt: &Packet,
) -> Option<DeviceId> {
    // A tunnelled packet goes where its outer header says (to the tunnel's far end).
    let dst = pkt.outer_dst()?;
    let hops = match routes.route(node, dst) {
        NextHops::One(dev) => return Some(dev),
        NextHops::Many(hops) => hops,
    };
    Some(match (hops.len(), ecmp) {
        (0, _) => return None,
        (1, _) | (_, Ecmp::Off) => hops[0],
        (n, Ecmp::PerFlow) => hops[per_flow_pick(pkt, node, n)],
        (n, Ecmp::PerPacket) => hops[rngs[node.index()].below(n as u64) as usize],
    })
}

/// Whose hop [`Network::next_hop`] makes.
#[derive(Clone, Copy)]
enum Hop {
    /// The packet's first: a host's, or a plane's that hands a packet to the routes.
    Originate,
    /// A router's, for a frame that arrived `len` bytes long.
    Router { len: u32 },
}

/// Where a packet that goes no further is counted ([`Network::drop_packet`]).
type Fate = fn(&mut PacketFates) -> &mut u64;

/// Which of `n` equal-cost next hops per-flow ECMP takes at `node`: the flow hash modulo `n`,
/// by a mask when `n` is a power of two (a fat tree's 2, 4 or 8 uplinks), which gives the same
/// answer without a division's 25-odd cycles.
#[inline]
pub(crate) fn per_flow_pick(pkt: &Packet, node: NodeId, n: usize) -> usize {
    let h = flow_hash(pkt, node);
    match n.is_power_of_two() {
        true => (h & (n as u64 - 1)) as usize,
        false => (h % n as u64) as usize,
    }
}

/// A stable hash of the 5-tuple the network sees ([`Packet::flow_tuple`]: the outer header's
/// for a tunnelled packet), salted with the node so that successive switches do not all make
/// the same choice (hash polarisation).
pub(crate) fn flow_hash(pkt: &Packet, node: NodeId) -> u64 {
    let (src, dst, proto, sp, dp) = pkt.flow_tuple();
    let (src, dst) = (u32::from(src), u32::from(dst));
    let mut h = (src as u64) << 32 | dst as u64;
    h ^= ((sp as u64) << 24 | (dp as u64) << 8 | proto as u64).rotate_left(17);
    h ^= (node.0 as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    sim_core::mix64(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{PacketMeta, UdpRepr};
    use sim_core::SimTime;
    use std::net::Ipv4Addr;

    /// The mask that replaces the division picks exactly the next hop the flow hash modulo `n`
    /// picks, for powers of two and not, so per-flow ECMP paths are unchanged.
    #[test]
    fn per_flow_pick_is_the_hash_modulo_n() {
        let meta = PacketMeta {
            uid: 0,
            flow: 0,
            created: SimTime::ZERO,
        };
        for port in 0..200u16 {
            let udp = UdpRepr {
                src_port: 1000 + port,
                dst_port: 80,
            };
            let (src, dst) = (Ipv4Addr::new(10, 0, 0, 2), Ipv4Addr::new(10, 1, 3, 2));
            let pkt = Packet::new_ipv4(src, dst, crate::wire::L4::Udp(udp), 100, 0, 0, meta);
            for node in [0, 7, 1344] {
                for n in 1..=9usize {
                    let h = flow_hash(&pkt, NodeId(node));
                    assert_eq!(
                        per_flow_pick(&pkt, NodeId(node), n),
                        (h % n as u64) as usize,
                        "port {port} node {node} n {n}"
                    );
                }
            }
        }
    }
}
