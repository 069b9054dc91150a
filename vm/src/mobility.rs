//! How a migrated VM stays reachable when it changes subnet (seed 003): the
//! `[[migration]] mobility` mode, and [`MobilityPlane`], the host plane that carries it out
//! when the VM resumes.
//!
//! | mode | what happens after the VM resumes on another subnet |
//! | --- | --- |
//! | `none` | nothing: the VM keeps its address, packets for it follow the prefix route to its home subnet and are lost there (seed 003 Table I, "missed for live session") |
//! | `host-route` | after `convergence_delay`, a /32 route for the VM is injected at every router, leading to the destination host's subnet (what a routing protocol does once it has converged) |
//! | `sdn` | the OpenFlow controller re-routes the VM's address, as on any switched network (the VM's gratuitous ARP tells it) |
//! | `mip` | hypervisor-controlled Mobile IP (seed 003 §IV.B, Fig. 3): the destination hypervisor registers its own address as the VM's care-of address with the home agent (RFC 5944 over UDP 434, timed by the network), the agent tunnels the VM's packets to it, it decapsulates them for the VM; replies go direct or reverse-tunnelled (RFC 3024) — [`mip`] |
//!
//! ```text
//!   ResumeGuest{vm, on} ──► MobilityPlane::on_command (not carried out: the bridge does it)
//!                              host-route: ctx.host_route(now + delay, vm's IP,
//!                                                        on's gateway router, its port to on)
//!                              mip: registration request from `on`, hooks `on`'s
//!                                   arrivals and the VM's sends; back on its home
//!                                   subnet, a deregistration (lifetime 0) instead
//!                       ──► VmBridge::on_command: re-plug, gratuitous ARP
//! ```
//!
//! Without `mip` the plane hooks no node, so it costs nothing per packet; it is installed
//! before the [`crate::VmBridge`] so that it sees the resume first (and a VM's sends before
//! the bridge, the arrivals at a host after it).

pub mod mip;

pub use mip::{MipBinding, MipSettings};

use std::any::Any;

use net_stack::NodeId;
use net_stack::host_plane::{HostCommand, HostCtx, HostPlane, HostSetup, HostVerdict};
use net_stack::wire::Packet;
use serde::Deserialize;
use sim_core::SimTime;

/// `[[migration]] mobility`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mobility {
    /// `"none"`: the address follows its prefix route home; the session is lost.
    None,
    /// `"host-route"`: a /32 injected at every router after the convergence delay.
    HostRoute,
    /// `"sdn"`: the OpenFlow controller re-routes the address (a switched network).
    Sdn,
    /// `"mip"`: hypervisor-controlled Mobile IP through the home agent ([`mip`]).
    Mip,
}

impl Mobility {
    /// The name in scenario files and results.
    pub fn as_str(self) -> &'static str {
        match self {
            Mobility::None => "none",
            Mobility::HostRoute => "host-route",
            Mobility::Sdn => "sdn",
            Mobility::Mip => "mip",
        }
    }
}

/// The default `convergence_delay` of `host-route`: 1 s (a routing protocol's reaction after
/// a prefix change, of the order of BGP's minimum route advertisement interval for iBGP, and
/// of OSPF's default SPF and LSA throttling delays added up).
pub const DEFAULT_CONVERGENCE_DELAY: SimTime = SimTime::from_secs(1);

/// One VM's mobility settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VmMobility {
    /// The VM.
    pub vm: NodeId,
    /// The mode.
    pub mode: Mobility,
    /// For `host-route`: from resume to the route's injection.
    pub convergence_delay: SimTime,
    /// For `mip`: the home agent and the tunnel.
    pub mip: Option<MipSettings>,
}

/// Carries out each VM's [`Mobility`] when it resumes; see the [module docs](self).
#[derive(Debug, Default)]
pub struct MobilityPlane {
    vms: Vec<VmMobility>,
    /// (VM, resume time, host-route injection time) of every resume, in order.
    moves: Vec<(NodeId, SimTime, Option<SimTime>)>,
    /// `mip` registrations, in order (a VM's latest last).
    bindings: Vec<MipBinding>,
}

impl MobilityPlane {
    /// A plane for these VMs (a VM migrated several times keeps one setting: its last).
    pub fn new(vms: Vec<VmMobility>) -> Self {
        MobilityPlane {
            vms,
            moves: Vec::new(),
            bindings: Vec::new(),
        }
    }

    /// Every `mip` registration the plane made, in order.
    pub fn bindings(&self) -> &[MipBinding] {
        &self.bindings
    }

    /// Every resume the plane saw: (VM, when, when its host route was injected).
    pub fn moves(&self) -> &[(NodeId, SimTime, Option<SimTime>)] {
        &self.moves
    }

    /// The router `host` hangs off (its port 0's peer) and that router's port towards it.
    fn gateway_of(ctx: &HostCtx<'_>, host: NodeId) -> Option<(NodeId, u16)> {
        let dev = *ctx.nodes()[host.index()].devices.first()?;
        let peer = &ctx.devices()[ctx.devices()[dev.index()].peer.index()];
        ctx.nodes()[peer.node.index()].lpm_router()?;
        Some((peer.node, peer.port))
    }
}

impl HostPlane for MobilityPlane {
    fn start(&mut self, _setup: &mut HostSetup<'_>) {}

    fn on_send(&mut self, _ctx: &mut HostCtx<'_>, node: NodeId, pkt: &mut Packet) -> HostVerdict {
        // Only `mip` VMs that moved are hooked; their latest registration applies.
        match self.bindings.iter_mut().rev().find(|b| b.vm == node) {
            Some(b) => b.on_send(pkt),
            None => HostVerdict::Pass,
        }
    }

    fn on_receive(
        &mut self,
        ctx: &mut HostCtx<'_>,
        host: NodeId,
        _port: u16,
        pkt: &mut Packet,
    ) -> HostVerdict {
        for b in self.bindings.iter_mut().rev().filter(|b| b.host == host) {
            match b.on_receive(ctx, pkt) {
                HostVerdict::Pass => continue,
                verdict => return verdict,
            }
        }
        HostVerdict::Pass
    }

    fn on_command(&mut self, ctx: &mut HostCtx<'_>, cmd: HostCommand) -> bool {
        let HostCommand::ResumeGuest { vm, on } = cmd else {
            return false;
        };
        let Some(m) = self.vms.iter().rev().find(|m| m.vm == vm).copied() else {
            return false;
        };
        let mut injected = None;
        if m.mode == Mobility::HostRoute
            && let (Some((gateway, port)), Some(ip)) =
                (Self::gateway_of(ctx, on), ctx.nodes()[vm.index()].ip)
        {
            let at = ctx.now() + m.convergence_delay;
            ctx.host_route(at, ip, gateway, port);
            injected = Some(at);
        }
        if let (Mobility::Mip, Some(settings)) = (m.mode, m.mip) {
            for old in self
                .bindings
                .iter_mut()
                .filter(|old| old.vm == vm && old.current)
            {
                old.supersede(ctx);
            }
            let token = self.bindings.len() as u64;
            if let Some(b) = MipBinding::register(ctx, vm, on, settings, token) {
                self.bindings.push(b);
            }
        }
        self.moves.push((vm, ctx.now(), injected));
        // The bridge re-plugs the VM: this plane only adds to the move.
        false
    }

    fn on_timer(&mut self, ctx: &mut HostCtx<'_>, token: u64) {
        if let Some(b) = self.bindings.get_mut(token as usize) {
            b.on_timer(ctx);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
