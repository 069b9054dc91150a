//! Whole scenarios through the netsim package: wall time per run, with throughput in
//! packet-hops (frames serialised onto a link) or events per wall-clock second.
//!
//! * `tcp_dumbbell_8x_10s`: 8 long-lived NewReno flows and 2 UDP on-off flows on a dumbbell
//!   (1 Gbit/s, 10 µs bottleneck; 10 Gbit/s, 1 µs access links; 100-packet queues), 10 s.
//! * `perf/<name>`: issue 8's four anchor scenarios (`examples/perf-*.toml`), shortened with
//!   `--set duration=…` so that one iteration takes well under a second; throughput in events.
//!   Only the event loop is timed (the network is built in the untimed setup). The full-length
//!   figures, with peak RSS, come from `netsim bench` (docs/benchmarking.md).
//!
//! `cargo bench --bench scenarios` (a few minutes); `cargo bench --bench scenarios -- perf/`
//! for the anchors alone.

use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use netsim::build::{Built, build};
use netsim::examples::Example;
use netsim::scenario::{Scenario, ScenarioSource, load_str};
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

/// Issue 8's anchors, shortened: (bundled example, simulated duration). 40–410 ms of event
/// loop each on the idle 2-core development machine.
const PERF_SHORT: [(&str, &str); 4] = [
    ("perf-dumbbell", "1s"),
    ("perf-fat-tree-4", "250ms"),
    ("perf-fat-tree-8", "5ms"),
    ("perf-fat-tree-16", "200us"),
];

fn perf_scenario(name: &str, duration: &str) -> (Scenario, ScenarioSource) {
    let e = Example::named(name).expect("bundled perf scenario");
    load_str(name, e.text, &[format!("duration={duration}")]).expect("valid scenario")
}

/// The network, built (untimed in the benchmark). The perf scenarios write no files.
fn perf_built(sc: &Scenario, src: &ScenarioSource) -> Built {
    build(sc, src, std::path::Path::new("")).expect("builds")
}

/// Runs the event loop to the end; returns the events executed.
fn perf_run(mut built: Built, end: SimTime) -> (u64, Built) {
    built.sim.run_until(end);
    (built.sim.scheduler.executed(), built)
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

fn perf(c: &mut Criterion) {
    let mut g = c.benchmark_group("perf");
    // About a second per iteration: ten samples of one iteration each (flat sampling; the
    // default linear sampling would need 55 iterations for ten samples).
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    for (name, duration) in PERF_SHORT {
        let (sc, src) = perf_scenario(name, duration);
        let end = sc.duration;
        let (events, _) = perf_run(perf_built(&sc, &src), end);
        eprintln!("perf/{name} ({duration}): {events} events per run");
        g.throughput(Throughput::Elements(events));
        g.bench_function(format!("{name}_{duration}"), |b| {
            b.iter_batched(
                || perf_built(&sc, &src),
                |built| {
                    let (n, built) = perf_run(built, end);
                    assert_eq!(n, events, "deterministic");
                    // Dropped outside the timed routine.
                    built
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench, perf);
criterion_main!(benches);
