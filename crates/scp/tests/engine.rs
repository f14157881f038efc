//! Whole SCP calls through the engine in virtual time: SCCP bytes in, SCCP bytes out.
//! (The same calls against the independent SSP simulator run in the server's e2e tests.)

use std::time::Duration;

use callctl_inap::cap::{self, CapArgument, CapVersion};
use callctl_inap::cs1::{self, Cs1Argument};
use callctl_inap::numbers::{
    CalledPartyNumber, Cause, NatureOfAddress, NumberingPlan, ParameterCodec,
};
use callctl_sccp::{Address, Class, Message as Sccp, ProtocolClass, ReturnCause, UnitdataRequest};
use callctl_scp::{
    AttemptEvent, AttemptOutcome, CallState, Command, CommandError, DenormRule, EndReason, Event,
    Incoming, Output, ScpConfig, ScpEngine, Termination, Variant,
};
use callctl_tcap::{
    AbortReason, AssociateResult, Component, Dialogue, ExternalEncoding, Message, Oid, Parameter,
    Problem, TransactionId,
};
use proptest::prelude::*;

const SSP: u8 = 146;
const OTID: u32 = 0x0a0b_0c0d;

fn config() -> ScpConfig {
    let mut c = ScpConfig::default();
    c.numbers.denormalise_called = vec![DenormRule {
        match_prefix: "00".into(),
        strip: 2,
        noa: 4,
        ..Default::default()
    }];
    c
}

fn idp_argument(variant: Variant, service_key: u32) -> Vec<u8> {
    let called = CalledPartyNumber::new(NatureOfAddress(3), NumberingPlan(1), "44123456").unwrap();
    match variant {
        Variant::Cs1 => {
            let mut arg = cs1::InitialDpArg {
                service_key,
                ..Default::default()
            };
            arg.set_called_party_number(&called);
            Cs1Argument::InitialDp(Box::new(arg)).encode_argument()
        }
        Variant::Camel(v) => {
            let arg = cap::types::InitialDpArg {
                service_key,
                called_party_number: Some(called.encode().into()),
                ..Default::default()
            };
            CapArgument::InitialDp(Box::new(arg)).encode_argument(v)
        }
    }
}

fn udt(called_ssn: u8, data: Vec<u8>) -> Vec<u8> {
    let mut request = UnitdataRequest::new(Address::ssn(called_ssn), Address::ssn(SSP), data);
    request.protocol_class = ProtocolClass::new(Class::Class1, true);
    let mut out = Vec::new();
    request.messages(1).unwrap()[0].encode(&mut out).unwrap();
    out
}

fn begin(variant: Variant, service_key: u32, called_ssn: u8) -> Vec<u8> {
    let aarq = callctl_tcap::Aarq {
        version1: true,
        application_context: variant.default_application_context(),
        user_information: Vec::new(),
    };
    let invoke = Component::invoke(
        1,
        0,
        Some(Parameter::from_ber(idp_argument(variant, service_key)).unwrap()),
    );
    let tcap = Message::begin(
        TransactionId::from_u32(OTID),
        Some(Dialogue::Aarq(aarq)),
        vec![invoke],
    );
    udt(called_ssn, tcap.encode())
}

struct Run {
    engine: ScpEngine,
    sent: Vec<Vec<u8>>,
    events: Vec<Event>,
}

impl Run {
    fn new(config: ScpConfig) -> Run {
        Run {
            engine: ScpEngine::new(config),
            sent: Vec::new(),
            events: Vec::new(),
        }
    }

    fn drain(&mut self) {
        while let Some(o) = self.engine.poll_output() {
            match o {
                Output::Transmit(t) => {
                    assert_eq!(t.dpc, 1, "answers go back to the sender's point code");
                    self.sent.push(t.data);
                }
                Output::Event(e) => self.events.push(e),
            }
        }
    }

    fn receive(&mut self, now: Duration, data: &[u8]) {
        self.engine.receive(
            now,
            Incoming {
                opc: 1,
                dpc: 2,
                sls: 5,
                data,
            },
        );
        self.drain();
    }

    /// Starts a call and returns its id.
    fn start(&mut self, variant: Variant, service_key: u32) -> u32 {
        let ssn = if variant == Variant::Cs1 { 12 } else { 146 };
        self.receive(Duration::ZERO, &begin(variant, service_key, ssn));
        match self.events.last() {
            Some(Event::InitialDp { call, idp, .. }) => {
                assert_eq!(idp.service_key, service_key);
                assert_eq!(idp.called_party.as_deref(), Some("44123456"));
                *call
            }
            other => panic!("expected an InitialDp event, got {other:?}"),
        }
    }

    /// The one TCAP message sent, with the SCCP addresses checked.
    fn sent_tcap(&self) -> Message {
        assert_eq!(self.sent.len(), 1, "one message sent");
        let Sccp::Udt(udt) = Sccp::decode(&self.sent[0]).unwrap() else {
            panic!("expected a UDT");
        };
        assert_eq!(
            udt.called.ssn,
            Some(SSP),
            "answer goes to the SSP's address"
        );
        callctl_tcap::decode(&udt.data).unwrap()
    }
}

fn end_components(m: &Message, variant: Variant) -> Vec<Component> {
    let Message::End {
        dtid,
        dialogue,
        components,
    } = m
    else {
        panic!("expected a TC-END, got {m:?}");
    };
    assert_eq!(dtid.to_u32(), OTID);
    let Some(Dialogue::Aare(aare)) = dialogue else {
        panic!("the first answer carries an AARE");
    };
    assert_eq!(aare.result, AssociateResult::Accepted);
    assert_eq!(
        aare.application_context,
        variant.default_application_context()
    );
    components.clone()
}

fn only_invoke(components: &[Component]) -> (i64, Vec<u8>) {
    assert_eq!(components.len(), 1, "{components:?}");
    let Component::Invoke(i) = &components[0] else {
        panic!("expected an Invoke");
    };
    let callctl_tcap::Code::Local(op) = i.opcode else {
        panic!("local opcode expected")
    };
    (
        op,
        i.parameter
            .as_ref()
            .map(|p| p.as_bytes().to_vec())
            .unwrap_or_default(),
    )
}

#[test]
fn cs1_release_with_default_cause() {
    let mut run = Run::new(config());
    let call = run.start(Variant::Cs1, 1);
    run.engine
        .command(
            Duration::from_millis(5),
            call,
            Command::ReleaseCall { cause: None },
        )
        .unwrap();
    run.drain();
    let comps = end_components(&run.sent_tcap(), Variant::Cs1);
    let (op, arg) = only_invoke(&comps);
    let Ok(Cs1Argument::ReleaseCall(r)) = Cs1Argument::decode_argument(op, &arg) else {
        panic!("ReleaseCall expected");
    };
    assert_eq!(r.cause().unwrap().value, 31);
    assert!(matches!(
        run.events.last(),
        Some(Event::Ended {
            reason: EndReason::Released { cause: 31 },
            ..
        })
    ));
    assert_eq!(run.engine.call_count(), 0);
    assert_eq!(run.engine.dialogue_count(), 0);
}

#[test]
fn release_cause_goes_through_the_model_translation() {
    let mut c = config();
    c.models[1].release_cause_translation = vec![(17, 21)];
    let mut run = Run::new(c);
    let call = run.start(Variant::Camel(CapVersion::V2), 1);
    run.engine
        .command(
            Duration::ZERO,
            call,
            Command::ReleaseCall { cause: Some(17) },
        )
        .unwrap();
    run.drain();
    let comps = end_components(&run.sent_tcap(), Variant::Camel(CapVersion::V2));
    let (op, arg) = only_invoke(&comps);
    let Ok(CapArgument::ReleaseCall(cap::types::ReleaseCallArg::AllCallSegments(c))) =
        CapArgument::decode_argument(CapVersion::V2, op, &arg)
    else {
        panic!("ReleaseCall expected");
    };
    assert_eq!(Cause::decode(&c).unwrap().value, 21);
}

#[test]
fn cap2_connect_is_denormalised() {
    let mut run = Run::new(config());
    let v = Variant::Camel(CapVersion::V2);
    let call = run.start(v, 3);
    run.engine
        .command(
            Duration::ZERO,
            call,
            Command::TerminationFinal(Termination {
                address_digits: Some("0049301234567".into()),
                ..Default::default()
            }),
        )
        .unwrap();
    run.drain();
    let comps = end_components(&run.sent_tcap(), v);
    let (op, arg) = only_invoke(&comps);
    let Ok(CapArgument::Connect(c)) = CapArgument::decode_argument(CapVersion::V2, op, &arg) else {
        panic!("Connect expected");
    };
    let dra = CalledPartyNumber::decode(&c.destination_routing_address[0]).unwrap();
    assert_eq!(dra.digits.as_str(), "49301234567");
    assert_eq!(dra.nature.0, 4);
    assert_eq!(dra.plan.0, 1);
}

#[test]
fn cs1_continue_and_fci() {
    let mut run = Run::new(config());
    let call = run.start(Variant::Cs1, 2);
    run.engine
        .command(
            Duration::ZERO,
            call,
            Command::TerminationFinal(Termination {
                fci: Some(vec![1, 2, 3, 4]),
                ..Default::default()
            }),
        )
        .unwrap();
    run.drain();
    let m = run.sent_tcap();
    end_components(&m, Variant::Cs1);
    assert_eq!(ops_of(&m), vec![34, 31], "FCI then Continue");
}

#[test]
fn abort_carries_the_text() {
    let mut run = Run::new(config());
    let call = run.start(Variant::Cs1, 4);
    run.engine
        .command(
            Duration::ZERO,
            call,
            Command::Abort {
                text: Some("SERVICE SPECIFIED".into()),
            },
        )
        .unwrap();
    run.drain();
    let Message::Abort {
        dtid,
        reason: Some(AbortReason::User(Dialogue::Abrt(abrt))),
    } = run.sent_tcap()
    else {
        panic!("expected a U-ABORT with an ABRT");
    };
    assert_eq!(dtid.to_u32(), OTID);
    assert_eq!(
        abrt.user_information[0].encoding,
        ExternalEncoding::OctetAligned(b"SERVICE SPECIFIED".to_vec())
    );
    assert!(matches!(
        run.events.last(),
        Some(Event::Ended {
            reason: EndReason::Aborted,
            ..
        })
    ));
}

#[test]
fn service_logic_guard_releases_with_the_default_cause() {
    let mut run = Run::new(config());
    let call = run.start(Variant::Cs1, 9);
    assert_eq!(
        run.engine.next_deadline(),
        Some(Duration::from_millis(2500))
    );
    run.engine.poll(Duration::from_millis(2499));
    run.drain();
    assert!(run.sent.is_empty());
    run.engine.poll(Duration::from_millis(2500));
    run.drain();
    let comps = end_components(&run.sent_tcap(), Variant::Cs1);
    assert_eq!(only_invoke(&comps).0, 22);
    assert!(matches!(
        run.events.last(),
        Some(Event::Ended {
            reason: EndReason::ServiceLogicTimeout { cause: 31 },
            ..
        })
    ));
    assert_eq!(run.engine.next_deadline(), None);
    // Too late now.
    assert!(run
        .engine
        .command(
            Duration::from_secs(3),
            call,
            Command::ReleaseCall { cause: None }
        )
        .is_err());
}

#[test]
fn unknown_application_context_is_refused() {
    let mut run = Run::new(config());
    let aarq = callctl_tcap::Aarq {
        version1: true,
        application_context: Oid::new(&[0, 4, 0, 0, 1, 0, 50, 0]).unwrap(), // CAP v1
        user_information: Vec::new(),
    };
    let tcap = Message::begin(
        TransactionId::from_u32(OTID),
        Some(Dialogue::Aarq(aarq)),
        vec![Component::invoke(
            1,
            0,
            Some(Parameter::from_ber(idp_argument(Variant::Cs1, 1)).unwrap()),
        )],
    );
    run.receive(Duration::ZERO, &udt(146, tcap.encode()));
    assert!(run.events.is_empty());
    let Message::Abort {
        reason: Some(AbortReason::User(Dialogue::Aare(aare))),
        ..
    } = run.sent_tcap()
    else {
        panic!("expected an AARE refusal");
    };
    assert_eq!(aare.result, AssociateResult::RejectPermanent);
    assert_eq!(run.engine.stats().dialogues_refused, 1);
}

#[test]
fn subsystem_not_served_is_returned() {
    let mut run = Run::new(config());
    run.receive(Duration::ZERO, &begin(Variant::Cs1, 1, 99));
    assert!(run.events.is_empty());
    let Sccp::Udts(udts) = Sccp::decode(&run.sent[0]).unwrap() else {
        panic!("expected a UDTS");
    };
    assert_eq!(udts.return_cause, ReturnCause::UnequippedUser);
    assert_eq!(run.engine.stats().unequipped_ssn, 1);
}

#[test]
fn mistyped_initial_dp_is_rejected_in_an_end() {
    let mut run = Run::new(config());
    let aarq = callctl_tcap::Aarq {
        version1: true,
        application_context: Variant::Cs1.default_application_context(),
        user_information: Vec::new(),
    };
    // A SEQUENCE without the mandatory serviceKey.
    let tcap = Message::begin(
        TransactionId::from_u32(OTID),
        Some(Dialogue::Aarq(aarq)),
        vec![Component::invoke(
            3,
            0,
            Some(Parameter::from_ber(vec![0x30, 0x03, 0x82, 0x01, 0x00]).unwrap()),
        )],
    );
    run.receive(Duration::ZERO, &udt(12, tcap.encode()));
    assert!(run.events.is_empty());
    let comps = end_components(&run.sent_tcap(), Variant::Cs1);
    let [Component::Reject(r)] = comps.as_slice() else {
        panic!("expected one Reject, got {comps:?}");
    };
    assert_eq!(r.invoke_id, Some(3));
    assert!(matches!(
        r.problem,
        Problem::Invoke(callctl_tcap::InvokeProblem::MistypedParameter)
    ));
    assert_eq!(run.engine.dialogue_count(), 0);
}

#[test]
fn shutdown_releases_every_call() {
    let mut run = Run::new(config());
    run.start(Variant::Cs1, 1);
    run.sent.clear();
    run.engine.release_all(Duration::from_millis(1));
    run.drain();
    let comps = end_components(&run.sent_tcap(), Variant::Cs1);
    assert_eq!(only_invoke(&comps).0, 22);
    assert_eq!(run.engine.call_count(), 0);
}

/// An EventReportBCSM from the SSP in a TC-CONTINUE (or TC-END) for `call`.
fn report(variant: Variant, call: u32, event: u8, end: bool) -> Vec<u8> {
    let arg = match variant {
        Variant::Cs1 => {
            use cs1::EventTypeBcsm as E;
            let event_type_bcsm = match event {
                5 => E::OCalledPartyBusy,
                6 => E::ONoAnswer,
                7 => E::OAnswer,
                9 => E::ODisconnect,
                _ => E::OAbandon,
            };
            let info = (event == 5).then(|| {
                cs1::EventSpecificInformationBcsm::OCalledPartyBusySpecificInfo(
                    cs1::CauseSpecificInfo {
                        cause: Some(Cause::new(0, 17).unwrap().encode().into()),
                    },
                )
            });
            Cs1Argument::EventReportBcsm(cs1::EventReportBcsmArg {
                event_type_bcsm,
                bcsm_event_correlation_id: None,
                event_specific_information_bcsm: info,
                leg_id: Some(cs1::LegId::receiving(2)),
                misc_call_info: cs1::MiscCallInfo {
                    message_type: if matches!(event, 5 | 6) {
                        cs1::MessageType::Request
                    } else {
                        cs1::MessageType::Notification
                    },
                    dp_assignment: None,
                },
                extensions: None,
            })
            .encode_argument()
        }
        Variant::Camel(v) => {
            use cap::types::EventTypeBcsm as E;
            let arg = cap::types::EventReportBcsmArg {
                event_type_bcsm: match event {
                    5 => E::OCalledPartyBusy,
                    6 => E::ONoAnswer,
                    7 => E::OAnswer,
                    _ => E::OAbandon,
                },
                event_specific_information_bcsm: None,
                leg_id: None,
                misc_call_info: None,
                extensions: None,
            };
            CapArgument::EventReportBcsm(arg).encode_argument(v)
        }
    };
    let invoke = Component::invoke(1, 24, Some(Parameter::from_ber(arg).unwrap()));
    let ours = TransactionId::from_u32(call);
    let tcap = if end {
        Message::end(ours, None, vec![invoke])
    } else {
        Message::continue_(TransactionId::from_u32(OTID), ours, None, vec![invoke])
    };
    let ssn = if variant == Variant::Cs1 { 12 } else { 146 };
    udt(ssn, tcap.encode())
}

fn attempt(run: &mut Run, variant: Variant) -> u32 {
    let call = run.start(variant, 5);
    run.engine
        .command(
            Duration::ZERO,
            call,
            Command::TerminationAttempt {
                termination: Termination {
                    address_digits: Some("0049301234567".into()),
                    ..Default::default()
                },
                no_answer_secs: Some(20),
            },
        )
        .unwrap();
    run.drain();
    let m = run.sent_tcap();
    assert_eq!(
        ops_of(&m),
        vec![23, 20],
        "RequestReportBCSMEvent then Connect"
    );
    let Message::Continue { components, .. } = m else {
        panic!("the attempt goes in a TC-CONTINUE");
    };
    let Component::Invoke(rr) = &components[0] else {
        unreachable!()
    };
    let bytes = rr.parameter.as_ref().unwrap().as_bytes();
    let armed: Vec<(u8, u8)> = match variant {
        Variant::Cs1 => {
            let Ok(Cs1Argument::RequestReportBcsmEvent(a)) =
                Cs1Argument::decode_argument(23, bytes)
            else {
                panic!("RRBCSM expected")
            };
            a.bcsm_events
                .iter()
                .map(|e| (e.event_type_bcsm as u8, e.monitor_mode as u8))
                .collect()
        }
        Variant::Camel(v) => {
            let Ok(CapArgument::RequestReportBcsmEvent(a)) =
                CapArgument::decode_argument(v, 23, bytes)
            else {
                panic!("RRBCSM expected")
            };
            a.bcsm_events
                .iter()
                .map(|e| (e.event_type_bcsm as u8, e.monitor_mode as u8))
                .collect()
        }
    };
    assert_eq!(armed, vec![(4, 0), (5, 0), (6, 0), (7, 1), (10, 1)]);
    assert_eq!(run.engine.state(call), Some(CallState::Monitoring));
    // First deadline: the class 2 invoke timers (10 s; expiry means no error came, i.e.
    // success); nothing is sent then. The guard covers the no-answer time.
    assert_eq!(run.engine.next_deadline(), Some(Duration::from_secs(10)));
    run.engine.poll(Duration::from_secs(10));
    run.drain();
    assert_eq!(run.sent.len(), 1);
    assert_eq!(
        run.engine.next_deadline(),
        Some(Duration::from_secs(20) + Duration::from_millis(2500))
    );
    run.sent.clear();
    call
}

#[test]
fn attempt_busy_gives_the_call_back_and_release_follows() {
    let mut run = Run::new(config());
    let call = attempt(&mut run, Variant::Cs1);
    // Only release or abort while the attempt runs.
    assert!(matches!(
        run.engine.command(
            Duration::ZERO,
            call,
            Command::TerminationFinal(Termination::default())
        ),
        Err(CommandError::NotAllowed { .. })
    ));
    run.receive(
        Duration::from_secs(12),
        &report(Variant::Cs1, call, 5, false),
    );
    assert!(
        run.sent.is_empty(),
        "nothing sent until the service decides"
    );
    assert!(matches!(
        run.events.last(),
        Some(Event::AttemptResult {
            outcome: AttemptOutcome {
                event: AttemptEvent::Busy,
                cause: Some(17)
            },
            ..
        })
    ));
    assert_eq!(run.engine.state(call), Some(CallState::AwaitingInstruction));
    assert_eq!(
        run.engine.next_deadline(),
        Some(Duration::from_secs(12) + Duration::from_millis(2500))
    );
    run.engine
        .command(
            Duration::from_secs(12),
            call,
            Command::ReleaseCall { cause: None },
        )
        .unwrap();
    run.drain();
    let Message::End { components, .. } = run.sent_tcap() else {
        panic!("TC-END expected");
    };
    assert_eq!(only_invoke(&components).0, 22);
}

#[test]
fn inap_answer_in_a_continue_is_closed_with_an_empty_end() {
    let mut run = Run::new(config());
    let call = attempt(&mut run, Variant::Cs1);
    run.receive(
        Duration::from_secs(15),
        &report(Variant::Cs1, call, 7, false),
    );
    let Message::End { components, .. } = run.sent_tcap() else {
        panic!("TC-END expected");
    };
    assert!(components.is_empty());
    assert!(matches!(
        run.events.last(),
        Some(Event::Ended {
            reason: EndReason::Answered,
            ..
        })
    ));
    assert_eq!(run.engine.call_count(), 0);
    assert_eq!(run.engine.dialogue_count(), 0);
}

#[test]
fn cap_answer_in_an_end_ends_the_call_without_sending() {
    let mut run = Run::new(config());
    let v = Variant::Camel(CapVersion::V2);
    let call = attempt(&mut run, v);
    run.receive(Duration::from_secs(15), &report(v, call, 7, true));
    assert!(run.sent.is_empty());
    let n = run.events.len();
    assert!(matches!(
        &run.events[n - 2..],
        [
            Event::AttemptResult {
                outcome: AttemptOutcome {
                    event: AttemptEvent::Answer,
                    ..
                },
                ..
            },
            Event::Ended {
                reason: EndReason::Answered,
                ..
            }
        ]
    ));
    assert_eq!(run.engine.dialogue_count(), 0);
}

#[test]
fn unarmed_report_is_counted_and_ignored() {
    let mut run = Run::new(config());
    let call = attempt(&mut run, Variant::Cs1);
    // oDisconnect was not armed.
    run.receive(
        Duration::from_secs(15),
        &report(Variant::Cs1, call, 9, false),
    );
    assert!(run.sent.is_empty());
    assert_eq!(run.engine.stats().unexpected_operations, 1);
    assert_eq!(run.engine.state(call), Some(CallState::Monitoring));
}

#[test]
fn silent_ssp_during_an_attempt_is_released_by_the_guard() {
    let mut run = Run::new(config());
    let call = attempt(&mut run, Variant::Camel(CapVersion::V2));
    run.engine.poll(Duration::from_millis(22_500));
    run.drain();
    let Message::End { components, .. } = run.sent_tcap() else {
        panic!("TC-END expected");
    };
    assert_eq!(only_invoke(&components).0, 22);
    assert_eq!(run.engine.state(call), None);
}

#[test]
fn unknown_transaction_is_answered_with_a_p_abort_and_counted() {
    let mut run = Run::new(config());
    // A Continue for a transaction we never opened: P-Abort unrecognizedTransactionID.
    let tcap = Message::continue_(
        TransactionId::from_u32(OTID),
        TransactionId::from_u32(0x7777_7777),
        None,
        vec![Component::invoke(1, 24, None)],
    );
    run.receive(Duration::ZERO, &udt(12, tcap.encode()));
    assert!(run.events.is_empty());
    assert_eq!(run.sent.len(), 1, "one answer");
    assert_eq!(run.engine.stats().p_aborts_sent, 1);
    assert_eq!(run.engine.dialogue_count(), 0);
}

fn ops_of(m: &Message) -> Vec<i64> {
    let components = match m {
        Message::Continue { components, .. } | Message::End { components, .. } => components,
        _ => panic!("no components in {m:?}"),
    };
    components
        .iter()
        .map(|c| match c {
            Component::Invoke(i) => match i.opcode {
                callctl_tcap::Code::Local(op) => op,
                _ => -1,
            },
            _ => -1,
        })
        .collect()
}

fn monitored(run: &mut Run, grant_secs: Option<u32>) -> u32 {
    let call = run.start(Variant::Cs1, 6);
    run.engine
        .command(
            Duration::ZERO,
            call,
            Command::TerminationMonitored {
                termination: Termination {
                    address_digits: Some("0049301234567".into()),
                    ..Default::default()
                },
                no_answer_secs: None,
                grant_secs,
                call_information: grant_secs.is_none(),
            },
        )
        .unwrap();
    run.drain();
    let m = run.sent_tcap();
    let expected = if grant_secs.is_some() {
        vec![23, 35, 20]
    } else {
        vec![23, 45, 20]
    };
    assert_eq!(ops_of(&m), expected);
    let Message::Continue { components, .. } = &m else {
        unreachable!()
    };
    let Component::Invoke(rr) = &components[0] else {
        unreachable!()
    };
    let Ok(Cs1Argument::RequestReportBcsmEvent(a)) =
        Cs1Argument::decode_argument(23, rr.parameter.as_ref().unwrap().as_bytes())
    else {
        panic!("RRBCSM expected")
    };
    let disconnect_legs: Vec<_> = a
        .bcsm_events
        .iter()
        .filter(|e| e.event_type_bcsm as u8 == 9)
        .map(|e| (e.monitor_mode as u8, e.leg_id.clone()))
        .collect();
    assert_eq!(
        disconnect_legs,
        vec![
            (0, Some(cs1::LegId::sending(1))),
            (0, Some(cs1::LegId::sending(2)))
        ]
    );
    run.sent.clear();
    // Answer: no message, the call is carried on.
    run.receive(
        Duration::from_secs(12),
        &report(Variant::Cs1, call, 7, false),
    );
    assert!(run.sent.is_empty());
    assert_eq!(run.engine.state(call), Some(CallState::Answered));
    call
}

#[test]
fn monitored_call_is_supervised_by_activity_tests() {
    let mut run = Run::new(config());
    let call = monitored(&mut run, None);
    // Class 2 invoke timers expire quietly; the first ActivityTest is due 300 s after answer.
    run.engine.poll(Duration::from_secs(311));
    run.drain();
    assert!(run.sent.is_empty());
    run.engine.poll(Duration::from_secs(312));
    run.drain();
    assert_eq!(ops_of(&run.sent_tcap()), vec![55]);
    run.sent.clear();
    // No result within 10 s: the SSP lost the dialogue; released locally, nothing sent.
    run.engine.poll(Duration::from_secs(322));
    run.drain();
    assert!(run.sent.is_empty());
    assert!(matches!(
        run.events.last(),
        Some(Event::Ended {
            reason: EndReason::ActivityTestFailed,
            ..
        })
    ));
    assert_eq!(run.engine.state(call), None);
    assert_eq!(run.engine.dialogue_count(), 0);
}

#[test]
fn answered_call_is_released_at_the_longest_duration() {
    let mut c = config();
    c.activity_test_interval = Duration::from_secs(100_000);
    let mut run = Run::new(c);
    let call = monitored(&mut run, None);
    // Answered at 12 s; held at most 7200 s.
    run.engine.poll(Duration::from_secs(7211));
    run.drain();
    assert!(run.sent.is_empty());
    run.engine.poll(Duration::from_secs(7212));
    run.drain();
    assert_eq!(ops_of(&run.sent_tcap()), vec![22]);
    assert!(matches!(
        run.events.last(),
        Some(Event::Ended {
            reason: EndReason::MaxDuration { cause: 31 },
            ..
        })
    ));
    assert_eq!(run.engine.stats().service_logic_timeouts, 0);
    assert_eq!(run.engine.state(call), None);
}

#[test]
fn disconnect_of_a_monitored_call_gives_it_back() {
    let mut run = Run::new(config());
    let call = monitored(&mut run, None);
    run.receive(
        Duration::from_secs(20),
        &report(Variant::Cs1, call, 9, false),
    );
    assert!(matches!(
        run.events.last(),
        Some(Event::Disconnect { leg: 2, .. })
    ));
    assert_eq!(run.engine.state(call), Some(CallState::AwaitingInstruction));
    run.engine
        .command(
            Duration::from_secs(20),
            call,
            Command::ReleaseCall { cause: None },
        )
        .unwrap();
    run.drain();
    assert_eq!(ops_of(&run.sent_tcap()), vec![22]);
}

#[test]
fn charged_call_reports_and_extends() {
    let mut run = Run::new(config());
    let call = monitored(&mut run, Some(60));
    let result = callctl_inap::cap::charging::CallResult::TimeDurationChargingResult(
        callctl_inap::cap::charging::TimeDurationChargingResult {
            party_to_charge: cap::types::ReceivingSideId::ReceivingSideId(vec![1].into()),
            time_information: callctl_inap::cap::charging::TimeInformation::TimeIfNoTariffSwitch(
                600,
            ),
            call_active: Some(true),
            call_released_at_tcp_expiry: None,
            extensions: None,
            ach_charging_address: None,
        },
    );
    let acr = Cs1Argument::ApplyChargingReport(cs1::ApplyChargingReportArg(
        result.encode(CapVersion::V2).into(),
    ))
    .encode_argument();
    let msg = Message::continue_(
        TransactionId::from_u32(OTID),
        TransactionId::from_u32(call),
        None,
        vec![Component::invoke(
            2,
            36,
            Some(Parameter::from_ber(acr).unwrap()),
        )],
    );
    run.receive(Duration::from_secs(72), &udt(12, msg.encode()));
    assert!(matches!(
        run.events.last(),
        Some(Event::ChargingReport {
            used_tenths: Some(600),
            call_active: true,
            grants: 1,
            ..
        })
    ));
    run.engine
        .command(
            Duration::from_secs(72),
            call,
            Command::ApplyCharging { grant_secs: 30 },
        )
        .unwrap();
    run.drain();
    assert_eq!(ops_of(&run.sent_tcap()), vec![35]);
    assert!(matches!(
        run.engine.command(
            Duration::from_secs(72),
            call,
            Command::ApplyCharging { grant_secs: 0 }
        ),
        Err(CommandError::Invalid { .. })
    ));
}

#[test]
fn charge_extend_needs_a_charged_call() {
    let mut run = Run::new(config());
    let call = monitored(&mut run, None);
    assert!(matches!(
        run.engine.command(
            Duration::from_secs(13),
            call,
            Command::ApplyCharging { grant_secs: 30 }
        ),
        Err(CommandError::NotAllowed { .. })
    ));
}

#[test]
fn ssp_error_for_our_connect_releases_the_call() {
    let mut run = Run::new(config());
    let call = run.start(Variant::Cs1, 5);
    run.engine
        .command(
            Duration::ZERO,
            call,
            Command::TerminationAttempt {
                termination: Termination {
                    address_digits: Some("0049301234567".into()),
                    ..Default::default()
                },
                no_answer_secs: None,
            },
        )
        .unwrap();
    run.drain();
    run.sent.clear();
    // Within the invoke timer: CS-1 error 7 (missingParameter) for the Connect, invoke id 2.
    let error = Component::ReturnError(callctl_tcap::ReturnError {
        invoke_id: 2,
        error_code: callctl_tcap::Code::Local(7),
        parameter: None,
    });
    let msg = Message::continue_(
        TransactionId::from_u32(OTID),
        TransactionId::from_u32(call),
        None,
        vec![error],
    );
    run.receive(Duration::from_secs(11), &udt(12, msg.encode()));
    assert_eq!(
        ops_of(&run.sent_tcap()),
        vec![22],
        "ReleaseCall in a TC-END"
    );
    assert!(matches!(
        run.events.last(),
        Some(Event::Ended {
            reason: EndReason::OperationRefused { cause: 31 },
            ..
        })
    ));
    assert_eq!(run.engine.stats().operations_refused, 1);
    assert_eq!(run.engine.dialogue_count(), 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Random bytes, and random damage to a valid Begin, never panic and never leave a
    /// dialogue without a call or a deadline.
    #[test]
    fn arbitrary_input_is_answered_or_dropped(
        noise in proptest::collection::vec(any::<u8>(), 0..300),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4),
    ) {
        let mut run = Run::new(config());
        run.engine.receive(Duration::ZERO, Incoming { opc: 1, dpc: 2, sls: 0, data: &noise });
        let mut damaged = begin(Variant::Cs1, 1, 12);
        for (at, value) in flips {
            let n = damaged.len();
            damaged[at % n] = value;
        }
        run.engine.receive(Duration::ZERO, Incoming { opc: 1, dpc: 2, sls: 0, data: &damaged });
        while run.engine.poll_output().is_some() {}
        prop_assert!(run.engine.dialogue_count() <= run.engine.call_count());
        run.engine.poll(Duration::from_secs(10));
        while run.engine.poll_output().is_some() {}
        prop_assert_eq!(run.engine.call_count(), 0);
        prop_assert_eq!(run.engine.dialogue_count(), 0);
    }
}
