//! `[[migration]]` and `[orchestrator]`: each migration becomes a [`vm::app::MigrationApp`] on
//! the VM's source host streaming over TCP to a sink on the destination host.
//!
//! * Source: the host the VM runs on when the migration is planned — its `[[vm]] host` for the
//!   first migration of a VM, the previous migration's destination after that.
//! * Destination: `to`, or the orchestrator's choice (seed 004 §III.B, `vm::placement`): a
//!   host whose cpu, memory and bandwidth all fit the VM, by `[orchestrator] placement`
//!   (`symmetrical`: only a machine equal to the source; hosts without hardware keys are
//!   unlimited), ties to the earliest host in node order, never the source.
//! * Trigger: `at`, or, for migrations without `at`, the orchestrator's periodic trigger (seed
//!   000): the k-th such migration (in `order`: machine-by-machine or round-robin over source
//!   hosts, seed 004) is triggered at k × `period`.
//! * Resume: the destination's `[[host]] resume_time` (default 0) passes from the final
//!   round's last acknowledgement to the VM running there — restoring and resuming it on that
//!   machine's hardware (seed 004).
//! * `image` (with `via`): an [`ImageMigrationApp`] on the source, an [`ImageRelay`] and the
//!   upload's sink on `via`, the download's sink on the target; save and restore times from
//!   the hosts' hardware.
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
use vm::image::app::{ImageMigrationApp, ImageRelay};
use vm::image::{ImageConfig, ImageMigration};
use vm::orchestrator::{Orchestrator, migration_order};
use vm::placement::{HostHardware, HostState, Resources, VmDemand, choose, symmetric_match};
use vm::{Migration, VmConfig};

use crate::scenario::{Scenario, ScenarioError, ScenarioSource};

pub mod channel;

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
    /// The sink that receives the migration stream (on the destination host; for `image`,
    /// the temporary server's upload sink).
    pub sink: AppId,
    /// `mobility`, if the migration sets one (seed 003).
    pub mobility: Option<vm::Mobility>,
}

/// The application that measures a VM workload's service: the client of a request-response,
/// ping or stream workload (what comes back), the VM's receiver of a stream into it; `None` for an
/// http-probe, which measures each migration from its own samples (`crate::probe`).
pub(crate) fn service_app(f: &crate::build::FlowHandle) -> Option<AppId> {
    use net_stack::apps::FlowKind;
    match (f.kind, f.receiver) {
        (FlowKind::HttpProbe, _) => None,
        (FlowKind::RequestResponse | FlowKind::Ping | FlowKind::Stream, _) | (_, None) => {
            Some(f.sender)
        }
        (_, Some(rx)) => Some(rx),
    }
}

/// A VM's demand vector from its `[[vm]]` table.
fn demand(v: &crate::scenario::VmSpec) -> Resources {
    VmDemand {
        vcpus: v.vcpus,
        cpu_utilization: v.cpu_utilization,
        memory: v.memory.bytes(),
        bandwidth: v.bandwidth,
    }
    .requirement()
}

/// TCP port of migration `i`'s sink (for `image`, the temporary server's).
fn port(i: usize) -> u16 {
    50_000 + i as u16
}

/// TCP port of image migration `i`'s sink on the target.
fn image_port(i: usize) -> u16 {
    53_000 + i as u16
}

/// The VM's memory model parameters from its `[[vm]]` table.
pub fn vm_config(v: &crate::scenario::VmSpec) -> VmConfig {
    VmConfig {
        memory: v.memory,
        page_size: v.page_size,
        dirty_rate: v.dirty_rate,
        hot_fraction: v.hot_fraction,
        state: v.state,
        dirty_arrivals: v.dirty_arrivals,
    }
}

/// Plans every migration and installs its applications. `vms` are the VMs' nodes in
/// `[[vm]]` order; a VM's workload among `flows` is told of each of its migrations
/// ([`service_app`]).
pub fn install(
    b: &mut NetworkBuilder,
    scenario: &Scenario,
    source: &ScenarioSource,
    vms: &[NodeId],
    flows: &[crate::build::FlowHandle],
) -> Result<Vec<MigrationHandle>, ScenarioError> {
    let streams = RngStreams::new(scenario.seed);
    let vm_index = |name: &str| {
        scenario
            .vms
            .iter()
            .position(|v| v.name.get_ref() == name)
            .expect("validated: migrations name defined VMs")
    };
    // Physical hosts in node order, with their hardware and the demands of their VMs.
    let hosts: Vec<NodeId> = (0..b.nodes().len() as u32)
        .map(NodeId)
        .filter(|n| {
            b.nodes()[n.index()]
                .host()
                .is_some_and(|h| h.guest().is_none())
        })
        .collect();
    let host_pos = |n: NodeId| hosts.iter().position(|&h| h == n).expect("a host");
    let hardware: Vec<HostHardware> = hosts
        .iter()
        .map(|&h| {
            let name = &b.nodes()[h.index()].name;
            let stated = scenario
                .hosts
                .iter()
                .find(|s| s.name.get_ref() == name)
                .map_or_else(HostHardware::default, |s| s.hardware);
            HostHardware {
                link_rate: b.first_link_rate(h),
                ..stated
            }
        })
        .collect();
    let mut load: Vec<HostState> = hardware
        .iter()
        .map(|hw| HostState {
            cap: hw.capacity(),
            used: Resources::default(),
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
        let h = &mut load[host_pos(location[i])];
        h.used = h.used.plus(demand(v));
    }
    // Symmetrical migration: the target each source machine's VMs go to.
    let mut paired: Vec<(usize, usize)> = Vec::new();

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
    // Each migration adds its sink and its application (an image migration also its relay
    // and the target's sink); the orchestrator comes after them.
    let apps_per = |i: usize| {
        if scenario.migrations[i].via.is_some() {
            4
        } else {
            2
        }
    };
    let orchestrator =
        AppId(b.next_app_id().0 + plan.iter().map(|&(i, _)| apps_per(i)).sum::<u32>());
    let mut handles = Vec::with_capacity(plan.len());
    for (ticket, (i, at)) in plan.into_iter().enumerate() {
        let m = &scenario.migrations[i];
        let vi = vm_index(m.vm.get_ref());
        let v = &scenario.vms[vi];
        let from = location[vi];
        let workload = crate::build::workload_name(v.name.get_ref());
        let observer = flows
            .iter()
            .find(|f| f.name == workload)
            .and_then(service_app);
        let to = match &m.to {
            Some(name) => {
                let n = b
                    .node(name.get_ref())
                    .filter(|n| hosts.contains(n))
                    .ok_or_else(|| {
                        let names: Vec<&str> = hosts
                            .iter()
                            .map(|h| b.nodes()[h.index()].name.as_str())
                            .collect();
                        let hosts_are = "the hosts that can run VMs";
                        let (what, help) = match b.node(name.get_ref()) {
                            Some(n) => (
                                if b.nodes()[n.index()].is_host() {
                                    "a VM, not a host"
                                } else {
                                    "a switch or router, not a host"
                                },
                                format!("{hosts_are} are {}", crate::build::compact_names(&names)),
                            ),
                            None => (
                                "no node of the topology",
                                crate::build::name_help(name.get_ref(), &names, hosts_are),
                            ),
                        };
                        source.error_at(
                            name.span(),
                            format!(
                                "`{}` is {what}: a migration moves a VM to a host that can run VMs",
                                name.get_ref()
                            ),
                            Some(help),
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
                let src = host_pos(from);
                let paired_to = paired.iter().find(|p| p.0 == src).map(|p| p.1);
                let pos = match paired_to {
                    Some(t) if scenario.orchestrator.symmetrical => Some(t),
                    _ => {
                        let mut candidates = load.clone();
                        if scenario.orchestrator.symmetrical {
                            // Only machines equal to the source and not yet paired qualify.
                            for (k, c) in candidates.iter_mut().enumerate() {
                                let taken = paired.iter().any(|p| p.1 == k);
                                if taken || symmetric_match(&hardware[src], &hardware[k]).is_some()
                                {
                                    c.cap = Resources::default();
                                }
                            }
                        }
                        choose(
                            demand(v),
                            &candidates,
                            Some(src),
                            scenario.orchestrator.placement,
                        )
                    }
                }
                .ok_or_else(|| {
                    source.error_at(
                        m.vm.span(),
                        format!(
                            "no host fits `{}` (CAP ≥ REQ + ΣREQ for cpu, memory and bandwidth{})",
                            v.name.get_ref(),
                            if scenario.orchestrator.symmetrical {
                                ", on a machine equal to its source"
                            } else {
                                ""
                            }
                        ),
                        Some("give a `to`, or more `[[host]]` cpus, memory or link rate".into()),
                    )
                })?;
                hosts[pos]
            }
        };
        let (src, dst) = (host_pos(from), host_pos(to));
        if scenario.orchestrator.symmetrical {
            if let Some(diff) = symmetric_match(&hardware[src], &hardware[dst]) {
                let at = m.to.as_ref().map_or(m.vm.span(), |t| t.span());
                return Err(source.error_at(
                    at,
                    format!(
                        "symmetrical migration needs equal machines: `{}` differs from `{}` ({diff})",
                        b.nodes()[to.index()].name,
                        b.nodes()[from.index()].name
                    ),
                    Some("give both hosts the same `[[host]]` hardware, or set `symmetrical = false`".into()),
                ));
            }
            if !paired.contains(&(src, dst)) {
                paired.push((src, dst));
            }
        }
        load[src].used = load[src].used.minus(demand(v));
        load[dst].used = load[dst].used.plus(demand(v));
        location[vi] = to;
        // The target's own restore-and-resume time (`[[host]] resume_time`): the part of the
        // service break that the destination machine's hardware sets (seed 004 §IV).
        let to_name = &b.nodes()[to.index()].name;
        let resume_time = scenario
            .hosts
            .iter()
            .find(|s| s.name.get_ref() == to_name)
            .map_or(SimTime::ZERO, |s| s.resume_time);
        let to_ip: Ipv4Addr = b.nodes()[to.index()].ip.expect("hosts have addresses");
        if let Some(via) = &m.via {
            if let Some(s) = v
                .storage
                .as_ref()
                .filter(|s| s.get_ref().storage == vm::Storage::Copy)
            {
                return Err(source.error_at(
                    s.span(),
                    format!("`storage = \"copy\"` of vm `{}` is not modelled for an `image` migration", v.name.get_ref()),
                    Some("an image migration saves the whole VM; use `storage = \"shared\"` or another algorithm".into()),
                ));
            }
            let temp = b
                .node(via.get_ref())
                .filter(|n| hosts.contains(n) && *n != from && *n != to)
                .ok_or_else(|| {
                    source.error_at(
                        via.span(),
                        format!(
                            "`{}` is not a host other than the migration's source and target",
                            via.get_ref()
                        ),
                        Some("`via` names the temporary (FTP) server, a third host".into()),
                    )
                })?;
            let cfg = ImageConfig::new(
                (
                    v.memory.bytes(),
                    vm_config(v).pages(),
                    v.vcpus,
                    v.state.bytes(),
                ),
                &hardware[src],
                &hardware[dst],
                m.settings.restore_cycles_per_byte,
            );
            let temp_ip = b.nodes()[temp.index()].ip.expect("hosts have addresses");
            let listen = |b: &mut NetworkBuilder, node: NodeId, port: u16| {
                let sink = b.add_app(
                    node,
                    u32::MAX,
                    Box::new(PacketSink::new()),
                    SimTime::ZERO,
                    None,
                );
                b.listen_tcp(sink, port)
                    .map(|()| sink)
                    .map_err(|e| source.error_at(m.vm.span(), e.to_string(), None))
            };
            let up = listen(b, temp, port(i))?;
            let down = listen(b, to, image_port(i))?;
            let app_id = AppId(b.next_app_id().0 + 1);
            let relay = ImageRelay::new(app_id, (to_ip, image_port(i)), cfg.image);
            let relay = b.add_app(temp, u32::MAX, Box::new(relay), SimTime::ZERO, None);
            let app = ImageMigrationApp::new(
                ImageMigration::new(cfg),
                (vms[vi], to),
                (temp_ip, port(i)),
                relay,
            )
            .with_orchestrator(
                orchestrator,
                Orchestrator::admits_at_start(concurrent, ticket),
            );
            let app = match observer {
                Some(o) => app.with_observer(o),
                None => app,
            };
            let app = b.add_app(from, u32::MAX, Box::new(app), at, None);
            assert_eq!(app, app_id, "the migration's id was foreseen");
            if let Some(cfg) = m.tcp {
                // Both legs of the image copy run the hypervisors' own stack.
                for a in [app, relay, up, down] {
                    b.tcp_config_for_app(a, cfg);
                }
            }
            handles.push(MigrationHandle {
                vm: v.name.get_ref().clone(),
                vm_index: vi,
                from: b.nodes()[from.index()].name.clone(),
                to: b.nodes()[to.index()].name.clone(),
                at,
                app,
                sink: up,
                mobility: m.mobility.as_ref().map(|s| *s.get_ref()),
            });
            continue;
        }
        let algorithm = m
            .settings
            .engine(resume_time)
            .expect("validated: only image migrations have no engine, and they name `via`");
        let rng = streams.stream(&format!("migration/{}/{i}", v.name.get_ref()));
        let engine = match &v.storage {
            None => Migration::new(&vm_config(v), &algorithm, rng)
                .map_err(|e| source.error_at(m.vm.span(), format!("bad migration: {e}"), None))?,
            Some(s) => {
                let disk_rng = streams.stream(&format!("disk/{}/{i}", v.name.get_ref()));
                Migration::with_storage(&vm_config(v), &algorithm, s.get_ref(), rng, disk_rng)
                    .map_err(|e| {
                        let msg = format!("migration of `{}`: {e}", v.name.get_ref());
                        source.error_at(s.span(), msg, None)
                    })?
            }
        };
        let sink = b.add_app(
            to,
            u32::MAX,
            Box::new(PacketSink::new()),
            SimTime::ZERO,
            None,
        );
        let admitted = Orchestrator::admits_at_start(concurrent, ticket);
        let app: Box<dyn net_stack::app::Application> = match m.settings.transport {
            vm::channel::MigrationTransport::Tcp => {
                b.listen_tcp(sink, port(i))
                    .map_err(|e| source.error_at(m.vm.span(), e.to_string(), None))?;
                let mut app = MigrationApp::new(engine, vms[vi], to, to_ip, port(i))
                    .with_orchestrator(orchestrator, admitted);
                if scenario.network_migration.is_some() {
                    app = app.tell_switch_plane();
                }
                match observer {
                    Some(o) => Box::new(app.with_observer(o)),
                    None => Box::new(app),
                }
            }
            vm::channel::MigrationTransport::Channel => {
                // Seed 000's `Move_Data`: timed at the path's bottleneck, no packets (the
                // sink stays, unused, so that application ids are as planned).
                let rate = channel::bottleneck_rate(b, from, to).ok_or_else(|| {
                    source.error_at(
                        m.vm.span(),
                        format!(
                            "no path joins `{}` and `{}` for the channel",
                            b.nodes()[from.index()].name,
                            b.nodes()[to.index()].name
                        ),
                        None,
                    )
                })?;
                let app = vm::channel::ChannelMigrationApp::new(engine, vms[vi], to, rate);
                Box::new(app.with_orchestrator(orchestrator, admitted))
            }
        };
        let app = b.add_app(from, u32::MAX, app, at, None);
        if let Some(cfg) = m.tcp {
            // The hypervisors' own stack: the stream's sender and the target's listener
            // (unused by the `channel` transport, which sends no packets).
            b.tcp_config_for_app(app, cfg).tcp_config_for_app(sink, cfg);
        }
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
