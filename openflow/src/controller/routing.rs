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
//! * **Pairs** are unordered: hosts A and B share one path, both directions. The first
//!   PACKET_IN of either direction with both hosts known computes the path from the
//!   packet's source's edge switch to its destination's ([`SwitchGraph::shortest_path`], so
//!   the lowest-dpid tie break runs in that direction), reports it to the cost model once
//!   (a reservation under dynamic routing), and installs priority-1 entries matching (eth_src,
//!   eth_dst) for both directions along it — the packet's direction first, each direction
//!   destination end first — before sending the packet on with a PACKET_OUT, so that it never
//!   overtakes its entries. The other direction then never reaches the controller: an ARP
//!   reply routes the data that follows it, and a pair costs one route, not two (what Ryu's
//!   usual shortest-path apps do).
//! * **Packets already routed** (they reached the controller before their entries reached
//!   the switch, or while entries were being replaced) are sent on along their direction of
//!   the route, installing nothing. A switch off the route — or a packet whose source was
//!   never seen on an edge port, so that the pair cannot be routed — sends it one hop along
//!   a hop-count shortest path towards the destination's edge switch instead of dropping it:
//!   each such hop gets closer, so it arrives once (a hop back out of its in-port is the one
//!   case still dropped, as OpenFlow needs OFPP_IN_PORT for that).
//! * **Timeouts** (with [`AppConfig`] idle or hard timeouts): an entry of one direction
//!   timing out deletes that direction's entries at the other switches of the route, so the
//!   direction's next packet reinstalls it along the same path (no new route, no new
//!   reservation); when both directions have timed out the pair is forgotten and its next
//!   packet routes it anew. FLOW_REMOVEDs from switches off the current route are stale and
//!   ignored.
//! * **Link down** (PORT_STATUS): every pair crossing the link moves, both directions
//!   together, to a surviving path between the same edge ports — ADD where the output
//!   changes, DELETE_STRICT where the switch is no longer on the path. Link up only makes the
//!   link available to later pairs.
//! * **Host moved** (its MAC seen on another edge port, e.g. by its gratuitous ARP after a VM
//!   migration): every pair with it is deleted, both directions, at every switch on its route
//!   and forgotten, so the next packet routes to the new location.

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
    /// A host pair was routed over `links` (once for both directions).
    fn route_chosen(&mut self, _links: &[usize]) {}
}

/// Every link costs 1: paths by hop count.
pub(crate) struct HopCount;

impl LinkCost for HopCount {
    fn cost(&self, _link: usize) -> u64 {
        1
    }
}

/// One direction (eth_src → eth_dst) of a host pair's path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// `(dpid, output port)` per switch in path order, from the source's edge switch; the
    /// last outputs to the destination host's edge port.
    pub hops: Vec<(u64, u32)>,
}

impl Route {
    /// The dpids on the route, in order.
    pub fn dpids(&self) -> Vec<u64> {
        self.hops.iter().map(|h| h.0).collect()
    }
}

/// The path of an unordered host pair {a, b}: one switch sequence, both directions.
#[derive(Clone, Debug)]
struct PairRoute {
    /// The source of the packet that routed the pair.
    a: MacAddr,
    /// Its destination.
    b: MacAddr,
    /// `[a → b, b → a]`; the second visits the switches of the first in reverse.
    dirs: [Route; 2],
    /// Whether each direction's entries are installed (see the module docs on timeouts).
    installed: [bool; 2],
}

impl PairRoute {
    /// Index in [`PairRoute::dirs`] of the direction with eth_src `src`.
    fn dir_of(&self, src: MacAddr) -> usize {
        usize::from(src != self.a)
    }

    /// (eth_src, eth_dst) of direction `i`.
    fn macs(&self, i: usize) -> (MacAddr, MacAddr) {
        if i == 0 {
            (self.a, self.b)
        } else {
            (self.b, self.a)
        }
    }
}

/// The key of the unordered pair {x, y}.
pub(crate) fn pair_key(x: MacAddr, y: MacAddr) -> (MacAddr, MacAddr) {
    (x.min(y), x.max(y))
}

/// Host, address and route tables of a routing app; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct Routing {
    config: AppConfig,
    graph: SwitchGraph,
    hosts: BTreeMap<MacAddr, (u64, u32)>,
    ips: BTreeMap<Ipv4Addr, MacAddr>,
    /// By [`pair_key`].
    routes: BTreeMap<(MacAddr, MacAddr), PairRoute>,
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

pub(crate) fn pair_match(src: MacAddr, dst: MacAddr) -> Match {
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

    /// The route of host pair {src, dst}, oriented src → dst whichever host's packet routed
    /// the pair; `None` if the pair is not routed. A direction whose entries timed out keeps
    /// its route here until the pair is forgotten.
    pub fn route(&self, src: MacAddr, dst: MacAddr) -> Option<&Route> {
        let p = self.routes.get(&pair_key(src, dst))?;
        Some(&p.dirs[p.dir_of(src)])
    }

    /// Both directions of every routed pair, as ((eth_src, eth_dst), route): pairs in
    /// ascending order of (lower MAC, higher MAC), each with the direction that routed it
    /// first.
    pub fn routes(&self) -> impl Iterator<Item = ((MacAddr, MacAddr), &Route)> {
        self.routes
            .values()
            .flat_map(|p| [(p.macs(0), &p.dirs[0]), (p.macs(1), &p.dirs[1])])
    }

    /// Number of routed host pairs (each counts once for both directions).
    pub fn pair_count(&self) -> usize {
        self.routes.len()
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

    /// Switch `dpid` left: every port of it counts as down (its links' routes move, as for
    /// a PORT_STATUS LINK_DOWN at either end), until it joins again and reports its ports.
    pub(crate) fn switch_leave(&mut self, ctx: &mut Context<'_>, dpid: u64, c: &mut dyn LinkCost) {
        let n = ctx.topology().n_ports(dpid);
        for port in 1..=n {
            self.set_port(ctx, dpid, port, false, c);
        }
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

    /// An entry of `dpid` expired: its direction is deleted at the route's other switches,
    /// and the pair forgotten once both directions are gone (see the module docs).
    pub(crate) fn flow_removed(&mut self, ctx: &mut Context<'_>, dpid: u64, fr: &FlowRemoved) {
        let timed_out = matches!(
            fr.reason,
            FlowRemovedReason::IdleTimeout | FlowRemovedReason::HardTimeout
        );
        let (true, Some(s), Some(d)) = (timed_out, fr.match_.eth_src, fr.match_.eth_dst) else {
            return;
        };
        let (src, dst) = (MacAddr(s.value), MacAddr(d.value));
        let key = pair_key(src, dst);
        let Some(p) = self.routes.get_mut(&key) else {
            return;
        };
        let i = p.dir_of(src);
        if !p.installed[i] || !p.dirs[i].hops.iter().any(|h| h.0 == dpid) {
            return;
        }
        p.installed[i] = false;
        for &(x, _) in &p.dirs[i].hops {
            if x != dpid {
                ctx.flow_mod(x, delete_entry((src, dst)));
            }
        }
        if p.installed == [false; 2] {
            self.routes.remove(&key);
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
            proxy_arp_reply(ctx, ev, arp, mac);
            return;
        }
        if is_group(dst) || !self.hosts.contains_key(&dst) {
            // Only packets straight from a host are flooded: a copy arriving from another
            // switch has been flooded already.
            if edge {
                flood_edges(&self.graph, ctx, ev);
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

    /// Host `mac` is now at `at` = (dpid, edge port): deletes both directions' entries of
    /// every pair with it, at every switch on the pair's route, and forgets those pairs.
    pub fn move_host(&mut self, ctx: &mut Context<'_>, mac: MacAddr, at: (u64, u32)) {
        let keys: Vec<_> = self
            .routes
            .keys()
            .filter(|(x, y)| *x == mac || *y == mac)
            .copied()
            .collect();
        for key in keys {
            if let Some(p) = self.routes.remove(&key) {
                delete_pair(ctx, &p);
            }
        }
        self.hosts.insert(mac, at);
    }

    /// Routes the pair {src, dst} if new (both directions), reinstalls the packet's
    /// direction if it timed out, and sends the packet on.
    fn forward(
        &mut self,
        ctx: &mut Context<'_>,
        ev: &PacketInEvent<'_>,
        src: MacAddr,
        dst: MacAddr,
        c: &mut dyn LinkCost,
    ) {
        let key = pair_key(src, dst);
        if !self.routes.contains_key(&key) {
            let Some(&from) = self.hosts.get(&src) else {
                self.send_toward(ctx, ev, dst);
                return;
            };
            let Some(dirs) = self.compute(from, self.hosts[&dst], c) else {
                return;
            };
            let p = PairRoute {
                a: src,
                b: dst,
                dirs,
                installed: [false; 2],
            };
            self.routes.insert(key, p);
        }
        let config = self.config;
        let p = self.routes.get_mut(&key).expect("routed above");
        let i = p.dir_of(src);
        // A new pair installs both directions, the packet's first; an existing one only the
        // packet's direction, if it timed out: the other may be idle on purpose.
        let todo = if p.installed == [false; 2] {
            vec![i, 1 - i]
        } else {
            vec![i]
        };
        for j in todo {
            if !p.installed[j] {
                install(ctx, config, p.macs(j), &p.dirs[j], None);
                p.installed[j] = true;
            }
        }
        match p.dirs[i].hops.iter().find(|h| h.0 == ev.dpid) {
            Some(&(_, port)) => send_on(ctx, ev, port),
            None => self.send_toward(ctx, ev, dst),
        }
    }

    /// Sends a packet that has no route at this switch one hop along a hop-count shortest
    /// path towards `dst`'s edge switch (out of `dst`'s port when there), installing nothing.
    fn send_toward(&self, ctx: &mut Context<'_>, ev: &PacketInEvent<'_>, dst: MacAddr) {
        let Some(&(to, port)) = self.hosts.get(&dst) else {
            return;
        };
        if ev.dpid == to {
            send_on(ctx, ev, port);
            return;
        }
        let (Some(s), Some(d)) = (self.graph.index_of(ev.dpid), self.graph.index_of(to)) else {
            return;
        };
        if let Some(path) = self.graph.shortest_path(s, d, |_| 1) {
            send_on(ctx, ev, path.via[0].port);
        }
    }

    /// The cheapest path from host port `a` to host port `b` (each `(dpid, edge port)`),
    /// reported to the cost model once, as `[a → b, b → a]`.
    fn compute(&self, a: (u64, u32), b: (u64, u32), c: &mut dyn LinkCost) -> Option<[Route; 2]> {
        let g = &self.graph;
        let (s, d) = (g.index_of(a.0)?, g.index_of(b.0)?);
        let path = g.shortest_path(s, d, |l| c.cost(l))?;
        let links: Vec<usize> = path.via.iter().map(|v| v.link).collect();
        c.route_chosen(&links);
        let mut fwd: Vec<(u64, u32)> = path
            .switches
            .iter()
            .zip(&path.via)
            .map(|(&i, v)| (g.dpid(i), v.port))
            .collect();
        // Backwards, each switch outputs on the far end of the link it was entered by.
        let mut rev: Vec<(u64, u32)> = fwd
            .iter()
            .zip(&path.via)
            .rev()
            .map(|(&out, v)| g.far_end(v.link, out))
            .collect();
        fwd.push(b);
        rev.push(a);
        Some([Route { hops: fwd }, Route { hops: rev }])
    }

    /// Moves every pair routed over `link` (now down) to a surviving path between the same
    /// host ports, both directions, in pair order.
    fn reroute_link(&mut self, ctx: &mut Context<'_>, link: usize, c: &mut dyn LinkCost) {
        let keys: Vec<_> = self
            .routes
            .iter()
            .filter(|(_, p)| {
                p.dirs[0]
                    .hops
                    .iter()
                    .any(|&(d, port)| self.graph.link_at(d, port) == Some(link))
            })
            .map(|(k, _)| *k)
            .collect();
        for key in keys {
            let Some(mut p) = self.routes.remove(&key) else {
                continue;
            };
            let (a, b) = (
                p.dirs[1].hops[p.dirs[1].hops.len() - 1],
                p.dirs[0].hops[p.dirs[0].hops.len() - 1],
            );
            let Some(new) = self.compute(a, b, c) else {
                delete_pair(ctx, &p);
                continue;
            };
            for (j, route) in new.into_iter().enumerate() {
                if p.installed[j] {
                    install(ctx, self.config, p.macs(j), &route, Some(&p.dirs[j]));
                }
                p.dirs[j] = route;
            }
            self.routes.insert(key, p);
        }
    }
}

/// Answers an ARP request for a known IP from the controller.
pub(crate) fn proxy_arp_reply(
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
        encap: None,
        meta: ev.packet.meta,
    };
    let out = vec![Action::output(ev.in_port)];
    ctx.packet_out(ev.dpid, OFP_NO_BUFFER, OFPP_CONTROLLER, out, Some(reply));
}

/// One PACKET_OUT per switch with an OUTPUT to each of its edge ports, except the port the
/// packet came in on.
pub(crate) fn flood_edges(graph: &SwitchGraph, ctx: &mut Context<'_>, ev: &PacketInEvent<'_>) {
    for i in 0..graph.len() {
        let dpid = graph.dpid(i);
        let actions: Vec<Action> = graph
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

/// Installs `new` from the destination end backwards, skipping hops `old` already has, then
/// deletes the direction at the switches of `old` that `new` does not visit.
fn install(
    ctx: &mut Context<'_>,
    config: AppConfig,
    macs: (MacAddr, MacAddr),
    new: &Route,
    old: Option<&Route>,
) {
    for &(dpid, port) in new.hops.iter().rev() {
        if old.is_some_and(|o| o.hops.contains(&(dpid, port))) {
            continue;
        }
        ctx.flow_mod(dpid, add_entry(config, macs, port));
    }
    for &(dpid, _) in old.map_or(&[][..], |o| &o.hops) {
        if !new.hops.iter().any(|h| h.0 == dpid) {
            ctx.flow_mod(dpid, delete_entry(macs));
        }
    }
}

/// Deletes the installed directions of `p` at every switch of its route.
fn delete_pair(ctx: &mut Context<'_>, p: &PairRoute) {
    for j in 0..2 {
        if p.installed[j] {
            for &(dpid, _) in &p.dirs[j].hops {
                ctx.flow_mod(dpid, delete_entry(p.macs(j)));
            }
        }
    }
}

fn add_entry(c: AppConfig, (src, dst): (MacAddr, MacAddr), port: u32) -> FlowMod {
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

fn delete_entry((src, dst): (MacAddr, MacAddr)) -> FlowMod {
    FlowMod {
        command: FlowModCommand::DeleteStrict,
        ..FlowMod::add(ROUTE_PRIORITY, pair_match(src, dst), Vec::new())
    }
}

/// PACKET_OUT of the PACKET_IN's packet (or buffer) on `port`.
pub(crate) fn send_on(ctx: &mut Context<'_>, ev: &PacketInEvent<'_>, port: u32) {
    if port != ev.in_port {
        let out = vec![Action::output(port)];
        ctx.packet_out(ev.dpid, ev.buffer_id, ev.in_port, out, Some(ev.packet));
    }
}
