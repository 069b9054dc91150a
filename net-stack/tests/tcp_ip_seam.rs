//! The TCP seams of issue 15, used from outside the crate: a congestion controller written here
//! plugs into a connection and into a network through `CcVariant::Custom`, and hears the time,
//! the ACK and RTT samples and the congestion events that the connection's loss detection
//! reports; and the IP fields a connection chooses reach the IPv4 header (read back by tshark
//! from a pcap), while the ECN codepoint of arriving packets reaches the connection.

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;

use net_stack::LinkConfig;
use net_stack::apps::{BulkSend, PacketSink};
use net_stack::tcp::{
    AckSample, CcFactory, CcVariant, CongestionControl, CongestionEvent, CongestionKind, Ecn,
    IpFields, TcpConfig, TcpConnection, Transmit, Window,
};
use net_stack::wire::SeqNum;
use net_stack::{AppId, Network, NetworkBuilder};
use sim_core::{QueueLimit, RngStreams, SimTime, Simulation};

const MSS: u32 = 1448;

/// What the connection told the controller, with the time it said it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Call {
    Ack(SimTime, AckSample),
    Congestion(SimTime, CongestionEvent),
    RecoveryEnd(SimTime),
}

/// A fixed-window controller that records its inputs: cwnd is `segments` SMSS outside recovery
/// and ssthresh the same after a loss (so recovery ends at that window too).
#[derive(Clone, Debug)]
struct Recorder {
    segments: u32,
    calls: Vec<Call>,
}

impl CongestionControl for Recorder {
    fn on_ack(&mut self, now: SimTime, w: &mut Window, ack: &AckSample) {
        self.calls.push(Call::Ack(now, *ack));
        w.cwnd = self.segments * w.smss;
    }

    fn on_congestion_event(&mut self, now: SimTime, w: &mut Window, ev: &CongestionEvent) {
        self.calls.push(Call::Congestion(now, *ev));
        w.ssthresh = self.segments * w.smss;
        if let CongestionKind::Timeout { .. } = ev.kind {
            w.cwnd = w.smss;
        }
    }

    fn on_recovery_end(&mut self, now: SimTime, _w: &mut Window) {
        self.calls.push(Call::RecoveryEnd(now));
    }
}

fn recorder_10() -> Box<dyn CongestionControl> {
    Box::new(Recorder {
        segments: 10,
        calls: vec![],
    })
}

fn recorder_4() -> Box<dyn CongestionControl> {
    Box::new(Recorder {
        segments: 4,
        calls: vec![],
    })
}

fn recorder(conn: &TcpConnection) -> &Recorder {
    conn.congestion_control()
        .downcast_ref::<Recorder>()
        .expect("the custom controller is a Recorder")
}

/// One direction of a path: a serialiser at 10 Mbit/s (0.8 µs per byte, IPv4 header
/// included), then 5 ms of propagation.
#[derive(Default)]
struct Wire {
    busy_until: SimTime,
    in_flight: VecDeque<(SimTime, Transmit)>,
}

const DELAY: SimTime = SimTime::from_ms(5);

fn tx_time(bytes: u64) -> SimTime {
    SimTime::from_ps(bytes * 800_000)
}

impl Wire {
    fn send(&mut self, now: SimTime, t: Transmit) {
        let bytes = 20 + t.repr.header_len() as u64 + u64::from(t.payload_len);
        self.busy_until = now.max(self.busy_until) + tx_time(bytes);
        self.in_flight.push_back((self.busy_until + DELAY, t));
    }

    fn next(&self) -> Option<SimTime> {
        self.in_flight.front().map(|e| e.0)
    }
}

/// A client sending `bytes` to a server over two [`Wire`]s, both with `cfg`; the first
/// transmission of the data segment at offset `lost_off` is lost. Returns the client, the
/// server, and every segment the client received with its arrival time.
fn transfer(
    cfg: TcpConfig,
    bytes: u32,
    lost_off: u32,
) -> (TcpConnection, TcpConnection, Vec<(SimTime, Transmit)>) {
    let iss = SeqNum(1000);
    let mut now = SimTime::ZERO;
    let mut a = TcpConnection::connect(now, &cfg, 40_000, 80, iss);
    a.write(u64::from(bytes));
    let mut b: Option<TcpConnection> = None;
    let (mut ab, mut ba) = (Wire::default(), Wire::default());
    let mut a_rx = vec![];
    let mut lost = false;
    for _ in 0..100_000 {
        while let Some(t) = a.poll_transmit(now) {
            if !lost && t.payload_len > 0 && t.repr.seq == iss + 1 + lost_off {
                lost = true;
                continue;
            }
            ab.send(now, t);
        }
        if let Some(b) = b.as_mut() {
            while let Some(t) = b.poll_transmit(now) {
                ba.send(now, t);
            }
        }
        let timers = [a.poll_timeout(), b.as_ref().and_then(|b| b.poll_timeout())];
        let Some(next) = [ab.next(), ba.next()]
            .into_iter()
            .chain(timers)
            .flatten()
            .min()
        else {
            break;
        };
        now = next;
        while ab.next().is_some_and(|t| t <= now) {
            let (_, t) = ab.in_flight.pop_front().unwrap();
            match b.as_mut() {
                None => b = Some(TcpConnection::accept(now, &cfg, &t.repr, SeqNum(7))),
                Some(b) => b.handle_segment(now, &t.repr, t.payload_len, t.ip.ecn),
            }
        }
        while ba.next().is_some_and(|t| t <= now) {
            let (_, t) = ba.in_flight.pop_front().unwrap();
            a.handle_segment(now, &t.repr, t.payload_len, t.ip.ecn);
            a_rx.push((now, t));
        }
        a.handle_timeout(now);
        if let Some(b) = b.as_mut() {
            b.handle_timeout(now);
        }
        if a.unacked_bytes() == 0 && ab.next().is_none() && ba.next().is_none() {
            break;
        }
    }
    (a, b.expect("the SYN arrived"), a_rx)
}

/// One lost segment in a 30-segment transfer with a custom fixed-window controller: the
/// controller hears exactly one congestion event, a duplicate-ACK one, at the arrival time of
/// the third duplicate ACK with FlightSize = 10 segments; the end of recovery at the arrival of
/// the first ACK covering everything sent before the loss; and, outside recovery, one `on_ack`
/// per ACK of new data at its arrival time with the bytes it acknowledged, the RTT sample
/// it gave (the first exactly 10 ms of propagation plus the 1488-byte and 40-byte
/// serialisations) and min_rtt = the handshake's RTT.
#[test]
fn custom_controller_hears_time_rtt_and_one_congestion_event() {
    let cfg = TcpConfig {
        variant: CcVariant::Custom(CcFactory(recorder_10)),
        ..TcpConfig::default()
    };
    let (a, b, a_rx) = transfer(cfg, 30 * MSS, 3 * MSS);
    let seq = |off: u32| SeqNum(1001) + off;
    assert_eq!(
        b.stats().bytes_delivered,
        u64::from(30 * MSS),
        "all delivered"
    );
    let st = a.stats();
    assert_eq!(
        (st.fast_retransmits, st.retransmissions, st.timeouts),
        (1, 1, 0),
        "one loss, repaired by one fast retransmit"
    );
    let calls = &recorder(&a).calls;

    // The congestion event: one, at the third duplicate of ACK 3·MSS.
    let events: Vec<_> = calls
        .iter()
        .filter_map(|c| match c {
            Call::Congestion(t, ev) => Some((*t, *ev)),
            _ => None,
        })
        .collect();
    let acks_of_hole: Vec<SimTime> = a_rx
        .iter()
        .filter(|(_, t)| t.repr.ack == seq(3 * MSS) && t.payload_len == 0)
        .map(|(at, _)| *at)
        .collect();
    assert!(acks_of_hole.len() >= 4, "the ACK of segment 2 and 3+ dups");
    let third_dup = acks_of_hole[3];
    assert_eq!(
        events,
        [(
            third_dup,
            CongestionEvent {
                kind: CongestionKind::DuplicateAcks,
                flight_size: 10 * MSS,
            }
        )],
        "exactly one congestion event, at the third duplicate ACK, FlightSize 10 segments"
    );
    // The initial window leaves when the SYN-ACK arrives, one 1488-byte serialisation after
    // the other, without the lost segment 3 (lost before the wire): the third duplicate is the
    // ACK of segment 6, the sixth on the wire.
    let syn_ack_at = a_rx[0].0;
    let data = tx_time(1488);
    let ack = tx_time(40);
    let want = syn_ack_at + data * 6 + DELAY + ack + DELAY;
    assert_eq!(third_dup, want, "third duplicate ACK arrival time");

    // The end of recovery: at the first ACK that covers SND.MAX at the loss (13 segments).
    let full_ack = a_rx
        .iter()
        .find(|(_, t)| t.repr.ack >= seq(13 * MSS))
        .map(|(at, _)| *at)
        .expect("full ACK");
    let ends: Vec<_> = calls
        .iter()
        .filter_map(|c| match c {
            Call::RecoveryEnd(t) => Some(*t),
            _ => None,
        })
        .collect();
    assert_eq!(ends, [full_ack], "recovery ends once, at the full ACK");

    // Outside recovery, one on_ack per ACK of new data, at its arrival time; none inside.
    let mut want_acks = vec![];
    let mut una = seq(0);
    for (at, t) in &a_rx {
        if t.repr.ack > una {
            let acked = (t.repr.ack - una) as u32;
            una = t.repr.ack;
            if *at < third_dup || *at > full_ack {
                want_acks.push((*at, acked));
            }
        }
    }
    let got_acks: Vec<_> = calls
        .iter()
        .filter_map(|c| match c {
            Call::Ack(t, s) => Some((*t, s.acked)),
            _ => None,
        })
        .collect();
    assert_eq!(got_acks, want_acks, "on_ack: times and bytes acknowledged");

    // RTT samples: every Karn-valid data sample reaches the controller (the handshake's does
    // not: it acknowledges no data); min_rtt is the handshake's, the smallest.
    let samples: Vec<_> = calls
        .iter()
        .filter_map(|c| match c {
            Call::Ack(_, s) => Some(*s),
            _ => None,
        })
        .collect();
    let rtts: Vec<SimTime> = samples.iter().filter_map(|s| s.rtt).collect();
    assert_eq!(
        rtts.len() as u64,
        st.rtt_samples - 1,
        "every data RTT sample is reported"
    );
    assert_eq!(
        rtts[0],
        DELAY * 2 + data + ack,
        "first sample: propagation both ways + serialisations"
    );
    assert!(
        samples
            .iter()
            .all(|s| s.min_rtt == Some(syn_ack_at) && s.srtt.is_some()),
        "min_rtt is the handshake RTT ({syn_ack_at:?}), SRTT known"
    );
    assert_eq!(
        a.cwnd(),
        10 * MSS,
        "the controller's fixed window, not Reno's growth"
    );
}

// ---- through a network ----------------------------------------------------------------------

const A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const B: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 1);

/// a — r — b with default links but queues that never overflow, `tcp` on both hosts, a 1 MB
/// bulk transfer a → b.
fn network(tcp: TcpConfig, pcap: Option<&Path>) -> (Simulation<Network>, AppId, AppId) {
    let mut b = NetworkBuilder::new(RngStreams::new(1));
    b.tcp_config(tcp);
    let a = b.add_host("a", A);
    let h = b.add_host("b", B);
    let r = b.add_router("r");
    let link = LinkConfig {
        queue: QueueLimit::Packets(100_000),
        ..LinkConfig::default()
    };
    b.connect(a, r, link);
    b.connect(r, h, link);
    let tx = b.add_app(
        a,
        0,
        Box::new(BulkSend::new(B, 80, Some(1_000_000))),
        SimTime::ZERO,
        None,
    );
    let rx = b.add_app(h, 0, Box::new(PacketSink::new()), SimTime::ZERO, None);
    b.listen_tcp(rx, 80).unwrap();
    if let Some(path) = pcap {
        b.trace(a, 0, path, 0).unwrap();
    }
    let mut sim = Simulation::new(b.build().unwrap());
    sim.model.schedule_apps(&mut sim.scheduler);
    sim.run_until(SimTime::from_secs(5));
    sim.model.finish_taps().unwrap();
    assert_eq!(
        sim.model.app(rx).report().counters().bytes_received,
        1_000_000,
        "delivered"
    );
    (sim, tx, rx)
}

/// The sender's and the receiver's connection.
fn conns(net: &Network) -> (&TcpConnection, &TcpConnection) {
    let all = net.sockets().all();
    assert_eq!(all.len(), 2, "one connection, two ends");
    let a = all.iter().find(|s| s.local_ip == A).expect("sender");
    let b = all.iter().find(|s| s.local_ip == B).expect("receiver");
    (&a.conn, &b.conn)
}

/// `CcVariant::Custom` in the network's `TcpConfig` gives every connection its own controller:
/// the sender's, a fixed 4-segment window (and an initial window of 4), keeps FlightSize at or
/// below 4 segments on every ACK and hears every ACK of new data (none is lost on this path),
/// and its RTT samples.
#[test]
fn custom_controller_through_the_network() {
    let cfg = TcpConfig {
        variant: CcVariant::Custom(CcFactory(recorder_4)),
        initial_cwnd: 4,
        ..TcpConfig::default()
    };
    let (sim, _, _) = network(cfg, None);
    let (a, _) = conns(&sim.model);
    let calls = &recorder(a).calls;
    let acks: Vec<AckSample> = calls
        .iter()
        .filter_map(|c| match c {
            Call::Ack(_, s) => Some(*s),
            _ => None,
        })
        .collect();
    assert_eq!(acks.len(), calls.len(), "no loss: only ACKs");
    assert!(
        acks.iter().all(|s| s.flight_size <= 4 * MSS),
        "the fixed window bounds the flight"
    );
    let acked: u64 = acks.iter().map(|s| u64::from(s.acked)).sum();
    assert_eq!(acked, 1_000_001, "every byte and the FIN acknowledged");
    assert_eq!(
        acks.iter().filter(|s| s.rtt.is_some()).count() as u64,
        a.stats().rtt_samples - 1,
        "every data RTT sample"
    );
    assert_eq!(a.cwnd(), 4 * MSS, "fixed window");
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netsim-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// tshark's `ip.dsfield.dscp` and `ip.dsfield.ecn` of every TCP frame in `pcap`.
fn tshark_dsfield(pcap: &Path) -> Vec<(u8, u8)> {
    let o = Command::new("tshark")
        .args(["-r", pcap.to_str().unwrap(), "-Y", "tcp", "-T", "fields"])
        .args(["-e", "ip.dsfield.dscp", "-e", "ip.dsfield.ecn"])
        .output()
        .expect("tshark runs (apt-get install -y tshark)");
    assert!(o.status.success(), "tshark: {o:?}");
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (d, e) = l.split_once('\t').expect("two fields");
            (d.parse().unwrap(), e.parse().unwrap())
        })
        .collect()
}

/// A connection's IP fields reach the wire through the host: with ECT(0) set (the config's test
/// hook) every TCP frame of the capture carries TOS 0x02 — DSCP 0, ECN 2 as tshark reads it —
/// and the receiver sees ECT(0) arrive; by default every frame has TOS 0 and the receiver sees
/// Not-ECT.
#[test]
fn ip_fields_reach_the_pcap_and_the_peer() {
    let dir = temp_dir("tcp-ip-fields");
    for (ecn, want) in [(Ecn::Ect0, (0, 2)), (Ecn::NotEct, (0, 0))] {
        let pcap = dir.join(format!("a-{ecn:?}.pcap"));
        let cfg = TcpConfig {
            ip: IpFields { dscp: 0, ecn },
            ..TcpConfig::default()
        };
        let (sim, _, _) = network(cfg, Some(&pcap));
        let fields = tshark_dsfield(&pcap);
        let (a, b) = conns(&sim.model);
        let frames = a.stats().segments_sent + a.stats().segments_received;
        assert_eq!(
            fields.len() as u64,
            frames,
            "{ecn:?}: every segment captured"
        );
        assert!(
            fields.iter().all(|f| *f == want),
            "{ecn:?}: (DSCP, ECN) {want:?} on every frame"
        );
        assert_eq!(b.received_ecn(), ecn, "{ecn:?}: the receiver saw it");
        assert_eq!(a.received_ecn(), ecn, "{ecn:?}: and the sender, on ACKs");
        assert_eq!(b.stats().ce_received, 0, "{ecn:?}: nothing marked CE");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A CE codepoint on arriving packets is visible to the connection: with CE on every segment
/// (DSCP 10 as well, to show the DSCP travels too), the receiver counts every segment it got as
/// CE-marked and its last codepoint is CE.
#[test]
fn received_ce_is_visible_to_the_connection() {
    let cfg = TcpConfig {
        ip: IpFields {
            dscp: 10,
            ecn: Ecn::Ce,
        },
        ..TcpConfig::default()
    };
    let dir = temp_dir("tcp-ip-ce");
    let pcap = dir.join("a.pcap");
    let (sim, _, _) = network(cfg, Some(&pcap));
    let (_, b) = conns(&sim.model);
    assert_eq!(b.received_ecn(), Ecn::Ce, "last codepoint");
    assert_eq!(
        b.stats().ce_received,
        b.stats().segments_received,
        "every segment counted as CE"
    );
    assert!(
        tshark_dsfield(&pcap).iter().all(|f| *f == (10, 3)),
        "DSCP 10 and CE on the wire"
    );
    std::fs::remove_dir_all(&dir).ok();
}
