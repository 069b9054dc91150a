//! `ofp_match` (§7.2.3.1) and the friendly [`Match`] built from its OXM TLVs.
//!
//! ```text
//! +--------+--------+--------------------+---------------------+
//! | type=1 | length | OXM TLVs           | zero pad to 8 bytes |
//! +--------+--------+--------------------+---------------------+
//!   length counts type, length and the TLVs, not the padding
//! ```

use std::net::Ipv4Addr;

use super::oxm::{Masked, Oxm, RawOxm};
use super::{DecodeError, Reader, pad8, put_zeros};

/// `OFPMT_OXM`, the only match type of OpenFlow 1.3.
const OFPMT_OXM: u16 = 1;

/// A flow match: `None` fields are wildcards.
///
/// Encoding emits the TLVs in ascending (class, field) order. That is the order Ryu's
/// `OFPMatch` sorts its fields into, and for OPENFLOW_BASIC it puts every prerequisite first
/// (eth_type before ip_proto before tcp_src, §7.2.3.6). TLVs this codec does not model are kept
/// in [`Match::other`] in the order they arrived and merged into that sequence, so a decoded
/// match re-encodes to the bytes it came from whenever its modelled fields were in order.
///
/// Prerequisites themselves are not checked here (a switch answers OFPBMC_BAD_PREREQ).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Match {
    /// Ingress port.
    pub in_port: Option<u32>,
    /// Ethernet destination.
    pub eth_dst: Option<Masked<[u8; 6]>>,
    /// Ethernet source.
    pub eth_src: Option<Masked<[u8; 6]>>,
    /// Ethernet type (0x0800 IPv4, 0x0806 ARP, 0x86dd IPv6, …).
    pub eth_type: Option<u16>,
    /// VLAN id with the [`super::OFPVID_PRESENT`] bit; [`super::OFPVID_NONE`] matches untagged.
    pub vlan_vid: Option<Masked<u16>>,
    /// IP protocol (6 TCP, 17 UDP); needs eth_type 0x0800 or 0x86dd.
    pub ip_proto: Option<u8>,
    /// IPv4 source; needs eth_type 0x0800.
    pub ipv4_src: Option<Masked<Ipv4Addr>>,
    /// IPv4 destination; needs eth_type 0x0800.
    pub ipv4_dst: Option<Masked<Ipv4Addr>>,
    /// TCP source port; needs ip_proto 6.
    pub tcp_src: Option<u16>,
    /// TCP destination port; needs ip_proto 6.
    pub tcp_dst: Option<u16>,
    /// UDP source port; needs ip_proto 17.
    pub udp_src: Option<u16>,
    /// UDP destination port; needs ip_proto 17.
    pub udp_dst: Option<u16>,
    /// TLVs not modelled above, verbatim and in arrival order.
    pub other: Vec<RawOxm>,
}

impl Match {
    /// The empty match (all wildcards), as a table-miss entry uses.
    pub fn all() -> Match {
        Match::default()
    }

    /// Whether no field is set (matches every packet).
    pub fn is_empty(&self) -> bool {
        *self == Match::default()
    }

    /// The modelled fields as TLVs, in ascending field order.
    fn modelled(&self) -> Vec<Oxm> {
        let mut v = Vec::new();
        v.extend(self.in_port.map(Oxm::InPort));
        v.extend(self.eth_dst.map(Oxm::EthDst));
        v.extend(self.eth_src.map(Oxm::EthSrc));
        v.extend(self.eth_type.map(Oxm::EthType));
        v.extend(self.vlan_vid.map(Oxm::VlanVid));
        v.extend(self.ip_proto.map(Oxm::IpProto));
        v.extend(self.ipv4_src.map(Oxm::Ipv4Src));
        v.extend(self.ipv4_dst.map(Oxm::Ipv4Dst));
        v.extend(self.tcp_src.map(Oxm::TcpSrc));
        v.extend(self.tcp_dst.map(Oxm::TcpDst));
        v.extend(self.udp_src.map(Oxm::UdpSrc));
        v.extend(self.udp_dst.map(Oxm::UdpDst));
        v
    }

    /// The ordered OXM TLV list this match encodes to (see the type's doc for the order).
    pub fn to_oxms(&self) -> Vec<Oxm> {
        let known = self.modelled();
        let mut out = Vec::with_capacity(known.len() + self.other.len());
        let mut known = known.into_iter().peekable();
        for raw in &self.other {
            let key = (raw.class(), raw.field());
            while let Some(k) = known.next_if(|k| k.class_field() <= key) {
                out.push(k);
            }
            out.push(Oxm::Raw(raw.clone()));
        }
        out.extend(known);
        out
    }

    /// Builds a match from TLVs in any order; a modelled field given twice is an error.
    pub fn from_oxms(oxms: impl IntoIterator<Item = Oxm>) -> Result<Match, DecodeError> {
        fn set<T>(slot: &mut Option<T>, v: T, name: &'static str) -> Result<(), DecodeError> {
            match slot.replace(v) {
                None => Ok(()),
                Some(_) => Err(DecodeError::DuplicateField(name)),
            }
        }
        let mut m = Match::default();
        for oxm in oxms {
            let name = oxm.name();
            match oxm {
                Oxm::InPort(v) => set(&mut m.in_port, v, name)?,
                Oxm::EthDst(v) => set(&mut m.eth_dst, v, name)?,
                Oxm::EthSrc(v) => set(&mut m.eth_src, v, name)?,
                Oxm::EthType(v) => set(&mut m.eth_type, v, name)?,
                Oxm::VlanVid(v) => set(&mut m.vlan_vid, v, name)?,
                Oxm::IpProto(v) => set(&mut m.ip_proto, v, name)?,
                Oxm::Ipv4Src(v) => set(&mut m.ipv4_src, v, name)?,
                Oxm::Ipv4Dst(v) => set(&mut m.ipv4_dst, v, name)?,
                Oxm::TcpSrc(v) => set(&mut m.tcp_src, v, name)?,
                Oxm::TcpDst(v) => set(&mut m.tcp_dst, v, name)?,
                Oxm::UdpSrc(v) => set(&mut m.udp_src, v, name)?,
                Oxm::UdpDst(v) => set(&mut m.udp_dst, v, name)?,
                Oxm::Raw(r) => m.other.push(r),
            }
        }
        Ok(m)
    }

    /// The `length` field: 4 + the TLVs (no padding).
    fn unpadded_len(&self) -> usize {
        4 + self.to_oxms().iter().map(Oxm::buffer_len).sum::<usize>()
    }

    /// Encoded size including the padding to a multiple of 8.
    pub fn buffer_len(&self) -> usize {
        self.unpadded_len().next_multiple_of(8)
    }

    /// Appends `ofp_match` with its padding.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        let oxms = self.to_oxms();
        let len = 4 + oxms.iter().map(Oxm::buffer_len).sum::<usize>();
        buf.extend_from_slice(&OFPMT_OXM.to_be_bytes());
        // A match longer than 65535 bytes cannot be built: each modelled field appears once
        // and Message::try_encode rejects messages over 65535 bytes before this is reached.
        buf.extend_from_slice(&(len as u16).to_be_bytes());
        for oxm in &oxms {
            oxm.emit(buf);
        }
        put_zeros(buf, pad8(len));
    }

    /// Parses `ofp_match` from the start of `bytes`; returns it and the bytes used, padding
    /// included.
    pub fn parse(bytes: &[u8]) -> Result<(Match, usize), DecodeError> {
        let mut r = Reader::new(bytes, "match");
        let ty = r.u16()?;
        if ty != OFPMT_OXM {
            return Err(DecodeError::BadValue {
                what: "match type (OpenFlow 1.3 requires OFPMT_OXM = 1)",
                value: ty.into(),
            });
        }
        let len = usize::from(r.u16()?);
        if len < 4 {
            return Err(DecodeError::BadLength {
                what: "match",
                length: len,
                reason: "shorter than its 4-byte header",
            });
        }
        let mut tlvs = r.take(len - 4)?;
        r.skip(pad8(len))?;
        let mut oxms = Vec::new();
        while !tlvs.is_empty() {
            let (oxm, used) = Oxm::parse(tlvs)?;
            oxms.push(oxm);
            tlvs = &tlvs[used..];
        }
        Ok((Match::from_oxms(oxms)?, r.position()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::oxm::oxm_field;
    use crate::wire::test_util::hex;
    use proptest::prelude::*;

    /// loxigen `test_data/of13/match_v3.data`: a 60-byte match (metadata masked, eth_src,
    /// udp_dst, ipv6_dst) with 4 pad bytes decodes and re-encodes byte for byte.
    #[test]
    fn loxigen_match_v3_round_trips() {
        let bytes = hex("00 01 00 3C
             80 00 05 10 FE DC BA 98 12 14 12 10 FF FF FF FF 12 34 56 78
             80 00 08 06 01 02 03 04 05 06
             80 00 20 02 00 35
             80 00 36 10 12 12 12 12 12 12 12 12 12 12 12 12 12 12 12 12
             00 00 00 00");
        let (m, used) = Match::parse(&bytes).expect("valid match");
        assert_eq!(used, 64, "60 bytes + 4 padding");
        assert_eq!(m.eth_src, Some([1, 2, 3, 4, 5, 6].into()), "eth_src");
        assert_eq!(m.udp_dst, Some(53), "udp_dst");
        let raw: Vec<_> = m.other.iter().map(|r| r.field()).collect();
        assert_eq!(
            raw,
            [oxm_field::METADATA, 27],
            "unmodelled metadata and ipv6_dst kept"
        );
        assert_eq!(m.buffer_len(), 64, "buffer_len");
        let mut out = Vec::new();
        m.emit(&mut out);
        assert_eq!(out, bytes, "re-encoded match");
    }

    /// The empty match is 4 header bytes plus 4 padding (`00 01 00 04 00 00 00 00`), as in
    /// every table-miss FLOW_MOD Ryu sends.
    #[test]
    fn empty_match_is_eight_bytes() {
        let mut out = Vec::new();
        Match::all().emit(&mut out);
        assert_eq!(out, [0, 1, 0, 4, 0, 0, 0, 0], "empty match bytes");
        assert_eq!(Match::parse(&out), Ok((Match::all(), 8)), "decodes back");
    }

    /// Fields set in any order encode in prerequisite order: in_port, eth_dst, eth_type,
    /// ip_proto, ipv4_dst, tcp_dst.
    #[test]
    fn canonical_order_puts_prerequisites_first() {
        let m = Match {
            tcp_dst: Some(80),
            ipv4_dst: Some(Ipv4Addr::new(10, 0, 0, 1).into()),
            ip_proto: Some(6),
            eth_type: Some(0x0800),
            eth_dst: Some([2, 0, 0, 0, 0, 1].into()),
            in_port: Some(3),
            ..Match::default()
        };
        let names: Vec<_> = m.to_oxms().iter().map(Oxm::name).collect();
        assert_eq!(
            names,
            [
                "in_port", "eth_dst", "eth_type", "ip_proto", "ipv4_dst", "tcp_dst"
            ],
            "canonical order"
        );
    }

    /// A duplicated field, a wrong match type, a length under 4 and missing padding are errors.
    #[test]
    fn malformed_matches_are_errors() {
        let dup = hex("00 01 00 10 80 00 0a 02 08 00 80 00 0a 02 08 00");
        assert_eq!(
            Match::parse(&dup),
            Err(DecodeError::DuplicateField("eth_type")),
            "eth_type twice"
        );
        assert!(
            matches!(
                Match::parse(&hex("00 00 00 04 00 00 00 00")),
                Err(DecodeError::BadValue { .. })
            ),
            "OFPMT_STANDARD is not 1.3"
        );
        assert!(
            matches!(
                Match::parse(&hex("00 01 00 02 00 00 00 00")),
                Err(DecodeError::BadLength { .. })
            ),
            "length below the header"
        );
        assert!(
            matches!(
                Match::parse(&hex("00 01 00 0a 80 00 0a 02 08 00")),
                Err(DecodeError::Truncated { .. })
            ),
            "padding missing"
        );
        assert!(
            Match::parse(&hex("00 01 00 07 80 00 0a 02 00 00 00 00")).is_err(),
            "TLV overruns the match length"
        );
    }

    proptest! {
        /// Any match encodes to a multiple of 8 bytes with a correct length field and decodes
        /// back to itself.
        #[test]
        fn match_round_trips(m in crate::wire::strategies::a_match()) {
            let mut out = Vec::new();
            m.emit(&mut out);
            prop_assert_eq!(out.len(), m.buffer_len(), "buffer_len");
            prop_assert!(out.len().is_multiple_of(8), "padded to 8");
            prop_assert_eq!(Match::parse(&out), Ok((m.clone(), out.len())), "round trip");
        }
    }
}
