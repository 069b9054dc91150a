//! Warnings: input that is valid but probably not what the user meant (an event after the end
//! of the run, a capture that cannot be produced, a run that will take hours).
//!
//! They are printed on stderr when a scenario is checked or run, listed in `summary.json`
//! (`warnings`), and `--deny-warnings` turns them into errors.

use std::ops::Range;

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Serialize;
use thiserror::Error;

use super::ScenarioSource;
use super::error::line_of;

/// One warning about a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioWarning {
    /// One sentence naming the key and what is odd about it.
    pub message: String,
    /// Where in the scenario text, if it is about one place.
    pub span: Option<Range<usize>>,
    /// What to do about it.
    pub help: Option<String>,
}

impl ScenarioWarning {
    /// A warning at `span`.
    pub fn at(span: Range<usize>, message: impl Into<String>, help: Option<String>) -> Self {
        ScenarioWarning {
            message: message.into(),
            span: Some(span),
            help,
        }
    }

    /// A warning about the scenario as a whole.
    pub fn general(message: impl Into<String>, help: Option<String>) -> Self {
        ScenarioWarning {
            message: message.into(),
            span: None,
            help,
        }
    }
}

/// A warning as `summary.json` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WarningRecord {
    /// The 1-based line of the scenario file it is about, if any (none for a value `--set`
    /// wrote).
    pub line: Option<usize>,
    /// The `--set KEY=VALUE` that wrote the value it is about, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set: Option<String>,
    /// The message.
    pub message: String,
}

/// A warning rendered by miette, with the scenario's source.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(netsim::scenario::warning), severity(Warning))]
pub struct WarningDiagnostic {
    message: String,
    #[source_code]
    source_code: NamedSource<String>,
    #[label("here")]
    span: Option<SourceSpan>,
    #[help]
    help: Option<String>,
}

impl ScenarioSource {
    /// `w` as miette renders it: in the file as written, or in a value `--set` wrote (its help
    /// then names the `--set`), as errors are.
    pub fn warning_diagnostic(&self, w: &ScenarioWarning) -> WarningDiagnostic {
        let len = self.text.len();
        let span = w.span.as_ref().map(|s| {
            let start = s.start.min(len);
            start..s.end.clamp(start, len)
        });
        let mut help = w.help.clone();
        let mut text = &self.text[..];
        let span = span.map(|span| match self.shown(&span) {
            super::Shown::File(original, at) => {
                text = original;
                at
            }
            super::Shown::Set(arg) => {
                let note = super::set_note(arg);
                help = Some(match help.take() {
                    Some(h) => format!("{h}\n{note}"),
                    None => note,
                });
                span
            }
            super::Shown::Edited => span,
        });
        WarningDiagnostic {
            message: w.message.clone(),
            source_code: NamedSource::new(&self.name, text.to_string()).with_language("TOML"),
            span: span.map(SourceSpan::from),
            help,
        }
    }

    /// `w` as `summary.json` lists it: the line of the file as written, or the `--set` that
    /// wrote the value it is about.
    pub fn warning_record(&self, w: &ScenarioWarning) -> WarningRecord {
        let (line, set) = match w.span.as_ref().map(|s| (s, self.shown(s))) {
            None => (None, None),
            Some((_, super::Shown::File(original, at))) => {
                (Some(line_of(original, at.start)), None)
            }
            Some((_, super::Shown::Set(arg))) => (None, Some(arg.to_string())),
            Some((s, super::Shown::Edited)) => (Some(line_of(&self.text, s.start)), None),
        };
        WarningRecord {
            line,
            set,
            message: w.message.clone(),
        }
    }

    /// The warnings as one error, for `--deny-warnings`; `None` if there are none.
    pub fn deny(&self, warnings: &[ScenarioWarning]) -> Option<super::ScenarioError> {
        let (first, rest) = warnings.split_first()?;
        let help = |w: &ScenarioWarning| {
            let denied = "denied by --deny-warnings";
            Some(match &w.help {
                Some(h) => format!("{h}\n{denied}"),
                None => denied.to_string(),
            })
        };
        let mut e = self.error_at(
            first.span.clone().unwrap_or(0..0),
            first.message.clone(),
            help(first),
        );
        if let super::ScenarioError::Invalid(d) = &mut e {
            for w in rest {
                let r = self.error_at(w.span.clone().unwrap_or(0..0), w.message.clone(), help(w));
                if let super::ScenarioError::Invalid(rd) = r {
                    d.related.push(*rd);
                }
            }
        }
        Some(e)
    }
}
