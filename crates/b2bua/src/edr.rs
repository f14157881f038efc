//! Event detail records produced by the engine. The server writes them to the EDR file in
//! the documented line format (docs/edr.md); the engine only says what happened and when.

use std::time::SystemTime;

/// One field of an EDR: a fixed upper-case name and its value.
pub type EdrField = (&'static str, String);

/// One call event.
#[derive(Debug, Clone, PartialEq)]
pub struct EdrRecord {
    /// Wall-clock time of the event (from the engine's injected clock anchor).
    pub at: SystemTime,
    /// The call's instance key (stable for the whole call).
    pub instance: String,
    /// Event type, e.g. `IN-INVITE-ALEG`, `OUT-RESPONSE-ALEG`, `DECLINE`, `TEARDOWN`.
    pub event: &'static str,
    pub fields: Vec<EdrField>,
}

impl EdrRecord {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}
