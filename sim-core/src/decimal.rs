//! Exact parsing of decimal quantities with a unit suffix ("1.5s", "500Mbps", "1GiB").
//!
//! Every quantity in netsim is an integer in its base unit (picoseconds, bit/s, bytes). Users write
//! decimals, so a string is split into a decimal number and a unit, and the number is scaled by
//! the unit's integer factor without ever going through floating point: "1.5s" is exactly
//! 1 500 000 000 000 ps, and "0.1ps" is an error rather than a silent rounding.

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
    /// The number part is not a non-negative decimal.
    #[error("`{input}` is not a {kind}: expected a number followed by one of {units}")]
    Syntax {
        /// The offending text.
        input: String,
        /// "time", "rate", "size", ...
        kind: &'static str,
        /// The accepted unit suffixes.
        units: &'static str,
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
    /// The value is finer than the base unit (e.g. "0.5ps").
    #[error("`{input}` is finer than the smallest {kind} unit ({base})")]
    TooFine {
        /// The offending text.
        input: String,
        /// "time", "rate", "size", ...
        kind: &'static str,
        /// The base unit's name.
        base: &'static str,
    },
    /// The value does not fit in 64 bits of the base unit.
    #[error("`{input}` is too large a {kind}")]
    Overflow {
        /// The offending text.
        input: String,
        /// "time", "rate", "size", ...
        kind: &'static str,
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

/// A description of one family of units: the accepted suffixes and their factors in the base
/// unit.
pub(crate) struct UnitTable {
    pub kind: &'static str,
    pub base: &'static str,
    /// Suffix and factor; matched case-sensitively, longest suffix first.
    pub units: &'static [(&'static str, u64)],
    /// Human-readable list for error messages.
    pub names: &'static str,
    /// Factor used when the string is a plain number without a unit.
    pub plain: Option<u64>,
}

/// Parses `input` as `<decimal><unit>` using `table`; whitespace between number and unit is
/// allowed.
pub(crate) fn parse(input: &str, table: &UnitTable) -> Result<u64, QuantityError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(QuantityError::Empty { kind: table.kind });
    }
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(s.len());
    let (number, unit) = (&s[..split], s[split..].trim());
    let syntax = || QuantityError::Syntax {
        input: input.to_string(),
        kind: table.kind,
        units: table.names,
    };
    if number.is_empty() {
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
        },
    })
}

enum ScaleError {
    Syntax,
    TooFine,
    Overflow,
}

/// `number × factor` for a decimal `number` ("12", "1.25", "1_000"), exactly.
fn scale(number: &str, factor: u64) -> Result<u64, ScaleError> {
    let number: String = number.chars().filter(|&c| c != '_').collect();
    let mut parts = number.split('.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next().unwrap_or("");
    if parts.next().is_some() || (int.is_empty() && frac.is_empty()) {
        return Err(ScaleError::Syntax);
    }
    let mut mantissa: u128 = 0;
    for c in int.chars().chain(frac.chars()) {
        let d = c.to_digit(10).ok_or(ScaleError::Syntax)? as u128;
        mantissa = mantissa
            .checked_mul(10)
            .and_then(|m| m.checked_add(d))
            .ok_or(ScaleError::Overflow)?;
    }
    let divisor = 10u128
        .checked_pow(frac.len() as u32)
        .ok_or(ScaleError::TooFine)?;
    let scaled = mantissa
        .checked_mul(factor as u128)
        .ok_or(ScaleError::Overflow)?;
    if scaled % divisor != 0 {
        return Err(ScaleError::TooFine);
    }
    u64::try_from(scaled / divisor).map_err(|_| ScaleError::Overflow)
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
