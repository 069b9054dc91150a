//! Wireshark agrees with the codec: a pcap of encoded messages over TCP port 6653 dissects as
//! `openflow_v4`, every message with the type we wrote and none malformed.
//!
//! Needs `tshark` on the PATH; without it the test fails and says so (it never passes
//! silently).

use std::net::Ipv4Addr;
use std::process::Command;

use openflow::*;

const CONTROLLER: Ipv4Addr = Ipv4Addr::new(10, 255, 0, 1);
const SWITCH: Ipv4Addr = Ipv4Addr::new(10, 255, 0, 2);
const OF_PORT: u16 = 6653;
const SWITCH_PORT: u16 = 40000;

/// RFC 1071 ones'-complement sum.
fn checksum(chunks: &[&[u8]]) -> u16 {
    let mut sum = 0u32;
    for chunk in chunks {
        for pair in chunk.chunks(2) {
            let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
            sum += u32::from(word);
        }
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// One Ethernet/IPv4/TCP frame with correct lengths and checksums.
fn frame(from_switch: bool, seq: u32, ack: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let (src, dst, sport, dport) = if from_switch {
        (SWITCH, CONTROLLER, SWITCH_PORT, OF_PORT)
    } else {
        (CONTROLLER, SWITCH, OF_PORT, SWITCH_PORT)
    };
    let mut tcp = Vec::new();
    tcp.extend_from_slice(&sport.to_be_bytes());
    tcp.extend_from_slice(&dport.to_be_bytes());
    tcp.extend_from_slice(&seq.to_be_bytes());
    tcp.extend_from_slice(&ack.to_be_bytes());
    tcp.extend_from_slice(&[5 << 4, flags, 0xff, 0xff, 0, 0, 0, 0]);
    tcp.extend_from_slice(payload);
    let tcp_len = (tcp.len() as u16).to_be_bytes();
    let pseudo = [&src.octets()[..], &dst.octets(), &[0, 6], &tcp_len].concat();
    let c = checksum(&[&pseudo, &tcp]);
    tcp[16..18].copy_from_slice(&c.to_be_bytes());

    let total = (20 + tcp.len()) as u16;
    let mut ip = vec![0x45, 0];
    ip.extend_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0]);
    ip.extend_from_slice(&src.octets());
    ip.extend_from_slice(&dst.octets());
    let c = checksum(&[&ip]);
    ip[10..12].copy_from_slice(&c.to_be_bytes());

    let mac = |sw: bool| [2, 0, 0, 0, 0xff, if sw { 2 } else { 1 }];
    let mut f = Vec::new();
    f.extend_from_slice(&mac(!from_switch));
    f.extend_from_slice(&mac(from_switch));
    f.extend_from_slice(&[0x08, 0x00]);
    f.extend_from_slice(&ip);
    f.extend_from_slice(&tcp);
    f
}

/// A classic pcap (microsecond timestamps, Ethernet link type) of the given frames.
fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65_535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for (i, f) in frames.iter().enumerate() {
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(i as u32 * 100).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(f);
    }
    out
}

/// A conversation covering every modelled message type, with who sends it.
fn conversation() -> Vec<(bool, Message)> {
    let m = |xid, body| Message::new(xid, body);
    let port = Port {
        port_no: 1,
        hw_addr: [2, 0, 0, 0, 0, 1],
        name: "s1-eth1".into(),
        curr_speed: 1_000_000,
        max_speed: 1_000_000,
        ..Port::default()
    };
    let arp = [
        &[0xff; 6][..],
        &[2, 0, 0, 0, 0, 1],
        &[0x08, 0x06],
        &[0, 1, 8, 0, 6, 4, 0, 1],
        &[2, 0, 0, 0, 0, 1, 10, 0, 0, 1],
        &[0; 6],
        &[10, 0, 0, 2],
    ]
    .concat();
    let flow_match = Match {
        in_port: Some(1),
        eth_dst: Some([2, 0, 0, 0, 0, 2].into()),
        eth_type: Some(0x0800),
        vlan_vid: Some(Masked::with_mask(OFPVID_PRESENT, OFPVID_PRESENT)),
        ip_proto: Some(6),
        ipv4_src: Some(Masked::with_mask(
            Ipv4Addr::new(10, 0, 0, 0),
            Ipv4Addr::new(255, 255, 255, 0),
        )),
        ipv4_dst: Some(Ipv4Addr::new(10, 0, 0, 2).into()),
        tcp_dst: Some(80),
        ..Match::default()
    };
    let instructions = vec![
        Instruction::apply(vec![
            Action::PushVlan { ethertype: 0x8100 },
            Action::SetField(Oxm::VlanVid((OFPVID_PRESENT | 10).into())),
            Action::SetField(Oxm::EthSrc([2, 0, 0, 0, 0, 9].into())),
            Action::SetField(Oxm::Ipv4Dst(Ipv4Addr::new(10, 0, 0, 3).into())),
            Action::output(2),
        ]),
        Instruction::WriteActions(vec![Action::PopVlan, Action::output(OFPP_FLOOD)]),
        Instruction::ClearActions,
        Instruction::GotoTable { table_id: 1 },
    ];
    let mut flow_mod = FlowMod::add(10, flow_match.clone(), instructions.clone());
    flow_mod.idle_timeout = 30;
    flow_mod.flags = FlowModFlags::SEND_FLOW_REM | FlowModFlags::CHECK_OVERLAP;
    vec![
        (false, m(1, MessageBody::Hello(Hello::v13()))),
        (true, m(1, MessageBody::Hello(Hello::v13()))),
        (false, m(2, MessageBody::FeaturesRequest)),
        (
            true,
            m(
                2,
                MessageBody::FeaturesReply(FeaturesReply {
                    datapath_id: 1,
                    n_buffers: 256,
                    n_tables: 254,
                    auxiliary_id: 0,
                    capabilities: FeaturesReply::FLOW_STATS | FeaturesReply::PORT_STATS,
                    reserved: 0,
                }),
            ),
        ),
        (false, m(3, MessageBody::SetConfig(SwitchConfig::default()))),
        (
            false,
            m(
                4,
                MessageBody::MultipartRequest(MultipartRequest {
                    flags: 0,
                    body: MultipartRequestBody::PortDesc,
                }),
            ),
        ),
        (
            true,
            m(
                4,
                MessageBody::MultipartReply(MultipartReply {
                    flags: 0,
                    body: MultipartReplyBody::PortDesc(vec![port.clone()]),
                }),
            ),
        ),
        (
            false,
            m(
                5,
                MessageBody::FlowMod(FlowMod::add(
                    0,
                    Match::all(),
                    vec![Instruction::apply(vec![Action::to_controller()])],
                )),
            ),
        ),
        (false, m(6, MessageBody::FlowMod(flow_mod))),
        (
            false,
            m(
                7,
                MessageBody::FlowMod(FlowMod::delete(Match {
                    in_port: Some(3),
                    ..Match::default()
                })),
            ),
        ),
        (
            true,
            m(
                0,
                MessageBody::PacketIn(PacketIn {
                    buffer_id: OFP_NO_BUFFER,
                    total_len: arp.len() as u16,
                    reason: PacketInReason::NoMatch,
                    table_id: 0,
                    cookie: 0,
                    match_: Match {
                        in_port: Some(1),
                        ..Match::default()
                    },
                    data: arp.clone(),
                }),
            ),
        ),
        (
            false,
            m(
                8,
                MessageBody::PacketOut(PacketOut {
                    buffer_id: OFP_NO_BUFFER,
                    in_port: 1,
                    actions: vec![Action::output(OFPP_FLOOD)],
                    data: arp,
                }),
            ),
        ),
        (
            true,
            m(
                0,
                MessageBody::FlowRemoved(FlowRemoved {
                    cookie: 0,
                    priority: 10,
                    reason: FlowRemovedReason::IdleTimeout,
                    table_id: 0,
                    duration_sec: 31,
                    duration_nsec: 0,
                    idle_timeout: 30,
                    hard_timeout: 0,
                    packet_count: 5,
                    byte_count: 500,
                    match_: flow_match.clone(),
                }),
            ),
        ),
        (
            true,
            m(
                0,
                MessageBody::PortStatus(PortStatus {
                    reason: PortReason::Modify,
                    desc: Port {
                        state: Port::STATE_LINK_DOWN,
                        ..port
                    },
                }),
            ),
        ),
        (
            false,
            m(
                9,
                MessageBody::MultipartRequest(MultipartRequest {
                    flags: 0,
                    body: MultipartRequestBody::Flow(FlowStatsRequest::default()),
                }),
            ),
        ),
        (
            true,
            m(
                9,
                MessageBody::MultipartReply(MultipartReply {
                    flags: 0,
                    body: MultipartReplyBody::Flow(vec![FlowStats {
                        table_id: 0,
                        duration_sec: 3,
                        duration_nsec: 0,
                        priority: 10,
                        idle_timeout: 30,
                        hard_timeout: 0,
                        flags: FlowModFlags::SEND_FLOW_REM,
                        cookie: 0,
                        packet_count: 5,
                        byte_count: 500,
                        match_: flow_match,
                        instructions,
                    }]),
                }),
            ),
        ),
        (
            false,
            m(
                10,
                MessageBody::MultipartRequest(MultipartRequest {
                    flags: 0,
                    body: MultipartRequestBody::PortStats { port_no: OFPP_ANY },
                }),
            ),
        ),
        (
            true,
            m(
                10,
                MessageBody::MultipartReply(MultipartReply {
                    flags: 0,
                    body: MultipartReplyBody::PortStats(vec![PortStats {
                        port_no: 1,
                        rx_packets: 10,
                        tx_packets: 20,
                        rx_bytes: 1000,
                        tx_bytes: 2000,
                        duration_sec: 3,
                        ..PortStats::default()
                    }]),
                }),
            ),
        ),
        (false, m(11, MessageBody::BarrierRequest)),
        (true, m(11, MessageBody::BarrierReply)),
        (false, m(12, MessageBody::EchoRequest(b"ping".to_vec()))),
        (true, m(12, MessageBody::EchoReply(b"ping".to_vec()))),
        (
            true,
            m(
                13,
                MessageBody::Error(ErrorMsg {
                    err_type: error_type::BAD_REQUEST,
                    code: error_code::BUFFER_UNKNOWN,
                    data: Message::new(13, MessageBody::BarrierRequest).to_bytes(),
                }),
            ),
        ),
    ]
}

fn tshark(path: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("tshark is required for this test (install Wireshark's tshark): {e}")
        });
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("tshark prints UTF-8")
}

/// Each encoded message, one per TCP segment on port 6653 after a handshake, is dissected by
/// Wireshark as `openflow_v4` with the `ofp_type` we encoded, in order, and Wireshark reports
/// no malformed packet and no expert error.
#[test]
fn tshark_dissects_every_message_type() {
    let conv = conversation();
    let (mut c_seq, mut s_seq) = (1000u32, 5000u32);
    let (syn, ack, psh_ack) = (0x02, 0x10, 0x18);
    let mut frames = vec![
        frame(true, s_seq - 1, 0, syn, &[]),
        frame(false, c_seq - 1, s_seq, syn | ack, &[]),
        frame(true, s_seq, c_seq, ack, &[]),
    ];
    for (from_switch, msg) in &conv {
        let bytes = msg.to_bytes();
        if *from_switch {
            frames.push(frame(true, s_seq, c_seq, psh_ack, &bytes));
            s_seq += bytes.len() as u32;
        } else {
            frames.push(frame(false, c_seq, s_seq, psh_ack, &bytes));
            c_seq += bytes.len() as u32;
        }
    }
    let dir = std::env::temp_dir().join(format!("openflow-wireshark-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("openflow.pcap");
    std::fs::write(&path, pcap(&frames)).expect("write pcap");

    let types = tshark(
        &path,
        &[
            "-Y",
            "openflow_v4",
            "-T",
            "fields",
            "-e",
            "openflow_v4.type",
        ],
    );
    // An ERROR carries the failed request's header, which Wireshark dissects too ("1,20"):
    // the first value of each line is the message itself.
    let first = |s: &str| s.split(',').next().unwrap_or("").to_string();
    let got: Vec<String> = types.lines().map(first).collect();
    let want: Vec<String> = conv.iter().map(|(_, m)| m.msg_type().to_string()).collect();
    assert_eq!(
        got, want,
        "Wireshark's openflow_v4.type per segment, in order"
    );

    let bad = tshark(
        &path,
        &[
            "-Y",
            "_ws.malformed || _ws.expert.severity >= \"Warning\"",
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "_ws.expert.message",
        ],
    );
    assert!(bad.trim().is_empty(), "Wireshark flags these frames: {bad}");

    let lengths = tshark(
        &path,
        &[
            "-Y",
            "openflow_v4",
            "-T",
            "fields",
            "-e",
            "openflow_v4.length",
        ],
    );
    let want_len: Vec<String> = conv
        .iter()
        .map(|(_, m)| m.encoded_len().to_string())
        .collect();
    assert_eq!(
        lengths.lines().map(first).collect::<Vec<_>>(),
        want_len,
        "length fields as Wireshark reads them"
    );
    std::fs::remove_dir_all(&dir).ok();
}
