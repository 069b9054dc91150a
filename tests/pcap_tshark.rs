//! Wireshark agrees with us: tshark reads every pcap the bundled scenario writes, finds no
//! malformed packets and no bad checksums, and counts as many packets at each traced receiver as
//! summary.json says were delivered to it.

mod common;

use common::*;

#[test]
fn tshark_reads_the_udp_dumbbell_pcaps() {
    let dir = tempfile::tempdir().unwrap();
    // Whole frames, so that tshark can verify every checksum.
    let file = root().join("examples/dumbbell-udp.toml");
    let s = run_ok(
        dir.path(),
        &[
            file.to_str().unwrap(),
            "--set",
            "duration=0.2s",
            "--set",
            "flow.1.start=0s",
            "--set",
            "trace.snaplen=0",
            "--set",
            "topology.bottleneck.loss=0.001",
        ],
    );
    let checks = [
        "-o",
        "ip.check_checksum:TRUE",
        "-o",
        "udp.check_checksum:TRUE",
        "-o",
        "tcp.check_checksum:TRUE",
    ];
    let receivers = [
        ("r0-0.pcap", "10.2.0.1", &["cbr0", "burst"][..]),
        ("r1-0.pcap", "10.2.0.2", &["cbr1"][..]),
    ];
    for (pcap, addr, receiver_flows) in receivers {
        let path = dir.path().join("pcap").join(pcap);
        let path = path.to_str().unwrap();
        let mut args = vec!["-r", path];
        args.extend(checks);
        let bad = tshark(
            &[
                &args[..],
                &[
                    "-Y",
                    "_ws.malformed || _ws.expert.severity >= 0x800000 || ip.checksum.status == 0 \
                 || udp.checksum.status == 0 || icmp.checksum.status == 0",
                ],
            ]
            .concat(),
        );
        assert_eq!(
            bad.lines().count(),
            0,
            "{pcap}: tshark flags packets:\n{bad}"
        );
        let total = tshark(&[&args[..], &["-T", "fields", "-e", "frame.number"]].concat());
        assert!(total.lines().count() > 100, "{pcap} has packets");
        // UDP datagrams received by this host = what summary.json says was delivered to it.
        let filter = format!("udp && ip.dst == {addr}");
        let udp_in = tshark(
            &[
                &args[..],
                &["-Y", &filter, "-T", "fields", "-e", "frame.number"],
            ]
            .concat(),
        );
        let delivered: u64 = receiver_flows
            .iter()
            .map(|f| u(flow(&s, f), "packets_delivered"))
            .sum();
        assert_eq!(
            udp_in.lines().count() as u64,
            delivered,
            "{pcap}: tshark's count vs summary.json"
        );
    }
}
