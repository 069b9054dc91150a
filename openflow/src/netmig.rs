//! Live migration of an entire software-defined network (seed 001, Arora & Perez-Botero):
//! the migration shim between the controller runtime and unchanged apps.
//!
//! ```text
//!   apps (built on the old network)          one virtual network: the old switches, their
//!        ▲ view            │ FLOW_MOD, …     ports and links (Controller::with_app_view)
//!        │                 ▼
//!   MigrationShim ── translate ids, ports, buffers; copy rules; merge stats and removals
//!        ▲                 │
//!   runtime ◄──► old switches · new switches · tunnel switch (VLAN-tagged jumps)
//! ```
//!
//! * **Twin networks** ([`TwinMap`]): every old switch has a counterpart in the new network
//!   with the same port numbers; edge switches of both reach a tunnel switch (the
//!   inter-network data link, Fig. 2(a), Fig. 5); a host position is a port of an old switch
//!   and the same port of its counterpart.
//! * **Phases** (§2.3), driven by [`MigrationShim::prepare`], [`MigrationShim::host_moved`]
//!   and [`MigrationShim::finalize`] through
//!   [`Controller::handle_shim_command`](crate::controller::Controller::handle_shim_command)
//!   (the console's PREPARE_MIGRATION, MIGRATE_HOST_n once the VM resumed, MIGRATE_SWITCHES).
//! * **Algorithms** (§2.4): [`Algorithm::Asap`] keeps app rules in the old network only —
//!   a moved host's packets jump to the old network on their first hop (tagged
//!   [`Tag::EnterOld`], matched by a *twin* of each app rule that pops the tag) and packets
//!   to it jump to the new one on the last hop; finalize copies every rule to the new network
//!   with its remaining hard timeout. [`Algorithm::Alap`] mirrors every app rule to the
//!   counterpart switch and tunnels only where the destination is not attached; finalize
//!   deletes the old copies.
//! * **Transparency** (§2.2): the apps see PACKET_INs, FLOW_STATS, PORT_STATS, PORT_STATUS
//!   and FLOW_REMOVED as from the virtual switch: counters summed over copies (and over
//!   copies already gone), one FLOW_REMOVED per app entry (when its last copy goes), a port
//!   down in either network is down, every buffered packet the apps cannot see is released
//!   with an explicit drop.

mod rules;
mod shim;
mod stats;
pub mod twin;

pub use rules::{Copy, CopyKind, VRule};
pub use shim::{MigrationShim, NetMigStats, PhaseError, TUNNEL_COOKIE, TUNNEL_PRIORITY};
pub use twin::{Position, Tag, TunnelPort, TwinError, TwinMap};

#[cfg(test)]
mod bench;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_failures;
#[cfg(test)]
mod tests_faults;
#[cfg(test)]
mod tests_restart;

/// Which network-migration algorithm the shim runs (seed 001 §2.4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    /// Tunnel ASAP (§2.4.1): rules only in the old network until finalize.
    #[default]
    Asap,
    /// Tunnel ALAP (§2.4.2): rules mirrored to both networks.
    Alap,
}

impl Algorithm {
    /// The scenario spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Asap => "asap",
            Algorithm::Alap => "alap",
        }
    }
}

/// Where the migration is (§2.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Before PREPARE_MIGRATION: the shim only translates; the new network is unused.
    #[default]
    Idle,
    /// Tunnels set up; hosts move one at a time.
    Prepared,
    /// MIGRATE_SWITCHES done: the old network and the tunnels hold no rules.
    Finalized,
}
