//! The migration shim when a whole switch fails (issue 16, §2.2: "a failure in either
//! network is reported as a failure of the virtual switch or port"): the failure of an old
//! copy, of a new copy and of both, message by message, beside the same failure on the old
//! network alone.

use sim_core::SimTime;

use super::Algorithm;
use super::bench::Bench;
use crate::controller::{AppConfig, AppKind};

/// The PORT_STATUS and switch-leave events the app was handed since event `mark` of its log,
/// as (kind, dpid, port, down) with the time left out.
fn events(b: &Bench, mark: usize) -> Vec<String> {
    b.log.borrow()[mark..]
        .iter()
        .filter_map(|l| {
            let rest = &l[l.find(' ')? + 1..];
            if rest.starts_with("leave ") {
                return Some(rest.to_string());
            }
            let rest = rest.strip_prefix("port_status ")?;
            let dpid = &rest[..rest.find(' ')?];
            let port = &rest[rest.find("port_no: ")? + 9..];
            let port = &port[..port.find(',')?];
            let down = rest.contains("state: 1,") || rest.contains("state: 3,");
            Some(format!(
                "port {dpid}/{port} {}",
                if down { "down" } else { "up" }
            ))
        })
        .collect()
}

fn fail(b: &mut Bench, dpid: u64) -> Vec<String> {
    let mark = b.log.borrow().len();
    b.fail(dpid);
    events(b, mark)
}

fn restore(b: &mut Bench, dpid: u64) -> Vec<String> {
    let mark = b.log.borrow().len();
    b.restore(dpid);
    events(b, mark)
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn benches(alg: Algorithm) -> (Bench, Bench) {
    let mut twin = Bench::twin(AppKind::ShortestPath, AppConfig::default(), alg);
    let mut plain = Bench::plain(AppKind::ShortestPath, AppConfig::default());
    twin.advance(SimTime::from_secs(1));
    plain.advance(SimTime::from_secs(1));
    (twin, plain)
}

/// Without the shim, switch 1 failing is the switch leaving, then its neighbours' ports
/// (2/1 and 3/1) going down. Before PREPARE_MIGRATION only the old copy serves: its failure
/// reaches the app exactly so through the shim.
#[test]
fn old_copy_failure_before_prepare_is_the_switch_leaving() {
    for alg in [Algorithm::Asap, Algorithm::Alap] {
        let (mut twin, mut plain) = benches(alg);
        let seen = fail(&mut plain, 1);
        assert_eq!(
            seen,
            strings(&["leave 1", "port 2/1 down", "port 3/1 down"]),
            "plain"
        );
        assert_eq!(fail(&mut twin, 1), seen, "{alg:?}: old copy, idle");
        // The unused new copy failing then tells the app nothing new (its neighbours'
        // ports are the same virtual ports, already down).
        assert_eq!(fail(&mut twin, 5), strings(&[]), "{alg:?}");
    }
}

/// While prepared both copies serve. The old copy failing, or the new copy failing, gives
/// the app the same messages: each virtual port of switch 1 goes down (1/1, 1/2, 1/3; the
/// tunnel port 1/4 is the shim's), then the neighbours' ports — but the switch stays. When
/// the other copy fails too, the virtual switch leaves, with nothing else.
#[test]
fn one_copy_failing_while_prepared_is_the_virtual_ports_failing() {
    let ports_down = strings(&[
        "port 1/1 down",
        "port 1/2 down",
        "port 1/3 down",
        "port 2/1 down",
        "port 3/1 down",
    ]);
    for alg in [Algorithm::Asap, Algorithm::Alap] {
        for (first, second) in [(1, 5), (5, 1)] {
            let (mut twin, _) = benches(alg);
            twin.command(|s, ctx| s.prepare(ctx).expect("in order"));
            assert_eq!(
                fail(&mut twin, first),
                ports_down,
                "{alg:?}: copy {first} fails"
            );
            assert_eq!(
                fail(&mut twin, second),
                strings(&["leave 1"]),
                "{alg:?}: then copy {second}: no copy serves"
            );
        }
    }
}

/// A failed copy coming back: its ports come back up once every copy of them is up
/// (reported from the returning copy's PORT_DESC and the neighbours' PORT_STATUS); a copy
/// that brings back a virtual switch that left makes the app see it join (FEATURES_REPLY
/// in the virtual dpid) with empty tables, which the app fills as for a new switch.
#[test]
fn a_returning_copy_brings_back_its_ports_and_the_switch() {
    let (mut twin, _) = benches(Algorithm::Alap);
    twin.command(|s, ctx| s.prepare(ctx).expect("in order"));
    fail(&mut twin, 5);
    let back = restore(&mut twin, 5);
    for p in ["1/1", "1/2", "1/3", "2/1", "3/1"] {
        assert!(
            back.contains(&format!("port {p} up")),
            "{p} back up: {back:?}"
        );
    }
    assert!(!back.iter().any(|e| e.contains("down")), "{back:?}");

    fail(&mut twin, 1);
    fail(&mut twin, 5);
    let mark = twin.log.borrow().len();
    twin.restore(1);
    let log = twin.log.borrow()[mark..].to_vec();
    assert!(
        log.iter().any(|l| l.contains(" features 1 ")),
        "the virtual switch joins again: {log:?}"
    );
    // The app's table-miss entry is back on the restarted old copy (it was empty).
    assert!(
        twin.entries(1).iter().any(|e| e.priority == 0),
        "table-miss reinstalled: {:?}",
        twin.entries(1)
    );
}

/// After finalize only the new copy serves: the old copy failing costs the app its ports
/// (the old network carries nothing any more but is still the virtual port's other copy),
/// the new copy failing then makes the switch leave.
#[test]
fn after_finalize_the_new_copy_is_the_switch() {
    let (mut twin, _) = benches(Algorithm::Asap);
    twin.command(|s, ctx| s.prepare(ctx).expect("in order"));
    for h in 0..2 {
        twin.command(|s, ctx| s.host_moved(ctx, h).expect("in order"));
    }
    twin.command(|s, ctx| s.finalize(ctx).expect("in order"));
    let first = fail(&mut twin, 1);
    assert!(!first.contains(&"leave 1".to_string()), "{first:?}");
    assert!(first.contains(&"port 1/2 down".to_string()), "{first:?}");
    assert_eq!(fail(&mut twin, 5), strings(&["leave 1"]));
}
