//! The sample topology file (`examples/topologies/two-racks.toml`) and the bundled scenario that
//! runs it (`examples/two-racks.toml`, `kind = "file"`), as docs/scenario.md describes them.

mod common;

use common::*;
use topologies::{LinkConfig, Role, Tier};

/// The sample loads with what docs/scenario.md and its own comments promise: nodes in file
/// order, automatic host addresses 10.0.0.1 and 10.0.0.2 beside the explicit ones, tiers, ports
/// numbered in the order of the node's links in the file (tor1: h1, h2, spine1, spine2), the
/// scenario's link parameters on host links and the per-link overrides on the uplinks.
#[test]
fn sample_topology_file_loads_as_documented() {
    let path = root().join("examples/topologies/two-racks.toml");
    let t = topologies::from_file(&path, &LinkConfig::default()).expect("the sample loads");
    let names: Vec<&str> = t.graph().node_weights().map(|n| n.name.as_str()).collect();
    assert_eq!(
        names,
        ["h1", "h2", "h3", "h4", "tor1", "tor2", "spine1", "spine2"],
        "file order"
    );
    let node = |n: &str| t.node(n).unwrap_or_else(|| panic!("node {n}"));
    let ip = |n: &str| t.ip(node(n)).map(|a| a.to_string());
    assert_eq!(ip("h1").as_deref(), Some("10.0.0.1"), "automatic address");
    assert_eq!(
        ip("h2").as_deref(),
        Some("10.0.0.2"),
        "next automatic address"
    );
    assert_eq!(ip("h3").as_deref(), Some("10.0.2.1"), "explicit address");
    assert_eq!(ip("tor1"), None, "a switch without `ip` has none");
    assert_eq!(
        t.spec(node("spine1")).role,
        Role::Switch { tier: Tier::Spine },
        "tier"
    );
    let peers: Vec<&str> = t
        .ports(node("tor1"))
        .into_iter()
        .map(|(_, peer)| t.name(peer))
        .collect();
    assert_eq!(peers, ["h1", "h2", "spine1", "spine2"], "tor1's ports 0–3");
    let specs: Vec<(String, LinkConfig)> = t
        .links_in_build_order()
        .map(|l| (t.link_name(l.id), *l.spec))
        .collect();
    assert_eq!(specs.len(), 8, "eight links");
    assert_eq!(specs[0].0, "h1-tor1", "first link as written");
    assert_eq!(
        specs[0].1,
        LinkConfig::default(),
        "host links take the defaults"
    );
    assert_eq!(specs[4].0, "tor1-spine1", "first uplink");
    assert_eq!(
        specs[4].1,
        LinkConfig {
            rate: "10Gbps".parse().unwrap(),
            delay: "5us".parse().unwrap(),
            queue: "200p".parse().unwrap(),
            loss: 0.0,
            aqm: Default::default(),
        },
        "uplinks take their overrides"
    );
}

/// The bundled scenario runs on the sample, by path and by its bundled name from another
/// directory, with the same results: every flow delivers, the ping crosses the spines (its
/// shortest round trip is at least the four 5 µs uplink hops there and back), tor1's port 2
/// faces spine1 as the file orders it, and the link time series named `link:tor1-spine1` is
/// written.
#[test]
fn two_racks_example_runs_by_path_and_by_name() {
    let by_path = tempfile::tempdir().unwrap();
    let s = run_ok(
        by_path.path(),
        &[
            root().join("examples/two-racks.toml").to_str().unwrap(),
            "--set",
            "duration=0.2s",
        ],
    );
    for name in ["bulk", "stream", "rtt"] {
        let f = flow(&s, name);
        assert!(
            f["packets_delivered"].as_u64().unwrap() > 0,
            "{name} delivers: {f}"
        );
    }
    let rtt = flow(&s, "rtt")["rtt_min_s"].as_f64().expect("ping rtt");
    assert!(rtt >= 20e-6, "across the spines: rtt {rtt}");
    let port2 = s["queues"]
        .as_array()
        .expect("queues")
        .iter()
        .find(|q| q["node"] == "tor1" && q["port"] == 2)
        .expect("tor1 port 2");
    assert_eq!(port2["peer"], "spine1", "port order follows the file");
    assert!(
        by_path
            .path()
            .join("timeseries/link-tor1-spine1.csv")
            .is_file(),
        "link time series"
    );

    let elsewhere = tempfile::tempdir().unwrap();
    let by_name = tempfile::tempdir().unwrap();
    let o = netsim()
        .current_dir(elsewhere.path())
        .args([
            "--quiet",
            "run",
            "two-racks",
            "--set",
            "duration=0.2s",
            "--out",
        ])
        .arg(by_name.path())
        .output()
        .expect("netsim runs");
    assert!(
        o.status.success(),
        "bundled two-racks from another directory: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        summary_without_wall_time(by_name.path()),
        summary_without_wall_time(by_path.path()),
        "the bundled copy runs the same scenario on the same topology"
    );
}
