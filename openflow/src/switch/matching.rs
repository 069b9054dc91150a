//! Match semantics (OpenFlow 1.3.5 §7.2.3): a [`Match`] against a net-stack [`Packet`], and
//! the relations between two matches that FLOW_MOD needs (§6.4): "is at least as specific as"
//! (non-strict MODIFY/DELETE, flow-stats filters) and "overlaps" (CHECK_OVERLAP).
//!
//! Every modelled field is reduced to a `(value, mask)` pair of integers, so the three
//! relations are the same short loop over twelve fields:
//!
//! ```text
//! packet matches M      ⇔ ∀ field set in M:  pkt & mask == value
//! E ⊆ F (E more specific)⇔ ∀ field set in F:  E sets it, mask_E ⊇ mask_F, value_E & mask_F == value_F
//! E overlaps F          ⇔ ∀ field set in both: (value_E ^ value_F) & mask_E & mask_F == 0
//! ```
//!
//! Matches are normalised when an entry is installed (value bits outside the mask cleared, an
//! all-ones mask made exact, an all-zero mask made a wildcard), so that `==` on two normalised
//! matches is "the same match" for DELETE_STRICT and ADD's replace rule.

use std::net::Ipv4Addr;

use net_stack::wire::{L3, L4, Packet, Tunnel, VXLAN_PORT};

use crate::wire::{Masked, Match, OFPVID_NONE, OFPVID_PRESENT};

/// Number of modelled match fields.
const N_FIELDS: usize = 12;

/// Bit width of each field, in [`fields_of_match`] order.
const WIDTH: [u32; N_FIELDS] = [32, 48, 48, 16, 13, 8, 32, 32, 16, 16, 16, 16];

const ETH_TYPE_IPV4: u16 = 0x0800;
const ETH_TYPE_ARP: u16 = 0x0806;
const ETH_TYPE_IPV6: u16 = 0x86dd;
const IP_PROTO_TCP: u8 = 6;
const IP_PROTO_UDP: u8 = 17;

fn full(width: u32) -> u64 {
    if width == 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    }
}

fn mac(a: [u8; 6]) -> u64 {
    a.iter().fold(0, |acc, &b| acc << 8 | u64::from(b))
}

fn mac_bytes(v: u64) -> [u8; 6] {
    let b = v.to_be_bytes();
    [b[2], b[3], b[4], b[5], b[6], b[7]]
}

/// `(value, mask)` of one field; an exact match has the field's full mask.
type Field = Option<(u64, u64)>;

fn masked<T: Copy>(m: Option<Masked<T>>, f: impl Fn(T) -> u64, width: u32) -> Field {
    m.map(|m| {
        let mask = m.mask.map_or(full(width), &f);
        (f(m.value) & mask, mask)
    })
}

fn exact<T>(v: Option<T>, f: impl Fn(T) -> u64) -> Field {
    v.map(|v| (f(v), u64::MAX))
}

/// The match as `(value, mask)` pairs, masks clipped to each field's width and values to the
/// mask.
fn fields_of_match(m: &Match) -> [Field; N_FIELDS] {
    let ip = |a: Ipv4Addr| u64::from(u32::from(a));
    let w = |x: u16| u64::from(x);
    let raw = [
        exact(m.in_port, u64::from),
        masked(m.eth_dst, mac, 48),
        masked(m.eth_src, mac, 48),
        exact(m.eth_type, w),
        masked(m.vlan_vid, w, 13),
        exact(m.ip_proto, u64::from),
        masked(m.ipv4_src, ip, 32),
        masked(m.ipv4_dst, ip, 32),
        exact(m.tcp_src, w),
        exact(m.tcp_dst, w),
        exact(m.udp_src, w),
        exact(m.udp_dst, w),
    ];
    let mut out = [None; N_FIELDS];
    for (i, f) in raw.into_iter().enumerate() {
        out[i] = f.map(|(v, m)| {
            let m = m & full(WIDTH[i]);
            (v & m, m)
        });
    }
    out
}

/// The header fields of a packet as the match sees them; `None` where the packet has no
/// such header (a UDP packet has no `tcp_dst`), so that a match on it fails, which is how the
/// OpenFlow prerequisites (§7.2.3.6) show up at lookup time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PacketFields([Option<u64>; N_FIELDS]);

impl PacketFields {
    /// Extracts the fields of `pkt` received on `in_port`: the outermost headers, as a switch
    /// parsing the frame from the front sees them.
    ///
    /// `eth_type` is the type after any VLAN tags (§7.2.3.8: "Ethernet type of the OpenFlow
    /// packet payload, after VLAN tags"), and follows the header actually present, as
    /// net-stack's frame bytes do: IPv4 for a tunnelled packet. `vlan_vid` is
    /// `OFPVID_PRESENT | vid` of the outermost tag, `OFPVID_NONE` for an untagged frame. A
    /// tunnelled packet shows its outer IPv4 header (`ip_proto` 4, 47 or 17); VXLAN shows its
    /// UDP ports (source hash, 4789), IP-in-IP and GRE no ports.
    pub(crate) fn of(in_port: u32, pkt: &Packet) -> PacketFields {
        let ip = pkt.outer_ip();
        let eth_type = match (pkt.encap.is_some(), &pkt.l3) {
            (false, L3::Arp(_)) => ETH_TYPE_ARP,
            _ => ETH_TYPE_IPV4,
        };
        let vlan = match pkt.eth.vlan.outer() {
            Some(tag) => OFPVID_PRESENT | tag.vid,
            None => OFPVID_NONE,
        };
        let (tcp, udp) = match (&ip, &pkt.encap, &pkt.l4) {
            (_, Some(e), _) => match e.tunnel {
                Tunnel::Vxlan(_) => (None, pkt.vxlan_src_port().map(|p| (p, VXLAN_PORT))),
                Tunnel::IpIp { .. } | Tunnel::Gre { .. } => (None, None),
            },
            (Some(_), None, L4::Tcp(t)) => (Some((t.src_port, t.dst_port)), None),
            (Some(_), None, L4::Udp(u)) => (None, Some((u.src_port, u.dst_port))),
            _ => (None, None),
        };
        fn w(x: impl Into<u64>) -> u64 {
            x.into()
        }
        PacketFields([
            Some(w(in_port)),
            Some(mac(pkt.eth.dst.0)),
            Some(mac(pkt.eth.src.0)),
            Some(w(eth_type)),
            Some(w(vlan)),
            ip.map(|ip| w(ip.protocol.number())),
            ip.map(|ip| w(u32::from(ip.src))),
            ip.map(|ip| w(u32::from(ip.dst))),
            tcp.map(|t| w(t.0)),
            tcp.map(|t| w(t.1)),
            udp.map(|u| w(u.0)),
            udp.map(|u| w(u.1)),
        ])
    }
}

/// A match in the `(value, mask)` form, computed once per flow entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CompiledMatch([Field; N_FIELDS]);

impl CompiledMatch {
    /// Compiles `m` (which need not be normalised).
    pub(crate) fn new(m: &Match) -> CompiledMatch {
        CompiledMatch(fields_of_match(m))
    }

    /// Whether a packet with these header fields matches.
    pub(crate) fn matches(&self, pkt: &PacketFields) -> bool {
        self.0.iter().zip(pkt.0.iter()).all(|(f, p)| match (f, p) {
            (None, _) => true,
            (Some((v, m)), Some(p)) => p & m == *v,
            (Some(_), None) => false,
        })
    }

    /// Whether `self` is at least as specific as `general`: every packet `self` matches,
    /// `general` matches too (the non-strict FLOW_MOD and flow-stats relation, §6.4).
    pub(crate) fn is_subset_of(&self, general: &CompiledMatch) -> bool {
        self.0
            .iter()
            .zip(general.0.iter())
            .all(|(e, g)| match (e, g) {
                (_, None) => true,
                (Some((ve, me)), Some((vg, mg))) => me & mg == *mg && ve & mg == *vg,
                (None, Some(_)) => false,
            })
    }

    /// Whether some packet could match both (CHECK_OVERLAP, §6.4).
    pub(crate) fn overlaps(&self, other: &CompiledMatch) -> bool {
        self.0
            .iter()
            .zip(other.0.iter())
            .all(|(a, b)| match (a, b) {
                (Some((va, ma)), Some((vb, mb))) => (va ^ vb) & ma & mb == 0,
                _ => true,
            })
    }
}

/// `m` in canonical form: value bits outside a mask cleared, an all-ones mask turned into an
/// exact match, an all-zero mask turned into a wildcard. Two normalised matches that select
/// the same packets by the same fields are `==`.
pub(crate) fn normalize(m: &Match) -> Match {
    fn norm<T: Copy>(
        m: Option<Masked<T>>,
        to: impl Fn(T) -> u64,
        from: impl Fn(u64) -> T,
        width: u32,
    ) -> Option<Masked<T>> {
        let m = m?;
        let Some(mask) = m.mask else {
            return Some(m);
        };
        let mask = to(mask) & full(width);
        let value = to(m.value) & mask;
        if mask == 0 {
            None
        } else if mask == full(width) {
            Some(Masked::exact(from(value)))
        } else {
            Some(Masked::with_mask(from(value), from(mask)))
        }
    }
    let ip = |a: Ipv4Addr| u64::from(u32::from(a));
    let ip_back = |v: u64| Ipv4Addr::from(v as u32);
    Match {
        eth_dst: norm(m.eth_dst, mac, mac_bytes, 48),
        eth_src: norm(m.eth_src, mac, mac_bytes, 48),
        vlan_vid: norm(m.vlan_vid, u64::from, |v| v as u16, 13),
        ipv4_src: norm(m.ipv4_src, ip, ip_back, 32),
        ipv4_dst: norm(m.ipv4_dst, ip, ip_back, 32),
        ..m.clone()
    }
}

/// Why a match cannot be installed (§7.2.3.6–7.2.3.7), as an OFPBMC_* code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MatchProblem {
    /// A field this switch does not model (`OFPBMC_BAD_FIELD`).
    BadField,
    /// A field whose prerequisite is missing, e.g. `tcp_dst` without `ip_proto = 6`
    /// (`OFPBMC_BAD_PREREQ`).
    BadPrereq,
}

/// Checks the OXM prerequisites: `ip_proto` needs IPv4 or IPv6, the IPv4 addresses need
/// `eth_type = 0x0800`, TCP ports need `ip_proto = 6` and UDP ports `ip_proto = 17`.
pub(crate) fn check_prerequisites(m: &Match) -> Result<(), MatchProblem> {
    if !m.other.is_empty() {
        return Err(MatchProblem::BadField);
    }
    let ipv4 = m.eth_type == Some(ETH_TYPE_IPV4);
    let ip = ipv4 || m.eth_type == Some(ETH_TYPE_IPV6);
    let ok = (m.ip_proto.is_none() || ip)
        && (m.ipv4_src.is_none() && m.ipv4_dst.is_none() || ipv4)
        && (m.tcp_src.is_none() && m.tcp_dst.is_none() || m.ip_proto == Some(IP_PROTO_TCP))
        && (m.udp_src.is_none() && m.udp_dst.is_none() || m.ip_proto == Some(IP_PROTO_UDP));
    if ok {
        Ok(())
    } else {
        Err(MatchProblem::BadPrereq)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use net_stack::wire::{
        ArpOp, ArpRepr, EtherType, EthernetRepr, IpProtocol, Ipv4Repr, MacAddr, PacketMeta, Tpid,
        TunnelKind, UdpRepr, VlanStack, VlanTag, Vni,
    };
    use sim_core::SimTime;

    /// A UDP/IPv4 packet from `src` to `dst` (last octet of 10.0.0.x and of 02:00:..:x).
    pub(crate) fn udp(src: u8, dst: u8, sport: u16, dport: u16) -> Packet {
        Packet {
            eth: EthernetRepr {
                dst: MacAddr([2, 0, 0, 0, 0, dst]),
                src: MacAddr([2, 0, 0, 0, 0, src]),
                vlan: Default::default(),
                ethertype: EtherType::Ipv4,
            },
            l3: L3::Ipv4(Ipv4Repr {
                src: Ipv4Addr::new(10, 0, 0, src),
                dst: Ipv4Addr::new(10, 0, 0, dst),
                protocol: IpProtocol::Udp,
                ttl: 64,
                ident: 0,
                tos: 0,
                dont_fragment: false,
            }),
            l4: L4::Udp(UdpRepr {
                src_port: sport,
                dst_port: dport,
            }),
            payload_len: 100,
            encap: None,
            meta: PacketMeta {
                uid: 0,
                flow: 0,
                created: SimTime::ZERO,
            },
        }
    }

    /// An ARP request from host `src`.
    pub(crate) fn arp(src: u8) -> Packet {
        let mut p = udp(src, 0xff, 0, 0);
        p.eth.dst = MacAddr::BROADCAST;
        p.eth.ethertype = EtherType::Arp;
        p.l3 = L3::Arp(ArpRepr {
            op: ArpOp::Request,
            sender_mac: p.eth.src,
            sender_ip: Ipv4Addr::new(10, 0, 0, src),
            target_mac: MacAddr([0; 6]),
            target_ip: Ipv4Addr::new(10, 0, 0, 2),
        });
        p.l4 = L4::None;
        p
    }

    fn hits(m: &Match, in_port: u32, p: &Packet) -> bool {
        CompiledMatch::new(m).matches(&PacketFields::of(in_port, p))
    }

    /// A tcp_dst match never matches a UDP packet with the same destination port, and a udp
    /// match does: the prerequisite shows up at lookup as an absent field.
    #[test]
    fn transport_ports_respect_protocol() {
        let p = udp(1, 2, 5000, 80);
        let tcp = Match {
            eth_type: Some(0x0800),
            ip_proto: Some(6),
            tcp_dst: Some(80),
            ..Match::default()
        };
        let udp_m = Match {
            ip_proto: Some(17),
            tcp_dst: None,
            udp_dst: Some(80),
            ..tcp.clone()
        };
        assert!(!hits(&tcp, 1, &p), "tcp_dst=80 must not match a UDP packet");
        assert!(
            hits(&udp_m, 1, &p),
            "udp_dst=80 must match a UDP packet to port 80"
        );
        // A match that skipped the prerequisites (rejected at install) still cannot match UDP.
        let bare = Match {
            tcp_dst: Some(80),
            ..Match::default()
        };
        assert!(!hits(&bare, 1, &p), "bare tcp_dst must not match UDP");
        assert_eq!(check_prerequisites(&bare), Err(MatchProblem::BadPrereq));
        assert_eq!(check_prerequisites(&tcp), Ok(()));
    }

    /// eth_type follows the L3 header (ARP 0x0806, IPv4 0x0800), also behind a VLAN tag; the
    /// vlan_vid field carries OFPVID_PRESENT for tagged frames and OFPVID_NONE matches untagged.
    #[test]
    fn eth_type_and_vlan_semantics() {
        let a = arp(1);
        let arp_m = Match {
            eth_type: Some(0x0806),
            ..Match::default()
        };
        assert!(hits(&arp_m, 1, &a), "ARP frame must match eth_type=0x0806");
        let mut tagged = udp(1, 2, 1, 2);
        tagged.eth.vlan = VlanStack::single(VlanTag::dot1q(10));
        let ip_m = Match {
            eth_type: Some(0x0800),
            ..Match::default()
        };
        assert!(
            hits(&ip_m, 1, &tagged),
            "eth_type is the type after the VLAN tag"
        );
        let vid10 = Match {
            vlan_vid: Some(Masked::exact(OFPVID_PRESENT | 10)),
            ..Match::default()
        };
        let any_tag = Match {
            vlan_vid: Some(Masked::with_mask(OFPVID_PRESENT, OFPVID_PRESENT)),
            ..Match::default()
        };
        let untagged = Match {
            vlan_vid: Some(Masked::exact(OFPVID_NONE)),
            ..Match::default()
        };
        assert!(hits(&vid10, 1, &tagged), "vid 10 matches a frame tagged 10");
        assert!(
            hits(&any_tag, 1, &tagged),
            "PRESENT/PRESENT matches any tag"
        );
        assert!(
            !hits(&untagged, 1, &tagged),
            "OFPVID_NONE must not match a tagged frame"
        );
        let plain = udp(1, 2, 1, 2);
        assert!(
            hits(&untagged, 1, &plain),
            "OFPVID_NONE matches an untagged frame"
        );
        assert!(
            !hits(&any_tag, 1, &plain),
            "PRESENT/PRESENT must not match untagged"
        );
        let vid0 = Match {
            vlan_vid: Some(Masked::exact(10)),
            ..Match::default()
        };
        assert!(
            !hits(&vid0, 1, &tagged),
            "a vid without OFPVID_PRESENT never matches a tag"
        );
    }

    /// With two tags, vlan_vid is the outer tag's (§7.2.3.8: the outermost VLAN tag), whatever
    /// its TPID, and eth_type is still the type after all tags.
    #[test]
    fn vlan_vid_matches_the_outer_of_two_tags() {
        let mut p = udp(1, 2, 1, 2);
        p.eth.vlan.push(VlanTag::dot1q(10)).unwrap();
        p.eth
            .vlan
            .push(VlanTag {
                tpid: Tpid::Dot1Ad,
                ..VlanTag::dot1q(200)
            })
            .unwrap();
        let vid = |v: u16| Match {
            vlan_vid: Some(Masked::exact(OFPVID_PRESENT | v)),
            eth_type: Some(0x0800),
            ..Match::default()
        };
        assert!(hits(&vid(200), 1, &p), "the outer (S-)tag's VID matches");
        assert!(!hits(&vid(10), 1, &p), "the inner tag is not seen");
    }

    /// A tunnelled packet is matched on its outer headers: ip_proto 4 / 47 / 17, the outer
    /// addresses, VXLAN's UDP destination 4789; the inner ports are invisible (no tcp/udp
    /// fields for IP-in-IP and GRE).
    #[test]
    fn tunnels_match_on_outer_headers() {
        let (c, d) = (Ipv4Addr::new(192, 168, 1, 1), Ipv4Addr::new(192, 168, 2, 2));
        let m = |proto: u8, udp_dst: Option<u16>| Match {
            eth_type: Some(0x0800),
            ip_proto: Some(proto),
            ipv4_dst: Some(Masked::exact(d)),
            udp_dst,
            ..Match::default()
        };
        let inner_port = Match {
            eth_type: Some(0x0800),
            ip_proto: Some(17),
            udp_dst: Some(2),
            ..Match::default()
        };
        let inner = udp(1, 2, 1, 2);
        assert!(
            hits(&inner_port, 1, &inner),
            "the bare packet matches udp_dst 2"
        );
        for (kind, proto, port) in [
            (TunnelKind::IpIp, 4, None),
            (TunnelKind::Gre { key: Some(9) }, 47, None),
            (
                TunnelKind::Vxlan {
                    vni: Vni::new(7).unwrap(),
                },
                17,
                Some(4789),
            ),
        ] {
            let mut p = inner;
            p.encapsulate(kind, c, d).unwrap();
            assert!(
                hits(&m(proto, port), 1, &p),
                "{kind:?}: outer proto/dst/port"
            );
            assert!(!hits(&inner_port, 1, &p), "{kind:?}: inner UDP port hidden");
            let inner_dst = Match {
                eth_type: Some(0x0800),
                ipv4_dst: Some(Masked::exact(Ipv4Addr::new(10, 0, 0, 2))),
                ..Match::default()
            };
            assert!(hits(&inner_dst, 1, &inner), "bare packet's dst");
            assert!(!hits(&inner_dst, 1, &p), "{kind:?}: inner dst hidden");
        }
    }

    /// Masked MAC and IPv4 fields compare only the masked bits; in_port is exact.
    #[test]
    fn masks_and_in_port() {
        let p = udp(7, 9, 1, 2);
        let m = Match {
            in_port: Some(3),
            eth_src: Some(Masked::with_mask([2, 0, 0, 0, 0, 0], [0xff, 0, 0, 0, 0, 0])),
            eth_type: Some(0x0800),
            ipv4_dst: Some(Masked::with_mask(
                Ipv4Addr::new(10, 0, 0, 0),
                Ipv4Addr::new(255, 255, 255, 0),
            )),
            ..Match::default()
        };
        assert!(hits(&m, 3, &p), "masked eth_src and /24 ipv4_dst match");
        assert!(!hits(&m, 4, &p), "in_port 4 must not match in_port=3");
        let other_net = Match {
            ipv4_dst: Some(Masked::with_mask(
                Ipv4Addr::new(10, 0, 1, 0),
                Ipv4Addr::new(255, 255, 255, 0),
            )),
            ..m.clone()
        };
        assert!(
            !hits(&other_net, 3, &p),
            "10.0.1.0/24 must not match 10.0.0.9"
        );
    }

    /// Subset and overlap relations on masked fields, and normalisation making equal matches
    /// compare equal.
    #[test]
    fn subset_overlap_and_normalize() {
        let net = |o: u8, len: u32| {
            let mask = u32::MAX << (32 - len);
            Match {
                eth_type: Some(0x0800),
                ipv4_dst: Some(Masked::with_mask(
                    Ipv4Addr::new(10, 0, o, 0),
                    Ipv4Addr::from(mask),
                )),
                ..Match::default()
            }
        };
        let c = |m: &Match| CompiledMatch::new(m);
        assert!(
            c(&net(0, 24)).is_subset_of(&c(&net(0, 16))),
            "/24 within /16"
        );
        assert!(
            !c(&net(0, 16)).is_subset_of(&c(&net(0, 24))),
            "/16 not within /24"
        );
        assert!(
            c(&net(0, 24)).is_subset_of(&c(&Match::all())),
            "all within empty match"
        );
        assert!(
            c(&net(0, 24)).overlaps(&c(&net(0, 16))),
            "/24 overlaps its /16"
        );
        assert!(!c(&net(0, 24)).overlaps(&c(&net(1, 24))), "disjoint /24s");
        let sloppy = Match {
            eth_dst: Some(Masked::with_mask([1, 2, 3, 4, 5, 6], [0xff; 6])),
            ipv4_src: Some(Masked::with_mask(
                Ipv4Addr::new(10, 1, 2, 3),
                Ipv4Addr::new(255, 0, 0, 0),
            )),
            vlan_vid: Some(Masked::with_mask(0x1005, 0)),
            eth_type: Some(0x0800),
            ..Match::default()
        };
        let clean = Match {
            eth_dst: Some(Masked::exact([1, 2, 3, 4, 5, 6])),
            ipv4_src: Some(Masked::with_mask(
                Ipv4Addr::new(10, 0, 0, 0),
                Ipv4Addr::new(255, 0, 0, 0),
            )),
            eth_type: Some(0x0800),
            ..Match::default()
        };
        assert_eq!(
            normalize(&sloppy),
            clean,
            "normalisation canonicalises masks"
        );
    }
}
