//! End-to-end tests against real peers: the built `callctl` binary between SIPp (as caller)
//! and, for the wire check, tshark. One behaviour per scenario; each test starts its own
//! callctl on a free port with its own EDR file, runs one SIPp scenario from tests/e2e/sipp/,
//! asserts SIPp's exit status (every check in the scenario passed) and then the EDRs.
//!
//! SIPp (Debian package `sip-tester`) and tshark must be installed: `./scripts/test` installs
//! them. A missing tool fails the test with that hint; nothing is skipped.

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn require_tool(tool: &str, package: &str) {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        found,
        "{tool} not found: install the Debian package {package} (./scripts/test installs it)"
    );
}

fn free_port() -> u16 {
    // A UDP port free now whose TCP twin is also free.
    for _ in 0..100 {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port");
}

fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "callctl-e2e-{}-{}-{tag}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One EDR line, decoded.
#[derive(Debug, Clone)]
struct Edr {
    event: String,
    fields: Vec<(String, String)>,
}

impl Edr {
    fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

struct Server {
    child: Child,
    port: u16,
    dir: PathBuf,
    edr: PathBuf,
}

impl Server {
    fn start() -> Server {
        Server::start_with(None, "")
    }

    /// Start with an extra script directory (searched first) and extra trigger tables.
    fn start_with(extra_dir: Option<&Path>, extra_triggers: &str) -> Server {
        let port = free_port();
        let dir = temp_dir("server");
        let edr = dir.join("edr.log");
        let repo = repo();
        let config = format!(
            r#"
[sip]
listen = ["udp:127.0.0.1:{port}", "tcp:127.0.0.1:{port}"]
t1_ms = 500

[service]
script_dirs = [{extra}"{examples}", "{tests}"]
service_logic_ms = 2500
{extra_triggers}

[[service.triggers]]
called_prefix = "6000"
script_key = "seed000_hangup"
[[service.triggers]]
called_prefix = "6001"
script_key = "seed001_decline_604"
[[service.triggers]]
called_prefix = "6002"
script_key = "seed001_decline_q850"
[[service.triggers]]
called_prefix = "6003"
script_key = "seed001_redirect"
[[service.triggers]]
called_prefix = "6004"
script_key = "busy_here"
[[service.triggers]]
called_prefix = "6005"
script_key = "queue_then_decline"
[[service.triggers]]
called_prefix = "7001"
script_key = "proceeding_codes"
[[service.triggers]]
called_prefix = "7002"
script_key = "require_100rel"
[[service.triggers]]
called_prefix = "7004"
script_key = "slow_decline"
[[service.triggers]]
called_prefix = "7005"
script_key = "ring_and_wait"
[[service.triggers]]
called_prefix = "7006"
script_key = "bad_code"
[[service.triggers]]
called_prefix = "7007"
script_key = "too_slow"
[[service.triggers]]
called_prefix = "7008"
script_key = "runaway"
[[service.triggers]]
called_prefix = "7009"
script_key = "does_nothing"
[[service.triggers]]
called_prefix = "7010"
script_key = "runtime_error"

[edr]
path = "{edr}"

[runtime]
workers = 2

[log]
level = "info"
"#,
            extra = extra_dir
                .map(|d| format!("\"{}\", ", d.display()))
                .unwrap_or_default(),
            examples = repo.join("examples/scripts").display(),
            tests = repo.join("tests/e2e/scripts").display(),
            edr = edr.display(),
        );
        Server::spawn(port, dir, edr, &config)
    }

    /// A server with `sip.max_tcp_connections` = `connections` and a 2 KiB message limit.
    fn start_limited(connections: usize) -> Server {
        let port = free_port();
        let dir = temp_dir("limited");
        let edr = dir.join("edr.log");
        let config = format!(
            "[sip]\nlisten = [\"udp:127.0.0.1:{port}\", \"tcp:127.0.0.1:{port}\"]\nmax_tcp_connections = {connections}\nmax_message_bytes = 2048\n[edr]\npath = \"{}\"\n",
            edr.display()
        );
        Server::spawn(port, dir, edr, &config)
    }

    /// Run callctl with `config` (written into `dir`) and wait until it answers.
    fn spawn(port: u16, dir: PathBuf, edr: PathBuf, config: &str) -> Server {
        let config_path = dir.join("callctl.toml");
        std::fs::write(&config_path, config).unwrap();
        let log = std::fs::File::create(dir.join("callctl.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_callctl"))
            .arg("--config")
            .arg(&config_path)
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start callctl");
        let server = Server {
            child,
            port,
            dir,
            edr,
        };
        server.wait_ready();
        server
    }

    /// Ready when an OPTIONS gets its 200.
    fn wait_ready(&self) {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let local = socket.local_addr().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut n = 0;
        while Instant::now() < deadline {
            n += 1;
            let options = format!(
                "OPTIONS sip:ping@127.0.0.1:{p} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKready{n}\r\nFrom: <sip:t@127.0.0.1>;tag=r{n}\r\nTo: <sip:ping@127.0.0.1>\r\nCall-ID: ready-{n}@test\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
                p = self.port
            );
            let _ = socket.send_to(options.as_bytes(), ("127.0.0.1", self.port));
            let mut buf = [0u8; 2048];
            if let Ok((len, _)) = socket.recv_from(&mut buf) {
                if buf[..len].starts_with(b"SIP/2.0 200") {
                    return;
                }
            }
        }
        panic!("callctl did not start; log:\n{}", self.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("callctl.log")).unwrap_or_default()
    }

    fn edrs(&self) -> Vec<Edr> {
        let text = std::fs::read_to_string(&self.edr).unwrap_or_default();
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let rest = &l[l.find('>')? + 1..];
                let mut parts = rest.split('|');
                let event = parts.next()?.to_string();
                let fields = parts
                    .filter_map(|p| {
                        let (k, v) = p.split_once('=')?;
                        Some((k.to_string(), percent_decode(v)))
                    })
                    .collect();
                Some(Edr { event, fields })
            })
            .collect()
    }

    /// Wait (bounded) until the EDRs satisfy `pred`; return them.
    fn edrs_when(&self, what: &str, pred: impl Fn(&[Edr]) -> bool) -> Vec<Edr> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let edrs = self.edrs();
            if pred(&edrs) {
                return edrs;
            }
            if Instant::now() > deadline {
                panic!("EDRs never showed {what}:\n{edrs:#?}\nlog:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn teardown(&self, reason: &str, code: &str) -> Vec<Edr> {
        let edrs = self.edrs_when(&format!("TEARDOWN {reason} {code}"), |e| {
            e.iter().any(|r| r.event == "TEARDOWN")
        });
        let ends: Vec<&Edr> = edrs.iter().filter(|e| e.event == "TEARDOWN").collect();
        assert_eq!(ends.len(), 1, "exactly one end record: {edrs:#?}");
        assert_eq!(ends[0].get("END_REASON"), Some(reason), "{edrs:#?}");
        assert_eq!(ends[0].get("CODE"), Some(code), "{edrs:#?}");
        edrs
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        unsafe_kill(self.child.id(), "TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn unsafe_kill(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status();
}

/// Run one SIPp scenario (one call) against the server; panics with SIPp's error log unless
/// every check passed.
fn sipp(server: &Server, scenario: &str, service: &str, transport: &str) {
    require_tool("sipp", "sip-tester");
    let work = temp_dir("sipp");
    let file = repo().join("tests/e2e/sipp").join(scenario);
    let output = Command::new("sipp")
        .arg("-sf")
        .arg(&file)
        .args([
            "-s",
            service,
            "-m",
            "1",
            "-timeout",
            "30s",
            "-nostdin",
            "-trace_err",
        ])
        .args(["-t", transport, "-i", "127.0.0.1"])
        .arg(format!("127.0.0.1:{}", server.port))
        .current_dir(&work)
        .output()
        .expect("run sipp");
    if !output.status.success() {
        let mut errors = String::new();
        for entry in std::fs::read_dir(&work).unwrap().flatten() {
            errors.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
        panic!(
            "SIPp scenario {scenario} (service {service}, {transport}) failed with {:?}\n{errors}\n{}\ncallctl log:\n{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr),
            server.log()
        );
    }
}

fn event<'a>(edrs: &'a [Edr], name: &str) -> Vec<&'a Edr> {
    edrs.iter().filter(|e| e.event == name).collect()
}

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
}

#[test]
fn seed001_redirect_302() {
    let server = Server::start();
    sipp(&server, "seed001_redirect.xml", "6003", "u1");
    server.teardown("Script Redirect", "302");
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
}

#[test]
fn proceeding_with_headers_wait_and_decline_with_array_headers() {
    let server = Server::start();
    sipp(&server, "queue_then_decline.xml", "6005", "u1");
    server.teardown("Script Decline", "480");
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
}

#[test]
fn retransmitted_invite_is_absorbed() {
    let server = Server::start();
    sipp(&server, "invite_retransmission.xml", "7004", "u1");
    let edrs = server.teardown("Script Decline", "486");
    assert_eq!(event(&edrs, "IN-INVITE-ALEG").len(), 1);
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
}

#[test]
fn script_returning_without_action_is_hung_up() {
    let server = Server::start();
    sipp(&server, "auto_hangup.xml", "7009", "u1");
    let edrs = server.teardown("Script Hangup", "603");
    assert_eq!(event(&edrs, "HANGUP")[0].get("AUTO"), Some("1"));
}

#[test]
fn no_trigger_gets_404() {
    let server = Server::start();
    sipp(&server, "no_trigger.xml", "9999", "u1");
    server.teardown("No Trigger", "404");
}

#[test]
fn requests_outside_calls() {
    let server = Server::start();
    sipp(&server, "out_of_call.xml", "9999", "u1");
}

#[test]
fn malformed_requests_get_400_and_the_server_keeps_serving() {
    let server = Server::start();
    sipp(&server, "malformed.xml", "9999", "u1");
    sipp(&server, "busy_here.xml", "6004", "u1");
}

#[test]
fn malformed_requests_over_tcp_keep_the_connection() {
    let server = Server::start();
    sipp(&server, "malformed_tcp.xml", "9999", "t1");
    sipp(&server, "busy_here.xml", "6004", "t1");
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
}

/// Every message callctl sends in the scenarios above decodes in tshark as SIP with no
/// malformed-packet or expert-error flag.
#[test]
fn tshark_decodes_everything_callctl_sends() {
    require_tool("tshark", "tshark");
    let server = Server::start();
    let capture = server.dir.join("capture.pcapng");
    let mut tshark = Command::new("tshark")
        .args(["-i", "lo", "-f"])
        .arg(format!("port {}", server.port))
        .arg("-w")
        .arg(&capture)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tshark");
    // Wait until tshark says it is capturing.
    let stderr = tshark.stderr.take().unwrap();
    let mut reader = BufReader::new(stderr);
    let mut line = String::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || Instant::now() > deadline {
            panic!("tshark did not start capturing: {line}");
        }
        if line.contains("Capturing on") {
            break;
        }
    }
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
    std::thread::sleep(Duration::from_millis(500));
    unsafe_kill(tshark.id(), "INT");
    let _ = tshark.wait();
    // Let the reader thread's pipe close cleanly.
    drop(reader);

    let ours = format!(
        "(udp.srcport == {p} || tcp.srcport == {p})",
        p = server.port
    );
    let count = |filter: &str| -> Vec<String> {
        let out = Command::new("tshark")
            .arg("-r")
            .arg(&capture)
            .args(["-o", "tcp.analyze_sequence_numbers:FALSE", "-Y", filter])
            .args(["-T", "fields", "-e", "frame.number", "-e", "_ws.col.Info"])
            .output()
            .expect("run tshark");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    };
    let sent = count(&format!("{ours} && sip"));
    assert!(
        sent.len() > 60,
        "too few SIP messages captured: {}",
        sent.len()
    );
    let undecoded = count(&format!("{ours} && !sip && (udp || tcp.len > 0)"));
    assert!(undecoded.is_empty(), "not decoded as SIP: {undecoded:#?}");
    let flagged = count(&format!(
        "{ours} && (_ws.malformed || _ws.expert.severity >= 0x00800000)"
    ));
    assert!(
        flagged.is_empty(),
        "malformed or expert errors: {flagged:#?}"
    );
}
