//! HyStart++ (RFC 9406): leave slow start before the first overshoot, when the minimum RTT of a
//! round has grown by more than clamp(min RTT / 8, 4 ms, 16 ms) over the previous round's, and
//! grow by a quarter as fast for CSS_ROUNDS rounds (Conservative Slow Start) before handing
//! over to congestion avoidance; a falling RTT during CSS means the increase was spurious and
//! slow start resumes.
//!
//! Departure (documented in docs/tcp.md): netsim times one segment per round trip (Karn, RFC
//! 6298), so a round has one RTT sample, not the N_RTT_SAMPLE = 8 of §4.2; the checks run once
//! a round has [`N_RTT_SAMPLE`] samples. Only the first slow start uses HyStart++ (§4.3); after
//! a congestion event slow start is RFC 5681's.

use sim_core::SimTime;

use super::{AckSample, MAX_CWND, Window};
use crate::wire::SeqNum;

/// MIN_RTT_THRESH (RFC 9406 §4.2).
pub const MIN_RTT_THRESH: SimTime = SimTime::from_ms(4);
/// MAX_RTT_THRESH.
pub const MAX_RTT_THRESH: SimTime = SimTime::from_ms(16);
/// MIN_RTT_DIVISOR.
pub const MIN_RTT_DIVISOR: u64 = 8;
/// RTT samples a round needs before the checks (RFC: 8; netsim takes one per round).
pub const N_RTT_SAMPLE: u32 = 1;
/// CSS_GROWTH_DIVISOR.
pub const CSS_GROWTH_DIVISOR: u32 = 4;
/// CSS_ROUNDS.
pub const CSS_ROUNDS: u32 = 5;
/// L: at most L·SMSS of growth per ACK without pacing (§4.2).
pub const L: u32 = 8;

/// Where HyStart++ is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Standard slow start, watching the RTT.
    SlowStart,
    /// Conservative Slow Start: `rounds` completed, entered at `baseline` min RTT.
    Css {
        /// CSS rounds completed.
        rounds: u32,
        /// cssBaselineMinRtt.
        baseline: SimTime,
    },
    /// Finished (CSS ran its rounds, or a congestion event came): RFC 5681 slow start.
    Done,
}

/// HyStart++'s per-connection state (RFC 9406 §4.2's variables).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HyStart {
    phase: Phase,
    window_end: Option<SeqNum>,
    last_round_min_rtt: Option<SimTime>,
    current_round_min_rtt: Option<SimTime>,
    rtt_sample_count: u32,
    /// Times slow start was left for CSS (a delay increase was seen).
    pub css_entries: u32,
}

impl Default for HyStart {
    fn default() -> Self {
        Self::new()
    }
}

impl HyStart {
    /// At the start of the connection.
    pub fn new() -> Self {
        HyStart {
            phase: Phase::SlowStart,
            window_end: None,
            last_round_min_rtt: None,
            current_round_min_rtt: None,
            rtt_sample_count: 0,
            css_entries: 0,
        }
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// A congestion event ends HyStart++ (§4.2: ssthresh is the controller's, §4.3: later
    /// slow starts are standard).
    pub fn on_congestion(&mut self) {
        self.phase = Phase::Done;
    }

    /// An ACK of new data while cwnd < ssthresh: grows cwnd, and may end slow start by setting
    /// ssthresh = cwnd.
    pub fn on_ack(&mut self, w: &mut Window, ack: &AckSample) {
        if self.phase == Phase::Done {
            w.cwnd = w.cwnd.saturating_add(ack.acked.min(w.smss)).min(MAX_CWND);
            return;
        }
        // A round ends when the ACK passes the SND.NXT recorded at its start.
        if self.window_end.is_none_or(|end| ack.ack >= end) {
            if let Phase::Css { rounds, baseline } = self.phase {
                let rounds = rounds + 1;
                if rounds >= CSS_ROUNDS {
                    // §4.2: CSS_ROUNDS rounds of CSS: enter congestion avoidance.
                    w.ssthresh = w.cwnd;
                    self.phase = Phase::Done;
                    return;
                }
                self.phase = Phase::Css { rounds, baseline };
            }
            self.last_round_min_rtt = self.current_round_min_rtt;
            self.current_round_min_rtt = None;
            self.rtt_sample_count = 0;
            self.window_end = Some(ack.ack + ack.flight_size);
        }
        if let Some(r) = ack.rtt {
            self.current_round_min_rtt = Some(self.current_round_min_rtt.map_or(r, |m| m.min(r)));
            self.rtt_sample_count += 1;
        }
        let mut inc = ack.acked.min(L * w.smss);
        if matches!(self.phase, Phase::Css { .. }) {
            inc /= CSS_GROWTH_DIVISOR;
        }
        w.cwnd = w.cwnd.saturating_add(inc).min(MAX_CWND);
        if self.rtt_sample_count < N_RTT_SAMPLE {
            return;
        }
        let Some(current) = self.current_round_min_rtt else {
            return;
        };
        match self.phase {
            Phase::SlowStart => {
                let Some(last) = self.last_round_min_rtt else {
                    return;
                };
                let thresh = (last / MIN_RTT_DIVISOR).clamp(MIN_RTT_THRESH, MAX_RTT_THRESH);
                if current >= last + thresh {
                    self.phase = Phase::Css {
                        rounds: 0,
                        baseline: current,
                    };
                    self.css_entries += 1;
                }
            }
            Phase::Css { baseline, .. } if current < baseline => {
                // §4.2: the RTT increase was spurious: back to slow start.
                self.phase = Phase::SlowStart;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMSS: u32 = 1000;

    fn sample(ack: u32, acked: u32, flight: u32, rtt_ms: Option<u64>) -> AckSample {
        AckSample {
            ack: SeqNum(ack),
            acked,
            flight_size: flight,
            rtt: rtt_ms.map(SimTime::from_ms),
            srtt: None,
            min_rtt: None,
        }
    }

    /// RFC 9406 §4.2 step by step: round 1 sees 100 ms, round 2 sees 105 ms (below 100 + 12.5):
    /// still slow start; round 3 sees 120 ms (≥ 105 + 13.125): CSS, where an ACK of 4 SMSS
    /// grows cwnd by a quarter; five CSS rounds later ssthresh = cwnd. Growth per ACK is
    /// capped at L·SMSS.
    #[test]
    fn delay_increase_enters_css_then_avoidance() {
        let mut h = HyStart::new();
        let mut w = Window::new(SMSS, 10 * SMSS);
        h.on_ack(&mut w, &sample(1000, 20 * SMSS, 10 * SMSS, Some(100)));
        assert_eq!(w.cwnd, 10 * SMSS + L * SMSS, "capped at L·SMSS");
        h.on_ack(&mut w, &sample(12_000, SMSS, 10 * SMSS, Some(105)));
        assert_eq!(h.phase(), Phase::SlowStart, "105 < 100 + 12.5 ms");
        h.on_ack(&mut w, &sample(30_000, SMSS, 10 * SMSS, Some(120)));
        assert_eq!(
            h.phase(),
            Phase::Css {
                rounds: 0,
                baseline: SimTime::from_ms(120)
            },
            "120 ≥ 105 + 13.125 ms"
        );
        let before = w.cwnd;
        h.on_ack(&mut w, &sample(31_000, 4 * SMSS, 10 * SMSS, None));
        assert_eq!(w.cwnd, before + SMSS, "CSS: a quarter of min(N, L·SMSS)");
        let mut ack = 40_000;
        for round in 1..CSS_ROUNDS {
            h.on_ack(&mut w, &sample(ack, SMSS, 10 * SMSS, None));
            assert!(matches!(h.phase(), Phase::Css { rounds, .. } if rounds == round));
            ack += 20 * SMSS;
        }
        assert_eq!(w.ssthresh, u32::MAX, "still in slow start");
        h.on_ack(&mut w, &sample(ack, SMSS, 10 * SMSS, None));
        assert_eq!((h.phase(), w.ssthresh), (Phase::Done, w.cwnd), "CA");
    }

    /// A lower RTT during CSS sends HyStart++ back to slow start; a congestion event ends it.
    #[test]
    fn spurious_increase_and_congestion() {
        let mut h = HyStart::new();
        let mut w = Window::new(SMSS, 10 * SMSS);
        h.on_ack(&mut w, &sample(1000, SMSS, 10 * SMSS, Some(10)));
        h.on_ack(&mut w, &sample(20_000, SMSS, 10 * SMSS, Some(20)));
        assert!(matches!(h.phase(), Phase::Css { .. }), "20 ≥ 10 + 4 ms");
        h.on_ack(&mut w, &sample(20_500, SMSS, 10 * SMSS, Some(15)));
        assert_eq!(h.phase(), Phase::SlowStart, "15 < baseline 20 ms");
        h.on_congestion();
        let before = w.cwnd;
        h.on_ack(&mut w, &sample(50_000, 3 * SMSS, 10 * SMSS, Some(50)));
        assert_eq!(
            (h.phase(), w.cwnd),
            (Phase::Done, before + SMSS),
            "RFC 5681 growth"
        );
    }
}
