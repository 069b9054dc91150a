//! The vCDN based on SDN of seed 003 §V (Fig. 8): "vCDN based SDN can redirect user's request
//! to the closest surrogate server". Clients ask for one **service address** (a virtual IPv4
//! address no host has); the controller sends each new TCP session to the nearest **replica**
//! that has started, by hop count on its switch graph, and rewrites addresses at the client's
//! edge switch so that the client only ever sees the service address.
//!
//! * **ARP** for the service address is answered by the controller (proxy ARP) with
//!   [`SERVICE_MAC`], a locally administered address no device has.
//! * **A new session** — a client's TCP segment to the service address arriving on an edge
//!   port with no entry for its (client address, client port, service port) — picks the
//!   replica whose edge switch is the fewest switch hops from the client's (ties: the first
//!   listed), among those whose `start` has passed. The app then installs, destination end
//!   first, priority-[`VCDN_PRIORITY`] entries matching the session's 4-tuple along the
//!   hop-count shortest path both ways: at the client's edge switch the forward entry sets
//!   `eth_dst` and `ipv4_dst` to the replica's and the reverse entry sets `eth_src` and
//!   `ipv4_src` back to the service's; every other switch forwards the real addresses. The
//!   segment itself leaves with the forward entry's actions in a PACKET_OUT.
//! * **Sessions stay where they were sent** (connection affinity): a replica that starts
//!   later takes only sessions that begin after its start, because moving a running TCP
//!   connection to another server would break it (the new server has no connection state).
//! * **A replica that migrates** keeps its addresses (live migration); its gratuitous ARP
//!   shows its MAC on another edge port, and every session it serves is re-installed along
//!   the path to its new place (an ADD with the same match replaces the entry), so the
//!   clients' connections survive.
//! * **Everything else** (ARP between hosts, traffic not for the service) is handed to an
//!   inner [`ShortestPath`], so `app = "vcdn"` is a complete forwarding app.
//!
//! Not modelled: session entries carry no timeouts (a finished session's entries stay), the
//! choice is by hop count only (not RTT or load), and link failures re-route only the inner
//! app's pairs, not the sessions.

use std::any::Any;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use net_stack::wire::{ArpOp, EtherType, IpProtocol, L3, L4, MacAddr, Packet};
use sim_core::SimTime;

use super::routing::{install_table_miss, is_group, proxy_arp_reply};
use super::{App, AppConfig, Context, PacketInEvent, ShortestPath, Topology};
use crate::wire::{
    Action, FeaturesReply, FlowMod, FlowRemoved, Instruction, Masked, Match, Oxm, Port, PortStatus,
};

/// Priority of the session entries: above the routing apps' per-pair entries (1).
pub const VCDN_PRIORITY: u16 = 10;

/// The MAC the controller answers for the service address with (02:cd:…: locally
/// administered; devices use 02:00:…, VMs 02:01:…).
pub const SERVICE_MAC: MacAddr = MacAddr([0x02, 0xcd, 0x00, 0x00, 0x00, 0x01]);

/// One replica server as the scenario names it, with where it is attached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VcdnReplica {
    /// Host or VM name (for results).
    pub name: String,
    /// Its address.
    pub ip: Ipv4Addr,
    /// Its MAC.
    pub mac: MacAddr,
    /// The switch its (or its hypervisor's) interface is attached to, by node name.
    pub switch: String,
    /// That switch's port (OpenFlow numbering, from 1).
    pub port: u32,
    /// When it joins the service: sessions that begin earlier never go to it.
    pub start: SimTime,
}

/// What the `vcdn` app serves: the service address and its replicas.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VcdnConfig {
    /// The address clients ask for; `None`: no service (the app only routes).
    pub service: Option<Ipv4Addr>,
    /// The replicas, in the scenario's order (the tie break).
    pub replicas: Vec<VcdnReplica>,
}

/// One session the app redirected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VcdnSession {
    /// When its first segment reached the controller.
    pub at: SimTime,
    /// The client's address and TCP port.
    pub client: (Ipv4Addr, u16),
    /// The service's TCP port.
    pub port: u16,
    /// Index of the replica in [`VcdnConfig::replicas`].
    pub replica: usize,
    /// Switch-to-switch links on the path when it was chosen (0: client and replica on one
    /// switch): the hop count the choice minimised.
    pub links: usize,
}

/// A replica as the app tracks it.
#[derive(Clone, Debug)]
struct Replica {
    cfg: VcdnReplica,
    /// Where it is attached now: `(dpid, port)`; `None` if its switch is not in the topology.
    at: Option<(u64, u32)>,
}

/// A redirected session's state: its record and the client's place.
#[derive(Clone, Debug)]
struct Session {
    record: VcdnSession,
    client_at: (u64, u32),
    /// `(dpid, output port)` per switch, client's first, then the replica's edge port.
    fwd: Vec<(u64, u32)>,
    /// The reverse direction, replica's switch first, ending at the client's edge port.
    rev: Vec<(u64, u32)>,
}

/// The vCDN app; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct Vcdn {
    inner: ShortestPath,
    service: Option<Ipv4Addr>,
    replicas: Vec<Replica>,
    /// By (client address, client port, service port).
    sessions: BTreeMap<(Ipv4Addr, u16, u16), Session>,
}

impl Vcdn {
    /// The app for `topo` serving `vcdn`.
    ///
    /// # Panics
    ///
    /// If the topology does not pass [`Topology::validate`].
    pub fn new(topo: &Topology, config: AppConfig, vcdn: VcdnConfig) -> Vcdn {
        let replicas = vcdn
            .replicas
            .into_iter()
            .map(|cfg| {
                let at = topo
                    .switches
                    .iter()
                    .find(|s| s.name == cfg.switch)
                    .map(|s| (s.dpid, cfg.port));
                Replica { cfg, at }
            })
            .collect();
        Vcdn {
            inner: ShortestPath::new(topo, config),
            service: vcdn.service,
            replicas,
            sessions: BTreeMap::new(),
        }
    }

    /// The sessions redirected so far, by (client address, client port, service port).
    pub fn sessions(&self) -> impl Iterator<Item = &VcdnSession> {
        self.sessions.values().map(|s| &s.record)
    }

    /// The service address, if the app has a service.
    pub fn service(&self) -> Option<Ipv4Addr> {
        self.service
    }

    /// Replica `i`'s name.
    pub fn replica_name(&self, i: usize) -> &str {
        &self.replicas[i].cfg.name
    }

    /// Where replica `i` is attached now, `(dpid, port)`.
    pub fn replica_location(&self, i: usize) -> Option<(u64, u32)> {
        self.replicas[i].at
    }

    /// The routing app underneath.
    pub fn shortest_path(&self) -> &ShortestPath {
        &self.inner
    }

    /// The nearest started replica to edge switch `dpid`, with its hops: fewest switches on
    /// the hop-count path, ties to the first listed.
    fn nearest(&self, now: SimTime, dpid: u64) -> Option<(usize, Vec<(u64, u32)>)> {
        let mut best: Option<(usize, Vec<(u64, u32)>)> = None;
        for (i, r) in self.replicas.iter().enumerate() {
            let Some(at) = r.at.filter(|_| r.cfg.start <= now) else {
                continue;
            };
            let Some(hops) = self.hops((dpid, 0), at) else {
                continue;
            };
            if best.as_ref().is_none_or(|(_, b)| hops.len() < b.len()) {
                best = Some((i, hops));
            }
        }
        best
    }

    /// `(dpid, output port)` from edge switch `from.0` to the edge port `to`, ending there.
    fn hops(&self, from: (u64, u32), to: (u64, u32)) -> Option<Vec<(u64, u32)>> {
        let g = self.inner.routing().graph();
        let path = g.shortest_path(g.index_of(from.0)?, g.index_of(to.0)?, |_| 1)?;
        let mut hops: Vec<(u64, u32)> = path
            .switches
            .iter()
            .zip(&path.via)
            .map(|(&i, v)| (g.dpid(i), v.port))
            .collect();
        hops.push(to);
        Some(hops)
    }

    /// Installs both directions of `s`, each destination end first.
    fn install(&self, ctx: &mut Context<'_>, service: Ipv4Addr, s: &Session) {
        let r = &self.replicas[s.record.replica].cfg;
        let (cip, cport) = s.record.client;
        let sport = s.record.port;
        for (n, &(dpid, port)) in s.rev.iter().enumerate().rev() {
            let m = four_tuple((r.ip, sport), (cip, cport));
            let last = n + 1 == s.rev.len();
            let actions = if last {
                reverse_actions(service, port)
            } else {
                vec![Action::output(port)]
            };
            ctx.flow_mod(dpid, entry(m, actions));
        }
        for (n, &(dpid, port)) in s.fwd.iter().enumerate().rev() {
            let dst = if n == 0 { service } else { r.ip };
            let m = four_tuple((cip, cport), (dst, sport));
            let actions = if n == 0 {
                forward_actions(r, port)
            } else {
                vec![Action::output(port)]
            };
            ctx.flow_mod(dpid, entry(m, actions));
        }
    }

    /// A client's segment to the service: a new session is chosen and installed; the
    /// segment leaves rewritten along its session.
    fn service_segment(
        &mut self,
        ctx: &mut Context<'_>,
        ev: &PacketInEvent<'_>,
        service: Ipv4Addr,
        (src, cport, sport): (Ipv4Addr, u16, u16),
    ) {
        let key = (src, cport, sport);
        if !self.sessions.contains_key(&key) {
            if !self
                .inner
                .routing()
                .graph()
                .is_edge_port(ev.dpid, ev.in_port)
            {
                return;
            }
            let Some((replica, fwd)) = self.nearest(ctx.now(), ev.dpid) else {
                return;
            };
            let client_at = (ev.dpid, ev.in_port);
            let at = self.replicas[replica]
                .at
                .expect("chosen replicas are placed");
            let Some(rev) = self.hops(at, client_at) else {
                return;
            };
            let s = Session {
                record: VcdnSession {
                    at: ctx.now(),
                    client: (src, cport),
                    port: sport,
                    replica,
                    links: fwd.len() - 1,
                },
                client_at,
                fwd,
                rev,
            };
            self.install(ctx, service, &s);
            self.sessions.insert(key, s);
        }
        let s = &self.sessions[&key];
        if s.client_at.0 == ev.dpid {
            let r = &self.replicas[s.record.replica].cfg;
            let actions = forward_actions(r, s.fwd[0].1);
            ctx.packet_out(ev.dpid, ev.buffer_id, ev.in_port, actions, Some(ev.packet));
        }
    }

    /// A segment of a session that reached the controller at a switch inside its path
    /// (before its entry did): sent on along the session.
    fn on_path(
        &self,
        ctx: &mut Context<'_>,
        ev: &PacketInEvent<'_>,
        key: (Ipv4Addr, u16, u16),
        reverse: bool,
    ) -> bool {
        let Some(s) = self.sessions.get(&key) else {
            return false;
        };
        let hops = if reverse { &s.rev } else { &s.fwd };
        let Some(n) = hops.iter().position(|h| h.0 == ev.dpid) else {
            return false;
        };
        let port = hops[n].1;
        let actions = if reverse && n + 1 == hops.len() {
            let service = self.service.expect("sessions exist only with a service");
            reverse_actions(service, port)
        } else {
            vec![Action::output(port)]
        };
        ctx.packet_out(ev.dpid, ev.buffer_id, ev.in_port, actions, Some(ev.packet));
        true
    }

    /// A replica's MAC seen on another edge port (its gratuitous ARP after a live migration):
    /// every session it serves is re-installed along the path to its new place.
    fn replica_moved(&mut self, ctx: &mut Context<'_>, i: usize, at: (u64, u32)) {
        self.replicas[i].at = Some(at);
        let Some(service) = self.service else { return };
        let keys: Vec<_> = (self.sessions.iter())
            .filter(|(_, s)| s.record.replica == i)
            .map(|(k, _)| *k)
            .collect();
        for key in keys {
            let s = &self.sessions[&key];
            let (Some(fwd), Some(rev)) = (self.hops(s.client_at, at), self.hops(at, s.client_at))
            else {
                continue;
            };
            let mut s = s.clone();
            s.fwd = fwd;
            s.rev = rev;
            self.install(ctx, service, &s);
            self.sessions.insert(key, s);
        }
    }
}

/// The client's edge switch's forward actions: to the replica's addresses, then out.
fn forward_actions(r: &VcdnReplica, port: u32) -> Vec<Action> {
    vec![
        Action::SetField(Oxm::EthDst(Masked::exact(r.mac.0))),
        Action::SetField(Oxm::Ipv4Dst(Masked::exact(r.ip))),
        Action::output(port),
    ]
}

/// The client's edge switch's reverse actions: from the service's addresses, then out.
fn reverse_actions(service: Ipv4Addr, port: u32) -> Vec<Action> {
    vec![
        Action::SetField(Oxm::EthSrc(Masked::exact(SERVICE_MAC.0))),
        Action::SetField(Oxm::Ipv4Src(Masked::exact(service))),
        Action::output(port),
    ]
}

/// TCP from `src` to `dst`, (address, port) each.
fn four_tuple(src: (Ipv4Addr, u16), dst: (Ipv4Addr, u16)) -> Match {
    Match {
        eth_type: Some(0x0800),
        ip_proto: Some(6),
        ipv4_src: Some(Masked::exact(src.0)),
        ipv4_dst: Some(Masked::exact(dst.0)),
        tcp_src: Some(src.1),
        tcp_dst: Some(dst.1),
        ..Match::default()
    }
}

fn entry(m: Match, actions: Vec<Action>) -> FlowMod {
    FlowMod::add(VCDN_PRIORITY, m, vec![Instruction::apply(actions)])
}

impl App for Vcdn {
    fn name(&self) -> &'static str {
        "vcdn"
    }
    fn switch_features(&mut self, ctx: &mut Context<'_>, dpid: u64, _f: &FeaturesReply) {
        install_table_miss(ctx, dpid);
    }
    fn port_desc(&mut self, ctx: &mut Context<'_>, dpid: u64, ports: &[Port]) {
        self.inner.port_desc(ctx, dpid, ports);
    }
    fn packet_in(&mut self, ctx: &mut Context<'_>, ev: &PacketInEvent<'_>) {
        let pkt: Packet = ev.packet;
        let Some(service) = self.service else {
            self.inner.packet_in(ctx, ev);
            return;
        };
        let edge = self
            .inner
            .routing()
            .graph()
            .is_edge_port(ev.dpid, ev.in_port);
        match (pkt.l3, pkt.l4) {
            (L3::Arp(arp), _)
                if arp.op == ArpOp::Request
                    && arp.target_ip == service
                    && is_group(pkt.eth.dst)
                    && edge =>
            {
                proxy_arp_reply(ctx, ev, arp, SERVICE_MAC);
                return;
            }
            (L3::Ipv4(ip), L4::Tcp(tcp))
                if ip.protocol == IpProtocol::Tcp && pkt.eth.ethertype == EtherType::Ipv4 =>
            {
                if ip.dst == service {
                    self.service_segment(ctx, ev, service, (ip.src, tcp.src_port, tcp.dst_port));
                    return;
                }
                let fwd = (ip.src, tcp.src_port, tcp.dst_port);
                let rev = (ip.dst, tcp.dst_port, tcp.src_port);
                if self.on_path(ctx, ev, fwd, false) || self.on_path(ctx, ev, rev, true) {
                    return;
                }
            }
            _ => {}
        }
        if edge && !is_group(pkt.eth.src) {
            let at = (ev.dpid, ev.in_port);
            let moved = (self.replicas.iter())
                .position(|r| r.cfg.mac == pkt.eth.src && r.at.is_some_and(|old| old != at));
            if let Some(i) = moved {
                self.replica_moved(ctx, i, at);
            }
        }
        self.inner.packet_in(ctx, ev);
    }
    fn flow_removed(&mut self, ctx: &mut Context<'_>, dpid: u64, msg: &FlowRemoved) {
        if msg.priority != VCDN_PRIORITY {
            self.inner.flow_removed(ctx, dpid, msg);
        }
    }
    fn port_status(&mut self, ctx: &mut Context<'_>, dpid: u64, msg: &PortStatus) {
        self.inner.port_status(ctx, dpid, msg);
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

mod table;
pub use table::{ReplicaEntry, ReplicaTable, VcdnTable};

#[cfg(test)]
#[path = "vcdn/tests.rs"]
mod tests;
