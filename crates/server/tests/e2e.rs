//! End-to-end tests against real peers: the built `callctl` binary between SIPp (as caller)
//! and, for the wire check, tshark. One behaviour per scenario; each test starts its own
//! callctl on a free port with its own EDR file, runs one SIPp scenario from tests/e2e/sipp/,
//! asserts SIPp's exit status (every check in the scenario passed) and then the EDRs.
//!
//! SIPp (Debian package `sip-tester`) and tshark must be installed: `./scripts/test` installs
//! them. A missing tool fails the test with that hint; nothing is skipped.

mod common;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use common::*;

#[test]
fn seed000_hangup_487_then_calm_down() {
    let server = Server::start();
    sipp(&server, "seed000_hangup.xml", "6000", "u1");
    let edrs = server.teardown("Script Hangup", "487");
    assert_eq!(event(&edrs, "HANGUP")[0].get("CODE"), Some("487"));
    let edrs = server.edrs_when("the notice after hangup", |e| {
        e.iter().any(|r| r.event == "NOTICE")
    });
    assert_eq!(
        event(&edrs, "NOTICE")[0].get("TEXT"),
        Some("Calm Down Period")
    );
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn seed001_ringing_then_decline_604() {
    let server = Server::start();
    sipp(&server, "seed001_decline_604.xml", "6001", "u1");
    let edrs = server.teardown("Script Decline", "604");
    let codes: Vec<&str> = event(&edrs, "OUT-RESPONSE-ALEG")
        .iter()
        .filter_map(|e| e.get("CODE"))
        .collect();
    assert_eq!(codes, vec!["100", "180", "604"]);
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn seed001_decline_with_q850_reason() {
    let server = Server::start();
    sipp(&server, "seed001_decline_q850.xml", "6002", "u1");
    let edrs = server.teardown("Script Decline", "487");
    assert_eq!(
        event(&edrs, "DECLINE")[0].get("REASON"),
        Some("Q.850;cause=16;text=\"Normal Call Teardown\"")
    );
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn seed001_redirect_302() {
    let server = Server::start();
    sipp(&server, "seed001_redirect.xml", "6003", "u1");
    server.teardown("Script Redirect", "302");
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn decline_busy_with_sip_reason_handler_form() {
    let server = Server::start();
    sipp(&server, "busy_here.xml", "6004", "u1");
    let edrs = server.teardown("Script Decline", "486");
    assert_eq!(
        event(&edrs, "NOTICE")[0].get("TEXT"),
        Some("busy for 6004 calling 4470001")
    );
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn decline_over_tcp() {
    let server = Server::start();
    sipp(&server, "busy_here.xml", "6004", "t1");
    let edrs = server.teardown("Script Decline", "486");
    assert!(event(&edrs, "IN-INVITE-ALEG")[0]
        .get("SOURCE")
        .unwrap()
        .starts_with("tcp:"));
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn proceeding_with_headers_wait_and_decline_with_array_headers() {
    let server = Server::start();
    sipp(&server, "queue_then_decline.xml", "6005", "u1");
    server.teardown("Script Decline", "480");
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn proceeding_codes() {
    let server = Server::start();
    sipp(&server, "proceeding_codes.xml", "7001", "u1");
    let edrs = server.teardown("Script Decline", "486");
    let codes: Vec<&str> = event(&edrs, "OUT-RESPONSE-ALEG")
        .iter()
        .filter_map(|e| e.get("CODE"))
        .collect();
    assert_eq!(codes, vec!["100", "181", "182", "199", "486"]);
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn require_100rel_without_sdp_refuses_proceeding() {
    let server = Server::start();
    sipp(&server, "require_100rel_no_sdp.xml", "7002", "u1");
    let edrs = server.teardown("Script Decline", "480");
    let notices: Vec<&str> = event(&edrs, "NOTICE")
        .iter()
        .filter_map(|e| e.get("TEXT"))
        .collect();
    assert_eq!(notices[0], "proceed_ok=false require_100rel=true sdp=false");
    assert!(notices[1].starts_with("ringing refused: "), "{notices:?}");
    assert!(notices[1].contains("require_100rel.lua:8"), "{notices:?}");
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn require_100rel_with_sdp_sends_reliable_180() {
    let server = Server::start();
    sipp(&server, "require_100rel_sdp.xml", "7002", "u1");
    let edrs = server.teardown("Script Decline", "486");
    assert_eq!(
        event(&edrs, "NOTICE")[0].get("TEXT"),
        Some("proceed_ok=true require_100rel=true sdp=true")
    );
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn retransmitted_invite_is_absorbed() {
    let server = Server::start();
    sipp(&server, "invite_retransmission.xml", "7004", "u1");
    let edrs = server.teardown("Script Decline", "486");
    assert_eq!(event(&edrs, "IN-INVITE-ALEG").len(), 1);
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn cancel_before_the_script_answers() {
    let server = Server::start();
    sipp(&server, "cancel_before_answer.xml", "7005", "u1");
    let edrs = server.teardown("Abandoned", "487");
    assert_eq!(event(&edrs, "ABANDON").len(), 1);
    // The script keeps running without control: its decline has no effect.
    let edrs = server.edrs_when("the script's last notice", |e| {
        e.iter().any(|r| r.event == "NOTICE")
    });
    assert_eq!(
        event(&edrs, "NOTICE")[0].get("TEXT"),
        Some("after abandon: controlled=false decline_ok=false decline returned false")
    );
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn script_error_releases_the_call() {
    let server = Server::start();
    sipp(&server, "script_error.xml", "7006", "u1");
    let edrs = server.teardown("Script Error", "500");
    let exception = event(&edrs, "SHUTDOWN")[0]
        .get("EXCEPTION")
        .unwrap()
        .to_string();
    assert!(exception.contains("bad_code.lua:4"), "{exception}");
    assert!(exception.contains("decline"), "{exception}");
    assert!(exception.contains("300-699"), "{exception}");
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn runtime_error_releases_the_call() {
    let server = Server::start();
    sipp(&server, "runtime_error.xml", "7010", "u1");
    let edrs = server.teardown("Script Error", "500");
    let exception = event(&edrs, "SHUTDOWN")[0]
        .get("EXCEPTION")
        .unwrap()
        .to_string();
    assert!(exception.contains("runtime_error.lua:4"), "{exception}");
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn script_timeout_releases_the_call() {
    let server = Server::start();
    let started = Instant::now();
    sipp(&server, "script_timeout.xml", "7007", "u1");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(2400),
        "released after {elapsed:?}"
    );
    let edrs = server.teardown("Service Logic Timeout", "500");
    let exception = event(&edrs, "SHUTDOWN")[0]
        .get("EXCEPTION")
        .unwrap()
        .to_string();
    assert!(
        exception.contains("Timeout waiting for service logic"),
        "{exception}"
    );
    assert!(exception.contains("too_slow.lua:4"), "{exception}");
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn runaway_loop_is_stopped_and_other_calls_go_on() {
    let server = Server::start();
    sipp(&server, "runaway_loop.xml", "7008", "u1");
    let edrs = server.teardown("Script Error", "500");
    let exception = event(&edrs, "SHUTDOWN")[0]
        .get("EXCEPTION")
        .unwrap()
        .to_string();
    assert!(exception.contains("budget"), "{exception}");
    assert!(exception.contains("runaway.lua"), "{exception}");
    // The next call on the same server is served normally.
    sipp(&server, "busy_here.xml", "6004", "u1");
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn script_returning_without_action_is_hung_up() {
    let server = Server::start();
    sipp(&server, "auto_hangup.xml", "7009", "u1");
    let edrs = server.teardown("Script Hangup", "603");
    assert_eq!(event(&edrs, "HANGUP")[0].get("AUTO"), Some("1"));
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn no_trigger_gets_404() {
    let server = Server::start();
    sipp(&server, "no_trigger.xml", "9999", "u1");
    server.teardown("No Trigger", "404");
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn requests_outside_calls() {
    let server = Server::start();
    sipp(&server, "out_of_call.xml", "9999", "u1");
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn malformed_requests_get_400_and_the_server_keeps_serving() {
    let server = Server::start();
    sipp(&server, "malformed.xml", "9999", "u1");
    sipp(&server, "busy_here.xml", "6004", "u1");
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn malformed_requests_over_tcp_keep_the_connection() {
    let server = Server::start();
    sipp(&server, "malformed_tcp.xml", "9999", "t1");
    sipp(&server, "busy_here.xml", "6004", "t1");
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

/// A minimal UDP caller for tests of callctl's own behaviour (not of SIP interop): sends an
/// INVITE, collects the response codes until the final one, acknowledges it.
fn call_raw(port: u16, number: &str, tag: &str) -> Vec<u16> {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let local = socket.local_addr().unwrap();
    let head = |method: &str, to_tag: &str| {
        format!(
            "{method} sip:{number}@127.0.0.1:{port} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bK{tag}\r\nFrom: <sip:4470001@127.0.0.1>;tag={tag}\r\nTo: <sip:{number}@127.0.0.1>{to_tag}\r\nCall-ID: {tag}@raw\r\nCSeq: 1 {method}\r\nMax-Forwards: 70\r\nContact: <sip:4470001@{local}>\r\nContent-Length: 0\r\n\r\n"
        )
    };
    socket
        .send_to(head("INVITE", "").as_bytes(), ("127.0.0.1", port))
        .unwrap();
    let mut codes = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let (n, _) = socket.recv_from(&mut buf).expect("a response");
        let text = String::from_utf8_lossy(&buf[..n]).to_string();
        let code: u16 = text[8..11].parse().unwrap();
        if !codes.contains(&code) {
            codes.push(code);
        }
        if code >= 200 {
            let to = text
                .lines()
                .find(|l| l.starts_with("To:"))
                .and_then(|l| l.split(";tag=").nth(1))
                .unwrap_or("")
                .trim()
                .to_string();
            let ack = head("ACK", &format!(";tag={to}"));
            socket.send_to(ack.as_bytes(), ("127.0.0.1", port)).unwrap();
            return codes;
        }
    }
}

#[test]
fn sighup_reloads_scripts_without_disturbing_calls_in_progress() {
    let scripts = temp_dir("reload");
    let script = scripts.join("reload_me.lua");
    let version = |code: u16| {
        format!(
            "local n2svcd = require \"n2.n2svcd\"\nlocal api = require \"n2.n2svcd.sip_incall\"\nlocal scc = ...\napi.proceeding (180, 10)\nn2svcd.wait (1.5)\napi.decline ({code})\n"
        )
    };
    std::fs::write(&script, version(486)).unwrap();
    let server = Server::start_with(
        Some(&scripts),
        "[[service.triggers]]\ncalled_prefix = \"7100\"\nscript_key = \"reload_me\"\n",
    );
    let port = server.port;
    // A call that starts on the old version and is still running during the reload.
    let first = std::thread::spawn(move || call_raw(port, "7100", "reload-old"));
    server.edrs_when("the first call to start", |e| {
        e.iter().any(|r| r.event == "IN-INVITE-ALEG")
    });
    std::fs::write(&script, version(480)).unwrap();
    unsafe_kill(server.child.id(), "HUP");
    let reloaded = Instant::now() + Duration::from_secs(5);
    while !server.log().contains("scripts reloaded") {
        assert!(
            Instant::now() < reloaded,
            "no reload logged:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = call_raw(port, "7100", "reload-new");
    assert_eq!(
        second,
        vec![100, 180, 480],
        "a new call runs the new script"
    );
    assert_eq!(
        first.join().unwrap(),
        vec![100, 180, 486],
        "the call in progress finished on the old script"
    );
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn tcp_connections_are_limited() {
    use std::io::Read;
    let server = Server::start_limited(2);
    let a = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    let b = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let mut c = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 16];
    // The third connection is closed at once: read sees end of stream (or a reset).
    let n = c.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "third connection was not refused");
    assert!(
        server.log().contains("max_tcp_connections"),
        "{}",
        server.log()
    );
    drop((a, b));
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

#[test]
fn shutdown_releases_waiting_callers_with_503() {
    let server = Server::start();
    let port = server.port;
    let caller = std::thread::spawn(move || call_raw(port, "7007", "shutdown"));
    server.edrs_when("the call to start", |e| {
        e.iter().any(|r| r.event == "IN-INVITE-ALEG")
    });
    unsafe_kill(server.child.id(), "TERM");
    assert_eq!(caller.join().unwrap(), vec![100, 503]);
    let edrs = server.teardown("MI Termination", "503");
    assert!(!edrs.is_empty());
    // The EDR file is closed with its footer.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !std::fs::read_to_string(&server.edr)
        .unwrap_or_default()
        .contains("#FOOTER|")
    {
        assert!(Instant::now() < deadline, "no EDR footer after shutdown");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Shutdown waits for calls to be released, which can take a transaction timeout (Timer B,
/// 64*T1 = 32 s here) when the B-leg peer never answers; a second SIGTERM must stop callctl
/// at once instead of being ignored.
#[test]
fn second_sigterm_stops_without_waiting_for_a_silent_peer() {
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let routes = format!(
        "[[routes]]\nprefix = \"1703\"\npeer = \"udp:{}\"\n",
        silent.local_addr().unwrap()
    );
    let mut server = Server::start_configured(
        None,
        "[[service.triggers]]\ncalled_prefix = \"5000\"\nscript_key = \"seed003_connect_attempt\"\n",
        &routes,
    );
    let port = server.port;
    let caller = std::thread::spawn(move || call_raw(port, "50001234", "second-term"));
    let mut buf = [0u8; 4096];
    let (n, _) = silent.recv_from(&mut buf).expect("the B-leg INVITE");
    assert!(buf[..n].starts_with(b"INVITE "));
    unsafe_kill(server.child.id(), "TERM");
    // The script rings the caller (180) before its B-leg attempt; shutdown answers 503.
    assert_eq!(caller.join().unwrap(), vec![100, 180, 503]);
    // The B-leg INVITE cannot be cancelled before a provisional response (RFC 3261 §9.1):
    // callctl is still releasing the call.
    std::thread::sleep(Duration::from_millis(1000));
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "callctl stopped before its call was released; log:\n{}",
        server.log()
    );
    unsafe_kill(server.child.id(), "TERM");
    let deadline = Instant::now() + Duration::from_secs(3);
    while server.child.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "callctl still running 3 s after a second SIGTERM; log:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn oversized_datagram_gets_513() {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let local = socket.local_addr().unwrap();
    // The server's limit is 2 KiB; this request is over 3 KiB.
    let server = Server::start_limited(16);
    let padding = "x".repeat(3000);
    let msg = format!(
        "OPTIONS sip:big@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKbig\r\nFrom: <sip:a@127.0.0.1>;tag=b\r\nTo: <sip:big@127.0.0.1>\r\nCall-ID: big@test\r\nCSeq: 1 OPTIONS\r\nX-Padding: {padding}\r\nContent-Length: 0\r\n\r\n"
    );
    socket
        .send_to(msg.as_bytes(), ("127.0.0.1", server.port))
        .unwrap();
    let mut buf = [0u8; 4096];
    let (n, _) = socket.recv_from(&mut buf).expect("an answer");
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("SIP/2.0 513"), "{text}");
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

/// Every message callctl sends in the scenarios above decodes in tshark as SIP with no
/// malformed-packet or expert-error flag.
#[test]
fn tshark_decodes_everything_callctl_sends() {
    let server = Server::start();
    let capture = Capture::start(server.port, server.dir.join("capture.pcapng"));
    let runs: &[(&str, &str, &str)] = &[
        ("seed000_hangup.xml", "6000", "u1"),
        ("seed001_decline_604.xml", "6001", "u1"),
        ("seed001_decline_q850.xml", "6002", "u1"),
        ("seed001_redirect.xml", "6003", "u1"),
        ("busy_here.xml", "6004", "u1"),
        ("busy_here.xml", "6004", "t1"),
        ("queue_then_decline.xml", "6005", "u1"),
        ("proceeding_codes.xml", "7001", "u1"),
        ("require_100rel_no_sdp.xml", "7002", "u1"),
        ("require_100rel_sdp.xml", "7002", "u1"),
        ("invite_retransmission.xml", "7004", "u1"),
        ("cancel_before_answer.xml", "7005", "u1"),
        ("script_error.xml", "7006", "u1"),
        ("script_timeout.xml", "7007", "u1"),
        ("runaway_loop.xml", "7008", "u1"),
        ("auto_hangup.xml", "7009", "u1"),
        ("no_trigger.xml", "9999", "u1"),
        ("out_of_call.xml", "9999", "u1"),
        ("malformed.xml", "9999", "u1"),
        ("malformed_tcp.xml", "9999", "t1"),
    ];
    for (scenario, service, transport) in runs {
        sipp(&server, scenario, service, transport);
    }
    let file = capture.finish();
    let sent = assert_sent_sip_decodes(&file, server.port);
    assert!(
        sent.len() > 60,
        "too few SIP messages captured: {}",
        sent.len()
    );
    // The scenario is over: every call ended and left the registry.
    server.assert_no_dialogs();
}

/// A TCP peer that sends requests but never reads the answers must not make callctl queue
/// answers without limit: once the connection's queue is full the connection is closed
/// (the peer's writes then fail), and the server keeps serving others.
#[test]
fn tcp_peer_that_never_reads_is_disconnected() {
    use std::io::Write;
    let server = Server::start();
    let socket = socket2::Socket::new(
        socket2::Domain::IPV4,
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )
    .unwrap();
    // A tiny receive window, so callctl's sends stall at once.
    socket.set_recv_buffer_size(4096).unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", server.port).parse().unwrap();
    socket.connect(&addr.into()).unwrap();
    let mut stream: std::net::TcpStream = socket.into();
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut sent = 0u32;
    let closed = loop {
        let request = format!(
            "OPTIONS sip:ping@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK-nr{sent}\r\nFrom: <sip:nr@127.0.0.1>;tag=nr\r\nTo: <sip:ping@127.0.0.1>\r\nCall-ID: nr-{sent}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        );
        match stream.write_all(request.as_bytes()) {
            Ok(()) => sent += 1,
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                // callctl stopped reading us without closing.
                break false;
            }
            Err(_) => break true,
        }
        if std::time::Instant::now() > deadline {
            break false;
        }
    };
    assert!(
        closed,
        "the connection was not closed after {sent} unread answers"
    );
    assert!(
        server.log().contains("TCP peer not reading"),
        "{}",
        server.log()
    );
    // Others are still served.
    let mut other = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    other
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    other
        .write_all(b"OPTIONS sip:ping@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK-ok1\r\nFrom: <sip:ok@127.0.0.1>;tag=ok\r\nTo: <sip:ping@127.0.0.1>\r\nCall-ID: ok-1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 64];
    let n = std::io::Read::read(&mut other, &mut buf).unwrap();
    assert!(buf[..n].starts_with(b"SIP/2.0 200"), "{:?}", &buf[..n]);
}
