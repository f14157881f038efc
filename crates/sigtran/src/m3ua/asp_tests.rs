//! Tests for the association state machine on virtual time: one test per
//! behaviour, inputs built with the codec.

use super::*;
use proptest::prelude::*;
use std::time::Duration;

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

fn asp_config() -> AspConfig {
    let mut c = AspConfig::new(Role::Asp);
    c.routing_contexts = vec![100];
    c.asp_identifier = Some(7);
    c.local_point_code = 2;
    c.remote_point_code = 1;
    c
}

fn sgp_config() -> AspConfig {
    let mut c = AspConfig::new(Role::Sgp);
    c.local_point_code = 2;
    c.remote_point_code = 1;
    c
}

fn wire(m: Message) -> Vec<u8> {
    m.to_bytes().expect("test message encodes")
}

fn msg(kind: MessageKind) -> Message {
    Message::new(kind)
}

/// Messages written to the transport.
fn sent(actions: &[Action]) -> Vec<Message> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Transmit(b) => Some(Message::decode(b).expect("we send valid M3UA")),
            _ => None,
        })
        .collect()
}

fn kinds(actions: &[Action]) -> Vec<MessageKind> {
    sent(actions).iter().map(|m| m.kind).collect()
}

fn indications(actions: &[Action]) -> Vec<Indication> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Indication(i) => Some(i.clone()),
            _ => None,
        })
        .collect()
}

fn feed(a: &mut Association, now: Duration, m: Message) -> Vec<Action> {
    a.receive_stream(now, &wire(m));
    a.drain_actions()
}

fn errors_sent(actions: &[Action]) -> Vec<ErrorCode> {
    sent(actions)
        .iter()
        .filter(|m| m.kind == MessageKind::Err)
        .filter_map(Message::error_code)
        .collect()
}

/// An ASP-role association brought to ASP-ACTIVE at t = 0.
fn active_asp(config: AspConfig) -> Association {
    let mut a = Association::new(config);
    a.transport_up(ms(0));
    feed(&mut a, ms(1), msg(MessageKind::AspUpAck));
    feed(
        &mut a,
        ms(2),
        msg(MessageKind::AspActiveAck).with(Parameter::RoutingContext(vec![100])),
    );
    a.drain_actions();
    assert_eq!(a.state(), AspState::AspActive);
    a
}

/// An SGP-role association whose peer went up and active at t = 0.
fn active_sgp(config: AspConfig) -> Association {
    let mut a = Association::new(config);
    a.transport_up(ms(0));
    feed(&mut a, ms(0), msg(MessageKind::AspUp));
    feed(&mut a, ms(0), msg(MessageKind::AspActive));
    assert_eq!(a.state(), AspState::AspActive);
    a
}

fn data(rc: Option<u32>) -> Message {
    let mut m = msg(MessageKind::Data);
    if let Some(rc) = rc {
        m = m.with(Parameter::RoutingContext(vec![rc]));
    }
    m.with(Parameter::ProtocolData(ProtocolData {
        opc: 1,
        dpc: 2,
        si: 3,
        ni: 2,
        mp: 1,
        sls: 9,
        data: vec![0x09, 0x81, 0x03],
    }))
}

fn apc(pc: u32) -> Parameter {
    Parameter::AffectedPointCode(vec![AffectedPointCode {
        mask: 0,
        point_code: pc,
    }])
}

// ------------------------------------------------------------------ ASP role

#[test]
fn asp_transport_up_sends_aspup_with_asp_identifier() {
    let mut a = Association::new(asp_config());
    assert!(a.drain_actions().is_empty(), "nothing before the transport");
    a.transport_up(ms(0));
    let out = sent(&a.drain_actions());
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].kind, MessageKind::AspUp);
    assert_eq!(out[0].asp_identifier(), Some(7));
    assert_eq!(a.pending_procedure(), Some(Procedure::AspUp));
    assert_eq!(a.next_deadline(), Some(ms(2000)));
}

#[test]
fn asp_aspup_ack_leads_to_aspac_with_traffic_mode_and_routing_context() {
    let mut a = Association::new(asp_config());
    a.transport_up(ms(0));
    a.drain_actions();
    let actions = feed(&mut a, ms(10), msg(MessageKind::AspUpAck));
    assert!(actions.contains(&Action::StateChanged {
        from: AspState::AspDown,
        to: AspState::AspInactive
    }));
    let out = sent(&actions);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].kind, MessageKind::AspActive);
    assert_eq!(out[0].traffic_mode_type(), Some(TrafficModeType::Loadshare));
    assert_eq!(out[0].routing_context(), Some(&[100][..]));
    assert_eq!(a.next_deadline(), Some(ms(2010)));
}

#[test]
fn asp_aspac_ack_makes_the_asp_active() {
    let mut a = Association::new(asp_config());
    a.transport_up(ms(0));
    feed(&mut a, ms(1), msg(MessageKind::AspUpAck));
    let actions = feed(
        &mut a,
        ms(2),
        msg(MessageKind::AspActiveAck)
            .with(Parameter::TrafficModeType(TrafficModeType::Loadshare))
            .with(Parameter::RoutingContext(vec![100])),
    );
    assert_eq!(
        actions,
        vec![Action::StateChanged {
            from: AspState::AspInactive,
            to: AspState::AspActive
        }]
    );
    assert_eq!(a.pending_procedure(), None);
    assert_eq!(a.next_deadline(), None, "no timer with heartbeats off");
}

#[test]
fn asp_aspup_is_retransmitted_on_tack_until_the_attempt_limit() {
    let mut c = asp_config();
    c.max_attempts = 3;
    let mut a = Association::new(c);
    a.transport_up(ms(0));
    a.drain_actions();
    a.poll(ms(1999));
    assert!(a.drain_actions().is_empty(), "T(ack) not expired yet");
    a.poll(ms(2000));
    assert_eq!(kinds(&a.drain_actions()), vec![MessageKind::AspUp]);
    assert_eq!(a.next_deadline(), Some(ms(4000)));
    a.poll(ms(4000));
    assert_eq!(kinds(&a.drain_actions()), vec![MessageKind::AspUp]);
    a.poll(ms(6000));
    let actions = a.drain_actions();
    assert!(kinds(&actions).is_empty(), "three sends were allowed");
    assert_eq!(
        indications(&actions),
        vec![Indication::ProcedureFailed(Procedure::AspUp)]
    );
    assert_eq!(a.next_deadline(), None);
    assert_eq!(a.state(), AspState::AspDown);
    // The user may try again.
    a.activate(ms(7000)).unwrap();
    assert_eq!(kinds(&a.drain_actions()), vec![MessageKind::AspUp]);
}

#[test]
fn asp_aspac_is_retransmitted_on_tack() {
    let mut a = Association::new(asp_config());
    a.transport_up(ms(0));
    feed(&mut a, ms(100), msg(MessageKind::AspUpAck));
    a.poll(ms(2100));
    let out = sent(&a.drain_actions());
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].kind, MessageKind::AspActive);
    assert_eq!(a.pending_procedure(), Some(Procedure::AspActive));
}

#[test]
fn asp_transport_loss_goes_down_drops_queued_data_and_recovers() {
    let mut a = active_asp(asp_config());
    a.send_data(TransferRequest::sccp(1, vec![1, 2, 3]))
        .unwrap();
    a.transport_down(ms(50));
    let actions = a.drain_actions();
    assert!(kinds(&actions).is_empty(), "queued DATA was dropped");
    assert_eq!(
        indications(&actions),
        vec![Indication::TransportLost { dropped: 1 }]
    );
    assert!(actions.contains(&Action::StateChanged {
        from: AspState::AspActive,
        to: AspState::AspDown
    }));
    assert_eq!(a.next_deadline(), None);
    assert_eq!(
        a.send_data(TransferRequest::sccp(1, vec![1])),
        Err(UserError::NotActive(AspState::AspDown))
    );
    // Recovery: a new transport runs ASPUP then ASPAC again.
    a.transport_up(ms(1000));
    assert_eq!(kinds(&a.drain_actions()), vec![MessageKind::AspUp]);
    assert_eq!(
        kinds(&feed(&mut a, ms(1001), msg(MessageKind::AspUpAck))),
        vec![MessageKind::AspActive]
    );
    feed(&mut a, ms(1002), msg(MessageKind::AspActiveAck));
    assert_eq!(a.state(), AspState::AspActive);
}

#[test]
fn decode_error_is_answered_with_the_codec_error_code_and_processing_goes_on() {
    let mut a = active_asp(asp_config());
    // NTFY whose Status parameter has a 3-byte value: Parameter Field Error.
    let bad = [1, 0, 0, 1, 0, 0, 0, 16, 0x00, 0x0d, 0x00, 0x07, 0, 1, 3, 0];
    let mut stream = bad.to_vec();
    stream.extend(wire(
        msg(MessageKind::Beat).with(Parameter::HeartbeatData(vec![1])),
    ));
    a.receive_stream(ms(10), &stream);
    let actions = a.drain_actions();
    let out = sent(&actions);
    assert_eq!(out[0].kind, MessageKind::Err);
    assert_eq!(out[0].error_code(), Some(ErrorCode::PARAMETER_FIELD_ERROR));
    assert_eq!(
        out[0].param(tag::DIAGNOSTIC_INFORMATION),
        Some(&Parameter::DiagnosticInformation(bad.to_vec()))
    );
    assert_eq!(
        out[1].kind,
        MessageKind::BeatAck,
        "the next message is handled"
    );
    assert_eq!(a.state(), AspState::AspActive);
}

#[test]
fn unknown_message_class_and_type_are_answered_per_3_8_1() {
    let mut a = active_asp(asp_config());
    // RKM (class 9) REG REQ: not supported.
    a.receive_stream(ms(1), &[1, 0, 9, 1, 0, 0, 0, 8]);
    // ASPSM type 7: not defined.
    a.receive_stream(ms(1), &[1, 0, 3, 7, 0, 0, 0, 8]);
    let actions = a.drain_actions();
    assert_eq!(
        errors_sent(&actions),
        vec![
            ErrorCode::UNSUPPORTED_MESSAGE_CLASS,
            ErrorCode::UNSUPPORTED_MESSAGE_TYPE
        ]
    );
    assert_eq!(a.state(), AspState::AspActive);
}

#[test]
fn send_data_is_refused_unless_active() {
    let mut a = Association::new(asp_config());
    let req = TransferRequest::sccp(0, vec![9]);
    assert_eq!(
        a.send_data(req.clone()),
        Err(UserError::NotActive(AspState::AspDown))
    );
    a.transport_up(ms(0));
    feed(&mut a, ms(1), msg(MessageKind::AspUpAck));
    assert_eq!(
        a.send_data(req),
        Err(UserError::NotActive(AspState::AspInactive))
    );
    assert!(!kinds(&a.drain_actions()).contains(&MessageKind::Data));
}

#[test]
fn send_data_carries_configured_label_and_routing_context() {
    let mut c = asp_config();
    c.network_appearance = Some(8);
    c.network_indicator = 0;
    let mut a = active_asp(c);
    a.send_data(TransferRequest {
        si: 3,
        mp: 2,
        sls: 11,
        data: vec![0x09, 0x00],
    })
    .unwrap();
    let out = sent(&a.drain_actions());
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].network_appearance(), Some(8));
    assert_eq!(out[0].routing_context(), Some(&[100][..]));
    assert_eq!(
        out[0].protocol_data(),
        Some(&ProtocolData {
            opc: 2,
            dpc: 1,
            si: 3,
            ni: 0,
            mp: 2,
            sls: 11,
            data: vec![0x09, 0x00]
        })
    );
}

#[test]
fn send_data_too_long_is_an_encode_error() {
    let mut a = active_asp(asp_config());
    let r = a.send_data(TransferRequest::sccp(0, vec![0; 70_000]));
    assert!(matches!(r, Err(UserError::Encode(_))), "{r:?}");
}

#[test]
fn received_data_in_active_is_indicated_with_label_and_payload() {
    let mut a = active_asp(asp_config());
    let m = data(Some(100)).with(Parameter::CorrelationId(5));
    let actions = feed(&mut a, ms(5), m);
    assert!(kinds(&actions).is_empty());
    assert_eq!(
        indications(&actions),
        vec![Indication::Data {
            data: ProtocolData {
                opc: 1,
                dpc: 2,
                si: 3,
                ni: 2,
                mp: 1,
                sls: 9,
                data: vec![0x09, 0x81, 0x03]
            },
            routing_context: Some(100),
            correlation_id: Some(5),
        }]
    );
}

#[test]
fn data_with_a_wrong_routing_context_gets_invalid_routing_context() {
    let mut a = active_asp(asp_config());
    let actions = feed(&mut a, ms(5), data(Some(101)));
    let out = sent(&actions);
    assert_eq!(out.len(), 1);
    assert_eq!(
        out[0].error_code(),
        Some(ErrorCode::INVALID_ROUTING_CONTEXT)
    );
    assert_eq!(out[0].routing_context(), Some(&[101][..]));
    assert!(!indications(&actions)
        .iter()
        .any(|i| matches!(i, Indication::Data { .. })));
}

#[test]
fn data_with_a_wrong_network_appearance_gets_invalid_network_appearance() {
    let mut c = asp_config();
    c.network_appearance = Some(1);
    let mut a = active_asp(c);
    let m = msg(MessageKind::Data)
        .with(Parameter::NetworkAppearance(2))
        .with(Parameter::RoutingContext(vec![100]))
        .with(Parameter::ProtocolData(ProtocolData {
            opc: 1,
            dpc: 2,
            si: 3,
            ni: 2,
            mp: 0,
            sls: 0,
            data: vec![],
        }));
    assert_eq!(
        errors_sent(&feed(&mut a, ms(5), m)),
        vec![ErrorCode::INVALID_NETWORK_APPEARANCE]
    );
}

#[test]
fn data_when_not_active_gets_unexpected_message() {
    let mut a = Association::new(asp_config());
    a.transport_up(ms(0));
    feed(&mut a, ms(1), msg(MessageKind::AspUpAck));
    let actions = feed(&mut a, ms(2), data(Some(100)));
    assert_eq!(errors_sent(&actions), vec![ErrorCode::UNEXPECTED_MESSAGE]);
}

#[test]
fn beat_is_answered_with_beat_ack_echoing_the_data() {
    let mut a = Association::new(asp_config());
    a.transport_up(ms(0));
    a.drain_actions();
    let hb = vec![1, 2, 3, 4, 5];
    let out = sent(&feed(
        &mut a,
        ms(1),
        msg(MessageKind::Beat).with(Parameter::HeartbeatData(hb.clone())),
    ));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].kind, MessageKind::BeatAck);
    assert_eq!(out[0].heartbeat_data(), Some(&hb[..]));
}

#[test]
fn heartbeats_are_sent_every_interval_and_acks_are_matched() {
    let mut c = asp_config();
    c.heartbeat_interval = ms(1000);
    let mut a = active_asp(c);
    // Heartbeats start when the ASP is up (ASPUP_ACK at 1 ms).
    assert_eq!(a.next_deadline(), Some(ms(1001)));
    a.poll(ms(1001));
    let out = sent(&a.drain_actions());
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].kind, MessageKind::Beat);
    let hb = out[0].heartbeat_data().unwrap().to_vec();
    // An ack with other data does not count.
    let wrong = msg(MessageKind::BeatAck).with(Parameter::HeartbeatData(vec![0xee]));
    assert!(feed(&mut a, ms(1100), wrong).is_empty());
    let ack = msg(MessageKind::BeatAck).with(Parameter::HeartbeatData(hb));
    assert_eq!(
        indications(&feed(&mut a, ms(1200), ack)),
        vec![Indication::HeartbeatAcknowledged]
    );
    assert_eq!(a.next_deadline(), Some(ms(2001)));
    a.poll(ms(2001));
    let out = sent(&a.drain_actions());
    assert_eq!(out[0].kind, MessageKind::Beat);
    assert_ne!(out[0].heartbeat_data(), Some(&[0, 0, 0, 1][..]), "new data");
}

#[test]
fn missing_beat_acks_are_reported_as_transport_failure() {
    let mut c = asp_config();
    c.heartbeat_interval = ms(1000);
    c.heartbeat_max_missed = 2;
    let mut a = active_asp(c);
    a.poll(ms(1001));
    a.poll(ms(2001)); // first BEAT missed, second sent
    assert_eq!(
        kinds(&a.drain_actions()),
        vec![MessageKind::Beat, MessageKind::Beat]
    );
    a.poll(ms(3001)); // second missed: give up
    let actions = a.drain_actions();
    assert_eq!(
        indications(&actions),
        vec![Indication::TransportFailure(FailureReason::HeartbeatLost(
            2
        ))]
    );
    assert_eq!(actions.last(), Some(&Action::CloseTransport));
    assert_eq!(a.state(), AspState::AspDown);
    assert!(!a.is_transport_up());
    assert_eq!(a.next_deadline(), None);
    // The caller closes the socket and reports it; nothing more is said.
    a.transport_down(ms(3002));
    assert!(a.drain_actions().is_empty());
}

#[test]
fn daud_for_the_remote_point_code_is_answered_with_dava() {
    let mut a = active_asp(asp_config());
    let daud = msg(MessageKind::Daud)
        .with(Parameter::RoutingContext(vec![100]))
        .with(apc(1));
    let actions = feed(&mut a, ms(3), daud);
    let out = sent(&actions);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].kind, MessageKind::Dava);
    assert_eq!(out[0].routing_context(), Some(&[100][..]));
    assert_eq!(out[0].param(tag::AFFECTED_POINT_CODE), Some(&apc(1)));
    assert!(matches!(
        indications(&actions)[0],
        Indication::AuditAnswered {
            available: true,
            ..
        }
    ));
}

#[test]
fn daud_for_another_point_code_is_answered_with_duna() {
    let mut a = active_asp(asp_config());
    let out = sent(&feed(&mut a, ms(3), msg(MessageKind::Daud).with(apc(77))));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].kind, MessageKind::Duna);
    assert_eq!(out[0].param(tag::AFFECTED_POINT_CODE), Some(&apc(77)));
}

#[test]
fn daud_with_a_wildcard_covering_the_remote_point_code_gets_dava_for_it() {
    let mut c = asp_config();
    c.remote_point_code = 0x0105;
    let mut a = active_asp(c);
    let wild = Parameter::AffectedPointCode(vec![AffectedPointCode {
        mask: 8,
        point_code: 0x0100,
    }]);
    let out = sent(&feed(&mut a, ms(3), msg(MessageKind::Daud).with(wild)));
    assert_eq!(kinds_of(&out), vec![MessageKind::Dava]);
    assert_eq!(out[0].param(tag::AFFECTED_POINT_CODE), Some(&apc(0x0105)));
}

fn kinds_of(v: &[Message]) -> Vec<MessageKind> {
    v.iter().map(|m| m.kind).collect()
}

#[test]
fn ssnm_messages_become_indications() {
    let mut a = active_asp(asp_config());
    let mut got = Vec::new();
    got.extend(indications(&feed(
        &mut a,
        ms(1),
        msg(MessageKind::Duna).with(apc(5)),
    )));
    got.extend(indications(&feed(
        &mut a,
        ms(1),
        msg(MessageKind::Dava).with(apc(5)),
    )));
    got.extend(indications(&feed(
        &mut a,
        ms(1),
        msg(MessageKind::Drst).with(apc(5)),
    )));
    got.extend(indications(&feed(
        &mut a,
        ms(1),
        msg(MessageKind::Scon)
            .with(apc(5))
            .with(Parameter::ConcernedDestination(6))
            .with(Parameter::CongestionIndications(2)),
    )));
    got.extend(indications(&feed(
        &mut a,
        ms(1),
        msg(MessageKind::Dupu)
            .with(apc(5))
            .with(Parameter::UserCause(UserCause { cause: 1, user: 3 })),
    )));
    let list = vec![AffectedPointCode {
        mask: 0,
        point_code: 5,
    }];
    assert_eq!(
        got,
        vec![
            Indication::DestinationUnavailable(list.clone()),
            Indication::DestinationAvailable(list.clone()),
            Indication::DestinationRestricted(list.clone()),
            Indication::Congestion {
                affected: list.clone(),
                concerned: Some(6),
                level: Some(2)
            },
            Indication::UserPartUnavailable {
                affected: list,
                user_cause: UserCause { cause: 1, user: 3 }
            },
        ]
    );
    assert!(kinds(&a.drain_actions()).is_empty());
}

#[test]
fn ntfy_and_err_become_indications() {
    let mut a = Association::new(asp_config());
    a.transport_up(ms(0));
    a.drain_actions();
    let status = Status {
        status_type: StatusType::AsStateChange,
        info: Status::AS_INACTIVE,
    };
    let ntfy = msg(MessageKind::Ntfy)
        .with(Parameter::Status(status))
        .with(Parameter::RoutingContext(vec![100]))
        .with(Parameter::InfoString("hello".into()));
    let err = msg(MessageKind::Err)
        .with(Parameter::ErrorCode(ErrorCode::REFUSED_MANAGEMENT_BLOCKING))
        .with(Parameter::DiagnosticInformation(vec![1, 2]));
    let mut actions = feed(&mut a, ms(1), ntfy);
    actions.extend(feed(&mut a, ms(1), err));
    assert!(kinds(&actions).is_empty(), "never answered");
    assert_eq!(
        indications(&actions),
        vec![
            Indication::Notify {
                status,
                asp_identifier: None,
                routing_context: Some(vec![100]),
                info: Some("hello".into())
            },
            Indication::PeerError {
                code: ErrorCode::REFUSED_MANAGEMENT_BLOCKING,
                diagnostic: Some(vec![1, 2])
            }
        ]
    );
}

#[test]
fn a_malformed_err_is_not_answered_with_err() {
    let mut a = active_asp(asp_config());
    // ERR without its mandatory Error Code.
    a.receive_stream(ms(1), &[1, 0, 0, 0, 0, 0, 0, 8]);
    let actions = a.drain_actions();
    assert!(kinds(&actions).is_empty());
    assert!(matches!(
        indications(&actions)[..],
        [Indication::ErrorSent {
            code: ErrorCode::MISSING_PARAMETER,
            ..
        }]
    ));
}

#[test]
fn deactivate_and_shut_down_run_aspia_and_aspdn() {
    let mut a = active_asp(asp_config());
    a.deactivate(ms(10)).unwrap();
    let out = sent(&a.drain_actions());
    assert_eq!(kinds_of(&out), vec![MessageKind::AspInactive]);
    assert_eq!(out[0].routing_context(), Some(&[100][..]));
    feed(&mut a, ms(11), msg(MessageKind::AspInactiveAck));
    assert_eq!(a.state(), AspState::AspInactive);
    a.shut_down(ms(12)).unwrap();
    assert_eq!(kinds(&a.drain_actions()), vec![MessageKind::AspDown]);
    let actions = feed(&mut a, ms(13), msg(MessageKind::AspDownAck));
    assert_eq!(
        actions,
        vec![Action::StateChanged {
            from: AspState::AspInactive,
            to: AspState::AspDown
        }]
    );
    assert_eq!(a.next_deadline(), None, "stays down, nothing pending");
    // Shut down straight from ASP-ACTIVE.
    let mut b = active_asp(asp_config());
    b.shut_down(ms(5)).unwrap();
    assert_eq!(kinds(&b.drain_actions()), vec![MessageKind::AspDown]);
}

#[test]
fn aspdn_is_retransmitted_on_tack() {
    let mut a = active_asp(asp_config());
    a.shut_down(ms(10)).unwrap();
    a.drain_actions();
    a.poll(ms(2010));
    assert_eq!(kinds(&a.drain_actions()), vec![MessageKind::AspDown]);
}

#[test]
fn unsolicited_aspdn_ack_takes_the_asp_down_and_it_comes_back_up() {
    let mut a = active_asp(asp_config());
    let actions = feed(&mut a, ms(10), msg(MessageKind::AspDownAck));
    assert!(actions.contains(&Action::StateChanged {
        from: AspState::AspActive,
        to: AspState::AspDown
    }));
    assert_eq!(kinds(&actions), vec![MessageKind::AspUp]);
}

#[test]
fn unsolicited_aspia_ack_takes_the_asp_inactive_and_it_reactivates() {
    let mut a = active_asp(asp_config());
    let actions = feed(&mut a, ms(10), msg(MessageKind::AspInactiveAck));
    assert_eq!(a.state(), AspState::AspInactive);
    assert_eq!(kinds(&actions), vec![MessageKind::AspActive]);
}

#[test]
fn asp_role_answers_peer_asp_requests_with_unexpected_message() {
    let mut a = active_asp(asp_config());
    assert_eq!(
        errors_sent(&feed(&mut a, ms(1), msg(MessageKind::AspUp))),
        vec![ErrorCode::UNEXPECTED_MESSAGE]
    );
    assert_eq!(a.state(), AspState::AspActive);
}

#[test]
fn stream_framing_joins_partial_reads_and_splits_batches() {
    let mut a = active_asp(asp_config());
    let mut stream = wire(data(Some(100)));
    stream.extend(wire(data(Some(100))));
    let (x, y) = stream.split_at(13);
    a.receive_stream(ms(1), &x[..5]);
    a.receive_stream(ms(1), &x[5..]);
    assert!(a.drain_actions().is_empty(), "nothing complete yet");
    a.receive_stream(ms(2), y);
    let got = indications(&a.drain_actions());
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|i| matches!(i, Indication::Data { .. })));
}

#[test]
fn invalid_version_is_answered_and_the_stream_stays_in_step() {
    let mut a = active_asp(asp_config());
    let mut stream = vec![2, 0, 3, 3, 0, 0, 0, 8];
    stream.extend(wire(msg(MessageKind::Beat)));
    a.receive_stream(ms(1), &stream);
    let actions = a.drain_actions();
    assert_eq!(
        kinds(&actions),
        vec![MessageKind::Err, MessageKind::BeatAck]
    );
    assert_eq!(errors_sent(&actions), vec![ErrorCode::INVALID_VERSION]);
}

#[test]
fn an_unframeable_stream_is_answered_and_closed() {
    let mut a = active_asp(asp_config());
    a.receive_stream(ms(1), &[1, 0, 3, 3, 0, 0, 0, 7]);
    let actions = a.drain_actions();
    assert_eq!(errors_sent(&actions), vec![ErrorCode::PROTOCOL_ERROR]);
    assert!(
        indications(&actions).contains(&Indication::TransportFailure(
            FailureReason::StreamUnframeable(DecodeError::BadMessageLength(7))
        ))
    );
    assert_eq!(actions.last(), Some(&Action::CloseTransport));
    assert_eq!(a.state(), AspState::AspDown);
    // Bytes after the failure are ignored until a new transport.
    a.receive_stream(ms(2), &wire(msg(MessageKind::Beat)));
    assert!(a.drain_actions().is_empty());
}

#[test]
fn receive_message_handles_one_whole_message() {
    let mut a = active_asp(asp_config());
    a.receive_message(ms(1), &wire(msg(MessageKind::Beat)));
    a.receive_message(ms(1), &[1, 0, 3, 3, 0, 0, 0, 12]);
    let actions = a.drain_actions();
    assert_eq!(
        kinds(&actions),
        vec![MessageKind::BeatAck, MessageKind::Err]
    );
    assert_eq!(errors_sent(&actions), vec![ErrorCode::PROTOCOL_ERROR]);
    assert!(a.is_transport_up(), "a message transport keeps going");
}

// ------------------------------------------------------------------ SGP role

#[test]
fn sgp_answers_aspup_with_ack_and_ntfy_as_inactive() {
    let mut a = Association::new(sgp_config());
    a.transport_up(ms(0));
    assert!(a.drain_actions().is_empty(), "the SGP waits");
    let actions = feed(
        &mut a,
        ms(1),
        msg(MessageKind::AspUp).with(Parameter::AspIdentifier(42)),
    );
    let out = sent(&actions);
    assert_eq!(
        kinds_of(&out),
        vec![MessageKind::AspUpAck, MessageKind::Ntfy]
    );
    assert_eq!(
        out[1].status(),
        Some(Status {
            status_type: StatusType::AsStateChange,
            info: Status::AS_INACTIVE
        })
    );
    assert_eq!(out[1].asp_identifier(), Some(42));
    assert_eq!(a.state(), AspState::AspInactive);
}

#[test]
fn sgp_answers_aspac_echoing_traffic_mode_and_routing_context() {
    let mut a = Association::new(sgp_config());
    a.transport_up(ms(0));
    feed(&mut a, ms(1), msg(MessageKind::AspUp));
    let out = sent(&feed(
        &mut a,
        ms(2),
        msg(MessageKind::AspActive)
            .with(Parameter::TrafficModeType(TrafficModeType::Loadshare))
            .with(Parameter::RoutingContext(vec![300])),
    ));
    assert_eq!(
        kinds_of(&out),
        vec![MessageKind::AspActiveAck, MessageKind::Ntfy]
    );
    assert_eq!(out[0].traffic_mode_type(), Some(TrafficModeType::Loadshare));
    assert_eq!(out[0].routing_context(), Some(&[300][..]));
    assert_eq!(out[1].status().map(|s| s.info), Some(Status::AS_ACTIVE));
    assert_eq!(out[1].routing_context(), Some(&[300][..]));
    assert_eq!(a.state(), AspState::AspActive);
    assert_eq!(a.routing_contexts(), &[300], "adopted from the peer");
    // DATA now flows both ways, with the adopted routing context.
    a.send_data(TransferRequest::sccp(0, vec![1])).unwrap();
    assert_eq!(
        sent(&a.drain_actions())[0].routing_context(),
        Some(&[300][..])
    );
}

#[test]
fn sgp_refuses_aspac_before_aspup() {
    let mut a = Association::new(sgp_config());
    a.transport_up(ms(0));
    assert_eq!(
        errors_sent(&feed(&mut a, ms(1), msg(MessageKind::AspActive))),
        vec![ErrorCode::UNEXPECTED_MESSAGE]
    );
    assert_eq!(a.state(), AspState::AspDown);
}

#[test]
fn sgp_refuses_aspac_with_another_traffic_mode() {
    let mut a = Association::new(sgp_config());
    a.transport_up(ms(0));
    feed(&mut a, ms(1), msg(MessageKind::AspUp));
    let m = msg(MessageKind::AspActive).with(Parameter::TrafficModeType(TrafficModeType::Override));
    assert_eq!(
        errors_sent(&feed(&mut a, ms(2), m)),
        vec![ErrorCode::UNSUPPORTED_TRAFFIC_MODE_TYPE]
    );
    assert_eq!(a.state(), AspState::AspInactive);
}

#[test]
fn sgp_refuses_aspac_with_an_unconfigured_routing_context() {
    let mut c = sgp_config();
    c.routing_contexts = vec![10];
    let mut a = Association::new(c);
    a.transport_up(ms(0));
    feed(&mut a, ms(1), msg(MessageKind::AspUp));
    let m = msg(MessageKind::AspActive).with(Parameter::RoutingContext(vec![11]));
    let out = sent(&feed(&mut a, ms(2), m));
    assert_eq!(out.len(), 1);
    assert_eq!(
        out[0].error_code(),
        Some(ErrorCode::INVALID_ROUTING_CONTEXT)
    );
    assert_eq!(out[0].routing_context(), Some(&[11][..]));
    assert_eq!(a.state(), AspState::AspInactive);
}

#[test]
fn sgp_acknowledges_aspia_and_aspdn() {
    let mut a = active_sgp(sgp_config());
    a.drain_actions();
    assert_eq!(
        kinds(&feed(&mut a, ms(1), msg(MessageKind::AspInactive))),
        vec![MessageKind::AspInactiveAck]
    );
    assert_eq!(a.state(), AspState::AspInactive);
    assert_eq!(
        errors_sent(&feed(&mut a, ms(2), data(None))),
        vec![ErrorCode::UNEXPECTED_MESSAGE],
        "no DATA once inactive"
    );
    assert_eq!(
        kinds(&feed(&mut a, ms(3), msg(MessageKind::AspDown))),
        vec![MessageKind::AspDownAck]
    );
    assert_eq!(a.state(), AspState::AspDown);
    // ASPDN again is still acknowledged.
    assert_eq!(
        kinds(&feed(&mut a, ms(4), msg(MessageKind::AspDown))),
        vec![MessageKind::AspDownAck]
    );
}

#[test]
fn sgp_aspup_from_an_active_asp_is_acked_flagged_and_makes_it_inactive() {
    let mut a = active_sgp(sgp_config());
    a.drain_actions();
    let actions = feed(&mut a, ms(1), msg(MessageKind::AspUp));
    assert_eq!(
        kinds(&actions),
        vec![MessageKind::AspUpAck, MessageKind::Err, MessageKind::Ntfy]
    );
    assert_eq!(errors_sent(&actions), vec![ErrorCode::UNEXPECTED_MESSAGE]);
    assert_eq!(a.state(), AspState::AspInactive);
}

#[test]
fn sgp_delivers_data_from_the_active_peer() {
    let mut a = active_sgp(sgp_config());
    a.drain_actions();
    let got = indications(&feed(&mut a, ms(1), data(None)));
    assert!(matches!(got[..], [Indication::Data { .. }]));
}

#[test]
fn sgp_answers_acks_with_unexpected_message() {
    let mut a = Association::new(sgp_config());
    a.transport_up(ms(0));
    assert_eq!(
        errors_sent(&feed(&mut a, ms(1), msg(MessageKind::AspUpAck))),
        vec![ErrorCode::UNEXPECTED_MESSAGE]
    );
}

#[test]
fn sgp_management_can_take_the_peer_out_of_service() {
    let mut a = active_sgp(sgp_config());
    a.drain_actions();
    assert_eq!(a.activate(ms(1)), Err(UserError::NotInitiator));
    a.deactivate(ms(1)).unwrap();
    assert_eq!(kinds(&a.drain_actions()), vec![MessageKind::AspInactiveAck]);
    a.shut_down(ms(2)).unwrap();
    assert_eq!(kinds(&a.drain_actions()), vec![MessageKind::AspDownAck]);
    assert_eq!(a.state(), AspState::AspDown);
}

#[test]
fn sgp_heartbeats_start_when_the_peer_is_up() {
    let mut c = sgp_config();
    c.heartbeat_interval = ms(500);
    let mut a = Association::new(c);
    a.transport_up(ms(0));
    assert_eq!(a.next_deadline(), None);
    feed(&mut a, ms(100), msg(MessageKind::AspUp));
    assert_eq!(a.next_deadline(), Some(ms(600)));
    a.poll(ms(600));
    assert_eq!(kinds(&a.drain_actions()), vec![MessageKind::Beat]);
}

// ------------------------------------------------------------------ robustness

proptest! {
    /// No byte stream makes the association panic, in either role, and every
    /// transmitted message decodes.
    #[test]
    fn random_streams_never_panic(
        chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..8),
        sgp in any::<bool>(),
    ) {
        let mut a = if sgp { active_sgp(sgp_config()) } else { active_asp(asp_config()) };
        a.drain_actions();
        for (i, c) in chunks.iter().enumerate() {
            a.receive_stream(ms(i as u64), c);
            a.poll(ms(i as u64 * 1000));
        }
        for action in a.drain_actions() {
            if let Action::Transmit(b) = action {
                prop_assert!(Message::decode(&b).is_ok());
            }
        }
    }

    /// Valid messages of every kind, in any order, in either role: no panic and
    /// every answer decodes.
    #[test]
    fn random_valid_messages_never_panic(
        picks in proptest::collection::vec((0usize..19, any::<u32>()), 0..12),
        sgp in any::<bool>(),
    ) {
        let mut a = Association::new(if sgp { sgp_config() } else { asp_config() });
        a.transport_up(ms(0));
        for (i, (k, v)) in picks.iter().enumerate() {
            let kind = MessageKind::ALL[*k];
            let mut m = Message::new(kind);
            for (t, presence) in kind.parameters() {
                if *presence == Presence::Mandatory || v % 2 == 0 {
                    m = m.with(sample_param(*t, *v));
                }
            }
            a.receive_message(ms(i as u64), &wire(m));
            a.poll(ms(i as u64 * 700));
        }
        for action in a.drain_actions() {
            if let Action::Transmit(b) = action {
                prop_assert!(Message::decode(&b).is_ok());
            }
        }
    }
}

fn sample_param(t: u16, v: u32) -> Parameter {
    match t {
        tag::INFO_STRING => Parameter::InfoString("x".into()),
        tag::ROUTING_CONTEXT => Parameter::RoutingContext(vec![v % 3 + 99]),
        tag::DIAGNOSTIC_INFORMATION => Parameter::DiagnosticInformation(vec![1]),
        tag::HEARTBEAT_DATA => Parameter::HeartbeatData(v.to_be_bytes().to_vec()),
        tag::TRAFFIC_MODE_TYPE => Parameter::TrafficModeType(
            TrafficModeType::from_u32(v % 3 + 1).unwrap_or(TrafficModeType::Loadshare),
        ),
        tag::ERROR_CODE => Parameter::ErrorCode(ErrorCode(v % 30)),
        tag::STATUS => Parameter::Status(Status {
            status_type: StatusType::AsStateChange,
            info: (v % 5) as u16,
        }),
        tag::ASP_IDENTIFIER => Parameter::AspIdentifier(v),
        tag::AFFECTED_POINT_CODE => Parameter::AffectedPointCode(vec![AffectedPointCode {
            mask: (v % 40) as u8,
            point_code: v & 0x00ff_ffff,
        }]),
        tag::CORRELATION_ID => Parameter::CorrelationId(v),
        tag::NETWORK_APPEARANCE => Parameter::NetworkAppearance(v % 2),
        tag::USER_CAUSE => Parameter::UserCause(UserCause { cause: 1, user: 3 }),
        tag::CONGESTION_INDICATIONS => Parameter::CongestionIndications(1),
        tag::CONCERNED_DESTINATION => Parameter::ConcernedDestination(v & 0x00ff_ffff),
        _ => Parameter::ProtocolData(ProtocolData {
            opc: v,
            dpc: 2,
            si: 3,
            ni: 2,
            mp: 0,
            sls: 0,
            data: vec![9],
        }),
    }
}

#[test]
fn shut_down_while_aspup_is_pending_sends_aspdn_after_the_ack() {
    let mut a = Association::new(asp_config());
    a.transport_up(ms(0));
    a.drain_actions();
    a.shut_down(ms(1)).unwrap();
    assert!(
        kinds(&a.drain_actions()).is_empty(),
        "one procedure at a time"
    );
    let actions = feed(&mut a, ms(2), msg(MessageKind::AspUpAck));
    assert_eq!(kinds(&actions), vec![MessageKind::AspDown]);
    feed(&mut a, ms(3), msg(MessageKind::AspDownAck));
    assert_eq!(a.state(), AspState::AspDown);
    assert_eq!(a.pending_procedure(), None);
}

/// An operator's absurd retry and heartbeat intervals saturate instead of overflowing.
#[test]
fn huge_timer_settings_do_not_overflow() {
    let mut c = asp_config();
    c.retry_interval = Duration::MAX;
    c.heartbeat_interval = Duration::MAX;
    let mut a = Association::new(c.clone());
    a.transport_up(ms(5));
    assert_eq!(a.next_deadline(), Some(Duration::MAX));
    let a = active_asp(c);
    assert_eq!(a.next_deadline(), Some(Duration::MAX));
}

/// An ASP configured without a Routing Context (the server's default) takes the one
/// the SGP names in ASPAC_ACK (§3.7.2), so the SGP's DATA carrying it is delivered
/// instead of refused with Invalid Routing Context; the RC is forgotten with the
/// transport.
#[test]
fn asp_without_routing_context_adopts_the_one_in_aspac_ack() {
    let mut c = asp_config();
    c.routing_contexts.clear();
    let mut a = Association::new(c);
    a.transport_up(ms(0));
    feed(&mut a, ms(1), msg(MessageKind::AspUpAck));
    let aspac = sent(&a.drain_actions());
    assert!(aspac.iter().all(|m| m.routing_context().is_none()));
    feed(
        &mut a,
        ms(2),
        msg(MessageKind::AspActiveAck).with(Parameter::RoutingContext(vec![5])),
    );
    assert_eq!(a.state(), AspState::AspActive);
    assert_eq!(a.routing_contexts(), &[5]);
    let actions = feed(&mut a, ms(3), data(Some(5)));
    assert!(errors_sent(&actions).is_empty(), "{actions:?}");
    assert!(indications(&actions).iter().any(|i| matches!(
        i,
        Indication::Data {
            routing_context: Some(5),
            ..
        }
    )));
    a.send_data(TransferRequest::sccp(0, vec![1])).unwrap();
    assert_eq!(
        sent(&a.drain_actions())[0].routing_context(),
        Some(&[5][..])
    );
    a.transport_down(ms(4));
    assert!(a.routing_contexts().is_empty());
}

/// A read holding one whole message and the start of the next delivers the first at
/// once and keeps exactly the partial bytes for the next read.
#[test]
fn a_read_with_a_message_and_a_partial_one_keeps_only_the_partial_one() {
    let mut a = active_asp(asp_config());
    let one = wire(data(Some(100)));
    let mut stream = one.clone();
    stream.extend(wire(msg(MessageKind::Beat)));
    let (x, y) = stream.split_at(one.len() + 3);
    a.receive_stream(ms(1), x);
    let got = indications(&a.drain_actions());
    assert!(
        matches!(got.as_slice(), [Indication::Data { .. }]),
        "{got:?}"
    );
    a.receive_stream(ms(2), y);
    assert_eq!(kinds(&a.drain_actions()), vec![MessageKind::BeatAck]);
    a.receive_stream(ms(3), &one[..4]);
    a.receive_stream(ms(3), &one[4..]);
    assert_eq!(indications(&a.drain_actions()).len(), 1);
}

fn ntfy(status_type: StatusType, info: u16) -> Message {
    msg(MessageKind::Ntfy).with(Parameter::Status(Status { status_type, info }))
}

/// §4.3.4.3: in an override AS, NTFY "Alternate ASP Active" tells the ASP that another
/// one took the traffic. The ASP goes ASP-INACTIVE (no more DATA from it) without
/// sending ASPAC back, and activates again when the SGP reports the AS pending
/// (§4.3.4.5), i.e. when the other ASP is gone.
#[test]
fn asp_stands_by_on_alternate_asp_active_and_takes_over_when_the_as_is_pending() {
    let mut c = asp_config();
    c.traffic_mode = TrafficModeType::Override;
    let mut a = active_asp(c);
    let actions = feed(
        &mut a,
        ms(10),
        ntfy(StatusType::Other, Status::ALTERNATE_ASP_ACTIVE),
    );
    assert_eq!(a.state(), AspState::AspInactive);
    assert!(kinds(&actions).is_empty(), "no ASPAC back: {actions:?}");
    assert_eq!(
        a.send_data(TransferRequest::sccp(0, vec![1])),
        Err(UserError::NotActive(AspState::AspInactive))
    );
    a.poll(ms(60_000));
    assert!(
        kinds(&a.drain_actions()).is_empty(),
        "no retry while standing by"
    );
    let actions = feed(
        &mut a,
        ms(61_000),
        ntfy(StatusType::AsStateChange, Status::AS_PENDING),
    );
    assert_eq!(kinds(&actions), vec![MessageKind::AspActive]);
    feed(&mut a, ms(61_001), msg(MessageKind::AspActiveAck));
    assert_eq!(a.state(), AspState::AspActive);
}
