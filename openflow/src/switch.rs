//! An OpenFlow 1.3 switch as a sans-IO state machine (DESIGN.md, "Sans-IO protocol cores").
//!
//! The [`Switch`] owns what seed 001 §2.1 calls switch state — flow tables, counters and
//! timers — plus the ports and the PACKET_IN buffer pool. It never touches the event queue:
//!
//! ```text
//!                  handle_packet(now, in_port, pkt)          poll_output() -> (port, pkt)
//!  data plane  ───────────────────────────────►┌────────┐──────────────────────────────►
//!                                              │ Switch │
//!  controller  ───────────────────────────────►│        │──────────────────────────────►
//!                  handle_message(now, msg)    └────────┘  poll_message() -> ControlMessage
//!                  handle_timeout(now)  ◄──── poll_timeout() -> Option<SimTime>
//! ```
//!
//! Every `handle_*` first settles the timers due by `now`, so a packet arriving exactly at an
//! entry's deadline misses it whether or not the integrator called [`Switch::handle_timeout`]
//! first; `now` must never decrease. Processing is sequential, so a BARRIER_REPLY is queued
//! after every message the BARRIER_REQUEST follows has been fully handled (§6.2).
//!
//! The simulator's packets carry headers, not bytes. A PACKET_IN therefore travels as a
//! [`ControlMessage`]: the wire [`Message`] (whose data is the frame serialised by net-stack's
//! pcap writer, cut at `max_len`) plus the net-stack [`Packet`] itself, and a PACKET_OUT
//! without a buffer needs that packet beside it, since there is no frame parser to turn bytes
//! back into a [`Packet`]. Per-packet processing delays are not modelled here; the
//! integrator adds them.
//!
//! ```
//! use net_stack::wire::*;
//! use openflow::switch::{Switch, SwitchConfig};
//! use openflow::{Action, FlowMod, Instruction, Match, Message, MessageBody};
//! use sim_core::SimTime;
//!
//! let mut sw = Switch::new(SwitchConfig::default()).unwrap();
//! let fm = FlowMod::add(1, Match { in_port: Some(1), ..Match::default() },
//!                       vec![Instruction::apply(vec![Action::output(2)])]);
//! sw.handle_message(SimTime::ZERO, Message::new(1, MessageBody::FlowMod(fm)));
//! let pkt = Packet {
//!     eth: EthernetRepr { dst: MacAddr::BROADCAST, src: MacAddr::from_index(1),
//!                         vlan: Default::default(), ethertype: EtherType::Arp },
//!     l3: L3::Arp(ArpRepr { op: ArpOp::Request, sender_mac: MacAddr::from_index(1),
//!                           sender_ip: Ipv4Addr::new(10, 0, 0, 1), target_mac: MacAddr::default(),
//!                           target_ip: Ipv4Addr::new(10, 0, 0, 2) }),
//!     l4: L4::None, payload_len: 0, encap: None,
//!     meta: PacketMeta { uid: 1, flow: 0, created: SimTime::ZERO },
//! };
//! sw.handle_packet(SimTime::from_us(5), 1, pkt).unwrap();
//! assert_eq!(sw.poll_output(), Some((2, pkt)));
//! assert!(sw.dump_flows(SimTime::from_us(5)).contains("n_packets=1"));
//! ```

mod buffers;
mod control;
mod dump;
mod error;
pub(crate) mod flow_entry;
mod flow_table;
#[cfg(test)]
mod lifetime_tests;
pub(crate) mod matching;
mod pipeline;
mod ports;
mod restart;

use std::collections::VecDeque;

use net_stack::wire::Packet;
use sim_core::SimTime;

pub use buffers::{BufferedPacket, PacketBuffers};
pub use error::{OfError, SwitchError};
pub use flow_entry::FlowEntry;
pub use flow_table::FlowTable;
pub use ports::{PortCounters, SwitchPort};

use pipeline::{Emit, Outcome};

use crate::wire::{
    FlowModFlags, FlowRemovedReason, Hello, Match, Message, MessageBody, OFP_NO_BUFFER,
    OFPCML_NO_BUFFER, OFPP_ALL, OFPP_CONTROLLER, OFPP_FLOOD, OFPP_IN_PORT, OFPP_TABLE, OFPTT_ALL,
    PacketIn, PortReason, PortStatus,
};

/// `OFPC_TABLE_STATS`
const CAP_TABLE_STATS: u32 = 2;
/// Largest multipart reply body before the reply is split (message limit 65535 minus the
/// 16 bytes of OpenFlow and multipart headers, with room to spare).
const MAX_MULTIPART_BODY: usize = 65_000;

/// A switch's parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwitchConfig {
    /// Datapath id reported in FEATURES_REPLY.
    pub datapath_id: u64,
    /// Number of ports, numbered `1..=n_ports`.
    pub n_ports: u32,
    /// Number of flow tables (1..=254), numbered from 0.
    pub n_tables: u8,
    /// PACKET_IN buffers (ofsoftswitch13: 256); 0 sends every PACKET_IN unbuffered.
    pub n_buffers: u32,
    /// How long a buffered packet waits for the controller before it is dropped.
    pub buffer_timeout: SimTime,
    /// Initial `miss_send_len` (bytes), changed by SET_CONFIG. In 1.3 it only applies to
    /// packets sent to the controller other than by an OUTPUT action (§7.3.2), which this
    /// switch never does, so it is stored and reported but has no other effect.
    pub miss_send_len: u16,
    /// Entries per table before ADD fails with TABLE_FULL.
    pub max_entries_per_table: usize,
    /// Port speed reported in port descriptions (kbit/s).
    pub port_speed_kbps: u32,
}

impl Default for SwitchConfig {
    fn default() -> Self {
        SwitchConfig {
            datapath_id: 1,
            n_ports: 4,
            n_tables: 4,
            n_buffers: 256,
            buffer_timeout: SimTime::from_secs(1),
            miss_send_len: crate::wire::OFP_DEFAULT_MISS_SEND_LEN,
            max_entries_per_table: usize::MAX,
            port_speed_kbps: 10_000_000,
        }
    }
}

/// A control-channel message with, beside it, the simulator packet it is about: a PACKET_IN
/// carries the packet sent to the controller; a PACKET_OUT without a buffer must carry the
/// packet to send. The wire bytes of the packet are in the message's `data`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlMessage {
    /// The OpenFlow message.
    pub msg: Message,
    /// The packet, for PACKET_IN and unbuffered PACKET_OUT.
    pub packet: Option<Packet>,
}

impl From<Message> for ControlMessage {
    fn from(msg: Message) -> Self {
        ControlMessage { msg, packet: None }
    }
}

/// Switch-wide counters, for `summary.json`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SwitchCounters {
    /// Packets received on ports that were up.
    pub packets_received: u64,
    /// Table lookups, summed over tables (a packet visiting two tables counts twice).
    pub lookups: u64,
    /// Lookups that found an entry.
    pub matched: u64,
    /// Packets dropped for want of any matching entry (no table-miss entry).
    pub table_misses: u64,
    /// Packets dropped because a PUSH_VLAN found two tags already (the most netsim's frames
    /// carry); outputs executed before the push stand.
    pub vlan_push_drops: u64,
    /// Packets handed to the integrator for transmission.
    pub packets_sent: u64,
    /// PACKET_INs sent.
    pub packet_ins: u64,
    /// PACKET_OUTs received.
    pub packet_outs: u64,
    /// FLOW_MODs received.
    pub flow_mods: u64,
    /// Entries removed by DELETE or a timeout (whether or not announced by FLOW_REMOVED).
    pub flows_removed: u64,
    /// ERROR messages sent.
    pub errors: u64,
    /// Buffered packets dropped because the controller did not claim them in time.
    pub buffers_expired: u64,
}

/// An OpenFlow 1.3 switch; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct Switch {
    config: SwitchConfig,
    tables: Vec<FlowTable>,
    ports: Vec<SwitchPort>,
    buffers: PacketBuffers,
    miss_send_len: u16,
    config_flags: u16,
    hello_sent: bool,
    outputs: VecDeque<(u32, Packet)>,
    messages: VecDeque<ControlMessage>,
    counters: SwitchCounters,
    emits: Vec<Emit>,
    /// The [`FlowEntry::lifetime`] for the entry the message being handled adds, if any.
    entry_lifetime: Option<SimTime>,
}

impl Switch {
    /// A switch with empty tables and all ports up, created at time zero.
    pub fn new(config: SwitchConfig) -> Result<Switch, SwitchError> {
        if config.n_tables == 0 || config.n_tables == OFPTT_ALL {
            return Err(SwitchError::InvalidConfig("n_tables must be 1..=254"));
        }
        if config.n_ports >= crate::wire::OFPP_MAX {
            return Err(SwitchError::InvalidConfig("n_ports must be below OFPP_MAX"));
        }
        let tables = (0..config.n_tables)
            .map(|t| FlowTable::new(t, config.max_entries_per_table))
            .collect();
        let ports = (1..=config.n_ports)
            .map(|p| SwitchPort::new(config.datapath_id, p, SimTime::ZERO))
            .collect();
        Ok(Switch {
            tables,
            ports,
            buffers: PacketBuffers::new(config.n_buffers as usize, config.buffer_timeout),
            miss_send_len: config.miss_send_len,
            config_flags: 0,
            hello_sent: false,
            outputs: VecDeque::new(),
            messages: VecDeque::new(),
            counters: SwitchCounters::default(),
            emits: Vec::new(),
            entry_lifetime: None,
            config,
        })
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &SwitchConfig {
        &self.config
    }

    /// The flow tables, table 0 first.
    pub fn tables(&self) -> &[FlowTable] {
        &self.tables
    }

    /// The ports, port 1 first.
    pub fn ports(&self) -> &[SwitchPort] {
        &self.ports
    }

    /// Port `port_no`, if it exists.
    pub fn port(&self, port_no: u32) -> Option<&SwitchPort> {
        let i = usize::try_from(port_no.checked_sub(1)?).ok()?;
        self.ports.get(i)
    }

    /// The PACKET_IN buffer pool.
    pub fn buffers(&self) -> &PacketBuffers {
        &self.buffers
    }

    /// Switch-wide counters.
    pub fn counters(&self) -> SwitchCounters {
        let mut c = self.counters;
        c.lookups = self.tables.iter().map(FlowTable::lookup_count).sum();
        c.matched = self.tables.iter().map(FlowTable::matched_count).sum();
        c.buffers_expired = self.buffers.expired();
        c
    }

    /// Flow entries over all tables.
    pub fn flow_entries(&self) -> usize {
        self.tables.iter().map(FlowTable::len).sum()
    }

    /// The current `miss_send_len` (bytes).
    pub fn miss_send_len(&self) -> u16 {
        self.miss_send_len
    }

    /// The flow tables in `ovs-ofctl dump-flows` style at `now`; see the `dump` module.
    pub fn dump_flows(&self, now: SimTime) -> String {
        dump::dump_flows(&self.tables, now)
    }

    fn port_mut(&mut self, port_no: u32) -> Result<&mut SwitchPort, SwitchError> {
        let i = port_no
            .checked_sub(1)
            .and_then(|i| usize::try_from(i).ok())
            .filter(|&i| i < self.ports.len())
            .ok_or(SwitchError::UnknownPort(port_no))?;
        Ok(&mut self.ports[i])
    }

    // ---- inputs ----------------------------------------------------------------------------

    /// The control connection is up: queues the switch's HELLO (§6.3.1).
    pub fn handle_connected(&mut self, _now: SimTime) {
        self.send_hello();
    }

    /// A packet arrived on `in_port`: runs it through the pipeline and queues what it outputs
    /// ([`Switch::poll_output`]) and any PACKET_IN ([`Switch::poll_message`]). A packet
    /// arriving on a port that is down is counted in `rx_dropped` and discarded.
    pub fn handle_packet(
        &mut self,
        now: SimTime,
        in_port: u32,
        pkt: Packet,
    ) -> Result<(), SwitchError> {
        self.settle(now);
        let port = self.port_mut(in_port)?;
        if !port.up {
            port.counters.rx_dropped += 1;
            return Ok(());
        }
        port.counters.rx_packets += 1;
        port.counters.rx_bytes += pkt.frame_len() as u64;
        self.counters.packets_received += 1;
        self.run_pipeline(now, in_port, pkt);
        Ok(())
    }

    /// A message from the controller. Accepts a bare [`Message`] or a [`ControlMessage`]
    /// (needed for a PACKET_OUT of an unbuffered packet). Replies and errors are queued for
    /// [`Switch::poll_message`].
    pub fn handle_message(&mut self, now: SimTime, msg: impl Into<ControlMessage>) {
        self.settle(now);
        let ControlMessage { msg, packet } = msg.into();
        if let Err(e) = self.dispatch(now, &msg, packet) {
            self.counters.errors += 1;
            self.messages.push_back(e.reply_to(&msg).into());
        }
    }

    /// [`Switch::handle_message`], where a FLOW_MOD ADD of an entry other than a table-miss
    /// entry gives it [`FlowEntry::lifetime`] `lifetime`: the entry leaves the table at
    /// `now + lifetime` (reason HARD_TIMEOUT, announced by FLOW_REMOVED whatever its flags,
    /// since the controller did not set this timeout). Seed 000's `FlowExpires`; the
    /// integrator draws `lifetime` ([`crate::timing::SwitchTiming::flow_lifetime`]).
    pub fn handle_message_with_lifetime(
        &mut self,
        now: SimTime,
        msg: impl Into<ControlMessage>,
        lifetime: SimTime,
    ) {
        self.entry_lifetime = Some(lifetime);
        self.handle_message(now, msg);
        self.entry_lifetime = None;
    }

    /// Removes the flow entries and buffered packets whose time is up at `now`, queueing
    /// FLOW_REMOVED for entries flagged SEND_FLOW_REM.
    pub fn handle_timeout(&mut self, now: SimTime) {
        self.settle(now);
    }

    /// Sets the link state of `port` (the integrator saw a link go down or come back),
    /// queueing a PORT_STATUS (reason MODIFY) if it changed.
    pub fn set_port_state(&mut self, now: SimTime, port: u32, up: bool) -> Result<(), SwitchError> {
        self.settle(now);
        let speed = self.config.port_speed_kbps;
        let p = self.port_mut(port)?;
        if p.up != up {
            p.up = up;
            let desc = p.desc(speed);
            self.push_msg(MessageBody::PortStatus(PortStatus {
                reason: PortReason::Modify,
                desc,
            }));
        }
        Ok(())
    }

    /// The output queue of `port` dropped a packet the switch sent: counts it in
    /// `tx_dropped`.
    pub fn record_tx_drop(&mut self, port: u32) -> Result<(), SwitchError> {
        self.port_mut(port)?.counters.tx_dropped += 1;
        Ok(())
    }

    // ---- outputs ---------------------------------------------------------------------------

    /// The next packet to transmit, with its output port.
    #[must_use]
    pub fn poll_output(&mut self) -> Option<(u32, Packet)> {
        self.outputs.pop_front()
    }

    /// The next message for the controller (PACKET_IN, FLOW_REMOVED, PORT_STATUS, replies,
    /// errors).
    #[must_use]
    pub fn poll_message(&mut self) -> Option<ControlMessage> {
        self.messages.pop_front()
    }

    /// The next instant something expires (a flow entry's idle or hard timeout, a buffered
    /// packet), exactly; call [`Switch::handle_timeout`] then. Takes `&mut self` to discard
    /// stale timer records on the way.
    #[must_use]
    pub fn poll_timeout(&mut self) -> Option<SimTime> {
        let flows = self
            .tables
            .iter_mut()
            .filter_map(FlowTable::next_expiry)
            .min();
        [flows, self.buffers.next_expiry()]
            .into_iter()
            .flatten()
            .min()
    }

    // ---- internals -------------------------------------------------------------------------

    /// Expires what is due by `now`.
    fn settle(&mut self, now: SimTime) {
        self.buffers.expire(now);
        for t in 0..self.tables.len() {
            for (entry, reason, at) in self.tables[t].expire(now) {
                self.entry_removed(&entry, t as u8, at, reason);
            }
        }
    }

    fn entry_removed(&mut self, e: &FlowEntry, table_id: u8, at: SimTime, r: FlowRemovedReason) {
        self.counters.flows_removed += 1;
        let expired = e.lifetime.is_some() && r == FlowRemovedReason::HardTimeout;
        if e.flags.contains(FlowModFlags::SEND_FLOW_REM) || expired {
            let body = MessageBody::FlowRemoved(e.flow_removed(table_id, at, r));
            self.push_msg(body);
        }
    }

    /// Queues a switch-initiated message (xid 0, as Open vSwitch sends them).
    fn push_msg(&mut self, body: MessageBody) {
        self.messages.push_back(Message::new(0, body).into());
    }

    fn reply(&mut self, request: &Message, body: MessageBody) {
        self.messages
            .push_back(Message::new(request.xid, body).into());
    }

    fn send_hello(&mut self) {
        if !self.hello_sent {
            self.hello_sent = true;
            self.push_msg(MessageBody::Hello(Hello::v13()));
        }
    }

    fn run_pipeline(&mut self, now: SimTime, in_port: u32, pkt: Packet) {
        let mut emits = std::mem::take(&mut self.emits);
        match pipeline::run(&mut self.tables, now, in_port, pkt, &mut emits) {
            Outcome::TableMiss(_) => self.counters.table_misses += 1,
            Outcome::VlanStackFull => self.counters.vlan_push_drops += 1,
            Outcome::Executed | Outcome::TtlExpired => {}
        }
        self.resolve(now, in_port, &mut emits);
        self.emits = emits;
    }

    /// Turns emitted outputs into transmissions and PACKET_INs.
    fn resolve(&mut self, now: SimTime, in_port: u32, emits: &mut Vec<Emit>) {
        for e in emits.drain(..) {
            match e.port {
                OFPP_CONTROLLER => self.packet_in(now, in_port, e),
                OFPP_FLOOD | OFPP_ALL => {
                    // No STP or NO_FWD config here, so FLOOD and ALL select the same ports:
                    // every port that is up, except the one the packet came in on.
                    for i in 0..self.ports.len() {
                        let p = self.ports[i].port_no;
                        if p != in_port {
                            self.transmit(p, e.packet);
                        }
                    }
                }
                OFPP_IN_PORT => self.transmit(in_port, e.packet),
                OFPP_TABLE => {
                    // Only a PACKET_OUT can output to TABLE, so this does not recurse further.
                    let mut inner = Vec::new();
                    let _ = pipeline::run(&mut self.tables, now, in_port, e.packet, &mut inner);
                    self.resolve(now, in_port, &mut inner);
                }
                // §7.2.5: sending back out of the input port needs OFPP_IN_PORT explicitly.
                p if p == in_port => {}
                p => self.transmit(p, e.packet),
            }
        }
    }

    /// Hands `pkt` to the integrator for `port` if that port exists and is up; a frame for
    /// a port that is down counts in its `tx_dropped`.
    fn transmit(&mut self, port: u32, pkt: Packet) {
        let Ok(p) = self.port_mut(port) else {
            return;
        };
        if !p.up {
            p.counters.tx_dropped += 1;
            return;
        }
        p.counters.tx_packets += 1;
        p.counters.tx_bytes += pkt.frame_len() as u64;
        self.counters.packets_sent += 1;
        self.outputs.push_back((port, pkt));
    }

    /// Sends `e` to the controller (§7.4.1): buffered with the first `max_len` bytes when a
    /// buffer is free and `max_len` is not OFPCML_NO_BUFFER, else unbuffered with the whole
    /// frame.
    fn packet_in(&mut self, now: SimTime, in_port: u32, e: Emit) {
        let pkt = e.packet;
        let buffer_id = if e.max_len == OFPCML_NO_BUFFER {
            None
        } else {
            self.buffers.store(now, in_port, pkt)
        };
        let mut data = Vec::new();
        let total_len = net_stack::pcap::serialize_frame(&pkt, 0, &mut data);
        if buffer_id.is_some() {
            data.truncate(usize::from(e.max_len));
        }
        let body = PacketIn {
            buffer_id: buffer_id.unwrap_or(OFP_NO_BUFFER),
            total_len: u16::try_from(total_len).unwrap_or(u16::MAX),
            reason: e.reason,
            table_id: e.table_id,
            cookie: e.cookie,
            match_: Match {
                in_port: Some(in_port),
                ..Match::default()
            },
            data,
        };
        self.counters.packet_ins += 1;
        self.messages.push_back(ControlMessage {
            msg: Message::new(0, MessageBody::PacketIn(body)),
            packet: Some(pkt),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::matching::tests::{arp, udp};
    use super::pipeline::tests::{install, messages, outputs, switch};
    use super::*;
    use crate::wire::{Action, FlowStatsRequest, Instruction, Masked, PacketInReason};
    use crate::wire::{
        FlowMod, FlowModCommand, FlowStats, MultipartReply, MultipartReplyBody, MultipartRequest,
        MultipartRequestBody, OFPP_ANY, PacketOut,
    };
    use std::net::Ipv4Addr;

    fn msg(body: MessageBody) -> Message {
        Message::new(77, body)
    }

    fn to_controller(max_len: u16) -> Vec<Instruction> {
        vec![Instruction::apply(vec![Action::Output {
            port: OFPP_CONTROLLER,
            max_len,
        }])]
    }

    fn error_of(m: &ControlMessage) -> Option<OfError> {
        match &m.msg.body {
            MessageBody::Error(e) => Some(OfError {
                err_type: e.err_type,
                code: e.code,
            }),
            _ => None,
        }
    }

    fn packet_in_of(m: &ControlMessage) -> &PacketIn {
        match &m.msg.body {
            MessageBody::PacketIn(p) => p,
            other => panic!("expected PACKET_IN, got {other:?}"),
        }
    }

    fn dst(host: u8) -> Match {
        Match {
            eth_type: Some(0x0800),
            ipv4_dst: Some(Masked::exact(Ipv4Addr::new(10, 0, 0, host))),
            ..Match::default()
        }
    }

    /// FLOW_REMOVED goes out only for entries with SEND_FLOW_REM, with reason DELETE,
    /// IDLE_TIMEOUT or HARD_TIMEOUT, the duration up to the removal instant and the counters.
    #[test]
    fn flow_removed_only_when_flagged_with_reason() {
        let mut sw = switch(2);
        let t0 = SimTime::ZERO;
        let out2 = || vec![Instruction::apply(vec![Action::output(2)])];
        let flagged = |host, idle, hard, cookie| FlowMod {
            idle_timeout: idle,
            hard_timeout: hard,
            cookie,
            flags: FlowModFlags::SEND_FLOW_REM,
            ..FlowMod::add(5, dst(host), out2())
        };
        install(&mut sw, t0, flagged(2, 1, 0, 0xa));
        install(&mut sw, t0, flagged(3, 0, 2, 0xb));
        install(&mut sw, t0, flagged(4, 0, 0, 0xc));
        install(
            &mut sw,
            t0,
            FlowMod {
                idle_timeout: 1,
                ..FlowMod::add(5, dst(5), out2())
            },
        );
        sw.handle_packet(SimTime::from_ms(500), 1, udp(1, 3, 1, 1))
            .unwrap();
        let _ = outputs(&mut sw);

        assert_eq!(
            sw.poll_timeout(),
            Some(SimTime::from_secs(1)),
            "idle entries due at 1 s"
        );
        sw.handle_timeout(SimTime::from_secs(1));
        let m = messages(&mut sw);
        assert_eq!(
            m.len(),
            1,
            "only the flagged idle entry is announced: {m:?}"
        );
        let MessageBody::FlowRemoved(fr) = &m[0].msg.body else {
            panic!("FLOW_REMOVED")
        };
        assert_eq!(
            (fr.cookie, fr.reason, fr.duration_sec, fr.duration_nsec),
            (0xa, FlowRemovedReason::IdleTimeout, 1, 0),
            "idle removal after exactly 1 s"
        );
        assert_eq!(sw.flow_entries(), 2, "both idle entries removed");

        sw.handle_timeout(SimTime::from_secs(2));
        let m = messages(&mut sw);
        let MessageBody::FlowRemoved(fr) = &m[0].msg.body else {
            panic!("FLOW_REMOVED")
        };
        let bytes = udp(1, 3, 1, 1).frame_len() as u64;
        assert_eq!(
            (
                fr.cookie,
                fr.reason,
                fr.packet_count,
                fr.byte_count,
                fr.duration_sec
            ),
            (0xb, FlowRemovedReason::HardTimeout, 1, bytes, 2),
            "hard removal with counters"
        );
        sw.handle_message(
            SimTime::from_secs(3),
            msg(MessageBody::FlowMod(FlowMod::delete(Match::all()))),
        );
        let m = messages(&mut sw);
        let MessageBody::FlowRemoved(fr) = &m[0].msg.body else {
            panic!("FLOW_REMOVED")
        };
        assert_eq!(
            (fr.cookie, fr.reason, fr.duration_sec),
            (0xc, FlowRemovedReason::Delete, 3),
            "delete"
        );
        assert_eq!(m.len(), 1, "one message for the delete");
        assert_eq!(
            (sw.flow_entries(), sw.counters().flows_removed),
            (0, 4),
            "all removed"
        );
    }

    /// Without a table-miss entry an unmatched packet is dropped silently (1.3); with one
    /// (priority 0, empty match, output CONTROLLER) it becomes a PACKET_IN with reason
    /// NO_MATCH, buffered, carrying the first max_len bytes and the packet.
    #[test]
    fn table_miss_drop_versus_controller() {
        let mut sw = switch(2);
        let t0 = SimTime::ZERO;
        sw.handle_packet(t0, 1, arp(1)).unwrap();
        assert!(
            outputs(&mut sw).is_empty() && messages(&mut sw).is_empty(),
            "dropped"
        );
        assert_eq!(sw.counters().table_misses, 1, "miss counted");

        install(
            &mut sw,
            t0,
            FlowMod::add(0, Match::all(), to_controller(64)),
        );
        let p = udp(1, 2, 1, 1);
        sw.handle_packet(t0, 1, p).unwrap();
        let m = messages(&mut sw);
        let pi = packet_in_of(&m[0]);
        assert_eq!(
            pi.reason,
            PacketInReason::NoMatch,
            "table-miss entry reports NO_MATCH"
        );
        assert_ne!(pi.buffer_id, OFP_NO_BUFFER, "buffered");
        assert_eq!(pi.data.len(), 64, "max_len bytes of the frame");
        assert_eq!(
            usize::from(pi.total_len),
            p.frame_len(),
            "total_len is the frame length"
        );
        assert_eq!(pi.match_.in_port, Some(1), "in_port in the match");
        assert_eq!(m[0].packet, Some(p), "the simulator packet rides along");
        assert_eq!(sw.buffers().len(), 1, "one packet held");

        install(
            &mut sw,
            t0,
            FlowMod::add(9, dst(3), to_controller(OFPCML_NO_BUFFER)),
        );
        sw.handle_packet(t0, 1, udp(1, 3, 1, 1)).unwrap();
        let m = messages(&mut sw);
        let pi = packet_in_of(&m[0]);
        assert_eq!(
            (pi.reason, pi.buffer_id, pi.data.len()),
            (
                PacketInReason::Action,
                OFP_NO_BUFFER,
                udp(1, 3, 1, 1).frame_len()
            ),
            "explicit CONTROLLER output, NO_BUFFER: unbuffered full frame"
        );
        assert_eq!(sw.counters().packet_ins, 2, "packet_ins counted");
    }

    /// A buffered packet is released exactly once: the first PACKET_OUT naming it sends it,
    /// a second one gets BAD_REQUEST/BUFFER_UNKNOWN and sends nothing.
    #[test]
    fn buffer_released_once_by_packet_out() {
        let mut sw = switch(3);
        install(
            &mut sw,
            SimTime::ZERO,
            FlowMod::add(0, Match::all(), to_controller(128)),
        );
        let p = udp(1, 2, 1, 1);
        sw.handle_packet(SimTime::ZERO, 1, p).unwrap();
        let id = packet_in_of(&messages(&mut sw)[0]).buffer_id;
        let po = PacketOut {
            buffer_id: id,
            in_port: 1,
            actions: vec![Action::output(OFPP_FLOOD)],
            data: vec![],
        };
        sw.handle_message(SimTime::from_ms(1), msg(MessageBody::PacketOut(po.clone())));
        assert!(messages(&mut sw).is_empty(), "first PACKET_OUT accepted");
        assert_eq!(
            outputs(&mut sw),
            vec![(2, p), (3, p)],
            "flooded except in_port 1"
        );
        sw.handle_message(SimTime::from_ms(2), msg(MessageBody::PacketOut(po)));
        let m = messages(&mut sw);
        assert_eq!(
            error_of(&m[0]),
            Some(OfError::BUFFER_UNKNOWN),
            "second release refused"
        );
        assert_eq!(m[0].msg.xid, 77, "error carries the request's xid");
        assert!(outputs(&mut sw).is_empty(), "nothing sent twice");
        assert!(sw.buffers().is_empty(), "pool empty");

        // Unbuffered PACKET_OUT re-injects the packet given beside it, and needs it.
        let po = PacketOut {
            buffer_id: OFP_NO_BUFFER,
            in_port: OFPP_CONTROLLER,
            actions: vec![Action::output(3)],
            data: vec![],
        };
        let cm = ControlMessage {
            msg: msg(MessageBody::PacketOut(po.clone())),
            packet: Some(p),
        };
        sw.handle_message(SimTime::from_ms(3), cm);
        assert_eq!(
            outputs(&mut sw),
            vec![(3, p)],
            "unbuffered PACKET_OUT with packet"
        );
        sw.handle_message(SimTime::from_ms(3), msg(MessageBody::PacketOut(po)));
        assert_eq!(
            error_of(&messages(&mut sw)[0]),
            Some(OfError::BAD_PACKET),
            "no packet"
        );
    }

    /// A FLOW_MOD naming a buffer installs its entry and runs the buffered packet through the
    /// pipeline from table 0, releasing the buffer; naming it again is an error.
    #[test]
    fn buffer_released_by_flow_mod() {
        let mut sw = switch(3);
        install(
            &mut sw,
            SimTime::ZERO,
            FlowMod::add(0, Match::all(), to_controller(128)),
        );
        let p = udp(1, 2, 1, 1);
        sw.handle_packet(SimTime::ZERO, 1, p).unwrap();
        let id = packet_in_of(&messages(&mut sw)[0]).buffer_id;
        let fm = FlowMod {
            buffer_id: id,
            ..FlowMod::add(1, dst(2), vec![Instruction::apply(vec![Action::output(3)])])
        };
        sw.handle_message(SimTime::from_ms(1), msg(MessageBody::FlowMod(fm.clone())));
        assert!(messages(&mut sw).is_empty(), "no error, no new PACKET_IN");
        assert_eq!(
            outputs(&mut sw),
            vec![(3, p)],
            "buffered packet follows the new entry"
        );
        let e = sw.tables()[0].iter().next().unwrap();
        assert_eq!(
            e.packet_count, 1,
            "the released packet counted on the new entry"
        );
        sw.handle_message(SimTime::from_ms(2), msg(MessageBody::FlowMod(fm)));
        let m = messages(&mut sw);
        assert_eq!(
            error_of(&m[0]),
            Some(OfError::BUFFER_UNKNOWN),
            "buffer gone"
        );
    }

    /// A buffered packet nobody claims expires exactly buffer_timeout after the PACKET_IN:
    /// poll_timeout announces it, handle_timeout drops it, and a late PACKET_OUT is an error.
    #[test]
    fn buffer_expires_none_held_forever() {
        let mut sw = Switch::new(SwitchConfig {
            n_ports: 2,
            buffer_timeout: SimTime::from_ms(300),
            ..SwitchConfig::default()
        })
        .unwrap();
        install(
            &mut sw,
            SimTime::ZERO,
            FlowMod::add(0, Match::all(), to_controller(128)),
        );
        sw.handle_packet(SimTime::from_ms(10), 1, udp(1, 2, 1, 1))
            .unwrap();
        let id = packet_in_of(&messages(&mut sw)[0]).buffer_id;
        assert_eq!(
            sw.poll_timeout(),
            Some(SimTime::from_ms(310)),
            "expiry at 10 ms + 300 ms"
        );
        sw.handle_timeout(SimTime::from_ms(310));
        assert_eq!(
            (sw.buffers().len(), sw.counters().buffers_expired),
            (0, 1),
            "dropped"
        );
        assert_eq!(sw.poll_timeout(), None, "nothing left to wait for");
        let po = PacketOut {
            buffer_id: id,
            in_port: 1,
            actions: vec![Action::output(2)],
            data: vec![],
        };
        sw.handle_message(SimTime::from_ms(311), msg(MessageBody::PacketOut(po)));
        assert_eq!(
            error_of(&messages(&mut sw)[0]),
            Some(OfError::BUFFER_UNKNOWN),
            "expired"
        );
        assert!(outputs(&mut sw).is_empty(), "expired packet never sent");
    }

    /// When every buffer is taken, PACKET_IN goes unbuffered with the whole frame.
    #[test]
    fn full_pool_sends_unbuffered() {
        let mut sw = Switch::new(SwitchConfig {
            n_ports: 2,
            n_buffers: 1,
            ..SwitchConfig::default()
        })
        .unwrap();
        install(
            &mut sw,
            SimTime::ZERO,
            FlowMod::add(0, Match::all(), to_controller(64)),
        );
        sw.handle_packet(SimTime::ZERO, 1, udp(1, 2, 1, 1)).unwrap();
        sw.handle_packet(SimTime::ZERO, 1, udp(1, 2, 1, 1)).unwrap();
        let m = messages(&mut sw);
        let (a, b) = (packet_in_of(&m[0]), packet_in_of(&m[1]));
        assert_ne!(a.buffer_id, OFP_NO_BUFFER, "first buffered");
        assert_eq!(b.buffer_id, OFP_NO_BUFFER, "second unbuffered");
        assert_eq!(
            b.data.len(),
            udp(1, 2, 1, 1).frame_len(),
            "with the full frame"
        );
    }

    /// Flow stats filter by table, cookie mask, out_port and match (non-strict) and report
    /// counters and duration; port stats report one port or all with rx/tx counters; port
    /// desc lists every port.
    #[test]
    fn multipart_flow_and_port_stats() {
        let mut sw = switch(3);
        let t0 = SimTime::ZERO;
        let out = |p| vec![Instruction::apply(vec![Action::output(p)])];
        install(
            &mut sw,
            t0,
            FlowMod {
                cookie: 0x11,
                ..FlowMod::add(5, dst(2), out(2))
            },
        );
        install(
            &mut sw,
            t0,
            FlowMod {
                cookie: 0x12,
                ..FlowMod::add(5, dst(3), out(3))
            },
        );
        let mut t1 = FlowMod {
            cookie: 0x21,
            ..FlowMod::add(5, dst(2), out(2))
        };
        t1.table_id = 1;
        install(&mut sw, t0, t1);
        for _ in 0..2 {
            sw.handle_packet(SimTime::from_ms(250), 1, udp(1, 2, 1, 1))
                .unwrap();
        }
        let _ = outputs(&mut sw);
        let now = SimTime::from_ms(1500);
        let ask = |sw: &mut Switch, req: FlowStatsRequest| -> Vec<FlowStats> {
            let r = MultipartRequest {
                flags: 0,
                body: MultipartRequestBody::Flow(req),
            };
            sw.handle_message(now, msg(MessageBody::MultipartRequest(r)));
            let m = messages(sw);
            assert_eq!(m.len(), 1, "one reply");
            match &m[0].msg.body {
                MessageBody::MultipartReply(MultipartReply {
                    flags: 0,
                    body: MultipartReplyBody::Flow(v),
                }) => v.clone(),
                other => panic!("flow stats reply expected, got {other:?}"),
            }
        };
        let all = ask(&mut sw, FlowStatsRequest::default());
        let cookies: Vec<u64> = all.iter().map(|s| s.cookie).collect();
        assert_eq!(cookies, vec![0x11, 0x12, 0x21], "all tables, lookup order");
        let bytes = 2 * udp(1, 2, 1, 1).frame_len() as u64;
        assert_eq!(
            (
                all[0].packet_count,
                all[0].byte_count,
                all[0].duration_sec,
                all[0].duration_nsec
            ),
            (2, bytes, 1, 500_000_000),
            "counters and duration of entry 0x11"
        );
        let t0_only = ask(
            &mut sw,
            FlowStatsRequest {
                table_id: 0,
                ..Default::default()
            },
        );
        assert_eq!(t0_only.len(), 2, "table 0 only");
        let port3 = ask(
            &mut sw,
            FlowStatsRequest {
                out_port: 3,
                ..Default::default()
            },
        );
        assert_eq!(
            port3.iter().map(|s| s.cookie).collect::<Vec<_>>(),
            vec![0x12],
            "out_port 3"
        );
        let ck = ask(
            &mut sw,
            FlowStatsRequest {
                cookie: 0x20,
                cookie_mask: 0xf0,
                ..Default::default()
            },
        );
        assert_eq!(
            ck.iter().map(|s| s.cookie).collect::<Vec<_>>(),
            vec![0x21],
            "cookie mask"
        );
        let m = ask(
            &mut sw,
            FlowStatsRequest {
                match_: dst(3),
                ..Default::default()
            },
        );
        assert_eq!(
            m.iter().map(|s| s.cookie).collect::<Vec<_>>(),
            vec![0x12],
            "match filter"
        );

        let port_req = |port_no| MultipartRequest {
            flags: 0,
            body: MultipartRequestBody::PortStats { port_no },
        };
        sw.handle_message(now, msg(MessageBody::MultipartRequest(port_req(OFPP_ANY))));
        let m = messages(&mut sw);
        let MessageBody::MultipartReply(MultipartReply {
            body: MultipartReplyBody::PortStats(ps),
            ..
        }) = &m[0].msg.body
        else {
            panic!("port stats reply")
        };
        let frame = udp(1, 2, 1, 1).frame_len() as u64;
        let rows: Vec<(u32, u64, u64, u64, u64)> = ps
            .iter()
            .map(|p| {
                (
                    p.port_no,
                    p.rx_packets,
                    p.rx_bytes,
                    p.tx_packets,
                    p.tx_bytes,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                (1, 2, 2 * frame, 0, 0),
                (2, 0, 0, 2, 2 * frame),
                (3, 0, 0, 0, 0)
            ],
            "rx on 1, tx on 2"
        );
        assert_eq!(
            (ps[0].duration_sec, ps[0].duration_nsec),
            (1, 500_000_000),
            "port duration"
        );
        sw.record_tx_drop(2).unwrap();
        sw.handle_message(now, msg(MessageBody::MultipartRequest(port_req(2))));
        let m = messages(&mut sw);
        let MessageBody::MultipartReply(MultipartReply {
            body: MultipartReplyBody::PortStats(ps),
            ..
        }) = &m[0].msg.body
        else {
            panic!("port stats reply")
        };
        assert_eq!(
            (ps.len(), ps[0].port_no, ps[0].tx_dropped),
            (1, 2, 1),
            "one port, tx drop"
        );
        sw.handle_message(now, msg(MessageBody::MultipartRequest(port_req(9))));
        assert_eq!(
            error_of(&messages(&mut sw)[0]),
            Some(OfError::BAD_PORT),
            "no port 9"
        );
        let desc = MultipartRequest {
            flags: 0,
            body: MultipartRequestBody::PortDesc,
        };
        sw.handle_message(now, msg(MessageBody::MultipartRequest(desc)));
        let m = messages(&mut sw);
        let MessageBody::MultipartReply(MultipartReply {
            body: MultipartReplyBody::PortDesc(d),
            ..
        }) = &m[0].msg.body
        else {
            panic!("port desc reply")
        };
        assert_eq!(
            d.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["s1-eth1", "s1-eth2", "s1-eth3"],
            "names"
        );
    }

    /// HELLO, ECHO, FEATURES, GET/SET_CONFIG and BARRIER get their replies with the request's
    /// xid, in order; unsupported message types get BAD_TYPE; PORT_STATUS follows link changes.
    #[test]
    fn handshake_replies_and_port_status() {
        let mut sw = switch(2);
        let t0 = SimTime::ZERO;
        sw.handle_connected(t0);
        sw.handle_message(t0, msg(MessageBody::Hello(Hello::v13())));
        sw.handle_message(t0, msg(MessageBody::EchoRequest(vec![1, 2])));
        sw.handle_message(t0, msg(MessageBody::FeaturesRequest));
        sw.handle_message(
            t0,
            msg(MessageBody::SetConfig(crate::wire::SwitchConfig {
                flags: 0,
                miss_send_len: 0xffff,
            })),
        );
        sw.handle_message(t0, msg(MessageBody::GetConfigRequest));
        sw.handle_message(t0, msg(MessageBody::BarrierRequest));
        sw.handle_message(
            t0,
            msg(MessageBody::Unknown {
                msg_type: 15,
                body: vec![],
            }),
        );
        let m: Vec<MessageBody> = messages(&mut sw).into_iter().map(|c| c.msg.body).collect();
        assert!(matches!(m[0], MessageBody::Hello(_)), "one HELLO only");
        assert_eq!(
            m[1],
            MessageBody::EchoReply(vec![1, 2]),
            "echo payload returned"
        );
        assert!(
            matches!(&m[2], MessageBody::FeaturesReply(f) if (f.datapath_id, f.n_buffers, f.n_tables) == (1, 256, 4)),
            "features"
        );
        assert!(
            matches!(&m[3], MessageBody::GetConfigReply(c) if c.miss_send_len == 0xffff),
            "config"
        );
        assert_eq!(
            m[4],
            MessageBody::BarrierReply,
            "barrier after everything before it"
        );
        assert!(
            matches!(&m[5], MessageBody::Error(e) if e.code == OfError::BAD_TYPE.code),
            "GROUP_MOD"
        );
        assert_eq!(m.len(), 6, "nothing else");

        sw.set_port_state(t0, 2, false).unwrap();
        sw.set_port_state(t0, 2, false).unwrap();
        let m = messages(&mut sw);
        assert_eq!(m.len(), 1, "PORT_STATUS only on change");
        assert!(
            matches!(&m[0].msg.body, MessageBody::PortStatus(s) if s.reason == PortReason::Modify && s.desc.port_no == 2 && s.desc.state & crate::wire::Port::STATE_LINK_DOWN != 0),
            "port 2 link down"
        );
        sw.handle_packet(t0, 2, udp(1, 2, 1, 1)).unwrap();
        assert_eq!(
            sw.port(2).unwrap().counters.rx_dropped,
            1,
            "rx on a down port is dropped"
        );
        assert_eq!(
            sw.set_port_state(t0, 3, true),
            Err(SwitchError::UnknownPort(3)),
            "no port 3"
        );
    }

    /// FLOW_MODs the switch cannot honour are refused with the right error and change nothing.
    #[test]
    fn flow_mod_validation() {
        let mut sw = switch(2);
        let bad = |sw: &mut Switch, fm: FlowMod| {
            sw.handle_message(SimTime::ZERO, msg(MessageBody::FlowMod(fm)));
            error_of(&messages(sw)[0])
        };
        let tcp_no_proto = Match {
            tcp_dst: Some(80),
            ..dst(2)
        };
        assert_eq!(
            bad(&mut sw, FlowMod::add(1, tcp_no_proto, vec![])),
            Some(OfError::BAD_PREREQ),
            "prereq"
        );
        let out9 = vec![Instruction::apply(vec![Action::output(9)])];
        assert_eq!(
            bad(&mut sw, FlowMod::add(1, dst(2), out9)),
            Some(OfError::BAD_OUT_PORT),
            "port 9"
        );
        let t9 = FlowMod {
            table_id: 9,
            ..FlowMod::add(1, dst(2), vec![])
        };
        assert_eq!(bad(&mut sw, t9), Some(OfError::BAD_TABLE_ID), "table 9");
        let grp = vec![Instruction::apply(vec![Action::Group { group_id: 1 }])];
        assert_eq!(
            bad(&mut sw, FlowMod::add(1, dst(2), grp)),
            Some(OfError::BAD_OUT_GROUP),
            "group"
        );
        assert_eq!(sw.flow_entries(), 0, "nothing installed");
    }

    use proptest::prelude::*;

    /// One scripted input of the property test.
    #[derive(Clone, Debug)]
    enum Step {
        Mod(FlowMod),
        Packet {
            port: u32,
            src: u8,
            dst: u8,
            dport: u16,
            tcp: bool,
        },
        Advance(u64),
    }

    fn step() -> impl Strategy<Value = Step> {
        let host = 1u8..5;
        let m = (
            proptest::option::of(1u32..4),
            proptest::option::of(host.clone()),
            proptest::option::of(0u32..=32),
            proptest::option::of(prop_oneof![Just(6u8), Just(17u8)]),
            proptest::option::of(1u16..3),
        )
            .prop_map(|(in_port, d, plen, proto, port)| {
                let mut m = Match {
                    in_port,
                    ..Match::default()
                };
                if let Some(d) = d {
                    m.eth_type = Some(0x0800);
                    let mask =
                        plen.map(|l| Ipv4Addr::from(u32::MAX.checked_shl(32 - l).unwrap_or(0)));
                    m.ipv4_dst = Some(Masked {
                        value: Ipv4Addr::new(10, 0, 0, d),
                        mask,
                    });
                    m.ip_proto = proto;
                    match proto {
                        Some(6) => m.tcp_dst = port,
                        Some(_) => m.udp_dst = port,
                        None => {}
                    }
                }
                m
            });
        let command = prop_oneof![
            Just(FlowModCommand::Add),
            Just(FlowModCommand::Add),
            Just(FlowModCommand::Modify),
            Just(FlowModCommand::ModifyStrict),
            Just(FlowModCommand::Delete),
            Just(FlowModCommand::DeleteStrict),
        ];
        let fm = (
            m,
            command,
            0u16..3,
            0u8..5,
            0u16..3,
            0u16..3,
            0u16..8,
            0u64..4,
            0u32..5,
        )
            .prop_map(
                |(m, command, priority, table, idle, hard, flags, cookie, out)| {
                    let actions = match out {
                        0 => vec![],
                        4 => vec![Action::Output {
                            port: OFPP_CONTROLLER,
                            max_len: 64,
                        }],
                        p => vec![Action::output(p)],
                    };
                    let mut instructions = vec![Instruction::apply(actions)];
                    if table < 3 && cookie == 1 {
                        instructions.push(Instruction::GotoTable {
                            table_id: table + 1,
                        });
                    }
                    FlowMod {
                        cookie,
                        cookie_mask: if cookie == 3 { 0 } else { 3 },
                        table_id: if table == 4 { OFPTT_ALL } else { table },
                        command,
                        idle_timeout: idle,
                        hard_timeout: hard,
                        flags: FlowModFlags(flags),
                        out_port: if out == 2 { 2 } else { OFPP_ANY },
                        ..FlowMod::add(priority, m, instructions)
                    }
                },
            );
        prop_oneof![
            3 => fm.prop_map(Step::Mod),
            4 => (1u32..4, 1u8..5, 1u8..5, 1u16..3, any::<bool>())
                .prop_map(|(port, src, dst, dport, tcp)| Step::Packet { port, src, dst, dport, tcp }),
            1 => (0u64..2_500).prop_map(Step::Advance),
        ]
    }

    proptest! {
        /// Any sequence of FLOW_MODs, packets and time steps never panics, and keeps the
        /// tables consistent: no duplicate (match, priority), timers covering every entry
        /// with a timeout, no entry past its deadline, counts that add up, and every
        /// PACKET_IN either buffered (and held) or unbuffered.
        #[test]
        fn random_flow_mods_and_packets_keep_invariants(steps in proptest::collection::vec(step(), 1..60)) {
            let mut sw = switch(3);
            let mut now = SimTime::ZERO;
            for s in steps {
                match s {
                    Step::Mod(fm) => sw.handle_message(now, Message::new(1, MessageBody::FlowMod(fm))),
                    Step::Packet { port, src, dst, dport, tcp } => {
                        let mut p = udp(src, dst, 1, dport);
                        if tcp {
                            p.l4 = net_stack::wire::L4::Tcp(net_stack::wire::TcpRepr {
                                dst_port: dport,
                                ..net_stack::wire::TcpRepr::default()
                            });
                        }
                        sw.handle_packet(now, port, p).unwrap();
                    }
                    Step::Advance(ms) => {
                        let next = now + SimTime::from_ms(ms);
                        while let Some(t) = sw.poll_timeout().filter(|&t| t <= next) {
                            prop_assert!(t >= now, "timeouts never in the past");
                            now = t;
                            sw.handle_timeout(now);
                        }
                        now = next;
                        sw.handle_timeout(now);
                    }
                }
                for t in sw.tables() {
                    t.check_invariants();
                    for e in t.iter() {
                        if let Some((d, _)) = e.deadline() {
                            prop_assert!(d > now, "no live entry past its deadline");
                        }
                    }
                }
                let c = sw.counters();
                prop_assert!(c.matched + c.table_misses <= c.lookups, "lookup accounting");
                while let Some(m) = sw.poll_message() {
                    if let MessageBody::PacketIn(pi) = &m.msg.body {
                        prop_assert!(m.packet.is_some(), "PACKET_IN carries the packet");
                        prop_assert!(pi.buffer_id == OFP_NO_BUFFER || !sw.buffers().is_empty(), "buffer held");
                    }
                }
                let _ = outputs(&mut sw);
            }
        }
    }
}
