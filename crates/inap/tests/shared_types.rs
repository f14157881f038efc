//! The ASN.1 types CS-1 and CAP define alike are one Rust type (`src/common.rs`), and both
//! protocols put them on the wire as X.690 says. Expected octets are worked out by hand from
//! the standards' tags (IMPLICIT TAGS modules; a tagged CHOICE is explicit).

use callctl_inap::cap::{self, CapArgument, CapError, CapVersion};
use callctl_inap::cs1::{self, Cs1Argument, Cs1Error};

/// Compiles only while the two paths name one type.
fn same_types(
    tone: cs1::Tone,
    cg: cs1::CgEncountered,
    mode: cs1::MonitorMode,
    message: cs1::MessageType,
    failed: cs1::CancelFailedParam,
) -> (
    cap::types::Tone,
    cap::types::CgEncountered,
    cap::types::MonitorMode,
    cap::types::MessageType,
    cap::types::CancelFailedParam,
) {
    (tone, cg, mode, message, failed)
}

/// Compiles only while the two paths name one type (LegID, CriticalityType, MessageID.text,
/// TimerID).
fn same_more_types(
    leg: cs1::LegId,
    criticality: cs1::CriticalityType,
    text: cs1::MessageText,
    timer: cs1::TimerId,
) -> (
    cap::types::LegId,
    cap::types::Criticality,
    cap::types::MessageText,
    cap::types::TimerId,
) {
    (leg, criticality, text, timer)
}

#[test]
fn shared_types_encode_the_same_in_cs1_and_cap() {
    let (tone, cg, mode, _, failed) = same_types(
        cs1::Tone {
            tone_id: 5,
            duration: Some(3),
        },
        cs1::CgEncountered::ManualCgEncountered,
        cs1::MonitorMode::NotifyAndContinue,
        cs1::MessageType::Notification,
        cs1::CancelFailedParam {
            problem: cs1::CancelProblem::TooLate,
            operation: 3,
        },
    );
    let (leg, criticality, text, timer) = same_more_types(
        cs1::LegId::sending(2),
        cs1::CriticalityType::Abort,
        cs1::MessageText {
            message_content: rasn::types::Ia5String::try_from("hi").unwrap(),
            attributes: None,
        },
        cs1::TimerId::Tssf,
    );
    assert_eq!(criticality, cap::types::CriticalityType::Abort);
    assert_eq!(leg.leg(), Some(2));

    // RequestReportBCSMEvent { bcsmEvents [0] { { eventTypeBCSM [0] oAnswer (7),
    // monitorMode [1] notifyAndContinue (1), legID [2] { sendingSideID [0] '02'H } } } }.
    let rrbcsm = [
        0x30, 0x0f, 0xa0, 0x0d, 0x30, 0x0b, 0x80, 0x01, 0x07, 0x81, 0x01, 0x01, 0xa2, 0x03, 0x80,
        0x01, 0x02,
    ];
    let cs1_rrbcsm = Cs1Argument::RequestReportBcsmEvent(cs1::RequestReportBcsmEventArg {
        bcsm_events: vec![cs1::BcsmEvent {
            event_type_bcsm: cs1::EventTypeBcsm::OAnswer,
            monitor_mode: mode,
            leg_id: Some(leg.clone()),
            dp_specific_criteria: None,
        }],
        bcsm_event_correlation_id: None,
        extensions: None,
    });
    assert_eq!(cs1_rrbcsm.encode_argument(), rrbcsm);
    for version in CapVersion::ALL {
        let cap_rrbcsm =
            CapArgument::RequestReportBcsmEvent(cap::types::RequestReportBcsmEventArg {
                bcsm_events: vec![cap::types::BcsmEvent {
                    event_type_bcsm: cap::types::EventTypeBcsm::OAnswer,
                    monitor_mode: mode,
                    leg_id: Some(leg.clone()),
                    dp_specific_criteria: None,
                    automatic_rearm: None,
                }],
                extensions: None,
            });
        assert_eq!(cap_rrbcsm.encode_argument(version), rrbcsm);
        assert_eq!(
            CapArgument::decode_argument(version, 23, &rrbcsm).unwrap(),
            cap_rrbcsm
        );
    }

    // PlayAnnouncement { informationToSend [0] { tone [1] { toneID [0] 5, duration [1] 3 } } }.
    let play = [
        0x30, 0x0a, 0xa0, 0x08, 0xa1, 0x06, 0x80, 0x01, 0x05, 0x81, 0x01, 0x03,
    ];
    let cs1_play = Cs1Argument::PlayAnnouncement(cs1::PlayAnnouncementArg {
        information_to_send: cs1::InformationToSend::Tone(tone),
        disconnect_from_ip_forbidden: true,
        request_announcement_complete: true,
        extensions: None,
    });
    assert_eq!(cs1_play.encode_argument(), play);
    assert_eq!(Cs1Argument::decode_argument(47, &play).unwrap(), cs1_play);
    for version in CapVersion::ALL {
        let cap_play = CapArgument::PlayAnnouncement(cap::types::PlayAnnouncementArg {
            information_to_send: cap::types::InformationToSend::Tone(tone),
            disconnect_from_ip_forbidden: None,
            request_announcement_complete_notification: None,
            extensions: None,
            call_segment_id: None,
            request_announcement_started_notification: None,
        });
        assert_eq!(cap_play.encode_argument(version), play);
        assert_eq!(
            CapArgument::decode_argument(version, 47, &play).unwrap(),
            cap_play
        );
    }

    // InitialDP { serviceKey [0] 1, cGEncountered [7] manualCGencountered (1) }.
    let idp = [0x30, 0x06, 0x80, 0x01, 0x01, 0x87, 0x01, 0x01];
    let Cs1Argument::InitialDp(a) = Cs1Argument::decode_argument(0, &idp).unwrap() else {
        panic!("not an InitialDP")
    };
    assert_eq!(a.cg_encountered, Some(cg));
    assert_eq!(Cs1Argument::InitialDp(a).encode_argument(), idp);
    for version in CapVersion::ALL {
        let CapArgument::InitialDp(a) = CapArgument::decode_argument(version, 0, &idp).unwrap()
        else {
            panic!("not an InitialDP")
        };
        assert_eq!(a.cg_encountered, Some(cg));
        assert_eq!(CapArgument::InitialDp(a).encode_argument(version), idp);
    }

    // cancelFailed { problem [0] tooLate (1), operation [1] 3 }; systemFailure endUserFailure.
    let cancel_failed = [0x30, 0x06, 0x80, 0x01, 0x01, 0x81, 0x01, 0x03];
    assert_eq!(
        Cs1Error::CancelFailed(failed).encode_parameter(),
        cancel_failed
    );
    let system_failure = [0x0a, 0x01, 0x04];
    assert_eq!(
        Cs1Error::SystemFailure(cs1::UnavailableNetworkResource::EndUserFailure).encode_parameter(),
        system_failure
    );
    for version in CapVersion::ALL {
        assert_eq!(
            CapError::CancelFailed(failed).encode_parameter(version),
            cancel_failed
        );
        assert_eq!(
            CapError::decode_error(version, 11, &system_failure).unwrap(),
            CapError::SystemFailure(cap::types::UnavailableNetworkResource::EndUserFailure)
        );
    }

    // PlayAnnouncement { informationToSend [0] { inbandInfo [0] { messageID [0] { text [1] {
    // messageContent [0] "hi" } } } } }.
    let play_text = [
        0x30, 0x0c, 0xa0, 0x0a, 0xa0, 0x08, 0xa0, 0x06, 0xa1, 0x04, 0x80, 0x02, b'h', b'i',
    ];
    let cs1_text = Cs1Argument::PlayAnnouncement(cs1::PlayAnnouncementArg {
        information_to_send: cs1::InformationToSend::InbandInfo(cs1::InbandInfo {
            message_id: cs1::MessageId::Text(text.clone()),
            number_of_repetitions: None,
            duration: None,
            interval: None,
        }),
        disconnect_from_ip_forbidden: true,
        request_announcement_complete: true,
        extensions: None,
    });
    assert_eq!(cs1_text.encode_argument(), play_text);
    for version in CapVersion::ALL {
        let cap_text = CapArgument::PlayAnnouncement(cap::types::PlayAnnouncementArg {
            information_to_send: cap::types::InformationToSend::InbandInfo(
                cap::types::InbandInfo {
                    message_id: cap::types::MessageId::Text(text.clone()),
                    number_of_repetitions: None,
                    duration: None,
                    interval: None,
                },
            ),
            disconnect_from_ip_forbidden: None,
            request_announcement_complete_notification: None,
            extensions: None,
            call_segment_id: None,
            request_announcement_started_notification: None,
        });
        assert_eq!(cap_text.encode_argument(version), play_text);
        assert_eq!(
            CapArgument::decode_argument(version, 47, &play_text).unwrap(),
            cap_text
        );
    }

    // ResetTimer { timerID [0] tssf (0), timervalue [1] 10 }: CAP writes the DEFAULT it was
    // given, CS-1 reads it and leaves it out when writing.
    let reset = [0x30, 0x06, 0x80, 0x01, 0x00, 0x81, 0x01, 0x0a];
    for version in CapVersion::ALL {
        let cap_reset = CapArgument::ResetTimer(cap::types::ResetTimerArg {
            timer_id: Some(timer),
            timer_value: 10,
            extensions: None,
            call_segment_id: None,
        });
        assert_eq!(cap_reset.encode_argument(version), reset);
    }
    let Cs1Argument::ResetTimer(a) = Cs1Argument::decode_argument(33, &reset).unwrap() else {
        panic!("not a ResetTimer")
    };
    assert_eq!((a.timer_id, a.timervalue), (timer, 10));
    assert_eq!(
        Cs1Argument::ResetTimer(a).encode_argument(),
        [0x30, 0x03, 0x81, 0x01, 0x0a]
    );
}
