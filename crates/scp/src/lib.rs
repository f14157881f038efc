//! The SCP call engine of callctl's IN face.
//!
//! Role: between the signalling stack and the service logic. It takes SCCP messages (the
//! payload of M3UA DATA), runs the TCAP endpoint, owns one call per TCAP dialogue that
//! starts with an InitialDP, and turns service commands (release, final Connect/Continue,
//! abort) into INAP CS-1 or CAP operations in the right TCAP message. The service logic is
//! behind [`Event`]s and [`Command`]s, so a script runtime can sit on top as a thin layer;
//! until then [`CannedLogic`] answers per service key from configuration.
//!
//! Inputs: SCCP bytes with their MTP routing label ([`ScpEngine::receive`]), commands
//! ([`ScpEngine::command`]) and time ([`ScpEngine::poll`]; `now` is a `Duration` passed in,
//! the crate reads no clock). Outputs ([`ScpEngine::poll_output`]): SCCP messages to send
//! and events for the service (new call with its [`InitialDp`], call ended with its
//! [`EndReason`]).
//!
//! Behaviour:
//! * The SSP model is chosen by the application context of the AARQ (platform-notes §5.1);
//!   an unknown context is refused with an AARE reject-permanent
//!   (application-context-name-not-supported). The AARE returns the proposed context or the
//!   model's `returned_ac`.
//! * The first component must be an InitialDP that decodes, numbers included; otherwise it is
//!   rejected (unrecognizedOperation / mistypedParameter) in a TC-END.
//! * The service has `service_logic` to decide; then the call is released with the default
//!   cause (translated per model).
//! * Called-party denormalisation applies to Connect destinations; normalisation to the IDP
//!   numbers given to the service (platform-notes §5.6).
//! * UDT/XUDT for a subsystem not served are returned (UDTS/XUDTS, unequipped user) when
//!   the sender asked; undecodable SCCP messages are answered as `callctl-sccp` says; TCAP
//!   errors are answered by the TCAP endpoint (P-Abort, Reject).
//!
//! * A termination attempt arms route select failure, busy, no answer (interrupted) and
//!   answer, abandon (notify and continue); the reports move the call on (see `call`).
//!
//! * Monitored and charged calls also arm oDisconnect on both legs and send
//!   CallInformationRequest / ApplyCharging; after answer ActivityTests supervise them, a
//!   disconnect gives them back, charging reports are passed on for the next grant.
//!
//! Not done yet: call information reports are accepted but not handed to the service, user
//! interaction (ConnectToResource, PlayAnnouncement, PromptAndCollectUserInformation),
//! tariff switches and tones in ApplyCharging, dialogues the SCP opens, SCCP global title
//! translation.
//! See `docs/compliance/inap.md` and `docs/compliance/cap.md`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod call;
mod canned;
pub mod config;
mod engine;
mod idp;
pub mod numbers;
mod ops;

pub use call::{
    AttemptEvent, AttemptOutcome, CallId, CallState, Command, CommandError, EndReason, Event,
    Redirection, Termination,
};
pub use canned::CannedLogic;
pub use config::{
    DenormRule, NormRule, NumberRules, ReturnedAc, ScpConfig, SspModel, Variant, AC_CS1_SSP_TO_SCP,
};
pub use engine::{Incoming, Output, ScpEngine, Stats, Transmit};
pub use idp::{InitialDp, RawNumber};
