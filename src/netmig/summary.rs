//! `summary.json`'s `network_migration` object.

use net_stack::Network;
use openflow::netmig::MigrationShim;
use serde::Serialize;

/// What the whole-network migration did (extension; absent without `[network_migration]`).
#[derive(Debug, Serialize)]
pub struct NetMigSummary {
    /// `asap` | `alap`.
    pub algorithm: &'static str,
    /// PREPARE_MIGRATION [s] (null if it did not run).
    pub prepare_s: Option<f64>,
    /// When each host position moved (its last VM resumed) [s], in `hosts` order.
    pub hosts_moved_s: Vec<Option<f64>>,
    /// MIGRATE_SWITCHES [s].
    pub finalize_s: Option<f64>,
    /// When the last FLOW_MOD that MIGRATE_SWITCHES sent took effect at its switch [s].
    pub finalize_applied_s: Option<f64>,
    /// Packets lost in the finalize phase: frames the switches dropped from `finalize_s` to
    /// `finalize_applied_s` plus two channel latencies (null if the run ended first); see
    /// `openflow::plane::netmig::FinalizeProbe` and docs/scenario.md.
    pub finalize_lost_packets: Option<u64>,
    /// Finalize's FLOW_MODs lost because their switch was down (`[[event]] switch`; absent
    /// when none was).
    #[serde(skip_serializing_if = "is_zero")]
    pub finalize_lost_flow_mods: u32,
    /// Copies of app rules installed (every phase).
    pub rules_installed: u64,
    /// Of those, re-installed by the shim in a switch that restarted after a failure while
    /// its virtual switch stayed (absent when none).
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub rules_restored: u64,
    /// Of those, copied to the new network at finalize (Tunnel ASAP).
    pub rules_copied: u64,
    /// Copies deleted because a phase or a move made them unnecessary.
    pub rules_retired: u64,
    /// Tunnel entries installed and deleted.
    pub tunnel_rules_installed: u64,
    /// Tunnel entries deleted.
    pub tunnel_rules_deleted: u64,
    /// Of the tunnel entries installed, re-installed in a switch that restarted after a
    /// failure (absent when none).
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub tunnel_rules_restored: u64,
    /// FLOW_MODs the shim sent.
    pub flow_mods: u64,
    /// Frames the tunnel switch received (every crossing of the inter-network link).
    pub tunnel_packets: u64,
    /// Their bytes (VLAN tags included).
    pub tunnel_bytes: u64,
    /// Console commands the shim refused, as "time_s COMMAND: reason".
    pub rejected: Vec<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

/// The object, if the network's first controller runs the migration shim.
pub fn summary(net: &Network) -> Option<NetMigSummary> {
    let plane = crate::sdn::plane_of(net)?;
    let driver = plane.network_migration()?;
    let shim = plane
        .controller()?
        .shim()
        .as_any()
        .downcast_ref::<MigrationShim>()?;
    let st = shim.stats();
    let secs = |t: Option<sim_core::SimTime>| t.map(|t| t.as_secs_f64());
    let ts = shim.twin().tunnel_switch;
    let (mut packets, mut bytes) = (0, 0);
    if let Some(s) = plane.switches().get(ts as usize - 1) {
        for p in s.switch.ports() {
            packets += p.counters.rx_packets;
            bytes += p.counters.rx_bytes;
        }
    }
    Some(NetMigSummary {
        algorithm: shim.algorithm().as_str(),
        prepare_s: secs(st.prepared_at),
        hosts_moved_s: st.moved_at.iter().map(|&t| secs(t)).collect(),
        finalize_s: secs(st.finalized_at),
        finalize_applied_s: driver.finalize.as_ref().and_then(|p| secs(p.applied_at)),
        finalize_lost_packets: driver.finalize.as_ref().and_then(|p| p.lost()),
        finalize_lost_flow_mods: driver.finalize.as_ref().map_or(0, |p| p.lost_flow_mods),
        rules_installed: st.rules_installed,
        rules_restored: st.rules_restored,
        rules_copied: st.rules_copied,
        rules_retired: st.rules_retired,
        tunnel_rules_installed: st.tunnel_rules_installed,
        tunnel_rules_deleted: st.tunnel_rules_deleted,
        tunnel_rules_restored: st.tunnel_rules_restored,
        flow_mods: st.flow_mods,
        tunnel_packets: packets,
        tunnel_bytes: bytes,
        rejected: driver
            .rejected
            .iter()
            .map(|(t, c, e)| format!("{} {}: {e}", t.as_secs_f64(), c.console_name()))
            .collect(),
    })
}

/// The first ping flow's answered echoes: its name and (send time [s], RTT [s]) of each, in
/// the order the replies came; `None` without a ping flow.
pub fn ping_echoes(
    net: &Network,
    flows: &[crate::build::FlowHandle],
) -> Option<(String, Vec<(f64, f64)>)> {
    let f = flows
        .iter()
        .find(|f| f.kind == net_stack::apps::FlowKind::Ping)?;
    let net_stack::report::Report::Ping(p) = net.app(f.sender).report() else {
        return None;
    };
    let echoes = (p.echoes.iter())
        .map(|(sent, rtt)| (sent.as_secs_f64(), rtt.as_secs_f64()))
        .collect();
    Some((f.name.clone(), echoes))
}

/// Draws `plots/network-migration.svg` when the run had a network migration and
/// `trace.timeseries` lists a TCP flow (the first one is drawn: throughput and smoothed RTT)
/// or the run has a ping flow (`ping`, from [`ping_echoes`]: each echo's RTT); returns the
/// file written.
pub fn plot(
    scenario: &crate::scenario::Scenario,
    summary: &crate::summary::Summary,
    ping: Option<(String, Vec<(f64, f64)>)>,
    out: &std::path::Path,
) -> Result<Option<std::path::PathBuf>, crate::plot::PlotError> {
    let Some(tl) = timeline(scenario, summary, ping, out)? else {
        return Ok(None);
    };
    let dir = out.join("plots");
    std::fs::create_dir_all(&dir).map_err(|e| crate::plot::PlotError::Write {
        path: dir.clone(),
        message: e.to_string(),
    })?;
    let file = dir.join("network-migration.svg");
    crate::plot::netmig::draw(&tl, &file)?;
    Ok(Some(file))
}

/// What [`plot`] draws for a finished run whose results are in `out` (the TCP flow's time
/// series is read from there), or `None` when it draws nothing.
pub fn timeline(
    scenario: &crate::scenario::Scenario,
    summary: &crate::summary::Summary,
    ping: Option<(String, Vec<(f64, f64)>)>,
    out: &std::path::Path,
) -> Result<Option<crate::plot::netmig::Timeline>, crate::plot::PlotError> {
    use crate::plot::netmig::{Tcp, Timeline, srtt};
    use crate::plot::timeseries;
    let Some(nm) = &summary.network_migration else {
        return Ok(None);
    };
    let flow = scenario.trace.timeseries.iter().find_map(|n| {
        let f = scenario
            .flows
            .iter()
            .find(|f| f.name.get_ref() == n.get_ref())?;
        (f.kind.kind() == net_stack::apps::FlowKind::TcpBulk).then(|| n.get_ref().clone())
    });
    if flow.is_none() && ping.is_none() {
        return Ok(None);
    }
    let end_s = summary.sim_time_s;
    let tcp = match flow {
        Some(flow) => {
            let path = out.join("timeseries").join(format!("{flow}.csv"));
            let text =
                std::fs::read_to_string(&path).map_err(|source| crate::plot::PlotError::Read {
                    path: path.clone(),
                    source,
                })?;
            let rows = timeseries::parse(&text).map_err(|(line, message)| {
                crate::plot::PlotError::Parse {
                    path: path.clone(),
                    line,
                    message,
                }
            })?;
            let bins = timeseries::bins(scenario.duration, scenario.trace.sample_interval);
            Some(Tcp {
                throughput: timeseries::throughput(&rows, end_s, bins),
                rtt: srtt(&text),
                name: flow,
            })
        }
        None => None,
    };
    let mut phases = Vec::new();
    if let Some(t) = nm.prepare_s {
        phases.push(("PREPARE_MIGRATION".to_string(), t));
    }
    for (i, t) in nm.hosts_moved_s.iter().enumerate() {
        if let Some(t) = t {
            phases.push((format!("host {} moved", i + 1), *t));
        }
    }
    if let Some(t) = nm.finalize_s {
        phases.push(("MIGRATE_SWITCHES".to_string(), t));
    }
    let tl = Timeline {
        title: format!("{}: network migration ({})", scenario.name, nm.algorithm),
        end_s,
        phases,
        migrations: summary
            .migrations
            .iter()
            .map(|m| (m.vm.clone(), m.start_s, m.end_s.unwrap_or(end_s)))
            .collect(),
        tcp,
        ping,
    };
    Ok(Some(tl))
}
