//! The PACKET_IN buffer pool (OpenFlow 1.3.5 §7.4.1, §6.4; ofsoftswitch13 `dp_buffers.c`).
//!
//! A packet sent to the controller may be kept at the switch under a `buffer_id`, so the
//! PACKET_IN carries only its first `max_len` bytes and the controller answers with a
//! PACKET_OUT or FLOW_MOD naming the buffer. The pool holds at most `capacity` packets
//! (ofsoftswitch13: 256); when it is full the PACKET_IN goes unbuffered with the whole frame.
//!
//! A buffered packet is released exactly once: by the first PACKET_OUT or FLOW_MOD naming it,
//! or by expiry `timeout` after it was stored (ofsoftswitch13 reuses a buffer after 1 s), when
//! it is dropped. Seed 001 §2.2 requires that a buffered packet is never "left without action",
//! and expiry is that action. Ids are issued from a counter, so a released id is not reused for
//! about 2^32 packets and a late second release is reliably `BUFFER_UNKNOWN`.

use std::collections::{BTreeMap, VecDeque};

use net_stack::wire::Packet;
use sim_core::SimTime;

use crate::wire::OFP_NO_BUFFER;

/// A packet held for the controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferedPacket {
    /// The packet as it was when sent to the controller.
    pub packet: Packet,
    /// The port it arrived on.
    pub in_port: u32,
    /// The instant it expires (at which it is already gone).
    pub expires: SimTime,
}

/// The buffer pool.
#[derive(Clone, Debug)]
pub struct PacketBuffers {
    capacity: usize,
    timeout: SimTime,
    held: BTreeMap<u32, BufferedPacket>,
    /// Expiry order = storing order, since every buffer has the same lifetime; entries whose
    /// packet was already released are skipped when they surface.
    fifo: VecDeque<(SimTime, u32)>,
    next_id: u32,
    expired: u64,
}

impl PacketBuffers {
    /// A pool of `capacity` buffers, each released `timeout` after it was filled.
    pub(crate) fn new(capacity: usize, timeout: SimTime) -> PacketBuffers {
        PacketBuffers {
            capacity,
            timeout,
            held: BTreeMap::new(),
            fifo: VecDeque::new(),
            next_id: 0,
            expired: 0,
        }
    }

    /// Packets held now.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    /// Whether no packet is held.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Packets dropped because no PACKET_OUT or FLOW_MOD claimed them in time.
    pub fn expired(&self) -> u64 {
        self.expired
    }

    /// Stores `packet`, returning its buffer id, or `None` when the pool is full (or has no
    /// buffers at all).
    pub(crate) fn store(&mut self, now: SimTime, in_port: u32, packet: Packet) -> Option<u32> {
        self.expire(now);
        if self.held.len() >= self.capacity {
            return None;
        }
        let mut id = self.next_id;
        while id == OFP_NO_BUFFER || self.held.contains_key(&id) {
            id = id.wrapping_add(1);
        }
        self.next_id = id.wrapping_add(1);
        let expires = now.saturating_add(self.timeout);
        self.held.insert(
            id,
            BufferedPacket {
                packet,
                in_port,
                expires,
            },
        );
        self.fifo.push_back((expires, id));
        Some(id)
    }

    /// Releases buffer `id` to its caller; `None` if it was never issued, was already released
    /// or has expired by `now`.
    pub(crate) fn take(&mut self, now: SimTime, id: u32) -> Option<BufferedPacket> {
        self.expire(now);
        self.held.remove(&id)
    }

    /// Drops every packet whose expiry is at or before `now`; returns how many.
    pub(crate) fn expire(&mut self, now: SimTime) -> usize {
        let mut n = 0;
        while let Some(&(t, id)) = self.fifo.front() {
            if t > now {
                break;
            }
            self.fifo.pop_front();
            if self.held.get(&id).is_some_and(|b| b.expires == t) {
                self.held.remove(&id);
                n += 1;
            }
        }
        self.expired += n as u64;
        n
    }

    /// When the oldest held packet expires.
    pub(crate) fn next_expiry(&mut self) -> Option<SimTime> {
        while let Some(&(t, id)) = self.fifo.front() {
            if self.held.get(&id).is_some_and(|b| b.expires == t) {
                return Some(t);
            }
            self.fifo.pop_front();
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::switch::matching::tests::udp;

    /// A buffer is released once; the pool refuses packets when full and frees space on
    /// release; expiry happens exactly `timeout` after storing.
    #[test]
    fn release_once_capacity_and_expiry() {
        let mut b = PacketBuffers::new(2, SimTime::from_secs(1));
        let t0 = SimTime::from_ms(10);
        let a = b.store(t0, 1, udp(1, 2, 3, 4)).expect("first buffer");
        let c = b.store(t0, 1, udp(1, 2, 3, 5)).expect("second buffer");
        assert_ne!(a, c, "distinct ids");
        assert_eq!(b.store(t0, 1, udp(1, 2, 3, 6)), None, "pool of 2 is full");
        assert!(b.take(t0, a).is_some(), "first release succeeds");
        assert!(
            b.take(t0, a).is_none(),
            "second release of the same id fails"
        );
        assert_eq!(
            b.next_expiry(),
            Some(SimTime::from_ms(1010)),
            "c expires at 1.01 s"
        );
        let just_before = SimTime::from_ps(SimTime::from_ms(1010).as_ps() - 1);
        assert_eq!(b.expire(just_before), 0, "nothing expires 1 ps early");
        assert_eq!(
            b.expire(SimTime::from_ms(1010)),
            1,
            "c expires at its deadline"
        );
        assert!(
            b.take(SimTime::from_ms(1010), c).is_none(),
            "expired buffer is unknown"
        );
        assert_eq!(
            (b.len(), b.expired(), b.next_expiry()),
            (0, 1, None),
            "pool empty"
        );
    }
}
