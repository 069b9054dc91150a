//! Wireshark agrees with the codec and the capture: an `openflow.pcap` written by
//! [`ChannelCapture`] dissects as `openflow_v4`, every message with the type and length we
//! wrote, in order, messages split over several TCP segments reassembled, and nothing
//! malformed or flagged by the TCP analysis.
//!
//! Needs `tshark` on the PATH; without it the test fails and says so (it never passes
//! silently).

use std::net::Ipv4Addr;
use std::process::Command;

use openflow::capture::ChannelCapture;
use openflow::*;
use sim_core::SimTime;

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

/// A port-stats reply of `n` entries (16 + 112·n bytes): 40 entries span four segments.
fn big_reply(xid: u32, n: u32) -> Message {
    let stats = (1..=n)
        .map(|port_no| PortStats {
            port_no,
            tx_bytes: 1000 * u64::from(port_no),
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

/// Every modelled message type on switch 1's connection, a second switch's connection
/// interleaved with it, and large replies split over several segments (enough of them to
/// need window ACKs) — written by `ChannelCapture`, read by tshark. Wireshark dissects each
/// message as `openflow_v4` with the `ofp_type` and length we encoded, in order (a split
/// message once, reassembled), and reports no malformed packet and no expert warning or
/// error (bad checksums, lost segments, window full, …).
#[test]
fn tshark_dissects_every_message_type() {
    let mut conv: Vec<(u64, bool, Message)> = conversation()
        .into_iter()
        .map(|(sw, m)| (1, sw, m))
        .collect();
    // Switch 2 joins mid-way; its big reply and switch 1's are split and must be reassembled.
    let extra = [
        (2, false, Message::new(1, MessageBody::Hello(Hello::v13()))),
        (2, true, Message::new(1, MessageBody::Hello(Hello::v13()))),
        (2, true, big_reply(30, 40)),
        (1, true, big_reply(31, 300)),
    ];
    for (i, e) in extra.into_iter().enumerate() {
        conv.insert(3 + 4 * i, e);
    }
    for i in 0..30 {
        conv.push((1, true, big_reply(100 + i, 100)));
    }
    conv.push((1, false, Message::new(99, MessageBody::BarrierRequest)));
    conv.push((1, true, Message::new(99, MessageBody::BarrierReply)));

    let dir = std::env::temp_dir().join(format!("openflow-wireshark-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("openflow.pcap");
    let mut cap = ChannelCapture::create(&path).expect("create pcap");
    cap.connect(SimTime::ZERO, 1).expect("write");
    for (i, (dpid, from_switch, msg)) in conv.iter().enumerate() {
        let now = SimTime::from_us(10 * (i as u64 + 1));
        cap.message(now, *dpid, *from_switch, msg).expect("write");
    }
    let frames = cap.frames_written();
    assert_eq!(cap.finish().expect("finish"), conv.len() as u64);
    assert!(
        frames > conv.len() as u64 + 30,
        "large messages took several segments"
    );

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
    let want: Vec<String> = conv
        .iter()
        .map(|(_, _, m)| m.msg_type().to_string())
        .collect();
    assert_eq!(
        got, want,
        "Wireshark's openflow_v4.type per segment, in order"
    );

    // Checksum validation is off by default in Wireshark; turn it on so a wrong checksum
    // becomes an expert error here.
    let bad = tshark(
        &path,
        &[
            "-o",
            "ip.check_checksum:TRUE",
            "-o",
            "tcp.check_checksum:TRUE",
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
        .map(|(_, _, m)| m.encoded_len().to_string())
        .collect();
    assert_eq!(
        lengths.lines().map(first).collect::<Vec<_>>(),
        want_len,
        "length fields as Wireshark reads them"
    );
    std::fs::remove_dir_all(&dir).ok();
}
