//! OpenFlow networks end to end: every host reaches every host under each controller app
//! (ARP included, no flooding loop), dynamic routing spreads seed 002's contending transfers
//! over distinct core paths, and Wireshark reads the control channel with the controller's
//! own counts.

mod common;

use std::fmt::Write as _;

use common::*;

const APPS: [&str; 3] = ["learning", "shortest-path", "dynamic-routing"];

/// A k = 4 fat-tree scenario under `app` with `flows` (TOML `[[flow]]` tables).
fn fat_tree(app: &str, duration: &str, flows: &str, trace: &str) -> String {
    format!(
        "name = \"of-{app}\"\nseed = 3\nduration = \"{duration}\"\n\
         [topology]\nkind = \"fat-tree\"\nk = 4\n\
         link = {{ rate = \"1Gbps\", delay = \"1us\", queue = \"100p\" }}\n\
         [controller]\napp = \"{app}\"\n{flows}{trace}"
    )
}

/// Each of the 16 hosts pings each of the other 15 (240 pings, all starting together, so
/// 240 ARP resolutions race through the controller): under each app every echo sent in the
/// first half second is answered — ARP resolved on the first try, paths installed — and
/// the run ends (a broadcast circulating in the fat-tree's loops would never let it).
#[test]
fn every_host_pings_every_host_under_each_app() {
    let mut flows = String::new();
    for s in 0..16 {
        for d in (0..16).filter(|&d| d != s) {
            write!(
                flows,
                "[[flow]]\nname = \"p{s}-{d}\"\nkind = \"ping\"\nsrc = \"h{s}\"\ndst = \"h{d}\"\n\
                 interval = \"500ms\"\n"
            )
            .unwrap();
        }
    }
    for app in APPS {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.toml");
        std::fs::write(&file, fat_tree(app, "1.6s", &flows, "")).unwrap();
        let s = run_ok(&dir.path().join("out"), &[file.to_str().unwrap()]);
        let pings = s["flows"].as_array().unwrap();
        assert_eq!(pings.len(), 240);
        for p in pings {
            assert_eq!(p["lost"], 0, "{app}: {} lost echoes", p["name"]);
            assert!(
                p["packets_delivered"].as_u64().unwrap() >= 2,
                "{app}: {} answered {}",
                p["name"],
                p["packets_delivered"]
            );
            assert!(p["rtt_min_s"].as_f64().unwrap() > 0.0);
        }
        let switches = s["switches"].as_array().unwrap();
        assert_eq!(switches.len(), 20, "{app}: 8 edge + 8 aggregation + 4 core");
        let packet_ins: u64 = switches
            .iter()
            .map(|w| w["packet_ins"].as_u64().unwrap())
            .sum();
        assert!(packet_ins > 0, "{app}: the controller was asked");
        assert_eq!(
            s["packets"]["arp_unresolved"],
            serde_json::Value::Null,
            "{app}"
        );
    }
}

/// Seed 002's link-contention result (§4.2, Figs. 4 and 9–10): four TCP transfers from pod 0
/// to pod 1 started together. `shortest-path` sends them all through the same aggregation and
/// core switch (the lowest ids); `dynamic-routing` gives each pair a different core switch, so
/// each runs at nearly the 1 Gbit/s of its own path: aggregate goodput at least 2.5× higher.
#[test]
fn dynamic_routing_spreads_contending_transfers_over_the_core() {
    let mut flows = String::new();
    for i in 0..4 {
        write!(
            flows,
            "[[flow]]\nname = \"t{i}\"\nkind = \"tcp-bulk\"\nsrc = \"h{i}\"\ndst = \"h{}\"\n",
            i + 4
        )
        .unwrap();
    }
    let mut goodput = Vec::new();
    for app in ["shortest-path", "dynamic-routing"] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.toml");
        std::fs::write(&file, fat_tree(app, "300ms", &flows, "")).unwrap();
        let s = run_ok(&dir.path().join("out"), &[file.to_str().unwrap()]);
        let total: f64 = (0..4)
            .map(|i| flow(&s, &format!("t{i}"))["goodput_bps"].as_f64().unwrap())
            .sum();
        let cores: Vec<u64> = s["switches"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["name"].as_str().unwrap().starts_with('c'))
            .map(|w| w["packets_received"].as_u64().unwrap())
            .collect();
        let busy = cores.iter().filter(|&&n| n > 10_000).count();
        match app {
            "shortest-path" => assert_eq!(busy, 1, "{app}: one core carries all: {cores:?}"),
            _ => assert_eq!(busy, 4, "{app}: every core carries a transfer: {cores:?}"),
        }
        goodput.push(total);
    }
    assert!(
        goodput[1] >= 2.5 * goodput[0],
        "dynamic-routing {:.0} Mbit/s vs shortest-path {:.0} Mbit/s",
        goodput[1] / 1e6,
        goodput[0] / 1e6
    );
}

/// tshark dissects the bundled example's control channel as OpenFlow 1.3 with nothing
/// malformed, and counts exactly the PACKET_INs, FLOW_MODs and PACKET_OUTs the controller
/// counted (the capture is taken at the controller).
#[test]
fn openflow_pcap_matches_the_controller_counters() {
    let dir = tempfile::tempdir().unwrap();
    let example = root().join("examples").join("sdn-fat-tree.toml");
    let s = run_ok(
        dir.path(),
        &[
            example.to_str().unwrap(),
            "--set",
            "duration=50ms",
            "--dump-flows",
        ],
    );
    let pcap = dir.path().join("pcap").join("openflow.pcap");
    let pcap = pcap.to_str().unwrap();
    let bad = tshark(&[
        "-r",
        pcap,
        "-Y",
        "_ws.malformed || _ws.expert.severity >= 0x800000",
    ]);
    assert_eq!(bad.lines().count(), 0, "tshark flags:\n{bad}");
    let count = |ty: u32| {
        tshark(&[
            "-r",
            pcap,
            "-Y",
            &format!("openflow_v4.type == {ty}"),
            "-T",
            "fields",
            "-e",
            "openflow_v4.type",
        ])
        .lines()
        .map(|l| l.split(',').filter(|t| t.trim() == ty.to_string()).count() as u64)
        .sum::<u64>()
    };
    let c = &s["controller"];
    assert!(c["packet_ins"].as_u64().unwrap() > 0);
    assert_eq!(count(10), c["packet_ins"].as_u64().unwrap(), "PACKET_IN");
    assert_eq!(count(14), c["flow_mods"].as_u64().unwrap(), "FLOW_MOD");
    assert_eq!(count(13), c["packet_outs"].as_u64().unwrap(), "PACKET_OUT");
    let switches = s["switches"].as_array().unwrap();
    let sum = |k: &str| switches.iter().map(|w| w[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(
        sum("packet_ins"),
        c["packet_ins"].as_u64().unwrap(),
        "none in flight at the end"
    );
    // --dump-flows: one file per switch, the table-miss entry in each.
    for w in switches {
        let name = w["name"].as_str().unwrap();
        let text =
            std::fs::read_to_string(dir.path().join("dump-flows").join(format!("{name}.txt")))
                .unwrap();
        assert!(
            text.starts_with("OFPST_FLOW reply (OF1.3)"),
            "{name}: {text}"
        );
        assert!(
            text.contains("priority=0 actions=CONTROLLER"),
            "{name}: {text}"
        );
        assert_eq!(
            text.lines().filter(|l| l.contains("cookie=")).count() as u64,
            w["flow_entries"].as_u64().unwrap(),
            "{name}: one line per entry"
        );
    }
}

/// A link on the transfer's path fails: both switches report PORT_STATUS, `shortest-path`
/// moves the pair to a surviving core path and the transfer carries on — over 300 ms it
/// delivers far more than the 100 ms before the failure could (at most ~0.31 Gbit/s
/// averaged), and the failed core switch stops receiving.
#[test]
fn link_failure_moves_the_pair_to_a_surviving_path() {
    let flows = "[[flow]]\nname = \"t\"\nkind = \"tcp-bulk\"\nsrc = \"h0\"\ndst = \"h4\"\n\
                 [[event]]\nat = \"100ms\"\nlink = \"a0-c0\"\nstate = \"down\"\n";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, fat_tree("shortest-path", "300ms", flows, "")).unwrap();
    let s = run_ok(&dir.path().join("out"), &[file.to_str().unwrap()]);
    assert_eq!(
        s["controller"]["port_status"], 2,
        "a0 and c0 report the port"
    );
    let goodput = flow(&s, "t")["goodput_bps"].as_f64().unwrap();
    assert!(goodput > 0.6e9, "the transfer survives: {goodput}");
    let received = |name: &str| {
        s["switches"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["name"] == name)
            .unwrap()["packets_received"]
            .as_u64()
            .unwrap()
    };
    assert!(received("c0") > 1_000, "c0 carried it first");
    assert!(
        received("c1") > 2 * received("c0"),
        "then c1: {} vs {}",
        received("c1"),
        received("c0")
    );
}

/// The switch timing presets as a ping sees them on an otherwise idle fat-tree, h0 → h4
/// across five switches (six links of 1 µs; a 98-byte echo frame takes 0.784 µs per link):
/// `zero` adds nothing to the links' RTT; `ofswitch13` adds exactly 20 µs × ⌈log2 3⌉ per switch
/// and direction (each switch on the path holds the table-miss entry and the pair's two
/// entries) plus the frame's service time at its CPU capacity; `seed000` adds between 8 and
/// 33 µs per switch and direction.
#[test]
fn switch_timing_presets_show_in_the_rtt() {
    let flows = "[[flow]]\nname = \"p\"\nkind = \"ping\"\nsrc = \"h0\"\ndst = \"h4\"\n\
                 interval = \"10ms\"\n";
    let links = 2.0 * 6.0 * (1e-6 + 98.0 * 8.0 / 1e9);
    let mut rtts = Vec::new();
    for preset in ["zero", "ofswitch13", "seed000"] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.toml");
        let text = fat_tree("shortest-path", "1.2s", flows, "").replace(
            "[controller]\n",
            &format!("[controller]\nswitch_timing = \"{preset}\"\n"),
        );
        std::fs::write(&file, text).unwrap();
        let s = run_ok(&dir.path().join("out"), &[file.to_str().unwrap()]);
        let p = flow(&s, "p");
        assert_eq!(p["lost"], 0, "{preset}");
        rtts.push((
            p["rtt_min_s"].as_f64().unwrap(),
            p["rtt_max_s"].as_f64().unwrap(),
        ));
    }
    // The first echo also waits for ARP and the controller; the later ones show the data path.
    let (zero, of13, seed) = (rtts[0], rtts[1], rtts[2]);
    assert!((zero.0 - links).abs() < 1e-9, "zero: {zero:?} vs {links}");
    // OFSwitch13 also serves each frame at its 100 Gbit/s CPU capacity: 98 bytes, 7.84 ns.
    let of13_switch = 40e-6 + 98.0 * 8.0 / 100e9;
    assert!(
        (of13.0 - (links + 10.0 * of13_switch)).abs() < 1e-9,
        "ofswitch13: {of13:?}"
    );
    assert!(
        seed.0 >= links + 10.0 * 8e-6 && seed.0 <= links + 10.0 * 33e-6,
        "seed000: {seed:?}"
    );
}

/// Per-packet latency is not a throughput cap: under each app with seed 000's 8–33 µs per
/// packet, a 950 Mbit/s UDP stream across the fat-tree (1 Gbit/s links) loses nothing but the
/// packets pushed out of the sender's 3-packet ARP queue while h15 was being resolved, and no
/// queue on the way drops anything.
#[test]
fn switches_forward_at_line_rate() {
    let flows = "[[flow]]\nname = \"u\"\nkind = \"udp-cbr\"\nsrc = \"h0\"\ndst = \"h15\"\n\
                 rate = \"950Mbps\"\n";
    for app in APPS {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.toml");
        std::fs::write(&file, fat_tree(app, "100ms", flows, "")).unwrap();
        let s = run_ok(&dir.path().join("out"), &[file.to_str().unwrap()]);
        let u = flow(&s, "u");
        let (sent, got) = (
            u["packets_sent"].as_u64().unwrap(),
            u["packets_delivered"].as_u64().unwrap(),
        );
        let queued: u64 = s["queues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["dropped_packets"].as_u64().unwrap())
            .sum();
        let in_flight = s["packets"]["in_flight"].as_u64().unwrap();
        assert_eq!(queued, 0, "{app}: no queue drops");
        // Packets the sender made while ARP resolved h15 beyond the 3 it holds were pushed out.
        let unresolved = s["packets"]["arp_unresolved"].as_u64().unwrap_or(0);
        assert_eq!(
            got + in_flight + unresolved,
            sent,
            "{app}: every packet accounted for"
        );
        assert!(
            unresolved < 400,
            "{app}: ARP took under 5 ms: {unresolved} pushed out"
        );
        assert!(
            u["goodput_bps"].as_f64().unwrap() > 0.9e9,
            "{app}: {}",
            u["goodput_bps"]
        );
    }
}

/// A k = 4 fat-tree of learning switches with seed 000's random switch timing and a fixed
/// controller time, plus `extra` TOML.
fn seed000_tree(duration: &str, extra: &str) -> String {
    format!(
        "name = \"streams\"\nseed = 5\nduration = \"{duration}\"\n\
         [topology]\nkind = \"fat-tree\"\nk = 4\n\
         link = {{ rate = \"1Gbps\", delay = \"1us\", queue = \"100p\" }}\n\
         [controller]\napp = \"learning\"\nswitch_timing = \"seed000\"\nprocessing_time = \"10us\"\n\
         [[flow]]\nname = \"p01\"\nkind = \"ping\"\nsrc = \"h0\"\ndst = \"h1\"\ninterval = \"1ms\"\n\
         [[flow]]\nname = \"p45\"\nkind = \"ping\"\nsrc = \"h4\"\ndst = \"h5\"\ninterval = \"1ms\"\n\
         {extra}"
    )
}

/// Each switch draws from its own stream: adding a UDP stream between h4 and h5 (both on
/// edge switch e2, ARP and flow entries already in place from the ping between them) makes
/// e2 draw thousands more latencies, yet every RTT of the ping between h0 and h1 (through
/// e0 only, whose packets draw seed 000's random matching and output times) is unchanged
/// to the picosecond. With one stream shared by all switches, e0's draws would shift.
#[test]
fn traffic_through_one_switch_leaves_another_switchs_draws_alone() {
    let run = |extra: &str| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(&path, seed000_tree("200ms", extra)).unwrap();
        let s = run_ok(&dir.path().join("out"), &[path.to_str().unwrap()]);
        let e2 = s["switches"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["name"] == "e2")
            .map(|w| u(w, "packets_received"))
            .unwrap();
        (flow(&s, "p01").clone(), e2)
    };
    let (quiet, e2_quiet) = run("");
    let udp = "[[flow]]\nname = \"u\"\nkind = \"udp-cbr\"\nsrc = \"h4\"\ndst = \"h5\"\n\
               rate = \"100Mbps\"\nstart = \"50ms\"\n";
    let (busy, e2_busy) = run(udp);
    assert!(
        e2_busy > e2_quiet + 1000,
        "the UDP stream crossed e2: {e2_quiet} -> {e2_busy} packets"
    );
    assert!(
        u(&quiet, "packets_delivered") > 150,
        "the ping ran: {quiet}"
    );
    let rtt = |f: &serde_json::Value| {
        [
            "rtt_min_s",
            "rtt_avg_s",
            "rtt_max_s",
            "rtt_stddev_s",
            "packets_delivered",
        ]
        .map(|k| f[k].to_string())
    };
    assert_eq!(rtt(&quiet), rtt(&busy), "e0's latencies did not move");
    // The RTTs are random (seed 000 stages), so equality is not trivial.
    assert_ne!(quiet["rtt_min_s"], quiet["rtt_max_s"], "{quiet}");
}

/// Two controllers in one network, each with its own channel latency: `c1` runs pod 1
/// (e2, e3, a2, a3) 2 ms away, `c0` the rest 50 µs away. Setting up the path between h4 and
/// h5 (on e2) costs the far controller's round trips — the first echo's RTT is over 4 ms —
/// while the pair on e0 sets up in well under 1 ms; the capture shows `c1`'s address talking
/// only to its own four switches, and `c0`'s to the other sixteen.
#[test]
fn two_controllers_each_with_its_own_channel_latency() {
    let extra = "[[controller.extra]]\nname = \"c1\"\nswitches = [\"e2\", \"e3\", \"a2\", \"a3\"]\n\
                 channel_latency = \"2ms\"\n[trace]\nopenflow_pcap = true\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    let text = seed000_tree("30ms", extra).replace("seed000", "zero");
    std::fs::write(&path, text).unwrap();
    let out = dir.path().join("out");
    let s = run_ok(&out, &[path.to_str().unwrap()]);
    let far = flow(&s, "p45")["rtt_max_s"].as_f64().unwrap();
    let near = flow(&s, "p01")["rtt_max_s"].as_f64().unwrap();
    assert!(far > 4e-3, "pod 1's setup crosses 2 ms twice: {far}");
    assert!(near < 1e-3, "pod 0's setup is local: {near}");
    assert_eq!(s["controller"]["app"], "learning, learning");
    let dpid_ip = |w: &serde_json::Value| {
        // openflow::capture::switch_ip: 192.168.x.y with x.y = 2 + (dpid − 1).
        let h = u(w, "dpid") + 1;
        format!("192.168.{}.{}", h >> 8, h & 0xff)
    };
    let switches = s["switches"].as_array().unwrap();
    let pcap = out.join("pcap").join("openflow.pcap");
    let peers = |ctl: &str| {
        let text = tshark(&[
            "-r",
            pcap.to_str().unwrap(),
            "-Y",
            &format!("ip.src == {ctl}"),
            "-T",
            "fields",
            "-E",
            "occurrence=f",
            "-e",
            "ip.dst",
        ]);
        // The first IPv4 header: the control channel's (a PACKET_OUT carries a frame too).
        text.lines()
            .map(str::to_string)
            .collect::<std::collections::BTreeSet<_>>()
    };
    let pod1 = ["e2", "e3", "a2", "a3"];
    let expect = |far: bool| {
        switches
            .iter()
            .filter(|w| pod1.contains(&w["name"].as_str().unwrap()) == far)
            .map(dpid_ip)
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(peers("192.168.255.254"), expect(true), "c1 talks to pod 1");
    assert_eq!(peers("192.168.0.1"), expect(false), "c0 to the rest");
}

/// `shim = "barrier"` between the apps and the runtime: every FLOW_MOD the app sends is
/// followed by a BARRIER_REQUEST and answered by a BARRIER_REPLY (tshark counts them in the
/// capture), while the app's own work and the traffic are unchanged.
#[test]
fn a_scenario_chooses_a_shim() {
    let run = |shim: &str| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        let text = seed000_tree("20ms", "[trace]\nopenflow_pcap = true\n")
            .replace("seed000", "zero")
            .replace(
                "app = \"learning\"",
                &format!("app = \"learning\"\nshim = \"{shim}\""),
            );
        std::fs::write(&path, text).unwrap();
        let out = dir.path().join("out");
        let s = run_ok(&out, &[path.to_str().unwrap()]);
        let pcap = out.join("pcap").join("openflow.pcap");
        let count = |ty: u32| {
            tshark(&[
                "-r",
                pcap.to_str().unwrap(),
                "-Y",
                &format!("openflow_v4.type == {ty}"),
            ])
            .lines()
            .count() as u64
        };
        (s, count(20), count(21))
    };
    let (plain, req0, rep0) = run("none");
    let (shimmed, req, rep) = run("barrier");
    let (c0, c) = (&plain["controller"], &shimmed["controller"]);
    assert_eq!((req0, rep0), (0, 0), "no barriers without the shim");
    let fm = u(c, "flow_mods");
    assert!(fm > 0);
    assert_eq!(fm, u(c0, "flow_mods"), "the app's work is unchanged");
    assert_eq!(
        (req, rep),
        (fm, fm),
        "one BARRIER_REQUEST and reply per FLOW_MOD"
    );
    assert_eq!(u(c, "sent"), u(c0, "sent") + fm);
    assert_eq!(u(c, "received"), u(c0, "received") + fm);
    for f in ["p01", "p45"] {
        assert_eq!(
            flow(&plain, f)["packets_delivered"],
            flow(&shimmed, f)["packets_delivered"],
            "{f}"
        );
    }
}
