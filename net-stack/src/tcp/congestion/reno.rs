//! TCP Reno: slow start, congestion avoidance, fast retransmit and fast recovery
//! (RFC 5681 §3.1–3.2).

use crate::wire::SeqNum;

use super::{AckInfo, CcAction, CongestionControl, DupAckInfo, Window};

/// Reno. Fast recovery ends on the first ACK of new data, even a partial one; a second loss in
/// the same window then needs three fresh duplicates (and halves ssthresh again) or a timeout —
/// the weakness NewReno fixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reno {
    w: Window,
    in_recovery: bool,
}

impl Reno {
    /// Reno with SMSS `smss` and initial window `iw` (bytes).
    pub fn new(smss: u32, iw: u32) -> Self {
        Reno {
            w: Window::new(smss, iw),
            in_recovery: false,
        }
    }
}

impl Reno {
    /// The shared window state.
    pub fn window_mut(&mut self) -> &mut Window {
        &mut self.w
    }
}

impl CongestionControl for Reno {
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
        if self.in_recovery {
            // RFC 5681 §3.2 step 6: deflate on the first ACK of new data.
            self.in_recovery = false;
            self.w.cwnd = self.w.ssthresh;
        } else {
            self.w.grow(ack.acked);
        }
        CcAction::None
    }

    fn on_dup_ack(&mut self, dup: &DupAckInfo) -> CcAction {
        if self.in_recovery {
            self.w.inflate();
            CcAction::None
        } else if dup.count == 3 {
            // RFC 5681 §3.2 steps 2–3.
            self.in_recovery = true;
            self.w.enter_fast_recovery(dup.flight_size);
            CcAction::FastRetransmit
        } else {
            // Limited transmit (RFC 3042) is not implemented: the first two duplicates send
            // nothing new.
            CcAction::None
        }
    }

    fn on_timeout(&mut self, flight_size: u32, _snd_max: SeqNum, first: bool) {
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

    fn dup(count: u32, flight: u32) -> DupAckInfo {
        DupAckInfo {
            count,
            ack: SeqNum(1),
            flight_size: flight,
            snd_max: SeqNum(1 + flight),
        }
    }

    /// Third duplicate: ssthresh = FlightSize/2, cwnd = ssthresh + 3·SMSS and a fast retransmit;
    /// each further duplicate adds SMSS; the next ACK of new data deflates to ssthresh.
    #[test]
    fn fast_recovery_arithmetic() {
        let mut r = Reno::new(SMSS, 20 * SMSS);
        assert_eq!(r.on_dup_ack(&dup(1, 20 * SMSS)), CcAction::None, "1st dup");
        assert_eq!(r.on_dup_ack(&dup(2, 20 * SMSS)), CcAction::None, "2nd dup");
        assert_eq!(
            r.on_dup_ack(&dup(3, 20 * SMSS)),
            CcAction::FastRetransmit,
            "3rd dup"
        );
        assert_eq!(r.ssthresh(), 10 * SMSS, "ssthresh = FlightSize/2");
        assert_eq!(r.cwnd(), 13 * SMSS, "cwnd = ssthresh + 3·SMSS");
        r.on_dup_ack(&dup(4, 20 * SMSS));
        assert_eq!(r.cwnd(), 14 * SMSS, "inflate by SMSS");
        let a = AckInfo {
            ack: SeqNum(1 + 5 * SMSS),
            acked: 5 * SMSS,
            flight_size: 15 * SMSS,
        };
        assert_eq!(r.on_ack(&a), CcAction::None, "no retransmission on new ACK");
        assert_eq!(r.cwnd(), 10 * SMSS, "deflate to ssthresh");
        assert!(!r.in_recovery(), "recovery over on any new ACK");
    }

    /// A timeout sets the loss window of one SMSS; a second expiry keeps ssthresh.
    #[test]
    fn timeout_loss_window() {
        let mut r = Reno::new(SMSS, 20 * SMSS);
        r.on_timeout(20 * SMSS, SeqNum(0), true);
        assert_eq!((r.cwnd(), r.ssthresh()), (SMSS, 10 * SMSS), "first expiry");
        r.on_timeout(20 * SMSS - 1, SeqNum(0), false);
        assert_eq!(
            (r.cwnd(), r.ssthresh()),
            (SMSS, 10 * SMSS),
            "repeat keeps ssthresh"
        );
    }
}
