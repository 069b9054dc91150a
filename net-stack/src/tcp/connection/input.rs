//! Segment input: RFC 9293 §3.10.7 ("SEGMENT ARRIVES"), with the ACK processing of RFC 5681,
//! RFC 6582 and RFC 6298 §5.

use sim_core::SimTime;

use super::{TcpConnection, TcpEvent, TcpState, Timer};
use crate::tcp::Ecn;
use crate::wire::{SeqNum, TcpFlags, TcpRepr};

impl TcpConnection {
    /// Processes one segment from the peer carrying `payload_len` bytes of (virtual) payload,
    /// which arrived in an IP packet whose ECN field was `ecn`. Segments for other ports are
    /// ignored; replying to them is the host's job (see [`rst_for`](crate::tcp::rst_for)).
    pub fn handle_segment(&mut self, now: SimTime, seg: &TcpRepr, payload_len: u32, ecn: Ecn) {
        if seg.dst_port != self.local_port || seg.src_port != self.remote_port {
            return;
        }
        self.stats.segments_received += 1;
        // Kept for ECN (RFC 3168 §6.1.3) and DCTCP (RFC 8257 §3.2) echo; nothing reacts yet.
        self.rcv_ecn = ecn;
        if ecn == Ecn::Ce {
            self.stats.ce_received += 1;
        }
        match self.state {
            TcpState::Closed => return,
            TcpState::SynSent => return self.handle_syn_sent(now, seg, payload_len),
            _ => {}
        }
        let flags = seg.flags;
        // A repeated SYN means our SYN-ACK was lost: send it again.
        if self.state == TcpState::SynReceived
            && flags.contains(TcpFlags::SYN)
            && !flags.contains(TcpFlags::ACK)
            && seg.seq == self.irs
        {
            self.syn_pending = true;
            return;
        }
        // §3.10.7.4 first: is the segment acceptable?
        if !self.acceptable(seg, payload_len) {
            if !flags.contains(TcpFlags::RST) {
                self.ack_pending = true;
                if self.sack_ok && payload_len > 0 && seg.seq < self.rcv_nxt {
                    // RFC 2883 §4: a wholly old segment is reported as a D-SACK.
                    self.sack_rx.note_duplicate(seg.seq, seg.seq + payload_len);
                }
                if self.state == TcpState::TimeWait && flags.contains(TcpFlags::FIN) {
                    // A repeated FIN: our last ACK was lost. Re-ACK and restart the linger.
                    self.timers[Timer::TimeWait as usize] = Some(now + self.cfg.time_wait);
                }
            }
            return;
        }
        // RFC 7323 §4.3: remember the peer's timestamp from segments at or below RCV.NXT.
        if let Some((tsval, _)) = seg.options.timestamps
            && self.ts_enabled
            && seg.seq <= self.rcv_nxt
            && tsval.wrapping_sub(self.ts_recent) as i32 >= 0
        {
            self.ts_recent = tsval;
        }
        // Second: RST. An in-window reset is honoured (RFC 5961's exact-match challenge is not
        // modelled: there is no attacker in the simulation).
        if flags.contains(TcpFlags::RST) {
            self.events.push_back(TcpEvent::Reset);
            self.enter_closed();
            return;
        }
        // Fourth: a SYN in a synchronised state gets an ACK (RFC 5961 §4 challenge ACK).
        if flags.contains(TcpFlags::SYN) {
            self.ack_pending = true;
            return;
        }
        // Fifth: the ACK field.
        if !flags.contains(TcpFlags::ACK) {
            return;
        }
        if self.state == TcpState::SynReceived {
            if self.snd_una < seg.ack && seg.ack <= self.snd_max {
                self.establish();
            } else {
                self.rst_pending = Some(Box::new(self.reset_for_ack(seg.ack)));
                return;
            }
        }
        if !self.process_ack(now, seg, payload_len) {
            return;
        }
        if self.state == TcpState::Closed {
            return;
        }
        // Seventh: segment text.
        if payload_len > 0
            && matches!(
                self.state,
                TcpState::Established | TcpState::FinWait1 | TcpState::FinWait2
            )
        {
            if self.ecn.ok {
                self.ecn_on_data(seg, ecn);
            }
            self.process_data(now, seg.seq, payload_len);
        }
        // Eighth: FIN, possibly remembered from an earlier out-of-order arrival.
        if flags.contains(TcpFlags::FIN) && self.rcv_fin.is_none() {
            let fin_seq = seg.seq + payload_len;
            if fin_seq >= self.rcv_nxt {
                self.rcv_fin = Some(fin_seq);
            }
        }
        if self.rcv_fin.is_some() {
            self.try_consume_fin(now);
        }
    }

    /// RFC 9293 §3.10.7.4's acceptability table, extended so that anything starting exactly at
    /// RCV.NXT is processed (its ACK field is still useful when the window is zero; its data is
    /// trimmed to the window later).
    fn acceptable(&self, seg: &TcpRepr, payload_len: u32) -> bool {
        let len = seg.seq_len(payload_len);
        let wnd = self.rcv_wnd();
        if seg.seq == self.rcv_nxt {
            return true;
        }
        if len == 0 || wnd == 0 {
            return false;
        }
        let in_wnd = |s: SeqNum| self.rcv_nxt <= s && s < self.rcv_nxt + wnd;
        in_wnd(seg.seq) || in_wnd(seg.seq + (len - 1))
    }

    /// `<SEQ=SEG.ACK><CTL=RST>`, RFC 9293 §3.10.7.
    fn reset_for_ack(&self, ack: SeqNum) -> TcpRepr {
        TcpRepr {
            src_port: self.local_port,
            dst_port: self.remote_port,
            seq: ack,
            flags: TcpFlags::RST,
            ..TcpRepr::default()
        }
    }

    /// RFC 9293 §3.10.7.3.
    fn handle_syn_sent(&mut self, now: SimTime, seg: &TcpRepr, payload_len: u32) {
        let flags = seg.flags;
        let has_ack = flags.contains(TcpFlags::ACK);
        if has_ack && (seg.ack <= self.iss || seg.ack > self.snd_max) {
            if !flags.contains(TcpFlags::RST) {
                self.rst_pending = Some(Box::new(self.reset_for_ack(seg.ack)));
            }
            return;
        }
        if flags.contains(TcpFlags::RST) {
            if has_ack {
                self.events.push_back(TcpEvent::Reset);
                self.enter_closed();
            }
            return;
        }
        // Simultaneous open (a SYN without ACK) is not supported: such a SYN is ignored.
        if !(flags.contains(TcpFlags::SYN) && has_ack) {
            return;
        }
        self.irs = seg.seq;
        self.rcv_nxt = seg.seq + 1;
        self.apply_peer_syn_options(seg);
        self.ecn_on_syn(seg, false);
        match seg.options.window_scale {
            Some(shift) if self.offered_ws => self.snd_shift = shift.min(14),
            // RFC 7323 §2.2: scaling only when both SYNs carry the option.
            _ => self.rcv_shift = 0,
        }
        if seg.options.timestamps.is_none() {
            self.ts_enabled = false;
        }
        self.snd_wnd = u32::from(seg.window);
        self.snd_wl1 = seg.seq;
        self.snd_wl2 = seg.ack;
        self.snd_una = seg.ack;
        if self.snd_nxt < self.snd_una {
            self.snd_nxt = self.snd_una;
        }
        if let Some((end, sent)) = self.rtt_probe.take()
            && seg.ack >= end
        {
            self.take_rtt_sample(now - sent);
        }
        self.timers[Timer::Rto as usize] = None;
        self.consecutive_timeouts = 0;
        self.establish();
        self.ack_pending = true;
        if payload_len > 0 {
            self.process_data(now, seg.seq + 1, payload_len);
        }
    }

    pub(crate) fn take_rtt_sample(&mut self, r: SimTime) {
        self.rtt.sample(r);
        self.stats.rtt_samples += 1;
        self.stats.rtt_sum += r;
    }

    /// The ACK field (RFC 9293 §3.10.7.4 fifth step) with congestion control. Returns false if
    /// the segment must be dropped. Inline in `handle_segment`, its one caller (issue 20).
    #[inline(always)]
    fn process_ack(&mut self, now: SimTime, seg: &TcpRepr, payload_len: u32) -> bool {
        let ack = seg.ack;
        if ack > self.snd_max {
            // Acknowledges something not yet sent.
            self.ack_pending = true;
            return false;
        }
        if ack < self.snd_una {
            return true; // old duplicate ACK: ignore, but keep the segment's text
        }
        // Window update (RFC 9293 §3.10.7.4, SND.WL1/WL2 guard against old segments).
        let mut window_changed = false;
        if self.snd_wl1 < seg.seq || (self.snd_wl1 == seg.seq && self.snd_wl2 <= ack) {
            let wnd = u32::from(seg.window) << self.snd_shift;
            window_changed = wnd != self.snd_wnd;
            self.snd_wnd = wnd;
            self.snd_wl1 = seg.seq;
            self.snd_wl2 = ack;
        }
        let una = self.snd_una;
        let sacked_before = if self.ecn.dctcp && self.sack_ok {
            self.sack_tx.board.sacked_bytes()
        } else {
            0
        };
        if self.sack_ok {
            // RFC 8985 §6.2 step 2 reads the ACK's TSecr (RFC 7323) when timestamps are on.
            let tsecr = seg.options.timestamps.filter(|_| self.ts_enabled);
            self.sack_update(now, ack, tsecr.map(|(_, ecr)| ecr));
        }
        let (mut dup, dups_before) = (false, self.dup_acks);
        if ack > self.snd_una {
            self.ack_new_data(now, ack);
        } else if payload_len == 0
            && !seg.flags.contains(TcpFlags::SYN)
            && !seg.flags.contains(TcpFlags::FIN)
            && self.snd_una != self.snd_max
            && !window_changed
        {
            // RFC 5681 §2's duplicate ACK.
            self.dup_acks += 1;
            self.stats.dup_acks_received += 1;
            dup = true;
            self.on_duplicate_ack(now, ack);
        }
        if self.ecn.ok && !seg.flags.contains(TcpFlags::SYN) {
            let acked = (self.snd_una - una).max(0) as u32;
            let delivered = self.ecn_delivered(acked, dup, dups_before, sacked_before);
            self.ecn_on_ack(now, seg, delivered);
        }
        self.persist_when_idle(now);
        true
    }

    fn ack_new_data(&mut self, now: SimTime, ack: SeqNum) {
        let acked = (ack - self.snd_una) as u32;
        let covers_syn = self.snd_una == self.iss;
        let data_end = self.data_end();
        let covers_fin = self.fin_queued && ack == data_end + 1;
        let data_acked = acked - u32::from(covers_syn) - u32::from(covers_fin);
        self.una_off += u64::from(data_acked);
        self.stats.bytes_acked += u64::from(data_acked);
        self.snd_una = ack;
        if self.snd_nxt < ack {
            self.snd_nxt = ack;
        }
        self.dup_acks = 0;
        self.consecutive_timeouts = 0;
        let mut rtt = None;
        if let Some((end, sent)) = self.rtt_probe
            && ack >= end
        {
            self.rtt_probe = None;
            let r = now - sent;
            self.take_rtt_sample(r);
            rtt = Some(r);
        }
        let restart_rto = covers_syn || self.on_new_ack(now, ack, acked, rtt);
        // RFC 6298 §5.2–5.3.
        if self.snd_una == self.snd_max {
            self.timers[Timer::Rto as usize] = None;
        } else if restart_rto {
            self.timers[Timer::Rto as usize] = Some(now + self.rtt.rto());
        }
        if self.cfg.rack_tlp {
            self.tlp_arm(now);
        }
        if !self.all_acked_reported && self.una_off >= self.written {
            self.all_acked_reported = true;
            self.events.push_back(TcpEvent::AllAcked);
        }
        if covers_fin {
            match self.state {
                TcpState::FinWait1 => self.state = TcpState::FinWait2,
                TcpState::Closing => self.enter_time_wait(now),
                TcpState::LastAck => self.enter_closed(),
                _ => {}
            }
        }
    }

    /// Arms the persist timer when the peer's zero window blocks data with nothing in flight,
    /// and disarms it when the window opens.
    pub(crate) fn update_persist(&mut self, now: SimTime) {
        let blocked = self.snd_wnd == 0
            && self.snd_una == self.snd_max
            && self.snd_nxt < self.data_end() + u32::from(self.fin_queued);
        let t = Timer::Persist as usize;
        if !blocked {
            self.timers[t] = None;
            self.persist_backoff = 0;
        } else if self.timers[t].is_none() {
            self.arm_persist(now);
        }
    }

    /// The seventh step: in-order data is delivered, out-of-order data buffered.
    fn process_data(&mut self, now: SimTime, seq: SeqNum, len: u32) {
        let right = self.rcv_nxt + self.rcv_wnd();
        let mut start = seq;
        let mut end = seq + len;
        if start < self.rcv_nxt {
            start = self.rcv_nxt;
        }
        if end > right {
            end = right;
        }
        if self.sack_ok {
            self.sack_note_arrival(seq, len, start, end);
        }
        if end <= start {
            // Duplicate or beyond the window: tell the peer where we are.
            self.ack_pending = true;
            return;
        }
        if start != self.rcv_nxt {
            // RFC 5681 §4.2: an out-of-order segment gets an immediate (duplicate) ACK.
            self.stats.out_of_order_segments += 1;
            self.assembler.insert(start, end);
            self.ack_pending = true;
            return;
        }
        let filled_hole = !self.assembler.is_empty();
        let old = self.rcv_nxt;
        self.rcv_nxt = end;
        if let Some(e) = self.assembler.pop_contiguous(self.rcv_nxt) {
            self.rcv_nxt = e;
        }
        self.deliver((self.rcv_nxt - old) as u64);
        if filled_hole || !self.cfg.delayed_ack {
            // RFC 5681 §4.2: ACK at once when a segment fills (part of) a gap.
            self.ack_pending = true;
        } else {
            // RFC 5681 §4.2: at least every second segment, and within the delayed-ACK timeout.
            self.unacked_segs += 1;
            if self.unacked_segs >= 2 {
                self.ack_pending = true;
            } else if self.timers[Timer::DelayedAck as usize].is_none() {
                self.timers[Timer::DelayedAck as usize] = Some(now + self.cfg.delayed_ack_timeout);
            }
        }
    }

    /// The eighth step, once RCV.NXT reaches the FIN (called when a FIN is known).
    fn try_consume_fin(&mut self, now: SimTime) {
        let Some(fin) = self.rcv_fin else { return };
        if fin != self.rcv_nxt {
            return;
        }
        self.rcv_fin = None;
        self.rcv_nxt = fin + 1;
        self.ack_pending = true;
        self.events.push_back(TcpEvent::PeerClosed);
        match self.state {
            TcpState::SynReceived | TcpState::Established => self.state = TcpState::CloseWait,
            TcpState::FinWait1 if self.fin_acked() => self.enter_time_wait(now),
            TcpState::FinWait1 => self.state = TcpState::Closing,
            TcpState::FinWait2 => self.enter_time_wait(now),
            _ => {}
        }
    }

    fn enter_time_wait(&mut self, now: SimTime) {
        self.state = TcpState::TimeWait;
        self.timers = [None; 5];
        self.timers[Timer::TimeWait as usize] = Some(now + self.cfg.time_wait);
    }
}

#[cfg(test)]
mod tests {
    use sim_core::SimTime;

    use super::super::fixture::{Fx, established};
    use crate::tcp::{CcVariant, TcpConfig, TcpEvent, TcpState};
    use crate::wire::TcpFlags;

    const MSS: u32 = 1448;

    fn ms(v: u64) -> SimTime {
        SimTime::from_ms(v)
    }

    fn cfg(variant: CcVariant) -> TcpConfig {
        TcpConfig {
            variant,
            ..TcpConfig::default()
        }
    }

    /// A fixture with 100 segments written and the initial window (10 segments) sent at 10 ms.
    fn ten_in_flight(variant: CcVariant) -> Fx {
        let mut fx = established(cfg(variant));
        assert_eq!(
            fx.c.write(100 * u64::from(MSS)),
            100 * u64::from(MSS),
            "accepted"
        );
        let sent = fx.drain_offsets(ms(10));
        let want: Vec<_> = (0..10).map(|i| (i * MSS, MSS)).collect();
        assert_eq!(sent, want, "initial window of 10 segments");
        fx
    }

    /// Slow start: every ACK of one segment adds one SMSS and releases two segments; an ACK of
    /// two segments still adds only one SMSS (RFC 5681 eq. 2, cwnd += min(N, SMSS)).
    #[test]
    fn slow_start_growth_per_ack() {
        let mut fx = ten_in_flight(CcVariant::NewReno);
        assert_eq!(fx.c.cwnd(), 10 * MSS, "IW = 10 segments");
        fx.ack(ms(20), MSS);
        assert_eq!(fx.c.cwnd(), 11 * MSS, "+SMSS");
        assert_eq!(
            fx.drain_offsets(ms(20)),
            [(10 * MSS, MSS), (11 * MSS, MSS)],
            "one ACK releases two segments"
        );
        fx.ack(ms(21), 3 * MSS);
        assert_eq!(fx.c.cwnd(), 12 * MSS, "N = 2·SMSS still adds one SMSS");
        assert_eq!(fx.c.ssthresh(), u32::MAX, "ssthresh untouched");
        assert_eq!(fx.c.stats().max_cwnd_bytes, 12 * MSS, "max cwnd tracked");
    }

    /// Reno: the third duplicate ACK sets ssthresh = FlightSize/2 and cwnd = ssthresh + 3·SMSS
    /// and retransmits the first unacknowledged segment; further duplicates inflate by SMSS and
    /// release new data; the ACK of new data deflates to ssthresh; then congestion avoidance
    /// adds SMSS²/cwnd per ACK.
    #[test]
    fn reno_fast_retransmit_and_recovery() {
        let mut fx = ten_in_flight(CcVariant::Reno);
        for i in 1..=2 {
            fx.ack(ms(20), 0);
            assert!(fx.drain(ms(20)).is_empty(), "dup {i}: nothing sent");
        }
        fx.ack(ms(20), 0);
        assert_eq!(fx.c.ssthresh(), 5 * MSS, "FlightSize/2 = 5 segments");
        assert_eq!(fx.c.cwnd(), 8 * MSS, "ssthresh + 3·SMSS");
        assert_eq!(
            fx.drain_offsets(ms(20)),
            [(0, MSS)],
            "the first unacked segment"
        );
        let st = *fx.c.stats();
        assert_eq!((st.fast_retransmits, st.retransmissions), (1, 1), "counted");
        for _ in 0..2 {
            fx.ack(ms(21), 0);
        }
        assert_eq!(fx.c.cwnd(), 10 * MSS, "inflated twice");
        assert!(fx.drain(ms(21)).is_empty(), "cwnd = flight: nothing new");
        fx.ack(ms(21), 0);
        assert_eq!(fx.c.cwnd(), 11 * MSS, "inflated again");
        assert_eq!(fx.drain_offsets(ms(21)), [(10 * MSS, MSS)], "new data");
        fx.ack(ms(30), 10 * MSS);
        assert_eq!(fx.c.cwnd(), 5 * MSS, "deflated to ssthresh");
        assert!(!fx.c.in_recovery(), "recovery over");
        assert_eq!(
            fx.drain_offsets(ms(30)).len(),
            4,
            "cwnd 5 − 1 in flight = 4 segments"
        );
        fx.ack(ms(40), 11 * MSS);
        assert_eq!(
            fx.c.cwnd(),
            5 * MSS + MSS * MSS / (5 * MSS),
            "CA: + SMSS·SMSS/cwnd"
        );
    }

    /// NewReno: with segments 0 and 5 lost, the ACK for the retransmitted 0 is partial (it stops
    /// at 5): cwnd is deflated by the 5 acked segments plus one SMSS added back, segment 5 is
    /// retransmitted at once and recovery continues; the full ACK sets cwnd =
    /// min(ssthresh, max(FlightSize, SMSS) + SMSS).
    #[test]
    fn newreno_partial_then_full_ack() {
        let mut fx = ten_in_flight(CcVariant::NewReno);
        // Segments 1–4 and 6–9 arrive: eight duplicates of ACK 0.
        let mut sent = vec![];
        for _ in 0..8 {
            fx.ack(ms(20), 0);
            sent.extend(fx.drain_offsets(ms(20)));
        }
        assert_eq!(fx.c.ssthresh(), 5 * MSS, "ssthresh");
        assert_eq!(fx.c.cwnd(), 13 * MSS, "8 + 5 inflations");
        assert_eq!(
            sent,
            [(0, MSS), (10 * MSS, MSS), (11 * MSS, MSS), (12 * MSS, MSS)],
            "fast retransmit, then new data at the 6th–8th duplicates"
        );
        let rto_before = fx.c.poll_timeout();
        fx.ack(ms(30), 5 * MSS);
        assert!(fx.c.in_recovery(), "partial ACK keeps recovery");
        assert_eq!(fx.c.cwnd(), 13 * MSS - 5 * MSS + MSS, "deflate + SMSS");
        assert_eq!(
            fx.drain_offsets(ms(30)),
            [(5 * MSS, MSS), (13 * MSS, MSS)],
            "the next hole, then one new segment (flight 8, cwnd 9)"
        );
        assert_ne!(
            fx.c.poll_timeout(),
            rto_before,
            "first partial ACK resets the RTO"
        );
        assert_eq!(fx.c.stats().fast_retransmits, 1, "only one fast retransmit");
        assert_eq!(fx.c.stats().retransmissions, 2, "two retransmissions");
        fx.ack(ms(40), 13 * MSS);
        assert!(!fx.c.in_recovery(), "full ACK ends recovery");
        assert_eq!(
            fx.c.cwnd(),
            2 * MSS,
            "min(5·SMSS, max(1·SMSS, SMSS) + SMSS)"
        );
    }

    /// NewReno, same single loss as the Reno test: the full ACK deflates to
    /// min(ssthresh, FlightSize + SMSS) rather than to ssthresh.
    #[test]
    fn newreno_full_ack_deflation() {
        let mut fx = ten_in_flight(CcVariant::NewReno);
        for _ in 0..6 {
            fx.ack(ms(20), 0);
        }
        assert_eq!(fx.c.cwnd(), 11 * MSS, "8 + 3 inflations");
        assert_eq!(
            fx.drain_offsets(ms(20)),
            [(0, MSS), (10 * MSS, MSS)],
            "retransmission and one new segment"
        );
        fx.ack(ms(30), 10 * MSS);
        assert_eq!(fx.c.cwnd(), 2 * MSS, "min(5, max(1, 1) + 1) segments");
        fx.ack(ms(40), 11 * MSS);
        assert_eq!(fx.c.cwnd(), 3 * MSS, "cwnd < ssthresh again: slow start");
    }

    /// RFC 6298 from a connection: the handshake gives the first sample (10 ms → SRTT 10 ms,
    /// RTTVAR 5 ms, RTO 30 ms with no floor), a data ACK after 14 ms the second
    /// (RTTVAR 4.75 ms, SRTT 10.5 ms, RTO 29.5 ms), and with the 200 ms floor RTO stays 200 ms.
    #[test]
    fn rtt_samples_exact() {
        let mut fx = established(TcpConfig {
            min_rto: SimTime::ZERO,
            ..TcpConfig::default()
        });
        assert_eq!(fx.c.srtt(), Some(ms(10)), "SRTT = R");
        assert_eq!(fx.c.rttvar(), ms(5), "RTTVAR = R/2");
        assert_eq!(fx.c.rto(), ms(30), "RTO = 10 + 4·5 ms");
        fx.c.write(u64::from(MSS));
        let _ = fx.drain(ms(10));
        fx.ack(ms(24), MSS);
        assert_eq!(fx.c.rttvar().as_ps(), 4_750_000_000, "RTTVAR");
        assert_eq!(fx.c.srtt().unwrap().as_ps(), 10_500_000_000, "SRTT");
        assert_eq!(fx.c.rto().as_ps(), 29_500_000_000, "RTO");
        assert_eq!(fx.c.stats().rtt_samples, 2, "two samples");
        assert_eq!(
            fx.c.stats().mean_rtt(),
            Some(ms(12)),
            "mean of 10 and 14 ms"
        );
        let fx = established(TcpConfig::default());
        assert_eq!(fx.c.rto(), ms(200), "min_rto floor");
    }

    /// Receiver: in-order data is delivered and ACKed at once (no delayed ACK); a segment above
    /// RCV.NXT is buffered and answered by an immediate duplicate ACK; the segment that fills the
    /// hole delivers everything in order and is ACKed at once (RFC 5681 §4.2).
    #[test]
    fn receiver_out_of_order() {
        let mut fx = established(TcpConfig::default());
        let base = fx.peer_nxt;
        fx.peer_data(ms(20), 0, 1000, 0);
        assert_eq!(fx.events(), [TcpEvent::Delivered(1000)], "in order");
        let out = fx.drain(ms(20));
        assert_eq!(out.len(), 1, "one ACK");
        assert_eq!(out[0].0.ack, base + 1000, "ACK 1000");
        fx.peer_data(ms(21), 2000, 1000, 0);
        fx.peer_data(ms(21), 4000, 500, 0);
        assert!(fx.events().is_empty(), "nothing delivered past a hole");
        let out = fx.drain(ms(21));
        assert_eq!(out.len(), 1, "ACKs coalesce within one poll");
        assert_eq!(out[0].0.ack, base + 1000, "duplicate ACK at the hole");
        assert_eq!(fx.c.stats().out_of_order_segments, 2, "two buffered");
        fx.peer_data(ms(22), 1000, 1000, 0);
        assert_eq!(fx.events(), [TcpEvent::Delivered(2000)], "hole filled");
        assert_eq!(
            fx.drain(ms(22))[0].0.ack,
            base + 3000,
            "ACK up to next hole"
        );
        fx.peer_data(ms(23), 3000, 1000, 0);
        assert_eq!(fx.events(), [TcpEvent::Delivered(1500)], "rest delivered");
        assert_eq!(fx.drain(ms(23))[0].0.ack, base + 4500, "ACK all");
        fx.peer_data(ms(24), 0, 1000, 0);
        assert!(fx.events().is_empty(), "a duplicate is not delivered twice");
        assert_eq!(fx.drain(ms(24))[0].0.ack, base + 4500, "but ACKed");
        assert_eq!(fx.c.stats().bytes_delivered, 4500, "exactly once");
    }

    /// Delayed ACKs: the first in-order segment arms the 200 ms timer and sends nothing; the
    /// second is ACKed at once; a lone third segment is ACKed when the timer fires; an
    /// out-of-order segment is still ACKed at once.
    #[test]
    fn delayed_ack_every_second_segment_or_timer() {
        let mut fx = established(TcpConfig {
            delayed_ack: true,
            ..TcpConfig::default()
        });
        let base = fx.peer_nxt;
        fx.peer_data(ms(20), 0, MSS, 0);
        assert!(fx.drain(ms(20)).is_empty(), "first segment: ACK delayed");
        assert_eq!(fx.c.poll_timeout(), Some(ms(220)), "delayed-ACK timer");
        fx.peer_data(ms(21), MSS, MSS, 0);
        let out = fx.drain(ms(21));
        assert_eq!(out.len(), 1, "second segment: ACK");
        assert_eq!(out[0].0.ack, base + 2 * MSS, "covers both");
        assert_eq!(fx.c.poll_timeout(), None, "timer cancelled");
        fx.peer_data(ms(30), 2 * MSS, MSS, 0);
        assert!(fx.drain(ms(30)).is_empty(), "third: delayed");
        fx.c.handle_timeout(ms(229));
        assert!(fx.drain(ms(229)).is_empty(), "early timeout call ignored");
        fx.c.handle_timeout(ms(230));
        let out = fx.drain(ms(230));
        assert_eq!(out.len(), 1, "timer fired");
        assert_eq!(out[0].0.ack, base + 3 * MSS, "ACK on timer");
        fx.peer_data(ms(240), 4 * MSS, MSS, 0);
        assert_eq!(fx.drain(ms(240)).len(), 1, "out of order: immediate");
    }

    /// Flow control at the receiver: with the application paused, in-order data fills the
    /// 4000-byte buffer and the advertised window falls to 0; data beyond it is dropped but
    /// ACKed; resuming delivers the buffered bytes and sends a window update.
    #[test]
    fn receiver_window_closes_and_reopens() {
        let mut fx = established(TcpConfig {
            rcv_buf: 4000,
            ..TcpConfig::default()
        });
        let base = fx.peer_nxt;
        fx.c.set_receive_paused(true);
        fx.peer_data(ms(20), 0, 3000, 0);
        let out = fx.drain(ms(20));
        assert_eq!(
            out[0].0.window, 1000,
            "window = buffer − unread (no scaling)"
        );
        fx.peer_data(ms(21), 3000, 2000, 0);
        let out = fx.drain(ms(21));
        assert_eq!(
            (out[0].0.ack, out[0].0.window),
            (base + 4000, 0),
            "accepted up to the right edge only"
        );
        assert!(fx.events().is_empty(), "nothing delivered while paused");
        fx.c.set_receive_paused(false);
        assert_eq!(
            fx.events(),
            [TcpEvent::Delivered(4000)],
            "buffer handed over"
        );
        let out = fx.drain(ms(22));
        assert_eq!(out[0].0.window, 4000, "window update");
    }

    /// An in-window RST ends the connection with Reset then Closed.
    #[test]
    fn rst_in_window_resets() {
        let mut fx = established(TcpConfig::default());
        let mut rst = fx.peer_seg(0);
        rst.flags = TcpFlags::RST;
        fx.c.handle_segment(ms(20), &rst, 0, crate::tcp::Ecn::NotEct);
        assert_eq!(fx.c.state(), TcpState::Closed, "closed");
        assert_eq!(fx.events(), [TcpEvent::Reset, TcpEvent::Closed], "events");
        assert!(fx.drain(ms(20)).is_empty(), "silent after reset");
        assert_eq!(fx.c.poll_timeout(), None, "no timers");
    }
}
