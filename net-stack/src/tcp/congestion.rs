//! Congestion control as a small trait, one file per algorithm (the smoltcp layout).
//!
//! The connection owns everything about sequence numbers, duplicate-ACK counting and timers; an
//! algorithm only sees summaries ([`AckInfo`], [`DupAckInfo`]) and answers with a [`CcAction`]
//! when it wants a segment retransmitted. That keeps Reno and NewReno to a few dozen lines each
//! and makes them testable without a connection.

mod newreno;
mod reno;

pub use newreno::NewReno;
pub use reno::Reno;

use crate::wire::SeqNum;

use super::CcVariant;

/// An acknowledgment that advanced SND.UNA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AckInfo {
    /// The cumulative acknowledgment number (the new SND.UNA).
    pub ack: SeqNum,
    /// Sequence space newly acknowledged by this ACK (bytes) (N in RFC 5681 §3.1).
    pub acked: u32,
    /// FlightSize after this ACK: SND.MAX − SND.UNA (bytes) (RFC 5681 §2).
    pub flight_size: u32,
}

/// A duplicate acknowledgment (RFC 5681 §2: no data, no SYN/FIN, same ACK number and window,
/// data outstanding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DupAckInfo {
    /// How many duplicates of this ACK number have arrived in a row, this one included.
    pub count: u32,
    /// The (unchanged) cumulative acknowledgment number.
    pub ack: SeqNum,
    /// FlightSize: SND.MAX − SND.UNA (bytes).
    pub flight_size: u32,
    /// The highest sequence number sent so far, plus one (SND.MAX).
    pub snd_max: SeqNum,
}

/// What an algorithm asks of the connection after an ACK.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CcAction {
    /// Nothing beyond the usual: send what the new window allows; restart the RTO timer if this
    /// was an ACK of new data (RFC 6298 §5.3).
    None,
    /// Fast retransmit (RFC 5681 §3.2 step 2): resend the first unacknowledged segment now.
    FastRetransmit,
    /// A NewReno partial ACK (RFC 6582 §3.2 step 5): resend the first unacknowledged segment;
    /// restart the RTO timer only if `restart_rto` (the first partial ACK of this recovery).
    RetransmitFirstUnacked {
        /// Whether to restart the retransmission timer.
        restart_rto: bool,
    },
}

/// A congestion-control algorithm. All windows are in bytes.
pub trait CongestionControl {
    /// The congestion window.
    fn cwnd(&self) -> u32;
    /// The slow-start threshold.
    fn ssthresh(&self) -> u32;
    /// Whether the algorithm is in fast recovery.
    fn in_recovery(&self) -> bool;
    /// An ACK that acknowledged new data.
    fn on_ack(&mut self, ack: &AckInfo) -> CcAction;
    /// A duplicate ACK.
    fn on_dup_ack(&mut self, dup: &DupAckInfo) -> CcAction;
    /// The retransmission timer expired. `first` is false for a repeated expiry of the same
    /// segment, which must not shrink ssthresh again (RFC 5681 §3.1, after eq. 4).
    fn on_timeout(&mut self, flight_size: u32, snd_max: SeqNum, first: bool);
    /// The connection was idle for more than one RTO (RFC 5681 §4.1): cwnd = min(`iw`, cwnd).
    fn on_idle_restart(&mut self, iw: u32);
}

/// The window state every loss-based algorithm shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Congestion window (bytes).
    pub cwnd: u32,
    /// Slow-start threshold (bytes); "arbitrarily high" at first (RFC 5681 §3.1).
    pub ssthresh: u32,
    /// Sender maximum segment size (bytes).
    pub smss: u32,
    /// Congestion avoidance by byte counting instead of eq. 3 (see [`TcpConfig::ca_byte_counting`](super::TcpConfig::ca_byte_counting)).
    pub byte_counting: bool,
    /// Eq. 3: the remainder of SMSS·SMSS/cwnd carried to the next ACK (a numerator over cwnd).
    /// Byte counting: bytes acknowledged since cwnd last grew.
    ca_carry: u64,
}

/// A ceiling that keeps window arithmetic far from overflow.
const MAX_CWND: u32 = 1 << 30;

impl Window {
    /// A window of `iw` bytes and an unbounded ssthresh, growing by eq. 3 in congestion
    /// avoidance.
    pub fn new(smss: u32, iw: u32) -> Self {
        Window {
            cwnd: iw,
            ssthresh: u32::MAX,
            smss,
            byte_counting: false,
            ca_carry: 0,
        }
    }

    /// Growth on an ACK of `acked` new bytes outside recovery: slow start while
    /// cwnd < ssthresh, congestion avoidance otherwise (RFC 5681 §3.1, eq. 2 and 3).
    pub fn grow(&mut self, acked: u32) {
        let inc = if self.cwnd < self.ssthresh {
            self.ca_carry = 0;
            acked.min(self.smss)
        } else if self.byte_counting {
            // RFC 5681 §3.1's RECOMMENDED method: one SMSS each time a full cwnd of bytes has
            // been acknowledged, i.e. exactly one SMSS per RTT.
            self.ca_carry += u64::from(acked);
            if self.ca_carry >= u64::from(self.cwnd) {
                self.ca_carry -= u64::from(self.cwnd);
                self.smss
            } else {
                0
            }
        } else {
            // Eq. 3, SMSS·SMSS/cwnd, with the remainder of the integer division carried to the
            // next ACK: plain truncation would lose up to 1.5 % of the growth at a 40-segment
            // window and lengthen every sawtooth.
            let smss = u64::from(self.smss);
            let cwnd = u64::from(self.cwnd.max(1));
            let num = smss * smss + self.ca_carry;
            self.ca_carry = num % cwnd;
            (num / cwnd) as u32
        };
        self.cwnd = self.cwnd.saturating_add(inc).min(MAX_CWND);
    }

    /// ssthresh = max(FlightSize / 2, 2·SMSS) (RFC 5681 eq. 4).
    pub fn loss_ssthresh(&self, flight_size: u32) -> u32 {
        (flight_size / 2).max(2 * self.smss)
    }

    /// Enter fast recovery on the third duplicate ACK (RFC 5681 §3.2 steps 2–3):
    /// ssthresh from eq. 4 and cwnd = ssthresh + 3·SMSS, inflated for the three segments that
    /// have left the network.
    pub fn enter_fast_recovery(&mut self, flight_size: u32) {
        self.ca_carry = 0;
        self.ssthresh = self.loss_ssthresh(flight_size);
        self.cwnd = self.ssthresh.saturating_add(3 * self.smss).min(MAX_CWND);
    }

    /// Inflate by one SMSS for each further duplicate ACK (RFC 5681 §3.2 step 4).
    pub fn inflate(&mut self) {
        self.cwnd = self.cwnd.saturating_add(self.smss).min(MAX_CWND);
    }

    /// After a retransmission timeout: ssthresh from eq. 4 (only for the first expiry) and
    /// cwnd = loss window = 1·SMSS (RFC 5681 §3.1).
    pub fn timeout(&mut self, flight_size: u32, first: bool) {
        self.ca_carry = 0;
        if first {
            self.ssthresh = self.loss_ssthresh(flight_size);
        }
        self.cwnd = self.smss;
    }

    /// RFC 5681 §4.1 restart window.
    pub fn idle_restart(&mut self, iw: u32) {
        self.ca_carry = 0;
        self.cwnd = self.cwnd.min(iw);
    }
}

/// The algorithm a connection runs, dispatched by `match` (no allocation, no vtable).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cc {
    /// RFC 5681 Reno.
    Reno(Reno),
    /// RFC 6582 NewReno.
    NewReno(NewReno),
}

impl Cc {
    /// A fresh algorithm of `variant` with SMSS `smss`, initial window `iw` (bytes) and
    /// `recover` initialised to the initial send sequence number (RFC 6582 §3.2 step 1).
    pub fn new(variant: CcVariant, smss: u32, iw: u32, iss: SeqNum) -> Self {
        match variant {
            CcVariant::Reno => Cc::Reno(Reno::new(smss, iw)),
            CcVariant::NewReno => Cc::NewReno(NewReno::new(smss, iw, iss)),
        }
    }

    /// The same, with byte counting in congestion avoidance when `byte_counting`.
    pub fn with_byte_counting(mut self, byte_counting: bool) -> Self {
        match &mut self {
            Cc::Reno(r) => r.window_mut().byte_counting = byte_counting,
            Cc::NewReno(n) => n.window_mut().byte_counting = byte_counting,
        }
        self
    }

    fn inner(&self) -> &dyn CongestionControl {
        match self {
            Cc::Reno(r) => r,
            Cc::NewReno(n) => n,
        }
    }

    fn inner_mut(&mut self) -> &mut dyn CongestionControl {
        match self {
            Cc::Reno(r) => r,
            Cc::NewReno(n) => n,
        }
    }
}

impl CongestionControl for Cc {
    fn cwnd(&self) -> u32 {
        self.inner().cwnd()
    }
    fn ssthresh(&self) -> u32 {
        self.inner().ssthresh()
    }
    fn in_recovery(&self) -> bool {
        self.inner().in_recovery()
    }
    fn on_ack(&mut self, ack: &AckInfo) -> CcAction {
        self.inner_mut().on_ack(ack)
    }
    fn on_dup_ack(&mut self, dup: &DupAckInfo) -> CcAction {
        self.inner_mut().on_dup_ack(dup)
    }
    fn on_timeout(&mut self, flight_size: u32, snd_max: SeqNum, first: bool) {
        self.inner_mut().on_timeout(flight_size, snd_max, first)
    }
    fn on_idle_restart(&mut self, iw: u32) {
        self.inner_mut().on_idle_restart(iw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slow start adds min(N, SMSS) per ACK; at cwnd ≥ ssthresh growth is SMSS²/cwnd per ACK.
    #[test]
    fn window_growth() {
        let mut w = Window::new(1000, 10_000);
        w.grow(1000);
        assert_eq!(w.cwnd, 11_000, "slow start: +SMSS for a full segment");
        w.grow(3000);
        assert_eq!(w.cwnd, 12_000, "slow start: at most SMSS per ACK");
        w.grow(400);
        assert_eq!(w.cwnd, 12_400, "slow start: N when N < SMSS");
        w.ssthresh = 12_400;
        w.grow(1000);
        assert_eq!(
            w.cwnd,
            12_400 + 80,
            "CA: 1000·1000/12400 = 80, remainder 8000 carried"
        );
        w.grow(1000);
        assert_eq!(
            w.cwnd,
            12_480 + 80,
            "CA: (1000·1000 + 8000)/12480 = 80.77, remainder carried again"
        );
        let mut w = Window::new(1000, 10_000);
        w.ssthresh = 0;
        for _ in 0..10 {
            w.grow(1000);
        }
        assert_eq!(
            w.cwnd, 10_958,
            "ten ACKs: Σ SMSS²/cwnd with remainders carried"
        );
    }

    /// Byte counting adds exactly one SMSS once a whole cwnd has been acknowledged.
    #[test]
    fn byte_counting_growth() {
        let mut w = Window::new(1000, 10_000);
        w.ssthresh = 0;
        w.byte_counting = true;
        for i in 1..=9 {
            w.grow(1000);
            assert_eq!(w.cwnd, 10_000, "ACK {i}: not yet a full window");
        }
        w.grow(1000);
        assert_eq!(w.cwnd, 11_000, "one SMSS per window of ACKs");
    }

    /// ssthresh never drops below 2·SMSS (RFC 5681 eq. 4).
    #[test]
    fn loss_ssthresh_floor() {
        let w = Window::new(1000, 10_000);
        assert_eq!(w.loss_ssthresh(20_000), 10_000, "half the flight");
        assert_eq!(w.loss_ssthresh(3000), 2000, "floor 2·SMSS");
    }
}
