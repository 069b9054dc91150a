//! Seed 000's switch timing presets as a capture sees them: the per-hop latency of a switch,
//! measured from its pcaps, against the mean of the preset's formula.

mod common;

use common::*;
use std::collections::BTreeMap;

/// h0 – s0 – s1 – h1 with a UDP stream h0 → h1, one 1000-byte datagram every 100 µs (more than
/// the largest latency, so frames never wait for one another), and s0's two ports captured.
fn scenario(preset: &str) -> String {
    format!(
        "name = \"lat\"\nseed = 1\nduration = \"500ms\"\n\
         [topology]\nkind = \"linear\"\nswitches = 2\nhosts_per_switch = 1\n\
         link = {{ rate = \"1Gbps\", delay = \"10us\" }}\n\
         [controller]\napp = \"shortest-path\"\nswitch_timing = \"{preset}\"\n\
         [[flow]]\nname = \"u\"\nkind = \"udp-cbr\"\nsrc = \"h0\"\ndst = \"h1\"\n\
         rate = \"80Mbps\"\npacket_size = \"1000B\"\n\
         [trace]\npcap = [\"s0\"]\nopenflow_pcap = true\n"
    )
}

/// IP id → capture time (s) of the UDP frames in one pcap, read by tshark.
fn times(pcap: &std::path::Path) -> BTreeMap<String, f64> {
    tshark(&[
        "-r",
        pcap.to_str().unwrap(),
        "-Y",
        "udp",
        "-T",
        "fields",
        "-e",
        "ip.id",
        "-e",
        "frame.time_epoch",
    ])
    .lines()
    .filter_map(|l| {
        let (id, t) = l.split_once('\t')?;
        Some((id.to_owned(), t.parse().ok()?))
    })
    .collect()
}

/// IP ids of the UDP frames the switches sent to the controller (PACKET_IN), read by tshark
/// from the control channel's capture (the last `ip.id` of a message is the frame's).
fn packet_in_ids(pcap: &std::path::Path) -> std::collections::BTreeSet<String> {
    tshark(&[
        "-r",
        pcap.to_str().unwrap(),
        "-Y",
        "openflow_v4.type == 10 && udp",
        "-T",
        "fields",
        "-e",
        "ip.id",
    ])
    .lines()
    .filter_map(|l| l.rsplit(',').next().map(str::to_owned))
    .collect()
}

/// Per-hop latencies (µs) at s0 under `preset`: a frame's capture on the egress port (s1's
/// side, at the start of its transmission) minus its capture on the ingress port (h0's side,
/// when it has fully arrived), skipping the first 100 frames (those queued behind ARP) and
/// the frames that missed the table and went through the controller (under
/// `maini2013-paper` a rule expires after `FlowExpires`, about every millisecond).
fn hop_latencies(preset: &str) -> Vec<f64> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, scenario(preset)).unwrap();
    let out = dir.path().join("out");
    run_ok(&out, &[file.to_str().unwrap()]);
    let (rx, tx) = (
        times(&out.join("pcap/s0-0.pcap")),
        times(&out.join("pcap/s0-1.pcap")),
    );
    let via_controller = packet_in_ids(&out.join("pcap/openflow.pcap"));
    let mut pairs: Vec<(f64, f64)> = rx
        .iter()
        .filter(|(id, _)| !via_controller.contains(*id))
        .filter_map(|(id, &a)| tx.get(id).map(|&b| (a, (b - a) * 1e6)))
        .collect();
    pairs.sort_by(|x, y| x.0.total_cmp(&y.0));
    pairs.into_iter().skip(100).map(|(_, d)| d).collect()
}

/// Seed 000 Must-hold: "the per-hop switch latency under each timing preset equals its
/// formula's mean within 2 %, measured from pcaps". `seed000` (today's reading: `Matching` +
/// `Output_Action`, two uniforms on 4–16.5 µs) has mean 20.5 µs and range 8–33 µs;
/// `maini2013-paper` (`Serve_switch_request` normal(4 µs, 101.43 ns) + `Output_Action`) has mean
/// 14.25 µs and range 7.4–21.1 µs (±6σ of the normal); `zero` adds nothing, which also shows the capture
/// points carry no offset of their own. About 4 900 frames per preset (4 200 under the paper's
/// preset, whose other frames go through the controller after a rule's `FlowExpires`): the
/// standard error of the mean is 0.4 % (seed000) and 0.4 % (paper).
#[test]
fn seed000_per_hop_switch_latency_from_pcaps_matches_each_preset_mean_within_2_percent() {
    let presets = [
        ("zero", 0.0, 0.0, 0.0),
        ("seed000", 20.5, 8.0, 33.0),
        ("maini2013-paper", 14.25, 7.4, 21.1),
    ];
    let measured = par_map_bounded(&presets, |p| hop_latencies(p.0));
    for (&(preset, mean, lo, hi), d) in presets.iter().zip(&measured) {
        assert!(d.len() > 3500, "{preset}: only {} frames matched", d.len());
        let got = d.iter().sum::<f64>() / d.len() as f64;
        let (min, max) = d
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        eprintln!(
            "{preset}: {} frames, mean {got:.3} µs (formula {mean}), range {min:.3}–{max:.3}",
            d.len()
        );
        if mean == 0.0 {
            assert!(
                max.abs() < 1e-3 && min.abs() < 1e-3,
                "zero: {min}..{max} µs"
            );
            continue;
        }
        assert!(
            (got / mean - 1.0).abs() < 0.02,
            "{preset}: mean {got:.3} µs vs {mean} µs"
        );
        assert!(
            min >= lo - 0.01 && max <= hi + 0.01,
            "{preset}: range {min}..{max} µs"
        );
    }
}
