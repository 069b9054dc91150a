//! Link physics on a dumbbell-like chain: exact delays, bottleneck rates, conservation.

use std::net::Ipv4Addr;

use net_stack::LinkConfig;
use net_stack::app::Report;
use net_stack::apps::{OnOff, OnOffConfig, PacketSink};
use net_stack::report::SinkReport;
use net_stack::{AppId, Network, NetworkBuilder};
use sim_core::{DataRate, QueueLimit, RngStreams, SimTime, Simulation};

const L0: Ipv4Addr = Ipv4Addr::new(10, 1, 0, 1);
const L1: Ipv4Addr = Ipv4Addr::new(10, 1, 0, 2);
const R0: Ipv4Addr = Ipv4Addr::new(10, 2, 0, 1);

struct Bed {
    sim: Simulation<Network>,
    senders: Vec<AppId>,
    sinks: Vec<AppId>,
}

/// l0, l1 — sl — (bottleneck) — sr — r0, with one CBR flow per rate from l_i to r0.
fn bed(access: LinkConfig, bottleneck: LinkConfig, rates_mbps: &[u64], seed: u64) -> Bed {
    let mut b = NetworkBuilder::new(RngStreams::new(seed));
    let ls = [b.add_host("l0", L0), b.add_host("l1", L1)];
    let r0 = b.add_host("r0", R0);
    let sl = b.add_router("sl");
    let sr = b.add_router("sr");
    b.connect(ls[0], sl, access);
    b.connect(ls[1], sl, access);
    b.connect(sl, sr, bottleneck);
    b.connect(sr, r0, access);
    let (mut senders, mut sinks) = (vec![], vec![]);
    for (i, &mbps) in rates_mbps.iter().enumerate() {
        let cfg = OnOffConfig {
            dst: R0,
            src_port: 1000 + i as u16,
            dst_port: 5000 + i as u16,
            rate: DataRate::mbps(mbps),
            packet_size: 1472,
            on: None,
            off: SimTime::ZERO,
            max_bytes: None,
        };
        senders.push(b.add_app(
            ls[i],
            i as u32,
            Box::new(OnOff::new(cfg)),
            SimTime::ZERO,
            None,
        ));
        let sink = b.add_app(
            r0,
            i as u32,
            Box::new(PacketSink::new()),
            SimTime::ZERO,
            None,
        );
        b.bind_udp(sink, 5000 + i as u16).unwrap();
        sinks.push(sink);
    }
    let net = b.build().expect("valid network");
    let mut sim = Simulation::new(net);
    sim.model.schedule_apps(&mut sim.scheduler);
    Bed {
        sim,
        senders,
        sinks,
    }
}

fn sink(net: &Network, app: AppId) -> SinkReport {
    match net.app(app).report() {
        Report::Sink(r) => r,
        other => panic!("a packet sink reports {other:?}"),
    }
}

fn link(rate: DataRate, delay: SimTime, queue: QueueLimit) -> LinkConfig {
    LinkConfig {
        rate,
        delay,
        queue,
        loss: 0.0,
        aqm: Default::default(),
    }
}

/// One CBR flow below every link's rate loses nothing, and every packet's one-way delay is
/// exactly the sum over its three hops of serialisation (frame bytes at the link rate, rounded up
/// to a picosecond) and propagation.
#[test]
fn uncongested_cbr_delay_is_exact() {
    let access = link(
        DataRate::gbps(10),
        SimTime::from_us(1),
        QueueLimit::Packets(100),
    );
    let neck = link(
        DataRate::from_bps(333_333_333).unwrap(),
        SimTime::from_us(10),
        QueueLimit::Packets(100),
    );
    let mut bed = bed(access, neck, &[100], 1);
    bed.sim.run_until(SimTime::from_ms(100));
    let frame = 1472 + 8 + 20 + 14;
    let expected =
        access.rate.tx_time(frame) * 2 + neck.rate.tx_time(frame) + SimTime::from_us(1 + 10 + 1);
    let s = sink(&bed.sim.model, bed.sinks[0]);
    let (min, max) = s.delay_range.expect("packets arrived");
    assert_eq!(
        (min, max),
        (expected, expected),
        "every packet's delay is exact"
    );
    let sent = bed
        .sim
        .model
        .app(bed.senders[0])
        .report()
        .counters()
        .packets_sent;
    let got = s.counters.packets_received;
    let fates = bed.sim.model.fates();
    assert_eq!(fates.queue_drops + fates.wire_losses, 0, "nothing dropped");
    assert_eq!(
        sent,
        got + bed.sim.model.packets_in_flight() as u64,
        "sent = delivered + in flight"
    );
    // 100 Mbit/s of 1472-byte payloads for 100 ms: 849.1 packets, the first at t = 0.
    assert_eq!(sent, 850);
}

/// Two CBR flows that together exceed the bottleneck deliver the bottleneck rate (its payload
/// share of the frame bytes); the excess is dropped at the bottleneck queue; and every packet is
/// delivered, dropped, or still in flight.
#[test]
fn overloaded_bottleneck_delivers_link_rate() {
    let access = link(
        DataRate::gbps(1),
        SimTime::from_us(1),
        QueueLimit::Packets(100),
    );
    let neck = link(
        DataRate::mbps(100),
        SimTime::from_us(10),
        QueueLimit::Packets(20),
    );
    let mut bed = bed(access, neck, &[80, 80], 1);
    let secs = 2;
    bed.sim.run_until(SimTime::from_secs(secs));
    let net = &bed.sim.model;
    let delivered: u64 = bed
        .sinks
        .iter()
        .map(|&a| sink(net, a).counters.bytes_received)
        .sum();
    let ideal = 100e6 / 8.0 * secs as f64 * 1472.0 / 1514.0;
    let err = (delivered as f64 - ideal).abs() / ideal;
    assert!(
        err < 0.002,
        "delivered {delivered} B vs {ideal:.0} B ideal ({:.3}%)",
        err * 100.0
    );

    let sent: u64 = bed
        .senders
        .iter()
        .map(|&a| net.app(a).report().counters().packets_sent)
        .sum();
    let received: u64 = bed
        .sinks
        .iter()
        .map(|&a| sink(net, a).counters.packets_received)
        .sum();
    let sl = net.node_by_name("sl").unwrap();
    let neck_dev = net.nodes()[sl.index()].devices[2];
    let drops = net.devices()[neck_dev.index()]
        .queue
        .stats()
        .dropped_packets;
    let fates = net.fates();
    assert_eq!(
        fates.queue_drops, drops,
        "every drop is at the bottleneck queue"
    );
    assert!(drops > 0);
    assert_eq!(
        sent,
        received + drops + net.packets_in_flight() as u64,
        "conservation"
    );
    assert_eq!(
        fates.created,
        fates.delivered + fates.queue_drops + net.packets_in_flight() as u64
    );
    // The excess is what was offered beyond the link: about 60 of 160 Mbit/s of payload.
    let offered = 160e6 / 8.0 * secs as f64 / 1472.0;
    let expected_drops = offered - ideal / 1472.0;
    assert!(
        (drops as f64 - expected_drops).abs() / expected_drops < 0.01,
        "{drops} vs {expected_drops:.0}"
    );
}

/// Random loss on a wire drops about the configured share of frames, from a stream that the
/// seed drives: the same seed repeats the same losses, another seed changes them.
#[test]
fn random_loss_follows_the_seed() {
    let lossy = LinkConfig {
        loss: 0.05,
        aqm: Default::default(),
        ..LinkConfig::default()
    };
    let run = |seed| {
        let mut bed = bed(LinkConfig::default(), lossy, &[100], seed);
        bed.sim.run_until(SimTime::from_ms(500));
        let f = bed.sim.model.fates();
        let in_flight = bed.sim.model.packets_in_flight() as u64;
        assert_eq!(
            f.created,
            f.delivered + f.wire_losses + f.queue_drops + in_flight,
            "conservation"
        );
        f
    };
    let a = run(1);
    assert_eq!(a, run(1), "same seed, same losses");
    assert_ne!(
        a.wire_losses,
        run(2).wire_losses,
        "another seed, other losses"
    );
    let share = a.wire_losses as f64 / a.created as f64;
    assert!((share - 0.05).abs() < 0.015, "loss share {share}");
}
