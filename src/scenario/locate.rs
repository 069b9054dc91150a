//! From a byte offset back to the key it belongs to, and from serde's messages to ours.
//!
//! `toml` tells us *where* a deserialisation error is (a span) and serde tells us *what* (a
//! message such as "unknown field `rat`, expected one of `rate`, `delay`, …"), but neither says
//! *which table* the key is in. We parse the same text with `toml_edit`, which keeps the span of
//! every key and value, find the key or value under the error, and rewrite the message to name
//! it: "unknown key `rat` in [topology.link]; did you mean `rate`?".

use std::ops::Range;

use toml_edit::{Item, TableLike, Value};

use sim_core::{expected_in_words, found_in_words, message_in_words};

use super::error::{nearest, one_of};

/// One step of a path into the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    /// A key of a table.
    Key(String),
    /// An element of an array (of tables, or an inline array).
    Index(usize),
}

/// The key or value found at an offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Located {
    /// Path from the root to the key (its last element is the key itself).
    pub path: Vec<Seg>,
}

impl Located {
    /// The key's own name (the last key segment), or "" at the root.
    pub fn key(&self) -> &str {
        self.path
            .iter()
            .rev()
            .find_map(|s| match s {
                Seg::Key(k) => Some(k.as_str()),
                Seg::Index(_) => None,
            })
            .unwrap_or("")
    }

    /// Where the key lives, in words: "the top-level table", "[topology.link]", "[[flow]] index 1",
    /// "`workload` of [[vm]] index 0".
    pub fn table(&self) -> String {
        let mut parent = self.path.clone();
        // Drop the key and any array indices inside the value (e.g. a pcap list element).
        while let Some(Seg::Index(_)) = parent.last() {
            parent.pop();
        }
        parent.pop();
        describe_table(&parent)
    }
}

/// Words for a table path (see [`Located::table`]).
pub(crate) fn describe_table(path: &[Seg]) -> String {
    if path.is_empty() {
        return "the top-level table".to_string();
    }
    match path.iter().position(|s| matches!(s, Seg::Index(_))) {
        None => format!("[{}]", dotted(path)),
        Some(i) => {
            let Seg::Index(n) = path[i] else {
                unreachable!()
            };
            let array = format!("[[{}]] index {n}", dotted(&path[..i]));
            let rest = &path[i + 1..];
            if rest.is_empty() {
                array
            } else {
                format!("`{}` of {array}", dotted(rest))
            }
        }
    }
}

/// "a.b.0.c".
pub(crate) fn dotted(path: &[Seg]) -> String {
    let parts: Vec<String> = path
        .iter()
        .map(|s| match s {
            Seg::Key(k) => k.clone(),
            Seg::Index(i) => i.to_string(),
        })
        .collect();
    parts.join(".")
}

/// The key whose name or value contains `offset` in `text`, if `text` parses.
pub(crate) fn locate(text: &str, offset: usize) -> Option<Located> {
    let doc = toml_edit::Document::parse(text).ok()?;
    let mut path = Vec::new();
    find_in_table(doc.as_table(), offset, &mut path).then_some(Located { path })
}

fn contains(span: Option<Range<usize>>, offset: usize) -> bool {
    span.is_some_and(|s| s.start <= offset && offset < s.end.max(s.start + 1))
}

fn find_in_table(table: &dyn TableLike, offset: usize, path: &mut Vec<Seg>) -> bool {
    for (name, _) in table.iter() {
        let Some((key, item)) = table.get_key_value(name) else {
            continue;
        };
        path.push(Seg::Key(name.to_string()));
        if contains(key.span(), offset) || find_in_item(item, offset, path) {
            return true;
        }
        path.pop();
    }
    false
}

fn find_in_item(item: &Item, offset: usize, path: &mut Vec<Seg>) -> bool {
    match item {
        Item::None => false,
        Item::Table(t) => find_in_table(t, offset, path),
        Item::ArrayOfTables(a) => {
            for (i, t) in a.iter().enumerate() {
                path.push(Seg::Index(i));
                if find_in_table(t, offset, path) {
                    return true;
                }
                path.pop();
            }
            // On the `[[name]]` header itself: report the element whose header it is.
            for (i, t) in a.iter().enumerate() {
                if contains(t.span(), offset) {
                    path.push(Seg::Index(i));
                    return true;
                }
            }
            false
        }
        Item::Value(v) => find_in_value(v, offset, path),
    }
}

fn find_in_value(value: &Value, offset: usize, path: &mut Vec<Seg>) -> bool {
    match value {
        Value::InlineTable(t) => find_in_table(t, offset, path) || contains(t.span(), offset),
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                if contains(v.span(), offset) {
                    path.push(Seg::Index(i));
                    // Inside a nested key if there is one, else the element itself.
                    find_in_value(v, offset, path);
                    return true;
                }
            }
            contains(a.span(), offset)
        }
        v => contains(v.span(), offset),
    }
}

/// A serde/toml message rewritten to name the key and table, with a label and a hint.
pub(crate) struct Explained {
    pub message: String,
    pub label: String,
    pub help: Option<String>,
}

/// Explains a deserialisation error `message` found at `at` (when the key is known). With
/// `allowed`, an unknown key's valid keys (and the nearest one) are limited to those it accepts:
/// a `[[flow]]` of a known kind lists that kind's keys only.
pub(crate) fn explain_within(
    message: &str,
    at: Option<&Located>,
    allowed: Option<&dyn Fn(&str) -> bool>,
) -> Explained {
    let key = at.map(|l| l.key().to_string()).unwrap_or_default();
    let table = at
        .map(Located::table)
        .unwrap_or_else(|| "the scenario".into());
    // A list where the schema has a table (`tcp = [1]`): serde reads the list as the table's
    // fields in order, and its complaint about the first element would be misleading.
    if let Some(at) = at
        && let Some(i) = (1..at.path.len())
            .find(|&i| matches!(at.path[i], Seg::Index(_)) && super::set::is_table(&at.path[..i]))
    {
        let outer = Located {
            path: at.path[..i].to_vec(),
        };
        return Explained {
            message: format!(
                "wrong type for `{}` in {}: expected a table, found a list",
                outer.key(),
                outer.table()
            ),
            label: "expected a table".into(),
            help: None,
        };
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (word, mut expected) = split_expected(rest);
        // `toml` reads a date as a table with one private key; where a table is expected, that
        // key is what serde reports.
        if word.starts_with("$__toml_private") {
            return Explained {
                message: format!(
                    "wrong type for `{key}` in {table}: expected a table, found a date"
                ),
                label: "expected a table".into(),
                help: None,
            };
        }
        if let Some(allowed) = allowed {
            expected.retain(|k| allowed(k));
        }
        let suggestion = nearest(&word, expected.iter().map(String::as_str));
        let mut text = format!("unknown key `{word}` in {table}");
        if let Some(s) = suggestion {
            text.push_str(&format!("; did you mean `{s}`?"));
        }
        let valid: Vec<&str> = expected.iter().map(String::as_str).collect();
        let help = if valid.is_empty() {
            format!("{table} takes no keys")
        } else {
            format!("valid keys in {table}: {}", valid.join(", "))
        };
        return Explained {
            message: text,
            label: "unknown key".into(),
            help: Some(help),
        };
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (word, expected) = split_expected(rest);
        // `kind = { a = 1 }`: `toml` reads a table as a variant named by its key, so the error
        // is at the key `a` inside the value of `kind`.
        if let Some(at) = at
            && let [outer @ .., Seg::Key(parent), Seg::Key(inner)] = at.path.as_slice()
            && *inner == word
        {
            let names: Vec<&str> = expected.iter().map(String::as_str).collect();
            return Explained {
                message: format!(
                    "wrong type for `{parent}` in {}: expected {}, found a table",
                    describe_table(outer),
                    one_of(&names)
                ),
                label: "expected a name".into(),
                help: None,
            };
        }
        let suggestion = nearest(&word, expected.iter().map(String::as_str));
        let mut text = format!("`{word}` is not a valid `{key}` in {table}");
        if let Some(s) = suggestion {
            text.push_str(&format!("; did you mean `{s}`?"));
        }
        let valid: Vec<&str> = expected.iter().map(String::as_str).collect();
        return Explained {
            message: text,
            label: "unknown value".into(),
            help: Some(format!("`{key}` takes {}", one_of(&valid))),
        };
    }
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        let expected = expected_in_words(expected);
        return Explained {
            message: format!(
                "wrong type for `{key}` in {table}: expected {expected}, found {}",
                found_in_words(found)
            ),
            label: format!("expected {expected}"),
            help: None,
        };
    }
    if let Some(rest) = message.strip_prefix("invalid value: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        let expected = expected_in_words(expected);
        // An integer out of its type's range: state the range.
        if let Some(n) = found.strip_prefix("integer ") {
            return Explained {
                message: format!(
                    "`{key}` in {table} must be {expected}, not {}",
                    n.trim_matches('`')
                ),
                label: "out of range".into(),
                help: None,
            };
        }
        return Explained {
            message: format!(
                "invalid `{key}` in {table}: expected {expected}, found {}",
                found_in_words(found)
            ),
            label: format!("expected {expected}"),
            help: None,
        };
    }
    if let Some(rest) = message.strip_prefix("invalid length ")
        && let Some((_, expected)) = rest.split_once(", expected ")
        && expected.starts_with("struct ")
    {
        // `link = [1]`: serde tried the list as the table's fields in order.
        return Explained {
            message: format!("wrong type for `{key}` in {table}: expected a table, found a list"),
            label: "expected a table".into(),
            help: None,
        };
    }
    let message = message_in_words(message);
    if at.is_none() {
        return Explained {
            message,
            label: "here".into(),
            help: None,
        };
    }
    // A value's own parser (quantities): its message already says what was wrong.
    Explained {
        message: format!("invalid `{key}` in {table}: {message}"),
        label: "invalid value".into(),
        help: None,
    }
}

/// The string `toml` puts in an enum's value while asking which names the enum takes.
const PROBE: &str = "netsim-probe";

/// `toml`'s message for a value of the wrong type where a name is expected ("wanted string or
/// table", which names neither the value nor the names) rewritten as a serde-style message that
/// does: "invalid type: integer `5`, expected `fat-tree`, `dumbbell`, … or `file`". The names are
/// the enum's own, found by reading `text` again with a string in place of the value at `span`.
/// Any other message is returned as it is.
pub(crate) fn enum_message<T: serde::de::DeserializeOwned>(
    text: &str,
    span: Range<usize>,
    message: &str,
) -> String {
    let date = text
        .get(span.clone())
        .and_then(|v| match v.trim().parse::<Value>() {
            Ok(Value::Datetime(d)) => Some(format!("date `{}`", d.value())),
            _ => None,
        });
    // `toml` hands a date to serde as a table: say it is a date.
    if let (Some(rest), Some(date)) = (message.strip_prefix("invalid type: map, "), &date) {
        return format!("invalid type: {date}, {rest}");
    }
    if message.trim() != "wanted string or table" {
        return message.to_string();
    }
    let (Some(value), Some(before), Some(after)) = (
        text.get(span.clone()),
        text.get(..span.start),
        text.get(span.end..),
    ) else {
        return message.to_string();
    };
    let found = match value.trim().parse::<Value>() {
        Ok(Value::Integer(i)) => format!("integer `{}`", i.value()),
        Ok(Value::Float(f)) => format!("floating point `{}`", f.value()),
        Ok(Value::Boolean(b)) => format!("boolean `{}`", b.value()),
        Ok(Value::Array(_)) => "sequence".into(),
        Ok(Value::InlineTable(_)) => "map".into(),
        Ok(Value::Datetime(d)) => format!("date `{}`", d.value()),
        Ok(Value::String(_)) | Err(_) => "a value of another type".into(),
    };
    let probed = format!("{before}\"{PROBE}\"{after}");
    let names = toml::from_str::<T>(&probed).err().and_then(|e| {
        let rest = e.message().strip_prefix("unknown variant ")?.to_string();
        let (word, names) = split_expected(&rest);
        (word == PROBE && !names.is_empty()).then_some(names)
    });
    let expected = match names {
        Some(names) => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            one_of(&names)
        }
        None => "a string naming one of the values this key takes".into(),
    };
    format!("invalid type: {found}, expected {expected}")
}

/// "`rat`, expected one of `rate`, `delay`" → ("rat", ["rate", "delay"]).
fn split_expected(rest: &str) -> (String, Vec<String>) {
    let mut ticks = rest.split('`').skip(1).step_by(2).map(str::to_string);
    let word = ticks.next().unwrap_or_default();
    (word, ticks.collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key inside a dotted table header is found with its full path.
    #[test]
    fn locates_keys_in_tables_and_arrays() {
        let text = "name = \"x\"\n[topology.link]\nrat = \"1Gbps\"\n[[flow]]\nsrc = \"a\"\n[[flow]]\ndst = \"b\"\n";
        let at = text.find("rat").unwrap();
        let l = locate(text, at).expect("rat is found");
        assert_eq!(l.key(), "rat", "the key itself");
        assert_eq!(l.table(), "[topology.link]", "its table");
        let at = text.find("\"b\"").unwrap();
        let l = locate(text, at).expect("value is found");
        assert_eq!(l.key(), "dst", "the key of the value");
        assert_eq!(l.table(), "[[flow]] index 1", "second flow");
    }

    /// Keys inside inline tables within arrays of tables are described from the array.
    #[test]
    fn locates_keys_in_inline_tables() {
        let text = "[[vm]]\nname = \"v\"\nworkload = { kind = \"ping\", clinet = \"h0\" }\n";
        let l = locate(text, text.find("clinet").unwrap()).expect("found");
        assert_eq!(
            l.table(),
            "`workload` of [[vm]] index 0",
            "nested description"
        );
    }

    /// Serde's unknown-field message becomes ours, with the nearest key.
    #[test]
    fn explains_unknown_fields() {
        let at = Located {
            path: vec![
                Seg::Key("topology".into()),
                Seg::Key("link".into()),
                Seg::Key("rat".into()),
            ],
        };
        let e = explain_within(
            "unknown field `rat`, expected one of `rate`, `delay`, `queue`, `loss`",
            Some(&at),
            None,
        );
        assert_eq!(
            e.message, "unknown key `rat` in [topology.link]; did you mean `rate`?",
            "message names key, table, suggestion"
        );
        assert_eq!(
            e.help.as_deref(),
            Some("valid keys in [topology.link]: rate, delay, queue, loss"),
            "help lists valid keys"
        );
    }
}
