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
#[derive(Debug)]
pub struct DropTailQueue {
    limit: QueueLimit,
    packets: VecDeque<(PacketId, u32)>,
    bytes: u64,
    stats: QueueStats,
}

impl DropTailQueue {
    /// An empty queue with the given limit.
    pub fn new(limit: QueueLimit) -> Self {
        DropTailQueue {
            limit,
            packets: VecDeque::new(),
            bytes: 0,
            stats: QueueStats::default(),
        }
    }

    /// Whether a frame of `len` bytes fits now.
    #[inline]
    fn fits(&self, len: u32) -> bool {
        match self.limit {
            QueueLimit::Packets(n) => self.packets.len() < n as usize,
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
        self.packets.push_back((pkt, len));
        self.bytes += len as u64;
        self.stats.enqueued_packets += 1;
        self.stats.peak_packets = self.stats.peak_packets.max(self.packets.len() as u32);
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
        let (pkt, len) = self.packets.pop_front()?;
        self.bytes -= len as u64;
        Some((pkt, len))
    }

    /// Removes every waiting packet (a link going down), returning them.
    pub fn drain(&mut self) -> impl Iterator<Item = PacketId> + '_ {
        self.bytes = 0;
        self.packets.drain(..).map(|(p, _)| p)
    }

    /// Packets waiting.
    pub fn len(&self) -> usize {
        self.packets.len()
    }
    /// Nothing waiting.
    pub fn is_empty(&self) -> bool {
        self.packets.is_empty()
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
}
