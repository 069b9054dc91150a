//! Wireshark agrees with us about TCP: in the bundled TCP scenario (with drops at a shallow
//! bottleneck), the segments in each sender's pcap that tshark's TCP analysis marks as
//! retransmission, fast retransmission, spurious retransmission or out-of-order (on a sender's
//! own capture every such segment is a resend) are exactly summary.json's `retransmissions`,
//! and tshark finds no malformed packet and no bad checksum.

mod common;

use common::*;

#[test]
fn tshark_counts_our_retransmissions() {
    let dir = tempfile::tempdir().unwrap();
    let example = root().join("examples/tcp-dumbbell.toml");
    let s = run_ok(
        dir.path(),
        &[
            example.to_str().unwrap(),
            "--set",
            "duration=2s",
            "--set",
            "trace.snaplen=0",
        ],
    );
    let mut total = 0;
    for (host, addr, name) in [
        ("l0", "10.1.0.1", "bulk0"),
        ("l1", "10.1.0.2", "bulk1"),
        ("l2", "10.1.0.3", "bulk2"),
    ] {
        let pcap = dir.path().join("pcap").join(format!("{host}-0.pcap"));
        let pcap = pcap.to_str().unwrap();
        let filter = format!(
            "ip.src == {addr} && (tcp.analysis.retransmission || tcp.analysis.fast_retransmission \
             || tcp.analysis.spurious_retransmission || tcp.analysis.out_of_order)"
        );
        let flagged = tshark(&[
            "-r",
            pcap,
            "-Y",
            &filter,
            "-T",
            "fields",
            "-e",
            "frame.number",
        ]);
        let ours = u(flow(&s, name), "retransmissions");
        assert_eq!(
            flagged.lines().count() as u64,
            ours,
            "{name}: tshark vs summary.json"
        );
        total += ours;
        let bad = tshark(&[
            "-r",
            pcap,
            "-o",
            "tcp.check_checksum:TRUE",
            "-o",
            "ip.check_checksum:TRUE",
            "-Y",
            "_ws.malformed || tcp.checksum.status == 0 || ip.checksum.status == 0",
        ]);
        assert_eq!(
            bad.lines().count(),
            0,
            "{host}: tshark flags packets:\n{bad}"
        );
    }
    assert!(
        total > 50,
        "the scenario must actually drop and resend ({total} resends)"
    );
}
