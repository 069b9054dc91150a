//! Switch failures end to end (`[[event]] switch`, issue 16): on a diamond, the upper switch
//! fails and comes back; traffic moves to the lower path and the frames lost are counted at
//! the failed switch; tshark reads the neighbours' PORT_STATUS and the lost control
//! connection in `pcap/openflow.pcap`; the same failure of a static router; and the seed 001
//! test bed under Tunnel ALAP with an old switch failing mid-migration, and with a new
//! switch failing and restarting mid-migration (the shim refills it).

mod common;

use common::*;

/// h1 – s1 – {s2 upper, s3 lower} – s4 – h2, 100 Mbit/s links; a 1 s bulk transfer h1 → h2
/// and a ping; s2 fails at 200 ms and is back at 600 ms.
fn diamond(app: &str) -> String {
    let nodes = ["h1", "s1", "s2", "s3", "s4", "h2"]
        .iter()
        .map(|n| {
            let kind = if n.starts_with('h') { "host" } else { "switch" };
            format!("[[node]]\nname = \"{n}\"\nkind = \"{kind}\"\n")
        })
        .collect::<String>();
    let links = [
        ("h1", "s1"),
        ("s1", "s2"),
        ("s1", "s3"),
        ("s2", "s4"),
        ("s3", "s4"),
        ("s4", "h2"),
    ]
    .iter()
    .map(|(a, b)| format!("[[link]]\na = \"{a}\"\nb = \"{b}\"\n"))
    .collect::<String>();
    let trace = if app == "none" {
        ""
    } else {
        "[trace]\nopenflow_pcap = true\n"
    };
    format!(
        "{nodes}{links}\n#scenario\nname = \"diamond-{app}\"\nseed = 1\nduration = \"1s\"\n\
         [topology]\nkind = \"file\"\npath = \"diamond.toml\"\n\
         link = {{ rate = \"100Mbps\", delay = \"50us\", queue = \"100p\" }}\n\
         [controller]\napp = \"{app}\"\n\
         [[flow]]\nname = \"bulk\"\nkind = \"tcp-bulk\"\nsrc = \"h1\"\ndst = \"h2\"\n\
         [[flow]]\nname = \"ping\"\nkind = \"ping\"\nsrc = \"h1\"\ndst = \"h2\"\ninterval = \"10ms\"\n\
         [[event]]\nat = \"200ms\"\nswitch = \"s2\"\nstate = \"down\"\n\
         [[event]]\nat = \"600ms\"\nswitch = \"s2\"\nstate = \"up\"\n{trace}"
    )
}

/// Writes the diamond's topology file and scenario into `dir`; returns the scenario path.
fn write_diamond(dir: &std::path::Path, app: &str) -> std::path::PathBuf {
    let text = diamond(app);
    let (topo, scenario) = text.split_once("\n#scenario\n").expect("two parts");
    std::fs::write(dir.join("diamond.toml"), topo).unwrap();
    let file = dir.join("s.toml");
    std::fs::write(&file, scenario).unwrap();
    file
}

/// tshark's filter for the controller's resets and the switches' new connections.
const RST_OR_SYN: &str = "tcp.flags.reset == 1 || (tcp.flags.syn == 1 && tcp.flags.ack == 0)";

fn switch<'a>(s: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    s["switches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == name)
        .unwrap_or_else(|| panic!("no switch {name}"))
}

/// What both kinds of switch must show: the failure in `switch_failures`, its drops the
/// run's link-down drops, and a transfer that went on after the failure (more bytes than
/// the 200 ms before it could carry at 100 Mbit/s).
fn check_failure(s: &serde_json::Value, what: &str) {
    let f = &s["switch_failures"][0];
    assert_eq!(f["switch"], "s2", "{what}");
    assert_eq!(f["failed_s"], 0.2, "{what}");
    assert_eq!(f["restored_s"], 0.6, "{what}");
    assert_eq!(f["links_down"], 2, "{what}: s1-s2 and s2-s4");
    let drops = u(f, "dropped_frames");
    assert!(
        drops > 0,
        "{what}: frames were on the upper path when it failed"
    );
    assert_eq!(
        drops,
        u(&s["packets"], "link_down_drops"),
        "{what}: every down drop is the failure's"
    );
    let bulk = flow(s, "bulk");
    let before_max = 100e6 / 8.0 * 0.2;
    let delivered = u(bulk, "bytes_delivered") as f64;
    assert!(
        delivered > 3.0 * before_max,
        "{what}: the transfer went on over the lower path: {delivered} bytes"
    );
    let ping = flow(s, "ping");
    assert!(
        u(ping, "packets_delivered") >= 90,
        "{what}: echoes answered around the failure: {}",
        ping["packets_delivered"]
    );
}

/// Under shortest-path: the pair's route takes the upper switch s2 (lowest dpid) until it
/// fails; the controller sees it leave and s1 and s4 report their ports down, routes move
/// to s3; s2 rejoins at 600 ms with an empty table. tshark reads, in `openflow.pcap`, the
/// controller's RST to s2 at 200 ms, s1's and s4's PORT_STATUS with the link down one
/// channel latency later and up again after 600 ms, and s2's new connection (SYN) at 600 ms.
#[test]
fn a_failed_switch_reroutes_and_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_diamond(dir.path(), "shortest-path");
    let out = dir.path().join("out");
    let s = run_ok(&out, &[file.to_str().unwrap()]);
    check_failure(&s, "shortest-path");
    assert!(
        u(&s["switch_failures"][0], "lost_control_messages") <= 10,
        "{}",
        s["switch_failures"][0]
    );
    assert!(
        u(switch(&s, "s2"), "packets_received") > 1_000,
        "s2 carried it first"
    );
    assert!(u(switch(&s, "s3"), "packets_received") > 1_000, "then s3");
    assert_eq!(s["controller"]["port_status"], 4, "s1 and s4, down then up");

    let pcap = out.join("pcap/openflow.pcap");
    let rows = tshark(&[
        "-r",
        pcap.to_str().unwrap(),
        "-Y",
        "openflow_v4.type == 12",
        "-T",
        "fields",
        "-e",
        "frame.time_relative",
        "-e",
        "ip.src",
        "-e",
        "openflow_v4.port.state.link_down",
    ]);
    let rows: Vec<Vec<&str>> = rows.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 4, "{rows:?}");
    for (r, down) in rows.iter().zip([true, true, false, false]) {
        let t: f64 = r[0].parse().unwrap();
        assert!(
            (if down {
                (0.2..0.201).contains(&t)
            } else {
                (0.6..0.601).contains(&t)
            }),
            "{r:?}"
        );
        assert!(
            r[1] == "192.168.0.2" || r[1] == "192.168.0.5",
            "s1 or s4: {r:?}"
        );
        assert_eq!(r[2], if down { "1" } else { "0" }, "{r:?}");
    }
    let tcp = tshark(&[
        "-r",
        pcap.to_str().unwrap(),
        "-Y",
        RST_OR_SYN,
        "-T",
        "fields",
        "-e",
        "frame.time_relative",
        "-e",
        "ip.src",
        "-e",
        "ip.dst",
        "-e",
        "tcp.flags.reset",
    ]);
    let late: Vec<&str> = tcp
        .lines()
        .filter(|l| !l.starts_with("0.000000000"))
        .collect();
    assert_eq!(late.len(), 2, "one RST and one new SYN: {tcp}");
    assert!(
        late[0].starts_with("0.2") && late[0].ends_with("\t1"),
        "{late:?}"
    );
    assert!(
        late[1].starts_with("0.6") && late[1].ends_with("\t0"),
        "{late:?}"
    );
    // The new connection is a new TCP stream to Wireshark (a fresh initial sequence number),
    // so its handshake is dissected as OpenFlow, not taken for retransmissions of the first.
    let again = tshark(&[
        "-r",
        pcap.to_str().unwrap(),
        "-Y",
        "frame.time_relative >= 0.6 && (openflow_v4.type == 0 || openflow_v4.type == 6)",
        "-T",
        "fields",
        "-e",
        "openflow_v4.type",
    ]);
    let types: Vec<&str> = again.lines().collect();
    assert!(
        types.contains(&"0") && types.contains(&"6"),
        "HELLO and FEATURES_REPLY of the new connection: {types:?}"
    );
}

/// A static router failing: nothing to tell, but the same drops and the same rerouting
/// (static routes are recomputed over the links that are up).
#[test]
fn a_failed_router_reroutes_static_routes() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_diamond(dir.path(), "none");
    let s = run_ok(&dir.path().join("out"), &[file.to_str().unwrap()]);
    check_failure(&s, "static");
    assert!(
        s["switch_failures"][0]
            .get("lost_control_messages")
            .is_none()
    );
}

/// Seed 001's test bed under Tunnel ALAP (`arora2013-alap`, 22 s), with the old upper
/// switch os2 failing for good at 6 s, after host 1 moved and before host 2 does. The
/// migration goes on: host 2 moves at 12 s, finalize runs at 20 s and settles although its
/// FLOW_MODs for os2 are lost (counted in `finalize_lost_flow_mods`); no command is
/// refused, and the transfer keeps going (the new network and the lower old path carry it).
#[test]
fn arora2013_alap_with_an_old_switch_failing_mid_migration() {
    let text = std::fs::read_to_string(root().join("examples/arora2013-alap.toml"))
        .unwrap()
        .replace("duration = \"25s\"", "duration = \"22s\"");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(
        &file,
        format!("{text}\n[[event]]\nat = \"6s\"\nswitch = \"os2\"\nstate = \"down\"\n"),
    )
    .unwrap();
    let s = run_ok(&dir.path().join("out"), &[file.to_str().unwrap()]);
    let f = &s["switch_failures"][0];
    assert_eq!(f["switch"], "os2");
    assert_eq!(f["failed_s"], 6.0);
    assert!(f["restored_s"].is_null());
    assert_eq!(f["links_down"], 2, "os1-os2 and os2-os4");
    let m = &s["network_migration"];
    assert_eq!(m["hosts_moved_s"], serde_json::json!([4.0, 12.0]));
    assert_eq!(m["finalize_s"], 20.0);
    assert!(m["finalize_applied_s"].as_f64().unwrap() < 20.01, "{m}");
    assert!(
        !m["finalize_lost_packets"].is_null(),
        "finalize settled: {m}"
    );
    assert!(u(m, "finalize_lost_flow_mods") > 0, "os2's deletes: {m}");
    assert_eq!(m["rejected"], serde_json::json!([]));
    let netperf = flow(&s, "netperf");
    assert!(
        netperf["goodput_bps"].as_f64().unwrap() > 10e6,
        "the transfer went on: {}",
        netperf["goodput_bps"]
    );
}

/// An `ovs-ofctl`-style dump without what changes with time (durations and counters).
fn entries(dump: &str) -> Vec<String> {
    dump.lines()
        .skip(1)
        .map(|l| {
            l.split(", ")
                .filter(|f| !f.starts_with("duration=") && !f.starts_with("n_"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect()
}

/// The netperf bytes acknowledged in [from, from + 1 s), from its timeseries.
fn acked_in_second(out: &std::path::Path, from: f64) -> u64 {
    let csv = std::fs::read_to_string(out.join("timeseries/netperf.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let (t, a) = (
        header.iter().position(|h| *h == "time_s").unwrap(),
        header.iter().position(|h| *h == "acked_bytes").unwrap(),
    );
    let acked_at = |at: f64| {
        csv.lines()
            .skip(1)
            .map(|r| r.split(',').collect::<Vec<_>>())
            .take_while(|r| r[t].parse::<f64>().unwrap() <= at)
            .last()
            .map_or(0, |r| r[a].parse::<u64>().unwrap())
    };
    acked_at(from + 1.0) - acked_at(from)
}

/// Issue 16, a copy's restart under the migration shim: the test bed under Tunnel ALAP, 10 s;
/// vm1 moved to nh1 at 4 s, and nh1's switch ns1 fails at 6 s and is back at 7 s while os1
/// kept the virtual switch serving (the path-flip app saw its ports go down and up, no
/// leave, and re-installs nothing: its entries are proactive). The shim refills ns1: at the
/// end its table (`--dump-flows`) holds the same entries as in the run without the failure
/// — the mirrored app entries and the tunnel's decapsulation entry — and `summary.json`
/// counts them (`rules_restored`, `tunnel_rules_restored`). The transfer from vm1 stops
/// while ns1 is down and is back at the baseline's rate from 8 s (without the refill ns1
/// would drop every frame from vm1 for the rest of the run).
#[test]
fn arora2013_alap_with_a_new_switch_restarting_mid_migration() {
    let text = std::fs::read_to_string(root().join("examples/arora2013-alap.toml"))
        .unwrap()
        .replace("duration = \"25s\"", "duration = \"10s\"");
    let dir = tempfile::tempdir().unwrap();
    let (base, failing) = (dir.path().join("base.toml"), dir.path().join("fail.toml"));
    std::fs::write(&base, &text).unwrap();
    let events = "[[event]]\nat = \"6s\"\nswitch = \"ns1\"\nstate = \"down\"\n\
                  [[event]]\nat = \"7s\"\nswitch = \"ns1\"\nstate = \"up\"\n";
    std::fs::write(&failing, format!("{text}\n{events}")).unwrap();
    let (out_base, out_fail) = (dir.path().join("out-base"), dir.path().join("out-fail"));
    let b = run_ok(&out_base, &["--dump-flows", base.to_str().unwrap()]);
    let s = run_ok(&out_fail, &["--dump-flows", failing.to_str().unwrap()]);
    let f = &s["switch_failures"][0];
    assert_eq!(
        (f["switch"].as_str(), f["restored_s"].as_f64()),
        (Some("ns1"), Some(7.0))
    );

    let dump =
        |out: &std::path::Path| std::fs::read_to_string(out.join("dump-flows/ns1.txt")).unwrap();
    let (want, got) = (entries(&dump(&out_base)), entries(&dump(&out_fail)));
    assert_eq!(
        got, want,
        "ns1's table after its restart, as without the failure"
    );
    let tunnel = want.iter().filter(|e| e.contains("cookie=0x4e4d")).count() as u64;
    assert!(tunnel >= 1 && want.len() as u64 > tunnel + 1, "{want:?}");
    let m = &s["network_migration"];
    assert_eq!(u(m, "rules_restored"), want.len() as u64 - tunnel, "{m}");
    assert_eq!(u(m, "tunnel_rules_restored"), tunnel, "{m}");
    assert!(
        b["network_migration"].get("rules_restored").is_none(),
        "absent when none"
    );

    assert_eq!(
        acked_in_second(&out_fail, 6.0),
        0,
        "nothing crosses ns1 while it is down"
    );
    for from in [8.0, 9.0] {
        let (x, y) = (
            acked_in_second(&out_base, from),
            acked_in_second(&out_fail, from),
        );
        assert!(x > 1_000_000, "the baseline moves data: {x}");
        assert!(
            (y as f64 - x as f64).abs() <= 0.1 * x as f64,
            "second {from}: {y} bytes after the restart, {x} without the failure"
        );
    }
}

/// The diamond under shortest-path, 5 s, with `detection` added to `[controller]`; s2 fails
/// at 1.2 s and is back at 4.5 s. Returns the summary and, from `openflow.pcap`, the times
/// of the controller's RSTs and of the switches' SYNs after start-up.
fn diamond_detected(detection: &str) -> (serde_json::Value, Vec<(f64, bool)>) {
    let dir = tempfile::tempdir().unwrap();
    let file = write_diamond(dir.path(), "shortest-path");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("duration = \"1s\"", "duration = \"5s\"")
        .replace("at = \"200ms\"", "at = \"1200ms\"")
        .replace("at = \"600ms\"", "at = \"4500ms\"")
        .replace(
            "app = \"shortest-path\"\n",
            &format!("app = \"shortest-path\"\n{detection}"),
        );
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    let s = run_ok(&out, &[file.to_str().unwrap()]);
    let tcp = tshark(&[
        "-r",
        out.join("pcap/openflow.pcap").to_str().unwrap(),
        "-Y",
        RST_OR_SYN,
        "-T",
        "fields",
        "-e",
        "frame.time_relative",
        "-e",
        "tcp.flags.reset",
    ]);
    let late = tcp
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .map(|r| (r[0].parse::<f64>().unwrap(), r[1] == "1"))
        .filter(|r| r.0 > 0.0)
        .collect();
    (s, late)
}

/// Issue 16, failure detection (`[controller] failure_detection`). Instant (the default):
/// the controller resets s2's connection when it fails (1.2 s). Ryu's echo loop
/// (ryu/controller/controller.py `_echo_request_loop`) with `echo_request_interval = 1s`,
/// `maximum_unreplied_echo_requests = 1`: requests at the connection (0 s) and every second;
/// the one at 1 s is answered, those at 2 s and 3 s are not (lost with the switch, counted
/// in `lost_control_messages`), and at 4 s, with 2 > 1 unanswered, the controller closes the
/// connection: first unanswered request + (1 + 1) × 1 s = 4 s, the RST in `openflow.pcap`.
/// s2's restart at 4.5 s is a new connection (SYN). With Ryu's default of 0 unanswered
/// requests no echo is sent and the silent switch is detected only when its new connection
/// replaces the old one at 4.5 s.
#[test]
fn a_failed_switch_is_detected_by_echo_as_ryu_does() {
    let (s, instant) = diamond_detected("");
    assert_eq!(instant, vec![(1.2, true), (4.5, false)], "instant");
    let lost_instant = u(&s["switch_failures"][0], "lost_control_messages");

    let (s, echo) = diamond_detected(
        "failure_detection = \"echo\"\necho_request_interval = \"1s\"\n\
         maximum_unreplied_echo_requests = 1\n",
    );
    let (interval, max, failed): (f64, f64, f64) = (1.0, 1.0, 1.2);
    let first_unanswered = (failed / interval).ceil() * interval;
    let detected = first_unanswered + (max + 1.0) * interval;
    assert_eq!(detected, 4.0);
    assert_eq!(echo, vec![(detected, true), (4.5, false)], "echo");
    let lost = u(&s["switch_failures"][0], "lost_control_messages");
    assert!(
        lost >= lost_instant + 2,
        "the requests at 2 s and 3 s lost too: {lost} against {lost_instant}"
    );

    let (_, never) = diamond_detected("failure_detection = \"echo\"\n");
    assert_eq!(never, vec![(4.5, true), (4.5, false)], "Ryu's defaults");

    // Bad input: an error naming the key at its line.
    let controller =
        |keys: &str| dumbbell(&format!("[controller]\napp = \"shortest-path\"\n{keys}"));
    for (keys, needles) in [
        (
            "echo_request_interval = \"1s\"\n",
            [
                "s.toml:14",
                "`echo_request_interval` needs `failure_detection = \"echo\"`",
            ],
        ),
        (
            "failure_detection = \"echo\"\necho_request_interval = \"0s\"\n",
            [
                "s.toml:15",
                "`echo_request_interval` must be greater than zero",
            ],
        ),
        ("failure_detection = \"tcp\"\n", ["s.toml:14", "instant"]),
    ] {
        let (code, err) = check(&controller(keys));
        assert_eq!(code, Some(1), "{keys}: {err}");
        for n in needles {
            assert!(err.contains(n), "{n:?} in {err}");
        }
    }
}

/// A dumbbell (routers sl, sr; hosts l0, r0) with one flow and `events` appended.
fn dumbbell(events: &str) -> String {
    format!(
        "name = \"t\"\nduration = \"1s\"\n[topology]\nkind = \"dumbbell\"\npairs = 1\n\
         [[flow]]\nname = \"f\"\nkind = \"udp-cbr\"\nsrc = \"l0\"\ndst = \"r0\"\nrate = \"10Mbps\"\n\
         {events}"
    )
}

/// `netsim check` on `text`: (exit code, stderr on one line).
fn check(text: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, text).unwrap();
    let o = run(&["check", file.to_str().unwrap()]);
    let err = flat_stderr(&o);
    (o.status.code(), err)
}

/// Bad `[[event]] switch` input: an error at the key's line (both targets, neither, a host,
/// an unknown node), never a panic; suspicious timing is a warning naming the line.
#[test]
fn bad_switch_events_are_reported_at_their_line() {
    let ev = |body: &str| dumbbell(&format!("[[event]]\nat = \"0.1s\"\n{body}"));
    let errors = [
        (
            ev("link = \"sl-sr\"\nswitch = \"sl\"\nstate = \"down\"\n"),
            vec!["s.toml:15", "has both `link` and `switch`"],
        ),
        (
            ev("state = \"down\"\n"),
            vec!["s.toml:12", "has no `link` or `switch`"],
        ),
        (
            ev("switch = \"l0\"\nstate = \"down\"\n"),
            vec!["s.toml:14", "`l0` is a host, not a switch"],
        ),
        (
            ev("switch = \"s9\"\nstate = \"down\"\n"),
            vec!["s.toml:14", "unknown node `s9`", "l0, r0, sl, sr"],
        ),
        (
            ev("switch = \"sl\"\nstate = \"broken\"\n"),
            vec!["s.toml:15", "broken"],
        ),
    ];
    for (text, needles) in errors {
        let (code, err) = check(&text);
        assert_eq!(code, Some(1), "{needles:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        for n in needles {
            assert!(err.contains(n), "{n:?} in {err}");
        }
    }
    let warnings = [
        (
            dumbbell(
                "[[event]]\nat = \"0.1s\"\nswitch = \"sl\"\nstate = \"down\"\n\
                 [[event]]\nat = \"0.2s\"\nswitch = \"sl\"\nstate = \"down\"\n",
            ),
            "switch `sl` is taken down at 200ms, but it has been down since 100ms",
        ),
        (
            ev("switch = \"sl\"\nstate = \"up\"\n"),
            "switch `sl` is brought up at 100ms, but it is not down (switches start up)",
        ),
        (
            dumbbell("[[event]]\nat = \"2s\"\nswitch = \"sl\"\nstate = \"down\"\n"),
            "the [[event]] on switch `sl` at 2s comes at or after the end of the run (1s)",
        ),
    ];
    for (text, needle) in warnings {
        let (code, err) = check(&text);
        assert_eq!(code, Some(0), "{needle}: {err}");
        assert!(err.contains(needle), "{needle:?} in {err}");
        assert!(err.contains("s.toml:"), "names the line: {err}");
    }
}
