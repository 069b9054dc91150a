//! Writing to the terminal without panicking: `println!` and `eprintln!` panic (exit 101) when
//! the stream is a pipe whose reader has gone (`netsim check bad.toml 2>&1 | head -1`). Here a
//! closed pipe ends the output quietly, so the exit code stays the one netsim meant.

use std::io::Write;

/// Writes `text` and a newline to stderr; a closed or failing stderr is ignored (there is
/// nowhere left to report it).
pub fn err(text: impl std::fmt::Display) {
    let mut e = std::io::stderr().lock();
    let _ = writeln!(e, "{text}").and_then(|()| e.flush());
}

/// Writes `text` to stdout; a closed pipe (`netsim topo … | head`) ends the output quietly,
/// any other failure is reported on stderr.
pub fn out(text: &str) {
    let mut o = std::io::stdout().lock();
    if let Err(e) = o.write_all(text.as_bytes()).and_then(|()| o.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        err(format_args!("netsim: cannot write to stdout: {e}"));
    }
}
