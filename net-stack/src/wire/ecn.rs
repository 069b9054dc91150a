//! The IPv4 Differentiated Services field (RFC 2474 §3) and its ECN codepoint (RFC 3168 §5):
//! typed views of [`Ipv4Repr::tos`], which stays the one stored byte.
//!
//! ```text
//!   0   1   2   3   4   5   6   7
//! +---+---+---+---+---+---+---+---+
//! |          DSCP         |  ECN  |
//! +---+---+---+---+---+---+---+---+
//! ```

use super::{Ipv4Repr, L3, Packet};

/// The ECN field of the IP header: the two low bits of the IPv4 TOS octet (RFC 3168 §5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Ecn {
    /// `00`: Not-ECT, the transport is not ECN-capable.
    #[default]
    NotEct = 0b00,
    /// `01`: ECT(1), ECN-capable transport (RFC 3168 §5; L4S uses it, RFC 9331).
    Ect1 = 0b01,
    /// `10`: ECT(0), ECN-capable transport, what RFC 3168 senders set.
    Ect0 = 0b10,
    /// `11`: CE, congestion experienced, set by a router instead of dropping.
    Ce = 0b11,
}

impl Ecn {
    /// The codepoint in the two low bits of `bits` (a TOS octet, or the field alone).
    pub const fn from_bits(bits: u8) -> Ecn {
        match bits & 0b11 {
            0b00 => Ecn::NotEct,
            0b01 => Ecn::Ect1,
            0b10 => Ecn::Ect0,
            _ => Ecn::Ce,
        }
    }

    /// The two-bit field value.
    pub const fn bits(self) -> u8 {
        self as u8
    }

    /// Whether a router may mark this packet CE instead of dropping it: ECT(0), ECT(1) or
    /// already CE (RFC 3168 §5).
    pub const fn is_ecn_capable(self) -> bool {
        !matches!(self, Ecn::NotEct)
    }
}

impl Ipv4Repr {
    /// The Differentiated Services codepoint: the six high bits of [`Ipv4Repr::tos`].
    pub fn dscp(&self) -> u8 {
        self.tos >> 2
    }

    /// Sets the DSCP (its six low bits), keeping the ECN field.
    pub fn set_dscp(&mut self, dscp: u8) {
        self.tos = (dscp & 0x3f) << 2 | self.tos & 0b11;
    }

    /// The ECN field: the two low bits of [`Ipv4Repr::tos`].
    pub fn ecn(&self) -> Ecn {
        Ecn::from_bits(self.tos)
    }

    /// Sets the ECN field, keeping the DSCP.
    pub fn set_ecn(&mut self, ecn: Ecn) {
        self.tos = self.tos & !0b11 | ecn.bits();
    }
}

impl Packet {
    /// The ECN field of the IPv4 header; `Not-ECT` for a packet without one (ARP).
    #[inline]
    pub fn ecn(&self) -> Ecn {
        match &self.l3 {
            L3::Ipv4(ip) => ip.ecn(),
            L3::Arp(_) => Ecn::NotEct,
        }
    }

    /// Marks Congestion Experienced if the packet is ECN-capable (RFC 3168 §5) and says whether
    /// it did; a Not-ECT packet is left alone (the queue then drops it instead).
    #[inline]
    pub fn mark_ce(&mut self) -> bool {
        match &mut self.l3 {
            L3::Ipv4(ip) if ip.ecn().is_ecn_capable() => {
                ip.set_ecn(Ecn::Ce);
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::IpProtocol;
    use std::net::Ipv4Addr;

    fn ip(tos: u8) -> Ipv4Repr {
        Ipv4Repr {
            src: Ipv4Addr::new(10, 0, 0, 1),
            dst: Ipv4Addr::new(10, 0, 0, 2),
            protocol: IpProtocol::Udp,
            ttl: 64,
            ident: 0,
            tos,
            dont_fragment: false,
        }
    }

    /// The four codepoints have RFC 3168 §5's bit values, and the DSCP and ECN accessors split
    /// the byte 6 + 2 without disturbing each other (0xb9 is DSCP 46, EF, with ECT(1)).
    #[test]
    fn codepoints_and_split_of_the_tos_byte() {
        let all = [Ecn::NotEct, Ecn::Ect1, Ecn::Ect0, Ecn::Ce];
        assert_eq!(all.map(Ecn::bits), [0b00, 0b01, 0b10, 0b11]);
        for e in all {
            assert_eq!(Ecn::from_bits(e.bits()), e, "round trip");
        }
        let mut h = ip(0xb9);
        assert_eq!((h.dscp(), h.ecn()), (46, Ecn::Ect1));
        h.set_ecn(Ecn::Ce);
        assert_eq!((h.tos, h.dscp()), (0xbb, 46), "ECN set, DSCP kept");
        h.set_dscp(10);
        assert_eq!(
            (h.tos, h.ecn()),
            (10 << 2 | 0b11, Ecn::Ce),
            "DSCP set, ECN kept"
        );
    }

    fn udp_packet(ip: Ipv4Repr) -> Packet {
        use crate::wire::{L4, PacketMeta, UdpRepr};
        let udp = L4::Udp(UdpRepr {
            src_port: 1,
            dst_port: 2,
        });
        let meta = PacketMeta {
            uid: 0,
            flow: 0,
            created: sim_core::SimTime::ZERO,
        };
        let mut pkt = Packet::new_ipv4(ip.src, ip.dst, udp, 100, ip.ident, ip.tos, meta);
        pkt.l3 = L3::Ipv4(ip);
        pkt
    }

    /// Only ECN-capable packets take a CE mark; a CE packet stays CE.
    #[test]
    fn mark_ce_only_for_ecn_capable_packets() {
        assert!(!Ecn::NotEct.is_ecn_capable());
        for (bits, marks) in [(0b00, false), (0b01, true), (0b10, true), (0b11, true)] {
            let mut h = ip(bits);
            let before = h.ecn();
            let mut p = udp_packet(h);
            assert_eq!(p.mark_ce(), marks, "{before:?}");
            h = *p.ipv4().expect("ipv4");
            assert_eq!(h.ecn(), if marks { Ecn::Ce } else { Ecn::NotEct });
        }
    }
}
