//! The one error type of every crate-owned configuration's `validate()`.
//!
//! A configuration type (a link's [`crate::LinkConfig`], TCP's [`crate::tcp::TcpConfig`], the
//! controller's and the migration engine's configs in the crates above) checks what its types
//! cannot, and names the *field* at fault by its scenario key. It knows nothing about files or
//! lines: whoever read the value (netsim's scenario loader, the topology file loader) turns the
//! field into a place in the text (see `docs/architecture.md`, "Configuration: who owns what").

use std::fmt;

/// One invalid field of a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's key as written in a scenario (`"loss"`, `"mss"`).
    pub field: &'static str,
    /// A whole sentence naming the key, the rule and the value, e.g.
    /// "`loss` must be between 0 and 1, not 1.5".
    pub message: String,
    /// A short label for the value in a rendered error ("out of range").
    pub label: &'static str,
    /// How to fix it, when there is more to say than the message.
    pub help: Option<String>,
}

impl FieldError {
    /// An error about `field` with `message` and `label`, without help.
    pub fn new(field: &'static str, message: impl Into<String>, label: &'static str) -> Self {
        FieldError {
            field,
            message: message.into(),
            label,
            help: None,
        }
    }

    /// The same error with `help`.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// A probability or share outside [0, 1] (NaN included).
    pub fn check_fraction(field: &'static str, value: f64) -> Result<(), FieldError> {
        if (0.0..=1.0).contains(&value) {
            Ok(())
        } else {
            Err(FieldError::new(
                field,
                format!("`{field}` must be between 0 and 1, not {value}"),
                "outside [0, 1]",
            )
            .with_help(format!(
                "`{field}` is a probability or share: 0.01 means 1 %"
            )))
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FieldError {}
