//! TCAP for callctl's SCP face: the ITU-T Q.773 message codec. The Q.774 transaction and
//! component sublayers (dialogue states, invoke timers) are not in this crate yet.
//!
//! Role: the SCP receives TCAP messages as SCCP user data, [`decode`]s them into a [`Message`]
//! (transaction ids, dialogue portion with its application context, components with their
//! operation codes and raw BER parameters), and answers with messages built from components
//! that the INAP/CAP crate encodes, turned into bytes by [`Message::encode`].
//!
//! Inputs: bytes of one TCAP message (definite or indefinite lengths). Outputs: the message
//! model, or a [`DecodeError`] that says what the peer should get back: a P-Abort cause
//! (with whatever transaction ids could be extracted, so the Abort can be addressed), an ABRT
//! for a bad dialogue portion, or a Reject general problem (with the invoke id when derivable)
//! for a bad component. Encoding always uses definite lengths.
//!
//! Standards: Q.773 §4 (TCAPMessages, DialoguePDUs, UnidialoguePDUs), X.690 (BER, EXTERNAL
//! §8.18), Q.774 §3.2.1.2/§3.2.2.2 for the error classification.
//!
//! Not done: ANSI TCAP (T1.114), segmentation of results across ReturnResultNotLast is carried
//! but not reassembled, the `data-value-descriptor` of EXTERNAL is read but not kept.
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
