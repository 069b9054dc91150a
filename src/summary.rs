//! `summary.json` (schema `netsim.summary/1`): the contract of DESIGN.md's "Results directory".
//!
//! Field names are part of the contract. Fields that exist only for some flow kinds are omitted
//! for the others. Lists are in a fixed order (flows as in the scenario; queues by node, then
//! port), so the same scenario and seed give byte-identical files apart from `wall_time_s`.

mod ecn;
mod storage;
pub mod switch_failures;

use net_stack::app::Report;
use net_stack::socket::SocketId;
use net_stack::{Network, PacketFates};
use serde::Serialize;
use sim_core::SimTime;

use crate::build::FlowHandle;
use crate::scenario::FlowKind;

/// The schema identifier.
pub const SCHEMA: &str = "netsim.summary/1";

/// The whole file.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The netsim that wrote the file: [`crate::VERSION`], the package version and the commit.
    pub netsim_version: &'static str,
    /// Scenario name.
    pub name: String,
    /// Master seed of the run.
    pub seed: u64,
    /// Simulated time [s].
    pub sim_time_s: f64,
    /// Wall-clock time of the run [s] (the only field that differs between identical runs).
    pub wall_time_s: f64,
    /// Events executed.
    pub events: u64,
    /// One entry per `[[flow]]`.
    pub flows: Vec<FlowSummary>,
    /// Every device queue, hosts' included.
    pub queues: Vec<QueueSummary>,
    /// OpenFlow switches, in node order (empty with `app = "none"`).
    pub switches: Vec<SwitchSummary>,
    /// The OpenFlow controller's message counts (extension; absent with `app = "none"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controller: Option<ControllerSummary>,
    /// VM migrations, in start order.
    pub migrations: Vec<MigrationSummary>,
    /// Where every packet ended up (extension): created = delivered + drops + in flight.
    pub packets: PacketSummary,
    /// What the TIME-WAIT records of freed sockets did (extension; absent when no freed
    /// socket left one and none overflowed: runs without workloads or releasing apps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp_time_wait: Option<TimeWaitSummary>,
    /// What `netsim check` warned about (extension; absent when there is nothing).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<crate::scenario::WarningRecord>,
    /// The `[[workload]]` generators' flow-completion statistics (extension; absent without
    /// workloads; see `docs/workloads.md` and [`crate::fct`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workloads: Vec<crate::fct::WorkloadSummary>,
    /// The whole-network migration (extension; absent without `[network_migration]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_migration: Option<crate::netmig::NetMigSummary>,
    /// The vCDN (seed 003 §V): which replica served which flow (absent without
    /// `[controller.vcdn]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vcdn: Option<crate::vcdn::VcdnSummary>,
    /// Switch failures (`[[event]] switch`), in the order they happened (extension; absent
    /// without them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub switch_failures: Vec<switch_failures::SwitchFailureSummary>,
}

/// One flow.
#[derive(Debug, Serialize)]
pub struct FlowSummary {
    /// Flow name.
    pub name: String,
    /// Flow kind.
    pub kind: &'static str,
    /// Source host.
    pub src: String,
    /// Destination host.
    pub dst: String,
    /// Start [s].
    pub start_s: f64,
    /// When the flow finished [s]; null while unfinished.
    pub end_s: Option<f64>,
    /// Packets the sending application handed down (TCP bulk: data segments the sender
    /// transmitted, retransmissions included; request-response: requests).
    pub packets_sent: u64,
    /// Packets that reached the receiving application (TCP bulk: segments that reached the
    /// receiving socket; request-response: complete answers the client received).
    pub packets_delivered: u64,
    /// Payload bytes the sending application handed down.
    pub bytes_sent: u64,
    /// Payload bytes that reached the receiving application, in order, exactly once
    /// (request-response: answer bytes received by the client).
    pub bytes_delivered: u64,
    /// bytes_delivered × 8 / ((end_s or the end of the run) − start_s).
    pub goodput_bps: f64,
    /// Ping: smallest RTT [s].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt_min_s: Option<f64>,
    /// Ping: mean RTT [s].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt_avg_s: Option<f64>,
    /// Ping: largest RTT [s].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt_max_s: Option<f64>,
    /// Ping: RTT standard deviation [s].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt_stddev_s: Option<f64>,
    /// Ping: requests sent at least one second before the end that got no reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost: Option<u64>,
    /// TCP: segments the sender transmitted (data, SYN, FIN and pure ACKs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments_sent: Option<u64>,
    /// TCP: segments sent again that carry sequence space sent before (data, SYN or FIN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retransmissions: Option<u64>,
    /// TCP: fast retransmits (third duplicate ACK).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fast_retransmits: Option<u64>,
    /// TCP: retransmission timeouts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeouts: Option<u64>,
    /// TCP with SACK: segments retransmitted by SACK loss recovery (RFC 6675); omitted while 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sack_retransmissions: Option<u64>,
    /// TCP with RACK-TLP: tail loss probes sent (RFC 8985 §7); omitted while 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tlp_probes: Option<u64>,
    /// TCP: largest congestion window [bytes].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_cwnd_bytes: Option<u64>,
    /// TCP: mean of the RTT samples [s].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_rtt_s: Option<f64>,
    /// Request-response: requests sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests: Option<u64>,
    /// Request-response: complete answers received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answers: Option<u64>,
    /// Request-response: longest time between consecutive answers [s].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_gap_s: Option<f64>,
    /// TCP with ECN negotiated: marks, echoes, reductions and DCTCP's α.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecn: Option<ecn::EcnFlowSummary>,
    /// DNS: queries sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queries: Option<u64>,
    /// DNS: queries answered within their timeout (`lost` counts those whose timeout passed
    /// unanswered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered: Option<u64>,
    /// DNS: answers that came after their query's timeout (their queries count as lost).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub late: Option<u64>,
    /// DNS: lost × 100 / (answered + lost).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loss_pct: Option<f64>,
    /// DNS: 99th percentile of the answered queries' RTTs [s] (nearest rank).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt_p99_s: Option<f64>,
    /// Stream: from the flow's start to the start of playback [s]; null if it never began.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub startup_delay_s: Option<f64>,
    /// Stream: how many times the playout buffer ran empty during playback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stalls: Option<u64>,
    /// Stream: total time stalled [s] (a stall still open at the end counted to the end).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stall_time_s: Option<f64>,
    /// Stream: each stall, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stall_periods: Option<Vec<crate::stream::StallSummary>>,
}

/// One device's output queue and wire.
#[derive(Debug, Serialize)]
pub struct QueueSummary {
    /// Node name.
    pub node: String,
    /// Port index on the node.
    pub port: u16,
    /// Name of the node at the other end of the link.
    pub peer: String,
    /// Packets accepted (straight to the wire or into the queue).
    pub enqueued_packets: u64,
    /// Packets refused: the queue was full, or its discipline dropped them.
    pub dropped_packets: u64,
    /// Of `dropped_packets`, those the `aqm` discipline dropped (RED's early and forced drops,
    /// the threshold marker's drops of packets that are not ECN-capable); omitted when zero.
    #[serde(skip_serializing_if = "is_zero")]
    pub aqm_drops: u64,
    /// Packets the `aqm` discipline marked CE (and queued); omitted when zero.
    #[serde(skip_serializing_if = "is_zero")]
    pub marked_packets: u64,
    /// Most packets waiting at once.
    pub peak_packets: u32,
    /// Most frame bytes waiting at once.
    pub peak_bytes: u64,
    /// Frames serialised onto the wire (extension).
    pub tx_packets: u64,
    /// Frames lost to random loss on the wire (extension).
    pub lost_packets: u64,
}

/// One OpenFlow switch.
#[derive(Debug, Serialize)]
pub struct SwitchSummary {
    /// Node name.
    pub name: String,
    /// Datapath id.
    pub dpid: u64,
    /// Flow entries at the end of the run, over all tables.
    pub flow_entries: usize,
    /// Table lookups (a packet visiting two tables counts twice).
    pub lookups: u64,
    /// Lookups that found an entry.
    pub matched: u64,
    /// PACKET_INs sent to the controller.
    pub packet_ins: u64,
    /// PACKET_OUTs received from the controller.
    pub packet_outs: u64,
    /// FLOW_MODs received.
    pub flow_mods: u64,
    /// Entries removed by DELETE or a timeout.
    pub flows_removed: u64,
    /// Frames received on ports that were up (extension).
    pub packets_received: u64,
    /// Frames dropped for want of any matching entry (extension).
    pub table_misses: u64,
    /// Frames handed to output ports (extension; flooding counts every copy).
    pub packets_sent: u64,
    /// Buffered frames the controller never claimed (extension).
    pub buffers_expired: u64,
    /// OpenFlow errors sent (extension).
    pub errors: u64,
    /// Frames dropped because the shared CPU's queue was full (extension,
    /// `[controller] shared_cpu`; omitted when zero).
    #[serde(skip_serializing_if = "is_zero")]
    pub cpu_drops: u64,
}

/// One migration.
#[derive(Debug, Serialize)]
pub struct MigrationSummary {
    /// The VM.
    pub vm: String,
    /// Source host.
    pub from: String,
    /// Destination host.
    pub to: String,
    /// `precopy`, `stop-and-copy` or `postcopy`.
    pub algorithm: &'static str,
    /// Early Notification (seed 002).
    pub early_notification: bool,
    /// Start [s].
    pub start_s: f64,
    /// End [s]: the last byte acknowledged; null while unfinished.
    pub end_s: Option<f64>,
    /// end − start [s]; null while unfinished.
    pub total_time_s: Option<f64>,
    /// VM paused → resumed [s]; null if it never resumed.
    pub downtime_s: Option<f64>,
    /// The longest gap in the VM's service within this migration's window (from its start to
    /// its end, or the end of the run) [s], one value per migration: between answers at a
    /// request-response client, replies at a ping client, or datagrams / bytes arriving at
    /// the VM for a stream workload — the longest gap between receptions that overlaps the
    /// window, counted whole, a silence still running at the end of the run included; for an
    /// http-probe workload, the longest response time of a request waiting during the
    /// migration; null without a workload or if the migration never started.
    pub service_downtime_s: Option<f64>,
    /// Rounds, the final (stop-and-copy) round included.
    pub rounds: usize,
    /// Bytes of pages and state acknowledged by the destination at the end of the run: all
    /// of the migration's bytes once it finished, what really crossed the network if it was cut
    /// off (not what waits in the sender's buffers).
    pub bytes_sent: u64,
    /// Why pre-copy stopped: threshold | max_rounds | max_total | dirty_rate; null for the
    /// other algorithms.
    pub stop_reason: Option<&'static str>,
    /// `mobility`, when the migration sets one (seed 003); omitted otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobility: Option<&'static str>,
    /// With `mobility`: whether the workload's session survived the move — its client (for a
    /// stream into the VM, the VM's receiver) received something after the VM resumed;
    /// null when the VM never resumed or has no workload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_survived: Option<bool>,
    /// With `mobility = "host-route"`: when the /32 is injected [s]: the resume plus the
    /// convergence delay (possibly after the end of the run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_route_s: Option<f64>,
    /// With `mobility = "mip"`: the Mobile IP registration (request and accepting reply,
    /// [`crate::routed_mip::MipReport`]).
    #[serde(skip_serializing_if = "Option::is_none", flatten)]
    pub mip: Option<crate::routed_mip::MipReport>,
    /// Pre-copy's preparation phase (`prepare_time`, seed 002 §2.1) [s]; omitted when 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prepare_s: Option<f64>,
    /// Retransmissions of the migration connection per round (pre-copy, stop-and-copy): round
    /// i's are those after round i − 1's last byte was handed to TCP, up to round i's (the
    /// final round's to the end); omitted for `image` and post-copy.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub round_retransmissions: Vec<u64>,
    /// Retransmissions of the migration connection before the VM paused; omitted when it
    /// never paused or for `image`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retransmissions_before_pause: Option<u64>,
    /// Post-copy page faults at the destination (extension).
    pub faults: u64,
    /// Time the VM stalled on those faults [s] (extension).
    pub stall_s: f64,
    /// Disk, memory and context phases, for a VM with a disk (seed 003); omitted otherwise.
    #[serde(flatten)]
    pub storage: Option<storage::StorageSummary>,
    /// Whether the migration started (the orchestrator admitted it) before the end of the run;
    /// for the command line's report, not written to `summary.json`.
    #[serde(skip)]
    pub started: bool,
}

/// What crossed the control channels, counted at the controller (extension). A message
/// still on a channel or waiting for the controller when the run ends is not counted.
#[derive(Debug, Serialize)]
pub struct ControllerSummary {
    /// The controller's apps, joined by `+` in order (`learning+monitor`); with several
    /// controllers, each controller's joined by `, ` in file order.
    pub app: String,
    /// Messages received from switches.
    pub received: u64,
    /// Messages sent to switches.
    pub sent: u64,
    /// PACKET_INs received.
    pub packet_ins: u64,
    /// FLOW_MODs sent.
    pub flow_mods: u64,
    /// PACKET_OUTs sent.
    pub packet_outs: u64,
    /// FLOW_REMOVEDs received.
    pub flows_removed: u64,
    /// PORT_STATUS messages received.
    pub port_status: u64,
    /// Statistics requests sent.
    pub stats_requests: u64,
    /// Statistics replies received.
    pub stats_replies: u64,
    /// ERROR messages received.
    pub errors: u64,
}

/// Packet fates over the whole network (extension).
#[derive(Debug, Serialize)]
pub struct PacketSummary {
    /// Counters by fate.
    #[serde(flatten)]
    pub fates: PacketFates,
    /// Still queued or on a wire when the run ended.
    pub in_flight: u64,
}

/// The TIME-WAIT records of freed sockets over the run (`docs/tcp.md`, "TIME-WAIT").
#[derive(Debug, Serialize)]
pub struct TimeWaitSummary {
    /// Records made: connections that closed first and were freed in TIME-WAIT.
    pub records: u64,
    /// The most held at once, over all hosts.
    pub peak: u64,
    /// Late segments that reached a record (without it each would have got a reset).
    pub segments: u64,
    /// Acknowledgements sent from records.
    pub acks_sent: u64,
    /// Retransmitted FINs acknowledged (each restarting its record's 2·MSL).
    pub fins_acked: u64,
    /// Records ended before 2·MSL: by a new SYN past the old sequence numbers, a RST, or an
    /// ephemeral port taken over when every other one was in TIME-WAIT.
    pub ended_early: u64,
    /// Warning counter: connections freed in TIME-WAIT with no record because their host
    /// held `[tcp] max_time_wait` records already (Linux: "time wait bucket table
    /// overflow"); a late segment for one gets a reset.
    pub overflows: u64,
}

fn time_wait_summary(net: &Network) -> Option<TimeWaitSummary> {
    let s = net.sockets().time_wait().stats;
    (s.records > 0 || s.overflows > 0).then_some(TimeWaitSummary {
        records: s.records,
        peak: s.peak,
        segments: s.segments,
        acks_sent: s.acks_sent,
        fins_acked: s.fins_acked,
        ended_early: s.ended_early,
        overflows: s.overflows,
    })
}

/// How long a ping request may stay unanswered at the end of a run and still count as in
/// flight rather than lost.
const PING_GRACE: SimTime = SimTime::from_secs(1);

/// Collects the summary of a finished run.
pub fn collect(
    name: &str,
    seed: u64,
    built: &crate::build::Built,
    end: SimTime,
    wall_time_s: f64,
) -> Summary {
    let net = &built.sim.model;
    let (flows, migrations) = (&built.flows, &built.migrations);
    let events = built.sim.scheduler.executed();
    Summary {
        schema: SCHEMA,
        netsim_version: crate::VERSION,
        name: name.to_string(),
        seed,
        sim_time_s: end.as_secs_f64(),
        wall_time_s,
        events,
        flows: flows.iter().map(|f| flow_summary(net, f, end)).collect(),
        queues: queue_summaries(net),
        switches: switch_summaries(net),
        controller: controller_summary(net),
        migrations: migrations
            .iter()
            .map(|m| migration_summary(net, m, flows, end))
            .collect(),
        packets: PacketSummary {
            fates: net.fates(),
            in_flight: net.packets_in_flight() as u64,
        },
        tcp_time_wait: time_wait_summary(net),
        warnings: Vec::new(),
        workloads: Vec::new(),
        network_migration: crate::netmig::summary(net),
        vcdn: crate::vcdn::summary(net, &built.service_flows),
        switch_failures: switch_failures::collect(net),
    }
}

fn migration_summary(
    net: &Network,
    m: &crate::migrate::MigrationHandle,
    flows: &[FlowHandle],
    end: SimTime,
) -> MigrationSummary {
    let r = migration_report(net, m.app);
    let secs = |t: Option<SimTime>| t.map(SimTime::as_secs_f64);
    let workload = crate::build::workload_name(&m.vm);
    // The service as its users see it, within this migration's window: the longest wait
    // between answers at a request-response client, between replies at a ping client, or
    // the longest silence at the VM's receiver for a stream into it (gaps overlapping the
    // window, counted whole; [`net_stack::report::ServiceWindows`]); for an http-probe, the
    // longest response time of a request waiting during the migration.
    let from = r.start.unwrap_or(m.at);
    let client_view = |f: &FlowHandle| {
        let sender = net.app(f.sender).report();
        if let Report::HttpProbe(p) = &sender {
            let peak = crate::probe::peak_response(&p.samples, from, r.end, end);
            return Some((Some(peak), sender.counters().last_rx));
        }
        let c = crate::migrate::service_app(f).map(|a| net.app(a).report().counters())?;
        let window = c.windows.windows().iter().find(|w| w.from == from);
        let gap = window.map(|w| w.longest_silence(c.last_rx, end));
        Some((gap, c.last_rx))
    };
    // (longest wait in the window, last answer) of the VM's workload as its client sees it.
    let service = flows
        .iter()
        .find(|f| f.name == workload)
        .and_then(client_view);
    let service_downtime_s = service.and_then(|(gap, _)| gap).map(SimTime::as_secs_f64);
    let mip = (m.mobility == Some(vm::Mobility::Mip))
        .then(|| crate::routed_mip::report(net, &m.vm, &m.to))
        .flatten();
    // A Mobile IP binding that expired ends the session there, whatever came before.
    let expired = mip.and_then(|p| p.binding_expired_at);
    let session_survived = m.mobility.and(r.resumed_at).and_then(|resumed| {
        let (_, last_rx) = service?;
        let after = expired.map_or(resumed, |e| resumed.max(e));
        Some(last_rx.is_some_and(|t| t > after))
    });
    let host_route_s = (m.mobility == Some(vm::Mobility::HostRoute))
        .then(|| crate::routed::host_route_injected(net, &m.vm))
        .flatten()
        .map(SimTime::as_secs_f64);
    MigrationSummary {
        vm: m.vm.clone(),
        from: m.from.clone(),
        to: m.to.clone(),
        algorithm: r.algorithm.as_str(),
        early_notification: r.early_notification,
        start_s: r.start.unwrap_or(m.at).as_secs_f64(),
        end_s: secs(r.end),
        total_time_s: secs(r.total_time),
        downtime_s: secs(r.downtime),
        service_downtime_s,
        rounds: r.rounds.len(),
        bytes_sent: r.bytes_sent,
        stop_reason: r.stop_reason.map(|s| s.as_str()),
        mobility: m.mobility.map(vm::Mobility::as_str),
        session_survived,
        host_route_s,
        mip,
        prepare_s: (r.prepare_time > SimTime::ZERO).then(|| r.prepare_time.as_secs_f64()),
        round_retransmissions: r.round_retransmissions.clone(),
        retransmissions_before_pause: r.retransmissions_before_pause,
        faults: r.faults,
        stall_s: r.stall_time.as_secs_f64(),
        storage: r.storage.as_ref().map(storage::storage_summary),
        started: r.start.is_some(),
    }
}

fn controller_summary(net: &Network) -> Option<ControllerSummary> {
    let controllers = crate::sdn::plane_of(net)?.controllers();
    if controllers.is_empty() {
        return None;
    }
    let mut c = openflow::controller::MessageCounts::default();
    for n in controllers {
        c += n.controller.counters().total;
    }
    let names: Vec<String> = controllers
        .iter()
        .map(|n| n.controller.app_names())
        .collect();
    Some(ControllerSummary {
        app: names.join(", "),
        received: c.received,
        sent: c.sent,
        packet_ins: c.packet_ins,
        flow_mods: c.flow_mods,
        packet_outs: c.packet_outs,
        flows_removed: c.flows_removed,
        port_status: c.port_status,
        stats_requests: c.stats_requests,
        stats_replies: c.stats_replies,
        errors: c.errors,
    })
}

fn switch_summaries(net: &Network) -> Vec<SwitchSummary> {
    let Some(plane) = crate::sdn::plane_of(net) else {
        return Vec::new();
    };
    plane
        .switches()
        .iter()
        .map(|s| {
            let c = s.switch.counters();
            SwitchSummary {
                name: s.name.clone(),
                dpid: s.switch.config().datapath_id,
                flow_entries: s.switch.flow_entries(),
                lookups: c.lookups,
                matched: c.matched,
                packet_ins: c.packet_ins,
                packet_outs: c.packet_outs,
                flow_mods: c.flow_mods,
                flows_removed: c.flows_removed,
                packets_received: c.packets_received,
                table_misses: c.table_misses,
                packets_sent: c.packets_sent,
                buffers_expired: c.buffers_expired,
                errors: c.errors,
                cpu_drops: s.cpu_drops,
            }
        })
        .collect()
}

/// The report of migration application `app`.
pub(crate) fn migration_report(net: &Network, app: net_stack::AppId) -> vm::MigrationReport {
    match net.app(app).report() {
        Report::Migration(r) => r,
        other => unreachable!("a migration application reports {other:?}"),
    }
}

fn flow_summary(net: &Network, f: &FlowHandle, end: SimTime) -> FlowSummary {
    let report = net.app(f.sender).report();
    let sent = report.counters();
    let end_s = f.stop.filter(|&s| s <= end).map(SimTime::as_secs_f64);
    let mut s = FlowSummary {
        name: f.name.clone(),
        kind: f.kind.as_str(),
        src: f.src.clone(),
        dst: f.dst.clone(),
        start_s: f.start.as_secs_f64(),
        end_s,
        packets_sent: sent.packets_sent,
        packets_delivered: 0,
        bytes_sent: sent.bytes_sent,
        bytes_delivered: 0,
        goodput_bps: 0.0,
        rtt_min_s: None,
        rtt_avg_s: None,
        rtt_max_s: None,
        rtt_stddev_s: None,
        lost: None,
        segments_sent: None,
        retransmissions: None,
        fast_retransmits: None,
        timeouts: None,
        sack_retransmissions: None,
        tlp_probes: None,
        max_cwnd_bytes: None,
        mean_rtt_s: None,
        requests: None,
        answers: None,
        max_gap_s: None,
        ecn: None,
        queries: None,
        answered: None,
        late: None,
        loss_pct: None,
        rtt_p99_s: None,
        startup_delay_s: None,
        stalls: None,
        stall_time_s: None,
        stall_periods: None,
    };
    match f.kind {
        FlowKind::Ping => {
            // Replies are what the pinging application receives back.
            let Report::Ping(ping) = &report else {
                unreachable!("a ping flow's sender reports {report:?}")
            };
            s.packets_delivered = sent.packets_received;
            s.bytes_delivered = sent.bytes_received;
            if let Some(r) = ping.rtt {
                s.rtt_min_s = Some(r.min_s);
                s.rtt_avg_s = Some(r.avg_s);
                s.rtt_max_s = Some(r.max_s);
                s.rtt_stddev_s = Some(r.stddev_s);
            }
            s.lost = Some(ping.lost(end.saturating_sub(PING_GRACE)));
        }
        FlowKind::HttpProbe => {
            let Report::HttpProbe(p) = &report else {
                unreachable!("an http-probe flow's sender reports {report:?}")
            };
            let c = &p.request.counters;
            s.requests = Some(c.packets_sent);
            s.answers = Some(c.packets_received);
            s.max_gap_s = Some(c.max_gap.as_secs_f64());
            s.timeouts = Some(p.timeouts);
            s.packets_delivered = c.packets_received;
            s.bytes_delivered = c.bytes_received;
        }
        FlowKind::Stream => crate::stream::summarise(net, f, &mut s, end),
        FlowKind::Dns => {
            // Answers are what the querying application receives back.
            let Report::Dns(dns) = &report else {
                unreachable!("a dns flow's client reports {report:?}")
            };
            s.packets_delivered = dns.answered();
            s.bytes_delivered = sent.bytes_received;
            s.queries = Some(dns.queries());
            s.answered = Some(dns.answered());
            s.lost = Some(dns.lost(end));
            s.late = Some(dns.late);
            s.loss_pct = Some(dns.loss_pct(end));
            s.rtt_avg_s = dns.rtt_mean().map(SimTime::as_secs_f64);
            s.rtt_p99_s = dns.rtt_p99().map(SimTime::as_secs_f64);
        }
        FlowKind::TcpBulk | FlowKind::RequestResponse => {
            let (sock, end) = match &report {
                Report::Bulk(b) => (b.socket, b.finished),
                Report::RequestClient(c) => {
                    s.requests = Some(c.counters.packets_sent);
                    s.answers = Some(c.counters.packets_received);
                    s.max_gap_s = Some(c.counters.max_gap.as_secs_f64());
                    (c.socket, None)
                }
                other => unreachable!("a TCP flow's sender reports {other:?}"),
            };
            if let Some(end) = end {
                s.end_s = Some(end.as_secs_f64());
            }
            if let Some(sock) = sock {
                let st = net.sockets().get(sock).conn.stats();
                s.packets_sent = st.data_segments_sent;
                s.segments_sent = Some(st.segments_sent);
                s.retransmissions = Some(st.retransmissions);
                s.fast_retransmits = Some(st.fast_retransmits);
                s.timeouts = Some(st.timeouts);
                s.sack_retransmissions = Some(st.sack_retransmissions).filter(|&n| n > 0);
                s.tlp_probes = Some(st.tlp_probes).filter(|&n| n > 0);
                s.max_cwnd_bytes = Some(st.max_cwnd_bytes as u64);
                s.mean_rtt_s = st.mean_rtt().map(SimTime::as_secs_f64);
                s.ecn = ecn::ecn_summary(net, sock, f.receiver);
            }
            match (f.kind, f.receiver) {
                // What reached the receiving application, in order, exactly once.
                (FlowKind::TcpBulk, Some(rx)) => {
                    s.bytes_delivered = net.app(rx).report().counters().bytes_received;
                    s.packets_delivered = receiver_segments(net, rx);
                }
                // Requests out, answers back: the client's view of its service.
                _ => {
                    s.packets_sent = sent.packets_sent;
                    s.packets_delivered = sent.packets_received;
                    s.bytes_delivered = sent.bytes_received;
                }
            }
        }
        _ => {
            if let Some(rx) = f.receiver {
                let Report::Sink(sink) = net.app(rx).report() else {
                    unreachable!("a UDP flow's receiver is a packet sink")
                };
                s.packets_delivered = sink.counters.packets_received;
                s.bytes_delivered = sink.counters.bytes_received;
            }
        }
    }
    let until = s
        .end_s
        .map(|e| SimTime::from_ps((e * 1e12).round() as u64))
        .unwrap_or(end);
    let span = until.saturating_sub(f.start).as_secs_f64();
    if span > 0.0 {
        s.goodput_bps = s.bytes_delivered as f64 * 8.0 / span;
    }
    s
}

/// Segments that reached the receiving application's sockets (TCP's `packets_delivered`).
fn receiver_segments(net: &Network, app: net_stack::AppId) -> u64 {
    net.sockets()
        .all()
        .iter()
        .enumerate()
        .filter(|(_, s)| s.app == app)
        .map(|(i, _)| {
            let st = net.sockets().get(SocketId(i as u32)).conn.stats();
            st.segments_received
        })
        .sum()
}

fn queue_summaries(net: &Network) -> Vec<QueueSummary> {
    let nodes = net.nodes();
    let devices = net.devices();
    nodes
        .iter()
        .flat_map(|n| n.devices.iter())
        .map(|&d| {
            let dev = &devices[d.index()];
            let q = dev.queue.stats();
            QueueSummary {
                node: nodes[dev.node.index()].name.clone(),
                port: dev.port,
                peer: nodes[devices[dev.peer.index()].node.index()].name.clone(),
                enqueued_packets: q.enqueued_packets,
                dropped_packets: q.dropped_packets,
                aqm_drops: q.aqm_drops,
                marked_packets: q.marked_packets,
                peak_packets: q.peak_packets,
                peak_bytes: q.peak_bytes,
                tx_packets: dev.wire.tx_packets,
                lost_packets: dev.wire.lost_packets,
            }
        })
        .collect()
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}
