//! Tunnelled packets on the per-hop path: routed, hashed and TTL-decremented by their outer
//! header; counted at a host with nothing to decapsulate them.

use std::net::Ipv4Addr;

use sim_core::{RngStreams, SimTime, Simulation};

use super::Network;
use super::forward::flow_hash;
use crate::routing::Ecmp;
use crate::wire::{
    EtherType, EthernetRepr, IpProtocol, Ipv4Repr, L3, L4, Packet, PacketMeta, TunnelKind, UdpRepr,
    VlanStack,
};
use crate::{LinkConfig, NetworkBuilder, NodeId};

const H1: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const H2: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const H3: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 3);

/// A UDP packet from `src` to `dst` (ports 1000 → `dport`), 100 payload bytes.
fn udp(src: Ipv4Addr, dst: Ipv4Addr, dport: u16) -> Packet {
    Packet {
        eth: EthernetRepr {
            dst: Default::default(),
            src: Default::default(),
            vlan: VlanStack::EMPTY,
            ethertype: EtherType::Ipv4,
        },
        l3: L3::Ipv4(Ipv4Repr {
            src,
            dst,
            protocol: IpProtocol::Udp,
            ttl: 64,
            ident: 0,
            tos: 0,
            dont_fragment: false,
        }),
        l4: L4::Udp(UdpRepr {
            src_port: 1000,
            dst_port: dport,
        }),
        payload_len: 100,
        encap: None,
        meta: PacketMeta {
            uid: 0,
            flow: 0,
            created: SimTime::ZERO,
        },
    }
}

/// Puts `pkt` on the network at host `from`, as its IP layer would send it.
fn inject(sim: &mut Simulation<Network>, from: NodeId, pkt: Packet) {
    let net = &mut sim.model;
    net.fates.created += 1;
    let id = net.packets.insert(pkt);
    net.route_and_send(&mut sim.scheduler, from, id);
}

/// h1 — r1 — r2 — {h2, h3}, with a capture of h2's link at `pcap`.
fn chain(pcap: &std::path::Path) -> (Simulation<Network>, [NodeId; 3], [NodeId; 2]) {
    let mut b = NetworkBuilder::new(RngStreams::new(1));
    let hosts = [
        b.add_host("h1", H1),
        b.add_host("h2", H2),
        b.add_host("h3", H3),
    ];
    let routers = [b.add_router("r1"), b.add_router("r2")];
    let l = LinkConfig::default();
    b.connect(hosts[0], routers[0], l);
    b.connect(routers[0], routers[1], l);
    b.connect(routers[1], hosts[1], l);
    b.connect(routers[1], hosts[2], l);
    b.trace(hosts[1], 0, pcap, 0).expect("pcap");
    (Simulation::new(b.build().expect("valid")), hosts, routers)
}

/// A packet from h1 whose inner destination is h3 but whose tunnel ends at h2 goes to h2:
/// routers forward on the outer destination, decrement the outer TTL only (64 → 62 over two
/// routers; the inner stays 64, RFC 2003 §3.1), and the link carries the outer header's 20
/// extra bytes. h2, with nothing to decapsulate, counts it as `no_listener`; nothing reaches
/// h3 and nothing is unroutable.
#[test]
fn routed_by_outer_destination() {
    let path = std::env::temp_dir().join(format!("netsim-tunnel-{}.pcap", std::process::id()));
    let (mut sim, hosts, _) = chain(&path);
    let mut pkt = udp(H1, H3, 9);
    pkt.encapsulate(TunnelKind::IpIp, H1, H2).unwrap();
    let len = pkt.frame_len();
    assert_eq!(len, 14 + 20 + 20 + 8 + 100);
    inject(&mut sim, hosts[0], pkt);
    sim.run_until(SimTime::from_ms(10));
    sim.model.finish_taps().expect("pcap written");
    let f = sim.model.fates();
    assert_eq!(
        (
            f.created,
            f.no_listener,
            f.unroutable,
            f.delivered,
            f.ttl_expired
        ),
        (1, 1, 0, 0, 0),
        "one packet, dropped at h2 for want of a decapsulator: {f:?}"
    );
    let bytes = std::fs::read(&path).expect("pcap");
    std::fs::remove_file(&path).ok();
    // One record after the 24-byte file header and its 16-byte record header.
    let frame = &bytes[24 + 16..];
    assert_eq!(frame.len(), len, "one whole frame on h2's link");
    assert_eq!(frame[14 + 9], 4, "outer protocol IP-in-IP");
    assert_eq!(frame[14 + 8], 62, "outer TTL after two routers");
    assert_eq!(frame[34 + 8], 64, "inner TTL untouched");
    assert_eq!(
        &frame[14 + 16..14 + 20],
        &H2.octets(),
        "outer destination h2"
    );
    assert_eq!(
        &frame[34 + 16..34 + 20],
        &H3.octets(),
        "inner destination h3"
    );
}

/// At a host, a tunnel packet meets the NIC filter like any frame (`filtered` when addressed
/// to another MAC), then counts as `no_listener` when the tunnel ends at this host and as
/// `unroutable` when it ends elsewhere (hosts do not forward) — whatever the inner header says.
#[test]
fn host_verdicts_on_tunnel_packets() {
    let path = std::env::temp_dir().join(format!("netsim-tunnel2-{}.pcap", std::process::id()));
    let (mut sim, hosts, _) = chain(&path);
    std::fs::remove_file(&path).ok();
    let h3 = hosts[2];
    let dev = sim.model.nodes()[h3.index()].devices[0];
    let mac = sim.model.devices()[dev.index()].mac;
    let cases = [
        (H3, mac, "no_listener"),
        (H2, mac, "unroutable"),
        (H3, crate::wire::MacAddr::from_index(999), "filtered"),
    ];
    for (outer_dst, eth_dst, fate) in cases {
        // The inner packet is for h3 and for a port nobody listens on either way.
        let mut pkt = udp(H1, H3, 9);
        pkt.encapsulate(TunnelKind::Gre { key: None }, H1, outer_dst)
            .unwrap();
        pkt.eth.dst = eth_dst;
        let before = sim.model.fates();
        let id = sim.model.packets.insert(pkt);
        sim.model.host_receive(&mut sim.scheduler, h3, dev, id);
        let after = sim.model.fates();
        let got = [
            ("no_listener", after.no_listener - before.no_listener),
            ("unroutable", after.unroutable - before.unroutable),
            ("filtered", after.filtered - before.filtered),
        ];
        for (name, n) in got {
            assert_eq!(n, u64::from(name == fate), "outer dst {outer_dst}: {name}");
        }
        assert_eq!(sim.model.packets_in_flight(), 0, "the packet is gone");
    }
}

/// l — r0 ⇉ {a, b} ⇉ r3 — m: two equal-cost paths, per-flow ECMP.
fn diamond() -> (Simulation<Network>, NodeId, [NodeId; 2], NodeId) {
    let mut b = NetworkBuilder::new(RngStreams::new(1));
    b.ecmp(Ecmp::PerFlow);
    let (l, m) = (b.add_host("l", H1), b.add_host("m", H2));
    let (r0, r3) = (b.add_router("r0"), b.add_router("r3"));
    let mid = [b.add_router("a"), b.add_router("b")];
    let c = LinkConfig::default();
    b.connect(l, r0, c);
    for &x in &mid {
        b.connect(r0, x, c);
        b.connect(x, r3, c);
    }
    b.connect(r3, m, c);
    (Simulation::new(b.build().expect("valid")), l, mid, r0)
}

/// Per-flow ECMP hashes the outer header: one inner flow carried by 64 tunnels with
/// different outer sources spreads over both paths, while 64 different inner flows inside one
/// tunnel all take the same path (the inner ports are invisible to routers).
#[test]
fn ecmp_hashes_the_outer_header() {
    let tx = |sim: &Simulation<Network>, mid: [NodeId; 2]| -> Vec<u64> {
        mid.iter()
            .map(|&x| {
                let d = sim.model.nodes()[x.index()].devices[1];
                sim.model.devices()[d.index()].wire.tx_packets
            })
            .collect()
    };
    let (mut sim, l, mid, r0) = diamond();
    for i in 0..64u8 {
        let mut pkt = udp(H1, H2, 9);
        let outer_src = Ipv4Addr::new(192, 168, 0, i);
        pkt.encapsulate(TunnelKind::IpIp, outer_src, H2).unwrap();
        inject(&mut sim, l, pkt);
    }
    sim.run_until(SimTime::from_ms(50));
    let spread = tx(&sim, mid);
    assert_eq!(spread.iter().sum::<u64>(), 64, "all forwarded: {spread:?}");
    assert!(spread.iter().all(|&n| n > 0), "tunnels spread: {spread:?}");

    let (mut sim, l, mid, _) = diamond();
    for i in 0..64u16 {
        let mut pkt = udp(H1, H2, 9000 + i);
        pkt.encapsulate(TunnelKind::Gre { key: Some(5) }, H1, H2)
            .unwrap();
        inject(&mut sim, l, pkt);
    }
    sim.run_until(SimTime::from_ms(50));
    let one = tx(&sim, mid);
    assert!(one.contains(&64), "one tunnel, one path: {one:?}");

    // The hash itself: inner ports never change it.
    let mut a = udp(H1, H2, 9);
    a.encapsulate(TunnelKind::IpIp, H1, H2).unwrap();
    let mut b = udp(H1, H2, 10);
    b.encapsulate(TunnelKind::IpIp, H1, H2).unwrap();
    assert_eq!(
        flow_hash(&a, r0),
        flow_hash(&b, r0),
        "inner ports invisible"
    );
}

/// VXLAN packets carry the inner flow's entropy in the outer UDP source port (RFC 7348 §5):
/// different inner flows between the same two endpoints spread over both paths.
#[test]
fn vxlan_source_port_spreads_inner_flows() {
    let (mut sim, l, mid, _) = diamond();
    for i in 0..64u16 {
        let mut pkt = udp(H1, H2, 9000 + i);
        let vni = crate::wire::Vni::new(1).unwrap();
        pkt.encapsulate(TunnelKind::Vxlan { vni }, H1, H2).unwrap();
        let port = pkt.vxlan_src_port().unwrap();
        assert!(port >= 49152, "dynamic range: {port}");
        inject(&mut sim, l, pkt);
    }
    sim.run_until(SimTime::from_ms(50));
    let spread: Vec<u64> = mid
        .iter()
        .map(|&x| {
            let d = sim.model.nodes()[x.index()].devices[1];
            sim.model.devices()[d.index()].wire.tx_packets
        })
        .collect();
    assert!(
        spread.iter().all(|&n| n > 0),
        "VXLAN flows spread: {spread:?}"
    );
}
