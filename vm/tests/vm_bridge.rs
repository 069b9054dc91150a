//! VMs as guests of hosts, bridged by `vm::VmBridge` (a net-stack host plane installed from
//! outside net-stack): reached through the host they run on, paused, and moved to another
//! host with their addresses and connections under static routing (the /32 route follows the
//! VM). The switched case (a gratuitous ARP announces the move) runs in the root package's
//! OpenFlow migration tests.

use std::net::Ipv4Addr;

use net_stack::LinkConfig;
use net_stack::app::Report;
use net_stack::apps::{Ping, PingParams, RequestClient, RequestConfig, ResponseServer};
use net_stack::{Network, NetworkBuilder, NodeId};
use sim_core::{DataRate, RngStreams, SimTime, Simulation};
use vm::VmBridge;

fn link() -> LinkConfig {
    LinkConfig::new(DataRate::gbps(1), SimTime::from_us(10))
}

const VM_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 9, 1);

/// client — r — {a, b}: a VM starts on `a`; the client talks to the VM's address.
fn bed() -> (NetworkBuilder, NodeId, NodeId, NodeId, NodeId) {
    let mut b = NetworkBuilder::new(RngStreams::new(5));
    let client = b.add_host("client", Ipv4Addr::new(10, 0, 0, 1));
    let a = b.add_host("a", Ipv4Addr::new(10, 0, 1, 1));
    let h = b.add_host("b", Ipv4Addr::new(10, 0, 2, 1));
    let r = b.add_router("r");
    b.connect(client, r, link());
    b.connect(r, a, link());
    b.connect(r, h, link());
    let vm = b.add_vm("vm", VM_IP, a);
    b.host_plane(Box::new(VmBridge::new()));
    (b, client, a, h, vm)
}

fn sim(b: NetworkBuilder) -> Simulation<Network> {
    let mut sim = Simulation::new(b.build().expect("valid network"));
    sim.model.schedule_apps(&mut sim.scheduler);
    sim.model.start_plane(&mut sim.scheduler);
    sim
}

/// A request-response service on the VM keeps its TCP connection across a move under static
/// routing: paused at 100 ms, resumed on `b` at 150 ms, the client's answers resume and the
/// longest gap between answers is the pause plus at most one retransmission timeout; every
/// later answer comes back through `b`.
#[test]
fn tcp_service_survives_a_move_under_static_routing() {
    let (mut b, client, _a, h, vm) = bed();
    let cfg = RequestConfig {
        dst: VM_IP,
        dst_port: 80,
        request: 200,
        response: 4000,
        interval: SimTime::from_ms(1),
    };
    let c = b.add_app(
        client,
        0,
        Box::new(RequestClient::new(cfg)),
        SimTime::ZERO,
        None,
    );
    let s = b.add_app(
        vm,
        0,
        Box::new(ResponseServer::new(200, 4000)),
        SimTime::ZERO,
        None,
    );
    b.listen_tcp(s, 80).unwrap();
    let mut sim = sim(b);
    sim.run_until(SimTime::from_ms(100));
    let before = answers(&sim, c);
    sim.model.pause_guest(&mut sim.scheduler, vm);
    sim.run_until(SimTime::from_ms(150));
    assert_eq!(
        answers(&sim, c),
        before + answers_in_flight(&sim, c, before),
        "paused: no answers"
    );
    sim.model.resume_guest(&mut sim.scheduler, vm, h);
    let b_rx = sim.model.devices()[sim.model.nodes()[h.index()].devices[0].index()]
        .wire
        .tx_packets;
    sim.run_until(SimTime::from_ms(800));
    let after = answers(&sim, c);
    assert!(after > before + 400, "answers resumed: {before} -> {after}");
    let gap = sim.model.app(c).report().counters().max_gap;
    assert!(
        gap >= SimTime::from_ms(50) && gap <= SimTime::from_ms(50 + 400),
        "longest gap {gap}"
    );
    let b_tx = sim.model.devices()[sim.model.nodes()[h.index()].devices[0].index()]
        .wire
        .tx_packets;
    assert!(b_tx - b_rx > 400, "the VM now answers through b");
    assert!(
        sim.model.fates().guest_paused > 0,
        "what reached it while paused was dropped"
    );
}

fn answers(sim: &Simulation<Network>, c: net_stack::AppId) -> u64 {
    match sim.model.app(c).report() {
        Report::RequestClient(r) => r.counters.packets_received,
        other => panic!("a request client reports {other:?}"),
    }
}
/// An answer already on its way when the VM paused may still arrive (at most one).
fn answers_in_flight(sim: &Simulation<Network>, c: net_stack::AppId, before: u64) -> u64 {
    answers(sim, c).saturating_sub(before).min(1)
}

/// Pings to the VM under static routing: answered from `a`, lost while paused, answered from
/// `b` after the move — the /32 route followed the VM.
#[test]
fn ping_follows_the_vm() {
    let (mut b, client, a, h, vm) = bed();
    let params = PingParams {
        interval: SimTime::from_ms(10),
        ..PingParams::default()
    };
    let cfg = params.config(VM_IP, 1);
    let p = b.add_app(client, 0, Box::new(Ping::new(cfg)), SimTime::ZERO, None);
    b.bind_icmp(p, 1).unwrap();
    let mut sim = sim(b);
    sim.run_until(SimTime::from_ms(95));
    assert_eq!(bridge(&sim).guests_on(a), &[vm]);
    sim.model.pause_guest(&mut sim.scheduler, vm);
    sim.run_until(SimTime::from_ms(145));
    sim.model.resume_guest(&mut sim.scheduler, vm, h);
    sim.run_until(SimTime::from_ms(300));
    let Report::Ping(ping) = sim.model.app(p).report() else {
        panic!("a ping");
    };
    // Sent at 0, 10, …, 290 ms; those at 100–140 ms (5) met the paused VM.
    assert_eq!(ping.lost(SimTime::from_ms(280)), 5);
    let n = sim.model.nodes()[vm.index()].host().unwrap();
    assert_eq!(n.guest().unwrap().host, h);
    assert_eq!(bridge(&sim).guests_on(h), &[vm]);
    assert!(bridge(&sim).guests_on(a).is_empty());
    assert!(!bridge(&sim).is_paused(vm));
    assert_conserved(&sim);
}

fn bridge(sim: &Simulation<Network>) -> &VmBridge {
    sim.model
        .host_plane(0)
        .and_then(|p| p.as_any().downcast_ref::<VmBridge>())
        .expect("the bridge is host plane 0")
}

/// Every packet is somewhere: conservation of `PacketFates` with the bridge's drops counted.
fn assert_conserved(sim: &Simulation<Network>) {
    let f = sim.model.fates();
    let in_flight = sim.model.packets_in_flight() as u64;
    assert_eq!(f.entered(), f.settled() + in_flight, "fates: {f:?}");
}

/// While paused, what the VM would send (its ping replies are never made) and what reaches it
/// both count in `guest_paused`: 5 echo requests met the paused VM, no reply was created for
/// them, and nothing else was lost.
#[test]
fn paused_vm_drops_count_as_guest_paused() {
    let (mut b, client, _a, _h, vm) = bed();
    let params = PingParams {
        interval: SimTime::from_ms(10),
        ..PingParams::default()
    };
    let cfg = params.config(VM_IP, 1);
    let p = b.add_app(client, 0, Box::new(Ping::new(cfg)), SimTime::ZERO, None);
    b.bind_icmp(p, 1).unwrap();
    let mut sim = sim(b);
    sim.run_until(SimTime::from_ms(95));
    sim.model.pause_guest(&mut sim.scheduler, vm);
    assert!(bridge(&sim).is_paused(vm));
    sim.run_until(SimTime::from_ms(145));
    let f = sim.model.fates();
    assert_eq!(f.guest_paused, 5, "{f:?}");
    // 15 requests (0..140 ms) and 10 replies were created; the 10 answered ones were delivered
    // twice (request at the VM, reply at the client).
    assert_eq!(f.created, 15 + 10, "{f:?}");
    assert_eq!(f.delivered, 20, "{f:?}");
    assert_conserved(&sim);
}

/// A VM without a bridge is not reached: its host's own NIC takes the frames addressed to the
/// VM's IP and, not being that address, counts them unroutable (hosts do not forward).
#[test]
fn without_a_bridge_frames_for_a_vm_meet_the_host() {
    let mut b = NetworkBuilder::new(RngStreams::new(5));
    let client = b.add_host("client", Ipv4Addr::new(10, 0, 0, 1));
    let a = b.add_host("a", Ipv4Addr::new(10, 0, 1, 1));
    b.connect(client, a, link());
    b.add_vm("vm", VM_IP, a);
    let params = PingParams {
        interval: SimTime::from_ms(10),
        ..PingParams::default()
    };
    let cfg = params.config(VM_IP, 1);
    let p = b.add_app(client, 0, Box::new(Ping::new(cfg)), SimTime::ZERO, None);
    b.bind_icmp(p, 1).unwrap();
    let mut sim = sim(b);
    sim.run_until(SimTime::from_ms(55));
    let f = sim.model.fates();
    assert_eq!((f.created, f.unroutable, f.delivered), (6, 6, 0), "{f:?}");
}

/// Pausing a VM on a network with no host plane to carry the command out is a programming
/// error, not a silent no-op.
#[test]
#[should_panic(expected = "no host plane bridges VM")]
fn pausing_without_a_bridge_panics() {
    let mut b = NetworkBuilder::new(RngStreams::new(5));
    let client = b.add_host("client", Ipv4Addr::new(10, 0, 0, 1));
    let a = b.add_host("a", Ipv4Addr::new(10, 0, 1, 1));
    b.connect(client, a, link());
    let vm = b.add_vm("vm", VM_IP, a);
    let mut sim = sim(b);
    sim.model.pause_guest(&mut sim.scheduler, vm);
}
