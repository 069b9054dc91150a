//! The oracle shared by the scenario fuzzers: the proptests in `tests/fuzz_loaders.rs` and the
//! cargo-fuzz target `fuzz/fuzz_targets/scenario.rs` (which includes this file by path).
//!
//! [`load_and_check`] does what `netsim check FILE --set …` does — [`netsim::scenario::load_str`],
//! then [`netsim::build::check`] — and returns a [`Violation`] for anything a user must never
//! see: a rejected scenario whose rendered diagnostic is empty, does not name the file (or the
//! `--set` argument it came from), or cannot be rendered at all. A panic is caught by the caller
//! (proptest, libFuzzer).
//!
//! A scenario that loaded is checked unless it is one of issue 14's known runaways
//! ([`known_runaway`]), which other work on that issue is fixing (resource limits and estimates
//! in `check`). Until then a fuzzer that fed them to `check` would only rediscover them — an
//! abort on a huge dirty bitmap, minutes in a huge fabric, a read without limit — and stop
//! there. When a limit lands, raise or remove its cap here so that the fuzzers cover it.

use std::path::Path;
use std::time::{Duration, Instant};

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};
use netsim::scenario::{Scenario, ScenarioError, TopologyShape};

/// How one input ended.
#[derive(Debug)]
pub enum Outcome {
    /// The loader refused it; the rendered diagnostic.
    Rejected(String),
    /// It loaded and `check` accepted it.
    Accepted,
    /// It loaded and `check` refused it; the rendered diagnostic.
    CheckRefused(String),
    /// It loaded but is a known runaway of issue 14, so `check` was not run.
    Skipped(&'static str),
}

/// What the oracle found wrong, with the rendered message where there is one.
#[derive(Debug)]
pub struct Violation(pub String);

/// Loads `text` as the scenario file `name` with `--set` arguments `sets`, then, if it loaded and
/// is not a known runaway, runs `netsim check`'s build-time checks on it. `budget` bounds the
/// time `check` may take (issue 14 asks for one second on a quiet machine; each caller allows
/// for its own load).
pub fn load_and_check(
    name: &str,
    text: &str,
    sets: &[String],
    budget: Duration,
) -> Result<Outcome, Violation> {
    let (scenario, source) = match netsim::scenario::load_str(name, text, sets) {
        Ok(loaded) => loaded,
        Err(e) => {
            no_type_names(&e, &format!("{text}{sets:?}"))?;
            return diagnose(name, &e).map(Outcome::Rejected);
        }
    };
    if let Some(why) = known_runaway(&scenario) {
        return Ok(Outcome::Skipped(why));
    }
    let started = Instant::now();
    let checked = netsim::build::check(&scenario, &source, &Default::default());
    let took = started.elapsed();
    if took > budget {
        return Err(Violation(format!(
            "check took {took:?}, more than {budget:?} (a runaway)"
        )));
    }
    let user_text = format!("{text}{sets:?}");
    match checked {
        Ok(_) => Ok(Outcome::Accepted),
        Err(e) => {
            no_type_names(&e, &user_text)?;
            diagnose(name, &e).map(Outcome::CheckRefused)
        }
    }
}

/// Issue 14: no Rust type name ("expected struct LinkTable") in what a message says.
fn no_type_names(e: &ScenarioError, user_text: &str) -> Result<(), Violation> {
    match rust_type_name(e, user_text) {
        Some(hit) => Err(Violation(format!("a Rust type name: {hit}"))),
        None => Ok(()),
    }
}

/// The error rendered as the binary shows it (miette's graphical report, without colour), or a
/// violation if it cannot be rendered, is empty, or names neither the file nor `--set`.
pub fn diagnose(name: &str, e: &ScenarioError) -> Result<String, Violation> {
    let text = render(e).ok_or_else(|| Violation(format!("cannot render: {e}")))?;
    if e.to_string().trim().is_empty() {
        return Err(Violation(format!("empty message:\n{text}")));
    }
    if !text.contains(name) && !text.contains("--set") {
        return Err(Violation(format!(
            "the message names neither `{name}` nor `--set`:\n{text}"
        )));
    }
    Ok(text)
}

/// The report as miette draws it for a user, or `None` if miette fails to draw it.
pub fn render(e: &dyn Diagnostic) -> Option<String> {
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut out, e)
        .ok()?;
    Some(out)
}

/// `s` without what it quotes (`` `…` `` and `"…"`): the user's own text, which may say anything.
fn unquoted(s: &str) -> String {
    let mut out = String::new();
    let mut quote = None;
    for c in s.chars() {
        match (quote, c) {
            (None, '`' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, c) => out.push(c),
            (Some(_), _) => {}
        }
    }
    out
}

/// A Rust type name in the words a diagnostic says (message, labels, help, related), not in the
/// source snippet or the values it quotes, nor anywhere in `user_text` (the input, which may
/// say anything and be echoed back). Issue 14 listed these ("expected struct LinkTable"); they
/// are gone, and every scenario fuzzer now fails on one.
pub fn rust_type_name(e: &dyn Diagnostic, user_text: &str) -> Option<String> {
    const TYPES: [&str; 20] = [
        "struct", "enum", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64",
        "i128", "isize", "f32", "f64", "String", "Option", "Vec", "PathBuf",
    ];
    let mut said = vec![e.to_string()];
    said.extend(e.help().map(|h| h.to_string()));
    said.extend(
        e.labels()
            .into_iter()
            .flatten()
            .filter_map(|l| l.label().map(str::to_string)),
    );
    for s in &said {
        let words = unquoted(s);
        let hit = words
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .find(|w| TYPES.contains(w) && !user_text.contains(w));
        if let Some(w) = hit {
            return Some(format!("`{w}` in: {s}"));
        }
        if words.contains("::") && !user_text.contains("::") {
            return Some(format!("a `::` path in: {s}"));
        }
    }
    e.related()
        .into_iter()
        .flatten()
        .find_map(|r| rust_type_name(r, user_text))
}

/// Nodes (an upper estimate from the topology's parameters) above which `check` is skipped.
/// `check` refuses a topology whose routing set-up exceeds 2·10⁹ steps within milliseconds (a
/// k = 48 fat-tree, the largest star; tests/hardening.rs), but below that limit building the
/// routes legitimately takes up to seconds (k = 32: about 10 s), more than the fuzzers' time
/// budget. 1 500 nodes keep one `check` well under a second (a k = 16 fat-tree has 1 344).
pub const MAX_NODES: u64 = 1_500;

/// Bytes of a topology file above which `check` is skipped. The loader reads at most 16 MiB
/// (`topologies::file::MAX_FILE_BYTES`), but a special file (a FIFO, a terminal) can block a
/// read, and large files only slow the fuzzers down.
pub const MAX_TOPOLOGY_FILE_BYTES: u64 = 1 << 20;

/// Why `check` would run away on `s` (a known finding of issue 14), or `None` if it may run.
pub fn known_runaway(s: &Scenario) -> Option<&'static str> {
    if nodes(&s.topology.shape) > MAX_NODES {
        return Some("topology size (building its routes takes seconds)");
    }
    if let Some(path) = file_of(&s.topology.shape)
        && !small_regular_file(path)
    {
        return Some("topology file that is special or large (issue 14: read without limit)");
    }
    None
}

/// The topology file of a `file` shape, or of a `twin` of one. (No `toml` type in the
/// signature: the cargo-fuzz crate that includes this file does not depend on `toml`.)
fn file_of(shape: &TopologyShape) -> Option<&std::path::Path> {
    match shape {
        TopologyShape::File { path } => Some(path.get_ref()),
        TopologyShape::Twin { of, .. } => file_of(&of.shape),
        _ => None,
    }
}

/// An upper estimate of the nodes the topology's parameters ask for.
fn nodes(shape: &TopologyShape) -> u64 {
    let n = |x: &u32| u64::from(*x);
    match shape {
        // k³/4 hosts and 5k²/4 switches.
        TopologyShape::FatTree { k } => {
            let k = n(k.get_ref());
            k.saturating_pow(3) / 4 + 5 * k * k / 4
        }
        TopologyShape::Dumbbell { pairs, .. } => 2 * n(pairs) + 2,
        TopologyShape::LeafSpine {
            leaves,
            spines,
            hosts_per_leaf,
        } => n(leaves) * (n(hosts_per_leaf) + 1) + n(spines) + n(leaves) * n(spines),
        TopologyShape::Linear {
            switches,
            hosts_per_switch,
        } => n(switches) * (n(hosts_per_switch) + 1),
        TopologyShape::Star { hosts } => n(hosts) + 1,
        // Two fabrics of at most 256 hosts each (checked before they are built), their
        // switches, three routers and at most 256 clients.
        TopologyShape::TwoDc {
            fabric, clients, ..
        } => {
            let per_dc = match fabric {
                topologies::two_dc::Fabric::FatTree { k } => {
                    let k = n(k);
                    k.saturating_pow(3) / 4 + 5 * k * k / 4
                }
                topologies::two_dc::Fabric::LeafSpine {
                    leaves,
                    spines,
                    hosts_per_leaf,
                } => n(leaves) * (n(hosts_per_leaf) + 1) + n(spines),
            };
            2 * per_dc + 3 + n(clients)
        }
        // Both copies and the tunnel switch.
        TopologyShape::Twin { of, .. } => nodes(&of.shape).saturating_mul(2) + 1,
        TopologyShape::Qin2017 | TopologyShape::Arora2013 | TopologyShape::File { .. } => 0,
    }
}

/// A path that names a regular file of at most [`MAX_TOPOLOGY_FILE_BYTES`] outside the kernel's
/// pseudo file systems, or names nothing readable (then `check` reports that it cannot be read).
fn small_regular_file(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return true;
    };
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let special = ["/dev", "/proc", "/sys"]
        .iter()
        .any(|d| real.starts_with(d));
    !special && meta.is_file() && meta.len() <= MAX_TOPOLOGY_FILE_BYTES
}
