//! Issue 8: no heap allocation per packet or per event. A counting global allocator (installed in
//! this test binary only) counts the allocations each test thread makes while issue 8's anchor
//! scenarios run in steady state, after a warm-up in which queues, the packet slot map, the event
//! queue's buckets and the TCP buffers reach their working sizes.
//!
//! Packets live in a slot map whose freed slots are reused, events are plain values in the
//! delay lanes' ring buffers and the radix heap's reused buckets, and a TCP segment is a header in a packet, so once warm a run should
//! allocate almost nothing: the bound below is one allocation per 10 000 events.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use netsim::build::build;
use netsim::examples::Example;
use netsim::scenario::load_str;
use sim_core::SimTime;

/// Counts allocations and reallocations of the calling thread.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: the allocator may be called while the thread's locals are being torn down.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every method forwards to the system allocator with the caller's arguments unchanged;
// counting touches only a thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(|c| c.get())
}

/// Runs the bundled `name` to `warm` (untimed), then on to `end`; returns the events executed and
/// the allocations made between the two.
fn steady_state(name: &str, warm: SimTime, end: SimTime) -> (u64, u64) {
    let e = Example::named(name).expect("bundled perf scenario");
    let duration = format!("duration={}ps", end.as_ps());
    let (sc, src) = load_str(name, e.text, &[duration]).expect("valid scenario");
    let mut built = build(&sc, &src, std::path::Path::new("")).expect("builds");
    built.sim.run_until(warm);
    let (events0, allocs0) = (built.sim.scheduler.executed(), allocations());
    built.sim.run_until(end);
    let (events, allocs) = (
        built.sim.scheduler.executed() - events0,
        allocations() - allocs0,
    );
    (events, allocs)
}

fn assert_allocation_free(name: &str, warm: SimTime, end: SimTime) {
    let (events, allocs) = steady_state(name, warm, end);
    eprintln!("{name}: {allocs} allocations in {events} events");
    assert!(
        events > 100_000,
        "{name}: the window must hold real work ({events} events)"
    );
    assert!(
        allocs * 10_000 <= events,
        "{name}: {allocs} allocations in {events} events (more than one per 10 000)"
    );
}

/// TCP NewReno and UDP CBR through a 100-packet bottleneck queue.
#[test]
fn dumbbell_allocates_nothing_per_packet() {
    assert_allocation_free(
        "perf-dumbbell",
        SimTime::from_ms(500),
        SimTime::from_ms(1500),
    );
}

/// 128 TCP flows over a k = 8 fat-tree with per-flow ECMP and 8-packet queues.
#[test]
fn fat_tree_allocates_nothing_per_packet() {
    assert_allocation_free("perf-fat-tree-8", SimTime::from_ms(2), SimTime::from_ms(5));
}

/// 16 TCP flows over a k = 4 fat-tree with per-packet random ECMP and 100-packet queues.
#[test]
fn per_packet_ecmp_allocates_nothing_per_packet() {
    assert_allocation_free(
        "perf-fat-tree-4",
        SimTime::from_ms(50),
        SimTime::from_ms(150),
    );
}
