//! Supervision of answered calls by in-dialog OPTIONS (`[supervision]`) on virtual time: a
//! fake caller, a fake callee, the real Lua runtime. Tests assert when the pings go out, that
//! they belong to each leg's dialog (RFC 3261 §12.2.1.1), what the answers do (RFC 3261 §11,
//! §12.2.2) and that a failed ping releases both legs with `Ping Timeout`.

mod common;

use std::time::Duration;

use common::*;

/// Where the route of these tests leads.
const B1: u16 = 5080;

const SCRIPT: &str = r#"local incall_api = require "n2.n2svcd.sip_incall_service"
local scc = ...
incall_api.connect_attempt("1703" .. scc.normalised_called_party)
"#;

/// A simulation pinging every `interval_secs` (0: off), `max_failures` failures allowed.
fn sim(interval_secs: u64, max_failures: u32) -> Sim {
    Sim::builder()
        .only_script("t", SCRIPT)
        .route("1703", "b1", B1)
        .configure(move |c| {
            c.ping_interval = (interval_secs > 0).then(|| Duration::from_secs(interval_secs));
            c.ping_max_failures = max_failures;
        })
        .build()
}

/// A call answered as [`connect_answered`] does it, on the callee at `B1`: returns the
/// caller, the callee and the caller's 200 OK.
fn answered_call(sim: &mut Sim, called: &str) -> (Leg, Uas, Rx) {
    let (leg, uas, ok, _) = connect_answered(sim, called, B1);
    (leg, uas, ok)
}

/// The ping on each leg due at `at_ms` (nothing before it).
fn pings_at(sim: &mut Sim, at_ms: u64) -> (Rx, Rx) {
    sim.advance_to_ms(at_ms - 1);
    assert!(sim.take().is_empty());
    assert!(sim.take_b().is_empty());
    sim.advance_to_ms(at_ms);
    let a = one(sim.take());
    let b = one(sim.take_b());
    for rx in [&a, &b] {
        assert_eq!(rx.label(), "OPTIONS", "{}", rx.text());
        assert_eq!(rx.at.as_millis(), u128::from(at_ms));
    }
    (a, b)
}

fn end_reason(sim: &Sim, leg: &Leg) -> String {
    sim.teardown(&leg.call_id)
        .field("END_REASON")
        .unwrap_or_default()
        .to_string()
}

/// Both legs got exactly a BYE now; the caller and callee answer it and the call is gone.
fn expect_byes(sim: &mut Sim, leg: &Leg, uas: &Uas, at_ms: u128) -> (Rx, Rx) {
    let a_bye = one(sim.take());
    let b_bye = one(sim.take_b());
    assert_eq!(
        (a_bye.label().as_str(), a_bye.at.as_millis()),
        ("BYE", at_ms)
    );
    assert_eq!(
        (b_bye.label().as_str(), b_bye.at.as_millis()),
        ("BYE", at_ms)
    );
    assert_eq!(end_reason(sim, leg), "Ping Timeout");
    sim.send(&leg.reply(&a_bye, 200, None));
    sim.send_b(uas, &uas.reply(&b_bye, 200, None));
    assert_eq!(sim.engine.active_calls(), 0);
    (a_bye, b_bye)
}

#[test]
fn options_go_to_both_legs_every_interval_inside_each_dialog() {
    let mut sim = sim(30, 1);
    let (mut leg, uas, ok) = answered_call(&mut sim, "5550001");
    let our_a_tag = ok.to_tag().unwrap();
    let b_call_id = uas.invite.call_id().unwrap().to_string();
    let our_b_tag = uas.invite.from_tag().unwrap();
    for (round, at) in [31_000u64, 61_000, 91_000].into_iter().enumerate() {
        let n = round as u32 + 1;
        let (a, b) = pings_at(&mut sim, at);
        // The caller's dialog: its Contact as Request-URI, our To tag as From tag.
        assert_eq!(a.request().uri.to_string(), CALLER_CONTACT);
        assert_eq!(a.peer.addr.to_string(), "127.0.0.1:5070");
        assert_eq!(a.get("Call-ID"), Some(leg.call_id.as_str()));
        assert_eq!(a.tag_in_from(), Some(our_a_tag.clone()));
        assert_eq!(a.tag_in_to(), Some(leg.from_tag.clone()));
        assert_eq!(a.get("CSeq"), Some(format!("{n} OPTIONS").as_str()));
        // The B-leg dialog: the callee's Contact, our own Call-ID and tag; CSeq after the
        // INVITE's 1.
        assert_eq!(b.request().uri.to_string(), uas.contact());
        assert_eq!(b.peer, Sim::callee_peer(B1));
        assert_eq!(b.get("Call-ID"), Some(b_call_id.as_str()));
        assert_eq!(b.tag_in_from(), Some(our_b_tag.clone()));
        assert_eq!(b.tag_in_to(), Some(uas.to_tag.clone()));
        assert_eq!(b.get("CSeq"), Some(format!("{} OPTIONS", n + 1).as_str()));
        assert_ne!(a.branch(), b.branch());
        // 200 from the caller; the callee does not allow OPTIONS in a dialog, which still
        // proves the dialog exists (RFC 3261 §11.2).
        sim.send(&leg.reply(&a, 200, None));
        sim.send_b(&uas, &uas.reply(&b, 405, None));
        assert!(sim.take().is_empty());
        assert!(sim.take_b().is_empty());
        assert_eq!(sim.engine.active_calls(), 1);
    }
    assert!(sim.edrs_of("TEARDOWN").is_empty());
    // The caller hangs up: the dialogs' CSeqs went on from the pings.
    sim.send(&leg.bye(&our_a_tag));
    assert_eq!(one(sim.take()).status(), 200);
    let b_bye = one(sim.take_b());
    assert_eq!(b_bye.get("CSeq"), Some("5 BYE"));
    sim.send_b(&uas, &uas.reply(&b_bye, 200, None));
    assert_eq!(end_reason(&sim, &leg), "Downstream BYE");
    // No more pings once the call has ended.
    sim.advance_to_ms(400_000);
    assert!(sim.take().is_empty());
    assert!(sim.take_b().is_empty());
    assert_eq!(sim.engine.active_calls(), 0);
}

#[test]
fn a_481_on_one_leg_ends_the_call_with_bye_on_both_legs() {
    let mut sim = sim(30, 1);
    let (leg, uas, _) = answered_call(&mut sim, "5550002");
    let (a, b) = pings_at(&mut sim, 31_000);
    sim.send(&leg.reply(&a, 200, None));
    assert!(sim.take().is_empty());
    sim.send_b(&uas, &uas.reply(&b, 481, None));
    let (a_bye, b_bye) = expect_byes(&mut sim, &leg, &uas, 31_000);
    assert_eq!(a_bye.get("CSeq"), Some("2 BYE"));
    assert_eq!(b_bye.get("CSeq"), Some("3 BYE"));
    assert_eq!(
        sim.teardown(&leg.call_id).field("DURATION_MS"),
        Some("31000")
    );
    sim.advance_to_ms(200_000);
    assert!(sim.take().is_empty());
    assert!(sim.take_b().is_empty());
    assert_eq!(sim.edrs_of("TEARDOWN").len(), 1);
}

#[test]
fn a_408_from_the_caller_is_a_failure_too() {
    let mut sim = sim(30, 1);
    let (leg, uas, _) = answered_call(&mut sim, "5550003");
    let (a, b) = pings_at(&mut sim, 31_000);
    sim.send_b(&uas, &uas.reply(&b, 200, None));
    assert!(sim.take_b().is_empty());
    sim.send(&leg.reply(&a, 408, None));
    expect_byes(&mut sim, &leg, &uas, 31_000);
}

#[test]
fn a_silent_leg_ends_the_call_at_timer_f() {
    let mut sim = sim(30, 1);
    let (leg, uas, _) = answered_call(&mut sim, "5550004");
    let (a, b) = pings_at(&mut sim, 31_000);
    sim.send(&leg.reply(&a, 200, None));
    // The callee never answers. The next round pings the caller only.
    sim.advance_to_ms(61_000);
    let a = one(sim.take());
    assert_eq!((a.label().as_str(), a.at.as_millis()), ("OPTIONS", 61_000));
    assert_eq!(a.get("CSeq"), Some("2 OPTIONS"));
    sim.send(&leg.reply(&a, 200, None));
    // Timer F: 64*T1 = 32 s after the callee's ping.
    sim.advance_to_ms(62_999);
    assert!(sim.take().is_empty());
    let retransmissions = sim.take_b();
    assert!(!retransmissions.is_empty());
    for r in &retransmissions {
        assert_eq!(r.label(), "OPTIONS");
        assert_eq!(r.branch(), b.branch());
        assert_eq!(r.get("CSeq"), Some("2 OPTIONS"));
    }
    sim.advance_to_ms(63_000);
    let (_, b_bye) = expect_byes(&mut sim, &leg, &uas, 63_000);
    assert_eq!(b_bye.get("CSeq"), Some("3 BYE"));
}

#[test]
fn never_two_pings_in_flight_on_one_leg() {
    let mut sim = sim(5, 1);
    let (leg, uas, _) = answered_call(&mut sim, "5550005");
    let (a, b) = pings_at(&mut sim, 6_000);
    sim.send(&leg.reply(&a, 200, None));
    let mut to_callee = Vec::new();
    // The caller answers each of its pings; the callee's first ping is still unanswered,
    // so it gets none of the later rounds.
    for at in (11_000..=36_000).step_by(5_000) {
        sim.advance_to_ms(at);
        let a = one(sim.take());
        assert_eq!(
            (a.label().as_str(), a.at.as_millis()),
            ("OPTIONS", at.into())
        );
        sim.send(&leg.reply(&a, 200, None));
        to_callee.extend(sim.take_b());
    }
    sim.advance_to_ms(37_999);
    assert!(sim.take().is_empty());
    to_callee.extend(sim.take_b());
    assert!(to_callee.len() > 1);
    for r in &to_callee {
        assert_eq!(r.label(), "OPTIONS");
        assert_eq!(r.branch(), b.branch(), "a second ping was sent");
        assert_eq!(r.get("CSeq"), Some("2 OPTIONS"));
    }
    sim.advance_to_ms(38_000);
    expect_byes(&mut sim, &leg, &uas, 38_000);
}

#[test]
fn two_failures_needed_when_configured_and_an_answer_resets_the_count() {
    let mut sim = sim(30, 2);
    let (leg, uas, _) = answered_call(&mut sim, "5550006");
    // 481, then 200 (reset), then 481: still up.
    for (at, status) in [(31_000, 481), (61_000, 200), (91_000, 481)] {
        let (a, b) = pings_at(&mut sim, at);
        sim.send(&leg.reply(&a, 200, None));
        sim.send_b(&uas, &uas.reply(&b, status, None));
        assert!(sim.take().is_empty());
        assert!(sim.take_b().is_empty());
        assert_eq!(sim.engine.active_calls(), 1);
    }
    // The second 481 in a row ends the call.
    let (a, b) = pings_at(&mut sim, 121_000);
    sim.send(&leg.reply(&a, 200, None));
    sim.send_b(&uas, &uas.reply(&b, 481, None));
    expect_byes(&mut sim, &leg, &uas, 121_000);
}

#[test]
fn pings_are_off_by_default() {
    let mut sim = Sim::builder()
        .only_script("t", SCRIPT)
        .route("1703", "b1", B1)
        .build();
    assert_eq!(sim.engine.config().ping_interval, None);
    let (_leg, _uas, _) = answered_call(&mut sim, "5550007");
    // An hour of call: no request on either leg.
    sim.advance_to_ms(3_600_000);
    assert!(sim.take().is_empty());
    assert!(sim.take_b().is_empty());
    assert_eq!(sim.engine.active_calls(), 1);
}

#[test]
fn a_late_answer_to_a_ping_after_the_call_ended_is_ignored() {
    let mut sim = sim(30, 1);
    let (mut leg, uas, ok) = answered_call(&mut sim, "5550008");
    let (a, b) = pings_at(&mut sim, 31_000);
    sim.send(&leg.reply(&a, 200, None));
    // The caller hangs up while the callee's ping is unanswered.
    sim.advance_to_ms(31_100);
    sim.send(&leg.bye(&ok.to_tag().unwrap()));
    assert_eq!(one(sim.take()).status(), 200);
    let rx = sim.take_b();
    let b_bye = rx.iter().find(|r| r.label() == "BYE").expect("BYE").clone();
    sim.send_b(&uas, &uas.reply(&b_bye, 200, None));
    // Now the callee answers the ping with 481: nothing happens.
    sim.send_b(&uas, &uas.reply(&b, 481, None));
    assert!(sim.take().is_empty());
    assert!(sim.take_b().is_empty());
    assert_eq!(end_reason(&sim, &leg), "Downstream BYE");
    assert_eq!(sim.edrs_of("TEARDOWN").len(), 1);
    assert_eq!(sim.engine.active_calls(), 0);
}
