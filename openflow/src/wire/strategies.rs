//! proptest strategies for every wire type (test-only).

use std::net::Ipv4Addr;

use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;

use super::*;

fn masked<T: std::fmt::Debug + Clone>(
    s: impl Strategy<Value = T> + Clone,
) -> impl Strategy<Value = Masked<T>> {
    (s.clone(), of(s)).prop_map(|(value, mask)| Masked { value, mask })
}

fn ipv4() -> impl Strategy<Value = Ipv4Addr> + Clone {
    any::<u32>().prop_map(Ipv4Addr::from)
}

/// OPENFLOW_BASIC field numbers this codec does not model.
fn unmodelled_field() -> impl Strategy<Value = u8> {
    prop_oneof![Just(1u8), Just(2), 7u8..=9, 17u8..=39]
}

/// TLVs that decode as [`Oxm::Raw`]: unmodelled basic fields, a masked in_port, experimenter.
pub(crate) fn raw_oxm() -> impl Strategy<Value = RawOxm> {
    prop_oneof![
        (unmodelled_field(), any::<bool>(), vec(any::<u8>(), 0..20))
            .prop_map(|(f, m, p)| RawOxm::new(OFPXMC_OPENFLOW_BASIC, f, m, p).unwrap()),
        any::<[u8; 8]>()
            .prop_map(|p| RawOxm::new(OFPXMC_OPENFLOW_BASIC, 0, true, p.to_vec()).unwrap()),
        (0u8..128, any::<bool>(), vec(any::<u8>(), 4..12))
            .prop_map(|(f, m, p)| RawOxm::new(0xffff, f, m, p).unwrap()),
    ]
}

/// Matches with any combination of modelled fields and a few raw TLVs.
pub(crate) fn a_match() -> impl Strategy<Value = Match> {
    let l2 = (
        of(any::<u32>()),
        of(masked(any::<[u8; 6]>())),
        of(masked(any::<[u8; 6]>())),
        of(any::<u16>()),
        of(masked(any::<u16>())),
        of(any::<u8>()),
    );
    let l3 = (
        of(masked(ipv4())),
        of(masked(ipv4())),
        of(any::<u16>()),
        of(any::<u16>()),
        of(any::<u16>()),
        of(any::<u16>()),
        vec(raw_oxm(), 0..3),
    );
    (l2, l3).prop_map(
        |(
            (in_port, eth_dst, eth_src, eth_type, vlan_vid, ip_proto),
            (ipv4_src, ipv4_dst, tcp_src, tcp_dst, udp_src, udp_dst, other),
        )| Match {
            in_port,
            eth_dst,
            eth_src,
            eth_type,
            vlan_vid,
            ip_proto,
            ipv4_src,
            ipv4_dst,
            tcp_src,
            tcp_dst,
            udp_src,
            udp_dst,
            other,
        },
    )
}

/// Targets of SET_FIELD.
fn set_field_oxm() -> impl Strategy<Value = Oxm> {
    prop_oneof![
        any::<[u8; 6]>().prop_map(|m| Oxm::EthSrc(m.into())),
        any::<[u8; 6]>().prop_map(|m| Oxm::EthDst(m.into())),
        ipv4().prop_map(|a| Oxm::Ipv4Src(a.into())),
        ipv4().prop_map(|a| Oxm::Ipv4Dst(a.into())),
        (0u16..0x1000).prop_map(|v| Oxm::VlanVid((v | OFPVID_PRESENT).into())),
        any::<u16>().prop_map(Oxm::TcpDst),
        raw_oxm().prop_map(Oxm::Raw),
    ]
}

/// Any action, unknown types included (with bodies that are already 8-aligned).
pub(crate) fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (any::<u32>(), any::<u16>()).prop_map(|(port, max_len)| Action::Output { port, max_len }),
        Just(Action::to_controller()),
        prop_oneof![Just(OFPP_FLOOD), Just(OFPP_ALL), Just(OFPP_IN_PORT)].prop_map(Action::output),
        set_field_oxm().prop_map(Action::SetField),
        prop_oneof![Just(0x8100u16), Just(0x88a8)]
            .prop_map(|ethertype| Action::PushVlan { ethertype }),
        Just(Action::PopVlan),
        Just(Action::DecNwTtl),
        any::<u32>().prop_map(|queue_id| Action::SetQueue { queue_id }),
        any::<u32>().prop_map(|group_id| Action::Group { group_id }),
        (
            prop_oneof![11u16..=16, Just(23), Just(0xffff)],
            prop_oneof![Just(4usize), Just(12)]
        )
            .prop_flat_map(|(t, n)| vec(any::<u8>(), n).prop_map(move |body| {
                Action::Unknown {
                    action_type: t,
                    body,
                }
            })),
    ]
}

/// Action lists (empty = drop).
pub(crate) fn actions() -> impl Strategy<Value = Vec<Action>> {
    vec(action(), 0..4)
}

/// Any instruction.
pub(crate) fn instruction() -> impl Strategy<Value = Instruction> {
    prop_oneof![
        any::<u8>().prop_map(|table_id| Instruction::GotoTable { table_id }),
        (any::<u64>(), any::<u64>())
            .prop_map(|(metadata, mask)| Instruction::WriteMetadata { metadata, mask }),
        actions().prop_map(Instruction::WriteActions),
        actions().prop_map(Instruction::ApplyActions),
        Just(Instruction::ClearActions),
        any::<u32>().prop_map(|meter_id| Instruction::Meter { meter_id }),
        (
            prop_oneof![7u16..100, Just(0xffff)],
            prop_oneof![Just(4usize), Just(12)]
        )
            .prop_flat_map(|(t, n)| vec(any::<u8>(), n).prop_map(move |body| {
                Instruction::Unknown {
                    instruction_type: t,
                    body,
                }
            })),
    ]
}

/// Instruction lists.
pub(crate) fn instructions() -> impl Strategy<Value = Vec<Instruction>> {
    vec(instruction(), 0..3)
}

fn command() -> impl Strategy<Value = FlowModCommand> {
    (0u8..5).prop_map(|c| FlowModCommand::from_u8(c).unwrap())
}

/// FLOW_MOD bodies.
pub(crate) fn flow_mod() -> impl Strategy<Value = FlowMod> {
    (
        (
            any::<u64>(),
            any::<u64>(),
            any::<u8>(),
            command(),
            any::<u16>(),
            any::<u16>(),
        ),
        (
            any::<u16>(),
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<u16>(),
        ),
        a_match(),
        instructions(),
    )
        .prop_map(
            |(
                (cookie, cookie_mask, table_id, command, idle_timeout, hard_timeout),
                (priority, buffer_id, out_port, out_group, flags),
                match_,
                instructions,
            )| FlowMod {
                cookie,
                cookie_mask,
                table_id,
                command,
                idle_timeout,
                hard_timeout,
                priority,
                buffer_id,
                out_port,
                out_group,
                flags: FlowModFlags(flags),
                match_,
                instructions,
            },
        )
}

/// PACKET_IN bodies.
pub(crate) fn packet_in() -> impl Strategy<Value = PacketIn> {
    (
        any::<u32>(),
        any::<u16>(),
        any::<u8>(),
        any::<u8>(),
        any::<u64>(),
        a_match(),
        vec(any::<u8>(), 0..100),
    )
        .prop_map(
            |(buffer_id, total_len, reason, table_id, cookie, match_, data)| PacketIn {
                buffer_id,
                total_len,
                reason: PacketInReason::from_u8(reason),
                table_id,
                cookie,
                match_,
                data,
            },
        )
}

/// FLOW_REMOVED bodies.
pub(crate) fn flow_removed() -> impl Strategy<Value = FlowRemoved> {
    (
        (
            any::<u64>(),
            any::<u16>(),
            any::<u8>(),
            any::<u8>(),
            any::<u32>(),
            any::<u32>(),
        ),
        (any::<u16>(), any::<u16>(), any::<u64>(), any::<u64>()),
        a_match(),
    )
        .prop_map(
            |(
                (cookie, priority, reason, table_id, duration_sec, duration_nsec),
                (idle_timeout, hard_timeout, packet_count, byte_count),
                match_,
            )| FlowRemoved {
                cookie,
                priority,
                reason: FlowRemovedReason::from_u8(reason),
                table_id,
                duration_sec,
                duration_nsec,
                idle_timeout,
                hard_timeout,
                packet_count,
                byte_count,
                match_,
            },
        )
}

/// PACKET_OUT bodies.
pub(crate) fn packet_out() -> impl Strategy<Value = PacketOut> {
    (
        any::<u32>(),
        any::<u32>(),
        actions(),
        vec(any::<u8>(), 0..100),
    )
        .prop_map(|(buffer_id, in_port, actions, data)| PacketOut {
            buffer_id,
            in_port,
            actions,
            data,
        })
}

fn port() -> impl Strategy<Value = Port> {
    (
        (
            any::<u32>(),
            any::<[u8; 6]>(),
            "[a-z0-9-]{0,15}",
            any::<u32>(),
            any::<u32>(),
        ),
        any::<[u32; 6]>(),
    )
        .prop_map(|((port_no, hw_addr, name, config, state), f)| Port {
            port_no,
            hw_addr,
            name,
            config,
            state,
            curr: f[0],
            advertised: f[1],
            supported: f[2],
            peer: f[3],
            curr_speed: f[4],
            max_speed: f[5],
        })
}

fn port_stats() -> impl Strategy<Value = PortStats> {
    (any::<u32>(), any::<[u64; 12]>(), any::<u32>(), any::<u32>()).prop_map(
        |(port_no, c, s, ns)| PortStats {
            port_no,
            rx_packets: c[0],
            tx_packets: c[1],
            rx_bytes: c[2],
            tx_bytes: c[3],
            rx_dropped: c[4],
            tx_dropped: c[5],
            rx_errors: c[6],
            tx_errors: c[7],
            rx_frame_err: c[8],
            rx_over_err: c[9],
            rx_crc_err: c[10],
            collisions: c[11],
            duration_sec: s,
            duration_nsec: ns,
        },
    )
}

fn flow_stats() -> impl Strategy<Value = FlowStats> {
    (
        (
            any::<u8>(),
            any::<u32>(),
            any::<u32>(),
            any::<u16>(),
            any::<u16>(),
            any::<u16>(),
        ),
        (any::<u16>(), any::<u64>(), any::<u64>(), any::<u64>()),
        a_match(),
        instructions(),
    )
        .prop_map(
            |(
                (table_id, duration_sec, duration_nsec, priority, idle_timeout, hard_timeout),
                (flags, cookie, packet_count, byte_count),
                match_,
                instructions,
            )| FlowStats {
                table_id,
                duration_sec,
                duration_nsec,
                priority,
                idle_timeout,
                hard_timeout,
                flags: FlowModFlags(flags),
                cookie,
                packet_count,
                byte_count,
                match_,
                instructions,
            },
        )
}

fn flow_stats_request() -> impl Strategy<Value = FlowStatsRequest> {
    (
        any::<u8>(),
        any::<u32>(),
        any::<u32>(),
        any::<u64>(),
        any::<u64>(),
        a_match(),
    )
        .prop_map(
            |(table_id, out_port, out_group, cookie, cookie_mask, match_)| FlowStatsRequest {
                table_id,
                out_port,
                out_group,
                cookie,
                cookie_mask,
                match_,
            },
        )
}

fn unknown_mp_type() -> impl Strategy<Value = u16> {
    prop_oneof![Just(0u16), 2u16..=3, 5u16..=12, 14u16..=20, Just(0xffff)]
}

fn multipart_request() -> impl Strategy<Value = MultipartRequest> {
    let body = prop_oneof![
        flow_stats_request().prop_map(MultipartRequestBody::Flow),
        any::<u32>().prop_map(|port_no| MultipartRequestBody::PortStats { port_no }),
        Just(MultipartRequestBody::PortDesc),
        (unknown_mp_type(), vec(any::<u8>(), 0..40))
            .prop_map(|(mp_type, body)| MultipartRequestBody::Unknown { mp_type, body }),
    ];
    (any::<u16>(), body).prop_map(|(flags, body)| MultipartRequest { flags, body })
}

fn multipart_reply() -> impl Strategy<Value = MultipartReply> {
    let body = prop_oneof![
        vec(flow_stats(), 0..3).prop_map(MultipartReplyBody::Flow),
        vec(port_stats(), 0..3).prop_map(MultipartReplyBody::PortStats),
        vec(port(), 0..3).prop_map(MultipartReplyBody::PortDesc),
        (unknown_mp_type(), vec(any::<u8>(), 0..40))
            .prop_map(|(mp_type, body)| MultipartReplyBody::Unknown { mp_type, body }),
    ];
    (any::<u16>(), body).prop_map(|(flags, body)| MultipartReply { flags, body })
}

fn hello() -> impl Strategy<Value = Hello> {
    let elem = prop_oneof![
        vec(any::<u32>(), 0..3).prop_map(HelloElem::VersionBitmap),
        (2u16.., vec(any::<u8>(), 0..12))
            .prop_map(|(elem_type, body)| HelloElem::Unknown { elem_type, body }),
    ];
    vec(elem, 0..3).prop_map(|elements| Hello { elements })
}

fn switch_config() -> impl Strategy<Value = SwitchConfig> {
    (any::<u16>(), any::<u16>()).prop_map(|(flags, miss_send_len)| SwitchConfig {
        flags,
        miss_send_len,
    })
}

/// Every message type, with an arbitrary xid.
pub(crate) fn message() -> impl Strategy<Value = Message> {
    let bytes = || vec(any::<u8>(), 0..64);
    let body = prop_oneof![
        hello().prop_map(MessageBody::Hello),
        (any::<u16>(), any::<u16>(), bytes()).prop_map(
            |(err_type, code, data)| MessageBody::Error(ErrorMsg {
                err_type,
                code,
                data
            })
        ),
        bytes().prop_map(MessageBody::EchoRequest),
        bytes().prop_map(MessageBody::EchoReply),
        Just(MessageBody::FeaturesRequest),
        (
            any::<u64>(),
            any::<u32>(),
            any::<u8>(),
            any::<u8>(),
            any::<u32>(),
            any::<u32>()
        )
            .prop_map(
                |(datapath_id, n_buffers, n_tables, auxiliary_id, capabilities, reserved)| {
                    MessageBody::FeaturesReply(FeaturesReply {
                        datapath_id,
                        n_buffers,
                        n_tables,
                        auxiliary_id,
                        capabilities,
                        reserved,
                    })
                }
            ),
        Just(MessageBody::GetConfigRequest),
        switch_config().prop_map(MessageBody::GetConfigReply),
        switch_config().prop_map(MessageBody::SetConfig),
        packet_in().prop_map(MessageBody::PacketIn),
        flow_removed().prop_map(MessageBody::FlowRemoved),
        (any::<u8>(), port()).prop_map(|(r, desc)| MessageBody::PortStatus(PortStatus {
            reason: PortReason::from_u8(r),
            desc
        })),
        packet_out().prop_map(MessageBody::PacketOut),
        flow_mod().prop_map(MessageBody::FlowMod),
        multipart_request().prop_map(MessageBody::MultipartRequest),
        multipart_reply().prop_map(MessageBody::MultipartReply),
        Just(MessageBody::BarrierRequest),
        Just(MessageBody::BarrierReply),
        (prop_oneof![Just(4u8), 15u8..=17, 22u8..=255], bytes())
            .prop_map(|(msg_type, body)| MessageBody::Unknown { msg_type, body }),
    ];
    (any::<u32>(), body).prop_map(|(xid, body)| Message { xid, body })
}
