//! OXM TLVs, the OpenFlow Extensible Match entries (§7.2.3.2–7.2.3.8).
//!
//! ```text
//!  0      15 16     22 23 24      31
//! +---------+---------+--+---------+-----------------+----------------+
//! | class   | field   |HM| length  | value (length/2 | mask (if HM)   |
//! +---------+---------+--+---------+  or length B)   +----------------+
//! ```
//!
//! With the has-mask bit set the length doubles and the mask follows the value. The fields the
//! simulator matches on are typed variants of [`Oxm`]; any other TLV is kept verbatim as a
//! [`RawOxm`] so that decoding and re-encoding loses nothing.

use std::net::Ipv4Addr;

use super::{DecodeError, Reader};

/// `OFPXMC_OPENFLOW_BASIC`, the OXM class of all standard match fields.
pub const OFPXMC_OPENFLOW_BASIC: u16 = 0x8000;
/// `OFPVID_PRESENT`: set in a `vlan_vid` value to mean "a VLAN tag is present" (§7.2.3.8).
pub const OFPVID_PRESENT: u16 = 0x1000;
/// `OFPVID_NONE`: a `vlan_vid` value meaning "no VLAN tag".
pub const OFPVID_NONE: u16 = 0x0000;

/// `oxm_ofb_match_fields`: field numbers in the OPENFLOW_BASIC class.
pub mod oxm_field {
    /// `OFPXMT_OFB_IN_PORT`
    pub const IN_PORT: u8 = 0;
    /// `OFPXMT_OFB_METADATA`
    pub const METADATA: u8 = 2;
    /// `OFPXMT_OFB_ETH_DST`
    pub const ETH_DST: u8 = 3;
    /// `OFPXMT_OFB_ETH_SRC`
    pub const ETH_SRC: u8 = 4;
    /// `OFPXMT_OFB_ETH_TYPE`
    pub const ETH_TYPE: u8 = 5;
    /// `OFPXMT_OFB_VLAN_VID`
    pub const VLAN_VID: u8 = 6;
    /// `OFPXMT_OFB_VLAN_PCP` (not modelled as an [`super::Oxm`] variant: a SET_FIELD on it
    /// arrives as [`super::Oxm::Raw`] and the switch pipeline applies it)
    pub const VLAN_PCP: u8 = 7;
    /// `OFPXMT_OFB_IP_PROTO`
    pub const IP_PROTO: u8 = 10;
    /// `OFPXMT_OFB_IPV4_SRC`
    pub const IPV4_SRC: u8 = 11;
    /// `OFPXMT_OFB_IPV4_DST`
    pub const IPV4_DST: u8 = 12;
    /// `OFPXMT_OFB_TCP_SRC`
    pub const TCP_SRC: u8 = 13;
    /// `OFPXMT_OFB_TCP_DST`
    pub const TCP_DST: u8 = 14;
    /// `OFPXMT_OFB_UDP_SRC`
    pub const UDP_SRC: u8 = 15;
    /// `OFPXMT_OFB_UDP_DST`
    pub const UDP_DST: u8 = 16;
    /// `OFPXMT_OFB_ARP_OP`
    pub const ARP_OP: u8 = 21;
    /// `OFPXMT_OFB_IPV6_SRC`
    pub const IPV6_SRC: u8 = 26;
}

/// A value with an optional bit mask (1 bits are compared, 0 bits are wildcards).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Masked<T> {
    /// The value to compare against.
    pub value: T,
    /// `None` for an exact match.
    pub mask: Option<T>,
}

impl<T> Masked<T> {
    /// An exact match on `value`.
    pub fn exact(value: T) -> Self {
        Masked { value, mask: None }
    }

    /// A match of the bits of `value` selected by `mask`.
    pub fn with_mask(value: T, mask: T) -> Self {
        Masked {
            value,
            mask: Some(mask),
        }
    }
}

impl<T> From<T> for Masked<T> {
    fn from(value: T) -> Self {
        Masked::exact(value)
    }
}

/// An OXM TLV that this codec does not model, kept byte for byte.
///
/// The payload is the value followed by the mask when `has_mask` is set; it is at most 255
/// bytes (the TLV's length is one byte), which [`RawOxm::new`] enforces.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RawOxm {
    class: u16,
    field: u8,
    has_mask: bool,
    payload: Vec<u8>,
}

impl RawOxm {
    /// A TLV of `class`, `field` (7 bits) and `payload`; `None` if the field number needs more
    /// than 7 bits or the payload more than 255 bytes.
    pub fn new(class: u16, field: u8, has_mask: bool, payload: Vec<u8>) -> Option<RawOxm> {
        (field < 0x80 && payload.len() <= 255).then_some(RawOxm {
            class,
            field,
            has_mask,
            payload,
        })
    }

    /// OXM class (0x8000 = OPENFLOW_BASIC, 0xffff = experimenter).
    pub fn class(&self) -> u16 {
        self.class
    }

    /// Field number within the class.
    pub fn field(&self) -> u8 {
        self.field
    }

    /// Whether the payload is value then mask.
    pub fn has_mask(&self) -> bool {
        self.has_mask
    }

    /// Value (and mask) bytes.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }
}

/// One OXM TLV: a match field (in a [`super::Match`]) or the target of a SET_FIELD action.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Oxm {
    /// Ingress port (a physical or logical port number, not maskable).
    InPort(u32),
    /// Ethernet destination address (maskable).
    EthDst(Masked<[u8; 6]>),
    /// Ethernet source address (maskable).
    EthSrc(Masked<[u8; 6]>),
    /// Ethernet type of the innermost VLAN tag's payload.
    EthType(u16),
    /// VLAN id, including the [`OFPVID_PRESENT`] bit (maskable).
    VlanVid(Masked<u16>),
    /// IP protocol number.
    IpProto(u8),
    /// IPv4 source address (maskable).
    Ipv4Src(Masked<Ipv4Addr>),
    /// IPv4 destination address (maskable).
    Ipv4Dst(Masked<Ipv4Addr>),
    /// TCP source port.
    TcpSrc(u16),
    /// TCP destination port.
    TcpDst(u16),
    /// UDP source port.
    UdpSrc(u16),
    /// UDP destination port.
    UdpDst(u16),
    /// Any other TLV (other fields, other classes, masks on fields the spec does not let one
    /// mask), kept verbatim.
    Raw(RawOxm),
}

/// The modelled OPENFLOW_BASIC fields: (field, value length, maskable).
const MODELLED: [(u8, usize, bool); 12] = [
    (oxm_field::IN_PORT, 4, false),
    (oxm_field::ETH_DST, 6, true),
    (oxm_field::ETH_SRC, 6, true),
    (oxm_field::ETH_TYPE, 2, false),
    (oxm_field::VLAN_VID, 2, true),
    (oxm_field::IP_PROTO, 1, false),
    (oxm_field::IPV4_SRC, 4, true),
    (oxm_field::IPV4_DST, 4, true),
    (oxm_field::TCP_SRC, 2, false),
    (oxm_field::TCP_DST, 2, false),
    (oxm_field::UDP_SRC, 2, false),
    (oxm_field::UDP_DST, 2, false),
];

fn masked<const N: usize>(v: &[u8], has_mask: bool) -> Masked<[u8; N]> {
    let mut value = [0u8; N];
    value.copy_from_slice(&v[..N]);
    let mask = has_mask.then(|| {
        let mut m = [0u8; N];
        m.copy_from_slice(&v[N..2 * N]);
        m
    });
    Masked { value, mask }
}

fn put_masked(buf: &mut Vec<u8>, m: &Masked<impl AsRef<[u8]>>) {
    buf.extend_from_slice(m.value.as_ref());
    if let Some(mask) = &m.mask {
        buf.extend_from_slice(mask.as_ref());
    }
}

fn ipv4(m: Masked<[u8; 4]>) -> Masked<Ipv4Addr> {
    Masked {
        value: m.value.into(),
        mask: m.mask.map(Ipv4Addr::from),
    }
}

fn octets(m: &Masked<Ipv4Addr>) -> Masked<[u8; 4]> {
    Masked {
        value: m.value.octets(),
        mask: m.mask.map(|a| a.octets()),
    }
}

fn be16(v: &[u8]) -> u16 {
    u16::from_be_bytes([v[0], v[1]])
}

impl Oxm {
    /// The TLV's (class, field), the key of the canonical match order.
    pub fn class_field(&self) -> (u16, u8) {
        use oxm_field as f;
        let field = match self {
            Oxm::InPort(_) => f::IN_PORT,
            Oxm::EthDst(_) => f::ETH_DST,
            Oxm::EthSrc(_) => f::ETH_SRC,
            Oxm::EthType(_) => f::ETH_TYPE,
            Oxm::VlanVid(_) => f::VLAN_VID,
            Oxm::IpProto(_) => f::IP_PROTO,
            Oxm::Ipv4Src(_) => f::IPV4_SRC,
            Oxm::Ipv4Dst(_) => f::IPV4_DST,
            Oxm::TcpSrc(_) => f::TCP_SRC,
            Oxm::TcpDst(_) => f::TCP_DST,
            Oxm::UdpSrc(_) => f::UDP_SRC,
            Oxm::UdpDst(_) => f::UDP_DST,
            Oxm::Raw(r) => return (r.class, r.field),
        };
        (OFPXMC_OPENFLOW_BASIC, field)
    }

    /// The field's name as Ryu spells it, for error messages.
    pub fn name(&self) -> &'static str {
        match self {
            Oxm::InPort(_) => "in_port",
            Oxm::EthDst(_) => "eth_dst",
            Oxm::EthSrc(_) => "eth_src",
            Oxm::EthType(_) => "eth_type",
            Oxm::VlanVid(_) => "vlan_vid",
            Oxm::IpProto(_) => "ip_proto",
            Oxm::Ipv4Src(_) => "ipv4_src",
            Oxm::Ipv4Dst(_) => "ipv4_dst",
            Oxm::TcpSrc(_) => "tcp_src",
            Oxm::TcpDst(_) => "tcp_dst",
            Oxm::UdpSrc(_) => "udp_src",
            Oxm::UdpDst(_) => "udp_dst",
            Oxm::Raw(_) => "raw",
        }
    }

    fn has_mask(&self) -> bool {
        match self {
            Oxm::EthDst(m) | Oxm::EthSrc(m) => m.mask.is_some(),
            Oxm::VlanVid(m) => m.mask.is_some(),
            Oxm::Ipv4Src(m) | Oxm::Ipv4Dst(m) => m.mask.is_some(),
            Oxm::Raw(r) => r.has_mask,
            _ => false,
        }
    }

    fn payload_len(&self) -> usize {
        let k = if self.has_mask() { 2 } else { 1 };
        match self {
            Oxm::InPort(_) => 4,
            Oxm::EthDst(_) | Oxm::EthSrc(_) => 6 * k,
            Oxm::VlanVid(_) => 2 * k,
            Oxm::Ipv4Src(_) | Oxm::Ipv4Dst(_) => 4 * k,
            Oxm::IpProto(_) => 1,
            Oxm::EthType(_) | Oxm::TcpSrc(_) | Oxm::TcpDst(_) | Oxm::UdpSrc(_) | Oxm::UdpDst(_) => {
                2
            }
            Oxm::Raw(r) => r.payload.len(),
        }
    }

    /// Encoded size: 4 header bytes plus value and mask (no padding).
    pub fn buffer_len(&self) -> usize {
        4 + self.payload_len()
    }

    /// Appends the TLV.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        let (class, field) = self.class_field();
        buf.extend_from_slice(&class.to_be_bytes());
        buf.push(field << 1 | u8::from(self.has_mask()));
        // Lengths are at most 255 by construction (RawOxm::new checks its payload).
        buf.push(self.payload_len() as u8);
        match self {
            Oxm::InPort(p) => buf.extend_from_slice(&p.to_be_bytes()),
            Oxm::EthDst(m) | Oxm::EthSrc(m) => put_masked(buf, m),
            Oxm::VlanVid(m) => put_masked(
                buf,
                &Masked {
                    value: m.value.to_be_bytes(),
                    mask: m.mask.map(u16::to_be_bytes),
                },
            ),
            Oxm::Ipv4Src(m) | Oxm::Ipv4Dst(m) => put_masked(buf, &octets(m)),
            Oxm::IpProto(p) => buf.push(*p),
            Oxm::EthType(v) | Oxm::TcpSrc(v) | Oxm::TcpDst(v) | Oxm::UdpSrc(v) | Oxm::UdpDst(v) => {
                buf.extend_from_slice(&v.to_be_bytes())
            }
            Oxm::Raw(r) => buf.extend_from_slice(&r.payload),
        }
    }

    /// Parses one TLV from the start of `bytes`; returns it and its length.
    ///
    /// A modelled OPENFLOW_BASIC field whose length is wrong for its type is an error
    /// (OFPBMC_BAD_LEN); a mask on a field the spec does not let one mask yields
    /// [`Oxm::Raw`], as does any field this codec does not model.
    pub fn parse(bytes: &[u8]) -> Result<(Oxm, usize), DecodeError> {
        let mut r = Reader::new(bytes, "OXM TLV");
        let class = r.u16()?;
        let fh = r.u8()?;
        let len = usize::from(r.u8()?);
        let payload = r.take(len)?;
        let (field, has_mask) = (fh >> 1, fh & 1 == 1);
        let modelled = MODELLED
            .iter()
            .find(|&&(f, _, maskable)| f == field && (maskable || !has_mask))
            .filter(|_| class == OFPXMC_OPENFLOW_BASIC);
        let Some(&(_, value_len, _)) = modelled else {
            let raw = RawOxm {
                class,
                field,
                has_mask,
                payload: payload.to_vec(),
            };
            return Ok((Oxm::Raw(raw), 4 + len));
        };
        let want = if has_mask { 2 * value_len } else { value_len };
        if len != want {
            return Err(DecodeError::BadLength {
                what: "OXM TLV of a modelled field",
                length: len,
                reason: "wrong payload length for the field's type",
            });
        }
        let p = payload;
        use oxm_field as f;
        let oxm = match field {
            f::IN_PORT => Oxm::InPort(u32::from_be_bytes([p[0], p[1], p[2], p[3]])),
            f::ETH_DST => Oxm::EthDst(masked(p, has_mask)),
            f::ETH_SRC => Oxm::EthSrc(masked(p, has_mask)),
            f::ETH_TYPE => Oxm::EthType(be16(p)),
            f::VLAN_VID => {
                let m = masked::<2>(p, has_mask);
                Oxm::VlanVid(Masked {
                    value: u16::from_be_bytes(m.value),
                    mask: m.mask.map(u16::from_be_bytes),
                })
            }
            f::IP_PROTO => Oxm::IpProto(p[0]),
            f::IPV4_SRC => Oxm::Ipv4Src(ipv4(masked(p, has_mask))),
            f::IPV4_DST => Oxm::Ipv4Dst(ipv4(masked(p, has_mask))),
            f::TCP_SRC => Oxm::TcpSrc(be16(p)),
            f::TCP_DST => Oxm::TcpDst(be16(p)),
            f::UDP_SRC => Oxm::UdpSrc(be16(p)),
            _ => Oxm::UdpDst(be16(p)),
        };
        Ok((oxm, 4 + len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;

    fn round_trip(bytes: &[u8], expected: Oxm) {
        let (oxm, used) = Oxm::parse(bytes).expect("valid OXM");
        assert_eq!(oxm, expected, "decoded OXM");
        assert_eq!(used, bytes.len(), "consumed length");
        assert_eq!(oxm.buffer_len(), bytes.len(), "buffer_len");
        let mut out = Vec::new();
        oxm.emit(&mut out);
        assert_eq!(out, bytes, "re-encoded OXM");
    }

    /// The OXM headers of the notes' table (0x80000004 in_port … 0x80002002 udp_dst) come out
    /// of `emit` for each modelled field, and parse back to the same variant.
    #[test]
    fn modelled_fields_have_the_spec_headers() {
        let cases: [(Oxm, u32); 12] = [
            (Oxm::InPort(1), 0x8000_0004),
            (Oxm::EthDst([1; 6].into()), 0x8000_0606),
            (Oxm::EthSrc([2; 6].into()), 0x8000_0806),
            (Oxm::EthType(0x0800), 0x8000_0a02),
            (Oxm::VlanVid((OFPVID_PRESENT | 5).into()), 0x8000_0c02),
            (Oxm::IpProto(6), 0x8000_1401),
            (Oxm::Ipv4Src(Ipv4Addr::new(10, 0, 0, 1).into()), 0x8000_1604),
            (Oxm::Ipv4Dst(Ipv4Addr::new(10, 0, 0, 2).into()), 0x8000_1804),
            (Oxm::TcpSrc(1), 0x8000_1a02),
            (Oxm::TcpDst(2), 0x8000_1c02),
            (Oxm::UdpSrc(3), 0x8000_1e02),
            (Oxm::UdpDst(4), 0x8000_2002),
        ];
        for (oxm, header) in cases {
            let mut out = Vec::new();
            oxm.emit(&mut out);
            assert_eq!(out[..4], header.to_be_bytes(), "header of {}", oxm.name());
            let (back, _) = Oxm::parse(&out).expect("parses");
            assert_eq!(back, oxm, "round trip of {}", oxm.name());
        }
    }

    /// Masked eth_dst and ipv4_src set the HM bit and double the length (§7.2.3.2), value
    /// before mask.
    #[test]
    fn masks_double_the_length() {
        round_trip(
            &hex("80 00 07 0c  01 02 03 04 05 06  ff ff ff 00 00 00"),
            Oxm::EthDst(Masked::with_mask(
                [1, 2, 3, 4, 5, 6],
                [0xff, 0xff, 0xff, 0, 0, 0],
            )),
        );
        round_trip(
            &hex("80 00 17 08  0a 00 00 00  ff 00 00 00"),
            Oxm::Ipv4Src(Masked::with_mask(
                Ipv4Addr::new(10, 0, 0, 0),
                Ipv4Addr::new(255, 0, 0, 0),
            )),
        );
        round_trip(
            &hex("80 00 0d 04  10 00 10 00"),
            Oxm::VlanVid(Masked::with_mask(OFPVID_PRESENT, OFPVID_PRESENT)),
        );
    }

    /// loxigen `test_data/of13/match_v3.data` entries: masked metadata (not modelled) is kept
    /// raw; eth_src and udp_dst are typed.
    #[test]
    fn loxigen_match_v3_entries() {
        let (m, used) = Oxm::parse(&hex(
            "80 00 05 10 FE DC BA 98 12 14 12 10 FF FF FF FF 12 34 56 78",
        ))
        .expect("metadata parses");
        assert_eq!(used, 20, "metadata TLV length");
        assert_eq!(
            m.class_field(),
            (0x8000, oxm_field::METADATA),
            "raw keeps class/field"
        );
        round_trip(
            &hex("80 00 08 06 01 02 03 04 05 06"),
            Oxm::EthSrc([1, 2, 3, 4, 5, 6].into()),
        );
        round_trip(&hex("80 00 20 02 00 35"), Oxm::UdpDst(53));
    }

    /// A masked in_port (loxigen uses one; OF 1.3 does not allow it) stays raw and round-trips.
    #[test]
    fn masked_in_port_is_raw() {
        let bytes = hex("80 00 01 08 00 00 00 04 00 00 00 05");
        let (oxm, _) = Oxm::parse(&bytes).expect("parses");
        assert!(
            matches!(oxm, Oxm::Raw(_)),
            "masked in_port is not the typed InPort"
        );
        let mut out = Vec::new();
        oxm.emit(&mut out);
        assert_eq!(out, bytes, "raw TLV re-encodes verbatim");
    }

    /// A wrong length for a modelled field, and a length past the end, are errors.
    #[test]
    fn bad_lengths_are_errors() {
        assert!(
            matches!(
                Oxm::parse(&hex("80 00 00 03 00 00 01")),
                Err(DecodeError::BadLength { .. })
            ),
            "in_port with a 3-byte value"
        );
        assert!(
            matches!(
                Oxm::parse(&hex("80 00 00 04 00 00")),
                Err(DecodeError::Truncated { .. })
            ),
            "TLV longer than the input"
        );
    }
}
