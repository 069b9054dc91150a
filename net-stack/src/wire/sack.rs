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
//! The arena is append-only: a key stays valid for the whole run, whatever copies of the
//! packet a switch plane makes (flooding, PACKET_IN), at 32 bytes per SACK-carrying segment.

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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
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

/// The SACK blocks of every segment a network sent, by key (append-only; see the module docs).
#[derive(Clone, Debug, Default)]
pub struct SackArena {
    entries: Vec<SackBlocks>,
}

impl SackArena {
    /// An empty arena.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `blocks` and returns the option that refers to them ([`SackOption::NONE`] for no
    /// blocks).
    pub fn intern(&mut self, blocks: &[SackBlock]) -> SackOption {
        if blocks.is_empty() {
            return SackOption::NONE;
        }
        let key = self.entries.len() as u32 + 1;
        assert!(
            key < MAX_KEY,
            "more than 2^26 SACK-carrying segments in one run: the SACK arena is full"
        );
        let blocks = SackBlocks::from_slice(blocks);
        self.entries.push(blocks);
        SackOption::blocks(key, blocks.len())
    }

    /// The blocks `opt` refers to (empty for none, SACK-permitted, or a key from another arena).
    pub fn get(&self, opt: SackOption) -> &[SackBlock] {
        match opt.index().and_then(|k| self.entries.get(k)) {
            Some(b) => &b.as_slice()[..opt.block_count().min(b.len())],
            None => &[],
        }
    }

    /// Segments whose blocks are stored.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no blocks are stored.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
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
