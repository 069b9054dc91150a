//! Delay lanes: FIFOs for the few delays a network simulation schedules most, in front of a
//! radix heap for everything else.
//!
//! A push's *offset* is its time minus the last popped time, and the last popped time never
//! decreases. So the events pushed with one offset `d` have non-decreasing times (`now + d`
//! with a non-decreasing `now`) and increasing sequence numbers, in push order: appended to one
//! FIFO they are already sorted by `(time, sequence)`, with no sift and no bucket moves. A
//! packet network pushes almost every event at one of a handful of offsets — the link delay
//! for an arrival, the serialisation time of a data frame or an ACK for the end of a
//! transmission — so a few such *lanes* take nearly all of them (about 97 % at
//! `perf-fat-tree-8`).
//!
//! A non-cancellable push whose offset owns a lane is appended to it; every other push
//! (cancellable ones, rare offsets) goes to a [`RadixQueue`], which keeps each entry's global
//! sequence number. A pop takes the smallest `(time, sequence)` among the lane heads and the
//! heap's front: the smallest of sorted sequences' heads is the smallest overall, so the order
//! is exactly the [contract's](super), whatever offsets own the lanes.
//!
//! Which offsets own lanes is only a performance heuristic: an offset that missed
//! [`CLAIM_AFTER`] times (counted in a small table of candidates) claims a free lane, or — once
//! all [`MAX_LANES`] are taken — a lane that has been *empty* for the last [`IDLE_PUSHES`]
//! pushes (an offset may change only while its lane is empty, so each lane stays sorted).
//!
//! The heap is consulted only up to the lane head's time ([`RadixQueue::front_key`]), so its
//! own notion of the last extracted time never passes the queue's: a push at any time from the
//! last popped one on stays valid for it. Cancellation and compaction are the heap's; lane
//! entries cannot be cancelled and are never dead.

use std::collections::VecDeque;

use super::{EventId, EventQueue, RadixQueue, key};
use crate::SimTime;

/// Most lanes a queue keeps; a pop compares the heads of the lanes claimed so far.
pub const MAX_LANES: usize = 8;
/// Misses of one offset before it claims a lane.
pub const CLAIM_AFTER: u32 = 4;
/// Pushes a lane must have stayed empty for before another offset may take it.
pub const IDLE_PUSHES: u64 = 1 << 12;
/// Slots of the table that counts the misses of offsets without a lane.
const CANDIDATES: usize = 16;
/// Slots of the table that finds an offset's lane.
const LOOKUP: usize = 64;
/// A [`LOOKUP`] slot without a lane.
const NO_LANE: u8 = u8::MAX;

/// An offset's slot in a direct-mapped table of `N` (a power of two) slots.
#[inline]
fn slot<const N: usize>(offset: u64) -> usize {
    (offset.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - N.trailing_zeros())) as usize
}

/// The key of an empty lane, larger than any entry's.
const EMPTY: u128 = u128::MAX;
/// Low bits of a sequence number that hold a lane entry's lane: the queue's sequence numbers
/// step by `1 << LANE_BITS`, so a lane entry's key names its lane and still orders like
/// `(time, push order)` (2^61 pushes, decades of simulation, before they run out).
const LANE_BITS: u32 = 3;
const LANE_MASK: u64 = (1 << LANE_BITS) - 1;
const _: () = assert!(MAX_LANES <= 1 << LANE_BITS);

#[derive(Debug)]
struct LaneEntry<E> {
    time: u64,
    /// The push's sequence number with the lane in its low [`LANE_BITS`].
    seq: u64,
    event: E,
}

/// Delay lanes in front of a radix heap; see the [module docs](self).
#[derive(Debug)]
pub struct LaneQueue<E> {
    /// The keys of the non-empty lanes' first entries (each names its lane), the first
    /// `nonempty` of them, in increasing order, then [`EMPTY`] (at least one, a sentinel): a
    /// pop takes the first lane and moves its next head back to where it belongs (at
    /// `perf-fat-tree-16` it stays first three times in four).
    sorted: [u128; MAX_LANES + 1],
    nonempty: usize,
    /// The offset each claimed lane takes.
    offsets: [u64; MAX_LANES],
    /// The lane of an offset, by [`slot`]: a lane whose offset shares a slot with a later
    /// claim's loses its entry here (and takes no more pushes until it is retaken).
    lookup: [u8; LOOKUP],
    /// Lanes claimed so far.
    used: usize,
    lanes: [VecDeque<LaneEntry<E>>; MAX_LANES],
    /// `next_seq` when each lane last became empty (for retaking idle lanes).
    emptied: [u64; MAX_LANES],
    /// Misses counted per offset without a lane, direct-mapped: (offset, count).
    candidates: [(u64, u32); CANDIDATES],
    /// Cancellable pushes and the offsets without a lane.
    heap: RadixQueue<E>,
    /// At most the key of the earliest live entry in `heap` ([`RadixQueue::floor`]), lowered
    /// by pushes: a pop looks into the heap only when this is before the lane head's key, so
    /// a heap entry tied in time with lane entries pushed before it is not asked for again
    /// and again while they pop.
    heap_floor: u128,
    /// The last popped time.
    now: u64,
    next_seq: u64,
    /// [`CLAIM_AFTER`] and [`IDLE_PUSHES`], smaller in tests.
    claim_after: u32,
    idle_pushes: u64,
}

impl<E> Default for LaneQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> LaneQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::with_policy(CLAIM_AFTER, IDLE_PUSHES)
    }

    /// An empty queue whose offsets claim a lane after `claim_after` misses and whose lanes
    /// may be retaken once empty for `idle_pushes` pushes.
    pub(crate) fn with_policy(claim_after: u32, idle_pushes: u64) -> Self {
        LaneQueue {
            sorted: [EMPTY; MAX_LANES + 1],
            nonempty: 0,
            offsets: [0; MAX_LANES],
            lookup: [NO_LANE; LOOKUP],
            used: 0,
            lanes: std::array::from_fn(|_| VecDeque::new()),
            emptied: [0; MAX_LANES],
            candidates: [(u64::MAX, 0); CANDIDATES],
            heap: RadixQueue::new(),
            heap_floor: EMPTY,
            now: 0,
            next_seq: 0,
            claim_after,
            idle_pushes,
        }
    }

    /// Lanes claimed so far (for tests and diagnostics).
    pub fn lanes_used(&self) -> usize {
        self.used
    }

    /// Entries in the lanes (all live).
    fn in_lanes(&self) -> usize {
        self.lanes.iter().map(VecDeque::len).sum()
    }

    /// Entries in the heap behind the lanes, cancelled ones included (for tests).
    pub fn heap_stored(&self) -> usize {
        self.heap.stored()
    }

    /// The time as picoseconds, its offset and the next sequence number, checking the
    /// contract.
    #[inline(always)]
    fn next_key(&mut self, time: SimTime) -> (u64, u64, u64) {
        let t = time.as_ps();
        let (d, past) = t.overflowing_sub(self.now);
        if past {
            self.past(time);
        }
        let seq = self.next_seq;
        self.next_seq += 1 << LANE_BITS;
        (t, d, seq)
    }

    #[cold]
    #[inline(never)]
    fn past(&self, time: SimTime) -> ! {
        panic!(
            "event scheduled in the past ({time} < {})",
            SimTime::from_ps(self.now)
        )
    }

    /// A push into the heap at `t` with sequence number `seq`.
    #[inline]
    fn heap_for(&mut self, t: u64, seq: u64) -> &mut RadixQueue<E> {
        self.heap_floor = self.heap_floor.min(key(t, seq));
        &mut self.heap
    }

    #[inline(always)]
    fn append(&mut self, lane: usize, time: u64, seq: u64, event: E) {
        let seq = seq | lane as u64;
        let fifo = &mut self.lanes[lane];
        if fifo.is_empty() {
            self.enter_order(key(time, seq));
        }
        self.lanes[lane].push_back(LaneEntry { time, seq, event });
    }

    /// Counts a miss of offset `d` (push number `seq`); returns the lane it claims, if any.
    #[cold]
    fn note_miss(&mut self, d: u64, seq: u64) -> Option<usize> {
        let cand = slot::<CANDIDATES>(d);
        let c = &mut self.candidates[cand];
        if c.0 == d {
            c.1 += 1;
        } else {
            *c = (d, 1);
        }
        if c.1 < self.claim_after {
            return None;
        }
        let lane = if self.used < MAX_LANES {
            self.used += 1;
            self.used - 1
        } else {
            // The empty lane idle longest, if it has been idle long enough.
            (0..MAX_LANES)
                .filter(|&i| {
                    self.lanes[i].is_empty()
                        && (seq - self.emptied[i]) >> LANE_BITS >= self.idle_pushes
                })
                .min_by_key(|&i| self.emptied[i])?
        };
        self.candidates[cand] = (u64::MAX, 0);
        self.offsets[lane] = d;
        self.lookup[slot::<LOOKUP>(d)] = lane as u8;
        Some(lane)
    }

    /// A lane, empty so far, gets head key `k`: into the order from the back (a new head is
    /// usually the latest).
    #[inline(never)]
    fn enter_order(&mut self, k: u128) {
        let mut j = self.nonempty;
        while j > 0 && self.sorted[j - 1] > k {
            self.sorted[j] = self.sorted[j - 1];
            j -= 1;
        }
        self.sorted[j] = k;
        self.nonempty += 1;
    }

    /// The first lane in the order has become empty.
    #[inline(never)]
    fn leave_order(&mut self, lane: usize) {
        self.emptied[lane] = self.next_seq;
        // The sentinel at the end stays: at most `MAX_LANES` keys come before it.
        self.sorted.copy_within(1.., 0);
        self.nonempty -= 1;
    }

    /// After a pop from the first lane in the order: its new head key `k`.
    #[inline(always)]
    fn reorder_first(&mut self, k: u128) {
        // Stops at the sentinel at the latest.
        let mut j = 1;
        while j <= MAX_LANES && self.sorted[j] < k {
            self.sorted[j - 1] = self.sorted[j];
            j += 1;
        }
        self.sorted[j - 1] = k;
    }
}

impl<E> EventQueue<E> for LaneQueue<E> {
    fn push(&mut self, time: SimTime, event: E) -> EventId {
        let (t, _, seq) = self.next_key(time);
        self.heap_for(t, seq).push_keyed(t, seq, event)
    }

    #[inline(always)]
    fn push_fixed(&mut self, time: SimTime, event: E) {
        let (t, d, seq) = self.next_key(time);
        let lane = match self.lookup[slot::<LOOKUP>(d)] as usize {
            l if l < MAX_LANES && self.offsets[l] == d => Some(l),
            _ => self.note_miss(d, seq),
        };
        match lane {
            Some(lane) => self.append(lane, t, seq, event),
            None => self.heap_for(t, seq).push_fixed_keyed(t, seq, event),
        }
    }

    #[inline(always)]
    fn pop_until(&mut self, limit: SimTime) -> Option<(SimTime, E)> {
        let limit = limit.as_ps();
        let head = self.sorted[0];
        let lane_time = (head >> 64) as u64;
        if self.heap_floor < head {
            // Only up to the lane head's time, so that the heap's last extracted time never
            // passes ours.
            match self.heap.front_key(limit.min(lane_time)) {
                Some((t, seq)) if key(t, seq) < head => {
                    let (t, event) = self.heap.pop_front();
                    self.heap_floor = self.heap.floor();
                    self.now = t;
                    return Some((SimTime::from_ps(t), event));
                }
                // The heap's earliest live entry, exactly.
                Some((t, seq)) => self.heap_floor = key(t, seq),
                None => self.heap_floor = self.heap.floor(),
            }
        }
        // Past `limit` or `EMPTY` (no entry's sequence number is `u64::MAX`).
        if head >= key(limit, u64::MAX) {
            return None;
        }
        let lane = (head as u64 & LANE_MASK) as usize;
        let fifo = &mut self.lanes[lane];
        let e = fifo.pop_front().expect("a lane with a head");
        match fifo.front() {
            Some(n) => {
                let k = key(n.time, n.seq);
                self.reorder_first(k);
            }
            None => self.leave_order(lane),
        }
        self.now = e.time;
        Some((SimTime::from_ps(e.time), e.event))
    }

    fn peek_time(&mut self) -> Option<SimTime> {
        let head = self.sorted[0];
        let lanes = (head != EMPTY).then(|| SimTime::from_ps((head >> 64) as u64));
        match (lanes, self.heap.peek_time()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn cancel(&mut self, id: EventId) -> bool {
        self.heap.cancel(id)
    }

    fn len(&self) -> usize {
        self.in_lanes() + self.heap.len()
    }

    fn stored(&self) -> usize {
        self.in_lanes() + self.heap.stored()
    }
}
