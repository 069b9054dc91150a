//! The SACK option (RFC 2018 §3) as it rides in a [`TcpRepr`](super::TcpRepr), and the arena
//! that holds the blocks of the packets in a network.
//!
//! A [`Packet`](super::Packet) must stay within 128 bytes (see `packet.rs`), and four SACK
//! blocks alone take 32. So the header keeps a 4-byte [`SackOption`]: nothing, SACK-permitted
//! (SYN only), or *n* blocks whose edges live in a [`SackArena`] under a key. The block count is
//! in the header itself, so [`TcpOptions::len`](super::TcpOptions::len) — and with it every
//! frame length and serialisation time — needs no look-up. The TCP endpoint itself
//! ([`TcpConnection`](crate::tcp::TcpConnection)) deals in [`SackBlocks`] by value; only the
//! network turns them into keys (on send) and back (on delivery and in the pcap tap).
//!
//! Each entry counts the packets that carry its key: one when a segment is sent, one more for
//! every copy a switch plane emits (flooding), one less when a packet carrying it is delivered
//! or dropped. The last one frees the entry for the next segment, so the arena holds the
//! blocks of the packets alive now, not of every segment the run sent: a packet in flight or
//! in a queue, and a pcap tap writing it, still read its blocks. A packet a switch plane
//! absorbs keeps its entry (a plane may hold it, as an OpenFlow buffer does), so only SACK
//! traffic through switch planes still grows the arena.

use super::SeqNum;

/// Keys are 26 bits.
const MAX_KEY: u32 = 1 << 26;

/// One SACK block `[left, right)` (RFC 2018 §3: left edge, and right edge = the sequence number
/// just past the block).
pub type SackBlock = (SeqNum, SeqNum);

/// At most four SACK blocks (RFC 2018 §3: 4 fit in 40 option bytes, 3 with timestamps), first
/// block first, by value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SackBlocks {
    blocks: [SackBlock; 4],
    len: u8,
}

impl SackBlocks {
    /// No blocks.
    pub const EMPTY: SackBlocks = SackBlocks {
        blocks: [(SeqNum(0), SeqNum(0)); 4],
        len: 0,
    };

    /// The first four of `blocks`.
    pub fn from_slice(blocks: &[SackBlock]) -> Self {
        let mut out = SackBlocks::EMPTY;
        for &b in blocks.iter().take(4) {
            out.push(b);
        }
        out
    }

    /// Appends a block; ignored when four are held.
    pub fn push(&mut self, b: SackBlock) {
        if (self.len as usize) < 4 {
            self.blocks[self.len as usize] = b;
            self.len += 1;
        }
    }

    /// Keeps only the first `n` blocks.
    pub fn truncate(&mut self, n: usize) {
        self.len = self.len.min(n as u8);
    }

    /// The blocks, first block first.
    pub fn as_slice(&self) -> &[SackBlock] {
        &self.blocks[..self.len as usize]
    }

    /// Number of blocks.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether there are no blocks.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The SACK part of a TCP header's options, packed into 4 bytes: none, SACK-permitted (kind 4,
/// SYN only) or *n* ∈ 1..=4 blocks (kind 5) stored in a [`SackArena`] under a key. The low six
/// bits hold the option bytes it adds before padding — 0 (none), 2 (permitted) or 4 + 8·n
/// (`NOP NOP 5 len` and the blocks) — so that [`TcpOptions::len`](super::TcpOptions::len) costs
/// one mask; the upper 26 bits hold the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct SackOption(u32);

impl SackOption {
    /// No SACK option.
    pub const NONE: SackOption = SackOption(0);
    /// The SACK-permitted option (RFC 2018 §2), sent on a SYN.
    pub const PERMITTED: SackOption = SackOption(2);

    /// `n` blocks (1..=4) under arena key `key` (below 2²⁶; key 0 refers to nothing).
    fn blocks(key: u32, n: usize) -> Self {
        debug_assert!((1..=4).contains(&n) && key < MAX_KEY);
        SackOption(key << 6 | (4 + 8 * n as u32))
    }

    /// `n` blocks (1..=4, clamped) not yet stored anywhere: what a connection puts in the
    /// header it emits, with the blocks themselves beside it
    /// ([`TcpConnection::sent_sack`](crate::tcp::TcpConnection::sent_sack)) until the network
    /// interns them. Already right for [`TcpOptions::len`](super::TcpOptions::len).
    pub fn unresolved(n: usize) -> Self {
        if n == 0 {
            return SackOption::NONE;
        }
        SackOption::blocks(0, n.min(4))
    }

    /// Whether this is SACK-permitted.
    #[inline]
    pub fn is_permitted(self) -> bool {
        self == SackOption::PERMITTED
    }

    /// Number of SACK blocks carried (0 for none or SACK-permitted).
    #[inline]
    pub fn block_count(self) -> usize {
        ((self.0 & 63) as usize).saturating_sub(4) / 8
    }

    /// Option bytes this adds to the header before padding to whole words (2 for
    /// SACK-permitted, 4 + 8·n for n blocks).
    #[inline]
    pub fn raw_bytes(self) -> usize {
        (self.0 & 63) as usize
    }

    /// Option bytes in the header, Linux's layout: `NOP NOP 5 len blocks…` (4 + 8·n).
    #[inline]
    pub fn block_bytes(self) -> usize {
        if self.block_count() > 0 {
            self.raw_bytes()
        } else {
            0
        }
    }

    /// The arena index, if this refers to stored blocks.
    fn index(self) -> Option<usize> {
        let key = (self.0 >> 6) as usize;
        (self.block_count() > 0 && key > 0).then(|| key - 1)
    }
}

/// The SACK blocks of the segments in a network, by key, each counted by the packets that
/// carry it (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct SackArena {
    entries: Vec<SackBlocks>,
    /// Packets holding each entry's key; 0 for a free entry.
    refs: Vec<u32>,
    /// Free entries, reused last-freed first.
    free: Vec<u32>,
    /// Segments interned over the run.
    interned: u64,
}

impl SackArena {
    /// An empty arena.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `blocks` for one packet and returns the option that refers to them
    /// ([`SackOption::NONE`] for no blocks). The entry lives until [`SackArena::release`] has
    /// been called once for this and once for every [`SackArena::retain`].
    pub fn intern(&mut self, blocks: &[SackBlock]) -> SackOption {
        if blocks.is_empty() {
            return SackOption::NONE;
        }
        let blocks = SackBlocks::from_slice(blocks);
        self.interned += 1;
        let index = match self.free.pop() {
            Some(i) => {
                self.entries[i as usize] = blocks;
                self.refs[i as usize] = 1;
                i
            }
            None => {
                assert!(
                    self.entries.len() + 1 < MAX_KEY as usize,
                    "more than 2^26 SACK-carrying segments alive at once: the SACK arena is full"
                );
                self.entries.push(blocks);
                self.refs.push(1);
                self.entries.len() as u32 - 1
            }
        };
        SackOption::blocks(index + 1, blocks.len())
    }

    /// One more packet carries `opt` (a copy of a packet, as a switch plane makes); nothing
    /// for an option without stored blocks.
    pub fn retain(&mut self, opt: SackOption) {
        if let Some(r) = opt.index().and_then(|k| self.refs.get_mut(k)) {
            debug_assert!(*r > 0, "retaining a freed SACK entry");
            *r += 1;
        }
    }

    /// A packet carrying `opt` left the network (delivered or dropped); the entry is freed
    /// with its last packet. Nothing for an option without stored blocks.
    #[inline]
    pub fn release(&mut self, opt: SackOption) {
        // No key (none, permitted, unresolved): the common case on the per-hop path, one compare.
        if opt.0 >> 6 != 0 {
            self.release_key(opt);
        }
    }

    #[inline(never)]
    fn release_key(&mut self, opt: SackOption) {
        let Some(k) = opt.index() else {
            return;
        };
        match self.refs.get_mut(k) {
            Some(r) if *r > 1 => *r -= 1,
            Some(r) if *r == 1 => {
                *r = 0;
                self.free.push(k as u32);
            }
            _ => debug_assert!(false, "releasing a freed SACK entry"),
        }
    }

    /// The blocks `opt` refers to (empty for none, SACK-permitted, or a key from another arena).
    pub fn get(&self, opt: SackOption) -> &[SackBlock] {
        match opt.index().and_then(|k| self.entries.get(k)) {
            Some(b) => &b.as_slice()[..opt.block_count().min(b.len())],
            None => &[],
        }
    }

    /// Entries held by packets now.
    pub fn len(&self) -> usize {
        self.entries.len() - self.free.len()
    }

    /// Whether no packet holds an entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// SACK-carrying segments stored over the run, freed ones included.
    pub fn interned(&self) -> u64 {
        self.interned
    }

    /// Entries allocated, free ones included: the most that were held at once (what the
    /// arena's memory follows).
    pub fn capacity(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys round-trip through the 4-byte option with their block count; the option's byte
    /// count is Linux's `NOP NOP kind len` + 8 per block.
    #[test]
    fn intern_and_get() {
        let mut a = SackArena::new();
        let b1 = SackBlocks::from_slice(&[(SeqNum(10), SeqNum(20))]);
        let b3 = SackBlocks::from_slice(&[
            (SeqNum(50), SeqNum(60)),
            (SeqNum(30), SeqNum(40)),
            (SeqNum(70), SeqNum(80)),
        ]);
        assert_eq!(a.intern(&[]), SackOption::NONE, "no blocks");
        let o1 = a.intern(b1.as_slice());
        let o3 = a.intern(b3.as_slice());
        assert_eq!((o1.block_count(), o3.block_count()), (1, 3), "counts");
        assert_eq!((o1.block_bytes(), o3.block_bytes()), (12, 28), "bytes");
        assert_eq!(a.get(o1), b1.as_slice(), "first");
        assert_eq!(a.get(o3), b3.as_slice(), "second");
        assert!(
            a.get(SackOption::PERMITTED).is_empty(),
            "permitted has none"
        );
        let pending = SackOption::unresolved(2);
        assert_eq!(pending.block_count(), 2, "count without a key");
        assert!(a.get(pending).is_empty(), "nothing stored under it");
        assert_eq!(std::mem::size_of::<SackOption>(), 4, "fits the header");
    }
}
