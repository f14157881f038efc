//! Property tests: encode/decode round trips, and no input (random, truncated, bit-flipped)
//! makes the decoder panic.

mod common;
use callctl_tcap::*;
use common::*;
use proptest::prelude::*;

fn tid() -> impl Strategy<Value = TransactionId> {
    prop::collection::vec(any::<u8>(), 1..=4).prop_map(|b| TransactionId::new(&b).unwrap())
}

fn param() -> impl Strategy<Value = Parameter> {
    (
        prop::sample::select(vec![0x04u8, 0x02, 0x30, 0x80, 0xa0, 0x0a]),
        prop::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(tag, body)| {
            let body = if tag & 0x20 != 0 {
                // Constructed: wrap the bytes in one OCTET STRING so the element is valid.
                let mut b = vec![0x04, body.len() as u8];
                b.extend_from_slice(&body);
                b
            } else if tag == 0x02 || tag == 0x0a {
                vec![body.first().copied().unwrap_or(0)]
            } else {
                body
            };
            let mut e = vec![tag, body.len() as u8];
            e.extend_from_slice(&body);
            Parameter::from_ber(e).unwrap()
        })
}

fn code() -> impl Strategy<Value = Code> {
    prop_oneof![
        any::<i64>().prop_map(Code::Local),
        prop::collection::vec(0u32..100_000, 0..5).prop_map(|mut arcs| {
            arcs.insert(0, 1);
            arcs.insert(1, 3);
            Code::Global(Oid::new(&arcs).unwrap())
        }),
    ]
}

fn component() -> impl Strategy<Value = Component> {
    prop_oneof![
        (
            any::<i8>(),
            any::<Option<i8>>(),
            code(),
            prop::option::of(param())
        )
            .prop_map(
                |(invoke_id, linked_id, opcode, parameter)| Component::Invoke(Invoke {
                    invoke_id,
                    linked_id,
                    opcode,
                    parameter
                })
            ),
        (
            any::<i8>(),
            any::<bool>(),
            prop::option::of((code(), param()))
        )
            .prop_map(
                |(invoke_id, last, result)| Component::ReturnResult(ReturnResult {
                    invoke_id,
                    last,
                    result
                })
            ),
        (any::<i8>(), code(), prop::option::of(param())).prop_map(
            |(invoke_id, error_code, parameter)| Component::ReturnError(ReturnError {
                invoke_id,
                error_code,
                parameter
            })
        ),
        (any::<Option<i8>>(), 0i64..3).prop_map(|(id, p)| Component::reject(
            id,
            Problem::General(GeneralProblem::from_code(p).unwrap())
        )),
        (any::<Option<i8>>(), 0i64..8).prop_map(|(id, p)| Component::reject(
            id,
            Problem::Invoke(InvokeProblem::from_code(p).unwrap())
        )),
    ]
}

fn dialogue() -> impl Strategy<Value = Dialogue> {
    prop_oneof![
        Just(Dialogue::aarq(cap())),
        Just(Dialogue::aare_accepted(inap())),
        Just(Dialogue::aare_rejected(
            generic(),
            SourceDiagnostic::Provider(ProviderDiagnostic::NoCommonDialoguePortion)
        )),
        Just(Dialogue::abrt(AbortSource::User)),
        param().prop_map(|p| Dialogue::Aarq(Aarq {
            version1: true,
            application_context: cap(),
            user_information: vec![External::single(generic(), p)],
        })),
    ]
}

fn message() -> impl Strategy<Value = Message> {
    let comps = || prop::collection::vec(component(), 0..4);
    prop_oneof![
        (tid(), prop::option::of(dialogue()), comps())
            .prop_map(|(o, d, c)| Message::begin(o, d, c)),
        (tid(), tid(), prop::option::of(dialogue()), comps())
            .prop_map(|(o, t, d, c)| Message::continue_(o, t, d, c)),
        (tid(), prop::option::of(dialogue()), comps()).prop_map(|(t, d, c)| Message::end(t, d, c)),
        (tid(), 0i64..5).prop_map(|(t, c)| Message::p_abort(t, PAbortCause::from_code(c).unwrap())),
        tid().prop_map(|t| Message::u_abort(t, Some(Dialogue::abrt(AbortSource::Provider)))),
        prop::collection::vec(component(), 1..4)
            .prop_map(|c| Message::unidirectional(Some(Dialogue::audt(generic())), c)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn round_trip(m in message()) {
        let bytes = m.encode();
        prop_assert_eq!(decode(&bytes).unwrap(), m);
    }

    #[test]
    fn truncation_never_panics(m in message()) {
        let bytes = m.encode();
        for len in 0..bytes.len() {
            prop_assert!(decode(&bytes[..len]).is_err());
        }
    }

    #[test]
    fn mutation_never_panics(m in message(), flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
        let mut bytes = m.encode();
        for (at, v) in flips {
            let i = at % bytes.len();
            bytes[i] = v;
        }
        let _ = decode(&bytes);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode(&bytes);
    }
}

#[test]
fn truncated_vectors_never_panic() {
    for v in vectors() {
        for len in 0..v.bytes.len() {
            let _ = decode(&v.bytes[..len]);
        }
    }
}
