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
