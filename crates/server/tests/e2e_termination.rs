//! End-to-end tests of B-leg termination (seed 003, plain mode) against real peers: a SIPp
//! caller, the built `callctl` binary running a termination script, and one or two SIPp
//! callees (UAS) that callctl's `[[routes]]` point at. One behaviour per test; each test
//! starts its own callctl and its own SIPp processes on free ports, then asserts that every
//! SIPp process exited 0 (every header and body check in both scenarios passed) and then the
//! EDRs.
//!
//! Routes: B-leg digits starting 1703 go to the first callee's port, 1704 to the second's.
//! Every callee scenario checks that the Request-URI user is exactly `expected_user` (set with
//! `-set expected_user 1703<dialled digits>`).
//!
//! SIPp (Debian package `sip-tester`) and tshark must be installed: `./scripts/test` installs
//! them. A missing tool fails the test with that hint; nothing is skipped.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::*;

/// Called-number prefixes and the scripts they run (examples/scripts, tests/e2e/scripts).
const TRIGGERS: &str = r#"
[[service.triggers]]
called_prefix = "5000"
script_key = "seed003_connect_attempt"
[[service.triggers]]
called_prefix = "5001"
script_key = "seed003_termination_attempt"
[[service.triggers]]
called_prefix = "5002"
script_key = "b2b_busy_then_retry"
[[service.triggers]]
called_prefix = "5003"
script_key = "b2b_no_answer"
[[service.triggers]]
called_prefix = "5004"
script_key = "b2b_max_call"
[[service.triggers]]
called_prefix = "5005"
script_key = "b2b_extra_headers"
[[service.triggers]]
called_prefix = "5006"
script_key = "b2b_restricted"
"#;

/// One call: the caller's scenario and the number it dials, and the callees that callctl's
/// B-legs reach, as (route prefix, scenario).
struct Flow {
    caller: &'static str,
    called: &'static str,
    callees: &'static [(&'static str, &'static str)],
}

/// Seed 003 `connect_attempt` example; the caller hangs up.
const SEED_CONNECT: Flow = Flow {
    caller: "b2b_uac_hangs_up.xml",
    called: "50001234",
    callees: &[("1703", "b2b_uas_answer.xml")],
};

/// Seed 003 `termination_attempt` example (ChargeRef extra header); the caller hangs up.
const SEED_TERMINATION: Flow = Flow {
    caller: "b2b_uac_hangs_up.xml",
    called: "50011234",
    callees: &[("1703", "b2b_uas_answer_chargeref.xml")],
};

/// The first destination is busy; the script retries to a second one, which answers.
const BUSY_THEN_RETRY: Flow = Flow {
    caller: "b2b_uac_hangs_up.xml",
    called: "50021234",
    callees: &[("1703", "b2b_uas_busy.xml"), ("1704", "b2b_uas_answer.xml")],
};

/// B rings and never answers; the script's 3 s no-answer timeout cancels it; decline 633.
const NO_ANSWER: Flow = Flow {
    caller: "b2b_uac_no_answer_633.xml",
    called: "50031234",
    callees: &[("1703", "b2b_uas_ring_until_cancel.xml")],
};

/// The caller CANCELs while B rings (seed 003 `termination_attempt` example).
const CALLER_ABANDONS: Flow = Flow {
    caller: "b2b_uac_cancel_while_ringing.xml",
    called: "50011234",
    callees: &[("1703", "b2b_uas_ring_until_cancel.xml")],
};

/// B hangs up first.
const CALLEE_HANGS_UP: Flow = Flow {
    caller: "b2b_uac_callee_hangs_up.xml",
    called: "50001234",
    callees: &[("1703", "b2b_uas_hangs_up.xml")],
};

/// Neither side hangs up: the script's max_call_secs = 2 ends the call.
const LIFETIME: Flow = Flow {
    caller: "b2b_uac_callee_hangs_up.xml",
    called: "50041234",
    callees: &[("1703", "b2b_uas_answer.xml")],
};

/// The caller sends `Privacy: id`.
const PRIVATE_CALLER: Flow = Flow {
    caller: "b2b_uac_private.xml",
    called: "50001234",
    callees: &[("1703", "b2b_uas_expect_anonymous.xml")],
};

/// The caller's From is anonymous@anonymous.invalid (no Privacy header).
const ANONYMOUS_CALLER: Flow = Flow {
    caller: "b2b_uac_anonymous.xml",
    called: "50001234",
    callees: &[("1703", "b2b_uas_expect_anonymous.xml")],
};

/// A caller without privacy.
const PUBLIC_CALLER: Flow = Flow {
    caller: "b2b_uac_hangs_up.xml",
    called: "50001234",
    callees: &[("1703", "b2b_uas_expect_caller.xml")],
};

/// The script sets is_calling_restricted for a caller without privacy.
const SCRIPT_RESTRICTS: Flow = Flow {
    caller: "b2b_uac_hangs_up.xml",
    called: "50061234",
    callees: &[("1703", "b2b_uas_expect_anonymous.xml")],
};

/// The script's extra_headers with a list of two values.
const EXTRA_HEADERS: Flow = Flow {
    caller: "b2b_uac_hangs_up.xml",
    called: "50051234",
    callees: &[("1703", "b2b_uas_extra_headers.xml")],
};

/// B sends 183 with SDP before 200.
const EARLY_MEDIA: Flow = Flow {
    caller: "b2b_uac_early_media.xml",
    called: "50001234",
    callees: &[("1703", "b2b_uas_early_media.xml")],
};

/// The caller's INVITE has no SDP.
const DELAYED_OFFER: Flow = Flow {
    caller: "b2b_uac_delayed_offer.xml",
    called: "50001234",
    callees: &[("1703", "b2b_uas_delayed_offer.xml")],
};

/// callctl with the termination triggers and two routes, each to a port on which a test starts
/// a SIPp callee.
struct B2bua {
    server: Server,
    uas_1703: u16,
    uas_1704: u16,
}

impl B2bua {
    fn start() -> B2bua {
        let uas_1703 = free_port();
        let uas_1704 = free_port();
        let routes = format!(
            r#"
[[routes]]
prefix = "1703"
peer = "udp:127.0.0.1:{uas_1703}"
name = "uas-1703"

[[routes]]
prefix = "1704"
peer = "udp:127.0.0.1:{uas_1704}"
name = "uas-1704"
"#
        );
        let server = Server::start_configured(None, TRIGGERS, &routes);
        B2bua {
            server,
            uas_1703,
            uas_1704,
        }
    }

    fn uas_port(&self, prefix: &str) -> u16 {
        match prefix {
            "1703" => self.uas_1703,
            "1704" => self.uas_1704,
            other => panic!("no route {other} in the test configuration"),
        }
    }

    /// Start the flow's callees, run its caller, and expect every SIPp process to pass.
    fn run(&self, flow: &Flow) {
        let callees = flow
            .callees
            .iter()
            .map(|(prefix, scenario)| {
                let expected_user = format!("{prefix}{}", flow.called);
                SippProcess::uas(
                    scenario,
                    self.uas_port(prefix),
                    &[
                        "-m",
                        "1",
                        "-timeout",
                        "30s",
                        "-timeout_error",
                        "-recv_timeout",
                        "20s",
                        "-trace_msg",
                        "-set",
                        "expected_user",
                        &expected_user,
                    ],
                )
            })
            .collect();
        let caller = SippProcess::uac(
            &self.server,
            flow.caller,
            flow.called,
            &[
                "-m",
                "1",
                "-timeout",
                "30s",
                "-timeout_error",
                "-recv_timeout",
                "20s",
                "-trace_msg",
            ],
        );
        expect_all_pass(&self.server, caller, callees);
    }

    /// Run a flow in which the callee answers and the caller hangs up: expect the call to end
    /// with the caller's BYE (TEARDOWN Downstream BYE 200) and the registry to be empty
    /// afterwards (the scenario is over: every call ended and left it). Returns the EDRs.
    fn run_to_caller_bye(&self, flow: &Flow) -> Vec<Edr> {
        self.run(flow);
        let edrs = self.server.teardown("Downstream BYE", "200");
        self.server.assert_no_dialogs();
        edrs
    }
}

/// The texts of the script's notices, in order.
fn notices(edrs: &[Edr]) -> Vec<String> {
    event(edrs, "NOTICE")
        .iter()
        .filter_map(|e| e.get("TEXT"))
        .map(str::to_string)
        .collect()
}

/// Wait (bounded) for a notice starting with `label: ` (a result table written by a test
/// script as `key=value; key=value`) and return its fields.
fn result_notice(server: &Server, label: &str) -> HashMap<String, String> {
    let prefix = format!("{label}: ");
    let edrs = server.edrs_when(&format!("the notice {prefix}..."), |e| {
        notices(e).iter().any(|n| n.starts_with(&prefix))
    });
    let text = notices(&edrs)
        .into_iter()
        .find(|n| n.starts_with(&prefix))
        .unwrap();
    text[prefix.len()..]
        .split("; ")
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Assert `fields` of a result table notice.
fn assert_result(table: &HashMap<String, String>, expected: &[(&str, &str)]) {
    for (key, value) in expected {
        assert_eq!(
            table.get(*key).map(String::as_str),
            Some(*value),
            "result field {key} in {table:?}"
        );
    }
}

/// Wait (bounded) for a notice with exactly `text`.
fn expect_notice(server: &Server, text: &str) -> Vec<Edr> {
    server.edrs_when(&format!("the notice {text:?}"), |e| {
        notices(e).iter().any(|n| n == text)
    })
}

/// The response codes callctl sent the caller, in order.
fn a_leg_codes(edrs: &[Edr]) -> Vec<String> {
    event(edrs, "OUT-RESPONSE-ALEG")
        .iter()
        .filter_map(|e| e.get("CODE"))
        .map(str::to_string)
        .collect()
}

fn single<'a>(edrs: &'a [Edr], name: &str) -> &'a Edr {
    let found = event(edrs, name);
    assert_eq!(found.len(), 1, "exactly one {name}: {edrs:#?}");
    found[0]
}

fn duration_ms(edrs: &[Edr]) -> u64 {
    single(edrs, "TEARDOWN")
        .get("DURATION_MS")
        .and_then(|d| d.parse().ok())
        .expect("TEARDOWN DURATION_MS")
}

#[test]
fn seed003_connect_attempt_is_answered() {
    let b2bua = B2bua::start();
    b2bua.run(&SEED_CONNECT);
    let edrs = expect_notice(&b2bua.server, "CALL ANSWERED = YES");
    assert_eq!(notices(&edrs), vec!["CALL ANSWERED = YES"]);
    let edrs = b2bua.server.teardown("Downstream BYE", "200");
    let termination = single(&edrs, "TERMINATION");
    assert_eq!(
        termination.get("RURI"),
        Some(format!("sip:170350001234@127.0.0.1:{}", b2bua.uas_1703).as_str())
    );
    assert_eq!(termination.get("PEER"), Some("uas-1703"));
    assert_eq!(single(&edrs, "ANSWER").get("MAX_CALL_SECS"), Some("43200"));
    assert_eq!(a_leg_codes(&edrs), vec!["100", "180", "200"]);
    // The scenario is over: every call ended and left the registry.
    b2bua.server.assert_no_dialogs();
}

#[test]
fn seed003_termination_attempt_with_charge_ref_is_answered() {
    let b2bua = B2bua::start();
    b2bua.run(&SEED_TERMINATION);
    let edrs = expect_notice(&b2bua.server, "CALL ANSWERED = YES");
    assert_eq!(notices(&edrs), vec!["CALL ANSWERED = YES"]);
    let edrs = b2bua.server.teardown("Downstream BYE", "200");
    assert_eq!(
        single(&edrs, "TERMINATION").get("RURI"),
        Some(format!("sip:170350011234@127.0.0.1:{}", b2bua.uas_1703).as_str())
    );
    single(&edrs, "ANSWER");
    assert_eq!(a_leg_codes(&edrs), vec!["100", "180", "200"]);
    // The scenario is over: every call ended and left the registry.
    b2bua.server.assert_no_dialogs();
}

#[test]
fn busy_then_retry_to_a_second_destination() {
    let b2bua = B2bua::start();
    b2bua.run(&BUSY_THEN_RETRY);
    let first = result_notice(&b2bua.server, "first");
    assert_result(
        &first,
        &[
            ("answered", "false"),
            ("controlled", "true"),
            ("decline_ok", "true"),
            ("reason", "Declined"),
            ("code", "486"),
        ],
    );
    let second = result_notice(&b2bua.server, "second");
    assert_result(
        &second,
        &[
            ("answered", "true"),
            ("controlled", "false"),
            ("reason", "Answered"),
            ("code", "200"),
        ],
    );
    let edrs = b2bua.server.teardown("Downstream BYE", "200");
    let ruris: Vec<&str> = event(&edrs, "TERMINATION")
        .iter()
        .filter_map(|e| e.get("PEER"))
        .collect();
    assert_eq!(ruris, vec!["uas-1703", "uas-1704"]);
    let failed = single(&edrs, "TERMINATION-FAILED");
    assert_eq!(failed.get("RESULT"), Some("Declined"));
    assert_eq!(failed.get("CODE"), Some("486"));
    single(&edrs, "ANSWER");
    // One 180 for the caller: the second attempt does not ring the caller again.
    assert_eq!(a_leg_codes(&edrs), vec!["100", "180", "200"]);
    // The scenario is over: every call ended and left the registry.
    b2bua.server.assert_no_dialogs();
}

#[test]
fn no_answer_timeout_cancels_b_and_the_script_declines() {
    let b2bua = B2bua::start();
    let started = Instant::now();
    b2bua.run(&NO_ANSWER);
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "the no-answer timer is 3 s; the call ended after {:?}",
        started.elapsed()
    );
    let result = result_notice(&b2bua.server, "result");
    assert_result(
        &result,
        &[
            ("answered", "false"),
            ("controlled", "true"),
            ("decline_ok", "true"),
            ("reason", "No Answer"),
        ],
    );
    expect_notice(&b2bua.server, "Controlled after Reason = No Answer");
    let edrs = b2bua.server.teardown("Script Decline", "633");
    assert_eq!(
        single(&edrs, "TERMINATION-FAILED").get("RESULT"),
        Some("No Answer")
    );
    assert_eq!(single(&edrs, "DECLINE").get("CODE"), Some("633"));
    assert_eq!(a_leg_codes(&edrs), vec!["100", "180", "633"]);
    // The scenario is over: every call ended and left the registry.
    b2bua.server.assert_no_dialogs();
}

#[test]
fn caller_abandons_while_b_rings() {
    let b2bua = B2bua::start();
    b2bua.run(&CALLER_ABANDONS);
    expect_notice(&b2bua.server, "Control Lost after Reason = Abandoned");
    let edrs = b2bua.server.teardown("Abandoned", "487");
    single(&edrs, "ABANDON");
    assert_eq!(
        single(&edrs, "TERMINATION-FAILED").get("RESULT"),
        Some("Abandoned")
    );
    assert!(event(&edrs, "ANSWER").is_empty(), "{edrs:#?}");
    // The scenario is over: every call ended and left the registry.
    b2bua.server.assert_no_dialogs();
}

#[test]
fn callee_hangs_up_first() {
    let b2bua = B2bua::start();
    b2bua.run(&CALLEE_HANGS_UP);
    let edrs = b2bua.server.teardown("Upstream BYE", "200");
    single(&edrs, "ANSWER");
    // The callee talks for a second before its BYE.
    assert!(duration_ms(&edrs) >= 1000, "{edrs:#?}");
    // The scenario is over: every call ended and left the registry.
    b2bua.server.assert_no_dialogs();
}

#[test]
fn caller_hangs_up_first() {
    let b2bua = B2bua::start();
    let edrs = b2bua.run_to_caller_bye(&SEED_CONNECT);
    single(&edrs, "ANSWER");
    // The caller talks for half a second before its BYE.
    assert!(duration_ms(&edrs) >= 500, "{edrs:#?}");
}

#[test]
fn max_call_secs_releases_both_legs() {
    let b2bua = B2bua::start();
    let started = Instant::now();
    b2bua.run(&LIFETIME);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "max_call_secs is 2; the call ended after {:?}",
        started.elapsed()
    );
    let result = result_notice(&b2bua.server, "result");
    assert_result(
        &result,
        &[
            ("answered", "true"),
            ("reason", "Answered"),
            ("max_call_secs", "2"),
        ],
    );
    let edrs = b2bua.server.teardown("Lifetime Timeout", "200");
    assert_eq!(single(&edrs, "ANSWER").get("MAX_CALL_SECS"), Some("2"));
    let duration = duration_ms(&edrs);
    assert!(
        (2000..5000).contains(&duration),
        "call of {duration} ms: {edrs:#?}"
    );
    // The scenario is over: every call ended and left the registry.
    b2bua.server.assert_no_dialogs();
}

#[test]
fn restricted_caller_reaches_b_anonymously() {
    let edrs = B2bua::start().run_to_caller_bye(&PRIVATE_CALLER);
    assert_eq!(
        single(&edrs, "IN-INVITE-ALEG").get("CALLING"),
        Some("4470001")
    );
}

#[test]
fn anonymous_caller_reaches_b_anonymously() {
    B2bua::start().run_to_caller_bye(&ANONYMOUS_CALLER);
}

#[test]
fn unrestricted_caller_number_reaches_b() {
    B2bua::start().run_to_caller_bye(&PUBLIC_CALLER);
}

/// The script's result notice says the call was answered.
fn assert_answered(server: &Server) {
    let result = result_notice(server, "result");
    assert_result(&result, &[("answered", "true"), ("reason", "Answered")]);
}

#[test]
fn script_can_restrict_the_calling_party() {
    let b2bua = B2bua::start();
    b2bua.run_to_caller_bye(&SCRIPT_RESTRICTS);
    assert_answered(&b2bua.server);
}

#[test]
fn extra_headers_list_gives_one_header_line_per_value() {
    let b2bua = B2bua::start();
    b2bua.run_to_caller_bye(&EXTRA_HEADERS);
    assert_answered(&b2bua.server);
}

#[test]
fn early_media_is_relayed_to_the_caller() {
    let edrs = B2bua::start().run_to_caller_bye(&EARLY_MEDIA);
    assert_eq!(a_leg_codes(&edrs), vec!["100", "180", "183", "200"]);
}

#[test]
fn delayed_offer_answer_travels_in_the_acks() {
    let edrs = B2bua::start().run_to_caller_bye(&DELAYED_OFFER);
    single(&edrs, "ANSWER");
}

/// Every message callctl sends on both legs of the flows above decodes in tshark as SIP with
/// no malformed-packet or expert-error flag.
#[test]
fn tshark_decodes_both_legs_of_terminations() {
    let b2bua = B2bua::start();
    let port = b2bua.server.port;
    let capture = Capture::start(port, b2bua.server.dir.join("capture.pcapng"));
    let flows = [
        &SEED_CONNECT,
        &SEED_TERMINATION,
        &BUSY_THEN_RETRY,
        &NO_ANSWER,
        &CALLER_ABANDONS,
        &CALLEE_HANGS_UP,
        &LIFETIME,
        &PRIVATE_CALLER,
        &ANONYMOUS_CALLER,
        &PUBLIC_CALLER,
        &SCRIPT_RESTRICTS,
        &EXTRA_HEADERS,
        &EARLY_MEDIA,
        &DELAYED_OFFER,
    ];
    for flow in flows {
        b2bua.run(flow);
    }
    let file = capture.finish();
    assert_sent_sip_decodes(&file, port);

    let to_callees = format!(
        "udp.srcport == {port} && (udp.dstport == {} || udp.dstport == {}) && sip",
        b2bua.uas_1703, b2bua.uas_1704
    );
    let to_callers = format!(
        "udp.srcport == {port} && udp.dstport != {} && udp.dstport != {} && sip",
        b2bua.uas_1703, b2bua.uas_1704
    );
    let b_methods = capture_frames(
        &file,
        &format!("{to_callees} && sip.Request-Line"),
        "sip.Method",
    );
    for method in ["INVITE", "ACK", "CANCEL", "BYE"] {
        assert!(
            b_methods.iter().any(|m| m == method),
            "no {method} sent to a callee: {b_methods:?}"
        );
    }
    let b_codes = capture_frames(
        &file,
        &format!("{to_callees} && sip.Status-Line"),
        "sip.Status-Code",
    );
    assert!(b_codes.iter().any(|c| c == "200"), "{b_codes:?}");
    let a_codes = capture_frames(
        &file,
        &format!("{to_callers} && sip.Status-Line"),
        "sip.Status-Code",
    );
    for code in ["100", "180", "183", "200", "487", "633"] {
        assert!(
            a_codes.iter().any(|c| c == code),
            "no {code} sent to a caller: {a_codes:?}"
        );
    }
    let a_methods = capture_frames(
        &file,
        &format!("{to_callers} && sip.Request-Line"),
        "sip.Method",
    );
    assert!(a_methods.iter().any(|m| m == "BYE"), "{a_methods:?}");
    // The scenario is over: every call ended and left the registry.
    b2bua.server.assert_no_dialogs();
}

/// A steady minute of connected calls: 50 calls/s for 60 s, each held 1 s, through the seed 003
/// `connect_attempt` script to SIPp's built-in UAS. Every call succeeds on both sides and every
/// call that came in was torn down.
#[test]
fn steady_minute_of_connected_calls() {
    const CALLS: usize = 3000;
    let b2bua = B2bua::start();
    let calls = CALLS.to_string();
    let shared = [
        "-m",
        calls.as_str(),
        "-timeout",
        "150s",
        "-timeout_error",
        "-recv_timeout",
        "20s",
        "-buff_size",
        "4194304",
    ];
    let callee = SippProcess::uas("uas", b2bua.uas_1703, &shared);
    let mut caller_args = shared.to_vec();
    caller_args.extend(["-r", "50", "-d", "1000"]);
    let caller = SippProcess::uac(&b2bua.server, "uac", "50001234", &caller_args);
    expect_all_pass(&b2bua.server, caller, vec![callee]);

    let edrs = b2bua
        .server
        .edrs_when(&format!("{CALLS} TEARDOWN records"), |e| {
            event(e, "TEARDOWN").len() >= CALLS
        });
    let invites = event(&edrs, "IN-INVITE-ALEG").len();
    let teardowns = event(&edrs, "TEARDOWN");
    assert_eq!(invites, CALLS);
    assert_eq!(teardowns.len(), invites, "a call was left over");
    assert_eq!(event(&edrs, "ANSWER").len(), CALLS);
    let not_by_caller: Vec<&&Edr> = teardowns
        .iter()
        .filter(|e| e.get("END_REASON") != Some("Downstream BYE"))
        .collect();
    assert!(not_by_caller.is_empty(), "{not_by_caller:#?}");
    // The scenario is over: every call ended and left the registry.
    b2bua.server.assert_no_dialogs();
}

/// The only route points at a TCP port where nobody listens: the connect is refused, the
/// B-leg INVITE fails at once (not after Timer B's 32 s), the script hears "No Route" and
/// declines with 633 (seed 003 termination_attempt example).
#[test]
fn refused_tcp_route_fails_the_attempt_at_once() {
    let closed = free_port();
    let routes = format!(
        r#"
[[routes]]
prefix = "1703"
peer = "tcp:127.0.0.1:{closed}"
name = "nobody"
"#
    );
    let server = Server::start_configured(None, TRIGGERS, &routes);
    let started = Instant::now();
    let caller = SippProcess::uac(
        &server,
        "b2b_uac_no_answer_633.xml",
        "50011234",
        &[
            "-m",
            "1",
            "-timeout",
            "30s",
            "-timeout_error",
            "-recv_timeout",
            "20s",
        ],
    );
    expect_all_pass(&server, caller, vec![]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the refused connect must end the attempt at once; the call took {:?}",
        started.elapsed()
    );
    expect_notice(&server, "Controlled after Reason = No Route");
    let edrs = server.teardown("Script Decline", "633");
    assert_eq!(
        single(&edrs, "TERMINATION-FAILED").get("RESULT"),
        Some("No Route")
    );
    server.assert_no_dialogs();
}
