//! Properties of the CS-1 codec: random argument values round trip, no input makes a decoder
//! panic, and malformed components are sorted into the right TCAP Reject problem.

mod cs1_support;

use callctl_inap::cs1::*;
use callctl_inap::numbers::*;
use callctl_inap::RejectProblem;
use cs1_support::samples;
use proptest::prelude::*;
use rasn::types::OctetString;

fn octets(max: usize) -> impl Strategy<Value = OctetString> {
    proptest::collection::vec(any::<u8>(), 1..=max).prop_map(OctetString::from)
}

fn event_type() -> impl Strategy<Value = EventTypeBcsm> {
    proptest::sample::select(vec![
        EventTypeBcsm::OrigAttemptAuthorized,
        EventTypeBcsm::CollectedInfo,
        EventTypeBcsm::AnalysedInformation,
        EventTypeBcsm::RouteSelectFailure,
        EventTypeBcsm::OCalledPartyBusy,
        EventTypeBcsm::ONoAnswer,
        EventTypeBcsm::OAnswer,
        EventTypeBcsm::OMidCall,
        EventTypeBcsm::ODisconnect,
        EventTypeBcsm::OAbandon,
        EventTypeBcsm::TermAttemptAuthorized,
        EventTypeBcsm::TCalledPartyBusy,
        EventTypeBcsm::TNoAnswer,
        EventTypeBcsm::TAnswer,
        EventTypeBcsm::TMidCall,
        EventTypeBcsm::TDisconnect,
        EventTypeBcsm::TAbandon,
    ])
}

fn leg() -> impl Strategy<Value = LegId> {
    prop_oneof![
        (1u8..3).prop_map(LegId::sending),
        (1u8..3).prop_map(LegId::receiving)
    ]
}

fn called() -> impl Strategy<Value = CalledPartyNumber> {
    (0u8..128, "[0-9]{1,20}").prop_map(|(n, d)| {
        CalledPartyNumber::new(NatureOfAddress(n), NumberingPlan::ISDN, &d).unwrap()
    })
}

fn initial_dp() -> impl Strategy<Value = Cs1Argument> {
    (
        0u32..=i32::MAX as u32,
        proptest::option::of(called()),
        proptest::option::of(octets(3)),
        proptest::option::of(event_type()),
        proptest::option::of(octets(2)),
    )
        .prop_map(|(sk, cd, cat, et, ri)| {
            let mut a = InitialDpArg {
                service_key: sk,
                ..Default::default()
            };
            if let Some(cd) = cd {
                a.set_called_party_number(&cd);
            }
            a.calling_partys_category = cat;
            a.event_type_bcsm = et;
            a.redirection_information = ri;
            Cs1Argument::InitialDp(Box::new(a))
        })
}

fn rrbcsm() -> impl Strategy<Value = Cs1Argument> {
    proptest::collection::vec(
        (
            event_type(),
            0u8..3,
            proptest::option::of(leg()),
            proptest::option::of(0u16..2048),
        ),
        1..10,
    )
    .prop_map(|evs| {
        Cs1Argument::RequestReportBcsmEvent(RequestReportBcsmEventArg {
            bcsm_events: evs
                .into_iter()
                .map(|(e, m, l, t)| BcsmEvent {
                    event_type_bcsm: e,
                    monitor_mode: [
                        MonitorMode::Interrupted,
                        MonitorMode::NotifyAndContinue,
                        MonitorMode::Transparent,
                    ][m as usize],
                    leg_id: l,
                    dp_specific_criteria: t.map(DpSpecificCriteria::ApplicationTimer),
                })
                .collect(),
            bcsm_event_correlation_id: None,
            extensions: None,
        })
    })
}

fn erb() -> impl Strategy<Value = Cs1Argument> {
    (
        event_type(),
        proptest::option::of(0u8..128),
        proptest::option::of(leg()),
        any::<bool>(),
    )
        .prop_map(|(e, cause, l, notify)| {
            Cs1Argument::EventReportBcsm(EventReportBcsmArg {
                event_type_bcsm: e,
                bcsm_event_correlation_id: None,
                event_specific_information_bcsm: cause.map(|c| {
                    EventSpecificInformationBcsm::ODisconnectSpecificInfo(DisconnectSpecificInfo {
                        release_cause: Some(Cause::new(0, c).unwrap().encode().into()),
                        connect_time: None,
                    })
                }),
                leg_id: l,
                misc_call_info: MiscCallInfo {
                    message_type: if notify {
                        MessageType::Notification
                    } else {
                        MessageType::Request
                    },
                    dp_assignment: None,
                },
                extensions: None,
            })
        })
}

fn others() -> impl Strategy<Value = Cs1Argument> {
    prop_oneof![
        (0u8..16, 0u8..128).prop_map(|(l, v)| Cs1Argument::ReleaseCall(ReleaseCallArg::new(
            &Cause::new(l, v).unwrap()
        ))),
        proptest::collection::vec(called(), 1..4)
            .prop_map(|d| Cs1Argument::Connect(Box::new(ConnectArg::new(&d)))),
        any::<i8>().prop_map(|i| Cs1Argument::Cancel(CancelArg::InvokeId(i))),
        Just(Cs1Argument::Cancel(CancelArg::AllRequests(()))),
        any::<u32>().prop_map(|v| Cs1Argument::ResetTimer(ResetTimerArg {
            timer_id: TimerId::Tssf,
            timervalue: v,
            extensions: None
        })),
        octets(40).prop_map(|o| Cs1Argument::FurnishChargingInformation(
            FurnishChargingInformationArg(o)
        )),
        (octets(40), any::<bool>(), proptest::option::of(leg())).prop_map(|(o, s, l)| {
            Cs1Argument::ApplyCharging(ApplyChargingArg {
                ach_billing_charging_characteristics: o,
                send_calculation_to_scp_indication: s,
                party_to_charge: l,
                extensions: None,
            })
        }),
        (1u8..128, 1u8..128, any::<bool>(), any::<bool>()).prop_map(
            |(min, max, interrupt, forbid)| {
                let mut d = CollectedDigits::new(min, max);
                d.interruptable_ann_ind = interrupt;
                Cs1Argument::PromptAndCollectUserInformation(PromptAndCollectUserInformationArg {
                    collected_info: CollectedInfo::CollectedDigits(d),
                    disconnect_from_ip_forbidden: forbid,
                    information_to_send: None,
                    extensions: None,
                })
            }
        ),
    ]
}

fn any_argument() -> impl Strategy<Value = Cs1Argument> {
    prop_oneof![initial_dp(), rrbcsm(), erb(), others()]
}

proptest! {
    #[test]
    fn arguments_round_trip(a in any_argument()) {
        let bytes = a.encode_argument();
        prop_assert_eq!(Cs1Argument::decode_argument(a.opcode().code(), &bytes).unwrap(), a);
    }

    #[test]
    fn random_bytes_never_panic(op in prop_oneof![Just(-1i64), 0i64..60, Just(i64::MAX)], bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        match Cs1Argument::decode_argument(op, &bytes) {
            Ok(a) => prop_assert_eq!(a.opcode().code(), op),
            Err(e) => {
                let p = e.reject_problem();
                prop_assert!(p == RejectProblem::UnrecognizedOperation || p == RejectProblem::MistypedArgument);
                prop_assert_eq!(p == RejectProblem::UnrecognizedOperation, Opcode::from_code(op).is_none());
            }
        }
        let _ = Cs1Result::decode_result(op, &bytes);
        let _ = Cs1Error::decode(op, &bytes);
    }

    #[test]
    fn truncated_and_flipped_samples_never_panic(i in 0usize..21, cut in 0usize..200, flip in 0usize..200, bit in 0u8..8) {
        let a = &samples::all_arguments()[i];
        let mut bytes = a.encode_argument();
        let code = a.opcode().code();
        let truncated = &bytes[..cut.min(bytes.len())];
        if truncated.len() < bytes.len() {
            prop_assert!(Cs1Argument::decode_argument(code, truncated).is_err() || truncated.is_empty() == bytes.is_empty());
        }
        if !bytes.is_empty() {
            let n = flip % bytes.len();
            bytes[n] ^= 1 << bit;
            let _ = Cs1Argument::decode_argument(code, &bytes);
        }
    }
}

#[test]
fn unknown_operation_and_mistyped_argument_are_told_apart() {
    assert_eq!(
        Cs1Argument::decode_argument(99, &[])
            .unwrap_err()
            .reject_problem(),
        RejectProblem::UnrecognizedOperation
    );
    assert_eq!(
        Cs1Argument::decode_argument(0, &[0x04, 0x00])
            .unwrap_err()
            .reject_problem(),
        RejectProblem::MistypedArgument
    );
    // A parameter on an operation without argument, and a missing one.
    assert_eq!(
        Cs1Argument::decode_argument(31, &[0x05, 0x00])
            .unwrap_err()
            .reject_problem(),
        RejectProblem::MistypedArgument
    );
    assert_eq!(
        Cs1Argument::decode_argument(20, &[])
            .unwrap_err()
            .reject_problem(),
        RejectProblem::MistypedArgument
    );
    // Missing mandatory serviceKey.
    assert!(Cs1Argument::decode_argument(0, &[0x30, 0x03, 0x9c, 0x01, 0x03]).is_err());
    // Trailing octets after the argument.
    assert!(Cs1Argument::decode_argument(22, &[0x04, 0x02, 0x80, 0x90, 0x00]).is_err());
    // Results and errors.
    assert_eq!(
        Cs1Result::decode_result(20, &[])
            .unwrap_err()
            .reject_problem(),
        RejectProblem::ReturnResultUnexpected
    );
    assert_eq!(
        Cs1Result::decode_result(48, &[0x05, 0x00])
            .unwrap_err()
            .reject_problem(),
        RejectProblem::MistypedResult
    );
    assert_eq!(
        Cs1Error::decode(2, &[]).unwrap_err().reject_problem(),
        RejectProblem::UnrecognizedError
    );
    assert_eq!(
        Cs1Error::decode(11, &[]).unwrap_err().reject_problem(),
        RejectProblem::MistypedErrorParameter
    );
    assert_eq!(
        Cs1Error::decode(7, &[0x05, 0x00])
            .unwrap_err()
            .reject_problem(),
        RejectProblem::MistypedErrorParameter
    );
}

#[test]
fn unknown_extension_elements_are_ignored() {
    // InitialDP { serviceKey 5, [31] 'abcd' (not in CS-1), eventTypeBCSM analysedInformation }:
    // the unknown element (after the root's `...`) is skipped.
    let bytes = [
        0x30, 0x0b, 0x80, 0x01, 0x05, 0x9f, 0x1f, 0x02, 0xab, 0xcd, 0x9c, 0x01, 0x03,
    ];
    let Cs1Argument::InitialDp(a) = Cs1Argument::decode_argument(0, &bytes).unwrap() else {
        panic!()
    };
    assert_eq!(a.service_key, 5);
    assert_eq!(a.event_type_bcsm, Some(EventTypeBcsm::AnalysedInformation));
    // ERB with a CS-2 style element [6] after extensions.
    let mut erb = samples::erb();
    erb.leg_id = None;
    let mut bytes = Cs1Argument::EventReportBcsm(erb.clone()).encode_argument();
    bytes.extend([0x86, 0x01, 0x00]);
    bytes[1] += 3;
    assert_eq!(
        Cs1Argument::decode_argument(24, &bytes).unwrap(),
        Cs1Argument::EventReportBcsm(erb)
    );
}

#[test]
fn unknown_extension_elements_are_ignored_in_indefinite_length_input() {
    // The same InitialDP with an unknown [31] element, as an indefinite-length SEQUENCE: the
    // extension rule does not depend on the length form (X.690 §8.1.3).
    let bytes = [
        0x30, 0x80, 0x80, 0x01, 0x05, 0x9f, 0x1f, 0x02, 0xab, 0xcd, 0x9c, 0x01, 0x03, 0x00, 0x00,
    ];
    let Cs1Argument::InitialDp(a) = Cs1Argument::decode_argument(0, &bytes).unwrap() else {
        panic!()
    };
    assert_eq!(a.service_key, 5);
    assert_eq!(a.event_type_bcsm, Some(EventTypeBcsm::AnalysedInformation));
    // Definite outer length, an unknown [31] and an indefinite-length bearerCapability [27].
    let bytes = [
        0x30, 0x14, 0x80, 0x01, 0x05, 0x9f, 0x1f, 0x02, 0xab, 0xcd, 0xbf, 0x1b, 0x80, 0x80, 0x02,
        0x80, 0x90, 0x00, 0x00, 0x9c, 0x01, 0x03,
    ];
    let Cs1Argument::InitialDp(a) = Cs1Argument::decode_argument(0, &bytes).unwrap() else {
        panic!()
    };
    assert_eq!(
        a.bearer_capability,
        Some(BearerCapability::BearerCap(OctetString::from_static(&[
            0x80, 0x90
        ])))
    );
    assert_eq!(a.event_type_bcsm, Some(EventTypeBcsm::AnalysedInformation));
}

#[test]
fn indefinite_length_input_is_accepted() {
    // An indefinite-length SEQUENCE is valid BER.
    let idp_indef = [0x30, 0x80, 0x80, 0x01, 0x05, 0x00, 0x00];
    let Cs1Argument::InitialDp(a) = Cs1Argument::decode_argument(0, &idp_indef).unwrap() else {
        panic!()
    };
    assert_eq!(a.service_key, 5);
}

#[test]
fn deep_nesting_does_not_overflow() {
    // 10,000 nested indefinite-length constructed elements as a PlayAnnouncement argument.
    let mut bytes = Vec::new();
    for _ in 0..10_000 {
        bytes.extend([0x30, 0x80]);
    }
    assert!(Cs1Argument::decode_argument(47, &bytes).is_err());
    let mut bytes = vec![0x30, 0x80];
    for _ in 0..10_000 {
        bytes.extend([0xa0, 0x80]);
    }
    assert!(Cs1Argument::decode_argument(47, &bytes).is_err());
}
