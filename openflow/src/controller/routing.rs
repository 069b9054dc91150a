//! The reactive routing core shared by [`ShortestPath`](super::ShortestPath) and
//! [`DynamicRouting`](super::DynamicRouting); they differ only in what a link costs.
//!
//! * **Hosts** are learned from PACKET_INs on edge ports: `eth_src → (dpid, port)`, and IP →
//!   MAC from ARP senders and IPv4 sources.
//! * **ARP**: a broadcast request whose target IP is known is answered by the controller
//!   (proxy ARP, a PACKET_OUT of a constructed reply on the request's port); any other
//!   broadcast (unknown target, gratuitous ARP) and unicast to an unknown MAC is flooded to
//!   every edge port of every switch except the one it came in on — never to switch ports, so
//!   a fat-tree's loops cannot make it circulate.
//! * **Pairs**: the first PACKET_IN of a (eth_src, eth_dst) pair with a known destination
//!   computes a path from the PACKET_IN switch ([`SwitchGraph::shortest_path`]) and installs
//!   priority-1 entries matching (eth_src, eth_dst) along it, destination end first, so that
//!   the packet, sent on by a PACKET_OUT, never overtakes its entries.
//! * **Link down** (PORT_STATUS): every pair crossing the link moves to a surviving path —
//!   ADD where the output changes, DELETE_STRICT where the switch is no longer on the path.
//!   Link up only makes the link available to later pairs.
//! * **Host moved** (its MAC seen on another edge port, e.g. by its gratuitous ARP after a VM
//!   migration): every pair to or from it is deleted at every switch on its route and
//!   forgotten, so the next packet routes to the new location.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use net_stack::wire::{ArpOp, ArpRepr, EtherType, EthernetRepr, L3, L4, MacAddr, Packet};

use super::{AppConfig, Context, PacketInEvent, SwitchGraph, Topology};
use crate::wire::{
    Action, FlowMod, FlowModCommand, FlowModFlags, FlowRemoved, FlowRemovedReason, Instruction,
    Masked, Match, OFP_NO_BUFFER, OFPP_CONTROLLER, Port, PortReason, PortStatus,
};

/// Priority of the per-pair entries (Ryu's examples use 1 above the table-miss entry's 0).
pub(crate) const ROUTE_PRIORITY: u16 = 1;

/// What crossing a link costs, for the path computation.
pub(crate) trait LinkCost {
    /// Cost of `link` (at least 1).
    fn cost(&self, link: usize) -> u64;
    /// A pair was routed over `links`.
    fn route_chosen(&mut self, _links: &[usize]) {}
}

/// Every link costs 1: paths by hop count.
pub(crate) struct HopCount;

impl LinkCost for HopCount {
    fn cost(&self, _link: usize) -> u64 {
        1
    }
}

/// The route of one (eth_src, eth_dst) pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// `(dpid, output port)` per switch in path order; the last outputs to the destination
    /// host's edge port.
    pub hops: Vec<(u64, u32)>,
}

impl Route {
    /// The dpids on the route, in order.
    pub fn dpids(&self) -> Vec<u64> {
        self.hops.iter().map(|h| h.0).collect()
    }
}

/// Host, address and route tables of a routing app; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct Routing {
    config: AppConfig,
    graph: SwitchGraph,
    hosts: BTreeMap<MacAddr, (u64, u32)>,
    ips: BTreeMap<Ipv4Addr, MacAddr>,
    routes: BTreeMap<(MacAddr, MacAddr), Route>,
}

/// Installs the table-miss entry of Ryu's examples: priority 0, empty match, output to the
/// controller with the whole frame, unbuffered.
pub(crate) fn install_table_miss(ctx: &mut Context<'_>, dpid: u64) {
    let to_ctl = vec![Instruction::apply(vec![Action::to_controller()])];
    ctx.flow_mod(dpid, FlowMod::add(0, Match::all(), to_ctl));
}

/// Whether a PORT_STATUS or port description says the port is up.
pub(crate) fn port_is_up(p: &Port) -> bool {
    p.config & Port::CONFIG_PORT_DOWN == 0 && p.state & Port::STATE_LINK_DOWN == 0
}

/// Whether a port status means "usable".
pub(crate) fn status_is_up(ps: &PortStatus) -> bool {
    ps.reason != PortReason::Delete && port_is_up(&ps.desc)
}

/// Broadcast and multicast addresses (the group bit).
pub(crate) fn is_group(mac: MacAddr) -> bool {
    mac.0[0] & 1 == 1
}

fn pair_match(src: MacAddr, dst: MacAddr) -> Match {
    Match {
        eth_src: Some(Masked::exact(src.0)),
        eth_dst: Some(Masked::exact(dst.0)),
        ..Match::default()
    }
}

impl Routing {
    pub(crate) fn new(topo: &Topology, config: AppConfig) -> Routing {
        Routing {
            config,
            graph: SwitchGraph::new(topo),
            hosts: BTreeMap::new(),
            ips: BTreeMap::new(),
            routes: BTreeMap::new(),
        }
    }

    /// The live switch graph.
    pub fn graph(&self) -> &SwitchGraph {
        &self.graph
    }

    /// Where host `mac` was last seen: `(dpid, edge port)`.
    pub fn host_location(&self, mac: MacAddr) -> Option<(u64, u32)> {
        self.hosts.get(&mac).copied()
    }

    /// The MAC learned for `ip`.
    pub fn mac_of(&self, ip: Ipv4Addr) -> Option<MacAddr> {
        self.ips.get(&ip).copied()
    }

    /// The installed route of a pair.
    pub fn route(&self, src: MacAddr, dst: MacAddr) -> Option<&Route> {
        self.routes.get(&(src, dst))
    }

    /// All installed routes, by (eth_src, eth_dst).
    pub fn routes(&self) -> impl Iterator<Item = (&(MacAddr, MacAddr), &Route)> {
        self.routes.iter()
    }

    pub(crate) fn port_desc(
        &mut self,
        ctx: &mut Context<'_>,
        dpid: u64,
        ports: &[Port],
        c: &mut dyn LinkCost,
    ) {
        for p in ports {
            self.set_port(ctx, dpid, p.port_no, port_is_up(p), c);
        }
    }

    pub(crate) fn port_status(
        &mut self,
        ctx: &mut Context<'_>,
        dpid: u64,
        ps: &PortStatus,
        c: &mut dyn LinkCost,
    ) {
        self.set_port(ctx, dpid, ps.desc.port_no, status_is_up(ps), c);
    }

    fn set_port(
        &mut self,
        ctx: &mut Context<'_>,
        dpid: u64,
        port: u32,
        up: bool,
        c: &mut dyn LinkCost,
    ) {
        if let Some((link, false)) = self.graph.set_port_up(dpid, port, up) {
            self.reroute_link(ctx, link, c);
        }
    }

    /// An entry of a pair expired: forget the pair, so its next packet is routed anew.
    pub(crate) fn flow_removed(&mut self, fr: &FlowRemoved) {
        let timed_out = matches!(
            fr.reason,
            FlowRemovedReason::IdleTimeout | FlowRemovedReason::HardTimeout
        );
        if let (true, Some(s), Some(d)) = (timed_out, fr.match_.eth_src, fr.match_.eth_dst) {
            self.routes.remove(&(MacAddr(s.value), MacAddr(d.value)));
        }
    }

    pub(crate) fn packet_in(
        &mut self,
        ctx: &mut Context<'_>,
        ev: &PacketInEvent<'_>,
        c: &mut dyn LinkCost,
    ) {
        let pkt = ev.packet;
        let edge = self.graph.is_edge_port(ev.dpid, ev.in_port);
        let (src, dst) = (pkt.eth.src, pkt.eth.dst);
        if edge && !is_group(src) {
            self.learn(ctx, src, (ev.dpid, ev.in_port), &pkt);
        }
        if let L3::Arp(arp) = pkt.l3
            && arp.op == ArpOp::Request
            && is_group(dst)
            && edge
            && arp.sender_ip != arp.target_ip
            && let Some(mac) = self.mac_of(arp.target_ip)
        {
            self.proxy_arp_reply(ctx, ev, arp, mac);
            return;
        }
        if is_group(dst) || !self.hosts.contains_key(&dst) {
            // Only packets straight from a host are flooded: a copy arriving from another
            // switch has been flooded already.
            if edge {
                self.flood_edges(ctx, ev);
            }
            return;
        }
        self.forward(ctx, ev, src, dst, c);
    }

    fn learn(&mut self, ctx: &mut Context<'_>, mac: MacAddr, at: (u64, u32), pkt: &Packet) {
        match pkt.l3 {
            L3::Arp(a) if a.sender_mac == mac && !a.sender_ip.is_unspecified() => {
                self.ips.insert(a.sender_ip, mac);
            }
            L3::Ipv4(ip) => {
                self.ips.insert(ip.src, mac);
            }
            L3::Arp(_) => {}
        }
        if self.hosts.get(&mac).is_some_and(|&old| old != at) {
            self.move_host(ctx, mac, at);
        }
        self.hosts.insert(mac, at);
    }

    /// Host `mac` is now at `at` = (dpid, edge port): deletes every entry of every pair to or
    /// from it, at every switch on the pair's route, and forgets those pairs.
    pub fn move_host(&mut self, ctx: &mut Context<'_>, mac: MacAddr, at: (u64, u32)) {
        let pairs: Vec<_> = self
            .routes
            .keys()
            .filter(|(s, d)| *s == mac || *d == mac)
            .copied()
            .collect();
        for pair in pairs {
            if let Some(route) = self.routes.remove(&pair) {
                for &(dpid, _) in &route.hops {
                    ctx.flow_mod(dpid, self.delete_entry(pair));
                }
            }
        }
        self.hosts.insert(mac, at);
    }

    /// Answers an ARP request for a known IP from the controller.
    fn proxy_arp_reply(
        &self,
        ctx: &mut Context<'_>,
        ev: &PacketInEvent<'_>,
        req: ArpRepr,
        mac: MacAddr,
    ) {
        // The reply reuses the request's metadata: the controller cannot allocate packet uids,
        // the integrator may renumber it.
        let reply = Packet {
            eth: EthernetRepr {
                dst: req.sender_mac,
                src: mac,
                vlan: ev.packet.eth.vlan,
                ethertype: EtherType::Arp,
            },
            l3: L3::Arp(ArpRepr {
                op: ArpOp::Reply,
                sender_mac: mac,
                sender_ip: req.target_ip,
                target_mac: req.sender_mac,
                target_ip: req.sender_ip,
            }),
            l4: L4::None,
            payload_len: 0,
            meta: ev.packet.meta,
        };
        let out = vec![Action::output(ev.in_port)];
        ctx.packet_out(ev.dpid, OFP_NO_BUFFER, OFPP_CONTROLLER, out, Some(reply));
    }

    /// One PACKET_OUT per switch with an OUTPUT to each of its edge ports, except the port the
    /// packet came in on.
    fn flood_edges(&self, ctx: &mut Context<'_>, ev: &PacketInEvent<'_>) {
        for i in 0..self.graph.len() {
            let dpid = self.graph.dpid(i);
            let actions: Vec<Action> = self
                .graph
                .edge_ports(i)
                .into_iter()
                .filter(|&p| (dpid, p) != (ev.dpid, ev.in_port))
                .map(Action::output)
                .collect();
            if actions.is_empty() {
                continue;
            }
            if dpid == ev.dpid {
                ctx.packet_out(dpid, ev.buffer_id, ev.in_port, actions, Some(ev.packet));
            } else {
                ctx.packet_out(
                    dpid,
                    OFP_NO_BUFFER,
                    OFPP_CONTROLLER,
                    actions,
                    Some(ev.packet),
                );
            }
        }
    }

    /// Routes a pair (if new) and sends the packet on along its route.
    fn forward(
        &mut self,
        ctx: &mut Context<'_>,
        ev: &PacketInEvent<'_>,
        src: MacAddr,
        dst: MacAddr,
        c: &mut dyn LinkCost,
    ) {
        let pair = (src, dst);
        if let Some(route) = self.routes.get(&pair) {
            // Packets that reached the controller before the entries reached the switches:
            // send them on, install nothing new. A switch off the route drops them.
            if let Some(&(_, port)) = route.hops.iter().find(|h| h.0 == ev.dpid) {
                send_on(ctx, ev, port);
            }
            return;
        }
        let to = self.hosts[&dst];
        let Some(route) = self.compute(ev.dpid, to, c) else {
            return;
        };
        self.install(ctx, pair, &route, None);
        let first = route.hops[0].1;
        self.routes.insert(pair, route);
        send_on(ctx, ev, first);
    }

    /// The cheapest route from switch `from` to host port `to`, reported to the cost model.
    fn compute(&self, from: u64, to: (u64, u32), c: &mut dyn LinkCost) -> Option<Route> {
        let (s, d) = (self.graph.index_of(from)?, self.graph.index_of(to.0)?);
        let path = self.graph.shortest_path(s, d, |l| c.cost(l))?;
        let links: Vec<usize> = path.via.iter().map(|a| a.link).collect();
        c.route_chosen(&links);
        let mut hops: Vec<(u64, u32)> = path
            .switches
            .iter()
            .zip(&path.via)
            .map(|(&i, a)| (self.graph.dpid(i), a.port))
            .collect();
        hops.push(to);
        Some(Route { hops })
    }

    /// Installs `new` from the destination end backwards, skipping hops `old` already has,
    /// then deletes the pair at the switches of `old` that `new` does not visit.
    fn install(
        &self,
        ctx: &mut Context<'_>,
        pair: (MacAddr, MacAddr),
        new: &Route,
        old: Option<&Route>,
    ) {
        for &(dpid, port) in new.hops.iter().rev() {
            if old.is_some_and(|o| o.hops.contains(&(dpid, port))) {
                continue;
            }
            ctx.flow_mod(dpid, self.add_entry(pair, port));
        }
        for &(dpid, _) in old.map_or(&[][..], |o| &o.hops) {
            if !new.hops.iter().any(|h| h.0 == dpid) {
                ctx.flow_mod(dpid, self.delete_entry(pair));
            }
        }
    }

    /// Moves every pair routed over `link` (now down) to a surviving path, in pair order.
    fn reroute_link(&mut self, ctx: &mut Context<'_>, link: usize, c: &mut dyn LinkCost) {
        let pairs: Vec<_> = self
            .routes
            .iter()
            .filter(|(_, r)| {
                r.hops
                    .iter()
                    .any(|&(d, p)| self.graph.link_at(d, p) == Some(link))
            })
            .map(|(k, _)| *k)
            .collect();
        for pair in pairs {
            let Some(old) = self.routes.remove(&pair) else {
                continue;
            };
            let (from, to) = (old.hops[0].0, old.hops[old.hops.len() - 1]);
            match self.compute(from, to, c) {
                Some(new) => {
                    self.install(ctx, pair, &new, Some(&old));
                    self.routes.insert(pair, new);
                }
                None => {
                    for &(dpid, _) in &old.hops {
                        ctx.flow_mod(dpid, self.delete_entry(pair));
                    }
                }
            }
        }
    }

    fn add_entry(&self, (src, dst): (MacAddr, MacAddr), port: u32) -> FlowMod {
        let c = self.config;
        let flags = if c.idle_timeout > 0 || c.hard_timeout > 0 {
            FlowModFlags::SEND_FLOW_REM
        } else {
            FlowModFlags::NONE
        };
        let out = vec![Instruction::apply(vec![Action::output(port)])];
        FlowMod {
            idle_timeout: c.idle_timeout,
            hard_timeout: c.hard_timeout,
            flags,
            ..FlowMod::add(ROUTE_PRIORITY, pair_match(src, dst), out)
        }
    }

    fn delete_entry(&self, (src, dst): (MacAddr, MacAddr)) -> FlowMod {
        FlowMod {
            command: FlowModCommand::DeleteStrict,
            ..FlowMod::add(ROUTE_PRIORITY, pair_match(src, dst), Vec::new())
        }
    }
}

/// PACKET_OUT of the PACKET_IN's packet (or buffer) on `port`.
fn send_on(ctx: &mut Context<'_>, ev: &PacketInEvent<'_>, port: u32) {
    if port != ev.in_port {
        let out = vec![Action::output(port)];
        ctx.packet_out(ev.dpid, ev.buffer_id, ev.in_port, out, Some(ev.packet));
    }
}
