//! [`StreamPlane`]: the hypervisors' side of the VM migration stream between a host position's
//! old and new host. The controller's apps know only the old network, so the hosts cannot
//! resolve each other with ARP through them; the hypervisors know each other's addresses (as
//! a migration tool is configured with its peer), so this plane addresses the stream's frames
//! itself and sends them out of the host's port. The migration shim carries them through the
//! inter-network link (`MigrationShim::with_migration_streams`).

use net_stack::NodeId;
use net_stack::host_plane::{HostCtx, HostPlane, HostSetup, HostVerdict};
use net_stack::wire::Packet;

/// See the [module docs](self).
#[derive(Debug)]
pub struct StreamPlane {
    /// (old host, new host) of each position with VMs to move.
    pairs: Vec<(NodeId, NodeId)>,
}

impl StreamPlane {
    /// A plane for the given (old host, new host) pairs.
    pub fn new(pairs: Vec<(NodeId, NodeId)>) -> Self {
        StreamPlane { pairs }
    }

    /// The counterpart of `node` if `node` is one end of a pair.
    fn peer_of(&self, node: NodeId) -> Option<NodeId> {
        self.pairs.iter().find_map(|&(a, b)| {
            if a == node {
                Some(b)
            } else if b == node {
                Some(a)
            } else {
                None
            }
        })
    }
}

impl HostPlane for StreamPlane {
    fn start(&mut self, setup: &mut HostSetup<'_>) {
        for &(a, b) in &self.pairs {
            setup.hook_send(a);
            setup.hook_send(b);
        }
    }

    fn on_send(&mut self, ctx: &mut HostCtx<'_>, node: NodeId, pkt: &mut Packet) -> HostVerdict {
        let Some(peer) = self.peer_of(node) else {
            return HostVerdict::Pass;
        };
        let nodes = ctx.nodes();
        let (me, them) = (&nodes[node.index()], &nodes[peer.index()]);
        if pkt.ipv4().map(|ip| ip.dst) != them.ip {
            return HostVerdict::Pass;
        }
        let (Some(&mine), Some(&theirs)) = (me.devices.first(), them.devices.first()) else {
            return HostVerdict::Pass;
        };
        pkt.eth.src = ctx.devices()[mine.index()].mac;
        pkt.eth.dst = ctx.devices()[theirs.index()].mac;
        HostVerdict::SendOut(0)
    }

    fn on_receive(
        &mut self,
        _ctx: &mut HostCtx<'_>,
        _host: NodeId,
        _port: u16,
        _pkt: &mut Packet,
    ) -> HostVerdict {
        HostVerdict::Pass
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}
