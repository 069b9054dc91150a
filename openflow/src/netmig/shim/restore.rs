//! A copy comes back after a failure (issue 16, §2.2): a restarted switch has empty tables
//! (OpenFlow 1.3 §6.3), and while the other copy kept the virtual switch serving, the apps
//! saw nothing and re-install nothing. The shim does: what its own state says that switch
//! must hold at that moment.

use super::MigrationShim;
use crate::controller::ShimContext;
use crate::wire::FlowMod;

impl MigrationShim {
    /// Switch `dpid` (a copy of a virtual switch, or the tunnel switch) answered its
    /// handshake after a restart: the shim sends it the copies of the apps' entries the phase
    /// wants there (Tunnel ALAP's mirrors, Tunnel ASAP's twins, finalize's copies, the
    /// primaries) and the phase's tunnel entries, each an ordinary FLOW_MOD (channel latency
    /// and the switch's write latency). A copy carries its entry's remaining hard timeout
    /// (the shim's timer rule, [`crate::netmig::rules::VRule::remaining_hard`]); an entry
    /// whose hard timeout passed while the switch was down is not re-installed where another
    /// copy of it lives (that copy expires and reports it). Counted in
    /// [`super::NetMigStats::rules_restored`] and
    /// [`super::NetMigStats::tunnel_rules_restored`].
    ///
    /// After a virtual switch left and came back, the apps' entries on it were forgotten
    /// when it left ([`super::failure`]): the apps install them as on a new switch, and
    /// this adds none of them.
    pub(super) fn restore_copy(&mut self, ctx: &mut ShimContext<'_>, dpid: u64) {
        let now = ctx.now();
        // What the switch held went with its restart: no FLOW_REMOVED will come for it.
        self.retired.retain(|r| r.0 != dpid);
        for r in &mut self.rules {
            r.copies.retain(|c| c.dpid != dpid);
        }
        // An entry the apps deleted whose last copies were there is gone with them.
        self.rules.retain(|r| !r.dying || !r.copies.is_empty());
        let before = self.stats.rules_installed;
        for ri in 0..self.rules.len() {
            let r = &self.rules[ri];
            if r.hard_expired(now) && !r.copies.is_empty() {
                continue;
            }
            self.sync_rule(ctx, ri, false, Some(dpid));
        }
        self.stats.rules_restored += self.stats.rules_installed - before;
        let tunnels: Vec<FlowMod> = (self.tunnels.iter())
            .filter(|t| t.0 == dpid)
            .map(|t| t.1.clone())
            .collect();
        for fm in tunnels {
            self.stats.tunnel_rules_installed += 1;
            self.stats.tunnel_rules_restored += 1;
            self.send_flow_mod(ctx, dpid, fm);
        }
    }
}
