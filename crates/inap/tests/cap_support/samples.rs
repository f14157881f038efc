//! One filled-in argument per operation (every component a version allows is set, so that
//! [`CapArgument::encode_argument`] shows what it leaves out per version).

use callctl_inap::cap::charging::{
    AchBillingChargingCharacteristics, AocBeforeAnswer, AocSubsequent, CaiGsm0224, CallResult,
    FciBccCamelSequence1, FciBillingChargingCharacteristics, ScicBillingChargingCharacteristics,
    TimeDurationChargingResult, TimeInformation,
};
use callctl_inap::cap::raw::RawConstructed;
use callctl_inap::cap::types::*;
use callctl_inap::cap::{CapArgument, CapVersion, Operation};
use rasn::types::{BitString, Ia5String, ObjectIdentifier, OctetString, SetOf};

/// Which way an operation goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// gsmSSF / gsmSRF to gsmSCF: sent in a TC-BEGIN here.
    ToScp,
    /// gsmSCF to gsmSSF / gsmSRF: sent in a TC-CONTINUE here.
    FromScp,
}

fn o(bytes: &[u8]) -> OctetString {
    OctetString::from(bytes.to_vec())
}

fn extensions() -> Extensions {
    vec![ExtensionField {
        extension_type: ExtensionId::Local(1),
        criticality: Some(Criticality::Ignore),
        value: RawConstructed(vec![0x04, 0x01, 0xaa]),
    }]
}

/// ISUP called party number 49301234567, NoA international.
pub const CALLED: &[u8] = &[0x84, 0x10, 0x94, 0x03, 0x21, 0x43, 0x65, 0x07];
/// ISUP calling party number 6421123456.
pub const CALLING: &[u8] = &[0x83, 0x13, 0x46, 0x12, 0x11, 0x32, 0x54];

/// The InitialDP sample.
pub fn initial_dp(version: CapVersion) -> InitialDpArg {
    let mut arg = InitialDpArg {
        service_key: 100,
        called_party_number: Some(o(CALLED)),
        calling_party_number: Some(o(CALLING)),
        calling_partys_category: Some(o(&[0x0a])),
        cg_encountered: None,
        ipssp_capabilities: None,
        location_number: Some(o(&[0x83, 0x13, 0x46, 0x12, 0x00])),
        original_called_party_id: None,
        extensions: None,
        high_layer_compatibility: Some(o(&[0x91, 0x81])),
        additional_calling_party_number: None,
        bearer_capability: Some(BearerCapability::BearerCap(o(&[0x80, 0x90, 0xa3]))),
        event_type_bcsm: Some(EventTypeBcsm::CollectedInfo),
        redirecting_party_id: None,
        redirection_information: None,
        cause: None,
        service_interaction_indicators_two: None,
        carrier: None,
        cug_index: Some(5),
        cug_interlock: Some(o(&[1, 2, 3, 4])),
        cug_outgoing_access: Some(()),
        imsi: Some(o(&[0x35, 0x00, 0x01, 0x21, 0x43, 0x65, 0x87, 0xf9])),
        subscriber_state: Some(RawConstructed(vec![0x80, 0x00])),
        location_information: Some(RawConstructed(vec![
            0x02, 0x01, 0x05, 0x81, 0x06, 0x91, 0x46, 0x12, 0x00, 0x00, 0xf9,
        ])),
        ext_basic_service_code: Some(RawConstructed(vec![0x83, 0x01, 0x11])),
        call_reference_number: Some(o(&[0x01, 0x02, 0x03, 0x04])),
        msc_address: Some(o(&[0x91, 0x46, 0x12, 0x00, 0x00, 0x99])),
        called_party_bcd_number: Some(o(&[0x81, 0x20, 0x21, 0x43, 0x65, 0x87])),
        time_and_timezone: Some(o(&[0x02, 0x62, 0x11, 0x32, 0x41, 0x15, 0x00, 0x21])),
        call_forwarding_ss_pending: None,
        initial_dp_arg_extension: None,
    };
    if version == CapVersion::V2 {
        arg.set_extension_v2(&InitialDpArgExtensionV2 {
            na_carrier_information: None,
            gmsc_address: Some(o(&[0x91, 0x46, 0x12, 0x00, 0x00, 0x98])),
        });
    } else {
        arg.set_extension(
            &InitialDpArgExtension {
                gmsc_address: Some(o(&[0x91, 0x46, 0x12, 0x00, 0x00, 0x98])),
                supported_camel_phases: Some(BitString::from_slice(&[0xe0])),
                ..Default::default()
            },
            version,
        );
    }
    arg
}

/// The ApplyCharging contents sample.
pub fn ach() -> AchBillingChargingCharacteristics {
    AchBillingChargingCharacteristics {
        max_call_period_duration: 600,
        release_if_duration_exceeded: true,
        tariff_switch_interval: Some(3600),
        tone: true,
        burst_list: None,
        extensions: None,
    }
}

/// The ApplyChargingReport contents sample.
pub fn call_result() -> CallResult {
    CallResult::TimeDurationChargingResult(TimeDurationChargingResult {
        party_to_charge: ReceivingSideId::ReceivingSideId(leg1()),
        time_information: TimeInformation::TimeIfNoTariffSwitch(300),
        call_active: Some(true),
        call_released_at_tcp_expiry: None,
        extensions: None,
        ach_charging_address: None,
    })
}

/// The FurnishChargingInformation contents sample.
pub fn fci() -> FciBillingChargingCharacteristics {
    FciBillingChargingCharacteristics::FciBccCamelSequence1(FciBccCamelSequence1 {
        free_format_data: o(&[0x01, 0x02, 0x03, 0x04, 0xff, 0xee, 0xdd]),
        party_to_charge: Some(SendingSideId::SendingSideId(leg1())),
        append_free_format_data: Some(charging_append()),
    })
}

fn charging_append() -> callctl_inap::cap::charging::AppendFreeFormatData {
    callctl_inap::cap::charging::AppendFreeFormatData::Append
}

/// The SendChargingInformation contents sample.
pub fn sci() -> ScicBillingChargingCharacteristics {
    let cai = CaiGsm0224 {
        e1: Some(1),
        e2: Some(10),
        e3: Some(100),
        ..Default::default()
    };
    ScicBillingChargingCharacteristics::AocBeforeAnswer(AocBeforeAnswer {
        aoc_initial: cai.clone(),
        aoc_subsequent: Some(AocSubsequent {
            cai_gsm0224: cai,
            tariff_switch_interval: Some(60),
        }),
    })
}

fn inband_variable() -> InformationToSend {
    InformationToSend::InbandInfo(InbandInfo {
        message_id: MessageId::VariableMessage(VariableMessage {
            elementary_message_id: 17,
            variable_parts: vec![VariablePart::Number(o(&[0x00, 0x21, 0x43]))],
        }),
        number_of_repetitions: Some(2),
        duration: Some(20),
        interval: Some(1),
    })
}

/// Every operation's sample with its direction, for `version` (operations the version does not
/// define are left out).
pub fn all(version: CapVersion) -> Vec<(CapArgument, Direction)> {
    use Direction::*;
    let list = vec![
        (CapArgument::InitialDp(Box::new(initial_dp(version))), ToScp),
        (
            CapArgument::EstablishTemporaryConnection(EstablishTemporaryConnectionArg {
                assisting_ssp_ip_routing_address: o(&[0x00, 0x84, 0x10, 0x94, 0x03, 0x21, 0x43]),
                correlation_id: Some(o(&[0x00, 0x21, 0x43])),
                scf_id: Some(o(&[0x01, 0x02])),
                carrier: Some(o(&[0x01, 0x02, 0x03, 0x04])),
                call_segment_id: Some(1),
                ..Default::default()
            }),
            FromScp,
        ),
        (CapArgument::DisconnectForwardConnection, FromScp),
        (
            CapArgument::ConnectToResource(ConnectToResourceArg {
                resource_address: ResourceAddress::None(()),
                extensions: None,
                service_interaction_indicators_two: None,
                call_segment_id: Some(1),
            }),
            FromScp,
        ),
        (
            CapArgument::Connect(Box::new(ConnectArg {
                destination_routing_address: vec![o(CALLED)],
                original_called_party_id: Some(o(&[0x84, 0x10, 0x94, 0x03, 0x21])),
                extensions: Some(extensions()),
                calling_partys_category: Some(o(&[0x0a])),
                redirecting_party_id: Some(o(&[0x84, 0x10, 0x88, 0x09, 0x21, 0x43])),
                redirection_information: Some(o(&[0x04, 0x41])),
                generic_numbers: Some(SetOf::from_vec(vec![o(&[
                    0x06, 0x84, 0x10, 0x94, 0x03, 0x21,
                ])])),
                carrier: Some(o(&[0x01, 0x02, 0x03, 0x04])),
                cug_interlock: Some(o(&[1, 2, 3, 4])),
                o_csi_applicable: Some(()),
                bor_interrogation_requested: Some(()),
                ..Default::default()
            })),
            FromScp,
        ),
        (
            CapArgument::ReleaseCall(ReleaseCallArg::AllCallSegments(o(&[0x80, 0x9f]))),
            FromScp,
        ),
        (
            CapArgument::RequestReportBcsmEvent(RequestReportBcsmEventArg {
                bcsm_events: vec![
                    BcsmEvent {
                        event_type_bcsm: EventTypeBcsm::RouteSelectFailure,
                        monitor_mode: MonitorMode::Interrupted,
                        leg_id: None,
                        dp_specific_criteria: None,
                        automatic_rearm: None,
                    },
                    BcsmEvent {
                        event_type_bcsm: EventTypeBcsm::OCalledPartyBusy,
                        monitor_mode: MonitorMode::Interrupted,
                        leg_id: Some(LegId::SendingSideId(leg2())),
                        dp_specific_criteria: None,
                        automatic_rearm: Some(()),
                    },
                    BcsmEvent {
                        event_type_bcsm: EventTypeBcsm::ONoAnswer,
                        monitor_mode: MonitorMode::Interrupted,
                        leg_id: Some(LegId::SendingSideId(leg2())),
                        dp_specific_criteria: Some(DpSpecificCriteria::ApplicationTimer(30)),
                        automatic_rearm: None,
                    },
                    BcsmEvent {
                        event_type_bcsm: EventTypeBcsm::OAnswer,
                        monitor_mode: MonitorMode::NotifyAndContinue,
                        leg_id: Some(LegId::SendingSideId(leg2())),
                        dp_specific_criteria: None,
                        automatic_rearm: None,
                    },
                    BcsmEvent {
                        event_type_bcsm: EventTypeBcsm::ODisconnect,
                        monitor_mode: MonitorMode::Interrupted,
                        leg_id: Some(LegId::SendingSideId(leg1())),
                        dp_specific_criteria: None,
                        automatic_rearm: None,
                    },
                ],
                extensions: None,
            }),
            FromScp,
        ),
        (
            CapArgument::EventReportBcsm(EventReportBcsmArg {
                event_type_bcsm: EventTypeBcsm::OCalledPartyBusy,
                event_specific_information_bcsm: Some(
                    EventSpecificInformationBcsm::OCalledPartyBusySpecificInfo(CauseInfo {
                        cause: Some(o(&[0x80, 0x91])),
                    }),
                ),
                leg_id: Some(ReceivingSideId::ReceivingSideId(leg2())),
                misc_call_info: Some(MiscCallInfo {
                    message_type: MessageType::Request,
                    dp_assignment: None,
                }),
                extensions: None,
            }),
            ToScp,
        ),
        (CapArgument::Continue, FromScp),
        (
            CapArgument::ResetTimer(ResetTimerArg {
                timer_id: Some(TimerId::Tssf),
                timer_value: 120,
                extensions: None,
                call_segment_id: Some(1),
            }),
            FromScp,
        ),
        (
            CapArgument::FurnishChargingInformation(OctetString::from(fci().encode(version))),
            FromScp,
        ),
        (
            CapArgument::ApplyCharging(ApplyChargingArg {
                ach_billing_charging_characteristics: OctetString::from(ach().encode(version)),
                party_to_charge: Some(SendingSideId::SendingSideId(leg1())),
                extensions: None,
                ach_charging_address: Some(AchChargingAddress::LegId(LegId::SendingSideId(leg1()))),
            }),
            FromScp,
        ),
        (
            CapArgument::ApplyChargingReport(OctetString::from(call_result().encode(version))),
            ToScp,
        ),
        (
            CapArgument::CallInformationReport(CallInformationReportArg {
                requested_information_list: vec![
                    RequestedInformation {
                        requested_information_type:
                            RequestedInformationType::CallConnectedElapsedTime,
                        requested_information_value:
                            RequestedInformationValue::CallConnectedElapsedTimeValue(1234),
                    },
                    RequestedInformation {
                        requested_information_type: RequestedInformationType::ReleaseCause,
                        requested_information_value: RequestedInformationValue::ReleaseCauseValue(
                            o(&[0x80, 0x90]),
                        ),
                    },
                ],
                extensions: None,
                leg_id: Some(ReceivingSideId::ReceivingSideId(leg2())),
            }),
            ToScp,
        ),
        (
            CapArgument::CallInformationRequest(CallInformationRequestArg {
                requested_information_type_list: vec![
                    RequestedInformationType::CallConnectedElapsedTime,
                    RequestedInformationType::ReleaseCause,
                ],
                extensions: None,
                leg_id: Some(SendingSideId::SendingSideId(leg2())),
            }),
            FromScp,
        ),
        (
            CapArgument::SendChargingInformation(SendChargingInformationArg {
                sci_billing_charging_characteristics: OctetString::from(sci().encode()),
                party_to_charge: SendingSideId::SendingSideId(leg1()),
                extensions: None,
            }),
            FromScp,
        ),
        (
            CapArgument::PlayAnnouncement(PlayAnnouncementArg {
                information_to_send: inband_variable(),
                disconnect_from_ip_forbidden: Some(true),
                request_announcement_complete_notification: Some(true),
                extensions: None,
                call_segment_id: Some(1),
                request_announcement_started_notification: Some(true),
            }),
            FromScp,
        ),
        (
            CapArgument::PromptAndCollectUserInformation(PromptAndCollectUserInformationArg {
                collected_info: CollectedInfo::CollectedDigits(CollectedDigits {
                    minimum_nb_of_digits: Some(1),
                    maximum_nb_of_digits: 4,
                    end_of_reply_digit: Some(o(&[0x0b])),
                    cancel_digit: None,
                    start_digit: None,
                    first_digit_time_out: Some(10),
                    inter_digit_time_out: Some(5),
                    error_treatment: Some(ErrorTreatment::StdErrorAndInfo),
                    interruptable_ann_ind: Some(true),
                    voice_information: Some(false),
                    voice_back: Some(false),
                }),
                disconnect_from_ip_forbidden: Some(true),
                information_to_send: Some(InformationToSend::InbandInfo(InbandInfo {
                    message_id: MessageId::ElementaryMessageId(42),
                    number_of_repetitions: None,
                    duration: None,
                    interval: None,
                })),
                extensions: None,
                call_segment_id: None,
                request_announcement_started_notification: None,
            }),
            FromScp,
        ),
        (
            CapArgument::SpecializedResourceReport(
                SpecializedResourceReportArg::AllAnnouncementsComplete(()),
            ),
            ToScp,
        ),
        (CapArgument::Cancel(CancelArg::InvokeId(3)), FromScp),
        (CapArgument::ActivityTest, FromScp),
        (
            CapArgument::DisconnectForwardConnectionWithArgument(
                DisconnectForwardConnectionWithArgumentArg {
                    call_segment_id: Some(1),
                    extensions: None,
                },
            ),
            FromScp,
        ),
        (
            CapArgument::ContinueWithArgument(Box::new(ContinueWithArgumentArg {
                alerting_pattern: Some(o(&[0x00, 0x00, 0x01])),
                calling_partys_category: Some(o(&[0x0a])),
                suppression_of_announcement: Some(()),
                continue_with_argument_arg_extension: Some(ContinueWithArgumentArgExtension {
                    suppress_n_csi: Some(()),
                    ..Default::default()
                }),
                ..Default::default()
            })),
            FromScp,
        ),
    ];
    list.into_iter()
        .filter(|(arg, _)| arg.operation().in_version(version))
        .map(|(arg, dir)| (arg.for_version(version), dir))
        .collect()
}

/// Unused-import guard for types only some tests need.
pub fn _types(_: Ia5String, _: ObjectIdentifier, _: Operation) {}
