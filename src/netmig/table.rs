//! `[network_migration]` as written: the typed, spanned table. What the names mean is checked
//! against the topology by [`super::plan`].

use openflow::netmig::Algorithm;
use serde::Deserialize;
use sim_core::SimTime;
use toml::Spanned;

/// `[network_migration]` (seed 001); see docs/scenario.md.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetMigTable {
    /// `asap` | `alap` (§2.4.1, §2.4.2).
    pub algorithm: Spanned<Algorithm>,
    /// The switch of the inter-network data link. Default `ts`.
    pub tunnel_switch: Option<Spanned<String>>,
    /// `[[old, new], …]`: every switch of the old network and its counterpart. Default:
    /// each switch `o<x>` with the switch `n<x>` (the names `arora2013` and twins use).
    pub switches: Option<Spanned<Vec<SwitchPair>>>,
    /// The hosts to migrate, in order: each host position's old and new host.
    pub hosts: Spanned<Vec<Spanned<HostMove>>>,
    /// PREPARE_MIGRATION: a time.
    pub prepare: Option<Spanned<SimTime>>,
    /// MIGRATE_SWITCHES: a time or `"after-last-resume"`.
    pub finalize: Option<Spanned<String>>,
    /// The console's commands at their times, instead of `prepare`, each host's `at` and
    /// `finalize`.
    #[serde(default)]
    pub console: Vec<Spanned<ConsoleLine>>,
    /// How a host position's VMs move: `precopy` (default) or `instant`.
    pub host_move: Option<Spanned<HostMoveKind>>,
}

/// How the VMs of a host position get to the new host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostMoveKind {
    /// An ordinary pre-copy `[[migration]]` through the inter-network link; the position
    /// moves when its last VM resumes.
    #[default]
    Precopy,
    /// At the position's time, at once: no stream, no pause (the paper's Mininet test bed,
    /// §3.1, which moved traffic sources instead of migrating VMs).
    Instant,
}

/// `[old, new]`: a switch of the old network and its counterpart.
pub type SwitchPair = Spanned<(String, String)>;

/// One host position: the VMs on `old` move to `new`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostMove {
    /// The host in the old network.
    pub old: Spanned<String>,
    /// Its counterpart in the new network.
    pub new: Spanned<String>,
    /// When its VMs' migrations are triggered: a time or `"after-previous"` (with the
    /// previous host's, admitted when the previous host's last migration finishes).
    pub at: Option<Spanned<String>>,
}

/// A console line: `command` at `at`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleLine {
    /// When it is typed.
    pub at: Spanned<SimTime>,
    /// `PREPARE_MIGRATION`, `MIGRATE_HOST_<n>` (n from 1, the `hosts` order) or
    /// `MIGRATE_SWITCHES`.
    pub command: Spanned<String>,
}
