//! SIGTRAN signalling transport for callctl's IN SCP face.
//!
//! # Role
//!
//! callctl's second face is an IN service control point that talks INAP CS-1 / CAMEL
//! over TCAP over SCCP over M3UA. This crate holds the bottom of that stack: the M3UA
//! message codec (RFC 4666 §3), the stream framing used when M3UA is carried over
//! TCP instead of SCTP, and the association state machine (RFC 4666 §4) that brings
//! an association up and active and carries DATA. It is sans-IO: it never touches
//! sockets, clocks or threads; time is a value the caller passes in.
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
//! * [`m3ua::Association`] is one association's state machine. Inputs: transport
//!   up/down, received bytes ([`m3ua::Association::receive_stream`] for TCP,
//!   [`m3ua::Association::receive_message`] for one whole message), timer ticks
//!   ([`m3ua::Association::poll`] at [`m3ua::Association::next_deadline`]) and user
//!   requests (send DATA, activate, deactivate, shut down), each with `now` as a
//!   `Duration`. Outputs: [`m3ua::Action`]s — bytes to write, [`m3ua::Indication`]s
//!   for the user (received DATA with its routing label, SSNM, NTFY, ERR, failures),
//!   state changes, and a request to close the transport. See [`m3ua::asp`] for the
//!   driving loop.
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
//! * §4.3 ASP state maintenance, in two roles: [`m3ua::Role::Asp`] sends ASPUP, then
//!   ASPAC (traffic mode, routing context), with T(ack) retransmission and a retry
//!   limit, and ASPIA / ASPDN on request; [`m3ua::Role::Sgp`] answers ASPUP with
//!   ASPUP_ACK + NTFY(AS-INACTIVE), ASPAC with ASPAC_ACK + NTFY(AS-ACTIVE), ASPIA and
//!   ASPDN with their acknowledgements. States ASP-DOWN, ASP-INACTIVE, ASP-ACTIVE.
//!   Recovery after a lost transport restarts ASPUP → ASPAC. An ASP told "Alternate
//!   ASP Active" (override AS) stands by in ASP-INACTIVE and activates again when
//!   the AS is notified pending or inactive.
//! * §4.3.4.6 heartbeat: BEAT every interval, BEAT_ACK supervision (missed acks are a
//!   transport failure); received BEATs answered with their data echoed.
//! * §3.3.1 DATA only in ASP-ACTIVE, with routing context and network appearance
//!   checked; §4.5.3 DAUD answered as a leaf node (DAVA for the configured remote
//!   point code, DUNA for anything else); DUNA/DAVA/DRST/SCON/DUPU, NTFY and ERR
//!   passed up; §3.8.1 ERR sent for undecodable, unsupported or unexpected messages.
//!
//! # Not done yet
//!
//! * Routing key management (RKM, §3.6, message class 9): decoded as an unsupported
//!   message class and answered with ERR.
//! * IPSP double exchange (both sides sending ASPUP/ASPAC on one association), several
//!   ASPs per AS and the SGP's AS state machine (AS-PENDING, T(r)), SG routing of DATA
//!   to other destinations, SCTP stream selection.
//! * SCTP and TCP transports themselves (this crate only frames bytes); see
//!   `docs/compliance/m3ua.md`.
//! * SCCP and TCAP, and the INAP/CAP operations above them.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod m3ua;
