//! ECN in the connection (RFC 3168 §6.1), and DCTCP's receiver (RFC 8257 §3.2).
//!
//! ```text
//!   handshake    SYN ECE+CWR ──► ; ◄── SYN-ACK ECE          (§6.1.1: both ends agree)
//!   sender       data ECT(0); ACK with ECE ──► cc.on_ecn_echo once per window (§6.1.2),
//!                CWR on the next new data segment; no growth until the window is acked
//!   receiver     CE ──► ECE on every ACK until a segment with CWR (§6.1.3)
//!   DCTCP rx     ECE = CE of the last data segment; when that changes, an immediate ACK for
//!                the data before it, with the old ECE (RFC 8257 §3.2's two-state machine)
//! ```
//!
//! Everything here runs only once ECN is negotiated (`ok`), so a connection without ECN pays
//! one flag test per segment.

use sim_core::SimTime;

use super::{TcpConnection, Timer};
use crate::tcp::{CcVariant, Ecn};
use crate::wire::{SeqNum, TcpFlags, TcpRepr};

/// The ECN state of one connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct EcnCtl {
    /// Both ends agreed in the handshake.
    pub ok: bool,
    /// DCTCP: RFC 8257 §3.2's receiver and ECT on retransmissions too.
    pub dctcp: bool,
    /// Receiver (RFC 3168): echo ECE on every ACK until CWR arrives.
    pub echo: bool,
    /// Receiver (DCTCP): CE state of the last data segment.
    pub ce_state: bool,
    /// Receiver (DCTCP): an immediate ACK owed for the data before a CE-state change:
    /// (its ACK number, its ECE).
    pub ce_ack: Option<(SeqNum, bool)>,
    /// Sender: set CWR on the next new data segment.
    pub cwr_pending: bool,
    /// Sender: SND.MAX at the last window reduction (ECN or loss); ECE is not answered again
    /// until SND.UNA passes it.
    pub reduce_end: Option<SeqNum>,
    /// Sender: the last reduction was an ECN one, so cwnd does not grow until SND.UNA passes
    /// `reduce_end` (Linux's and ns-3's CWR state).
    pub hold: bool,
}

impl EcnCtl {
    /// The ECT codepoint for a segment of `payload` bytes (a retransmission if `rtx`), over
    /// the configured `base`: RFC 3168 §6.1.4–6.1.5 puts ECT(0) on new data only, never on pure
    /// ACKs or retransmissions; DCTCP marks every segment, SYN and pure ACKs included, as
    /// Linux's `tcp_dctcp.c` (`INET_ECN_xmit`) and ns-3's `TcpDctcp` do, so that a step marker
    /// marks them instead of dropping them.
    #[inline]
    pub fn codepoint(&self, payload: u32, rtx: bool, base: Ecn) -> Ecn {
        if self.dctcp || (payload > 0 && !rtx) {
            Ecn::Ect0
        } else {
            base
        }
    }
}

impl TcpConnection {
    /// The ECN state machine for `cfg` (before the handshake).
    pub(super) fn ecn_init(&mut self) {
        self.ecn.dctcp = self.cfg.variant == CcVariant::Dctcp;
    }

    /// The ECN flags of our SYN or SYN-ACK (§6.1.1).
    pub(super) fn ecn_syn_flags(&self, passive: bool) -> TcpFlags {
        if passive && self.ecn.ok {
            TcpFlags::ECE
        } else if !passive && self.cfg.ecn_enabled() {
            TcpFlags::ECE | TcpFlags::CWR
        } else {
            TcpFlags(0)
        }
    }

    /// The peer's SYN (`passive`) or SYN-ACK: negotiate (§6.1.1).
    pub(super) fn ecn_on_syn(&mut self, syn: &TcpRepr, passive: bool) {
        let f = syn.flags;
        let offered = if passive {
            f.contains(TcpFlags::ECE | TcpFlags::CWR)
        } else {
            f.contains(TcpFlags::ECE) && !f.contains(TcpFlags::CWR)
        };
        self.ecn.ok = offered && self.cfg.ecn_enabled();
    }

    /// ECE on a non-SYN segment we send: the RFC 3168 latch or DCTCP's CE state.
    #[inline]
    pub(super) fn ecn_ack_flags(&self) -> TcpFlags {
        let echo = if self.ecn.dctcp {
            self.ecn.ce_state
        } else {
            self.ecn.echo
        };
        if self.ecn.ok && echo {
            TcpFlags::ECE
        } else {
            TcpFlags(0)
        }
    }

    /// A data segment arrived in an IP packet with `ecn` (before its data is processed).
    pub(super) fn ecn_on_data(&mut self, seg: &TcpRepr, ecn: Ecn) {
        let ce = ecn == Ecn::Ce;
        if self.ecn.dctcp {
            if ce != self.ecn.ce_state {
                // RFC 8257 §3.2: a delayed ACK owed for earlier data goes out now, with the
                // earlier CE state, and the delayed-ACK count restarts.
                if self.unacked_segs > 0 {
                    self.ecn.ce_ack = Some((self.rcv_nxt, self.ecn.ce_state));
                    self.unacked_segs = 0;
                    self.timers[Timer::DelayedAck as usize] = None;
                }
                self.ecn.ce_state = ce;
            }
            return;
        }
        // §6.1.3: CWR ends the echo; a CE (even on that segment) starts it again.
        if seg.flags.contains(TcpFlags::CWR) {
            self.ecn.echo = false;
        }
        if ce {
            self.ecn.echo = true;
        }
    }

    /// The immediate ACK DCTCP owes on a CE-state change, if any: a pure ACK that leaves the
    /// ACK state of later data alone.
    pub(super) fn ecn_take_ce_ack(&mut self, now: SimTime) -> Option<TcpRepr> {
        let (ack, ece) = self.ecn.ce_ack.take()?;
        let mut repr = self.header(now, self.snd_max, TcpFlags::ACK);
        repr.ack = ack;
        repr.flags = if ece {
            TcpFlags::ACK | TcpFlags::ECE
        } else {
            TcpFlags::ACK
        };
        self.stats.segments_sent += 1;
        self.stats.ece_sent += u64::from(ece);
        Some(repr)
    }

    /// Bytes an ACK that moved SND.UNA by `acked` (a duplicate ACK if `dup`) delivered to the
    /// receiver, for DCTCP's α: RFC 8257 §3.3 counts the bytes each ACK acknowledges, and
    /// Linux's `dctcp_update_alpha` counts `tcp_sock.delivered`, where a duplicate ACK
    /// delivers too — each byte once. With SACK: the newly SACKed bytes plus the cumulatively
    /// acknowledged bytes that were not SACKed before (`sacked_before`: SACKed bytes before
    /// this ACK). Without SACK: one SMSS per duplicate ACK (Linux's `tcp_add_reno_sack`, ns-3's
    /// one segment), and a cumulative ACK less the `dups_before` segments the duplicates
    /// already counted (`tcp_remove_reno_sacks`).
    pub(super) fn ecn_delivered(
        &self,
        acked: u32,
        dup: bool,
        dups_before: u32,
        sacked_before: u64,
    ) -> u32 {
        if !self.ecn.dctcp {
            return acked;
        }
        if self.sack_ok {
            let now_sacked = self.sack_tx.board.sacked_bytes();
            let newly = u64::from(self.sack_tx.newly_sacked);
            // SACKed bytes the cumulative ACK swallowed: counted when they were SACKed.
            let swallowed = (sacked_before + newly).saturating_sub(now_sacked);
            (u64::from(acked).saturating_sub(swallowed) + newly) as u32
        } else if dup {
            self.smss
        } else {
            acked.saturating_sub(dups_before.saturating_mul(self.smss))
        }
    }

    /// Sender: an acceptable ACK delivered `delivered` bytes (`ecn_delivered`). DCTCP's
    /// bookkeeping, then at most one reduction per window for an ECE (§6.1.2), never during
    /// fast recovery.
    pub(super) fn ecn_on_ack(&mut self, now: SimTime, seg: &TcpRepr, delivered: u32) {
        let ece = seg.flags.contains(TcpFlags::ECE);
        if delivered > 0 {
            self.cc
                .on_ack_ecn(self.snd_una, delivered, ece, self.snd_max);
        }
        if self.ecn.reduce_end.is_some_and(|end| self.snd_una > end) {
            self.ecn.reduce_end = None;
            self.ecn.hold = false;
        }
        if !ece {
            return;
        }
        self.stats.ece_received += 1;
        if self.recovery.in_recovery || self.ecn.reduce_end.is_some() {
            return;
        }
        let before = (self.win.cwnd, self.win.ssthresh);
        let flight = self.flight_size();
        self.cc.on_ecn_echo(now, &mut self.win, flight);
        self.stats.ecn_reductions += 1;
        self.ecn.reduce_end = Some(self.snd_max);
        self.ecn.hold = true;
        self.ecn.cwr_pending = true;
        if before != (self.win.cwnd, self.win.ssthresh) {
            self.stats.cc_changes += 1;
        }
    }

    /// A loss reduction (fast retransmit or timeout): CWR on the next new data (§6.1.2), and
    /// no ECN reduction for the same window.
    pub(super) fn ecn_on_loss(&mut self) {
        if self.ecn.ok {
            self.ecn.cwr_pending = true;
            self.ecn.reduce_end = Some(self.snd_max);
            self.ecn.hold = false;
        }
    }

    /// CWR for a new data segment at `seq` carrying `payload` bytes, once after a reduction.
    #[inline]
    pub(super) fn ecn_cwr_flag(&mut self, seq: SeqNum, payload: u32) -> TcpFlags {
        if self.ecn.cwr_pending && payload > 0 && seq >= self.snd_max {
            self.ecn.cwr_pending = false;
            self.stats.cwr_sent += 1;
            TcpFlags::CWR
        } else {
            TcpFlags(0)
        }
    }

    /// Whether cwnd must not grow on an ACK up to `ack` (after an ECN reduction, until its
    /// window is acknowledged).
    #[inline]
    pub(super) fn ecn_hold(&self, ack: SeqNum) -> bool {
        self.ecn.hold && self.ecn.reduce_end.is_some_and(|end| ack <= end)
    }
}

#[cfg(test)]
mod tests;
