//! Every CS-1 operation's argument (and the results and errors) wrapped in a hand-built TCAP
//! message and decoded by tshark's INAP dissector: the fields recorded in
//! `tests/vectors/cs1_tshark.txt` must show, with no malformed or expert flag. The vector file
//! also pins our encoding of each parameter.
//!
//! Set `INAP_REGEN_VECTORS=1` to rewrite the vector file from tshark's output (then review it).

mod cs1_support;

use callctl_inap::cs1::*;
use cs1_support::*;

const FIELDS: &[&str] = &[
    "inap.code.local",
    "inap.errcode",
    "inap.serviceKey",
    "e164.called_party_number.digits",
    "e164.calling_party_number.digits",
    "inap.eventTypeBCSM",
    "inap.monitorMode",
    "inap.applicationTimer",
    "inap.sendingSideID",
    "inap.receivingSideID",
    "inap.busyCause",
    "inap.cause_indicator",
    "inap.requestedInformationType",
    "inap.callConnectedElapsedTimeValue",
    "inap.releaseCauseValue",
    "inap.destinationRoutingAddress",
    "inap.redirectingPartyID",
    "inap.assistingSSPIPRoutingAddress",
    "inap.correlationID",
    "inap.timervalue",
    "inap.FurnishChargingInformationArg",
    "inap.ApplyChargingReportArg",
    "inap.aChBillingChargingCharacteristics",
    "inap.sCIBillingChargingCharacteristics",
    "inap.type",
    "inap.elementaryMessageID",
    "inap.numberOfRepetitions",
    "inap.maximumNbOfDigits",
    "inap.digitsResponse",
    "inap.iA5Response",
    "inap.CancelArg",
    "inap.invokeID",
    "inap.none_element",
    "inap.problem",
    "inap.operation",
    "inap.PAR_requestedInfoError",
    "inap.UnavailableNetworkResource",
    "inap.PAR_taskRefused",
    "inap.ReleaseCallArg",
    "_ws.malformed",
    "_ws.expert",
];

/// (name, parameter octets, whole TCAP message)
fn messages() -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    for a in samples::all_arguments() {
        let op = a.opcode();
        let param = a.encode_argument();
        let comp = invoke(op.code(), &param);
        let msg = if op.from_ssp() {
            begin(comp)
        } else {
            continue_(comp)
        };
        out.push((format!("invoke:{}", op.name()), param, msg));
    }
    for (name, r) in [
        (
            "result:promptAndCollectUserInformation",
            Cs1Result::PromptAndCollectUserInformation(samples::pacui_result()),
        ),
        (
            "result:promptAndCollectUserInformation/ia5",
            Cs1Result::PromptAndCollectUserInformation(samples::ia5_result()),
        ),
        ("result:activityTest", Cs1Result::ActivityTest),
    ] {
        let param = r.encode_result();
        let msg = continue_(return_result(r.opcode().code(), &param));
        out.push((name.to_string(), param, msg));
    }
    for e in samples::all_errors() {
        let param = e.encode_parameter();
        let msg = continue_(return_error(e.code(), &param));
        out.push((format!("error:{}", e.name()), param, msg));
    }
    out
}

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/cs1_tshark.txt");

struct Vector {
    hex: String,
    fields: Vec<(String, String)>,
}

fn read_vectors() -> Vec<(String, Vector)> {
    let text = std::fs::read_to_string(VECTORS).expect("tests/vectors/cs1_tshark.txt");
    let mut out = Vec::new();
    let mut fields = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# tshark: ") {
            fields = rest
                .split("; ")
                .filter(|s| !s.is_empty())
                .map(|kv| {
                    let (k, v) = kv.split_once('=').expect("field=value");
                    (k.to_string(), v.to_string())
                })
                .collect();
        } else if !line.starts_with('#') && !line.trim().is_empty() {
            let (name, hex) = line.split_once(' ').expect("name hex");
            let hex = if hex == "-" {
                String::new()
            } else {
                hex.to_string()
            };
            out.push((
                name.to_string(),
                Vector {
                    hex,
                    fields: std::mem::take(&mut fields),
                },
            ));
        }
    }
    out
}

#[test]
fn tshark_decodes_every_operation_result_and_error() {
    let msgs = messages();
    let pcap = write_pcap(
        "cs1_all",
        &msgs.iter().map(|m| m.2.clone()).collect::<Vec<_>>(),
    );
    let frames = tshark_fields(&pcap, FIELDS);
    assert_eq!(frames.len(), msgs.len(), "one frame per message");

    if std::env::var_os("INAP_REGEN_VECTORS").is_some() {
        let mut text = String::from(
            "# INAP CS-1 parameters (argument, result or error parameter; '-' = absent) as encoded by\n\
             # callctl-inap, each wrapped in a TCAP message (Begin+AARQ for SSP->SCP invokes, Continue+AARE\n\
             # otherwise) and decoded by tshark 4.0 (inap dissector). '# tshark:' lists the fields tshark\n\
             # showed; none of the frames had _ws.malformed or _ws.expert.\n\n",
        );
        for ((name, param, _), frame) in msgs.iter().zip(&frames) {
            let shown: Vec<String> = frame
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            text.push_str(&format!(
                "# tshark: {}\n{} {}\n\n",
                shown.join("; "),
                name,
                if param.is_empty() {
                    "-".into()
                } else {
                    hex(param)
                }
            ));
        }
        std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors")).unwrap();
        std::fs::write(VECTORS, text).unwrap();
    }

    let vectors = read_vectors();
    assert_eq!(vectors.len(), msgs.len(), "one vector per message");
    for (((name, param, _), frame), (vname, vector)) in msgs.iter().zip(&frames).zip(&vectors) {
        assert_eq!(name, vname, "vector order");
        assert_eq!(
            hex(param),
            vector.hex,
            "{name}: our encoding differs from the recorded vector"
        );
        for (k, v) in frame {
            if k.starts_with("_ws.") {
                assert!(v.is_empty(), "{name}: tshark flagged {k}={v}");
            }
        }
        for (k, v) in &vector.fields {
            let got = frame
                .iter()
                .find(|(f, _)| f == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or("");
            assert_eq!(got, v, "{name}: tshark field {k}");
        }
        // The opcode or error code tshark saw is ours.
        let code_field = "inap.code.local";
        assert!(
            vector.fields.iter().any(|(k, _)| k == code_field) || name == "result:activityTest",
            "{name}: {code_field} recorded"
        );
    }
}

#[test]
fn vectors_decode_back_to_the_samples() {
    for (name, vector) in read_vectors() {
        let bytes = unhex(&vector.hex);
        if let Some(op) = name.strip_prefix("invoke:") {
            let code = Opcode::ALL
                .into_iter()
                .find(|o| o.name() == op)
                .unwrap()
                .code();
            let a = Cs1Argument::decode_argument(code, &bytes)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(a.encode_argument(), bytes, "{name}");
        } else if name.starts_with("result:") {
            let code = if name.contains("activityTest") {
                55
            } else {
                48
            };
            let r = Cs1Result::decode_result(code, &bytes).unwrap();
            assert_eq!(r.encode_result(), bytes, "{name}");
        } else {
            let n = name.strip_prefix("error:").unwrap();
            let code = ERROR_CODES.iter().find(|(_, e)| *e == n).unwrap().0;
            let e = Cs1Error::decode(code, &bytes).unwrap();
            assert_eq!(e.encode_parameter(), bytes, "{name}");
        }
    }
}
