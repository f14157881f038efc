//! Datagram parsing must never panic, and whatever parses must print to
//! bytes that parse again to the same message (after Content-Length
//! normalisation, which the printer always recomputes).
#![no_main]

use callctl_sip_message::{parse_datagram, HeaderName, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    if let Ok(msg) = parse_datagram(data, &limits) {
        let printed = msg.to_bytes();
        let again = parse_datagram(&printed, &limits).expect("printed message must parse");
        let mut expected = msg.clone();
        let n = expected.body().len();
        expected.headers_mut().remove(&HeaderName::ContentLength);
        expected.headers_mut().push(HeaderName::ContentLength, n.to_string());
        assert_eq!(again, expected);
        // Typed accessors must not panic either.
        let _ = (msg.call_id(), msg.cseq(), msg.top_via());
    }
});
