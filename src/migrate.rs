//! `[[migration]]` and `[orchestrator]`: each migration becomes a [`vm::app::MigrationApp`] on
//! the VM's source host streaming over TCP to a sink on the destination host.
//!
//! * Source: the host the VM runs on when the migration is planned — its `[[vm]] host` for the
//!   first migration of a VM, the previous migration's destination after that.
//! * Destination: `to`, or the orchestrator's choice by capacity (seed 004 §III.B): the host
//!   with the most free memory that fits the VM (`[[host]] capacity`; hosts without one are
//!   unlimited), ties to the earliest host in node order, never the source.
//! * Trigger: `at`, or, for migrations without `at`, the orchestrator's periodic trigger (seed
//!   000): the k-th such migration (in `order`: machine-by-machine or round-robin over source
//!   hosts, seed 004) is triggered at k × `period`.
//! * Resume: the destination's `[[host]] resume_time` (default 0) passes from the final
//!   round's last acknowledgement to the VM running there — restoring and resuming it on that
//!   machine's hardware (seed 004).
//! * Admission: at most `[orchestrator] concurrent` migrations run at once; a triggered
//!   migration waits until it is the next in plan order — by trigger time, then file order —
//!   and a slot is free, and starts the instant a running migration finishes (the
//!   [`vm::orchestrator::Orchestrator`] application signals it). With the default of 1 they
//!   run one after another. With `end_after_migrations` the orchestrator ends the run at the
//!   instant the last one finishes.

use std::net::Ipv4Addr;

use net_stack::apps::PacketSink;
use net_stack::{AppId, NetworkBuilder, NodeId};
use sim_core::{RngStreams, SimTime};
use vm::app::MigrationApp;
use vm::orchestrator::{HostLoad, Orchestrator, TargetPolicy, choose_target, migration_order};
use vm::{Migration, VmConfig};

use crate::scenario::{Scenario, ScenarioError, ScenarioSource};

/// One planned migration and the applications that carry it.
#[derive(Debug, Clone)]
pub struct MigrationHandle {
    /// VM name.
    pub vm: String,
    /// Index of the VM in `[[vm]]`.
    pub vm_index: usize,
    /// Source host name.
    pub from: String,
    /// Destination host name.
    pub to: String,
    /// When it is triggered (it starts then, or once the orchestrator admits it).
    pub at: SimTime,
    /// The migration application (on the source host).
    pub app: AppId,
    /// The sink that receives the migration stream (on the destination host).
    pub sink: AppId,
    /// `mobility`, if the migration sets one (seed 003).
    pub mobility: Option<vm::Mobility>,
}

/// TCP port of migration `i`'s sink.
fn port(i: usize) -> u16 {
    50_000 + i as u16
}

/// The VM's memory model parameters from its `[[vm]]` table.
pub fn vm_config(v: &crate::scenario::VmSpec) -> VmConfig {
    VmConfig {
        memory: v.memory,
        page_size: v.page_size,
        dirty_rate: v.dirty_rate,
        hot_fraction: v.hot_fraction,
        state: v.state,
    }
}

/// Plans every migration and installs its applications. `vms` are the VMs' nodes in
/// `[[vm]]` order.
pub fn install(
    b: &mut NetworkBuilder,
    scenario: &Scenario,
    source: &ScenarioSource,
    vms: &[NodeId],
) -> Result<Vec<MigrationHandle>, ScenarioError> {
    let streams = RngStreams::new(scenario.seed);
    let vm_index = |name: &str| {
        scenario
            .vms
            .iter()
            .position(|v| v.name.get_ref() == name)
            .expect("validated: migrations name defined VMs")
    };
    // Physical hosts in node order, with capacities and the memory their VMs take.
    let hosts: Vec<NodeId> = (0..b.nodes().len() as u32)
        .map(NodeId)
        .filter(|n| {
            b.nodes()[n.index()]
                .host()
                .is_some_and(|h| h.guest().is_none())
        })
        .collect();
    let host_pos = |n: NodeId| hosts.iter().position(|&h| h == n).expect("a host");
    let mut load: Vec<HostLoad> = hosts
        .iter()
        .map(|&h| {
            let name = &b.nodes()[h.index()].name;
            let capacity = scenario
                .hosts
                .iter()
                .find(|s| s.name.get_ref() == name)
                .and_then(|s| s.capacity)
                .map_or(u64::MAX, |c| c.bytes());
            HostLoad { capacity, used: 0 }
        })
        .collect();
    let mut location: Vec<NodeId> = vms
        .iter()
        .map(|&v| {
            b.nodes()[v.index()]
                .host()
                .and_then(|h| h.guest())
                .expect("a VM")
                .host
        })
        .collect();
    for (i, v) in scenario.vms.iter().enumerate() {
        load[host_pos(location[i])].used += v.memory.bytes();
    }

    // Timed migrations in file order, then the periodic ones in the orchestrator's order.
    let (timed, periodic): (Vec<usize>, Vec<usize>) =
        (0..scenario.migrations.len()).partition(|&i| scenario.migrations[i].at.is_some());
    let sources: Vec<NodeId> = periodic
        .iter()
        .map(|&i| location[vm_index(scenario.migrations[i].vm.get_ref())])
        .collect();
    let order = scenario.orchestrator.order;
    let mut plan: Vec<(usize, SimTime)> = timed
        .iter()
        .map(|&i| (i, scenario.migrations[i].at.expect("timed")))
        .collect();
    let period = scenario
        .orchestrator
        .period
        .unwrap_or(SimTime::from_secs(10));
    for (k, &j) in migration_order(&sources, order).iter().enumerate() {
        plan.push((periodic[j], period * (k as u64 + 1)));
    }
    plan.sort_by_key(|&(i, at)| (at, i));

    let concurrent = scenario.orchestrator.concurrent;
    // Each migration adds its sink and its application; the orchestrator comes after them.
    let orchestrator = AppId(b.next_app_id().0 + 2 * plan.len() as u32);
    let mut handles = Vec::with_capacity(plan.len());
    for (ticket, (i, at)) in plan.into_iter().enumerate() {
        let m = &scenario.migrations[i];
        let vi = vm_index(m.vm.get_ref());
        let v = &scenario.vms[vi];
        let from = location[vi];
        let to = match &m.to {
            Some(name) => {
                let n = b
                    .node(name.get_ref())
                    .filter(|n| hosts.contains(n))
                    .ok_or_else(|| {
                        source.error_at(
                            name.span(),
                            format!("`{}` is not a host that can run VMs", name.get_ref()),
                            None,
                        )
                    })?;
                if n == from {
                    return Err(source.error_at(
                        name.span(),
                        format!(
                            "`{}` already runs `{}` then",
                            name.get_ref(),
                            v.name.get_ref()
                        ),
                        Some("migrate to another host".into()),
                    ));
                }
                n
            }
            None => {
                let pos = choose_target(
                    v.memory.bytes(),
                    &load,
                    Some(host_pos(from)),
                    TargetPolicy::MostFree,
                )
                .ok_or_else(|| {
                    source.error_at(
                        m.vm.span(),
                        format!("no host has room for `{}`", v.name.get_ref()),
                        Some("give a `to`, or more `[[host]] capacity`".into()),
                    )
                })?;
                hosts[pos]
            }
        };
        load[host_pos(from)].used -= v.memory.bytes();
        load[host_pos(to)].used += v.memory.bytes();
        location[vi] = to;
        // The target's own restore-and-resume time (`[[host]] resume_time`): the part of the
        // service break that the destination machine's hardware sets (seed 004 §IV).
        let to_name = &b.nodes()[to.index()].name;
        let resume_time = scenario
            .hosts
            .iter()
            .find(|s| s.name.get_ref() == to_name)
            .map_or(SimTime::ZERO, |s| s.resume_time);
        let algorithm = m.settings.engine(resume_time);
        let rng = streams.stream(&format!("migration/{}/{i}", v.name.get_ref()));
        let engine = Migration::new(&vm_config(v), &algorithm, rng)
            .map_err(|e| source.error_at(m.vm.span(), format!("bad migration: {e}"), None))?;
        let to_ip: Ipv4Addr = b.nodes()[to.index()].ip.expect("hosts have addresses");
        let sink = b.add_app(
            to,
            u32::MAX,
            Box::new(PacketSink::new()),
            SimTime::ZERO,
            None,
        );
        b.listen_tcp(sink, port(i))
            .map_err(|e| source.error_at(m.vm.span(), e.to_string(), None))?;
        let app = MigrationApp::new(engine, vms[vi], to, to_ip, port(i)).with_orchestrator(
            orchestrator,
            Orchestrator::admits_at_start(concurrent, ticket),
        );
        let app = b.add_app(from, u32::MAX, Box::new(app), at, None);
        handles.push(MigrationHandle {
            vm: v.name.get_ref().clone(),
            vm_index: vi,
            from: b.nodes()[from.index()].name.clone(),
            to: b.nodes()[to.index()].name.clone(),
            at,
            app,
            sink,
            mobility: m.mobility.as_ref().map(|s| *s.get_ref()),
        });
    }
    if let Some(first) = handles.first() {
        // It sends no packets; it lives on the first migration's source host.
        let host = b.node(&first.from).expect("a host");
        let apps = handles.iter().map(|h| h.app).collect();
        let o = Orchestrator::new(apps, concurrent, scenario.end_after_migrations);
        let id = b.add_app(host, u32::MAX, Box::new(o), SimTime::ZERO, None);
        assert_eq!(id, orchestrator, "the orchestrator's id was foreseen");
    }
    Ok(handles)
}
