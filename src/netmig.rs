//! `[network_migration]`: a whole-network migration (seed 001, Arora & Perez-Botero) driven by
//! the run.
//!
//! ```text
//!  [network_migration] ──plan──► TwinMap (dpids, ports from the topology's build order)
//!        │                        + the phases' times + one [[migration]] per VM to move
//!        ▼
//!  sdn.rs: controller c0 = apps on the old network's view behind a MigrationShim
//!  plane:  NetMigDriver — PREPARE_MIGRATION and MIGRATE_SWITCHES at their times; a host
//!          position moves when its last VM resumes (Signal::Resumed from its MigrationApp)
//!  hosts:  StreamPlane — the migration stream old host → new host leaves without ARP; the
//!          shim tunnels it through the inter-network link (VLAN tags, via the tunnel switch)
//! ```
//!
//! A host position is an old host and its counterpart: the VMs running on the old host at the
//! start are migrated (ordinary pre-copy, `[[migration]]` defaults) to the new one when the
//! position's turn comes, one migration at a time (the orchestrator's admission).

mod instant;
mod stream;
mod summary;
mod table;

use std::net::Ipv4Addr;

use net_stack::{AppId, NetworkBuilder};
use openflow::controller::{AppConfig, AppKind, Controller, app_with_config};
use openflow::netmig::{Algorithm, MigrationShim, Position, TunnelPort, TwinError, TwinMap};
use openflow::plane::netmig::{NetMigCommand, NetMigDriver};
use openflow::plane::{MakeController, OpenFlowPlane};
use sim_core::SimTime;
use toml::Spanned;

use crate::scenario::{MigrationSettings, MigrationSpec, Scenario, ScenarioError, ScenarioSource};
pub use instant::InstantMove;
pub use stream::StreamPlane;
pub use summary::{NetMigSummary, ping_echoes, plot, summary, timeline};
pub use table::{ConsoleLine, HostMove, HostMoveKind, NetMigTable};

/// When MIGRATE_SWITCHES runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finalize {
    /// At this time.
    At(SimTime),
    /// At the instant the last position has moved.
    AfterLastResume,
    /// Not in this run.
    Never,
}

/// One host position of the plan.
#[derive(Clone, Debug)]
pub struct PositionPlan {
    /// Old host name.
    pub old: String,
    /// New host name.
    pub new: String,
    /// Their addresses.
    pub ips: (Ipv4Addr, Ipv4Addr),
    /// When its VMs' migrations are triggered.
    pub at: SimTime,
    /// The VMs (indices into `[[vm]]`) running on the old host.
    pub vms: Vec<usize>,
    /// Their names.
    pub vm_names: Vec<String>,
}

/// A checked `[network_migration]`.
#[derive(Clone, Debug)]
pub struct NetMigPlan {
    /// The two networks and the tunnel switch, as the controller numbers them.
    pub twin: TwinMap,
    /// ASAP or ALAP.
    pub algorithm: Algorithm,
    /// The host positions, in order.
    pub positions: Vec<PositionPlan>,
    /// PREPARE_MIGRATION.
    pub prepare: Option<SimTime>,
    /// MIGRATE_SWITCHES.
    pub finalize: Finalize,
    /// How the positions' VMs move.
    pub host_move: HostMoveKind,
}

fn err(source: &ScenarioSource, at: std::ops::Range<usize>, msg: String) -> ScenarioError {
    source.error_at(at, msg, None)
}

/// Switch dpids as the OpenFlow plane numbers them (switches in node order, from 1).
fn dpid_of(b: &NetworkBuilder, name: &str) -> Option<u64> {
    let mut d = 0;
    for n in b.nodes() {
        if n.is_switch() {
            d += 1;
            if n.name == name {
                return Some(d);
            }
        }
    }
    None
}

/// The OpenFlow port (from 1) of `node`'s link to `peer` in the topology's build order.
fn port_to(topo: &topologies::Topology, node: &str, peer: &str) -> Option<u32> {
    let n = topo.node(node)?;
    let ports = topo.ports(n);
    let i = ports.iter().position(|&(_, p)| topo.name(p) == peer)?;
    Some(i as u32 + 1)
}

/// Checks `[network_migration]` against the topology; `None` without one.
pub fn plan(
    scenario: &Scenario,
    source: &ScenarioSource,
    topo: &topologies::Topology,
    b: &NetworkBuilder,
) -> Result<Option<NetMigPlan>, ScenarioError> {
    let Some(t) = &scenario.network_migration else {
        return Ok(None);
    };
    let whole = t.span();
    let t = t.get_ref();
    if !scenario.controller.app.is_openflow() {
        return Err(err(
            source,
            whole,
            "[network_migration] needs an OpenFlow controller (`[controller] app` other than \"none\")".into(),
        ));
    }
    let is_switch = |name: &str| dpid_of(b, name).is_some();
    // The switch mapping.
    let mut pairs: Vec<(String, String, std::ops::Range<usize>)> = Vec::new();
    match &t.switches {
        Some(list) => {
            for p in list.get_ref() {
                let (o, n) = p.get_ref().clone();
                pairs.push((o, n, p.span()));
            }
        }
        None => {
            for n in b.nodes().iter().filter(|n| n.is_switch()) {
                if let Some(rest) = n.name.strip_prefix('o')
                    && is_switch(&format!("n{rest}"))
                {
                    pairs.push((n.name.clone(), format!("n{rest}"), whole.clone()));
                }
            }
        }
    }
    for (o, n, at) in &pairs {
        for name in [o, n] {
            if !is_switch(name) {
                return Err(err(
                    source,
                    at.clone(),
                    format!(
                        "`{name}` in `network_migration.switches` is not a switch of the topology (a switch in no network)"
                    ),
                ));
            }
        }
    }
    let ts_name = t
        .tunnel_switch
        .as_ref()
        .map_or("ts".to_string(), |s| s.get_ref().clone());
    let ts_span = t
        .tunnel_switch
        .as_ref()
        .map_or(t.algorithm.span(), Spanned::span);
    let alg = *t.algorithm.get_ref();
    let Some(ts) = dpid_of(b, &ts_name) else {
        return Err(err(
            source,
            ts_span,
            format!(
                "Tunnel {} needs a tunnel link, and the topology has no switch `{ts_name}` for it",
                alg.as_str().to_uppercase()
            ),
        ));
    };
    let dp = |name: &str| dpid_of(b, name).expect("checked switch");
    let mut tunnel_ports = Vec::new();
    for (o, n, _) in &pairs {
        for s in [o, n] {
            if let (Some(port), Some(ts_port)) =
                (port_to(topo, s, &ts_name), port_to(topo, &ts_name, s))
            {
                tunnel_ports.push(TunnelPort {
                    dpid: dp(s),
                    port,
                    ts_port,
                });
            }
        }
    }
    // The host positions and their times.
    let times = phase_times(t, source)?;
    let mut positions = Vec::new();
    let mut twin_positions = Vec::new();
    for (i, h) in t.hosts.get_ref().iter().enumerate() {
        let h = h.get_ref();
        let mut ends = Vec::new();
        for (name, old_side) in [(&h.old, true), (&h.new, false)] {
            let node = topo
                .node(name.get_ref())
                .filter(|&n| topo.spec(n).role.is_host());
            let Some(node) = node else {
                return Err(err(
                    source,
                    name.span(),
                    format!("`{}` is not a host of the topology", name.get_ref()),
                ));
            };
            let sw = topo
                .ports(node)
                .first()
                .map(|&(_, p)| topo.name(p).to_string());
            let side = sw.as_ref().and_then(|s| {
                pairs
                    .iter()
                    .find(|p| if old_side { &p.0 == s } else { &p.1 == s })
            });
            let (Some(sw), Some(_)) = (sw, side) else {
                let which = if old_side { "old" } else { "new" };
                return Err(err(
                    source,
                    name.span(),
                    format!(
                        "host `{}` is in no network: its switch is not one of the {which} network's switches",
                        name.get_ref()
                    ),
                ));
            };
            let port = port_to(topo, &sw, name.get_ref()).expect("linked");
            let ip = topo.ip(node).expect("hosts have addresses");
            ends.push(((dp(&sw), port), ip));
        }
        twin_positions.push(Position {
            old: ends[0].0,
            new: ends[1].0,
        });
        let vms: Vec<usize> = scenario
            .vms
            .iter()
            .enumerate()
            .filter(|(_, v)| v.host.get_ref() == h.old.get_ref())
            .map(|(j, _)| j)
            .collect();
        let vm_names = vms
            .iter()
            .map(|&j| scenario.vms[j].name.get_ref().clone())
            .collect();
        positions.push(PositionPlan {
            old: h.old.get_ref().clone(),
            new: h.new.get_ref().clone(),
            ips: (ends[0].1, ends[1].1),
            at: times.hosts[i],
            vms,
            vm_names,
        });
    }
    let twin = TwinMap {
        pairs: pairs.iter().map(|(o, n, _)| (dp(o), dp(n))).collect(),
        tunnel_switch: ts,
        tunnel_ports,
        positions: twin_positions,
    };
    if let Err(e) = twin.validate() {
        let name_of = |d: u64| {
            b.nodes()
                .iter()
                .filter(|n| n.is_switch())
                .nth(d as usize - 1)
                .map_or(String::new(), |n| n.name.clone())
        };
        let msg = match e {
            TwinError::NotBijection(d) => format!(
                "the switch mapping is not a bijection: `{}` appears twice",
                name_of(d)
            ),
            TwinError::NoTunnel(d) => format!(
                "Tunnel {} needs a tunnel link: switch `{}` has a host position but no link to `{ts_name}`",
                alg.as_str().to_uppercase(),
                name_of(d)
            ),
            TwinError::PositionMismatch(i, o, n) => {
                let h = t.hosts.get_ref()[i].get_ref();
                let (old_sw, new_sw) = (name_of(o), name_of(n));
                let counterpart = pairs
                    .iter()
                    .find(|p| p.0 == old_sw)
                    .map_or(String::new(), |p| p.1.clone());
                return Err(source.error_at(
                    t.hosts.get_ref()[i].span(),
                    format!(
                        "host position {}: old host `{}` is on `{old_sw}`, whose counterpart in \
                         the new network is `{counterpart}`, but new host `{}` is on `{new_sw}`",
                        i + 1,
                        h.old.get_ref(),
                        h.new.get_ref()
                    ),
                    Some(format!(
                        "pair `{}` with a new host on `{counterpart}`, or map `{old_sw}` to \
                         `{new_sw}` in `switches`",
                        h.old.get_ref()
                    )),
                ));
            }
            other => other.to_string(),
        };
        let at = t.switches.as_ref().map_or(whole.clone(), Spanned::span);
        return Err(err(source, at, msg));
    }
    Ok(Some(NetMigPlan {
        twin,
        algorithm: alg,
        positions,
        prepare: times.prepare,
        finalize: times.finalize,
        host_move: t
            .host_move
            .as_ref()
            .map_or_else(HostMoveKind::default, |m| *m.get_ref()),
    }))
}

/// The phases' times, from `prepare`/`at`/`finalize` or from the console lines.
struct Times {
    prepare: Option<SimTime>,
    hosts: Vec<SimTime>,
    finalize: Finalize,
}

fn phase_times(t: &NetMigTable, source: &ScenarioSource) -> Result<Times, ScenarioError> {
    let n = t.hosts.get_ref().len();
    if n == 0 {
        return Err(err(
            source,
            t.hosts.span(),
            "`network_migration.hosts` lists no host".into(),
        ));
    }
    // (time, what, span), in phase order, to check the order.
    let mut seq: Vec<(SimTime, String, std::ops::Range<usize>)> = Vec::new();
    let mut times = Times {
        prepare: None,
        hosts: vec![SimTime::ZERO; n],
        finalize: Finalize::Never,
    };
    if !t.console.is_empty() {
        if let Some(x) = t
            .prepare
            .as_ref()
            .map(Spanned::span)
            .or_else(|| t.finalize.as_ref().map(Spanned::span))
        {
            return Err(err(
                source,
                x,
                "give the phases either as `console` lines or as `prepare`, `at` and `finalize`, not both".into(),
            ));
        }
        let mut seen = vec![false; n];
        for line in &t.console {
            let l = line.get_ref();
            let at = *l.at.get_ref();
            let cmd = parse_command(l.command.get_ref(), n).ok_or_else(|| {
                err(
                    source,
                    l.command.span(),
                    format!(
                        "unknown console command `{}` (PREPARE_MIGRATION, MIGRATE_HOST_1 … MIGRATE_HOST_{n}, MIGRATE_SWITCHES)",
                        l.command.get_ref()
                    ),
                )
            })?;
            match cmd {
                NetMigCommand::Prepare => times.prepare = Some(at),
                NetMigCommand::MigrateHost(i) => {
                    times.hosts[i] = at;
                    seen[i] = true;
                }
                NetMigCommand::MigrateSwitches => times.finalize = Finalize::At(at),
            }
            seq.push((at, cmd.console_name(), l.command.span()));
        }
        if let Some(i) = seen.iter().position(|s| !s) {
            return Err(err(
                source,
                t.hosts.get_ref()[i].span(),
                format!("no console line MIGRATE_HOST_{} moves this host", i + 1),
            ));
        }
    } else {
        let Some(p) = &t.prepare else {
            return Err(err(
                source,
                t.hosts.span(),
                "`network_migration.prepare` (or `console` lines) is required".into(),
            ));
        };
        times.prepare = Some(*p.get_ref());
        seq.push((*p.get_ref(), "prepare".into(), p.span()));
        for (i, h) in t.hosts.get_ref().iter().enumerate() {
            let at = match &h.get_ref().at {
                Some(s) if s.get_ref() == "after-previous" && i > 0 => times.hosts[i - 1],
                Some(s) => s.get_ref().parse::<SimTime>().map_err(|e| {
                    err(
                        source,
                        s.span(),
                        format!("`at`: {e} (a time, or \"after-previous\" after the first host)"),
                    )
                })?,
                None => {
                    return Err(err(
                        source,
                        h.span(),
                        "a host to migrate needs `at` (a time, or \"after-previous\")".into(),
                    ));
                }
            };
            times.hosts[i] = at;
            let span = h.get_ref().at.as_ref().map_or(h.span(), Spanned::span);
            seq.push((at, format!("host {}", i + 1), span));
        }
        if let Some(f) = &t.finalize {
            times.finalize = if f.get_ref() == "after-last-resume" {
                Finalize::AfterLastResume
            } else {
                let at = f.get_ref().parse::<SimTime>().map_err(|e| {
                    err(
                        source,
                        f.span(),
                        format!("`finalize`: {e} (a time, or \"after-last-resume\")"),
                    )
                })?;
                seq.push((at, "finalize".into(), f.span()));
                Finalize::At(at)
            };
        }
    }
    for w in seq.windows(2) {
        if w[1].0 < w[0].0 {
            return Err(err(
                source,
                w[1].2.clone(),
                format!(
                    "{} at {} is before the previous phase ({} at {})",
                    w[1].1, w[1].0, w[0].1, w[0].0
                ),
            ));
        }
    }
    Ok(times)
}

/// `PREPARE_MIGRATION`, `MIGRATE_HOST_<n>` (1 ≤ n ≤ `hosts`) or `MIGRATE_SWITCHES`.
fn parse_command(s: &str, hosts: usize) -> Option<NetMigCommand> {
    match s {
        "PREPARE_MIGRATION" => Some(NetMigCommand::Prepare),
        "MIGRATE_SWITCHES" => Some(NetMigCommand::MigrateSwitches),
        _ => {
            let n: usize = s.strip_prefix("MIGRATE_HOST_")?.parse().ok()?;
            (1..=hosts)
                .contains(&n)
                .then_some(NetMigCommand::MigrateHost(n - 1))
        }
    }
}

impl NetMigPlan {
    /// The scenario with one `[[migration]]` per VM to move (after the file's own), each
    /// triggered at its position's time, to the position's new host, with default settings
    /// (none with `host_move = "instant"`).
    pub fn with_migrations(&self, scenario: &Scenario) -> Scenario {
        let mut s = scenario.clone();
        if self.host_move == HostMoveKind::Instant {
            return s;
        }
        for p in &self.positions {
            for &v in &p.vms {
                let vm = &scenario.vms[v];
                s.migrations.push(MigrationSpec {
                    vm: vm.name.clone(),
                    to: Some(Spanned::new(vm.name.span(), p.new.clone())),
                    at: Some(p.at),
                    settings: MigrationSettings::default(),
                    mobility: None,
                    convergence_delay: vm::mobility::DEFAULT_CONVERGENCE_DELAY,
                    via: None,
                    home_agent: None,
                    mip: Default::default(),
                    nic: Default::default(),
                    tcp: None,
                });
            }
        }
        s
    }

    /// Builds controller `c0`: the apps on the old network's view behind the migration shim.
    pub fn make_controller(&self, apps: Vec<AppKind>, config: AppConfig) -> MakeController {
        let twin = self.twin.clone();
        let algorithm = self.algorithm;
        let streams = self
            .positions
            .iter()
            .map(|p| {
                (self.host_move == HostMoveKind::Precopy && !p.vms.is_empty()).then_some(p.ips)
            })
            .collect();
        Box::new(move |topology| {
            let view = twin.virtual_topology(&topology);
            let apps = apps
                .iter()
                .map(|&a| app_with_config(a, &view, config).expect("OpenFlow apps: checked"))
                .collect();
            let shim = MigrationShim::new(twin, algorithm).with_migration_streams(streams);
            Controller::with_apps(topology, apps, Box::new(shim)).with_app_view(view)
        })
    }

    /// The plane's driver: the timed commands (a position without VMs moves at its time).
    pub fn driver(&self) -> NetMigDriver {
        let mut commands = Vec::new();
        if let Some(p) = self.prepare {
            commands.push((p, NetMigCommand::Prepare));
        }
        for (i, p) in self.positions.iter().enumerate() {
            if p.vms.is_empty() {
                commands.push((p.at, NetMigCommand::MigrateHost(i)));
            }
        }
        if let Finalize::At(t) = self.finalize {
            commands.push((t, NetMigCommand::MigrateSwitches));
        }
        let mut d = NetMigDriver::default();
        d.commands = commands;
        d.finalize_after_last_resume = self.finalize == Finalize::AfterLastResume;
        d
    }

    /// After the migrations are installed: tells the plane which migration moves which
    /// position, and installs the stream plane for the positions with VMs; with
    /// `host_move = "instant"`, one [`InstantMove`] per position with VMs instead.
    pub fn attach(&self, b: &mut NetworkBuilder, migrations: &[crate::migrate::MigrationHandle]) {
        if self.host_move == HostMoveKind::Instant {
            self.attach_instant(b);
            return;
        }
        let apps: Vec<(AppId, usize)> = migrations
            .iter()
            .filter_map(|m| {
                let i = self
                    .positions
                    .iter()
                    .position(|p| p.old == m.from && p.new == m.to)?;
                Some((m.app, i))
            })
            .collect();
        set_driver_apps(b, apps);
        let pairs: Vec<_> = self
            .positions
            .iter()
            .filter(|p| !p.vms.is_empty())
            .filter_map(|p| Some((b.node(&p.old)?, b.node(&p.new)?)))
            .collect();
        if !pairs.is_empty() {
            b.host_plane(Box::new(StreamPlane::new(pairs)));
        }
    }

    /// `host_move = "instant"`: an [`InstantMove`] on each position's old host, started at
    /// the position's time, moves its VMs and tells the plane.
    fn attach_instant(&self, b: &mut NetworkBuilder) {
        let mut apps = Vec::new();
        for (i, p) in self.positions.iter().enumerate() {
            if p.vms.is_empty() {
                continue; // the driver moves it at its time
            }
            let (Some(old), Some(new)) = (b.node(&p.old), b.node(&p.new)) else {
                continue;
            };
            let vms = p.vm_names.iter().filter_map(|v| b.node(v)).collect();
            let app = b.add_app(
                old,
                u32::MAX,
                Box::new(InstantMove::new(vms, new)),
                p.at,
                None,
            );
            apps.push((app, i));
        }
        set_driver_apps(b, apps);
    }
}

/// Tells the plane's driver which application moves which position.
fn set_driver_apps(b: &mut NetworkBuilder, apps: Vec<(AppId, usize)>) {
    if let Some(d) = b
        .plane_mut()
        .and_then(|p| p.as_any_mut().downcast_mut::<OpenFlowPlane>())
        .and_then(OpenFlowPlane::network_migration_mut)
    {
        d.apps = apps;
    }
}
