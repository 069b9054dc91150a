//! The control-channel capture: `pcap/openflow.pcap`, every OpenFlow message between the
//! switches and the controller as Ethernet/IPv4/TCP on port 6653, so that Wireshark dissects
//! it as `openflow_v4`.
//!
//! The simulator's control channel carries [`Message`] values, not bytes and not TCP. This
//! capture invents the TCP connection a real deployment would use, one per switch, on a
//! management network of its own:
//!
//! ```text
//!   switch dpid d                                   controller
//!   192.168.x.y : 40000 + d mod 25536   ◄──TCP──►   192.168.0.1 : 6653
//!   02:ff:00:00:x:y                                 02:ff:00:00:00:01
//!   (x.y = host number h = 2 + (d − 1) mod 65533, so dpid 1 is 192.168.0.2)
//! ```
//!
//! A network with several controllers gives the first one (index 0) the addresses above and
//! controller `c ≥ 1` the address 192.168.255.(255 − c) and MAC 02:ff:00:00:ff:(255 − c)
//! ([`controller_ip`], [`controller_mac`]), at the top of the range, which switch numbers
//! reach only past 65,000 switches.
//!
//! The switch is the TCP client, as in OpenFlow. [`ChannelCapture::connect`] writes the
//! three-way handshake; [`ChannelCapture::message`] writes the message's bytes
//! ([`Message::encode`]) as one PSH|ACK segment, or as several of at most [`MSS`] bytes when
//! the message is larger (Wireshark reassembles them by the OpenFlow length field). Sequence
//! numbers advance by the bytes sent, every segment acknowledges everything the peer has sent,
//! and when unacknowledged data would fill the 65,535-byte window the receiver first sends a
//! pure ACK, as a real receiver would — so Wireshark's TCP analysis finds nothing to flag.
//! Checksums are correct (`etherparse`). Initial sequence numbers derive from the dpid; no
//! wall clock is read, so a run gives the same bytes every time.
//!
//! Timestamps are the simulated times passed in (nanosecond pcap), all segments of one call
//! at the same instant.

use std::collections::BTreeMap;
use std::io;
use std::net::Ipv4Addr;
use std::path::Path;

use etherparse::{EtherType, Ethernet2Header, IpNumber, Ipv4Header, TcpHeader, TcpOptionElement};
use net_stack::pcap::PcapTap;
use sim_core::SimTime;

use crate::Message;

/// The controller's TCP port: the IANA OpenFlow port, which Wireshark dissects as OpenFlow.
pub const OPENFLOW_PORT: u16 = 6653;
/// The controller's address on the management network.
pub const CONTROLLER_IP: Ipv4Addr = Ipv4Addr::new(192, 168, 0, 1);
/// The controller's MAC address (locally administered).
pub const CONTROLLER_MAC: [u8; 6] = [0x02, 0xff, 0, 0, 0, 0x01];
/// Largest TCP payload per segment: a 1500-byte Ethernet MTU minus 40 bytes of IPv4 and TCP
/// headers; also the MSS option both ends announce in the handshake.
pub const MSS: usize = 1460;
/// The receive window both ends advertise (no window scaling).
const WINDOW: u16 = u16::MAX;

const SYN: u8 = 0x02;
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;
const RST: u8 = 0x04;

/// Controller `c`'s address: [`CONTROLLER_IP`] for the first, 192.168.255.(255 − c) for the
/// others (`c` < 255).
pub fn controller_ip(c: u8) -> Ipv4Addr {
    match c {
        0 => CONTROLLER_IP,
        c => Ipv4Addr::new(192, 168, 255, 255 - c),
    }
}

/// Controller `c`'s MAC address: [`CONTROLLER_MAC`] for the first, 02:ff:00:00:ff:(255 − c)
/// for the others.
pub fn controller_mac(c: u8) -> [u8; 6] {
    match c {
        0 => CONTROLLER_MAC,
        c => [0x02, 0xff, 0, 0, 0xff, 255 - c],
    }
}

/// Host number of switch `dpid` on 192.168.0.0/16: `2 + (dpid − 1) mod 65533`, in 2..=65534,
/// so dpid 1 is .0.2 and no switch takes the controller's .0.1 or the broadcast address.
/// Datapath ids above 65533 wrap around (their source ports still tell them apart).
fn host_number(dpid: u64) -> u16 {
    (2 + dpid.wrapping_sub(1) % 65_533) as u16
}

/// Switch `dpid`'s IPv4 address: 192.168.x.y with x.y the host number (see the module doc).
pub fn switch_ip(dpid: u64) -> Ipv4Addr {
    let [x, y] = host_number(dpid).to_be_bytes();
    Ipv4Addr::new(192, 168, x, y)
}

/// Switch `dpid`'s MAC address, 02:ff:00:00:x:y with x.y as in [`switch_ip`].
pub fn switch_mac(dpid: u64) -> [u8; 6] {
    let [x, y] = host_number(dpid).to_be_bytes();
    [0x02, 0xff, 0, 0, x, y]
}

/// Switch `dpid`'s TCP source port: `40000 + dpid mod 25536` (40000..=65535).
pub fn switch_port(dpid: u64) -> u16 {
    (40_000 + dpid % 25_536) as u16
}

/// One direction of a connection.
#[derive(Clone, Copy, Debug)]
struct Half {
    /// Sequence number of the next byte this end sends.
    next_seq: u32,
    /// Highest acknowledgement the peer has sent for this end's bytes.
    acked: u32,
    /// IPv4 identification of this end's next datagram.
    ip_id: u16,
}

/// One switch's TCP connection to the controller.
#[derive(Clone, Copy, Debug)]
struct Conn {
    dpid: u64,
    /// The controller it connects to (index).
    ctl: u8,
    switch: Half,
    controller: Half,
}

impl Conn {
    /// The connection before the handshake, with initial sequence numbers derived from the
    /// dpid (a fixed mix, so different switches do not share sequence spaces) and moved on by
    /// each earlier connection of the same switch (`earlier`, after a failure), so that a
    /// reconnection reads as a new TCP stream, not as a retransmission of the first SYN.
    fn new(dpid: u64, ctl: u8, earlier: u32) -> Self {
        let h = (dpid ^ (dpid >> 32)) as u32;
        let isn_sw = (h.wrapping_mul(0x9e37_79b9) ^ 0x1000_0000)
            .wrapping_add(earlier.wrapping_mul(0x0400_0000));
        let isn_ctl = isn_sw.rotate_left(16) ^ 0x6000_0000;
        let half = |isn| Half {
            next_seq: isn,
            acked: isn,
            ip_id: 0,
        };
        Conn {
            dpid,
            ctl,
            switch: half(isn_sw),
            controller: half(isn_ctl),
        }
    }

    /// (sender, receiver) for a segment from the switch or the controller.
    fn ends(&mut self, from_switch: bool) -> (&mut Half, &mut Half) {
        if from_switch {
            (&mut self.switch, &mut self.controller)
        } else {
            (&mut self.controller, &mut self.switch)
        }
    }
}

/// Writes the OpenFlow control channel of a run as a pcap of TCP port 6653 conversations,
/// one per switch (see the module documentation for addresses and TCP behaviour).
#[derive(Debug)]
pub struct ChannelCapture {
    tap: PcapTap,
    /// Connections by dpid; a `BTreeMap` so nothing depends on hash order.
    conns: BTreeMap<u64, Conn>,
    /// Connections closed by [`ChannelCapture::disconnect`], by dpid.
    closed: BTreeMap<u64, u32>,
    messages: u64,
    /// Reused buffers: the encoded message and the frame under construction.
    msg_buf: Vec<u8>,
    frame: Vec<u8>,
}

impl ChannelCapture {
    /// Creates (or truncates) the pcap file at `path`, whole frames, nanosecond timestamps.
    /// Errors are the file system's.
    pub fn create(path: impl AsRef<Path>) -> io::Result<Self> {
        Ok(ChannelCapture {
            tap: PcapTap::create(path, 0)?,
            conns: BTreeMap::new(),
            closed: BTreeMap::new(),
            messages: 0,
            msg_buf: Vec::with_capacity(2048),
            frame: Vec::with_capacity(MSS + 64),
        })
    }

    /// Writes the TCP handshake (SYN, SYN-ACK, ACK, all at `now`) of switch `dpid`'s
    /// connection to the (first) controller. Does nothing if that connection is already open.
    pub fn connect(&mut self, now: SimTime, dpid: u64) -> io::Result<()> {
        self.connect_to(now, dpid, 0)
    }

    /// [`ChannelCapture::connect`] to controller `ctl` ([`controller_ip`]).
    pub fn connect_to(&mut self, now: SimTime, dpid: u64, ctl: u8) -> io::Result<()> {
        if self.conns.contains_key(&dpid) {
            return Ok(());
        }
        let earlier = self.closed.get(&dpid).copied().unwrap_or(0);
        let mut c = Conn::new(dpid, ctl, earlier);
        let mss = [TcpOptionElement::MaximumSegmentSize(MSS as u16)];
        // SYN and SYN-ACK each take one sequence number.
        let syn_seq = c.switch.next_seq;
        self.segment(now, &mut c, true, syn_seq, 0, SYN, &mss, &[])?;
        c.switch.next_seq = syn_seq.wrapping_add(1);
        let (ctl_seq, ctl_ack) = (c.controller.next_seq, c.switch.next_seq);
        self.segment(now, &mut c, false, ctl_seq, ctl_ack, SYN | ACK, &mss, &[])?;
        c.controller.next_seq = ctl_seq.wrapping_add(1);
        c.switch.acked = c.switch.next_seq;
        let (seq, ack) = (c.switch.next_seq, c.controller.next_seq);
        self.segment(now, &mut c, true, seq, ack, ACK, &[], &[])?;
        c.controller.acked = c.controller.next_seq;
        self.conns.insert(dpid, c);
        Ok(())
    }

    /// Switch `dpid` failed: writes the controller's RST|ACK closing its connection (as a
    /// controller whose peer vanished resets the connection) and forgets it, so that the
    /// switch's next connection starts with a fresh handshake. Does nothing if none is open.
    pub fn disconnect(&mut self, now: SimTime, dpid: u64) -> io::Result<()> {
        let Some(mut c) = self.conns.remove(&dpid) else {
            return Ok(());
        };
        *self.closed.entry(dpid).or_default() += 1;
        let (seq, ack) = (c.controller.next_seq, c.switch.next_seq);
        self.segment(now, &mut c, false, seq, ack, RST | ACK, &[], &[])
    }

    /// Writes `msg`, sent at `now` by switch `dpid` (`from_switch`) or by the controller to
    /// it, as TCP segments of at most [`MSS`] bytes: PSH on the last, ACK on all, sequence
    /// numbers advancing by the payload, acknowledgement = the peer's next sequence number.
    /// Opens the connection first (as [`ChannelCapture::connect`]) if it is not open.
    pub fn message(
        &mut self,
        now: SimTime,
        dpid: u64,
        from_switch: bool,
        msg: &Message,
    ) -> io::Result<()> {
        self.connect(now, dpid)?;
        let mut c = self.conns[&dpid];
        let mut bytes = std::mem::take(&mut self.msg_buf);
        bytes.clear();
        msg.encode(&mut bytes);
        let n_chunks = bytes.len().div_ceil(MSS);
        for (i, chunk) in bytes.chunks(MSS).enumerate() {
            let (tx, rx) = c.ends(from_switch);
            let in_flight = tx.next_seq.wrapping_sub(tx.acked) as usize;
            if in_flight + chunk.len() >= usize::from(WINDOW) {
                // The receiver acknowledges what it holds before the window fills.
                let (seq, ack) = (rx.next_seq, tx.next_seq);
                tx.acked = ack;
                self.segment(now, &mut c, !from_switch, seq, ack, ACK, &[], &[])?;
            }
            let (tx, rx) = c.ends(from_switch);
            let (seq, ack) = (tx.next_seq, rx.next_seq);
            tx.next_seq = seq.wrapping_add(chunk.len() as u32);
            // This segment acknowledges all the peer has sent.
            rx.acked = ack;
            let flags = if i + 1 == n_chunks { PSH | ACK } else { ACK };
            self.segment(now, &mut c, from_switch, seq, ack, flags, &[], chunk)?;
        }
        self.msg_buf = bytes;
        self.conns.insert(dpid, c);
        self.messages += 1;
        Ok(())
    }

    /// Builds and records one Ethernet/IPv4/TCP frame on `c`.
    #[allow(clippy::too_many_arguments)]
    fn segment(
        &mut self,
        now: SimTime,
        c: &mut Conn,
        from_switch: bool,
        seq: u32,
        ack: u32,
        flags: u8,
        options: &[TcpOptionElement],
        payload: &[u8],
    ) -> io::Result<()> {
        let (sw_ip, sw_mac, sw_port) = (switch_ip(c.dpid), switch_mac(c.dpid), switch_port(c.dpid));
        let ctl = (controller_ip(c.ctl), controller_mac(c.ctl), OPENFLOW_PORT);
        let ((src_ip, src_mac, sport), (dst_ip, dst_mac, dport)) = if from_switch {
            ((sw_ip, sw_mac, sw_port), ctl)
        } else {
            (ctl, (sw_ip, sw_mac, sw_port))
        };
        let (tx, _) = c.ends(from_switch);
        let ip_id = tx.ip_id;
        tx.ip_id = ip_id.wrapping_add(1);

        let mut tcp = TcpHeader::new(sport, dport, seq, WINDOW);
        tcp.acknowledgment_number = ack;
        tcp.syn = flags & SYN != 0;
        tcp.psh = flags & PSH != 0;
        tcp.ack = flags & ACK != 0;
        tcp.rst = flags & RST != 0;
        tcp.set_options(options).expect("an MSS option fits");
        let mut ip = Ipv4Header {
            total_len: (20 + tcp.header_len() + payload.len()) as u16,
            identification: ip_id,
            dont_fragment: true,
            time_to_live: 64,
            protocol: IpNumber::TCP,
            source: src_ip.octets(),
            destination: dst_ip.octets(),
            ..Ipv4Header::default()
        };
        ip.header_checksum = ip.calc_header_checksum();
        tcp.checksum = tcp
            .calc_checksum_ipv4(&ip, payload)
            .expect("a segment is far below 64 KiB");
        let eth = Ethernet2Header {
            destination: dst_mac,
            source: src_mac,
            ether_type: EtherType::IPV4,
        };

        self.frame.clear();
        self.frame.extend_from_slice(&eth.to_bytes());
        self.frame.extend_from_slice(&ip.to_bytes());
        self.frame.extend_from_slice(&tcp.to_bytes());
        self.frame.extend_from_slice(payload);
        self.tap.write_raw(now, &self.frame)
    }

    /// OpenFlow messages written so far.
    pub fn messages_written(&self) -> u64 {
        self.messages
    }

    /// Frames (TCP segments, handshakes and pure ACKs included) written so far.
    pub fn frames_written(&self) -> u64 {
        self.tap.packets_written()
    }

    /// Pushes buffered frames to the file.
    pub fn flush(&mut self) -> io::Result<()> {
        self.tap.flush()
    }

    /// Flushes and closes the file; returns the number of OpenFlow messages written.
    pub fn finish(self) -> io::Result<u64> {
        self.tap.finish()?;
        Ok(self.messages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MessageBody, MultipartReply, MultipartReplyBody, PortStats};
    use etherparse::{NetHeaders, PacketHeaders, TransportHeader};

    /// A port-stats reply of `n` entries: 16 + 112·n bytes.
    fn big_reply(xid: u32, n: u32) -> Message {
        let stats = (1..=n)
            .map(|port_no| PortStats {
                port_no,
                rx_packets: u64::from(port_no),
                ..PortStats::default()
            })
            .collect();
        Message::new(
            xid,
            MessageBody::MultipartReply(MultipartReply {
                flags: 0,
                body: MultipartReplyBody::PortStats(stats),
            }),
        )
    }

    /// Per connection and direction: the next expected sequence number and the bytes seen.
    #[derive(Default)]
    struct Dir {
        next: Option<u32>,
        bytes: Vec<u8>,
    }

    /// Reads `path` back and checks every frame: checksums, the handshake, sequence numbers
    /// continuous per direction, every ACK equal to the peer's next sequence number, in-flight
    /// data below the window. Returns, per (dpid, from_switch), the bytes carried, and the
    /// number of pure ACKs after handshakes.
    fn check_file(path: &Path) -> (BTreeMap<(u64, bool), Vec<u8>>, usize) {
        let bytes = std::fs::read(path).expect("read back");
        let mut reader = pcap_file::pcap::PcapReader::new(&bytes[..]).expect("pcap header");
        let mut dirs: BTreeMap<(u16, bool), Dir> = BTreeMap::new();
        let mut acked: BTreeMap<(u16, bool), u32> = BTreeMap::new();
        let mut pure_acks = 0;
        while let Some(pkt) = reader.next_packet() {
            let pkt = pkt.expect("valid record");
            assert_eq!(pkt.orig_len as usize, pkt.data.len(), "whole frames");
            let h = PacketHeaders::from_ethernet_slice(&pkt.data).expect("parses");
            let Some(NetHeaders::Ipv4(ip, _)) = h.net else {
                panic!("IPv4")
            };
            let Some(TransportHeader::Tcp(tcp)) = h.transport else {
                panic!("TCP")
            };
            let payload = h.payload.slice();
            assert_eq!(
                ip.header_checksum,
                ip.calc_header_checksum(),
                "IPv4 checksum"
            );
            assert_eq!(
                tcp.checksum,
                tcp.calc_checksum_ipv4(&ip, payload).unwrap(),
                "TCP checksum"
            );
            let from_switch = tcp.destination_port == OPENFLOW_PORT;
            let port = if from_switch {
                tcp.source_port
            } else {
                tcp.destination_port
            };
            let me = (port, from_switch);
            let peer = (port, !from_switch);
            if tcp.syn {
                assert!(payload.is_empty() && dirs.get(&me).is_none_or(|d| d.next.is_none()));
                if !from_switch {
                    assert!(tcp.ack, "SYN-ACK");
                    assert_eq!(Some(tcp.acknowledgment_number), dirs[&peer].next);
                }
                dirs.entry(me).or_default().next = Some(tcp.sequence_number.wrapping_add(1));
                continue;
            }
            assert!(tcp.ack, "every segment after the SYN acknowledges");
            let d = dirs.get_mut(&me).expect("handshake first");
            assert_eq!(
                Some(tcp.sequence_number),
                d.next,
                "{me:?}: sequence continuity"
            );
            d.next = Some(tcp.sequence_number.wrapping_add(payload.len() as u32));
            d.bytes.extend_from_slice(payload);
            let next = d.next.unwrap();
            assert_eq!(
                Some(tcp.acknowledgment_number),
                dirs[&peer].next,
                "{me:?}: ack = peer's next sequence number"
            );
            acked.insert(peer, tcp.acknowledgment_number);
            if payload.is_empty() && !dirs[&peer].bytes.is_empty() {
                pure_acks += 1;
            }
            let in_flight = next.wrapping_sub(*acked.get(&me).unwrap_or(&next));
            assert!(
                in_flight < u32::from(WINDOW),
                "{me:?}: {in_flight} bytes in flight"
            );
        }
        let by_dpid = dirs
            .into_iter()
            .map(|((port, sw), d)| ((u64::from(port - 40_000), sw), d.bytes))
            .collect();
        (by_dpid, pure_acks)
    }

    /// Two switches' interleaved conversations, with messages larger than one segment and a
    /// burst large enough to need window ACKs, read back consistently: the bytes of each
    /// direction decode to exactly the messages written, in order.
    #[test]
    fn sequence_and_ack_numbers_are_consistent() {
        let path =
            std::env::temp_dir().join(format!("openflow-capture-{}.pcap", std::process::id()));
        let mut cap = ChannelCapture::create(&path).expect("create");
        let mut sent: BTreeMap<(u64, bool), Vec<Message>> = BTreeMap::new();
        let mut send = |cap: &mut ChannelCapture, t: u64, dpid, sw, m: Message| {
            cap.message(SimTime::from_us(t), dpid, sw, &m)
                .expect("write");
            sent.entry((dpid, sw)).or_default().push(m);
        };
        cap.connect(SimTime::ZERO, 1).unwrap();
        cap.connect(SimTime::ZERO, 1).unwrap(); // already open: no second handshake
        assert_eq!(cap.frames_written(), 3);
        send(
            &mut cap,
            1,
            1,
            false,
            Message::new(1, MessageBody::FeaturesRequest),
        );
        // dpid 7 never called connect: message() opens it.
        send(
            &mut cap,
            2,
            7,
            true,
            Message::new(0, MessageBody::BarrierReply),
        );
        send(&mut cap, 3, 1, true, big_reply(1, 40));
        send(
            &mut cap,
            4,
            7,
            false,
            Message::new(9, MessageBody::EchoRequest(vec![1; 3000])),
        );
        for i in 0..30 {
            send(&mut cap, 5 + i, 1, true, big_reply(100 + i as u32, 80));
        }
        send(
            &mut cap,
            40,
            1,
            false,
            Message::new(2, MessageBody::BarrierRequest),
        );
        assert_eq!(cap.messages_written(), 35);
        assert_eq!(cap.finish().expect("finish"), 35);

        let (bytes, pure_acks) = check_file(&path);
        std::fs::remove_file(&path).ok();
        assert!(
            pure_acks > 0,
            "a 270 KB burst needs window ACKs from the controller"
        );
        assert_eq!(bytes.len(), 4, "two connections, two directions");
        for (key, msgs) in sent {
            let mut data = &bytes[&key][..];
            for m in msgs {
                let (got, used) = Message::decode(data).expect("decodes");
                assert_eq!(got, m, "{key:?}");
                data = &data[used..];
            }
            assert!(data.is_empty(), "{key:?}: no stray bytes");
        }
    }

    /// Addresses follow the documented plan, and the same calls give the same bytes.
    #[test]
    fn addresses_and_determinism() {
        assert_eq!(switch_ip(1), Ipv4Addr::new(192, 168, 0, 2));
        assert_eq!(switch_ip(255), Ipv4Addr::new(192, 168, 1, 0));
        assert_eq!(switch_ip(65_533), Ipv4Addr::new(192, 168, 255, 254));
        assert_eq!(switch_ip(65_534), switch_ip(1), "wraps");
        assert_ne!(switch_ip(0), CONTROLLER_IP);
        assert_eq!(switch_mac(258), [2, 0xff, 0, 0, 1, 3]);
        assert_eq!((switch_port(1), switch_port(25_535)), (40_001, 65_535));
        let run = |name: &str| {
            let p = std::env::temp_dir()
                .join(format!("openflow-det-{}-{name}.pcap", std::process::id()));
            let mut cap = ChannelCapture::create(&p).unwrap();
            cap.message(SimTime::from_ms(1), 3, true, &big_reply(5, 20))
                .unwrap();
            cap.finish().unwrap();
            let b = std::fs::read(&p).unwrap();
            std::fs::remove_file(&p).ok();
            b
        };
        assert_eq!(run("a"), run("b"));
    }
}
