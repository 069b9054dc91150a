//! Test-only two-endpoint harness (the quinn-proto habit): a client and a server connection
//! joined by a simulated path in each direction, driven on a simulated clock that always jumps
//! to the earliest of the next packet arrival and either endpoint's `poll_timeout`.

use std::collections::VecDeque;

use sim_core::{DataRate, SimTime};

use super::{TcpConfig, TcpConnection, TcpEvent, TcpState, rst_for};
use crate::wire::{SeqNum, TcpFlags, TcpRepr};

/// What a drop function learns about a segment entering a path.
#[derive(Clone, Copy, Debug)]
pub struct SegInfo {
    /// Index among all segments entering this path (0-based).
    pub index: u64,
    /// Index among segments with payload entering this path, if this one has payload.
    pub data_index: Option<u64>,
}

/// Decides whether a path loses a segment.
pub type DropFn = Box<dyn FnMut(SegInfo, &TcpRepr, u32) -> bool>;

/// One direction: a FIFO serialiser at `rate`, then a fixed propagation `delay`, no queue limit.
pub struct Path {
    delay: SimTime,
    rate: DataRate,
    busy_until: SimTime,
    in_flight: VecDeque<(SimTime, TcpRepr, u32)>,
    drop: DropFn,
    /// Segments offered to the path.
    pub offered: u64,
    /// Data segments offered to the path.
    pub data_offered: u64,
    /// Segments the drop function removed.
    pub dropped: u64,
}

impl Path {
    /// A lossless path.
    pub fn new(delay: SimTime, rate: DataRate) -> Self {
        Path {
            delay,
            rate,
            busy_until: SimTime::ZERO,
            in_flight: VecDeque::new(),
            drop: Box::new(|_, _, _| false),
            offered: 0,
            data_offered: 0,
            dropped: 0,
        }
    }

    /// The same path with a drop function.
    pub fn with_drop(mut self, drop: DropFn) -> Self {
        self.drop = drop;
        self
    }

    fn send(&mut self, now: SimTime, seg: TcpRepr, len: u32) {
        let info = SegInfo {
            index: self.offered,
            data_index: (len > 0).then_some(self.data_offered),
        };
        self.offered += 1;
        if len > 0 {
            self.data_offered += 1;
        }
        if (self.drop)(info, &seg, len) {
            self.dropped += 1;
            return;
        }
        // 20 B IPv4 + TCP header + payload on the wire.
        let bytes = 20 + seg.header_len() as u64 + u64::from(len);
        let start = now.max(self.busy_until);
        self.busy_until = start + self.rate.tx_time(bytes);
        self.in_flight
            .push_back((self.busy_until + self.delay, seg, len));
    }

    fn next_arrival(&self) -> Option<SimTime> {
        self.in_flight.front().map(|&(t, _, _)| t)
    }
}

/// Client `a` (active open) and server `b` (created by `accept` when the SYN arrives).
pub struct Harness {
    /// Simulated time.
    pub now: SimTime,
    /// The client.
    pub a: TcpConnection,
    /// The server, once its SYN arrived.
    pub b: Option<TcpConnection>,
    /// Client → server.
    pub ab: Path,
    /// Server → client.
    pub ba: Path,
    b_cfg: TcpConfig,
    b_iss: SeqNum,
    /// Events seen at the client, with times.
    pub a_events: Vec<(SimTime, TcpEvent)>,
    /// Events seen at the server, with times.
    pub b_events: Vec<(SimTime, TcpEvent)>,
    /// Server closes as soon as the client's FIN arrives.
    pub b_closes_on_peer_close: bool,
    /// Payload bytes the server's application received.
    pub b_delivered: u64,
}

impl Harness {
    /// A client with `a_cfg` and ISS `a_iss` connecting to a server with `b_cfg`.
    pub fn new(
        a_cfg: TcpConfig,
        a_iss: SeqNum,
        b_cfg: TcpConfig,
        b_iss: SeqNum,
        ab: Path,
        ba: Path,
    ) -> Self {
        Harness {
            now: SimTime::ZERO,
            a: TcpConnection::connect(SimTime::ZERO, &a_cfg, 40_000, 80, a_iss),
            b: None,
            ab,
            ba,
            b_cfg,
            b_iss,
            a_events: vec![],
            b_events: vec![],
            b_closes_on_peer_close: true,
            b_delivered: 0,
        }
    }

    /// The server.
    pub fn b(&self) -> &TcpConnection {
        self.b.as_ref().expect("server exists")
    }

    /// Both endpoints closed.
    pub fn both_closed(&self) -> bool {
        self.a.state() == TcpState::Closed
            && self
                .b
                .as_ref()
                .is_some_and(|b| b.state() == TcpState::Closed)
    }

    /// Collects every output and event of both endpoints at the current time.
    fn flush(&mut self) {
        for _ in 0..1_000_000 {
            let mut progress = false;
            while let Some((seg, len)) = self.a.poll_transmit(self.now) {
                self.ab.send(self.now, seg, len);
                progress = true;
            }
            while let Some(ev) = self.a.poll_event() {
                self.a_events.push((self.now, ev));
            }
            if let Some(b) = self.b.as_mut() {
                while let Some((seg, len)) = b.poll_transmit(self.now) {
                    self.ba.send(self.now, seg, len);
                    progress = true;
                }
                while let Some(ev) = b.poll_event() {
                    self.b_events.push((self.now, ev));
                    match ev {
                        TcpEvent::Delivered(n) => self.b_delivered += n,
                        TcpEvent::PeerClosed if self.b_closes_on_peer_close => {
                            b.close();
                            progress = true;
                        }
                        _ => {}
                    }
                }
            }
            if !progress {
                return;
            }
        }
        panic!("endpoints never stop transmitting at {}", self.now);
    }

    /// Runs until `stop` holds, nothing is left to happen, or `deadline`. Returns whether
    /// `stop` held.
    pub fn run_until(&mut self, deadline: SimTime, stop: impl Fn(&Harness) -> bool) -> bool {
        loop {
            self.flush();
            if stop(self) {
                return true;
            }
            let next = [
                self.ab.next_arrival(),
                self.ba.next_arrival(),
                self.a.poll_timeout(),
                self.b.as_ref().and_then(|b| b.poll_timeout()),
            ]
            .into_iter()
            .flatten()
            .min();
            let Some(next) = next else { return false };
            if next > deadline {
                self.now = deadline;
                return false;
            }
            self.now = self.now.max(next);
            self.deliver_arrivals();
            self.a.handle_timeout(self.now);
            if let Some(b) = self.b.as_mut() {
                b.handle_timeout(self.now);
            }
        }
    }

    fn deliver_arrivals(&mut self) {
        let now = self.now;
        while let Some(&(t, seg, len)) = self.ab.in_flight.front() {
            if t > now {
                break;
            }
            self.ab.in_flight.pop_front();
            match self.b.as_mut() {
                None if seg.flags.contains(TcpFlags::SYN) && !seg.flags.contains(TcpFlags::ACK) => {
                    self.b = Some(TcpConnection::accept(now, &self.b_cfg, &seg, self.b_iss));
                }
                Some(b) if b.state() != TcpState::Closed => b.handle_segment(now, &seg, len),
                _ => {
                    if let Some(rst) = rst_for(&seg, len) {
                        self.ba.send(now, rst, 0);
                    }
                }
            }
        }
        while let Some(&(t, seg, len)) = self.ba.in_flight.front() {
            if t > now {
                break;
            }
            self.ba.in_flight.pop_front();
            if self.a.state() != TcpState::Closed {
                self.a.handle_segment(now, &seg, len);
            } else if let Some(rst) = rst_for(&seg, len) {
                self.ab.send(now, rst, 0);
            }
        }
    }

    /// Time of the first client event equal to `ev`.
    pub fn a_event_time(&self, ev: TcpEvent) -> Option<SimTime> {
        self.a_events.iter().find(|e| e.1 == ev).map(|e| e.0)
    }

    /// When the server's delivered total first reached `bytes`.
    pub fn b_delivered_at(&self, bytes: u64) -> Option<SimTime> {
        let mut total = 0;
        for &(t, ev) in &self.b_events {
            if let TcpEvent::Delivered(n) = ev {
                total += n;
                if total >= bytes {
                    return Some(t);
                }
            }
        }
        None
    }

    /// Server bytes delivered in `(from, to]`.
    pub fn b_delivered_between(&self, from: SimTime, to: SimTime) -> u64 {
        self.b_events
            .iter()
            .filter(|e| e.0 > from && e.0 <= to)
            .map(|e| match e.1 {
                TcpEvent::Delivered(n) => n,
                _ => 0,
            })
            .sum()
    }
}
