//! Decoding must never panic; whatever decodes must encode, and the encoding must decode
//! to the same message (spare bits and parameter order are normalised by the first pass).
//! Error answers must be buildable without panicking.
#![no_main]

use callctl_sccp::Message;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match Message::decode(data) {
        Ok(msg) => {
            if let Ok(octets) = msg.to_bytes() {
                let again = Message::decode(&octets).expect("encoded message must decode");
                assert_eq!(again, msg);
            }
            let _ = msg.returned(callctl_sccp::ReturnCause::Unqualified);
        }
        Err(e) => {
            let _ = (e.return_cause(), e.answer(), e.to_string());
        }
    }
});
