//! Core INAP CS-1 errors (ETS 300 374-1 / Q.1218 "IN-CS1-Errors"): codes and parameters.

pub use crate::common::{
    CancelFailedParam, CancelProblem, RequestedInfoErrorParam, TaskRefusedParam,
    UnavailableNetworkResource,
};

/// A CS-1 error with its parameter (local error codes of Q.1218 "IN-CS1-Codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cs1Error {
    /// canceled (0).
    Cancelled,
    /// cancelFailed (1).
    CancelFailed(CancelFailedParam),
    /// eTCFailed (3).
    EtcFailed,
    /// improperCallerResponse (4).
    ImproperCallerResponse,
    /// missingCustomerRecord (6).
    MissingCustomerRecord,
    /// missingParameter (7).
    MissingParameter,
    /// parameterOutOfRange (8).
    ParameterOutOfRange,
    /// requestedInfoError (10).
    RequestedInfoError(RequestedInfoErrorParam),
    /// systemFailure (11).
    SystemFailure(UnavailableNetworkResource),
    /// taskRefused (12).
    TaskRefused(TaskRefusedParam),
    /// unavailableResource (13).
    UnavailableResource,
    /// unexpectedComponentSequence (14).
    UnexpectedComponentSequence,
    /// unexpectedDataValue (15).
    UnexpectedDataValue,
    /// unexpectedParameter (16).
    UnexpectedParameter,
    /// unknownLegID (17).
    UnknownLegId,
    /// unknownResource (18).
    UnknownResource,
}

/// Every CS-1 error code with its name, in code order.
pub const ERROR_CODES: &[(i64, &str)] = &[
    (0, "canceled"),
    (1, "cancelFailed"),
    (3, "eTCFailed"),
    (4, "improperCallerResponse"),
    (6, "missingCustomerRecord"),
    (7, "missingParameter"),
    (8, "parameterOutOfRange"),
    (10, "requestedInfoError"),
    (11, "systemFailure"),
    (12, "taskRefused"),
    (13, "unavailableResource"),
    (14, "unexpectedComponentSequence"),
    (15, "unexpectedDataValue"),
    (16, "unexpectedParameter"),
    (17, "unknownLegID"),
    (18, "unknownResource"),
];

/// A ReturnError that cannot be accepted, with the Reject it deserves.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorDecodeError {
    /// The error code is not a CS-1 error: returnErrorProblem unrecognizedError.
    #[error("error code {0} is not an INAP CS-1 error")]
    UnrecognizedError(i64),
    /// The parameter does not match the error's type: returnErrorProblem mistypedParameter.
    #[error("mistyped parameter for error {code}: {reason}")]
    MistypedParameter {
        /// The error code.
        code: i64,
        /// What was wrong.
        reason: String,
    },
}

impl ErrorDecodeError {
    /// The Reject problem to send (Q.773 §3.2).
    pub fn reject_problem(&self) -> crate::RejectProblem {
        match self {
            ErrorDecodeError::UnrecognizedError(_) => crate::RejectProblem::UnrecognizedError,
            ErrorDecodeError::MistypedParameter { .. } => {
                crate::RejectProblem::MistypedErrorParameter
            }
        }
    }
}

impl Cs1Error {
    /// The local error code.
    pub fn code(&self) -> i64 {
        match self {
            Cs1Error::Cancelled => 0,
            Cs1Error::CancelFailed(_) => 1,
            Cs1Error::EtcFailed => 3,
            Cs1Error::ImproperCallerResponse => 4,
            Cs1Error::MissingCustomerRecord => 6,
            Cs1Error::MissingParameter => 7,
            Cs1Error::ParameterOutOfRange => 8,
            Cs1Error::RequestedInfoError(_) => 10,
            Cs1Error::SystemFailure(_) => 11,
            Cs1Error::TaskRefused(_) => 12,
            Cs1Error::UnavailableResource => 13,
            Cs1Error::UnexpectedComponentSequence => 14,
            Cs1Error::UnexpectedDataValue => 15,
            Cs1Error::UnexpectedParameter => 16,
            Cs1Error::UnknownLegId => 17,
            Cs1Error::UnknownResource => 18,
        }
    }

    /// The error's name in the standard.
    pub fn name(&self) -> &'static str {
        let code = self.code();
        ERROR_CODES
            .iter()
            .find(|(c, _)| *c == code)
            .map_or("?", |(_, n)| n)
    }

    /// The ReturnError parameter as a BER element; empty when the error has none.
    pub fn encode_parameter(&self) -> Vec<u8> {
        let r = match self {
            Cs1Error::CancelFailed(p) => rasn::ber::encode(p),
            Cs1Error::RequestedInfoError(p) => rasn::ber::encode(p),
            Cs1Error::SystemFailure(p) => rasn::ber::encode(p),
            Cs1Error::TaskRefused(p) => rasn::ber::encode(p),
            _ => return Vec::new(),
        };
        // These types carry no constraints, so BER encoding cannot fail.
        r.unwrap_or_default()
    }

    /// Decodes a ReturnError's code and parameter (empty when absent). Never panics.
    pub fn decode(code: i64, parameter: &[u8]) -> Result<Cs1Error, ErrorDecodeError> {
        fn param<T: rasn::Decode>(code: i64, parameter: &[u8]) -> Result<T, ErrorDecodeError> {
            super::decode_exact::<T>(parameter)
                .map_err(|reason| ErrorDecodeError::MistypedParameter { code, reason })
        }
        let none = |e: Cs1Error| {
            if parameter.is_empty() {
                Ok(e)
            } else {
                Err(ErrorDecodeError::MistypedParameter {
                    code,
                    reason: "this error has no parameter".into(),
                })
            }
        };
        match code {
            0 => none(Cs1Error::Cancelled),
            1 => param(code, parameter).map(Cs1Error::CancelFailed),
            3 => none(Cs1Error::EtcFailed),
            4 => none(Cs1Error::ImproperCallerResponse),
            6 => none(Cs1Error::MissingCustomerRecord),
            7 => none(Cs1Error::MissingParameter),
            8 => none(Cs1Error::ParameterOutOfRange),
            10 => param(code, parameter).map(Cs1Error::RequestedInfoError),
            11 => param(code, parameter).map(Cs1Error::SystemFailure),
            12 => param(code, parameter).map(Cs1Error::TaskRefused),
            13 => none(Cs1Error::UnavailableResource),
            14 => none(Cs1Error::UnexpectedComponentSequence),
            15 => none(Cs1Error::UnexpectedDataValue),
            16 => none(Cs1Error::UnexpectedParameter),
            17 => none(Cs1Error::UnknownLegId),
            18 => none(Cs1Error::UnknownResource),
            _ => Err(ErrorDecodeError::UnrecognizedError(code)),
        }
    }
}
