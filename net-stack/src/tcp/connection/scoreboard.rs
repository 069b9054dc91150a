//! The sender's SACK scoreboard and the RFC 6675 §4 routines on it: `Update`, `IsLost`,
//! `SetPipe` and the hole choice of `NextSeg`.
//!
//! The scoreboard keeps only the SACKed ranges above SND.UNA (merged, sorted), in bytes. Every
//! octet in [SND.UNA, SND.MAX) that no range covers is a *hole* octet. Because `IsLost(s)`
//! depends only on what is SACKed above `s`, and that only shrinks as `s` grows, all hole
//! octets below one *loss boundary* are lost and none above it is: `lost_boundary` finds it in
//! one pass from the top, and pipe follows from it in bytes.

use crate::tcp::Assembler;
use crate::wire::{SackBlock, SeqNum};

/// RFC 6675 §2 DupThresh.
pub(crate) const DUP_THRESH: u32 = 3;

/// SACKed ranges above SND.UNA plus HighRxt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Scoreboard {
    sacked: Assembler,
    /// Ranges RACK (RFC 8985) marked lost and not retransmitted since.
    rack_lost: Assembler,
    /// HighRxt (RFC 6675 §2), exclusive: every octet below it was retransmitted in this
    /// recovery. Meaningful only while recovering.
    pub high_rxt: SeqNum,
}

/// What one ACK's SACK blocks did to the scoreboard.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SackUpdate {
    /// Bytes SACKed for the first time.
    pub newly_sacked: u32,
    /// The first block was a D-SACK (RFC 2883 §4: below the cumulative ACK, or inside the
    /// second block).
    pub dsack: Option<SackBlock>,
}

impl Scoreboard {
    /// RFC 6675 §4 `Update()`: records the blocks of an ACK whose cumulative ACK is `una`
    /// (already applied), clipped to [`una`, `snd_max`). A D-SACK block is reported, not
    /// recorded.
    pub fn update(&mut self, una: SeqNum, snd_max: SeqNum, blocks: &[SackBlock]) -> SackUpdate {
        self.sacked.remove_below(una);
        self.rack_lost.remove_below(una);
        let mut out = SackUpdate::default();
        let mut added = 0u64;
        for (i, &(l, r)) in blocks.iter().enumerate() {
            let dsack =
                i == 0 && (r <= una || blocks.get(1).is_some_and(|&(l2, r2)| l2 <= l && r <= r2));
            if dsack {
                out.dsack = Some((l, r));
                continue;
            }
            let (l, r) = (
                if l < una { una } else { l },
                if r > snd_max { snd_max } else { r },
            );
            added += self.sacked.insert(l, r);
        }
        out.newly_sacked = added as u32;
        out
    }

    /// Whether nothing is SACKed and nothing is RACK-lost: an ACK without blocks then
    /// changes nothing (see [`Scoreboard::update`]).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.sacked.is_empty() && self.rack_lost.is_empty()
    }

    /// RACK marked `[s, e)` lost.
    pub fn mark_rack_lost(&mut self, s: SeqNum, e: SeqNum) {
        self.rack_lost.insert(s, e);
    }

    /// `[s, e)` was retransmitted: no longer RACK-lost.
    pub fn clear_rack_lost(&mut self, s: SeqNum, e: SeqNum) {
        if self.rack_lost.is_empty() {
            return;
        }
        let kept: Vec<_> = self.rack_lost.ranges().to_vec();
        self.rack_lost = Assembler::new();
        for (a, b) in kept {
            if a < s {
                self.rack_lost.insert(a, if b < s { b } else { s });
            }
            if b > e {
                self.rack_lost.insert(if a > e { a } else { e }, b);
            }
        }
    }

    /// The ranges marked lost (by RACK, or by ns-3's departure A) and not resent since.
    pub fn rack_lost_ranges(&self) -> &[(SeqNum, SeqNum)] {
        self.rack_lost.ranges()
    }

    /// Forgets RACK's marks (after a timeout everything is resent anyway).
    pub fn clear_rack(&mut self) {
        self.rack_lost = Assembler::new();
    }

    /// Whether `[s, e)` is wholly SACKed.
    pub fn is_sacked(&self, s: SeqNum, e: SeqNum) -> bool {
        self.sacked.covers(s, e)
    }

    /// SACKed bytes above SND.UNA.
    pub fn sacked_bytes(&self) -> u64 {
        self.sacked.buffered()
    }

    /// The end of the highest SACKed range.
    pub fn highest_sacked(&self) -> Option<SeqNum> {
        self.sacked.ranges().last().map(|&(_, e)| e)
    }

    /// The SACKed range containing `seq`, if any.
    pub fn sacked_range(&self, seq: SeqNum) -> Option<(SeqNum, SeqNum)> {
        self.sacked.range_containing(seq)
    }

    /// RFC 6675 §4 `IsLost(seq)`: DupThresh discontiguous SACKed ranges above `seq`, or more
    /// than (DupThresh − 1)·SMSS SACKed bytes above it.
    pub fn is_lost(&self, seq: SeqNum, smss: u32) -> bool {
        self.lost_boundary(smss).is_some_and(|b| seq < b)
            || self.rack_lost.range_containing(seq).is_some()
    }

    /// The loss boundary: every hole octet below it is lost by `IsLost`, none at or above it.
    /// `None` when no octet is lost.
    pub fn lost_boundary(&self, smss: u32) -> Option<SeqNum> {
        let limit = u64::from((DUP_THRESH - 1) * smss);
        let mut bytes = 0u64;
        for (count, &(s, e)) in self.sacked.ranges().iter().rev().enumerate() {
            bytes += (e - s) as u64;
            if bytes > limit || count + 1 >= DUP_THRESH as usize {
                return Some(s);
            }
        }
        None
    }

    /// Bytes in [`a`, `b`) that no SACKed range covers.
    pub fn unsacked_in(&self, a: SeqNum, b: SeqNum) -> u64 {
        if b <= a {
            return 0;
        }
        let mut covered = 0u64;
        for &(s, e) in self.sacked.ranges() {
            let (s, e) = (if s < a { a } else { s }, if e > b { b } else { e });
            if s < e {
                covered += (e - s) as u64;
            }
        }
        (b - a) as u64 - covered
    }

    /// RFC 6675 §4 `SetPipe()` in bytes: each hole octet in [`una`, `snd_max`) counts once if
    /// not lost and once more if retransmitted (below HighRxt).
    pub fn pipe(&self, una: SeqNum, snd_max: SeqNum, smss: u32) -> u64 {
        self.pipe_below(una, snd_max, smss, self.high_rxt)
    }

    /// [`Self::pipe`] with `high_rxt` in place of HighRxt (ns-3's pipe outside recovery, where
    /// the last recovery's retransmissions still count: `ns3_departures.rs`).
    pub fn pipe_below(&self, una: SeqNum, snd_max: SeqNum, smss: u32, high_rxt: SeqNum) -> u64 {
        let boundary = self.lost_boundary(smss).unwrap_or(una);
        let boundary = if boundary < una { una } else { boundary };
        let mut not_lost = self.unsacked_in(boundary, snd_max);
        for &(s, e) in self.rack_lost.ranges() {
            let s = if s < boundary { boundary } else { s };
            not_lost -= self.unsacked_in(s, e).min(not_lost);
        }
        let rxt_end = if high_rxt > snd_max {
            snd_max
        } else {
            high_rxt
        };
        not_lost + self.unsacked_in(una, rxt_end)
    }

    /// The first hole octet at or above `from` and below `limit`, with the end of its hole
    /// (capped at `limit`).
    pub fn first_hole(&self, from: SeqNum, limit: SeqNum) -> Option<(SeqNum, SeqNum)> {
        let mut s = from;
        while s < limit {
            match self.sacked.range_containing(s) {
                Some((_, e)) => s = e,
                None => {
                    let next = self
                        .sacked
                        .ranges()
                        .iter()
                        .find(|&&(rs, _)| rs > s)
                        .map_or(limit, |&(rs, _)| rs);
                    return Some((s, if next > limit { limit } else { next }));
                }
            }
        }
        None
    }

    /// The highest range of unSACKed octets in [`una`, `snd_max`) (RFC 6675 §4 `NextSeg`
    /// rule 4 retransmits the end of it), or `None` when everything above `una` is SACKed.
    pub fn last_hole(&self, una: SeqNum, snd_max: SeqNum) -> Option<(SeqNum, SeqNum)> {
        let mut top = snd_max;
        for &(s, e) in self.sacked.ranges().iter().rev() {
            if e < top {
                return Some((if e < una { una } else { e }, top));
            }
            if s < top {
                top = s;
            }
        }
        (una < top).then_some((una, top))
    }

    /// RFC 6675 §4 `NextSeg()` rules 1 and 3 (retransmissions; rule 2, new data, is the
    /// caller's): the first hole octet above HighRxt and below the highest SACKed octet that
    /// `IsLost` (rule 1), else, when `rule3`, the first such octet at all; returns the segment
    /// [start, end) of at most `smss` bytes within its hole.
    pub fn next_rtx(&self, una: SeqNum, smss: u32, rule3: bool) -> Option<(SeqNum, SeqNum)> {
        // RACK's losses first, HighRxt or not: a lost retransmission is among them.
        if !rule3 {
            for &(s, e) in self.rack_lost.ranges() {
                let s = if s < una { una } else { s };
                if let Some((hs, he)) = self.first_hole(s, e) {
                    let end = if (he - hs) as u32 > smss {
                        hs + smss
                    } else {
                        he
                    };
                    return Some((hs, end));
                }
            }
        }
        let top = self.highest_sacked()?;
        let from = if self.high_rxt > una {
            self.high_rxt
        } else {
            una
        };
        let limit = if rule3 {
            top
        } else {
            self.lost_boundary(smss)?
        };
        let (s, e) = self.first_hole(from, limit)?;
        let end = if (e - s) as u32 > smss { s + smss } else { e };
        Some((s, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSS: u32 = 100;

    fn seg(i: u32) -> SeqNum {
        SeqNum(1000 + i * MSS)
    }

    /// Segments 0..10 sent; segment `i` is (1000 + 100·i, +100).
    fn board(sacked: &[u32]) -> Scoreboard {
        let mut b = Scoreboard::default();
        let blocks: Vec<_> = sacked.iter().map(|&i| (seg(i), seg(i + 1))).collect();
        for bl in blocks.chunks(4) {
            b.update(seg(0), seg(10), bl);
        }
        b
    }

    /// RFC 6675 §4 IsLost: a hole is lost with more than (DupThresh − 1)·SMSS bytes SACKed
    /// above it — three segments, not two — or DupThresh discontiguous ranges above it.
    #[test]
    fn is_lost_rules() {
        let b = board(&[1, 2]);
        assert!(
            !b.is_lost(seg(0), MSS),
            "two SACKed segments above: not lost"
        );
        let b = board(&[1, 2, 3]);
        assert!(
            b.is_lost(seg(0), MSS),
            "three segments (> 2·SMSS bytes) above: lost"
        );
        assert!(!b.is_lost(seg(4), MSS), "nothing SACKed above segment 4");
        let mut b = Scoreboard::default();
        // Three discontiguous ranges of 10 bytes each: 30 bytes ≤ 2·SMSS, but 3 ranges.
        b.update(seg(0), seg(10), &[(seg(2), seg(2) + 10)]);
        b.update(seg(0), seg(10), &[(seg(4), seg(4) + 10)]);
        assert!(!b.is_lost(seg(1), MSS), "two ranges above");
        b.update(seg(0), seg(10), &[(seg(6), seg(6) + 10)]);
        assert!(b.is_lost(seg(1), MSS), "three discontiguous ranges above");
        assert!(!b.is_lost(seg(3), MSS), "only two ranges above segment 3");
    }

    /// RFC 6675 §4 SetPipe: with 10 segments out, 0 and 5 lost and 1–4, 6–9 SACKed, holes 0
    /// and 5 are both lost (≥ 3 segments SACKed above each), so pipe is 0; retransmitting
    /// segment 0 (HighRxt = end of 0) adds it back once.
    #[test]
    fn pipe_counts_holes() {
        let mut b = board(&[1, 2, 3, 4, 6, 7, 8, 9]);
        assert_eq!(b.sacked_bytes(), 800, "eight SACKed");
        assert_eq!(b.pipe(seg(0), seg(10), MSS), 0, "both holes lost");
        b.high_rxt = seg(1);
        assert_eq!(
            b.pipe(seg(0), seg(10), MSS),
            100,
            "the retransmission is in flight"
        );
        // Segment 9 not SACKed: then hole 9 is not lost (nothing above it) and counts.
        let b = board(&[1, 2, 3, 4, 6, 7, 8]);
        assert_eq!(b.pipe(seg(0), seg(10), MSS), 100, "hole 9 in flight");
    }

    /// RFC 6675 §4 NextSeg rule 1: the first lost hole above HighRxt, one SMSS at a time;
    /// once HighRxt passes the last lost hole, rule 1 has nothing and rule 3 offers the first
    /// hole below the highest SACKed octet that is not yet lost.
    #[test]
    fn next_seg_rules() {
        let mut b = board(&[2, 3, 4, 6]);
        assert_eq!(
            b.next_rtx(seg(0), MSS, false),
            Some((seg(0), seg(1))),
            "hole 0"
        );
        b.high_rxt = seg(1);
        assert_eq!(
            b.next_rtx(seg(0), MSS, false),
            Some((seg(1), seg(2))),
            "hole 1"
        );
        b.high_rxt = seg(2);
        // Hole 5 has only one segment SACKed above it: not lost.
        assert_eq!(b.next_rtx(seg(0), MSS, false), None, "rule 1 exhausted");
        assert_eq!(
            b.next_rtx(seg(0), MSS, true),
            Some((seg(5), seg(6))),
            "rule 3"
        );
        b.high_rxt = seg(6);
        assert_eq!(b.next_rtx(seg(0), MSS, true), None, "nothing below the top");
    }

    /// The highest unSACKed range, for NextSeg rule 4: the tail above the highest SACKed
    /// octet, else the highest hole between SACKed ranges, clipped at SND.UNA.
    #[test]
    fn last_hole_is_the_highest_unsacked_range() {
        let b = board(&[2, 3, 4, 6]);
        assert_eq!(
            b.last_hole(seg(0), seg(10)),
            Some((seg(7), seg(10))),
            "the tail"
        );
        let b = board(&[2, 3, 4, 6, 7, 8, 9]);
        assert_eq!(
            b.last_hole(seg(0), seg(10)),
            Some((seg(5), seg(6))),
            "hole 5"
        );
        let b = board(&[1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(
            b.last_hole(seg(0), seg(10)),
            Some((seg(0), seg(1))),
            "the head"
        );
        assert_eq!(
            b.last_hole(seg(1), seg(10)),
            None,
            "all SACKed above SND.UNA"
        );
    }

    /// RFC 2883 §4: a first block below the cumulative ACK, or inside the second block, is a
    /// D-SACK: reported, not recorded; ordinary blocks are clipped to [una, snd_max).
    #[test]
    fn update_dsack_and_clip() {
        let mut b = Scoreboard::default();
        let u = b.update(seg(3), seg(10), &[(seg(1), seg(2)), (seg(5), seg(6))]);
        assert_eq!(u.dsack, Some((seg(1), seg(2))), "below the ACK");
        assert_eq!(
            (u.newly_sacked, b.sacked_bytes()),
            (100, 100),
            "second block recorded"
        );
        let u = b.update(seg(3), seg(10), &[(seg(5), seg(6)), (seg(5), seg(7))]);
        assert_eq!(u.dsack, Some((seg(5), seg(6))), "inside the second block");
        assert_eq!(u.newly_sacked, 100, "segment 6 new");
        let u = b.update(seg(3), seg(10), &[(seg(8), seg(12))]);
        assert_eq!(u.newly_sacked, 200, "clipped at SND.MAX");
        b.update(seg(6), seg(10), &[]);
        assert_eq!(b.sacked_bytes(), 300, "below the new ACK forgotten");
    }
}
