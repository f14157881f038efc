//! Decode/encode errors and the M3UA ERR error codes (RFC 4666 §3.8.1).

use super::message::MessageKind;

/// Value of the Error Code parameter of an ERR message (RFC 4666 §3.8.1).
///
/// Kept as a raw number so that an ERR carrying a code this crate does not name
/// still decodes; the associated constants name the codes of §3.8.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorCode(pub u32);

impl ErrorCode {
    /// Invalid Version.
    pub const INVALID_VERSION: ErrorCode = ErrorCode(0x01);
    /// Unsupported Message Class.
    pub const UNSUPPORTED_MESSAGE_CLASS: ErrorCode = ErrorCode(0x03);
    /// Unsupported Message Type.
    pub const UNSUPPORTED_MESSAGE_TYPE: ErrorCode = ErrorCode(0x04);
    /// Unsupported Traffic Mode Type.
    pub const UNSUPPORTED_TRAFFIC_MODE_TYPE: ErrorCode = ErrorCode(0x05);
    /// Unexpected Message.
    pub const UNEXPECTED_MESSAGE: ErrorCode = ErrorCode(0x06);
    /// Protocol Error.
    pub const PROTOCOL_ERROR: ErrorCode = ErrorCode(0x07);
    /// Invalid Stream Identifier.
    pub const INVALID_STREAM_IDENTIFIER: ErrorCode = ErrorCode(0x09);
    /// Refused - Management Blocking.
    pub const REFUSED_MANAGEMENT_BLOCKING: ErrorCode = ErrorCode(0x0d);
    /// ASP Identifier Required.
    pub const ASP_IDENTIFIER_REQUIRED: ErrorCode = ErrorCode(0x0e);
    /// Invalid ASP Identifier.
    pub const INVALID_ASP_IDENTIFIER: ErrorCode = ErrorCode(0x0f);
    /// Invalid Parameter Value.
    pub const INVALID_PARAMETER_VALUE: ErrorCode = ErrorCode(0x11);
    /// Parameter Field Error.
    pub const PARAMETER_FIELD_ERROR: ErrorCode = ErrorCode(0x12);
    /// Unexpected Parameter.
    pub const UNEXPECTED_PARAMETER: ErrorCode = ErrorCode(0x13);
    /// Destination Status Unknown.
    pub const DESTINATION_STATUS_UNKNOWN: ErrorCode = ErrorCode(0x14);
    /// Invalid Network Appearance.
    pub const INVALID_NETWORK_APPEARANCE: ErrorCode = ErrorCode(0x15);
    /// Missing Parameter.
    pub const MISSING_PARAMETER: ErrorCode = ErrorCode(0x16);
    /// Invalid Routing Context.
    pub const INVALID_ROUTING_CONTEXT: ErrorCode = ErrorCode(0x19);
    /// No Configured AS for ASP.
    pub const NO_CONFIGURED_AS_FOR_ASP: ErrorCode = ErrorCode(0x1a);
}

/// Why bytes could not be decoded as an M3UA message.
///
/// Variants are grouped by where the fault lies: the common header (§3.1), the
/// framing of parameters (§3.2), the content of one parameter, and the set of
/// parameters a message carries. [`DecodeError::error_code`] gives the ERR code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    // --- common header (§3.1) ---
    /// The version field is not 1 (§3.1.1).
    #[error("invalid M3UA version {0}")]
    InvalidVersion(u8),
    /// The message class is not one this codec handles (§3.1.2).
    #[error("unsupported message class {0}")]
    UnsupportedMessageClass(u8),
    /// The message type is not defined for its class (§3.1.3).
    #[error("unsupported message type {msg_type} in class {class}")]
    UnsupportedMessageType {
        /// Message class.
        class: u8,
        /// Message type.
        msg_type: u8,
    },
    /// Fewer bytes than the common header, or than the header's length says.
    #[error("message truncated: need {needed} bytes, have {available}")]
    Truncated {
        /// Bytes the message needs.
        needed: usize,
        /// Bytes given.
        available: usize,
    },
    /// The header's message length is below 8 or not a multiple of 4 (§3.1.4, §3.2).
    #[error("bad message length {0}")]
    BadMessageLength(u32),
    /// More bytes were given than the header's message length covers.
    #[error("message length {header} but {available} bytes given")]
    TrailingBytes {
        /// Length in the header.
        header: u32,
        /// Bytes given.
        available: usize,
    },
    /// The header's message length exceeds the receiver's limit.
    #[error("message length {length} exceeds limit {max}")]
    MessageTooLarge {
        /// Length in the header.
        length: u32,
        /// The limit.
        max: usize,
    },

    // --- parameter framing (§3.2) ---
    /// A parameter length field below 4 (it counts tag and length themselves, §3.2).
    #[error("parameter {tag:#06x} has length {length} < 4")]
    ParameterTooShort {
        /// Parameter tag.
        tag: u16,
        /// Parameter length field.
        length: u16,
    },
    /// A parameter (or its header) runs past the end of the message.
    #[error(
        "parameter {tag:#06x} of length {length} runs past the message ({remaining} bytes left)"
    )]
    ParameterOverrun {
        /// Parameter tag (0 when even the tag did not fit).
        tag: u16,
        /// Parameter length field (0 when it did not fit).
        length: u16,
        /// Bytes left in the message at the parameter's start.
        remaining: usize,
    },

    // --- parameter content ---
    /// A known parameter's value has a length its format does not allow.
    #[error("parameter {tag:#06x} has a value of bad length {length}")]
    BadParameterLength {
        /// Parameter tag.
        tag: u16,
        /// Value length (without tag, length and padding).
        length: usize,
    },
    /// A known parameter carries a value outside its defined range.
    #[error("parameter {tag:#06x} has an invalid value: {reason}")]
    InvalidParameterValue {
        /// Parameter tag.
        tag: u16,
        /// What is wrong.
        reason: &'static str,
    },
    /// The Traffic Mode Type is not Override, Loadshare or Broadcast (§3.7.1).
    #[error("unsupported traffic mode type {0}")]
    UnsupportedTrafficModeType(u32),

    // --- the message's parameter set ---
    /// A known parameter that the message may not carry.
    #[error("parameter {tag:#06x} is not allowed in {kind:?}")]
    UnexpectedParameter {
        /// The message.
        kind: MessageKind,
        /// Parameter tag.
        tag: u16,
    },
    /// A mandatory parameter is absent.
    #[error("mandatory parameter {tag:#06x} missing from {kind:?}")]
    MissingParameter {
        /// The message.
        kind: MessageKind,
        /// Parameter tag.
        tag: u16,
    },
}

impl DecodeError {
    /// The ERR error code (RFC 4666 §3.8.1) to report this fault to the peer with.
    pub fn error_code(&self) -> ErrorCode {
        use DecodeError::*;
        match self {
            InvalidVersion(_) => ErrorCode::INVALID_VERSION,
            UnsupportedMessageClass(_) => ErrorCode::UNSUPPORTED_MESSAGE_CLASS,
            UnsupportedMessageType { .. } => ErrorCode::UNSUPPORTED_MESSAGE_TYPE,
            Truncated { .. }
            | BadMessageLength(_)
            | TrailingBytes { .. }
            | MessageTooLarge { .. } => ErrorCode::PROTOCOL_ERROR,
            ParameterTooShort { .. } | ParameterOverrun { .. } | BadParameterLength { .. } => {
                ErrorCode::PARAMETER_FIELD_ERROR
            }
            InvalidParameterValue { .. } => ErrorCode::INVALID_PARAMETER_VALUE,
            UnsupportedTrafficModeType(_) => ErrorCode::UNSUPPORTED_TRAFFIC_MODE_TYPE,
            UnexpectedParameter { .. } => ErrorCode::UNEXPECTED_PARAMETER,
            MissingParameter { .. } => ErrorCode::MISSING_PARAMETER,
        }
    }
}

/// Why a message could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A parameter value longer than the 16-bit length field allows (§3.2).
    #[error("parameter {tag:#06x} value of {length} bytes is too long")]
    ParameterTooLong {
        /// Parameter tag.
        tag: u16,
        /// Value length.
        length: usize,
    },
    /// The whole message exceeds the 32-bit length field (§3.1.4).
    #[error("message of {0} bytes is too long")]
    MessageTooLong(usize),
    /// A point code does not fit the 24-bit field it is written into.
    #[error("point code {0:#x} does not fit 24 bits")]
    PointCodeOutOfRange(u32),
    /// A list parameter (Routing Context, Affected Point Code) with no entry.
    #[error("list parameter {0:#06x} is empty")]
    EmptyList(u16),
    /// An [`Unknown`](super::Parameter::Unknown) parameter uses a tag this codec types;
    /// it would come back as the typed parameter.
    #[error("raw parameter uses the known tag {0:#06x}")]
    KnownTagAsUnknown(u16),
    /// The message lacks a mandatory parameter or carries one it may not.
    #[error("invalid parameter set: {0}")]
    ParameterSet(DecodeError),
}
