//! The OpenFlow pipeline (OpenFlow 1.3.5 §5.1, §5.5–5.10): a packet walks the flow tables from
//! table 0, each matching entry's instructions run, and at the end the accumulated action set
//! executes.
//!
//! ```text
//!  packet ─► table 0 ──goto──► table k ──(no goto)──► execute action set ─► outputs
//!              │ miss, no table-miss entry: drop
//!              └ apply-actions run at once (outputs a copy of the packet as it is now)
//! ```
//!
//! Instructions of one entry run in the spec's order whatever order the FLOW_MOD lists them
//! in (§5.9): apply-actions, clear-actions, write-actions, goto-table. Apply-actions change the
//! packet that continues down the pipeline (that is how tables hand rewritten headers to later
//! tables); each OUTPUT emits a copy of the packet as it is at that moment. The action set
//! keeps at most one action of each type (one set-field per field), and executes in the §5.10
//! order: pop VLAN, push VLAN, decrement TTL, set-fields, set-queue, output.
//!
//! This module only decides *what* leaves and where to; the [`super::Switch`] resolves reserved
//! ports (FLOOD, ALL, IN_PORT, CONTROLLER) against the port table and the buffer pool.

use std::collections::BTreeMap;

use net_stack::wire::{L4, MacAddr, Packet, Tpid, VlanTag};
use sim_core::SimTime;

use super::OfError;
use super::flow_table::FlowTable;
use super::matching::PacketFields;
use crate::wire::{Action, Instruction, OFPXMC_OPENFLOW_BASIC, Oxm, PacketInReason, oxm_field};
use crate::wire::{OFPP_ALL, OFPP_CONTROLLER, OFPP_FLOOD, OFPP_IN_PORT, OFPP_MAX, OFPP_TABLE};

/// Table id reported for packets sent to the controller by a PACKET_OUT (not by a table).
pub(crate) const NO_TABLE: u8 = 0xff;
/// Cookie reported for packets sent to the controller by a PACKET_OUT (ovs uses all-ones).
pub(crate) const NO_COOKIE: u64 = u64::MAX;

/// An OUTPUT the pipeline decided on: the port may still be reserved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Emit {
    /// Output port or an `OFPP_*` reserved port.
    pub(crate) port: u32,
    /// Bytes for the controller (only for [`OFPP_CONTROLLER`]).
    pub(crate) max_len: u16,
    /// The packet as it was when the output executed.
    pub(crate) packet: Packet,
    /// Table of the entry that output it ([`NO_TABLE`] for PACKET_OUT).
    pub(crate) table_id: u8,
    /// Cookie of that entry ([`NO_COOKIE`] for PACKET_OUT).
    pub(crate) cookie: u64,
    /// PACKET_IN reason: NO_MATCH when a table-miss entry sent it (§7.4.1), else ACTION.
    pub(crate) reason: PacketInReason,
}

/// Where emitted packets come from (for their PACKET_IN fields).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Origin {
    pub(crate) table_id: u8,
    pub(crate) cookie: u64,
    pub(crate) reason: PacketInReason,
}

impl Origin {
    /// The origin of a PACKET_OUT's actions.
    pub(crate) const PACKET_OUT: Origin = Origin {
        table_id: NO_TABLE,
        cookie: NO_COOKIE,
        reason: PacketInReason::Action,
    };
}

/// How a pipeline run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The last table matched and the action set executed (possibly dropping the packet).
    Executed,
    /// Table `n` had no matching entry (and so no table-miss entry): dropped (§5.4).
    TableMiss(u8),
    /// A DEC_NW_TTL found the TTL expired: dropped.
    TtlExpired,
    /// A PUSH_VLAN found two tags already (the most a frame carries here): dropped and
    /// counted in [`super::SwitchCounters::vlan_push_drops`].
    VlanStackFull,
}

/// Why [`apply_actions`] dropped a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ActionDrop {
    /// DEC_NW_TTL on TTL ≤ 1.
    TtlExpired,
    /// PUSH_VLAN on a frame with two tags.
    VlanStackFull,
}

impl From<ActionDrop> for Outcome {
    fn from(d: ActionDrop) -> Outcome {
        match d {
            ActionDrop::TtlExpired => Outcome::TtlExpired,
            ActionDrop::VlanStackFull => Outcome::VlanStackFull,
        }
    }
}

/// The action set (§5.10): at most one action per type, one set-field per field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ActionSet {
    pop_vlan: bool,
    push_vlan: Option<u16>,
    dec_ttl: bool,
    set_fields: BTreeMap<(u16, u8), Oxm>,
    set_queue: Option<u32>,
    output: Option<(u32, u16)>,
}

impl ActionSet {
    /// WRITE_ACTIONS: merges `actions`, an action of a type already present replacing it.
    pub(crate) fn write(&mut self, actions: &[Action]) {
        for a in actions {
            match a {
                Action::PopVlan => self.pop_vlan = true,
                Action::PushVlan { ethertype } => self.push_vlan = Some(*ethertype),
                Action::DecNwTtl => self.dec_ttl = true,
                Action::SetField(oxm) => {
                    self.set_fields.insert(oxm.class_field(), oxm.clone());
                }
                Action::SetQueue { queue_id } => self.set_queue = Some(*queue_id),
                Action::Output { port, max_len } => self.output = Some((*port, *max_len)),
                // Rejected when the entry was installed.
                Action::Group { .. } | Action::Unknown { .. } => {}
            }
        }
    }

    /// The set as an action list in execution order (§5.10).
    pub(crate) fn to_actions(&self) -> Vec<Action> {
        let mut v = Vec::new();
        if self.pop_vlan {
            v.push(Action::PopVlan);
        }
        v.extend(
            self.push_vlan
                .map(|ethertype| Action::PushVlan { ethertype }),
        );
        if self.dec_ttl {
            v.push(Action::DecNwTtl);
        }
        v.extend(self.set_fields.values().cloned().map(Action::SetField));
        v.extend(self.set_queue.map(|queue_id| Action::SetQueue { queue_id }));
        v.extend(
            self.output
                .map(|(port, max_len)| Action::Output { port, max_len }),
        );
        v
    }
}

/// Applies `actions` to `pkt` in order, pushing an [`Emit`] per OUTPUT. Stops with the reason
/// if the packet is dropped on the way (outputs already executed stand).
pub(crate) fn apply_actions(
    actions: &[Action],
    pkt: &mut Packet,
    origin: Origin,
    out: &mut Vec<Emit>,
) -> Result<(), ActionDrop> {
    for a in actions {
        match a {
            Action::Output { port, max_len } => out.push(Emit {
                port: *port,
                max_len: *max_len,
                packet: *pkt,
                table_id: origin.table_id,
                cookie: origin.cookie,
                reason: origin.reason,
            }),
            // The new tag goes outermost (§7.2.5: "immediately after the Ethernet header");
            // its VID and PCP are copied from the tag it covers, zero on an untagged frame
            // (OpenFlow 1.3.5 §5.12, Table 7, as ofsoftswitch13 does). A third tag is refused.
            Action::PushVlan { ethertype } => {
                let covered = pkt.eth.vlan.outer().unwrap_or_default();
                let tag = VlanTag {
                    // Validated at install; anything else cannot reach here.
                    tpid: Tpid::from_value(*ethertype).unwrap_or(Tpid::Dot1Q),
                    pcp: covered.pcp,
                    dei: false,
                    vid: covered.vid,
                };
                pkt.eth
                    .vlan
                    .push(tag)
                    .map_err(|_| ActionDrop::VlanStackFull)?;
            }
            Action::PopVlan => {
                pkt.eth.vlan.pop();
            }
            // The outermost IPv4 header: a tunnelled packet's outer one.
            Action::DecNwTtl => {
                if let Some(ttl) = pkt.outer_ttl_mut() {
                    if *ttl <= 1 {
                        return Err(ActionDrop::TtlExpired);
                    }
                    *ttl -= 1;
                }
            }
            Action::SetField(oxm) => set_field(pkt, oxm),
            // One queue per port in this model; the action is accepted and has no effect.
            Action::SetQueue { .. } => {}
            Action::Group { .. } | Action::Unknown { .. } => {}
        }
    }
    Ok(())
}

/// SET_FIELD (§7.2.5): rewrites a header — always the outermost of its kind, as matching reads
/// it: the outer VLAN tag, a tunnelled packet's outer IPv4 header. A field whose header the
/// packet lacks (a VLAN id on an untagged frame, an IPv4 address on ARP, TCP ports on a tunnel
/// packet) is left alone, and so are VXLAN's UDP ports (4789, and a source port that net-stack
/// derives from the inner flow, RFC 7348 §5).
fn set_field(pkt: &mut Packet, oxm: &Oxm) {
    match oxm {
        Oxm::EthDst(m) => pkt.eth.dst = MacAddr(m.value),
        Oxm::EthSrc(m) => pkt.eth.src = MacAddr(m.value),
        Oxm::VlanVid(m) => {
            pkt.eth.vlan.update_outer(|t| VlanTag {
                vid: m.value & 0x0fff,
                ..t
            });
        }
        Oxm::Ipv4Src(m) => {
            if let Some((src, _)) = pkt.outer_addrs_mut() {
                *src = m.value;
            }
        }
        Oxm::Ipv4Dst(m) => {
            if let Some((_, dst)) = pkt.outer_addrs_mut() {
                *dst = m.value;
            }
        }
        Oxm::TcpSrc(_) | Oxm::TcpDst(_) | Oxm::UdpSrc(_) | Oxm::UdpDst(_) => set_port(pkt, oxm),
        _ => {
            if let Some(pcp) = vlan_pcp(oxm) {
                pkt.eth.vlan.update_outer(|t| VlanTag { pcp, ..t });
            }
        }
    }
}

/// The value of a SET_FIELD on `vlan_pcp` (OXM field 7, one byte, no mask), which the codec
/// keeps as a raw TLV.
fn vlan_pcp(oxm: &Oxm) -> Option<u8> {
    match oxm {
        Oxm::Raw(r)
            if r.class() == OFPXMC_OPENFLOW_BASIC
                && r.field() == oxm_field::VLAN_PCP
                && !r.has_mask()
                && r.payload().len() == 1 =>
        {
            Some(r.payload()[0])
        }
        _ => None,
    }
}

/// SET_FIELD of a transport port of an unencapsulated IPv4 packet.
fn set_port(pkt: &mut Packet, oxm: &Oxm) {
    if pkt.encap.is_some() || pkt.ipv4().is_none() {
        return;
    }
    match (oxm, &mut pkt.l4) {
        (Oxm::TcpSrc(p), L4::Tcp(t)) => t.src_port = *p,
        (Oxm::TcpDst(p), L4::Tcp(t)) => t.dst_port = *p,
        (Oxm::UdpSrc(p), L4::Udp(u)) => u.src_port = *p,
        (Oxm::UdpDst(p), L4::Udp(u)) => u.dst_port = *p,
        _ => {}
    }
}

/// Runs `pkt`, received on `in_port`, through `tables` from table 0, pushing what it outputs.
pub(crate) fn run(
    tables: &mut [FlowTable],
    now: SimTime,
    in_port: u32,
    mut pkt: Packet,
    out: &mut Vec<Emit>,
) -> Outcome {
    let mut set = ActionSet::default();
    let mut t = 0usize;
    let origin = loop {
        let fields = PacketFields::of(in_port, &pkt);
        let bytes = pkt.frame_len() as u64;
        let Some(entry) = tables[t].lookup(now, &fields, bytes) else {
            return Outcome::TableMiss(t as u8);
        };
        let origin = Origin {
            table_id: t as u8,
            cookie: entry.cookie,
            reason: if entry.is_table_miss() {
                PacketInReason::NoMatch
            } else {
                PacketInReason::Action
            },
        };
        let mut next = None;
        let find = |f: fn(&Instruction) -> bool| entry.instructions.iter().find(|i| f(i));
        if let Some(Instruction::ApplyActions(a)) =
            find(|i| matches!(i, Instruction::ApplyActions(_)))
            && let Err(drop) = apply_actions(a, &mut pkt, origin, out)
        {
            return drop.into();
        }
        if find(|i| matches!(i, Instruction::ClearActions)).is_some() {
            set = ActionSet::default();
        }
        if let Some(Instruction::WriteActions(a)) =
            find(|i| matches!(i, Instruction::WriteActions(_)))
        {
            set.write(a);
        }
        if let Some(Instruction::GotoTable { table_id }) =
            find(|i| matches!(i, Instruction::GotoTable { .. }))
        {
            next = Some(usize::from(*table_id));
        }
        match next {
            // Validated at install: strictly forward and within the pipeline.
            Some(n) if n > t && n < tables.len() => t = n,
            _ => break origin,
        }
    };
    match apply_actions(&set.to_actions(), &mut pkt, origin, out) {
        Ok(()) => Outcome::Executed,
        Err(drop) => drop.into(),
    }
}

/// Checks a FLOW_MOD's instructions for table `table_id` of `n_tables`, on a switch with ports
/// `1..=n_ports`: each type at most once, GOTO_TABLE strictly forward, only supported
/// instructions and actions.
pub(crate) fn validate_instructions(
    instructions: &[Instruction],
    table_id: u8,
    n_tables: u8,
    n_ports: u32,
) -> Result<(), OfError> {
    let mut seen = Vec::new();
    for i in instructions {
        let ty = std::mem::discriminant(i);
        if seen.contains(&ty) {
            // §7.2.4 allows each instruction type at most once per entry.
            return Err(OfError::UNSUP_INST);
        }
        seen.push(ty);
        match i {
            Instruction::GotoTable { table_id: to } => {
                if *to <= table_id || *to >= n_tables {
                    return Err(OfError::BAD_GOTO_TABLE);
                }
            }
            Instruction::ApplyActions(a) | Instruction::WriteActions(a) => {
                validate_actions(a, n_ports, false)?
            }
            Instruction::ClearActions => {}
            Instruction::WriteMetadata { .. } | Instruction::Meter { .. } => {
                return Err(OfError::UNSUP_INST);
            }
            Instruction::Unknown { .. } => return Err(OfError::UNKNOWN_INST),
        }
    }
    Ok(())
}

/// Checks actions for a flow entry or (with `packet_out`) a PACKET_OUT, where OUTPUT to
/// [`OFPP_TABLE`] is also allowed.
pub(crate) fn validate_actions(
    actions: &[Action],
    n_ports: u32,
    packet_out: bool,
) -> Result<(), OfError> {
    for a in actions {
        match a {
            Action::Output { port, .. } => {
                let ok = match *port {
                    p if (1..=n_ports).contains(&p) && p <= OFPP_MAX => true,
                    OFPP_IN_PORT | OFPP_FLOOD | OFPP_ALL | OFPP_CONTROLLER => true,
                    OFPP_TABLE => packet_out,
                    _ => false,
                };
                if !ok {
                    return Err(OfError::BAD_OUT_PORT);
                }
            }
            Action::PushVlan { ethertype } => {
                if !matches!(ethertype, 0x8100 | 0x88a8) {
                    return Err(OfError::BAD_ARGUMENT);
                }
            }
            Action::SetField(oxm) => {
                let masked = match oxm {
                    Oxm::EthDst(m) | Oxm::EthSrc(m) => m.mask.is_some(),
                    Oxm::VlanVid(m) => m.mask.is_some(),
                    Oxm::Ipv4Src(m) | Oxm::Ipv4Dst(m) => m.mask.is_some(),
                    Oxm::TcpSrc(_) | Oxm::TcpDst(_) | Oxm::UdpSrc(_) | Oxm::UdpDst(_) => false,
                    _ => match vlan_pcp(oxm) {
                        // PCP is 3 bits (§7.2.3.8).
                        Some(pcp) if pcp > 7 => return Err(OfError::BAD_SET_ARGUMENT),
                        Some(_) => false,
                        None => return Err(OfError::BAD_SET_TYPE),
                    },
                };
                if masked {
                    return Err(OfError::BAD_SET_ARGUMENT);
                }
            }
            Action::PopVlan | Action::DecNwTtl | Action::SetQueue { .. } => {}
            Action::Group { .. } => return Err(OfError::BAD_OUT_GROUP),
            Action::Unknown { .. } => return Err(OfError::BAD_ACTION_TYPE),
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::switch::matching::tests::udp;
    use crate::switch::{ControlMessage, Switch, SwitchConfig};
    use crate::wire::{FlowMod, Masked, Match, Message, MessageBody};
    use net_stack::wire::{VlanStack, VlanTag};
    use std::net::Ipv4Addr;

    /// A switch with `n_ports` ports and default config otherwise.
    pub(crate) fn switch(n_ports: u32) -> Switch {
        Switch::new(SwitchConfig {
            n_ports,
            ..SwitchConfig::default()
        })
        .expect("valid config")
    }

    /// Sends `fm`, asserting the switch accepted it (no ERROR queued).
    pub(crate) fn install(sw: &mut Switch, now: SimTime, fm: FlowMod) {
        sw.handle_message(now, Message::new(1, MessageBody::FlowMod(fm)));
        let msgs = messages(sw);
        assert!(msgs.is_empty(), "FLOW_MOD accepted, got {msgs:?}");
    }

    pub(crate) fn outputs(sw: &mut Switch) -> Vec<(u32, Packet)> {
        std::iter::from_fn(|| sw.poll_output()).collect()
    }

    pub(crate) fn messages(sw: &mut Switch) -> Vec<ControlMessage> {
        std::iter::from_fn(|| sw.poll_message()).collect()
    }

    fn ports(v: &[(u32, Packet)]) -> Vec<u32> {
        v.iter().map(|(p, _)| *p).collect()
    }

    /// GOTO_TABLE carries the packet forward; instructions run as apply, clear, write, goto
    /// whatever their listed order; the action set executes at the end with one action per
    /// type (a later write replaces an earlier output); CLEAR_ACTIONS empties it.
    #[test]
    fn goto_table_and_write_clear_apply_order() {
        let t0 = SimTime::ZERO;
        let mut sw = switch(4);
        // Table 0: goto 1 listed first, write output 2, apply output 3.
        install(
            &mut sw,
            t0,
            FlowMod::add(
                1,
                Match::all(),
                vec![
                    Instruction::GotoTable { table_id: 1 },
                    Instruction::WriteActions(vec![Action::output(2)]),
                    Instruction::apply(vec![Action::output(3)]),
                ],
            ),
        );
        // Table 1: write output 4 (replaces output 2), goto 2.
        let mut t1 = FlowMod::add(
            1,
            Match::all(),
            vec![
                Instruction::WriteActions(vec![Action::output(4)]),
                Instruction::GotoTable { table_id: 2 },
            ],
        );
        t1.table_id = 1;
        install(&mut sw, t0, t1);
        // Table 2 matches only dst 2 and clears the set; dst 3 misses there and is dropped.
        let mut t2 = FlowMod::add(
            1,
            Match {
                eth_type: Some(0x0800),
                ipv4_dst: Some(Masked::exact(Ipv4Addr::new(10, 0, 0, 2))),
                ..Match::default()
            },
            vec![Instruction::ClearActions],
        );
        t2.table_id = 2;
        let mut t2b = FlowMod::add(0, Match::all(), vec![]);
        t2b.table_id = 2;
        install(&mut sw, t0, t2);
        install(&mut sw, t0, t2b);

        sw.handle_packet(t0, 1, udp(1, 5, 1, 1)).unwrap();
        assert_eq!(
            ports(&outputs(&mut sw)),
            vec![3, 4],
            "apply output 3 at once, then the action set's output 4 (replaced 2)"
        );
        sw.handle_packet(t0, 1, udp(1, 2, 1, 1)).unwrap();
        assert_eq!(
            ports(&outputs(&mut sw)),
            vec![3],
            "CLEAR_ACTIONS in table 2 drops the written output"
        );
        let lookups: Vec<u64> = sw.tables().iter().map(|t| t.lookup_count()).collect();
        assert_eq!(lookups, vec![2, 2, 2, 0], "each packet visits tables 0..=2");
    }

    /// GOTO_TABLE backwards, to itself or past the last table is refused.
    #[test]
    fn goto_must_go_forward() {
        let mut sw = switch(2);
        for (from, to) in [(1u8, 1u8), (2, 1), (0, 4)] {
            let mut f = FlowMod::add(
                1,
                Match::all(),
                vec![Instruction::GotoTable { table_id: to }],
            );
            f.table_id = from;
            sw.handle_message(SimTime::ZERO, Message::new(9, MessageBody::FlowMod(f)));
            let m = messages(&mut sw);
            assert!(
                matches!(&m[..], [ControlMessage { msg: Message { xid: 9, body: MessageBody::Error(e) }, .. }]
                    if (e.err_type, e.code) == (OfError::BAD_GOTO_TABLE.err_type, OfError::BAD_GOTO_TABLE.code)),
                "goto {from}->{to} refused: {m:?}"
            );
        }
        assert_eq!(sw.flow_entries(), 0, "nothing installed");
    }

    /// Apply-actions rewrite the packet for what follows: set-field of MACs, IPv4 and ports,
    /// push VLAN (VID 0, then set to 10) and pop VLAN; each output sees the packet as it was
    /// then. The action set applies pop, push, set-field before output (§5.10).
    #[test]
    fn vlan_and_set_field_effects() {
        let t0 = SimTime::ZERO;
        let mut sw = switch(4);
        let new_mac = [2, 0, 0, 0, 0, 0x99];
        install(
            &mut sw,
            t0,
            FlowMod::add(
                1,
                Match {
                    in_port: Some(1),
                    ..Match::default()
                },
                vec![
                    Instruction::apply(vec![
                        Action::PushVlan { ethertype: 0x8100 },
                        Action::output(2),
                        Action::SetField(Oxm::VlanVid(Masked::exact(0x1000 | 10))),
                        Action::SetField(Oxm::EthDst(Masked::exact(new_mac))),
                        Action::SetField(Oxm::Ipv4Dst(Masked::exact(Ipv4Addr::new(10, 9, 9, 9)))),
                        Action::SetField(Oxm::UdpDst(4242)),
                        Action::SetField(Oxm::TcpDst(1)),
                        Action::output(3),
                        Action::PopVlan,
                    ]),
                    // Written in reverse order; executed pop, push, set, output.
                    Instruction::WriteActions(vec![
                        Action::output(4),
                        Action::SetField(Oxm::VlanVid(Masked::exact(0x1000 | 20))),
                        Action::PushVlan { ethertype: 0x8100 },
                    ]),
                ],
            ),
        );
        let p = udp(1, 2, 1, 80);
        sw.handle_packet(t0, 1, p).unwrap();
        let out = outputs(&mut sw);
        assert_eq!(ports(&out), vec![2, 3, 4], "three outputs");
        assert_eq!(
            out[0].1.eth.vlan,
            VlanStack::single(VlanTag::dot1q(0)),
            "pushed tag on an untagged frame has VID 0"
        );
        assert_eq!(
            out[0].1.eth.dst, p.eth.dst,
            "first copy precedes the rewrites"
        );
        let q = out[1].1;
        assert_eq!(
            q.eth.vlan,
            VlanStack::single(VlanTag::dot1q(10)),
            "set vlan_vid 10"
        );
        assert_eq!(q.eth.dst.0, new_mac, "set eth_dst");
        assert_eq!(
            q.ipv4().unwrap().dst,
            Ipv4Addr::new(10, 9, 9, 9),
            "set ipv4_dst"
        );
        assert!(
            matches!(q.l4, net_stack::wire::L4::Udp(u) if u.dst_port == 4242),
            "set udp_dst; tcp_dst ignored on UDP"
        );
        assert_eq!(
            out[2].1.eth.vlan,
            VlanStack::single(VlanTag::dot1q(20)),
            "action set: push after pop, then set VID 20"
        );
        assert_eq!(
            out[2].1.eth.dst.0, new_mac,
            "apply-action rewrites persist into the set"
        );
    }

    /// FLOOD and ALL go to every up port except the input port; IN_PORT back to it; an
    /// explicit output to the input port is dropped; down ports get nothing.
    #[test]
    fn flood_all_in_port_port_sets() {
        let t0 = SimTime::ZERO;
        let mut sw = switch(4);
        for (prio, port, reserved) in [
            (3u16, 1u32, OFPP_FLOOD),
            (2, 2, OFPP_ALL),
            (1, 3, OFPP_IN_PORT),
        ] {
            let m = Match {
                in_port: Some(port),
                ..Match::default()
            };
            install(
                &mut sw,
                t0,
                FlowMod::add(
                    prio,
                    m,
                    vec![Instruction::apply(vec![Action::output(reserved)])],
                ),
            );
        }
        let m = Match {
            in_port: Some(4),
            ..Match::default()
        };
        install(
            &mut sw,
            t0,
            FlowMod::add(1, m, vec![Instruction::apply(vec![Action::output(4)])]),
        );
        let p = udp(1, 2, 1, 1);
        sw.handle_packet(t0, 1, p).unwrap();
        assert_eq!(ports(&outputs(&mut sw)), vec![2, 3, 4], "FLOOD from 1");
        sw.handle_packet(t0, 2, p).unwrap();
        assert_eq!(ports(&outputs(&mut sw)), vec![1, 3, 4], "ALL from 2");
        sw.handle_packet(t0, 3, p).unwrap();
        assert_eq!(ports(&outputs(&mut sw)), vec![3], "IN_PORT from 3");
        sw.handle_packet(t0, 4, p).unwrap();
        assert!(
            outputs(&mut sw).is_empty(),
            "output:4 from port 4 is dropped"
        );
        sw.set_port_state(t0, 3, false).unwrap();
        let _ = messages(&mut sw);
        sw.handle_packet(t0, 1, p).unwrap();
        assert_eq!(
            ports(&outputs(&mut sw)),
            vec![2, 4],
            "FLOOD skips the down port 3"
        );
        let tx: Vec<u64> = sw.ports().iter().map(|p| p.counters.tx_packets).collect();
        assert_eq!(tx, vec![1, 2, 3, 3], "per-port tx counters");
    }

    /// Output of every packet received on port 1 through `actions` (apply-actions).
    fn run_actions(actions: Vec<Action>, p: Packet) -> (Vec<(u32, Packet)>, Switch) {
        let mut sw = switch(4);
        let m = Match {
            in_port: Some(1),
            ..Match::default()
        };
        install(
            &mut sw,
            SimTime::ZERO,
            FlowMod::add(1, m, vec![Instruction::apply(actions)]),
        );
        sw.handle_packet(SimTime::ZERO, 1, p).unwrap();
        (outputs(&mut sw), sw)
    }

    /// OpenFlow 1.3 push/push/pop: the first PUSH_VLAN tags the frame (VID 0), SET_FIELD sets
    /// the outer VID and PCP… the second PUSH_VLAN (0x88a8) adds a new outer S-tag whose VID
    /// and PCP are copied from the tag it covers (§5.12, Table 7), SET_FIELD then changes only
    /// the outer tag; POP_VLAN removes the outer tag. Each tag adds 4 bytes to the frame.
    #[test]
    fn push_push_pop_stacks_tags() {
        let p = udp(1, 2, 1, 80);
        let base = p.frame_len();
        let (out, sw) = run_actions(
            vec![
                Action::PushVlan { ethertype: 0x8100 },
                Action::SetField(Oxm::VlanVid(Masked::exact(0x1000 | 10))),
                Action::output(2),
                Action::PushVlan { ethertype: 0x88a8 },
                Action::output(3),
                Action::SetField(Oxm::VlanVid(Masked::exact(0x1000 | 300))),
                Action::output(4),
                Action::PopVlan,
                Action::output(2),
            ],
            p,
        );
        let tags = |i: usize| -> Vec<(Tpid, u16)> {
            out[i].1.eth.vlan.iter().map(|t| (t.tpid, t.vid)).collect()
        };
        assert_eq!(ports(&out), vec![2, 3, 4, 2]);
        assert_eq!(tags(0), vec![(Tpid::Dot1Q, 10)], "one C-tag");
        assert_eq!(out[0].1.frame_len(), base + 4, "+4 bytes");
        assert_eq!(
            tags(1),
            vec![(Tpid::Dot1Ad, 10), (Tpid::Dot1Q, 10)],
            "new outer S-tag copies the VID of the tag it covers"
        );
        assert_eq!(out[1].1.frame_len(), base + 8, "+8 bytes");
        assert_eq!(
            tags(2),
            vec![(Tpid::Dot1Ad, 300), (Tpid::Dot1Q, 10)],
            "set vlan_vid acts on the outer tag only"
        );
        assert_eq!(
            tags(3),
            vec![(Tpid::Dot1Q, 10)],
            "pop removes the outer tag"
        );
        assert_eq!(out[3].1.frame_len(), base + 4);
        assert_eq!(sw.counters().vlan_push_drops, 0);
    }

    /// SET_FIELD vlan_pcp (a raw OXM TLV, field 7) rewrites the outer tag's PCP only; a PCP
    /// over 7 is refused at install with BAD_SET_ARGUMENT.
    #[test]
    fn set_vlan_pcp_on_outer_tag() {
        let pcp = |v: u8| {
            Action::SetField(Oxm::Raw(
                crate::wire::RawOxm::new(
                    OFPXMC_OPENFLOW_BASIC,
                    oxm_field::VLAN_PCP,
                    false,
                    vec![v],
                )
                .unwrap(),
            ))
        };
        let mut p = udp(1, 2, 1, 80);
        p.eth.vlan = VlanStack::single(VlanTag {
            pcp: 1,
            ..VlanTag::dot1q(42)
        });
        let (out, _) = run_actions(
            vec![
                Action::PushVlan { ethertype: 0x88a8 },
                pcp(6),
                Action::output(2),
            ],
            p,
        );
        let pcps: Vec<u8> = out[0].1.eth.vlan.iter().map(|t| t.pcp).collect();
        assert_eq!(pcps, vec![6, 1], "outer PCP set, inner kept");
        assert_eq!(
            validate_actions(&[pcp(8)], 4, false),
            Err(OfError::BAD_SET_ARGUMENT)
        );
    }

    /// The PCP of the covered tag is copied into the pushed one too.
    #[test]
    fn push_copies_pcp() {
        let mut p = udp(1, 2, 1, 80);
        p.eth.vlan = VlanStack::single(VlanTag {
            pcp: 5,
            ..VlanTag::dot1q(42)
        });
        let (out, _) = run_actions(
            vec![Action::PushVlan { ethertype: 0x8100 }, Action::output(2)],
            p,
        );
        let outer = out[0].1.eth.vlan.outer().unwrap();
        assert_eq!((outer.vid, outer.pcp), (42, 5));
    }

    /// A third PUSH_VLAN is refused cleanly: the packet is dropped at that action (outputs
    /// before it stand, none after it happens) and counted in `vlan_push_drops`; no panic, and
    /// the switch keeps forwarding.
    #[test]
    fn third_push_is_a_counted_drop() {
        let push = Action::PushVlan { ethertype: 0x8100 };
        let (out, mut sw) = run_actions(
            vec![
                push.clone(),
                push.clone(),
                Action::output(2),
                push,
                Action::output(3),
            ],
            udp(1, 2, 1, 80),
        );
        assert_eq!(
            ports(&out),
            vec![2],
            "only the output before the third push"
        );
        assert_eq!(out[0].1.eth.vlan.len(), 2);
        assert_eq!(sw.counters().vlan_push_drops, 1, "the drop is counted");
        sw.handle_packet(SimTime::ZERO, 1, udp(1, 2, 1, 80))
            .unwrap();
        assert_eq!(
            sw.counters().vlan_push_drops,
            2,
            "and again for the next packet"
        );
    }

    /// DEC_NW_TTL and SET_FIELD ipv4_dst act on a tunnelled packet's outer header, leaving the
    /// inner one alone.
    #[test]
    fn ttl_and_ipv4_set_field_use_the_outer_header() {
        let mut p = udp(1, 2, 1, 80);
        let (c, d) = (Ipv4Addr::new(192, 168, 1, 1), Ipv4Addr::new(192, 168, 2, 2));
        p.encapsulate(net_stack::wire::TunnelKind::IpIp, c, d)
            .unwrap();
        let new_dst = Ipv4Addr::new(192, 168, 3, 3);
        let (out, _) = run_actions(
            vec![
                Action::DecNwTtl,
                Action::SetField(Oxm::Ipv4Dst(Masked::exact(new_dst))),
                Action::output(2),
            ],
            p,
        );
        let q = out[0].1;
        assert_eq!(q.outer_ip().unwrap().ttl, 63, "outer TTL decremented");
        assert_eq!(q.outer_dst(), Some(new_dst), "outer dst rewritten");
        assert_eq!(q.ipv4(), p.ipv4(), "inner header untouched");
    }

    /// DEC_NW_TTL drops a packet whose TTL would reach zero.
    #[test]
    fn dec_ttl_drops_expiring_packets() {
        let mut sw = switch(2);
        install(
            &mut sw,
            SimTime::ZERO,
            FlowMod::add(
                1,
                Match::all(),
                vec![Instruction::apply(vec![
                    Action::DecNwTtl,
                    Action::output(2),
                ])],
            ),
        );
        let mut p = udp(1, 2, 1, 1);
        sw.handle_packet(SimTime::ZERO, 1, p).unwrap();
        let out = outputs(&mut sw);
        assert_eq!(out[0].1.ipv4().unwrap().ttl, 63, "TTL decremented");
        if let net_stack::wire::L3::Ipv4(ip) = &mut p.l3 {
            ip.ttl = 1;
        }
        sw.handle_packet(SimTime::ZERO, 1, p).unwrap();
        assert!(outputs(&mut sw).is_empty(), "TTL 1 is dropped");
    }
}
