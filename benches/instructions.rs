//! Instruction counts (Valgrind's callgrind, through `gungraun`) for short variants of two of
//! issue 8's anchors, so that a change in the hot path shows as a change in a count that does
//! not depend on how busy the machine is.
//!
//! * `perf-dumbbell` for 200 ms simulated: 8 NewReno flows and 2 UDP CBR flows through one
//!   bottleneck (TCP and queue-heavy).
//! * `perf-fat-tree-8` for 1 ms simulated: 128 flows over a k = 8 fat-tree (routing, ECMP hash
//!   and event-queue heavy).
//!
//! Only the event loop is counted: the network is built in the `setup` function, which
//! gungraun leaves out of the counts. Running needs `valgrind` and `gungraun-runner` of the
//! same version as the `gungraun` dev-dependency (docs/benchmarking.md):
//!
//! ```sh
//! apt-get install -y valgrind
//! cargo install gungraun-runner --version 0.20.0
//! cargo bench --bench instructions
//! ```
//!
//! Building it (`cargo clippy --all-targets`, as CI does) needs neither.

use std::hint::black_box;

use gungraun::{library_benchmark, library_benchmark_group, main};
use netsim::build::{Built, build};
use netsim::examples::Example;
use netsim::scenario::load_str;
use sim_core::SimTime;

/// The bundled scenario `name` with `duration` simulated, built; and its end time.
fn built(name: &str, duration: &str) -> (Built, SimTime) {
    let e = Example::named(name).expect("bundled perf scenario");
    let (sc, src) = load_str(name, e.text, &[format!("duration={duration}")]).expect("valid");
    let b = build(&sc, &src, std::path::Path::new("")).expect("builds");
    (b, sc.duration)
}

fn dumbbell() -> (Built, SimTime) {
    built("perf-dumbbell", "200ms")
}

fn fat_tree_8() -> (Built, SimTime) {
    built("perf-fat-tree-8", "1ms")
}

// The event loop to the end; the events executed are returned so that the work cannot be
// optimised away. (gungraun's macro takes no doc comment here.)
#[library_benchmark]
#[bench::perf_dumbbell_200ms(setup = dumbbell)]
#[bench::perf_fat_tree_8_1ms(setup = fat_tree_8)]
fn run_until(input: (Built, SimTime)) -> (u64, Built) {
    let (mut b, end) = input;
    b.sim.run_until(black_box(end));
    (b.sim.scheduler.executed(), b)
}

library_benchmark_group!(name = perf; benchmarks = run_until);

main!(library_benchmark_groups = perf);
