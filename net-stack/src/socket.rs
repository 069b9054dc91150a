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

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use sim_core::{EventId, RngStreams, SimTime};

use crate::tcp::{TcpConfig, TcpConnection};
use crate::wire::{SeqNum, TcpFlags};
use crate::{AppId, NodeId};

mod time_wait;

pub use time_wait::{TimeWaitRecord, TimeWaitStats, TimeWaitTable, TimeWaitVerdict};

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

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;
    use std::sync::Arc;

    use sim_core::{RngStreams, SimTime};

    use super::time_wait::tests::{PEER, ms, record};
    use super::{Owner, Socket, SocketTable};
    use crate::tcp::TcpConfig;
    use crate::{AppId, NodeId};

    /// When every ephemeral port to a peer port is in TIME-WAIT, the next one's record ends
    /// early (as Linux's `tcp_tw_reuse` would take it) instead of the table giving up.
    #[test]
    fn all_ports_in_time_wait_reuse_the_next() {
        let mut t = SocketTable::new(TcpConfig::default(), RngStreams::new(1));
        let node = NodeId(0);
        for port in 49_152..=u16::MAX {
            t.time_wait
                .insert(ms(0), (node, port, PEER, 80), record(ms(0)), 20_000);
        }
        assert_eq!(t.time_wait.len(), 16_384);
        assert_eq!(
            t.ephemeral_port(node, PEER, 80),
            (49_152, 1),
            "the first port again, after one wrap"
        );
        assert_eq!(t.time_wait.len(), 16_383);
        assert_eq!(t.time_wait.stats.ended_early, 1);
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
