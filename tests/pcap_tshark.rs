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

/// A NewReno + SACK flow through 1 % random loss (R3's dumbbell, 0.5 s, timestamps on): the
/// sender's pcap shows SACK-permitted on the SYN and SYN-ACK and SACK blocks on the receiver's
/// duplicate ACKs, which tshark reads without a malformed frame or a bad checksum; every block
/// lies above the ACK number it rides with, except a D-SACK; and no option carries more than 3
/// blocks beside timestamps.
#[test]
fn tshark_reads_sack_options_of_a_lossy_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = root().join("examples/ns3-r3.toml");
    run_ok(
        dir.path(),
        &[
            file.to_str().unwrap(),
            "--set",
            "duration=0.5s",
            "--set",
            "trace.pcap=[\"l0\"]",
            "--set",
            "trace.snaplen=0",
            "--set",
            "tcp.timestamps=true",
        ],
    );
    let path = dir.path().join("pcap").join("l0-0.pcap");
    let path = path.to_str().unwrap();
    let bad = tshark(&[
        "-r",
        path,
        "-o",
        "tcp.check_checksum:TRUE",
        "-Y",
        "_ws.malformed || tcp.checksum.status == 0 || ip.checksum.status == 0",
    ]);
    assert_eq!(bad.lines().count(), 0, "tshark flags packets:\n{bad}");
    let perm = tshark(&[
        "-r",
        path,
        "-Y",
        "tcp.options.sack_perm",
        "-T",
        "fields",
        "-e",
        "tcp.flags",
    ]);
    assert_eq!(
        perm.lines().count(),
        2,
        "SACK-permitted on SYN and SYN-ACK:\n{perm}"
    );
    let out = tshark(&[
        "-r",
        path,
        "-o",
        "tcp.relative_sequence_numbers:FALSE",
        "-Y",
        "tcp.options.sack",
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-e",
        "tcp.ack",
        "-e",
        "tcp.options.sack_le",
        "-e",
        "tcp.options.sack_re",
        "-e",
        "tcp.options.sack.count",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines.len() > 10,
        "SACK blocks on the duplicate ACKs: {}",
        lines.len()
    );
    for line in lines {
        let f: Vec<&str> = line.split('|').collect();
        let ack: u64 = f[0].parse().expect("ack");
        let les: Vec<u64> = f[1].split(',').map(|x| x.parse().expect("le")).collect();
        let res: Vec<u64> = f[2].split(',').map(|x| x.parse().expect("re")).collect();
        assert!(les.len() <= 3, "at most 3 blocks beside timestamps: {line}");
        assert_eq!(f[3], les.len().to_string(), "count: {line}");
        for (i, (l, r)) in les.iter().zip(&res).enumerate() {
            assert!(l < r, "non-empty block: {line}");
            // Sequence numbers here stay far from the 2^32 wrap (ISS is small, 0.5 s of data).
            let dsack = i == 0 && *r <= ack;
            assert!(
                dsack || *l > ack,
                "block above the ACK (or a D-SACK): {line}"
            );
        }
    }
}

/// `netsim topo`'s `mac` column is what Wireshark sees: on a k = 4 fat-tree, under static
/// routing and under an OpenFlow app, h0's frames to h15 carry h0's MAC from the table as the
/// source; under OpenFlow (switches forward frames as they are) h15's is the destination,
/// under static routing (every switch is an IP hop) the edge switch's port is.
#[test]
fn topo_mac_column_is_what_tshark_reads() {
    let o = netsim()
        .args(["topo", "fat-tree", "--k", "4"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8(o.stdout).unwrap();
    let mac_of = |host: &str| -> String {
        let row = table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(host))
            .unwrap_or_else(|| panic!("{host} in {table}"));
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cols.len(), 6, "node role tier ip mac ports: {row}");
        cols[4].to_string()
    };
    let (h0, h15) = (mac_of("h0"), mac_of("h15"));
    assert_ne!(h0, h15);
    for app in ["none", "shortest-path"] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.toml");
        std::fs::write(
            &file,
            format!(
                "duration = \"5ms\"\n[topology]\nkind = \"fat-tree\"\nk = 4\n\
                 [controller]\napp = \"{app}\"\n[[flow]]\nname = \"f\"\nkind = \"udp-cbr\"\n\
                 src = \"h0\"\ndst = \"h15\"\nrate = \"10Mbps\"\n[trace]\npcap = [\"h0\"]\n"
            ),
        )
        .unwrap();
        run_ok(&dir.path().join("out"), &[file.to_str().unwrap()]);
        let pcap = dir.path().join("out/pcap/h0-0.pcap");
        let pairs = tshark(&[
            "-r",
            pcap.to_str().unwrap(),
            "-Y",
            "udp",
            "-T",
            "fields",
            "-e",
            "eth.src",
            "-e",
            "eth.dst",
        ]);
        let mut lines = pairs.lines().peekable();
        assert!(lines.peek().is_some(), "{app}: UDP frames at h0");
        for l in lines {
            let (src, dst) = l.split_once('\t').unwrap();
            assert_eq!(src, h0, "{app}: {l}");
            assert_eq!(dst == h15, app != "none", "{app}: {l}");
        }
    }
}
