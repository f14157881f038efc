//! Encoding and decoding of whole TCAP messages, with the error classification of
//! Q.774 §3.2.1.2 (transaction portion → P-Abort cause) and §3.2.2.2 (component → Reject
//! general problem).

use rasn::types::{Any, BitString, ObjectIdentifier, OctetString};

use crate::ber::{self, Tag, TagClass, Tlv};
use crate::message::*;
use crate::wire::*;

const TAG_OTID: u32 = 8;
const TAG_DTID: u32 = 9;
const TAG_P_ABORT: u32 = 10;
const TAG_DIALOGUE: u32 = 11;
const TAG_COMPONENTS: u32 = 12;

/// Why a message could not be decoded, and what answer it deserves.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The transaction portion could not be read (Q.774 §3.2.1.2). The answer, when an
    /// originating id was extracted and the message type allows one, is an Abort with this
    /// P-Abort cause addressed to `otid`; a local transaction named by `dtid` is ended with a
    /// TC-P-ABORT indication.
    #[error("transaction portion: {detail} (P-Abort {cause:?})")]
    Transaction {
        /// The P-Abort cause to send.
        cause: PAbortCause,
        /// The message type, when the tag was recognised.
        message_type: Option<MessageType>,
        /// The originating transaction id, when it could be extracted.
        otid: Option<TransactionId>,
        /// The destination transaction id, when it could be extracted.
        dtid: Option<TransactionId>,
        /// A human-readable description.
        detail: String,
    },
    /// The transaction portion is fine but the dialogue portion is not (Q.774 §3.2.2.1: the
    /// dialogue is aborted with an ABRT whose abort-source is dialogue-service-provider).
    #[error("dialogue portion: {detail}")]
    Dialogue {
        /// The message type.
        message_type: MessageType,
        /// The originating transaction id.
        otid: Option<TransactionId>,
        /// The destination transaction id.
        dtid: Option<TransactionId>,
        /// A human-readable description.
        detail: String,
    },
    /// The transaction and dialogue portions are fine but a component is not (Q.774
    /// §3.2.2.2): answer with a Reject carrying `problem` and `invoke_id`. `message` holds the
    /// message with the components that preceded the bad one; the ones after it are discarded.
    #[error("component {index}: {detail} (Reject {problem:?})")]
    Component {
        /// The message, with the components decoded before the bad one.
        message: Box<Message>,
        /// Index of the bad component in the component portion.
        index: usize,
        /// The invoke id of the bad component, when derivable.
        invoke_id: Option<InvokeId>,
        /// The general problem code to put in the Reject.
        problem: GeneralProblem,
        /// A human-readable description.
        detail: String,
    },
}

impl DecodeError {
    /// The message type, when known.
    pub fn message_type(&self) -> Option<MessageType> {
        match self {
            DecodeError::Transaction { message_type, .. } => *message_type,
            DecodeError::Dialogue { message_type, .. } => Some(*message_type),
            DecodeError::Component { message, .. } => Some(message.message_type()),
        }
    }

    /// The originating transaction id, when extracted.
    pub fn otid(&self) -> Option<TransactionId> {
        match self {
            DecodeError::Transaction { otid, .. } | DecodeError::Dialogue { otid, .. } => *otid,
            DecodeError::Component { message, .. } => message.otid(),
        }
    }

    /// The destination transaction id, when extracted.
    pub fn dtid(&self) -> Option<TransactionId> {
        match self {
            DecodeError::Transaction { dtid, .. } | DecodeError::Dialogue { dtid, .. } => *dtid,
            DecodeError::Component { message, .. } => message.dtid(),
        }
    }

    /// The message to send back to the peer, if any, in the simple case where no local
    /// transaction state is consulted: a P-Abort to the originating id of a Begin or Continue
    /// whose transaction portion is bad (Q.774 §3.2.1.2), an ABRT (dialogue-service-provider)
    /// for a bad dialogue portion of a Begin or Continue. Component errors are answered in the
    /// transaction by the component sublayer and give `None` here. Nothing is sent in answer
    /// to an End, Abort or Unidirectional, nor when no originating id was found.
    pub fn peer_answer(&self) -> Option<Message> {
        let otid = self.otid()?;
        match self {
            DecodeError::Transaction { cause, .. } => Some(Message::p_abort(otid, *cause)),
            DecodeError::Dialogue { message_type, .. } => match message_type {
                MessageType::Begin | MessageType::Continue => Some(Message::u_abort(
                    otid,
                    Some(Dialogue::abrt(AbortSource::Provider)),
                )),
                _ => None,
            },
            DecodeError::Component { .. } => None,
        }
    }
}

fn transaction_error(
    cause: PAbortCause,
    message_type: Option<MessageType>,
    ids: (Option<TransactionId>, Option<TransactionId>),
    detail: impl Into<String>,
) -> DecodeError {
    DecodeError::Transaction {
        cause,
        message_type,
        otid: ids.0,
        dtid: ids.1,
        detail: detail.into(),
    }
}

/// Best-effort extraction of the transaction ids from the front of a (possibly broken)
/// message's contents: reads elements in order until one fails.
fn scavenge_ids(mut contents: &[u8]) -> (Option<TransactionId>, Option<TransactionId>) {
    let (mut otid, mut dtid) = (None, None);
    while let Ok((tlv, rest)) = ber::read(contents) {
        if tlv.tag.class == TagClass::Application && !tlv.tag.constructed {
            match tlv.tag.number {
                TAG_OTID if otid.is_none() => otid = TransactionId::new(tlv.contents),
                TAG_DTID if dtid.is_none() => dtid = TransactionId::new(tlv.contents),
                _ => {}
            }
        }
        contents = rest;
    }
    (otid, dtid)
}

/// Reads the header of a possibly truncated element, returning its tag and the contents that
/// are present.
fn partial_contents(input: &[u8]) -> Option<(Tag, &[u8])> {
    let first = *input.first()?;
    if first & 0x1F == 0x1F {
        return None;
    }
    let tag = Tag {
        class: match first >> 6 {
            0 => TagClass::Universal,
            1 => TagClass::Application,
            2 => TagClass::Context,
            _ => TagClass::Private,
        },
        constructed: first & 0x20 != 0,
        number: u32::from(first & 0x1F),
    };
    let len_octet = *input.get(1)?;
    let header = if len_octet & 0x80 == 0 || len_octet == 0x80 {
        2
    } else {
        2 + usize::from(len_octet & 0x7F)
    };
    Some((tag, input.get(header..).unwrap_or(&[])))
}

/// Decodes one TCAP message. Definite and indefinite lengths are accepted.
pub fn decode(input: &[u8]) -> Result<Message, DecodeError> {
    use PAbortCause::*;
    let (top, rest) = match ber::read(input) {
        Ok(ok) => ok,
        Err(e) => {
            let (message_type, ids) = match partial_contents(input) {
                Some((tag, contents)) if tag.class == TagClass::Application => {
                    (MessageType::from_tag(tag.number), scavenge_ids(contents))
                }
                _ => (None, (None, None)),
            };
            return Err(transaction_error(
                BadlyFormattedTransactionPortion,
                message_type,
                ids,
                format!("message element: {e:?}"),
            ));
        }
    };
    let message_type = match (top.tag.class, top.tag.constructed) {
        (TagClass::Application, true) => MessageType::from_tag(top.tag.number),
        _ => None,
    };
    let Some(message_type) = message_type else {
        let ids = if top.tag.constructed {
            scavenge_ids(top.contents)
        } else {
            (None, None)
        };
        return Err(transaction_error(
            UnrecognizedMessageType,
            None,
            ids,
            format!("message tag {:?}", top.tag),
        ));
    };
    let ids_hint = scavenge_ids(top.contents);
    if !rest.is_empty() {
        return Err(transaction_error(
            BadlyFormattedTransactionPortion,
            Some(message_type),
            ids_hint,
            "bytes after the message",
        ));
    }
    let elements = match ber::children(top.contents) {
        Ok(e) => e,
        Err(e) => {
            return Err(transaction_error(
                BadlyFormattedTransactionPortion,
                Some(message_type),
                ids_hint,
                format!("message contents: {e:?}"),
            ))
        }
    };
    let mut elements = elements.into_iter().peekable();
    let incorrect = |detail: &str| {
        transaction_error(
            IncorrectTransactionPortion,
            Some(message_type),
            ids_hint,
            detail.to_string(),
        )
    };

    let take_id = |number: u32,
                   name: &str,
                   elements: &mut std::iter::Peekable<std::vec::IntoIter<Tlv<'_>>>|
     -> Result<TransactionId, DecodeError> {
        match elements.next() {
            Some(tlv) if tlv.tag == Tag::new(TagClass::Application, false, number) => {
                TransactionId::new(tlv.contents).ok_or_else(|| {
                    transaction_error(
                        BadlyFormattedTransactionPortion,
                        Some(message_type),
                        ids_hint,
                        format!("{name} of {} octets", tlv.contents.len()),
                    )
                })
            }
            _ => Err(incorrect(&format!("{name} missing"))),
        }
    };

    let (otid, dtid) = match message_type {
        MessageType::Unidirectional => (None, None),
        MessageType::Begin => (Some(take_id(TAG_OTID, "otid", &mut elements)?), None),
        MessageType::End | MessageType::Abort => {
            (None, Some(take_id(TAG_DTID, "dtid", &mut elements)?))
        }
        MessageType::Continue => {
            let otid = take_id(TAG_OTID, "otid", &mut elements)?;
            let dtid = take_id(TAG_DTID, "dtid", &mut elements)?;
            (Some(otid), Some(dtid))
        }
    };
    let ids = (otid, dtid);

    if message_type == MessageType::Abort {
        let reason = match elements.next() {
            None => None,
            Some(tlv) if tlv.tag == Tag::new(TagClass::Application, false, TAG_P_ABORT) => {
                let cause = decode_small_int(tlv.contents).and_then(PAbortCause::from_code);
                match cause {
                    Some(c) => Some(AbortReason::Provider(c)),
                    None => {
                        return Err(transaction_error(
                            IncorrectTransactionPortion,
                            Some(message_type),
                            ids,
                            "P-AbortCause value",
                        ))
                    }
                }
            }
            Some(tlv) if tlv.tag == Tag::new(TagClass::Application, true, TAG_DIALOGUE) => {
                let dialogue = decode_dialogue_portion(tlv.contents).map_err(|detail| {
                    DecodeError::Dialogue {
                        message_type,
                        otid,
                        dtid,
                        detail,
                    }
                })?;
                Some(AbortReason::User(dialogue))
            }
            Some(_) => {
                return Err(transaction_error(
                    IncorrectTransactionPortion,
                    Some(message_type),
                    ids,
                    "unexpected element in Abort",
                ))
            }
        };
        if elements.next().is_some() {
            return Err(transaction_error(
                IncorrectTransactionPortion,
                Some(message_type),
                ids,
                "element after the abort reason",
            ));
        }
        return Ok(Message::Abort {
            dtid: dtid.unwrap_or(TransactionId::from_u32(0)),
            reason,
        });
    }

    let mut dialogue_tlv = None;
    if let Some(tlv) = elements.peek() {
        if tlv.tag == Tag::new(TagClass::Application, true, TAG_DIALOGUE) {
            dialogue_tlv = elements.next();
        }
    }
    let components_tlv = match elements.next() {
        Some(tlv) if tlv.tag == Tag::new(TagClass::Application, true, TAG_COMPONENTS) => Some(tlv),
        Some(_) => {
            return Err(transaction_error(
                IncorrectTransactionPortion,
                Some(message_type),
                ids,
                "unexpected element",
            ))
        }
        None => None,
    };
    if elements.next().is_some() {
        return Err(transaction_error(
            IncorrectTransactionPortion,
            Some(message_type),
            ids,
            "element after the component portion",
        ));
    }
    if message_type == MessageType::Unidirectional && components_tlv.is_none() {
        return Err(transaction_error(
            IncorrectTransactionPortion,
            Some(message_type),
            ids,
            "Unidirectional without components",
        ));
    }
    let dialogue =
        match dialogue_tlv {
            Some(tlv) => Some(decode_dialogue_portion(tlv.contents).map_err(|detail| {
                DecodeError::Dialogue {
                    message_type,
                    otid,
                    dtid,
                    detail,
                }
            })?),
            None => None,
        };
    let build = |components: Vec<Component>, dialogue: Option<Dialogue>| match message_type {
        MessageType::Unidirectional => Message::Unidirectional {
            dialogue,
            components,
        },
        MessageType::Begin => Message::Begin {
            otid: otid.unwrap_or(TransactionId::from_u32(0)),
            dialogue,
            components,
        },
        MessageType::Continue => Message::Continue {
            otid: otid.unwrap_or(TransactionId::from_u32(0)),
            dtid: dtid.unwrap_or(TransactionId::from_u32(0)),
            dialogue,
            components,
        },
        _ => Message::End {
            dtid: dtid.unwrap_or(TransactionId::from_u32(0)),
            dialogue,
            components,
        },
    };
    let mut components = Vec::new();
    if let Some(portion) = components_tlv {
        let mut cursor = portion.contents;
        while !cursor.is_empty() {
            let index = components.len();
            let (tlv, rest) = match ber::read(cursor) {
                Ok(ok) => ok,
                Err(e) => {
                    return Err(DecodeError::Component {
                        invoke_id: partial_contents(cursor).and_then(|(_, c)| derive_invoke_id(c)),
                        message: Box::new(build(components, dialogue)),
                        index,
                        problem: GeneralProblem::BadlyStructuredComponent,
                        detail: format!("component element: {e:?}"),
                    })
                }
            };
            cursor = rest;
            match decode_component(&tlv) {
                Ok(c) => components.push(c),
                Err((problem, detail)) => {
                    return Err(DecodeError::Component {
                        invoke_id: derive_invoke_id(tlv.contents),
                        message: Box::new(build(components, dialogue)),
                        index,
                        problem,
                        detail,
                    })
                }
            }
        }
    }
    Ok(build(components, dialogue))
}

/// Reads a small non-negative INTEGER contents (up to 8 octets, two's complement).
fn decode_small_int(contents: &[u8]) -> Option<i64> {
    if contents.is_empty() || contents.len() > 8 {
        return None;
    }
    let negative = contents.first().is_some_and(|b| b & 0x80 != 0);
    let start: i64 = if negative { -1 } else { 0 };
    Some(
        contents
            .iter()
            .fold(start, |acc, b| (acc << 8) | i64::from(*b)),
    )
}

/// The invoke id of a component whose body is otherwise unusable: its first element, when it
/// is an INTEGER within the InvokeIdType range.
fn derive_invoke_id(contents: &[u8]) -> Option<InvokeId> {
    let (first, _) = ber::read(contents).ok()?;
    if first.tag != Tag::new(TagClass::Universal, false, 2) || first.contents.len() != 1 {
        return None;
    }
    decode_small_int(first.contents).and_then(|v| i8::try_from(v).ok())
}

fn code_from_wire(code: WireCode) -> Code {
    match code {
        WireCode::Local(v) => Code::Local(v),
        WireCode::Global(oid) => Code::Global(Oid::from_rasn(&oid)),
    }
}

fn code_to_wire(code: &Code) -> WireCode {
    match code {
        Code::Local(v) => WireCode::Local(*v),
        Code::Global(oid) => WireCode::Global(oid.to_rasn()),
    }
}

fn parameter_from_any(any: Any) -> Result<Parameter, String> {
    Parameter::from_ber(any.into_bytes()).map_err(|_| "parameter is not one element".to_string())
}

fn parameter_to_any(p: &Parameter) -> Any {
    // Parameters received with indefinite lengths are re-encoded definite on output.
    Any::new(ber::to_definite(p.as_bytes()).unwrap_or_else(|_| p.as_bytes().to_vec()))
}

fn decode_component(tlv: &Tlv<'_>) -> Result<Component, (GeneralProblem, String)> {
    use GeneralProblem::*;
    let known = tlv.tag.class == TagClass::Context
        && tlv.tag.constructed
        && matches!(tlv.tag.number, 1 | 2 | 3 | 4 | 7);
    if !known {
        return Err((
            UnrecognizedComponent,
            format!("component tag {:?}", tlv.tag),
        ));
    }
    // A body whose elements cannot even be delimited is badly structured; one whose elements
    // are delimited but of the wrong type, count or value is mistyped.
    if let Err(e) = ber::children(tlv.contents) {
        return Err((BadlyStructuredComponent, format!("component body: {e:?}")));
    }
    let wire: WireComponent =
        rasn::ber::decode(tlv.raw).map_err(|e| (MistypedComponent, format!("component: {e}")))?;
    let mistyped = |detail: String| (MistypedComponent, detail);
    Ok(match wire {
        WireComponent::Invoke(i) => Component::Invoke(Invoke {
            invoke_id: i.invoke_id,
            linked_id: i.linked_id,
            opcode: code_from_wire(i.opcode),
            parameter: i
                .parameter
                .map(parameter_from_any)
                .transpose()
                .map_err(mistyped)?,
        }),
        WireComponent::ReturnResultLast(r) | WireComponent::ReturnResultNotLast(r) => {
            let last = tlv.tag.number == 2;
            let result = match r.result {
                Some(res) => Some((
                    code_from_wire(res.opcode),
                    parameter_from_any(res.parameter).map_err(mistyped)?,
                )),
                None => None,
            };
            Component::ReturnResult(ReturnResult {
                invoke_id: r.invoke_id,
                last,
                result,
            })
        }
        WireComponent::ReturnError(e) => Component::ReturnError(ReturnError {
            invoke_id: e.invoke_id,
            error_code: code_from_wire(e.error_code),
            parameter: e
                .parameter
                .map(parameter_from_any)
                .transpose()
                .map_err(mistyped)?,
        }),
        WireComponent::Reject(r) => {
            let invoke_id = match r.invoke_id {
                WireRejectId::Derivable(id) => Some(id),
                WireRejectId::NotDerivable(()) => None,
            };
            let problem = match r.problem {
                WireProblem::General(v) => GeneralProblem::from_code(v).map(Problem::General),
                WireProblem::Invoke(v) => InvokeProblem::from_code(v).map(Problem::Invoke),
                WireProblem::ReturnResult(v) => {
                    ReturnResultProblem::from_code(v).map(Problem::ReturnResult)
                }
                WireProblem::ReturnError(v) => {
                    ReturnErrorProblem::from_code(v).map(Problem::ReturnError)
                }
            }
            .ok_or_else(|| mistyped("unknown problem code".into()))?;
            Component::Reject(Reject { invoke_id, problem })
        }
    })
}

fn version1(bits: &Option<BitString>) -> bool {
    match bits {
        None => true,
        Some(b) => b.first().is_some_and(|bit| *bit),
    }
}

fn version1_bits() -> BitString {
    let mut b = BitString::from_vec(vec![0x80]);
    b.truncate(1);
    b
}

fn external_from_wire(e: WireExternal) -> Result<External, String> {
    let encoding = match e.encoding {
        WireExternalEncoding::SingleAsn1Type(any) => {
            let bytes = any.into_bytes();
            match ber::read(&bytes) {
                Ok((_, [])) => {}
                _ => return Err("single-ASN1-type is not one element".into()),
            }
            ExternalEncoding::SingleAsn1Type(bytes)
        }
        WireExternalEncoding::OctetAligned(o) => ExternalEncoding::OctetAligned(o.to_vec()),
        WireExternalEncoding::Arbitrary(bits) => {
            let unused = (8 - bits.len() % 8) % 8;
            let mut out = vec![unused as u8];
            out.extend_from_slice(&bits.clone().into_vec());
            ExternalEncoding::Arbitrary(out)
        }
    };
    Ok(External {
        direct_reference: e.direct_reference.as_ref().map(Oid::from_rasn),
        indirect_reference: e.indirect_reference,
        encoding,
    })
}

fn external_to_wire(e: &External) -> WireExternal {
    let encoding = match &e.encoding {
        ExternalEncoding::SingleAsn1Type(bytes) => WireExternalEncoding::SingleAsn1Type(Any::new(
            ber::to_definite(bytes).unwrap_or_else(|_| bytes.clone()),
        )),
        ExternalEncoding::OctetAligned(bytes) => {
            WireExternalEncoding::OctetAligned(OctetString::from(bytes.clone()))
        }
        ExternalEncoding::Arbitrary(bytes) => {
            let (unused, data) = bytes.split_first().unwrap_or((&0, &[]));
            let mut bits = BitString::from_vec(data.to_vec());
            let keep = bits.len().saturating_sub(usize::from(*unused).min(7));
            bits.truncate(keep);
            WireExternalEncoding::Arbitrary(bits)
        }
    };
    WireExternal {
        direct_reference: e.direct_reference.as_ref().map(Oid::to_rasn),
        indirect_reference: e.indirect_reference,
        data_value_descriptor: None,
        encoding,
    }
}

fn user_info_from_wire(list: Option<Vec<WireExternal>>) -> Result<Vec<External>, String> {
    list.unwrap_or_default()
        .into_iter()
        .map(external_from_wire)
        .collect()
}

fn user_info_to_wire(list: &[External]) -> Option<Vec<WireExternal>> {
    if list.is_empty() {
        None
    } else {
        Some(list.iter().map(external_to_wire).collect())
    }
}

fn oid_is(oid: &Option<ObjectIdentifier>, arcs: &[u32]) -> bool {
    oid.as_ref().is_some_and(|o| &o[..] == arcs)
}

/// Decodes the contents of a DialoguePortion (`[APPLICATION 11]`): one EXTERNAL.
fn decode_dialogue_portion(contents: &[u8]) -> Result<Dialogue, String> {
    let (ext_tlv, rest) = ber::read(contents).map_err(|e| format!("EXTERNAL: {e:?}"))?;
    if !rest.is_empty() {
        return Err("bytes after the EXTERNAL".into());
    }
    let external: WireExternal =
        rasn::ber::decode(ext_tlv.raw).map_err(|e| format!("EXTERNAL: {e}"))?;
    let structured = oid_is(&external.direct_reference, oids::DIALOGUE_AS_ID);
    let unstructured = oid_is(&external.direct_reference, oids::UNI_DIALOGUE_AS_ID);
    if !structured && !unstructured {
        // Not a dialogue PDU: user abort information (only meaningful in an Abort; the caller
        // decides what to do with it elsewhere).
        return external_from_wire(external).map(Dialogue::UserAbortInformation);
    }
    let WireExternalEncoding::SingleAsn1Type(pdu) = external.encoding else {
        return Err("dialogue PDU not in single-ASN1-type".into());
    };
    let pdu = pdu.into_bytes();
    let (pdu_tlv, rest) = ber::read(&pdu).map_err(|e| format!("dialogue PDU: {e:?}"))?;
    if !rest.is_empty() || pdu_tlv.tag.class != TagClass::Application || !pdu_tlv.tag.constructed {
        return Err("dialogue PDU element".into());
    }
    let err = |e: rasn::error::DecodeError| format!("dialogue PDU: {e}");
    match (unstructured, pdu_tlv.tag.number) {
        (false, 0) => {
            let w: WireAarq = rasn::ber::decode(&pdu).map_err(err)?;
            Ok(Dialogue::Aarq(Aarq {
                version1: version1(&w.protocol_version),
                application_context: Oid::from_rasn(&w.application_context_name),
                user_information: user_info_from_wire(w.user_information)?,
            }))
        }
        (true, 0) => {
            let w: WireAarq = rasn::ber::decode(&pdu).map_err(err)?;
            Ok(Dialogue::Audt(Audt {
                version1: version1(&w.protocol_version),
                application_context: Oid::from_rasn(&w.application_context_name),
                user_information: user_info_from_wire(w.user_information)?,
            }))
        }
        (false, 1) => {
            let w: WireAare = rasn::ber::decode(&pdu).map_err(err)?;
            let result = match w.result {
                0 => AssociateResult::Accepted,
                1 => AssociateResult::RejectPermanent,
                v => return Err(format!("Associate-result {v}")),
            };
            let diagnostic = match w.result_source_diagnostic {
                WireDiagnostic::User(0) => SourceDiagnostic::User(UserDiagnostic::Null),
                WireDiagnostic::User(1) => SourceDiagnostic::User(UserDiagnostic::NoReasonGiven),
                WireDiagnostic::User(2) => {
                    SourceDiagnostic::User(UserDiagnostic::ApplicationContextNameNotSupported)
                }
                WireDiagnostic::Provider(0) => SourceDiagnostic::Provider(ProviderDiagnostic::Null),
                WireDiagnostic::Provider(1) => {
                    SourceDiagnostic::Provider(ProviderDiagnostic::NoReasonGiven)
                }
                WireDiagnostic::Provider(2) => {
                    SourceDiagnostic::Provider(ProviderDiagnostic::NoCommonDialoguePortion)
                }
                other => return Err(format!("result-source-diagnostic {other:?}")),
            };
            Ok(Dialogue::Aare(Aare {
                version1: version1(&w.protocol_version),
                application_context: Oid::from_rasn(&w.application_context_name),
                result,
                diagnostic,
                user_information: user_info_from_wire(w.user_information)?,
            }))
        }
        (false, 4) => {
            let w: WireAbrt = rasn::ber::decode(&pdu).map_err(err)?;
            let source = match w.abort_source {
                0 => AbortSource::User,
                1 => AbortSource::Provider,
                v => return Err(format!("abort-source {v}")),
            };
            Ok(Dialogue::Abrt(Abrt {
                source,
                user_information: user_info_from_wire(w.user_information)?,
            }))
        }
        (_, n) => Err(format!("dialogue PDU [APPLICATION {n}]")),
    }
}

fn encode_dialogue_portion(dialogue: &Dialogue, out: &mut Vec<u8>) {
    let (as_id, pdu): (&[u32], Result<Vec<u8>, _>) = match dialogue {
        Dialogue::Aarq(p) => (
            oids::DIALOGUE_AS_ID,
            rasn::ber::encode(&WireAarq {
                protocol_version: p.version1.then(version1_bits),
                application_context_name: p.application_context.to_rasn(),
                user_information: user_info_to_wire(&p.user_information),
            }),
        ),
        Dialogue::Audt(p) => (
            oids::UNI_DIALOGUE_AS_ID,
            rasn::ber::encode(&WireAarq {
                protocol_version: p.version1.then(version1_bits),
                application_context_name: p.application_context.to_rasn(),
                user_information: user_info_to_wire(&p.user_information),
            }),
        ),
        Dialogue::Aare(p) => (
            oids::DIALOGUE_AS_ID,
            rasn::ber::encode(&WireAare {
                protocol_version: p.version1.then(version1_bits),
                application_context_name: p.application_context.to_rasn(),
                result: match p.result {
                    AssociateResult::Accepted => 0,
                    AssociateResult::RejectPermanent => 1,
                },
                result_source_diagnostic: match p.diagnostic {
                    SourceDiagnostic::User(d) => WireDiagnostic::User(d as i64),
                    SourceDiagnostic::Provider(d) => WireDiagnostic::Provider(d as i64),
                },
                user_information: user_info_to_wire(&p.user_information),
            }),
        ),
        Dialogue::Abrt(p) => (
            oids::DIALOGUE_AS_ID,
            rasn::ber::encode(&WireAbrt {
                abort_source: match p.source {
                    AbortSource::User => 0,
                    AbortSource::Provider => 1,
                },
                user_information: user_info_to_wire(&p.user_information),
            }),
        ),
        Dialogue::UserAbortInformation(e) => {
            let ext = rasn::ber::encode(&external_to_wire(e)).unwrap_or_default();
            ber::write(
                out,
                Tag::new(TagClass::Application, true, TAG_DIALOGUE),
                &ext,
            );
            return;
        }
    };
    let external = WireExternal {
        direct_reference: Some(ObjectIdentifier::new_unchecked(as_id.to_vec().into())),
        indirect_reference: None,
        data_value_descriptor: None,
        encoding: WireExternalEncoding::SingleAsn1Type(Any::new(pdu.unwrap_or_default())),
    };
    let ext = rasn::ber::encode(&external).unwrap_or_default();
    ber::write(
        out,
        Tag::new(TagClass::Application, true, TAG_DIALOGUE),
        &ext,
    );
}

fn component_to_wire(c: &Component) -> WireComponent {
    match c {
        Component::Invoke(i) => WireComponent::Invoke(WireInvoke {
            invoke_id: i.invoke_id,
            linked_id: i.linked_id,
            opcode: code_to_wire(&i.opcode),
            parameter: i.parameter.as_ref().map(parameter_to_any),
        }),
        Component::ReturnResult(r) => {
            let body = WireReturnResult {
                invoke_id: r.invoke_id,
                result: r.result.as_ref().map(|(code, p)| WireResult {
                    opcode: code_to_wire(code),
                    parameter: parameter_to_any(p),
                }),
            };
            if r.last {
                WireComponent::ReturnResultLast(body)
            } else {
                WireComponent::ReturnResultNotLast(body)
            }
        }
        Component::ReturnError(e) => WireComponent::ReturnError(WireReturnError {
            invoke_id: e.invoke_id,
            error_code: code_to_wire(&e.error_code),
            parameter: e.parameter.as_ref().map(parameter_to_any),
        }),
        Component::Reject(r) => WireComponent::Reject(WireReject {
            invoke_id: match r.invoke_id {
                Some(id) => WireRejectId::Derivable(id),
                None => WireRejectId::NotDerivable(()),
            },
            problem: match r.problem {
                Problem::General(p) => WireProblem::General(p.code()),
                Problem::Invoke(p) => WireProblem::Invoke(p.code()),
                Problem::ReturnResult(p) => WireProblem::ReturnResult(p.code()),
                Problem::ReturnError(p) => WireProblem::ReturnError(p.code()),
            },
        }),
    }
}

/// Encodes one component on its own (the element that goes into a component portion).
pub fn encode_component(c: &Component) -> Vec<u8> {
    // The wire values come from the validated model (OIDs checked at construction, parameters
    // checked to be one element), which BER can always encode.
    rasn::ber::encode(&component_to_wire(c)).unwrap_or_default()
}

/// Encodes a whole message with definite lengths.
pub fn encode(message: &Message) -> Vec<u8> {
    let mut body = Vec::new();
    let id = |out: &mut Vec<u8>, number: u32, tid: &TransactionId| {
        ber::write(
            out,
            Tag::new(TagClass::Application, false, number),
            tid.as_bytes(),
        )
    };
    if let Some(otid) = message.otid() {
        id(&mut body, TAG_OTID, &otid);
    }
    if let Some(dtid) = message.dtid() {
        id(&mut body, TAG_DTID, &dtid);
    }
    match message {
        Message::Abort { reason, .. } => match reason {
            Some(AbortReason::Provider(cause)) => ber::write(
                &mut body,
                Tag::new(TagClass::Application, false, TAG_P_ABORT),
                &[cause.code() as u8],
            ),
            Some(AbortReason::User(d)) => encode_dialogue_portion(d, &mut body),
            None => {}
        },
        _ => {
            if let Some(d) = message.dialogue() {
                encode_dialogue_portion(d, &mut body);
            }
            let components = message.components();
            if !components.is_empty() || message.message_type() == MessageType::Unidirectional {
                let mut portion = Vec::new();
                for c in components {
                    portion.extend_from_slice(&encode_component(c));
                }
                ber::write(
                    &mut body,
                    Tag::new(TagClass::Application, true, TAG_COMPONENTS),
                    &portion,
                );
            }
        }
    }
    let mut out = Vec::with_capacity(body.len() + 4);
    ber::write(
        &mut out,
        Tag::new(
            TagClass::Application,
            true,
            message.message_type().tag_number(),
        ),
        &body,
    );
    out
}
