//! # TCP Reno/NewReno as a sans-IO state machine
//!
//! [`TcpConnection`] is one endpoint of one connection. It owns no clock, no socket and no event
//! queue: the host feeds it segments and timer expiries at explicit times and collects what it
//! wants to send, exactly like quinn-proto's `Connection`:
//!
//! ```text
//!   host ── handle_segment(now, seg, len, ecn) ──►┐
//!   host ── handle_timeout(now) ─────────────────►│ TcpConnection ──► poll_transmit(now) ─► Transmit { repr, payload_len, ip }
//!   app  ── write(bytes) / close() ──────────────►┘               ──► poll_event()      ─► TcpEvent
//!                                                                 ──► poll_timeout()    ─► next wake-up
//! ```
//!
//! Payload is virtual: a segment is a [`TcpRepr`] plus a payload length. What else crosses to
//! IP ([`Transmit`], [`IpFields`], [`Ecn`]): each outgoing segment carries the DSCP and ECN
//! codepoint the host writes into the IPv4 TOS octet, and each incoming one the ECN codepoint it
//! arrived with (RFC 3168 §5).
//!
//! The pieces, one concept per file: [`TcpConfig`]; the RFC 6298 [`RttEstimator`]; loss
//! detection and fast recovery — Reno's (RFC 5681 §3.2) or NewReno's (RFC 6582) — in the
//! connection (`connection/recovery.rs`); congestion control, which only computes cwnd and
//! ssthresh from the time, ACK and RTT samples and congestion events, as the
//! [`CongestionControl`] trait dispatched through the [`Cc`] enum ([`Reno`], RFC 5681 §3.1, or a
//! custom controller); the receiver's out-of-order [`Assembler`]; [`TcpStats`].
//!
//! What is modelled: three-way handshake with MSS, window-scale (RFC 7323) and timestamps
//! options and SYN retransmission; cumulative ACKs, flow control with zero-window probes;
//! out-of-order buffering with immediate duplicate ACKs; optional delayed ACKs; slow start,
//! congestion avoidance, fast retransmit/recovery (Reno or NewReno), RTO with Karn's rule and
//! exponential back-off, go-back-N after a timeout; FIN teardown with a short TIME-WAIT; RST.
//! Not modelled: SACK, limited transmit (RFC 3042), simultaneous open, urgent data, Nagle's
//! algorithm, RTT sampling from timestamps, RFC 5961 challenge-ACK rules for RST, receiver-side
//! silly-window avoidance.
//!
//! Simplifications worth knowing: the delayed ACK counts segments (every second in-order
//! segment, whatever its size); TIME-WAIT lasts [`TcpConfig::time_wait`] (2·MSL with
//! `[tcp] msl`, 1 s by default; a freed socket's TIME-WAIT is kept by
//! [`crate::socket::TimeWaitTable`]); the application reads instantly unless paused with
//! [`TcpConnection::set_receive_paused`], and `PeerClosed` is reported when the FIN arrives even
//! if paused data is still unread; a sender keeps one timed segment at a time for RTT samples.
//!
//! A minimal driver loop (what the host node does with the engine's events):
//!
//! ```
//! use net_stack::tcp::{Ecn, TcpConfig, TcpConnection, TcpEvent};
//! use net_stack::wire::SeqNum;
//! use sim_core::SimTime;
//!
//! let cfg = TcpConfig::default();
//! let now = SimTime::ZERO;
//! let mut client = TcpConnection::connect(now, &cfg, 40_000, 80, SeqNum(1));
//! let syn = client.poll_transmit(now).expect("SYN first");
//! assert_eq!(syn.ip.tos(), 0, "default IP fields: DSCP 0, Not-ECT");
//! let mut server = TcpConnection::accept(now, &cfg, &syn.repr, SeqNum(7));
//! let syn_ack = server.poll_transmit(now).expect("SYN-ACK");
//! client.handle_segment(now, &syn_ack.repr, 0, syn_ack.ip.ecn);
//! assert_eq!(client.poll_event(), Some(TcpEvent::Connected));
//! client.write(10_000);
//! while let Some(t) = client.poll_transmit(now) {
//!     // the ACK of the handshake, then data
//!     server.handle_segment(now, &t.repr, t.payload_len, t.ip.ecn);
//! }
//! assert_eq!(server.poll_event(), Some(TcpEvent::Connected));
//! assert_eq!(server.poll_event(), Some(TcpEvent::Delivered(10_000)));
//! ```

mod assembler;
mod config;
mod congestion;
mod connection;
#[cfg(test)]
mod harness;
mod ip;
mod ns3;
mod rto;
#[cfg(test)]
mod sack_tests;
mod stats;

pub use assembler::Assembler;
pub use config::{CcVariant, MAX_RCV_BUF, TcpConfig, TcpPreset, TcpTable};
pub use congestion::{
    ALPHA_ONE, AckSample, Cc, CcClone, CcFactory, CongestionControl, CongestionEvent,
    CongestionKind, Cubic, CubicEpoch, Dctcp, HyStart, MAX_CWND, Reno, Window, hystart,
};
pub(crate) use connection::ts_clock;
pub use connection::{TcpConnection, TcpEvent, TcpState};
pub use ip::{Ecn, IpFields, Transmit};
pub use ns3::{NS3_DEPARTURES, Ns3Departures};
pub use rto::RttEstimator;
pub use stats::TcpStats;

use crate::wire::{SeqNum, TcpFlags, TcpRepr};

/// The reset a host sends for a segment that matches no connection (RFC 9293 §3.10.7.1):
/// `<SEQ=SEG.ACK><CTL=RST>` if the segment has ACK, else
/// `<SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>`. An incoming RST gets no reply.
pub fn rst_for(seg: &TcpRepr, payload_len: u32) -> Option<TcpRepr> {
    if seg.flags.contains(TcpFlags::RST) {
        return None;
    }
    let base = TcpRepr {
        src_port: seg.dst_port,
        dst_port: seg.src_port,
        ..TcpRepr::default()
    };
    Some(if seg.flags.contains(TcpFlags::ACK) {
        TcpRepr {
            seq: seg.ack,
            flags: TcpFlags::RST,
            ..base
        }
    } else {
        TcpRepr {
            seq: SeqNum(0),
            ack: seg.seq + seg.seq_len(payload_len),
            flags: TcpFlags::RST | TcpFlags::ACK,
            ..base
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A SYN to a closed port gets RST+ACK acknowledging the SYN; a segment with ACK gets a bare
    /// RST at its ACK number; a RST gets nothing.
    #[test]
    fn rst_for_closed_port() {
        let syn = TcpRepr {
            src_port: 4000,
            dst_port: 80,
            seq: SeqNum(100),
            flags: TcpFlags::SYN,
            ..TcpRepr::default()
        };
        let r = rst_for(&syn, 0).expect("reply to SYN");
        assert_eq!((r.src_port, r.dst_port), (80, 4000), "ports swapped");
        assert_eq!(r.flags, TcpFlags::RST | TcpFlags::ACK, "RST,ACK");
        assert_eq!(
            (r.seq, r.ack),
            (SeqNum(0), SeqNum(101)),
            "ack = seq + 1 for SYN"
        );
        let data = TcpRepr {
            flags: TcpFlags::ACK,
            ack: SeqNum(777),
            ..syn
        };
        let r = rst_for(&data, 10).expect("reply to data");
        assert_eq!(
            (r.flags, r.seq),
            (TcpFlags::RST, SeqNum(777)),
            "seq = SEG.ACK"
        );
        let fin = TcpRepr {
            flags: TcpFlags::FIN,
            ..syn
        };
        assert_eq!(
            rst_for(&fin, 5).unwrap().ack,
            SeqNum(106),
            "data + FIN counted"
        );
        let rst = TcpRepr {
            flags: TcpFlags::RST,
            ..syn
        };
        assert_eq!(rst_for(&rst, 0), None, "never answer a RST");
    }
}
