//! Cross-check with an independent INAP CS-1 codec: the SSP simulator's ASN.1 module compiled
//! by pycrate (`tests/cs1_support/sim_cs1.py`). Our encoding of every operation must decode
//! there with the same field values, and the simulator's encoding of the SSP-to-SCP operations
//! must decode here with the same field values.

mod cs1_support;

use callctl_inap::cs1::*;
use callctl_inap::numbers::*;
use cs1_support::*;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cs1_support/sim_cs1.py");

/// Runs the bridge on (mode, operation, data) lines; each answer is Ok(text) or Err(message).
fn sim(lines: &[(&str, &str, String)]) -> Vec<Result<String, String>> {
    let input: String = lines
        .iter()
        .map(|(m, o, d)| format!("{m}\t{o}\t{d}\n"))
        .collect();
    let out = run_python(SCRIPT, &input);
    let answers: Vec<_> = out
        .lines()
        .map(|l| match l.split_once('\t') {
            Some(("ok", rest)) => Ok(rest.to_string()),
            Some((_, rest)) => Err(rest.to_string()),
            None => Err(l.to_string()),
        })
        .collect();
    assert_eq!(answers.len(), lines.len(), "one answer per line: {out}");
    answers
}

/// The simulator's operation name for ours.
fn sim_name(op: Opcode) -> &'static str {
    match op {
        Opcode::InitialDp => "InitialDP",
        Opcode::EstablishTemporaryConnection => "EstablishTemporaryConnection",
        Opcode::DisconnectForwardConnection => "DisconnectForwardConnection",
        Opcode::ConnectToResource => "ConnectToResource",
        Opcode::Connect => "Connect",
        Opcode::ReleaseCall => "ReleaseCall",
        Opcode::RequestReportBcsmEvent => "RequestReportBCSMEvent",
        Opcode::EventReportBcsm => "EventReportBCSM",
        Opcode::Continue => "Continue",
        Opcode::ResetTimer => "ResetTimer",
        Opcode::FurnishChargingInformation => "FurnishChargingInformation",
        Opcode::ApplyCharging => "ApplyCharging",
        Opcode::ApplyChargingReport => "ApplyChargingReport",
        Opcode::CallInformationReport => "CallInformationReport",
        Opcode::CallInformationRequest => "CallInformationRequest",
        Opcode::SendChargingInformation => "SendChargingInformation",
        Opcode::PlayAnnouncement => "PlayAnnouncement",
        Opcode::PromptAndCollectUserInformation => "PromptAndCollectUserInformation",
        Opcode::SpecializedResourceReport => "SpecializedResourceReport",
        Opcode::Cancel => "Cancel",
        Opcode::ActivityTest => "ActivityTest",
    }
}

fn h(o: &[u8]) -> String {
    hex(o)
}

/// Field values of our decoded argument, in the simulator's flattened notation.
fn expected(a: &Cs1Argument) -> Vec<String> {
    let mut e = Vec::new();
    match a {
        Cs1Argument::InitialDp(a) => {
            e.push(format!("serviceKey={}", a.service_key));
            let cd = a.called_party_number().unwrap().unwrap();
            e.push(format!("calledPartyNumber.digits={}", cd.digits));
            e.push(format!("calledPartyNumber.noa={}", cd.nature.0));
            e.push(format!("calledPartyNumber.npi={}", cd.plan.0));
            let cg = a.calling_party_number().unwrap().unwrap();
            e.push(format!("callingPartyNumber.digits={}", cg.digits));
            e.push(format!("callingPartyNumber.noa={}", cg.nature.0));
            e.push("callingPartyNumber.screen=3".into());
            e.push(format!(
                "callingPartysCategory.value={}",
                a.calling_partys_category().unwrap()
            ));
            e.push(format!(
                "locationNumber.digits={}",
                a.location_number().unwrap().unwrap().digits
            ));
            e.push(format!(
                "originalCalledPartyID.digits={}",
                a.original_called_party_id().unwrap().unwrap().digits
            ));
            e.push(format!(
                "redirectingPartyID.digits={}",
                a.redirecting_party_id().unwrap().unwrap().digits
            ));
            let ri = a.redirection_information().unwrap().unwrap();
            e.push(format!("redirectionInformation.indicator={}", ri.indicator));
            e.push(format!("redirectionInformation.reason={}", ri.reason));
            e.push("eventTypeBCSM=analyzedInformation".into());
            e.push(format!(
                "highLayerCompatibility={}",
                h(a.high_layer_compatibility.as_ref().unwrap())
            ));
            if let Some(BearerCapability::BearerCap(b)) = &a.bearer_capability {
                e.push(format!("bearerCapability.bearerCap={}", h(b)));
            }
        }
        Cs1Argument::EstablishTemporaryConnection(a) => {
            let n = a.assisting_ssp_ip_routing_address().unwrap();
            e.push(format!("assistingSSPIPRoutingAddress.digits={}", n.digits));
            e.push(format!(
                "assistingSSPIPRoutingAddress.nqi={}",
                n.qualifier.0
            ));
            e.push(format!(
                "correlationID={}",
                h(a.correlation_id.as_ref().unwrap())
            ));
        }
        Cs1Argument::ConnectToResource(_) => e.push("resourceAddress.none=0".into()),
        Cs1Argument::Connect(a) => {
            let d = &a.destination_routing_address()[0].as_ref().unwrap().clone();
            e.push(format!("destinationRoutingAddress.0.digits={}", d.digits));
            e.push(format!("destinationRoutingAddress.0.noa={}", d.nature.0));
            e.push(format!(
                "redirectingPartyID.digits={}",
                a.redirecting_party_id().unwrap().unwrap().digits
            ));
            e.push(format!(
                "redirectionInformation.reason={}",
                a.redirection_information().unwrap().unwrap().reason
            ));
            e.push(format!(
                "callingPartyNumber.digits={}",
                a.calling_party_number().unwrap().unwrap().digits
            ));
        }
        Cs1Argument::ReleaseCall(a) => {
            let c = a.cause().unwrap();
            e.push(format!("cause={}", c.value));
            e.push(format!("location={}", c.location));
        }
        Cs1Argument::RequestReportBcsmEvent(a) => {
            for (i, ev) in a.bcsm_events.iter().enumerate() {
                e.push(format!(
                    "bcsmEvents.{i}.eventTypeBCSM={}",
                    sim_event(ev.event_type_bcsm)
                ));
                e.push(format!(
                    "bcsmEvents.{i}.monitorMode={}",
                    sim_mode(ev.monitor_mode)
                ));
                if let Some(LegId::SendingSideId(l)) = &ev.leg_id {
                    e.push(format!("bcsmEvents.{i}.legID.sendingSideID={}", h(l)));
                }
                if let Some(DpSpecificCriteria::ApplicationTimer(t)) = ev.dp_specific_criteria {
                    e.push(format!(
                        "bcsmEvents.{i}.dPSpecificCriteria.applicationTimer={t}"
                    ));
                }
            }
        }
        Cs1Argument::EventReportBcsm(a) => {
            e.push(format!("eventTypeBCSM={}", sim_event(a.event_type_bcsm)));
            e.push(format!(
                "eventSpecificInformationBCSM.oCalledPartyBusySpecificInfo.busyCause.cause={}",
                a.cause().unwrap().unwrap().value
            ));
            e.push("legID.receivingSideID=02".into());
        }
        Cs1Argument::ResetTimer(a) => e.push(format!("timervalue={}", a.timervalue)),
        Cs1Argument::FurnishChargingInformation(a) => e.push(format!("raw={}", h(&a.0))),
        Cs1Argument::ApplyCharging(a) => {
            e.push(format!(
                "aChBillingChargingCharacteristics.raw={}",
                h(&a.ach_billing_charging_characteristics)
            ));
            e.push("partyToCharge.sendingSideID=01".into());
        }
        Cs1Argument::ApplyChargingReport(a) => e.push(format!("raw={}", h(&a.0))),
        Cs1Argument::CallInformationReport(a) => {
            e.push("requestedInformationList.0.requestedInformationValue.callConnectedElapsedTimeValue=1234".into());
            e.push(format!(
                "requestedInformationList.1.requestedInformationValue.releaseCauseValue.cause={}",
                a.release_cause().unwrap().unwrap().value
            ));
            e.push("legID.receivingSideID=02".into());
        }
        Cs1Argument::CallInformationRequest(_) => {
            e.push("requestedInformationTypeList.0=callConnectedElapsedTime".into());
            e.push("requestedInformationTypeList.1=releaseCause".into());
            e.push("legID.sendingSideID=02".into());
        }
        Cs1Argument::SendChargingInformation(a) => {
            e.push("partyToCharge.sendingSideID=01".into());
            e.push(format!(
                "sCIBillingChargingCharacteristics.raw={}",
                h(&a.sci_billing_charging_characteristics)
            ));
        }
        Cs1Argument::PlayAnnouncement(_) => {
            e.push("informationToSend.inbandInfo.messageID.elementaryMessageID=17".into());
            e.push("informationToSend.inbandInfo.numberOfRepetitions=2".into());
            e.push("informationToSend.inbandInfo.duration=30".into());
        }
        Cs1Argument::PromptAndCollectUserInformation(_) => {
            e.push("collectedInfo.collectedDigits.maximumNbOfDigits=4".into());
            e.push("collectedInfo.collectedDigits.firstDigitTimeOut=10".into());
            e.push(
                "informationToSend.inbandInfo.messageID.variableMessage.elementaryMessageID=100"
                    .into(),
            );
            e.push(
                "informationToSend.inbandInfo.messageID.variableMessage.variableParts.0.integer=7"
                    .into(),
            );
        }
        Cs1Argument::Cancel(_) => e.push("invokeID=3".into()),
        _ => {}
    }
    e
}

fn sim_event(e: EventTypeBcsm) -> &'static str {
    match e {
        EventTypeBcsm::RouteSelectFailure => "routeSelectFailure",
        EventTypeBcsm::OCalledPartyBusy => "oCalledPartyBusy",
        EventTypeBcsm::ONoAnswer => "oNoAnswer",
        EventTypeBcsm::OAnswer => "oAnswer",
        EventTypeBcsm::ODisconnect => "oDisconnect",
        EventTypeBcsm::OAbandon => "oAbandon",
        other => panic!("add {other:?}"),
    }
}

fn sim_mode(m: MonitorMode) -> &'static str {
    match m {
        MonitorMode::Interrupted => "interrupted",
        MonitorMode::NotifyAndContinue => "notifyAndContinue",
        MonitorMode::Transparent => "transparent",
    }
}

#[test]
fn simulator_decodes_our_arguments() {
    let args = samples::all_arguments();
    let lines: Vec<_> = args
        .iter()
        .map(|a| ("decode", sim_name(a.opcode()), hex(&a.encode_argument())))
        .collect();
    let answers = sim(&lines);
    for (a, answer) in args.iter().zip(answers) {
        let name = sim_name(a.opcode());
        let flat = answer
            .unwrap_or_else(|e| panic!("{name}: the simulator could not decode our argument: {e}"));
        let fields: Vec<&str> = flat.split(';').collect();
        for want in expected(a) {
            assert!(
                fields.contains(&want.as_str()),
                "{name}: simulator shows no {want}; it decoded {flat}"
            );
        }
    }
    // Results.
    let answers = sim(&[(
        "decode_result",
        "PromptAndCollectUserInformation",
        hex(&Cs1Result::PromptAndCollectUserInformation(samples::pacui_result()).encode_result()),
    )]);
    let flat = answers[0].clone().unwrap();
    assert!(flat.contains("digitsResponse.digits=1234"), "{flat}");
}

#[test]
fn we_decode_simulator_encodings() {
    let cases: Vec<(&str, &str)> = vec![
        (
            "InitialDP",
            r#"{"serviceKey": 7, "calledPartyNumber": {"digits": "0212345678", "noa": 3}, "callingPartyNumber": {"digits": "64211234567", "noa": 4, "pres": 1, "screen": 3}, "callingPartysCategory": 10, "locationNumber": {"digits": "6421", "noa": 4}, "eventTypeBCSM": "analysedInformation", "redirectingPartyID": {"digits": "889001234", "noa": 4}, "redirectionInformation": {"indicator": 3, "reason": 1, "counter": 2}, "miscCallInfo": {"messageType": "request"}, "bearerCapability": {"bearerCap": "8090a3"}}"#,
        ),
        (
            "EventReportBCSM",
            r#"{"eventTypeBCSM": "oDisconnect", "eventSpecificInformationBCSM": {"oDisconnectSpecificInfo": {"releaseCause": {"cause": 16, "location": 4}}}, "legID": {"receivingSideID": "01"}, "miscCallInfo": {"messageType": "notification"}}"#,
        ),
        ("ApplyChargingReport", r#"{"raw": "a006a00480020258"}"#),
        (
            "CallInformationReport",
            r#"{"requestedInformationList": [{"requestedInformationType": "callAttemptElapsedTime", "requestedInformationValue": {"callAttemptElapsedTimeValue": 5}}, {"requestedInformationType": "calledAddress", "requestedInformationValue": {"calledAddressValue": {"digits": "4930123", "nqi": 1, "noa": 4}}}, {"requestedInformationType": "releaseCause", "requestedInformationValue": {"releaseCauseValue": 31}}], "legID": {"receivingSideID": "02"}}"#,
        ),
        ("SpecializedResourceReport", "null"),
    ];
    let lines: Vec<_> = cases
        .iter()
        .map(|(o, j)| ("encode", *o, j.to_string()))
        .collect();
    let answers = sim(&lines);
    let get = |i: usize, code: i64| {
        let hx = answers[i]
            .clone()
            .unwrap_or_else(|e| panic!("{}: simulator encode failed: {e}", cases[i].0));
        Cs1Argument::decode_argument(code, &unhex(&hx))
            .unwrap_or_else(|e| panic!("{}: {e} ({hx})", cases[i].0))
    };

    let Cs1Argument::InitialDp(idp) = get(0, 0) else {
        panic!()
    };
    assert_eq!(idp.service_key, 7);
    let cd = idp.called_party_number().unwrap().unwrap();
    assert_eq!(
        (cd.digits.as_str(), cd.nature),
        ("0212345678", NatureOfAddress::NATIONAL)
    );
    let cg = idp.calling_party_number().unwrap().unwrap();
    assert_eq!(
        (cg.digits.as_str(), cg.presentation, cg.screening),
        (
            "64211234567",
            Presentation::Restricted,
            Screening::NetworkProvided
        )
    );
    assert_eq!(idp.calling_partys_category(), Some(10));
    assert_eq!(
        idp.location_number().unwrap().unwrap().digits.as_str(),
        "6421"
    );
    assert_eq!(
        idp.event_type_bcsm,
        Some(EventTypeBcsm::AnalysedInformation)
    );
    assert_eq!(
        idp.redirecting_party_id().unwrap().unwrap().digits.as_str(),
        "889001234"
    );
    let ri = idp.redirection_information().unwrap().unwrap();
    assert_eq!((ri.indicator, ri.reason, ri.counter), (3, 1, 2));
    assert_eq!(
        idp.misc_call_info.map(|m| m.message_type),
        Some(MessageType::Request)
    );
    assert_eq!(
        idp.bearer_capability,
        Some(BearerCapability::BearerCap(vec![0x80, 0x90, 0xa3].into()))
    );

    let Cs1Argument::EventReportBcsm(erb) = get(1, 24) else {
        panic!()
    };
    assert_eq!(erb.event_type_bcsm, EventTypeBcsm::ODisconnect);
    let c = erb.cause().unwrap().unwrap();
    assert_eq!((c.value, c.location), (16, 4));
    assert_eq!(erb.leg_id.as_ref().and_then(LegId::leg), Some(1));
    assert_eq!(erb.misc_call_info.message_type, MessageType::Notification);

    let Cs1Argument::ApplyChargingReport(acr) = get(2, 36) else {
        panic!()
    };
    assert_eq!(hex(&acr.0), "a006a00480020258");

    let Cs1Argument::CallInformationReport(cirp) = get(3, 44) else {
        panic!()
    };
    assert_eq!(
        cirp.requested_information_list[0].requested_information_value,
        RequestedInformationValue::CallAttemptElapsedTimeValue(5)
    );
    let addr = cirp.called_address().unwrap().unwrap();
    assert_eq!(
        (addr.digits.as_str(), addr.qualifier.0, addr.nature),
        ("4930123", 1, NatureOfAddress::INTERNATIONAL)
    );
    assert_eq!(cirp.release_cause().unwrap().unwrap().value, 31);

    assert_eq!(get(4, 49), Cs1Argument::SpecializedResourceReport);

    // Results: PromptAndCollectUserInformation (digits and IA5) and ActivityTest (no value).
    let answers = sim(&[
        (
            "encode_result",
            "PromptAndCollectUserInformation",
            r#"{"digitsResponse": {"digits": "98765", "type": 0}}"#.into(),
        ),
        (
            "encode_result",
            "PromptAndCollectUserInformation",
            r#"{"iA5Response": "42#"}"#.into(),
        ),
    ]);
    let r = Cs1Result::decode_result(48, &unhex(answers[0].as_ref().unwrap())).unwrap();
    let Cs1Result::PromptAndCollectUserInformation(ri) = r else {
        panic!()
    };
    assert_eq!(
        ri.digits_response().unwrap().unwrap().value,
        GenericDigitsValue::Bcd("98765".parse().unwrap())
    );
    let r = Cs1Result::decode_result(48, &unhex(answers[1].as_ref().unwrap())).unwrap();
    assert_eq!(
        r,
        Cs1Result::PromptAndCollectUserInformation(ReceivedInformationArg::Ia5Response(
            "42#".to_string().try_into().unwrap()
        ))
    );
    assert_eq!(
        Cs1Result::decode_result(55, &[]),
        Ok(Cs1Result::ActivityTest)
    );
}
