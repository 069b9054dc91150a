//! The plane's network-migration driver (seed 001 §2.3, §3.1): runs the migration console's
//! commands on the first controller's [`MigrationShim`] at their times, and moves a host
//! position when the last VM migrating from it has resumed ([`Signal::Resumed`] from its
//! migration application).
//!
//! ```text
//!   scenario ── timed commands ──► Step::Command(k) ─┐
//!   MigrationApp ── Signal::Resumed (from: AppId) ───┤ NetMigDriver: which position, how
//!                                                    │ many VMs still to resume there
//!                                                    ▼
//!      Controller::handle_shim_command ── MigrationShim::{prepare, host_moved, finalize}
//!                                                    │ FLOW_MODs: + channel latency,
//!                                                    ▼ + each switch's write latency
//! ```

use net_stack::AppId;
use sim_core::SimTime;

use crate::netmig::{MigrationShim, PhaseError};

/// A console command of the VNM client (§3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetMigCommand {
    /// PREPARE_MIGRATION: set up the tunnels.
    Prepare,
    /// MIGRATE_HOST_n (0-based position n) has completed: its host runs in the new network.
    MigrateHost(usize),
    /// MIGRATE_SWITCHES: finalize.
    MigrateSwitches,
}

impl NetMigCommand {
    /// The console spelling (positions numbered from 1, as the paper's hosts).
    pub fn console_name(self) -> String {
        match self {
            NetMigCommand::Prepare => "PREPARE_MIGRATION".into(),
            NetMigCommand::MigrateHost(i) => format!("MIGRATE_HOST_{}", i + 1),
            NetMigCommand::MigrateSwitches => "MIGRATE_SWITCHES".into(),
        }
    }
}

/// What drives the migration; see the [module docs](self).
#[derive(Clone, Debug, Default)]
pub struct NetMigDriver {
    /// Commands at fixed times, in the order given (same-time ones run in this order).
    pub commands: Vec<(SimTime, NetMigCommand)>,
    /// The migration applications of each position's VMs: (application, position).
    pub apps: Vec<(AppId, usize)>,
    /// Finalize at the instant the last position with VMs has moved.
    pub finalize_after_last_resume: bool,
    /// VMs still to resume, by position (filled from `apps` at start).
    pending: Vec<u32>,
    /// Commands the shim refused, with their time (out of order on the console).
    pub rejected: Vec<(SimTime, NetMigCommand, PhaseError)>,
    /// The losses of the finalize phase, once MIGRATE_SWITCHES has run.
    pub finalize: Option<FinalizeProbe>,
}

/// Packets lost in the finalize phase: frames the switches of the plane dropped (no matching
/// entry, a full egress queue or shared-CPU queue, a buffered frame never released, a VLAN
/// push on a full stack) from the instant MIGRATE_SWITCHES runs until `settle` after the last
/// FLOW_MOD it sent has taken effect at its switch (channel latency and the switch's write
/// latency paid). `settle` is two channel latencies: a frame that missed a table in the
/// window has had its PACKET_IN answered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FinalizeProbe {
    /// The switches' drops when MIGRATE_SWITCHES ran.
    pub start_drops: u64,
    /// Finalize's messages not yet applied (their in-flight slots).
    pending: Vec<u32>,
    /// When the last of them took effect.
    pub applied_at: Option<SimTime>,
    /// The wait after `applied_at`.
    pub settle: SimTime,
    /// The switches' drops at `applied_at + settle` (`None` if the run ended first).
    pub end_drops: Option<u64>,
    /// Finalize's messages lost because their switch was down ([`super::failure`]).
    pub lost_flow_mods: u32,
}

impl FinalizeProbe {
    /// Starts at `drops`, waiting for the messages in `pending` (an empty list: applied now).
    pub(super) fn new(drops: u64, pending: Vec<u32>, now: SimTime, settle: SimTime) -> Self {
        FinalizeProbe {
            start_drops: drops,
            applied_at: pending.is_empty().then_some(now),
            pending,
            settle,
            end_drops: None,
            lost_flow_mods: 0,
        }
    }

    /// Message slot `slot` was lost with its switch: it will never take effect, so the phase
    /// stops waiting for it; `Some(settled time)` when it was the last one.
    pub(super) fn lost_with_switch(&mut self, slot: u32, now: SimTime) -> Option<SimTime> {
        if !self.pending.contains(&slot) {
            return None;
        }
        self.lost_flow_mods += 1;
        self.applied(slot, now)
    }

    /// Message slot `slot` took effect now; `Some(settled time)` when it was the last one.
    pub(super) fn applied(&mut self, slot: u32, now: SimTime) -> Option<SimTime> {
        let i = self.pending.iter().position(|&s| s == slot)?;
        self.pending.swap_remove(i);
        if !self.pending.is_empty() {
            return None;
        }
        self.applied_at = Some(now);
        Some(now + self.settle)
    }

    /// Packets lost in the phase, once it has settled.
    pub fn lost(&self) -> Option<u64> {
        self.end_drops.map(|e| e - self.start_drops)
    }
}

impl NetMigDriver {
    /// Counts each position's VMs.
    pub(super) fn start(&mut self, positions: usize) {
        self.pending = vec![0; positions];
        for &(_, p) in &self.apps {
            if let Some(n) = self.pending.get_mut(p) {
                *n += 1;
            }
        }
    }

    /// Application `from`'s VM resumed: the commands that follow (its position's move when
    /// it was the position's last VM, then finalize when that was the last position).
    pub(super) fn resumed(&mut self, from: AppId) -> Vec<NetMigCommand> {
        let Some(&(_, p)) = self.apps.iter().find(|(a, _)| *a == from) else {
            return Vec::new();
        };
        let n = &mut self.pending[p];
        *n = n.saturating_sub(1);
        if *n > 0 {
            return Vec::new();
        }
        let mut out = vec![NetMigCommand::MigrateHost(p)];
        if self.finalize_after_last_resume && self.pending.iter().all(|&n| n == 0) {
            out.push(NetMigCommand::MigrateSwitches);
        }
        out
    }
}

/// Runs `cmd` on `shim`.
pub(super) fn apply(
    shim: &mut MigrationShim,
    ctx: &mut crate::controller::ShimContext<'_>,
    cmd: NetMigCommand,
) -> Result<(), PhaseError> {
    match cmd {
        NetMigCommand::Prepare => shim.prepare(ctx),
        NetMigCommand::MigrateHost(i) => shim.host_moved(ctx, i),
        NetMigCommand::MigrateSwitches => shim.finalize(ctx),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The window closes at the last of finalize's messages plus the settle time, not before;
    /// slots of other messages do not count; the loss is the drops in the window.
    #[test]
    fn finalize_probe_waits_for_every_message() {
        let t = SimTime::from_ms;
        let mut p = FinalizeProbe::new(7, vec![3, 5], t(10), t(1));
        assert_eq!(p.applied(9, t(11)), None, "not finalize's");
        assert_eq!(p.applied(5, t(12)), None, "one left");
        assert_eq!(p.lost(), None, "not settled");
        assert_eq!(p.applied(3, t(13)), Some(t(14)), "last one + settle");
        assert_eq!(p.applied_at, Some(t(13)));
        p.end_drops = Some(19);
        assert_eq!(p.lost(), Some(12));
        let q = FinalizeProbe::new(0, Vec::new(), t(10), t(1));
        assert_eq!(
            q.applied_at,
            Some(t(10)),
            "nothing to send: applied at once"
        );
    }

    /// A position moves when its last VM resumes, not before; finalize follows the last
    /// position when asked; a stranger's signal does nothing.
    #[test]
    fn moves_after_the_last_vm_of_a_position() {
        let mut d = NetMigDriver {
            apps: vec![(AppId(4), 0), (AppId(5), 0), (AppId(6), 1)],
            finalize_after_last_resume: true,
            ..NetMigDriver::default()
        };
        d.start(2);
        assert!(d.resumed(AppId(9)).is_empty(), "not a migration of ours");
        assert!(d.resumed(AppId(4)).is_empty(), "one VM of position 0 left");
        assert_eq!(d.resumed(AppId(5)), [NetMigCommand::MigrateHost(0)]);
        assert_eq!(
            d.resumed(AppId(6)),
            [
                NetMigCommand::MigrateHost(1),
                NetMigCommand::MigrateSwitches
            ]
        );
        assert_eq!(
            NetMigCommand::MigrateHost(1).console_name(),
            "MIGRATE_HOST_2"
        );
    }
}
