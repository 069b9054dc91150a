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
