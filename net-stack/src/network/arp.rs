//! ARP on the hosts (RFC 826), for networks built with [`crate::NetworkBuilder::arp`]: the
//! glue between a host's [`crate::arp::ArpCache`] and the devices; and the steps hosts and
//! routers ([`super::router`]) share: the queue of a miss, the retry timer's step, releasing
//! the packets a reply resolved, and building requests and replies.

use std::net::Ipv4Addr;

use sim_core::{Scheduler, SimTime};

use super::{Event, Network};
use crate::arp::{Enqueued, Resolution, Retry};
use crate::node::{Host, NodeKind};
use crate::router::GATEWAY_MAC;
use crate::wire::{ArpOp, ArpRepr, EtherType, EthernetRepr, L3, L4, MacAddr, Packet, PacketMeta};
use crate::{DeviceId, NodeId, PacketId};

impl Network {
    fn host_mut(&mut self, node: NodeId) -> &mut Host {
        match &mut self.nodes[node.index()].kind {
            NodeKind::Host(h) => h,
            _ => unreachable!("ARP runs on hosts"),
        }
    }

    /// Sends an IPv4 packet from a host that resolves its destination's MAC address itself:
    /// at once when the cache knows it, else after a request is answered.
    pub(super) fn arp_send(&mut self, sched: &mut Scheduler<Event>, node: NodeId, id: PacketId) {
        // On a switched network the hosts share one subnet: an address the routes do not know
        // is still on-link, out of the first port (a host's subnet route). In a routed network
        // a host has its subnet and gateway, and one uplink. A VM's packets leave by its host.
        let via = self.egress(node);
        let (port, dst) = match self.host_mut(node).subnet {
            None => (
                self.choose_device(via, id)
                    .map_or(0, |d| self.devices[d.index()].port),
                self.packets[id].outer_dst().expect("hosts send IPv4"),
            ),
            Some(s) => {
                let dst = self.packets[id].outer_dst().expect("hosts send IPv4");
                (0, if s.net.contains(dst) { dst } else { s.gateway })
            }
        };
        let dev = self.ports.device(via, port);
        let now = sched.now();
        let src_mac = self.identity_mac(node, dev);
        let cache = self.host_mut(node).arp.as_mut().expect("ARP host");
        let retry = cache.config().retry;
        let resolution = cache.resolve(now, dst, id, port);
        self.arp_resolved(
            sched,
            (node, port, dev),
            (dst, id, src_mac),
            resolution,
            retry,
        );
    }

    /// Carries out what the ARP cache of `node` decided for packet `id` to `dst` out of
    /// `port` (device `dev`), sent from `src`: send it, send it and ask again, or let it wait.
    pub(super) fn arp_resolved(
        &mut self,
        sched: &mut Scheduler<Event>,
        (node, port, dev): (NodeId, u16, DeviceId),
        (dst, id, src): (Ipv4Addr, PacketId, MacAddr),
        resolution: Resolution,
        retry: SimTime,
    ) {
        match resolution {
            Resolution::Send(mac) => self.send_resolved(sched, dev, id, src, mac),
            Resolution::SendAndAsk(mac) => {
                self.send_resolved(sched, dev, id, src, mac);
                self.arp_ask(sched, node, port, dst);
                sched.schedule_in(retry, Event::ArpTimer(node, dst));
            }
            Resolution::Queued(queued) => self.arp_queued(sched, node, port, dst, queued, retry),
        }
    }

    /// Packet `id`, its next hop's MAC address `dst` known, leaves by `dev` from `src`.
    #[inline]
    pub(super) fn send_resolved(
        &mut self,
        sched: &mut Scheduler<Event>,
        dev: DeviceId,
        id: PacketId,
        src: MacAddr,
        dst: MacAddr,
    ) {
        let pkt = &mut self.packets[id];
        pkt.eth.src = src;
        pkt.eth.dst = dst;
        self.device_send(sched, dev, id);
    }

    /// The MAC address `node` speaks ARP with on `dev`, and sends resolved packets from: a
    /// router's gateway MAC address, a host's (or VM's) own.
    fn arp_mac(&self, node: NodeId, dev: DeviceId) -> MacAddr {
        match self.nodes[node.index()].kind {
            NodeKind::LpmRouter(_) => GATEWAY_MAC,
            _ => self.identity_mac(node, dev),
        }
    }

    /// Host or router `node` put packet `id`, bound for `dst` out of its `port`, in its ARP
    /// queue, which said `queued`: a packet pushed out of the queue is dropped; the first
    /// packet for the address sends a request and arms the retry timer (`retry`).
    pub(super) fn arp_queued(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        port: u16,
        dst: Ipv4Addr,
        queued: Enqueued,
        retry: SimTime,
    ) {
        match queued {
            Enqueued::Waiting => {}
            Enqueued::Overflow(old) => self.drop_packet(old, |f| &mut f.arp_unresolved),
            Enqueued::NewRequest => {
                self.arp_ask(sched, node, port, dst);
                sched.schedule_in(retry, Event::ArpTimer(node, dst));
            }
        }
    }

    /// One step of the retry timer for `ip` at host or router `node`: ask again and re-arm
    /// (`retry`), or drop the packets that waited for an address that never answered.
    pub(super) fn arp_retry_step(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        ip: Ipv4Addr,
        step: Retry,
        retry: SimTime,
    ) {
        match step {
            Retry::Nothing => {}
            Retry::Again { port } => {
                self.arp_ask(sched, node, port, ip);
                sched.schedule_in(retry, Event::ArpTimer(node, ip));
            }
            Retry::GiveUp(queue) => {
                for (id, _) in queue {
                    self.drop_packet(id, |f| &mut f.arp_unresolved);
                }
            }
        }
    }

    /// Host (or VM) or router `node` asks for `target` out of its `port`: a host from its own
    /// address, a router from its address on the port's subnet.
    fn arp_ask(&mut self, sched: &mut Scheduler<Event>, node: NodeId, port: u16, target: Ipv4Addr) {
        if let NodeKind::LpmRouter(_) = self.nodes[node.index()].kind {
            return self.router_request(sched, node, port, target);
        }
        let ip = self.nodes[node.index()].ip.expect("hosts have addresses");
        let dev = self.ports.device(self.egress(node), port);
        self.send_request(sched, node, dev, ip, target);
    }

    /// `node` broadcasts a request for `target` from `sender_ip` out of `dev` (a gratuitous
    /// one when they are the same address).
    pub(super) fn send_request(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        dev: DeviceId,
        sender_ip: Ipv4Addr,
        target: Ipv4Addr,
    ) {
        let arp = ArpRepr {
            op: ArpOp::Request,
            sender_mac: self.arp_mac(node, dev),
            sender_ip,
            target_mac: MacAddr::default(),
            target_ip: target,
        };
        self.send_arp(sched, dev, MacAddr::BROADCAST, arp);
    }

    /// The packets that waited (with their ports) for the sender of `arp`, which `node`
    /// has just learned, leave.
    pub(super) fn arp_release(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        waiting: impl IntoIterator<Item = (PacketId, u16)>,
        arp: &ArpRepr,
    ) {
        let via = self.egress(node);
        for (id, port) in waiting {
            let out = self.ports.device(via, port);
            let src = self.arp_mac(node, out);
            self.send_resolved(sched, out, id, src, arp.sender_mac);
        }
    }

    /// `node` answers request `arp`, which arrived on `dev`, for `sender_ip`.
    pub(super) fn send_reply(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        dev: DeviceId,
        sender_ip: Ipv4Addr,
        arp: &ArpRepr,
    ) {
        let reply = ArpRepr {
            op: ArpOp::Reply,
            sender_mac: self.arp_mac(node, dev),
            sender_ip,
            target_mac: arp.sender_mac,
            target_ip: arp.sender_ip,
        };
        self.send_arp(sched, dev, arp.sender_mac, reply);
    }

    /// Puts an ARP packet on `dev`; the Ethernet source is the ARP sender.
    pub(super) fn send_arp(
        &mut self,
        sched: &mut Scheduler<Event>,
        dev: DeviceId,
        eth_dst: MacAddr,
        arp: ArpRepr,
    ) {
        let pkt = Packet {
            eth: EthernetRepr {
                dst: eth_dst,
                src: arp.sender_mac,
                vlan: Default::default(),
                ethertype: EtherType::Arp,
            },
            l3: L3::Arp(arp),
            l4: L4::None,
            payload_len: 0,
            encap: None,
            meta: PacketMeta {
                uid: self.next_uid,
                flow: 0,
                created: sched.now(),
            },
        };
        self.next_uid += 1;
        self.fates.created += 1;
        let id = self.packets.insert(pkt);
        self.device_send(sched, dev, id);
    }

    /// RFC 826 packet reception at a host, for an ARP packet that arrived on `dev`.
    pub(super) fn arp_receive(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        dev: DeviceId,
        arp: &ArpRepr,
    ) {
        let my_ip = self.nodes[node.index()].ip.expect("hosts have addresses");
        let now = sched.now();
        let Some(cache) = self.host_mut(node).arp.as_mut() else {
            return; // pre-filled caches ignore ARP
        };
        let for_me = arp.target_ip == my_ip;
        let (_, waiting) = cache.learn(now, arp.sender_ip, arp.sender_mac, for_me);
        if for_me && arp.op == ArpOp::Request {
            cache.stats.replies_sent += 1;
        }
        self.arp_release(sched, node, waiting, arp);
        if for_me && arp.op == ArpOp::Request {
            self.send_reply(sched, node, dev, my_ip, arp);
        }
    }

    /// The retry timer for `ip` at host `node`.
    pub(super) fn on_arp_timer(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        ip: Ipv4Addr,
    ) {
        if let NodeKind::LpmRouter(_) = self.nodes[node.index()].kind {
            return self.router_arp_timer(sched, node, ip);
        }
        let Some(cache) = self.host_mut(node).arp.as_mut() else {
            return;
        };
        let retry = cache.config().retry;
        let step = cache.retry(ip);
        self.arp_retry_step(sched, node, ip, step, retry);
    }

    /// Host `node` announces its address with a gratuitous ARP (a broadcast request whose
    /// sender and target are both its own address; RFC 5227 §3) out of every device, so that
    /// every cache holding the address — and a controller watching — learns where it is now.
    pub fn announce(&mut self, sched: &mut Scheduler<Event>, node: NodeId) {
        let ip = self.nodes[node.index()].ip.expect("hosts have addresses");
        let via = self.egress(node);
        for dev in self.nodes[via.index()].devices.clone() {
            self.send_request(sched, node, dev, ip, ip);
        }
    }
}
