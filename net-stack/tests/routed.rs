//! Routed networks: IP subnets joined by longest-prefix-match routers, with ARP on every
//! subnet (hosts resolve their gateway, routers resolve hosts), proxy ARP, TTL, host routes
//! injected at run time and a home agent's binding tunnel. Read back through tshark.

use std::net::Ipv4Addr;
use std::process::Command;

use net_stack::LinkConfig;
use net_stack::app::Report;
use net_stack::apps::{Ping, PingParams};
use net_stack::arp::ArpConfig;
use net_stack::router::{GATEWAY_MAC, HostSubnet};
use net_stack::routing::lpm::Ipv4Net;
use net_stack::wire::TunnelKind;
use net_stack::{Network, NetworkBuilder, NodeId};
use sim_core::{DataRate, RngStreams, SimTime, Simulation};

fn link() -> LinkConfig {
    LinkConfig::new(DataRate::gbps(1), SimTime::from_us(10))
}

fn a(s: &str) -> Ipv4Addr {
    s.parse().expect("an address")
}

fn net24(s: &str) -> Ipv4Net {
    Ipv4Net::new(a(s), 24)
}

/// h0 (10.1.0.1/24) — r0 — r1 — r2 — h1 (10.2.0.1/24), and h2 (10.3.0.1/24) on r2 too:
/// three subnets, three routers joined by unnumbered links.
struct Routed {
    b: NetworkBuilder,
    h: [NodeId; 3],
    r: [NodeId; 3],
}

fn routed() -> Routed {
    let mut b = NetworkBuilder::new(RngStreams::new(5));
    let h = [
        b.add_host("h0", a("10.1.0.1")),
        b.add_host("h1", a("10.2.0.1")),
        b.add_host("h2", a("10.3.0.1")),
    ];
    let r = [
        b.add_lpm_router("r0"),
        b.add_lpm_router("r1"),
        b.add_lpm_router("r2"),
    ];
    b.connect(h[0], r[0], link()); // r0 port 0
    b.connect(h[1], r[2], link()); // r2 port 0
    b.connect(h[2], r[2], link()); // r2 port 1
    b.connect(r[0], r[1], link()); // r0 port 1, r1 port 0
    b.connect(r[1], r[2], link()); // r1 port 1, r2 port 2
    b.router_interface(r[0], 0, net24("10.1.0.254"), true);
    b.router_interface(r[2], 0, net24("10.2.0.254"), true);
    b.router_interface(r[2], 1, net24("10.3.0.254"), true);
    for (host, gw) in [
        (h[0], "10.1.0.254"),
        (h[1], "10.2.0.254"),
        (h[2], "10.3.0.254"),
    ] {
        let ip = b.nodes()[host.index()].ip.expect("a host");
        b.host_subnet(
            host,
            HostSubnet {
                net: Ipv4Net::new(ip, 24),
                gateway: a(gw),
            },
        );
    }
    b.arp(ArpConfig::default());
    Routed { b, h, r }
}

fn ping(b: &mut NetworkBuilder, from: NodeId, to: Ipv4Addr, ident: u16) -> net_stack::AppId {
    let params = PingParams {
        interval: SimTime::from_ms(1),
        ..PingParams::default()
    };
    let app = b.add_app(
        from,
        0,
        Box::new(Ping::new(params.config(to, ident))),
        SimTime::ZERO,
        None,
    );
    b.bind_icmp(app, ident).expect("free identifier");
    app
}

fn assert_conserved(net: &Network) {
    let f = net.fates();
    let in_flight = net.packets_in_flight() as u64;
    assert_eq!(f.entered(), f.settled() + in_flight, "fates: {f:?}");
}

fn tshark(pcap: &std::path::Path, filter: &str, fields: &[&str]) -> Vec<String> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(pcap).args(["-Y", filter, "-T", "fields"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("tshark runs");
    assert!(
        out.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(str::to_string)
        .collect()
}

/// A ping across three routers: h0 resolves its gateway (not h1) by ARP, r2 resolves h1 by
/// ARP, r0→r1→r2 use the unnumbered links' peers; every echo is answered; the steady RTT is
/// four links each way of propagation plus serialisation of the 98-byte frame; the echo
/// arrives at h1 with TTL 64 − 3 (three routers), as tshark reads it; frames on the subnets
/// carry the gateway MAC. The tables are LPM: r1 has one route per subnet.
#[test]
fn ping_across_subnets_resolves_gateways_and_hosts() {
    let Routed { mut b, h, r } = routed();
    let app = ping(&mut b, h[0], a("10.2.0.1"), 7);
    let dir = tempfile::tempdir().expect("temp dir");
    let pcap = dir.path().join("h1.pcap");
    b.trace(h[1], 0, &pcap, 0).expect("tap");
    let mut sim = Simulation::new(b.build().expect("valid network"));
    sim.model.schedule_apps(&mut sim.scheduler);
    sim.run_until(SimTime::from_us(10_500));
    sim.model.finish_taps().expect("pcap");
    let net = &sim.model;
    let Report::Ping(p) = net.app(app).report() else {
        panic!("a ping")
    };
    assert_eq!(p.lost(SimTime::from_ms(10)), 0, "every echo answered");
    let rtt = p.rtt.expect("replies");
    let one_way = 4.0 * (10e-6 + 98.0 * 8.0 / 1e9);
    assert!(
        (rtt.min_s - 2.0 * one_way).abs() < 1e-9,
        "min RTT {}",
        rtt.min_s
    );
    let h0 = net.nodes()[h[0].index()].host().unwrap().arp().unwrap();
    assert_eq!(
        h0.lookup(SimTime::from_ms(10), a("10.1.0.254")),
        Some(GATEWAY_MAC)
    );
    assert_eq!(
        h0.lookup(SimTime::from_ms(10), a("10.2.0.1")),
        None,
        "off-subnet: no entry"
    );
    let r2 = net.nodes()[r[2].index()].lpm_router().unwrap();
    let r2_arp = r2.arp(0).expect("interface on port 0");
    assert!(r2_arp.lookup(SimTime::from_ms(10), a("10.2.0.1")).is_some());
    let r1 = net.nodes()[r[1].index()].lpm_router().unwrap();
    assert_eq!(r1.table().routes().len(), 3, "one route per subnet");
    assert!(r1.arp(0).is_none(), "no ARP on unnumbered links");
    assert_conserved(net);
    let ttls = tshark(&pcap, "icmp.type == 8", &["ip.ttl", "eth.src"]);
    assert!(!ttls.is_empty());
    for l in &ttls {
        assert_eq!(
            l, "61\t00:00:5e:00:01:01",
            "TTL after three routers, gateway MAC"
        );
    }
    let arps = tshark(
        &pcap,
        "arp.opcode == 1",
        &["arp.src.proto_ipv4", "arp.dst.proto_ipv4"],
    );
    assert!(
        arps.contains(&"10.2.0.254\t10.2.0.1".to_string()),
        "r2 asks for h1: {arps:?}"
    );
}

/// A host route overrides the subnet route (longest prefix): 10.2.0.1/32 injected towards
/// r2's port 1 makes r0 and r1 follow it and r2 resolve 10.2.0.1 on h2's subnet, where h2
/// (which does not own it) stays silent: the echoes are lost (ARP gives up); removed again,
/// the subnet route carries them.
#[test]
fn host_route_overrides_subnet_route() {
    let Routed { mut b, h, r } = routed();
    let app = ping(&mut b, h[0], a("10.2.0.1"), 7);
    let mut sim = Simulation::new(b.build().expect("valid network"));
    sim.model.schedule_apps(&mut sim.scheduler);
    sim.model.set_host_route(a("10.2.0.1"), r[2], 1);
    sim.run_until(SimTime::from_ms(5));
    let Report::Ping(p) = sim.model.app(app).report() else {
        panic!("a ping")
    };
    assert_eq!(
        p.counters.packets_received, 0,
        "the /32 leads to the wrong subnet"
    );
    let r1 = sim.model.nodes()[r[1].index()].lpm_router().unwrap();
    assert_eq!(r1.table().routes()[0].net, Ipv4Net::new(a("10.2.0.1"), 32));
    sim.model.clear_host_route(a("10.2.0.1"));
    sim.run_until(SimTime::from_ms(10));
    let Report::Ping(p) = sim.model.app(app).report() else {
        panic!("a ping")
    };
    assert!(
        p.counters.packets_received >= 4,
        "answered again: {:?}",
        p.counters
    );
    assert_conserved(&sim.model);
}

/// A home agent's binding (RFC 5944): r2, home agent for 10.2.0.1, tunnels the echoes to the
/// care-of address 10.3.0.1 (h2) in IP-in-IP (RFC 2003): tshark sees ip.proto 4 with the
/// outer addresses agent → care-of and the inner echo to the home address, and the agent's
/// gratuitous ARP for the home address with its own MAC on the home link. h2 has nothing to
/// decapsulate, so it counts them `no_listener`; r2 counts what it tunnelled.
#[test]
fn binding_tunnels_to_the_care_of_address() {
    let Routed { mut b, h, r } = routed();
    ping(&mut b, h[0], a("10.2.0.1"), 7);
    let dir = tempfile::tempdir().expect("temp dir");
    let (p_coa, p_home) = (dir.path().join("h2.pcap"), dir.path().join("h1.pcap"));
    b.trace(h[2], 0, &p_coa, 0).expect("tap");
    b.trace(h[1], 0, &p_home, 0).expect("tap");
    let mut sim = Simulation::new(b.build().expect("valid network"));
    sim.model.schedule_apps(&mut sim.scheduler);
    assert!(sim.model.set_binding(
        &mut sim.scheduler,
        r[2],
        a("10.2.0.1"),
        a("10.3.0.1"),
        TunnelKind::IpIp
    ));
    sim.run_until(SimTime::from_us(5_500));
    sim.model.finish_taps().expect("pcap");
    let net = &sim.model;
    let st = net.nodes()[r[2].index()].lpm_router().unwrap().stats();
    assert_eq!(st.tunnelled_packets, 6, "six echoes tunnelled");
    assert_eq!(st.tunnelled_bytes, 6 * (98 + 20), "each 20 bytes longer");
    assert_eq!(net.fates().no_listener, 6, "h2 cannot decapsulate");
    let tun = tshark(&p_coa, "ip.proto == 4", &["ip.src", "ip.dst"]);
    assert_eq!(tun.len(), 6);
    assert_eq!(
        tun[0], "10.2.0.254,10.1.0.1\t10.3.0.1,10.2.0.1",
        "outer, inner"
    );
    let garp = tshark(
        &p_home,
        "arp.isgratuitous == 1 && arp.opcode == 1",
        &["arp.src.proto_ipv4", "arp.src.hw_mac"],
    );
    assert_eq!(garp, vec!["10.2.0.1\t00:00:5e:00:01:01".to_string()]);
    assert_conserved(net);
}
