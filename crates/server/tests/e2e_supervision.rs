//! End-to-end test of call supervision by in-dialog pings (`[supervision]`) against real
//! peers: a SIPp caller and a SIPp callee hold a call connected through the built `callctl`
//! (seed 003 `connect_attempt`), callctl pings both dialogs with OPTIONS every 5 s, the callee
//! answers 481 (RFC 3261 §12.2.2: no such dialog) and callctl ends the call with BYE on both
//! legs and `END_REASON` `Ping Timeout`. Both scenarios check their OPTIONS and BYE (in-dialog
//! Request-URI, To tag, CSeq) and exit 0 only if every check passed.
//!
//! SIPp (Debian package `sip-tester`) must be installed: `./scripts/test` installs it. A
//! missing tool fails the test with that hint; nothing is skipped.

mod common;

use std::time::{Duration, Instant};

use common::*;

const TRIGGERS: &str = r#"
[[service.triggers]]
called_prefix = "5000"
script_key = "seed003_connect_attempt"
"#;

#[test]
fn a_ping_answered_481_ends_the_call_with_ping_timeout() {
    let uas_port = free_port();
    let sections = format!(
        r#"
[supervision]
ping_interval_secs = 5
ping_method = "OPTIONS"
ping_max_failures = 1

[[routes]]
prefix = "1703"
peer = "udp:127.0.0.1:{uas_port}"
name = "uas-1703"
"#
    );
    let server = Server::start_configured(None, TRIGGERS, &sections);
    let args = [
        "-m",
        "1",
        "-timeout",
        "30s",
        "-timeout_error",
        "-recv_timeout",
        "20s",
        "-trace_msg",
    ];
    let mut uas_args = args.to_vec();
    uas_args.extend(["-set", "expected_user", "170350001234"]);
    let callee = SippProcess::uas("ping_uas_481.xml", uas_port, &uas_args);
    let started = Instant::now();
    let caller = SippProcess::uac(&server, "ping_uac_wait_for_bye.xml", "50001234", &args);
    expect_all_pass(&server, caller, vec![callee]);
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "the first ping is due 5 s after answer; the call ended after {:?}",
        started.elapsed()
    );
    let edrs = server.teardown("Ping Timeout", "200");
    let answer = event(&edrs, "ANSWER");
    assert_eq!(answer.len(), 1, "{edrs:#?}");
    let end = event(&edrs, "TEARDOWN")[0];
    let duration: u64 = end
        .get("DURATION_MS")
        .and_then(|d| d.parse().ok())
        .expect("TEARDOWN DURATION_MS");
    assert!(duration >= 5_000, "DURATION_MS {duration}");
    server.assert_no_dialogs();
}
