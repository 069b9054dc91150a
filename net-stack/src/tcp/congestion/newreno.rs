//! TCP NewReno: fast recovery that survives partial ACKs (RFC 6582 §3.2).

use crate::wire::SeqNum;

use super::{AckInfo, CcAction, CongestionControl, DupAckInfo, Window};

/// NewReno with the "careful" entry check and the "impatient" timer variant of RFC 6582.
///
/// `recover` holds SND.MAX (the highest sequence number sent, plus one) at the moment recovery
/// starts or a timeout fires, so "the cumulative ACK covers more than recover" of the RFC
/// (whose `recover` is the highest sequence number itself) reads `ack >= recover` here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewReno {
    w: Window,
    recover: SeqNum,
    in_recovery: bool,
    /// No partial ACK seen yet in this recovery (RFC 6582 §3.2 step 5, timer reset).
    first_partial: bool,
}

impl NewReno {
    /// NewReno with SMSS `smss`, initial window `iw` (bytes) and recover = ISS (§3.2 step 1).
    pub fn new(smss: u32, iw: u32, iss: SeqNum) -> Self {
        NewReno {
            w: Window::new(smss, iw),
            recover: iss,
            in_recovery: false,
            first_partial: false,
        }
    }

    /// The `recover` variable (as SND.MAX at the time it was set).
    pub fn recover(&self) -> SeqNum {
        self.recover
    }
}

impl NewReno {
    /// The shared window state.
    pub fn window_mut(&mut self) -> &mut Window {
        &mut self.w
    }
}

impl CongestionControl for NewReno {
    fn cwnd(&self) -> u32 {
        self.w.cwnd
    }
    fn ssthresh(&self) -> u32 {
        self.w.ssthresh
    }
    fn in_recovery(&self) -> bool {
        self.in_recovery
    }

    fn on_ack(&mut self, ack: &AckInfo) -> CcAction {
        if !self.in_recovery {
            self.w.grow(ack.acked);
            return CcAction::None;
        }
        if ack.ack >= self.recover {
            // §3.2 step 6, full ACK, option (1): cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS)
            // avoids a burst when little is outstanding.
            self.in_recovery = false;
            let smss = self.w.smss;
            self.w.cwnd = self
                .w
                .ssthresh
                .min(ack.flight_size.max(smss).saturating_add(smss));
            CcAction::None
        } else {
            // §3.2 step 5, partial ACK: deflate by the amount acked, add back one SMSS if at
            // least one SMSS was acked, so that about ssthresh stays in flight.
            let smss = self.w.smss;
            let mut cwnd = self.w.cwnd.saturating_sub(ack.acked);
            if ack.acked >= smss {
                cwnd += smss;
            }
            self.w.cwnd = cwnd.max(smss);
            let restart_rto = self.first_partial;
            self.first_partial = false;
            CcAction::RetransmitFirstUnacked { restart_rto }
        }
    }

    fn on_dup_ack(&mut self, dup: &DupAckInfo) -> CcAction {
        if self.in_recovery {
            // §3.2 step 4.
            self.w.inflate();
            CcAction::None
        } else if dup.count == 3 && dup.ack >= self.recover {
            // §3.2 steps 2–3; a duplicate ACK below `recover` belongs to data sent before the
            // last loss event, so it must not trigger another reduction (step 2's check).
            self.recover = dup.snd_max;
            self.in_recovery = true;
            self.first_partial = true;
            self.w.enter_fast_recovery(dup.flight_size);
            CcAction::FastRetransmit
        } else {
            CcAction::None
        }
    }

    fn on_timeout(&mut self, flight_size: u32, snd_max: SeqNum, first: bool) {
        // RFC 6582 §3.2 step 7 (after the list): remember the highest sequence sent and leave
        // fast recovery.
        self.recover = snd_max;
        self.in_recovery = false;
        self.w.timeout(flight_size, first);
    }

    fn on_idle_restart(&mut self, iw: u32) {
        self.w.idle_restart(iw);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMSS: u32 = 1000;

    fn dup(count: u32, ack: u32, snd_max: u32) -> DupAckInfo {
        DupAckInfo {
            count,
            ack: SeqNum(ack),
            flight_size: snd_max - ack,
            snd_max: SeqNum(snd_max),
        }
    }

    /// Partial ACK: stay in recovery, retransmit, cwnd − acked + SMSS, timer reset only on the
    /// first; full ACK: cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS).
    #[test]
    fn partial_and_full_ack() {
        let mut n = NewReno::new(SMSS, 20 * SMSS, SeqNum(0));
        for c in 1..=2 {
            assert_eq!(n.on_dup_ack(&dup(c, 1, 20_001)), CcAction::None, "dup {c}");
        }
        assert_eq!(
            n.on_dup_ack(&dup(3, 1, 20_001)),
            CcAction::FastRetransmit,
            "3rd dup"
        );
        assert_eq!(n.recover(), SeqNum(20_001), "recover = SND.MAX");
        assert_eq!((n.ssthresh(), n.cwnd()), (10 * SMSS, 13 * SMSS), "entry");
        n.on_dup_ack(&dup(4, 1, 20_001));
        assert_eq!(n.cwnd(), 14 * SMSS, "inflate");
        let act = n.on_ack(&AckInfo {
            ack: SeqNum(3001),
            acked: 3000,
            flight_size: 17_000,
        });
        assert_eq!(
            act,
            CcAction::RetransmitFirstUnacked { restart_rto: true },
            "first partial ACK"
        );
        assert_eq!(n.cwnd(), 14_000 - 3000 + 1000, "deflate by acked, add SMSS");
        assert!(n.in_recovery(), "still in recovery");
        let act = n.on_ack(&AckInfo {
            ack: SeqNum(3501),
            acked: 500,
            flight_size: 16_500,
        });
        assert_eq!(
            act,
            CcAction::RetransmitFirstUnacked { restart_rto: false },
            "second partial ACK does not reset the timer"
        );
        assert_eq!(n.cwnd(), 12_000 - 500, "less than SMSS acked: no add-back");
        let act = n.on_ack(&AckInfo {
            ack: SeqNum(20_001),
            acked: 16_500,
            flight_size: 4000,
        });
        assert_eq!(act, CcAction::None, "full ACK");
        assert_eq!(n.cwnd(), 5000, "min(ssthresh 10000, 4000 + 1000)");
        assert!(!n.in_recovery(), "recovery over");
    }

    /// After a timeout recover = SND.MAX, so three duplicates below it do not start another fast
    /// retransmit (RFC 6582 §3.2 step 2 and the timeout rule).
    #[test]
    fn no_reentry_below_recover() {
        let mut n = NewReno::new(SMSS, 20 * SMSS, SeqNum(0));
        n.on_timeout(20 * SMSS, SeqNum(20_001), true);
        assert_eq!((n.cwnd(), n.ssthresh()), (SMSS, 10 * SMSS), "loss window");
        for c in 1..=3 {
            assert_eq!(
                n.on_dup_ack(&dup(c, 5001, 20_001)),
                CcAction::None,
                "dup {c}"
            );
        }
        assert!(!n.in_recovery(), "no recovery below recover");
        assert_eq!(n.ssthresh(), 10 * SMSS, "ssthresh untouched");
        assert_eq!(
            n.on_dup_ack(&dup(3, 20_001, 30_001)),
            CcAction::FastRetransmit,
            "an ACK at recover may enter"
        );
    }
}
