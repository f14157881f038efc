//! SIGTRAN signalling transport for callctl's IN SCP face.
//!
//! # Role
//!
//! callctl's second face is an IN service control point that talks INAP CS-1 / CAMEL
//! over TCAP over SCCP over M3UA. This crate holds the bottom of that stack: the M3UA
//! message codec (RFC 4666 §3) and the stream framing used when M3UA is carried over
//! TCP instead of SCTP. It is sans-IO: it never touches sockets, clocks or threads.
//!
//! # Inputs and outputs
//!
//! * [`m3ua::Message::decode`] takes the bytes of exactly one M3UA message and returns a
//!   typed [`m3ua::Message`] or a [`m3ua::DecodeError`]. Every error maps to the M3UA
//!   ERR error code a peer should be sent, via [`m3ua::DecodeError::error_code`].
//! * [`m3ua::frame`] takes the front of a TCP receive buffer and returns either nothing
//!   yet (more bytes needed), or one decoded message plus the number of bytes it used.
//!   [`m3ua::peek_length`] gives only the length, so a caller can skip a message that
//!   failed to decode while staying in step with the stream.
//! * [`m3ua::Message::encode`] appends the wire form of a message to a `Vec<u8>`.
//!
//! No input makes the decoders panic; malformed bytes yield an error.
//!
//! # RFC 4666 coverage
//!
//! * §3.1 common message header (version 1, message classes and types).
//! * §3.2 variable-length parameter format (tag, length, value, padding to 4 bytes);
//!   parameters with tags this crate does not know are kept as raw bytes and written
//!   back unchanged.
//! * §3.3.1 Payload Data (DATA) with the Protocol Data parameter.
//! * §3.4 SSNM: DUNA, DAVA, DAUD, SCON, DUPU, DRST.
//! * §3.5 ASPSM: ASP Up, ASP Down, BEAT and their acknowledgements.
//! * §3.7 ASPTM: ASP Active, ASP Inactive and their acknowledgements.
//! * §3.8 MGMT: ERR and NTFY, with the error codes of §3.8.1.
//! * Parameters of §3.2 and §3.3–§3.8 used by the messages above, typed: Routing
//!   Context, Network Appearance, Traffic Mode Type, Affected Point Code, Correlation
//!   ID, INFO String, Error Code, Status, ASP Identifier, Heartbeat Data, Diagnostic
//!   Information, Concerned Destination, Congestion Indications, User/Cause.
//!
//! # Not done yet
//!
//! * Routing key management (RKM, §3.6, message class 9): decoded as an unsupported
//!   message class.
//! * The ASP/IPSP association state machine (§4), heartbeat timers, traffic handling.
//! * SCTP and TCP transports themselves (this crate only frames bytes).
//! * SCCP and TCAP, and the INAP/CAP operations above them.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod m3ua;
