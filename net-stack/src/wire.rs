//! Parsed headers (`XxxRepr`) and the packet that carries them.
//!
//! Packets travel through the simulation as header structs plus a payload *length*; no payload
//! bytes exist in the hot path. Bytes are produced only where someone looks — the pcap tap
//! serialises the headers with correct lengths and checksums (see [`crate::pcap`]).

mod addr;
mod ecn;
mod packet;
mod tcp;

pub use addr::MacAddr;
pub use ecn::Ecn;
pub use packet::{
    ArpOp, ArpRepr, EtherType, EthernetRepr, IcmpRepr, IpProtocol, Ipv4Repr, L3, L4, Packet,
    PacketMeta, UdpRepr,
};
pub use tcp::{SeqNum, TcpFlags, TcpOptions, TcpRepr};

pub use std::net::Ipv4Addr;
