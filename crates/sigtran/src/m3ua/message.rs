//! M3UA messages: common header (RFC 4666 §3.1), parameter sets per message
//! (§3.3–§3.8) and length-prefixed stream framing.

use super::error::{DecodeError, EncodeError, ErrorCode};
use super::param::{self, tag, Parameter, ProtocolData, Status, TrafficModeType};

/// The only protocol version (§3.1.1).
pub const VERSION: u8 = 1;
/// Length of the common message header (§3.1).
pub const HEADER_LEN: usize = 8;
/// Default ceiling on one message's length for [`frame`]. An MTP3 payload is at
/// most a few kilobytes, so a larger length means a broken or hostile peer.
pub const MAX_MESSAGE_SIZE: usize = 65_536;

/// Message classes this codec handles (§3.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageClass {
    /// Management (0).
    Mgmt,
    /// Transfer (1).
    Transfer,
    /// SS7 Signalling Network Management (2).
    Ssnm,
    /// ASP State Maintenance (3).
    Aspsm,
    /// ASP Traffic Maintenance (4).
    Asptm,
}

impl MessageClass {
    /// Wire value.
    pub fn to_u8(self) -> u8 {
        match self {
            MessageClass::Mgmt => 0,
            MessageClass::Transfer => 1,
            MessageClass::Ssnm => 2,
            MessageClass::Aspsm => 3,
            MessageClass::Asptm => 4,
        }
    }
}

/// Every message (class and type, §3.1.3) this codec handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// MGMT Error (§3.8.1).
    Err,
    /// MGMT Notify (§3.8.2).
    Ntfy,
    /// Transfer Payload Data (§3.3.1).
    Data,
    /// Destination Unavailable (§3.4.1).
    Duna,
    /// Destination Available (§3.4.2).
    Dava,
    /// Destination State Audit (§3.4.3).
    Daud,
    /// Signalling Congestion (§3.4.4).
    Scon,
    /// Destination User Part Unavailable (§3.4.5).
    Dupu,
    /// Destination Restricted (§3.4.6).
    Drst,
    /// ASP Up (§3.5.1).
    AspUp,
    /// ASP Down (§3.5.2).
    AspDown,
    /// Heartbeat (§3.5.5).
    Beat,
    /// ASP Up Ack (§3.5.3).
    AspUpAck,
    /// ASP Down Ack (§3.5.4).
    AspDownAck,
    /// Heartbeat Ack (§3.5.6).
    BeatAck,
    /// ASP Active (§3.7.1).
    AspActive,
    /// ASP Inactive (§3.7.3).
    AspInactive,
    /// ASP Active Ack (§3.7.2).
    AspActiveAck,
    /// ASP Inactive Ack (§3.7.4).
    AspInactiveAck,
}

/// Whether a parameter must appear in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Mandatory.
    Mandatory,
    /// Optional or conditional (the condition depends on configuration, which a
    /// codec cannot see).
    Optional,
}

use Presence::{Mandatory as M, Optional as O};

impl MessageKind {
    /// All kinds, in class/type order.
    pub const ALL: [MessageKind; 19] = [
        MessageKind::Err,
        MessageKind::Ntfy,
        MessageKind::Data,
        MessageKind::Duna,
        MessageKind::Dava,
        MessageKind::Daud,
        MessageKind::Scon,
        MessageKind::Dupu,
        MessageKind::Drst,
        MessageKind::AspUp,
        MessageKind::AspDown,
        MessageKind::Beat,
        MessageKind::AspUpAck,
        MessageKind::AspDownAck,
        MessageKind::BeatAck,
        MessageKind::AspActive,
        MessageKind::AspInactive,
        MessageKind::AspActiveAck,
        MessageKind::AspInactiveAck,
    ];

    /// Message class and message type numbers (§3.1.2, §3.1.3).
    pub fn class_and_type(self) -> (MessageClass, u8) {
        use MessageClass::*;
        match self {
            MessageKind::Err => (Mgmt, 0),
            MessageKind::Ntfy => (Mgmt, 1),
            MessageKind::Data => (Transfer, 1),
            MessageKind::Duna => (Ssnm, 1),
            MessageKind::Dava => (Ssnm, 2),
            MessageKind::Daud => (Ssnm, 3),
            MessageKind::Scon => (Ssnm, 4),
            MessageKind::Dupu => (Ssnm, 5),
            MessageKind::Drst => (Ssnm, 6),
            MessageKind::AspUp => (Aspsm, 1),
            MessageKind::AspDown => (Aspsm, 2),
            MessageKind::Beat => (Aspsm, 3),
            MessageKind::AspUpAck => (Aspsm, 4),
            MessageKind::AspDownAck => (Aspsm, 5),
            MessageKind::BeatAck => (Aspsm, 6),
            MessageKind::AspActive => (Asptm, 1),
            MessageKind::AspInactive => (Asptm, 2),
            MessageKind::AspActiveAck => (Asptm, 3),
            MessageKind::AspInactiveAck => (Asptm, 4),
        }
    }

    /// The kind for a class and type from a header.
    pub fn from_class_and_type(class: u8, msg_type: u8) -> Result<MessageKind, DecodeError> {
        let unsupported_type = DecodeError::UnsupportedMessageType { class, msg_type };
        let kind = match class {
            0 => match msg_type {
                0 => MessageKind::Err,
                1 => MessageKind::Ntfy,
                _ => return Err(unsupported_type),
            },
            1 => match msg_type {
                1 => MessageKind::Data,
                _ => return Err(unsupported_type),
            },
            2 => match msg_type {
                1 => MessageKind::Duna,
                2 => MessageKind::Dava,
                3 => MessageKind::Daud,
                4 => MessageKind::Scon,
                5 => MessageKind::Dupu,
                6 => MessageKind::Drst,
                _ => return Err(unsupported_type),
            },
            3 => match msg_type {
                1 => MessageKind::AspUp,
                2 => MessageKind::AspDown,
                3 => MessageKind::Beat,
                4 => MessageKind::AspUpAck,
                5 => MessageKind::AspDownAck,
                6 => MessageKind::BeatAck,
                _ => return Err(unsupported_type),
            },
            4 => match msg_type {
                1 => MessageKind::AspActive,
                2 => MessageKind::AspInactive,
                3 => MessageKind::AspActiveAck,
                4 => MessageKind::AspInactiveAck,
                _ => return Err(unsupported_type),
            },
            _ => return Err(DecodeError::UnsupportedMessageClass(class)),
        };
        Ok(kind)
    }

    /// The known parameters this message may carry, in the order the RFC lists
    /// them, with their presence. Known parameters not listed are unexpected.
    pub fn parameters(self) -> &'static [(u16, Presence)] {
        use tag::*;
        match self {
            // §3.8.1: RC, NA and APC are conditional on the faulty message.
            MessageKind::Err => &[
                (ERROR_CODE, M),
                (ROUTING_CONTEXT, O),
                (NETWORK_APPEARANCE, O),
                (AFFECTED_POINT_CODE, O),
                (DIAGNOSTIC_INFORMATION, O),
            ],
            // §3.8.2
            MessageKind::Ntfy => &[
                (STATUS, M),
                (ASP_IDENTIFIER, O),
                (ROUTING_CONTEXT, O),
                (INFO_STRING, O),
            ],
            // §3.3.1
            MessageKind::Data => &[
                (NETWORK_APPEARANCE, O),
                (ROUTING_CONTEXT, O),
                (PROTOCOL_DATA, M),
                (CORRELATION_ID, O),
            ],
            // §3.4.1, §3.4.2, §3.4.3, §3.4.6
            MessageKind::Duna | MessageKind::Dava | MessageKind::Daud | MessageKind::Drst => &[
                (NETWORK_APPEARANCE, O),
                (ROUTING_CONTEXT, O),
                (AFFECTED_POINT_CODE, M),
                (INFO_STRING, O),
            ],
            // §3.4.4
            MessageKind::Scon => &[
                (NETWORK_APPEARANCE, O),
                (ROUTING_CONTEXT, O),
                (AFFECTED_POINT_CODE, M),
                (CONCERNED_DESTINATION, O),
                (CONGESTION_INDICATIONS, O),
                (INFO_STRING, O),
            ],
            // §3.4.5
            MessageKind::Dupu => &[
                (NETWORK_APPEARANCE, O),
                (ROUTING_CONTEXT, O),
                (AFFECTED_POINT_CODE, M),
                (USER_CAUSE, M),
                (INFO_STRING, O),
            ],
            // §3.5.1, §3.5.3
            MessageKind::AspUp | MessageKind::AspUpAck => &[(ASP_IDENTIFIER, O), (INFO_STRING, O)],
            // §3.5.2, §3.5.4
            MessageKind::AspDown | MessageKind::AspDownAck => &[(INFO_STRING, O)],
            // §3.5.5, §3.5.6
            MessageKind::Beat | MessageKind::BeatAck => &[(HEARTBEAT_DATA, O)],
            // §3.7.1, §3.7.2
            MessageKind::AspActive | MessageKind::AspActiveAck => &[
                (TRAFFIC_MODE_TYPE, O),
                (ROUTING_CONTEXT, O),
                (INFO_STRING, O),
            ],
            // §3.7.3, §3.7.4
            MessageKind::AspInactive | MessageKind::AspInactiveAck => {
                &[(ROUTING_CONTEXT, O), (INFO_STRING, O)]
            }
        }
    }
}

/// One M3UA message: its kind and its parameters in wire order.
///
/// Parameters with tags this codec does not type are kept as
/// [`Parameter::Unknown`] and written back where they were.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Message {
    /// Message class and type.
    pub kind: MessageKind,
    /// Parameters, in order.
    pub params: Vec<Parameter>,
}

impl Message {
    /// A message with no parameters yet.
    pub fn new(kind: MessageKind) -> Self {
        Message {
            kind,
            params: Vec::new(),
        }
    }

    /// Append a parameter (builder style).
    pub fn with(mut self, p: Parameter) -> Self {
        self.params.push(p);
        self
    }

    /// Check the parameter set against §3.3–§3.8: every known parameter must be
    /// allowed in this message, every mandatory one present. Unknown tags pass.
    /// A repeated parameter is not rejected; the accessors return the first.
    pub fn check_parameters(&self) -> Result<(), DecodeError> {
        let allowed = self.kind.parameters();
        for p in &self.params {
            let t = p.tag();
            if tag::is_known(t) && !allowed.iter().any(|(a, _)| *a == t) {
                return Err(DecodeError::UnexpectedParameter {
                    kind: self.kind,
                    tag: t,
                });
            }
        }
        for (t, presence) in allowed {
            if *presence == Presence::Mandatory && !self.params.iter().any(|p| p.tag() == *t) {
                return Err(DecodeError::MissingParameter {
                    kind: self.kind,
                    tag: *t,
                });
            }
        }
        Ok(())
    }

    /// Decode exactly one message; `buf` must hold the whole message and nothing
    /// else (its length equals the header's message length).
    pub fn decode(buf: &[u8]) -> Result<Message, DecodeError> {
        let length = check_header(buf, usize::MAX)?;
        let Some(length) = length else {
            return Err(DecodeError::Truncated {
                needed: HEADER_LEN,
                available: buf.len(),
            });
        };
        if buf.len() < length {
            return Err(DecodeError::Truncated {
                needed: length,
                available: buf.len(),
            });
        }
        if buf.len() > length {
            return Err(DecodeError::TrailingBytes {
                header: length as u32,
                available: buf.len(),
            });
        }
        let kind = MessageKind::from_class_and_type(buf[2], buf[3])?;
        let msg = Message {
            kind,
            params: param::decode_params(&buf[HEADER_LEN..length])?,
        };
        msg.check_parameters()?;
        Ok(msg)
    }

    /// Append the wire form (common header, then parameters) to `out`.
    /// On error nothing is appended.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.check_parameters().map_err(EncodeError::ParameterSet)?;
        let start = out.len();
        let (class, msg_type) = self.kind.class_and_type();
        // §3.1: version, reserved, class, type, 32-bit length.
        out.extend_from_slice(&[VERSION, 0, class.to_u8(), msg_type, 0, 0, 0, 0]);
        for p in &self.params {
            if let Err(e) = p.encode(out) {
                out.truncate(start);
                return Err(e);
            }
        }
        let len = out.len() - start;
        let Ok(len32) = u32::try_from(len) else {
            out.truncate(start);
            return Err(EncodeError::MessageTooLong(len));
        };
        out[start + 4..start + 8].copy_from_slice(&len32.to_be_bytes());
        Ok(())
    }

    /// The wire form as a new vector.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode(&mut out)?;
        Ok(out)
    }

    /// The first parameter with `tag`, if any.
    pub fn param(&self, tag: u16) -> Option<&Parameter> {
        self.params.iter().find(|p| p.tag() == tag)
    }

    /// Routing Context values, if present.
    pub fn routing_context(&self) -> Option<&[u32]> {
        match self.param(tag::ROUTING_CONTEXT) {
            Some(Parameter::RoutingContext(v)) => Some(v),
            _ => None,
        }
    }

    /// Network Appearance, if present.
    pub fn network_appearance(&self) -> Option<u32> {
        match self.param(tag::NETWORK_APPEARANCE) {
            Some(Parameter::NetworkAppearance(v)) => Some(*v),
            _ => None,
        }
    }

    /// Protocol Data (DATA messages).
    pub fn protocol_data(&self) -> Option<&ProtocolData> {
        match self.param(tag::PROTOCOL_DATA) {
            Some(Parameter::ProtocolData(v)) => Some(v),
            _ => None,
        }
    }

    /// Error Code (ERR messages).
    pub fn error_code(&self) -> Option<ErrorCode> {
        match self.param(tag::ERROR_CODE) {
            Some(Parameter::ErrorCode(v)) => Some(*v),
            _ => None,
        }
    }

    /// Status (NTFY messages).
    pub fn status(&self) -> Option<Status> {
        match self.param(tag::STATUS) {
            Some(Parameter::Status(v)) => Some(*v),
            _ => None,
        }
    }

    /// Traffic Mode Type, if present.
    pub fn traffic_mode_type(&self) -> Option<TrafficModeType> {
        match self.param(tag::TRAFFIC_MODE_TYPE) {
            Some(Parameter::TrafficModeType(v)) => Some(*v),
            _ => None,
        }
    }

    /// ASP Identifier, if present.
    pub fn asp_identifier(&self) -> Option<u32> {
        match self.param(tag::ASP_IDENTIFIER) {
            Some(Parameter::AspIdentifier(v)) => Some(*v),
            _ => None,
        }
    }

    /// Heartbeat Data, if present.
    pub fn heartbeat_data(&self) -> Option<&[u8]> {
        match self.param(tag::HEARTBEAT_DATA) {
            Some(Parameter::HeartbeatData(v)) => Some(v),
            _ => None,
        }
    }

    /// INFO String, if present.
    pub fn info_string(&self) -> Option<&str> {
        match self.param(tag::INFO_STRING) {
            Some(Parameter::InfoString(v)) => Some(v),
            _ => None,
        }
    }
}

/// Validate the common header at the front of `buf` (§3.1) and return the
/// message length, or `None` if fewer than 8 bytes are there.
fn check_header(buf: &[u8], max: usize) -> Result<Option<usize>, DecodeError> {
    if buf.len() < HEADER_LEN {
        return Ok(None);
    }
    if buf[0] != VERSION {
        return Err(DecodeError::InvalidVersion(buf[0]));
    }
    let length = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]);
    // §3.1.4 / §3.2: the length covers the header and padded parameters, so it is
    // at least the header and a multiple of 4.
    if length < HEADER_LEN as u32 || !length.is_multiple_of(4) {
        return Err(DecodeError::BadMessageLength(length));
    }
    let Ok(len) = usize::try_from(length) else {
        return Err(DecodeError::MessageTooLarge { length, max });
    };
    if len > max {
        return Err(DecodeError::MessageTooLarge { length, max });
    }
    Ok(Some(len))
}

/// Length of the message at the front of a stream buffer, once its header has
/// arrived; `None` until then. Errors when the header is unusable (bad version or
/// length), after which the stream cannot be resynchronised.
pub fn peek_length(buf: &[u8], max: usize) -> Result<Option<usize>, DecodeError> {
    check_header(buf, max)
}

/// Take one message from the front of a TCP stream buffer, where messages follow
/// each other delimited by the common header's length field.
///
/// Returns `Ok(None)` when more bytes are needed, or the message and the number
/// of bytes it occupied. Messages longer than [`MAX_MESSAGE_SIZE`] are refused.
/// If a complete message fails to decode, [`peek_length`] tells how many bytes
/// to drop to carry on with the next one.
pub fn frame(buf: &[u8]) -> Result<Option<(Message, usize)>, DecodeError> {
    frame_with_limit(buf, MAX_MESSAGE_SIZE)
}

/// [`frame`] with a caller-chosen maximum message size.
pub fn frame_with_limit(buf: &[u8], max: usize) -> Result<Option<(Message, usize)>, DecodeError> {
    let Some(len) = check_header(buf, max)? else {
        return Ok(None);
    };
    if buf.len() < len {
        return Ok(None);
    }
    Message::decode(&buf[..len]).map(|m| Some((m, len)))
}
