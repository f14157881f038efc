//! One representative argument per CS-1 operation, with the number fields built through
//! `callctl_inap::numbers`, shared by the tshark, simulator and vector tests.
#![allow(dead_code)]

use callctl_inap::cs1::*;
use callctl_inap::numbers::*;
use rasn::types::{Ia5String, OctetString};

fn o(b: &[u8]) -> OctetString {
    OctetString::from(b.to_vec())
}

pub fn called(d: &str) -> CalledPartyNumber {
    CalledPartyNumber::new(NatureOfAddress::INTERNATIONAL, NumberingPlan::ISDN, d).unwrap()
}

pub fn calling() -> CallingPartyNumber {
    CallingPartyNumber::new(
        NatureOfAddress::NATIONAL,
        NumberingPlan::ISDN,
        Screening::NetworkProvided,
        "64211234567",
    )
    .unwrap()
}

pub fn initial_dp() -> InitialDpArg {
    let mut a = InitialDpArg {
        service_key: 5,
        ..Default::default()
    };
    a.set_called_party_number(&called("4930123456"));
    a.set_calling_party_number(&calling());
    a.calling_partys_category = Some(o(&[10]));
    a.location_number = Some(o(&LocationNumber::new(
        NatureOfAddress::INTERNATIONAL,
        NumberingPlan::ISDN,
        "6421",
    )
    .unwrap()
    .encode()));
    a.original_called_party_id = Some(o(&RedirectingNumber::new(
        NatureOfAddress::NATIONAL,
        NumberingPlan::ISDN,
        "0212",
    )
    .unwrap()
    .encode()));
    a.high_layer_compatibility = Some(o(&[0x91, 0x81]));
    a.bearer_capability = Some(BearerCapability::BearerCap(o(&[0x80, 0x90, 0xa3])));
    a.event_type_bcsm = Some(EventTypeBcsm::AnalysedInformation);
    a.redirecting_party_id = Some(o(&RedirectingNumber::new(
        NatureOfAddress::INTERNATIONAL,
        NumberingPlan::ISDN,
        "889001234",
    )
    .unwrap()
    .encode()));
    a.redirection_information = Some(o(&RedirectionInformation {
        indicator: 3,
        original_reason: 1,
        counter: 1,
        reason: 1,
        national_use: false,
    }
    .encode()));
    a
}

pub fn connect() -> ConnectArg {
    ConnectArg::new(&[called("49301234567")])
        .with_redirection(
            &RedirectingNumber::new(
                NatureOfAddress::INTERNATIONAL,
                NumberingPlan::ISDN,
                "889001234",
            )
            .unwrap(),
            &RedirectionInformation {
                indicator: 3,
                original_reason: 0,
                counter: 1,
                reason: 4,
                national_use: false,
            },
        )
        .with_calling_party_number(&calling())
}

pub fn rrbcsm() -> RequestReportBcsmEventArg {
    let ev = |e, m, leg: Option<u8>, timer: Option<u16>| BcsmEvent {
        event_type_bcsm: e,
        monitor_mode: m,
        leg_id: leg.map(LegId::sending),
        dp_specific_criteria: timer.map(DpSpecificCriteria::ApplicationTimer),
    };
    RequestReportBcsmEventArg {
        bcsm_events: vec![
            ev(
                EventTypeBcsm::RouteSelectFailure,
                MonitorMode::Interrupted,
                None,
                None,
            ),
            ev(
                EventTypeBcsm::OCalledPartyBusy,
                MonitorMode::Interrupted,
                Some(2),
                None,
            ),
            ev(
                EventTypeBcsm::ONoAnswer,
                MonitorMode::Interrupted,
                Some(2),
                Some(30),
            ),
            ev(
                EventTypeBcsm::OAnswer,
                MonitorMode::NotifyAndContinue,
                Some(2),
                None,
            ),
            ev(
                EventTypeBcsm::ODisconnect,
                MonitorMode::Interrupted,
                Some(1),
                None,
            ),
            ev(
                EventTypeBcsm::OAbandon,
                MonitorMode::NotifyAndContinue,
                Some(1),
                None,
            ),
        ],
        bcsm_event_correlation_id: None,
        extensions: None,
    }
}

pub fn erb() -> EventReportBcsmArg {
    EventReportBcsmArg {
        event_type_bcsm: EventTypeBcsm::OCalledPartyBusy,
        bcsm_event_correlation_id: None,
        event_specific_information_bcsm: Some(
            EventSpecificInformationBcsm::OCalledPartyBusySpecificInfo(CauseSpecificInfo {
                cause: Some(o(&Cause::new(Cause::LOCATION_PUBLIC_REMOTE, 17)
                    .unwrap()
                    .encode())),
            }),
        ),
        leg_id: Some(LegId::receiving(2)),
        misc_call_info: MiscCallInfo {
            message_type: MessageType::Request,
            dp_assignment: None,
        },
        extensions: None,
    }
}

pub fn cir_report() -> CallInformationReportArg {
    CallInformationReportArg {
        requested_information_list: vec![
            RequestedInformation {
                requested_information_type: RequestedInformationType::CallConnectedElapsedTime,
                requested_information_value:
                    RequestedInformationValue::CallConnectedElapsedTimeValue(1234),
            },
            RequestedInformation {
                requested_information_type: RequestedInformationType::ReleaseCause,
                requested_information_value: RequestedInformationValue::ReleaseCauseValue(o(
                    &Cause::new(0, 16).unwrap().encode(),
                )),
            },
        ],
        correlation_id: None,
        extensions: None,
        leg_id: Some(LegId::receiving(2)),
    }
}

pub fn pacui() -> PromptAndCollectUserInformationArg {
    let mut digits = CollectedDigits::new(1, 4);
    digits.end_of_reply_digit = Some(o(&[0x0b]));
    digits.first_digit_time_out = Some(10);
    digits.inter_digit_time_out = Some(5);
    PromptAndCollectUserInformationArg {
        collected_info: CollectedInfo::CollectedDigits(digits),
        disconnect_from_ip_forbidden: true,
        information_to_send: Some(InformationToSend::InbandInfo(InbandInfo {
            message_id: MessageId::VariableMessage(VariableMessage {
                elementary_message_id: 100,
                variable_parts: vec![
                    VariablePart::Integer(7),
                    VariablePart::Time(o(&[0x21, 0x03])),
                ],
            }),
            number_of_repetitions: Some(1),
            duration: None,
            interval: None,
        })),
        extensions: None,
    }
}

/// One argument per operation, in opcode order.
pub fn all_arguments() -> Vec<Cs1Argument> {
    let ext = ExtensionField {
        r#type: rasn::types::Any::new(vec![0x02, 0x01, 0x05]),
        criticality: CriticalityType::Ignore,
        value: rasn::types::Any::new(vec![0x04, 0x02, 0xab, 0xcd]),
    };
    vec![
        Cs1Argument::InitialDp(Box::new(initial_dp())),
        Cs1Argument::EstablishTemporaryConnection(EstablishTemporaryConnectionArg::new(
            &GenericNumber::new(
                NumberQualifier::ADDITIONAL_CALLED,
                NatureOfAddress::NATIONAL,
                NumberingPlan::ISDN,
                Screening::NetworkProvided,
                "021999",
            )
            .unwrap(),
            Some(&GenericDigits::bcd(0, "1234").unwrap()),
        )),
        Cs1Argument::DisconnectForwardConnection,
        Cs1Argument::ConnectToResource(ConnectToResourceArg {
            resource_address: ResourceAddress::None(()),
            extensions: None,
            service_interaction_indicators: None,
        }),
        Cs1Argument::Connect(Box::new(connect())),
        Cs1Argument::ReleaseCall(ReleaseCallArg::new(
            &Cause::new(Cause::LOCATION_PUBLIC_LOCAL, 31).unwrap(),
        )),
        Cs1Argument::RequestReportBcsmEvent(rrbcsm()),
        Cs1Argument::EventReportBcsm(erb()),
        Cs1Argument::Continue,
        Cs1Argument::ResetTimer(ResetTimerArg {
            timer_id: TimerId::Tssf,
            timervalue: 60,
            extensions: None,
        }),
        Cs1Argument::FurnishChargingInformation(FurnishChargingInformationArg(o(&[
            0x01, 0x02, 0x03, 0x04, 0xff, 0xee, 0xdd,
        ]))),
        Cs1Argument::ApplyCharging(ApplyChargingArg {
            ach_billing_charging_characteristics: o(&[0xa0, 0x05, 0x80, 0x03, 0x00, 0x02, 0x58]),
            send_calculation_to_scp_indication: false,
            party_to_charge: Some(LegId::sending(1)),
            extensions: Some(vec![ext]),
        }),
        Cs1Argument::ApplyChargingReport(ApplyChargingReportArg(o(&[
            0xa0, 0x06, 0xa0, 0x04, 0x80, 0x02, 0x02, 0x58,
        ]))),
        Cs1Argument::CallInformationReport(cir_report()),
        Cs1Argument::CallInformationRequest(CallInformationRequestArg {
            requested_information_type_list: vec![
                RequestedInformationType::CallConnectedElapsedTime,
                RequestedInformationType::ReleaseCause,
            ],
            correlation_id: None,
            extensions: None,
            leg_id: Some(LegId::sending(2)),
        }),
        Cs1Argument::SendChargingInformation(SendChargingInformationArg {
            sci_billing_charging_characteristics: o(&[0x12, 0x34]),
            party_to_charge: LegId::sending(1),
            extensions: None,
        }),
        Cs1Argument::PlayAnnouncement(PlayAnnouncementArg {
            information_to_send: InformationToSend::InbandInfo(InbandInfo {
                message_id: MessageId::ElementaryMessageId(17),
                number_of_repetitions: Some(2),
                duration: Some(30),
                interval: Some(1),
            }),
            disconnect_from_ip_forbidden: true,
            request_announcement_complete: true,
            extensions: None,
        }),
        Cs1Argument::PromptAndCollectUserInformation(pacui()),
        Cs1Argument::SpecializedResourceReport,
        Cs1Argument::Cancel(CancelArg::InvokeId(3)),
        Cs1Argument::ActivityTest,
    ]
}

pub fn pacui_result() -> ReceivedInformationArg {
    ReceivedInformationArg::digits(&GenericDigits::bcd(0, "1234").unwrap())
}

pub fn ia5_result() -> ReceivedInformationArg {
    ReceivedInformationArg::Ia5Response(Ia5String::try_from("12#".to_string()).unwrap())
}

/// One instance of every CS-1 error.
pub fn all_errors() -> Vec<Cs1Error> {
    vec![
        Cs1Error::Cancelled,
        Cs1Error::CancelFailed(CancelFailedParam {
            problem: CancelProblem::TooLate,
            operation: 3,
        }),
        Cs1Error::EtcFailed,
        Cs1Error::ImproperCallerResponse,
        Cs1Error::MissingCustomerRecord,
        Cs1Error::MissingParameter,
        Cs1Error::ParameterOutOfRange,
        Cs1Error::RequestedInfoError(RequestedInfoErrorParam::RequestedInfoNotAvailable),
        Cs1Error::SystemFailure(UnavailableNetworkResource::EndUserFailure),
        Cs1Error::TaskRefused(TaskRefusedParam::Congestion),
        Cs1Error::UnavailableResource,
        Cs1Error::UnexpectedComponentSequence,
        Cs1Error::UnexpectedDataValue,
        Cs1Error::UnexpectedParameter,
        Cs1Error::UnknownLegId,
        Cs1Error::UnknownResource,
    ]
}
