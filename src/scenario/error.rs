//! Errors a scenario can cause, and the helpers that make them point somewhere useful.
//!
//! Every error about the *content* of a scenario is a [`ScenarioDiagnostic`]: a message, the
//! source text (the file after `--set` edits, or the `--set` argument itself), a labelled span
//! and, where we can offer one, a hint. `miette` renders it with the line, a caret and the hint.

use std::ops::Range;
use std::path::PathBuf;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// Anything that can go wrong while loading a scenario. The binary exits with code 1 on each.
#[derive(Debug, Error, Diagnostic)]
pub enum ScenarioError {
    /// The file could not be read (missing, unreadable, not UTF-8).
    #[error("cannot read scenario `{}`: {reason}", path.display())]
    #[diagnostic(code(netsim::scenario::read))]
    Read {
        /// The path as given.
        path: PathBuf,
        /// The operating system's reason, without the error number.
        reason: String,
        /// The kind of I/O error.
        kind: std::io::ErrorKind,
        /// For a bare name that is neither a file nor a bundled example: where to look.
        #[help]
        hint: Option<String>,
    },
    /// The file is not valid TOML.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Syntax(Box<ScenarioDiagnostic>),
    /// A `--set KEY=VALUE` argument is malformed or names no key of the schema.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Set(Box<ScenarioDiagnostic>),
    /// The file is valid TOML but not a valid scenario (unknown key, wrong type, value out of
    /// range, …), or a later stage found a problem through [`super::ScenarioSource::error_at`].
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(Box<ScenarioDiagnostic>),
}

impl ScenarioError {
    /// The diagnostic with source and span, for every variant but [`ScenarioError::Read`].
    pub fn diagnostic(&self) -> Option<&ScenarioDiagnostic> {
        match self {
            ScenarioError::Read { .. } => None,
            ScenarioError::Syntax(d) | ScenarioError::Set(d) | ScenarioError::Invalid(d) => Some(d),
        }
    }
}

/// One located problem: the message, where it is, and what to do about it.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(netsim::scenario))]
pub struct ScenarioDiagnostic {
    /// One sentence naming the key and the problem.
    pub message: String,
    /// The text the span points into, named after its file (or `--set`).
    #[source_code]
    pub source_code: NamedSource<String>,
    /// Byte range of the offending key or value.
    #[label("{label}")]
    pub span: SourceSpan,
    /// A few words shown at the caret.
    pub label: String,
    /// A hint: the nearest valid name, the accepted values, an example.
    #[help]
    pub help: Option<String>,
    /// Further problems found in the same pass.
    #[related]
    pub related: Vec<ScenarioDiagnostic>,
}

impl ScenarioDiagnostic {
    /// A diagnostic over `text` named `name`.
    pub(crate) fn new(
        name: &str,
        text: &str,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> Self {
        let span = clamp(span, text.len());
        ScenarioDiagnostic {
            message: message.into(),
            source_code: NamedSource::new(name, text.to_string()).with_language("TOML"),
            span: span.into(),
            label: label.into(),
            help,
            related: Vec::new(),
        }
    }

    /// The 1-based line the span starts on.
    pub fn line(&self) -> usize {
        let text = self.source_code.inner();
        line_of(text, self.span.offset())
    }
}

/// Keeps a span inside the text (miette refuses to render spans past the end).
fn clamp(span: Range<usize>, len: usize) -> Range<usize> {
    let start = span.start.min(len);
    start..span.end.clamp(start, len)
}

/// The 1-based line of byte `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a plausible typo
/// (at most a third of the word's length, rounded up).
///
/// Written here rather than taken from `strsim` to keep the root package's dependency list (which
/// several branches edit) unchanged; it is a dozen lines.
pub(crate) fn nearest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = word.chars().count().div_ceil(3).max(1);
    candidates
        .into_iter()
        .map(|c| (levenshtein(word, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Edit distance over chars: insert, delete, substitute, and swap two adjacent characters each
/// cost 1 (the optimal-string-alignment form of Damerau–Levenshtein), so that `tpc` is one
/// edit from `tcp`, as a typist would count it.
fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: the distance between a[..i] and b[..j].
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]));
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// "`a`, `b` or `c`".
pub(crate) fn one_of(items: &[&str]) -> String {
    listing(items, "or")
}

/// "`a`, `b` and `c`".
pub(crate) fn all_of(items: &[&str]) -> String {
    listing(items, "and")
}

fn listing(items: &[&str], conjunction: &str) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {conjunction} {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Edit distance counts single-character edits.
    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("rat", "rate"), 1, "one insertion");
        assert_eq!(levenshtein("kitten", "sitting"), 3, "classic example");
        assert_eq!(levenshtein("", "abc"), 3, "all insertions");
        assert_eq!(levenshtein("same", "same"), 0, "identical");
        assert_eq!(levenshtein("tpc", "tcp"), 1, "one swap of neighbours");
        assert_eq!(levenshtein("ab", "ba"), 1, "a whole swap");
    }

    /// Suggestions pick the closest plausible candidate and stay quiet for far-off words.
    #[test]
    fn nearest_suggests_plausible_typos_only() {
        let keys = ["rate", "delay", "queue", "loss"];
        assert_eq!(nearest("rat", keys), Some("rate"), "typo of rate");
        assert_eq!(nearest("dealy", keys), Some("delay"), "transposition");
        assert_eq!(nearest("bandwidth", keys), None, "nothing close");
        assert_eq!(
            nearest("tpc", ["tcp", "arp", "vm"]),
            Some("tcp"),
            "a short swap"
        );
    }

    /// Line numbers are 1-based and count newlines before the offset.
    #[test]
    fn line_of_counts_from_one() {
        assert_eq!(line_of("a\nb\nc", 0), 1, "first line");
        assert_eq!(line_of("a\nb\nc", 4), 3, "third line");
    }
}
