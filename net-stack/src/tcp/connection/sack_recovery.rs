//! SACK-based loss recovery (RFC 6675 §5) on top of the scoreboard (`scoreboard.rs`), with
//! PRR (`prr.rs`) as the optional sending rule. NewReno's recovery (`recovery.rs`) hands over
//! to these hooks when SACK was negotiated:
//!
//! * every ACK updates the scoreboard from its blocks (`sack_update`, before the duplicate /
//!   new-data split of `process_ack`);
//! * a duplicate ACK enters recovery at the DupThresh-th duplicate or as soon as
//!   `IsLost(HighACK + 1)` (§5 steps 2–4): RecoveryPoint = HighData, ssthresh from the
//!   controller, cwnd = ssthresh (or PRR), HighRxt = HighACK, and the first unacknowledged
//!   segment is retransmitted;
//! * while recovering, `poll_transmit` sends by `NextSeg` (rule 1: lost holes above HighRxt,
//!   rule 2: new data, rule 3: other holes below the highest SACKed octet, rule 4: one rescue
//!   retransmission of the highest unSACKed segment per recovery) while
//!   cwnd − pipe ≥ SMSS (or, with PRR, while pipe < cwnd = pipe + sndcnt);
//! * the ACK that covers RecoveryPoint ends recovery with cwnd = ssthresh.
//!
//! After a retransmission timeout (§5.1) the connection resends from SND.UNA as without SACK
//! (go-back-N, RecoveryPoint = HighData), skipping ranges the receiver has SACKed (as Linux's
//! `tcp_enter_loss` marks only un-SACKed data lost; RFC 2018 §8 allows keeping the
//! information since netsim's receivers never renege).

use sim_core::SimTime;

use super::TcpConnection;
use super::ns3_departures::Ns3Tx;
use super::prr::Prr;
use super::scoreboard::{DUP_THRESH, Scoreboard};
use crate::tcp::congestion::{CongestionEvent, CongestionKind, MAX_CWND};
use crate::tcp::{Ecn, Ns3Departures};
use crate::wire::{SackBlock, SackBlocks, SeqNum, TcpRepr};

/// Sender SACK state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SackTx {
    pub board: Scoreboard,
    /// The SACK blocks of the segment being processed.
    pub peer: SackBlocks,
    /// Bytes the segment being processed SACKed for the first time.
    pub newly_sacked: u32,
    pub prr: Prr,
    /// RescueRxt (RFC 6675 §2): RecoveryPoint of the recovery that sent the rescue
    /// retransmission of `NextSeg` rule 4, as a data offset (like `una_off`, so that it
    /// cannot wrap); `None` while undefined.
    pub rescue_rxt: Option<u64>,
    /// ns-3's departures, when `ns3_departures` asks for them (`ns3_departures.rs`).
    pub ns3: Ns3Tx,
    /// `keep_retransmissions`: the recovery just began with the head's retransmission in
    /// flight; the entry's one retransmission (RFC 6675 §5 (4.3)) is `NextSeg`'s first.
    pub entry_rtx: bool,
}

impl TcpConnection {
    /// [`handle_segment`](Self::handle_segment) for a segment whose header carried SACK
    /// blocks (RFC 2018 §3), first block first. Without negotiated SACK the blocks are ignored.
    pub fn handle_segment_sack(
        &mut self,
        now: SimTime,
        seg: &TcpRepr,
        payload_len: u32,
        ecn: Ecn,
        sack: &[SackBlock],
    ) {
        if !self.sack_ok {
            return self.handle_segment(now, seg, payload_len, ecn);
        }
        self.sack_tx.peer = SackBlocks::from_slice(sack);
        self.handle_segment(now, seg, payload_len, ecn);
        self.sack_tx.peer = SackBlocks::EMPTY;
    }

    /// Whether SACK was negotiated (both SYNs carried SACK-permitted, RFC 2018 §2).
    pub fn sack_ok(&self) -> bool {
        self.sack_ok
    }

    /// Bytes the peer has SACKed above SND.UNA.
    pub fn sacked_bytes(&self) -> u64 {
        self.sack_tx.board.sacked_bytes()
    }

    /// RFC 6675 §4 `Update()` with the blocks of the ACK being processed, whose cumulative
    /// ACK is `ack` and whose timestamp echo is `tsecr` (when timestamps are on). Most ACKs carry no blocks while nothing is SACKed: for them (without
    /// RACK) there is nothing to do beyond `newly_sacked = 0`, and that test is inline.
    #[inline]
    pub(super) fn sack_update(&mut self, now: SimTime, ack: SeqNum, tsecr: Option<u32>) {
        let tx = &mut *self.sack_tx;
        if tx.peer.is_empty()
            && tx.board.is_empty()
            && !self.cfg.rack_tlp
            && !self.cfg.ns3_departures.any()
        {
            tx.newly_sacked = 0;
            return;
        }
        self.sack_update_board(now, ack, tsecr);
    }

    #[inline(never)]
    fn sack_update_board(&mut self, now: SimTime, ack: SeqNum, tsecr: Option<u32>) {
        let tx = &mut *self.sack_tx;
        let upd = tx.board.update(ack, self.snd_max, tx.peer.as_slice());
        tx.newly_sacked = upd.newly_sacked;
        if upd.dsack.is_some() {
            self.stats.dsacks_received += 1;
        }
        if self.cfg.rack_tlp {
            let dsack = upd.dsack.is_some();
            self.tlp_on_ack(now, ack, dsack);
            // RFC 8985 §6.2: a RACK loss starts recovery like DupThresh duplicates do.
            if self.rack_on_ack(now, ack, dsack, tsecr) && !self.recovery.in_recovery {
                self.sack_enter_recovery_now(now, ack);
            }
        }
        if self.cfg.ns3_departures.any() {
            self.ns3_on_sack_update(now, ack);
        }
    }

    /// Enters recovery on a loss RACK found, unless an earlier timeout's RecoveryPoint is
    /// not yet reached (RFC 6675 §5.1).
    pub(super) fn sack_enter_recovery_now(&mut self, now: SimTime, ack: SeqNum) {
        if ack >= self.recovery.recover && ack < self.snd_max {
            self.enter_sack_recovery(now);
        }
    }

    /// A retransmission timeout with SACK (RFC 6675 §5.1): RACK's marks and the TLP episode
    /// end; the scoreboard's SACKed ranges stay, so go-back-N skips them.
    #[inline(never)]
    pub(super) fn sack_on_rto(&mut self) {
        self.sack_tx.board.clear_rack();
        self.sack_tx.ns3.last_rxt = None; // go-back-N: nothing counts as retransmitted
        self.sack_tx.entry_rtx = false;
        self.rack.tlp = None;
        self.rack.probe_pending = false;
        self.rack.reorder_timer = false;
        self.timers[super::Timer::Rack as usize] = None;
        for s in self.rack.log.iter_mut() {
            s.lost = false;
        }
        if self.cfg.ns3_departures.any() {
            self.ns3_on_rto();
        }
    }

    /// A duplicate ACK with SACK (RFC 6675 §5 steps 1–4).
    #[inline(never)]
    pub(super) fn sack_duplicate_ack(&mut self, now: SimTime, ack: SeqNum) {
        if self.recovery.in_recovery {
            let delivered = u64::from(self.sack_tx.newly_sacked);
            self.prr_on_ack(delivered);
            return;
        }
        if self.cfg.ns3_departures.has(Ns3Departures::SACK_DUPACKS) {
            return; // ns-3 counts and enters in `ns3_on_sack_update`
        }
        let lost = self.sack_tx.board.is_lost(self.snd_una, self.smss);
        if (self.dup_acks >= DUP_THRESH || lost) && ack >= self.recovery.recover {
            self.enter_sack_recovery(now);
        }
    }

    /// `keep_retransmissions`, on entering recovery (HighRxt just set to SND.UNA): the last
    /// recovery retransmitted up to `last_rxt`; what of that is above SND.UNA, unSACKed and not
    /// marked lost by RACK is still in flight, so HighRxt stays at `last_rxt` — pipe counts
    /// those retransmissions and `NextSeg` rule 1 does not resend them — and the entry sends
    /// what `NextSeg` gives (RACK's losses first) rather than the head, whose retransmission
    /// is in flight too. As Linux, where `TCPCB_SACKED_RETRANS` survives a new cwnd reduction
    /// and only RACK (`tcp_rack_mark_lost`) clears it; RFC 6675 §5 (4.1) sets HighRxt =
    /// HighACK and resends them. Needs RACK (`rack_tlp`): a kept retransmission that is lost
    /// again is found by time. Returns whether it kept any.
    #[inline(never)]
    fn keep_retransmissions(&mut self, last_rxt: Option<SeqNum>) -> bool {
        self.sack_tx.ns3.last_rxt = None;
        let Some(r) = last_rxt else {
            return false;
        };
        if !self.cfg.rack_tlp || r <= self.snd_una || r > self.snd_max {
            return false;
        }
        self.sack_tx.board.high_rxt = r;
        true
    }

    /// RFC 6675 §5 step 4.
    fn enter_sack_recovery(&mut self, now: SimTime) {
        let before = (self.win.cwnd, self.win.ssthresh);
        let mut flight = reduction_flight(self.flight_size(), self.win.cwnd);
        self.sack_tx.board.high_rxt = self.snd_una;
        let last_rxt = self.sack_tx.ns3.last_rxt;
        let mut kept = false;
        if self.cfg.ns3_departures.any() {
            kept = self.ns3_keep_rxt();
            flight = self.ns3_reduction_bytes(flight, true);
            self.sack_tx.ns3.dupacks = 0;
        }
        if self.cfg.keep_retransmissions
            && !self
                .cfg
                .ns3_departures
                .has(Ns3Departures::RXT_ACROSS_RECOVERIES)
        {
            kept = self.keep_retransmissions(last_rxt);
        }
        let r = &mut self.recovery;
        r.in_recovery = true;
        r.recover = self.snd_max;
        r.first_partial = false;
        let ev = CongestionEvent {
            kind: CongestionKind::DuplicateAcks,
            flight_size: flight,
        };
        self.cc.on_congestion_event(now, &mut self.win, &ev);
        if self.cfg.prr {
            self.sack_tx.prr = Prr::start(u64::from(flight));
            let delivered = u64::from(self.sack_tx.newly_sacked);
            self.prr_on_ack(delivered);
        } else {
            self.win.cwnd = self.win.ssthresh;
        }
        self.stats.fast_retransmits += 1;
        self.stats.sack_recoveries += 1;
        self.rack.recoveries_since_dsack += 1;
        if self.rack.recoveries_since_dsack >= 16 {
            // RFC 8985 §6.2 step 4: reo_wnd_mult returns to 1 after 16 recoveries.
            self.rack.reo_wnd_mult = 1;
        }
        // ns-3 and `keep_retransmissions`: the head's retransmission is still in flight.
        self.rtx_pending = !kept;
        self.sack_tx.entry_rtx = kept && self.cfg.keep_retransmissions;
        self.note_sack_window_change(before);
    }

    /// An ACK of new data while recovering with SACK. Returns whether to restart the RTO
    /// (always: RFC 6298 §5.3; RFC 6675 keeps no "impatient" rule).
    #[inline(never)]
    pub(super) fn sack_new_ack(&mut self, now: SimTime, ack: SeqNum, acked: u32) -> bool {
        let before = (self.win.cwnd, self.win.ssthresh);
        if ack >= self.recovery.recover {
            // Recovery ends (RFC 6675 §5 step (C)'s exit; RFC 6937: cwnd = ssthresh).
            self.recovery.in_recovery = false;
            self.win.cwnd = self.win.ssthresh;
            self.cc.on_recovery_end(now, &mut self.win);
            if self.cfg.keep_retransmissions {
                self.sack_tx.ns3.last_rxt = Some(self.sack_tx.board.high_rxt);
            }
            if self.cfg.ns3_departures.any() {
                self.ns3_on_recovery_exit();
                self.ns3_grow_on_recovery_exit(now, ack, acked);
            }
        } else {
            if self.cfg.ns3_departures.any() && !self.rtx_pending {
                self.ns3_on_partial_ack(ack);
            }
            if self.cfg.prr {
                let delivered = u64::from(acked) + u64::from(self.sack_tx.newly_sacked);
                self.prr_on_ack(delivered);
            }
        }
        self.note_sack_window_change(before);
        true
    }

    /// PRR's cwnd for this ACK: pipe + sndcnt (RFC 6937 §3, as Linux sets it).
    fn prr_on_ack(&mut self, delivered: u64) {
        if !self.cfg.prr {
            return;
        }
        let before = (self.win.cwnd, self.win.ssthresh);
        let pipe = self.pipe();
        let sndcnt = self.sack_tx.prr.on_ack(
            delivered,
            pipe,
            u64::from(self.win.ssthresh),
            u64::from(self.smss),
        );
        self.win.cwnd = (pipe + sndcnt).min(u64::from(MAX_CWND)) as u32;
        self.note_sack_window_change(before);
    }

    /// RFC 6675 §4 `SetPipe()` (bytes).
    pub(crate) fn pipe(&self) -> u64 {
        let pipe = self
            .sack_tx
            .board
            .pipe(self.snd_una, self.snd_max, self.smss);
        if self
            .cfg
            .ns3_departures
            .has(Ns3Departures::RETX_LOST_BY_TIME)
        {
            return pipe - self.ns3_pipe_correction().min(pipe);
        }
        pipe
    }

    /// A retransmission of `[seq, seq + len)` left: HighRxt and PRR's prr_out follow it.
    #[inline(never)]
    pub(super) fn note_sack_retransmit(&mut self, seq: SeqNum, len: u32) {
        let end = seq + len;
        let tx = &mut *self.sack_tx;
        if end > tx.board.high_rxt {
            tx.board.high_rxt = end;
        }
        tx.prr.out += u64::from(len);
        self.stats.sack_retransmissions += 1;
    }

    /// The next segment while recovering with SACK (RFC 6675 §5 step (C)), if the window
    /// allows one.
    #[inline(never)]
    pub(super) fn sack_emit(&mut self, now: SimTime) -> Option<(TcpRepr, u32)> {
        if self.cfg.ns3_departures.any()
            && let Some(out) = self.ns3_forced_segment(now)
        {
            return Some(out);
        }
        if self.sack_tx.entry_rtx {
            // The entry's retransmission (RFC 6675 §5 (4.3)), cwnd or not, as for the head.
            self.sack_tx.entry_rtx = false;
            if let Some((s, e)) = self.sack_tx.board.next_rtx(self.snd_una, self.smss, false) {
                return self.emit_hole(now, s, e);
            }
        }
        let pipe = self.pipe();
        let cwnd = u64::from(self.win.cwnd);
        let smss = u64::from(self.smss);
        let room = if self.cfg.prr {
            pipe < cwnd
        } else {
            cwnd >= pipe + smss
        };
        if !room {
            return None;
        }
        let board = &self.sack_tx.board;
        if let Some((s, e)) = board.next_rtx(self.snd_una, self.smss, false) {
            return self.emit_hole(now, s, e);
        }
        if let Some(out) = self.emit_new_in_recovery(now) {
            return Some(out);
        }
        if let Some((s, e)) = self.sack_tx.board.next_rtx(self.snd_una, self.smss, true) {
            return self.emit_hole(now, s, e);
        }
        if self.ns3_no_rescue() {
            return None;
        }
        self.emit_rescue(now)
    }

    /// RFC 6675 §4 `NextSeg` rule 4: when rules 1–3 find nothing but unSACKed data is
    /// outstanding, one "rescue" retransmission per entry into recovery — if HighACK >
    /// RescueRxt or RescueRxt is undefined — of up to SMSS octets ending at the highest
    /// unSACKed octet; RescueRxt = RecoveryPoint, and HighRxt is not updated (§5 (C.3)).
    fn emit_rescue(&mut self, now: SimTime) -> Option<(TcpRepr, u32)> {
        let tx = &self.sack_tx;
        if tx.rescue_rxt.is_some_and(|r| self.una_off <= r) {
            return None;
        }
        let (s, e) = tx.board.last_hole(self.snd_una, self.snd_max)?;
        let data_end = self.data_end();
        let data_top = if e > data_end { data_end } else { e };
        let s = if data_top - s > self.smss as i32 {
            data_top - self.smss
        } else {
            s
        };
        let high_rxt = self.sack_tx.board.high_rxt;
        let out = self.emit_hole(now, s, e)?;
        let tx = &mut *self.sack_tx;
        tx.board.high_rxt = high_rxt;
        tx.rescue_rxt = Some(self.una_off + (self.recovery.recover - self.snd_una).max(0) as u64);
        self.stats.sack_rescues += 1;
        Some(out)
    }

    /// Retransmits the hole segment `[s, e)` (the FIN with it if the hole reaches it).
    pub(super) fn emit_hole(
        &mut self,
        now: SimTime,
        s: SeqNum,
        e: SeqNum,
    ) -> Option<(TcpRepr, u32)> {
        let data_end = self.data_end();
        let fin_sent = self.fin_queued && self.snd_max == data_end + 1;
        let data_stop = if e > data_end { data_end } else { e };
        let payload = (data_stop - s).max(0) as u32;
        let fin = fin_sent && e > data_end;
        if payload == 0 && !fin {
            return None;
        }
        self.note_sack_retransmit(s, payload + u32::from(fin));
        Some(self.emit_data(now, s, payload, fin))
    }

    /// NextSeg rule 2: new data within the peer's window (not cwnd: pipe decides).
    pub(super) fn emit_new_in_recovery(&mut self, now: SimTime) -> Option<(TcpRepr, u32)> {
        let data_end = self.data_end();
        if self.snd_nxt < self.snd_max || self.snd_nxt >= data_end + u32::from(self.fin_queued) {
            return None;
        }
        let avail = (data_end - self.snd_nxt).max(0) as u32;
        let want = avail.min(self.smss);
        let wnd_left = (self.snd_una + self.snd_wnd - self.snd_nxt).max(0) as u32;
        let payload = want.min(wnd_left);
        if payload < want {
            return None;
        }
        let fin = self.fin_queued && self.snd_nxt + payload == data_end;
        if payload == 0 && !fin {
            return None;
        }
        let seq = self.snd_nxt;
        self.snd_nxt = seq + payload + u32::from(fin);
        self.sack_tx.prr.out += u64::from(payload);
        Some(self.emit_data(now, seq, payload, fin))
    }

    /// Go-back-N after a timeout skips what the receiver has SACKed. Only SND.NXT below
    /// SND.MAX (a resend) with something SACKed can skip: that test is inline, since almost
    /// every call sends new data.
    #[inline]
    pub(super) fn skip_sacked(&mut self) {
        if self.snd_nxt < self.snd_max && !self.sack_tx.board.is_empty() {
            self.skip_sacked_ranges();
        }
    }

    #[inline(never)]
    fn skip_sacked_ranges(&mut self) {
        while self.snd_nxt < self.snd_max {
            match self.sack_tx.board.sacked_range(self.snd_nxt) {
                Some((_, e)) => self.snd_nxt = e,
                None => break,
            }
        }
    }

    fn note_sack_window_change(&mut self, before: (u32, u32)) {
        if before != (self.win.cwnd, self.win.ssthresh) {
            self.stats.cc_changes += 1;
            self.stats.max_cwnd_bytes = self.stats.max_cwnd_bytes.max(self.win.cwnd);
        }
    }
}

/// The FlightSize a SACK recovery's reduction starts from: SND.MAX − SND.UNA, but never more
/// than cwnd. Outside recovery the two agree (a cwnd-limited sender cannot have more in
/// flight), but a loss found on the ACK that ends a recovery (RACK, RFC 8985 §6.2) meets a
/// FlightSize that still counts everything SACKed while the head hole stayed open: with a
/// 4 MiB buffer it reached 2.9 MB on a 130-packet path and the "reduction" raised cwnd from
/// 214 to 1401 segments. RFC 9438 §4.6 asks that a reduction never start from a window
/// larger than what is really in flight, and Linux reduces from cwnd (`tcp_cubic.c`,
/// `tcp_reno_ssthresh`).
pub(super) fn reduction_flight(flight_size: u32, cwnd: u32) -> u32 {
    flight_size.min(cwnd)
}

#[cfg(test)]
mod tests {
    use sim_core::SimTime;

    use super::super::fixture::{Fx, established};
    use crate::tcp::{Ecn, TcpConfig};

    const MSS: u32 = 1448;

    fn ms(v: u64) -> SimTime {
        SimTime::from_ms(v)
    }

    /// The peer's duplicate ACK of data offset 0 SACKing segments `lo..=hi`.
    fn sack_dup(fx: &mut Fx, now: SimTime, lo: u32, hi: u32) -> Vec<(u32, u32)> {
        let seg = fx.peer_seg(0);
        let block = (fx.seq(lo * MSS), fx.seq((hi + 1) * MSS));
        fx.c.handle_segment_sack(now, &seg, 0, Ecn::NotEct, &[block]);
        fx.drain_offsets(now)
    }

    /// RFC 6675 §4 `NextSeg` rule 4. All ten segments of a write are sent; 0 and 9 are lost.
    /// SACKs for 1–3 start recovery (segment 0 resent, cwnd = ssthresh = 5 segments). When
    /// SACK 6 arrives pipe is 4 segments (the retransmission and holes 7–9): rule 1 finds no
    /// lost hole above HighRxt (nothing is SACKed above 7–9), rule 2 no new data, rule 3 no
    /// hole below the highest SACKed octet — so the rescue retransmission sends the highest
    /// unSACKed segment, 9, without moving HighRxt. Only one per recovery: later ACKs,
    /// including the partial ACK of segment 0's retransmission (HighACK = 9 ≤ RescueRxt =
    /// RecoveryPoint = 10), send nothing, and the rescue's ACK ends recovery with no RTO.
    #[test]
    fn next_seg_rule_4_rescue_retransmission() {
        let mut fx = established(TcpConfig {
            sack: true,
            ..TcpConfig::default()
        });
        fx.c.write(10 * u64::from(MSS));
        assert_eq!(
            fx.drain(ms(10)).len(),
            10,
            "the whole write in the initial window"
        );
        assert!(sack_dup(&mut fx, ms(20), 1, 1).is_empty(), "dupack 1");
        assert!(sack_dup(&mut fx, ms(20), 1, 2).is_empty(), "dupack 2");
        assert_eq!(
            sack_dup(&mut fx, ms(20), 1, 3),
            [(0, MSS)],
            "fast retransmit of 0"
        );
        assert!(fx.c.recovery.in_recovery);
        assert_eq!(fx.c.cwnd(), 5 * MSS, "cwnd = ssthresh = FlightSize/2");
        assert!(sack_dup(&mut fx, ms(20), 1, 4).is_empty(), "pipe 6 > cwnd");
        assert!(sack_dup(&mut fx, ms(20), 1, 5).is_empty(), "pipe 5 = cwnd");
        let high_rxt = fx.c.sack_tx.board.high_rxt;
        assert_eq!(high_rxt, fx.seq(MSS), "HighRxt after segment 0");
        assert_eq!(
            sack_dup(&mut fx, ms(20), 1, 6),
            [(9 * MSS, MSS)],
            "rule 4: the highest unSACKed segment"
        );
        assert_eq!(fx.c.sack_tx.board.high_rxt, high_rxt, "HighRxt not updated");
        assert_eq!(fx.c.stats().sack_rescues, 1);
        assert!(
            sack_dup(&mut fx, ms(21), 1, 7).is_empty(),
            "one rescue per recovery"
        );
        assert!(sack_dup(&mut fx, ms(21), 1, 8).is_empty(), "still one");
        // Segment 0's retransmission arrives: partial ACK up to 9 (1–8 were SACKed).
        fx.ack(ms(30), 9 * MSS);
        assert!(
            fx.drain_offsets(ms(30)).is_empty(),
            "HighACK 9 ≤ RescueRxt 10: no rescue"
        );
        assert!(fx.c.recovery.in_recovery, "partial ACK");
        fx.ack(ms(31), 10 * MSS);
        assert!(!fx.c.recovery.in_recovery, "the rescue's ACK ends recovery");
        let st = fx.c.stats();
        assert_eq!((st.timeouts, st.sack_retransmissions), (0, 2), "no RTO");
    }

    /// RFC 6937 §3 in bytes, in the connection (RFC 6937's example: RecoverFS = 20 segments,
    /// ssthresh = 10 by Reno's halving, one loss). Twenty segments out, segment 0 lost, each
    /// ACK SACKs one more. The third duplicate (SACK 1–3) enters recovery: DeliveredData =
    /// 1448, sndcnt = ⌈1448·10/20⌉ − 0 = 724 > 0 and the fast retransmit goes out. From then
    /// on, while pipe > ssthresh, sndcnt = ⌈prr_delivered·ssthresh/RecoverFS⌉ − prr_out is
    /// 0 and 724 bytes on alternate ACKs, and a positive quota sends one segment: one new
    /// segment per two delivered (k = 5, 7, …, 13). At SACK 1–15 pipe = ssthresh (SSRB: 0),
    /// then PRR-SSRB refills to ssthresh, one segment per delivered segment (k = 16–19).
    /// netsim departs from a byte-literal reading only in rounding: a quota of 724 bytes
    /// sends a whole segment (as Linux, which counts segments and rounds up); RFC 6675's
    /// "cwnd − pipe ≥ SMSS" would send the same segments one ACK later.
    #[test]
    fn prr_rfc_example_in_bytes() {
        let mut fx = established(TcpConfig {
            sack: true,
            prr: true,
            initial_cwnd: 20,
            ..TcpConfig::default()
        });
        fx.c.write(60 * u64::from(MSS));
        assert_eq!(fx.drain(ms(10)).len(), 20, "RecoverFS = 20 segments");
        assert!(sack_dup(&mut fx, ms(20), 1, 1).is_empty());
        assert!(sack_dup(&mut fx, ms(20), 1, 2).is_empty());
        assert_eq!(
            sack_dup(&mut fx, ms(20), 1, 3),
            [(0, MSS)],
            "fast retransmit"
        );
        let ssthresh = u64::from(10 * MSS);
        assert_eq!(u64::from(fx.c.ssthresh()), ssthresh);
        assert_eq!(fx.c.sack_tx.prr.recover_fs, u64::from(20 * MSS));
        let mut sent = vec![];
        for k in 4..=19 {
            let out = sack_dup(&mut fx, ms(20), 1, k);
            assert!(
                out.iter().all(|&(off, len)| off >= 20 * MSS && len == MSS),
                "new data"
            );
            sent.push(out.len());
            let prr = fx.c.sack_tx.prr;
            assert_eq!(
                prr.delivered,
                u64::from((k - 2) * MSS),
                "DeliveredData sums"
            );
            if fx.c.pipe() > ssthresh {
                // Never more than one segment ahead of the proportional quota.
                let quota = (prr.delivered * ssthresh).div_ceil(prr.recover_fs);
                assert!(prr.out <= quota + u64::from(MSS), "k = {k}");
            }
        }
        assert_eq!(
            sent,
            [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 1, 1],
            "half the delivery rate while pipe > ssthresh, then SSRB"
        );
        assert_eq!(fx.c.pipe(), ssthresh, "pipe settles at ssthresh");
    }

    /// After a retransmission timeout the go-back-N resends skip what the receiver SACKed before
    /// it (RFC 6675 §5.1, as Linux's `tcp_enter_loss` marks only un-SACKed data lost), also when
    /// the ACKs that follow carry no blocks: the scoreboard keeps the range. Segments 3 and 4 of
    /// ten arrived (one duplicate ACK with one 2-segment block: no recovery), the RTO resends 0,
    /// then 1 and 2, then continues at 5.
    #[test]
    fn go_back_n_skips_sacked_after_timeout() {
        let mut fx = established(TcpConfig {
            sack: true,
            ..TcpConfig::default()
        });
        fx.c.write(10 * u64::from(MSS));
        assert_eq!(fx.drain(ms(10)).len(), 10, "initial window");
        let seg = fx.peer_seg(0);
        let block = (fx.seq(3 * MSS), fx.seq(5 * MSS));
        fx.c.handle_segment_sack(ms(20), &seg, 0, Ecn::NotEct, &[block]);
        assert!(
            !fx.c.in_recovery(),
            "one duplicate ACK, two segments SACKed: not lost"
        );
        assert_eq!(fx.c.sacked_bytes(), u64::from(2 * MSS), "scoreboard");
        let _ = fx.drain(ms(20));
        let t = fx.c.poll_timeout().expect("RTO armed");
        fx.c.handle_timeout(t);
        assert_eq!(
            fx.drain_offsets(t),
            [(0, MSS)],
            "loss window: SND.UNA resent"
        );
        let t = t + ms(1);
        fx.ack(t, MSS);
        assert_eq!(
            fx.drain_offsets(t),
            [(MSS, MSS), (2 * MSS, MSS)],
            "slow start resends the holes"
        );
        let t = t + ms(1);
        fx.ack(t, 3 * MSS);
        assert_eq!(
            fx.c.sacked_bytes(),
            u64::from(2 * MSS),
            "kept without blocks"
        );
        let out = fx.drain_offsets(t);
        assert_eq!(out.first(), Some(&(5 * MSS, MSS)), "SACKed 3 and 4 skipped");
        assert!(
            out.iter().all(|&(o, _)| o >= 5 * MSS),
            "nothing SACKed resent: {out:?}"
        );
    }
}
