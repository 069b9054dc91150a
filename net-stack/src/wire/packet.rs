//! Ethernet, IPv4, ARP, UDP and ICMP headers, and [`Packet`].

use std::net::Ipv4Addr;

use sim_core::SimTime;

use super::{Encap, MacAddr, TcpRepr, VlanStack};

/// EtherType values netsim uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EtherType {
    /// 0x0800.
    Ipv4,
    /// 0x0806.
    Arp,
}

impl EtherType {
    /// The 16-bit value on the wire.
    pub fn value(self) -> u16 {
        match self {
            EtherType::Ipv4 => 0x0800,
            EtherType::Arp => 0x0806,
        }
    }
}

/// An Ethernet II header with up to two VLAN tags (802.1Q, or 802.1ad over 802.1Q).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EthernetRepr {
    /// Destination MAC.
    pub dst: MacAddr,
    /// Source MAC.
    pub src: MacAddr,
    /// VLAN tags, outermost first ([`VlanStack::EMPTY`] when untagged).
    pub vlan: VlanStack,
    /// Type of the payload (after the tags). The bytes follow the packet's actual layers (see
    /// [`Packet::emit`]), so this is informational.
    pub ethertype: EtherType,
}

impl EthernetRepr {
    /// Header length: 14 bytes plus 4 per VLAN tag.
    #[inline]
    pub fn header_len(&self) -> usize {
        14 + self.vlan.header_len()
    }
}

/// IP protocol numbers netsim uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IpProtocol {
    /// 1.
    Icmp,
    /// 6.
    Tcp,
    /// 17.
    Udp,
    /// 4, IPv4 in IPv4 (RFC 2003); only an outer header carries it.
    IpIp,
    /// 47, GRE (RFC 2784); only an outer header carries it.
    Gre,
}

impl IpProtocol {
    /// The 8-bit protocol number.
    pub fn number(self) -> u8 {
        match self {
            IpProtocol::Icmp => 1,
            IpProtocol::Tcp => 6,
            IpProtocol::Udp => 17,
            IpProtocol::IpIp => 4,
            IpProtocol::Gre => 47,
        }
    }
}

/// An IPv4 header without options (20 bytes). The total length is derived from the layers
/// above, never stored, so it cannot disagree with them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Repr {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Protocol of the payload.
    pub protocol: IpProtocol,
    /// Time to live; routers decrement it.
    pub ttl: u8,
    /// Identification field (the sender's per-packet counter).
    pub ident: u16,
    /// DSCP and ECN bits.
    pub tos: u8,
    /// The Don't Fragment flag. netsim never fragments; the flag is carried so that a tunnel
    /// can copy it into its outer header (RFC 2003 §3.1) and a capture shows it.
    pub dont_fragment: bool,
}

/// ARP operation (RFC 826).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArpOp {
    /// 1.
    Request,
    /// 2.
    Reply,
}

/// An ARP packet for IPv4 over Ethernet (28 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArpRepr {
    /// Request or reply.
    pub op: ArpOp,
    /// Sender hardware address.
    pub sender_mac: MacAddr,
    /// Sender protocol address.
    pub sender_ip: Ipv4Addr,
    /// Target hardware address (zero in a request).
    pub target_mac: MacAddr,
    /// Target protocol address.
    pub target_ip: Ipv4Addr,
}

/// A UDP header (8 bytes); length and checksum are derived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UdpRepr {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
}

/// The ICMP messages netsim speaks (8-byte header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IcmpRepr {
    /// Type 8.
    EchoRequest {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq: u16,
    },
    /// Type 0.
    EchoReply {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq: u16,
    },
}

/// The network layer of a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum L3 {
    /// IPv4.
    Ipv4(Ipv4Repr),
    /// ARP.
    Arp(ArpRepr),
}

/// The transport layer of an IPv4 packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum L4 {
    /// UDP.
    Udp(UdpRepr),
    /// TCP.
    Tcp(TcpRepr),
    /// ICMP.
    Icmp(IcmpRepr),
    /// Nothing above the network layer (ARP).
    None,
}

impl L4 {
    /// Header length in bytes.
    pub fn header_len(&self) -> usize {
        match self {
            L4::Udp(_) => 8,
            L4::Tcp(t) => t.header_len(),
            L4::Icmp(_) => 8,
            L4::None => 0,
        }
    }
}

/// Simulation metadata that rides beside the headers, never inside them.
///
/// Packed to 4-byte alignment (20 bytes instead of 24 with 4 of padding), so that [`Packet`]
/// fits in 128 bytes, the largest value the compiler copies inline rather than through
/// `memcpy` — packets are copied on every delivery. Fields are read and written by value;
/// taking a reference to `uid` or `created` is refused by the compiler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, packed(4))]
pub struct PacketMeta {
    /// Unique per packet in a run, in creation order.
    pub uid: u64,
    /// Index of the flow (scenario `[[flow]]` or application) that created the packet.
    pub flow: u32,
    /// When the packet was created.
    pub created: SimTime,
}

/// A packet in flight: headers, a payload length, and metadata.
///
/// The fields are laid out in the order written (`repr(C)`, no padding), so that what a
/// router's hop reads and writes — the IPv4 header (TTL, destination; source and protocol for
/// the flow hash), the tunnel's outer header and the MAC addresses — lie in the first 64
/// bytes, which the network's packet store aligns to a cache line (`network/packet_arena.rs`;
/// test `a_router_hop_reads_the_first_line`). The transport header (whose ports a hashing
/// hop also reads), the payload length and the metadata follow in the second line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Packet {
    /// Network layer.
    pub l3: L3,
    /// Tunnel headers between `eth` and `l3`, if the packet is encapsulated (see
    /// [`Packet::encapsulate`]).
    pub encap: Option<Encap>,
    /// Link layer.
    pub eth: EthernetRepr,
    /// Transport layer.
    pub l4: L4,
    /// Bytes of application payload (virtual: zero-filled when written to a pcap).
    pub payload_len: u32,
    /// Simulation metadata.
    pub meta: PacketMeta,
}

impl Packet {
    /// An IPv4 packet as a host's IP layer makes it: no tunnel, no VLAN tag, TTL 64, DF clear;
    /// the Ethernet addresses are left zero for ARP or the route to fill in. The protocol
    /// follows `l4` (which must not be [`L4::None`]).
    #[inline(always)]
    pub fn new_ipv4(
        src: Ipv4Addr,
        dst: Ipv4Addr,
        l4: L4,
        payload_len: u32,
        ident: u16,
        tos: u8,
        meta: PacketMeta,
    ) -> Packet {
        let protocol = match l4 {
            L4::Udp(_) => IpProtocol::Udp,
            L4::Tcp(_) => IpProtocol::Tcp,
            L4::Icmp(_) => IpProtocol::Icmp,
            L4::None => unreachable!("IPv4 packets carry a transport header"),
        };
        Packet {
            eth: EthernetRepr {
                dst: Default::default(),
                src: Default::default(),
                vlan: Default::default(),
                ethertype: EtherType::Ipv4,
            },
            l3: L3::Ipv4(Ipv4Repr {
                src,
                dst,
                protocol,
                ttl: 64,
                ident,
                tos,
                dont_fragment: false,
            }),
            l4,
            payload_len,
            encap: None,
            meta,
        }
    }

    /// Bytes of the (inner) network layer and above: the IPv4 total length, or 28 for ARP.
    /// Tunnel headers are not included.
    #[inline]
    pub fn l3_len(&self) -> usize {
        match self.l3 {
            L3::Ipv4(_) => 20 + self.l4.header_len() + self.payload_len as usize,
            L3::Arp(_) => 28,
        }
    }

    /// The Ethernet frame length without preamble and FCS: what a link serialises and what a
    /// pcap records as the original length. Includes VLAN tags and tunnel headers.
    #[inline]
    pub fn frame_len(&self) -> usize {
        let tunnel = match &self.encap {
            None => 0,
            Some(e) => e.tunnel.overhead(),
        };
        self.eth.header_len() + tunnel + self.l3_len()
    }

    /// The packet's own (for a tunnelled packet, the inner) IPv4 header, if it is IPv4; see
    /// [`Packet::outer_ip`] for the header the network forwards on.
    pub fn ipv4(&self) -> Option<&Ipv4Repr> {
        match &self.l3 {
            L3::Ipv4(ip) => Some(ip),
            L3::Arp(_) => None,
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    /// Packets live in a slot map on the per-hop path and are copied on delivery, into
    /// PACKET_INs and into application callbacks: with the VLAN stack and tunnel headers a
    /// packet stays within 128 bytes (104 before them), the largest value x86-64 code copies
    /// inline; at 136 every copy became a `memcpy` call (+1.3 % instructions on
    /// perf-dumbbell).
    #[test]
    fn packet_stays_small() {
        assert_eq!(
            std::mem::size_of::<EthernetRepr>(),
            19,
            "Ethernet with two tags"
        );
        assert_eq!(
            std::mem::size_of::<Option<Encap>>(),
            27,
            "outer IPv4 (11) + tunnel (16), None in a niche"
        );
        assert_eq!(std::mem::size_of::<PacketMeta>(), 20, "packed metadata");
        let size = std::mem::size_of::<Packet>();
        assert!(size <= 128, "Packet is {size} bytes");
    }

    /// What a router's hop touches (`Network::next_hop`: the outer TTL and destination, the
    /// addresses and protocol of the flow hash, the encapsulation, the MACs it writes) lies in
    /// the packet's first 64 bytes, which the packet store aligns to a cache line; a field
    /// moved or grown fails here rather than costing a cache miss per hop.
    #[test]
    fn a_router_hop_reads_the_first_line() {
        let meta = PacketMeta {
            uid: 0,
            flow: 0,
            created: SimTime::ZERO,
        };
        let udp = L4::Udp(UdpRepr {
            src_port: 1,
            dst_port: 2,
        });
        let (a, b) = (Ipv4Addr::new(10, 0, 0, 2), Ipv4Addr::new(10, 1, 0, 2));
        let p = Packet::new_ipv4(a, b, udp, 100, 0, 0, meta);
        let at = |f: *const u8| f as usize - &p as *const Packet as usize;
        let first_line = |name: &str, off: usize, size: usize| {
            assert!(
                off + size <= 64,
                "{name} at {off}..{} is not in line 0",
                off + size
            )
        };
        let L3::Ipv4(ip) = &p.l3 else { unreachable!() };
        first_line("l3", at(&p.l3 as *const L3 as _), size_of::<L3>());
        first_line("ip.dst", at(&ip.dst as *const Ipv4Addr as _), 4);
        first_line("ip.ttl", at(&ip.ttl), 1);
        let encap = size_of::<Option<Encap>>();
        first_line("encap", at(&p.encap as *const Option<Encap> as _), encap);
        first_line("eth.dst", at(&p.eth.dst as *const MacAddr as _), 6);
        first_line("eth.src", at(&p.eth.src as *const MacAddr as _), 6);
        assert_eq!(size_of::<Packet>(), 128, "two whole lines, no padding");
    }
}
