//! The pcap tap: turns header structs back into Ethernet frame bytes and writes them to a
//! libpcap file that Wireshark and tshark read.
//!
//! Packets travel through the simulation as [`Packet`]s — header structs plus a payload
//! *length* (see [`crate::wire`]). Bytes exist only here, where someone looks:
//!
//! ```text
//! device tx/rx ──► PcapTap::write(now, &pkt)
//!                    └─ serialize_frame: Ethernet [+ 802.1Q] + IPv4 + UDP/TCP/ICMP | ARP
//!                       + zero-filled payload, truncated to snaplen
//!                    └─ pcap record (nanosecond timestamps, LINKTYPE_ETHERNET)
//!                       ──► BufWriter<File>  (results/pcap/<node>-<port>.pcap)
//! ```
//!
//! Lengths and checksums are correct for the zero-filled payload, so a capture opens in
//! Wireshark without "bad checksum" or "malformed" warnings. (One caveat is Wireshark's, not
//! ours: a heuristic dissector may claim a zero UDP payload on a port with no registered
//! dissector — TAPA does for 4 bytes — and call it malformed; "Decode As… data" or
//! `--disable-heuristic` silences it.) Header bytes and checksums come
//! from `etherparse`; the hot path reuses one frame buffer per tap and one shared static zero
//! buffer, and allocates nothing per packet.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use etherparse::{
    ArpEthIpv4Packet, ArpOperation, Ethernet2Header, IcmpEchoHeader, Icmpv4Header, Icmpv4Type,
    IpDscp, IpEcn, IpNumber, Ipv4Header, SingleVlanHeader, TcpHeader, TcpOptionElement, UdpHeader,
    VlanId, VlanPcp,
};
use pcap_file::pcap::PcapHeader;
use pcap_file::{DataLink, Endianness, PcapError, TsResolution};
use sim_core::SimTime;

use crate::wire::{ArpOp, EthernetRepr, IcmpRepr, Ipv4Repr, L3, L4, Packet, TcpOptions, TcpRepr};

/// Largest IPv4 payload: a 16-bit total length minus the 20-byte header.
const MAX_IPV4_PAYLOAD: usize = u16::MAX as usize - 20;

/// Zero bytes standing in for every packet's payload: checksums are computed over this slice
/// and the tap copies from nowhere (the frame buffer is zero-extended instead).
static ZEROS: [u8; MAX_IPV4_PAYLOAD] = [0; MAX_IPV4_PAYLOAD];

/// The snaplen written in the file header when the tap keeps whole frames: libpcap's
/// `MAXIMUM_SNAPLEN`, larger than any IPv4 frame (65,535 + 18 bytes).
pub const WHOLE_FRAME_SNAPLEN: u32 = 262_144;

/// Writes the Ethernet frame of `pkt` into `buf` (cleared first) and returns the frame length
/// before truncation, which always equals [`Packet::frame_len`].
///
/// The frame is Ethernet II (with an 802.1Q tag if `pkt.eth.vlan` is set, PCP 0), then either
/// a 28-byte ARP packet or a 20-byte IPv4 header followed by the UDP, TCP or ICMP header and
/// `payload_len` zero bytes. IPv4 total length, UDP length and every checksum are computed
/// over that zero-filled payload. No FCS and no padding to the 60-byte Ethernet minimum:
/// the bytes are what a sending host's capture shows.
///
/// Only the first `snaplen` bytes are kept; `snaplen == 0` keeps the whole frame (the pcap
/// convention).
///
/// # Panics
///
/// If the IPv4 payload exceeds 65,515 bytes or the VLAN id exceeds 4095: the stack never
/// builds such packets, so this is an internal invariant, not an input error.
pub fn serialize_frame(pkt: &Packet, snaplen: usize, buf: &mut Vec<u8>) -> usize {
    buf.clear();
    let frame_len = pkt.frame_len();
    let keep = if snaplen == 0 {
        frame_len
    } else {
        snaplen.min(frame_len)
    };

    // The EtherType follows the L3 variant rather than `pkt.eth.ethertype`, so the bytes can
    // never announce one protocol and carry another.
    let ethertype = match pkt.l3 {
        L3::Ipv4(_) => etherparse::EtherType::IPV4,
        L3::Arp(_) => etherparse::EtherType::ARP,
    };
    emit_ethernet(&pkt.eth, ethertype, buf);
    match &pkt.l3 {
        L3::Arp(arp) => {
            let arp = ArpEthIpv4Packet {
                operation: match arp.op {
                    ArpOp::Request => ArpOperation::REQUEST,
                    ArpOp::Reply => ArpOperation::REPLY,
                },
                sender_mac: arp.sender_mac.0,
                sender_ipv4: arp.sender_ip.octets(),
                target_mac: arp.target_mac.0,
                target_ipv4: arp.target_ip.octets(),
            };
            buf.extend_from_slice(&arp.to_bytes());
        }
        L3::Ipv4(ip) => emit_ipv4(ip, &pkt.l4, pkt.payload_len as usize, buf),
    }
    // Headers are in; the payload is zeros. `resize` appends them up to the snap length, or
    // cuts the headers themselves when the snap length is shorter than they are.
    buf.resize(keep, 0);
    frame_len
}

/// Ethernet II header, plus an 802.1Q tag when the packet has a VLAN id.
fn emit_ethernet(eth: &EthernetRepr, payload_type: etherparse::EtherType, buf: &mut Vec<u8>) {
    let outer_type = if eth.vlan.is_some() {
        etherparse::EtherType::VLAN_TAGGED_FRAME
    } else {
        payload_type
    };
    let hdr = Ethernet2Header {
        destination: eth.dst.0,
        source: eth.src.0,
        ether_type: outer_type,
    };
    buf.extend_from_slice(&hdr.to_bytes());
    if let Some(vid) = eth.vlan {
        let tag = SingleVlanHeader {
            pcp: VlanPcp::ZERO,
            drop_eligible_indicator: false,
            vlan_id: VlanId::try_new(vid).expect("VLAN id must fit in 12 bits"),
            ether_type: payload_type,
        };
        buf.extend_from_slice(&tag.to_bytes());
    }
}

/// IPv4 header and the transport header, each with its checksum over the zero payload.
fn emit_ipv4(ip: &Ipv4Repr, l4: &L4, payload_len: usize, buf: &mut Vec<u8>) {
    let ip_payload_len = l4.header_len() + payload_len;
    assert!(
        ip_payload_len <= MAX_IPV4_PAYLOAD,
        "IPv4 payload of {ip_payload_len} bytes exceeds the 16-bit total length"
    );
    let zeros = &ZEROS[..payload_len];
    let mut hdr = Ipv4Header {
        dscp: IpDscp::try_new(ip.tos >> 2).expect("6-bit value"),
        ecn: IpEcn::try_new(ip.tos & 0b11).expect("2-bit value"),
        total_len: (20 + ip_payload_len) as u16,
        identification: ip.ident,
        dont_fragment: false,
        more_fragments: false,
        fragment_offset: Default::default(),
        time_to_live: ip.ttl,
        protocol: IpNumber(ip.protocol.number()),
        header_checksum: 0,
        source: ip.src.octets(),
        destination: ip.dst.octets(),
        options: Default::default(),
    };
    hdr.header_checksum = hdr.calc_header_checksum();
    buf.extend_from_slice(&hdr.to_bytes());

    match l4 {
        L4::Udp(udp) => {
            let udp = UdpHeader::with_ipv4_checksum(udp.src_port, udp.dst_port, &hdr, zeros)
                .expect("length checked above");
            buf.extend_from_slice(&udp.to_bytes());
        }
        L4::Tcp(tcp) => {
            let mut th = tcp_header(tcp);
            th.checksum = th
                .calc_checksum_ipv4(&hdr, zeros)
                .expect("length checked above");
            buf.extend_from_slice(&th.to_bytes());
        }
        L4::Icmp(icmp) => {
            let icmp_type = match *icmp {
                IcmpRepr::EchoRequest { ident, seq } => {
                    Icmpv4Type::EchoRequest(IcmpEchoHeader { id: ident, seq })
                }
                IcmpRepr::EchoReply { ident, seq } => {
                    Icmpv4Type::EchoReply(IcmpEchoHeader { id: ident, seq })
                }
            };
            buf.extend_from_slice(&Icmpv4Header::with_checksum(icmp_type, zeros).to_bytes());
        }
        L4::None => {}
    }
}

/// The etherparse TCP header for `tcp`, checksum not yet set.
fn tcp_header(tcp: &TcpRepr) -> TcpHeader {
    let f = tcp.flags.0;
    let mut th = TcpHeader::new(tcp.src_port, tcp.dst_port, tcp.seq.0, tcp.window);
    th.acknowledgment_number = tcp.ack.0;
    th.fin = f & 0x01 != 0;
    th.syn = f & 0x02 != 0;
    th.rst = f & 0x04 != 0;
    th.psh = f & 0x08 != 0;
    th.ack = f & 0x10 != 0;
    th.urg = f & 0x20 != 0;
    th.ece = f & 0x40 != 0;
    th.cwr = f & 0x80 != 0;
    let mut elems = [const { TcpOptionElement::Noop }; 6];
    let n = tcp_option_elements(&tcp.options, &mut elems);
    th.set_options(&elems[..n])
        .expect("at most 20 option bytes");
    debug_assert_eq!(th.options.len(), tcp.options.len());
    th
}

/// Lays the options out as Linux does (`tcp_options_write`): MSS; then SACK-permitted and
/// timestamps together (`4,2,8,10,…`), or timestamps alone behind two NOPs, or
/// SACK-permitted alone behind two NOPs; then window scale behind one NOP. Every group is a
/// whole 32-bit word, so the total equals [`TcpOptions::len`] (raw length rounded up to 4).
/// Returns how many entries of `out` are used.
fn tcp_option_elements(o: &TcpOptions, out: &mut [TcpOptionElement; 6]) -> usize {
    use TcpOptionElement::*;
    let mut n = 0;
    let mut push = |e: TcpOptionElement| {
        out[n] = e;
        n += 1;
    };
    if let Some(mss) = o.mss {
        push(MaximumSegmentSize(mss));
    }
    match (o.sack_permitted, o.timestamps) {
        (true, Some((val, ecr))) => {
            push(SelectiveAcknowledgementPermitted);
            push(Timestamp(val, ecr));
        }
        (false, Some((val, ecr))) => {
            push(Noop);
            push(Noop);
            push(Timestamp(val, ecr));
        }
        (true, None) => {
            push(Noop);
            push(Noop);
            push(SelectiveAcknowledgementPermitted);
        }
        (false, None) => {}
    }
    if let Some(shift) = o.window_scale {
        push(Noop);
        push(WindowScale(shift));
    }
    n
}

/// A pcap file of one traced device: Ethernet link type, nanosecond timestamps (magic
/// `0xa1b23c4d`, little-endian), frames truncated to a snap length.
///
/// Writes go through a `BufWriter`; call [`PcapTap::finish`] to flush and see any error
/// (dropping the tap flushes too, but silently).
///
/// The file header comes from `pcap-file`'s [`PcapHeader`]. The 16-byte record headers are
/// written here rather than through `pcap_file::pcap::PcapWriter`, because that writer (2.0)
/// owns its output and offers no `flush` or `get_mut`, so a tap could not flush mid-run; the
/// record layout is the fixed libpcap one (`ts_sec`, `ts_nsec`, `incl_len`, `orig_len`,
/// each u32 in the file's byte order), and the tests read our files back with `pcap-file`'s
/// reader and with tshark.
#[derive(Debug)]
pub struct PcapTap {
    out: BufWriter<File>,
    /// Bytes kept per frame; 0 = whole frame.
    snaplen: usize,
    /// The frame buffer, reused for every packet.
    buf: Vec<u8>,
    packets: u64,
}

impl PcapTap {
    /// Creates (or truncates) the file at `path` and writes the pcap file header.
    ///
    /// `snaplen` is the number of bytes kept per frame; 0 keeps whole frames. Errors are the
    /// file system's; the caller reports them with the path.
    pub fn create(path: impl AsRef<Path>, snaplen: usize) -> io::Result<Self> {
        let mut out = BufWriter::new(File::create(path)?);
        let header = PcapHeader {
            version_major: 2,
            version_minor: 4,
            ts_correction: 0,
            ts_accuracy: 0,
            snaplen: if snaplen == 0 {
                WHOLE_FRAME_SNAPLEN
            } else {
                u32::try_from(snaplen).unwrap_or(u32::MAX)
            },
            datalink: DataLink::ETHERNET,
            ts_resolution: TsResolution::NanoSecond,
            // Fixed, not native, so a run gives the same bytes on every machine.
            endianness: Endianness::Little,
        };
        header.write_to(&mut out).map_err(pcap_to_io)?;
        Ok(PcapTap {
            out,
            snaplen,
            buf: Vec::with_capacity(if snaplen == 0 {
                2048
            } else {
                snaplen.min(2048)
            }),
            packets: 0,
        })
    }

    /// Records `pkt` as seen at `time`. The timestamp is `time` truncated to whole
    /// nanoseconds; the original length is the frame length, the captured length
    /// `min(snaplen, frame length)`.
    ///
    /// Fails only with the file system's error.
    pub fn write(&mut self, time: SimTime, pkt: &Packet) -> io::Result<()> {
        let orig_len = serialize_frame(pkt, self.snaplen, &mut self.buf);
        write_record(&mut self.out, time, &self.buf, orig_len)?;
        self.packets += 1;
        Ok(())
    }

    /// Records an already serialised Ethernet frame as seen at `time`, for callers that
    /// build their own bytes (the OpenFlow control-channel capture). Timestamp, snap length
    /// and lengths follow the same rules as [`PcapTap::write`]: the original length is
    /// `frame.len()`, the captured bytes its first `min(snaplen, len)`.
    ///
    /// Fails only with the file system's error.
    pub fn write_raw(&mut self, time: SimTime, frame: &[u8]) -> io::Result<()> {
        let keep = if self.snaplen == 0 {
            frame.len()
        } else {
            self.snaplen.min(frame.len())
        };
        write_record(&mut self.out, time, &frame[..keep], frame.len())?;
        self.packets += 1;
        Ok(())
    }

    /// Pushes buffered records to the file.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Flushes and closes the file; returns the number of packets written.
    pub fn finish(mut self) -> io::Result<u64> {
        self.out.flush()?;
        Ok(self.packets)
    }

    /// Packets written so far.
    pub fn packets_written(&self) -> u64 {
        self.packets
    }

    /// Bytes kept per frame; 0 means whole frames.
    pub fn snaplen(&self) -> usize {
        self.snaplen
    }
}

/// One pcap record: the 16-byte header (`ts_sec`, `ts_nsec`, `incl_len`, `orig_len`, each
/// u32 little-endian) and the captured bytes. The timestamp is `time` truncated to whole
/// nanoseconds.
fn write_record(
    out: &mut BufWriter<File>,
    time: SimTime,
    data: &[u8],
    orig_len: usize,
) -> io::Result<()> {
    let ns = time.as_ps() / 1_000;
    // u64 picoseconds end at about 1.8e7 s, far below the 2³² s of the seconds field.
    let ts_sec = (ns / 1_000_000_000) as u32;
    let ts_nsec = (ns % 1_000_000_000) as u32;
    let mut rec = [0u8; 16];
    rec[0..4].copy_from_slice(&ts_sec.to_le_bytes());
    rec[4..8].copy_from_slice(&ts_nsec.to_le_bytes());
    rec[8..12].copy_from_slice(&(data.len() as u32).to_le_bytes());
    rec[12..16].copy_from_slice(&(orig_len as u32).to_le_bytes());
    out.write_all(&rec)?;
    out.write_all(data)
}

/// pcap-file wraps I/O errors; unwrap them, and report anything else as invalid input.
fn pcap_to_io(e: PcapError) -> io::Error {
    match e {
        PcapError::IoError(e) => e,
        other => io::Error::new(io::ErrorKind::InvalidInput, other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{
        ArpRepr, EtherType, IcmpRepr, IpProtocol, Ipv4Addr, MacAddr, PacketMeta, SeqNum, TcpFlags,
        UdpRepr,
    };
    use etherparse::{LinkExtHeader, NetHeaders, PacketHeaders, TransportHeader};
    use proptest::prelude::*;

    const A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
    const B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

    fn meta() -> PacketMeta {
        PacketMeta {
            uid: 0,
            flow: 0,
            created: SimTime::ZERO,
        }
    }

    fn eth(ethertype: EtherType, vlan: Option<u16>) -> EthernetRepr {
        EthernetRepr {
            dst: MacAddr::from_index(2),
            src: MacAddr::from_index(1),
            vlan,
            ethertype,
        }
    }

    fn ipv4(protocol: IpProtocol, ident: u16) -> Ipv4Repr {
        Ipv4Repr {
            src: A,
            dst: B,
            protocol,
            ttl: 64,
            ident,
            tos: 0,
        }
    }

    fn udp(payload_len: u32, vlan: Option<u16>) -> Packet {
        Packet {
            eth: eth(EtherType::Ipv4, vlan),
            l3: L3::Ipv4(ipv4(IpProtocol::Udp, 0x1234)),
            l4: L4::Udp(UdpRepr {
                src_port: 5000,
                dst_port: 9,
            }),
            payload_len,
            meta: meta(),
        }
    }

    fn icmp(msg: IcmpRepr, payload_len: u32) -> Packet {
        Packet {
            eth: eth(EtherType::Ipv4, None),
            l3: L3::Ipv4(ipv4(IpProtocol::Icmp, 1)),
            l4: L4::Icmp(msg),
            payload_len,
            meta: meta(),
        }
    }

    fn tcp(flags: TcpFlags, options: TcpOptions, payload_len: u32) -> Packet {
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
            meta: meta(),
        }
    }

    fn arp(op: ArpOp) -> Packet {
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
            meta: meta(),
        }
    }

    fn syn_options() -> TcpOptions {
        TcpOptions {
            mss: Some(1460),
            window_scale: Some(7),
            timestamps: Some((0x0a0b_0c0d, 0)),
            sack_permitted: false,
        }
    }

    fn frame(pkt: &Packet) -> Vec<u8> {
        let mut buf = Vec::new();
        let n = serialize_frame(pkt, 0, &mut buf);
        assert_eq!(n, pkt.frame_len(), "returned length is the frame length");
        assert_eq!(buf.len(), n, "snaplen 0 keeps the whole frame");
        buf
    }

    /// One's-complement sum of 16-bit big-endian words, folded, not inverted (RFC 1071).
    fn ones_sum(chunks: &[&[u8]]) -> u16 {
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
    /// (with pseudo-header for UDP/TCP) including its checksum field must fold to 0xffff.
    /// Returns the IP protocol number checked, or `None` for a non-IPv4 frame.
    fn assert_checksums(frame: &[u8]) -> Option<u8> {
        let mut l2 = 14;
        let mut ethertype = u16::from_be_bytes([frame[12], frame[13]]);
        if ethertype == 0x8100 {
            ethertype = u16::from_be_bytes([frame[16], frame[17]]);
            l2 = 18;
        }
        if ethertype != 0x0800 {
            return None;
        }
        let ip = &frame[l2..l2 + 20];
        assert_eq!(ones_sum(&[ip]), 0xffff, "IPv4 header checksum");
        let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
        assert_eq!(
            total,
            frame.len() - l2,
            "IPv4 total length covers the frame"
        );
        let seg = &frame[l2 + 20..l2 + total];
        let proto = ip[9];
        match proto {
            6 | 17 => {
                let seg_len = (seg.len() as u16).to_be_bytes();
                let pseudo = [&ip[12..20], &[0, proto], &seg_len[..], seg];
                assert_eq!(ones_sum(&pseudo), 0xffff, "checksum of protocol {proto}");
                if proto == 17 {
                    assert_eq!(&seg[4..6], &seg_len[..], "UDP length");
                }
            }
            1 => assert_eq!(ones_sum(&[seg]), 0xffff, "ICMP checksum"),
            other => panic!("unexpected protocol {other}"),
        }
        Some(proto)
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
                    TcpOptionElement::MaximumSegmentSize(m) => parsed.mss = Some(m),
                    TcpOptionElement::WindowScale(w) => parsed.window_scale = Some(w),
                    TcpOptionElement::Timestamp(v, e) => parsed.timestamps = Some((v, e)),
                    TcpOptionElement::SelectiveAcknowledgementPermitted => {
                        parsed.sack_permitted = true
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
            sack_permitted: true,
            ..syn_options()
        };
        let buf = frame(&tcp(TcpFlags::SYN, all, 0));
        assert_eq!(&buf[54..58], &[2, 4, 0x05, 0xb4]);
        assert_eq!(&buf[58..62], &[4, 2, 8, 10]);
        assert_eq!(&buf[70..74], &[1, 3, 3, 7]);
    }

    /// For all 16 combinations of the four options the encoded length is exactly
    /// `TcpOptions::len()`, so the header agrees with `frame_len`.
    #[test]
    fn option_lengths_match_repr() {
        for bits in 0..16u8 {
            let o = TcpOptions {
                mss: (bits & 1 != 0).then_some(1460),
                window_scale: (bits & 2 != 0).then_some(9),
                timestamps: (bits & 4 != 0).then_some((1, 2)),
                sack_permitted: bits & 8 != 0,
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
            let n = serialize_frame(&pkt, snaplen, &mut buf);
            assert_eq!(n, 1042, "original length for snaplen {snaplen}");
            assert_eq!(buf.len(), kept, "captured length for snaplen {snaplen}");
            assert_eq!(&buf[..], &whole[..kept], "a prefix of the whole frame");
        }
    }

    /// A small UDP frame matches bytes computed independently of etherparse (RFC 1071 sums
    /// worked out by hand and in a script; the bytes, fed through text2pcap, read in tshark
    /// 4.0.17 with "Good" IP and UDP checksums; the same frame is in `tests/pcap_tshark.rs`).
    #[test]
    fn udp_byte_exact() {
        #[rustfmt::skip]
        let expected: [u8; 46] = [
            0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
            0x45, 0x00, 0x00, 0x20, 0x12, 0x34, 0x00, 0x00, 0x40, 0x11, 0x54, 0x97,
            0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
            0x13, 0x88, 0x00, 0x09, 0x00, 0x0c, 0xd8, 0x42,
            0x00, 0x00, 0x00, 0x00,
        ];
        assert_eq!(frame(&udp(4, None)), expected);
    }

    /// An ICMP echo request (id 0x1c46, seq 1, 8 payload bytes) matches bytes computed
    /// independently of etherparse (checksums by hand and in a script; tshark 4.0.17 reads
    /// them via text2pcap as an echo request with "Good" IP and ICMP checksums).
    #[test]
    fn icmp_echo_byte_exact() {
        #[rustfmt::skip]
        let expected: [u8; 50] = [
            0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
            0x45, 0x00, 0x00, 0x24, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0x66, 0xd6,
            0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
            0x08, 0x00, 0xdb, 0xb8, 0x1c, 0x46, 0x00, 0x01,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        let pkt = icmp(
            IcmpRepr::EchoRequest {
                ident: 0x1c46,
                seq: 1,
            },
            8,
        );
        assert_eq!(frame(&pkt), expected);
    }

    fn temp_path(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("netsim-pcap-{}-{name}.pcap", std::process::id()))
    }

    /// The file header says nanosecond resolution (magic 0xa1b23c4d), Ethernet and the
    /// snaplen; records carry the time truncated to ns, orig_len = frame length and
    /// incl_len = min(snaplen, frame); the packet count is right.
    #[test]
    fn tap_writes_ns_records() {
        let path = temp_path("unit");
        let mut tap = PcapTap::create(&path, 64).expect("create");
        let times = [
            SimTime::from_ps(1_000_000_123_999), // 1.000000123999 s → 1.000000123 s
            SimTime::from_secs(2),
        ];
        tap.write(times[0], &udp(1000, None)).expect("write");
        tap.write(times[1], &arp(ArpOp::Request)).expect("write");
        assert_eq!(tap.packets_written(), 2);
        assert_eq!(tap.finish().expect("finish"), 2);

        let bytes = std::fs::read(&path).expect("read back");
        std::fs::remove_file(&path).ok();
        assert_eq!(&bytes[..4], &0xa1b2_3c4du32.to_le_bytes(), "ns magic");
        let mut reader = pcap_file::pcap::PcapReader::new(&bytes[..]).expect("pcap header");
        let header = reader.header();
        assert_eq!(header.ts_resolution, TsResolution::NanoSecond);
        assert_eq!(header.datalink, DataLink::ETHERNET);
        assert_eq!(header.snaplen, 64);
        // Raw records: pcap-file 2.0's checked reader rejects orig_len > snaplen, which is
        // exactly what a truncated capture has.
        let r = reader.next_raw_packet().expect("one").expect("valid");
        assert_eq!((r.ts_sec, r.ts_frac), (1, 123));
        assert_eq!((r.incl_len, r.orig_len), (64, 1042));
        assert_eq!(r.data.len(), 64);
        let r = reader.next_raw_packet().expect("two").expect("valid");
        assert_eq!((r.ts_sec, r.ts_frac), (2, 0));
        assert_eq!((r.incl_len, r.orig_len), (42, 42));
        assert!(reader.next_raw_packet().is_none(), "exactly two records");
    }

    /// `write_raw` of a frame's bytes gives the same file as `write` of the packet, whole or
    /// truncated to the snap length.
    #[test]
    fn write_raw_matches_write() {
        for snaplen in [0, 64] {
            let (a, b) = (temp_path("raw-a"), temp_path("raw-b"));
            let pkts = [udp(1000, None), arp(ArpOp::Reply)];
            let t = SimTime::from_ps(3_000_000_456_789);
            let mut ta = PcapTap::create(&a, snaplen).expect("create");
            let mut tb = PcapTap::create(&b, snaplen).expect("create");
            let mut full = Vec::new();
            for p in &pkts {
                ta.write(t, p).expect("write");
                serialize_frame(p, 0, &mut full);
                tb.write_raw(t, &full).expect("write_raw");
            }
            assert_eq!(tb.packets_written(), 2);
            assert_eq!((ta.finish().unwrap(), tb.finish().unwrap()), (2, 2));
            let (ba, bb) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
            std::fs::remove_file(&a).ok();
            std::fs::remove_file(&b).ok();
            assert_eq!(ba, bb, "snaplen {snaplen}: identical files");
        }
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
                    mss,
                    window_scale,
                    timestamps,
                    sack_permitted,
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
            proptest::option::of(0u16..4096),
        )
            .prop_map(|(l4, src, dst, (ttl, ident, tos), payload_len, vlan)| {
                let protocol = match l4 {
                    L4::Udp(_) => IpProtocol::Udp,
                    L4::Tcp(_) => IpProtocol::Tcp,
                    _ => IpProtocol::Icmp,
                };
                Packet {
                    eth: eth(EtherType::Ipv4, vlan),
                    l3: L3::Ipv4(Ipv4Repr {
                        src: src.into(),
                        dst: dst.into(),
                        protocol,
                        ttl,
                        ident,
                        tos,
                    }),
                    l4,
                    payload_len,
                    meta: meta(),
                }
            })
    }

    proptest! {
        /// For any IPv4 packet: the frame is exactly `frame_len` bytes, every checksum
        /// verifies by hand, and etherparse decodes the headers back.
        #[test]
        fn any_packet_serialises_consistently(pkt in any_packet()) {
            let buf = frame(&pkt);
            let proto = assert_checksums(&buf);
            prop_assert_eq!(proto, pkt.ipv4().map(|ip| ip.protocol.number()));
            let h = PacketHeaders::from_ethernet_slice(&buf).expect("parses");
            prop_assert_eq!(h.payload.slice().len(), pkt.payload_len as usize);
        }
    }
}
