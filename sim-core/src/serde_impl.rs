//! Serde support for the quantity types: they serialise as their display string and deserialise
//! from a string with units or, where the unit is obvious, a plain number.

/// Implements `Serialize` (as the `Display` string) and `Deserialize` (from a string via
/// `FromStr`, or from a plain integer or float, which is parsed as its decimal text so that the
/// type's plain-number rule applies).
#[macro_export]
#[doc(hidden)]
macro_rules! serde_as_string {
    ($ty:ty, $expecting:expr) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        v.parse::<$ty>().map_err(E::custom)
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<$ty, E> {
                        self.visit_str(&v.to_string())
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<$ty, E> {
                        self.visit_str(&v.to_string())
                    }
                    /// A float is read as the shortest decimal that reads back as it, in plain
                    /// (`0.001`) or exponent (`1e-13`) form, whichever is shorter: what the user
                    /// most likely wrote. The quantity parser then scales that decimal exactly.
                    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<$ty, E> {
                        let plain = v.to_string();
                        let exponent = format!("{v:e}");
                        if exponent.len() < plain.len() {
                            self.visit_str(&exponent)
                        } else {
                            self.visit_str(&plain)
                        }
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::{ByteSize, SimTime};
    use serde::Deserialize;
    use serde::de::value::{Error, F64Deserializer};

    fn time(v: f64) -> Result<SimTime, String> {
        SimTime::deserialize(F64Deserializer::<Error>::new(v)).map_err(|e| e.to_string())
    }

    /// Floats (as TOML gives `duration = 1e-3`) are scaled exactly from their short decimal:
    /// 1e-3 s is exactly 1 ms and 1.5e-6 s exactly 1.5 us, with no binary rounding.
    #[test]
    fn floats_parse_exactly() {
        assert_eq!(time(1e-3), Ok(SimTime::from_ms(1)), "one millisecond");
        assert_eq!(time(1.5e-6), Ok(SimTime::from_ns(1_500)), "1.5 us");
        assert_eq!(
            time(0.1),
            Ok(SimTime::from_ms(100)),
            "0.1 s, not 0.1000000000000000055"
        );
        let size = ByteSize::deserialize(F64Deserializer::<Error>::new(1.5e3));
        assert_eq!(size, Ok(ByteSize(1_500)), "1.5e3 bytes");
    }

    /// A float that is not a quantity is refused with the reason, naming the number in the
    /// short form the user wrote.
    #[test]
    fn bad_floats_say_why() {
        let e = time(1e-13).unwrap_err();
        assert!(
            e.contains("`1e-13` is not a whole number of picoseconds"),
            "too fine: {e}"
        );
        let e = time(1e30).unwrap_err();
        assert!(
            e.contains("`1e30` is more than the largest time"),
            "too large: {e}"
        );
        let e = time(-0.5).unwrap_err();
        assert!(
            e.contains("`-0.5` is not a time: it is negative"),
            "negative: {e}"
        );
        let e = time(f64::NAN).unwrap_err();
        assert!(e.contains("`NaN` is not a time"), "not a number: {e}");
    }
}
