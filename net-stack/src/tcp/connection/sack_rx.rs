//! The receiver's side of SACK: which blocks an ACK carries (RFC 2018 §4) and the D-SACK
//! report of a duplicate segment (RFC 2883 §4).

use super::TcpConnection;
use crate::wire::{SackBlock, SackBlocks, SackOption, SeqNum, TcpFlags, TcpRepr};

/// How many recently received out-of-order segments are remembered to order the blocks.
const RECENT: usize = 8;

/// Receiver SACK state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SackRx {
    /// First sequence numbers of the latest out-of-order arrivals, most recent first: the
    /// block containing the newest comes first (RFC 2018 §4), then the blocks of the others.
    recent: Recent,
    /// A duplicate segment to report in the next ACK's first block (RFC 2883 §4).
    dsack: Option<SackBlock>,
    /// The blocks of the last segment emitted (for the network to store).
    pub sent: SackBlocks,
}

/// Up to [`RECENT`] distinct sequence numbers, most recent first, held inline (no heap
/// buffer to reach through on the receiver's every ACK).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Recent {
    seqs: [SeqNum; RECENT],
    len: u8,
}

impl Recent {
    fn as_slice(&self) -> &[SeqNum] {
        &self.seqs[..usize::from(self.len)]
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    /// Moves `start` to the front (inserting it if absent, the oldest dropping out when all
    /// [`RECENT`] places are taken).
    fn note(&mut self, start: SeqNum) {
        let n = usize::from(self.len);
        let shift = match self.as_slice().iter().position(|&s| s == start) {
            Some(i) => i,
            None if n < RECENT => {
                self.len += 1;
                n
            }
            None => RECENT - 1,
        };
        self.seqs.copy_within(..shift, 1);
        self.seqs[0] = start;
    }

    /// Keeps, in order, the entries `keep` accepts.
    fn retain(&mut self, mut keep: impl FnMut(SeqNum) -> bool) {
        let mut kept = 0;
        for i in 0..usize::from(self.len) {
            let s = self.seqs[i];
            if keep(s) {
                self.seqs[kept] = s;
                kept += 1;
            }
        }
        self.len = kept as u8;
    }
}

impl SackRx {
    /// Out-of-order data `[start, end)` was just buffered.
    pub fn note_out_of_order(&mut self, start: SeqNum) {
        self.recent.note(start);
    }

    /// `[start, end)` arrived again: report it once as a D-SACK (RFC 2883 §4 (1): the first
    /// block; the latest duplicate wins).
    pub fn note_duplicate(&mut self, start: SeqNum, end: SeqNum) {
        if start < end {
            self.dsack = Some((start, end));
        }
    }
}

impl TcpConnection {
    /// Data `[seq, seq + len)` arrived, `[start, end)` of it inside the window: a part below
    /// RCV.NXT, or an out-of-order part already buffered, is a duplicate (RFC 2883 §4);
    /// new out-of-order data is remembered for the block order (RFC 2018 §4). In-order data
    /// (the common case) has nothing to note, tested inline.
    #[inline]
    pub(super) fn sack_note_arrival(&mut self, seq: SeqNum, len: u32, start: SeqNum, end: SeqNum) {
        if seq < self.rcv_nxt || (end > start && start != self.rcv_nxt) {
            self.sack_note_unusual(seq, len, start, end);
        }
    }

    #[inline(never)]
    fn sack_note_unusual(&mut self, seq: SeqNum, len: u32, start: SeqNum, end: SeqNum) {
        if seq < self.rcv_nxt {
            let dup_end = if seq + len < self.rcv_nxt {
                seq + len
            } else {
                self.rcv_nxt
            };
            self.sack_rx.note_duplicate(seq, dup_end);
        }
        if end > start && start != self.rcv_nxt {
            if self.assembler.covers(start, end) {
                self.sack_rx.note_duplicate(start, end);
            } else {
                self.sack_rx.note_out_of_order(start);
            }
        }
    }

    /// Puts the SACK option on an outgoing ACK-bearing segment (not a SYN), keeping the blocks
    /// in `sack_rx.sent`: a pending D-SACK first (followed by the out-of-order block that holds
    /// it, RFC 2883 §4 (2)), then the block with the most recently received segment, then the
    /// other recently reported blocks, then any others, highest first — as many as fit (4, or
    /// 3 beside timestamps). No blocks when nothing is out of order and nothing duplicated.
    ///
    /// Nothing out of order and nothing duplicated (the common case) means no blocks, no
    /// recent arrival kept and nothing to search: that test is inline.
    #[inline]
    pub(crate) fn attach_sack(&mut self, repr: &mut TcpRepr) {
        if !repr.flags.contains(TcpFlags::ACK) || repr.flags.contains(TcpFlags::SYN) {
            return;
        }
        let rx = &mut *self.sack_rx;
        if rx.dsack.is_none() && self.assembler.is_empty() {
            if !rx.recent.is_empty() {
                rx.recent.clear();
            }
            rx.sent = SackBlocks::EMPTY;
            repr.options.sack = SackOption::NONE;
            return;
        }
        self.attach_sack_blocks(repr);
    }

    #[inline(never)]
    fn attach_sack_blocks(&mut self, repr: &mut TcpRepr) {
        let rx = &mut *self.sack_rx;
        let max = if self.ts_enabled { 3 } else { 4 };
        let mut out = SackBlocks::EMPTY;
        let asm = &self.assembler;
        let push = |out: &mut SackBlocks, b: SackBlock| {
            if out.len() < max && !out.as_slice().contains(&b) {
                out.push(b);
            }
        };
        if let Some((l, r)) = rx.dsack.take() {
            push(&mut out, (l, r));
            if let Some(b) = asm.range_containing(l).filter(|&(_, e)| r <= e) {
                push(&mut out, b);
            }
        }
        // The recent arrivals still buffered above RCV.NXT stay, and their blocks follow,
        // one lookup each.
        let rcv_nxt = self.rcv_nxt;
        rx.recent.retain(|s| {
            let block = if rcv_nxt < s {
                asm.range_containing(s)
            } else {
                None
            };
            if let Some(b) = block {
                push(&mut out, b);
            }
            block.is_some()
        });
        // Then the others, highest first, while there is room.
        for &b in asm.ranges().iter().rev() {
            if out.len() >= max {
                break;
            }
            push(&mut out, b);
        }
        rx.sent = out;
        repr.options.sack = SackOption::unresolved(out.len());
    }

    /// The SACK blocks of the last segment [`poll_transmit`](Self::poll_transmit) returned whose
    /// header announces blocks (`options.sack.block_count() > 0`), first block first. A network
    /// stores them and puts their key in the header; a test harness hands them to the peer's
    /// [`handle_segment_sack`](Self::handle_segment_sack).
    pub fn sent_sack(&self) -> &[SackBlock] {
        self.sack_rx.sent.as_slice()
    }
}

#[cfg(test)]
mod tests {
    use sim_core::SimTime;

    use super::super::fixture::established;
    use crate::tcp::TcpConfig;

    const MSS: u32 = 1448;

    fn ms(v: u64) -> SimTime {
        SimTime::from_ms(v)
    }

    fn sack_cfg() -> TcpConfig {
        TcpConfig {
            sack: true,
            ..TcpConfig::default()
        }
    }

    /// RFC 2018 §4: the first block holds the segment that triggered the ACK; the others
    /// repeat the most recently reported blocks, newest first; at most 4 blocks without
    /// timestamps. Peer segments 1, 3, 5, 7, 9 arrive (0, 2, 4, 6, 8 lost), then 4.
    #[test]
    fn blocks_in_receiver_order() {
        let mut fx = established(sack_cfg());
        assert!(fx.c.sack_ok(), "negotiated");
        let base = fx.peer_nxt;
        let p = |i: u32| base + i * MSS;
        let blk = |i: u32, j: u32| (p(i), p(j));
        let mut last = vec![];
        for i in [1, 3, 5, 7, 9] {
            fx.peer_data(ms(20 + u64::from(i)), i * MSS, MSS, 0);
            let out = fx.drain(ms(20 + u64::from(i)));
            assert_eq!(out.len(), 1, "an immediate ACK per out-of-order segment");
            assert_eq!(
                out[0].0.options.sack.block_count(),
                fx.c.sent_sack().len(),
                "count"
            );
            last = fx.c.sent_sack().to_vec();
            assert_eq!(
                last[0],
                blk(i, i + 1),
                "first block: the segment just received"
            );
        }
        assert_eq!(
            last,
            [blk(9, 10), blk(7, 8), blk(5, 6), blk(3, 4)],
            "most recent first, four blocks"
        );
        fx.peer_data(ms(40), 4 * MSS, MSS, 0);
        let _ = fx.drain(ms(40));
        assert_eq!(
            fx.c.sent_sack(),
            [blk(3, 6), blk(9, 10), blk(7, 8), blk(1, 2)],
            "the merged block of the new segment first, then the others by recency"
        );
    }

    /// Once the hole fills, the ACK carries no blocks (nothing is out of order, RFC 2018 §4),
    /// and the next out-of-order segment is reported alone, with no block of the filled hole.
    #[test]
    fn no_blocks_once_the_hole_fills() {
        let mut fx = established(sack_cfg());
        let base = fx.peer_nxt;
        let p = |i: u32| base + i * MSS;
        fx.peer_data(ms(20), MSS, MSS, 0);
        let _ = fx.drain(ms(20));
        assert_eq!(fx.c.sent_sack(), [(p(1), p(2))], "the out-of-order segment");
        fx.peer_data(ms(21), 0, MSS, 0);
        let out = fx.drain(ms(21));
        assert_eq!(out.len(), 1, "an immediate ACK for the filled hole");
        assert_eq!(out[0].0.options.sack.block_count(), 0, "no blocks");
        assert!(fx.c.sent_sack().is_empty(), "none kept");
        fx.peer_data(ms(22), 3 * MSS, MSS, 0);
        let _ = fx.drain(ms(22));
        assert_eq!(fx.c.sent_sack(), [(p(3), p(4))], "only the new block");
    }

    /// With timestamps the option carries at most three blocks (12 + 4 + 24 = 40 bytes).
    #[test]
    fn three_blocks_with_timestamps() {
        let mut fx = established(TcpConfig {
            timestamps: true,
            ..sack_cfg()
        });
        for i in [1, 3, 5, 7] {
            fx.peer_data(ms(20), i * MSS, MSS, 0);
        }
        let out = fx.drain(ms(20));
        let last = out.last().expect("ACK");
        assert_eq!(last.0.options.sack.block_count(), 3, "three blocks");
        assert_eq!(last.0.options.len(), 40, "the whole option space");
    }

    /// RFC 2883 §4: a duplicate below RCV.NXT is reported as the first block of the next ACK,
    /// once; a duplicate of buffered out-of-order data is followed by its containing block.
    #[test]
    fn dsack_generation() {
        let mut fx = established(sack_cfg());
        let base = fx.peer_nxt;
        let p = |i: u32| base + i * MSS;
        fx.peer_data(ms(20), 0, MSS, 0);
        let _ = fx.drain(ms(20));
        fx.peer_data(ms(21), 0, MSS, 0);
        let out = fx.drain(ms(21));
        assert_eq!(out.len(), 1, "ACK of the duplicate");
        assert_eq!(fx.c.sent_sack(), [(p(0), p(1))], "D-SACK below the ACK");
        fx.peer_data(ms(22), 2 * MSS, 2 * MSS, 0);
        let _ = fx.drain(ms(22));
        assert_eq!(fx.c.sent_sack(), [(p(2), p(4))], "D-SACK sent once");
        fx.peer_data(ms(23), 3 * MSS, MSS, 0);
        let _ = fx.drain(ms(23));
        assert_eq!(
            fx.c.sent_sack(),
            [(p(3), p(4)), (p(2), p(4))],
            "duplicate inside a block, then the block"
        );
        let mut plain = established(TcpConfig::default());
        plain.peer_data(ms(20), MSS, MSS, 0);
        let out = plain.drain(ms(20));
        assert_eq!(
            out[0].0.options.sack.block_count(),
            0,
            "no SACK unless negotiated"
        );
    }
}
