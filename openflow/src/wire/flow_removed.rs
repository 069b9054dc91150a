//! FLOW_REMOVED (§7.4.2): the switch reports an entry that expired or was deleted.
//!
//! ```text
//! cookie u64 | priority u16 | reason u8 | table_id u8 | duration_sec u32 |
//! duration_nsec u32 | idle_timeout u16 | hard_timeout u16 | packet_count u64 |
//! byte_count u64 | ofp_match (padded)
//! ```

use super::matching::Match;
use super::{DecodeError, Reader};

/// `ofp_flow_removed_reason`; values the spec does not define are kept in `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlowRemovedReason {
    /// `OFPRR_IDLE_TIMEOUT` (0)
    IdleTimeout,
    /// `OFPRR_HARD_TIMEOUT` (1)
    HardTimeout,
    /// `OFPRR_DELETE` (2): removed by a FLOW_MOD DELETE.
    Delete,
    /// `OFPRR_GROUP_DELETE` (3): its group was removed.
    GroupDelete,
    /// Any other value.
    Other(u8),
}

impl FlowRemovedReason {
    /// The wire value.
    pub fn to_u8(self) -> u8 {
        match self {
            FlowRemovedReason::IdleTimeout => 0,
            FlowRemovedReason::HardTimeout => 1,
            FlowRemovedReason::Delete => 2,
            FlowRemovedReason::GroupDelete => 3,
            FlowRemovedReason::Other(v) => v,
        }
    }

    /// The reason for a wire value.
    pub fn from_u8(v: u8) -> FlowRemovedReason {
        match v {
            0 => FlowRemovedReason::IdleTimeout,
            1 => FlowRemovedReason::HardTimeout,
            2 => FlowRemovedReason::Delete,
            3 => FlowRemovedReason::GroupDelete,
            v => FlowRemovedReason::Other(v),
        }
    }
}

/// `ofp_flow_removed`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowRemoved {
    /// The entry's cookie.
    pub cookie: u64,
    /// The entry's priority.
    pub priority: u16,
    /// Why it was removed.
    pub reason: FlowRemovedReason,
    /// Its table.
    pub table_id: u8,
    /// Time it was alive (s).
    pub duration_sec: u32,
    /// Time alive beyond `duration_sec` (ns).
    pub duration_nsec: u32,
    /// Its idle timeout (s).
    pub idle_timeout: u16,
    /// Its hard timeout (s).
    pub hard_timeout: u16,
    /// Packets it matched.
    pub packet_count: u64,
    /// Bytes it matched.
    pub byte_count: u64,
    /// Its match.
    pub match_: Match,
}

impl FlowRemoved {
    /// Body length (after the 8-byte header).
    pub fn buffer_len(&self) -> usize {
        40 + self.match_.buffer_len()
    }

    /// Appends the body.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.cookie.to_be_bytes());
        buf.extend_from_slice(&self.priority.to_be_bytes());
        buf.push(self.reason.to_u8());
        buf.push(self.table_id);
        buf.extend_from_slice(&self.duration_sec.to_be_bytes());
        buf.extend_from_slice(&self.duration_nsec.to_be_bytes());
        buf.extend_from_slice(&self.idle_timeout.to_be_bytes());
        buf.extend_from_slice(&self.hard_timeout.to_be_bytes());
        buf.extend_from_slice(&self.packet_count.to_be_bytes());
        buf.extend_from_slice(&self.byte_count.to_be_bytes());
        self.match_.emit(buf);
    }

    /// Parses a body (the message after its header).
    pub fn parse(body: &[u8]) -> Result<FlowRemoved, DecodeError> {
        let mut r = Reader::new(body, "flow_removed");
        let cookie = r.u64()?;
        let priority = r.u16()?;
        let reason = FlowRemovedReason::from_u8(r.u8()?);
        let table_id = r.u8()?;
        let duration_sec = r.u32()?;
        let duration_nsec = r.u32()?;
        let idle_timeout = r.u16()?;
        let hard_timeout = r.u16()?;
        let packet_count = r.u64()?;
        let byte_count = r.u64()?;
        let (match_, used) = Match::parse(&body[r.position()..])?;
        r.skip(used)?;
        r.finish()?;
        Ok(FlowRemoved {
            cookie,
            priority,
            reason,
            table_id,
            duration_sec,
            duration_nsec,
            idle_timeout,
            hard_timeout,
            packet_count,
            byte_count,
            match_,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::oxm::RawOxm;
    use crate::wire::test_util::hex;
    use crate::wire::{Message, MessageBody};
    use proptest::prelude::*;

    /// loxigen `test_data/of13/flow_removed.data`: reason DELETE, counters 1/2, match of a
    /// masked in_port and arp_op (kept raw). Decodes to the struct and encodes to the same 72
    /// bytes.
    #[test]
    fn loxigen_flow_removed_is_byte_exact() {
        let bytes = hex("04 0b 00 48 12 34 56 78
             fe dc ba 98 76 54 32 10 42 68 02 14
             00 00 00 0a 00 00 03 e8 00 05 00 1e
             00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 02
             00 01 00 16 80 00 01 08 00 00 00 04 00 00 00 05 80 00 2A 02 00 01 00 00");
        let expected = Message {
            xid: 0x1234_5678,
            body: MessageBody::FlowRemoved(FlowRemoved {
                cookie: 0xFEDC_BA98_7654_3210,
                priority: 17000,
                reason: FlowRemovedReason::Delete,
                table_id: 20,
                duration_sec: 10,
                duration_nsec: 1000,
                idle_timeout: 5,
                hard_timeout: 30,
                packet_count: 1,
                byte_count: 2,
                match_: Match {
                    other: vec![
                        RawOxm::new(0x8000, 0, true, vec![0, 0, 0, 4, 0, 0, 0, 5]).unwrap(),
                        RawOxm::new(0x8000, 21, false, vec![0, 1]).unwrap(),
                    ],
                    ..Match::default()
                },
            }),
        };
        assert_eq!(
            Message::decode(&bytes),
            Ok((expected.clone(), 72)),
            "decodes"
        );
        let mut out = Vec::new();
        expected.encode(&mut out);
        assert_eq!(out, bytes, "encodes byte for byte");
    }

    /// Bytes after the match are an error (FLOW_REMOVED has no trailing data).
    #[test]
    fn trailing_bytes_are_an_error() {
        let mut bytes = hex("04 0b 00 38 00 00 00 00");
        bytes.extend_from_slice(&[0; 40]);
        bytes.extend_from_slice(&hex("00 01 00 04 00 00 00 00"));
        assert!(
            Message::decode(&bytes).is_ok(),
            "the minimal FLOW_REMOVED is valid"
        );
        bytes.extend_from_slice(&[0; 8]);
        bytes[3] = 0x40;
        assert!(
            matches!(
                Message::decode(&bytes),
                Err(DecodeError::TrailingBytes { extra: 8, .. })
            ),
            "8 stray bytes after the match"
        );
    }

    proptest! {
        /// Any FlowRemoved round-trips through the message codec.
        #[test]
        fn flow_removed_round_trips(fr in crate::wire::strategies::flow_removed(), xid: u32) {
            let msg = Message { xid, body: MessageBody::FlowRemoved(fr) };
            let mut out = Vec::new();
            msg.encode(&mut out);
            prop_assert_eq!(Message::decode(&out), Ok((msg, out.len())), "round trip");
        }
    }
}
