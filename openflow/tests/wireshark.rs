//! Wireshark agrees with the codec and the capture: an `openflow.pcap` written by
//! [`ChannelCapture`] dissects as `openflow_v4`, every message with the type and length we
//! wrote, in order, messages split over several TCP segments reassembled, and nothing
//! malformed or flagged by the TCP analysis.
//!
//! Needs `tshark` on the PATH; without it the test fails and says so (it never passes
//! silently).

use std::process::Command;

use openflow::capture::ChannelCapture;
use openflow::*;
use sim_core::SimTime;

mod common;

use common::conversation;

fn tshark(path: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("tshark is required for this test (install Wireshark's tshark): {e}")
        });
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("tshark prints UTF-8")
}

/// A port-stats reply of `n` entries (16 + 112·n bytes): 40 entries span four segments.
fn big_reply(xid: u32, n: u32) -> Message {
    let stats = (1..=n)
        .map(|port_no| PortStats {
            port_no,
            tx_bytes: 1000 * u64::from(port_no),
            ..PortStats::default()
        })
        .collect();
    Message::new(
        xid,
        MessageBody::MultipartReply(MultipartReply {
            flags: 0,
            body: MultipartReplyBody::PortStats(stats),
        }),
    )
}

/// Every modelled message type on switch 1's connection, a second switch's connection
/// interleaved with it, and large replies split over several segments (enough of them to
/// need window ACKs) — written by `ChannelCapture`, read by tshark. Wireshark dissects each
/// message as `openflow_v4` with the `ofp_type` and length we encoded, in order (a split
/// message once, reassembled), and reports no malformed packet and no expert warning or
/// error (bad checksums, lost segments, window full, …).
#[test]
fn tshark_dissects_every_message_type() {
    let mut conv: Vec<(u64, bool, Message)> = conversation()
        .into_iter()
        .map(|(sw, m)| (1, sw, m))
        .collect();
    // Switch 2 joins mid-way; its big reply and switch 1's are split and must be reassembled.
    let extra = [
        (2, false, Message::new(1, MessageBody::Hello(Hello::v13()))),
        (2, true, Message::new(1, MessageBody::Hello(Hello::v13()))),
        (2, true, big_reply(30, 40)),
        (1, true, big_reply(31, 300)),
    ];
    for (i, e) in extra.into_iter().enumerate() {
        conv.insert(3 + 4 * i, e);
    }
    for i in 0..30 {
        conv.push((1, true, big_reply(100 + i, 100)));
    }
    conv.push((1, false, Message::new(99, MessageBody::BarrierRequest)));
    conv.push((1, true, Message::new(99, MessageBody::BarrierReply)));

    let dir = std::env::temp_dir().join(format!("openflow-wireshark-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("openflow.pcap");
    let mut cap = ChannelCapture::create(&path).expect("create pcap");
    cap.connect(SimTime::ZERO, 1).expect("write");
    for (i, (dpid, from_switch, msg)) in conv.iter().enumerate() {
        let now = SimTime::from_us(10 * (i as u64 + 1));
        cap.message(now, *dpid, *from_switch, msg).expect("write");
    }
    let frames = cap.frames_written();
    assert_eq!(cap.finish().expect("finish"), conv.len() as u64);
    assert!(
        frames > conv.len() as u64 + 30,
        "large messages took several segments"
    );

    let types = tshark(
        &path,
        &[
            "-Y",
            "openflow_v4",
            "-T",
            "fields",
            "-e",
            "openflow_v4.type",
        ],
    );
    // An ERROR carries the failed request's header, which Wireshark dissects too ("1,20"):
    // the first value of each line is the message itself.
    let first = |s: &str| s.split(',').next().unwrap_or("").to_string();
    let got: Vec<String> = types.lines().map(first).collect();
    let want: Vec<String> = conv
        .iter()
        .map(|(_, _, m)| m.msg_type().to_string())
        .collect();
    assert_eq!(
        got, want,
        "Wireshark's openflow_v4.type per segment, in order"
    );

    // Checksum validation is off by default in Wireshark; turn it on so a wrong checksum
    // becomes an expert error here.
    let bad = tshark(
        &path,
        &[
            "-o",
            "ip.check_checksum:TRUE",
            "-o",
            "tcp.check_checksum:TRUE",
            "-Y",
            "_ws.malformed || _ws.expert.severity >= \"Warning\"",
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "_ws.expert.message",
        ],
    );
    assert!(bad.trim().is_empty(), "Wireshark flags these frames: {bad}");

    let lengths = tshark(
        &path,
        &[
            "-Y",
            "openflow_v4",
            "-T",
            "fields",
            "-e",
            "openflow_v4.length",
        ],
    );
    let want_len: Vec<String> = conv
        .iter()
        .map(|(_, _, m)| m.encoded_len().to_string())
        .collect();
    assert_eq!(
        lengths.lines().map(first).collect::<Vec<_>>(),
        want_len,
        "length fields as Wireshark reads them"
    );
    std::fs::remove_dir_all(&dir).ok();
}
