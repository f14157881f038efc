//! M3UA parameters (RFC 4666 §3.2 format; values defined in §3.3–§3.8).

use super::error::{DecodeError, EncodeError, ErrorCode};

/// Parameter tags (RFC 4666 §3.2: common tags 0x0000–0x01ff, M3UA-specific
/// tags from 0x0200).
pub mod tag {
    /// INFO String.
    pub const INFO_STRING: u16 = 0x0004;
    /// Routing Context.
    pub const ROUTING_CONTEXT: u16 = 0x0006;
    /// Diagnostic Information.
    pub const DIAGNOSTIC_INFORMATION: u16 = 0x0007;
    /// Heartbeat Data.
    pub const HEARTBEAT_DATA: u16 = 0x0009;
    /// Traffic Mode Type.
    pub const TRAFFIC_MODE_TYPE: u16 = 0x000b;
    /// Error Code.
    pub const ERROR_CODE: u16 = 0x000c;
    /// Status.
    pub const STATUS: u16 = 0x000d;
    /// ASP Identifier.
    pub const ASP_IDENTIFIER: u16 = 0x0011;
    /// Affected Point Code.
    pub const AFFECTED_POINT_CODE: u16 = 0x0012;
    /// Correlation ID.
    pub const CORRELATION_ID: u16 = 0x0013;
    /// Network Appearance.
    pub const NETWORK_APPEARANCE: u16 = 0x0200;
    /// User/Cause.
    pub const USER_CAUSE: u16 = 0x0204;
    /// Congestion Indications.
    pub const CONGESTION_INDICATIONS: u16 = 0x0205;
    /// Concerned Destination.
    pub const CONCERNED_DESTINATION: u16 = 0x0206;
    /// Protocol Data.
    pub const PROTOCOL_DATA: u16 = 0x0210;

    /// Every tag this codec decodes into a typed [`Parameter`](super::Parameter).
    pub const KNOWN: [u16; 15] = [
        INFO_STRING,
        ROUTING_CONTEXT,
        DIAGNOSTIC_INFORMATION,
        HEARTBEAT_DATA,
        TRAFFIC_MODE_TYPE,
        ERROR_CODE,
        STATUS,
        ASP_IDENTIFIER,
        AFFECTED_POINT_CODE,
        CORRELATION_ID,
        NETWORK_APPEARANCE,
        USER_CAUSE,
        CONGESTION_INDICATIONS,
        CONCERNED_DESTINATION,
        PROTOCOL_DATA,
    ];

    /// Whether `tag` is decoded into a typed parameter.
    pub fn is_known(tag: u16) -> bool {
        KNOWN.contains(&tag)
    }
}

/// Traffic Mode Type (RFC 4666 §3.7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrafficModeType {
    /// Override (1).
    Override,
    /// Loadshare (2).
    Loadshare,
    /// Broadcast (3).
    Broadcast,
}

impl TrafficModeType {
    /// Wire value.
    pub fn to_u32(self) -> u32 {
        match self {
            TrafficModeType::Override => 1,
            TrafficModeType::Loadshare => 2,
            TrafficModeType::Broadcast => 3,
        }
    }

    /// From the wire value; `None` for values §3.7.1 does not define.
    pub fn from_u32(v: u32) -> Option<Self> {
        match v {
            1 => Some(TrafficModeType::Override),
            2 => Some(TrafficModeType::Loadshare),
            3 => Some(TrafficModeType::Broadcast),
            _ => None,
        }
    }
}

/// Status Type of the NTFY Status parameter (RFC 4666 §3.8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusType {
    /// Application Server state change (1).
    AsStateChange,
    /// Other (2).
    Other,
}

/// Status parameter of NTFY (RFC 4666 §3.8.2): type and information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Status {
    /// Status Type.
    pub status_type: StatusType,
    /// Status Information; meaning depends on the type (see the constants).
    pub info: u16,
}

impl Status {
    /// AS-INACTIVE (type AS state change).
    pub const AS_INACTIVE: u16 = 2;
    /// AS-ACTIVE (type AS state change).
    pub const AS_ACTIVE: u16 = 3;
    /// AS-PENDING (type AS state change).
    pub const AS_PENDING: u16 = 4;
    /// Insufficient ASP resources active in AS (type Other).
    pub const INSUFFICIENT_ASP_RESOURCES: u16 = 1;
    /// Alternate ASP active (type Other).
    pub const ALTERNATE_ASP_ACTIVE: u16 = 2;
    /// ASP failure (type Other).
    pub const ASP_FAILURE: u16 = 3;
}

/// One entry of the Affected Point Code parameter (RFC 4666 §3.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AffectedPointCode {
    /// Mask: number of low-order bits of the point code that are wildcards.
    pub mask: u8,
    /// Point code (24 bits).
    pub point_code: u32,
}

/// User/Cause parameter of DUPU (RFC 4666 §3.4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserCause {
    /// Unavailability cause (0 unknown, 1 unequipped remote user, 2 inaccessible).
    pub cause: u16,
    /// MTP3-User identity (service indicator, e.g. 3 = SCCP).
    pub user: u16,
}

/// Protocol Data parameter of DATA (RFC 4666 §3.3.1): the MTP3 routing label,
/// service information and the user part payload.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProtocolData {
    /// Originating point code (32-bit field).
    pub opc: u32,
    /// Destination point code (32-bit field).
    pub dpc: u32,
    /// Service Indicator (3 = SCCP).
    pub si: u8,
    /// Network Indicator.
    pub ni: u8,
    /// Message Priority.
    pub mp: u8,
    /// Signalling Link Selection.
    pub sls: u8,
    /// User Protocol Data (e.g. an SCCP message).
    pub data: Vec<u8>,
}

/// One M3UA parameter. Known tags are typed; any other tag is kept raw.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Parameter {
    /// INFO String (§3.8.2 and others): free text.
    InfoString(String),
    /// Routing Context (§3.3.1): one or more 32-bit values.
    RoutingContext(Vec<u32>),
    /// Diagnostic Information (§3.8.1): opaque.
    DiagnosticInformation(Vec<u8>),
    /// Heartbeat Data (§3.5.5): opaque, echoed in BEAT Ack.
    HeartbeatData(Vec<u8>),
    /// Traffic Mode Type (§3.7.1).
    TrafficModeType(TrafficModeType),
    /// Error Code (§3.8.1).
    ErrorCode(ErrorCode),
    /// Status (§3.8.2).
    Status(Status),
    /// ASP Identifier (§3.5.1).
    AspIdentifier(u32),
    /// Affected Point Code (§3.4.1): one or more masked point codes.
    AffectedPointCode(Vec<AffectedPointCode>),
    /// Correlation ID (§3.3.1).
    CorrelationId(u32),
    /// Network Appearance (§3.3.1).
    NetworkAppearance(u32),
    /// User/Cause (§3.4.5).
    UserCause(UserCause),
    /// Congestion Indications (§3.4.4): congestion level.
    CongestionIndications(u8),
    /// Concerned Destination (§3.4.4): a 24-bit point code.
    ConcernedDestination(u32),
    /// Protocol Data (§3.3.1).
    ProtocolData(ProtocolData),
    /// A parameter whose tag this codec does not type, kept as-is.
    Unknown {
        /// Tag.
        tag: u16,
        /// Value, without padding.
        value: Vec<u8>,
    },
}

fn u32_at(v: &[u8], i: usize) -> u32 {
    u32::from_be_bytes([v[i], v[i + 1], v[i + 2], v[i + 3]])
}

fn exact_u32(tag: u16, v: &[u8]) -> Result<u32, DecodeError> {
    if v.len() != 4 {
        return Err(DecodeError::BadParameterLength {
            tag,
            length: v.len(),
        });
    }
    Ok(u32_at(v, 0))
}

fn u32_list(tag: u16, v: &[u8]) -> Result<Vec<u32>, DecodeError> {
    if v.is_empty() || !v.len().is_multiple_of(4) {
        return Err(DecodeError::BadParameterLength {
            tag,
            length: v.len(),
        });
    }
    Ok(v.chunks_exact(4).map(|c| u32_at(c, 0)).collect())
}

impl Parameter {
    /// This parameter's tag.
    pub fn tag(&self) -> u16 {
        match self {
            Parameter::InfoString(_) => tag::INFO_STRING,
            Parameter::RoutingContext(_) => tag::ROUTING_CONTEXT,
            Parameter::DiagnosticInformation(_) => tag::DIAGNOSTIC_INFORMATION,
            Parameter::HeartbeatData(_) => tag::HEARTBEAT_DATA,
            Parameter::TrafficModeType(_) => tag::TRAFFIC_MODE_TYPE,
            Parameter::ErrorCode(_) => tag::ERROR_CODE,
            Parameter::Status(_) => tag::STATUS,
            Parameter::AspIdentifier(_) => tag::ASP_IDENTIFIER,
            Parameter::AffectedPointCode(_) => tag::AFFECTED_POINT_CODE,
            Parameter::CorrelationId(_) => tag::CORRELATION_ID,
            Parameter::NetworkAppearance(_) => tag::NETWORK_APPEARANCE,
            Parameter::UserCause(_) => tag::USER_CAUSE,
            Parameter::CongestionIndications(_) => tag::CONGESTION_INDICATIONS,
            Parameter::ConcernedDestination(_) => tag::CONCERNED_DESTINATION,
            Parameter::ProtocolData(_) => tag::PROTOCOL_DATA,
            Parameter::Unknown { tag, .. } => *tag,
        }
    }

    /// Decode a parameter value (without tag, length and padding) given its tag.
    pub fn decode_value(tag: u16, v: &[u8]) -> Result<Parameter, DecodeError> {
        let bad_len = || DecodeError::BadParameterLength {
            tag,
            length: v.len(),
        };
        Ok(match tag {
            tag::INFO_STRING => match std::str::from_utf8(v) {
                Ok(s) => Parameter::InfoString(s.to_owned()),
                Err(_) => {
                    return Err(DecodeError::InvalidParameterValue {
                        tag,
                        reason: "INFO String is not text",
                    })
                }
            },
            tag::ROUTING_CONTEXT => Parameter::RoutingContext(u32_list(tag, v)?),
            tag::DIAGNOSTIC_INFORMATION => Parameter::DiagnosticInformation(v.to_vec()),
            tag::HEARTBEAT_DATA => Parameter::HeartbeatData(v.to_vec()),
            tag::TRAFFIC_MODE_TYPE => {
                let raw = exact_u32(tag, v)?;
                match TrafficModeType::from_u32(raw) {
                    Some(t) => Parameter::TrafficModeType(t),
                    None => return Err(DecodeError::UnsupportedTrafficModeType(raw)),
                }
            }
            tag::ERROR_CODE => Parameter::ErrorCode(ErrorCode(exact_u32(tag, v)?)),
            tag::STATUS => {
                let raw = exact_u32(tag, v)?;
                let status_type = match raw >> 16 {
                    1 => StatusType::AsStateChange,
                    2 => StatusType::Other,
                    _ => {
                        return Err(DecodeError::InvalidParameterValue {
                            tag,
                            reason: "unknown Status Type",
                        })
                    }
                };
                Parameter::Status(Status {
                    status_type,
                    info: (raw & 0xffff) as u16,
                })
            }
            tag::ASP_IDENTIFIER => Parameter::AspIdentifier(exact_u32(tag, v)?),
            tag::AFFECTED_POINT_CODE => Parameter::AffectedPointCode(
                u32_list(tag, v)?
                    .into_iter()
                    .map(|w| AffectedPointCode {
                        mask: (w >> 24) as u8,
                        point_code: w & 0x00ff_ffff,
                    })
                    .collect(),
            ),
            tag::CORRELATION_ID => Parameter::CorrelationId(exact_u32(tag, v)?),
            tag::NETWORK_APPEARANCE => Parameter::NetworkAppearance(exact_u32(tag, v)?),
            tag::USER_CAUSE => {
                let raw = exact_u32(tag, v)?;
                Parameter::UserCause(UserCause {
                    cause: (raw >> 16) as u16,
                    user: (raw & 0xffff) as u16,
                })
            }
            // §3.4.4: 24 reserved bits, then the 8-bit congestion level.
            tag::CONGESTION_INDICATIONS => {
                Parameter::CongestionIndications((exact_u32(tag, v)? & 0xff) as u8)
            }
            // §3.4.4: 8 reserved bits, then the 24-bit point code.
            tag::CONCERNED_DESTINATION => {
                Parameter::ConcernedDestination(exact_u32(tag, v)? & 0x00ff_ffff)
            }
            tag::PROTOCOL_DATA => {
                if v.len() < 12 {
                    return Err(bad_len());
                }
                Parameter::ProtocolData(ProtocolData {
                    opc: u32_at(v, 0),
                    dpc: u32_at(v, 4),
                    si: v[8],
                    ni: v[9],
                    mp: v[10],
                    sls: v[11],
                    data: v[12..].to_vec(),
                })
            }
            _ => Parameter::Unknown {
                tag,
                value: v.to_vec(),
            },
        })
    }

    /// Append the value bytes (no tag, length or padding).
    fn encode_value(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        fn pc24(pc: u32) -> Result<u32, EncodeError> {
            if pc > 0x00ff_ffff {
                Err(EncodeError::PointCodeOutOfRange(pc))
            } else {
                Ok(pc)
            }
        }
        match self {
            Parameter::InfoString(s) => out.extend_from_slice(s.as_bytes()),
            Parameter::RoutingContext(list) => {
                if list.is_empty() {
                    return Err(EncodeError::EmptyList(tag::ROUTING_CONTEXT));
                }
                for rc in list {
                    out.extend_from_slice(&rc.to_be_bytes());
                }
            }
            Parameter::DiagnosticInformation(b) | Parameter::HeartbeatData(b) => {
                out.extend_from_slice(b)
            }
            Parameter::TrafficModeType(t) => out.extend_from_slice(&t.to_u32().to_be_bytes()),
            Parameter::ErrorCode(c) => out.extend_from_slice(&c.0.to_be_bytes()),
            Parameter::Status(s) => {
                let ty: u16 = match s.status_type {
                    StatusType::AsStateChange => 1,
                    StatusType::Other => 2,
                };
                out.extend_from_slice(&ty.to_be_bytes());
                out.extend_from_slice(&s.info.to_be_bytes());
            }
            Parameter::AspIdentifier(v)
            | Parameter::CorrelationId(v)
            | Parameter::NetworkAppearance(v) => out.extend_from_slice(&v.to_be_bytes()),
            Parameter::AffectedPointCode(list) => {
                if list.is_empty() {
                    return Err(EncodeError::EmptyList(tag::AFFECTED_POINT_CODE));
                }
                for apc in list {
                    let w = (u32::from(apc.mask) << 24) | pc24(apc.point_code)?;
                    out.extend_from_slice(&w.to_be_bytes());
                }
            }
            Parameter::UserCause(uc) => {
                out.extend_from_slice(&uc.cause.to_be_bytes());
                out.extend_from_slice(&uc.user.to_be_bytes());
            }
            Parameter::CongestionIndications(level) => {
                out.extend_from_slice(&u32::from(*level).to_be_bytes())
            }
            Parameter::ConcernedDestination(pc) => out.extend_from_slice(&pc24(*pc)?.to_be_bytes()),
            Parameter::ProtocolData(pd) => {
                out.extend_from_slice(&pd.opc.to_be_bytes());
                out.extend_from_slice(&pd.dpc.to_be_bytes());
                out.extend_from_slice(&[pd.si, pd.ni, pd.mp, pd.sls]);
                out.extend_from_slice(&pd.data);
            }
            Parameter::Unknown { tag, value } => {
                if tag::is_known(*tag) {
                    return Err(EncodeError::KnownTagAsUnknown(*tag));
                }
                out.extend_from_slice(value)
            }
        }
        Ok(())
    }

    /// Append the whole parameter: tag, length, value and zero padding to a
    /// multiple of 4 bytes (§3.2; the length field excludes the padding).
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.extend_from_slice(&self.tag().to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        if let Err(e) = self.encode_value(out) {
            out.truncate(start);
            return Err(e);
        }
        let len = out.len() - start;
        let Ok(len16) = u16::try_from(len) else {
            out.truncate(start);
            return Err(EncodeError::ParameterTooLong {
                tag: self.tag(),
                length: len - 4,
            });
        };
        out[start + 2..start + 4].copy_from_slice(&len16.to_be_bytes());
        out.resize(out.len() + padding(len), 0);
        Ok(())
    }
}

/// Bytes of padding that bring `len` to a multiple of 4 (§3.2).
pub(crate) fn padding(len: usize) -> usize {
    (4 - len % 4) % 4
}

/// Split a parameter area (the message body after the common header) into
/// parameters (§3.2). `body.len()` must be a multiple of 4.
pub(crate) fn decode_params(body: &[u8]) -> Result<Vec<Parameter>, DecodeError> {
    let mut params = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        if rest.len() < 4 {
            return Err(DecodeError::ParameterOverrun {
                tag: 0,
                length: 0,
                remaining: rest.len(),
            });
        }
        let tag = u16::from_be_bytes([rest[0], rest[1]]);
        let length = u16::from_be_bytes([rest[2], rest[3]]);
        if length < 4 {
            return Err(DecodeError::ParameterTooShort { tag, length });
        }
        let len = usize::from(length);
        let padded = len + padding(len);
        if padded > rest.len() {
            return Err(DecodeError::ParameterOverrun {
                tag,
                length,
                remaining: rest.len(),
            });
        }
        // Padding bytes are not checked: a receiver ignores them (§3.2).
        params.push(Parameter::decode_value(tag, &rest[4..len])?);
        rest = &rest[padded..];
    }
    Ok(params)
}
