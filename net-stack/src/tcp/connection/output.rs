//! Segment output: what `poll_transmit` returns, in priority order.

use sim_core::SimTime;

use super::{TcpConnection, TcpEvent, TcpState, Timer};
use crate::wire::{SeqNum, TcpFlags, TcpOptions, TcpRepr};

impl TcpConnection {
    /// Priority: a pending RST; the SYN or SYN-ACK; a retransmission of the first unacknowledged
    /// segment (fast retransmit, partial ACK); a zero-window probe; new data (or go-back-N
    /// resends) and FIN as the window allows; finally a pure ACK if one is owed.
    /// `SACK` is whether SACK was negotiated: the connections without it get an instance with
    /// none of the SACK branches.
    pub(super) fn transmit<const SACK: bool>(&mut self, now: SimTime) -> Option<(TcpRepr, u32)> {
        if let Some(rst) = self.rst_pending.take() {
            self.stats.segments_sent += 1;
            return Some((*rst, 0));
        }
        match self.state {
            TcpState::Closed => return None,
            TcpState::SynSent | TcpState::SynReceived => {
                return self.syn_pending.then(|| self.emit_syn(now));
            }
            _ => {}
        }
        if self.ecn.ce_ack.is_some()
            && let Some(ack) = self.ecn_take_ce_ack(now)
        {
            return Some((ack, 0));
        }
        if self.rtx_pending {
            self.rtx_pending = false;
            if let Some(out) = self.emit_first_unacked(now) {
                if SACK {
                    self.note_sack_retransmit(out.0.seq, out.0.seq_len(out.1));
                }
                return Some(out);
            }
        }
        if SACK
            && self.rack.probe_pending
            && let Some(out) = self.tlp_probe(now)
        {
            return Some(out);
        }
        if self.probe_pending {
            self.probe_pending = false;
            // Linux-style probe: an old sequence number (SND.UNA − 1) and no data. The receiver
            // finds it unacceptable and answers with an ACK carrying its current window
            // (RFC 9293 §3.10.7.4), so the probe consumes no sequence space.
            let repr = self.header(now, self.snd_una - 1, TcpFlags::ACK);
            return Some(self.finish(now, repr, 0));
        }
        if SACK && self.recovery.in_recovery {
            if let Some(out) = self.sack_emit(now) {
                return Some(out);
            }
        } else if let Some(out) = self.emit_new::<SACK>(now) {
            return Some(out);
        }
        if self.ack_pending {
            // Pure ACKs carry SND.MAX, which is always inside the peer's window even while we
            // are resending from a lower SND.NXT.
            let repr = self.header(now, self.snd_max, TcpFlags::ACK);
            // Every branch above found nothing, and the ACK changes none of their inputs: the
            // next poll would find nothing again and only do what follows, done now instead
            // (`drained`; the host then skips that poll).
            self.persist_when_idle(now);
            self.drained = self.idle_poll_repeatable();
            return Some(self.finish(now, repr, 0));
        }
        // Data blocked by a zero window with nothing in flight needs the persist timer, also
        // when the data was written after the window closed.
        self.persist_when_idle(now);
        None
    }

    /// `update_persist` for the end of `transmit` and of every ACK, which most calls reach: an
    /// open window blocks nothing, so the timer is simply off (what `update_persist` does
    /// then), tested inline; a closed one takes the full test.
    #[inline(always)]
    pub(super) fn persist_when_idle(&mut self, now: SimTime) {
        if self.snd_wnd != 0 {
            self.timers[Timer::Persist as usize] = None;
            self.persist_backoff = 0;
        } else {
            self.update_persist(now);
        }
    }

    /// A header with our ports, ACK number, window and timestamp.
    pub(crate) fn header(&self, now: SimTime, seq: SeqNum, flags: TcpFlags) -> TcpRepr {
        let has_ack = flags.contains(TcpFlags::ACK);
        let flags = if flags.contains(TcpFlags::SYN) {
            flags
        } else {
            flags | self.ecn_ack_flags()
        };
        let window = if flags.contains(TcpFlags::SYN) {
            // RFC 7323 §2.2: never scaled in a SYN.
            self.rcv_wnd().min(0xffff) as u16
        } else {
            (self.rcv_wnd() >> self.rcv_shift).min(0xffff) as u16
        };
        TcpRepr {
            src_port: self.local_port,
            dst_port: self.remote_port,
            seq,
            ack: if has_ack { self.rcv_nxt } else { SeqNum(0) },
            flags,
            window,
            options: TcpOptions {
                timestamps: self.ts_enabled.then(|| (ts_clock(now), self.ts_recent)),
                ..TcpOptions::default()
            },
        }
    }

    fn emit_syn(&mut self, now: SimTime) -> (TcpRepr, u32) {
        self.syn_pending = false;
        let passive = self.state == TcpState::SynReceived;
        let flags = if passive {
            TcpFlags::SYN | TcpFlags::ACK
        } else {
            TcpFlags::SYN
        };
        let mut repr = self.header(now, self.iss, flags | self.ecn_syn_flags(passive));
        repr.options.mss = std::num::NonZeroU16::new(self.cfg.mss.min(0xffff) as u16);
        // RFC 2018 §2: offered when configured; the passive side answers only an offer.
        if (passive && self.sack_ok) || (!passive && self.cfg.sack) {
            repr.options.sack = crate::wire::SackOption::PERMITTED;
        }
        if self.offered_ws {
            repr.options.window_scale = Some(self.rcv_shift);
        }
        // Active side offers timestamps when configured; passive side echoes only if agreed.
        let offer_ts = if passive {
            self.ts_enabled
        } else {
            self.cfg.timestamps
        };
        repr.options.timestamps = offer_ts.then(|| (ts_clock(now), self.ts_recent));
        if self.syn_sent {
            self.stats.retransmissions += 1;
            self.syn_retransmitted = true;
            self.rtt_probe = None;
        } else {
            self.syn_sent = true;
            self.rtt_probe = Some((self.iss + 1, now));
        }
        self.snd_nxt = self.iss + 1;
        self.snd_max = self.iss + 1;
        self.start_rto_if_idle(now);
        self.finish(now, repr, 0)
    }

    /// Resends the segment at SND.UNA (RFC 5681 §3.2 step 3, RFC 6582 §3.2 step 5).
    fn emit_first_unacked(&mut self, now: SimTime) -> Option<(TcpRepr, u32)> {
        if self.snd_una >= self.snd_max {
            return None;
        }
        let seq = self.snd_una;
        let data_end = self.data_end();
        let sent_data_end = if self.fin_queued && self.snd_max == data_end + 1 {
            data_end
        } else {
            self.snd_max
        };
        let payload = (sent_data_end - seq).clamp(0, self.smss as i32) as u32;
        let fin = self.fin_queued && self.snd_max == data_end + 1 && seq + payload == data_end;
        if payload == 0 && !fin {
            return None;
        }
        let end = seq + payload + u32::from(fin);
        if self.snd_nxt < end {
            self.snd_nxt = end;
        }
        Some(self.emit_data(now, seq, payload, fin))
    }

    /// New data, or go-back-N resends after a timeout, within min(cwnd, peer window).
    /// Inline in `transmit`: most calls find nothing to send and return at once, and out of
    /// line (as the SACK instance was) the call and the copy of its result cost more than that.
    #[inline(always)]
    fn emit_new<const SACK: bool>(&mut self, now: SimTime) -> Option<(TcpRepr, u32)> {
        if !matches!(
            self.state,
            TcpState::Established
                | TcpState::CloseWait
                | TcpState::FinWait1
                | TcpState::LastAck
                | TcpState::Closing
        ) {
            return None;
        }
        // Only a resend (SND.NXT below SND.MAX) can skip SACKed data; new data, the common
        // case, does not call out.
        if SACK && self.snd_nxt < self.snd_max {
            self.skip_sacked();
        }
        let data_end = self.data_end();
        let fin_end = data_end + u32::from(self.fin_queued);
        if self.snd_nxt >= fin_end {
            return None;
        }
        if self.cfg.restart_after_idle
            && self.snd_una == self.snd_max
            && now.saturating_sub(self.last_send) > self.rtt.rto()
        {
            self.idle_restart(now);
        }
        let mut in_flight = (self.snd_nxt - self.snd_una).max(0) as u32;
        if SACK && self.cfg.ns3_departures.any() {
            in_flight = self.ns3_in_flight(in_flight);
        }
        let wnd = self.win.cwnd.min(self.snd_wnd);
        let usable = wnd.saturating_sub(in_flight);
        let avail = (data_end - self.snd_nxt).max(0) as u32;
        let want = avail.min(self.smss);
        let payload = want.min(usable);
        // Sender-side silly-window avoidance (RFC 9293 §3.8.6.2.1), simplified: send a short
        // segment only when it carries all remaining data or nothing is in flight.
        if payload < want && in_flight > 0 {
            return None;
        }
        let fin = self.fin_queued && self.snd_nxt + payload == data_end;
        if payload == 0 && !fin {
            return None;
        }
        let seq = self.snd_nxt;
        self.snd_nxt = seq + payload + u32::from(fin);
        Some(self.emit_data(now, seq, payload, fin))
    }

    /// Bookkeeping for a data and/or FIN segment at `seq`.
    pub(super) fn emit_data(
        &mut self,
        now: SimTime,
        seq: SeqNum,
        payload: u32,
        fin: bool,
    ) -> (TcpRepr, u32) {
        let mut flags = TcpFlags::ACK;
        if fin {
            flags = flags | TcpFlags::FIN;
        }
        flags = flags | self.ecn_cwr_flag(seq, payload);
        let repr = self.header(now, seq, flags);
        let end = seq + payload + u32::from(fin);
        let rtx = seq < self.snd_max;
        if rtx {
            self.stats.retransmissions += 1;
            let old = (self.snd_max - seq).max(0) as u32;
            self.stats.retransmitted_bytes += u64::from(payload.min(old));
            // Karn: an ACK covering retransmitted data cannot be timed.
            self.rtt_probe = None;
        } else if self.rtt_probe.is_none() {
            self.rtt_probe = Some((end, now));
        }
        if self.cwnd_use.on && !rtx && payload > 0 {
            self.note_cwnd_use(now, end);
        }
        let data_tip = seq + payload;
        let data_end = self.data_end();
        let max_data = if self.snd_max < data_end {
            self.snd_max
        } else {
            data_end
        };
        if data_tip > max_data {
            self.sent_off += (data_tip - max_data) as u64;
        }
        if end > self.snd_max {
            self.snd_max = end;
        }
        if self.cfg.rack_tlp {
            self.rack_after_send(now, seq, data_tip, rtx);
        }
        if self.cfg.ns3_departures.any() {
            self.ns3_after_send(now, seq, data_tip, rtx);
            self.ns3_note_cwnd_limited();
        }
        if payload > 0 {
            self.stats.data_segments_sent += 1;
            self.stats.bytes_sent += u64::from(payload);
        }
        if !self.all_sent_reported && self.sent_off >= self.written {
            self.all_sent_reported = true;
            self.events.push_back(TcpEvent::AllSent);
        }
        self.start_rto_if_idle(now);
        self.finish(now, repr, payload)
    }

    /// RFC 9438 §5.8, before new data ending at `end` (SND.MAX not yet moved) counts as sent:
    /// after an idle period the controller's clock skips it (Linux's `CA_EVENT_TX_START`), and
    /// the send is sampled for whether the flow uses cwnd (`cwnd_use.rs`).
    #[inline(never)]
    fn note_cwnd_use(&mut self, now: SimTime, end: SeqNum) {
        if self.snd_una == self.snd_max {
            let idle = now.saturating_sub(self.last_send);
            self.cc.on_send_after_idle(now, idle);
        }
        // New data: `end` is above SND.MAX, so FlightSize after the send is end − SND.UNA.
        let flight = (end - self.snd_una).max(0) as u32;
        self.cwnd_use
            .on_send(self.snd_una, self.snd_nxt, flight, &self.win);
    }

    /// RFC 6298 §5.1: start the timer when sending data if it is not running.
    fn start_rto_if_idle(&mut self, now: SimTime) {
        let t = &mut self.timers[Timer::Rto as usize];
        if t.is_none() {
            *t = Some(now + self.rtt.rto());
        }
    }

    /// Every segment carries our latest ACK, so any pending or delayed ACK is now sent.
    fn finish(&mut self, now: SimTime, repr: TcpRepr, payload: u32) -> (TcpRepr, u32) {
        self.stats.segments_sent += 1;
        self.stats.ece_sent +=
            u64::from(repr.flags.0 & TcpFlags::ECE.0 != 0 && !repr.flags.contains(TcpFlags::SYN));
        if repr.flags.contains(TcpFlags::ACK) {
            self.ack_pending = false;
            self.unacked_segs = 0;
            self.timers[Timer::DelayedAck as usize] = None;
        }
        if payload > 0 || repr.flags.contains(TcpFlags::FIN) || repr.flags.contains(TcpFlags::SYN) {
            self.last_send = now;
        }
        (repr, payload)
    }
}

/// The RFC 7323 timestamp clock: milliseconds of simulated time, modulo 2³².
pub(crate) fn ts_clock(now: SimTime) -> u32 {
    (now.as_ps() / 1_000_000_000) as u32
}

#[cfg(test)]
mod tests {
    use sim_core::SimTime;

    use super::super::Timer;
    use super::super::fixture::{Fx, established, established_iss};
    use crate::tcp::{CcVariant, TcpConfig, TcpEvent, TcpState};
    use crate::wire::{SeqNum, TcpFlags};

    const MSS: u32 = 1448;

    fn ms(v: u64) -> SimTime {
        SimTime::from_ms(v)
    }

    fn ten_in_flight(cfg: TcpConfig) -> Fx {
        let mut fx = established(cfg);
        fx.c.write(100 * u64::from(MSS));
        assert_eq!(fx.drain(ms(10)).len(), 10, "initial window");
        fx
    }

    /// `drained`: a pure ACK with nothing else to send says it is the last segment for now
    /// (the next poll finds nothing and changes nothing: `check_drained`); a data segment, or an
    /// ACK that rides on data, does not; and with data blocked by a zero window the ACK's poll
    /// has armed the persist timer, as the poll it spares would have.
    #[test]
    fn drained_after_a_pure_ack_only() {
        let mut fx = established(TcpConfig::default());
        fx.peer_data(ms(20), 0, 100, 0);
        assert!(fx.c.poll_transmit(ms(20)).is_some(), "the ACK");
        assert!(fx.c.drained(), "nothing else to send");
        fx.c.check_drained(ms(20));
        assert!(fx.c.poll_transmit(ms(20)).is_none(), "and indeed nothing");
        assert!(!fx.c.drained(), "a poll that finds nothing clears it");
        fx.c.write(3 * u64::from(MSS));
        fx.peer_data(ms(30), 100, 100, 0);
        let first = fx.c.poll_transmit(ms(30)).expect("data with the ACK");
        assert_eq!(first.payload_len, MSS, "a data segment");
        assert!(!fx.c.drained(), "data: poll again");
        assert_eq!(fx.drain(ms(30)).len(), 2, "the other two");
        fx.peer_window = 0;
        fx.ack(ms(40), 3 * MSS);
        fx.c.write(u64::from(MSS));
        fx.peer_data(ms(50), 200, 100, 3 * MSS);
        assert!(fx.c.poll_transmit(ms(50)).is_some(), "the ACK");
        assert!(fx.c.drained(), "the zero window blocks the data");
        assert!(
            fx.c.timers[Timer::Persist as usize].is_some(),
            "persist armed"
        );
    }

    /// `write_changes_no_output` holds exactly while a full segment of written data waits:
    /// then the next poll is the same with more written (`check_write_changes_no_output`).
    #[test]
    fn write_changes_no_output_while_a_segment_waits() {
        let mut fx = established(TcpConfig::default());
        assert!(!fx.c.write_changes_no_output(), "nothing written");
        fx.c.write(u64::from(MSS) - 1);
        assert!(!fx.c.write_changes_no_output(), "less than a segment waits");
        fx.c.write(1);
        assert!(fx.c.write_changes_no_output(), "a full segment waits");
        fx.c.check_write_changes_no_output(ms(10), 5000);
        let mut fx = ten_in_flight(TcpConfig::default());
        assert!(
            fx.c.write_changes_no_output(),
            "cwnd holds 90 segments back"
        );
        fx.c.check_write_changes_no_output(ms(10), 1);
        fx.ack(ms(20), 2 * MSS);
        fx.c.check_write_changes_no_output(ms(20), u64::MAX);
        assert_eq!(
            fx.drain(ms(20)).len(),
            3,
            "slow start: two acked, three out"
        );
        let mut fx = established(TcpConfig::default());
        fx.c.write(u64::from(MSS) + 10);
        assert_eq!(fx.drain(ms(10)).len(), 2, "all sent");
        assert!(!fx.c.write_changes_no_output(), "nothing waits");
    }

    /// RTO expiry (RFC 6298 §5.4–5.6, RFC 5681 §3.1): early calls do nothing; at the deadline
    /// ssthresh = FlightSize/2, cwnd = 1 SMSS, the first unacked segment is resent and the RTO
    /// doubles; a second expiry keeps ssthresh and doubles again; the ACK of the twice-sent
    /// segment gives no RTT sample (Karn) and keeps the backed-off RTO; slow start then resends
    /// from SND.NXT = SND.UNA (go-back-N).
    #[test]
    fn timeout_backoff_karn_go_back_n() {
        let mut fx = ten_in_flight(TcpConfig::default());
        assert_eq!(
            fx.c.poll_timeout(),
            Some(ms(210)),
            "RTO armed at first send"
        );
        fx.c.handle_timeout(ms(209));
        assert!(fx.drain(ms(209)).is_empty(), "early call ignored");
        assert_eq!(fx.c.stats().timeouts, 0, "no expiry yet");
        fx.c.handle_timeout(ms(210));
        assert_eq!(fx.c.ssthresh(), 5 * MSS, "FlightSize/2");
        assert_eq!(fx.c.cwnd(), MSS, "loss window");
        assert_eq!(fx.drain_offsets(ms(210)), [(0, MSS)], "resend from SND.UNA");
        assert_eq!(fx.c.rto(), ms(400), "doubled");
        assert_eq!(fx.c.poll_timeout(), Some(ms(610)), "restarted with new RTO");
        fx.c.handle_timeout(ms(610));
        assert_eq!(fx.c.ssthresh(), 5 * MSS, "second expiry keeps ssthresh");
        assert_eq!(fx.drain_offsets(ms(610)), [(0, MSS)], "resent again");
        assert_eq!(fx.c.poll_timeout(), Some(ms(1410)), "800 ms");
        fx.ack(ms(700), MSS);
        assert_eq!(
            fx.c.stats().rtt_samples,
            1,
            "Karn: no sample (only the handshake's)"
        );
        assert_eq!(fx.c.rto(), ms(800), "back-off kept until a valid sample");
        assert_eq!(fx.c.cwnd(), 2 * MSS, "slow start from the loss window");
        assert_eq!(
            fx.drain_offsets(ms(700)),
            [(MSS, MSS), (2 * MSS, MSS)],
            "go-back-N resends"
        );
        let st = *fx.c.stats();
        assert_eq!((st.timeouts, st.retransmissions), (2, 4), "counters");
        assert_eq!(
            fx.c.poll_timeout(),
            Some(ms(1500)),
            "timer restarted by the ACK"
        );
    }

    /// NewReno after a timeout: recover = SND.MAX, so three duplicate ACKs for data sent before
    /// the timeout do not start a fast retransmit (RFC 6582 §3.2); Reno has no such guard.
    #[test]
    fn no_fast_retransmit_after_timeout_below_recover() {
        for (variant, want) in [(CcVariant::NewReno, 0), (CcVariant::Reno, 1)] {
            let mut fx = ten_in_flight(TcpConfig {
                variant,
                ..TcpConfig::default()
            });
            fx.c.handle_timeout(ms(210));
            let _ = fx.drain(ms(210));
            for _ in 0..3 {
                fx.ack(ms(215), 0);
            }
            assert_eq!(
                fx.c.stats().fast_retransmits,
                want,
                "{variant:?}: fast retransmits below recover"
            );
        }
    }

    /// SYN retransmission backs off 1, 2, 4, 8, 16, 32, then 60 s (capped); after
    /// `max_retransmissions` the connection gives up with Reset and Closed.
    #[test]
    fn syn_backoff_sequence_and_give_up() {
        let cfg = TcpConfig::default();
        let mut c = crate::tcp::TcpConnection::connect(SimTime::ZERO, &cfg, 1, 2, SeqNum(7));
        let syn = c.poll_transmit(SimTime::ZERO).expect("SYN").repr;
        assert!(c.poll_transmit(SimTime::ZERO).is_none(), "one SYN");
        let mut gaps = vec![];
        let mut last = SimTime::ZERO;
        for _ in 0..15 {
            let t = c.poll_timeout().expect("RTO armed");
            gaps.push((t - last).as_ps() / 1_000_000_000_000);
            last = t;
            c.handle_timeout(t);
            let again = c.poll_transmit(t).expect("SYN resent").repr;
            assert_eq!(again.seq, syn.seq, "same ISS");
            assert!(again.flags.contains(TcpFlags::SYN), "a SYN");
        }
        assert_eq!(
            gaps,
            [1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60, 60, 60, 60, 60],
            "RTO sequence [s]"
        );
        assert_eq!(c.stats().retransmissions, 15, "SYN retransmissions counted");
        let t = c.poll_timeout().unwrap();
        c.handle_timeout(t);
        assert_eq!(c.state(), TcpState::Closed, "gave up");
        let ev: Vec<_> = std::iter::from_fn(|| c.poll_event()).collect();
        assert_eq!(ev, [TcpEvent::Reset, TcpEvent::Closed], "events");
    }

    /// Zero window: with data queued and nothing in flight the persist timer fires after one RTO
    /// and sends a probe (SND.UNA − 1, no payload), then backs off; a window update releases the
    /// data and stops probing.
    #[test]
    fn zero_window_probe() {
        let mut fx = established(TcpConfig::default());
        fx.peer_window = 0;
        fx.ack(ms(20), 0);
        assert_eq!(fx.c.snd_wnd(), 0, "window closed");
        fx.c.write(10 * u64::from(MSS));
        assert!(fx.drain(ms(20)).is_empty(), "blocked");
        assert_eq!(fx.c.poll_timeout(), Some(ms(220)), "persist timer");
        fx.c.handle_timeout(ms(220));
        let out = fx.drain(ms(220));
        assert_eq!(out.len(), 1, "one probe");
        assert_eq!(
            (out[0].0.seq, out[0].1),
            (fx.seq(0) - 1, 0),
            "old seq, no data"
        );
        assert_eq!(fx.c.poll_timeout(), Some(ms(620)), "probe interval doubles");
        fx.peer_window = 65_535;
        fx.ack(ms(300), 0);
        assert_eq!(fx.drain(ms(300)).len(), 10, "window open: IW sent");
        assert_eq!(fx.c.poll_timeout(), Some(ms(500)), "only the RTO now");
    }

    /// Restart after idle (RFC 5681 §4.1), when enabled, cuts cwnd back to IW after an idle
    /// period longer than RTO; by default the grown window is kept (seed 002's bursts).
    #[test]
    fn restart_after_idle() {
        for (restart, want) in [(true, 10), (false, 20)] {
            let mut fx = established(TcpConfig {
                restart_after_idle: restart,
                ..TcpConfig::default()
            });
            fx.c.write(10 * u64::from(MSS));
            let _ = fx.drain(ms(10));
            for i in 1..=10 {
                fx.ack(ms(20), i * MSS);
            }
            assert_eq!(fx.c.cwnd(), 20 * MSS, "grown");
            fx.c.write(30 * u64::from(MSS));
            assert_eq!(
                fx.drain(ms(1020)).len(),
                want,
                "restart_after_idle = {restart}"
            );
        }
    }

    /// A transfer whose sequence numbers wrap past 2³² mid-stream is sent, acknowledged and
    /// reported complete like any other.
    #[test]
    fn sequence_wraparound() {
        let iss = SeqNum(u32::MAX - 3 * MSS);
        let mut fx = established_iss(TcpConfig::default(), iss);
        let total = 30 * MSS;
        fx.c.write(u64::from(total));
        let mut t = 10;
        let mut acked = 0;
        let mut wrapped = false;
        while acked < total {
            for (seg, len) in fx.drain(ms(t)) {
                wrapped |= seg.seq.0 < iss.0;
                assert!(len <= MSS, "segment size");
            }
            t += 10;
            acked = (acked + 2 * MSS).min(total);
            fx.ack(ms(t), acked);
        }
        assert!(wrapped, "some segment was sent after the wrap");
        assert_eq!(fx.c.unacked_bytes(), 0, "all acknowledged");
        assert_eq!(fx.c.stats().bytes_acked, u64::from(total), "bytes acked");
        assert!(fx.events().contains(&TcpEvent::AllAcked), "AllAcked");
        assert_eq!(
            fx.c.stats().retransmissions,
            0,
            "no spurious retransmission"
        );
    }
}
