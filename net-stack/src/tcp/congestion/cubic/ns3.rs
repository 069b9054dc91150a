//! ns-3's `TcpCubic` in whole segments (`[tcp] ns3_departures`, "cubic-segments"; README
//! departure 4). Lines cited are ns-3.48-85-g140646449, `src/internet/model/tcp-cubic.cc`.
//!
//! ns-3 follows Linux's `tcp_cubic.c`: W_max, the curve's origin, its target and W_est are
//! integers in segments, and cwnd grows one SMSS each time `cnt` segments have been
//! acknowledged since the last increase (`IncreaseWindow`, `:188-245`; `Update`, `:247-355`):
//!
//! * `cnt = ⌊cwnd / (target − cwnd)⌋` with target = W_cubic(now − epoch + delayMin) (`:281`),
//!   or 100·cwnd when the target is not above cwnd; clamped to 20 before the first loss
//!   (`:327-330`), to the Reno-friendly ⌊cwnd / (W_est − cwnd)⌋ when W_est is above cwnd, and
//!   to at least 2 (`:352-354`);
//! * W_est (`m_tcpCwnd`) grows one segment per ⌊(cwnd·15) / 8⌋ segments acknowledged since the
//!   epoch began (`:332-350`; 15 = ⌊8·(1 + β)/(3·(1 − β))⌋ for β = 0.7);
//! * a congestion event: W_max = ⌊cwnd·(1 + β)/2⌋ (fast convergence) or cwnd, ssthresh =
//!   max(⌊cwnd·0.7⌋, 2) SMSS, cwnd in segments, not FlightSize (`GetSsThresh`, `:455-490`);
//! * slow start adds every acknowledged segment (`:215`);
//! * `delayMin` is the smallest SRTT passed to `PktsAcked` (`tcp-socket-base.cc:2256`, `:2269`),
//!   samples within 10 ms of an epoch's start discarded (`:357-380`); a timeout forgets it and
//!   W_est but keeps W_max (`CubicReset`, `:504-515`).
//!
//! Acknowledged bytes become segments as ns-3's `ProcessAck` counts them, the remainder
//! carried (`tcp-socket-base.cc:2145-2159`). C·(t − K)³ and K are integers here (ns-3 uses
//! `double` and `pow`, which can differ from them only where a value lands exactly on an
//! integer); ⌊cwnd·0.7⌋ is the IEEE 754 product ns-3 truncates (90·0.7 = 62.99…: 62), which
//! is correctly rounded and so the same on every platform.

use sim_core::SimTime;

use super::{Cubic, Epoch, k_ns, ns, w_cubic};
use crate::tcp::congestion::{AckSample, CongestionEvent, CongestionKind, MAX_CWND, Window};

/// ns-3's `m_cntClamp`: `cnt` before the first loss.
const CNT_CLAMP: u32 = 20;
/// ⌊8·(1024 + 1024β)/3/(1024 − 1024β)⌋ for β = 0.7 (`:334`): W_est's growth scale in eighths.
const FRIENDLY_SCALE: u32 = 15;
/// ns-3's `m_cubicDelta`: delay samples this soon after an epoch began are discarded (ns).
const CUBIC_DELTA_NS: u64 = 10_000_000;

/// The segment state of ns-3's `TcpCubic` (the byte-valued mirrors for the time series are the
/// [`Cubic`] fields `w_max`, `epoch` and `w_est`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ns3Cubic {
    /// `m_cWndCnt`: segments acknowledged towards the next one-SMSS increase.
    cwnd_cnt: u32,
    /// `m_lastMaxCwnd` (segments).
    last_max: u32,
    /// `m_ackCnt`: segments acknowledged towards W_est's next segment.
    ack_cnt: u32,
    /// `m_tcpCwnd`: W_est (segments).
    tcp_cwnd: u32,
    /// `m_delayMin` (ns), once sampled.
    delay_min: Option<u64>,
    /// `m_bytesAckedNotProcessed`.
    bytes_carry: u32,
}

impl Cubic {
    /// ns-3's growth on an ACK outside recovery (`PktsAcked`, then `IncreaseWindow`).
    pub(super) fn ns3_on_ack(&mut self, now: SimTime, w: &mut Window, ack: &AckSample) {
        let Some(n) = self.ns3.as_mut() else {
            return;
        };
        // `PktsAcked`: the minimum SRTT, not within `m_cubicDelta` of the epoch's start.
        let fresh = self
            .epoch
            .is_some_and(|e| ns(now.saturating_sub(e.start)) < CUBIC_DELTA_NS);
        if let (false, Some(srtt)) = (fresh, ack.srtt.map(ns)) {
            n.delay_min = Some(n.delay_min.map_or(srtt, |d| d.min(srtt)));
        }
        let smss = w.smss.max(1);
        let total = ack.acked + n.bytes_carry;
        n.bytes_carry = total % smss;
        let mut segs = total / smss;
        if w.cwnd < w.ssthresh {
            let add = u64::from(segs) * u64::from(smss);
            w.cwnd = (u64::from(w.cwnd) + add).min(u64::from(MAX_CWND)) as u32;
            segs = 0;
        }
        if w.cwnd >= w.ssthresh && segs > 0 {
            let n = self.ns3.as_mut().expect("ns-3 mode");
            n.cwnd_cnt += segs;
            let cnt = self.ns3_cnt(now, w, segs);
            let n = self.ns3.as_mut().expect("ns-3 mode");
            if n.cwnd_cnt >= cnt {
                w.cwnd = w.cwnd.saturating_add(smss).min(MAX_CWND);
                n.cwnd_cnt -= cnt;
            }
        }
    }

    /// `Update` (`:247-355`): the number of acknowledged segments per one-SMSS increase.
    fn ns3_cnt(&mut self, now: SimTime, w: &Window, segs: u32) -> u32 {
        let smss = w.smss.max(1);
        let seg = w.cwnd / smss;
        let n = self.ns3.as_mut().expect("ns-3 mode");
        n.ack_cnt += segs;
        let e = match self.epoch {
            Some(e) => e,
            None => {
                n.ack_cnt = segs;
                n.tcp_cwnd = seg;
                let (k_ns, origin) = if n.last_max <= seg {
                    (0, seg)
                } else {
                    (k_ns(n.last_max - seg, 1), n.last_max)
                };
                let e = Epoch {
                    start: now,
                    k_ns,
                    origin: origin.saturating_mul(smss),
                };
                self.epoch = Some(e);
                e
            }
        };
        let t_ns = ns(now.saturating_sub(e.start)).saturating_add(n.delay_min.unwrap_or(0));
        let in_segments = Epoch {
            origin: e.origin / smss,
            ..e
        };
        let target = w_cubic(in_segments, t_ns, 1);
        let seg64 = u64::from(seg);
        let mut cnt = if target > seg64 {
            (seg64 / (target - seg64)) as u32
        } else {
            seg.saturating_mul(100)
        };
        if n.last_max == 0 {
            cnt = cnt.min(CNT_CLAMP);
        }
        let delta = ((seg * FRIENDLY_SCALE) >> 3).max(1);
        if n.ack_cnt > delta {
            let steps = (n.ack_cnt - 1) / delta;
            n.ack_cnt -= steps * delta;
            n.tcp_cwnd += steps;
        }
        if n.tcp_cwnd > seg {
            cnt = cnt.min(seg / (n.tcp_cwnd - seg));
        }
        self.w_est = n.tcp_cwnd.saturating_mul(smss);
        cnt.max(2)
    }

    /// `GetSsThresh` (`:455-490`) and, on a first timeout, `CubicReset` (`:504-515`).
    pub(super) fn ns3_on_congestion_event(&mut self, w: &mut Window, ev: &CongestionEvent) {
        let Some(n) = self.ns3.as_mut() else {
            return;
        };
        if let CongestionKind::Timeout { first: false } = ev.kind {
            // ns-3 keeps ssthresh while the head stays retransmitted in CA_LOSS (`ReTxTimeout`).
            w.cwnd = w.smss;
            return;
        }
        let smss = w.smss.max(1);
        let seg = w.cwnd / smss;
        n.last_max = if seg < n.last_max {
            // (seg·(1 + 0.7))/2 in double, truncated: the same as ⌊17·seg/20⌋ for every
            // seg below 2·10⁶ (checked exhaustively).
            (u64::from(seg) * 17 / 20) as u32
        } else {
            seg
        };
        self.w_max = n.last_max.saturating_mul(smss);
        self.cwnd_prior = w.cwnd;
        self.epoch = None;
        let reduced = (f64::from(seg) * 0.7) as u32;
        w.ssthresh = reduced.max(2).saturating_mul(smss);
        if let CongestionKind::Timeout { .. } = ev.kind {
            n.ack_cnt = 0;
            n.tcp_cwnd = 0;
            n.delay_min = None;
            w.cwnd = w.smss;
        }
    }
}

#[cfg(test)]
#[path = "ns3_tests.rs"]
mod tests;
