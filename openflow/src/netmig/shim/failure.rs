//! A copy of a virtual switch fails (issue 16, §2.2: "a failure in either network is
//! reported as a failure of the virtual switch or port").
//!
//! * **Ports.** When a copy's control channel is lost, each of its ports counts as down, and
//!   goes through the same path as a PORT_STATUS LINK_DOWN from that copy: the apps get one
//!   PORT_STATUS LINK_DOWN for every virtual port that was up, in the old port's words (the
//!   tunnel port is never reported) — unless the virtual switch leaves with it, when the
//!   apps hear of the switch alone, as they would without the shim. When the copy comes back
//!   its ports report themselves again (PORT_DESC, and PORT_STATUS as their links come up).
//! * **The switch.** The virtual switch leaves (the apps get [`crate::controller::App::switch_leave`])
//!   only when no copy that serves it is left: before PREPARE_MIGRATION only the old copy
//!   serves (the new network is unused), while prepared both do (packets cross either), after
//!   finalize only the new copy does (the old network holds no rules). A copy that fails
//!   while the other still serves costs the apps its ports, not the switch: they keep one
//!   switch, as they would if one of its line cards failed. When the switch leaves, the
//!   apps' entries on it are forgotten (the apps install afresh when it returns, as on a new
//!   switch), and so are their barriers.
//! * **Return.** When a serving copy of a virtual switch that left reconnects, its
//!   FEATURES_REPLY reaches the apps in the virtual switch's name, so they see it join again.
//!   A copy that reconnects while the virtual switch stayed is the shim's business alone:
//!   its handshake does not reach the apps, and the shim re-installs what that copy must
//!   hold ([`super::restore`]).
//! * **Statistics.** A failed copy is asked for nothing, and a request it will not answer
//!   any more is completed from the copies that did (an empty request is dropped, as one to
//!   a switch that died).
//! * **Barriers.** A failed copy owes no BARRIER_REPLY ([`super::barrier`]).

use super::MigrationShim;
use crate::controller::ShimContext;
use crate::netmig::Phase;
use crate::wire::{
    Message, MessageBody, MultipartReply, MultipartReplyBody, Port, PortReason, PortStatus,
};

impl MigrationShim {
    /// Copy `dpid`'s control channel was lost.
    pub(super) fn copy_failed(&mut self, ctx: &mut ShimContext<'_>, dpid: u64) {
        self.failed.insert(dpid);
        let Some((vdpid, on_new)) = self.twin.virtual_of(dpid) else {
            return; // the tunnel switch is the shim's own
        };
        // When the switch leaves, its ports go with it (the apps hear of the switch only,
        // as without the shim); otherwise each virtual port that was up is reported down.
        let leaving = !self.serves(vdpid);
        let n = ctx.topology().n_ports(dpid);
        for p in 1..=n {
            if leaving {
                self.ports_down.insert((dpid, p));
                continue;
            }
            let Some(old) = self.old_ports.get(&(vdpid, p)) else {
                continue;
            };
            let mut desc = old.clone();
            desc.state |= Port::STATE_LINK_DOWN;
            let ps = PortStatus {
                reason: PortReason::Modify,
                desc,
            };
            self.port_status(ctx, dpid, vdpid, &ps);
        }
        for done in self.gather.abandon(dpid) {
            self.finish_gather(ctx, done, 0);
        }
        if !leaving {
            self.barriers.copy_failed(ctx, vdpid, on_new);
        } else if self.left.insert(vdpid) {
            // The apps' entries and barriers go with the switch: a switch that returns is a
            // new switch to them, whose tables they fill afresh (the shim must not too).
            self.barriers.left(vdpid);
            self.rules.retain(|r| r.vdpid != vdpid);
            ctx.leave(vdpid);
        }
    }

    /// Copy `dpid` reconnected (after a failure; at start-up nothing failed).
    pub(super) fn copy_connected(&mut self, dpid: u64) {
        if self.failed.remove(&dpid) {
            self.rejoining.insert(dpid, false);
        }
    }

    /// The FEATURES_REPLY of copy `dpid` of `vdpid` (`on_new`): whether it reaches the apps.
    /// At start-up the old copy's does. A copy that reconnected after a failure has the
    /// shim re-install what it must hold; its reply reaches the apps only when it brings
    /// back a virtual switch that left (then as the virtual switch's), and its PORT_DESC then
    /// too ([`MigrationShim::ports_back`]).
    pub(super) fn features(
        &mut self,
        ctx: &mut ShimContext<'_>,
        dpid: u64,
        vdpid: u64,
        on_new: bool,
    ) -> bool {
        if !self.rejoining.contains_key(&dpid) {
            return !on_new;
        }
        let rejoin = self.rejoins(dpid, vdpid);
        self.rejoining.insert(dpid, rejoin);
        self.restore_copy(ctx, dpid);
        rejoin
    }

    /// The PORT_DESC of a copy that reconnected: each port's state goes through the
    /// PORT_STATUS path, so a virtual port whose copies are all up again is reported up.
    /// Whether the reply itself may reach the apps: not when it ends a reconnection that the
    /// apps did not see ([`MigrationShim::features`]).
    pub(super) fn ports_back(
        &mut self,
        ctx: &mut ShimContext<'_>,
        dpid: u64,
        vdpid: u64,
        r: &MultipartReply,
    ) -> bool {
        let MultipartReplyBody::PortDesc(ports) = &r.body else {
            return true;
        };
        let Some(shown) = self.rejoining.remove(&dpid) else {
            return true;
        };
        for p in ports {
            let ps = PortStatus {
                reason: PortReason::Modify,
                desc: p.clone(),
            };
            self.port_status(ctx, dpid, vdpid, &ps);
        }
        shown
    }

    /// Whether the FEATURES_REPLY of copy `dpid` of `vdpid` should reach the apps: the
    /// virtual switch left and this copy serves it. The apps then see it join again.
    pub(super) fn rejoins(&mut self, dpid: u64, vdpid: u64) -> bool {
        if !self.left.contains(&vdpid) || !self.serving(vdpid).contains(&dpid) {
            return false;
        }
        self.left.remove(&vdpid);
        true
    }

    /// Whether a copy that serves `vdpid` is up.
    fn serves(&self, vdpid: u64) -> bool {
        self.serving(vdpid).iter().any(|d| !self.failed.contains(d))
    }

    /// The copies that serve `vdpid` in the current phase (see the [module docs](self)).
    fn serving(&self, vdpid: u64) -> Vec<u64> {
        let new = self.twin.new_of(vdpid).expect("virtual");
        match self.phase {
            Phase::Idle => vec![vdpid],
            Phase::Prepared => vec![vdpid, new],
            Phase::Finalized => vec![new],
        }
    }

    /// Whether copy `dpid` is down.
    pub(super) fn is_failed(&self, dpid: u64) -> bool {
        self.failed.contains(&dpid)
    }

    /// The copies an app's BARRIER_REQUEST to `vdpid` goes to, each with whether it owes a
    /// reply: before PREPARE_MIGRATION the old copy alone, as without the shim; from then on
    /// both (§2.2: the app sees one switch). A copy that is down owes none, nor does any
    /// copy of a virtual switch that left.
    pub(super) fn barrier_copies(&self, vdpid: u64) -> Vec<(u64, bool)> {
        let owes = |d: u64| !self.left.contains(&vdpid) && !self.is_failed(d);
        let mut copies = vec![(vdpid, owes(vdpid))];
        if self.phase != Phase::Idle {
            let new = self.twin.new_of(vdpid).expect("virtual");
            copies.push((new, owes(new)));
        }
        copies
    }

    /// `msg` (a FEATURES_REPLY from a copy) as the virtual switch's.
    pub(super) fn as_virtual_features(vdpid: u64, mut msg: Message) -> Message {
        if let MessageBody::FeaturesReply(f) = &mut msg.body {
            f.datapath_id = vdpid;
        }
        msg
    }
}
