//! TCP against the analytic models and against itself: Mathis and PFTK throughput under random
//! loss, and fair sharing of one bottleneck.

use std::net::Ipv4Addr;

use net_stack::LinkConfig;
use net_stack::apps::{BulkSend, PacketSink};
use net_stack::tcp::{CcVariant, TcpConfig};
use net_stack::{AppId, Network, NetworkBuilder};
use sim_core::{DataRate, QueueLimit, RngStreams, SimTime, Simulation};

const MSS: f64 = 1448.0;

fn ip(side: u8, i: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, side, 0, i + 1)
}

/// `n` senders — r1 — neck — r2 — `n` receivers, one bulk flow per pair starting at `starts[i]`.
fn dumbbell(
    n: usize,
    access: LinkConfig,
    neck: LinkConfig,
    seed: u64,
    starts: &[SimTime],
    tcp: TcpConfig,
) -> (NetworkBuilder, Vec<AppId>) {
    let mut b = NetworkBuilder::new(RngStreams::new(seed));
    b.tcp_config(tcp);
    let l: Vec<_> = (0..n)
        .map(|i| b.add_host(&format!("l{i}"), ip(1, i as u8)))
        .collect();
    let r: Vec<_> = (0..n)
        .map(|i| b.add_host(&format!("r{i}"), ip(2, i as u8)))
        .collect();
    let (r1, r2) = (b.add_router("sl"), b.add_router("sr"));
    for &h in &l {
        b.connect(h, r1, access);
    }
    b.connect(r1, r2, neck);
    for &h in &r {
        b.connect(r2, h, access);
    }
    let mut sinks = vec![];
    for i in 0..n {
        let send = BulkSend::new(ip(2, i as u8), 80, None);
        b.add_app(l[i], i as u32, Box::new(send), starts[i], None);
        let sink = b.add_app(
            r[i],
            i as u32,
            Box::new(PacketSink::new()),
            SimTime::ZERO,
            None,
        );
        b.listen_tcp(sink, 80).unwrap();
        sinks.push(sink);
    }
    (b, sinks)
}

fn run(b: NetworkBuilder, secs: u64) -> Simulation<Network> {
    let mut sim = Simulation::new(b.build().unwrap());
    sim.model.schedule_apps(&mut sim.scheduler);
    sim.run_until(SimTime::from_secs(secs));
    sim
}

/// Bits delivered to `sink` over the whole run.
fn delivered_bits(net: &Network, sink: AppId) -> f64 {
    net.app(sink).report().counters().bytes_received as f64 * 8.0
}

/// One flow, random loss p on a path with no other bottleneck: the goodput is within 20% of
/// Mathis et al.'s (MSS/RTT)·√(3/2)/√p while timeouts are rare, and within 25% of the PFTK
/// formula (which adds timeouts) at higher loss.
#[test]
fn throughput_matches_mathis_and_pftk() {
    let access = LinkConfig {
        rate: DataRate::gbps(10),
        delay: SimTime::from_us(10),
        ..LinkConfig::default()
    };
    let secs = 60;
    let mut report = String::new();
    for (p, model) in [
        (0.0005, "mathis"),
        (0.001, "mathis"),
        (0.002, "mathis"),
        (0.02, "pftk"),
        (0.05, "pftk"),
    ] {
        let neck = LinkConfig {
            rate: DataRate::gbps(10),
            // PFTK was validated with timeouts a few RTTs long; give those cases a WAN-like RTT.
            delay: SimTime::from_ms(if model == "pftk" { 25 } else { 2 }),
            queue: QueueLimit::Packets(10_000),
            loss: p,
            aqm: Default::default(),
        };
        let tcp = TcpConfig {
            variant: if model == "pftk" {
                CcVariant::Reno
            } else {
                CcVariant::NewReno
            },
            ..TcpConfig::default()
        };
        let (b, sinks) = dumbbell(1, access, neck, 7, &[SimTime::ZERO], tcp);
        let sim = run(b, secs);
        let net = &sim.model;
        let sock = &net.sockets().all()[0];
        let st = sock.conn.stats();
        let rtt = st.mean_rtt().unwrap().as_secs_f64();
        let got = delivered_bits(net, sinks[0]) / secs as f64;
        // The data direction's loss; ACK losses also occur but rarely matter (cumulative ACKs).
        let mathis = MSS * 8.0 / rtt * (1.5f64).sqrt() / p.sqrt();
        let rto = 0.2f64.max(rtt * 2.0); // min_rto dominates at these RTTs
        let b_ = 1.0;
        let pftk_pkts = 1.0
            / (rtt * (2.0 * b_ * p / 3.0).sqrt()
                + rto * (1.0f64).min(3.0 * (3.0 * b_ * p / 8.0).sqrt()) * p * (1.0 + 32.0 * p * p));
        let pftk = pftk_pkts * MSS * 8.0;
        if model == "mathis" {
            // The Mathis model holds where timeouts are rare: assert that they are.
            assert!(
                st.timeouts * 50 <= st.fast_retransmits,
                "p={p}: timeouts are not rare ({} vs {} fast retransmits)",
                st.timeouts,
                st.fast_retransmits
            );
        }
        let (want, tol) = if model == "mathis" {
            (mathis, 0.20)
        } else {
            (pftk, 0.25)
        };
        let err = (got - want) / want;
        report += &format!(
            "p={p}: goodput {:.2} Mbit/s, {model} {:.2} Mbit/s ({:+.1}%), rtt {:.2} ms, timeouts {}, fast retransmits {}\n",
            got / 1e6,
            want / 1e6,
            err * 100.0,
            rtt * 1e3,
            st.timeouts,
            st.fast_retransmits
        );
        assert!(err.abs() < tol, "{report}");
    }
    eprintln!("{report}");
}

/// Eight flows with equal RTTs and jittered starts share a bottleneck whose buffer holds more
/// than one bandwidth-delay product: over 60 s they keep it ≥ 90% busy and share it fairly
/// (Jain's index ≥ 0.95).
#[test]
fn eight_flows_share_a_bottleneck_fairly() {
    let access = LinkConfig {
        rate: DataRate::gbps(1),
        delay: SimTime::from_us(10),
        ..LinkConfig::default()
    };
    // 100 Mbit/s, RTT ≈ 10 ms: BDP = 125 kB ≈ 83 full frames; the buffer holds 100.
    let neck = LinkConfig {
        rate: DataRate::mbps(100),
        delay: SimTime::from_ms(5),
        queue: QueueLimit::Packets(100),
        loss: 0.0,
        aqm: Default::default(),
    };
    let starts: Vec<SimTime> = (0..8)
        .map(|i| SimTime::from_us(i * 13_700 + (i * i * 1_900) % 7_000))
        .collect();
    let secs = 60;
    let (b, sinks) = dumbbell(8, access, neck, 1, &starts, TcpConfig::default());
    let sim = run(b, secs);
    let rates: Vec<f64> = sinks
        .iter()
        .map(|&s| delivered_bits(&sim.model, s) / secs as f64)
        .collect();
    let total: f64 = rates.iter().sum();
    // Data frames: 1448 B payload + 20 TCP + 20 IPv4 + 14 Ethernet = 1502 B.
    let capacity = 100e6 * MSS / 1502.0;
    let util = total / capacity;
    let jain = total * total / (rates.len() as f64 * rates.iter().map(|r| r * r).sum::<f64>());
    let shown: Vec<String> = rates.iter().map(|r| format!("{:.2}", r / 1e6)).collect();
    assert!(
        util >= 0.90,
        "utilisation {util:.3}; rates {shown:?} Mbit/s"
    );
    assert!(
        jain >= 0.95,
        "Jain's index {jain:.3}; rates {shown:?} Mbit/s"
    );
    eprintln!("utilisation {util:.3}, Jain {jain:.4}, rates {shown:?}");
}
