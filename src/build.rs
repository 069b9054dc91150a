//! From a validated [`Scenario`] to a runnable simulation: topology, applications, traces.

use std::path::Path;

use net_stack::apps::{End, Traffic};
use net_stack::{AppId, Network, NetworkBuilder, NodeId};
use sim_core::{RngStreams, SimTime, Simulation};
use toml::Spanned;

use crate::estimate::{Driver, Estimate, LIMITS, Resource, exceeded, excess_message};
use crate::scenario::ScenarioWarning;
use crate::scenario::{
    AppKind, Ecmp, FlowKind, PcapSelection, Scenario, ScenarioError, ScenarioSource,
};
use crate::topology::{install, topology_of};

/// One scenario flow and the applications that carry it.
#[derive(Debug, Clone)]
pub struct FlowHandle {
    /// The flow's name.
    pub name: String,
    /// Its kind.
    pub kind: FlowKind,
    /// Source host name.
    pub src: String,
    /// Destination host name.
    pub dst: String,
    /// Start time.
    pub start: SimTime,
    /// Stop time, if any.
    pub stop: Option<SimTime>,
    /// The sending application.
    pub sender: AppId,
    /// The receiving application, if the flow has one (pings are answered by the host).
    pub receiver: Option<AppId>,
}

/// A simulation ready to run.
pub struct Built {
    /// The simulation, with application starts scheduled.
    pub sim: Simulation<Network>,
    /// The scenario's flows, in file order, then the VMs' workloads.
    pub flows: Vec<FlowHandle>,
    /// The migrations, in start order.
    pub migrations: Vec<crate::migrate::MigrationHandle>,
    /// The `[[workload]]` generators, in file order.
    pub workloads: Vec<crate::fct::WorkloadHandle>,
    /// The flows to the vCDN service (`crate::vcdn`), in file order.
    pub service_flows: Vec<crate::vcdn::ServiceFlow>,
}

/// The MAC address of each host's first port (its uplink), by topology node index, as
/// [`build`] assigns them (what pcaps and FLOW_MODs show): the nodes and links are installed
/// as the build installs them, without computing routes, so a huge topology costs no more
/// than its links.
pub fn host_macs(
    scenario: &Scenario,
    topology: &topologies::Topology,
) -> Vec<Option<net_stack::wire::MacAddr>> {
    let mut b = NetworkBuilder::new(RngStreams::new(scenario.seed));
    if crate::routed::is_routed(scenario) {
        crate::routed::install(topology, &mut b);
    } else {
        install(topology, &mut b, scenario.controller.app.is_openflow());
    }
    (0..topology.node_count())
        .map(|i| {
            let node = NodeId(i as u32);
            b.nodes()[i]
                .is_host()
                .then(|| b.attachment(node).map(|(mac, _, _)| mac))
                .flatten()
        })
        .collect()
}

/// Builds the scenario. Pcap files are created under `out/pcap/`. Errors point into `source`.
pub fn build(
    scenario: &Scenario,
    source: &ScenarioSource,
    out: &Path,
) -> Result<Built, ScenarioError> {
    let mut b = NetworkBuilder::new(RngStreams::new(scenario.seed));
    b.tcp_config(scenario.tcp);
    b.ecmp(scenario.controller.ecmp);
    let topo = &scenario.topology;
    let openflow = scenario.controller.app.is_openflow();
    let routed = crate::routed::is_routed(scenario);
    let topology = topology_of(scenario, source)?;
    if routed {
        crate::routed::install(&topology, &mut b);
    } else {
        install(&topology, &mut b, openflow);
    }
    let netmig = crate::netmig::plan(scenario, source, &topology, &b)?;
    let with_vm_moves;
    let scenario = match &netmig {
        Some(p) => {
            with_vm_moves = p.with_migrations(scenario);
            &with_vm_moves
        }
        None => scenario,
    };
    if openflow {
        let capture = scenario
            .trace
            .openflow_pcap
            .then(|| out.join("pcap").join("openflow.pcap"));
        crate::sdn::install(
            &mut b,
            scenario,
            source,
            capture.as_deref(),
            netmig.as_ref(),
        )?;
    }
    crate::new_mac::arp(scenario, source, &mut b, routed || openflow)?;
    let mut vms = Vec::with_capacity(scenario.vms.len());
    let mut taken = std::collections::BTreeMap::new();
    for (i, v) in scenario.vms.iter().enumerate() {
        if let Some(node) = b.node(v.name.get_ref()) {
            // A VM is a node of the network too: its name must not be taken.
            let kind = if b.nodes()[node.index()].is_host() {
                "host"
            } else {
                "forwarding node"
            };
            return Err(source.error_at(
                v.name.span(),
                format!(
                    "the [[vm]] named `{0}` has the name of the topology's {kind} `{0}`",
                    v.name.get_ref()
                ),
                Some(
                    "a VM is a node of the network, named apart from the topology's nodes;                      rename the [[vm]] (and the flows, migrations and `host` keys that name it)"
                        .into(),
                ),
            ));
        }
        let host = host_named(&b, source, &v.host)?;
        if b.nodes()[host.index()]
            .host()
            .is_some_and(|h| h.guest().is_some())
        {
            return Err(source.error_at(
                v.host.span(),
                format!("`{}` is a VM; a VM runs on a host", v.host.get_ref()),
                None,
            ));
        }
        let ip = crate::routed::vm_address(&b, source, v, i, host, routed, &mut taken)?;
        let vm = b.add_vm(v.name.get_ref(), ip, host);
        if routed {
            // On its home host's subnet, behind the same gateway.
            let home = b.nodes()[host.index()].ip.expect("hosts have addresses");
            let mut subnet = crate::routed::subnet_of(home);
            subnet.net.addr = ip;
            b.host_subnet(vm, subnet);
        }
        vms.push(vm);
    }
    if let Some(plane) = crate::routed::mobility_plane(scenario, source, &mut b)? {
        // Before the bridge: it sees a resume first and adds to the move.
        b.host_plane(Box::new(plane));
    }
    if !vms.is_empty() {
        // The hypervisors' virtual switches: which VM a frame is for, pauses and moves.
        let moves = crate::new_mac::guest_moves(scenario, &b);
        b.host_plane(Box::new(vm::VmBridge::with_moves(moves)));
    }
    for e in &scenario.events {
        let up = e.state == crate::scenario::LinkState::Up;
        match &e.target {
            crate::scenario::EventTarget::Link(l) => {
                let link = link_named(&b, source, l)?;
                b.link_event(e.at, link, up);
            }
            crate::scenario::EventTarget::Switch(name) => {
                let node = switch_named(&b, source, name)?;
                b.switch_event(e.at, node, up);
            }
        }
    }
    for h in &scenario.hosts {
        host_named(&b, source, &h.name)?;
    }

    let mut flows = Vec::with_capacity(scenario.flows.len());
    let mut service_flows = Vec::new();
    for (i, f) in scenario.flows.iter().enumerate() {
        let src = host_named(&b, source, &f.src)?;
        let (sender, receiver) = if crate::vcdn::is_service(scenario, f.dst.get_ref()) {
            // A client of the vCDN's service address: every replica serves it.
            let sender = b.next_app_id();
            service_flows.push(crate::vcdn::install_flow(
                &mut b, scenario, source, i, f, src,
            )?);
            (sender, None)
        } else {
            let dst = host_named(&b, source, &f.dst)?;
            install_flow(
                &mut b,
                source,
                i,
                &f.kind,
                (src, &f.src),
                (dst, &f.dst),
                (f.start, f.stop),
            )?
        };
        flows.push(FlowHandle {
            name: f.name.get_ref().clone(),
            kind: f.kind.kind(),
            src: f.src.get_ref().clone(),
            dst: f.dst.get_ref().clone(),
            start: f.start,
            stop: f.stop,
            sender,
            receiver,
        });
    }

    for (v, &vm) in scenario.vms.iter().zip(&vms) {
        let Some(w) = &v.workload else { continue };
        let client = host_named(&b, source, &w.client)?;
        let i = flows.len();
        let (sender, receiver) = install_flow(
            &mut b,
            source,
            i,
            &w.kind,
            (client, &w.client),
            (vm, &v.name),
            (SimTime::ZERO, None),
        )?;
        flows.push(FlowHandle {
            name: workload_name(v.name.get_ref()),
            kind: w.kind.kind(),
            src: w.client.get_ref().clone(),
            dst: v.name.get_ref().clone(),
            start: SimTime::ZERO,
            stop: None,
            sender,
            receiver,
        });
    }

    let migrations = crate::migrate::install(&mut b, scenario, source, &vms, &flows)?;
    if let Some(p) = &netmig {
        p.attach(&mut b, &migrations);
    }
    // After every other application, so that their ids do not depend on the workloads.
    let workloads = crate::fct::install(&mut b, scenario, source, &topology, out)?;

    add_traces(&mut b, scenario, source, out)?;
    add_timeseries(&mut b, scenario, source, out, &flows, &migrations)?;
    let net = b
        .build()
        .map_err(|e| source.error_at(topo.span.clone(), e.to_string(), None))?;
    let mut sim = Simulation::new(net);
    sim.model.schedule_apps(&mut sim.scheduler);
    sim.model.start_plane(&mut sim.scheduler);
    Ok(Built {
        sim,
        flows,
        migrations,
        workloads,
        service_flows,
    })
}

/// The address of the `i`-th VM: 10.200.0.1, 10.200.0.2, … (10.200.0.0/16 is kept for VMs).
pub fn vm_address(i: usize) -> std::net::Ipv4Addr {
    let n = i as u32 + 1;
    std::net::Ipv4Addr::new(10, 200, (n >> 8) as u8, n as u8)
}

/// The flow name of a VM's workload in `summary.json`: `<vm>-workload`.
pub fn workload_name(vm: &str) -> String {
    format!("{vm}-workload")
}

/// Installs the applications of one flow (scenario flow or VM workload) number `i` from
/// `src` to `dst` (net-stack's [`Traffic::install`]); returns the sending and the receiving
/// application. A port or identifier taken twice is reported at the end's name.
fn install_flow(
    b: &mut NetworkBuilder,
    source: &ScenarioSource,
    i: usize,
    traffic: &Traffic,
    (src, src_name): (NodeId, &Spanned<String>),
    (dst, dst_name): (NodeId, &Spanned<String>),
    times: (SimTime, Option<SimTime>),
) -> Result<(AppId, Option<AppId>), ScenarioError> {
    traffic
        .install(b, i, (src, dst), times)
        .map_err(|(end, e)| {
            let at = match end {
                End::Src => src_name,
                End::Dst => dst_name,
            };
            source.error_at(at.span(), e.to_string(), None)
        })
}

/// How strict [`check`] is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckOptions {
    /// Run a scenario whose resource estimate exceeds a limit (`--force`).
    pub force: bool,
    /// Treat warnings as errors (`--deny-warnings`).
    pub deny_warnings: bool,
    /// The run will write the OpenFlow flow tables (`--dump-flows`): warn when there are none.
    pub dump_flows: bool,
}

/// What [`check`] found in a scenario it accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    /// Everything valid but suspicious, from reading the file and from the estimate.
    pub warnings: Vec<ScenarioWarning>,
    /// What the run will cost.
    pub estimate: Estimate,
}

/// Validates everything a build checks (node names, topology, supported features) without
/// creating any file, estimates what the run will cost ([`crate::estimate`]) and refuses what
/// exceeds the limits (unless `opts.force`), and makes sure the process may open the files the
/// run holds open (raising its soft limit if it must).
pub fn check(
    scenario: &Scenario,
    source: &ScenarioSource,
    opts: &CheckOptions,
) -> Result<CheckReport, ScenarioError> {
    // A huge built-in topology is refused from its parameters, before its graph is built.
    if !opts.force
        && let Some(steps) = crate::estimate::setup_steps(&scenario.topology.shape)
        && let Some(&(r, limit)) = LIMITS.refuse.iter().find(|(r, _)| *r == Resource::Setup)
        && steps > limit
    {
        let driver = Driver {
            resource: r,
            amount: steps,
            key: "the topology's size (`[topology]`)".into(),
            span: Some(scenario.topology.span.clone()),
            path: None,
        };
        return Err(refusal(source, r, steps, limit, Some(&driver)));
    }
    let topo = topology_of(scenario, source)?;
    let estimate = crate::estimate::estimate(scenario, &topo);
    // Before the build, which can itself take minutes for a huge topology.
    if !opts.force
        && let Some((r, total, limit, driver)) = exceeded(&estimate, &LIMITS.refuse)
    {
        return Err(refusal(source, r, total, limit, driver));
    }
    let mut warnings = scenario.warnings.clone();
    for &(r, limit) in &LIMITS.warn {
        let total = estimate.total(r);
        if total.is_nan() || total > limit {
            let driver = estimate.largest(r);
            warnings.push(ScenarioWarning {
                message: excess_message(r, total, limit, driver),
                span: driver.and_then(|d| driver_span(d, source)),
                help: Some("the run may take long, or use much memory or disk".into()),
            });
        }
    }
    crate::limits::ensure_open_files(estimate.open_files).map_err(|e| {
        source.error_at(0..0, format!("`[trace]` asks for {e}"), Some("trace fewer nodes (`pcap`) or fewer series (`timeseries`), or raise the limit with `ulimit -n`".into()))
    })?;
    if opts.dump_flows && scenario.controller.app == AppKind::None {
        warnings.push(ScenarioWarning::general(
            "--dump-flows is given, but `[controller] app` is \"none\": there are no flow tables to dump",
            None,
        ));
    }
    let built = check_build(scenario, source)?;
    if let Some(w) = default_ecmp_warning(scenario, source, &built.sim.model) {
        warnings.push(w);
    }
    if opts.deny_warnings
        && let Some(e) = source.deny(&warnings)
    {
        return Err(e);
    }
    Ok(CheckReport { warnings, estimate })
}

/// The error for an estimate above a limit, at the value that drives it.
fn refusal(
    source: &ScenarioSource,
    r: Resource,
    total: f64,
    limit: f64,
    driver: Option<&Driver>,
) -> ScenarioError {
    source.error_at(
        driver.and_then(|d| driver_span(d, source)).unwrap_or(0..0),
        excess_message(r, total, limit, driver),
        Some(
            "make the scenario smaller or shorter, or pass --force to run it anyway (docs/scenario.md, \"Checks, warnings and limits\")"
                .into(),
        ),
    )
}

/// Where a driver of the estimate is written: the value of its key if the text writes it,
/// else its own span.
fn driver_span(d: &Driver, source: &ScenarioSource) -> Option<std::ops::Range<usize>> {
    d.path
        .as_deref()
        .and_then(|p| source.span_of_key(p))
        .or_else(|| d.span.clone())
}

/// The warning for a network with equal-cost paths whose `[controller] ecmp` was left at its
/// default, `"off"`: every node then sends all traffic towards a destination out of one port,
/// which a user of a fat-tree rarely means. Writing `ecmp = "off"` says it is meant.
fn default_ecmp_warning(
    scenario: &Scenario,
    source: &ScenarioSource,
    net: &Network,
) -> Option<ScenarioWarning> {
    let c = &scenario.controller;
    (c.app == AppKind::None
        && c.ecmp == Ecmp::Off
        && source.span_of_key("controller.ecmp").is_none()
        && net.has_equal_cost_paths())
    .then(|| ScenarioWarning {
        message: "the network has equal-cost paths, but `[controller] ecmp` is not written, so \
                  it is \"off\": every switch and router sends all traffic towards a destination \
                  out of its lowest-numbered port, and the other paths stay idle"
            .into(),
        span: Some(scenario.topology.span.clone()),
        help: Some(
            "under [controller], write `ecmp = \"per-flow\"` (a hash of the 5-tuple, as \
             data-centre switches do) or `\"per-packet\"`; or `ecmp = \"off\"` to keep one path"
                .into(),
        ),
    })
}

/// The build's own checks (node names, links, features), without creating any file; returns
/// the network built.
fn check_build(scenario: &Scenario, source: &ScenarioSource) -> Result<Built, ScenarioError> {
    let mut probe = scenario.clone();
    probe.trace.pcap = PcapSelection::None;
    // Time series and traced nodes are checked by name here; their files are not created.
    let mut b = NetworkBuilder::new(RngStreams::new(0));
    install(
        &topology_of(scenario, source)?,
        &mut b,
        scenario.controller.app != AppKind::None,
    );
    probe.trace.openflow_pcap = false;
    for name in &probe.trace.timeseries {
        let workload = probe
            .vms
            .iter()
            .any(|v| v.workload.is_some() && workload_name(v.name.get_ref()) == *name.get_ref());
        if let Some(link) = name.get_ref().strip_prefix("link:") {
            link_named(&b, source, &Spanned::new(name.span(), link.to_string()))?;
        } else if name.get_ref().starts_with("migration:") || workload {
            // VM names were checked when the scenario was read.
        } else if !probe
            .flows
            .iter()
            .any(|f| f.name.get_ref() == name.get_ref())
        {
            return Err(source.error_at(
                name.span(),
                format!("`{}` is not a flow of this scenario", name.get_ref()),
                None,
            ));
        }
    }
    probe.trace.timeseries.clear();
    if let PcapSelection::Nodes(names) = &scenario.trace.pcap {
        for n in names {
            node_named(&b, source, n)?;
        }
    }
    build(&probe, source, Path::new(""))
}

/// The node called `name`, or an error at the name listing the nodes that exist.
fn node_named(
    b: &NetworkBuilder,
    source: &ScenarioSource,
    name: &Spanned<String>,
) -> Result<NodeId, ScenarioError> {
    b.node(name.get_ref()).ok_or_else(|| {
        source.error_at(
            name.span(),
            format!("unknown node `{}`", name.get_ref()),
            Some(name_help(
                name.get_ref(),
                &node_names(b),
                "this topology's nodes",
            )),
        )
    })
}

/// The link written `"a-b"` (two node names), or an error at it.
fn link_named(
    b: &NetworkBuilder,
    source: &ScenarioSource,
    name: &Spanned<String>,
) -> Result<net_stack::LinkId, ScenarioError> {
    let text = name.get_ref();
    let err = |msg: String, help: Option<String>| source.error_at(name.span(), msg, help);
    let Some((x, y)) = text.split_once('-') else {
        return Err(err(
            format!("`{text}` does not name a link"),
            Some("write a link as its two node names joined by `-`, e.g. \"a0-c0\"".into()),
        ));
    };
    let find = |n: &str| {
        b.node(n).ok_or_else(|| {
            err(
                format!("unknown node `{n}` in link `{text}`"),
                Some(name_help(n, &node_names(b), "this topology's nodes")),
            )
        })
    };
    let (a, c) = (find(x)?, find(y)?);
    b.link_between(a, c)
        .ok_or_else(|| err(format!("there is no link between `{x}` and `{y}`"), None))
}

/// Like [`node_named`], and the node must be a host.
pub(crate) fn host_named(
    b: &NetworkBuilder,
    source: &ScenarioSource,
    name: &Spanned<String>,
) -> Result<NodeId, ScenarioError> {
    let id = node_named(b, source, name)?;
    if !b.nodes()[id.index()].is_host() {
        return Err(source.error_at(
            name.span(),
            format!("`{}` is a forwarding node, not a host", name.get_ref()),
            Some(format!("this topology's nodes are {}", node_list(b))),
        ));
    }
    Ok(id)
}

/// The forwarding node (switch or router) called `name`, or an error at it.
fn switch_named(
    b: &NetworkBuilder,
    source: &ScenarioSource,
    name: &Spanned<String>,
) -> Result<NodeId, ScenarioError> {
    let id = node_named(b, source, name)?;
    if b.nodes()[id.index()].is_host() {
        return Err(source.error_at(
            name.span(),
            format!(
                "`{}` is a host, not a switch; `switch` names a forwarding node",
                name.get_ref()
            ),
            Some(format!("this topology's nodes are {}", node_list(b))),
        ));
    }
    Ok(id)
}

/// The topology's node names, in node order.
fn node_names(b: &NetworkBuilder) -> Vec<&str> {
    b.nodes().iter().map(|n| n.name.as_str()).collect()
}

/// The topology's node names for hints, numbered runs compacted (`h0…h15, e0…e7, vm1`).
fn node_list(b: &NetworkBuilder) -> String {
    let names: Vec<&str> = b.nodes().iter().map(|n| n.name.as_str()).collect();
    compact_names(&names)
}

/// The help for a name that is not among `names`: the nearest as "did you mean", then
/// `what` and the names, numbered runs compacted.
pub(crate) fn name_help(word: &str, names: &[&str], what: &str) -> String {
    let list = compact_names(names);
    match crate::scenario::nearest_name(word, names.iter().copied()) {
        Some(near) => format!("did you mean `{near}`? {what} are {list}"),
        None => format!("{what} are {list}"),
    }
}

/// `names` in order, each run of three or more that count up by one after a common prefix
/// (`h0`, `h1`, … `h15`) written as its first and last (`h0…h15`); a list longer than 16
/// entries shows its first 12 and its last, and how many names there are.
pub(crate) fn compact_names(names: &[&str]) -> String {
    let split = |n: &str| {
        let digits = n.len() - n.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (prefix, number) = n.split_at(n.len() - digits);
        let plain = !number.is_empty() && (number == "0" || !number.starts_with('0'));
        (
            prefix.to_string(),
            number.parse::<u64>().ok().filter(|_| plain),
        )
    };
    let mut entries: Vec<String> = Vec::new();
    let mut i = 0;
    while i < names.len() {
        let (prefix, first) = split(names[i]);
        let mut j = i + 1;
        if let Some(first) = first {
            while j < names.len()
                && split(names[j]) == (prefix.clone(), Some(first + (j - i) as u64))
            {
                j += 1;
            }
        }
        if j - i >= 3 {
            entries.push(format!("{}…{}", names[i], names[j - 1]));
        } else {
            j = i + 1;
            entries.push(names[i].to_string());
        }
        i = j;
    }
    if entries.len() <= 16 {
        return entries.join(", ");
    }
    format!(
        "{}, …, {} ({} names)",
        entries[..12].join(", "),
        entries[entries.len() - 1],
        names.len()
    )
}

/// `timeseries/<name>.csv` for every entry of `trace.timeseries`: flows (TCP connection state,
/// or delivered bytes for the others) and links (`link:<a>-<b>` → `timeseries/link-<a>-<b>.csv`).
fn add_timeseries(
    b: &mut NetworkBuilder,
    scenario: &Scenario,
    source: &ScenarioSource,
    out: &Path,
    flows: &[FlowHandle],
    migrations: &[crate::migrate::MigrationHandle],
) -> Result<(), ScenarioError> {
    if scenario.trace.timeseries.is_empty() {
        return Ok(());
    }
    let dir = out.join("timeseries");
    std::fs::create_dir_all(&dir).map_err(|e| {
        source.error_at(
            0..0,
            format!("cannot create `{}`: {e}", dir.display()),
            None,
        )
    })?;
    let interval = scenario.trace.sample_interval;
    for name in &scenario.trace.timeseries {
        let at = |e: net_stack::BuildError| source.error_at(name.span(), e.to_string(), None);
        if let Some(link) = name.get_ref().strip_prefix("link:") {
            let spanned = Spanned::new(name.span(), link.to_string());
            let id = link_named(b, source, &spanned)?;
            let path = dir.join(format!("link-{link}.csv"));
            b.trace_link(id, interval, &path).map_err(at)?;
            continue;
        }
        if let Some(vm) = name.get_ref().strip_prefix("migration:") {
            // The rounds go to migration-<vm>.csv after the run; here the TCP connection of
            // the VM's first migration, for the cwnd under the timeline.
            if let Some(m) = migrations.iter().find(|m| m.vm == vm) {
                let path = dir.join(format!("migration-{vm}-tcp.csv"));
                b.trace_tcp(m.app, interval, &path).map_err(at)?;
            }
            continue;
        }
        let Some(f) = flows.iter().find(|f| &f.name == name.get_ref()) else {
            return Err(source.error_at(
                name.span(),
                format!("`{}` is not a flow of this scenario", name.get_ref()),
                None,
            ));
        };
        let path = dir.join(format!("{}.csv", f.name));
        match (f.kind, f.receiver) {
            // A request-response flow's data is the answers: trace the server's connection,
            // which sends them (a vCDN service has no receiver app here: its client's).
            (FlowKind::RequestResponse, Some(rx)) => {
                b.trace_tcp(rx, interval, &path).map_err(at)?
            }
            (FlowKind::TcpBulk | FlowKind::RequestResponse | FlowKind::Stream, _) => {
                b.trace_tcp(f.sender, interval, &path).map_err(at)?
            }
            // Pings and DNS clients count their replies at the sender.
            (FlowKind::Ping | FlowKind::Dns, _) | (_, None) => {
                b.trace_flow(f.sender, interval, &path).map_err(at)?
            }
            (_, Some(rx)) => b.trace_flow(rx, interval, &path).map_err(at)?,
        }
    }
    Ok(())
}

fn add_traces(
    b: &mut NetworkBuilder,
    scenario: &Scenario,
    source: &ScenarioSource,
    out: &Path,
) -> Result<(), ScenarioError> {
    let nodes: Vec<NodeId> = match &scenario.trace.pcap {
        PcapSelection::None => return Ok(()),
        PcapSelection::Hosts => (0..b.nodes().len() as u32)
            .map(NodeId)
            .filter(|n| b.nodes()[n.index()].is_host())
            .collect(),
        PcapSelection::All => (0..b.nodes().len() as u32).map(NodeId).collect(),
        PcapSelection::Nodes(names) => names
            .iter()
            .map(|n| node_named(b, source, n))
            .collect::<Result<_, _>>()?,
    };
    let dir = out.join("pcap");
    std::fs::create_dir_all(&dir).map_err(|e| {
        source.error_at(
            0..0,
            format!("cannot create `{}`: {e}", dir.display()),
            None,
        )
    })?;
    for n in nodes {
        let node = &b.nodes()[n.index()];
        let (name, ports) = (node.name.clone(), node.devices.len());
        for port in 0..ports as u16 {
            let path = dir.join(format!("{name}-{port}.pcap"));
            b.trace(n, port, &path, scenario.trace.snaplen as usize)
                .map_err(|e| source.error_at(0..0, e.to_string(), None))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod names_tests {
    use super::compact_names;

    /// Runs of three or more counted names are compacted; shorter runs, gaps, leading zeros
    /// and other names stay as they are; a long list is cut with its count.
    #[test]
    fn compact_names_writes_runs() {
        let fat_tree: Vec<String> = (0..16)
            .map(|i| format!("h{i}"))
            .chain((0..8).map(|i| format!("e{i}")))
            .chain(["vm1".to_string()])
            .collect();
        let refs: Vec<&str> = fat_tree.iter().map(String::as_str).collect();
        assert_eq!(compact_names(&refs), "h0…h15, e0…e7, vm1");
        assert_eq!(compact_names(&["l0", "r0", "sl", "sr"]), "l0, r0, sl, sr");
        assert_eq!(compact_names(&["h0", "h1", "h3", "h4"]), "h0, h1, h3, h4");
        assert_eq!(compact_names(&["h00", "h01", "h02"]), "h00, h01, h02");
        assert_eq!(
            compact_names(&["a_h0", "a_h1", "a_h2", "a_leaf0"]),
            "a_h0…a_h2, a_leaf0"
        );
        let many: Vec<String> = (0..20).map(|i| format!("n{}", 2 * i)).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(
            compact_names(&refs),
            "n0, n2, n4, n6, n8, n10, n12, n14, n16, n18, n20, n22, …, n38 (20 names)"
        );
    }
}
