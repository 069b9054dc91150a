//! Test bench for the controller apps: real [`Switch`]es wired as a k=4 fat-tree, hosts that
//! answer ARP and send UDP, and a [`Controller`], all with zero latency, pumped until nothing
//! moves (with a step bound, so a packet circulating forever fails the test).
//!
//! Node order and dpids (dpid = index + 1): e0..e7 edge, a0..a7 aggregation, c0..c3 core.
//! Edge e(2p+i): hosts on ports 1–2, uplinks to a(2p) on port 3 and a(2p+1) on port 4.
//! Aggregation a(2p+j): ports 1–2 down to e(2p), e(2p+1); ports 3–4 up to c(2j), c(2j+1).
//! Core c: port p+1 to pod p. Host h(2e+i) sits on edge e port i+1, MAC `from_index(h+1)`,
//! IP 10.0.0.(h+1).

use std::collections::{BTreeMap, VecDeque};
use std::net::Ipv4Addr;

use net_stack::wire::{
    ArpOp, ArpRepr, EtherType, EthernetRepr, IpProtocol, Ipv4Repr, L3, L4, MacAddr, Packet,
    PacketMeta, UdpRepr,
};
use sim_core::SimTime;

use super::{
    AppConfig, AppKind, Controller, Shim, SwitchInfo, SwitchLink, TimerId, Topology,
    app_with_config,
};
use crate::switch::{Switch, SwitchConfig};

/// Bound on deliveries + messages per pump: far above what any test needs.
const MAX_STEPS: usize = 200_000;

/// The k-ary fat-tree described in the module docs; edge switches get `edge_ports` ports
/// (k for the plain tree, more for spare host ports).
pub(crate) fn fat_tree_topology(k: u32, edge_ports: u32) -> Topology {
    let half = k / 2;
    let (n_edge, n_agg, n_core) = (k * half, k * half, half * half);
    let edge = |e: u32| u64::from(e) + 1;
    let agg = |a: u32| u64::from(n_edge + a) + 1;
    let core = |c: u32| u64::from(n_edge + n_agg + c) + 1;
    let mut switches = Vec::new();
    for e in 0..n_edge {
        switches.push(SwitchInfo {
            dpid: edge(e),
            name: format!("e{e}"),
            n_ports: edge_ports,
        });
    }
    for a in 0..n_agg {
        switches.push(SwitchInfo {
            dpid: agg(a),
            name: format!("a{a}"),
            n_ports: k,
        });
    }
    for c in 0..n_core {
        switches.push(SwitchInfo {
            dpid: core(c),
            name: format!("c{c}"),
            n_ports: k,
        });
    }
    let mut links = Vec::new();
    for p in 0..k {
        for i in 0..half {
            for j in 0..half {
                let (e, a) = (p * half + i, p * half + j);
                links.push(SwitchLink {
                    a: (edge(e), half + 1 + j),
                    b: (agg(a), i + 1),
                });
            }
        }
    }
    for p in 0..k {
        for j in 0..half {
            for m in 0..half {
                let (a, c) = (p * half + j, j * half + m);
                links.push(SwitchLink {
                    a: (agg(a), half + 1 + m),
                    b: (core(c), p + 1),
                });
            }
        }
    }
    Topology { switches, links }
}

/// A host: answers ARP for its address, learns from ARP, records what it receives.
pub(crate) struct Host {
    pub(crate) mac: MacAddr,
    pub(crate) ip: Ipv4Addr,
    /// (switch index, port) it is plugged into.
    pub(crate) at: (usize, u32),
    arp: BTreeMap<Ipv4Addr, MacAddr>,
    pending: Vec<Packet>,
    pub(crate) received: Vec<Packet>,
}

/// The bench; see the module docs.
pub(crate) struct Harness {
    pub(crate) topo: Topology,
    pub(crate) switches: Vec<Switch>,
    pub(crate) ctl: Controller,
    pub(crate) hosts: Vec<Host>,
    pub(crate) now: SimTime,
    /// Packets sent out of each (dpid, port), data plane only.
    pub(crate) port_tx: BTreeMap<(u64, u32), u64>,
    /// Messages the controller sent, by OpenFlow message type.
    pub(crate) ctl_sent: BTreeMap<u8, u64>,
    /// Messages the switches sent, by OpenFlow message type.
    pub(crate) sw_sent: BTreeMap<u8, u64>,
    /// (switch index, port) → (switch index, port) across a link.
    peers: BTreeMap<(usize, u32), (usize, u32)>,
    queue: VecDeque<(usize, u32, Packet)>,
    next_uid: u64,
    /// The controller's pending timers by (due time, order set): this bench's timeline.
    timers: BTreeMap<(SimTime, u64), TimerId>,
    timer_seq: u64,
}

impl Harness {
    /// A k=4 fat-tree with 16 hosts, connected and handshaken.
    pub(crate) fn new(kind: AppKind, shim: Option<Box<dyn Shim>>) -> Harness {
        Harness::with_ports(kind, shim, 4)
    }

    /// As [`Harness::new`] with `edge_ports` ports per edge switch (ports above 4 are free).
    pub(crate) fn with_ports(
        kind: AppKind,
        shim: Option<Box<dyn Shim>>,
        edge_ports: u32,
    ) -> Harness {
        Harness::with_config(kind, AppConfig::default(), shim, edge_ports)
    }

    /// As [`Harness::with_ports`], the app built with `config`.
    pub(crate) fn with_config(
        kind: AppKind,
        config: AppConfig,
        shim: Option<Box<dyn Shim>>,
        edge_ports: u32,
    ) -> Harness {
        Harness::with_app(
            |topo| app_with_config(kind, topo, config).expect("the harness runs an OpenFlow app"),
            shim,
            edge_ports,
        )
    }

    /// As [`Harness::with_ports`], running the app `make` builds for the topology.
    pub(crate) fn with_app(
        make: impl FnOnce(&Topology) -> Box<dyn super::App>,
        shim: Option<Box<dyn Shim>>,
        edge_ports: u32,
    ) -> Harness {
        let topo = fat_tree_topology(4, edge_ports);
        let a = make(&topo);
        let ctl = match shim {
            Some(s) => Controller::with_shim(topo.clone(), a, s),
            None => Controller::new(topo.clone(), a),
        };
        let switches = topo
            .switches
            .iter()
            .map(|s| {
                let c = SwitchConfig {
                    datapath_id: s.dpid,
                    n_ports: s.n_ports,
                    ..SwitchConfig::default()
                };
                Switch::new(c).expect("valid switch")
            })
            .collect();
        let mut peers = BTreeMap::new();
        for l in &topo.links {
            let (ia, ib) = ((l.a.0 - 1) as usize, (l.b.0 - 1) as usize);
            peers.insert((ia, l.a.1), (ib, l.b.1));
            peers.insert((ib, l.b.1), (ia, l.a.1));
        }
        let hosts = (0..16u32)
            .map(|h| Host {
                mac: MacAddr::from_index(h + 1),
                ip: Ipv4Addr::new(10, 0, 0, h as u8 + 1),
                at: ((h / 2) as usize, h % 2 + 1),
                arp: BTreeMap::new(),
                pending: Vec::new(),
                received: Vec::new(),
            })
            .collect();
        let mut h = Harness {
            topo,
            switches,
            ctl,
            hosts,
            now: SimTime::ZERO,
            port_tx: BTreeMap::new(),
            ctl_sent: BTreeMap::new(),
            sw_sent: BTreeMap::new(),
            peers,
            queue: VecDeque::new(),
            next_uid: 1,
            timers: BTreeMap::new(),
            timer_seq: 0,
        };
        for i in 0..h.switches.len() {
            h.switches[i].handle_connected(h.now);
            h.ctl.handle_connected(h.now, h.topo.switches[i].dpid);
        }
        h.pump();
        h
    }

    fn meta(&mut self) -> PacketMeta {
        self.next_uid += 1;
        PacketMeta {
            uid: self.next_uid - 1,
            flow: 0,
            created: self.now,
        }
    }

    /// Host `src` sends one UDP datagram to host `dst` (ARP first if needed) and the network
    /// runs until quiet. Returns the datagram's uid.
    pub(crate) fn udp(&mut self, src: usize, dst: usize) -> u64 {
        let mut pkt = self.datagram(src, dst);
        let meta = pkt.meta;
        let (s, d) = (&self.hosts[src], &self.hosts[dst]);
        match s.arp.get(&d.ip) {
            Some(&mac) => {
                pkt.eth.dst = mac;
                self.host_send(src, pkt);
            }
            None => {
                let (sip, dip) = (s.ip, d.ip);
                self.hosts[src].pending.push(pkt);
                let req = self.arp(
                    src,
                    ArpOp::Request,
                    MacAddr::BROADCAST,
                    MacAddr::default(),
                    sip,
                    dip,
                );
                self.host_send(src, req);
            }
        }
        self.pump();
        meta.uid
    }

    /// A datagram from host `src` to host `dst`'s MAC appears on port `port` of switch
    /// `dpid`, as if in flight there, and the network runs until quiet. Returns its uid.
    pub(crate) fn inject_udp(&mut self, src: usize, dst: usize, dpid: u64, port: u32) -> u64 {
        let mut pkt = self.datagram(src, dst);
        pkt.eth.dst = self.hosts[dst].mac;
        self.queue.push_back(((dpid - 1) as usize, port, pkt));
        self.pump();
        pkt.meta.uid
    }

    /// `pkt` appears on port `port` of switch `dpid`, as if sent by the host there, and the
    /// network runs until quiet.
    pub(crate) fn inject(&mut self, dpid: u64, port: u32, pkt: Packet) {
        self.queue.push_back(((dpid - 1) as usize, port, pkt));
        self.pump();
    }

    /// A 100-byte UDP datagram from host `src` to host `dst`, Ethernet destination broadcast.
    pub(crate) fn datagram(&mut self, src: usize, dst: usize) -> Packet {
        let meta = self.meta();
        let (s, d) = (&self.hosts[src], &self.hosts[dst]);
        Packet {
            eth: EthernetRepr {
                dst: MacAddr::BROADCAST,
                src: s.mac,
                vlan: Default::default(),
                ethertype: EtherType::Ipv4,
            },
            l3: L3::Ipv4(Ipv4Repr {
                src: s.ip,
                dst: d.ip,
                protocol: IpProtocol::Udp,
                ttl: 64,
                ident: 0,
                tos: 0,
                dont_fragment: false,
            }),
            l4: L4::Udp(UdpRepr {
                src_port: 5000,
                dst_port: 5001,
            }),
            payload_len: 100,
            encap: None,
            meta,
        }
    }

    /// Host `h` sends a gratuitous ARP (a request for its own address).
    pub(crate) fn gratuitous_arp(&mut self, h: usize) {
        let ip = self.hosts[h].ip;
        let garp = self.arp(
            h,
            ArpOp::Request,
            MacAddr::BROADCAST,
            MacAddr::default(),
            ip,
            ip,
        );
        self.host_send(h, garp);
        self.pump();
    }

    /// Unplugs host `h` and plugs it into port `port` of switch `dpid`; it then announces
    /// itself with a gratuitous ARP.
    pub(crate) fn move_host(&mut self, h: usize, dpid: u64, port: u32) {
        self.hosts[h].at = ((dpid - 1) as usize, port);
        self.gratuitous_arp(h);
    }

    /// Takes link `link` of the topology down or up at both ends (PORT_STATUS from each).
    pub(crate) fn set_link(&mut self, link: usize, up: bool) {
        let l = self.topo.links[link];
        for (dpid, port) in [l.a, l.b] {
            self.switches[(dpid - 1) as usize]
                .set_port_state(self.now, port, up)
                .expect("port exists");
        }
        self.pump();
    }

    /// Advances the clock to `to`, firing controller and switch timers on the way.
    pub(crate) fn advance(&mut self, to: SimTime) {
        loop {
            let mut next = self.next_timer();
            for s in &mut self.switches {
                next = [next, s.poll_timeout()].into_iter().flatten().min();
            }
            match next {
                Some(t) if t <= to => {
                    self.now = self.now.max(t);
                    while let Some(e) = self.timers.first_entry() {
                        if e.key().0 > self.now {
                            break;
                        }
                        let id = e.remove();
                        self.ctl.handle_timer(self.now, id);
                    }
                    for s in &mut self.switches {
                        s.handle_timeout(self.now);
                    }
                    self.pump();
                }
                _ => break,
            }
        }
        self.now = to;
    }

    /// When the controller's next timer is due.
    pub(crate) fn next_timer(&mut self) -> Option<SimTime> {
        while let Some((at, id)) = self.ctl.poll_timer() {
            self.timers.insert((at.max(self.now), self.timer_seq), id);
            self.timer_seq += 1;
        }
        self.timers.keys().next().map(|&(t, _)| t)
    }

    fn arp(
        &mut self,
        h: usize,
        op: ArpOp,
        dst: MacAddr,
        tmac: MacAddr,
        sip: Ipv4Addr,
        tip: Ipv4Addr,
    ) -> Packet {
        let meta = self.meta();
        let mac = self.hosts[h].mac;
        Packet {
            eth: EthernetRepr {
                dst,
                src: mac,
                vlan: Default::default(),
                ethertype: EtherType::Arp,
            },
            l3: L3::Arp(ArpRepr {
                op,
                sender_mac: mac,
                sender_ip: sip,
                target_mac: tmac,
                target_ip: tip,
            }),
            l4: L4::None,
            payload_len: 0,
            encap: None,
            meta,
        }
    }

    fn host_send(&mut self, h: usize, pkt: Packet) {
        let (sw, port) = self.hosts[h].at;
        self.queue.push_back((sw, port, pkt));
    }

    /// Host `h` receives `pkt`.
    fn host_receive(&mut self, h: usize, pkt: Packet) {
        self.hosts[h].received.push(pkt);
        let L3::Arp(a) = pkt.l3 else { return };
        let me = &mut self.hosts[h];
        let for_me = a.target_ip == me.ip && a.sender_ip != me.ip;
        if for_me || me.arp.contains_key(&a.sender_ip) {
            me.arp.insert(a.sender_ip, a.sender_mac);
        }
        if !for_me {
            return;
        }
        match a.op {
            ArpOp::Request => {
                let reply = self.arp(
                    h,
                    ArpOp::Reply,
                    a.sender_mac,
                    a.sender_mac,
                    a.target_ip,
                    a.sender_ip,
                );
                self.host_send(h, reply);
            }
            ArpOp::Reply => {
                let me = &mut self.hosts[h];
                let (ready, wait): (Vec<_>, Vec<_>) = me
                    .pending
                    .drain(..)
                    .partition(|p| p.ipv4().is_some_and(|ip| ip.dst == a.sender_ip));
                me.pending = wait;
                for mut p in ready {
                    p.eth.dst = a.sender_mac;
                    self.host_send(h, p);
                }
            }
        }
    }

    /// Runs switches, controller and hosts until nothing moves.
    pub(crate) fn pump(&mut self) {
        let mut steps = 0;
        loop {
            let mut moved = false;
            while let Some((dpid, m)) = self.ctl.poll_message() {
                *self.ctl_sent.entry(m.msg.msg_type()).or_default() += 1;
                self.switches[(dpid - 1) as usize].handle_message(self.now, m);
                moved = true;
                steps += 1;
            }
            for i in 0..self.switches.len() {
                let dpid = self.topo.switches[i].dpid;
                while let Some(m) = self.switches[i].poll_message() {
                    *self.sw_sent.entry(m.msg.msg_type()).or_default() += 1;
                    self.ctl.handle_message(self.now, dpid, m);
                    moved = true;
                    steps += 1;
                }
                while let Some((port, pkt)) = self.switches[i].poll_output() {
                    *self.port_tx.entry((dpid, port)).or_default() += 1;
                    if let Some(&(j, q)) = self.peers.get(&(i, port)) {
                        self.queue.push_back((j, q, pkt));
                    } else if let Some(h) = self.hosts.iter().position(|h| h.at == (i, port)) {
                        self.host_receive(h, pkt);
                    }
                    moved = true;
                    steps += 1;
                }
            }
            if let Some((sw, port, pkt)) = self.queue.pop_front() {
                let _ = self.switches[sw].handle_packet(self.now, port, pkt);
                moved = true;
                steps += 1;
            }
            assert!(
                steps < MAX_STEPS,
                "network did not quiesce in {MAX_STEPS} steps"
            );
            if !moved {
                break;
            }
        }
    }

    /// Hosts that received packet `uid`, one entry per copy.
    pub(crate) fn copies(&self, uid: u64) -> Vec<usize> {
        let mut v = Vec::new();
        for (i, h) in self.hosts.iter().enumerate() {
            v.extend(h.received.iter().filter(|p| p.meta.uid == uid).map(|_| i));
        }
        v
    }

    /// UDP datagrams host `h` received.
    pub(crate) fn delivered(&self, h: usize) -> usize {
        self.hosts[h]
            .received
            .iter()
            .filter(|p| p.ipv4().is_some())
            .count()
    }

    /// Checks that the controller's counters equal the messages the bench saw cross.
    pub(crate) fn assert_counters_match(&self) {
        use crate::wire::msg_type as t;
        let c = self.ctl.counters().total;
        let sent = |ty| self.ctl_sent.get(&ty).copied().unwrap_or(0);
        let got = |ty| self.sw_sent.get(&ty).copied().unwrap_or(0);
        assert_eq!(c.flow_mods, sent(t::FLOW_MOD), "FLOW_MODs counted");
        assert_eq!(c.packet_outs, sent(t::PACKET_OUT), "PACKET_OUTs counted");
        assert_eq!(
            c.stats_requests,
            sent(t::MULTIPART_REQUEST),
            "requests counted"
        );
        assert_eq!(
            c.sent,
            self.ctl_sent.values().sum::<u64>(),
            "all sent counted"
        );
        assert_eq!(c.packet_ins, got(t::PACKET_IN), "PACKET_INs counted");
        assert_eq!(c.port_status, got(t::PORT_STATUS), "PORT_STATUSes counted");
        assert_eq!(c.stats_replies, got(t::MULTIPART_REPLY), "replies counted");
        assert_eq!(c.errors, got(t::ERROR), "errors counted");
        assert_eq!(c.errors, 0, "no switch reported an error");
        assert_eq!(
            c.received,
            self.sw_sent.values().sum::<u64>(),
            "all received counted"
        );
    }
}
