//! GET_CONFIG_REPLY and SET_CONFIG (§7.3.2): `ofp_switch_config`.
//!
//! ```text
//! flags u16 | miss_send_len u16
//! ```

use super::{DecodeError, Reader};

/// `ofp_switch_config`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SwitchConfig {
    /// `OFPC_FRAG_*` bits (NORMAL 0, DROP 1, REASM 2).
    pub flags: u16,
    /// Bytes of a table-miss packet sent to the controller ([`super::OFPCML_NO_BUFFER`] =
    /// all, unbuffered).
    pub miss_send_len: u16,
}

impl Default for SwitchConfig {
    fn default() -> Self {
        SwitchConfig {
            flags: 0,
            miss_send_len: super::OFP_DEFAULT_MISS_SEND_LEN,
        }
    }
}

impl SwitchConfig {
    /// Body length (after the 8-byte header).
    pub fn buffer_len(&self) -> usize {
        4
    }

    /// Appends the body.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.flags.to_be_bytes());
        buf.extend_from_slice(&self.miss_send_len.to_be_bytes());
    }

    /// Parses a body (the message after its header).
    pub fn parse(body: &[u8]) -> Result<SwitchConfig, DecodeError> {
        let mut r = Reader::new(body, "switch_config");
        let c = SwitchConfig {
            flags: r.u16()?,
            miss_send_len: r.u16()?,
        };
        r.finish()?;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;
    use crate::wire::{Message, MessageBody};

    /// loxigen `test_data/of13/set_config.data` and `get_config_reply.data` (flags FRAG_REASM,
    /// miss_send_len 0xffff) and `get_config_request.data` (bare header), both ways.
    #[test]
    fn loxigen_config_messages_are_byte_exact() {
        let cfg = SwitchConfig {
            flags: 2,
            miss_send_len: 0xffff,
        };
        let cases = [
            (
                "04 09 00 0c 12 34 56 78 00 02 ff ff",
                MessageBody::SetConfig(cfg),
                "set_config",
            ),
            (
                "04 08 00 0c 12 34 56 78 00 02 ff ff",
                MessageBody::GetConfigReply(cfg),
                "get_config_reply",
            ),
            (
                "04 07 00 08 12 34 56 78",
                MessageBody::GetConfigRequest,
                "get_config_request",
            ),
        ];
        for (h, body, file) in cases {
            let bytes = hex(h);
            let msg = Message {
                xid: 0x1234_5678,
                body,
            };
            assert_eq!(
                Message::decode(&bytes),
                Ok((msg.clone(), bytes.len())),
                "{file}.data decodes"
            );
            let mut out = Vec::new();
            msg.encode(&mut out);
            assert_eq!(out, bytes, "{file}.data encodes byte for byte");
        }
    }
}
