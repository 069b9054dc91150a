//! [`PageBitmap`]: a set of guest pages whose memory grows with the pages touched, not with the
//! pages the VM owns.
//!
//! # Representation
//!
//! The pages are cut into chunks of [`CHUNK_PAGES`] = 32 768 consecutive pages. Each chunk is
//! one 16-byte slot: the number of its pages *not* in the set and, only while the chunk is
//! *partly* in the set, a 4 KiB block of bits. An empty chunk and a full chunk have no block —
//! the count says which — so
//!
//! * marking every page (pre-copy's round 0) and clearing the set cost one slot write per chunk,
//!   nothing per page;
//! * a page written at random costs at most one 4 KiB block for its chunk, and a block is
//!   freed as soon as its chunk fills up (a post-copy push in page order keeps one block alive);
//! * the slots themselves take 16 bytes per 32 768 pages: 128 KiB for a 1 TiB VM of 4 KiB pages,
//!   32 MiB at the bound [`MAX_PAGES`](crate::config::MAX_PAGES). They are the one allocation
//!   that depends on the VM's size, made with `try_reserve` so that a failure is an error,
//!   not an abort.
//!
//! The set is the same as a flat bitmap's in every observable way — membership, count, the
//! ascending order of [`PageBitmap::iter`] and [`PageBitmap::next_absent`] — so a simulation
//! draws the same pages and makes the same choices with either.

use std::collections::TryReserveError;

/// Pages per chunk (a power of two).
pub const CHUNK_PAGES: u64 = 1 << CHUNK_SHIFT;
const CHUNK_SHIFT: u32 = 15;
const CHUNK_WORDS: usize = (CHUNK_PAGES / 64) as usize;

/// One chunk: `bits` is `Some` exactly when the chunk is partly in the set, so equal sets have
/// equal representations. Without `bits`, `free` = 0 means full, anything else empty.
///
/// Counting the pages *absent* makes "the chunk is now full" a test against zero, without the
/// chunk's length, on the insert path.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Chunk {
    bits: Option<Block>,
    free: u32,
}

type Block = Box<[u64; CHUNK_WORDS]>;

/// Gives an empty chunk a zeroed block, a spare one if there is one: once per chunk and round,
/// off the insert path's hot loop.
#[cold]
#[inline(never)]
fn new_block<'a>(
    bits: &'a mut Option<Block>,
    spare: &mut Vec<Block>,
) -> &'a mut [u64; CHUNK_WORDS] {
    let block = match spare.pop() {
        Some(mut b) => {
            b.fill(0);
            b
        }
        None => vec![0u64; CHUNK_WORDS]
            .into_boxed_slice()
            .try_into()
            .expect("CHUNK_WORDS long"),
    };
    bits.insert(block)
}

/// A set of pages `0..capacity`, with its population kept up to date on every change (so
/// counting is O(1)). See the [module docs](self) for the representation.
#[derive(Clone, Debug)]
pub struct PageBitmap {
    chunks: Vec<Chunk>,
    pages: u64,
    count: u64,
    /// Blocks given back by chunks that filled up or were cleared, kept for the next chunk that
    /// needs one: a round's clear followed by the next round's writes reuses memory instead of
    /// returning it to the allocator and faulting it in again. There are never more blocks in
    /// all than chunks were partly in the set at one time.
    spare: Vec<Block>,
}

/// Equal sets over the same pages (spare blocks are not part of the set).
impl PartialEq for PageBitmap {
    fn eq(&self, other: &Self) -> bool {
        (self.pages, self.count, &self.chunks) == (other.pages, other.count, &other.chunks)
    }
}

impl Eq for PageBitmap {}

impl PageBitmap {
    /// An empty set over pages `0..pages`; an error if its chunk table cannot be allocated.
    pub fn try_new(pages: u64) -> Result<Self, TryReserveError> {
        let n = usize::try_from(pages.div_ceil(CHUNK_PAGES)).unwrap_or(usize::MAX);
        let mut chunks = Vec::new();
        chunks.try_reserve_exact(n)?;
        let mut set = PageBitmap {
            chunks,
            pages,
            count: 0,
            spare: Vec::new(),
        };
        for i in 0..n {
            let free = set.chunk_len(i);
            set.chunks.push(Chunk { bits: None, free });
        }
        Ok(set)
    }

    /// An empty set over pages `0..pages`. Panics if the chunk table cannot be allocated; model
    /// state uses [`try_new`](Self::try_new).
    pub fn new(pages: u64) -> Self {
        Self::try_new(pages).expect("page bitmap chunk table")
    }

    /// The number of pages the set ranges over.
    pub fn capacity(&self) -> u64 {
        self.pages
    }

    /// The number of pages in the set.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Whether every page is in the set.
    pub fn is_full(&self) -> bool {
        self.count == self.pages
    }

    /// Bytes of memory the set holds beyond its own struct: the chunk table, the blocks of the
    /// chunks that are partly in the set, and the spare blocks.
    pub fn heap_bytes(&self) -> usize {
        let blocks = self.chunks.iter().filter(|c| c.bits.is_some()).count() + self.spare.len();
        self.chunks.capacity() * size_of::<Chunk>()
            + self.spare.capacity() * size_of::<Block>()
            + blocks * size_of::<[u64; CHUNK_WORDS]>()
    }

    /// Pages in chunk `i` (the last one may be short).
    fn chunk_len(&self, i: usize) -> u32 {
        let start = (i as u64) << CHUNK_SHIFT;
        (self.pages - start).min(CHUNK_PAGES) as u32
    }

    /// Whether `page` is in the set. Panics if `page` is out of range.
    #[inline]
    pub fn contains(&self, page: u64) -> bool {
        assert!(page < self.pages, "page {page} out of range");
        let c = &self.chunks[(page >> CHUNK_SHIFT) as usize];
        match &c.bits {
            Some(bits) => {
                let off = page & (CHUNK_PAGES - 1);
                bits[(off / 64) as usize] >> (off % 64) & 1 == 1
            }
            None => c.free == 0,
        }
    }

    /// Adds `page`; `true` if it was not there. Panics if `page` is out of range.
    #[inline]
    pub fn insert(&mut self, page: u64) -> bool {
        assert!(page < self.pages, "page {page} out of range");
        let c = &mut self.chunks[(page >> CHUNK_SHIFT) as usize];
        let off = page & (CHUNK_PAGES - 1);
        let bit = 1u64 << (off % 64);
        let bits = match &mut c.bits {
            Some(bits) => bits,
            // Full: nothing to add.
            None if c.free == 0 => return false,
            None => new_block(&mut c.bits, &mut self.spare),
        };
        let w = &mut bits[(off / 64) as usize];
        // Branch-free on whether the page is new (a random write is either, unpredictably).
        let new = *w & bit == 0;
        *w |= bit;
        c.free -= new as u32;
        self.count += new as u64;
        if c.free == 0
            && let Some(b) = c.bits.take()
        {
            self.spare.push(b);
        }
        new
    }

    /// Adds every page: one slot write per chunk.
    pub fn fill(&mut self) {
        for c in &mut self.chunks {
            if let Some(b) = c.bits.take() {
                self.spare.push(b);
            }
            c.free = 0;
        }
        self.count = self.pages;
    }

    /// Empties the set (its blocks become spares) and returns how many pages it held.
    pub fn clear(&mut self) -> u64 {
        for i in 0..self.chunks.len() {
            let free = self.chunk_len(i);
            let c = &mut self.chunks[i];
            if let Some(b) = c.bits.take() {
                self.spare.push(b);
            }
            c.free = free;
        }
        std::mem::take(&mut self.count)
    }

    /// The first page ≥ `from` that is **not** in the set.
    pub fn next_absent(&self, from: u64) -> Option<u64> {
        let mut p = from;
        while p < self.pages {
            let i = (p >> CHUNK_SHIFT) as usize;
            let c = &self.chunks[i];
            let base = (i as u64) << CHUNK_SHIFT;
            match &c.bits {
                None if c.free != 0 => return Some(p),
                None => {}
                Some(bits) => {
                    let mut q = p - base;
                    while q < CHUNK_PAGES {
                        let w = !bits[(q / 64) as usize] >> (q % 64);
                        if w != 0 {
                            let found = base + q + w.trailing_zeros() as u64;
                            return (found < self.pages).then_some(found);
                        }
                        q = (q / 64 + 1) * 64;
                    }
                }
            }
            p = base + CHUNK_PAGES;
        }
        None
    }

    /// The pages in the set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.chunks.iter().enumerate().flat_map(move |(i, c)| {
            let base = (i as u64) << CHUNK_SHIFT;
            let whole = match (&c.bits, c.free) {
                (None, 0) => base..base + self.chunk_len(i) as u64,
                _ => 0..0,
            };
            let words = c.bits.as_deref().map_or(&[][..], |b| &b[..]);
            whole.chain(words.iter().enumerate().flat_map(move |(j, &w)| {
                let mut w = w;
                std::iter::from_fn(move || {
                    (w != 0).then(|| {
                        let b = w.trailing_zeros() as u64;
                        w &= w - 1;
                        base + j as u64 * 64 + b
                    })
                })
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Fill respects the short last chunk, clear empties, next_absent and iter agree, across
    /// chunk boundaries.
    #[test]
    fn helpers_across_chunks() {
        let n = 2 * CHUNK_PAGES + 130;
        let mut b = PageBitmap::new(n);
        b.fill();
        assert_eq!(b.count(), n);
        assert!(b.is_full());
        assert_eq!(b.iter().count() as u64, n);
        assert_eq!(b.next_absent(0), None);
        assert_eq!(b.clear(), n);
        assert_eq!(b.count(), 0);
        let edges = [
            0,
            1,
            63,
            64,
            CHUNK_PAGES - 1,
            CHUNK_PAGES,
            2 * CHUNK_PAGES + 129,
        ];
        for p in edges {
            assert!(b.insert(p));
            assert!(!b.insert(p), "second insert of {p} is not new");
        }
        assert_eq!(b.iter().collect::<Vec<_>>(), edges);
        assert_eq!(b.next_absent(0), Some(2));
        assert_eq!(b.next_absent(63), Some(65));
        assert_eq!(b.next_absent(CHUNK_PAGES - 1), Some(CHUNK_PAGES + 1));
        assert_eq!(b.next_absent(2 * CHUNK_PAGES + 129), None);
    }

    /// A chunk filled page by page gives its block back for the next chunk to use: memory
    /// follows the partly-filled chunks, and a set of 2^36 pages (the bound) costs its 32 MiB chunk table and nothing per
    /// page, whether empty or full.
    #[test]
    fn memory_follows_touched_chunks() {
        let mut b = PageBitmap::new(3 * CHUNK_PAGES);
        let table = b.heap_bytes();
        assert_eq!(table, 3 * 16, "16 bytes per chunk");
        for p in 0..CHUNK_PAGES - 1 {
            b.insert(p);
        }
        assert_eq!(
            b.heap_bytes(),
            table + 4096,
            "one partly-filled chunk, one block"
        );
        b.insert(CHUNK_PAGES - 1);
        let spare = b.heap_bytes();
        assert!(
            spare <= table + 4096 + 64,
            "a full chunk keeps no block of its own (one spare): {spare}"
        );
        b.insert(CHUNK_PAGES + 7);
        assert_eq!(
            b.heap_bytes(),
            spare,
            "the next chunk reuses the spare block"
        );
        assert!(b.contains(5) && !b.contains(CHUNK_PAGES) && b.contains(CHUNK_PAGES + 7));
        let mut big = PageBitmap::try_new(1 << 36).expect("32 MiB");
        assert_eq!(big.heap_bytes(), 32 << 20);
        big.fill();
        assert_eq!(big.count(), 1 << 36);
        assert_eq!(big.heap_bytes(), 32 << 20, "full costs nothing per page");
        assert!(!big.insert(1 << 35) && big.contains(12_345_678_901));
        assert_eq!(big.clear(), 1 << 36);
        assert!(big.insert(1 << 35));
        assert_eq!(
            big.heap_bytes(),
            (32 << 20) + 4096,
            "one block for one page"
        );
    }

    /// A chunk table too large to allocate is an error, not an abort.
    #[test]
    fn impossible_table_is_an_error() {
        assert!(PageBitmap::try_new(u64::MAX).is_err());
    }

    proptest! {
        /// Against a flat `Vec<bool>` replaying the same operations (inserts, runs of inserts
        /// that fill chunks, fills, clears) over several chunks: membership, count, insert's
        /// answer, next_absent and ascending iteration all agree — the chunked set behaves as
        /// the flat bitmap it replaces.
        #[test]
        fn agrees_with_a_flat_bitmap(
            pages in 1u64..(3 * CHUNK_PAGES + 100),
            ops in proptest::collection::vec((0u8..20, any::<u64>()), 1..200),
        ) {
            let mut b = PageBitmap::new(pages);
            let mut flat = vec![false; pages as usize];
            let mut count = 0u64;
            let set = |flat: &mut Vec<bool>, q: u64, count: &mut u64| {
                let new = !flat[q as usize];
                flat[q as usize] = true;
                *count += new as u64;
                new
            };
            for (op, x) in ops {
                let p = x % pages;
                match op {
                    0 => {
                        b.fill();
                        flat.fill(true);
                        count = pages;
                    }
                    1 => {
                        prop_assert_eq!(b.clear(), count);
                        flat.fill(false);
                        count = 0;
                    }
                    2..=4 => {
                        for q in p..pages.min(p + 40_000) {
                            prop_assert_eq!(b.insert(q), set(&mut flat, q, &mut count));
                        }
                    }
                    _ => prop_assert_eq!(b.insert(p), set(&mut flat, p, &mut count)),
                }
                prop_assert_eq!(b.count(), count);
                prop_assert_eq!(b.contains(p), flat[p as usize]);
                let absent = flat[p as usize..].iter().position(|&f| !f).map(|i| p + i as u64);
                prop_assert_eq!(b.next_absent(p), absent);
            }
            let want = (0..pages).filter(|&q| flat[q as usize]);
            prop_assert!(b.iter().eq(want));
            prop_assert_eq!(b.is_full(), count == pages);
        }
    }
}
