//! Congestion control: how the window grows on ACKs and how far it falls on a congestion event,
//! and nothing else (ns-3's `TcpCongestionOps`, quinn-proto's `congestion::Controller`).
//!
//! The connection detects loss — three duplicate ACKs or a retransmission timeout — and runs
//! fast recovery, Reno's or NewReno's (`connection/recovery.rs`, ns-3's `TcpRecoveryOps`). It
//! tells the controller what happened through four calls, each with the time:
//!
//! ```text
//!   ACK of new data, outside recovery ──► on_ack(now, w, AckSample { acked, flight, rtt, srtt, min_rtt })
//!   3rd duplicate ACK / RTO expiry    ──► on_congestion_event(now, w, CongestionEvent { kind, flight })
//!   fast recovery over                ──► on_recovery_end(now, w)
//!   idle restart (RFC 5681 §4.1)      ──► on_idle_restart(now, w, iw)
//!   data sent with nothing in flight  ──► on_send_after_idle(now, idle)
//! ```
//!
//! With [`TcpConfig::holds_when_app_limited`](super::TcpConfig::holds_when_app_limited) (RFC
//! 9438 §5.8; on with CUBIC and in the `linux` preset) the connection does not call `on_ack`
//! for an ACK that arrives while the flow is not cwnd-limited (`connection/cwnd_use.rs`).
//!
//! The controller answers by writing cwnd and ssthresh in the connection's [`Window`] (ns-3's
//! `TcpSocketState`). During fast recovery the recovery algorithm owns cwnd (inflation,
//! partial-ACK deflation) and sets it on exit; the controller chose the ssthresh it returns to.
//!
//! The connection runs a [`Cc`], dispatched by `match`: the built-in controllers are called
//! directly, with no vtable; [`Cc::Custom`] holds any [`CongestionControl`] from outside the
//! crate, chosen with [`CcVariant::Custom`].

mod cubic;
mod dctcp;
pub mod hystart;
mod reno;

pub use cubic::{Cubic, Epoch as CubicEpoch};
pub use dctcp::{ALPHA_ONE, Dctcp};
pub use hystart::HyStart;
pub use reno::Reno;

use std::any::Any;
use std::fmt;
use std::hash::{Hash, Hasher};

use sim_core::SimTime;

use crate::wire::SeqNum;

use super::CcVariant;

/// The window state a controller computes, kept by the connection. All windows in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Congestion window (bytes).
    pub cwnd: u32,
    /// Slow-start threshold (bytes); "arbitrarily high" at first (RFC 5681 §3.1).
    pub ssthresh: u32,
    /// Sender maximum segment size (bytes), negotiated in the handshake.
    pub smss: u32,
}

/// A ceiling that keeps window arithmetic far from overflow.
pub const MAX_CWND: u32 = 1 << 30;

impl Window {
    /// A window of `iw` bytes and an unbounded ssthresh.
    pub fn new(smss: u32, iw: u32) -> Self {
        Window {
            cwnd: iw,
            ssthresh: u32::MAX,
            smss,
        }
    }

    /// ssthresh = max(FlightSize / 2, 2·SMSS) (RFC 5681 eq. 4).
    pub fn loss_ssthresh(&self, flight_size: u32) -> u32 {
        (flight_size / 2).max(2 * self.smss)
    }

    /// Whether cwnd < ssthresh (slow start, RFC 5681 §3.1).
    pub fn in_slow_start(&self) -> bool {
        self.cwnd < self.ssthresh
    }
}

/// An acknowledgment that advanced SND.UNA outside fast recovery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AckSample {
    /// The cumulative acknowledgment number (the new SND.UNA).
    pub ack: SeqNum,
    /// Sequence space newly acknowledged by this ACK (bytes) (N in RFC 5681 §3.1).
    pub acked: u32,
    /// FlightSize after this ACK: SND.MAX − SND.UNA (bytes) (RFC 5681 §2).
    pub flight_size: u32,
    /// The RTT measured by this ACK, if it completed the timed segment (Karn-valid).
    pub rtt: Option<SimTime>,
    /// Smoothed RTT after this ACK (RFC 6298), once measured.
    pub srtt: Option<SimTime>,
    /// The smallest RTT measured on this connection so far (RFC 9438 §4.10's and HyStart's
    /// `min_rtt`), once measured.
    pub min_rtt: Option<SimTime>,
}

/// What made the connection reduce its window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CongestionKind {
    /// The third duplicate ACK (RFC 5681 §3.2 step 2): a fast retransmit and fast recovery
    /// follow. The controller sets ssthresh; cwnd belongs to the recovery until
    /// [`CongestionControl::on_recovery_end`].
    DuplicateAcks,
    /// The retransmission timer expired (RFC 5681 §3.1, RFC 6298 §5.5): the controller sets the
    /// loss window. `first` is false for a repeated expiry of the same segment, which must not
    /// shrink ssthresh again (RFC 5681 §3.1, after eq. 4).
    Timeout {
        /// The first expiry since the last ACK of new data.
        first: bool,
    },
}

/// A congestion event the connection detected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CongestionEvent {
    /// What happened.
    pub kind: CongestionKind,
    /// FlightSize when it happened: SND.MAX − SND.UNA (bytes).
    pub flight_size: u32,
}

/// A congestion controller: window growth and reduction. Implement it (with `Clone` and
/// `Debug`) to run a new algorithm from outside the crate through [`CcVariant::Custom`]; the
/// built-in ones implement it too. Every call gets the time and the connection's [`Window`].
pub trait CongestionControl: CcClone + fmt::Debug {
    /// An ACK of new data outside fast recovery (RFC 5681 §3.1): slow start or congestion
    /// avoidance. Not called for the ACK of the SYN, nor during fast recovery.
    fn on_ack(&mut self, now: SimTime, w: &mut Window, ack: &AckSample);

    /// A congestion event (see [`CongestionKind`] for what to set).
    fn on_congestion_event(&mut self, now: SimTime, w: &mut Window, ev: &CongestionEvent);

    /// Fast recovery ended (the ACK that ended it has set cwnd). Nothing by default.
    fn on_recovery_end(&mut self, now: SimTime, w: &mut Window) {
        let _ = (now, w);
    }

    /// The connection was idle for more than one RTO and restarts (RFC 5681 §4.1, only with
    /// [`TcpConfig::restart_after_idle`](super::TcpConfig::restart_after_idle)). By default
    /// cwnd = min(`iw`, cwnd).
    fn on_idle_restart(&mut self, now: SimTime, w: &mut Window, iw: u32) {
        let _ = now;
        w.cwnd = w.cwnd.min(iw);
    }

    /// New data leaves after `idle` without any data in flight (Linux's `CA_EVENT_TX_START`),
    /// only with [`TcpConfig::holds_when_app_limited`](super::TcpConfig::holds_when_app_limited).
    /// A controller whose growth follows the clock must not count the idle time (RFC 9438
    /// §5.8, §4.2's t). Nothing by default.
    fn on_send_after_idle(&mut self, now: SimTime, idle: SimTime) {
        let _ = (now, idle);
    }

    /// An ECN-Echo the connection answers (RFC 3168 §6.1.2, at most once per window, never
    /// during fast recovery): set ssthresh and cwnd. By default the reduction of a loss
    /// ([`CongestionKind::DuplicateAcks`] with `flight_size`) with cwnd = ssthresh and no
    /// retransmission.
    fn on_ecn_echo(&mut self, now: SimTime, w: &mut Window, flight_size: u32) {
        let ev = CongestionEvent {
            kind: CongestionKind::DuplicateAcks,
            flight_size,
        };
        self.on_congestion_event(now, w, &ev);
        w.cwnd = w.ssthresh.max(w.smss);
        self.on_recovery_end(now, w);
    }

    /// Every ACK of new data on an ECN connection, in or out of recovery: SND.UNA is now
    /// `una` after `acked` bytes, the ACK carried ECE `ece`, SND.MAX is `snd_max` (DCTCP's
    /// marked-fraction bookkeeping, RFC 8257 §3.3). Nothing by default.
    fn on_ack_ecn(&mut self, una: SeqNum, acked: u32, ece: bool, snd_max: SeqNum) {
        let _ = (una, acked, ece, snd_max);
    }
}

/// Cloning and downcasting for boxed controllers; implemented for every
/// `CongestionControl + Clone + 'static`, so an implementor only derives `Clone`.
pub trait CcClone {
    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn CongestionControl>;
    /// The controller as `Any`, to read a custom controller's own state back.
    fn as_any(&self) -> &dyn Any;
}

impl<T: CongestionControl + Clone + 'static> CcClone for T {
    fn clone_box(&self) -> Box<dyn CongestionControl> {
        Box::new(self.clone())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Clone for Box<dyn CongestionControl> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// Makes the controller of a connection that uses [`CcVariant::Custom`]. A plain function, so
/// that [`TcpConfig`](super::TcpConfig) stays `Copy`; each connection gets its own controller.
#[derive(Clone, Copy)]
pub struct CcFactory(pub fn() -> Box<dyn CongestionControl>);

impl PartialEq for CcFactory {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::fn_addr_eq(self.0, other.0)
    }
}

impl Eq for CcFactory {}

impl Hash for CcFactory {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.0 as usize).hash(state);
    }
}

impl fmt::Debug for CcFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CcFactory({:#x})", self.0 as usize)
    }
}

/// The controller a connection runs, dispatched by `match`: no allocation and no vtable for the
/// built-in ones.
#[derive(Clone, Debug)]
pub enum Cc {
    /// The RFC 5681 window (slow start, congestion avoidance, eq. 4), for both `reno` and
    /// `newreno` (they differ in fast recovery, which is the connection's).
    Reno(Reno),
    /// CUBIC (RFC 9438), with HyStart++ (RFC 9406) when on; boxed to keep `Cc` small.
    Cubic(Box<Cubic>),
    /// DCTCP (RFC 8257); boxed to keep `Cc` small.
    Dctcp(Box<Dctcp>),
    /// A controller from outside the crate ([`CcVariant::Custom`]).
    Custom(Box<dyn CongestionControl>),
}

impl Cc {
    /// A fresh controller for `variant`; `byte_counting` selects byte counting in Reno's
    /// congestion avoidance ([`TcpConfig::ca_byte_counting`](super::TcpConfig::ca_byte_counting)),
    /// `hystart` HyStart++ in CUBIC's slow start.
    pub fn new(variant: CcVariant, byte_counting: bool, hystart: bool) -> Self {
        match variant {
            CcVariant::Reno | CcVariant::NewReno => Cc::Reno(Reno::new(byte_counting)),
            CcVariant::Cubic => Cc::Cubic(Box::new(Cubic::new(hystart))),
            CcVariant::Dctcp => Cc::Dctcp(Box::default()),
            CcVariant::Custom(make) => Cc::Custom((make.0)()),
        }
    }

    /// The controller as a trait object (for the calls off the per-ACK path).
    fn dyn_mut(&mut self) -> &mut dyn CongestionControl {
        match self {
            Cc::Reno(r) => r,
            Cc::Cubic(c) => c.as_mut(),
            Cc::Dctcp(d) => d.as_mut(),
            Cc::Custom(c) => c.as_mut(),
        }
    }

    /// The controller as a `T`, if it is one (a custom controller's state, in tests).
    pub fn downcast_ref<T: 'static>(&self) -> Option<&T> {
        match self {
            Cc::Reno(r) => (r as &dyn Any).downcast_ref(),
            Cc::Cubic(c) => (c.as_ref() as &dyn Any).downcast_ref(),
            Cc::Dctcp(d) => (d.as_ref() as &dyn Any).downcast_ref(),
            Cc::Custom(c) => c.as_any().downcast_ref(),
        }
    }

    /// See [`CongestionControl::on_ack`].
    #[inline]
    pub fn on_ack(&mut self, now: SimTime, w: &mut Window, ack: &AckSample) {
        match self {
            Cc::Reno(r) => r.on_ack(now, w, ack),
            Cc::Cubic(c) => c.on_ack(now, w, ack),
            Cc::Dctcp(d) => d.on_ack(now, w, ack),
            Cc::Custom(c) => c.on_ack(now, w, ack),
        }
    }

    /// See [`CongestionControl::on_congestion_event`].
    pub fn on_congestion_event(&mut self, now: SimTime, w: &mut Window, ev: &CongestionEvent) {
        self.dyn_mut().on_congestion_event(now, w, ev);
    }

    /// See [`CongestionControl::on_recovery_end`].
    pub fn on_recovery_end(&mut self, now: SimTime, w: &mut Window) {
        self.dyn_mut().on_recovery_end(now, w);
    }

    /// See [`CongestionControl::on_idle_restart`].
    pub fn on_idle_restart(&mut self, now: SimTime, w: &mut Window, iw: u32) {
        self.dyn_mut().on_idle_restart(now, w, iw);
    }

    /// See [`CongestionControl::on_send_after_idle`].
    pub fn on_send_after_idle(&mut self, now: SimTime, idle: SimTime) {
        self.dyn_mut().on_send_after_idle(now, idle);
    }

    /// See [`CongestionControl::on_ecn_echo`].
    pub fn on_ecn_echo(&mut self, now: SimTime, w: &mut Window, flight_size: u32) {
        self.dyn_mut().on_ecn_echo(now, w, flight_size);
    }

    /// See [`CongestionControl::on_ack_ecn`].
    pub fn on_ack_ecn(&mut self, una: SeqNum, acked: u32, ece: bool, snd_max: SeqNum) {
        self.dyn_mut().on_ack_ecn(una, acked, ece, snd_max);
    }

    /// DCTCP's α, when this is DCTCP.
    pub fn dctcp_alpha(&self) -> Option<f64> {
        match self {
            Cc::Dctcp(d) => Some(d.alpha()),
            _ => None,
        }
    }

    /// CUBIC's (W_max bytes, K), when this is CUBIC.
    pub fn cubic_state(&self) -> Option<(u32, Option<SimTime>)> {
        match self {
            Cc::Cubic(c) => Some((c.w_max(), c.k())),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ssthresh never drops below 2·SMSS (RFC 5681 eq. 4).
    #[test]
    fn loss_ssthresh_floor() {
        let w = Window::new(1000, 10_000);
        assert_eq!(w.loss_ssthresh(20_000), 10_000, "half the flight");
        assert_eq!(w.loss_ssthresh(3000), 2000, "floor 2·SMSS");
    }

    #[derive(Clone, Debug)]
    struct Fixed;

    impl CongestionControl for Fixed {
        fn on_ack(&mut self, _: SimTime, _: &mut Window, _: &AckSample) {}
        fn on_congestion_event(&mut self, _: SimTime, _: &mut Window, _: &CongestionEvent) {}
    }

    fn fixed() -> Box<dyn CongestionControl> {
        Box::new(Fixed)
    }

    /// `CcVariant::Custom` builds the factory's controller, which can be read back by type;
    /// the built-in variants build Reno's window; the defaults of the trait restart an idle
    /// window at min(iw, cwnd) and ignore the end of recovery.
    #[test]
    fn custom_controller_dispatch() {
        let mut cc = Cc::new(CcVariant::Custom(CcFactory(fixed)), false, false);
        assert!(cc.downcast_ref::<Fixed>().is_some(), "the factory's type");
        assert!(cc.downcast_ref::<Reno>().is_none(), "not Reno");
        assert!(
            Cc::new(CcVariant::NewReno, false, false)
                .downcast_ref::<Reno>()
                .is_some(),
            "newreno runs Reno's window"
        );
        let mut w = Window::new(1000, 10_000);
        cc.on_recovery_end(SimTime::ZERO, &mut w);
        assert_eq!(w, Window::new(1000, 10_000), "default: nothing");
        cc.on_idle_restart(SimTime::ZERO, &mut w, 4000);
        assert_eq!(w.cwnd, 4000, "default restart: min(iw, cwnd)");
        let copy = cc.clone();
        assert!(
            copy.downcast_ref::<Fixed>().is_some(),
            "clone keeps the type"
        );
        assert_eq!(
            CcFactory(fixed),
            CcFactory(fixed),
            "factories compare by function"
        );
    }
}
