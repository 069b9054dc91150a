//! Controller-to-switch messages (OpenFlow 1.3.5 §7.3): the handshake and configuration
//! replies, FLOW_MOD, PACKET_OUT and the multipart statistics requests. Each handler returns
//! the OpenFlow error to send back, if any; [`Switch::handle_message`] wraps it.

use net_stack::wire::Packet;
use sim_core::SimTime;

use super::flow_table::{Selector, stats_selector};
use super::pipeline::{self, Origin};
use super::{CAP_TABLE_STATS, MAX_MULTIPART_BODY, OfError, Switch, matching};
use crate::wire::{
    FeaturesReply, FlowMod, FlowModCommand, FlowRemovedReason, FlowStats, Message, MessageBody,
    MultipartReply, MultipartReplyBody, MultipartRequest, MultipartRequestBody, OFP_NO_BUFFER,
    OFPG_ANY, OFPMPF_MORE, OFPP_ANY, OFPP_CONTROLLER, OFPTT_ALL, PacketOut,
};

impl Switch {
    pub(super) fn dispatch(
        &mut self,
        now: SimTime,
        msg: &Message,
        packet: Option<Packet>,
    ) -> Result<(), OfError> {
        match &msg.body {
            MessageBody::Hello(_) => self.send_hello(),
            MessageBody::EchoRequest(d) => self.reply(msg, MessageBody::EchoReply(d.clone())),
            MessageBody::FeaturesRequest => {
                let body = FeaturesReply {
                    datapath_id: self.config.datapath_id,
                    n_buffers: self.config.n_buffers,
                    n_tables: self.config.n_tables,
                    auxiliary_id: 0,
                    capabilities: FeaturesReply::FLOW_STATS
                        | CAP_TABLE_STATS
                        | FeaturesReply::PORT_STATS,
                    reserved: 0,
                };
                self.reply(msg, MessageBody::FeaturesReply(body));
            }
            MessageBody::GetConfigRequest => {
                let c = crate::wire::SwitchConfig {
                    flags: self.config_flags,
                    miss_send_len: self.miss_send_len,
                };
                self.reply(msg, MessageBody::GetConfigReply(c));
            }
            MessageBody::SetConfig(c) => {
                self.config_flags = c.flags;
                self.miss_send_len = c.miss_send_len;
            }
            MessageBody::FlowMod(fm) => self.flow_mod(now, fm)?,
            MessageBody::PacketOut(po) => self.packet_out(now, po, packet)?,
            MessageBody::MultipartRequest(req) => self.multipart(now, msg, req)?,
            MessageBody::BarrierRequest => self.reply(msg, MessageBody::BarrierReply),
            // Answers and errors from the controller need no action.
            MessageBody::EchoReply(_) | MessageBody::Error(_) => {}
            // Switch-to-controller messages and types this switch does not implement.
            MessageBody::FeaturesReply(_)
            | MessageBody::GetConfigReply(_)
            | MessageBody::PacketIn(_)
            | MessageBody::FlowRemoved(_)
            | MessageBody::PortStatus(_)
            | MessageBody::MultipartReply(_)
            | MessageBody::BarrierReply
            | MessageBody::Unknown { .. } => return Err(OfError::BAD_TYPE),
        }
        Ok(())
    }

    /// FLOW_MOD (§6.4, §7.3.4.1).
    fn flow_mod(&mut self, now: SimTime, fm: &FlowMod) -> Result<(), OfError> {
        self.counters.flow_mods += 1;
        let n_tables = self.config.n_tables;
        let is_delete = matches!(
            fm.command,
            FlowModCommand::Delete | FlowModCommand::DeleteStrict
        );
        let table_ok = fm.table_id < n_tables || (is_delete && fm.table_id == OFPTT_ALL);
        if !table_ok {
            return Err(OfError::BAD_TABLE_ID);
        }
        matching::check_prerequisites(&fm.match_).map_err(|p| match p {
            matching::MatchProblem::BadField => OfError::BAD_FIELD,
            matching::MatchProblem::BadPrereq => OfError::BAD_PREREQ,
        })?;
        let m = matching::normalize(&fm.match_);
        let strict = matches!(
            fm.command,
            FlowModCommand::ModifyStrict | FlowModCommand::DeleteStrict
        );
        let sel = Selector {
            match_: &m,
            strict,
            priority: fm.priority,
            cookie: fm.cookie,
            cookie_mask: fm.cookie_mask,
            // §7.3.4.1: out_port and out_group filter DELETE only; MODIFY ignores them.
            out_port: if is_delete { fm.out_port } else { OFPP_ANY },
            out_group: if is_delete { fm.out_group } else { OFPG_ANY },
        };
        if is_delete {
            // §6.4: buffer_id is ignored for DELETE.
            let range = if fm.table_id == OFPTT_ALL {
                0..self.tables.len()
            } else {
                let t = usize::from(fm.table_id);
                t..t + 1
            };
            for t in range {
                for e in self.tables[t].delete(&sel) {
                    self.entry_removed(&e, t as u8, now, FlowRemovedReason::Delete);
                }
            }
            return Ok(());
        }
        let n_ports = self.config.n_ports;
        pipeline::validate_instructions(&fm.instructions, fm.table_id, n_tables, n_ports)?;
        let table = &mut self.tables[usize::from(fm.table_id)];
        match fm.command {
            FlowModCommand::Add => {
                let table_miss = fm.priority == 0 && m.is_empty();
                let lifetime = self.entry_lifetime.take().filter(|_| !table_miss);
                table.add_with_lifetime(now, fm, m.clone(), lifetime)?;
            }
            _ => {
                table.modify(fm, &sel);
            }
        }
        // §6.4: a buffer_id makes the FLOW_MOD act as if followed by a PACKET_OUT of that
        // buffer to OFPP_TABLE.
        if fm.buffer_id != OFP_NO_BUFFER {
            let b = self
                .buffers
                .take(now, fm.buffer_id)
                .ok_or(OfError::BUFFER_UNKNOWN)?;
            self.run_pipeline(now, b.in_port, b.packet);
        }
        Ok(())
    }

    /// PACKET_OUT (§7.3.7).
    fn packet_out(
        &mut self,
        now: SimTime,
        po: &PacketOut,
        packet: Option<Packet>,
    ) -> Result<(), OfError> {
        self.counters.packet_outs += 1;
        pipeline::validate_actions(&po.actions, self.config.n_ports, true)?;
        if po.in_port != OFPP_CONTROLLER && self.port(po.in_port).is_none() {
            return Err(OfError::BAD_PORT);
        }
        let mut pkt = if po.buffer_id == OFP_NO_BUFFER {
            packet.ok_or(OfError::BAD_PACKET)?
        } else {
            self.buffers
                .take(now, po.buffer_id)
                .ok_or(OfError::BUFFER_UNKNOWN)?
                .packet
        };
        let mut emits = std::mem::take(&mut self.emits);
        let applied =
            pipeline::apply_actions(&po.actions, &mut pkt, Origin::PACKET_OUT, &mut emits);
        if applied == Err(pipeline::ActionDrop::VlanStackFull) {
            self.counters.vlan_push_drops += 1;
        }
        self.resolve(now, po.in_port, &mut emits);
        self.emits = emits;
        Ok(())
    }

    /// MULTIPART_REQUEST (§7.3.5): flow stats, port stats, port descriptions.
    fn multipart(
        &mut self,
        now: SimTime,
        msg: &Message,
        req: &MultipartRequest,
    ) -> Result<(), OfError> {
        let speed = self.config.port_speed_kbps;
        match &req.body {
            MultipartRequestBody::Flow(fr) => {
                let range = if fr.table_id == OFPTT_ALL {
                    0..self.tables.len()
                } else if fr.table_id < self.config.n_tables {
                    usize::from(fr.table_id)..usize::from(fr.table_id) + 1
                } else {
                    return Err(OfError::BAD_REQUEST_TABLE_ID);
                };
                let m = matching::normalize(&fr.match_);
                let fr = crate::wire::FlowStatsRequest {
                    match_: m,
                    ..fr.clone()
                };
                let sel = stats_selector(&fr);
                let stats: Vec<FlowStats> = self.tables[range]
                    .iter()
                    .flat_map(|t| {
                        t.select(&sel)
                            .into_iter()
                            .map(|e| e.flow_stats(t.table_id(), now))
                    })
                    .collect();
                self.multipart_reply(msg, stats, FlowStats::buffer_len, MultipartReplyBody::Flow);
            }
            MultipartRequestBody::PortStats { port_no } => {
                let stats = if *port_no == OFPP_ANY {
                    self.ports.iter().map(|p| p.stats(now)).collect()
                } else {
                    vec![self.port(*port_no).ok_or(OfError::BAD_PORT)?.stats(now)]
                };
                self.multipart_reply(msg, stats, |_| 112, MultipartReplyBody::PortStats);
            }
            MultipartRequestBody::PortDesc => {
                let descs = self.ports.iter().map(|p| p.desc(speed)).collect();
                self.multipart_reply(msg, descs, |_| 64, MultipartReplyBody::PortDesc);
            }
            MultipartRequestBody::Unknown { .. } => return Err(OfError::BAD_MULTIPART),
        }
        Ok(())
    }

    /// Queues `items` as one or more replies, each under the 64 KiB message limit, all but
    /// the last flagged MORE.
    fn multipart_reply<T>(
        &mut self,
        request: &Message,
        items: Vec<T>,
        len: impl Fn(&T) -> usize,
        wrap: impl Fn(Vec<T>) -> MultipartReplyBody,
    ) {
        let mut chunks: Vec<Vec<T>> = vec![Vec::new()];
        let mut size = 0;
        for item in items {
            let l = len(&item);
            if size + l > MAX_MULTIPART_BODY && !chunks[chunks.len() - 1].is_empty() {
                chunks.push(Vec::new());
                size = 0;
            }
            size += l;
            let last = chunks.len() - 1;
            chunks[last].push(item);
        }
        let n = chunks.len();
        for (i, chunk) in chunks.into_iter().enumerate() {
            let flags = if i + 1 < n { OFPMPF_MORE } else { 0 };
            let body = MultipartReply {
                flags,
                body: wrap(chunk),
            };
            self.reply(request, MessageBody::MultipartReply(body));
        }
    }
}
