//! Decodes arbitrary bytes as a TCAP message; a decoded message must re-encode and decode to
//! the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = callctl_tcap::decode(data) {
        let again = callctl_tcap::decode(&message.encode()).expect("re-encoded message decodes");
        assert_eq!(again, message);
    }
});
