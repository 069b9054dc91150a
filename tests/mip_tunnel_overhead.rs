//! Issue 17, seed 003's SSH tunnel: `tunnel_overhead` pads every tunnel packet (examples/
//! two-dc-mip with a ping and a new 1 MB connection to the VM after the move). tshark reads
//! the padded frames (outer length = inner + 20 + overhead), the MSS clamp leaves room for the
//! overhead so no tunnel packet exceeds 1,500 bytes, and the ping's RTT is the triangle
//! through the home agent with the longer frames' serialisation.

mod common;

use std::path::Path;

use common::*;

const OVERHEAD: f64 = 100.0;

/// The example plus a ping (every 50 ms from 1.5 s) and a 1 MB transfer (from 1.6 s) from
/// the client to the VM, with `tunnel_overhead = 100`.
fn run_padded<R>(read: impl FnOnce(&Path, &serde_json::Value) -> R) -> R {
    let dir = tempfile::tempdir().unwrap();
    let mut text = std::fs::read_to_string(root().join("examples/two-dc-mip.toml")).unwrap();
    text.push_str(
        "[[flow]]\nname = \"p\"\nkind = \"ping\"\nsrc = \"c0\"\ndst = \"vm1\"\nstart = \"1.5s\"\n\
         interval = \"50ms\"\n[[flow]]\nname = \"bulk\"\nkind = \"tcp-bulk\"\nsrc = \"c0\"\n\
         dst = \"vm1\"\nstart = \"1.6s\"\nbytes = \"1MB\"\n",
    );
    let file = dir.path().join("mip.toml");
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    let args = [
        file.to_str().unwrap(),
        "--set",
        "migration.0.tunnel_overhead=100",
    ];
    let s = run_ok(&out, &args);
    read(&out, &s)
}

fn fields(dir: &Path, pcap: &str, filter: &str, fields: &[&str]) -> Vec<String> {
    let path = dir.join("pcap").join(pcap);
    let mut args = vec!["-r", path.to_str().unwrap(), "-Y", filter, "-T", "fields"];
    for f in fields {
        args.extend_from_slice(&["-e", f]);
    }
    tshark(&args).lines().map(str::to_string).collect()
}

/// One way over `links` (each `(delay [s], frame bytes)`) at 10 Gbit/s (0.8 ns per byte).
fn one_way(links: &[(f64, f64)]) -> f64 {
    links.iter().map(|&(d, b)| d + b * 0.8e-9).sum()
}

/// Issue 17 Deliver, SSH-tunnel overhead: every IP-in-IP frame at b_h0 is 14 + 20 + 100 bytes
/// longer than its inner packet (tshark: frame length and the outer IPv4 total length, the
/// inner one untouched); the new connection's SYN arrives clamped to 1,500 − 20 − 100 − 40 =
/// 1,340 and its full segments fill exactly 1,500 bytes of outer IPv4, never more; the ping's
/// RTT is the triangle (c0 → a_border plain, a_border → b_h0 tunnelled with 120 extra bytes
/// per frame at 10 Gbit/s; the echo reply straight back) within 5 %, and above the unpadded
/// triangle by the serialisation of 4 × 120 bytes.
#[test]
fn ssh_tunnel_overhead_pads_frames_clamps_mss_and_costs_serialisation() {
    run_padded(|dir, s| {
        let m = &s["migrations"][0];
        assert_eq!(m["session_survived"], true, "{m}");
        let rows = fields(
            dir,
            "b_h0-0.pcap",
            "ip.proto == 4",
            &["frame.len", "ip.len"],
        );
        assert!(rows.len() > 100, "tunnel frames: {}", rows.len());
        for r in &rows {
            let (frame, lens) = r.split_once('\t').unwrap();
            let (outer, inner) = lens.split_once(',').unwrap();
            let (frame, outer, inner): (f64, f64, f64) = (
                frame.parse().unwrap(),
                outer.parse().unwrap(),
                inner.parse().unwrap(),
            );
            assert_eq!(
                outer,
                inner + 20.0 + OVERHEAD,
                "outer counts the padding: {r}"
            );
            assert_eq!(frame, 14.0 + outer, "the frame carries it: {r}");
            assert!(outer <= 1500.0, "never over the MTU: {r}");
        }
        let syn = fields(
            dir,
            "b_h0-0.pcap",
            "ip.proto == 4 && tcp.flags.syn == 1",
            &["tcp.options.mss_val"],
        );
        assert_eq!(syn, vec!["1340".to_string()], "clamped for the overhead");
        let full = fields(
            dir,
            "b_h0-0.pcap",
            "ip.proto == 4 && tcp.len == 1340",
            &["ip.len"],
        );
        assert!(!full.is_empty(), "full segments");
        assert!(full.iter().all(|l| l == "1500,1380"), "{:?}", &full[..1]);
        assert_eq!(
            u(m, "mss_clamped"),
            1,
            "the VM's SYN-ACK, by its hypervisor: {m}"
        );
        let syn_ack = fields(
            dir,
            "c0-0.pcap",
            "tcp.flags.syn == 1 && tcp.flags.ack == 1 && frame.time_relative > 1.5",
            &["tcp.options.mss_val"],
        );
        assert_eq!(syn_ack, vec!["1340".to_string()], "both directions clamped");
        assert_eq!(u(m, "tunnel_over_mtu_packets"), 0, "{m}");
        assert_eq!(u(flow(s, "bulk"), "bytes_delivered"), 1_000_000);
        let (fabric, wan) = (10e-6, 5e-3);
        let echo = 98.0;
        let tunnelled = echo + 20.0 + OVERHEAD;
        let there = one_way(&[
            (fabric, echo),
            (wan, echo),
            (wan, tunnelled),
            (fabric, tunnelled),
            (fabric, tunnelled),
            (fabric, tunnelled),
        ]);
        let back = one_way(&[
            (fabric, echo),
            (fabric, echo),
            (fabric, echo),
            (wan, echo),
            (fabric, echo),
        ]);
        let triangle = there + back;
        let ping = flow(s, "p");
        assert_eq!(u(ping, "lost"), 0, "{ping}");
        let rtt = num(ping, "rtt_avg_s");
        assert!(
            (rtt / triangle - 1.0).abs() < 0.05,
            "RTT {rtt} s is the padded triangle, {triangle} s"
        );
        let min = num(ping, "rtt_min_s");
        let plain = triangle - 4.0 * OVERHEAD * 0.8e-9;
        assert!(
            min >= triangle - 1e-9,
            "{min} ≥ {triangle} (unpadded: {plain})"
        );
    });
}
