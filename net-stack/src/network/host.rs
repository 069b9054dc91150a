//! The host side of the network: packets leaving and reaching hosts, TCP sockets, the
//! applications, and ARP (RFC 826) when hosts resolve addresses themselves.

use std::net::Ipv4Addr;

use sim_core::{Scheduler, SimTime};

use super::host_planes::drop_counter;
use super::{Event, Network};
use crate::app::{AppAction, AppCtx, Application};
use crate::host_plane::HostVerdict;
use crate::node::NodeKind;
use crate::socket::SocketId;
use crate::tcp::{Ecn, rst_for};
use crate::trace::Series;
use crate::wire::{IcmpRepr, L3, L4, Packet, PacketMeta};
use crate::{AppId, DeviceId, NodeId, PacketId};

impl Network {
    // ---- packets leaving a host --------------------------------------------------------------

    /// Sends an IPv4 packet from host `node`; `tos` is its TOS octet (DSCP and ECN, from the TCP
    /// connection's `Transmit`, 0 otherwise).
    #[allow(clippy::too_many_arguments)] // the IPv4 header's inputs, each a plain value
    pub(super) fn host_send(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        flow: u32,
        dst: Ipv4Addr,
        l4: L4,
        payload_len: u32,
        tos: u8,
    ) {
        let hooked = matches!(&self.host_planes, Some(hp) if hp.hooks_send(node));
        let n = &mut self.nodes[node.index()];
        let src = n.ip.expect("hosts have addresses");
        let NodeKind::Host(host) = &mut n.kind else {
            unreachable!("only hosts run applications")
        };
        let ident = host.next_ip_ident;
        let meta = PacketMeta {
            uid: self.next_uid,
            flow,
            created: sched.now(),
        };
        if hooked {
            let pkt = Packet::new_ipv4(src, dst, l4, payload_len, ident, tos, meta);
            return self.host_send_hooked(sched, node, pkt);
        }
        host.next_ip_ident = ident.wrapping_add(1);
        let pkt = Packet::new_ipv4(src, dst, l4, payload_len, ident, tos, meta);
        self.next_uid += 1;
        self.fates.created += 1;
        let id = self.packets.insert(pkt);
        let NodeKind::Host(host) = &self.nodes[node.index()].kind else {
            unreachable!()
        };
        if host.arp.is_some() {
            self.arp_send(sched, node, id);
        } else {
            let via = self.egress(node);
            self.route_and_send(sched, via, id);
        }
    }

    /// [`Network::host_send`] for a node some host plane hooks: the planes see the packet
    /// before its identification and uid are taken (a packet they drop takes neither: the
    /// stack that would have sent it never ran, as for a paused VM).
    #[inline(never)]
    fn host_send_hooked(&mut self, sched: &mut Scheduler<Event>, node: NodeId, mut pkt: Packet) {
        self.fates.created += 1;
        let verdict = self.send_hooks(sched, node, &mut pkt);
        if let HostVerdict::Drop(why) = verdict {
            *drop_counter(why)(&mut self.fates) += 1;
            self.release_sack(&pkt);
            return;
        }
        if let NodeKind::Host(host) = &mut self.nodes[node.index()].kind {
            host.next_ip_ident = host.next_ip_ident.wrapping_add(1);
        }
        // Taken now: a plane's announcements may have taken uids while it was called.
        pkt.meta.uid = self.next_uid;
        self.next_uid += 1;
        let id = self.packets.insert(pkt);
        match verdict {
            HostVerdict::Pass => self.ip_output(sched, node, id),
            verdict => self.carry_out(sched, node, None, id, verdict),
        }
    }

    /// A frame reached host `node` through its device `dev`: the host planes that hook it see
    /// it first, then the NIC.
    pub(super) fn host_receive(
        &mut self,
        sched: &mut Scheduler<Event>,
        mut node: NodeId,
        dev: DeviceId,
        id: PacketId,
    ) {
        if let Some(hp) = &self.host_planes
            && hp.hooks_receive(node)
        {
            match self.receive_hooks(sched, node, dev, id) {
                HostVerdict::Pass => {}
                HostVerdict::Deliver(to) if self.nodes[to.index()].is_host() => node = to,
                verdict => return self.carry_out(sched, node, Some(dev), id, verdict),
            }
        }
        self.nic_receive(sched, node, dev, id);
    }

    /// What host (or VM) `node`'s NIC does with a frame that arrived on `dev`: its MAC filter,
    /// then ARP or IP up to a socket or an application.
    #[inline(always)]
    pub(super) fn nic_receive(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        dev: DeviceId,
        id: PacketId,
    ) {
        let pkt = &self.packets[id];
        if pkt.encap.is_some() {
            // No host plane took the tunnel packet off: the NIC has no tunnel endpoint.
            self.tunnel_arrival(node, dev, id);
            return;
        }
        // The NIC's filter: on a switched network a flooded frame reaches hosts it is not for.
        if pkt.eth.dst != self.identity_mac(node, dev) && !pkt.eth.dst.is_broadcast() {
            self.drop_packet(id, |f| &mut f.filtered);
            return;
        }
        let ip = match pkt.l3 {
            L3::Ipv4(ip) => ip,
            L3::Arp(arp) => {
                self.packets.remove(id);
                self.fates.delivered += 1;
                self.arp_receive(sched, node, dev, &arp);
                return;
            }
        };
        if Some(ip.dst) != self.nodes[node.index()].ip {
            // Hosts do not forward.
            self.drop_packet(id, |f| &mut f.unroutable);
            return;
        }
        if let L4::Tcp(seg) = pkt.l4 {
            // Only the header and two fields are needed: the packet is not copied out whole.
            let (len, flow) = (pkt.payload_len, pkt.meta.flow);
            self.packets.remove(id);
            let ecn = Ecn::from_bits(ip.tos);
            self.tcp_receive(sched, node, ip.src, &seg, len, flow, ecn);
            self.sack_arena.release(seg.options.sack);
            return;
        }
        let pkt = *pkt;
        let NodeKind::Host(host) = &self.nodes[node.index()].kind else {
            unreachable!()
        };
        let target = match pkt.l4 {
            L4::Udp(u) => host.udp_ports.get(&u.dst_port).copied(),
            L4::Icmp(IcmpRepr::EchoReply { ident, .. }) => host.icmp_idents.get(&ident).copied(),
            L4::Icmp(IcmpRepr::EchoRequest { ident, seq }) => {
                // The host's IP layer answers (RFC 792): same identifier, sequence and data.
                let src = ip.src;
                self.packets.remove(id);
                self.fates.delivered += 1;
                let reply = L4::Icmp(IcmpRepr::EchoReply { ident, seq });
                self.host_send(sched, node, pkt.meta.flow, src, reply, pkt.payload_len, 0);
                return;
            }
            L4::Tcp(_) => unreachable!("delivered above"),
            L4::None => None,
        };
        let Some(app) = target else {
            self.drop_packet(id, |f| &mut f.no_listener);
            return;
        };
        self.packets.remove(id);
        self.fates.delivered += 1;
        self.call_app(sched, app, |a, ctx| a.on_receive(ctx, &pkt));
    }

    /// A TCP segment for this host: to its connection, to a listener (a SYN), or answered with
    /// a reset (RFC 9293 §3.10.7.1).
    /// The segment carried `payload_len` bytes in a packet of flow `flow`, with ECN field
    /// `ecn`.
    #[allow(clippy::too_many_arguments)] // the segment's header and its packet's fields
    pub(super) fn tcp_receive(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        src: Ipv4Addr,
        seg: &crate::wire::TcpRepr,
        payload_len: u32,
        flow: u32,
        ecn: Ecn,
    ) {
        use crate::wire::TcpFlags;
        let now = sched.now();
        if let Some(sid) = self.tcp.lookup(node, seg.dst_port, src, seg.src_port) {
            self.fates.delivered += 1;
            let conn = &mut self.tcp.get_mut(sid).conn;
            if seg.options.sack.raw_bytes() < 4 {
                conn.handle_segment(now, seg, payload_len, ecn);
            } else {
                let sack = self.sack_arena.get(seg.options.sack);
                conn.handle_segment_sack(now, seg, payload_len, ecn, sack);
            }
            self.tcp.get_mut(sid).quiet_at = None;
            self.tcp.mark_dirty(sid);
            return;
        }
        if !self.tcp.time_wait.is_empty()
            && self.time_wait_receive(sched, node, src, seg, payload_len)
        {
            return;
        }
        let is_syn = seg.flags.contains(TcpFlags::SYN) && !seg.flags.contains(TcpFlags::ACK);
        if let (true, Some(app)) = (is_syn, self.tcp.listener(node, seg.dst_port)) {
            self.fates.delivered += 1;
            let owner = crate::socket::Owner {
                node,
                app,
                flow: self.apps[app.index()].flow,
                local_ip: self.nodes[node.index()].ip.expect("hosts have addresses"),
            };
            self.tcp.accept(now, owner, src, seg);
            return;
        }
        self.fates.no_listener += 1;
        if let Some(rst) = rst_for(seg, payload_len) {
            self.host_send(sched, node, flow, src, L4::Tcp(rst), 0, 0);
        }
    }

    /// A segment that found no socket, for a 4-tuple in TIME-WAIT (RFC 9293 §3.10.7.4, see
    /// [`crate::socket::TimeWaitTable::on_segment`]): acknowledged, or dropped, and counted
    /// delivered (it reached its connection's remains). Returns whether it was handled so; a
    /// SYN that reopens the 4-tuple goes on to the listener.
    #[cold]
    #[inline(never)]
    fn time_wait_receive(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        src: Ipv4Addr,
        seg: &crate::wire::TcpRepr,
        payload_len: u32,
    ) -> bool {
        use crate::socket::TimeWaitVerdict;
        let now = sched.now();
        let tuple = (node, seg.dst_port, src, seg.src_port);
        let Some(verdict) = self.tcp.time_wait.on_segment(now, &tuple, seg, payload_len) else {
            return false;
        };
        match verdict {
            TimeWaitVerdict::Reopen => return false,
            TimeWaitVerdict::Drop => {}
            TimeWaitVerdict::Ack => {
                let r = *self.tcp.time_wait.get(now, &tuple).expect("acknowledged");
                self.host_send(sched, node, r.flow, src, L4::Tcp(r.ack(now, seg)), 0, r.tos);
            }
        }
        self.fates.delivered += 1;
        true
    }

    /// Carries out what dirty sockets have to say: their segments go out, their events go to
    /// their applications (which may write, making sockets dirty again), and their timers are
    /// re-armed. Runs until no socket is dirty.
    ///
    /// What most services skip — events, a writable callback, acknowledged progress, a window
    /// trace, freeing the socket — is out of line, so that the loop over the common service
    /// (a segment in, a segment or nothing out) keeps its values in registers (issue 20).
    pub(super) fn service_sockets(&mut self, sched: &mut Scheduler<Event>) {
        while let Some(sid) = self.tcp.dirty.pop() {
            let now = sched.now();
            let s = self.tcp.get_mut(sid);
            s.dirty = false;
            if s.idle_at(now, !self.series.is_empty()) {
                // Serviced already at this instant, and only a write that changes nothing
                // (a bulk sender topping up its buffer) came since.
                continue;
            }
            loop {
                let s = self.tcp.get_mut(sid);
                let Some(t) = s.conn.poll_transmit(now) else {
                    break;
                };
                let drained = s.conn.drained();
                let (node, flow, dst) = (s.node, s.flow, s.remote_ip);
                let (mut seg, len, tos) = (L4::Tcp(t.repr), t.payload_len, t.ip.tos());
                if let L4::Tcp(repr) = &mut seg
                    && repr.options.sack.block_count() > 0
                {
                    repr.options.sack = self.sack_arena.intern(s.conn.sent_sack());
                }
                self.host_send(sched, node, flow, dst, seg, len, tos);
                if drained && !self.tcp.get(sid).dirty {
                    break; // the poll that would find nothing (unless sending made it dirty)
                }
            }
            let s = self.tcp.get_mut(sid);
            s.quiet_at = Some(now);
            let writable = s.writable();
            let events = s.conn.pending_events();
            if events > 0 || writable || s.watches_acked() {
                self.socket_callbacks(sched, sid, events, writable);
            }
            let s = self.tcp.get_mut(sid);
            if s.conn.cc_changes() != s.traced_changes && !self.series.is_empty() {
                self.trace_window(now, sid);
            }
            let s = self.tcp.get_mut(sid);
            if s.release && !s.dirty && s.conn.state().is_done() {
                self.free_socket(sched, sid);
                continue;
            }
            if let Some(deadline) = s.conn.poll_timeout() {
                let at = deadline.max(now);
                if s.timer_at.is_none_or(|t| at < t) {
                    // A superseded event is left to fire as a no-op (one per RTO interval),
                    // except for a released socket: a workload's short flows would leave one
                    // per flow in the queue for up to the 1 s initial RTO (issue 20).
                    if let (true, Some(old)) = (s.release, s.timer_id) {
                        sched.cancel(old);
                    }
                    s.timer_at = Some(at);
                    s.timer_id = Some(sched.schedule_cancellable_at(at, Event::TcpTimer(sid)));
                }
            }
        }
    }

    /// Tells socket `sid`'s application its `events` oldest events, then that the socket is
    /// `writable` (if so), then how much of what it wrote is acknowledged (if it watches).
    /// Events the callbacks cause wait for the socket's next service.
    #[inline(never)]
    fn socket_callbacks(
        &mut self,
        sched: &mut Scheduler<Event>,
        sid: SocketId,
        events: usize,
        writable: bool,
    ) {
        let app = self.tcp.get(sid).app;
        for _ in 0..events {
            let ev = self.tcp.get_mut(sid).conn.poll_event().expect("counted");
            self.call_app(sched, app, |a, ctx| a.on_tcp(ctx, sid, ev));
        }
        if writable {
            self.tcp.get_mut(sid).writer_blocked = false;
            self.call_app(sched, app, |a, ctx| a.on_tcp_writable(ctx, sid));
        }
        if let Some(acked) = self.tcp.get_mut(sid).take_acked_progress() {
            self.call_app(sched, app, |a, ctx| a.on_tcp_acked(ctx, sid, acked));
        }
    }

    /// Socket `sid`'s window changed since it was last traced: the TCP time series hear of it.
    #[inline(never)]
    fn trace_window(&mut self, now: SimTime, sid: SocketId) {
        let s = self.tcp.get_mut(sid);
        s.traced_changes = s.conn.cc_changes();
        for t in &mut self.series {
            if let Series::Tcp(t) = t {
                t.on_change(now, sid, &self.tcp);
            }
        }
    }

    /// Frees released socket `sid`, whose connection is done, with its pending timer event.
    #[cold]
    #[inline(never)]
    fn free_socket(&mut self, sched: &mut Scheduler<Event>, sid: SocketId) {
        if let Some(id) = self.tcp.get_mut(sid).timer_id.take() {
            sched.cancel(id);
        }
        self.tcp.free(sched.now(), sid);
    }

    pub(super) fn on_tcp_timer(&mut self, sched: &mut Scheduler<Event>, sid: SocketId) {
        let now = sched.now();
        let s = self.tcp.get_mut(sid);
        if s.timer_at != Some(now) {
            return; // superseded by an earlier timer that already ran
        }
        s.timer_at = None;
        s.timer_id = None;
        s.quiet_at = None;
        s.conn.handle_timeout(now);
        self.tcp.mark_dirty(sid);
    }

    // ---- applications ------------------------------------------------------------------------

    /// An [`Event::Signal`] reaches its application.
    pub(super) fn deliver_signal(
        &mut self,
        sched: &mut Scheduler<Event>,
        app: AppId,
        signal: crate::signal::Signal,
    ) {
        self.call_app(sched, app, |a, ctx| a.on_signal(ctx, signal));
    }

    pub(super) fn call_app(
        &mut self,
        sched: &mut Scheduler<Event>,
        app: AppId,
        f: impl FnOnce(&mut dyn Application, &mut AppCtx<'_>),
    ) {
        let slot = &mut self.apps[app.index()];
        let node = slot.node;
        let flow = slot.flow;
        let ip = self.nodes[node.index()].ip.expect("hosts have addresses");
        f(
            slot.app.as_mut(),
            &mut AppCtx::with_tcp(
                sched.now(),
                ip,
                &mut self.actions,
                app,
                node,
                flow,
                &mut self.tcp,
            ),
        );
        if !self.actions.is_empty() {
            self.carry_out_actions(sched, app, node, flow);
        }
    }

    /// Carries out what application `app` (on `node`, flow tag `flow`) asked for in its last
    /// call. The actions are taken out first: carrying one out may call an application again.
    #[inline(never)]
    fn carry_out_actions(
        &mut self,
        sched: &mut Scheduler<Event>,
        app: AppId,
        node: NodeId,
        flow: u32,
    ) {
        let mut actions = std::mem::take(&mut self.actions);
        for action in actions.drain(..) {
            match action {
                AppAction::Send {
                    dst,
                    l4,
                    payload_len,
                } => self.host_send(sched, node, flow, dst, l4, payload_len, 0),
                AppAction::Timer { at, token } => {
                    sched.schedule_at(at, Event::AppTimer(app, token));
                }
                AppAction::PauseGuest(vm) => self.pause_guest(sched, vm),
                AppAction::ResumeGuest { vm, on } => self.resume_guest(sched, vm, on),
                AppAction::Signal { to, signal } => {
                    sched.schedule_at(sched.now(), Event::Signal(to, signal));
                }
                AppAction::PlaneSignal { to, signal } => {
                    sched.schedule_at(sched.now(), Event::PlaneSignal(to, app, signal));
                }
                AppAction::StopRun => sched.stop_after_instant(),
            }
        }
        self.actions = actions;
    }
}
