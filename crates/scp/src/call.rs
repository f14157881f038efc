//! One call per TCAP dialogue: its state, the commands a service gives, and which command is
//! legal in which state.
//!
//! | state | the SSP is | legal commands |
//! |---|---|---|
//! | `AwaitingInstruction` | holding the call after InitialDP (or after an interrupted EDP report), waiting for the SCP | `ReleaseCall`, `TerminationFinal`, `TerminationAttempt`, `TerminationMonitored`, `Abort` |
//! | `Monitoring` | routing the call after a Connect/Continue with EDPs armed | `ReleaseCall`, `Abort` |
//! | `Answered` | carrying an answered monitored or charged call | `ReleaseCall`, `ApplyCharging` (charged calls), `Abort` |
//! | `Ended` | done with the dialogue | none |
//!
//! In `Monitoring`, the reports move the call on: busy, no answer and route select failure
//! (armed interrupted) give it back to the service in `AwaitingInstruction`; answer and
//! abandon (armed notify-and-continue) end it, the SSP or the engine closing the dialogue. A
//! monitored or charged call goes on to `Answered` at answer instead (its disconnect EDPs are
//! armed); a disconnect report gives it back in `AwaitingInstruction`, an ApplyChargingReport
//! is passed on in `Answered`.
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
    /// A Connect or Continue went out with EDPs armed; an EventReportBCSM is awaited (the
    /// guard runs for the no-answer time plus the service-logic time).
    Monitoring,
    /// A monitored or charged call was answered: disconnect and charging reports are
    /// awaited, ActivityTests supervise the dialogue, the guard is the longest call allowed.
    Answered,
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
    /// Normalised redirecting party digits (Connect only; denormalised with the
    /// `calling_party` rules).
    pub redirecting_digits: Option<String>,
    /// Redirection information sent with the Connect (Q.763 §3.45).
    pub redirection: Option<Redirection>,
    /// FurnishChargingInformation content, sent before the Connect / Continue.
    pub fci: Option<Vec<u8>>,
}

/// ISUP redirection information (Q.763 §3.45) for a Connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Redirection {
    /// Redirecting indicator (0-7).
    pub indicator: u8,
    /// Original redirection reason (0-15).
    pub original_reason: u8,
    /// Redirection counter (0-7).
    pub counter: u8,
    /// Redirecting reason (0-15).
    pub reason: u8,
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
    /// Connect or Continue in a TC-CONTINUE with RequestReportBCSMEvent arming route select
    /// failure, busy and no answer (interrupted) and answer and abandon (notify and continue);
    /// disconnect is not armed (platform `termination_attempt`).
    TerminationAttempt {
        /// Destination, FCI as for a final termination.
        termination: Termination,
        /// The no-answer timer for the SSP (`applicationTimer`), seconds; `None` takes the
        /// configured default.
        no_answer_secs: Option<u16>,
    },
    /// As `TerminationAttempt`, with oDisconnect armed interrupted on legs 1 and 2, so the
    /// call stays under control after answer (platform `connect_monitored` /
    /// `connect_charged`): with `grant_secs`, ApplyCharging for that many seconds goes out
    /// too; with `call_information`, a CallInformationRequest (call attempt and connected
    /// elapsed time, stop time, release cause).
    TerminationMonitored {
        /// Destination, FCI as for a final termination.
        termination: Termination,
        /// The no-answer timer; `None` takes the configured default.
        no_answer_secs: Option<u16>,
        /// First charging grant, seconds (a charged call).
        grant_secs: Option<u32>,
        /// Ask for call information.
        call_information: bool,
    },
    /// A further ApplyCharging on an answered charged call (platform `charge_extend`).
    ApplyCharging {
        /// The grant, seconds.
        grant_secs: u32,
    },
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
            Command::TerminationAttempt { termination, .. }
                if termination.address_digits.is_some() =>
            {
                "connect_attempt"
            }
            Command::TerminationAttempt { .. } => "continue_attempt",
            Command::TerminationMonitored {
                grant_secs: Some(_),
                ..
            } => "connect_charged",
            Command::TerminationMonitored { .. } => "connect_monitored",
            Command::ApplyCharging { .. } => "charge_extend",
            Command::Abort { .. } => "tcap_abort",
        }
    }

    /// Whether the command may be given in `state`.
    pub fn allowed_in(&self, state: CallState) -> bool {
        match state {
            CallState::AwaitingInstruction => !matches!(self, Command::ApplyCharging { .. }),
            CallState::Monitoring => {
                matches!(self, Command::ReleaseCall { .. } | Command::Abort { .. })
            }
            CallState::Answered => matches!(
                self,
                Command::ReleaseCall { .. } | Command::Abort { .. } | Command::ApplyCharging { .. }
            ),
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
    /// An answered monitored or charged call reached `max_monitored_call`; released with
    /// the default cause.
    MaxDuration {
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
    /// The attempt was answered; control of the call is over.
    Answered,
    /// The caller abandoned during the attempt.
    Abandoned,
    /// An ActivityTest got no result in time: the SSP no longer knows the dialogue, which is
    /// released locally.
    ActivityTestFailed,
    /// The SSP answered one of our operations with a ReturnError or a Reject; the call was
    /// released.
    OperationRefused {
        /// The cause sent.
        cause: u8,
    },
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
            EndReason::Answered => "answered",
            EndReason::Abandoned => "abandoned",
            EndReason::ActivityTestFailed => "activity_test_failed",
            EndReason::MaxDuration { .. } => "max_duration",
            EndReason::OperationRefused { .. } => "operation_refused",
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
    /// What became of a `TerminationAttempt`. After busy, no answer and route select failure
    /// the call waits for the next command; after answer and abandon an `Ended` follows.
    AttemptResult {
        /// The call.
        call: CallId,
        /// The outcome.
        outcome: AttemptOutcome,
    },
    /// A party of an answered monitored call hung up (oDisconnect, armed interrupted): the
    /// SSP holds the other party and waits for the next command.
    Disconnect {
        /// The call.
        call: CallId,
        /// The leg that hung up (1 calling, 2 called).
        leg: u8,
        /// The release cause, when reported.
        cause: Option<u8>,
    },
    /// An ApplyChargingReport of a charged call.
    ChargingReport {
        /// The call.
        call: CallId,
        /// Time used in the period reported, tenths of a second, when readable.
        used_tenths: Option<u32>,
        /// Whether the call is still up.
        call_active: bool,
        /// Grants sent so far on this call (the first one included).
        grants: u32,
    },
    /// The call is over; its id may be reused.
    Ended {
        /// The call.
        call: CallId,
        /// Why.
        reason: EndReason,
    },
}

/// The events a termination attempt arms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptEvent {
    /// The destination answered.
    Answer,
    /// The destination was busy.
    Busy,
    /// The no-answer timer expired.
    NoAnswer,
    /// The call could not be routed.
    RouteSelectFailure,
    /// The caller hung up first.
    Abandon,
}

impl AttemptEvent {
    /// The name scripts see (`answer`, `busy`, `no_answer`, `route_select_failure`,
    /// `abandon`).
    pub fn name(self) -> &'static str {
        match self {
            AttemptEvent::Answer => "answer",
            AttemptEvent::Busy => "busy",
            AttemptEvent::NoAnswer => "no_answer",
            AttemptEvent::RouteSelectFailure => "route_select_failure",
            AttemptEvent::Abandon => "abandon",
        }
    }

    /// From an `EventTypeBCSM` value (the originating events CS-1 and CAP number alike).
    pub fn from_event_type(value: u8) -> Option<AttemptEvent> {
        Some(match value {
            4 => AttemptEvent::RouteSelectFailure,
            5 => AttemptEvent::Busy,
            6 => AttemptEvent::NoAnswer,
            7 => AttemptEvent::Answer,
            10 => AttemptEvent::Abandon,
            _ => return None,
        })
    }

    /// Whether the SSP suspends the call for instructions (armed interrupted).
    pub fn interrupts(self) -> bool {
        matches!(
            self,
            AttemptEvent::Busy | AttemptEvent::NoAnswer | AttemptEvent::RouteSelectFailure
        )
    }
}

/// A reported attempt event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptOutcome {
    /// What happened.
    pub event: AttemptEvent,
    /// The Q.850 cause value from the report (busy cause, failure cause), when given.
    pub cause: Option<u8>,
}
