//! Feeds a sequence of messages with advancing time into one Reassembler: it must never
//! panic, never hold more than its limits allow, and free everything once time passes
//! T(reass).
//!
//! Input layout: repeated [time step (1 octet, in 100 ms), length (1 octet), message].
#![no_main]

use std::time::Duration;

use callctl_sccp::{Message, ReassemblyConfig, Reassembler, Received};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let config = ReassemblyConfig {
        max_concurrent: 4,
        max_data_len: 1000,
        ..ReassemblyConfig::default()
    };
    let mut reassembler = Reassembler::new(config.clone());
    let mut now = Duration::ZERO;
    let mut rest = data;
    while let [step, len, tail @ ..] = rest {
        let len = usize::from(*len).min(tail.len());
        let (octets, next) = tail.split_at(len);
        rest = next;
        now += Duration::from_millis(u64::from(*step) * 100);
        let _ = reassembler.expire(now);
        if let Ok(msg) = Message::decode(octets) {
            if let Received::Unitdata(u) = reassembler.receive(now, msg) {
                assert!(u.data.len() <= config.max_data_len.max(255));
            }
        }
        assert!(reassembler.in_progress() <= config.max_concurrent);
    }
    let _ = reassembler.expire(now + config.reassembly_timer);
    assert_eq!(reassembler.in_progress(), 0);
});
