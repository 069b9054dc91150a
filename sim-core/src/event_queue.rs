//! Pending events, ordered by time, with O(1) cancellation.
//!
//! # Ordering contract
//!
//! Every implementation of [`EventQueue`] pops events in increasing `(time, insertion sequence)`
//! order: the earliest time first, and among events with the same time, the one pushed first.
//! Same-time events therefore run first-in first-out, as in ns-3, which makes a run a pure
//! function of its inputs. Pushing an event earlier than the last popped time is a logic error
//! (the simulated past cannot change) and panics.
//!
//! # Cancellation
//!
//! [`EventQueue::push`] returns an [`EventId`]; [`EventQueue::cancel`] marks that event dead in
//! O(1) through a generation-checked slot (a tombstone). The dead entry stays in the queue and is
//! discarded when it reaches the front, so a cancel never scans. A cancelled event never pops,
//! and cancelling an event that has already popped (or was cancelled before) returns `false`.
//!
//! Dead entries are also purged in bulk: once they outnumber the live ones (and there are at
//! least [`COMPACT_MIN_DEAD`] of them), a cancel compacts the queue — one pass that keeps the
//! live entries in their order and frees the rest. So the stored entries stay within twice the
//! live ones (plus that constant) even when most events are cancelled long before their time,
//! as the timers of a million short TCP flows are; the cost is amortised O(1) per cancel.
//!
//! # Implementations
//!
//! * [`BinaryHeapQueue`]: a binary heap keyed by `(time, sequence)`.
//! * [`RadixQueue`]: a radix heap (Ahuja, Mehlhorn, Orlin & Tarjan 1990) keyed by time. It relies
//!   on the queue being *monotone* — no push earlier than the last pop — which a discrete-event
//!   simulation guarantees, and moves each entry between buckets at most 64 times, so it stays
//!   fast with very many pending events. Equal times keep their insertion order because all
//!   entries with one key always share one bucket, appended in order.
//! * [`LaneQueue`] (the default): a few FIFO *delay lanes* — one per frequent offset (time
//!   minus the last popped time), each already sorted because the last popped time never
//!   decreases — in front of a [`RadixQueue`] for cancellable events and rare offsets; a pop
//!   takes the smallest `(time, sequence)` among the lane heads and the heap's front. In a
//!   packet network nearly every event is a link delay or a frame's serialisation time after
//!   the current one, so most pushes are an append and most pops a `pop_front`.
//!
//! [`QueueKind::default`] is the one chosen by measurement (docs/performance.md, session 14).

mod binary_heap;
mod lanes;
mod radix;

pub use binary_heap::BinaryHeapQueue;
pub use lanes::{CLAIM_AFTER, IDLE_PUSHES, LaneQueue, MAX_LANES};
pub use radix::RadixQueue;

use crate::SimTime;

/// `(time, sequence)` as one number, ordered like the pair.
#[inline]
pub(crate) fn key(time: u64, seq: u64) -> u128 {
    (u128::from(time) << 64) | u128::from(seq)
}

/// Dead entries a queue tolerates before a cancel may compact it (see the module docs).
pub const COMPACT_MIN_DEAD: usize = 4096;

/// A handle to a scheduled event, for cancelling it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventId {
    slot: u32,
    generation: u32,
}

impl EventId {
    /// The id of an entry pushed with [`EventQueue::push_fixed`]: it has no slot.
    pub(crate) const FIXED: EventId = EventId {
        slot: u32::MAX,
        generation: 0,
    };
}

/// A priority queue of timed events; see the [module docs](self) for the ordering contract.
pub trait EventQueue<E> {
    /// Schedules `event` at `time`, cancellable through the returned id. Panics if `time` is
    /// earlier than the last popped time.
    fn push(&mut self, time: SimTime, event: E) -> EventId;
    /// Schedules `event` at `time` without a way to cancel it — the common case, and cheaper:
    /// such an entry never touches the liveness slots.
    fn push_fixed(&mut self, time: SimTime, event: E);
    /// Removes and returns the earliest live event.
    fn pop(&mut self) -> Option<(SimTime, E)> {
        self.pop_until(SimTime::MAX)
    }
    /// Removes and returns the earliest live event if its time is at most `limit`. Leaves the
    /// queue able to accept pushes at any time from the last popped one on.
    fn pop_until(&mut self, limit: SimTime) -> Option<(SimTime, E)>;
    /// The time of the earliest live event, discarding cancelled ones at the front.
    fn peek_time(&mut self) -> Option<SimTime>;
    /// Cancels a pending event; `false` if it already ran or was cancelled.
    fn cancel(&mut self, id: EventId) -> bool;
    /// Number of live (not cancelled) pending events.
    fn len(&self) -> usize;
    /// Number of entries stored, cancelled ones not yet purged included (what the queue's
    /// memory follows).
    fn stored(&self) -> usize;
    /// No live pending events.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Which implementation a [`crate::Scheduler`] uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QueueKind {
    /// [`BinaryHeapQueue`].
    BinaryHeap,
    /// [`RadixQueue`].
    Radix,
    /// [`LaneQueue`] — the default, chosen by measurement.
    #[default]
    Lanes,
}

/// Liveness bookkeeping shared by the implementations: one slot per pending entry, reused
/// through a free list, with a generation that makes stale [`EventId`]s harmless.
///
/// An entry remembers the generation its slot had when it was pushed; it is live while the slot
/// still has that generation. Cancelling bumps the generation (the entry is now dead) but keeps
/// the slot allocated until the dead entry leaves the queue, so a reused slot can never make a
/// dead entry look live again.
#[derive(Debug, Default)]
pub(crate) struct Slots {
    generation: Vec<u32>,
    free: Vec<u32>,
    live_count: usize,
    /// Cancelled entries still stored in the queue.
    dead_count: usize,
}

impl Slots {
    /// Counts a live entry that has no slot ([`EventId::FIXED`]).
    #[inline]
    pub(crate) fn add_fixed(&mut self) -> EventId {
        self.live_count += 1;
        EventId::FIXED
    }

    /// A new live slot and its id.
    #[inline]
    pub(crate) fn alloc(&mut self) -> EventId {
        self.live_count += 1;
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.generation.push(0);
                u32::try_from(self.generation.len() - 1).expect("more than 2^32 pending events")
            }
        };
        EventId {
            slot,
            generation: self.generation[slot as usize],
        }
    }

    /// Whether the entry with this id is still live.
    #[inline]
    pub(crate) fn is_live(&self, id: EventId) -> bool {
        id.slot == u32::MAX || self.generation[id.slot as usize] == id.generation
    }

    /// Frees the slot of an entry that left the queue; returns whether it was live.
    #[inline]
    pub(crate) fn retire(&mut self, id: EventId) -> bool {
        if id.slot == u32::MAX {
            self.live_count -= 1;
            return true;
        }
        let g = &mut self.generation[id.slot as usize];
        let was_live = *g == id.generation;
        if was_live {
            *g = g.wrapping_add(1);
            self.live_count -= 1;
        } else {
            self.dead_count -= 1;
        }
        self.free.push(id.slot);
        was_live
    }

    pub(crate) fn cancel(&mut self, id: EventId) -> bool {
        match self.generation.get_mut(id.slot as usize) {
            Some(g) if *g == id.generation => {
                *g = g.wrapping_add(1);
                self.live_count -= 1;
                self.dead_count += 1;
                true
            }
            _ => false,
        }
    }

    pub(crate) fn live_count(&self) -> usize {
        self.live_count
    }

    /// Whether any cancelled entry is still stored.
    #[inline]
    pub(crate) fn has_dead(&self) -> bool {
        self.dead_count > 0
    }

    /// Whether the dead entries are now many enough to purge (see the module docs).
    #[inline]
    pub(crate) fn should_compact(&self) -> bool {
        self.dead_count >= COMPACT_MIN_DEAD && self.dead_count > self.live_count
    }

    /// For a compaction pass: whether the entry `id` stays; a dead one's slot is freed.
    #[inline]
    pub(crate) fn keep(&mut self, id: EventId) -> bool {
        self.is_live(id) || {
            self.retire(id);
            false
        }
    }
}

/// Either implementation, dispatched by a `match` so that the hot path stays inlinable.
#[derive(Debug)]
// One queue exists per simulation; boxing the larger variant would only add an indirection to
// every push and pop.
#[allow(clippy::large_enum_variant)]
pub enum AnyQueue<E> {
    /// See [`BinaryHeapQueue`].
    BinaryHeap(BinaryHeapQueue<E>),
    /// See [`RadixQueue`].
    Radix(RadixQueue<E>),
    /// See [`LaneQueue`].
    Lanes(LaneQueue<E>),
}

impl<E> AnyQueue<E> {
    /// An empty queue of the given kind.
    pub fn new(kind: QueueKind) -> Self {
        match kind {
            QueueKind::BinaryHeap => AnyQueue::BinaryHeap(BinaryHeapQueue::new()),
            QueueKind::Radix => AnyQueue::Radix(RadixQueue::new()),
            QueueKind::Lanes => AnyQueue::Lanes(LaneQueue::new()),
        }
    }
}

impl<E> AnyQueue<E> {
    /// [`EventQueue::push_fixed`] of the kinds other than the default, out of line so that
    /// only the default's code is inlined into every caller.
    #[inline(never)]
    fn push_fixed_other(&mut self, time: SimTime, event: E) {
        match self {
            AnyQueue::BinaryHeap(q) => q.push_fixed(time, event),
            AnyQueue::Radix(q) => q.push_fixed(time, event),
            AnyQueue::Lanes(q) => q.push_fixed(time, event),
        }
    }

    /// [`EventQueue::pop_until`] of the kinds other than the default, out of line.
    #[inline(never)]
    fn pop_until_other(&mut self, limit: SimTime) -> Option<(SimTime, E)> {
        match self {
            AnyQueue::BinaryHeap(q) => q.pop_until(limit),
            AnyQueue::Radix(q) => q.pop_until(limit),
            AnyQueue::Lanes(q) => q.pop_until(limit),
        }
    }
}

impl<E> EventQueue<E> for AnyQueue<E> {
    #[inline]
    fn push(&mut self, time: SimTime, event: E) -> EventId {
        match self {
            AnyQueue::BinaryHeap(q) => q.push(time, event),
            AnyQueue::Radix(q) => q.push(time, event),
            AnyQueue::Lanes(q) => q.push(time, event),
        }
    }
    #[inline]
    fn push_fixed(&mut self, time: SimTime, event: E) {
        match self {
            AnyQueue::Lanes(q) => q.push_fixed(time, event),
            _ => self.push_fixed_other(time, event),
        }
    }
    #[inline]
    fn pop_until(&mut self, limit: SimTime) -> Option<(SimTime, E)> {
        match self {
            AnyQueue::Lanes(q) => q.pop_until(limit),
            _ => self.pop_until_other(limit),
        }
    }
    #[inline]
    fn peek_time(&mut self) -> Option<SimTime> {
        match self {
            AnyQueue::BinaryHeap(q) => q.peek_time(),
            AnyQueue::Radix(q) => q.peek_time(),
            AnyQueue::Lanes(q) => q.peek_time(),
        }
    }
    #[inline]
    fn cancel(&mut self, id: EventId) -> bool {
        match self {
            AnyQueue::BinaryHeap(q) => q.cancel(id),
            AnyQueue::Radix(q) => q.cancel(id),
            AnyQueue::Lanes(q) => q.cancel(id),
        }
    }
    #[inline]
    fn len(&self) -> usize {
        match self {
            AnyQueue::BinaryHeap(q) => q.len(),
            AnyQueue::Radix(q) => q.len(),
            AnyQueue::Lanes(q) => q.len(),
        }
    }
    fn stored(&self) -> usize {
        match self {
            AnyQueue::BinaryHeap(q) => q.stored(),
            AnyQueue::Radix(q) => q.stored(),
            AnyQueue::Lanes(q) => q.stored(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A scripted operation on a queue.
    #[derive(Debug, Clone)]
    enum Op {
        /// Push at (last popped time + delta).
        Push(u64),
        /// The same without a cancellation handle.
        PushFixed(u64),
        Pop,
        /// Pop only if the earliest time is at most (last popped + delta), then push at the
        /// last popped time (the engine does this after `run_until`).
        PopUntil(u64),
        /// Cancel the k-th id handed out so far (modulo their number).
        Cancel(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u64..8).prop_map(Op::Push), // small deltas make many equal times
            1 => (0u64..1u64 << 40).prop_map(Op::Push),
            3 => (0u64..8).prop_map(Op::PushFixed),
            // Microsecond-scale delays (10^6 ps), as a network simulation schedules them.
            2 => (0u64..1u64 << 24).prop_map(Op::PushFixed),
            3 => Just(Op::Pop),
            1 => (0u64..16).prop_map(Op::PopUntil),
            1 => any::<usize>().prop_map(Op::Cancel),
        ]
    }

    /// Runs `ops` on `q` and checks it against the contract: pops in (time, seq) order, FIFO
    /// among equal times, cancelled events never pop, and `len` counts live events.
    fn check_contract(mut q: impl EventQueue<u64>, ops: &[Op]) {
        let mut now = 0u64;
        let mut ids: Vec<(EventId, u64)> = Vec::new();
        // Model: live events as (time, seq), in a BTreeSet (ordered, deterministic).
        let mut model = std::collections::BTreeSet::<(u64, u64)>::new();
        let mut seq = 0u64;
        for op in ops {
            match *op {
                Op::Push(d) => {
                    let t = now + d;
                    let id = q.push(SimTime::from_ps(t), seq);
                    ids.push((id, seq));
                    model.insert((t, seq));
                    seq += 1;
                }
                Op::PushFixed(d) => {
                    let t = now + d;
                    q.push_fixed(SimTime::from_ps(t), seq);
                    model.insert((t, seq));
                    seq += 1;
                }
                Op::Pop => {
                    let got = q.pop().map(|(t, s)| (t.as_ps(), s));
                    let want = model.pop_first();
                    assert_eq!(got, want, "pop order differs from (time, seq) order");
                    if let Some((t, _)) = got {
                        assert!(t >= now, "time went backwards");
                        now = t;
                    }
                }
                Op::PopUntil(d) => {
                    let limit = now + d;
                    let got = q
                        .pop_until(SimTime::from_ps(limit))
                        .map(|(t, s)| (t.as_ps(), s));
                    let want = match model.first() {
                        Some(&(t, _)) if t <= limit => model.pop_first(),
                        _ => None,
                    };
                    assert_eq!(got, want, "pop_until({limit})");
                    if let Some((t, _)) = got {
                        now = t;
                    }
                    // Pushing at the current time must still be accepted.
                    let id = q.push(SimTime::from_ps(now), seq);
                    ids.push((id, seq));
                    model.insert((now, seq));
                    seq += 1;
                    assert_eq!(
                        q.peek_time().map(SimTime::as_ps),
                        model.first().map(|e| e.0)
                    );
                }
                Op::Cancel(k) => {
                    if ids.is_empty() {
                        continue;
                    }
                    let (id, s) = ids[k % ids.len()];
                    let pending = model.iter().find(|&&(_, x)| x == s).copied();
                    let cancelled = q.cancel(id);
                    assert_eq!(cancelled, pending.is_some(), "cancel result for seq {s}");
                    if let Some(e) = pending {
                        model.remove(&e);
                    }
                }
            }
            assert_eq!(q.len(), model.len(), "live count");
        }
        // Drain: the rest comes out in order too.
        while let Some((t, s)) = q.pop() {
            assert_eq!(Some((t.as_ps(), s)), model.pop_first());
        }
        assert!(model.is_empty(), "queue lost events");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// The binary heap honours the ordering and cancellation contract.
        #[test]
        fn binary_heap_contract(ops in proptest::collection::vec(op(), 0..400)) {
            check_contract(BinaryHeapQueue::new(), &ops);
        }
        /// The radix heap honours the ordering and cancellation contract.
        #[test]
        fn radix_contract(ops in proptest::collection::vec(op(), 0..400)) {
            check_contract(RadixQueue::new(), &ops);
        }
        /// The delay lanes honour the ordering and cancellation contract.
        #[test]
        fn lanes_contract(ops in proptest::collection::vec(op(), 0..400)) {
            check_contract(LaneQueue::new(), &ops);
        }
        /// The delay lanes pop exactly what the binary heap pops, op for op, when most pushes
        /// repeat a few offsets (more of them than there are lanes, so that lanes fill up, go
        /// idle and change hands under a quick claiming policy), with ties, cancellations,
        /// `pop_until` limits and rare odd offsets in between.
        #[test]
        fn lanes_match_binary_heap(
            policy in (1u32..4, 0u64..24),
            offsets in proptest::collection::vec(0u64..1 << 20, 1..=2 * MAX_LANES),
            ops in proptest::collection::vec(lane_op(), 0..1500),
        ) {
            let lanes = LaneQueue::with_policy(policy.0, policy.1);
            let used = check_against_heap(lanes, &offsets, &ops);
            prop_assert!(used <= MAX_LANES);
        }
    }

    /// An operation for [`check_against_heap`].
    #[derive(Debug, Clone)]
    enum LaneOp {
        /// A fixed push at the last popped time plus the k-th offset (modulo their number).
        Repeat(usize),
        /// A fixed push at an arbitrary offset.
        Odd(u64),
        /// A cancellable push at the k-th offset.
        Cancellable(usize),
        Pop,
        /// Pop only up to the last popped time plus the k-th offset.
        PopUntil(usize),
        /// Cancel the k-th id handed out so far.
        Cancel(usize),
    }

    fn lane_op() -> impl Strategy<Value = LaneOp> {
        prop_oneof![
            12 => any::<usize>().prop_map(LaneOp::Repeat),
            1 => (0u64..1 << 24).prop_map(LaneOp::Odd),
            2 => any::<usize>().prop_map(LaneOp::Cancellable),
            10 => Just(LaneOp::Pop),
            2 => any::<usize>().prop_map(LaneOp::PopUntil),
            2 => any::<usize>().prop_map(LaneOp::Cancel),
        ]
    }

    /// Runs `ops` on `lanes` and on a [`BinaryHeapQueue`] side by side and asserts that every
    /// pop, peek, cancel and count agrees; returns the lanes claimed.
    fn check_against_heap(mut lanes: LaneQueue<u64>, offsets: &[u64], ops: &[LaneOp]) -> usize {
        let mut heap = BinaryHeapQueue::new();
        let (mut now, mut seq) = (0u64, 0u64);
        let mut ids: Vec<(EventId, EventId)> = Vec::new();
        for op in ops {
            match *op {
                LaneOp::Repeat(k) | LaneOp::Cancellable(k) => {
                    let t = SimTime::from_ps(now + offsets[k % offsets.len()]);
                    if matches!(op, LaneOp::Repeat(_)) {
                        lanes.push_fixed(t, seq);
                        heap.push_fixed(t, seq);
                    } else {
                        ids.push((lanes.push(t, seq), heap.push(t, seq)));
                    }
                    seq += 1;
                }
                LaneOp::Odd(d) => {
                    lanes.push_fixed(SimTime::from_ps(now + d), seq);
                    heap.push_fixed(SimTime::from_ps(now + d), seq);
                    seq += 1;
                }
                LaneOp::Pop | LaneOp::PopUntil(_) => {
                    let limit = match *op {
                        LaneOp::PopUntil(k) => SimTime::from_ps(now + offsets[k % offsets.len()]),
                        _ => SimTime::MAX,
                    };
                    let got = lanes.pop_until(limit);
                    assert_eq!(got, heap.pop_until(limit), "pop_until({limit})");
                    now = got.map_or(now, |(t, _)| t.as_ps());
                }
                LaneOp::Cancel(k) => {
                    if let Some(&(a, b)) = ids.get(k % ids.len().max(1)) {
                        assert_eq!(lanes.cancel(a), heap.cancel(b), "cancel");
                    }
                }
            }
            assert_eq!(lanes.len(), heap.len(), "live count");
            assert_eq!(lanes.peek_time(), heap.peek_time(), "peek_time");
        }
        let used = lanes.lanes_used();
        while let Some(e) = heap.pop() {
            assert_eq!(lanes.pop(), Some(e), "drain");
        }
        assert_eq!(lanes.pop(), None, "lanes kept extra events");
        used
    }

    /// A packet network's pattern — arrivals one link delay ahead, transmissions ending one
    /// frame time ahead, a rare timer — goes to the lanes, and retired lanes are retaken when
    /// the pattern changes: the order still matches the binary heap's throughout.
    #[test]
    fn frequent_offsets_take_lanes() {
        let mut lanes = LaneQueue::new();
        let mut heap = BinaryHeapQueue::new();
        let mut x = 1u64;
        let mut now = 0;
        for i in 0..200_000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            // Two phases with different delays, so that the second needs the lanes the first
            // left idle; one push in 64 at an odd offset.
            let base = if i < 100_000 { 1_000_000 } else { 3_000_000 };
            let d = match (x >> 40) % 64 {
                0 => (x >> 20) % 10_000_000,
                r => base + (r % 7) * 43_200,
            };
            lanes.push_fixed(SimTime::from_ps(now + d), i);
            heap.push_fixed(SimTime::from_ps(now + d), i);
            // A backlog builds up first, then stays (a pop per push).
            if i >= 10_000 || !(x >> 33).is_multiple_of(4) {
                let got = lanes.pop();
                assert_eq!(got, heap.pop(), "pop {i}");
                now = got.map_or(now, |(t, _)| t.as_ps());
            }
        }
        assert_eq!(lanes.lanes_used(), MAX_LANES);
        let in_heap = lanes.heap_stored();
        assert!(
            in_heap * 10 < lanes.len(),
            "{in_heap} of {} pending events missed the lanes",
            lanes.len()
        );
        while let Some(e) = heap.pop() {
            assert_eq!(lanes.pop(), Some(e), "drain");
        }
    }

    /// Pushing into the past is a logic error for the lanes too.
    #[test]
    #[should_panic(expected = "past")]
    fn lanes_reject_the_past() {
        push_into_the_past(LaneQueue::new());
    }

    /// Pops at 10 ps, then pushes at 9 ps: must panic.
    fn push_into_the_past(mut q: impl EventQueue<()>) {
        q.push_fixed(SimTime::from_ps(10), ());
        q.pop();
        q.push_fixed(SimTime::from_ps(9), ());
    }

    /// Compaction (issue 20): when most pending events are cancelled long before their time
    /// (a million short TCP flows' retransmission timers, armed 1 s ahead and cancelled within
    /// microseconds), the stored entries stay within twice the live ones plus
    /// `COMPACT_MIN_DEAD`, compaction actually runs, and the live events still pop in
    /// (time, seq) order — equal times included — interleaved with pops and fresh pushes.
    #[test]
    fn cancelled_entries_are_purged_in_order() {
        for kind in [QueueKind::BinaryHeap, QueueKind::Radix, QueueKind::Lanes] {
            let mut q = AnyQueue::new(kind);
            let mut model = std::collections::BTreeSet::<(u64, u64)>::new();
            let (mut now, mut seq, mut x) = (0u64, 0u64, 12345u64);
            let mut ids: std::collections::VecDeque<(EventId, u64, u64)> = Default::default();
            let mut compactions = 0;
            for _ in 0..100_000u64 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                // On a coarse grid, so that many times are equal.
                let near = now + ((x >> 33) % (1 << 16)) / 64 * 64;
                let far = now + (1 << 30) + ((x >> 17) % (1 << 16)) / 64 * 64;
                q.push_fixed(SimTime::from_ps(near), seq);
                model.insert((near, seq));
                ids.push_back((q.push(SimTime::from_ps(far), seq + 1), far, seq + 1));
                model.insert((far, seq + 1));
                seq += 2;
                // Cancel nine in ten of the far events soon after they are pushed.
                while ids.len() > 8 {
                    let (id, t, s) = ids.pop_front().expect("non-empty");
                    if (s / 2) % 10 != 0 {
                        let before = q.stored();
                        assert_eq!(q.cancel(id), model.remove(&(t, s)), "{kind:?} cancel {s}");
                        compactions += usize::from(q.stored() < before);
                    }
                }
                let got = q.pop().map(|(t, s)| (t.as_ps(), s));
                assert_eq!(got, model.pop_first(), "{kind:?}: pop order");
                now = got.map_or(now, |g| g.0);
                assert_eq!(q.len(), model.len(), "{kind:?}: live count");
                assert!(
                    q.stored() <= 2 * q.len() + COMPACT_MIN_DEAD,
                    "{kind:?}: {} stored for {} live",
                    q.stored(),
                    q.len()
                );
            }
            assert!(compactions > 0, "{kind:?}: compaction never ran");
            while let Some((t, s)) = q.pop() {
                assert_eq!(Some((t.as_ps(), s)), model.pop_first(), "{kind:?}: drain");
            }
            assert!(model.is_empty(), "{kind:?}: queue lost events");
        }
    }

    /// A stale id (its slot reused by a later event) cancels nothing.
    #[test]
    fn stale_id_is_harmless() {
        for kind in [QueueKind::BinaryHeap, QueueKind::Radix, QueueKind::Lanes] {
            let mut q = AnyQueue::new(kind);
            let a = q.push(SimTime::from_ps(1), 'a');
            assert_eq!(q.pop(), Some((SimTime::from_ps(1), 'a')));
            let _b = q.push(SimTime::from_ps(2), 'b');
            assert!(!q.cancel(a), "{kind:?}: stale id cancelled a live event");
            assert_eq!(q.pop(), Some((SimTime::from_ps(2), 'b')));
        }
    }

    /// Pushing into the past is a logic error for both implementations.
    #[test]
    #[should_panic(expected = "past")]
    fn radix_rejects_the_past() {
        push_into_the_past(RadixQueue::new());
    }
}
