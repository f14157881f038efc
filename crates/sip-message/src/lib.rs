//! SIP message model, parser and printer for the callctl B2BUA.
//!
//! # Role
//! This crate is the wire-format layer under the transaction layer and the
//! call engine: it turns received bytes into [`Message`]s and messages back
//! into bytes. It performs no I/O and keeps no state.
//!
//! # Inputs and outputs
//! * [`parse_datagram`]: one UDP datagram → [`Message`] or [`Malformed`].
//! * [`parse_stream`] / [`parse_stream_framed`]: a TCP/TLS receive buffer →
//!   a message and the number of bytes it used, or "need more bytes".
//! * [`Request::to_bytes`], [`Response::to_bytes`], [`Message::to_bytes`]:
//!   wire form, with a computed Content-Length.
//! * [`response_to`]: a response skeleton for a request.
//! * Typed views: [`Uri`], [`NameAddr`], [`Via`], [`CSeq`], parsed on
//!   demand from the header text kept in [`Headers`].
//!
//! A [`Malformed`] carries the header lines that could still be read
//! ([`Recovered`]) so that a UAS can answer 400 (or 505 for
//! [`ParseErrorKind::BadVersion`]) as RFC 3261 §8.2 requires.
//!
//! # RFC coverage
//! * RFC 3261 §7 (message structure): start lines (§7.1, §7.2), header
//!   syntax, case-insensitive names, LWS folding and comma-separated values
//!   (§7.3.1), compact forms (§7.3.3), leading CRLFs (§7.5).
//! * RFC 3261 §18.3 framing: datagram bodies without Content-Length, and
//!   mandatory Content-Length on streams.
//! * RFC 3261 §19.1 SIP/SIPS URIs, §20 header fields used by the stack
//!   (Via, From, To, Call-ID, CSeq, Contact, Max-Forwards, Content-Length),
//!   §25 grammar, §8.2.6 response construction, §21 reason phrases.
//! * RFC 3966 tel URIs (number and parameters only).
//! * RFC 4475 torture messages that apply to a UAS, and RFC 5118 IPv6
//!   reference checks; see `tests/rfc4475.rs` for the decisions taken on
//!   each invalid message.
//!
//! Parsing is bounded by [`Limits`] and never panics on input.

pub mod header;
pub mod message;
pub mod method;
pub mod parse;
pub mod print;
mod syntax;
pub mod uri;

pub use header::*;
pub use message::*;
pub use method::*;
pub use parse::*;
pub use print::*;
pub use uri::*;
