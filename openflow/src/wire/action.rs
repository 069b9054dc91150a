//! Actions (§7.2.5): `ofp_action_header` TLVs, each a multiple of 8 bytes long.
//!
//! ```text
//! +--------+--------+------------------------------+
//! | type   | length | body (length - 4 bytes)      |
//! +--------+--------+------------------------------+
//! ```
//!
//! An empty action list means DROP.

use super::oxm::Oxm;
use super::{DecodeError, OFPCML_MAX, OFPCML_NO_BUFFER, OFPP_CONTROLLER, Reader, check_tlv_len};
use super::{pad8, put_zeros};

/// `OFPAT_OUTPUT`
pub const OFPAT_OUTPUT: u16 = 0;
/// `OFPAT_PUSH_VLAN`
pub const OFPAT_PUSH_VLAN: u16 = 17;
/// `OFPAT_POP_VLAN`
pub const OFPAT_POP_VLAN: u16 = 18;
/// `OFPAT_SET_QUEUE`
pub const OFPAT_SET_QUEUE: u16 = 21;
/// `OFPAT_GROUP`
pub const OFPAT_GROUP: u16 = 22;
/// `OFPAT_DEC_NW_TTL`
pub const OFPAT_DEC_NW_TTL: u16 = 24;
/// `OFPAT_SET_FIELD`
pub const OFPAT_SET_FIELD: u16 = 25;

/// One action.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// `OFPAT_OUTPUT` (16 bytes): send out of `port` (a port number or one of the `OFPP_*`
    /// reserved ports); `max_len` is the number of bytes sent to the controller when `port` is
    /// [`OFPP_CONTROLLER`] ([`OFPCML_NO_BUFFER`] = the whole frame, unbuffered).
    Output {
        /// Output port.
        port: u32,
        /// Bytes of the frame to send to the controller.
        max_len: u16,
    },
    /// `OFPAT_SET_FIELD`: rewrite a header field; the OXM carries no mask.
    SetField(Oxm),
    /// `OFPAT_PUSH_VLAN` (8 bytes): push a new outermost tag with this ethertype (0x8100 or
    /// 0x88a8).
    PushVlan {
        /// TPID of the pushed tag.
        ethertype: u16,
    },
    /// `OFPAT_POP_VLAN` (8 bytes): pop the outermost VLAN tag.
    PopVlan,
    /// `OFPAT_DEC_NW_TTL` (8 bytes): decrement the IP TTL.
    DecNwTtl,
    /// `OFPAT_SET_QUEUE` (8 bytes): the output queue for subsequent OUTPUTs.
    SetQueue {
        /// Queue id.
        queue_id: u32,
    },
    /// `OFPAT_GROUP` (8 bytes): process the packet through a group.
    Group {
        /// Group id.
        group_id: u32,
    },
    /// Any other action type, body kept verbatim (zero-padded to 8 on encode).
    Unknown {
        /// `ofp_action_type` value.
        action_type: u16,
        /// The bytes after type and length.
        body: Vec<u8>,
    },
}

impl Action {
    /// OUTPUT to `port` with `max_len` = `OFPCML_MAX`, as Ryu's `OFPActionOutput(port)`.
    pub fn output(port: u32) -> Action {
        Action::Output {
            port,
            max_len: OFPCML_MAX,
        }
    }

    /// OUTPUT to the controller with the whole frame and no buffering, as `simple_switch_13`
    /// installs in its table-miss entry.
    pub fn to_controller() -> Action {
        Action::Output {
            port: OFPP_CONTROLLER,
            max_len: OFPCML_NO_BUFFER,
        }
    }

    /// The `ofp_action_type` value.
    pub fn action_type(&self) -> u16 {
        match self {
            Action::Output { .. } => OFPAT_OUTPUT,
            Action::SetField(_) => OFPAT_SET_FIELD,
            Action::PushVlan { .. } => OFPAT_PUSH_VLAN,
            Action::PopVlan => OFPAT_POP_VLAN,
            Action::DecNwTtl => OFPAT_DEC_NW_TTL,
            Action::SetQueue { .. } => OFPAT_SET_QUEUE,
            Action::Group { .. } => OFPAT_GROUP,
            Action::Unknown { action_type, .. } => *action_type,
        }
    }

    /// Encoded size in bytes (a multiple of 8).
    pub fn buffer_len(&self) -> usize {
        match self {
            Action::Output { .. } => 16,
            Action::SetField(oxm) => (4 + oxm.buffer_len()).next_multiple_of(8),
            Action::Unknown { body, .. } => (4 + body.len()).next_multiple_of(8),
            _ => 8,
        }
    }

    /// Appends the action.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        let len = self.buffer_len();
        let start = buf.len();
        buf.extend_from_slice(&self.action_type().to_be_bytes());
        // At most 65535: Message::try_encode bounds the whole message first.
        buf.extend_from_slice(&(len as u16).to_be_bytes());
        match self {
            Action::Output { port, max_len } => {
                buf.extend_from_slice(&port.to_be_bytes());
                buf.extend_from_slice(&max_len.to_be_bytes());
            }
            Action::SetField(oxm) => oxm.emit(buf),
            Action::PushVlan { ethertype } => buf.extend_from_slice(&ethertype.to_be_bytes()),
            Action::PopVlan | Action::DecNwTtl => {}
            Action::SetQueue { queue_id: id } | Action::Group { group_id: id } => {
                buf.extend_from_slice(&id.to_be_bytes())
            }
            Action::Unknown { body, .. } => buf.extend_from_slice(body),
        }
        let written = buf.len() - start;
        put_zeros(buf, len - written);
    }

    /// Parses one action from the start of `bytes`; returns it and its length.
    pub fn parse(bytes: &[u8]) -> Result<(Action, usize), DecodeError> {
        let mut r = Reader::new(bytes, "action");
        let ty = r.u16()?;
        let len = usize::from(r.u16()?);
        check_tlv_len("action", len, 8, bytes.len())?;
        let mut body = Reader::new(&bytes[4..len], "action body");
        let fixed = |want: usize| {
            if len == want {
                Ok(())
            } else {
                Err(DecodeError::BadLength {
                    what: "action",
                    length: len,
                    reason: "wrong length for the action type",
                })
            }
        };
        let action = match ty {
            OFPAT_OUTPUT => {
                fixed(16)?;
                let port = body.u32()?;
                let max_len = body.u16()?;
                Action::Output { port, max_len }
            }
            OFPAT_SET_FIELD => {
                let tlv = body.rest();
                let (oxm, used) = Oxm::parse(tlv)?;
                // The padding must be the minimum that reaches a multiple of 8 (§7.2.5).
                if len != (4 + used).next_multiple_of(8) {
                    return Err(DecodeError::BadLength {
                        what: "set_field action",
                        length: len,
                        reason: "must be the OXM TLV padded to the next multiple of 8",
                    });
                }
                debug_assert_eq!(pad8(4 + used), len - 4 - used);
                Action::SetField(oxm)
            }
            OFPAT_PUSH_VLAN => {
                fixed(8)?;
                Action::PushVlan {
                    ethertype: body.u16()?,
                }
            }
            OFPAT_POP_VLAN => fixed(8).map(|()| Action::PopVlan)?,
            OFPAT_DEC_NW_TTL => fixed(8).map(|()| Action::DecNwTtl)?,
            OFPAT_SET_QUEUE => {
                fixed(8)?;
                Action::SetQueue {
                    queue_id: body.u32()?,
                }
            }
            OFPAT_GROUP => {
                fixed(8)?;
                Action::Group {
                    group_id: body.u32()?,
                }
            }
            _ => Action::Unknown {
                action_type: ty,
                body: body.rest().to_vec(),
            },
        };
        Ok((action, len))
    }

    /// Encoded size of an action list.
    pub fn list_len(actions: &[Action]) -> usize {
        actions.iter().map(Action::buffer_len).sum()
    }

    /// Appends an action list.
    pub fn emit_list(actions: &[Action], buf: &mut Vec<u8>) {
        for a in actions {
            a.emit(buf);
        }
    }

    /// Parses a list of actions that fills `bytes` exactly.
    pub fn parse_list(mut bytes: &[u8]) -> Result<Vec<Action>, DecodeError> {
        let mut out = Vec::new();
        while !bytes.is_empty() {
            let (a, used) = Action::parse(bytes)?;
            out.push(a);
            bytes = &bytes[used..];
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::oxm::Masked;
    use crate::wire::test_util::hex;
    use proptest::prelude::*;

    fn exact(bytes: &[u8], expected: Action) {
        let (a, used) = Action::parse(bytes).expect("valid action");
        assert_eq!(a, expected, "decoded action");
        assert_eq!(used, bytes.len(), "consumed length");
        let mut out = Vec::new();
        a.emit(&mut out);
        assert_eq!(out, bytes, "re-encoded action");
    }

    /// loxigen `test_data/of13/action_output.data`: output(port=50, max_len=65535).
    #[test]
    fn loxigen_action_output() {
        exact(
            &hex("00 00 00 10 00 00 00 32 ff ff 00 00 00 00 00 00"),
            Action::Output {
                port: 50,
                max_len: 0xffff,
            },
        );
    }

    /// loxigen `test_data/of13/action_set_field__eth_dst.data`: set_field(eth_dst) is 4 + 10
    /// bytes padded to 16.
    #[test]
    fn loxigen_set_field_eth_dst() {
        exact(
            &hex("00 19 00 10 80 00 06 06 00 01 02 03 04 05 00 00"),
            Action::SetField(Oxm::EthDst([0, 1, 2, 3, 4, 5].into())),
        );
    }

    /// loxigen `test_data/of13/action_set_field__tcp_src.data`: set_field(tcp_src=50).
    #[test]
    fn loxigen_set_field_tcp_src() {
        exact(
            &hex("00 19 00 10 80 00 1a 02 00 32 00 00 00 00 00 00"),
            Action::SetField(Oxm::TcpSrc(50)),
        );
    }

    /// Hand-built from §7.2.5 (loxigen has no OF 1.3 vectors for these): push_vlan(0x8100),
    /// pop_vlan, set_field(vlan_vid = PRESENT|10) and set_field(ipv4_dst) padded to 16.
    #[test]
    fn spec_vlan_and_ipv4_actions() {
        exact(
            &hex("00 11 00 08 81 00 00 00"),
            Action::PushVlan { ethertype: 0x8100 },
        );
        exact(&hex("00 12 00 08 00 00 00 00"), Action::PopVlan);
        exact(
            &hex("00 19 00 10 80 00 0c 02 10 0a 00 00 00 00 00 00"),
            Action::SetField(Oxm::VlanVid(Masked::exact(0x100a))),
        );
        exact(
            &hex("00 19 00 10 80 00 18 04 0a 00 00 07 00 00 00 00"),
            Action::SetField(Oxm::Ipv4Dst(std::net::Ipv4Addr::new(10, 0, 0, 7).into())),
        );
    }

    /// Lengths that are not a multiple of 8, too short, past the end, or wrong for the type
    /// are errors; an unknown type is kept.
    #[test]
    fn malformed_actions_are_errors() {
        let cases = [
            ("00 00 00 0c 00 00 00 01 ff ff 00 00", "length 12"),
            ("00 12 00 04", "length below 8"),
            ("00 12 00 10 00 00 00 00", "length past the end"),
            ("00 00 00 08 00 00 00 01", "output of length 8"),
            (
                "00 19 00 08 80 00 0a 02 08 00 00 00",
                "set_field OXM overruns",
            ),
            (
                "00 19 00 18 80 00 0a 02 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
                "set_field over-padded",
            ),
        ];
        for (h, why) in cases {
            assert!(Action::parse(&hex(h)).is_err(), "{why} must be rejected");
        }
        exact(
            &hex("00 0b 00 08 00 00 00 00"),
            Action::Unknown {
                action_type: 11,
                body: vec![0; 4],
            },
        );
    }

    proptest! {
        /// Every action list round-trips, and each action is a multiple of 8 bytes.
        #[test]
        fn action_lists_round_trip(actions in crate::wire::strategies::actions()) {
            let mut out = Vec::new();
            Action::emit_list(&actions, &mut out);
            prop_assert_eq!(out.len(), Action::list_len(&actions), "list_len");
            prop_assert!(out.len().is_multiple_of(8), "multiple of 8");
            prop_assert_eq!(Action::parse_list(&out), Ok(actions), "round trip");
        }
    }
}
