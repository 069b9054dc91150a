//! Seed 002 §4.2, the dynamic routing (D-R) algorithm: the [`Routing`] core with links
//! weighted by recent traffic.
//!
//! * "The controller queries the statistics of each port for all switches every five
//!   seconds": a PORT_STATS request (port ANY) to every connected switch every
//!   `stats_interval`, the first one `stats_interval` after the controller starts (its first
//!   input), as a monitoring loop that sleeps before polling would. An interval of zero turns
//!   polling off.
//! * "We define the weight of each edge as the sum of the statistics over five seconds for the
//!   two ports connected by the edge": weight = 1 + Δ(tx_bytes + rx_bytes) of one end + the
//!   same of the other, the deltas taken between consecutive replies (the first against zero,
//!   the counters' start). The 1 keeps idle links at hop count. Arithmetic saturates.
//! * "Every new communication pair … Dijkstra's algorithm": each new host pair takes the
//!   cheapest path ([`SwitchGraph::shortest_path`](super::SwitchGraph::shortest_path), same
//!   lowest-dpid tie break as [`ShortestPath`](super::ShortestPath)). A pair is unordered, as
//!   in [`Routing`]: its first packet in either direction routes both directions over one
//!   path. Routing the directions separately would defeat the reservation below: each
//!   transfer's ARP reply is the first packet of the reverse direction, so the replies would
//!   reserve the distinct paths and the data directions, arriving after, would find every
//!   path reserved and tie onto the lowest one.
//! * "After choosing a best route, its weight will be set to a maximum value to avoid multiple
//!   connection selecting the same optimal route in an update period": the chosen route's
//!   links cost `u64::MAX`, once per pair, until the next stats reply from either end
//!   recomputes them.

use std::any::Any;
use std::collections::BTreeMap;

use sim_core::SimTime;

use super::routing::{LinkCost, install_table_miss};
use super::{App, AppConfig, Context, PacketInEvent, Routing, SwitchLink, Topology};
use crate::wire::{FeaturesReply, FlowRemoved, Port, PortStats, PortStatus};

/// Seed 002 §4.2's polling period, 5 s (DESIGN.md's `controller.stats_interval` default).
pub const DEFAULT_STATS_INTERVAL: SimTime = SimTime::from_secs(5);

/// Timer token of the stats poll.
const STATS_TIMER: u64 = 1;

/// Link weights from port statistics, with reservations.
#[derive(Clone, Debug)]
struct PortStatsCost {
    links: Vec<SwitchLink>,
    weight: Vec<u64>,
    reserved: Vec<bool>,
    /// Last tx_bytes + rx_bytes per (dpid, port).
    last_total: BTreeMap<(u64, u32), u64>,
    /// Its increase over the last interval.
    delta: BTreeMap<(u64, u32), u64>,
}

impl LinkCost for PortStatsCost {
    fn cost(&self, link: usize) -> u64 {
        if self.reserved[link] {
            u64::MAX
        } else {
            self.weight[link]
        }
    }

    fn route_chosen(&mut self, links: &[usize]) {
        for &l in links {
            self.reserved[l] = true;
        }
    }
}

impl PortStatsCost {
    fn update(&mut self, dpid: u64, stats: &[PortStats]) {
        for s in stats {
            let total = s.tx_bytes.saturating_add(s.rx_bytes);
            let prev = self
                .last_total
                .insert((dpid, s.port_no), total)
                .unwrap_or(0);
            self.delta
                .insert((dpid, s.port_no), total.saturating_sub(prev));
        }
        for (i, l) in self.links.iter().enumerate() {
            if l.a.0 == dpid || l.b.0 == dpid {
                let d = |end| self.delta.get(&end).copied().unwrap_or(0);
                self.weight[i] = 1u64.saturating_add(d(l.a)).saturating_add(d(l.b));
                self.reserved[i] = false;
            }
        }
    }
}

/// The D-R app; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct DynamicRouting {
    routing: Routing,
    cost: PortStatsCost,
    stats_interval: SimTime,
}

impl DynamicRouting {
    /// The app for `topo`, polling port statistics every `stats_interval`.
    ///
    /// # Panics
    ///
    /// If the topology does not pass [`Topology::validate`].
    pub fn new(topo: &Topology, config: AppConfig, stats_interval: SimTime) -> DynamicRouting {
        let n = topo.links.len();
        DynamicRouting {
            routing: Routing::new(topo, config),
            cost: PortStatsCost {
                links: topo.links.clone(),
                weight: vec![1; n],
                reserved: vec![false; n],
                last_total: BTreeMap::new(),
                delta: BTreeMap::new(),
            },
            stats_interval,
        }
    }

    /// Hosts, addresses and routes.
    pub fn routing(&self) -> &Routing {
        &self.routing
    }

    /// Mutable [`DynamicRouting::routing`].
    pub fn routing_mut(&mut self) -> &mut Routing {
        &mut self.routing
    }

    /// What a new pair would pay to cross `link` now: `u64::MAX` while reserved, else the
    /// weight from the last statistics.
    pub fn link_cost(&self, link: usize) -> u64 {
        self.cost.cost(link)
    }

    /// The port-statistics period.
    pub fn stats_interval(&self) -> SimTime {
        self.stats_interval
    }
}

impl App for DynamicRouting {
    fn name(&self) -> &'static str {
        "dynamic-routing"
    }
    fn start(&mut self, ctx: &mut Context<'_>) {
        if self.stats_interval > SimTime::ZERO {
            ctx.set_timer(ctx.now().saturating_add(self.stats_interval), STATS_TIMER);
        }
    }
    fn timer(&mut self, ctx: &mut Context<'_>, token: u64) {
        if token != STATS_TIMER {
            return;
        }
        let dpids: Vec<u64> = ctx.datapaths().keys().copied().collect();
        for dpid in dpids {
            ctx.port_stats_request(dpid);
        }
        ctx.set_timer(ctx.now().saturating_add(self.stats_interval), STATS_TIMER);
    }
    fn port_stats(&mut self, _ctx: &mut Context<'_>, dpid: u64, stats: &[PortStats]) {
        self.cost.update(dpid, stats);
    }
    fn switch_features(&mut self, ctx: &mut Context<'_>, dpid: u64, _f: &FeaturesReply) {
        install_table_miss(ctx, dpid);
    }
    fn port_desc(&mut self, ctx: &mut Context<'_>, dpid: u64, ports: &[Port]) {
        self.routing.port_desc(ctx, dpid, ports, &mut self.cost);
    }
    fn packet_in(&mut self, ctx: &mut Context<'_>, ev: &PacketInEvent<'_>) {
        self.routing.packet_in(ctx, ev, &mut self.cost);
    }
    fn flow_removed(&mut self, ctx: &mut Context<'_>, dpid: u64, msg: &FlowRemoved) {
        self.routing.flow_removed(ctx, dpid, msg);
    }
    fn port_status(&mut self, ctx: &mut Context<'_>, dpid: u64, msg: &PortStatus) {
        self.routing.port_status(ctx, dpid, msg, &mut self.cost);
    }
    fn switch_leave(&mut self, ctx: &mut Context<'_>, dpid: u64) {
        self.routing.switch_leave(ctx, dpid, &mut self.cost);
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
    use std::collections::BTreeSet;

    use super::*;
    use crate::controller::AppKind;
    use crate::controller::harness::Harness;

    const FIVE_S: SimTime = DEFAULT_STATS_INTERVAL;

    fn harness(edge_ports: u32) -> Harness {
        // The default AppConfig polls every 5 s (FIVE_S).
        let kind = AppKind::DynamicRouting;
        let mut h = Harness::with_ports(kind, None, edge_ports);
        // Every host announces itself, so ARP is proxied and no reply sets up a pair.
        for x in 0..16 {
            h.gratuitous_arp(x);
        }
        h
    }

    fn app(h: &Harness) -> &DynamicRouting {
        h.ctl
            .app()
            .as_any()
            .downcast_ref()
            .expect("dynamic-routing")
    }

    fn route(h: &Harness, s: usize, d: usize) -> Vec<u64> {
        let (s, d) = (h.hosts[s].mac, h.hosts[d].mac);
        app(h)
            .routing()
            .route(s, d)
            .expect("route installed")
            .dpids()
    }

    /// Every host reaches every other (from a cold start: ARP flooded to edge ports, then
    /// proxied), each datagram once and only at its destination, also after a stats poll
    /// has replaced the weights mid-way.
    #[test]
    fn all_pairs_reachable() {
        // The default AppConfig polls every 5 s (FIVE_S).
        let kind = AppKind::DynamicRouting;
        let mut h = Harness::new(kind, None);
        for s in 0..16 {
            if s == 8 {
                h.advance(FIVE_S);
            }
            for d in (0..16).filter(|&d| d != s) {
                let uid = h.udp(s, d);
                assert_eq!(
                    h.copies(uid),
                    [d],
                    "h{s} -> h{d} delivered once, only to h{d}"
                );
            }
        }
        assert_eq!(
            app(&h).routing().pair_count(),
            120,
            "one route per unordered pair"
        );
        h.assert_counters_match();
    }

    /// Seed 002's point: four pod-0 → pod-1 pairs installed back-to-back on an idle fat-tree
    /// take four distinct cores, because each chosen route is reserved (maximum weight) until
    /// the next statistics.
    #[test]
    fn four_pairs_take_four_cores() {
        let mut h = harness(4);
        let mut cores = BTreeSet::new();
        for (s, d) in [(0, 4), (1, 5), (2, 6), (3, 7)] {
            let uid = h.udp(s, d);
            assert_eq!(h.copies(uid), [d], "h{s} -> h{d} delivered once");
            let r = route(&h, s, d);
            assert_eq!(r.len(), 5, "still a shortest path: {r:?}");
            cores.insert(r[2]);
        }
        assert_eq!(cores, BTreeSet::from([17, 18, 19, 20]), "c0..c3 all used");
        h.assert_counters_match();
    }

    /// Sends one datagram h`s` → h`d` and returns the core switch that forwarded it.
    fn core_crossed(h: &mut Harness, s: usize, d: usize) -> u64 {
        let before = h.port_tx.clone();
        let uid = h.udp(s, d);
        assert_eq!(h.copies(uid), [d], "h{s} -> h{d} delivered once");
        let cores: Vec<u64> = h
            .port_tx
            .iter()
            .filter(|&(k, &n)| k.0 >= 17 && before.get(k).copied().unwrap_or(0) < n)
            .map(|(k, _)| k.0)
            .collect();
        assert_eq!(cores.len(), 1, "h{s} -> h{d} crossed one core: {cores:?}");
        cores[0]
    }

    /// The end-to-end failure of `tests/openflow.rs`, reproduced: from a cold start each
    /// transfer's ARP request is flooded and the destination's unicast reply is the first
    /// packet routed. The reply routes the pair in both directions, so the four pod-0 →
    /// pod-1 data directions still take four distinct cores (the replies do not reserve
    /// them for the reverse directions only), each reverse direction crosses the core of its
    /// forward direction, and data in either direction never reaches the controller.
    #[test]
    fn arp_reply_routes_the_data_direction_too() {
        // The default AppConfig polls every 5 s (FIVE_S).
        let kind = AppKind::DynamicRouting;
        let mut h = Harness::new(kind, None);
        let mut cores = BTreeSet::new();
        for (s, d) in [(0, 4), (1, 5), (2, 6), (3, 7)] {
            let uid = h.udp(s, d);
            assert_eq!(h.copies(uid), [d], "h{s} -> h{d}: ARP, then data delivered");
            let (ms, md) = (h.hosts[s].mac, h.hosts[d].mac);
            let first = app(&h)
                .routing()
                .routes()
                .map(|(k, _)| k)
                .find(|&k| k == (ms, md) || k == (md, ms));
            assert_eq!(first, Some((md, ms)), "h{d}'s ARP reply routed the pair");
            let packet_ins = h.ctl.counters().total.packet_ins;
            let fwd = core_crossed(&mut h, s, d);
            let rev = core_crossed(&mut h, d, s);
            assert_eq!(
                h.ctl.counters().total.packet_ins,
                packet_ins,
                "h{s} <-> h{d} data ran on installed entries"
            );
            assert_eq!(rev, fwd, "h{d} -> h{s} crosses the core of h{s} -> h{d}");
            let r = route(&h, s, d);
            assert_eq!(r[2], fwd, "the route's core carried it: {r:?}");
            let mut back = route(&h, d, s);
            back.reverse();
            assert_eq!(back, r, "h{d} -> h{s} retraces h{s} -> h{d}");
            cores.insert(fwd);
        }
        assert_eq!(cores, BTreeSet::from([17, 18, 19, 20]), "c0..c3 all used");
        assert_eq!(app(&h).routing().pair_count(), 4, "one route per pair");
        h.assert_counters_match();
    }

    /// Statistics every 5 s from start: one request per switch, after which a link's cost is
    /// 1 + the bytes both its ports saw (one 142-byte datagram, counted at each end) and the
    /// reservations are gone.
    #[test]
    fn stats_set_weights_and_clear_reservations() {
        let mut h = harness(4);
        h.udp(0, 4);
        let e0a0 = h
            .topo
            .links
            .iter()
            .position(|l| l.a == (1, 3))
            .expect("e0-a0");
        let idle = h
            .topo
            .links
            .iter()
            .position(|l| l.a == (13, 3))
            .expect("a4-c0");
        assert_eq!(app(&h).link_cost(e0a0), u64::MAX, "reserved by the route");
        let before = h.ctl.counters().total.stats_requests;
        h.advance(FIVE_S - SimTime::from_ps(1));
        assert_eq!(h.ctl.counters().total.stats_requests, before, "not yet");
        h.advance(FIVE_S);
        assert_eq!(
            h.ctl.counters().total.stats_requests,
            before + 20,
            "one per switch"
        );
        assert_eq!(app(&h).link_cost(e0a0), 1 + 2 * 142, "bytes of both ends");
        assert_eq!(app(&h).link_cost(idle), 1, "idle link at hop count");
        assert_eq!(h.next_timer(), Some(FIVE_S * 2), "next poll");
        h.assert_counters_match();
    }

    /// A link down moves the pair using it, both directions, to the cheapest survivor; a
    /// host that shows up on a new edge port by sending (no gratuitous ARP) loses its pairs
    /// in both directions and is re-routed too.
    #[test]
    fn link_down_and_silent_move() {
        let mut h = harness(5);
        h.udp(0, 4);
        let link = h
            .topo
            .links
            .iter()
            .position(|l| l.a == (9, 3))
            .expect("a0-c0");
        h.set_link(link, false);
        let r = route(&h, 0, 4);
        assert!(!r.contains(&17), "c0 avoided: {r:?}");
        let mut back = route(&h, 4, 0);
        back.reverse();
        assert_eq!(back, r, "h4 -> h0 moved with it");
        let uid = h.udp(0, 4);
        assert_eq!(h.copies(uid), [4], "delivered after the move");
        let uid = h.udp(4, 0);
        assert_eq!(h.copies(uid), [0], "and back");

        h.hosts[4].at = (7, 5);
        let uid = h.udp(4, 9);
        assert_eq!(h.copies(uid), [9], "h4 sends from e7 port 5");
        let mac4 = h.hosts[4].mac;
        assert_eq!(
            app(&h).routing().host_location(mac4),
            Some((8, 5)),
            "relocated"
        );
        assert!(
            app(&h).routing().route(h.hosts[0].mac, mac4).is_none(),
            "old pair forgotten"
        );
        assert!(
            app(&h).routing().route(mac4, h.hosts[0].mac).is_none(),
            "in both directions"
        );
        let uid = h.udp(0, 4);
        assert_eq!(h.copies(uid), [4], "reached at the new place");
        assert_eq!(route(&h, 0, 4).last(), Some(&8), "via e7");
        h.assert_counters_match();
    }
}
