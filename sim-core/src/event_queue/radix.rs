//! A radix heap for monotone event queues.
//!
//! Bucket 0 (the *front*) holds entries whose time equals `last`, the time of the last minimum
//! extracted; bucket `b ≥ 1` holds entries whose time first differs from `last` in bit `b − 1`
//! (counting from the least significant bit). When the front is empty, the first non-empty
//! bucket (found with one `trailing_zeros` on a bit mask) is redistributed around its smallest
//! time, which becomes the new `last`. Each entry moves at most 64 times over its life, and a
//! push is O(1).
//!
//! FIFO among equal times: an entry's bucket depends only on its time and on `last`, and a change
//! of `last` to a time in bucket `b` leaves the bucket of every time in a higher bucket unchanged.
//! So all entries with one time are always in one bucket, in push order, and redistribution walks a
//! bucket front to back.
//!
//! Cancelled entries are not searched for; they are discarded when they reach the front, when
//! their bucket is redistributed, or when they outnumber the live ones ([`RadixQueue::compact`]).

use std::collections::VecDeque;

use super::{EventId, EventQueue, Slots, key};
use crate::SimTime;

#[derive(Debug)]
struct Entry<E> {
    time: u64,
    /// Push sequence number: only [`super::LaneQueue`] reads it, to order the heap's front
    /// against its lanes' heads at equal times.
    seq: u64,
    id: EventId,
    event: E,
}

/// A radix heap of events; see [`super`] for the contract.
#[derive(Debug)]
pub struct RadixQueue<E> {
    /// Bucket 0: entries with time `last`, in push order.
    front: VecDeque<Entry<E>>,
    /// Buckets 1…64, at indices 0…63.
    buckets: Vec<Vec<Entry<E>>>,
    /// Bit `b − 1` is set when bucket `b` is non-empty.
    mask: u64,
    /// Smallest time pushed into each bucket since it was last emptied (cancelled entries
    /// included), so that refilling needs one pass over a bucket instead of two.
    mins: [u64; 64],
    /// Time of the last extracted minimum; every stored time is at least this.
    last: u64,
    slots: Slots,
    next_seq: u64,
}

impl<E> Default for RadixQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

/// Bucket of `time` relative to `last` (0 when equal).
#[inline]
fn bucket_of(time: u64, last: u64) -> usize {
    (64 - (time ^ last).leading_zeros()) as usize
}

impl<E> RadixQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        RadixQueue {
            front: VecDeque::new(),
            buckets: (0..64).map(|_| Vec::new()).collect(),
            mask: 0,
            mins: [u64::MAX; 64],
            last: 0,
            slots: Slots::default(),
            next_seq: 0,
        }
    }

    #[inline]
    fn push_with(&mut self, time: SimTime, event: E, id: EventId) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.insert_checked(time.as_ps(), seq, id, event);
    }

    #[inline]
    fn insert_checked(&mut self, time: u64, seq: u64, id: EventId, event: E) {
        assert!(
            time >= self.last,
            "event scheduled in the past ({} < {})",
            SimTime::from_ps(time),
            SimTime::from_ps(self.last)
        );
        self.insert(Entry {
            time,
            seq,
            id,
            event,
        });
    }

    /// A cancellable push with the caller's sequence number (which must increase from push to
    /// push, as [`super::LaneQueue`]'s do).
    pub(super) fn push_keyed(&mut self, time: u64, seq: u64, event: E) -> EventId {
        let id = self.slots.alloc();
        self.insert_checked(time, seq, id, event);
        id
    }

    /// A fixed push with the caller's sequence number.
    #[inline]
    pub(super) fn push_fixed_keyed(&mut self, time: u64, seq: u64, event: E) {
        let id = self.slots.add_fixed();
        self.insert_checked(time, seq, id, event);
    }

    /// `(time, sequence)` of the earliest live entry if its time is at most `limit`, after
    /// which [`RadixQueue::pop_front`] removes it. Never moves the last extracted time past
    /// `limit`.
    #[inline(always)]
    pub(super) fn front_key(&mut self, limit: u64) -> Option<(u64, u64)> {
        if self.nothing_until(limit) {
            return None;
        }
        self.front_key_slow(limit)
    }

    fn front_key_slow(&mut self, limit: u64) -> Option<(u64, u64)> {
        while self.refill_front(limit) {
            let e = self.front.front().expect("refilled");
            if self.slots.is_live(e.id) {
                return (e.time <= limit).then_some((e.time, e.seq));
            }
            let dead = self.front.pop_front().expect("front");
            self.slots.retire(dead.id);
        }
        None
    }

    /// A lower bound on the [`key`] of the earliest live entry (`u128::MAX` when nothing is
    /// stored), without moving anything: the front's first entry (the front holds one time
    /// in push order, and every bucket a later time), else the first bucket's smallest time
    /// with sequence 0.
    pub(super) fn floor(&self) -> u128 {
        match self.front.front() {
            Some(e) => key(e.time, e.seq),
            None if self.mask == 0 => u128::MAX,
            None => key(self.mins[self.mask.trailing_zeros() as usize], 0),
        }
    }

    /// Removes the entry [`RadixQueue::front_key`] has just returned.
    #[inline]
    pub(super) fn pop_front(&mut self) -> (u64, E) {
        let e = self.front.pop_front().expect("front_key returned it");
        self.slots.retire(e.id);
        (e.time, e.event)
    }

    #[inline]
    fn insert(&mut self, e: Entry<E>) {
        match bucket_of(e.time, self.last) {
            0 => self.front.push_back(e),
            b => {
                self.mins[b - 1] = self.mins[b - 1].min(e.time);
                self.buckets[b - 1].push(e);
                self.mask |= 1 << (b - 1);
            }
        }
    }

    /// Refills the front from the first non-empty bucket if the front is empty and that
    /// bucket's smallest time is at most `limit`. Returns whether the front has entries.
    ///
    /// `last` moves only when entries are about to be extracted, so a caller that stops at
    /// `limit` may still push anything at or after the last extracted time.
    #[inline]
    fn refill_front(&mut self, limit: u64) -> bool {
        if !self.front.is_empty() {
            return true;
        }
        if self.nothing_until(limit) {
            return false;
        }
        self.refill_from_buckets(limit)
    }

    /// The front is empty and no bucket holds a time at most `limit` (`mins` is a lower bound
    /// on each bucket's live times, and the first non-empty bucket has the smallest).
    #[inline(always)]
    fn nothing_until(&self, limit: u64) -> bool {
        self.front.is_empty()
            && (self.mask == 0 || self.mins[self.mask.trailing_zeros() as usize] > limit)
    }

    /// [`RadixQueue::refill_front`] once the front is empty and the first bucket may hold a
    /// time at most `limit`.
    fn refill_from_buckets(&mut self, limit: u64) -> bool {
        while self.mask != 0 {
            let i = self.mask.trailing_zeros() as usize;
            // The smallest *live* time: a cancelled entry must not move `last` past times
            // that may still be pushed. Without cancelled entries (the common case) no
            // liveness lookups are needed.
            let any_dead = self.slots.has_dead();
            let min = if any_dead {
                self.buckets[i]
                    .iter()
                    .filter(|e| self.slots.is_live(e.id))
                    .map(|e| e.time)
                    .min()
            } else {
                Some(self.mins[i])
            };
            let Some(min) = min else {
                for e in self.buckets[i].drain(..) {
                    self.slots.retire(e.id);
                }
                self.mask &= !(1 << i);
                self.mins[i] = u64::MAX;
                continue;
            };
            if min > limit {
                // Still a lower bound whatever is cancelled later, and exact once the dead
                // entries are gone (they leave a bucket only when it is redistributed or
                // compacted, which recompute it): the next check needs no scan.
                self.mins[i] = min;
                return false;
            }
            let mut moving = std::mem::take(&mut self.buckets[i]);
            self.mask &= !(1 << i);
            self.mins[i] = u64::MAX;
            self.last = min;
            if any_dead {
                for e in moving.drain(..) {
                    if self.slots.is_live(e.id) {
                        self.insert(e);
                    } else {
                        self.slots.retire(e.id);
                    }
                }
            } else {
                for e in moving.drain(..) {
                    self.insert(e);
                }
            }
            // Keep the allocation for the next time this bucket fills.
            self.buckets[i] = moving;
            return true;
        }
        false
    }

    /// Drops every cancelled entry. `retain` keeps each bucket's order, so equal times stay
    /// in push order; each bucket's smallest time is recomputed from what stays, so that a
    /// refill never moves `last` to the time of an entry that is gone.
    fn compact(&mut self) {
        let slots = &mut self.slots;
        self.front.retain(|e| slots.keep(e.id));
        let mut mask = self.mask;
        while mask != 0 {
            let i = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            let bucket = &mut self.buckets[i];
            bucket.retain(|e| slots.keep(e.id));
            self.mins[i] = bucket.iter().map(|e| e.time).min().unwrap_or(u64::MAX);
            if bucket.is_empty() {
                self.mask &= !(1 << i);
            }
        }
    }
}

impl<E> EventQueue<E> for RadixQueue<E> {
    #[inline]
    fn push(&mut self, time: SimTime, event: E) -> EventId {
        let id = self.slots.alloc();
        self.push_with(time, event, id);
        id
    }

    #[inline]
    fn push_fixed(&mut self, time: SimTime, event: E) {
        let id = self.slots.add_fixed();
        self.push_with(time, event, id);
    }

    #[inline]
    fn pop_until(&mut self, limit: SimTime) -> Option<(SimTime, E)> {
        self.front_key(limit.as_ps())?;
        let (t, event) = self.pop_front();
        Some((SimTime::from_ps(t), event))
    }

    fn peek_time(&mut self) -> Option<SimTime> {
        while let Some(e) = self.front.front() {
            if self.slots.is_live(e.id) {
                return Some(SimTime::from_ps(e.time));
            }
            let dead = self.front.pop_front().expect("front");
            self.slots.retire(dead.id);
        }
        // Rare (once per `run_until`): scan the buckets in order for the smallest live time.
        let mut mask = self.mask;
        while mask != 0 {
            let i = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            let min = self.buckets[i]
                .iter()
                .filter(|e| self.slots.is_live(e.id))
                .map(|e| e.time)
                .min();
            if let Some(min) = min {
                return Some(SimTime::from_ps(min));
            }
        }
        None
    }

    fn cancel(&mut self, id: EventId) -> bool {
        let cancelled = self.slots.cancel(id);
        if self.slots.should_compact() {
            self.compact();
        }
        cancelled
    }

    fn len(&self) -> usize {
        self.slots.live_count()
    }

    fn stored(&self) -> usize {
        self.front.len() + self.buckets.iter().map(Vec::len).sum::<usize>()
    }
}
