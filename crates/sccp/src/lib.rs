//! SCCP connectionless codec (ITU-T Q.713) for callctl's SCP face.
//!
//! # Role
//!
//! The SCP receives M3UA DATA messages whose protocol data carries service indicator 3
//! (SCCP). This crate turns that payload into a typed connectionless SCCP message,
//! reassembles segmented data, and builds the messages of the answer. It is sans-IO: no
//! sockets, clocks or threads; time is passed in as a value.
//!
//! # Inputs and outputs
//!
//! * [`Message::decode`] takes one SCCP message and returns a [`Message`] (UDT, UDTS,
//!   XUDT or XUDTS) or a [`DecodeError`] that names the return cause for the UDTS/XUDTS
//!   answer ([`DecodeError::return_cause`]) and, when the message was readable enough,
//!   builds that answer ([`DecodeError::answer`]).
//! * [`Reassembler::receive`] takes decoded messages and yields whole user data with
//!   called and calling address ([`Received::Unitdata`]), reassembling XUDT segments and
//!   reporting failures with the XUDTS to send.
//! * [`UnitdataRequest::messages`] turns user data and addresses into one UDT, or XUDT
//!   segments when it does not fit; [`Message::encode`] writes each to bytes.
//! * [`Message::returned`] builds the UDTS/XUDTS that returns a received UDT/XUDT.
//!
//! No input makes the decoder panic.
//!
//! # Standards coverage
//!
//! * Q.713 §2 message structure: fixed part, one-octet pointers, variable and optional
//!   parts; unknown optional parameters kept and re-sent.
//! * Q.713 §3.4 party addresses in ITU format: address indicator, 14-bit point code, SSN,
//!   global titles with indicators 1–4 (5–15 kept as octets), BCD digits.
//! * Q.713 §3.6 protocol class 0/1 and return option, §3.12 return cause, §3.17
//!   segmentation, §3.18 hop counter, §3.19 importance.
//! * Q.713 §4.10, §4.11, §4.18, §4.19: UDT, UDTS, XUDT, XUDTS.
//! * Q.714 §4.1.1.2 segmentation and reassembly (T(reass)), §4.2 message return.
//!
//! # Not done
//!
//! * LUDT/LUDTS and connection-oriented messages: decoded as
//!   [`DecodeErrorKind::UnsupportedMessageType`].
//! * ANSI (24-bit point codes, ANSI address indicator), global title translation, SCCP
//!   management (SCMG messages arrive as ordinary UDT data to SSN 1).
//!
//! See `docs/compliance/sccp.md`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod address;
mod message;
mod segmentation;

pub use address::{
    Address, AddressError, Digits, DigitsError, GlobalTitle, GtAddress, PointCode, RoutingIndicator,
};
pub use message::{
    Class, DecodeError, DecodeErrorKind, EncodeError, Message, MessageType, OptionalParameter,
    OptionalPart, Parameter, ProtocolClass, ReturnCause, Segmentation, Udt, Udts, Xudt, Xudts,
    DEFAULT_HOP_COUNTER,
};
pub use segmentation::{
    Notice, Reassembler, ReassemblyConfig, ReassemblyFailure, Received, Unitdata, UnitdataRequest,
    MAX_SEGMENTS, MTP_MAX_MESSAGE_LEN,
};
