//! Port statistics (§7.3.5.6): the 112-byte OFPMP_PORT_STATS reply entry.
//!
//! ```text
//! port_no u32 | pad 4 | rx_packets tx_packets rx_bytes tx_bytes rx_dropped tx_dropped
//! rx_errors tx_errors rx_frame_err rx_over_err rx_crc_err collisions (u64 each) |
//! duration_sec u32 | duration_nsec u32
//! ```

use super::{DecodeError, Reader, put_zeros};

/// Size of `ofp_port_stats`.
pub(crate) const PORT_STATS_LEN: usize = 112;

/// `ofp_port_stats`: counters of one port.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PortStats {
    /// Port number.
    pub port_no: u32,
    /// Packets received.
    pub rx_packets: u64,
    /// Packets sent.
    pub tx_packets: u64,
    /// Bytes received.
    pub rx_bytes: u64,
    /// Bytes sent.
    pub tx_bytes: u64,
    /// Packets dropped on receive.
    pub rx_dropped: u64,
    /// Packets dropped on transmit (queue overflow).
    pub tx_dropped: u64,
    /// Receive errors.
    pub rx_errors: u64,
    /// Transmit errors.
    pub tx_errors: u64,
    /// Frame alignment errors.
    pub rx_frame_err: u64,
    /// Receive overruns.
    pub rx_over_err: u64,
    /// CRC errors.
    pub rx_crc_err: u64,
    /// Collisions.
    pub collisions: u64,
    /// Time the port has been alive (s).
    pub duration_sec: u32,
    /// Time alive beyond `duration_sec` (ns).
    pub duration_nsec: u32,
}

impl PortStats {
    fn counters(&self) -> [u64; 12] {
        [
            self.rx_packets,
            self.tx_packets,
            self.rx_bytes,
            self.tx_bytes,
            self.rx_dropped,
            self.tx_dropped,
            self.rx_errors,
            self.tx_errors,
            self.rx_frame_err,
            self.rx_over_err,
            self.rx_crc_err,
            self.collisions,
        ]
    }

    /// Appends the 112 bytes.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.port_no.to_be_bytes());
        put_zeros(buf, 4);
        for c in self.counters() {
            buf.extend_from_slice(&c.to_be_bytes());
        }
        buf.extend_from_slice(&self.duration_sec.to_be_bytes());
        buf.extend_from_slice(&self.duration_nsec.to_be_bytes());
    }

    /// Parses 112 bytes from the start of `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<PortStats, DecodeError> {
        let mut r = Reader::new(bytes, "port stats entry");
        let port_no = r.u32()?;
        r.skip(4)?;
        let mut c = [0u64; 12];
        for v in &mut c {
            *v = r.u64()?;
        }
        let [
            rx_packets,
            tx_packets,
            rx_bytes,
            tx_bytes,
            rx_dropped,
            tx_dropped,
            rx_errors,
            tx_errors,
            rx_frame_err,
            rx_over_err,
            rx_crc_err,
            collisions,
        ] = c;
        Ok(PortStats {
            port_no,
            rx_packets,
            tx_packets,
            rx_bytes,
            tx_bytes,
            rx_dropped,
            tx_dropped,
            rx_errors,
            tx_errors,
            rx_frame_err,
            rx_over_err,
            rx_crc_err,
            collisions,
            duration_sec: r.u32()?,
            duration_nsec: r.u32()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;
    use crate::wire::{
        Message, MessageBody, MultipartReply, MultipartReplyBody, MultipartRequest,
        MultipartRequestBody, OFPP_ANY,
    };

    /// Hand-built from §7.3.5.6 (loxigen has port-stats vectors only for OF 1.0 and 1.4): the
    /// request for all ports (port_no ANY) — 24 bytes.
    #[test]
    fn spec_port_stats_request_is_byte_exact() {
        let bytes = hex("04 12 00 18 00 00 00 05 00 04 00 00 00 00 00 00 ff ff ff ff 00 00 00 00");
        let msg = Message {
            xid: 5,
            body: MessageBody::MultipartRequest(MultipartRequest {
                flags: 0,
                body: MultipartRequestBody::PortStats { port_no: OFPP_ANY },
            }),
        };
        assert_eq!(Message::decode(&bytes), Ok((msg.clone(), 24)), "decodes");
        let mut out = Vec::new();
        msg.encode(&mut out);
        assert_eq!(out, bytes, "encodes byte for byte");
    }

    /// Hand-built from §7.3.5.6: a reply with one entry for port 3 whose counters are 1…12 in
    /// field order, duration 100 s + 5 ns — 16 + 112 bytes, each counter at its offset.
    #[test]
    fn spec_port_stats_reply_is_byte_exact() {
        let mut h =
            String::from("04 13 00 80 00 00 00 05 00 04 00 00 00 00 00 00 00 00 00 03 00 00 00 00");
        for i in 1..=12 {
            h.push_str(&format!(" 00 00 00 00 00 00 00 {i:02x}"));
        }
        h.push_str(" 00 00 00 64 00 00 00 05");
        let bytes = hex(&h);
        let entry = PortStats {
            port_no: 3,
            rx_packets: 1,
            tx_packets: 2,
            rx_bytes: 3,
            tx_bytes: 4,
            rx_dropped: 5,
            tx_dropped: 6,
            rx_errors: 7,
            tx_errors: 8,
            rx_frame_err: 9,
            rx_over_err: 10,
            rx_crc_err: 11,
            collisions: 12,
            duration_sec: 100,
            duration_nsec: 5,
        };
        let msg = Message {
            xid: 5,
            body: MessageBody::MultipartReply(MultipartReply {
                flags: 0,
                body: MultipartReplyBody::PortStats(vec![entry]),
            }),
        };
        assert_eq!(Message::decode(&bytes), Ok((msg.clone(), 128)), "decodes");
        let mut out = Vec::new();
        msg.encode(&mut out);
        assert_eq!(out, bytes, "encodes byte for byte");
    }
}
