//! Storage migration (issue 17, seed 003 Figs. 5–6, Table I): the disk, memory and context
//! phases of `storage = "copy"` over real TCP, `shared` storage, the paper's figures, and the
//! bad inputs.

mod common;

use common::*;

/// Two hosts `l0` and `r0` joined by one path of `rate`, nothing else on it; a VM on `l0`
/// migrated by pre-copy to `r0` at 0.1 s; `vm` is the rest of its `[[vm]]` table.
fn scenario(rate: &str, vm: &str) -> String {
    format!(
        r#"name = "storage"
duration = "3600s"
end_after_migrations = true
[topology]
kind = "dumbbell"
pairs = 1
link = {{ rate = "{rate}", delay = "10us", queue = "1000p" }}
bottleneck = {{ rate = "{rate}", delay = "10us", queue = "1000p" }}
[tcp]
rcv_buf = "16MiB"
snd_buf = "16MiB"
[[vm]]
name = "vm1"
host = "l0"
{vm}
[[migration]]
vm = "vm1"
to = "r0"
at = "0.1s"
"#
    )
}

/// Runs `text`; returns `migrations[0]`.
fn migrate(text: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, text).unwrap();
    let s = run_ok(&dir.path().join("out"), &[file.to_str().unwrap()]);
    s["migrations"][0].clone()
}

/// TCP payload rate of a path of `bps` [bytes/s]: each 1448-byte segment (the MSS) travels in
/// a frame of 14 (Ethernet) + 20 (IPv4) + 20 (TCP) + 1448 bytes.
fn payload_rate(bps: f64) -> f64 {
    bps / 8.0 * 1448.0 / 1502.0
}

/// Issue 17, must hold: "with nothing dirtied and an idle path, total time = (disk +
/// memory + context) / payload rate within 2 %". 1 GiB of disk, 256 MiB of memory, the 8 MiB of
/// state and 64 MiB of context over 1 Gbit/s: the phases come in that order, each carries its
/// bytes exactly once (one disk round, no residual), and the total is the stream over the
/// payload rate; the phases tile the migration.
#[test]
fn idle_copy_takes_disk_memory_context_over_the_payload_rate() {
    let m = migrate(&scenario(
        "1Gbps",
        r#"memory = "256MiB"
disk = "1GiB"
storage = "copy"
context = "64MiB""#,
    ));
    let (disk, mem, ctx) = (1u64 << 30, (256u64 + 8) << 20, 64u64 << 20);
    assert_eq!(m["storage"], "copy", "{m}");
    assert_eq!(u(&m, "disk_bytes"), disk, "{m}");
    assert_eq!(u(&m, "disk_rounds"), 1, "{m}");
    assert_eq!(u(&m, "disk_residual_bytes"), 0, "{m}");
    assert_eq!(u(&m, "memory_bytes"), mem, "{m}");
    assert_eq!(u(&m, "context_bytes"), ctx, "{m}");
    assert_eq!(u(&m, "bytes_sent"), disk + mem + ctx, "{m}");
    let expected = (disk + mem + ctx) as f64 / payload_rate(1e9);
    let total = num(&m, "total_time_s");
    assert!(
        (total / expected - 1.0).abs() < 0.02,
        "total {total} s vs {expected} s: {m}"
    );
    let phases = num(&m, "disk_s") + num(&m, "memory_s") + num(&m, "context_s");
    assert!((phases - total).abs() < 1e-9, "phases {phases} s: {m}");
    // Each phase alone is its own bytes over the payload rate (a few RTTs aside).
    let disk_s = num(&m, "disk_s");
    let want = disk as f64 / payload_rate(1e9);
    assert!(
        (disk_s / want - 1.0).abs() < 0.02,
        "disk {disk_s} s vs {want} s"
    );
    assert!(
        num(&m, "context_s") > 0.0,
        "the context follows the memory: {m}"
    );
}

/// Issue 17, must hold: "`shared` sends no disk bytes". The same VM with a 20 GiB shared disk
/// moves exactly what it moves without a disk, in the same time.
#[test]
fn shared_storage_sends_no_disk_bytes() {
    let vm = r#"memory = "64MiB"
dirty_rate = 2000"#;
    let plain = migrate(&scenario("1Gbps", vm));
    let shared = migrate(&scenario(
        "1Gbps",
        &format!("{vm}\ndisk = \"20GiB\"\nstorage = \"shared\"\ndisk_write_rate = 5000"),
    ));
    assert_eq!(shared["storage"], "shared");
    assert_eq!(u(&shared, "disk_bytes"), 0, "{shared}");
    assert_eq!(u(&shared, "disk_size"), 20 << 30);
    assert_eq!(shared["bytes_sent"], plain["bytes_sent"]);
    assert_eq!(shared["total_time_s"], plain["total_time_s"]);
    assert_eq!(shared["downtime_s"], plain["downtime_s"]);
    assert_eq!(u(&shared, "memory_bytes"), u(&plain, "bytes_sent"));
    assert!(plain.get("storage").is_none(), "no disk, no storage fields");
}

/// Issue 17, must hold: "a 20 GiB disk over 100 Mbit/s takes over 25 minutes and over
/// 10 Gbit/s under 20 s — the paper's 'link speed must be higher than 1 Gbit/s'". Both
/// migrations run in full (20 GiB of disk, 1 GiB of memory, packet by packet): the 100 Mbit/s
/// one simulates about 31 minutes in about 15 s of CPU. The disk phase's goodput is also
/// checked against the payload rate, so that the 25 minutes come from the wire, not from a
/// stall.
#[test]
fn twenty_gib_disk_needs_more_than_a_gigabit() {
    let vm = r#"memory = "1GiB"
disk = "20GiB"
storage = "copy""#;
    let fast = migrate(&scenario("10Gbps", vm));
    assert_eq!(u(&fast, "disk_bytes"), 20 << 30);
    let t = num(&fast, "total_time_s");
    assert!(t < 20.0, "20 GiB over 10 Gbit/s: {t} s");
    assert!(
        t > (21u64 << 30) as f64 / payload_rate(10e9),
        "not faster than the wire"
    );
    let slow = migrate(&scenario("100Mbps", vm));
    assert_eq!(u(&slow, "disk_bytes"), 20 << 30);
    let minutes = num(&slow, "total_time_s") / 60.0;
    assert!(minutes > 25.0, "20 GiB at 100 Mbit/s: {minutes} min");
    // TCP's goodput there: at most the payload rate, a little less where Reno's losses at
    // the full queue cost some of it.
    let rate = u(&slow, "disk_bytes") as f64 / num(&slow, "disk_s");
    let ideal = payload_rate(100e6);
    assert!(
        rate <= ideal && rate > 0.9 * ideal,
        "measured {rate} B/s, payload rate {ideal} B/s"
    );
}

/// Issue 17, must hold: "a lightly dirtied ~450 MB VM with shared storage over 1 Gbit/s
/// migrates in 4 ± 0.5 s (the paper's '4 s')". 450 MB of memory, 1 000 page writes per
/// second, a shared disk: round 0 takes 3.7 s, the next rounds and the state a few tenths.
#[test]
fn shared_450mb_vm_over_a_gigabit_takes_four_seconds() {
    let m = migrate(&scenario(
        "1Gbps",
        r#"memory = "450MB"
page_size = 4000
dirty_rate = 1000
disk = "20GiB"
storage = "shared""#,
    ));
    let t = num(&m, "total_time_s");
    assert!((t - 4.0).abs() <= 0.5, "total {t} s: {m}");
    assert_eq!(u(&m, "disk_bytes"), 0);
}

/// A scenario `netsim check` and `netsim run` refuse, with every needle in the message.
fn refused(text: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, text).unwrap();
    for cmd in ["check", "run"] {
        let o = netsim()
            .args(["--quiet", cmd])
            .arg(&file)
            .arg("--out")
            .arg(dir.path().join("out"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {err}");
        assert!(!err.contains("panicked"), "{cmd}: {err}");
        for n in needles {
            assert!(err.contains(n), "{cmd}: stderr lacks {n:?}: {err}");
        }
    }
}

/// Issue 17, must hold: "bad input gets a clear error: … a disk smaller than zero". Also an
/// unknown `storage`, a context on a shared disk, and a copied disk with post-copy: each
/// names its key and points at its line.
#[test]
fn bad_storage_input_is_refused_with_the_key() {
    let vm = |extra: &str| scenario("1Gbps", &format!("memory = \"16MiB\"\n{extra}"));
    refused(
        &vm("disk = \"-20GiB\""),
        &["invalid `disk`", "negative", "s.toml:16"],
    );
    refused(
        &vm("storage = \"nfs\""),
        &["storage", "nfs", "shared", "copy", "s.toml:16"],
    );
    refused(
        &vm("disk = \"1GiB\"\ncontext = \"1MiB\""),
        &["`context` of vm `vm1`", "storage = \"copy\"", "s.toml:17"],
    );
    let post = vm("disk = \"1GiB\"\nstorage = \"copy\"")
        .replace("at = \"0.1s\"", "at = \"0.1s\"\nalgorithm = \"postcopy\"");
    refused(&post, &["postcopy", "s.toml:17"]);
}
