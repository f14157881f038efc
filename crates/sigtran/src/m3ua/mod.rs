//! M3UA message codec (RFC 4666 §3), TCP stream framing, and the association
//! state machine (RFC 4666 §4) in [`asp`].

pub mod asp;
mod error;
mod message;
mod param;

#[cfg(test)]
mod asp_tests;
#[cfg(test)]
mod tests;

pub use asp::{
    Action, AspConfig, AspState, Association, FailureReason, Indication, Procedure, Role,
    TransferRequest, UserError,
};
pub use error::{DecodeError, EncodeError, ErrorCode};
pub use message::{
    frame, frame_with_limit, peek_length, Message, MessageClass, MessageKind, Presence, HEADER_LEN,
    MAX_MESSAGE_SIZE, VERSION,
};
pub use param::{
    tag, AffectedPointCode, Parameter, ProtocolData, Status, StatusType, TrafficModeType, UserCause,
};
