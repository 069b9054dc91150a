//! What the switches send, as the apps should see it: PACKET_INs from either network (and
//! from the tunnel), FLOW_REMOVED of copies, PORT_STATUS of either copy of a port, and the
//! replies to gathered statistics requests.

use sim_core::SimTime;

use super::{MigrationShim, NEW_BUFFER_BIT, Origin};
use crate::controller::ShimContext;
use crate::netmig::rules::{Copy, VRule};
use crate::netmig::stats::{merge_flows, merge_ports};
use crate::netmig::twin::Tag;
use crate::switch::ControlMessage;
use crate::switch::flow_entry::sec_nsec;
use crate::switch::matching::normalize;
use crate::wire::{
    FlowModFlags, FlowRemoved, Message, MessageBody, MultipartReply, MultipartReplyBody,
    OFP_NO_BUFFER, OFPMPF_MORE, PacketOut, Port, PortReason, PortStatus,
};

/// `OFPPS_LIVE`: the port is live (OpenFlow 1.3.5 §7.2.1).
const STATE_LIVE: u32 = 4;

impl MigrationShim {
    // ---- from the switches -----------------------------------------------------------------

    pub(super) fn packet_in(
        &mut self,
        ctx: &mut ShimContext<'_>,
        dpid: u64,
        mut cm: ControlMessage,
    ) {
        let MessageBody::PacketIn(pi) = &mut cm.msg.body else {
            return;
        };
        let Some((vdpid, on_new)) = self.twin.virtual_of(dpid) else {
            self.drop_hidden(ctx, dpid, pi.buffer_id);
            return;
        };
        let in_port = pi.match_.in_port.unwrap_or(0);
        let mut tagged = false;
        if self
            .twin
            .tunnel_port(dpid)
            .is_some_and(|t| t.port == in_port)
        {
            let tag = cm.packet.as_ref().and_then(|p| p.eth.vlan.outer());
            match tag.and_then(|t| Tag::of_vid(t.vid)) {
                Some(Tag::EnterOld(i)) if !on_new => {
                    tagged = true;
                    if pi.reason == crate::wire::PacketInReason::NoMatch {
                        *self.tagged_misses.entry(dpid).or_default() += 1;
                    }
                    pi.match_.in_port = Some(self.twin.positions[i].old.1);
                    if let Some(p) = &mut cm.packet {
                        p.eth.vlan.pop();
                        if !pi.data.is_empty() {
                            let keep = pi.data.len().saturating_sub(4);
                            pi.data.clear();
                            net_stack::pcap::serialize_frame(p, 0, &mut pi.data);
                            if pi.buffer_id != OFP_NO_BUFFER {
                                pi.data.truncate(keep);
                            }
                        }
                    }
                    pi.total_len = pi.total_len.saturating_sub(4);
                }
                _ => {
                    // Not the apps' business: a tunnel packet with no entry.
                    self.drop_hidden(ctx, dpid, pi.buffer_id);
                    return;
                }
            }
        }
        let origin = Origin {
            dpid,
            buffer: pi.buffer_id,
            in_port,
            tagged,
            virtual_in: pi.match_.in_port.unwrap_or(in_port),
        };
        if pi.buffer_id != OFP_NO_BUFFER {
            if on_new {
                pi.buffer_id |= NEW_BUFFER_BIT;
            }
            self.buffers.insert(pi.buffer_id, origin);
        } else if (on_new || tagged)
            && let Some(p) = cm.packet
        {
            self.unbuffered.insert(p.meta.uid, origin);
        }
        ctx.to_app(vdpid, cm);
    }

    /// Releases a buffered packet of a switch the apps cannot see with an explicit drop
    /// (§2.2: a buffered packet always gets an action).
    pub(super) fn drop_hidden(&mut self, ctx: &mut ShimContext<'_>, dpid: u64, buffer: u32) {
        if buffer == OFP_NO_BUFFER {
            return;
        }
        self.stats.released_buffers += 1;
        let po = PacketOut {
            buffer_id: buffer,
            in_port: crate::wire::OFPP_CONTROLLER,
            actions: Vec::new(),
            data: Vec::new(),
        };
        ctx.to_switch(dpid, Message::new(0, MessageBody::PacketOut(po)).into());
    }

    pub(super) fn flow_removed(&mut self, ctx: &mut ShimContext<'_>, dpid: u64, fr: &FlowRemoved) {
        let key = normalize(&fr.match_);
        if let Some(k) = self
            .retired
            .iter()
            .position(|(d, m, p, _, _)| *d == dpid && *p == fr.priority && *m == key)
        {
            let (_, _, _, id, kind) = self.retired.remove(k);
            if let Some(ri) = self.rules.iter().position(|r| r.id == id) {
                let b =
                    self.virtual_bytes(&self.rules[ri], dpid, kind, fr.packet_count, fr.byte_count);
                let r = &mut self.rules[ri];
                r.carried.0 += fr.packet_count;
                r.carried.1 += b;
            }
            return;
        }
        // Dying rules first: an app may delete and re-add the same entry before the
        // deletion's FLOW_REMOVED arrives.
        let find = |dying: bool| {
            self.rules.iter().position(|r| {
                r.dying == dying
                    && r.fm.priority == fr.priority
                    && r.copies
                        .iter()
                        .any(|c| c.dpid == dpid && normalize(&c.match_) == key)
            })
        };
        let Some(ri) = find(true).or_else(|| find(false)) else {
            return;
        };
        let c = self.rules[ri]
            .copies
            .iter()
            .position(|c| c.dpid == dpid && normalize(&c.match_) == key)
            .expect("found above");
        let kind = self.rules[ri].copies[c].kind;
        let b = self.virtual_bytes(&self.rules[ri], dpid, kind, fr.packet_count, fr.byte_count);
        let r = &mut self.rules[ri];
        let copy = r.copies.remove(c);
        r.carried.0 += fr.packet_count;
        r.carried.1 += b;
        if !r.copies.is_empty() {
            return;
        }
        let r = self.rules.remove(ri);
        if !r.fm.flags.contains(FlowModFlags::SEND_FLOW_REM) {
            return;
        }
        let age = SimTime::from_secs(u64::from(fr.duration_sec))
            + SimTime::from_ns(u64::from(fr.duration_nsec))
            + copy.sent.saturating_sub(r.installed);
        let (duration_sec, duration_nsec) = sec_nsec(age);
        let out = FlowRemoved {
            cookie: r.fm.cookie,
            priority: r.fm.priority,
            reason: fr.reason,
            table_id: r.fm.table_id,
            duration_sec,
            duration_nsec,
            idle_timeout: r.fm.idle_timeout,
            hard_timeout: r.fm.hard_timeout,
            packet_count: r.carried.0,
            byte_count: r.carried.1,
            match_: r.fm.match_.clone(),
        };
        ctx.to_app(
            r.vdpid,
            Message::new(0, MessageBody::FlowRemoved(out)).into(),
        );
    }

    pub(super) fn port_status(
        &mut self,
        ctx: &mut ShimContext<'_>,
        dpid: u64,
        vdpid: u64,
        ps: &PortStatus,
    ) {
        let p = ps.desc.port_no;
        if self.twin.tunnel_port(dpid).is_some_and(|t| t.port == p) {
            return;
        }
        let new = self.twin.new_of(vdpid).expect("virtual");
        let was = self.ports_down.contains(&(vdpid, p)) || self.ports_down.contains(&(new, p));
        if ps.desc.state & Port::STATE_LINK_DOWN != 0 {
            self.ports_down.insert((dpid, p));
        } else {
            self.ports_down.remove(&(dpid, p));
        }
        if dpid == vdpid {
            self.old_ports.insert((dpid, p), ps.desc.clone());
        }
        let down = self.ports_down.contains(&(vdpid, p)) || self.ports_down.contains(&(new, p));
        if was == down && ps.reason == PortReason::Modify {
            return;
        }
        // §2.2: a failure in either network is a failure of the virtual port, in the words
        // the apps know it by (the old port's description).
        let mut out = ps.clone();
        if dpid != vdpid
            && let Some(old) = self.old_ports.get(&(vdpid, p))
        {
            out.desc = old.clone();
        }
        if down {
            out.desc.state = (out.desc.state | Port::STATE_LINK_DOWN) & !STATE_LIVE;
        } else {
            out.desc.state &= !Port::STATE_LINK_DOWN;
        }
        ctx.to_app(vdpid, Message::new(0, MessageBody::PortStatus(out)).into());
    }

    pub(super) fn multipart_reply(
        &mut self,
        ctx: &mut ShimContext<'_>,
        dpid: u64,
        vdpid: u64,
        cm: ControlMessage,
        r: &MultipartReply,
    ) {
        let gathered = matches!(
            r.body,
            MultipartReplyBody::Flow(_) | MultipartReplyBody::PortStats(_)
        );
        if !gathered {
            if dpid != vdpid {
                return;
            }
            let mut cm = cm;
            if let MessageBody::MultipartReply(MultipartReply {
                body: MultipartReplyBody::PortDesc(ports),
                ..
            }) = &mut cm.msg.body
                && let Some(t) = self.twin.tunnel_port(dpid)
            {
                // The tunnel port is the shim's, not part of the virtual switch.
                ports.retain(|p| p.port_no != t.port);
                for p in ports.iter() {
                    self.old_ports.insert((dpid, p.port_no), p.clone());
                }
            }
            ctx.to_app(vdpid, cm);
            return;
        }
        let more = r.flags & OFPMPF_MORE != 0;
        let Some(done) = self.gather.reply(dpid, r.body.clone(), more) else {
            return;
        };
        self.finish_gather(ctx, done, cm.msg.xid);
    }

    /// Merges the parts of a gathered request into one reply to the app, with `xid`.
    pub(super) fn finish_gather(
        &mut self,
        ctx: &mut ShimContext<'_>,
        done: crate::netmig::stats::Pending,
        xid: u32,
    ) {
        let Some((_, first)) = done.parts.first() else {
            return;
        };
        let body = match first {
            MultipartReplyBody::Flow(_) => {
                let bytes_of = |r: &VRule, c: &Copy, packets, bytes| {
                    self.virtual_bytes(r, c.dpid, c.kind, packets, bytes)
                };
                MultipartReplyBody::Flow(merge_flows(ctx.now(), &self.rules, &done.parts, bytes_of))
            }
            _ => {
                let hidden: Vec<(u64, u32)> = self
                    .twin
                    .tunnel_ports
                    .iter()
                    .map(|t| (t.dpid, t.port))
                    .collect();
                MultipartReplyBody::PortStats(merge_ports(&done.parts, &hidden))
            }
        };
        let reply = MultipartReply { flags: 0, body };
        let msg = Message::new(xid, MessageBody::MultipartReply(reply));
        ctx.to_app(done.vdpid, msg.into());
    }
}
