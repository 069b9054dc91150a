//! Packet-hops simulated per wall-clock second: a dumbbell of 8 sender/receiver pairs, every
//! sender a saturating UDP CBR flow (8 × 200 Mbit/s into a 1 Gbit/s bottleneck, 10 Gbit/s access
//! links, 100-packet queues), for 100 ms of simulated time. A packet-hop is one frame
//! serialised onto one link (criterion "elements").
//!
//! `cargo bench -p net-stack --bench dumbbell`

use std::net::Ipv4Addr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use net_stack::LinkConfig;
use net_stack::apps::{OnOff, OnOffConfig, PacketSink};
use net_stack::{Network, NetworkBuilder};
use sim_core::{DataRate, QueueLimit, RngStreams, SimTime, Simulation};

const PAIRS: u32 = 8;

fn dumbbell() -> Simulation<Network> {
    let mut b = NetworkBuilder::new(RngStreams::new(1));
    let access = LinkConfig {
        rate: DataRate::gbps(10),
        delay: SimTime::from_us(1),
        queue: QueueLimit::Packets(100),
        loss: 0.0,
        aqm: Default::default(),
    };
    let neck = LinkConfig {
        rate: DataRate::gbps(1),
        delay: SimTime::from_us(10),
        ..access
    };
    let l: Vec<_> = (0..PAIRS)
        .map(|i| b.add_host(&format!("l{i}"), Ipv4Addr::new(10, 1, 0, i as u8 + 1)))
        .collect();
    let r: Vec<_> = (0..PAIRS)
        .map(|i| b.add_host(&format!("r{i}"), Ipv4Addr::new(10, 2, 0, i as u8 + 1)))
        .collect();
    let sl = b.add_router("sl");
    let sr = b.add_router("sr");
    for &h in &l {
        b.connect(h, sl, access);
    }
    b.connect(sl, sr, neck);
    for &h in &r {
        b.connect(sr, h, access);
    }
    for i in 0..PAIRS as usize {
        let cfg = OnOffConfig {
            dst: Ipv4Addr::new(10, 2, 0, i as u8 + 1),
            src_port: 1000,
            dst_port: 5000,
            rate: DataRate::mbps(200),
            packet_size: 1472,
            on: None,
            off: SimTime::ZERO,
            max_bytes: None,
        };
        b.add_app(
            l[i],
            i as u32,
            Box::new(OnOff::new(cfg)),
            SimTime::from_us(i as u64),
            None,
        );
        let sink = b.add_app(
            r[i],
            i as u32,
            Box::new(PacketSink::new()),
            SimTime::ZERO,
            None,
        );
        b.bind_udp(sink, 5000).expect("free port");
    }
    let mut sim = Simulation::new(b.build().expect("valid"));
    sim.model.schedule_apps(&mut sim.scheduler);
    sim
}

fn hops(sim: &Simulation<Network>) -> u64 {
    sim.model.devices().iter().map(|d| d.wire.tx_packets).sum()
}

fn bench(c: &mut Criterion) {
    let end = SimTime::from_ms(100);
    let mut probe = dumbbell();
    probe.run_until(end);
    let n = hops(&probe);
    eprintln!(
        "dumbbell: {n} packet-hops and {} events per run",
        probe.scheduler.executed()
    );
    let mut g = c.benchmark_group("dumbbell_8_cbr");
    g.throughput(Throughput::Elements(n));
    g.sample_size(20);
    g.bench_function("100ms", |b| {
        b.iter(|| {
            let mut sim = dumbbell();
            sim.run_until(end);
            assert_eq!(hops(&sim), n, "deterministic");
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
