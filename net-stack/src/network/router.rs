//! Routers of a routed network ([`crate::router::LpmRouter`]): frames in, the TTL, the
//! longest-prefix-match lookup, ARP on the subnets of their interfaces (RFC 826, with proxy
//! ARP by RFC 1027), mobility bindings' tunnels, and host routes injected at run time.
//!
//! ```text
//!  frame ─► MAC filter (device MAC, gateway MAC on an interface, broadcast)
//!             ├─ ARP ─► learn the sender (RFC 826 merge) ─► reply for its own address, or
//!             │         for an address it routes out of another port (proxy ARP)
//!             └─ IPv4 ─► for one of its addresses? tunnelled: decapsulate and forward
//!                        else TTL − 1 ─► lpm_forward: Connected(port) ─► ARP ─► device
//!                                                      Via(ports) ─► peer MAC ─► device
//!                                                      Tunnel ─► encapsulate ─► route outer
//! ```

use std::net::Ipv4Addr;

use sim_core::Scheduler;

use super::{Event, Network, per_flow_pick};
use crate::node::NodeKind;
use crate::router::{GATEWAY_MAC, LpmRouter};
use crate::routing::Ecmp;
use crate::routing::lpm::{Hop, Ipv4Net, hops_towards};
use crate::wire::{ArpOp, ArpRepr, L3, TunnelKind};
use crate::{DeviceId, NodeId, PacketId};

/// What the table says for one packet, with the borrow of the table over.
enum Decision {
    Connected(u16),
    Port(u16),
    Tunnel(Ipv4Addr, Ipv4Addr, TunnelKind),
    Unroutable,
}

impl Network {
    pub(super) fn router_mut(&mut self, node: NodeId) -> &mut LpmRouter {
        match &mut self.nodes[node.index()].kind {
            NodeKind::LpmRouter(r) => r,
            _ => unreachable!("not a router of a routed network"),
        }
    }

    pub(super) fn router(&self, node: NodeId) -> &LpmRouter {
        match &self.nodes[node.index()].kind {
            NodeKind::LpmRouter(r) => r,
            _ => unreachable!("not a router of a routed network"),
        }
    }

    /// A frame reached router `node` on its device `dev`.
    pub(super) fn lpm_receive(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        dev: DeviceId,
        id: PacketId,
    ) {
        let d = &self.devices[dev.index()];
        let (mac, port) = (d.mac, d.port);
        let router = self.router(node);
        let iface = router.interface(port).copied();
        let pkt = &self.packets[id];
        let dst_mac = pkt.eth.dst;
        if dst_mac != mac && !dst_mac.is_broadcast() && !(iface.is_some() && dst_mac == GATEWAY_MAC)
        {
            self.drop_packet(id, |f| &mut f.filtered);
            return;
        }
        if let L3::Arp(arp) = pkt.l3
            && pkt.encap.is_none()
        {
            self.packets.remove(id);
            self.fates.delivered += 1;
            self.router_arp_receive(sched, node, dev, &arp);
            return;
        }
        let outer = pkt.outer_dst().expect("IPv4");
        if router.owns(outer) {
            self.router_local(sched, node, id);
            return;
        }
        let Some(ttl) = self.packets[id].outer_ttl_mut() else {
            self.drop_packet(id, |f| &mut f.unroutable);
            return;
        };
        if *ttl <= 1 {
            self.drop_packet(id, |f| &mut f.ttl_expired);
            return;
        }
        *ttl -= 1;
        self.lpm_forward(sched, node, id);
    }

    /// A packet addressed to one of the router's own addresses: a reverse-tunnelled packet
    /// (RFC 3024) is decapsulated and its inner packet forwarded; anything else finds nobody.
    fn router_local(&mut self, sched: &mut Scheduler<Event>, node: NodeId, id: PacketId) {
        if self.router(node).home_agent.is_some()
            && super::home_agent::is_registration(&self.packets[id])
        {
            return self.home_agent_receive(sched, node, id);
        }
        let pkt = &mut self.packets[id];
        if pkt.decapsulate().is_none() {
            self.drop_packet(id, |f| &mut f.no_listener);
            return;
        }
        let L3::Ipv4(ip) = &mut pkt.l3 else {
            unreachable!("IP-in-IP and GRE carry IPv4")
        };
        if ip.ttl <= 1 {
            self.drop_packet(id, |f| &mut f.ttl_expired);
            return;
        }
        ip.ttl -= 1;
        self.router_mut(node).stats.decapsulated_packets += 1;
        self.lpm_forward(sched, node, id);
    }

    /// Sends IPv4 packet `id` on from router `node` by its table (the TTL already done).
    pub(super) fn lpm_forward(&mut self, sched: &mut Scheduler<Event>, node: NodeId, id: PacketId) {
        // At most two lookups: a binding's tunnel, then the route of the outer packet.
        for _ in 0..2 {
            match self.decide(node, id) {
                Decision::Unroutable => break,
                Decision::Port(port) => {
                    let dev = self.ports.device(node, port);
                    let d = &self.devices[dev.index()];
                    let pkt = &mut self.packets[id];
                    pkt.eth.src = d.mac;
                    pkt.eth.dst = d.peer_mac;
                    self.router_mut(node).stats.forwarded += 1;
                    self.device_send(sched, dev, id);
                    return;
                }
                Decision::Connected(port) => {
                    self.router_mut(node).stats.forwarded += 1;
                    self.router_resolve(sched, node, port, id);
                    return;
                }
                Decision::Tunnel(care_of, src, kind) => {
                    let pkt = &mut self.packets[id];
                    if pkt.encapsulate(kind, src, care_of).is_err() {
                        break;
                    }
                    let overhead = self
                        .router(node)
                        .home_agent
                        .map_or(0, |h| h.tunnel_overhead);
                    let pkt = &mut self.packets[id];
                    if overhead > 0 && pkt.set_tunnel_trailer(overhead).is_err() {
                        break;
                    }
                    let len = pkt.frame_len() as u64;
                    self.clamp_tunnelled_mss(node, id);
                    let st = &mut self.router_mut(node).stats;
                    st.tunnelled_packets += 1;
                    st.tunnelled_bytes += len;
                }
            }
        }
        self.drop_packet(id, |f| &mut f.unroutable);
    }

    fn decide(&mut self, node: NodeId, id: PacketId) -> Decision {
        let NodeKind::LpmRouter(r) = &self.nodes[node.index()].kind else {
            unreachable!("a router")
        };
        let pkt = &self.packets[id];
        let Some(dst) = pkt.outer_dst() else {
            return Decision::Unroutable;
        };
        let Some(route) = r.table.lookup(dst) else {
            return Decision::Unroutable;
        };
        match &route.hop {
            Hop::Connected(p) => Decision::Connected(*p),
            Hop::Via(ports) => Decision::Port(match (ports.len(), self.ecmp) {
                (0, _) => return Decision::Unroutable,
                (1, _) | (_, Ecmp::Off) => ports[0],
                (n, Ecmp::PerFlow) => ports[per_flow_pick(pkt, node, n)],
                (n, Ecmp::PerPacket) => {
                    ports[self.ecmp_rngs[node.index()].below(n as u64) as usize]
                }
            }),
            Hop::Tunnel { .. } if pkt.encap.is_some() => Decision::Unroutable,
            Hop::Tunnel { care_of, src, kind } => Decision::Tunnel(*care_of, *src, *kind),
        }
    }

    /// Router `node` sends packet `id` to its destination on the subnet of `port`: at once
    /// when its ARP cache knows the address, else after a request is answered.
    fn router_resolve(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        port: u16,
        id: PacketId,
    ) {
        let dev = self.ports.device(node, port);
        let dst = self.packets[id].outer_dst().expect("IPv4");
        let now = sched.now();
        let Some(cache) = self.router_mut(node).arp_mut(port) else {
            // A host route out of an unnumbered port: nobody to resolve it with.
            self.drop_packet(id, |f| &mut f.arp_unresolved);
            return;
        };
        let retry = cache.config().retry;
        let resolution = cache.resolve(now, dst, id, port);
        self.arp_resolved(
            sched,
            (node, port, dev),
            (dst, id, GATEWAY_MAC),
            resolution,
            retry,
        );
    }

    /// Router `node` asks for `target` on the subnet of `port`, from its address there.
    pub(super) fn router_request(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        port: u16,
        target: Ipv4Addr,
    ) {
        let Some(iface) = self.router(node).interface(port).copied() else {
            return; // a host route out of an unnumbered port: nobody to ask
        };
        let dev = self.ports.device(node, port);
        self.send_request(sched, node, dev, iface.net.addr, target);
    }

    /// RFC 826 reception at a router, for an ARP packet that arrived on `dev`; a request is
    /// answered for the interface's own address, and with proxy ARP (RFC 1027) for an address
    /// the router routes out of another port or into a tunnel.
    fn router_arp_receive(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        dev: DeviceId,
        arp: &ArpRepr,
    ) {
        let port = self.devices[dev.index()].port;
        let now = sched.now();
        let r = self.router_mut(node);
        let Some(iface) = r.interface(port).copied() else {
            return; // unnumbered links speak no ARP
        };
        let own = arp.target_ip == iface.net.addr;
        let proxied = iface.proxy_arp
            && arp.sender_ip != arp.target_ip
            && !own
            && r.table
                .lookup(arp.target_ip)
                .is_some_and(|route| route.hop != Hop::Connected(port));
        let answer = arp.op == ArpOp::Request && (own || proxied);
        let cache = r.arp_mut(port).expect("the interface's cache");
        let (_, waiting) = cache.learn(now, arp.sender_ip, arp.sender_mac, own);
        if answer {
            cache.stats.replies_sent += 1;
            if proxied {
                r.stats.proxy_arp_replies += 1;
            }
        }
        self.arp_release(sched, node, waiting, arp);
        if answer {
            self.send_reply(sched, node, dev, arp.target_ip, arp);
        }
    }

    /// The ARP retry timer for `ip` at router `node`.
    pub(super) fn router_arp_timer(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        ip: Ipv4Addr,
    ) {
        // The timer names the address, not the interface: every interface with a request out
        // for it takes its retry step (at most one in practice: an address lives on one
        // subnet, unless a host route moved it meanwhile).
        let retry = self.router(node).arp_config.retry;
        for i in 0..self.router(node).arp.len() {
            let step = self.router_mut(node).arp[i].retry(ip);
            self.arp_retry_step(sched, node, ip, step, retry);
        }
    }

    /// Injects a host route for `ip` (what a routing protocol would do once it converged): at
    /// router `gateway` to the subnet of its `port` (resolved by ARP there), at every other
    /// router of the routed network towards `gateway`. Replaces earlier routes for `ip`.
    pub fn set_host_route(&mut self, ip: Ipv4Addr, gateway: NodeId, port: u16) {
        let hops = hops_towards(&self.nodes, &self.devices, gateway);
        let net = Ipv4Net::new(ip, 32);
        for (i, n) in self.nodes.iter_mut().enumerate() {
            let NodeKind::LpmRouter(r) = &mut n.kind else {
                continue;
            };
            if i == gateway.index() {
                r.table.insert(net, Hop::Connected(port));
            } else if !hops[i].is_empty() {
                r.table.insert(net, Hop::Via(hops[i].clone()));
            }
        }
    }

    /// Removes the host routes for `ip` from every router.
    pub fn clear_host_route(&mut self, ip: Ipv4Addr) {
        for n in &mut self.nodes {
            if let NodeKind::LpmRouter(r) = &mut n.kind {
                r.table.remove(Ipv4Net::new(ip, 32));
            }
        }
    }

    /// Installs (or replaces) a mobility binding at home agent `ha` (RFC 5944 §3.8.3): packets
    /// the agent forwards to `home` are tunnelled to `care_of`, the agent's address (its
    /// [`crate::router::HomeAgent`] address, else its interface on `home`'s subnet) being the
    /// tunnel source. An agent with an interface on the home subnet then announces `home`
    /// with its own MAC there by a gratuitous ARP (§4.6), so nodes on the home link send it
    /// the packets for the mobile node. Returns `false` if `ha` has neither a home agent
    /// address nor an interface on `home`'s subnet.
    pub fn set_binding(
        &mut self,
        sched: &mut Scheduler<Event>,
        ha: NodeId,
        home: Ipv4Addr,
        care_of: Ipv4Addr,
        kind: TunnelKind,
    ) -> bool {
        let r = self.router_mut(ha);
        let iface = r.interfaces.iter().find(|i| i.net.contains(home)).copied();
        let Some(src) = r
            .home_agent
            .map(|h| h.address)
            .or(iface.map(|i| i.net.addr))
        else {
            return false;
        };
        r.table
            .insert(Ipv4Net::new(home, 32), Hop::Tunnel { care_of, src, kind });
        let Some(iface) = iface else {
            return true;
        };
        let dev = self.ports.device(ha, iface.port);
        self.send_request(sched, ha, dev, home, home);
        true
    }

    /// Removes home agent `ha`'s mobility binding for `home` (a deregistration, RFC 5944
    /// §3.8.3.2): packets for `home` follow its subnet route again, and the agent no longer
    /// answers ARP for it (proxy ARP follows the table). Returns whether there was one.
    pub fn clear_binding(&mut self, ha: NodeId, home: Ipv4Addr) -> bool {
        let table = &mut self.router_mut(ha).table;
        let net = Ipv4Net::new(home, 32);
        let bound = table
            .lookup(home)
            .is_some_and(|r| r.net == net && matches!(r.hop, Hop::Tunnel { .. }));
        if bound {
            table.remove(net);
        }
        bound
    }

    /// A host plane asked for a host route at `at`: now, or by an [`Event::HostRoute`].
    pub(super) fn schedule_host_route(
        &mut self,
        sched: &mut Scheduler<Event>,
        at: sim_core::SimTime,
        ip: Ipv4Addr,
        gateway: NodeId,
        port: u16,
    ) {
        if at <= sched.now() {
            self.set_host_route(ip, gateway, port);
            return;
        }
        self.host_routes.push((ip, gateway, port));
        sched.schedule_at(at, Event::HostRoute(self.host_routes.len() as u32 - 1));
    }

    pub(super) fn on_host_route(&mut self, i: u32) {
        let (ip, gateway, port) = self.host_routes[i as usize];
        self.set_host_route(ip, gateway, port);
    }
}
