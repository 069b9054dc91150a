//! ERROR (§7.4.4): type, code, and (usually) the start of the offending message.
//!
//! ```text
//! type u16 | code u16 | data…
//! ```

use super::{DecodeError, Reader};

/// `ofp_error_type` values.
pub mod error_type {
    /// `OFPET_HELLO_FAILED`
    pub const HELLO_FAILED: u16 = 0;
    /// `OFPET_BAD_REQUEST`
    pub const BAD_REQUEST: u16 = 1;
    /// `OFPET_BAD_ACTION`
    pub const BAD_ACTION: u16 = 2;
    /// `OFPET_BAD_INSTRUCTION`
    pub const BAD_INSTRUCTION: u16 = 3;
    /// `OFPET_BAD_MATCH`
    pub const BAD_MATCH: u16 = 4;
    /// `OFPET_FLOW_MOD_FAILED`
    pub const FLOW_MOD_FAILED: u16 = 5;
    /// `OFPET_EXPERIMENTER` (then code is exp_type and data starts with the experimenter id)
    pub const EXPERIMENTER: u16 = 0xffff;
}

/// Error codes of interest, by type.
pub mod error_code {
    /// `OFPHFC_INCOMPATIBLE` (HELLO_FAILED): no common version.
    pub const HELLO_INCOMPATIBLE: u16 = 0;
    /// `OFPBRC_BAD_VERSION` (BAD_REQUEST)
    pub const BAD_VERSION: u16 = 0;
    /// `OFPBRC_BAD_TYPE` (BAD_REQUEST): message type not supported.
    pub const BAD_TYPE: u16 = 1;
    /// `OFPBRC_BAD_MULTIPART` (BAD_REQUEST)
    pub const BAD_MULTIPART: u16 = 2;
    /// `OFPBRC_BAD_LEN` (BAD_REQUEST)
    pub const BAD_LEN: u16 = 6;
    /// `OFPBRC_BUFFER_EMPTY` (BAD_REQUEST): the buffer was already used.
    pub const BUFFER_EMPTY: u16 = 7;
    /// `OFPBRC_BUFFER_UNKNOWN` (BAD_REQUEST): no such buffer.
    pub const BUFFER_UNKNOWN: u16 = 8;
    /// `OFPBMC_BAD_PREREQ` (BAD_MATCH)
    pub const BAD_PREREQ: u16 = 9;
    /// `OFPBMC_DUP_FIELD` (BAD_MATCH)
    pub const DUP_FIELD: u16 = 10;
    /// `OFPFMFC_TABLE_FULL` (FLOW_MOD_FAILED)
    pub const TABLE_FULL: u16 = 1;
    /// `OFPFMFC_BAD_TABLE_ID` (FLOW_MOD_FAILED)
    pub const BAD_TABLE_ID: u16 = 2;
    /// `OFPFMFC_OVERLAP` (FLOW_MOD_FAILED): CHECK_OVERLAP found an overlap.
    pub const OVERLAP: u16 = 3;
    /// `OFPFMFC_BAD_COMMAND` (FLOW_MOD_FAILED)
    pub const BAD_COMMAND: u16 = 6;
}

/// `ofp_error_msg`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorMsg {
    /// One of [`error_type`].
    pub err_type: u16,
    /// Type-specific code, e.g. from [`error_code`].
    pub code: u16,
    /// At least the first 64 bytes of the failed request (or ASCII text for HELLO_FAILED).
    pub data: Vec<u8>,
}

impl ErrorMsg {
    /// Body length (after the 8-byte header).
    pub fn buffer_len(&self) -> usize {
        4 + self.data.len()
    }

    /// Appends the body.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.err_type.to_be_bytes());
        buf.extend_from_slice(&self.code.to_be_bytes());
        buf.extend_from_slice(&self.data);
    }

    /// Parses a body (the message after its header).
    pub fn parse(body: &[u8]) -> Result<ErrorMsg, DecodeError> {
        let mut r = Reader::new(body, "error");
        Ok(ErrorMsg {
            err_type: r.u16()?,
            code: r.u16()?,
            data: r.rest().to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;
    use crate::wire::{Message, MessageBody};

    /// loxigen `test_data/of13/bad_request_error_msg.data`: BAD_REQUEST / BUFFER_UNKNOWN with
    /// data "abc", both ways.
    #[test]
    fn loxigen_bad_request_error_is_byte_exact() {
        let bytes = hex("04 01 00 0f 12 34 56 78 00 01 00 08 61 62 63");
        let expected = Message {
            xid: 0x1234_5678,
            body: MessageBody::Error(ErrorMsg {
                err_type: error_type::BAD_REQUEST,
                code: error_code::BUFFER_UNKNOWN,
                data: b"abc".to_vec(),
            }),
        };
        assert_eq!(
            Message::decode(&bytes),
            Ok((expected.clone(), 15)),
            "decodes"
        );
        let mut out = Vec::new();
        expected.encode(&mut out);
        assert_eq!(out, bytes, "encodes byte for byte");
    }

    /// An ERROR too short for type and code is an error, not a panic.
    #[test]
    fn short_error_is_an_error() {
        assert!(
            matches!(
                Message::decode(&hex("04 01 00 0a 00 00 00 00 00 01")),
                Err(DecodeError::Truncated { .. })
            ),
            "2 body bytes"
        );
    }
}
