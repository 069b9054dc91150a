//! User-facing messages for quantities and wrongly typed values (issue 14, "Messages"): each case
//! runs the built `netsim check` on a scenario file and asserts the exit code and the words of the
//! message. Quantities accept scientific notation, hours and both micro signs; what they refuse
//! says why in plain words; integer keys state their range; no Rust type name reaches the user.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;

/// A small valid scenario with one entry of every array table (so that `--set` can reach every
/// key of the schema), a VM workload and a migration.
const BASE: &str = r#"
name = "t"
duration = "10ms"

[topology]
kind = "fat-tree"
k = 4

[[flow]]
name = "f"
kind = "udp-cbr"
src = "h0"
dst = "h1"
rate = "10Mbps"

[[host]]
name = "h2"

[[vm]]
name = "v"
host = "h2"
memory = "4MiB"
workload = { kind = "ping", client = "h3" }

[[migration]]
vm = "v"
to = "h4"
at = "1ms"

[[event]]
at = "2ms"
link = "e0-a0"
state = "down"
"#;

/// Runs `netsim --quiet check FILE --set S…` on `text` written to a file in `dir`; returns the
/// exit code and stderr with miette's wrapping undone (gutters removed, whitespace collapsed,
/// words split after a hyphen joined again).
fn check_in(dir: &Path, text: &str, sets: &[&str]) -> (Option<i32>, String) {
    let file = dir.join("scenario.toml");
    std::fs::write(&file, text).unwrap();
    let mut cmd = netsim();
    cmd.args(["--quiet", "check"]).arg(&file);
    for s in sets {
        cmd.args(["--set", s]);
    }
    let o = cmd.output().expect("netsim runs");
    let err = String::from_utf8_lossy(&o.stderr).replace('│', " ");
    let flat = err.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut unwrapped = String::with_capacity(flat.len());
    let mut prev = ' ';
    for (i, c) in flat.char_indices() {
        // "udp- cbr" (wrapped at a hyphen) → "udp-cbr".
        if c == ' '
            && prev == '-'
            && flat[..i]
                .chars()
                .rev()
                .nth(1)
                .is_some_and(char::is_alphanumeric)
        {
            continue;
        }
        unwrapped.push(c);
        prev = c;
    }
    (o.status.code(), unwrapped)
}

fn check(text: &str, sets: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    check_in(dir.path(), text, sets)
}

/// Asserts that `netsim check` accepts `text` with `sets` (exit 0).
fn accepts(text: &str, sets: &[&str]) {
    let (code, err) = check(text, sets);
    assert_eq!(code, Some(0), "{sets:?} accepted; stderr: {err}");
}

/// Asserts exit code 1 and that the message contains every needle.
fn refuses(text: &str, sets: &[&str], needles: &[&str]) {
    let (code, err) = check(text, sets);
    assert_eq!(code, Some(1), "{sets:?} refused with exit 1; stderr: {err}");
    assert!(!err.contains("panicked"), "no panic: {err}");
    for n in needles {
        assert!(err.contains(n), "{sets:?}: stderr lacks {n:?}:\n{err}");
    }
}

/// Scientific notation is accepted in every kind of quantity (time, rate, size, queue limit, and
/// plain numbers), in strings and as TOML floats: a scenario written with exponents passes
/// `check` with exit 0.
#[test]
fn scientific_notation_is_accepted_in_every_quantity() {
    for set in [
        "flow.0.rate=1e9bps",
        "flow.0.rate=1.5E7",
        "flow.0.start=1.5e-6s",
        "flow.0.start=2.5E3us",
        "duration=1e-2",
        "duration=\"5e-3\"",
        "topology.link.delay=1e-6",
        "topology.link.queue=1e2p",
        "topology.link.queue=1e3",
        "topology.link.queue=1.5e2KB",
        "vm.0.memory=4.194304e6B",
        "tcp.rcv_buf=1e6",
    ] {
        accepts(BASE, &[set]);
    }
}

/// A quantity too large for its base unit is refused with the largest value in words, not as an
/// unknown unit (the fuzzer's "unknown rate unit e30Gbps").
#[test]
fn too_large_quantities_state_the_largest_value() {
    refuses(
        &BASE.replace("rate = \"10Mbps\"", "rate = \"1e30Gbps\""),
        &[],
        &[
            "scenario.toml:14:8",
            "invalid `rate` in [[flow]] index 0: `1e30Gbps` is more than the largest rate, \
             18446744073709551615 bps (about 18.4 Ebit/s)",
        ],
    );
    refuses(
        BASE,
        &["duration=1e9s"],
        &["`1e9s` is more than the largest time, 18446744073709551615 ps (about 5124 h)"],
    );
    refuses(
        BASE,
        &["vm.0.memory=1e20B"],
        &["`1e20B` is more than the largest size"],
    );
    refuses(
        BASE,
        &["topology.link.queue=5e9p"],
        &["`5e9p` is more than the largest queue limit, 4294967295 packets"],
    );
}

/// A value that is not a whole number of the base unit is refused with that reason, the same
/// way for scientific notation, for decimals (as before) and for TOML floats.
#[test]
fn fractions_of_the_base_unit_are_refused_the_same_way() {
    for (set, needle) in [
        (
            "duration=1e-13s",
            "`1e-13s` is not a whole number of picoseconds",
        ),
        (
            "duration=0.5ps",
            "`0.5ps` is not a whole number of picoseconds",
        ),
        (
            "duration=1e-13",
            "`1e-13` is not a whole number of picoseconds",
        ),
        (
            "flow.0.rate=0.5bps",
            "`0.5bps` is not a whole number of bits per second",
        ),
        (
            "vm.0.state=1.5e0B",
            "`1.5e0B` is not a whole number of bytes",
        ),
        (
            "topology.link.queue=1.5p",
            "`1.5p` is not a whole number of packets",
        ),
    ] {
        refuses(BASE, &[set], &[needle]);
    }
}

/// Micro is `us`, the micro sign `µs` (U+00B5) or the Greek small mu `μs` (U+03BC); all three are
/// accepted, and the list of units in an "unknown unit" message shows all three, and hours.
#[test]
fn both_micro_signs_are_accepted_and_listed() {
    for micro in ["10us", "10\u{b5}s", "10\u{3bc}s"] {
        accepts(BASE, &[&format!("topology.link.delay={micro}")]);
    }
    refuses(
        BASE,
        &["topology.link.delay=10 parsecs"],
        &[
            "unknown time unit `parsecs`",
            "ps, ns, us (or \u{b5}s, \u{3bc}s), ms, s, min, h (a plain number means seconds)",
        ],
    );
}

/// Hours are a time unit: "0.000001h" is accepted, and a `resume_time` of "2h" (or "1.5h") is
/// refused by its documented bound, which the message states, not as an unknown unit.
#[test]
fn hours_are_accepted_and_resume_time_states_its_bound() {
    accepts(BASE, &["flow.0.start=0.000001h"]);
    for value in ["2h", "1.5h"] {
        refuses(
            BASE,
            &[&format!("host.0.resume_time={value}")],
            &[
                "`resume_time` of host `h2`",
                "longer than an hour: it must be at most 1 h",
            ],
        );
    }
}

/// Integer keys out of their type's range state the range, for too large and negative values
/// (not "expected a non-negative integer, found integer …").
#[test]
fn integer_bounds_are_stated() {
    refuses(
        &format!("{BASE}\n[trace]\nsnaplen = 1000000000000\n"),
        &[],
        &[
            "scenario.toml:36:11",
            "`snaplen` in [trace] must be an integer from 0 to 4294967295, not 1000000000000",
        ],
    );
    refuses(
        BASE,
        &["trace.snaplen=-1"],
        &["`snaplen` in [trace] must be an integer from 0 to 4294967295, not -1"],
    );
    refuses(
        BASE,
        &["seed=-1"],
        &["`seed` in the top-level table must be an integer from 0 to 9223372036854775807, not -1"],
    );
    refuses(
        BASE,
        &["vm.0.dirty_rate=-5"],
        &[
            "`dirty_rate` in [[vm]] index 0 must be an integer from 0 to 9223372036854775807, not -5",
        ],
    );
    refuses(
        BASE,
        &["tcp.mss=x"],
        &[
            "wrong type for `mss` in [tcp]: expected an integer from 0 to 4294967295, found string \"x\"",
        ],
    );
}

/// Every key with a bound beyond its type states the bound when it is broken.
#[test]
fn bounded_keys_state_their_bound() {
    for (set, needle) in [
        (
            "tcp.mss=70000",
            "`mss` must be between 1 and 65495 bytes, not 70000",
        ),
        (
            "tcp.rcv_buf=2GiB",
            "`rcv_buf` must be between 1 byte and 1GiB",
        ),
        (
            "tcp.snd_buf=0",
            "`snd_buf` must be greater than zero, not 0B",
        ),
        ("tcp.min_rto=61s", "`min_rto` must be at most 60s"),
        ("tcp.msl=2h", "`msl` must be at most 3600s, not 7200s"),
        ("tcp.initial_cwnd=0", "`initial_cwnd` must be at least 1"),
        (
            "topology.k=3",
            "fat-tree `k` must be even and at least 2, not 3",
        ),
        (
            "topology.link.loss=1.5",
            "`loss` must be between 0 and 1, not 1.5",
        ),
        (
            "flow.0.packet_size=70000",
            "must be between 1 and 65507 bytes, not 70000",
        ),
        (
            "migration.0.max_total_factor=0.5",
            "`max_total_factor` must be at least 1.0, not 0.5",
        ),
        (
            "migration.0.max_rounds=0",
            "`max_rounds` must be at least 2",
        ),
        (
            "orchestrator.concurrent=0",
            "`concurrent` must be at least 1",
        ),
        ("duration=0s", "`duration` must be greater than zero"),
        ("host.0.resume_time=61min", "it must be at most 1 h"),
    ] {
        refuses(BASE, &[set], &[needle]);
    }
}

/// A wrongly typed table or name says what it expected in words: a table, or the names the key
/// takes (not "expected struct LinkTable" or "wanted string or table").
#[test]
fn wrong_types_are_described_in_words() {
    refuses(
        &BASE.replace("k = 4", "k = 4\nlink = 5"),
        &[],
        &[
            "scenario.toml:8:8",
            "wrong type for `link` in [topology]: expected a table, found integer `5`",
        ],
    );
    refuses(
        BASE,
        &["topology.kind=5"],
        &[
            "wrong type for `kind` in [topology]: expected `fat-tree`, `dumbbell`, `leaf-spine`, \
             `linear`, `star`, `qin2017`, `arora2013`, `file`, `two-dc` or `twin`, found integer `5`",
        ],
    );
    refuses(
        BASE,
        &["flow=[1]"],
        &["wrong type for `flow` in the top-level table: expected a table, found integer `1`"],
    );
    refuses(
        BASE,
        &["trace.timeseries=x"],
        &["wrong type for `timeseries` in [trace]: expected a list, found string \"x\""],
    );
    refuses(
        BASE,
        &["topology.link=[1]"],
        &["wrong type for `link` in [topology]: expected a table, found a list"],
    );
    // A list where a table belongs is reported as such, not by its first element.
    refuses(
        BASE,
        &["vm.0.workload=[1]"],
        &["wrong type for `workload` in [[vm]] index 0: expected a table, found a list"],
    );
    // A table where a name belongs lists the names, not "`a` is not a valid `a`".
    refuses(
        BASE,
        &["flow.0.kind={ a = 1 }"],
        &[
            "wrong type for `kind` in [[flow]] index 0: expected `tcp-bulk`, `udp-cbr`, \
           `udp-onoff`, `ping`, `request-response`, `http-probe`, `dns` or `stream`, found a table",
        ],
    );
    // A date is a date, not a table with a private key.
    refuses(
        BASE,
        &["tcp=1979-05-27"],
        &["wrong type for `tcp` in the top-level table: expected a table, found a date"],
    );
    refuses(
        BASE,
        &["duration=1979-05-27"],
        &[
            "expected a time such as \"25us\", \"1.5s\" or a number of seconds, found date `1979-05-27`",
        ],
    );
    refuses(
        BASE,
        &["tcp.delayed_ack=1.5"],
        &["expected `true` or `false`, found the number `1.5`"],
    );
}

/// A topology file's wrongly typed values are described in the same words through `netsim check`.
#[test]
fn topology_file_messages_have_no_type_names() {
    let dir = tempfile::tempdir().unwrap();
    for (file, needle) in [
        (
            "node = 5\n",
            "topo.toml:1:8: expected a list, found integer `5`",
        ),
        ("node = [5]\n", "expected a table, found integer `5`"),
        (
            "[[node]]\nname = \"h0\"\nkind = 5\n",
            "topo.toml:3:8: expected a string naming one of the values this key takes",
        ),
    ] {
        std::fs::write(dir.path().join("topo.toml"), file).unwrap();
        let (code, err) = check_in(
            dir.path(),
            "[topology]\nkind = \"file\"\npath = \"topo.toml\"\n",
            &[],
        );
        assert_eq!(code, Some(1), "{file}: {err}");
        assert!(err.contains(needle), "{file}: lacks {needle:?}: {err}");
        assert_eq!(rust_type_name(&err), None, "{file}: {err}");
    }
}

/// The first Rust type name in `text`, if any: `struct X`, `enum X`, integer and float type
/// names as whole words, `Spanned`, `Option<`, serde's `sequence` and `map`, or a CamelCase
/// identifier (a Rust type such as `LinkTable`).
fn rust_type_name(text: &str) -> Option<String> {
    for needle in [
        "struct ",
        "enum ",
        "Spanned",
        "Option<",
        "Vec<",
        "$__toml",
        "wanted string or table",
    ] {
        if text.contains(needle) {
            return Some(needle.to_string());
        }
    }
    let words = text.split(|c: char| !(c.is_alphanumeric() || c == '_'));
    for w in words {
        let rust = matches!(
            w,
            "u8" | "u16"
                | "u32"
                | "u64"
                | "u128"
                | "usize"
                | "i8"
                | "i16"
                | "i32"
                | "i64"
                | "i128"
                | "isize"
                | "f32"
                | "f64"
                | "sequence"
                | "map"
        );
        // CamelCase: an upper-case letter, lower-case letters, then another upper-case letter
        // followed by a lower-case one ("LinkTable"; not "KiB", "Mbps", "NaN").
        let chars: Vec<char> = w.chars().collect();
        let camel = chars.first().is_some_and(|c| c.is_ascii_uppercase())
            && chars.windows(3).skip(1).any(|t| {
                t[0].is_ascii_lowercase() && t[1].is_ascii_uppercase() && t[2].is_ascii_lowercase()
            });
        // Protocol names that are written in CamelCase outside Rust too.
        let protocol = matches!(w, "HyStart" | "OpenFlow");
        if rust || (camel && !protocol) {
            return Some(w.to_string());
        }
    }
    None
}

/// The detector itself finds what it must and passes plain words.
#[test]
fn rust_type_name_detector_works() {
    for rust in [
        "expected struct LinkTable",
        "expected u32, found",
        "expected a sequence",
        "found map",
        "Spanned<String>",
        "enum TopologyKind",
        "expected f64",
    ] {
        assert!(rust_type_name(rust).is_some(), "detects {rust:?}");
    }
    for plain in [
        "expected an integer from 0 to 4294967295, found the number `1.5`",
        "unknown size unit; expected one of B, KB (or kB), KiB, MiB, GiB, TiB",
        "18.4 Ebit/s, 500Mbps, NaN",
        "netsim runs HyStart++ (RFC 9406) in CUBIC's slow start only",
        "set `app` to an OpenFlow app",
    ] {
        assert_eq!(rust_type_name(plain), None, "passes {plain:?}");
    }
}

/// The keys of the schema, discovered from the binary itself: `--set P.zzz=1` on a table lists
/// its valid keys; on a value it says "is a value, not a table"; on an array of tables it asks
/// for an index. Returns dotted paths to every value and every table and array.
fn schema_keys() -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let mut keys = Vec::new();
    let mut tables = vec![String::new()];
    while let Some(prefix) = tables.pop() {
        let (_, err) = check_in(dir.path(), BASE, &[&format!("{prefix}zzz=1")]);
        let list = err
            .split_once("valid keys in ")
            .and_then(|(_, rest)| rest.split_once(": "))
            .map(|(_, list)| list)
            .unwrap_or_else(|| panic!("{prefix}: no key list in {err}"));
        for key in list.split(", ") {
            let key: String = key
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let path = format!("{prefix}{key}");
            let (_, probe) = check_in(dir.path(), BASE, &[&format!("{path}.zzz=1")]);
            if probe.contains("must be preceded by an index") {
                tables.push(format!("{path}.0."));
            } else if probe.contains("valid keys in") {
                tables.push(format!("{path}."));
            } else {
                assert!(probe.contains("is a value, not a table"), "{path}: {probe}");
            }
            keys.push(path);
        }
    }
    keys.sort();
    keys
}

/// Every key of the scenario schema (found from `--set`'s schema), fed values of every TOML type
/// and out-of-range numbers, gives exit 0 or 1 — never a crash — and no message names a Rust
/// type. Each key refuses at least one of these values, so every key's wrong-type path is
/// exercised.
#[test]
fn no_key_shows_a_rust_type_name() {
    let keys = schema_keys();
    for expected in [
        "topology.link.rate",
        "trace.snaplen",
        "vm.0.workload.kind",
        "migration.0.max_total_factor",
        "event.0.state",
        "topology",
        "flow",
    ] {
        assert!(
            keys.iter().any(|k| k == expected),
            "{expected} found among {keys:?}"
        );
    }
    let values = [
        "5",
        "-1",
        "1.5",
        "1e30",
        "1000000000000",
        "true",
        "\"word\"",
        "\"1e30\"",
        "[1]",
        "[\"a\"]",
        "{ a = 1 }",
        "1979-05-27",
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut never_refused = BTreeSet::new();
    for key in &keys {
        let mut refused = false;
        for value in values {
            let set = format!("{key}={value}");
            let (code, err) = check_in(dir.path(), BASE, &[&set]);
            assert!(matches!(code, Some(0 | 1)), "{set}: exit {code:?}: {err}");
            assert!(!err.contains("panicked"), "{set}: {err}");
            if let Some(name) = rust_type_name(&err) {
                panic!("--set {set}: message shows the Rust type name `{name}`:\n{err}");
            }
            refused |= code == Some(1);
        }
        if !refused {
            never_refused.insert(key.clone());
        }
    }
    assert!(
        never_refused.is_empty(),
        "keys that accepted every value: {never_refused:?}"
    );
}

/// TCP settings that contradict each other say which key to change: the `linux` preset with
/// `sack = false` drops the preset's RACK-TLP and PRR with it (accepted), PRR asked for without
/// SACK names `prr`, and DCTCP with `ecn = false` is refused at `ecn` (it would run over ECN
/// anyway); the same in a migration's own `tcp` table.
#[test]
fn contradicting_tcp_settings_name_the_key_to_change() {
    accepts(BASE, &["tcp.preset=linux", "tcp.sack=false"]);
    accepts(
        BASE,
        &["migration.0.tcp={ preset = \"linux\", sack = false }"],
    );
    refuses(
        BASE,
        &["tcp.preset=linux", "tcp.sack=false", "tcp.prr=true"],
        &[
            "`prr = true` needs `sack = true`",
            "set `sack = true`, or `prr = false`",
        ],
    );
    for sets in [
        &["tcp.variant=dctcp", "tcp.ecn=false"][..],
        &["migration.0.tcp={ variant = \"dctcp\", ecn = false }"][..],
    ] {
        refuses(
            BASE,
            sets,
            &[
                "`ecn = false` cannot turn ECN off under `variant = \"dctcp\"`",
                "remove `ecn = false`, or choose another `variant`",
            ],
        );
    }
    accepts(BASE, &["tcp.variant=dctcp"]);
}
