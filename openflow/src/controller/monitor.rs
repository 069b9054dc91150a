//! [`Monitor`]: Ryu's `simple_monitor_13` — every [`MONITOR_INTERVAL`] a flow-statistics and a
//! port-statistics request (port ANY) to each connected switch, keeping the latest replies.
//! It forwards nothing, so it runs beside a forwarding app (`apps = ["learning", "monitor"]`).

use std::any::Any;
use std::collections::BTreeMap;

use sim_core::SimTime;

use super::{App, Context};
use crate::wire::{FlowStats, FlowStatsRequest, PortStats};

/// `simple_monitor_13`'s period: `hub.sleep(10)`.
pub const MONITOR_INTERVAL: SimTime = SimTime::from_secs(10);

const POLL: u64 = 1;

/// Ryu's `simple_monitor_13`; see the [module docs](self).
#[derive(Debug, Default)]
pub struct Monitor {
    flows: BTreeMap<u64, Vec<FlowStats>>,
    ports: BTreeMap<u64, Vec<PortStats>>,
    polls: u64,
}

impl Monitor {
    /// A monitor that has polled nothing yet.
    pub fn new() -> Self {
        Monitor::default()
    }

    /// The latest flow statistics of each switch that answered, by dpid.
    pub fn flow_stats(&self) -> &BTreeMap<u64, Vec<FlowStats>> {
        &self.flows
    }

    /// The latest port statistics of each switch that answered, by dpid.
    pub fn port_stats(&self) -> &BTreeMap<u64, Vec<PortStats>> {
        &self.ports
    }

    /// Polling rounds so far.
    pub fn polls(&self) -> u64 {
        self.polls
    }
}

impl App for Monitor {
    fn name(&self) -> &'static str {
        "monitor"
    }
    fn start(&mut self, ctx: &mut Context<'_>) {
        ctx.set_timer(ctx.now().saturating_add(MONITOR_INTERVAL), POLL);
    }
    fn timer(&mut self, ctx: &mut Context<'_>, token: u64) {
        if token != POLL {
            return;
        }
        self.polls += 1;
        let dpids: Vec<u64> = ctx.datapaths().keys().copied().collect();
        for dpid in dpids {
            ctx.flow_stats_request(dpid, FlowStatsRequest::default());
            ctx.port_stats_request(dpid);
        }
        ctx.set_timer(ctx.now().saturating_add(MONITOR_INTERVAL), POLL);
    }
    fn flow_stats(&mut self, _ctx: &mut Context<'_>, dpid: u64, stats: &[FlowStats]) {
        self.flows.insert(dpid, stats.to_vec());
    }
    fn port_stats(&mut self, _ctx: &mut Context<'_>, dpid: u64, stats: &[PortStats]) {
        self.ports.insert(dpid, stats.to_vec());
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
