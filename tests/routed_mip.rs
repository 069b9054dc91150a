//! Hypervisor-controlled Mobile IP (issue 17, seed 003 §IV.B, Fig. 3): examples/two-dc-mip
//! with a ping and a new TCP connection to the VM after the move, read back from
//! summary.json and through tshark, and the bad inputs of `mobility = "mip"`.

mod common;

use std::path::Path;

use common::*;

/// The example plus, after the move, a ping from the client to the VM every 50 ms (the RTT
/// of the path after migration) and a 1 MB transfer to the VM on a new connection (the MSS
/// it agrees through the tunnel).
fn scenario(dir: &Path) -> std::path::PathBuf {
    let mut text = std::fs::read_to_string(root().join("examples/two-dc-mip.toml")).unwrap();
    text.push_str(
        "[[flow]]\nname = \"p\"\nkind = \"ping\"\nsrc = \"c0\"\ndst = \"vm1\"\nstart = \"1.5s\"\n\
         interval = \"50ms\"\n[[flow]]\nname = \"bulk\"\nkind = \"tcp-bulk\"\nsrc = \"c0\"\n\
         dst = \"vm1\"\nstart = \"1.6s\"\nbytes = \"1MB\"\n",
    );
    let file = dir.join("mip.toml");
    std::fs::write(&file, text).unwrap();
    file
}

/// Runs the scenario with `args`; hands the results directory and the summary to `read`.
fn run_mip<R>(args: &[&str], read: impl FnOnce(&Path, &serde_json::Value) -> R) -> R {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path());
    let out = dir.path().join("out");
    let mut all = vec![file.to_str().unwrap()];
    all.extend_from_slice(args);
    let s = run_ok(&out, &all);
    read(&out, &s)
}

/// tshark's fields of the frames of `pcap` (under `dir/pcap`) matching `filter`, one line each.
fn fields(dir: &Path, pcap: &str, filter: &str, fields: &[&str]) -> Vec<String> {
    let path = dir.join("pcap").join(pcap);
    let mut args = vec!["-r", path.to_str().unwrap(), "-Y", filter, "-T", "fields"];
    for f in fields {
        args.extend_from_slice(&["-e", f]);
    }
    tshark(&args).lines().map(str::to_string).collect()
}

const GBPS10_PS_PER_BYTE: f64 = 800.0; // 10 Gbit/s: 0.8 ns per byte
const WAN_S: f64 = 5e-3;
const FABRIC_S: f64 = 10e-6;

/// One way over `links` (each `(delay [s], frame bytes)`), at 10 Gbit/s.
fn one_way(links: &[(f64, f64)]) -> f64 {
    links
        .iter()
        .map(|&(d, bytes)| d + bytes * GBPS10_PS_PER_BYTE * 1e-12)
        .sum()
}

/// The echo frames: 14 + 20 + 8 + 56 bytes; through the tunnel 20 bytes more (IP-in-IP).
const ECHO: f64 = 98.0;
const TUNNELLED: f64 = 118.0;

/// The client's request to the VM through the home agent: c0–isp, isp–a_border (plain), then
/// tunnelled a_border–b_border, b_border–b_spine, b_spine–b_leaf0, b_leaf0–b_h0.
fn via_home_agent() -> f64 {
    one_way(&[
        (FABRIC_S, ECHO),
        (WAN_S, ECHO),
        (WAN_S, TUNNELLED),
        (FABRIC_S, TUNNELLED),
        (FABRIC_S, TUNNELLED),
        (FABRIC_S, TUNNELLED),
    ])
}

/// Issue 17, must hold: "with `mip` … it survives"; "service downtime ≤ downtime +
/// registration time + one RTO + one RTT"; "the RTT after migration equals the triangle
/// through the home agent within 5 % (computed from link delays and serialisation)";
/// "tshark shows `ip.proto == 4` on the tunnel and the registration messages".
///
/// The RTO in the bound is the one in force when the VM becomes reachable: the client hears
/// nothing until its next retransmission, and its timer has backed off (RFC 6298 §5.5) once
/// per timeout, so it is min_rto · 2^(timeouts − 1). The triangle: the request through the
/// home agent (`via_home_agent`), the answer straight back b_h0–b_leaf0–b_spine–b_border–
/// isp–c0. The registration takes one round trip b_h0 ↔ a_border, which tshark sees as a
/// request (type 1, D flag, care-of 10.2.0.1 for home address 10.1.0.10) and an accepting
/// reply (type 3, code 0).
#[test]
fn mip_session_survives_with_triangle_rtt_and_registration_in_tshark() {
    run_mip(&[], |dir, s| {
        let m = &s["migrations"][0];
        assert_eq!(m["mobility"], "mip");
        assert_eq!(m["session_survived"], true, "{m}");
        let reg = num(m, "registration_s");
        // Request 14 + 20 + 8 + 46 bytes, reply 14 + 20 + 8 + 42, over three fabric links
        // and the WAN each way, on idle links (the migration is over).
        let way = |b: f64| one_way(&[(FABRIC_S, b), (FABRIC_S, b), (FABRIC_S, b), (WAN_S, b)]);
        let rtt_reg = way(88.0) + way(84.0);
        assert!(
            (reg - rtt_reg).abs() < 1e-9,
            "one round trip b_h0 ↔ a_border ({rtt_reg} s): {reg}"
        );
        let f = flow(s, "vm1-workload");
        let rto = 0.2 * 2f64.powi(u(f, "timeouts") as i32 - 1);
        let back = one_way(&[
            (FABRIC_S, ECHO),
            (FABRIC_S, ECHO),
            (FABRIC_S, ECHO),
            (WAN_S, ECHO),
            (FABRIC_S, ECHO),
        ]);
        let triangle = via_home_agent() + back;
        let bound = num(m, "downtime_s") + reg + rto + triangle;
        let service = num(m, "service_downtime_s");
        assert!(
            service <= bound,
            "service downtime {service} ≤ downtime + registration + RTO {rto} + RTT = {bound}"
        );
        assert!(service >= num(m, "downtime_s"), "{m}");
        let ping = flow(s, "p");
        assert_eq!(u(ping, "lost"), 0, "{ping}");
        let rtt = num(ping, "rtt_avg_s");
        assert!(
            (rtt / triangle - 1.0).abs() < 0.05,
            "RTT {rtt} s is the triangle through the home agent, {triangle} s"
        );
        assert!(
            u(m, "tunnel_packets") > 0 && u(m, "tunnel_bytes") > 0,
            "{m}"
        );

        let reg_msgs = fields(
            dir,
            "b_h0-0.pcap",
            "udp.port == 434",
            &[
                "mip.type",
                "mip.code",
                "mip.homeaddr",
                "mip.coa",
                "mip.flags",
                "ip.src",
            ],
        );
        assert_eq!(reg_msgs.len(), 2, "a request and a reply: {reg_msgs:?}");
        let req: Vec<_> = reg_msgs[0].split('\t').collect();
        assert_eq!(req[0], "1", "a registration request: {req:?}");
        assert_eq!((req[2], req[3]), ("10.1.0.10", "10.2.0.1"), "{req:?}");
        assert_eq!(
            req[4], "0x20",
            "D: the hypervisor decapsulates (co-located care-of)"
        );
        let rep: Vec<_> = reg_msgs[1].split('\t').collect();
        assert_eq!((rep[0], rep[1]), ("3", "0"), "an accepting reply: {rep:?}");
        let tunnel = fields(dir, "b_h0-0.pcap", "ip.proto == 4", &["ip.dst"]);
        assert!(!tunnel.is_empty(), "IP-in-IP frames at b_h0");
        assert!(
            tunnel.iter().all(|d| d == "10.2.0.1,10.1.0.10"),
            "outer to the care-of address, inner to the home address: {:?}",
            &tunnel[..3.min(tunnel.len())]
        );
        assert_eq!(u(&flow(s, "bulk").clone(), "bytes_delivered"), 1_000_000);
    });
}

/// Issue 17, must hold: "with reverse tunnelling the longer path likewise": the answer goes
/// back through the tunnel to the home agent (b_h0–b_leaf0–b_spine–b_border–a_border,
/// tunnelled), which decapsulates it and forwards it a_border–isp–c0; tshark sees IP-in-IP
/// leaving b_h0 for the home agent. GRE (`tunnel = "gre"`) shows `ip.proto == 47` instead
/// with the same triangle RTT (4 bytes more per tunnelled frame).
#[test]
fn reverse_tunnelling_takes_the_longer_path_and_gre_works() {
    run_mip(&["--set", "migration.0.reverse_tunnel=true"], |dir, s| {
        let m = &s["migrations"][0];
        assert_eq!(m["session_survived"], true, "{m}");
        let back = one_way(&[
            (FABRIC_S, TUNNELLED),
            (FABRIC_S, TUNNELLED),
            (FABRIC_S, TUNNELLED),
            (WAN_S, TUNNELLED),
            (WAN_S, ECHO),
            (FABRIC_S, ECHO),
        ]);
        let expected = via_home_agent() + back;
        let rtt = num(flow(s, "p"), "rtt_avg_s");
        assert!(
            (rtt / expected - 1.0).abs() < 0.05,
            "RTT {rtt} s is the reverse-tunnelled path, {expected} s"
        );
        let out = fields(
            dir,
            "b_h0-0.pcap",
            "ip.proto == 4 && ip.src == 10.2.0.1",
            &["ip.dst"],
        );
        assert!(!out.is_empty(), "reverse tunnel from the care-of address");
        let flags = fields(dir, "b_h0-0.pcap", "mip.type == 1", &["mip.flags"]);
        assert_eq!(flags, vec!["0x22".to_string()], "D and T (RFC 3024)");
    });
    run_mip(&["--set", "migration.0.tunnel=gre"], |dir, s| {
        assert_eq!(s["migrations"][0]["session_survived"], true);
        let gre = fields(dir, "b_h0-0.pcap", "ip.proto == 47", &["ip.dst"]);
        assert!(!gre.is_empty(), "GRE frames at b_h0");
        assert!(fields(dir, "b_h0-0.pcap", "ip.proto == 4", &["ip.dst"]).is_empty());
    });
}

/// Issue 17, tunnel MTU: the home agent clamps the MSS of the client's SYN as it enters the
/// tunnel, and the hypervisor the VM's SYN-ACK, to 1,500 − 20 (IP-in-IP) − 40 = 1,440, as
/// Linux's `TCPMSS --clamp-mss-to-pmtu` does; tshark reads `tcp.options.mss_val` 1448 on the
/// SYN the client sent and 1440 on the tunnelled copy, and no tunnelled segment of the new
/// connection exceeds 1,500 bytes of outer IPv4. With `clamp_mss = false` the 1448 gets
/// through and the tunnel carries 1,508-byte packets, which migrations[] counts.
#[test]
fn mss_is_clamped_at_the_tunnel_entry() {
    run_mip(&[], |dir, s| {
        let syn_in = fields(
            dir,
            "b_h0-0.pcap",
            "ip.proto == 4 && tcp.flags.syn == 1",
            &["tcp.options.mss_val"],
        );
        assert_eq!(syn_in, vec!["1440".to_string()], "the tunnelled SYN");
        let at_client = fields(
            dir,
            "c0-0.pcap",
            "tcp.flags.syn == 1 && tcp.flags.ack == 1 && frame.time_relative > 1.5",
            &["tcp.options.mss_val"],
        );
        assert_eq!(at_client, vec!["1440".to_string()], "the VM's SYN-ACK");
        let lens = fields(dir, "b_h0-0.pcap", "ip.proto == 4", &["ip.len"]);
        let outer: Vec<u32> = lens
            .iter()
            .map(|l| l.split(',').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(outer.iter().max(), Some(&1500), "full-size, never over");
        assert_eq!(u(&s["migrations"][0], "tunnel_over_mtu_packets"), 0);
    });
    run_mip(&["--set", "migration.0.clamp_mss=false"], |_, s| {
        let m = &s["migrations"][0];
        assert!(
            u(m, "tunnel_over_mtu_packets") > 0,
            "1,508-byte packets: {m}"
        );
        assert_eq!(u(m, "mss_clamped"), 0, "{m}");
    });
}

fn check_fails(text: &str, wants: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, text).unwrap();
    let o = run(&["check", file.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "exit 1: {err}");
    for w in wants {
        assert!(err.contains(w), "`{w}` in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

/// Issue 17, must hold (bad input): "a home agent that is not a router, `mip` on a topology
/// without routers"; and a `mip` key on another mode. Each a clear error, exit code 1, at
/// the key's line.
#[test]
fn bad_mip_inputs_are_refused_clearly() {
    let two_dc = "name = \"x\"\nduration = \"1s\"\n[topology]\nkind = \"two-dc\"\n[[vm]]\n\
                  name = \"vm1\"\nhost = \"a_h0\"\nmemory = \"1MiB\"\n[[migration]]\nvm = \"vm1\"\n\
                  to = \"b_h0\"\nat = \"0.1s\"\n";
    check_fails(
        &format!("{two_dc}mobility = \"mip\"\nhome_agent = \"a_h1\"\n"),
        &[
            "the home agent `a_h1` of VM `vm1` is not a router",
            "s.toml:14",
        ],
    );
    check_fails(
        &format!("{two_dc}mobility = \"mip\"\nhome_agent = \"nowhere\"\n"),
        &["the home agent `nowhere` of VM `vm1` is no node"],
    );
    check_fails(
        "name = \"x\"\nduration = \"1s\"\n[topology]\nkind = \"fat-tree\"\n[[vm]]\nname = \"vm1\"\n\
         host = \"h0\"\nmemory = \"1MiB\"\n[[migration]]\nvm = \"vm1\"\nto = \"h4\"\nat = \"0.1s\"\n\
         mobility = \"mip\"\n",
        &["mobility = \"mip\" needs a routed network", "s.toml:13"],
    );
    check_fails(
        &format!("{two_dc}mobility = \"host-route\"\nreverse_tunnel = true\n"),
        &[
            "`reverse_tunnel` applies to `mobility = \"mip\"` only",
            "s.toml:14",
        ],
    );
}

/// Issue 17 (RFC 5944 §3.8.3.2, deregistration): examples/two-dc-mip plus a second `mip`
/// migration back to a_h0 at 1.5 s. The first move registers (b_h0's care-of address), the
/// return deregisters: tshark at a_h0 reads a request with lifetime 0 and care-of = home
/// address, and an accepting reply with lifetime 0; from the return on, nothing for the VM
/// is tunnelled any more (no `ip.proto == 4` at a_h0 or b_h0 after the resume, while the
/// client's requests reach the VM natively at a_h0) and the session survives both moves.
#[test]
fn a_vm_back_home_deregisters_and_traffic_flows_natively() {
    let dir = tempfile::tempdir().unwrap();
    // A smaller VM than the example's keeps the pcaps (and tshark's reading) short.
    let mut text = std::fs::read_to_string(root().join("examples/two-dc-mip.toml"))
        .unwrap()
        .replace("memory = \"64MiB\"", "memory = \"8MiB\"")
        .replace("state = \"8MiB\"", "state = \"1MiB\"");
    text.push_str(
        "[[migration]]\nvm = \"vm1\"\nto = \"a_h0\"\nat = \"1.5s\"\nmobility = \"mip\"\n",
    );
    let file = dir.path().join("back.toml");
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    let s = run_ok(&out, &[file.to_str().unwrap()]);
    let (away, back) = (&s["migrations"][0], &s["migrations"][1]);
    assert_eq!(away["session_survived"], true, "{away}");
    assert_eq!(back["session_survived"], true, "{back}");
    assert!(away.get("deregistration").is_none(), "{away}");
    assert_eq!(back["deregistration"], true, "{back}");
    assert!(u(away, "tunnel_packets") > 0, "{away}");
    assert_eq!(u(back, "tunnel_packets"), 0, "{back}");
    // a_h0 ↔ a_border over three fabric links each way.
    let way = |b: f64| one_way(&[(FABRIC_S, b), (FABRIC_S, b), (FABRIC_S, b)]);
    let rtt = way(88.0) + way(84.0);
    let dereg = num(back, "registration_s");
    assert!(
        (dereg - rtt).abs() < 1e-9,
        "one round trip a_h0 ↔ a_border ({rtt} s): {dereg}"
    );
    let msgs = fields(
        &out,
        "a_h0-0.pcap",
        "udp.port == 434",
        &[
            "mip.type",
            "mip.code",
            "mip.life",
            "mip.homeaddr",
            "mip.coa",
        ],
    );
    assert_eq!(
        msgs,
        vec!["1\t\t0\t10.1.0.10\t10.1.0.10", "3\t0\t0\t10.1.0.10\t"],
        "a deregistration request and its accepting reply"
    );
    let resumed = num(back, "end_s");
    for pcap in ["a_h0-0.pcap", "b_h0-0.pcap"] {
        let tunnel = fields(
            &out,
            pcap,
            &format!(
                "ip.proto == 4 && frame.time_relative > {:.9}",
                resumed + 0.001
            ),
            &["frame.time_relative"],
        );
        assert!(
            tunnel.is_empty(),
            "no tunnel after the return at {pcap}: {tunnel:?}"
        );
    }
    let native = fields(
        &out,
        "a_h0-0.pcap",
        &format!(
            "ip.dst == 10.1.0.10 && !(ip.proto == 4) && tcp.len > 0 && frame.time_relative > {resumed:.9}"
        ),
        &["frame.time_relative"],
    );
    assert!(
        !native.is_empty(),
        "the client's requests reach the VM natively"
    );
}
