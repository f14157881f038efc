//! The dialog registry seen from the management interface: every call of the shard listed on
//! demand, one ended by an operator, and a short history of calls that ended.
//!
//! Nothing here runs per message: the views are built when the management side asks (through
//! the shard's input channel), from the state the engine keeps anyway.

use std::time::{Duration, Instant, SystemTime};

use callctl_scc::{CallKey, ScriptRunner};
use callctl_sip::transaction::SipCounters;

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

/// Upper bounds (milliseconds) of the script duration histogram's buckets; one more bucket
/// (`+Inf`) takes the rest.
pub const SCRIPT_DURATION_BUCKETS_MS: [u64; 16] = [
    10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000,
    3_600_000, 14_400_000, 43_200_000,
];

/// How long scripts ran, from their start (the INVITE) to their end (returned, failed or
/// aborted), on the engine's clock: a histogram with fixed buckets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScriptDurations {
    /// Scripts per bucket (not cumulative): `counts[i]` ran at most
    /// `SCRIPT_DURATION_BUCKETS_MS[i]` and more than the bound before; the last is `+Inf`.
    pub counts: [u64; SCRIPT_DURATION_BUCKETS_MS.len() + 1],
    /// The sum of every duration, in microseconds.
    pub sum_us: u64,
}

impl ScriptDurations {
    pub fn record(&mut self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let i = SCRIPT_DURATION_BUCKETS_MS
            .iter()
            .position(|&ms| us <= ms * 1000)
            .unwrap_or(SCRIPT_DURATION_BUCKETS_MS.len());
        self.counts[i] += 1;
        self.sum_us = self.sum_us.saturating_add(us);
    }

    /// Scripts recorded.
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    pub fn add(&mut self, other: &ScriptDurations) {
        for (a, b) in self.counts.iter_mut().zip(other.counts) {
            *a += b;
        }
        self.sum_us = self.sum_us.saturating_add(other.sum_us);
    }
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
                from_tag: b
                    .invite
                    .as_ref()
                    .and_then(|i| i.from_tag())
                    .unwrap_or_default(),
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

    /// SIP requests and responses received and sent by this engine's transaction layer.
    pub fn sip_counters(&self) -> &SipCounters {
        self.layer.counters()
    }

    /// The script of `key` stops now (it returned or failed, or is being aborted): its run
    /// time goes to the script duration histogram. Called before the script is marked done; a
    /// script that is not running any more is not counted again.
    pub(super) fn script_ended(&mut self, key: CallKey, now: Instant) {
        if let Some(call) = self.calls.get(&key) {
            if matches!(call.script, ScriptState::Waiting { .. }) {
                self.script_ran(key, now);
            }
        }
    }

    /// Record the run time of the script of `key`, which ends now.
    pub(super) fn script_ran(&mut self, key: CallKey, now: Instant) {
        if let Some(call) = self.calls.get(&key) {
            let d = now.saturating_duration_since(call.started);
            self.stats.script_durations.record(d);
        }
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
        self.script_ended(key, now);
        self.runner.abort(key);
        let Some(call) = self.calls.get_mut(&key) else {
            return Err(format!("no dialog {id}"));
        };
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
        self.reap(key, now);
        self.flush(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EngineConfig, Trigger, TriggerTable};
    use callctl_scc::{CallContext, Command, ControlFlags, Reply, Step};
    use callctl_sip::id::IdGenerator;
    use callctl_sip::message::{parse_datagram, Limits, Message};
    use callctl_sip::{Peer, Transport};

    /// Seed 000 without Lua: hang up with 487, wait 5 s, return.
    #[derive(Default)]
    struct HangupThenWait {
        resumed: u32,
    }

    impl ScriptRunner for HangupThenWait {
        fn start(&mut self, _: CallKey, _: &str, _: &CallContext) -> Step {
            Step::Command(Command::Hangup {
                code: Some(487),
                reason: None,
            })
        }
        fn resume(&mut self, _: CallKey, _: ControlFlags, _: Reply) -> Step {
            self.resumed += 1;
            match self.resumed {
                1 => Step::Command(Command::Wait { secs: 5.0 }),
                _ => Step::Finished,
            }
        }
        fn abort(&mut self, _: CallKey) {}
        fn usage(&self) -> callctl_scc::RunnerUsage {
            callctl_scc::RunnerUsage {
                instances: usize::from(self.resumed < 2),
                memory_bytes: None,
            }
        }
    }

    fn request(text: &str) -> Message {
        parse_datagram(text.replace('\n', "\r\n").as_bytes(), &Limits::default()).unwrap()
    }

    const INVITE: &str = "INVITE sip:6000@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-r1\nFrom: <sip:100@127.0.0.1>;tag=a1\nTo: <sip:6000@127.0.0.1>\nCall-ID: reg@test\nCSeq: 1 INVITE\nContact: <sip:100@127.0.0.1:5070>\nMax-Forwards: 70\nContent-Length: 0\n\n";
    const ACK: &str = "ACK sip:6000@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-r1\nFrom: <sip:100@127.0.0.1>;tag=a1\nTo: <sip:6000@127.0.0.1>;tag=TOTAG\nCall-ID: reg@test\nCSeq: 1 ACK\nMax-Forwards: 70\nContent-Length: 0\n\n";

    fn run_until(engine: &mut Engine<HangupThenWait>, until: Instant) -> Vec<Vec<u8>> {
        let mut sent = Vec::new();
        loop {
            while let Some(out) = engine.poll_output() {
                if let crate::EngineOutput::Transmit(t) = out {
                    sent.push(t.bytes);
                }
            }
            match engine.poll_timeout() {
                Some(at) if at <= until => engine.handle_timeout(at),
                _ => return sent,
            }
        }
    }

    #[test]
    fn counts_after_a_simulated_call() {
        let config = EngineConfig {
            triggers: TriggerTable::new(vec![Trigger {
                prefix: "6000".into(),
                script_key: "seed000".into(),
            }])
            .unwrap(),
            ..EngineConfig::default()
        };
        let t0 = Instant::now();
        let mut engine = Engine::new(
            config,
            HangupThenWait::default(),
            IdGenerator::new(1, 0),
            (t0, SystemTime::UNIX_EPOCH),
        );
        let peer = Peer {
            transport: Transport::Udp,
            addr: "127.0.0.1:5070".parse().unwrap(),
            connection: None,
        };
        engine.on_message(request(INVITE), peer, t0);
        let sent = run_until(&mut engine, t0);
        let first_lines: Vec<String> = sent
            .iter()
            .map(|b| {
                String::from_utf8_lossy(b)
                    .lines()
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(
            first_lines,
            ["SIP/2.0 100 Trying", "SIP/2.0 487 Request Terminated"]
        );
        let to_tag = {
            let text = String::from_utf8_lossy(&sent[1]).into_owned();
            let to = text.lines().find(|l| l.starts_with("To:")).unwrap();
            to.split("tag=").nth(1).unwrap().trim().to_string()
        };
        let ack = request(&ACK.replace("TOTAG", &to_tag));
        engine.on_message(ack, peer, t0 + Duration::from_millis(20));

        // While the script waits, the call is listed (ending) and no duration is recorded.
        let listed = engine.dialogs(t0 + Duration::from_secs(1));
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].state, DialogState::Ending);
        assert_eq!(engine.stats().script_durations.count(), 0);

        run_until(&mut engine, t0 + Duration::from_secs(60));
        assert!(engine.dialogs(t0 + Duration::from_secs(60)).is_empty());
        let stats = engine.stats();
        assert_eq!((stats.calls_started, stats.calls_ended), (1, 1));
        let d = stats.script_durations;
        assert_eq!(d.count(), 1);
        // Five seconds on the injected clock: the 5 s bucket, exactly.
        let i = SCRIPT_DURATION_BUCKETS_MS
            .iter()
            .position(|&ms| ms == 5_000)
            .unwrap();
        assert_eq!(d.counts[i], 1, "{d:?}");
        assert_eq!(d.sum_us, 5_000_000);

        let sip = engine.sip_counters();
        assert_eq!(sip.requests("INVITE"), (1, 0));
        assert_eq!(sip.requests("ACK"), (1, 0));
        assert_eq!(sip.responses(100), (0, 1));
        assert_eq!(sip.responses(487), (0, 1));
        assert_eq!(sip.requests_out.iter().sum::<u64>(), 0);
        assert_eq!(sip.responses_in.iter().sum::<u64>(), 0);
        assert_eq!(engine.retransmissions(), 0);
    }

    #[test]
    fn script_duration_buckets() {
        let mut d = ScriptDurations::default();
        d.record(Duration::ZERO);
        d.record(Duration::from_millis(10));
        d.record(Duration::from_micros(10_001));
        d.record(Duration::from_secs(86_400));
        assert_eq!(d.counts[0], 2);
        assert_eq!(d.counts[1], 1);
        assert_eq!(d.counts[SCRIPT_DURATION_BUCKETS_MS.len()], 1);
        assert_eq!(d.sum_us, 10_000 + 10_001 + 86_400_000_000);
        let mut total = d;
        total.add(&d);
        assert_eq!(total.count(), 8);
        assert_eq!(total.sum_us, 2 * d.sum_us);
    }

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
