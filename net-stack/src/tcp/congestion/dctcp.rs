//! DCTCP (RFC 8257): the sender estimates α, the fraction of its bytes the network marked CE,
//! once per window of data (§3.3): α ← (1 − g)·α + g·F with g = 1/16, F = marked / acked bytes
//! of the window; on an ECN-Echo it sets cwnd = ssthresh = cwnd·(1 − α/2) (§3.3 step 8), at
//! most once per window (the connection's ECN state machine, `connection/ecn.rs`, decides when).
//! Loss is answered as Reno does (§3.5); window growth is Reno's, by byte counting as Linux, with
//! RFC 3465's L = 2 in slow start.
//!
//! α is a fixed-point fraction of [`ALPHA_ONE`] (2²⁰), so every decision is integer.

use sim_core::SimTime;

use super::reno::Reno;
use super::{AckSample, CongestionControl, CongestionEvent, MAX_CWND, Window};
use crate::wire::SeqNum;

/// α = 1 in fixed point.
pub const ALPHA_ONE: u32 = 1 << 20;
/// g = 1/2^G_SHIFT = 1/16 (RFC 8257 §4.2's recommended 1/16).
pub const G_SHIFT: u32 = 4;

/// The DCTCP sender's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dctcp {
    reno: Reno,
    /// α in units of 1/[`ALPHA_ONE`]; 1 at first (Linux's `dctcp_alpha_on_init`, ns-3's α₀).
    alpha: u32,
    /// Window_End: α is updated when SND.UNA passes it (§3.3 step 4).
    window_end: Option<SeqNum>,
    /// Bytes acknowledged in this observation window (§3.3 step 2).
    bytes_acked: u64,
    /// Of those, bytes acknowledged by ACKs with ECE set (§3.3 step 3).
    bytes_marked: u64,
    /// α updates so far.
    pub updates: u64,
}

impl Default for Dctcp {
    fn default() -> Self {
        Self::new()
    }
}

impl Dctcp {
    /// A DCTCP sender with α = 1.
    pub fn new() -> Self {
        Dctcp {
            reno: Reno::new(true),
            alpha: ALPHA_ONE,
            window_end: None,
            bytes_acked: 0,
            bytes_marked: 0,
            updates: 0,
        }
    }

    /// α in fixed point (of [`ALPHA_ONE`]).
    pub fn alpha_fixed(&self) -> u32 {
        self.alpha
    }

    /// α as a fraction, for output only.
    pub fn alpha(&self) -> f64 {
        f64::from(self.alpha) / f64::from(ALPHA_ONE)
    }

    /// One ACK of `acked` new bytes moved SND.UNA to `una`, with ECE `ece`, while SND.MAX was
    /// `snd_max` (§3.3 steps 2–7).
    pub fn observe(&mut self, una: SeqNum, acked: u32, ece: bool, snd_max: SeqNum) {
        self.bytes_acked += u64::from(acked);
        if ece {
            self.bytes_marked += u64::from(acked);
        }
        let Some(end) = self.window_end else {
            self.window_end = Some(snd_max);
            return;
        };
        if una <= end {
            return;
        }
        // Step 5–6: F = marked/acked, α = (1 − g)·α + g·F, in fixed point.
        if let Some(gf) = (self.bytes_marked << (20 - G_SHIFT)).checked_div(self.bytes_acked) {
            let a = self.alpha - (self.alpha >> G_SHIFT) + gf as u32;
            self.alpha = a.min(ALPHA_ONE);
        }
        self.updates += 1;
        // Step 7.
        self.window_end = Some(snd_max);
        self.bytes_acked = 0;
        self.bytes_marked = 0;
    }
}

impl CongestionControl for Dctcp {
    fn on_ack(&mut self, now: SimTime, w: &mut Window, ack: &AckSample) {
        if w.cwnd < w.ssthresh {
            // Appropriate byte counting with L = 2 (RFC 3465 §2.2): a delayed ACK of two
            // segments opens two, as Linux's and ns-3's DCTCP slow start does.
            w.cwnd = w
                .cwnd
                .saturating_add(ack.acked.min(2 * w.smss))
                .min(MAX_CWND);
            return;
        }
        self.reno.on_ack(now, w, ack);
    }

    fn on_congestion_event(&mut self, now: SimTime, w: &mut Window, ev: &CongestionEvent) {
        // §3.5: loss is answered as by a conventional TCP.
        self.reno.on_congestion_event(now, w, ev);
    }

    fn on_ecn_echo(&mut self, _now: SimTime, w: &mut Window, _flight_size: u32) {
        // §3.3 step 8: cwnd = cwnd·(1 − α/2), with Linux's floor of 2 segments.
        let cut = (u64::from(w.cwnd) * u64::from(self.alpha)) >> 21;
        let cwnd = (w.cwnd - cut as u32).max(2 * w.smss);
        w.cwnd = cwnd;
        w.ssthresh = cwnd;
    }

    fn on_ack_ecn(&mut self, una: SeqNum, acked: u32, ece: bool, snd_max: SeqNum) {
        self.observe(una, acked, ece, snd_max);
    }

    fn on_idle_restart(&mut self, now: SimTime, w: &mut Window, iw: u32) {
        self.reno.on_idle_restart(now, w, iw);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMSS: u32 = 1000;

    /// α after a known marking sequence: from α₀ = 1, a window with no marks gives 15/16, a
    /// fully marked window 15/16·15/16 + 1/16, a quarter-marked one (1 − g)·α + g/4 — exactly
    /// in fixed point; ACKs within a window do not update α.
    #[test]
    fn alpha_after_marking_sequence() {
        let mut d = Dctcp::new();
        let mut una = SeqNum(0);
        let mut ack = |d: &mut Dctcp, bytes: u32, ece: bool, snd_max: u32| {
            una = una + bytes;
            d.observe(una, bytes, ece, SeqNum(snd_max));
        };
        ack(&mut d, 1000, false, 10_000); // opens the first window (end 10 000)
        for _ in 0..9 {
            ack(&mut d, 1000, false, 20_000);
        }
        assert_eq!(d.alpha_fixed(), ALPHA_ONE, "no update inside the window");
        ack(&mut d, 1000, false, 20_000); // una 11 000 > 10 000: F = 0
        let a1 = ALPHA_ONE - (ALPHA_ONE >> 4);
        assert_eq!((d.alpha_fixed(), d.updates), (a1, 1), "α = 15/16");
        for _ in 0..9 {
            ack(&mut d, 1000, true, 30_000);
        }
        ack(&mut d, 1000, true, 30_000); // una 21 000 > 20 000: F = 1
        let a2 = a1 - (a1 >> 4) + (1 << 16);
        assert_eq!(d.alpha_fixed(), a2, "α = (1 − g)·α + g");
        for i in 0..8 {
            ack(&mut d, 1250, i % 4 == 0, 40_000); // the 8th reaches una 31 000 > 30 000
        }
        let a3 = a2 - (a2 >> 4) + ((2500u64 << 16) / 10_000) as u32;
        assert_eq!((d.alpha_fixed(), d.updates), (a3, 3), "F = 1/4");
        assert!((d.alpha() - 0.898_193).abs() < 1e-5, "α: {}", d.alpha());
    }

    /// cwnd·(1 − α/2): α = 1 halves, α = 0 keeps cwnd, and 2 segments is the floor.
    #[test]
    fn ecn_echo_reduction() {
        let mut d = Dctcp::new();
        let mut w = Window::new(SMSS, 40 * SMSS);
        d.on_ecn_echo(SimTime::ZERO, &mut w, 40 * SMSS);
        assert_eq!((w.cwnd, w.ssthresh), (20 * SMSS, 20 * SMSS), "α = 1: half");
        d.alpha = 0;
        d.on_ecn_echo(SimTime::ZERO, &mut w, 20 * SMSS);
        assert_eq!(w.cwnd, 20 * SMSS, "α = 0: unchanged");
        d.alpha = ALPHA_ONE / 4;
        d.on_ecn_echo(SimTime::ZERO, &mut w, 20 * SMSS);
        assert_eq!(w.cwnd, 17_500, "α = 1/4: × 7/8");
        d.alpha = ALPHA_ONE;
        w.cwnd = 3 * SMSS;
        d.on_ecn_echo(SimTime::ZERO, &mut w, 3 * SMSS);
        assert_eq!(w.cwnd, 2 * SMSS, "floor");
    }
}
