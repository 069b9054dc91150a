//! Parameters of one TCP endpoint.

use sim_core::SimTime;

/// Which congestion-control algorithm a connection runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CcVariant {
    /// Reno, RFC 5681 §3.1–3.2: fast recovery ends on the first ACK of new data.
    Reno,
    /// NewReno, RFC 6582: fast recovery lasts until everything sent before the loss is acked.
    #[default]
    NewReno,
}

/// The knobs of a TCP endpoint. `Default` gives a Linux-like data-centre host without delayed
/// ACKs, which is also what ns-3 users expect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpConfig {
    /// Payload bytes per full-sized segment, and the value of the MSS option we send. The sender's
    /// SMSS is the smaller of this and the peer's MSS option (536 if the peer sends none,
    /// RFC 9293 §3.7.1). Options (timestamps) do not reduce it: netsim treats `mss` as payload.
    pub mss: u32,
    /// Initial window (segments) (RFC 6928 recommends 10). One segment if the SYN or SYN-ACK had
    /// to be retransmitted (RFC 5681 §3.1).
    pub initial_cwnd: u32,
    /// Lower bound of the retransmission timeout (RFC 6298 §2.4 says 1 s; Linux uses 200 ms).
    pub min_rto: SimTime,
    /// Upper bound of the retransmission timeout, also for backed-off timers (RFC 6298 §2.5: ≥ 60 s).
    pub max_rto: SimTime,
    /// Retransmission timeout before the first RTT sample (RFC 6298 §2.1).
    pub initial_rto: SimTime,
    /// Clock granularity G in RTO = SRTT + max(G, 4·RTTVAR) (RFC 6298 §2.3).
    pub clock_granularity: SimTime,
    /// Delay ACKs: acknowledge every second full-sized segment or after
    /// `delayed_ack_timeout` (RFC 5681 §4.2). Off: every data segment is acknowledged at once.
    pub delayed_ack: bool,
    /// The delayed-ACK timer (ns-3 200 ms, Linux 40 ms; RFC 5681 §4.2 requires < 500 ms).
    pub delayed_ack_timeout: SimTime,
    /// Receive buffer (bytes): the most this endpoint advertises (capped at 2³⁰, the largest
    /// scaled window, RFC 7323 §2.3). Above 65 535 a window-scale option is sent on the SYN.
    pub rcv_buf: u64,
    /// Send buffer (bytes): `write` accepts bytes while unsent + unacknowledged stays below this.
    pub snd_buf: u64,
    /// Offer the RFC 7323 timestamps option (TSval in milliseconds of `now`). Used only when both
    /// ends offer it. RTT samples still come from one timed segment at a time (Karn), not TSecr.
    pub timestamps: bool,
    /// Congestion-control algorithm.
    pub variant: CcVariant,
    /// Congestion avoidance by byte counting (RFC 5681 §3.1's RECOMMENDED method, as Linux and
    /// ns-3 do it: +1 SMSS per cwnd of acknowledged bytes, exactly one SMSS per RTT) instead of
    /// eq. 3 (+SMSS·SMSS/cwnd per ACK, slightly less than one SMSS per RTT). Off by default.
    pub ca_byte_counting: bool,
    /// Reset cwnd to min(IW, cwnd) after an idle period longer than one RTO (RFC 5681 §4.1).
    /// Off by default, like Linux with `tcp_slow_start_after_idle = 0`; seed 002's bursty
    /// pre-copy rounds depend on this choice.
    pub restart_after_idle: bool,
    /// How long TIME-WAIT lasts. Real stacks use 2·MSL (60–240 s); in a simulation no stray
    /// old duplicate survives that long, so the default is a short 1 s, enough to re-ACK a
    /// retransmitted FIN after a lost final ACK on any sane path.
    pub time_wait: SimTime,
    /// Consecutive retransmission timeouts (without progress) after which the connection gives
    /// up and closes with [`TcpEvent::Reset`](crate::tcp::TcpEvent::Reset) (Linux `tcp_retries2` = 15).
    pub max_retransmissions: u32,
}

impl Default for TcpConfig {
    fn default() -> Self {
        TcpConfig {
            mss: 1448,
            initial_cwnd: 10,
            min_rto: SimTime::from_ms(200),
            max_rto: SimTime::from_secs(60),
            initial_rto: SimTime::from_secs(1),
            clock_granularity: SimTime::from_ms(1),
            delayed_ack: false,
            delayed_ack_timeout: SimTime::from_ms(200),
            rcv_buf: 4 << 20,
            snd_buf: 4 << 20,
            timestamps: false,
            variant: CcVariant::NewReno,
            ca_byte_counting: false,
            restart_after_idle: false,
            time_wait: SimTime::from_secs(1),
            max_retransmissions: 15,
        }
    }
}

impl TcpConfig {
    /// The receive buffer as a window: at most 2³⁰ bytes (RFC 7323 §2.3).
    pub(crate) fn rcv_buf_window(&self) -> u32 {
        self.rcv_buf.min(1 << 30) as u32
    }

    /// The window-scale shift that makes the receive buffer fit in 16 bits (RFC 7323 §2.3),
    /// or `None` when it already fits and no option is needed.
    pub(crate) fn window_shift(&self) -> Option<u8> {
        let buf = self.rcv_buf_window();
        (buf > 0xffff).then(|| {
            let mut shift = 0u8;
            while (buf >> shift) > 0xffff && shift < 14 {
                shift += 1;
            }
            shift
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shift is the smallest that fits the buffer in 16 bits: 4 MiB needs 7 (4 MiB >> 7 =
    /// 32 768), 64 KiB − 1 needs none.
    #[test]
    fn window_shift_fits_buffer() {
        let mut cfg = TcpConfig::default();
        assert_eq!(cfg.window_shift(), Some(7), "4 MiB");
        cfg.rcv_buf = 65_535;
        assert_eq!(cfg.window_shift(), None, "fits without scaling");
        cfg.rcv_buf = 65_536;
        assert_eq!(cfg.window_shift(), Some(1), "one more byte needs shift 1");
        cfg.rcv_buf = 1 << 40;
        assert_eq!(cfg.window_shift(), Some(14), "capped at 14, RFC 7323 §2.3");
    }
}
