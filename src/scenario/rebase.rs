//! Pointing back into the user's own file after `--set`.
//!
//! `--set` edits the scenario's text before it is read ([`super::set`]), and every span points
//! into the edited text. An override that adds a key adds a line, so the line numbers below it
//! no longer match the file the user has open. [`Rebase`] maps a span of the edited text back
//! to the original wherever the edits left its lines as written (a line diff of the two texts);
//! a span in a line an override wrote stays in the edited text, and its message says which
//! `--set` wrote it.

use std::ops::Range;

/// The line map from an edited text back to the text it was edited from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rebase {
    /// The text as the user wrote it.
    pub original: String,
    /// Where each line of the original starts.
    original_lines: Vec<usize>,
    /// Where each line of the edited text starts.
    edited_lines: Vec<usize>,
    /// Per edited line, the original line it is an unchanged copy of.
    to_original: Vec<Option<usize>>,
}

/// Byte offsets at which the lines of `text` start (the first is 0).
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(
            text.match_indices('\n')
                .map(|(i, _)| i + 1)
                .filter(|&i| i < text.len()),
        )
        .collect()
}

/// The 0-based line of byte `offset` given the lines' starts.
fn line_at(starts: &[usize], offset: usize) -> usize {
    starts.partition_point(|&s| s <= offset).saturating_sub(1)
}

impl Rebase {
    /// The map from `edited` back to `original`; `None` when the edits changed nothing.
    pub fn new(original: &str, edited: &str) -> Option<Rebase> {
        if original == edited {
            return None;
        }
        let original_lines = line_starts(original);
        let edited_lines = line_starts(edited);
        let mut to_original = vec![None; edited_lines.len()];
        let diff = similar::TextDiff::from_lines(original, edited);
        for op in diff.ops() {
            if let similar::DiffOp::Equal {
                old_index,
                new_index,
                len,
            } = *op
            {
                for k in 0..len {
                    if let Some(slot) = to_original.get_mut(new_index + k) {
                        *slot = Some(old_index + k);
                    }
                }
            }
        }
        Some(Rebase {
            original: original.to_string(),
            original_lines,
            edited_lines,
            to_original,
        })
    }

    /// `span` of the edited text in the original, if every line it covers is unchanged and the
    /// lines follow each other there too.
    pub fn span(&self, span: &Range<usize>) -> Option<Range<usize>> {
        let first = line_at(&self.edited_lines, span.start);
        let last = line_at(
            &self.edited_lines,
            span.end.saturating_sub(1).max(span.start),
        );
        let (a, b) = (self.to_original[first]?, self.to_original[last]?);
        if b.checked_sub(a)? != last - first {
            return None;
        }
        let start = self.original_lines[a] + (span.start - self.edited_lines[first]);
        let end = self.original_lines[b] + (span.end.max(span.start) - self.edited_lines[last]);
        Some(start..end.min(self.original.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key an override inserted shifts the lines below it by one in the edited text; spans
    /// there map back to the same words in the original, and a span in the inserted line or in
    /// a value an override replaced maps nowhere.
    #[test]
    fn spans_map_back_past_inserted_and_replaced_lines() {
        let original = "[tcp]\nmss = 1000\n\n[[flow]]\nname = \"f\"\nstart = \"1s\"\n";
        let edited =
            "[tcp]\nmss = 1000\nvariant = \"cubic\"\n\n[[flow]]\nname = \"f\"\nstart = \"40s\"\n";
        let r = Rebase::new(original, edited).expect("edited");
        let at = |text: &str, needle: &str| {
            let i = text.find(needle).unwrap();
            i..i + needle.len()
        };
        let name = at(edited, "\"f\"");
        assert_eq!(r.span(&name), Some(at(original, "\"f\"")));
        assert_eq!(
            &original[r.span(&at(edited, "mss = 1000")).unwrap()],
            "mss = 1000"
        );
        assert_eq!(r.span(&at(edited, "\"cubic\"")), None, "inserted by --set");
        assert_eq!(r.span(&at(edited, "\"40s\"")), None, "replaced by --set");
        let across = at(edited, "name = \"f\"\nstart");
        assert_eq!(
            r.span(&across),
            None,
            "a span reaching into a replaced line"
        );
        assert_eq!(r.span(&(0..0)), Some(0..0), "an empty span at the start");
        assert!(Rebase::new(original, original).is_none());
    }
}
