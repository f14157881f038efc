//! The script-control contract between a call engine and the script runtime.
//!
//! Named after the platform's SCC message families: `SCC-DO-...` (a script asks the call engine
//! to act) become [`Command`]s, and `SCC-HANDLE-...` (the engine reports back) become [`Reply`]s.
//! Neither side knows the other's internals: the call engine (crate `callctl-b2bua`) drives any
//! [`ScriptRunner`], and the Lua runtime (crate `callctl-service`) implements it. Tests can drive
//! the engine with a scripted runner and no Lua at all.
//!
//! Driving contract (one call):
//!
//! ```text
//! let mut step = runner.start(key, script, &ctx);
//! loop {
//!     match step {
//!         Step::Command(cmd) => {
//!             // carry the command out (or refuse it); synchronous commands are answered at once,
//!             // asynchronous ones (wait, proceeding, ...) when the network or a timer says so.
//!             step = runner.resume(key, flags, reply);
//!         }
//!         Step::Finished | Step::Failed(_) => break,
//!     }
//! }
//! ```

use std::fmt;

/// Identifies one script instance (one call) inside one runner.
pub type CallKey = u64;

/// A value passed to a script: the Lua-independent subset the contract needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Nil,
    Bool(bool),
    Int(i64),
    Num(f64),
    Str(String),
    /// A Lua table with string keys, in a stable order.
    Table(Vec<(String, Value)>),
    /// A Lua sequence (1-based array).
    List(Vec<Value>),
}

impl Value {
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }
}

/// What the caller can still be sent; mirrored into the call context table before every resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ControlFlags {
    /// The script still controls the call (telephony methods may act on it).
    pub controlled: bool,
    /// A provisional response may still be sent (`proceeding`, `ringing`).
    pub proceed_ok: bool,
    /// A final error response may still be sent (`decline`, `redirect`).
    pub decline_ok: bool,
}

/// The inbound call as the script sees it (the `scc` entry parameter).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallContext {
    /// A-leg Call-ID.
    pub call_id: String,
    /// Request-URI of the INVITE, as received.
    pub request_uri: String,
    /// From header URI, as received.
    pub from_uri: String,
    /// From display name, when present.
    pub from_display: Option<String>,
    /// To header URI, as received.
    pub to_uri: String,
    /// Called number as received (Request-URI user part).
    pub called_party: String,
    /// Called number after inbound normalisation (the key the triggers test).
    pub normalised_called_party: String,
    /// Calling number as received (P-Asserted-Identity user part, else From user part).
    pub calling_party: String,
    /// Calling number after inbound normalisation.
    pub normalised_calling_party: String,
    /// Presentation of the calling party is restricted (Privacy: id / anonymous From).
    pub is_calling_restricted: bool,
    /// Every header of the INVITE in order: (name as received, value).
    pub headers: Vec<(String, String)>,
    /// The INVITE carried an SDP offer.
    pub sdp_offer_present: bool,
    /// The INVITE had `Require: 100rel`.
    pub require_100rel: bool,
    /// The trigger's script key.
    pub script_key: String,
    /// The prefix of the trigger that matched (empty for a default trigger).
    pub trigger_prefix: String,
    /// Where the INVITE came from, `transport:ip:port`.
    pub source: String,
    /// Initial control flags.
    pub flags: ControlFlags,
}

/// An RFC 3326 Reason as a script gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// `SIP` or `Q.850` (default `SIP`).
    pub protocol: String,
    /// The `cause=` parameter; omitted when `None`.
    pub cause: Option<u32>,
    /// The `text=` parameter; omitted when `None`.
    pub text: Option<String>,
}

/// Extra SIP headers asked for by a script: (name, value) pairs in order; a script array of
/// values becomes several pairs with the same name.
pub type ExtraHeaders = Vec<(String, String)>;

/// The calling party a termination attempt presents (From user part).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CallingParty {
    /// Not given: the A-leg's presented calling party.
    #[default]
    Default,
    /// `UNDEF`: suppress the presented calling party.
    Suppressed,
    /// These digits (before `calling_party` denormalisation).
    Digits(String),
}

/// `termination_attempt(details)` (seed 003), plain mode. Values are as the script gave them;
/// the engine applies defaults and configured bounds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Termination {
    /// Request-URI user part, before `called_party` denormalisation. Required.
    pub address_digits: String,
    pub calling_party: CallingParty,
    /// `None`: as the A-leg requested (Privacy: id / anonymous From).
    pub is_calling_restricted: Option<bool>,
    /// To user part (default: `address_digits`), before denormalisation.
    pub original_called_party: Option<String>,
    /// Seconds before CANCEL (default `default_no_answer_secs`), bounded by configuration.
    pub no_answer_timeout: Option<u32>,
    /// Extra headers for the B-leg INVITE, in order.
    pub extra_headers: ExtraHeaders,
    /// Maximum call duration in seconds, bounded by configuration.
    pub max_call_secs: Option<u32>,
}

/// Severity of a script log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    Debug,
    Notice,
    Warning,
    Error,
}

/// Where in a script something happened.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScriptLocation {
    pub file: String,
    pub line: u32,
}

impl fmt::Display for ScriptLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A request from a script (`SCC-DO-...`). Arguments are already type- and range-checked by
/// the runtime; the engine checks that the command applies in the call's current state.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `proceeding(code, secs, extra_headers)` / `ringing()` (code 180). Asynchronous: the
    /// reply (a table with `proceed_ok`/`decline_ok`) comes once the response was sent.
    Proceeding {
        code: u16,
        secs: Option<u32>,
        extra_headers: ExtraHeaders,
    },
    /// `decline(code, reason, extra_headers)`. Synchronous; replies `true`.
    Decline {
        code: Option<u16>,
        reason: Option<Reason>,
        extra_headers: ExtraHeaders,
    },
    /// `redirect(contact_user)`: 302 with a Contact built from the digits. Synchronous.
    Redirect { contact_user: String },
    /// `hangup(code, reason)`. Synchronous; idempotent; replies `true`.
    Hangup {
        code: Option<u16>,
        reason: Option<Reason>,
    },
    /// `n2svcd.wait(secs)`. Asynchronous; replies `true` when the timer fires.
    Wait { secs: f64 },
    /// `termination_attempt(details)` / `connect_attempt(...)`. Asynchronous; replies with the
    /// result table of seed 003 (`controlled`, `answered`, `monitored`, `charged`,
    /// `proceed_ok`, `decline_ok`, `reason`, and `code`, `ring_dsm`, `max_call_secs` when they
    /// apply).
    Termination(Termination),
    /// `n2svcd.notice/warning/debug(...)`: already formatted. Synchronous.
    Log {
        level: LogLevel,
        message: String,
        location: Option<ScriptLocation>,
    },
}

impl Command {
    /// The script method's name, for error messages and logs.
    pub fn method(&self) -> &'static str {
        match self {
            Command::Proceeding { code: 180, .. } => "ringing",
            Command::Proceeding { .. } => "proceeding",
            Command::Decline { .. } => "decline",
            Command::Redirect { .. } => "redirect",
            Command::Hangup { .. } => "hangup",
            Command::Wait { .. } => "wait",
            Command::Termination(_) => "termination_attempt",
            Command::Log { .. } => "log",
        }
    }
}

/// The engine's answer to a command (`SCC-HANDLE-...`).
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The command's return value.
    Value(Value),
    /// The command does not apply: raised as a Lua error at the calling script line. The text
    /// names the method and the offending argument or state.
    Error(String),
}

/// Why a script instance ended abnormally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// No script file for the trigger's key, or it failed to compile.
    Load,
    /// A Lua runtime error escaped the script.
    Error,
    /// The script ran past its instruction budget (a runaway loop) and was stopped.
    Budget,
    /// The Lua state ran out of memory.
    Memory,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Load => "load",
            FailureKind::Error => "error",
            FailureKind::Budget => "budget",
            FailureKind::Memory => "memory",
        }
    }
}

/// A script instance that ended abnormally.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptFailure {
    pub kind: FailureKind,
    pub message: String,
    /// The script file and line, when known.
    pub location: Option<ScriptLocation>,
}

impl fmt::Display for ScriptFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(l) => write!(
                f,
                "script {} at {}: {}",
                self.kind.as_str(),
                l,
                self.message
            ),
            None => write!(f, "script {}: {}", self.kind.as_str(), self.message),
        }
    }
}

/// What a script instance did when it last ran.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The script is suspended on this command until resumed with its reply.
    Command(Command),
    /// The script returned.
    Finished,
    /// The script ended abnormally; the instance is gone.
    Failed(ScriptFailure),
}

/// A runtime that runs one script instance per call. Implementations run the script until it
/// suspends on a command, returns or fails; they never block and never read the clock.
pub trait ScriptRunner {
    /// Start the script selected by `script_key` for a new call.
    fn start(&mut self, call: CallKey, script_key: &str, context: &CallContext) -> Step;
    /// Resume a suspended instance with the reply to its last command. `flags` are mirrored
    /// into the call context table before the script continues.
    fn resume(&mut self, call: CallKey, flags: ControlFlags, reply: Reply) -> Step;
    /// Drop a suspended instance without running it further (service-logic timeout, shutdown).
    fn abort(&mut self, call: CallKey);
    /// Where a suspended instance is: the script line of the command it waits on, for logs.
    fn location(&self, _call: CallKey) -> Option<ScriptLocation> {
        None
    }
    /// Script instances alive now and the bytes the runtime holds for all of them, for
    /// statistics (`None` when the runtime does not account memory).
    fn usage(&self) -> RunnerUsage;
}

/// What a [`ScriptRunner`] holds, for statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunnerUsage {
    /// Instances alive (suspended on a command).
    pub instances: usize,
    /// Bytes allocated by the runtime (all instances and shared state), when known.
    pub memory_bytes: Option<usize>,
}
