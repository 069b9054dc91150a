//! The frames on a wire, oldest first, with the oldest kept inline in the device record.
//!
//! A frame's `Arrive` reads the head of its device's FIFO first thing, and at k = 16 that read
//! missed the cache on 30 % of its samples: a `VecDeque`'s buffer is a separate heap block per
//! device. With the oldest frame inline the read hits the device record, which `on_arrive`
//! touches anyway; the rest (a busy wire longer than a frame, as on the dumbbell's
//! bottleneck) wait in a ring buffer behind it. Order and contents are those of one FIFO.
//!
//! Each frame carries its length, which a router's hop then forwards with rather than
//! recomputing it from the headers (a router changes neither the headers' sizes nor the
//! payload). The ring is a boxed slice with 32-bit indices, so that the record stays 48 bytes
//! with the length added (a `VecDeque` header alone is 32).

use sim_core::SimTime;

use crate::PacketId;

/// A frame on a wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    /// When it reaches the far end.
    pub at: SimTime,
    /// The packet.
    pub id: PacketId,
    /// Its length as serialised [bytes] (`Packet::frame_len`).
    pub len: u32,
}

/// A FIFO of frames whose front is stored inline.
// `repr(C)`: the head first, so that it lies at the start of the device record.
#[derive(Clone, Debug, Default)]
#[repr(C)]
pub struct InFlight {
    head: Option<Frame>,
    /// The frames behind the head are `ring[(first + i) & (ring.len() - 1)]` for `i < count`;
    /// the ring's length is zero or a power of two.
    first: u32,
    count: u32,
    ring: Box<[Frame]>,
}

impl InFlight {
    /// Whether no frame is on the wire.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// Frames on the wire.
    pub fn len(&self) -> usize {
        usize::from(self.head.is_some()) + self.count as usize
    }

    /// The oldest frame.
    #[inline]
    pub fn front(&self) -> Option<&Frame> {
        self.head.as_ref()
    }

    /// Appends a frame behind the others.
    #[inline]
    pub fn push_back(&mut self, frame: Frame) {
        if self.head.is_none() {
            self.head = Some(frame);
            return;
        }
        if self.count as usize == self.ring.len() {
            self.grow();
        }
        let i = (self.first + self.count) as usize & (self.ring.len() - 1);
        self.ring[i] = frame;
        self.count += 1;
    }

    /// Removes and returns the oldest frame.
    #[inline]
    pub fn pop_front(&mut self) -> Option<Frame> {
        let front = self.head.take();
        if front.is_some() && self.count > 0 {
            let i = self.first as usize;
            self.head = Some(self.ring[i]);
            self.first = (i + 1) as u32 & (self.ring.len() as u32 - 1);
            self.count -= 1;
        }
        front
    }

    /// Removes every frame, oldest first.
    pub fn drain(&mut self) -> impl Iterator<Item = Frame> + '_ {
        let (first, count) = (self.first as usize, self.count as usize);
        let mask = self.ring.len().wrapping_sub(1);
        self.count = 0;
        self.first = 0;
        let ring = &self.ring;
        self.head
            .take()
            .into_iter()
            .chain((0..count).map(move |i| ring[(first + i) & mask]))
    }

    /// Doubles the ring (four frames at first), keeping the order.
    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        let mut ring = vec![Frame::default(); (self.ring.len() * 2).max(4)].into_boxed_slice();
        let mask = self.ring.len().wrapping_sub(1);
        for (i, slot) in ring.iter_mut().take(self.count as usize).enumerate() {
            *slot = self.ring[(self.first as usize + i) & mask];
        }
        self.ring = ring;
        self.first = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slotmap::SlotMap;
    use std::collections::VecDeque;

    /// Pushes and pops interleaved in every pattern of twelve steps (depths up to twelve, so the
    /// ring grows twice and wraps) come out in FIFO order, with `len`, `front` and `drain`
    /// agreeing with a `VecDeque`; a drained FIFO works as a new one.
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
                    let f = Frame {
                        at: SimTime::from_ns(next as u64),
                        id: keys[next],
                        len: 60 + next as u32,
                    };
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
            for f in [keys[62], keys[63]].map(|id| Frame {
                id,
                ..Frame::default()
            }) {
                a.push_back(f);
                b.push_back(f);
            }
            assert_eq!(a.len(), 2, "pattern {pattern:b} reused");
            assert_eq!(
                a.drain().collect::<Vec<_>>(),
                b.drain(..).collect::<Vec<_>>()
            );
        }
    }
}
