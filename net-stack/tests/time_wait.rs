//! TIME-WAIT after the socket is freed (RFC 9293 §3.10.7.4): the connection that closes
//! first releases its socket at once, as the workload generator does, and its final ACK is
//! lost. The peer, in LAST-ACK, retransmits its FIN on its RTO. Within 2·MSL the freed
//! socket's TIME-WAIT record acknowledges it (before the records, the host answered with a
//! RST: the segment found no socket); after 2·MSL the 4-tuple is unknown and gets a RST.

use std::any::Any;
use std::cell::RefCell;
use std::net::Ipv4Addr;
use std::rc::Rc;

use net_stack::app::{AppCtx, AppReport, Application, Report};
use net_stack::apps::PacketSink;
use net_stack::host_plane::{HostCtx, HostDrop, HostPlane, HostSetup, HostVerdict};
use net_stack::socket::SocketId;
use net_stack::tcp::{TcpConfig, TcpEvent, TcpState};
use net_stack::wire::{L4, Packet, TcpFlags};
use net_stack::{LinkConfig, Network, NetworkBuilder, NodeId};
use sim_core::{DataRate, RngStreams, SimTime, Simulation};

const A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const B: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 1);

/// Connects to `B:80`, writes `bytes`, closes and releases the socket at once.
struct Closer {
    bytes: u64,
    events: Rc<RefCell<Vec<TcpEvent>>>,
}

impl Application for Closer {
    fn start(&mut self, ctx: &mut AppCtx<'_>) {
        let s = ctx.tcp_connect(B, 80);
        assert_eq!(ctx.tcp_write(s, self.bytes), self.bytes);
        ctx.tcp_close(s);
        ctx.tcp_release(s);
    }
    fn on_tcp(&mut self, _ctx: &mut AppCtx<'_>, _sock: SocketId, event: TcpEvent) {
        self.events.borrow_mut().push(event);
    }
    fn report(&self) -> Report {
        Report::Counters(AppReport::default())
    }
}

/// One TCP segment a host sent or received: (time, sent, flags, seq, ack, payload length).
type Seg = (SimTime, bool, TcpFlags, u32, u32, u32);

/// On host a: logs every TCP segment it sends and receives, and drops the first pure ACK it
/// sends after receiving b's FIN (the final ACK of the close).
#[derive(Default)]
struct Tap {
    a: Option<NodeId>,
    log: Vec<Seg>,
    fin_seen: bool,
    dropped: u32,
}

impl HostPlane for Tap {
    fn start(&mut self, setup: &mut HostSetup<'_>) {
        let a = setup
            .nodes()
            .iter()
            .position(|n| n.name == "a")
            .expect("host a");
        let a = NodeId(a as u32);
        self.a = Some(a);
        setup.hook_send(a);
        setup.hook_receive(a);
    }
    fn on_send(&mut self, ctx: &mut HostCtx<'_>, _node: NodeId, pkt: &mut Packet) -> HostVerdict {
        let L4::Tcp(t) = pkt.l4 else {
            return HostVerdict::Pass;
        };
        let pure_ack = t.flags == TcpFlags::ACK && pkt.payload_len == 0;
        if self.fin_seen && pure_ack && self.dropped == 0 {
            self.dropped += 1;
            return HostVerdict::Drop(HostDrop::Policy);
        }
        let row = (ctx.now(), true, t.flags, t.seq.0, t.ack.0, pkt.payload_len);
        self.log.push(row);
        HostVerdict::Pass
    }
    fn on_receive(
        &mut self,
        ctx: &mut HostCtx<'_>,
        _host: NodeId,
        _port: u16,
        pkt: &mut Packet,
    ) -> HostVerdict {
        if let L4::Tcp(t) = pkt.l4 {
            self.fin_seen |= t.flags.contains(TcpFlags::FIN);
            let row = (ctx.now(), false, t.flags, t.seq.0, t.ack.0, pkt.payload_len);
            self.log.push(row);
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

/// a — b over one 100 Mbit/s, 1 ms link; `time_wait` = 2·MSL. Runs 3 s.
fn run(time_wait: SimTime) -> (Simulation<Network>, Vec<TcpEvent>) {
    let mut b = NetworkBuilder::new(RngStreams::new(1));
    b.tcp_config(TcpConfig {
        time_wait,
        ..TcpConfig::default()
    });
    let link = LinkConfig::new(DataRate::mbps(100), SimTime::from_ms(1));
    let a = b.add_host("a", A);
    let h = b.add_host("b", B);
    b.connect(a, h, link);
    let events = Rc::new(RefCell::new(Vec::new()));
    let closer = Closer {
        bytes: 10_000,
        events: Rc::clone(&events),
    };
    b.add_app(a, 0, Box::new(closer), SimTime::ZERO, None);
    let rx = b.add_app(h, 0, Box::new(PacketSink::new()), SimTime::ZERO, None);
    b.listen_tcp(rx, 80).unwrap();
    b.host_plane(Box::new(Tap::default()));
    let mut sim = Simulation::new(b.build().unwrap());
    sim.model.schedule_apps(&mut sim.scheduler);
    sim.run_until(SimTime::from_secs(3));
    let events = events.borrow().clone();
    (sim, events)
}

fn tap(net: &Network) -> &Tap {
    net.host_plane(0)
        .and_then(|p| p.as_any().downcast_ref::<Tap>())
        .expect("the tap")
}

/// The FINs a received from b, and what a sent after the first one.
fn fins_and_replies(t: &Tap) -> (Vec<Seg>, Vec<Seg>) {
    let fins: Vec<Seg> = t
        .log
        .iter()
        .copied()
        .filter(|r| !r.1 && r.2.contains(TcpFlags::FIN))
        .collect();
    let first = fins.first().expect("b's FIN reached a").0;
    let replies = t
        .log
        .iter()
        .copied()
        .filter(|r| r.1 && r.0 > first)
        .collect();
    (fins, replies)
}

/// The final ACK is lost; b retransmits its FIN on its RTO (about 200 ms later), within a's
/// 1 s TIME-WAIT: a's TIME-WAIT record acknowledges it — <SEQ=SND.NXT><ACK=RCV.NXT> — and
/// sends no reset; b then closes cleanly and nothing reaches a closed port. Fails without the
/// records (a answered the FIN with a RST, counted `no_listener`).
#[test]
fn retransmitted_fin_after_a_lost_final_ack_is_acked_not_reset() {
    let (sim, events) = run(SimTime::from_secs(1));
    let net = &sim.model;
    let t = tap(net);
    assert_eq!(t.dropped, 1, "the final ACK was dropped");
    assert_eq!(
        events.last(),
        Some(&TcpEvent::PeerClosed),
        "a's last event: b's FIN, after which its socket was freed in TIME-WAIT"
    );
    let (fins, replies) = fins_and_replies(t);
    assert_eq!(fins.len(), 2, "b retransmitted its FIN once: {fins:?}");
    let fin = fins[1];
    assert!(
        replies.iter().all(|r| !r.2.contains(TcpFlags::RST)),
        "no reset from a: {replies:?}"
    );
    let ack = replies
        .iter()
        .find(|r| r.0 >= fin.0)
        .expect("a answered the retransmitted FIN");
    assert_eq!(ack.2, TcpFlags::ACK, "a bare ACK");
    assert_eq!(ack.4, fin.3.wrapping_add(1), "it acknowledges the FIN");
    assert_eq!(ack.0, fin.0, "at once");
    let tw = net.sockets().time_wait().stats;
    assert_eq!(
        (tw.records, tw.fins_acked, tw.acks_sent),
        (1, 1, 1),
        "{tw:?}"
    );
    assert_eq!(net.fates().no_listener, 0, "nothing found a closed port");
    let b_conn = &net
        .sockets()
        .all()
        .iter()
        .find(|s| s.local_ip == B)
        .expect("b's socket");
    assert_eq!(
        b_conn.conn.state(),
        TcpState::Closed,
        "b's LAST-ACK ended (by the record's ACK: a sent no reset)"
    );
}

/// With a 100 ms TIME-WAIT the retransmitted FIN (about 200 ms after the first) comes after
/// the record expired: the 4-tuple is unknown and gets a RST, as RFC 9293 §3.10.7.1 has it.
#[test]
fn a_segment_after_two_msl_gets_a_reset() {
    let (sim, _) = run(SimTime::from_ms(100));
    let net = &sim.model;
    let t = tap(net);
    let (fins, replies) = fins_and_replies(t);
    assert_eq!(fins.len(), 2, "{fins:?}");
    assert!(fins[1].0 > fins[0].0 + SimTime::from_ms(100), "after 2·MSL");
    let rst = replies
        .iter()
        .find(|r| r.0 >= fins[1].0)
        .expect("a answered");
    assert_eq!(rst.2, TcpFlags::RST, "a reset: {replies:?}");
    assert_eq!(rst.3, fins[1].4, "<SEQ=SEG.ACK><CTL=RST>");
    let tw = net.sockets().time_wait().stats;
    assert_eq!((tw.records, tw.segments, tw.acks_sent), (1, 0, 0), "{tw:?}");
    assert_eq!(net.fates().no_listener, 1, "the late FIN");
}
