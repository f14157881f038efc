//! The incall engine: one per shard. See the crate docs for the driving contract.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::time::{Duration, Instant, SystemTime};

use callctl_scc::{
    CallContext, CallKey, Command, ControlFlags, LogLevel, Reply, ScriptFailure, ScriptRunner,
    Step, Value,
};
use callctl_sip::id::IdGenerator;
use callctl_sip::message::{
    response_to, HeaderName, Malformed, Message, Method, ParseErrorKind, Request, Response,
};
use callctl_sip::transaction::{
    RequestOutcome, ResponseOutcome, TransactionEvent, TransactionId, TransactionLayer, Transmit,
};
use callctl_sip::{Peer, Transport};

use crate::config::EngineConfig;
use crate::edr::{EdrField, EdrRecord};
use crate::headers::{format_reason, validate_extra_headers};
use crate::numbers::normalise_digits;
use crate::reason::EndReason;

mod registry;
mod supervision;
mod termination;
pub use registry::{parse_dialog_id, DialogInfo, DialogState, EndedCall, LegInfo, RECENT_ENDS};
pub use registry::{ScriptDurations, SCRIPT_DURATION_BUCKETS_MS};
use supervision::{PingLeg, Supervision};
use termination::{Answered, Attempt, BLeg, BState, CancelCause, Relay};

/// Methods we answer (the Allow header, RFC 3261 §20.5).
const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK";
/// Extensions we understand in Require (RFC 3262 reliable provisionals).
const SUPPORTED: &str = "100rel";

/// What the engine asks its driver to do.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineOutput {
    Transmit(Transmit),
    Edr(EdrRecord),
}

/// Counters for metrics and the management interface.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngineStats {
    pub calls_started: u64,
    pub calls_ended: u64,
    pub script_errors: u64,
    pub service_logic_timeouts: u64,
    pub malformed: u64,
    pub script_durations: ScriptDurations,
}

/// A reliable provisional response waiting for its PRACK (RFC 3262 §3).
struct ReliableProvisional {
    response: Response,
    rseq: u32,
    next: Instant,
    interval: Duration,
    give_up: Instant,
}

enum ScriptState {
    /// Suspended on an asynchronous command; the reply comes from a timer or the network.
    Waiting { until: Option<Instant> },
    /// Finished, failed or aborted.
    Done,
}

struct Call {
    instance: String,
    call_id: String,
    from_tag: String,
    invite: Request,
    invite_tx: TransactionId,
    transport: Transport,
    to_tag: String,
    started: Instant,
    script_key: String,
    /// The final response sent on the A-leg, once there is one.
    final_code: Option<u16>,
    /// The caller gave up (CANCEL or an early BYE).
    abandoned: bool,
    requires_100rel: bool,
    sdp_offer: bool,
    next_rseq: u32,
    /// Boxed, like the answered dialog below: a call is allocated whole at its INVITE, and
    /// most calls never have either; a `Call` under 1 KiB also stays in the allocator's
    /// per-thread cache.
    reliable: Option<Box<ReliableProvisional>>,
    script: ScriptState,
    /// `service_logic_ms` guard: when the caller will stop waiting for the script.
    logic_deadline: Option<Instant>,
    /// Once the call has ended: when a script still running is stopped
    /// (`post_call_script`).
    post_call_deadline: Option<Instant>,
    end_reason: Option<EndReason>,
    /// Where the caller's INVITE came from.
    peer: Peer,
    /// The caller's presented number and whether it is restricted.
    a_calling: String,
    a_restricted: bool,
    /// The last provisional code sent to the caller.
    last_provisional: Option<u16>,
    /// A plain termination was answered: the script has no telephony control any more.
    control_lost: bool,
    /// B-legs of this call's termination attempts, the last one current.
    b_legs: Vec<BLeg>,
    /// The script is suspended in `termination_attempt`.
    attempt: Option<Attempt>,
    /// The caller's answered dialog.
    a_answered: Option<Box<Answered>>,
    answered_at: Option<Instant>,
    /// `max_call_secs`: both legs get BYE then.
    lifetime: Option<Instant>,
    /// The normalised called number and the prefix of the trigger that selected the script
    /// (for the management interface).
    called: String,
    trigger_prefix: String,
    /// In-dialog pinging of the answered call (`[supervision]`), when enabled.
    ping: Option<Supervision>,
}

impl Call {
    /// Once the caller acknowledged our 2xx nothing is built from its INVITE any more but the
    /// headers a response copies (RFC 3261 §8.2.6.2) and its CSeq: the rest (body, Contact,
    /// every other header) is dropped for the call's remaining life.
    fn trim_invite(&mut self) {
        let headers = &mut self.invite.headers.0;
        headers.retain(|h| {
            matches!(
                h.name,
                HeaderName::Via
                    | HeaderName::From
                    | HeaderName::To
                    | HeaderName::CallId
                    | HeaderName::CSeq
            )
        });
        headers.shrink_to_fit();
        self.invite.body = Vec::new();
    }

    fn flags(&self) -> ControlFlags {
        let controlled = self.end_reason.is_none() && !self.control_lost;
        let open = controlled && self.final_code.is_none();
        ControlFlags {
            controlled,
            proceed_ok: open && (!self.requires_100rel || self.sdp_offer),
            decline_ok: open,
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        let (wait, post_call) = match self.script {
            ScriptState::Waiting { until } => (until, self.post_call_deadline),
            ScriptState::Done => (None, None),
        };
        // The reliable provisional wakes the call to retransmit, and at 64*T1 to give up.
        let reliable = self.reliable.as_ref().map(|r| r.next.min(r.give_up));
        let legs = self.b_legs.iter().filter_map(BLeg::deadline).min();
        let answered = self.a_answered.as_ref().and_then(|a| a.deadline());
        let (lifetime, ping) = if self.end_reason.is_none() {
            (self.lifetime, self.ping.as_ref().map(Supervision::deadline))
        } else {
            (None, None)
        };
        [
            self.logic_deadline,
            wait,
            post_call,
            reliable,
            legs,
            answered,
            lifetime,
            ping,
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

/// Every call of one shard. Generic over the script runner so tests can drive it without Lua.
pub struct Engine<R: ScriptRunner> {
    config: EngineConfig,
    runner: R,
    layer: TransactionLayer,
    ids: IdGenerator,
    /// Wall clock at `anchor.0`, for EDR timestamps (the engine never reads the clock).
    anchor: (Instant, SystemTime),
    next_key: CallKey,
    /// Boxed: a call is large, and the table keeps spare slots.
    calls: HashMap<CallKey, Box<Call>>,
    /// (Call-ID, From tag) -> call.
    by_dialog: HashMap<(String, String), CallKey>,
    /// The caller's INVITE server transaction -> call (CANCEL, Timer H, transport errors).
    by_invite: HashMap<TransactionId, CallKey>,
    /// B-leg INVITE client transactions -> call.
    by_b_tx: HashMap<TransactionId, CallKey>,
    /// B-leg Call-IDs (ours) -> call.
    by_b_call_id: HashMap<String, CallKey>,
    /// In-dialog requests relayed between the legs, by the outgoing client transaction.
    relays: HashMap<TransactionId, Relay>,
    /// In-dialog pings (OPTIONS) in flight, by their client transaction.
    pings: HashMap<TransactionId, (CallKey, PingLeg)>,
    timers: BinaryHeap<Reverse<(Instant, CallKey)>>,
    outputs: VecDeque<EngineOutput>,
    stats: EngineStats,
    /// The last [`RECENT_ENDS`] calls that ended, oldest first (management interface).
    recent_ends: VecDeque<EndedCall>,
    /// Calls ended, by end reason and script (metrics).
    ended_by: HashMap<(EndReason, String), u64>,
}

impl<R: ScriptRunner> Engine<R> {
    /// `anchor` ties the injected monotonic time to the wall clock for records.
    pub fn new(
        config: EngineConfig,
        runner: R,
        ids: IdGenerator,
        anchor: (Instant, SystemTime),
    ) -> Engine<R> {
        Engine {
            layer: TransactionLayer::new(config.timers),
            config,
            runner,
            ids,
            anchor,
            next_key: 1,
            calls: HashMap::new(),
            by_dialog: HashMap::new(),
            by_invite: HashMap::new(),
            by_b_tx: HashMap::new(),
            by_b_call_id: HashMap::new(),
            relays: HashMap::new(),
            pings: HashMap::new(),
            timers: BinaryHeap::new(),
            outputs: VecDeque::new(),
            stats: EngineStats::default(),
            recent_ends: VecDeque::new(),
            ended_by: HashMap::new(),
        }
    }

    pub fn runner_mut(&mut self) -> &mut R {
        &mut self.runner
    }

    pub fn runner(&self) -> &R {
        &self.runner
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Replace the configuration (triggers, codes, timers for new transactions keep T1..T4
    /// of the layer). Calls in progress are not disturbed.
    pub fn set_config(&mut self, config: EngineConfig) {
        self.config = config;
    }

    pub fn stats(&self) -> EngineStats {
        self.stats
    }

    /// Calls alive (their A-leg in progress or their script still running).
    pub fn active_calls(&self) -> usize {
        self.calls.len()
    }

    /// Live SIP transactions.
    pub fn active_transactions(&self) -> usize {
        self.layer.len()
    }

    pub fn retransmissions(&self) -> u64 {
        self.layer.retransmissions()
    }

    pub fn poll_output(&mut self) -> Option<EngineOutput> {
        self.outputs.pop_front()
    }

    /// The next instant at which [`Engine::handle_timeout`] has work.
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        while let Some(Reverse((at, key))) = self.timers.peek().copied() {
            match self.calls.get(&key).and_then(|c| c.next_deadline()) {
                Some(d) if d == at => break,
                _ => {
                    self.timers.pop();
                }
            }
        }
        let calls = self.timers.peek().map(|Reverse((at, _))| *at);
        let layer = self.layer.poll_timeout();
        match (calls, layer) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn schedule(&mut self, key: CallKey) {
        if let Some(d) = self.calls.get(&key).and_then(|c| c.next_deadline()) {
            self.timers.push(Reverse((d, key)));
        }
    }

    fn wall(&self, now: Instant) -> SystemTime {
        self.anchor.1 + now.saturating_duration_since(self.anchor.0)
    }

    fn edr(&mut self, instance: &str, event: &'static str, fields: Vec<EdrField>, now: Instant) {
        self.outputs.push_back(EngineOutput::Edr(EdrRecord {
            at: self.wall(now),
            instance: instance.to_string(),
            event,
            fields,
        }));
    }

    /// Move everything the transaction layer produced to our outputs.
    fn flush(&mut self, now: Instant) {
        while let Some(t) = self.layer.poll_transmit() {
            self.outputs.push_back(EngineOutput::Transmit(t));
        }
        while let Some(event) = self.layer.poll_event() {
            match event {
                TransactionEvent::AckTimeout(id) => {
                    // Timer H: the caller never acknowledged our final response. The call is
                    // already over on our side; note it for the operator.
                    if let Some(call) = self.by_invite.get(&id).and_then(|k| self.calls.get(k)) {
                        tracing::info!(call_id = %call.call_id, "no ACK for the final response (Timer H)");
                    }
                }
                TransactionEvent::TransportError(id) if self.by_b_tx.contains_key(&id) => {
                    self.on_b_transaction_failed(id, now);
                }
                TransactionEvent::TransportError(id) if self.pings.contains_key(&id) => {
                    self.on_ping_result(id, None, now);
                }
                TransactionEvent::TransportError(id) => {
                    if let Some(key) = self.by_invite.get(&id).copied() {
                        self.end_call(key, EndReason::TransportFailure, None, now);
                        self.reap(key, now);
                    }
                }
                TransactionEvent::Timeout(id) => {
                    if self.by_b_tx.contains_key(&id) {
                        self.on_b_transaction_failed(id, now);
                    } else if self.pings.contains_key(&id) {
                        // Timer F: no final response to a ping (RFC 3261 §17.1.2.2).
                        self.on_ping_result(id, None, now);
                    } else if self.relays.contains_key(&id) {
                        // The other leg never answered a relayed request: RFC 3261 §8.1.3.1.
                        let timeout = Response::new(408);
                        self.on_relay_response(id, timeout, now);
                    }
                }
                TransactionEvent::Terminated(id) => {
                    self.by_b_tx.remove(&id);
                    self.relays.remove(&id);
                    self.pings.remove(&id);
                }
            }
        }
        // What the events above made us send (e.g. the final response of a script resumed
        // by Timer B) goes out now, not with the next message or timer.
        while let Some(t) = self.layer.poll_transmit() {
            self.outputs.push_back(EngineOutput::Transmit(t));
        }
    }

    /// A parsed message arrived from `peer`.
    pub fn on_message(&mut self, message: Message, peer: Peer, now: Instant) {
        match message {
            Message::Request(request) => match self.layer.on_request(request, peer, now) {
                RequestOutcome::New(id, request) => self.on_new_request(id, request, peer, now),
                RequestOutcome::Ack(ack) => self.on_a_ack(ack, now),
                RequestOutcome::Absorbed => {}
            },
            Message::Response(response) => match self.layer.on_response(response, now) {
                ResponseOutcome::Stray(r) => {
                    if (200..300).contains(&r.status)
                        && r.cseq().is_some_and(|c| c.method == Method::Invite)
                    {
                        self.on_stray_b_2xx(&r);
                    } else {
                        tracing::debug!(
                            status = r.status,
                            call_id = r.call_id().unwrap_or(""),
                            "stray response dropped"
                        );
                    }
                }
                ResponseOutcome::Response(id, r) => {
                    if let Some(key) = self.by_b_tx.get(&id).copied() {
                        self.on_b_response(key, id, r, now);
                    } else if self.relays.contains_key(&id) {
                        self.on_relay_response(id, r, now);
                    } else if self.pings.contains_key(&id) && r.status >= 200 {
                        self.on_ping_result(id, Some(r.status), now);
                    }
                }
                ResponseOutcome::Absorbed => {}
            },
        }
        self.flush(now);
    }

    /// Bytes from `peer` that did not parse. A request we can still answer gets a 400 (505 for
    /// an unsupported SIP version) with the headers recovered; anything else is dropped
    /// (RFC 3261 §8.2, §18.3; a response cannot be answered).
    pub fn on_malformed(&mut self, malformed: Malformed, peer: Peer, now: Instant) {
        self.stats.malformed += 1;
        let Some(recovered) = malformed.recovered else {
            tracing::debug!(%peer, error = %malformed.error, "unparseable message dropped");
            return;
        };
        let needed = [
            HeaderName::Via,
            HeaderName::From,
            HeaderName::To,
            HeaderName::CallId,
            HeaderName::CSeq,
        ];
        if !recovered.is_request
            || recovered.method == Some(Method::Ack)
            || needed.iter().any(|h| recovered.headers.get(h).is_none())
        {
            tracing::debug!(%peer, error = %malformed.error, "malformed message dropped (no reply possible)");
            return;
        }
        let status = match malformed.error.kind {
            ParseErrorKind::BadVersion => 505,
            // RFC 3261 §21.5.14.
            ParseErrorKind::TooLarge => 513,
            _ => 400,
        };
        let mut response = Response::new(status);
        for name in needed {
            for value in recovered.headers.get_all(&name) {
                let mut value = value.to_string();
                // RFC 3261 §8.2.6.2: a final response carries a To tag.
                if name == HeaderName::To && !value.to_ascii_lowercase().contains(";tag=") {
                    value.push_str(";tag=");
                    value.push_str(&self.ids.tag());
                }
                response.headers.push(name.clone(), value);
            }
        }
        // The reason phrase says what was wrong, as RFC 3261 §21.4.1 suggests.
        if status == 400 {
            response.reason = format!(
                "Bad Request ({})",
                sanitize_phrase(&malformed.error.to_string())
            );
        }
        tracing::info!(%peer, error = %malformed.error, status, "malformed request answered");
        self.layer.send_stateless(peer, response.to_bytes());
        self.flush(now);
    }

    fn respond_simple(&mut self, id: TransactionId, request: &Request, status: u16, now: Instant) {
        let to_tag = if request.to_tag().is_none() && status >= 200 {
            Some(self.ids.tag())
        } else {
            None
        };
        let mut response = response_to(request, status, to_tag.as_deref());
        if matches!(status, 405 | 501) || (request.method == Method::Options && status == 200) {
            response.headers.push(HeaderName::Allow, ALLOW);
        }
        if request.method == Method::Options && status == 200 {
            response.headers.push(HeaderName::Accept, "application/sdp");
            response.headers.push(HeaderName::Supported, SUPPORTED);
        }
        self.add_server(&mut response);
        if let Err(e) = self.layer.respond(id, &response, now) {
            tracing::warn!(error = %e, status, "could not send response");
        }
    }

    fn add_server(&self, response: &mut Response) {
        if !self.config.server_header.is_empty() {
            response
                .headers
                .push(HeaderName::Server, self.config.server_header.clone());
        }
    }

    fn find_call(&self, request: &Request) -> Option<CallKey> {
        let call_id = request.call_id()?;
        let from_tag = request.from_tag().unwrap_or_default();
        self.by_dialog
            .get(&(call_id.to_string(), from_tag))
            .copied()
    }

    fn on_new_request(&mut self, id: TransactionId, request: Request, peer: Peer, now: Instant) {
        // Requests inside an answered call's dialogs: B-leg first (our own Call-ID), then the
        // caller's dialog.
        let in_dialog = request.to_tag().is_some()
            && !matches!(request.method, Method::Cancel | Method::Ack | Method::Prack);
        if in_dialog {
            if let Some(key) = request
                .call_id()
                .and_then(|c| self.by_b_call_id.get(c))
                .copied()
            {
                self.on_b_request(key, id, request, now);
                self.flush(now);
                return;
            }
            if let Some(key) = self.find_call(&request) {
                let answered = self
                    .calls
                    .get(&key)
                    .is_some_and(|c| c.a_answered.is_some() && c.end_reason.is_none());
                if answered {
                    self.on_a_in_dialog(key, id, request, now);
                    self.flush(now);
                    return;
                }
            }
        }
        match request.method {
            Method::Invite => self.on_invite(id, request, peer, now),
            Method::Cancel => self.on_cancel(id, request, now),
            Method::Bye => self.on_bye(id, request, now),
            Method::Prack => self.on_prack(id, request, now),
            Method::Options => {
                let unknown_dialog =
                    request.to_tag().is_some() && self.find_call(&request).is_none();
                let status = if unknown_dialog { 481 } else { 200 };
                self.respond_simple(id, &request, status, now);
            }
            Method::Other(_) => self.respond_simple(id, &request, 501, now),
            _ => {
                let in_dialog = request.to_tag().is_some();
                let status = if in_dialog && self.find_call(&request).is_none() {
                    481
                } else {
                    405
                };
                self.respond_simple(id, &request, status, now);
            }
        }
    }

    fn on_invite(&mut self, id: TransactionId, invite: Request, peer: Peer, now: Instant) {
        if invite.to_tag().is_some() {
            // A re-INVITE for a dialog we do not have (RFC 3261 §12.2.2).
            self.respond_simple(id, &invite, 481, now);
            return;
        }
        if invite.max_forwards() == Some(0) {
            self.respond_simple(id, &invite, 483, now);
            return;
        }
        let unsupported: Vec<String> = invite
            .headers
            .values(&HeaderName::Require)
            .into_iter()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.eq_ignore_ascii_case("100rel") && !t.is_empty())
            .collect();
        if !unsupported.is_empty() {
            // RFC 3261 §8.2.2.3.
            let mut response = response_to(&invite, 420, Some(&self.ids.tag()));
            response
                .headers
                .push(HeaderName::Unsupported, unsupported.join(", "));
            self.add_server(&mut response);
            let _ = self.layer.respond(id, &response, now);
            return;
        }
        let call_id = invite.call_id().unwrap_or_default().to_string();
        let from_tag = invite.from_tag().unwrap_or_default();
        if self
            .by_dialog
            .contains_key(&(call_id.clone(), from_tag.clone()))
        {
            // Same Call-ID and From tag as a call in progress, new branch: a merged request
            // (RFC 3261 §8.2.2.2).
            self.respond_simple(id, &invite, 482, now);
            return;
        }

        let key = self.next_key;
        self.next_key += 1;
        self.stats.calls_started += 1;
        let wall_secs = self
            .wall(now)
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let instance = format!(
            "callctl~{}~{wall_secs}~{:x}.{key:x}",
            self.ids.shard(),
            self.ids.shard()
        );
        let sdp_offer = !invite.body.is_empty()
            && invite
                .content_type()
                .is_some_and(|c| c.to_ascii_lowercase().starts_with("application/sdp"));
        let requires_100rel = invite.headers.has_token(&HeaderName::Require, "100rel");
        let to_tag = self.ids.tag();

        // Automatic 100 Trying before any script runs (platform-notes §2.0).
        let mut trying = response_to(&invite, 100, None);
        self.add_server(&mut trying);
        let _ = self.layer.respond(id, &trying, now);

        // The user part, for sip:, sips: and tel: alike.
        let called_raw = invite.uri.user.clone().unwrap_or_default();
        let called = normalise_digits(&called_raw);
        let (calling_raw, is_restricted) = calling_party(&invite);
        let calling = normalise_digits(&calling_raw);
        let from = invite.from();
        let to = invite.to();
        let trigger = self.config.triggers.select(&called).cloned();
        let script_key = trigger
            .as_ref()
            .map(|t| t.script_key.clone())
            .unwrap_or_default();

        let call = Call {
            instance: instance.clone(),
            call_id: call_id.clone(),
            from_tag: from_tag.clone(),
            invite_tx: id,
            transport: peer.transport,
            to_tag,
            started: now,
            script_key: script_key.clone(),
            final_code: None,
            abandoned: false,
            requires_100rel,
            sdp_offer,
            next_rseq: 1,
            reliable: None,
            script: ScriptState::Done,
            logic_deadline: None,
            post_call_deadline: None,
            end_reason: None,
            peer,
            a_calling: calling.clone(),
            a_restricted: is_restricted,
            last_provisional: None,
            control_lost: false,
            b_legs: Vec::new(),
            attempt: None,
            a_answered: None,
            answered_at: None,
            lifetime: None,
            ping: None,
            called: called.clone(),
            trigger_prefix: trigger
                .as_ref()
                .map(|t| t.prefix.clone())
                .unwrap_or_default(),
            invite,
        };
        self.calls.insert(key, Box::new(call));
        self.by_dialog.insert((call_id.clone(), from_tag), key);
        self.by_invite.insert(id, key);
        self.edr(
            &instance,
            "IN-INVITE-ALEG",
            vec![
                ("CALL_ID", call_id.clone()),
                ("SOURCE", peer.to_string()),
                ("RURI", self.calls[&key].invite.uri.to_string()),
                ("CALLED", called.clone()),
                ("CALLING", calling.clone()),
                ("SCRIPT", script_key.clone()),
            ],
            now,
        );
        self.edr_response(key, 100, now);
        let Some(trigger) = trigger else {
            tracing::info!(%call_id, called = %called, "no trigger matches the called number");
            let code = self.config.no_trigger_code;
            self.send_final(key, code, Vec::new(), now);
            self.end_call(key, EndReason::NoTrigger, Some(code), now);
            self.reap(key, now);
            self.flush(now);
            return;
        };
        tracing::debug!(%call_id, called = %called, script = %trigger.script_key, "call starts");

        let call = &self.calls[&key];
        let context = CallContext {
            call_id: call_id.clone(),
            request_uri: call.invite.uri.to_string(),
            from_uri: from.as_ref().map(|f| f.uri.to_string()).unwrap_or_default(),
            from_display: from.and_then(|f| f.display),
            to_uri: to.map(|t| t.uri.to_string()).unwrap_or_default(),
            called_party: called_raw,
            normalised_called_party: called,
            calling_party: calling_raw,
            normalised_calling_party: calling,
            is_calling_restricted: is_restricted,
            headers: call
                .invite
                .headers
                .iter()
                .map(|h| (h.name.as_str().to_string(), h.value.clone()))
                .collect(),
            sdp_offer_present: sdp_offer,
            require_100rel: requires_100rel,
            script_key: trigger.script_key.clone(),
            trigger_prefix: trigger.prefix.clone(),
            source: peer.to_string(),
            flags: call.flags(),
        };
        if let Some(call) = self.calls.get_mut(&key) {
            call.script = ScriptState::Waiting { until: None };
            call.logic_deadline = Some(now + self.config.service_logic);
        }
        let step = self.runner.start(key, &trigger.script_key, &context);
        self.drive(key, step, now);
        self.schedule(key);
        self.flush(now);
    }

    fn edr_response(&mut self, key: CallKey, status: u16, now: Instant) {
        if let Some(call) = self.calls.get(&key) {
            let instance = call.instance.clone();
            let call_id = call.call_id.clone();
            self.edr(
                &instance,
                "OUT-RESPONSE-ALEG",
                vec![("CALL_ID", call_id), ("CODE", status.to_string())],
                now,
            );
        }
    }

    /// Send a provisional response on the caller's INVITE: reliably (RFC 3262) when the caller
    /// requires 100rel. `body` is (content type, bytes), e.g. early-media SDP from a B-leg.
    fn send_provisional(
        &mut self,
        key: CallKey,
        code: u16,
        extra: Vec<(String, String)>,
        body: Option<(String, Vec<u8>)>,
        now: Instant,
    ) {
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        if call.final_code.is_some() {
            return;
        }
        let reliable = call.requires_100rel;
        if reliable && call.reliable.is_some() {
            // RFC 3262 §3: no second reliable provisional before the first is acknowledged.
            return;
        }
        let mut response = self.call_response(call, code);
        for (name, value) in extra {
            response.headers.push(HeaderName::parse(&name), value);
        }
        if let Some((content_type, bytes)) = body {
            response.headers.push(HeaderName::ContentType, content_type);
            response.body = bytes;
        }
        let tx = call.invite_tx;
        let call_id = call.call_id.clone();
        let t1 = self.config.timers.t1;
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        if reliable {
            // RFC 3262 §3: the peer demands reliability; retransmit until PRACK.
            let rseq = call.next_rseq;
            call.next_rseq += 1;
            response.headers.push(HeaderName::Require, "100rel");
            response.headers.push(HeaderName::RSeq, rseq.to_string());
            call.reliable = Some(Box::new(ReliableProvisional {
                response: response.clone(),
                rseq,
                next: now + t1,
                interval: t1,
                give_up: now + t1 * 64,
            }));
        }
        call.last_provisional = Some(code);
        if let Err(e) = self.layer.respond(tx, &response, now) {
            tracing::warn!(%call_id, error = %e, "provisional response not sent");
        }
        self.edr_response(key, code, now);
        self.schedule(key);
    }

    /// Build a response on the call's INVITE with our To tag, Contact where a dialog could be
    /// established (RFC 3261 §12.1.1) and the Server header.
    fn call_response(&self, call: &Call, status: u16) -> Response {
        let mut response = response_to(&call.invite, status, Some(&call.to_tag));
        if (101..300).contains(&status) {
            let contact = match call.transport {
                Transport::Udp => format!("<sip:{}>", self.config.contact_udp),
                Transport::Tcp => format!("<sip:{};transport=tcp>", self.config.contact_tcp),
            };
            response.headers.push(HeaderName::Contact, contact);
        }
        self.add_server(&mut response);
        response
    }

    /// Send a final response on the A-leg INVITE with extra headers.
    fn send_final(
        &mut self,
        key: CallKey,
        status: u16,
        extra: Vec<(String, String)>,
        now: Instant,
    ) {
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        let mut response = self.call_response(call, status);
        for (name, value) in extra {
            response.headers.push(HeaderName::parse(&name), value);
        }
        let tx = call.invite_tx;
        if let Err(e) = self.layer.respond(tx, &response, now) {
            tracing::warn!(call_id = %call.call_id, error = %e, status, "final response not sent");
        }
        if let Some(call) = self.calls.get_mut(&key) {
            call.final_code = Some(status);
            call.logic_deadline = None;
            call.reliable = None;
        }
        self.edr_response(key, status, now);
    }

    /// Record the end of the A-leg (exactly once).
    fn end_call(&mut self, key: CallKey, reason: EndReason, code: Option<u16>, now: Instant) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        if call.end_reason.is_some() {
            return;
        }
        call.end_reason = Some(reason);
        call.logic_deadline = None;
        call.post_call_deadline = Some(now + self.config.post_call_script);
        let instance = call.instance.clone();
        let duration = now.saturating_duration_since(call.started).as_millis();
        let mut fields = vec![
            ("CALL_ID", call.call_id.clone()),
            ("END_REASON", reason.as_str().to_string()),
        ];
        if let Some(code) = code.or(call.final_code) {
            fields.push(("CODE", code.to_string()));
        }
        fields.push(("DURATION_MS", duration.to_string()));
        self.stats.calls_ended += 1;
        let ended = EndedCall {
            id: registry::dialog_id(self.ids.shard(), key),
            call_id: call.call_id.clone(),
            end_reason: reason,
            code: code.or(call.final_code),
            duration: now.saturating_duration_since(call.started),
            script: call.script_key.clone(),
            ended_at: self.anchor.1 + now.saturating_duration_since(self.anchor.0),
        };
        *self
            .ended_by
            .entry((reason, ended.script.clone()))
            .or_insert(0) += 1;
        if self.recent_ends.len() >= RECENT_ENDS {
            self.recent_ends.pop_front();
        }
        self.recent_ends.push_back(ended);
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        tracing::info!(call_id = %call.call_id, end_reason = reason.as_str(), "call ended");
        self.edr(&instance, "TEARDOWN", fields, now);
        self.end_pending_relays(key, now);
        // The service-logic deadline is gone: a script still waiting (after CANCEL, say) keeps
        // its own timer, which may be later than the entry the timer heap holds.
        self.schedule(key);
    }

    /// In-dialog requests still relayed between the legs of an ended call: the sender gets
    /// 487 (RFC 3261 §15.1.2), else its server transaction would wait for good, and a relayed
    /// re-INVITE is cancelled on the other leg (§9.1), else a leg that answered it only with
    /// a provisional would keep its transaction for good.
    fn end_pending_relays(&mut self, key: CallKey, now: Instant) {
        let pending: Vec<TransactionId> = self
            .relays
            .iter()
            .filter(|(_, r)| r.key == key)
            .map(|(tx, _)| *tx)
            .collect();
        for tx in pending {
            if let Some(relay) = self.relays.remove(&tx) {
                let mut response = response_to(&relay.request, 487, None);
                self.add_server(&mut response);
                let _ = self.layer.respond(relay.server_tx, &response, now);
                if relay.request.method == Method::Invite {
                    // Not cancellable (no provisional yet, or already final): Timer B or
                    // the final response ends it.
                    let _ = self.layer.cancel(tx, now);
                }
            }
        }
    }

    /// Forget a call once it has ended and its script is done.
    fn reap(&mut self, key: CallKey, now: Instant) {
        // A B-leg still waiting for its INVITE's final response keeps the call alive, so the
        // answer (or a late 2xx to acknowledge and hang up) finds it.
        let done = self.calls.get(&key).is_some_and(|c| {
            c.end_reason.is_some()
                && matches!(c.script, ScriptState::Done)
                && !c.b_legs.iter().any(|b| b.state == BState::Calling)
        });
        if done {
            if let Some(call) = self.calls.remove(&key) {
                self.by_dialog.remove(&(call.call_id, call.from_tag));
                self.by_invite.remove(&call.invite_tx);
                for b in &call.b_legs {
                    self.by_b_tx.remove(&b.tx);
                    self.by_b_call_id.remove(&b.call_id);
                }
                self.end_pending_relays(key, now);
                self.pings.retain(|_, (k, _)| *k != key);
            }
        }
    }

    fn on_cancel(&mut self, id: TransactionId, cancel: Request, now: Instant) {
        let Some(target) = self.layer.cancel_target(&cancel) else {
            // RFC 3261 §9.2: no matching transaction.
            self.respond_simple(id, &cancel, 481, now);
            return;
        };
        // The 200 to the CANCEL carries the To tag of the INVITE's responses, if any.
        let key = self.by_invite.get(&target).copied();
        let tag = key
            .and_then(|k| self.calls.get(&k))
            .map(|c| c.to_tag.clone());
        let mut ok = response_to(&cancel, 200, tag.as_deref());
        self.add_server(&mut ok);
        let _ = self.layer.respond(id, &ok, now);
        if let Some(key) = key {
            self.abandon(key, now);
        }
        self.flush(now);
    }

    /// The caller gave up before a final response: 487 on the INVITE, and the script loses
    /// control (it keeps running for post-call work).
    fn abandon(&mut self, key: CallKey, now: Instant) {
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        if call.final_code.is_some() {
            return;
        }
        let instance = call.instance.clone();
        let call_id = call.call_id.clone();
        self.send_final(key, 487, Vec::new(), now);
        if let Some(call) = self.calls.get_mut(&key) {
            call.abandoned = true;
        }
        self.edr(&instance, "ABANDON", vec![("CALL_ID", call_id)], now);
        self.end_call(key, EndReason::Abandoned, Some(487), now);
        // A B-leg being set up is cancelled; a script waiting on it resumes without control.
        self.cancel_b_leg(key, CancelCause::Abandoned, now);
        self.finish_attempt_abandoned(key, now);
        self.reap(key, now);
    }

    fn on_bye(&mut self, id: TransactionId, bye: Request, now: Instant) {
        let key = self.find_call(&bye).filter(|k| {
            self.calls
                .get(k)
                .is_some_and(|c| Some(c.to_tag.clone()) == bye.to_tag() && c.end_reason.is_none())
        });
        match key {
            Some(key) => {
                // A BYE on the early dialog (RFC 3261 §15): accept it and end the INVITE.
                self.respond_simple(id, &bye, 200, now);
                self.abandon(key, now);
            }
            None => self.respond_simple(id, &bye, 481, now),
        }
        self.flush(now);
    }

    fn on_prack(&mut self, id: TransactionId, prack: Request, now: Instant) {
        let rack = prack
            .headers
            .get(&HeaderName::RAck)
            .unwrap_or("")
            .to_string();
        let rseq: Option<u32> = rack.split_whitespace().next().and_then(|s| s.parse().ok());
        let key = self.find_call(&prack);
        let matched = key
            .and_then(|k| self.calls.get_mut(&k))
            .filter(|c| Some(c.to_tag.clone()) == prack.to_tag())
            .is_some_and(|c| match (&c.reliable, rseq) {
                (Some(r), Some(n)) if r.rseq == n => {
                    c.reliable = None;
                    true
                }
                _ => false,
            });
        if matched {
            // The retransmission timer is gone; the script's own deadlines remain.
            if let Some(key) = key {
                self.schedule(key);
            }
        }
        // RFC 3262 §3: a PRACK matching no outstanding reliable provisional gets 481.
        self.respond_simple(id, &prack, if matched { 200 } else { 481 }, now);
        self.flush(now);
    }

    /// Run the script until it suspends, finishes or fails.
    fn drive(&mut self, key: CallKey, mut step: Step, now: Instant) {
        loop {
            match step {
                Step::Command(command) => match self.execute(key, command, now) {
                    Some(reply) => {
                        let flags = self.calls.get(&key).map(|c| c.flags()).unwrap_or_default();
                        step = self.runner.resume(key, flags, reply);
                    }
                    None => return,
                },
                Step::Finished => {
                    self.script_finished(key, now);
                    return;
                }
                Step::Failed(failure) => {
                    self.script_failed(key, failure, now);
                    return;
                }
            }
        }
    }

    /// Carry out one command. `None` means the script stays suspended until a timer or the
    /// network answers.
    fn execute(&mut self, key: CallKey, command: Command, now: Instant) -> Option<Reply> {
        let method = command.method();
        let call = self.calls.get(&key)?;
        let flags = call.flags();
        let call_id = call.call_id.clone();
        match command {
            Command::Log {
                level,
                message,
                location,
            } => {
                let at = location.map(|l| l.to_string()).unwrap_or_default();
                match level {
                    LogLevel::Debug => tracing::debug!(%call_id, script = %at, "{message}"),
                    LogLevel::Notice => tracing::info!(%call_id, script = %at, "{message}"),
                    LogLevel::Warning => tracing::warn!(%call_id, script = %at, "{message}"),
                    LogLevel::Error => tracing::error!(%call_id, script = %at, "{message}"),
                }
                if self.config.edr_script_notices && level != LogLevel::Debug {
                    let event = match level {
                        LogLevel::Notice => "NOTICE",
                        LogLevel::Warning => "WARNING",
                        _ => "ERROR",
                    };
                    let instance = call.instance.clone();
                    self.edr(
                        &instance,
                        event,
                        vec![("CALL_ID", call_id), ("TEXT", message)],
                        now,
                    );
                }
                Some(Reply::Value(Value::Nil))
            }
            Command::Termination(t) => self.start_termination(key, t, now),
            Command::Wait { secs } => {
                if !(secs.is_finite() && secs >= 0.0) {
                    return Some(Reply::Error(format!(
                        "wait: seconds must be a number >= 0 (got {secs})"
                    )));
                }
                let until = now + Duration::from_secs_f64(secs.min(1.0e7));
                if let Some(call) = self.calls.get_mut(&key) {
                    call.script = ScriptState::Waiting { until: Some(until) };
                }
                None
            }
            Command::Proceeding {
                code,
                secs,
                extra_headers,
            } => {
                if call.abandoned {
                    return Some(Reply::Value(flags_table(flags)));
                }
                if let Some(done) = call.final_code {
                    if call.abandoned {
                        return Some(Reply::Value(flags_table(flags)));
                    }
                    return Some(Reply::Error(format!(
                        "{method}: a final response ({done}) was already sent"
                    )));
                }
                if !(101..=199).contains(&code) {
                    return Some(Reply::Error(format!(
                        "{method}: code must be 101-199 (got {code})"
                    )));
                }
                if !flags.proceed_ok {
                    return Some(Reply::Error(format!(
                        "{method}: the INVITE requires 100rel but carried no SDP offer, so no provisional response can be sent (check proceed_ok)"
                    )));
                }
                if let Err(e) = validate_extra_headers(&extra_headers) {
                    return Some(Reply::Error(format!("{method}: extra_headers: {e}")));
                }
                self.send_provisional(key, code, extra_headers, None, now);
                let call = self.calls.get_mut(&key)?;
                let wait = secs
                    .map(|s| Duration::from_secs(u64::from(s)))
                    .unwrap_or(self.config.service_logic);
                call.logic_deadline = Some(now + wait);
                let flags = call.flags();
                Some(Reply::Value(flags_table(flags)))
            }
            Command::Decline {
                code,
                reason,
                extra_headers,
            } => {
                if call.abandoned {
                    return Some(Reply::Value(Value::Bool(false)));
                }
                if let Some(done) = call.final_code {
                    return Some(Reply::Error(format!(
                        "{method}: a final response ({done}) was already sent; use hangup"
                    )));
                }
                let code = code.unwrap_or(self.config.default_decline_code);
                if !(300..=699).contains(&code) {
                    return Some(Reply::Error(format!(
                        "{method}: code must be 300-699 (got {code})"
                    )));
                }
                if let Err(e) = validate_extra_headers(&extra_headers) {
                    return Some(Reply::Error(format!("{method}: extra_headers: {e}")));
                }
                let mut extra = Vec::with_capacity(extra_headers.len() + 1);
                let reason_value = reason.as_ref().map(format_reason);
                if let Some(r) = &reason_value {
                    extra.push(("Reason".to_string(), r.clone()));
                }
                extra.extend(extra_headers);
                let instance = call.instance.clone();
                self.send_final(key, code, extra, now);
                let mut fields = vec![("CALL_ID", call_id), ("CODE", code.to_string())];
                if let Some(r) = reason_value {
                    fields.push(("REASON", r));
                }
                self.edr(&instance, "DECLINE", fields, now);
                self.end_call(key, EndReason::ScriptDecline, Some(code), now);
                Some(Reply::Value(Value::Bool(true)))
            }
            Command::Redirect { contact_user } => {
                if call.abandoned {
                    return Some(Reply::Value(Value::Bool(false)));
                }
                if let Some(done) = call.final_code {
                    return Some(Reply::Error(format!(
                        "{method}: a final response ({done}) was already sent; use hangup"
                    )));
                }
                let digits = contact_user.strip_prefix('+').unwrap_or(&contact_user);
                if digits.is_empty()
                    || !digits
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() || b == b'*' || b == b'#')
                {
                    return Some(Reply::Error(format!(
                        "{method}: contact_user must be digits with an optional leading + (got {contact_user:?})"
                    )));
                }
                // '#' is not allowed unescaped in a URI user part (RFC 3261 §25.1).
                let user = contact_user.replace('#', "%23");
                let contact = format!("<sip:{user}@{}>", self.config.public_domain);
                let instance = call.instance.clone();
                self.send_final(key, 302, vec![("Contact".into(), contact.clone())], now);
                self.edr(
                    &instance,
                    "DECLINE",
                    vec![
                        ("CALL_ID", call_id),
                        ("CODE", "302".into()),
                        ("CONTACT", contact),
                    ],
                    now,
                );
                self.end_call(key, EndReason::ScriptRedirect, Some(302), now);
                Some(Reply::Value(Value::Bool(true)))
            }
            Command::Hangup { code, reason } => {
                if let Some(c) = code {
                    if !(300..=699).contains(&c) {
                        return Some(Reply::Error(format!(
                            "{method}: code must be 300-699 (got {c})"
                        )));
                    }
                }
                if call.final_code.is_some() || call.end_reason.is_some() {
                    // Already disconnected: no effect, no warning (seed 000).
                    return Some(Reply::Value(Value::Bool(true)));
                }
                let code = code.unwrap_or(self.config.default_decline_code);
                // Before answer the A-leg gets a final response; a Reason header only when the
                // script gave one (seed 000, "SIP Final Response").
                let extra = reason
                    .as_ref()
                    .map(|r| vec![("Reason".to_string(), format_reason(r))])
                    .unwrap_or_default();
                let instance = call.instance.clone();
                self.send_final(key, code, extra, now);
                self.edr(
                    &instance,
                    "HANGUP",
                    vec![("CALL_ID", call_id), ("CODE", code.to_string())],
                    now,
                );
                self.end_call(key, EndReason::ScriptHangup, Some(code), now);
                Some(Reply::Value(Value::Bool(true)))
            }
        }
    }

    /// The script returned: a call it still controls is hung up with the defaults.
    fn script_finished(&mut self, key: CallKey, now: Instant) {
        self.script_ended(key, now);
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        call.script = ScriptState::Done;
        if call.end_reason.is_none() && call.final_code.is_none() {
            let code = self.config.default_decline_code;
            let instance = call.instance.clone();
            let call_id = call.call_id.clone();
            self.send_final(key, code, Vec::new(), now);
            self.edr(
                &instance,
                "HANGUP",
                vec![
                    ("CALL_ID", call_id),
                    ("CODE", code.to_string()),
                    ("AUTO", "1".into()),
                ],
                now,
            );
            self.end_call(key, EndReason::ScriptHangup, Some(code), now);
        }
        self.reap(key, now);
    }

    /// The script failed: log where, release the call with the configured code.
    fn script_failed(&mut self, key: CallKey, failure: ScriptFailure, now: Instant) {
        self.script_ended(key, now);
        self.stats.script_errors += 1;
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        call.script = ScriptState::Done;
        let instance = call.instance.clone();
        let call_id = call.call_id.clone();
        let script = call.script_key.clone();
        let location = failure
            .location
            .as_ref()
            .map(|l| l.to_string())
            .unwrap_or_else(|| format!("{script}.lua"));
        tracing::error!(%call_id, script = %script, at = %location, kind = failure.kind.as_str(), "{}", failure.message);
        self.edr(
            &instance,
            "SHUTDOWN",
            vec![("CALL_ID", call_id), ("EXCEPTION", format!("{failure}"))],
            now,
        );
        let open = self
            .calls
            .get(&key)
            .is_some_and(|c| c.end_reason.is_none() && c.final_code.is_none());
        if open {
            let code = self.config.script_error_code;
            self.send_final(key, code, Vec::new(), now);
            self.end_call(key, EndReason::ScriptError, Some(code), now);
        }
        self.reap(key, now);
    }

    /// Fire every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.layer.handle_timeout(now);
        while let Some(Reverse((at, key))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            let due = self
                .calls
                .get(&key)
                .and_then(|c| c.next_deadline())
                .is_some_and(|d| d == at);
            if due {
                self.on_call_timer(key, now);
                self.schedule(key);
            }
        }
        self.flush(now);
    }

    fn on_call_timer(&mut self, key: CallKey, now: Instant) {
        self.on_termination_timer(key, now);
        self.on_supervision_timer(key, now);
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        // Reliable provisional retransmission (RFC 3262 §3).
        if let Some(r) = call.reliable.as_mut() {
            if r.give_up <= now {
                // No PRACK within 64*T1: reject the INVITE with a 5xx (RFC 3262 §3).
                call.reliable = None;
                if call.final_code.is_none() && call.end_reason.is_none() {
                    self.script_ended(key, now);
                    self.runner.abort(key);
                    if let Some(c) = self.calls.get_mut(&key) {
                        c.script = ScriptState::Done;
                    }
                    self.send_final(key, 500, Vec::new(), now);
                    self.end_call(key, EndReason::TransportFailure, Some(500), now);
                    self.reap(key, now);
                    return;
                }
            } else if r.next <= now {
                let response = r.response.clone();
                r.interval = (r.interval * 2).min(self.config.timers.t2);
                r.next = now + r.interval;
                let tx = call.invite_tx;
                let _ = self.layer.respond(tx, &response, now);
            }
        }
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        if call.logic_deadline.is_some_and(|d| d <= now) {
            call.logic_deadline = None;
            if call.end_reason.is_none() && call.final_code.is_none() {
                self.stats.service_logic_timeouts += 1;
                let instance = call.instance.clone();
                let call_id = call.call_id.clone();
                let script = call.script_key.clone();
                let waited = now.saturating_duration_since(call.started).as_millis();
                call.script = ScriptState::Done;
                let at = self
                    .runner
                    .location(key)
                    .map(|l| l.to_string())
                    .unwrap_or_else(|| format!("{script}.lua"));
                self.runner.abort(key);
                self.script_ran(key, now);
                tracing::warn!(%call_id, script = %script, at = %at, "service logic timeout: the script did not act in time; call released");
                self.edr(
                    &instance,
                    "SHUTDOWN",
                    vec![
                        ("CALL_ID", call_id),
                        (
                            "EXCEPTION",
                            format!(
                                "Timeout waiting for service logic ({script}, suspended at {at}) after {waited} ms"
                            ),
                        ),
                    ],
                    now,
                );
                let code = self.config.service_logic_timeout_code;
                self.send_final(key, code, Vec::new(), now);
                self.end_call(key, EndReason::ServiceLogicTimeout, Some(code), now);
                self.reap(key, now);
                return;
            }
        }
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        if call.post_call_deadline.is_some_and(|d| d <= now)
            && !matches!(call.script, ScriptState::Done)
        {
            // A script still running long after its call ended (a wait loop, say) would
            // keep the call and its instance for good.
            call.script = ScriptState::Done;
            let instance = call.instance.clone();
            let call_id = call.call_id.clone();
            let script = call.script_key.clone();
            let at = self
                .runner
                .location(key)
                .map(|l| l.to_string())
                .unwrap_or_else(|| format!("{script}.lua"));
            self.runner.abort(key);
            self.script_ran(key, now);
            let limit = self.config.post_call_script.as_secs();
            tracing::warn!(%call_id, script = %script, at = %at, "script stopped: still running {limit} s after its call ended");
            self.edr(
                &instance,
                "SHUTDOWN",
                vec![
                    ("CALL_ID", call_id),
                    (
                        "EXCEPTION",
                        format!(
                            "Script still running {limit} s after the call ended ({script}, suspended at {at}); stopped"
                        ),
                    ),
                ],
                now,
            );
            self.reap(key, now);
            return;
        }
        if let ScriptState::Waiting { until: Some(t) } = call.script {
            if t <= now {
                call.script = ScriptState::Waiting { until: None };
                let flags = call.flags();
                let step = self
                    .runner
                    .resume(key, flags, Reply::Value(Value::Bool(true)));
                self.drive(key, step, now);
                self.reap(key, now);
            }
        }
    }

    /// The transport could not reach `peer` (a refused or timed-out TCP connect): every
    /// transaction sending there fails now instead of waiting for Timer B or F
    /// (RFC 3261 §17.1.4, §18.4). A B-leg INVITE that fails this way ends with `No Route`.
    pub fn on_transport_failure(&mut self, peer: Peer, now: Instant) {
        for id in self.layer.transactions_for(&peer) {
            self.layer.on_transport_error(id, now);
        }
        self.flush(now);
    }

    /// Release every call (graceful shutdown): final `code` to callers still waiting, scripts
    /// dropped.
    pub fn release_all(&mut self, code: u16, now: Instant) {
        let mut keys: Vec<CallKey> = self.calls.keys().copied().collect();
        // In call order, so that the same inputs give the same output (HashMap order does not).
        keys.sort_unstable();
        for key in keys {
            self.script_ended(key, now);
            self.runner.abort(key);
            if let Some(c) = self.calls.get_mut(&key) {
                c.script = ScriptState::Done;
                c.attempt = None;
            }
            let (open, answered) = self
                .calls
                .get(&key)
                .map(|c| {
                    (
                        c.final_code.is_none(),
                        c.a_answered.is_some() && c.end_reason.is_none(),
                    )
                })
                .unwrap_or((false, false));
            if answered {
                self.release_answered(key, EndReason::MiTermination, &[], now);
                continue;
            }
            if open {
                self.send_final(key, code, Vec::new(), now);
            }
            self.cancel_b_leg(key, CancelCause::Released, now);
            self.end_call(key, EndReason::MiTermination, Some(code), now);
            self.reap(key, now);
        }
        self.flush(now);
    }
}

fn flags_table(flags: ControlFlags) -> Value {
    Value::Table(vec![
        ("proceed_ok".into(), Value::Bool(flags.proceed_ok)),
        ("decline_ok".into(), Value::Bool(flags.decline_ok)),
    ])
}

/// The calling number and whether its presentation is restricted: P-Asserted-Identity
/// (RFC 3325) first, else From; `Privacy: id` or an anonymous From restricts it.
fn calling_party(invite: &Request) -> (String, bool) {
    let pai = invite
        .headers
        .get(&HeaderName::PAssertedIdentity)
        .and_then(|v| callctl_sip::message::NameAddr::parse(v.split(',').next().unwrap_or(v)).ok());
    let from = invite.from();
    let user = pai
        .as_ref()
        .and_then(|p| p.uri.user.clone())
        .or_else(|| from.as_ref().and_then(|f| f.uri.user.clone()))
        .unwrap_or_default();
    // RFC 3323 §4.2: priv-values are separated by ';' (`Privacy: header;id`), so `id` may
    // be any of them, not only the first.
    let privacy_id = invite
        .headers
        .values(&HeaderName::Privacy)
        .into_iter()
        .flat_map(|v| v.split(';'))
        .any(|f| f.trim().eq_ignore_ascii_case("id"));
    let anonymous = from.is_some_and(|f| {
        f.uri
            .user
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case("anonymous"))
            || f.uri.host.eq_ignore_ascii_case("anonymous.invalid")
    });
    (user, privacy_id || anonymous)
}

/// A reason phrase must not carry CR/LF (RFC 3261 §25.1).
fn sanitize_phrase(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(100).collect()
}
