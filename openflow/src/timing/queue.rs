//! Two small schedulers that turn a per-packet latency into a departure time: a FIFO
//! processing server of finite capacity, and the per-port in-order rule.

use sim_core::{DataRate, SimTime};

/// A work-conserving FIFO server that processes frames at `capacity` bit/s: the switch CPU of
/// a software switch.
///
/// A frame that arrives while the server is idle starts at once; otherwise it waits for the
/// frames ahead of it. Service takes `frame length × 8 / capacity`, rounded up to the next
/// picosecond by [`DataRate::tx_time`], so the arithmetic is exact integers.
///
/// ns-3's OFSwitch13 models its `CpuCapacity` with a token bucket of one second's worth of
/// tokens and **drops** a packet when the bucket is empty (`OverloadDrop`); this server
/// **delays** instead, as a queue in front of the CPU would. Below capacity both let every
/// packet through; above it this server's queue grows without bound, so a caller that wants
/// a loss model compares [`ProcessingQueue::backlog`] against a limit and drops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessingQueue {
    capacity: DataRate,
    /// When the last accepted frame finishes service.
    busy_until: SimTime,
}

impl ProcessingQueue {
    /// An idle server of `capacity` [bit/s].
    pub fn new(capacity: DataRate) -> Self {
        ProcessingQueue {
            capacity,
            busy_until: SimTime::ZERO,
        }
    }

    /// The processing capacity [bit/s].
    pub fn capacity(&self) -> DataRate {
        self.capacity
    }

    /// Accepts a frame of `bytes` arriving at `arrival` and returns when its service ends.
    /// Arrivals must be offered in non-decreasing time order (FIFO).
    pub fn depart(&mut self, arrival: SimTime, bytes: u64) -> SimTime {
        let start = arrival.max(self.busy_until);
        self.busy_until = start + self.capacity.tx_time(bytes);
        self.busy_until
    }

    /// Work still queued at `now`: how long a frame arriving now would wait before service.
    pub fn backlog(&self, now: SimTime) -> SimTime {
        self.busy_until.saturating_sub(now)
    }
}

/// The per-output-port in-order rule: a packet leaves no earlier than `arrival + latency`
/// and no earlier than the packet before it on the same port.
///
/// With a random per-packet latency two back-to-back packets of one flow could otherwise
/// swap places, which a real pipelined switch never does (its pipeline is a FIFO) and which
/// TCP would misread as loss (three duplicate ACKs). Holding each packet until its
/// predecessor on the port has left keeps every flow in order while each packet still sees at
/// least its own sampled latency.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InOrder {
    /// Last departure per port index; grows on demand.
    last: Vec<SimTime>,
}

impl InOrder {
    /// No departures yet, room for `ports` port indices (more are added on demand).
    pub fn new(ports: usize) -> Self {
        InOrder {
            last: vec![SimTime::ZERO; ports],
        }
    }

    /// Departure time on `port` (a dense port *index*, such as the OpenFlow port number of a
    /// physical port, never a reserved port like `OFPP_CONTROLLER`) of a packet that arrived
    /// at `arrival` and needs `latency`: `max(arrival + latency, previous departure on the
    /// port)`. Records it as the port's latest departure.
    pub fn depart(&mut self, port: usize, arrival: SimTime, latency: SimTime) -> SimTime {
        if port >= self.last.len() {
            self.last.resize(port + 1, SimTime::ZERO);
        }
        let t = (arrival + latency).max(self.last[port]);
        self.last[port] = t;
        t
    }

    /// The latest departure recorded on `port` (zero if none).
    pub fn last_departure(&self, port: usize) -> SimTime {
        self.last.get(port).copied().unwrap_or(SimTime::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(x: u64) -> SimTime {
        SimTime::from_us(x)
    }

    /// Back-to-back frames queue behind each other; an idle gap resets the server; service
    /// time is exact (1500 B at 100 Gbit/s = 120 ns).
    #[test]
    fn processing_queue_is_fifo_and_work_conserving() {
        let mut q = ProcessingQueue::new(DataRate::gbps(100));
        let svc = SimTime::from_ns(120);
        assert_eq!(
            q.depart(us(1), 1500),
            us(1) + svc,
            "idle server starts at once"
        );
        assert_eq!(q.depart(us(1), 1500), us(1) + svc * 2, "second frame waits");
        assert_eq!(q.backlog(us(1)), svc * 2, "two frames of work queued");
        assert_eq!(q.depart(us(1) + svc, 1500), us(1) + svc * 3);
        assert_eq!(
            q.depart(us(10), 1500),
            us(10) + svc,
            "idle again after a gap"
        );
        assert_eq!(q.backlog(us(20)), SimTime::ZERO);
        // Rounding is up: 1 byte at 3 bit/s = 8/3 s → 2.666…667 s.
        let mut slow = ProcessingQueue::new(DataRate::from_bps(3).unwrap());
        assert_eq!(slow.depart(SimTime::ZERO, 1).as_ps(), 2_666_666_666_667);
    }

    /// Throughput of a saturated server equals its capacity: n frames take n × service.
    #[test]
    fn saturated_throughput_is_capacity() {
        let mut q = ProcessingQueue::new(DataRate::gbps(10));
        let mut last = SimTime::ZERO;
        for _ in 0..1000 {
            last = q.depart(SimTime::ZERO, 1250);
        }
        assert_eq!(last, us(1000), "1000 × 1250 B at 10 Gbit/s is 1 ms");
    }

    /// A packet with a long latency holds back the later, faster packet on the same port but
    /// not packets on other ports.
    #[test]
    fn in_order_per_port() {
        let mut o = InOrder::new(2);
        assert_eq!(o.depart(1, us(0), us(10)), us(10));
        assert_eq!(
            o.depart(1, us(1), us(2)),
            us(10),
            "held behind its predecessor"
        );
        assert_eq!(
            o.depart(0, us(1), us(2)),
            us(3),
            "another port is independent"
        );
        assert_eq!(
            o.depart(5, us(2), us(1)),
            us(3),
            "ports beyond the initial size grow"
        );
        assert_eq!(
            o.depart(1, us(20), us(1)),
            us(21),
            "no wait once the port is free"
        );
        assert_eq!(o.last_departure(1), us(21));
        assert_eq!(o.last_departure(9), SimTime::ZERO);
    }

    /// Whatever the latencies, departures on one port never decrease and each is at least
    /// arrival + latency.
    #[test]
    fn in_order_never_reorders_random_latencies() {
        let mut rng = sim_core::RngStreams::new(3).stream("inorder");
        let mut o = InOrder::default();
        let mut prev = SimTime::ZERO;
        for i in 0..10_000u64 {
            let arrival = SimTime::from_ns(i * 100);
            let lat = SimTime::from_ns(rng.below(20_000));
            let d = o.depart(0, arrival, lat);
            assert!(d >= prev && d >= arrival + lat, "packet {i}");
            prev = d;
        }
    }
}
