//! The TCP header (RFC 9293 §3.1) and 32-bit sequence-number arithmetic.

use std::cmp::Ordering;
use std::fmt;
use std::num::NonZeroU16;
use std::ops::{Add, Sub};

use super::SackOption;

/// A TCP sequence number: arithmetic modulo 2³², compared by signed distance (RFC 9293 §3.4,
/// RFC 1982), so that comparisons stay correct across wrap-around as long as the two numbers are
/// less than 2³¹ apart.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SeqNum(pub u32);

impl SeqNum {
    /// The signed distance from `other` to `self`.
    #[inline]
    pub fn diff(self, other: SeqNum) -> i32 {
        self.0.wrapping_sub(other.0) as i32
    }
}

impl PartialOrd for SeqNum {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.diff(*other).cmp(&0))
    }
}

impl Add<u32> for SeqNum {
    type Output = SeqNum;
    #[inline]
    fn add(self, rhs: u32) -> SeqNum {
        SeqNum(self.0.wrapping_add(rhs))
    }
}
impl Sub<u32> for SeqNum {
    type Output = SeqNum;
    #[inline]
    fn sub(self, rhs: u32) -> SeqNum {
        SeqNum(self.0.wrapping_sub(rhs))
    }
}
impl Sub for SeqNum {
    type Output = i32;
    #[inline]
    fn sub(self, rhs: SeqNum) -> i32 {
        self.diff(rhs)
    }
}
impl fmt::Debug for SeqNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// TCP control bits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    /// No more data from sender.
    pub const FIN: TcpFlags = TcpFlags(0x01);
    /// Synchronise sequence numbers.
    pub const SYN: TcpFlags = TcpFlags(0x02);
    /// Reset the connection.
    pub const RST: TcpFlags = TcpFlags(0x04);
    /// Push function.
    pub const PSH: TcpFlags = TcpFlags(0x08);
    /// Acknowledgment field is significant.
    pub const ACK: TcpFlags = TcpFlags(0x10);
    /// ECN-Echo (RFC 3168 §6.1): congestion experienced, or ECN offered on a SYN.
    pub const ECE: TcpFlags = TcpFlags(0x40);
    /// Congestion Window Reduced (RFC 3168 §6.1.2).
    pub const CWR: TcpFlags = TcpFlags(0x80);

    /// Whether every bit of `other` is set.
    #[inline]
    pub fn contains(self, other: TcpFlags) -> bool {
        self.0 & other.0 == other.0
    }
}
impl std::ops::BitOr for TcpFlags {
    type Output = TcpFlags;
    fn bitor(self, rhs: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 | rhs.0)
    }
}
impl fmt::Debug for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (0x02, "SYN"),
            (0x10, "ACK"),
            (0x01, "FIN"),
            (0x04, "RST"),
            (0x08, "PSH"),
            (0x40, "ECE"),
            (0x80, "CWR"),
        ];
        let set: Vec<&str> = names
            .iter()
            .filter(|(b, _)| self.0 & b != 0)
            .map(|&(_, n)| n)
            .collect();
        write!(f, "[{}]", set.join(","))
    }
}

/// The TCP options netsim speaks. Kept within 20 bytes so that a [`Packet`](super::Packet)
/// stays within 128 (see `sack.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TcpOptions {
    /// Maximum segment size (SYN only), RFC 9293 §3.7.1.
    pub mss: Option<NonZeroU16>,
    /// Window scale shift count (SYN only), RFC 7323 §2.
    pub window_scale: Option<u8>,
    /// Timestamps (TSval, TSecr), RFC 7323 §3.
    pub timestamps: Option<(u32, u32)>,
    /// SACK-permitted (SYN only) or SACK blocks (RFC 2018), the blocks kept in a
    /// [`SackArena`](super::SackArena).
    pub sack: SackOption,
}

impl TcpOptions {
    /// Bytes the options take in the header, laid out as Linux does (every group a whole
    /// 32-bit word, NOP-padded): MSS 4; timestamps 12 (with SACK-permitted folded into their
    /// padding) or SACK-permitted alone 4; window scale 4; SACK blocks 4 + 8·n.
    #[inline]
    pub fn len(&self) -> usize {
        // The SYN options' raw lengths rounded up to whole words equal the NOP-padded groups
        // (4 + 3 + 10 + 2 = 19 → 20, 4 + 3 = 7 → 8, …); the SACK blocks are whole words.
        // SACK blocks add 4 + 8·n, a whole number of words, to the raw sum.
        let raw: usize = self.mss.map_or(0, |_| 4)
            + self.window_scale.map_or(0, |_| 3)
            + self.timestamps.map_or(0, |_| 10)
            + self.sack.raw_bytes();
        raw.div_ceil(4) * 4
    }
    /// No options.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The MSS option's value, if present.
    pub fn mss_value(&self) -> Option<u16> {
        self.mss.map(NonZeroU16::get)
    }
}

/// A parsed TCP header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TcpRepr {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number of the first byte (or of the SYN/FIN).
    pub seq: SeqNum,
    /// Next sequence number expected by the sender of this segment (valid with ACK).
    pub ack: SeqNum,
    /// Control bits.
    pub flags: TcpFlags,
    /// Receive window as carried in the header (unscaled; the receiver of the segment applies
    /// the peer's window-scale shift, except on SYN segments, RFC 7323 §2.2).
    pub window: u16,
    /// Options.
    pub options: TcpOptions,
}

impl TcpRepr {
    /// Header length in bytes: 20 plus options.
    pub fn header_len(&self) -> usize {
        20 + self.options.len()
    }
    /// Sequence space this segment occupies: payload plus one for SYN and one for FIN.
    pub fn seq_len(&self, payload_len: u32) -> u32 {
        payload_len
            + u32::from(self.flags.contains(TcpFlags::SYN))
            + u32::from(self.flags.contains(TcpFlags::FIN))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Comparisons hold across the 2³² wrap.
    #[test]
    fn seq_wraps() {
        let a = SeqNum(u32::MAX - 10);
        let b = a + 20;
        assert_eq!(b.0, 9);
        assert!(b > a);
        assert_eq!(b - a, 20);
        assert_eq!(a - b, -20);
    }

    /// Option lengths are padded to whole 32-bit words.
    #[test]
    fn option_lengths() {
        let syn = TcpOptions {
            mss: NonZeroU16::new(1460),
            window_scale: Some(7),
            timestamps: Some((1, 0)),
            sack: SackOption::NONE,
        };
        assert_eq!(syn.len(), 20);
        let data = TcpOptions {
            timestamps: Some((1, 2)),
            ..Default::default()
        };
        assert_eq!(data.len(), 12);
        assert_eq!(TcpOptions::default().len(), 0);
    }
}
