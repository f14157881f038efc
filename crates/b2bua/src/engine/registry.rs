//! The dialog registry seen from the management interface: every call of the shard listed on
//! demand, one ended by an operator, and a short history of calls that ended.
//!
//! Nothing here runs per message: the views are built when the management side asks (through
//! the shard's input channel), from the state the engine keeps anyway.

use std::time::{Duration, Instant, SystemTime};

use callctl_scc::{CallKey, ScriptRunner};

use super::termination::{BLeg, BState, CancelCause};
use super::{Call, Engine, ScriptState};
use crate::headers::validate_extra_headers;
use crate::reason::EndReason;

/// How many ended calls each engine remembers for the management interface.
pub const RECENT_ENDS: usize = 256;

/// Where a dialog is (OpenSIPS: early, confirmed, deleted-but-lingering).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DialogState {
    /// The caller has no final response yet (a B-leg may be ringing).
    Early,
    /// Answered: both legs are in a confirmed dialog.
    Confirmed,
    /// The call has its end reason; it stays until its script and transactions are done.
    Ending,
}

impl DialogState {
    pub fn as_str(self) -> &'static str {
        match self {
            DialogState::Early => "early",
            DialogState::Confirmed => "confirmed",
            DialogState::Ending => "ending",
        }
    }
}

/// The identifiers of one leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegInfo {
    pub call_id: String,
    /// The tag of the From header of the leg's INVITE (the caller's on the A-leg, ours on a
    /// B-leg).
    pub from_tag: String,
    /// The tag of the To header, once there is one.
    pub to_tag: Option<String>,
}

/// One call, as listed by the management interface.
#[derive(Debug, Clone, PartialEq)]
pub struct DialogInfo {
    /// `<shard hex>.<call number hex>`: the suffix of the call's EDR instance key.
    pub id: String,
    pub state: DialogState,
    pub a_leg: LegInfo,
    /// The current (last) B-leg, if the script started one.
    pub b_leg: Option<LegInfo>,
    /// The normalised calling and called numbers.
    pub caller: String,
    pub callee: String,
    pub script: String,
    /// The called-number prefix of the trigger that selected the script.
    pub trigger: String,
    pub started: SystemTime,
    pub answered: Option<SystemTime>,
    /// Time left before the maximum call duration ends the call.
    pub lifetime_remaining: Option<Duration>,
    /// The end reason once the call is ending.
    pub end_reason: Option<EndReason>,
}

/// A call that ended recently.
#[derive(Debug, Clone, PartialEq)]
pub struct EndedCall {
    pub id: String,
    pub call_id: String,
    pub end_reason: EndReason,
    pub code: Option<u16>,
    pub duration: Duration,
    pub script: String,
    pub ended_at: SystemTime,
}

/// The dialog id of a call of `shard`.
pub(super) fn dialog_id(shard: u16, key: CallKey) -> String {
    format!("{shard:x}.{key:x}")
}

/// Split a dialog id into the shard and the call number.
pub fn parse_dialog_id(id: &str) -> Option<(u16, CallKey)> {
    let (shard, key) = id.trim().split_once('.')?;
    let hex = |s: &str| !s.is_empty() && s.len() <= 16 && s.bytes().all(|b| b.is_ascii_hexdigit());
    if !hex(shard) || !hex(key) {
        return None;
    }
    Some((
        u16::from_str_radix(shard, 16).ok()?,
        CallKey::from_str_radix(key, 16).ok()?,
    ))
}

impl<R: ScriptRunner> Engine<R> {
    fn dialog_info(&self, key: CallKey, call: &Call, now: Instant) -> DialogInfo {
        let state = if call.end_reason.is_some() {
            DialogState::Ending
        } else if call.a_answered.is_some() {
            DialogState::Confirmed
        } else {
            DialogState::Early
        };
        let a_to_tag = if call.final_code.is_some() || call.last_provisional.is_some() {
            Some(call.to_tag.clone())
        } else {
            None
        };
        let b_leg = call.b_legs.last().map(|b| match &b.dialog {
            Some(d) => LegInfo {
                call_id: b.call_id.clone(),
                from_tag: d.local_tag.clone(),
                to_tag: d.remote_tag.clone(),
            },
            None => LegInfo {
                call_id: b.call_id.clone(),
                from_tag: b.invite.from_tag().unwrap_or_default(),
                to_tag: None,
            },
        });
        let lifetime_remaining = match (call.end_reason, call.lifetime) {
            (None, Some(at)) => Some(at.saturating_duration_since(now)),
            _ => None,
        };
        DialogInfo {
            id: dialog_id(self.ids.shard(), key),
            state,
            a_leg: LegInfo {
                call_id: call.call_id.clone(),
                from_tag: call.from_tag.clone(),
                to_tag: a_to_tag,
            },
            b_leg,
            caller: call.a_calling.clone(),
            callee: call.called.clone(),
            script: call.script_key.clone(),
            trigger: call.trigger_prefix.clone(),
            started: self.wall(call.started),
            answered: call.answered_at.map(|t| self.wall(t)),
            lifetime_remaining,
            end_reason: call.end_reason,
        }
    }

    /// Every call of this engine, in the order they started.
    pub fn dialogs(&self, now: Instant) -> Vec<DialogInfo> {
        let mut keys: Vec<CallKey> = self.calls.keys().copied().collect();
        keys.sort_unstable();
        keys.into_iter()
            .filter_map(|k| self.calls.get(&k).map(|c| self.dialog_info(k, c, now)))
            .collect()
    }

    /// One call by its dialog id (`None` when it is not one of this engine's calls).
    pub fn dialog(&self, id: &str, now: Instant) -> Option<DialogInfo> {
        let (shard, key) = parse_dialog_id(id)?;
        if shard != self.ids.shard() {
            return None;
        }
        self.calls.get(&key).map(|c| self.dialog_info(key, c, now))
    }

    /// The calls that ended most recently, oldest first (at most [`RECENT_ENDS`]).
    pub fn recent_ends(&self) -> impl Iterator<Item = &EndedCall> {
        self.recent_ends.iter()
    }

    /// Calls ended since the engine started, by end reason and script.
    pub fn ended_by_reason(&self) -> impl Iterator<Item = (EndReason, &str, u64)> {
        self.ended_by
            .iter()
            .map(|((reason, script), n)| (*reason, script.as_str(), *n))
    }

    /// End a call from the management interface (end reason `MI Termination`). An answered
    /// call gets BYE on both legs; an early one a 503 to the caller and a CANCEL to a ringing
    /// B-leg. `extra_headers` (e.g. a Reason) go on the BYEs or on the 503. The script, if
    /// still running, is stopped.
    pub fn end_dialog(
        &mut self,
        id: &str,
        extra_headers: Vec<(String, String)>,
        now: Instant,
    ) -> Result<(), String> {
        validate_extra_headers(&extra_headers)?;
        let key = match parse_dialog_id(id) {
            Some((shard, key)) if shard == self.ids.shard() => key,
            _ => return Err(format!("no dialog {id}")),
        };
        let Some(call) = self.calls.get_mut(&key) else {
            return Err(format!("no dialog {id}"));
        };
        if let Some(reason) = call.end_reason {
            return Err(format!("dialog {id} is already ending ({reason})"));
        }
        self.runner.abort(key);
        call.script = ScriptState::Done;
        call.attempt = None;
        let answered = call.a_answered.is_some();
        let open = call.final_code.is_none();
        tracing::info!(call_id = %call.call_id, dialog = id, "ending the call (management interface)");
        if answered {
            self.send_a_bye(key, &extra_headers, now);
            let b = self
                .calls
                .get(&key)
                .and_then(|c| c.b_legs.iter().position(BLeg::active));
            if let Some(i) = b {
                if self
                    .calls
                    .get(&key)
                    .is_some_and(|c| c.b_legs[i].state == BState::Calling)
                {
                    self.cancel_b_leg(key, CancelCause::Released, now);
                } else {
                    self.send_b_bye(key, i, &extra_headers, now);
                }
            }
            self.end_call(key, EndReason::MiTermination, None, now);
        } else {
            let code = 503;
            if open {
                self.send_final(key, code, extra_headers, now);
            }
            self.cancel_b_leg(key, CancelCause::Released, now);
            self.end_call(key, EndReason::MiTermination, Some(code), now);
        }
        self.reap(key);
        self.flush(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialog_ids_round_trip() {
        assert_eq!(dialog_id(0, 1), "0.1");
        assert_eq!(dialog_id(10, 255), "a.ff");
        assert_eq!(parse_dialog_id("a.ff"), Some((10, 255)));
        assert_eq!(parse_dialog_id(" 1.2a "), Some((1, 0x2a)));
        for bad in ["", ".", "1.", ".1", "x.1", "1.g", "1", "1.2.3", "10000.1"] {
            assert_eq!(parse_dialog_id(bad), None, "{bad:?}");
        }
    }
}
