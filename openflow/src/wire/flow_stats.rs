//! Individual flow statistics (§7.3.5.2): the OFPMP_FLOW request body and reply entries.
//!
//! ```text
//! request: table_id u8 | pad 3 | out_port u32 | out_group u32 | pad 4 | cookie u64 |
//!          cookie_mask u64 | ofp_match
//! entry:   length u16 | table_id u8 | pad 1 | duration_sec u32 | duration_nsec u32 |
//!          priority u16 | idle_timeout u16 | hard_timeout u16 | flags u16 | pad 4 |
//!          cookie u64 | packet_count u64 | byte_count u64 | ofp_match | instructions…
//! ```

use super::flow_mod::FlowModFlags;
use super::instruction::Instruction;
use super::matching::Match;
use super::{DecodeError, OFPG_ANY, OFPP_ANY, OFPTT_ALL, Reader, check_tlv_len, put_zeros};

/// Fixed part of an `ofp_flow_stats` entry.
const ENTRY_FIXED_LEN: usize = 48;

/// `ofp_flow_stats_request`: which entries to report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowStatsRequest {
    /// Table to read, or [`OFPTT_ALL`].
    pub table_id: u8,
    /// Only entries outputting to this port ([`OFPP_ANY`] = all).
    pub out_port: u32,
    /// Only entries outputting to this group ([`OFPG_ANY`] = all).
    pub out_group: u32,
    /// Cookie the entries must have in the bits of `cookie_mask`.
    pub cookie: u64,
    /// Cookie bits to compare (0 = ignore).
    pub cookie_mask: u64,
    /// Non-strict match the entries must fall under.
    pub match_: Match,
}

impl Default for FlowStatsRequest {
    /// Every entry of every table, as Ryu's `simple_monitor_13` asks.
    fn default() -> Self {
        FlowStatsRequest {
            table_id: OFPTT_ALL,
            out_port: OFPP_ANY,
            out_group: OFPG_ANY,
            cookie: 0,
            cookie_mask: 0,
            match_: Match::default(),
        }
    }
}

impl FlowStatsRequest {
    /// Encoded length.
    pub fn buffer_len(&self) -> usize {
        32 + self.match_.buffer_len()
    }

    /// Appends the request body.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        buf.push(self.table_id);
        put_zeros(buf, 3);
        buf.extend_from_slice(&self.out_port.to_be_bytes());
        buf.extend_from_slice(&self.out_group.to_be_bytes());
        put_zeros(buf, 4);
        buf.extend_from_slice(&self.cookie.to_be_bytes());
        buf.extend_from_slice(&self.cookie_mask.to_be_bytes());
        self.match_.emit(buf);
    }

    /// Parses a request body that fills `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<FlowStatsRequest, DecodeError> {
        let mut r = Reader::new(bytes, "flow stats request");
        let table_id = r.u8()?;
        r.skip(3)?;
        let out_port = r.u32()?;
        let out_group = r.u32()?;
        r.skip(4)?;
        let cookie = r.u64()?;
        let cookie_mask = r.u64()?;
        let (match_, used) = Match::parse(&bytes[r.position()..])?;
        r.skip(used)?;
        r.finish()?;
        Ok(FlowStatsRequest {
            table_id,
            out_port,
            out_group,
            cookie,
            cookie_mask,
            match_,
        })
    }
}

/// `ofp_flow_stats`: one flow entry in a reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowStats {
    /// The entry's table.
    pub table_id: u8,
    /// Time alive (s).
    pub duration_sec: u32,
    /// Time alive beyond `duration_sec` (ns).
    pub duration_nsec: u32,
    /// Priority.
    pub priority: u16,
    /// Idle timeout (s).
    pub idle_timeout: u16,
    /// Hard timeout (s).
    pub hard_timeout: u16,
    /// The FLOW_MOD flags it was added with.
    pub flags: FlowModFlags,
    /// Cookie.
    pub cookie: u64,
    /// Packets matched.
    pub packet_count: u64,
    /// Bytes matched.
    pub byte_count: u64,
    /// Match.
    pub match_: Match,
    /// Instructions.
    pub instructions: Vec<Instruction>,
}

impl FlowStats {
    /// Encoded length (the entry's `length` field).
    pub fn buffer_len(&self) -> usize {
        ENTRY_FIXED_LEN + self.match_.buffer_len() + Instruction::list_len(&self.instructions)
    }

    /// Appends the entry.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        // At most 65535: Message::try_encode bounds the whole message first.
        buf.extend_from_slice(&(self.buffer_len() as u16).to_be_bytes());
        buf.push(self.table_id);
        put_zeros(buf, 1);
        buf.extend_from_slice(&self.duration_sec.to_be_bytes());
        buf.extend_from_slice(&self.duration_nsec.to_be_bytes());
        buf.extend_from_slice(&self.priority.to_be_bytes());
        buf.extend_from_slice(&self.idle_timeout.to_be_bytes());
        buf.extend_from_slice(&self.hard_timeout.to_be_bytes());
        buf.extend_from_slice(&self.flags.0.to_be_bytes());
        put_zeros(buf, 4);
        buf.extend_from_slice(&self.cookie.to_be_bytes());
        buf.extend_from_slice(&self.packet_count.to_be_bytes());
        buf.extend_from_slice(&self.byte_count.to_be_bytes());
        self.match_.emit(buf);
        Instruction::emit_list(&self.instructions, buf);
    }

    /// Parses one entry from the start of `bytes`; returns it and its length.
    pub fn parse(bytes: &[u8]) -> Result<(FlowStats, usize), DecodeError> {
        let mut r = Reader::new(bytes, "flow stats entry");
        let len = usize::from(r.u16()?);
        check_tlv_len("flow stats entry", len, ENTRY_FIXED_LEN + 8, bytes.len())?;
        let entry = &bytes[..len];
        let table_id = r.u8()?;
        r.skip(1)?;
        let duration_sec = r.u32()?;
        let duration_nsec = r.u32()?;
        let priority = r.u16()?;
        let idle_timeout = r.u16()?;
        let hard_timeout = r.u16()?;
        let flags = FlowModFlags(r.u16()?);
        r.skip(4)?;
        let cookie = r.u64()?;
        let packet_count = r.u64()?;
        let byte_count = r.u64()?;
        let rest = &entry[ENTRY_FIXED_LEN..];
        let (match_, used) = Match::parse(rest)?;
        let instructions = Instruction::parse_list(&rest[used..])?;
        let stats = FlowStats {
            table_id,
            duration_sec,
            duration_nsec,
            priority,
            idle_timeout,
            hard_timeout,
            flags,
            cookie,
            packet_count,
            byte_count,
            match_,
            instructions,
        };
        Ok((stats, len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;
    use crate::wire::{
        Action, Message, MessageBody, MultipartReply, MultipartReplyBody, MultipartRequest,
        MultipartRequestBody,
    };

    /// Hand-built from §7.3.5.2 (loxigen has no OF 1.3 flow-stats vector): the request Ryu's
    /// simple_monitor_13 sends — all tables, any port/group, no cookie, empty match — 56 bytes.
    #[test]
    fn spec_flow_stats_request_is_byte_exact() {
        let bytes = hex("04 12 00 38 00 00 00 09  00 01 00 00 00 00 00 00
             ff 00 00 00 ff ff ff ff ff ff ff ff 00 00 00 00
             00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
             00 01 00 04 00 00 00 00");
        let msg = Message {
            xid: 9,
            body: MessageBody::MultipartRequest(MultipartRequest {
                flags: 0,
                body: MultipartRequestBody::Flow(FlowStatsRequest::default()),
            }),
        };
        assert_eq!(Message::decode(&bytes), Ok((msg.clone(), 56)), "decodes");
        let mut out = Vec::new();
        msg.encode(&mut out);
        assert_eq!(out, bytes, "encodes byte for byte");
    }

    /// Hand-built from §7.3.5.2: a reply with one entry — table 0, 3.5 s old, priority 1,
    /// idle 10 / hard 0, SEND_FLOW_REM, cookie 0x2a, 7 packets / 700 bytes, match
    /// in_port=1 + eth_dst, apply_actions(output 2). Entry length 48 + 24 + 24 = 96.
    #[test]
    fn spec_flow_stats_reply_is_byte_exact() {
        let bytes = hex("04 13 00 70 00 00 00 09  00 01 00 00 00 00 00 00
             00 60 00 00 00 00 00 03 1d cd 65 00 00 01 00 0a 00 00 00 01 00 00 00 00
             00 00 00 00 00 00 00 2a 00 00 00 00 00 00 00 07 00 00 00 00 00 00 02 bc
             00 01 00 16 80 00 00 04 00 00 00 01 80 00 06 06 02 00 00 00 00 02 00 00
             00 04 00 18 00 00 00 00 00 00 00 10 00 00 00 02 ff e5 00 00 00 00 00 00");
        let entry = FlowStats {
            table_id: 0,
            duration_sec: 3,
            duration_nsec: 500_000_000,
            priority: 1,
            idle_timeout: 10,
            hard_timeout: 0,
            flags: FlowModFlags::SEND_FLOW_REM,
            cookie: 0x2a,
            packet_count: 7,
            byte_count: 700,
            match_: Match {
                in_port: Some(1),
                eth_dst: Some([2, 0, 0, 0, 0, 2].into()),
                ..Match::default()
            },
            instructions: vec![Instruction::apply(vec![Action::output(2)])],
        };
        let msg = Message {
            xid: 9,
            body: MessageBody::MultipartReply(MultipartReply {
                flags: 0,
                body: MultipartReplyBody::Flow(vec![entry]),
            }),
        };
        assert_eq!(Message::decode(&bytes), Ok((msg.clone(), 112)), "decodes");
        let mut out = Vec::new();
        msg.encode(&mut out);
        assert_eq!(out, bytes, "encodes byte for byte");
    }

    /// An entry length below the fixed part, not a multiple of 8, or past the body is an
    /// error.
    #[test]
    fn bad_entry_lengths_are_errors() {
        let mut entry = vec![0u8; 56];
        entry[0..2].copy_from_slice(&56u16.to_be_bytes());
        entry[48..52].copy_from_slice(&[0, 1, 0, 4]);
        assert!(
            FlowStats::parse(&entry).is_ok(),
            "minimal entry with empty match"
        );
        for (len, why) in [
            (40u16, "below fixed part"),
            (60, "not a multiple of 8"),
            (64, "past the end"),
        ] {
            entry[0..2].copy_from_slice(&len.to_be_bytes());
            assert!(FlowStats::parse(&entry).is_err(), "{why} must be rejected");
        }
    }
}
