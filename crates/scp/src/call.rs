//! One call per TCAP dialogue: its state, the commands a service gives, and which command is
//! legal in which state.
//!
//! | state | the SSP is | legal commands |
//! |---|---|---|
//! | `AwaitingInstruction` | holding the call after InitialDP (or after an interrupted EDP report), waiting for the SCP | `ReleaseCall`, `TerminationFinal`, `Abort` |
//! | `Ended` | done with the dialogue | none |
//!
//! Operations received from the SSP are taken as follows: InitialDP only in the TC-BEGIN that
//! opens the dialogue; an operation an SSP never sends (Connect, ReleaseCall, ...) is
//! rejected with invokeProblem unrecognizedOperation; a report the call does not wait for
//! (no EDP armed, no charging running) is counted and otherwise ignored.

use crate::idp::InitialDp;

/// A call handle: the local TCAP transaction id of its dialogue.
pub type CallId = u32;

/// Where a call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallState {
    /// The SSP waits for an instruction; the service-logic guard timer runs.
    AwaitingInstruction,
    /// The dialogue is over (ended by us, by the SSP, or aborted).
    Ended,
}

/// Details of a final Connect or Continue (platform `termination_final`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Termination {
    /// Normalised destination digits: Connect when present (denormalised with the
    /// `called_party` rules), Continue when absent.
    pub address_digits: Option<String>,
    /// Normalised original called party digits (Connect only).
    pub orig_called_digits: Option<String>,
    /// FurnishChargingInformation content, sent before the Connect / Continue.
    pub fci: Option<Vec<u8>>,
}

/// What the service asks the engine to do with a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// ReleaseCall in a TC-END; `None` takes the configured default cause. The cause goes
    /// through the model's release cause translation.
    ReleaseCall {
        /// Q.850 cause value, 0-127.
        cause: Option<u8>,
    },
    /// A final Connect or Continue in a TC-END: no EDPs armed, nothing awaited.
    TerminationFinal(Termination),
    /// TC-U-ABORT; the text, when given, is carried as the ABRT's user information.
    Abort {
        /// User information text.
        text: Option<String>,
    },
}

impl Command {
    /// A short name for logs and errors.
    pub fn name(&self) -> &'static str {
        match self {
            Command::ReleaseCall { .. } => "release_call",
            Command::TerminationFinal(t) if t.address_digits.is_some() => "connect_final",
            Command::TerminationFinal(_) => "continue_final",
            Command::Abort { .. } => "tcap_abort",
        }
    }

    /// Whether the command may be given in `state`.
    pub fn allowed_in(&self, state: CallState) -> bool {
        match state {
            CallState::AwaitingInstruction => true,
            CallState::Ended => false,
        }
    }
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// No live call has this id.
    #[error("no such call")]
    UnknownCall,
    /// The command is not legal in the call's state.
    #[error("{command} not allowed in state {state:?}")]
    NotAllowed {
        /// The command.
        command: &'static str,
        /// The call's state.
        state: CallState,
    },
    /// A number or cause in the command is not valid.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndReason {
    /// We released it (ReleaseCall in TC-END).
    Released {
        /// The cause sent.
        cause: u8,
    },
    /// We sent a final Connect or Continue.
    Terminated,
    /// We aborted the dialogue.
    Aborted,
    /// The service logic gave no instruction in time; released with the default cause.
    ServiceLogicTimeout {
        /// The cause sent.
        cause: u8,
    },
    /// The SSP ended the dialogue (TC-END).
    PeerEnded,
    /// The SSP aborted the dialogue (TC-U-ABORT).
    PeerAborted,
    /// The TCAP provider aborted the dialogue (P-ABORT, bad dialogue portion, ...).
    ProviderAborted,
    /// The InitialDP was missing or could not be read: it was rejected and the dialogue
    /// ended.
    BadInitialDp,
}

impl EndReason {
    /// A short name for logs, EDRs and metrics.
    pub fn name(&self) -> &'static str {
        match self {
            EndReason::Released { .. } => "released",
            EndReason::Terminated => "terminated",
            EndReason::Aborted => "aborted",
            EndReason::ServiceLogicTimeout { .. } => "service_logic_timeout",
            EndReason::PeerEnded => "peer_ended",
            EndReason::PeerAborted => "peer_aborted",
            EndReason::ProviderAborted => "provider_aborted",
            EndReason::BadInitialDp => "bad_initial_dp",
        }
    }
}

/// What the engine tells the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A new call: an InitialDP arrived. Answer with a [`Command`] before the service-logic
    /// guard expires.
    InitialDp {
        /// The call.
        call: CallId,
        /// The SSP model that took the dialogue.
        model: String,
        /// The InitialDP.
        idp: Box<InitialDp>,
    },
    /// The call is over; its id may be reused.
    Ended {
        /// The call.
        call: CallId,
        /// Why.
        reason: EndReason,
    },
}
