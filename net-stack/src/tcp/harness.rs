//! Test-only two-endpoint harness (the quinn-proto habit): a client and a server connection
//! joined by a simulated path in each direction, driven on a simulated clock that always jumps
//! to the earliest of the next packet arrival and either endpoint's `poll_timeout`.

use std::collections::VecDeque;

use sim_core::{DataRate, SimTime};

use super::{Ecn, TcpConfig, TcpConnection, TcpEvent, TcpState, rst_for};
use crate::wire::{SackBlocks, SeqNum, TcpFlags, TcpRepr};

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
    in_flight: VecDeque<(SimTime, TcpRepr, u32, SackBlocks)>,
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

    fn send(&mut self, now: SimTime, seg: TcpRepr, len: u32, sack: SackBlocks) {
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
            .push_back((self.busy_until + self.delay, seg, len, sack));
    }

    fn next_arrival(&self) -> Option<SimTime> {
        self.in_flight.front().map(|&(t, ..)| t)
    }
}

/// The SACK blocks that ride with `repr`, as a network would store them.
fn sent_sack(c: &TcpConnection, repr: &TcpRepr) -> SackBlocks {
    if repr.options.sack.block_count() > 0 {
        SackBlocks::from_slice(c.sent_sack())
    } else {
        SackBlocks::EMPTY
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
    /// Keep the client's send buffer full (a bulk sender with infinite data).
    pub a_unlimited: bool,
    /// Client (time, cwnd, ssthresh, in recovery) each time its window state changed, when
    /// `trace_cwnd` is set.
    pub a_cwnd_trace: Vec<(SimTime, u32, u32, bool)>,
    /// Record `a_cwnd_trace`.
    pub trace_cwnd: bool,
    /// Every segment the client sent: (time, header, payload length).
    pub a_sent: Vec<(SimTime, TcpRepr, u32)>,
    /// Record `a_sent`.
    pub trace_segments: bool,
    a_cc_changes: u64,
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
            a_unlimited: false,
            a_cwnd_trace: vec![],
            trace_cwnd: false,
            a_sent: vec![],
            trace_segments: false,
            a_cc_changes: 0,
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
            if self.a_unlimited {
                self.a.check_write_changes_no_output(self.now, u64::MAX);
                self.a.write(u64::MAX);
            }
            while let Some(t) = self.a.poll_transmit(self.now) {
                self.a.check_drained(self.now);
                if self.trace_segments {
                    self.a_sent.push((self.now, t.repr, t.payload_len));
                }
                let sack = sent_sack(&self.a, &t.repr);
                self.ab.send(self.now, t.repr, t.payload_len, sack);
                progress = true;
            }
            while let Some(ev) = self.a.poll_event() {
                self.a_events.push((self.now, ev));
            }
            if let Some(b) = self.b.as_mut() {
                while let Some(t) = b.poll_transmit(self.now) {
                    b.check_drained(self.now);
                    let sack = sent_sack(b, &t.repr);
                    self.ba.send(self.now, t.repr, t.payload_len, sack);
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
            if self.trace_cwnd && self.a.cc_changes() != self.a_cc_changes {
                self.a_cc_changes = self.a.cc_changes();
                let a = &self.a;
                self.a_cwnd_trace
                    .push((self.now, a.cwnd(), a.ssthresh(), a.in_recovery()));
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
        while let Some(&(t, seg, len, sack)) = self.ab.in_flight.front() {
            if t > now {
                break;
            }
            self.ab.in_flight.pop_front();
            match self.b.as_mut() {
                None if seg.flags.contains(TcpFlags::SYN) && !seg.flags.contains(TcpFlags::ACK) => {
                    self.b = Some(TcpConnection::accept(now, &self.b_cfg, &seg, self.b_iss));
                }
                Some(b) if b.state() != TcpState::Closed => {
                    b.handle_segment_sack(now, &seg, len, Ecn::NotEct, sack.as_slice())
                }
                _ => {
                    if let Some(rst) = rst_for(&seg, len) {
                        self.ba.send(now, rst, 0, SackBlocks::EMPTY);
                    }
                }
            }
        }
        while let Some(&(t, seg, len, sack)) = self.ba.in_flight.front() {
            if t > now {
                break;
            }
            self.ba.in_flight.pop_front();
            if self.a.state() != TcpState::Closed {
                self.a
                    .handle_segment_sack(now, &seg, len, Ecn::NotEct, sack.as_slice());
            } else if let Some(rst) = rst_for(&seg, len) {
                self.ab.send(now, rst, 0, SackBlocks::EMPTY);
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use sim_core::{DataRate, RngStreams, SimTime};

    use super::*;
    use crate::tcp::CcVariant;

    const MSS: u32 = 1448;

    fn ms(v: u64) -> SimTime {
        SimTime::from_ms(v)
    }

    /// 5 ms each way at 1 Gbit/s: RTT ≈ 10 ms.
    fn lan() -> Path {
        Path::new(ms(5), DataRate::gbps(1))
    }

    fn pair_with(cfg: TcpConfig, ab: Path, ba: Path) -> Harness {
        Harness::new(cfg, SeqNum(1), cfg, SeqNum(1_000_000), ab, ba)
    }

    /// Drop the data segments whose index (in order of transmission on the path) is `idx`.
    fn drop_data_index(idx: u64) -> DropFn {
        Box::new(move |info, _, _| info.data_index == Some(idx))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Reliability: under Bernoulli loss of 0–10 % in both directions (SYN, data, ACK and FIN
        /// alike), with any ISS (so many runs wrap the sequence space), Reno or NewReno, with or
        /// without delayed ACKs, a write of `n` bytes is delivered exactly once and in order
        /// (Delivered totals `n`) and both endpoints reach CLOSED.
        #[test]
        fn delivers_exactly_once_under_random_loss(
            loss in 0.0f64..0.10,
            seed in any::<u64>(),
            n in 1u64..300_000,
            iss in any::<u32>(),
            reno in any::<bool>(),
            delayed_ack in any::<bool>(),
        ) {
            let cfg = TcpConfig {
                variant: if reno { CcVariant::Reno } else { CcVariant::NewReno },
                delayed_ack,
                ..TcpConfig::default()
            };
            let rng = RngStreams::new(seed);
            let mut ab_rng = rng.stream("path/ab");
            let mut ba_rng = rng.stream("path/ba");
            let ab = lan().with_drop(Box::new(move |_, _, _| ab_rng.bernoulli(loss)));
            let ba = lan().with_drop(Box::new(move |_, _, _| ba_rng.bernoulli(loss)));
            let mut h = Harness::new(cfg, SeqNum(iss), cfg, SeqNum(iss ^ 0x5555_5555), ab, ba);
            prop_assert_eq!(h.a.write(n), n, "write accepted");
            h.a.close();
            let done = h.run_until(SimTime::from_secs(3600), Harness::both_closed);
            prop_assert!(done, "both closed; a = {:?}, b = {:?}", h.a.state(),
                h.b.as_ref().map(|b| b.state()));
            prop_assert_eq!(h.b_delivered, n, "delivered exactly once");
            prop_assert_eq!(h.b().stats().bytes_delivered, n, "receiver count");
            prop_assert!(h.a_event_time(TcpEvent::AllAcked).is_some(), "sender saw AllAcked");
        }
    }

    /// Seed 002 §3.2: a sender that writes exactly 30 segments and nothing more loses one of its
    /// last three. At most two duplicate ACKs can follow, so recovery waits for the RTO
    /// (timeouts = 1, fast retransmits = 0) and the round ends about one RTO (200 ms) late. With
    /// 30 more segments queued behind it, the same loss draws three duplicate ACKs and is
    /// repaired by fast retransmit (fast retransmits = 1, timeouts = 0) within a few RTTs.
    #[test]
    fn seed002_tail_loss_needs_rto_unless_data_follows() {
        const K: u64 = 30;
        let cfg = TcpConfig::default();
        let round = K * u64::from(MSS);
        let run = |extra: u64, drop: Option<u64>| {
            let ab = match drop {
                Some(i) => lan().with_drop(drop_data_index(i)),
                None => lan(),
            };
            let mut h = pair_with(cfg, ab, lan());
            h.a.write(round + extra * u64::from(MSS));
            let ok = h.run_until(SimTime::from_secs(10), |h| {
                h.a_event_time(TcpEvent::AllAcked).is_some()
            });
            assert!(ok, "transfer completes");
            let t = h.b_delivered_at(round).expect("round delivered");
            (t, *h.a.stats())
        };
        let (clean, st) = run(0, None);
        assert_eq!(st.retransmissions, 0, "baseline is lossless");
        assert!(clean < ms(40), "baseline round takes ~3 RTT: {clean}");

        // Whichever of the last three segments is lost, at most two duplicate ACKs follow.
        for lost in [K - 3, K - 2, K - 1] {
            let (tail, st) = run(0, Some(lost));
            assert_eq!(
                (st.timeouts, st.fast_retransmits),
                (1, 0),
                "tail loss of segment {lost}: RTO only"
            );
            let late = tail - clean;
            assert!(
                late >= ms(200) && late <= ms(230),
                "tail loss of segment {lost} costs about one RTO (200 ms): {late}"
            );

            let (followed, st) = run(K, Some(lost));
            assert_eq!(
                (st.timeouts, st.fast_retransmits),
                (0, 1),
                "segment {lost} with data behind: fast retransmit"
            );
            let late = followed - clean;
            assert!(
                late <= ms(25),
                "segment {lost} repaired within ~2 RTT: {late}"
            );
        }
    }

    /// A lost SYN (the first segment on the path) is resent after the initial 1 s RTO; the
    /// connection then opens with an initial window of one segment (RFC 5681 §3.1) and the
    /// transfer still completes and closes cleanly.
    #[test]
    fn lost_syn_retransmitted_after_initial_rto() {
        let ab = lan().with_drop(Box::new(|info, _, _| info.index == 0));
        let mut h = pair_with(TcpConfig::default(), ab, lan());
        h.a.write(100_000);
        h.a.close();
        assert!(
            h.run_until(SimTime::from_secs(30), Harness::both_closed),
            "completes"
        );
        let connected = h.a_event_time(TcpEvent::Connected).expect("connected");
        assert!(
            connected > SimTime::from_secs(1) && connected < SimTime::from_secs(1) + ms(11),
            "SYN resent at 1 s, answered one RTT later: {connected}"
        );
        assert_eq!(h.a.stats().timeouts, 1, "one SYN timeout");
        assert_eq!(h.b_delivered, 100_000, "all data delivered");
        let delivered: Vec<(SimTime, u64)> = h
            .b_events
            .iter()
            .filter_map(|&(t, e)| match e {
                TcpEvent::Delivered(n) => Some((t, n)),
                _ => None,
            })
            .collect();
        assert_eq!(delivered[0].1, u64::from(MSS), "first flight: one segment");
        assert!(
            delivered[1].0 >= delivered[0].0 + ms(9),
            "the second segment waits for the first ACK (IW = 1)"
        );
    }

    /// Runs the periodic-loss scenario for 40 s and returns (goodput [bit/s] over whole sawtooth
    /// periods after a 10 s warm-up, peak cwnd outside recovery (segments), lowest and highest
    /// ssthresh (segments)).
    fn periodic_case(byte_counting: bool) -> (f64, f64, f64, f64) {
        let cfg = TcpConfig {
            mss: 1460,
            ca_byte_counting: byte_counting,
            ..TcpConfig::default()
        };
        let path = || Path::new(ms(5), DataRate::gbps(10));
        let drop: DropFn = Box::new(|info, _, _| info.data_index.is_some_and(|i| i % 600 == 599));
        let mut h = pair_with(cfg, path().with_drop(drop), path());
        h.a_unlimited = true;
        h.trace_cwnd = true;
        let (warm_up, end) = (SimTime::from_secs(10), SimTime::from_secs(40));
        h.run_until(end, |_| false);
        assert_eq!(h.a.stats().timeouts, 0, "no timeouts: one loss per window");
        let late: Vec<_> = h.a_cwnd_trace.iter().filter(|e| e.0 > warm_up).collect();
        // Loss events: entries into fast recovery.
        let losses: Vec<SimTime> = late
            .windows(2)
            .filter(|w| !w[0].3 && w[1].3)
            .map(|w| w[1].0)
            .collect();
        assert!(losses.len() > 100, "many periods: {}", losses.len());
        let (from, to) = (losses[0], *losses.last().unwrap());
        let bytes = h.b_delivered_between(from, to);
        let goodput = bytes as f64 * 8.0 / (to - from).as_secs_f64();
        let seg = 1460.0;
        let peak = late
            .iter()
            .filter(|e| !e.3)
            .map(|e| e.1)
            .max()
            .expect("trace") as f64
            / seg;
        let (lo, hi) = late
            .iter()
            .map(|e| e.2 as f64 / seg)
            .fold((f64::MAX, 0.0f64), |(lo, hi), s| (lo.min(s), hi.max(s)));
        (goodput, peak, lo, hi)
    }

    /// The exact periodic case of the notes (Mathis et al. 1997): NewReno without delayed ACKs,
    /// a large receive window, RTT 10 ms (negligible queueing at 10 Gbit/s), MSS 1460, every
    /// 600th data segment dropped. The idealised sawtooth between W/2 and W with (3/8)·W² = 600
    /// gives W = 40 and (3/4)·W = 30 segments per RTT = 35.04 Mbit/s.
    ///
    /// The model assumes cwnd grows by exactly one segment per RTT, which is what RFC 5681's
    /// recommended byte counting does: with it the goodput (averaged over whole periods) must
    /// be within 7 % of the model. It sits about 5 % below because the model also ignores the
    /// RTT of fast recovery, which sends only W/2 new segments. Eq. 3 (the default) grows by
    /// slightly less than one segment per RTT and lands about 7 % below; it is held to 8 % and
    /// must be the slower of the two. In both, cwnd peaks (outside recovery) near W and every
    /// ssthresh is near W/2.
    #[test]
    fn periodic_loss_sawtooth_matches_model() {
        let model = 0.75 * 40.0 * 1460.0 * 8.0 / 0.010;
        let counting = periodic_case(true);
        let eq3 = periodic_case(false);
        for (name, (goodput, peak, lo, hi), tol) in
            [("byte counting", counting, 0.07), ("eq. 3", eq3, 0.08)]
        {
            let err = goodput / model - 1.0;
            eprintln!(
                "{name}: {:.2} Mbit/s ({:+.2} %), peak {peak:.1}, ssthresh {lo:.1}..{hi:.1}",
                goodput / 1e6,
                err * 100.0
            );
            assert!(
                err.abs() < tol,
                "{name}: goodput {:.2} Mbit/s vs model {:.2} Mbit/s ({:+.1} %)",
                goodput / 1e6,
                model / 1e6,
                err * 100.0
            );
            assert!(
                (36.0..=42.0).contains(&peak),
                "{name}: cwnd peaks near W = 40: {peak:.1}"
            );
            assert!(
                lo >= 18.0 && hi <= 21.0,
                "{name}: ssthresh near W/2 = 20: {lo:.1}..{hi:.1}"
            );
        }
        assert!(
            eq3.0 < counting.0,
            "eq. 3 grows more slowly than byte counting"
        );
    }
}
