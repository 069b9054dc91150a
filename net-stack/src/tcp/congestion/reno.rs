//! The RFC 5681 window: slow start, congestion avoidance and the multiplicative decrease of
//! eq. 4 (§3.1). Reno and NewReno share it; they differ in fast recovery (RFC 5681 §3.2 against
//! RFC 6582), which the connection runs (`connection/recovery.rs`).

use sim_core::SimTime;

use super::{AckSample, CongestionControl, CongestionEvent, CongestionKind, MAX_CWND, Window};

/// RFC 5681's window arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reno {
    /// Congestion avoidance by byte counting instead of eq. 3 (see
    /// [`TcpConfig::ca_byte_counting`](crate::tcp::TcpConfig::ca_byte_counting)).
    pub byte_counting: bool,
    /// Eq. 3: the remainder of SMSS·SMSS/cwnd carried to the next ACK (a numerator over cwnd).
    /// Byte counting: bytes acknowledged since cwnd last grew.
    ca_carry: u64,
    /// ns-3's `TcpNewReno` (`[tcp] ns3_departures`, "newreno-per-ack"; README departure 1):
    /// growth per ACK, not per byte (`tcp-congestion-ops.cc:161-200`).
    pub ns3_per_ack: bool,
    /// ns-3's `m_bytesAckedNotProcessed` (`tcp-socket-base.cc:2144-2153`): acknowledged bytes
    /// short of a whole segment, carried to the next ACK.
    ns3_bytes: u32,
}

impl Reno {
    /// A controller growing by eq. 3 in congestion avoidance, or by byte counting when
    /// `byte_counting`.
    pub fn new(byte_counting: bool) -> Self {
        Reno {
            byte_counting,
            ca_carry: 0,
            ns3_per_ack: false,
            ns3_bytes: 0,
        }
    }

    /// Growth on an ACK of `acked` new bytes: slow start while cwnd < ssthresh, congestion
    /// avoidance otherwise (RFC 5681 §3.1, eq. 2 and 3).
    #[inline]
    fn grow(&mut self, w: &mut Window, acked: u32) {
        if self.ns3_per_ack {
            return self.grow_ns3(w, acked);
        }
        let inc = if w.cwnd < w.ssthresh {
            self.ca_carry = 0;
            acked.min(w.smss)
        } else if self.byte_counting {
            // RFC 5681 §3.1's RECOMMENDED method: one SMSS each time a full cwnd of bytes has
            // been acknowledged, i.e. exactly one SMSS per RTT.
            self.ca_carry += u64::from(acked);
            if self.ca_carry >= u64::from(w.cwnd) {
                self.ca_carry -= u64::from(w.cwnd);
                w.smss
            } else {
                0
            }
        } else {
            // Eq. 3, SMSS·SMSS/cwnd, with the remainder of the integer division carried to the
            // next ACK: plain truncation would lose up to 1.5 % of the growth at a 40-segment
            // window and lengthen every sawtooth.
            let smss = u64::from(w.smss);
            let cwnd = u64::from(w.cwnd.max(1));
            let num = smss * smss + self.ca_carry;
            self.ca_carry = num % cwnd;
            (num / cwnd) as u32
        };
        w.cwnd = w.cwnd.saturating_add(inc).min(MAX_CWND);
    }
}

impl Reno {
    /// ns-3's `TcpNewReno::IncreaseWindow` with the segments this ACK acknowledged (whole
    /// segments, the remainder carried): slow start adds one SMSS whatever the count
    /// (`SlowStart`, `:161-175`), and congestion avoidance, with any segments left, adds
    /// ⌊SMSS·SMSS/cwnd⌋ bytes, at least 1, once per ACK (`CongestionAvoidance`, `:186-200`).
    /// RFC 5681 §3.1 adds min(N, SMSS) and SMSS·SMSS/cwnd per ACK without truncation.
    fn grow_ns3(&mut self, w: &mut Window, acked: u32) {
        let total = acked + self.ns3_bytes;
        let mut segs = total / w.smss;
        self.ns3_bytes = total % w.smss;
        if w.cwnd < w.ssthresh && segs >= 1 {
            w.cwnd = w.cwnd.saturating_add(w.smss).min(MAX_CWND);
            segs -= 1;
        }
        if w.cwnd >= w.ssthresh && segs > 0 {
            let adder = (w.smss * w.smss / w.cwnd.max(1)).max(1);
            w.cwnd = w.cwnd.saturating_add(adder).min(MAX_CWND);
        }
    }
}

impl CongestionControl for Reno {
    #[inline]
    fn on_ack(&mut self, _now: SimTime, w: &mut Window, ack: &AckSample) {
        self.grow(w, ack.acked);
    }

    fn on_congestion_event(&mut self, _now: SimTime, w: &mut Window, ev: &CongestionEvent) {
        self.ca_carry = 0;
        match ev.kind {
            // RFC 5681 §3.2 step 2 (eq. 4); the recovery sets cwnd = ssthresh + 3·SMSS.
            CongestionKind::DuplicateAcks => w.ssthresh = w.loss_ssthresh(ev.flight_size),
            // RFC 5681 §3.1: eq. 4 on the first expiry only, and the loss window of 1·SMSS.
            CongestionKind::Timeout { first } => {
                if first {
                    w.ssthresh = w.loss_ssthresh(ev.flight_size);
                }
                w.cwnd = w.smss;
            }
        }
    }

    fn on_idle_restart(&mut self, _now: SimTime, w: &mut Window, iw: u32) {
        // RFC 5681 §4.1 restart window.
        self.ca_carry = 0;
        w.cwnd = w.cwnd.min(iw);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::SeqNum;

    const SMSS: u32 = 1000;

    fn ack(acked: u32) -> AckSample {
        AckSample {
            ack: SeqNum(1),
            acked,
            flight_size: 0,
            rtt: None,
            srtt: None,
            min_rtt: None,
        }
    }

    fn grow(r: &mut Reno, w: &mut Window, acked: u32) {
        r.on_ack(SimTime::ZERO, w, &ack(acked));
    }

    /// ns-3's NewReno ("newreno-per-ack"): slow start adds one SMSS per ACK even for two
    /// segments (RFC 5681: min(N, SMSS), the same here) and a fraction of a segment is carried
    /// until it makes a whole one; congestion avoidance adds ⌊SMSS²/cwnd⌋ with no carried
    /// remainder, where RFC 5681 eq. 3 (netsim) carries it.
    #[test]
    fn ns3_per_ack_growth() {
        let (mut r, mut w) = (Reno::new(false), Window::new(SMSS, 10_000));
        r.ns3_per_ack = true;
        grow(&mut r, &mut w, 2000);
        assert_eq!(w.cwnd, 11_000, "two segments: one SMSS");
        grow(&mut r, &mut w, 400);
        assert_eq!(w.cwnd, 11_000, "less than a segment: nothing yet");
        grow(&mut r, &mut w, 600);
        assert_eq!(w.cwnd, 12_000, "the carried bytes make a segment");
        w.ssthresh = 12_000;
        let mut rfc = (Reno::new(false), w);
        for _ in 0..3 {
            grow(&mut r, &mut w, 1000);
            grow(&mut rfc.0, &mut rfc.1, 1000);
        }
        // 1e6/12000 = 83.3 → 83; 1e6/12083 = 82.76 → 82; 1e6/12165 = 82.2 → 82.
        assert_eq!(w.cwnd, 12_000 + 83 + 82 + 82, "truncated per ACK");
        assert_eq!(rfc.1.cwnd, 12_248, "eq. 3 with the remainder carried");
        grow(&mut r, &mut w, 500);
        assert_eq!(w.cwnd, 12_247, "half a segment: no growth");
    }

    /// Slow start adds min(N, SMSS) per ACK; at cwnd ≥ ssthresh growth is SMSS²/cwnd per ACK.
    #[test]
    fn window_growth() {
        let (mut r, mut w) = (Reno::new(false), Window::new(SMSS, 10_000));
        grow(&mut r, &mut w, 1000);
        assert_eq!(w.cwnd, 11_000, "slow start: +SMSS for a full segment");
        grow(&mut r, &mut w, 3000);
        assert_eq!(w.cwnd, 12_000, "slow start: at most SMSS per ACK");
        grow(&mut r, &mut w, 400);
        assert_eq!(w.cwnd, 12_400, "slow start: N when N < SMSS");
        w.ssthresh = 12_400;
        grow(&mut r, &mut w, 1000);
        assert_eq!(
            w.cwnd,
            12_400 + 80,
            "CA: 1000·1000/12400 = 80, remainder 8000 carried"
        );
        grow(&mut r, &mut w, 1000);
        assert_eq!(
            w.cwnd,
            12_480 + 80,
            "CA: (1000·1000 + 8000)/12480 = 80.77, remainder carried again"
        );
        let (mut r, mut w) = (Reno::new(false), Window::new(SMSS, 10_000));
        w.ssthresh = 0;
        for _ in 0..10 {
            grow(&mut r, &mut w, 1000);
        }
        assert_eq!(
            w.cwnd, 10_958,
            "ten ACKs: Σ SMSS²/cwnd with remainders carried"
        );
    }

    /// Byte counting adds exactly one SMSS once a whole cwnd has been acknowledged.
    #[test]
    fn byte_counting_growth() {
        let (mut r, mut w) = (Reno::new(true), Window::new(SMSS, 10_000));
        w.ssthresh = 0;
        for i in 1..=9 {
            grow(&mut r, &mut w, 1000);
            assert_eq!(w.cwnd, 10_000, "ACK {i}: not yet a full window");
        }
        grow(&mut r, &mut w, 1000);
        assert_eq!(w.cwnd, 11_000, "one SMSS per window of ACKs");
    }

    /// The third duplicate ACK sets ssthresh = FlightSize/2 and leaves cwnd to the recovery; a
    /// timeout sets the loss window of one SMSS, and a second expiry keeps ssthresh.
    #[test]
    fn congestion_events() {
        let (mut r, mut w) = (Reno::new(false), Window::new(SMSS, 20 * SMSS));
        let ev = |kind| CongestionEvent {
            kind,
            flight_size: 20 * SMSS,
        };
        r.on_congestion_event(SimTime::ZERO, &mut w, &ev(CongestionKind::DuplicateAcks));
        assert_eq!((w.cwnd, w.ssthresh), (20 * SMSS, 10 * SMSS), "eq. 4");
        let mut w = Window::new(SMSS, 20 * SMSS);
        let first = ev(CongestionKind::Timeout { first: true });
        r.on_congestion_event(SimTime::ZERO, &mut w, &first);
        assert_eq!((w.cwnd, w.ssthresh), (SMSS, 10 * SMSS), "first expiry");
        let again = CongestionEvent {
            kind: CongestionKind::Timeout { first: false },
            flight_size: 20 * SMSS - 1,
        };
        r.on_congestion_event(SimTime::ZERO, &mut w, &again);
        assert_eq!(
            (w.cwnd, w.ssthresh),
            (SMSS, 10 * SMSS),
            "repeat keeps ssthresh"
        );
    }

    /// A congestion event clears the eq. 3 remainder, so growth after it starts afresh.
    #[test]
    fn carry_cleared_by_congestion_event() {
        let (mut r, mut w) = (Reno::new(false), Window::new(SMSS, 12_400));
        w.ssthresh = 0;
        grow(&mut r, &mut w, 1000);
        assert_eq!(r.ca_carry, 8000, "remainder carried");
        let ev = CongestionEvent {
            kind: CongestionKind::DuplicateAcks,
            flight_size: 0,
        };
        r.on_congestion_event(SimTime::ZERO, &mut w, &ev);
        assert_eq!(r.ca_carry, 0, "cleared");
    }
}
