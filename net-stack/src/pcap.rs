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
//! Wireshark without "bad checksum" or "malformed" warnings. Header bytes and checksums come
//! from `etherparse`; the hot path reuses one frame buffer per tap and one shared static zero
//! buffer, and allocates nothing per packet.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use etherparse::{
    ArpEthIpv4Packet, ArpOperation, Ethernet2Header, IcmpEchoHeader, Icmpv4Header, Icmpv4Type,
    IpDscp, IpEcn, IpNumber, Ipv4Header, SingleVlanHeader, TcpHeader, TcpOptionElement,
    UdpHeader, VlanId, VlanPcp,
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
            buf: Vec::with_capacity(if snaplen == 0 { 2048 } else { snaplen.min(2048) }),
            packets: 0,
        })
    }

    /// Records `pkt` as seen at `time`. The timestamp is `time` truncated to whole
    /// nanoseconds; the original length is the frame length, the captured length
    /// `min(snaplen, frame length)`.
    ///
    /// Fails with the file system's error, or `InvalidInput` for a time at or past 2³² s
    /// (the pcap seconds field is 32 bits).
    pub fn write(&mut self, time: SimTime, pkt: &Packet) -> io::Result<()> {
        let orig_len = serialize_frame(pkt, self.snaplen, &mut self.buf);
        let ns = time.as_ps() / 1_000;
        let ts_sec = u32::try_from(ns / 1_000_000_000).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("time {time} does not fit the 32-bit pcap seconds field"),
            )
        })?;
        let ts_nsec = (ns % 1_000_000_000) as u32;
        let mut rec = [0u8; 16];
        rec[0..4].copy_from_slice(&ts_sec.to_le_bytes());
        rec[4..8].copy_from_slice(&ts_nsec.to_le_bytes());
        rec[8..12].copy_from_slice(&(self.buf.len() as u32).to_le_bytes());
        rec[12..16].copy_from_slice(&(orig_len as u32).to_le_bytes());
        self.out.write_all(&rec)?;
        self.out.write_all(&self.buf)?;
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

/// pcap-file wraps I/O errors; unwrap them, and report anything else as invalid input.
fn pcap_to_io(e: PcapError) -> io::Error {
    match e {
        PcapError::IoError(e) => e,
        other => io::Error::new(io::ErrorKind::InvalidInput, other),
    }
}
