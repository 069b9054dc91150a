//! The OpenFlow 1.3 decoder (`openflow::Message::decode`): any bytes decode to a message or an
//! error, never a panic; a decoded message uses no more bytes than it was given, and re-encoded
//! it decodes to the same message, using exactly its encoded length (round trip).
#![no_main]

use libfuzzer_sys::fuzz_target;
use openflow::Message;

fuzz_target!(|data: &[u8]| {
    // Decode the input as a stream, message after message, as the control channel does.
    let mut rest = data;
    while let Ok((msg, used)) = Message::decode(rest) {
        assert!(
            used >= 8 && used <= rest.len(),
            "used {used} of {}",
            rest.len()
        );
        let mut bytes = Vec::new();
        msg.try_encode(&mut bytes)
            .expect("a decoded message fits the 16-bit length it came in");
        assert_eq!(
            bytes.len(),
            msg.encoded_len(),
            "encoded_len agrees with encode"
        );
        assert_eq!(
            Message::decode(&bytes),
            Ok((msg, bytes.len())),
            "a decoded message re-encodes to bytes that decode to it"
        );
        rest = &rest[used..];
    }
});
