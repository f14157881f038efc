//! Property tests: random argument values survive encode/decode per version, and random or
//! truncated input never panics a decoder.

mod cap_support;

use callctl_inap::cap::charging::AchBillingChargingCharacteristics;
use callctl_inap::cap::types::*;
use callctl_inap::cap::{CapArgument, CapError, CapResult, CapVersion};
use cap_support::samples;
use proptest::prelude::*;
use rasn::types::OctetString;

fn version() -> impl Strategy<Value = CapVersion> {
    prop_oneof![
        Just(CapVersion::V2),
        Just(CapVersion::V3),
        Just(CapVersion::V4)
    ]
}

fn octets(min: usize, max: usize) -> impl Strategy<Value = OctetString> {
    prop::collection::vec(any::<u8>(), min..=max).prop_map(OctetString::from)
}

fn event_type() -> impl Strategy<Value = EventTypeBcsm> {
    prop_oneof![
        Just(EventTypeBcsm::CollectedInfo),
        Just(EventTypeBcsm::RouteSelectFailure),
        Just(EventTypeBcsm::OCalledPartyBusy),
        Just(EventTypeBcsm::ONoAnswer),
        Just(EventTypeBcsm::OAnswer),
        Just(EventTypeBcsm::ODisconnect),
        Just(EventTypeBcsm::OAbandon),
        Just(EventTypeBcsm::TBusy),
        Just(EventTypeBcsm::TDisconnect),
    ]
}

fn initial_dp() -> impl Strategy<Value = CapArgument> {
    (
        0u32..=0x7fff_ffff,
        prop::option::of(octets(2, 18)),
        prop::option::of(octets(2, 10)),
        prop::option::of(event_type()),
        prop::option::of(octets(3, 8)),
        prop::option::of(0u16..=32767),
        prop::option::of(octets(2, 32)),
    )
        .prop_map(|(sk, called, calling, event, imsi, cug, cause)| {
            CapArgument::InitialDp(Box::new(InitialDpArg {
                service_key: sk,
                called_party_number: called,
                calling_party_number: calling,
                event_type_bcsm: event,
                imsi,
                cug_index: cug,
                cause,
                ..Default::default()
            }))
        })
}

fn connect() -> impl Strategy<Value = CapArgument> {
    (
        octets(2, 18),
        prop::option::of(octets(2, 10)),
        prop::option::of(octets(2, 2)),
        prop::option::of(octets(4, 4)),
        any::<bool>(),
    )
        .prop_map(|(dra, ocn, redir, carrier, bor)| {
            CapArgument::Connect(Box::new(ConnectArg {
                destination_routing_address: vec![dra],
                original_called_party_id: ocn,
                redirection_information: redir,
                carrier,
                bor_interrogation_requested: bor.then_some(()),
                ..Default::default()
            }))
        })
}

fn rrbcsm() -> impl Strategy<Value = CapArgument> {
    prop::collection::vec(
        (
            event_type(),
            0u8..3,
            prop::option::of(0u16..2048),
            any::<bool>(),
        ),
        1..6,
    )
    .prop_map(|events| {
        CapArgument::RequestReportBcsmEvent(RequestReportBcsmEventArg {
            bcsm_events: events
                .into_iter()
                .map(|(event, mode, timer, rearm)| BcsmEvent {
                    event_type_bcsm: event,
                    monitor_mode: [
                        MonitorMode::Interrupted,
                        MonitorMode::NotifyAndContinue,
                        MonitorMode::Transparent,
                    ][mode as usize],
                    leg_id: Some(LegId::SendingSideId(leg2())),
                    dp_specific_criteria: timer.map(DpSpecificCriteria::ApplicationTimer),
                    automatic_rearm: rearm.then_some(()),
                })
                .collect(),
            extensions: None,
        })
    })
}

fn release_call() -> impl Strategy<Value = CapArgument> {
    (octets(2, 32), any::<bool>()).prop_map(|(cause, with)| {
        CapArgument::ReleaseCall(if with {
            ReleaseCallArg::AllCallSegmentsWithExtension(AllCallSegmentsWithExtension {
                all_call_segments: cause,
                extensions: None,
            })
        } else {
            ReleaseCallArg::AllCallSegments(cause)
        })
    })
}

fn argument() -> impl Strategy<Value = CapArgument> {
    prop_oneof![initial_dp(), connect(), rrbcsm(), release_call()]
}

proptest! {
    #[test]
    fn arguments_round_trip(arg in argument(), version in version()) {
        let expected = arg.for_version(version);
        let bytes = arg.encode_argument(version);
        let decoded = CapArgument::decode_argument(version, arg.opcode(), &bytes).unwrap();
        prop_assert_eq!(decoded, expected);
    }

    #[test]
    fn apply_charging_contents_round_trip(
        max in 1u32..=864_000,
        release in any::<bool>(),
        tariff in prop::option::of(1u32..=86_400),
        tone in any::<bool>(),
        version in version(),
    ) {
        let value = AchBillingChargingCharacteristics {
            max_call_period_duration: max,
            release_if_duration_exceeded: release,
            tariff_switch_interval: tariff,
            tone,
            ..Default::default()
        };
        let decoded = AchBillingChargingCharacteristics::decode(version, &value.encode(version)).unwrap();
        // CAP v2 carries the tone only inside releaseIfdurationExceeded.
        let mut expected = value;
        if version == CapVersion::V2 && !release {
            expected.tone = false;
        }
        prop_assert_eq!(decoded, expected);
    }

    #[test]
    fn random_input_never_panics(
        bytes in prop::collection::vec(any::<u8>(), 0..300),
        opcode in prop_oneof![0i64..100, any::<i64>()],
        version in version(),
    ) {
        let _ = CapArgument::decode_argument(version, opcode, &bytes);
        let _ = CapResult::decode_result(version, opcode, &bytes);
        let _ = CapError::decode_error(version, opcode, &bytes);
        let _ = AchBillingChargingCharacteristics::decode(version, &bytes);
    }

    #[test]
    fn mutated_samples_never_panic(
        pick in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        xor in 1u8..=255,
        version in version(),
    ) {
        let list = samples::all(version);
        let (arg, _) = &list[pick.index(list.len())];
        let mut bytes = arg.encode_argument(version);
        if !bytes.is_empty() {
            let i = flip.index(bytes.len());
            bytes[i] ^= xor;
            let n = cut.index(bytes.len() + 1);
            let _ = CapArgument::decode_argument(version, arg.opcode(), &bytes[..n]);
            let _ = CapArgument::decode_argument(version, arg.opcode(), &bytes);
        }
    }
}

#[test]
fn every_truncation_of_every_vector_is_rejected_without_panic() {
    for version in CapVersion::ALL {
        for (arg, _) in samples::all(version) {
            let bytes = arg.encode_argument(version);
            for n in 1..bytes.len() {
                let result = CapArgument::decode_argument(version, arg.opcode(), &bytes[..n]);
                assert!(
                    result.is_err(),
                    "{version:?} {:?} cut at {n}",
                    arg.operation()
                );
            }
        }
    }
}

#[test]
fn reject_problems() {
    use callctl_inap::RejectProblem;
    let unknown = CapArgument::decode_argument(CapVersion::V2, 88, &[]).unwrap_err();
    assert_eq!(
        unknown.reject_problem(),
        RejectProblem::UnrecognizedOperation
    );
    let mistyped = CapArgument::decode_argument(CapVersion::V2, 0, &[0x30, 0x00]).unwrap_err();
    assert_eq!(mistyped.reject_problem(), RejectProblem::MistypedArgument);
    assert_eq!(mistyped.reject_problem().tag_and_code(), (1, 2));
    // An unknown extension component is ignored (TS 29.078: extension additions).
    let mut idp = CapArgument::InitialDp(Box::new(samples::initial_dp(CapVersion::V2)))
        .encode_argument(CapVersion::V2);
    let extra = [0x9f, 0x7f, 0x01, 0x00];
    idp[2] += extra.len() as u8;
    idp.extend_from_slice(&extra);
    assert!(CapArgument::decode_argument(CapVersion::V2, 0, &idp).is_ok());
    // v4-only component in a v2 dialogue: ignored on input, never written on output.
    let v4 = CapArgument::InitialDp(Box::new(samples::initial_dp(CapVersion::V4)));
    let v2_bytes = v4.encode_argument(CapVersion::V2);
    assert!(
        !v2_bytes.windows(2).any(|w| w == [0x9f, 0x2d]),
        "no cug-Index in v2"
    );
}
