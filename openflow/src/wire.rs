//! The OpenFlow 1.3 wire format (OpenFlow Switch Specification 1.3.5, §7 "The OpenFlow
//! Protocol"), smoltcp style: each concept has a plain `Repr`-like type with `parse`, `emit`
//! and `buffer_len`, and [`Message`] ties them together.
//!
//! All multi-byte fields are big-endian. Decoding is strict: every length field is checked
//! against the bytes that are really there, and anything inconsistent is a [`DecodeError`],
//! never a panic.

mod action;
mod config;
mod error_msg;
mod features;
mod flow_mod;
mod flow_removed;
mod flow_stats;
mod header;
mod hello;
mod instruction;
mod matching;
mod message;
mod multipart;
mod oxm;
mod packet_in;
mod packet_out;
mod port;
mod port_stats;
#[cfg(test)]
pub(crate) mod strategies;

pub use action::{Action, OFPAT_DEC_NW_TTL, OFPAT_GROUP, OFPAT_OUTPUT, OFPAT_POP_VLAN};
pub use action::{OFPAT_PUSH_VLAN, OFPAT_SET_FIELD, OFPAT_SET_QUEUE};
pub use config::SwitchConfig;
pub use error_msg::{ErrorMsg, error_code, error_type};
pub use features::FeaturesReply;
pub use flow_mod::{FlowMod, FlowModCommand, FlowModFlags};
pub use flow_removed::{FlowRemoved, FlowRemovedReason};
pub use flow_stats::{FlowStats, FlowStatsRequest};
pub use header::{Header, OFP_HEADER_LEN, OFP_VERSION, msg_type};
pub use hello::{Hello, HelloElem};
pub use instruction::Instruction;
pub use matching::Match;
pub use message::{EncodeError, Message, MessageBody};
pub use multipart::{
    MultipartReply, MultipartReplyBody, MultipartRequest, MultipartRequestBody, OFPMPF_MORE,
    multipart_type,
};
pub use oxm::{Masked, OFPVID_NONE, OFPVID_PRESENT, OFPXMC_OPENFLOW_BASIC, Oxm, RawOxm, oxm_field};
pub use packet_in::{PacketIn, PacketInReason};
pub use packet_out::PacketOut;
pub use port::{Port, PortReason, PortStatus};
pub use port_stats::PortStats;

/// `OFPP_MAX`: the highest number of a physical port (§7.2.1).
pub const OFPP_MAX: u32 = 0xffff_ff00;
/// `OFPP_IN_PORT`: send the packet out of the port it came in on.
pub const OFPP_IN_PORT: u32 = 0xffff_fff8;
/// `OFPP_TABLE`: submit the packet to the first flow table (PACKET_OUT only).
pub const OFPP_TABLE: u32 = 0xffff_fff9;
/// `OFPP_NORMAL`: forward by the switch's non-OpenFlow pipeline.
pub const OFPP_NORMAL: u32 = 0xffff_fffa;
/// `OFPP_FLOOD`: all physical ports in the VLAN except the input port and blocked ports.
pub const OFPP_FLOOD: u32 = 0xffff_fffb;
/// `OFPP_ALL`: all physical ports except the input port.
pub const OFPP_ALL: u32 = 0xffff_fffc;
/// `OFPP_CONTROLLER`: send to the controller in a PACKET_IN.
pub const OFPP_CONTROLLER: u32 = 0xffff_fffd;
/// `OFPP_LOCAL`: the switch's local networking stack.
pub const OFPP_LOCAL: u32 = 0xffff_fffe;
/// `OFPP_ANY`: wildcard port in requests and FLOW_MOD `out_port` ("no restriction").
pub const OFPP_ANY: u32 = 0xffff_ffff;

/// `OFPG_ANY`: wildcard group in FLOW_MOD `out_group` and flow-stats requests.
pub const OFPG_ANY: u32 = 0xffff_ffff;
/// `OFPTT_ALL`: all tables, in FLOW_MOD DELETE and flow-stats requests.
pub const OFPTT_ALL: u8 = 0xff;
/// `OFP_NO_BUFFER`: the packet is not buffered at the switch (full frame in the message).
pub const OFP_NO_BUFFER: u32 = 0xffff_ffff;
/// `OFPCML_MAX`: the largest `max_len` that asks for a buffered packet-in.
pub const OFPCML_MAX: u16 = 0xffe5;
/// `OFPCML_NO_BUFFER`: output to the controller with the whole frame and no buffering.
pub const OFPCML_NO_BUFFER: u16 = 0xffff;
/// Default `miss_send_len` of a switch (§7.3.2).
pub const OFP_DEFAULT_MISS_SEND_LEN: u16 = 128;

/// Why a byte string is not a valid OpenFlow 1.3 message (or part of one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input ends before the message it starts is complete. Only returned at the framing
    /// level ([`Message::decode`] on a stream): read more bytes and try again.
    #[error("incomplete message: need {needed} bytes, have {available}")]
    Incomplete {
        /// Bytes needed to decode the next message (or at least its header).
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// A structure inside a message claims more bytes than its container holds.
    #[error("{what}: truncated, needs {needed} bytes but only {available} are there")]
    Truncated {
        /// The structure being decoded.
        what: &'static str,
        /// Bytes it needs.
        needed: usize,
        /// Bytes available in its container.
        available: usize,
    },
    /// The header's version byte is not 0x04.
    #[error("unsupported OpenFlow version {0:#04x} (this codec speaks 1.3, version 0x04)")]
    BadVersion(u8),
    /// A length field is impossible (too small, not a multiple of 8 where the spec requires it,
    /// wrong for a fixed-size structure).
    #[error("{what}: bad length {length}: {reason}")]
    BadLength {
        /// The structure whose length field is wrong.
        what: &'static str,
        /// The length found.
        length: usize,
        /// What the spec requires.
        reason: &'static str,
    },
    /// A field holds a value this codec does not accept (unknown command, wrong match type, …).
    #[error("{what}: invalid value {value:#x}")]
    BadValue {
        /// The field.
        what: &'static str,
        /// The value found.
        value: u64,
    },
    /// A fixed-size body is followed by bytes that belong to nothing.
    #[error("{what}: {extra} unexpected trailing bytes")]
    TrailingBytes {
        /// The structure.
        what: &'static str,
        /// How many bytes were left over.
        extra: usize,
    },
    /// A match names the same OXM field twice (spec error OFPBMC_DUP_FIELD).
    #[error("match: duplicate OXM field {0}")]
    DuplicateField(&'static str),
}

/// A bounds-checked big-endian cursor over one structure's bytes.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], what: &'static str) -> Self {
        Reader { buf, pos: 0, what }
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        match end {
            Some(end) => {
                let s = &self.buf[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(DecodeError::Truncated {
                what: self.what,
                needed: self.pos.saturating_add(n),
                available: self.buf.len(),
            }),
        }
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    pub(crate) fn skip(&mut self, n: usize) -> Result<(), DecodeError> {
        self.take(n).map(|_| ())
    }

    /// Everything not read yet (consumes it).
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let s = &self.buf[self.pos..];
        self.pos = self.buf.len();
        s
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Errors if unread bytes remain: for fixed-size bodies.
    pub(crate) fn finish(&self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            extra => Err(DecodeError::TrailingBytes {
                what: self.what,
                extra,
            }),
        }
    }
}

/// Appends `n` zero bytes of padding.
pub(crate) fn put_zeros(buf: &mut Vec<u8>, n: usize) {
    buf.resize(buf.len() + n, 0);
}

/// Padding that brings `len` up to a multiple of 8.
pub(crate) fn pad8(len: usize) -> usize {
    len.next_multiple_of(8) - len
}

/// Checks a TLV length field (actions, instructions, stats entries): at least `min`, a multiple
/// of 8, and within the bytes available.
pub(crate) fn check_tlv_len(
    what: &'static str,
    len: usize,
    min: usize,
    available: usize,
) -> Result<(), DecodeError> {
    if len < min {
        return Err(DecodeError::BadLength {
            what,
            length: len,
            reason: "shorter than its fixed part",
        });
    }
    if !len.is_multiple_of(8) {
        return Err(DecodeError::BadLength {
            what,
            length: len,
            reason: "not a multiple of 8",
        });
    }
    if len > available {
        return Err(DecodeError::Truncated {
            what,
            needed: len,
            available,
        });
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod test_util {
    /// Parses loxigen-style annotated hex ("04 0e # version, type"): hex pairs before any `#`.
    pub(crate) fn hex(s: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for line in s.lines() {
            let data = line.split('#').next().unwrap_or("");
            for tok in data.split_whitespace() {
                out.push(u8::from_str_radix(tok, 16).expect("test vector: bad hex byte"));
            }
        }
        out
    }
}
