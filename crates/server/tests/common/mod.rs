//! The harness shared by the end-to-end test binaries (`e2e`, `e2e_termination`): callctl
//! started on free ports with its own configuration and EDR file, SIPp callers and SIPp UASes
//! as child processes, EDR reading with bounded polling, and the tshark wire check.
//!
//! Each test binary uses part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub fn require_tool(tool: &str, package: &str) {
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

pub fn free_port() -> u16 {
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

pub fn temp_dir(tag: &str) -> PathBuf {
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
pub struct Edr {
    pub event: String,
    pub fields: Vec<(String, String)>,
}

impl Edr {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

pub fn percent_decode(s: &str) -> String {
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

pub struct Server {
    pub child: Child,
    pub port: u16,
    pub dir: PathBuf,
    pub edr: PathBuf,
    /// The management interface (JSON-RPC on /mi, metrics on /metrics) on 127.0.0.1.
    pub mgmt_port: u16,
    /// Its bearer token ("" when none is configured).
    pub mgmt_token: String,
}

impl Server {
    pub fn start() -> Server {
        Server::start_with(None, "")
    }

    /// Start with an extra script directory (searched first) and extra trigger tables.
    pub fn start_with(extra_dir: Option<&Path>, extra_triggers: &str) -> Server {
        Server::start_configured(extra_dir, extra_triggers, "")
    }

    /// Start with an extra script directory, extra trigger tables and extra top-level sections
    /// (`[termination]`, `[[routes]]`, ...) appended to the test configuration.
    pub fn start_configured(
        extra_dir: Option<&Path>,
        extra_triggers: &str,
        extra_sections: &str,
    ) -> Server {
        Server::start_secured(extra_dir, extra_triggers, extra_sections, "")
    }

    /// As [`Server::start_configured`], with a management token (`""`: none).
    pub fn start_secured(
        extra_dir: Option<&Path>,
        extra_triggers: &str,
        extra_sections: &str,
        token: &str,
    ) -> Server {
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
{extra_sections}
"#,
            extra = extra_dir
                .map(|d| format!("\"{}\", ", d.display()))
                .unwrap_or_default(),
            examples = repo.join("examples/scripts").display(),
            tests = repo.join("tests/e2e/scripts").display(),
            edr = edr.display(),
        );
        Server::spawn_managed(port, dir, edr, &config, token)
    }

    /// A server with `sip.max_tcp_connections` = `connections` and a 2 KiB message limit.
    pub fn start_limited(connections: usize) -> Server {
        let port = free_port();
        let dir = temp_dir("limited");
        let edr = dir.join("edr.log");
        let config = format!(
            "[sip]\nlisten = [\"udp:127.0.0.1:{port}\", \"tcp:127.0.0.1:{port}\"]\nmax_tcp_connections = {connections}\nmax_message_bytes = 2048\n[edr]\npath = \"{}\"\n",
            edr.display()
        );
        Server::spawn(port, dir, edr, &config)
    }

    /// Run callctl with `config` (written into `dir`) and wait until it answers. A
    /// `[management]` section on a free port is added (`config` must not have one).
    pub fn spawn(port: u16, dir: PathBuf, edr: PathBuf, config: &str) -> Server {
        Server::spawn_managed(port, dir, edr, config, "")
    }

    /// As [`Server::spawn`], with a management token (`""`: none).
    pub fn spawn_managed(
        port: u16,
        dir: PathBuf,
        edr: PathBuf,
        config: &str,
        token: &str,
    ) -> Server {
        assert!(
            !config.contains("[management]"),
            "the harness configures [management] itself"
        );
        let mgmt_port = free_port();
        let config = format!(
            "{config}\n[management]\nlisten = \"127.0.0.1:{mgmt_port}\"\ntoken = \"{token}\"\n"
        );
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
            mgmt_port,
            mgmt_token: token.to_string(),
        };
        server.wait_ready();
        server
    }

    /// Ready when an OPTIONS gets its 200.
    pub fn wait_ready(&self) {
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

    /// One HTTP/1.1 exchange with the management interface; (status, body).
    pub fn mgmt_http(
        &self,
        method: &str,
        path: &str,
        body: &str,
    ) -> std::io::Result<(u16, String)> {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.mgmt_port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let auth = if self.mgmt_token.is_empty() {
            String::new()
        } else {
            format!("Authorization: Bearer {}\r\n", self.mgmt_token)
        };
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes())?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        Ok((status, body.to_string()))
    }

    /// `dlg_list` through the management interface: the result, or why there is none.
    pub fn dlg_list(&self) -> Result<serde_json::Value, String> {
        let body = r#"{"jsonrpc":"2.0","method":"dlg_list","params":{},"id":1}"#;
        let (status, text) = self
            .mgmt_http("POST", "/mi", body)
            .map_err(|e| e.to_string())?;
        if status != 200 {
            return Err(format!("HTTP {status}: {text}"));
        }
        let reply: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        match reply.get("result") {
            Some(r) => Ok(r.clone()),
            None => Err(reply.to_string()),
        }
    }

    /// The end-of-scenario check: the dialog registry is empty, i.e. every call of the
    /// scenario ended and was forgotten. A call may still be finishing (its script in a
    /// `wait` after the caller was answered, a B-leg waiting for its final response), so poll
    /// for up to `within`.
    pub fn assert_no_dialogs_within(&self, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let last = self.dlg_list();
            if let Ok(list) = &last {
                if list["Total"] == 0 && list["Dialogs"] == serde_json::json!([]) {
                    return;
                }
            }
            if Instant::now() > deadline {
                panic!(
                    "the dialog registry is not empty at the end of the scenario: {last:#?}\nlog:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// [`Server::assert_no_dialogs_within`] 10 s (seed 000 waits 5 s after hanging up).
    pub fn assert_no_dialogs(&self) {
        self.assert_no_dialogs_within(Duration::from_secs(10));
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("callctl.log")).unwrap_or_default()
    }

    pub fn edrs(&self) -> Vec<Edr> {
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
    pub fn edrs_when(&self, what: &str, pred: impl Fn(&[Edr]) -> bool) -> Vec<Edr> {
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

    pub fn teardown(&self, reason: &str, code: &str) -> Vec<Edr> {
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

pub fn unsafe_kill(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status();
}

/// Run one SIPp scenario (one call) against the server; panics with SIPp's error log unless
/// every check passed.
pub fn sipp(server: &Server, scenario: &str, service: &str, transport: &str) {
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

pub fn event<'a>(edrs: &'a [Edr], name: &str) -> Vec<&'a Edr> {
    edrs.iter().filter(|e| e.event == name).collect()
}

/// Where the SIPp scenario files live.
pub fn scenario_path(file: &str) -> PathBuf {
    repo().join("tests/e2e/sipp").join(file)
}

/// True when some socket is bound to UDP 127.0.0.1:`port` (or the wildcard address), as listed
/// in /proc/net/udp: a readiness check that does not touch the port itself.
pub fn udp_bound(port: u16) -> bool {
    let suffix = format!(":{port:04X}");
    std::fs::read_to_string("/proc/net/udp")
        .unwrap_or_default()
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(1))
        .any(|local| {
            local.ends_with(&suffix)
                && (local.starts_with("0100007F:") || local.starts_with("00000000:"))
        })
}

/// One SIPp process (a caller or a UAS), run in its own working directory so that its trace
/// files can be shown when it fails. Killed on drop if still running.
pub struct SippProcess {
    pub name: String,
    child: Option<Child>,
    work: PathBuf,
    /// SIPp's own `-timeout` does not always end it (a call waiting for a response that never
    /// comes outlives it): past this instant the harness kills it.
    deadline: Instant,
}

/// How a SIPp process ended: its exit code and, for a failure, its traces.
pub struct SippOutcome {
    pub name: String,
    pub code: Option<i32>,
    pub work: PathBuf,
    /// Killed by the harness past its deadline.
    pub killed: bool,
}

impl SippOutcome {
    pub fn passed(&self) -> bool {
        self.code == Some(0)
    }

    /// SIPp's stderr and trace files (errors, messages, logs).
    pub fn report(&self) -> String {
        let mut out = format!("--- {} exited with {:?}\n", self.name, self.code);
        if self.killed {
            out.push_str("(killed by the test harness: it outlived its -timeout)\n");
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&self.work)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        entries.sort();
        for path in entries {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if !text.trim().is_empty() {
                out.push_str(&format!(
                    "--- {}:\n{text}\n",
                    path.file_name().unwrap().to_string_lossy()
                ));
            }
        }
        out
    }
}

impl SippProcess {
    /// `scenario` is a file under tests/e2e/sipp/ (`*.xml`) or a built-in name (`uac`, `uas`).
    fn spawn(name: String, scenario: &str, args: &[String]) -> SippProcess {
        require_tool("sipp", "sip-tester");
        let work = temp_dir("sipp");
        let mut cmd = Command::new("sipp");
        if scenario.ends_with(".xml") {
            cmd.arg("-sf").arg(scenario_path(scenario));
        } else {
            cmd.args(["-sn", scenario]);
        }
        let stderr = std::fs::File::create(work.join("stderr.txt")).unwrap();
        let child = cmd
            .args(["-nostdin", "-trace_err", "-i", "127.0.0.1"])
            .args(args)
            .current_dir(&work)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start sipp");
        SippProcess {
            name,
            child: Some(child),
            work,
            deadline: Instant::now() + sipp_time_limit(args),
        }
    }

    /// A SIPp UAS on UDP 127.0.0.1:`port`; returns once SIPp has bound the port, so callctl's
    /// INVITE cannot arrive before it listens.
    pub fn uas(scenario: &str, port: u16, args: &[&str]) -> SippProcess {
        let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        args.extend(["-p".to_string(), port.to_string(), "-t".into(), "u1".into()]);
        let mut uas = SippProcess::spawn(format!("UAS {scenario} on port {port}"), scenario, &args);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !udp_bound(port) {
            let exited = uas.child.as_mut().unwrap().try_wait().ok().flatten();
            if exited.is_some() || Instant::now() > deadline {
                let outcome = uas.wait();
                panic!("SIPp UAS did not start listening:\n{}", outcome.report());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        uas
    }

    /// A SIPp caller sending to callctl over UDP, calling `service`.
    pub fn uac(server: &Server, scenario: &str, service: &str, args: &[&str]) -> SippProcess {
        let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        args.extend([
            "-s".to_string(),
            service.to_string(),
            "-t".into(),
            "u1".into(),
            format!("127.0.0.1:{}", server.port),
        ]);
        SippProcess::spawn(format!("UAC {scenario} calling {service}"), scenario, &args)
    }

    /// Wait for SIPp to exit; kill it if it is still running at its deadline.
    pub fn wait(mut self) -> SippOutcome {
        let mut child = self.child.take().unwrap();
        let pid = child.id();
        let limit = self.deadline.saturating_duration_since(Instant::now());
        let (exited, exit_seen) = std::sync::mpsc::channel::<()>();
        let watchdog = std::thread::spawn(move || {
            // Until wait() below returns, the child is not reaped, so `pid` is still ours.
            let late = exit_seen.recv_timeout(limit).is_err();
            if late {
                unsafe_kill(pid, "KILL");
            }
            late
        });
        let status = child.wait().expect("wait for sipp");
        let _ = exited.send(());
        let killed = watchdog.join().unwrap_or(false);
        SippOutcome {
            name: self.name.clone(),
            code: status.code(),
            work: self.work.clone(),
            killed,
        }
    }

    /// Stop SIPp now (the caller already failed: the UAS would only wait for its timeout).
    pub fn stop(mut self) -> SippOutcome {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
        }
        self.wait()
    }
}

impl Drop for SippProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// How long the harness lets a SIPp process run: its `-timeout` plus a grace period, or a
/// minute without one.
fn sipp_time_limit(args: &[String]) -> Duration {
    let timeout = args
        .iter()
        .position(|a| a == "-timeout")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.trim_end_matches('s').parse::<u64>().ok());
    Duration::from_secs(timeout.map_or(60, |t| t + 15))
}

/// Run `caller` to its end, then wait for every UAS; panic with every SIPp's traces and
/// callctl's log unless all of them exited 0 (every call passed every check).
pub fn expect_all_pass(server: &Server, caller: SippProcess, uases: Vec<SippProcess>) {
    let caller = caller.wait();
    let mut outcomes = vec![];
    let caller_passed = caller.passed();
    outcomes.push(caller);
    for uas in uases {
        outcomes.push(if caller_passed {
            uas.wait()
        } else {
            uas.stop()
        });
    }
    if outcomes.iter().all(SippOutcome::passed) {
        return;
    }
    let reports: Vec<String> = outcomes.iter().map(SippOutcome::report).collect();
    panic!(
        "SIPp failed:\n{}\ncallctl log:\n{}",
        reports.join("\n"),
        server.log()
    );
}

/// A tshark capture on the loopback interface of the traffic on `port`.
pub struct Capture {
    child: Child,
    pub file: PathBuf,
    /// A port nothing listens on: a datagram sent there marks the end of the capture.
    marker_port: u16,
}

impl Capture {
    /// Start capturing `port` into `file`; returns once tshark says it is capturing.
    pub fn start(port: u16, file: PathBuf) -> Capture {
        require_tool("tshark", "tshark");
        let marker_port = free_port();
        let mut child = Command::new("tshark")
            .args(["-i", "lo", "-f"])
            .arg(format!("port {port} or udp port {marker_port}"))
            .arg("-w")
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tshark");
        let stderr = child.stderr.take().unwrap();
        let mut reader = BufReader::new(stderr);
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                panic!("tshark did not start capturing: {line}");
            }
            if line.contains("Capturing on") {
                break;
            }
        }
        // Keep draining tshark's stderr so that it never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while reader.read_line(&mut sink).unwrap_or(0) > 0 {
                sink.clear();
            }
        });
        Capture {
            child,
            file,
            marker_port,
        }
    }

    /// Send the end marker, wait (bounded) until it is in the capture file, so everything sent
    /// before it is there too, then stop tshark.
    pub fn finish(mut self) -> PathBuf {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let marker = format!("udp.dstport == {}", self.marker_port);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            socket
                .send_to(b"end of capture", ("127.0.0.1", self.marker_port))
                .unwrap();
            if !self.frames(&marker, "frame.number").is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the end marker never reached the capture file"
            );
        }
        unsafe_kill(self.child.id(), "INT");
        let _ = self.child.wait();
        self.file.clone()
    }

    /// Fields of the captured frames matching a display filter, one line per frame.
    pub fn frames(&self, filter: &str, fields: &str) -> Vec<String> {
        capture_frames(&self.file, filter, fields)
    }
}

/// Fields of the frames of a finished capture file matching a display filter.
pub fn capture_frames(file: &Path, filter: &str, fields: &str) -> Vec<String> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(file)
        .args(["-o", "tcp.analyze_sequence_numbers:FALSE", "-Y", filter])
        .args(["-T", "fields"]);
    for f in fields.split_whitespace() {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Every frame callctl sent from `port` in the capture decodes as SIP with no malformed or
/// expert-error flag; returns the SIP messages it sent (frame number and summary).
pub fn assert_sent_sip_decodes(file: &Path, port: u16) -> Vec<String> {
    let ours = format!("(udp.srcport == {port} || tcp.srcport == {port})");
    let fields = "frame.number _ws.col.Info";
    let sent = capture_frames(file, &format!("{ours} && sip"), fields);
    let undecoded = capture_frames(
        file,
        &format!("{ours} && !sip && (udp || tcp.len > 0)"),
        fields,
    );
    assert!(undecoded.is_empty(), "not decoded as SIP: {undecoded:#?}");
    let flagged = capture_frames(
        file,
        &format!("{ours} && (_ws.malformed || _ws.expert.severity >= 0x00800000)"),
        fields,
    );
    assert!(
        flagged.is_empty(),
        "malformed or expert errors: {flagged:#?}"
    );
    sent
}
