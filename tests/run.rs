//! `netsim run` end to end: the bundled default, determinism, seeds, results directory.

mod common;

use common::*;

/// The UDP dumbbell, short, with random loss on the bottleneck.
fn lossy_udp_args(file: &str) -> [&str; 5] {
    [
        file,
        "--set",
        "duration=0.3s",
        "--set",
        "topology.bottleneck.loss=0.01",
    ]
}

/// Runs `netsim run ARGS` twice and asserts byte-identical summary.json (wall time aside) and
/// `files`.
fn assert_runs_identical(args: &[&str], files: &[&str]) {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run_ok(a.path(), args);
    run_ok(b.path(), args);
    assert_eq!(
        summary_without_wall_time(a.path()),
        summary_without_wall_time(b.path())
    );
    for f in files {
        let x = std::fs::read(a.path().join(f)).unwrap();
        let y = std::fs::read(b.path().join(f)).unwrap();
        assert!(x == y, "{f} differs between identical runs");
    }
}

fn dumbbell_udp() -> String {
    root()
        .join("examples/dumbbell-udp.toml")
        .display()
        .to_string()
}

/// The bundled default (a k = 4 fat-tree with a VM migration) runs from one command with no
/// arguments and writes the contract's files: summary, flows, pcaps of the traced hosts, TCP and
/// migration time series, plots; the migration finishes with a short pause that its client sees.
#[test]
fn bundled_default_runs() {
    let dir = tempfile::tempdir().unwrap();
    let s = run_ok(dir.path(), &[]);
    assert_eq!(s["name"], "default");
    assert_eq!(
        s["flows"].as_array().unwrap().len(),
        9,
        "8 flows and the VM's workload"
    );
    let m = &s["migrations"][0];
    assert_eq!(
        (m["vm"].as_str(), m["from"].as_str(), m["to"].as_str()),
        (Some("vm1"), Some("h10"), Some("h15"))
    );
    let (total, down, service) = (
        num(m, "total_time_s"),
        num(m, "downtime_s"),
        num(m, "service_downtime_s"),
    );
    assert!(
        total > 0.5 && total < 1.0,
        "64 MiB and its re-sent pages at 1 Gbit/s: {total}"
    );
    assert!(down > 0.0 && down < 0.1, "the pause is short: {down}");
    assert!(
        service >= down,
        "the client sees at least the pause: {service} < {down}"
    );
    for f in [
        "flows.csv",
        "pcap/h0-0.pcap",
        "pcap/h8-0.pcap",
        "timeseries/tcp0.csv",
        "timeseries/migration-vm1.csv",
        "plots/migration-vm1.svg",
    ] {
        assert!(dir.path().join(f).exists(), "{f} written");
    }
    // 16 hosts × 1 port + 8 edge × 4 + 8 aggregation × 4 + 4 core × 4.
    assert_eq!(s["queues"].as_array().unwrap().len(), 16 + 32 + 32 + 16);
    assert!(u(flow(&s, "tcp0"), "bytes_delivered") > 0);
}

/// The UDP dumbbell runs, writes the contract's files, and what it reports obeys conservation:
/// every packet created was delivered, dropped, or is still in flight.
#[test]
fn udp_dumbbell_runs_and_conserves_packets() {
    let dir = tempfile::tempdir().unwrap();
    let s = run_ok(dir.path(), &[&dumbbell_udp(), "--set", "duration=0.5s"]);
    assert_eq!(s["schema"], "netsim.summary/1");
    // The build that wrote the file, as `netsim --version` names it.
    let version = s["netsim_version"].as_str().expect("netsim_version");
    assert!(version.starts_with(env!("CARGO_PKG_VERSION")), "{version}");
    let o = netsim().arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("netsim {version}")
    );
    assert_eq!(s["sim_time_s"], 0.5);
    for f in ["flows.csv", "pcap/r0-0.pcap", "pcap/r1-0.pcap"] {
        assert!(dir.path().join(f).exists(), "{f} written");
    }
    let p = &s["packets"];
    let accounted = [
        "delivered",
        "queue_drops",
        "wire_losses",
        "link_down_drops",
        "unroutable",
        "ttl_expired",
        "no_listener",
        "in_flight",
    ]
    .iter()
    .map(|k| u(p, k))
    .sum::<u64>();
    assert_eq!(u(p, "created"), accounted, "packet conservation: {p}");
    // The UDP flows overload the 1 Gbit/s bottleneck: drops happen there and only there.
    let queues = s["queues"].as_array().unwrap();
    let drops: Vec<_> = queues
        .iter()
        .filter(|q| u(q, "dropped_packets") > 0)
        .collect();
    assert_eq!(drops.len(), 1, "drops only at one queue: {drops:?}");
    assert_eq!(
        (drops[0]["node"].as_str(), drops[0]["peer"].as_str()),
        (Some("sl"), Some("sr"))
    );
    // Every device queue is listed, hosts' included: 4 hosts × 1 + sl (3) + sr (3).
    assert_eq!(queues.len(), 10);
}

/// Same scenario and seed: byte-identical summary.json (wall time aside) and pcaps.
#[test]
fn same_seed_same_bytes() {
    let file = dumbbell_udp();
    let args = lossy_udp_args(&file);
    assert_runs_identical(&args, &["pcap/r0-0.pcap", "pcap/r1-0.pcap"]);
}

/// A different seed changes a run that has random loss (and `--seed` overrides `seed`).
#[test]
fn another_seed_changes_a_lossy_run() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let file = dumbbell_udp();
    let args = lossy_udp_args(&file);
    let s1 = run_ok(a.path(), &args);
    let mut args2 = args.to_vec();
    args2.extend(["--seed", "2"]);
    let s2 = run_ok(b.path(), &args2);
    assert_eq!(s2["seed"], 2);
    let lost = |s: &serde_json::Value| u(&s["packets"], "wire_losses");
    assert!(lost(&s1) > 0 && lost(&s2) > 0);
    assert_ne!(lost(&s1), lost(&s2), "loss pattern follows the seed");
}

/// `netsim check` accepts every bundled example and writes nothing.
#[test]
fn check_accepts_the_examples() {
    for entry in std::fs::read_dir(root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let o = run(&["check", path.to_str().unwrap()]);
            assert!(
                o.status.success(),
                "{}: {}",
                path.display(),
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
}

/// The bottleneck's time series shows what the summary says: the link is fully busy while the
/// UDP flows overload it (utilisation 1 within rounding), never more, and its queue never holds
/// more than its 100-packet limit; drops only grow.
#[test]
fn link_time_series_agrees_with_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let s = run_ok(dir.path(), &[&dumbbell_udp(), "--set", "duration=1s"]);
    let csv = std::fs::read_to_string(dir.path().join("timeseries/link-sl-sr.csv")).unwrap();
    let mut last_drops = 0;
    let mut busy = 0;
    for row in csv.lines().skip(1).filter(|l| l.contains(",sl,sr,")) {
        let f: Vec<&str> = row.split(',').collect();
        let (t, queue, util, drops): (f64, u32, f64, u64) = (
            f[0].parse().unwrap(),
            f[3].parse().unwrap(),
            f[5].parse().unwrap(),
            f[7].parse().unwrap(),
        );
        assert!(queue <= 100, "queue {queue} at {t}");
        assert!(util <= 1.0 + 1e-9, "utilisation {util} at {t}");
        assert!(drops >= last_drops, "drops only grow");
        last_drops = drops;
        // From 0.5 s cbr0 (600) + cbr1 (300) + bursts exceed 1 Gbit/s of frames.
        if t > 0.55 && util > 0.99 {
            busy += 1;
        }
    }
    assert!(
        busy > 10,
        "the bottleneck is saturated while overloaded ({busy} samples)"
    );
    let q = s["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["node"] == "sl" && q["peer"] == "sr")
        .unwrap();
    assert_eq!(last_drops, u(q, "dropped_packets"), "last sample = summary");
}

/// Determinism with TCP, ECMP, time series and a VM migration: the bundled fat-tree default
/// twice with the same seed gives byte-identical summary.json (wall time aside), time series and
/// pcaps.
#[test]
fn default_fat_tree_is_deterministic() {
    let args = [
        "--set",
        "duration=1.5s",
        "--set",
        "topology.link.loss=0.001",
    ];
    let files = [
        "pcap/h0-0.pcap",
        "pcap/h8-0.pcap",
        "timeseries/tcp0.csv",
        "timeseries/service.csv",
        "timeseries/migration-vm1.csv",
        "timeseries/migration-vm1-tcp.csv",
    ];
    assert_runs_identical(&args, &files);
}

/// Determinism under OpenFlow: the bundled SDN example (random switch latencies, controller
/// processing times, ARP, dynamic routing) twice with the same seed gives byte-identical
/// summary.json, data-plane pcaps, control-channel pcap and flow-table dumps.
#[test]
fn sdn_fat_tree_is_deterministic() {
    let example = root().join("examples/sdn-fat-tree.toml");
    let args = [
        example.to_str().unwrap(),
        "--set",
        "duration=0.1s",
        "--dump-flows",
    ];
    let files = [
        "pcap/h0-0.pcap",
        "pcap/h4-0.pcap",
        "pcap/openflow.pcap",
        "timeseries/t0.csv",
        "dump-flows/a0.txt",
        "dump-flows/e0.txt",
    ];
    assert_runs_identical(&args, &files);
}

/// Lists the files under `dir`, relative and sorted.
fn files_under(dir: &std::path::Path) -> Vec<String> {
    fn walk(base: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// A rerun into the same directory leaves exactly its own files (an earlier run's pcaps and time
/// series are removed, the user's own files are kept, even beside netsim's in `plots/` and
/// `timeseries/`); a scenario that fails its checks leaves the directory as it was and creates
/// none.
#[test]
fn rerun_replaces_the_earlier_run_and_a_bad_scenario_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results");
    let file = dumbbell_udp();
    let short = ["--set", "duration=50ms"];
    run_ok(
        &out,
        &[&file, short[0], short[1], "--set", "trace.pcap=all"],
    );
    let first = files_under(&out);
    assert!(first.iter().any(|f| f.starts_with("pcap/")), "{first:?}");
    assert!(
        first.iter().any(|f| f.starts_with("timeseries/")),
        "{first:?}"
    );
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    std::fs::write(out.join("plots/mine.svg"), "<svg/>").unwrap();
    std::fs::write(out.join("timeseries/measured.csv"), "t,x\n").unwrap();

    let quiet = [
        short[0],
        short[1],
        "--set",
        "trace.pcap=none",
        "--set",
        "trace.timeseries=[]",
    ];
    let mut args = vec![file.as_str()];
    args.extend(quiet);
    run_ok(&out, &args);
    let second = files_under(&out);
    assert_eq!(
        second,
        [
            ".netsim-files",
            "flows.csv",
            "notes.txt",
            "plots/mine.svg",
            "summary.json",
            "timeseries/measured.csv"
        ],
        "{second:?}"
    );
    let manifest = std::fs::read_to_string(out.join(".netsim-files")).unwrap();
    assert_eq!(
        manifest, "flows.csv\nsummary.json\n",
        "what the second run wrote"
    );

    // A node name no topology has: the run stops before touching the directory.
    let bad = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("dst = \"r0\""));
    std::fs::write(&bad, text.replacen("dst = \"r0\"", "dst = \"r77\"", 1)).unwrap();
    let summary_before = std::fs::read(out.join("summary.json")).unwrap();
    let run_bad_into = |dir: &std::path::Path| {
        netsim()
            .args(["--quiet", "run", "--out"])
            .arg(dir)
            .arg(&bad)
            .output()
            .unwrap()
    };
    let o = run_bad_into(&out);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown node `r77`"));
    assert_eq!(files_under(&out), second);
    assert_eq!(
        std::fs::read(out.join("summary.json")).unwrap(),
        summary_before
    );
    let fresh = dir.path().join("never");
    assert_eq!(run_bad_into(&fresh).status.code(), Some(1));
    assert!(
        !fresh.exists(),
        "a failed check created {}",
        fresh.display()
    );
}

/// A bare bundled name runs from any directory; a file of that name in the working directory
/// wins over the bundled example.
#[test]
fn run_and_check_take_bundled_names() {
    let dir = tempfile::tempdir().unwrap();
    let o = netsim()
        .current_dir(dir.path())
        .args(["--quiet", "run", "dumbbell-udp", "--set", "duration=20ms"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        dir.path()
            .join("results/dumbbell-udp/summary.json")
            .exists()
    );
    std::fs::write(dir.path().join("dumbbell-udp"), "not = [toml").unwrap();
    let o = netsim()
        .current_dir(dir.path())
        .args(["check", "dumbbell-udp"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "the local file is read, and it is broken"
    );
}

/// A bare name that is neither a file nor a bundled example points at `NAME.toml` when that
/// file exists (a new user typed `netsim check mine` for `mine.toml`), else at the nearest
/// bundled example.
#[test]
fn a_bare_name_suggests_the_toml_file_or_an_example() {
    let dir = tempfile::tempdir().unwrap();
    let check = |name: &str| {
        let o = netsim()
            .current_dir(dir.path())
            .args(["check", name])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1));
        String::from_utf8_lossy(&o.stderr)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    std::fs::write(dir.path().join("mine.toml"), "name = \"mine\"\n").unwrap();
    let err = check("mine");
    assert!(err.contains("did you mean the file `mine.toml`?"), "{err}");
    let err = check("dumbell-udp");
    assert!(err.contains("did you mean `dumbbell-udp`?"), "{err}");
}

/// `netsim run EXAMPLE`'s console output and its summary.json.
fn console_and_summary(example: &str) -> (String, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let o = netsim()
        .args(["run", example, "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap());
    (String::from_utf8(o.stdout).unwrap(), summary.unwrap())
}

/// The console line of each flow says what its kind measures, with summary.json's figures: a
/// ping's RTTs as ping prints them (min/avg/max/mdev in ms), a DNS test's answered queries and
/// loss, request-response's answered requests (and those still awaiting an answer); goodput for
/// a bulk flow.
#[test]
fn console_lines_report_each_flow_kind_in_its_own_terms() {
    let (stdout, s) = console_and_summary("arora2013-testbed");
    let flow = |name: &str| {
        s["flows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap()
            .clone()
    };
    let line = |name: &str| {
        stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("a line for {name}: {stdout}"))
            .to_string()
    };
    let ms = |v: &serde_json::Value| format!("{:.3}", v.as_f64().unwrap() * 1e3);
    let ping = flow("ping");
    let unanswered = u(&ping, "packets_sent") - u(&ping, "packets_delivered");
    let waiting = match unanswered {
        0 => String::new(),
        n => format!(" ({n} still awaiting an answer at the end)"),
    };
    assert!(
        line("ping").ends_with(&format!(
            "{} of {} echoes answered{waiting}, rtt min/avg/max/mdev {}/{}/{}/{} ms",
            ping["packets_delivered"],
            ping["packets_sent"],
            ms(&ping["rtt_min_s"]),
            ms(&ping["rtt_avg_s"]),
            ms(&ping["rtt_max_s"]),
            ms(&ping["rtt_stddev_s"])
        )),
        "{}",
        line("ping")
    );
    let dns = flow("dns");
    assert!(
        line("dns").ends_with(&format!(
            "{} of {} queries answered, {} lost ({:.3} %), rtt p99 {} ms",
            dns["answered"],
            dns["queries"],
            dns["lost"],
            dns["loss_pct"].as_f64().unwrap(),
            ms(&dns["rtt_p99_s"])
        )),
        "{}",
        line("dns")
    );
    let bulk = flow("netperf");
    assert!(
        line("netperf").ends_with(&format!(
            "{} of {} packets delivered, goodput {:.1} Mbit/s",
            bulk["packets_delivered"],
            bulk["packets_sent"],
            bulk["goodput_bps"].as_f64().unwrap() / 1e6
        )),
        "{}",
        line("netperf")
    );
    assert!(!stdout.contains("goodput 0.0"), "{stdout}");
    // A request-response client whose server was lost to it (two-dc-none's VM keeps its
    // address in the other data centre) ends with its last request unanswered.
    let (stdout, s) = console_and_summary("two-dc-none");
    let rr = &s["flows"][0];
    let (requests, answers) = (
        rr["requests"].as_u64().unwrap(),
        rr["answers"].as_u64().unwrap(),
    );
    assert!(answers < requests, "{rr}");
    let want = format!(
        "{answers} of {requests} requests answered ({} still awaiting an answer at the end), \
         goodput {:.1} Mbit/s",
        requests - answers,
        rr["goodput_bps"].as_f64().unwrap() / 1e6
    );
    assert!(stdout.contains(&want), "{want}: {stdout}");
}

/// `netsim topo --help` names every topology kind the command accepts (the list its error for
/// an unknown kind gives), so the help cannot fall behind a new kind.
#[test]
fn topo_help_lists_every_kind() {
    let help = netsim().args(["topo", "--help"]).output().unwrap();
    // Both texts are wrapped at the terminal's width (miette also after a `-`): compare them
    // without whitespace or gutters.
    let squeeze = |t: &[u8]| -> String {
        String::from_utf8_lossy(t)
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '│')
            .collect()
    };
    let help = squeeze(&help.stdout);
    let err = netsim().args(["topo", "no-such-kind"]).output().unwrap();
    assert_eq!(err.status.code(), Some(1));
    let err = squeeze(&err.stderr);
    let listed = err
        .split("`kind`takes")
        .nth(1)
        .expect("the error lists the kinds");
    let kinds: Vec<&str> = listed.split('`').skip(1).step_by(2).collect();
    assert!(kinds.len() >= 10, "{kinds:?} from {err}");
    for kind in kinds {
        assert!(help.contains(kind), "topo --help lacks `{kind}`: {help}");
    }
}

/// A whole-network migration gets a console line of its own, with summary.json's figures: the
/// phases' times, the host positions moved, the FLOW_MODs, the tunnel's packets and what
/// finalize lost.
#[test]
fn console_line_of_a_network_migration() {
    let (stdout, s) = console_and_summary("arora2013-asap");
    let n = &s["network_migration"];
    let want = format!(
        "network migration (ASAP): prepare {:.3} s, 2 of 2 host positions moved, finalize {:.3} s, \
         {} FLOW_MODs, {} tunnel packets, {} packets lost in finalize",
        n["prepare_s"].as_f64().unwrap(),
        n["finalize_s"].as_f64().unwrap(),
        n["flow_mods"],
        n["tunnel_packets"],
        n["finalize_lost_packets"]
    );
    assert!(
        stdout.lines().any(|l| l.trim() == want),
        "wanted {want:?} in:\n{stdout}"
    );
}
