//! Connectionless SCCP messages (ITU-T Q.713 §4.10, §4.11, §4.18, §4.19): UDT, UDTS,
//! XUDT and XUDTS, their parameters, decoding and encoding.

use crate::address::{Address, AddressError};

/// Message type codes (Q.713 §3.1, Table 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// Unitdata, 0x09.
    Udt,
    /// Unitdata service, 0x0A.
    Udts,
    /// Extended unitdata, 0x11.
    Xudt,
    /// Extended unitdata service, 0x12.
    Xudts,
}

impl MessageType {
    /// The message type code.
    pub fn code(self) -> u8 {
        match self {
            MessageType::Udt => 0x09,
            MessageType::Udts => 0x0a,
            MessageType::Xudt => 0x11,
            MessageType::Xudts => 0x12,
        }
    }

    /// The abbreviation used in Q.713.
    pub fn name(self) -> &'static str {
        match self {
            MessageType::Udt => "UDT",
            MessageType::Udts => "UDTS",
            MessageType::Xudt => "XUDT",
            MessageType::Xudts => "XUDTS",
        }
    }
}

/// Connectionless protocol class (Q.713 §3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// Class 0: basic connectionless, no sequencing.
    Class0,
    /// Class 1: sequenced connectionless.
    Class1,
}

/// The protocol class parameter of UDT and XUDT (Q.713 §3.6): class and return option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProtocolClass {
    /// Class 0 or 1.
    pub class: Class,
    /// Return message on error (bit 8).
    pub return_on_error: bool,
}

impl ProtocolClass {
    /// Class 0, no return on error.
    pub const CLASS0: ProtocolClass = ProtocolClass {
        class: Class::Class0,
        return_on_error: false,
    };

    /// A protocol class.
    pub fn new(class: Class, return_on_error: bool) -> ProtocolClass {
        ProtocolClass {
            class,
            return_on_error,
        }
    }

    fn octet(self) -> u8 {
        let class = match self.class {
            Class::Class0 => 0,
            Class::Class1 => 1,
        };
        class | if self.return_on_error { 0x80 } else { 0 }
    }

    fn from_octet(o: u8) -> Result<ProtocolClass, DecodeErrorKind> {
        // Bits 5-7 are spare and ignored.
        let class = match o & 0x0f {
            0 => Class::Class0,
            1 => Class::Class1,
            _ => return Err(DecodeErrorKind::InvalidProtocolClass(o)),
        };
        Ok(ProtocolClass::new(class, o & 0x80 != 0))
    }
}

/// Return cause (Q.713 §3.12) carried by UDTS and XUDTS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReturnCause {
    /// 0: no translation for an address of such nature.
    NoTranslationForAddressOfSuchNature,
    /// 1: no translation for this specific address.
    NoTranslationForThisSpecificAddress,
    /// 2: subsystem congestion.
    SubsystemCongestion,
    /// 3: subsystem failure.
    SubsystemFailure,
    /// 4: unequipped user.
    UnequippedUser,
    /// 5: MTP failure.
    MtpFailure,
    /// 6: network congestion.
    NetworkCongestion,
    /// 7: unqualified.
    Unqualified,
    /// 8: error in message transport.
    ErrorInMessageTransport,
    /// 9: error in local processing.
    ErrorInLocalProcessing,
    /// 10: destination cannot perform reassembly.
    DestinationCannotPerformReassembly,
    /// 11: SCCP failure.
    SccpFailure,
    /// 12: hop counter violation.
    HopCounterViolation,
    /// 13: segmentation not supported.
    SegmentationNotSupported,
    /// 14: segmentation failure.
    SegmentationFailure,
    /// Any other value (spare or national).
    Other(u8),
}

impl ReturnCause {
    /// The wire value.
    pub fn code(self) -> u8 {
        match self {
            ReturnCause::NoTranslationForAddressOfSuchNature => 0,
            ReturnCause::NoTranslationForThisSpecificAddress => 1,
            ReturnCause::SubsystemCongestion => 2,
            ReturnCause::SubsystemFailure => 3,
            ReturnCause::UnequippedUser => 4,
            ReturnCause::MtpFailure => 5,
            ReturnCause::NetworkCongestion => 6,
            ReturnCause::Unqualified => 7,
            ReturnCause::ErrorInMessageTransport => 8,
            ReturnCause::ErrorInLocalProcessing => 9,
            ReturnCause::DestinationCannotPerformReassembly => 10,
            ReturnCause::SccpFailure => 11,
            ReturnCause::HopCounterViolation => 12,
            ReturnCause::SegmentationNotSupported => 13,
            ReturnCause::SegmentationFailure => 14,
            ReturnCause::Other(v) => v,
        }
    }

    /// The cause for a wire value; values without a named variant become `Other`.
    pub fn from_code(code: u8) -> ReturnCause {
        match code {
            0 => ReturnCause::NoTranslationForAddressOfSuchNature,
            1 => ReturnCause::NoTranslationForThisSpecificAddress,
            2 => ReturnCause::SubsystemCongestion,
            3 => ReturnCause::SubsystemFailure,
            4 => ReturnCause::UnequippedUser,
            5 => ReturnCause::MtpFailure,
            6 => ReturnCause::NetworkCongestion,
            7 => ReturnCause::Unqualified,
            8 => ReturnCause::ErrorInMessageTransport,
            9 => ReturnCause::ErrorInLocalProcessing,
            10 => ReturnCause::DestinationCannotPerformReassembly,
            11 => ReturnCause::SccpFailure,
            12 => ReturnCause::HopCounterViolation,
            13 => ReturnCause::SegmentationNotSupported,
            14 => ReturnCause::SegmentationFailure,
            other => ReturnCause::Other(other),
        }
    }
}

/// Segmentation parameter (Q.713 §3.17), optional in XUDT and XUDTS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Segmentation {
    /// F bit: this is the first segment.
    pub first: bool,
    /// C bit: the originating user asked for class 1.
    pub class1: bool,
    /// Number of segments still to come after this one (0–15).
    pub remaining: u8,
    /// Segmentation local reference (24 bits), the same in every segment of one message.
    pub local_reference: u32,
}

impl Segmentation {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(
            (u8::from(self.first) << 7) | (u8::from(self.class1) << 6) | (self.remaining & 0x0f),
        );
        // An opaque 3-octet value; least significant octet first, the Q.713 §2.1 order for
        // multi-octet fields (tshark shows it so; pycrate reads it the other way round).
        out.extend_from_slice(&self.local_reference.to_le_bytes()[..3]);
    }

    fn decode(value: &[u8]) -> Option<Segmentation> {
        let [o, a, b, c] = *value else {
            return None;
        };
        Some(Segmentation {
            first: o & 0x80 != 0,
            class1: o & 0x40 != 0,
            remaining: o & 0x0f,
            local_reference: u32::from_le_bytes([a, b, c, 0]),
        })
    }
}

/// Optional parameter names (Q.713 §3, Table 2) handled here.
mod name {
    pub const END_OF_OPTIONAL_PARAMETERS: u8 = 0x00;
    pub const SEGMENTATION: u8 = 0x10;
    pub const IMPORTANCE: u8 = 0x12;
}

/// An optional parameter this crate does not interpret, kept as received.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OptionalParameter {
    /// Parameter name code.
    pub name: u8,
    /// Parameter value.
    pub value: Vec<u8>,
}

/// The optional part of XUDT and XUDTS (Q.713 §4.18, §4.19).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct OptionalPart {
    /// Segmentation (§3.17).
    pub segmentation: Option<Segmentation>,
    /// Importance 0–7 (§3.19).
    pub importance: Option<u8>,
    /// Other optional parameters, kept and re-sent unchanged after the known ones.
    pub other: Vec<OptionalParameter>,
}

impl OptionalPart {
    fn is_empty(&self) -> bool {
        self.segmentation.is_none() && self.importance.is_none() && self.other.is_empty()
    }
}

/// UDT: unitdata (Q.713 §4.10).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Udt {
    /// Protocol class and return option.
    pub protocol_class: ProtocolClass,
    /// Called party address.
    pub called: Address,
    /// Calling party address.
    pub calling: Address,
    /// User data (e.g. a TCAP message).
    pub data: Vec<u8>,
}

/// UDTS: unitdata service (Q.713 §4.11), a UDT returned with a cause.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Udts {
    /// Why the UDT was returned.
    pub return_cause: ReturnCause,
    /// Called party address (the returned UDT's calling address).
    pub called: Address,
    /// Calling party address (the returned UDT's called address).
    pub calling: Address,
    /// The returned user data.
    pub data: Vec<u8>,
}

/// XUDT: extended unitdata (Q.713 §4.18).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Xudt {
    /// Protocol class and return option.
    pub protocol_class: ProtocolClass,
    /// Hop counter (§3.18), 1–15 when valid.
    pub hop_counter: u8,
    /// Called party address.
    pub called: Address,
    /// Calling party address.
    pub calling: Address,
    /// User data, or one segment of it.
    pub data: Vec<u8>,
    /// Segmentation, importance and other optional parameters.
    pub optional: OptionalPart,
}

/// XUDTS: extended unitdata service (Q.713 §4.19), an XUDT returned with a cause.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Xudts {
    /// Why the XUDT was returned.
    pub return_cause: ReturnCause,
    /// Hop counter (§3.18), 1–15 when valid.
    pub hop_counter: u8,
    /// Called party address (the returned XUDT's calling address).
    pub called: Address,
    /// Calling party address (the returned XUDT's called address).
    pub calling: Address,
    /// The returned user data.
    pub data: Vec<u8>,
    /// Segmentation, importance and other optional parameters.
    pub optional: OptionalPart,
}

/// A connectionless SCCP message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Message {
    /// Unitdata.
    Udt(Udt),
    /// Unitdata service.
    Udts(Udts),
    /// Extended unitdata.
    Xudt(Xudt),
    /// Extended unitdata service.
    Xudts(Xudts),
}

/// Hop counter used in messages this crate builds: the maximum, 15 (Q.714 §2.3.2 leaves
/// the initial value to the network; Q.713 §3.18 allows 1–15).
pub const DEFAULT_HOP_COUNTER: u8 = 15;

/// Which parameter a decoding error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Parameter {
    /// Mandatory fixed part.
    FixedPart,
    /// Called party address.
    CalledPartyAddress,
    /// Calling party address.
    CallingPartyAddress,
    /// Data.
    Data,
    /// The optional part.
    OptionalPart,
}

impl std::fmt::Display for Parameter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Parameter::FixedPart => "mandatory fixed part",
            Parameter::CalledPartyAddress => "called party address",
            Parameter::CallingPartyAddress => "calling party address",
            Parameter::Data => "data",
            Parameter::OptionalPart => "optional part",
        })
    }
}

/// What was wrong with a received message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    /// No octets at all.
    #[error("empty message")]
    Empty,
    /// A message type this crate does not handle: LUDT, LUDTS, connection-oriented
    /// messages, or an unknown code.
    #[error("unsupported message type {0:#04x}")]
    UnsupportedMessageType(u8),
    /// The message ends inside a part.
    #[error("message truncated in the {0}")]
    Truncated(Parameter),
    /// A pointer is zero or points past the end of the message.
    #[error("bad pointer to the {0}")]
    BadPointer(Parameter),
    /// A parameter's length runs past the end of the message.
    #[error("length of the {0} runs past the end of the message")]
    ParameterOverrun(Parameter),
    /// A party address could not be decoded.
    #[error("{which}: {error}")]
    BadAddress {
        /// Called or calling party address.
        which: Parameter,
        /// What was wrong.
        error: AddressError,
    },
    /// Protocol class other than 0 or 1 in a connectionless message.
    #[error("protocol class octet {0:#04x} is not connectionless class 0 or 1")]
    InvalidProtocolClass(u8),
    /// Hop counter 0 or above 15 (Q.713 §3.18).
    #[error("hop counter {0} out of range 1-15")]
    HopCounterViolation(u8),
    /// A segmentation parameter whose length is not 4.
    #[error("segmentation parameter of length {0}, expected 4")]
    BadSegmentation(usize),
    /// The called address routes on GT but carries no global title.
    #[error("called address routes on GT without a global title")]
    RouteOnGtWithoutGlobalTitle,
    /// Two mandatory variable parameters share octets, or one starts among the pointers.
    #[error("the {0} overlaps another parameter or the pointers")]
    OverlappingParameters(Parameter),
    /// The data parameter has no octet (Q.713 gives it at least one).
    #[error("empty data")]
    EmptyData,
}

/// A received message could not be accepted.
///
/// [`DecodeError::return_cause`] is the cause for the UDTS/XUDTS answer (Q.714 §4.2). When
/// the message was readable enough to be returned, [`DecodeError::answer`] builds that
/// answer if the sender asked for return on error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct DecodeError {
    kind: DecodeErrorKind,
    partial: Option<Box<Message>>,
}

impl DecodeError {
    fn new(kind: DecodeErrorKind) -> DecodeError {
        DecodeError {
            kind,
            partial: None,
        }
    }

    /// What was wrong.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.kind
    }

    /// The return cause for a UDTS/XUDTS answer.
    ///
    /// Syntax errors give `Unqualified`; a bad hop counter `HopCounterViolation`; a bad
    /// segmentation parameter `SegmentationFailure`; a GT-routed called address without
    /// global title `NoTranslationForAddressOfSuchNature`.
    pub fn return_cause(&self) -> ReturnCause {
        match self.kind {
            DecodeErrorKind::HopCounterViolation(_) => ReturnCause::HopCounterViolation,
            DecodeErrorKind::BadSegmentation(_) => ReturnCause::SegmentationFailure,
            DecodeErrorKind::RouteOnGtWithoutGlobalTitle => {
                ReturnCause::NoTranslationForAddressOfSuchNature
            }
            _ => ReturnCause::Unqualified,
        }
    }

    /// The message as far as it could be read, for errors found after the addresses and
    /// data were decoded (hop counter, segmentation, routing); `None` otherwise.
    pub fn partial(&self) -> Option<&Message> {
        self.partial.as_deref()
    }

    /// The UDTS/XUDTS to send back, when the message could be read far enough and asked
    /// for return on error (see [`Message::returned`]).
    pub fn answer(&self) -> Option<Message> {
        self.partial
            .as_ref()
            .and_then(|m| m.returned(self.return_cause()))
    }
}

/// A message could not be encoded (the caller's fault).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A party address is invalid.
    #[error("{which}: {error}")]
    BadAddress {
        /// Called or calling party address.
        which: Parameter,
        /// What was wrong.
        error: AddressError,
    },
    /// Data is empty (Q.713 gives the data parameter at least one octet).
    #[error("empty data")]
    EmptyData,
    /// Data is longer than its one-octet length field allows.
    #[error("data of {0} octets exceeds 255")]
    DataTooLong(usize),
    /// The parameters are too long for the one-octet pointers of this message type (for
    /// XUDT/XUDTS the pointer to the optional part limits addresses plus data to about
    /// 250 octets).
    #[error("parameters too long for the message's one-octet pointers")]
    PointerOverflow,
    /// Hop counter outside 1–15.
    #[error("hop counter {0} out of range 1-15")]
    HopCounter(u8),
    /// Importance above 7 or segment count above 15.
    #[error("{field} value {value} out of range")]
    OutOfRange {
        /// The field's name.
        field: &'static str,
        /// The offending value.
        value: u32,
    },
    /// The addresses leave no room for data in a segment of the allowed size.
    #[error("addresses leave no room for data within the message size limit")]
    NoRoomForData,
    /// The data needs more than 16 segments.
    #[error("{len} octets of data need more than 16 segments (at most {max} fit)")]
    TooManySegments {
        /// Length of the data.
        len: usize,
        /// Most data that 16 segments could carry with these addresses.
        max: usize,
    },
    /// An unknown optional parameter uses a name this crate writes itself (0x00, 0x10,
    /// 0x12), or its value is longer than 255 octets.
    #[error("optional parameter {0:#04x} not allowed in `other`")]
    BadOptionalParameter(u8),
}

/// A view of the parts common to all four message types.
struct Parts<'a> {
    called: &'a Address,
    calling: &'a Address,
    data: &'a [u8],
}

impl Message {
    /// The message type.
    pub fn message_type(&self) -> MessageType {
        match self {
            Message::Udt(_) => MessageType::Udt,
            Message::Udts(_) => MessageType::Udts,
            Message::Xudt(_) => MessageType::Xudt,
            Message::Xudts(_) => MessageType::Xudts,
        }
    }

    fn parts(&self) -> Parts<'_> {
        match self {
            Message::Udt(m) => Parts {
                called: &m.called,
                calling: &m.calling,
                data: &m.data,
            },
            Message::Udts(m) => Parts {
                called: &m.called,
                calling: &m.calling,
                data: &m.data,
            },
            Message::Xudt(m) => Parts {
                called: &m.called,
                calling: &m.calling,
                data: &m.data,
            },
            Message::Xudts(m) => Parts {
                called: &m.called,
                calling: &m.calling,
                data: &m.data,
            },
        }
    }

    /// Called party address.
    pub fn called(&self) -> &Address {
        self.parts().called
    }

    /// Calling party address.
    pub fn calling(&self) -> &Address {
        self.parts().calling
    }

    /// User data (one segment for a segmented XUDT; see [`crate::Reassembler`]).
    pub fn data(&self) -> &[u8] {
        self.parts().data
    }

    /// Protocol class of UDT and XUDT; `None` for the service messages.
    pub fn protocol_class(&self) -> Option<ProtocolClass> {
        match self {
            Message::Udt(m) => Some(m.protocol_class),
            Message::Xudt(m) => Some(m.protocol_class),
            Message::Udts(_) | Message::Xudts(_) => None,
        }
    }

    /// Return cause of UDTS and XUDTS; `None` for UDT and XUDT.
    pub fn return_cause(&self) -> Option<ReturnCause> {
        match self {
            Message::Udts(m) => Some(m.return_cause),
            Message::Xudts(m) => Some(m.return_cause),
            Message::Udt(_) | Message::Xudt(_) => None,
        }
    }

    /// Segmentation parameter of XUDT and XUDTS, if present.
    pub fn segmentation(&self) -> Option<&Segmentation> {
        match self {
            Message::Xudt(m) => m.optional.segmentation.as_ref(),
            Message::Xudts(m) => m.optional.segmentation.as_ref(),
            Message::Udt(_) | Message::Udts(_) => None,
        }
    }

    /// The UDTS or XUDTS that returns this message with `cause` (Q.714 §4.2): addresses
    /// swapped, data returned, optional part kept (less malformed repeats of segmentation
    /// or importance), hop counter set to
    /// [`DEFAULT_HOP_COUNTER`].
    ///
    /// `None` when no answer is due: the message is itself a UDTS/XUDTS, its return
    /// option is not set, or it is an XUDT segment other than the first (Q.714 §4.2 returns
    /// only first segments).
    pub fn returned(&self, cause: ReturnCause) -> Option<Message> {
        match self {
            Message::Udt(m) if m.protocol_class.return_on_error => Some(Message::Udts(Udts {
                return_cause: cause,
                called: m.calling.clone(),
                calling: m.called.clone(),
                data: m.data.clone(),
            })),
            Message::Xudt(m) if m.protocol_class.return_on_error => {
                if m.optional.segmentation.is_some_and(|s| !s.first) {
                    return None;
                }
                Some(Message::Xudts(Xudts {
                    return_cause: cause,
                    hop_counter: DEFAULT_HOP_COUNTER,
                    called: m.calling.clone(),
                    calling: m.called.clone(),
                    data: m.data.clone(),
                    optional: OptionalPart {
                        segmentation: m.optional.segmentation,
                        importance: m.optional.importance,
                        // Malformed repeats of the known parameters are not sent back.
                        other: m
                            .optional
                            .other
                            .iter()
                            .filter(|p| !matches!(p.name, name::SEGMENTATION | name::IMPORTANCE))
                            .cloned()
                            .collect(),
                    },
                }))
            }
            _ => None,
        }
    }

    /// Decodes one SCCP message (the M3UA protocol data payload with SI 3).
    ///
    /// Never panics. LUDT, LUDTS, connection-oriented and unknown message types give
    /// [`DecodeErrorKind::UnsupportedMessageType`].
    pub fn decode(octets: &[u8]) -> Result<Message, DecodeError> {
        let (&code, _) = octets
            .split_first()
            .ok_or(DecodeError::new(DecodeErrorKind::Empty))?;
        let r = Reader { octets };
        let message = match code {
            0x09 => {
                let class = ProtocolClass::from_octet(r.fixed(1)?).map_err(DecodeError::new)?;
                let (called, calling, data) = r.mandatory_variable(2, 3)?;
                Message::Udt(Udt {
                    protocol_class: class,
                    called,
                    calling,
                    data,
                })
            }
            0x0a => {
                let cause = ReturnCause::from_code(r.fixed(1)?);
                let (called, calling, data) = r.mandatory_variable(2, 3)?;
                Message::Udts(Udts {
                    return_cause: cause,
                    called,
                    calling,
                    data,
                })
            }
            0x11 | 0x12 => {
                let first = r.fixed(1)?;
                let hop_counter = r.fixed(2)?;
                let (called, calling, data) = r.mandatory_variable(3, 4)?;
                let (optional, segmentation_error) = r.optional_part(6)?;
                let message = if code == 0x11 {
                    Message::Xudt(Xudt {
                        protocol_class: ProtocolClass::from_octet(first)
                            .map_err(DecodeError::new)?,
                        hop_counter,
                        called,
                        calling,
                        data,
                        optional,
                    })
                } else {
                    Message::Xudts(Xudts {
                        return_cause: ReturnCause::from_code(first),
                        hop_counter,
                        called,
                        calling,
                        data,
                        optional,
                    })
                };
                if !(1..=15).contains(&hop_counter) {
                    return Err(DecodeError {
                        kind: DecodeErrorKind::HopCounterViolation(hop_counter),
                        partial: Some(Box::new(message)),
                    });
                }
                if let Some(len) = segmentation_error {
                    return Err(DecodeError {
                        kind: DecodeErrorKind::BadSegmentation(len),
                        partial: Some(Box::new(message)),
                    });
                }
                message
            }
            other => {
                return Err(DecodeError::new(DecodeErrorKind::UnsupportedMessageType(
                    other,
                )))
            }
        };
        let called = message.called();
        if called.routing == crate::address::RoutingIndicator::RouteOnGt
            && called.global_title.is_none()
        {
            return Err(DecodeError {
                kind: DecodeErrorKind::RouteOnGtWithoutGlobalTitle,
                partial: Some(Box::new(message)),
            });
        }
        Ok(message)
    }

    /// Appends the wire form of the message to `out`. On error `out` is left unchanged.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        let result = self.encode_inner(out);
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    /// The wire form as a new vector.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode(&mut out)?;
        Ok(out)
    }

    fn encode_inner(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let (fixed, optional): (Vec<u8>, Option<&OptionalPart>) = match self {
            Message::Udt(m) => (vec![m.protocol_class.octet()], None),
            Message::Udts(m) => (vec![m.return_cause.code()], None),
            Message::Xudt(m) => (
                vec![m.protocol_class.octet(), check_hops(m.hop_counter)?],
                Some(&m.optional),
            ),
            Message::Xudts(m) => (
                vec![m.return_cause.code(), check_hops(m.hop_counter)?],
                Some(&m.optional),
            ),
        };
        let parts = self.parts();
        let mut called = Vec::new();
        parts
            .called
            .encode(&mut called)
            .map_err(|error| EncodeError::BadAddress {
                which: Parameter::CalledPartyAddress,
                error,
            })?;
        let mut calling = Vec::new();
        parts
            .calling
            .encode(&mut calling)
            .map_err(|error| EncodeError::BadAddress {
                which: Parameter::CallingPartyAddress,
                error,
            })?;
        if parts.data.is_empty() {
            return Err(EncodeError::EmptyData);
        }
        if parts.data.len() > 255 {
            return Err(EncodeError::DataTooLong(parts.data.len()));
        }
        let optional_octets = match optional {
            Some(o) if !o.is_empty() => Some(encode_optional(o)?),
            _ => None,
        };
        let variables: [&[u8]; 3] = [&called, &calling, parts.data];
        let pointer_count = variables.len() + usize::from(optional.is_some());

        out.push(self.message_type().code());
        out.extend_from_slice(&fixed);
        // Pointer i sits at offset pointer_base + i; each counts octets from itself to the
        // length octet of its parameter (Q.713 §2.3).
        let pointer_base = out.len();
        let mut target = pointer_count;
        for (i, v) in variables.iter().enumerate() {
            out.push(pointer(target - i)?);
            target += 1 + v.len();
        }
        if optional.is_some() {
            let i = variables.len();
            out.push(match optional_octets {
                Some(_) => pointer(target - i)?,
                None => 0,
            });
        }
        debug_assert_eq!(out.len(), pointer_base + pointer_count);
        for v in variables {
            // Every length is ≤ 255: addresses are checked by `Address::encode`, data above.
            out.push(u8::try_from(v.len()).map_err(|_| EncodeError::PointerOverflow)?);
            out.extend_from_slice(v);
        }
        if let Some(o) = optional_octets {
            out.extend_from_slice(&o);
        }
        Ok(())
    }
}

fn pointer(value: usize) -> Result<u8, EncodeError> {
    u8::try_from(value).map_err(|_| EncodeError::PointerOverflow)
}

fn check_hops(h: u8) -> Result<u8, EncodeError> {
    if (1..=15).contains(&h) {
        Ok(h)
    } else {
        Err(EncodeError::HopCounter(h))
    }
}

fn encode_optional(o: &OptionalPart) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    if let Some(s) = &o.segmentation {
        if s.remaining > 15 {
            return Err(EncodeError::OutOfRange {
                field: "remaining segments",
                value: s.remaining.into(),
            });
        }
        if s.local_reference > 0x00ff_ffff {
            return Err(EncodeError::OutOfRange {
                field: "segmentation local reference",
                value: s.local_reference,
            });
        }
        out.extend_from_slice(&[name::SEGMENTATION, 4]);
        s.encode(&mut out);
    }
    if let Some(i) = o.importance {
        if i > 7 {
            return Err(EncodeError::OutOfRange {
                field: "importance",
                value: i.into(),
            });
        }
        out.extend_from_slice(&[name::IMPORTANCE, 1, i]);
    }
    for p in &o.other {
        let len =
            u8::try_from(p.value.len()).map_err(|_| EncodeError::BadOptionalParameter(p.name))?;
        if matches!(
            p.name,
            name::END_OF_OPTIONAL_PARAMETERS | name::SEGMENTATION | name::IMPORTANCE
        ) {
            return Err(EncodeError::BadOptionalParameter(p.name));
        }
        out.extend_from_slice(&[p.name, len]);
        out.extend_from_slice(&p.value);
    }
    out.push(name::END_OF_OPTIONAL_PARAMETERS);
    Ok(out)
}

/// Bounds-checked access to a message's octets.
struct Reader<'a> {
    octets: &'a [u8],
}

impl Reader<'_> {
    fn fixed(&self, offset: usize) -> Result<u8, DecodeError> {
        self.octets
            .get(offset)
            .copied()
            .ok_or(DecodeError::new(DecodeErrorKind::Truncated(
                Parameter::FixedPart,
            )))
    }

    /// Start of the parameter that the pointer at `offset` points to.
    fn follow(&self, offset: usize, which: Parameter) -> Result<Option<usize>, DecodeError> {
        let p = self
            .octets
            .get(offset)
            .copied()
            .ok_or(DecodeError::new(DecodeErrorKind::Truncated(which)))?;
        if p == 0 {
            return Ok(None);
        }
        let start = offset + usize::from(p);
        if start >= self.octets.len() {
            return Err(DecodeError::new(DecodeErrorKind::BadPointer(which)));
        }
        Ok(Some(start))
    }

    fn variable(&self, offset: usize, which: Parameter) -> Result<&[u8], DecodeError> {
        let (start, len) = self.variable_range(offset, which)?;
        self.octets
            .get(start + 1..start + 1 + len)
            .ok_or(DecodeError::new(DecodeErrorKind::ParameterOverrun(which)))
    }

    /// Where the parameter the pointer at `offset` points to starts (its length octet) and
    /// its length.
    fn variable_range(
        &self,
        offset: usize,
        which: Parameter,
    ) -> Result<(usize, usize), DecodeError> {
        let start = self
            .follow(offset, which)?
            .ok_or(DecodeError::new(DecodeErrorKind::BadPointer(which)))?;
        let len = usize::from(
            *self
                .octets
                .get(start)
                .ok_or(DecodeError::new(DecodeErrorKind::BadPointer(which)))?,
        );
        Ok((start, len))
    }

    /// Called address, calling address and data, whose pointers start at `offset`; the
    /// message has `pointers` pointers in all (3, or 4 with the optional part's).
    fn mandatory_variable(
        &self,
        offset: usize,
        pointers: usize,
    ) -> Result<(Address, Address, Vec<u8>), DecodeError> {
        // Each parameter lies after the pointers and apart from the others (Q.713 §2.3: the
        // pointers give the start of each parameter; parameters do not share octets). A
        // parameter that runs past the end is reported as such first.
        for (o, which) in [
            (offset, Parameter::CalledPartyAddress),
            (offset + 1, Parameter::CallingPartyAddress),
            (offset + 2, Parameter::Data),
        ] {
            self.variable(o, which)?;
        }
        let mut ranges = [
            (
                Parameter::CalledPartyAddress,
                self.variable_range(offset, Parameter::CalledPartyAddress)?,
            ),
            (
                Parameter::CallingPartyAddress,
                self.variable_range(offset + 1, Parameter::CallingPartyAddress)?,
            ),
            (
                Parameter::Data,
                self.variable_range(offset + 2, Parameter::Data)?,
            ),
        ];
        ranges.sort_by_key(|(_, (start, _))| *start);
        let mut free_from = offset + pointers;
        for (which, (start, len)) in ranges {
            if start < free_from {
                return Err(DecodeError::new(DecodeErrorKind::OverlappingParameters(
                    which,
                )));
            }
            free_from = start + 1 + len;
        }
        let address = |o, which| {
            let v = self.variable(o, which)?;
            Address::decode(v)
                .map_err(|error| DecodeError::new(DecodeErrorKind::BadAddress { which, error }))
        };
        let called = address(offset, Parameter::CalledPartyAddress)?;
        let calling = address(offset + 1, Parameter::CallingPartyAddress)?;
        let data = self.variable(offset + 2, Parameter::Data)?.to_vec();
        if data.is_empty() {
            return Err(DecodeError::new(DecodeErrorKind::EmptyData));
        }
        Ok((called, calling, data))
    }

    /// The optional part whose pointer is at `offset`; also the length of a malformed
    /// segmentation parameter, which is dropped so the rest can still be returned.
    fn optional_part(&self, offset: usize) -> Result<(OptionalPart, Option<usize>), DecodeError> {
        let mut part = OptionalPart::default();
        let mut bad_segmentation = None;
        let Some(mut at) = self.follow(offset, Parameter::OptionalPart)? else {
            return Ok((part, None));
        };
        let truncated = || DecodeError::new(DecodeErrorKind::Truncated(Parameter::OptionalPart));
        // A missing end-of-optional-parameters octet is tolerated.
        while let Some(&name) = self.octets.get(at) {
            if name == name::END_OF_OPTIONAL_PARAMETERS {
                break;
            }
            let len = usize::from(*self.octets.get(at + 1).ok_or_else(truncated)?);
            let value = self
                .octets
                .get(at + 2..at + 2 + len)
                .ok_or_else(truncated)?;
            at += 2 + len;
            match name {
                name::SEGMENTATION if part.segmentation.is_none() => {
                    match Segmentation::decode(value) {
                        Some(s) => part.segmentation = Some(s),
                        None => bad_segmentation = Some(len),
                    }
                }
                name::IMPORTANCE if part.importance.is_none() && len == 1 => {
                    // Bits 4-8 are spare (§3.19).
                    part.importance = value.first().map(|v| v & 0x07);
                }
                _ => part.other.push(OptionalParameter {
                    name,
                    value: value.to_vec(),
                }),
            }
        }
        Ok((part, bad_segmentation))
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn overlapping_parameters_are_refused() {
        // Called and calling pointers both lead to offset 5.
        let m = [0x09, 0x81, 0x03, 0x02, 0x04, 0x02, 0x42, 0x0c, 0x01, 0xaa];
        let e = Message::decode(&m).unwrap_err();
        assert!(matches!(
            e.kind(),
            DecodeErrorKind::OverlappingParameters(_)
        ));
        assert_eq!(e.return_cause(), ReturnCause::Unqualified);
        // The calling address starting on the data pointer itself.
        let m = [
            0x09, 0x81, 0x07, 0x01, 0x03, 0x42, 0x0c, 0x01, 0xaa, 0x02, 0x42, 0x0c,
        ];
        assert!(matches!(
            Message::decode(&m).unwrap_err().kind(),
            DecodeErrorKind::OverlappingParameters(_)
        ));
        // The same layout with separate parameters decodes.
        let m = [
            0x09, 0x81, 0x03, 0x05, 0x07, 0x02, 0x42, 0x0c, 0x02, 0x42, 0x0c, 0x01, 0xaa,
        ];
        assert!(Message::decode(&m).is_ok());
    }

    #[test]
    fn empty_data_is_refused() {
        let m = [
            0x09, 0x81, 0x03, 0x05, 0x07, 0x02, 0x42, 0x0c, 0x02, 0x42, 0x0c, 0x00,
        ];
        assert_eq!(
            Message::decode(&m).unwrap_err().kind(),
            &DecodeErrorKind::EmptyData
        );
    }

    use super::*;

    fn udt() -> Message {
        Message::Udt(Udt {
            protocol_class: ProtocolClass::new(Class::Class1, true),
            called: Address::ssn(146),
            calling: Address::ssn(146),
            data: vec![1, 2, 3],
        })
    }

    #[test]
    fn udt_layout() {
        let b = udt().to_bytes().unwrap();
        assert_eq!(
            b,
            [0x09, 0x81, 3, 5, 7, 2, 0x42, 146, 2, 0x42, 146, 3, 1, 2, 3]
        );
        assert_eq!(Message::decode(&b).unwrap(), udt());
    }

    #[test]
    fn xudt_without_optional_part_has_zero_pointer() {
        let m = Message::Xudt(Xudt {
            protocol_class: ProtocolClass::CLASS0,
            hop_counter: 15,
            called: Address::ssn(146),
            calling: Address::ssn(146),
            data: vec![9],
            optional: OptionalPart::default(),
        });
        let b = m.to_bytes().unwrap();
        assert_eq!(
            b,
            [0x11, 0x00, 15, 4, 6, 8, 0, 2, 0x42, 146, 2, 0x42, 146, 1, 9]
        );
        assert_eq!(Message::decode(&b).unwrap(), m);
    }

    #[test]
    fn returned_udt_swaps_addresses() {
        let mut m = udt();
        if let Message::Udt(u) = &mut m {
            u.calling = Address::ssn(147);
        }
        let r = m.returned(ReturnCause::SubsystemFailure).unwrap();
        assert_eq!(r.message_type(), MessageType::Udts);
        assert_eq!(r.called(), &Address::ssn(147));
        assert_eq!(r.calling(), &Address::ssn(146));
        assert_eq!(r.data(), &[1, 2, 3]);
        assert_eq!(r.returned(ReturnCause::Unqualified), None);
    }

    #[test]
    fn hop_counter_zero_is_returnable() {
        let b = [0x11, 0x80, 0, 4, 6, 8, 0, 2, 0x42, 146, 2, 0x42, 147, 1, 9];
        let e = Message::decode(&b).unwrap_err();
        assert_eq!(e.return_cause(), ReturnCause::HopCounterViolation);
        let a = e.answer().unwrap();
        assert_eq!(a.message_type(), MessageType::Xudts);
        assert_eq!(a.called(), &Address::ssn(147));
    }

    #[test]
    fn unsupported_types() {
        for t in [0x01u8, 0x13, 0x14, 0x0f, 0xff] {
            assert_eq!(
                Message::decode(&[t, 0, 0, 0]).unwrap_err().kind(),
                &DecodeErrorKind::UnsupportedMessageType(t)
            );
        }
    }
}
