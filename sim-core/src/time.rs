//! Simulated time: integer picoseconds.
//!
//! One type, [`SimTime`], serves both as an instant (time since the start of the run) and as a
//! duration, as ns-3's `Time` does. Picoseconds in a `u64` cover 213 days of simulated time and
//! make the serialisation time of one byte on a 10 Gbit/s link (800 ps) exact.

use std::fmt;
use std::ops::{Add, AddAssign, Div, Mul, Sub, SubAssign};
use std::str::FromStr;

use crate::decimal::{self, QuantityError, UnitTable};

/// A point in simulated time or a span of it, in integer picoseconds.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(u64);

const PS: u64 = 1;
const NS: u64 = 1_000;
const US: u64 = 1_000_000;
const MS: u64 = 1_000_000_000;
const S: u64 = 1_000_000_000_000;

const H: u64 = 3_600 * S;

pub(crate) const TIME_UNITS: UnitTable = UnitTable {
    kind: "time",
    base: "picoseconds",
    units: &[
        ("ps", PS),
        ("ns", NS),
        ("us", US),
        ("\u{b5}s", US),  // µs: MICRO SIGN
        ("\u{3bc}s", US), // μs: GREEK SMALL LETTER MU
        ("ms", MS),
        ("s", S),
        ("min", 60 * S),
        ("h", H),
    ],
    names: "ps, ns, us (or \u{b5}s, \u{3bc}s), ms, s, min, h (a plain number means seconds)",
    plain: Some(S),
    max: "18446744073709551615 ps (about 5124 h)",
};
const DISPLAY_UNITS: &[(&str, u64)] = &[("ps", PS), ("ns", NS), ("us", US), ("ms", MS), ("s", S)];

impl SimTime {
    /// Time zero: the start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable time; used as "never".
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// From picoseconds.
    pub const fn from_ps(ps: u64) -> Self {
        SimTime(ps)
    }
    /// From nanoseconds.
    pub const fn from_ns(ns: u64) -> Self {
        SimTime(ns * NS)
    }
    /// From microseconds.
    pub const fn from_us(us: u64) -> Self {
        SimTime(us * US)
    }
    /// From milliseconds.
    pub const fn from_ms(ms: u64) -> Self {
        SimTime(ms * MS)
    }
    /// From whole seconds.
    pub const fn from_secs(s: u64) -> Self {
        SimTime(s * S)
    }
    /// Picoseconds.
    pub const fn as_ps(self) -> u64 {
        self.0
    }
    /// Seconds as a float, for reports only (never for model arithmetic).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / S as f64
    }
    /// `self + rhs`, or `None` past [`SimTime::MAX`].
    #[inline]
    pub fn checked_add(self, rhs: SimTime) -> Option<SimTime> {
        self.0.checked_add(rhs.0).map(SimTime)
    }
    /// `self - rhs`, or zero if `rhs` is later.
    #[inline]
    pub fn saturating_sub(self, rhs: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(rhs.0))
    }
    /// `self + rhs`, clamped at [`SimTime::MAX`].
    #[inline]
    pub fn saturating_add(self, rhs: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

/// Addition saturates at [`SimTime::MAX`], which means "never": a timer set absurdly far ahead
/// (a user may write `interval = "1e6s"`) simply never fires within the run, instead of
/// overflowing.
impl Add for SimTime {
    type Output = SimTime;
    #[inline]
    fn add(self, rhs: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}
impl AddAssign for SimTime {
    #[inline]
    fn add_assign(&mut self, rhs: SimTime) {
        *self = *self + rhs;
    }
}
impl Sub for SimTime {
    type Output = SimTime;
    #[inline]
    fn sub(self, rhs: SimTime) -> SimTime {
        SimTime(self.0.checked_sub(rhs.0).expect("negative simulated time"))
    }
}
impl SubAssign for SimTime {
    #[inline]
    fn sub_assign(&mut self, rhs: SimTime) {
        *self = *self - rhs;
    }
}
/// Multiplication saturates at [`SimTime::MAX`] ("never"), like addition.
impl Mul<u64> for SimTime {
    type Output = SimTime;
    #[inline]
    fn mul(self, rhs: u64) -> SimTime {
        SimTime(self.0.saturating_mul(rhs))
    }
}
impl Div<u64> for SimTime {
    type Output = SimTime;
    #[inline]
    fn div(self, rhs: u64) -> SimTime {
        SimTime(self.0 / rhs)
    }
}

impl FromStr for SimTime {
    type Err = QuantityError;
    /// Parses "25us", "1.5s", "200ms", "10ns", "3ps", "2min", "1.5h", "1e-6s"; a plain number is
    /// seconds.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        decimal::parse(s, &TIME_UNITS).map(SimTime)
    }
}

impl fmt::Display for SimTime {
    /// The shortest exact form with the largest fitting unit: "1.5s", "25us", "0s".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        f.write_str(&decimal::format(self.0, DISPLAY_UNITS))
    }
}

impl fmt::Debug for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

crate::serde_as_string!(
    SimTime,
    "a time such as \"25us\", \"1.5s\" or a number of seconds"
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Unit strings map to exact picosecond counts, decimals included.
    #[test]
    fn parses_units_exactly() {
        assert_eq!("25us".parse::<SimTime>().unwrap().as_ps(), 25_000_000);
        assert_eq!(
            "1.5s".parse::<SimTime>().unwrap().as_ps(),
            1_500_000_000_000
        );
        assert_eq!("200ms".parse::<SimTime>().unwrap(), SimTime::from_ms(200));
        assert_eq!("10 ns".parse::<SimTime>().unwrap(), SimTime::from_ns(10));
        assert_eq!("2".parse::<SimTime>().unwrap(), SimTime::from_secs(2));
        assert_eq!("0.000001us".parse::<SimTime>().unwrap().as_ps(), 1);
        assert_eq!("1min".parse::<SimTime>().unwrap(), SimTime::from_secs(60));
        assert_eq!("2h".parse::<SimTime>().unwrap(), SimTime::from_secs(7_200));
        assert_eq!(
            "1.5h".parse::<SimTime>().unwrap(),
            SimTime::from_secs(5_400)
        );
        // Micro: ASCII `us`, MICRO SIGN U+00B5 and GREEK SMALL LETTER MU U+03BC alike.
        for micro in ["10us", "10\u{b5}s", "10\u{3bc}s"] {
            assert_eq!(
                micro.parse::<SimTime>().unwrap(),
                SimTime::from_us(10),
                "{micro}"
            );
        }
        assert_eq!(
            "1.5e-6s".parse::<SimTime>().unwrap(),
            SimTime::from_ns(1_500)
        );
        assert_eq!(
            "2.5E3us".parse::<SimTime>().unwrap(),
            SimTime::from_us(2_500)
        );
        assert_eq!("1e3".parse::<SimTime>().unwrap(), SimTime::from_secs(1_000));
    }

    /// Bad strings are errors that say why, never a rounding.
    #[test]
    fn rejects_bad_times() {
        assert!(matches!(
            "0.5ps".parse::<SimTime>(),
            Err(QuantityError::TooFine { .. })
        ));
        assert!(matches!(
            "5 parsecs".parse::<SimTime>(),
            Err(QuantityError::Unit { .. })
        ));
        assert!(matches!(
            "-1s".parse::<SimTime>(),
            Err(QuantityError::Negative { .. })
        ));
        assert!(matches!(
            "".parse::<SimTime>(),
            Err(QuantityError::Empty { .. })
        ));
        assert!(matches!(
            "1.2.3s".parse::<SimTime>(),
            Err(QuantityError::Syntax { .. })
        ));
        assert!(matches!(
            "1e9s".parse::<SimTime>(),
            Err(QuantityError::Overflow { .. })
        ));
        assert!(matches!(
            "1e-13s".parse::<SimTime>(),
            Err(QuantityError::TooFine { .. })
        ));
        assert!(matches!(
            "99999999999s".parse::<SimTime>(),
            Err(QuantityError::Overflow { .. })
        ));
    }

    /// Adding past the end of time saturates at MAX ("never") rather than overflowing.
    #[test]
    fn addition_saturates() {
        assert_eq!(SimTime::MAX + SimTime::from_secs(1), SimTime::MAX);
        assert_eq!(SimTime::from_secs(1) * u64::MAX, SimTime::MAX);
        assert_eq!(
            SimTime::from_secs(1) + SimTime::from_ms(5),
            SimTime::from_ms(1005)
        );
    }

    /// Display picks the largest exact unit and round-trips through parsing.
    #[test]
    fn displays_shortest_form() {
        for (ps, text) in [
            (0, "0s"),
            (1, "1ps"),
            (1_500, "1.5ns"),
            (25_000_000, "25us"),
            (1_500_000_000_000, "1.5s"),
            (120_000_000_000_000, "120s"),
            (1_000_001, "1.000001us"),
        ] {
            let t = SimTime::from_ps(ps);
            assert_eq!(t.to_string(), text);
            assert_eq!(text.parse::<SimTime>().unwrap(), t, "round trip of {text}");
        }
    }
}
