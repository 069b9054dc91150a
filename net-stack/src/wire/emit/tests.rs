//! Round trips through etherparse, hand-checked checksums and byte-exact frames for the
//! unencapsulated kinds (moved here from `pcap.rs` with the code they test).

use super::*;
use crate::wire::{
    ArpRepr, EtherType, IcmpRepr, IpProtocol, Ipv4Addr, MacAddr, PacketMeta, SackBlocks,
    SackOption, SeqNum, TcpFlags, Tpid, TunnelKind, UdpRepr, VlanStack, VlanTag, Vni,
};
use etherparse::{LinkExtHeader, NetHeaders, PacketHeaders, TransportHeader};
use proptest::prelude::*;
use sim_core::SimTime;
use std::num::NonZeroU16;

pub(crate) const A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
pub(crate) const B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

pub(crate) fn meta() -> PacketMeta {
    PacketMeta {
        uid: 0,
        flow: 0,
        created: SimTime::ZERO,
    }
}

pub(crate) fn eth(ethertype: EtherType, vlan: Option<u16>) -> EthernetRepr {
    EthernetRepr {
        dst: MacAddr::from_index(2),
        src: MacAddr::from_index(1),
        vlan: vlan.map_or(VlanStack::EMPTY, |v| VlanStack::single(VlanTag::dot1q(v))),
        ethertype,
    }
}

pub(crate) fn ipv4(protocol: IpProtocol, ident: u16) -> Ipv4Repr {
    Ipv4Repr {
        src: A,
        dst: B,
        protocol,
        ttl: 64,
        ident,
        tos: 0,
        dont_fragment: false,
    }
}

pub(crate) fn udp(payload_len: u32, vlan: Option<u16>) -> Packet {
    Packet {
        eth: eth(EtherType::Ipv4, vlan),
        l3: L3::Ipv4(ipv4(IpProtocol::Udp, 0x1234)),
        l4: L4::Udp(UdpRepr {
            src_port: 5000,
            dst_port: 9,
        }),
        payload_len,
        encap: None,
        meta: meta(),
    }
}

pub(crate) fn icmp(msg: IcmpRepr, payload_len: u32) -> Packet {
    Packet {
        eth: eth(EtherType::Ipv4, None),
        l3: L3::Ipv4(ipv4(IpProtocol::Icmp, 1)),
        l4: L4::Icmp(msg),
        payload_len,
        encap: None,
        meta: meta(),
    }
}

pub(crate) fn tcp(flags: TcpFlags, options: TcpOptions, payload_len: u32) -> Packet {
    Packet {
        eth: eth(EtherType::Ipv4, None),
        l3: L3::Ipv4(ipv4(IpProtocol::Tcp, 7)),
        l4: L4::Tcp(TcpRepr {
            src_port: 40000,
            dst_port: 80,
            seq: SeqNum(0xdead_beef),
            ack: SeqNum(0x0102_0304),
            flags,
            window: 64240,
            options,
        }),
        payload_len,
        encap: None,
        meta: meta(),
    }
}

pub(crate) fn arp(op: ArpOp) -> Packet {
    Packet {
        eth: EthernetRepr {
            dst: MacAddr::BROADCAST,
            ..eth(EtherType::Arp, None)
        },
        l3: L3::Arp(ArpRepr {
            op,
            sender_mac: MacAddr::from_index(1),
            sender_ip: A,
            target_mac: MacAddr([0; 6]),
            target_ip: B,
        }),
        l4: L4::None,
        payload_len: 0,
        encap: None,
        meta: meta(),
    }
}

pub(crate) fn syn_options() -> TcpOptions {
    TcpOptions {
        mss: NonZeroU16::new(1460),
        window_scale: Some(7),
        timestamps: Some((0x0a0b_0c0d, 0)),
        sack: SackOption::NONE,
    }
}

pub(crate) fn frame(pkt: &Packet) -> Vec<u8> {
    let mut buf = Vec::new();
    let n = pkt.emit(0, &mut buf);
    assert_eq!(n, pkt.frame_len(), "returned length is the frame length");
    assert_eq!(buf.len(), n, "snaplen 0 keeps the whole frame");
    buf
}

/// One's-complement sum of 16-bit big-endian words, folded, not inverted (RFC 1071).
pub(crate) fn ones_sum(chunks: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    for chunk in chunks {
        for pair in chunk.chunks(2) {
            let hi = u32::from(pair[0]) << 8;
            let lo = pair.get(1).copied().map_or(0, u32::from);
            sum += hi | lo;
        }
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

/// Checks every checksum in `frame` by hand, without etherparse: summing a header
/// (with pseudo-header for UDP/TCP) including its checksum field must fold to 0xffff. Walks
/// any number of VLAN tags (0x8100, 0x88a8) and one tunnel (IP-in-IP, GRE, VXLAN, whose outer
/// UDP checksum must be zero), checking every IPv4 header and length on the way. Returns the
/// innermost IP protocol number checked, or `None` for a non-IPv4 frame.
pub(crate) fn assert_checksums(frame: &[u8]) -> Option<u8> {
    let (proto, _) = check_l2(frame)?;
    Some(proto)
}

/// The innermost IP protocol and the innermost transport payload length.
fn check_l2(frame: &[u8]) -> Option<(u8, usize)> {
    let mut l2 = 12;
    let mut ethertype = u16::from_be_bytes([frame[l2], frame[l2 + 1]]);
    while ethertype == 0x8100 || ethertype == 0x88a8 {
        l2 += 4;
        ethertype = u16::from_be_bytes([frame[l2], frame[l2 + 1]]);
    }
    if ethertype != 0x0800 {
        assert_eq!(ethertype, 0x0806, "ARP or IPv4");
        assert_eq!(frame.len(), l2 + 2 + 28, "ARP is 28 bytes");
        return None;
    }
    check_ipv4(&frame[l2 + 2..])
}

fn check_ipv4(bytes: &[u8]) -> Option<(u8, usize)> {
    let ip = &bytes[..20];
    assert_eq!(ones_sum(&[ip]), 0xffff, "IPv4 header checksum");
    let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
    assert_eq!(total, bytes.len(), "IPv4 total length covers the rest");
    let seg = &bytes[20..total];
    let proto = ip[9];
    match proto {
        4 => return check_ipv4(seg),
        47 => {
            let flags = u16::from_be_bytes([seg[0], seg[1]]);
            assert_eq!(flags & !0x2000, 0, "GRE: only the K bit may be set");
            assert_eq!(&seg[2..4], &[0x08, 0x00], "GRE protocol type IPv4");
            let hdr = if flags & 0x2000 != 0 { 8 } else { 4 };
            return check_ipv4(&seg[hdr..]);
        }
        17 if seg[2..4] == [0x12, 0xb5] => {
            assert_eq!(&seg[4..6], &(seg.len() as u16).to_be_bytes(), "UDP length");
            assert_eq!(&seg[6..8], &[0, 0], "VXLAN's UDP checksum is zero");
            assert_eq!(seg[8], 0x08, "VXLAN flags: I only");
            assert_eq!(&seg[9..12], &[0, 0, 0], "reserved");
            assert_eq!(seg[15], 0, "reserved");
            return check_l2(&seg[16..]);
        }
        6 | 17 => {
            let seg_len = (seg.len() as u16).to_be_bytes();
            let pseudo = [&ip[12..20], &[0, proto], &seg_len[..], seg];
            assert_eq!(ones_sum(&pseudo), 0xffff, "checksum of protocol {proto}");
            if proto == 17 {
                assert_eq!(&seg[4..6], &seg_len[..], "UDP length");
                return Some((proto, seg.len() - 8));
            }
            return Some((proto, seg.len() - usize::from(seg[12] >> 4) * 4));
        }
        1 => assert_eq!(ones_sum(&[seg]), 0xffff, "ICMP checksum"),
        other => panic!("unexpected protocol {other}"),
    }
    Some((proto, seg.len() - 8))
}

fn ipv4_of(h: &PacketHeaders) -> Ipv4Header {
    match &h.net {
        Some(NetHeaders::Ipv4(ip, _)) => ip.clone(),
        other => panic!("expected IPv4, got {other:?}"),
    }
}

/// A UDP packet parses back with the same addresses, ports, TTL, ident, TOS, lengths and a
/// valid UDP checksum, and carries `payload_len` zero bytes.
#[test]
fn udp_round_trip() {
    let mut pkt = udp(100, None);
    if let L3::Ipv4(ip) = &mut pkt.l3 {
        ip.tos = 0xb9; // DSCP 46 (EF), ECN 1
    }
    let buf = frame(&pkt);
    let h = PacketHeaders::from_ethernet_slice(&buf).expect("parses");
    let e = h
        .link
        .clone()
        .and_then(|l| l.ethernet2())
        .expect("Ethernet II");
    assert_eq!(e.destination, pkt.eth.dst.0);
    assert_eq!(e.source, pkt.eth.src.0);
    let ip = ipv4_of(&h);
    assert_eq!(ip.source, A.octets());
    assert_eq!(ip.destination, B.octets());
    assert_eq!(ip.time_to_live, 64);
    assert_eq!(ip.identification, 0x1234);
    assert_eq!(ip.dscp.value(), 46);
    assert_eq!(ip.ecn.value(), 1);
    assert_eq!(ip.protocol, IpNumber::UDP);
    assert_eq!(usize::from(ip.total_len), pkt.l3_len());
    assert_eq!(ip.header_checksum, ip.calc_header_checksum());
    let Some(TransportHeader::Udp(u)) = h.transport else {
        panic!("expected UDP, got {:?}", h.transport)
    };
    assert_eq!((u.source_port, u.destination_port), (5000, 9));
    assert_eq!(u.length, 108);
    assert_eq!(h.payload.slice(), &[0u8; 100][..]);
    assert_eq!(
        u.checksum,
        u.calc_checksum_ipv4(&ip, h.payload.slice()).unwrap()
    );
    assert_eq!(assert_checksums(&buf), Some(17));
}

/// An 802.1Q tag is written with the VLAN id, and the inner EtherType is IPv4.
#[test]
fn vlan_round_trip() {
    let pkt = udp(10, Some(42));
    let buf = frame(&pkt);
    assert_eq!(buf.len(), 18 + 20 + 8 + 10);
    assert_eq!(&buf[12..14], &[0x81, 0x00]);
    let h = PacketHeaders::from_ethernet_slice(&buf).expect("parses");
    let Some(LinkExtHeader::Vlan(tag)) = h.link_exts.first() else {
        panic!("expected a VLAN tag, got {:?}", h.link_exts)
    };
    assert_eq!(tag.vlan_id.value(), 42);
    assert_eq!(tag.ether_type, etherparse::EtherType::IPV4);
    assert_eq!(ipv4_of(&h).source, A.octets());
    assert_eq!(assert_checksums(&buf), Some(17));
}

/// TCP segments (SYN with options, data, bare ACK, FIN|ACK) parse back with the same
/// ports, sequence numbers, flags, window and options, and a valid checksum.
#[test]
fn tcp_round_trip() {
    let data_opts = TcpOptions {
        timestamps: Some((5, 6)),
        ..Default::default()
    };
    let cases = [
        tcp(TcpFlags::SYN, syn_options(), 0),
        tcp(TcpFlags::ACK | TcpFlags::PSH, data_opts, 1448),
        tcp(TcpFlags::ACK, TcpOptions::default(), 0),
        tcp(TcpFlags::FIN | TcpFlags::ACK, data_opts, 0),
    ];
    for pkt in cases {
        let L4::Tcp(repr) = pkt.l4 else {
            unreachable!()
        };
        let buf = frame(&pkt);
        let h = PacketHeaders::from_ethernet_slice(&buf).expect("parses");
        let ip = ipv4_of(&h);
        let Some(TransportHeader::Tcp(t)) = h.transport else {
            panic!("expected TCP, got {:?}", h.transport)
        };
        assert_eq!((t.source_port, t.destination_port), (40000, 80));
        assert_eq!(t.sequence_number, repr.seq.0);
        assert_eq!(t.acknowledgment_number, repr.ack.0);
        assert_eq!(t.window_size, repr.window);
        assert_eq!(t.syn, repr.flags.contains(TcpFlags::SYN));
        assert_eq!(t.ack, repr.flags.contains(TcpFlags::ACK));
        assert_eq!(t.fin, repr.flags.contains(TcpFlags::FIN));
        assert_eq!(t.psh, repr.flags.contains(TcpFlags::PSH));
        assert!(!t.rst && !t.urg && !t.ece && !t.cwr);
        assert_eq!(t.header_len(), repr.header_len());
        let mut parsed = TcpOptions::default();
        for opt in t.options_iterator() {
            match opt.expect("well-formed option") {
                TcpOptionElement::MaximumSegmentSize(m) => parsed.mss = NonZeroU16::new(m),
                TcpOptionElement::WindowScale(w) => parsed.window_scale = Some(w),
                TcpOptionElement::Timestamp(v, e) => parsed.timestamps = Some((v, e)),
                TcpOptionElement::SelectiveAcknowledgementPermitted => {
                    parsed.sack = SackOption::PERMITTED
                }
                TcpOptionElement::Noop => {}
                other => panic!("unexpected option {other:?}"),
            }
        }
        assert_eq!(parsed, repr.options);
        assert_eq!(h.payload.slice().len(), pkt.payload_len as usize);
        assert_eq!(
            t.checksum,
            t.calc_checksum_ipv4(&ip, h.payload.slice()).unwrap()
        );
        assert_eq!(assert_checksums(&buf), Some(6));
    }
}

/// Echo request and reply parse back with type, identifier and sequence number, and a
/// valid ICMP checksum over header and zero payload.
#[test]
fn icmp_round_trip() {
    for msg in [
        IcmpRepr::EchoRequest { ident: 7, seq: 3 },
        IcmpRepr::EchoReply { ident: 7, seq: 3 },
    ] {
        let pkt = icmp(msg, 56);
        let buf = frame(&pkt);
        let h = PacketHeaders::from_ethernet_slice(&buf).expect("parses");
        let Some(TransportHeader::Icmpv4(i)) = h.transport else {
            panic!("expected ICMP, got {:?}", h.transport)
        };
        let echo = IcmpEchoHeader { id: 7, seq: 3 };
        let expected = match msg {
            IcmpRepr::EchoRequest { .. } => Icmpv4Type::EchoRequest(echo),
            IcmpRepr::EchoReply { .. } => Icmpv4Type::EchoReply(echo),
        };
        assert_eq!(i.icmp_type, expected);
        assert_eq!(i.checksum, expected.calc_checksum(h.payload.slice()));
        assert_eq!(h.payload.slice().len(), 56);
        assert_eq!(assert_checksums(&buf), Some(1));
    }
}

/// ARP request and reply are 42-byte frames (no padding) that parse back field by field.
#[test]
fn arp_round_trip() {
    for op in [ArpOp::Request, ArpOp::Reply] {
        let pkt = arp(op);
        let buf = frame(&pkt);
        assert_eq!(buf.len(), 42);
        assert_eq!(&buf[12..14], &[0x08, 0x06]);
        let h = PacketHeaders::from_ethernet_slice(&buf).expect("parses");
        let Some(NetHeaders::Arp(a)) = &h.net else {
            panic!("expected ARP, got {:?}", h.net)
        };
        let a = a.try_eth_ipv4().expect("Ethernet/IPv4 ARP");
        let want = match op {
            ArpOp::Request => ArpOperation::REQUEST,
            ArpOp::Reply => ArpOperation::REPLY,
        };
        assert_eq!(a.operation, want);
        assert_eq!(a.sender_mac, MacAddr::from_index(1).0);
        assert_eq!(a.sender_ipv4, A.octets());
        assert_eq!(a.target_mac, [0; 6]);
        assert_eq!(a.target_ipv4, B.octets());
        assert_eq!(assert_checksums(&buf), None);
    }
}

/// A SYN with MSS 1460, window scale 7 and timestamps carries exactly Linux's option
/// bytes: MSS, NOP, NOP, TS, NOP, WS (20 bytes, data offset 10).
#[test]
fn syn_option_bytes() {
    let buf = frame(&tcp(TcpFlags::SYN, syn_options(), 0));
    let seg = &buf[34..];
    assert_eq!(seg[12] >> 4, 10, "data offset in 32-bit words");
    #[rustfmt::skip]
    let expected: [u8; 20] = [
        2, 4, 0x05, 0xb4,                   // MSS 1460
        1, 1, 8, 10,                        // NOP NOP TS
        0x0a, 0x0b, 0x0c, 0x0d, 0, 0, 0, 0, // TSval TSecr
        1, 3, 3, 7,                         // NOP WS 7
    ];
    assert_eq!(&seg[20..], &expected[..]);

    // With SACK-permitted it takes the NOPs' place ahead of the timestamps.
    let all = TcpOptions {
        sack: SackOption::PERMITTED,
        ..syn_options()
    };
    let buf = frame(&tcp(TcpFlags::SYN, all, 0));
    assert_eq!(&buf[54..58], &[2, 4, 0x05, 0xb4]);
    assert_eq!(&buf[58..62], &[4, 2, 8, 10]);
    assert_eq!(&buf[70..74], &[1, 3, 3, 7]);
}

/// SACK blocks (RFC 2018 §3) follow the timestamps behind two NOPs, as Linux writes them:
/// `1 1 5 (2 + 8n)` then each block's left and right edge; tshark reads the same blocks back
/// in `tests/pcap_tshark.rs`. The header length is `TcpOptions::len()` (12 + 4 + 8·3 = 40).
#[test]
fn sack_blocks_bytes() {
    let mut arena = SackArena::new();
    let blocks = SackBlocks::from_slice(&[
        (SeqNum(0x0102_0304), SeqNum(0x0102_0a04)),
        (SeqNum(7), SeqNum(9)),
        (SeqNum(100), SeqNum(200)),
    ]);
    let o = TcpOptions {
        timestamps: Some((5, 6)),
        sack: arena.intern(blocks.as_slice()),
        ..TcpOptions::default()
    };
    assert_eq!(o.len(), 40, "timestamps + three blocks fill the 40 bytes");
    let pkt = tcp(TcpFlags::ACK, o, 0);
    let mut buf = Vec::new();
    let n = pkt.emit_with(0, &mut buf, &arena);
    assert_eq!(n, pkt.frame_len(), "frame length");
    let opts = &buf[14 + 20 + 20..];
    #[rustfmt::skip]
    let expected: [u8; 40] = [
        1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6, // NOP NOP TS
        1, 1, 5, 26,                         // NOP NOP SACK, 2 + 3·8 bytes
        1, 2, 3, 4, 1, 2, 10, 4,             // first block
        0, 0, 0, 7, 0, 0, 0, 9,
        0, 0, 0, 100, 0, 0, 0, 200,
    ];
    assert_eq!(opts, &expected[..], "option bytes");
    assert_checksums(&buf);
    // Without the arena the blocks are zeros but the length is unchanged.
    let mut bare = Vec::new();
    assert_eq!(pkt.emit(0, &mut bare), n, "same length without the arena");
    assert_eq!(&bare[14 + 20 + 20 + 16..], &[0u8; 24][..], "zero blocks");
}

/// For all 16 combinations of the four options the encoded length is exactly
/// `TcpOptions::len()`, so the header agrees with `frame_len`.
#[test]
fn option_lengths_match_repr() {
    for bits in 0..16u8 {
        let o = TcpOptions {
            mss: NonZeroU16::new(if bits & 1 != 0 { 1460 } else { 0 }),
            window_scale: (bits & 2 != 0).then_some(9),
            timestamps: (bits & 4 != 0).then_some((1, 2)),
            sack: if bits & 8 != 0 {
                SackOption::PERMITTED
            } else {
                SackOption::NONE
            },
        };
        let pkt = tcp(TcpFlags::SYN, o, 0);
        let buf = frame(&pkt);
        assert_eq!(
            usize::from(buf[14 + 20 + 12] >> 4) * 4,
            20 + o.len(),
            "{o:?}"
        );
        assert_checksums(&buf);
    }
}

/// Truncation keeps `snaplen` bytes (even inside the headers) but still returns the
/// original frame length; snaplen 0 or ≥ the frame keeps everything.
#[test]
fn truncation_keeps_orig_len() {
    let pkt = udp(1000, None);
    let whole = frame(&pkt);
    let mut buf = vec![0xaa; 3]; // stale content must be cleared
    for (snaplen, kept) in [(64, 64), (5, 5), (0, 1042), (1042, 1042), (9000, 1042)] {
        let n = pkt.emit(snaplen, &mut buf);
        assert_eq!(n, 1042, "original length for snaplen {snaplen}");
        assert_eq!(buf.len(), kept, "captured length for snaplen {snaplen}");
        assert_eq!(&buf[..], &whole[..kept], "a prefix of the whole frame");
    }
}

fn any_tag() -> impl Strategy<Value = VlanTag> {
    (any::<bool>(), 0u8..8, any::<bool>(), 0u16..4096).prop_map(|(s, pcp, dei, vid)| VlanTag {
        tpid: if s { Tpid::Dot1Ad } else { Tpid::Dot1Q },
        pcp,
        dei,
        vid,
    })
}

fn any_tunnel() -> impl Strategy<Value = Option<TunnelKind>> {
    prop_oneof![
        Just(None),
        Just(Some(TunnelKind::IpIp)),
        proptest::option::of(any::<u32>()).prop_map(|key| Some(TunnelKind::Gre { key })),
        (0u32..1 << 24).prop_map(|v| Some(TunnelKind::Vxlan {
            vni: Vni::new(v).unwrap()
        })),
    ]
}

fn any_packet() -> impl Strategy<Value = Packet> {
    let opts = (
        proptest::option::of(any::<u16>()),
        proptest::option::of(0u8..15),
        proptest::option::of(any::<(u32, u32)>()),
        any::<bool>(),
    )
        .prop_map(
            |(mss, window_scale, timestamps, sack_permitted)| TcpOptions {
                mss: mss.and_then(NonZeroU16::new),
                window_scale,
                timestamps,
                sack: if sack_permitted {
                    SackOption::PERMITTED
                } else {
                    SackOption::NONE
                },
            },
        );
    let l4 = prop_oneof![
        (any::<u16>(), any::<u16>()).prop_map(|(s, d)| L4::Udp(UdpRepr {
            src_port: s,
            dst_port: d
        })),
        (any::<u16>(), any::<u16>(), any::<bool>()).prop_map(|(ident, seq, req)| {
            L4::Icmp(if req {
                IcmpRepr::EchoRequest { ident, seq }
            } else {
                IcmpRepr::EchoReply { ident, seq }
            })
        }),
        (any::<(u16, u16, u32, u32, u8, u16)>(), opts).prop_map(|(f, options)| {
            L4::Tcp(TcpRepr {
                src_port: f.0,
                dst_port: f.1,
                seq: SeqNum(f.2),
                ack: SeqNum(f.3),
                flags: TcpFlags(f.4 & 0x1f),
                window: f.5,
                options,
            })
        }),
    ];
    (
        l4,
        any::<[u8; 4]>(),
        any::<[u8; 4]>(),
        any::<(u8, u16, u8)>(),
        0u32..3000,
        proptest::collection::vec(any_tag(), 0..=2),
        (any_tunnel(), any::<bool>()),
    )
        .prop_map(
            |(l4, src, dst, (ttl, ident, tos), payload_len, tags, (tunnel, df))| {
                let protocol = match l4 {
                    L4::Udp(_) => IpProtocol::Udp,
                    L4::Tcp(_) => IpProtocol::Tcp,
                    _ => IpProtocol::Icmp,
                };
                let mut pkt = Packet {
                    eth: eth(EtherType::Ipv4, None),
                    l3: L3::Ipv4(Ipv4Repr {
                        src: src.into(),
                        dst: dst.into(),
                        protocol,
                        ttl,
                        ident,
                        tos,
                        dont_fragment: df,
                    }),
                    l4,
                    payload_len,
                    encap: None,
                    meta: meta(),
                };
                for t in tags.into_iter().rev() {
                    pkt.eth.vlan.push(t).unwrap();
                }
                if let Some(kind) = tunnel {
                    pkt.encapsulate(kind, B, A).unwrap();
                }
                pkt
            },
        )
}

proptest! {
    /// For any IPv4 packet, with up to two VLAN tags and any tunnel: the frame is exactly
    /// `frame_len` bytes, every checksum and length verifies by hand through every layer, the
    /// innermost payload is `payload_len` bytes, and (without a tunnel) etherparse decodes the
    /// headers back.
    #[test]
    fn any_packet_serialises_consistently(pkt in any_packet()) {
        let buf = frame(&pkt);
        let inner = check_l2(&buf);
        let proto = pkt.ipv4().map(|ip| ip.protocol.number());
        prop_assert_eq!(inner.map(|i| i.0), proto);
        prop_assert_eq!(inner.map(|i| i.1), Some(pkt.payload_len as usize));
        if pkt.encap.is_none() {
            let h = PacketHeaders::from_ethernet_slice(&buf).expect("parses");
            prop_assert_eq!(h.payload.slice().len(), pkt.payload_len as usize);
        }
    }
}
