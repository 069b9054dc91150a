//! Issue 17's vCDN (seed 003 §V, Fig. 8) end to end: the `vcdn` controller app sends each new
//! session for the service address to the nearest started replica by hop count, rewriting
//! the addresses at the client's edge switch; a replica that starts later takes the sessions
//! that begin after it; a replica VM that migrates live keeps its sessions; bad
//! `[controller.vcdn]` input is refused at its key.

mod common;

use std::path::Path;

use common::*;

/// The bundled example (`examples/vcdn.toml`): clients h0 (pod 0) and h15 (pod 3), replica
/// h3 (pod 0) from the start and h13 (pod 3) from 4 s; streams `near` (h0, 1 s), `far-before`
/// (h15, 1 s) and `far-after` (h15, 5 s); 2-ms links.
fn example() -> (tempfile::TempDir, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let example = root().join("examples/vcdn.toml");
    let s = run_ok(&out, &[example.to_str().unwrap()]);
    (dir, s)
}

/// `vcdn.flows[]` entry of `flow`: (the replica that served it, bytes per replica).
fn served(s: &serde_json::Value, name: &str) -> (String, Vec<(String, u64)>) {
    let f = s["vcdn"]["flows"]
        .as_array()
        .expect("vcdn.flows")
        .iter()
        .find(|f| f["flow"] == name)
        .unwrap_or_else(|| panic!("no vcdn flow {name}: {s}"));
    let bytes = f["bytes_served"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["replica"].as_str().unwrap().to_string(), u(b, "bytes")))
        .collect();
    (f["replica"].as_str().unwrap_or("").to_string(), bytes)
}

/// Must hold: the redirect picks the nearest replica by hops (on the sessions the controller
/// installed and on the bytes each replica served), and after the new replica starts a new
/// client session goes to it with a shorter start-up delay (fewer hops). Before h13 joins,
/// h15's session crosses the core to h3 (4 switch links); h0's goes to h3 in its own pod (2
/// links); after 4 s h15's new session goes to h13 (2 links). Each stream is served wholly by
/// its replica, the other serves it nothing. The start-up delay is dominated by the RTT (2 ms
/// per link): 2 fewer switch links take 8 ms off each of the handshake and every request's
/// round trip, so `far-after` starts up well before `far-before` did, and no stream stalls.
#[test]
fn vcdn_redirect_picks_the_nearest_replica_and_a_started_replica_takes_new_sessions() {
    let (_dir, s) = example();
    let sessions: Vec<(String, String, u64)> = s["vcdn"]["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|x| {
            (
                x["client"].as_str().unwrap().to_string(),
                x["replica"].as_str().unwrap().to_string(),
                u(x, "links"),
            )
        })
        .collect();
    assert_eq!(sessions.len(), 3, "{sessions:?}");
    let (near, before, after) = (
        served(&s, "near"),
        served(&s, "far-before"),
        served(&s, "far-after"),
    );
    assert_eq!(near.0, "h3");
    assert_eq!(before.0, "h3", "h13 has not started at 1 s");
    assert_eq!(
        after.0, "h13",
        "the replica started at 4 s takes the 5-s session"
    );
    for (name, (replica, bytes)) in [
        ("near", &near),
        ("far-before", &before),
        ("far-after", &after),
    ] {
        let delivered = u(flow(&s, name), "bytes_delivered");
        for (r, b) in bytes {
            let want = if r == replica { delivered } else { 0 };
            assert_eq!(*b, want, "{name}: bytes {r} served");
        }
    }
    let links: Vec<u64> = sessions.iter().map(|x| x.2).collect();
    let at: Vec<&str> = sessions.iter().map(|x| x.1.as_str()).collect();
    // Sessions in (client address, port) order: h0's, then h15's two.
    assert_eq!(at, ["h3", "h3", "h13"]);
    assert_eq!(links, [2, 4, 2], "switch links to the chosen replica");
    let startup = |n: &str| num(flow(&s, n), "startup_delay_s");
    assert!(
        startup("far-after") + 0.1 < startup("far-before"),
        "fewer hops, shorter start-up: {} vs {}",
        startup("far-after"),
        startup("far-before")
    );
    for n in ["near", "far-before", "far-after"] {
        assert_eq!(u(flow(&s, n), "stalls"), 0, "{n}");
    }
}

/// `(ip.src, ip.dst)` of the TCP packets in `pcap`, each pair once, sorted.
fn tcp_pairs(pcap: &Path) -> Vec<(String, String)> {
    let text = tshark(&[
        "-r",
        pcap.to_str().unwrap(),
        "-Y",
        "tcp",
        "-T",
        "fields",
        "-e",
        "ip.src",
        "-e",
        "ip.dst",
    ]);
    let mut pairs: Vec<(String, String)> = text
        .lines()
        .map(|l| {
            let (a, b) = l.split_once('\t').expect("two fields");
            (a.to_string(), b.to_string())
        })
        .collect();
    pairs.sort();
    pairs.dedup();
    pairs
}

/// Must hold: tshark shows the rewritten addresses on the right links. On the client h0's
/// access link every TCP packet is between h0 (10.0.0.2) and the service (10.250.0.1); on the
/// replica h3's link (10.0.1.3) the same session carries the real addresses, and the
/// service address never appears there.
#[test]
fn vcdn_tshark_shows_the_rewritten_addresses_on_the_right_links() {
    let (dir, _s) = example();
    let pcap = dir.path().join("out/pcap");
    let at_client = tcp_pairs(&pcap.join("h0-0.pcap"));
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        at_client,
        [
            pair("10.0.0.2", "10.250.0.1"),
            pair("10.250.0.1", "10.0.0.2")
        ]
    );
    let at_replica = tcp_pairs(&pcap.join("h3-0.pcap"));
    assert!(
        at_replica.contains(&pair("10.0.0.2", "10.0.1.3")),
        "{at_replica:?}"
    );
    assert!(
        at_replica.contains(&pair("10.0.1.3", "10.0.0.2")),
        "{at_replica:?}"
    );
    assert!(
        at_replica
            .iter()
            .all(|(a, b)| a != "10.250.0.1" && b != "10.250.0.1"),
        "no service address at the replica: {at_replica:?}"
    );
}

/// A stream from h15 to the service, served by replica VM `vm1` (10.200.0.1) on h13, which
/// migrates live (pre-copy) to h8 in pod 2 at 3 s; 4-s buffer.
const MIGRATION: &str = r#"name = "vcdn-migration"
seed = 1
duration = "8s"
[topology]
kind = "fat-tree"
k = 4
link = { rate = "1Gbps", delay = "100us", queue = "1000p" }
[controller]
app = "vcdn"
switch_timing = "zero"
processing_time = "20us"
vcdn = { service = "10.250.0.1", replicas = ["vm1"] }
[[vm]]
name = "vm1"
host = "h13"
memory = "64MiB"
dirty_rate = 2000
state = "8MiB"
[[migration]]
vm = "vm1"
to = "h8"
at = "3s"
algorithm = "precopy"
[[flow]]
name = "s"
kind = "stream"
src = "h15"
dst = "10.250.0.1"
start = "500ms"
bitrate = "4Mbps"
startup = "1s"
buffer = "4s"
segment = "500ms"
[trace]
pcap = ["h8"]
"#;

/// Must hold: an existing stream survives a replica's live migration (the migrated replica
/// keeps its address) with no stall when the downtime is shorter than the buffered time. The
/// VM's gratuitous ARP from h8 shows the controller its new place; the session's entries are
/// re-installed along the new path: tshark finds media from 10.200.0.1 to the client on h8's
/// link. The stream keeps its one session, is served wholly by vm1 and never stalls; by 8 s
/// the player has played about 7.5 s and keeps at least 3.5 s buffered (22 segments of
/// 250 kB), while at the migration's end (4.5 s) it could have held at most 16 — so at least
/// 6 came from vm1 at its new place.
#[test]
fn vcdn_an_existing_stream_survives_a_replica_live_migration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vcdn-migration.toml");
    std::fs::write(&path, MIGRATION).unwrap();
    let out = dir.path().join("out");
    let s = run_ok(&out, &[path.to_str().unwrap()]);
    let m = &s["migrations"][0];
    let downtime = num(m, "downtime_s");
    assert!(
        downtime < 3.0,
        "premise: downtime {downtime} s < the buffer"
    );
    assert!(num(m, "end_s") < 5.0, "the migration finished: {m}");
    let f = flow(&s, "s");
    assert_eq!(u(f, "stalls"), 0, "no stall: {f}");
    let sessions = s["vcdn"]["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1, "one session throughout");
    let (replica, bytes) = served(&s, "s");
    assert_eq!(replica, "vm1");
    assert_eq!(bytes[0].1, u(f, "bytes_delivered"));
    assert!(
        u(f, "bytes_delivered") >= 22 * 250_000,
        "the stream went on after the migration: {f}"
    );
    let media = tshark(&[
        "-r",
        out.join("pcap/h8-0.pcap").to_str().unwrap(),
        "-Y",
        "ip.src == 10.200.0.1 && ip.dst == 10.3.1.3 && tcp.len > 0",
        "-T",
        "fields",
        "-e",
        "frame.time_epoch",
    ]);
    let times: Vec<f64> = media.lines().map(|l| l.parse().unwrap()).collect();
    assert!(
        times.len() > 100,
        "media from vm1 at h8: {} packets",
        times.len()
    );
    assert!(
        times.iter().all(|&t| t > num(m, "end_s") - downtime),
        "only after the VM moved there"
    );
}

/// A scenario with `controller` as its `[controller]` table and one stream to 10.250.0.1.
fn bad(controller: &str) -> String {
    format!(
        "name = \"vcdn-bad\"\nseed = 1\nduration = \"1s\"\n[topology]\nkind = \"fat-tree\"\nk = 4\n\
         [controller]\n{controller}\n[[flow]]\nname = \"s\"\nkind = \"stream\"\nsrc = \"h0\"\n\
         dst = \"10.250.0.1\"\nbitrate = \"4Mbps\"\n"
    )
}

/// `netsim run` of `text` fails with exit code 1, and its stderr names the file, the line and
/// every needle.
fn refused(text: &str, line: usize, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vcdn-bad.toml");
    std::fs::write(&path, text).unwrap();
    let out = dir.path().join("out");
    let o = run(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "exit code; stderr: {err}");
    assert!(
        err.contains(&format!("vcdn-bad.toml:{line}:")),
        "line {line}: {err}"
    );
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

/// Must hold, bad input: an unknown replica name (the error names the file, the key's line
/// and the name), a service address that is a host's, a `vcdn` app without replicas, and one
/// without `[controller.vcdn]`.
#[test]
fn vcdn_bad_input_is_refused_at_its_key() {
    refused(
        &bad("app = \"vcdn\"\nvcdn = { service = \"10.250.0.1\", replicas = [\"h3\", \"zz\"] }"),
        9,
        &["unknown replica `zz`"],
    );
    refused(
        &bad("app = \"vcdn\"\nvcdn = { service = \"10.0.0.2\", replicas = [\"h3\"] }"),
        9,
        &["the service address 10.0.0.2 is the address of `h0`"],
    );
    refused(
        &bad("app = \"vcdn\"\nvcdn = { service = \"10.250.0.1\", replicas = [] }"),
        9,
        &["has no replicas"],
    );
    refused(&bad("app = \"vcdn\""), 8, &["needs `[controller.vcdn]`"]);
}
