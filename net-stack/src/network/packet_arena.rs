//! The store of live packets: a slot map whose packets sit one to an aligned 128-byte pair of
//! cache lines, with the versions kept beside them.
//!
//! `slotmap::SlotMap` stores a 4-byte version after each 128-byte [`Packet`], so its slots are
//! 132 bytes apart and every forwarded packet straddles three cache lines. Here a packet
//! occupies exactly one 128-byte-aligned pair of lines (the pair a core's adjacent-line
//! prefetcher fetches together), and the versions and the free list live in a separate array
//! that only the checked accessors read. The per-hop path reads packets it owns (the id came
//! from an in-flight record or a queue) through [`PacketArena::live`] and
//! [`PacketArena::live_mut`], which check the version only in debug builds.
//!
//! Keys are the ones `slotmap::SlotMap` hands out for the same sequence of inserts and
//! removes (index 0 is a sentinel, the free list is last-in first-out, a slot's version is
//! odd while occupied), so nothing that depends on a [`PacketId`] changes.

use slotmap::{Key, KeyData};

use crate::PacketId;
use crate::wire::Packet;

/// One packet's storage: exactly two cache lines, aligned to their pair.
#[repr(C, align(128))]
struct Slot(Option<Packet>);

/// A slot's bookkeeping: its version (odd while occupied) and, while vacant, the next free
/// slot.
#[derive(Clone, Copy)]
struct SlotMeta {
    version: u32,
    next_free: u32,
}

/// Live packets by [`PacketId`] (see the module documentation).
pub(crate) struct PacketArena {
    slots: Vec<Slot>,
    meta: Vec<SlotMeta>,
    free_head: u32,
    len: usize,
}

/// A key's slot index and version.
#[inline(always)]
fn split(id: PacketId) -> (usize, u32) {
    let ffi = id.data().as_ffi();
    ((ffi & 0xffff_ffff) as usize, (ffi >> 32) as u32)
}

#[inline(always)]
fn key(idx: u32, version: u32) -> PacketId {
    KeyData::from_ffi(u64::from(version) << 32 | u64::from(idx)).into()
}

impl PacketArena {
    /// An empty store (with the sentinel slot `slotmap` keeps at index 0).
    pub(crate) fn new() -> Self {
        PacketArena {
            slots: vec![Slot(None)],
            meta: vec![SlotMeta {
                version: 0,
                next_free: 0,
            }],
            free_head: 1,
            len: 0,
        }
    }

    /// Live packets.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Stores a packet and returns its key.
    pub(crate) fn insert(&mut self, pkt: Packet) -> PacketId {
        let idx = self.free_head;
        if let Some(m) = self.meta.get_mut(idx as usize) {
            let version = m.version | 1;
            self.free_head = m.next_free;
            m.version = version;
            self.slots[idx as usize].0 = Some(pkt);
            self.len += 1;
            return key(idx, version);
        }
        assert!(self.slots.len() < u32::MAX as usize, "packet store is full");
        self.slots.push(Slot(Some(pkt)));
        self.meta.push(SlotMeta {
            version: 1,
            next_free: 0,
        });
        self.free_head = idx + 1;
        self.len += 1;
        key(idx, 1)
    }

    /// Whether `id` names a live packet.
    #[inline]
    fn contains(&self, id: PacketId) -> bool {
        let (idx, version) = split(id);
        self.meta.get(idx).is_some_and(|m| m.version == version)
    }

    /// Takes a packet out; `None` if `id` is not live.
    pub(crate) fn remove(&mut self, id: PacketId) -> Option<Packet> {
        if !self.contains(id) {
            return None;
        }
        let (idx, _) = split(id);
        let m = &mut self.meta[idx];
        m.next_free = self.free_head;
        m.version = m.version.wrapping_add(1);
        self.free_head = idx as u32;
        self.len -= 1;
        self.slots[idx].0.take()
    }

    /// The packet `id` names, if live.
    pub(crate) fn get(&self, id: PacketId) -> Option<&Packet> {
        if !self.contains(id) {
            return None;
        }
        self.slots[split(id).0].0.as_ref()
    }

    /// The packet `id` names, mutably, if live.
    pub(crate) fn get_mut(&mut self, id: PacketId) -> Option<&mut Packet> {
        if !self.contains(id) {
            return None;
        }
        self.slots[split(id).0].0.as_mut()
    }

    /// A packet the caller holds (its id came from an in-flight record, a queue or the
    /// transmit state): the version is checked in debug builds only, so the lookup touches
    /// the packet's own lines and nothing else. Panics if the slot is vacant.
    #[inline(always)]
    pub(crate) fn live(&self, id: PacketId) -> &Packet {
        debug_assert!(self.contains(id), "stale packet id");
        self.slots[split(id).0].0.as_ref().expect("live packet")
    }

    /// [`PacketArena::live`], mutably.
    #[inline(always)]
    pub(crate) fn live_mut(&mut self, id: PacketId) -> &mut Packet {
        debug_assert!(self.contains(id), "stale packet id");
        self.slots[split(id).0].0.as_mut().expect("live packet")
    }

    /// The live packets, in slot order.
    #[cfg(test)]
    pub(crate) fn values(&self) -> impl Iterator<Item = &Packet> {
        self.slots.iter().filter_map(|s| s.0.as_ref())
    }
}

impl std::ops::Index<PacketId> for PacketArena {
    type Output = Packet;
    /// The packet `id` names; panics if it is not live (as `slotmap` does).
    #[inline]
    fn index(&self, id: PacketId) -> &Packet {
        self.get(id).expect("invalid packet id")
    }
}

impl std::ops::IndexMut<PacketId> for PacketArena {
    #[inline]
    fn index_mut(&mut self, id: PacketId) -> &mut Packet {
        self.get_mut(id).expect("invalid packet id")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_packets::udp;
    use slotmap::SlotMap;

    #[test]
    fn a_packet_fills_one_aligned_pair_of_lines() {
        assert_eq!(size_of::<Slot>(), 128);
        assert_eq!(align_of::<Slot>(), 128);
    }

    /// The same keys as `slotmap::SlotMap` for every sequence of inserts and removes, and
    /// the same answers to lookups of live and stale keys.
    #[test]
    fn same_keys_as_slotmap() {
        let mut rng = sim_core::RngStreams::new(7).stream("arena");
        let mut ours = PacketArena::new();
        let mut theirs: SlotMap<PacketId, u32> = SlotMap::with_key();
        let mut live: Vec<PacketId> = Vec::new();
        let mut dead: Vec<PacketId> = Vec::new();
        for step in 0..20_000u32 {
            if live.is_empty() || rng.below(5) < 3 {
                let p = udp(step, None);
                let a = ours.insert(p);
                let b = theirs.insert(step);
                assert_eq!(a, b, "step {step}");
                live.push(a);
            } else {
                let i = rng.below(live.len() as u64) as usize;
                let id = live.swap_remove(i);
                let want = theirs.remove(id);
                assert_eq!(ours.remove(id).map(|p| p.payload_len), want);
                assert_eq!(ours.remove(id).map(|p| p.payload_len), None);
                dead.push(id);
            }
            assert_eq!(ours.len(), theirs.len());
        }
        for &id in &live {
            assert_eq!(ours.live(id).payload_len, theirs[id]);
            assert_eq!(ours[id].payload_len, theirs[id]);
        }
        for &id in &dead {
            assert!(ours.get(id).is_none() && ours.get_mut(id).is_none());
            assert_eq!(theirs.get(id), None);
        }
        assert_eq!(ours.values().count(), live.len());
    }
}
