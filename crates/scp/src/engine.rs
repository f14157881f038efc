//! The SCP call engine: SCCP user data in, calls and their commands, SCCP messages out.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::Duration;

use callctl_inap::cap::{CapArgument, CapVersion};
use callctl_inap::cs1::{self, Cs1Argument};
use callctl_sccp::{
    Address, Class, Message as SccpMessage, ProtocolClass, Reassembler, ReassemblyConfig, Received,
    ReturnCause, UnitdataRequest,
};
use callctl_tcap::{
    Action, Code, ComponentIndication, DialogueId, DialogueRequest, EndpointConfig, External,
    ExternalEncoding, Indication, Invoke, InvokeProblem, InvokeRequest, Problem, Reject,
    TcapEndpoint, Termination as TcEnd, UserAbortReason, UserAbortRequest,
};

use crate::call::{
    AttemptEvent, AttemptOutcome, CallId, CallState, Command, CommandError, EndReason, Event,
    Termination,
};
use crate::config::{ReturnedAc, ScpConfig, Variant};
use crate::idp::InitialDp;
use crate::numbers::denormalise;
use crate::ops;
use callctl_inap::numbers::{Cause, ParameterCodec, RedirectingNumber, RedirectionInformation};

/// One SCCP message from the network: the MTP routing label of the M3UA DATA that carried
/// it, and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    /// Originating point code.
    pub opc: u32,
    /// Destination point code.
    pub dpc: u32,
    /// Signalling link selection.
    pub sls: u8,
    /// The SCCP message.
    pub data: &'a [u8],
}

/// One SCCP message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Destination point code: the OPC of the message being answered.
    pub dpc: u32,
    /// Signalling link selection: the SLS the dialogue arrived on, so its messages stay in
    /// order.
    pub sls: u8,
    /// The SCCP message.
    pub data: Vec<u8>,
}

/// An output of the engine, in the order produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Send this SCCP message (as M3UA DATA, SI 3).
    Transmit(Transmit),
    /// Tell the service.
    Event(Event),
}

/// Counters, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Calls started (InitialDP accepted).
    pub calls_started: u64,
    /// Calls ended, whatever the reason.
    pub calls_ended: u64,
    /// Calls released by the service-logic guard timer.
    pub service_logic_timeouts: u64,
    /// Dialogues refused: unknown application context or no SSP model.
    pub dialogues_refused: u64,
    /// Dialogues whose first component was not a readable InitialDP.
    pub bad_initial_dp: u64,
    /// SCCP messages that could not be decoded.
    pub sccp_errors: u64,
    /// Messages for a subsystem we do not serve.
    pub unequipped_ssn: u64,
    /// UDTS/XUDTS sent back.
    pub sccp_returned: u64,
    /// Components rejected by us (unknown or SSP-illegal operations, mistyped arguments, and
    /// the TCAP component sublayer's own rejects of malformed components).
    pub rejects_sent: u64,
    /// TCAP P-Aborts sent (malformed or unknown transactions, resource limits).
    pub p_aborts_sent: u64,
    /// Operations from the SSP the call did not wait for, ignored.
    pub unexpected_operations: u64,
    /// Calls released because the SSP answered one of our operations with a ReturnError or
    /// a Reject.
    pub operations_refused: u64,
    /// TC-NOTICE: a message of ours came back undelivered.
    pub notices: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Route {
    /// The SSP's address (calling party of what it sent).
    remote: Address,
    /// Our address as the SSP called it.
    local: Address,
    opc: u32,
    sls: u8,
}

#[derive(Debug)]
struct Call {
    dialogue: DialogueId,
    state: CallState,
    model: usize,
    variant: Variant,
    guard: Option<Duration>,
    /// oDisconnect armed: the call stays under control after answer.
    monitored: bool,
    /// ApplyCharging sent: charging reports are awaited.
    charged: bool,
    /// CallInformationRequest sent: a report is awaited.
    call_information: bool,
    /// Grants sent.
    grants: u32,
    /// When the next ActivityTest goes out (answered monitored calls).
    activity: Option<Duration>,
}

/// All SCP calls of one signalling association (sans-IO).
///
/// Driving contract: feed every SCCP message with [`ScpEngine::receive`], service commands
/// with [`ScpEngine::command`], and call [`ScpEngine::poll`] at
/// [`ScpEngine::next_deadline`]; after each, drain [`ScpEngine::poll_output`]. Time is a
/// `Duration` since any epoch that never goes backwards.
#[derive(Debug)]
pub struct ScpEngine {
    config: ScpConfig,
    tcap: TcapEndpoint<Route>,
    reassembler: Reassembler,
    calls: HashMap<CallId, Call>,
    guards: BTreeSet<(Duration, CallId)>,
    /// ActivityTests due: (when, call).
    activity: BTreeSet<(Duration, CallId)>,
    out: VecDeque<Output>,
    stats: Stats,
    next_reference: u32,
}

impl ScpEngine {
    /// An engine with no calls.
    pub fn new(config: ScpConfig) -> ScpEngine {
        let tcap = TcapEndpoint::new(EndpointConfig {
            max_dialogues: config.max_dialogues,
            ..EndpointConfig::default()
        });
        ScpEngine {
            config,
            tcap,
            reassembler: Reassembler::new(ReassemblyConfig::default()),
            calls: HashMap::new(),
            guards: BTreeSet::new(),
            activity: BTreeSet::new(),
            out: VecDeque::new(),
            stats: Stats::default(),
            next_reference: 1,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ScpConfig {
        &self.config
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Live calls.
    pub fn call_count(&self) -> usize {
        self.calls.len()
    }

    /// Live TCAP dialogues (calls, and dialogues being refused or ended).
    pub fn dialogue_count(&self) -> usize {
        self.tcap.dialogue_count()
    }

    /// A call's state, `None` once it has ended.
    pub fn state(&self, call: CallId) -> Option<CallState> {
        self.calls.get(&call).map(|c| c.state)
    }

    /// The next output.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// When [`ScpEngine::poll`] must be called next.
    pub fn next_deadline(&self) -> Option<Duration> {
        [
            self.tcap.next_deadline(),
            self.reassembler.next_deadline(),
            self.guards.first().map(|(d, _)| *d),
            self.activity.first().map(|(d, _)| *d),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Runs the timers due at `now`: invoke timers, SCCP reassembly, service-logic guards.
    pub fn poll(&mut self, now: Duration) {
        self.tcap.poll(now);
        self.drain_tcap(now);
        for failure in self.reassembler.expire(now) {
            if let Some(answer) = failure.answer {
                self.return_message(None, &answer);
            }
        }
        while let Some(&(due, call)) = self.activity.first() {
            if due > now {
                break;
            }
            self.activity.remove(&(due, call));
            let interval = self.config.activity_test_interval;
            let Some(c) = self.calls.get_mut(&call) else {
                continue;
            };
            c.activity = None;
            if c.state != CallState::Answered {
                continue;
            }
            let next = now.saturating_add(interval);
            c.activity = Some(next);
            self.activity.insert((next, call));
            let variant = c.variant;
            let _ = self.continue_with(now, call, vec![ops::activity_test(variant)]);
        }
        while let Some(&(deadline, call)) = self.guards.first() {
            if deadline > now {
                break;
            }
            self.guards.remove(&(deadline, call));
            let cause = self.config.default_release_cause;
            if let Some(c) = self.calls.get_mut(&call) {
                c.guard = None;
                let cause = self.config.models[c.model].translate_cause(cause);
                let reason = if c.state == CallState::Answered {
                    EndReason::MaxDuration { cause }
                } else {
                    self.stats.service_logic_timeouts += 1;
                    EndReason::ServiceLogicTimeout { cause }
                };
                if self.release(now, call, cause).is_err() {
                    self.abort(now, call, None);
                }
                self.finish(call, reason);
            }
        }
        self.drain_tcap(now);
    }

    /// Takes one SCCP message.
    pub fn receive(&mut self, now: Duration, incoming: Incoming<'_>) {
        let message = match SccpMessage::decode(incoming.data) {
            Ok(m) => m,
            Err(e) => {
                self.stats.sccp_errors += 1;
                if let Some(answer) = e.answer() {
                    self.return_message(Some(&incoming), &answer);
                }
                return;
            }
        };
        if matches!(message, SccpMessage::Udt(_) | SccpMessage::Xudt(_)) {
            let served = message
                .called()
                .ssn
                .is_some_and(|ssn| self.config.ssns.contains(&ssn));
            if !served {
                self.stats.unequipped_ssn += 1;
                if let Some(answer) = message.returned(ReturnCause::UnequippedUser) {
                    self.return_message(Some(&incoming), &answer);
                }
                return;
            }
        }
        match self.reassembler.receive(now, message) {
            Received::Unitdata(u) => {
                let route = Route {
                    remote: u.calling,
                    local: u.called,
                    opc: incoming.opc,
                    sls: incoming.sls,
                };
                self.tcap.receive(now, route, &u.data);
            }
            Received::Notice(n) => self.tcap.returned(&n.data, n.return_cause.code()),
            Received::Failed(f) => {
                if let Some(answer) = f.answer {
                    self.return_message(Some(&incoming), &answer);
                }
            }
            Received::Pending | Received::Duplicate => {}
        }
        self.drain_tcap(now);
    }

    /// Carries out a service command.
    pub fn command(
        &mut self,
        now: Duration,
        call: CallId,
        command: Command,
    ) -> Result<(), CommandError> {
        let c = self.calls.get(&call).ok_or(CommandError::UnknownCall)?;
        if !command.allowed_in(c.state) {
            return Err(CommandError::NotAllowed {
                command: command.name(),
                state: c.state,
            });
        }
        let model = &self.config.models[c.model];
        let variant = c.variant;
        let reason = match command {
            Command::ReleaseCall { cause } => {
                let cause =
                    model.translate_cause(cause.unwrap_or(self.config.default_release_cause));
                self.release(now, call, cause)?;
                Some(EndReason::Released { cause })
            }
            Command::TerminationFinal(t) => {
                let invokes = self.termination_invokes(variant, &t)?;
                self.end_with(now, call, invokes)?;
                Some(EndReason::Terminated)
            }
            Command::TerminationAttempt {
                termination,
                no_answer_secs,
            } => {
                self.route_armed(now, call, variant, &termination, no_answer_secs, None)?;
                None
            }
            Command::TerminationMonitored {
                termination,
                no_answer_secs,
                grant_secs,
                call_information,
            } => {
                let monitoring = Monitored {
                    grant_secs,
                    call_information,
                };
                self.route_armed(
                    now,
                    call,
                    variant,
                    &termination,
                    no_answer_secs,
                    Some(monitoring),
                )?;
                if let Some(c) = self.calls.get_mut(&call) {
                    c.monitored = true;
                    c.charged = grant_secs.is_some();
                    c.grants = u32::from(grant_secs.is_some());
                    c.call_information = call_information;
                }
                None
            }
            Command::ApplyCharging { grant_secs } => {
                if !self.calls.get(&call).is_some_and(|c| c.charged) {
                    return Err(CommandError::NotAllowed {
                        command: "charge_extend",
                        state: CallState::Answered,
                    });
                }
                check_grant(grant_secs)?;
                self.continue_with(now, call, vec![ops::apply_charging(variant, grant_secs)])?;
                if let Some(c) = self.calls.get_mut(&call) {
                    c.grants += 1;
                }
                None
            }
            Command::Abort { text } => {
                self.abort(now, call, text);
                Some(EndReason::Aborted)
            }
        };
        if let Some(reason) = reason {
            self.finish(call, reason);
        }
        self.drain_tcap(now);
        Ok(())
    }

    /// Arms the attempt EDPs (and, for a monitored call, disconnect on both legs, charging and
    /// call information), routes the call in a TC-CONTINUE and waits in `Monitoring`.
    fn route_armed(
        &mut self,
        now: Duration,
        call: CallId,
        variant: Variant,
        termination: &Termination,
        no_answer_secs: Option<u16>,
        monitored: Option<Monitored>,
    ) -> Result<(), CommandError> {
        let secs = no_answer_secs.unwrap_or(self.config.default_no_answer_secs);
        if secs > MAX_APPLICATION_TIMER {
            return Err(CommandError::Invalid {
                field: "no_answer_timeout",
                reason: format!("{secs} s is above {MAX_APPLICATION_TIMER} s"),
            });
        }
        let mut invokes = vec![ops::request_report_attempt(
            variant,
            secs,
            monitored.is_some(),
        )];
        if let Some(m) = monitored {
            if let Some(grant) = m.grant_secs {
                check_grant(grant)?;
                invokes.push(ops::apply_charging(variant, grant));
            }
            if m.call_information {
                invokes.push(ops::call_information_request(variant));
            }
        }
        invokes.extend(self.termination_invokes(variant, termination)?);
        self.continue_with(now, call, invokes)?;
        let guard = now
            .saturating_add(Duration::from_secs(u64::from(secs)))
            .saturating_add(self.config.service_logic);
        self.set_state(call, CallState::Monitoring, guard);
        Ok(())
    }

    /// FurnishChargingInformation (when asked) and the Connect or Continue of a
    /// termination; numbers are checked before anything is queued.
    fn termination_invokes(
        &self,
        variant: Variant,
        t: &Termination,
    ) -> Result<Vec<InvokeRequest>, CommandError> {
        let mut invokes = Vec::new();
        if let Some(fci) = &t.fci {
            invokes.push(ops::furnish_charging_information(variant, fci));
        }
        match &t.address_digits {
            Some(digits) => {
                let rules = &self.config.numbers;
                let (d, noa) = denormalise(&rules.denormalise_called, rules.default_noa, digits);
                let dest = ops::called_number(&d, noa).map_err(|e| invalid("address_digits", e))?;
                let party = |rules: &[crate::config::DenormRule],
                             digits: &Option<String>,
                             field: &'static str|
                 -> Result<Option<RedirectingNumber>, CommandError> {
                    digits
                        .as_deref()
                        .map(|o| {
                            let (d, noa) = denormalise(rules, self.config.numbers.default_noa, o);
                            ops::original_called(&d, noa).map_err(|e| invalid(field, e))
                        })
                        .transpose()
                };
                let redirection = t
                    .redirection
                    .map(|r| {
                        let info = RedirectionInformation {
                            indicator: r.indicator,
                            original_reason: r.original_reason,
                            counter: r.counter,
                            reason: r.reason,
                            national_use: false,
                        };
                        info.validate().map(|_| info)
                    })
                    .transpose()
                    .map_err(|e| invalid("redirection", e))?;
                let parties = ops::ConnectParties {
                    original_called: party(
                        &rules.denormalise_called,
                        &t.orig_called_digits,
                        "orig_called_digits",
                    )?,
                    redirecting: party(
                        &rules.denormalise_calling,
                        &t.redirecting_digits,
                        "redirecting_digits",
                    )?,
                    redirection,
                };
                invokes.push(ops::connect(variant, &dest, &parties));
            }
            None => invokes.push(ops::continue_(variant)),
        }
        Ok(invokes)
    }

    fn set_state(&mut self, call: CallId, state: CallState, guard: Duration) {
        if let Some(c) = self.calls.get_mut(&call) {
            if let Some(old) = c.guard.take() {
                self.guards.remove(&(old, call));
            }
            c.state = state;
            c.guard = Some(guard);
            self.guards.insert((guard, call));
        }
    }

    /// Queues `invokes` and sends them in a TC-CONTINUE.
    fn continue_with(
        &mut self,
        now: Duration,
        call: CallId,
        invokes: Vec<InvokeRequest>,
    ) -> Result<(), CommandError> {
        self.send_invokes(now, call, invokes, false)
    }

    /// Queues `invokes` and sends them in a basic TC-END (`end`) or a TC-CONTINUE.
    fn send_invokes(
        &mut self,
        now: Duration,
        call: CallId,
        invokes: Vec<InvokeRequest>,
        end: bool,
    ) -> Result<(), CommandError> {
        let dialogue = self.dialogue(call)?;
        let request = self.answer_request(call);
        for invoke in invokes {
            self.tcap
                .invoke(dialogue, invoke)
                .map_err(|e| invalid("dialogue", e))?;
        }
        let sent = if end {
            self.tcap.end(now, dialogue, TcEnd::Basic, request)
        } else {
            self.tcap.continue_(now, dialogue, request)
        };
        sent.map_err(|e| invalid("dialogue", e))
    }

    /// An EventReportBCSM for a call: moves an attempt or a monitored call on; anything
    /// else is counted.
    fn report(&mut self, now: Duration, dialogue: DialogueId, report: Report, ended: bool) {
        let call = dialogue.as_u32();
        let Some((state, monitored)) = self.calls.get(&call).map(|c| (c.state, c.monitored)) else {
            return;
        };
        // A disconnect of an answered monitored call: the SSP holds the other party.
        if report.event_type == ODISCONNECT && state == CallState::Answered {
            self.out.push_back(Output::Event(Event::Disconnect {
                call,
                leg: report.leg.unwrap_or(0),
                cause: report.cause,
            }));
            if !ended {
                let guard = now.saturating_add(self.config.service_logic);
                self.set_state(call, CallState::AwaitingInstruction, guard);
                self.stop_activity_tests(call);
            }
            return;
        }
        let event = AttemptEvent::from_event_type(report.event_type);
        let (CallState::Monitoring, Some(event)) = (state, event) else {
            self.stats.unexpected_operations += 1;
            return;
        };
        self.out.push_back(Output::Event(Event::AttemptResult {
            call,
            outcome: AttemptOutcome {
                event,
                cause: report.cause,
            },
        }));
        if event.interrupts() {
            if !ended {
                let guard = now.saturating_add(self.config.service_logic);
                self.set_state(call, CallState::AwaitingInstruction, guard);
            }
            return;
        }
        if event == AttemptEvent::Answer && monitored && !ended {
            // The disconnect EDPs keep the call under control: supervise it.
            let guard = now.saturating_add(self.config.max_monitored_call);
            self.set_state(call, CallState::Answered, guard);
            let next = now.saturating_add(self.config.activity_test_interval);
            if let Some(c) = self.calls.get_mut(&call) {
                c.activity = Some(next);
                self.activity.insert((next, call));
            }
            return;
        }
        // Answer or abandon: nothing further is armed, so the relationship is over. CAP SSPs
        // end the dialogue themselves; when one does not, we close it with an empty TC-END.
        if !ended {
            let _ = self
                .tcap
                .end(now, dialogue, TcEnd::Basic, DialogueRequest::default());
        }
        let reason = if event == AttemptEvent::Answer {
            EndReason::Answered
        } else {
            EndReason::Abandoned
        };
        self.finish(call, reason);
    }

    fn stop_activity_tests(&mut self, call: CallId) {
        if let Some(c) = self.calls.get_mut(&call) {
            if let Some(at) = c.activity.take() {
                self.activity.remove(&(at, call));
            }
        }
    }

    /// An ApplyChargingReport: passed on for a charged call, counted otherwise.
    fn charging_report(
        &mut self,
        dialogue: DialogueId,
        used_tenths: Option<u32>,
        call_active: bool,
    ) {
        let call = dialogue.as_u32();
        match self.calls.get(&call) {
            Some(c) if c.charged => {
                let grants = c.grants;
                self.out.push_back(Output::Event(Event::ChargingReport {
                    call,
                    used_tenths,
                    call_active,
                    grants,
                }));
            }
            _ => self.stats.unexpected_operations += 1,
        }
    }

    /// Releases every call with the default cause (shutdown).
    pub fn release_all(&mut self, now: Duration) {
        let calls: Vec<CallId> = self.calls.keys().copied().collect();
        for call in calls {
            let _ = self.command(now, call, Command::ReleaseCall { cause: None });
        }
    }

    // ------------------------------------------------------------------ internals

    fn dialogue(&self, call: CallId) -> Result<DialogueId, CommandError> {
        self.calls
            .get(&call)
            .map(|c| c.dialogue)
            .ok_or(CommandError::UnknownCall)
    }

    fn answer_request(&self, call: CallId) -> DialogueRequest {
        let model = self.calls.get(&call).map(|c| &self.config.models[c.model]);
        DialogueRequest {
            application_context: match model.map(|m| &m.returned_ac) {
                Some(ReturnedAc::Fixed(oid)) => Some(oid.clone()),
                _ => None,
            },
            user_information: Vec::new(),
        }
    }

    fn release(&mut self, now: Duration, call: CallId, cause: u8) -> Result<(), CommandError> {
        let variant = self
            .calls
            .get(&call)
            .ok_or(CommandError::UnknownCall)?
            .variant;
        let invoke = ops::release_call(variant, cause).map_err(|e| invalid("cause", e))?;
        self.end_with(now, call, vec![invoke])
    }

    /// Queues `invokes` and sends them in a basic TC-END.
    fn end_with(
        &mut self,
        now: Duration,
        call: CallId,
        invokes: Vec<InvokeRequest>,
    ) -> Result<(), CommandError> {
        self.send_invokes(now, call, invokes, true)
    }

    fn abort(&mut self, now: Duration, call: CallId, text: Option<String>) {
        let user_information = text
            .map(|t| External {
                direct_reference: None,
                indirect_reference: None,
                encoding: ExternalEncoding::OctetAligned(t.into_bytes()),
            })
            .into_iter()
            .collect();
        if let Ok(dialogue) = self.dialogue(call) {
            let _ = self.tcap.user_abort(
                now,
                dialogue,
                UserAbortRequest {
                    reason: UserAbortReason::UserSpecific,
                    user_information,
                },
            );
        }
    }

    fn finish(&mut self, call: CallId, reason: EndReason) {
        if let Some(c) = self.calls.remove(&call) {
            if let Some(deadline) = c.guard {
                self.guards.remove(&(deadline, call));
            }
            if let Some(at) = c.activity {
                self.activity.remove(&(at, call));
            }
            self.stats.calls_ended += 1;
            self.out
                .push_back(Output::Event(Event::Ended { call, reason }));
        }
    }

    fn drain_tcap(&mut self, now: Duration) {
        while let Some(action) = self.tcap.poll_action() {
            match action {
                Action::Send(t) => {
                    if matches!(
                        t.message,
                        callctl_tcap::Message::Abort {
                            reason: Some(callctl_tcap::AbortReason::Provider(_)),
                            ..
                        }
                    ) {
                        self.stats.p_aborts_sent += 1;
                    }
                    self.transmit(&t.to, t.bytes)
                }
                Action::Indication(i) => self.indication(now, i),
            }
        }
    }

    fn next_reference(&mut self) -> u32 {
        let r = self.next_reference;
        self.next_reference = (self.next_reference % 0x00ff_ffff) + 1;
        r
    }

    fn transmit(&mut self, route: &Route, data: Vec<u8>) {
        let mut request = UnitdataRequest::new(route.remote.clone(), route.local.clone(), data);
        request.protocol_class = ProtocolClass::new(Class::Class1, false);
        let reference = self.next_reference();
        let Ok(messages) = request.messages(reference) else {
            self.stats.sccp_errors += 1;
            return;
        };
        for m in messages {
            let mut bytes = Vec::new();
            if m.encode(&mut bytes).is_ok() {
                self.out.push_back(Output::Transmit(Transmit {
                    dpc: route.opc,
                    sls: route.sls,
                    data: bytes,
                }));
            } else {
                self.stats.sccp_errors += 1;
            }
        }
    }

    /// Sends a UDTS/XUDTS (or other SCCP answer) back to where `incoming` came from.
    fn return_message(&mut self, incoming: Option<&Incoming<'_>>, answer: &SccpMessage) {
        let mut bytes = Vec::new();
        if answer.encode(&mut bytes).is_err() {
            return;
        }
        self.stats.sccp_returned += 1;
        let (dpc, sls) = incoming.map_or((0, 0), |i| (i.opc, i.sls));
        self.out.push_back(Output::Transmit(Transmit {
            dpc,
            sls,
            data: bytes,
        }));
    }

    fn reject(&mut self, dialogue: DialogueId, invoke: &Invoke, problem: InvokeProblem) {
        self.stats.rejects_sent += 1;
        let _ = self.tcap.user_reject(
            dialogue,
            Reject {
                invoke_id: Some(invoke.invoke_id),
                problem: Problem::Invoke(problem),
            },
        );
    }

    fn indication(&mut self, now: Duration, indication: Indication) {
        match indication {
            Indication::Begin {
                dialogue,
                application_context,
                components,
                ..
            } => self.begin(now, dialogue, application_context, components),
            Indication::Continue {
                dialogue,
                components,
                ..
            } => self.components(now, dialogue, components, false),
            Indication::End {
                dialogue,
                components,
                ..
            } => {
                self.components(now, dialogue, components, true);
                self.finish(dialogue.as_u32(), EndReason::PeerEnded)
            }
            Indication::UserAbort { dialogue, .. } => {
                self.finish(dialogue.as_u32(), EndReason::PeerAborted)
            }
            Indication::ProviderAbort { dialogue, .. } => {
                self.finish(dialogue.as_u32(), EndReason::ProviderAborted)
            }
            Indication::Notice { .. } => self.stats.notices += 1,
            Indication::Cancel {
                dialogue,
                operation: Code::Local(ops::ACTIVITY_TEST),
                ..
            } => {
                // No ActivityTest result in time: the SSP no longer has the dialogue.
                let call = dialogue.as_u32();
                if self.calls.contains_key(&call) {
                    let _ = self.tcap.end(
                        now,
                        dialogue,
                        TcEnd::Prearranged,
                        DialogueRequest::default(),
                    );
                    self.finish(call, EndReason::ActivityTestFailed);
                }
            }
            Indication::Cancel { .. } => {}
            Indication::Unidirectional { .. } => self.stats.unexpected_operations += 1,
        }
    }

    fn components(
        &mut self,
        now: Duration,
        dialogue: DialogueId,
        components: Vec<ComponentIndication>,
        ended: bool,
    ) {
        let Some(variant) = self.calls.get(&dialogue.as_u32()).map(|c| c.variant) else {
            return;
        };
        let mut refused = false;
        for component in components {
            match component {
                ComponentIndication::Error { .. } | ComponentIndication::Reject(_) => {
                    refused = true
                }
                ComponentIndication::Invoke(invoke) => {
                    match self.ssp_invoke(dialogue, variant, &invoke) {
                        Some(FromSsp::Report(report)) => self.report(now, dialogue, report, ended),
                        Some(FromSsp::ChargingReport {
                            used_tenths,
                            call_active,
                        }) => self.charging_report(dialogue, used_tenths, call_active),
                        Some(FromSsp::CallInformation) => {
                            let awaited = self
                                .calls
                                .get(&dialogue.as_u32())
                                .is_some_and(|c| c.call_information);
                            if !awaited {
                                self.stats.unexpected_operations += 1;
                            }
                        }
                        None => {}
                    }
                }
                ComponentIndication::LocalReject { .. } => self.stats.rejects_sent += 1,
                _ => {}
            }
        }
        // The SSP refused one of our operations (ReturnError or Reject): what it does with the
        // call is unknown, so the call is released rather than left to the guard.
        let call = dialogue.as_u32();
        if refused && !ended && self.calls.contains_key(&call) {
            self.stats.operations_refused += 1;
            let cause = self
                .calls
                .get(&call)
                .map_or(self.config.default_release_cause, |c| {
                    self.config.models[c.model].translate_cause(self.config.default_release_cause)
                });
            if self.release(now, call, cause).is_err() {
                self.abort(now, call, None);
            }
            self.finish(call, EndReason::OperationRefused { cause });
        }
    }

    /// An Invoke from the SSP during a call: rejected when the SSP may not send it (or it
    /// does not decode); reports are returned; other operations no state of this engine
    /// waits for are counted.
    fn ssp_invoke(
        &mut self,
        dialogue: DialogueId,
        variant: Variant,
        invoke: &Invoke,
    ) -> Option<FromSsp> {
        let bytes = invoke.parameter.as_ref().map_or(&[][..], |p| p.as_bytes());
        let Code::Local(code) = invoke.opcode else {
            self.reject(dialogue, invoke, InvokeProblem::UnrecognizedOperation);
            return None;
        };
        let decoded = match variant {
            Variant::Cs1 => match Cs1Argument::decode_argument(code, bytes) {
                Ok(Cs1Argument::EventReportBcsm(a)) => Ok(Some(FromSsp::Report(Report {
                    event_type: a.event_type_bcsm as u8,
                    cause: cs1_report_cause(&a),
                    leg: match &a.leg_id {
                        Some(cs1::LegId::ReceivingSideId(l) | cs1::LegId::SendingSideId(l)) => {
                            l.first().copied()
                        }
                        None => None,
                    },
                }))),
                Ok(Cs1Argument::ApplyChargingReport(r)) => {
                    Ok(Some(call_result(&r.0, &[CapVersion::V3, CapVersion::V2])))
                }
                Ok(Cs1Argument::CallInformationReport(_)) => Ok(Some(FromSsp::CallInformation)),
                Ok(arg) if arg.opcode().from_ssp() && arg.opcode() != cs1::Opcode::InitialDp => {
                    Ok(None)
                }
                Ok(_) => Err(InvokeProblem::UnrecognizedOperation),
                Err(e) => Err(reject_problem(e.reject_problem())),
            },
            Variant::Camel(v) => match CapArgument::decode_argument(v, code, bytes) {
                Ok(CapArgument::EventReportBcsm(a)) => Ok(Some(FromSsp::Report(Report {
                    event_type: a.event_type_bcsm as u8,
                    cause: cap_report_cause(&a),
                    leg: match &a.leg_id {
                        Some(callctl_inap::cap::types::ReceivingSideId::ReceivingSideId(l)) => {
                            l.first().copied()
                        }
                        None => None,
                    },
                }))),
                Ok(CapArgument::ApplyChargingReport(r)) => Ok(Some(call_result(&r, &[v]))),
                Ok(CapArgument::CallInformationReport(_)) => Ok(Some(FromSsp::CallInformation)),
                Ok(arg) if cap_from_ssp(&arg) => Ok(None),
                Ok(_) => Err(InvokeProblem::UnrecognizedOperation),
                Err(e) => Err(reject_problem(e.reject_problem())),
            },
        };
        match decoded {
            Ok(Some(from_ssp)) => Some(from_ssp),
            Ok(None) => {
                self.stats.unexpected_operations += 1;
                None
            }
            Err(p) => {
                self.reject(dialogue, invoke, p);
                None
            }
        }
    }

    fn refuse(&mut self, now: Duration, dialogue: DialogueId, reason: UserAbortReason) {
        self.stats.dialogues_refused += 1;
        let _ = self.tcap.user_abort(
            now,
            dialogue,
            UserAbortRequest {
                reason,
                user_information: Vec::new(),
            },
        );
    }

    fn begin(
        &mut self,
        now: Duration,
        dialogue: DialogueId,
        application_context: Option<callctl_tcap::Oid>,
        components: Vec<ComponentIndication>,
    ) {
        let model = match &application_context {
            Some(ac) => self.config.models.iter().position(|m| m.accepts(ac)),
            None => self.config.model_without_ac,
        };
        let Some(model_index) = model else {
            let reason = if application_context.is_some() {
                UserAbortReason::ApplicationContextNotSupported { alternative: None }
            } else {
                UserAbortReason::UserSpecific
            };
            self.refuse(now, dialogue, reason);
            return;
        };
        let model = &self.config.models[model_index];
        let variant = model.variant;
        let local_rejects = components
            .iter()
            .filter(|c| matches!(c, ComponentIndication::LocalReject { .. }))
            .count();
        self.stats.rejects_sent += local_rejects as u64;
        let first = components.into_iter().find_map(|c| match c {
            ComponentIndication::Invoke(i) => Some(i),
            _ => None,
        });
        let Some(invoke) = first else {
            // Nothing to serve: end the dialogue politely.
            self.stats.bad_initial_dp += 1;
            let request = DialogueRequest {
                application_context: match &model.returned_ac {
                    ReturnedAc::Fixed(oid) => Some(oid.clone()),
                    ReturnedAc::Copy => None,
                },
                user_information: Vec::new(),
            };
            let _ = self.tcap.end(now, dialogue, TcEnd::Basic, request);
            return;
        };
        let bytes = invoke.parameter.as_ref().map_or(&[][..], |p| p.as_bytes());
        let idp = match (variant, invoke.opcode.clone()) {
            (Variant::Cs1, Code::Local(code)) => match Cs1Argument::decode_argument(code, bytes) {
                Ok(Cs1Argument::InitialDp(arg)) => {
                    InitialDp::from_cs1(&arg, model, &self.config.numbers)
                        .map_err(|_| InvokeProblem::MistypedParameter)
                }
                Ok(_) => Err(InvokeProblem::UnrecognizedOperation),
                Err(e) => Err(reject_problem(e.reject_problem())),
            },
            (Variant::Camel(v), Code::Local(code)) => {
                match CapArgument::decode_argument(v, code, bytes) {
                    Ok(CapArgument::InitialDp(arg)) => {
                        InitialDp::from_cap(&arg, model, &self.config.numbers)
                            .map_err(|_| InvokeProblem::MistypedParameter)
                    }
                    Ok(_) => Err(InvokeProblem::UnrecognizedOperation),
                    Err(e) => Err(reject_problem(e.reject_problem())),
                }
            }
            (_, Code::Global(_)) => Err(InvokeProblem::UnrecognizedOperation),
        };
        let model_name = model.name.clone();
        let returned = match &model.returned_ac {
            ReturnedAc::Fixed(oid) => Some(oid.clone()),
            ReturnedAc::Copy => None,
        };
        match idp {
            Ok(idp) => {
                let call = dialogue.as_u32();
                let deadline = now.saturating_add(self.config.service_logic);
                self.calls.insert(
                    call,
                    Call {
                        dialogue,
                        state: CallState::AwaitingInstruction,
                        model: model_index,
                        variant,
                        guard: Some(deadline),
                        monitored: false,
                        charged: false,
                        call_information: false,
                        grants: 0,
                        activity: None,
                    },
                );
                self.guards.insert((deadline, call));
                self.stats.calls_started += 1;
                self.out.push_back(Output::Event(Event::InitialDp {
                    call,
                    model: model_name,
                    idp: Box::new(idp),
                }));
            }
            Err(problem) => {
                self.stats.bad_initial_dp += 1;
                self.reject(dialogue, &invoke, problem);
                let _ = self.tcap.end(
                    now,
                    dialogue,
                    TcEnd::Basic,
                    DialogueRequest {
                        application_context: returned,
                        user_information: Vec::new(),
                    },
                );
            }
        }
    }
}

/// `applicationTimer` is `INTEGER (0..2047)` seconds in CS-1 and CAP.
const MAX_APPLICATION_TIMER: u16 = 2047;

/// An EventReportBCSM as the engine needs it.
struct Report {
    event_type: u8,
    cause: Option<u8>,
    leg: Option<u8>,
}

/// What a monitored termination adds to an attempt.
#[derive(Clone, Copy)]
struct Monitored {
    grant_secs: Option<u32>,
    call_information: bool,
}

/// `oDisconnect` in CS-1 and CAP.
const ODISCONNECT: u8 = 9;

/// What the SSP reported.
enum FromSsp {
    Report(Report),
    ChargingReport {
        used_tenths: Option<u32>,
        call_active: bool,
    },
    CallInformation,
}

/// An ApplyChargingReport's CallResult read in the CAMEL layout of the first version that
/// decodes it; an unreadable one counts as "call still active, time unknown".
fn call_result(octets: &[u8], versions: &[CapVersion]) -> FromSsp {
    use callctl_inap::cap::charging::{CallResult, TimeInformation};
    for &v in versions {
        if let Ok(CallResult::TimeDurationChargingResult(r)) = CallResult::decode(v, octets) {
            return FromSsp::ChargingReport {
                used_tenths: match r.time_information {
                    TimeInformation::TimeIfNoTariffSwitch(t) => Some(t),
                    TimeInformation::TimeIfTariffSwitch(_) => None,
                },
                call_active: r.call_active.unwrap_or(true),
            };
        }
    }
    FromSsp::ChargingReport {
        used_tenths: None,
        call_active: true,
    }
}

/// A grant must fit maxCallPeriodDuration, 1..864000 tenths of a second.
fn check_grant(secs: u32) -> Result<(), CommandError> {
    if (1..=86_400).contains(&secs) {
        Ok(())
    } else {
        Err(CommandError::Invalid {
            field: "grant_secs",
            reason: format!("{secs} s is outside 1-86400 s"),
        })
    }
}

fn cause_value(octets: Option<&[u8]>) -> Option<u8> {
    octets.and_then(|o| Cause::decode(o).ok()).map(|c| c.value)
}

fn cs1_report_cause(a: &cs1::EventReportBcsmArg) -> Option<u8> {
    use cs1::EventSpecificInformationBcsm as I;
    match &a.event_specific_information_bcsm {
        Some(I::RouteSelectFailureSpecificInfo(i) | I::OCalledPartyBusySpecificInfo(i)) => {
            cause_value(i.cause.as_deref())
        }
        Some(I::ODisconnectSpecificInfo(i)) => cause_value(i.release_cause.as_deref()),
        _ => None,
    }
}

fn cap_report_cause(a: &callctl_inap::cap::types::EventReportBcsmArg) -> Option<u8> {
    use callctl_inap::cap::types::EventSpecificInformationBcsm as I;
    match &a.event_specific_information_bcsm {
        Some(
            I::RouteSelectFailureSpecificInfo(i)
            | I::OCalledPartyBusySpecificInfo(i)
            | I::ODisconnectSpecificInfo(i),
        ) => cause_value(i.cause.as_deref()),
        _ => None,
    }
}

fn invalid(field: &'static str, e: impl std::fmt::Display) -> CommandError {
    CommandError::Invalid {
        field,
        reason: e.to_string(),
    }
}

fn reject_problem(p: callctl_inap::RejectProblem) -> InvokeProblem {
    match p {
        callctl_inap::RejectProblem::UnrecognizedOperation => InvokeProblem::UnrecognizedOperation,
        _ => InvokeProblem::MistypedParameter,
    }
}

/// Operations a gsmSSF sends to the gsmSCF within a call dialogue (after InitialDP).
fn cap_from_ssp(arg: &CapArgument) -> bool {
    matches!(
        arg,
        CapArgument::EventReportBcsm(_)
            | CapArgument::ApplyChargingReport(_)
            | CapArgument::CallInformationReport(_)
            | CapArgument::SpecializedResourceReport(_)
    )
}
