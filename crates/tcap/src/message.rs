//! The public TCAP message model (Q.773 §4.2): messages, components, dialogue portion.

use std::fmt;

/// A transaction identifier: 1 to 4 octets (Q.773 §4.2, `OrigTransactionID` /
/// `DestTransactionID`). Compared octet by octet, as received.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransactionId {
    bytes: [u8; 4],
    len: u8,
}

impl TransactionId {
    /// Builds an identifier from 1 to 4 octets; `None` for any other length.
    pub fn new(bytes: &[u8]) -> Option<Self> {
        if bytes.is_empty() || bytes.len() > 4 {
            return None;
        }
        let mut b = [0u8; 4];
        b[..bytes.len()].copy_from_slice(bytes);
        Some(TransactionId {
            bytes: b,
            len: bytes.len() as u8,
        })
    }

    /// A 4-octet identifier holding `value` big-endian.
    pub fn from_u32(value: u32) -> Self {
        TransactionId {
            bytes: value.to_be_bytes(),
            len: 4,
        }
    }

    /// The octets as carried on the wire.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The octets read as a big-endian number.
    pub fn to_u32(&self) -> u32 {
        self.as_bytes()
            .iter()
            .fold(0u32, |acc, b| (acc << 8) | u32::from(*b))
    }
}

impl fmt::Debug for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TransactionId(")?;
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// An OBJECT IDENTIFIER as its arcs (application context names, EXTERNAL direct references,
/// global operation and error codes).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Oid(Vec<u32>);

impl Oid {
    /// Builds an OID from its arcs; `None` if X.660 forbids them (fewer than two arcs, first arc
    /// above 2, second arc above 39 under arcs 0 and 1).
    pub fn new(arcs: &[u32]) -> Option<Self> {
        rasn::types::ObjectIdentifier::new(arcs.to_vec()).map(|_| Oid(arcs.to_vec()))
    }

    /// The arcs.
    pub fn arcs(&self) -> &[u32] {
        &self.0
    }

    pub(crate) fn to_rasn(&self) -> rasn::types::ObjectIdentifier {
        rasn::types::ObjectIdentifier::new_unchecked(self.0.clone().into())
    }

    pub(crate) fn from_rasn(oid: &rasn::types::ObjectIdentifier) -> Self {
        Oid(oid.to_vec())
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, arc) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, ".")?;
            }
            write!(f, "{arc}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Oid {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let arcs: Result<Vec<u32>, _> = s.split('.').map(str::parse).collect();
        Oid::new(&arcs.map_err(|_| ())?).ok_or(())
    }
}

/// Well-known object identifiers.
pub mod oids {
    /// Dialogue-as-id, the abstract syntax of the structured dialogue PDUs (Q.773 §4.2.2):
    /// 0.0.17.773.1.1.1.
    pub const DIALOGUE_AS_ID: &[u32] = &[0, 0, 17, 773, 1, 1, 1];
    /// Uni-dialogue-as-id, the abstract syntax of AUDT (Q.773 §4.2.2): 0.0.17.773.1.2.1.
    pub const UNI_DIALOGUE_AS_ID: &[u32] = &[0, 0, 17, 773, 1, 2, 1];
    /// INAP CS-1 SSF to SCF generic application context (ETSI ETS 300 374-1): 0.4.0.1.1.1.0.0.
    pub const INAP_CS1_SSF_SCF_GENERIC: &[u32] = &[0, 4, 0, 1, 1, 1, 0, 0];
    /// CAP v2 gsmSSF to gsmSCF application context (3GPP TS 29.078): 0.4.0.0.1.0.50.1.
    pub const CAP_V2_GSMSSF_TO_GSMSCF: &[u32] = &[0, 4, 0, 0, 1, 0, 50, 1];
}

/// The raw BER encoding of a component parameter (argument, result or error parameter):
/// identifier, length and contents, exactly one element. The operation codec (INAP/CAP)
/// decodes it against the type the operation code selects.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Parameter(Vec<u8>);

/// A byte string that is not exactly one BER element.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not exactly one BER element")]
pub struct NotOneElement;

impl Parameter {
    /// Wraps an encoded element; it must be exactly one well-formed BER element.
    pub fn from_ber(element: Vec<u8>) -> Result<Self, NotOneElement> {
        match crate::ber::read(&element) {
            Ok((_, [])) => Ok(Parameter(element)),
            _ => Err(NotOneElement),
        }
    }

    /// The whole element (identifier, length, contents), as received or given.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Consumes the parameter, returning the element bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// The element's identifier.
    pub fn tag(&self) -> crate::ber::Tag {
        self.element().tag
    }

    /// The contents octets (for an indefinite length, without the end-of-contents octets).
    pub fn contents(&self) -> &[u8] {
        self.element().contents
    }

    fn element(&self) -> crate::ber::Tlv<'_> {
        // The constructor checked the bytes are one element.
        match crate::ber::read(&self.0) {
            Ok((tlv, _)) => tlv,
            Err(_) => crate::ber::Tlv {
                tag: crate::ber::Tag::new(crate::ber::TagClass::Universal, false, 0),
                raw: &[],
                contents: &[],
                indefinite: false,
            },
        }
    }
}

/// An operation or error code (Q.773 §4.2: `local INTEGER` or `global OBJECT IDENTIFIER`).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Code {
    /// A local (integer) code, as used by INAP CS-1 and CAP.
    Local(i64),
    /// A global (OID) code.
    Global(Oid),
}

/// An invoke identifier (`InvokeIdType ::= INTEGER (-128..127)`).
pub type InvokeId = i8;

/// Invoke component (Q.773 §4.2.2.2).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Invoke {
    /// Invoke identifier.
    pub invoke_id: InvokeId,
    /// Linked identifier, when this operation is linked to an earlier invocation.
    pub linked_id: Option<InvokeId>,
    /// Operation code.
    pub opcode: Code,
    /// The operation argument as a raw BER element.
    pub parameter: Option<Parameter>,
}

/// ReturnResult component, last or not last (Q.773 §4.2.2.2).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ReturnResult {
    /// Invoke identifier of the operation answered.
    pub invoke_id: InvokeId,
    /// `true` for ReturnResultLast `[2]`, `false` for ReturnResultNotLast `[7]`.
    pub last: bool,
    /// The operation code and result, when the operation returns a value.
    pub result: Option<(Code, Parameter)>,
}

/// ReturnError component (Q.773 §4.2.2.2).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ReturnError {
    /// Invoke identifier of the operation answered.
    pub invoke_id: InvokeId,
    /// Error code.
    pub error_code: Code,
    /// Error parameter as a raw BER element.
    pub parameter: Option<Parameter>,
}

macro_rules! problem_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $value:expr),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub enum $name {
            $($(#[$vm])* $variant = $value),*
        }
        impl $name {
            /// The code point.
            pub fn code(self) -> i64 {
                self as i64
            }
            /// The value for a code point, if defined.
            pub fn from_code(code: i64) -> Option<Self> {
                match code {
                    $($value => Some($name::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

problem_enum!(
    /// General problem codes of a Reject (Q.773 §4.2.2.2, `GeneralProblem`).
    GeneralProblem {
        /// unrecognizedComponent (0).
        UnrecognizedComponent = 0,
        /// mistypedComponent (1).
        MistypedComponent = 1,
        /// badlyStructuredComponent (2).
        BadlyStructuredComponent = 2,
    }
);

problem_enum!(
    /// Invoke problem codes of a Reject (`InvokeProblem`).
    InvokeProblem {
        /// duplicateInvokeID (0).
        DuplicateInvokeId = 0,
        /// unrecognizedOperation (1).
        UnrecognizedOperation = 1,
        /// mistypedParameter (2).
        MistypedParameter = 2,
        /// resourceLimitation (3).
        ResourceLimitation = 3,
        /// initiatingRelease (4).
        InitiatingRelease = 4,
        /// unrecognizedLinkedID (5).
        UnrecognizedLinkedId = 5,
        /// linkedResponseUnexpected (6).
        LinkedResponseUnexpected = 6,
        /// unexpectedLinkedOperation (7).
        UnexpectedLinkedOperation = 7,
    }
);

problem_enum!(
    /// ReturnResult problem codes of a Reject (`ReturnResultProblem`).
    ReturnResultProblem {
        /// unrecognizedInvokeID (0).
        UnrecognizedInvokeId = 0,
        /// returnResultUnexpected (1).
        ReturnResultUnexpected = 1,
        /// mistypedParameter (2).
        MistypedParameter = 2,
    }
);

problem_enum!(
    /// ReturnError problem codes of a Reject (`ReturnErrorProblem`).
    ReturnErrorProblem {
        /// unrecognizedInvokeID (0).
        UnrecognizedInvokeId = 0,
        /// returnErrorUnexpected (1).
        ReturnErrorUnexpected = 1,
        /// unrecognizedError (2).
        UnrecognizedError = 2,
        /// unexpectedError (3).
        UnexpectedError = 3,
        /// mistypedParameter (4).
        MistypedParameter = 4,
    }
);

problem_enum!(
    /// P-Abort causes (Q.773 §4.2.1, `P-AbortCause`).
    PAbortCause {
        /// unrecognizedMessageType (0).
        UnrecognizedMessageType = 0,
        /// unrecognizedTransactionID (1).
        UnrecognizedTransactionId = 1,
        /// badlyFormattedTransactionPortion (2).
        BadlyFormattedTransactionPortion = 2,
        /// incorrectTransactionPortion (3).
        IncorrectTransactionPortion = 3,
        /// resourceLimitation (4).
        ResourceLimitation = 4,
    }
);

/// The problem carried by a Reject.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Problem {
    /// `generalProblem [0]`.
    General(GeneralProblem),
    /// `invokeProblem [1]`.
    Invoke(InvokeProblem),
    /// `returnResultProblem [2]`.
    ReturnResult(ReturnResultProblem),
    /// `returnErrorProblem [3]`.
    ReturnError(ReturnErrorProblem),
}

/// Reject component (Q.773 §4.2.2.2).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Reject {
    /// The invoke identifier of the rejected component, `None` when not derivable (NULL).
    pub invoke_id: Option<InvokeId>,
    /// The problem.
    pub problem: Problem,
}

/// One component of the component portion.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Component {
    /// Invoke `[1]`.
    Invoke(Invoke),
    /// ReturnResultLast `[2]` or ReturnResultNotLast `[7]`.
    ReturnResult(ReturnResult),
    /// ReturnError `[3]`.
    ReturnError(ReturnError),
    /// Reject `[4]`.
    Reject(Reject),
}

impl Component {
    /// An Invoke with a local operation code.
    pub fn invoke(invoke_id: InvokeId, opcode: i64, parameter: Option<Parameter>) -> Self {
        Component::Invoke(Invoke {
            invoke_id,
            linked_id: None,
            opcode: Code::Local(opcode),
            parameter,
        })
    }

    /// A ReturnResultLast; `result` is the local operation code and the result element.
    pub fn return_result_last(invoke_id: InvokeId, result: Option<(i64, Parameter)>) -> Self {
        Component::ReturnResult(ReturnResult {
            invoke_id,
            last: true,
            result: result.map(|(op, p)| (Code::Local(op), p)),
        })
    }

    /// A ReturnError with a local error code.
    pub fn return_error(
        invoke_id: InvokeId,
        error_code: i64,
        parameter: Option<Parameter>,
    ) -> Self {
        Component::ReturnError(ReturnError {
            invoke_id,
            error_code: Code::Local(error_code),
            parameter,
        })
    }

    /// A Reject.
    pub fn reject(invoke_id: Option<InvokeId>, problem: Problem) -> Self {
        Component::Reject(Reject { invoke_id, problem })
    }

    /// The invoke identifier, if the component carries one.
    pub fn invoke_id(&self) -> Option<InvokeId> {
        match self {
            Component::Invoke(c) => Some(c.invoke_id),
            Component::ReturnResult(c) => Some(c.invoke_id),
            Component::ReturnError(c) => Some(c.invoke_id),
            Component::Reject(c) => c.invoke_id,
        }
    }

    /// The parameter element, if any (argument, result or error parameter).
    pub fn parameter(&self) -> Option<&Parameter> {
        match self {
            Component::Invoke(c) => c.parameter.as_ref(),
            Component::ReturnResult(c) => c.result.as_ref().map(|(_, p)| p),
            Component::ReturnError(c) => c.parameter.as_ref(),
            Component::Reject(_) => None,
        }
    }
}

/// The `encoding` of an EXTERNAL (X.690 §8.18).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ExternalEncoding {
    /// `single-ASN1-type [0]`: one BER element, kept raw.
    SingleAsn1Type(Vec<u8>),
    /// `octet-aligned [1]`.
    OctetAligned(Vec<u8>),
    /// `arbitrary [2]`: the BIT STRING contents octets, first octet = number of unused bits.
    Arbitrary(Vec<u8>),
}

/// An EXTERNAL value: user information of a dialogue PDU, or user abort information.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct External {
    /// direct-reference (the abstract syntax), usually present.
    pub direct_reference: Option<Oid>,
    /// indirect-reference (a presentation context id), rarely used in TCAP.
    pub indirect_reference: Option<i64>,
    /// The encoded value.
    pub encoding: ExternalEncoding,
}

impl External {
    /// A single-ASN1-type EXTERNAL identified by `direct_reference`.
    pub fn single(direct_reference: Oid, element: Parameter) -> Self {
        External {
            direct_reference: Some(direct_reference),
            indirect_reference: None,
            encoding: ExternalEncoding::SingleAsn1Type(element.into_bytes()),
        }
    }
}

/// `Associate-result` of an AARE.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum AssociateResult {
    /// accepted (0).
    Accepted,
    /// reject-permanent (1).
    RejectPermanent,
}

/// `dialogue-service-user` diagnostic values.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum UserDiagnostic {
    /// null (0).
    Null,
    /// no-reason-given (1).
    NoReasonGiven,
    /// application-context-name-not-supported (2).
    ApplicationContextNameNotSupported,
}

/// `dialogue-service-provider` diagnostic values.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ProviderDiagnostic {
    /// null (0).
    Null,
    /// no-reason-given (1).
    NoReasonGiven,
    /// no-common-dialogue-portion (2).
    NoCommonDialoguePortion,
}

/// `Associate-source-diagnostic` of an AARE.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum SourceDiagnostic {
    /// `dialogue-service-user [1]`.
    User(UserDiagnostic),
    /// `dialogue-service-provider [2]`.
    Provider(ProviderDiagnostic),
}

/// `ABRT-source`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum AbortSource {
    /// dialogue-service-user (0).
    User,
    /// dialogue-service-provider (1).
    Provider,
}

/// AARQ-apdu: dialogue request, carried in a Begin.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Aarq {
    /// Whether protocol version 1 is offered (absent protocol-version means version1).
    pub version1: bool,
    /// Application context name.
    pub application_context: Oid,
    /// user-information.
    pub user_information: Vec<External>,
}

/// AARE-apdu: dialogue response, in the first Continue or an End.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Aare {
    /// Whether protocol version 1 is indicated.
    pub version1: bool,
    /// Application context name.
    pub application_context: Oid,
    /// result.
    pub result: AssociateResult,
    /// result-source-diagnostic.
    pub diagnostic: SourceDiagnostic,
    /// user-information.
    pub user_information: Vec<External>,
}

/// ABRT-apdu: dialogue abort, in an Abort.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Abrt {
    /// abort-source.
    pub source: AbortSource,
    /// user-information.
    pub user_information: Vec<External>,
}

/// AUDT-apdu: unstructured dialogue, in a Unidirectional.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Audt {
    /// Whether protocol version 1 is indicated.
    pub version1: bool,
    /// Application context name.
    pub application_context: Oid,
    /// user-information.
    pub user_information: Vec<External>,
}

/// The dialogue portion (`[APPLICATION 11] EXTERNAL`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Dialogue {
    /// AARQ (structured dialogue, dialogue-as-id).
    Aarq(Aarq),
    /// AARE.
    Aare(Aare),
    /// ABRT.
    Abrt(Abrt),
    /// AUDT (unstructured dialogue, uni-dialogue-as-id).
    Audt(Audt),
    /// An EXTERNAL whose direct reference is not a dialogue abstract syntax: user abort
    /// information carried by a U-ABORT instead of an ABRT (Q.773 §4.2.1, `u-abortCause`).
    UserAbortInformation(External),
}

impl Dialogue {
    /// An AARQ for application context `ac`, protocol version 1, no user information.
    pub fn aarq(ac: Oid) -> Self {
        Dialogue::Aarq(Aarq {
            version1: true,
            application_context: ac,
            user_information: Vec::new(),
        })
    }

    /// An AARE accepting application context `ac` (diagnostic dialogue-service-user null).
    pub fn aare_accepted(ac: Oid) -> Self {
        Dialogue::Aare(Aare {
            version1: true,
            application_context: ac,
            result: AssociateResult::Accepted,
            diagnostic: SourceDiagnostic::User(UserDiagnostic::Null),
            user_information: Vec::new(),
        })
    }

    /// An AARE rejecting a dialogue with the given diagnostic; `ac` is the context proposed
    /// instead (or the one received).
    pub fn aare_rejected(ac: Oid, diagnostic: SourceDiagnostic) -> Self {
        Dialogue::Aare(Aare {
            version1: true,
            application_context: ac,
            result: AssociateResult::RejectPermanent,
            diagnostic,
            user_information: Vec::new(),
        })
    }

    /// An ABRT from the given source.
    pub fn abrt(source: AbortSource) -> Self {
        Dialogue::Abrt(Abrt {
            source,
            user_information: Vec::new(),
        })
    }

    /// An AUDT for application context `ac`.
    pub fn audt(ac: Oid) -> Self {
        Dialogue::Audt(Audt {
            version1: true,
            application_context: ac,
            user_information: Vec::new(),
        })
    }

    /// The application context name, when the PDU carries one.
    pub fn application_context(&self) -> Option<&Oid> {
        match self {
            Dialogue::Aarq(p) => Some(&p.application_context),
            Dialogue::Aare(p) => Some(&p.application_context),
            Dialogue::Audt(p) => Some(&p.application_context),
            Dialogue::Abrt(_) | Dialogue::UserAbortInformation(_) => None,
        }
    }
}

/// The reason carried by an Abort.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum AbortReason {
    /// `p-abortCause` (transaction sublayer abort).
    Provider(PAbortCause),
    /// `u-abortCause`: a dialogue portion (ABRT, an AARE rejecting the dialogue, or bare user
    /// abort information).
    User(Dialogue),
}

/// The message type (Q.773 §4.2).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum MessageType {
    /// Unidirectional `[APPLICATION 1]`.
    Unidirectional,
    /// Begin `[APPLICATION 2]`.
    Begin,
    /// End `[APPLICATION 4]`.
    End,
    /// Continue `[APPLICATION 5]`.
    Continue,
    /// Abort `[APPLICATION 7]`.
    Abort,
}

impl MessageType {
    pub(crate) fn from_tag(number: u32) -> Option<Self> {
        Some(match number {
            1 => MessageType::Unidirectional,
            2 => MessageType::Begin,
            4 => MessageType::End,
            5 => MessageType::Continue,
            7 => MessageType::Abort,
            _ => return None,
        })
    }

    pub(crate) fn tag_number(self) -> u32 {
        match self {
            MessageType::Unidirectional => 1,
            MessageType::Begin => 2,
            MessageType::End => 4,
            MessageType::Continue => 5,
            MessageType::Abort => 7,
        }
    }
}

/// A TCAP message (Q.773 §4.2.1).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Message {
    /// Unidirectional: no transaction.
    Unidirectional {
        /// Dialogue portion (AUDT).
        dialogue: Option<Dialogue>,
        /// Components (at least one).
        components: Vec<Component>,
    },
    /// Begin: opens a transaction.
    Begin {
        /// Originating transaction id.
        otid: TransactionId,
        /// Dialogue portion (AARQ).
        dialogue: Option<Dialogue>,
        /// Components.
        components: Vec<Component>,
    },
    /// Continue.
    Continue {
        /// Originating transaction id (the sender's).
        otid: TransactionId,
        /// Destination transaction id (the receiver's).
        dtid: TransactionId,
        /// Dialogue portion (AARE on the first Continue).
        dialogue: Option<Dialogue>,
        /// Components.
        components: Vec<Component>,
    },
    /// End: closes the transaction.
    End {
        /// Destination transaction id.
        dtid: TransactionId,
        /// Dialogue portion (AARE when the End answers a Begin).
        dialogue: Option<Dialogue>,
        /// Components.
        components: Vec<Component>,
    },
    /// Abort.
    Abort {
        /// Destination transaction id.
        dtid: TransactionId,
        /// The reason, if any.
        reason: Option<AbortReason>,
    },
}

impl Message {
    /// A Begin.
    pub fn begin(
        otid: TransactionId,
        dialogue: Option<Dialogue>,
        components: Vec<Component>,
    ) -> Self {
        Message::Begin {
            otid,
            dialogue,
            components,
        }
    }

    /// A Continue.
    pub fn continue_(
        otid: TransactionId,
        dtid: TransactionId,
        dialogue: Option<Dialogue>,
        components: Vec<Component>,
    ) -> Self {
        Message::Continue {
            otid,
            dtid,
            dialogue,
            components,
        }
    }

    /// An End.
    pub fn end(
        dtid: TransactionId,
        dialogue: Option<Dialogue>,
        components: Vec<Component>,
    ) -> Self {
        Message::End {
            dtid,
            dialogue,
            components,
        }
    }

    /// An Abort with a P-Abort cause.
    pub fn p_abort(dtid: TransactionId, cause: PAbortCause) -> Self {
        Message::Abort {
            dtid,
            reason: Some(AbortReason::Provider(cause)),
        }
    }

    /// An Abort carrying a dialogue portion (U-ABORT).
    pub fn u_abort(dtid: TransactionId, dialogue: Option<Dialogue>) -> Self {
        Message::Abort {
            dtid,
            reason: dialogue.map(AbortReason::User),
        }
    }

    /// A Unidirectional.
    pub fn unidirectional(dialogue: Option<Dialogue>, components: Vec<Component>) -> Self {
        Message::Unidirectional {
            dialogue,
            components,
        }
    }

    /// The message type.
    pub fn message_type(&self) -> MessageType {
        match self {
            Message::Unidirectional { .. } => MessageType::Unidirectional,
            Message::Begin { .. } => MessageType::Begin,
            Message::Continue { .. } => MessageType::Continue,
            Message::End { .. } => MessageType::End,
            Message::Abort { .. } => MessageType::Abort,
        }
    }

    /// Originating transaction id (Begin, Continue).
    pub fn otid(&self) -> Option<TransactionId> {
        match self {
            Message::Begin { otid, .. } | Message::Continue { otid, .. } => Some(*otid),
            _ => None,
        }
    }

    /// Destination transaction id (Continue, End, Abort).
    pub fn dtid(&self) -> Option<TransactionId> {
        match self {
            Message::Continue { dtid, .. }
            | Message::End { dtid, .. }
            | Message::Abort { dtid, .. } => Some(*dtid),
            _ => None,
        }
    }

    /// The dialogue portion (for an Abort, a user abort's dialogue portion).
    pub fn dialogue(&self) -> Option<&Dialogue> {
        match self {
            Message::Unidirectional { dialogue, .. }
            | Message::Begin { dialogue, .. }
            | Message::Continue { dialogue, .. }
            | Message::End { dialogue, .. } => dialogue.as_ref(),
            Message::Abort {
                reason: Some(AbortReason::User(d)),
                ..
            } => Some(d),
            Message::Abort { .. } => None,
        }
    }

    /// The application context name of the dialogue portion, if any.
    pub fn application_context(&self) -> Option<&Oid> {
        self.dialogue().and_then(Dialogue::application_context)
    }

    /// The components (empty for an Abort).
    pub fn components(&self) -> &[Component] {
        match self {
            Message::Unidirectional { components, .. }
            | Message::Begin { components, .. }
            | Message::Continue { components, .. }
            | Message::End { components, .. } => components,
            Message::Abort { .. } => &[],
        }
    }

    /// Encodes the message (definite lengths throughout).
    pub fn encode(&self) -> Vec<u8> {
        crate::codec::encode(self)
    }
}
