//! Everything a caller can get wrong when asking for a topology, with enough context to print a
//! pointed message: the parameter and its valid range, or the file, line and offending name.

use std::fmt;
use std::net::Ipv4Addr;
use std::path::PathBuf;

use thiserror::Error;

/// A place in a topology file: `path:line:column`, both 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as the caller named it.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.column)
    }
}

fn at_prefix(at: &Option<Location>) -> String {
    at.as_ref().map(|l| format!("{l}: ")).unwrap_or_default()
}

fn file_prefix(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map(|p| format!("{}: ", p.display()))
        .unwrap_or_default()
}

fn hint(h: &Option<String>) -> String {
    h.as_ref()
        .map(|h| format!("; did you mean `{h}`?"))
        .unwrap_or_default()
}

/// Why a topology could not be built. Never a panic: every bad input ends here.
#[derive(Debug, Error)]
pub enum TopologyError {
    /// A builder parameter is outside its valid range.
    #[error("{topology}: {param} = {value} is not valid: expected {expected}")]
    Parameter {
        /// The topology kind ("fat-tree", "leaf-spine", …).
        topology: &'static str,
        /// The parameter's scenario key ("k", "pairs", …).
        param: &'static str,
        /// The value given.
        value: u64,
        /// The valid range and the reason for it.
        expected: String,
    },
    /// A link's parameters break a rule of [`net_stack::LinkConfig::validate`].
    #[error("{}{what}: {error}", at_prefix(at))]
    BadLink {
        /// Where, for a topology file.
        at: Option<Location>,
        /// Which link or link table.
        what: String,
        /// The field at fault and why.
        error: Box<net_stack::FieldError>,
    },
    /// The topology file could not be read.
    #[error("cannot read topology file `{}`: {reason}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The file is not valid TOML, has an unknown key, a missing key, or a value of the wrong
    /// type or unit (a zero rate, "fast" for a rate, a malformed address, …).
    #[error("{at}: {message}")]
    Toml {
        /// Where the TOML parser or deserialiser stopped.
        at: Location,
        /// The parser's message (it names the key and, for unknown keys, the valid ones).
        message: String,
    },
    /// A file defines no `[[node]]` at all.
    #[error("{}: defines no nodes; add `[[node]]` tables with `name` and `kind`", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A `[[link]]` names a node that no `[[node]]` defines.
    #[error("{at}: link names unknown node `{name}`{}", hint(suggestion))]
    UnknownNode {
        /// The `a` or `b` value.
        at: Location,
        /// The name given.
        name: String,
        /// The nearest defined name, if one is close.
        suggestion: Option<String>,
    },
    /// Two `[[node]]` tables share a name.
    #[error("{at}: duplicate node name `{name}` (first defined on line {first_line})")]
    DuplicateNode {
        /// The second definition.
        at: Location,
        /// The name.
        name: String,
        /// Line of the first definition.
        first_line: usize,
    },
    /// A node name is empty or has a character that would break link names (`a-b`), file names
    /// or scenario keys.
    #[error("{at}: node name `{name}` is invalid: {reason}")]
    InvalidName {
        /// The name's place.
        at: Location,
        /// The name.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two nodes have the same address.
    #[error("{at}: address {ip} of `{name}` is already used by `{other}`")]
    DuplicateAddress {
        /// The second use.
        at: Location,
        /// The address.
        ip: Ipv4Addr,
        /// The node with the second use.
        name: String,
        /// The node that has it first.
        other: String,
    },
    /// An address that no interface may have.
    #[error("{at}: address {ip} of `{name}` cannot be a node's address: {reason}")]
    InvalidAddress {
        /// The address's place.
        at: Location,
        /// The node.
        name: String,
        /// The address.
        ip: Ipv4Addr,
        /// Why ("unspecified", "broadcast", …).
        reason: &'static str,
    },
    /// A `tier` was given for a host; only switches have tiers.
    #[error("{at}: `tier` is only for switches, but `{name}` is a host")]
    HostTier {
        /// The `tier` key's place.
        at: Location,
        /// The host.
        name: String,
    },
    /// Hosts without `ip` have used up the automatic range.
    #[error("{at}: no free automatic address left in 10.0.0.0/16 for `{name}`; give it an `ip`")]
    AddressesExhausted {
        /// The host's place.
        at: Location,
        /// The host.
        name: String,
    },
    /// A link from a node to itself.
    #[error("{at}: link connects `{name}` to itself")]
    SelfLoop {
        /// The link.
        at: Location,
        /// The node.
        name: String,
    },
    /// A second link between the same two nodes (link names `a-b` must be unique).
    #[error("{at}: a link between `{a}` and `{b}` already exists (line {first_line})")]
    DuplicateLink {
        /// The second link.
        at: Location,
        /// One end.
        a: String,
        /// The other end.
        b: String,
        /// Line of the first link.
        first_line: usize,
    },
    /// Some node cannot reach another.
    #[error(
        "{}topology is disconnected: `{a}` cannot reach `{b}`",
        file_prefix(path)
    )]
    Disconnected {
        /// The file, for a topology file.
        path: Option<PathBuf>,
        /// The first node.
        a: String,
        /// A node it cannot reach.
        b: String,
    },
}
