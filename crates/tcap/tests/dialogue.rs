//! The Q.774 sublayers (`TcapEndpoint`) on virtual time. Messages from the peer are encoded by
//! pycrate (tests/pycrate_tcap.py, mode `peer`), or derived from pycrate's bytes by breaking
//! them on purpose; what the endpoint sends is decoded by pycrate (mode `decode`) and compared
//! with the expected one-line summary.
//!
//! Needs python3 with pycrate (`pip install pycrate`).

mod common;
use callctl_tcap::*;
use common::*;
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;
use std::time::Duration;

/// The peer's SCCP address stand-in.
const PEER: u32 = 7;
/// The peer's transaction id in every pycrate message.
const PEER_TID: u32 = 0x0a0b0c0d;

/// Bytes pycrate encoded for `name` (see `PEER` in tests/pycrate_tcap.py).
fn peer(name: &str) -> Vec<u8> {
    static MESSAGES: OnceLock<HashMap<String, Vec<u8>>> = OnceLock::new();
    let map = MESSAGES.get_or_init(|| {
        pycrate("peer", "")
            .lines()
            .map(|l| {
                let (n, h) = l.split_once(' ').expect("NAME HEX");
                (n.to_string(), unhex(h))
            })
            .collect()
    });
    map.get(name)
        .unwrap_or_else(|| panic!("pycrate has no message {name}"))
        .clone()
}

/// pycrate's summary of each of our encodings.
fn pycrate_view(messages: &[&[u8]]) -> Vec<String> {
    let input: String = messages
        .iter()
        .enumerate()
        .map(|(i, m)| format!("m{i} {}\n", hex(m)))
        .collect();
    pycrate("decode", &input)
        .lines()
        .map(|l| l.split_once('|').expect("NAME|SUMMARY").1.to_string())
        .collect()
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

struct Run {
    ep: TcapEndpoint<u32>,
    now: Duration,
}

impl Run {
    fn new() -> Self {
        Run::with(EndpointConfig::default())
    }

    fn with(config: EndpointConfig) -> Self {
        Run {
            ep: TcapEndpoint::new(config),
            now: secs(1.0),
        }
    }

    fn drain(&mut self) -> Vec<Action<u32>> {
        std::iter::from_fn(|| self.ep.poll_action()).collect()
    }

    fn rx(&mut self, name: &str) -> Vec<Action<u32>> {
        self.rx_bytes(&peer(name))
    }

    fn rx_bytes(&mut self, bytes: &[u8]) -> Vec<Action<u32>> {
        self.ep.receive(self.now, PEER, bytes);
        self.drain()
    }

    fn at(&mut self, s: f64) -> Vec<Action<u32>> {
        self.now = secs(s);
        self.ep.poll(self.now);
        self.drain()
    }

    /// Receives pycrate's Begin and returns the new dialogue.
    fn begin(&mut self, name: &str) -> DialogueId {
        match one_indication(self.rx(name)) {
            Indication::Begin { dialogue, .. } => dialogue,
            other => panic!("{other:?}"),
        }
    }

    /// Begin from the peer, answered with a Continue carrying `invokes`: an active dialogue.
    fn active(&mut self, invokes: &[InvokeRequest]) -> (DialogueId, Transmit<u32>) {
        let d = self.begin("begin_cap_idp");
        for i in invokes {
            self.ep.invoke(d, i.clone()).unwrap();
        }
        self.ep
            .continue_(self.now, d, DialogueRequest::default())
            .unwrap();
        let sent = one_send(self.drain());
        (d, sent)
    }

    fn continue_(&mut self, d: DialogueId) -> Transmit<u32> {
        self.ep
            .continue_(self.now, d, DialogueRequest::default())
            .unwrap();
        one_send(self.drain())
    }
}

fn one_send(actions: Vec<Action<u32>>) -> Transmit<u32> {
    match <[Action<u32>; 1]>::try_from(actions) {
        Ok([Action::Send(t)]) => t,
        Ok(other) => panic!("expected one message to send, got {other:?}"),
        Err(other) => panic!("expected one message to send, got {other:?}"),
    }
}

fn one_indication(actions: Vec<Action<u32>>) -> Indication {
    match <[Action<u32>; 1]>::try_from(actions) {
        Ok([Action::Indication(i)]) => i,
        Ok(other) => panic!("expected one indication, got {other:?}"),
        Err(other) => panic!("expected one indication, got {other:?}"),
    }
}

fn components_of(indication: Indication) -> Vec<ComponentIndication> {
    match indication {
        Indication::Begin { components, .. }
        | Indication::Continue { components, .. }
        | Indication::End { components, .. }
        | Indication::Unidirectional { components, .. } => components,
        other => panic!("no components in {other:?}"),
    }
}

fn invoke(op: i64, class: OperationClass, timeout: f64) -> InvokeRequest {
    InvokeRequest::local(op, None, class, secs(timeout))
}

fn local_reject(id: InvokeId, problem: Problem) -> ComponentIndication {
    ComponentIndication::LocalReject {
        reject: Reject {
            invoke_id: Some(id),
            problem,
        },
        queued: true,
    }
}

fn user_info() -> External {
    External::single(
        Oid::new(&[0, 4, 0, 0, 1, 1, 1, 1]).unwrap(),
        p(&[0x0a, 0x01, 0x03]),
    )
}

const CAP_AC: &str = "0.4.0.0.1.0.50.1";
const INAP_AC: &str = "0.4.0.1.1.1.0.0";

#[test]
fn happy_path_begin_continue_end() {
    let mut run = Run::new();
    let Indication::Begin {
        dialogue: d,
        application_context,
        user_information,
        components,
    } = one_indication(run.rx("begin_cap_idp"))
    else {
        panic!()
    };
    assert_eq!(d.as_u32(), 1);
    assert_eq!(application_context, Some(cap()));
    assert!(user_information.is_empty());
    assert_eq!(
        components,
        vec![ComponentIndication::Invoke(Invoke {
            invoke_id: 1,
            linked_id: None,
            opcode: Code::Local(0),
            parameter: Some(p(&[0x30, 0x03, 0x80, 0x01, 0x01])),
        })]
    );
    assert_eq!(run.ep.state(d), Some(DialogueState::InitiationReceived));

    // RequestReportBCSMEvent (class 2) and Continue (class 4), then TC-CONTINUE.
    let rrbe = InvokeRequest::local(23, Some(p(RRBE)), OperationClass::Class2, secs(10.0));
    assert_eq!(run.ep.invoke(d, rrbe).unwrap(), 1);
    assert_eq!(
        run.ep
            .invoke(d, invoke(31, OperationClass::Class4, 5.0))
            .unwrap(),
        2
    );
    let sent = run.continue_(d);
    assert_eq!(sent.to, PEER);
    assert_eq!(sent.dialogue, Some(d));
    assert_eq!(run.ep.state(d), Some(DialogueState::Active));
    assert_eq!(run.ep.remote_id(d), Some(t(PEER_TID)));
    assert_eq!(run.ep.next_deadline(), Some(secs(6.0)));

    run.now = secs(2.0);
    let Indication::Continue {
        dialogue,
        application_context,
        components,
        ..
    } = one_indication(run.rx("continue_erb"))
    else {
        panic!()
    };
    assert_eq!((dialogue, application_context), (d, None));
    assert!(
        matches!(&components[..], [ComponentIndication::Invoke(i)] if i.opcode == Code::Local(24) && i.invoke_id == 2)
    );

    // ReleaseCall in a basic End.
    run.ep
        .invoke(
            d,
            InvokeRequest::local(
                22,
                Some(p(&[0x04, 0x02, 0x80, 0x90])),
                OperationClass::Class4,
                secs(5.0),
            ),
        )
        .unwrap();
    run.ep
        .end(run.now, d, Termination::Basic, DialogueRequest::default())
        .unwrap();
    let end = one_send(run.drain());
    assert_eq!(run.ep.dialogue_count(), 0);
    assert_eq!(run.ep.next_deadline(), None, "timers go with the dialogue");
    assert!(run.at(100.0).is_empty());

    let rrbe_hex = hex(&RRBE[2..]);
    assert_eq!(
        pycrate_view(&[&sent.bytes, &end.bytes]),
        [
            format!("continue;otid=00000001;dtid=0a0b0c0d;dlg=dialogueResponse:{CAP_AC}:r0:u0;comps=invoke:1::L23:0116:{rrbe_hex},invoke:2::L31"),
            "end;dtid=0a0b0c0d;comps=invoke:3::L22:004:8090".to_string(),
        ]
    );
}

#[test]
fn aare_content_of_the_first_answer() {
    let mut sent = Vec::new();

    // The responder accepts with another application context than proposed.
    let mut run = Run::new();
    let d = run.begin("begin_inap_idp");
    run.ep
        .continue_(
            run.now,
            d,
            DialogueRequest {
                application_context: Some(cap()),
                user_information: vec![],
            },
        )
        .unwrap();
    sent.push(one_send(run.drain()).bytes);
    assert_eq!(run.ep.application_context(d), Some(&cap()));
    // Later messages carry no dialogue portion.
    sent.push(run.continue_(d).bytes);

    // The first answer is an End: it carries the AARE.
    let mut run = Run::new();
    let d = run.begin("begin_cap_idp");
    run.ep
        .end(run.now, d, Termination::Basic, DialogueRequest::default())
        .unwrap();
    sent.push(one_send(run.drain()).bytes);

    // Refusals: application context not supported (naming another), no reason given.
    let mut run = Run::new();
    let d = run.begin("begin_cap_idp");
    let abort = |reason| UserAbortRequest {
        reason,
        user_information: vec![],
    };
    run.ep
        .user_abort(
            run.now,
            d,
            abort(UserAbortReason::ApplicationContextNotSupported {
                alternative: Some(inap()),
            }),
        )
        .unwrap();
    sent.push(one_send(run.drain()).bytes);
    assert_eq!(run.ep.dialogue_count(), 0);
    let d = run.begin("begin_cap_idp");
    run.ep
        .user_abort(run.now, d, abort(UserAbortReason::DialogueRefused))
        .unwrap();
    sent.push(one_send(run.drain()).bytes);

    // Provider refusals need no user: a protocol version we do not share, and a Begin
    // carrying something else than an AARQ.
    let mut run = Run::new();
    sent.push(one_send(run.rx("begin_version2_only")).bytes);
    sent.push(one_send(run.rx("begin_aare")).bytes);
    assert_eq!(run.ep.dialogue_count(), 0);

    // No dialogue portion in the Begin: none in the answer.
    let d = run.begin("begin_no_dialogue");
    assert_eq!(run.ep.application_context(d), None);
    sent.push(run.continue_(d).bytes);

    let refs: Vec<&[u8]> = sent.iter().map(|b| &b[..]).collect();
    assert_eq!(
        pycrate_view(&refs),
        [
            format!("continue;otid=00000001;dtid=0a0b0c0d;dlg=dialogueResponse:{CAP_AC}:r0:u0"),
            "continue;otid=00000001;dtid=0a0b0c0d".to_string(),
            format!("end;dtid=0a0b0c0d;dlg=dialogueResponse:{CAP_AC}:r0:u0"),
            format!("abort;dtid=0a0b0c0d;dlg=dialogueResponse:{INAP_AC}:r1:u2"),
            format!("abort;dtid=0a0b0c0d;dlg=dialogueResponse:{CAP_AC}:r1:u1"),
            format!("abort;dtid=0a0b0c0d;dlg=dialogueResponse:{CAP_AC}:r1:p2"),
            "abort;dtid=0a0b0c0d;dlg=dialogueAbort:s1".to_string(),
            "continue;otid=00000001;dtid=0a0b0c0d".to_string(),
        ]
    );
}

#[test]
fn unknown_transaction_id_gets_p_abort() {
    let mut run = Run::new();
    let mut sent = Vec::new();
    for name in ["continue_unknown", "continue_short_dtid"] {
        let abort = one_send(run.rx(name));
        assert_eq!(abort.to, PEER);
        assert_eq!(abort.dialogue, None);
        assert_eq!(
            abort.message,
            Message::p_abort(t(PEER_TID), PAbortCause::UnrecognizedTransactionId)
        );
        sent.push(abort.bytes);
    }
    // Nobody to answer for an End or an Abort.
    assert!(run.rx("end_unknown").is_empty());
    assert!(run.rx("abort_unknown").is_empty());

    // A dialogue that has not answered its Begin has told nobody its id.
    let d = run.begin("begin_cap_idp");
    let abort = one_send(run.rx("continue_erb"));
    assert_eq!(
        abort.message,
        Message::p_abort(t(PEER_TID), PAbortCause::UnrecognizedTransactionId)
    );
    assert_eq!(run.ep.state(d), Some(DialogueState::InitiationReceived));

    // After release the id is unknown again.
    run.continue_(d);
    run.ep
        .end(run.now, d, Termination::Basic, DialogueRequest::default())
        .unwrap();
    run.drain();
    assert_eq!(one_send(run.rx("continue_erb")).message, abort.message);

    let refs: Vec<&[u8]> = sent.iter().map(|b| &b[..]).collect();
    assert_eq!(pycrate_view(&refs), ["abort;dtid=0a0b0c0d;pabort=1"; 2]);
}

#[test]
fn bad_transaction_portion_gets_p_abort_with_its_cause() {
    use PAbortCause::*;
    let mut run = Run::new();
    let begin = peer("begin_cap_idp");

    // Bytes after the message, and a truncated message: badlyFormattedTransactionPortion to
    // the otid that could still be read.
    let mut trailing = begin.clone();
    trailing.push(0x00);
    let truncated = &begin[..begin.len() - 3];
    // An unknown message type ([APPLICATION 3]) with an otid.
    let unknown_type = unhex("6306 48040a0b0c0d");
    for (bytes, cause) in [
        (&trailing[..], BadlyFormattedTransactionPortion),
        (truncated, BadlyFormattedTransactionPortion),
        (&unknown_type[..], UnrecognizedMessageType),
    ] {
        let abort = one_send(run.rx_bytes(bytes));
        assert_eq!(abort.message, Message::p_abort(t(PEER_TID), cause));
    }
    // A Begin without otid: incorrect, but there is nobody to answer.
    assert!(run.rx_bytes(&unhex("6207 6c05a203020101")).is_empty());
    assert_eq!(run.ep.dialogue_count(), 0);

    // A broken Continue naming a live dialogue ends it: P-Abort to the peer, TC-P-ABORT.
    let (d, _) = run.active(&[]);
    let mut broken = peer("continue_erb");
    broken.push(0x00);
    let actions = run.rx_bytes(&broken);
    let [Action::Send(abort), Action::Indication(ind)] = &actions[..] else {
        panic!("{actions:?}")
    };
    assert_eq!(abort.dialogue, Some(d));
    assert_eq!(
        abort.message,
        Message::p_abort(t(PEER_TID), BadlyFormattedTransactionPortion)
    );
    assert_eq!(
        *ind,
        Indication::ProviderAbort {
            dialogue: d,
            cause: ProviderAbortCause::Transaction(BadlyFormattedTransactionPortion)
        }
    );
    assert_eq!(run.ep.dialogue_count(), 0);

    // An otid of 5 octets in a Continue to a live dialogue: the Abort goes to the id the
    // dialogue knows.
    let (d, _) = run.active(&[]);
    let bad_otid = unhex(&format!("650d 48050a0b0c0d0e 4904{:08x}", d.as_u32()));
    let actions = run.rx_bytes(&bad_otid);
    let [Action::Send(abort2), Action::Indication(_)] = &actions[..] else {
        panic!("{actions:?}")
    };
    assert_eq!(abort2.message, abort.message);

    assert_eq!(
        pycrate_view(&[&abort.bytes]),
        ["abort;dtid=0a0b0c0d;pabort=2"]
    );
}

#[test]
fn invoke_timer_expiry_per_class() {
    use OperationClass::*;
    for class in [Class1, Class2, Class3, Class4] {
        let mut run = Run::new();
        let d = run.begin("begin_cap_idp");
        // Queued at 1 s, sent at 3 s: the timer runs from the sending.
        assert_eq!(run.ep.invoke(d, invoke(23, class, 10.0)).unwrap(), 1);
        assert_eq!(run.ep.next_deadline(), None);
        run.now = secs(3.0);
        run.continue_(d);
        assert_eq!(run.ep.next_deadline(), Some(secs(13.0)), "{class:?}");
        assert!(run.at(12.999).is_empty());
        assert_eq!(
            one_indication(run.at(13.0)),
            Indication::Cancel {
                dialogue: d,
                invoke_id: 1,
                operation: Code::Local(23),
                class
            }
        );
        assert_eq!(run.ep.next_deadline(), None);
        assert!(run.ep.outstanding_invokes(d).is_empty());
        // A late result is for an invocation that no longer exists.
        assert_eq!(
            components_of(one_indication(run.rx("continue_rrl1"))),
            [local_reject(
                1,
                Problem::ReturnResult(ReturnResultProblem::UnrecognizedInvokeId)
            )],
            "{class:?}"
        );
        assert_eq!(run.ep.state(d), Some(DialogueState::Active));
    }

    // TC-TIMER-RESET restarts a running timer; TC-U-CANCEL stops it without indication.
    let mut run = Run::new();
    let d = run.begin("begin_cap_idp");
    run.ep.invoke(d, invoke(23, Class1, 10.0)).unwrap();
    run.ep.invoke(d, invoke(24, Class1, 10.0)).unwrap();
    run.continue_(d);
    run.ep.reset_timer(secs(5.0), d, 1).unwrap();
    run.ep.cancel(d, 2).unwrap();
    assert_eq!(run.ep.next_deadline(), Some(secs(15.0)));
    assert!(run.at(14.0).is_empty());
    assert!(matches!(
        one_indication(run.at(15.0)),
        Indication::Cancel { invoke_id: 1, .. }
    ));
}

#[test]
fn results_and_errors_match_outstanding_invokes_by_class() {
    use OperationClass::*;
    use ReturnErrorProblem as E;
    use ReturnResultProblem as R;
    // One invocation of each class, answered in one Continue.
    let mut run = Run::new();
    let (d, _) = run.active(&[
        invoke(9, Class1, 10.0),
        invoke(10, Class2, 10.0),
        invoke(11, Class3, 10.0),
        invoke(12, Class1, 10.0),
    ]);
    let got = components_of(one_indication(run.rx("continue_results")));
    let rr = |last| ReturnResult {
        invoke_id: 1,
        last,
        result: Some((Code::Local(9), p(&[0x30, 0x00]))),
    };
    assert_eq!(
        got,
        [
            ComponentIndication::Result {
                result: rr(false),
                operation: Code::Local(9)
            },
            ComponentIndication::Result {
                result: rr(true),
                operation: Code::Local(9)
            },
            local_reject(2, Problem::ReturnResult(R::ReturnResultUnexpected)),
            local_reject(3, Problem::ReturnError(E::ReturnErrorUnexpected)),
            ComponentIndication::Error {
                error: ReturnError {
                    invoke_id: 4,
                    error_code: Code::Local(7),
                    parameter: None
                },
                operation: Code::Local(12)
            },
        ]
    );
    assert!(run.ep.outstanding_invokes(d).is_empty());
    assert_eq!(run.ep.next_deadline(), None);
    let rejects = run.continue_(d);
    assert_eq!(
        pycrate_view(&[&rejects.bytes]),
        ["continue;otid=00000001;dtid=0a0b0c0d;comps=reject:2:returnResult:1,reject:3:returnError:1"]
    );

    // Every class against a result and an error.
    for (class, message, accepted) in [
        (Class1, "continue_rrl1", true),
        (Class1, "continue_rerr1", true),
        (Class2, "continue_rrl1", false),
        (Class2, "continue_rerr1", true),
        (Class3, "continue_rrl1", true),
        (Class3, "continue_rerr1", false),
        (Class4, "continue_rrl1", false),
        (Class4, "continue_rerr1", false),
    ] {
        let mut run = Run::new();
        let (d, _) = run.active(&[invoke(5, class, 10.0)]);
        let got = components_of(one_indication(run.rx(message)));
        let is_result = message == "continue_rrl1";
        let want = match (accepted, is_result) {
            (true, true) => ComponentIndication::Result {
                result: ReturnResult {
                    invoke_id: 1,
                    last: true,
                    result: None,
                },
                operation: Code::Local(5),
            },
            (true, false) => ComponentIndication::Error {
                error: ReturnError {
                    invoke_id: 1,
                    error_code: Code::Local(7),
                    parameter: None,
                },
                operation: Code::Local(5),
            },
            (false, true) => local_reject(1, Problem::ReturnResult(R::ReturnResultUnexpected)),
            (false, false) => local_reject(1, Problem::ReturnError(E::ReturnErrorUnexpected)),
        };
        assert_eq!(got, [want], "{class:?} {message}");
        assert!(run.ep.outstanding_invokes(d).is_empty());
    }

    // A Reject of our invocation ends it.
    let mut run = Run::new();
    let (d, _) = run.active(&[invoke(5, Class1, 10.0)]);
    let reject = Message::continue_(
        t(PEER_TID),
        d.transaction_id(),
        None,
        vec![Component::reject(
            Some(1),
            Problem::Invoke(InvokeProblem::MistypedParameter),
        )],
    );
    let got = components_of(one_indication(run.rx_bytes(&reject.encode())));
    assert!(matches!(got[..], [ComponentIndication::Reject(_)]));
    assert!(run.ep.outstanding_invokes(d).is_empty());
}

#[test]
fn unknown_invoke_ids_and_bad_components_are_rejected() {
    use ReturnErrorProblem as E;
    use ReturnResultProblem as R;
    let mut run = Run::new();
    let (d, _) = run.active(&[invoke(23, OperationClass::Class1, 10.0)]);

    // Results for invocations that do not exist.
    assert_eq!(
        components_of(one_indication(run.rx("continue_unknown_ids"))),
        [
            local_reject(9, Problem::ReturnResult(R::UnrecognizedInvokeId)),
            local_reject(9, Problem::ReturnError(E::UnrecognizedInvokeId)),
        ]
    );
    // A linked invoke must name one of our outstanding invocations.
    let got = components_of(one_indication(run.rx("continue_linked")));
    assert!(matches!(&got[0], ComponentIndication::Invoke(i) if i.invoke_id == 5));
    assert_eq!(
        got[1],
        local_reject(6, Problem::Invoke(InvokeProblem::UnrecognizedLinkedId))
    );
    // pycrate's Continue with the component tag made unknown ([CONTEXT 9]): the codec's
    // classification becomes a general-problem Reject.
    let erb = peer("continue_erb");
    let at = erb
        .windows(4)
        .position(|w| w == [0x6c, 0x0f, 0xa1, 0x0d])
        .unwrap();
    let mut bad = erb.clone();
    bad[at + 2] = 0xa9;
    assert_eq!(
        components_of(one_indication(run.rx_bytes(&bad))),
        [local_reject(
            2,
            Problem::General(GeneralProblem::UnrecognizedComponent)
        )]
    );

    // The queued Rejects go with the next message.
    run.ep
        .end(run.now, d, Termination::Basic, DialogueRequest::default())
        .unwrap();
    let end = one_send(run.drain());
    assert_eq!(
        pycrate_view(&[&end.bytes]),
        ["end;dtid=0a0b0c0d;comps=reject:9:returnResult:0,reject:9:returnError:0,reject:6:invoke:5,reject:2:general:0"]
    );

    // In an End, nothing can be sent back: the reject is only indicated.
    let mut run = Run::new();
    let _ = run.active(&[]);
    assert_eq!(
        components_of(one_indication(run.rx("end_rrl1"))),
        [ComponentIndication::LocalReject {
            reject: Reject {
                invoke_id: Some(1),
                problem: Problem::ReturnResult(R::UnrecognizedInvokeId)
            },
            queued: false
        }]
    );
}

#[test]
fn user_abort_with_user_information_and_received_aborts() {
    let mut sent = Vec::new();
    let request = UserAbortRequest {
        reason: UserAbortReason::UserSpecific,
        user_information: vec![user_info()],
    };
    // Structured dialogue: ABRT with the user information.
    let mut run = Run::new();
    let (d, _) = run.active(&[]);
    run.ep.user_abort(run.now, d, request.clone()).unwrap();
    sent.push(one_send(run.drain()).bytes);
    assert_eq!(run.ep.dialogue_count(), 0);
    // No dialogue portion: the user information goes bare.
    let d = run.begin("begin_no_dialogue");
    run.ep.user_abort(run.now, d, request.clone()).unwrap();
    sent.push(one_send(run.drain()).bytes);
    let refs: Vec<&[u8]> = sent.iter().map(|b| &b[..]).collect();
    assert_eq!(
        pycrate_view(&refs),
        [
            "abort;dtid=0a0b0c0d;dlg=dialogueAbort:s0:ui=0.4.0.0.1.1.1.1/single/0010:03",
            "abort;dtid=0a0b0c0d;userinfo=0.4.0.0.1.1.1.1/single/0010:03"
        ]
    );

    // Aborts from the peer.
    for (name, want) in [
        (
            "abort_abrt_user_info",
            Some((UserAbortCause::Abrt, vec![user_info()])),
        ),
        (
            "abort_bare",
            Some((UserAbortCause::Information, vec![user_info()])),
        ),
        ("abort_empty", Some((UserAbortCause::Empty, vec![]))),
        ("abort_abrt_provider", None),
    ] {
        let mut run = Run::new();
        let (d, _) = run.active(&[invoke(1, OperationClass::Class1, 10.0)]);
        let got = one_indication(run.rx(name));
        let expected = match want {
            Some((cause, user_information)) => Indication::UserAbort {
                dialogue: d,
                cause,
                user_information,
            },
            None => Indication::ProviderAbort {
                dialogue: d,
                cause: ProviderAbortCause::AbnormalDialogue,
            },
        };
        assert_eq!(got, expected, "{name}");
        assert_eq!(run.ep.dialogue_count(), 0);
        assert_eq!(run.ep.next_deadline(), None);
    }
    let mut run = Run::new();
    let (d, _) = run.active(&[]);
    assert_eq!(
        one_indication(run.rx("abort_p_abort")),
        Indication::ProviderAbort {
            dialogue: d,
            cause: ProviderAbortCause::Transaction(PAbortCause::ResourceLimitation)
        }
    );
}

#[test]
fn prearranged_end_sends_nothing() {
    let mut run = Run::new();
    let (d, _) = run.active(&[invoke(23, OperationClass::Class1, 10.0)]);
    run.ep
        .invoke(d, invoke(31, OperationClass::Class4, 10.0))
        .unwrap();
    run.ep
        .end(
            run.now,
            d,
            Termination::Prearranged,
            DialogueRequest::default(),
        )
        .unwrap();
    assert!(run.drain().is_empty());
    assert_eq!(run.ep.dialogue_count(), 0);
    assert_eq!(run.ep.next_deadline(), None);
    assert!(run.at(60.0).is_empty());
    assert_eq!(
        run.ep.continue_(run.now, d, DialogueRequest::default()),
        Err(RequestError::UnknownDialogue)
    );
    // The peer's next message finds no transaction.
    assert_eq!(
        one_send(run.rx("continue_erb")).message,
        Message::p_abort(t(PEER_TID), PAbortCause::UnrecognizedTransactionId)
    );
}

#[test]
fn dialogue_limit_gives_resource_limitation() {
    let mut run = Run::with(EndpointConfig {
        max_dialogues: 2,
        ..EndpointConfig::default()
    });
    let first = run.begin("begin_cap_idp");
    let _second = run.begin("begin_cap_idp");
    let abort = one_send(run.rx("begin_cap_idp"));
    assert_eq!(abort.dialogue, None);
    assert_eq!(
        pycrate_view(&[&abort.bytes]),
        ["abort;dtid=0a0b0c0d;pabort=4"]
    );
    assert_eq!(run.ep.dialogue_count(), 2);
    assert_eq!(
        run.ep.new_dialogue(9),
        Err(RequestError::ResourceLimitation)
    );
    // Room again once one is released.
    run.ep
        .end(
            run.now,
            first,
            Termination::Prearranged,
            DialogueRequest::default(),
        )
        .unwrap();
    run.begin("begin_cap_idp");
}

#[test]
fn transaction_ids_unique_while_live_and_reused_after_release() {
    // A space of four ids (30 shard bits).
    let mut run = Run::with(EndpointConfig {
        id_space: IdSpace::sharded(0, 30).unwrap(),
        max_dialogues: 1000,
    });
    let ids: Vec<u32> = (0..4)
        .map(|_| run.begin("begin_cap_idp").as_u32())
        .collect();
    assert_eq!(ids, [1, 2, 3, 0]);
    // Full: resource limitation, for the peer and for the local user.
    assert_eq!(
        one_send(run.rx("begin_cap_idp")).message,
        Message::p_abort(t(PEER_TID), PAbortCause::ResourceLimitation)
    );
    assert_eq!(
        run.ep.new_dialogue(9),
        Err(RequestError::ResourceLimitation)
    );
    end_prearranged(&mut run, 2);
    assert_eq!(run.begin("begin_cap_idp").as_u32(), 2);
    end_prearranged(&mut run, 3);
    end_prearranged(&mut run, 1);
    assert_eq!(run.begin("begin_cap_idp").as_u32(), 3);
    assert_eq!(run.ep.new_dialogue(9).unwrap().as_u32(), 1);

    // Many live dialogues, all distinct.
    let mut run = Run::new();
    let ids: BTreeSet<u32> = (0..1000)
        .map(|_| run.begin("begin_cap_idp").as_u32())
        .collect();
    assert_eq!(ids.len(), 1000);

    // Invoke ids: 256 outstanding at most, unique, and reused once answered.
    let mut run = Run::new();
    let d = run.begin("begin_cap_idp");
    let ids: BTreeSet<InvokeId> = (0..256)
        .map(|_| {
            run.ep
                .invoke(d, invoke(23, OperationClass::Class1, 10.0))
                .unwrap()
        })
        .collect();
    assert_eq!(ids.len(), 256);
    assert_eq!(
        run.ep.invoke(d, invoke(23, OperationClass::Class1, 10.0)),
        Err(RequestError::NoInvokeId)
    );
    run.continue_(d);
    assert!(matches!(
        components_of(one_indication(run.rx("continue_rrl1")))[..],
        [ComponentIndication::Result { .. }]
    ));
    assert_eq!(
        run.ep.invoke(d, invoke(23, OperationClass::Class1, 10.0)),
        Ok(1)
    );
}

fn end_prearranged(run: &mut Run, id: u32) {
    let d = run.begin_id(id);
    run.ep
        .end(
            run.now,
            d,
            Termination::Prearranged,
            DialogueRequest::default(),
        )
        .unwrap();
}

impl Run {
    /// The live dialogue with local id `id`.
    fn begin_id(&self, id: u32) -> DialogueId {
        let d = TransactionId::from_u32(id);
        assert!(self.ep.state(dialogue_id(&d)).is_some(), "{id} not live");
        dialogue_id(&d)
    }
}

fn dialogue_id(t: &TransactionId) -> DialogueId {
    DialogueId::from_transaction_id(t).unwrap()
}

#[test]
fn shard_prefixed_transaction_ids() {
    assert_eq!(IdSpace::sharded(256, 8), None);
    assert_eq!(IdSpace::sharded(0, 32), None);
    let space = IdSpace::sharded(5, 8).unwrap();
    let mut run = Run::with(EndpointConfig {
        id_space: space,
        max_dialogues: 10,
    });
    let d = run.begin("begin_cap_idp");
    assert_eq!(d.as_u32(), 0x0500_0001);
    let sent = run.continue_(d);
    let otid = sent.message.otid().unwrap();
    assert_eq!(otid.as_bytes(), [5, 0, 0, 1]);
    // A router needs only the number of prefix bits.
    assert_eq!(IdSpace::shard_of(8, &otid), Some(5));
    assert!(space.contains(&otid));
    assert_eq!(
        IdSpace::shard_of(8, &TransactionId::new(&[5]).unwrap()),
        None
    );
    assert_eq!(
        pycrate_view(&[&sent.bytes]),
        [format!(
            "continue;otid=05000001;dtid=0a0b0c0d;dlg=dialogueResponse:{CAP_AC}:r0:u0"
        )]
    );
    // pycrate's Continue readdressed to the sharded id reaches the dialogue.
    let mut erb = peer("continue_erb");
    let at = erb
        .windows(6)
        .position(|w| w == [0x49, 0x04, 0, 0, 0, 1])
        .unwrap();
    erb[at + 2] = 5;
    assert!(matches!(
        one_indication(run.rx_bytes(&erb)),
        Indication::Continue { dialogue, .. } if dialogue == d
    ));
}

#[test]
fn initiating_side() {
    // Begin with AARQ, answered by a Continue with AARE from another address.
    let mut run = Run::new();
    let d = run.ep.new_dialogue(9).unwrap();
    assert_eq!(run.ep.state(d), Some(DialogueState::Idle));
    run.ep
        .invoke(
            d,
            InvokeRequest::local(0, Some(p(IDP)), OperationClass::Class1, secs(10.0)),
        )
        .unwrap();
    assert_eq!(
        run.ep.continue_(run.now, d, DialogueRequest::default()),
        Err(RequestError::WrongState {
            request: "TC-CONTINUE",
            state: DialogueState::Idle
        })
    );
    run.ep
        .begin(
            run.now,
            d,
            DialogueRequest {
                application_context: Some(cap()),
                user_information: vec![],
            },
        )
        .unwrap();
    let begin = one_send(run.drain());
    assert_eq!(begin.to, 9);
    assert_eq!(run.ep.state(d), Some(DialogueState::InitiationSent));
    assert_eq!(
        pycrate_view(&[&begin.bytes]),
        [format!(
            "begin;otid=00000001;dlg=dialogueRequest:{CAP_AC};comps=invoke:1::L0:0116:800101"
        )]
    );
    let Indication::Continue {
        application_context,
        components,
        ..
    } = one_indication(run.rx("continue_aare_cap"))
    else {
        panic!()
    };
    assert_eq!(application_context, Some(cap()));
    assert!(matches!(
        &components[..],
        [ComponentIndication::Result {
            operation: Code::Local(0),
            ..
        }]
    ));
    assert_eq!(run.ep.state(d), Some(DialogueState::Active));
    assert_eq!(run.ep.remote_id(d), Some(t(PEER_TID)));
    // From now on the peer's answering address is used.
    assert_eq!(run.continue_(d).to, PEER);

    // The responder's possible answers to our Begin.
    let accepted_end = |ind: &Indication| {
        matches!(ind, Indication::End { application_context: Some(ac), components, .. }
            if *ac == cap() && matches!(components[..], [ComponentIndication::Result { .. }]))
    };
    let refused = |ind: &Indication| {
        matches!(ind, Indication::UserAbort { cause: UserAbortCause::Refused {
            application_context, diagnostic: UserDiagnostic::ApplicationContextNameNotSupported
        }, .. } if *application_context == cap())
    };
    let no_common = |ind: &Indication| {
        matches!(
            ind,
            Indication::ProviderAbort {
                cause: ProviderAbortCause::Refused(ProviderDiagnostic::NoCommonDialoguePortion),
                ..
            }
        )
    };
    type Check = fn(&Indication) -> bool;
    let cases: [(&str, Check); 3] = [
        ("end_aare_cap", accepted_end),
        ("abort_aare_refused", refused),
        ("abort_aare_no_common", no_common),
    ];
    for (name, check) in cases {
        let mut run = initiated();
        let ind = one_indication(run.rx(name));
        assert!(check(&ind), "{name}: {ind:?}");
        assert_eq!(run.ep.dialogue_count(), 0, "{name}");
        assert_eq!(run.ep.next_deadline(), None, "{name}");
    }

    // A Continue without the AARE we asked for: the dialogue is abnormal.
    let mut run = initiated();
    let actions = run.rx("continue_no_aare");
    let [Action::Send(abort), Action::Indication(ind)] = &actions[..] else {
        panic!("{actions:?}")
    };
    assert_eq!(
        pycrate_view(&[&abort.bytes]),
        ["abort;dtid=0a0b0c0d;dlg=dialogueAbort:s1"]
    );
    assert!(matches!(
        ind,
        Indication::ProviderAbort {
            cause: ProviderAbortCause::AbnormalDialogue,
            ..
        }
    ));

    // TC-U-ABORT before any answer: the peer's id is unknown, nothing is sent.
    let mut run = initiated();
    let d = run.begin_id(1);
    run.ep
        .user_abort(
            run.now,
            d,
            UserAbortRequest {
                reason: UserAbortReason::UserSpecific,
                user_information: vec![],
            },
        )
        .unwrap();
    assert!(run.drain().is_empty());
    assert_eq!(run.ep.dialogue_count(), 0);
}

/// An endpoint with one dialogue (id 1) in `InitiationSent` (AARQ for CAP, one class 1 invoke).
fn initiated() -> Run {
    let mut run = Run::new();
    let d = run.ep.new_dialogue(9).unwrap();
    run.ep
        .invoke(d, invoke(0, OperationClass::Class1, 10.0))
        .unwrap();
    run.ep
        .begin(
            run.now,
            d,
            DialogueRequest {
                application_context: Some(cap()),
                user_information: vec![],
            },
        )
        .unwrap();
    one_send(run.drain());
    run
}

#[test]
fn bad_dialogue_portion_in_a_live_dialogue() {
    let mut run = Run::new();
    let (d, _) = run.active(&[invoke(23, OperationClass::Class1, 10.0)]);
    // pycrate's Continue with an AARE, its dialogue PDU tag changed to an unknown one.
    let mut bytes = peer("continue_aare_inap");
    let at = bytes
        .windows(3)
        .position(|w| w == [0x61, 0x1b, 0x80])
        .unwrap();
    bytes[at] = 0x6f;
    let actions = run.rx_bytes(&bytes);
    let [Action::Send(abort), Action::Indication(ind)] = &actions[..] else {
        panic!("{actions:?}")
    };
    assert_eq!(
        abort.message,
        Message::u_abort(t(PEER_TID), Some(Dialogue::abrt(AbortSource::Provider)))
    );
    assert_eq!(
        *ind,
        Indication::ProviderAbort {
            dialogue: d,
            cause: ProviderAbortCause::AbnormalDialogue
        }
    );
    assert_eq!(run.ep.next_deadline(), None);

    // A well-formed AARE once the dialogue is active is out of place too.
    let mut run = Run::new();
    let (d, _) = run.active(&[]);
    let actions = run.rx("continue_aare_inap");
    assert!(
        matches!(&actions[..], [Action::Send(_), Action::Indication(Indication::ProviderAbort { dialogue, .. })] if *dialogue == d),
        "{actions:?}"
    );
}

#[test]
fn notice_and_unidirectional() {
    let mut run = Run::new();
    let (d, sent) = run.active(&[]);
    run.ep.returned(&sent.bytes, 1);
    assert_eq!(
        one_indication(run.drain()),
        Indication::Notice {
            dialogue: d,
            cause: 1
        }
    );
    assert_eq!(run.ep.state(d), Some(DialogueState::Active));

    let got = one_indication(run.rx("unidirectional"));
    assert_eq!(
        got,
        Indication::Unidirectional {
            application_context: Some(cap()),
            components: vec![ComponentIndication::Invoke(Invoke {
                invoke_id: 1,
                linked_id: None,
                opcode: Code::Local(5),
                parameter: None
            })]
        }
    );
}

#[test]
fn queued_local_rejects_are_bounded_while_the_user_waits() {
    // A peer repeating answers to invocations that do not exist, while our user has nothing
    // to send, must not make the dialogue's component queue grow without bound.
    let mut run = Run::new();
    let (d, _) = run.active(&[]);
    let bogus = Message::continue_(
        t(PEER_TID),
        d.transaction_id(),
        None,
        vec![Component::ReturnResult(ReturnResult {
            invoke_id: 9,
            last: true,
            result: None,
        })],
    );
    let bytes = bogus.encode();
    let mut queued = 0;
    for _ in 0..(MAX_QUEUED_REJECTS + 100) {
        match &components_of(one_indication(run.rx_bytes(&bytes)))[..] {
            [ComponentIndication::LocalReject { queued: q, .. }] => queued += usize::from(*q),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(queued, MAX_QUEUED_REJECTS);
    let sent = run.continue_(d);
    assert_eq!(sent.message.components().len(), MAX_QUEUED_REJECTS);
    // Once sent, the room is free again.
    match &components_of(one_indication(run.rx_bytes(&bytes)))[..] {
        [ComponentIndication::LocalReject { queued, .. }] => assert!(queued),
        other => panic!("{other:?}"),
    }
}

#[test]
fn huge_invoke_timeouts_do_not_overflow() {
    // The timeout comes from the TC-user: `now` plus it must not overflow when the Invoke is
    // sent or its timer reset.
    let mut run = Run::new();
    let (d, _) = run.active(&[InvokeRequest::local(
        23,
        None,
        OperationClass::Class1,
        Duration::MAX,
    )]);
    assert_eq!(run.ep.next_deadline(), Some(Duration::MAX));
    let invoke_id = run.ep.outstanding_invokes(d)[0];
    run.ep.reset_timer(run.now, d, invoke_id).unwrap();
    assert_eq!(run.ep.next_deadline(), Some(Duration::MAX));
    assert!(run.at(1.0e9).is_empty());
}

#[test]
fn bad_dialogue_portion_in_the_first_answer_reaches_the_peer() {
    // Our Begin (AARQ) is answered by a Continue whose AARE cannot be decoded. The peer has
    // gone to Active with its otid, so it must get the ABRT (Q.774 §3.2.2.2), at the address
    // it answered from, like a Continue with a well-formed but wrong dialogue portion.
    let mut run = initiated();
    let mut bytes = peer("continue_aare_cap");
    let at = bytes
        .windows(3)
        .position(|w| w == [0x61, 0x1b, 0x80])
        .unwrap();
    bytes[at] = 0x6f;
    let actions = run.rx_bytes(&bytes);
    let [Action::Send(abort), Action::Indication(ind)] = &actions[..] else {
        panic!("{actions:?}")
    };
    assert_eq!(abort.to, PEER);
    assert_eq!(
        pycrate_view(&[&abort.bytes]),
        ["abort;dtid=0a0b0c0d;dlg=dialogueAbort:s1"]
    );
    assert!(matches!(
        ind,
        Indication::ProviderAbort {
            cause: ProviderAbortCause::AbnormalDialogue,
            ..
        }
    ));
    assert_eq!(run.ep.dialogue_count(), 0);
    assert_eq!(run.ep.next_deadline(), None);
}

#[test]
fn end_with_a_wrong_dialogue_portion_is_abnormal_and_unanswered() {
    let abnormal = |actions: &[Action<u32>]| {
        matches!(
            actions,
            [Action::Indication(Indication::ProviderAbort {
                cause: ProviderAbortCause::AbnormalDialogue,
                ..
            })]
        )
    };
    // Our AARQ answered by an End without AARE.
    let mut run = initiated();
    let actions = run.rx("end_rrl1");
    assert!(abnormal(&actions), "{actions:?}");
    assert_eq!(run.ep.dialogue_count(), 0);
    assert_eq!(run.ep.next_deadline(), None);
    // An AARE in an End once the dialogue is active.
    let mut run = initiated();
    one_indication(run.rx("continue_aare_cap"));
    let actions = run.rx("end_aare_cap");
    assert!(abnormal(&actions), "{actions:?}");
    assert_eq!(run.ep.dialogue_count(), 0);
    assert_eq!(run.ep.next_deadline(), None);
}

#[test]
fn bad_transaction_portion_in_the_first_answer_goes_to_the_answering_address() {
    // Our Begin went to address 9; the peer answers from PEER with a Continue whose
    // transaction portion is incorrect (an element after the component portion). The
    // P-Abort goes where the answer came from (Q.774 §3.1.3), to the otid it carried.
    let mut run = initiated();
    let mut bytes = peer("continue_no_aare");
    assert_eq!(bytes[1], 0x13);
    bytes[1] += 3;
    bytes.extend_from_slice(&[0x04, 0x01, 0x00]);
    let actions = run.rx_bytes(&bytes);
    let [Action::Send(abort), Action::Indication(ind)] = &actions[..] else {
        panic!("{actions:?}")
    };
    assert_eq!(abort.to, PEER);
    assert_eq!(
        abort.message,
        Message::p_abort(t(PEER_TID), PAbortCause::IncorrectTransactionPortion)
    );
    assert!(matches!(
        ind,
        Indication::ProviderAbort {
            cause: ProviderAbortCause::Transaction(PAbortCause::IncorrectTransactionPortion),
            ..
        }
    ));
    assert_eq!(run.ep.dialogue_count(), 0);
}
