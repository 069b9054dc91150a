//! Loss detection and fast recovery (ns-3's `TcpRecoveryOps`; RFC 5681 §3.2, RFC 6582 §3.2):
//! the connection counts duplicate ACKs, decides when a loss happened, retransmits, and owns
//! cwnd while it recovers. The congestion controller only hears about it
//! ([`Cc::on_congestion_event`](crate::tcp::Cc::on_congestion_event),
//! [`Cc::on_recovery_end`](crate::tcp::Cc::on_recovery_end)) and sets ssthresh and the window
//! growth.

use sim_core::SimTime;

use super::TcpConnection;
use crate::tcp::CcVariant;
use crate::tcp::congestion::{AckSample, CongestionEvent, CongestionKind, MAX_CWND};
use crate::wire::SeqNum;

/// Which fast-recovery algorithm a connection runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RecoveryKind {
    /// RFC 5681 §3.2: recovery ends on the first ACK of new data, even a partial one; a second
    /// loss in the same window then needs three fresh duplicates (and halves ssthresh again) or
    /// a timeout — the weakness NewReno fixes.
    Reno,
    /// RFC 6582 with the "careful" entry check and the "impatient" timer variant.
    NewReno,
}

/// Fast-recovery state.
///
/// `recover` holds SND.MAX (the highest sequence number sent, plus one) at the moment recovery
/// starts or a timeout fires, so "the cumulative ACK covers more than recover" of RFC 6582
/// (whose `recover` is the highest sequence number itself) reads `ack >= recover` here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Recovery {
    pub kind: RecoveryKind,
    pub in_recovery: bool,
    pub recover: SeqNum,
    /// No partial ACK seen yet in this recovery (RFC 6582 §3.2 step 5, timer reset).
    pub first_partial: bool,
}

impl Recovery {
    /// Not recovering, with recover = ISS (RFC 6582 §3.2 step 1).
    pub fn new(variant: CcVariant, iss: SeqNum) -> Self {
        let kind = match variant {
            CcVariant::Reno => RecoveryKind::Reno,
            CcVariant::NewReno | CcVariant::Cubic | CcVariant::Dctcp | CcVariant::Custom(_) => {
                RecoveryKind::NewReno
            }
        };
        Recovery {
            kind,
            in_recovery: false,
            recover: iss,
            first_partial: false,
        }
    }
}

impl TcpConnection {
    /// An RFC 5681 §2 duplicate ACK arrived (already counted in `dup_acks`).
    pub(super) fn on_duplicate_ack(&mut self, now: SimTime, ack: SeqNum) {
        if self.sack_ok {
            return self.sack_duplicate_ack(now, ack);
        }
        let before = self.window_state();
        let r = &mut self.recovery;
        if r.in_recovery {
            // RFC 5681 §3.2 step 4, RFC 6582 §3.2 step 4: inflate for the segment that left.
            self.win.cwnd = self.win.cwnd.saturating_add(self.win.smss).min(MAX_CWND);
        } else if self.dup_acks == 3 && (r.kind == RecoveryKind::Reno || ack >= r.recover) {
            // RFC 5681 §3.2 steps 2–3. NewReno's check (RFC 6582 §3.2 step 2): a duplicate ACK
            // below `recover` belongs to data sent before the last loss event, so it must not
            // trigger another reduction. (Limited transmit, RFC 3042, is not implemented: the
            // first two duplicates send nothing new.)
            r.in_recovery = true;
            if r.kind == RecoveryKind::NewReno {
                r.recover = self.snd_max;
                r.first_partial = true;
            }
            let ev = CongestionEvent {
                kind: CongestionKind::DuplicateAcks,
                flight_size: self.flight_size(),
            };
            self.cc.on_congestion_event(now, &mut self.win, &ev);
            // Inflated for the three segments that have left the network.
            self.win.cwnd = self
                .win
                .ssthresh
                .saturating_add(3 * self.win.smss)
                .min(MAX_CWND);
            self.stats.fast_retransmits += 1;
            self.rtx_pending = true;
            self.ecn_on_loss();
        }
        self.note_window_change(before);
    }

    /// An ACK of new data (not the SYN's) moved SND.UNA to `ack`; `rtt` is the sample it gave.
    /// Returns whether to restart the retransmission timer (RFC 6298 §5.3), which NewReno
    /// skips after all but the first partial ACK.
    pub(super) fn on_new_ack(
        &mut self,
        now: SimTime,
        ack: SeqNum,
        acked: u32,
        rtt: Option<SimTime>,
    ) -> bool {
        if self.sack_ok && self.recovery.in_recovery {
            return self.sack_new_ack(now, ack, acked);
        }
        let before = self.window_state();
        let flight_size = self.flight_size();
        let mut restart_rto = true;
        let hold = self.ecn_hold(ack);
        let r = &mut self.recovery;
        if !r.in_recovery {
            if hold {
                // RFC 3168 §6.1.2's reduction window (Linux's and ns-3's CWR state).
                self.note_window_change(before);
                return restart_rto;
            }
            if self.cfg.ns3_departures.any()
                && (self.ns3_withhold_growth(ack) || self.ns3_not_cwnd_limited())
            {
                return restart_rto; // ns-3's CA_DISORDER (C) or `cwnd-limited` (`ns3_departures.rs`)
            }
            if self.cwnd_use.on && !self.cwnd_use.allows_growth(&self.win) {
                return restart_rto; // RFC 9438 §5.8: not cwnd-limited (`cwnd_use.rs`)
            }
            let sample = AckSample {
                ack,
                acked,
                flight_size,
                rtt,
                srtt: self.rtt.srtt(),
                min_rtt: self.rtt.min_rtt(),
            };
            self.cc.on_ack(now, &mut self.win, &sample);
        } else if r.kind == RecoveryKind::Reno {
            // RFC 5681 §3.2 step 6: deflate on the first ACK of new data.
            r.in_recovery = false;
            self.win.cwnd = self.win.ssthresh;
            self.cc.on_recovery_end(now, &mut self.win);
        } else if ack >= r.recover {
            // RFC 6582 §3.2 step 6, full ACK, option (1):
            // cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS) avoids a burst when little is
            // outstanding.
            r.in_recovery = false;
            let smss = self.win.smss;
            self.win.cwnd = self
                .win
                .ssthresh
                .min(flight_size.max(smss).saturating_add(smss));
            self.cc.on_recovery_end(now, &mut self.win);
        } else {
            // RFC 6582 §3.2 step 5, partial ACK: retransmit the first unacknowledged segment,
            // deflate by the amount acked and add back one SMSS if at least one SMSS was acked,
            // so that about ssthresh stays in flight; reset the timer on the first partial ACK
            // only ("impatient").
            let smss = self.win.smss;
            let mut cwnd = self.win.cwnd.saturating_sub(acked);
            if acked >= smss {
                cwnd += smss;
            }
            self.win.cwnd = cwnd.max(smss);
            restart_rto = r.first_partial;
            r.first_partial = false;
            self.rtx_pending = true;
        }
        self.note_window_change(before);
        restart_rto
    }

    /// The retransmission timer expired with data outstanding (RFC 5681 §3.1, RFC 6582 §3.2
    /// after step 7): leave fast recovery, remember the highest sequence sent, and tell the
    /// controller. `first` is false for a repeated expiry without progress in between.
    pub(super) fn on_rto_loss(&mut self, now: SimTime, first: bool) {
        let before = self.window_state();
        let r = &mut self.recovery;
        if r.kind == RecoveryKind::NewReno {
            r.recover = self.snd_max;
        }
        r.in_recovery = false;
        let mut flight_size = self.flight_size();
        if self.cfg.ns3_departures.any() {
            flight_size = self.ns3_reduction_bytes(flight_size, false);
        }
        let ev = CongestionEvent {
            kind: CongestionKind::Timeout { first },
            flight_size,
        };
        self.cc.on_congestion_event(now, &mut self.win, &ev);
        self.ecn_on_loss();
        self.note_window_change(before);
    }

    /// RFC 5681 §4.1: the ACK clock is stale after an idle period longer than one RTO.
    pub(super) fn idle_restart(&mut self, now: SimTime) {
        let before = self.window_state();
        let iw = self.cfg.initial_cwnd.max(1) * self.smss;
        self.cc.on_idle_restart(now, &mut self.win, iw);
        self.note_window_change(before);
    }

    #[inline]
    fn window_state(&self) -> (u32, u32) {
        (self.win.cwnd, self.win.ssthresh)
    }

    /// Counts a change of (cwnd, ssthresh) since `before` and keeps the largest cwnd.
    #[inline]
    fn note_window_change(&mut self, before: (u32, u32)) {
        if before != self.window_state() {
            self.stats.cc_changes += 1;
            self.stats.max_cwnd_bytes = self.stats.max_cwnd_bytes.max(self.win.cwnd);
        }
    }
}

#[cfg(test)]
mod tests {
    use sim_core::SimTime;

    use super::super::fixture::{Fx, established};
    use crate::tcp::{
        AckSample, CcFactory, CcVariant, CongestionControl, CongestionEvent, CongestionKind,
        TcpConfig, Window,
    };

    const MSS: u32 = 1448;

    fn ms(v: u64) -> SimTime {
        SimTime::from_ms(v)
    }

    /// Records the congestion events and recovery ends it hears; grows nothing.
    #[derive(Clone, Debug, Default)]
    struct Log(Vec<(SimTime, Option<CongestionEvent>)>);

    impl CongestionControl for Log {
        fn on_ack(&mut self, _: SimTime, _: &mut Window, _: &AckSample) {}
        fn on_congestion_event(&mut self, now: SimTime, w: &mut Window, ev: &CongestionEvent) {
            self.0.push((now, Some(*ev)));
            w.ssthresh = w.loss_ssthresh(ev.flight_size);
            if let CongestionKind::Timeout { .. } = ev.kind {
                w.cwnd = w.smss;
            }
        }
        fn on_recovery_end(&mut self, now: SimTime, _: &mut Window) {
            self.0.push((now, None));
        }
    }

    fn log() -> Box<dyn CongestionControl> {
        Box::<Log>::default()
    }

    fn calls(fx: &Fx) -> &[(SimTime, Option<CongestionEvent>)] {
        &fx.c.congestion_control().downcast_ref::<Log>().unwrap().0
    }

    fn fx() -> Fx {
        let mut fx = established(TcpConfig {
            variant: CcVariant::Custom(CcFactory(log)),
            ..TcpConfig::default()
        });
        fx.c.write(100 * u64::from(MSS));
        assert_eq!(fx.drain(ms(10)).len(), 10, "initial window");
        fx
    }

    /// Two losses in one window (segments 0 and 5) are one congestion event under NewReno's
    /// recovery: the third duplicate reports it with FlightSize 10 segments, later duplicates
    /// and the partial ACK report nothing, and the full ACK ends the recovery.
    #[test]
    fn one_event_per_window_of_losses() {
        let mut fx = fx();
        for (i, t) in [20, 21, 22, 23].into_iter().enumerate() {
            fx.ack(ms(t), 0);
            let want = if i < 2 { 0 } else { 1 };
            assert_eq!(calls(&fx).len(), want, "duplicate {}", i + 1);
        }
        let ev = CongestionEvent {
            kind: CongestionKind::DuplicateAcks,
            flight_size: 10 * MSS,
        };
        assert_eq!(calls(&fx), [(ms(22), Some(ev))], "at the third duplicate");
        let _ = fx.drain(ms(23));
        fx.ack(ms(30), 5 * MSS);
        assert!(fx.c.in_recovery(), "partial ACK");
        assert_eq!(calls(&fx).len(), 1, "the partial ACK reports nothing");
        let _ = fx.drain(ms(30));
        let recover = (fx.c.snd_nxt() - fx.seq(0)) as u32;
        fx.ack(ms(40), recover);
        assert!(!fx.c.in_recovery(), "full ACK");
        assert_eq!(
            calls(&fx)[1],
            (ms(40), None),
            "recovery ends at the full ACK"
        );
    }

    /// A retransmission timeout is reported at its deadline with `first`; a second expiry
    /// without progress is reported again with `first = false`, and leaves recovery.
    #[test]
    fn timeouts_reported_with_first() {
        let mut fx = fx();
        let rto = fx.c.poll_timeout().expect("RTO armed");
        fx.c.handle_timeout(rto);
        let _ = fx.drain(rto);
        let again = fx.c.poll_timeout().expect("RTO re-armed");
        fx.c.handle_timeout(again);
        let timeout = |first, flight_size| {
            Some(CongestionEvent {
                kind: CongestionKind::Timeout { first },
                flight_size,
            })
        };
        assert_eq!(
            calls(&fx),
            [
                (rto, timeout(true, 10 * MSS)),
                (again, timeout(false, 10 * MSS))
            ],
            "two expiries"
        );
        assert_eq!(fx.c.cwnd(), MSS, "the controller's loss window");
    }
}
