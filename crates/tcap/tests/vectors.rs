//! Hex vectors (tests/vectors/tcap.txt, each checked with tshark) decode to the expected
//! messages and, for definite-length vectors, encode back to the same bytes.

mod common;
use callctl_tcap::*;
use common::*;

#[test]
fn every_vector_decodes_to_its_message() {
    let vectors = vectors();
    assert!(vectors.len() >= 20);
    for v in &vectors {
        let want = expected(&v.name).unwrap_or_else(|| panic!("no expectation for {}", v.name));
        let got = decode(&v.bytes).unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(got, want, "{}", v.name);
        if !is_indefinite(&v.name) {
            assert_eq!(hex(&want.encode()), hex(&v.bytes), "{} encoding", v.name);
        }
    }
}

#[test]
fn indefinite_parameter_is_kept_raw_and_reencoded_definite() {
    let v = vectors()
        .into_iter()
        .find(|v| v.name == "indefinite_begin_cap_initialdp")
        .unwrap();
    let m = decode(&v.bytes).unwrap();
    let param = m.components()[0].parameter().unwrap();
    assert_eq!(
        param.as_bytes(),
        &[0x30, 0x80, 0x80, 0x01, 0x01, 0x00, 0x00]
    );
    assert_eq!(param.contents(), &[0x80, 0x01, 0x01]);
    // Re-encoded: definite everywhere, equal to the definite vector.
    let definite = vectors()
        .into_iter()
        .find(|v| v.name == "begin_cap_initialdp")
        .unwrap();
    assert_eq!(hex(&m.encode()), hex(&definite.bytes));
}

#[test]
fn accessors_for_the_call_engine() {
    let v = vectors()
        .into_iter()
        .find(|v| v.name == "continue_cap_aare_rrbe_continue")
        .unwrap();
    let m = decode(&v.bytes).unwrap();
    assert_eq!(m.message_type(), MessageType::Continue);
    assert_eq!(m.otid(), Some(t(0x11223344)));
    assert_eq!(m.dtid(), Some(t(0x01020304)));
    assert_eq!(
        m.application_context().unwrap().to_string(),
        "0.4.0.0.1.0.50.1"
    );
    let Component::Invoke(inv) = &m.components()[0] else {
        panic!()
    };
    assert_eq!(inv.opcode, Code::Local(23));
    assert_eq!(inv.parameter.as_ref().unwrap().as_bytes(), RRBE);
    assert_eq!(inv.parameter.as_ref().unwrap().tag().number, 16);
}

fn begin_with_components(components: &[u8]) -> Vec<u8> {
    let mut body = vec![0x48, 0x01, 0x77, 0x6c, components.len() as u8];
    body.extend_from_slice(components);
    let mut out = vec![0x62, body.len() as u8];
    out.extend_from_slice(&body);
    out
}

#[test]
fn transaction_portion_errors_give_p_abort_causes_and_ids() {
    // Unknown message type [APPLICATION 3] carrying an otid.
    let e = decode(&[0x63, 0x03, 0x48, 0x01, 0x05]).unwrap_err();
    assert!(matches!(
        e,
        DecodeError::Transaction {
            cause: PAbortCause::UnrecognizedMessageType,
            ..
        }
    ));
    assert_eq!(e.otid(), TransactionId::new(&[5]));
    assert_eq!(
        e.peer_answer(),
        Some(Message::p_abort(
            TransactionId::new(&[5]).unwrap(),
            PAbortCause::UnrecognizedMessageType
        ))
    );
    // Begin whose length runs past the end: badly formatted, otid still found.
    let e = decode(&[0x62, 0x20, 0x48, 0x02, 0x01, 0x02, 0x6c]).unwrap_err();
    assert!(matches!(
        e,
        DecodeError::Transaction {
            cause: PAbortCause::BadlyFormattedTransactionPortion,
            message_type: Some(MessageType::Begin),
            ..
        }
    ));
    assert_eq!(e.otid(), TransactionId::new(&[1, 2]));
    // Begin without otid: incorrect transaction portion, nobody to answer.
    let e = decode(&[0x62, 0x02, 0x6c, 0x00]).unwrap_err();
    assert!(matches!(
        e,
        DecodeError::Transaction {
            cause: PAbortCause::IncorrectTransactionPortion,
            ..
        }
    ));
    assert_eq!(e.peer_answer(), None);
    // Continue carrying a 5-octet otid.
    let e = decode(&[0x65, 0x0a, 0x48, 0x05, 1, 2, 3, 4, 5, 0x49, 0x01, 0x09]).unwrap_err();
    assert!(matches!(
        e,
        DecodeError::Transaction {
            cause: PAbortCause::BadlyFormattedTransactionPortion,
            ..
        }
    ));
    assert_eq!(e.dtid(), TransactionId::new(&[9]));
    // Continue with the dtid missing.
    let e = decode(&[0x65, 0x03, 0x48, 0x01, 0x01]).unwrap_err();
    assert!(matches!(
        e,
        DecodeError::Transaction {
            cause: PAbortCause::IncorrectTransactionPortion,
            ..
        }
    ));
}

#[test]
fn dialogue_portion_errors_abort_the_dialogue() {
    // Begin with a dialogue portion whose EXTERNAL is garbage.
    let e = decode(&[0x62, 0x07, 0x48, 0x01, 0x05, 0x6b, 0x02, 0x04, 0x00]).unwrap_err();
    assert!(matches!(e, DecodeError::Dialogue { .. }));
    assert_eq!(
        e.peer_answer(),
        Some(Message::u_abort(
            TransactionId::new(&[5]).unwrap(),
            Some(Dialogue::abrt(AbortSource::Provider))
        ))
    );
}

#[test]
fn component_errors_give_reject_problems() {
    let cases: &[(&[u8], GeneralProblem, Option<i8>)] = &[
        // [5] is no component type.
        (
            &[0xa5, 0x03, 0x02, 0x01, 0x04],
            GeneralProblem::UnrecognizedComponent,
            Some(4),
        ),
        // Invoke without an opcode.
        (
            &[0xa1, 0x03, 0x02, 0x01, 0x04],
            GeneralProblem::MistypedComponent,
            Some(4),
        ),
        // Invoke with a BOOLEAN where the opcode goes.
        (
            &[0xa1, 0x06, 0x02, 0x01, 0x04, 0x01, 0x01, 0xff],
            GeneralProblem::MistypedComponent,
            Some(4),
        ),
        // Invoke whose inner element lengths overrun the component.
        (
            &[0xa1, 0x04, 0x02, 0x01, 0x04, 0x02],
            GeneralProblem::BadlyStructuredComponent,
            Some(4),
        ),
        // Reject with an undefined problem code.
        (
            &[0xa4, 0x06, 0x02, 0x01, 0x04, 0x80, 0x01, 0x09],
            GeneralProblem::MistypedComponent,
            Some(4),
        ),
    ];
    for (bytes, problem, iid) in cases {
        let good = [0xa1, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00];
        let mut comps = good.to_vec();
        comps.extend_from_slice(bytes);
        let e = decode(&begin_with_components(&comps)).unwrap_err();
        match e {
            DecodeError::Component {
                message,
                index,
                invoke_id,
                problem: got,
                ..
            } => {
                assert_eq!(got, *problem, "{bytes:02x?}");
                assert_eq!(invoke_id, *iid, "{bytes:02x?}");
                assert_eq!(index, 1);
                assert_eq!(message.components().len(), 1);
                assert_eq!(message.otid(), TransactionId::new(&[0x77]));
            }
            other => panic!("{bytes:02x?}: {other:?}"),
        }
    }
    // A component element that runs past the component portion: badly structured.
    let e = decode(&begin_with_components(&[0xa1, 0x09, 0x02, 0x01, 0x07])).unwrap_err();
    assert!(matches!(
        e,
        DecodeError::Component {
            problem: GeneralProblem::BadlyStructuredComponent,
            invoke_id: Some(7),
            ..
        }
    ));
}
