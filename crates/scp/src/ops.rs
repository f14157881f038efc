//! The operations the SCP sends, built for the dialogue's variant as TC-INVOKE requests.

use std::time::Duration;

use callctl_inap::cap::{self, CapArgument, CapVersion};
use callctl_inap::cs1::{self, Cs1Argument};
use callctl_inap::numbers::{
    CalledPartyNumber, Cause, Digits, NatureOfAddress, NumberError, NumberingPlan, ParameterCodec,
    RedirectingNumber, RedirectionInformation,
};
use callctl_tcap::{InvokeRequest, OperationClass, Parameter};

use crate::config::Variant;

/// Invoke timer of the class 2 operations we send (no error within it is success). They are
/// sent in a TC-END here, where the timer is not run; the value matters once a dialogue
/// stays open after them.
const CLASS2_TIMEOUT: Duration = Duration::from_secs(10);

fn request(opcode: i64, argument: Vec<u8>, class: OperationClass) -> InvokeRequest {
    let parameter = if argument.is_empty() {
        None
    } else {
        // Our encoders write exactly one element.
        Parameter::from_ber(argument).ok()
    };
    let timeout = match class {
        OperationClass::Class4 => Duration::ZERO,
        _ => CLASS2_TIMEOUT,
    };
    InvokeRequest::local(opcode, parameter, class, timeout)
}

fn cs1(arg: Cs1Argument, class: OperationClass) -> InvokeRequest {
    request(arg.opcode().code(), arg.encode_argument(), class)
}

fn cap(arg: CapArgument, version: CapVersion, class: OperationClass) -> InvokeRequest {
    request(arg.opcode(), arg.encode_argument(version), class)
}

/// ReleaseCall with a Q.850 cause value (ITU-T coding, location "public network serving the
/// local user").
pub fn release_call(variant: Variant, cause: u8) -> Result<InvokeRequest, NumberError> {
    let cause = Cause::new(Cause::LOCATION_PUBLIC_LOCAL, cause)?;
    Ok(match variant {
        Variant::Cs1 => cs1(
            Cs1Argument::ReleaseCall(cs1::ReleaseCallArg::new(&cause)),
            OperationClass::Class4,
        ),
        Variant::Camel(v) => cap(
            CapArgument::ReleaseCall(cap::types::ReleaseCallArg::AllCallSegments(
                cause.encode().into(),
            )),
            v,
            OperationClass::Class4,
        ),
    })
}

/// Continue (no argument).
pub fn continue_(variant: Variant) -> InvokeRequest {
    match variant {
        Variant::Cs1 => cs1(Cs1Argument::Continue, OperationClass::Class4),
        Variant::Camel(v) => cap(CapArgument::Continue, v, OperationClass::Class4),
    }
}

/// A called party number for a destination routing address (E.164 plan).
pub fn called_number(digits: &str, noa: u8) -> Result<CalledPartyNumber, NumberError> {
    CalledPartyNumber::new(NatureOfAddress(noa), NumberingPlan(1), digits)
}

/// An original called number (presentation allowed, E.164 plan).
pub fn original_called(digits: &str, noa: u8) -> Result<RedirectingNumber, NumberError> {
    let n = RedirectingNumber {
        nature: NatureOfAddress(noa),
        plan: NumberingPlan(1),
        presentation: callctl_inap::numbers::Presentation::Allowed,
        digits: Digits::new(digits)?,
    };
    n.validate()?;
    Ok(n)
}

/// The optional parties of a Connect.
#[derive(Debug, Default)]
pub struct ConnectParties {
    /// originalCalledPartyID.
    pub original_called: Option<RedirectingNumber>,
    /// redirectingPartyID.
    pub redirecting: Option<RedirectingNumber>,
    /// redirectionInformation.
    pub redirection: Option<RedirectionInformation>,
}

/// Connect to one destination, with the optional parties given.
pub fn connect(
    variant: Variant,
    destination: &CalledPartyNumber,
    parties: &ConnectParties,
) -> InvokeRequest {
    let original = parties.original_called.as_ref().map(|o| o.encode().into());
    let redirecting = parties.redirecting.as_ref().map(|o| o.encode().into());
    let redirection = parties.redirection.as_ref().map(|o| o.encode().into());
    match variant {
        Variant::Cs1 => {
            let mut arg = cs1::ConnectArg::new(std::slice::from_ref(destination));
            arg.original_called_party_id = original;
            arg.redirecting_party_id = redirecting;
            arg.redirection_information = redirection;
            cs1(Cs1Argument::Connect(Box::new(arg)), OperationClass::Class2)
        }
        Variant::Camel(v) => {
            let arg = cap::types::ConnectArg {
                destination_routing_address: vec![destination.encode().into()],
                original_called_party_id: original,
                redirecting_party_id: redirecting,
                redirection_information: redirection,
                ..Default::default()
            };
            cap(
                CapArgument::Connect(Box::new(arg)),
                v,
                OperationClass::Class2,
            )
        }
    }
}

/// FurnishChargingInformation carrying `data`: the raw FCIBillingChargingCharacteristics for
/// INAP CS-1 (network-specific), the CAMEL freeFormatData for CAP.
pub fn furnish_charging_information(variant: Variant, data: &[u8]) -> InvokeRequest {
    match variant {
        Variant::Cs1 => cs1(
            Cs1Argument::FurnishChargingInformation(cs1::FurnishChargingInformationArg(
                data.to_vec().into(),
            )),
            OperationClass::Class2,
        ),
        Variant::Camel(v) => {
            let fci = cap::charging::FciBillingChargingCharacteristics::FciBccCamelSequence1(
                cap::charging::FciBccCamelSequence1 {
                    free_format_data: data.to_vec().into(),
                    party_to_charge: None,
                    append_free_format_data: None,
                },
            );
            cap(
                CapArgument::FurnishChargingInformation(fci.encode(v).into()),
                v,
                OperationClass::Class2,
            )
        }
    }
}

/// RequestReportBCSMEvent for a termination attempt: route select failure (no leg), busy and
/// no answer (leg 2, interrupted; the no-answer timer as `applicationTimer`), answer (leg 2)
/// and abandon (leg 1), notify and continue.
/// With `disconnect`, oDisconnect is armed interrupted on legs 1 and 2 as well.
pub fn request_report_attempt(
    variant: Variant,
    no_answer_secs: u16,
    disconnect: bool,
) -> InvokeRequest {
    use callctl_inap::cs1::MonitorMode::{Interrupted, NotifyAndContinue};
    // (event type value, mode, leg, application timer)
    let mut plan = vec![
        (4u8, Interrupted, None, None),
        (5, Interrupted, Some(2u8), None),
        (6, Interrupted, Some(2), Some(no_answer_secs)),
        (7, NotifyAndContinue, Some(2), None),
        (10, NotifyAndContinue, Some(1), None),
    ];
    if disconnect {
        plan.push((9, Interrupted, Some(1), None));
        plan.push((9, Interrupted, Some(2), None));
    }
    match variant {
        Variant::Cs1 => {
            use callctl_inap::cs1::EventTypeBcsm as E;
            let events = plan
                .iter()
                .map(|&(event, mode, leg, timer)| cs1::BcsmEvent {
                    event_type_bcsm: match event {
                        4 => E::RouteSelectFailure,
                        5 => E::OCalledPartyBusy,
                        6 => E::ONoAnswer,
                        7 => E::OAnswer,
                        9 => E::ODisconnect,
                        _ => E::OAbandon,
                    },
                    monitor_mode: mode,
                    leg_id: leg.map(cs1::LegId::sending),
                    dp_specific_criteria: timer.map(cs1::DpSpecificCriteria::ApplicationTimer),
                })
                .collect();
            cs1(
                Cs1Argument::RequestReportBcsmEvent(cs1::RequestReportBcsmEventArg {
                    bcsm_events: events,
                    bcsm_event_correlation_id: None,
                    extensions: None,
                }),
                OperationClass::Class2,
            )
        }
        Variant::Camel(v) => {
            use callctl_inap::cap::types::EventTypeBcsm as E;
            let events = plan
                .iter()
                .map(|&(event, mode, leg, timer)| cap::types::BcsmEvent {
                    event_type_bcsm: match event {
                        4 => E::RouteSelectFailure,
                        5 => E::OCalledPartyBusy,
                        6 => E::ONoAnswer,
                        7 => E::OAnswer,
                        9 => E::ODisconnect,
                        _ => E::OAbandon,
                    },
                    monitor_mode: mode,
                    leg_id: leg.map(|l| cap::types::LegId::SendingSideId(vec![l].into())),
                    dp_specific_criteria: timer
                        .map(cap::types::DpSpecificCriteria::ApplicationTimer),
                    automatic_rearm: None,
                })
                .collect();
            cap(
                CapArgument::RequestReportBcsmEvent(cap::types::RequestReportBcsmEventArg {
                    bcsm_events: events,
                    extensions: None,
                }),
                v,
                OperationClass::Class2,
            )
        }
    }
}

/// Invoke timer of an ActivityTest: no result within it means the SSP lost the dialogue.
pub const ACTIVITY_TEST_TIMEOUT: Duration = Duration::from_secs(10);

/// ActivityTest (class 3: only a result is reported).
pub fn activity_test(variant: Variant) -> InvokeRequest {
    let mut r = match variant {
        Variant::Cs1 => cs1(Cs1Argument::ActivityTest, OperationClass::Class3),
        Variant::Camel(v) => cap(CapArgument::ActivityTest, v, OperationClass::Class3),
    };
    r.timeout = ACTIVITY_TEST_TIMEOUT;
    r
}

/// The ActivityTest operation code (CS-1 and CAP alike).
pub const ACTIVITY_TEST: i64 = 55;

/// ApplyCharging: a time grant of `grant_secs` for leg 1, no release at expiry (the SCP
/// decides on the report), no tone. INAP CS-1 leaves the charging characteristics to the
/// network; the CAMEL phase 2 layout is sent there.
pub fn apply_charging(variant: Variant, grant_secs: u32) -> InvokeRequest {
    let ach = cap::charging::AchBillingChargingCharacteristics {
        max_call_period_duration: grant_secs.saturating_mul(10),
        release_if_duration_exceeded: false,
        tariff_switch_interval: None,
        tone: false,
        burst_list: None,
        extensions: None,
    };
    match variant {
        Variant::Cs1 => cs1(
            Cs1Argument::ApplyCharging(cs1::ApplyChargingArg {
                ach_billing_charging_characteristics: ach.encode(CapVersion::V2).into(),
                send_calculation_to_scp_indication: false,
                party_to_charge: Some(cs1::LegId::sending(1)),
                extensions: None,
            }),
            OperationClass::Class2,
        ),
        Variant::Camel(v) => cap(
            CapArgument::ApplyCharging(cap::types::ApplyChargingArg {
                ach_billing_charging_characteristics: ach.encode(v).into(),
                party_to_charge: Some(cap::types::SendingSideId::SendingSideId(cap::types::leg1())),
                extensions: None,
                ach_charging_address: None,
            }),
            v,
            OperationClass::Class2,
        ),
    }
}

/// CallInformationRequest for call attempt elapsed time, call stop time, call connected
/// elapsed time and release cause.
pub fn call_information_request(variant: Variant) -> InvokeRequest {
    match variant {
        Variant::Cs1 => {
            use cs1::RequestedInformationType as T;
            cs1(
                Cs1Argument::CallInformationRequest(cs1::CallInformationRequestArg {
                    requested_information_type_list: vec![
                        T::CallAttemptElapsedTime,
                        T::CallStopTime,
                        T::CallConnectedElapsedTime,
                        T::ReleaseCause,
                    ],
                    correlation_id: None,
                    extensions: None,
                    leg_id: None,
                }),
                OperationClass::Class2,
            )
        }
        Variant::Camel(v) => {
            use cap::types::RequestedInformationType as T;
            cap(
                CapArgument::CallInformationRequest(cap::types::CallInformationRequestArg {
                    requested_information_type_list: vec![
                        T::CallAttemptElapsedTime,
                        T::CallStopTime,
                        T::CallConnectedElapsedTime,
                        T::ReleaseCause,
                    ],
                    extensions: None,
                    leg_id: None,
                }),
                v,
                OperationClass::Class2,
            )
        }
    }
}
