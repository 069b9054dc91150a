//! The migration shim when a copy of a virtual switch restarts (issue 16, §2.2): the shim
//! puts back what its state says the copy holds (app rule copies with their remaining hard
//! timeouts, tunnel entries), the apps see nothing of it, and a virtual switch that left and
//! came back is filled by the apps alone; an app's barrier is answered without a failed copy.

use sim_core::SimTime;

use super::bench::Bench;
use super::{Algorithm, TUNNEL_COOKIE};
use crate::controller::{AppConfig, AppKind};
use crate::wire::{FlowMod, Instruction, Match, MessageBody};

/// Switch `dpid`'s entries as (priority, cookie, match, instructions), sorted: what the
/// shim restores (counters and ages aside).
fn table(b: &Bench, dpid: u64) -> Vec<String> {
    let mut v: Vec<String> = (b.entries(dpid).iter())
        .map(|e| {
            format!(
                "{} {:#x} {:?} {:?}",
                e.priority, e.cookie, e.match_, e.instructions
            )
        })
        .collect();
    v.sort();
    v
}

/// The events the app was handed since `mark` that would show a switch leaving or joining.
fn joins_and_leaves(b: &Bench, mark: usize) -> Vec<String> {
    b.log.borrow()[mark..]
        .iter()
        .filter(|l| l.contains(" features ") || l.contains(" port_desc ") || l.contains(" leave "))
        .cloned()
        .collect()
}

/// The twin bench with `app` under `alg`, prepared, host A (position 0) moved to the new
/// network, and traffic both ways so that the app's entries (and their copies) are in place.
fn migrating(app: AppKind, alg: Algorithm) -> Bench {
    let mut b = Bench::twin(app, AppConfig::default(), alg);
    b.advance(SimTime::from_secs(1));
    b.command(|s, ctx| s.prepare(ctx).expect("in order"));
    b.command(|s, ctx| s.host_moved(ctx, 0).expect("in order"));
    b.move_host(0, (5, 1));
    let (ab, ba) = (b.udp(0, 1), b.udp(1, 0));
    assert!(
        b.got(1, ab) && b.got(0, ba),
        "{alg:?}: traffic before any failure"
    );
    b
}

/// Issue 16 gap 1: while prepared, a copy that fails and restarts while the other copy kept
/// its virtual switch serving comes back empty (OpenFlow 1.3 §6.3); the apps saw no leave
/// and no join, so the shim puts back everything its state says the copy holds. The app is
/// the test bed's path-flip, whose entries are proactive (installed once per host pair,
/// then only flipped with MODIFY_STRICT, which adds nothing to an empty table) and which
/// ignores port changes, so nothing but the shim could refill the copy: Tunnel
/// ALAP's mirrors of the app's entries, Tunnel ASAP's primaries and twins, the tunnel
/// entries (decapsulation, ASAP's first-hop jump). The restarted table equals the one before
/// the failure, entry for entry; the app is handed no FEATURES_REPLY, PORT_DESC or leave;
/// traffic between a moved host and one that stayed flows again both ways.
#[test]
fn a_restarted_copy_gets_back_what_the_shim_put_there() {
    for alg in [Algorithm::Alap, Algorithm::Asap] {
        // The copies of switch 1 and 4 (A's old and new edge switches and B's), and the
        // tunnel switch.
        for dpid in [5, 1, 8, 4, 9] {
            let mut b = migrating(AppKind::PathFlip, alg);
            let before = table(&b, dpid);
            assert!(!before.is_empty(), "{alg:?}: switch {dpid} holds entries");
            let app_rules = before
                .iter()
                .filter(|e| !e.contains(&format!("{TUNNEL_COOKIE:#x}")))
                .count() as u64;
            let (rules0, tunnels0) = {
                let st = b.shim().stats();
                (st.rules_restored, st.tunnel_rules_restored)
            };
            let mark = b.log.borrow().len();
            b.fail(dpid);
            b.restore(dpid);
            assert_eq!(
                table(&b, dpid),
                before,
                "{alg:?}: switch {dpid} after restart"
            );
            assert_eq!(
                joins_and_leaves(&b, mark),
                [] as [String; 0],
                "{alg:?}: the app saw switch {dpid}'s restart"
            );
            let st = b.shim().stats();
            let tunnel_rules = before.len() as u64 - app_rules;
            // The tunnel switch's entries are all the shim's; the app's rules at the copy
            // are restored once each (the app re-installed nothing).
            assert_eq!(st.rules_restored - rules0, app_rules, "{alg:?} {dpid}");
            assert_eq!(
                st.tunnel_rules_restored - tunnels0,
                tunnel_rules,
                "{alg:?} {dpid}"
            );
            let (ab, ba) = (b.udp(0, 1), b.udp(1, 0));
            assert!(
                b.got(1, ab) && b.got(0, ba),
                "{alg:?}: traffic after switch {dpid} restarted"
            );
        }
    }
}

/// A copy restored later carries the remaining hard timeout (the shim's timer rule: a
/// 10 s entry is gone at 10 s ± 0.5 s, not 10 s after the restart): the app installs a 10 s
/// entry at 1 s, Tunnel ALAP mirrors it at 2 s, the new copy fails at 3 s and is back at
/// 5 s with 6 s left; both copies are gone by 11.5 s, and the app gets one FLOW_REMOVED.
#[test]
fn a_restored_copy_keeps_the_remaining_hard_timeout() {
    let mut b = Bench::twin(AppKind::ShortestPath, AppConfig::default(), Algorithm::Alap);
    b.advance(SimTime::from_secs(1));
    let m = Match {
        eth_type: Some(0x0806),
        ..Match::default()
    };
    let mut fm = FlowMod::add(7, m.clone(), vec![Instruction::apply(Vec::new())]);
    fm.hard_timeout = 10;
    fm.flags = crate::wire::FlowModFlags::SEND_FLOW_REM;
    let now = b.now;
    b.ctl.handle_command(now, |_, ctx| ctx.flow_mod(1, fm));
    b.pump();
    b.advance(SimTime::from_secs(2));
    b.command(|s, ctx| s.prepare(ctx).expect("in order"));
    let ours = |b: &Bench, dpid| {
        (b.entries(dpid).iter())
            .find(|e| e.priority == 7 && e.match_ == m)
            .map(|e| e.hard_timeout)
    };
    assert_eq!(ours(&b, 5), Some(9), "mirrored at 2 s with 9 s left");
    b.advance(SimTime::from_secs(3));
    b.fail(5);
    b.advance(SimTime::from_secs(5));
    b.restore(5);
    assert_eq!(ours(&b, 5), Some(6), "restored at 5 s with 6 s left");
    assert_eq!(ours(&b, 1), Some(10), "the old copy untouched");
    b.advance(SimTime::from_ms(10_400));
    assert!(
        ours(&b, 1).is_some() && ours(&b, 5).is_some(),
        "alive at 10.4 s"
    );
    b.advance(SimTime::from_ms(11_500));
    assert_eq!((ours(&b, 1), ours(&b, 5)), (None, None), "gone by 11.5 s");
    let removed: Vec<String> = (b.log.borrow().iter())
        .filter(|l| l.contains(" flow_removed 1 ") && l.contains("priority: 7,"))
        .cloned()
        .collect();
    assert_eq!(removed.len(), 1, "one FLOW_REMOVED: {removed:?}");
    assert!(removed[0].contains("duration_sec: 10,"), "{removed:?}");
}

/// The other side of gap 1: when no copy serves a virtual switch any more it leaves, and
/// the apps' entries on it go with it; when a serving copy brings it back the app sees a
/// new switch and installs as on one, and the shim adds none of the app's entries (no
/// double install): after Tunnel ASAP's finalize the new copy is the switch; it fails (the
/// switch leaves) and restarts (the switch joins) with exactly the app's entries of a new
/// switch, each installed once.
#[test]
fn a_virtual_switch_that_left_is_filled_by_the_apps_alone() {
    let mut b = migrating(AppKind::ShortestPath, Algorithm::Asap);
    b.command(|s, ctx| s.host_moved(ctx, 1).expect("in order"));
    b.move_host(1, (8, 1));
    b.command(|s, ctx| s.finalize(ctx).expect("in order"));
    let restored = b.shim().stats().rules_restored;
    let mark = b.log.borrow().len();
    b.fail(5);
    let mods = b.switches_failed_flow_mods(5);
    b.restore(5);
    let seen = joins_and_leaves(&b, mark);
    assert!(seen[0].contains(" leave 1"), "{seen:?}");
    assert!(seen[1].contains(" features 1 "), "{seen:?}");
    assert_eq!(
        b.shim().stats().rules_restored,
        restored,
        "the shim restored none"
    );
    // Switch 5 took one FLOW_MOD per entry it holds since the restart: each of the app's
    // entries of a new switch, installed once.
    let entries = b.entries(5).len() as u64;
    assert!(entries > 0, "the table-miss entry at least");
    assert_eq!(b.switches[&5].counters().flow_mods - mods, entries);
    let (ab, ba) = (b.udp(0, 1), b.udp(1, 0));
    assert!(b.got(1, ab) && b.got(0, ba), "traffic after the rejoin");
}

/// Sends an app BARRIER_REQUEST to virtual switch 1 and hands it to the switches that are
/// up, without letting them answer; returns the switches it reached.
fn barrier(b: &mut Bench) -> Vec<u64> {
    let now = b.now;
    b.ctl
        .handle_command(now, |_, ctx| ctx.send(1, MessageBody::BarrierRequest));
    let mut to = Vec::new();
    while let Some((dpid, m)) = b.ctl.poll_message() {
        if let Some(s) = b.switches.get_mut(&dpid) {
            to.push(dpid);
            s.handle_message(now, m);
        }
    }
    to
}

/// Lets switch `dpid` answer what it was sent.
fn answer(b: &mut Bench, dpid: u64) {
    let now = b.now;
    while let Some(m) = b.switches.get_mut(&dpid).expect("up").poll_message() {
        b.ctl.handle_message(now, dpid, m);
    }
}

fn replies(b: &Bench) -> usize {
    (b.log.borrow().iter())
        .filter(|l| l.contains("message 1 BarrierReply"))
        .count()
}

/// Issue 16 gap 2: a copy that fails owes no BARRIER_REPLY. While prepared, the app's
/// barrier reaches both copies; when one answers and the other fails before it does, the
/// app gets its one reply at the failure; when one copy fails first, the reply comes with
/// the other's answer; a barrier sent while a copy is down waits for the other copy only;
/// when the virtual switch leaves, its barrier is dropped (the app saw it leave), and after
/// it rejoins a barrier is answered as before.
#[test]
fn a_failed_copy_owes_no_barrier_reply() {
    for alg in [Algorithm::Asap, Algorithm::Alap] {
        for (answers, fails) in [(1, 5), (5, 1)] {
            let mut b = Bench::twin(AppKind::ShortestPath, AppConfig::default(), alg);
            b.advance(SimTime::from_secs(1));
            b.command(|s, ctx| s.prepare(ctx).expect("in order"));
            let r0 = replies(&b);
            assert_eq!(barrier(&mut b), vec![1, 5]);
            answer(&mut b, answers);
            assert_eq!(replies(&b), r0, "{alg:?}: waits for copy {fails}");
            b.fail(fails);
            assert_eq!(replies(&b), r0 + 1, "{alg:?}: answered when {fails} failed");
            assert_eq!(b.shim().barriers_waiting(1), 0);

            // The failed copy is not waited for: answered with the other's reply.
            assert_eq!(barrier(&mut b), vec![answers]);
            assert_eq!(replies(&b), r0 + 1);
            answer(&mut b, answers);
            assert_eq!(replies(&b), r0 + 2, "{alg:?}: one copy up");

            // A barrier outstanding when the last serving copy fails goes with the switch.
            barrier(&mut b);
            b.fail(answers);
            assert_eq!(replies(&b), r0 + 2, "{alg:?}: dropped with the switch");
            assert_eq!(b.shim().barriers_waiting(1), 0);
            assert!(b.log.borrow().iter().any(|l| l.contains(" leave 1")));

            // Back: both copies answer again, one reply once both have.
            b.restore(fails);
            b.restore(answers);
            assert_eq!(barrier(&mut b), vec![1, 5]);
            answer(&mut b, 1);
            assert_eq!(
                replies(&b),
                r0 + 2,
                "{alg:?}: waits for both after the return"
            );
            answer(&mut b, 5);
            assert_eq!(replies(&b), r0 + 3, "{alg:?}: after the return");
        }
    }
}
