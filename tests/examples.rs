//! Every bundled scenario runs (a short variant), and tshark reads every pcap it writes with no
//! malformed packet; `netsim examples` and `netsim topo` answer.

mod common;

use common::*;

#[test]
fn every_example_runs_short_and_its_pcaps_pass_tshark() {
    let dir = root().join("examples");
    let mut ran = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let out = tempfile::tempdir().unwrap();
        // The large performance scenarios get a token duration: CI checks that they run.
        let large = ["perf-fat-tree", "perf-websearch"]
            .iter()
            .any(|p| path.to_str().unwrap().contains(p));
        let (duration, secs) = if large {
            ("duration=1ms", 0.001)
        } else {
            ("duration=0.2s", 0.2)
        };
        let s = run_ok(out.path(), &[path.to_str().unwrap(), "--set", duration]);
        assert_eq!(s["sim_time_s"], secs, "{}", path.display());
        let text = std::fs::read_to_string(&path).unwrap();
        // Link taps (`pcap = …` other than "none") and the OpenFlow channel
        // (`openflow_pcap = true`, pcap/openflow.pcap) both write into pcap/.
        let taps = text.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("pcap =") && !l.starts_with("pcap = \"none\"")
        });
        let traced = taps || text.contains("openflow_pcap = true");
        let pcaps = out.path().join("pcap");
        assert_eq!(
            pcaps.exists(),
            traced,
            "{}: pcap directory iff traced",
            path.display()
        );
        for f in std::fs::read_dir(&pcaps).into_iter().flatten() {
            let f = f.unwrap().path();
            let bad = tshark(&[
                "-r",
                f.to_str().unwrap(),
                "-o",
                "ip.check_checksum:TRUE",
                "-o",
                "tcp.check_checksum:TRUE",
                "-o",
                "udp.check_checksum:TRUE",
                "-Y",
                "_ws.malformed || _ws.expert.severity >= 0x800000 || ip.checksum.status == 0 \
                 || tcp.checksum.status == 0 || udp.checksum.status == 0 \
                 || icmp.checksum.status == 0",
            ]);
            assert_eq!(
                bad.lines().count(),
                0,
                "{}: tshark flags packets:\n{bad}",
                f.display()
            );
        }
        ran += 1;
    }
    assert!(ran >= 7, "examples found: {ran}");
}

#[test]
fn examples_command_lists_every_example() {
    let o = run(&["examples"]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    for name in ["default", "dumbbell-udp", "tcp-dumbbell"] {
        assert!(
            text.lines().any(|l| l.starts_with(name)),
            "{name} listed:\n{text}"
        );
    }
}

/// `netsim topo` renders a k = 4 fat-tree as JSON with the documented counts and addresses.
#[test]
fn topo_command_renders_a_fat_tree() {
    let o = run(&["topo", "fat-tree", "--k", "4", "--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let nodes = v["nodes"].as_array().unwrap();
    let hosts = nodes.iter().filter(|n| n["role"] == "host").count();
    assert_eq!((nodes.len(), hosts), (36, 16));
    assert_eq!(v["links"].as_array().unwrap().len(), 48);
    let h15 = nodes.iter().find(|n| n["name"] == "h15").unwrap();
    assert_eq!(h15["ip"], "10.3.1.3");
    let bad = run(&["topo", "fat-tree", "--k", "5"]);
    assert_eq!(bad.status.code(), Some(1));
}
