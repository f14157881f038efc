//! INAP CS-1 and CAMEL (CAP) operations for callctl's SCP face.
//!
//! Role: the application layer above TCAP. The TCAP layer hands this crate an operation code
//! and the raw BER parameter of an Invoke, ReturnResult or ReturnError component; the crate
//! returns typed Rust values, and turns typed values back into the BER element that goes in
//! the component's parameter. Nothing here does I/O, keeps time or holds dialogue state.
//!
//! * [`numbers`]: the number and cause parameters both protocols carry as OCTET STRINGs:
//!   ISUP numbers (ITU-T Q.763 §3.9, §3.10, §3.24, §3.26, §3.30, §3.39, §3.44, §3.45), the
//!   Q.850 cause, TBCD strings and the MAP AddressString (3GPP TS 29.002).
//! * [`cs1`]: Core INAP CS-1 (ETSI ETS 300 374-1, ITU-T Q.1218): the argument, result and
//!   error types of the operations an SCP uses, their operation and error codes, and the
//!   decode entry points that say which TCAP Reject a bad component deserves.
//! * [`cap`]: CAMEL Application Part (3GPP TS 29.078).
//!
//! Not done here: TCAP itself (dialogues, components, invoke timers), and operations an SCP
//! does not use (see `docs/compliance/inap.md`). Decoders never panic on any input.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod ber;
pub mod cap;
mod common;
pub mod cs1;
pub mod numbers;

/// The TCAP Reject problem a malformed or unexpected component deserves (ITU-T Q.773 §3.2,
/// `Problem` in the component portion). Shared by the INAP CS-1 and CAP decoders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectProblem {
    /// invokeProblem unrecognizedOperation (1): the operation code is not known.
    UnrecognizedOperation,
    /// invokeProblem mistypedParameter (2): the argument does not match the operation's type.
    MistypedArgument,
    /// returnResultProblem returnResultUnexpected (1): the operation has no result.
    ReturnResultUnexpected,
    /// returnResultProblem mistypedParameter (2): the result does not match its type.
    MistypedResult,
    /// returnErrorProblem unrecognizedError (2): the error code is not known.
    UnrecognizedError,
    /// returnErrorProblem mistypedParameter (4): the error parameter does not match its type.
    MistypedErrorParameter,
}

impl RejectProblem {
    /// The `Problem` CHOICE alternative as its context tag number (1 invokeProblem, 2
    /// returnResultProblem, 3 returnErrorProblem) and the problem code inside it (Q.773 §3.2).
    pub fn tag_and_code(self) -> (u8, u8) {
        match self {
            RejectProblem::UnrecognizedOperation => (1, 1),
            RejectProblem::MistypedArgument => (1, 2),
            RejectProblem::ReturnResultUnexpected => (2, 1),
            RejectProblem::MistypedResult => (2, 2),
            RejectProblem::UnrecognizedError => (3, 2),
            RejectProblem::MistypedErrorParameter => (3, 4),
        }
    }
}
