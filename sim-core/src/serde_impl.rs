//! Serde support for the quantity types: they serialise as their display string and deserialise
//! from a string with units or, where the unit is obvious, a plain number.

/// What serde says a value should be ("u32", "struct LinkTable", "a sequence"), in words a
/// scenario author knows: integer types with their range, structs and maps as tables, sequences
/// as lists. Text that is already in words (a quantity's "a time such as …") is kept.
pub fn expected_in_words(expected: &str) -> String {
    let words = match expected.trim() {
        "u8" => "an integer from 0 to 255",
        "u16" => "an integer from 0 to 65535",
        "u32" => "an integer from 0 to 4294967295",
        // A TOML integer is a signed 64-bit number: this is the largest a file can hold.
        "u64" | "u128" | "usize" => "an integer from 0 to 9223372036854775807",
        "i8" => "an integer from -128 to 127",
        "i16" => "an integer from -32768 to 32767",
        "i32" => "an integer from -2147483648 to 2147483647",
        "i64" | "i128" | "isize" => "an integer",
        "f32" | "f64" => "a number",
        "a boolean" | "bool" => "`true` or `false`",
        "a borrowed string" | "a string" | "char" | "a character" => "a string",
        "a sequence" | "a tuple" => "a list",
        "a map" => "a table",
        other if other.starts_with("struct ") || other.starts_with("a map") => "a table",
        other if other.starts_with("tuple ") || other.starts_with("a tuple") => "a list",
        other if other.starts_with("enum ") => "a string naming one of the values this key takes",
        other => return other.to_string(),
    };
    words.to_string()
}

/// What serde says a value is ("sequence", "map", "floating point `1.5`"), in the words of
/// [`expected_in_words`].
pub fn found_in_words(found: &str) -> String {
    let found = found.trim();
    match found {
        "sequence" => "a list".into(),
        "map" => "a table".into(),
        "unit value" => "an empty value".into(),
        "option" | "newtype struct" | "enum" => "a value of another type".into(),
        other => match other.strip_prefix("floating point ") {
            Some(number) => format!("the number {number}"),
            None => other.to_string(),
        },
    }
}

/// A whole serde or `toml` deserialisation message with its Rust type names put in words:
/// "invalid type: integer `5`, expected struct LinkTable" becomes "expected a table, found
/// integer `5`". Messages without type names are kept as they are.
pub fn message_in_words(message: &str) -> String {
    let message = message.trim();
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        return format!(
            "expected {}, found {}",
            expected_in_words(expected),
            found_in_words(found)
        );
    }
    if let Some(rest) = message.strip_prefix("invalid value: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        return match found.strip_prefix("integer ") {
            Some(n) => format!(
                "{n} is out of range: expected {}",
                expected_in_words(expected)
            ),
            None => format!(
                "invalid value {}: expected {}",
                found_in_words(found),
                expected_in_words(expected)
            ),
        };
    }
    if let Some(rest) = message.strip_prefix("invalid length ")
        && let Some((_, expected)) = rest.split_once(", expected ")
    {
        return if expected.starts_with("struct ") {
            "expected a table, found a list".into()
        } else {
            format!(
                "wrong number of elements: expected {}",
                expected_in_words(expected)
            )
        };
    }
    if message == "wanted string or table" {
        return "expected a string naming one of the values this key takes".into();
    }
    message.to_string()
}

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

    /// Serde's messages lose their Rust type names: integer types get their range, structs and
    /// maps become tables, sequences lists; words already plain are kept.
    #[test]
    fn serde_messages_in_words() {
        use super::message_in_words as words;
        for (serde, ours) in [
            (
                "invalid type: integer `5`, expected struct LinkTable",
                "expected a table, found integer `5`",
            ),
            (
                "invalid value: integer `1000000000000`, expected u32",
                "`1000000000000` is out of range: expected an integer from 0 to 4294967295",
            ),
            (
                "invalid value: integer `-1`, expected u64",
                "`-1` is out of range: expected an integer from 0 to 9223372036854775807",
            ),
            (
                "invalid type: sequence, expected a string",
                "expected a string, found a list",
            ),
            (
                "invalid type: floating point `1.5`, expected u32",
                "expected an integer from 0 to 4294967295, found the number `1.5`",
            ),
            (
                "invalid type: map, expected a boolean",
                "expected `true` or `false`, found a table",
            ),
            (
                "invalid type: string \"x\", expected a sequence",
                "expected a list, found string \"x\"",
            ),
            (
                "invalid length 1, expected struct LinkTable with 4 elements",
                "expected a table, found a list",
            ),
            (
                "wanted string or table",
                "expected a string naming one of the values this key takes",
            ),
            (
                "unknown field `colour`, expected `name`",
                "unknown field `colour`, expected `name`",
            ),
        ] {
            assert_eq!(words(serde), ours, "{serde}");
        }
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
