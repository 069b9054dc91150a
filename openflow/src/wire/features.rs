//! FEATURES_REPLY (§7.3.1): the switch's identity and capabilities. (FEATURES_REQUEST is a
//! bare header; in 1.3 the ports come from a PORT_DESC multipart instead.)
//!
//! ```text
//! datapath_id u64 | n_buffers u32 | n_tables u8 | auxiliary_id u8 | pad 2 |
//! capabilities u32 | reserved u32
//! ```

use super::{DecodeError, Reader, put_zeros};

/// `ofp_switch_features`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FeaturesReply {
    /// Datapath id: 48 bits of MAC plus 16 implementer-defined bits.
    pub datapath_id: u64,
    /// Packets the switch can buffer at once.
    pub n_buffers: u32,
    /// Number of flow tables.
    pub n_tables: u8,
    /// 0 for the main connection.
    pub auxiliary_id: u8,
    /// `OFPC_*` bits (FLOW_STATS 1, TABLE_STATS 2, PORT_STATS 4, GROUP_STATS 8, IP_REASM 32,
    /// QUEUE_STATS 64, PORT_BLOCKED 256).
    pub capabilities: u32,
    /// Reserved.
    pub reserved: u32,
}

impl FeaturesReply {
    /// `OFPC_FLOW_STATS`
    pub const FLOW_STATS: u32 = 1;
    /// `OFPC_PORT_STATS`
    pub const PORT_STATS: u32 = 4;
    /// `OFPC_PORT_BLOCKED`
    pub const PORT_BLOCKED: u32 = 256;

    /// Body length (after the 8-byte header).
    pub fn buffer_len(&self) -> usize {
        24
    }

    /// Appends the body.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.datapath_id.to_be_bytes());
        buf.extend_from_slice(&self.n_buffers.to_be_bytes());
        buf.push(self.n_tables);
        buf.push(self.auxiliary_id);
        put_zeros(buf, 2);
        buf.extend_from_slice(&self.capabilities.to_be_bytes());
        buf.extend_from_slice(&self.reserved.to_be_bytes());
    }

    /// Parses a body (the message after its header).
    pub fn parse(body: &[u8]) -> Result<FeaturesReply, DecodeError> {
        let mut r = Reader::new(body, "features_reply");
        let datapath_id = r.u64()?;
        let n_buffers = r.u32()?;
        let n_tables = r.u8()?;
        let auxiliary_id = r.u8()?;
        r.skip(2)?;
        let f = FeaturesReply {
            datapath_id,
            n_buffers,
            n_tables,
            auxiliary_id,
            capabilities: r.u32()?,
            reserved: r.u32()?,
        };
        r.finish()?;
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;
    use crate::wire::{Message, MessageBody};

    /// loxigen `test_data/of13/features_reply.data` and `features_request.data`, both ways.
    #[test]
    fn loxigen_features_are_byte_exact() {
        let reply = hex("04 06 00 20 12 34 56 78
             fe dc ba 98 76 54 32 10 00 00 00 40 c8 05 00 00 00 00 01 01 00 00 00 00");
        let expected = Message {
            xid: 0x1234_5678,
            body: MessageBody::FeaturesReply(FeaturesReply {
                datapath_id: 0xFEDC_BA98_7654_3210,
                n_buffers: 64,
                n_tables: 200,
                auxiliary_id: 5,
                capabilities: FeaturesReply::FLOW_STATS | FeaturesReply::PORT_BLOCKED,
                reserved: 0,
            }),
        };
        let request = hex("04 05 00 08 12 34 56 78");
        let req_msg = Message {
            xid: 0x1234_5678,
            body: MessageBody::FeaturesRequest,
        };
        for (bytes, msg, file) in [
            (reply, expected, "features_reply.data"),
            (request, req_msg, "features_request.data"),
        ] {
            assert_eq!(
                Message::decode(&bytes),
                Ok((msg.clone(), bytes.len())),
                "{file} decodes"
            );
            let mut out = Vec::new();
            msg.encode(&mut out);
            assert_eq!(out, bytes, "{file} encodes byte for byte");
        }
    }

    /// A FEATURES_REPLY with 4 extra bytes (a 1.0-style port list would follow) is rejected.
    #[test]
    fn trailing_bytes_are_an_error() {
        let bytes = hex("04 06 00 24 00 00 00 01
             00 00 00 00 00 00 00 01 00 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
        assert!(
            matches!(
                Message::decode(&bytes),
                Err(DecodeError::TrailingBytes { extra: 4, .. })
            ),
            "4 stray bytes"
        );
    }
}
