//! The vCDN app on the harness's k = 4 fat-tree: host h(2e+i) on edge switch e (dpid e + 1),
//! port i + 1; pods of two edge switches.

use net_stack::wire::{EthernetRepr, Ipv4Repr, PacketMeta, TcpRepr};

use super::*;
use crate::controller::AppKind;
use crate::controller::harness::Harness;

const SERVICE: Ipv4Addr = Ipv4Addr::new(10, 250, 0, 1);
const PORT: u16 = 80;

/// A replica on harness host `h` (where the harness placed it), joining at `start`.
fn replica(h: &Harness, host: usize, start: SimTime) -> VcdnReplica {
    let (sw, port) = h.hosts[host].at;
    VcdnReplica {
        name: format!("h{host}"),
        ip: h.hosts[host].ip,
        mac: h.hosts[host].mac,
        switch: h.topo.switches[sw].name.clone(),
        port,
        start,
    }
}

/// The harness running a vCDN whose replicas are `replicas` (host, start).
fn harness(replicas: &[(usize, SimTime)]) -> Harness {
    // Placement only: a throwaway harness tells where the hosts are.
    let probe = Harness::with_ports(AppKind::ShortestPath, None, 6);
    let list: Vec<VcdnReplica> = (replicas.iter())
        .map(|&(host, start)| replica(&probe, host, start))
        .collect();
    Harness::with_app(
        move |topo| {
            let cfg = VcdnConfig {
                service: Some(SERVICE),
                replicas: list,
            };
            Box::new(Vcdn::new(topo, AppConfig::default(), cfg))
        },
        None,
        6,
    )
}

fn app(h: &Harness) -> &Vcdn {
    h.ctl.app().as_any().downcast_ref::<Vcdn>().expect("vcdn")
}

/// A TCP segment (src address, port) → (dst address, port) from `eth_src` to `eth_dst`.
fn segment(
    h: &mut Harness,
    (eth_src, eth_dst): (MacAddr, MacAddr),
    src: (Ipv4Addr, u16),
    dst: (Ipv4Addr, u16),
) -> Packet {
    let meta = PacketMeta {
        uid: 900_000 + h.hosts.iter().map(|x| x.received.len() as u64).sum::<u64>(),
        flow: 0,
        created: h.now,
    };
    Packet {
        eth: EthernetRepr {
            dst: eth_dst,
            src: eth_src,
            vlan: Default::default(),
            ethertype: EtherType::Ipv4,
        },
        l3: L3::Ipv4(Ipv4Repr {
            src: src.0,
            dst: dst.0,
            protocol: IpProtocol::Tcp,
            ttl: 64,
            ident: 0,
            tos: 0,
            dont_fragment: false,
        }),
        l4: L4::Tcp(TcpRepr {
            src_port: src.1,
            dst_port: dst.1,
            ..TcpRepr::default()
        }),
        payload_len: 200,
        encap: None,
        meta,
    }
}

/// Client host `c` (port `cport`) sends a segment to the service, as its stack would after
/// ARP resolved the service address to [`SERVICE_MAC`].
fn to_service(h: &mut Harness, c: usize, cport: u16) {
    let (mac, ip, (sw, port)) = (h.hosts[c].mac, h.hosts[c].ip, h.hosts[c].at);
    let pkt = segment(h, (mac, SERVICE_MAC), (ip, cport), (SERVICE, PORT));
    h.inject(sw as u64 + 1, port, pkt);
}

/// Replica host `r` answers client `c` (port `cport`) with its own addresses.
fn answer(h: &mut Harness, r: usize, c: usize, cport: u16) {
    let (rmac, rip, (sw, port)) = (h.hosts[r].mac, h.hosts[r].ip, h.hosts[r].at);
    let (cmac, cip) = (h.hosts[c].mac, h.hosts[c].ip);
    let pkt = segment(h, (rmac, cmac), (rip, PORT), (cip, cport));
    h.inject(sw as u64 + 1, port, pkt);
}

/// TCP segments host `h` received.
fn tcp_received(h: &Harness, host: usize) -> Vec<Packet> {
    (h.hosts[host].received.iter())
        .filter(|p| matches!(p.l4, L4::Tcp(_)))
        .copied()
        .collect()
}

/// The actions of switch `dpid`'s vCDN entry matching `m`.
fn actions(h: &Harness, dpid: u64, m: &Match) -> Option<Vec<Action>> {
    h.switches[(dpid - 1) as usize].tables()[0]
        .iter()
        .find(|e| e.priority == VCDN_PRIORITY && &e.match_ == m)
        .map(|e| match e.instructions.as_slice() {
            [Instruction::ApplyActions(a)] => a.clone(),
            other => panic!("apply-actions, not {other:?}"),
        })
}

/// The redirect picks the nearest replica by hops: client h0 (e0, pod 0) gets replica h3
/// (e1, same pod: 2 links) rather than h13 (pod 3: 4 links), client h15 (e7) gets h13
/// (e6: 2 links). The client's edge switch rewrites the destination to the replica's
/// addresses (asserted on the installed entry), the replica receives the segment with its own
/// addresses, and its answer reaches the client from the service's addresses.
#[test]
fn redirect_picks_the_nearest_replica_by_hops() {
    let mut h = harness(&[(13, SimTime::ZERO), (3, SimTime::ZERO)]);
    // ARP for the service is answered with the service MAC.
    let uid = h.udp(0, 1);
    assert_eq!(h.copies(uid), [1]);
    to_service(&mut h, 0, 1000);
    to_service(&mut h, 15, 1001);
    let got: Vec<(Ipv4Addr, usize, usize)> = app(&h)
        .sessions()
        .map(|s| (s.client.0, s.replica, s.links))
        .collect();
    let (h0, h15) = (h.hosts[0].ip, h.hosts[15].ip);
    assert_eq!(got, [(h0, 1, 2), (h15, 0, 2)], "nearest by hops");
    let m = four_tuple((h0, 1000), (SERVICE, PORT));
    let r3 = (h.hosts[3].mac, h.hosts[3].ip);
    assert_eq!(
        actions(&h, 1, &m),
        Some(vec![
            Action::SetField(Oxm::EthDst(Masked::exact(r3.0.0))),
            Action::SetField(Oxm::Ipv4Dst(Masked::exact(r3.1))),
            Action::output(3),
        ]),
        "e0 rewrites h0's session towards h3 over its first uplink"
    );
    let at3 = tcp_received(&h, 3);
    assert_eq!(at3.len(), 1, "h3 served h0");
    assert_eq!(at3[0].ipv4().map(|ip| ip.dst), Some(r3.1));
    assert_eq!(at3[0].eth.dst, r3.0);
    let at13 = tcp_received(&h, 13);
    assert_eq!(at13.len(), 1, "h13 served h15 only");
    assert_eq!(at13[0].ipv4().map(|ip| ip.src), Some(h15));
    answer(&mut h, 3, 0, 1000);
    let at0 = tcp_received(&h, 0);
    assert_eq!(at0.len(), 1, "the answer reached h0");
    assert_eq!(
        at0[0].ipv4().map(|ip| ip.src),
        Some(SERVICE),
        "from the service"
    );
    assert_eq!(at0[0].eth.src, SERVICE_MAC);
    let rev = four_tuple((r3.1, PORT), (h0, 1000));
    assert!(
        actions(&h, 1, &rev).is_some_and(|a| a.len() == 3),
        "e0 rewrites back"
    );
    h.assert_counters_match();
}

/// A replica that starts later takes the sessions that begin after its start; a session
/// begun before stays with its replica (connection affinity), entries unchanged.
#[test]
fn a_started_replica_takes_new_sessions_only() {
    let mut h = harness(&[(13, SimTime::ZERO), (1, SimTime::from_secs(2))]);
    to_service(&mut h, 0, 1000);
    h.advance(SimTime::from_secs(2));
    to_service(&mut h, 0, 1001);
    let got: Vec<(u16, usize, usize)> = (app(&h).sessions())
        .map(|s| (s.client.1, s.replica, s.links))
        .collect();
    assert_eq!(
        got,
        [(1000, 0, 4), (1001, 1, 0)],
        "before and after the start"
    );
    assert_eq!(tcp_received(&h, 13).len(), 1);
    assert_eq!(tcp_received(&h, 1).len(), 1);
    to_service(&mut h, 0, 1000);
    assert_eq!(
        tcp_received(&h, 13).len(),
        2,
        "the old session stays at h13"
    );
}

/// A replica that migrates (same addresses, gratuitous ARP from its new port) keeps its
/// sessions: they are re-installed along the path to its new place.
#[test]
fn a_migrated_replica_keeps_its_sessions() {
    let mut h = harness(&[(13, SimTime::ZERO)]);
    to_service(&mut h, 0, 1000);
    assert_eq!(tcp_received(&h, 13).len(), 1);
    h.move_host(13, 2, 5);
    assert_eq!(
        app(&h).replica_location(0),
        Some((2, 5)),
        "seen at e1 port 5"
    );
    to_service(&mut h, 0, 1000);
    assert_eq!(
        tcp_received(&h, 13).len(),
        2,
        "the session follows the replica"
    );
    let (h0, rip) = (h.hosts[0].ip, h.hosts[13].ip);
    let m = four_tuple((h0, 1000), (rip, PORT));
    assert_eq!(
        actions(&h, 2, &m),
        Some(vec![Action::output(5)]),
        "e1 delivers to the new port"
    );
    answer(&mut h, 13, 0, 1000);
    let at0 = tcp_received(&h, 0);
    assert_eq!(
        at0.last().and_then(|p| p.ipv4()).map(|ip| ip.src),
        Some(SERVICE)
    );
}
