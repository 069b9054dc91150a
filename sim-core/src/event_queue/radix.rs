//! A radix heap for monotone event queues.
//!
//! Bucket 0 holds entries whose time equals `last` (the time of the last minimum extracted);
//! bucket `b ≥ 1` holds entries whose time first differs from `last` in bit `b − 1` (counting from
//! the least significant bit). Extracting the minimum from an empty bucket 0 finds the first
//! non-empty bucket, makes its smallest time the new `last`, and redistributes that bucket into
//! lower ones. Each entry moves at most 64 times over its life, and pushes are O(1).
//!
//! FIFO among equal times: an entry's bucket depends only on its time and on `last`, and a change
//! of `last` to a time in bucket `b` leaves the bucket of every time in a higher bucket unchanged.
//! So all entries with one time are always in one bucket, in push order, and redistribution walks a
//! bucket front to back.

use std::collections::VecDeque;

use super::{EventId, EventQueue, Slots};
use crate::SimTime;

const BUCKETS: usize = 65;

#[derive(Debug)]
struct Entry<E> {
    time: u64,
    slot: u32,
    event: E,
}

/// A radix heap of events; see [`super`] for the contract.
#[derive(Debug)]
pub struct RadixQueue<E> {
    buckets: Vec<VecDeque<Entry<E>>>,
    /// Time of the last extracted minimum; every pending time is at least this.
    last: u64,
    /// Entries in all buckets, dead ones included.
    stored: usize,
    slots: Slots,
}

impl<E> Default for RadixQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

#[inline]
fn bucket_of(time: u64, last: u64) -> usize {
    (64 - (time ^ last).leading_zeros()) as usize
}

impl<E> RadixQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        RadixQueue {
            buckets: (0..BUCKETS).map(|_| VecDeque::new()).collect(),
            last: 0,
            stored: 0,
            slots: Slots::default(),
        }
    }

    /// Drops dead entries from the front of bucket 0; true if a live one is there.
    fn clean_front(&mut self) -> bool {
        while let Some(front) = self.buckets[0].front() {
            if self.slots.is_live(front.slot) {
                return true;
            }
            let dead = self.buckets[0].pop_front().expect("front");
            self.stored -= 1;
            self.slots.retire(dead.slot);
        }
        false
    }

    /// The first non-empty bucket above 0 and the smallest live time in it, dropping buckets
    /// that hold only dead entries. Does not change `last`.
    fn next_bucket(&mut self) -> Option<(usize, u64)> {
        while self.stored > self.buckets[0].len() {
            let b = (1..BUCKETS)
                .find(|&b| !self.buckets[b].is_empty())
                .expect("stored entries but every bucket is empty");
            let min = self.buckets[b]
                .iter()
                .filter(|e| self.slots.is_live(e.slot))
                .map(|e| e.time)
                .min();
            if let Some(min) = min {
                return Some((b, min));
            }
            for e in self.buckets[b].drain(..) {
                self.slots.retire(e.slot);
                self.stored -= 1;
            }
        }
        None
    }

    /// Makes a live entry with time ≤ `limit` the front of bucket 0, if there is one.
    ///
    /// `last` moves only when an entry is about to be extracted, so a caller that stops at
    /// `limit` may still push anything at or after the last extracted time.
    fn refill_front(&mut self, limit: u64) -> bool {
        if self.clean_front() {
            return true;
        }
        let Some((b, min)) = self.next_bucket() else {
            return false;
        };
        if min > limit {
            return false;
        }
        let mut moving = std::mem::take(&mut self.buckets[b]);
        self.last = min;
        for e in moving.drain(..) {
            if self.slots.is_live(e.slot) {
                self.buckets[bucket_of(e.time, min)].push_back(e);
            } else {
                self.slots.retire(e.slot);
                self.stored -= 1;
            }
        }
        // Keep the allocation for the next time this bucket fills.
        self.buckets[b] = moving;
        true
    }
}

impl<E> EventQueue<E> for RadixQueue<E> {
    #[inline]
    fn push(&mut self, time: SimTime, event: E) -> EventId {
        let t = time.as_ps();
        assert!(
            t >= self.last,
            "event scheduled in the past ({time} < {})",
            SimTime::from_ps(self.last)
        );
        let id = self.slots.alloc();
        self.buckets[bucket_of(t, self.last)].push_back(Entry {
            time: t,
            slot: id.slot,
            event,
        });
        self.stored += 1;
        id
    }

    #[inline]
    fn pop_until(&mut self, limit: SimTime) -> Option<(SimTime, E)> {
        if !self.refill_front(limit.as_ps()) {
            return None;
        }
        let e = self.buckets[0]
            .pop_front()
            .expect("refilled with a live entry");
        self.stored -= 1;
        self.slots.retire(e.slot);
        Some((SimTime::from_ps(e.time), e.event))
    }

    fn peek_time(&mut self) -> Option<SimTime> {
        if self.clean_front() {
            return Some(SimTime::from_ps(self.last));
        }
        self.next_bucket().map(|(_, min)| SimTime::from_ps(min))
    }

    fn cancel(&mut self, id: EventId) -> bool {
        self.slots.cancel(id)
    }

    fn len(&self) -> usize {
        self.slots.live_count()
    }
}
