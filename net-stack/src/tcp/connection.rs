//! One TCP connection as a sans-IO state machine (RFC 9293 §3.3.2 states).
//!
//! The state lives here with the constructors, accessors and timers; segment input
//! (`handle_segment`) is in `connection/input.rs`, segment output (`poll_transmit`) in
//! `connection/output.rs`.
//!
//! Sequence bookkeeping: the data stream's byte at offset `k` (0-based, counted as `u64` so a
//! stream may exceed 4 GiB) has sequence number `ISS + 1 + k` modulo 2³². SND.MAX is the highest
//! sequence number sent plus one; SND.NXT falls back to SND.UNA after a retransmission timeout
//! (go-back-N), and everything between them is sent again as the window allows.

mod cwnd_use;
#[cfg(test)]
mod cwnd_use_tests;
mod ecn;
#[cfg(test)]
pub(crate) mod fixture;
mod input;
mod ns3_departures;
mod out_of_line;
mod output;
pub(crate) use output::ts_clock;
mod prr;
mod rack;
mod recovery;
mod sack_recovery;
mod sack_rx;
mod scoreboard;

use std::collections::VecDeque;
use std::sync::Arc;

use sim_core::SimTime;

use super::assembler::Assembler;
use super::congestion::{Cc, Window};
use super::ip::{Ecn, Transmit};
use super::rto::RttEstimator;
use super::{CcVariant, Ns3Departures, TcpConfig, TcpStats};
use crate::wire::{SeqNum, TcpRepr};
use ecn::EcnCtl;
use out_of_line::OutOfLine;
use recovery::Recovery;
use sack_recovery::SackTx;
use sack_rx::SackRx;

/// Connection states (RFC 9293 §3.3.2). LISTEN is the host's business: a passive connection is
/// created by [`TcpConnection::accept`] from a received SYN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TcpState {
    /// No connection (initial for nothing; final after close or reset).
    Closed,
    /// SYN sent, waiting for SYN-ACK.
    SynSent,
    /// SYN received and SYN-ACK sent, waiting for its ACK.
    SynReceived,
    /// Open: data flows both ways.
    Established,
    /// We closed; our FIN is not yet acknowledged.
    FinWait1,
    /// We closed and our FIN is acknowledged; waiting for the peer's FIN.
    FinWait2,
    /// The peer closed; we may still send.
    CloseWait,
    /// Both closed at once; waiting for the ACK of our FIN.
    Closing,
    /// The peer closed, then we did; waiting for the ACK of our FIN.
    LastAck,
    /// Both FINs acknowledged; lingering for [`TcpConfig::time_wait`] to re-ACK a repeated FIN.
    TimeWait,
}

/// Something the application or the host should know. Drained with
/// [`TcpConnection::poll_event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpEvent {
    /// The handshake completed.
    Connected,
    /// Every byte written so far has been transmitted at least once (not necessarily acked).
    /// Seed 002's Early Notification hooks in here. Fires again after further writes.
    AllSent,
    /// Every byte written so far has been acknowledged.
    AllAcked,
    /// In-order bytes handed to the application (receiver side). Consecutive deliveries not yet
    /// polled are merged into one event.
    Delivered(u64),
    /// The peer's FIN arrived in order: no more data will come.
    PeerClosed,
    /// The connection reached CLOSED (after a teardown, a reset or a give-up).
    Closed,
    /// The connection was reset by the peer, or gave up after
    /// [`TcpConfig::max_retransmissions`] timeouts. [`TcpEvent::Closed`] follows.
    Reset,
}

impl TcpState {
    /// CLOSED or TIME-WAIT: the connection has nothing more to send or deliver (TIME-WAIT
    /// only re-acknowledges a repeated FIN).
    pub fn is_done(self) -> bool {
        matches!(self, TcpState::Closed | TcpState::TimeWait)
    }
}

/// The connection's timers, a small fixed array indexed by this enum (the quinn-proto habit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timer {
    /// Retransmission timer (RFC 6298); one deadline, restarted as §5.3 says.
    Rto = 0,
    /// Zero-window probe timer (RFC 9293 §3.8.6.1).
    Persist = 1,
    /// Delayed ACK (RFC 5681 §4.2).
    DelayedAck = 2,
    /// TIME-WAIT linger.
    TimeWait = 3,
    /// RACK's reorder timeout or TLP's probe timeout (RFC 8985), with `rack_tlp`.
    Rack = 4,
}

const TIMERS: [Timer; 5] = [
    Timer::Rto,
    Timer::Persist,
    Timer::DelayedAck,
    Timer::TimeWait,
    Timer::Rack,
];

/// A TCP endpoint (Reno or NewReno) with virtual payload: segments carry a length, not bytes.
///
/// Drive it like any netsim protocol core: feed inputs with [`handle_segment`](Self::handle_segment)
/// and [`handle_timeout`](Self::handle_timeout), then drain [`poll_transmit`](Self::poll_transmit)
/// until it returns `None` and [`poll_event`](Self::poll_event) likewise, and arm one engine timer
/// at [`poll_timeout`](Self::poll_timeout).
#[derive(Clone, Debug)]
pub struct TcpConnection {
    /// The settings, shared by the connections of a [`SocketTable`](crate::socket::SocketTable)
    /// made with them: 8 bytes in each connection instead of 112 (the socket table's
    /// footprint, issue 20).
    pub(crate) cfg: Arc<TcpConfig>,
    pub(crate) state: TcpState,
    pub(crate) local_port: u16,
    pub(crate) remote_port: u16,

    // --- send side ---
    pub(crate) iss: SeqNum,
    pub(crate) snd_una: SeqNum,
    pub(crate) snd_nxt: SeqNum,
    pub(crate) snd_max: SeqNum,
    /// Peer's window, scaled (bytes).
    pub(crate) snd_wnd: u32,
    pub(crate) snd_wl1: SeqNum,
    pub(crate) snd_wl2: SeqNum,
    /// Shift applied to windows we receive (the peer's RFC 7323 shift).
    pub(crate) snd_shift: u8,
    /// Whether our SYN offered window scaling (active open).
    pub(crate) offered_ws: bool,
    /// Sender maximum segment size.
    pub(crate) smss: u32,
    /// Data bytes accepted by `write`.
    pub(crate) written: u64,
    /// Data bytes acknowledged.
    pub(crate) una_off: u64,
    /// Data bytes transmitted at least once.
    pub(crate) sent_off: u64,
    pub(crate) fin_queued: bool,
    /// (Re)send the SYN or SYN-ACK at the next `poll_transmit`.
    pub(crate) syn_pending: bool,
    pub(crate) syn_sent: bool,
    pub(crate) syn_retransmitted: bool,
    /// Resend the first unacknowledged segment (fast retransmit or NewReno partial ACK).
    pub(crate) rtx_pending: bool,
    /// Send a zero-window probe.
    pub(crate) probe_pending: bool,
    /// A reset to send (rare: boxed, so that it takes 8 bytes of the connection, not 36).
    pub(crate) rst_pending: Option<Box<TcpRepr>>,
    pub(crate) dup_acks: u32,
    /// Timer expiries since the last ACK of new data.
    pub(crate) consecutive_timeouts: u32,
    pub(crate) persist_backoff: u32,
    /// The one timed segment: (ACK number that completes it, send time). Karn: cleared on any
    /// retransmission.
    pub(crate) rtt_probe: Option<(SeqNum, SimTime)>,
    pub(crate) last_send: SimTime,
    pub(crate) all_sent_reported: bool,
    /// `cwnd-limited` (ns-3's `m_isCwndLimited`): whether the last data segment sent left less
    /// than one SMSS of cwnd unused (`ns3_departures.rs`).
    pub(crate) ns3_cwnd_limited: bool,
    pub(crate) all_acked_reported: bool,
    /// Whether the flow uses its window, when cwnd grows only then (RFC 9438 §5.8,
    /// `connection/cwnd_use.rs`).
    pub(crate) cwnd_use: cwnd_use::CwndUse,
    /// Set by `poll_transmit` when the segment it returns leaves nothing to send at this
    /// instant: a further call now would return `None` and change nothing
    /// ([`TcpConnection::drained`]).
    pub(crate) drained: bool,

    // --- receive side ---
    pub(crate) irs: SeqNum,
    pub(crate) rcv_nxt: SeqNum,
    /// Shift applied to windows we advertise.
    pub(crate) rcv_shift: u8,
    /// In-order bytes held while the application is paused.
    pub(crate) rcv_unread: u64,
    pub(crate) rcv_paused: bool,
    pub(crate) assembler: Assembler,
    /// Sequence number of a FIN that arrived above RCV.NXT.
    pub(crate) rcv_fin: Option<SeqNum>,
    pub(crate) ack_pending: bool,
    /// In-order data segments received since we last sent an ACK (delayed ACK).
    pub(crate) unacked_segs: u32,
    pub(crate) ts_enabled: bool,
    pub(crate) ts_recent: u32,
    /// ECN codepoint of the last segment received (RFC 3168 §5), kept for ECN echo.
    pub(crate) rcv_ecn: Ecn,

    pub(crate) timers: [Option<SimTime>; 5],
    pub(crate) rtt: RttEstimator,
    /// cwnd and ssthresh, which the congestion controller computes.
    pub(crate) win: Window,
    /// The congestion controller.
    pub(crate) cc: Cc,
    /// Loss detection and fast recovery (`connection/recovery.rs`).
    pub(crate) recovery: Recovery,
    /// ECN negotiation, echo and reaction (`connection/ecn.rs`).
    pub(crate) ecn: EcnCtl,
    pub(crate) events: VecDeque<TcpEvent>,
    pub(crate) stats: TcpStats,
    /// SACK (RFC 2018) negotiated: both SYNs carried SACK-permitted.
    pub(crate) sack_ok: bool,
    /// The receiver's SACK blocks and D-SACK (`connection/sack_rx.rs`); out of line, like
    /// the next two, as most connections never use them (`connection/out_of_line.rs`).
    pub(crate) sack_rx: OutOfLine<SackRx>,
    /// The sender's scoreboard and PRR (`connection/sack_recovery.rs`).
    pub(crate) sack_tx: OutOfLine<SackTx>,
    /// RACK-TLP (`connection/rack.rs`).
    pub(crate) rack: OutOfLine<rack::Rack>,
}

/// Whether RFC 9438 §5.8's rule applies: the config asks for it, and ns-3's own version of it
/// (the `cwnd-limited` departure, for CUBIC) does not replace it.
fn holds_when_app_limited(cfg: &TcpConfig) -> bool {
    cfg.holds_when_app_limited()
        && !(cfg.ns3_departures.has(Ns3Departures::CWND_LIMITED) && cfg.variant == CcVariant::Cubic)
}

impl TcpConnection {
    fn blank(
        now: SimTime,
        cfg: &Arc<TcpConfig>,
        local_port: u16,
        remote_port: u16,
        iss: SeqNum,
    ) -> Self {
        let iw = cfg.initial_cwnd.max(1) * cfg.mss;
        TcpConnection {
            cfg: Arc::clone(cfg),
            state: TcpState::Closed,
            local_port,
            remote_port,
            iss,
            snd_una: iss,
            snd_nxt: iss,
            snd_max: iss,
            snd_wnd: 0,
            snd_wl1: SeqNum(0),
            snd_wl2: iss,
            snd_shift: 0,
            offered_ws: false,
            smss: cfg.mss,
            written: 0,
            una_off: 0,
            sent_off: 0,
            fin_queued: false,
            syn_pending: true,
            syn_sent: false,
            syn_retransmitted: false,
            rtx_pending: false,
            probe_pending: false,
            rst_pending: None,
            dup_acks: 0,
            consecutive_timeouts: 0,
            persist_backoff: 0,
            rtt_probe: None,
            last_send: now,
            all_sent_reported: true,
            ns3_cwnd_limited: false,
            all_acked_reported: true,
            cwnd_use: cwnd_use::CwndUse::new(holds_when_app_limited(cfg), iss),
            drained: false,
            irs: SeqNum(0),
            rcv_nxt: SeqNum(0),
            rcv_shift: 0,
            rcv_unread: 0,
            rcv_paused: false,
            assembler: Assembler::new(),
            rcv_fin: None,
            ack_pending: false,
            unacked_segs: 0,
            ts_enabled: false,
            ts_recent: 0,
            rcv_ecn: Ecn::NotEct,
            timers: [None; 5],
            rtt: RttEstimator::new(cfg),
            win: Window::new(cfg.mss, iw),
            cc: ns3_departures::new_cc(cfg),
            recovery: Recovery::new(cfg.variant, iss),
            ecn: EcnCtl::default(),
            events: VecDeque::with_capacity(8),
            stats: TcpStats::default(),
            sack_ok: false,
            sack_rx: OutOfLine::default(),
            sack_tx: OutOfLine::default(),
            rack: OutOfLine::default(),
        }
    }

    /// Active open: a connection in SYN-SENT whose SYN is the first thing
    /// [`poll_transmit`](Self::poll_transmit) returns.
    pub fn connect(
        now: SimTime,
        cfg: &TcpConfig,
        local_port: u16,
        remote_port: u16,
        iss: SeqNum,
    ) -> Self {
        Self::connect_shared(now, &Arc::new(*cfg), local_port, remote_port, iss)
    }

    /// [`TcpConnection::connect`] with settings shared with other connections.
    pub(crate) fn connect_shared(
        now: SimTime,
        cfg: &Arc<TcpConfig>,
        local_port: u16,
        remote_port: u16,
        iss: SeqNum,
    ) -> Self {
        let mut c = Self::blank(now, cfg, local_port, remote_port, iss);
        c.ecn_init();
        c.state = TcpState::SynSent;
        if let Some(shift) = cfg.window_shift() {
            c.offered_ws = true;
            c.rcv_shift = shift;
        }
        c
    }

    /// Passive open from a received SYN: a connection in SYN-RECEIVED whose SYN-ACK is queued.
    /// Window scaling is used iff the SYN offered it (then our SYN-ACK carries our shift, even
    /// 0, RFC 7323 §2.2); timestamps iff both ends want them.
    pub fn accept(now: SimTime, cfg: &TcpConfig, syn: &TcpRepr, iss: SeqNum) -> Self {
        Self::accept_shared(now, &Arc::new(*cfg), syn, iss)
    }

    /// [`TcpConnection::accept`] with settings shared with other connections.
    pub(crate) fn accept_shared(
        now: SimTime,
        cfg: &Arc<TcpConfig>,
        syn: &TcpRepr,
        iss: SeqNum,
    ) -> Self {
        let mut c = Self::blank(now, cfg, syn.dst_port, syn.src_port, iss);
        c.state = TcpState::SynReceived;
        c.ecn_init();
        c.ecn_on_syn(syn, true);
        c.irs = syn.seq;
        c.rcv_nxt = syn.seq + 1;
        c.apply_peer_syn_options(syn);
        if let Some(peer_shift) = syn.options.window_scale {
            c.snd_shift = peer_shift.min(14);
            c.offered_ws = true;
            c.rcv_shift = cfg.window_shift().unwrap_or(0);
        }
        // RFC 7323 §2.2: the window in a SYN is never scaled.
        c.snd_wnd = u32::from(syn.window);
        c.snd_wl1 = syn.seq;
        c.snd_wl2 = iss;
        c
    }

    /// MSS and timestamps from the peer's SYN or SYN-ACK.
    pub(crate) fn apply_peer_syn_options(&mut self, syn: &TcpRepr) {
        // RFC 9293 §3.7.1: 536 when the peer sends no MSS option.
        let peer_mss = syn.options.mss_value().map_or(536, u32::from);
        self.sack_ok = self.cfg.sack && syn.options.sack.is_permitted();
        self.smss = self.cfg.mss.min(peer_mss).max(1);
        if let Some((tsval, _)) = syn.options.timestamps {
            self.ts_enabled = self.cfg.timestamps;
            self.ts_recent = tsval;
        }
    }

    /// The handshake completed: start congestion control with the negotiated SMSS.
    pub(crate) fn establish(&mut self) {
        // RFC 5681 §3.1: one segment if the SYN or SYN-ACK was lost.
        let iw = if self.syn_retransmitted {
            self.smss
        } else {
            self.cfg.initial_cwnd.max(1) * self.smss
        };
        // The controller and the recovery state are fresh: nothing reaches them before the
        // handshake completes (a timeout while handshaking only resends the SYN).
        self.win = Window::new(self.smss, iw);
        self.stats.max_cwnd_bytes = self.stats.max_cwnd_bytes.max(iw);
        self.state = if self.fin_queued {
            TcpState::FinWait1
        } else {
            TcpState::Established
        };
        self.events.push_back(TcpEvent::Connected);
    }

    /// Queues up to `bytes` of (virtual) data; returns how many were accepted, at most
    /// `snd_buf` − (unsent + unacknowledged). Nothing is accepted after [`close`](Self::close).
    pub fn write(&mut self, bytes: u64) -> u64 {
        let open = matches!(
            self.state,
            TcpState::SynSent | TcpState::SynReceived | TcpState::Established | TcpState::CloseWait
        );
        if !open || self.fin_queued {
            return 0;
        }
        let queued = self.written - self.una_off;
        let accepted = bytes.min(self.cfg.snd_buf.saturating_sub(queued));
        if accepted > 0 {
            self.written += accepted;
            self.all_sent_reported = false;
            self.all_acked_reported = false;
        }
        accepted
    }

    /// Closes our direction: a FIN follows all written data. Closing in SYN-SENT with nothing
    /// written abandons the connection at once (RFC 9293 §3.10.4); with data written, the FIN is
    /// queued behind it and sent once the handshake completes (RFC 793's permitted "queue until
    /// ESTABLISHED"), so a host may write and close straight after `connect`.
    pub fn close(&mut self) {
        match self.state {
            TcpState::SynSent if self.written == 0 => self.enter_closed(),
            TcpState::SynSent | TcpState::SynReceived => self.fin_queued = true,
            TcpState::Established => {
                self.fin_queued = true;
                self.state = TcpState::FinWait1;
            }
            TcpState::CloseWait => {
                self.fin_queued = true;
                self.state = TcpState::LastAck;
            }
            _ => {}
        }
    }

    /// Pauses or resumes the application's reading. While paused, in-order data stays in the
    /// receive buffer and shrinks the advertised window (flow control); resuming delivers it and
    /// sends a window update.
    pub fn set_receive_paused(&mut self, paused: bool) {
        self.rcv_paused = paused;
        if !paused && self.rcv_unread > 0 {
            let n = std::mem::take(&mut self.rcv_unread);
            self.deliver(n);
            self.ack_pending = true;
        }
    }

    /// Fires every timer whose deadline is at or before `now`. Early or repeated calls do
    /// nothing.
    pub fn handle_timeout(&mut self, now: SimTime) {
        for t in TIMERS {
            match self.timers[t as usize] {
                Some(deadline) if deadline <= now => {
                    self.timers[t as usize] = None;
                    self.on_timer(now, t);
                }
                _ => {}
            }
        }
    }

    fn on_timer(&mut self, now: SimTime, t: Timer) {
        match t {
            Timer::Rto => self.on_rto(now),
            Timer::Persist => {
                // RFC 9293 §3.8.6.1: probe the zero window, backing off like the RTO.
                if self.snd_wnd == 0 && self.snd_una == self.snd_max {
                    self.probe_pending = true;
                    self.persist_backoff += 1;
                    self.arm_persist(now);
                }
            }
            Timer::DelayedAck => self.ack_pending = true,
            Timer::TimeWait => self.enter_closed(),
            Timer::Rack => self.on_rack_timer(now),
        }
    }

    /// RFC 6298 §5.4–5.6 and RFC 5681 §3.1: retransmit from SND.UNA, back off, shrink the
    /// window.
    fn on_rto(&mut self, now: SimTime) {
        let handshaking = matches!(self.state, TcpState::SynSent | TcpState::SynReceived);
        if !handshaking && self.snd_una == self.snd_max {
            return; // nothing outstanding: a stale deadline
        }
        self.stats.timeouts += 1;
        self.consecutive_timeouts += 1;
        if self.consecutive_timeouts > self.cfg.max_retransmissions {
            self.events.push_back(TcpEvent::Reset);
            self.enter_closed();
            return;
        }
        if handshaking {
            self.syn_pending = true;
        } else {
            self.on_rto_loss(now, self.consecutive_timeouts == 1);
            if self.sack_ok {
                self.sack_on_rto();
            }
            self.snd_nxt = self.snd_una;
            self.dup_acks = 0;
            self.rtx_pending = false;
        }
        self.rtt_probe = None;
        self.rtt.back_off();
        self.timers[Timer::Rto as usize] = Some(now + self.rtt.rto());
    }

    pub(crate) fn arm_persist(&mut self, now: SimTime) {
        let base = self.rtt.rto().as_ps();
        let t = base
            .saturating_mul(1u64 << self.persist_backoff.min(30))
            .min(self.cfg.max_rto.as_ps());
        self.timers[Timer::Persist as usize] = Some(now + SimTime::from_ps(t));
    }

    pub(crate) fn deliver(&mut self, n: u64) {
        if n == 0 {
            return;
        }
        if self.rcv_paused {
            self.rcv_unread += n;
            return;
        }
        self.stats.bytes_delivered += n;
        if let Some(TcpEvent::Delivered(d)) = self.events.back_mut() {
            *d += n;
        } else {
            self.events.push_back(TcpEvent::Delivered(n));
        }
    }

    pub(crate) fn enter_closed(&mut self) {
        if self.state == TcpState::Closed {
            return;
        }
        self.state = TcpState::Closed;
        self.timers = [None; 5];
        self.syn_pending = false;
        self.rtx_pending = false;
        self.probe_pending = false;
        self.ack_pending = false;
        self.events.push_back(TcpEvent::Closed);
    }

    /// The sequence number just past the last written byte.
    pub(crate) fn data_end(&self) -> SeqNum {
        self.iss + 1 + self.written as u32
    }

    /// Whether a `poll_transmit` that finds nothing to send is repeatable: a second such call at
    /// the same instant, with nothing else changed, changes nothing. Only the restart after
    /// idle (RFC 5681 §4.1: data waiting, nothing in flight) calls out, to the congestion
    /// controller, on a poll that may find nothing.
    pub(crate) fn idle_poll_repeatable(&self) -> bool {
        !self.cfg.restart_after_idle
            || self.snd_una != self.snd_max
            || self.snd_nxt >= self.data_end() + u32::from(self.fin_queued)
    }

    /// Whether writing more data now leaves what `poll_transmit` returns unchanged: a full
    /// segment of written data already waits to be sent, so every branch that sends new data
    /// (which takes at most SMSS) sees the same segment, and nothing else reads how much is
    /// written.
    pub(crate) fn write_changes_no_output(&self) -> bool {
        self.data_end() - self.snd_nxt >= self.smss as i32
    }

    /// Whether our FIN has been sent and acknowledged.
    pub(crate) fn fin_acked(&self) -> bool {
        self.fin_queued && self.snd_una == self.data_end() + 1
    }

    /// FlightSize (RFC 5681 §2): SND.MAX − SND.UNA.
    pub(crate) fn flight_size(&self) -> u32 {
        (self.snd_max - self.snd_una).max(0) as u32
    }

    /// Our receive window: buffer space not held by unread data.
    pub(crate) fn rcv_wnd(&self) -> u32 {
        u64::from(self.cfg.rcv_buf_window()).saturating_sub(self.rcv_unread) as u32
    }

    /// The next segment to send, if any, with the IP fields to send it with. See
    /// `connection/output.rs`.
    #[must_use]
    pub fn poll_transmit(&mut self, now: SimTime) -> Option<Transmit> {
        self.drained = false;
        let rtx = self.stats.retransmissions;
        let (repr, payload_len) = if self.sack_ok {
            let mut out = self.transmit::<true>(now)?;
            self.attach_sack(&mut out.0);
            out
        } else {
            self.transmit::<false>(now)?
        };
        let mut ip = self.cfg.ip;
        if self.ecn.ok || self.ecn.dctcp {
            let resent = self.stats.retransmissions != rtx;
            ip.ecn = self.ecn.codepoint(payload_len, resent, ip.ecn);
        }
        Some(Transmit {
            repr,
            payload_len,
            ip,
        })
    }

    /// Whether the segment the last [`poll_transmit`](Self::poll_transmit) returned was the
    /// last one for now: a further call at the same instant, with no input in between, would
    /// return `None` and change nothing, so a caller may skip it. Only a pure ACK that found
    /// nothing else to send says so; `false` means "poll again" (and never misleads one that
    /// always does).
    pub fn drained(&self) -> bool {
        self.drained
    }

    /// The earliest timer deadline: RTO, persist, delayed ACK or TIME-WAIT.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<SimTime> {
        self.timers.iter().flatten().min().copied()
    }

    /// The next event, if any.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<TcpEvent> {
        self.events.pop_front()
    }

    /// How many events wait for [`poll_event`](Self::poll_event).
    #[must_use]
    pub fn pending_events(&self) -> usize {
        self.events.len()
    }

    /// Counters.
    pub fn stats(&self) -> &TcpStats {
        &self.stats
    }
    /// Congestion window (bytes).
    pub fn cwnd(&self) -> u32 {
        self.win.cwnd
    }
    /// Slow-start threshold (bytes) (`u32::MAX` until the first loss).
    pub fn ssthresh(&self) -> u32 {
        self.win.ssthresh
    }
    /// Whether the connection is in fast recovery.
    pub fn in_recovery(&self) -> bool {
        self.recovery.in_recovery
    }
    /// The congestion controller (to read a custom controller's state back with
    /// [`Cc::downcast_ref`]).
    pub fn congestion_control(&self) -> &Cc {
        &self.cc
    }
    /// The ECN codepoint (RFC 3168 §5) of the IP header of the last segment received for this
    /// connection; Not-ECT before any.
    pub fn received_ecn(&self) -> Ecn {
        self.rcv_ecn
    }
    /// Whether ECN was negotiated on this connection (RFC 3168 §6.1.1).
    pub fn ecn_negotiated(&self) -> bool {
        self.ecn.ok
    }
    /// How many times (cwnd, ssthresh) changed: a cheap trigger for a window trace.
    pub fn cc_changes(&self) -> u64 {
        self.stats.cc_changes
    }
    /// Smoothed RTT, once measured.
    pub fn srtt(&self) -> Option<SimTime> {
        self.rtt.srtt()
    }
    /// RTT variation (zero before the first sample).
    pub fn rttvar(&self) -> SimTime {
        self.rtt.rttvar()
    }
    /// Current retransmission timeout, back-off included.
    pub fn rto(&self) -> SimTime {
        self.rtt.rto()
    }
    /// Bytes sent and not yet acknowledged, counted from SND.NXT (after a timeout the
    /// go-back-N resend point), SYN/FIN included.
    pub fn bytes_in_flight(&self) -> u32 {
        (self.snd_nxt - self.snd_una).max(0) as u32
    }
    /// Connection state.
    pub fn state(&self) -> TcpState {
        self.state
    }
    /// Sender maximum segment size negotiated in the handshake.
    pub fn smss(&self) -> u32 {
        self.smss
    }
    /// The peer's receive window as we last heard it (bytes, scaled).
    pub fn snd_wnd(&self) -> u32 {
        self.snd_wnd
    }
    /// SND.UNA, the oldest unacknowledged sequence number.
    pub fn snd_una(&self) -> SeqNum {
        self.snd_una
    }
    /// SND.NXT, the next sequence number to send.
    pub fn snd_nxt(&self) -> SeqNum {
        self.snd_nxt
    }
    /// RCV.NXT, the next sequence number expected from the peer.
    pub fn rcv_nxt(&self) -> SeqNum {
        self.rcv_nxt
    }
    /// Bytes written and not yet acknowledged.
    pub fn unacked_bytes(&self) -> u64 {
        self.written - self.una_off
    }
    /// Local port.
    pub fn local_port(&self) -> u16 {
        self.local_port
    }
    /// Remote port.
    pub fn remote_port(&self) -> u16 {
        self.remote_port
    }
}

/// Test-only checks of the host's two shortcuts, run on every poll of the fixture and of the
/// two-endpoint harness (so across the TCP tests, losses, SACK and timeouts included).
#[cfg(test)]
impl TcpConnection {
    /// `drained` after a poll that returned a segment: a further poll now returns `None` and
    /// leaves the connection exactly as it is (compared field by field through `Debug`).
    pub(crate) fn check_drained(&self, now: SimTime) {
        if !self.drained {
            return;
        }
        let mut again = self.clone();
        assert!(
            again.poll_transmit(now).is_none(),
            "drained, yet a further poll sends"
        );
        let mut same = self.clone();
        same.drained = false;
        assert_eq!(
            format!("{again:?}"),
            format!("{same:?}"),
            "drained, yet a further poll changes the connection"
        );
    }

    /// `write_changes_no_output`: the next poll returns the same with `bytes` more written.
    pub(crate) fn check_write_changes_no_output(&self, now: SimTime, bytes: u64) {
        if !self.write_changes_no_output() {
            return;
        }
        let (mut without, mut with) = (self.clone(), self.clone());
        with.write(bytes);
        assert_eq!(
            with.poll_transmit(now),
            without.poll_transmit(now),
            "a write said to change no output changed the next segment"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::established;
    use super::*;
    use crate::tcp::IpFields;
    use crate::wire::TcpFlags;

    const MSS: u32 = 1448;

    /// The next segment as (header, payload length).
    fn tx(c: &mut TcpConnection, now: SimTime) -> Option<(TcpRepr, u32)> {
        c.poll_transmit(now).map(|t| (t.repr, t.payload_len))
    }

    fn ms(v: u64) -> SimTime {
        SimTime::from_ms(v)
    }

    /// Moves everything `from` sends at `now` into `to`; returns the segments.
    fn xfer(from: &mut TcpConnection, to: &mut TcpConnection, now: SimTime) -> Vec<(TcpRepr, u32)> {
        let out: Vec<_> = std::iter::from_fn(|| tx(from, now)).collect();
        for (seg, len) in &out {
            to.handle_segment(now, seg, *len, Ecn::NotEct);
        }
        out
    }

    fn events(c: &mut TcpConnection) -> Vec<TcpEvent> {
        std::iter::from_fn(|| c.poll_event()).collect()
    }

    /// Runs a lossless handshake at t = 0 (client ISS 100, server ISS 9000).
    fn pair(a_cfg: TcpConfig, b_cfg: TcpConfig) -> (TcpConnection, TcpConnection) {
        let mut a = TcpConnection::connect(SimTime::ZERO, &a_cfg, 5000, 80, SeqNum(100));
        let (syn, _) = tx(&mut a, SimTime::ZERO).expect("SYN");
        let mut b = TcpConnection::accept(SimTime::ZERO, &b_cfg, &syn, SeqNum(9000));
        xfer(&mut b, &mut a, SimTime::ZERO);
        xfer(&mut a, &mut b, SimTime::ZERO);
        assert_eq!(a.state(), TcpState::Established, "client open");
        assert_eq!(b.state(), TcpState::Established, "server open");
        assert_eq!(events(&mut a), [TcpEvent::Connected], "client event");
        assert_eq!(events(&mut b), [TcpEvent::Connected], "server event");
        (a, b)
    }

    /// With a 4 MiB buffer the SYN and SYN-ACK carry MSS 1448 and window scale 7 and an unscaled
    /// window of 65535; after the handshake the client sees the server's window as
    /// 32768 << 7 = 4 MiB, far beyond 64 KiB (RFC 7323 §2).
    #[test]
    fn handshake_negotiates_window_scale() {
        let cfg = TcpConfig::default();
        let mut a = TcpConnection::connect(SimTime::ZERO, &cfg, 5000, 80, SeqNum(100));
        let (syn, len) = tx(&mut a, SimTime::ZERO).expect("SYN");
        assert_eq!((syn.flags, len), (TcpFlags::SYN, 0), "bare SYN");
        assert_eq!(syn.options.mss_value(), Some(1448), "MSS option");
        assert_eq!(syn.options.window_scale, Some(7), "4 MiB needs shift 7");
        assert_eq!(syn.options.timestamps, None, "timestamps off by default");
        assert_eq!(syn.window, 65_535, "SYN window is unscaled");
        let mut b = TcpConnection::accept(SimTime::ZERO, &cfg, &syn, SeqNum(9000));
        let (synack, _) = tx(&mut b, SimTime::ZERO).expect("SYN-ACK");
        assert_eq!(synack.flags, TcpFlags::SYN | TcpFlags::ACK, "SYN-ACK");
        assert_eq!(synack.ack, SeqNum(101), "acks the SYN");
        assert_eq!(synack.options.window_scale, Some(7), "echoes scaling");
        a.handle_segment(ms(1), &synack, 0, Ecn::NotEct);
        xfer(&mut a, &mut b, ms(2));
        assert_eq!(b.state(), TcpState::Established, "server open");
        assert_eq!(b.snd_wnd(), 4 << 20, "server sees the client's 4 MiB");
        a.write(u64::from(MSS));
        xfer(&mut a, &mut b, ms(3));
        let acks = xfer(&mut b, &mut a, ms(4));
        assert_eq!(acks[0].0.window, 32_768, "scaled field");
        assert_eq!(a.snd_wnd(), 4 << 20, "window opens beyond 64 KiB");
    }

    /// A buffer of 65 535 needs no scaling: no option is sent, the server answers without one,
    /// and windows stay unscaled on both sides.
    #[test]
    fn handshake_without_window_scale() {
        let small = TcpConfig {
            rcv_buf: 65_535,
            ..TcpConfig::default()
        };
        let (mut a, mut b) = pair(small, TcpConfig::default());
        assert_eq!(a.rcv_shift, 0, "client does not scale");
        assert_eq!(
            b.rcv_shift, 0,
            "server may not scale either (RFC 7323 §2.2)"
        );
        a.write(u64::from(MSS));
        xfer(&mut a, &mut b, ms(1));
        xfer(&mut b, &mut a, ms(2));
        assert_eq!(a.snd_wnd(), 65_535, "capped, unscaled");
    }

    /// Timestamps: offered on the SYN when enabled (options 4 + 3 + 10 → 20 bytes), then carried
    /// on every segment (12 bytes) with TSval = now in ms and TSecr echoing the peer; not used
    /// when only one side enables them.
    #[test]
    fn timestamps_option() {
        let ts = TcpConfig {
            timestamps: true,
            ..TcpConfig::default()
        };
        let mut a = TcpConnection::connect(SimTime::ZERO, &ts, 5000, 80, SeqNum(100));
        let (syn, _) = tx(&mut a, SimTime::ZERO).unwrap();
        assert_eq!(syn.options.timestamps, Some((0, 0)), "TSval 0 at t = 0");
        assert_eq!(syn.options.len(), 20, "MSS + WS + TS, padded");
        let mut b = TcpConnection::accept(ms(5), &ts, &syn, SeqNum(9000));
        let (synack, _) = tx(&mut b, ms(5)).unwrap();
        assert_eq!(synack.options.timestamps, Some((5, 0)), "server's TSval");
        a.handle_segment(ms(10), &synack, 0, Ecn::NotEct);
        a.write(u64::from(MSS));
        let (data, _) = tx(&mut a, ms(12)).unwrap();
        assert_eq!(data.options.timestamps, Some((12, 5)), "TSval, TSecr");
        assert_eq!(data.header_len(), 32, "20 + 12 bytes");
        let (a, _) = pair(ts, TcpConfig::default());
        assert!(!a.ts_enabled, "needs both sides");
    }

    /// The server resends its SYN-ACK on a repeated SYN and on RTO; the handshake then completes
    /// with an initial window of one segment (RFC 5681 §3.1, SYN-ACK was lost).
    #[test]
    fn syn_ack_retransmission() {
        let cfg = TcpConfig::default();
        let mut a = TcpConnection::connect(SimTime::ZERO, &cfg, 5000, 80, SeqNum(100));
        let (syn, _) = tx(&mut a, SimTime::ZERO).unwrap();
        let mut b = TcpConnection::accept(SimTime::ZERO, &cfg, &syn, SeqNum(9000));
        let _lost = tx(&mut b, SimTime::ZERO).unwrap();
        b.handle_segment(ms(500), &syn, 0, Ecn::NotEct);
        let (again, _) = tx(&mut b, ms(500)).expect("SYN-ACK on repeated SYN");
        assert!(again.flags.contains(TcpFlags::SYN), "a SYN-ACK");
        assert_eq!(
            b.poll_timeout(),
            Some(SimTime::from_secs(1)),
            "RTO still 1 s"
        );
        b.handle_timeout(SimTime::from_secs(1));
        let (synack, _) = tx(&mut b, SimTime::from_secs(1)).expect("SYN-ACK on RTO");
        assert_eq!(b.stats().retransmissions, 2, "both counted");
        a.handle_segment(ms(1010), &synack, 0, Ecn::NotEct);
        xfer(&mut a, &mut b, ms(1010));
        assert_eq!(b.state(), TcpState::Established, "server open");
        assert_eq!(b.cwnd(), MSS, "IW = 1 segment after a SYN-ACK loss");
        assert_eq!(a.cwnd(), 10 * MSS, "client's SYN was not lost: IW = 10");
    }

    /// A SYN-SENT endpoint resets on an acceptable RST and answers a SYN-ACK with a wrong ACK
    /// number with `<SEQ=SEG.ACK><CTL=RST>` (RFC 9293 §3.10.7.3).
    #[test]
    fn syn_sent_resets() {
        let cfg = TcpConfig::default();
        let mut a = TcpConnection::connect(SimTime::ZERO, &cfg, 5000, 80, SeqNum(100));
        let _ = tx(&mut a, SimTime::ZERO);
        let bad = TcpRepr {
            src_port: 80,
            dst_port: 5000,
            seq: SeqNum(1),
            ack: SeqNum(555),
            flags: TcpFlags::SYN | TcpFlags::ACK,
            ..TcpRepr::default()
        };
        a.handle_segment(ms(1), &bad, 0, Ecn::NotEct);
        let (rst, _) = tx(&mut a, ms(1)).expect("RST");
        assert_eq!((rst.flags, rst.seq), (TcpFlags::RST, SeqNum(555)), "RST");
        assert_eq!(a.state(), TcpState::SynSent, "still waiting");
        let refuse = TcpRepr {
            ack: SeqNum(101),
            flags: TcpFlags::RST | TcpFlags::ACK,
            ..bad
        };
        a.handle_segment(ms(2), &refuse, 0, Ecn::NotEct);
        assert_eq!(
            events(&mut a),
            [TcpEvent::Reset, TcpEvent::Closed],
            "refused"
        );
    }

    /// FIN teardown: the closer goes FIN-WAIT-1 → FIN-WAIT-2 → TIME-WAIT → CLOSED (after
    /// `time_wait`), the other side CLOSE-WAIT → LAST-ACK → CLOSED, with PeerClosed and Closed
    /// events.
    #[test]
    fn fin_teardown_both_sides() {
        let (mut a, mut b) = pair(TcpConfig::default(), TcpConfig::default());
        a.write(1000);
        a.close();
        assert_eq!(a.state(), TcpState::FinWait1, "closing");
        let segs = xfer(&mut a, &mut b, ms(1));
        assert_eq!(segs.len(), 1, "FIN rides on the data");
        assert!(segs[0].0.flags.contains(TcpFlags::FIN), "FIN set");
        assert_eq!(b.state(), TcpState::CloseWait, "server saw FIN");
        assert_eq!(
            events(&mut b),
            [TcpEvent::Delivered(1000), TcpEvent::PeerClosed],
            "server events"
        );
        xfer(&mut b, &mut a, ms(2));
        assert_eq!(a.state(), TcpState::FinWait2, "FIN acked");
        b.close();
        assert_eq!(b.state(), TcpState::LastAck, "server closing");
        xfer(&mut b, &mut a, ms(3));
        assert_eq!(a.state(), TcpState::TimeWait, "client lingers");
        xfer(&mut a, &mut b, ms(4));
        assert_eq!(b.state(), TcpState::Closed, "server closed");
        assert_eq!(
            events(&mut b),
            [TcpEvent::Closed],
            "server wrote nothing: only Closed"
        );
        assert_eq!(
            a.poll_timeout(),
            Some(ms(3) + a.cfg.time_wait),
            "TIME-WAIT timer"
        );
        a.handle_timeout(ms(3) + a.cfg.time_wait);
        assert_eq!(a.state(), TcpState::Closed, "client closed");
        assert_eq!(
            events(&mut a),
            [
                TcpEvent::AllSent,
                TcpEvent::AllAcked,
                TcpEvent::PeerClosed,
                TcpEvent::Closed
            ],
            "client events"
        );
    }

    /// Simultaneous close: both FINs cross, each side goes FIN-WAIT-1 → CLOSING → TIME-WAIT
    /// and both reach CLOSED after `time_wait`.
    #[test]
    fn simultaneous_close() {
        let (mut a, mut b) = pair(TcpConfig::default(), TcpConfig::default());
        a.close();
        b.close();
        let a_fin: Vec<_> = std::iter::from_fn(|| tx(&mut a, ms(1))).collect();
        let b_fin: Vec<_> = std::iter::from_fn(|| tx(&mut b, ms(1))).collect();
        for (seg, len) in &a_fin {
            b.handle_segment(ms(2), seg, *len, Ecn::NotEct);
        }
        for (seg, len) in &b_fin {
            a.handle_segment(ms(2), seg, *len, Ecn::NotEct);
        }
        assert_eq!(
            (a.state(), b.state()),
            (TcpState::Closing, TcpState::Closing),
            "FINs crossed"
        );
        xfer(&mut a, &mut b, ms(3));
        xfer(&mut b, &mut a, ms(3));
        assert_eq!(
            (a.state(), b.state()),
            (TcpState::TimeWait, TcpState::TimeWait),
            "both ACKed"
        );
        let t = ms(3) + TcpConfig::default().time_wait;
        a.handle_timeout(t);
        b.handle_timeout(t);
        assert_eq!(
            (a.state(), b.state()),
            (TcpState::Closed, TcpState::Closed),
            "closed"
        );
    }

    /// AllSent fires when the last written byte is first transmitted, before any ACK; AllAcked
    /// when it is acknowledged; both re-arm after a further write.
    #[test]
    fn all_sent_and_all_acked_events() {
        let mut fx = established(TcpConfig::default());
        fx.c.write(3 * u64::from(MSS));
        assert!(fx.events().is_empty(), "nothing sent yet");
        assert_eq!(fx.drain(ms(10)).len(), 3, "three segments");
        assert_eq!(fx.events(), [TcpEvent::AllSent], "all sent, none acked");
        fx.ack(ms(20), 2 * MSS);
        assert!(fx.events().is_empty(), "partially acked");
        fx.ack(ms(21), 3 * MSS);
        assert_eq!(fx.events(), [TcpEvent::AllAcked], "all acked");
        fx.c.write(10);
        let _ = fx.drain(ms(22));
        assert_eq!(fx.events(), [TcpEvent::AllSent], "re-armed by write");
    }

    /// The IP fields of the configuration ride on every segment — SYN, data and pure ACK —
    /// as TOS 0x02 for ECT(0); the ECN codepoint of each arriving segment is kept (the last one)
    /// and CE arrivals are counted.
    #[test]
    fn ip_fields_out_and_ecn_in() {
        let ect0 = IpFields {
            dscp: 0,
            ecn: Ecn::Ect0,
        };
        let cfg = TcpConfig {
            ip: ect0,
            ..TcpConfig::default()
        };
        let mut a = TcpConnection::connect(SimTime::ZERO, &cfg, 5000, 80, SeqNum(100));
        let syn = a.poll_transmit(SimTime::ZERO).expect("SYN");
        assert_eq!((syn.ip, syn.ip.tos()), (ect0, 0x02), "SYN");
        let mut b =
            TcpConnection::accept(SimTime::ZERO, &TcpConfig::default(), &syn.repr, SeqNum(9));
        assert_eq!(a.received_ecn(), Ecn::NotEct, "nothing received yet");
        let synack = b.poll_transmit(SimTime::ZERO).expect("SYN-ACK");
        assert_eq!(synack.ip.tos(), 0, "the default config sends TOS 0");
        a.handle_segment(ms(1), &synack.repr, 0, Ecn::Ce);
        assert_eq!(a.received_ecn(), Ecn::Ce, "CE seen");
        a.write(u64::from(MSS));
        let out: Vec<_> = std::iter::from_fn(|| a.poll_transmit(ms(1))).collect();
        assert_eq!(out.len(), 1, "data carries the ACK");
        assert_eq!((out[0].payload_len, out[0].ip.tos()), (MSS, 0x02), "data");
        b.handle_segment(ms(2), &out[0].repr, MSS, out[0].ip.ecn);
        assert_eq!(b.received_ecn(), Ecn::Ect0, "the peer sees ECT(0)");
        let ack = b.poll_transmit(ms(2)).expect("ACK");
        a.handle_segment(ms(3), &ack.repr, 0, Ecn::NotEct);
        assert_eq!(a.received_ecn(), Ecn::NotEct, "the last codepoint");
        assert_eq!(a.stats().ce_received, 1, "one CE arrival counted");
        let mut fx = established(cfg);
        fx.peer_data(ms(20), 0, 100, 0);
        let pure = fx.c.poll_transmit(ms(20)).expect("pure ACK");
        assert_eq!((pure.payload_len, pure.ip.ecn), (0, Ecn::Ect0), "pure ACK");
    }

    /// `write` accepts at most snd_buf − (unsent + unacked) and nothing after `close`.
    #[test]
    fn write_respects_send_buffer() {
        let mut fx = established(TcpConfig {
            snd_buf: 10_000,
            ..TcpConfig::default()
        });
        assert_eq!(fx.c.write(25_000), 10_000, "buffer full");
        assert_eq!(fx.c.write(1), 0, "no room");
        let _ = fx.drain(ms(10));
        fx.ack(ms(20), 2 * MSS);
        assert_eq!(
            fx.c.write(25_000),
            u64::from(2 * MSS),
            "room freed by the ACK"
        );
        fx.c.close();
        assert_eq!(fx.c.write(1), 0, "closed for writing");
    }
}
