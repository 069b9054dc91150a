//! Ryu's `simple_switch_13`, made safe for topologies with loops.
//!
//! As in Ryu: a table-miss entry sends every unmatched packet to the controller; a PACKET_IN
//! teaches `mac_to_port[dpid][eth_src] = in_port`; a known destination gets a priority-1 entry
//! on (in_port, eth_dst, eth_src) — carrying the buffer id when the packet was buffered, else
//! followed by a PACKET_OUT with the frame — and an unknown or broadcast destination is
//! flooded.
//!
//! Unlike Ryu, flooding never uses OFPP_FLOOD, which on a fat-tree would send broadcasts
//! round its loops forever. It is a list of OUTPUT actions to the switch's edge ports and its
//! ports on a spanning tree of the switch graph (BFS from the lowest dpid, neighbours in dpid
//! order, [`SwitchGraph::spanning_tree_ports`]), except the input port. A packet arriving on a
//! switch port off the tree is ignored — neither learned nor flooded — so every learned port
//! is a tree or edge port and unicast follows the tree too.
//!
//! A host seen on a new edge port (it moved) is forgotten everywhere: its entries, as source
//! or destination, are deleted at every switch. A link going down or up rebuilds the tree and
//! forgets everything learned. The app's entries carry [`LEARNED_COOKIE`] so both deletions
//! spare the table-miss entry.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet};

use net_stack::wire::MacAddr;

use super::routing::{install_table_miss, is_group, port_is_up, status_is_up};
use super::{App, AppConfig, Context, PacketInEvent, SwitchGraph, Topology};
use crate::wire::{
    Action, FeaturesReply, FlowMod, FlowModCommand, Instruction, Masked, Match, OFP_NO_BUFFER,
    Port, PortStatus,
};

/// Cookie of the entries the learning switch installs.
pub const LEARNED_COOKIE: u64 = 0x4c45_4152_4e45_4400;

/// The learning switch; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct LearningSwitch {
    config: AppConfig,
    graph: SwitchGraph,
    tree_ports: BTreeSet<(u64, u32)>,
    mac_to_port: BTreeMap<u64, BTreeMap<MacAddr, u32>>,
    /// Where each host was last seen on an edge port, to notice moves.
    hosts: BTreeMap<MacAddr, (u64, u32)>,
}

impl LearningSwitch {
    /// The app for `topo`.
    ///
    /// # Panics
    ///
    /// If the topology does not pass [`Topology::validate`].
    pub fn new(topo: &Topology, config: AppConfig) -> LearningSwitch {
        let graph = SwitchGraph::new(topo);
        LearningSwitch {
            config,
            tree_ports: graph.spanning_tree_ports(),
            graph,
            mac_to_port: BTreeMap::new(),
            hosts: BTreeMap::new(),
        }
    }

    /// The port switch `dpid` learned for `mac`.
    pub fn port_of(&self, dpid: u64, mac: MacAddr) -> Option<u32> {
        self.mac_to_port.get(&dpid)?.get(&mac).copied()
    }

    /// The switch ports on the current spanning tree, as (dpid, port).
    pub fn tree_ports(&self) -> &BTreeSet<(u64, u32)> {
        &self.tree_ports
    }

    /// The live switch graph.
    pub fn graph(&self) -> &SwitchGraph {
        &self.graph
    }

    /// Records a port state; a link that changes state rebuilds the tree.
    fn set_port(&mut self, ctx: &mut Context<'_>, dpid: u64, port: u32, up: bool) {
        if self.graph.set_port_up(dpid, port, up).is_some() {
            self.tree_ports = self.graph.spanning_tree_ports();
            self.mac_to_port.clear();
            for s in &ctx.topology().switches {
                ctx.flow_mod(s.dpid, delete_learned(Match::all()));
            }
        }
    }

    /// Deletes every entry with `mac` as source or destination at every switch, and forgets
    /// `mac` everywhere.
    fn forget(&mut self, ctx: &mut Context<'_>, mac: MacAddr) {
        for s in &ctx.topology().switches {
            let m = Some(Masked::exact(mac.0));
            let dst = Match {
                eth_dst: m,
                ..Match::default()
            };
            let src = Match {
                eth_src: m,
                ..Match::default()
            };
            ctx.flow_mod(s.dpid, delete_learned(dst));
            ctx.flow_mod(s.dpid, delete_learned(src));
        }
        for table in self.mac_to_port.values_mut() {
            table.remove(&mac);
        }
    }

    /// OUTPUT actions to every edge and tree port of `dpid` but `in_port`.
    fn flood_actions(&self, dpid: u64, in_port: u32) -> Vec<Action> {
        let Some(i) = self.graph.index_of(dpid) else {
            return Vec::new();
        };
        let mut ports = self.graph.edge_ports(i);
        ports.extend(
            self.tree_ports
                .range((dpid, 0)..=(dpid, u32::MAX))
                .map(|p| p.1),
        );
        ports.sort_unstable();
        ports
            .into_iter()
            .filter(|&p| p != in_port)
            .map(Action::output)
            .collect()
    }
}

/// A DELETE in all tables of the learned entries matching `m`.
fn delete_learned(m: Match) -> FlowMod {
    FlowMod {
        cookie: LEARNED_COOKIE,
        cookie_mask: u64::MAX,
        ..FlowMod::delete(m)
    }
}

impl App for LearningSwitch {
    fn name(&self) -> &'static str {
        "learning"
    }

    fn switch_features(&mut self, ctx: &mut Context<'_>, dpid: u64, _f: &FeaturesReply) {
        install_table_miss(ctx, dpid);
    }

    fn port_desc(&mut self, ctx: &mut Context<'_>, dpid: u64, ports: &[Port]) {
        for p in ports {
            self.set_port(ctx, dpid, p.port_no, port_is_up(p));
        }
    }

    fn port_status(&mut self, ctx: &mut Context<'_>, dpid: u64, msg: &PortStatus) {
        self.set_port(ctx, dpid, msg.desc.port_no, status_is_up(msg));
    }

    /// The switch's ports count as down (the spanning tree avoids it) and what it learned is
    /// forgotten, until it joins again.
    fn switch_leave(&mut self, ctx: &mut Context<'_>, dpid: u64) {
        self.mac_to_port.remove(&dpid);
        let n = ctx.topology().n_ports(dpid);
        for port in 1..=n {
            self.set_port(ctx, dpid, port, false);
        }
    }

    fn packet_in(&mut self, ctx: &mut Context<'_>, ev: &PacketInEvent<'_>) {
        let (dpid, in_port, pkt) = (ev.dpid, ev.in_port, ev.packet);
        let off_tree = self.graph.link_at(dpid, in_port).is_some()
            && !self.tree_ports.contains(&(dpid, in_port));
        if off_tree {
            return;
        }
        let (src, dst) = (pkt.eth.src, pkt.eth.dst);
        if !is_group(src) {
            // A host is first seen by its own edge switch, before any copy of its packet is
            // flooded, so a move is caught here before other switches relearn it.
            if self.graph.is_edge_port(dpid, in_port) {
                let old = self.hosts.insert(src, (dpid, in_port));
                if old.is_some_and(|at| at != (dpid, in_port)) {
                    self.forget(ctx, src);
                }
            }
            self.mac_to_port
                .entry(dpid)
                .or_default()
                .insert(src, in_port);
        }
        let known = (!is_group(dst)).then(|| self.port_of(dpid, dst)).flatten();
        match known {
            // Back out of its own port: the switch would drop it anyway (§7.2.5).
            Some(out) if out == in_port => {}
            Some(out) => {
                let actions = vec![Action::output(out)];
                let m = Match {
                    in_port: Some(in_port),
                    eth_dst: Some(Masked::exact(dst.0)),
                    eth_src: Some(Masked::exact(src.0)),
                    ..Match::default()
                };
                let fm = FlowMod {
                    cookie: LEARNED_COOKIE,
                    idle_timeout: self.config.idle_timeout,
                    hard_timeout: self.config.hard_timeout,
                    buffer_id: ev.buffer_id,
                    ..FlowMod::add(1, m, vec![Instruction::apply(actions.clone())])
                };
                debug_assert_eq!(fm.command, FlowModCommand::Add);
                ctx.flow_mod(dpid, fm);
                if ev.buffer_id == OFP_NO_BUFFER {
                    ctx.packet_out(dpid, OFP_NO_BUFFER, in_port, actions, Some(pkt));
                }
            }
            None => {
                let actions = self.flood_actions(dpid, in_port);
                if !actions.is_empty() {
                    ctx.packet_out(dpid, ev.buffer_id, in_port, actions, Some(pkt));
                }
            }
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::AppKind;
    use crate::controller::Controller;
    use crate::controller::harness::{Harness, fat_tree_topology};
    use crate::switch::ControlMessage;
    use crate::wire::{Message, MessageBody, PacketIn, PacketInReason};
    use net_stack::wire::{
        EtherType, EthernetRepr, IpProtocol, Ipv4Addr, Ipv4Repr, L3, L4, Packet, PacketMeta,
        UdpRepr,
    };
    use sim_core::SimTime;

    fn app(h: &Harness) -> &LearningSwitch {
        h.ctl.app().as_any().downcast_ref().expect("learning")
    }

    /// Switch-to-switch transmissions, and whether all of them used tree ports.
    fn link_copies(h: &Harness) -> (u64, bool) {
        let g = app(h).graph();
        let tree = app(h).tree_ports();
        let on_links = h
            .port_tx
            .iter()
            .filter(|((d, p), _)| g.link_at(*d, *p).is_some());
        let all_tree = h
            .port_tx
            .keys()
            .filter(|(d, p)| g.link_at(*d, *p).is_some())
            .all(|k| tree.contains(k));
        (on_links.map(|(_, n)| n).sum(), all_tree)
    }

    /// A broadcast from h0 crosses each of the 19 spanning-tree links once and reaches each
    /// of the other 15 hosts once; off-tree links carry nothing.
    #[test]
    fn flood_follows_the_spanning_tree() {
        let mut h = Harness::new(AppKind::Learning, None);
        h.gratuitous_arp(0);
        assert!(
            h.hosts[0].received.is_empty(),
            "h0 gets no copy of its own broadcast"
        );
        for (i, host) in h.hosts.iter().enumerate().skip(1) {
            assert_eq!(host.received.len(), 1, "h{i} got exactly one copy");
        }
        let (copies, all_tree) = link_copies(&h);
        assert_eq!(copies, 19, "one copy per tree link (20 switches)");
        assert!(all_tree, "no copy on an off-tree link");
        assert_eq!(
            app(&h).port_of(20, h.hosts[0].mac),
            Some(1),
            "c3 learned h0 via pod 0"
        );
    }

    /// Every host reaches every other, each datagram arriving once and only at its
    /// destination; counters equal the messages that crossed.
    #[test]
    fn all_pairs_reachable() {
        let mut h = Harness::new(AppKind::Learning, None);
        for s in 0..16 {
            for d in (0..16).filter(|&d| d != s) {
                let uid = h.udp(s, d);
                assert_eq!(
                    h.copies(uid),
                    [d],
                    "h{s} -> h{d} delivered once, only to h{d}"
                );
            }
        }
        assert!(
            link_copies(&h).1,
            "all switch-to-switch traffic on the tree"
        );
        h.assert_counters_match();
    }

    /// A tree link going down rebuilds the tree: broadcasts still reach everyone once over
    /// 19 links, and unicast still flows.
    #[test]
    fn link_down_rebuilds_tree() {
        let mut h = Harness::new(AppKind::Learning, None);
        h.udp(0, 15);
        let link = h
            .topo
            .links
            .iter()
            .position(|l| l.a == (9, 3))
            .expect("a0-c0");
        assert!(
            app(&h).tree_ports().contains(&(9, 3)),
            "a0-c0 is a tree link"
        );
        h.set_link(link, false);
        assert!(!app(&h).tree_ports().contains(&(9, 3)), "not any more");
        h.port_tx.clear();
        h.gratuitous_arp(0);
        assert_eq!(link_copies(&h), (19, true), "flood on the new tree only");
        // Everything learned was forgotten: let every host announce itself again, so that
        // unicast is not flooded as unknown.
        for x in 1..16 {
            h.gratuitous_arp(x);
        }
        for (s, d) in [(0, 15), (15, 0), (3, 9)] {
            let uid = h.udp(s, d);
            assert_eq!(h.copies(uid), [d], "h{s} -> h{d} after the link went down");
        }
        assert!(link_copies(&h).1, "unicast on the new tree");
        h.assert_counters_match();
    }

    /// A host that moves is forgotten everywhere and reached at its new port.
    #[test]
    fn host_move_relearns() {
        let mut h = Harness::with_ports(AppKind::Learning, None, 5);
        h.udp(0, 4);
        h.udp(4, 0);
        h.move_host(4, 8, 5);
        let uid = h.udp(0, 4);
        assert_eq!(h.copies(uid), [4], "delivered at the new place");
        assert_eq!(
            app(&h).port_of(8, h.hosts[4].mac),
            Some(5),
            "e7 learned port 5"
        );
        h.assert_counters_match();
    }

    fn drain(c: &mut Controller) -> Vec<(u64, ControlMessage)> {
        std::iter::from_fn(|| c.poll_message()).collect()
    }

    fn udp(src: u32, dst: u32) -> Packet {
        Packet {
            eth: EthernetRepr {
                dst: MacAddr::from_index(dst),
                src: MacAddr::from_index(src),
                vlan: Default::default(),
                ethertype: EtherType::Ipv4,
            },
            l3: L3::Ipv4(Ipv4Repr {
                src: Ipv4Addr::new(10, 0, 0, src as u8),
                dst: Ipv4Addr::new(10, 0, 0, dst as u8),
                protocol: IpProtocol::Udp,
                ttl: 64,
                ident: 0,
                tos: 0,
                dont_fragment: false,
            }),
            l4: L4::Udp(UdpRepr {
                src_port: 1,
                dst_port: 2,
            }),
            payload_len: 10,
            encap: None,
            meta: PacketMeta {
                uid: 1,
                flow: 0,
                created: SimTime::ZERO,
            },
        }
    }

    fn packet_in(buffer_id: u32, in_port: u32, pkt: Packet) -> ControlMessage {
        let pi = PacketIn {
            buffer_id,
            total_len: pkt.frame_len() as u16,
            reason: PacketInReason::NoMatch,
            table_id: 0,
            cookie: 0,
            match_: Match {
                in_port: Some(in_port),
                ..Match::default()
            },
            data: Vec::new(),
        };
        ControlMessage {
            msg: Message::new(0, MessageBody::PacketIn(pi)),
            packet: Some(pkt),
        }
    }

    /// Learning switch with buffered PACKET_INs, as simple_switch_13: a flood is a PACKET_OUT
    /// naming the buffer (no data, no packet); a known destination is one FLOW_MOD carrying
    /// the buffer id and no PACKET_OUT. An unbuffered one carries the packet and its frame.
    #[test]
    fn learning_uses_buffers_like_ryu() {
        let topo = fat_tree_topology(4, 4);
        let mut c = Controller::new(
            topo.clone(),
            crate::controller::app(AppKind::Learning, &topo).expect("an OpenFlow app"),
        );
        let t0 = SimTime::ZERO;
        c.handle_message(t0, 1, packet_in(7, 1, udp(1, 2)));
        let out = drain(&mut c);
        let MessageBody::PacketOut(po) = &out[0].1.msg.body else {
            panic!("PACKET_OUT")
        };
        assert_eq!(
            (out.len(), po.buffer_id, po.data.len()),
            (1, 7, 0),
            "buffered flood"
        );
        assert_eq!(
            po.actions.len(),
            3,
            "h2's port and both uplinks (tree ports of e0)"
        );
        assert_eq!(out[0].1.packet, None, "the switch holds the packet");

        c.handle_message(t0, 1, packet_in(8, 2, udp(2, 1)));
        let out = drain(&mut c);
        let MessageBody::FlowMod(fm) = &out[0].1.msg.body else {
            panic!("FLOW_MOD")
        };
        assert_eq!(
            (out.len(), fm.buffer_id, fm.priority),
            (1, 8, 1),
            "FLOW_MOD releases it"
        );

        c.handle_message(t0, 1, packet_in(OFP_NO_BUFFER, 2, udp(2, 1)));
        let out = drain(&mut c);
        let MessageBody::PacketOut(po) = &out[1].1.msg.body else {
            panic!("PACKET_OUT")
        };
        assert_eq!(po.data.len(), udp(2, 1).frame_len(), "frame as data");
        assert_eq!(out[1].1.packet, Some(udp(2, 1)), "packet beside it");
    }

    /// A packet arriving on a switch port off the spanning tree (e1's second uplink; e1 hangs
    /// off a0) is ignored: nothing learned, nothing sent.
    #[test]
    fn off_tree_port_is_ignored() {
        let topo = fat_tree_topology(4, 4);
        let mut c = Controller::new(
            topo.clone(),
            crate::controller::app(AppKind::Learning, &topo).expect("an OpenFlow app"),
        );
        c.handle_message(SimTime::ZERO, 2, packet_in(OFP_NO_BUFFER, 4, udp(1, 3)));
        assert!(drain(&mut c).is_empty(), "no FLOW_MOD, no PACKET_OUT");
        let app = c.app().as_any().downcast_ref::<LearningSwitch>().unwrap();
        assert_eq!(app.port_of(2, MacAddr::from_index(1)), None, "not learned");
        c.handle_message(SimTime::ZERO, 2, packet_in(OFP_NO_BUFFER, 3, udp(1, 3)));
        assert_eq!(drain(&mut c).len(), 1, "the tree port floods");
    }
}
