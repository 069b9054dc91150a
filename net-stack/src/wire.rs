//! Parsed headers (`XxxRepr`) and the packet that carries them.
//!
//! Packets travel through the simulation as header structs plus a payload *length*; no payload
//! bytes exist in the hot path. Bytes are produced only where someone looks: [`Packet::emit`]
//! serialises the headers with correct lengths and checksums (the pcap tap, [`crate::pcap`],
//! and OpenFlow's PACKET_IN data call it).
//!
//! One file per concern, as smoltcp's `wire/`: `packet.rs` (Ethernet, IPv4, ARP, UDP, ICMP
//! and [`Packet`]), `tcp.rs`, `vlan.rs` (the 802.1Q/802.1ad tag stack), `encap.rs` (IP-in-IP,
//! GRE and VXLAN headers, [`Packet::encapsulate`]), `mip.rs` (Mobile IP registration messages,
//! with `md5.rs` for their authenticator) and `emit.rs` (frame bytes, with fixed
//! byte vectors per header kind in its tests).

mod addr;
mod ecn;
mod emit;
mod encap;
mod md5;
pub mod mip;
mod packet;
mod sack;
mod tcp;
mod vlan;

pub use addr::MacAddr;
pub use ecn::Ecn;
pub use encap::{
    DEFAULT_OUTER_TTL, Encap, EncapError, GreKey, IpView, OuterIpv4, Trailer, Tunnel, TunnelKind,
    VXLAN_PORT, Vni, VxlanRepr,
};
pub use packet::{
    ArpOp, ArpRepr, EtherType, EthernetRepr, IcmpRepr, IpProtocol, Ipv4Repr, L3, L4, Packet,
    PacketMeta, UdpRepr,
};
pub use sack::{SackArena, SackBlock, SackBlocks, SackOption};
pub use tcp::{SeqNum, TcpFlags, TcpOptions, TcpRepr};
pub use vlan::{Tpid, VlanStack, VlanStackFull, VlanTag};

/// Packet builders for unit tests elsewhere in the crate.
#[cfg(test)]
pub(crate) use emit::tests as test_packets;

pub use std::net::Ipv4Addr;
