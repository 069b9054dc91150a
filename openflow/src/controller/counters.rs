//! Message counters of the controller, for `summary.json` and tests.

use std::collections::BTreeMap;

use crate::wire::MessageBody;

/// Messages of each kind crossing the control channel at the runtime (inbound counted before
/// the shim, outbound after it — what really travelled).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MessageCounts {
    /// Messages received from switches, of any type.
    pub received: u64,
    /// Messages sent to switches, of any type.
    pub sent: u64,
    /// PACKET_INs received.
    pub packet_ins: u64,
    /// FLOW_REMOVEDs received.
    pub flows_removed: u64,
    /// PORT_STATUSes received.
    pub port_status: u64,
    /// MULTIPART_REPLYs received (each part counts; port descriptions included).
    pub stats_replies: u64,
    /// ERRORs received.
    pub errors: u64,
    /// ECHO_REQUESTs received (each answered by the runtime).
    pub echo_requests: u64,
    /// FLOW_MODs sent.
    pub flow_mods: u64,
    /// PACKET_OUTs sent.
    pub packet_outs: u64,
    /// MULTIPART_REQUESTs sent (port and flow stats, port descriptions).
    pub stats_requests: u64,
}

impl std::ops::AddAssign for MessageCounts {
    /// Adds another set of counts (several controllers' totals).
    fn add_assign(&mut self, o: MessageCounts) {
        self.received += o.received;
        self.sent += o.sent;
        self.packet_ins += o.packet_ins;
        self.flows_removed += o.flows_removed;
        self.port_status += o.port_status;
        self.stats_replies += o.stats_replies;
        self.errors += o.errors;
        self.echo_requests += o.echo_requests;
        self.flow_mods += o.flow_mods;
        self.packet_outs += o.packet_outs;
        self.stats_requests += o.stats_requests;
    }
}

impl MessageCounts {
    pub(super) fn count_in(&mut self, body: &MessageBody) {
        self.received += 1;
        match body {
            MessageBody::PacketIn(_) => self.packet_ins += 1,
            MessageBody::FlowRemoved(_) => self.flows_removed += 1,
            MessageBody::PortStatus(_) => self.port_status += 1,
            MessageBody::MultipartReply(_) => self.stats_replies += 1,
            MessageBody::Error(_) => self.errors += 1,
            MessageBody::EchoRequest(_) => self.echo_requests += 1,
            _ => {}
        }
    }

    pub(super) fn count_out(&mut self, body: &MessageBody) {
        self.sent += 1;
        match body {
            MessageBody::FlowMod(_) => self.flow_mods += 1,
            MessageBody::PacketOut(_) => self.packet_outs += 1,
            MessageBody::MultipartRequest(_) => self.stats_requests += 1,
            _ => {}
        }
    }
}

/// The controller's counters: totals and per switch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ControllerCounters {
    /// Over all switches.
    pub total: MessageCounts,
    /// Per switch, by dpid (switches that exchanged at least one message).
    pub per_switch: BTreeMap<u64, MessageCounts>,
}
