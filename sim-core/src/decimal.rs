//! Exact parsing of decimal quantities with a unit suffix ("1.5s", "500Mbps", "1GiB", "1e9bps").
//!
//! Every quantity in netsim is an integer in its base unit (picoseconds, bit/s, bytes). Users write
//! decimals, so a string is split into a decimal number (optionally in scientific notation:
//! "1.5e-6s", "2.5E3us") and a unit, and the number is scaled by the unit's integer factor without
//! ever going through floating point: "1.5s" is exactly 1 500 000 000 000 ps, and "0.1ps" or
//! "1e-13s" is an error rather than a silent rounding.

use thiserror::Error;

/// Why a quantity string did not parse. The message names what was expected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QuantityError {
    /// Empty string.
    #[error("empty {kind}")]
    Empty {
        /// "time", "rate", "size", ...
        kind: &'static str,
    },
    /// The number part is not a decimal number.
    #[error("`{input}` is not a {kind}: expected a number followed by one of {units}")]
    Syntax {
        /// The offending text.
        input: String,
        /// "time", "rate", "size", ...
        kind: &'static str,
        /// The accepted unit suffixes.
        units: &'static str,
    },
    /// The number is negative.
    #[error("`{input}` is not a {kind}: it is negative")]
    Negative {
        /// The offending text.
        input: String,
        /// "time", "rate", "size", ...
        kind: &'static str,
    },
    /// The unit is not one of the accepted suffixes.
    #[error("`{input}`: unknown {kind} unit `{unit}`; expected one of {units}")]
    Unit {
        /// The offending text.
        input: String,
        /// The unit found.
        unit: String,
        /// "time", "rate", "size", ...
        kind: &'static str,
        /// The accepted unit suffixes.
        units: &'static str,
    },
    /// The value is not a whole number of the base unit (e.g. "0.5ps", "1e-13s").
    #[error("`{input}` is not a whole number of {base}, the smallest {kind} unit")]
    TooFine {
        /// The offending text.
        input: String,
        /// "time", "rate", "size", ...
        kind: &'static str,
        /// The base unit in words, plural: "picoseconds".
        base: &'static str,
    },
    /// The value does not fit in 64 bits of the base unit.
    #[error("`{input}` is more than the largest {kind}, {max}")]
    Overflow {
        /// The offending text.
        input: String,
        /// "time", "rate", "size", ...
        kind: &'static str,
        /// The largest value, in words.
        max: &'static str,
    },
    /// The number has more significant digits than exact arithmetic here keeps.
    #[error("`{input}` has more than {MAX_DIGITS} significant digits")]
    Precision {
        /// The offending text.
        input: String,
    },
    /// A value that must be positive is zero.
    #[error("`{input}`: a {kind} must be greater than zero")]
    Zero {
        /// The offending text.
        input: String,
        /// "time", "rate", "size", ...
        kind: &'static str,
    },
}

/// The most significant digits a quantity may have (what fits a `u128` exactly).
pub const MAX_DIGITS: usize = 38;

/// A description of one family of units: the accepted suffixes and their factors in the base
/// unit.
pub(crate) struct UnitTable {
    pub kind: &'static str,
    /// The base unit in words, plural ("picoseconds"), for "not a whole number of …".
    pub base: &'static str,
    /// Suffix and factor; matched case-sensitively.
    pub units: &'static [(&'static str, u64)],
    /// Human-readable list for error messages; names every suffix of `units`.
    pub names: &'static str,
    /// Factor used when the string is a plain number without a unit.
    pub plain: Option<u64>,
    /// The largest value (`u64::MAX` of the base unit) in words, for "more than the largest …".
    pub max: &'static str,
}

/// Splits a trimmed quantity into its number ("1.5", "2e-3", "1_000") and its unit (trimmed):
/// the number is digits, `.` and `_`, then optionally `e` or `E`, a sign and digits. An `e` not
/// followed by a digit starts the unit.
pub(crate) fn split(s: &str) -> (&str, &str) {
    let b = s.as_bytes();
    let mantissa = |c: u8| c.is_ascii_digit() || c == b'.' || c == b'_';
    let mut i = b.iter().position(|&c| !mantissa(c)).unwrap_or(b.len());
    if i > 0 && matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if b.get(j).is_some_and(u8::is_ascii_digit) {
            i = j + b[j..]
                .iter()
                .position(|&c| !(c.is_ascii_digit() || c == b'_'))
                .unwrap_or(b.len() - j);
        }
    }
    (&s[..i], s[i..].trim())
}

/// Parses `input` as `<decimal><unit>` using `table`; whitespace between number and unit is
/// allowed.
pub(crate) fn parse(input: &str, table: &UnitTable) -> Result<u64, QuantityError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(QuantityError::Empty { kind: table.kind });
    }
    let syntax = || QuantityError::Syntax {
        input: input.to_string(),
        kind: table.kind,
        units: table.names,
    };
    if let Some(rest) = s.strip_prefix('-')
        && split(rest).0.bytes().any(|c| c.is_ascii_digit())
    {
        return Err(QuantityError::Negative {
            input: input.to_string(),
            kind: table.kind,
        });
    }
    let (number, unit) = split(s);
    if number.is_empty() || unit.starts_with(['.', '_', '+', '-']) {
        return Err(syntax());
    }
    let factor = if unit.is_empty() {
        table.plain.ok_or_else(syntax)?
    } else {
        table
            .units
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|&(_, f)| f)
            .ok_or_else(|| QuantityError::Unit {
                input: input.to_string(),
                unit: unit.to_string(),
                kind: table.kind,
                units: table.names,
            })?
    };
    scale(number, factor).map_err(|e| match e {
        ScaleError::Syntax => syntax(),
        ScaleError::TooFine => QuantityError::TooFine {
            input: input.to_string(),
            kind: table.kind,
            base: table.base,
        },
        ScaleError::Overflow => QuantityError::Overflow {
            input: input.to_string(),
            kind: table.kind,
            max: table.max,
        },
        ScaleError::Precision => QuantityError::Precision {
            input: input.to_string(),
        },
    })
}

#[derive(Debug, PartialEq, Eq)]
enum ScaleError {
    Syntax,
    TooFine,
    Overflow,
    Precision,
}

/// `number × factor` for a decimal `number` ("12", "1.25", "1_000", "2.5e-3"), exactly: an
/// error if the product is not a whole number or does not fit in a `u64`.
fn scale(number: &str, factor: u64) -> Result<u64, ScaleError> {
    let number: String = number.chars().filter(|&c| c != '_').collect();
    let (mantissa, exponent) = match number.split_once(['e', 'E']) {
        Some((m, e)) => (m, exponent_of(e)?),
        None => (number.as_str(), 0),
    };
    let mut parts = mantissa.split('.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next().unwrap_or("");
    if parts.next().is_some()
        || (int.is_empty() && frac.is_empty())
        || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit())
    {
        return Err(ScaleError::Syntax);
    }
    // number = significant × 10^exp10, with `significant` free of leading and trailing zeros.
    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    let significant = digits.trim_end_matches('0');
    if significant.is_empty() {
        return Ok(0);
    }
    let exp10 = exponent - frac.len() as i64 + (digits.len() - significant.len()) as i64;
    if significant.len() > MAX_DIGITS {
        return Err(if exp10 >= 0 {
            ScaleError::Overflow
        } else {
            ScaleError::Precision
        });
    }
    let significant: u128 = significant.parse().map_err(|_| ScaleError::Syntax)?;
    let factor = factor as u128;
    let value = if exp10 >= 0 {
        // A significand of at least 1 times 10^39 or more does not fit a u64.
        let power = u32::try_from(exp10)
            .ok()
            .and_then(|e| 10u128.checked_pow(e))
            .ok_or(ScaleError::Overflow)?;
        significant
            .checked_mul(factor)
            .and_then(|v| v.checked_mul(power))
            .ok_or(ScaleError::Overflow)?
    } else {
        // significant × factor / 10^k is whole exactly when q = 10^k / gcd(factor, 10^k)
        // divides `significant` (q and factor / gcd share no factor).
        let k = exp10.unsigned_abs();
        let twos = u64::from(factor.trailing_zeros()).min(k);
        let fives = multiplicity(factor, 5).min(k);
        let q = pow(2, k - twos).and_then(|a| pow(5, k - fives).and_then(|b| a.checked_mul(b)));
        // A q beyond u128 exceeds any 38-digit significand, which it then cannot divide.
        let q = q.ok_or(ScaleError::TooFine)?;
        if !significant.is_multiple_of(q) {
            return Err(ScaleError::TooFine);
        }
        let reduced = factor / (pow(2, twos).unwrap_or(1) * pow(5, fives).unwrap_or(1));
        (significant / q)
            .checked_mul(reduced)
            .ok_or(ScaleError::Overflow)?
    };
    u64::try_from(value).map_err(|_| ScaleError::Overflow)
}

/// The exponent after `e`: an optional sign and digits, clamped far beyond any value that could
/// matter so that "1e99999999999999999999" is an overflow, not a syntax error.
fn exponent_of(text: &str) -> Result<i64, ScaleError> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(ScaleError::Syntax);
    }
    let magnitude = digits.bytes().fold(0i64, |acc, c| {
        (acc * 10 + i64::from(c - b'0')).min(1_000_000)
    });
    Ok(if negative { -magnitude } else { magnitude })
}

/// How many times `p` divides `n` (n > 0).
fn multiplicity(mut n: u128, p: u128) -> u64 {
    let mut count = 0;
    while n > 0 && n.is_multiple_of(p) {
        n /= p;
        count += 1;
    }
    count
}

/// `base^exp`, or `None` past `u128`.
fn pow(base: u128, exp: u64) -> Option<u128> {
    base.checked_pow(u32::try_from(exp).ok()?)
}

/// Formats `value` (in the base unit) with the largest unit of `units` that is not larger than
/// it, as a short decimal: 1 500 000 000 000 ps with seconds → "1.5s".
pub(crate) fn format(value: u64, units: &[(&str, u64)]) -> String {
    let (name, factor) = units
        .iter()
        .copied()
        .filter(|&(_, f)| f <= value.max(1))
        .max_by_key(|&(_, f)| f)
        .unwrap_or(units[0]);
    let int = value / factor;
    let rem = value % factor;
    if rem == 0 {
        return format!("{int}{name}");
    }
    let digits = factor.ilog10() as usize;
    let frac = format!("{rem:0digits$}");
    format!("{int}.{}{name}", frac.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ByteSize, DataRate, QueueLimit, SimTime};

    const SECONDS: u64 = 1_000_000_000_000;

    /// Scientific notation scales exactly, in every notation the parser accepts.
    #[test]
    fn scientific_notation_is_exact() {
        for (number, factor, expected) in [
            ("1e9", 1, 1_000_000_000),
            ("1.5e-6", SECONDS, 1_500_000),
            ("2.5E3", 1, 2_500),
            ("2.5e+3", 1, 2_500),
            ("1_0e1_0", 1, 100_000_000_000),
            ("0.000001e6", 1, 1),
            ("1000e-3", 1, 1),
            ("0e999999", 1, 0),
            ("0.0", 7, 0),
            ("18446744073709551615", 1, u64::MAX),
            ("1.8446744073709551615e19", 1, u64::MAX),
            // Many significant digits that come out whole: 5^20 × 2^40 / 10^20 = 2^20.
            ("95367431640625e-20", 1 << 40, 1 << 20),
        ] {
            assert_eq!(scale(number, factor), Ok(expected), "{number} × {factor}");
        }
    }

    /// Values that are not whole in the base unit, do not fit, or are not numbers are told
    /// apart.
    #[test]
    fn scientific_notation_errors_say_why() {
        for (number, factor, expected) in [
            ("1e-13", SECONDS, ScaleError::TooFine),
            ("1e-999999999999", SECONDS, ScaleError::TooFine),
            ("1.5", 1, ScaleError::TooFine),
            ("18446744073709551616", 1, ScaleError::Overflow),
            ("1e20", 1, ScaleError::Overflow),
            ("1e39", 1, ScaleError::Overflow),
            ("1e99999999999999999999", 1, ScaleError::Overflow),
            ("1e7", 1 << 62, ScaleError::Overflow),
            (
                "1.000000000000000000000000000000000000001",
                1,
                ScaleError::Precision,
            ),
            ("1e", 1, ScaleError::Syntax),
            ("1e+", 1, ScaleError::Syntax),
            ("1.2.3", 1, ScaleError::Syntax),
            (".", 1, ScaleError::Syntax),
        ] {
            assert_eq!(scale(number, factor), Err(expected), "{number} × {factor}");
        }
    }

    /// The split keeps an exponent with the number and leaves a unit that merely starts with
    /// `e` to the unit.
    #[test]
    fn split_takes_exponents_only_when_followed_by_digits() {
        assert_eq!(split("1e9bps"), ("1e9", "bps"), "exponent then unit");
        assert_eq!(split("1.5E-6 s"), ("1.5E-6", "s"), "capital E, sign, space");
        assert_eq!(split("1e"), ("1", "e"), "no digits: a unit");
        assert_eq!(split("1eB"), ("1", "eB"), "letters: a unit");
        assert_eq!(split("10\u{3bc}s"), ("10", "\u{3bc}s"), "non-ASCII unit");
    }

    /// The messages of every family state the reason in words: the largest value, or the base
    /// unit a value must be a whole number of.
    #[test]
    fn messages_state_the_reason() {
        let e = "1e30Gbps".parse::<DataRate>().unwrap_err().to_string();
        assert_eq!(
            e,
            "`1e30Gbps` is more than the largest rate, 18446744073709551615 bps (about 18.4 Ebit/s)",
            "rate overflow"
        );
        let e = "1e-13s".parse::<SimTime>().unwrap_err().to_string();
        assert_eq!(
            e, "`1e-13s` is not a whole number of picoseconds, the smallest time unit",
            "too fine"
        );
        let e = "1e20B".parse::<ByteSize>().unwrap_err().to_string();
        assert!(e.contains("more than the largest size"), "{e}");
        let e = "5e9p".parse::<QueueLimit>().unwrap_err().to_string();
        assert_eq!(
            e, "`5e9p` is more than the largest queue limit, 4294967295 packets",
            "packets beyond u32"
        );
        let e = "1.5p".parse::<QueueLimit>().unwrap_err().to_string();
        assert!(e.contains("not a whole number of packets"), "{e}");
        let e = "-1s".parse::<SimTime>().unwrap_err().to_string();
        assert_eq!(e, "`-1s` is not a time: it is negative", "negative");
        let e = "10xs".parse::<QueueLimit>().unwrap_err().to_string();
        assert!(
            e.contains("unknown queue limit unit `xs`") && e.contains("p (packets"),
            "{e}"
        );
    }

    /// Queue limits take scientific notation in packets and in bytes.
    #[test]
    fn queue_limits_take_scientific_notation() {
        assert_eq!("1e3".parse::<QueueLimit>(), Ok(QueueLimit::Packets(1_000)));
        assert_eq!("1e2p".parse::<QueueLimit>(), Ok(QueueLimit::Packets(100)));
        assert_eq!(
            "1.5e2KB".parse::<QueueLimit>(),
            Ok(QueueLimit::Bytes(150_000))
        );
    }

    /// Every unit a table accepts is named in the list its "unknown unit" message shows.
    #[test]
    fn unit_lists_name_every_accepted_unit() {
        for (input, units) in [
            ("1 parsec", &crate::time::TIME_UNITS),
            ("1 furlong", &crate::rate::RATE_UNITS),
            ("1 stone", &crate::size::SIZE_UNITS),
        ] {
            let Err(QuantityError::Unit { units: names, .. }) = parse(input, units) else {
                panic!("{input} is an unknown unit");
            };
            for (unit, _) in units.units {
                let listed = names
                    .split(|c: char| c == ',' || c == '(' || c == ')' || c.is_whitespace())
                    .any(|w| w == *unit);
                assert!(listed, "`{unit}` is missing from `{names}`");
            }
        }
    }
}
