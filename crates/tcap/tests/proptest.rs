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

/// One step of a random endpoint run.
#[derive(Debug, Clone)]
enum Step {
    /// A message from the peer; `to` readdresses a Continue/End/Abort to the n-th local id;
    /// `flips` then damage the encoding.
    Receive {
        message: Message,
        to: Option<u32>,
        flips: Vec<(usize, u8)>,
    },
    /// Time advances by this many milliseconds.
    Wait(u32),
    /// A user request on the dialogue with local id n.
    Invoke(u32, u8, u16),
    Continue(u32),
    End(u32, bool),
    Abort(u32, u8),
    New,
    Begin(u32),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (message(), prop::option::of(1u32..5), prop::collection::vec((any::<usize>(), any::<u8>()), 0..2))
            .prop_map(|(message, to, flips)| Step::Receive { message, to, flips }),
        2 => (0u32..20_000).prop_map(Step::Wait),
        2 => (1u32..5, 0u8..4, 0u16..15_000).prop_map(|(d, c, t)| Step::Invoke(d, c, t)),
        1 => (1u32..5).prop_map(Step::Continue),
        1 => (1u32..5, any::<bool>()).prop_map(|(d, p)| Step::End(d, p)),
        1 => (1u32..5, 0u8..3).prop_map(|(d, r)| Step::Abort(d, r)),
        1 => Just(Step::New),
        1 => (1u32..5).prop_map(Step::Begin),
    ]
}

fn readdress(message: Message, to: TransactionId) -> Message {
    match message {
        Message::Continue {
            otid,
            dialogue,
            components,
            ..
        } => Message::continue_(otid, to, dialogue, components),
        Message::End {
            dialogue,
            components,
            ..
        } => Message::end(to, dialogue, components),
        Message::Abort { reason, .. } => Message::Abort { dtid: to, reason },
        other => other,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random peer messages (some damaged, some addressed to live dialogues), user requests
    /// and time never make the endpoint panic; what it sends decodes to what it says it sent;
    /// the dialogue limit holds; no timer is left in the past after a poll.
    #[test]
    fn endpoint_survives_random_runs(steps in prop::collection::vec(step(), 1..40)) {
        let mut ep: TcapEndpoint<u8> = TcapEndpoint::new(EndpointConfig {
            id_space: IdSpace::unsharded(),
            max_dialogues: 3,
        });
        let mut now = std::time::Duration::from_secs(1);
        let id = |n: u32| DialogueId::from_transaction_id(&TransactionId::from_u32(n)).unwrap();
        for step in steps {
            match step {
                Step::Receive { message, to, flips } => {
                    let message = match to {
                        Some(n) => readdress(message, TransactionId::from_u32(n)),
                        None => message,
                    };
                    let mut bytes = message.encode();
                    for (at, v) in flips {
                        let i = at % bytes.len();
                        bytes[i] = v;
                    }
                    ep.receive(now, 1, &bytes);
                }
                Step::Wait(ms) => {
                    now += std::time::Duration::from_millis(u64::from(ms));
                    ep.poll(now);
                    prop_assert!(ep.next_deadline().is_none_or(|d| d > now));
                }
                Step::Invoke(d, class, timeout) => {
                    let class = [
                        OperationClass::Class1,
                        OperationClass::Class2,
                        OperationClass::Class3,
                        OperationClass::Class4,
                    ][usize::from(class)];
                    let request = InvokeRequest::local(
                        23,
                        None,
                        class,
                        std::time::Duration::from_millis(u64::from(timeout)),
                    );
                    let _ = ep.invoke(id(d), request);
                }
                Step::Continue(d) => {
                    let _ = ep.continue_(now, id(d), DialogueRequest::default());
                }
                Step::End(d, prearranged) => {
                    let termination = if prearranged {
                        Termination::Prearranged
                    } else {
                        Termination::Basic
                    };
                    let _ = ep.end(now, id(d), termination, DialogueRequest::default());
                }
                Step::Abort(d, reason) => {
                    let reason = match reason {
                        0 => UserAbortReason::ApplicationContextNotSupported { alternative: None },
                        1 => UserAbortReason::DialogueRefused,
                        _ => UserAbortReason::UserSpecific,
                    };
                    let request = UserAbortRequest { reason, user_information: vec![] };
                    let _ = ep.user_abort(now, id(d), request);
                }
                Step::New => {
                    let _ = ep.new_dialogue(2);
                }
                Step::Begin(d) => {
                    let request = DialogueRequest { application_context: Some(cap()), user_information: vec![] };
                    let _ = ep.begin(now, id(d), request);
                }
            }
            prop_assert!(ep.dialogue_count() <= 3);
            while let Some(action) = ep.poll_action() {
                if let Action::Send(t) = action {
                    prop_assert_eq!(decode(&t.bytes).unwrap(), t.message);
                }
            }
        }
    }
}
