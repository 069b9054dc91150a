//! Byte sizes and queue limits.

use std::fmt;
use std::str::FromStr;

use crate::decimal::{self, QuantityError, UnitTable};

pub(crate) const SIZE_UNITS: UnitTable = UnitTable {
    kind: "size",
    base: "bytes",
    units: &[
        ("B", 1),
        ("KB", 1_000),
        ("kB", 1_000),
        ("MB", 1_000_000),
        ("GB", 1_000_000_000),
        ("TB", 1_000_000_000_000),
        ("KiB", 1 << 10),
        ("MiB", 1 << 20),
        ("GiB", 1 << 30),
        ("TiB", 1 << 40),
    ],
    names: "B, KB (or kB), MB, GB, TB (powers of 1000), KiB, MiB, GiB, TiB (powers of 1024)",
    plain: Some(1),
    max: "18446744073709551615 B (just under 16 EiB)",
};
const DISPLAY_UNITS: &[(&str, u64)] = &[
    ("B", 1),
    ("KB", 1_000),
    ("MB", 1_000_000),
    ("GB", 1_000_000_000),
];
const DISPLAY_BINARY: &[(&str, u64)] = &[
    ("B", 1),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
];

/// A number of bytes. "200KB" is 200 000 bytes; "1GiB" is 2³⁰ bytes; a plain number is bytes.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteSize(pub u64);

impl ByteSize {
    /// The size [bytes].
    pub const fn bytes(self) -> u64 {
        self.0
    }
}

impl FromStr for ByteSize {
    type Err = QuantityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        decimal::parse(s, &SIZE_UNITS).map(ByteSize)
    }
}

impl fmt::Display for ByteSize {
    /// Binary units when the size is an exact multiple of 1 KiB and not of 1 KB, decimal
    /// otherwise: "4MiB", "200KB", "1500B".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let binary = self.0 >= 1024 && self.0.is_multiple_of(1024) && !self.0.is_multiple_of(1000);
        let units = if binary {
            DISPLAY_BINARY
        } else {
            DISPLAY_UNITS
        };
        f.write_str(&decimal::format(self.0, units))
    }
}
impl fmt::Debug for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

crate::serde_as_string!(ByteSize, "a size such as \"1500B\", \"200KB\" or \"1GiB\"");

/// The capacity of a drop-tail queue: a number of packets ("100p") or of bytes ("150KB").
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueueLimit {
    /// At most this many packets wait (the packet being transmitted is not counted).
    Packets(u32),
    /// At most this many bytes of frames wait.
    Bytes(u64),
}

impl Default for QueueLimit {
    /// 100 packets: a shallow buffer, like ns-3's default `DropTailQueue` of 100 packets.
    fn default() -> Self {
        QueueLimit::Packets(100)
    }
}

/// Packets of a queue limit: "100p", a plain number, "1e3p".
const PACKET_UNITS: UnitTable = UnitTable {
    kind: "queue limit",
    base: "packets",
    units: &[("p", 1)],
    names: QUEUE_UNIT_NAMES,
    plain: Some(1),
    max: "4294967295 packets",
};
const QUEUE_UNIT_NAMES: &str = "p (packets; a plain number means packets) or a size unit: \
     B, KB (or kB), MB, GB, TB, KiB, MiB, GiB, TiB";

impl FromStr for QueueLimit {
    type Err = QuantityError;
    /// "100p" (packets), "150KB" (bytes, any size unit), or a plain number of packets.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (_, unit) = decimal::split(s.trim());
        let limit = if unit.is_empty() || unit == "p" {
            let n = decimal::parse(s, &PACKET_UNITS)?;
            let n = u32::try_from(n).map_err(|_| QuantityError::Overflow {
                input: s.to_string(),
                kind: PACKET_UNITS.kind,
                max: PACKET_UNITS.max,
            })?;
            QueueLimit::Packets(n)
        } else {
            let bytes = s.parse::<ByteSize>().map_err(|e| match e {
                // The queue's own list of units: packets as well as sizes.
                QuantityError::Unit { input, unit, .. } => QuantityError::Unit {
                    input,
                    unit,
                    kind: PACKET_UNITS.kind,
                    units: QUEUE_UNIT_NAMES,
                },
                QuantityError::Syntax { input, .. } => QuantityError::Syntax {
                    input,
                    kind: PACKET_UNITS.kind,
                    units: QUEUE_UNIT_NAMES,
                },
                other => other,
            })?;
            QueueLimit::Bytes(bytes.0)
        };
        match limit {
            QueueLimit::Packets(0) | QueueLimit::Bytes(0) => Err(QuantityError::Zero {
                input: s.to_string(),
                kind: "queue limit",
            }),
            l => Ok(l),
        }
    }
}

impl fmt::Display for QueueLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueLimit::Packets(n) => write!(f, "{n}p"),
            QueueLimit::Bytes(b) => write!(f, "{}", ByteSize(*b)),
        }
    }
}
impl fmt::Debug for QueueLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

crate::serde_as_string!(QueueLimit, "a queue limit such as \"100p\" or \"150KB\"");

#[cfg(test)]
mod tests {
    use super::*;

    /// Decimal and binary prefixes mean what DESIGN.md says they mean.
    #[test]
    fn parses_sizes() {
        assert_eq!("200KB".parse::<ByteSize>().unwrap().0, 200_000);
        assert_eq!("20MB".parse::<ByteSize>().unwrap().0, 20_000_000);
        assert_eq!("1GiB".parse::<ByteSize>().unwrap().0, 1 << 30);
        assert_eq!("1500".parse::<ByteSize>().unwrap().0, 1500);
        assert_eq!("1.5KB".parse::<ByteSize>().unwrap().0, 1500);
        assert!("1.5B".parse::<ByteSize>().is_err());
        assert_eq!(ByteSize(4 << 20).to_string(), "4MiB");
        assert_eq!(ByteSize(200_000).to_string(), "200KB");
    }

    /// Queue limits take packets or bytes, never zero.
    #[test]
    fn parses_queue_limits() {
        assert_eq!(
            "100p".parse::<QueueLimit>().unwrap(),
            QueueLimit::Packets(100)
        );
        assert_eq!("8".parse::<QueueLimit>().unwrap(), QueueLimit::Packets(8));
        assert_eq!(
            "150KB".parse::<QueueLimit>().unwrap(),
            QueueLimit::Bytes(150_000)
        );
        assert!("0p".parse::<QueueLimit>().is_err());
        assert!("xp".parse::<QueueLimit>().is_err());
        assert_eq!(QueueLimit::default(), QueueLimit::Packets(100));
    }
}
