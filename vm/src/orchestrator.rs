//! Orchestrator policies as pure functions: the migration order, the target host, the periodic
//! trigger, which the integrator calls when it plans the migrations.
//!
//! * **Order** (seed 004 §III.B, symmetrical migration): "The first order is to select one
//!   migrated machine, move these VMs to a target machine, and select next one, and so on. The
//!   second order is similar to round-robin. It selects a VM from one migrated machine, moves the
//!   VM to a target machine, and selects a VM from another migrated machine, and so on."
//! * **Target** (seed 004 §III.B, asymmetrical migration): for each VM in order, "Selects
//!   m ∈ {M}, and CAP(m) ≥ REQ(vm) + Σ_{i ∈ N_m} REQ(i)" — any host with room. The paper leaves
//!   the choice among fitting hosts open; [`TargetPolicy::MostFree`] (the default) takes the one
//!   with the most free memory, [`TargetPolicy::FirstFit`] the first in index order. Ties go to
//!   the lowest index.
//! * **Trigger** (seed 000 §III.B): "The timed transition Trigger_signal is modelled as a
//!   deterministic distribution with a transition firing every 10s."
//!
//! At run time the [`Orchestrator`] application ([`runtime`]) admits the migrations (at most
//! `concurrent` at once, in plan order) and ends the run after the last one, coordinating
//! the migration applications through signals.

pub mod runtime;

pub use runtime::Orchestrator;

use net_stack::FieldError;
use serde::Deserialize;
use sim_core::SimTime;

/// Migration order (`[orchestrator] order`: `"machine-by-machine"` or `"round-robin"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    /// Every VM of one source host, then the next host (`machine-by-machine`).
    #[default]
    MachineByMachine,
    /// One VM per source host in turn (`round-robin`).
    RoundRobin,
}

/// The scenario's `[orchestrator]` table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(from = "OrchestratorTable")]
pub struct OrchestratorConfig {
    /// `order`. Default `machine-by-machine`.
    pub order: Order,
    /// `concurrent`: migrations in flight at once, at least 1. Default 1.
    pub concurrent: u32,
    /// `period`: periodic trigger for migrations without `at`. Default none.
    pub period: Option<SimTime>,
    /// `placement`: how a target is chosen among the hosts that fit. Default `most-free`.
    pub placement: crate::placement::Placement,
    /// `symmetrical`: every VM of a source machine goes to one target of equal hardware.
    /// Default false.
    pub symmetrical: bool,
}

impl Default for OrchestratorConfig {
    fn default() -> Self {
        OrchestratorTable::default().into()
    }
}

/// The `[orchestrator]` table as a scenario writes it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrchestratorTable {
    /// `order`.
    pub order: Option<Order>,
    /// `concurrent`.
    pub concurrent: Option<u32>,
    /// `period`.
    pub period: Option<SimTime>,
    /// `placement`.
    pub placement: Option<crate::placement::Placement>,
    /// `symmetrical`.
    pub symmetrical: Option<bool>,
}

impl From<OrchestratorTable> for OrchestratorConfig {
    fn from(t: OrchestratorTable) -> Self {
        OrchestratorConfig {
            order: t.order.unwrap_or_default(),
            concurrent: t.concurrent.unwrap_or(1),
            period: t.period,
            placement: t.placement.unwrap_or_default(),
            symmetrical: t.symmetrical.unwrap_or(false),
        }
    }
}

impl OrchestratorConfig {
    /// Every rule the types cannot express, each naming its key: `concurrent` ≥ 1, `period`
    /// greater than zero.
    pub fn problems(&self) -> Vec<FieldError> {
        let mut out = Vec::new();
        if self.concurrent == 0 {
            out.push(FieldError::new(
                "concurrent",
                "`concurrent` must be at least 1",
                "zero",
            ));
        }
        if self.period == Some(SimTime::ZERO) {
            out.push(FieldError::new(
                "period",
                "`period` must be greater than zero",
                "zero",
            ));
        }
        out
    }
}

/// Orders migrations. `sources[i]` is the source host of the i-th requested migration (input
/// order); the result is a permutation of `0..sources.len()`. Hosts are taken in the order of
/// their first appearance, and each host's VMs keep their input order.
pub fn migration_order<H: PartialEq>(sources: &[H], order: Order) -> Vec<usize> {
    // Group indices by host, hosts in first-appearance order (linear scans: a handful of hosts).
    let mut groups: Vec<(&H, Vec<usize>)> = Vec::new();
    for (i, h) in sources.iter().enumerate() {
        match groups.iter_mut().find(|(g, _)| *g == h) {
            Some((_, v)) => v.push(i),
            None => groups.push((h, vec![i])),
        }
    }
    match order {
        Order::MachineByMachine => groups.into_iter().flat_map(|(_, v)| v).collect(),
        Order::RoundRobin => {
            let longest = groups.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
            (0..longest)
                .flat_map(|k| groups.iter().filter_map(move |(_, v)| v.get(k).copied()))
                .collect()
        }
    }
}

/// How to choose among hosts that fit a VM.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TargetPolicy {
    /// The fitting host with the most free memory; ties to the lowest index.
    #[default]
    MostFree,
    /// The first fitting host in index order (seed 004's step 2 taken literally).
    FirstFit,
}

/// A host's memory for VMs (`[[host]] capacity`) and what its VMs use now (bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostLoad {
    /// CAP(m) (bytes).
    pub capacity: u64,
    /// Σ REQ(i) over the VMs placed on it (bytes).
    pub used: u64,
}

impl HostLoad {
    /// Free memory (bytes) (0 if over-committed).
    pub fn free(&self) -> u64 {
        self.capacity.saturating_sub(self.used)
    }
}

/// Seed 004's target decision for one VM needing `req` bytes: the index of a host `m` ≠
/// `exclude` (the VM's current host) with CAP(m) ≥ REQ(vm) + Σ REQ(N_m), chosen by `policy`;
/// `None` if no host fits.
pub fn choose_target(
    req: u64,
    hosts: &[HostLoad],
    exclude: Option<usize>,
    policy: TargetPolicy,
) -> Option<usize> {
    let mut fitting = hosts
        .iter()
        .enumerate()
        .filter(|&(i, h)| Some(i) != exclude && h.free() >= req);
    match policy {
        TargetPolicy::FirstFit => fitting.next().map(|(i, _)| i),
        // `max_by_key` keeps the last maximum; reversing the key order keeps the first.
        TargetPolicy::MostFree => fitting
            .map(|(i, h)| (h.free(), std::cmp::Reverse(i)))
            .max()
            .map(|(_, std::cmp::Reverse(i))| i),
    }
}

/// Seed 004's loop: for each `(req, source)` in order, choose a target and place the VM there
/// (the source keeps its share until the caller removes it, as during a live migration both
/// copies exist). Returns one target per VM, `None` where nothing fitted.
pub fn plan_targets(
    vms: &[(u64, usize)],
    hosts: &mut [HostLoad],
    policy: TargetPolicy,
) -> Vec<Option<usize>> {
    vms.iter()
        .map(|&(req, source)| {
            let t = choose_target(req, hosts, Some(source), policy);
            if let Some(t) = t {
                hosts[t].used += req;
            }
            t
        })
        .collect()
}

/// A periodic trigger (seed 000's orchestrator: every 10 s), sans-IO: fire at
/// [`poll_timeout`](Self::poll_timeout), then call [`handle_timeout`](Self::handle_timeout).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeriodicTrigger {
    period: SimTime,
    next: SimTime,
    fired: u64,
}

impl PeriodicTrigger {
    /// Seed 000's period.
    pub const DEFAULT_PERIOD: SimTime = SimTime::from_secs(10);

    /// A trigger firing at `first`, `first + period`, … `period` must be positive.
    pub fn new(first: SimTime, period: SimTime) -> Self {
        assert!(period > SimTime::ZERO, "a trigger period must be positive");
        PeriodicTrigger {
            period,
            next: first,
            fired: 0,
        }
    }

    /// The next firing instant.
    #[must_use]
    pub fn poll_timeout(&self) -> SimTime {
        self.next
    }

    /// Fires every instant due by `now`; returns how many (0 if called early).
    pub fn handle_timeout(&mut self, now: SimTime) -> u64 {
        let mut n = 0;
        while self.next <= now {
            self.next += self.period;
            n += 1;
        }
        self.fired += n;
        n
    }

    /// Firings so far.
    pub fn fired(&self) -> u64 {
        self.fired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `[orchestrator]` reads order names and a period with units, defaults to one migration
    /// at a time without a period, and refuses zero `concurrent` and `period` by key.
    #[test]
    fn orchestrator_table() {
        let c: OrchestratorConfig =
            toml::from_str("order = \"round-robin\"\nperiod = \"10s\"").expect("valid");
        assert_eq!(c.order, Order::RoundRobin);
        assert_eq!(c.period, Some(SimTime::from_secs(10)));
        assert_eq!(c.concurrent, 1, "default");
        assert!(c.problems().is_empty());
        let bad = OrchestratorConfig {
            concurrent: 0,
            period: Some(SimTime::ZERO),
            ..c
        };
        let fields: Vec<_> = bad.problems().iter().map(|e| e.field).collect();
        assert_eq!(fields, ["concurrent", "period"]);
        assert!(
            toml::from_str::<OrchestratorConfig>("odrer = 1").is_err(),
            "typo refused"
        );
    }

    /// Machine by machine empties host A (input order kept) before B; round-robin alternates
    /// hosts, in first-appearance order, until the shorter host runs out.
    #[test]
    fn orders() {
        let src = ["A", "B", "A", "C", "A", "B"];
        assert_eq!(
            migration_order(&src, Order::MachineByMachine),
            vec![0, 2, 4, 1, 5, 3]
        );
        assert_eq!(
            migration_order(&src, Order::RoundRobin),
            vec![0, 1, 3, 2, 5, 4]
        );
        assert!(migration_order::<u8>(&[], Order::RoundRobin).is_empty());
    }

    /// Most-free picks the emptiest fitting host with ties to the lowest index; first-fit picks
    /// the first that fits; the source is never a target; nothing fits → None.
    #[test]
    fn targets_by_capacity() {
        let h = |capacity, used| HostLoad { capacity, used };
        let hosts = [h(64, 60), h(64, 32), h(64, 32), h(128, 120)];
        assert_eq!(
            choose_target(8, &hosts, None, TargetPolicy::MostFree),
            Some(1)
        );
        assert_eq!(
            choose_target(8, &hosts, Some(1), TargetPolicy::MostFree),
            Some(2)
        );
        assert_eq!(
            choose_target(4, &hosts, None, TargetPolicy::FirstFit),
            Some(0)
        );
        assert_eq!(
            choose_target(33, &hosts, None, TargetPolicy::MostFree),
            None
        );
        assert_eq!(
            choose_target(4, &[h(4, 0)], None, TargetPolicy::MostFree),
            Some(0),
            "exact fit"
        );
    }

    /// Planning places each VM, so later VMs see the memory earlier ones took (seed 004's
    /// CAP(m) ≥ REQ(vm) + Σ REQ(N_m)).
    #[test]
    fn plan_accounts_for_earlier_placements() {
        let mut hosts = [
            HostLoad {
                capacity: 100,
                used: 100,
            },
            HostLoad {
                capacity: 100,
                used: 0,
            },
            HostLoad {
                capacity: 60,
                used: 0,
            },
        ];
        let vms = [(50, 0), (50, 0), (50, 0), (50, 0)];
        let plan = plan_targets(&vms, &mut hosts, TargetPolicy::MostFree);
        assert_eq!(plan, vec![Some(1), Some(2), Some(1), None]);
        assert_eq!((hosts[1].used, hosts[2].used), (100, 50));
    }

    /// The trigger fires every 10 s from its first instant, catching up if called late.
    #[test]
    fn periodic_trigger() {
        let mut t = PeriodicTrigger::new(SimTime::from_secs(10), PeriodicTrigger::DEFAULT_PERIOD);
        assert_eq!(t.handle_timeout(SimTime::from_secs(9)), 0);
        assert_eq!(t.handle_timeout(SimTime::from_secs(10)), 1);
        assert_eq!(t.poll_timeout(), SimTime::from_secs(20));
        assert_eq!(
            t.handle_timeout(SimTime::from_secs(45)),
            3,
            "20, 30 and 40 s"
        );
        assert_eq!((t.fired(), t.poll_timeout()), (4, SimTime::from_secs(50)));
    }
}
