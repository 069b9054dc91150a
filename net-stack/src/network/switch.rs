//! The glue between switch nodes and the network's [`SwitchPlane`]: frames in, frames out at
//! the times the plane chooses (in order per port), and the plane's own events.

use sim_core::Scheduler;

use super::{Event, Network};
use crate::plane::{PlaneCtx, PlaneSend, SwitchPlane};
use crate::{DeviceId, PacketId};

impl Network {
    /// Calls into the plane, then carries out the frames it sent (the events it scheduled
    /// are already in the engine's queue).
    pub(super) fn with_plane(
        &mut self,
        sched: &mut Scheduler<Event>,
        f: impl FnOnce(&mut dyn SwitchPlane, &mut PlaneCtx<'_>),
    ) {
        let Some(plane) = self.plane.as_mut() else {
            return;
        };
        let mut sends = std::mem::take(&mut self.plane_sends);
        f(plane.as_mut(), &mut PlaneCtx::new(sched, &mut sends));
        for s in sends.drain(..) {
            self.plane_emit(sched, s);
        }
        self.plane_sends = sends;
    }

    /// A frame the plane sent: straight to the device when due now and nothing is waiting
    /// before it, else in the device's FIFO of plane output.
    fn plane_emit(&mut self, sched: &mut Scheduler<Event>, s: PlaneSend) {
        let dev = self.ports.device(s.node, s.port);
        self.fates.emitted_by_switches += 1;
        // The plane keeps the packet it absorbed (and its SACK entry); each copy it emits is
        // one more holder.
        if let crate::wire::L4::Tcp(t) = &s.pkt.l4 {
            self.sack_arena.retain(t.options.sack);
        }
        let id = self.packets.insert(s.pkt);
        let now = sched.now();
        let q = &mut self.plane_out[dev.index()];
        let at = q.back().map_or(s.at, |&(t, _)| t.max(s.at));
        if q.is_empty() {
            if at <= now {
                self.device_send(sched, dev, id);
                return;
            }
            sched.schedule_at(at, Event::SwitchOut(dev));
        }
        q.push_back((at, id));
    }

    pub(super) fn on_switch_out(&mut self, sched: &mut Scheduler<Event>, dev: DeviceId) {
        let now = sched.now();
        while let Some(&(t, id)) = self.plane_out[dev.index()].front() {
            if t > now {
                sched.schedule_at(t, Event::SwitchOut(dev));
                break;
            }
            self.plane_out[dev.index()].pop_front();
            self.device_send(sched, dev, id);
        }
    }

    /// A frame reached switch port `dev`: the plane takes it.
    pub(super) fn switch_receive(
        &mut self,
        sched: &mut Scheduler<Event>,
        dev: DeviceId,
        id: PacketId,
    ) {
        let pkt = self.packets.remove(id).expect("live packet");
        self.fates.absorbed_by_switches += 1;
        let (node, port) = {
            let d = &self.devices[dev.index()];
            (d.node, d.port)
        };
        self.with_plane(sched, |p, ctx| p.on_packet(ctx, node, port, pkt));
    }

    /// A device's queue refused a frame: a switch's plane counts it against the port.
    pub(super) fn note_queue_drop(&mut self, dev: DeviceId) {
        let d = &self.devices[dev.index()];
        let (node, port) = (d.node, d.port);
        if self.nodes[node.index()].is_switch()
            && let Some(p) = self.plane.as_mut()
        {
            p.on_queue_drop(node, port);
        }
    }
}
