//! A router as Mobile IP home agent (RFC 5944 §3.8), driven from outside net-stack by a host
//! plane standing for a hypervisor: registrations over UDP 434 with real bytes, checked by
//! HMAC-MD5, answered with code 0 or 131, and read back through tshark's `mip` dissector.

use std::any::Any;
use std::net::Ipv4Addr;
use std::process::Command;

use net_stack::arp::ArpConfig;
use net_stack::host_plane::{HostCommand, HostCtx, HostDrop, HostPlane, HostSetup, HostVerdict};
use net_stack::router::{HomeAgent, HostSubnet};
use net_stack::routing::lpm::{Hop, Ipv4Net};
use net_stack::wire::mip::{
    MIP_PORT, MipSecurity, RegistrationReply, RegistrationRequest, RequestFlags,
};
use net_stack::wire::{L4, Packet, TunnelKind};
use net_stack::{LinkConfig, NetworkBuilder, NodeId};
use sim_core::{DataRate, QueueLimit, RngStreams, SimTime, Simulation};

fn a(s: &str) -> Ipv4Addr {
    s.parse().expect("an address")
}

/// Sends, when commanded, one request with the run's key and one with another key, from
/// `from`; records the reply codes it receives there.
struct Hypervisor {
    from: NodeId,
    ha: Ipv4Addr,
    codes: Vec<(u64, u8)>,
}

impl Hypervisor {
    fn request(&self, id: u64) -> RegistrationRequest {
        RegistrationRequest {
            flags: RequestFlags {
                decapsulation: true,
                ..Default::default()
            },
            lifetime: 600,
            home_address: a("10.2.0.1"),
            home_agent: self.ha,
            care_of: a("10.3.0.1"),
            identification: id,
        }
    }
}

impl HostPlane for Hypervisor {
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
                self.codes.push((r.identification, r.code));
                HostVerdict::Drop(HostDrop::Consumed)
            }
            _ => HostVerdict::Pass,
        }
    }
    fn on_command(&mut self, ctx: &mut HostCtx<'_>, _cmd: HostCommand) -> bool {
        let good = self.request(1).emit(&MipSecurity::default());
        let forged = self.request(2).emit(&MipSecurity {
            spi: 256,
            key: [0x55; 16],
        });
        ctx.send_udp(self.from, self.ha, (MIP_PORT, MIP_PORT), good);
        ctx.send_udp(self.from, self.ha, (MIP_PORT, MIP_PORT), forged);
        true
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// h0 (10.1.0.1/24) — r0 — r1 — r2 — h2 (10.3.0.1/24); r1, the middle router without an
/// interface, is the home agent at the loopback 10.0.0.9 (r0 and r2 get a /32 for it). h2's
/// hypervisor registers 10.2.0.1 twice: with the shared key (accepted, code 0: r1 then holds
/// a /32 tunnel route to the care-of address 10.3.0.1 from 10.0.0.9) and with a forged one
/// (refused, code 131, RFC 5944 §3.4). tshark reads both requests and replies at h2; every
/// packet is accounted for (the replies count as delivered).
#[test]
fn home_agent_accepts_authentic_and_refuses_forged_registrations() {
    let link = LinkConfig {
        rate: DataRate::gbps(1),
        delay: SimTime::from_us(10),
        queue: QueueLimit::Packets(100),
        loss: 0.0,
        aqm: Default::default(),
    };
    let mut b = NetworkBuilder::new(RngStreams::new(5));
    let h0 = b.add_host("h0", a("10.1.0.1"));
    let h2 = b.add_host("h2", a("10.3.0.1"));
    let r: Vec<_> = (0..3).map(|i| b.add_lpm_router(&format!("r{i}"))).collect();
    b.connect(h0, r[0], link);
    b.connect(h2, r[2], link);
    b.connect(r[0], r[1], link);
    b.connect(r[1], r[2], link);
    b.router_interface(r[0], 0, Ipv4Net::new(a("10.1.0.254"), 24), true);
    b.router_interface(r[2], 0, Ipv4Net::new(a("10.3.0.254"), 24), true);
    for (host, ip, gw) in [
        (h0, "10.1.0.1", "10.1.0.254"),
        (h2, "10.3.0.1", "10.3.0.254"),
    ] {
        let subnet = HostSubnet {
            net: Ipv4Net::new(a(ip), 24),
            gateway: a(gw),
        };
        b.host_subnet(host, subnet);
    }
    b.arp(ArpConfig::default());
    let ha = a("10.0.0.9");
    b.home_agent(
        r[1],
        HomeAgent {
            address: ha,
            security: MipSecurity::default(),
            clamp_mss: true,
            tunnel_overhead: 0,
        },
    );
    b.host_plane(Box::new(Hypervisor {
        from: h2,
        ha,
        codes: Vec::new(),
    }));
    let dir = tempfile::tempdir().expect("temp dir");
    let pcap = dir.path().join("h2.pcap");
    b.trace(h2, 0, &pcap, 0).expect("tap");
    let mut sim = Simulation::new(b.build().expect("valid network"));
    sim.model.schedule_apps(&mut sim.scheduler);
    assert!(
        sim.model
            .host_command(&mut sim.scheduler, HostCommand::PauseGuest(h2))
    );
    sim.run_until(SimTime::from_ms(5));
    sim.model.finish_taps().expect("pcap");
    let net = &sim.model;
    let plane = net.host_plane(0).unwrap().as_any();
    let hv = plane.downcast_ref::<Hypervisor>().unwrap();
    assert_eq!(hv.codes, vec![(1, 0), (2, 131)], "accepted, then refused");
    let r1 = net.nodes()[r[1].index()].lpm_router().unwrap();
    assert_eq!(r1.stats().registrations, 1);
    let route = r1.table().lookup(a("10.2.0.1")).expect("the binding");
    assert_eq!(
        route.hop,
        Hop::Tunnel {
            care_of: a("10.3.0.1"),
            src: ha,
            kind: TunnelKind::IpIp
        }
    );
    let r0 = net.nodes()[r[0].index()].lpm_router().unwrap();
    assert_eq!(
        r0.table().lookup(ha).map(|r| r.net),
        Some(Ipv4Net::new(ha, 32)),
        "the loopback's /32"
    );
    let f = net.fates();
    assert_eq!(
        f.entered(),
        f.settled() + net.packets_in_flight() as u64,
        "{f:?}"
    );
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args(["-Y", "udp.port == 434", "-T", "fields"])
        .args(["-e", "mip.type", "-e", "mip.code", "-e", "mip.haaddr"])
        .output()
        .expect("tshark runs");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        vec![
            "1\t\t10.0.0.9",
            "1\t\t10.0.0.9",
            "3\t0\t10.0.0.9",
            "3\t131\t10.0.0.9"
        ],
        "two requests out, two replies in"
    );
}

/// Registers 10.2.0.1 at the first command, deregisters it (care-of = home, lifetime 0, RFC
/// 5944 §3.6.1.1) at the second; records (identification, code, lifetime) of the replies.
struct Returning {
    from: NodeId,
    ha: Ipv4Addr,
    sent: u64,
    replies: Vec<(u64, u8, u16)>,
}

impl HostPlane for Returning {
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
        self.sent += 1;
        let home = a("10.2.0.1");
        let back = self.sent == 2;
        let req = RegistrationRequest {
            flags: RequestFlags {
                decapsulation: true,
                ..Default::default()
            },
            lifetime: if back { 0 } else { 600 },
            home_address: home,
            home_agent: self.ha,
            care_of: if back { home } else { a("10.3.0.1") },
            identification: self.sent,
        };
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

/// Issue 17 (RFC 5944 §3.8.3.2): a mobile node back home deregisters with lifetime 0 and its
/// home address as care-of address; the agent accepts (code 0, lifetime 0 in the reply),
/// counts it, and removes the binding: its /32 tunnel route is gone, so packets for the home
/// address follow the subnet route again and proxy ARP (which follows the table) stops.
/// h0 — r0 — r1 — r2 — h2 as above, with r0 the home agent on the home subnet 10.2.0.0/24
/// (its interface 10.2.0.254 on a third port, towards h1 = 10.2.0.1's home).
#[test]
fn home_agent_removes_the_binding_on_deregistration() {
    let link = LinkConfig {
        rate: DataRate::gbps(1),
        delay: SimTime::from_us(10),
        queue: QueueLimit::Packets(100),
        loss: 0.0,
        aqm: Default::default(),
    };
    let mut b = NetworkBuilder::new(RngStreams::new(5));
    let h0 = b.add_host("h0", a("10.1.0.1"));
    let h2 = b.add_host("h2", a("10.3.0.1"));
    let h1 = b.add_host("h1", a("10.2.0.2"));
    let r: Vec<_> = (0..3).map(|i| b.add_lpm_router(&format!("r{i}"))).collect();
    b.connect(h0, r[0], link);
    b.connect(h2, r[2], link);
    b.connect(r[0], r[1], link);
    b.connect(r[1], r[2], link);
    b.connect(h1, r[0], link);
    b.router_interface(r[0], 0, Ipv4Net::new(a("10.1.0.254"), 24), true);
    b.router_interface(r[0], 2, Ipv4Net::new(a("10.2.0.254"), 24), true);
    b.router_interface(r[2], 0, Ipv4Net::new(a("10.3.0.254"), 24), true);
    for (host, ip, gw) in [
        (h0, "10.1.0.1", "10.1.0.254"),
        (h2, "10.3.0.1", "10.3.0.254"),
        (h1, "10.2.0.2", "10.2.0.254"),
    ] {
        let subnet = HostSubnet {
            net: Ipv4Net::new(a(ip), 24),
            gateway: a(gw),
        };
        b.host_subnet(host, subnet);
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
    b.host_plane(Box::new(Returning {
        from: h2,
        ha,
        sent: 0,
        replies: Vec::new(),
    }));
    let mut sim = Simulation::new(b.build().expect("valid network"));
    sim.model.schedule_apps(&mut sim.scheduler);
    let cmd = HostCommand::PauseGuest(h2);
    assert!(sim.model.host_command(&mut sim.scheduler, cmd));
    sim.run_until(SimTime::from_ms(5));
    let home = a("10.2.0.1");
    let router = |sim: &Simulation<net_stack::Network>| {
        sim.model.nodes()[r[0].index()]
            .lpm_router()
            .unwrap()
            .clone()
    };
    let r0 = router(&sim);
    assert_eq!(r0.stats().registrations, 1);
    assert!(
        matches!(
            r0.table().lookup(home).map(|r| r.hop.clone()),
            Some(Hop::Tunnel { .. })
        ),
        "bound: a /32 tunnel route"
    );
    assert!(sim.model.host_command(&mut sim.scheduler, cmd));
    sim.run_until(SimTime::from_ms(10));
    let r0 = router(&sim);
    assert_eq!(r0.stats().deregistrations, 1);
    assert_eq!(
        r0.stats().registrations,
        1,
        "a deregistration binds nothing"
    );
    let route = r0.table().lookup(home).expect("the home subnet");
    assert_eq!(
        (route.net, route.hop.clone()),
        (Ipv4Net::new(a("10.2.0.0"), 24), Hop::Connected(2)),
        "the subnet route again: no tunnel, no proxy ARP for the home address"
    );
    let plane = sim.model.host_plane(0).unwrap().as_any();
    let hv = plane.downcast_ref::<Returning>().unwrap();
    assert_eq!(hv.replies, vec![(1, 0, 600), (2, 0, 0)], "accepted both");
    let f = sim.model.fates();
    assert_eq!(
        f.entered(),
        f.settled() + sim.model.packets_in_flight() as u64,
        "{f:?}"
    );
}
