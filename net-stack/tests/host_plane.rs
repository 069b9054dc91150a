//! Host planes used from outside net-stack, as a hypervisor's virtual switch would use them:
//! a NAT-like redirect of UDP traffic and its reverse on two hosts (with DSCP marks), a
//! firewall that drops by rule on send and on receive, a plane that changes the frame length
//! (a stand-in for encapsulation), two planes composed as a stack, and each other verdict
//! (redirect, send out, deliver). Each test checks deliveries, the conservation of
//! `PacketFates`, and what tshark reads in the pcaps.

use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Command;
use std::rc::Rc;

use net_stack::app::{AppCtx, AppReport, Application, Report};
use net_stack::host_plane::{
    HostCtx, HostDrop, HostPlane, HostSetup, HostVerdict, MAX_HOST_PLANES,
};
use net_stack::wire::{L4, Packet};
use net_stack::{AppId, BuildError, LinkConfig, Network, NetworkBuilder, NodeId};
use sim_core::{DataRate, RngStreams, SimTime, Simulation};

const H0: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const H1: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 1);
const H2: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 1);
/// An address no node has: the NAT's public face for H2's service.
const VIP: Ipv4Addr = Ipv4Addr::new(10, 0, 9, 9);
const SIZE: u32 = 200;
const N: u32 = 10;

// ---- a small UDP client and echo server ------------------------------------------------------

/// Sends `n` datagrams of `SIZE` bytes to `dst:port` from `sport`, one per millisecond, and
/// records every datagram it receives: (source address, source port, payload length).
struct Client {
    dst: Ipv4Addr,
    port: u16,
    sport: u16,
    n: u32,
    sent: u32,
    got: Log<ClientRow>,
}

impl Application for Client {
    fn start(&mut self, ctx: &mut AppCtx<'_>) {
        ctx.set_timer(ctx.now(), 0);
    }
    fn on_timer(&mut self, ctx: &mut AppCtx<'_>, _token: u64) {
        if self.sent < self.n {
            ctx.send_udp(self.dst, self.sport, self.port, SIZE);
            self.sent += 1;
            ctx.set_timer(ctx.now() + SimTime::from_ms(1), 0);
        }
    }
    fn on_receive(&mut self, _ctx: &mut AppCtx<'_>, pkt: &Packet) {
        let L4::Udp(u) = pkt.l4 else { panic!("UDP") };
        let src = pkt.ipv4().expect("IPv4").src;
        self.got
            .borrow_mut()
            .push((src, u.src_port, pkt.payload_len));
    }
    fn report(&self) -> Report {
        Report::Counters(AppReport::default())
    }
}

/// Answers every datagram with one of the same size to its sender; records (source, tos,
/// payload length) of what it received.
#[derive(Default)]
struct Echo {
    got: Log<EchoRow>,
}

impl Application for Echo {
    fn start(&mut self, _ctx: &mut AppCtx<'_>) {}
    fn on_receive(&mut self, ctx: &mut AppCtx<'_>, pkt: &Packet) {
        let L4::Udp(u) = pkt.l4 else { panic!("UDP") };
        let ip = pkt.ipv4().expect("IPv4");
        self.got
            .borrow_mut()
            .push((ip.src, ip.tos, pkt.payload_len));
        ctx.send_udp(ip.src, u.dst_port, u.src_port, pkt.payload_len);
    }
    fn report(&self) -> Report {
        Report::Counters(AppReport::default())
    }
}

// ---- the bed ---------------------------------------------------------------------------------

fn link() -> LinkConfig {
    LinkConfig::new(DataRate::gbps(1), SimTime::from_us(10))
}

struct Bed {
    b: NetworkBuilder,
    h: [NodeId; 3],
}

/// h0, h1, h2 around router r (static routing); echo servers on h1:7 and h2:7 and h2:9;
/// h0's port 0 and h1's port 0 captured to `dir`.
fn bed(dir: &Path) -> (Bed, [AppId; 2]) {
    let mut b = NetworkBuilder::new(RngStreams::new(11));
    let h = [
        b.add_host("h0", H0),
        b.add_host("h1", H1),
        b.add_host("h2", H2),
    ];
    let r = b.add_router("r");
    for &n in &h {
        b.connect(n, r, link());
    }
    let echo = Echo::default();
    let log = echo.got.clone();
    let e1 = b.add_app(h[1], 0, Box::new(echo), SimTime::ZERO, None);
    register(e1, log);
    b.bind_udp(e1, 7).unwrap();
    let echo = Echo::default();
    let log = echo.got.clone();
    let e2 = b.add_app(h[2], 0, Box::new(echo), SimTime::ZERO, None);
    register(e2, log);
    b.bind_udp(e2, 7).unwrap();
    b.bind_udp(e2, 9).unwrap();
    b.trace(h[0], 0, &dir.join("h0.pcap"), 65535).unwrap();
    b.trace(h[1], 0, &dir.join("h1.pcap"), 65535).unwrap();
    (Bed { b, h }, [e1, e2])
}

fn client(bed: &mut Bed, dst: Ipv4Addr, port: u16, sport: u16) -> AppId {
    let c = Client {
        dst,
        port,
        sport,
        n: N,
        sent: 0,
        got: Log::default(),
    };
    let log = c.got.clone();
    let id = bed.b.add_app(bed.h[0], 0, Box::new(c), SimTime::ZERO, None);
    register(id, log);
    bed.b.bind_udp(id, sport).unwrap();
    id
}

fn run(bed: Bed) -> Simulation<Network> {
    let mut sim = Simulation::new(bed.b.build().expect("valid network"));
    sim.model.schedule_apps(&mut sim.scheduler);
    sim.model.start_plane(&mut sim.scheduler);
    sim.run_until(SimTime::from_ms(50));
    sim.model.finish_taps().unwrap();
    sim
}

/// What a test application recorded, shared with the test (applications report only their
/// counters to the network, so the rows live beside it).
type Log<T> = Rc<RefCell<Vec<T>>>;
/// A client's row: (source address, source port, payload length).
type ClientRow = (Ipv4Addr, u16, u32);
/// An echo server's row: (source address, tos, payload length).
type EchoRow = (Ipv4Addr, u8, u32);

thread_local! {
    static LOGS: RefCell<BTreeMap<AppId, Rc<dyn Any>>> = RefCell::new(BTreeMap::new());
}

fn register<T: 'static>(id: AppId, log: Log<T>) {
    LOGS.with(|l| l.borrow_mut().insert(id, log as Rc<dyn Any>));
}

/// The rows application `id` recorded.
fn rows<T: Clone + 'static>(id: AppId) -> Vec<T> {
    LOGS.with(|l| {
        let logs = l.borrow();
        let log = logs[&id]
            .downcast_ref::<RefCell<Vec<T>>>()
            .expect("row type");
        log.borrow().clone()
    })
}

fn plane<T: 'static>(sim: &Simulation<Network>, i: usize) -> &T {
    sim.model
        .host_plane(i)
        .unwrap()
        .as_any()
        .downcast_ref::<T>()
        .unwrap()
}

/// Every packet is somewhere (the law in `PacketFates`' docs).
fn assert_conserved(sim: &Simulation<Network>) {
    let f = sim.model.fates();
    let in_flight = sim.model.packets_in_flight() as u64;
    assert_eq!(f.entered(), f.settled() + in_flight, "fates: {f:?}");
}

/// tshark's fields `fields` of the frames of `pcap` matching `filter`, one line per frame;
/// fails on a malformed frame or a bad checksum.
fn tshark(pcap: &Path, filter: &str, fields: &[&str]) -> Vec<String> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(pcap)
        .args(["-o", "udp.check_checksum:TRUE"]);
    cmd.args(["-o", "ip.check_checksum:TRUE", "-T", "fields"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd
        .args(["-Y", filter])
        .output()
        .expect("tshark is installed");
    assert!(
        out.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let bad = Command::new("tshark")
        .arg("-r")
        .arg(pcap)
        .args([
            "-o",
            "udp.check_checksum:TRUE",
            "-o",
            "ip.check_checksum:TRUE",
        ])
        .args(["-Y", "_ws.malformed || _ws.expert.severity >= warning"])
        .output()
        .unwrap();
    assert!(
        bad.stdout.is_empty(),
        "tshark flags: {}",
        String::from_utf8_lossy(&bad.stdout)
    );
    text.lines().map(str::to_string).collect()
}

fn udp_mut(pkt: &mut Packet) -> Option<(&mut net_stack::wire::Ipv4Repr, net_stack::wire::UdpRepr)> {
    let L4::Udp(u) = pkt.l4 else { return None };
    match &mut pkt.l3 {
        net_stack::wire::L3::Ipv4(ip) => Some((ip, u)),
        _ => None,
    }
}

// ---- a NAT-like redirect on two hosts --------------------------------------------------------

/// On h0: datagrams to `VIP` go to H2 instead, marked DSCP EF (46); what comes back from H2
/// appears to come from `VIP`. On h2: its replies are marked DSCP AF41 (34).
struct Nat {
    client: NodeId,
    server: NodeId,
    rewrites: u32,
    reverses: u32,
}

impl HostPlane for Nat {
    fn start(&mut self, setup: &mut HostSetup<'_>) {
        setup.hook_send(self.client);
        setup.hook_receive(self.client);
        setup.hook_send(self.server);
    }
    fn on_send(&mut self, _ctx: &mut HostCtx<'_>, node: NodeId, pkt: &mut Packet) -> HostVerdict {
        if let Some((ip, _)) = udp_mut(pkt) {
            if node == self.client && ip.dst == VIP {
                ip.dst = H2;
                ip.tos = 46 << 2;
                self.rewrites += 1;
            } else if node == self.server {
                ip.tos = 34 << 2;
            }
        }
        HostVerdict::Pass
    }
    fn on_receive(
        &mut self,
        _ctx: &mut HostCtx<'_>,
        _host: NodeId,
        _port: u16,
        pkt: &mut Packet,
    ) -> HostVerdict {
        if let Some((ip, _)) = udp_mut(pkt)
            && ip.src == H2
        {
            ip.src = VIP;
            self.reverses += 1;
        }
        HostVerdict::Pass
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// The client talks to `VIP`, which no node has: the plane on h0 sends its datagrams to h2
/// (the wire shows H2, marked EF), h2's echo answers h0 (marked AF41 by the plane on h2), and
/// the plane on h0 makes the answers come from `VIP` — every one of the `N` comes back, from
/// `VIP:7`, and no frame on the wire carries `VIP`.
#[test]
fn nat_redirects_udp_and_its_reverse() {
    let dir = tempdir("nat");
    let (mut bed, [e1, e2]) = bed(&dir);
    let c = client(&mut bed, VIP, 7, 5000);
    let nat = Nat {
        client: bed.h[0],
        server: bed.h[2],
        rewrites: 0,
        reverses: 0,
    };
    bed.b.host_plane(Box::new(nat));
    let sim = run(bed);
    let got = &rows::<ClientRow>(c);
    assert_eq!(got.len(), N as usize, "every answer came back");
    assert!(got.iter().all(|&g| g == (VIP, 7, SIZE)), "{got:?}");
    let echo = &rows::<EchoRow>(e2);
    assert_eq!(echo.len(), N as usize);
    assert!(echo.iter().all(|&g| g == (H0, 46 << 2, SIZE)), "{echo:?}");
    assert!(rows::<EchoRow>(e1).is_empty(), "h1 saw nothing");
    let p = plane::<Nat>(&sim, 0);
    assert_eq!((p.rewrites, p.reverses), (N, N));
    let f = sim.model.fates();
    assert_eq!((f.created, f.delivered), (2 * N as u64, 2 * N as u64));
    assert_conserved(&sim);

    let pcap = dir.join("h0.pcap");
    let out = tshark(&pcap, "udp.dstport == 7", &["ip.dst", "ip.dsfield.dscp"]);
    assert_eq!(
        out,
        vec!["10.0.2.1\t46"; N as usize],
        "requests on the wire"
    );
    let back = tshark(&pcap, "udp.srcport == 7", &["ip.src", "ip.dsfield.dscp"]);
    assert_eq!(
        back,
        vec!["10.0.2.1\t34"; N as usize],
        "answers on the wire"
    );
    assert!(tshark(&pcap, "ip.addr == 10.0.9.9", &["frame.number"]).is_empty());
}

// ---- a firewall ------------------------------------------------------------------------------

/// Drops datagrams to port 13 as h0 sends them, and datagrams to port 9 as they reach h2.
struct Firewall {
    client: NodeId,
    server: NodeId,
}

impl HostPlane for Firewall {
    fn start(&mut self, setup: &mut HostSetup<'_>) {
        setup.hook_send(self.client);
        setup.hook_receive(self.server);
    }
    fn on_send(&mut self, _ctx: &mut HostCtx<'_>, _node: NodeId, pkt: &mut Packet) -> HostVerdict {
        match pkt.l4 {
            L4::Udp(u) if u.dst_port == 13 => HostVerdict::Drop(HostDrop::Policy),
            _ => HostVerdict::Pass,
        }
    }
    fn on_receive(
        &mut self,
        _ctx: &mut HostCtx<'_>,
        _host: NodeId,
        _port: u16,
        pkt: &mut Packet,
    ) -> HostVerdict {
        match pkt.l4 {
            L4::Udp(u) if u.dst_port == 9 => HostVerdict::Drop(HostDrop::Policy),
            _ => HostVerdict::Pass,
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// Three clients on h0 send `N` datagrams each to h2's ports 7, 9 and 13. Port 7 passes and is
/// answered; port 9 crosses the wire and is dropped at h2; port 13 never reaches the wire.
/// Both drops count in `dropped_by_host_planes`; a packet dropped on send uses up no IPv4
/// identification, so h0's frames on the wire carry identifications 0…2N−1 without a gap.
#[test]
fn firewall_drops_by_rule_on_send_and_on_receive() {
    let dir = tempdir("firewall");
    let (mut bed, [_, e2]) = bed(&dir);
    let c7 = client(&mut bed, H2, 7, 5007);
    client(&mut bed, H2, 9, 5009);
    client(&mut bed, H2, 13, 5013);
    let fw = Firewall {
        client: bed.h[0],
        server: bed.h[2],
    };
    bed.b.host_plane(Box::new(fw));
    let sim = run(bed);
    assert_eq!(rows::<ClientRow>(c7).len(), N as usize);
    assert_eq!(
        rows::<EchoRow>(e2).len(),
        N as usize,
        "only port 7 got through"
    );
    let f = sim.model.fates();
    assert_eq!(f.dropped_by_host_planes, 2 * N as u64, "{f:?}");
    assert_eq!(f.created, 4 * N as u64, "3N sent, N answers");
    assert_eq!(f.delivered, 2 * N as u64);
    assert_conserved(&sim);

    let pcap = dir.join("h0.pcap");
    let sent = tshark(&pcap, "ip.src == 10.0.0.1", &["udp.dstport", "ip.id"]);
    assert_eq!(sent.len(), 2 * N as usize, "ports 7 and 9 only: {sent:?}");
    assert!(sent.iter().all(|l| !l.starts_with("13\t")));
    let mut ids: Vec<u32> = sent
        .iter()
        .map(|l| {
            u32::from_str_radix(l.split('\t').nth(1).unwrap().trim_start_matches("0x"), 16).unwrap()
        })
        .collect();
    ids.sort();
    assert_eq!(ids, (0..2 * N).collect::<Vec<_>>());
}

// ---- a plane that changes the frame length ---------------------------------------------------

const GROW: u32 = 50;

/// Adds `GROW` bytes to what h0 sends (as an outer header would) and takes them off as it
/// reaches h2.
struct Grow {
    client: NodeId,
    server: NodeId,
}

impl HostPlane for Grow {
    fn start(&mut self, setup: &mut HostSetup<'_>) {
        setup.hook_send(self.client);
        setup.hook_receive(self.server);
    }
    fn on_send(&mut self, _ctx: &mut HostCtx<'_>, _node: NodeId, pkt: &mut Packet) -> HostVerdict {
        pkt.payload_len += GROW;
        HostVerdict::Pass
    }
    fn on_receive(
        &mut self,
        _ctx: &mut HostCtx<'_>,
        _host: NodeId,
        _port: u16,
        pkt: &mut Packet,
    ) -> HostVerdict {
        pkt.payload_len -= GROW;
        HostVerdict::Pass
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// The wire carries the packet as the plane left it: h0's frames are `GROW` bytes longer in
/// the pcap and in the device's byte counter (and take longer to serialise), the echo server
/// gets the original size back, and its answers (not hooked) keep their size.
#[test]
fn a_plane_changes_the_frame_length_on_the_wire() {
    let dir = tempdir("grow");
    let (mut bed, [_, e2]) = bed(&dir);
    let c = client(&mut bed, H2, 7, 5000);
    let g = Grow {
        client: bed.h[0],
        server: bed.h[2],
    };
    bed.b.host_plane(Box::new(g));
    let h0 = bed.h[0];
    let sim = run(bed);
    assert!(rows::<EchoRow>(e2).iter().all(|g| g.2 == SIZE));
    assert_eq!(rows::<EchoRow>(e2).len(), N as usize);
    assert!(rows::<ClientRow>(c).iter().all(|g| g.2 == SIZE));
    let frame = 14 + 20 + 8 + SIZE;
    let dev = sim.model.nodes()[h0.index()].devices[0];
    let wire = &sim.model.devices()[dev.index()].wire;
    assert_eq!(wire.tx_bytes, (N * (frame + GROW)) as u64);
    // 1 Gbit/s: 8 ns per byte.
    assert_eq!(wire.busy_ps, (N * (frame + GROW) * 8_000) as u64);
    assert_conserved(&sim);

    let pcap = dir.join("h0.pcap");
    let out = tshark(&pcap, "ip.src == 10.0.0.1", &["frame.len", "udp.length"]);
    let want = format!("{}\t{}", frame + GROW, 8 + SIZE + GROW);
    assert_eq!(out, vec![want; N as usize]);
    let back = tshark(&pcap, "ip.dst == 10.0.0.1", &["frame.len"]);
    assert_eq!(back, vec![frame.to_string(); N as usize]);
}

// ---- composition -----------------------------------------------------------------------------

/// Sets the tos from `from` to `to` on send and from `back_from` to `back_to` on receive,
/// recording what it saw; drops datagrams to port 9 on send when `drop_9`.
struct Stage {
    client: NodeId,
    server: NodeId,
    send: (u8, u8),
    receive: (u8, u8),
    drop_9: bool,
    seen_send: Vec<u8>,
    seen_receive: Vec<u8>,
}

impl Stage {
    fn new(bed: &Bed, send: (u8, u8), receive: (u8, u8), drop_9: bool) -> Self {
        Stage {
            client: bed.h[0],
            server: bed.h[2],
            send,
            receive,
            drop_9,
            seen_send: Vec::new(),
            seen_receive: Vec::new(),
        }
    }
}

impl HostPlane for Stage {
    fn start(&mut self, setup: &mut HostSetup<'_>) {
        setup.hook_send(self.client);
        setup.hook_receive(self.server);
    }
    fn on_send(&mut self, _ctx: &mut HostCtx<'_>, _node: NodeId, pkt: &mut Packet) -> HostVerdict {
        let Some((ip, u)) = udp_mut(pkt) else {
            return HostVerdict::Pass;
        };
        self.seen_send.push(ip.tos);
        if self.drop_9 && u.dst_port == 9 {
            return HostVerdict::Drop(HostDrop::Policy);
        }
        if ip.tos == self.send.0 {
            ip.tos = self.send.1;
        }
        HostVerdict::Pass
    }
    fn on_receive(
        &mut self,
        _ctx: &mut HostCtx<'_>,
        _host: NodeId,
        _port: u16,
        pkt: &mut Packet,
    ) -> HostVerdict {
        let Some((ip, _)) = udp_mut(pkt) else {
            return HostVerdict::Pass;
        };
        self.seen_receive.push(ip.tos);
        if ip.tos == self.receive.0 {
            ip.tos = self.receive.1;
        }
        HostVerdict::Pass
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// Two planes stack in installation order on send (the first sees tos 0 and writes 4, the
/// second sees 4 and writes 8: the wire shows 8) and in reverse order on receive (the second
/// sees 8 and writes 12, the first sees 12 and writes 0: the server sees 0). A drop by the
/// first ends the walk: the second never sees the datagrams to port 9.
#[test]
fn planes_compose_as_a_stack() {
    let dir = tempdir("stack");
    let (mut bed, [_, e2]) = bed(&dir);
    client(&mut bed, H2, 7, 5007);
    client(&mut bed, H2, 9, 5009);
    let first = Stage::new(&bed, (0, 4), (12, 0), true);
    let second = Stage::new(&bed, (4, 8), (8, 12), false);
    bed.b.host_plane(Box::new(first));
    bed.b.host_plane(Box::new(second));
    let sim = run(bed);
    let (p1, p2) = (plane::<Stage>(&sim, 0), plane::<Stage>(&sim, 1));
    assert_eq!(p1.seen_send, vec![0; 2 * N as usize]);
    assert_eq!(
        p2.seen_send,
        vec![4; N as usize],
        "port 9 ended at the first"
    );
    assert_eq!(
        p2.seen_receive,
        vec![8; N as usize],
        "the wire side sees it first"
    );
    assert_eq!(p1.seen_receive, vec![12; N as usize]);
    assert!(rows::<EchoRow>(e2).iter().all(|g| g.1 == 0));
    assert_eq!(sim.model.fates().dropped_by_host_planes, N as u64);
    assert_conserved(&sim);
    let out = tshark(&dir.join("h0.pcap"), "ip.src == 10.0.0.1", &["ip.dsfield"]);
    assert_eq!(out, vec!["0x08"; N as usize]);
}

/// A network refuses more host planes than the masks hold, with a clear error.
#[test]
fn too_many_planes_are_refused() {
    let dir = tempdir("many");
    let (mut bed, _) = bed(&dir);
    for _ in 0..=MAX_HOST_PLANES {
        let s = Stage::new(&bed, (0, 0), (0, 0), false);
        bed.b.host_plane(Box::new(s));
    }
    match bed.b.build() {
        Err(e @ BuildError::TooManyHostPlanes(n)) => {
            assert_eq!(n, MAX_HOST_PLANES + 1);
            assert!(e.to_string().contains("at most 64"), "{e}");
        }
        other => panic!("expected a refusal, got {:?}", other.err()),
    }
}

// ---- redirect, send out, deliver -------------------------------------------------------------

/// On h1: datagrams to H1:7 are readdressed to H2 and `Redirect`ed from h1 (routed on from
/// there), or reflected back to their sender out of port 0 (`SendOut`); on h0's send,
/// datagrams to H1 are handed straight to h1's NIC (`Deliver`), no wire crossed.
struct Steer {
    mode: Mode,
    h: [NodeId; 3],
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Redirect,
    Reflect,
    Deliver,
}

impl HostPlane for Steer {
    fn start(&mut self, setup: &mut HostSetup<'_>) {
        match self.mode {
            Mode::Deliver => setup.hook_send(self.h[0]),
            _ => setup.hook_receive(self.h[1]),
        }
    }
    fn on_send(&mut self, ctx: &mut HostCtx<'_>, _node: NodeId, pkt: &mut Packet) -> HostVerdict {
        let to = self.h[1];
        let dev = ctx.nodes()[to.index()].devices[0];
        pkt.eth.dst = ctx.devices()[dev.index()].mac;
        HostVerdict::Deliver(to)
    }
    fn on_receive(
        &mut self,
        _ctx: &mut HostCtx<'_>,
        host: NodeId,
        _port: u16,
        pkt: &mut Packet,
    ) -> HostVerdict {
        let L4::Udp(mut u) = pkt.l4 else {
            return HostVerdict::Pass;
        };
        let Some((ip, _)) = udp_mut(pkt) else {
            return HostVerdict::Pass;
        };
        match self.mode {
            Mode::Redirect => {
                ip.dst = H2;
                HostVerdict::Redirect(host)
            }
            _ => {
                (ip.src, ip.dst) = (ip.dst, ip.src);
                (u.src_port, u.dst_port) = (u.dst_port, u.src_port);
                pkt.l4 = L4::Udp(u);
                (pkt.eth.src, pkt.eth.dst) = (pkt.eth.dst, pkt.eth.src);
                HostVerdict::SendOut(0)
            }
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

fn steer(mode: Mode, name: &str) -> (Simulation<Network>, AppId, [AppId; 2], TempDir) {
    let dir = tempdir(name);
    let (mut bed, echoes) = bed(&dir);
    let c = client(&mut bed, H1, 7, 5000);
    let s = Steer { mode, h: bed.h };
    bed.b.host_plane(Box::new(s));
    let sim = run(bed);
    assert_conserved(&sim);
    (sim, c, echoes, dir)
}

/// `Redirect(h1)`: what reached h1 is routed on to h2, whose echo answers h0 directly; h1's
/// port shows each datagram arrive for H1 and leave for H2.
#[test]
fn redirect_routes_a_frame_on_from_another_node() {
    let (_sim, c, [e1, e2], dir) = steer(Mode::Redirect, "redirect");
    assert!(rows::<EchoRow>(e1).is_empty());
    assert_eq!(rows::<EchoRow>(e2).len(), N as usize);
    let got = &rows::<ClientRow>(c);
    assert_eq!(got.len(), N as usize);
    assert!(got.iter().all(|&g| g == (H2, 7, SIZE)));
    let pcap = dir.join("h1.pcap");
    assert_eq!(
        tshark(&pcap, "ip.dst == 10.0.1.1", &["frame.number"]).len(),
        N as usize
    );
    assert_eq!(
        tshark(&pcap, "ip.dst == 10.0.2.1", &["frame.number"]).len(),
        N as usize
    );
}

/// `SendOut(0)`: h1 reflects each datagram, addresses swapped, out of its port; the client gets
/// `N` answers from H1:7 though no application on h1 saw them.
#[test]
fn send_out_transmits_the_frame_as_the_plane_left_it() {
    let (_sim, c, [e1, _], dir) = steer(Mode::Reflect, "reflect");
    assert!(rows::<EchoRow>(e1).is_empty());
    let got = &rows::<ClientRow>(c);
    assert_eq!(got.len(), N as usize);
    assert!(got.iter().all(|&g| g == (H1, 7, SIZE)));
    let out = tshark(&dir.join("h1.pcap"), "ip.src == 10.0.1.1", &["udp.dstport"]);
    assert_eq!(out, vec!["5000"; N as usize]);
}

/// `Deliver(h1)` on h0's send: h1's echo gets the datagrams without a wire (h0's device sends
/// nothing), and its answers come back over the network.
#[test]
fn deliver_on_send_hands_the_packet_to_a_node_without_a_wire() {
    let (_sim, c, [e1, _], dir) = steer(Mode::Deliver, "deliver");
    assert_eq!(rows::<EchoRow>(e1).len(), N as usize);
    assert_eq!(rows::<ClientRow>(c).len(), N as usize);
    assert!(
        tshark(
            &dir.join("h0.pcap"),
            "ip.src == 10.0.0.1",
            &["frame.number"]
        )
        .is_empty()
    );
    assert_eq!(
        tshark(
            &dir.join("h0.pcap"),
            "ip.dst == 10.0.0.1",
            &["frame.number"]
        )
        .len(),
        N as usize
    );
}

/// A scratch directory for one test's pcaps, removed when the test ends.
struct TempDir(std::path::PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("netsim-host-plane-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}
