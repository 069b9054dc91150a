//! The 8-byte `ofp_header` that starts every message (§7.1).

use super::{DecodeError, Reader};

/// `OFP_VERSION` for OpenFlow 1.3.
pub const OFP_VERSION: u8 = 0x04;
/// Size of `ofp_header` in bytes.
pub const OFP_HEADER_LEN: usize = 8;

/// `ofp_type` message type codes (§7.1, `enum ofp_type`).
pub mod msg_type {
    /// `OFPT_HELLO`
    pub const HELLO: u8 = 0;
    /// `OFPT_ERROR`
    pub const ERROR: u8 = 1;
    /// `OFPT_ECHO_REQUEST`
    pub const ECHO_REQUEST: u8 = 2;
    /// `OFPT_ECHO_REPLY`
    pub const ECHO_REPLY: u8 = 3;
    /// `OFPT_EXPERIMENTER`
    pub const EXPERIMENTER: u8 = 4;
    /// `OFPT_FEATURES_REQUEST`
    pub const FEATURES_REQUEST: u8 = 5;
    /// `OFPT_FEATURES_REPLY`
    pub const FEATURES_REPLY: u8 = 6;
    /// `OFPT_GET_CONFIG_REQUEST`
    pub const GET_CONFIG_REQUEST: u8 = 7;
    /// `OFPT_GET_CONFIG_REPLY`
    pub const GET_CONFIG_REPLY: u8 = 8;
    /// `OFPT_SET_CONFIG`
    pub const SET_CONFIG: u8 = 9;
    /// `OFPT_PACKET_IN`
    pub const PACKET_IN: u8 = 10;
    /// `OFPT_FLOW_REMOVED`
    pub const FLOW_REMOVED: u8 = 11;
    /// `OFPT_PORT_STATUS`
    pub const PORT_STATUS: u8 = 12;
    /// `OFPT_PACKET_OUT`
    pub const PACKET_OUT: u8 = 13;
    /// `OFPT_FLOW_MOD`
    pub const FLOW_MOD: u8 = 14;
    /// `OFPT_GROUP_MOD`
    pub const GROUP_MOD: u8 = 15;
    /// `OFPT_PORT_MOD`
    pub const PORT_MOD: u8 = 16;
    /// `OFPT_TABLE_MOD`
    pub const TABLE_MOD: u8 = 17;
    /// `OFPT_MULTIPART_REQUEST`
    pub const MULTIPART_REQUEST: u8 = 18;
    /// `OFPT_MULTIPART_REPLY`
    pub const MULTIPART_REPLY: u8 = 19;
    /// `OFPT_BARRIER_REQUEST`
    pub const BARRIER_REQUEST: u8 = 20;
    /// `OFPT_BARRIER_REPLY`
    pub const BARRIER_REPLY: u8 = 21;
}

/// `ofp_header`: version, type, total message length (header included) and transaction id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Protocol version; 0x04 for OpenFlow 1.3.
    pub version: u8,
    /// One of [`msg_type`].
    pub msg_type: u8,
    /// Length of the whole message in bytes, this header included.
    pub length: u16,
    /// Transaction id; a reply carries its request's xid.
    pub xid: u32,
}

impl Header {
    /// Reads a header without checking the version or that the message is complete, so that a
    /// switch can answer a bad message with an ERROR that carries its xid.
    pub fn parse(bytes: &[u8]) -> Result<Header, DecodeError> {
        if bytes.len() < OFP_HEADER_LEN {
            return Err(DecodeError::Incomplete {
                needed: OFP_HEADER_LEN,
                available: bytes.len(),
            });
        }
        let mut r = Reader::new(&bytes[..OFP_HEADER_LEN], "header");
        let header = Header {
            version: r.u8()?,
            msg_type: r.u8()?,
            length: r.u16()?,
            xid: r.u32()?,
        };
        if usize::from(header.length) < OFP_HEADER_LEN {
            return Err(DecodeError::BadLength {
                what: "header",
                length: header.length.into(),
                reason: "message length below the 8-byte header",
            });
        }
        Ok(header)
    }

    /// Appends the 8 header bytes.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        buf.push(self.version);
        buf.push(self.msg_type);
        buf.extend_from_slice(&self.length.to_be_bytes());
        buf.extend_from_slice(&self.xid.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header of loxigen `test_data/of13/features_request.data` parses field by field and
    /// emits back to the same 8 bytes.
    #[test]
    fn header_round_trips_loxigen_features_request() {
        let bytes = [0x04, 0x05, 0x00, 0x08, 0x12, 0x34, 0x56, 0x78];
        let h = Header::parse(&bytes).expect("valid header");
        assert_eq!(
            h,
            Header {
                version: 4,
                msg_type: msg_type::FEATURES_REQUEST,
                length: 8,
                xid: 0x1234_5678
            },
            "fields of the header"
        );
        let mut out = Vec::new();
        h.emit(&mut out);
        assert_eq!(out, bytes, "emitted header bytes");
    }

    /// A short input is `Incomplete` (read more), a length below 8 is `BadLength` (malformed).
    #[test]
    fn header_rejects_short_input_and_impossible_length() {
        assert!(
            matches!(
                Header::parse(&[4, 0, 0]),
                Err(DecodeError::Incomplete { needed: 8, .. })
            ),
            "3 bytes cannot hold a header"
        );
        assert!(
            matches!(
                Header::parse(&[4, 0, 0, 7, 0, 0, 0, 1]),
                Err(DecodeError::BadLength { length: 7, .. })
            ),
            "a message cannot be shorter than its header"
        );
    }
}
