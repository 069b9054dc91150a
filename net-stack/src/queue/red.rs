//! Random Early Detection: S. Floyd and V. Jacobson, "Random Early Detection Gateways for
//! Congestion Avoidance", IEEE/ACM ToN 1(4), 1993 — as ns-3's `RedQueueDisc`
//! (`src/traffic-control/model/red-queue-disc.cc`, a port of ns-2's `queue/red.cc`) implements
//! it, with its defaults: MinTh 5, MaxTh 15, QW 0.002, LInterm 50 (max_p 0.02), Gentle, Wait,
//! MeanPktSize 500, UseHardDrop, UseEcn off; ARED, Feng's adaptive RED, NLRED and the
//! "cautious" modes are not modelled.
//!
//! On every arrival (ns-3 `DoEnqueue`):
//!
//! 1. the average queue is updated, `avg ← avg·(1−w)^(m+1) + w·q` (`Estimator`), where `q` is
//!    the queue the arrival finds and `m` the number of packets of `mean_pkt_size` bytes the
//!    link could have sent while the queue was idle (0 unless the last dequeue found it empty);
//! 2. with `avg ≥ min_th` and `q > 1`: at or above `max_th` (`2·max_th` when gentle) the packet
//!    is dropped outright (a *forced* drop; ns-3's UseHardDrop drops even ECN-capable packets);
//!    else, the first arrival after `avg` crossed `min_th` restarts the count; else it is
//!    dropped — or marked CE when `ecn` is on and the packet is ECN-capable — with probability
//!    `pa` (`DropEarly`):
//!    * `pb = max_p·(avg − min_th)/(max_th − min_th)` below `max_th`, and in the gentle region
//!      `pb = (1 − max_p)/max_th · avg + 2·max_p − 1`, from `max_p` at `max_th` to 1 at `2·max_th`
//!      (`CalculatePNew`);
//!    * `pa = pb/(1 − count·pb)` (the paper's uniformisation, §7), or with `wait` (ns-3's
//!      default) `pa = 0` while `count·pb < 1` and `pa = pb/(2 − count·pb)` up to 2, which
//!      spaces drops at least `1/pb` arrivals apart (`ModifyP`);
//!    * in byte mode `count` is the bytes since the last drop over `mean_pkt_size` (integer
//!      division, as ns-3) and `pa` is scaled by `size/mean_pkt_size` (§10's byte mode);
//! 3. below `min_th` (or `q ≤ 1`) the packet is queued and the count's epoch ends.
//!
//! The mode follows the hard limit `queue`, as ns-3's follows `MaxSize`: packets for "100p",
//! bytes for "150KB", and the thresholds are in that unit. Sizes are frame bytes, the unit of
//! the FIFO. The random draw is a Bernoulli trial on the queue's own stream, made only when
//! `0 < pa < 1`. `(1−w)^(m+1)` is computed by squaring in IEEE arithmetic, never by `pow`, so
//! the average is the same on every platform.

use serde::{Deserialize, Serialize};
use sim_core::{DataRate, QueueLimit, RngStream, SimTime};

use super::{DropTailQueue, Verdict, amount, occupancy, same_unit, unit_name};
use crate::wire::Packet;
use crate::{FieldError, PacketId};

/// `aqm = { kind = "red", … }`: RED's parameters; every key is optional and defaults to ns-3's
/// `RedQueueDisc` attribute of the same meaning.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "RedTable")]
pub struct RedConfig {
    /// `min_th`: below this average queue nothing is dropped (ns-3 `MinTh`). Default 5
    /// packets, or 5 × `mean_pkt_size` bytes when `queue` is in bytes.
    pub min_th: Option<QueueLimit>,
    /// `max_th`: where the drop probability reaches `max_p` (ns-3 `MaxTh`). Default 15
    /// packets, or 15 × `mean_pkt_size` bytes when `queue` is in bytes.
    pub max_th: Option<QueueLimit>,
    /// `max_p`: the drop probability at `max_th`, in (0, 1]. Default 0.02 (ns-3 `LInterm` 50,
    /// `max_p = 1/LInterm`).
    pub max_p: f64,
    /// `weight`: the weight of each arrival in the average queue, in (0, 1] (ns-3 `QW`).
    /// Default 0.002.
    pub weight: f64,
    /// `gentle`: between `max_th` and `2·max_th` the probability rises from `max_p` to 1
    /// instead of jumping to 1 (ns-3 `Gentle`). Default true.
    pub gentle: bool,
    /// `wait`: space drops out (ns-3 `Wait`; see the module docs). Default true.
    pub wait: bool,
    /// `ecn`: mark ECN-capable packets CE instead of dropping them early (ns-3 `UseEcn`).
    /// Forced drops above the gentle region still drop. Default false.
    pub ecn: bool,
    /// `mean_pkt_size`: bytes of a typical packet: the idle-time estimate and byte mode use it
    /// (ns-3 `MeanPktSize`). Default 500.
    pub mean_pkt_size: u32,
}

impl Default for RedConfig {
    /// ns-3's `RedQueueDisc` defaults.
    fn default() -> Self {
        RedConfig {
            min_th: None,
            max_th: None,
            max_p: 0.02,
            weight: 0.002,
            gentle: true,
            wait: true,
            ecn: false,
            mean_pkt_size: 500,
        }
    }
}

/// `aqm = { kind = "red", … }` as written: keys not given take [`RedConfig::default`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RedTable {
    min_th: Option<QueueLimit>,
    max_th: Option<QueueLimit>,
    max_p: Option<f64>,
    weight: Option<f64>,
    gentle: Option<bool>,
    wait: Option<bool>,
    ecn: Option<bool>,
    mean_pkt_size: Option<u32>,
}

impl From<RedTable> for RedConfig {
    fn from(t: RedTable) -> Self {
        let d = RedConfig::default();
        RedConfig {
            min_th: t.min_th,
            max_th: t.max_th,
            max_p: t.max_p.unwrap_or(d.max_p),
            weight: t.weight.unwrap_or(d.weight),
            gentle: t.gentle.unwrap_or(d.gentle),
            wait: t.wait.unwrap_or(d.wait),
            ecn: t.ecn.unwrap_or(d.ecn),
            mean_pkt_size: t.mean_pkt_size.unwrap_or(d.mean_pkt_size),
        }
    }
}

impl RedConfig {
    /// `min_th` and `max_th` for a queue whose hard limit is `queue`, defaults filled in the
    /// queue's unit.
    pub fn thresholds(&self, queue: QueueLimit) -> (QueueLimit, QueueLimit) {
        let default = |n: u32| match queue {
            QueueLimit::Packets(_) => QueueLimit::Packets(n),
            QueueLimit::Bytes(_) => QueueLimit::Bytes(n as u64 * self.mean_pkt_size as u64),
        };
        (
            self.min_th.unwrap_or_else(|| default(5)),
            self.max_th.unwrap_or_else(|| default(15)),
        )
    }

    /// What the types cannot check: 0 < `max_p` ≤ 1, 0 < `weight` ≤ 1, `mean_pkt_size` > 0,
    /// thresholds in the unit of `queue`, `min_th` < `max_th` ≤ `queue`.
    pub fn problems(&self, queue: QueueLimit) -> Vec<FieldError> {
        let mut out = Vec::new();
        for (field, value, what) in [
            (
                "aqm.max_p",
                self.max_p,
                "the drop probability at `max_th`; ns-3's default is 0.02 (LInterm 50)",
            ),
            (
                "aqm.weight",
                self.weight,
                "the weight of each arrival in the average queue; ns-3's default (QW) is 0.002",
            ),
        ] {
            if !(value > 0.0 && value <= 1.0) {
                out.push(
                    FieldError::new(
                        field,
                        format!("`{field}` must be greater than 0 and at most 1, not {value}"),
                        "outside (0, 1]",
                    )
                    .with_help(format!("`{field}` is {what}")),
                );
            }
        }
        if self.mean_pkt_size == 0 {
            out.push(FieldError::new(
                "aqm.mean_pkt_size",
                "`aqm.mean_pkt_size` must be a positive number of bytes, not 0",
                "zero",
            ));
            return out;
        }
        let mut units_agree = true;
        for (field, given) in [("aqm.min_th", self.min_th), ("aqm.max_th", self.max_th)] {
            if let Some(t) = given.filter(|&t| !same_unit(t, queue)) {
                units_agree = false;
                out.push(
                    FieldError::new(
                        field,
                        format!(
                            "`{field}` is in {} but the link's `queue` ({queue}) is in {}",
                            unit_name(t),
                            unit_name(queue)
                        ),
                        "unit differs from `queue`",
                    )
                    .with_help(
                        "RED measures its queue in the unit of `queue` (ns-3's packet or byte \
                         mode): write both in packets (\"5p\") or both in bytes (\"30KB\")",
                    ),
                );
            }
        }
        if !units_agree {
            return out;
        }
        let (min_th, max_th) = self.thresholds(queue);
        if amount(min_th) >= amount(max_th) {
            let field = if self.max_th.is_some() {
                "aqm.max_th"
            } else {
                "aqm.min_th"
            };
            out.push(
                FieldError::new(
                    field,
                    format!("`aqm.min_th` ({min_th}) must be below `aqm.max_th` ({max_th})"),
                    "min_th not below max_th",
                )
                .with_help("ns-3's defaults are min_th = \"5p\" and max_th = \"15p\""),
            );
        } else if amount(max_th) > amount(queue) {
            let (field, default) = match self.max_th {
                Some(_) => ("aqm.max_th", ""),
                None => ("queue", "RED's default, "),
            };
            out.push(
                FieldError::new(
                    field,
                    format!(
                        "`aqm.max_th` ({default}{max_th}) must not exceed the link's `queue` \
                         ({queue})"
                    ),
                    "max_th above queue",
                )
                .with_help(
                    "`queue` is the hard limit of the FIFO behind RED; the average queue \
                     must be able to reach `max_th`",
                ),
            );
        }
        out
    }
}

/// What RED decided for one arrival, before the FIFO's hard limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decision {
    Admit,
    /// `DTYPE_UNFORCED`: a probabilistic drop, or a mark with ECN.
    Early,
    /// `DTYPE_FORCED`: above `max_th` (`2·max_th` gentle); always a drop (UseHardDrop).
    Forced,
}

/// RED's state on one queue.
#[derive(Debug)]
pub struct Red {
    /// Byte mode (`queue` in bytes): occupancy and thresholds in bytes.
    bytes_mode: bool,
    min_th: f64,
    max_th: f64,
    max_p: f64,
    weight: f64,
    gentle: bool,
    wait: bool,
    ecn: bool,
    mean_pkt_size: u64,
    /// ns-3's `m_vA`, `m_vB` (the line below `max_th`) and `m_vC`, `m_vD` (the gentle line).
    v_a: f64,
    v_b: f64,
    v_c: f64,
    v_d: f64,
    /// Link rate [bit/s], for the idle-time estimate.
    rate_bps: u64,
    /// The average queue (`m_qAvg`), in packets or bytes.
    avg: f64,
    /// Arrivals since the last early drop (`m_count`) and their bytes (`m_countBytes`).
    count: u64,
    count_bytes: u64,
    /// Whether the average was at or above `min_th` at the last arrival (`m_old`).
    old: bool,
    /// Since when the queue has been idle (`m_idle`, `m_idleTime`); idle at the start.
    idle_since: Option<SimTime>,
    rng: RngStream,
}

impl Red {
    /// RED with `cfg` in front of a FIFO limited to `queue`, on a link of `rate`, drawing
    /// from `rng` (ns-3 `InitializeParams`).
    pub fn new(cfg: &RedConfig, queue: QueueLimit, rate: DataRate, rng: RngStream) -> Self {
        let (min_th, max_th) = cfg.thresholds(queue);
        let (min_th, max_th) = (amount(min_th) as f64, amount(max_th) as f64);
        let th_diff = if max_th == min_th {
            1.0
        } else {
            max_th - min_th
        };
        Red {
            bytes_mode: matches!(queue, QueueLimit::Bytes(_)),
            min_th,
            max_th,
            max_p: cfg.max_p,
            weight: cfg.weight,
            gentle: cfg.gentle,
            wait: cfg.wait,
            ecn: cfg.ecn,
            mean_pkt_size: cfg.mean_pkt_size.max(1) as u64,
            v_a: 1.0 / th_diff,
            v_b: -min_th / th_diff,
            v_c: (1.0 - cfg.max_p) / max_th,
            v_d: 2.0 * cfg.max_p - 1.0,
            rate_bps: rate.bps(),
            avg: 0.0,
            count: 0,
            count_bytes: 0,
            old: false,
            idle_since: Some(SimTime::ZERO),
            rng,
        }
    }

    /// The average queue, in packets (bytes in byte mode).
    pub fn average(&self) -> f64 {
        self.avg
    }

    /// Offers a packet: the decision, then ECN marking, then the FIFO's hard limit. Kept out
    /// of line so that the drop-tail path it sits beside stays small.
    #[inline(never)]
    pub(super) fn enqueue(
        &mut self,
        fifo: &mut DropTailQueue,
        now: SimTime,
        id: PacketId,
        pkt: &mut Packet,
        len: u32,
    ) -> Verdict {
        let unit = fifo.limit();
        let mut marked = false;
        match self.decide(now, occupancy(fifo, unit), len) {
            Decision::Admit => {}
            Decision::Early if self.ecn && pkt.mark_ce() => marked = true,
            Decision::Early | Decision::Forced => {
                fifo.count_aqm_drop();
                return Verdict::Dropped;
            }
        }
        if !fifo.enqueue(id, len) {
            return Verdict::Dropped;
        }
        if marked {
            fifo.count_marked();
            Verdict::Marked
        } else {
            Verdict::Queued
        }
    }

    /// An arrival that finds the queue empty and the wire idle (it goes straight on): the
    /// average decays and takes a zero sample; nothing is dropped.
    #[inline(never)]
    pub(super) fn arrival_to_empty_queue(&mut self, now: SimTime, len: u32) {
        let d = self.decide(now, 0, len);
        debug_assert_eq!(d, Decision::Admit, "RED never drops at an empty queue");
    }

    /// The queue was found empty at `now`: an idle period starts (unless one already has).
    #[inline(never)]
    pub(super) fn idle_from(&mut self, now: SimTime) {
        self.idle_since.get_or_insert(now);
    }

    /// ns-3 `DoEnqueue` up to the drop type, for an arrival of `size` bytes that finds `queued`
    /// packets (bytes in byte mode) waiting.
    fn decide(&mut self, now: SimTime, queued: u64, size: u32) -> Decision {
        let m = match self.idle_since.take() {
            Some(since) => self.idle_packets(now.saturating_sub(since)),
            None => 0,
        };
        self.avg = self.avg * pow_u64(1.0 - self.weight, m.saturating_add(1))
            + self.weight * queued as f64;
        self.count += 1;
        self.count_bytes += size as u64;
        if !(self.avg >= self.min_th && queued > 1) {
            self.old = false;
            return Decision::Admit;
        }
        let hard = if self.gentle {
            2.0 * self.max_th
        } else {
            self.max_th
        };
        if self.avg >= hard {
            Decision::Forced
        } else if !self.old {
            // The average just crossed min_th (or the queue just became non-empty above it).
            self.count = 1;
            self.count_bytes = size as u64;
            self.old = true;
            Decision::Admit
        } else if self.rng.bernoulli(self.drop_probability(size)) {
            self.count = 0;
            self.count_bytes = 0;
            Decision::Early
        } else {
            Decision::Admit
        }
    }

    /// Packets of `mean_pkt_size` bytes the link could have sent in `idle` (ns-3's
    /// `m_ptc · idle`, rounded down), in exact integer arithmetic.
    fn idle_packets(&self, idle: SimTime) -> u64 {
        let bits = idle.as_ps() as u128 * self.rate_bps as u128;
        let per_packet_ps_bits = 8 * self.mean_pkt_size as u128 * 1_000_000_000_000;
        u64::try_from(bits / per_packet_ps_bits).unwrap_or(u64::MAX)
    }

    /// `pb` at the current average (ns-3 `CalculatePNew`).
    fn base_probability(&self) -> f64 {
        let p = if self.avg >= self.max_th {
            if self.gentle {
                self.v_c * self.avg + self.v_d
            } else {
                1.0
            }
        } else {
            (self.v_a * self.avg + self.v_b) * self.max_p
        };
        p.min(1.0)
    }

    /// `pa` for an arrival of `size` bytes (ns-3 `ModifyP` applied to `CalculatePNew`).
    fn drop_probability(&self, size: u32) -> f64 {
        let p = self.base_probability();
        let count = if self.bytes_mode {
            (self.count_bytes / self.mean_pkt_size) as f64
        } else {
            self.count as f64
        };
        let cp = count * p;
        let mut p = if self.wait {
            if cp < 1.0 {
                0.0
            } else if cp < 2.0 {
                p / (2.0 - cp)
            } else {
                1.0
            }
        } else if cp < 1.0 {
            p / (1.0 - cp)
        } else {
            1.0
        };
        if self.bytes_mode && p < 1.0 {
            p = p * size as f64 / self.mean_pkt_size as f64;
        }
        p.min(1.0)
    }
}

/// `base^e` by exponentiation by squaring: IEEE multiplications only, so the same bits on
/// every platform (libm's `pow` may differ in the last place).
fn pow_u64(base: f64, mut e: u64) -> f64 {
    let (mut acc, mut b) = (1.0, base);
    while e > 0 {
        if e & 1 == 1 {
            acc *= b;
        }
        e >>= 1;
        b *= b;
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::RngStreams;

    fn red(cfg: RedConfig, queue: QueueLimit, rate: DataRate) -> Red {
        Red::new(&cfg, queue, rate, RngStreams::new(1).stream("queue/test/0"))
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    /// The average is the EWMA `avg·(1−w) + w·q` per arrival (m = 0 while busy), and an idle
    /// period of `m` packet times first decays it by `(1−w)^m`: hand-computed with w = 0.5 on
    /// a 1 Mbit/s link, where a 500-byte packet takes 4 ms.
    #[test]
    fn average_is_the_ewma_with_idle_decay() {
        let cfg = RedConfig {
            weight: 0.5,
            ..RedConfig::default()
        };
        let mut r = red(cfg, QueueLimit::Packets(100), DataRate::mbps(1));
        r.idle_since = None; // busy from the start
        let t = SimTime::from_ms(1);
        r.decide(t, 4, 100);
        assert_eq!(r.average(), 2.0, "0·0.5 + 0.5·4");
        r.decide(t, 6, 100);
        assert_eq!(r.average(), 4.0, "2·0.5 + 0.5·6");
        // Idle from 1 ms to 11 ms: 10 ms / 4 ms = 2 packet times (rounded down), so the
        // arrival's own update makes the factor (1−w)^(2+1).
        r.idle_from(SimTime::from_ms(1));
        r.decide(SimTime::from_ms(11), 0, 100);
        assert_eq!(r.average(), 4.0 * 0.125, "4·0.5³ + 0.5·0");
        // A second idle_from while already idle keeps the earlier start.
        r.idle_from(SimTime::from_ms(20));
        r.idle_from(SimTime::from_ms(30));
        r.decide(SimTime::from_ms(32), 0, 100);
        assert_eq!(
            r.average(),
            0.5 * 0.5f64.powi(4),
            "12 ms = 3 packet times, then 1"
        );
    }

    /// ns-3's default weight over many arrivals at a constant queue q approaches q as
    /// `q·(1 − (1−w)^n)`; the squaring power agrees with that closed form.
    #[test]
    fn average_converges_as_the_closed_form() {
        let mut r = red(
            RedConfig::default(),
            QueueLimit::Packets(100),
            DataRate::gbps(1),
        );
        r.idle_since = None;
        for _ in 0..1000 {
            r.decide(SimTime::ZERO, 10, 1500);
        }
        let expect = 10.0 * (1.0 - 0.998f64.powi(1000));
        assert!(
            (r.average() - expect).abs() < 1e-9,
            "{} vs {expect}",
            r.average()
        );
        assert_eq!(pow_u64(0.5, 10), 1.0 / 1024.0);
        assert_eq!(pow_u64(0.998, 0), 1.0);
        assert!(close(pow_u64(0.998, 12345), 0.998f64.powi(12345)));
    }

    /// `pb` rises linearly from 0 at min_th to max_p at max_th, and in the gentle region from
    /// max_p at max_th to 1 at 2·max_th; without gentle it is 1 at max_th.
    #[test]
    fn base_probability_lines() {
        let mut r = red(
            RedConfig::default(),
            QueueLimit::Packets(100),
            DataRate::gbps(1),
        );
        for (avg, pb) in [
            (5.0, 0.0),
            (10.0, 0.01),
            (15.0, 0.02),
            (22.5, 0.51),
            (30.0, 1.0),
            (40.0, 1.0),
        ] {
            r.avg = avg;
            assert!(
                close(r.base_probability(), pb),
                "avg {avg}: {} vs {pb}",
                r.base_probability()
            );
        }
        let mut abrupt = red(
            RedConfig {
                gentle: false,
                ..RedConfig::default()
            },
            QueueLimit::Packets(100),
            DataRate::gbps(1),
        );
        abrupt.avg = 15.0;
        assert_eq!(abrupt.base_probability(), 1.0);
    }

    /// `pa` from `pb = 0.01` (avg 10): without wait `pb/(1 − count·pb)`, 1 once count·pb ≥ 1;
    /// with wait 0 while count·pb < 1, then `pb/(2 − count·pb)`, then 1.
    #[test]
    fn uniformisation_with_and_without_wait() {
        let mut r = red(
            RedConfig {
                wait: false,
                ..RedConfig::default()
            },
            QueueLimit::Packets(100),
            DataRate::gbps(1),
        );
        r.avg = 10.0;
        for (count, pa) in [(0, 0.01), (50, 0.02), (75, 0.04), (99, 1.0), (100, 1.0)] {
            r.count = count;
            assert!(close(r.drop_probability(1500), pa), "count {count}");
        }
        r.wait = true;
        for (count, pa) in [(50, 0.0), (99, 0.0), (100, 0.01), (150, 0.02), (200, 1.0)] {
            r.count = count;
            assert!(
                close(r.drop_probability(1500), pa),
                "count {count}: {}",
                r.drop_probability(1500)
            );
        }
    }

    /// Byte mode: thresholds default to 5 and 15 mean packet sizes, `count` is the bytes since
    /// the last drop over the mean size (rounded down), and `pa` scales with size/mean.
    #[test]
    fn byte_mode_scales_by_packet_size() {
        let cfg = RedConfig {
            wait: false,
            ..RedConfig::default()
        };
        assert_eq!(
            cfg.thresholds(QueueLimit::Bytes(100_000)),
            (QueueLimit::Bytes(2500), QueueLimit::Bytes(7500))
        );
        let mut r = red(cfg, QueueLimit::Bytes(100_000), DataRate::gbps(1));
        r.avg = 5000.0; // pb = 0.02·2500/5000 = 0.01
        r.count_bytes = 25_250; // 50 mean packets (50.5 rounded down)
        assert!(
            close(r.drop_probability(500), 0.02),
            "as packet mode at count 50"
        );
        assert!(
            close(r.drop_probability(1500), 0.06),
            "three mean sizes: ×3"
        );
        assert!(close(r.drop_probability(100), 0.004), "a fifth: ×0.2");
    }

    /// The decision in order: below min_th admit; the first arrival at or above it restarts
    /// the count and is admitted; a queue of at most one packet is never dropped; at 2·max_th
    /// (gentle) the drop is forced; an early drop resets the count.
    #[test]
    fn decision_sequence() {
        let mut r = red(
            RedConfig {
                weight: 1.0, // avg = the instantaneous queue
                wait: false,
                ..RedConfig::default()
            },
            QueueLimit::Packets(100),
            DataRate::gbps(1),
        );
        r.idle_since = None;
        let t = SimTime::ZERO;
        assert_eq!(r.decide(t, 4, 100), Decision::Admit);
        assert!(!r.old);
        assert_eq!(r.decide(t, 10, 100), Decision::Admit, "first above min_th");
        assert_eq!((r.count, r.old), (1, true));
        assert_eq!(r.decide(t, 30, 100), Decision::Forced, "2·max_th");
        assert_eq!(
            r.count, 2,
            "a forced drop keeps the count (ns-3 without Ns1Compat)"
        );
        assert_eq!(r.decide(t, 1, 100), Decision::Admit, "q ≤ 1");
        assert!(!r.old, "the epoch ended");
        // Just below 2·max_th, pb = 0.98/15·29 − 0.96 ≈ 0.93: drops come within a few tries.
        r.decide(t, 29, 100);
        let mut tries = 0;
        while r.decide(t, 29, 100) != Decision::Early {
            tries += 1;
            assert!(tries < 100, "pa ≥ 0.93 drops within a few arrivals");
        }
        assert_eq!(r.count, 0, "an early drop resets the count");
    }

    /// Below min_th RED draws nothing from its stream, so a lightly loaded RED queue is as
    /// deterministic as drop-tail; above it the draws are the queue's own.
    #[test]
    fn no_draw_below_min_th() {
        let mut r = red(
            RedConfig::default(),
            QueueLimit::Packets(100),
            DataRate::gbps(1),
        );
        for _ in 0..1000 {
            assert_eq!(r.decide(SimTime::ZERO, 3, 1500), Decision::Admit);
        }
        let mut fresh = RngStreams::new(1).stream("queue/test/0");
        assert_eq!(r.rng.next_u64(), fresh.next_u64(), "stream untouched");
    }

    /// The checks: probabilities in (0, 1], thresholds in the queue's unit, min < max ≤ queue;
    /// a default max_th above a small queue is blamed on `queue`.
    #[test]
    fn problems_name_the_fields() {
        let q = QueueLimit::Packets(100);
        assert!(RedConfig::default().problems(q).is_empty());
        let fields = |c: RedConfig, q| -> Vec<&'static str> {
            c.problems(q).iter().map(|e| e.field).collect()
        };
        let bad = RedConfig {
            max_p: 0.0,
            weight: 1.5,
            ..RedConfig::default()
        };
        assert_eq!(fields(bad, q), ["aqm.max_p", "aqm.weight"]);
        let nan = RedConfig {
            max_p: f64::NAN,
            ..RedConfig::default()
        };
        assert_eq!(fields(nan, q), ["aqm.max_p"]);
        let order = RedConfig {
            min_th: Some(QueueLimit::Packets(20)),
            max_th: Some(QueueLimit::Packets(20)),
            ..RedConfig::default()
        };
        assert_eq!(fields(order, q), ["aqm.max_th"]);
        let e = &order.problems(q)[0];
        assert!(e.message.contains("(20p) must be below"), "{e}");
        let above = RedConfig {
            max_th: Some(QueueLimit::Packets(101)),
            ..RedConfig::default()
        };
        assert_eq!(fields(above, q), ["aqm.max_th"]);
        assert_eq!(
            fields(RedConfig::default(), QueueLimit::Packets(10)),
            ["queue"]
        );
        let unit = RedConfig {
            min_th: Some(QueueLimit::Bytes(3000)),
            ..RedConfig::default()
        };
        assert_eq!(fields(unit, q), ["aqm.min_th"]);
        assert!(unit.problems(QueueLimit::Bytes(100_000)).is_empty());
    }
}
