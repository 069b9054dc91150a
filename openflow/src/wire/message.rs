//! [`Message`]: one OpenFlow 1.3 message, header and body, and the framing of a byte stream.

use super::config::SwitchConfig;
use super::error_msg::ErrorMsg;
use super::features::FeaturesReply;
use super::flow_mod::FlowMod;
use super::flow_removed::FlowRemoved;
use super::header::{Header, OFP_HEADER_LEN, OFP_VERSION, msg_type};
use super::hello::Hello;
use super::multipart::{MultipartReply, MultipartRequest};
use super::packet_in::PacketIn;
use super::packet_out::PacketOut;
use super::port::PortStatus;
use super::{DecodeError, Reader};

/// The body of a message, one variant per message type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessageBody {
    /// `OFPT_HELLO`
    Hello(Hello),
    /// `OFPT_ERROR`
    Error(ErrorMsg),
    /// `OFPT_ECHO_REQUEST` with arbitrary payload.
    EchoRequest(Vec<u8>),
    /// `OFPT_ECHO_REPLY`, returning the request's payload.
    EchoReply(Vec<u8>),
    /// `OFPT_FEATURES_REQUEST` (header only).
    FeaturesRequest,
    /// `OFPT_FEATURES_REPLY`
    FeaturesReply(FeaturesReply),
    /// `OFPT_GET_CONFIG_REQUEST` (header only).
    GetConfigRequest,
    /// `OFPT_GET_CONFIG_REPLY`
    GetConfigReply(SwitchConfig),
    /// `OFPT_SET_CONFIG`
    SetConfig(SwitchConfig),
    /// `OFPT_PACKET_IN`
    PacketIn(PacketIn),
    /// `OFPT_FLOW_REMOVED`
    FlowRemoved(FlowRemoved),
    /// `OFPT_PORT_STATUS`
    PortStatus(PortStatus),
    /// `OFPT_PACKET_OUT`
    PacketOut(PacketOut),
    /// `OFPT_FLOW_MOD`
    FlowMod(FlowMod),
    /// `OFPT_MULTIPART_REQUEST`
    MultipartRequest(MultipartRequest),
    /// `OFPT_MULTIPART_REPLY`
    MultipartReply(MultipartReply),
    /// `OFPT_BARRIER_REQUEST` (header only).
    BarrierRequest,
    /// `OFPT_BARRIER_REPLY` (header only).
    BarrierReply,
    /// A message type this codec does not model (GROUP_MOD, PORT_MOD, experimenter, …), body
    /// verbatim, so that a switch can answer OFPBRC_BAD_TYPE. `msg_type` should be one of
    /// those: an `Unknown` with a modelled type encodes, but decodes as the modelled variant.
    Unknown {
        /// `ofp_type` value.
        msg_type: u8,
        /// The bytes after the header.
        body: Vec<u8>,
    },
}

/// An OpenFlow 1.3 message: transaction id and body (the version is always 0x04 and the
/// length is computed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Transaction id; a reply carries its request's.
    pub xid: u32,
    /// The message.
    pub body: MessageBody,
}

/// Why a message cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The message would be longer than the 16-bit length field can say.
    #[error("message of {0} bytes exceeds the 65535-byte OpenFlow limit")]
    TooLong(usize),
}

impl MessageBody {
    /// The `ofp_type` code.
    pub fn msg_type(&self) -> u8 {
        use msg_type as t;
        match self {
            MessageBody::Hello(_) => t::HELLO,
            MessageBody::Error(_) => t::ERROR,
            MessageBody::EchoRequest(_) => t::ECHO_REQUEST,
            MessageBody::EchoReply(_) => t::ECHO_REPLY,
            MessageBody::FeaturesRequest => t::FEATURES_REQUEST,
            MessageBody::FeaturesReply(_) => t::FEATURES_REPLY,
            MessageBody::GetConfigRequest => t::GET_CONFIG_REQUEST,
            MessageBody::GetConfigReply(_) => t::GET_CONFIG_REPLY,
            MessageBody::SetConfig(_) => t::SET_CONFIG,
            MessageBody::PacketIn(_) => t::PACKET_IN,
            MessageBody::FlowRemoved(_) => t::FLOW_REMOVED,
            MessageBody::PortStatus(_) => t::PORT_STATUS,
            MessageBody::PacketOut(_) => t::PACKET_OUT,
            MessageBody::FlowMod(_) => t::FLOW_MOD,
            MessageBody::MultipartRequest(_) => t::MULTIPART_REQUEST,
            MessageBody::MultipartReply(_) => t::MULTIPART_REPLY,
            MessageBody::BarrierRequest => t::BARRIER_REQUEST,
            MessageBody::BarrierReply => t::BARRIER_REPLY,
            MessageBody::Unknown { msg_type, .. } => *msg_type,
        }
    }

    fn buffer_len(&self) -> usize {
        match self {
            MessageBody::Hello(h) => h.buffer_len(),
            MessageBody::Error(e) => e.buffer_len(),
            MessageBody::EchoRequest(d) | MessageBody::EchoReply(d) => d.len(),
            MessageBody::FeaturesRequest
            | MessageBody::GetConfigRequest
            | MessageBody::BarrierRequest
            | MessageBody::BarrierReply => 0,
            MessageBody::FeaturesReply(f) => f.buffer_len(),
            MessageBody::GetConfigReply(c) | MessageBody::SetConfig(c) => c.buffer_len(),
            MessageBody::PacketIn(p) => p.buffer_len(),
            MessageBody::FlowRemoved(f) => f.buffer_len(),
            MessageBody::PortStatus(p) => p.buffer_len(),
            MessageBody::PacketOut(p) => p.buffer_len(),
            MessageBody::FlowMod(f) => f.buffer_len(),
            MessageBody::MultipartRequest(m) => m.buffer_len(),
            MessageBody::MultipartReply(m) => m.buffer_len(),
            MessageBody::Unknown { body, .. } => body.len(),
        }
    }

    fn emit(&self, buf: &mut Vec<u8>) {
        match self {
            MessageBody::Hello(h) => h.emit(buf),
            MessageBody::Error(e) => e.emit(buf),
            MessageBody::EchoRequest(d) | MessageBody::EchoReply(d) => buf.extend_from_slice(d),
            MessageBody::FeaturesRequest
            | MessageBody::GetConfigRequest
            | MessageBody::BarrierRequest
            | MessageBody::BarrierReply => {}
            MessageBody::FeaturesReply(f) => f.emit(buf),
            MessageBody::GetConfigReply(c) | MessageBody::SetConfig(c) => c.emit(buf),
            MessageBody::PacketIn(p) => p.emit(buf),
            MessageBody::FlowRemoved(f) => f.emit(buf),
            MessageBody::PortStatus(p) => p.emit(buf),
            MessageBody::PacketOut(p) => p.emit(buf),
            MessageBody::FlowMod(f) => f.emit(buf),
            MessageBody::MultipartRequest(m) => m.emit(buf),
            MessageBody::MultipartReply(m) => m.emit(buf),
            MessageBody::Unknown { body, .. } => buf.extend_from_slice(body),
        }
    }

    fn parse(ty: u8, body: &[u8]) -> Result<MessageBody, DecodeError> {
        use msg_type as t;
        let empty = |what, b: MessageBody| Reader::new(body, what).finish().map(|()| b);
        Ok(match ty {
            t::HELLO => MessageBody::Hello(Hello::parse(body)?),
            t::ERROR => MessageBody::Error(ErrorMsg::parse(body)?),
            t::ECHO_REQUEST => MessageBody::EchoRequest(body.to_vec()),
            t::ECHO_REPLY => MessageBody::EchoReply(body.to_vec()),
            t::FEATURES_REQUEST => empty("features_request", MessageBody::FeaturesRequest)?,
            t::FEATURES_REPLY => MessageBody::FeaturesReply(FeaturesReply::parse(body)?),
            t::GET_CONFIG_REQUEST => empty("get_config_request", MessageBody::GetConfigRequest)?,
            t::GET_CONFIG_REPLY => MessageBody::GetConfigReply(SwitchConfig::parse(body)?),
            t::SET_CONFIG => MessageBody::SetConfig(SwitchConfig::parse(body)?),
            t::PACKET_IN => MessageBody::PacketIn(PacketIn::parse(body)?),
            t::FLOW_REMOVED => MessageBody::FlowRemoved(FlowRemoved::parse(body)?),
            t::PORT_STATUS => MessageBody::PortStatus(PortStatus::parse(body)?),
            t::PACKET_OUT => MessageBody::PacketOut(PacketOut::parse(body)?),
            t::FLOW_MOD => MessageBody::FlowMod(FlowMod::parse(body)?),
            t::MULTIPART_REQUEST => MessageBody::MultipartRequest(MultipartRequest::parse(body)?),
            t::MULTIPART_REPLY => MessageBody::MultipartReply(MultipartReply::parse(body)?),
            t::BARRIER_REQUEST => empty("barrier_request", MessageBody::BarrierRequest)?,
            t::BARRIER_REPLY => empty("barrier_reply", MessageBody::BarrierReply)?,
            _ => MessageBody::Unknown {
                msg_type: ty,
                body: body.to_vec(),
            },
        })
    }
}

impl Message {
    /// A message with this xid and body.
    pub fn new(xid: u32, body: MessageBody) -> Message {
        Message { xid, body }
    }

    /// The `ofp_type` code.
    pub fn msg_type(&self) -> u8 {
        self.body.msg_type()
    }

    /// Encoded size in bytes, header included (the header's length field).
    pub fn encoded_len(&self) -> usize {
        OFP_HEADER_LEN + self.body.buffer_len()
    }

    /// Appends the message to `buf`, or fails (leaving `buf` as it was) if it would exceed
    /// 65535 bytes.
    pub fn try_encode(&self, buf: &mut Vec<u8>) -> Result<(), EncodeError> {
        let len = self.encoded_len();
        let length = u16::try_from(len).map_err(|_| EncodeError::TooLong(len))?;
        let start = buf.len();
        buf.reserve(len);
        Header {
            version: OFP_VERSION,
            msg_type: self.msg_type(),
            length,
            xid: self.xid,
        }
        .emit(buf);
        self.body.emit(buf);
        debug_assert_eq!(buf.len() - start, len, "encoded_len agrees with emit");
        Ok(())
    }

    /// Appends the message to `buf`.
    ///
    /// # Panics
    ///
    /// If the message is longer than 65535 bytes (a PACKET_IN/OUT with a huge frame); use
    /// [`Message::try_encode`] where that can happen.
    pub fn encode(&self, buf: &mut Vec<u8>) {
        if let Err(e) = self.try_encode(buf) {
            panic!("Message::encode: {e}");
        }
    }

    /// The encoded message as a new vector (see [`Message::encode`] for the panic).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.encoded_len());
        self.encode(&mut v);
        v
    }

    /// Decodes the first message of `bytes`; returns it and the bytes it used, so a stream of
    /// several messages is read by calling this again on the rest.
    ///
    /// [`DecodeError::Incomplete`] means the stream holds only part of the next message; every
    /// other error means the message is malformed (its header is still readable with
    /// [`Header::parse`], and its length tells how far to skip).
    pub fn decode(bytes: &[u8]) -> Result<(Message, usize), DecodeError> {
        let header = Header::parse(bytes)?;
        let len = usize::from(header.length);
        if len > bytes.len() {
            return Err(DecodeError::Incomplete {
                needed: len,
                available: bytes.len(),
            });
        }
        if header.version != OFP_VERSION {
            return Err(DecodeError::BadVersion(header.version));
        }
        let body = MessageBody::parse(header.msg_type, &bytes[OFP_HEADER_LEN..len])?;
        Ok((
            Message {
                xid: header.xid,
                body,
            },
            len,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;
    use crate::wire::{PacketOut, strategies};
    use proptest::prelude::*;

    fn exact(h: &str, msg: Message, source: &str) {
        let bytes = hex(h);
        assert_eq!(
            Message::decode(&bytes),
            Ok((msg.clone(), bytes.len())),
            "{source} decodes"
        );
        assert_eq!(msg.encoded_len(), bytes.len(), "{source} encoded_len");
        assert_eq!(msg.to_bytes(), bytes, "{source} encodes byte for byte");
    }

    /// loxigen `test_data/of13/echo_request.data` and `echo_reply.data` (payload "abc"), both
    /// ways.
    #[test]
    fn loxigen_echo_is_byte_exact() {
        let xid = 0x1234_5678;
        exact(
            "04 02 00 0b 12 34 56 78 61 62 63",
            Message::new(xid, MessageBody::EchoRequest(b"abc".to_vec())),
            "echo_request.data",
        );
        exact(
            "04 03 00 0b 12 34 56 78 61 62 63",
            Message::new(xid, MessageBody::EchoReply(b"abc".to_vec())),
            "echo_reply.data",
        );
    }

    /// Hand-built from §7.3.8 (loxigen has no OF 1.3 barrier vector): BARRIER_REQUEST and
    /// BARRIER_REPLY are bare 8-byte headers of type 20 and 21.
    #[test]
    fn spec_barrier_is_byte_exact() {
        exact(
            "04 14 00 08 00 00 00 2a",
            Message::new(42, MessageBody::BarrierRequest),
            "barrier_request",
        );
        exact(
            "04 15 00 08 00 00 00 2a",
            Message::new(42, MessageBody::BarrierReply),
            "barrier_reply",
        );
    }

    /// A GROUP_MOD (type 15, not modelled) decodes to `Unknown` with its body, and re-encodes.
    #[test]
    fn unmodelled_types_are_unknown() {
        exact(
            "04 0f 00 0c 00 00 00 01 de ad be ef",
            Message::new(
                1,
                MessageBody::Unknown {
                    msg_type: msg_type::GROUP_MOD,
                    body: vec![0xde, 0xad, 0xbe, 0xef],
                },
            ),
            "group_mod stand-in",
        );
    }

    /// Three messages back to back decode one after another with the right consumed lengths;
    /// a cut-off fourth is `Incomplete` with the length it needs.
    #[test]
    fn stream_of_messages_decodes_in_order() {
        let msgs = [
            Message::new(1, MessageBody::Hello(crate::wire::Hello::v13())),
            Message::new(2, MessageBody::FeaturesRequest),
            Message::new(3, MessageBody::EchoRequest(vec![1, 2, 3])),
        ];
        let mut stream = Vec::new();
        for m in &msgs {
            m.encode(&mut stream);
        }
        stream.extend_from_slice(&[4, 2, 0, 20, 0, 0]);
        let mut rest = &stream[..];
        for m in &msgs {
            let (got, used) = Message::decode(rest).expect("complete message");
            assert_eq!(&got, m, "message in stream order");
            rest = &rest[used..];
        }
        assert_eq!(
            Message::decode(rest),
            Err(DecodeError::Incomplete {
                needed: 8,
                available: 6
            }),
            "partial header"
        );
        assert_eq!(
            Message::decode(&[4, 2, 0, 20, 0, 0, 0, 0, 9]),
            Err(DecodeError::Incomplete {
                needed: 20,
                available: 9
            }),
            "partial body"
        );
    }

    /// Version 0x01 is refused; a bare header with extra bytes is refused; a header-only
    /// message with length < 8 is refused.
    #[test]
    fn bad_framing_is_an_error() {
        assert_eq!(
            Message::decode(&hex("01 00 00 08 00 00 00 01")),
            Err(DecodeError::BadVersion(1)),
            "OpenFlow 1.0 hello"
        );
        assert!(
            matches!(
                Message::decode(&hex("04 14 00 0c 00 00 00 01 00 00 00 00")),
                Err(DecodeError::TrailingBytes { extra: 4, .. })
            ),
            "barrier with a body"
        );
        assert!(
            matches!(
                Message::decode(&hex("04 14 00 04 00 00 00 01")),
                Err(DecodeError::BadLength { .. })
            ),
            "length 4"
        );
    }

    /// A PACKET_OUT whose frame pushes it past 65535 bytes is an `EncodeError`, and the
    /// buffer is left untouched.
    #[test]
    fn oversized_messages_do_not_encode() {
        let msg = Message::new(
            1,
            MessageBody::PacketOut(PacketOut {
                buffer_id: crate::wire::OFP_NO_BUFFER,
                in_port: crate::wire::OFPP_CONTROLLER,
                actions: vec![],
                data: vec![0; 65_520],
            }),
        );
        let mut buf = vec![7];
        assert_eq!(
            msg.try_encode(&mut buf),
            Err(EncodeError::TooLong(65_544)),
            "too long"
        );
        assert_eq!(buf, [7], "buffer untouched");
    }

    proptest! {
        /// Every generated message encodes with a correct header length and decodes back to
        /// itself, consuming exactly its bytes, even when followed by another message.
        #[test]
        fn messages_round_trip(msg in strategies::message(), next in strategies::message()) {
            let mut out = Vec::new();
            msg.encode(&mut out);
            prop_assert_eq!(out.len(), msg.encoded_len(), "encoded_len");
            prop_assert_eq!(usize::from(u16::from_be_bytes([out[2], out[3]])), out.len(), "length field");
            let len = out.len();
            next.encode(&mut out);
            prop_assert_eq!(Message::decode(&out), Ok((msg, len)), "first message");
            prop_assert_eq!(Message::decode(&out[len..]), Ok((next, out.len() - len)), "second message");
        }

        /// Arbitrary bytes, with a plausible header or without, decode to Ok or Err, never a
        /// panic; an Ok never claims more bytes than it was given.
        #[test]
        fn arbitrary_bytes_never_panic(
            ty in 0u8..32,
            body in proptest::collection::vec(any::<u8>(), 0..300),
            raw in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let mut bytes = vec![4, ty];
            bytes.extend_from_slice(&((body.len() + 8) as u16).to_be_bytes());
            bytes.extend_from_slice(&[0, 0, 0, 1]);
            bytes.extend_from_slice(&body);
            for input in [&bytes[..], &raw[..]] {
                if let Ok((_, used)) = Message::decode(input) {
                    prop_assert!(used <= input.len(), "consumed within input");
                }
            }
        }

        /// Every truncation and every single-byte change of a valid encoding decodes to Ok or
        /// Err without panicking; a truncation is never Ok with the original length.
        #[test]
        fn mutations_never_panic(msg in strategies::message(), pos: prop::sample::Index, byte: u8) {
            let bytes = msg.to_bytes();
            for cut in 0..bytes.len() {
                let r = Message::decode(&bytes[..cut]);
                prop_assert!(r.is_err(), "a truncated message cannot decode");
            }
            let mut mutated = bytes.clone();
            let i = pos.index(mutated.len());
            mutated[i] = byte;
            if let Ok((_, used)) = Message::decode(&mutated) {
                prop_assert!(used <= mutated.len(), "consumed within input");
            }
            // A changed length field with the body intact is also handled.
            let mut relen = bytes;
            let fake = (u16::from(byte) * 4).max(8);
            relen[2..4].copy_from_slice(&fake.to_be_bytes());
            let _ = Message::decode(&relen);
        }
    }
}
