//! Cross-check with pycrate (independent ASN.1 runtime, generic TCAP module TCAP_RAW):
//! pycrate decodes our encodings, and we decode pycrate's; both sides describe each message
//! in the same one-line summary (see tests/pycrate_tcap.py), which must agree.
//!
//! Needs python3 with pycrate (`pip install pycrate`).

mod common;
use callctl_tcap::*;
use common::*;

fn tag_digits(p: &[u8]) -> String {
    let (class, cons, num) = match ber::read(p) {
        Ok((tlv, _)) => (
            match tlv.tag.class {
                ber::TagClass::Universal => 0,
                ber::TagClass::Application => 1,
                ber::TagClass::Context => 2,
                ber::TagClass::Private => 3,
            },
            u8::from(tlv.tag.constructed),
            tlv.tag.number,
        ),
        Err(_) => (9, 9, 9),
    };
    format!("{class}{cons}{num}")
}

fn open(p: &Parameter) -> String {
    format!("{}:{}", tag_digits(p.as_bytes()), hex(p.contents()))
}

fn code(c: &Code) -> String {
    match c {
        Code::Local(v) => format!("L{v}"),
        Code::Global(o) => format!("G{o}"),
    }
}

fn component(c: &Component) -> String {
    match c {
        Component::Invoke(i) => {
            let mut s = format!(
                "invoke:{}:{}:{}",
                i.invoke_id,
                i.linked_id.map(|l| l.to_string()).unwrap_or_default(),
                code(&i.opcode)
            );
            if let Some(p) = &i.parameter {
                s += &format!(":{}", open(p));
            }
            s
        }
        Component::ReturnResult(r) => {
            let mut s = format!("{}:{}", if r.last { "rrl" } else { "rrnl" }, r.invoke_id);
            if let Some((c, p)) = &r.result {
                s += &format!(":{}:{}", code(c), open(p));
            }
            s
        }
        Component::ReturnError(e) => {
            let mut s = format!("rerr:{}:{}", e.invoke_id, code(&e.error_code));
            if let Some(p) = &e.parameter {
                s += &format!(":{}", open(p));
            }
            s
        }
        Component::Reject(r) => {
            let (kind, v) = match r.problem {
                Problem::General(p) => ("general", p.code()),
                Problem::Invoke(p) => ("invoke", p.code()),
                Problem::ReturnResult(p) => ("returnResult", p.code()),
                Problem::ReturnError(p) => ("returnError", p.code()),
            };
            let id = r.invoke_id.map(|i| i.to_string()).unwrap_or("-".into());
            format!("reject:{id}:{kind}:{v}")
        }
    }
}

fn external(e: &External) -> String {
    let r = e
        .direct_reference
        .as_ref()
        .map(|o| o.to_string())
        .unwrap_or_default();
    match &e.encoding {
        ExternalEncoding::SingleAsn1Type(b) => {
            let p = Parameter::from_ber(b.clone()).unwrap();
            format!("{r}/single/{}", open(&p))
        }
        ExternalEncoding::OctetAligned(b) => format!("{r}/octet-aligned/{}", hex(b)),
        ExternalEncoding::Arbitrary(b) => format!("{r}/arbitrary/{}", hex(b)),
    }
}

fn dialogue(d: &Dialogue) -> String {
    let ui = |list: &[External]| -> String {
        list.iter()
            .map(|e| format!(":ui={}", external(e)))
            .collect()
    };
    match d {
        Dialogue::Aarq(a) => format!(
            "dlg=dialogueRequest:{}{}",
            a.application_context,
            ui(&a.user_information)
        ),
        Dialogue::Audt(a) => format!(
            "dlg=unidialoguePDU:{}{}",
            a.application_context,
            ui(&a.user_information)
        ),
        Dialogue::Aare(a) => {
            let r = match a.result {
                AssociateResult::Accepted => 0,
                AssociateResult::RejectPermanent => 1,
            };
            let diag = match a.diagnostic {
                SourceDiagnostic::User(u) => format!("u{}", u as u8),
                SourceDiagnostic::Provider(p) => format!("p{}", p as u8),
            };
            format!(
                "dlg=dialogueResponse:{}:r{r}:{diag}{}",
                a.application_context,
                ui(&a.user_information)
            )
        }
        Dialogue::Abrt(a) => format!(
            "dlg=dialogueAbort:s{}{}",
            match a.source {
                AbortSource::User => 0,
                AbortSource::Provider => 1,
            },
            ui(&a.user_information)
        ),
        Dialogue::UserAbortInformation(e) => format!("userinfo={}", external(e)),
    }
}

fn summary(m: &Message) -> String {
    let mut out = vec![match m.message_type() {
        MessageType::Begin => "begin",
        MessageType::Continue => "continue",
        MessageType::End => "end",
        MessageType::Abort => "abort",
        MessageType::Unidirectional => "unidirectional",
    }
    .to_string()];
    if let Some(t) = m.otid() {
        out.push(format!("otid={}", hex(t.as_bytes())));
    }
    if let Some(t) = m.dtid() {
        out.push(format!("dtid={}", hex(t.as_bytes())));
    }
    match m {
        Message::Abort {
            reason: Some(AbortReason::Provider(c)),
            ..
        } => out.push(format!("pabort={}", c.code())),
        _ => {
            if let Some(d) = m.dialogue() {
                out.push(dialogue(d));
            }
        }
    }
    if !m.components().is_empty() {
        let c: Vec<String> = m.components().iter().map(component).collect();
        out.push(format!("comps={}", c.join(",")));
    }
    out.join(";")
}

#[test]
fn pycrate_decodes_our_encodings() {
    let mut input = String::new();
    let mut ours = Vec::new();
    for v in vectors() {
        if is_indefinite(&v.name) {
            continue;
        }
        let m = expected(&v.name).unwrap();
        input += &format!("{} {}\n", v.name, hex(&m.encode()));
        ours.push((v.name.clone(), summary(&m)));
    }
    let out = pycrate("decode", &input);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), ours.len(), "{out}");
    for (line, (name, want)) in lines.iter().zip(&ours) {
        assert_eq!(*line, format!("{name}|{want}"));
    }
}

#[test]
fn we_decode_pycrate_encodings() {
    let out = pycrate("encode", "");
    let mut seen = Vec::new();
    for line in out.lines() {
        let (head, want) = line.split_once('|').unwrap();
        let (name, hx) = head.split_once(' ').unwrap();
        let m = decode(&unhex(hx)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(summary(&m), want, "{name}");
        seen.push(name.to_string());
    }
    for name in [
        "begin_aarq_invoke",
        "begin_aarq_invoke_indefinite",
        "continue_aare",
        "end_results",
        "end_aare_rejected",
        "abort_p_abort",
        "abort_abrt_user_info",
        "abort_bare_external",
        "unidirectional",
    ] {
        assert!(
            seen.iter().any(|s| s == name),
            "pycrate did not produce {name}"
        );
    }
}
