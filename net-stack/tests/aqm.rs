//! Queue disciplines used from outside net-stack: a link configured with `aqm` (the threshold
//! marker, DCTCP's switch) marks the ECN-capable packets of a UDP overload CE and drops the
//! others, the counters say so, and tshark reads the marks (`ip.dsfield.ecn == 3`) in the pcap.
//!
//! netsim's hosts send Not-ECT packets, so a switch plane written here — a two-port bridge —
//! sets the DSCP and the ECN codepoint of the IPv4 frames it forwards (all of them, or those
//! with an even IP identification), through the public `Ipv4Repr::set_ecn`/`set_dscp`.

use std::any::Any;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;

use net_stack::apps::{OnOff, OnOffConfig, PacketSink};
use net_stack::arp::ArpConfig;
use net_stack::device::Device;
use net_stack::node::Node;
use net_stack::plane::{PlaneCtx, SwitchPlane};
use net_stack::queue::{AqmConfig, ThresholdConfig};
use net_stack::wire::{Ecn, L3, Packet};
use net_stack::{LinkConfig, Network, NetworkBuilder, NodeId};
use sim_core::{DataRate, QueueLimit, RngStreams, SimTime, Simulation};

/// Which forwarded IPv4 frames the bridge makes ECN-capable.
#[derive(Clone, Copy)]
enum Ect {
    All,
    EvenIdent,
}

/// A bridge between port 0 and port 1 of each switch that writes DSCP 10 (AF11) and, per
/// `ect`, ECT(0) into the IPv4 frames it forwards.
struct EctBridge {
    ect: Ect,
}

impl SwitchPlane for EctBridge {
    fn attach(&mut self, _nodes: &[Node], _devices: &[Device]) {}
    fn start(&mut self, _ctx: &mut PlaneCtx<'_>) {}
    fn on_packet(&mut self, ctx: &mut PlaneCtx<'_>, node: NodeId, port: u16, mut pkt: Packet) {
        if let L3::Ipv4(ip) = &mut pkt.l3 {
            ip.set_dscp(10);
            if matches!(self.ect, Ect::All) || ip.ident.is_multiple_of(2) {
                ip.set_ecn(Ecn::Ect0);
            }
        }
        ctx.send(node, 1 - port, ctx.now(), pkt);
    }
    fn on_link_state(&mut self, _: &mut PlaneCtx<'_>, _: NodeId, _: u16, _: bool) {}
    fn on_queue_drop(&mut self, _node: NodeId, _port: u16) {}
    fn on_event(&mut self, _ctx: &mut PlaneCtx<'_>, _event: u64) {}
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

const K: u32 = 5;
const PACKETS: u64 = 300;

fn pcap_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("netsim-aqm-{name}-{}.pcap", std::process::id()))
}

/// h0 —1 Gbit/s— s0 —100 Mbit/s, marker K = 5 packets, queue 50 packets— h1; h0 sends 300
/// datagrams of 1000 bytes at 300 Mbit/s to h1. Returns the finished network and the pcap of
/// s0's port towards h1.
fn run(ect: Ect, name: &str) -> (Network, PathBuf) {
    let mut b = NetworkBuilder::new(RngStreams::new(11));
    let h0 = b.add_host("h0", Ipv4Addr::new(10, 0, 0, 1));
    let h1 = b.add_host("h1", Ipv4Addr::new(10, 0, 0, 2));
    let s0 = b.add_switch("s0");
    b.connect(
        h0,
        s0,
        LinkConfig::new(DataRate::gbps(1), SimTime::from_us(1)),
    );
    let neck = LinkConfig {
        queue: QueueLimit::Packets(50),
        aqm: AqmConfig::Threshold(ThresholdConfig {
            k: QueueLimit::Packets(K),
        }),
        ..LinkConfig::new(DataRate::mbps(100), SimTime::from_us(1))
    };
    assert!(neck.validate().is_ok());
    b.connect(s0, h1, neck);
    b.plane(Box::new(EctBridge { ect }));
    b.arp(ArpConfig::default());
    let cfg = OnOffConfig {
        dst: Ipv4Addr::new(10, 0, 0, 2),
        src_port: 1,
        dst_port: 9,
        rate: DataRate::mbps(300),
        packet_size: 1000,
        on: None,
        off: SimTime::ZERO,
        max_bytes: Some(PACKETS * 1000),
    };
    b.add_app(h0, 0, Box::new(OnOff::new(cfg)), SimTime::ZERO, None);
    let sink = b.add_app(h1, 1, Box::new(PacketSink::new()), SimTime::ZERO, None);
    b.bind_udp(sink, 9).expect("port free");
    let path = pcap_path(name);
    b.trace(s0, 1, &path, 0).expect("pcap");
    let mut sim = Simulation::new(b.build().expect("valid network"));
    sim.model.schedule_apps(&mut sim.scheduler);
    sim.model.start_plane(&mut sim.scheduler);
    sim.run_until(SimTime::from_ms(100)); // long after the last datagram drains
    sim.model.finish_taps().expect("pcap written");
    (sim.model, path)
}

/// Every packet is accounted for, the switch's copies included.
fn assert_conserved(net: &Network) {
    let f = net.fates();
    let in_flight = net.packets_in_flight() as u64;
    assert_eq!(f.entered(), f.settled() + in_flight, "fates: {f:?}");
}

/// Runs tshark on `path` with display filter `filter` and counts the frames it prints.
fn tshark_count(path: &Path, filter: &str) -> u64 {
    let out = Command::new("tshark")
        .args([
            "-r",
            path.to_str().unwrap(),
            "-Y",
            filter,
            "-T",
            "fields",
            "-e",
            "frame.number",
        ])
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `tshark` ({e}); this test needs it: apt-get install -y tshark")
        });
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().lines().count() as u64
}

fn bottleneck_queue(net: &Network) -> net_stack::queue::QueueStats {
    let s0 = net.node_by_name("s0").unwrap();
    let dev = net.nodes()[s0.index()].devices[1];
    net.devices()[dev.index()].queue.stats()
}

/// All datagrams ECN-capable: the overload builds a queue past K, and every arrival that finds
/// more than K waiting is marked instead of dropped; the hard limit of 50 still drops. What the
/// counters say is what tshark reads: as many frames with `ip.dsfield.ecn == 3` (CE) leave the
/// port as were marked, the rest leave ECT(0), all keep DSCP 10, and every datagram that was
/// not dropped arrives.
#[test]
fn marker_marks_ect_packets_and_the_pcap_shows_ce() {
    let (net, path) = run(Ect::All, "all");
    let q = bottleneck_queue(&net);
    assert!(
        q.marked_packets > 100,
        "most of the overload is marked: {q:?}"
    );
    assert_eq!(
        q.aqm_drops, 0,
        "ECN-capable packets are never dropped by the marker"
    );
    let overflow = q.dropped_packets;
    let udp = tshark_count(&path, "udp && ip.src == 10.0.0.1");
    assert_eq!(udp + overflow, PACKETS, "sent or dropped at the hard limit");
    assert_eq!(
        tshark_count(&path, "udp && ip.dsfield.ecn == 3"),
        q.marked_packets,
        "every marked packet is CE on the wire"
    );
    assert_eq!(
        tshark_count(&path, "udp && ip.dsfield.ecn == 2"),
        udp - q.marked_packets,
        "the others keep ECT(0)"
    );
    assert_eq!(
        tshark_count(&path, "udp && ip.dsfield.dscp == 10"),
        udp,
        "DSCP kept"
    );
    assert_eq!(net.fates().queue_drops, overflow);
    assert_conserved(&net);
    std::fs::remove_file(path).ok();
}

/// Half the datagrams ECN-capable (even IP identification): above K the marker marks those
/// and drops the Not-ECT ones (counted as AQM drops, and as queue drops in the packet fates);
/// at or below K both pass. tshark sees exactly the marked count of CE frames, all of them
/// with an even identification.
#[test]
fn marker_drops_not_ect_where_it_marks_ect() {
    let (net, path) = run(Ect::EvenIdent, "half");
    let q = bottleneck_queue(&net);
    assert!(q.marked_packets > 30, "{q:?}");
    assert!(q.aqm_drops > 30, "{q:?}");
    let ce = tshark_count(&path, "udp && ip.dsfield.ecn == 3");
    assert_eq!(ce, q.marked_packets);
    let marked_idents_even = tshark_count(&path, "udp && ip.dsfield.ecn == 3 && !(ip.id & 1)");
    assert_eq!(
        marked_idents_even, ce,
        "only ECT (even ident) packets are marked"
    );
    let udp = tshark_count(&path, "udp && ip.src == 10.0.0.1");
    assert_eq!(udp + q.dropped_packets, PACKETS);
    assert_eq!(
        net.fates().queue_drops,
        q.dropped_packets,
        "an AQM drop is a queue drop"
    );
    assert_conserved(&net);
    std::fs::remove_file(path).ok();
}
