//! Whether the flow uses its congestion window, so that cwnd grows only when it does (RFC 9438
//! §5.8: "CUBIC does not increase its congestion window if a flow is application limited",
//! whether the sending application or the peer's window holds it back).
//!
//! The RFC does not say how to tell; netsim uses Linux's test, which every Linux controller's
//! `cong_avoid` applies (`tcp_is_cwnd_limited`, include/net/tcp.h; bookkeeping in
//! `tcp_cwnd_validate`, net/ipv4/tcp_output.c), in bytes instead of packets:
//!
//! ```text
//!   after each new data segment:  limited_now = FlightSize + SMSS > cwnd   (no room for another)
//!     if SND.UNA ≥ usage_seq (a window since the last update) or limited_now
//!        or (not limited and FlightSize > max_out):
//!          limited = limited_now; max_out = FlightSize; usage_seq = SND.NXT
//!   on an ACK outside recovery:   grow iff limited or (slow start and cwnd < 2·max_out)
//! ```
//!
//! Once a send fills the window, the flow counts as cwnd-limited for that window of data; in
//! slow start cwnd may reach twice the most ever in flight, so a sender that paces itself
//! (a request/response server) does not stall slow start at its first burst. The window that is
//! sampled is FlightSize, netsim's send gate outside recovery (Linux counts packets in flight,
//! which leaves out SACKed ones; the two differ only while SACKed data is outstanding).
//!
//! ns-3 ≥ 3.42 applies a per-send test instead (`m_isCwndLimited`); netsim's `cwnd-limited`
//! departure models it (`ns3_departures.rs`) and replaces this rule for CUBIC when on.

use crate::tcp::congestion::Window;
use crate::wire::SeqNum;

/// Linux's `is_cwnd_limited`, `max_packets_out` and `cwnd_usage_seq`, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CwndUse {
    /// The rule applies to this connection (`[tcp] hold_when_app_limited`).
    pub(crate) on: bool,
    /// The last window sampled filled cwnd.
    limited: bool,
    /// The largest FlightSize sampled in the current window (bytes).
    max_out: u32,
    /// The window being sampled ends when SND.UNA reaches this.
    usage_seq: SeqNum,
}

impl CwndUse {
    /// Before anything is sent: not cwnd-limited, the first send opens a window.
    pub(crate) fn new(on: bool, snd_una: SeqNum) -> Self {
        CwndUse {
            on,
            limited: false,
            max_out: 0,
            usage_seq: snd_una,
        }
    }

    /// A new data segment left: SND.UNA, SND.NXT and FlightSize after it, and the window.
    pub(crate) fn on_send(&mut self, una: SeqNum, nxt: SeqNum, flight: u32, w: &Window) {
        let limited_now = u64::from(flight) + u64::from(w.smss) > u64::from(w.cwnd);
        if una >= self.usage_seq || limited_now || (!self.limited && flight > self.max_out) {
            self.limited = limited_now;
            self.max_out = flight;
            self.usage_seq = nxt;
        }
    }

    /// Whether an ACK outside recovery may grow cwnd (`tcp_is_cwnd_limited`).
    pub(crate) fn allows_growth(&self, w: &Window) -> bool {
        self.limited || (w.in_slow_start() && u64::from(w.cwnd) < 2 * u64::from(self.max_out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: u32 = 1000;

    fn win(cwnd_segs: u32, ssthresh_segs: u32) -> Window {
        Window {
            cwnd: cwnd_segs * M,
            ssthresh: ssthresh_segs.saturating_mul(M),
            smss: M,
        }
    }

    /// A send that leaves less than one SMSS of cwnd marks the window cwnd-limited; it stays so
    /// for the rest of that window of data even if later sends leave room.
    #[test]
    fn a_full_window_counts_until_the_window_is_acked() {
        let w = win(10, 5);
        let mut u = CwndUse::new(true, SeqNum(0));
        u.on_send(SeqNum(0), SeqNum(9 * M), 9 * M, &w);
        assert!(
            !u.allows_growth(&w),
            "9 of 10 segments in flight: room for one more"
        );
        u.on_send(SeqNum(0), SeqNum(10 * M), 10 * M, &w);
        assert!(u.allows_growth(&w), "10 of 10: cwnd-limited");
        // Half the window acked, one segment sent: room left, but the window is not over.
        u.on_send(SeqNum(5 * M), SeqNum(11 * M), 6 * M, &w);
        assert!(u.allows_growth(&w), "still the window that filled cwnd");
        // SND.UNA passes the window's end: the next send samples afresh.
        u.on_send(SeqNum(10 * M), SeqNum(12 * M), 2 * M, &w);
        assert!(
            !u.allows_growth(&w),
            "a new window with 2 of 10 segments in flight"
        );
    }

    /// In slow start cwnd may grow to twice the most in flight (Linux's allowance), not beyond.
    #[test]
    fn slow_start_grows_to_twice_what_was_in_flight() {
        let mut u = CwndUse::new(true, SeqNum(0));
        let w = win(10, u32::MAX);
        u.on_send(SeqNum(0), SeqNum(4 * M), 4 * M, &w);
        assert!(!u.allows_growth(&win(10, u32::MAX)), "cwnd 10 ≥ 2·4");
        assert!(u.allows_growth(&win(7, u32::MAX)), "cwnd 7 < 2·4");
        assert!(
            !u.allows_growth(&win(7, 5)),
            "not in slow start: no allowance"
        );
    }

    /// Rising FlightSize while not limited raises max_out within the window; a smaller one in the
    /// same window does not lower it.
    #[test]
    fn max_out_tracks_the_largest_flight_of_the_window() {
        let w = win(20, u32::MAX);
        let mut u = CwndUse::new(true, SeqNum(0));
        u.on_send(SeqNum(0), SeqNum(3 * M), 3 * M, &w);
        u.on_send(SeqNum(0), SeqNum(6 * M), 6 * M, &w);
        assert!(u.allows_growth(&win(11, u32::MAX)), "2·6 > 11");
        u.on_send(SeqNum(4 * M), SeqNum(7 * M), 3 * M, &w);
        assert!(
            u.allows_growth(&win(11, u32::MAX)),
            "max_out stays 6 in this window"
        );
        u.on_send(SeqNum(6 * M), SeqNum(8 * M), 2 * M, &w);
        assert!(
            !u.allows_growth(&win(11, u32::MAX)),
            "window over: max_out 2"
        );
    }
}
