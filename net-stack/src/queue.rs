//! A device's output queue: a FIFO with a hard limit ([`DropTailQueue`]) and the discipline
//! that decides, packet by packet, whether an arrival is queued, marked or dropped.
//!
//! ```text
//!   enqueue(now, packet, len) ──► discipline ──► Queued / Marked ──► FIFO (hard `queue` limit)
//!                                     │                                  │ full
//!                                     └──────────── Dropped ◄────────────┘
//! ```
//!
//! One file per discipline, chosen by the link's `aqm` key ([`AqmConfig`]):
//!
//! * [`drop_tail`]: tail drop at the hard limit, nothing else (the default);
//! * [`red`]: Random Early Detection (Floyd and Jacobson 1993) with ns-3's `RedQueueDisc`
//!   defaults and semantics (gentle mode, packet or byte mode, ECN marking);
//! * [`threshold`]: a step marker, DCTCP's switch (RFC 8257 §3.1): above K, mark CE or drop.
//!
//! The disciplines are variants of one enum, so the per-hop path has no virtual call; the
//! drop-tail arm does exactly what the FIFO alone does (no random draw, no allocation). RED's
//! state is boxed so that a [`crate::device::Device`] grows by one pointer and a tag.

pub mod drop_tail;
pub mod red;
pub mod threshold;

use serde::{Deserialize, Serialize};
use sim_core::{DataRate, QueueLimit, RngStream, SimTime};

use crate::wire::Packet;
use crate::{FieldError, PacketId};

pub use drop_tail::{DropTailQueue, QueueStats};
pub use red::{Red, RedConfig};
pub use threshold::{Threshold, ThresholdConfig};

/// What the queue did with an arrival.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Queued unchanged.
    Queued,
    /// Marked Congestion Experienced (RFC 3168 §5) and queued.
    Marked,
    /// Refused: by the discipline, or because the FIFO was full. The caller frees the packet.
    Dropped,
}

/// `aqm`: the queue discipline of a link's output queues, as a scenario writes it
/// (`aqm = { kind = "red", … }`). `kind` chooses; the other keys belong to the kind.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AqmConfig {
    /// `"drop-tail"`: the hard `queue` limit only (the default). No other keys (a struct
    /// variant, so that serde refuses any).
    DropTail {},
    /// `"red"`: Random Early Detection.
    Red(RedConfig),
    /// `"threshold"`: mark CE (or drop) above K.
    Threshold(ThresholdConfig),
}

/// What serde reads for [`AqmConfig`]; a separate type so that a value that is not a table is
/// refused with a message about tables, not about a Rust enum.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
enum AqmTable {
    DropTail {},
    Red(RedConfig),
    Threshold(ThresholdConfig),
}

impl<'de> Deserialize<'de> for AqmConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = AqmConfig;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "a table with a `kind` of \"drop-tail\", \"red\" or \"threshold\", \
                     such as { kind = \"red\" }",
                )
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<AqmConfig, A::Error> {
                let t = AqmTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(match t {
                    AqmTable::DropTail {} => AqmConfig::DropTail {},
                    AqmTable::Red(r) => AqmConfig::Red(r),
                    AqmTable::Threshold(t) => AqmConfig::Threshold(t),
                })
            }
        }
        d.deserialize_map(V)
    }
}

impl Default for AqmConfig {
    /// Drop-tail.
    fn default() -> Self {
        AqmConfig::DropTail {}
    }
}

impl AqmConfig {
    /// Whether this is plain drop-tail (what a link without `aqm` has).
    pub fn is_drop_tail(&self) -> bool {
        *self == AqmConfig::DropTail {}
    }

    /// What the types cannot check, given the link's hard limit `queue`; fields are named
    /// `aqm.<key>` (or `queue`), as a scenario writes them.
    pub fn problems(&self, queue: QueueLimit) -> Vec<FieldError> {
        match self {
            AqmConfig::DropTail {} => Vec::new(),
            AqmConfig::Red(r) => r.problems(queue),
            AqmConfig::Threshold(t) => t.problems(queue),
        }
    }
}

/// The discipline in front of the FIFO.
#[derive(Debug)]
enum Discipline {
    DropTail,
    Red(Box<Red>),
    Threshold(Threshold),
}

/// A device's output queue: the FIFO and its discipline.
// `repr(C)`, the discipline's tag first: every packet a device sends reads it (the drop-tail
// test in `enqueue`, `count_bypass` and `dequeue`), and it then shares a cache line with the
// FIFO's counters (see `Device`'s layout).
#[derive(Debug)]
#[repr(C)]
pub struct Queue {
    discipline: Discipline,
    fifo: DropTailQueue,
}

impl Queue {
    /// A plain drop-tail queue.
    pub fn drop_tail(limit: QueueLimit) -> Self {
        Queue {
            fifo: DropTailQueue::new(limit),
            discipline: Discipline::DropTail,
        }
    }

    /// A queue with hard limit `limit` and discipline `aqm`, on a link of `rate` (RED's idle
    /// time is counted in packet times at that rate). `rng` is called once, for RED only: the
    /// queue's own random stream (the builder names it after the device, `queue/<node>/<port>`).
    pub fn new(
        limit: QueueLimit,
        aqm: &AqmConfig,
        rate: DataRate,
        rng: impl FnOnce() -> RngStream,
    ) -> Self {
        let discipline = match aqm {
            AqmConfig::DropTail {} => Discipline::DropTail,
            AqmConfig::Red(c) => Discipline::Red(Box::new(Red::new(c, limit, rate, rng()))),
            AqmConfig::Threshold(c) => Discipline::Threshold(Threshold::new(c)),
        };
        Queue {
            fifo: DropTailQueue::new(limit),
            discipline,
        }
    }

    /// Offers packet `id` (`pkt`, `len` frame bytes) at `now`: queued, marked CE (the header
    /// is rewritten) or dropped. Drop-tail draws no random number.
    pub fn enqueue(&mut self, now: SimTime, id: PacketId, pkt: &mut Packet, len: u32) -> Verdict {
        self.enqueue_with(now, id, || pkt, len)
    }

    /// [`Queue::enqueue`] with the packet fetched only by a discipline that reads or marks it
    /// (drop-tail needs only `id` and `len`).
    #[inline]
    pub fn enqueue_with<'p>(
        &mut self,
        now: SimTime,
        id: PacketId,
        pkt: impl FnOnce() -> &'p mut Packet,
        len: u32,
    ) -> Verdict {
        match &mut self.discipline {
            Discipline::DropTail => {
                if self.fifo.enqueue(id, len) {
                    Verdict::Queued
                } else {
                    Verdict::Dropped
                }
            }
            Discipline::Red(red) => red.enqueue(&mut self.fifo, now, id, pkt(), len),
            Discipline::Threshold(t) => t.enqueue(&mut self.fifo, id, pkt(), len),
        }
    }

    /// Counts a packet of `len` frame bytes that went straight to an idle wire at `now` without
    /// waiting. RED sees the packet as
    /// an arrival to an empty queue (ns-3 enqueues every packet into the queue disc, and the
    /// device takes it at once), which updates the average; it is never dropped.
    #[inline]
    pub fn count_bypass(&mut self, now: SimTime, len: u32) {
        self.fifo.count_bypass();
        if let Discipline::Red(red) = &mut self.discipline {
            red.arrival_to_empty_queue(now, len);
        }
    }

    /// Removes the head packet, with its frame length [bytes] as it was enqueued (a frame's
    /// length does not change while it waits); `None` when empty, which RED notes as the start
    /// of an idle period at `now` (ns-3's `DoDequeue` on an empty queue).
    #[inline]
    pub fn dequeue(&mut self, now: SimTime) -> Option<(PacketId, u32)> {
        let head = self.fifo.dequeue();
        if head.is_none()
            && let Discipline::Red(red) = &mut self.discipline
        {
            red.idle_from(now);
        }
        head
    }

    /// Removes every waiting packet (a link going down), returning them.
    pub fn drain(&mut self) -> impl Iterator<Item = PacketId> + '_ {
        self.fifo.drain()
    }

    /// Packets waiting.
    pub fn len(&self) -> usize {
        self.fifo.len()
    }
    /// Nothing waiting.
    pub fn is_empty(&self) -> bool {
        self.fifo.is_empty()
    }
    /// Frame bytes waiting.
    pub fn bytes(&self) -> u64 {
        self.fifo.bytes()
    }
    /// The counters.
    pub fn stats(&self) -> QueueStats {
        self.fifo.stats()
    }
    /// RED's state, if this queue runs RED (its average queue, for tests and traces).
    pub fn red(&self) -> Option<&Red> {
        match &self.discipline {
            Discipline::Red(r) => Some(r),
            _ => None,
        }
    }
}

/// The first bytes of a [`Queue`] that every packet sent reads or writes: the discipline's tag
/// and the FIFO's `enqueued_packets` (test `hot_fields_first`).
#[cfg(test)]
pub(crate) const HOT_BYTES: usize = 24;

/// Where the FIFO's inline head (followed by its count and bytes, 24 bytes in all) lies in a
/// [`Queue`].
#[cfg(test)]
pub(crate) const HEAD_OFFSET: usize = std::mem::offset_of!(Queue, fifo) + drop_tail::HEAD_OFFSET;

/// The FIFO's occupancy in the unit of `unit`: packets or bytes waiting.
#[inline]
fn occupancy(fifo: &DropTailQueue, unit: QueueLimit) -> u64 {
    match unit {
        QueueLimit::Packets(_) => fifo.len() as u64,
        QueueLimit::Bytes(_) => fifo.bytes(),
    }
}

/// Whether two limits are in the same unit.
fn same_unit(a: QueueLimit, b: QueueLimit) -> bool {
    matches!(
        (a, b),
        (QueueLimit::Packets(_), QueueLimit::Packets(_))
            | (QueueLimit::Bytes(_), QueueLimit::Bytes(_))
    )
}

/// "packets" or "bytes".
fn unit_name(l: QueueLimit) -> &'static str {
    match l {
        QueueLimit::Packets(_) => "packets",
        QueueLimit::Bytes(_) => "bytes",
    }
}

/// The limit's value in its unit.
fn amount(l: QueueLimit) -> u64 {
    match l {
        QueueLimit::Packets(n) => n as u64,
        QueueLimit::Bytes(b) => b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The discipline's tag and `enqueued_packets` lie in the first [`HOT_BYTES`] bytes.
    #[test]
    fn hot_fields_first() {
        use std::mem::{offset_of, size_of};
        assert_eq!(offset_of!(Queue, discipline), 0);
        assert_eq!(size_of::<Discipline>(), 16);
        assert_eq!(offset_of!(Queue, fifo), 16);
        assert_eq!(drop_tail::ENQUEUED_OFFSET, 0);
        assert_eq!(
            offset_of!(Queue, fifo) + drop_tail::ENQUEUED_OFFSET + 8,
            HOT_BYTES
        );
    }

    fn parse(text: &str) -> Result<AqmConfig, String> {
        toml::from_str::<toml::Table>(text)
            .map_err(|e| e.to_string())
            .and_then(|t| {
                t["aqm"]
                    .clone()
                    .try_into()
                    .map_err(|e: toml::de::Error| e.to_string())
            })
    }

    /// `kind` chooses the discipline, every RED key is optional with ns-3's defaults, the
    /// threshold marker needs `k`, and unknown keys or kinds are refused.
    #[test]
    fn aqm_tables() {
        assert_eq!(
            parse("aqm = { kind = \"drop-tail\" }"),
            Ok(AqmConfig::DropTail {})
        );
        let Ok(AqmConfig::Red(r)) = parse("aqm = { kind = \"red\" }") else {
            panic!("red with defaults")
        };
        assert_eq!(r, RedConfig::default());
        assert_eq!(
            parse("aqm = { kind = \"threshold\", k = \"20p\" }"),
            Ok(AqmConfig::Threshold(ThresholdConfig {
                k: QueueLimit::Packets(20)
            }))
        );
        let e = parse("aqm = { kind = \"threshold\" }").expect_err("k missing");
        assert!(e.contains("missing field `k`"), "{e}");
        let e = parse("aqm = { kind = \"red\", min_thr = \"5p\" }").expect_err("typo");
        assert!(e.contains("unknown field `min_thr`"), "{e}");
        let e = parse("aqm = { kind = \"codel\" }").expect_err("unknown kind");
        assert!(e.contains("unknown variant `codel`"), "{e}");
        let e = parse("aqm = { kind = \"drop-tail\", k = \"5p\" }").expect_err("no keys");
        assert!(e.contains("unknown field `k`"), "{e}");
        let e = parse("aqm = 5").expect_err("not a table");
        assert!(e.contains("expected a table with a `kind`"), "{e}");
        assert!(!e.contains("enum"), "no Rust type in the message: {e}");
    }
}
