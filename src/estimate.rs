//! What a scenario will cost before it runs: events, memory, output bytes and the routing
//! set-up, each with the keys that drive it.
//!
//! `netsim check` prints the estimate; `check` and `run` refuse a scenario whose estimate exceeds
//! a limit of [`Limits`] (naming the key that drives it) unless `--force` is given, and warn
//! above a lower threshold. The estimate is an order-of-magnitude guard, not a prediction: it
//! adds up the traffic each flow and each `[[workload]]` generator ([`workload`]) offers over a
//! typical path length, TCP flows at their max-min fair share of the links and of a shared
//! switch CPU ([`share`]), and is checked against the events the bundled examples really run
//! (tests/hardening.rs).

use std::ops::Range;

use sim_core::{QueueLimit, SimTime};
use topologies::{NodeIndex, Topology};

mod share;
mod workload;

use crate::scenario::{AppKind, PcapSelection, Scenario, Traffic};

/// Events per packet per hop: the queue's transmission end and the arrival at the next node,
/// plus the application and socket work at the ends, spread over the path (calibrated on the
/// bundled examples).
const EVENTS_PER_PACKET_HOP: f64 = 2.0;
/// A page write costs a few nanoseconds (one draw and one bit set), a twentieth of an event.
const EVENTS_PER_PAGE_WRITE: f64 = 0.05;
/// Ethernet + IPv4 + TCP header bytes on the wire beside a segment's payload.
const TCP_OVERHEAD: f64 = 14.0 + 20.0 + 20.0;
/// Ethernet + IPv4 + UDP header bytes beside a datagram's payload.
const UDP_OVERHEAD: f64 = 14.0 + 20.0 + 8.0;
/// Bytes a queued packet holds in memory (the packet record and its queue slot).
const BYTES_PER_QUEUED_PACKET: f64 = 160.0;
/// A typical frame [bytes], for queues limited in bytes (full-size data and small ACKs).
const TYPICAL_FRAME: f64 = 1000.0;
/// Pages per chunk of a page set and bytes per chunk slot (`vm/src/memory/bitmap.rs`).
const PAGES_PER_CHUNK: f64 = 32768.0;
const BYTES_PER_CHUNK: f64 = 16.0;
/// Bytes of the bitmap block a partly-set chunk takes.
const BYTES_PER_BLOCK: f64 = 4096.0;
/// Bytes of one time-series row.
const BYTES_PER_SAMPLE: f64 = 100.0;
/// Bytes of the record header pcap writes before each frame.
const PCAP_RECORD_HEADER: f64 = 16.0;
/// Bytes a workload flow holds while open: its two sockets, their segments in flight and the
/// generator's record (an order of magnitude).
const BYTES_PER_OPEN_FLOW: f64 = 8192.0;
/// Bytes of one `fct.csv` row.
const BYTES_PER_FCT_ROW: f64 = 100.0;

/// What an estimate measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Resource {
    /// Simulation events over the whole run.
    Events,
    /// Bytes of memory held by the model.
    Memory,
    /// Bytes written to the results directory.
    Output,
    /// Steps of the routing set-up at build time (per host, a breadth-first search).
    Setup,
}

impl Resource {
    fn what(self) -> &'static str {
        match self {
            Resource::Events => "events",
            Resource::Memory => "memory",
            Resource::Output => "output",
            Resource::Setup => "routing set-up steps",
        }
    }

    fn format(self, amount: f64) -> String {
        match self {
            Resource::Memory | Resource::Output => bytes(amount),
            _ => count(amount),
        }
    }
}

/// One contribution to an estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Driver {
    /// What it costs.
    pub resource: Resource,
    /// How much.
    pub amount: f64,
    /// The scenario keys that set it, as a user would write them.
    pub key: String,
    /// Where in the scenario, if it is one place.
    pub span: Option<Range<usize>>,
    /// The dotted key whose value drives it (`"controller.stats_interval"`,
    /// `"vm.0.dirty_rate"`): where it is reported if the text writes it, before `span`.
    pub path: Option<String>,
}

/// The estimate of a whole run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Estimate {
    /// Every contribution, in the order they were found.
    pub drivers: Vec<Driver>,
    /// Files held open at once during the run (pcaps and time series).
    pub open_files: u64,
    /// Simulated seconds, to give rates.
    pub sim_seconds: f64,
}

impl Estimate {
    /// The total of one resource.
    pub fn total(&self, r: Resource) -> f64 {
        // A fold from +0: `Sum` of no floats is -0, which printed as "-0 events".
        self.drivers
            .iter()
            .filter(|d| d.resource == r)
            .fold(0.0, |total, d| total + d.amount)
    }

    /// The largest contribution to one resource.
    pub fn largest(&self, r: Resource) -> Option<&Driver> {
        self.drivers
            .iter()
            .filter(|d| d.resource == r)
            .max_by(|a, b| a.amount.total_cmp(&b.amount))
    }

    /// A few lines for `netsim check`.
    pub fn describe(&self) -> String {
        let events = self.total(Resource::Events);
        let mut s = format!(
            "estimate: {} events ({} per simulated second), {} of memory, {} of output, {} routing set-up steps, {} open files",
            count(events),
            count(events / self.sim_seconds.max(1e-12)),
            bytes(self.total(Resource::Memory)),
            bytes(self.total(Resource::Output)),
            count(self.total(Resource::Setup)),
            self.open_files,
        );
        for r in [Resource::Events, Resource::Memory, Resource::Output] {
            if let Some(d) = self.largest(r)
                && d.amount > 0.0
            {
                s += &format!("\n  most {}: {} ({})", r.what(), d.key, r.format(d.amount));
            }
        }
        s
    }
}

/// Limits above which a scenario is refused (without `--force`) or warned about.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Refuse above these.
    pub refuse: [(Resource, f64); 4],
    /// Warn above these.
    pub warn: [(Resource, f64); 4],
}

/// The documented limits (docs/scenario.md, "Checks, warnings and limits"): refuse a run of more than 2·10¹⁰ events (half an
/// hour or more at netsim's 10–30 M events/s), 16 GiB of model memory, 20 GiB of output or 2·10⁹
/// routing set-up steps (minutes before the first event); warn at 10⁹ events (a minute or
/// two), 0.8 GiB, 1 GiB and 10⁸ steps.
pub const LIMITS: Limits = Limits {
    refuse: [
        (Resource::Events, 2e10),
        (Resource::Memory, 16.0 * GIB),
        (Resource::Output, 20.0 * GIB),
        (Resource::Setup, 2e9),
    ],
    warn: [
        (Resource::Events, 1e9),
        (Resource::Memory, 0.8 * GIB),
        (Resource::Output, GIB),
        (Resource::Setup, 1e8),
    ],
};

const GIB: f64 = (1u64 << 30) as f64;

/// Whole numbers with a metric prefix: 1.2 G, 350 M.
fn count(x: f64) -> String {
    // A negative zero (or a rounding below zero) prints as 0, never "-0".
    let x = if x <= 0.0 { 0.0 } else { x };
    if x >= 1e15 {
        // Past a thousand T, a power of ten reads better than a long mantissa.
        return format!("{x:.1e}");
    }
    for (scale, p) in [(1e12, " T"), (1e9, " G"), (1e6, " M"), (1e3, " k")] {
        if x >= scale {
            return format!("{:.1}{p}", x / scale);
        }
    }
    format!("{x:.0}")
}

/// Bytes with a binary prefix: 3.2 GiB.
fn bytes(x: f64) -> String {
    let x = if x <= 0.0 { 0.0 } else { x };
    if x >= GIB * 1024.0 * 1024.0 * 1024.0 {
        return format!("{:.1e} TiB", x / (GIB * 1024.0));
    }
    for (scale, p) in [(GIB * 1024.0, "TiB"), (GIB, "GiB"), (GIB / 1024.0, "MiB")] {
        if x >= scale {
            return format!("{:.1} {p}", x / scale);
        }
    }
    format!("{:.0} KiB", x / 1024.0)
}

fn secs(t: SimTime) -> f64 {
    t.as_ps() as f64 * 1e-12
}

/// Hops from the first host to the host farthest from it: the typical path length.
fn path_hops(topo: &Topology) -> f64 {
    let Some(first) = topo.hosts().next() else {
        return 1.0;
    };
    let dist = hop_distances(topo, first);
    let far = topo
        .hosts()
        .map(|h| dist[h.index()])
        .filter(|&d| d != u32::MAX)
        .max()
        .unwrap_or(0)
        .max(1);
    f64::from(far)
}

/// Hops from `from` to every node (breadth-first; `u32::MAX` for a node it cannot reach).
fn hop_distances(topo: &Topology, from: NodeIndex) -> Vec<u32> {
    let mut dist = vec![u32::MAX; topo.node_count()];
    let mut queue = std::collections::VecDeque::from([from]);
    dist[from.index()] = 0;
    while let Some(v) = queue.pop_front() {
        for (_, w) in topo.ports(v) {
            if dist[w.index()] == u32::MAX {
                dist[w.index()] = dist[v.index()] + 1;
                queue.push_back(w);
            }
        }
    }
    dist
}

/// What a bulk TCP flow gets through a lossy path [bit/s] (infinite on a loss-free one): the
/// Mathis et al. bound, MSS / RTT × √(3 / 2p), with p the path's loss probability and the RTT
/// its propagation both ways and a full segment's transmission at each hop.
fn lossy_path_rate(specs: &[&net_stack::LinkConfig], path: &[share::DirLink], mss: f64) -> f64 {
    let links = path.iter().filter_map(|&d| specs.get(d / 2));
    let delivered: f64 = links.clone().map(|l| 1.0 - l.loss).product();
    let p = 1.0 - delivered;
    if path.is_empty() || p <= 0.0 {
        return f64::INFINITY;
    }
    let rtt: f64 = links
        .map(|l| 2.0 * secs(l.delay) + (mss + TCP_OVERHEAD) * 8.0 / (l.rate.bps() as f64).max(1.0))
        .sum();
    mss * 8.0 / rtt.max(1e-9) * (1.5 / p).sqrt()
}

/// A flow or a VM's workload, as the estimate sees it.
struct Offered {
    name: String,
    key: String,
    span: Range<usize>,
    kind: Traffic,
    /// Seconds it sends.
    active: f64,
    /// Its two ends, if the topology has them.
    ends: (Option<NodeIndex>, Option<NodeIndex>),
}

impl Offered {
    /// What it asks of the network [bit/s on the wire]; infinite for TCP bulk.
    fn demand(&self, mss: f64) -> f64 {
        match self.kind {
            Traffic::UdpCbr(p) | Traffic::UdpOnOff(p) => {
                let size = f64::from(p.packet_size);
                // Always on (CBR), or on for on / (on + off) of the time.
                let duty =
                    p.on.map_or(1.0, |on| secs(on) / (secs(on) + secs(p.off)).max(1e-12));
                p.rate.bps() as f64 * (size + UDP_OVERHEAD) / size * duty
            }
            Traffic::Ping(p) => {
                (f64::from(p.size) + UDP_OVERHEAD) * 8.0 / secs(p.interval).max(1e-12)
            }
            Traffic::TcpBulk(_) => f64::INFINITY,
            Traffic::RequestResponse(p) => {
                let (request, response, interval) = (p.request, p.response, p.interval);
                let segs = (request as f64 / mss).ceil() + (response as f64 / mss).ceil();
                ((request as f64 + response as f64) + segs * TCP_OVERHEAD) * 8.0
                    / secs(interval).max(1e-12)
            }
            // A new connection per request: the handshake and teardown add six segments.
            Traffic::HttpProbe(p) => {
                let segs = (p.request as f64 / mss).ceil() + (p.response as f64 / mss).ceil();
                ((p.request + p.response) as f64 + (segs + 6.0) * TCP_OVERHEAD) * 8.0
                    / secs(p.interval).max(1e-12)
            }
            Traffic::Dns(p) => {
                (f64::from(p.query + p.answer) + 2.0 * UDP_OVERHEAD) * 8.0
                    / secs(p.interval).max(1e-12)
            }
            // In steady state a player fetches media at its bitrate (the buffer stays full).
            Traffic::Stream(p) => p.bitrate.bps() as f64 * (mss + TCP_OVERHEAD) / mss,
        }
    }

    /// Packets it sends (acknowledgements included) at `rate` [bit/s], and their mean size.
    fn packets(&self, rate: f64, mss: f64, ack_share: f64) -> (f64, f64) {
        let active = self.active;
        match self.kind {
            // Datagrams are sent whatever the network can carry (the excess is dropped).
            Traffic::UdpCbr(p) | Traffic::UdpOnOff(p) => {
                let size = f64::from(p.packet_size) + UDP_OVERHEAD;
                (self.demand(mss) * active / (8.0 * size), size)
            }
            Traffic::Ping(p) => (
                2.0 * active / secs(p.interval).max(1e-12),
                f64::from(p.size) + UDP_OVERHEAD,
            ),
            Traffic::TcpBulk(p) => {
                let by_rate = rate / (8.0 * (mss + TCP_OVERHEAD)) * active;
                let segments = match p.bytes {
                    Some(b) => (b as f64 / mss).min(by_rate),
                    None => by_rate,
                };
                (segments * (1.0 + ack_share), mss + TCP_OVERHEAD)
            }
            Traffic::RequestResponse(p) => {
                let (request, response) = (p.request as f64, p.response as f64);
                let exchanges = active / secs(p.interval).max(1e-12);
                let segs = (request / mss).ceil() + (response / mss).ceil();
                (
                    exchanges * segs * (1.0 + ack_share),
                    (request + response) / segs.max(1.0) + TCP_OVERHEAD,
                )
            }
            Traffic::HttpProbe(p) => {
                let (request, response) = (p.request as f64, p.response as f64);
                let exchanges = active / secs(p.interval).max(1e-12);
                let segs = (request / mss).ceil() + (response / mss).ceil();
                (
                    exchanges * (segs * (1.0 + ack_share) + 6.0),
                    (request + response) / (segs + 6.0) + TCP_OVERHEAD,
                )
            }
            // A query and its answer per interval.
            Traffic::Dns(p) => (
                2.0 * active / secs(p.interval).max(1e-12),
                f64::from(p.query + p.answer) / 2.0 + UDP_OVERHEAD,
            ),
            Traffic::Stream(_) => (
                self.demand(mss) * active / (8.0 * (mss + TCP_OVERHEAD)) * (1.0 + ack_share),
                mss + TCP_OVERHEAD,
            ),
        }
    }
}

/// The estimate of running `s` on `topo`.
pub fn estimate(s: &Scenario, topo: &Topology) -> Estimate {
    let mut e = Estimate {
        sim_seconds: secs(s.duration),
        ..Estimate::default()
    };
    let end = secs(s.duration);
    let hops = path_hops(topo);
    let hosts = topo.hosts().count() as f64;
    let nodes = topo.node_count() as f64;
    let links = topo.link_count() as f64;
    let fastest = topo
        .links_in_build_order()
        .map(|l| l.spec.rate.bps() as f64)
        .fold(0.0, f64::max);
    let mss = f64::from(s.tcp.mss);
    let ack_share = if s.tcp.delayed_ack { 0.5 } else { 1.0 };
    let mut wire_bytes = 0.0; // bytes on the wire, summed over hops, for the pcap estimate

    let add = |e: &mut Estimate, resource, amount: f64, key: String, span| {
        e.drivers.push(Driver {
            resource,
            amount,
            key,
            span,
            path: None,
        })
    };

    // Traffic: each flow's packets × its path × events per hop. Elastic TCP flows get their
    // max-min fair share of the links ([`share`]); the others send what they offer.
    // A flow may name a VM: it starts and ends at the VM's (first) host.
    let node_of = |name: &str| {
        topo.node(name).or_else(|| {
            let v = s.vms.iter().find(|v| v.name.get_ref() == name)?;
            topo.node(v.host.get_ref())
        })
    };
    let mut offered: Vec<Offered> = Vec::new();
    for (i, f) in s.flows.iter().enumerate() {
        let stop = f.stop.map_or(end, |t| secs(t).min(end));
        offered.push(Offered {
            name: f.name.get_ref().clone(),
            key: format!(
                "flow `{}` ([[flow]] {i}, its rate, interval or size)",
                f.name.get_ref()
            ),
            span: f.name.span(),
            kind: f.kind,
            active: (stop - secs(f.start)).max(0.0),
            ends: (node_of(f.src.get_ref()), node_of(f.dst.get_ref())),
        });
    }
    for (i, v) in s.vms.iter().enumerate() {
        if let Some(w) = &v.workload {
            offered.push(Offered {
                name: format!("{}-workload", v.name.get_ref()),
                key: format!("the workload of vm `{}` ([[vm]] {i})", v.name.get_ref()),
                span: v.name.span(),
                kind: w.kind,
                active: end,
                ends: (node_of(w.client.get_ref()), topo.node(v.host.get_ref())),
            });
        }
    }
    let mut capacity: Vec<f64> = topo
        .links_in_build_order()
        .flat_map(|l| [l.spec.rate.bps() as f64; 2])
        .collect();
    let adjacency = share::Adjacency::of(topo);
    let paths: Vec<Vec<share::DirLink>> = offered
        .iter()
        .enumerate()
        .map(|(i, o)| match o.ends {
            (Some(a), Some(b)) => share::path(&adjacency, a, b, i as u64).unwrap_or_default(),
            _ => Vec::new(),
        })
        .collect();
    // A CPU shared by switches (`[controller.shared_cpu]`) is one more link of the max-min
    // share, crossed once per shared switch on a path: it serves 1 / frame_time frames a
    // second, each data frame bringing `ack_share` acknowledgements back through the same
    // switches (docs/scenario.md, "The model").
    let cpu_link = capacity.len();
    let shared_cpu = s
        .controller
        .shared_cpu
        .as_ref()
        .filter(|_| s.controller.app != AppKind::None);
    if let Some(cpu) = shared_cpu {
        capacity
            .push((mss + TCP_OVERHEAD) * 8.0 / (1.0 + ack_share) / secs(cpu.frame_time).max(1e-15));
    }
    let shared: Vec<bool> = topo
        .graph()
        .node_indices()
        .map(|n| {
            let spec = topo.spec(n);
            shared_cpu.is_some_and(|c| {
                !spec.role.is_host()
                    && c.switches
                        .as_ref()
                        .is_none_or(|list| list.contains(&spec.name))
            })
        })
        .collect();
    let ends: Vec<(NodeIndex, NodeIndex)> =
        topo.links_in_build_order().map(|l| (l.a, l.b)).collect();
    // Workload generators' offered traffic joins the share as inelastic demands, one per
    // sending host ([`workload::demands`]); what they get is the share of it carried.
    let mut workload_of: Vec<usize> = Vec::new();
    let mut workload_demand: Vec<f64> = Vec::new();
    let mut paths = paths;
    for (i, w) in s.workloads.iter().enumerate() {
        for (from, to, demand) in workload::demands(w, topo) {
            let salt = (paths.len() + workload_of.len()) as u64;
            if let Some(p) = share::path(&adjacency, from, to, salt) {
                paths.push(p);
                workload_of.push(i);
                workload_demand.push(demand);
            }
        }
    }
    let cpu_paths: Vec<Vec<share::DirLink>> = paths
        .iter()
        .map(|p| {
            let mut p = p.clone();
            // Each directed link's far end, but the last (the destination).
            let crossed = p
                .iter()
                .take(p.len().saturating_sub(1))
                .filter(|&&d| {
                    let (a, b) = ends[d / 2];
                    let (lo, hi) = if a.index() < b.index() {
                        (a, b)
                    } else {
                        (b, a)
                    };
                    let to = if d % 2 == 0 { hi } else { lo };
                    shared[to.index()]
                })
                .count();
            p.extend(std::iter::repeat_n(cpu_link, crossed));
            p
        })
        .collect();
    let specs: Vec<_> = topo.links_in_build_order().map(|l| l.spec).collect();
    let demands: Vec<(Vec<share::DirLink>, f64)> = offered
        .iter()
        .zip(paths.iter().zip(&cpu_paths))
        .map(|(o, (p, shared))| {
            let demand = match o.kind {
                Traffic::TcpBulk(_) => o.demand(mss).min(lossy_path_rate(&specs, p, mss)),
                _ => o.demand(mss),
            };
            (shared.clone(), demand)
        })
        .chain(
            cpu_paths[offered.len()..]
                .iter()
                .cloned()
                .zip(workload_demand.iter().copied()),
        )
        .collect();
    let rates = share::max_min(&capacity, &demands);
    let mut carried = vec![(0.0, 0.0); s.workloads.len()];
    for ((&i, &demand), &rate) in workload_of
        .iter()
        .zip(&workload_demand)
        .zip(&rates[offered.len()..])
    {
        carried[i].0 += rate.min(demand);
        carried[i].1 += demand;
    }
    // Packets per traced name, for the TCP series (a row on every change of cwnd: about one
    // per acknowledgement).
    let mut packets_of: std::collections::BTreeMap<String, f64> = Default::default();
    for ((o, path), rate) in offered.iter().zip(&paths).zip(rates) {
        let hops = if path.is_empty() {
            hops
        } else {
            path.len() as f64
        };
        let (packets, bytes_per_packet) = o.packets(rate, mss, ack_share);
        wire_bytes += packets * bytes_per_packet * hops;
        add(
            &mut e,
            Resource::Events,
            packets * (hops * EVENTS_PER_PACKET_HOP + 1.0),
            o.key.clone(),
            Some(o.span.clone()),
        );
        packets_of.insert(o.name.clone(), packets);
    }
    // Workload generators: their flows' packets over the pattern's typical path, the flows
    // open at once, and a row of `fct.csv` per flow.
    for (i, w) in s.workloads.iter().enumerate() {
        let (got, asked) = carried[i];
        let share = if asked > 0.0 { got / asked } else { 1.0 };
        let c = workload::cost(w, topo, end, (mss, ack_share), share);
        let incast = w.params.pattern == net_stack::apps::workload::Pattern::Incast;
        let (keys, path) = if incast {
            ("its `senders`, `response` and `interval`", "interval")
        } else {
            ("its `load`", "load")
        };
        wire_bytes += c.wire_bytes * c.hops;
        add(
            &mut e,
            Resource::Events,
            c.packets * (c.hops * EVENTS_PER_PACKET_HOP + 1.0),
            format!("workload `{}` ([[workload]] {i}, {keys})", w.name),
            Some(w.span.clone()),
        );
        set_path(&mut e, format!("workload.{i}.{path}"));
        add(
            &mut e,
            Resource::Memory,
            c.in_flight * BYTES_PER_OPEN_FLOW,
            format!("workload `{}` ([[workload]] {i}; its open flows)", w.name),
            Some(w.span.clone()),
        );
        set_path(&mut e, format!("workload.{i}.{path}"));
        add(
            &mut e,
            Resource::Output,
            c.flows * BYTES_PER_FCT_ROW,
            format!(
                "workload `{}` ([[workload]] {i}; a row of fct.csv per flow)",
                w.name
            ),
            Some(w.span.clone()),
        );
        set_path(&mut e, format!("workload.{i}.{path}"));
    }
    for (i, m) in s.migrations.iter().enumerate() {
        let Some(v) = s.vms.iter().find(|v| v.name.get_ref() == m.vm.get_ref()) else {
            continue;
        };
        let start = m.at.map_or(0.0, secs);
        let memory = v.memory.bytes() as f64;
        // Pre-copy rounds shrink by ρ = dirty rate / link rate each round: M/(1 − ρ) in all,
        // at most max_total_factor · M (and about 2M when the dirty-rate rule stops it).
        let rho = (v.dirty_rate as f64 * v.page_size as f64 * 8.0 / fastest.max(1.0)).min(0.5);
        // A copied disk and its context go once more (seed 003; their re-sent blocks aside).
        let disk = v
            .storage
            .as_ref()
            .map(|s| s.get_ref())
            .filter(|s| s.storage == vm::Storage::Copy)
            .map_or(0.0, |s| (s.disk.bytes() + s.context.bytes()) as f64);
        // No more than the fastest link carries in the time left.
        let sent = ((memory / (1.0 - rho)).min(memory * m.settings.max_total_factor)
            + v.state.bytes() as f64
            + disk)
            .min(fastest / 8.0 * (end - start).max(0.0));
        // A `transport = "channel"` migration sends no packets: its rounds are timers at the
        // path's bottleneck rate (vm/src/channel.rs), a handful of events.
        let on_wire = match m.settings.transport {
            vm::channel::MigrationTransport::Tcp => 1.0,
            vm::channel::MigrationTransport::Channel => 0.0,
        };
        let segments = sent / mss * (1.0 + ack_share) * on_wire;
        *packets_of
            .entry(format!("migration:{}", v.name.get_ref()))
            .or_default() += segments;
        wire_bytes += sent * hops * on_wire;
        add(
            &mut e,
            Resource::Events,
            segments * (hops * EVENTS_PER_PACKET_HOP + 1.0),
            format!(
                "the migration of vm `{}` ([[migration]] {i}; the VM's `memory`)",
                v.name.get_ref()
            ),
            Some(m.vm.span()),
        );
        add(
            &mut e,
            Resource::Events,
            v.dirty_rate as f64 * (end - start).max(0.0) * EVENTS_PER_PAGE_WRITE,
            format!("`dirty_rate` of vm `{}` ([[vm]])", v.name.get_ref()),
            Some(v.name.span()),
        );
        // At the value when it is written (else at the VM's name).
        let vm = s.vms.iter().position(|x| x.name == v.name).unwrap_or(0);
        set_path(&mut e, format!("vm.{vm}.dirty_rate"));
        // The dirty log and the pages sent: page sets of a slot per chunk of pages, and a block
        // of a bit per page only in chunks partly set — at most one per page the VM writes.
        let pages = memory / v.page_size.max(1) as f64;
        let touched = pages.min(v.dirty_rate as f64 * (end - start).max(0.0));
        add(
            &mut e,
            Resource::Memory,
            2.0 * (pages / PAGES_PER_CHUNK * BYTES_PER_CHUNK
                + (pages / PAGES_PER_CHUNK).ceil().min(touched) * BYTES_PER_BLOCK),
            format!(
                "`memory` of vm `{}` ([[vm]]; its page bitmaps)",
                v.name.get_ref()
            ),
            Some(v.name.span()),
        );
    }

    // The controller's statistics polling: a request and a reply per switch.
    if s.controller.runs(AppKind::DynamicRouting) {
        // A request and a reply per switch, each sent, carried and handled, and a statistics
        // entry per port.
        let per_poll: f64 = topo
            .switches()
            .map(|n| 4.0 + topo.graph().edges(n).count() as f64)
            .sum();
        add(
            &mut e,
            Resource::Events,
            per_poll * end / secs(s.controller.stats_interval).max(1e-12),
            "`[controller] stats_interval`".into(),
            None,
        );
        set_path(&mut e, "controller.stats_interval");
    }

    // Routing: a breadth-first search per host over the whole graph, and a table row per node.
    add(
        &mut e,
        Resource::Setup,
        hosts * (nodes + links),
        "the topology's size (`[topology]`)".into(),
        Some(s.topology.span.clone()),
    );
    add(
        &mut e,
        Resource::Memory,
        nodes * hosts * 4.0,
        "the topology's size (`[topology]`; routing tables)".into(),
        Some(s.topology.span.clone()),
    );
    // Every output queue full at once, as the worst case.
    let queued = topo
        .links_in_build_order()
        .map(|l| match l.spec.queue {
            QueueLimit::Packets(p) => 2.0 * p as f64,
            QueueLimit::Bytes(b) => 2.0 * b as f64 / TYPICAL_FRAME,
        })
        .sum::<f64>();
    add(
        &mut e,
        Resource::Memory,
        queued * BYTES_PER_QUEUED_PACKET,
        "the links' `queue` limits (`[topology] link`)".into(),
        Some(s.topology.span.clone()),
    );

    // Time series: a row per sample and series, and a sampling event each.
    let series = s
        .trace
        .timeseries
        .iter()
        .map(|t| {
            if t.get_ref().starts_with("link:") {
                2.0
            } else {
                1.0
            }
        })
        .sum::<f64>();
    let samples = series * end / secs(s.trace.sample_interval).max(1e-12);
    let trace_span = s.trace.timeseries.first().map(|t| t.span());
    add(
        &mut e,
        Resource::Output,
        samples * BYTES_PER_SAMPLE,
        "`[trace] timeseries` and `sample_interval`".into(),
        trace_span.clone(),
    );
    for t in &s.trace.timeseries {
        let tcp = s
            .flows
            .iter()
            .find(|f| f.name.get_ref() == t.get_ref())
            .map(|f| &f.kind)
            .or_else(|| {
                s.vms
                    .iter()
                    .find(|v| format!("{}-workload", v.name.get_ref()) == *t.get_ref())
                    .and_then(|v| v.workload.as_ref().map(|w| &w.kind))
            })
            .is_none_or(|k| matches!(k, Traffic::TcpBulk(_) | Traffic::RequestResponse(_)));
        if let Some(p) = packets_of.get(t.get_ref()).filter(|_| tcp) {
            add(
                &mut e,
                Resource::Output,
                p * BYTES_PER_SAMPLE,
                format!(
                    "`[trace] timeseries` entry \"{}\" (a row per change of cwnd)",
                    t.get_ref()
                ),
                Some(t.span()),
            );
        }
    }
    add(
        &mut e,
        Resource::Events,
        samples,
        "`[trace] timeseries` and `sample_interval`".into(),
        trace_span,
    );

    // Pcaps: each traced device sees its share of the traffic, both directions.
    let devices = 2.0 * links;
    let traced = traced_devices(s, topo);
    let per_frame_cap = match s.trace.snaplen {
        0 => f64::INFINITY,
        n => f64::from(n),
    };
    let share = traced as f64 / devices.max(1.0);
    // Frames average ~1000 bytes; with a snap length, at most that much of each is kept.
    let frames = wire_bytes / 1000.0;
    let pcap = share * 2.0 * (wire_bytes.min(frames * per_frame_cap) + frames * PCAP_RECORD_HEADER);
    add(
        &mut e,
        Resource::Output,
        pcap,
        "`[trace] pcap`".into(),
        None,
    );
    set_path(&mut e, "trace.pcap");
    e.open_files =
        traced as u64 + s.trace.timeseries.len() as u64 * 2 + u64::from(s.trace.openflow_pcap);
    e
}

/// Names the dotted key of the driver just added.
fn set_path(e: &mut Estimate, path: impl Into<String>) {
    if let Some(d) = e.drivers.last_mut() {
        d.path = Some(path.into());
    }
}

/// Devices that get a pcap file.
pub fn traced_devices(s: &Scenario, topo: &Topology) -> usize {
    let ports = |n: NodeIndex| topo.graph().edges(n).count();
    match &s.trace.pcap {
        PcapSelection::None => 0,
        PcapSelection::Hosts => topo.hosts().map(ports).sum(),
        PcapSelection::All => topo.graph().node_indices().map(ports).sum(),
        PcapSelection::Nodes(names) => names
            .iter()
            .filter_map(|n| topo.node(n.get_ref()))
            .map(ports)
            .sum(),
    }
}

/// The first limit the estimate exceeds, with the largest driver of that resource.
pub fn exceeded<'a>(
    e: &'a Estimate,
    limits: &[(Resource, f64)],
) -> Option<(Resource, f64, f64, Option<&'a Driver>)> {
    limits.iter().find_map(|&(r, limit)| {
        let total = e.total(r);
        (total.is_nan() || total > limit).then(|| (r, total, limit, e.largest(r)))
    })
}

/// A sentence for an exceeded limit.
pub fn excess_message(r: Resource, total: f64, limit: f64, d: Option<&Driver>) -> String {
    let what = match r {
        Resource::Events => "the run would take about",
        Resource::Memory => "the model would hold about",
        Resource::Output => "the results would take about",
        Resource::Setup => "building the routes would take about",
    };
    let by = d.map_or(String::new(), |d| {
        format!(", mostly from {} ({})", d.key, r.format(d.amount))
    });
    format!(
        "{what} {} {}, above the limit of {}{by}",
        r.format(total),
        r.what(),
        r.format(limit)
    )
}

/// The routing set-up steps of a built-in topology kind from its parameters alone (hosts ×
/// (nodes + links), as [`estimate`] counts them), before the graph is built: a k = 254
/// fat-tree's graph alone takes seconds and gigabytes. `None` for the fixed test beds and
/// topology files, which are small or bounded by the file size.
pub fn setup_steps(shape: &crate::scenario::TopologyShape) -> Option<f64> {
    use crate::scenario::TopologyShape as S;
    let f = f64::from;
    let (hosts, nodes, links) = match shape {
        S::FatTree { k } => {
            let k = f(*k.get_ref());
            let hosts = k * k * k / 4.0;
            (hosts, hosts + 5.0 * k * k / 4.0, 3.0 * hosts)
        }
        S::Dumbbell { pairs, .. } => {
            let p = f(*pairs);
            (2.0 * p, 2.0 * p + 2.0, 2.0 * p + 1.0)
        }
        S::LeafSpine {
            leaves,
            spines,
            hosts_per_leaf,
        } => {
            let (l, s, h) = (f(*leaves), f(*spines), f(*hosts_per_leaf));
            (l * h, l * h + l + s, l * h + l * s)
        }
        S::Linear {
            switches,
            hosts_per_switch,
        } => {
            let (n, h) = (f(*switches), f(*hosts_per_switch));
            (n * h, n * h + n, n * h + n - 1.0)
        }
        S::Star { hosts } => (f(*hosts), f(*hosts) + 1.0, f(*hosts)),
        _ => return None,
    };
    Some(hosts * (nodes + links))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_prints_without_a_sign() {
        assert_eq!(count(-0.0), "0");
        assert_eq!(count([].iter().sum::<f64>()), "0");
        assert_eq!(bytes(-0.0), "0 KiB");
        assert_eq!(Estimate::default().total(Resource::Events).to_bits(), 0);
    }

    /// Past a thousand T (or a million TiB) an estimate is written with a power of ten.
    #[test]
    fn huge_amounts_print_with_an_exponent() {
        assert_eq!(count(2.5e14), "250.0 T");
        assert_eq!(count(2.50003125e17), "2.5e17");
        assert_eq!(bytes(3.0 * GIB), "3.0 GiB");
        assert_eq!(bytes(GIB * 1024.0 * 1024.0 * 1024.0 * 4.0), "4.2e6 TiB");
    }

    #[test]
    fn a_lossy_path_caps_bulk_tcp_at_the_mathis_bound() {
        let link = |loss: f64| net_stack::LinkConfig {
            loss,
            delay: SimTime::from_ms(5),
            ..Default::default()
        };
        let (lossy, clean) = (link(0.01), link(0.0));
        // Loss-free: no cap.
        assert_eq!(lossy_path_rate(&[&clean], &[0], 1448.0), f64::INFINITY);
        assert_eq!(lossy_path_rate(&[&lossy], &[], 1448.0), f64::INFINITY);
        // One 5 ms hop at 1 % loss: MSS / RTT × √150, RTT = 10 ms + a segment's transmission.
        let rtt = 0.010 + (1448.0 + TCP_OVERHEAD) * 8.0 / lossy.rate.bps() as f64;
        let want = 1448.0 * 8.0 / rtt * 150f64.sqrt();
        let got = lossy_path_rate(&[&lossy], &[1], 1448.0);
        assert!((got / want - 1.0).abs() < 1e-9, "{got} vs {want}");
    }
}
