//! Stream framing must never panic, must never report consuming more bytes
//! than it was given, and must give the same answer when the input arrives
//! in two pieces.
#![no_main]

use callctl_sip_message::{parse_stream, parse_stream_framed, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_message_bytes: 4096, max_headers: 64 };
    let mut rest = data;
    // Drain the buffer message by message, as a connection reader would.
    while let Ok(Some((result, used))) = parse_stream_framed(rest, &limits) {
        assert!(used > 0 && used <= rest.len());
        if let Ok(msg) = result {
            // A complete message is found the same way in a prefix that
            // ends exactly where it does.
            let (again, n) = parse_stream(&rest[..used], &limits).unwrap().unwrap();
            assert_eq!(n, used);
            assert_eq!(again, msg);
        }
        rest = &rest[used..];
    }
});
