//! M3UA message codec (RFC 4666 §3) and TCP stream framing.

mod error;
mod message;
mod param;

#[cfg(test)]
mod tests;

pub use error::{DecodeError, EncodeError, ErrorCode};
pub use message::{
    frame, frame_with_limit, peek_length, Message, MessageClass, MessageKind, Presence, HEADER_LEN,
    MAX_MESSAGE_SIZE, VERSION,
};
pub use param::{
    tag, AffectedPointCode, Parameter, ProtocolData, Status, StatusType, TrafficModeType, UserCause,
};
