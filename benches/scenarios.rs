//! Whole scenarios through the netsim package: wall time per run and packet-hops (frames
//! serialised onto a link) per wall-clock second.
//!
//! * `tcp_dumbbell_8x_10s`: 8 long-lived NewReno flows and 2 UDP on-off flows on a dumbbell
//!   (1 Gbit/s, 10 µs bottleneck; 10 Gbit/s, 1 µs access links; 100-packet queues), 10 s.
//!
//! `cargo bench --bench scenarios`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use netsim::build::build;
use netsim::scenario::load_str;
use sim_core::SimTime;

fn tcp_dumbbell() -> String {
    let mut s = String::from(
        r#"
name = "bench-tcp-dumbbell"
duration = "10s"
[topology]
kind = "dumbbell"
pairs = 8
link = { rate = "10Gbps", delay = "1us", queue = "100p" }
bottleneck = { rate = "1Gbps", delay = "10us", queue = "100p" }
"#,
    );
    for i in 0..8 {
        s += &format!(
            "[[flow]]\nname = \"tcp{i}\"\nkind = \"tcp-bulk\"\nsrc = \"l{i}\"\ndst = \"r{i}\"\nstart = \"{i}ms\"\n"
        );
    }
    for i in 0..2 {
        s += &format!(
            "[[flow]]\nname = \"onoff{i}\"\nkind = \"udp-onoff\"\nsrc = \"l{i}\"\ndst = \"r{i}\"\nrate = \"100Mbps\"\non = \"100ms\"\noff = \"100ms\"\n"
        );
    }
    s
}

fn run_once(text: &str) -> (u64, u64) {
    let (sc, src) = load_str("bench", text, &[]).expect("valid scenario");
    let mut built = build(&sc, &src, std::path::Path::new("")).expect("builds");
    built.sim.run_until(SimTime::from_secs(10));
    let hops = built
        .sim
        .model
        .devices()
        .iter()
        .map(|d| d.wire.tx_packets)
        .sum();
    (hops, built.sim.scheduler.executed())
}

fn bench(c: &mut Criterion) {
    let text = tcp_dumbbell();
    let (hops, events) = run_once(&text);
    eprintln!("tcp_dumbbell_8x_10s: {hops} packet-hops, {events} events per run");
    let mut g = c.benchmark_group("scenarios");
    g.sample_size(10);
    g.throughput(Throughput::Elements(hops));
    g.bench_function("tcp_dumbbell_8x_10s", |b| {
        b.iter(|| assert_eq!(run_once(&text).0, hops, "deterministic"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
