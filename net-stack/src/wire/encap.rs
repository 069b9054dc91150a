//! Tunnel headers: an outer IPv4 header and what follows it — nothing (IP-in-IP, RFC 2003),
//! GRE (RFC 2784, with the RFC 2890 key), or UDP + VXLAN + an inner Ethernet header
//! (RFC 7348) — and [`Packet::encapsulate`] / [`Packet::decapsulate`].
//!
//! A tunnelled packet keeps its end-to-end headers where they always are (`l3`, `l4`) and
//! carries the tunnel's headers beside them in [`Packet::encap`]:
//!
//! ```text
//! wire:   eth [+tags] │ outer IPv4 │ GRE / UDP+VXLAN+inner eth │ inner IPv4 or ARP │ L4 │ payload
//! Packet: eth         │ encap.outer│ encap.tunnel              │ l3                │ l4 │ payload_len
//! ```
//!
//! `eth` is always the outermost Ethernet header — the one a link carries, a router rewrites
//! and a switch matches — so the per-hop path never looks inside a tunnel: routing, ECMP, TTL
//! and OpenFlow matching read [`Packet::outer_ip`] (and its cheaper parts, `outer_dst`,
//! `outer_ttl_mut`), and the frame length adds
//! [`Tunnel::overhead`]. Only one level of encapsulation is modelled.

use std::net::Ipv4Addr;

use super::{EtherType, IpProtocol, L3, L4, MacAddr, Packet, VlanStack};

/// The IANA UDP port of VXLAN (RFC 7348 §5).
pub const VXLAN_PORT: u16 = 4789;

/// Outer TTL of a tunnel packet unless the caller sets another: 64, the IP default TTL that
/// RFC 2003 §3.1 suggests.
pub const DEFAULT_OUTER_TTL: u8 = 64;

/// A 24-bit VXLAN network identifier (RFC 7348 §5). Stored as three bytes, so that a
/// [`Tunnel`] is 2-byte aligned and [`Packet`] stays small.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Vni([u8; 3]);

impl Vni {
    /// The VNI `v`, if it fits in 24 bits.
    pub fn new(v: u32) -> Option<Vni> {
        let b = v.to_be_bytes();
        (b[0] == 0).then_some(Vni([b[1], b[2], b[3]]))
    }

    /// The value.
    pub fn get(self) -> u32 {
        u32::from_be_bytes([0, self.0[0], self.0[1], self.0[2]])
    }
}

impl std::fmt::Debug for Vni {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Vni({})", self.get())
    }
}

/// A 32-bit GRE key (RFC 2890 §2.1), stored as bytes for the same reason as [`Vni`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GreKey([u8; 4]);

impl GreKey {
    /// The key `k`.
    pub fn new(k: u32) -> GreKey {
        GreKey(k.to_be_bytes())
    }

    /// The value.
    pub fn get(self) -> u32 {
        u32::from_be_bytes(self.0)
    }
}

impl std::fmt::Debug for GreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GreKey({:#x})", self.get())
    }
}

/// VXLAN's headers after the outer IPv4 header: UDP (source port, destination 4789), the
/// 8-byte VXLAN header (I flag, VNI), and the inner Ethernet header, whose EtherType follows
/// the packet's `l3`. The inner frame is untagged (RFC 7348 §6.1).
///
/// The UDP source port is not stored: it is a function of the inner headers
/// ([`Packet::vxlan_src_port`]), as RFC 7348 §5 recommends, which keeps this struct (and
/// [`Packet`]) 8 bytes smaller and the port always consistent with the inner flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VxlanRepr {
    /// VXLAN network identifier.
    pub vni: Vni,
    /// Inner (the tenant's) Ethernet destination.
    pub inner_dst: MacAddr,
    /// Inner Ethernet source.
    pub inner_src: MacAddr,
}

/// What sits between the outer IPv4 header and the inner packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tunnel {
    /// IP in IP (RFC 2003): the inner IPv4 header follows directly; protocol 4.
    IpIp {
        /// Padding after the inner packet (0 for plain IP-in-IP).
        trailer: Trailer,
    },
    /// GRE (RFC 2784): a 4-byte header (no checksum, version 0, protocol type 0x0800), 8 with
    /// a key (RFC 2890 §2); protocol 47.
    Gre {
        /// The key, if present (K bit set).
        key: Option<GreKey>,
        /// Padding after the inner packet (0 for plain GRE).
        trailer: Trailer,
    },
    /// VXLAN (RFC 7348): UDP to port 4789, the VXLAN header and an inner Ethernet frame.
    Vxlan(VxlanRepr),
}

impl Tunnel {
    /// The outer header's protocol.
    pub fn protocol(&self) -> IpProtocol {
        match self {
            Tunnel::IpIp { .. } => IpProtocol::IpIp,
            Tunnel::Gre { .. } => IpProtocol::Gre,
            Tunnel::Vxlan(_) => IpProtocol::Udp,
        }
    }

    /// Bytes this tunnel adds to the frame: the 20-byte outer IPv4 header, plus GRE's 4 (8
    /// with a key) or VXLAN's UDP 8 + VXLAN 8 + inner Ethernet 14, plus the [`Trailer`]
    /// after the inner packet (IP-in-IP and GRE).
    #[inline]
    pub fn overhead(&self) -> usize {
        20 + match self {
            Tunnel::IpIp { trailer } => usize::from(trailer.get()),
            Tunnel::Gre { key: None, trailer } => 4 + usize::from(trailer.get()),
            Tunnel::Gre {
                key: Some(_),
                trailer,
            } => 8 + usize::from(trailer.get()),
            Tunnel::Vxlan(_) => 8 + 8 + 14,
        }
    }

    /// The trailer's length [bytes] (0 for VXLAN).
    pub fn trailer(&self) -> u16 {
        match self {
            Tunnel::IpIp { trailer } | Tunnel::Gre { trailer, .. } => trailer.get(),
            Tunnel::Vxlan(_) => 0,
        }
    }
}

/// The outer IPv4 header of a tunnelled packet: the fields a tunnel endpoint chooses and
/// routers read and change. The rest is derived when the bytes are written: the protocol
/// from the [`Tunnel`] (4, 47 or 17), the total length from the layers, and the
/// identification from the inner header (0 for ARP inside VXLAN) — netsim never fragments,
/// and for such datagrams the field carries no meaning (RFC 6864 §4.1). Keeping it out makes
/// the struct 11 bytes with no padding, which keeps [`Packet`] within 128 bytes, the size the
/// compiler still copies inline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OuterIpv4 {
    /// Source: the tunnel's entry point.
    pub src: Ipv4Addr,
    /// Destination: the tunnel's exit point, which routers route on.
    pub dst: Ipv4Addr,
    /// Time to live; routers decrement this one, not the inner (RFC 2003 §3.1).
    pub ttl: u8,
    /// DSCP and ECN bits.
    pub tos: u8,
    /// The Don't Fragment flag.
    pub dont_fragment: bool,
}

/// A packet's tunnel headers: the outer IPv4 header and the tunnel kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Encap {
    /// The outer IPv4 header: what routers route on and decrement.
    pub outer: OuterIpv4,
    /// The headers between the outer IPv4 header and the inner packet.
    pub tunnel: Tunnel,
}

/// The length of an IP-in-IP or GRE tunnel's trailer [bytes]: zero bytes after the inner
/// packet, inside the outer IPv4 packet — a tunnel's per-packet overhead that has no header of
/// its own here (seed 003's SSH tunnel: its TCP/IP headers, SSH framing, padding and MAC). The
/// outer total length counts them, the inner does not, so tshark reads both headers as
/// always. Stored as bytes so that [`Tunnel`] stays 1-byte aligned and [`Packet`] within 128
/// bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Trailer([u8; 2]);

impl Trailer {
    /// A trailer of `n` bytes.
    pub fn new(n: u16) -> Trailer {
        Trailer(n.to_le_bytes())
    }

    /// Its length [bytes].
    #[inline]
    pub fn get(self) -> u16 {
        u16::from_le_bytes(self.0)
    }
}

/// The fields of the IPv4 header the network forwards on, by value
/// ([`Packet::outer_ip`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpView {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Protocol of what follows the header.
    pub protocol: IpProtocol,
    /// Time to live.
    pub ttl: u8,
}

/// How to wrap a packet: the argument of [`Packet::encapsulate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TunnelKind {
    /// IP in IP (RFC 2003).
    IpIp,
    /// GRE (RFC 2784), with an optional RFC 2890 key.
    Gre {
        /// The key, if any.
        key: Option<u32>,
    },
    /// VXLAN (RFC 7348) with this network identifier.
    Vxlan {
        /// VXLAN network identifier.
        vni: Vni,
    },
}

/// Why a packet cannot be encapsulated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncapError {
    /// The packet is already tunnelled; netsim models one level.
    #[error("the packet is already encapsulated (one level is modelled)")]
    AlreadyEncapsulated,
    /// IP-in-IP and GRE carry IPv4 packets here; an ARP packet can travel only in VXLAN.
    #[error("IP-in-IP and GRE carry IPv4 packets, not ARP")]
    NotIpv4,
    /// The outer IPv4 total length would exceed 65,535 bytes.
    #[error("the encapsulated packet would exceed the 65,535-byte IPv4 total length")]
    TooLong,
    /// A trailer needs a packet tunnelled by IP-in-IP or GRE.
    #[error("only an IP-in-IP or GRE packet takes a trailer")]
    NoTrailer,
}

impl Packet {
    /// The IPv4 header the network forwards on: the outer header of a tunnelled packet, else
    /// the packet's own (`None` for ARP outside a tunnel). Routing, ECMP, TTL, the ARP next
    /// hop and OpenFlow matching use this one.
    #[inline]
    pub fn outer_ip(&self) -> Option<IpView> {
        match &self.encap {
            Some(e) => Some(IpView {
                src: e.outer.src,
                dst: e.outer.dst,
                protocol: e.tunnel.protocol(),
                ttl: e.outer.ttl,
            }),
            None => match &self.l3 {
                L3::Ipv4(ip) => Some(IpView {
                    src: ip.src,
                    dst: ip.dst,
                    protocol: ip.protocol,
                    ttl: ip.ttl,
                }),
                L3::Arp(_) => None,
            },
        }
    }

    /// The destination of [`Packet::outer_ip`]: where routers send the packet.
    #[inline]
    pub fn outer_dst(&self) -> Option<Ipv4Addr> {
        match &self.encap {
            Some(e) => Some(e.outer.dst),
            None => match &self.l3 {
                L3::Ipv4(ip) => Some(ip.dst),
                L3::Arp(_) => None,
            },
        }
    }

    /// The TTL of [`Packet::outer_ip`], mutably (a router's decrement, DEC_NW_TTL).
    #[inline]
    pub fn outer_ttl_mut(&mut self) -> Option<&mut u8> {
        match &mut self.encap {
            Some(e) => Some(&mut e.outer.ttl),
            None => match &mut self.l3 {
                L3::Ipv4(ip) => Some(&mut ip.ttl),
                L3::Arp(_) => None,
            },
        }
    }

    /// The source and destination of [`Packet::outer_ip`], mutably (OpenFlow SET_FIELD).
    pub fn outer_addrs_mut(&mut self) -> Option<(&mut Ipv4Addr, &mut Ipv4Addr)> {
        match &mut self.encap {
            Some(e) => Some((&mut e.outer.src, &mut e.outer.dst)),
            None => match &mut self.l3 {
                L3::Ipv4(ip) => Some((&mut ip.src, &mut ip.dst)),
                L3::Arp(_) => None,
            },
        }
    }

    /// The 5-tuple the network sees — source, destination, protocol, source port, destination
    /// port — for ECMP hashing: the outer header's of a tunnelled packet (VXLAN's ports are
    /// its UDP ports, which carry the inner flow's entropy, RFC 7348 §5; IP-in-IP and GRE show
    /// no ports), else the packet's own (ARP: all zero).
    #[inline]
    pub fn flow_tuple(&self) -> (Ipv4Addr, Ipv4Addr, u8, u16, u16) {
        match &self.encap {
            None => inner_tuple(self),
            Some(e) => {
                let (sp, dp) = match e.tunnel {
                    Tunnel::Vxlan(_) => (vxlan_src_port(self), VXLAN_PORT),
                    Tunnel::IpIp { .. } | Tunnel::Gre { .. } => (0, 0),
                };
                let o = &e.outer;
                (o.src, o.dst, e.tunnel.protocol().number(), sp, dp)
            }
        }
    }

    /// Wraps the packet in a tunnel from `src` to `dst` (the tunnel endpoints' addresses),
    /// with outer TTL [`DEFAULT_OUTER_TTL`] (change `encap.outer.ttl` after, if needed).
    ///
    /// As RFC 2003 §3.1 says for IP in IP, the outer TOS and DF are copied from the inner
    /// header; GRE and VXLAN do the same here (as Linux tunnels with `tos inherit` do). An ARP
    /// packet inside VXLAN gets TOS 0 and DF clear.
    ///
    /// `eth` stays the outermost Ethernet header, VLAN tags included (they belong to the link;
    /// the next hop's MACs are written by whoever sends the frame, as for any packet). For
    /// VXLAN the current MACs become the inner Ethernet header, untagged (RFC 7348 §6.1), and
    /// the outer UDP source port is a hash of the inner flow ([`Packet::vxlan_src_port`]).
    ///
    /// ```
    /// use net_stack::wire::*;
    /// # let l3 = L3::Ipv4(Ipv4Repr { src: Ipv4Addr::new(10, 0, 0, 1),
    /// #     dst: Ipv4Addr::new(10, 0, 0, 2), protocol: IpProtocol::Udp, ttl: 64, ident: 0,
    /// #     tos: 0, dont_fragment: false });
    /// # let meta = PacketMeta { uid: 0, flow: 0, created: sim_core::SimTime::ZERO };
    /// let mut pkt = Packet {
    ///     eth: EthernetRepr { dst: MacAddr::from_index(2), src: MacAddr::from_index(1),
    ///                         vlan: VlanStack::EMPTY, ethertype: EtherType::Ipv4 },
    ///     l3, // a UDP datagram from 10.0.0.1 to 10.0.0.2
    ///     l4: L4::Udp(UdpRepr { src_port: 5000, dst_port: 9 }),
    ///     payload_len: 100,
    ///     encap: None,
    ///     meta,
    /// };
    /// let (a, b) = (Ipv4Addr::new(192, 168, 0, 1), Ipv4Addr::new(192, 168, 0, 2));
    /// let inner_len = pkt.frame_len();
    /// pkt.encapsulate(TunnelKind::Gre { key: Some(7) }, a, b).unwrap();
    /// assert_eq!(pkt.outer_dst(), Some(b), "routers see the tunnel's endpoint");
    /// assert_eq!(pkt.outer_ip().unwrap().protocol, IpProtocol::Gre);
    /// assert_eq!(pkt.frame_len(), inner_len + 20 + 8, "outer IPv4 + GRE with key");
    /// let removed = pkt.decapsulate().unwrap();
    /// assert_eq!(removed.tunnel.protocol(), IpProtocol::Gre);
    /// assert_eq!(pkt.frame_len(), inner_len);
    /// ```
    pub fn encapsulate(
        &mut self,
        kind: TunnelKind,
        src: Ipv4Addr,
        dst: Ipv4Addr,
    ) -> Result<(), EncapError> {
        if self.encap.is_some() {
            return Err(EncapError::AlreadyEncapsulated);
        }
        let inner = match &self.l3 {
            L3::Ipv4(ip) => Some(*ip),
            L3::Arp(_) => None,
        };
        let tunnel = match kind {
            TunnelKind::IpIp if inner.is_some() => Tunnel::IpIp {
                trailer: Trailer::default(),
            },
            TunnelKind::Gre { key } if inner.is_some() => Tunnel::Gre {
                key: key.map(GreKey::new),
                trailer: Trailer::default(),
            },
            TunnelKind::IpIp | TunnelKind::Gre { .. } => return Err(EncapError::NotIpv4),
            TunnelKind::Vxlan { vni } => Tunnel::Vxlan(VxlanRepr {
                vni,
                inner_dst: self.eth.dst,
                inner_src: self.eth.src,
            }),
        };
        if tunnel.overhead() - 20 + self.l3_len() > u16::MAX as usize - 20 {
            return Err(EncapError::TooLong);
        }
        self.encap = Some(Encap {
            outer: OuterIpv4 {
                src,
                dst,
                ttl: DEFAULT_OUTER_TTL,
                tos: inner.map_or(0, |ip| ip.tos),
                dont_fragment: inner.is_some_and(|ip| ip.dont_fragment),
            },
            tunnel,
        });
        self.eth.ethertype = EtherType::Ipv4;
        Ok(())
    }

    /// Pads a tunnelled packet's outer IPv4 packet with `bytes` zero bytes after the inner
    /// packet (a [`Trailer`]): a tunnel's per-packet overhead. Refuses a packet that is not
    /// tunnelled by IP-in-IP or GRE ([`EncapError::NoTrailer`]) and an outer length over
    /// 65,535 bytes.
    pub fn set_tunnel_trailer(&mut self, bytes: u16) -> Result<(), EncapError> {
        let l3 = self.l3_len();
        let Some(e) = &mut self.encap else {
            return Err(EncapError::NoTrailer);
        };
        let headers = e.tunnel.overhead() - usize::from(e.tunnel.trailer());
        if headers + l3 + usize::from(bytes) > u16::MAX as usize {
            return Err(EncapError::TooLong);
        }
        match &mut e.tunnel {
            Tunnel::IpIp { trailer } | Tunnel::Gre { trailer, .. } => {
                *trailer = Trailer::new(bytes)
            }
            Tunnel::Vxlan(_) => return Err(EncapError::NoTrailer),
        }
        Ok(())
    }

    /// The outer UDP source port of a VXLAN packet (`None` for any other): a hash of the inner
    /// flow in 49152–65535 (RFC 7348 §5).
    pub fn vxlan_src_port(&self) -> Option<u16> {
        match self.encap?.tunnel {
            Tunnel::Vxlan(_) => Some(vxlan_src_port(self)),
            Tunnel::IpIp { .. } | Tunnel::Gre { .. } => None,
        }
    }

    /// Removes the tunnel headers and returns them; `None` if the packet was not tunnelled.
    ///
    /// `l3`, `l4` and the payload are untouched — they are what was sent into the tunnel.
    /// After IP-in-IP or GRE, `eth` is unchanged (the decapsulator forwards or delivers the
    /// inner packet as it would any other). After VXLAN, `eth` becomes the inner Ethernet
    /// header: the inner MACs, no VLAN tags, the EtherType of `l3`.
    pub fn decapsulate(&mut self) -> Option<Encap> {
        let e = self.encap.take()?;
        if let Tunnel::Vxlan(v) = e.tunnel {
            self.eth.dst = v.inner_dst;
            self.eth.src = v.inner_src;
            self.eth.vlan = VlanStack::EMPTY;
            self.eth.ethertype = match self.l3 {
                L3::Ipv4(_) => EtherType::Ipv4,
                L3::Arp(_) => EtherType::Arp,
            };
        }
        Some(e)
    }
}

/// The packet's own 5-tuple (ARP: zeros), as ECMP has always hashed it.
#[inline]
fn inner_tuple(pkt: &Packet) -> (Ipv4Addr, Ipv4Addr, u8, u16, u16) {
    let (src, dst, proto) = match pkt.l3 {
        L3::Ipv4(ip) => (ip.src, ip.dst, ip.protocol.number()),
        L3::Arp(_) => (Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED, 0),
    };
    let (sp, dp) = match pkt.l4 {
        L4::Udp(u) => (u.src_port, u.dst_port),
        L4::Tcp(t) => (t.src_port, t.dst_port),
        _ => (0, 0),
    };
    (src, dst, proto, sp, dp)
}

/// RFC 7348 §5: "the UDP source port number be calculated using a hash of fields from the
/// inner packet", "in the dynamic/private port range 49152-65535". The inner 5-tuple (for
/// ARP, the sender and target addresses) through the SplitMix64 finaliser.
fn vxlan_src_port(pkt: &Packet) -> u16 {
    let (src, dst, proto, sp, dp) = match pkt.l3 {
        L3::Arp(a) => (a.sender_ip, a.target_ip, 0, 0, 0),
        L3::Ipv4(_) => inner_tuple(pkt),
    };
    let mut h = u64::from(u32::from(src)) << 32 | u64::from(u32::from(dst));
    h ^= (u64::from(sp) << 24 | u64::from(dp) << 8 | u64::from(proto)).rotate_left(17);
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    49152 + (h % 16384) as u16
}
