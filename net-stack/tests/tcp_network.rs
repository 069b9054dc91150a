//! TCP through the simulated network: hosts, routers, queues, loss.

use std::net::Ipv4Addr;

use net_stack::LinkConfig;
use net_stack::app::Report;
use net_stack::apps::{BulkSend, PacketSink, RequestClient, RequestConfig, ResponseServer};
use net_stack::report::BulkReport;
use net_stack::tcp::TcpConfig;
use net_stack::{AppId, Network, NetworkBuilder};
use sim_core::{DataRate, QueueLimit, RngStreams, SimTime, Simulation};

const A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const B: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 1);

/// a — r1 — r2 — b, every link `link`, the middle one `neck`.
fn path(link: LinkConfig, neck: LinkConfig, seed: u64, tcp: TcpConfig) -> NetworkBuilder {
    let mut b = NetworkBuilder::new(RngStreams::new(seed));
    b.tcp_config(tcp);
    let a = b.add_host("a", A);
    let h = b.add_host("b", B);
    let r1 = b.add_router("r1");
    let r2 = b.add_router("r2");
    b.connect(a, r1, link);
    b.connect(r1, r2, neck);
    b.connect(r2, h, link);
    b
}

fn bulk(b: &mut NetworkBuilder, bytes: Option<u64>) -> (AppId, AppId) {
    let (a, h) = (b.node("a").unwrap(), b.node("b").unwrap());
    let tx = b.add_app(
        a,
        0,
        Box::new(BulkSend::new(B, 80, bytes)),
        SimTime::ZERO,
        None,
    );
    let rx = b.add_app(h, 0, Box::new(PacketSink::new()), SimTime::ZERO, None);
    b.listen_tcp(rx, 80).unwrap();
    (tx, rx)
}

fn run(b: NetworkBuilder, until: SimTime) -> Simulation<Network> {
    let mut sim = Simulation::new(b.build().unwrap());
    sim.model.schedule_apps(&mut sim.scheduler);
    sim.run_until(until);
    sim
}

fn sender(net: &Network, app: AppId) -> BulkReport {
    match net.app(app).report() {
        Report::Bulk(r) => r,
        other => panic!("a bulk sender reports {other:?}"),
    }
}

/// Under random loss in both directions, a finite transfer delivers exactly the bytes written,
/// once, and completes; the losses are repaired by retransmissions.
#[test]
fn lossy_transfer_delivers_everything() {
    for seed in 1..=4 {
        let link = LinkConfig::default();
        let neck = LinkConfig {
            loss: 0.02,
            aqm: Default::default(),
            rate: DataRate::mbps(100),
            ..link
        };
        let mut b = path(link, neck, seed, TcpConfig::default());
        let (tx, rx) = bulk(&mut b, Some(3_000_000));
        let sim = run(b, SimTime::from_secs(30));
        let net = &sim.model;
        assert_eq!(
            net.app(rx).report().counters().bytes_received,
            3_000_000,
            "seed {seed}: delivered"
        );
        let s = sender(net, tx);
        assert!(s.finished.is_some(), "seed {seed}: transfer finished");
        let sock = net.sockets().get(s.socket.unwrap());
        assert!(
            sock.conn.stats().retransmissions > 0,
            "seed {seed}: losses were repaired"
        );
    }
}

/// One flow alone on an idle 1 Gbit/s path reaches more than 90% of the payload capacity
/// (1448 payload bytes per 1502-byte frame).
#[test]
fn goodput_on_idle_gigabit_path() {
    let link = LinkConfig {
        rate: DataRate::gbps(10),
        ..LinkConfig::default()
    };
    let neck = LinkConfig {
        rate: DataRate::gbps(1),
        delay: SimTime::from_us(50),
        queue: QueueLimit::Packets(1000),
        loss: 0.0,
        aqm: Default::default(),
    };
    let mut b = path(link, neck, 1, TcpConfig::default());
    let (_, rx) = bulk(&mut b, None);
    let secs = 2;
    let sim = run(b, SimTime::from_secs(secs));
    let got = sim.model.app(rx).report().counters().bytes_received as f64 * 8.0 / secs as f64;
    let capacity = 1e9 * 1448.0 / 1502.0;
    eprintln!(
        "goodput {:.1} Mbit/s = {:.4} of payload capacity",
        got / 1e6,
        got / capacity
    );
    let share = got / capacity;
    assert!(
        share > 0.9,
        "goodput {:.1} Mbit/s = {:.3} of capacity",
        got / 1e6,
        share
    );
}

/// The request-response client gets an answer to every request on a clean path, with response
/// times of about one RTT plus serialisation.
#[test]
fn request_response_answers_every_request() {
    let link = LinkConfig::default();
    let mut b = path(link, link, 1, TcpConfig::default());
    let (a, h) = (b.node("a").unwrap(), b.node("b").unwrap());
    let cfg = RequestConfig {
        dst: B,
        dst_port: 7000,
        request: 200,
        response: 4000,
        interval: SimTime::from_ms(10),
    };
    let client = b.add_app(a, 0, Box::new(RequestClient::new(cfg)), SimTime::ZERO, None);
    let server = b.add_app(
        h,
        0,
        Box::new(ResponseServer::new(200, 4000)),
        SimTime::ZERO,
        None,
    );
    b.listen_tcp(server, 7000).unwrap();
    let sim = run(b, SimTime::from_ms(995));
    let Report::RequestClient(c) = sim.model.app(client).report() else {
        panic!("a request client");
    };
    assert_eq!(c.counters.packets_sent, 100, "requests");
    assert_eq!(c.counters.packets_received, 100, "every request answered");
    assert!(
        c.counters.max_gap < SimTime::from_ms(11),
        "answers every interval: {}",
        c.counters.max_gap
    );
}

/// A SYN to a port nobody listens on is answered with a reset, and the connection attempt
/// ends (RFC 9293 §3.10.7.1).
#[test]
fn closed_port_resets() {
    let link = LinkConfig::default();
    let mut b = path(link, link, 1, TcpConfig::default());
    let a = b.node("a").unwrap();
    let tx = b.add_app(
        a,
        0,
        Box::new(BulkSend::new(B, 9, Some(1000))),
        SimTime::ZERO,
        None,
    );
    let sim = run(b, SimTime::from_secs(1));
    let s = sender(&sim.model, tx);
    let sock = sim.model.sockets().get(s.socket.unwrap());
    assert_eq!(
        sock.conn.state(),
        net_stack::tcp::TcpState::Closed,
        "reset closes"
    );
    assert!(s.connected.is_none());
    assert_eq!(sim.model.fates().no_listener, 1);
}
