//! The receiver's out-of-order buffer: a sorted list of received sequence ranges above RCV.NXT.

use crate::wire::SeqNum;

/// Received but not yet deliverable ranges `[start, end)`, sorted, disjoint and non-adjacent.
/// Payload is virtual, so only the ranges are kept. The vector is reused for the whole
/// connection; it only grows when the number of holes does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assembler {
    ranges: Vec<(SeqNum, SeqNum)>,
}

impl Assembler {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The buffered ranges, lowest first.
    pub fn ranges(&self) -> &[(SeqNum, SeqNum)] {
        &self.ranges
    }

    /// Bytes buffered.
    pub fn buffered(&self) -> u64 {
        self.ranges.iter().map(|&(s, e)| (e - s) as u64).sum()
    }

    /// Adds `[start, end)`, merging with overlapping or touching ranges. Returns how many
    /// bytes were not buffered before.
    pub fn insert(&mut self, start: SeqNum, end: SeqNum) -> u64 {
        if end <= start {
            return 0;
        }
        // First range whose end reaches `start` (could merge), then absorb all that begin at or
        // before `end`.
        let i = self.ranges.partition_point(|&(_, e)| e < start);
        let mut j = i;
        let (mut s, mut e) = (start, end);
        let mut absorbed = 0u64;
        while j < self.ranges.len() && self.ranges[j].0 <= end {
            let (rs, re) = self.ranges[j];
            absorbed += (re - rs) as u64;
            if rs < s {
                s = rs;
            }
            if re > e {
                e = re;
            }
            j += 1;
        }
        if i == j {
            self.ranges.insert(i, (s, e));
        } else {
            self.ranges[i] = (s, e);
            self.ranges.drain(i + 1..j);
        }
        // The merged range is the union of the new one and the absorbed (disjoint) ones.
        (e - s) as u64 - absorbed
    }

    /// Drops everything below `seq`: ranges wholly below it go, one straddling it is cut.
    pub fn remove_below(&mut self, seq: SeqNum) {
        // Nothing below `seq` (the common case of a scoreboard whose lowest SACKed range
        // is above the new cumulative ACK, or an empty one): nothing to search.
        if self.ranges.first().is_none_or(|&(s, _)| s >= seq) {
            return;
        }
        let n = self.ranges.partition_point(|&(_, e)| e <= seq);
        self.ranges.drain(..n);
        if let Some(first) = self.ranges.first_mut()
            && first.0 < seq
        {
            first.0 = seq;
        }
    }

    /// The range containing `seq`, if any.
    pub fn range_containing(&self, seq: SeqNum) -> Option<(SeqNum, SeqNum)> {
        let i = self.ranges.partition_point(|&(_, e)| e <= seq);
        self.ranges.get(i).copied().filter(|&(s, _)| s <= seq)
    }

    /// Whether `[start, end)` is wholly buffered.
    pub fn covers(&self, start: SeqNum, end: SeqNum) -> bool {
        self.range_containing(start).is_some_and(|(_, e)| end <= e)
    }

    /// Removes and returns the end of the range that starts at or below `rcv_nxt` and reaches
    /// past it (the data that has just become contiguous), dropping ranges wholly below it.
    pub fn pop_contiguous(&mut self, rcv_nxt: SeqNum) -> Option<SeqNum> {
        let mut out = None;
        let mut n = 0;
        for &(s, e) in &self.ranges {
            if s > rcv_nxt {
                break;
            }
            n += 1;
            if e > rcv_nxt {
                out = Some(e);
            }
        }
        self.ranges.drain(..n);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(v: &[(u32, u32)]) -> Vec<(SeqNum, SeqNum)> {
        v.iter().map(|&(s, e)| (SeqNum(s), SeqNum(e))).collect()
    }

    /// Inserts keep the list sorted and merge overlapping and touching ranges.
    #[test]
    fn insert_merges() {
        let mut a = Assembler::new();
        a.insert(SeqNum(30), SeqNum(40));
        a.insert(SeqNum(10), SeqNum(20));
        a.insert(SeqNum(50), SeqNum(60));
        assert_eq!(a.ranges(), r(&[(10, 20), (30, 40), (50, 60)]), "sorted");
        a.insert(SeqNum(20), SeqNum(30));
        assert_eq!(a.ranges(), r(&[(10, 40), (50, 60)]), "touching merged");
        a.insert(SeqNum(5), SeqNum(70));
        assert_eq!(a.ranges(), r(&[(5, 70)]), "covering merged");
        assert_eq!(a.buffered(), 65, "byte count");
    }

    /// `insert` returns the bytes it added: all of a new range, none of a covered one, the
    /// uncovered part of one bridging several ranges — always the change of `buffered`.
    #[test]
    fn insert_counts_new_bytes() {
        let mut a = Assembler::new();
        assert_eq!(a.insert(SeqNum(30), SeqNum(40)), 10, "new range");
        assert_eq!(a.insert(SeqNum(32), SeqNum(38)), 0, "inside one");
        assert_eq!(a.insert(SeqNum(10), SeqNum(20)), 10, "disjoint");
        assert_eq!(a.insert(SeqNum(20), SeqNum(30)), 10, "touching both sides");
        assert_eq!(a.insert(SeqNum(50), SeqNum(60)), 10, "another");
        assert_eq!(
            a.insert(SeqNum(5), SeqNum(55)),
            15,
            "bridging: 5..10 and 40..50"
        );
        assert_eq!(a.insert(SeqNum(7), SeqNum(7)), 0, "empty");
        assert_eq!(a.buffered(), 55, "byte count");
        assert_eq!(a.ranges(), r(&[(5, 60)]), "one range");
        // Against `buffered` for every insert of a fixed pseudo-random sequence.
        let mut b = Assembler::new();
        let mut x = 12_345u32;
        for _ in 0..500 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let s = (x >> 8) % 1000;
            let len = (x >> 20) % 40;
            let before = b.buffered();
            let added = b.insert(SeqNum(s), SeqNum(s + len));
            assert_eq!(added, b.buffered() - before, "added bytes at {s}+{len}");
        }
    }

    /// `remove_below` drops and cuts; `range_containing` and `covers` find the range.
    #[test]
    fn remove_below_and_lookups() {
        let mut a = Assembler::new();
        a.insert(SeqNum(10), SeqNum(20));
        a.insert(SeqNum(30), SeqNum(40));
        assert_eq!(
            a.range_containing(SeqNum(35)),
            Some((SeqNum(30), SeqNum(40))),
            "in"
        );
        assert_eq!(a.range_containing(SeqNum(20)), None, "end is exclusive");
        assert!(a.covers(SeqNum(12), SeqNum(20)), "covered");
        assert!(!a.covers(SeqNum(12), SeqNum(21)), "not covered");
        a.remove_below(SeqNum(15));
        assert_eq!(a.ranges(), r(&[(15, 20), (30, 40)]), "cut");
        a.remove_below(SeqNum(30));
        assert_eq!(a.ranges(), r(&[(30, 40)]), "dropped");
        a.remove_below(SeqNum(25));
        assert_eq!(a.ranges(), r(&[(30, 40)]), "nothing below");
        a.remove_below(SeqNum(40));
        assert!(a.is_empty(), "the last range ends at the cut");
        a.remove_below(SeqNum(50));
        assert!(a.is_empty(), "empty stays empty");
    }

    /// Ranges that straddle the 2³² wrap sort and merge correctly.
    #[test]
    fn wraps() {
        let mut a = Assembler::new();
        let base = SeqNum(u32::MAX - 5);
        a.insert(base + 10, base + 20);
        a.insert(base + 2, base + 8);
        assert_eq!(a.ranges(), &[(base + 2, base + 8), (base + 10, base + 20)]);
        assert_eq!(a.pop_contiguous(base + 2), Some(base + 8), "first range");
        assert_eq!(a.pop_contiguous(base + 8), None, "hole at 8..10");
        assert_eq!(a.pop_contiguous(base + 12), Some(base + 20), "overlap");
        assert!(a.is_empty(), "drained");
    }
}
