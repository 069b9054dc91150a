//! The frames on a wire, oldest first, with the oldest kept inline in the device record.
//!
//! A frame's `Arrive` reads the head of its device's FIFO first thing, and at k = 16 that read
//! missed the cache on 30 % of its samples: a `VecDeque`'s buffer is a separate heap block per
//! device. With the oldest frame inline the read hits the device record, which `on_arrive`
//! touches anyway; the rest (a busy wire longer than a frame, as on the dumbbell's
//! bottleneck) wait in a `VecDeque` behind it. Order and contents are those of one FIFO.

use std::collections::VecDeque;

use sim_core::SimTime;

use crate::PacketId;

/// A FIFO of `(arrival time, frame)` whose front is stored inline.
// `repr(C)`: the head first, so that it lies at the start of the device record.
#[derive(Clone, Debug, Default)]
#[repr(C)]
pub struct InFlight {
    head: Option<(SimTime, PacketId)>,
    rest: VecDeque<(SimTime, PacketId)>,
}

impl InFlight {
    /// Whether no frame is on the wire.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// Frames on the wire.
    pub fn len(&self) -> usize {
        usize::from(self.head.is_some()) + self.rest.len()
    }

    /// The oldest frame.
    #[inline]
    pub fn front(&self) -> Option<&(SimTime, PacketId)> {
        self.head.as_ref()
    }

    /// Appends a frame behind the others.
    #[inline]
    pub fn push_back(&mut self, frame: (SimTime, PacketId)) {
        if self.head.is_none() {
            self.head = Some(frame);
        } else {
            self.rest.push_back(frame);
        }
    }

    /// Removes and returns the oldest frame.
    #[inline]
    pub fn pop_front(&mut self) -> Option<(SimTime, PacketId)> {
        let front = self.head.take();
        if front.is_some() && !self.rest.is_empty() {
            self.head = self.rest.pop_front();
        }
        front
    }

    /// Removes every frame, oldest first.
    pub fn drain(&mut self) -> impl Iterator<Item = (SimTime, PacketId)> + '_ {
        self.head.take().into_iter().chain(self.rest.drain(..))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slotmap::SlotMap;

    /// Pushes and pops interleaved in every pattern up to a depth of four come out in FIFO
    /// order, with `len`, `front` and `drain` agreeing with a `VecDeque`.
    #[test]
    fn same_order_as_one_fifo() {
        let mut ids: SlotMap<PacketId, ()> = SlotMap::with_key();
        let keys: Vec<PacketId> = (0..64).map(|_| ids.insert(())).collect();
        // Each bit of `pattern` is a push (1) or a pop (0).
        for pattern in 0u32..1 << 12 {
            let (mut a, mut b) = (InFlight::default(), VecDeque::new());
            let mut next = 0;
            for step in 0..12 {
                if pattern >> step & 1 == 1 {
                    let f = (SimTime::from_ns(next as u64), keys[next]);
                    next += 1;
                    a.push_back(f);
                    b.push_back(f);
                } else {
                    assert_eq!(a.pop_front(), b.pop_front(), "pattern {pattern:b} pop");
                }
                assert_eq!(a.len(), b.len(), "pattern {pattern:b} len");
                assert_eq!(a.is_empty(), b.is_empty(), "pattern {pattern:b} empty");
                assert_eq!(a.front(), b.front(), "pattern {pattern:b} front");
            }
            let rest: Vec<_> = a.drain().collect();
            assert_eq!(
                rest,
                b.drain(..).collect::<Vec<_>>(),
                "pattern {pattern:b} drain"
            );
            assert!(a.is_empty(), "pattern {pattern:b} drained");
        }
    }
}
