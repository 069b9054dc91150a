//! Routed networks: a `two-dc` topology under static routing (`controller.app = "none"`)
//! becomes IP subnets joined by longest-prefix-match routers (net-stack's
//! [`net_stack::node::NodeKind::LpmRouter`]) with ARP on every subnet; VMs get addresses in
//! their home host's subnet; migrations choose how the VM stays reachable
//! (`[[migration]] mobility`, [`vm::mobility`]).
//!
//! ```text
//!   topology (two-dc) ──install──► hosts: subnet 10.x.i.0/24, gateway 10.x.i.254
//!                                  routers: interface 10.x.i.254/24 (proxy ARP) on each host port
//!   [[vm]] address / assigned ──► VM on the home host's subnet, same gateway
//!   [[migration]] mobility ──► MobilityPlane (before the VmBridge)
//! ```

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use net_stack::arp::ArpConfig;
use net_stack::router::HostSubnet;
use net_stack::routing::lpm::Ipv4Net;
use net_stack::{NetworkBuilder, NodeId};
use topologies::Topology;

use crate::scenario::{Scenario, ScenarioError, ScenarioSource, TopologyKind, VmSpec};

/// Whether the scenario's network is routed: a `two-dc` topology under static routing.
pub fn is_routed(scenario: &Scenario) -> bool {
    scenario.topology.shape.kind() == TopologyKind::TwoDc && !scenario.controller.app.is_openflow()
}

/// Adds the topology as a routed network: hosts with their subnet and gateway
/// ([`topologies::two_dc::host_subnet`]), routers with an interface (proxy ARP on) on each
/// port facing a host, router-to-router links unnumbered; everything speaks ARP.
pub fn install(topo: &Topology, b: &mut NetworkBuilder) {
    let g = topo.graph();
    let mut ids = Vec::with_capacity(topo.node_count());
    for n in g.node_indices() {
        let spec = &g[n];
        ids.push(match (spec.role.is_host(), spec.ip) {
            (true, Some(ip)) => b.add_host(&spec.name, ip),
            (true, None) => unreachable!("the topologies crate gives every host an address"),
            (false, _) => b.add_lpm_router(&spec.name),
        });
    }
    for l in topo.links_in_build_order() {
        b.connect(ids[l.a.index()], ids[l.b.index()], *l.spec);
    }
    for h in topo.hosts() {
        let ip = topo.ip(h).expect("hosts have addresses");
        let subnet = subnet_of(ip);
        let (_, router) = topo.ports(h)[0];
        let port = topo
            .ports(router)
            .iter()
            .position(|&(_, n)| n == h)
            .expect("the router's link to the host") as u16;
        let gw = Ipv4Net::new(subnet.gateway, subnet.net.len);
        b.router_interface(ids[router.index()], port, gw, true);
        b.host_subnet(ids[h.index()], subnet);
    }
    b.arp(ArpConfig::default());
}

/// The subnet and gateway of a host address by the two-dc plan.
pub fn subnet_of(ip: Ipv4Addr) -> HostSubnet {
    let (len, gateway) = topologies::two_dc::host_subnet(ip);
    HostSubnet {
        net: Ipv4Net::new(ip, len),
        gateway,
    }
}

/// The address of VM `v` (the `i`-th), on `host`: its `address` key (in a routed network it
/// must lie in the host's subnet), else the next free address of the host's subnet (routed)
/// or 10.200.0.(i+1). `taken` counts the addresses handed out per host.
pub fn vm_address(
    b: &NetworkBuilder,
    source: &ScenarioSource,
    v: &VmSpec,
    i: usize,
    host: NodeId,
    routed: bool,
    taken: &mut BTreeMap<NodeId, u32>,
) -> Result<Ipv4Addr, ScenarioError> {
    let host_ip = b.nodes()[host.index()].ip.expect("hosts have addresses");
    let subnet = subnet_of(host_ip);
    match (&v.address, routed) {
        (Some(a), true) if !subnet.net.contains(*a.get_ref()) || *a.get_ref() == subnet.gateway => {
            Err(source.error_at(
                a.span(),
                format!(
                    "the address {} of VM `{}` is outside the subnet of its host `{}` ({}/{}, \
                     gateway {})",
                    a.get_ref(),
                    v.name.get_ref(),
                    v.host.get_ref(),
                    subnet.net.network().addr,
                    subnet.net.len,
                    subnet.gateway
                ),
                Some(format!(
                    "in a routed network a VM lives on its home host's subnet: try {}",
                    topologies::two_dc::vm_address(host_ip, 0).expect("the first VM address")
                )),
            ))
        }
        (Some(a), _) => Ok(*a.get_ref()),
        (None, false) => Ok(crate::build::vm_address(i)),
        (None, true) => {
            let n = taken.entry(host).or_insert(0);
            let ip = topologies::two_dc::vm_address(host_ip, *n).ok_or_else(|| {
                source.error_at(
                    v.host.span(),
                    format!(
                        "host `{}` has no VM address left in its subnet",
                        v.host.get_ref()
                    ),
                    Some("a host's subnet holds VMs at .10 … .253".into()),
                )
            })?;
            *n += 1;
            Ok(ip)
        }
    }
}

/// Checks each migration's `mobility` against the network, and returns the plane that
/// carries the modes out (`None` when no migration sets one: nothing changes).
pub fn mobility_plane(
    scenario: &Scenario,
    source: &ScenarioSource,
    b: &mut NetworkBuilder,
) -> Result<Option<vm::MobilityPlane>, ScenarioError> {
    let routed = is_routed(scenario);
    let openflow = scenario.controller.app.is_openflow();
    let mut vms = Vec::new();
    for m in &scenario.migrations {
        let Some(mode) = &m.mobility else { continue };
        let needs = match mode.get_ref() {
            vm::Mobility::None | vm::Mobility::HostRoute | vm::Mobility::Mip if !routed => Some(
                "a routed network: [topology] kind = \"two-dc\" with [controller] app = \"none\"",
            ),
            vm::Mobility::Sdn if !openflow => Some(
                "an OpenFlow controller: [controller] app = \"shortest-path\" (or another OpenFlow app)",
            ),
            _ => None,
        };
        if let Some(needs) = needs {
            return Err(source.error_at(
                mode.span(),
                format!(
                    "mobility = \"{}\" needs {needs}",
                    mode.get_ref().as_str()
                ),
                Some("`none`, `host-route` and `mip` move a VM between the subnets of a routed network; `sdn` re-routes it on a switched one".into()),
            ));
        }
        if let Some(vm) = b.node(m.vm.get_ref()) {
            let mip = match mode.get_ref() {
                vm::Mobility::Mip => {
                    Some(crate::routed_mip::home_agent(scenario, source, b, m, vm)?)
                }
                _ => None,
            };
            vms.push(vm::VmMobility {
                vm,
                mode: *mode.get_ref(),
                convergence_delay: m.convergence_delay,
                mip,
            });
        }
    }
    Ok((!vms.is_empty()).then(|| vm::MobilityPlane::new(vms)))
}

/// When the host route of VM `vm` (by name) was injected, from the network's
/// [`vm::MobilityPlane`] (the last move of the VM); `None` without one.
pub fn host_route_injected(net: &net_stack::Network, vm: &str) -> Option<sim_core::SimTime> {
    let node = net.node_by_name(vm)?;
    let plane = (0..)
        .map_while(|i| net.host_plane(i))
        .find_map(|p| p.as_any().downcast_ref::<vm::MobilityPlane>())?;
    plane
        .moves()
        .iter()
        .rev()
        .find(|m| m.0 == node)
        .and_then(|m| m.2)
}
