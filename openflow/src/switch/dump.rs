//! `dump_flows`: the flow tables as `ovs-ofctl dump-flows` prints them, so that users of
//! Mininet and Open vSwitch can read a simulated switch at a glance.
//!
//! ```text
//!  cookie=0x0, duration=1.234s, table=0, n_packets=3, n_bytes=294, idle_timeout=10, priority=1,in_port=1,dl_dst=02:00:00:00:00:02 actions=output:2
//!  cookie=0x0, duration=5.000s, table=0, n_packets=1, n_bytes=42, priority=0 actions=CONTROLLER:65535
//! ```
//!
//! Tables in order, entries in lookup order (priority descending, then oldest first). Match
//! fields use Open vSwitch's names and protocol shorthands (`arp`, `ip`, `tcp`, `udp`, `icmp`).

use std::fmt::Write;
use std::net::Ipv4Addr;

use sim_core::SimTime;

use super::flow_entry::FlowEntry;
use super::flow_table::FlowTable;
use crate::wire::{Action, Instruction, Masked, Match, OFPVID_PRESENT, Oxm};
use crate::wire::{OFPP_ALL, OFPP_CONTROLLER, OFPP_FLOOD, OFPP_IN_PORT, OFPP_TABLE};

/// Renders every entry of `tables`, one line each (each line starts with a space, as in
/// `ovs-ofctl`).
pub(crate) fn dump_flows(tables: &[FlowTable], now: SimTime) -> String {
    let mut s = String::new();
    for t in tables {
        for e in t.iter() {
            line(&mut s, e, t.table_id(), now);
            s.push('\n');
        }
    }
    s
}

fn line(s: &mut String, e: &FlowEntry, table_id: u8, now: SimTime) {
    let ps = e.duration(now).as_ps();
    // Milliseconds, rounded down, printed as seconds with three decimals.
    let ms = ps / 1_000_000_000;
    let _ = write!(
        s,
        " cookie={:#x}, duration={}.{:03}s, table={}, n_packets={}, n_bytes={}, ",
        e.cookie,
        ms / 1000,
        ms % 1000,
        table_id,
        e.packet_count,
        e.byte_count
    );
    if e.idle_timeout > 0 {
        let _ = write!(s, "idle_timeout={}, ", e.idle_timeout);
    }
    if e.hard_timeout > 0 {
        let _ = write!(s, "hard_timeout={}, ", e.hard_timeout);
    }
    let _ = write!(s, "priority={}", e.priority);
    for f in match_fields(&e.match_) {
        s.push(',');
        s.push_str(&f);
    }
    s.push_str(" actions=");
    s.push_str(&instructions(&e.instructions));
}

fn mac(a: [u8; 6]) -> String {
    let h: Vec<String> = a.iter().map(|b| format!("{b:02x}")).collect();
    h.join(":")
}

fn masked_mac(m: &Masked<[u8; 6]>) -> String {
    match m.mask {
        None => mac(m.value),
        Some(k) => format!("{}/{}", mac(m.value), mac(k)),
    }
}

fn masked_ip(m: &Masked<Ipv4Addr>) -> String {
    match m.mask {
        None => m.value.to_string(),
        Some(k) => {
            let bits = u32::from(k);
            if bits.leading_ones() + bits.trailing_zeros() == 32 {
                format!("{}/{}", m.value, bits.leading_ones())
            } else {
                format!("{}/{}", m.value, k)
            }
        }
    }
}

/// The match as `ovs-ofctl` fields, protocol shorthand first.
fn match_fields(m: &Match) -> Vec<String> {
    let mut v = Vec::new();
    let mut proto_named = false;
    match (m.eth_type, m.ip_proto) {
        (Some(0x0800), Some(6)) => (v.push("tcp".into()), proto_named = true).1,
        (Some(0x0800), Some(17)) => (v.push("udp".into()), proto_named = true).1,
        (Some(0x0800), Some(1)) => (v.push("icmp".into()), proto_named = true).1,
        (Some(0x0800), _) => v.push("ip".into()),
        (Some(0x0806), _) => v.push("arp".into()),
        (Some(t), _) => v.push(format!("dl_type={t:#06x}")),
        (None, _) => {}
    }
    if let Some(p) = m.in_port {
        v.push(format!("in_port={p}"));
    }
    if let Some(vid) = m.vlan_vid {
        v.push(match vid.mask {
            None if vid.value & OFPVID_PRESENT != 0 => format!("dl_vlan={}", vid.value & 0x0fff),
            None => format!("vlan_tci={:#06x}", vid.value),
            Some(k) => format!("vlan_vid={:#06x}/{:#06x}", vid.value, k),
        });
    }
    if let Some(a) = &m.eth_src {
        v.push(format!("dl_src={}", masked_mac(a)));
    }
    if let Some(a) = &m.eth_dst {
        v.push(format!("dl_dst={}", masked_mac(a)));
    }
    if let Some(a) = &m.ipv4_src {
        v.push(format!("nw_src={}", masked_ip(a)));
    }
    if let Some(a) = &m.ipv4_dst {
        v.push(format!("nw_dst={}", masked_ip(a)));
    }
    if let (Some(p), false) = (m.ip_proto, proto_named) {
        v.push(format!("nw_proto={p}"));
    }
    for (name, p) in [
        ("tp_src", m.tcp_src.or(m.udp_src)),
        ("tp_dst", m.tcp_dst.or(m.udp_dst)),
    ] {
        if let Some(p) = p {
            v.push(format!("{name}={p}"));
        }
    }
    v
}

fn action(a: &Action) -> String {
    match a {
        Action::Output { port, max_len } => match *port {
            OFPP_CONTROLLER => format!("CONTROLLER:{max_len}"),
            OFPP_FLOOD => "FLOOD".into(),
            OFPP_ALL => "ALL".into(),
            OFPP_IN_PORT => "IN_PORT".into(),
            OFPP_TABLE => "TABLE".into(),
            p => format!("output:{p}"),
        },
        Action::SetField(oxm) => match oxm {
            Oxm::EthSrc(m) => format!("mod_dl_src:{}", mac(m.value)),
            Oxm::EthDst(m) => format!("mod_dl_dst:{}", mac(m.value)),
            Oxm::VlanVid(m) => format!("mod_vlan_vid:{}", m.value & 0x0fff),
            Oxm::Ipv4Src(m) => format!("mod_nw_src:{}", m.value),
            Oxm::Ipv4Dst(m) => format!("mod_nw_dst:{}", m.value),
            Oxm::TcpSrc(p) | Oxm::UdpSrc(p) => format!("mod_tp_src:{p}"),
            Oxm::TcpDst(p) | Oxm::UdpDst(p) => format!("mod_tp_dst:{p}"),
            other => format!("set_field:{}", other.name()),
        },
        Action::PushVlan { ethertype } => format!("push_vlan:{ethertype:#06x}"),
        Action::PopVlan => "strip_vlan".into(),
        Action::DecNwTtl => "dec_ttl".into(),
        Action::SetQueue { queue_id } => format!("set_queue:{queue_id}"),
        Action::Group { group_id } => format!("group:{group_id}"),
        Action::Unknown { action_type, .. } => format!("unknown_action:{action_type}"),
    }
}

fn actions(list: &[Action]) -> Vec<String> {
    list.iter().map(action).collect()
}

/// Instructions in execution order (§5.9); `drop` when nothing would output.
fn instructions(list: &[Instruction]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let order = |i: &Instruction| match i {
        Instruction::Meter { .. } => 0,
        Instruction::ApplyActions(_) => 1,
        Instruction::ClearActions => 2,
        Instruction::WriteActions(_) => 3,
        Instruction::WriteMetadata { .. } => 4,
        Instruction::GotoTable { .. } => 5,
        Instruction::Unknown { .. } => 6,
    };
    let mut sorted: Vec<&Instruction> = list.iter().collect();
    sorted.sort_by_key(|i| order(i));
    for i in sorted {
        match i {
            Instruction::ApplyActions(a) => parts.extend(actions(a)),
            Instruction::ClearActions => parts.push("clear_actions".into()),
            Instruction::WriteActions(a) => {
                parts.push(format!("write_actions({})", actions(a).join(",")))
            }
            Instruction::GotoTable { table_id } => parts.push(format!("goto_table:{table_id}")),
            Instruction::WriteMetadata { metadata, mask } => {
                parts.push(format!("write_metadata:{metadata:#x}/{mask:#x}"))
            }
            Instruction::Meter { meter_id } => parts.push(format!("meter:{meter_id}")),
            Instruction::Unknown {
                instruction_type, ..
            } => parts.push(format!("unknown_instruction:{instruction_type}")),
        }
    }
    if parts.is_empty() {
        "drop".into()
    } else {
        parts.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{FlowMod, FlowModFlags, OFPCML_NO_BUFFER};

    /// A learning-switch entry and a table-miss entry render like `ovs-ofctl dump-flows`:
    /// cookie, duration with milliseconds, counters, timeouts, priority, shorthand and fields,
    /// then actions.
    #[test]
    fn renders_like_ovs_ofctl() {
        let mut t = FlowTable::new(0, usize::MAX);
        let m = Match {
            in_port: Some(1),
            eth_dst: Some(Masked::exact([2, 0, 0, 0, 0, 2])),
            eth_type: Some(0x0800),
            ip_proto: Some(6),
            tcp_dst: Some(80),
            ipv4_dst: Some(Masked::with_mask(
                Ipv4Addr::new(10, 0, 0, 0),
                Ipv4Addr::new(255, 255, 255, 0),
            )),
            ..Match::default()
        };
        let mut fm = FlowMod::add(
            1,
            m.clone(),
            vec![Instruction::apply(vec![Action::output(2)])],
        );
        fm.idle_timeout = 10;
        fm.cookie = 0x2a;
        fm.flags = FlowModFlags::SEND_FLOW_REM;
        t.add(SimTime::ZERO, &fm, m).expect("add");
        let miss = FlowMod::add(
            0,
            Match::all(),
            vec![Instruction::apply(vec![Action::Output {
                port: OFPP_CONTROLLER,
                max_len: OFPCML_NO_BUFFER,
            }])],
        );
        t.add(SimTime::from_ms(500), &miss, Match::all())
            .expect("add miss");
        let dump = dump_flows(&[t], SimTime::from_ps(1_234_567_000_000));
        let want = " cookie=0x2a, duration=1.234s, table=0, n_packets=0, n_bytes=0, \
                    idle_timeout=10, priority=1,tcp,in_port=1,dl_dst=02:00:00:00:00:02,\
                    nw_dst=10.0.0.0/24,tp_dst=80 actions=output:2\n \
                    cookie=0x0, duration=0.734s, table=0, n_packets=0, n_bytes=0, \
                    priority=0 actions=CONTROLLER:65535\n";
        assert_eq!(dump, want, "dump-flows text");
    }

    /// Instructions print in execution order and an entry without outputs prints `drop`.
    #[test]
    fn instruction_rendering() {
        let list = vec![
            Instruction::GotoTable { table_id: 1 },
            Instruction::WriteActions(vec![Action::output(3)]),
            Instruction::apply(vec![Action::PopVlan]),
        ];
        assert_eq!(
            instructions(&list),
            "strip_vlan,write_actions(output:3),goto_table:1",
            "spec order"
        );
        assert_eq!(instructions(&[]), "drop", "no instructions = drop");
    }
}
