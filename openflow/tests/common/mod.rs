//! Messages shared by the openflow crate's integration tests.

use std::net::Ipv4Addr;

use openflow::*;

/// A conversation covering every modelled message type, with who sends it (`true`: the
/// switch).
pub fn conversation() -> Vec<(bool, Message)> {
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
