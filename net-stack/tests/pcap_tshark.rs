//! Reads a pcap written by [`net_stack::pcap::PcapTap`] with tshark, the reference dissector:
//! every packet present, none malformed, no bad checksums, the expected protocol stacks, and
//! nanosecond timestamps. tshark must be installed: the tests fail, not skip, without it.

use std::path::PathBuf;
use std::process::Command;

use net_stack::pcap::PcapTap;
use net_stack::wire::{
    ArpOp, ArpRepr, EtherType, EthernetRepr, IcmpRepr, IpProtocol, Ipv4Addr, Ipv4Repr, L3, L4,
    MacAddr, Packet, PacketMeta, SeqNum, TcpFlags, TcpOptions, TcpRepr, UdpRepr,
};
use sim_core::SimTime;

const A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

fn packet(l3: L3, l4: L4, payload_len: u32, vlan: Option<u16>) -> Packet {
    let (ethertype, dst) = match l3 {
        L3::Ipv4(_) => (EtherType::Ipv4, MacAddr::from_index(2)),
        L3::Arp(_) => (EtherType::Arp, MacAddr::BROADCAST),
    };
    Packet {
        eth: EthernetRepr {
            dst,
            src: MacAddr::from_index(1),
            vlan,
            ethertype,
        },
        l3,
        l4,
        payload_len,
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
    })
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
        mss: Some(1460),
        window_scale: Some(7),
        timestamps: Some((1000, 0)),
        sack_permitted: true,
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

fn temp_pcap(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("netsim-pcap-{name}-{}.pcap", std::process::id()))
}

/// Writes `packets` at 1.000000123 s, 2.000000123 s, … and returns the path.
fn write_capture(name: &str, snaplen: usize, packets: &[(Packet, &str)]) -> PathBuf {
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
    std::fs::remove_file(&path).ok();

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
        // Checksum status 1 = Good (0 Bad, 2 Unverified): present exactly where expected.
        let good = |field: &str, expect: bool, what: &str| {
            if expect {
                assert_eq!(field, "1", "frame {n}: {what} checksum status: {line}");
            } else {
                assert_eq!(field, "", "frame {n}: unexpected {what}: {line}");
            }
        };
        let is = |p: &str| protocols.split(':').any(|x| x == p);
        good(f[7], is("ip"), "IPv4");
        good(f[8], is("udp"), "UDP");
        good(f[9], is("tcp"), "TCP");
        good(f[10], is("icmp"), "ICMP");
        if let L4::Tcp(t) = pkt.l4 {
            let opt = |v: Option<String>| v.unwrap_or_default();
            assert_eq!(
                f[11],
                opt(t.options.mss.map(|m| m.to_string())),
                "MSS, frame {n}"
            );
            assert_eq!(
                f[12],
                opt(t.options.window_scale.map(|w| w.to_string())),
                "WS, frame {n}"
            );
            assert_eq!(
                f[13].is_empty(),
                !t.options.sack_permitted,
                "SACK-permitted, frame {n}"
            );
            assert_eq!(
                f[14],
                opt(t.options.timestamps.map(|(v, _)| v.to_string())),
                "TSval, frame {n}"
            );
        }
        assert_eq!(
            f[15],
            pkt.eth.vlan.map(|v| v.to_string()).unwrap_or_default(),
            "VLAN id"
        );
    }
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
    std::fs::remove_file(&path).ok();
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
