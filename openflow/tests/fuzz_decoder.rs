//! Fuzz tests of the OpenFlow 1.3 decoder, short enough for every `cargo test` (issue 14,
//! "Fuzzing in the tree"); the long run is the cargo-fuzz target `openflow_decode` under `fuzz/`
//! (docs/fuzzing.md), whose seed corpus [`seed_corpus_is_current`] keeps in step with the codec.
//!
//! The oracle, for any bytes: decoding them as a stream (message after message, as the control
//! channel does) never panics; every decoded message claims at least a header and no more bytes
//! than are there; re-encoded, it decodes to the same message, using exactly its encoded length.

use std::path::PathBuf;

use openflow::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};

mod common;

use common::conversation;

/// Every message of [`conversation`], plus GET_CONFIG, a bare and an unknown-element HELLO, and
/// messages of types the codec does not model.
fn seeds() -> Vec<Message> {
    let mut v: Vec<Message> = conversation().into_iter().map(|(_, m)| m).collect();
    v.push(Message::new(14, MessageBody::GetConfigRequest));
    v.push(Message::new(
        14,
        MessageBody::GetConfigReply(SwitchConfig {
            flags: 2,
            miss_send_len: OFPCML_NO_BUFFER,
        }),
    ));
    v.push(Message::new(
        15,
        MessageBody::Hello(Hello { elements: vec![] }),
    ));
    v.push(Message::new(
        16,
        MessageBody::Hello(Hello {
            elements: vec![
                HelloElem::Unknown {
                    elem_type: 7,
                    body: vec![1, 2, 3],
                },
                HelloElem::VersionBitmap(vec![0x12, 0]),
            ],
        }),
    ));
    // GROUP_MOD and an experimenter message: not modelled, kept verbatim.
    v.push(Message::new(
        17,
        MessageBody::Unknown {
            msg_type: 15,
            body: vec![0, 0, 1, 0, 0, 0, 0, 1],
        },
    ));
    v.push(Message::new(
        18,
        MessageBody::Unknown {
            msg_type: 4,
            body: vec![0, 0, 0x23, 0x20, 0, 0, 0, 1, 0xde, 0xad],
        },
    ));
    v.push(Message::new(
        19,
        MessageBody::MultipartRequest(MultipartRequest {
            flags: OFPMPF_MORE,
            body: MultipartRequestBody::Unknown {
                mp_type: 0xffff,
                body: vec![0; 8],
            },
        }),
    ));
    v
}

/// The oracle (see the file's doc) on one byte string.
fn decode_stream_sound(bytes: &[u8]) -> Result<usize, TestCaseError> {
    let mut rest = bytes;
    let mut decoded = 0;
    while let Ok((msg, used)) = Message::decode(rest) {
        prop_assert!(
            (OFP_HEADER_LEN..=rest.len()).contains(&used),
            "used {} of {} bytes",
            used,
            rest.len()
        );
        let mut again = Vec::new();
        msg.try_encode(&mut again)
            .map_err(|e| TestCaseError::fail(format!("a decoded message does not encode: {e}")))?;
        prop_assert_eq!(
            again.len(),
            msg.encoded_len(),
            "encoded_len agrees with encode"
        );
        let len = again.len();
        prop_assert_eq!(
            Message::decode(&again),
            Ok((msg, len)),
            "a decoded message re-encodes to bytes that decode to it; input {:02x?}",
            &rest[..used]
        );
        rest = &rest[used..];
        decoded += 1;
    }
    Ok(decoded)
}

/// One edit of an encoded message.
#[derive(Debug, Clone)]
enum Edit {
    /// Set a byte.
    Set(prop::sample::Index, u8),
    /// Flip one bit.
    Flip(prop::sample::Index, u8),
    /// Write a 16-bit value (a length or type field, most often) at a position.
    U16(prop::sample::Index, u16),
    /// Insert bytes.
    Insert(prop::sample::Index, Vec<u8>),
    /// Remove up to 16 bytes.
    Remove(prop::sample::Index, usize),
    /// Cut the input short.
    Truncate(prop::sample::Index),
}

/// 16-bit values at the edges of every length check: 0, just under and over a header or an
/// 8-byte boundary, the largest.
fn interesting_u16() -> impl Strategy<Value = u16> {
    prop_oneof![
        prop::sample::select(vec![
            0u16, 1, 3, 4, 7, 8, 9, 15, 16, 17, 24, 0x7fff, 0x8000, 0xfffe, 0xffff
        ]),
        any::<u16>(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    use prop::sample::Index;
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        (any::<Index>(), 0u8..8).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<Index>(), interesting_u16()).prop_map(|(i, v)| Edit::U16(i, v)),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..12))
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<Index>(), 1usize..16).prop_map(|(i, n)| Edit::Remove(i, n)),
        any::<Index>().prop_map(Edit::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, e: &Edit) {
    if bytes.is_empty() {
        return;
    }
    match e {
        Edit::Set(i, b) => {
            let i = i.index(bytes.len());
            bytes[i] = *b;
        }
        Edit::Flip(i, bit) => {
            let i = i.index(bytes.len());
            bytes[i] ^= 1 << bit;
        }
        Edit::U16(i, v) => {
            let i = i.index(bytes.len()).min(bytes.len().saturating_sub(2));
            let n = bytes.len().min(i + 2) - i;
            bytes[i..i + n].copy_from_slice(&v.to_be_bytes()[..n]);
        }
        Edit::Insert(i, b) => {
            let i = i.index(bytes.len() + 1);
            bytes.splice(i..i, b.iter().copied());
        }
        Edit::Remove(i, n) => {
            let i = i.index(bytes.len());
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
        Edit::Truncate(i) => bytes.truncate(i.index(bytes.len() + 1)),
    }
}

/// After an edit the header's length field often no longer matches; half the time, fix it so
/// that the body parsers (not only the framing) see the edited bytes.
fn fix_length(bytes: &mut [u8]) {
    if bytes.len() >= OFP_HEADER_LEN && bytes.len() <= 0xffff {
        let len = bytes.len() as u16;
        bytes[2..4].copy_from_slice(&len.to_be_bytes());
    }
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(10_000))]

    /// Seed messages, one or two back to back, with one to four edits (bytes set or flipped,
    /// length and type fields overwritten with edge values, bytes inserted or removed, the input
    /// cut short), with the header length fixed up or not: the oracle holds.
    #[test]
    fn mutated_messages_decode_soundly(
        first in any::<prop::sample::Index>(),
        second in prop::option::of(any::<prop::sample::Index>()),
        edits in prop::collection::vec(edit(), 1..5),
        fix in any::<bool>(),
    ) {
        let seeds = seeds();
        let mut bytes = seeds[first.index(seeds.len())].to_bytes();
        for e in &edits {
            apply(&mut bytes, e);
        }
        if fix {
            fix_length(&mut bytes);
        }
        if let Some(s) = second {
            bytes.extend(seeds[s.index(seeds.len())].to_bytes());
        }
        decode_stream_sound(&bytes)?;
    }

    /// Random bytes, most behind a well-formed version-4 header of a random type whose length
    /// covers them: the oracle holds.
    #[test]
    fn random_bytes_decode_soundly(
        ty in 0u8..40,
        body in prop::collection::vec(any::<u8>(), 0..400),
        headed in any::<bool>(),
    ) {
        let bytes = if headed {
            let mut b = vec![OFP_VERSION, ty];
            b.extend(((body.len() + OFP_HEADER_LEN) as u16).to_be_bytes());
            b.extend([0, 0, 0, 1]);
            b.extend(&body);
            b
        } else {
            body
        };
        decode_stream_sound(&bytes)?;
    }
}

/// The oracle can fail: every seed decodes (so the mutation tests start from messages that
/// reach the body parsers), and a stream of all of them decodes to all of them.
#[test]
fn seeds_decode_and_round_trip() {
    let seeds = seeds();
    let stream: Vec<u8> = seeds.iter().flat_map(Message::to_bytes).collect();
    let decoded = decode_stream_sound(&stream).expect("the oracle holds on valid messages");
    assert_eq!(decoded, seeds.len(), "every seed decodes from the stream");
}

/// Where the cargo-fuzz target `openflow_decode` keeps its seed corpus.
fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/openflow_decode")
}

/// The checked-in seed corpus is exactly the encodings of [`seeds`], so that a codec change
/// cannot leave the fuzzer starting from stale bytes. `NETSIM_WRITE_FUZZ_CORPUS=1` rewrites it.
#[test]
fn seed_corpus_is_current() {
    let dir = corpus_dir();
    let write = std::env::var_os("NETSIM_WRITE_FUZZ_CORPUS").is_some();
    if write {
        std::fs::create_dir_all(&dir).expect("create the corpus directory");
    }
    for (i, m) in seeds().iter().enumerate() {
        let path = dir.join(format!("seed-{i:02}-type{}", m.msg_type()));
        if write {
            std::fs::write(&path, m.to_bytes()).expect("write a seed");
        }
        let on_disk = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; rerun with NETSIM_WRITE_FUZZ_CORPUS=1",
                path.display()
            )
        });
        assert_eq!(
            on_disk,
            m.to_bytes(),
            "{} is seed {i}; rerun with NETSIM_WRITE_FUZZ_CORPUS=1",
            path.display()
        );
    }
}

// ---- regressions: inputs the fuzzers found, each with its fix ----

/// Found by `mutated_messages_decode_soundly`: a PORT_STATUS whose port name has invalid UTF-8
/// (`80 01 80 01 01 "s1-eth1"`). Each invalid byte used to decode to U+FFFD (three bytes), so
/// the re-encoded name overran its 15 bytes, was cut, and decoded to another name. Now each
/// invalid byte is one `?` and the message round-trips.
#[test]
fn regression_port_name_with_invalid_utf8_round_trips() {
    let input: [u8; 80] = [
        0x04, 0x0c, 0x00, 0x50, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x80, 0x01, 0x80, 0x01, 0x01, 0x73, 0x31, 0x2d, 0x65, 0x74, 0x68, 0x31, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x0f, 0x42,
    ];
    let (msg, _) = Message::decode(&input).expect("a PORT_STATUS");
    let MessageBody::PortStatus(ps) = &msg.body else {
        panic!("decodes as PORT_STATUS: {msg:?}");
    };
    assert_eq!(
        ps.desc.name, "?\u{1}?\u{1}\u{1}s1-eth1",
        "one `?` per invalid byte"
    );
    decode_stream_sound(&input).expect("round-trips");
}

/// Found with the above: a name of 16 bytes without a NUL decoded to 16 bytes, which `emit`
/// cuts to 15; the decoder now keeps the 15 that encode. And a name whose 15th byte is inside a
/// multi-byte character is cut before that character, not inside it.
#[test]
fn regression_port_names_at_the_length_limit_round_trip() {
    for name in [
        "sixteen-byte-nam",
        "fourteen-bytes",
        "abcdefghijklmné",
        "é".repeat(8).as_str(),
    ] {
        let msg = Message::new(
            1,
            MessageBody::PortStatus(PortStatus {
                reason: PortReason::Add,
                desc: Port {
                    name: name.to_string(),
                    ..Port::default()
                },
            }),
        );
        let mut bytes = msg.to_bytes();
        // The name field is at body offset 8 + 16: write the 16 bytes raw, without a NUL.
        if name == "sixteen-byte-nam" {
            bytes[8 + 8 + 16..8 + 8 + 32].copy_from_slice(name.as_bytes());
        }
        let (decoded, _) = Message::decode(&bytes).expect("decodes");
        let MessageBody::PortStatus(ps) = &decoded.body else {
            panic!("decodes as PORT_STATUS: {decoded:?}");
        };
        assert!(
            ps.desc.name.len() <= 15 && name.starts_with(&ps.desc.name),
            "`{name}` decodes to a prefix of at most 15 bytes: `{}`",
            ps.desc.name
        );
        assert!(
            !ps.desc.name.contains('?'),
            "a cut never splits a character: `{}`",
            ps.desc.name
        );
        decode_stream_sound(&bytes).expect("round-trips");
    }
}
