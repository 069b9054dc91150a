//! A step ECN marker: DCTCP's switch (RFC 8257 §3.1; Alizadeh et al., "Data Center TCP",
//! SIGCOMM 2010, §3.1). When a packet arrives and the instantaneous queue is above K, an
//! ECN-capable packet is marked Congestion Experienced and any other is dropped — what RED
//! with ECN, `min_th = max_th = K`, weight 1 and no hard drop does, and what htsim's
//! `ECNQueue` does. At or below K packets pass unchanged; the hard `queue` limit still drops.
//!
//! "The queue" is what the arrival finds waiting, the frame being serialised not counted (as
//! for the hard limit), in the unit of K: packets for "65p", frame bytes for "90KB".

use serde::{Deserialize, Serialize};
use sim_core::QueueLimit;

use super::{DropTailQueue, Verdict, amount, occupancy, same_unit};
use crate::wire::Packet;
use crate::{FieldError, PacketId};

/// `aqm = { kind = "threshold", k = "65p" }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdConfig {
    /// `k`: the marking threshold, in packets ("65p") or bytes ("90KB"); required. DCTCP's
    /// paper uses 20 packets at 1 Gbit/s and 65 at 10 Gbit/s.
    pub k: QueueLimit,
}

impl ThresholdConfig {
    /// What the types cannot check: in the unit of `queue`, `k` must be below it (a queue
    /// that never holds more than K never marks).
    pub fn problems(&self, queue: QueueLimit) -> Vec<FieldError> {
        if same_unit(self.k, queue) && amount(self.k) >= amount(queue) {
            vec![
                FieldError::new(
                    "aqm.k",
                    format!(
                        "`aqm.k` ({}) must be below the link's `queue` ({queue})",
                        self.k
                    ),
                    "k not below queue",
                )
                .with_help(
                    "packets are marked when more than K wait; the hard `queue` limit must \
                     leave room above K",
                ),
            ]
        } else {
            Vec::new()
        }
    }
}

/// The marker on one queue.
#[derive(Debug, Clone, Copy)]
pub struct Threshold {
    k: QueueLimit,
}

impl Threshold {
    /// A marker with threshold `cfg.k`.
    pub fn new(cfg: &ThresholdConfig) -> Self {
        Threshold { k: cfg.k }
    }

    /// Whether an arrival that finds `fifo` as it is would be marked (or dropped).
    #[inline]
    fn above(&self, fifo: &DropTailQueue) -> bool {
        occupancy(fifo, self.k) > amount(self.k)
    }

    /// Offers a packet: above K, marked CE or (not ECN-capable) dropped; then the hard limit.
    /// Out of line, beside the drop-tail path.
    #[inline(never)]
    pub(super) fn enqueue(
        &self,
        fifo: &mut DropTailQueue,
        id: PacketId,
        pkt: &mut Packet,
        len: u32,
    ) -> Verdict {
        let marked = if self.above(fifo) {
            if !pkt.mark_ce() {
                fifo.count_aqm_drop();
                return Verdict::Dropped;
            }
            true
        } else {
            false
        };
        if !fifo.enqueue(id, len) {
            Verdict::Dropped
        } else if marked {
            fifo.count_marked();
            Verdict::Marked
        } else {
            Verdict::Queued
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::Queue;
    use crate::wire::{Ecn, L4, PacketMeta, UdpRepr};
    use sim_core::{DataRate, SimTime};
    use slotmap::SlotMap;

    fn packet(ecn: Ecn, payload_len: u32) -> Packet {
        let udp = L4::Udp(UdpRepr {
            src_port: 1,
            dst_port: 2,
        });
        let meta = PacketMeta {
            uid: 0,
            flow: 0,
            created: SimTime::ZERO,
        };
        let (src, dst) = ([10, 0, 0, 1].into(), [10, 0, 0, 2].into());
        Packet::new_ipv4(src, dst, udp, payload_len, 0, ecn.bits(), meta)
    }

    fn marker(k: QueueLimit, limit: QueueLimit) -> Queue {
        Queue::new(
            limit,
            &crate::queue::AqmConfig::Threshold(ThresholdConfig { k }),
            DataRate::gbps(1),
            || unreachable!("the marker draws no random numbers"),
        )
    }

    /// With K = 3 packets: the arrivals finding 0..=3 waiting pass unmarked; the one finding
    /// K + 1 = 4 is marked CE, and so is every later one while the queue stays above K.
    #[test]
    fn marks_exactly_above_k_packets() {
        let mut ids: SlotMap<PacketId, ()> = SlotMap::with_key();
        let mut q = marker(QueueLimit::Packets(3), QueueLimit::Packets(10));
        for waiting in 0..6 {
            let mut p = packet(Ecn::Ect0, 100);
            let len = p.frame_len() as u32;
            let v = q.enqueue(SimTime::ZERO, ids.insert(()), &mut p, len);
            let expect = if waiting > 3 {
                (Verdict::Marked, Ecn::Ce)
            } else {
                (Verdict::Queued, Ecn::Ect0)
            };
            assert_eq!((v, p.ecn()), expect, "{waiting} waiting");
        }
        let s = q.stats();
        assert_eq!(
            (s.enqueued_packets, s.marked_packets, s.aqm_drops),
            (6, 2, 0)
        );
    }

    /// Where an ECN-capable packet is marked, a Not-ECT one is dropped (counted as an AQM
    /// drop); below K both pass. ECT(1) and an already-CE packet count as ECN-capable.
    #[test]
    fn not_ect_is_dropped_where_ect_is_marked() {
        let mut ids: SlotMap<PacketId, ()> = SlotMap::with_key();
        let mut q = marker(QueueLimit::Packets(1), QueueLimit::Packets(10));
        let mut offer = |q: &mut Queue, ecn| {
            let mut p = packet(ecn, 100);
            let len = p.frame_len() as u32;
            (
                q.enqueue(SimTime::ZERO, ids.insert(()), &mut p, len),
                p.ecn(),
            )
        };
        assert_eq!(offer(&mut q, Ecn::NotEct), (Verdict::Queued, Ecn::NotEct));
        assert_eq!(
            offer(&mut q, Ecn::NotEct),
            (Verdict::Queued, Ecn::NotEct),
            "1 = K"
        );
        assert_eq!(offer(&mut q, Ecn::NotEct), (Verdict::Dropped, Ecn::NotEct));
        assert_eq!(offer(&mut q, Ecn::Ect0), (Verdict::Marked, Ecn::Ce));
        assert_eq!(offer(&mut q, Ecn::Ect1), (Verdict::Marked, Ecn::Ce));
        assert_eq!(offer(&mut q, Ecn::Ce), (Verdict::Marked, Ecn::Ce));
        let s = q.stats();
        assert_eq!(
            (s.dropped_packets, s.aqm_drops, s.marked_packets),
            (1, 1, 3)
        );
    }

    /// K in bytes compares the frame bytes waiting: 2 frames of 154 bytes (308) are not above
    /// K = 308, a third (462) is.
    #[test]
    fn byte_threshold() {
        let mut ids: SlotMap<PacketId, ()> = SlotMap::with_key();
        let mut q = marker(QueueLimit::Bytes(308), QueueLimit::Packets(10));
        let mut verdicts = Vec::new();
        for _ in 0..4 {
            let mut p = packet(Ecn::Ect0, 100); // 14 + 20 + 8 + 100 = 142 bytes
            let len = p.frame_len() as u32;
            assert_eq!(len, 142);
            verdicts.push(q.enqueue(SimTime::ZERO, ids.insert(()), &mut p, len));
        }
        // 0, 142, 284 ≤ 308 waiting: queued; 426 > 308: marked.
        assert_eq!(
            verdicts,
            [
                Verdict::Queued,
                Verdict::Queued,
                Verdict::Queued,
                Verdict::Marked
            ]
        );
    }

    /// The hard limit still drops a marked packet's arrival when the FIFO is full (counted as
    /// an overflow drop, not an AQM drop or a mark).
    #[test]
    fn hard_limit_still_applies() {
        let mut ids: SlotMap<PacketId, ()> = SlotMap::with_key();
        let mut q = marker(QueueLimit::Packets(1), QueueLimit::Packets(3));
        let mut last = Verdict::Queued;
        for _ in 0..4 {
            let mut p = packet(Ecn::Ect0, 100);
            let len = p.frame_len() as u32;
            last = q.enqueue(SimTime::ZERO, ids.insert(()), &mut p, len);
        }
        assert_eq!(last, Verdict::Dropped);
        let s = q.stats();
        assert_eq!(
            (s.marked_packets, s.dropped_packets, s.aqm_drops),
            (1, 1, 0)
        );
    }

    /// `k` must be below `queue` when both are in the same unit.
    #[test]
    fn k_below_queue() {
        let c = ThresholdConfig {
            k: QueueLimit::Packets(100),
        };
        let e = c.problems(QueueLimit::Packets(100));
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "aqm.k");
        assert!(c.problems(QueueLimit::Packets(101)).is_empty());
        assert!(
            c.problems(QueueLimit::Bytes(1000)).is_empty(),
            "units differ"
        );
    }
}
