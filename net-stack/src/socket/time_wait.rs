//! TIME-WAIT after the socket: what a freed socket's connection in TIME-WAIT leaves behind
//! (RFC 9293 §3.10.7.4), looked up only when a segment finds no socket.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use sim_core::SimTime;

use super::Tuple;
use crate::NodeId;
use crate::wire::{SeqNum, TcpFlags, TcpOptions, TcpRepr};

/// What a freed socket's connection in TIME-WAIT leaves behind (RFC 9293 §3.10.7.4): the
/// acknowledgement it would send — SEQ = SND.NXT, ACK = RCV.NXT (past the peer's FIN), its
/// window, flags and timestamp echo — and when TIME-WAIT ends. 48 bytes, against a socket's
/// several hundred.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeWaitRecord {
    /// SND.NXT: past our FIN.
    pub snd_nxt: SeqNum,
    /// RCV.NXT: past the peer's FIN.
    pub rcv_nxt: SeqNum,
    /// The window field of our acknowledgements.
    pub window: u16,
    /// Their flags (ACK, with ECE while echoing congestion).
    pub flags: TcpFlags,
    /// With timestamps: the TS.Recent our acknowledgements echo.
    pub ts_recent: Option<u32>,
    /// The flow tag of the connection's packets.
    pub flow: u32,
    /// The IP TOS byte of its acknowledgements (the connection's DSCP and ECN codepoint).
    pub tos: u8,
    /// When TIME-WAIT ends (restarted by a retransmitted FIN).
    pub expiry: SimTime,
    /// How long TIME-WAIT lasts (2·MSL of the connection's settings).
    pub linger: SimTime,
    /// Tells this record's entry in the expiry queue from a replaced record's.
    pub(crate) generation: u32,
}

impl TimeWaitRecord {
    /// The acknowledgement `<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>` to `seg` at `now`.
    pub fn ack(&self, now: SimTime, seg: &TcpRepr) -> TcpRepr {
        TcpRepr {
            src_port: seg.dst_port,
            dst_port: seg.src_port,
            seq: self.snd_nxt,
            ack: self.rcv_nxt,
            flags: self.flags,
            window: self.window,
            options: TcpOptions {
                // RFC 7323 §3.2: once negotiated, on every segment but a RST.
                timestamps: self.ts_recent.map(|echo| (crate::tcp::ts_clock(now), echo)),
                ..TcpOptions::default()
            },
        }
    }
}

/// What a TIME-WAIT record does with a segment for its 4-tuple (RFC 9293 §3.10.7.4, as Linux's
/// `tcp_timewait_state_process` does it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeWaitVerdict {
    /// Acknowledge it with the record's ACK (a retransmitted FIN — the timer restarted — or
    /// any other segment that is not acceptable).
    Ack,
    /// Drop it silently: an acceptable bare ACK (a duplicate of ours crossing), or a RST.
    Drop,
    /// A SYN with a sequence number past the old connection's (RFC 1122 §4.2.2.13): the
    /// record is gone, and the SYN goes to the listener as a new connection.
    Reopen,
}

/// The TIME-WAIT records of freed sockets, looked up only when a segment finds no socket.
/// Bounded per host ([`TcpConfig::max_time_wait`], Linux's `tcp_max_tw_buckets`). Expiry is
/// lazy: a lookup ignores an expired record, and each insertion sweeps the expired ones off
/// the front of a queue kept in insertion order — no event per record. Never iterated in hash
/// order.
#[derive(Debug, Default)]
pub struct TimeWaitTable {
    records: FxHashMap<Tuple, TimeWaitRecord>,
    /// (expiry, tuple, generation) in the order records were made or restarted.
    queue: VecDeque<(SimTime, Tuple, u32)>,
    /// Live records per node, by node index.
    per_node: Vec<u32>,
    next_generation: u32,
    /// Counters (`summary.json` `tcp_time_wait`).
    pub stats: TimeWaitStats,
}

/// What the TIME-WAIT records did over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeWaitStats {
    /// Records made (connections that closed first and were freed in TIME-WAIT).
    pub records: u64,
    /// The most held at once (all hosts).
    pub peak: u64,
    /// Segments that reached a record (late segments that would otherwise get a reset).
    pub segments: u64,
    /// Acknowledgements sent from records (retransmitted FINs among them).
    pub acks_sent: u64,
    /// Retransmitted FINs acknowledged (each restarts the record's 2·MSL).
    pub fins_acked: u64,
    /// Connections freed in TIME-WAIT with no record because their host held
    /// `max_time_wait` already (Linux: "time wait bucket table overflow").
    pub overflows: u64,
    /// Records ended early: by a new SYN, a RST, or a port taken over.
    pub ended_early: u64,
}

impl TimeWaitTable {
    fn count(&mut self, node: NodeId) -> &mut u32 {
        let i = node.index();
        if self.per_node.len() <= i {
            self.per_node.resize(i + 1, 0);
        }
        &mut self.per_node[i]
    }

    /// A number that tells a record's newest entry in the expiry queue from its stale ones.
    fn new_generation(&mut self) -> u32 {
        let g = self.next_generation;
        self.next_generation = g.wrapping_add(1);
        g
    }

    fn remove(&mut self, tuple: &Tuple) -> Option<TimeWaitRecord> {
        let r = self.records.remove(tuple)?;
        *self.count(tuple.0) -= 1;
        Some(r)
    }

    /// Forgets the expired records at the front of the queue (and the queue's stale entries).
    fn sweep(&mut self, now: SimTime) {
        while let Some(&(at, tuple, generation)) = self.queue.front() {
            if at > now {
                break;
            }
            self.queue.pop_front();
            if self
                .records
                .get(&tuple)
                .is_some_and(|r| r.generation == generation && r.expiry <= now)
            {
                self.remove(&tuple);
            }
        }
    }

    /// Keeps `record` for `tuple` unless its node holds `max` records already.
    pub(super) fn insert(
        &mut self,
        now: SimTime,
        tuple: Tuple,
        mut record: TimeWaitRecord,
        max: u32,
    ) {
        self.sweep(now);
        if *self.count(tuple.0) >= max {
            self.stats.overflows += 1;
            return;
        }
        self.remove(&tuple);
        record.generation = self.new_generation();
        self.queue
            .push_back((record.expiry, tuple, record.generation));
        self.records.insert(tuple, record);
        *self.count(tuple.0) += 1;
        self.stats.records += 1;
        self.stats.peak = self.stats.peak.max(self.records.len() as u64);
    }

    /// The record of `tuple` if it has not expired at `now`.
    pub fn get(&self, now: SimTime, tuple: &Tuple) -> Option<&TimeWaitRecord> {
        self.records.get(tuple).filter(|r| r.expiry > now)
    }

    /// Whether `tuple` has a record, expired or not: a new connection must not take it
    /// (nothing else ends a record between sweeps, so this is deterministic).
    pub(super) fn holds(&self, tuple: &Tuple) -> bool {
        self.records.contains_key(tuple)
    }

    /// Ends `tuple`'s record so that a new connection may take the 4-tuple; whether there
    /// was one.
    pub(super) fn reuse(&mut self, tuple: &Tuple) -> bool {
        let had = self.remove(tuple).is_some();
        self.stats.ended_early += u64::from(had);
        had
    }

    /// Records held now, expired ones not yet swept included.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no record is held.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// What the record of `tuple` (live at `now`) does with `seg`, which carried
    /// `payload_len` bytes; `None` if there is no live record. RFC 9293 §3.10.7.4 in
    /// TIME-WAIT, as Linux (`tcp_timewait_state_process`, `tcp_rfc1337 = 0`) does it:
    /// * a bare ACK or a RST at RCV.NXT is acceptable: the ACK is dropped, the RST ends the
    ///   record (RFC 9293: "enter the CLOSED state"; RFC 1337's alternative, ignoring it, is
    ///   Linux's `tcp_rfc1337 = 1`);
    /// * a SYN (no ACK) past RCV.NXT opens a new connection (RFC 1122 §4.2.2.13);
    /// * anything else — the retransmitted FIN above all — is acknowledged; a FIN restarts
    ///   the 2·MSL timer (§3.6.1); a RST out of window is dropped.
    pub fn on_segment(
        &mut self,
        now: SimTime,
        tuple: &Tuple,
        seg: &TcpRepr,
        payload_len: u32,
    ) -> Option<TimeWaitVerdict> {
        let r = *self.get(now, tuple)?;
        self.stats.segments += 1;
        let flags = seg.flags;
        let rst = flags.contains(TcpFlags::RST);
        let at_rcv_nxt = seg.seq == r.rcv_nxt && seg.seq_len(payload_len) == 0;
        if at_rcv_nxt && !flags.contains(TcpFlags::SYN) {
            if rst {
                self.remove(tuple);
                self.stats.ended_early += 1;
            }
            return Some(TimeWaitVerdict::Drop);
        }
        if rst {
            return Some(TimeWaitVerdict::Drop);
        }
        if flags.contains(TcpFlags::SYN)
            && !flags.contains(TcpFlags::ACK)
            && (seg.seq - r.rcv_nxt) > 0
        {
            self.remove(tuple);
            self.stats.ended_early += 1;
            return Some(TimeWaitVerdict::Reopen);
        }
        if flags.contains(TcpFlags::FIN) {
            // §3.10.7.4: "The only thing that can arrive in this state is a retransmission
            // of the remote FIN. Acknowledge it, and restart the 2 MSL timeout."
            let generation = self.new_generation();
            let expiry = now + r.linger;
            if let Some(rec) = self.records.get_mut(tuple) {
                rec.expiry = expiry;
                rec.generation = generation;
            }
            self.queue.push_back((expiry, *tuple, generation));
            self.stats.fins_acked += 1;
        }
        self.stats.acks_sent += 1;
        Some(TimeWaitVerdict::Ack)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::net::Ipv4Addr;

    use sim_core::SimTime;

    use super::{TimeWaitRecord, TimeWaitTable, TimeWaitVerdict};
    use crate::NodeId;
    use crate::wire::{SeqNum, TcpFlags, TcpRepr};

    pub(crate) const PEER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

    pub(crate) fn ms(v: u64) -> SimTime {
        SimTime::from_ms(v)
    }

    /// A record made at `at`: we sent up to 5000 (FIN included), the peer up to 9000.
    pub(crate) fn record(at: SimTime) -> TimeWaitRecord {
        TimeWaitRecord {
            snd_nxt: SeqNum(5000),
            rcv_nxt: SeqNum(9000),
            window: 100,
            flags: TcpFlags::ACK,
            ts_recent: None,
            flow: 7,
            tos: 0,
            expiry: at + ms(1000),
            linger: ms(1000),
            generation: 0,
        }
    }

    fn seg(flags: TcpFlags, seq: u32) -> TcpRepr {
        TcpRepr {
            src_port: 80,
            dst_port: 50_000,
            seq: SeqNum(seq),
            ack: SeqNum(5000),
            flags,
            ..TcpRepr::default()
        }
    }

    /// RFC 9293 §3.10.7.4 in TIME-WAIT: the peer's retransmitted FIN (seq = RCV.NXT − 1) is
    /// acknowledged with <SEQ=SND.NXT><ACK=RCV.NXT> and restarts the 2·MSL timer; a bare ACK at
    /// RCV.NXT is dropped without a reply; old data is acknowledged; an out-of-window RST is
    /// ignored, one at RCV.NXT ends the record (Linux, `tcp_rfc1337 = 0`); after expiry the
    /// record is gone.
    #[test]
    fn time_wait_verdicts() {
        let key = (NodeId(0), 50_000, PEER, 80);
        let mut t = TimeWaitTable::default();
        t.insert(ms(0), key, record(ms(0)), 10);
        let fin = seg(TcpFlags::FIN | TcpFlags::ACK, 8999);
        assert_eq!(
            t.on_segment(ms(500), &key, &fin, 0),
            Some(TimeWaitVerdict::Ack)
        );
        let ack = t.get(ms(500), &key).unwrap().ack(ms(500), &fin);
        assert_eq!(
            (
                ack.src_port,
                ack.dst_port,
                ack.seq,
                ack.ack,
                ack.flags,
                ack.window
            ),
            (50_000, 80, SeqNum(5000), SeqNum(9000), TcpFlags::ACK, 100)
        );
        assert_eq!(t.get(ms(500), &key).unwrap().expiry, ms(1500), "restarted");
        let bare = seg(TcpFlags::ACK, 9000);
        assert_eq!(
            t.on_segment(ms(1200), &key, &bare, 0),
            Some(TimeWaitVerdict::Drop)
        );
        let old = seg(TcpFlags::ACK, 8000);
        assert_eq!(
            t.on_segment(ms(1200), &key, &old, 100),
            Some(TimeWaitVerdict::Ack)
        );
        let far_rst = seg(TcpFlags::RST, 1);
        assert_eq!(
            t.on_segment(ms(1200), &key, &far_rst, 0),
            Some(TimeWaitVerdict::Drop)
        );
        assert!(
            t.get(ms(1200), &key).is_some(),
            "an out-of-window RST changes nothing"
        );
        assert_eq!(
            t.on_segment(ms(1500), &key, &fin, 0),
            None,
            "expired at 2·MSL"
        );
        assert_eq!(
            (t.stats.fins_acked, t.stats.acks_sent, t.stats.segments),
            (1, 2, 4)
        );

        t.insert(ms(2000), key, record(ms(2000)), 10);
        let rst = seg(TcpFlags::RST, 9000);
        assert_eq!(
            t.on_segment(ms(2100), &key, &rst, 0),
            Some(TimeWaitVerdict::Drop)
        );
        assert!(t.get(ms(2100), &key).is_none(), "a RST at RCV.NXT ends it");

        // RFC 1122 §4.2.2.13: a SYN past RCV.NXT reopens the 4-tuple; an older one is ACKed.
        t.insert(ms(3000), key, record(ms(3000)), 10);
        let old_syn = seg(TcpFlags::SYN, 100);
        assert_eq!(
            t.on_segment(ms(3100), &key, &old_syn, 0),
            Some(TimeWaitVerdict::Ack)
        );
        let new_syn = seg(TcpFlags::SYN, 9001);
        assert_eq!(
            t.on_segment(ms(3100), &key, &new_syn, 0),
            Some(TimeWaitVerdict::Reopen)
        );
        assert!(t.is_empty());
        assert_eq!(t.stats.ended_early, 2);
    }

    /// Memory stays bounded: at most `max` records per host (past it a closing connection
    /// keeps none, counted as an overflow), and expired records are swept by later
    /// insertions, so a steady stream of closes holds about rate × 2·MSL records, not one per
    /// connection ever closed.
    #[test]
    fn time_wait_records_are_bounded_and_swept() {
        let mut t = TimeWaitTable::default();
        let key = |node: u32, port: u16| (NodeId(node), port, PEER, 80);
        for port in 0..5 {
            t.insert(ms(0), key(0, port), record(ms(0)), 3);
        }
        t.insert(ms(0), key(1, 0), record(ms(0)), 3);
        assert_eq!(
            (t.len(), t.stats.overflows),
            (4, 2),
            "3 on node 0, 1 on node 1"
        );
        // One close per millisecond for 10 s with a 1 s TIME-WAIT: about 1000 held at once.
        for i in 0..10_000u32 {
            let now = ms(10 + u64::from(i));
            t.insert(now, key(2, i as u16), record(now), 4096);
        }
        assert!(t.len() <= 1002, "{} records held", t.len());
        assert!(t.queue.len() <= 1002, "{} queue entries", t.queue.len());
        assert_eq!(t.stats.peak, 1000, "one per millisecond for 1 s");
        assert_eq!(t.stats.records, 10_004);
    }
}
