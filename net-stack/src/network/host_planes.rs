//! The glue between hosts and the network's [`HostPlane`]s: the hooks on send and receive,
//! the verdicts carried out, the changes planes ask for, and commands to the planes.

use sim_core::Scheduler;

use super::{Event, Network};
use crate::host_plane::{HostAction, HostCommand, HostCtx, HostDrop, HostPlane, HostVerdict};
use crate::node::NodeKind;
use crate::wire::Packet;
use crate::{DeviceId, NodeId, PacketFates, PacketId};

impl Network {
    /// The planes that hook `node`'s sends, in installation order, until one says other than
    /// `Pass`. Call only when some plane hooks `node`.
    pub(super) fn send_hooks(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        pkt: &mut Packet,
    ) -> HostVerdict {
        let hp = self.host_planes.as_mut().expect("hooked");
        let mask = hp.hooks.send[node.index()];
        let mut verdict = HostVerdict::Pass;
        for (i, p) in hp.planes.iter_mut().enumerate() {
            if mask & (1 << i) == 0 {
                continue;
            }
            let mut ctx = HostCtx::new(
                sched.now(),
                i,
                &self.nodes,
                &self.devices,
                &mut hp.actions,
                &self.payloads,
            );
            verdict = p.on_send(&mut ctx, node, pkt);
            if verdict != HostVerdict::Pass {
                break;
            }
        }
        if !hp.actions.is_empty() {
            self.apply_host_actions(sched);
        }
        verdict
    }

    /// The planes that hook host `host`'s arrivals, in reverse installation order, until one
    /// says other than `Pass`. Call only when some plane hooks `host`.
    pub(super) fn receive_hooks(
        &mut self,
        sched: &mut Scheduler<Event>,
        host: NodeId,
        dev: DeviceId,
        id: PacketId,
    ) -> HostVerdict {
        let port = self.devices[dev.index()].port;
        let hp = self.host_planes.as_mut().expect("hooked");
        let mask = hp.hooks.receive[host.index()];
        let mut verdict = HostVerdict::Pass;
        for (i, p) in hp.planes.iter_mut().enumerate().rev() {
            if mask & (1 << i) == 0 {
                continue;
            }
            let mut ctx = HostCtx::new(
                sched.now(),
                i,
                &self.nodes,
                &self.devices,
                &mut hp.actions,
                &self.payloads,
            );
            verdict = p.on_receive(&mut ctx, host, port, &mut self.packets[id]);
            if verdict != HostVerdict::Pass {
                break;
            }
        }
        if !hp.actions.is_empty() {
            self.apply_host_actions(sched);
        }
        verdict
    }

    /// Carries out what the planes asked for during a call, in order.
    fn apply_host_actions(&mut self, sched: &mut Scheduler<Event>) {
        let hp = self.host_planes.as_mut().expect("a plane asked");
        let mut actions = std::mem::take(&mut hp.actions);
        for a in actions.drain(..) {
            match a {
                HostAction::Hook {
                    plane,
                    node,
                    send,
                    receive,
                } => {
                    let hp = self.host_planes.as_mut().expect("a plane asked");
                    hp.hooks.set(plane, node, send, receive);
                }
                HostAction::Attach { vm, host } => self.attach_guest(vm, host),
                HostAction::Announce(node) => self.announce(sched, node),
                HostAction::SetMac { vm, mac } => self.set_guest_mac(vm, mac),
                HostAction::HostRoute {
                    at,
                    ip,
                    gateway,
                    port,
                } => self.schedule_host_route(sched, at, ip, gateway, port),
                HostAction::SendUdp {
                    from,
                    dst,
                    ports,
                    bytes,
                } => self.send_udp_bytes(sched, from, dst, ports, bytes),
                HostAction::Timer { plane, token, at } => {
                    self.set_host_timer(sched, plane as u8, token, at)
                }
            }
        }
        self.host_planes.as_mut().expect("a plane asked").actions = actions;
    }

    /// Arms (`at: Some`) or cancels plane `plane`'s timer `token`, replacing a pending one.
    fn set_host_timer(
        &mut self,
        sched: &mut Scheduler<Event>,
        plane: u8,
        token: u64,
        at: Option<sim_core::SimTime>,
    ) {
        if let Some(old) = self.host_timers.remove(&(plane, token)) {
            sched.cancel(old);
        }
        if let Some(at) = at {
            let at = at.max(sched.now());
            let id = sched.schedule_cancellable_at(at, Event::HostTimer(plane, token));
            self.host_timers.insert((plane, token), id);
        }
    }

    /// Plane `plane`'s timer `token` fires.
    pub(super) fn on_host_timer(&mut self, sched: &mut Scheduler<Event>, plane: u8, token: u64) {
        self.host_timers.remove(&(plane, token));
        let hp = self.host_planes.as_mut().expect("a plane set the timer");
        let mut ctx = HostCtx::new(
            sched.now(),
            plane as usize,
            &self.nodes,
            &self.devices,
            &mut hp.actions,
            &self.payloads,
        );
        hp.planes[plane as usize].on_timer(&mut ctx, token);
        self.apply_host_actions(sched);
    }

    /// Carries out a verdict other than `Pass` on packet `id` at `node`: a host that received it
    /// on `dev`, or (`dev = None`) a host or VM that sends it.
    pub(super) fn carry_out(
        &mut self,
        sched: &mut Scheduler<Event>,
        node: NodeId,
        dev: Option<DeviceId>,
        id: PacketId,
        verdict: HostVerdict,
    ) {
        match verdict {
            HostVerdict::Pass => unreachable!("the caller goes on itself"),
            HostVerdict::Drop(why) => self.drop_packet(id, drop_counter(why)),
            HostVerdict::Deliver(to) => {
                let arrival = match dev {
                    Some(dev) => Some(dev),
                    None => {
                        let via = self.egress(to);
                        self.nodes[via.index()].devices.first().copied()
                    }
                };
                match (arrival, self.nodes[to.index()].is_host()) {
                    (Some(dev), true) => self.nic_receive(sched, to, dev, id),
                    _ => self.drop_packet(id, |f| &mut f.unroutable),
                }
            }
            HostVerdict::SendOut(port) => {
                let via = self.egress(node);
                match self.nodes[via.index()].devices.get(port as usize) {
                    Some(&out) => self.device_send(sched, out, id),
                    None => self.drop_packet(id, |f| &mut f.unroutable),
                }
            }
            HostVerdict::Redirect(to) => self.ip_output(sched, to, id),
        }
    }

    /// Sends IPv4 packet `id` on from `node` as its IP layer would: a host resolves with ARP
    /// or routes from its uplink, a router routes, a switch cannot.
    #[inline]
    pub(super) fn ip_output(&mut self, sched: &mut Scheduler<Event>, node: NodeId, id: PacketId) {
        match &self.nodes[node.index()].kind {
            NodeKind::Host(h) if h.arp.is_some() => self.arp_send(sched, node, id),
            NodeKind::Host(_) => {
                let via = self.egress(node);
                self.route_and_send(sched, via, id);
            }
            NodeKind::Router => self.route_and_send(sched, node, id),
            NodeKind::LpmRouter(_) => self.lpm_forward(sched, node, id),
            NodeKind::Switch => self.drop_packet(id, |f| &mut f.unroutable),
        }
    }

    /// A signal from application `from` for the host planes: each sees it, in installation
    /// order, and what they ask for is carried out after the last.
    pub(crate) fn host_planes_signal(
        &mut self,
        sched: &mut Scheduler<Event>,
        from: crate::AppId,
        signal: crate::signal::Signal,
    ) {
        let Some(hp) = self.host_planes.as_mut() else {
            return;
        };
        for (i, p) in hp.planes.iter_mut().enumerate() {
            let mut ctx = HostCtx::new(
                sched.now(),
                i,
                &self.nodes,
                &self.devices,
                &mut hp.actions,
                &self.payloads,
            );
            p.on_signal(&mut ctx, from, signal);
        }
        self.apply_host_actions(sched);
    }

    /// Hands `cmd` to the host planes in installation order until one carries it out; returns
    /// whether one did (false without host planes).
    pub fn host_command(&mut self, sched: &mut Scheduler<Event>, cmd: HostCommand) -> bool {
        let Some(hp) = self.host_planes.as_mut() else {
            return false;
        };
        let mut done = false;
        for (i, p) in hp.planes.iter_mut().enumerate() {
            let mut ctx = HostCtx::new(
                sched.now(),
                i,
                &self.nodes,
                &self.devices,
                &mut hp.actions,
                &self.payloads,
            );
            if p.on_command(&mut ctx, cmd) {
                done = true;
                break;
            }
        }
        self.apply_host_actions(sched);
        done
    }

    /// Pauses VM `vm` (the stop-and-copy phase of a migration) through the host plane that
    /// bridges it: until it resumes it sends nothing and frames for it are dropped
    /// (`PacketFates::guest_paused`). Panics if no host plane bridges `vm` (a network with VMs
    /// needs one, as the scenario builder installs).
    pub fn pause_guest(&mut self, sched: &mut Scheduler<Event>, vm: NodeId) {
        let done = self.host_command(sched, HostCommand::PauseGuest(vm));
        assert!(done, "no host plane bridges VM {vm:?}");
    }

    /// Resumes VM `vm` on host `on` (the end of a migration) through the host plane that
    /// bridges it. The VM keeps its IP and MAC addresses, its sockets and its ARP cache.
    /// Panics if no host plane bridges `vm`.
    pub fn resume_guest(&mut self, sched: &mut Scheduler<Event>, vm: NodeId, on: NodeId) {
        let done = self.host_command(sched, HostCommand::ResumeGuest { vm, on });
        assert!(done, "no host plane bridges VM {vm:?}");
    }

    /// The `index`th host plane (in installation order), if there is one.
    pub fn host_plane(&self, index: usize) -> Option<&dyn HostPlane> {
        Some(self.host_planes.as_ref()?.planes.get(index)?.as_ref())
    }

    /// The `index`th host plane, mutably.
    pub fn host_plane_mut(&mut self, index: usize) -> Option<&mut (dyn HostPlane + 'static)> {
        Some(self.host_planes.as_mut()?.planes.get_mut(index)?.as_mut())
    }
}

/// The fate a host plane's drop counts in.
pub(super) fn drop_counter(why: HostDrop) -> fn(&mut PacketFates) -> &mut u64 {
    match why {
        HostDrop::GuestPaused => |f| &mut f.guest_paused,
        HostDrop::Policy => |f| &mut f.dropped_by_host_planes,
        HostDrop::Consumed => |f| &mut f.delivered,
    }
}
