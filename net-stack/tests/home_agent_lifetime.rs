//! A home agent's binding lifetime (RFC 5944 §3.3, §3.8.3), driven from outside net-stack by
//! a host plane standing for a hypervisor: an accepted registration binds the home address for
//! the lifetime asked for, a renewal before the end extends it, and at the end the agent
//! forgets the binding (the tunnel route, and with it the proxy ARP); 65,535 s is infinity.

use std::any::Any;
use std::net::Ipv4Addr;

use net_stack::arp::ArpConfig;
use net_stack::host_plane::{HostCommand, HostCtx, HostDrop, HostPlane, HostSetup, HostVerdict};
use net_stack::router::{HomeAgent, HostSubnet, LpmRouter};
use net_stack::routing::lpm::{Hop, Ipv4Net};
use net_stack::wire::mip::{
    INFINITE_LIFETIME, MIP_PORT, MipSecurity, RegistrationReply, RegistrationRequest, RequestFlags,
};
use net_stack::wire::{L4, Packet};
use net_stack::{LinkConfig, Network, NetworkBuilder, NodeId};
use sim_core::{DataRate, QueueLimit, RngStreams, SimTime, Simulation};

fn a(s: &str) -> Ipv4Addr {
    s.parse().expect("an address")
}

const HOME: &str = "10.2.0.1";

/// At each command, registers HOME with care-of 10.3.0.1 and the next lifetime of
/// `lifetimes`; records (identification, code, lifetime) of the replies.
struct Registrar {
    from: NodeId,
    ha: Ipv4Addr,
    lifetimes: Vec<u16>,
    sent: usize,
    replies: Vec<(u64, u8, u16)>,
}

impl HostPlane for Registrar {
    fn start(&mut self, setup: &mut HostSetup<'_>) {
        setup.hook_receive(self.from);
    }
    fn on_send(&mut self, _: &mut HostCtx<'_>, _: NodeId, _: &mut Packet) -> HostVerdict {
        HostVerdict::Pass
    }
    fn on_receive(
        &mut self,
        ctx: &mut HostCtx<'_>,
        _host: NodeId,
        _port: u16,
        pkt: &mut Packet,
    ) -> HostVerdict {
        match pkt.l4 {
            L4::Udp(u) if u.src_port == MIP_PORT => {
                let bytes = ctx.payload(pkt).expect("a registration carries bytes");
                let r = RegistrationReply::parse(bytes, &MipSecurity::default()).expect("valid");
                self.replies.push((r.identification, r.code, r.lifetime));
                HostVerdict::Drop(HostDrop::Consumed)
            }
            _ => HostVerdict::Pass,
        }
    }
    fn on_command(&mut self, ctx: &mut HostCtx<'_>, _cmd: HostCommand) -> bool {
        let req = RegistrationRequest {
            flags: RequestFlags {
                decapsulation: true,
                ..Default::default()
            },
            lifetime: self.lifetimes[self.sent],
            home_address: a(HOME),
            home_agent: self.ha,
            care_of: a("10.3.0.1"),
            identification: self.sent as u64 + 1,
        };
        self.sent += 1;
        let bytes = req.emit(&MipSecurity::default());
        ctx.send_udp(self.from, self.ha, (MIP_PORT, MIP_PORT), bytes);
        true
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// h2 (10.3.0.1/24, the care-of host) — r2 — r1 — r0 (home agent 10.2.0.254 on the home
/// subnet 10.2.0.0/24 behind its port 1); 10 us links. Returns the simulation and r0.
fn bed(lifetimes: Vec<u16>) -> (Simulation<Network>, NodeId) {
    let link = LinkConfig {
        rate: DataRate::gbps(1),
        delay: SimTime::from_us(10),
        queue: QueueLimit::Packets(100),
        loss: 0.0,
        aqm: Default::default(),
    };
    let mut b = NetworkBuilder::new(RngStreams::new(5));
    let h2 = b.add_host("h2", a("10.3.0.1"));
    let h1 = b.add_host("h1", a("10.2.0.2"));
    let r: Vec<_> = (0..3).map(|i| b.add_lpm_router(&format!("r{i}"))).collect();
    b.connect(r[0], r[1], link);
    b.connect(h1, r[0], link);
    b.connect(r[1], r[2], link);
    b.connect(h2, r[2], link);
    b.router_interface(r[0], 1, Ipv4Net::new(a("10.2.0.254"), 24), true);
    b.router_interface(r[2], 1, Ipv4Net::new(a("10.3.0.254"), 24), true);
    for (host, ip, gw) in [
        (h2, "10.3.0.1", "10.3.0.254"),
        (h1, "10.2.0.2", "10.2.0.254"),
    ] {
        let net = Ipv4Net::new(a(ip), 24);
        b.host_subnet(
            host,
            HostSubnet {
                net,
                gateway: a(gw),
            },
        );
    }
    b.arp(ArpConfig::default());
    let ha = a("10.2.0.254");
    b.home_agent(
        r[0],
        HomeAgent {
            address: ha,
            security: MipSecurity::default(),
            clamp_mss: false,
            tunnel_overhead: 0,
        },
    );
    b.host_plane(Box::new(Registrar {
        from: h2,
        ha,
        lifetimes,
        sent: 0,
        replies: Vec::new(),
    }));
    let mut sim = Simulation::new(b.build().expect("valid network"));
    sim.model.schedule_apps(&mut sim.scheduler);
    (sim, r[0])
}

fn router(sim: &Simulation<Network>, r: NodeId) -> LpmRouter {
    sim.model.nodes()[r.index()].lpm_router().unwrap().clone()
}

fn bound(r: &LpmRouter) -> bool {
    matches!(
        r.table().lookup(a(HOME)).map(|r| r.hop.clone()),
        Some(Hop::Tunnel { .. })
    )
}

fn register(sim: &mut Simulation<Network>) {
    let cmd = HostCommand::PauseGuest(NodeId(0));
    assert!(sim.model.host_command(&mut sim.scheduler, cmd));
}

/// Issue 17, binding lifetime: registered at 0 for 2 s and renewed at 1.5 s for 2 s, the
/// binding holds past the first lifetime (2 s + the request's 3 hops) and expires exactly 2 s
/// after the renewal reached the agent; then packets for the home address follow the subnet
/// route again (no tunnel, no proxy ARP) and the agent counts one expiry.
#[test]
fn home_agent_expires_the_binding_at_its_lifetime_and_renewal_extends_it() {
    let (mut sim, r0) = bed(vec![2, 2]);
    register(&mut sim);
    sim.run_until(SimTime::from_ms(1500));
    assert!(bound(&router(&sim, r0)), "bound for 2 s");
    register(&mut sim);
    sim.run_until(SimTime::from_ms(3000));
    let r = router(&sim, r0);
    assert!(bound(&r), "renewed at 1.5 s: still bound at 3 s");
    // The request crosses three 1 Gbit/s hops: 3 × (10 us + its frame's serialisation).
    let frame_bits = (14 + 20 + 8 + 46) * 8;
    let hop_ps = 10_000_000 + frame_bits * 1000; // 10 us + bits at 1 bit/ns
    let arrival = SimTime::from_ms(1500) + SimTime::from_ps(3 * hop_ps);
    assert_eq!(
        r.binding_expires(a(HOME)),
        Some(arrival + SimTime::from_secs(2)),
        "counted from the renewal's arrival"
    );
    sim.run_until(SimTime::from_secs(5));
    let r = router(&sim, r0);
    assert!(!bound(&r), "expired");
    assert_eq!(r.stats().binding_expiries, 1);
    assert_eq!(r.stats().registrations, 2);
    assert_eq!(
        r.expired_bindings(),
        &[(a(HOME), arrival + SimTime::from_secs(2))]
    );
    let route = r.table().lookup(a(HOME)).expect("the home subnet");
    assert_eq!(
        (route.net, route.hop.clone()),
        (Ipv4Net::new(a("10.2.0.0"), 24), Hop::Connected(1)),
        "the subnet route again"
    );
    let plane = sim.model.host_plane(0).unwrap().as_any();
    let reg = plane.downcast_ref::<Registrar>().unwrap();
    assert_eq!(reg.replies, vec![(1, 0, 2), (2, 0, 2)], "granted as asked");
}

/// RFC 5944 §3.3: a lifetime of 65,535 s is infinity; the binding is there a day later.
#[test]
fn an_infinite_lifetime_never_expires() {
    let (mut sim, r0) = bed(vec![INFINITE_LIFETIME]);
    register(&mut sim);
    sim.run_until(SimTime::from_secs(86_400));
    let r = router(&sim, r0);
    assert!(bound(&r));
    assert_eq!(r.binding_expires(a(HOME)), None);
    assert_eq!(r.stats().binding_expiries, 0);
}
