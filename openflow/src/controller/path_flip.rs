//! The controller app of seed 001's test bed (§3.3): "The NOX application being run over this
//! topology updates the flow rules of the two switches connected to the hosts in 1-second
//! intervals. If the traffic between the two hosts is being forwarded through the upper path,
//! the flow rules are modified so that the lower path is now used, and vice-versa."
//!
//! * **Two paths per host pair.** A pair {a, b} is routed by its first packet with both hosts
//!   known (hosts, ARP and flooding as in [`Routing`](super::Routing)): the **upper** path is
//!   the hop-count shortest path between their switches with the lowest dpids
//!   ([`SwitchGraph::shortest_path`]); the **lower** path is the shortest path that avoids the
//!   upper path's interior switches. On `arora2013` these are `os1–os2–os4` and
//!   `os1–os3–os4`. A pair with no second switch-disjoint path (or both hosts on one switch)
//!   keeps its one path.
//! * **What is installed.** Every interior switch of both paths holds the pair's priority-1
//!   (eth_src, eth_dst) entries for both directions from the start, and the destination's
//!   switch outputs to the host port; only the first switch of each direction — the two
//!   host-facing switches — chooses the path, pointing at the current one.
//! * **The flip.** Every `flip_period` (from the controller's start: at 1 s, 2 s, …) the app
//!   switches to the other path: one FLOW_MOD (MODIFY_STRICT, which keeps the entry's counters)
//!   per direction, to that direction's host-facing switch — nothing else changes. The first
//!   flip goes upper → lower.
//! * **Packets already routed** that reach the controller are sent on along the current path
//!   (or along the other path if the switch is only on that one: in flight during a flip).
//! * **A host seen on another edge port** (a VM's gratuitous ARP): every pair with it is
//!   deleted at every switch of both paths and forgotten. Link failures are not handled (the
//!   paper's app does not), and the entries carry no timeouts.
//!
//! It is an ordinary app: it sees only its [`Context`], so it runs unchanged behind a shim.

use std::any::Any;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use net_stack::wire::{ArpOp, L3, MacAddr};
use sim_core::SimTime;

use super::routing::{
    ROUTE_PRIORITY, flood_edges, install_table_miss, is_group, pair_key, pair_match,
    proxy_arp_reply, send_on,
};
use super::{App, AppConfig, Context, PacketInEvent, SwitchGraph, Topology};
use crate::wire::{Action, FeaturesReply, FlowMod, FlowModCommand, Instruction};

/// Seed 001 §3.3: the rules move "in 1-second intervals".
pub const DEFAULT_FLIP_PERIOD: SimTime = SimTime::from_secs(1);

/// Cost of a link next to a switch the lower path must avoid: more than any simple path.
const AVOID: u64 = 1 << 40;

/// One direction of one path: `(dpid, output port)` per switch, source's switch first.
type Hops = Vec<(u64, u32)>;

/// A routed pair {a, b}: `paths[k][j]` is path k (0 upper, 1 lower) in direction j (0: a → b).
#[derive(Clone, Debug)]
struct FlipPair {
    a: MacAddr,
    b: MacAddr,
    paths: Vec<[Hops; 2]>,
}

impl FlipPair {
    fn macs(&self, j: usize) -> (MacAddr, MacAddr) {
        if j == 0 {
            (self.a, self.b)
        } else {
            (self.b, self.a)
        }
    }
}

/// The path-flip app; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct PathFlip {
    period: SimTime,
    graph: SwitchGraph,
    hosts: BTreeMap<MacAddr, (u64, u32)>,
    ips: BTreeMap<Ipv4Addr, MacAddr>,
    pairs: BTreeMap<(MacAddr, MacAddr), FlipPair>,
    /// The path in use: 0 upper, 1 lower.
    current: usize,
    /// When each flip happened.
    flips: Vec<SimTime>,
}

impl PathFlip {
    /// The app for `topo`, flipping every `config.flip_period`.
    ///
    /// # Panics
    ///
    /// If the topology does not pass [`Topology::validate`].
    pub fn new(topo: &Topology, config: AppConfig) -> PathFlip {
        PathFlip {
            period: config.flip_period,
            graph: SwitchGraph::new(topo),
            hosts: BTreeMap::new(),
            ips: BTreeMap::new(),
            pairs: BTreeMap::new(),
            current: 0,
            flips: Vec::new(),
        }
    }

    /// The path in use now: 0 upper, 1 lower.
    pub fn current(&self) -> usize {
        self.current
    }

    /// When each flip happened, in order.
    pub fn flips(&self) -> &[SimTime] {
        &self.flips
    }

    /// The dpids of path `k` (0 upper, 1 lower) from `src`'s switch to `dst`'s, if the pair
    /// is routed and has that path.
    pub fn path(&self, src: MacAddr, dst: MacAddr, k: usize) -> Option<Vec<u64>> {
        let p = self.pairs.get(&pair_key(src, dst))?;
        let j = usize::from(src != p.a);
        Some(p.paths.get(k)?[j].iter().map(|h| h.0).collect())
    }

    /// Upper and (if any) lower path from edge port `a` to edge port `b`, both directions.
    fn compute(&self, a: (u64, u32), b: (u64, u32)) -> Option<Vec<[Hops; 2]>> {
        let g = &self.graph;
        let (s, d) = (g.index_of(a.0)?, g.index_of(b.0)?);
        let upper = g.shortest_path(s, d, |_| 1)?;
        let n = upper.switches.len();
        let interior: Vec<u64> = (upper.switches.iter().skip(1).take(n.saturating_sub(2)))
            .map(|&i| g.dpid(i))
            .collect();
        let mut paths = vec![self.directions(&upper, a, b)];
        if !interior.is_empty() {
            let links = g.links();
            let avoided = |l: usize| {
                let l = &links[l];
                interior.contains(&l.a.0) || interior.contains(&l.b.0)
            };
            if let Some(lower) = g.shortest_path(s, d, |l| if avoided(l) { AVOID } else { 1 })
                && lower.via.iter().all(|v| !avoided(v.link))
            {
                paths.push(self.directions(&lower, a, b));
            }
        }
        Some(paths)
    }

    /// `[a → b, b → a]` along `path`, each ending at the host's edge port.
    fn directions(&self, path: &super::GraphPath, a: (u64, u32), b: (u64, u32)) -> [Hops; 2] {
        let g = &self.graph;
        let mut fwd: Hops = path
            .switches
            .iter()
            .zip(&path.via)
            .map(|(&i, v)| (g.dpid(i), v.port))
            .collect();
        let mut rev: Hops = fwd
            .iter()
            .zip(&path.via)
            .rev()
            .map(|(&out, v)| g.far_end(v.link, out))
            .collect();
        fwd.push(b);
        rev.push(a);
        [fwd, rev]
    }

    /// Installs a new pair: for each direction, destination end first, every hop of the
    /// current path and the interior hops of the other.
    fn install(&self, ctx: &mut Context<'_>, p: &FlipPair) {
        let cur = self.current.min(p.paths.len() - 1);
        for j in 0..2 {
            let macs = p.macs(j);
            for (k, path) in p.paths.iter().enumerate() {
                let hops = &path[j];
                let skip_first = k != cur;
                let skip_last = k != 0; // the last hop is the same on both paths
                for (n, &(dpid, port)) in hops.iter().enumerate().rev() {
                    if (n == 0 && skip_first) || (n + 1 == hops.len() && skip_last) {
                        continue;
                    }
                    ctx.flow_mod(dpid, entry(FlowModCommand::Add, macs, port));
                }
            }
        }
    }

    fn learn(&mut self, ctx: &mut Context<'_>, mac: MacAddr, at: (u64, u32), l3: &L3) {
        match *l3 {
            L3::Arp(a) if a.sender_mac == mac && !a.sender_ip.is_unspecified() => {
                self.ips.insert(a.sender_ip, mac);
            }
            L3::Ipv4(ip) => {
                self.ips.insert(ip.src, mac);
            }
            L3::Arp(_) => {}
        }
        if self.hosts.get(&mac).is_some_and(|&old| old != at) {
            let keys: Vec<_> = self
                .pairs
                .keys()
                .filter(|(x, y)| *x == mac || *y == mac)
                .copied()
                .collect();
            for key in keys {
                let p = self.pairs.remove(&key).expect("listed");
                for j in 0..2 {
                    let mut seen = Vec::new();
                    for &(dpid, _) in p.paths.iter().flat_map(|path| &path[j]) {
                        if !seen.contains(&dpid) {
                            seen.push(dpid);
                            let del = entry(FlowModCommand::DeleteStrict, p.macs(j), 0);
                            ctx.flow_mod(dpid, del);
                        }
                    }
                }
            }
        }
        self.hosts.insert(mac, at);
    }

    fn forward(
        &mut self,
        ctx: &mut Context<'_>,
        ev: &PacketInEvent<'_>,
        src: MacAddr,
        dst: MacAddr,
    ) {
        let key = pair_key(src, dst);
        if !self.pairs.contains_key(&key) {
            let (Some(&from), Some(&to)) = (self.hosts.get(&src), self.hosts.get(&dst)) else {
                return;
            };
            let Some(paths) = self.compute(from, to) else {
                return;
            };
            let p = FlipPair {
                a: src,
                b: dst,
                paths,
            };
            self.install(ctx, &p);
            self.pairs.insert(key, p);
        }
        let p = &self.pairs[&key];
        let j = usize::from(src != p.a);
        let cur = self.current.min(p.paths.len() - 1);
        let order = [cur, 1 - cur];
        let hop = order
            .iter()
            .filter_map(|&k| p.paths.get(k))
            .find_map(|path| path[j].iter().find(|h| h.0 == ev.dpid));
        if let Some(&(_, port)) = hop {
            send_on(ctx, ev, port);
        }
    }

    /// Moves every pair with two paths to the other one: one FLOW_MOD per direction, at the
    /// direction's first (host-facing) switch.
    fn flip(&mut self, ctx: &mut Context<'_>) {
        self.current = 1 - self.current;
        self.flips.push(ctx.now());
        for p in self.pairs.values().filter(|p| p.paths.len() == 2) {
            let path = &p.paths[self.current];
            for (j, hops) in path.iter().enumerate() {
                let (dpid, port) = hops[0];
                ctx.flow_mod(dpid, entry(FlowModCommand::ModifyStrict, p.macs(j), port));
            }
        }
    }
}

/// A priority-1 (eth_src, eth_dst) entry outputting to `port`, without timeouts.
fn entry(command: FlowModCommand, (src, dst): (MacAddr, MacAddr), port: u32) -> FlowMod {
    let instructions = if command == FlowModCommand::DeleteStrict {
        Vec::new()
    } else {
        vec![Instruction::apply(vec![Action::output(port)])]
    };
    FlowMod {
        command,
        ..FlowMod::add(ROUTE_PRIORITY, pair_match(src, dst), instructions)
    }
}

impl App for PathFlip {
    fn name(&self) -> &'static str {
        "path-flip"
    }
    fn start(&mut self, ctx: &mut Context<'_>) {
        ctx.set_timer(ctx.now() + self.period, 0);
    }
    fn switch_features(&mut self, ctx: &mut Context<'_>, dpid: u64, _f: &FeaturesReply) {
        install_table_miss(ctx, dpid);
    }
    fn packet_in(&mut self, ctx: &mut Context<'_>, ev: &PacketInEvent<'_>) {
        let pkt = ev.packet;
        let edge = self.graph.is_edge_port(ev.dpid, ev.in_port);
        let (src, dst) = (pkt.eth.src, pkt.eth.dst);
        if edge && !is_group(src) {
            self.learn(ctx, src, (ev.dpid, ev.in_port), &pkt.l3);
        }
        if let L3::Arp(arp) = pkt.l3
            && arp.op == ArpOp::Request
            && is_group(dst)
            && edge
            && arp.sender_ip != arp.target_ip
            && let Some(&mac) = self.ips.get(&arp.target_ip)
        {
            proxy_arp_reply(ctx, ev, arp, mac);
            return;
        }
        if is_group(dst) || !self.hosts.contains_key(&dst) {
            if edge {
                flood_edges(&self.graph, ctx, ev);
            }
            return;
        }
        self.forward(ctx, ev, src, dst);
    }
    fn timer(&mut self, ctx: &mut Context<'_>, _token: u64) {
        self.flip(ctx);
        ctx.set_timer(ctx.now() + self.period, 0);
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
    use crate::controller::harness::Harness;

    fn app(h: &Harness) -> &PathFlip {
        h.ctl
            .app()
            .as_any()
            .downcast_ref::<PathFlip>()
            .expect("path-flip")
    }

    /// The output port of `dpid`'s priority-1 entry for (src, dst).
    fn out_port(h: &Harness, dpid: u64, src: MacAddr, dst: MacAddr) -> Option<u32> {
        h.switches[(dpid - 1) as usize].tables()[0]
            .iter()
            .find(|e| e.priority == ROUTE_PRIORITY && e.match_ == pair_match(src, dst))
            .map(|e| match e.instructions.as_slice() {
                [Instruction::ApplyActions(a)] => match a.as_slice() {
                    [Action::Output { port, .. }] => *port,
                    other => panic!("one output, not {other:?}"),
                },
                other => panic!("apply-actions, not {other:?}"),
            })
    }

    fn flow_mods(h: &Harness, dpid: u64) -> u64 {
        h.ctl
            .counters()
            .per_switch
            .get(&dpid)
            .map_or(0, |c| c.flow_mods)
    }

    /// On the k = 4 fat-tree, h0 (e0) ↔ h4 (e2) gets the upper path e0 a0 c0 a2 e2 and the
    /// switch-disjoint lower path e0 a1 c2 a3 e2. Every second exactly the two host-facing
    /// switches get one FLOW_MOD each (h0 → h4 at e0, h4 → h0 at e2), their entries point at
    /// the other path's first link, the interior switches get nothing, and a datagram sent
    /// after each flip crosses the path the tables say.
    #[test]
    fn flips_every_period_at_host_facing_switches_only() {
        let mut h = Harness::new(AppKind::PathFlip, None);
        let (m0, m4) = (h.hosts[0].mac, h.hosts[4].mac);
        let uid = h.udp(0, 4);
        assert_eq!(h.copies(uid), [4], "delivered on the upper path");
        assert_eq!(
            app(&h).path(m0, m4, 0),
            Some(vec![1, 9, 17, 11, 3]),
            "upper"
        );
        assert_eq!(
            app(&h).path(m0, m4, 1),
            Some(vec![1, 10, 19, 12, 3]),
            "lower"
        );
        assert_eq!(
            app(&h).path(m4, m0, 1),
            Some(vec![3, 12, 19, 10, 1]),
            "reverse lower"
        );
        // e0 port 3 → a0, port 4 → a1; e2 likewise to a2, a3.
        assert_eq!(out_port(&h, 1, m0, m4), Some(3));
        assert_eq!(out_port(&h, 3, m4, m0), Some(3));
        for dpid in [9, 17, 11, 10, 19, 12] {
            assert!(
                out_port(&h, dpid, m0, m4).is_some(),
                "interior {dpid} has h0 -> h4"
            );
            assert!(
                out_port(&h, dpid, m4, m0).is_some(),
                "interior {dpid} has h4 -> h0"
            );
        }
        let before: Vec<u64> = (1..=20).map(|d| flow_mods(&h, d)).collect();
        for (n, t) in [1u64, 2, 3, 4].into_iter().enumerate() {
            h.advance(SimTime::from_secs(t));
            assert_eq!(app(&h).flips().len(), n + 1, "one flip per second");
            assert_eq!(app(&h).flips()[n], SimTime::from_secs(t), "flip at {t} s");
            let lower = n % 2 == 0;
            let port = if lower { 4 } else { 3 };
            assert_eq!(out_port(&h, 1, m0, m4), Some(port), "e0 at {t} s");
            assert_eq!(out_port(&h, 3, m4, m0), Some(port), "e2 at {t} s");
            for d in 1..=20u64 {
                let want = before[d as usize - 1] + if d == 1 || d == 3 { n as u64 + 1 } else { 0 };
                assert_eq!(flow_mods(&h, d), want, "FLOW_MODs to dpid {d} after {t} s");
            }
            let via = if lower { 10 } else { 9 };
            let tx = h.port_tx.get(&(via, 3)).copied().unwrap_or(0);
            let uid = h.udp(0, 4);
            assert_eq!(h.copies(uid), [4], "delivered at {t} s");
            assert_eq!(
                h.port_tx.get(&(via, 3)).copied().unwrap_or(0),
                tx + 1,
                "via {via}"
            );
        }
        h.assert_counters_match();
    }

    /// A pair routed after an odd number of flips starts on the lower path; hosts on one edge
    /// switch have no second path and are never flipped.
    #[test]
    fn late_pairs_and_single_path_pairs() {
        let mut h = Harness::new(AppKind::PathFlip, None);
        h.advance(SimTime::from_secs(1));
        let (m0, m1, m4) = (h.hosts[0].mac, h.hosts[1].mac, h.hosts[4].mac);
        let uid = h.udp(0, 4);
        assert_eq!(h.copies(uid), [4]);
        assert_eq!(out_port(&h, 1, m0, m4), Some(4), "lower path first");
        let uid = h.udp(0, 1);
        assert_eq!(h.copies(uid), [1], "same switch");
        assert_eq!(app(&h).path(m0, m1, 1), None, "one path only");
        let before = flow_mods(&h, 1);
        h.advance(SimTime::from_secs(2));
        assert_eq!(flow_mods(&h, 1), before + 1, "only h0 -> h4 moves at e0");
        assert_eq!(out_port(&h, 1, m0, m1), Some(2), "h0 -> h1 unchanged");
        let uid = h.udp(1, 0);
        assert_eq!(h.copies(uid), [0]);
        h.assert_counters_match();
    }
}
