//! Instructions (§7.2.4): what a matching flow entry does with a packet.
//!
//! ```text
//! +--------+--------+-----------------------------------------------+
//! | type   | length | body: table_id+pad3 | pad4+actions | pad4+… |
//! +--------+--------+-----------------------------------------------+
//! ```

use super::action::Action;
use super::{DecodeError, Reader, check_tlv_len, put_zeros};

const OFPIT_GOTO_TABLE: u16 = 1;
const OFPIT_WRITE_METADATA: u16 = 2;
const OFPIT_WRITE_ACTIONS: u16 = 3;
const OFPIT_APPLY_ACTIONS: u16 = 4;
const OFPIT_CLEAR_ACTIONS: u16 = 5;
const OFPIT_METER: u16 = 6;

/// One instruction of a flow entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Instruction {
    /// `OFPIT_GOTO_TABLE` (8 bytes): continue in a later table.
    GotoTable {
        /// Next table.
        table_id: u8,
    },
    /// `OFPIT_WRITE_METADATA` (24 bytes): set the metadata bits selected by `mask`.
    WriteMetadata {
        /// Metadata value.
        metadata: u64,
        /// Bits of metadata to write.
        mask: u64,
    },
    /// `OFPIT_WRITE_ACTIONS`: merge actions into the action set.
    WriteActions(Vec<Action>),
    /// `OFPIT_APPLY_ACTIONS`: apply actions immediately, in order.
    ApplyActions(Vec<Action>),
    /// `OFPIT_CLEAR_ACTIONS` (8 bytes): empty the action set.
    ClearActions,
    /// `OFPIT_METER` (8 bytes): send the packet through a meter.
    Meter {
        /// Meter id.
        meter_id: u32,
    },
    /// Any other instruction (experimenter, …), body verbatim (zero-padded to 8 on encode).
    Unknown {
        /// `ofp_instruction_type` value.
        instruction_type: u16,
        /// The bytes after type and length.
        body: Vec<u8>,
    },
}

impl Instruction {
    /// `APPLY_ACTIONS` with these actions — the instruction Ryu apps use for forwarding.
    pub fn apply(actions: Vec<Action>) -> Instruction {
        Instruction::ApplyActions(actions)
    }

    fn instruction_type(&self) -> u16 {
        match self {
            Instruction::GotoTable { .. } => OFPIT_GOTO_TABLE,
            Instruction::WriteMetadata { .. } => OFPIT_WRITE_METADATA,
            Instruction::WriteActions(_) => OFPIT_WRITE_ACTIONS,
            Instruction::ApplyActions(_) => OFPIT_APPLY_ACTIONS,
            Instruction::ClearActions => OFPIT_CLEAR_ACTIONS,
            Instruction::Meter { .. } => OFPIT_METER,
            Instruction::Unknown {
                instruction_type, ..
            } => *instruction_type,
        }
    }

    /// Encoded size in bytes (a multiple of 8).
    pub fn buffer_len(&self) -> usize {
        match self {
            Instruction::WriteMetadata { .. } => 24,
            Instruction::WriteActions(a) | Instruction::ApplyActions(a) => 8 + Action::list_len(a),
            Instruction::Unknown { body, .. } => (4 + body.len()).next_multiple_of(8),
            _ => 8,
        }
    }

    /// Appends the instruction.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        let len = self.buffer_len();
        let start = buf.len();
        buf.extend_from_slice(&self.instruction_type().to_be_bytes());
        // At most 65535: Message::try_encode bounds the whole message first.
        buf.extend_from_slice(&(len as u16).to_be_bytes());
        match self {
            Instruction::GotoTable { table_id } => buf.push(*table_id),
            Instruction::WriteMetadata { metadata, mask } => {
                put_zeros(buf, 4);
                buf.extend_from_slice(&metadata.to_be_bytes());
                buf.extend_from_slice(&mask.to_be_bytes());
            }
            Instruction::WriteActions(a) | Instruction::ApplyActions(a) => {
                put_zeros(buf, 4);
                Action::emit_list(a, buf);
            }
            Instruction::ClearActions => {}
            Instruction::Meter { meter_id } => buf.extend_from_slice(&meter_id.to_be_bytes()),
            Instruction::Unknown { body, .. } => buf.extend_from_slice(body),
        }
        let written = buf.len() - start;
        put_zeros(buf, len - written);
    }

    /// Parses one instruction from the start of `bytes`; returns it and its length.
    pub fn parse(bytes: &[u8]) -> Result<(Instruction, usize), DecodeError> {
        let mut r = Reader::new(bytes, "instruction");
        let ty = r.u16()?;
        let len = usize::from(r.u16()?);
        check_tlv_len("instruction", len, 8, bytes.len())?;
        let mut body = Reader::new(&bytes[4..len], "instruction body");
        let fixed = |want: usize| {
            if len == want {
                Ok(())
            } else {
                Err(DecodeError::BadLength {
                    what: "instruction",
                    length: len,
                    reason: "wrong length for the instruction type",
                })
            }
        };
        let ins = match ty {
            OFPIT_GOTO_TABLE => {
                fixed(8)?;
                Instruction::GotoTable {
                    table_id: body.u8()?,
                }
            }
            OFPIT_WRITE_METADATA => {
                fixed(24)?;
                body.skip(4)?;
                Instruction::WriteMetadata {
                    metadata: body.u64()?,
                    mask: body.u64()?,
                }
            }
            OFPIT_WRITE_ACTIONS | OFPIT_APPLY_ACTIONS => {
                body.skip(4)?;
                let actions = Action::parse_list(body.rest())?;
                if ty == OFPIT_WRITE_ACTIONS {
                    Instruction::WriteActions(actions)
                } else {
                    Instruction::ApplyActions(actions)
                }
            }
            OFPIT_CLEAR_ACTIONS => fixed(8).map(|()| Instruction::ClearActions)?,
            OFPIT_METER => {
                fixed(8)?;
                Instruction::Meter {
                    meter_id: body.u32()?,
                }
            }
            _ => Instruction::Unknown {
                instruction_type: ty,
                body: body.rest().to_vec(),
            },
        };
        Ok((ins, len))
    }

    /// Encoded size of an instruction list.
    pub fn list_len(list: &[Instruction]) -> usize {
        list.iter().map(Instruction::buffer_len).sum()
    }

    /// Appends an instruction list.
    pub fn emit_list(list: &[Instruction], buf: &mut Vec<u8>) {
        for i in list {
            i.emit(buf);
        }
    }

    /// Parses a list of instructions that fills `bytes` exactly.
    pub fn parse_list(mut bytes: &[u8]) -> Result<Vec<Instruction>, DecodeError> {
        let mut out = Vec::new();
        while !bytes.is_empty() {
            let (i, used) = Instruction::parse(bytes)?;
            out.push(i);
            bytes = &bytes[used..];
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;
    use crate::wire::{OFPCML_NO_BUFFER, OFPP_CONTROLLER};
    use proptest::prelude::*;

    fn exact(bytes: &[u8], expected: Instruction) {
        let (i, used) = Instruction::parse(bytes).expect("valid instruction");
        assert_eq!(i, expected, "decoded instruction");
        assert_eq!(used, bytes.len(), "consumed length");
        let mut out = Vec::new();
        i.emit(&mut out);
        assert_eq!(out, bytes, "re-encoded instruction");
    }

    /// loxigen `test_data/of13/instruction_goto_table.data`: goto_table(5).
    #[test]
    fn loxigen_goto_table() {
        exact(
            &hex("00 01 00 08 05 00 00 00"),
            Instruction::GotoTable { table_id: 5 },
        );
    }

    /// Hand-built from §7.2.4 (no loxigen OF 1.3 vector): apply_actions([output CONTROLLER
    /// NO_BUFFER]) — Ryu's table-miss instruction, 8 + 16 bytes — write_actions([]) and
    /// clear_actions.
    #[test]
    fn spec_action_instructions() {
        exact(
            &hex("00 04 00 18 00 00 00 00  00 00 00 10 ff ff ff fd ff ff 00 00 00 00 00 00"),
            Instruction::ApplyActions(vec![Action::Output {
                port: OFPP_CONTROLLER,
                max_len: OFPCML_NO_BUFFER,
            }]),
        );
        exact(
            &hex("00 03 00 08 00 00 00 00"),
            Instruction::WriteActions(vec![]),
        );
        exact(&hex("00 05 00 08 00 00 00 00"), Instruction::ClearActions);
    }

    /// Bad lengths, and a bad action inside apply_actions, are errors.
    #[test]
    fn malformed_instructions_are_errors() {
        let cases = [
            (
                "00 01 00 10 05 00 00 00 00 00 00 00 00 00 00 00",
                "goto_table of length 16",
            ),
            (
                "00 04 00 0c 00 00 00 00 00 00 00 00",
                "length not a multiple of 8",
            ),
            (
                "00 04 00 10 00 00 00 00 00 12 00 04 00 00 00 00",
                "inner action length 4",
            ),
            ("00 05 00 10 00 00 00 00", "length past the end"),
        ];
        for (h, why) in cases {
            assert!(
                Instruction::parse(&hex(h)).is_err(),
                "{why} must be rejected"
            );
        }
    }

    proptest! {
        /// Every instruction list round-trips with the advertised length.
        #[test]
        fn instruction_lists_round_trip(list in crate::wire::strategies::instructions()) {
            let mut out = Vec::new();
            Instruction::emit_list(&list, &mut out);
            prop_assert_eq!(out.len(), Instruction::list_len(&list), "list_len");
            prop_assert_eq!(Instruction::parse_list(&out), Ok(list), "round trip");
        }
    }
}
