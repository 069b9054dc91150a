//! What crosses the boundary between TCP and IP besides the segment itself: the IP-level fields
//! of each segment a connection emits ([`Transmit`], as quinn-proto's `Transmit` carries its
//! `ecn`), and the ECN codepoint of each segment it receives.
//!
//! The host (`network/host.rs`) writes [`IpFields::tos`] into the IPv4 header of every segment
//! it sends for a connection, and hands the ECN field of every arriving IPv4 header to
//! [`TcpConnection::handle_segment`](super::TcpConnection::handle_segment).

use crate::wire::TcpRepr;

pub use crate::wire::Ecn;

/// The IP-level fields a connection chooses for one outgoing segment: the DSCP (RFC 2474) and
/// the ECN codepoint (RFC 3168), which together form the IPv4 TOS octet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct IpFields {
    /// Differentiated Services codepoint (6 bits; higher bits are ignored).
    pub dscp: u8,
    /// ECN codepoint.
    pub ecn: Ecn,
}

impl IpFields {
    /// The IPv4 TOS octet: DSCP in the six high bits, ECN in the two low bits (RFC 3168 §5,
    /// Figure 1).
    pub const fn tos(self) -> u8 {
        ((self.dscp & 0x3f) << 2) | self.ecn.bits()
    }

    /// The fields of a TOS octet.
    pub const fn from_tos(tos: u8) -> IpFields {
        IpFields {
            dscp: tos >> 2,
            ecn: Ecn::from_bits(tos),
        }
    }
}

/// One segment a connection wants sent: the TCP header, the (virtual) payload length, and the
/// IP fields to send it with. Returned by
/// [`TcpConnection::poll_transmit`](super::TcpConnection::poll_transmit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// The TCP header.
    pub repr: TcpRepr,
    /// Payload bytes (virtual: the segment carries a length, not bytes).
    pub payload_len: u32,
    /// The IP-level fields of the packet that carries it.
    pub ip: IpFields,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 3168 §5's four codepoints are the two low bits of the TOS octet, whatever the DSCP.
    #[test]
    fn ecn_codepoints() {
        let want = [
            (0b00, Ecn::NotEct),
            (0b01, Ecn::Ect1),
            (0b10, Ecn::Ect0),
            (0b11, Ecn::Ce),
        ];
        for (bits, ecn) in want {
            assert_eq!(Ecn::from_bits(bits), ecn, "field {bits:#04b}");
            assert_eq!(ecn.bits(), bits, "{ecn:?} bits");
            assert_eq!(Ecn::from_bits(0xb8 | bits), ecn, "DSCP 46 ignored");
        }
        assert!(!Ecn::NotEct.is_ecn_capable(), "Not-ECT");
        assert!(
            Ecn::Ect0.is_ecn_capable() && Ecn::Ect1.is_ecn_capable(),
            "ECT"
        );
        assert!(Ecn::Ce.is_ecn_capable(), "CE was ECN-capable");
    }

    /// TOS = DSCP << 2 | ECN: EF (46) with ECT(0) is 0xba; ECT(0) alone is 0x02; the default is
    /// 0; `from_tos` inverts `tos`.
    #[test]
    fn tos_octet() {
        let ef = IpFields {
            dscp: 46,
            ecn: Ecn::Ect0,
        };
        assert_eq!(ef.tos(), 0xba, "EF + ECT(0)");
        assert_eq!(IpFields::from_tos(0xba), ef, "round trip");
        let ect0 = IpFields {
            ecn: Ecn::Ect0,
            ..IpFields::default()
        };
        assert_eq!(ect0.tos(), 0x02, "ECT(0) alone");
        assert_eq!(IpFields::default().tos(), 0, "default: tos 0");
        let wide = IpFields {
            dscp: 0xff,
            ecn: Ecn::NotEct,
        };
        assert_eq!(wide.tos(), 0xfc, "DSCP masked to 6 bits");
    }
}
