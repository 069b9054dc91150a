//! The scenario loader with `--set` overrides, then `netsim check`'s build-time checks: any input
//! must end in a scenario or a rendered error that names the file, never a panic, an abort or a
//! runaway (libFuzzer's `-timeout`; see docs/fuzzing.md).
//!
//! Input layout (so that a bundled example is a seed as it is): the bytes up to the first NUL are
//! the scenario text (invalid UTF-8 replaced, as a file read lossily would be); each further
//! NUL-separated piece is one `--set KEY=VALUE` argument.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;

// The oracle of the proptests; this target needs only its verdicts, not the rendered messages.
#[allow(dead_code)]
#[path = "../../tests/fuzz_loaders/harness.rs"]
mod harness;

/// The file name errors must show.
const NAME: &str = "fuzz.toml";

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|&b| b == 0);
    let text = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let sets: Vec<String> = parts
        .take(8)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    // libFuzzer's -timeout catches a hang; this catches a `check` that is merely slow.
    // The oracle also fails on a Rust type name in a message (issue 14).
    if let Err(v) = harness::load_and_check(NAME, &text, &sets, Duration::from_secs(2)) {
        panic!("{}", v.0);
    }
});
