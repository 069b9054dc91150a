//! ns-3's departures from the RFCs, reproduced on demand (`[tcp] ns3_departures`, see
//! `tcp/ns3.rs` for the names). Every line cited is in ns-3.48-85-g140646449,
//! `src/internet/model/`. Off by default; each hook in the connection is one branch on the
//! configuration. All but `newreno-per-ack` (in `congestion/reno.rs`) and `cubic-segments`
//! act on SACK connections only, as ns-3's SACK recovery does:
//!
//! * **C, `no-growth-on-sack`**: an ACK that SACKs new data is ns-3's duplicate
//!   (`tcp-socket-base.cc:2108-2110`) and moves CA_OPEN to CA_DISORDER (`:1837-1846`), where
//!   cwnd does not grow (`:2271-2291`, `IncreaseWindow` only in CA_OPEN `:2361-2363`), even when
//!   it also advances SND.UNA; after a timeout (CA_LOSS, until SND.UNA passes RecoveryPoint)
//!   ns-3 grows on every ACK (`:2227-2231`).
//! * **A, `retx-lost-by-time`**: when an ACK SACKs new data, every un-SACKed retransmission
//!   below the highest SACKed octet sent before the newest newly SACKed segment is marked lost
//!   and no longer retransmitted (`tcp-tx-buffer.cc:867`, `MarkRetransmittedSegmentsLost`
//!   `:929-955`), so `NextSeg` rule 1, which tests "not retransmitted" (`:1014-1036`), sends it
//!   again and pipe no longer counts it (`BytesInFlight`, `:1097-1115`). netsim marks it in the
//!   scoreboard's RACK-lost ranges, which rule 1 already serves first.
//! * **3, `ssthresh-from-pipe`**: NewReno's reduction halves `BytesInFlight()` (pipe, with
//!   the head marked lost) on entering recovery (`tcp-socket-base.cc:1766-1790`) and on a
//!   timeout (`:4058`, `:4105`), not FlightSize.
//! * **B, `partial-ack-retransmit`**: a partial ACK in recovery sends one segment whatever pipe
//!   and cwnd say, unless the segment at the new SND.UNA was already retransmitted
//!   (`:2203-2208`, `IsRetransmittedDataAcked` `tcp-tx-buffer.cc:638-651`): `DoRetransmit`
//!   (`:4228-4259`) takes `NextSeg` without rule 3 — a lost, not retransmitted segment, else new
//!   data — and else the head again.
//! * **E, `sack-dupacks`**: ns-3 counts an ACK as a duplicate when it SACKs new data (whether or
//!   not it advances SND.UNA), resets the count only on an ACK that advances SND.UNA without new
//!   SACK information (`:2161-2164`) or on a timeout (`:4062`), and enters recovery at the third
//!   (`m_dupAckCount == 3`) or when `IsLost(HighACK + 1)` (`:1865-1932`); an RFC 5681
//!   duplicate without new SACK information does not count.
//! * **`no-rescue`**: no `NextSeg` rule 4 (`tcp-tx-buffer.cc:1078-1093`).
//! * **F, `send-by-pipe`**: ns-3 sends by cwnd − pipe in every state
//!   (`SendPendingData` `tcp-socket-base.cc:3509-3516`, `AvailableWindow` `:3679-3710`), so
//!   outside recovery each ACK that SACKs a segment releases a new one — Limited Transmit
//!   (RFC 3042, two segments) without its limit; RFC 5681 keeps FlightSize ≤ cwnd. Pipe there
//!   still counts the last recovery's retransmissions (ns-3's `m_retrans` outlives it).
//! * **`cubic-segments`**: `TcpCubic` in whole segments (`congestion/cubic/ns3.rs`).
//! * **`growth-on-recovery-exit`**: the ACK that ends recovery sets cwnd = ssthresh and then
//!   grows it by its whole segments, as in CA_OPEN (`tcp-socket-base.cc:2304-2363`).
//! * **`rxt-across-recoveries`**: a recovery that begins while the previous one's
//!   retransmissions are in flight keeps them retransmitted (ns-3's `m_retrans`,
//!   `tcp-tx-buffer.cc:1014-1036`), where RFC 6675 §5 (4.1) restarts HighRxt at HighACK.
//! * **`cwnd-limited`**: CUBIC grows cwnd only while the last data segment sent left less than
//!   one SMSS of cwnd unused (`m_isCwndLimited`, `tcp-socket-base.cc:3445`, `tcp-cubic.cc:193`;
//!   ns-3.42's reading of RFC 9438 §5.8, which netsim's RFC mode does not apply).

use std::collections::VecDeque;

use sim_core::SimTime;

use super::TcpConnection;
use super::scoreboard::DUP_THRESH;
use crate::tcp::Ns3Departures as D;
use crate::tcp::congestion::Cc;
use crate::tcp::{CcVariant, TcpConfig};
use crate::wire::{SeqNum, TcpRepr};

/// One segment of ns-3's sent list (`TcpTxItem`): what departures A and B look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Item {
    pub start: SeqNum,
    pub end: SeqNum,
    /// `m_lastSent`.
    pub last_sent: SimTime,
    /// `m_retrans`: retransmitted, and neither SACKed nor declared lost since.
    pub retrans: bool,
    pub sacked: bool,
}

/// The sender's ns-3 state (inside the SACK part of the connection).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Ns3Tx {
    /// The segments above SND.UNA (A and B).
    pub sent: VecDeque<Item>,
    /// `m_dupAckCount` (E).
    pub dupacks: u32,
    /// ns-3's CA_LOSS: after a timeout until SND.UNA reaches RecoveryPoint (C).
    pub loss: bool,
    /// B: send one segment outside pipe and cwnd at the next `poll_transmit`.
    pub force_one: bool,
    /// E: the cumulative ACK of the ACK that enters recovery before SND.UNA moves to it
    /// (ns-3 has discarded the acknowledged data by then, `tcp-socket-base.cc:1981`).
    pub entry_ack: Option<SeqNum>,
    /// HighRxt when the last recovery ended ("rxt-across-recoveries"; F's pipe outside
    /// recovery, `ns3_in_flight`).
    pub last_rxt: Option<SeqNum>,
}

/// The connection's controller, ns-3's NewReno growth ("newreno-per-ack") or CUBIC in whole
/// segments ("cubic-segments") when asked.
pub(super) fn new_cc(cfg: &TcpConfig) -> Cc {
    let mut cc = Cc::new(cfg.variant, cfg.ca_byte_counting, cfg.hystart);
    match &mut cc {
        Cc::Reno(r) => r.ns3_per_ack = cfg.ns3_departures.has(D::NEWRENO_PER_ACK),
        Cc::Cubic(c) if cfg.ns3_departures.has(D::CUBIC_SEGMENTS) => c.set_ns3_segments(),
        _ => {}
    }
    cc
}

impl TcpConnection {
    #[inline]
    fn ns3(&self, d: D) -> bool {
        self.cfg.ns3_departures.has(d)
    }

    /// A data segment `[start, end)` left (a retransmission when `rtx`): ns-3's sent list.
    #[inline(never)]
    pub(super) fn ns3_after_send(&mut self, now: SimTime, start: SeqNum, end: SeqNum, rtx: bool) {
        if !self.sack_ok || end <= start {
            return;
        }
        let una = self.snd_una;
        let in_recovery = self.recovery.in_recovery;
        let tx = &mut *self.sack_tx;
        if !in_recovery {
            tx.board.high_rxt = una; // see `ns3_on_sack_update`
        }
        let sent = &mut tx.ns3.sent;
        while sent.front().is_some_and(|i| i.end <= una) {
            sent.pop_front();
        }
        if !rtx {
            sent.push_back(Item {
                start,
                end,
                last_sent: now,
                retrans: false,
                sacked: false,
            });
            return;
        }
        let i = sent.partition_point(|s| s.end <= start);
        for s in sent.iter_mut().skip(i).take_while(|s| s.start < end) {
            s.last_sent = now;
            s.retrans = true;
        }
        // Resent: no longer "lost, not retransmitted" (ns-3 clears `m_lost` on SACK only, but
        // `NextSeg` skips retransmitted items, which is what the mark means here).
        tx.board.clear_rack_lost(start, end);
    }

    /// After the scoreboard took an ACK's blocks (cumulative ACK `ack`): A's marks and E's
    /// count and entry.
    #[inline(never)]
    pub(super) fn ns3_on_sack_update(&mut self, now: SimTime, ack: SeqNum) {
        if !self.recovery.in_recovery {
            // HighRxt means something only while recovering (it starts at zero, anywhere in
            // sequence space); F and 3 read pipe outside recovery, where nothing counts as
            // retransmitted in this recovery.
            self.sack_tx.board.high_rxt = self.snd_una;
        }
        let newly = self.sack_tx.newly_sacked > 0;
        if newly && self.ns3(D::RETX_LOST_BY_TIME) {
            self.ns3_mark_retransmissions_lost(ack);
        }
        if !self.ns3(D::SACK_DUPACKS) || self.recovery.in_recovery || self.sack_tx.ns3.loss {
            return; // no count in CA_RECOVERY, none in CA_LOSS (`DupAck`, `:1812-1825`)
        }
        if !newly {
            if ack > self.snd_una {
                self.sack_tx.ns3.dupacks = 0;
            }
            return;
        }
        let tx = &mut *self.sack_tx;
        tx.ns3.dupacks += 1;
        let lost = tx.board.is_lost(ack, self.smss);
        if (tx.ns3.dupacks == DUP_THRESH || lost) && ack >= self.recovery.recover {
            tx.ns3.entry_ack = Some(ack);
            self.sack_enter_recovery_now(now, ack);
            self.sack_tx.ns3.entry_ack = None;
        }
    }

    /// `MarkRetransmittedSegmentsLost` (A).
    fn ns3_mark_retransmissions_lost(&mut self, ack: SeqNum) {
        let tx = &mut *self.sack_tx;
        let sent = &mut tx.ns3.sent;
        while sent.front().is_some_and(|i| i.end <= ack) {
            sent.pop_front();
        }
        let mut newest: Option<SimTime> = None;
        for s in sent.iter_mut().filter(|s| !s.sacked) {
            if tx.board.is_sacked(s.start, s.end) {
                s.sacked = true;
                s.retrans = false;
                newest = Some(newest.map_or(s.last_sent, |n| n.max(s.last_sent)));
            }
        }
        let (Some(newest), Some(top)) = (newest, tx.board.highest_sacked()) else {
            return;
        };
        for s in sent.iter_mut().take_while(|s| s.start < top) {
            if s.retrans && !s.sacked && s.last_sent < newest {
                s.retrans = false;
                tx.board.mark_rack_lost(s.start, s.end);
            }
        }
    }

    /// `cwnd-limited`, after a data segment left: ns-3's `m_isCwndLimited = cWnd <
    /// BytesInFlight() + segmentSize` (`tcp-socket-base.cc:3445`). BytesInFlight is ns-3's pipe
    /// where `send-by-pipe` models it ([`Self::ns3_in_flight`]), else FlightSize (the two agree
    /// while nothing is SACKed, as in a first slow start).
    #[inline(never)]
    pub(super) fn ns3_note_cwnd_limited(&mut self) {
        if self.ns3(D::CWND_LIMITED) {
            let in_flight = self.ns3_in_flight(self.flight_size());
            self.ns3_cwnd_limited =
                u64::from(self.win.cwnd) < u64::from(in_flight) + u64::from(self.smss);
        }
    }

    /// `cwnd-limited`: whether CUBIC must not grow cwnd on this ACK because the flow was not
    /// cwnd-limited at its last send (`TcpCubic::IncreaseWindow`, `tcp-cubic.cc:193`).
    #[inline]
    pub(super) fn ns3_not_cwnd_limited(&self) -> bool {
        self.ns3(D::CWND_LIMITED) && !self.ns3_cwnd_limited && matches!(self.cc, Cc::Cubic(_))
    }

    /// C: whether this ACK of new data outside recovery must not grow cwnd. Also ends ns-3's
    /// CA_LOSS once SND.UNA reaches RecoveryPoint.
    #[inline(never)]
    pub(super) fn ns3_withhold_growth(&mut self, ack: SeqNum) -> bool {
        if !self.sack_ok {
            return false;
        }
        if self.sack_tx.ns3.loss {
            if ack >= self.recovery.recover {
                self.sack_tx.ns3.loss = false;
            }
            return false;
        }
        self.ns3(D::NO_GROWTH_ON_SACK) && self.sack_tx.newly_sacked > 0
    }

    /// A timeout: ns-3's CA_LOSS begins, the duplicate count resets and retransmitted items
    /// are all lost again (`SetSentListLost`, `tcp-tx-buffer.cc:1318-1345`).
    pub(super) fn ns3_on_rto(&mut self) {
        let tx = &mut *self.sack_tx;
        tx.ns3.loss = true;
        tx.ns3.dupacks = 0;
        tx.ns3.force_one = false;
        tx.ns3.last_rxt = None;
        for s in tx.ns3.sent.iter_mut() {
            s.retrans = false;
        }
    }

    /// 3: the bytes NewReno's reduction halves. `entry`: on entering recovery, where ns-3
    /// marks the head lost first (`MarkHeadAsLost`, `tcp-socket-base.cc:1766-1773`).
    pub(super) fn ns3_reduction_bytes(&self, flight: u32, entry: bool) -> u32 {
        let newreno = matches!(self.cfg.variant, CcVariant::NewReno | CcVariant::Reno);
        if !self.sack_ok || !newreno || !self.ns3(D::SSTHRESH_FROM_PIPE) {
            return flight;
        }
        let board = &self.sack_tx.board;
        let una = self.sack_tx.ns3.entry_ack.unwrap_or(self.snd_una);
        let mut pipe = board.pipe(una, self.snd_max, self.smss);
        if self.ns3(D::RETX_LOST_BY_TIME) {
            pipe -= self.ns3_pipe_correction().min(pipe);
        }
        if entry && !board.is_lost(una, self.smss) {
            let head = board
                .first_hole(una, self.snd_max)
                .map_or(0, |(s, e)| (e - s).max(0) as u64);
            pipe -= head.min(u64::from(self.smss)).min(pipe);
        }
        pipe.min(u64::from(u32::MAX)) as u32
    }

    /// A: a retransmission declared lost is not in flight any more (ns-3 clears `m_retrans`),
    /// though it lies below HighRxt: the bytes to take off RFC 6675's pipe.
    pub(super) fn ns3_pipe_correction(&self) -> u64 {
        self.ns3_pipe_correction_below(self.sack_tx.board.high_rxt)
    }

    /// [`Self::ns3_pipe_correction`] for the retransmissions below `high_rxt`.
    fn ns3_pipe_correction_below(&self, high_rxt: SeqNum) -> u64 {
        let board = &self.sack_tx.board;
        let rxt_end = if high_rxt > self.snd_max {
            self.snd_max
        } else {
            high_rxt
        };
        board
            .rack_lost_ranges()
            .iter()
            .map(|&(s, e)| {
                let s = if s < self.snd_una { self.snd_una } else { s };
                let e = if e > rxt_end { rxt_end } else { e };
                board.unsacked_in(s, e)
            })
            .sum()
    }

    /// B, on a partial ACK (SND.UNA already at `ack`): one segment goes out at the next
    /// `poll_transmit` whatever pipe says, unless the segment at `ack` was retransmitted.
    pub(super) fn ns3_on_partial_ack(&mut self, ack: SeqNum) {
        if !self.ns3(D::PARTIAL_ACK_RETRANSMIT) {
            return;
        }
        let end = ack + self.smss;
        let tx = &mut *self.sack_tx;
        let done = tx
            .ns3
            .sent
            .iter()
            .any(|s| s.end == end && !s.sacked && s.retrans);
        tx.ns3.force_one = !done;
    }

    /// B's segment (`DoRetransmit`), if one is due.
    #[inline(never)]
    pub(super) fn ns3_forced_segment(&mut self, now: SimTime) -> Option<(TcpRepr, u32)> {
        if !std::mem::take(&mut self.sack_tx.ns3.force_one) {
            return None;
        }
        if let Some((s, e)) = self.sack_tx.board.next_rtx(self.snd_una, self.smss, false) {
            return self.emit_hole(now, s, e);
        }
        if let Some(out) = self.emit_new_in_recovery(now) {
            return Some(out);
        }
        let (s, e) = (self.snd_una, self.snd_una + self.smss);
        let e = if e > self.snd_max { self.snd_max } else { e };
        self.emit_hole(now, s, e)
    }

    /// F: what new data outside recovery is measured against: pipe instead of SND.NXT −
    /// SND.UNA, except while go-back-N resends after a timeout (where ns-3's pipe, every
    /// segment marked lost, is what has been resent: SND.NXT − SND.UNA). ns-3's pipe
    /// (`TcpTxBuffer::BytesInFlight`, `tcp-tx-buffer.cc:1097-1115`) counts a segment while its
    /// `m_retrans` is set, and a recovery's end does not clear it (`:1014-1036`): the last
    /// recovery's retransmissions above SND.UNA stay in flight until SACKed, acknowledged or
    /// declared lost by A. So pipe here counts below that recovery's HighRxt; RFC 6675's HighRxt
    /// (reset to SND.UNA outside recovery) would drop them and release a burst of new data as
    /// large as the last recovery's outstanding retransmissions at its end.
    #[inline(never)]
    pub(super) fn ns3_in_flight(&self, flight: u32) -> u32 {
        if !self.sack_ok || !self.ns3(D::SEND_BY_PIPE) || self.snd_nxt < self.snd_max {
            return flight;
        }
        let pipe = match self.sack_tx.ns3.last_rxt {
            Some(r) if !self.recovery.in_recovery && r > self.snd_una => {
                let board = &self.sack_tx.board;
                let pipe = board.pipe_below(self.snd_una, self.snd_max, self.smss, r);
                if self.ns3(D::RETX_LOST_BY_TIME) {
                    pipe - self.ns3_pipe_correction_below(r).min(pipe)
                } else {
                    pipe
                }
            }
            _ => self.pipe(),
        };
        pipe.min(u64::from(flight)) as u32
    }

    /// `growth-on-recovery-exit`: the ACK that ended SACK recovery (cwnd = ssthresh already)
    /// grows cwnd by its whole acknowledged segments, as ns-3's `IncreaseWindow` in CA_OPEN
    /// after `cwnd = ssthresh` (`tcp-socket-base.cc:2304-2363`, segsAcked `:2312-2313`).
    #[inline(never)]
    pub(super) fn ns3_grow_on_recovery_exit(&mut self, now: SimTime, ack: SeqNum, acked: u32) {
        let acked = acked - acked % self.smss.max(1);
        if !self.ns3(D::GROWTH_ON_RECOVERY_EXIT) || acked == 0 || self.ns3_not_cwnd_limited() {
            return;
        }
        let sample = crate::tcp::congestion::AckSample {
            ack,
            acked,
            flight_size: self.flight_size(),
            rtt: None,
            srtt: self.rtt.srtt(),
            min_rtt: self.rtt.min_rtt(),
        };
        self.cc.on_ack(now, &mut self.win, &sample);
    }

    /// `rxt-across-recoveries`, at the end of recovery: remember how far it retransmitted.
    #[inline(never)]
    pub(super) fn ns3_on_recovery_exit(&mut self) {
        if self.ns3(D::RXT_ACROSS_RECOVERIES) || self.ns3(D::SEND_BY_PIPE) {
            self.sack_tx.ns3.last_rxt = Some(self.sack_tx.board.high_rxt);
        }
    }

    /// `rxt-across-recoveries`, on entering recovery (HighRxt just set to SND.UNA): the last
    /// recovery's retransmissions above SND.UNA still count as retransmitted — in flight for
    /// pipe, not resent by `NextSeg` rule 1 — as ns-3's per-segment `m_retrans` does; those
    /// A declared lost are in the RACK-lost ranges and go first. Returns whether it kept them;
    /// then the head's retransmission is in flight too and the entry sends what `NextSeg`
    /// gives instead of the head (ns-3's `DoRetransmit`, `tcp-socket-base.cc:4228-4259`, the
    /// head not being un-marked by `MarkHeadAsLost` as it is already lost, `:1766-1773`).
    #[inline(never)]
    pub(super) fn ns3_keep_rxt(&mut self) -> bool {
        let Some(r) = self.sack_tx.ns3.last_rxt.take() else {
            return false;
        };
        let keep = self.ns3(D::RXT_ACROSS_RECOVERIES) && r > self.snd_una && r <= self.snd_max;
        if keep {
            self.sack_tx.board.high_rxt = r;
        }
        keep && self.sack_tx.board.is_lost(self.snd_una, self.smss)
    }

    /// No `NextSeg` rule 4 under `no-rescue`.
    #[inline]
    pub(super) fn ns3_no_rescue(&self) -> bool {
        self.ns3(D::NO_RESCUE)
    }
}

#[cfg(test)]
#[path = "ns3_departures_tests.rs"]
mod tests;
