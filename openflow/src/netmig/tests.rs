//! The migration shim end to end on the seed 001 test bed ([`super::bench`]): apps unchanged,
//! the phases of both algorithms, tunnel tags, timers, counters.

use sim_core::SimTime;

use super::bench::Bench;
use super::{Algorithm, Phase, TUNNEL_COOKIE, Tag};
use crate::controller::{AppConfig, AppKind};
use crate::wire::{
    FlowStatsRequest, Instruction, Match, MessageBody, OFPG_ANY, OFPP_ANY, OFPTT_ALL,
};

const A: usize = 0;
const B: usize = 1;

fn secs(s: u64) -> SimTime {
    SimTime::from_secs(s)
}

/// Asks virtual switch `vdpid` for its flow and port statistics, through the app.
fn ask_stats(b: &mut Bench, vdpid: u64) {
    let now = b.now;
    b.ctl.handle_command(now, |_, ctx| {
        ctx.flow_stats_request(
            vdpid,
            FlowStatsRequest {
                table_id: OFPTT_ALL,
                out_port: OFPP_ANY,
                out_group: OFPG_ANY,
                cookie: 0,
                cookie_mask: 0,
                match_: Match::default(),
            },
        );
        ctx.port_stats_request(vdpid);
    });
    b.pump();
}

/// The script both benches run: traffic both ways, a statistics poll, the hosts' VMs
/// resuming one after the other (in the twin bench at their new positions, the shim told
/// each time; in the plain bench where they were), traffic after each step, finalize, and
/// polls of every switch at the end. Returns whether every datagram arrived exactly once.
fn script(b: &mut Bench, twin: bool) -> bool {
    let mut ok = Vec::new();
    let mut send = |b: &mut Bench| {
        let u = b.udp(A, B);
        ok.push(b.got(B, u));
        let u = b.udp(B, A);
        ok.push(b.got(A, u));
    };
    send(b);
    b.advance(secs(1));
    ask_stats(b, 1);
    if twin {
        b.command(|s, ctx| s.prepare(ctx).expect("in order"));
    }
    b.advance(secs(2));
    send(b);
    for (h, to) in [(A, (5, 1)), (B, (8, 1))] {
        let now = b.now + secs(1);
        b.advance(now);
        let at = if twin { to } else { b.hosts[h].at };
        if twin {
            b.command(|s, ctx| s.host_moved(ctx, h).expect("in order"));
        }
        b.move_host(h, at);
        send(b);
        ask_stats(b, 4);
    }
    b.advance(secs(6));
    if twin {
        b.command(|s, ctx| s.finalize(ctx).expect("in order"));
    }
    send(b);
    b.advance(secs(12));
    send(b);
    for d in 1..=4 {
        ask_stats(b, d);
    }
    ok.iter().all(|&x| x)
}

/// Must hold (issue 16): an app written for one network runs unchanged under the shim and
/// its view — switches, ports, PACKET_INs, statistics, PORT_STATUS, FLOW_REMOVED — is the
/// same, event by event, as on the old network alone, for learning, shortest-path,
/// dynamic-routing and path-flip (seed 001's own app, flipping every second through the whole
/// script), under both algorithms, through the whole migration.
#[test]
fn app_runs_unchanged_under_shim_view_identical() {
    let config = AppConfig {
        stats_interval: secs(2),
        ..AppConfig::default()
    };
    for kind in [
        AppKind::Learning,
        AppKind::ShortestPath,
        AppKind::DynamicRouting,
        AppKind::PathFlip,
    ] {
        let mut plain = Bench::plain(kind, config);
        assert!(script(&mut plain, false), "{kind:?}: plain delivers");
        for alg in [Algorithm::Asap, Algorithm::Alap] {
            let mut twin = Bench::twin(kind, config, alg);
            assert!(script(&mut twin, true), "{kind:?} {alg:?}: twin delivers");
            let (p, t) = (plain.log.borrow(), twin.log.borrow());
            for (i, (x, y)) in p.iter().zip(t.iter()).enumerate() {
                assert_eq!(x, y, "{kind:?} {alg:?}: event {i} differs");
            }
            assert_eq!(p.len(), t.len(), "{kind:?} {alg:?}: same number of events");
            assert!(p.len() > 20, "{kind:?}: the script produced a real view");
            if kind == AppKind::PathFlip {
                // The flips really ran under the shim: host A's switch, old copy then new,
                // took FLOW_MODs through the 12 s script (one per direction per flip).
                let mods = |b: &Bench, d: u64| b.switches[&d].counters().flow_mods;
                assert!(mods(&plain, 1) >= 10, "plain flips: {}", mods(&plain, 1));
                assert!(
                    mods(&twin, 1) + mods(&twin, 5) >= 10,
                    "{alg:?} flips: {} + {}",
                    mods(&twin, 1),
                    mods(&twin, 5)
                );
            }
        }
    }
}

/// Must hold (issue 16): after Tunnel ALAP's finalize the old switches (and the tunnel
/// switch) hold no entries, and the new switches hold exactly the app's entries (no tunnel
/// entry).
#[test]
fn alap_finalize_leaves_old_switches_empty() {
    let mut b = Bench::twin(AppKind::ShortestPath, AppConfig::default(), Algorithm::Alap);
    assert!(script(&mut b, true), "delivered");
    assert_eq!(b.shim().phase(), Phase::Finalized);
    for d in [1, 2, 3, 4, 9] {
        assert!(
            b.entries(d).is_empty(),
            "switch {d} empty: {:?}",
            b.entries(d)
        );
    }
    for d in 5..=8 {
        let e = b.entries(d);
        assert!(!e.is_empty(), "new switch {d} holds the app's entries");
        assert!(
            e.iter().all(|e| e.cookie != TUNNEL_COOKIE),
            "no tunnel entry"
        );
        let app = b.shim().rules().iter().filter(|r| r.vdpid == d - 4).count();
        assert_eq!(e.len(), app, "switch {d}: one entry per app entry");
    }
}

/// Must hold (issue 16): after Tunnel ASAP's finalize the new switches hold the old
/// switches' app entries — same matches, priorities and actions (the app's, without the
/// tunnel jumps), remaining hard timeouts — and nothing else; the old switches are empty.
#[test]
fn asap_finalize_copies_old_rules_to_new() {
    let config = AppConfig {
        hard_timeout: 30,
        ..AppConfig::default()
    };
    let mut b = Bench::twin(AppKind::ShortestPath, config, Algorithm::Asap);
    let u = b.udp(A, B);
    assert!(b.got(B, u));
    b.advance(secs(1));
    b.command(|s, ctx| s.prepare(ctx).expect("in order"));
    b.command(|s, ctx| s.host_moved(ctx, A).expect("in order"));
    b.move_host(A, (5, 1));
    b.command(|s, ctx| s.host_moved(ctx, B).expect("in order"));
    b.move_host(B, (8, 1));
    let u = b.udp(A, B);
    assert!(b.got(B, u), "two migrated hosts talk before finalize");
    b.advance(secs(4));
    // The old switches' app entries: the primaries (not the twins on the tunnel port, not
    // the tunnel entries), with the app's own instructions.
    let mut before = Vec::new();
    for r in b.shim().rules() {
        before.push((
            r.vdpid + 4,
            r.fm.priority,
            r.fm.match_.clone(),
            r.fm.instructions.clone(),
            r.fm.hard_timeout,
            r.installed,
        ));
        assert!(
            b.entries(r.vdpid)
                .iter()
                .any(|e| e.priority == r.fm.priority && {
                    // ASAP's old copies match untagged packets only.
                    let mut m = e.match_.clone();
                    m.vlan_vid = None;
                    m == r.fm.match_
                }),
            "the old switch holds the entry"
        );
    }
    assert!(!before.is_empty());
    b.command(|s, ctx| s.finalize(ctx).expect("in order"));
    for d in [1, 2, 3, 4, 9] {
        assert!(b.entries(d).is_empty(), "switch {d} empty");
    }
    let mut after = Vec::new();
    for d in 5..=8 {
        for e in b.entries(d) {
            assert_ne!(e.cookie, TUNNEL_COOKIE, "no tunnel entry left");
            after.push((
                d,
                e.priority,
                e.match_.clone(),
                e.instructions.clone(),
                e.hard_timeout,
                e.installed,
            ));
        }
    }
    assert_eq!(after.len(), before.len(), "nothing else");
    for (d, prio, m, ins, hard, installed) in &before {
        let e = after
            .iter()
            .find(|a| a.0 == *d && a.1 == *prio && a.2 == *m)
            .unwrap_or_else(|| panic!("copied to {d}: {m:?}"));
        assert_eq!(&e.3, ins, "same actions");
        let age = b.now.saturating_sub(*installed).as_ps() / 1_000_000_000_000;
        let left = if *hard == 0 {
            0
        } else {
            u64::from(*hard) - age
        };
        assert_eq!(u64::from(e.4), left, "remaining hard timeout");
    }
    let s = b.shim().stats();
    assert_eq!(
        s.rules_copied,
        before.len() as u64,
        "every entry copied once"
    );
    let u = b.udp(B, A);
    assert!(b.got(A, u), "traffic in the new network after finalize");
}

/// Timers preserved (issue 16, §2.2): an entry installed with a 10 s hard timeout and
/// copied to the new network at 4 s expires at 10 s (within the rounding of OpenFlow's
/// whole-second timeouts), not at 14 s, and the app gets one FLOW_REMOVED per entry with
/// the counters of both copies summed.
#[test]
fn hard_timeout_preserved_and_one_flow_removed() {
    let config = AppConfig {
        hard_timeout: 10,
        ..AppConfig::default()
    };
    let mut b = Bench::twin(AppKind::ShortestPath, config, Algorithm::Asap);
    let u = b.udp(A, B);
    assert!(b.got(B, u));
    let entries = b
        .shim()
        .rules()
        .iter()
        .filter(|r| r.fm.hard_timeout == 10)
        .count();
    assert!(entries > 0, "routes with a hard timeout");
    b.advance(secs(4));
    b.command(|s, ctx| s.prepare(ctx).expect("in order"));
    b.command(|s, ctx| s.host_moved(ctx, A).expect("in order"));
    b.move_host(A, (5, 1));
    b.command(|s, ctx| s.host_moved(ctx, B).expect("in order"));
    b.move_host(B, (8, 1));
    b.command(|s, ctx| s.finalize(ctx).expect("in order"));
    let route = |b: &Bench| {
        (5..=8)
            .map(|d| b.entries(d).iter().filter(|e| e.hard_timeout > 0).count())
            .sum::<usize>()
    };
    assert!(route(&b) > 0, "copies in the new network");
    b.advance(SimTime::from_ms(9_900));
    assert!(route(&b) > 0, "alive at 9.9 s");
    b.advance(SimTime::from_ms(10_100));
    assert_eq!(route(&b), 0, "expired by 10.1 s, not 14 s");
    let removed: Vec<String> = b
        .log
        .borrow()
        .iter()
        .filter(|l| l.contains("flow_removed"))
        .cloned()
        .collect();
    assert_eq!(
        removed.len(),
        entries,
        "one FLOW_REMOVED per app entry: {removed:#?}"
    );
    assert!(removed.iter().all(|l| l.contains("HardTimeout")), "reason");
}

/// VLAN-tagged tunnelling (§2.4, §3.3, Fig. 3): with one host moved both algorithms cross
/// the tunnel switch once per packet, tagged with the tag that names the destination side;
/// with both moved Tunnel ASAP crosses it twice (in by the first hop, out on the last) and
/// Tunnel ALAP not at all.
#[test]
fn tunnel_crossings_and_tags() {
    for alg in [Algorithm::Asap, Algorithm::Alap] {
        let mut b = Bench::twin(AppKind::ShortestPath, AppConfig::default(), alg);
        let u = b.udp(A, B);
        assert!(b.got(B, u));
        b.command(|s, ctx| s.prepare(ctx).expect("in order"));
        b.command(|s, ctx| s.host_moved(ctx, A).expect("in order"));
        b.move_host(A, (5, 1));
        b.udp(A, B);
        let mark = b.tx.len();
        let u = b.udp(A, B);
        assert!(b.got(B, u), "{alg:?}: A moved, A→B");
        let at_ts: Vec<_> = b.tx[mark..].iter().filter(|t| t.0 == 9).collect();
        assert_eq!(at_ts.len(), 1, "{alg:?}: one crossing");
        let want = match alg {
            Algorithm::Asap => Tag::EnterOld(0),
            Algorithm::Alap => Tag::DeliverOld(1),
        };
        assert_eq!(at_ts[0].2, Some(want.vid()), "{alg:?}: tagged");
        let mark = b.tx.len();
        let u = b.udp(B, A);
        assert!(b.got(A, u), "{alg:?}: B→A");
        let at_ts: Vec<_> = b.tx[mark..].iter().filter(|t| t.0 == 9).collect();
        assert_eq!(at_ts.len(), 1);
        assert_eq!(
            at_ts[0].2,
            Some(Tag::DeliverNew(0).vid()),
            "{alg:?}: to the new side"
        );
        b.command(|s, ctx| s.host_moved(ctx, B).expect("in order"));
        b.move_host(B, (8, 1));
        b.udp(A, B);
        let mark = b.tx.len();
        let u = b.udp(A, B);
        assert!(b.got(B, u), "{alg:?}: both moved");
        let crossings = b.tx[mark..].iter().filter(|t| t.0 == 9).count();
        let want = if alg == Algorithm::Asap { 2 } else { 0 };
        assert_eq!(crossings, want, "{alg:?}: crossings with both moved");
        assert!(
            b.tx[mark..]
                .iter()
                .filter(|t| t.1 == 1 && (t.0 == 8))
                .all(|t| t.2.is_none()),
            "{alg:?}: delivered untagged {:?}",
            &b.tx[mark..]
        );
    }
}

/// The apps' entries keep the app's instructions in the shim's store whatever the copies
/// carry (the tunnel jumps live only in the switches).
#[test]
fn store_keeps_app_instructions() {
    let mut b = Bench::twin(AppKind::ShortestPath, AppConfig::default(), Algorithm::Alap);
    b.udp(A, B);
    b.command(|s, ctx| s.prepare(ctx).expect("in order"));
    b.command(|s, ctx| s.host_moved(ctx, B).expect("in order"));
    b.move_host(B, (8, 1));
    for r in b.shim().rules() {
        for i in &r.fm.instructions {
            if let Instruction::ApplyActions(a) = i {
                assert!(
                    a.iter()
                        .all(|a| !matches!(a, crate::wire::Action::PushVlan { .. })),
                    "no tag in the app's own actions"
                );
            }
        }
    }
    let s = b.shim().stats();
    assert!(s.tunnel_rules_installed > 0 && s.rules_installed > 0);
}

/// Must hold (issue 16, bad input): a phase before the previous one is refused with a
/// clear error and changes nothing — a host move or finalize before PREPARE_MIGRATION, a
/// second PREPARE_MIGRATION, a host moved twice, an unknown position, anything after
/// finalize.
#[test]
fn phase_before_previous_is_refused() {
    use super::PhaseError as E;
    let mut b = Bench::twin(AppKind::ShortestPath, AppConfig::default(), Algorithm::Alap);
    let mut results = Vec::new();
    let mut run = |b: &mut Bench,
                   f: fn(
        &mut super::MigrationShim,
        &mut crate::controller::ShimContext,
    ) -> Result<(), E>| {
        let mut r = Ok(());
        b.command(|s, ctx| r = f(s, ctx));
        results.push(r);
    };
    let before = b.shim().stats().flow_mods;
    run(&mut b, |s, ctx| s.host_moved(ctx, 0));
    run(&mut b, |s, ctx| s.finalize(ctx));
    let refused = b.shim().stats().flow_mods - before;
    run(&mut b, |s, ctx| s.prepare(ctx));
    run(&mut b, |s, ctx| s.prepare(ctx));
    run(&mut b, |s, ctx| s.host_moved(ctx, 0));
    run(&mut b, |s, ctx| s.host_moved(ctx, 0));
    run(&mut b, |s, ctx| s.host_moved(ctx, 7));
    run(&mut b, |s, ctx| s.finalize(ctx));
    run(&mut b, |s, ctx| s.host_moved(ctx, 1));
    assert_eq!(refused, 0, "the refused commands sent nothing");
    assert_eq!(
        results,
        [
            Err(E::NotPrepared("MIGRATE_HOST")),
            Err(E::NotPrepared("MIGRATE_SWITCHES")),
            Ok(()),
            Err(E::AlreadyPrepared),
            Ok(()),
            Err(E::AlreadyMoved(0)),
            Err(E::NoPosition(7, 2)),
            Ok(()),
            Err(E::Finalized),
        ]
    );
    assert_eq!(
        E::NotPrepared("MIGRATE_SWITCHES").to_string(),
        "MIGRATE_SWITCHES before PREPARE_MIGRATION"
    );
}

/// Transparency (§2.2): once the new network is in use, an app's BARRIER_REQUEST to a virtual
/// switch reaches both copies, and the app gets one BARRIER_REPLY, only after both copies
/// answered; before PREPARE_MIGRATION it reaches the old switch alone, as without the shim.
#[test]
fn barrier_reaches_both_copies_and_is_answered_once() {
    let replies = |b: &Bench| {
        b.log
            .borrow()
            .iter()
            .filter(|l| l.contains("message 1 BarrierReply"))
            .count()
    };
    for alg in [Algorithm::Asap, Algorithm::Alap] {
        let mut b = Bench::twin(AppKind::ShortestPath, AppConfig::default(), alg);
        b.advance(secs(1));
        let new = b.shim().twin().new_of(1).expect("switch 1 is virtual");
        for (prepared, reversed) in [(false, false), (true, false), (true, true)] {
            if prepared && !reversed {
                b.command(|s, ctx| s.prepare(ctx).expect("in order"));
                b.pump();
            }
            let before = replies(&b);
            let now = b.now;
            b.ctl
                .handle_command(now, |_, ctx| ctx.send(1, MessageBody::BarrierRequest));
            let mut to = Vec::new();
            while let Some((dpid, m)) = b.ctl.poll_message() {
                if matches!(m.msg.body, MessageBody::BarrierRequest) {
                    to.push(dpid);
                }
                b.switches
                    .get_mut(&dpid)
                    .expect("known")
                    .handle_message(now, m);
            }
            to.sort_unstable();
            let want = if prepared { vec![1, new] } else { vec![1] };
            assert_eq!(
                to, want,
                "{alg:?} prepared {prepared}: the barrier's switches"
            );
            // The copies answer one at a time, in either order.
            let mut order = want.clone();
            if reversed {
                order.reverse();
            }
            for (i, &dpid) in order.iter().enumerate() {
                while let Some(m) = b.switches.get_mut(&dpid).expect("known").poll_message() {
                    b.ctl.handle_message(now, dpid, m);
                }
                let last = i + 1 == want.len();
                assert_eq!(
                    replies(&b) - before,
                    usize::from(last),
                    "{alg:?} prepared {prepared}: replies after switch {dpid}'s"
                );
            }
            b.pump();
            assert_eq!(
                replies(&b) - before,
                1,
                "{alg:?} prepared {prepared}: one reply"
            );
        }
    }
}
