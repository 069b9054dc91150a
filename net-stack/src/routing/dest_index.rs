//! The routing table's address index: host address → destination route.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::DestRoute;

/// Address → destination route in two levels: per /24 prefix (a dense array over the span of
/// the hosts' prefixes) the run of `slots` that covers its hosts' last octets, then the
/// route itself; a hash map for addresses outside (VMs added later, or hosts too scattered for
/// the arrays). Host addresses are usually allocated in runs inside a few /24s (a fat-tree's
/// `10.pod.edge.host`), which one flat array over the whole span would not cover cheaply.
#[derive(Debug, Default)]
pub(super) struct DestIndex {
    /// The first /24 prefix (`address >> 8`) that `prefixes` covers.
    base: u32,
    prefixes: Vec<Block>,
    /// [`DestRoute::NONE`] where no destination has the address.
    slots: Vec<DestRoute>,
    /// Addresses outside the blocks. Only looked up, never iterated.
    sparse: HashMap<u32, DestRoute, BuildHasherDefault<AddrHasher>>,
}

/// A /24's run of slots: last octets `lo .. lo + len` at `slots[first ..]`.
#[derive(Clone, Copy, Debug, Default)]
struct Block {
    first: u32,
    lo: u16,
    len: u16,
}

impl DestIndex {
    /// `pairs` maps addresses to indices into `dests`. The arrays are used while they cost at
    /// most 16 entries per address.
    pub(super) fn new(pairs: &[(u32, u32)], dests: &[DestRoute]) -> Self {
        let mut index = DestIndex::default();
        let prefixes = || pairs.iter().map(|p| p.0 >> 8);
        if let (Some(lo), Some(hi)) = (prefixes().min(), prefixes().max()) {
            let budget = 16 * pairs.len() + 1024;
            let span = (hi - lo) as usize + 1;
            if span <= budget {
                let mut range = vec![(u16::MAX, 0u16); span];
                for &(ip, _) in pairs {
                    let r = &mut range[((ip >> 8) - lo) as usize];
                    let o = (ip & 0xff) as u16;
                    *r = (r.0.min(o), r.1.max(o));
                }
                let mut blocks = Vec::with_capacity(span);
                let mut first = 0u32;
                for &(a, b) in &range {
                    let len = if a <= b { b - a + 1 } else { 0 };
                    blocks.push(Block { first, lo: a, len });
                    first += u32::from(len);
                }
                if first as usize <= budget {
                    index.base = lo;
                    index.prefixes = blocks;
                    index.slots = vec![DestRoute::NONE; first as usize];
                }
            }
        }
        for &(ip, d) in pairs {
            index.insert(ip, dests[d as usize]);
        }
        index
    }

    /// The slot of `ip` in the arrays, if they cover it.
    #[inline(always)]
    fn slot(&self, ip: u32) -> Option<usize> {
        let b = self
            .prefixes
            .get((ip >> 8).wrapping_sub(self.base) as usize)?;
        let o = ((ip & 0xff) as u16).wrapping_sub(b.lo);
        (o < b.len).then(|| b.first as usize + o as usize)
    }

    pub(super) fn insert(&mut self, ip: u32, d: DestRoute) {
        match self.slot(ip) {
            Some(i) => self.slots[i] = d,
            None => {
                self.sparse.insert(ip, d);
            }
        }
    }

    #[inline(always)]
    pub(super) fn get(&self, ip: u32) -> Option<DestRoute> {
        match self.slot(ip) {
            Some(i) => Some(self.slots[i]).filter(|d| d.dest != u32::MAX),
            None => self.sparse.get(&ip).copied(),
        }
    }
}

/// A multiplicative hash for 32-bit addresses: the keys are ours (no adversary), so SipHash's
/// protection is not worth its cost.
#[derive(Default)]
struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u32(b as u32);
        }
    }
    #[inline]
    fn write_u32(&mut self, v: u32) {
        self.0 = (self.0.rotate_left(5) ^ v as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::net::Ipv4Addr;

    /// The two-level address index answers like a plain map, for a fat-tree's scattered /24s,
    /// a run across a /24 boundary, addresses too far apart for the arrays, and later inserts
    /// inside and outside the blocks (a VM's address aliased to its host's route).
    #[test]
    fn address_index_equals_a_map() {
        let route = |d: u32| DestRoute {
            dest: d,
            host: d + 100,
            group: d / 3,
            special_start: d,
            special_end: d + 1,
        };
        let ip = |a: u8, b: u8, c: u8, d: u8| u32::from(Ipv4Addr::new(a, b, c, d));
        let fat_tree: Vec<u32> = (0..4)
            .flat_map(|p| (0..2).flat_map(move |e| (2..4).map(move |h| ip(10, p, e, h))))
            .collect();
        let run: Vec<u32> = (0..300).map(|i| ip(10, 1, 0, 1) + i).collect();
        let scattered = vec![ip(10, 0, 0, 1), ip(192, 168, 0, 1), ip(172, 16, 5, 9)];
        for (case, addrs) in [fat_tree, run, scattered].into_iter().enumerate() {
            let pairs: Vec<(u32, u32)> = (0..addrs.len() as u32)
                .map(|d| (addrs[d as usize], d))
                .collect();
            let dests: Vec<DestRoute> = (0..addrs.len() as u32).map(route).collect();
            let mut index = DestIndex::new(&pairs, &dests);
            assert_eq!(
                index.sparse.is_empty(),
                case < 2,
                "the arrays cover the first two cases, not the scattered one"
            );
            let mut model: BTreeMap<u32, u32> = pairs.iter().copied().collect();
            let late = [
                addrs[0] + 1,
                addrs[0] ^ 0x80,
                ip(10, 9, 9, 9),
                addrs[addrs.len() - 1],
            ];
            for (i, &a) in late.iter().enumerate() {
                index.insert(a, route(i as u32));
                model.insert(a, i as u32);
            }
            let probes = addrs
                .iter()
                .chain(&late)
                .flat_map(|&a| [a.wrapping_sub(1), a, a + 1, a ^ 0x100]);
            for a in probes {
                assert_eq!(
                    index.get(a).map(|d| d.dest),
                    model.get(&a).copied(),
                    "address {}",
                    Ipv4Addr::from(a)
                );
            }
        }
    }
}
