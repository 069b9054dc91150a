//! HELLO (§7.5.1): version negotiation; the body is a list of hello elements.
//!
//! ```text
//! element: type u16 | length u16 (no padding) | body | zero pad to 8
//! ```
//!
//! §7.5.1 pads every element to a multiple of 8 ("followed by exactly (length + 7)/8*8 −
//! length bytes of all-zero bytes"); this codec does too. (loxigen's
//! `test_data/of13/hello.data` packs two 12-byte elements without padding, so it is not used as
//! a vector.)

use super::{DecodeError, OFP_VERSION, Reader, pad8, put_zeros};

const OFPHET_VERSIONBITMAP: u16 = 1;

/// One hello element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HelloElem {
    /// `OFPHET_VERSIONBITMAP`: bit n of the bitmaps set = version n supported (bit 4 of the
    /// first word = OpenFlow 1.3).
    VersionBitmap(Vec<u32>),
    /// Any other element, body verbatim.
    Unknown {
        /// Element type.
        elem_type: u16,
        /// Body after type and length (without padding).
        body: Vec<u8>,
    },
}

impl HelloElem {
    fn unpadded_len(&self) -> usize {
        4 + match self {
            HelloElem::VersionBitmap(b) => 4 * b.len(),
            HelloElem::Unknown { body, .. } => body.len(),
        }
    }
}

/// `ofp_hello`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hello {
    /// Elements; empty for a bare 8-byte HELLO.
    pub elements: Vec<HelloElem>,
}

impl Hello {
    /// The HELLO a 1.3-only endpoint sends: one version bitmap with only bit 4 set (as OVS
    /// sends it).
    pub fn v13() -> Hello {
        Hello {
            elements: vec![HelloElem::VersionBitmap(vec![1 << OFP_VERSION])],
        }
    }

    /// Body length (after the 8-byte header).
    pub fn buffer_len(&self) -> usize {
        self.elements
            .iter()
            .map(|e| e.unpadded_len().next_multiple_of(8))
            .sum()
    }

    /// Appends the body.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        for e in &self.elements {
            let len = e.unpadded_len();
            let ty = match e {
                HelloElem::VersionBitmap(_) => OFPHET_VERSIONBITMAP,
                HelloElem::Unknown { elem_type, .. } => *elem_type,
            };
            buf.extend_from_slice(&ty.to_be_bytes());
            // At most 65535: Message::try_encode bounds the whole message first.
            buf.extend_from_slice(&(len as u16).to_be_bytes());
            match e {
                HelloElem::VersionBitmap(b) => {
                    for w in b {
                        buf.extend_from_slice(&w.to_be_bytes());
                    }
                }
                HelloElem::Unknown { body, .. } => buf.extend_from_slice(body),
            }
            put_zeros(buf, pad8(len));
        }
    }

    /// Parses a body (the message after its header).
    pub fn parse(body: &[u8]) -> Result<Hello, DecodeError> {
        let mut r = Reader::new(body, "hello element");
        let mut elements = Vec::new();
        while r.remaining() > 0 {
            let ty = r.u16()?;
            let len = usize::from(r.u16()?);
            if len < 4 {
                return Err(DecodeError::BadLength {
                    what: "hello element",
                    length: len,
                    reason: "shorter than its 4-byte header",
                });
            }
            let elem_body = r.take(len - 4)?;
            r.skip(pad8(len))?;
            elements.push(if ty == OFPHET_VERSIONBITMAP {
                if !elem_body.len().is_multiple_of(4) {
                    return Err(DecodeError::BadLength {
                        what: "hello version bitmap",
                        length: len,
                        reason: "bitmaps are whole 32-bit words",
                    });
                }
                HelloElem::VersionBitmap(
                    elem_body
                        .chunks_exact(4)
                        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                        .collect(),
                )
            } else {
                HelloElem::Unknown {
                    elem_type: ty,
                    body: elem_body.to_vec(),
                }
            });
        }
        Ok(Hello { elements })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;
    use crate::wire::{Message, MessageBody};

    /// Hand-built from §7.5.1 (loxigen's OF 1.3 hello omits element padding, see the module
    /// doc): the 16-byte HELLO Open vSwitch sends for 1.3 only — one version bitmap 0x00000010.
    /// Also the bare 8-byte HELLO. Both ways, byte exact.
    #[test]
    fn spec_hellos_are_byte_exact() {
        let cases = [
            (
                "04 00 00 10 00 00 00 01 00 01 00 08 00 00 00 10",
                Hello::v13(),
            ),
            ("04 00 00 08 00 00 00 01", Hello::default()),
        ];
        for (h, hello) in cases {
            let bytes = hex(h);
            let msg = Message {
                xid: 1,
                body: MessageBody::Hello(hello),
            };
            assert_eq!(
                Message::decode(&bytes),
                Ok((msg.clone(), bytes.len())),
                "decodes {h}"
            );
            let mut out = Vec::new();
            msg.encode(&mut out);
            assert_eq!(out, bytes, "encodes {h}");
        }
    }

    /// A 12-byte element (two bitmaps, loxigen `hello_elem_versionbitmap.data`'s body) is
    /// padded to 16 on the wire; decoding it back gives the same bitmaps.
    #[test]
    fn odd_elements_are_padded() {
        let hello = Hello {
            elements: vec![HelloElem::VersionBitmap(vec![0x0123_4567, 0x89ab_cdef])],
        };
        let mut out = Vec::new();
        hello.emit(&mut out);
        assert_eq!(
            out,
            hex("00 01 00 0c 01 23 45 67 89 ab cd ef 00 00 00 00"),
            "element of length 12 plus 4 pad bytes"
        );
        assert_eq!(Hello::parse(&out), Ok(hello), "round trip");
    }

    /// Elements shorter than 4 bytes, overrunning the body, or with a partial bitmap word are
    /// errors.
    #[test]
    fn malformed_hellos_are_errors() {
        for (h, why) in [
            ("00 01 00 02 00 00 00 00", "length 2"),
            ("00 01 00 10 00 00 00 10", "length past the end"),
            ("00 01 00 06 00 10 00 00", "half a bitmap word"),
        ] {
            assert!(Hello::parse(&hex(h)).is_err(), "{why} must be rejected");
        }
    }
}
