//! CAP encodings checked against pycrate's CAP module (pycrate_asn1dir.TCAP_CAP), both ways:
//! pycrate decodes every argument this crate encodes (and re-encodes it to the same octets), and
//! this crate decodes values pycrate encodes for the operations an SSP / SRF sends.

mod cap_support;

use callctl_inap::cap::charging::{CallResult, TimeInformation};
use callctl_inap::cap::types::*;
use callctl_inap::cap::{CapArgument, CapResult, CapVersion, Operation};
use cap_support::samples;
use cap_support::*;

#[test]
fn pycrate_decodes_our_arguments() {
    let mut input = String::new();
    let mut expected = Vec::new();
    for version in CapVersion::ALL {
        for (arg, _) in samples::all(version) {
            let bytes = arg.encode_argument(version);
            // v2/v3 SpecializedResourceReport is a bare NULL; pycrate only has the v4 CHOICE.
            if bytes.is_empty()
                || (arg.operation() == Operation::SpecializedResourceReport
                    && version < CapVersion::V4)
            {
                continue;
            }
            input.push_str(&format!("{} arg {}\n", arg.opcode(), hex(&bytes)));
            expected.push((format!("{version:?} {:?}", arg.operation()), hex(&bytes)));
        }
    }
    let digits = CapResult::PromptAndCollectUserInformation(
        ReceivedInformationArg::DigitsResponse(unhex("002143").into()),
    );
    input.push_str(&format!(
        "48 res {}\n",
        hex(&digits.encode_result(CapVersion::V2))
    ));
    expected.push((
        "PACUI result".into(),
        hex(&digits.encode_result(CapVersion::V2)),
    ));

    let output = pycrate(&["decode"], &input);
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(lines.len(), expected.len(), "pycrate answered every value");
    for (line, (label, ours)) in lines.iter().zip(&expected) {
        let reencoded = line
            .split("\"reencoded\": \"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_default();
        assert_eq!(
            reencoded, ours,
            "{label}: pycrate read it differently: {line}"
        );
    }
    // A few values by name, from pycrate's JSON.
    let idp = lines[0];
    assert!(idp.contains("\"serviceKey\": 100"), "{idp}");
    assert!(
        idp.contains("\"calledPartyNumber\": \"8410940321436507\""),
        "{idp}"
    );
    assert!(
        idp.contains("\"eventTypeBCSM\": \"collectedInfo\""),
        "{idp}"
    );
    assert!(output.contains("\"digitsResponse\": \"002143\""));
    assert!(output.contains("\"applicationTimer\": 30"));
}

#[test]
fn we_decode_pycrate_encodings() {
    let output = pycrate(&["encode"], "");
    let mut seen = 0;
    for line in output.lines() {
        let mut parts = line.split_whitespace();
        let code: i64 = parts.next().unwrap().parse().unwrap();
        let kind = parts.next().unwrap();
        let bytes = unhex(parts.next().unwrap_or(""));
        for version in CapVersion::ALL {
            if kind == "res" {
                let CapResult::PromptAndCollectUserInformation(
                    ReceivedInformationArg::DigitsResponse(d),
                ) = CapResult::decode_result(version, code, &bytes).unwrap()
                else {
                    panic!("PACUI result expected")
                };
                assert_eq!(&d[..], &[0x00, 0x21, 0x43]);
                continue;
            }
            if code == 49 && version < CapVersion::V4 {
                // The v4 CHOICE is not a v2/v3 encoding: the v2/v3 decoder must refuse it.
                assert!(CapArgument::decode_argument(version, code, &bytes).is_err());
                continue;
            }
            let arg = CapArgument::decode_argument(version, code, &bytes)
                .unwrap_or_else(|e| panic!("{version:?} op {code}: {e}"));
            match arg {
                CapArgument::InitialDp(idp) => {
                    assert_eq!(idp.service_key, 7);
                    assert_eq!(idp.event_type_bcsm, Some(EventTypeBcsm::CollectedInfo));
                    assert_eq!(
                        idp.called_party_bcd_number.as_deref(),
                        Some(&[0x81, 0x20, 0x21, 0x43, 0x65, 0x87][..])
                    );
                    assert_eq!(
                        idp.bearer_capability,
                        Some(BearerCapability::BearerCap(vec![0x80, 0x90, 0xa3].into()))
                    );
                }
                CapArgument::EventReportBcsm(erb) => {
                    assert_eq!(erb.event_type_bcsm, EventTypeBcsm::ODisconnect);
                    assert_eq!(
                        erb.event_specific_information_bcsm,
                        Some(EventSpecificInformationBcsm::ODisconnectSpecificInfo(
                            CauseInfo {
                                cause: Some(vec![0x80, 0x90].into())
                            }
                        ))
                    );
                    assert_eq!(erb.leg_id, Some(ReceivingSideId::ReceivingSideId(leg1())));
                    assert_eq!(
                        erb.misc_call_info.map(|m| m.message_type),
                        Some(MessageType::Notification)
                    );
                }
                CapArgument::ApplyChargingReport(octets) => {
                    let CallResult::TimeDurationChargingResult(r) =
                        CallResult::decode(version, &octets).unwrap();
                    assert_eq!(
                        r.time_information,
                        TimeInformation::TimeIfNoTariffSwitch(500)
                    );
                    assert_eq!(r.call_active, Some(false));
                }
                CapArgument::CallInformationReport(cir) => {
                    assert_eq!(cir.requested_information_list.len(), 2);
                    assert_eq!(
                        cir.requested_information_list[0].requested_information_value,
                        RequestedInformationValue::CallConnectedElapsedTimeValue(4321)
                    );
                }
                CapArgument::SpecializedResourceReport(srr) => {
                    assert_eq!(
                        srr,
                        SpecializedResourceReportArg::AllAnnouncementsComplete(())
                    );
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        seen += 1;
    }
    assert_eq!(seen, 6);
    // ActivityTest's result carries no parameter: the empty ReturnResult is accepted.
    assert_eq!(
        CapResult::decode_result(CapVersion::V2, 55, &[]),
        Ok(CapResult::ActivityTest)
    );
}
