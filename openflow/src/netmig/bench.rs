//! Test bench for the migration shim: the seed 001 test bed (Fig. 5) as real [`Switch`]es —
//! an old diamond (dpids 1–4), a new diamond (5–8) and the tunnel switch 9 — two hosts that
//! answer ARP, a controller, zero latency; or the old diamond alone, for comparing what the
//! apps see.
//!
//! Edge switches 1, 4, 5, 8: port 1 host, 2 upper path, 3 lower path, 4 tunnel switch.
//! Middle switches 2, 3, 6, 7: ports 1, 2 towards the two edge switches. Tunnel switch 9:
//! ports 1–4 to switches 1, 4, 5, 8. Host A (index 0) starts on (1, 1), host B on (4, 1);
//! positions 0 and 1 are those ports and (5, 1), (8, 1).

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::net::Ipv4Addr;
use std::rc::Rc;

use net_stack::wire::{
    ArpOp, ArpRepr, EtherType, EthernetRepr, IpProtocol, Ipv4Repr, L3, L4, MacAddr, Packet,
    PacketMeta, UdpRepr,
};
use sim_core::SimTime;

mod failure;

use super::{Algorithm, MigrationShim, Position, TunnelPort, TwinMap};
use crate::controller::{
    App, AppConfig, AppKind, Context, Controller, PacketInEvent, SwitchInfo, SwitchLink, TimerId,
    Topology, app_with_config,
};
use crate::switch::{Switch, SwitchConfig};
use crate::wire::{
    ErrorMsg, FeaturesReply, FlowRemoved, FlowStats, Message, Port, PortStats, PortStatus,
};

/// The full twin topology (both diamonds and the tunnel switch).
pub(crate) fn twin_topology() -> Topology {
    let sw = |dpid: u64, name: &str, n: u32| SwitchInfo {
        dpid,
        name: name.into(),
        n_ports: n,
    };
    let mut switches = Vec::new();
    let mut links = Vec::new();
    for (base, net) in [(0u64, "o"), (4, "n")] {
        for i in 1..=4u64 {
            let n = if i == 1 || i == 4 { 4 } else { 2 };
            switches.push(sw(base + i, &format!("{net}s{i}"), n));
        }
        let l = |a: (u64, u32), b: (u64, u32)| SwitchLink {
            a: (base + a.0, a.1),
            b: (base + b.0, b.1),
        };
        links.extend([
            l((1, 2), (2, 1)),
            l((1, 3), (3, 1)),
            l((2, 2), (4, 2)),
            l((3, 2), (4, 3)),
        ]);
    }
    switches.push(sw(9, "ts", 4));
    for (p, d) in [1u64, 4, 5, 8].into_iter().enumerate() {
        links.push(SwitchLink {
            a: (9, p as u32 + 1),
            b: (d, 4),
        });
    }
    Topology { switches, links }
}

/// The twin map of [`twin_topology`].
pub(crate) fn twin_map() -> TwinMap {
    TwinMap {
        pairs: (1..=4).map(|i| (i, i + 4)).collect(),
        tunnel_switch: 9,
        tunnel_ports: [1u64, 4, 5, 8]
            .into_iter()
            .enumerate()
            .map(|(p, d)| TunnelPort {
                dpid: d,
                port: 4,
                ts_port: p as u32 + 1,
            })
            .collect(),
        positions: vec![
            Position {
                old: (1, 1),
                new: (5, 1),
            },
            Position {
                old: (4, 1),
                new: (8, 1),
            },
        ],
    }
}

/// Every event an app is handed, as a line of text (xids left out: they number the
/// runtime's messages, which differ with a shim by construction).
pub(crate) type Log = Rc<RefCell<Vec<String>>>;

/// An app that writes down what it sees and hands it to the app it wraps.
struct Logged {
    inner: Box<dyn App>,
    log: Log,
}

impl Logged {
    fn note(&self, ctx: &Context<'_>, s: String) {
        self.log
            .borrow_mut()
            .push(format!("{} {s}", ctx.now().as_ps()));
    }
}

impl App for Logged {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn start(&mut self, ctx: &mut Context<'_>) {
        self.inner.start(ctx)
    }
    fn switch_features(&mut self, ctx: &mut Context<'_>, dpid: u64, f: &FeaturesReply) {
        self.note(ctx, format!("features {dpid} {f:?}"));
        self.inner.switch_features(ctx, dpid, f)
    }
    fn port_desc(&mut self, ctx: &mut Context<'_>, dpid: u64, ports: &[Port]) {
        self.note(ctx, format!("port_desc {dpid} {ports:?}"));
        self.inner.port_desc(ctx, dpid, ports)
    }
    fn packet_in(&mut self, ctx: &mut Context<'_>, ev: &PacketInEvent<'_>) {
        let mut msg = ev.msg.clone();
        msg.data.clear();
        let uid = { ev.packet.meta }.uid;
        self.note(
            ctx,
            format!(
                "packet_in {} {} {:?} uid {} {:?} {msg:?}",
                ev.dpid, ev.in_port, ev.reason, uid, ev.packet.eth
            ),
        );
        self.inner.packet_in(ctx, ev)
    }
    fn flow_removed(&mut self, ctx: &mut Context<'_>, dpid: u64, msg: &FlowRemoved) {
        self.note(ctx, format!("flow_removed {dpid} {msg:?}"));
        self.inner.flow_removed(ctx, dpid, msg)
    }
    fn port_stats(&mut self, ctx: &mut Context<'_>, dpid: u64, stats: &[PortStats]) {
        self.note(ctx, format!("port_stats {dpid} {stats:?}"));
        self.inner.port_stats(ctx, dpid, stats)
    }
    fn flow_stats(&mut self, ctx: &mut Context<'_>, dpid: u64, stats: &[FlowStats]) {
        self.note(ctx, format!("flow_stats {dpid} {stats:?}"));
        self.inner.flow_stats(ctx, dpid, stats)
    }
    fn port_status(&mut self, ctx: &mut Context<'_>, dpid: u64, msg: &PortStatus) {
        self.note(ctx, format!("port_status {dpid} {msg:?}"));
        self.inner.port_status(ctx, dpid, msg)
    }
    fn switch_leave(&mut self, ctx: &mut Context<'_>, dpid: u64) {
        self.note(ctx, format!("leave {dpid}"));
        self.inner.switch_leave(ctx, dpid)
    }
    fn error(&mut self, ctx: &mut Context<'_>, dpid: u64, msg: &ErrorMsg) {
        self.note(ctx, format!("error {dpid} {msg:?}"));
        self.inner.error(ctx, dpid, msg)
    }
    fn message(&mut self, ctx: &mut Context<'_>, dpid: u64, msg: &Message) {
        self.note(ctx, format!("message {dpid} {:?}", msg.body));
        self.inner.message(ctx, dpid, msg)
    }
    fn timer(&mut self, ctx: &mut Context<'_>, token: u64) {
        self.inner.timer(ctx, token)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

pub(crate) struct Host {
    pub(crate) mac: MacAddr,
    pub(crate) ip: Ipv4Addr,
    pub(crate) at: (u64, u32),
    arp: BTreeMap<Ipv4Addr, MacAddr>,
    pending: Vec<Packet>,
    pub(crate) received: Vec<Packet>,
}

/// The bench; see the module docs.
pub(crate) struct Bench {
    pub(crate) switches: BTreeMap<u64, Switch>,
    pub(crate) ctl: Controller,
    pub(crate) hosts: Vec<Host>,
    pub(crate) now: SimTime,
    pub(crate) log: Log,
    /// Frames sent out of each (dpid, port), with their outer VLAN id if tagged, and uid.
    pub(crate) tx: Vec<(u64, u32, Option<u16>, u64)>,
    peers: BTreeMap<(u64, u32), (u64, u32)>,
    queue: VecDeque<(u64, u32, Packet)>,
    next_uid: u64,
    timers: BTreeMap<(SimTime, u64), TimerId>,
    timer_seq: u64,
    /// Failed switches, out of the network until restored ([`failure`]).
    failed: BTreeMap<u64, Switch>,
}

impl Bench {
    /// The twin networks under a [`MigrationShim`] running `algorithm`, the app `kind` built
    /// on the old network.
    pub(crate) fn twin(kind: AppKind, config: AppConfig, algorithm: Algorithm) -> Bench {
        let full = twin_topology();
        let map = twin_map();
        let view = map.virtual_topology(&full);
        let log = Log::default();
        let app = logged(kind, &view, config, &log);
        let shim = Box::new(MigrationShim::new(map, algorithm));
        let ctl = Controller::with_apps(full.clone(), vec![app], shim).with_app_view(view);
        Bench::build(full, ctl, log)
    }

    /// The old network alone (the tunnel ports unconnected), no shim.
    pub(crate) fn plain(kind: AppKind, config: AppConfig) -> Bench {
        let view = twin_map().virtual_topology(&twin_topology());
        let log = Log::default();
        let app = logged(kind, &view, config, &log);
        let ctl =
            Controller::with_apps(view.clone(), vec![app], Box::new(crate::controller::NoShim));
        Bench::build(view, ctl, log)
    }

    fn build(topo: Topology, ctl: Controller, log: Log) -> Bench {
        let switches = topo
            .switches
            .iter()
            .map(|s| {
                let c = SwitchConfig {
                    datapath_id: s.dpid,
                    n_ports: s.n_ports,
                    ..SwitchConfig::default()
                };
                (s.dpid, Switch::new(c).expect("valid switch"))
            })
            .collect();
        let mut peers = BTreeMap::new();
        for l in &topo.links {
            peers.insert(l.a, l.b);
            peers.insert(l.b, l.a);
        }
        let host = |i: u32, at| Host {
            mac: MacAddr::from_index(i + 1),
            ip: Ipv4Addr::new(10, 0, 0, i as u8 + 1),
            at,
            arp: BTreeMap::new(),
            pending: Vec::new(),
            received: Vec::new(),
        };
        let mut b = Bench {
            switches,
            ctl,
            hosts: vec![host(0, (1, 1)), host(1, (4, 1))],
            now: SimTime::ZERO,
            log,
            tx: Vec::new(),
            peers,
            queue: VecDeque::new(),
            next_uid: 1,
            timers: BTreeMap::new(),
            timer_seq: 0,
            failed: BTreeMap::new(),
        };
        let dpids: Vec<u64> = b.switches.keys().copied().collect();
        for d in dpids {
            b.switches
                .get_mut(&d)
                .expect("listed")
                .handle_connected(b.now);
            b.ctl.handle_connected(b.now, d);
        }
        b.pump();
        b
    }

    /// The migration shim.
    pub(crate) fn shim(&self) -> &MigrationShim {
        self.ctl
            .shim()
            .as_any()
            .downcast_ref::<MigrationShim>()
            .expect("a twin bench")
    }

    /// Runs a phase command on the shim and lets the network settle.
    pub(crate) fn command(
        &mut self,
        f: impl FnOnce(&mut MigrationShim, &mut crate::controller::ShimContext),
    ) {
        self.ctl.handle_shim_command(self.now, |s, ctx| {
            f(s.as_any_mut().downcast_mut().expect("migration shim"), ctx)
        });
        self.pump();
    }

    /// Host `h`'s VM resumes at (dpid, port) and announces itself with a gratuitous ARP
    /// (tests tell the shim first, as the orchestrator does when the VM resumes).
    pub(crate) fn move_host(&mut self, h: usize, at: (u64, u32)) {
        self.hosts[h].at = at;
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

    /// Host `src` sends one UDP datagram to host `dst` (ARP first if needed); runs until
    /// quiet; returns its uid.
    pub(crate) fn udp(&mut self, src: usize, dst: usize) -> u64 {
        self.next_uid += 1;
        let meta = PacketMeta {
            uid: self.next_uid - 1,
            flow: 0,
            created: self.now,
        };
        let (s, d) = (&self.hosts[src], &self.hosts[dst]);
        let mut pkt = Packet {
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
        };
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

    /// Whether host `h` received packet `uid` (exactly once).
    pub(crate) fn got(&self, h: usize, uid: u64) -> bool {
        self.hosts[h]
            .received
            .iter()
            .filter(|p| p.meta.uid == uid)
            .count()
            == 1
    }

    /// Advances the clock to `to`, firing controller and switch timers on the way.
    pub(crate) fn advance(&mut self, to: SimTime) {
        loop {
            while let Some((at, id)) = self.ctl.poll_timer() {
                self.timers.insert((at.max(self.now), self.timer_seq), id);
                self.timer_seq += 1;
            }
            let mut next = self.timers.keys().next().map(|&(t, _)| t);
            for s in self.switches.values_mut() {
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
                    for s in self.switches.values_mut() {
                        s.handle_timeout(self.now);
                    }
                    self.pump();
                }
                _ => break,
            }
        }
        self.now = to;
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
        self.next_uid += 1;
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
            meta: PacketMeta {
                uid: self.next_uid - 1,
                flow: 0,
                created: self.now,
            },
        }
    }

    fn host_send(&mut self, h: usize, pkt: Packet) {
        let (d, p) = self.hosts[h].at;
        self.queue.push_back((d, p, pkt));
    }

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
                // A failed switch ([`failure`]) is not in the map: its messages are lost.
                if let Some(s) = self.switches.get_mut(&dpid) {
                    s.handle_message(self.now, m);
                }
                moved = true;
                steps += 1;
            }
            let dpids: Vec<u64> = self.switches.keys().copied().collect();
            for d in dpids {
                while let Some(m) = self.switches.get_mut(&d).expect("listed").poll_message() {
                    self.ctl.handle_message(self.now, d, m);
                    moved = true;
                    steps += 1;
                }
                while let Some((port, pkt)) =
                    self.switches.get_mut(&d).expect("listed").poll_output()
                {
                    self.tx.push((
                        d,
                        port,
                        pkt.eth.vlan.outer().map(|t| t.vid),
                        { pkt.meta }.uid,
                    ));
                    if let Some(&(pd, pp)) = self.peers.get(&(d, port)) {
                        self.queue.push_back((pd, pp, pkt));
                    } else if let Some(h) = self.hosts.iter().position(|h| h.at == (d, port)) {
                        self.host_receive(h, pkt);
                    }
                    moved = true;
                    steps += 1;
                }
            }
            if let Some((d, port, pkt)) = self.queue.pop_front() {
                if let Some(s) = self.switches.get_mut(&d) {
                    let _ = s.handle_packet(self.now, port, pkt);
                }
                moved = true;
                steps += 1;
            }
            assert!(steps < 200_000, "network did not quiesce");
            if !moved {
                break;
            }
        }
    }

    /// The entries of switch `dpid`'s table 0 as (priority, match, instructions, hard
    /// timeout, time left before the hard timeout).
    pub(crate) fn entries(&self, dpid: u64) -> Vec<crate::switch::FlowEntry> {
        self.switches[&dpid].tables()[0].iter().cloned().collect()
    }
}

fn logged(kind: AppKind, view: &Topology, config: AppConfig, log: &Log) -> Box<dyn App> {
    let inner = app_with_config(kind, view, config).expect("an OpenFlow app");
    Box::new(Logged {
        inner,
        log: log.clone(),
    })
}
