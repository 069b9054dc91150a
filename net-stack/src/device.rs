//! A device: one end of a full-duplex point-to-point link, with its output queue and the
//! transmit state machine of its direction of the wire.
//!
//! ```text
//!            enqueue                 TxDone (after rate × frame)          Arrive (after delay)
//!  node ──► [queue: discipline + FIFO] ──► wire: READY ⇄ BUSY ──► in-flight FIFO ──► peer device's node
//! ```
//!
//! A device keeps at most one pending transmit event and one pending arrival event, whatever
//! the number of packets on the wire: packets on a wire arrive in the order they were sent (the
//! delay is constant), so only the head of the in-flight FIFO needs an event (htsim's trick).

use std::num::NonZeroU64;

use serde::Serialize;
use sim_core::{DataRate, RngStream, SimTime};

/// Picoseconds per byte at `rate`, if a whole number.
pub(crate) fn whole_ps_per_byte(rate: DataRate) -> Option<NonZeroU64> {
    const PS_BITS: u64 = 8_000_000_000_000;
    PS_BITS
        .is_multiple_of(rate.bps())
        .then(|| NonZeroU64::new(PS_BITS / rate.bps()))
        .flatten()
}

use crate::queue::Queue;
use crate::wire::MacAddr;
use crate::{DeviceId, LinkConfig, LinkId, NodeId, PacketId};

mod in_flight;
pub(crate) use in_flight::{Frame, InFlight};

/// The transmitter: READY, BUSY serialising a frame, or still busy with a frame that was
/// dropped because the link went down mid-frame (its `TxDone` event is still pending).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TxState {
    Ready,
    Busy(PacketId),
    Aborted,
}

/// Counters of one direction of a wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WireStats {
    /// Frames whose serialisation completed.
    pub tx_packets: u64,
    /// Frame bytes whose serialisation completed.
    pub tx_bytes: u64,
    /// Frames lost to random loss.
    pub lost_packets: u64,
    /// Time spent serialising frames that completed [ps].
    pub busy_ps: u64,
    /// Frames dropped because the link was down.
    pub down_drops: u64,
}

/// What kind of node a device belongs to, copied into its peer so that an arriving frame is
/// dispatched without reading the node's record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Host,
    Router,
    LpmRouter,
    Switch,
}

impl Role {
    /// The role of a node of this kind.
    pub(crate) fn of(kind: &crate::node::NodeKind) -> Role {
        match kind {
            crate::node::NodeKind::Host(_) => Role::Host,
            crate::node::NodeKind::Router => Role::Router,
            crate::node::NodeKind::LpmRouter(_) => Role::LpmRouter,
            crate::node::NodeKind::Switch => Role::Switch,
        }
    }
}

/// One end of a link.
///
/// The layout is fixed (`repr(C)`, 64-byte aligned) so that what one hop reads sits in few
/// cache lines (test `hot_fields_in_the_first_lines`): line 0 is what a frame's arrival reads
/// (the in-flight FIFO's head and the peer copies), line 1 what a transmission reads and
/// writes (transmit state, rate, delay, tap, the MACs of the hop, whether the link is up and
/// lossy), line 2 the wire
/// counters, the queue's discipline tag and its `enqueued_packets`, line 3 the queue's
/// inline head, count and bytes (a dequeue's reads); the rest (queue limit and spill buffer,
/// identity, the link's full parameters, the loss stream) lies behind them. See docs/performance.md, "Session 11".
#[derive(Debug)]
#[repr(C, align(64))]
pub struct Device {
    // ---- line 0: a frame's arrival ----
    /// Frames on the wire towards the peer, with their arrival times, oldest first.
    pub(crate) in_flight: InFlight,
    /// The device at the other end of the link.
    pub peer: DeviceId,
    /// Copies of the peer device's node, tap and role, which never change after the build:
    /// the per-hop path then reads one device record instead of two.
    pub(crate) peer_node: NodeId,
    pub(crate) peer_tap: TapSlot,
    pub(crate) peer_role: Role,
    // ---- line 1: a transmission ----
    /// When the current frame started serialising.
    pub(crate) tx_started: SimTime,
    /// Picoseconds per byte when that is a whole number.
    pub(crate) ps_per_byte: Option<NonZeroU64>,
    /// `params.delay`, copied here (the parameters never change after the build).
    pub(crate) delay: SimTime,
    /// The transmit state machine of this direction.
    pub(crate) tx: TxState,
    /// The current frame's length [bytes], so that its end need not read the packet again.
    pub(crate) tx_len: u32,
    /// Index of this device's pcap tap, if traced.
    pub(crate) tap: TapSlot,
    /// This device's MAC address.
    pub mac: MacAddr,
    /// A copy of the peer device's MAC (the destination of every frame sent here).
    pub(crate) peer_mac: MacAddr,
    /// Whether the link is up (read by every frame sent, beside the transmit state).
    pub(crate) up: bool,
    /// Whether `params.loss` is above zero: a lossless wire (`bernoulli(0)`, no draw) then
    /// reads no more than this byte, and the loss probability itself stays in the cold part.
    pub(crate) lossy: bool,
    // ---- line 2 on: counters and the output queue ----
    /// Wire counters.
    pub wire: WireStats,
    /// Output queue and its discipline.
    pub queue: Queue,
    // ---- cold ----
    /// The node that owns this device.
    pub node: NodeId,
    /// Index among the node's devices, from 0, in the order its links were built.
    pub port: u16,
    /// The link this device belongs to.
    pub link: LinkId,
    /// Link parameters.
    pub params: LinkConfig,
    /// Random loss of this direction.
    pub(crate) loss_rng: RngStream,
}

/// A device's pcap tap (an index into the network's taps) or none, in four bytes where an
/// `Option<u32>` takes eight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TapSlot(u32);

impl TapSlot {
    /// No tap.
    pub(crate) const NONE: TapSlot = TapSlot(u32::MAX);

    /// Tap `index` (`u32::MAX` is reserved for none; no network has that many taps).
    pub(crate) fn new(index: u32) -> TapSlot {
        assert_ne!(index, u32::MAX, "too many pcap taps");
        TapSlot(index)
    }

    /// The tap's index, if any.
    #[inline]
    pub(crate) fn get(self) -> Option<u32> {
        (self.0 != u32::MAX).then_some(self.0)
    }
}

impl Device {
    /// Whether the wire is serialising a frame.
    pub fn is_busy(&self) -> bool {
        self.tx != TxState::Ready
    }
    /// Time this direction has spent serialising frames up to `now`, the current frame's
    /// elapsed part included: the basis of an exact utilisation.
    pub fn busy_time(&self, now: SimTime) -> SimTime {
        let current = match self.tx {
            TxState::Ready => SimTime::ZERO,
            TxState::Busy(_) | TxState::Aborted => now.saturating_sub(self.tx_started),
        };
        SimTime::from_ps(self.wire.busy_ps) + current
    }

    /// Serialisation time of a `bytes`-long frame on this link: a multiplication when the rate
    /// divides 8·10¹² (every rate in whole Mbit/s that divides 8 Tbit/s, e.g. 1, 10, 100 Gbit/s),
    /// else [`DataRate::tx_time`]'s exact rounded-up division.
    #[inline]
    pub(crate) fn tx_time(&self, bytes: u64) -> SimTime {
        match self.ps_per_byte {
            Some(p) => SimTime::from_ps(bytes * p.get()),
            None => self.params.rate.tx_time(bytes),
        }
    }

    /// Frames on the wire in this direction.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }
    /// Whether the link is up.
    pub fn is_up(&self) -> bool {
        self.up
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The multiplication shortcut gives exactly what the rounded-up division gives, and is only
    /// taken where the division is exact.
    #[test]
    fn whole_ps_per_byte_agrees_with_tx_time() {
        for bps in [
            1_000_000u64,
            100_000_000,
            500_000_000,
            1_000_000_000,
            10_000_000_000,
            333_333_333,
        ] {
            let rate = DataRate::from_bps(bps).unwrap();
            match whole_ps_per_byte(rate) {
                Some(p) => {
                    for bytes in [1u64, 54, 1514, 9000] {
                        assert_eq!(
                            SimTime::from_ps(bytes * p.get()),
                            rate.tx_time(bytes),
                            "{bps} bit/s"
                        );
                    }
                }
                None => assert_ne!(8_000_000_000_000 % bps, 0, "{bps} bit/s"),
            }
        }
        assert!(whole_ps_per_byte(DataRate::from_bps(333_333_333).unwrap()).is_none());
    }

    /// The device record's layout (docs/performance.md, "Session 11"): what an arrival reads
    /// in line 0, what a transmission reads in line 1, the counters and the queue's
    /// discipline tag and counters in line 2, records aligned to lines. A field moved or a
    /// type grown fails here rather than silently costing a cache miss per hop.
    #[test]
    fn hot_fields_in_the_first_lines() {
        use std::mem::{align_of, offset_of, size_of};
        let line = |off: usize, size: usize| {
            assert_eq!(
                off / 64,
                (off + size - 1) / 64,
                "field at {off} straddles a line"
            );
            off / 64
        };
        assert_eq!(align_of::<Device>(), 64);
        assert_eq!(size_of::<Device>(), 448);
        // Line 0: a frame's arrival (the in-flight head is the first thing it reads).
        assert_eq!(offset_of!(Device, in_flight), 0);
        assert_eq!(size_of::<InFlight>(), 48);
        for (off, size) in [
            (offset_of!(Device, peer), 4),
            (offset_of!(Device, peer_node), 4),
            (offset_of!(Device, peer_tap), size_of::<TapSlot>()),
            (offset_of!(Device, peer_role), 1),
        ] {
            assert_eq!(line(off, size), 0, "arrival field at {off}");
        }
        // Line 1: a transmission.
        for (off, size) in [
            (offset_of!(Device, tx_started), 8),
            (
                offset_of!(Device, ps_per_byte),
                size_of::<Option<NonZeroU64>>(),
            ),
            (offset_of!(Device, delay), 8),
            (offset_of!(Device, tx), size_of::<TxState>()),
            (offset_of!(Device, tx_len), 4),
            (offset_of!(Device, tap), size_of::<TapSlot>()),
            (offset_of!(Device, mac), 6),
            (offset_of!(Device, peer_mac), 6),
            (offset_of!(Device, up), 1),
            (offset_of!(Device, lossy), 1),
        ] {
            assert_eq!(line(off, size), 1, "transmit field at {off}");
        }
        // Line 2: the wire counters, then the queue (its discipline tag and `enqueued_packets`
        // first, checked in `queue`'s own layout test).
        assert_eq!(offset_of!(Device, wire), 128);
        assert_eq!(offset_of!(Device, queue), 168);
        assert_eq!(line(offset_of!(Device, queue), crate::queue::HOT_BYTES), 2);
        // Line 3: the queue's inline head, count and bytes (a dequeue's reads).
        assert_eq!(
            line(offset_of!(Device, queue) + crate::queue::HEAD_OFFSET, 24),
            3
        );
    }
}
