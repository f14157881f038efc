//! Core INAP CS-1 (ETSI ETS 300 374-1, ITU-T Q.1218) for the SCP: the operations an SCP
//! sends or receives on the SSP-to-SCP and SCP-to-SRF interfaces.
//!
//! Input: the local operation (or error) code of a TCAP component and its parameter, a raw
//! BER element. Output: a typed [`Cs1Argument`], [`Cs1Result`] or [`Cs1Error`], or an error
//! that names the TCAP Reject problem to answer with ([`crate::RejectProblem`]). The reverse
//! direction gives the BER element to put in the component.
//!
//! ```
//! use callctl_inap::cs1::{Cs1Argument, ReleaseCallArg};
//! use callctl_inap::numbers::Cause;
//! let arg = Cs1Argument::ReleaseCall(ReleaseCallArg::new(&Cause::new(2, 31).unwrap()));
//! let bytes = arg.encode_argument();
//! assert_eq!(bytes, [0x04, 0x02, 0x82, 0x9f]);
//! assert_eq!(Cs1Argument::decode_argument(22, &bytes).unwrap(), arg);
//! ```
//!
//! Decoding follows the extension rules of the standard's `...` markers: unknown
//! context-tagged elements at the top level of a SEQUENCE argument are ignored. Everything
//! else that does not match the type (missing mandatory field, wrong tag, bad length,
//! trailing bytes, unknown ENUMERATED value) is a mistyped argument.

pub mod args;
pub mod errors;
pub mod types;

pub use args::*;
pub use errors::*;
pub use types::*;

use rasn::types::{Class, Constructed, Tag, TagTree};

use crate::ber::{decode_exact, encode, retain_components};

/// The CS-1 operations this crate handles, with their local operation codes (Q.1218
/// "IN-CS1-Codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Opcode {
    /// initialDP (0).
    InitialDp,
    /// establishTemporaryConnection (17).
    EstablishTemporaryConnection,
    /// disconnectForwardConnection (18).
    DisconnectForwardConnection,
    /// connectToResource (19).
    ConnectToResource,
    /// connect (20).
    Connect,
    /// releaseCall (22).
    ReleaseCall,
    /// requestReportBCSMEvent (23).
    RequestReportBcsmEvent,
    /// eventReportBCSM (24).
    EventReportBcsm,
    /// continue (31).
    Continue,
    /// resetTimer (33).
    ResetTimer,
    /// furnishChargingInformation (34).
    FurnishChargingInformation,
    /// applyCharging (35).
    ApplyCharging,
    /// applyChargingReport (36).
    ApplyChargingReport,
    /// callInformationReport (44).
    CallInformationReport,
    /// callInformationRequest (45).
    CallInformationRequest,
    /// sendChargingInformation (46).
    SendChargingInformation,
    /// playAnnouncement (47).
    PlayAnnouncement,
    /// promptAndCollectUserInformation (48).
    PromptAndCollectUserInformation,
    /// specializedResourceReport (49).
    SpecializedResourceReport,
    /// cancel (53).
    Cancel,
    /// activityTest (55).
    ActivityTest,
}

impl Opcode {
    /// Every operation, in code order.
    pub const ALL: [Opcode; 21] = [
        Opcode::InitialDp,
        Opcode::EstablishTemporaryConnection,
        Opcode::DisconnectForwardConnection,
        Opcode::ConnectToResource,
        Opcode::Connect,
        Opcode::ReleaseCall,
        Opcode::RequestReportBcsmEvent,
        Opcode::EventReportBcsm,
        Opcode::Continue,
        Opcode::ResetTimer,
        Opcode::FurnishChargingInformation,
        Opcode::ApplyCharging,
        Opcode::ApplyChargingReport,
        Opcode::CallInformationReport,
        Opcode::CallInformationRequest,
        Opcode::SendChargingInformation,
        Opcode::PlayAnnouncement,
        Opcode::PromptAndCollectUserInformation,
        Opcode::SpecializedResourceReport,
        Opcode::Cancel,
        Opcode::ActivityTest,
    ];

    /// The local operation code.
    pub fn code(self) -> i64 {
        match self {
            Opcode::InitialDp => 0,
            Opcode::EstablishTemporaryConnection => 17,
            Opcode::DisconnectForwardConnection => 18,
            Opcode::ConnectToResource => 19,
            Opcode::Connect => 20,
            Opcode::ReleaseCall => 22,
            Opcode::RequestReportBcsmEvent => 23,
            Opcode::EventReportBcsm => 24,
            Opcode::Continue => 31,
            Opcode::ResetTimer => 33,
            Opcode::FurnishChargingInformation => 34,
            Opcode::ApplyCharging => 35,
            Opcode::ApplyChargingReport => 36,
            Opcode::CallInformationReport => 44,
            Opcode::CallInformationRequest => 45,
            Opcode::SendChargingInformation => 46,
            Opcode::PlayAnnouncement => 47,
            Opcode::PromptAndCollectUserInformation => 48,
            Opcode::SpecializedResourceReport => 49,
            Opcode::Cancel => 53,
            Opcode::ActivityTest => 55,
        }
    }

    /// The operation with this local code, if it is one handled here.
    pub fn from_code(code: i64) -> Option<Opcode> {
        Opcode::ALL.into_iter().find(|o| o.code() == code)
    }

    /// The operation's name in the standard.
    pub fn name(self) -> &'static str {
        match self {
            Opcode::InitialDp => "initialDP",
            Opcode::EstablishTemporaryConnection => "establishTemporaryConnection",
            Opcode::DisconnectForwardConnection => "disconnectForwardConnection",
            Opcode::ConnectToResource => "connectToResource",
            Opcode::Connect => "connect",
            Opcode::ReleaseCall => "releaseCall",
            Opcode::RequestReportBcsmEvent => "requestReportBCSMEvent",
            Opcode::EventReportBcsm => "eventReportBCSM",
            Opcode::Continue => "continue",
            Opcode::ResetTimer => "resetTimer",
            Opcode::FurnishChargingInformation => "furnishChargingInformation",
            Opcode::ApplyCharging => "applyCharging",
            Opcode::ApplyChargingReport => "applyChargingReport",
            Opcode::CallInformationReport => "callInformationReport",
            Opcode::CallInformationRequest => "callInformationRequest",
            Opcode::SendChargingInformation => "sendChargingInformation",
            Opcode::PlayAnnouncement => "playAnnouncement",
            Opcode::PromptAndCollectUserInformation => "promptAndCollectUserInformation",
            Opcode::SpecializedResourceReport => "specializedResourceReport",
            Opcode::Cancel => "cancel",
            Opcode::ActivityTest => "activityTest",
        }
    }

    /// Whether the operation carries an argument (Continue, DisconnectForwardConnection and
    /// ActivityTest do not).
    pub fn has_argument(self) -> bool {
        !matches!(
            self,
            Opcode::Continue | Opcode::DisconnectForwardConnection | Opcode::ActivityTest
        )
    }

    /// Whether the operation is answered with a ReturnResult (class 1 or 3 with RESULT).
    pub fn has_result(self) -> bool {
        matches!(
            self,
            Opcode::PromptAndCollectUserInformation | Opcode::ActivityTest
        )
    }

    /// Whether the SSP (or SRF) invokes the operation towards the SCP; otherwise the SCP
    /// invokes it.
    pub fn from_ssp(self) -> bool {
        matches!(
            self,
            Opcode::InitialDp
                | Opcode::EventReportBcsm
                | Opcode::ApplyChargingReport
                | Opcode::CallInformationReport
                | Opcode::SpecializedResourceReport
        )
    }
}

/// An operation's argument: what goes in (or comes out of) a TCAP Invoke.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Cs1Argument {
    InitialDp(Box<InitialDpArg>),
    EstablishTemporaryConnection(EstablishTemporaryConnectionArg),
    /// No argument.
    DisconnectForwardConnection,
    ConnectToResource(ConnectToResourceArg),
    Connect(Box<ConnectArg>),
    ReleaseCall(ReleaseCallArg),
    RequestReportBcsmEvent(RequestReportBcsmEventArg),
    EventReportBcsm(EventReportBcsmArg),
    /// No argument.
    Continue,
    ResetTimer(ResetTimerArg),
    FurnishChargingInformation(FurnishChargingInformationArg),
    ApplyCharging(ApplyChargingArg),
    ApplyChargingReport(ApplyChargingReportArg),
    CallInformationReport(CallInformationReportArg),
    CallInformationRequest(CallInformationRequestArg),
    SendChargingInformation(SendChargingInformationArg),
    PlayAnnouncement(PlayAnnouncementArg),
    PromptAndCollectUserInformation(PromptAndCollectUserInformationArg),
    /// `SpecializedResourceReportArg ::= NULL`.
    SpecializedResourceReport,
    Cancel(CancelArg),
    /// No argument.
    ActivityTest,
}

/// The Invoke-level alias the brief's callers may prefer.
pub type Cs1Operation = Cs1Argument;

/// An Invoke that cannot be accepted, with the Reject it deserves.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgError {
    /// Not a CS-1 operation handled here: invokeProblem unrecognizedOperation.
    #[error("operation code {0} is not an INAP CS-1 operation handled here")]
    UnrecognizedOperation(i64),
    /// The argument does not match the operation's type: invokeProblem mistypedParameter.
    #[error("mistyped argument for {}: {reason}", opcode.name())]
    MistypedArgument {
        /// The operation.
        opcode: Opcode,
        /// What was wrong.
        reason: String,
    },
}

impl ArgError {
    /// The Reject problem to send (Q.773 §3.2).
    pub fn reject_problem(&self) -> crate::RejectProblem {
        match self {
            ArgError::UnrecognizedOperation(_) => crate::RejectProblem::UnrecognizedOperation,
            ArgError::MistypedArgument { .. } => crate::RejectProblem::MistypedArgument,
        }
    }
}

/// The context tags a SEQUENCE type knows at its top level (untagged CHOICE fields
/// contribute their alternatives' tags).
fn known_tags<const R: usize, const E: usize, T: Constructed<R, E>>() -> Vec<Tag> {
    let mut tags = Vec::new();
    for f in T::FIELDS.iter() {
        tags.push(f.tag);
        if let TagTree::Choice(tree) = f.tag_tree {
            for t in tree {
                if let TagTree::Leaf(tag) = t {
                    tags.push(*tag);
                }
            }
        }
    }
    tags
}

fn decode_sequence<const R: usize, const E: usize, T>(
    opcode: Opcode,
    bytes: &[u8],
) -> Result<T, ArgError>
where
    T: rasn::Decode + Constructed<R, E>,
{
    let mistyped = |reason| ArgError::MistypedArgument { opcode, reason };
    match decode_exact::<T>(bytes) {
        Ok(v) => Ok(v),
        Err(first) => {
            // The extension rule of `...`: drop top-level context-tagged components the type
            // does not know and try again. Anything the screen cannot read is left to the
            // first error.
            let known = known_tags::<R, E, T>();
            match retain_components(bytes, |n| known.contains(&Tag::new(Class::Context, n))) {
                Some(screened) if screened != bytes => {
                    decode_exact::<T>(&screened).map_err(mistyped)
                }
                _ => Err(mistyped(first)),
            }
        }
    }
}

fn decode_plain<T: rasn::Decode>(opcode: Opcode, bytes: &[u8]) -> Result<T, ArgError> {
    decode_exact::<T>(bytes).map_err(|reason| ArgError::MistypedArgument { opcode, reason })
}

impl Cs1Argument {
    /// The operation this argument belongs to.
    pub fn opcode(&self) -> Opcode {
        match self {
            Cs1Argument::InitialDp(_) => Opcode::InitialDp,
            Cs1Argument::EstablishTemporaryConnection(_) => Opcode::EstablishTemporaryConnection,
            Cs1Argument::DisconnectForwardConnection => Opcode::DisconnectForwardConnection,
            Cs1Argument::ConnectToResource(_) => Opcode::ConnectToResource,
            Cs1Argument::Connect(_) => Opcode::Connect,
            Cs1Argument::ReleaseCall(_) => Opcode::ReleaseCall,
            Cs1Argument::RequestReportBcsmEvent(_) => Opcode::RequestReportBcsmEvent,
            Cs1Argument::EventReportBcsm(_) => Opcode::EventReportBcsm,
            Cs1Argument::Continue => Opcode::Continue,
            Cs1Argument::ResetTimer(_) => Opcode::ResetTimer,
            Cs1Argument::FurnishChargingInformation(_) => Opcode::FurnishChargingInformation,
            Cs1Argument::ApplyCharging(_) => Opcode::ApplyCharging,
            Cs1Argument::ApplyChargingReport(_) => Opcode::ApplyChargingReport,
            Cs1Argument::CallInformationReport(_) => Opcode::CallInformationReport,
            Cs1Argument::CallInformationRequest(_) => Opcode::CallInformationRequest,
            Cs1Argument::SendChargingInformation(_) => Opcode::SendChargingInformation,
            Cs1Argument::PlayAnnouncement(_) => Opcode::PlayAnnouncement,
            Cs1Argument::PromptAndCollectUserInformation(_) => {
                Opcode::PromptAndCollectUserInformation
            }
            Cs1Argument::SpecializedResourceReport => Opcode::SpecializedResourceReport,
            Cs1Argument::Cancel(_) => Opcode::Cancel,
            Cs1Argument::ActivityTest => Opcode::ActivityTest,
        }
    }

    /// The raw BER element for the Invoke's parameter; empty for operations without an
    /// argument (the parameter is then absent).
    pub fn encode_argument(&self) -> Vec<u8> {
        match self {
            Cs1Argument::InitialDp(a) => encode(a.as_ref()),
            Cs1Argument::EstablishTemporaryConnection(a) => encode(a),
            Cs1Argument::ConnectToResource(a) => encode(a),
            Cs1Argument::Connect(a) => encode(a.as_ref()),
            Cs1Argument::ReleaseCall(a) => encode(a),
            Cs1Argument::RequestReportBcsmEvent(a) => encode(a),
            Cs1Argument::EventReportBcsm(a) => encode(a),
            Cs1Argument::ResetTimer(a) => encode(a),
            Cs1Argument::FurnishChargingInformation(a) => encode(a),
            Cs1Argument::ApplyCharging(a) => encode(a),
            Cs1Argument::ApplyChargingReport(a) => encode(a),
            Cs1Argument::CallInformationReport(a) => encode(a),
            Cs1Argument::CallInformationRequest(a) => encode(a),
            Cs1Argument::SendChargingInformation(a) => encode(a),
            Cs1Argument::PlayAnnouncement(a) => encode(a),
            Cs1Argument::PromptAndCollectUserInformation(a) => encode(a),
            Cs1Argument::SpecializedResourceReport => encode(&()),
            Cs1Argument::Cancel(a) => encode(a),
            Cs1Argument::Continue
            | Cs1Argument::DisconnectForwardConnection
            | Cs1Argument::ActivityTest => Vec::new(),
        }
    }

    /// Decodes an Invoke's parameter (`bytes` empty when the parameter is absent). Never
    /// panics; the error says which Reject to send.
    pub fn decode_argument(opcode: i64, bytes: &[u8]) -> Result<Cs1Argument, ArgError> {
        let op = Opcode::from_code(opcode).ok_or(ArgError::UnrecognizedOperation(opcode))?;
        if !op.has_argument() {
            return if bytes.is_empty() {
                Ok(match op {
                    Opcode::Continue => Cs1Argument::Continue,
                    Opcode::DisconnectForwardConnection => Cs1Argument::DisconnectForwardConnection,
                    _ => Cs1Argument::ActivityTest,
                })
            } else {
                Err(ArgError::MistypedArgument {
                    opcode: op,
                    reason: "the operation has no argument".into(),
                })
            };
        }
        if bytes.is_empty() {
            return Err(ArgError::MistypedArgument {
                opcode: op,
                reason: "argument missing".into(),
            });
        }
        Ok(match op {
            Opcode::InitialDp => Cs1Argument::InitialDp(Box::new(decode_sequence(op, bytes)?)),
            Opcode::EstablishTemporaryConnection => {
                Cs1Argument::EstablishTemporaryConnection(decode_sequence(op, bytes)?)
            }
            Opcode::ConnectToResource => {
                Cs1Argument::ConnectToResource(decode_sequence(op, bytes)?)
            }
            Opcode::Connect => Cs1Argument::Connect(Box::new(decode_sequence(op, bytes)?)),
            Opcode::ReleaseCall => Cs1Argument::ReleaseCall(decode_plain(op, bytes)?),
            Opcode::RequestReportBcsmEvent => {
                Cs1Argument::RequestReportBcsmEvent(decode_sequence(op, bytes)?)
            }
            Opcode::EventReportBcsm => Cs1Argument::EventReportBcsm(decode_sequence(op, bytes)?),
            Opcode::ResetTimer => Cs1Argument::ResetTimer(decode_sequence(op, bytes)?),
            Opcode::FurnishChargingInformation => {
                Cs1Argument::FurnishChargingInformation(decode_plain(op, bytes)?)
            }
            Opcode::ApplyCharging => Cs1Argument::ApplyCharging(decode_sequence(op, bytes)?),
            Opcode::ApplyChargingReport => {
                Cs1Argument::ApplyChargingReport(decode_plain(op, bytes)?)
            }
            Opcode::CallInformationReport => {
                Cs1Argument::CallInformationReport(decode_sequence(op, bytes)?)
            }
            Opcode::CallInformationRequest => {
                Cs1Argument::CallInformationRequest(decode_sequence(op, bytes)?)
            }
            Opcode::SendChargingInformation => {
                Cs1Argument::SendChargingInformation(decode_sequence(op, bytes)?)
            }
            Opcode::PlayAnnouncement => Cs1Argument::PlayAnnouncement(decode_sequence(op, bytes)?),
            Opcode::PromptAndCollectUserInformation => {
                Cs1Argument::PromptAndCollectUserInformation(decode_sequence(op, bytes)?)
            }
            Opcode::SpecializedResourceReport => {
                decode_plain::<()>(op, bytes)?;
                Cs1Argument::SpecializedResourceReport
            }
            Opcode::Cancel => Cs1Argument::Cancel(decode_plain(op, bytes)?),
            Opcode::Continue | Opcode::DisconnectForwardConnection | Opcode::ActivityTest => {
                return Err(ArgError::MistypedArgument {
                    opcode: op,
                    reason: "the operation has no argument".into(),
                })
            }
        })
    }
}

/// A ReturnResult's content for the CS-1 operations that have a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cs1Result {
    /// The result of promptAndCollectUserInformation.
    PromptAndCollectUserInformation(ReceivedInformationArg),
    /// The (empty) result of activityTest.
    ActivityTest,
}

/// A ReturnResult that cannot be accepted, with the Reject it deserves.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResultError {
    /// The operation has no result (or is not handled here): returnResultUnexpected.
    #[error("operation code {0} has no result")]
    ReturnResultUnexpected(i64),
    /// The result does not match its type: returnResultProblem mistypedParameter.
    #[error("mistyped result for operation {opcode}: {reason}")]
    MistypedResult {
        /// The operation code.
        opcode: i64,
        /// What was wrong.
        reason: String,
    },
}

impl ResultError {
    /// The Reject problem to send (Q.773 §3.2).
    pub fn reject_problem(&self) -> crate::RejectProblem {
        match self {
            ResultError::ReturnResultUnexpected(_) => crate::RejectProblem::ReturnResultUnexpected,
            ResultError::MistypedResult { .. } => crate::RejectProblem::MistypedResult,
        }
    }
}

impl Cs1Result {
    /// The operation the result answers.
    pub fn opcode(&self) -> Opcode {
        match self {
            Cs1Result::PromptAndCollectUserInformation(_) => {
                Opcode::PromptAndCollectUserInformation
            }
            Cs1Result::ActivityTest => Opcode::ActivityTest,
        }
    }

    /// The raw BER element of the result; empty when the result carries no value.
    pub fn encode_result(&self) -> Vec<u8> {
        match self {
            Cs1Result::PromptAndCollectUserInformation(r) => encode(r),
            Cs1Result::ActivityTest => Vec::new(),
        }
    }

    /// Decodes a ReturnResult's value (`bytes` empty when absent). Never panics.
    pub fn decode_result(opcode: i64, bytes: &[u8]) -> Result<Cs1Result, ResultError> {
        match Opcode::from_code(opcode) {
            Some(Opcode::PromptAndCollectUserInformation) => {
                decode_exact::<ReceivedInformationArg>(bytes)
                    .map(Cs1Result::PromptAndCollectUserInformation)
                    .map_err(|reason| ResultError::MistypedResult { opcode, reason })
            }
            Some(Opcode::ActivityTest) if bytes.is_empty() => Ok(Cs1Result::ActivityTest),
            Some(Opcode::ActivityTest) => Err(ResultError::MistypedResult {
                opcode,
                reason: "activityTest has no result value".into(),
            }),
            _ => Err(ResultError::ReturnResultUnexpected(opcode)),
        }
    }
}
