//! Frame bytes: [`Packet::emit`] turns header structs back into the Ethernet frame a capture
//! shows — the only place netsim makes packet bytes.
//!
//! ```text
//! Ethernet (dst, src, [TPID TCI]×tags, type)
//!   [ outer IPv4 ─ IP-in-IP: nothing | GRE: flags, 0x0800 [, key] | UDP 4789, VXLAN, inner Ethernet ]
//!   IPv4 + UDP/TCP/ICMP + zero payload  |  ARP (28 bytes)
//! ```
//!
//! Lengths and checksums are correct for the zero-filled payload, so a capture opens in
//! Wireshark without "bad checksum" or "malformed" warnings. Header bytes and the inner
//! checksums come from `etherparse`; GRE and VXLAN (which etherparse does not write) are laid
//! out here. A VXLAN packet's outer UDP checksum is zero, as RFC 7348 §5 says it SHOULD be. The
//! hot path reuses the caller's buffer and one static zero buffer, and allocates nothing per
//! packet.

use etherparse::{
    ArpEthIpv4Packet, ArpOperation, Ethernet2Header, IcmpEchoHeader, Icmpv4Header, Icmpv4Type,
    IpDscp, IpEcn, IpNumber, Ipv4Header, TcpHeader, TcpOptionElement, UdpHeader,
};

use super::{
    ArpOp, Encap, EthernetRepr, IcmpRepr, Ipv4Repr, L3, L4, Packet, SackArena, SackBlock,
    TcpOptions, TcpRepr, Tunnel, VXLAN_PORT,
};

/// Largest IPv4 payload: a 16-bit total length minus the 20-byte header.
const MAX_IPV4_PAYLOAD: usize = u16::MAX as usize - 20;

/// Zero bytes standing in for every packet's payload: checksums are computed over this slice
/// and the frame buffer is zero-extended instead of copied into.
static ZEROS: [u8; MAX_IPV4_PAYLOAD] = [0; MAX_IPV4_PAYLOAD];

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_ARP: u16 = 0x0806;

impl Packet {
    /// Writes the Ethernet frame of this packet into `buf` (cleared first), keeping only the
    /// first `snaplen` bytes (`0` keeps the whole frame, the pcap convention), and returns the
    /// frame length before truncation, which always equals [`Packet::frame_len`].
    ///
    /// The frame is Ethernet II with the VLAN tags outermost first (each with its own TPID,
    /// 0x8100 or 0x88a8, and PCP/DEI/VID), then the tunnel headers if any, then either a 28-byte
    /// ARP packet or an IPv4 header followed by the UDP, TCP or ICMP header and `payload_len`
    /// zero bytes. Every EtherType and IP protocol number follows the layers actually present,
    /// so the bytes can never announce one protocol and carry another. IPv4 total lengths, UDP
    /// lengths and every checksum are computed over the zero-filled payload. No FCS and no
    /// padding to the 60-byte Ethernet minimum: the bytes are what a sending host's capture
    /// shows.
    ///
    /// # Panics
    ///
    /// If an IPv4 payload exceeds 65,515 bytes: the stack never builds such packets, and
    /// [`Packet::encapsulate`] refuses to, so this is an internal invariant, not an input error.
    pub fn emit(&self, snaplen: usize, buf: &mut Vec<u8>) -> usize {
        self.emit_with(snaplen, buf, &SackArena::new())
    }

    /// [`Packet::emit`] with the SACK blocks of a TCP header looked up in `sack` (the
    /// network's [`SackArena`]). A block the arena does not hold is written as zeros, so the
    /// frame keeps the length the header announces.
    pub fn emit_with(&self, snaplen: usize, buf: &mut Vec<u8>, sack: &SackArena) -> usize {
        self.emit_payload(snaplen, buf, sack, None)
    }

    /// [`Packet::emit_with`] with the payload's real bytes when the packet carries some (a
    /// Mobile IP registration, [`crate::wire::mip`]); `payload` must be `payload_len` bytes
    /// long, and the transport checksum covers it.
    pub fn emit_payload(
        &self,
        snaplen: usize,
        buf: &mut Vec<u8>,
        sack: &SackArena,
        payload: Option<&[u8]>,
    ) -> usize {
        buf.clear();
        let frame_len = self.frame_len();
        let keep = if snaplen == 0 {
            frame_len
        } else {
            snaplen.min(frame_len)
        };
        let inner_type = match self.l3 {
            L3::Ipv4(_) => ETHERTYPE_IPV4,
            L3::Arp(_) => ETHERTYPE_ARP,
        };
        match &self.encap {
            None => emit_ethernet(&self.eth, inner_type, buf),
            Some(e) => {
                emit_ethernet(&self.eth, ETHERTYPE_IPV4, buf);
                let src_port = self.vxlan_src_port().unwrap_or(0);
                let ident = self.ipv4().map_or(0, |ip| ip.ident);
                let t = TunnelBytes {
                    inner_type,
                    inner_len: self.l3_len(),
                    src_port,
                    ident,
                };
                emit_tunnel(e, t, buf);
            }
        }
        match &self.l3 {
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
            L3::Ipv4(ip) => {
                let n = self.payload_len as usize;
                match payload.filter(|p| p.len() == n) {
                    Some(bytes) => {
                        emit_ipv4(ip, &self.l4, bytes, buf, sack);
                        buf.extend_from_slice(bytes);
                    }
                    None => emit_ipv4(ip, &self.l4, &ZEROS[..n], buf, sack),
                }
            }
        }
        // Headers (and a payload with bytes) are in; the rest is zeros. `resize` appends them
        // up to the snap length, or cuts the frame when the snap length is shorter.
        buf.resize(keep, 0);
        frame_len
    }
}

/// Ethernet II header: addresses, a TPID and TCI per VLAN tag (outermost first), then the
/// EtherType of what follows the tags.
fn emit_ethernet(eth: &EthernetRepr, payload_type: u16, buf: &mut Vec<u8>) {
    buf.extend_from_slice(&eth.dst.0);
    buf.extend_from_slice(&eth.src.0);
    for tag in eth.vlan.iter() {
        buf.extend_from_slice(&tag.tpid.value().to_be_bytes());
        buf.extend_from_slice(&tag.tci().to_be_bytes());
    }
    buf.extend_from_slice(&payload_type.to_be_bytes());
}

/// The 20-byte IPv4 header of `ip` carrying `payload_len` bytes, checksum set.
fn ipv4_header(ip: &Ipv4Repr, payload_len: usize) -> Ipv4Header {
    assert!(
        payload_len <= MAX_IPV4_PAYLOAD,
        "IPv4 payload of {payload_len} bytes exceeds the 16-bit total length"
    );
    let mut hdr = Ipv4Header {
        dscp: IpDscp::try_new(ip.tos >> 2).expect("6-bit value"),
        ecn: IpEcn::try_new(ip.tos & 0b11).expect("2-bit value"),
        total_len: (20 + payload_len) as u16,
        identification: ip.ident,
        dont_fragment: ip.dont_fragment,
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
    hdr
}

/// What the tunnel's bytes need from the rest of the packet.
struct TunnelBytes {
    /// EtherType of the inner L3 header (VXLAN's inner Ethernet).
    inner_type: u16,
    /// Bytes from the inner L3 header on.
    inner_len: usize,
    /// VXLAN's UDP source port.
    src_port: u16,
    /// The outer identification: the inner header's.
    ident: u16,
}

/// The outer IPv4 header and the tunnel's own headers, up to the inner L3 header.
fn emit_tunnel(e: &Encap, t: TunnelBytes, buf: &mut Vec<u8>) {
    let outer_payload = e.tunnel.overhead() - 20 + t.inner_len;
    let o = &e.outer;
    let outer = Ipv4Repr {
        src: o.src,
        dst: o.dst,
        protocol: e.tunnel.protocol(),
        ttl: o.ttl,
        ident: t.ident,
        tos: o.tos,
        dont_fragment: o.dont_fragment,
    };
    buf.extend_from_slice(&ipv4_header(&outer, outer_payload).to_bytes());
    let (inner_type, src_port) = (t.inner_type, t.src_port);
    match e.tunnel {
        // A trailer is the zeros after the inner packet: the caller's `resize` writes them.
        Tunnel::IpIp { .. } => {}
        Tunnel::Gre { key, .. } => {
            // RFC 2784 §2: C bit, reserved0 and version 0; RFC 2890 §2: K bit (0x2000) and
            // the key after the protocol type.
            let flags: u16 = if key.is_some() { 0x2000 } else { 0 };
            buf.extend_from_slice(&flags.to_be_bytes());
            buf.extend_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
            if let Some(k) = key {
                buf.extend_from_slice(&k.get().to_be_bytes());
            }
        }
        Tunnel::Vxlan(v) => {
            // UDP (checksum zero, RFC 7348 §5), then the VXLAN header: flags with only the I
            // bit, 24 reserved bits, the VNI, 8 reserved bits.
            let udp_len = outer_payload as u16;
            buf.extend_from_slice(&src_port.to_be_bytes());
            buf.extend_from_slice(&VXLAN_PORT.to_be_bytes());
            buf.extend_from_slice(&udp_len.to_be_bytes());
            buf.extend_from_slice(&[0, 0]);
            let vni = v.vni.get().to_be_bytes();
            buf.extend_from_slice(&[0x08, 0, 0, 0, vni[1], vni[2], vni[3], 0]);
            let inner = Ethernet2Header {
                destination: v.inner_dst.0,
                source: v.inner_src.0,
                ether_type: etherparse::EtherType(inner_type),
            };
            buf.extend_from_slice(&inner.to_bytes());
        }
    }
}

/// IPv4 header and the transport header, each with its checksum over `payload` (the
/// zero bytes, or a registration message's bytes).
fn emit_ipv4(ip: &Ipv4Repr, l4: &L4, payload: &[u8], buf: &mut Vec<u8>, sack: &SackArena) {
    let ip_payload_len = l4.header_len() + payload.len();
    let hdr = ipv4_header(ip, ip_payload_len);
    buf.extend_from_slice(&hdr.to_bytes());
    match l4 {
        L4::Udp(udp) => {
            let udp = UdpHeader::with_ipv4_checksum(udp.src_port, udp.dst_port, &hdr, payload)
                .expect("length checked above");
            buf.extend_from_slice(&udp.to_bytes());
        }
        L4::Tcp(tcp) => {
            let mut th = tcp_header(tcp, sack.get(tcp.options.sack));
            th.checksum = th
                .calc_checksum_ipv4(&hdr, payload)
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
            buf.extend_from_slice(&Icmpv4Header::with_checksum(icmp_type, payload).to_bytes());
        }
        L4::None => {}
    }
}

/// The etherparse TCP header for `tcp`, checksum not yet set.
fn tcp_header(tcp: &TcpRepr, blocks: &[SackBlock]) -> TcpHeader {
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
    let mut elems = [const { TcpOptionElement::Noop }; 12];
    let n = tcp_option_elements(&tcp.options, blocks, &mut elems);
    th.set_options(&elems[..n])
        .expect("at most 40 option bytes");
    debug_assert_eq!(th.options.len(), tcp.options.len());
    th
}

/// Lays the options out as Linux does (`tcp_options_write`): MSS; then SACK-permitted and
/// timestamps together (`4,2,8,10,…`), or timestamps alone behind two NOPs, or
/// SACK-permitted alone behind two NOPs; then window scale behind one NOP; then SACK blocks
/// behind two NOPs (`1,1,5,len,…`). Every group is a whole 32-bit word, so the total equals
/// [`TcpOptions::len`]. `blocks` are the SACK blocks the header's count announces (missing ones
/// are written as zeros). Returns how many entries of `out` are used.
fn tcp_option_elements(
    o: &TcpOptions,
    blocks: &[SackBlock],
    out: &mut [TcpOptionElement; 12],
) -> usize {
    use TcpOptionElement::*;
    let mut n = 0;
    let mut push = |e: TcpOptionElement| {
        out[n] = e;
        n += 1;
    };
    if let Some(mss) = o.mss {
        push(MaximumSegmentSize(mss.get()));
    }
    match (o.sack.is_permitted(), o.timestamps) {
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
    let count = o.sack.block_count();
    if count > 0 {
        let edge = |i: usize| {
            blocks
                .get(i)
                .map_or((0, 0), |&(l, r): &SackBlock| (l.0, r.0))
        };
        let mut rest = [None; 3];
        for (i, r) in rest.iter_mut().enumerate().take(count - 1) {
            *r = Some(edge(i + 1));
        }
        push(Noop);
        push(Noop);
        push(SelectiveAcknowledgement(edge(0), rest));
    }
    n
}

#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod vectors;
