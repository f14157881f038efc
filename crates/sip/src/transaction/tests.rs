//! Transaction timers and matching on virtual time.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use callctl_sip_message::{
    parse_datagram, response_to, HeaderName, Limits, Message, Method, Request,
};

use super::*;

fn peer(transport: Transport) -> Peer {
    Peer {
        transport,
        addr: "127.0.0.1:5070".parse::<SocketAddr>().unwrap(),
        connection: None,
    }
}

fn request(text: &str) -> Request {
    match parse_datagram(text.replace('\n', "\r\n").as_bytes(), &Limits::default()) {
        Ok(Message::Request(r)) => r,
        other => panic!("not a request: {other:?}"),
    }
}

const INVITE: &str = "INVITE sip:123@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1
From: <sip:a@127.0.0.1>;tag=a1
To: <sip:123@127.0.0.1>
Call-ID: c1@test
CSeq: 1 INVITE
Max-Forwards: 70
Content-Length: 0

";

const ACK_NON2XX: &str = "ACK sip:123@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1
From: <sip:a@127.0.0.1>;tag=a1
To: <sip:123@127.0.0.1>;tag=b1
Call-ID: c1@test
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

";

fn drain(layer: &mut TransactionLayer) -> Vec<Transmit> {
    std::iter::from_fn(|| layer.poll_transmit()).collect()
}

fn events(layer: &mut TransactionLayer) -> Vec<TransactionEvent> {
    std::iter::from_fn(|| layer.poll_event()).collect()
}

fn status_of(t: &Transmit) -> u16 {
    match parse_datagram(&t.bytes, &Limits::default()) {
        Ok(Message::Response(r)) => r.status,
        _ => 0,
    }
}

/// Run the layer's timers up to `until`, returning the instants at which something was sent.
fn run_until(layer: &mut TransactionLayer, until: Instant) -> Vec<Instant> {
    let mut sent = Vec::new();
    while let Some(at) = layer.poll_timeout() {
        if at > until {
            break;
        }
        layer.handle_timeout(at);
        for _ in drain(layer) {
            sent.push(at);
        }
    }
    sent
}

/// A layer at `t0` holding the server INVITE transaction for [`INVITE`] received over
/// `transport`, with that INVITE as parsed.
fn server_invite(transport: Transport) -> (TransactionLayer, Instant, TransactionId, Request) {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    match layer.on_request(request(INVITE), peer(transport), t0) {
        RequestOutcome::New(id, invite) => (layer, t0, id, invite),
        other => panic!("expected a new transaction, got {other:?}"),
    }
}

#[test]
fn server_invite_non2xx_retransmits_on_timer_g_until_ack() {
    let (mut layer, t0, id, inv) = server_invite(Transport::Udp);
    layer
        .respond(id, &response_to(&inv, 100, None), t0)
        .unwrap();
    assert_eq!(drain(&mut layer).len(), 1);
    // A retransmitted INVITE is absorbed and the 100 resent (§17.2.1).
    assert_eq!(
        layer.on_request(request(INVITE), peer(Transport::Udp), t0),
        RequestOutcome::Absorbed
    );
    assert_eq!(status_of(&drain(&mut layer)[0]), 100);
    layer
        .respond(id, &response_to(&inv, 486, Some("b1")), t0)
        .unwrap();
    assert_eq!(status_of(&drain(&mut layer)[0]), 486);
    // Timer G: T1, 2T1, 4T1, then capped at T2.
    let sent = run_until(&mut layer, t0 + Duration::from_millis(11_600));
    let offsets: Vec<u128> = sent.iter().map(|t| (*t - t0).as_millis()).collect();
    assert_eq!(offsets, vec![500, 1500, 3500, 7500, 11500]);
    assert_eq!(
        layer.on_request(
            request(ACK_NON2XX),
            peer(Transport::Udp),
            t0 + Duration::from_secs(12)
        ),
        RequestOutcome::Absorbed
    );
    assert_eq!(
        layer.server_invite_state(id),
        Some(ServerInviteState::Confirmed)
    );
    // Timer I = T4, then the transaction is gone; no more retransmissions.
    assert!(run_until(&mut layer, t0 + Duration::from_secs(30)).is_empty());
    assert!(layer.is_empty());
    assert_eq!(events(&mut layer), vec![TransactionEvent::Terminated(id)]);
}

#[test]
fn server_invite_timer_h_reports_missing_ack() {
    let (mut layer, t0, id, inv) = server_invite(Transport::Udp);
    layer
        .respond(id, &response_to(&inv, 603, Some("b1")), t0)
        .unwrap();
    run_until(&mut layer, t0 + Duration::from_secs(40));
    assert_eq!(
        events(&mut layer),
        vec![
            TransactionEvent::AckTimeout(id),
            TransactionEvent::Terminated(id)
        ]
    );
    assert!(layer.is_empty());
}

#[test]
fn server_invite_over_tcp_does_not_retransmit() {
    let (mut layer, t0, id, inv) = server_invite(Transport::Tcp);
    layer
        .respond(id, &response_to(&inv, 486, Some("b1")), t0)
        .unwrap();
    drain(&mut layer);
    assert!(run_until(&mut layer, t0 + Duration::from_secs(20)).is_empty());
    layer.on_request(
        request(ACK_NON2XX),
        peer(Transport::Tcp),
        t0 + Duration::from_secs(1),
    );
    // Timer I is zero on reliable transports.
    layer.handle_timeout(t0 + Duration::from_secs(1));
    assert!(layer.is_empty());
}

#[test]
fn server_invite_accepted_absorbs_retransmissions_and_passes_2xx_ack() {
    let (mut layer, t0, id, inv) = server_invite(Transport::Udp);
    layer
        .respond(id, &response_to(&inv, 200, Some("b1")), t0)
        .unwrap();
    drain(&mut layer);
    assert_eq!(
        layer.server_invite_state(id),
        Some(ServerInviteState::Accepted)
    );
    // RFC 6026 §7.1: retransmitted INVITE absorbed without passing up or resending.
    assert_eq!(
        layer.on_request(request(INVITE), peer(Transport::Udp), t0),
        RequestOutcome::Absorbed
    );
    assert!(drain(&mut layer).is_empty());
    // The TU may still retransmit its 2xx.
    layer
        .respond(id, &response_to(&inv, 200, Some("b1")), t0)
        .unwrap();
    assert_eq!(drain(&mut layer).len(), 1);
    // An ACK for the 2xx (its own branch) goes to the user.
    let ack = request(&ACK_NON2XX.replace("z9hG4bK-1", "z9hG4bK-ack"));
    assert!(matches!(
        layer.on_request(ack, peer(Transport::Udp), t0),
        RequestOutcome::Ack(_)
    ));
    // A 486 is refused once accepted.
    assert!(matches!(
        layer.respond(id, &response_to(&inv, 486, Some("b1")), t0),
        Err(TransactionError::WrongState { .. })
    ));
    // Timer L.
    run_until(&mut layer, t0 + Duration::from_secs(33));
    assert!(layer.is_empty());
}

#[test]
fn server_invite_refuses_a_second_final() {
    let (mut layer, t0, id, inv) = server_invite(Transport::Udp);
    layer
        .respond(id, &response_to(&inv, 486, Some("b1")), t0)
        .unwrap();
    assert!(matches!(
        layer.respond(id, &response_to(&inv, 603, Some("b1")), t0),
        Err(TransactionError::WrongState { .. })
    ));
}

#[test]
fn cancel_finds_its_invite() {
    let (mut layer, t0, id, _) = server_invite(Transport::Udp);
    let cancel = request(
        &INVITE
            .replace("INVITE sip", "CANCEL sip")
            .replace("1 INVITE", "1 CANCEL"),
    );
    assert_eq!(layer.cancel_target(&cancel), Some(id));
    let RequestOutcome::New(cid, _) = layer.on_request(cancel, peer(Transport::Udp), t0) else {
        panic!("CANCEL is a transaction of its own")
    };
    assert_ne!(cid, id);
    let other = request(
        &INVITE
            .replace("INVITE sip", "CANCEL sip")
            .replace("1 INVITE", "1 CANCEL")
            .replace("z9hG4bK-1", "z9hG4bK-2"),
    );
    assert_eq!(layer.cancel_target(&other), None);
}

#[test]
fn server_non_invite_resends_final_until_timer_j() {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let options = INVITE
        .replace("INVITE sip", "OPTIONS sip")
        .replace("1 INVITE", "1 OPTIONS");
    let RequestOutcome::New(id, req) =
        layer.on_request(request(&options), peer(Transport::Udp), t0)
    else {
        panic!()
    };
    // Retransmission before any response: nothing to resend (Trying).
    assert_eq!(
        layer.on_request(request(&options), peer(Transport::Udp), t0),
        RequestOutcome::Absorbed
    );
    assert!(drain(&mut layer).is_empty());
    layer
        .respond(id, &response_to(&req, 200, Some("x")), t0)
        .unwrap();
    assert_eq!(drain(&mut layer).len(), 1);
    layer.on_request(
        request(&options),
        peer(Transport::Udp),
        t0 + Duration::from_secs(1),
    );
    assert_eq!(status_of(&drain(&mut layer)[0]), 200);
    run_until(&mut layer, t0 + Duration::from_secs(31));
    assert!(!layer.is_empty());
    run_until(&mut layer, t0 + Duration::from_secs(33));
    assert!(layer.is_empty());
}

fn outgoing_invite() -> Request {
    request(
        &INVITE
            .replace(
                "127.0.0.1:5070;branch=z9hG4bK-1",
                "127.0.0.1:5060;branch=z9hG4bK-out",
            )
            .replace(
                "Max-Forwards: 70",
                "Route: <sip:proxy.example;lr>\nMax-Forwards: 70",
            ),
    )
}

/// A layer at `t0` that has sent [`outgoing_invite`] over UDP (the INVITE already drained).
fn client_invite() -> (TransactionLayer, Instant, TransactionId, Request) {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let invite = outgoing_invite();
    let id = layer
        .send_request(invite.clone(), peer(Transport::Udp), t0)
        .unwrap();
    assert_eq!(drain(&mut layer).len(), 1);
    (layer, t0, id, invite)
}

#[test]
fn client_invite_timer_a_and_b() {
    let (mut layer, t0, id, _) = client_invite();
    let sent = run_until(&mut layer, t0 + Duration::from_secs(40));
    let offsets: Vec<u128> = sent.iter().map(|t| (*t - t0).as_millis()).collect();
    // Timer A doubles from T1 without a cap until Timer B (64*T1 = 32 s).
    assert_eq!(offsets, vec![500, 1500, 3500, 7500, 15500, 31500]);
    assert_eq!(
        events(&mut layer),
        vec![
            TransactionEvent::Timeout(id),
            TransactionEvent::Terminated(id)
        ]
    );
}

#[test]
fn client_invite_acks_non2xx_inside_the_transaction() {
    let (mut layer, t0, id, invite) = client_invite();
    let ringing = response_to(&invite, 180, Some("b9"));
    assert!(matches!(
        layer.on_response(ringing, t0),
        ResponseOutcome::Response(i, _) if i == id
    ));
    // No retransmission after a provisional.
    assert!(run_until(&mut layer, t0 + Duration::from_secs(5)).is_empty());
    let busy = response_to(&invite, 486, Some("b9"));
    assert!(matches!(
        layer.on_response(busy.clone(), t0 + Duration::from_secs(5)),
        ResponseOutcome::Response(..)
    ));
    let ack = drain(&mut layer);
    assert_eq!(ack.len(), 1);
    let Ok(Message::Request(ack)) = parse_datagram(&ack[0].bytes, &Limits::default()) else {
        panic!()
    };
    assert_eq!(ack.method, Method::Ack);
    assert_eq!(ack.uri, invite.uri);
    assert_eq!(ack.top_via().unwrap().branch(), Some("z9hG4bK-out"));
    assert_eq!(ack.to_tag().as_deref(), Some("b9"));
    assert_eq!(ack.cseq().unwrap().seq, 1);
    assert_eq!(ack.cseq().unwrap().method, Method::Ack);
    assert_eq!(
        ack.headers.get(&HeaderName::Route),
        Some("<sip:proxy.example;lr>")
    );
    // A retransmitted 486 is absorbed and re-ACKed.
    assert_eq!(
        layer.on_response(busy, t0 + Duration::from_secs(6)),
        ResponseOutcome::Absorbed
    );
    assert_eq!(drain(&mut layer).len(), 1);
    // Timer D (32 s) ends it.
    run_until(&mut layer, t0 + Duration::from_secs(40));
    assert!(layer.is_empty());
}

#[test]
fn client_invite_2xx_retransmissions_reach_the_user_until_timer_m() {
    let (mut layer, t0, id, invite) = client_invite();
    let ok = response_to(&invite, 200, Some("b9"));
    assert!(
        matches!(layer.on_response(ok.clone(), t0), ResponseOutcome::Response(i, _) if i == id)
    );
    assert!(matches!(
        layer.on_response(ok.clone(), t0),
        ResponseOutcome::Response(..)
    ));
    run_until(&mut layer, t0 + Duration::from_secs(33));
    assert!(layer.is_empty());
    assert!(matches!(
        layer.on_response(ok, t0),
        ResponseOutcome::Stray(_)
    ));
}

#[test]
fn client_non_invite_timer_e_caps_at_t2_and_f_times_out() {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let bye = request(
        &INVITE
            .replace("INVITE sip", "BYE sip")
            .replace("1 INVITE", "2 BYE")
            .replace("z9hG4bK-1", "z9hG4bK-bye"),
    );
    let id = layer.send_request(bye, peer(Transport::Udp), t0).unwrap();
    drain(&mut layer);
    let sent = run_until(&mut layer, t0 + Duration::from_secs(40));
    let offsets: Vec<u128> = sent.iter().map(|t| (*t - t0).as_millis()).collect();
    assert_eq!(
        offsets,
        vec![500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]
    );
    assert_eq!(
        events(&mut layer),
        vec![
            TransactionEvent::Timeout(id),
            TransactionEvent::Terminated(id)
        ]
    );
}

#[test]
fn configurable_t1_scales_every_timer() {
    let t0 = Instant::now();
    let timers = TimerConfig {
        t1: Duration::from_millis(100),
        t2: Duration::from_millis(400),
        t4: Duration::from_millis(500),
    };
    let mut layer = TransactionLayer::new(timers);
    let id = layer
        .send_request(outgoing_invite(), peer(Transport::Udp), t0)
        .unwrap();
    drain(&mut layer);
    run_until(&mut layer, t0 + Duration::from_millis(6_399));
    assert!(events(&mut layer).is_empty());
    run_until(&mut layer, t0 + Duration::from_millis(6_400));
    assert_eq!(events(&mut layer)[0], TransactionEvent::Timeout(id));
}

#[test]
fn legacy_requests_without_cookie_still_match() {
    let t0 = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let legacy = INVITE.replace(";branch=z9hG4bK-1", "");
    let RequestOutcome::New(id, inv) = layer.on_request(request(&legacy), peer(Transport::Udp), t0)
    else {
        panic!()
    };
    layer
        .respond(id, &response_to(&inv, 100, None), t0)
        .unwrap();
    drain(&mut layer);
    assert_eq!(
        layer.on_request(request(&legacy), peer(Transport::Udp), t0),
        RequestOutcome::Absorbed
    );
    assert_eq!(drain(&mut layer).len(), 1);
}

fn cancel_for(invite: &Request) -> Request {
    let mut cancel = Request::new(Method::Cancel, invite.uri.clone());
    for name in [
        HeaderName::Via,
        HeaderName::From,
        HeaderName::To,
        HeaderName::CallId,
    ] {
        cancel
            .headers
            .push(name.clone(), invite.headers.get(&name).unwrap().to_string());
    }
    cancel.headers.push(HeaderName::CSeq, "1 CANCEL");
    cancel
}

#[test]
fn cancelled_invite_without_final_ends_64_t1_after_the_cancel() {
    let (mut layer, t0, id, invite) = client_invite();
    layer.on_response(response_to(&invite, 180, Some("b9")), t0);
    let t1 = t0 + Duration::from_secs(10);
    let cancel = cancel_for(&invite);
    let cid = layer
        .send_request(cancel.clone(), peer(Transport::Udp), t1)
        .unwrap();
    layer.on_response(response_to(&cancel, 200, Some("b9")), t1);
    drain(&mut layer);
    events(&mut layer);
    // The peer never sends the 487: RFC 3261 §9.1 gives up on the INVITE 64*T1 after the
    // CANCEL, and the INVITE transaction must not stay in the table for ever.
    run_until(&mut layer, t1 + Duration::from_millis(31_999));
    assert!(!events(&mut layer).contains(&TransactionEvent::Terminated(id)));
    run_until(&mut layer, t1 + Duration::from_secs(3600));
    let ev = events(&mut layer);
    assert!(ev.contains(&TransactionEvent::Timeout(id)), "{ev:?}");
    assert!(ev.contains(&TransactionEvent::Terminated(id)), "{ev:?}");
    assert!(!ev.contains(&TransactionEvent::Timeout(cid)), "{ev:?}");
    assert!(layer.is_empty());
}

#[test]
fn cancelled_invite_that_gets_its_487_ends_on_timer_d_without_timeout() {
    let (mut layer, t0, id, invite) = client_invite();
    layer.on_response(response_to(&invite, 180, Some("b9")), t0);
    let cancel = cancel_for(&invite);
    layer
        .send_request(cancel.clone(), peer(Transport::Udp), t0)
        .unwrap();
    layer.on_response(response_to(&cancel, 200, Some("b9")), t0);
    let t1 = t0 + Duration::from_secs(1);
    assert!(matches!(
        layer.on_response(response_to(&invite, 487, Some("b9")), t1),
        ResponseOutcome::Response(i, _) if i == id
    ));
    events(&mut layer);
    run_until(&mut layer, t1 + Duration::from_secs(3600));
    let invite_events: Vec<_> = events(&mut layer)
        .into_iter()
        .filter(|e| matches!(e, TransactionEvent::Timeout(i) | TransactionEvent::Terminated(i) if *i == id))
        .collect();
    assert_eq!(invite_events, vec![TransactionEvent::Terminated(id)]);
    assert!(layer.is_empty());
}

/// RFC 3261 §9.1: the layer builds the CANCEL from the INVITE it sent (Request-URI, Call-ID,
/// From, To, CSeq number, top Via, Route), only between the first provisional and a final.
#[test]
fn cancel_is_built_from_the_invite_and_only_while_proceeding() {
    let (mut layer, t0, id, invite) = client_invite();
    assert_eq!(layer.cancel(id, t0), Err(TransactionError::NotCancellable));
    assert!(drain(&mut layer).is_empty());
    let ringing = response_to(&invite, 180, Some("b9"));
    layer.on_response(ringing, t0);
    let cancel_id = layer.cancel(id, t0).unwrap();
    assert_ne!(cancel_id, id);
    let sent = drain(&mut layer);
    assert_eq!(sent.len(), 1);
    let Ok(Message::Request(cancel)) = parse_datagram(&sent[0].bytes, &Limits::default()) else {
        panic!()
    };
    assert_eq!(cancel.method, Method::Cancel);
    assert_eq!(cancel.uri, invite.uri);
    assert_eq!(cancel.top_via().unwrap().branch(), Some("z9hG4bK-out"));
    assert_eq!(cancel.headers.get_all(&HeaderName::Via).count(), 1);
    for name in [HeaderName::From, HeaderName::To, HeaderName::CallId] {
        assert_eq!(
            cancel.headers.get(&name),
            invite.headers.get(&name),
            "{name:?}"
        );
    }
    assert_eq!(cancel.to_tag(), None);
    assert_eq!(cancel.cseq().unwrap().seq, invite.cseq().unwrap().seq);
    assert_eq!(cancel.cseq().unwrap().method, Method::Cancel);
    assert_eq!(
        cancel.headers.get(&HeaderName::Route),
        Some("<sip:proxy.example;lr>")
    );
    // After the final response there is nothing left to cancel.
    let terminated = response_to(&invite, 487, Some("b9"));
    layer.on_response(terminated, t0);
    assert_eq!(layer.cancel(id, t0), Err(TransactionError::NotCancellable));
    assert_eq!(
        layer.cancel(TransactionId(u64::MAX), t0),
        Err(TransactionError::Unknown)
    );
}
