//! Issue 8: "the optimisations change no result". Short variants of the four anchor scenarios
//! (`examples/perf-*.toml`) are pinned by a snapshot of what they did — events, link
//! transmissions, every packet's fate, TCP bytes delivered and retransmissions — so that an
//! optimisation that changes the simulation, not just its speed, fails here. Beside the snapshot,
//! each run must account for every packet it created.

mod common;

use common::{par_map_bounded, run_example};
use serde_json::Value;

/// (anchor, short duration): each a second or less of event loop.
const SHORT: [(&str, &str); 4] = [
    ("perf-dumbbell", "200ms"),
    ("perf-fat-tree-4", "50ms"),
    ("perf-fat-tree-8", "1ms"),
    ("perf-fat-tree-16", "200us"),
];

fn u(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("`{key}` is not an integer in {v}"))
}

/// One table row, after checking that every created packet is accounted for.
fn row(name: &str, duration: &str, s: &Value) -> String {
    let p = &s["packets"];
    let fates = p.as_object().expect("packets is an object");
    let created = u(p, "created");
    let accounted: u64 = fates
        .iter()
        .filter(|(k, _)| k.as_str() != "created")
        .map(|(k, v)| v.as_u64().unwrap_or_else(|| panic!("`{k}` is not a count")))
        .sum();
    assert_eq!(
        created, accounted,
        "{name}: packets created must equal delivered + dropped + in flight: {p}"
    );
    let link_tx: u64 = s["queues"]
        .as_array()
        .expect("queues")
        .iter()
        .map(|q| u(q, "tx_packets"))
        .sum();
    let flows = s["flows"].as_array().expect("flows");
    let tcp: Vec<&Value> = flows.iter().filter(|f| f["kind"] == "tcp-bulk").collect();
    // Every connection got through (a flow whose first segment was lost may not have delivered
    // in-order data yet in so short a run, but its handshake and segments arrived).
    assert!(
        tcp.iter().all(|f| u(f, "packets_delivered") > 0),
        "{name}: every TCP flow's packets reach the other end within {duration}"
    );
    let tcp_bytes: u64 = tcp.iter().map(|f| u(f, "bytes_delivered")).sum();
    let retx: u64 = tcp.iter().map(|f| u(f, "retransmissions")).sum();
    format!(
        "{name} {duration}: events {} link_tx {link_tx} created {created} delivered {} \
         queue_drops {} in_flight {} tcp_flows {} tcp_bytes {tcp_bytes} retransmissions {retx}",
        u(s, "events"),
        u(p, "delivered"),
        u(p, "queue_drops"),
        u(p, "in_flight"),
        tcp.len(),
    )
}

#[test]
fn anchors_short_variants_are_pinned() {
    let rows = par_map_bounded(&SHORT, |&(name, duration)| {
        let set = format!("duration={duration}");
        run_example(name, &["--set", &set], |_, s| row(name, duration, s))
    });
    // Work in every run: queues overflowed somewhere (these are the loss-prone anchors).
    for r in &rows {
        assert!(!r.contains("queue_drops 0 "), "no drop at all: {r}");
    }
    insta::assert_snapshot!(rows.join("\n"));
}
