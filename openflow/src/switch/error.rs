//! OpenFlow error replies (OpenFlow 1.3.5 §7.4.4) as a small value the pipeline returns, and
//! the caller-side errors of the sans-IO API.

use crate::wire::{ErrorMsg, Message, error_type};

/// An `ofp_error_msg` type and code, before it is wrapped around the failed request.
///
/// The constants name the codes this switch sends; their numbers are those of
/// `openflow.h` 1.3 (ofsoftswitch13, Ryu's `ofproto_v1_3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OfError {
    /// `OFPET_*`.
    pub err_type: u16,
    /// Type-specific code.
    pub code: u16,
}

const fn e(err_type: u16, code: u16) -> OfError {
    OfError { err_type, code }
}

impl OfError {
    /// `OFPBRC_BAD_TYPE`: message type not supported.
    pub const BAD_TYPE: OfError = e(error_type::BAD_REQUEST, 1);
    /// `OFPBRC_BAD_MULTIPART`: multipart type not supported.
    pub const BAD_MULTIPART: OfError = e(error_type::BAD_REQUEST, 2);
    /// `OFPBRC_BUFFER_UNKNOWN`: no such buffered packet (never issued, already released, or
    /// expired).
    pub const BUFFER_UNKNOWN: OfError = e(error_type::BAD_REQUEST, 8);
    /// `OFPBRC_BAD_TABLE_ID` (in a multipart request).
    pub const BAD_REQUEST_TABLE_ID: OfError = e(error_type::BAD_REQUEST, 9);
    /// `OFPBRC_BAD_PORT`: no such port.
    pub const BAD_PORT: OfError = e(error_type::BAD_REQUEST, 11);
    /// `OFPBRC_BAD_PACKET`: a PACKET_OUT without buffer and without a packet to send.
    pub const BAD_PACKET: OfError = e(error_type::BAD_REQUEST, 12);
    /// `OFPBAC_BAD_TYPE`: unknown action.
    pub const BAD_ACTION_TYPE: OfError = e(error_type::BAD_ACTION, 0);
    /// `OFPBAC_BAD_OUT_PORT`: output to a port that does not exist or is not allowed here.
    pub const BAD_OUT_PORT: OfError = e(error_type::BAD_ACTION, 4);
    /// `OFPBAC_BAD_ARGUMENT`: e.g. a PUSH_VLAN ethertype other than 0x8100/0x88a8.
    pub const BAD_ARGUMENT: OfError = e(error_type::BAD_ACTION, 5);
    /// `OFPBAC_BAD_OUT_GROUP`: groups are not implemented, so every group is unknown.
    pub const BAD_OUT_GROUP: OfError = e(error_type::BAD_ACTION, 9);
    /// `OFPBAC_BAD_SET_TYPE`: SET_FIELD of a field this switch cannot rewrite.
    pub const BAD_SET_TYPE: OfError = e(error_type::BAD_ACTION, 13);
    /// `OFPBAC_BAD_SET_ARGUMENT`: SET_FIELD with a mask.
    pub const BAD_SET_ARGUMENT: OfError = e(error_type::BAD_ACTION, 15);
    /// `OFPBIC_UNKNOWN_INST`
    pub const UNKNOWN_INST: OfError = e(error_type::BAD_INSTRUCTION, 0);
    /// `OFPBIC_UNSUP_INST`: METER, WRITE_METADATA, or an instruction type given twice.
    pub const UNSUP_INST: OfError = e(error_type::BAD_INSTRUCTION, 1);
    /// `OFPBIC_BAD_TABLE_ID`: GOTO_TABLE backwards, to itself or past the last table.
    pub const BAD_GOTO_TABLE: OfError = e(error_type::BAD_INSTRUCTION, 2);
    /// `OFPBMC_BAD_FIELD`: a match field this switch does not model.
    pub const BAD_FIELD: OfError = e(error_type::BAD_MATCH, 6);
    /// `OFPBMC_BAD_PREREQ`: a match field without its prerequisite.
    pub const BAD_PREREQ: OfError = e(error_type::BAD_MATCH, 9);
    /// `OFPFMFC_TABLE_FULL`
    pub const TABLE_FULL: OfError = e(error_type::FLOW_MOD_FAILED, 1);
    /// `OFPFMFC_BAD_TABLE_ID`
    pub const BAD_TABLE_ID: OfError = e(error_type::FLOW_MOD_FAILED, 2);
    /// `OFPFMFC_OVERLAP`: CHECK_OVERLAP found an overlapping entry of the same priority.
    pub const OVERLAP: OfError = e(error_type::FLOW_MOD_FAILED, 3);

    /// The ERROR message answering `request`: same xid, and as data the first 64 bytes of the
    /// request's encoding (§7.4.4: "at least 64 bytes of the failed request").
    pub fn reply_to(self, request: &Message) -> Message {
        let mut data = Vec::new();
        if request.try_encode(&mut data).is_err() {
            data.clear();
        }
        data.truncate(64);
        Message::new(
            request.xid,
            crate::wire::MessageBody::Error(ErrorMsg {
                err_type: self.err_type,
                code: self.code,
                data,
            }),
        )
    }
}

/// A mistake of the code driving the switch (not of the controller, which gets OpenFlow
/// errors instead).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SwitchError {
    /// A port number outside `1..=n_ports`.
    #[error("switch has no port {0}")]
    UnknownPort(u32),
    /// An impossible configuration.
    #[error("invalid switch configuration: {0}")]
    InvalidConfig(&'static str),
}
