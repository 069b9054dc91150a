//! MULTIPART_REQUEST / MULTIPART_REPLY (§7.3.5): statistics and descriptions.
//!
//! ```text
//! type u16 | flags u16 (OFPMPF_*_MORE = 1) | pad 4 | body…
//! ```
//!
//! Modelled: OFPMP_FLOW (flow stats), OFPMP_PORT_STATS and OFPMP_PORT_DESC. Other types keep
//! their body verbatim.

use super::flow_stats::{FlowStats, FlowStatsRequest};
use super::port::{PORT_LEN, Port};
use super::port_stats::{PORT_STATS_LEN, PortStats};
use super::{DecodeError, Reader, put_zeros};

/// `OFPMPF_REQ_MORE` / `OFPMPF_REPLY_MORE`: more messages of this multipart follow.
pub const OFPMPF_MORE: u16 = 1;

/// `ofp_multipart_type` values.
pub mod multipart_type {
    /// `OFPMP_DESC`
    pub const DESC: u16 = 0;
    /// `OFPMP_FLOW`
    pub const FLOW: u16 = 1;
    /// `OFPMP_AGGREGATE`
    pub const AGGREGATE: u16 = 2;
    /// `OFPMP_TABLE`
    pub const TABLE: u16 = 3;
    /// `OFPMP_PORT_STATS`
    pub const PORT_STATS: u16 = 4;
    /// `OFPMP_PORT_DESC`
    pub const PORT_DESC: u16 = 13;
    /// `OFPMP_EXPERIMENTER`
    pub const EXPERIMENTER: u16 = 0xffff;
}

/// What a MULTIPART_REQUEST asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MultipartRequestBody {
    /// `OFPMP_FLOW`: individual flow statistics.
    Flow(FlowStatsRequest),
    /// `OFPMP_PORT_STATS`: counters of one port or of all ([`super::OFPP_ANY`]).
    PortStats {
        /// Port to report.
        port_no: u32,
    },
    /// `OFPMP_PORT_DESC`: descriptions of all ports (empty body).
    PortDesc,
    /// Any other multipart type.
    Unknown {
        /// `ofp_multipart_type` value.
        mp_type: u16,
        /// The body after the multipart header.
        body: Vec<u8>,
    },
}

/// `ofp_multipart_request`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultipartRequest {
    /// `OFPMPF_*` flags.
    pub flags: u16,
    /// The request.
    pub body: MultipartRequestBody,
}

/// What a MULTIPART_REPLY carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MultipartReplyBody {
    /// `OFPMP_FLOW`: one entry per flow.
    Flow(Vec<FlowStats>),
    /// `OFPMP_PORT_STATS`: one entry per port.
    PortStats(Vec<PortStats>),
    /// `OFPMP_PORT_DESC`: one `ofp_port` per port.
    PortDesc(Vec<Port>),
    /// Any other multipart type.
    Unknown {
        /// `ofp_multipart_type` value.
        mp_type: u16,
        /// The body after the multipart header.
        body: Vec<u8>,
    },
}

/// `ofp_multipart_reply`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultipartReply {
    /// `OFPMPF_*` flags ([`OFPMPF_MORE`] when the reply continues in another message).
    pub flags: u16,
    /// The reply.
    pub body: MultipartReplyBody,
}

fn emit_header(buf: &mut Vec<u8>, mp_type: u16, flags: u16) {
    buf.extend_from_slice(&mp_type.to_be_bytes());
    buf.extend_from_slice(&flags.to_be_bytes());
    put_zeros(buf, 4);
}

fn parse_header<'a>(
    body: &'a [u8],
    what: &'static str,
) -> Result<(u16, u16, &'a [u8]), DecodeError> {
    let mut r = Reader::new(body, what);
    let mp_type = r.u16()?;
    let flags = r.u16()?;
    r.skip(4)?;
    Ok((mp_type, flags, r.rest()))
}

/// Splits `bytes` into fixed-size records.
fn records<'a>(
    bytes: &'a [u8],
    size: usize,
    what: &'static str,
) -> Result<std::slice::ChunksExact<'a, u8>, DecodeError> {
    if bytes.len().is_multiple_of(size) {
        Ok(bytes.chunks_exact(size))
    } else {
        Err(DecodeError::BadLength {
            what,
            length: bytes.len(),
            reason: "not a whole number of entries",
        })
    }
}

impl MultipartRequest {
    fn mp_type(&self) -> u16 {
        match &self.body {
            MultipartRequestBody::Flow(_) => multipart_type::FLOW,
            MultipartRequestBody::PortStats { .. } => multipart_type::PORT_STATS,
            MultipartRequestBody::PortDesc => multipart_type::PORT_DESC,
            MultipartRequestBody::Unknown { mp_type, .. } => *mp_type,
        }
    }

    /// Body length (after the 8-byte header).
    pub fn buffer_len(&self) -> usize {
        8 + match &self.body {
            MultipartRequestBody::Flow(f) => f.buffer_len(),
            MultipartRequestBody::PortStats { .. } => 8,
            MultipartRequestBody::PortDesc => 0,
            MultipartRequestBody::Unknown { body, .. } => body.len(),
        }
    }

    /// Appends the body.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        emit_header(buf, self.mp_type(), self.flags);
        match &self.body {
            MultipartRequestBody::Flow(f) => f.emit(buf),
            MultipartRequestBody::PortStats { port_no } => {
                buf.extend_from_slice(&port_no.to_be_bytes());
                put_zeros(buf, 4);
            }
            MultipartRequestBody::PortDesc => {}
            MultipartRequestBody::Unknown { body, .. } => buf.extend_from_slice(body),
        }
    }

    /// Parses a body (the message after its header).
    pub fn parse(body: &[u8]) -> Result<MultipartRequest, DecodeError> {
        let (mp_type, flags, rest) = parse_header(body, "multipart request")?;
        let body = match mp_type {
            multipart_type::FLOW => MultipartRequestBody::Flow(FlowStatsRequest::parse(rest)?),
            multipart_type::PORT_STATS => {
                let mut r = Reader::new(rest, "port stats request");
                let port_no = r.u32()?;
                r.skip(4)?;
                r.finish()?;
                MultipartRequestBody::PortStats { port_no }
            }
            multipart_type::PORT_DESC => {
                Reader::new(rest, "port desc request").finish()?;
                MultipartRequestBody::PortDesc
            }
            _ => MultipartRequestBody::Unknown {
                mp_type,
                body: rest.to_vec(),
            },
        };
        Ok(MultipartRequest { flags, body })
    }
}

impl MultipartReply {
    fn mp_type(&self) -> u16 {
        match &self.body {
            MultipartReplyBody::Flow(_) => multipart_type::FLOW,
            MultipartReplyBody::PortStats(_) => multipart_type::PORT_STATS,
            MultipartReplyBody::PortDesc(_) => multipart_type::PORT_DESC,
            MultipartReplyBody::Unknown { mp_type, .. } => *mp_type,
        }
    }

    /// Body length (after the 8-byte header).
    pub fn buffer_len(&self) -> usize {
        8 + match &self.body {
            MultipartReplyBody::Flow(v) => v.iter().map(FlowStats::buffer_len).sum(),
            MultipartReplyBody::PortStats(v) => v.len() * PORT_STATS_LEN,
            MultipartReplyBody::PortDesc(v) => v.len() * PORT_LEN,
            MultipartReplyBody::Unknown { body, .. } => body.len(),
        }
    }

    /// Appends the body.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        emit_header(buf, self.mp_type(), self.flags);
        match &self.body {
            MultipartReplyBody::Flow(v) => v.iter().for_each(|e| e.emit(buf)),
            MultipartReplyBody::PortStats(v) => v.iter().for_each(|e| e.emit(buf)),
            MultipartReplyBody::PortDesc(v) => v.iter().for_each(|e| e.emit(buf)),
            MultipartReplyBody::Unknown { body, .. } => buf.extend_from_slice(body),
        }
    }

    /// Parses a body (the message after its header).
    pub fn parse(body: &[u8]) -> Result<MultipartReply, DecodeError> {
        let (mp_type, flags, mut rest) = parse_header(body, "multipart reply")?;
        let body = match mp_type {
            multipart_type::FLOW => {
                let mut entries = Vec::new();
                while !rest.is_empty() {
                    let (e, used) = FlowStats::parse(rest)?;
                    entries.push(e);
                    rest = &rest[used..];
                }
                MultipartReplyBody::Flow(entries)
            }
            multipart_type::PORT_STATS => MultipartReplyBody::PortStats(
                records(rest, PORT_STATS_LEN, "port stats reply")?
                    .map(PortStats::parse)
                    .collect::<Result<_, _>>()?,
            ),
            multipart_type::PORT_DESC => MultipartReplyBody::PortDesc(
                records(rest, PORT_LEN, "port desc reply")?
                    .map(Port::parse)
                    .collect::<Result<_, _>>()?,
            ),
            _ => MultipartReplyBody::Unknown {
                mp_type,
                body: rest.to_vec(),
            },
        };
        Ok(MultipartReply { flags, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;
    use crate::wire::{Message, MessageBody};

    /// Hand-built from §7.3.5.7 (loxigen's port-desc vector is OF 1.4): PORT_DESC request
    /// (16 bytes) and a reply with the port of loxigen `test_data/of13/port_status.data`
    /// (16 + 64 bytes), flags MORE on the reply.
    #[test]
    fn spec_port_desc_is_byte_exact() {
        let request = hex("04 12 00 10 00 00 00 02 00 0d 00 00 00 00 00 00");
        let reply = hex("04 13 00 50 00 00 00 02 00 0d 00 01 00 00 00 00
             00 00 00 04 00 00 00 00 01 02 03 04 05 06 00 00
             66 6f 6f 00 00 00 00 00 00 00 00 00 00 00 00 00
             00 00 00 24 00 00 00 02 00 00 00 01 00 00 00 02
             00 00 00 04 00 00 00 08 00 00 00 0a 00 00 00 14");
        let port = Port {
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
        };
        let cases = [
            (
                request,
                MessageBody::MultipartRequest(MultipartRequest {
                    flags: 0,
                    body: MultipartRequestBody::PortDesc,
                }),
            ),
            (
                reply,
                MessageBody::MultipartReply(MultipartReply {
                    flags: OFPMPF_MORE,
                    body: MultipartReplyBody::PortDesc(vec![port]),
                }),
            ),
        ];
        for (bytes, body) in cases {
            let msg = Message { xid: 2, body };
            assert_eq!(
                Message::decode(&bytes),
                Ok((msg.clone(), bytes.len())),
                "decodes"
            );
            let mut out = Vec::new();
            msg.encode(&mut out);
            assert_eq!(out, bytes, "encodes byte for byte");
        }
    }

    /// A port-stats reply whose body is not a whole number of 112-byte entries, and a
    /// port-stats request with extra bytes, are errors; an unknown multipart type is kept.
    #[test]
    fn malformed_multiparts_are_errors() {
        let mut reply = hex("00 04 00 00 00 00 00 00");
        reply.extend_from_slice(&[0; 100]);
        assert!(
            matches!(
                MultipartReply::parse(&reply),
                Err(DecodeError::BadLength { .. })
            ),
            "100-byte port stats body"
        );
        let request = hex("00 04 00 00 00 00 00 00 ff ff ff ff 00 00 00 00 00");
        assert!(
            matches!(
                MultipartRequest::parse(&request),
                Err(DecodeError::TrailingBytes { .. })
            ),
            "9-byte port stats request"
        );
        let desc = hex("00 00 00 00 00 00 00 00");
        assert_eq!(
            MultipartRequest::parse(&desc),
            Ok(MultipartRequest {
                flags: 0,
                body: MultipartRequestBody::Unknown {
                    mp_type: multipart_type::DESC,
                    body: vec![]
                }
            }),
            "OFPMP_DESC is kept as unknown"
        );
    }
}
