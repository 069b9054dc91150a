//! Hosts speaking ARP over switches driven by a [`SwitchPlane`]: a minimal learning bridge,
//! written here, stands in for the OpenFlow plane. Proves the extension point (frames in,
//! frames out at the plane's times and in order per port, link events reach the plane,
//! accounting) and RFC 826 on the hosts (requests, replies, queueing, retries, give-up).

use std::any::Any;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use net_stack::LinkConfig;
use net_stack::app::Report;
use net_stack::apps::{OnOff, OnOffConfig, PacketSink, Ping, PingParams};
use net_stack::arp::ArpConfig;
use net_stack::device::Device;
use net_stack::node::Node;
use net_stack::plane::{PlaneCtx, SwitchPlane};
use net_stack::wire::{MacAddr, Packet};
use net_stack::{Network, NetworkBuilder, NodeId};
use sim_core::{DataRate, RngStreams, SimTime, Simulation};

/// A learning bridge per switch node: learn the source's port, forward to the learned port
/// or flood (every other port) after `latency`. `slow_every`: every n-th frame takes 20 µs
/// instead, so later frames want to overtake it.
struct Bridge {
    latency: SimTime,
    slow_every: u64,
    seen: u64,
    macs: BTreeMap<(NodeId, MacAddr), u16>,
    ports: BTreeMap<NodeId, u16>,
    link_events: Vec<(NodeId, u16, bool)>,
}

impl SwitchPlane for Bridge {
    fn attach(&mut self, nodes: &[Node], _devices: &[Device]) {
        for (i, n) in nodes.iter().enumerate() {
            if n.is_switch() {
                self.ports.insert(NodeId(i as u32), n.devices.len() as u16);
            }
        }
    }
    fn start(&mut self, _ctx: &mut PlaneCtx<'_>) {}
    fn on_packet(&mut self, ctx: &mut PlaneCtx<'_>, node: NodeId, port: u16, pkt: Packet) {
        self.seen += 1;
        let delay = if self.slow_every > 0 && self.seen.is_multiple_of(self.slow_every) {
            SimTime::from_us(20)
        } else {
            self.latency
        };
        let at = ctx.now() + delay;
        self.macs.insert((node, pkt.eth.src), port);
        match self.macs.get(&(node, pkt.eth.dst)) {
            Some(&out) if !pkt.eth.dst.is_broadcast() => ctx.send(node, out, at, pkt),
            _ => {
                for p in (0..self.ports[&node]).filter(|&p| p != port) {
                    ctx.send(node, p, at, pkt);
                }
            }
        }
    }
    fn on_link_state(&mut self, _ctx: &mut PlaneCtx<'_>, node: NodeId, port: u16, up: bool) {
        self.link_events.push((node, port, up));
    }
    fn on_queue_drop(&mut self, _node: NodeId, _port: u16) {}
    fn on_event(&mut self, _ctx: &mut PlaneCtx<'_>, _event: u64) {}
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

fn link() -> LinkConfig {
    LinkConfig::default()
}

fn ip(i: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 0, 0, i)
}

/// h0, h1 — s0 — s1 — h2: three hosts on a two-bridge chain.
fn chain(slow_every: u64) -> (NetworkBuilder, [NodeId; 3], [NodeId; 2]) {
    let mut b = NetworkBuilder::new(RngStreams::new(3));
    let h = [
        b.add_host("h0", ip(1)),
        b.add_host("h1", ip(2)),
        b.add_host("h2", ip(3)),
    ];
    let s = [b.add_switch("s0"), b.add_switch("s1")];
    b.connect(h[0], s[0], link());
    b.connect(h[1], s[0], link());
    b.connect(s[0], s[1], link());
    b.connect(s[1], h[2], link());
    b.plane(Box::new(Bridge {
        latency: SimTime::from_us(5),
        slow_every,
        seen: 0,
        macs: BTreeMap::new(),
        ports: BTreeMap::new(),
        link_events: Vec::new(),
    }));
    b.arp(ArpConfig::default());
    (b, h, s)
}

fn run(b: NetworkBuilder, until: SimTime) -> Simulation<Network> {
    let mut sim = Simulation::new(b.build().expect("valid network"));
    sim.model.schedule_apps(&mut sim.scheduler);
    sim.model.start_plane(&mut sim.scheduler);
    sim.run_until(until);
    sim
}

/// Every packet is accounted for, switches' copies included.
fn assert_conserved(net: &Network) {
    let f = net.fates();
    let in_flight = net.packets_in_flight() as u64;
    assert_eq!(f.entered(), f.settled() + in_flight, "fates: {f:?}");
}

/// A ping across both bridges: the first request waits for ARP (one broadcast request, one
/// unicast reply), then every request is answered; both hosts end up knowing each other —
/// h2 learned h0 because it was the target (RFC 826) — and h1, which only overheard the
/// broadcast, learned nothing. The first RTT carries the ARP exchange, the others do not.
#[test]
fn ping_resolves_with_arp_through_the_plane() {
    let (mut b, h, _) = chain(0);
    let params = PingParams {
        interval: SimTime::from_ms(1),
        ..PingParams::default()
    };
    let cfg = params.config(ip(3), 7);
    let app = b.add_app(h[0], 0, Box::new(Ping::new(cfg)), SimTime::ZERO, None);
    b.bind_icmp(app, 7).unwrap();
    let sim = run(b, SimTime::from_us(10_500));
    let net = &sim.model;
    let Report::Ping(ping) = net.app(app).report() else {
        panic!("a ping");
    };
    assert_eq!(ping.lost(SimTime::from_ms(10)), 0, "every echo answered");
    let rtt = ping.rtt.unwrap();
    // One path crossing: 3 links × (1 µs + 0.784 µs for 98 bytes) + 2 bridges × 5 µs.
    let one_way = 3.0 * (1e-6 + 98.0 * 8.0 / 1e9) + 2.0 * 5e-6;
    assert!(
        (rtt.min_s - 2.0 * one_way).abs() < 1e-9,
        "min RTT {}",
        rtt.min_s
    );
    assert!(
        rtt.max_s > 3.5 * one_way,
        "the first RTT includes ARP: {}",
        rtt.max_s
    );
    let cache = |n: NodeId| net.nodes()[n.index()].host().unwrap().arp().unwrap();
    assert_eq!(
        cache(h[0]).lookup(SimTime::from_ms(10), ip(3)),
        Some(net.devices()[net.nodes()[h[2].index()].devices[0].index()].mac)
    );
    assert!(cache(h[2]).lookup(SimTime::from_ms(10), ip(1)).is_some());
    assert_eq!(cache(h[1]).entries().count(), 0, "overhearing adds nothing");
    assert_eq!(cache(h[0]).stats().requests_sent, 1);
    assert_eq!(cache(h[2]).stats().replies_sent, 1);
    assert_conserved(net);
}

/// Frames the plane sends to one port leave in the order it sent them even when an earlier
/// frame asked for a later time: a 100 Mbit/s UDP stream whose every 3rd frame takes 20 µs
/// instead of 5 µs arrives complete and in IP-identification order.
#[test]
fn plane_output_keeps_order_per_port() {
    let (mut b, h, _) = chain(3);
    let cfg = OnOffConfig {
        dst: ip(3),
        src_port: 1,
        dst_port: 9,
        rate: DataRate::mbps(100),
        packet_size: 1000,
        on: None,
        off: SimTime::ZERO,
        max_bytes: Some(200_000),
    };
    b.add_app(h[0], 0, Box::new(OnOff::new(cfg)), SimTime::ZERO, None);
    let sink = b.add_app(h[2], 0, Box::new(PacketSink::new()), SimTime::ZERO, None);
    b.bind_udp(sink, 9).unwrap();
    // Removed when the test ends, passing or not.
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("h2.pcap");
    let h2 = h[2];
    b.trace(h2, 0, &pcap, 0).unwrap();
    let mut sim = run(b, SimTime::from_ms(50));
    sim.model.finish_taps().unwrap();
    let net = &sim.model;
    assert_eq!(net.app(sink).report().counters().bytes_received, 200_000);
    let idents = udp_idents(&pcap);
    assert_eq!(idents.len(), 200);
    assert!(
        idents.windows(2).all(|w| w[0] < w[1]),
        "in order: {idents:?}"
    );
    assert_conserved(net);
}

/// Nobody answers for 10.0.0.99: the host asks `max_requests` = 3 times, one second apart,
/// holds at most `queue_len` packets meanwhile (older ones pushed out), then drops what waits.
#[test]
fn unanswered_arp_gives_up() {
    let (mut b, h, _) = chain(0);
    let cfg = OnOffConfig {
        dst: ip(99),
        src_port: 1,
        dst_port: 9,
        rate: DataRate::from_bps(80_000).unwrap(), // one 1000-byte packet every 100 ms
        packet_size: 1000,
        on: None,
        off: SimTime::ZERO,
        max_bytes: Some(10_000),
    };
    b.add_app(h[0], 0, Box::new(OnOff::new(cfg)), SimTime::ZERO, None);
    let sim = run(b, SimTime::from_secs(5));
    let net = &sim.model;
    let arp = net.nodes()[h[0].index()]
        .host()
        .unwrap()
        .arp()
        .unwrap()
        .stats();
    assert_eq!(arp.requests_sent, 3);
    assert_eq!(
        net.fates().arp_unresolved,
        10,
        "7 pushed out of the queue, 3 given up"
    );
    assert_conserved(net);
}

/// A link event on a switch's port reaches the plane.
#[test]
fn link_events_reach_the_plane() {
    let (mut b, _, s) = chain(0);
    let l = b.link_between(s[0], s[1]).unwrap();
    b.link_event(SimTime::from_ms(1), l, false);
    b.link_event(SimTime::from_ms(2), l, true);
    let sim = run(b, SimTime::from_ms(3));
    let bridge = sim
        .model
        .plane()
        .unwrap()
        .as_any()
        .downcast_ref::<Bridge>()
        .unwrap();
    assert_eq!(
        bridge.link_events,
        vec![
            (s[0], 2, false),
            (s[1], 0, false),
            (s[0], 2, true),
            (s[1], 0, true)
        ]
    );
}

/// IPv4 identification of every UDP frame in a pcap, in file order.
fn udp_idents(path: &std::path::Path) -> Vec<u16> {
    let mut r = pcap_file::pcap::PcapReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = Vec::new();
    while let Some(p) = r.next_packet() {
        let d = p.unwrap().data;
        if d.len() > 34 && d[12..14] == [0x08, 0x00] && d[23] == 17 {
            out.push(u16::from_be_bytes([d[18], d[19]]));
        }
    }
    out
}
