//! The call model, sans-IO: inbound calls (the A-leg) driven by a script runner.
//!
//! An [`Engine`] owns every call of one shard: the SIP transaction layer, the calls, their
//! script instances (through any [`callctl_scc::ScriptRunner`]) and their timers. It takes
//! parsed SIP messages and timer expiries with the instant they happened and yields datagrams
//! to send and event records (EDRs). It never touches a socket or reads a clock.
//!
//! Driving contract:
//!
//! ```text
//! loop {
//!     engine.on_message(msg, peer, now)        // or engine.on_malformed(..), or nothing
//!     engine.handle_timeout(now);
//!     while let Some(out) = engine.poll_output() { deliver(out) }
//!     sleep_until(engine.poll_timeout());
//! }
//! ```
//!
//! Behaviour covered here (seeds 000 and 001, platform-notes §2.1–2.5): the automatic
//! 100 Trying, trigger selection, `proceeding`/`ringing` with the 100rel rule, `decline` and
//! `redirect` with RFC 3326 Reason headers, `hangup` (final response before answer), the
//! automatic hangup when a script returns or fails, the `service_logic_ms` guard, CANCEL
//! (RFC 3261 §9.2) and answers to requests outside any call.

mod config;
mod edr;
mod engine;
mod headers;
mod numbers;
mod prefix;
mod reason;
mod routing;

pub use callctl_sip::transaction::{SipCounters, COUNTED_METHODS, FIRST_COUNTED_CODE};
pub use config::{EngineConfig, Trigger, TriggerTable};
pub use edr::{EdrField, EdrRecord};
pub use engine::{
    parse_dialog_id, DialogInfo, DialogState, EndedCall, Engine, EngineOutput, EngineStats,
    LegInfo, ScriptDurations, RECENT_ENDS, SCRIPT_DURATION_BUCKETS_MS,
};
pub use headers::{format_reason, validate_extra_headers};
pub use numbers::normalise_digits;
pub use reason::EndReason;
pub use routing::{DenormRule, Denormaliser, Route, RouteTable, SipPeer};
