//! Data rates and exact transmission times.

use std::fmt;
use std::str::FromStr;

use crate::SimTime;
use crate::decimal::{self, QuantityError, UnitTable};

const PS_PER_S: u128 = 1_000_000_000_000;

pub(crate) const RATE_UNITS: UnitTable = UnitTable {
    kind: "rate",
    base: "bits per second",
    units: &[
        ("bps", 1),
        ("kbps", 1_000),
        ("Kbps", 1_000),
        ("Mbps", 1_000_000),
        ("Gbps", 1_000_000_000),
        ("Tbps", 1_000_000_000_000),
    ],
    names: "bps, kbps (or Kbps), Mbps, Gbps, Tbps (decimal, bits per second)",
    plain: Some(1),
    max: "18446744073709551615 bps (about 18.4 Ebit/s)",
};
const DISPLAY_UNITS: &[(&str, u64)] = &[
    ("bps", 1),
    ("kbps", 1_000),
    ("Mbps", 1_000_000),
    ("Gbps", 1_000_000_000),
    ("Tbps", 1_000_000_000_000),
];

/// A data rate in bits per second (decimal prefixes: 1 Mbps = 10⁶ bit/s). Always positive.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DataRate(u64);

impl DataRate {
    /// A rate of `bps` bit/s; `None` for zero, which no link or source can have.
    pub const fn from_bps(bps: u64) -> Option<Self> {
        if bps == 0 { None } else { Some(DataRate(bps)) }
    }
    /// Megabits per second. Panics on zero (a programming error in a literal).
    pub const fn mbps(m: u64) -> Self {
        assert!(m > 0, "zero data rate");
        DataRate(m * 1_000_000)
    }
    /// Gigabits per second. Panics on zero.
    pub const fn gbps(g: u64) -> Self {
        assert!(g > 0, "zero data rate");
        DataRate(g * 1_000_000_000)
    }
    /// The rate [bit/s].
    pub const fn bps(self) -> u64 {
        self.0
    }

    /// The time to serialise `bytes` at this rate, rounded **up** to the next picosecond, so that
    /// a packet never leaves a link earlier than physics allows.
    #[inline]
    pub fn tx_time(self, bytes: u64) -> SimTime {
        let bits = bytes as u128 * 8 * PS_PER_S;
        let ps = bits.div_ceil(self.0 as u128);
        SimTime::from_ps(u64::try_from(ps).expect("transmission time overflows simulated time"))
    }

    /// How many whole bytes this rate moves in `t` (rounded down).
    #[inline]
    pub fn bytes_in(self, t: SimTime) -> u64 {
        (t.as_ps() as u128 * self.0 as u128 / (8 * PS_PER_S)) as u64
    }
}

impl FromStr for DataRate {
    type Err = QuantityError;
    /// Parses "500Mbps", "10Gbps", "1.5Gbps", "64kbps"; a plain number is bit/s.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bps = decimal::parse(s, &RATE_UNITS)?;
        DataRate::from_bps(bps).ok_or_else(|| QuantityError::Zero {
            input: s.to_string(),
            kind: "rate",
        })
    }
}

impl fmt::Display for DataRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&decimal::format(self.0, DISPLAY_UNITS))
    }
}
impl fmt::Debug for DataRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

crate::serde_as_string!(DataRate, "a rate such as \"500Mbps\" or \"10Gbps\"");

/// Spaces the packets of a periodic source so that its long-run rate is exact.
///
/// Each interval is `bytes × 8 / rate` rounded **down** to a picosecond, and the remainder is
/// carried into the next interval. After any number of packets the total elapsed time differs from
/// the ideal by less than one picosecond, so a 600 Mbit/s source sends exactly 600 Mbit/s over a
/// long run instead of drifting by the rounding of every packet.
#[derive(Clone, Debug)]
pub struct RatePacer {
    rate: DataRate,
    /// Carried remainder, in units of 1 / rate ps (bit·ps/s).
    carry: u128,
}

impl RatePacer {
    /// A pacer for `rate`.
    pub fn new(rate: DataRate) -> Self {
        RatePacer { rate, carry: 0 }
    }
    /// The pacer's rate.
    pub fn rate(&self) -> DataRate {
        self.rate
    }
    /// The gap after a packet of `bytes` before the next one may start.
    pub fn next_interval(&mut self, bytes: u64) -> SimTime {
        let num = bytes as u128 * 8 * PS_PER_S + self.carry;
        let bps = self.rate.0 as u128;
        self.carry = num % bps;
        SimTime::from_ps((num / bps) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rates parse with decimal prefixes; zero and junk are rejected.
    #[test]
    fn parses_rates() {
        assert_eq!("500Mbps".parse::<DataRate>().unwrap().bps(), 500_000_000);
        assert_eq!("10Gbps".parse::<DataRate>().unwrap().bps(), 10_000_000_000);
        assert_eq!("1.5Gbps".parse::<DataRate>().unwrap().bps(), 1_500_000_000);
        assert_eq!("64kbps".parse::<DataRate>().unwrap().bps(), 64_000);
        assert!(matches!(
            "0Mbps".parse::<DataRate>(),
            Err(QuantityError::Zero { .. })
        ));
        assert!(matches!(
            "5MB/s".parse::<DataRate>(),
            Err(QuantityError::Unit { .. })
        ));
        assert_eq!(
            "1.5Gbps".parse::<DataRate>().unwrap().to_string(),
            "1.5Gbps"
        );
    }

    /// Transmission time is exact where it can be and rounds up where it cannot.
    #[test]
    fn tx_time_rounds_up() {
        // 1500 B at 1 Gbit/s: 12 µs exactly.
        assert_eq!(DataRate::gbps(1).tx_time(1500), SimTime::from_us(12));
        // 1 B at 10 Gbit/s: 800 ps exactly.
        assert_eq!(DataRate::gbps(10).tx_time(1), SimTime::from_ps(800));
        // 1 B at 3 bit/s: 8/3 s = 2.666… s, rounded up to the next picosecond.
        let r = DataRate::from_bps(3).unwrap();
        assert_eq!(r.tx_time(1).as_ps(), 2_666_666_666_667);
    }

    /// A pacer's long-run rate is exact although each interval is rounded.
    #[test]
    fn pacer_does_not_drift() {
        let rate = DataRate::from_bps(7_000_003).unwrap();
        let mut p = RatePacer::new(rate);
        let mut total = SimTime::ZERO;
        let n = 100_000u64;
        for _ in 0..n {
            total += p.next_interval(1_000);
        }
        let ideal_ps = n as u128 * 1_000 * 8 * PS_PER_S / 7_000_003;
        assert!((total.as_ps() as u128).abs_diff(ideal_ps) <= 1, "drifted");
        // Whereas rounding each interval up independently drifts by up to n ps.
        let naive = rate.tx_time(1_000).as_ps() as u128 * n as u128;
        assert!(naive > ideal_ps + n as u128 / 2);
    }
}
