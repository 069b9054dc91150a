//! The cost of a `[[workload]]` generator (docs/workloads.md): the flows it offers, their
//! packets, the path they take, and the flows it holds at once.
//!
//! A Poisson generator offers `load` × the sum of its hosts' link rates between `start` and
//! `stop` (both `load_per` values offer that on average), in flows of the size distribution's
//! mean; an incast generator starts `senders` responses of `response` bytes every `interval`.
//! Each flow is a TCP connection: its data segments, their acknowledgements, and the
//! handshake and teardown. As for flows, the estimate assumes the network carries what is
//! offered (a workload's `load` is at most 1 of each host's link).

use net_stack::apps::workload::{Pattern, SizeCdf};
use topologies::{NodeIndex, Topology};

use crate::scenario::GeneratorSpec;

/// Segments of a connection's set-up and teardown: SYN, SYN-ACK, ACK, and a FIN and its ACK
/// each way, less the ACK that rides on the other side's FIN (as [`super`] counts an HTTP
/// probe's connection).
const HANDSHAKE_SEGMENTS: f64 = 6.0;
/// Quantiles at which the size distribution is sampled for the mean segment count.
const QUANTILES: usize = 1000;
/// Arrival times at which a flow's bytes sent before the end are sampled.
const ARRIVAL_TIMES: usize = 50;

/// What one generator costs.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct WorkloadCost {
    /// Flows it starts over the run.
    pub flows: f64,
    /// Packets, acknowledgements and handshakes included.
    pub packets: f64,
    /// Bytes on the wire of those packets (headers included), per hop.
    pub wire_bytes: f64,
    /// Typical hops from a sender to its receiver.
    pub hops: f64,
    /// Flows open at once on average (Little's law: arrivals/s × a typical completion time).
    pub in_flight: f64,
}

/// The cost of generator `w` over a run ending at `end` [s], with segments of `mss` bytes,
/// `ack_share` acknowledgements per segment, and `carried` (in [0, 1]) of its offered bytes
/// through the network.
pub(super) fn cost(
    w: &GeneratorSpec,
    topo: &Topology,
    end: f64,
    (mss, ack_share): (f64, f64),
    carried: f64,
) -> WorkloadCost {
    let p = &w.params;
    let pool = pool(w, topo);
    let links = host_links(topo);
    let start = super::secs(p.start);
    let stop = p.stop.map_or(end, |t| super::secs(t).min(end));
    let active = (stop - start).max(0.0);
    let incast = p.pattern == Pattern::Incast;
    let (flows, mean_size, (sent, segments)) = if incast {
        let interval = super::secs(p.interval).max(1e-12);
        let epochs = if active > 0.0 {
            (active / interval).ceil()
        } else {
            0.0
        };
        let size = p.response as f64;
        (
            f64::from(p.senders) * epochs,
            size,
            (size, (size / mss).ceil().max(1.0)),
        )
    } else {
        let rates: Vec<f64> = pool
            .iter()
            .map(|h| links.get(&h.index()).map_or(0.0, |l| l.0))
            .collect();
        let total: f64 = rates.iter().sum();
        let mean = w.cdf.mean().max(1.0);
        // A flow sends no more than its host's link carries before the run ends.
        let window = Window {
            first: start,
            last: stop,
            end,
            bytes_per_sec: total / 8.0 / rates.len().max(1) as f64,
        };
        (
            p.load * total / 8.0 * active / mean,
            mean,
            mean_sent(&w.cdf, mss, window),
        )
    };
    let flows = p.max_flows.map_or(flows, |m| flows.min(m as f64));
    // The data the network carries: `carried` of what is offered (the max-min share).
    let per_flow = segments * carried * (1.0 + ack_share) + HANDSHAKE_SEGMENTS;
    let packets = flows * per_flow;
    let wire_bytes =
        flows * (sent * carried + (segments * carried + HANDSHAKE_SEGMENTS) * super::TCP_OVERHEAD);
    // Incast senders answer the receiver; a Poisson host sends to the hosts its pattern
    // allows. The distances from one end stand for all (the bundled topologies are
    // symmetric), so the estimate costs one breadth-first search.
    let from = if incast {
        pool.get(receiver(w, topo, &pool)).copied()
    } else {
        pool.first().copied()
    };
    let hops = from.map_or(1.0, |h| mean_hops(topo, &links, h, &pool, p.pattern));
    // A typical completion: a few round trips and the mean size at the host's rate.
    let (rate, delay, _) = from
        .and_then(|h| links.get(&h.index()).copied())
        .unwrap_or((1e9, 0.0, 0));
    let rtt = 2.0 * hops * (delay + (mss + super::TCP_OVERHEAD) * 8.0 / rate.max(1.0));
    let fct = 3.0 * rtt + mean_size * 8.0 / rate.max(1.0);
    let in_flight = flows / active.max(1e-12) * fct;
    WorkloadCost {
        flows,
        packets,
        wire_bytes,
        hops,
        in_flight,
    }
}

/// When a Poisson generator's flows arrive and how fast a host sends.
#[derive(Debug, Clone, Copy)]
struct Window {
    /// First and last arrival [s].
    first: f64,
    last: f64,
    /// The end of the run [s].
    end: f64,
    /// A sending host's link rate [bytes/s].
    bytes_per_sec: f64,
}

/// The mean bytes a flow whose size follows `cdf` sends before the run ends, and its mean
/// data segments (⌈bytes / mss⌉: small flows round up to a whole segment), over evenly
/// spaced quantiles of the size and arrival times: a flow arriving at t sends at most its
/// host's link rate × (end − t), so the largest flows of a short run count only in part.
fn mean_sent(cdf: &SizeCdf, mss: f64, w: Window) -> (f64, f64) {
    let (mut bytes, mut segments) = (0.0, 0.0);
    for j in 0..ARRIVAL_TIMES {
        let t = w.first + (j as f64 + 0.5) / ARRIVAL_TIMES as f64 * (w.last - w.first);
        let room = w.bytes_per_sec * (w.end - t).max(0.0);
        for i in 0..QUANTILES {
            let u = (i as f64 + 0.5) / QUANTILES as f64;
            let sent = (cdf.quantile(u) as f64).min(room);
            bytes += sent;
            segments += (sent / mss).ceil().max(1.0);
        }
    }
    let n = (QUANTILES * ARRIVAL_TIMES) as f64;
    (bytes / n, segments / n)
}

/// The generator's hosts: `hosts`, or every host of the topology (unknown names are the
/// build's to report).
fn pool(w: &GeneratorSpec, topo: &Topology) -> Vec<NodeIndex> {
    match &w.hosts {
        Some(names) => names
            .iter()
            .filter_map(|n| topo.node(n.get_ref()))
            .filter(|&n| topo.spec(n).role.is_host())
            .collect(),
        None => topo.hosts().collect(),
    }
}

/// The incast receiver's index in `pool` (default the first host).
fn receiver(w: &GeneratorSpec, topo: &Topology, pool: &[NodeIndex]) -> usize {
    w.receiver
        .as_ref()
        .and_then(|r| topo.node(r.get_ref()))
        .and_then(|r| pool.iter().position(|&h| h == r))
        .unwrap_or(0)
}

/// Per host node index: its link's rate [bit/s], delay [s] and far end (see [`host_links`]).
type HostLinks = std::collections::HashMap<usize, (f64, f64, usize)>;

/// Each host's link as the generator sees it (its first link in build order): rate [bit/s],
/// delay [s], and the switch it leads to (the host's rack).
fn host_links(topo: &Topology) -> HostLinks {
    let mut out = std::collections::HashMap::new();
    for l in topo.links_in_build_order() {
        for (h, other) in [(l.a, l.b), (l.b, l.a)] {
            if topo.spec(h).role.is_host() {
                out.entry(h.index()).or_insert((
                    l.spec.rate.bps() as f64,
                    super::secs(l.spec.delay),
                    other.index(),
                ));
            }
        }
    }
    out
}

/// The mean hop count from `from` to the hosts of `pool` its pattern lets it reach (all the
/// others if the pattern allows none from there).
fn mean_hops(
    topo: &Topology,
    links: &HostLinks,
    from: NodeIndex,
    pool: &[NodeIndex],
    pattern: Pattern,
) -> f64 {
    let dist = super::hop_distances(topo, from);
    let allowed = |h: NodeIndex| allows(topo, links, pattern, from, h);
    let others: Vec<NodeIndex> = pool
        .iter()
        .copied()
        .filter(|&h| h != from && dist[h.index()] != u32::MAX)
        .collect();
    let mean = |hs: &[NodeIndex]| {
        (!hs.is_empty())
            .then(|| hs.iter().map(|h| f64::from(dist[h.index()])).sum::<f64>() / hs.len() as f64)
    };
    let reachable: Vec<NodeIndex> = others.iter().copied().filter(|&h| allowed(h)).collect();
    mean(&reachable).or_else(|| mean(&others)).unwrap_or(1.0)
}

/// Whether `pattern` lets `from` send to `to` (`links` from [`host_links`]).
fn allows(
    topo: &Topology,
    links: &HostLinks,
    pattern: Pattern,
    from: NodeIndex,
    to: NodeIndex,
) -> bool {
    let rack = |h: NodeIndex| links.get(&h.index()).map(|l| l.2);
    let pod = |h: NodeIndex| topo.spec(h).ip.map(|ip| ip.octets()[1]);
    pattern.allows(rack(to) == rack(from), pod(to) == pod(from))
}

/// Generators with more hosts than this are not put through the max-min share (a path
/// search per host): they count as carried in full.
const MAX_SHARED_HOSTS: usize = 1024;

/// A Poisson generator's offered traffic as inelastic demands for the max-min share: each host
/// to one destination its pattern allows (picked by a fixed stride, so that destinations
/// spread), at `load` × its link rate [bit/s]. Empty for incast (its bursts are transient)
/// and for generators of more than [`MAX_SHARED_HOSTS`] hosts.
pub(super) fn demands(w: &GeneratorSpec, topo: &Topology) -> Vec<(NodeIndex, NodeIndex, f64)> {
    let pool = pool(w, topo);
    if w.params.pattern == Pattern::Incast || pool.len() > MAX_SHARED_HOSTS {
        return Vec::new();
    }
    let links = host_links(topo);
    let mut out = Vec::new();
    for (k, &from) in pool.iter().enumerate() {
        let to: Vec<NodeIndex> = pool
            .iter()
            .copied()
            .filter(|&h| h != from && allows(topo, &links, w.params.pattern, from, h))
            .collect();
        if to.is_empty() {
            continue;
        }
        let rate = links.get(&from.index()).map_or(0.0, |l| l.0);
        out.push((from, to[(k * 7919 + 1) % to.len()], w.params.load * rate));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A window long enough for every flow to finish.
    const LONG: Window = Window {
        first: 0.0,
        last: 1.0,
        end: 1.0e6,
        bytes_per_sec: 1.25e8,
    };

    #[test]
    fn one_segment_flows_count_one_segment() {
        let cdf = SizeCdf::parse("100,0\n100,1\n").unwrap();
        assert_eq!(mean_sent(&cdf, 1448.0, LONG), (100.0, 1.0));
    }

    #[test]
    fn segments_round_up_per_flow() {
        // Half the flows are 1 byte (1 segment), half 1449 bytes (2 segments).
        let cdf = SizeCdf::parse("1,0.5\n1449,0.5\n1449,1\n").unwrap();
        let (bytes, segs) = mean_sent(&cdf, 1448.0, LONG);
        assert!((segs - 1.5).abs() < 0.01, "{segs}");
        assert!((bytes - 725.0).abs() < 2.0, "{bytes}");
    }

    #[test]
    fn a_flow_sends_no_more_than_its_link_carries_before_the_end() {
        // 1 MB flows arriving over the last 8 ms of a 1 Gbit/s host's run: a flow arriving
        // at t sends 125 000 × (8 ms − t) bytes, 500 kB on average.
        let cdf = SizeCdf::parse("1000000,0\n1000000,1\n").unwrap();
        let w = Window {
            first: 0.0,
            last: 0.008,
            end: 0.008,
            bytes_per_sec: 1.25e8,
        };
        let (bytes, _) = mean_sent(&cdf, 1448.0, w);
        assert!((bytes - 500_000.0).abs() < 1000.0, "{bytes}");
    }
}
