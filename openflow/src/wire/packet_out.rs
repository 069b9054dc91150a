//! PACKET_OUT (§7.3.7): the controller sends a packet out of the switch.
//!
//! ```text
//! buffer_id u32 | in_port u32 | actions_len u16 | pad 6 | actions… | frame bytes…
//! ```

use super::action::Action;
use super::{DecodeError, Reader, put_zeros};

/// `ofp_packet_out`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacketOut {
    /// Buffered packet to send, or [`super::OFP_NO_BUFFER`] (then `data` is the frame).
    pub buffer_id: u32,
    /// Port the packet is treated as having arrived on ([`super::OFPP_CONTROLLER`] if none).
    pub in_port: u32,
    /// Actions to apply; empty = drop (releases a buffer).
    pub actions: Vec<Action>,
    /// The frame when unbuffered.
    pub data: Vec<u8>,
}

impl PacketOut {
    /// Body length (after the 8-byte header).
    pub fn buffer_len(&self) -> usize {
        16 + Action::list_len(&self.actions) + self.data.len()
    }

    /// Appends the body.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.buffer_id.to_be_bytes());
        buf.extend_from_slice(&self.in_port.to_be_bytes());
        // At most 65535: Message::try_encode bounds the whole message first.
        let actions_len = Action::list_len(&self.actions) as u16;
        buf.extend_from_slice(&actions_len.to_be_bytes());
        put_zeros(buf, 6);
        Action::emit_list(&self.actions, buf);
        buf.extend_from_slice(&self.data);
    }

    /// Parses a body (the message after its header).
    pub fn parse(body: &[u8]) -> Result<PacketOut, DecodeError> {
        let mut r = Reader::new(body, "packet_out");
        let buffer_id = r.u32()?;
        let in_port = r.u32()?;
        let actions_len = usize::from(r.u16()?);
        r.skip(6)?;
        if !actions_len.is_multiple_of(8) {
            return Err(DecodeError::BadLength {
                what: "packet_out actions_len",
                length: actions_len,
                reason: "not a multiple of 8",
            });
        }
        let actions = Action::parse_list(r.take(actions_len)?)?;
        Ok(PacketOut {
            buffer_id,
            in_port,
            actions,
            data: r.rest().to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;
    use crate::wire::{Message, MessageBody};
    use proptest::prelude::*;

    /// loxigen `test_data/of13/packet_out.data`: buffer 100, in_port 4, actions output(2,
    /// 0xffff) and dec_nw_ttl, data "abc" — decoded and re-encoded byte for byte.
    #[test]
    fn loxigen_packet_out_is_byte_exact() {
        let bytes = hex("04 0d 00 33 12 34 56 78
             00 00 00 64 00 00 00 04 00 18 00 00 00 00 00 00
             00 00 00 10 00 00 00 02 ff ff 00 00 00 00 00 00
             00 18 00 08 00 00 00 00
             61 62 63");
        let expected = Message {
            xid: 0x1234_5678,
            body: MessageBody::PacketOut(PacketOut {
                buffer_id: 100,
                in_port: 4,
                actions: vec![
                    Action::Output {
                        port: 2,
                        max_len: 0xffff,
                    },
                    Action::DecNwTtl,
                ],
                data: b"abc".to_vec(),
            }),
        };
        assert_eq!(
            Message::decode(&bytes),
            Ok((expected.clone(), 51)),
            "decodes"
        );
        let mut out = Vec::new();
        expected.encode(&mut out);
        assert_eq!(out, bytes, "encodes byte for byte");
    }

    /// actions_len past the message end, or not a multiple of 8, is an error.
    #[test]
    fn bad_actions_len_is_an_error() {
        let mut bytes =
            hex("04 0d 00 18 00 00 00 00  ff ff ff ff ff ff ff fd 00 10 00 00 00 00 00 00");
        assert!(
            matches!(Message::decode(&bytes), Err(DecodeError::Truncated { .. })),
            "16 bytes of actions announced, none present"
        );
        bytes[17] = 0x04;
        assert!(
            matches!(Message::decode(&bytes), Err(DecodeError::BadLength { .. })),
            "actions_len 4"
        );
    }

    proptest! {
        /// Any PacketOut round-trips through the message codec.
        #[test]
        fn packet_out_round_trips(po in crate::wire::strategies::packet_out(), xid: u32) {
            let msg = Message { xid, body: MessageBody::PacketOut(po) };
            let mut out = Vec::new();
            msg.encode(&mut out);
            prop_assert_eq!(Message::decode(&out), Ok((msg, out.len())), "round trip");
        }
    }
}
