//! Links going down and up: what the link carries is dropped, static routes move traffic to a
//! surviving path, and the link works again when it comes back.

use std::net::Ipv4Addr;

use net_stack::LinkConfig;
use net_stack::NetworkBuilder;
use net_stack::apps::{OnOff, OnOffConfig, PacketSink};
use sim_core::{DataRate, QueueLimit, RngStreams, SimTime, Simulation};

/// a — r1 ⟨ r2 | r3 ⟩ r4 — b. The r1–r2 link goes down at 100.25 ms and up at 200 ms while
/// 900 Mbit/s bursts (into a 600 Mbit/s diamond) run. Traffic moves to r3 at once; what was
/// queued or on the wire at 100 ms is counted as dropped by the link; every other packet arrives.
#[test]
fn down_link_drops_its_load_and_routes_move() {
    let mut b = NetworkBuilder::new(RngStreams::new(1));
    let dst = Ipv4Addr::new(10, 0, 0, 2);
    let a = b.add_host("a", Ipv4Addr::new(10, 0, 0, 1));
    let h = b.add_host("b", dst);
    let r: Vec<_> = (1..=4).map(|i| b.add_router(&format!("r{i}"))).collect();
    let fast = LinkConfig {
        rate: DataRate::gbps(10),
        delay: SimTime::from_us(1),
        queue: QueueLimit::Packets(100),
        loss: 0.0,
        aqm: Default::default(),
    };
    // The diamond is slower than the access link, so r1's queue towards r2 holds packets.
    let slow = LinkConfig {
        rate: DataRate::mbps(600),
        delay: SimTime::from_us(50),
        ..fast
    };
    b.connect(a, r[0], fast);
    let l12 = b.connect(r[0], r[1], slow);
    b.connect(r[0], r[2], slow);
    b.connect(r[1], r[3], slow);
    b.connect(r[2], r[3], slow);
    b.connect(r[3], h, fast);
    let cfg = OnOffConfig {
        dst,
        src_port: 1,
        dst_port: 2,
        rate: DataRate::mbps(900),
        packet_size: 1472,
        on: Some(SimTime::from_us(300)), // 900 Mbit/s bursts into 600 Mbit/s fill r1's queue
        off: SimTime::from_us(300),
        max_bytes: None,
    };
    let src = b.add_app(a, 0, Box::new(OnOff::new(cfg)), SimTime::ZERO, None);
    let sink = b.add_app(h, 0, Box::new(PacketSink::new()), SimTime::ZERO, None);
    b.bind_udp(sink, 2).unwrap();
    assert_eq!(b.link_between(r[0], r[1]), Some(l12));
    b.link_event(SimTime::from_us(100_250), l12, false); // late in a burst
    b.link_event(SimTime::from_ms(200), l12, true);
    let mut sim = Simulation::new(b.build().unwrap());
    sim.model.schedule_apps(&mut sim.scheduler);

    sim.run_until(SimTime::from_ms(150));
    let net = &sim.model;
    let f = net.fates();
    assert!(
        f.link_down_drops > 0,
        "the queue and wire of r1–r2 were lost: {f:?}"
    );
    let r1 = net.node_by_name("r1").unwrap();
    let via_r2 = net.devices()[net.nodes()[r1.index()].devices[1].index()]
        .wire
        .tx_packets;
    let via_r3_before = net.devices()[net.nodes()[r1.index()].devices[2].index()]
        .wire
        .tx_packets;
    assert!(via_r3_before > 0, "traffic moved to r3");

    sim.run_until(SimTime::from_ms(300));
    let net = &sim.model;
    let f = net.fates();
    let sent = net.app(src).report().counters().packets_sent;
    let got = net.app(sink).report().counters().packets_received;
    assert_eq!(
        f.queue_drops + f.wire_losses + f.unroutable,
        0,
        "no other losses: {f:?}"
    );
    assert_eq!(
        sent,
        got + f.link_down_drops + net.packets_in_flight() as u64,
        "conservation"
    );
    let via_r2_after = net.devices()[net.nodes()[r1.index()].devices[1].index()]
        .wire
        .tx_packets;
    // Equal-cost paths: with ECMP off the lowest port (r2) is preferred again once it is up.
    assert!(
        via_r2_after > via_r2,
        "r1–r2 carries traffic again after coming up"
    );
}
