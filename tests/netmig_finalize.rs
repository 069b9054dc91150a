//! Issue 16, the finalize phase: "for ASAP copy the old switches' state to the new ones, each
//! FLOW_MOD paying the switch's write latency and the channel latency". The run is built
//! through the library so that each flow entry's install time can be read to the picosecond
//! (`--dump-flows` prints milliseconds), and the OpenFlow channel's capture gives the order of
//! the messages finalize sent to each switch.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use netsim::build::build;
use netsim::examples::Example;
use netsim::scenario::load_str;
use openflow::plane::OpenFlowPlane;
use sim_core::SimTime;

/// Seed 000's `Write_Flow_Entry` (switch_timing = "seed000"): uniform 4–16.5 µs per FLOW_MOD.
const WRITE_MIN_PS: u64 = 4_000_000;
const WRITE_MAX_PS: u64 = 16_500_000;
/// The example's channel latency.
const CHANNEL_PS: u64 = 50_000_000;
/// MIGRATE_SWITCHES, half-way between two flips of the path-flip app (at 19 s and 20 s), so
/// no app FLOW_MOD is queued at a switch when finalize's arrive.
const FINALIZE: &str = "19.5s";

/// The FLOW_MODs the controller sent at `at` (ps), by switch dpid, in sending order: their
/// command (0 = ADD, 3/4 = DELETE). From tshark's reading of the channel's capture
/// (switch dpid d is 192.168.0.(d + 1)).
fn finalize_flow_mods(pcap: &Path, at: u64) -> BTreeMap<u64, Vec<u8>> {
    let text = tshark(&[
        "-r",
        pcap.to_str().unwrap(),
        "-Y",
        "openflow_v4.type == 14 && ip.src == 192.168.0.1",
        "-T",
        "fields",
        "-e",
        "frame.time_epoch",
        "-e",
        "ip.dst",
        "-e",
        "openflow_v4.flowmod.command",
    ]);
    let mut out: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
    for l in text.lines() {
        let f: Vec<&str> = l.split('\t').collect();
        let (secs, frac) = f[0].split_once('.').unwrap();
        let ps = secs.parse::<u64>().unwrap() * 1_000_000_000_000
            + format!("{frac:0<9}")[..9].parse::<u64>().unwrap() * 1000;
        if ps != at {
            continue;
        }
        let host: u64 = f[1].rsplit('.').next().unwrap().parse().unwrap();
        // A segment may carry several messages: one command each, comma-separated.
        for c in f[2].split(',') {
            out.entry(host - 1).or_default().push(c.parse().unwrap());
        }
    }
    out
}

/// Issue 16, the three phases: at finalize each FLOW_MOD pays the channel latency and its
/// switch's write latency, the writes of one switch one after another. On `arora2013-asap`
/// with seed 000's switch timing (FLOW_MOD writes uniform 4–16.5 µs), finalize at 19.5 s: the
/// j-th FLOW_MOD sent to a new switch takes effect within [F + c + 4j µs, F + c + 16.5j µs];
/// consecutive copied rules of one switch are apart by 4–16.5 µs per message between them;
/// `finalize_applied` is the last of them. With `switch_timing = "zero"` every copy is
/// written at F + c exactly — the difference is the write latency, nothing else.
#[test]
fn finalize_flow_mods_pay_channel_and_serialised_write_latency() {
    let e = Example::named("arora2013-asap").expect("bundled");
    for timing in ["seed000", "zero"] {
        let sets = vec![
            format!("controller.switch_timing={timing}"),
            format!("network_migration.finalize={FINALIZE}"),
            "duration=19.6s".to_string(),
        ];
        let (sc, src) = load_str("arora2013-asap", e.text, &sets).expect("valid");
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pcap")).unwrap();
        let mut built = build(&sc, &src, dir.path()).expect("builds");
        built.sim.run_until(sc.duration);
        let net = &mut built.sim.model;
        let plane = net
            .plane_mut()
            .and_then(|p| p.as_any_mut().downcast_mut::<OpenFlowPlane>())
            .expect("OpenFlow");
        plane.finish_capture().unwrap();
        let f = SimTime::from_ms(19_500).as_ps();
        let sent = finalize_flow_mods(&dir.path().join("pcap/openflow.pcap"), f);
        let names: BTreeMap<u64, &str> = (plane.switches().iter().enumerate())
            .map(|(i, s)| (i as u64 + 1, s.name.as_str()))
            .collect();
        let mut copied = 0;
        let mut last = 0;
        for (&dpid, cmds) in &sent {
            let s = &plane.switches()[dpid as usize - 1];
            let mut added: Vec<u64> = (s.switch.tables().iter())
                .flat_map(|t| t.iter())
                .map(|e| e.installed.as_ps())
                .filter(|&t| t >= f)
                .collect();
            added.sort_unstable();
            // The j-th message (from 1) of this switch that is an ADD, in order.
            let adds: Vec<u64> = (cmds.iter().enumerate())
                .filter(|(_, c)| **c == 0)
                .map(|(j, _)| j as u64 + 1)
                .collect();
            let name = names[&dpid];
            assert_eq!(
                added.len(),
                adds.len(),
                "{timing} {name}: one entry per ADD of finalize ({cmds:?})"
            );
            if name.starts_with('n') {
                copied += adds.len();
            }
            for (k, (&t, &j)) in added.iter().zip(&adds).enumerate() {
                let after = t - f - CHANNEL_PS;
                let (lo, hi) = if timing == "zero" {
                    (0, 0)
                } else {
                    (j * WRITE_MIN_PS, j * WRITE_MAX_PS)
                };
                assert!(
                    (lo..=hi).contains(&after),
                    "{timing} {name}: message {j} written {after} ps after F + c, want {lo}..={hi}"
                );
                if k > 0 && timing != "zero" {
                    let (gap, between) = (t - added[k - 1], j - adds[k - 1]);
                    assert!(
                        (between * WRITE_MIN_PS..=between * WRITE_MAX_PS).contains(&gap),
                        "{timing} {name}: {gap} ps between messages {} and {j}",
                        adds[k - 1]
                    );
                }
            }
            if timing != "zero" {
                // Every message of this switch, ADD or DELETE, was written by this time.
                let n = cmds.len() as u64;
                last = last.max(f + CHANNEL_PS + n * WRITE_MIN_PS);
            }
        }
        assert!(
            copied > 0,
            "{timing}: ASAP copied rules to the new switches"
        );
        let applied = plane
            .network_migration()
            .and_then(|d| d.finalize.as_ref())
            .and_then(|p| p.applied_at)
            .expect("finalize applied")
            .as_ps();
        let most = sent.values().map(Vec::len).max().unwrap() as u64;
        let (lo, hi) = if timing == "zero" {
            (f + CHANNEL_PS, f + CHANNEL_PS)
        } else {
            (last, f + CHANNEL_PS + most * WRITE_MAX_PS)
        };
        assert!(
            (lo..=hi).contains(&applied),
            "{timing}: finalize applied at {applied} ps, want {lo}..={hi}"
        );
        eprintln!(
            "{timing}: {} switches, {copied} rules copied, last FLOW_MOD applied {} ps after F",
            sent.len(),
            applied - f
        );
    }
}
