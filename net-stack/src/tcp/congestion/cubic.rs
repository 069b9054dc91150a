//! CUBIC (RFC 9438): the window follows W_cubic(t) = C·(t − K)³ + W_max after a congestion
//! event, with β = 0.7, C = 0.4, the Reno-friendly region (W_est, §4.3) and fast convergence
//! (§4.7). Slow start is RFC 5681's, or HyStart++ (RFC 9406, `hystart.rs`) when enabled.
//!
//! Every quantity that decides bytes is an integer: time in nanoseconds, windows in bytes,
//! C·(t − K)³ evaluated in `u128`, K by an integer cube root (as Linux's `tcp_cubic.c` does),
//! so a run is byte-identical on every platform. C = 2/5 and β = 7/10 are exact fractions.

use sim_core::SimTime;

use super::hystart::HyStart;
use super::{AckSample, CongestionControl, CongestionEvent, CongestionKind, MAX_CWND, Window};
pub use ns3::Ns3Cubic;

/// β_cubic = 7/10 (RFC 9438 §4.6).
const BETA_NUM: u64 = 7;
const BETA_DEN: u64 = 10;
/// C = 2/5 segments per second³ (RFC 9438 §5.1's 0.4).
const C_NUM: u128 = 2;
const C_DEN: u128 = 5;
/// Nanoseconds per second, cubed: W_cubic's (t − K)³ is in ns³.
const NS3_PER_S3: u128 = 1_000_000_000_000_000_000_000_000_000;
/// |t − K| is clamped here (100 s): beyond it W_cubic exceeds any window netsim allows.
const MAX_OFFSET_NS: u64 = 100_000_000_000;

/// The CUBIC controller's state (RFC 9438 §4.1's variables).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cubic {
    /// HyStart++ (RFC 9406) while in slow start, `None` when the `hystart` key is off.
    hystart: Option<HyStart>,
    /// W_max: the window just before the last reduction, after fast convergence (bytes).
    w_max: u32,
    /// cwnd_prior: the window when the last congestion event happened (bytes).
    cwnd_prior: u32,
    /// The curve of the current congestion-avoidance epoch, once it started.
    epoch: Option<Epoch>,
    /// W_est, the Reno-friendly estimate (bytes), and the remainder of its growth.
    w_est: u32,
    est_carry: u64,
    /// The remainder of the growth (target − cwnd)·SMSS/cwnd carried to the next ACK.
    cwnd_carry: u64,
    /// In fast recovery after a reduction (from the duplicate-ACK event to its end).
    recovering: bool,
    /// ns-3's `TcpCubic` in whole segments instead of RFC 9438 in bytes (`[tcp]
    /// ns3_departures`, "cubic-segments"; `cubic/ns3.rs`).
    ns3: Option<Ns3Cubic>,
}

/// One congestion-avoidance epoch: W_cubic(t) = C·(t − K)³ + origin, t from `start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Epoch {
    /// When the epoch began (the first ACK in congestion avoidance).
    pub start: SimTime,
    /// K in nanoseconds (RFC 9438 eq. 2).
    pub k_ns: u64,
    /// The plateau of the curve: W_max, or cwnd when the epoch began above W_max (bytes).
    pub origin: u32,
}

impl Cubic {
    /// A CUBIC controller; `hystart` turns HyStart++ on for slow start.
    pub fn new(hystart: bool) -> Self {
        Cubic {
            hystart: hystart.then(HyStart::new),
            w_max: 0,
            cwnd_prior: 0,
            epoch: None,
            w_est: 0,
            est_carry: 0,
            cwnd_carry: 0,
            recovering: false,
            ns3: None,
        }
    }

    /// Grows and reduces as ns-3's `TcpCubic` does, in whole segments ("cubic-segments").
    pub fn set_ns3_segments(&mut self) {
        self.ns3 = Some(Ns3Cubic::default());
    }

    /// W_max (bytes); 0 before the first congestion event.
    pub fn w_max(&self) -> u32 {
        self.w_max
    }

    /// K of the current epoch, if congestion avoidance has begun since the last event.
    pub fn k(&self) -> Option<SimTime> {
        self.epoch
            .map(|e| SimTime::from_ps(e.k_ns.saturating_mul(1000)))
    }

    /// The current epoch.
    pub fn epoch(&self) -> Option<Epoch> {
        self.epoch
    }

    /// W_est (bytes).
    pub fn w_est(&self) -> u32 {
        self.w_est
    }

    /// The HyStart++ state, when on.
    pub fn hystart(&self) -> Option<&HyStart> {
        self.hystart.as_ref()
    }

    /// Starts an epoch at `now` from cwnd_epoch = `cwnd` (RFC 9438 §4.2, eq. 2):
    /// K = ∛((W_max − cwnd_epoch)/C), or K = 0 with the curve at cwnd when cwnd ≥ W_max.
    fn start_epoch(&mut self, now: SimTime, cwnd: u32, smss: u32) -> Epoch {
        let (k_ns, origin) = if cwnd < self.w_max {
            (k_ns(self.w_max - cwnd, smss), self.w_max)
        } else {
            (0, cwnd)
        };
        self.w_est = cwnd;
        self.est_carry = 0;
        self.cwnd_carry = 0;
        let e = Epoch {
            start: now,
            k_ns,
            origin,
        };
        self.epoch = Some(e);
        e
    }

    /// Congestion avoidance on an ACK of `acked` bytes (RFC 9438 §4.2–4.5).
    fn avoid(&mut self, now: SimTime, w: &mut Window, ack: &AckSample) {
        let smss = w.smss;
        let e = match self.epoch {
            Some(e) => e,
            None => self.start_epoch(now, w.cwnd, smss),
        };
        let t_ns = ns(now.saturating_sub(e.start));
        let rtt_ns = ack.min_rtt.or(ack.srtt).map_or(0, ns);
        // §4.3: W_est grows by α_cubic segments per window of acknowledged segments,
        // α_cubic = 3(1 − β)/(1 + β) = 9/17, and 1 once W_est reaches cwnd_prior.
        let (a_num, a_den) = if self.w_est >= self.cwnd_prior {
            (1, 1)
        } else {
            (9, 17)
        };
        let num = a_num * u64::from(ack.acked) * u64::from(smss) + self.est_carry;
        let den = a_den * u64::from(w.cwnd.max(1));
        self.est_carry = num % den;
        self.w_est = (u64::from(self.w_est) + num / den).min(u64::from(MAX_CWND)) as u32;
        if w_cubic(e, t_ns, smss) < u64::from(self.w_est) {
            // §4.3: the Reno-friendly region.
            w.cwnd = w.cwnd.max(self.w_est);
            self.cwnd_carry = 0;
            return;
        }
        // §4.4–4.5: concave and convex regions alike, towards target = W_cubic(t + RTT),
        // clamped to [cwnd, 1.5·cwnd] (§4.2); cwnd += (target − cwnd)/cwnd per ACK (segments).
        let cwnd = u64::from(w.cwnd.max(1));
        let target = w_cubic(e, t_ns.saturating_add(rtt_ns), smss).clamp(cwnd, cwnd + cwnd / 2);
        let num = (target - cwnd) * u64::from(smss) + self.cwnd_carry;
        self.cwnd_carry = num % cwnd;
        w.cwnd = (cwnd + num / cwnd).min(u64::from(MAX_CWND)) as u32;
    }
}

impl CongestionControl for Cubic {
    fn on_ack(&mut self, now: SimTime, w: &mut Window, ack: &AckSample) {
        if self.ns3.is_some() && (self.hystart.is_none() || w.cwnd >= w.ssthresh) {
            return self.ns3_on_ack(now, w, ack);
        }
        if w.cwnd < w.ssthresh {
            match &mut self.hystart {
                Some(h) => h.on_ack(w, ack),
                // RFC 3465 §2.2's byte counting with L = 2 (a delayed ACK opens two segments).
                None => {
                    w.cwnd = w
                        .cwnd
                        .saturating_add(ack.acked.min(2 * w.smss))
                        .min(MAX_CWND)
                }
            }
            return;
        }
        self.avoid(now, w, ack);
    }

    fn on_congestion_event(&mut self, _now: SimTime, w: &mut Window, ev: &CongestionEvent) {
        if self.ns3.is_some() {
            // ns-3 reduces again on a timeout during recovery (`ReTxTimeout` outside CA_LOSS).
            self.recovering = ev.kind == CongestionKind::DuplicateAcks;
            if let (Some(h), false) = (
                &mut self.hystart,
                ev.kind == (CongestionKind::Timeout { first: false }),
            ) {
                h.on_congestion();
            }
            return self.ns3_on_congestion_event(w, ev);
        }
        match ev.kind {
            // RFC 5681 §3.1: a repeated expiry keeps ssthresh; only the loss window. An
            // expiry during fast recovery keeps the reduction already made for this loss
            // episode (Linux's `tcp_enter_loss` in the Recovery state): its FlightSize counts
            // the data sent on the inflated window and would raise ssthresh above it.
            CongestionKind::Timeout { first } if !first || self.recovering => {
                self.recovering = false;
                self.epoch = None;
                w.cwnd = w.smss;
                return;
            }
            CongestionKind::DuplicateAcks => self.recovering = true,
            CongestionKind::Timeout { .. } => {}
        }
        if let Some(h) = &mut self.hystart {
            h.on_congestion();
        }
        // §4.7 fast convergence: a window below the previous W_max releases bandwidth.
        let cwnd = w.cwnd;
        self.w_max = if cwnd < self.w_max {
            (u64::from(cwnd) * (BETA_DEN + BETA_NUM) / (2 * BETA_DEN)) as u32
        } else {
            cwnd
        };
        self.cwnd_prior = cwnd;
        // §4.6: ssthresh = flight_size·β, at least 2·SMSS (RFC 5681's floor).
        let reduced = (u64::from(ev.flight_size) * BETA_NUM / BETA_DEN) as u32;
        w.ssthresh = reduced.max(2 * w.smss);
        self.epoch = None;
        if let CongestionKind::Timeout { .. } = ev.kind {
            // §4.8: the loss window; the epoch restarts when slow start reaches ssthresh.
            w.cwnd = w.smss;
        }
    }

    fn on_recovery_end(&mut self, _now: SimTime, _w: &mut Window) {
        // The epoch starts at the first ACK of congestion avoidance after recovery.
        self.recovering = false;
        self.epoch = None;
    }

    fn on_idle_restart(&mut self, _now: SimTime, w: &mut Window, iw: u32) {
        // The curve's clock must not count the idle time (Linux resets the epoch too).
        self.epoch = None;
        w.cwnd = w.cwnd.min(iw);
    }

    fn on_send_after_idle(&mut self, now: SimTime, idle: SimTime) {
        // RFC 9438 §5.8: t must not include idle periods. Linux's `cubictcp_cwnd_event`
        // (CA_EVENT_TX_START) shifts the epoch's start by the idle time, never past now.
        // ns-3's `TcpCubic` does not ("cubic-segments" keeps its clock).
        if self.ns3.is_none()
            && let Some(e) = &mut self.epoch
        {
            e.start = e.start.saturating_add(idle).min(now);
        }
    }
}

/// W_cubic(t) in bytes: C·(t − K)³ + origin, for t in ns (RFC 9438 eq. 1), at least 0.
pub fn w_cubic(e: Epoch, t_ns: u64, smss: u32) -> u64 {
    let (off, below) = if t_ns >= e.k_ns {
        (t_ns - e.k_ns, false)
    } else {
        (e.k_ns - t_ns, true)
    };
    let off = u128::from(off.min(MAX_OFFSET_NS));
    // ≤ 2·(10¹¹)³·65535 < 2¹²⁸: no overflow.
    let delta = C_NUM * off * off * off * u128::from(smss) / (C_DEN * NS3_PER_S3);
    let delta = delta.min(u128::from(MAX_CWND)) as u64;
    let origin = u64::from(e.origin);
    if below {
        origin.saturating_sub(delta)
    } else {
        origin + delta
    }
}

/// K = ∛((W_max − cwnd_epoch)/C) in ns, for a gap of `gap` bytes (RFC 9438 eq. 2).
pub fn k_ns(gap: u32, smss: u32) -> u64 {
    let k3 = u128::from(gap) * C_DEN * NS3_PER_S3 / (C_NUM * u128::from(smss.max(1)));
    icbrt(k3)
}

/// ⌊∛x⌋ by bisection on the bits of the result (∛(2¹²⁸) < 2⁴³).
pub fn icbrt(x: u128) -> u64 {
    let mut r: u64 = 0;
    for bit in (0..43).rev() {
        let c = u128::from(r | (1 << bit));
        if c.checked_mul(c)
            .and_then(|sq| sq.checked_mul(c))
            .is_some_and(|cube| cube <= x)
        {
            r |= 1 << bit;
        }
    }
    r
}

fn ns(t: SimTime) -> u64 {
    t.as_ps() / 1000
}

mod ns3;
#[cfg(test)]
mod tests;
