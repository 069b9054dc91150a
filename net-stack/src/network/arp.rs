//! ARP on the hosts (RFC 826), for networks built with [`crate::NetworkBuilder::arp`]: the
//! glue between a host's [`crate::arp::ArpCache`] and the devices.

use std::net::Ipv4Addr;

use sim_core::Scheduler;

use super::{Event, Network};
use crate::arp::{Enqueued, Retry};
use crate::node::{Host, NodeKind};
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
                self.choose_port(via, id).unwrap_or(0),
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
        if let Some(mac) = cache.lookup(now, dst) {
            let pkt = &mut self.packets[id];
            pkt.eth.src = src_mac;
            pkt.eth.dst = mac;
            self.device_send(sched, dev, id);
            return;
        }
        match cache.enqueue(dst, id, port) {
            Enqueued::Waiting => {}
            Enqueued::Overflow(old) => self.drop_packet(old, |f| &mut f.arp_unresolved),
            Enqueued::NewRequest => {
                let retry = cache.config().retry;
                self.send_request(sched, node, dev, dst);
                sched.schedule_in(retry, Event::ArpTimer(node, dst));
            }
        }
    }

    /// Host (or VM) `node` asks for `target` out of `dev`.
    fn send_request(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        dev: DeviceId,
        target: Ipv4Addr,
    ) {
        let ip = self.nodes[node.index()].ip.expect("hosts have addresses");
        let arp = ArpRepr {
            op: ArpOp::Request,
            sender_mac: self.identity_mac(node, dev),
            sender_ip: ip,
            target_mac: MacAddr::default(),
            target_ip: target,
        };
        self.send_arp(sched, dev, MacAddr::BROADCAST, arp);
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
        let via = self.egress(node);
        for (id, port) in waiting {
            let out = self.ports.device(via, port);
            let src = self.identity_mac(node, out);
            let pkt = &mut self.packets[id];
            pkt.eth.src = src;
            pkt.eth.dst = arp.sender_mac;
            self.device_send(sched, out, id);
        }
        if for_me && arp.op == ArpOp::Request {
            let reply = ArpRepr {
                op: ArpOp::Reply,
                sender_mac: self.identity_mac(node, dev),
                sender_ip: my_ip,
                target_mac: arp.sender_mac,
                target_ip: arp.sender_ip,
            };
            self.send_arp(sched, dev, arp.sender_mac, reply);
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
        match cache.retry(ip) {
            Retry::Nothing => {}
            Retry::Again { port } => {
                let dev = self.ports.device(self.egress(node), port);
                self.send_request(sched, node, dev, ip);
                sched.schedule_in(retry, Event::ArpTimer(node, ip));
            }
            Retry::GiveUp(queue) => {
                for (id, _) in queue {
                    self.drop_packet(id, |f| &mut f.arp_unresolved);
                }
            }
        }
    }

    /// Host `node` announces its address with a gratuitous ARP (a broadcast request whose
    /// sender and target are both its own address; RFC 5227 §3) out of every device, so that
    /// every cache holding the address — and a controller watching — learns where it is now.
    pub fn announce(&mut self, sched: &mut Scheduler<Event>, node: NodeId) {
        let ip = self.nodes[node.index()].ip.expect("hosts have addresses");
        let via = self.egress(node);
        for dev in self.nodes[via.index()].devices.clone() {
            let arp = ArpRepr {
                op: ArpOp::Request,
                sender_mac: self.identity_mac(node, dev),
                sender_ip: ip,
                target_mac: MacAddr::default(),
                target_ip: ip,
            };
            self.send_arp(sched, dev, MacAddr::BROADCAST, arp);
        }
    }
}
