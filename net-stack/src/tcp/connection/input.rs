//! Segment input: RFC 9293 §3.10.7 ("SEGMENT ARRIVES"), with the ACK processing of RFC 5681,
//! RFC 6582 and RFC 6298 §5.

use sim_core::SimTime;

use super::{TcpConnection, TcpEvent, TcpState, Timer};
use crate::tcp::congestion::{AckInfo, CcAction, CongestionControl, DupAckInfo};
use crate::wire::{SeqNum, TcpFlags, TcpRepr};

impl TcpConnection {
    /// Processes one segment from the peer carrying `payload_len` bytes of (virtual) payload.
    /// Segments for other ports are ignored; replying to them is the host's job (see
    /// [`rst_for`](crate::tcp::rst_for)).
    pub fn handle_segment(&mut self, now: SimTime, seg: &TcpRepr, payload_len: u32) {
        if seg.dst_port != self.local_port || seg.src_port != self.remote_port {
            return;
        }
        self.stats.segments_received += 1;
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
                self.rst_pending = Some(self.reset_for_ack(seg.ack));
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
            self.process_data(now, seg.seq, payload_len);
        }
        // Eighth: FIN, possibly remembered from an earlier out-of-order arrival.
        if flags.contains(TcpFlags::FIN) && self.rcv_fin.is_none() {
            let fin_seq = seg.seq + payload_len;
            if fin_seq >= self.rcv_nxt {
                self.rcv_fin = Some(fin_seq);
            }
        }
        self.try_consume_fin(now);
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
                self.rst_pending = Some(self.reset_for_ack(seg.ack));
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
    /// the segment must be dropped.
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
            let dup = DupAckInfo {
                count: self.dup_acks,
                ack,
                flight_size: self.flight_size(),
                snd_max: self.snd_max,
            };
            if self.with_cc(|cc| cc.on_dup_ack(&dup)) == CcAction::FastRetransmit {
                self.stats.fast_retransmits += 1;
                self.rtx_pending = true;
            }
        }
        self.update_persist(now);
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
        if let Some((end, sent)) = self.rtt_probe
            && ack >= end
        {
            self.rtt_probe = None;
            self.take_rtt_sample(now - sent);
        }
        let mut restart_rto = true;
        if !covers_syn {
            let info = AckInfo {
                ack,
                acked,
                flight_size: self.flight_size(),
            };
            if let CcAction::RetransmitFirstUnacked { restart_rto: r } =
                self.with_cc(|cc| cc.on_ack(&info))
            {
                self.rtx_pending = true;
                restart_rto = r;
            }
        }
        // RFC 6298 §5.2–5.3.
        if self.snd_una == self.snd_max {
            self.timers[Timer::Rto as usize] = None;
        } else if restart_rto {
            self.timers[Timer::Rto as usize] = Some(now + self.rtt.rto());
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
    fn update_persist(&mut self, now: SimTime) {
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

    /// The eighth step, once RCV.NXT reaches the FIN.
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
        self.timers = [None; 4];
        self.timers[Timer::TimeWait as usize] = Some(now + self.cfg.time_wait);
    }
}
