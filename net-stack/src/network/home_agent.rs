//! A router's Mobile IP home agent (RFC 5944 §3.8), and the UDP datagrams with real bytes
//! that carry registrations: a hypervisor's request (sent through
//! [`crate::host_plane::HostCtx::send_udp`]) reaches the agent's address on port 434; the agent
//! checks its authenticator, installs the binding ([`Network::set_binding`]: a /32 tunnel
//! route, and a gratuitous ARP when the agent sits on the home link) and answers from port
//! 434 to the request's source.
//!
//! ```text
//!   hypervisor ──UDP 434: request(home, HA, care-of, D|G|T)──► router_local ─► here
//!        ▲                                                        │ authenticate, bind
//!        │                                   (lifetime 0 or care-of = home: unbind;
//!        │                                    else expire after the lifetime)
//!        └───────────── UDP 434: reply(code 0 | 131 | 136) ◄──────┘
//! ```
//!
//! Tunnel MTU: an agent with `clamp_mss` rewrites the MSS option of the TCP SYNs it tunnels
//! to the tunnel's path MTU (Ethernet's 1,500 bytes less the tunnel headers) less 40, as
//! Linux's `iptables -j TCPMSS --clamp-mss-to-pmtu` on the tunnel does.

use std::net::Ipv4Addr;

use sim_core::Scheduler;

use super::{Event, Network};
use crate::wire::mip::{
    ETHERNET_MTU, MIP_PORT, MipError, RegistrationReply, RegistrationRequest, clamp_syn_mss,
};
use crate::wire::{L4, Packet, PacketMeta, TunnelKind, UdpRepr};
use crate::{NodeId, PacketId};

/// Whether `pkt` is a Mobile IP registration message (UDP to port 434, not tunnelled).
pub(super) fn is_registration(pkt: &Packet) -> bool {
    pkt.encap.is_none() && matches!(pkt.l4, L4::Udp(u) if u.dst_port == MIP_PORT)
}

impl Network {
    /// Home agent `node` received registration request `id` (RFC 5944 §3.8.2, §3.8.3).
    pub(super) fn home_agent_receive(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        id: PacketId,
    ) {
        let pkt = self.packets.remove(id).expect("the packet");
        let ha = *self.router(node).home_agent.as_ref().expect("a home agent");
        let (L4::Udp(udp), Some(ip)) = (pkt.l4, pkt.ipv4()) else {
            unreachable!("checked by is_registration")
        };
        let bytes = self
            .payloads
            .get(&{ pkt.meta.uid })
            .map_or(&[][..], |b| &**b);
        let (req, code) = match RegistrationRequest::parse(bytes, &ha.security) {
            Err(MipError::Malformed) => {
                // §3.8.2.1: a message that cannot be read is silently discarded.
                self.fates.no_listener += 1;
                return;
            }
            // Read what the reply must echo, without trusting the rest.
            Err(MipError::BadAuth) => (unverified(bytes), 131),
            Ok(r) if r.home_agent != ha.address => (Some(r), 136),
            Ok(r) => (Some(r), 0),
        };
        self.fates.delivered += 1;
        let Some(req) = req else {
            return;
        };
        let mut code = code;
        if code == 0 && (req.lifetime == 0 || req.care_of == req.home_address) {
            // §3.8.3.2: a mobile node back home deregisters (care-of = home, lifetime 0); the
            // agent forgets the binding, and with it the tunnel and the proxy ARP (§4.6).
            self.clear_binding(node, req.home_address);
            self.binding_lifetime(sched, node, req.home_address, 0);
            self.router_mut(node).stats.deregistrations += 1;
        } else if code == 0 {
            let kind = match req.flags.gre {
                true => TunnelKind::Gre { key: None },
                false => TunnelKind::IpIp,
            };
            if self.set_binding(sched, node, req.home_address, req.care_of, kind) {
                self.binding_lifetime(sched, node, req.home_address, req.lifetime);
                self.router_mut(node).stats.registrations += 1;
            } else {
                code = 136;
            }
        }
        let reply = RegistrationReply {
            code,
            lifetime: if code == 0 { req.lifetime } else { 0 },
            home_address: req.home_address,
            home_agent: ha.address,
            identification: req.identification,
        };
        let bytes = reply.emit(&ha.security);
        let ports = (MIP_PORT, udp.src_port);
        self.send_bytes(
            sched,
            node,
            ha.address,
            ip.src,
            ports,
            bytes.into_boxed_slice(),
        );
    }

    /// Clamps the MSS option of tunnelled TCP SYN `id` at home agent `node`, if it clamps.
    pub(super) fn clamp_tunnelled_mss(&mut self, node: NodeId, id: PacketId) {
        if !self.router(node).home_agent.is_some_and(|h| h.clamp_mss) {
            return;
        }
        let pkt = &mut self.packets[id];
        let overhead = pkt.encap.map_or(0, |e| e.tunnel.overhead());
        if clamp_syn_mss(pkt, ETHERNET_MTU - overhead) {
            self.router_mut(node).stats.mss_clamped += 1;
        }
    }

    /// Host `from` sends a UDP datagram carrying `bytes` (a hypervisor's registration).
    pub(super) fn send_udp_bytes(
        &mut self,
        sched: &mut Scheduler<Event>,
        from: NodeId,
        dst: Ipv4Addr,
        ports: (u16, u16),
        bytes: Box<[u8]>,
    ) {
        let src = self.nodes[from.index()].ip.expect("hosts have addresses");
        self.send_bytes(sched, from, src, dst, ports, bytes);
    }

    /// Node `from` sends, by its IP layer and without meeting host planes, a UDP datagram from
    /// `src` carrying `bytes`, which the pcaps show.
    fn send_bytes(
        &mut self,
        sched: &mut Scheduler<Event>,
        from: NodeId,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        ports: (u16, u16),
        bytes: Box<[u8]>,
    ) {
        let ident = match &mut self.nodes[from.index()].kind {
            crate::node::NodeKind::Host(h) => {
                h.next_ip_ident = h.next_ip_ident.wrapping_add(1);
                h.next_ip_ident.wrapping_sub(1)
            }
            // A router keeps no identification counter; an unfragmented datagram's
            // identification has no meaning (RFC 6864 §4.1).
            _ => 0,
        };
        let meta = PacketMeta {
            uid: self.next_uid,
            flow: 0,
            created: sched.now(),
        };
        let udp = L4::Udp(UdpRepr {
            src_port: ports.0,
            dst_port: ports.1,
        });
        let pkt = Packet::new_ipv4(src, dst, udp, bytes.len() as u32, ident, 0, meta);
        self.payloads.insert(self.next_uid, bytes);
        self.next_uid += 1;
        self.fates.created += 1;
        let id = self.packets.insert(pkt);
        self.ip_output(sched, from, id);
    }
}

/// The fields of an unauthenticated request's first 24 bytes, for the reply that refuses it.
fn unverified(b: &[u8]) -> Option<RegistrationRequest> {
    if b.len() < 24 {
        return None;
    }
    let a = |i: usize| Ipv4Addr::new(b[i], b[i + 1], b[i + 2], b[i + 3]);
    Some(RegistrationRequest {
        flags: Default::default(),
        lifetime: 0,
        home_address: a(4),
        home_agent: a(8),
        care_of: a(12),
        identification: u64::from_be_bytes(b[16..24].try_into().expect("8 bytes")),
    })
}
