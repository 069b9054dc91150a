//! The migration shim when things go wrong (issue 16, §2.2): a port failure in either
//! network, and buffered packets that the apps act on or drop.

use sim_core::SimTime;

use super::Algorithm;
use super::bench::Bench;
use crate::controller::{AppConfig, AppKind};

fn secs(s: u64) -> SimTime {
    SimTime::from_secs(s)
}

/// The PORT_STATUS events the app was handed since event `mark` of its log.
fn statuses(b: &Bench, mark: usize) -> Vec<String> {
    b.log.borrow()[mark..]
        .iter()
        .filter(|l| l.contains(" port_status "))
        .cloned()
        .collect()
}

/// Sets `port` of switch `dpid` up or down and lets the network settle; returns the
/// PORT_STATUS events the app got for it.
fn set_port(b: &mut Bench, dpid: u64, port: u32, up: bool) -> Vec<String> {
    let mark = b.log.borrow().len();
    let now = b.now;
    b.switches
        .get_mut(&dpid)
        .expect("known switch")
        .set_port_state(now, port, up)
        .expect("known port");
    b.pump();
    statuses(b, mark)
}

/// Issue 16 Deliver (§2.2): a failure in either network is reported as a failure of the
/// virtual switch's port. After PREPARE_MIGRATION, a port going down in the old copy or in
/// the new copy gives the app exactly one PORT_STATUS, for the virtual switch and port, link
/// down — the very event it gets on the old network alone when that port fails (the old
/// port's name and address, not the new copy's). The virtual port comes back up (one
/// PORT_STATUS) only when both copies are up again; the tunnel port is never reported.
#[test]
fn failure_in_either_network_is_the_virtual_ports() {
    for alg in [Algorithm::Asap, Algorithm::Alap] {
        let mut twin = Bench::twin(AppKind::ShortestPath, AppConfig::default(), alg);
        let mut plain = Bench::plain(AppKind::ShortestPath, AppConfig::default());
        twin.advance(secs(1));
        plain.advance(secs(1));
        twin.command(|s, ctx| s.prepare(ctx).expect("in order"));
        // What the app sees on the old network alone when switch 1's ports fail and return.
        let down2 = set_port(&mut plain, 1, 2, false);
        let down3 = set_port(&mut plain, 1, 3, false);
        let up2 = set_port(&mut plain, 1, 2, true);
        let up3 = set_port(&mut plain, 1, 3, true);
        for (what, v) in [
            ("down", &down2),
            ("down", &down3),
            ("up", &up2),
            ("up", &up3),
        ] {
            assert_eq!(v.len(), 1, "plain: one PORT_STATUS per change: {v:?}");
            let down = v[0].contains("state: 1,");
            assert_eq!(down, what == "down", "plain: {v:?}");
            assert!(v[0].contains(" port_status 1 "), "{v:?}");
        }
        assert!(down2[0].contains("port_no: 2,") && down3[0].contains("port_no: 3,"));

        // The old copy's port 2 fails: reported; the new copy's then too: nothing new; the
        // old copy's returns: still down; the new copy's returns: up, once.
        assert_eq!(
            set_port(&mut twin, 1, 2, false),
            down2,
            "{alg:?}: old copy fails"
        );
        assert_eq!(
            set_port(&mut twin, 5, 2, false),
            [] as [String; 0],
            "{alg:?}"
        );
        assert_eq!(
            set_port(&mut twin, 1, 2, true),
            [] as [String; 0],
            "{alg:?}"
        );
        assert_eq!(
            set_port(&mut twin, 5, 2, true),
            up2,
            "{alg:?}: both up again"
        );

        // The new copy's port 3 fails alone: reported as the virtual (old) port's failure.
        assert_eq!(
            set_port(&mut twin, 5, 3, false),
            down3,
            "{alg:?}: new copy fails"
        );
        assert_eq!(
            set_port(&mut twin, 5, 3, true),
            up3,
            "{alg:?}: new copy back"
        );

        // The tunnel ports are the shim's: their failures are not the apps' business.
        for d in [1, 5, 9] {
            let port = if d == 9 { 1 } else { 4 };
            assert_eq!(set_port(&mut twin, d, port, false), [] as [String; 0]);
            assert_eq!(set_port(&mut twin, d, port, true), [] as [String; 0]);
        }
    }
}

/// The buffer ids of the PACKET_INs the app was handed for virtual switch `vdpid`.
fn buffered_packet_ins(b: &Bench, vdpid: u64) -> Vec<u32> {
    let head = format!(" packet_in {vdpid} ");
    b.log
        .borrow()
        .iter()
        .filter(|l| l.contains(&head))
        .filter_map(|l| {
            let rest = &l[l.find("buffer_id: ")? + "buffer_id: ".len()..];
            rest[..rest.find(',')?].parse().ok()
        })
        .filter(|&id| id != crate::wire::OFP_NO_BUFFER)
        .collect()
}

/// Replaces the learning app's table-miss entries (unbuffered, as Ryu's) with buffered
/// ones, sent as the app would: to every virtual switch, through the shim.
fn buffered_table_miss(b: &mut Bench) {
    use crate::wire::{Action, FlowMod, Instruction, Match, OFPCML_MAX, OFPP_CONTROLLER};
    let now = b.now;
    b.ctl.handle_command(now, |_, ctx| {
        for d in 1..=4 {
            let out = Action::Output {
                port: OFPP_CONTROLLER,
                max_len: OFPCML_MAX,
            };
            let fm = FlowMod::add(0, Match::all(), vec![Instruction::apply(vec![out])]);
            ctx.flow_mod(d, fm);
        }
    });
    b.pump();
}

/// Switches `dpids` hold no buffered packet and none expired waiting for an action.
fn no_buffer_left(b: &Bench, dpids: &[u64]) -> bool {
    dpids.iter().all(|d| {
        let s = &b.switches[d];
        s.buffers().is_empty() && s.buffers().expired() == 0
    })
}

/// Issue 16 Deliver (§2.2): a buffered packet always gets an action under the shim. The
/// learning app (buffered PACKET_INs, as Ryu's simple_switch_13) gets PACKET_INs from the new
/// network's copies under their virtual buffer ids (the new-network bit set); its
/// PACKET_OUTs and FLOW_MODs naming those ids release the packets on the copy that holds
/// them, so every datagram arrives exactly once and no switch keeps or times out a buffer.
/// A buffered packet the apps may not see (an untagged frame on a tunnel port) is released
/// by the shim with an explicit drop: counted, its buffer freed, nothing forwarded.
#[test]
fn buffered_packet_always_gets_an_action() {
    const NEW_BIT: u32 = super::shim::NEW_BUFFER_BIT;
    let (a, bh) = (0, 1);
    for alg in [Algorithm::Asap, Algorithm::Alap] {
        let mut b = Bench::twin(AppKind::Learning, AppConfig::default(), alg);
        buffered_table_miss(&mut b);
        let u = b.udp(a, bh);
        assert!(b.got(bh, u), "{alg:?}: before the migration");
        b.command(|s, ctx| s.prepare(ctx).expect("in order"));
        b.command(|s, ctx| s.host_moved(ctx, a).expect("in order"));
        b.move_host(a, (5, 1));
        for (s, d) in [(a, bh), (bh, a), (a, bh)] {
            let u = b.udp(s, d);
            assert!(b.got(d, u), "{alg:?}: {s}→{d} delivered once");
        }
        let ids = buffered_packet_ins(&b, 1);
        let from_new = ids.iter().filter(|&&id| id & NEW_BIT != 0).count();
        assert!(
            ids.len() > from_new,
            "{alg:?}: buffered PACKET_INs from the old copy, without the bit: {ids:?}"
        );
        if alg == Algorithm::Alap {
            // ALAP mirrors the app's entries: the moved host's frames miss at switch 5.
            assert!(
                from_new > 0,
                "{alg:?}: from the new copy, with the bit: {ids:?}"
            );
            assert_eq!(
                from_new as u64,
                b.switches[&5].counters().packet_ins,
                "{alg:?}: each of switch 5's PACKET_INs reached the app"
            );
        } else {
            // ASAP sends the moved host's frames to the old network on the first hop: the
            // old switch buffers them (untagged for the app) and nothing misses at switch 5.
            assert_eq!(from_new, 0, "{alg:?}: {ids:?}");
        }
        // The new copies' buffers, named to the app by virtual ids, were all released there.
        // (The learning app itself leaves unanswered a flood with nowhere to go on the lower
        // path's middle switch — 3, and under ALAP its mirror 7 — so those are left out.)
        assert!(
            no_buffer_left(&b, &[5, 6, 8, 9]),
            "{alg:?}: new copies released"
        );
        assert_eq!(
            b.shim().stats().released_buffers,
            0,
            "{alg:?}: none dropped"
        );

        // An untagged frame on switch 1's tunnel port: the app's table-miss entry sends it
        // up buffered; it is not the app's business, so the shim drops it explicitly.
        let before = buffered_packet_ins(&b, 1).len();
        let mark = b.tx.len();
        let home = b.hosts[bh].at;
        b.hosts[bh].at = (1, 4);
        let u = b.udp(bh, a);
        b.hosts[bh].at = home;
        assert!(!b.got(a, u), "{alg:?}: the stray frame is not forwarded");
        assert_eq!(
            buffered_packet_ins(&b, 1).len(),
            before,
            "{alg:?}: app not told"
        );
        assert_eq!(
            b.shim().stats().released_buffers,
            1,
            "{alg:?}: one explicit drop"
        );
        assert!(
            b.tx[mark..].iter().all(|t| t.3 != u),
            "{alg:?}: sent nowhere: {:?}",
            &b.tx[mark..]
        );
        let held1 = b.switches[&1].buffers().len();
        assert_eq!(held1, 0, "{alg:?}: its buffer freed at once");
        b.advance(secs(3));
        assert!(
            no_buffer_left(&b, &[1, 5, 6, 8, 9]),
            "{alg:?}: none expired"
        );
    }
}
