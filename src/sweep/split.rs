//! Splitting a sweep's `--set KEY=V1,V2,…` into its values.
//!
//! The rule: a comma separates values only at the top level — not inside `[…]`, `{…}`,
//! `"…"` or `'…'`. So `--set trace.pcap=["h0","h1"]` is one value (an array) and
//! `--set topology.link={ rate = "1Gbps", delay = "5us" }` is one value (an inline table), while
//! `--set flow.0.rate=100Mbps,300Mbps` is two. To sweep over strings that contain a comma, quote
//! them: `--set name="a,b","c,d"`. Each value is trimmed and then read exactly as a single
//! `--set` value is (a TOML value, or else a string).

/// Why a value list cannot be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SplitError {
    /// What is wrong, in one sentence.
    pub message: String,
    /// What to write instead.
    pub help: &'static str,
}

/// Splits `value` (the text after `KEY=`) on top-level commas. A value without a top-level
/// comma is returned whole, even if its brackets or quotes do not balance (a single `--set`
/// value is taken as a string when it is not TOML; the scenario loader judges it).
pub(crate) fn split_values(value: &str) -> Result<Vec<String>, SplitError> {
    let mut parts = Vec::new();
    let mut depth: i64 = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut start = 0;
    for (i, c) in value.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if q == '"' && c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '[' | '{' => depth += 1,
            ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    if parts.len() == 1 {
        return Ok(vec![value.trim().to_string()]);
    }
    if quote.is_some() || depth != 0 {
        return Err(SplitError {
            message: format!(
                "cannot split `{value}` into values: {}",
                match quote {
                    Some('"') => "a `\"` is not closed",
                    Some(_) => "a `'` is not closed",
                    None if depth > 0 => "a `[` or `{` is not closed",
                    None => "a `]` or `}` closes nothing",
                }
            ),
            help: "commas separate values only outside [..], {..} and quotes; \
                   quote a string that contains a comma, e.g. --set name=\"a,b\",c",
        });
    }
    if parts.iter().any(|p| p.trim().is_empty()) {
        return Err(SplitError {
            message: format!("`{value}` has an empty value between commas"),
            help: "write the values as V1,V2,… with no empty entries",
        });
    }
    Ok(parts.into_iter().map(|p| p.trim().to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(v: &str) -> Vec<String> {
        split_values(v).unwrap_or_else(|e| panic!("{v}: {e:?}"))
    }

    /// Plain lists split on every comma, and each value is trimmed.
    #[test]
    fn plain_lists_split_on_commas() {
        assert_eq!(
            ok("100Mbps, 300Mbps,1Gbps"),
            ["100Mbps", "300Mbps", "1Gbps"]
        );
        assert_eq!(ok("8"), ["8"]);
    }

    /// Arrays, inline tables and quoted strings are single values: their commas are not
    /// separators, so a TOML array stays one value.
    #[test]
    fn brackets_and_quotes_protect_commas() {
        assert_eq!(ok(r#"["h0","h1"]"#), [r#"["h0","h1"]"#]);
        assert_eq!(ok(r#"["h0","h1"],hosts"#), [r#"["h0","h1"]"#, "hosts"]);
        assert_eq!(
            ok(r#"{ rate = "1Gbps", delay = "5us" },{ rate = "10Gbps" }"#),
            [
                r#"{ rate = "1Gbps", delay = "5us" }"#,
                r#"{ rate = "10Gbps" }"#
            ]
        );
        assert_eq!(
            ok(r#""a,b",'c,d',"e\",f""#),
            [r#""a,b""#, "'c,d'", r#""e\",f""#]
        );
        assert_eq!(ok("[[1,2],[3]],[4]"), ["[[1,2],[3]]", "[4]"]);
    }

    /// A single value is returned whole even when it does not balance (the loader then takes it
    /// as a string); a list that does not balance, or has an empty entry, is an error.
    #[test]
    fn unbalanced_or_empty_lists_are_errors() {
        assert_eq!(ok("it's"), ["it's"]);
        assert!(split_values("a,'b").is_err());
        assert!(split_values("a,[1").is_err());
        assert_eq!(ok("[1,2"), ["[1,2"]);
        assert!(split_values("a,,b").is_err());
        assert!(split_values("a,").is_err());
    }
}
