//! Issue 16: bad `[network_migration]` input that tests/netmig.rs does not already cover. Each
//! case must exit 1 with a message naming the problem and pointing at the file, line and key.

mod common;

use common::*;

const BED: &str = r#"name = "bad"
duration = "1s"
[topology]
kind = "arora2013"
[controller]
app = "path-flip"
[[vm]]
name = "vm1"
host = "oh1"
memory = "1MiB"
[network_migration]
algorithm = "asap"
prepare = "0.1s"
hosts = [{ old = "oh1", new = "nh1", at = "0.5s" }]
"#;

/// Runs `BED` plus `extra` and returns stderr, asserting exit code 1.
fn refused(extra: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.toml");
    std::fs::write(&file, format!("{BED}{extra}")).unwrap();
    let o = run(&[
        "--quiet",
        "run",
        file.to_str().unwrap(),
        "--out",
        dir.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{extra}: exit 1");
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Must hold, bad input: "ASAP … without a tunnel link" (ALAP's case is in tests/netmig.rs).
/// A tunnel switch that is not linked to the host positions' switches, one that does not
/// exist, and a host named as the tunnel switch: each is refused at `tunnel_switch`'s line
/// (for the unlinked switch, at the table, since the mapping is the default one).
#[test]
fn asap_without_a_tunnel_link_gets_a_pointed_error() {
    let cases = [
        (
            "tunnel_switch = \"os2\"\n",
            "Tunnel ASAP needs a tunnel link: switch `ns1` has a host position but no link to `os2`",
            "t.toml:11:",
        ),
        (
            "tunnel_switch = \"nope\"\n",
            "Tunnel ASAP needs a tunnel link, and the topology has no switch `nope` for it",
            "t.toml:15:",
        ),
        (
            "tunnel_switch = \"oh1\"\n",
            "Tunnel ASAP needs a tunnel link, and the topology has no switch `oh1` for it",
            "t.toml:15:",
        ),
    ];
    for (extra, want, at) in cases {
        let e = refused(extra);
        // miette wraps long messages; compare with the wrapping undone.
        let flat: String = e
            .lines()
            .map(|l| l.trim_start_matches([' ', '│', '×']).trim_end())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(flat.contains(want), "{extra}\nwanted {want:?} in:\n{e}");
        assert!(e.contains(at), "points at {at}: {e}");
        assert!(!e.contains("panicked"), "{e}");
    }
}

/// Must hold, bad input: a host position whose old and new hosts hang off switches that the
/// mapping does not pair is refused at that entry, saying where each host is and what the
/// old switch maps to.
#[test]
fn a_host_position_across_unpaired_switches_names_both_switches() {
    let bed = BED.replace("new = \"nh1\"", "new = \"nh2\"");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.toml");
    std::fs::write(&file, &bed).unwrap();
    let o = run(&["--quiet", "check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    let flat: String = e
        .lines()
        .map(|l| l.trim_start_matches([' ', '│', '×']).trim_end())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains(
            "host position 1: old host `oh1` is on `os1`, whose counterpart in the new network \
             is `ns1`, but new host `nh2` is on `ns4`"
        ),
        "{e}"
    );
    assert!(flat.contains("pair `oh1` with a new host on `ns1`"), "{e}");
    assert!(e.contains("t.toml:14:"), "points at the entry: {e}");
}
