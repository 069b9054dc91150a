//! The store of live packets: a slot map whose packets sit one to an aligned 128-byte pair of
//! cache lines, with the versions kept beside them.
//!
//! `slotmap::SlotMap` stores a 4-byte version after each 128-byte [`Packet`], so its slots are
//! 132 bytes apart and every packet straddles three cache lines, one of them read for the
//! version alone. Here a packet occupies exactly one 128-byte-aligned pair of lines, and the
//! versions and the free list live in a separate array that only the checked accessors read.
//! `Packet`'s layout puts what a router's hop reads and writes (the IPv4 header, the tunnel's
//! outer header, the MAC addresses) in the first line of the pair (`wire/packet.rs`), so a
//! router's hop through [`PacketArena::live_mut`] touches that one line — two when it hashes
//! the flow for ECMP (the ports are in the second). At k = 16 the packet had a fifth of the
//! misses to the last level (docs/performance.md, "Session 15: k = 16's cache misses on the
//! per-hop path (hop21)").
//!
//! Keys are the ones `slotmap::SlotMap` hands out for the same sequence of inserts and removes
//! (index 0 is a sentinel, the free list is last-in first-out, a slot's version is odd while
//! occupied), so nothing that depends on a [`PacketId`] changes. A vacant slot keeps the bytes
//! of its last packet (a [`Packet`] is plain `Copy` data), so that a live lookup reads no tag.

use slotmap::{Key, KeyData};

use crate::PacketId;
use crate::wire::Packet;

/// One packet's storage: exactly two cache lines, aligned to their pair.
#[derive(Clone, Copy)]
#[repr(C, align(128))]
struct Slot(Packet);

/// A slot's bookkeeping: its version (odd while occupied) and, while vacant, the next free
/// slot.
#[derive(Clone, Copy)]
struct SlotMeta {
    version: u32,
    next_free: u32,
}

/// Live packets by [`PacketId`] (see the module documentation).
pub(crate) struct PacketArena {
    /// The packets, by slot index; slot 0 (the sentinel) and vacant slots hold stale bytes.
    slots: Vec<Slot>,
    /// The versions and the free list, by slot index (empty until the first insert).
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
    /// An empty store.
    pub(crate) fn new() -> Self {
        PacketArena {
            slots: Vec::new(),
            meta: Vec::new(),
            free_head: 1,
            len: 0,
        }
    }

    /// Live packets.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Stores a packet and returns its key.
    #[inline]
    pub(crate) fn insert(&mut self, pkt: Packet) -> PacketId {
        if self.slots.is_empty() {
            // The sentinel at index 0, which no key names (as in `slotmap`).
            self.slots.push(Slot(pkt));
            self.meta.push(SlotMeta {
                version: 0,
                next_free: 0,
            });
        }
        let idx = self.free_head;
        self.len += 1;
        if let Some(m) = self.meta.get_mut(idx as usize) {
            let version = m.version | 1;
            self.free_head = m.next_free;
            m.version = version;
            self.slots[idx as usize] = Slot(pkt);
            return key(idx, version);
        }
        assert!(self.slots.len() < u32::MAX as usize, "packet store is full");
        self.slots.push(Slot(pkt));
        self.meta.push(SlotMeta {
            version: 1,
            next_free: 0,
        });
        self.free_head = idx + 1;
        key(idx, 1)
    }

    /// Whether `id` names a live packet.
    #[inline]
    fn contains(&self, id: PacketId) -> bool {
        let (idx, version) = split(id);
        self.meta.get(idx).is_some_and(|m| m.version == version)
    }

    /// Takes a packet out; `None` if `id` is not live.
    #[inline]
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
        Some(self.slots[idx].0)
    }

    /// The packet `id` names, if live.
    #[inline]
    pub(crate) fn get(&self, id: PacketId) -> Option<&Packet> {
        match self.contains(id) {
            true => Some(&self.slots[split(id).0].0),
            false => None,
        }
    }

    /// The packet `id` names, mutably, if live.
    #[inline]
    pub(crate) fn get_mut(&mut self, id: PacketId) -> Option<&mut Packet> {
        match self.contains(id) {
            true => Some(&mut self.slots[split(id).0].0),
            false => None,
        }
    }

    /// A packet the network holds, mutably: its id came from an in-flight record, an output
    /// queue or the host that just stored it, and packets leave the store only after they left
    /// those (delivered, or dropped with the queue or wire that held them). The version is
    /// checked in debug builds only, so the look-up touches the packet's own line and no
    /// other.
    #[inline(always)]
    pub(crate) fn live_mut(&mut self, id: PacketId) -> &mut Packet {
        debug_assert!(self.contains(id), "stale packet id {id:?}");
        &mut self.slots[split(id).0].0
    }

    /// The live packets, in slot order.
    #[cfg(test)]
    pub(crate) fn values(&self) -> impl Iterator<Item = &Packet> {
        let live = self.meta.iter().map(|m| m.version & 1 == 1);
        self.slots
            .iter()
            .zip(live)
            .filter(|(_, l)| *l)
            .map(|(s, _)| &s.0)
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

    /// A packet fills one aligned pair of lines (the size `Packet` may not outgrow: see
    /// `packet_stays_small` in `wire/packet.rs`).
    #[test]
    fn a_packet_fills_one_aligned_pair_of_lines() {
        assert_eq!(size_of::<Slot>(), 128);
        assert_eq!(align_of::<Slot>(), 128);
    }

    /// The same keys as `slotmap::SlotMap` for every sequence of inserts and removes, and
    /// the same answers to lookups of live and stale keys: packet ids, and so results, are
    /// those of the slot map this store replaced.
    #[test]
    fn same_keys_as_slotmap() {
        let mut rng = sim_core::RngStreams::new(7).stream("arena");
        let mut ours = PacketArena::new();
        let mut theirs: SlotMap<PacketId, u32> = SlotMap::with_key();
        let mut live: Vec<PacketId> = Vec::new();
        let mut dead: Vec<PacketId> = Vec::new();
        for step in 0..20_000u32 {
            if live.is_empty() || rng.below(5) < 3 {
                let a = ours.insert(udp(step, None));
                let b = theirs.insert(step);
                assert_eq!(a, b, "step {step}");
                live.push(a);
            } else {
                let i = rng.below(live.len() as u64) as usize;
                let id = live.swap_remove(i);
                let want = theirs.remove(id);
                assert_eq!(ours.remove(id).map(|p| p.payload_len), want, "step {step}");
                assert_eq!(ours.remove(id).map(|p| p.payload_len), None, "step {step}");
                dead.push(id);
            }
            assert_eq!(ours.len(), theirs.len(), "step {step}");
        }
        for &id in &live {
            assert_eq!(ours.live_mut(id).payload_len, theirs[id]);
            assert_eq!(ours[id].payload_len, theirs[id]);
        }
        for &id in &dead {
            assert!(ours.get(id).is_none() && ours.get_mut(id).is_none());
            assert_eq!(theirs.get(id), None);
        }
        assert_eq!(ours.values().count(), live.len());
        assert!(PacketArena::new().get(dead[0]).is_none(), "an empty store");
    }

    /// A stale id is refused by the checked look-ups, and by `live_mut` in a debug build.
    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "stale packet id")]
    fn live_mut_of_a_stale_id_panics_in_debug_builds() {
        let mut a = PacketArena::new();
        let id = a.insert(udp(1, None));
        a.remove(id);
        a.live_mut(id);
    }
}
