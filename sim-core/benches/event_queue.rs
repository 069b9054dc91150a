//! Hold-model throughput of the event queues: with N events pending, each operation pops the
//! earliest and pushes one at that time plus a random increment (exponential, mean 1 µs), so
//! the queue size stays N. Reported as time per pop+push pair (criterion "elements" = holds).
//! `radix` and `binary_heap` push without cancellation handles (as the simulator does);
//! `radix_cancellable` pays for a liveness slot per event. `lanes` is the default queue
//! ([`LaneQueue`]); with these increments almost no offset repeats, so nearly every push goes
//! to its radix heap (its worst case). The `*_net` variants draw each increment from three
//! values (a link delay, a data frame's and an ACK's serialisation time at 10 Gb/s), as a
//! packet network does, which the lanes take.
//!
//! `cargo bench -p sim-core --bench event_queue`

use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main,
};
use sim_core::event_queue::{BinaryHeapQueue, EventQueue, LaneQueue, RadixQueue};
use sim_core::{RngStreams, SimTime};

const HOLDS: usize = 1 << 16;

fn increments() -> Vec<u64> {
    let mut rng = RngStreams::new(1).stream("bench");
    (0..HOLDS)
        .map(|_| {
            let u = rng.next_f64().max(1e-12);
            (-u.ln() * 1e6) as u64 // picoseconds, mean 1 µs
        })
        .collect()
}

/// Increments from a packet network's three common delays, in a random order.
fn net_increments() -> Vec<u64> {
    let mut rng = RngStreams::new(1).stream("bench-net");
    (0..HOLDS)
        .map(|_| [1_000_000, 1_201_600, 43_200][rng.below(3) as usize])
        .collect()
}

fn fill<Q: EventQueue<u64>>(q: &mut Q, n: usize, inc: &[u64]) {
    for i in 0..n {
        q.push_fixed(SimTime::from_ps(inc[i % inc.len()] * 4), i as u64);
    }
}

/// Pop + push without a cancellation handle: what the simulator does for almost every event.
fn hold<Q: EventQueue<u64>>(q: &mut Q, inc: &[u64]) {
    for &d in inc {
        let (t, e) = q.pop().expect("queue stays full");
        q.push_fixed(t + SimTime::from_ps(d), e);
    }
}

/// Pop + push of cancellable events (every push allocates a liveness slot).
fn hold_cancellable<Q: EventQueue<u64>>(q: &mut Q, inc: &[u64]) {
    for &d in inc {
        let (t, e) = q.pop().expect("queue stays full");
        let _ = q.push(t + SimTime::from_ps(d), e);
    }
}

/// One benchmark: a queue from `new` filled with `n` events, then `run` over `inc`.
fn case<Q: EventQueue<u64>>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    n: usize,
    new: fn() -> Q,
    inc: &[u64],
    run: fn(&mut Q, &[u64]),
) {
    g.bench_with_input(BenchmarkId::new(name, n), &n, |b, &n| {
        let mut q = new();
        fill(&mut q, n, inc);
        b.iter(|| run(&mut q, inc));
    });
}

fn bench(c: &mut Criterion) {
    let inc = increments();
    let net = net_increments();
    let mut g = c.benchmark_group("hold");
    g.throughput(Throughput::Elements(HOLDS as u64));
    for &n in &[1_000usize, 100_000, 1_000_000] {
        case(&mut g, "binary_heap", n, BinaryHeapQueue::new, &inc, hold);
        case(&mut g, "radix", n, RadixQueue::new, &inc, hold);
        case(
            &mut g,
            "radix_cancellable",
            n,
            RadixQueue::new,
            &inc,
            hold_cancellable,
        );
        case(&mut g, "lanes", n, LaneQueue::new, &inc, hold);
        case(&mut g, "radix_net", n, RadixQueue::new, &net, hold);
        case(&mut g, "lanes_net", n, LaneQueue::new, &net, hold);
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
