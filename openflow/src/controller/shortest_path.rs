//! Reactive shortest-path routing by hop count: the [`Routing`] core with every link costing
//! one hop. A host pair is routed once for both directions, by its first packet in either
//! direction (usually the ARP reply), over the lexicographically smallest dpid sequence among
//! the shortest paths from that packet's source edge switch; the other direction takes the
//! same switches in reverse. On a k=4 fat-tree every pod-0 ↔ pod-1 pair therefore crosses a0,
//! c0 and a2 — the link contention that seed 002's dynamic routing avoids.

use std::any::Any;

use super::routing::{HopCount, install_table_miss};
use super::{App, AppConfig, Context, PacketInEvent, Routing, Topology};
use crate::wire::{FeaturesReply, FlowRemoved, Port, PortStatus};

/// The shortest-path app; see the [module docs](self) and [`Routing`].
#[derive(Clone, Debug)]
pub struct ShortestPath {
    routing: Routing,
}

impl ShortestPath {
    /// The app for `topo`.
    ///
    /// # Panics
    ///
    /// If the topology does not pass [`Topology::validate`].
    pub fn new(topo: &Topology, config: AppConfig) -> ShortestPath {
        ShortestPath {
            routing: Routing::new(topo, config),
        }
    }

    /// Hosts, addresses and routes.
    pub fn routing(&self) -> &Routing {
        &self.routing
    }

    /// Mutable [`ShortestPath::routing`], e.g. for [`Routing::move_host`] from
    /// [`Controller::handle_command`](super::Controller::handle_command).
    pub fn routing_mut(&mut self) -> &mut Routing {
        &mut self.routing
    }
}

impl App for ShortestPath {
    fn name(&self) -> &'static str {
        "shortest-path"
    }
    fn switch_features(&mut self, ctx: &mut Context<'_>, dpid: u64, _f: &FeaturesReply) {
        install_table_miss(ctx, dpid);
    }
    fn port_desc(&mut self, ctx: &mut Context<'_>, dpid: u64, ports: &[Port]) {
        self.routing.port_desc(ctx, dpid, ports, &mut HopCount);
    }
    fn packet_in(&mut self, ctx: &mut Context<'_>, ev: &PacketInEvent<'_>) {
        self.routing.packet_in(ctx, ev, &mut HopCount);
    }
    fn flow_removed(&mut self, ctx: &mut Context<'_>, dpid: u64, msg: &FlowRemoved) {
        self.routing.flow_removed(ctx, dpid, msg);
    }
    fn port_status(&mut self, ctx: &mut Context<'_>, dpid: u64, msg: &PortStatus) {
        self.routing.port_status(ctx, dpid, msg, &mut HopCount);
    }
    fn switch_leave(&mut self, ctx: &mut Context<'_>, dpid: u64) {
        self.routing.switch_leave(ctx, dpid, &mut HopCount);
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
    use net_stack::wire::MacAddr;
    use sim_core::SimTime;

    use super::*;
    use crate::controller::AppKind;
    use crate::controller::harness::Harness;

    fn app(h: &Harness) -> &Routing {
        h.ctl
            .app()
            .as_any()
            .downcast_ref::<ShortestPath>()
            .expect("shortest-path")
            .routing()
    }

    fn route(h: &Harness, s: usize, d: usize) -> Vec<u64> {
        let (s, d) = (h.hosts[s].mac, h.hosts[d].mac);
        app(h).route(s, d).expect("route installed").dpids()
    }

    /// Pair entries (priority 1) held by switch `dpid`.
    fn pair_entries(h: &Harness, dpid: u64) -> usize {
        let t = &h.switches[(dpid - 1) as usize].tables()[0];
        t.iter().filter(|e| e.priority == 1).count()
    }

    /// Every host reaches every other: ARP resolves (proxied or flooded to edge ports only)
    /// and each datagram arrives exactly once, at its destination only, with the network
    /// quiet afterwards (the pump's step bound); the counters equal the messages that
    /// crossed.
    #[test]
    fn all_pairs_reachable() {
        let mut h = Harness::new(AppKind::ShortestPath, None);
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
        assert_eq!(app(&h).pair_count(), 120, "one route per unordered pair");
        assert_eq!(app(&h).routes().count(), 240, "with both its directions");
        for ((s, d), r) in app(&h).routes() {
            let mut back = app(&h).route(d, s).expect("reverse direction").dpids();
            back.reverse();
            assert_eq!(
                back,
                r.dpids(),
                "{s:?} <-> {d:?}: one path, both directions"
            );
        }
        h.assert_counters_match();
    }

    /// All four pod-0 → pod-1 pairs take the lowest-dpid shortest path: through a0 (dpid 9),
    /// c0 (17) and a2 (11), although each pair was routed by its destination's ARP reply
    /// (from pod 1, where the lowest-dpid path is a2, c0, a0); the replies come back the
    /// same way.
    #[test]
    fn pod0_to_pod1_pairs_share_one_core() {
        let mut h = Harness::new(AppKind::ShortestPath, None);
        for (s, d) in [(0, 4), (1, 5), (2, 6), (3, 7)] {
            let uid = h.udp(s, d);
            assert_eq!(h.copies(uid), [d], "h{s} -> h{d} delivered");
            let r = route(&h, s, d);
            assert_eq!(r[1..4], [9, 17, 11], "h{s} -> h{d} via a0, c0, a2: {r:?}");
            let r = route(&h, d, s);
            assert_eq!(r[1..4], [11, 17, 9], "h{d} -> h{s} via a2, c0, a0: {r:?}");
        }
        assert_eq!(route(&h, 0, 4), [1, 9, 17, 11, 3], "e0 a0 c0 a2 e2");
    }

    /// A packet of a routed pair that reaches a switch off the pair's route (c1, as if in
    /// flight while the pair moved) is not dropped: it goes one hop closer to the destination
    /// (c1 → a2), finds the pair's entry there, and arrives once; nothing is installed.
    #[test]
    fn off_route_packet_is_sent_towards_destination() {
        let mut h = Harness::new(AppKind::ShortestPath, None);
        h.udp(0, 4);
        assert!(!route(&h, 0, 4).contains(&18), "c1 off the route");
        let flow_mods = h.ctl.counters().total.flow_mods;
        let uid = h.inject_udp(0, 4, 18, 1);
        assert_eq!(h.copies(uid), [4], "delivered once, to h4");
        assert_eq!(h.port_tx.get(&(18, 2)), Some(&1), "c1 sent it to pod 1");
        assert_eq!(
            h.ctl.counters().total.flow_mods,
            flow_mods,
            "nothing installed"
        );
        h.assert_counters_match();
    }

    /// With a 10 s idle timeout and one-way traffic after the ARP exchange, the idle direction
    /// (h4 → h0) times out and is deleted everywhere while h0 → h4 keeps its entries and
    /// never reaches the controller; h4's next packet reinstalls its direction on the same
    /// path; once both directions are idle the pair is forgotten and no entry is left.
    #[test]
    fn idle_direction_times_out_alone() {
        let config = AppConfig {
            idle_timeout: 10,
            hard_timeout: 0,
            ..AppConfig::default()
        };
        let mut h = Harness::with_config(AppKind::ShortestPath, config, None, 4);
        h.udp(0, 4);
        let path = route(&h, 0, 4);
        let packet_ins = h.ctl.counters().total.packet_ins;
        for t in [4, 8, 12] {
            h.advance(SimTime::from_secs(t));
            let uid = h.udp(0, 4);
            assert_eq!(h.copies(uid), [4], "t = {t} s: delivered");
        }
        h.advance(SimTime::from_secs(13));
        assert_eq!(
            h.ctl.counters().total.packet_ins,
            packet_ins,
            "h0 -> h4 ran on its entries"
        );
        let (m0, m4) = (h.hosts[0].mac, h.hosts[4].mac);
        let holds = |h: &Harness, dpid: u64, s: MacAddr, d: MacAddr| {
            h.switches[(dpid - 1) as usize].tables()[0].iter().any(|e| {
                e.priority == 1
                    && e.match_.eth_src.map(|m| m.value) == Some(s.0)
                    && e.match_.eth_dst.map(|m| m.value) == Some(d.0)
            })
        };
        for &dpid in &path {
            assert!(holds(&h, dpid, m0, m4), "dpid {dpid} keeps h0 -> h4");
            assert!(!holds(&h, dpid, m4, m0), "dpid {dpid} lost h4 -> h0");
        }
        assert_eq!(route(&h, 4, 0).len(), 5, "the pair is still routed");
        let uid = h.udp(4, 0);
        assert_eq!(h.copies(uid), [0], "h4 -> h0 delivered");
        for &dpid in &path {
            assert!(holds(&h, dpid, m4, m0), "dpid {dpid} has h4 -> h0 again");
        }
        let mut back = route(&h, 4, 0);
        back.reverse();
        assert_eq!(back, path, "same path");
        h.advance(SimTime::from_secs(40));
        assert_eq!(app(&h).pair_count(), 0, "pair forgotten");
        for dpid in 1..=20 {
            assert_eq!(pair_entries(&h, dpid), 0, "no entry left at dpid {dpid}");
        }
        let uid = h.udp(0, 4);
        assert_eq!(h.copies(uid), [4], "routed anew");
        h.assert_counters_match();
    }

    /// Link a0–c0 going down moves the pairs that used it to a0–c1 (the next smallest dpid
    /// sequence): the new core gets their entries, c0 loses them but keeps the pairs that
    /// never crossed the link, traffic flows again; the link coming back is usable again.
    #[test]
    fn link_down_moves_affected_pairs() {
        let mut h = Harness::new(AppKind::ShortestPath, None);
        h.udp(0, 4);
        h.udp(8, 12);
        let other = route(&h, 8, 12);
        let link = h
            .topo
            .links
            .iter()
            .position(|l| l.a == (9, 3))
            .expect("a0-c0");
        h.set_link(link, false);
        assert_eq!(route(&h, 0, 4), [1, 9, 18, 11, 3], "moved to c1");
        assert_eq!(route(&h, 8, 12), other, "unaffected pair stays");
        assert_eq!(
            route(&h, 4, 0),
            [3, 11, 18, 9, 1],
            "the reverse direction moved with it"
        );
        // c0 keeps h8 <-> h12 (both directions; the reverse pair came from the ARP reply);
        // h0 <-> h4 left it for c1.
        assert_eq!(
            (pair_entries(&h, 17), pair_entries(&h, 18)),
            (2, 2),
            "c0 cleared, c1 set"
        );
        let uid = h.udp(0, 4);
        assert_eq!(h.copies(uid), [4], "delivered over the new path");
        h.set_link(link, true);
        assert!(app(&h).graph().link_up(link), "link restored");
        h.assert_counters_match();
    }

    /// A host that moves (gratuitous ARP from a new edge port) loses every entry to or from
    /// it; the next packet is routed to its new location, and it can send from there.
    #[test]
    fn host_move_reroutes() {
        let mut h = Harness::with_ports(AppKind::ShortestPath, None, 5);
        h.udp(0, 4);
        h.udp(4, 0);
        h.udp(9, 4);
        let mac4 = h.hosts[4].mac;
        h.move_host(4, 8, 5);
        assert_eq!(app(&h).host_location(mac4), Some((8, 5)), "new location");
        assert!(
            app(&h).routes().all(|((s, d), _)| s != mac4 && d != mac4),
            "pairs of h4 forgotten"
        );
        for dpid in 1..=20 {
            assert_eq!(pair_entries(&h, dpid), 0, "no entry left at dpid {dpid}");
        }
        let uid = h.udp(0, 4);
        assert_eq!(h.copies(uid), [4], "delivered at the new place");
        assert_eq!(route(&h, 0, 4).last(), Some(&8), "route ends at e7");
        let uid = h.udp(4, 9);
        assert_eq!(h.copies(uid), [9], "h4 sends from its new place");
        h.assert_counters_match();
    }
}
