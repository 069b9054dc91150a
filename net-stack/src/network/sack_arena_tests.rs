//! The SACK arena holds the blocks of the packets alive, not of every segment sent (issue 18's
//! last item): entries are freed with the last packet that carries them, and reused.

use std::net::Ipv4Addr;

use sim_core::{DataRate, QueueLimit, RngStreams, SimTime, Simulation};

use super::Network;
use crate::apps::{BulkSend, PacketSink};
use crate::tcp::TcpConfig;
use crate::wire::L4;
use crate::{LinkConfig, NetworkBuilder};

const A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const B: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 1);

/// A SACK bulk transfer of `bytes` over a — r1 — r2 — b with a lossy 100 Mbit/s middle link
/// (losses both ways make SACK blocks on many ACKs, and drop some of those ACKs too), run to
/// `until` in 10 ms steps with `check` called after each; the delivered byte count beside the
/// simulation.
fn lossy_sack_transfer(
    seed: u64,
    bytes: u64,
    until: SimTime,
    mut check: impl FnMut(&Network),
) -> (Simulation<Network>, u64) {
    let mut b = NetworkBuilder::new(RngStreams::new(seed));
    b.tcp_config(TcpConfig {
        sack: true,
        ..TcpConfig::default()
    });
    let link = LinkConfig::default();
    let neck = LinkConfig {
        loss: 0.03,
        rate: DataRate::mbps(100),
        delay: SimTime::from_us(200),
        queue: QueueLimit::Packets(50),
        ..link
    };
    let (a, h) = (b.add_host("a", A), b.add_host("b", B));
    let (r1, r2) = (b.add_router("r1"), b.add_router("r2"));
    b.connect(a, r1, link);
    b.connect(r1, r2, neck);
    b.connect(r2, h, link);
    let bulk = Box::new(BulkSend::new(B, 80, Some(bytes)));
    b.add_app(a, 0, bulk, SimTime::ZERO, None);
    let rx = b.add_app(h, 0, Box::new(PacketSink::new()), SimTime::ZERO, None);
    b.listen_tcp(rx, 80).unwrap();
    let mut sim = Simulation::new(b.build().unwrap());
    sim.model.schedule_apps(&mut sim.scheduler);
    let mut t = SimTime::ZERO;
    while t < until {
        t += SimTime::from_ms(10);
        sim.run_until(t);
        check(&sim.model);
    }
    let got = sim.model.app(rx).report().counters().bytes_received;
    (sim, got)
}

/// Live packets whose TCP header refers to stored SACK blocks, counted once per key.
fn keys_held(net: &Network) -> usize {
    let mut keys: Vec<_> = net
        .packets
        .values()
        .filter_map(|p| match &p.l4 {
            L4::Tcp(t) if !net.sack_arena.get(t.options.sack).is_empty() => Some(t.options.sack),
            _ => None,
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys.len()
}

/// Every SACK-carrying segment's entry is freed when its packet is delivered or dropped: at
/// every step of the run, the arena holds exactly the entries of the packets in the network,
/// and after hundreds of SACK-carrying segments it has never needed more than a few.
#[test]
fn sack_arena_freed_with_its_packets() {
    for seed in 1..=3 {
        let bytes = 4_000_000;
        let mut most_live = 0;
        let (sim, got) = lossy_sack_transfer(seed, bytes, SimTime::from_secs(20), |net| {
            let held = keys_held(net);
            most_live = most_live.max(held);
            assert_eq!(
                net.sack_arena.len(),
                held,
                "seed {seed}: live entries are exactly those live packets hold"
            );
        });
        let arena = &sim.model.sack_arena;
        assert_eq!(got, bytes, "seed {seed}: every byte delivered");
        eprintln!(
            "seed {seed}: interned {}, most held at a step {most_live}, capacity {}",
            arena.interned(),
            arena.capacity()
        );
        assert!(
            arena.interned() > 200,
            "seed {seed}: the losses made many SACK-carrying segments ({})",
            arena.interned()
        );
        assert!(most_live > 0, "seed {seed}: some were in flight at a step");
        assert_eq!(
            arena.len(),
            0,
            "seed {seed}: none left once the transfer is done"
        );
        // At most every frame the path can hold (two 50-packet queues, the wires).
        assert!(
            arena.capacity() <= 120,
            "seed {seed}: the arena stayed within what is in flight ({} entries for {} segments)",
            arena.capacity(),
            arena.interned()
        );
    }
}

/// A longer run reuses the same entries: eight times the data, the same bound.
#[test]
fn sack_arena_bounded_over_a_long_run() {
    let (short, _) = lossy_sack_transfer(7, 1_000_000, SimTime::from_secs(10), |_| {});
    let (long, got) = lossy_sack_transfer(7, 8_000_000, SimTime::from_secs(40), |_| {});
    assert_eq!(got, 8_000_000, "every byte delivered");
    let (s, l) = (&short.model.sack_arena, &long.model.sack_arena);
    eprintln!(
        "short: interned {} capacity {}; long: interned {} capacity {}",
        s.interned(),
        s.capacity(),
        l.interned(),
        l.capacity()
    );
    assert!(
        l.interned() > 4 * s.interned(),
        "the long run sent more SACK-carrying segments ({} vs {})",
        l.interned(),
        s.interned()
    );
    assert!(
        l.capacity() <= 120,
        "its arena did not grow with them ({} entries for {} segments; short run {})",
        l.capacity(),
        l.interned(),
        s.capacity()
    );
}
