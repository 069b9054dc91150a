//! [`InstantMove`]: a host position's move as the paper's Mininet test bed made it (seed 001
//! §3.1: "live VM migration had to be simulated by generating traffic from different sources
//! in a coherent way"). At the position's time the VMs on the old host run on the new host at
//! once — no pre-copy stream, no pause — and the switch plane is told, as a pre-copy
//! migration tells it when its VM resumes (`[network_migration] host_move = "instant"`).

use net_stack::NodeId;
use net_stack::app::{AppCtx, AppReport, Application, Report};
use net_stack::signal::{Endpoint, Signal};

/// Moves `vms` to `to` when it starts; see the [module docs](self).
#[derive(Debug)]
pub struct InstantMove {
    vms: Vec<NodeId>,
    to: NodeId,
}

impl InstantMove {
    /// Moves `vms` (the VMs of one host position) to host `to`.
    pub fn new(vms: Vec<NodeId>, to: NodeId) -> Self {
        InstantMove { vms, to }
    }
}

impl Application for InstantMove {
    fn start(&mut self, ctx: &mut AppCtx<'_>) {
        for &vm in &self.vms {
            ctx.resume_vm(vm, self.to);
        }
        // One signal for the position: the driver counts one application per position.
        ctx.signal(Endpoint::SwitchPlane, Signal::Resumed);
    }

    fn report(&self) -> Report {
        Report::Counters(AppReport::default())
    }
}
