//! RACK-TLP (RFC 8985): time-based loss detection and the tail loss probe, for connections
//! with SACK and `rack_tlp`.
//!
//! * A log of the segments in flight with their (re)transmission times. Each ACK finds the
//!   most recently sent segment it delivered (cumulatively or by SACK): RACK.xmit_ts, RACK.rtt
//!   (§6.2 step 2, skipping ambiguous retransmissions). A segment sent before it and still
//!   undelivered RACK.rtt + RACK.reo_wnd after its own transmission is lost (§6.2 step 5);
//!   one sent before it but younger than that arms the reorder timer.
//! * RACK.reo_wnd = RACK.reo_wnd_mult · min_RTT / 4, at most SRTT (§6.2 step 4); 0 while no
//!   reordering has been seen and the sender is recovering or has DupThresh segments SACKed.
//!   reo_wnd_mult grows by one per round trip with a D-SACK and returns to 1 after 16
//!   recoveries.
//! * TLP (§7): when new data goes out or an ACK of new data arrives outside recovery, the
//!   probe timeout PTO = 2·SRTT (1 s before an RTT sample), plus the worst-case delayed-ACK
//!   time WCDelAckT = 200 ms when one segment is in flight, at most the time left to the RTO.
//!   When it fires the sender sends one new segment if it may, else retransmits the last one,
//!   and records TLP.end_seq; an ACK beyond it ends the episode, and if the probe was a
//!   retransmission that no D-SACK called spurious, the original was lost: the controller
//!   reduces the window once (§7.4).
//!
//! RACK's losses join RFC 6675's `IsLost` on the scoreboard (`Scoreboard::rack_lost`), so
//! NextSeg retransmits them, including a lost retransmission, which `IsLost` cannot see.

use std::collections::VecDeque;

use sim_core::SimTime;

use super::{TcpConnection, Timer, ts_clock};
use crate::tcp::congestion::{CongestionEvent, CongestionKind};
use crate::wire::SeqNum;

/// RFC 8985 §7.2 WCDelAckT.
const WC_DEL_ACK: SimTime = SimTime::from_ms(200);
/// PTO before any RTT sample (RFC 8985 §7.2).
const PTO_NO_RTT: SimTime = SimTime::from_secs(1);

/// One segment in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SentSeg {
    pub start: SeqNum,
    pub end: SeqNum,
    pub xmit: SimTime,
    pub retransmitted: bool,
    pub delivered: bool,
    pub lost: bool,
}

/// RACK-TLP state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Rack {
    pub log: VecDeque<SentSeg>,
    /// RACK.xmit_ts and RACK.end_seq of the most recently sent delivered segment.
    pub xmit_ts: Option<(SimTime, SeqNum)>,
    /// RACK.rtt.
    pub rtt: SimTime,
    /// RACK.fack: the highest end of a delivered segment.
    pub fack: SeqNum,
    pub reordering_seen: bool,
    pub reo_wnd_mult: u32,
    pub recoveries_since_dsack: u32,
    /// SND.MAX when the last D-SACK grew reo_wnd_mult (one increase per round trip).
    pub dsack_round: Option<SeqNum>,
    /// Whether the RACK timer is a reorder timeout (else a PTO).
    pub reorder_timer: bool,
    /// TLP.end_seq and whether the probe was a retransmission, during a TLP episode.
    pub tlp: Option<(SeqNum, bool)>,
    /// A D-SACK arrived for the probe's retransmission.
    pub tlp_dsacked: bool,
    /// Send the probe at the next `poll_transmit`.
    pub probe_pending: bool,
}

/// RFC 7323 §5.2's timestamp order: `a` is earlier than `b` (modulo 2^32).
fn ts_before(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

impl Rack {
    /// RFC 8985 §6.2 step 4.
    pub fn reo_wnd(&self, min_rtt: Option<SimTime>, srtt: Option<SimTime>, zero: bool) -> SimTime {
        if !self.reordering_seen && zero {
            return SimTime::ZERO;
        }
        let Some(min_rtt) = min_rtt else {
            return SimTime::ZERO;
        };
        let w = min_rtt / 4 * u64::from(self.reo_wnd_mult.max(1));
        srtt.map_or(w, |s| w.min(s))
    }

    /// RFC 8985 §7.2: the probe timeout.
    pub fn pto(srtt: Option<SimTime>, one_segment: bool) -> SimTime {
        match srtt {
            Some(s) if one_segment => s * 2 + WC_DEL_ACK,
            Some(s) => s * 2,
            None => PTO_NO_RTT,
        }
    }
}

impl TcpConnection {
    fn rack_on(&self) -> bool {
        self.sack_ok && self.cfg.rack_tlp
    }

    /// A data segment `[start, end)` left at `now` (a retransmission if `start` < SND.MAX
    /// before it).
    /// After a data segment `[start, end)` left: the log, and the PTO after new data.
    #[inline(never)]
    pub(super) fn rack_after_send(&mut self, now: SimTime, start: SeqNum, end: SeqNum, rtx: bool) {
        self.rack_on_send(now, start, end, rtx);
        if !rtx {
            self.tlp_arm(now);
        }
    }

    fn rack_on_send(&mut self, now: SimTime, start: SeqNum, end: SeqNum, rtx: bool) {
        if !self.rack_on() || end <= start {
            return;
        }
        let log = &mut self.rack.log;
        if !rtx {
            log.push_back(SentSeg {
                start,
                end,
                xmit: now,
                retransmitted: false,
                delivered: false,
                lost: false,
            });
        } else {
            let i = log.partition_point(|s| s.end <= start);
            for s in log.iter_mut().skip(i).take_while(|s| s.start < end) {
                s.xmit = now;
                s.retransmitted = true;
                s.lost = false;
            }
            self.sack_tx.board.clear_rack_lost(start, end);
        }
    }

    /// RFC 8985 §6.2 on an ACK with cumulative ACK `ack` (already applied to the scoreboard)
    /// and timestamp echo `tsecr` (`None` without timestamps). Returns whether a loss was
    /// detected.
    pub(super) fn rack_on_ack(
        &mut self,
        now: SimTime,
        ack: SeqNum,
        dsack: bool,
        tsecr: Option<u32>,
    ) -> bool {
        if !self.rack_on() {
            return false;
        }
        let min_rtt = self.rtt.min_rtt();
        let board = &self.sack_tx.board;
        let r = &mut *self.rack;
        // Step 1–2: newly delivered segments.
        for s in r.log.iter_mut() {
            if s.delivered {
                continue;
            }
            let cum = s.end <= ack;
            if !cum && !board.is_sacked(s.start, s.end) {
                continue;
            }
            s.delivered = true;
            // Step 2: the sample of a retransmitted segment is ignored when either
            // (1) the ACK's TSecr (RFC 7323), where timestamps are on, shows that the ACK does
            // not acknowledge the segment's last retransmission — TSecr is older than that
            // retransmission's TSval — or (2) the segment was last retransmitted less than
            // min_RTT ago. Either way the ACK may be an earlier copy's, and taking it for the
            // last one would declare lost everything sent before that last copy.
            if s.retransmitted
                && (tsecr.is_some_and(|ecr| ts_before(ecr, ts_clock(s.xmit)))
                    || min_rtt.is_some_and(|m| now - s.xmit < m))
            {
                continue; // ambiguous: possibly an earlier copy's ACK
            }
            if r.xmit_ts
                .is_none_or(|(t, e)| s.xmit > t || (s.xmit == t && s.end > e))
            {
                r.xmit_ts = Some((s.xmit, s.end));
                r.rtt = now - s.xmit;
            }
            // Step 3: delivered below the highest delivered end: reordering.
            if s.end < r.fack && !s.retransmitted {
                r.reordering_seen = true;
            }
            if s.end > r.fack {
                r.fack = s.end;
            }
        }
        while r.log.front().is_some_and(|s| s.end <= ack) {
            r.log.pop_front();
        }
        // Step 4: reo_wnd_mult.
        if dsack && r.dsack_round.is_none_or(|round| ack >= round) {
            r.reo_wnd_mult += 1;
            r.dsack_round = Some(self.snd_max);
            r.recoveries_since_dsack = 0;
        }
        self.rack_detect_loss(now)
    }

    /// RFC 8985 §6.2 step 5: marks lost what was sent before RACK.xmit_ts and is older than
    /// RACK.rtt + reo_wnd; arms the reorder timer for the rest. Returns whether anything new
    /// was marked.
    fn rack_detect_loss(&mut self, now: SimTime) -> bool {
        let Some((xmit_ts, end_seq)) = self.rack.xmit_ts else {
            return false;
        };
        let zero = self.recovery.in_recovery
            || self.sack_tx.board.sacked_bytes() >= u64::from(3 * self.smss);
        let reo = self.rack.reo_wnd(self.rtt.min_rtt(), self.rtt.srtt(), zero);
        let wait = self.rack.rtt + reo;
        let mut next: Option<SimTime> = None;
        let mut marked = false;
        let mut lost = vec![];
        for s in self.rack.log.iter_mut() {
            if s.delivered || s.lost {
                continue;
            }
            let before = s.xmit < xmit_ts || (s.xmit == xmit_ts && s.end < end_seq);
            if !before {
                continue;
            }
            let deadline = s.xmit + wait;
            if deadline <= now {
                s.lost = true;
                marked = true;
                lost.push((s.start, s.end));
            } else {
                next = Some(next.map_or(deadline, |n| n.min(deadline)));
            }
        }
        for (s, e) in lost {
            self.sack_tx.board.mark_rack_lost(s, e);
        }
        if let Some(t) = next {
            self.rack.reorder_timer = true;
            self.timers[Timer::Rack as usize] = Some(t);
        } else if self.rack.reorder_timer {
            self.rack.reorder_timer = false;
            self.timers[Timer::Rack as usize] = None;
        }
        marked
    }

    /// The RACK timer fired: a reorder timeout runs loss detection (and may start recovery);
    /// a PTO queues the probe.
    #[inline(never)]
    pub(super) fn on_rack_timer(&mut self, now: SimTime) {
        if self.rack.reorder_timer {
            self.rack.reorder_timer = false;
            if self.rack_detect_loss(now) && !self.recovery.in_recovery {
                self.sack_enter_recovery_now(now, self.snd_una);
            }
            return;
        }
        if self.snd_una < self.snd_max && !self.recovery.in_recovery && self.rack.tlp.is_none() {
            self.rack.probe_pending = true;
        }
    }

    /// RFC 8985 §7.2: arm the PTO after new data is sent or new data is acknowledged, outside
    /// recovery and outside a TLP episode, with data outstanding.
    #[inline(never)]
    pub(super) fn tlp_arm(&mut self, now: SimTime) {
        if !self.rack_on() || self.rack.reorder_timer {
            return;
        }
        let t = Timer::Rack as usize;
        if self.recovery.in_recovery || self.rack.tlp.is_some() || self.snd_una == self.snd_max {
            self.timers[t] = None;
            return;
        }
        let one = self.flight_size() <= self.smss;
        let mut at = now + Rack::pto(self.rtt.srtt(), one);
        if let Some(rto) = self.timers[Timer::Rto as usize]
            && rto < at
        {
            at = rto;
        }
        self.timers[t] = Some(at);
    }

    /// RFC 8985 §7.3: the probe is a previously unsent segment if one exists and the
    /// receive window allows it — cwnd does not matter, FlightSize may exceed it by one
    /// segment — else the highest-sequence segment sent so far again (also Linux's
    /// `tcp_send_loss_probe` when the receive window blocks new data).
    #[inline(never)]
    pub(super) fn tlp_probe(&mut self, now: SimTime) -> Option<(crate::wire::TcpRepr, u32)> {
        self.rack.probe_pending = false;
        let data_end = self.data_end();
        let fin_end = data_end + u32::from(self.fin_queued);
        let avail = (data_end - self.snd_nxt).max(0) as u32;
        let payload = avail.min(self.smss);
        let wnd_ok = self.snd_nxt + payload <= self.snd_una + self.snd_wnd;
        let out = if self.snd_nxt == self.snd_max && self.snd_nxt < fin_end && wnd_ok {
            let fin = self.fin_queued && self.snd_nxt + payload == data_end;
            let seq = self.snd_nxt;
            self.snd_nxt = seq + payload + u32::from(fin);
            self.rack.tlp = Some((self.snd_nxt, false));
            self.emit_data(now, seq, payload, fin)
        } else {
            let fin_sent = self.fin_queued && self.snd_max == data_end + 1;
            let data_top = if fin_sent { data_end } else { self.snd_max };
            let payload = ((data_top - self.snd_una).max(0) as u32).min(self.smss);
            let seq = data_top - payload;
            if payload == 0 && !fin_sent {
                return None;
            }
            self.rack.tlp = Some((self.snd_max, true));
            self.rack.tlp_dsacked = false;
            self.emit_data(now, seq, payload, fin_sent)
        };
        self.stats.tlp_probes += 1;
        // §7.3: the RTO takes over after the probe.
        self.timers[Timer::Rto as usize] = Some(now + self.rtt.rto());
        Some(out)
    }

    /// RFC 8985 §7.4 on an ACK: a D-SACK for the probe makes it spurious; an ACK beyond
    /// TLP.end_seq ends the episode, with one window reduction if the probe repaired a loss.
    pub(super) fn tlp_on_ack(&mut self, now: SimTime, ack: SeqNum, dsack: bool) {
        let Some((end, retrans)) = self.rack.tlp else {
            return;
        };
        if dsack && retrans {
            self.rack.tlp_dsacked = true;
        }
        if self.recovery.in_recovery {
            self.rack.tlp = None; // recovery reduces the window itself
            return;
        }
        if ack < end {
            return;
        }
        self.rack.tlp = None;
        if retrans && !self.rack.tlp_dsacked {
            let before = (self.win.cwnd, self.win.ssthresh);
            let ev = CongestionEvent {
                kind: CongestionKind::DuplicateAcks,
                flight_size: self.flight_size(),
            };
            self.cc.on_congestion_event(now, &mut self.win, &ev);
            self.win.cwnd = self.win.ssthresh;
            self.cc.on_recovery_end(now, &mut self.win);
            if before != (self.win.cwnd, self.win.ssthresh) {
                self.stats.cc_changes += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> SimTime {
        SimTime::from_ms(v)
    }

    /// RFC 8985 §6.2 step 4: reo_wnd = min_RTT/4 times the multiplier, capped at SRTT; zero
    /// when the caller says so and no reordering has been seen.
    #[test]
    fn reorder_window() {
        let mut r = Rack::default();
        assert_eq!(
            r.reo_wnd(Some(ms(40)), Some(ms(50)), false),
            ms(10),
            "min_RTT/4"
        );
        assert_eq!(
            r.reo_wnd(Some(ms(40)), Some(ms(50)), true),
            SimTime::ZERO,
            "no reordering yet"
        );
        r.reordering_seen = true;
        assert_eq!(
            r.reo_wnd(Some(ms(40)), Some(ms(50)), true),
            ms(10),
            "reordering seen"
        );
        r.reo_wnd_mult = 3;
        assert_eq!(
            r.reo_wnd(Some(ms(40)), Some(ms(50)), false),
            ms(30),
            "×3 after D-SACKs"
        );
        r.reo_wnd_mult = 8;
        assert_eq!(
            r.reo_wnd(Some(ms(40)), Some(ms(50)), false),
            ms(50),
            "capped at SRTT"
        );
    }

    /// RFC 8985 §7.2: PTO = 2·SRTT, + WCDelAckT (200 ms) with one segment in flight, 1 s
    /// without an RTT sample.
    #[test]
    fn probe_timeout() {
        assert_eq!(Rack::pto(Some(ms(10)), false), ms(20), "2·SRTT");
        assert_eq!(
            Rack::pto(Some(ms(10)), true),
            ms(220),
            "one segment: delayed-ACK allowance"
        );
        assert_eq!(Rack::pto(None, false), ms(1000), "no sample");
    }

    /// RFC 8985 §7.3 when the receiver's window limits the sender: the probe is new data
    /// only if the receive window allows it, whatever cwnd says, else the last segment again.
    /// (a) The peer's window ends exactly at SND.MAX: the probe resends the last segment.
    /// (b) 500 bytes remain unsent, blocked by cwnd, and the window has 512 bytes of room:
    /// the probe sends them (a partial segment fits; cwnd does not count).
    #[test]
    fn probe_when_receive_window_limited() {
        use super::super::fixture::established;
        use crate::tcp::TcpConfig;
        const MSS: u32 = 1024;
        let cfg = TcpConfig {
            sack: true,
            rack_tlp: true,
            mss: MSS,
            ..TcpConfig::default()
        };
        for (unsent, room, want) in [(10 * MSS, 0, (9 * MSS, MSS)), (500, 512, (10 * MSS, 500))] {
            let mut fx = established(cfg);
            // Window update: SND.UNA + SND.WND = 10 segments + `room` (scale 2^7).
            fx.peer_window = ((10 * MSS + room) >> 7) as u16;
            fx.ack(ms(10), 0);
            fx.c.write(u64::from(10 * MSS + unsent));
            let sent = fx.drain_offsets(ms(10));
            assert_eq!(sent.len(), 10, "cwnd and rwnd: ten segments");
            let pto = fx.c.timers[Timer::Rack as usize].expect("PTO armed");
            assert!(
                pto < fx.c.timers[Timer::Rto as usize].unwrap(),
                "before the RTO"
            );
            fx.c.handle_timeout(pto);
            assert_eq!(
                fx.drain_offsets(pto),
                [want],
                "probe (unsent {unsent}, room {room})"
            );
            assert_eq!(fx.c.stats().tlp_probes, 1);
        }
    }

    /// RFC 8985 §6.2 step 2, condition 1 (TSecr): segments 0 and 7 of ten are lost. SACKs of
    /// 1–3 at 20 ms start recovery and 0 is resent (copy A, TSval 20); at 21 ms 10, 7 (RACK)
    /// and 11 go out. The SACK of 10 at 45 ms (sent 24 ms before) shows copy A lost, so 0 goes
    /// out again (copy B, 45 ms). Copy A's ACK then arrives at 60 ms — cumulative ACK 7,
    /// TSecr 20 — 15 ms after copy B, more than min_RTT (10 ms), so condition 2 alone takes it
    /// for copy B's: RACK.rtt = 15 ms, and 11 (sent at 21 ms, 39 ms old) is declared lost and
    /// resent. TSecr 20 < copy B's TSval 45: the sample is ignored and 11 is not resent.
    #[test]
    fn tsecr_older_than_last_retransmission_is_not_its_ack() {
        use super::super::fixture::established;
        use crate::tcp::{Ecn, TcpConfig};
        const MSS: u32 = 1000;
        let cfg = TcpConfig {
            sack: true,
            rack_tlp: true,
            timestamps: true,
            mss: MSS,
            ..TcpConfig::default()
        };
        let mut fx = established(cfg);
        fx.c.write(u64::from(40 * MSS));
        let sent = fx.drain_offsets(ms(10));
        assert_eq!(sent.len(), 10, "initial window");
        let smss = sent[0].1;
        let mut peer_ts = 100;
        // The peer's ACK of data offset `ack` segments, SACKing `blocks`, echoing `tsecr`.
        let mut ack = |fx: &mut super::super::fixture::Fx,
                       now: SimTime,
                       ack: u32,
                       blocks: &[(u32, u32)],
                       tsecr: u32| {
            let mut seg = fx.peer_seg(ack * smss);
            peer_ts += 1;
            seg.options.timestamps = Some((peer_ts, tsecr));
            let b: Vec<_> = blocks
                .iter()
                .map(|&(l, h)| (fx.seq(l * smss), fx.seq(h * smss)))
                .collect();
            fx.c.handle_segment_sack(now, &seg, 0, Ecn::NotEct, &b);
        };
        for hi in 2..=4 {
            ack(&mut fx, ms(20), 0, &[(1, hi)], 10);
        }
        assert!(fx.c.in_recovery());
        assert_eq!(fx.drain_offsets(ms(20)), [(0, smss)], "copy A of 0");
        let mut out = vec![];
        for blocks in [
            &[(1, 5)][..],
            &[(1, 6)],
            &[(1, 7)],
            &[(8, 9), (1, 7)],
            &[(8, 10), (1, 7)],
        ] {
            ack(&mut fx, ms(21), 0, blocks, 10);
            out.extend(fx.drain_offsets(ms(21)).into_iter().map(|(o, _)| o / smss));
        }
        assert_eq!(out, [10, 7, 11], "at 21 ms");
        ack(&mut fx, ms(45), 0, &[(8, 11), (1, 7)], 21);
        let out = fx.drain_offsets(ms(45));
        assert_eq!(out.first(), Some(&(0, smss)), "copy B of 0: {out:?}");
        ack(&mut fx, ms(60), 7, &[(8, 11)], 20);
        assert!(fx.c.in_recovery());
        let out = fx.drain_offsets(ms(60));
        assert!(
            !out.contains(&(11 * smss, smss)),
            "11 is not lost: copy A's ACK is not copy B's: {out:?}"
        );
    }

    /// `keep_retransmissions`: segments 0 and 5 of ten are lost; recovery begins at 20 ms
    /// (RecoveryPoint 10), 0 and 5 are resent and new data 10–13 goes out. At 31 ms RACK finds
    /// 5's retransmission and 10 lost (11 delivered); both go out again. The ACK of 0–9 at
    /// 40 ms ends the recovery with 10's retransmission (31 ms) in flight. At 41 ms the SACK
    /// of 13 (sent at 30 ms) shows 12 lost (RACK) and starts the next recovery. RFC 6675 §5
    /// (4.1)–(4.3) resends the head, 10, whose retransmission is in flight; with the key the
    /// entry sends RACK's loss, 12, and 10 goes again only once RACK marks its retransmission
    /// lost (14, sent at 40 ms after it, is SACKed).
    #[test]
    fn keep_retransmissions_across_recoveries() {
        use super::super::fixture::{Fx, established};
        use crate::tcp::{Ecn, TcpConfig};
        const MSS: u32 = 1448;
        fn sack(fx: &mut Fx, t: u64, ack: u32, blocks: &[(u32, u32)]) -> Vec<u32> {
            let seg = fx.peer_seg(ack * MSS);
            let b: Vec<_> = blocks
                .iter()
                .map(|&(l, h)| (fx.seq(l * MSS), fx.seq(h * MSS)))
                .collect();
            fx.c.handle_segment_sack(ms(t), &seg, 0, Ecn::NotEct, &b);
            fx.drain_offsets(ms(t))
                .iter()
                .map(|&(o, _)| o / MSS)
                .collect()
        }
        for keep in [false, true] {
            let mut fx = established(TcpConfig {
                sack: true,
                rack_tlp: true,
                keep_retransmissions: keep,
                ..TcpConfig::default()
            });
            fx.c.write(u64::from(100 * MSS));
            assert_eq!(fx.drain(ms(10)).len(), 10, "initial window");
            let mut out = vec![];
            for hi in 2..=4 {
                out.extend(sack(&mut fx, 20, 0, &[(1, hi)]));
            }
            for hi in 5..=10 {
                let b: &[(u32, u32)] = if hi == 5 {
                    &[(1, 5)]
                } else {
                    &[(6, hi), (1, 5)]
                };
                out.extend(sack(&mut fx, 21, 0, b));
            }
            assert_eq!(out, [0, 5, 10, 11, 12], "{keep}: first recovery");
            assert_eq!(sack(&mut fx, 30, 5, &[(6, 10)]), [13], "{keep}");
            let rtx = sack(&mut fx, 31, 5, &[(11, 12), (6, 10)]);
            assert_eq!(rtx, [5, 10], "{keep}: RACK's losses");
            assert_eq!(sack(&mut fx, 40, 10, &[(11, 12)]), [14], "{keep}");
            assert!(!fx.c.in_recovery(), "{keep}: the ACK of 0–9 ends it");
            let entry = sack(&mut fx, 41, 10, &[(13, 14), (11, 12)]);
            assert!(fx.c.in_recovery(), "{keep}: 12 lost: the next recovery");
            let want: &[u32] = if keep { &[12] } else { &[10] };
            assert_eq!(entry, want, "{keep}: the entry's retransmission");
            let mut later = sack(&mut fx, 41, 10, &[(13, 15), (11, 12)]);
            later.extend(sack(&mut fx, 45, 10, &[(11, 15)]));
            assert!(
                later.contains(&10) == keep,
                "{keep}: 10 resent once RACK marks it lost (kept) / already resent: {later:?}"
            );
        }
    }
}
