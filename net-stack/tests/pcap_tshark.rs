//! Reads a pcap written by [`net_stack::pcap::PcapTap`] with tshark, the reference dissector:
//! every packet present, none malformed, no bad checksums, the expected protocol stacks, and
//! nanosecond timestamps. tshark must be installed: the tests fail, not skip, without it.

use std::process::Command;

use net_stack::pcap::PcapTap;
use net_stack::wire::{
    ArpOp, ArpRepr, EtherType, EthernetRepr, IcmpRepr, IpProtocol, Ipv4Addr, Ipv4Repr, L3, L4,
    MacAddr, Packet, PacketMeta, SackArena, SackBlock, SackOption, SeqNum, TcpFlags, TcpOptions,
    TcpRepr, Tpid, Tunnel, TunnelKind, UdpRepr, VlanStack, VlanTag, Vni,
};
use sim_core::SimTime;
use tempfile::TempPath;

const A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

/// A packet with VLAN tags `tags` (outermost first).
fn tagged(l3: L3, l4: L4, payload_len: u32, tags: &[VlanTag]) -> Packet {
    let mut p = packet(l3, l4, payload_len, None);
    for t in tags.iter().rev() {
        p.eth.vlan.push(*t).expect("at most two tags");
    }
    p
}

/// `inner` wrapped in a tunnel from 192.168.1.1 to 192.168.2.2.
fn tunnelled(mut inner: Packet, kind: TunnelKind) -> Packet {
    let (c, d) = (Ipv4Addr::new(192, 168, 1, 1), Ipv4Addr::new(192, 168, 2, 2));
    inner.encapsulate(kind, c, d).expect("encapsulates");
    inner
}

fn packet(l3: L3, l4: L4, payload_len: u32, vlan: Option<u16>) -> Packet {
    let (ethertype, dst) = match l3 {
        L3::Ipv4(_) => (EtherType::Ipv4, MacAddr::from_index(2)),
        L3::Arp(_) => (EtherType::Arp, MacAddr::BROADCAST),
    };
    Packet {
        eth: EthernetRepr {
            dst,
            src: MacAddr::from_index(1),
            vlan: vlan.map_or(VlanStack::EMPTY, |v| VlanStack::single(VlanTag::dot1q(v))),
            ethertype,
        },
        l3,
        l4,
        payload_len,
        encap: None,
        meta: PacketMeta {
            uid: 0,
            flow: 0,
            created: SimTime::ZERO,
        },
    }
}

fn ip(protocol: IpProtocol, ident: u16) -> L3 {
    L3::Ipv4(Ipv4Repr {
        src: A,
        dst: B,
        protocol,
        ttl: 64,
        ident,
        tos: 0,
        dont_fragment: false,
    })
}

/// `l3` with DF set and TOS 0xb8 (DSCP EF), which a tunnel copies outward (RFC 2003 §3.1).
fn df_ef(mut l3: L3) -> L3 {
    if let L3::Ipv4(ip) = &mut l3 {
        ip.dont_fragment = true;
        ip.tos = 0xb8;
    }
    l3
}

fn tcp(seq: u32, ack: u32, flags: TcpFlags, options: TcpOptions) -> L4 {
    L4::Tcp(TcpRepr {
        src_port: 40000,
        dst_port: 5001,
        seq: SeqNum(seq),
        ack: SeqNum(ack),
        flags,
        window: 64240,
        options,
    })
}

/// The packets of the capture, with the `frame.protocols` tshark should report for each.
fn capture() -> Vec<(Packet, &'static str)> {
    let ts = TcpOptions {
        timestamps: Some((1000, 2000)),
        ..Default::default()
    };
    let syn = TcpOptions {
        mss: std::num::NonZeroU16::new(1460),
        window_scale: Some(7),
        timestamps: Some((1000, 0)),
        sack: SackOption::PERMITTED,
    };
    let echo = |req: bool| {
        let (ident, seq) = (0x1c46, 1);
        L4::Icmp(if req {
            IcmpRepr::EchoRequest { ident, seq }
        } else {
            IcmpRepr::EchoReply { ident, seq }
        })
    };
    let arp = |op| {
        L3::Arp(ArpRepr {
            op,
            sender_mac: MacAddr::from_index(1),
            sender_ip: A,
            target_mac: MacAddr([0; 6]),
            target_ip: B,
        })
    };
    let udp = L4::Udp(UdpRepr {
        src_port: 5000,
        dst_port: 9, // discard; decoded as plain data (see `tshark_reads_our_pcap`)
    });
    vec![
        (
            packet(arp(ArpOp::Request), L4::None, 0, None),
            "eth:ethertype:arp",
        ),
        (
            packet(arp(ArpOp::Reply), L4::None, 0, None),
            "eth:ethertype:arp",
        ),
        (
            packet(ip(IpProtocol::Udp, 1), udp, 100, None),
            "eth:ethertype:ip:udp:data",
        ),
        // The frame of the byte-exact vector in `pcap.rs`'s unit tests.
        (
            packet(ip(IpProtocol::Udp, 0x1234), udp, 4, None),
            "eth:ethertype:ip:udp:data",
        ),
        (
            packet(ip(IpProtocol::Udp, 2), udp, 0, Some(42)),
            "eth:ethertype:vlan:ethertype:ip:udp",
        ),
        (
            tagged(
                ip(IpProtocol::Udp, 8),
                udp,
                10,
                &[
                    VlanTag {
                        tpid: Tpid::Dot1Ad,
                        pcp: 3,
                        dei: false,
                        vid: 200,
                    },
                    VlanTag::dot1q(10),
                ],
            ),
            "eth:ethertype:ieee8021ad:ethertype:vlan:ethertype:ip:udp:data",
        ),
        (
            packet(ip(IpProtocol::Icmp, 3), echo(true), 56, None),
            "eth:ethertype:ip:icmp:data",
        ),
        (
            packet(ip(IpProtocol::Icmp, 4), echo(false), 56, None),
            "eth:ethertype:ip:icmp:data",
        ),
        (
            packet(
                ip(IpProtocol::Tcp, 5),
                tcp(100, 0, TcpFlags::SYN, syn),
                0,
                None,
            ),
            "eth:ethertype:ip:tcp",
        ),
        (
            packet(
                ip(IpProtocol::Tcp, 6),
                tcp(101, 1, TcpFlags::ACK | TcpFlags::PSH, ts),
                1448,
                None,
            ),
            "eth:ethertype:ip:tcp:data",
        ),
        (
            packet(
                ip(IpProtocol::Tcp, 7),
                tcp(1, 1549, TcpFlags::ACK, ts),
                0,
                None,
            ),
            "eth:ethertype:ip:tcp",
        ),
        (
            tunnelled(
                packet(df_ef(ip(IpProtocol::Udp, 9)), udp, 20, None),
                TunnelKind::IpIp,
            ),
            "eth:ethertype:ip:ip:udp:data",
        ),
        (
            tunnelled(
                packet(
                    ip(IpProtocol::Tcp, 10),
                    // The next segment of the stream above (not a retransmission of it).
                    tcp(1549, 1, TcpFlags::ACK, ts),
                    100,
                    None,
                ),
                TunnelKind::Gre { key: None },
            ),
            "eth:ethertype:ip:gre:ip:tcp:data",
        ),
        (
            tunnelled(
                packet(ip(IpProtocol::Udp, 11), udp, 20, Some(7)),
                TunnelKind::Gre {
                    key: Some(0xdead_beef),
                },
            ),
            "eth:ethertype:vlan:ethertype:ip:gre:ip:udp:data",
        ),
        (
            tunnelled(
                packet(ip(IpProtocol::Udp, 12), udp, 20, None),
                TunnelKind::Vxlan {
                    vni: Vni::new(0x12_3456).unwrap(),
                },
            ),
            "eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:udp:data",
        ),
        (
            tunnelled(
                packet(arp(ArpOp::Request), L4::None, 0, None),
                TunnelKind::Vxlan {
                    vni: Vni::new(5000).unwrap(),
                },
            ),
            "eth:ethertype:ip:udp:vxlan:eth:ethertype:arp",
        ),
    ]
}

/// Runs tshark and returns its standard output. Fails — never skips — when tshark is missing:
/// CI installs it, so a silent pass here would hide a broken capture format.
fn tshark(args: &[&str]) -> String {
    let out = Command::new("tshark")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `tshark` ({e}). This test needs Wireshark's tshark on PATH \
             (CI installs it): apt-get install -y tshark"
            )
        });
    assert!(
        out.status.success(),
        "tshark {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("tshark prints UTF-8")
}

/// Values as tshark lists every occurrence of a field: comma-separated.
fn join<T: ToString>(v: impl Iterator<Item = T>) -> String {
    v.map(|x| x.to_string()).collect::<Vec<_>>().join(",")
}

/// A fresh file `netsim-pcap-<name>-*.pcap` in the temporary directory, removed when the
/// returned path is dropped (also when an assertion fails).
fn temp_pcap(name: &str) -> TempPath {
    tempfile::Builder::new()
        .prefix(&format!("netsim-pcap-{name}-"))
        .suffix(".pcap")
        .tempfile()
        .expect("create a temporary pcap")
        .into_temp_path()
}

/// Writes `packets` at 1.000000123 s, 2.000000123 s, … and returns the path.
fn write_capture(name: &str, snaplen: usize, packets: &[(Packet, &str)]) -> TempPath {
    let path = temp_pcap(name);
    let mut tap = PcapTap::create(&path, snaplen).expect("create pcap");
    for (i, (pkt, _)) in packets.iter().enumerate() {
        let t = SimTime::from_ps(1_000_000_123_000 + i as u64 * 1_000_000_000_000);
        tap.write(t, pkt).expect("write");
    }
    assert_eq!(tap.finish().expect("finish"), packets.len() as u64);
    path
}

/// Expert-info severities as tshark prints them (epan/proto.h): chat 0x00200000, note
/// 0x00400000, warning 0x00600000, error 0x00800000.
const PI_WARN: u32 = 0x0060_0000;

/// tshark (with IP/UDP/TCP checksum validation switched on; ICMP is always validated) reads
/// every packet of a capture holding ARP, UDP (plain and VLAN-tagged), ICMP echo
/// request/reply and a TCP SYN/data/ACK; none is malformed or carries a warning or error;
/// every checksum is "Good"; each frame's protocol stack, lengths and SYN options are what we
/// wrote; and timestamps keep their nanoseconds (1.000000123 s reads back as such).
#[test]
fn tshark_reads_our_pcap() {
    let packets = capture();
    let path = write_capture("tshark", 0, &packets);
    let file = path.to_str().expect("UTF-8 temp path");
    let fields = [
        "frame.number",
        "frame.time_epoch",
        "frame.len",
        "frame.cap_len",
        "frame.protocols",
        "_ws.malformed",
        "_ws.expert.severity",
        "ip.checksum.status",
        "udp.checksum.status",
        "tcp.checksum.status",
        "icmp.checksum.status",
        "tcp.options.mss_val",
        "tcp.options.wscale.shift",
        "tcp.options.sack_perm",
        "tcp.options.timestamp.tsval",
        "vlan.id",
        "eth.type",
        "vlan.etype",
        "ip.proto",
        "gre.key",
        "vxlan.vni",
        "ip.flags.df",
        "ip.ttl",
        "ip.dsfield",
        "ieee8021ad.id",
        "ieee8021ad.priority",
        "vlan.priority",
    ];
    #[rustfmt::skip]
    let mut args = vec![
        "-r", file,
        "-o", "ip.check_checksum:TRUE",
        "-o", "udp.check_checksum:TRUE",
        "-o", "tcp.check_checksum:TRUE",
        // Zero payloads tempt heuristic dissectors (TAPA claims a 4-byte zero UDP payload
        // and calls it malformed); pin the port to plain data so the test judges our bytes.
        "-d", "udp.port==9,data",
        "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,",
    ];
    for field in fields {
        args.extend(["-e", field]);
    }
    let out = tshark(&args);

    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        packets.len(),
        "tshark read every packet:\n{out}"
    );
    for (i, (line, (pkt, protocols))) in lines.iter().zip(&packets).enumerate() {
        let f: Vec<&str> = line.split('|').collect();
        assert_eq!(f.len(), fields.len(), "field count in {line:?}");
        let n = i + 1;
        assert_eq!(f[0], n.to_string(), "frame number");
        assert_eq!(
            f[1],
            format!("{n}.000000123"),
            "nanosecond timestamp of frame {n}"
        );
        assert_eq!(f[2], pkt.frame_len().to_string(), "frame.len of frame {n}");
        assert_eq!(f[3], f[2], "whole frame captured, frame {n}");
        assert_eq!(f[4], *protocols, "frame {n}: protocol stack");
        assert_eq!(f[5], "", "frame {n} is malformed: {line}");
        for sev in f[6].split(',').filter(|s| !s.is_empty()) {
            let sev: u32 = sev.parse().expect("numeric severity");
            assert!(
                sev < PI_WARN,
                "frame {n} has expert info at severity {sev:#x}: {line}"
            );
        }
        // Checksum status 1 = Good (0 Bad, 2 Unverified, 3 Not present): one per header, in
        // the order they appear; VXLAN's outer UDP checksum is zero (RFC 7348 §5).
        let ip_headers = usize::from(pkt.encap.is_some()) + usize::from(pkt.ipv4().is_some());
        let vxlan = matches!(pkt.encap.map(|e| e.tunnel), Some(Tunnel::Vxlan(_)));
        let inner_udp = matches!(pkt.l4, L4::Udp(_));
        let udp_status = match (vxlan, inner_udp) {
            (true, true) => "3,1",
            (true, false) => "3",
            (false, true) => "1",
            (false, false) => "",
        };
        assert_eq!(
            f[7],
            vec!["1"; ip_headers].join(","),
            "frame {n}: IPv4 checksums"
        );
        assert_eq!(f[8], udp_status, "frame {n}: UDP checksums");
        let good = |field: &str, expect: bool, what: &str| {
            let want = if expect { "1" } else { "" };
            assert_eq!(field, want, "frame {n}: {what} checksum status: {line}");
        };
        good(f[9], matches!(pkt.l4, L4::Tcp(_)), "TCP");
        good(f[10], matches!(pkt.l4, L4::Icmp(_)), "ICMP");
        check_headers(pkt, &f[15..], n);
        if let L4::Tcp(t) = pkt.l4 {
            let opt = |v: Option<String>| v.unwrap_or_default();
            assert_eq!(
                f[11],
                opt(t.options.mss_value().map(|m| m.to_string())),
                "MSS, frame {n}"
            );
            assert_eq!(
                f[12],
                opt(t.options.window_scale.map(|w| w.to_string())),
                "WS, frame {n}"
            );
            assert_eq!(
                f[13].is_empty(),
                !t.options.sack.is_permitted(),
                "SACK-permitted, frame {n}"
            );
            assert_eq!(
                f[14],
                opt(t.options.timestamps.map(|(v, _)| v.to_string())),
                "TSval, frame {n}"
            );
        }
    }
}

/// Checks the tag and tunnel fields tshark decoded (from `vlan.id` on, in the order of the
/// field list) against the packet: tags with their TPIDs, VIDs and PCPs and the EtherType
/// after each; every IPv4 header's protocol, DF, TTL and DS field (outer before inner); the
/// GRE key and the VXLAN VNI.
fn check_headers(pkt: &Packet, f: &[&str], n: usize) {
    let tags: Vec<VlanTag> = pkt.eth.vlan.iter().collect();
    let payload_type = match (pkt.encap, pkt.l3) {
        (None, L3::Arp(_)) => 0x0806,
        _ => 0x0800,
    };
    let hex = |v: u16| format!("{v:#06x}");
    let c_tags = || {
        tags.iter()
            .enumerate()
            .filter(|(_, t)| t.tpid == Tpid::Dot1Q)
    };
    let s_tags = || tags.iter().filter(|t| t.tpid == Tpid::Dot1Ad);
    assert_eq!(
        f[0],
        join(c_tags().map(|(_, t)| t.vid)),
        "frame {n}: vlan.id"
    );
    let mut eth_types = vec![hex(tags.first().map_or(payload_type, |t| t.tpid.value()))];
    let after = |i: usize| tags.get(i + 1).map_or(payload_type, |t| t.tpid.value());
    // (protocol, DF, TTL, TOS) of each IPv4 header, outer first.
    let mut ips: Vec<(u8, bool, u8, u8)> = Vec::new();
    let (mut gre_key, mut vni) = (String::new(), String::new());
    if let Some(e) = pkt.encap {
        let o = e.outer;
        ips.push((e.tunnel.protocol().number(), o.dont_fragment, o.ttl, o.tos));
        match e.tunnel {
            Tunnel::Gre { key, .. } => {
                gre_key = key.map_or(String::new(), |k| format!("{:#010x}", k.get()))
            }
            Tunnel::Vxlan(v) => {
                vni = v.vni.get().to_string();
                eth_types.push(hex(match pkt.l3 {
                    L3::Ipv4(_) => 0x0800,
                    L3::Arp(_) => 0x0806,
                }));
            }
            Tunnel::IpIp { .. } => {}
        }
    }
    ips.extend(
        pkt.ipv4()
            .map(|ip| (ip.protocol.number(), ip.dont_fragment, ip.ttl, ip.tos)),
    );
    assert_eq!(f[1], eth_types.join(","), "frame {n}: eth.type");
    assert_eq!(
        f[2],
        join(c_tags().map(|(i, _)| hex(after(i)))),
        "frame {n}: vlan.etype"
    );
    assert_eq!(f[3], join(ips.iter().map(|ip| ip.0)), "frame {n}: ip.proto");
    assert_eq!(f[4], gre_key, "frame {n}: gre.key");
    assert_eq!(f[5], vni, "frame {n}: vxlan.vni");
    let df = ips.iter().map(|ip| u8::from(ip.1));
    assert_eq!(f[6], join(df), "frame {n}: ip.flags.df");
    assert_eq!(f[7], join(ips.iter().map(|ip| ip.2)), "frame {n}: ip.ttl");
    let ds = ips.iter().map(|ip| format!("{:#04x}", ip.3));
    assert_eq!(f[8], join(ds), "frame {n}: ip.dsfield");
    assert_eq!(
        f[9],
        join(s_tags().map(|t| t.vid)),
        "frame {n}: ieee8021ad.id"
    );
    assert_eq!(
        f[10],
        join(s_tags().map(|t| t.pcp)),
        "frame {n}: ieee8021ad.priority"
    );
    assert_eq!(
        f[11],
        join(c_tags().map(|(_, t)| t.pcp)),
        "frame {n}: vlan.priority"
    );
}

/// With a 64-byte snaplen tshark sees each frame's original length but only 64 captured
/// bytes (fewer for shorter frames).
#[test]
fn tshark_sees_truncated_frames_with_orig_len() {
    let packets = capture();
    let path = write_capture("snap", 64, &packets);
    let file = path.to_str().expect("UTF-8 temp path");
    let out = tshark(&[
        "-r",
        file,
        "-T",
        "fields",
        "-e",
        "frame.len",
        "-e",
        "frame.cap_len",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        packets.len(),
        "tshark read every packet:\n{out}"
    );
    for (line, (pkt, _)) in lines.iter().zip(&packets) {
        let len = pkt.frame_len();
        assert_eq!(
            *line,
            format!("{len}\t{}", len.min(64)),
            "orig/captured length"
        );
    }
}

/// SACK blocks (RFC 2018 §3) as tshark reads them: an ACK with timestamps and three blocks
/// (the 40-byte maximum) and one without timestamps and four; every edge reads back in
/// absolute sequence numbers, in our order, with no malformed frame and no warning; the
/// first block of the second frame lies below its ACK, which tshark flags as a D-SACK
/// (RFC 2883).
#[test]
fn tshark_reads_sack_blocks() {
    let mut arena = SackArena::new();
    let b = |l: u32, r: u32| -> SackBlock { (SeqNum(l), SeqNum(r)) };
    let three = [b(5000, 6000), b(3000, 4000), b(7000, 8000)];
    let four = [b(500, 1000), b(3000, 4000), b(5000, 6000), b(7000, 8000)];
    let ts = TcpOptions {
        timestamps: Some((1000, 2000)),
        sack: arena.intern(&three),
        ..Default::default()
    };
    let plain = TcpOptions {
        sack: arena.intern(&four),
        ..Default::default()
    };
    let frames = [
        packet(
            ip(IpProtocol::Tcp, 1),
            tcp(1, 2000, TcpFlags::ACK, ts),
            0,
            None,
        ),
        packet(
            ip(IpProtocol::Tcp, 2),
            tcp(1, 2000, TcpFlags::ACK, plain),
            0,
            None,
        ),
    ];
    let path = temp_pcap("tshark-sack");
    let mut tap = PcapTap::create(&path, 0).expect("create pcap");
    for (i, p) in frames.iter().enumerate() {
        tap.write_with(SimTime::from_secs(i as u64 + 1), p, &arena)
            .expect("write");
    }
    tap.finish().expect("finish");
    let out = tshark(&[
        "-r",
        path.to_str().expect("UTF-8 temp path"),
        "-o",
        "tcp.relative_sequence_numbers:FALSE",
        "-o",
        "tcp.analyze_sequence_numbers:TRUE",
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-e",
        "tcp.options.sack.count",
        "-e",
        "tcp.options.sack_le",
        "-e",
        "tcp.options.sack_re",
        "-e",
        "_ws.malformed",
        "-e",
        "tcp.analysis.duplicate_ack",
        "-e",
        "tcp.options.sack.dsack",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "two frames: {out}");
    let edges =
        |bl: &[SackBlock], left: bool| join(bl.iter().map(|&(l, r)| if left { l.0 } else { r.0 }));
    for (line, bl) in lines.iter().zip([&three[..], &four[..]]) {
        let f: Vec<&str> = line.split('|').collect();
        assert_eq!(f[0], bl.len().to_string(), "block count: {line}");
        assert_eq!(f[1], edges(bl, true), "left edges: {line}");
        assert_eq!(f[2], edges(bl, false), "right edges: {line}");
        assert_eq!(f[3], "", "not malformed: {line}");
    }
    assert!(
        !lines[1].split('|').nth(5).unwrap_or("").is_empty(),
        "D-SACK flagged: {}",
        lines[1]
    );
}
