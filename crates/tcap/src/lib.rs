//! TCAP for callctl's SCP face: the ITU-T Q.773 message codec and the Q.774 transaction and
//! component sublayers.
//!
//! Role: the SCP receives TCAP messages as SCCP user data. The codec [`decode`]s them into a
//! [`Message`] (transaction ids, dialogue portion with its application context, components
//! with their operation codes and raw BER parameters) and [`Message::encode`] turns answers
//! back into bytes. On top of it, a [`TcapEndpoint`] holds all dialogues of one TC-user
//! (local transaction ids, dialogue states, AARQ/AARE/ABRT handling, invoke ids and invoke
//! timers) and speaks in TC primitives: the user layer (INAP/CAP) gets [`Indication`]s and
//! issues requests; the endpoint returns [`Action`]s (messages to send, indications).
//!
//! Inputs: bytes of one TCAP message (definite or indefinite lengths) with the peer's address,
//! user requests (TC-BEGIN/CONTINUE/END/U-ABORT, TC-INVOKE/RESULT/U-ERROR/U-REJECT/U-CANCEL,
//! TC-TIMER-RESET), and time (`now: Duration` since an arbitrary epoch, passed in by the
//! caller: the crate never reads a clock). Outputs: the message model or a [`DecodeError`]
//! that says what the peer should get back (a P-Abort cause with whatever transaction ids
//! could be extracted, an ABRT for a bad dialogue portion, or a Reject general problem with
//! the invoke id when derivable); from the endpoint, encoded messages addressed to a peer and
//! TC indications (TC-BEGIN/CONTINUE/END/U-ABORT/P-ABORT/NOTICE/UNI, with components: invoke,
//! result, error, reject, TC-L-REJECT, TC-L-CANCEL), plus the next invoke timer deadline.
//! Encoding always uses definite lengths.
//!
//! Standards: Q.773 §4 (TCAPMessages, DialoguePDUs, UnidialoguePDUs), X.690 (BER, EXTERNAL
//! §8.18), Q.774 §3.1 (transaction sublayer: states, transaction id handling, P-Abort causes),
//! §3.2.1 (component sublayer: invoke ids, operation classes 1-4, invoke timers, Reject of
//! unexpected or malformed components), §3.2.2 (dialogue control with AARQ/AARE/ABRT).
//!
//! Not done: ANSI TCAP (T1.114); segmentation of results across ReturnResultNotLast is carried
//! but not reassembled; the `data-value-descriptor` of EXTERNAL is read but not kept; sending
//! Unidirectional messages from the endpoint; the Q.774 reject timer (an answered invoke id is
//! free again at once); a per-dialogue idle timer (the user layer has its own). See
//! docs/compliance/tcap.md for the deviations.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod ber;
mod codec;
mod dialogue;
mod message;
mod wire;

pub use codec::{decode, encode_component, DecodeError};
pub use dialogue::*;
pub use message::*;
