//! The retransmission-timeout estimator of RFC 6298, in integer picoseconds.

use sim_core::SimTime;

use super::TcpConfig;

/// SRTT, RTTVAR and the (possibly backed-off) RTO of one connection.
///
/// All arithmetic is on integer picoseconds; the gains α = 1/8 and β = 1/4 become
/// `(7·SRTT + R′) / 8` and `(3·RTTVAR + |SRTT − R′|) / 4`, which lose at most a picosecond per
/// sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RttEstimator {
    /// Smoothed RTT (ps), `None` before the first sample.
    srtt_ps: Option<u64>,
    /// RTT variation (ps).
    rttvar_ps: u64,
    /// The smallest sample (ps), `u64::MAX` before the first.
    min_rtt_ps: u64,
    /// RTO before back-off, already clamped to [min_rto, max_rto].
    base_rto: SimTime,
    /// Number of doublings applied by consecutive timeouts (RFC 6298 §5.5).
    backoff: u32,
    min_rto: SimTime,
    max_rto: SimTime,
    granularity: SimTime,
}

impl RttEstimator {
    /// An estimator with no samples: RTO = `initial_rto` (RFC 6298 §2.1).
    pub fn new(cfg: &TcpConfig) -> Self {
        RttEstimator {
            srtt_ps: None,
            rttvar_ps: 0,
            min_rtt_ps: u64::MAX,
            base_rto: cfg.initial_rto.min(cfg.max_rto),
            backoff: 0,
            min_rto: cfg.min_rto,
            max_rto: cfg.max_rto,
            granularity: cfg.clock_granularity,
        }
    }

    /// Feeds one RTT measurement `r` taken from a segment that was not retransmitted (Karn's
    /// rule is the caller's duty). A fresh sample also cancels any back-off, because the RTO is
    /// recomputed from SRTT (RFC 6298 §5.7 and Karn).
    pub fn sample(&mut self, r: SimTime) {
        let r = r.as_ps();
        self.min_rtt_ps = self.min_rtt_ps.min(r);
        let srtt = match self.srtt_ps {
            // RFC 6298 §2.2: the first measurement.
            None => {
                self.rttvar_ps = r / 2;
                r
            }
            // RFC 6298 §2.3: RTTVAR is updated with the old SRTT, then SRTT.
            Some(srtt) => {
                self.rttvar_ps = (3 * self.rttvar_ps + srtt.abs_diff(r)) / 4;
                (7 * srtt + r) / 8
            }
        };
        self.srtt_ps = Some(srtt);
        let rto =
            SimTime::from_ps(srtt.saturating_add(self.granularity.as_ps().max(4 * self.rttvar_ps)));
        // RFC 6298 §2.4–2.5: clamp.
        self.base_rto = rto.clamp(self.min_rto, self.max_rto);
        self.backoff = 0;
    }

    /// Doubles the RTO after a timer expiry (RFC 6298 §5.5), up to `max_rto`.
    pub fn back_off(&mut self) {
        if self.rto() < self.max_rto {
            self.backoff += 1;
        }
    }

    /// The current retransmission timeout, including back-off.
    pub fn rto(&self) -> SimTime {
        let factor = 1u64 << self.backoff.min(40);
        SimTime::from_ps(self.base_rto.as_ps().saturating_mul(factor)).min(self.max_rto)
    }

    /// The smoothed RTT, once there is a sample.
    pub fn srtt(&self) -> Option<SimTime> {
        self.srtt_ps.map(SimTime::from_ps)
    }

    /// The smallest RTT sample so far, once there is one.
    pub fn min_rtt(&self) -> Option<SimTime> {
        (self.min_rtt_ps != u64::MAX).then(|| SimTime::from_ps(self.min_rtt_ps))
    }

    /// The RTT variation (zero before the first sample).
    pub fn rttvar(&self) -> SimTime {
        SimTime::from_ps(self.rttvar_ps)
    }

    /// How many times the current RTO has been doubled.
    pub fn backoff(&self) -> u32 {
        self.backoff
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn est() -> RttEstimator {
        RttEstimator::new(&TcpConfig::default())
    }

    /// Before any sample the RTO is the configured 1 s (RFC 6298 §2.1).
    #[test]
    fn initial_rto_is_one_second() {
        let e = est();
        assert_eq!(e.rto(), SimTime::from_secs(1), "initial RTO");
        assert_eq!(e.srtt(), None, "no SRTT yet");
        assert_eq!(e.min_rtt(), None, "no min RTT yet");
    }

    /// First sample R = 100 ms: SRTT = 100 ms, RTTVAR = 50 ms, RTO = 100 + 4·50 = 300 ms. Second
    /// sample R′ = 140 ms: RTTVAR = (3·50 + |100 − 140|)/4 = 47.5 ms (updated first, with the old
    /// SRTT), SRTT = (7·100 + 140)/8 = 105 ms, RTO = 105 + 190 = 295 ms. Exact picoseconds.
    #[test]
    fn first_and_second_sample_exact() {
        let mut e = est();
        e.sample(SimTime::from_ms(100));
        assert_eq!(e.srtt(), Some(SimTime::from_ms(100)), "SRTT = R");
        assert_eq!(e.rttvar(), SimTime::from_ms(50), "RTTVAR = R/2");
        assert_eq!(e.rto(), SimTime::from_ms(300), "RTO = SRTT + 4·RTTVAR");
        e.sample(SimTime::from_ms(140));
        assert_eq!(e.rttvar().as_ps(), 47_500_000_000, "RTTVAR 47.5 ms");
        assert_eq!(e.srtt().unwrap().as_ps(), 105_000_000_000, "SRTT 105 ms");
        assert_eq!(e.rto().as_ps(), 295_000_000_000, "RTO 295 ms");
        assert_eq!(e.min_rtt(), Some(SimTime::from_ms(100)), "min of 100, 140");
        e.sample(SimTime::from_ms(90));
        assert_eq!(
            e.min_rtt(),
            Some(SimTime::from_ms(90)),
            "min of 100, 140, 90"
        );
    }

    /// A 10 ms path gives SRTT + 4·RTTVAR = 30 ms, which the 200 ms floor lifts (RFC 6298 §2.4
    /// with Linux's floor); G wins over 4·RTTVAR when the variation is tiny.
    #[test]
    fn min_rto_and_granularity() {
        let mut e = est();
        e.sample(SimTime::from_ms(10));
        assert_eq!(e.rto(), SimTime::from_ms(200), "clamped to min_rto");
        let mut cfg = TcpConfig {
            min_rto: SimTime::ZERO,
            ..TcpConfig::default()
        };
        cfg.clock_granularity = SimTime::from_ms(1);
        let mut e = RttEstimator::new(&cfg);
        e.sample(SimTime::from_us(100));
        // RTTVAR = 50 µs, 4·RTTVAR = 200 µs < G = 1 ms.
        assert_eq!(e.rto(), SimTime::from_us(1100), "SRTT + G");
    }

    /// Back-off doubles from 1 s: 1, 2, 4, 8, 16, 32, then the 60 s cap holds; a new sample
    /// clears the back-off.
    #[test]
    fn backoff_doubles_to_cap() {
        let mut e = est();
        let mut seen = vec![];
        for _ in 0..9 {
            seen.push(e.rto().as_ps() / 1_000_000_000_000);
            e.back_off();
        }
        assert_eq!(seen, [1, 2, 4, 8, 16, 32, 60, 60, 60], "RTO sequence [s]");
        e.sample(SimTime::from_ms(100));
        assert_eq!(e.backoff(), 0, "sample clears back-off");
        assert_eq!(e.rto(), SimTime::from_ms(300), "RTO recomputed from SRTT");
    }
}
