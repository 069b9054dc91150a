//! PACKET_IN (§7.4.1): the switch hands a packet (or its head) to the controller.
//!
//! ```text
//! buffer_id u32 | total_len u16 | reason u8 | table_id u8 | cookie u64 |
//! ofp_match (padded) | pad 2 | frame bytes…
//! ```

use super::matching::Match;
use super::{DecodeError, Reader, put_zeros};

/// `ofp_packet_in_reason`; values the spec does not define are kept in `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PacketInReason {
    /// `OFPR_NO_MATCH` (0): table-miss entry sent it.
    NoMatch,
    /// `OFPR_ACTION` (1): an explicit output-to-controller action.
    Action,
    /// `OFPR_INVALID_TTL` (2): the packet's TTL ran out.
    InvalidTtl,
    /// Any other value.
    Other(u8),
}

impl PacketInReason {
    /// The wire value.
    pub fn to_u8(self) -> u8 {
        match self {
            PacketInReason::NoMatch => 0,
            PacketInReason::Action => 1,
            PacketInReason::InvalidTtl => 2,
            PacketInReason::Other(v) => v,
        }
    }

    /// The reason for a wire value.
    pub fn from_u8(v: u8) -> PacketInReason {
        match v {
            0 => PacketInReason::NoMatch,
            1 => PacketInReason::Action,
            2 => PacketInReason::InvalidTtl,
            v => PacketInReason::Other(v),
        }
    }
}

/// `ofp_packet_in`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacketIn {
    /// Switch buffer holding the full packet, or [`super::OFP_NO_BUFFER`].
    pub buffer_id: u32,
    /// Length of the whole frame (bytes) (`data` may be shorter).
    pub total_len: u16,
    /// Why the packet was sent.
    pub reason: PacketInReason,
    /// Table that sent it.
    pub table_id: u8,
    /// Cookie of the flow entry that sent it.
    pub cookie: u64,
    /// Pipeline fields of the packet (in_port at least).
    pub match_: Match,
    /// The frame, or its first `max_len`/`miss_send_len` bytes.
    pub data: Vec<u8>,
}

impl PacketIn {
    /// Body length (after the 8-byte header).
    pub fn buffer_len(&self) -> usize {
        16 + self.match_.buffer_len() + 2 + self.data.len()
    }

    /// Appends the body.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.buffer_id.to_be_bytes());
        buf.extend_from_slice(&self.total_len.to_be_bytes());
        buf.push(self.reason.to_u8());
        buf.push(self.table_id);
        buf.extend_from_slice(&self.cookie.to_be_bytes());
        self.match_.emit(buf);
        put_zeros(buf, 2);
        buf.extend_from_slice(&self.data);
    }

    /// Parses a body (the message after its header).
    pub fn parse(body: &[u8]) -> Result<PacketIn, DecodeError> {
        let mut r = Reader::new(body, "packet_in");
        let buffer_id = r.u32()?;
        let total_len = r.u16()?;
        let reason = PacketInReason::from_u8(r.u8()?);
        let table_id = r.u8()?;
        let cookie = r.u64()?;
        let (match_, used) = Match::parse(&body[r.position()..])?;
        r.skip(used)?;
        r.skip(2)?;
        Ok(PacketIn {
            buffer_id,
            total_len,
            reason,
            table_id,
            cookie,
            match_,
            data: r.rest().to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::oxm::RawOxm;
    use crate::wire::test_util::hex;
    use crate::wire::{Message, MessageBody, OFP_NO_BUFFER};
    use proptest::prelude::*;

    /// loxigen `test_data/of13/packet_in.data`: reason ACTION, table 20, a match of arp_op and
    /// a masked in_port (both outside the modelled set, so kept raw in arrival order), data
    /// "abc". Decodes to the expected struct and encodes back to the same 53 bytes.
    #[test]
    fn loxigen_packet_in_is_byte_exact() {
        let bytes = hex("04 0a 00 35 12 34 56 78
             00 00 00 64 42 68 01 14 fe dc ba 98 76 54 32 10
             00 01 00 16 80 00 2A 02 00 01 80 00 01 08 00 00 00 04 00 00 00 05 00 00
             00 00 61 62 63");
        let expected = Message {
            xid: 0x1234_5678,
            body: MessageBody::PacketIn(PacketIn {
                buffer_id: 100,
                total_len: 17000,
                reason: PacketInReason::Action,
                table_id: 20,
                cookie: 0xFEDC_BA98_7654_3210,
                match_: Match {
                    other: vec![
                        RawOxm::new(0x8000, 21, false, vec![0, 1]).unwrap(),
                        RawOxm::new(0x8000, 0, true, vec![0, 0, 0, 4, 0, 0, 0, 5]).unwrap(),
                    ],
                    ..Match::default()
                },
                data: b"abc".to_vec(),
            }),
        };
        assert_eq!(
            Message::decode(&bytes),
            Ok((expected.clone(), 53)),
            "decodes"
        );
        let mut out = Vec::new();
        expected.encode(&mut out);
        assert_eq!(out, bytes, "encodes byte for byte");
    }

    /// Hand-built from §7.4.1: the table-miss PACKET_IN an OVS-like switch sends (unbuffered,
    /// reason NO_MATCH, match in_port=1, a 14-byte Ethernet header as data).
    #[test]
    fn spec_table_miss_packet_in_is_byte_exact() {
        let bytes = hex("04 0a 00 38 00 00 00 00
             ff ff ff ff 00 0e 00 00 00 00 00 00 00 00 00 00
             00 01 00 0c 80 00 00 04 00 00 00 01 00 00 00 00
             00 00
             ff ff ff ff ff ff 02 00 00 00 00 01 08 06");
        let expected = Message {
            xid: 0,
            body: MessageBody::PacketIn(PacketIn {
                buffer_id: OFP_NO_BUFFER,
                total_len: 14,
                reason: PacketInReason::NoMatch,
                table_id: 0,
                cookie: 0,
                match_: Match {
                    in_port: Some(1),
                    ..Match::default()
                },
                data: hex("ff ff ff ff ff ff 02 00 00 00 00 01 08 06"),
            }),
        };
        assert_eq!(
            Message::decode(&bytes),
            Ok((expected.clone(), bytes.len())),
            "decodes"
        );
        let mut out = Vec::new();
        expected.encode(&mut out);
        assert_eq!(out, bytes, "encodes byte for byte");
    }

    /// Without the two pad bytes after the match the PACKET_IN is truncated.
    #[test]
    fn missing_pad_is_an_error() {
        let bytes = hex(
            "04 0a 00 20 00 00 00 00  ff ff ff ff 00 00 00 00 00 00 00 00 00 00 00 00  00 01 00 04 00 00 00 00",
        );
        assert!(
            matches!(Message::decode(&bytes), Err(DecodeError::Truncated { .. })),
            "no room for the 2 pad bytes"
        );
    }

    proptest! {
        /// Any PacketIn round-trips through the message codec.
        #[test]
        fn packet_in_round_trips(pi in crate::wire::strategies::packet_in(), xid: u32) {
            let msg = Message { xid, body: MessageBody::PacketIn(pi) };
            let mut out = Vec::new();
            msg.encode(&mut out);
            prop_assert_eq!(Message::decode(&out), Ok((msg, out.len())), "round trip");
        }
    }
}
