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

use serde::Serialize;
use sim_core::{DataRate, RngStream, SimTime};

/// Picoseconds per byte at `rate`, if a whole number.
pub(crate) fn whole_ps_per_byte(rate: DataRate) -> Option<u64> {
    const PS_BITS: u64 = 8_000_000_000_000;
    PS_BITS
        .is_multiple_of(rate.bps())
        .then(|| PS_BITS / rate.bps())
}

use crate::queue::Queue;
use crate::wire::MacAddr;
use crate::{DeviceId, LinkConfig, LinkId, NodeId, PacketId};

mod in_flight;
pub(crate) use in_flight::InFlight;

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
#[derive(Debug)]
pub struct Device {
    /// The node that owns this device.
    pub node: NodeId,
    /// Index among the node's devices, from 0, in the order its links were built.
    pub port: u16,
    /// This device's MAC address.
    pub mac: MacAddr,
    /// The device at the other end of the link.
    pub peer: DeviceId,
    /// The link this device belongs to.
    pub link: LinkId,
    /// Link parameters.
    pub params: LinkConfig,
    /// Output queue and its discipline.
    pub queue: Queue,
    /// The transmit state machine of this direction.
    pub(crate) tx: TxState,
    /// When the current frame started serialising.
    pub(crate) tx_started: SimTime,
    /// The current frame's length [bytes], so that its end need not read the packet again.
    pub(crate) tx_len: u32,
    /// Picoseconds per byte when that is a whole number.
    pub(crate) ps_per_byte: Option<u64>,
    /// Frames on the wire towards the peer, with their arrival times, oldest first.
    pub(crate) in_flight: InFlight,
    /// Random loss of this direction.
    pub(crate) loss_rng: RngStream,
    /// Whether the link is up.
    pub(crate) up: bool,
    /// Index of this device's pcap tap, if traced.
    pub(crate) tap: Option<u32>,
    /// Copies of the peer device's node, role, MAC and tap, which never change after the
    /// build: the per-hop path then reads one device record instead of two.
    pub(crate) peer_node: NodeId,
    pub(crate) peer_role: Role,
    pub(crate) peer_mac: MacAddr,
    pub(crate) peer_tap: Option<u32>,
    /// Wire counters.
    pub wire: WireStats,
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
            Some(p) => SimTime::from_ps(bytes * p),
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
                            SimTime::from_ps(bytes * p),
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
}
