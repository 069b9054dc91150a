//! Data-centre workloads in a run: installing each `[[workload]]`'s generator
//! (net-stack's `apps::workload`) with its hosts and the ideal FCT of every host pair, and,
//! after the run, `fct.csv` and the slowdown statistics of `summary.json` (`workloads[]`).
//!
//! ```text
//! build:  [[workload]] ─▶ hosts (pod, rack, link rate) + paths (BFS hops: rate, delay)
//!                      ─▶ WorkloadGen app, listening on every destination host
//! run:    records stream to fct-<workload>.csv (one file per generator)
//! after:  the files concatenate into fct.csv ─▶ stats.rs (hdrhistogram per size bucket,
//!         within / outside each migration) ─▶ summary.json, plots/fct-*.svg
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};

use net_stack::apps::workload::{Hop, PathProfile, WorkloadGen, WorkloadHost};
use net_stack::{AppId, NetworkBuilder};
use sim_core::RngStreams;
use topologies::Topology;

use crate::scenario::{GeneratorSpec, Scenario, ScenarioError, ScenarioSource};

pub mod stats;

pub use stats::{BucketSummary, MigrationWindow, WorkloadSummary};

/// The packets of workload `i` carry flow tag `WORKLOAD_FLOW_TAG - i` (scenario flows count
/// up from 0).
pub const WORKLOAD_FLOW_TAG: u32 = u32::MAX;

/// One installed generator.
#[derive(Debug, Clone)]
pub struct WorkloadHandle {
    /// Its name.
    pub name: String,
    /// Its pattern's name.
    pub pattern: &'static str,
    /// The generator application.
    pub app: AppId,
    /// Where it streams its records.
    pub csv: PathBuf,
    /// Its bucket edges [bytes].
    pub buckets: Vec<u64>,
}

/// Installs every `[[workload]]` of `scenario` on `b` (whose nodes `topo` built); records go
/// to `out/fct-<name>.csv` until [`finish`] gathers them.
pub fn install(
    b: &mut NetworkBuilder,
    scenario: &Scenario,
    source: &ScenarioSource,
    topo: &Topology,
    out: &Path,
) -> Result<Vec<WorkloadHandle>, ScenarioError> {
    if scenario.workloads.is_empty() {
        return Ok(Vec::new());
    }
    let fabric = Fabric::of(topo);
    let streams = RngStreams::new(scenario.seed);
    let mut handles = Vec::new();
    for (i, w) in scenario.workloads.iter().enumerate() {
        handles.push(install_one(
            b, scenario, source, &fabric, &streams, out, i, w,
        )?);
    }
    Ok(handles)
}

#[allow(clippy::too_many_arguments)] // one generator's inputs, each resolved once above
fn install_one(
    b: &mut NetworkBuilder,
    scenario: &Scenario,
    source: &ScenarioSource,
    fabric: &Fabric,
    streams: &RngStreams,
    out: &Path,
    i: usize,
    w: &GeneratorSpec,
) -> Result<WorkloadHandle, ScenarioError> {
    let at_table = |msg: String| source.error_at(w.span.clone(), msg, None);
    // The pool: the listed hosts, or every host of the topology.
    let pool: Vec<usize> = match &w.hosts {
        Some(names) => {
            let mut v = Vec::new();
            for n in names {
                crate::build::host_named(b, source, n)?;
                match fabric.hosts.iter().position(|h| &h.name == n.get_ref()) {
                    Some(k) if !v.contains(&k) => v.push(k),
                    Some(_) => {
                        return Err(source.error_at(
                            n.span(),
                            format!("`{}` is listed twice in `hosts`", n.get_ref()),
                            None,
                        ));
                    }
                    None => {
                        return Err(source.error_at(
                            n.span(),
                            format!("`{}` is not a host of the topology (a VM cannot take part in a workload)", n.get_ref()),
                            None,
                        ));
                    }
                }
            }
            v
        }
        None => (0..fabric.hosts.len()).collect(),
    };
    let receiver = match &w.receiver {
        Some(r) => {
            crate::build::host_named(b, source, r)?;
            pool.iter()
                .position(|&k| fabric.hosts[k].name == *r.get_ref())
                .ok_or_else(|| {
                    source.error_at(
                        r.span(),
                        format!(
                            "the receiver `{}` is not one of the workload's `hosts`",
                            r.get_ref()
                        ),
                        None,
                    )
                })? as u32
        }
        None => 0,
    };
    let hosts: Vec<WorkloadHost> = pool
        .iter()
        .map(|&k| {
            let h = &fabric.hosts[k];
            WorkloadHost {
                node: b.node(&h.name).expect("topology hosts are in the network"),
                ip: h.ip,
                name: h.name.clone(),
                rate_bps: h.rate_bps,
                pod: h.pod,
                rack: h.rack,
            }
        })
        .collect();
    let paths = fabric.paths(&pool);
    let csv = out.join(format!("fct-{}.csv", w.name));
    // An empty `out` is a build that writes nothing (`netsim check`, the benchmarks): the
    // generator then only counts its records.
    let file = (!out.as_os_str().is_empty()).then(|| csv.clone());
    let rng = streams.stream(&format!("workload/{}", w.name));
    let generator = WorkloadGen::new(
        w.name.clone(),
        w.params.clone(),
        w.cdf.clone(),
        hosts.clone(),
        receiver,
        paths,
        &scenario.tcp,
        rng,
        file,
    )
    .map_err(at_table)?;
    let flow = WORKLOAD_FLOW_TAG - i as u32;
    let app = b.add_app(
        hosts[0].node,
        flow,
        Box::new(generator),
        w.params.start,
        w.params.stop,
    );
    let incast = w.params.pattern == net_stack::apps::workload::Pattern::Incast;
    for (k, h) in hosts.iter().enumerate() {
        if incast && k as u32 != receiver {
            continue;
        }
        b.listen_tcp_on(app, h.node, w.params.port)
            .map_err(|e| at_table(format!("workload `{}`: {e}; set `port`", w.name)))?;
    }
    Ok(WorkloadHandle {
        name: w.name.clone(),
        pattern: w.params.pattern.as_str(),
        app,
        csv,
        buckets: w.params.buckets.clone(),
    })
}

/// A host as the workloads see it.
#[derive(Debug, Clone)]
struct FabricHost {
    name: String,
    ip: std::net::Ipv4Addr,
    index: usize,
    rate_bps: u64,
    pod: u32,
    rack: u32,
}

/// The topology as BFS needs it: adjacency in build order, each edge with its rate and delay.
struct Fabric {
    hosts: Vec<FabricHost>,
    adj: Vec<Vec<(usize, Hop)>>,
}

impl Fabric {
    fn of(topo: &Topology) -> Fabric {
        let g = topo.graph();
        let n = topo.node_count();
        let mut adj = vec![Vec::new(); n];
        for l in topo.links_in_build_order() {
            let hop = Hop {
                rate_bps: l.spec.rate.bps(),
                delay_ps: l.spec.delay.as_ps(),
            };
            adj[l.a.index()].push((l.b.index(), hop));
            adj[l.b.index()].push((l.a.index(), hop));
        }
        let hosts = g
            .node_indices()
            .filter(|&i| g[i].role.is_host())
            .map(|i| {
                let spec = &g[i];
                let ip = spec.ip.expect("hosts have addresses");
                let (rack, rate_bps) = adj[i.index()]
                    .first()
                    .map_or((u32::MAX, 0), |&(s, h)| (s as u32, h.rate_bps));
                FabricHost {
                    name: spec.name.clone(),
                    ip,
                    index: i.index(),
                    rate_bps,
                    pod: u32::from(ip.octets()[1]),
                    rack,
                }
            })
            .collect();
        Fabric { hosts, adj }
    }

    /// The hops from `src` to every node: a breadth-first search, neighbours in build order,
    /// so the path is a fewest-hops one (any of them under ECMP: in the bundled topologies
    /// they have the same rates and delays).
    fn bfs(&self, src: usize) -> Vec<Option<(usize, Hop)>> {
        let mut parent: Vec<Option<(usize, Hop)>> = vec![None; self.adj.len()];
        let mut seen = vec![false; self.adj.len()];
        seen[src] = true;
        let mut queue = VecDeque::from([src]);
        while let Some(u) = queue.pop_front() {
            for &(v, hop) in &self.adj[u] {
                if !seen[v] {
                    seen[v] = true;
                    parent[v] = Some((u, hop));
                    queue.push_back(v);
                }
            }
        }
        parent
    }

    /// Every pair's path among `pool` (indices into `hosts`), deduplicated.
    fn paths(&self, pool: &[usize]) -> (Vec<PathProfile>, Vec<u32>) {
        let mut ids: BTreeMap<Vec<Hop>, u32> = BTreeMap::new();
        let mut profiles = Vec::new();
        let mut pair = Vec::with_capacity(pool.len() * pool.len());
        for &s in pool {
            let tree = self.bfs(self.hosts[s].index);
            for &d in pool {
                let mut hops = Vec::new();
                let mut at = self.hosts[d].index;
                while let Some((p, hop)) = tree[at] {
                    hops.push(hop);
                    at = p;
                }
                hops.reverse();
                let next = profiles.len() as u32;
                let id = *ids.entry(hops.clone()).or_insert_with(|| {
                    profiles.push(PathProfile { hops });
                    next
                });
                pair.push(id);
            }
        }
        (profiles, pair)
    }
}

/// After the run (the generators' files flushed by `Network::finish_traces`): concatenates
/// the generators' files into `out/fct.csv` and computes each workload's statistics, with
/// the migrations' windows (vm, start [s], end [s]).
pub fn finish(
    out: &Path,
    handles: &[WorkloadHandle],
    migrations: &[(String, f64, f64)],
    end_s: f64,
) -> std::io::Result<Vec<WorkloadSummary>> {
    if handles.is_empty() {
        return Ok(Vec::new());
    }
    let fct = out.join("fct.csv");
    {
        use std::io::{BufRead, BufReader, BufWriter, Write};
        let mut w = BufWriter::new(std::fs::File::create(&fct)?);
        w.write_all(net_stack::apps::workload::FCT_CSV_HEADER.as_bytes())?;
        for h in handles {
            let r = BufReader::new(std::fs::File::open(&h.csv)?);
            for line in r.lines().skip(1) {
                w.write_all(line?.as_bytes())?;
                w.write_all(b"\n")?;
            }
            std::fs::remove_file(&h.csv)?;
        }
        w.flush()?;
    }
    stats::analyse(&fct, handles, migrations, end_s)
}

/// [`finish`] for `netsim run`: the migrations' windows from the summary, then the plots.
pub fn finish_run(
    out: &Path,
    handles: &[WorkloadHandle],
    summary: &crate::summary::Summary,
    end: sim_core::SimTime,
) -> Result<Vec<WorkloadSummary>, crate::run::RunError> {
    let end_s = end.as_secs_f64();
    let windows: Vec<(String, f64, f64)> = summary
        .migrations
        .iter()
        .map(|m| (m.vm.clone(), m.start_s, m.end_s.unwrap_or(end_s)))
        .collect();
    let fct = out.join("fct.csv");
    let workloads =
        finish(out, handles, &windows, end_s).map_err(|source| crate::run::RunError::Output {
            path: fct.clone(),
            source,
        })?;
    for w in &workloads {
        crate::plot::fct::draw_workload(w, &out.join("plots"))?;
    }
    Ok(workloads)
}
