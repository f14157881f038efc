//! B-leg terminations (seed 003, plain mode) end to end on virtual time: a fake caller on the
//! A-leg, fake callees (UAS) at the routes' addresses, the real Lua runtime. Tests assert the
//! exact messages on both legs (codes, headers, bytes, timings in ms), the result table the
//! script receives (written as a NOTICE by the script) and the EDRs.

mod common;

use callctl_b2bua::{DenormRule, Denormaliser};
use common::*;

/// Where the routes of these tests lead: `1703...` to b1, `1704...` to b2.
const B1: u16 = 5080;
const B2: u16 = 5090;

/// The start of every test script: modules, a `dump` that writes a result table with its
/// keys sorted (so that a NOTICE shows the whole table and nothing else), the context.
const PRELUDE: &str = r#"local n2svcd = require "n2.n2svcd"
local incall_api = require "n2.n2svcd.sip_incall_service"
local function dump(r)
    local keys = {}
    for k in pairs(r) do keys[#keys + 1] = k end
    table.sort(keys)
    local parts = {}
    for _, k in ipairs(keys) do parts[#parts + 1] = k .. "=" .. tostring(r[k]) end
    return table.concat(parts, " ")
end
local scc = ...
"#;

/// The script of a test: the prelude, then `body`.
fn script(body: &str) -> String {
    format!("{PRELUDE}{body}")
}

/// Connects to `1703` + the called number with `args` after the digits, then notices the
/// result table.
fn connect_script(args: &str) -> String {
    script(&format!(
        r#"local r = incall_api.connect_attempt("1703" .. scc.normalised_called_party{args})
n2svcd.notice("%s", dump(r))
"#
    ))
}

/// A simulation running `script` for every call, with both routes.
fn sim_with(script: &str) -> Sim {
    builder(script).build()
}

fn builder(script: &str) -> SimBuilder {
    Sim::builder()
        .only_script("t", script)
        .route("1703", "b1", B1)
        .route("1704", "b2", B2)
}

/// Virtual instants of messages, in ms.
fn times(rx: &[Rx]) -> Vec<u128> {
    rx.iter().map(|r| r.at.as_millis()).collect()
}

/// The result table line the script noticed, exactly once.
fn result_line(sim: &Sim, leg: &Leg) -> String {
    let notices = sim.notices(&leg.call_id);
    assert_eq!(notices.len(), 1, "{notices:?}");
    notices[0].clone()
}

fn end_reason(sim: &Sim, leg: &Leg) -> String {
    sim.teardown(&leg.call_id)
        .field("END_REASON")
        .unwrap_or_default()
        .to_string()
}

// ------------------------------------------------------------------------------------------
// 1. Answer
// ------------------------------------------------------------------------------------------

#[test]
fn answer_bridges_sdp_with_separate_identifiers_and_retransmits_200_until_ack() {
    let mut sim = builder(&connect_script(""))
        .configure(|c| {
            c.denormalisation = Denormaliser {
                called_party: vec![DenormRule {
                    match_prefix: "1703".into(),
                    strip: 4,
                    prepend: "0".into(),
                    ..DenormRule::default()
                }],
                calling_party: vec![],
            }
        })
        .build();
    let mut leg = sim.call_with(
        "5550001",
        InviteOpts {
            sdp: true,
            extra: vec![
                "Record-Route: <sip:proxy.a.example;lr>".into(),
                "Record-Route: <sip:edge.a.example;lr>".into(),
            ],
            ..InviteOpts::default()
        },
    );
    let (ringing, uas) = start(&mut sim, &leg, B1);
    let a_tag = ringing.to_tag().unwrap();
    assert_eq!(ringing.status(), 180);
    assert_eq!(ringing.at.as_millis(), 0);

    // The B-leg INVITE: our identifiers, the caller's offer, the denormalised digits.
    let invite = sim.b_delivered[0].clone();
    let text = invite.text();
    assert!(
        text.starts_with("INVITE sip:05550001@127.0.0.1:5080 SIP/2.0\r\n"),
        "{text}"
    );
    let vias = invite.get_all("Via");
    assert_eq!(vias.len(), 1);
    assert!(vias[0].starts_with("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK"));
    assert!(vias[0].ends_with(";rport"));
    assert_eq!(invite.get("Max-Forwards"), Some("69"));
    assert_eq!(invite.get("CSeq"), Some("1 INVITE"));
    assert_eq!(invite.get("To"), Some("<sip:05550001@127.0.0.1:5080>"));
    assert_eq!(invite.get("Contact"), Some("<sip:127.0.0.1:5060>"));
    assert_eq!(invite.get("Content-Type"), Some("application/sdp"));
    assert_eq!(invite.body(), SDP);
    let b_call_id = invite.request().call_id().unwrap().to_string();
    let b_from_tag = invite.tag_in_from().unwrap();
    assert_ne!(b_call_id, leg.call_id);
    assert_ne!(b_from_tag, leg.from_tag);
    assert_ne!(b_from_tag, a_tag);
    for a_value in [
        "z9hG4bKsim1",
        leg.call_id.as_str(),
        "uac1",
        a_tag.as_str(),
        "127.0.0.1:5070",
        CALLER_CONTACT,
        "proxy.a.example",
        "edge.a.example",
        "Record-Route",
    ] {
        assert!(!text.contains(a_value), "{a_value:?} leaked into\n{text}");
    }

    // B's 100 and 180: the caller already has its 180, and gets no second one.
    sim.advance_to_ms(50);
    sim.send_b(&uas, &uas.answer(100, None, &[]));
    sim.advance_to_ms(1_000);
    sim.send_b(&uas, &uas.answer(180, None, &[]));
    assert!(sim.take().is_empty());
    assert!(sim.take_b().is_empty());

    // B answers at 3456 ms.
    sim.advance_to_ms(3_456);
    let b_sdp = callee_sdp(B1, 1);
    sim.send_b(&uas, &uas.answer(200, Some(&b_sdp), &[]));
    let ok = one(sim.take());
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.at.as_millis(), 3_456);
    assert_eq!(ok.to_tag().as_deref(), Some(a_tag.as_str()));
    assert_eq!(ok.header("Contact"), Some("<sip:127.0.0.1:5060>"));
    assert_eq!(ok.header("Content-Type"), Some("application/sdp"));
    assert_eq!(ok.response().body, b_sdp.as_bytes());
    assert_eq!(ok.call_id(), leg.call_id);
    assert_eq!(ok.cseq(), "1 INVITE");
    let ok_text = ok.text();
    for b_value in [
        b_call_id.as_str(),
        b_from_tag.as_str(),
        uas.to_tag.as_str(),
        "callee@",
        "127.0.0.1:5080",
    ] {
        assert!(
            !ok_text.contains(b_value),
            "{b_value:?} leaked into\n{ok_text}"
        );
    }

    // B's ACK: a new transaction in B's dialog, CSeq 1 ACK, to B's Contact.
    let ack = one(sim.take_b());
    assert_eq!(ack.label(), "ACK");
    assert_eq!(ack.at.as_millis(), 3_456);
    assert!(ack
        .text()
        .starts_with("ACK sip:callee@127.0.0.1:5080 SIP/2.0\r\n"));
    assert_eq!(ack.get("CSeq"), Some("1 ACK"));
    assert_ne!(ack.branch(), invite.branch());
    assert!(ack.branch().starts_with("z9hG4bK"));
    assert_eq!(ack.request().call_id(), Some(b_call_id.as_str()));
    assert_eq!(ack.tag_in_from(), Some(b_from_tag.clone()));
    assert_eq!(ack.tag_in_to().as_deref(), Some(uas.to_tag.as_str()));
    assert!(ack.body().is_empty());

    // The result table, exactly.
    assert_eq!(
        result_line(&sim, &leg),
        "answered=true charged=false code=200 controlled=false decline_ok=false \
         max_call_secs=43200 monitored=false proceed_ok=false reason=Answered ring_dsm=34"
    );
    let answer = sim.edr(&leg.call_id, "ANSWER");
    assert_eq!(answer.field("B_CALL_ID"), Some(b_call_id.as_str()));
    assert_eq!(answer.field("RING_DSM"), Some("34"));
    assert_eq!(answer.field("MAX_CALL_SECS"), Some("43200"));
    assert_eq!(
        sim.events_for(&leg.call_id),
        [
            "IN-INVITE-ALEG",
            "OUT-RESPONSE-ALEG",
            "TERMINATION",
            "OUT-RESPONSE-ALEG",
            "OUT-RESPONSE-ALEG",
            "ANSWER",
            "NOTICE"
        ]
    );

    // No ACK yet: the 200 goes again at T1, 2T1, 4T1 after the first, the same bytes.
    sim.advance_to_ms(8_000);
    let again = sim.take();
    assert_eq!(times(&again), [3_956, 4_956, 6_956]);
    assert!(again.iter().all(|r| r.bytes == ok.bytes));
    sim.send(&leg.ack_2xx(&ok, None));
    sim.advance_to_ms(60_000);
    assert!(sim.take().is_empty());
    assert!(sim.take_b().is_empty());
    // The call is up until someone hangs up.
    assert_eq!(sim.engine.active_calls(), 1);
    assert!(sim.edrs_of("TEARDOWN").is_empty());
}

/// The caller never acknowledges our 200: retransmissions at T1, 2T1, 4T1, then every T2,
/// until 64*T1; then both legs are hung up (RFC 3261 §13.3.1.4).
#[test]
fn unacknowledged_200_releases_both_legs_after_64_t1() {
    let mut sim = sim_with(&connect_script(""));
    let leg = sim.call_with("5550001", with_sdp());
    let (_, uas) = start(&mut sim, &leg, B1);
    let (ok, _) = answer_at(&mut sim, &uas, 1_000);
    sim.advance_to_ms(32_999);
    let again = sim.take();
    assert_eq!(
        times(&again),
        [1_500, 2_500, 4_500, 8_500, 12_500, 16_500, 20_500, 24_500, 28_500, 32_500]
    );
    assert!(again.iter().all(|r| r.bytes == ok.bytes));
    assert!(sim.take_b().is_empty());
    sim.advance_to_ms(33_000);
    assert_eq!(labels(&sim.take()), ["BYE"]);
    assert_eq!(labels(&sim.take_b()), ["BYE"]);
    assert_eq!(end_reason(&sim, &leg), "Transport Failure");
}

// ------------------------------------------------------------------------------------------
// 2. Busy, then a retry to another destination
// ------------------------------------------------------------------------------------------

#[test]
fn busy_b1_is_acked_then_retry_to_b2_connects() {
    let mut sim = sim_with(&script(
        r#"local r = incall_api.connect_attempt("1703" .. scc.normalised_called_party)
n2svcd.notice("%s", dump(r))
if r.reason == incall_api.REASON_DECLINED and r.decline_ok then
    r = incall_api.connect_attempt("1704" .. scc.normalised_called_party)
    n2svcd.notice("%s", dump(r))
end
"#,
    ));
    let leg = sim.call_with("5550002", with_sdp());
    let (ringing, b1) = start(&mut sim, &leg, B1);
    sim.advance_to_ms(300);
    sim.send_b(&b1, &b1.answer(180, None, &[]));
    sim.advance_to_ms(2_000);
    sim.send_b(&b1, &b1.answer(486, None, &[]));

    // The INVITE client transaction acknowledges the 486 itself (RFC 3261 §17.1.1.3), and
    // the script's retry goes to the second route at once.
    let rx = sim.take_b();
    assert_eq!(labels(&rx), ["ACK", "INVITE"]);
    let ack = &rx[0];
    assert_eq!(ack.peer, Sim::callee_peer(B1));
    assert!(ack
        .text()
        .starts_with("ACK sip:17035550002@127.0.0.1:5080 SIP/2.0\r\n"));
    assert_eq!(ack.branch(), b1.branch());
    assert_eq!(ack.get("CSeq"), Some("1 ACK"));
    assert_eq!(ack.tag_in_to().as_deref(), Some(b1.to_tag.as_str()));
    assert_eq!(ack.request().call_id(), b1.invite.call_id());
    let invite2 = &rx[1];
    assert_eq!(invite2.peer, Sim::callee_peer(B2));
    assert!(invite2
        .text()
        .starts_with("INVITE sip:17045550002@127.0.0.1:5090 SIP/2.0\r\n"));
    assert_ne!(invite2.request().call_id(), b1.invite.call_id());
    assert_eq!(invite2.body(), SDP);
    let b2 = Uas::new(invite2, B2);

    // B1 retransmits its 486: the same ACK again.
    sim.send_b(&b1, &b1.answer(486, None, &[]));
    let again = one(sim.take_b());
    assert_eq!(again.bytes, ack.bytes);

    // Nothing reached the caller: no 486, no second 180.
    assert!(sim.take().is_empty());
    assert_eq!(
        sim.notices(&leg.call_id)[0],
        "answered=false charged=false code=486 controlled=true decline_ok=true \
         monitored=false proceed_ok=true reason=Declined"
    );
    let failed = sim.edr(&leg.call_id, "TERMINATION-FAILED");
    assert_eq!(failed.field("RESULT"), Some("Declined"));
    assert_eq!(failed.field("CODE"), Some("486"));

    sim.advance_to_ms(2_400);
    sim.send_b(&b2, &b2.answer(180, None, &[]));
    assert!(sim.take().is_empty());
    sim.advance_to_ms(4_000);
    let sdp2 = callee_sdp(B2, 1);
    sim.send_b(&b2, &b2.answer(200, Some(&sdp2), &[]));
    let ok = one(sim.take());
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.to_tag(), ringing.to_tag());
    assert_eq!(ok.response().body, sdp2.as_bytes());
    let ack2 = one(sim.take_b());
    assert_eq!(ack2.label(), "ACK");
    assert_eq!(ack2.peer, Sim::callee_peer(B2));
    assert_eq!(ack2.get("CSeq"), Some("1 ACK"));
    assert_eq!(
        sim.notices(&leg.call_id),
        [
            "answered=false charged=false code=486 controlled=true decline_ok=true \
             monitored=false proceed_ok=true reason=Declined",
            // ring_dsm counts from the second INVITE (at 2000 ms).
            "answered=true charged=false code=200 controlled=false decline_ok=false \
             max_call_secs=43200 monitored=false proceed_ok=false reason=Answered ring_dsm=20"
        ]
    );
    let terminations = sim
        .edrs_for(&leg.call_id)
        .into_iter()
        .filter(|e| e.event == "TERMINATION")
        .map(|e| e.field("PEER").unwrap().to_string())
        .collect::<Vec<_>>();
    assert_eq!(terminations, ["b1", "b2"]);
}

// ------------------------------------------------------------------------------------------
// 3. No answer: our CANCEL at the no-answer timeout
// ------------------------------------------------------------------------------------------

/// Runs a no-answer case: B rings at 100 ms and never answers; checks that the CANCEL goes at
/// exactly `cancel_at_ms` and what follows; the script then declines 480.
fn no_answer_case(
    args: &str,
    configure: impl FnOnce(&mut callctl_b2bua::EngineConfig) + 'static,
    cancel_at_ms: u64,
) {
    let mut sim = builder(&script(&format!(
        r#"local r = incall_api.connect_attempt("1703" .. scc.normalised_called_party{args})
n2svcd.notice("%s", dump(r))
incall_api.decline(480)
"#
    )))
    .configure(configure)
    .build();
    sim.auto_ack = true;
    let leg = sim.call_with("5550003", with_sdp());
    let (_, uas) = start(&mut sim, &leg, B1);
    sim.advance_to_ms(100);
    sim.send_b(&uas, &uas.answer(180, None, &[]));
    sim.advance_to_ms(cancel_at_ms - 1);
    assert!(sim.take_b().is_empty());
    assert!(sim.take().is_empty());
    sim.advance_to_ms(cancel_at_ms);
    let cancel = one(sim.take_b());
    assert_eq!(cancel.label(), "CANCEL");
    assert_eq!(cancel.at.as_millis(), u128::from(cancel_at_ms));
    // RFC 3261 §9.1: the INVITE's Request-URI, top Via (branch), Call-ID, From, To and
    // CSeq number.
    let invite = &uas.invite;
    assert!(cancel
        .text()
        .starts_with(&format!("CANCEL {} SIP/2.0\r\n", invite.uri)));
    assert_eq!(cancel.get_all("Via"), uas.invite_header("Via"));
    assert_eq!(cancel.get("CSeq"), Some("1 CANCEL"));
    assert_eq!(cancel.request().call_id(), invite.call_id());
    assert_eq!(cancel.get_all("From"), uas.invite_header("From"));
    assert_eq!(cancel.get_all("To"), uas.invite_header("To"));
    assert_eq!(cancel.get("Max-Forwards"), Some("70"));
    assert!(sim.take().is_empty());

    // B confirms: 200 to the CANCEL, 487 to the INVITE (which our transaction ACKs).
    sim.advance_ms(20);
    sim.send_b(&uas, &uas.reply(&cancel, 200, None));
    assert!(sim.take_b().is_empty());
    sim.send_b(&uas, &uas.answer(487, None, &[]));
    let ack = one(sim.take_b());
    assert_eq!(ack.label(), "ACK");
    assert_eq!(ack.branch(), cancel.branch());
    assert_eq!(ack.get("CSeq"), Some("1 ACK"));

    // The script has control back, without a code, and declines.
    assert_eq!(
        result_line(&sim, &leg),
        "answered=false charged=false controlled=true decline_ok=true monitored=false \
         proceed_ok=true reason=No Answer"
    );
    let fin = one(sim.take());
    assert_eq!(fin.status(), 480);
    assert_eq!(fin.at.as_millis(), u128::from(cancel_at_ms + 20));
    assert_eq!(end_reason(&sim, &leg), "Script Decline");
    let failed = sim.edr(&leg.call_id, "TERMINATION-FAILED");
    assert_eq!(failed.field("RESULT"), Some("No Answer"));
    assert_eq!(failed.field("CODE"), None);
    sim.advance_ms(40_000);
    assert_eq!(sim.engine.active_calls(), 0);
}

#[test]
fn no_answer_cancel_at_the_script_timeout() {
    no_answer_case(", 5", |_| {}, 5_000);
}

#[test]
fn no_answer_cancel_at_the_default_60_s() {
    no_answer_case("", |_| {}, 60_000);
}

#[test]
fn no_answer_timeout_above_the_maximum_is_capped() {
    no_answer_case(", 45", |c| c.max_no_answer_secs = 20, 20_000);
}

// ------------------------------------------------------------------------------------------
// 4. No answer before any provisional
// ------------------------------------------------------------------------------------------

/// B never responds: the INVITE is retransmitted on Timer A and Timer B ends it at
/// 64*T1 = 32 s. No CANCEL may go out before a provisional (RFC 3261 §9.1). With the default
/// no-answer timeout (60 s, later than Timer B) the script hears "No Route" at 32 s (nothing
/// answered at all). With a shorter timeout the script gets "No Answer" at that timeout, and
/// the INVITE goes on in the background until Timer B, with no effect on the call.
#[test]
fn silent_callee_timer_b_at_32_s() {
    for (args, reason, at) in [("", "No Route", 32_000), (", 5", "No Answer", 5_000)] {
        let mut sim = sim_with(&connect_script(args));
        sim.auto_ack = true;
        let leg = sim.call_with("5550004", with_sdp());
        let (_, _uas) = start(&mut sim, &leg, B1);
        sim.advance_to_ms(at - 1);
        assert!(sim.notices(&leg.call_id).is_empty());
        sim.advance_to_ms(at);
        assert_eq!(
            result_line(&sim, &leg),
            format!(
                "answered=false charged=false controlled=true decline_ok=true \
                 monitored=false proceed_ok=true reason={reason}"
            )
        );
        // The script returned: the automatic hangup, at once.
        let fin = one(sim.take());
        assert_eq!((fin.status(), fin.at.as_millis()), (603, u128::from(at)));
        sim.advance_to_ms(32_000);
        let resent = sim.take_b();
        let invites: Vec<_> = resent
            .iter()
            .filter(|r| labels(std::slice::from_ref(r)) == ["INVITE"])
            .collect();
        assert_eq!(
            invites.len(),
            resent.len(),
            "no CANCEL without a provisional"
        );
        assert!(resent.iter().all(|r| r.bytes == sim.b_delivered[0].bytes));
        sim.advance_ms(40_000);
        assert_eq!(sim.engine.active_calls(), 0);
        assert!(sim.take_b().is_empty());
        assert!(
            sim.take().is_empty(),
            "the late end of the B-leg changes nothing"
        );
    }
}

/// A 100 Trying is a provisional response (RFC 3261 §9.1 allows the CANCEL after "a
/// provisional response", §17.1.1.2 stops Timer B on it): the CANCEL goes at the no-answer
/// timeout, and nothing is relayed to the caller.
#[test]
fn trying_only_callee_is_cancelled_at_the_no_answer_timeout() {
    let mut sim = sim_with(&connect_script(", 5"));
    sim.auto_ack = true;
    let leg = sim.call_with("5550004", with_sdp());
    let (_, uas) = start(&mut sim, &leg, B1);
    sim.advance_to_ms(40);
    sim.send_b(&uas, &uas.answer(100, None, &[]));
    assert!(sim.take().is_empty());
    sim.advance_to_ms(4_999);
    assert!(
        sim.take_b().is_empty(),
        "no INVITE retransmission after the 100"
    );
    sim.advance_to_ms(5_000);
    let cancel = one(sim.take_b());
    assert_eq!(cancel.label(), "CANCEL");
    assert_eq!(cancel.at.as_millis(), 5_000);
    assert_eq!(cancel.get("CSeq"), Some("1 CANCEL"));
    assert_eq!(cancel.branch(), uas.branch());
    sim.advance_to_ms(5_030);
    sim.send_b(&uas, &uas.reply(&cancel, 200, None));
    sim.send_b(&uas, &uas.answer(487, None, &[]));
    assert_eq!(labels(&sim.take_b()), ["ACK"]);
    assert_eq!(
        result_line(&sim, &leg),
        "answered=false charged=false controlled=true decline_ok=true monitored=false \
         proceed_ok=true reason=No Answer"
    );
    let fin = one(sim.take());
    assert_eq!((fin.status(), fin.at.as_millis()), (603, 5_030));
    sim.advance_ms(40_000);
    assert_eq!(sim.engine.active_calls(), 0);
    assert_eq!(sim.engine.active_transactions(), 0);
}

// ------------------------------------------------------------------------------------------
// 5. No route
// ------------------------------------------------------------------------------------------

/// No route for the digits: the script gets "No Route" at once, no INVITE goes out, no 180
/// reaches the caller, and the service-logic guard (2500 ms) restarts from the result.
#[test]
fn no_route_returns_at_once_and_the_service_logic_guard_applies() {
    let mut sim = sim_with(&script(
        r#"n2svcd.wait(1)
local r = incall_api.connect_attempt("999" .. scc.normalised_called_party)
n2svcd.notice("%s", dump(r))
n2svcd.wait(60)
"#,
    ));
    let leg = sim.call_with("5550005", with_sdp());
    sim.invite(&leg);
    assert_eq!(labels(&sim.take()), ["100"]);
    sim.advance_to_ms(1_000);
    assert_eq!(
        result_line(&sim, &leg),
        "answered=false charged=false controlled=true decline_ok=true monitored=false \
         proceed_ok=true reason=No Route"
    );
    let termination = sim.edr(&leg.call_id, "TERMINATION");
    assert_eq!(termination.field("RESULT"), Some("No Route"));
    assert_eq!(termination.field("DIGITS"), Some("9995550005"));
    assert!(sim.take().is_empty());
    sim.advance_to_ms(3_499);
    assert!(sim.take().is_empty());
    sim.advance_to_ms(3_500);
    let fin = one(sim.take());
    assert_eq!((fin.status(), fin.at.as_millis()), (500, 3_500));
    assert_eq!(end_reason(&sim, &leg), "Service Logic Timeout");
    assert!(sim.b_delivered.is_empty());
    assert!(sim.wire.iter().all(|r| r.peer == sim.caller));
}

// ------------------------------------------------------------------------------------------
// 6. B's final response codes
// ------------------------------------------------------------------------------------------

#[test]
fn final_codes_map_to_reasons() {
    for (code, reason) in [
        (404, "Declined"),
        (408, "No Answer"),
        (480, "No Answer"),
        (503, "Declined"),
        (302, "Declined"),
        (603, "Declined"),
    ] {
        let mut sim = sim_with(&connect_script(""));
        sim.auto_ack = true;
        let leg = sim.call_with("5550006", with_sdp());
        let (_, uas) = start(&mut sim, &leg, B1);
        sim.advance_to_ms(100);
        sim.send_b(&uas, &uas.answer(183, None, &[]));
        let early = one(sim.take());
        assert_eq!(early.status(), 183, "a 183 without SDP is relayed as it is");
        sim.advance_to_ms(700);
        let extra: &[&str] = if code == 302 {
            &["Contact: <sip:elsewhere@192.0.2.9>"]
        } else {
            &[]
        };
        sim.send_b(&uas, &uas.answer(code, None, extra));
        let ack = one(sim.take_b());
        assert_eq!(ack.label(), "ACK", "{code}");
        assert_eq!(ack.get("CSeq"), Some("1 ACK"));
        assert_eq!(
            result_line(&sim, &leg),
            format!(
                "answered=false charged=false code={code} controlled=true decline_ok=true \
                 monitored=false proceed_ok=true reason={reason}"
            )
        );
        // Nothing of B's final goes to the caller: the script's own ending does (603).
        let fin = one(sim.take());
        assert_eq!((fin.status(), fin.at.as_millis()), (603, 700), "{code}");
        assert_eq!(fin.header("Contact"), None);
    }
}

// ------------------------------------------------------------------------------------------
// 7-8. The caller abandons during the attempt
// ------------------------------------------------------------------------------------------

const ABANDONED: &str = "answered=false charged=false controlled=false decline_ok=false \
                         monitored=false proceed_ok=false reason=Abandoned";

#[test]
fn caller_cancel_while_b_rings_cancels_b() {
    let mut sim = sim_with(&connect_script(", 30").replace(
        "n2svcd.notice(\"%s\", dump(r))\n",
        "n2svcd.notice(\"%s\", dump(r))\nn2svcd.wait(1)\n",
    ));
    let leg = sim.call_with("5550007", with_sdp());
    let (ringing, uas) = start(&mut sim, &leg, B1);
    sim.advance_to_ms(100);
    sim.send_b(&uas, &uas.answer(180, None, &[]));
    sim.advance_to_ms(2_000);
    sim.send(&leg.cancel());

    let rx = sim.take();
    assert_eq!(labels(&rx), ["200", "487"]);
    assert_eq!(rx[0].cseq(), "1 CANCEL");
    assert_eq!(rx[1].cseq(), "1 INVITE");
    assert_eq!(rx[1].to_tag(), ringing.to_tag());
    let cancel = one(sim.take_b());
    assert_eq!(cancel.label(), "CANCEL");
    assert_eq!(cancel.at.as_millis(), 2_000);
    assert_eq!(cancel.branch(), uas.branch());
    assert_eq!(result_line(&sim, &leg), ABANDONED);
    assert_eq!(
        sim.edr(&leg.call_id, "ABANDON").field("CALL_ID"),
        Some(leg.call_id.as_str())
    );
    assert_eq!(end_reason(&sim, &leg), "Abandoned");
    assert_eq!(sim.teardown(&leg.call_id).field("CODE"), Some("487"));
    sim.send(&leg.ack(&rx[1]));

    // The call lives on while B's INVITE is unfinished and while the script runs.
    assert_eq!(sim.engine.active_calls(), 1);
    sim.advance_to_ms(2_100);
    sim.send_b(&uas, &uas.reply(&cancel, 200, None));
    sim.send_b(&uas, &uas.answer(487, None, &[]));
    let ack = one(sim.take_b());
    assert_eq!(ack.label(), "ACK");
    assert_eq!(ack.get("CSeq"), Some("1 ACK"));
    assert_eq!(ack.branch(), cancel.branch());
    assert_eq!(sim.engine.active_calls(), 1, "the script still waits");
    sim.advance_to_ms(3_000);
    assert_eq!(sim.engine.active_calls(), 0);
    assert!(sim.take().is_empty());
    let failed = sim.edr(&leg.call_id, "TERMINATION-FAILED");
    assert_eq!(failed.field("RESULT"), Some("Abandoned"));
    assert_eq!(failed.field("CODE"), None);
    assert_eq!(sim.edrs_of("TEARDOWN").len(), 1);
}

/// The caller gives up before B sent any provisional: the CANCEL to B waits for B's first
/// provisional (RFC 3261 §9.1), a 100 as well as a 180, and goes out with it; the
/// provisional is not relayed.
#[test]
fn caller_cancel_before_b_provisional_waits_for_it() {
    for first in [180, 100] {
        let mut sim = sim_with(&connect_script(""));
        sim.auto_ack = true;
        let leg = sim.call_with("5550008", with_sdp());
        let (_, uas) = start(&mut sim, &leg, B1);
        sim.advance_to_ms(300);
        sim.send(&leg.cancel());
        assert_eq!(labels(&sim.take()), ["200", "487"]);
        assert_eq!(result_line(&sim, &leg), ABANDONED);
        // The script ended, but the B-leg INVITE is still unanswered: the call stays.
        assert!(sim.take_b().is_empty());
        assert_eq!(sim.engine.active_calls(), 1);
        sim.advance_to_ms(1_200);
        // Timer A kept retransmitting the INVITE meanwhile (500 ms).
        assert_eq!(labels(&sim.take_b()), ["INVITE"]);
        sim.send_b(&uas, &uas.answer(first, None, &[]));
        let cancel = one(sim.take_b());
        assert_eq!(cancel.label(), "CANCEL", "after {first}");
        assert_eq!(cancel.at.as_millis(), 1_200);
        assert_eq!(cancel.get("CSeq"), Some("1 CANCEL"));
        assert!(
            sim.take().is_empty(),
            "B's {first} is not relayed to an abandoned caller"
        );
        sim.send_b(&uas, &uas.reply(&cancel, 200, None));
        sim.send_b(&uas, &uas.answer(487, None, &[]));
        assert_eq!(labels(&sim.take_b()), ["ACK"]);
        assert_eq!(sim.engine.active_calls(), 0);
        assert_eq!(sim.edrs_of("TEARDOWN").len(), 1);
    }
}

/// Same, but B answers 200 instead of sending a provisional: the engine acknowledges the
/// 2xx and hangs B up with a BYE; no CANCEL is ever sent.
#[test]
fn caller_cancel_before_b_provisional_then_b_answers_gets_ack_and_bye() {
    let mut sim = sim_with(&connect_script(""));
    sim.auto_ack = true;
    let leg = sim.call_with("5550008", with_sdp());
    let (_, uas) = start(&mut sim, &leg, B1);
    sim.advance_to_ms(300);
    sim.send(&leg.cancel());
    assert_eq!(labels(&sim.take()), ["200", "487"]);
    sim.advance_to_ms(400);
    sim.send_b(&uas, &uas.answer(200, Some(&callee_sdp(B1, 1)), &[]));
    let rx = sim.take_b();
    assert_eq!(labels(&rx), ["ACK", "BYE"]);
    assert_eq!(rx[0].get("CSeq"), Some("1 ACK"));
    let bye = &rx[1];
    assert!(bye
        .text()
        .starts_with("BYE sip:callee@127.0.0.1:5080 SIP/2.0\r\n"));
    assert_eq!(bye.get("CSeq"), Some("2 BYE"));
    assert_eq!(bye.tag_in_to().as_deref(), Some(uas.to_tag.as_str()));
    assert!(sim.take().is_empty(), "nothing more for the caller");
    assert!(sim.edrs_of("ANSWER").is_empty());
    sim.send_b(&uas, &uas.reply(bye, 200, None));
    assert_eq!(sim.engine.active_calls(), 0);
    assert_eq!(sim.edrs_of("TEARDOWN").len(), 1);
    assert_eq!(end_reason(&sim, &leg), "Abandoned");
    // The call is gone with its B-leg state: a retransmission of B's 200 now finds
    // nothing and is dropped (no second ACK, no second BYE).
    sim.send_b(&uas, &uas.answer(200, Some(&callee_sdp(B1, 1)), &[]));
    assert!(sim.take_b().is_empty());
}

// ------------------------------------------------------------------------------------------
// 9-10. CANCEL crossing a 200
// ------------------------------------------------------------------------------------------

/// The caller's CANCEL arrives just after we sent it the 200: the CANCEL gets its 200
/// (the INVITE transaction still exists, RFC 6026 Accepted), no 487, and the call stays.
#[test]
fn caller_cancel_crossing_our_200_leaves_the_call_up() {
    let mut sim = sim_with(&connect_script(""));
    let mut leg = sim.call_with("5550009", with_sdp());
    let (_, uas) = start(&mut sim, &leg, B1);
    let (ok, _) = answer_at(&mut sim, &uas, 1_000);
    sim.advance_to_ms(1_010);
    sim.send(&leg.cancel());
    let rx = one(sim.take());
    assert_eq!((rx.status(), rx.cseq()), (200, "1 CANCEL"));
    assert!(sim.take_b().is_empty());
    assert!(sim.edrs_of("ABANDON").is_empty());
    assert!(sim.edrs_of("TEARDOWN").is_empty());
    sim.send(&leg.ack_2xx(&ok, None));
    sim.advance_to_ms(20_000);
    assert!(sim.take().is_empty());
    assert!(sim.take_b().is_empty());
    let tag = ok.to_tag().unwrap();
    sim.send(&leg.bye(&tag));
    let rx = one(sim.take());
    assert_eq!((rx.status(), rx.cseq()), (200, "3 BYE"));
    let bye = one(sim.take_b());
    assert_eq!(bye.label(), "BYE");
    sim.send_b(&uas, &uas.reply(&bye, 200, None));
    assert_eq!(end_reason(&sim, &leg), "Downstream BYE");
    assert_eq!(sim.edrs_of("TEARDOWN").len(), 1);
    assert_eq!(sim.engine.active_calls(), 0);
}

/// Our no-answer CANCEL crosses B's 200: B answered, so the call is connected (the 2xx wins,
/// RFC 3261 §9.1: a CANCEL has no effect on a request that already got its final). B's 200
/// to the CANCEL changes nothing.
#[test]
fn b_200_crossing_our_no_answer_cancel_connects_the_call() {
    let mut sim = sim_with(&connect_script(", 5"));
    let mut leg = sim.call_with("5550010", with_sdp());
    let (_, uas) = start(&mut sim, &leg, B1);
    sim.advance_to_ms(100);
    sim.send_b(&uas, &uas.answer(180, None, &[]));
    sim.advance_to_ms(5_000);
    let cancel = one(sim.take_b());
    assert_eq!(cancel.label(), "CANCEL");
    sim.advance_to_ms(5_010);
    let b_sdp = callee_sdp(B1, 1);
    sim.send_b(&uas, &uas.answer(200, Some(&b_sdp), &[]));
    let ok = one(sim.take());
    assert_eq!((ok.status(), ok.at.as_millis()), (200, 5_010));
    assert_eq!(ok.response().body, b_sdp.as_bytes());
    let ack = one(sim.take_b());
    assert_eq!(ack.label(), "ACK");
    assert_eq!(ack.get("CSeq"), Some("1 ACK"));
    sim.send_b(&uas, &uas.reply(&cancel, 200, None));
    assert!(sim.take().is_empty());
    assert!(sim.take_b().is_empty());
    assert_eq!(
        result_line(&sim, &leg),
        "answered=true charged=false code=200 controlled=false decline_ok=false \
         max_call_secs=43200 monitored=false proceed_ok=false reason=Answered ring_dsm=50"
    );
    assert!(sim.edrs_of("TERMINATION-FAILED").is_empty());
    sim.send(&leg.ack_2xx(&ok, None));
    sim.advance_to_ms(60_000);
    // Still up: no BYE anywhere.
    assert!(sim.take().is_empty());
    assert!(sim.take_b().is_empty());
    assert!(sim.edrs_of("TEARDOWN").is_empty());
    assert_eq!(sim.engine.active_calls(), 1);
}

// ------------------------------------------------------------------------------------------
// 11-12. Hang-ups after answer
// ------------------------------------------------------------------------------------------

#[test]
fn b_hangs_up_first_upstream_bye() {
    let mut sim = sim_with(&connect_script(""));
    let (leg, mut uas, ok, _) = connect_answered(&mut sim, "5550011", B1);
    sim.advance_to_ms(9_000);
    let (bye_text, _) = uas.request("BYE", None);
    sim.send_b(&uas, &bye_text);
    let rx = one(sim.take_b());
    assert_eq!((rx.status(), rx.cseq()), (200, "1 BYE"));
    assert_eq!(rx.to_tag(), uas.invite.from_tag());
    let bye = one(sim.take());
    assert_eq!(bye.label(), "BYE");
    assert_eq!(bye.peer, sim.caller);
    assert!(bye
        .text()
        .starts_with(&format!("BYE {CALLER_CONTACT} SIP/2.0\r\n")));
    assert_eq!(bye.get("Reason"), None);
    assert_eq!(bye.get("CSeq"), Some("1 BYE"));
    assert_eq!(bye.request().call_id(), Some(leg.call_id.as_str()));
    assert_eq!(bye.tag_in_from(), ok.to_tag());
    assert_eq!(bye.tag_in_to(), Some(leg.from_tag.clone()));
    sim.send(&leg.reply(&bye, 200, None));
    assert_eq!(end_reason(&sim, &leg), "Upstream BYE");
    assert_eq!(sim.edrs_of("TEARDOWN").len(), 1);
    assert_eq!(
        sim.teardown(&leg.call_id).field("DURATION_MS"),
        Some("9000")
    );
    assert_eq!(sim.engine.active_calls(), 0);
    sim.advance_to_ms(60_000);
    assert!(sim.take().is_empty());
    assert!(sim.take_b().is_empty());
    assert_eq!(sim.edrs_of("TEARDOWN").len(), 1);
}

#[test]
fn caller_hangs_up_first_downstream_bye() {
    let mut sim = sim_with(&connect_script(""));
    let (mut leg, uas, ok, ack) = connect_answered(&mut sim, "5550011", B1);
    sim.advance_to_ms(9_000);
    sim.send(&leg.bye(&ok.to_tag().unwrap()));
    let rx = one(sim.take());
    assert_eq!((rx.status(), rx.cseq()), (200, "3 BYE"));
    let bye = one(sim.take_b());
    assert_eq!(bye.label(), "BYE");
    assert!(bye
        .text()
        .starts_with("BYE sip:callee@127.0.0.1:5080 SIP/2.0\r\n"));
    assert_eq!(bye.get("CSeq"), Some("2 BYE"));
    assert_eq!(bye.get("Reason"), None);
    assert_eq!(bye.request().call_id(), uas.invite.call_id());
    assert_eq!(bye.tag_in_from(), ack.tag_in_from());
    assert_eq!(bye.tag_in_to(), Some(uas.to_tag.clone()));
    sim.send_b(&uas, &uas.reply(&bye, 200, None));
    assert_eq!(end_reason(&sim, &leg), "Downstream BYE");
    assert_eq!(sim.edrs_of("TEARDOWN").len(), 1);
    assert_eq!(sim.engine.active_calls(), 0);
    sim.advance_to_ms(60_000);
    assert!(sim.take().is_empty());
    assert!(sim.take_b().is_empty());
    assert_eq!(sim.edrs_of("TEARDOWN").len(), 1);
}

/// The caller sends BYE without ever acknowledging our 200: the BYE is answered, the 2xx
/// retransmissions stop, B is hung up.
#[test]
fn bye_before_ack_stops_the_200_retransmissions() {
    let mut sim = sim_with(&connect_script(""));
    let mut leg = sim.call_with("5550012", with_sdp());
    let (_, uas) = start(&mut sim, &leg, B1);
    let (ok, _) = answer_at(&mut sim, &uas, 1_000);
    sim.advance_to_ms(1_600);
    let again = one(sim.take());
    assert_eq!((again.status(), again.at.as_millis()), (200, 1_500));
    sim.send(&leg.bye(&ok.to_tag().unwrap()));
    let rx = one(sim.take());
    assert_eq!((rx.status(), rx.cseq()), (200, "2 BYE"));
    assert_eq!(labels(&sim.take_b()), ["BYE"]);
    sim.advance_to_ms(60_000);
    let later = sim.take();
    assert!(
        later.iter().all(|r| r.cseq() != "1 INVITE"),
        "{:?}",
        labels(&later)
    );
    assert_eq!(end_reason(&sim, &leg), "Downstream BYE");
}

// ------------------------------------------------------------------------------------------
// 13. B retransmits its 200
// ------------------------------------------------------------------------------------------

/// B's 200 again after our ACK: the same ACK bytes again, while the INVITE transaction is
/// in its Accepted state (RFC 6026) and after Timer M (32 s) ended it.
#[test]
fn retransmitted_b_200_is_acked_again_with_the_same_bytes() {
    let mut sim = sim_with(&connect_script(""));
    let (_leg, uas, _ok, ack) = connect_answered(&mut sim, "5550013", B1);
    let b_ok = uas.answer(200, Some(&callee_sdp(B1, 1)), &[]);
    sim.advance_to_ms(1_500);
    sim.send_b(&uas, &b_ok);
    let again = one(sim.take_b());
    assert_eq!(again.bytes, ack.bytes);
    assert!(sim.take().is_empty(), "the caller sees none of it");
    let transactions = sim.engine.active_transactions();
    sim.advance_to_ms(33_001);
    assert!(
        sim.engine.active_transactions() < transactions,
        "Timer M ended it"
    );
    sim.send_b(&uas, &b_ok);
    let stray = one(sim.take_b());
    assert_eq!(stray.bytes, ack.bytes);
    assert_eq!(stray.peer, Sim::callee_peer(B1));
    assert!(sim.take().is_empty());
    assert!(sim.edrs_of("TEARDOWN").is_empty());
}

// ------------------------------------------------------------------------------------------
// 14. max_call_secs
// ------------------------------------------------------------------------------------------

#[test]
fn max_call_secs_releases_both_legs_at_exactly_30_s_after_answer() {
    let mut sim = sim_with(&connect_script(", nil, 30"));
    let mut leg = sim.call_with("5550014", with_sdp());
    let (_, uas) = start(&mut sim, &leg, B1);
    let (ok, _) = answer_at(&mut sim, &uas, 1_234);
    sim.send(&leg.ack_2xx(&ok, None));
    assert_eq!(
        result_line(&sim, &leg),
        "answered=true charged=false code=200 controlled=false decline_ok=false \
         max_call_secs=30 monitored=false proceed_ok=false reason=Answered ring_dsm=12"
    );
    assert_eq!(
        sim.edr(&leg.call_id, "ANSWER").field("MAX_CALL_SECS"),
        Some("30")
    );
    sim.advance_to_ms(31_233);
    assert!(sim.take().is_empty());
    assert!(sim.take_b().is_empty());
    sim.advance_to_ms(31_234);
    let a_bye = one(sim.take());
    let b_bye = one(sim.take_b());
    assert_eq!(
        (a_bye.label().as_str(), a_bye.at.as_millis()),
        ("BYE", 31_234)
    );
    assert_eq!(
        (b_bye.label().as_str(), b_bye.at.as_millis()),
        ("BYE", 31_234)
    );
    assert_eq!(a_bye.get("Reason"), None);
    assert_eq!(a_bye.get("CSeq"), Some("1 BYE"));
    assert_eq!(b_bye.get("CSeq"), Some("2 BYE"));
    assert_eq!(end_reason(&sim, &leg), "Lifetime Timeout");
    assert_eq!(
        sim.teardown(&leg.call_id).field("DURATION_MS"),
        Some("31234")
    );
    sim.send(&leg.reply(&a_bye, 200, None));
    sim.send_b(&uas, &uas.reply(&b_bye, 200, None));
    assert_eq!(sim.engine.active_calls(), 0);
    sim.advance_to_ms(100_000);
    assert!(sim.take().is_empty());
    assert!(sim.take_b().is_empty());
    assert_eq!(sim.edrs_of("TEARDOWN").len(), 1);
}

/// `max_call_secs` in the result table after the configured bounds (here 10..=3600).
fn bounded_max_call(args: &str) -> String {
    let mut sim = builder(&connect_script(args))
        .configure(|c| {
            c.min_call_secs = 10;
            c.max_call_secs = 3_600;
        })
        .build();
    let leg = sim.call_with("5550014", with_sdp());
    let (_, uas) = start(&mut sim, &leg, B1);
    answer_at(&mut sim, &uas, 1_000);
    let line = result_line(&sim, &leg);
    line.split(' ')
        .find_map(|kv| kv.strip_prefix("max_call_secs="))
        .unwrap()
        .to_string()
}

#[test]
fn max_call_secs_is_bounded_by_configuration() {
    assert_eq!(bounded_max_call(", nil, 5"), "10");
    assert_eq!(bounded_max_call(", nil, 10"), "10");
    assert_eq!(bounded_max_call(", nil, 600"), "600");
    assert_eq!(bounded_max_call(", nil, 100000"), "3600");
    // Without a value the default (43200) is bounded too.
    assert_eq!(bounded_max_call(""), "3600");
}

/// 0 is not a "positive integer": the runtime refuses it at the script line, before any
/// INVITE; the script fails and the caller gets the script-error code.
#[test]
fn max_call_secs_zero_is_a_script_error() {
    let mut sim = sim_with(&connect_script(", nil, 0"));
    let leg = sim.call_with("5550014", with_sdp());
    sim.invite(&leg);
    assert_eq!(labels(&sim.take()), ["100", "500"]);
    assert!(sim.b_delivered.is_empty());
    let exception = sim
        .edr(&leg.call_id, "SHUTDOWN")
        .field("EXCEPTION")
        .unwrap()
        .to_string();
    assert!(
        exception.contains("connect_attempt: max_call_secs must be an integer 1-604800 (got 0)"),
        "{exception}"
    );
    assert_eq!(end_reason(&sim, &leg), "Script Error");
}

// ------------------------------------------------------------------------------------------
// 15-16. Delayed offer, early media
// ------------------------------------------------------------------------------------------

/// The caller's INVITE has no SDP: B's INVITE has none either, B's 200 carries the offer to
/// the caller, and B's ACK waits for the caller's ACK, whose answer it carries.
#[test]
fn delayed_offer_b_ack_carries_the_callers_answer() {
    let mut sim = sim_with(&connect_script(""));
    let mut leg = sim.call("5550015");
    let (_, uas) = start(&mut sim, &leg, B1);
    let invite = &sim.b_delivered[0];
    assert!(invite.body().is_empty());
    assert_eq!(invite.get("Content-Type"), None);
    assert_eq!(invite.get("Content-Length"), Some("0"));
    sim.advance_to_ms(100);
    sim.send_b(&uas, &uas.answer(180, None, &[]));
    sim.advance_to_ms(800);
    let offer = callee_sdp(B1, 1);
    sim.send_b(&uas, &uas.answer(200, Some(&offer), &[]));
    let ok = one(sim.take());
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.response().body, offer.as_bytes());
    assert_eq!(ok.header("Content-Type"), Some("application/sdp"));
    assert!(
        sim.take_b().is_empty(),
        "B's ACK waits for the caller's answer"
    );
    // B retransmits its 200 meanwhile: still nothing to acknowledge with.
    sim.advance_to_ms(1_300);
    sim.send_b(&uas, &uas.answer(200, Some(&offer), &[]));
    assert!(sim.take_b().is_empty());
    let again = one(sim.take());
    assert_eq!((again.status(), again.at.as_millis()), (200, 1_300));

    sim.advance_to_ms(1_400);
    sim.send(&leg.ack_2xx(&ok, Some(SDP)));
    let ack = one(sim.take_b());
    assert_eq!(ack.label(), "ACK");
    assert_eq!(ack.at.as_millis(), 1_400);
    assert_eq!(ack.get("CSeq"), Some("1 ACK"));
    assert_eq!(ack.get("Content-Type"), Some("application/sdp"));
    assert_eq!(ack.body(), SDP);
    // From now on B's 200 retransmissions get that same ACK.
    sim.send_b(&uas, &uas.answer(200, Some(&offer), &[]));
    assert_eq!(one(sim.take_b()).bytes, ack.bytes);
    sim.advance_to_ms(30_000);
    assert!(sim.take().is_empty());
}

#[test]
fn early_media_183_with_sdp_is_relayed_then_200() {
    let mut sim = sim_with(&connect_script(""));
    let leg = sim.call_with("5550016", with_sdp());
    let (ringing, uas) = start(&mut sim, &leg, B1);
    sim.advance_to_ms(200);
    let early = callee_sdp(B1, 1);
    sim.send_b(&uas, &uas.answer(183, Some(&early), &[]));
    let progress = one(sim.take());
    assert_eq!(progress.status(), 183);
    assert_eq!(progress.response().reason, "Session Progress");
    assert_eq!(progress.to_tag(), ringing.to_tag());
    assert_eq!(progress.header("Content-Type"), Some("application/sdp"));
    assert_eq!(progress.response().body, early.as_bytes());
    assert_eq!(progress.header("Contact"), Some("<sip:127.0.0.1:5060>"));
    assert!(!progress.text().contains("uas5080"));
    sim.advance_to_ms(2_000);
    let answer = callee_sdp(B1, 2);
    sim.send_b(&uas, &uas.answer(200, Some(&answer), &[]));
    let ok = one(sim.take());
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.response().body, answer.as_bytes());
    assert_eq!(labels(&sim.take_b()), ["ACK"]);
    let sent: Vec<&str> = sim
        .edrs_for(&leg.call_id)
        .into_iter()
        .filter(|e| e.event == "OUT-RESPONSE-ALEG")
        .map(|e| e.field("CODE").unwrap())
        .collect();
    assert_eq!(sent, ["100", "180", "183", "200"]);
}

// ------------------------------------------------------------------------------------------
// 17. Calling party and privacy
// ------------------------------------------------------------------------------------------

/// The B-leg INVITE of a call with `opts` whose script runs `termination_attempt` with the
/// address digits and the Lua fields `details`.
fn b_invite(opts: InviteOpts, details: &str) -> Rx {
    let mut sim = builder(&script(&format!(
        r#"local r = incall_api.termination_attempt({{ address_digits = "1703" .. scc.normalised_called_party{details} }})
n2svcd.notice("%s", dump(r))
"#
    )))
    .configure(|c| {
        c.denormalisation = Denormaliser {
            called_party: vec![],
            calling_party: vec![DenormRule {
                match_prefix: "0".into(),
                strip: 1,
                prepend: "+64".into(),
                ..DenormRule::default()
            }],
        }
    })
    .build();
    let leg = sim.call_with("5550017", opts);
    sim.invite(&leg);
    let invite = one(sim.take_b());
    assert_eq!(invite.label(), "INVITE", "{:?}", sim.notices(&leg.call_id));
    invite
}

fn caller(extra: &[&str], from: Option<&str>) -> InviteOpts {
    InviteOpts {
        sdp: true,
        extra: extra.iter().map(|s| s.to_string()).collect(),
        from: from.map(str::to_string),
        ..InviteOpts::default()
    }
}

/// The From of a B-leg INVITE without its (random) tag.
fn from_without_tag(invite: &Rx) -> String {
    let from = invite.get("From").unwrap();
    let tag = invite.tag_in_from().unwrap();
    from.strip_suffix(&format!(";tag={tag}"))
        .unwrap()
        .to_string()
}

const ANONYMOUS: &str = "\"Anonymous\" <sip:anonymous@anonymous.invalid>";

#[test]
fn anonymous_caller_gives_an_anonymous_b_leg_with_asserted_identity() {
    let invite = b_invite(
        caller(
            &["P-Asserted-Identity: <sip:6441234567@carrier.example>"],
            Some(ANONYMOUS),
        ),
        "",
    );
    assert_eq!(from_without_tag(&invite), ANONYMOUS);
    assert_eq!(
        invite.get("Contact"),
        Some("<sip:anonymous@127.0.0.1:5060>")
    );
    assert_eq!(invite.get_all("Privacy"), ["id"]);
    assert_eq!(
        invite.get_all("P-Asserted-Identity"),
        ["<sip:6441234567@sip.example.net>"]
    );
    assert!(!invite.text().contains("carrier.example"));
}

/// The script lifts the restriction of an anonymous caller: B sees the asserted number, but
/// not the caller's "Anonymous" display name next to it.
#[test]
fn lifting_the_restriction_does_not_carry_the_anonymous_display_name() {
    let invite = b_invite(
        caller(
            &[
                "P-Asserted-Identity: <sip:6441234567@carrier.example>",
                "Privacy: id",
            ],
            Some(ANONYMOUS),
        ),
        ", is_calling_restricted = false",
    );
    assert_eq!(
        from_without_tag(&invite),
        "<sip:6441234567@sip.example.net>"
    );
    assert!(invite.get_all("Privacy").is_empty());
    assert!(!invite.text().contains("Anonymous"), "{}", invite.text());
}

/// An anonymous caller with no asserted identity: nothing to assert towards B.
#[test]
fn anonymous_caller_without_identity_gets_no_asserted_identity() {
    let invite = b_invite(caller(&[], Some(ANONYMOUS)), "");
    assert_eq!(from_without_tag(&invite), ANONYMOUS);
    assert_eq!(invite.get_all("Privacy"), ["id"]);
    assert!(
        invite.get_all("P-Asserted-Identity").is_empty(),
        "{}",
        invite.text()
    );
}

#[test]
fn privacy_id_caller_keeps_its_other_privacy_flags() {
    let invite = b_invite(caller(&["Privacy: header;id"], None), "");
    assert_eq!(from_without_tag(&invite), ANONYMOUS);
    assert_eq!(
        invite.get("Contact"),
        Some("<sip:anonymous@127.0.0.1:5060>")
    );
    assert_eq!(invite.get_all("Privacy"), ["id;header"]);
    assert_eq!(
        invite.get_all("P-Asserted-Identity"),
        ["<sip:6441234567@sip.example.net>"]
    );
    let text = invite.text();
    assert!(!text.contains("Alice"), "{text}");
}

#[test]
fn script_restriction_adds_id_to_the_callers_flags() {
    let invite = b_invite(
        caller(&["Privacy: user"], None),
        ", is_calling_restricted = true",
    );
    assert_eq!(from_without_tag(&invite), ANONYMOUS);
    assert_eq!(invite.get_all("Privacy"), ["id;user"]);
    assert_eq!(
        invite.get_all("P-Asserted-Identity"),
        ["<sip:6441234567@sip.example.net>"]
    );
}

#[test]
fn unrestricted_caller_is_presented_without_privacy_headers() {
    let invite = b_invite(caller(&["Privacy: user"], None), "");
    assert_eq!(
        from_without_tag(&invite),
        "\"Alice\" <sip:6441234567@sip.example.net>"
    );
    assert_eq!(invite.get("Contact"), Some("<sip:127.0.0.1:5060>"));
    assert_eq!(invite.get("Privacy"), None);
    assert_eq!(invite.get("P-Asserted-Identity"), None);
}

#[test]
fn calling_party_undef_gives_a_from_without_user_part() {
    let invite = b_invite(caller(&[], None), ", calling_party = n2svcd.UNDEF");
    assert_eq!(from_without_tag(&invite), "<sip:sip.example.net>");
    assert_eq!(invite.get("Privacy"), None);
    assert_eq!(invite.get("P-Asserted-Identity"), None);
    assert!(!invite.text().contains("6441234567"));
}

#[test]
fn calling_party_digits_are_denormalised_with_the_calling_party_rules() {
    let invite = b_invite(
        caller(&[], None),
        r#", calling_party = "0211234567", original_called_party = "0800999""#,
    );
    assert_eq!(
        from_without_tag(&invite),
        "<sip:+64211234567@sip.example.net>"
    );
    // The called-party rules (none here) apply to the To digits.
    assert_eq!(invite.get("To"), Some("<sip:0800999@127.0.0.1:5080>"));
    assert!(invite
        .text()
        .starts_with("INVITE sip:17035550017@127.0.0.1:5080 SIP/2.0\r\n"));
}

// ------------------------------------------------------------------------------------------
// 18. Headers that cross, and those that do not
// ------------------------------------------------------------------------------------------

#[test]
fn extra_and_relayed_headers_reach_b_and_nothing_else_crosses() {
    let invite = builder(&script(
        r#"local r = incall_api.termination_attempt({
    address_digits = "1703" .. scc.normalised_called_party,
    extra_headers = { ['ChargeRef'] = { 'XX-001234' }, ['X-Service'] = { 'a', 'b' } },
})
n2svcd.notice("%s", dump(r))
"#,
    ))
    .configure(|c| c.relay_to_b = vec!["diversion".into()])
    .build();
    let mut sim = invite;
    let leg = sim.call_with(
        "5550018",
        caller(
            &[
                "Diversion: <sip:0800111@a.example>;reason=unconditional",
                "User-Agent: softphone/1.0",
                "X-Secret: s3cr3t",
                "Subject: hello",
            ],
            None,
        ),
    );
    sim.invite(&leg);
    let invite = one(sim.take_b());
    assert_eq!(invite.get_all("ChargeRef"), ["XX-001234"]);
    assert_eq!(invite.get_all("X-Service"), ["a", "b"]);
    assert_eq!(
        invite.get_all("Diversion"),
        ["<sip:0800111@a.example>;reason=unconditional"]
    );
    let text = invite.text();
    for absent in [
        "User-Agent",
        "softphone",
        "X-Secret",
        "s3cr3t",
        "Subject",
        "hello",
    ] {
        assert!(!text.contains(absent), "{absent} crossed:\n{text}");
    }
    let names: Vec<String> = invite
        .request()
        .headers
        .iter()
        .map(|h| h.name.as_str().to_string())
        .collect();
    // Relayed headers keep the configured (lower-case) name: SIP header names are
    // case-insensitive (RFC 3261 §7.3.1).
    assert_eq!(
        names,
        [
            "Via",
            "Max-Forwards",
            "From",
            "To",
            "Call-ID",
            "CSeq",
            "Contact",
            "Allow",
            "diversion",
            "ChargeRef",
            "X-Service",
            "X-Service",
            "Content-Type",
            "Content-Length"
        ]
    );
}

/// `relay_to_a` headers of B's provisional and final responses reach the caller's; nothing
/// else of B's responses does. The script sends its own 183 first, so the caller has had no
/// 180 and B's 180 is relayed.
#[test]
fn relay_to_a_copies_configured_headers_from_b_responses() {
    let mut sim = builder(&script(
        r#"incall_api.proceeding(183)
local r = incall_api.connect_attempt("1703" .. scc.normalised_called_party)
n2svcd.notice("%s", dump(r))
"#,
    ))
    .configure(|c| c.relay_to_a = vec!["x-b-info".into()])
    .build();
    let leg = sim.call_with("5550018", with_sdp());
    sim.invite(&leg);
    assert_eq!(labels(&sim.take()), ["100", "183"]);
    let uas = Uas::new(&one(sim.take_b()), B1);
    let b_headers = ["X-B-Info: ringing", "X-Other: no", "Server: bob-pbx/2"];
    sim.advance_to_ms(100);
    sim.send_b(&uas, &uas.answer(180, None, &b_headers));
    let ringing = one(sim.take());
    assert_eq!(ringing.status(), 180);
    assert_eq!(ringing.header_lines("X-B-Info"), ["ringing"]);
    assert_eq!(ringing.header("X-Other"), None);
    assert_eq!(ringing.header_lines("Server"), [SERVER]);
    sim.advance_to_ms(900);
    let b_headers = ["X-B-Info: answered", "X-Other: no", "Server: bob-pbx/2"];
    sim.send_b(&uas, &uas.answer(200, Some(&callee_sdp(B1, 1)), &b_headers));
    let ok = one(sim.take());
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.header_lines("X-B-Info"), ["answered"]);
    assert_eq!(ok.header("X-Other"), None);
    assert_eq!(ok.header_lines("Server"), [SERVER]);
    assert!(!ok.text().contains("bob-pbx"));
}

/// When the automatic 180 already went to the caller, B's 180 is not relayed, so its
/// `relay_to_a` headers are not either (documented behaviour; see the report).
#[test]
fn relay_to_a_headers_of_b_180_are_lost_after_the_automatic_180() {
    let mut sim = builder(&connect_script(""))
        .configure(|c| c.relay_to_a = vec!["x-b-info".into()])
        .build();
    let leg = sim.call_with("5550018", with_sdp());
    let (ringing, uas) = start(&mut sim, &leg, B1);
    assert_eq!(ringing.header("X-B-Info"), None);
    sim.advance_to_ms(100);
    sim.send_b(&uas, &uas.answer(180, None, &["X-B-Info: ringing"]));
    assert!(sim.take().is_empty());
}

// ------------------------------------------------------------------------------------------
// 19. re-INVITE pass-through
// ------------------------------------------------------------------------------------------

/// A second offer from the caller (new version, new port).
const CALLER_SDP_2: &str = "v=0\r\no=alice 2890844526 2890844527 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49180 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

#[test]
fn reinvites_pass_through_in_both_directions() {
    let mut sim = sim_with(&connect_script(""));
    let mut leg = sim.call_with("5550019", with_sdp());
    let (_, mut uas) = start(&mut sim, &leg, B1);
    let (ok, ack) = answer_at(&mut sim, &uas, 1_000);
    let a_tag = ok.to_tag().unwrap();
    sim.send(&leg.ack_2xx(&ok, None));
    let b_call_id = uas.invite.call_id().unwrap().to_string();

    // The caller's re-INVITE becomes B's, in B's dialog.
    sim.advance_to_ms(5_000);
    let (reinvite, seq) = leg.reinvite(&a_tag, Some(CALLER_SDP_2));
    assert_eq!(seq, 3);
    sim.send(&reinvite);
    // RFC 3261 §17.2.1: 100 at once, since the answer depends on the other leg.
    let trying = one(sim.take());
    assert_eq!((trying.status(), trying.cseq()), (100, "3 INVITE"));
    let b_reinvite = one(sim.take_b());
    assert_eq!(b_reinvite.label(), "INVITE");
    assert!(b_reinvite
        .text()
        .starts_with("INVITE sip:callee@127.0.0.1:5080 SIP/2.0\r\n"));
    assert_eq!(b_reinvite.get("CSeq"), Some("2 INVITE"));
    assert_eq!(b_reinvite.request().call_id(), Some(b_call_id.as_str()));
    assert_eq!(b_reinvite.tag_in_from(), ack.tag_in_from());
    assert_eq!(b_reinvite.tag_in_to(), Some(uas.to_tag.clone()));
    assert_eq!(b_reinvite.get("Contact"), Some("<sip:127.0.0.1:5060>"));
    assert_eq!(b_reinvite.body(), CALLER_SDP_2);
    assert!(!b_reinvite.text().contains(&leg.call_id));
    let b_sdp_2 = callee_sdp(B1, 2);
    sim.advance_to_ms(5_050);
    sim.send_b(&uas, &uas.reply(&b_reinvite, 200, Some(&b_sdp_2)));
    let ok2 = one(sim.take());
    assert_eq!((ok2.status(), ok2.cseq()), (200, "3 INVITE"));
    assert_eq!(ok2.to_tag().as_deref(), Some(a_tag.as_str()));
    assert_eq!(ok2.header("Contact"), Some("<sip:127.0.0.1:5060>"));
    assert_eq!(ok2.response().body, b_sdp_2.as_bytes());
    assert!(!ok2.text().contains(&b_call_id));
    assert!(sim.take_b().is_empty(), "B's ACK waits for the caller's");
    sim.send(&leg.ack_in_dialog(&ok2, 3, None));
    let b_ack = one(sim.take_b());
    assert_eq!(b_ack.label(), "ACK");
    assert_eq!(b_ack.get("CSeq"), Some("2 ACK"));
    assert_eq!(b_ack.request().call_id(), Some(b_call_id.as_str()));
    assert_ne!(b_ack.branch(), b_reinvite.branch());

    // B refuses the next one with 491: each leg's non-2xx ACK stays in its own transaction.
    sim.advance_to_ms(8_000);
    let (reinvite, seq) = leg.reinvite(&a_tag, Some(SDP));
    let branch = leg.last_branch();
    sim.send(&reinvite);
    assert_eq!(one(sim.take()).status(), 100);
    let b_reinvite = one(sim.take_b());
    assert_eq!(b_reinvite.get("CSeq"), Some("3 INVITE"));
    sim.send_b(&uas, &uas.reply(&b_reinvite, 491, None));
    let b_ack = one(sim.take_b());
    assert_eq!(b_ack.label(), "ACK");
    assert_eq!(b_ack.get("CSeq"), Some("3 ACK"));
    assert_eq!(b_ack.branch(), b_reinvite.branch());
    let pending = one(sim.take());
    assert_eq!(
        (pending.status(), pending.cseq()),
        (491, format!("{seq} INVITE").as_str())
    );
    sim.send(&leg.ack_non_2xx_in_dialog(&pending, &branch, seq));
    assert!(sim.take().is_empty());
    assert!(sim.take_b().is_empty());

    // B re-INVITEs the caller: the caller gets it in the A dialog; its 200 is ACKed by us
    // and passed to B.
    sim.advance_to_ms(12_000);
    let b_sdp_3 = callee_sdp(B1, 3);
    let (b_reinvite, b_seq) = uas.request("INVITE", Some(&b_sdp_3));
    sim.send_b(&uas, &b_reinvite);
    assert_eq!(one(sim.take_b()).status(), 100);
    let a_reinvite = one(sim.take());
    assert_eq!(a_reinvite.label(), "INVITE");
    assert_eq!(a_reinvite.peer, sim.caller);
    assert!(a_reinvite
        .text()
        .starts_with(&format!("INVITE {CALLER_CONTACT} SIP/2.0\r\n")));
    assert_eq!(a_reinvite.get("CSeq"), Some("1 INVITE"));
    assert_eq!(a_reinvite.request().call_id(), Some(leg.call_id.as_str()));
    assert_eq!(a_reinvite.tag_in_from().as_deref(), Some(a_tag.as_str()));
    assert_eq!(a_reinvite.tag_in_to(), Some(leg.from_tag.clone()));
    assert_eq!(a_reinvite.get("Contact"), Some("<sip:127.0.0.1:5060>"));
    assert_eq!(a_reinvite.body(), b_sdp_3);
    assert!(!a_reinvite.text().contains(&b_call_id));
    sim.send(&leg.reply(&a_reinvite, 200, Some(SDP)));
    let a_ack = one(sim.take());
    assert_eq!(a_ack.label(), "ACK");
    assert_eq!(a_ack.get("CSeq"), Some("1 ACK"));
    assert_eq!(a_ack.request().call_id(), Some(leg.call_id.as_str()));
    let b_ok = one(sim.take_b());
    assert_eq!(b_ok.status(), 200);
    assert_eq!(b_ok.cseq(), format!("{b_seq} INVITE"));
    assert_eq!(b_ok.response().body, SDP.as_bytes());
    assert_eq!(b_ok.header("Contact"), Some("<sip:127.0.0.1:5060>"));
    assert_eq!(b_ok.call_id(), b_call_id);
    let b_ack = uas.ack(b_seq, None);
    sim.send_b(&uas, &b_ack);
    assert!(sim.take().is_empty());
    assert!(sim.take_b().is_empty());
    assert!(sim.edrs_of("TEARDOWN").is_empty());
}

/// Our first ACK to B is lost, and a re-INVITE exchange happens before B retransmits its
/// 200: that 200 (CSeq 1) must still get the ACK of the INVITE (CSeq 1 ACK, RFC 3261
/// §13.2.2.4), not the ACK of the later re-INVITE.
#[test]
fn b_200_retransmitted_after_a_reinvite_gets_the_invite_ack() {
    let mut sim = sim_with(&connect_script(""));
    let (mut leg, uas, ok, first_ack) = connect_answered(&mut sim, "5550019", B1);
    assert_eq!(first_ack.get("CSeq"), Some("1 ACK"));
    sim.advance_to_ms(1_200);
    let (reinvite, seq) = leg.reinvite(&ok.to_tag().unwrap(), Some(CALLER_SDP_2));
    sim.send(&reinvite);
    assert_eq!(one(sim.take()).status(), 100);
    let b_reinvite = one(sim.take_b());
    sim.send_b(&uas, &uas.reply(&b_reinvite, 200, Some(&callee_sdp(B1, 2))));
    let ok2 = one(sim.take());
    sim.send(&leg.ack_in_dialog(&ok2, seq, None));
    let second_ack = one(sim.take_b());
    assert_eq!(second_ack.get("CSeq"), Some("2 ACK"));
    // B never saw the first ACK: it retransmits the INVITE's 200.
    sim.advance_to_ms(1_500);
    sim.send_b(&uas, &uas.answer(200, Some(&callee_sdp(B1, 1)), &[]));
    let again = one(sim.take_b());
    assert_eq!(again.get("CSeq"), Some("1 ACK"));
    assert_eq!(again.bytes, first_ack.bytes);
}

/// B never answers a relayed re-INVITE: our INVITE to B times out (Timer B, 64*T1 after it
/// was sent) and the caller gets a 408 at that very instant (RFC 3261 §8.1.3.1).
#[test]
fn unanswered_relayed_reinvite_gets_408_at_timer_b() {
    let mut sim = sim_with(&connect_script(""));
    let (mut leg, _uas, ok, _) = connect_answered(&mut sim, "5550019", B1);
    sim.advance_to_ms(2_000);
    let (reinvite, seq) = leg.reinvite(&ok.to_tag().unwrap(), Some(CALLER_SDP_2));
    sim.send(&reinvite);
    assert_eq!(one(sim.take()).status(), 100);
    sim.advance_to_ms(33_999);
    let resent = sim.take_b();
    assert_eq!(
        times(&resent),
        [2_000, 2_500, 3_500, 5_500, 9_500, 17_500, 33_500]
    );
    assert!(resent.iter().all(|r| r.bytes == resent[0].bytes));
    assert!(sim.take().is_empty());
    sim.advance_to_ms(34_000);
    // The 408 to the caller, then (RFC 3261 §14.1: the dialog is gone on B's side) BYE on
    // both legs, and the call ends.
    let rx = sim.take();
    assert_eq!(
        rx.len(),
        2,
        "{:#?}",
        rx.iter().map(Rx::text).collect::<Vec<_>>()
    );
    assert_eq!(
        (rx[0].status(), rx[0].at.as_millis(), rx[0].cseq()),
        (408, 34_000, format!("{seq} INVITE").as_str())
    );
    assert_eq!(rx[1].label(), "BYE");
    assert_eq!(one(sim.take_b()).label(), "BYE");
    assert_eq!(end_reason(&sim, &leg), "Transport Failure");
}

// ------------------------------------------------------------------------------------------
// 20. The script after an answer
// ------------------------------------------------------------------------------------------

/// After a plain answer the script runs on without control: it can wait and log; `hangup`
/// returns true and does nothing (the call is no longer the script's to end); `decline`
/// raises an error (a final response was sent), which ends the script but not the call.
#[test]
fn script_runs_on_after_answer_without_control() {
    let mut sim = sim_with(&script(
        r#"local r = incall_api.connect_attempt("1703" .. scc.normalised_called_party)
n2svcd.notice("%s", dump(r))
n2svcd.wait(10)
n2svcd.notice("after wait controlled=%s", tostring(scc.controlled))
n2svcd.notice("hangup=%s", tostring(incall_api.hangup()))
incall_api.decline(486)
n2svcd.notice("not reached")
"#,
    ));
    let (mut leg, uas, ok, _) = connect_answered(&mut sim, "5550020", B1);
    sim.advance_to_ms(10_999);
    assert_eq!(sim.notices(&leg.call_id).len(), 1);
    assert_eq!(sim.scripts_alive(), 1);
    sim.advance_to_ms(11_000);
    assert_eq!(
        sim.notices(&leg.call_id)[1..],
        ["after wait controlled=false", "hangup=true"]
    );
    let exception = sim
        .edr(&leg.call_id, "SHUTDOWN")
        .field("EXCEPTION")
        .unwrap()
        .to_string();
    assert!(
        exception.contains("decline: a final response (200) was already sent; use hangup"),
        "{exception}"
    );
    assert_eq!(sim.scripts_alive(), 0);
    // The call is untouched: no BYE, no end record, no HANGUP.
    assert!(sim.take().is_empty());
    assert!(sim.take_b().is_empty());
    assert!(sim.edrs_of("TEARDOWN").is_empty());
    assert!(sim.edrs_of("HANGUP").is_empty());
    assert_eq!(sim.engine.active_calls(), 1);
    sim.advance_to_ms(20_000);
    sim.send(&leg.bye(&ok.to_tag().unwrap()));
    assert_eq!(labels(&sim.take()), ["200"]);
    let bye = one(sim.take_b());
    sim.send_b(&uas, &uas.reply(&bye, 200, None));
    assert_eq!(end_reason(&sim, &leg), "Downstream BYE");
    assert_eq!(sim.engine.active_calls(), 0);
}

// ------------------------------------------------------------------------------------------
// 21. Determinism
// ------------------------------------------------------------------------------------------

/// Datagrams as (ms, peer, bytes).
type Wire = Vec<(u128, String, Vec<u8>)>;

/// One whole answered call with seed `seed`: every datagram on both legs (time, peer,
/// bytes) and every EDR.
fn answered_call(seed: u64) -> (Wire, Vec<callctl_b2bua::EdrRecord>) {
    let mut sim = builder(&connect_script(", 20, 60")).seed(seed).build();
    let mut leg = sim.call_with("5550021", with_sdp());
    let (_, uas) = start(&mut sim, &leg, B1);
    sim.advance_to_ms(100);
    sim.send_b(&uas, &uas.answer(100, None, &[]));
    sim.send_b(&uas, &uas.answer(183, Some(&callee_sdp(B1, 1)), &[]));
    sim.advance_to_ms(2_500);
    sim.send_b(&uas, &uas.answer(200, Some(&callee_sdp(B1, 2)), &[]));
    sim.advance_to_ms(3_100);
    let ok = sim
        .take()
        .into_iter()
        .find(|r| !r.is_request() && r.status() == 200)
        .unwrap();
    sim.send(&leg.ack_2xx(&ok, None));
    sim.advance_to_ms(120_000);
    assert_eq!(end_reason(&sim, &leg), "Lifetime Timeout");
    let wire = sim
        .wire
        .iter()
        .map(|r| (r.at.as_millis(), r.peer.to_string(), r.bytes.clone()))
        .collect();
    (wire, sim.edrs.clone())
}

#[test]
fn same_seed_same_bytes_for_an_answered_call() {
    let (wire_a, edrs_a) = answered_call(7);
    let (wire_b, edrs_b) = answered_call(7);
    assert!(wire_a.len() >= 12, "{}", wire_a.len());
    assert_eq!(wire_a, wire_b);
    assert_eq!(edrs_a, edrs_b);
    // Another seed changes the identifiers (tags, branches, Call-IDs) but not the timing.
    let (wire_c, _) = answered_call(8);
    assert_ne!(wire_a, wire_c);
    let timing = |w: &[(u128, String, Vec<u8>)]| {
        w.iter()
            .map(|(t, p, _)| (*t, p.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(timing(&wire_a), timing(&wire_c));
}

// ------------------------------------------------------------------------------------------
// Ending a call through the management interface while it is still being set up
// ------------------------------------------------------------------------------------------

/// `dlg_end_dlg` on a ringing call: the caller gets 503 with the operator's headers, B gets
/// CANCEL, the script is stopped, and the call ends with "MI Termination" once B's INVITE is
/// finished.
#[test]
fn operator_ends_a_ringing_call() {
    let mut sim = sim_with(&connect_script(", 30"));
    let leg = sim.call_with("5550030", with_sdp());
    let (_, uas) = start(&mut sim, &leg, B1);
    sim.advance_to_ms(100);
    sim.send_b(&uas, &uas.answer(180, None, &[]));
    sim.advance_to_ms(1_000);
    let now = sim.now();
    let dialogs = sim.engine.dialogs(now);
    assert_eq!(dialogs.len(), 1);
    let id = dialogs[0].id.clone();
    let reason = (
        "Reason".to_string(),
        "SIP;cause=503;text=\"Operator\"".to_string(),
    );
    sim.engine.end_dialog(&id, vec![reason], now).unwrap();
    sim.flush_engine();
    let fin = one(sim.take());
    assert_eq!(fin.status(), 503);
    assert_eq!(fin.get("Reason"), Some("SIP;cause=503;text=\"Operator\""));
    let cancel = one(sim.take_b());
    assert_eq!(cancel.label(), "CANCEL");
    assert_eq!(cancel.branch(), uas.branch());
    assert_eq!(end_reason(&sim, &leg), "MI Termination");
    // The script never saw a result: it was stopped.
    assert!(sim.notices(&leg.call_id).is_empty());
    // Ending it twice is refused; an unknown id too.
    assert!(sim.engine.end_dialog(&id, vec![], now).is_err());
    assert!(sim.engine.end_dialog("0.ffff", vec![], now).is_err());
    sim.advance_to_ms(1_100);
    sim.send_b(&uas, &uas.reply(&cancel, 200, None));
    sim.send_b(&uas, &uas.answer(487, None, &[]));
    assert_eq!(one(sim.take_b()).label(), "ACK");
    sim.advance_to_ms(2_000);
    assert_eq!(sim.engine.active_calls(), 0);
}

/// The transport cannot reach B (a refused TCP connect, reported by the driver): the attempt
/// ends at once with "No Route" instead of waiting 32 s for Timer B, and nothing more is sent
/// to B.
#[test]
fn transport_failure_to_b_ends_the_attempt_at_once() {
    let mut sim = sim_with(&connect_script(""));
    let leg = sim.call_with("5550031", with_sdp());
    let (_, _uas) = start(&mut sim, &leg, B1);
    sim.advance_to_ms(200);
    let now = sim.now();
    sim.engine.on_transport_failure(Sim::callee_peer(B1), now);
    sim.flush_engine();
    assert_eq!(
        result_line(&sim, &leg),
        "answered=false charged=false controlled=true decline_ok=true \
         monitored=false proceed_ok=true reason=No Route"
    );
    // The script returned at once: the automatic hangup, at 200 ms.
    let fin = one(sim.take());
    assert_eq!((fin.status(), fin.at.as_millis()), (603, 200));
    let failed = sim.edr(&leg.call_id, "TERMINATION-FAILED");
    assert_eq!(failed.field("RESULT"), Some("No Route"));
    sim.advance_to_ms(40_000);
    assert!(
        sim.take_b().is_empty(),
        "no retransmission after the failure"
    );
    assert_eq!(sim.engine.active_calls(), 0);
}

/// Delayed offer and a caller that never ACKs our 200: after 64*T1 the call is released,
/// and B gets its 2xx acknowledged before the BYE (no BYE for an unacknowledged dialog).
#[test]
fn delayed_offer_without_caller_ack_acks_b_before_the_bye() {
    let mut sim = sim_with(&connect_script(""));
    let leg = sim.call("5550032");
    let (_, uas) = start(&mut sim, &leg, B1);
    sim.advance_to_ms(100);
    sim.send_b(&uas, &uas.answer(200, Some(&callee_sdp(B1, 1)), &[]));
    assert_eq!(one(sim.take()).status(), 200);
    assert!(
        sim.take_b().is_empty(),
        "B's ACK waits for the caller's answer"
    );
    sim.advance_to_ms(32_100);
    let b = sim.take_b();
    assert_eq!(labels(&b), ["ACK", "BYE"]);
    assert_eq!(b[0].get("CSeq"), Some("1 ACK"));
    assert_eq!(b[0].at.as_millis(), 32_100);
    assert_eq!(end_reason(&sim, &leg), "Transport Failure");
}

// ------------------------------------------------------------------------------------------
// 21. Peers that never finish
// ------------------------------------------------------------------------------------------

/// B rings, takes our no-answer CANCEL (200) but never sends the INVITE's final response.
/// RFC 3261 §9.1: 64*T1 after the CANCEL the original transaction is considered cancelled
/// and destroyed. The script hears "No Answer" then, and nothing of the call or of its
/// transactions is left afterwards.
#[test]
fn b_that_never_ends_its_cancelled_invite_leaves_no_transaction() {
    let mut sim = sim_with(&connect_script(", 5"));
    sim.auto_ack = true;
    let leg = sim.call_with("5550040", with_sdp());
    let (_, uas) = start(&mut sim, &leg, B1);
    sim.advance_to_ms(100);
    sim.send_b(&uas, &uas.answer(180, None, &[]));
    sim.advance_to_ms(5_000);
    let cancel = one(sim.take_b());
    assert_eq!(cancel.label(), "CANCEL");
    sim.send_b(&uas, &uas.reply(&cancel, 200, None));
    sim.advance_to_ms(36_999);
    assert!(sim.notices(&leg.call_id).is_empty());
    sim.advance_to_ms(37_000);
    assert_eq!(
        result_line(&sim, &leg),
        "answered=false charged=false controlled=true decline_ok=true monitored=false \
         proceed_ok=true reason=No Answer"
    );
    let fin = one(sim.take());
    assert_eq!((fin.status(), fin.at.as_millis()), (603, 37_000));
    sim.advance_ms(40_000);
    assert_eq!(sim.engine.active_calls(), 0);
    assert_eq!(sim.engine.active_transactions(), 0);
    // B's late 487 finds nothing: no ACK from a transaction that no longer exists.
    sim.send_b(&uas, &uas.answer(487, None, &[]));
    assert!(sim.take_b().is_empty());
    assert!(sim.take().is_empty());
}

/// B stays silent (no provisional, so the CANCEL must wait, RFC 3261 §9.1): the script gets
/// "No Answer" at its 5 s timeout and, having control back (platform-notes §3: may retry),
/// tries b2. b2 answers; the first INVITE ends at Timer B in the background; the caller's
/// BYE reaches b2.
#[test]
fn retry_after_no_answer_from_a_silent_callee_connects_to_the_second() {
    let mut sim = sim_with(&script(
        r#"local r = incall_api.connect_attempt("1703" .. scc.normalised_called_party, 5)
n2svcd.notice("%s", dump(r))
local r2 = incall_api.connect_attempt("1704" .. scc.normalised_called_party)
n2svcd.notice("%s", dump(r2))
"#,
    ));
    let mut leg = sim.call_with("5550041", with_sdp());
    let (_, _uas1) = start(&mut sim, &leg, B1);
    sim.advance_to_ms(4_999);
    assert!(labels(&sim.take_b()).iter().all(|l| l == "INVITE"));
    sim.advance_to_ms(5_000);
    assert_eq!(
        sim.notices(&leg.call_id),
        [
            "answered=false charged=false controlled=true decline_ok=true monitored=false \
          proceed_ok=true reason=No Answer"
        ]
    );
    let b = sim.take_b();
    let second = b
        .iter()
        .find(|r| r.peer == Sim::callee_peer(B2))
        .unwrap_or_else(|| panic!("no INVITE to b2: {:#?}", labels(&b)));
    assert_eq!(second.label(), "INVITE");
    assert_eq!(second.at.as_millis(), 5_000);
    assert!(sim.take().is_empty(), "no error, no second 180");
    let uas2 = Uas::new(second, B2);
    sim.advance_to_ms(5_200);
    sim.send_b(&uas2, &uas2.answer(200, Some(&callee_sdp(B2, 1)), &[]));
    let ok = one(sim.take());
    assert_eq!(ok.status(), 200);
    let ack = one(sim.take_b());
    assert_eq!(
        (ack.label(), ack.peer),
        ("ACK".into(), Sim::callee_peer(B2))
    );
    sim.send(&leg.ack_2xx(&ok, None));
    let notices = sim.notices(&leg.call_id);
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert!(notices[1].contains("reason=Answered"), "{notices:?}");

    // b1's INVITE times out in the background: nothing for anyone.
    sim.advance_to_ms(33_000);
    assert!(sim
        .take_b()
        .iter()
        .all(|r| r.label() == "INVITE" && r.peer == Sim::callee_peer(B1)));
    assert!(sim.take().is_empty());
    assert!(sim.edrs_of("TEARDOWN").is_empty());

    sim.send(&leg.bye(&ok.to_tag().unwrap()));
    assert_eq!(one(sim.take()).status(), 200);
    let bye = one(sim.take_b());
    assert_eq!(
        (bye.label(), bye.peer),
        ("BYE".into(), Sim::callee_peer(B2))
    );
    sim.send_b(&uas2, &uas2.reply(&bye, 200, None));
    assert_eq!(end_reason(&sim, &leg), "Downstream BYE");
    assert_eq!(sim.engine.active_calls(), 0);
}
/// B hangs up while the caller's re-INVITE waits for B's answer: the call ends, and the
/// pending re-INVITE gets a 487 (RFC 3261 §15.1.2) instead of staying unanswered.
#[test]
fn pending_relayed_reinvite_gets_487_when_the_call_ends() {
    let mut sim = sim_with(&connect_script(""));
    let (mut leg, mut uas, ok, _) = connect_answered(&mut sim, "5550042", B1);
    sim.advance_to_ms(2_000);
    let (reinvite, seq) = leg.reinvite(&ok.to_tag().unwrap(), Some(CALLER_SDP_2));
    let branch = leg.last_branch();
    sim.send(&reinvite);
    assert_eq!(one(sim.take()).status(), 100);
    assert_eq!(one(sim.take_b()).label(), "INVITE");
    sim.advance_to_ms(2_100);
    let (bye, _) = uas.request("BYE", None);
    sim.send_b(&uas, &bye);
    assert_eq!(labels(&sim.take_b()), ["200"]);
    let rx = sim.take();
    assert_eq!(labels(&rx), ["BYE", "487"], "{:#?}", labels(&rx));
    assert_eq!(rx[1].cseq(), format!("{seq} INVITE"));
    assert_eq!(rx[1].at.as_millis(), 2_100);
    assert_eq!(end_reason(&sim, &leg), "Upstream BYE");
    sim.send(&leg.reply(&rx[0], 200, None));
    sim.send(&leg.ack_non_2xx_in_dialog(&rx[1], &branch, seq));
    sim.advance_ms(40_000);
    assert_eq!(sim.engine.active_calls(), 0);
    assert_eq!(sim.engine.active_transactions(), 0);
}

/// A relayed re-INVITE that the other leg answered only with a provisional is cancelled when
/// the call ends (RFC 3261 §9.1, §15.1.2), so its transaction does not outlive the call even
/// if that leg then stays silent.
#[test]
fn pending_relayed_reinvite_is_cancelled_when_the_call_ends() {
    let mut sim = sim_with(&connect_script(""));
    let (mut leg, uas, ok, _) = connect_answered(&mut sim, "5550043", B1);
    sim.advance_to_ms(2_000);
    let (reinvite, seq) = leg.reinvite(&ok.to_tag().unwrap(), Some(CALLER_SDP_2));
    let branch = leg.last_branch();
    sim.send(&reinvite);
    assert_eq!(one(sim.take()).status(), 100);
    let relayed = one(sim.take_b());
    assert_eq!(relayed.label(), "INVITE");
    sim.send_b(&uas, &uas.reply(&relayed, 100, None));
    sim.advance_to_ms(2_100);
    sim.send(&leg.bye(&ok.to_tag().unwrap()));
    let rx = sim.take();
    assert_eq!(labels(&rx), ["200", "487"], "{:#?}", labels(&rx));
    let to_b = sim.take_b();
    assert_eq!(labels(&to_b), ["BYE", "CANCEL"], "{:#?}", labels(&to_b));
    let cancel = &to_b[1];
    let cseq = cancel.request().cseq().unwrap();
    assert_eq!(cseq.method, callctl_sip::message::Method::Cancel);
    assert_eq!(cseq.seq, relayed.request().cseq().unwrap().seq);
    assert_eq!(
        cancel.request().top_via().unwrap().branch(),
        relayed.request().top_via().unwrap().branch()
    );
    sim.send(&leg.ack_non_2xx_in_dialog(&rx[1], &branch, seq));
    sim.send_b(&uas, &uas.reply(&to_b[0], 200, None));
    sim.send_b(&uas, &uas.reply(cancel, 200, None));
    // The callee never sends its 487: the re-INVITE transaction ends 64*T1 after the CANCEL.
    sim.advance_ms(40_000);
    assert_eq!(sim.engine.active_calls(), 0);
    assert_eq!(sim.engine.active_transactions(), 0);
}

/// An ACK from the caller before any final response (its To tag taken from the 180, the
/// INVITE's CSeq, a branch of its own, so no transaction absorbs it) acknowledges nothing:
/// the INVITE must stay whole. B's 200 is acknowledged at once (the offer went in our
/// INVITE, so it is no delayed offer), and the caller's dialog is still made from its
/// INVITE (its Contact): B's BYE reaches the caller.
#[test]
fn ack_before_any_final_response_changes_nothing() {
    let mut sim = sim_with(&connect_script(""));
    let mut leg = sim.call_with("5550017", with_sdp());
    let (ringing, uas) = start(&mut sim, &leg, B1);
    sim.advance_to_ms(50);
    sim.send(&leg.ack_2xx(&ringing, None));
    assert!(sim.take().is_empty());
    let (ok, ack) = answer_at(&mut sim, &uas, 1_000);
    assert_eq!(ok.response().body, callee_sdp(B1, 1).as_bytes());
    assert_eq!(ack.body(), "");
    sim.send(&leg.ack_2xx(&ok, None));
    assert!(sim.take().is_empty());
    sim.advance_to_ms(5_000);
    let mut uas = uas;
    let (bye_text, _) = uas.request("BYE", None);
    sim.send_b(&uas, &bye_text);
    assert_eq!(one(sim.take_b()).status(), 200);
    let bye = one(sim.take());
    assert_eq!(bye.label(), "BYE");
    assert!(bye
        .text()
        .starts_with(&format!("BYE {CALLER_CONTACT} SIP/2.0\r\n")));
    sim.send(&leg.reply(&bye, 200, None));
    assert_eq!(end_reason(&sim, &leg), "Upstream BYE");
    assert_eq!(sim.engine.active_calls(), 0);
}

/// B's 200 names a Contact at another address than the route's: the ACK goes to that
/// Contact (RFC 3261 §13.2.2.4, the remote target), and so does every ACK resent for a
/// retransmitted 200, in the Accepted state and after Timer M.
#[test]
fn retransmitted_b_200_is_acked_again_at_the_contact() {
    let mut sim = sim_with(&connect_script(""));
    let mut leg = sim.call_with("5550018", with_sdp());
    let (_, uas) = start(&mut sim, &leg, B1);
    sim.advance_to_ms(100);
    sim.send_b(&uas, &uas.answer(180, None, &[]));
    let contact = format!("sip:callee@127.0.0.1:{B2}");
    let b_ok = respond(
        &uas.invite,
        200,
        Some(&uas.to_tag),
        Some(&contact),
        &[],
        Some(&callee_sdp(B1, 1)),
    );
    sim.advance_to_ms(1_000);
    sim.send_b(&uas, &b_ok);
    let ok = one(sim.take());
    sim.send(&leg.ack_2xx(&ok, None));
    let ack = one(sim.take_b());
    assert_eq!(ack.label(), "ACK");
    assert_eq!(ack.peer, Sim::callee_peer(B2));
    sim.advance_to_ms(1_500);
    sim.send_b(&uas, &b_ok);
    let again = one(sim.take_b());
    assert_eq!(again.peer, ack.peer);
    assert_eq!(again.bytes, ack.bytes);
    sim.advance_to_ms(33_001);
    sim.send_b(&uas, &b_ok);
    let stray = one(sim.take_b());
    assert_eq!(stray.peer, ack.peer);
    assert_eq!(stray.bytes, ack.bytes);
}
