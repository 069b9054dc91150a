//! `ofp_port` (§7.2.1), the 64-byte port description, and PORT_STATUS (§7.4.3).
//!
//! ```text
//! port_no u32 | pad 4 | hw_addr [6] | pad 2 | name [16] | config u32 | state u32 |
//! curr u32 | advertised u32 | supported u32 | peer u32 | curr_speed u32 | max_speed u32
//! ```

use super::{DecodeError, Reader, put_zeros};

/// Size of `ofp_port`.
pub(crate) const PORT_LEN: usize = 64;
/// `OFP_MAX_PORT_NAME_LEN`, terminating NUL included.
const NAME_LEN: usize = 16;

/// `ofp_port`: a port's description and state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Port {
    /// Port number.
    pub port_no: u32,
    /// MAC address.
    pub hw_addr: [u8; 6],
    /// Name; at most 15 bytes go on the wire (longer names are cut at a character boundary),
    /// decoded up to the first NUL or the 15th byte with each byte of invalid UTF-8 replaced by
    /// `?`, so that a decoded name encodes to the same bytes.
    pub name: String,
    /// `OFPPC_*` bits (PORT_DOWN 1, NO_RECV 4, NO_FWD 32, NO_PACKET_IN 64).
    pub config: u32,
    /// `OFPPS_*` bits (LINK_DOWN 1, BLOCKED 2, LIVE 4).
    pub state: u32,
    /// Current features (`OFPPF_*` bits).
    pub curr: u32,
    /// Features advertised.
    pub advertised: u32,
    /// Features supported.
    pub supported: u32,
    /// Features advertised by the peer.
    pub peer: u32,
    /// Current bit rate (kbit/s).
    pub curr_speed: u32,
    /// Maximum bit rate (kbit/s).
    pub max_speed: u32,
}

impl Port {
    /// `OFPPS_LINK_DOWN`: no physical link.
    pub const STATE_LINK_DOWN: u32 = 1;
    /// `OFPPC_PORT_DOWN`: administratively down.
    pub const CONFIG_PORT_DOWN: u32 = 1;

    /// Appends the 64 bytes.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.port_no.to_be_bytes());
        put_zeros(buf, 4);
        buf.extend_from_slice(&self.hw_addr);
        put_zeros(buf, 2);
        let name = self.name.as_bytes();
        let n = self.name.floor_char_boundary(NAME_LEN - 1);
        buf.extend_from_slice(&name[..n]);
        put_zeros(buf, NAME_LEN - n);
        for v in [
            self.config,
            self.state,
            self.curr,
            self.advertised,
            self.supported,
            self.peer,
            self.curr_speed,
            self.max_speed,
        ] {
            buf.extend_from_slice(&v.to_be_bytes());
        }
    }

    /// Parses 64 bytes from the start of `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<Port, DecodeError> {
        let mut r = Reader::new(bytes, "port");
        let port_no = r.u32()?;
        r.skip(4)?;
        let hw_addr = r.array()?;
        r.skip(2)?;
        let raw: [u8; NAME_LEN] = r.array()?;
        // NUL-terminated (§7.2.1): a 16th byte that is not NUL is malformed; keep the 15 that
        // `emit` would write. One `?` per invalid byte (not U+FFFD, three bytes) keeps the
        // length, so the name re-encodes to the bytes it came from.
        let end = raw.iter().position(|&b| b == 0).unwrap_or(NAME_LEN - 1);
        let mut name = String::with_capacity(end);
        for chunk in raw[..end].utf8_chunks() {
            name.push_str(chunk.valid());
            name.extend(std::iter::repeat_n('?', chunk.invalid().len()));
        }
        Ok(Port {
            port_no,
            hw_addr,
            name,
            config: r.u32()?,
            state: r.u32()?,
            curr: r.u32()?,
            advertised: r.u32()?,
            supported: r.u32()?,
            peer: r.u32()?,
            curr_speed: r.u32()?,
            max_speed: r.u32()?,
        })
    }
}

/// `ofp_port_reason`; values the spec does not define are kept in `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PortReason {
    /// `OFPPR_ADD` (0)
    Add,
    /// `OFPPR_DELETE` (1)
    Delete,
    /// `OFPPR_MODIFY` (2): an attribute (e.g. link state) changed.
    Modify,
    /// Any other value.
    Other(u8),
}

impl PortReason {
    /// The wire value.
    pub fn to_u8(self) -> u8 {
        match self {
            PortReason::Add => 0,
            PortReason::Delete => 1,
            PortReason::Modify => 2,
            PortReason::Other(v) => v,
        }
    }

    /// The reason for a wire value.
    pub fn from_u8(v: u8) -> PortReason {
        match v {
            0 => PortReason::Add,
            1 => PortReason::Delete,
            2 => PortReason::Modify,
            v => PortReason::Other(v),
        }
    }
}

/// `ofp_port_status`: reason u8, pad 7, then the port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortStatus {
    /// What happened.
    pub reason: PortReason,
    /// The port as it is now.
    pub desc: Port,
}

impl PortStatus {
    /// Body length (after the 8-byte header).
    pub fn buffer_len(&self) -> usize {
        8 + PORT_LEN
    }

    /// Appends the body.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        buf.push(self.reason.to_u8());
        put_zeros(buf, 7);
        self.desc.emit(buf);
    }

    /// Parses a body (the message after its header).
    pub fn parse(body: &[u8]) -> Result<PortStatus, DecodeError> {
        let mut r = Reader::new(body, "port_status");
        let reason = PortReason::from_u8(r.u8()?);
        r.skip(7)?;
        let desc = Port::parse(r.take(PORT_LEN)?)?;
        r.finish()?;
        Ok(PortStatus { reason, desc })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;
    use crate::wire::{Message, MessageBody};

    /// loxigen `test_data/of13/port_status.data`: MODIFY of port 4 "foo" with config
    /// NO_FWD|NO_RECV, state BLOCKED, feature bits and speeds 10/20 — byte exact both ways.
    #[test]
    fn loxigen_port_status_is_byte_exact() {
        let bytes = hex("04 0c 00 50 12 34 56 78
             02 00 00 00 00 00 00 00
             00 00 00 04 00 00 00 00 01 02 03 04 05 06 00 00
             66 6f 6f 00 00 00 00 00 00 00 00 00 00 00 00 00
             00 00 00 24 00 00 00 02 00 00 00 01 00 00 00 02
             00 00 00 04 00 00 00 08 00 00 00 0a 00 00 00 14");
        let expected = Message {
            xid: 0x1234_5678,
            body: MessageBody::PortStatus(PortStatus {
                reason: PortReason::Modify,
                desc: Port {
                    port_no: 4,
                    hw_addr: [1, 2, 3, 4, 5, 6],
                    name: "foo".into(),
                    config: 0x24,
                    state: 2,
                    curr: 1,
                    advertised: 2,
                    supported: 4,
                    peer: 8,
                    curr_speed: 10,
                    max_speed: 20,
                },
            }),
        };
        assert_eq!(
            Message::decode(&bytes),
            Ok((expected.clone(), 80)),
            "decodes"
        );
        let mut out = Vec::new();
        expected.encode(&mut out);
        assert_eq!(out, bytes, "encodes byte for byte");
    }

    /// A name longer than 15 bytes is cut so the NUL terminator fits.
    #[test]
    fn long_names_are_cut_to_fifteen_bytes() {
        let port = Port {
            name: "a-very-long-port-name".into(),
            ..Port::default()
        };
        let mut out = Vec::new();
        port.emit(&mut out);
        assert_eq!(out.len(), PORT_LEN, "always 64 bytes");
        assert_eq!(
            Port::parse(&out).unwrap().name,
            "a-very-long-por",
            "15 bytes kept"
        );
    }
}
