//! `mobility = "mip"` on a routed network (seed 003 §IV.B): the home agent a migration names
//! (`home_agent`, default the home data centre's border router) is made a Mobile IP home
//! agent, and the settings of the destination hypervisor's side are put together.
//!
//! ```text
//!   [[migration]] home_agent = "a_border" ──► a router? else an error at the key
//!        address: its interface on the VM's home subnet, else the loopback 10.0.x.y
//!                 (10.0.0.0 + node index + 1: no subnet of the two-dc plan uses 10.0/16)
//!   ──► NetworkBuilder::home_agent (checks registrations, tunnels, clamps MSS)
//!   ──► vm::MipSettings for the MobilityPlane
//! ```

use std::net::Ipv4Addr;

use net_stack::router::HomeAgent;
use net_stack::{NetworkBuilder, NodeId};

use crate::scenario::{MigrationSpec, Scenario, ScenarioError, ScenarioSource};

/// Makes the home agent of migration `m` (of VM node `vm`) one, and returns the settings of
/// the hypervisor's side.
pub fn home_agent(
    scenario: &Scenario,
    source: &ScenarioSource,
    b: &mut NetworkBuilder,
    m: &MigrationSpec,
    vm: NodeId,
) -> Result<vm::MipSettings, ScenarioError> {
    let (name, span) = match &m.home_agent {
        Some(h) => (h.get_ref().clone(), h.span()),
        None => {
            let home = scenario
                .vms
                .iter()
                .find(|v| v.name.get_ref() == m.vm.get_ref())
                .map(|v| v.host.get_ref().clone())
                .unwrap_or_default();
            let dc = home.split_once('_').map_or("a", |(dc, _)| dc);
            let span = m.mobility.as_ref().map_or(m.vm.span(), |s| s.span());
            (format!("{dc}_border"), span)
        }
    };
    let not_router = |what: String| {
        source.error_at(
            span.clone(),
            format!("the home agent `{name}` of VM `{}` {what}", m.vm.get_ref()),
            Some(
                "a home agent is a router of the routed network, such as `a_border` (the \
                 default: the border of the VM's home data centre) or a leaf `a_leaf0`"
                    .into(),
            ),
        )
    };
    let Some(node) = b.node(&name) else {
        return Err(not_router("is no node of the topology".into()));
    };
    let Some(router) = b.nodes()[node.index()].lpm_router() else {
        return Err(not_router("is not a router".into()));
    };
    let home = b.nodes()[vm.index()].ip.expect("VMs have addresses");
    let on_link = router
        .interfaces()
        .iter()
        .find(|i| i.net.contains(home))
        .map(|i| i.net.addr);
    let loopback = Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 0, 0, 1)) + node.index() as u32);
    let previous = router.home_agent().copied();
    let address = previous.map_or(on_link.unwrap_or(loopback), |h| h.address);
    let clamp_mss = m.mip.clamp_mss || previous.is_some_and(|h| h.clamp_mss);
    // One agent, one tunnel daemon: the largest overhead any of its migrations asks for.
    let tunnel_overhead = previous
        .map_or(0, |h| h.tunnel_overhead)
        .max(m.mip.tunnel_overhead);
    b.home_agent(
        node,
        HomeAgent {
            address,
            security: Default::default(),
            clamp_mss,
            tunnel_overhead,
        },
    );
    Ok(vm::MipSettings {
        home_agent: address,
        tunnel: m.mip.tunnel.kind(),
        reverse_tunnel: m.mip.reverse_tunnel,
        clamp_mss: m.mip.clamp_mss,
        lifetime_s: m.mip.lifetime_s,
        tunnel_overhead: m.mip.tunnel_overhead,
        reregister_margin: m.mip.reregister_margin,
    })
}

/// What `migrations[]` reports of a `mip` move (the VM's last registration).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct MipReport {
    /// From the resume (the request sent) to the accepting reply's arrival [s]; null if no
    /// reply accepted the registration before the end of the run.
    pub registration_s: Option<f64>,
    /// Packets that crossed the tunnel for the VM (to it, and back with reverse tunnelling),
    /// counted where the hypervisor decapsulates or encapsulates them.
    pub tunnel_packets: u64,
    /// Their frame bytes, tunnel headers included.
    pub tunnel_bytes: u64,
    /// The VM's SYNs whose MSS the hypervisor clamped to the tunnel's MTU.
    pub mss_clamped: u64,
    /// Tunnel packets over 1,500 bytes of outer IPv4 (sessions older than the tunnel).
    pub tunnel_over_mtu_packets: u64,
    /// The move brought the VM back to its home subnet: the hypervisor deregistered it
    /// (lifetime 0) and `registration_s` is the deregistration's round trip. Written only
    /// when true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deregistration: bool,
    /// Renewals the home agent accepted before the binding's lifetime ran out (RFC 5944 §3.6);
    /// written only when some were.
    #[serde(skip_serializing_if = "is_zero")]
    pub reregistrations: u64,
    /// Requests the hypervisor sent again for want of a reply (RFC 5944 §3.6.3); written only
    /// when some were.
    #[serde(skip_serializing_if = "is_zero")]
    pub registration_retransmissions: u64,
    /// When the home agent's binding expired (no renewal reached it in time) [s]: from then
    /// it tunnels nothing and the session through it is lost. Written only when it expired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding_expired_s: Option<f64>,
    /// The same instant as simulated time (not written).
    #[serde(skip)]
    pub binding_expired_at: Option<sim_core::SimTime>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The [`MipReport`] of VM `vm`'s move to host `to` (by names; its latest there), from the
/// network's [`vm::MobilityPlane`].
pub fn report(net: &net_stack::Network, vm: &str, to: &str) -> Option<MipReport> {
    let node = net.node_by_name(vm)?;
    let to = net.node_by_name(to)?;
    let plane = (0..)
        .map_while(|i| net.host_plane(i))
        .find_map(|p| p.as_any().downcast_ref::<vm::MobilityPlane>())?;
    let b = plane
        .bindings()
        .iter()
        .rev()
        .find(|b| b.vm == node && b.host == to)?;
    // The agent's own record of the binding's expiry, after this registration.
    let binding_expired_at = (0..net.nodes().len())
        .filter_map(|i| net.nodes()[i].lpm_router())
        .filter(|r| {
            r.home_agent()
                .is_some_and(|h| h.address == b.settings.home_agent)
        })
        .flat_map(|r| r.expired_bindings())
        .find(|&&(home, at)| home == b.home && at > b.requested_at)
        .map(|&(_, at)| at);
    Some(MipReport {
        reregistrations: b.reregistrations,
        registration_retransmissions: b.retransmissions,
        binding_expired_s: binding_expired_at.map(sim_core::SimTime::as_secs_f64),
        binding_expired_at,
        registration_s: b
            .registered_at
            .map(|t| t.saturating_sub(b.requested_at).as_secs_f64()),
        tunnel_packets: b.tunnel_packets,
        tunnel_bytes: b.tunnel_bytes,
        mss_clamped: b.mss_clamped,
        tunnel_over_mtu_packets: b.over_mtu_packets,
        deregistration: b.deregistration,
    })
}
