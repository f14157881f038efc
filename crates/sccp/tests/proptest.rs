//! Property tests: round trips of random valid messages, no panics on truncated or random
//! input, and segmentation + reassembly with reordering, duplicates and expiry on injected
//! time.

mod common;

use std::time::Duration;

use callctl_sccp::*;
use common::*;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn round_trip(m in message("0123456789abcdef")) {
        let octets = m.to_bytes().unwrap();
        prop_assert_eq!(Message::decode(&octets).unwrap(), m);
    }

    #[test]
    fn truncation_never_panics(m in message("0123456789")) {
        let octets = m.to_bytes().unwrap();
        for n in 0..octets.len() {
            // Shorter messages may still decode when a parameter's end is not checked by
            // a later one (the optional part has no length); they must not panic.
            let _ = Message::decode(&octets[..n]);
        }
    }

    #[test]
    fn random_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Err(e) = Message::decode(&b) {
            let _ = (e.return_cause(), e.answer(), e.to_string());
        }
    }

    #[test]
    fn random_bytes_with_valid_type_never_panic(
        t in prop_oneof![Just(0x09u8), Just(0x0a), Just(0x11), Just(0x12)],
        b in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut octets = vec![t];
        octets.extend(b);
        if let Ok(m) = Message::decode(&octets) {
            // Whatever decodes encodes again (spare bits and parameter order normalised)
            // and reads back the same.
            if let Ok(again) = m.to_bytes() {
                prop_assert_eq!(Message::decode(&again).unwrap(), m);
            }
        }
    }

    #[test]
    fn segmentation_round_trip(
        len in 1usize..=3000,
        called in address("0123456789"),
        calling in address("0123456789"),
        class1 in any::<bool>(),
        reference in 0u32..0x0100_0000,
    ) {
        let data: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
        let mut request = UnitdataRequest::new(called, calling, data.clone());
        request.protocol_class =
            ProtocolClass::new(if class1 { Class::Class1 } else { Class::Class0 }, true);
        let messages = match request.messages(reference) {
            Ok(m) => m,
            // Long addresses can leave too little room for 16 segments.
            Err(EncodeError::TooManySegments { max, .. }) => {
                prop_assert!(max < len);
                return Ok(());
            }
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        };
        prop_assert!(messages.len() <= MAX_SEGMENTS);
        let mut reassembler = Reassembler::new(ReassemblyConfig::default());
        let mut got = None;
        for m in messages {
            let octets = m.to_bytes().unwrap();
            prop_assert!(octets.len() <= MTP_MAX_MESSAGE_LEN);
            match reassembler.receive(Duration::ZERO, Message::decode(&octets).unwrap()) {
                Received::Unitdata(u) => got = Some(u),
                Received::Pending => {}
                other => return Err(TestCaseError::fail(format!("{other:?}"))),
            }
        }
        let u = got.expect("complete");
        prop_assert_eq!(u.data, data);
        prop_assert_eq!(u.protocol_class, request.protocol_class);
        prop_assert_eq!(reassembler.in_progress(), 0);
    }

    #[test]
    fn duplicates_are_ignored(len in 600usize..=3000, dup_at in 0usize..16) {
        let messages = request(len).messages(42).unwrap();
        let dup_at = dup_at % messages.len();
        let mut reassembler = Reassembler::new(ReassemblyConfig::default());
        let mut got = None;
        for (i, m) in messages.iter().enumerate() {
            match reassembler.receive(Duration::ZERO, m.clone()) {
                Received::Unitdata(u) => got = Some(u),
                Received::Pending => {}
                other => return Err(TestCaseError::fail(format!("{other:?}"))),
            }
            if i == dup_at && i + 1 < messages.len() {
                prop_assert_eq!(reassembler.receive(Duration::ZERO, m.clone()), Received::Duplicate);
            }
        }
        prop_assert_eq!(got.expect("complete").data.len(), len);
    }

    #[test]
    fn out_of_order_fails_with_segmentation_failure(len in 600usize..=3000, swap in 0usize..16) {
        let mut messages = request(len).messages(7).unwrap();
        let swap = swap % (messages.len() - 1);
        messages.swap(swap, swap + 1);
        let mut reassembler = Reassembler::new(ReassemblyConfig::default());
        let mut failure = None;
        for m in messages {
            match reassembler.receive(Duration::ZERO, m) {
                Received::Failed(f) => { failure.get_or_insert(f); }
                Received::Pending => {}
                other => return Err(TestCaseError::fail(format!("{other:?}"))),
            }
        }
        let f = failure.expect("a failure");
        prop_assert_eq!(f.cause, ReturnCause::SegmentationFailure);
        if swap == 0 {
            // A later segment came first: no first segment to return.
            prop_assert!(f.answer.is_none());
        } else {
            // The first segment is returned in an XUDTS to the calling address.
            let a = f.answer.expect("answer");
            prop_assert_eq!(a.message_type(), MessageType::Xudts);
            prop_assert_eq!(a.called(), &request(1).calling);
        }
        prop_assert_eq!(reassembler.in_progress(), 0);
    }

    #[test]
    fn expiry_with_injected_time(len in 600usize..=3000, start_ms in 0u64..1_000_000, held in 1usize..16) {
        let messages = request(len).messages(9).unwrap();
        let held = held % messages.len();
        let held = held.max(1);
        let start = Duration::from_millis(start_ms);
        let config = ReassemblyConfig::default();
        let mut reassembler = Reassembler::new(config.clone());
        for m in &messages[..held] {
            prop_assert_eq!(reassembler.receive(start, m.clone()), Received::Pending);
        }
        let deadline = start + config.reassembly_timer;
        prop_assert_eq!(reassembler.next_deadline(), Some(deadline));
        prop_assert!(reassembler.expire(deadline - Duration::from_millis(1)).is_empty());
        let failures = reassembler.expire(deadline);
        prop_assert_eq!(failures.len(), 1);
        prop_assert_eq!(failures[0].cause, ReturnCause::SegmentationFailure);
        prop_assert!(failures[0].answer.is_some());
        prop_assert_eq!(reassembler.next_deadline(), None);
        // The rest arrives too late: no reassembly to join.
        if let Some(m) = messages.get(held) {
            let r = reassembler.receive(deadline, m.clone());
            let orphan = matches!(r, Received::Failed(ReassemblyFailure { answer: None, .. }));
            prop_assert!(orphan, "unexpected {:?}", r);
        }
    }
}

fn request(len: usize) -> UnitdataRequest {
    let mut r = UnitdataRequest::new(
        Address::gt4(0, 1, 4, "6421000001").unwrap().with_ssn(146),
        Address::gt4(0, 1, 4, "6421000099").unwrap().with_ssn(146),
        (0..len).map(|i| i as u8).collect(),
    );
    r.protocol_class = ProtocolClass::new(Class::Class0, true);
    r
}

#[test]
fn concurrency_limit() {
    let config = ReassemblyConfig {
        max_concurrent: 2,
        ..ReassemblyConfig::default()
    };
    let mut reassembler = Reassembler::new(config);
    for reference in 0..2 {
        let first = request(600).messages(reference).unwrap().remove(0);
        assert_eq!(
            reassembler.receive(Duration::ZERO, first),
            Received::Pending
        );
    }
    let first = request(600).messages(2).unwrap().remove(0);
    match reassembler.receive(Duration::ZERO, first) {
        Received::Failed(f) => {
            assert_eq!(f.cause, ReturnCause::ErrorInLocalProcessing);
            assert_eq!(
                f.answer.unwrap().return_cause(),
                Some(ReturnCause::ErrorInLocalProcessing)
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(reassembler.in_progress(), 2);
}

#[test]
fn size_limit() {
    let config = ReassemblyConfig {
        max_data_len: 500,
        ..ReassemblyConfig::default()
    };
    let mut reassembler = Reassembler::new(config);
    let mut failed = false;
    for m in request(900).messages(1).unwrap() {
        if let Received::Failed(f) = reassembler.receive(Duration::ZERO, m) {
            assert_eq!(f.cause, ReturnCause::ErrorInLocalProcessing);
            failed = true;
            break;
        }
    }
    assert!(failed);
    assert_eq!(reassembler.in_progress(), 0);
}

/// An operator's absurd reassembly timer saturates instead of overflowing the clock.
#[test]
fn huge_reassembly_timer_does_not_overflow() {
    let config = ReassemblyConfig {
        reassembly_timer: Duration::MAX,
        ..ReassemblyConfig::default()
    };
    let mut reassembler = Reassembler::new(config);
    let first = request(600).messages(1).unwrap().remove(0);
    assert_eq!(
        reassembler.receive(Duration::from_secs(5), first),
        Received::Pending
    );
    assert_eq!(reassembler.next_deadline(), Some(Duration::MAX));
}
