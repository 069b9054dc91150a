//! A host plane that tunnels, used from outside net-stack: the two seams of issue 15 together
//! (a host-side plane, and encapsulation in the packet model).
//!
//! h0 pings h2 across a router. A plane on h0 wraps every echo request in a tunnel to h2
//! (IP-in-IP, GRE with a key, or VXLAN) and a plane on h2 takes the tunnel off before the
//! NIC sees the frame, as a hypervisor's virtual switch does for its VMs (seed 003). The
//! replies come back untunnelled. What must hold: every request is answered; the router
//! forwards by the outer header (its TTL drops, the inner one does not); tshark decodes the
//! tunnel on the wire with valid checksums and the frame is longer by exactly the tunnel's
//! headers; and every packet is accounted for.

use std::any::Any;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Command;

use net_stack::LinkConfig;
use net_stack::apps::{Ping, PingParams};
use net_stack::host_plane::{HostCtx, HostPlane, HostSetup, HostVerdict};
use net_stack::report::Report;
use net_stack::wire::{L3, Packet, TunnelKind, Vni};
use net_stack::{AppId, Network, NetworkBuilder, NodeId};
use sim_core::{DataRate, RngStreams, SimTime, Simulation};

const H0: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const H2: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 1);
const REQUESTS: u32 = 20;

/// Tunnels h0's sends to H2, and takes tunnels off at h2.
struct Tunneller {
    kind: TunnelKind,
    from: NodeId,
    to: NodeId,
    wrapped: u32,
    unwrapped: u32,
}

impl HostPlane for Tunneller {
    fn start(&mut self, setup: &mut HostSetup<'_>) {
        setup.hook_send(self.from);
        setup.hook_receive(self.to);
    }
    fn on_send(&mut self, _ctx: &mut HostCtx<'_>, _node: NodeId, pkt: &mut Packet) -> HostVerdict {
        if pkt.ipv4().is_some_and(|ip| ip.dst == H2) {
            pkt.encapsulate(self.kind, H0, H2).expect("one level");
            self.wrapped += 1;
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
        // The outer Ethernet header was addressed to this NIC; the inner one (VXLAN) carries
        // what the sender's plane saw before ARP, so the switch addresses it to the NIC again.
        let (dst, src) = (pkt.eth.dst, pkt.eth.src);
        if pkt.decapsulate().is_some() {
            pkt.eth.dst = dst;
            pkt.eth.src = src;
            self.unwrapped += 1;
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

fn link() -> LinkConfig {
    LinkConfig::new(DataRate::gbps(1), SimTime::from_us(10))
}

/// Runs the ping through `kind`; returns the simulation, the pcap of h0's link and the ping.
fn run(
    kind: TunnelKind,
    tag: &str,
    dir: &Path,
) -> (Simulation<Network>, std::path::PathBuf, AppId) {
    let mut b = NetworkBuilder::new(RngStreams::new(3));
    let h0 = b.add_host("h0", H0);
    let h2 = b.add_host("h2", H2);
    let r = b.add_router("r");
    b.connect(h0, r, link());
    b.connect(h2, r, link());
    let params = PingParams {
        interval: SimTime::from_ms(1),
        count: Some(u64::from(REQUESTS)),
        ..PingParams::default()
    };
    let p = b.add_app(
        h0,
        0,
        Box::new(Ping::new(params.config(H2, 1))),
        SimTime::ZERO,
        None,
    );
    b.bind_icmp(p, 1).unwrap();
    b.host_plane(Box::new(Tunneller {
        kind,
        from: h0,
        to: h2,
        wrapped: 0,
        unwrapped: 0,
    }));
    let pcap = dir.join(format!("{tag}-h0.pcap"));
    b.trace(h0, 0, &pcap, 65535).unwrap();
    let mut sim = Simulation::new(b.build().expect("valid network"));
    sim.model.schedule_apps(&mut sim.scheduler);
    sim.run_until(SimTime::from_ms(50));
    sim.model.finish_taps().unwrap();
    (sim, pcap, p)
}

fn tshark(pcap: &Path, filter: &str, fields: &[&str]) -> Vec<String> {
    let checks = [
        "-o",
        "ip.check_checksum:TRUE",
        "-o",
        "udp.check_checksum:TRUE",
    ];
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(pcap).args(checks).args(["-T", "fields"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd
        .args(["-Y", filter])
        .output()
        .expect("tshark is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bad = Command::new("tshark")
        .arg("-r")
        .arg(pcap)
        .args(checks)
        .args(["-Y", "_ws.malformed || _ws.expert.severity >= warning"])
        .output()
        .unwrap();
    assert!(
        bad.stdout.is_empty(),
        "tshark flags: {}",
        String::from_utf8_lossy(&bad.stdout)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_host_plane_tunnels_pings_through_a_router() {
    let dir = tempfile::tempdir().unwrap();
    // (kind, name, tshark filter for the tunnel, bytes the tunnel adds to a frame)
    let cases = [
        (TunnelKind::IpIp, "ipip", "ip.proto == 4", 20),
        (
            TunnelKind::Gre { key: Some(77) },
            "gre",
            "gre && gre.key == 77",
            20 + 8,
        ),
        (
            TunnelKind::Vxlan {
                vni: Vni::new(5001).unwrap(),
            },
            "vxlan",
            "vxlan.vni == 5001",
            14 + 20 + 8 + 8,
        ),
    ];
    for (kind, tag, filter, overhead) in cases {
        let (sim, pcap, p) = run(kind, tag, dir.path());
        let net = &sim.model;
        let Report::Ping(ping) = net.app(p).report() else {
            panic!("a ping reports as one")
        };
        assert_eq!(
            (ping.counters.packets_sent, ping.counters.packets_received),
            (u64::from(REQUESTS), u64::from(REQUESTS)),
            "{tag}: every request answered"
        );
        let plane = net
            .host_plane(0)
            .unwrap()
            .as_any()
            .downcast_ref::<Tunneller>()
            .unwrap();
        assert_eq!(
            (plane.wrapped, plane.unwrapped),
            (REQUESTS, REQUESTS),
            "{tag}"
        );
        let f = net.fates();
        assert_eq!(f.created, 2 * u64::from(REQUESTS), "{tag}: {f:?}");
        assert_eq!(f.delivered, f.created, "{tag}: nothing lost: {f:?}");
        assert_eq!(net.packets_in_flight(), 0);

        // On h0's wire the requests are tunnelled (outer TTL 64 leaving h0), the replies not;
        // a request is longer than its reply by exactly the tunnel's headers.
        let requests = tshark(
            &pcap,
            &format!("{filter} && icmp.type == 8"),
            &["frame.len", "ip.ttl"],
        );
        let replies = tshark(
            &pcap,
            &format!("!({filter}) && icmp.type == 0"),
            &["frame.len", "ip.ttl"],
        );
        // One capture per direction of the tap: requests leave, replies arrive.
        assert_eq!(requests.len(), REQUESTS as usize, "{tag}: {requests:?}");
        assert_eq!(replies.len(), REQUESTS as usize, "{tag}: {replies:?}");
        let len = |row: &str| row.split('\t').next().unwrap().parse::<usize>().unwrap();
        assert_eq!(len(&requests[0]), len(&replies[0]) + overhead, "{tag}");
        // tshark lists the TTL of each IPv4 header, outer first: the outer leaves h0 at 64, the
        // inner is 64 too (the router will decrement only the outer one).
        assert!(requests[0].ends_with("\t64,64"), "{tag}: {}", requests[0]);
        // The reply left h2 at 64 and crossed the router once.
        assert!(replies[0].ends_with("\t63"), "{tag}: {}", replies[0]);
    }
}

/// The router forwards a tunnelled packet by its outer header: at h2 the outer TTL is one less,
/// the inner untouched. Checked on the packet itself, as h2's plane sees it.
#[test]
fn the_router_decrements_the_outer_ttl_only() {
    struct Seen(Vec<(u8, u8)>);
    struct Probe {
        to: NodeId,
        from: NodeId,
        seen: std::rc::Rc<std::cell::RefCell<Seen>>,
    }
    impl HostPlane for Probe {
        fn start(&mut self, setup: &mut HostSetup<'_>) {
            setup.hook_send(self.from);
            setup.hook_receive(self.to);
        }
        fn on_send(&mut self, _c: &mut HostCtx<'_>, _n: NodeId, pkt: &mut Packet) -> HostVerdict {
            if pkt.ipv4().is_some_and(|ip| ip.dst == H2) {
                pkt.encapsulate(TunnelKind::IpIp, H0, H2).unwrap();
            }
            HostVerdict::Pass
        }
        fn on_receive(
            &mut self,
            _c: &mut HostCtx<'_>,
            _h: NodeId,
            _p: u16,
            pkt: &mut Packet,
        ) -> HostVerdict {
            if let Some(e) = pkt.decapsulate() {
                let L3::Ipv4(inner) = pkt.l3 else {
                    panic!("IPv4 inside")
                };
                self.seen.borrow_mut().0.push((e.outer.ttl, inner.ttl));
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
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Seen(Vec::new())));
    let mut b = NetworkBuilder::new(RngStreams::new(3));
    let h0 = b.add_host("h0", H0);
    let h2 = b.add_host("h2", H2);
    let r = b.add_router("r");
    b.connect(h0, r, link());
    b.connect(h2, r, link());
    let params = PingParams {
        count: Some(3),
        ..PingParams::default()
    };
    let p = b.add_app(
        h0,
        0,
        Box::new(Ping::new(params.config(H2, 1))),
        SimTime::ZERO,
        None,
    );
    b.bind_icmp(p, 1).unwrap();
    b.host_plane(Box::new(Probe {
        to: h2,
        from: h0,
        seen: seen.clone(),
    }));
    let mut sim = Simulation::new(b.build().unwrap());
    sim.model.schedule_apps(&mut sim.scheduler);
    sim.run_until(SimTime::from_secs(1));
    assert_eq!(seen.borrow().0, vec![(63, 64); 3]);
}
