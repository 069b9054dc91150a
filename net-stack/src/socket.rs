//! TCP sockets: the host side of the sans-IO [`TcpConnection`].
//!
//! A [`SocketTable`] owns every TCP connection in the network, the demultiplexing table
//! (node, local port, remote address, remote port) → socket, the listening ports, and the
//! per-node ephemeral port counters. Applications use sockets through [`crate::app::AppCtx`];
//! the network feeds segments and timeouts in and carries segments and events out
//! ([`crate::Network`]'s socket service loop).
//!
//! Timers: a socket keeps at most one pending timer event, at the earliest deadline it has
//! asked for. When the connection's deadline moves later (the RTO restarts on every ACK), no event
//! is scheduled or cancelled; the pending one fires, the connection ignores the early call, and
//! the socket re-arms at the new deadline — one event per RTO interval, not one per segment.
//!
//! Acknowledgement progress: a socket counts the bytes its application wrote; the peer has
//! acknowledged `written − unacked` of them. An application that asks
//! ([`crate::app::AppCtx::tcp_watch_acked`]) is told each time that count grows, when the
//! socket is serviced after the segment that carried the ACK — the exact instant, not a poll.
//! A socket nobody watches pays one flag test per service.
//!
//! Servicing: a socket remembers the instant of its last service while its connection sees
//! nothing but writes that cannot change what it sends (a full segment already waits). A
//! bulk sender's application, told at that service that the buffer has room, writes and so
//! marks the socket dirty again; the second service at the same instant would poll, send
//! nothing and tell nobody anything, and is skipped (`Socket::idle_at`).

use std::collections::{BTreeMap, VecDeque};
use std::net::Ipv4Addr;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use sim_core::{EventId, RngStreams, SimTime};

use crate::tcp::{TcpConfig, TcpConnection};
use crate::wire::{SeqNum, TcpFlags, TcpOptions, TcpRepr};
use crate::{AppId, NodeId};

/// A connection's place in the demultiplexing table: (node, local port, remote address,
/// remote port).
type Tuple = (NodeId, u16, Ipv4Addr, u16);

/// A TCP socket, by index into the [`SocketTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SocketId(pub u32);

/// One TCP connection and its place in the network.
#[derive(Debug)]
pub struct Socket {
    /// The host it lives on.
    pub node: NodeId,
    /// The application it reports to.
    pub app: AppId,
    /// The flow tag for packets it sends.
    pub flow: u32,
    /// Local address.
    pub local_ip: Ipv4Addr,
    /// Remote address.
    pub remote_ip: Ipv4Addr,
    /// The connection state machine.
    pub conn: TcpConnection,
    /// Time of the pending timer event, if one is scheduled.
    pub(crate) timer_at: Option<SimTime>,
    /// The pending timer event at `timer_at`, so that it can be cancelled: when a released
    /// socket's timer is superseded or the socket is freed (its entry then leaves the event
    /// queue instead of lingering until its time, up to the 1 s initial RTO).
    pub(crate) timer_id: Option<EventId>,
    /// The application wrote less than it wanted; tell it when space frees up.
    pub(crate) writer_blocked: bool,
    /// Queued for servicing.
    pub(crate) dirty: bool,
    /// The instant of the socket's last service, if its connection has seen nothing since but
    /// writes that cannot change what it sends (`TcpConnection::write_changes_no_output`):
    /// that service drained it, so a second one at the same instant would send nothing and,
    /// with nothing to tell the application, is skipped (`Network::service_sockets`).
    pub(crate) quiet_at: Option<SimTime>,
    /// `cc_changes` of the connection when last traced.
    pub(crate) traced_changes: u64,
    /// Data bytes the application wrote (accepted by the connection).
    written: u64,
    /// The acknowledged count last reported to a watching application; `None` when nobody
    /// watches.
    acked_reported: Option<u64>,
    /// Free the socket once its connection is closed or lingering in TIME-WAIT
    /// ([`crate::app::AppCtx::tcp_release`]).
    pub(crate) release: bool,
}

impl Socket {
    fn new(owner: Owner, remote_ip: Ipv4Addr, conn: TcpConnection) -> Self {
        Socket {
            node: owner.node,
            app: owner.app,
            flow: owner.flow,
            local_ip: owner.local_ip,
            remote_ip,
            conn,
            timer_at: None,
            timer_id: None,
            writer_blocked: false,
            dirty: false,
            quiet_at: None,
            traced_changes: 0,
            written: 0,
            acked_reported: None,
            release: false,
        }
    }

    /// Data bytes of this socket's stream that the peer has acknowledged (of those written).
    pub fn bytes_acked(&self) -> u64 {
        self.written - self.conn.unacked_bytes()
    }

    /// Whether a service at `now` would do nothing: the last one, at `now`, drained the
    /// connection, which has seen only writes that change no output since; and there is
    /// nothing to tell the application (no event, no room for a blocked writer, no watch, no
    /// window change to trace when `traced`) and no release to carry out.
    #[inline]
    pub(crate) fn idle_at(&self, now: SimTime, traced: bool) -> bool {
        self.quiet_at == Some(now)
            && self.conn.pending_events() == 0
            && !self.writable()
            && !self.watches_acked()
            && (!traced || self.conn.cc_changes() == self.traced_changes)
            && !self.release
            && self.conn.idle_poll_repeatable()
    }

    /// The application's last write was cut short and the send buffer has room again.
    #[inline]
    pub(crate) fn writable(&self) -> bool {
        self.writer_blocked && self.conn.unacked_bytes() < self.conn.cfg.snd_buf
    }

    /// Whether its application asked to hear of acknowledgement progress.
    #[inline]
    pub(crate) fn watches_acked(&self) -> bool {
        self.acked_reported.is_some()
    }

    /// The new acknowledged count if the socket is watched and the count grew since it was
    /// last reported (and records it as reported).
    #[inline]
    pub(crate) fn take_acked_progress(&mut self) -> Option<u64> {
        let reported = self.acked_reported?;
        let acked = self.bytes_acked();
        (acked > reported).then(|| {
            self.acked_reported = Some(acked);
            acked
        })
    }
}

/// Who a new socket belongs to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Owner {
    pub node: NodeId,
    pub app: AppId,
    pub flow: u32,
    pub local_ip: Ipv4Addr,
}

/// Every TCP socket in a network.
#[derive(Debug)]
pub struct SocketTable {
    pub(crate) sockets: Vec<Socket>,
    /// Looked up once per segment, never iterated (so the hash order cannot leak into results):
    /// a hash map with rustc's fixed FxHash, which beat the `BTreeMap` it replaced.
    demux: FxHashMap<Tuple, SocketId>,
    listeners: BTreeMap<(NodeId, u16), AppId>,
    next_ephemeral: BTreeMap<NodeId, u16>,
    /// Per node, how many times its ephemeral ports wrapped around (only released sockets let
    /// a port be used again; see [`SocketTable::connect`]).
    port_wraps: BTreeMap<NodeId, u32>,
    /// Slots of released sockets, reused (lowest last freed first) by new sockets.
    free: Vec<SocketId>,
    /// Sockets released so far.
    released: u64,
    /// What freed sockets in TIME-WAIT leave behind.
    pub(crate) time_wait: TimeWaitTable,
    pub(crate) dirty: Vec<SocketId>,
    /// Shared by the connections made with it (`TcpConnection::cfg`).
    pub(crate) cfg: Arc<TcpConfig>,
    /// Applications whose connections (active and accepted) use their own settings instead
    /// of `cfg`: a migration's stream can run the hypervisor's stack while the guests run
    /// theirs. Looked up once per new connection.
    app_cfg: BTreeMap<AppId, Arc<TcpConfig>>,
    streams: RngStreams,
}

/// The first ephemeral port (IANA dynamic range).
const EPHEMERAL_BASE: u16 = 49_152;

impl SocketTable {
    pub(crate) fn new(cfg: TcpConfig, streams: RngStreams) -> Self {
        SocketTable {
            sockets: Vec::new(),
            demux: FxHashMap::default(),
            listeners: BTreeMap::new(),
            next_ephemeral: BTreeMap::new(),
            port_wraps: BTreeMap::new(),
            free: Vec::new(),
            released: 0,
            time_wait: TimeWaitTable::default(),
            dirty: Vec::new(),
            cfg: Arc::new(cfg),
            app_cfg: BTreeMap::new(),
            streams,
        }
    }

    /// Connections opened by `app`, or accepted on a port it listens on, use `cfg`.
    pub(crate) fn set_app_config(&mut self, app: AppId, cfg: TcpConfig) {
        self.app_cfg.insert(app, Arc::new(cfg));
    }

    /// The configuration a new connection of `app` gets.
    fn config_for(&self, app: AppId) -> &Arc<TcpConfig> {
        self.app_cfg.get(&app).unwrap_or(&self.cfg)
    }

    /// The configuration new connections get (unless their application has its own).
    pub fn config(&self) -> &TcpConfig {
        &self.cfg
    }

    /// A socket.
    pub fn get(&self, id: SocketId) -> &Socket {
        &self.sockets[id.0 as usize]
    }

    pub(crate) fn get_mut(&mut self, id: SocketId) -> &mut Socket {
        &mut self.sockets[id.0 as usize]
    }

    /// All sockets, by id.
    pub fn all(&self) -> &[Socket] {
        &self.sockets
    }

    /// The initial sequence number of a new connection: drawn from a stream named after the
    /// connection's endpoints, so that it does not depend on other connections.
    fn iss(&self, node: NodeId, local_port: u16, remote: Ipv4Addr, remote_port: u16) -> SeqNum {
        let name = format!("tcp-iss/{}/{local_port}/{remote}/{remote_port}", node.0);
        SeqNum(self.streams.stream(&name).next_u64() as u32)
    }

    pub(crate) fn listen(&mut self, node: NodeId, port: u16, app: AppId) -> bool {
        self.listeners.insert((node, port), app).is_none()
    }

    pub(crate) fn listener(&self, node: NodeId, port: u16) -> Option<AppId> {
        self.listeners.get(&(node, port)).copied()
    }

    pub(crate) fn lookup(
        &self,
        node: NodeId,
        local_port: u16,
        remote: Ipv4Addr,
        remote_port: u16,
    ) -> Option<SocketId> {
        self.demux
            .get(&(node, local_port, remote, remote_port))
            .copied()
    }

    fn insert(&mut self, sock: Socket) -> SocketId {
        let key = (
            sock.node,
            sock.conn.local_port(),
            sock.remote_ip,
            sock.conn.remote_port(),
        );
        let id = match self.free.pop() {
            Some(id) => {
                // A stale timer event of the slot's last socket finds `timer_at` unset (or
                // not its own time) and is ignored (`Network::on_tcp_timer`).
                self.sockets[id.0 as usize] = sock;
                id
            }
            None => {
                self.sockets.push(sock);
                SocketId(self.sockets.len() as u32 - 1)
            }
        };
        self.demux.insert(key, id);
        self.mark_dirty(id);
        id
    }

    /// Frees socket `id` (its application asked with [`crate::app::AppCtx::tcp_release`] and
    /// its connection is closed or in TIME-WAIT): segments for it now find no connection, and
    /// its slot may be taken by a new socket. Its connection state is dropped; one in
    /// TIME-WAIT leaves a [`TimeWaitRecord`] until its 2·MSL end (RFC 9293 §3.10.7.4), which
    /// keeps its 4-tuple from new connections of this host. The caller has cancelled its
    /// pending timer event (`timer_id`).
    pub(crate) fn free(&mut self, now: SimTime, id: SocketId) {
        let s = &mut self.sockets[id.0 as usize];
        let key = (
            s.node,
            s.conn.local_port(),
            s.remote_ip,
            s.conn.remote_port(),
        );
        self.demux.remove(&key);
        let record = (s.conn.state() == crate::tcp::TcpState::TimeWait)
            .then(|| s.conn.poll_timeout())
            .flatten()
            .filter(|&expiry| expiry > now)
            .map(|expiry| {
                let ack = s.conn.header(now, s.conn.snd_nxt(), TcpFlags::ACK);
                let record = TimeWaitRecord {
                    snd_nxt: ack.seq,
                    rcv_nxt: ack.ack,
                    window: ack.window,
                    flags: ack.flags,
                    ts_recent: ack.options.timestamps.map(|(_, echo)| echo),
                    flow: s.flow,
                    tos: s.conn.cfg.ip.tos(),
                    expiry,
                    linger: s.conn.cfg.time_wait,
                    generation: 0,
                };
                (record, s.conn.cfg.max_time_wait)
            });
        debug_assert!(s.timer_id.is_none(), "the caller cancels the timer event");
        s.timer_at = None;
        s.release = false;
        s.writer_blocked = false;
        s.acked_reported = None;
        self.free.push(id);
        self.released += 1;
        if let Some((record, max)) = record {
            self.time_wait.insert(now, key, record, max);
        }
    }

    /// How many sockets have been freed after their application released them.
    pub fn released(&self) -> u64 {
        self.released
    }

    /// The TIME-WAIT records of freed sockets.
    pub fn time_wait(&self) -> &TimeWaitTable {
        &self.time_wait
    }

    /// Sockets in use (not freed).
    pub fn live(&self) -> usize {
        self.sockets.len() - self.free.len()
    }

    /// Marks socket `id` to be freed once its connection is closed or in TIME-WAIT.
    pub(crate) fn release(&mut self, id: SocketId) {
        self.sockets[id.0 as usize].release = true;
        self.sockets[id.0 as usize].quiet_at = None;
        self.mark_dirty(id);
    }

    /// Active open from `node` (address `local_ip`) to `remote:remote_port`.
    pub(crate) fn connect(
        &mut self,
        now: SimTime,
        owner: Owner,
        remote_ip: Ipv4Addr,
        remote_port: u16,
    ) -> SocketId {
        let node = owner.node;
        let (local_port, wraps) = self.ephemeral_port(node, remote_ip, remote_port);
        let mut iss = self.iss(node, local_port, remote_ip, remote_port);
        if wraps > 0 {
            // A reused port: a fresh ISS, so that a late segment of the port's previous
            // connection does not fall into the new one's window (RFC 9293 §3.4.1).
            let name = format!(
                "tcp-iss/{}/{local_port}/{remote_ip}/{remote_port}/{wraps}",
                node.0
            );
            iss = SeqNum(self.streams.stream(&name).next_u64() as u32);
        }
        let conn = TcpConnection::connect_shared(
            now,
            self.config_for(owner.app),
            local_port,
            remote_port,
            iss,
        );
        self.insert(Socket::new(owner, remote_ip, conn))
    }

    /// The next ephemeral port of `node` for a connection to `remote:remote_port`, and how
    /// many times the node's ports have wrapped. Ports are handed out in order from 49152;
    /// past 65535 they start again at 49152 and skip those whose 4-tuple is still in use
    /// (possible only once released sockets have freed ports; without releases the counter
    /// never wraps in practice and behaves as before).
    fn ephemeral_port(&mut self, node: NodeId, remote: Ipv4Addr, remote_port: u16) -> (u16, u32) {
        for _ in 0..=(u16::MAX - EPHEMERAL_BASE) {
            let next = self.next_ephemeral.entry(node).or_insert(EPHEMERAL_BASE);
            let port = *next;
            *next = match next.checked_add(1) {
                Some(p) => p,
                None => {
                    *self.port_wraps.entry(node).or_insert(0) += 1;
                    EPHEMERAL_BASE
                }
            };
            let tuple = (node, port, remote, remote_port);
            if !self.demux.contains_key(&tuple) && !self.time_wait.holds(&tuple) {
                let wraps = self.port_wraps.get(&node).copied().unwrap_or(0);
                return (port, wraps);
            }
        }
        // Every free port's 4-tuple is in TIME-WAIT: take the next one's, as Linux's
        // `tcp_tw_reuse` would (counted in `time_wait.reused`).
        let next = self.next_ephemeral.entry(node).or_insert(EPHEMERAL_BASE);
        let port = *next;
        if self.time_wait.reuse(&(node, port, remote, remote_port)) {
            *next = next.checked_add(1).unwrap_or(EPHEMERAL_BASE);
            if *next == EPHEMERAL_BASE {
                *self.port_wraps.entry(node).or_insert(0) += 1;
            }
            let wraps = self.port_wraps.get(&node).copied().unwrap_or(0);
            return (port, wraps);
        }
        panic!("ephemeral ports exhausted on one host: 16384 connections to one peer port are open")
    }

    /// Passive open for a SYN that reached a listening port.
    pub(crate) fn accept(
        &mut self,
        now: SimTime,
        owner: Owner,
        remote_ip: Ipv4Addr,
        syn: &crate::wire::TcpRepr,
    ) -> SocketId {
        let iss = self.iss(owner.node, syn.dst_port, remote_ip, syn.src_port);
        let conn = TcpConnection::accept_shared(now, self.config_for(owner.app), syn, iss);
        self.insert(Socket::new(owner, remote_ip, conn))
    }

    #[inline]
    pub(crate) fn mark_dirty(&mut self, id: SocketId) {
        let s = &mut self.sockets[id.0 as usize];
        if !s.dirty {
            s.dirty = true;
            self.dirty.push(id);
        }
    }

    /// Writes up to `bytes` to the socket's send buffer; returns how many were accepted. If
    /// fewer, the owning application gets `on_tcp_writable` once space frees up.
    pub(crate) fn write(&mut self, id: SocketId, bytes: u64) -> u64 {
        let s = &mut self.sockets[id.0 as usize];
        let output_unchanged = s.conn.write_changes_no_output();
        let accepted = s.conn.write(bytes);
        if accepted > 0 && !output_unchanged {
            s.quiet_at = None;
        }
        s.written += accepted;
        if accepted < bytes {
            s.writer_blocked = true;
        }
        self.mark_dirty(id);
        accepted
    }

    /// Reports acknowledgement progress of socket `id` to its application from now on.
    pub(crate) fn watch_acked(&mut self, id: SocketId) {
        let s = &mut self.sockets[id.0 as usize];
        s.acked_reported.get_or_insert(s.bytes_acked());
    }

    pub(crate) fn close(&mut self, id: SocketId) {
        self.sockets[id.0 as usize].quiet_at = None;
        self.sockets[id.0 as usize].conn.close();
        self.mark_dirty(id);
    }
}

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
    generation: u32,
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
                timestamps: self
                    .ts_recent
                    .map(|echo| ((now.as_ps() / 1_000_000_000) as u32, echo)),
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
    fn insert(&mut self, now: SimTime, tuple: Tuple, mut record: TimeWaitRecord, max: u32) {
        self.sweep(now);
        if *self.count(tuple.0) >= max {
            self.stats.overflows += 1;
            return;
        }
        self.remove(&tuple);
        record.generation = self.next_generation;
        self.next_generation = self.next_generation.wrapping_add(1);
        self.queue.push_back((record.expiry, tuple, record.generation));
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
    fn holds(&self, tuple: &Tuple) -> bool {
        self.records.contains_key(tuple)
    }

    /// Ends `tuple`'s record so that a new connection may take the 4-tuple; whether there
    /// was one.
    fn reuse(&mut self, tuple: &Tuple) -> bool {
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
            let generation = self.next_generation;
            self.next_generation = self.next_generation.wrapping_add(1);
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
mod tests {
    use std::net::Ipv4Addr;
    use std::sync::Arc;

    use sim_core::{RngStreams, SimTime};

    use super::{Owner, Socket, SocketTable, TimeWaitRecord, TimeWaitTable, TimeWaitVerdict};
    use crate::tcp::TcpConfig;
    use crate::wire::{SeqNum, TcpFlags, TcpRepr};
    use crate::{AppId, NodeId};

    const PEER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

    fn ms(v: u64) -> SimTime {
        SimTime::from_ms(v)
    }

    /// A record made at `at`: we sent up to 5000 (FIN included), the peer up to 9000.
    fn record(at: SimTime) -> TimeWaitRecord {
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
        assert_eq!(t.on_segment(ms(500), &key, &fin, 0), Some(TimeWaitVerdict::Ack));
        let ack = t.get(ms(500), &key).unwrap().ack(ms(500), &fin);
        assert_eq!(
            (ack.src_port, ack.dst_port, ack.seq, ack.ack, ack.flags, ack.window),
            (50_000, 80, SeqNum(5000), SeqNum(9000), TcpFlags::ACK, 100)
        );
        assert_eq!(t.get(ms(500), &key).unwrap().expiry, ms(1500), "restarted");
        let bare = seg(TcpFlags::ACK, 9000);
        assert_eq!(t.on_segment(ms(1200), &key, &bare, 0), Some(TimeWaitVerdict::Drop));
        let old = seg(TcpFlags::ACK, 8000);
        assert_eq!(t.on_segment(ms(1200), &key, &old, 100), Some(TimeWaitVerdict::Ack));
        let far_rst = seg(TcpFlags::RST, 1);
        assert_eq!(t.on_segment(ms(1200), &key, &far_rst, 0), Some(TimeWaitVerdict::Drop));
        assert!(t.get(ms(1200), &key).is_some(), "an out-of-window RST changes nothing");
        assert_eq!(t.on_segment(ms(1500), &key, &fin, 0), None, "expired at 2·MSL");
        assert_eq!(
            (t.stats.fins_acked, t.stats.acks_sent, t.stats.segments),
            (1, 2, 4)
        );

        t.insert(ms(2000), key, record(ms(2000)), 10);
        let rst = seg(TcpFlags::RST, 9000);
        assert_eq!(t.on_segment(ms(2100), &key, &rst, 0), Some(TimeWaitVerdict::Drop));
        assert!(t.get(ms(2100), &key).is_none(), "a RST at RCV.NXT ends it");

        // RFC 1122 §4.2.2.13: a SYN past RCV.NXT reopens the 4-tuple; an older one is ACKed.
        t.insert(ms(3000), key, record(ms(3000)), 10);
        let old_syn = seg(TcpFlags::SYN, 100);
        assert_eq!(t.on_segment(ms(3100), &key, &old_syn, 0), Some(TimeWaitVerdict::Ack));
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
        assert_eq!((t.len(), t.stats.overflows), (4, 2), "3 on node 0, 1 on node 1");
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

    /// A new connection does not take an ephemeral port whose 4-tuple is in TIME-WAIT.
    #[test]
    fn ephemeral_ports_skip_time_wait() {
        let mut t = SocketTable::new(TcpConfig::default(), RngStreams::new(1));
        let node = NodeId(0);
        t.time_wait
            .insert(ms(0), (node, 49_152, PEER, 80), record(ms(0)), 10);
        assert_eq!(t.ephemeral_port(node, PEER, 80), (49_153, 0));
        assert_eq!(
            t.ephemeral_port(node, PEER, 81),
            (49_154, 0),
            "another peer port: the counter moves on"
        );
    }

    /// Issue 20's k = 16 footprint: connections share their table's settings (or their
    /// application's own) instead of each holding a copy, and a socket stays small.
    #[test]
    fn connections_share_their_settings() {
        let mut t = SocketTable::new(TcpConfig::default(), RngStreams::new(1));
        let own = TcpConfig {
            snd_buf: 1 << 20,
            ..TcpConfig::default()
        };
        t.set_app_config(AppId(1), own);
        let owner = |app| Owner {
            node: NodeId(0),
            app: AppId(app),
            flow: 0,
            local_ip: Ipv4Addr::new(10, 0, 0, 1),
        };
        let peer = Ipv4Addr::new(10, 0, 0, 2);
        let a = t.connect(SimTime::ZERO, owner(0), peer, 80);
        let b = t.connect(SimTime::ZERO, owner(0), peer, 81);
        let c = t.connect(SimTime::ZERO, owner(1), peer, 82);
        let cfg = |id| Arc::clone(&t.get(id).conn.cfg);
        assert!(
            Arc::ptr_eq(&cfg(a), &cfg(b)),
            "one copy for the table's connections"
        );
        assert!(Arc::ptr_eq(&cfg(a), &t.cfg));
        assert_eq!(*cfg(a), TcpConfig::default());
        assert_eq!(*cfg(c), own, "an application's own settings");
        assert!(!Arc::ptr_eq(&cfg(a), &cfg(c)));
        // 920 bytes with a copy of the settings and the reset inline (session 15).
        let size = std::mem::size_of::<Socket>();
        eprintln!("size_of::<Socket>() = {size}");
        assert!(size <= 800, "a socket takes {size} bytes");
    }
}
