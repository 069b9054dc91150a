//! The drop-tail output queue of a device: the FIFO and hard limit every discipline shares.
//!
//! Alone it is netsim's default discipline (ns-3's `DropTailQueue`); RED and the threshold
//! marker decide in front of it and keep it as their internal queue, as ns-3's `RedQueueDisc`
//! keeps a `DropTailQueue` of `MaxSize`.

use std::collections::VecDeque;

use serde::Serialize;
use sim_core::QueueLimit;

use crate::PacketId;

/// Counters of one queue, as `summary.json` reports them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct QueueStats {
    /// Packets accepted by the device (straight to the wire or into the queue).
    pub enqueued_packets: u64,
    /// Packets refused: the queue was full, or the discipline dropped them (`aqm_drops`).
    pub dropped_packets: u64,
    /// Of `dropped_packets`, those the discipline dropped before the hard limit (RED's early
    /// and forced drops, the threshold marker's drops of packets that are not ECN-capable).
    pub aqm_drops: u64,
    /// Packets the discipline marked Congestion Experienced and queued.
    pub marked_packets: u64,
    /// Largest number of packets waiting at once (the one on the wire not counted).
    pub peak_packets: u32,
    /// Largest number of frame bytes waiting at once.
    pub peak_bytes: u64,
}

/// A FIFO that refuses arrivals once `limit` packets or bytes wait (tail drop).
///
/// The packet being serialised is not in the queue — as in ns-3's point-to-point device, a
/// 100-packet queue holds 100 packets *behind* the one on the wire.
// `repr(C)`: the counters first (every packet sent writes `enqueued_packets`, which then lies
// beside the discipline's tag, see `Queue`), then the oldest waiting packet inline with the
// count and the bytes, all in one cache line of the device record; only a second waiting
// packet reaches the `VecDeque` and its heap buffer. Order and contents are those of one FIFO
// (test `same_order_as_one_fifo`).
#[derive(Debug)]
#[repr(C)]
pub struct DropTailQueue {
    stats: QueueStats,
    head: Option<(PacketId, u32)>,
    len: u32,
    bytes: u64,
    rest: VecDeque<(PacketId, u32)>,
    limit: QueueLimit,
}

impl DropTailQueue {
    /// An empty queue with the given limit.
    pub fn new(limit: QueueLimit) -> Self {
        DropTailQueue {
            stats: QueueStats::default(),
            head: None,
            len: 0,
            bytes: 0,
            rest: VecDeque::new(),
            limit,
        }
    }

    /// Whether a frame of `len` bytes fits now.
    #[inline]
    fn fits(&self, len: u32) -> bool {
        match self.limit {
            QueueLimit::Packets(n) => self.len < n,
            QueueLimit::Bytes(b) => self.bytes + len as u64 <= b,
        }
    }

    /// Appends a packet of `len` frame bytes; `false` (and a drop counted) if it does not fit.
    #[inline]
    pub fn enqueue(&mut self, pkt: PacketId, len: u32) -> bool {
        if !self.fits(len) {
            self.stats.dropped_packets += 1;
            return false;
        }
        if self.head.is_none() {
            self.head = Some((pkt, len));
        } else {
            self.rest.push_back((pkt, len));
        }
        self.len += 1;
        self.bytes += len as u64;
        self.stats.enqueued_packets += 1;
        self.stats.peak_packets = self.stats.peak_packets.max(self.len);
        self.stats.peak_bytes = self.stats.peak_bytes.max(self.bytes);
        true
    }

    /// Counts a packet the discipline dropped before offering it to the FIFO.
    #[inline]
    pub(super) fn count_aqm_drop(&mut self) {
        self.stats.dropped_packets += 1;
        self.stats.aqm_drops += 1;
    }

    /// Counts a packet the discipline marked CE and the FIFO accepted.
    #[inline]
    pub(super) fn count_marked(&mut self) {
        self.stats.marked_packets += 1;
    }

    /// The hard limit.
    pub fn limit(&self) -> QueueLimit {
        self.limit
    }

    /// Counts a packet that went straight to an idle wire without waiting.
    #[inline]
    pub fn count_bypass(&mut self) {
        self.stats.enqueued_packets += 1;
    }

    /// Removes the head packet, with the frame length it was enqueued with [bytes].
    #[inline]
    pub fn dequeue(&mut self) -> Option<(PacketId, u32)> {
        let (pkt, len) = self.head.take()?;
        self.len -= 1;
        if self.len > 0 {
            self.head = self.rest.pop_front();
        }
        self.bytes -= len as u64;
        Some((pkt, len))
    }

    /// Removes every waiting packet (a link going down), returning them.
    pub fn drain(&mut self) -> impl Iterator<Item = PacketId> + '_ {
        self.bytes = 0;
        self.len = 0;
        self.head
            .take()
            .into_iter()
            .chain(self.rest.drain(..))
            .map(|(p, _)| p)
    }

    /// Packets waiting.
    pub fn len(&self) -> usize {
        self.len as usize
    }
    /// Nothing waiting.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Frame bytes waiting.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
    /// The counters.
    pub fn stats(&self) -> QueueStats {
        self.stats
    }
}

/// Where `stats.enqueued_packets` lies in a [`DropTailQueue`] (pinned by `Queue`'s layout test).
#[cfg(test)]
pub(crate) const ENQUEUED_OFFSET: usize =
    std::mem::offset_of!(DropTailQueue, stats) + std::mem::offset_of!(QueueStats, enqueued_packets);

/// Where the inline head lies in a [`DropTailQueue`]; it, `len` and `bytes` take the 24 bytes
/// from there (what a dequeue reads unless two or more packets wait).
#[cfg(test)]
pub(crate) const HEAD_OFFSET: usize = std::mem::offset_of!(DropTailQueue, head);

#[cfg(test)]
mod tests {
    use super::*;
    use slotmap::SlotMap;

    /// A packet limit refuses the (n+1)-th waiting packet and counts it; peaks are recorded.
    #[test]
    fn packet_limit() {
        let mut ids: SlotMap<PacketId, ()> = SlotMap::with_key();
        let mut q = DropTailQueue::new(QueueLimit::Packets(2));
        assert!(q.enqueue(ids.insert(()), 100));
        assert!(q.enqueue(ids.insert(()), 200));
        assert!(
            !q.enqueue(ids.insert(()), 300),
            "third packet must be dropped"
        );
        let s = q.stats();
        assert_eq!((s.enqueued_packets, s.dropped_packets), (2, 1));
        assert_eq!(
            (s.aqm_drops, s.marked_packets),
            (0, 0),
            "drop-tail neither marks nor drops early"
        );
        assert_eq!((s.peak_packets, s.peak_bytes), (2, 300));
        q.dequeue();
        assert_eq!(q.bytes(), 200);
    }

    /// A byte limit admits a frame only if the waiting bytes stay within the limit.
    #[test]
    fn byte_limit() {
        let mut ids: SlotMap<PacketId, ()> = SlotMap::with_key();
        let mut q = DropTailQueue::new(QueueLimit::Bytes(3000));
        assert!(q.enqueue(ids.insert(()), 1500));
        assert!(q.enqueue(ids.insert(()), 1500));
        assert!(!q.enqueue(ids.insert(()), 1), "full to the byte");
        assert!(q.dequeue().is_some());
        assert!(q.enqueue(ids.insert(()), 1500));
    }

    /// The inline head, the count and the bytes are adjacent, 24 bytes in all.
    #[test]
    fn head_len_bytes_adjacent() {
        use std::mem::{offset_of, size_of};
        assert_eq!(size_of::<Option<(PacketId, u32)>>(), 12);
        assert_eq!(offset_of!(DropTailQueue, len), HEAD_OFFSET + 12);
        assert_eq!(offset_of!(DropTailQueue, bytes), HEAD_OFFSET + 16);
    }

    /// Enqueues and dequeues interleaved in every pattern of 12 steps come out in FIFO order,
    /// with `len`, `bytes`, the peaks and `drain` agreeing with one `VecDeque` (the inline
    /// head changes where packets wait, not their order).
    #[test]
    fn same_order_as_one_fifo() {
        let mut ids: SlotMap<PacketId, ()> = SlotMap::with_key();
        let keys: Vec<PacketId> = (0..16).map(|_| ids.insert(())).collect();
        for pattern in 0u32..1 << 12 {
            let mut q = DropTailQueue::new(QueueLimit::Packets(5));
            let mut model: VecDeque<(PacketId, u32)> = VecDeque::new();
            let (mut next, mut peak) = (0, 0);
            for step in 0..12 {
                if pattern >> step & 1 == 1 {
                    let len = 60 + 100 * next as u32;
                    let fits = model.len() < 5;
                    assert_eq!(q.enqueue(keys[next], len), fits);
                    if fits {
                        model.push_back((keys[next], len));
                    }
                    next += 1;
                } else {
                    assert_eq!(q.dequeue(), model.pop_front());
                }
                peak = peak.max(model.len() as u32);
                let bytes: u64 = model.iter().map(|&(_, l)| l as u64).sum();
                assert_eq!((q.len(), q.bytes()), (model.len(), bytes));
                assert_eq!(q.is_empty(), model.is_empty());
                assert_eq!(q.stats().peak_packets, peak);
            }
            let drained: Vec<PacketId> = q.drain().collect();
            let expected: Vec<PacketId> = model.iter().map(|&(p, _)| p).collect();
            assert_eq!(drained, expected, "pattern {pattern:#b}");
            assert!(q.is_empty() && q.bytes() == 0);
        }
    }
}
