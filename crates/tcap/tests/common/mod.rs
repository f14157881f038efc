//! Shared helpers for the vector, tshark and pycrate tests: the vector file and the messages
//! each vector is expected to decode to.
#![allow(dead_code)]

use callctl_tcap::*;
use std::io::Write;
use std::process::{Command, Stdio};

const PYCRATE_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pycrate_tcap.py");

/// Runs tests/pycrate_tcap.py in `mode` with `input` on stdin; fails (does not skip) when
/// python3 or pycrate is missing.
pub fn pycrate(mode: &str, input: &str) -> String {
    let child = Command::new("python3")
        .arg(PYCRATE_SCRIPT)
        .arg(mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = child.expect("python3 is required: install python3 and `pip install pycrate`");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "pycrate helper failed (is pycrate installed? `pip install pycrate`): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// One hex vector from `tests/vectors/tcap.txt`.
pub struct Vector {
    pub name: String,
    pub bytes: Vec<u8>,
    /// `field=value` pairs tshark must show (values joined by ',' when repeated).
    pub tshark: Vec<(String, String)>,
}

pub fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Reads the vector file: `vector NAME HEX` lines, each optionally followed by a
/// `tshark FIELD=VALUE ...` line; `#` lines are comments.
pub fn vectors() -> Vec<Vector> {
    let text = include_str!("../vectors/tcap.txt");
    let mut out: Vec<Vector> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("vector ") {
            let mut parts = rest.split_whitespace();
            let name = parts.next().expect("name").to_string();
            let bytes = unhex(&parts.collect::<String>());
            out.push(Vector {
                name,
                bytes,
                tshark: Vec::new(),
            });
        } else if let Some(rest) = line.strip_prefix("tshark ") {
            let v = out.last_mut().expect("tshark line after a vector");
            for pair in rest.split_whitespace() {
                let (k, val) = pair.split_once('=').expect("field=value");
                v.tshark.push((k.to_string(), val.to_string()));
            }
        }
    }
    out
}

pub fn p(b: &[u8]) -> Parameter {
    Parameter::from_ber(b.to_vec()).expect("one element")
}

pub fn t(v: u32) -> TransactionId {
    TransactionId::from_u32(v)
}

pub fn cap() -> Oid {
    Oid::new(oids::CAP_V2_GSMSSF_TO_GSMSCF).unwrap()
}

pub fn inap() -> Oid {
    Oid::new(oids::INAP_CS1_SSF_SCF_GENERIC).unwrap()
}

pub fn generic() -> Oid {
    Oid::new(&[1, 3, 6, 1, 4, 1, 99999, 1]).unwrap()
}

/// CAP RequestReportBCSMEvent argument: oAnswer (7) and oDisconnect (9), notifyAndContinue.
pub const RRBE: &[u8] = &[
    0x30, 0x12, 0xa0, 0x10, 0x30, 0x06, 0x80, 0x01, 0x07, 0x81, 0x01, 0x01, 0x30, 0x06, 0x80, 0x01,
    0x09, 0x81, 0x01, 0x01,
];
/// CAP InitialDP argument: serviceKey 1.
pub const IDP: &[u8] = &[0x30, 0x03, 0x80, 0x01, 0x01];

/// The message each named vector must decode to (and, for definite-length vectors, encode
/// from, byte for byte).
pub fn expected(name: &str) -> Option<Message> {
    let ua = |ac: Oid, d| Some(Dialogue::aare_rejected(ac, d));
    Some(match name {
        "begin_cap_initialdp" => Message::begin(
            t(0x01020304),
            Some(Dialogue::aarq(cap())),
            vec![Component::invoke(1, 0, Some(p(IDP)))],
        ),
        "begin_inap_initialdp" => Message::begin(
            TransactionId::new(&[0xab]).unwrap(),
            Some(Dialogue::aarq(inap())),
            vec![Component::invoke(
                0,
                0,
                Some(p(&[0x30, 0x03, 0x80, 0x01, 0x0a])),
            )],
        ),
        "begin_generic_linked_global" => Message::begin(
            TransactionId::new(&[1, 2]).unwrap(),
            Some(Dialogue::aarq(generic())),
            vec![
                Component::Invoke(Invoke {
                    invoke_id: -5,
                    linked_id: Some(3),
                    opcode: Code::Global(Oid::new(&[1, 2, 3]).unwrap()),
                    parameter: Some(p(&[0x04, 0x02, 0xca, 0xfe])),
                }),
                Component::invoke(6, 300, None),
            ],
        ),
        "begin_aarq_user_information" => Message::begin(
            t(0xdeadbeef),
            Some(Dialogue::Aarq(Aarq {
                version1: true,
                application_context: generic(),
                user_information: vec![External::single(
                    Oid::new(&[0, 4, 0, 0, 1, 1, 1, 1]).unwrap(),
                    p(&[0xa0, 0x00]),
                )],
            })),
            vec![Component::invoke(1, 0, None)],
        ),
        "begin_no_dialogue" => Message::begin(
            t(7),
            None,
            vec![Component::invoke(1, 44, Some(p(&[0x02, 0x01, 0x05])))],
        ),
        "continue_cap_aare_rrbe_continue" => Message::continue_(
            t(0x11223344),
            t(0x01020304),
            Some(Dialogue::aare_accepted(cap())),
            vec![
                Component::Invoke(Invoke {
                    invoke_id: 2,
                    linked_id: None,
                    opcode: Code::Local(23),
                    parameter: Some(p(RRBE)),
                }),
                Component::invoke(3, 31, None),
            ],
        ),
        "continue_generic_result_not_last" => Message::continue_(
            t(0x11223344),
            t(0x01020304),
            Some(Dialogue::aare_accepted(generic())),
            vec![Component::ReturnResult(ReturnResult {
                invoke_id: 1,
                last: false,
                result: Some((Code::Local(9), p(&[0x30, 0x00]))),
            })],
        ),
        "end_cap_release_call" => Message::end(
            t(0x01020304),
            Some(Dialogue::aare_accepted(cap())),
            vec![Component::invoke(1, 22, Some(p(&[0x04, 0x02, 0x80, 0x90])))],
        ),
        "end_cap_return_result_last" => Message::end(
            t(0x01020304),
            Some(Dialogue::aare_accepted(cap())),
            vec![Component::return_result_last(1, None)],
        ),
        "end_cap_return_error" => Message::end(
            t(0x01020304),
            Some(Dialogue::aare_accepted(cap())),
            vec![Component::return_error(1, 7, None)],
        ),
        "end_cap_reject_invoke" => Message::end(
            t(0x01020304),
            Some(Dialogue::aare_accepted(cap())),
            vec![Component::reject(
                Some(1),
                Problem::Invoke(InvokeProblem::UnrecognizedOperation),
            )],
        ),
        "end_cap_reject_general" => Message::end(
            t(0x01020304),
            Some(Dialogue::aare_accepted(cap())),
            vec![Component::reject(
                None,
                Problem::General(GeneralProblem::BadlyStructuredComponent),
            )],
        ),
        "end_cap_reject_result" => Message::end(
            t(0x01020304),
            Some(Dialogue::aare_accepted(cap())),
            vec![Component::reject(
                Some(2),
                Problem::ReturnResult(ReturnResultProblem::UnrecognizedInvokeId),
            )],
        ),
        "end_cap_reject_error" => Message::end(
            t(0x01020304),
            Some(Dialogue::aare_accepted(cap())),
            vec![Component::reject(
                Some(3),
                Problem::ReturnError(ReturnErrorProblem::UnexpectedError),
            )],
        ),
        "end_generic_return_error_global" => Message::end(
            t(9),
            None,
            vec![
                Component::return_error(1, 7, Some(p(&[0x0a, 0x01, 0x02]))),
                Component::ReturnError(ReturnError {
                    invoke_id: 2,
                    error_code: Code::Global(Oid::new(&[1, 2, 3, 4]).unwrap()),
                    parameter: None,
                }),
            ],
        ),
        "end_aare_rejected" => Message::end(
            t(0x01020304),
            ua(
                generic(),
                SourceDiagnostic::User(UserDiagnostic::ApplicationContextNameNotSupported),
            ),
            vec![],
        ),
        "abort_p_abort" => Message::p_abort(t(0x01020304), PAbortCause::UnrecognizedTransactionId),
        "abort_abrt_user" => {
            Message::u_abort(t(0x01020304), Some(Dialogue::abrt(AbortSource::User)))
        }
        "abort_abrt_provider" => {
            Message::u_abort(t(0x01020304), Some(Dialogue::abrt(AbortSource::Provider)))
        }
        "abort_aare_no_common_dialogue_portion" => Message::u_abort(
            t(0x01020304),
            ua(
                generic(),
                SourceDiagnostic::Provider(ProviderDiagnostic::NoCommonDialoguePortion),
            ),
        ),
        "abort_user_information" => Message::u_abort(
            t(0x01020304),
            Some(Dialogue::UserAbortInformation(External::single(
                Oid::new(&[0, 4, 0, 0, 1, 1, 1, 1]).unwrap(),
                p(&[0x0a, 0x01, 0x03]),
            ))),
        ),
        "abort_empty" => Message::u_abort(TransactionId::new(&[1, 2]).unwrap(), None),
        "unidirectional_audt" => Message::unidirectional(
            Some(Dialogue::audt(generic())),
            vec![Component::invoke(1, 5, None)],
        ),
        "indefinite_begin_cap_initialdp" => Message::begin(
            t(0x01020304),
            Some(Dialogue::aarq(cap())),
            vec![Component::invoke(
                1,
                0,
                Some(p(&[0x30, 0x80, 0x80, 0x01, 0x01, 0x00, 0x00])),
            )],
        ),
        "indefinite_continue_generic" => Message::continue_(
            t(0x11223344),
            t(0x01020304),
            Some(Dialogue::aare_accepted(generic())),
            vec![Component::invoke(2, 31, None)],
        ),
        _ => return None,
    })
}

/// Names of the vectors whose bytes use indefinite lengths (not reproduced by the encoder).
pub fn is_indefinite(name: &str) -> bool {
    name.starts_with("indefinite_")
}
