//! The reference implementation: a binary heap keyed by `(time, insertion sequence)`.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::{EventId, EventQueue, Slots};
use crate::SimTime;

#[derive(Debug)]
struct Entry<E> {
    time: SimTime,
    seq: u64,
    id: EventId,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that std's max-heap pops the earliest `(time, seq)`.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// A binary heap of events; see [`super`] for the contract.
#[derive(Debug)]
pub struct BinaryHeapQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    slots: Slots,
    next_seq: u64,
    last_popped: SimTime,
}

impl<E> Default for BinaryHeapQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> BinaryHeapQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        BinaryHeapQueue {
            heap: BinaryHeap::new(),
            slots: Slots::default(),
            next_seq: 0,
            last_popped: SimTime::ZERO,
        }
    }

    fn push_with(&mut self, time: SimTime, event: E, id: EventId) {
        assert!(
            time >= self.last_popped,
            "event scheduled in the past ({time} < {})",
            self.last_popped
        );
        self.heap.push(Entry {
            time,
            seq: self.next_seq,
            id,
            event,
        });
        self.next_seq += 1;
    }

    fn discard_dead_front(&mut self) {
        while let Some(top) = self.heap.peek() {
            if self.slots.is_live(top.id) {
                return;
            }
            let dead = self.heap.pop().expect("peeked");
            self.slots.retire(dead.id);
        }
    }
}

impl<E> EventQueue<E> for BinaryHeapQueue<E> {
    fn push(&mut self, time: SimTime, event: E) -> EventId {
        let id = self.slots.alloc();
        self.push_with(time, event, id);
        id
    }

    fn push_fixed(&mut self, time: SimTime, event: E) {
        let id = self.slots.add_fixed();
        self.push_with(time, event, id);
    }

    fn pop_until(&mut self, limit: SimTime) -> Option<(SimTime, E)> {
        self.discard_dead_front();
        if self.heap.peek()?.time > limit {
            return None;
        }
        let e = self.heap.pop().expect("peeked");
        self.slots.retire(e.id);
        self.last_popped = e.time;
        Some((e.time, e.event))
    }

    fn peek_time(&mut self) -> Option<SimTime> {
        self.discard_dead_front();
        self.heap.peek().map(|e| e.time)
    }

    fn cancel(&mut self, id: EventId) -> bool {
        let cancelled = self.slots.cancel(id);
        if self.slots.should_compact() {
            // Order is by (time, seq), which every entry keeps: rebuilding loses nothing.
            let slots = &mut self.slots;
            self.heap.retain(|e| slots.keep(e.id));
        }
        cancelled
    }

    fn len(&self) -> usize {
        self.slots.live_count()
    }

    fn stored(&self) -> usize {
        self.heap.len()
    }
}
