//! Applications: traffic sources and sinks installed on hosts.
//!
//! An application is a small state machine. The host calls it with an [`AppCtx`] — the current
//! time, the host's address, and a buffer for its outputs (packets to send, timers to set) — and
//! carries the outputs out afterwards, so an application never touches the event queue or other
//! nodes directly.
//!
//! Applications talk to each other with [`Signal`]s ([`AppCtx::signal`], received by
//! [`Application::on_signal`]; ordering in [`crate::signal`]), may end the run
//! ([`AppCtx::stop_run`]), can follow how much of what they sent over TCP is acknowledged
//! ([`AppCtx::tcp_watch_acked`], [`Application::on_tcp_acked`]), and report their results as a
//! typed [`Report`] per kind.

use std::net::Ipv4Addr;

use sim_core::SimTime;

pub use crate::report::Report;
use crate::signal::{Endpoint, PlaneKind, Signal};
use crate::socket::{Owner, SocketId, SocketTable};
use crate::tcp::{TcpConnection, TcpEvent};
use crate::wire::{IcmpRepr, L4, Packet, UdpRepr};
use crate::{AppId, NodeId};

/// What an application asks its host to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppAction {
    /// Send an IPv4 packet with this transport header and payload length.
    Send {
        /// Destination address.
        dst: Ipv4Addr,
        /// Transport header.
        l4: L4,
        /// Payload bytes (virtual).
        payload_len: u32,
    },
    /// Call [`Application::on_timer`] with `token` at `at`.
    Timer {
        /// When.
        at: SimTime,
        /// Passed back to the application.
        token: u64,
    },
    /// Pause VM `vm` (see [`crate::Network::pause_guest`]).
    PauseGuest(NodeId),
    /// Resume VM `vm` on host `on` (see [`crate::Network::resume_guest`]).
    ResumeGuest {
        /// The VM.
        vm: NodeId,
        /// The host it runs on from now.
        on: NodeId,
    },
    /// Deliver `signal` to application `to` at the current time (see [`crate::signal`]).
    Signal {
        /// The recipient.
        to: AppId,
        /// The message.
        signal: Signal,
    },
    /// Deliver `signal` to a plane at the current time, with the sender's id.
    PlaneSignal {
        /// The switch plane or the host planes.
        to: PlaneKind,
        /// The message.
        signal: Signal,
    },
    /// End the run once every event at the current time has run.
    StopRun,
}

/// The application's view of its host during one call.
pub struct AppCtx<'a> {
    now: SimTime,
    local_ip: Ipv4Addr,
    actions: &'a mut Vec<AppAction>,
    /// The calling application, its host, its flow tag, and the network's sockets (absent in
    /// unit tests of UDP-only applications).
    tcp: Option<(AppId, NodeId, u32, &'a mut SocketTable)>,
}

impl<'a> AppCtx<'a> {
    /// A context collecting outputs into `actions`, without TCP (for unit tests of UDP
    /// applications).
    pub fn new(now: SimTime, local_ip: Ipv4Addr, actions: &'a mut Vec<AppAction>) -> Self {
        AppCtx {
            now,
            local_ip,
            actions,
            tcp: None,
        }
    }

    pub(crate) fn with_tcp(
        now: SimTime,
        local_ip: Ipv4Addr,
        actions: &'a mut Vec<AppAction>,
        app: AppId,
        node: NodeId,
        flow: u32,
        sockets: &'a mut SocketTable,
    ) -> Self {
        AppCtx {
            now,
            local_ip,
            actions,
            tcp: Some((app, node, flow, sockets)),
        }
    }

    fn sockets(&mut self) -> &mut SocketTable {
        self.tcp.as_mut().expect("this context has no TCP").3
    }

    /// Opens a TCP connection to `dst:dst_port`; events arrive at [`Application::on_tcp`].
    pub fn tcp_connect(&mut self, dst: Ipv4Addr, dst_port: u16) -> SocketId {
        let (now, local_ip) = (self.now, self.local_ip);
        let (app, node, flow, sockets) = self.tcp.as_mut().expect("this context has no TCP");
        let owner = Owner {
            node: *node,
            app: *app,
            flow: *flow,
            local_ip,
        };
        sockets.connect(now, owner, dst, dst_port)
    }

    /// Opens a TCP connection from another host, `node` (address `local_ip`), to
    /// `dst:dst_port`, owned by this application: a workload generator drives flows between
    /// many hosts. Events arrive at [`Application::on_tcp`] as for [`AppCtx::tcp_connect`].
    pub fn tcp_connect_from(
        &mut self,
        node: NodeId,
        local_ip: Ipv4Addr,
        dst: Ipv4Addr,
        dst_port: u16,
    ) -> SocketId {
        let now = self.now;
        let (app, _, flow, sockets) = self.tcp.as_mut().expect("this context has no TCP");
        let owner = Owner {
            node,
            app: *app,
            flow: *flow,
            local_ip,
        };
        sockets.connect(now, owner, dst, dst_port)
    }

    /// Frees `sock` once its connection is CLOSED or in TIME-WAIT, after its last events
    /// have been delivered: its state, its slot and its port are then reused, so an
    /// application that opens millions of short connections keeps memory in proportion to
    /// those open. The application must not use `sock` after its `Closed` event (or after
    /// the teardown that leaves it in TIME-WAIT). A connection freed in TIME-WAIT leaves a
    /// compact record until 2·MSL ([`crate::socket::TimeWaitTable`]) that acknowledges a
    /// retransmitted FIN and keeps the 4-tuple from new connections; a late segment for a
    /// closed connection, or one past its TIME-WAIT, is answered with a reset.
    pub fn tcp_release(&mut self, sock: SocketId) {
        self.sockets().release(sock);
    }

    /// Queues up to `bytes` for sending; returns how many the send buffer accepted. If fewer,
    /// [`Application::on_tcp_writable`] follows once there is room.
    pub fn tcp_write(&mut self, sock: SocketId, bytes: u64) -> u64 {
        self.sockets().write(sock, bytes)
    }

    /// Closes the sending direction (FIN after the queued data).
    pub fn tcp_close(&mut self, sock: SocketId) {
        self.sockets().close(sock);
    }

    /// Read access to a connection (state, counters).
    pub fn tcp(&mut self, sock: SocketId) -> &TcpConnection {
        &self.sockets().get(sock).conn
    }

    /// Read access to a socket: its connection and its place (host, addresses).
    pub fn tcp_socket(&mut self, sock: SocketId) -> &crate::socket::Socket {
        self.sockets().get(sock)
    }

    /// Asks for [`Application::on_tcp_acked`] whenever the cumulative count of this socket's
    /// written bytes that the peer has acknowledged grows. Sockets nobody watches cost nothing
    /// per ACK beyond one flag test.
    pub fn tcp_watch_acked(&mut self, sock: SocketId) {
        self.sockets().watch_acked(sock);
    }
    /// The current simulated time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }
    /// The host's IPv4 address.
    pub fn local_ip(&self) -> Ipv4Addr {
        self.local_ip
    }
    /// Sends a UDP datagram of `payload_len` bytes.
    #[inline]
    pub fn send_udp(&mut self, dst: Ipv4Addr, src_port: u16, dst_port: u16, payload_len: u32) {
        self.actions.push(AppAction::Send {
            dst,
            l4: L4::Udp(UdpRepr { src_port, dst_port }),
            payload_len,
        });
    }
    /// Sends an ICMP message with `payload_len` bytes of data.
    pub fn send_icmp(&mut self, dst: Ipv4Addr, icmp: IcmpRepr, payload_len: u32) {
        self.actions.push(AppAction::Send {
            dst,
            l4: L4::Icmp(icmp),
            payload_len,
        });
    }
    /// Pauses VM `vm`: the stop-and-copy phase of a migration (a migration engine runs as an
    /// application on the VM's host).
    pub fn pause_vm(&mut self, vm: NodeId) {
        self.actions.push(AppAction::PauseGuest(vm));
    }

    /// Resumes VM `vm` on host `on`, where it keeps its addresses and connections.
    pub fn resume_vm(&mut self, vm: NodeId, on: NodeId) {
        self.actions.push(AppAction::ResumeGuest { vm, on });
    }

    /// Sends `signal` to `to`, delivered at the current time after this call returns and after
    /// every event already pending at this time ([`crate::signal`]'s ordering contract). A
    /// plane gets it with this application's id; a signal to a plane the network does not
    /// have is dropped.
    pub fn signal(&mut self, to: Endpoint, signal: Signal) {
        match to {
            Endpoint::App(app) => self.actions.push(AppAction::Signal { to: app, signal }),
            Endpoint::SwitchPlane => self.actions.push(AppAction::PlaneSignal {
                to: PlaneKind::Switch,
                signal,
            }),
            Endpoint::HostPlanes => self.actions.push(AppAction::PlaneSignal {
                to: PlaneKind::Host,
                signal,
            }),
        }
    }

    /// Ends the run at the current time: every event at this instant still runs (signals
    /// sent now included), nothing later does. The end time of the run is then the current
    /// time.
    pub fn stop_run(&mut self) {
        self.actions.push(AppAction::StopRun);
    }

    /// Asks for [`Application::on_timer`] with `token` at `at` (not before now).
    #[inline]
    pub fn set_timer(&mut self, at: SimTime, token: u64) {
        self.actions.push(AppAction::Timer {
            at: at.max(self.now),
            token,
        });
    }
}

/// Counters every application keeps (part of its [`Report`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppReport {
    /// Packets handed to the network.
    pub packets_sent: u64,
    /// Payload bytes handed to the network.
    pub bytes_sent: u64,
    /// Packets received by this application.
    pub packets_received: u64,
    /// Payload bytes received by this application.
    pub bytes_received: u64,
    /// Time of the first packet received.
    pub first_rx: Option<SimTime>,
    /// Time of the last packet received.
    pub last_rx: Option<SimTime>,
    /// The longest time between two consecutive receptions (a service's longest silence).
    pub max_gap: SimTime,
    /// The same within each migration of the VM whose service this application measures
    /// (empty unless migrations signal it; [`crate::report::ServiceWindows`]).
    pub windows: crate::report::ServiceWindows,
}

impl AppReport {
    /// Counts a reception of `bytes` at `now` (packets only when `packet`).
    pub fn record_rx(&mut self, now: SimTime, bytes: u64, packet: bool) {
        self.packets_received += u64::from(packet);
        self.bytes_received += bytes;
        self.first_rx.get_or_insert(now);
        self.windows.record(self.last_rx, now);
        if let Some(last) = self.last_rx {
            self.max_gap = self.max_gap.max(now - last);
        }
        self.last_rx = Some(now);
    }
}

/// A traffic source or sink on a host, or a component that coordinates others through
/// signals.
pub trait Application {
    /// Called at the application's start time.
    fn start(&mut self, ctx: &mut AppCtx<'_>);
    /// Called at the application's stop time, if it has one; it must send nothing afterwards.
    fn stop(&mut self, _ctx: &mut AppCtx<'_>) {}
    /// A timer set through [`AppCtx::set_timer`] fired.
    fn on_timer(&mut self, _ctx: &mut AppCtx<'_>, _token: u64) {}
    /// A packet addressed to this application arrived (UDP to its port, ICMP echo reply to its
    /// identifier).
    fn on_receive(&mut self, _ctx: &mut AppCtx<'_>, _pkt: &Packet) {}
    /// Something happened on one of this application's TCP sockets (including sockets accepted
    /// on a port it listens on, whose first event is `Connected`).
    fn on_tcp(&mut self, _ctx: &mut AppCtx<'_>, _sock: SocketId, _event: TcpEvent) {}
    /// A socket whose last write was cut short has room again.
    fn on_tcp_writable(&mut self, _ctx: &mut AppCtx<'_>, _sock: SocketId) {}
    /// The peer has now acknowledged `acked` bytes (a cumulative count of what this socket
    /// accepted through [`AppCtx::tcp_write`]) of a socket watched with
    /// [`AppCtx::tcp_watch_acked`]. Called at the instant the acknowledgement arrives, after
    /// that socket's [`Application::on_tcp`] events and [`Application::on_tcp_writable`], once
    /// per advance.
    fn on_tcp_acked(&mut self, _ctx: &mut AppCtx<'_>, _sock: SocketId, _acked: u64) {}
    /// A [`Signal`] sent to this application arrived.
    fn on_signal(&mut self, _ctx: &mut AppCtx<'_>, _signal: Signal) {}
    /// The run ended at `end`: an application that streams records to a file of its own
    /// writes what it still holds and flushes it (called once, by
    /// [`crate::Network::finish_traces`]). `sockets` is the network's socket table as the run
    /// left it, read-only: the application can read its still-open connections' counters
    /// (a workload's unfinished flows), but no longer act on them.
    fn finish(
        &mut self,
        _end: SimTime,
        _sockets: &SocketTable,
    ) -> Result<(), (std::path::PathBuf, std::io::Error)> {
        Ok(())
    }
    /// What the application has to report, typed by its kind (for `summary.json`, traces and
    /// tests).
    fn report(&self) -> Report;
}
