//! Per-connection counters.

use sim_core::SimTime;

/// Counters a connection keeps for results and tests. Plain integers; reading them is free.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpStats {
    /// Every segment emitted, pure ACKs and control segments included.
    pub segments_sent: u64,
    /// Segments carrying payload.
    pub data_segments_sent: u64,
    /// Payload bytes emitted, retransmissions included.
    pub bytes_sent: u64,
    /// Segments sent again that carry sequence space sent before: data, SYN or FIN.
    pub retransmissions: u64,
    /// Payload bytes in those retransmissions.
    pub retransmitted_bytes: u64,
    /// Fast retransmits (third duplicate ACK, RFC 5681 §3.2); NewReno partial-ACK
    /// retransmissions are not counted here, only in `retransmissions`.
    pub fast_retransmits: u64,
    /// Expiries of the retransmission timer (SYN, data or FIN).
    pub timeouts: u64,
    /// Duplicate ACKs received (RFC 5681 §2 definition).
    pub dup_acks_received: u64,
    /// Segments received (any).
    pub segments_received: u64,
    /// Segments received in IP packets marked CE (RFC 3168 §5).
    pub ce_received: u64,
    /// ACKs received with ECE set (RFC 3168 §6.1.2), on an ECN connection.
    pub ece_received: u64,
    /// Segments sent with ECE set (CE echoes), SYNs excluded.
    pub ece_sent: u64,
    /// Segments sent with CWR set (RFC 3168 §6.1.2).
    pub cwr_sent: u64,
    /// Window reductions in answer to ECE (at most one per window; ns-3's CA_CWR entries).
    pub ecn_reductions: u64,
    /// Data segments received out of order (above RCV.NXT).
    pub out_of_order_segments: u64,
    /// Largest congestion window seen (bytes).
    pub max_cwnd_bytes: u32,
    /// RTT samples taken (Karn-valid).
    pub rtt_samples: u64,
    /// Sum of those samples, for the mean RTT.
    pub rtt_sum: SimTime,
    /// Payload bytes acknowledged by the peer.
    pub bytes_acked: u64,
    /// In-order payload bytes handed to the application.
    pub bytes_delivered: u64,
    /// Changes of (cwnd, ssthresh): compare before and after to trace the window cheaply.
    pub cc_changes: u64,
    /// SACK loss recoveries entered (RFC 6675 §5); also counted in `fast_retransmits`.
    pub sack_recoveries: u64,
    /// Segments retransmitted during SACK recovery (the first retransmission and NextSeg's).
    pub sack_retransmissions: u64,
    /// Of those, rescue retransmissions (RFC 6675 §4 `NextSeg` rule 4).
    pub sack_rescues: u64,
    /// ACKs received whose first SACK block was a D-SACK (RFC 2883).
    pub dsacks_received: u64,
    /// Tail loss probes sent (RFC 8985 §7).
    pub tlp_probes: u64,
}

impl TcpStats {
    /// The mean of the RTT samples, if any.
    pub fn mean_rtt(&self) -> Option<SimTime> {
        (self.rtt_samples > 0).then(|| self.rtt_sum / self.rtt_samples)
    }
}
