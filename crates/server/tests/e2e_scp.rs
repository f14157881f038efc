//! The SCP face end to end: the real callctl binary against the independent SSP simulator
//! (`../shared/tools/ssp-sim`, pycrate encoders), over M3UA on real TCP loopback, in both
//! association roles. The simulator runs its bundled release, continue, connect and abort
//! scenarios for INAP CS-1 and CAP v2 and checks every field of our answers; its capture is
//! then decoded by tshark (with `../shared/tools/m3ua_tcp.lua`): every answer present, with
//! the right operation, no malformed frame and no expert warning.
//!
//! Needs python3 with pycrate and tshark; the tests fail, not skip, without them
//! (`./scripts/test` installs both).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{free_port, require_tool, temp_dir, Server};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared");

/// The scenarios the issue names, with the service keys they use.
const SCENARIOS: [&str; 8] = [
    "inap_release_call",
    "inap_continue_final",
    "inap_connect_denormalised",
    "inap_tcap_abort",
    "cap2_release_call",
    "cap2_continue_final",
    "cap2_connect_denormalised",
    "cap2_tcap_abort",
];

/// The canned behaviour the scenarios expect (service keys 1-4 of the simulator's README).
const SERVICES: &str = r#"
[[scp.denormalisation.called_party]]
match_prefix = "00"
strip = 2
noa = 4

[[scp.services]]
service_key = 1
action = "release"

[[scp.services]]
service_key = 2
action = "continue"

[[scp.services]]
service_key = 3
action = "connect"
address_digits = "0049301234567"

[[scp.services]]
service_key = 4
action = "abort"
text = "SERVICE SPECIFIED"

[[scp.denormalisation.calling_party]]
match_prefix = "00"
strip = 2
noa = 4

[[scp.services]]
service_key = 8
action = "connect"
address_digits = "0049301234567"
fci = "01020304ffeedd"
redirecting_digits = "00889001234"
redirection = { reason = 4, counter = 1 }

[[scp.services]]
service_key = 5
action = "connect_attempt"
address_digits = "0049301234567"

[[scp.services]]
service_key = 6
action = "connect_monitored"
address_digits = "0049301234567"

[[scp.services]]
service_key = 7
action = "connect_charged"
address_digits = "0049301234567"
grants = [60, 30]

# The built-in models, and CAP v3 / v4 models that also take the contexts the simulator's
# cap3 / cap4 aliases propose.
[[scp.models]]
name = "cs1"
inap = "cs1"

[[scp.models]]
name = "camel2"
inap = "camel2"

[[scp.models]]
name = "camel3"
inap = "camel3"
application_contexts = ["camel3", "0.4.0.0.1.21.3.50"]

[[scp.models]]
name = "camel4"
inap = "camel4"
application_contexts = ["camel4", "0.4.0.0.1.22.3.50"]
"#;

fn sim_dir() -> PathBuf {
    Path::new(SHARED).join("tools/ssp-sim")
}

fn require_tools() {
    require_tool("tshark", "tshark");
    let pycrate = Command::new("python3")
        .args(["-c", "import pycrate_asn1dir"])
        .output();
    assert!(
        matches!(&pycrate, Ok(o) if o.status.success()),
        "python3 with pycrate is needed: python3 -m pip install pycrate (./scripts/test does this)"
    );
    assert!(
        sim_dir().join("ssp_sim.py").is_file(),
        "the SSP simulator is expected at {}",
        sim_dir().display()
    );
}

fn start_callctl(scp: &str) -> Server {
    let port = free_port();
    let dir = temp_dir("scp");
    let edr = dir.join("edr.log");
    let config = format!(
        "[sip]\nlisten = [\"udp:127.0.0.1:{port}\"]\n[edr]\npath = \"{}\"\n[scp]\nactivity_test_secs = 2\n{scp}\n{SERVICES}",
        edr.display()
    );
    Server::spawn(port, dir, edr, &config)
}

/// Runs the simulator to completion; (exit success, its output).
fn simulator(args: &[String], limit: Duration) -> (bool, String) {
    let mut child = Command::new("python3")
        .arg(sim_dir().join("ssp_sim.py"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python3 ssp_sim.py");
    let t0 = Instant::now();
    while matches!(child.try_wait(), Ok(None)) {
        if t0.elapsed() > limit {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("simulator output");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn scenario_args(pcap: &Path) -> Vec<String> {
    scenario_list_args(pcap, &SCENARIOS)
}

fn scenario_list_args(pcap: &Path, scenarios: &[&str]) -> Vec<String> {
    let mut args = vec!["--pcap".to_string(), pcap.display().to_string()];
    args.push("--scenario".into());
    for s in scenarios {
        args.push(
            sim_dir()
                .join("scenarios")
                .join(format!("{s}.json"))
                .display()
                .to_string(),
        );
    }
    args
}

fn tshark(pcap: &Path, port: u16, extra: &[&str]) -> String {
    let lua = Path::new(SHARED).join("tools/m3ua_tcp.lua");
    let out = Command::new("tshark")
        .arg("-X")
        .arg(format!("lua_script:{}", lua.display()))
        .arg("-X")
        .arg(format!("lua_script1:{port}"))
        .arg("-r")
        .arg(pcap)
        .args(extra)
        .output()
        .expect("run tshark");
    assert!(out.status.success(), "tshark failed: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The capture decodes cleanly and holds our eight answers with the right operations.
fn check_capture(pcap: &Path, port: u16) {
    let flagged = tshark(
        pcap,
        port,
        &["-Y", "_ws.malformed || _ws.expert.severity >= warning"],
    );
    assert!(
        flagged.trim().is_empty(),
        "tshark flags frames of the run:\n{flagged}"
    );
    let summary = tshark(pcap, port, &[]);
    let from_us: Vec<&str> = summary
        .lines()
        .filter(|l| l.contains(" 2 → 1 ") || l.contains(" 2 -> 1 "))
        .collect();
    let expect = [
        ("INAP", "End", "releaseCall"),
        ("INAP", "End", "continue"),
        ("INAP", "End", "connect"),
        ("TCAP", "Abort", ""),
        ("Camel-v2", "", "releaseCall"),
        ("Camel-v2", "", "continue"),
        ("Camel-v2", "", "connect"),
        ("TCAP", "Abort", ""),
    ];
    assert_eq!(
        from_us.len(),
        expect.len(),
        "one answer per scenario from point code 2:\n{summary}"
    );
    for (line, (proto, kind, op)) in from_us.iter().zip(expect) {
        assert!(
            line.contains(proto) && line.contains(kind) && line.contains(op),
            "expected {proto} {kind} {op}, tshark shows: {line}"
        );
    }
    // Field level: the denormalised Connect destination, and the abort text.
    let detail = tshark(pcap, port, &["-V"]);
    assert_eq!(
        detail.matches("Called Party Number: 49301234567").count(),
        2,
        "both Connects carry DRA 49301234567"
    );
    assert!(detail.contains("Nature of address indicator: international number (4)"));
    // "SERVICE SPECIFIED" in hex, as the octet-aligned user information of both ABRTs.
    assert_eq!(
        detail
            .matches("octet-aligned: 5345525649434520535045434946494544")
            .count(),
        2
    );
}

/// `callctl_stats` of the server: its `scp` object.
fn scp_stats(server: &Server) -> serde_json::Value {
    let body = r#"{"jsonrpc":"2.0","method":"callctl_stats","params":{},"id":1}"#;
    let (status, text) = server.mgmt_http("POST", "/mi", body).unwrap();
    assert_eq!(status, 200, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["result"]["scp"].clone()
}

#[test]
fn simulator_as_asp_against_callctl_listening() {
    require_tools();
    let port = free_port();
    let server = start_callctl(&format!("listen = \"127.0.0.1:{port}\""));
    let dir = temp_dir("scp-sim");
    let pcap = dir.join("listen.pcap");
    let mut args = vec!["--connect".to_string(), format!("127.0.0.1:{port}")];
    args.extend(scenario_args(&pcap));
    let (ok, report) = simulator(&args, Duration::from_secs(60));
    assert!(
        ok && report.contains("8 passed, 0 failed"),
        "simulator report:\n{report}\ncallctl log:\n{}",
        server.log()
    );
    check_capture(&pcap, port);
    let stats = scp_stats(&server);
    assert_eq!(stats["calls_started"], 8, "{stats}");
    assert_eq!(stats["calls_ended"], 8, "{stats}");
    assert_eq!(stats["calls_active"], 0, "{stats}");
    assert_eq!(stats["rejects_sent"], 0, "{stats}");
    assert_eq!(stats["m3ua_errors_sent"], 0, "{stats}");
}

#[test]
fn callctl_as_asp_against_simulator_listening() {
    require_tools();
    let port = free_port();
    let dir = temp_dir("scp-sim");
    let pcap = dir.join("connect.pcap");
    let mut args = vec![
        "--listen".to_string(),
        format!("127.0.0.1:{port}"),
        "--accept-timeout".into(),
        "20".into(),
    ];
    args.extend(scenario_args(&pcap));
    // The simulator listens first; callctl connects (and would retry every second).
    let sim = std::thread::spawn(move || simulator(&args, Duration::from_secs(60)));
    std::thread::sleep(Duration::from_millis(300));
    let server = start_callctl(&format!(
        "connect = \"127.0.0.1:{port}\"\nreconnect_secs = 1"
    ));
    let (ok, report) = sim.join().unwrap();
    assert!(
        ok && report.contains("8 passed, 0 failed"),
        "simulator report:\n{report}\ncallctl log:\n{}",
        server.log()
    );
    check_capture(&pcap, port);
    let stats = scp_stats(&server);
    assert_eq!(stats["calls_started"], 8, "{stats}");
    assert_eq!(stats["calls_active"], 0, "{stats}");
}

#[test]
fn unknown_service_key_gets_the_default_release_and_metrics_show_it() {
    require_tools();
    let port = free_port();
    let server = start_callctl(&format!(
        "listen = \"127.0.0.1:{port}\"\ndefault_release_cause = 41"
    ));
    let dir = temp_dir("scp-sim");
    let pcap = dir.join("default.pcap");
    let scenario = sim_dir().join("scenarios/inap_release_call.json");
    let args: Vec<String> = vec![
        "--connect".into(),
        format!("127.0.0.1:{port}"),
        "--pcap".into(),
        pcap.display().to_string(),
        "--var".into(),
        "SK=77".into(),
        "--var".into(),
        "CAUSE=41".into(),
        "--scenario".into(),
        scenario.display().to_string(),
    ];
    let (ok, report) = simulator(&args, Duration::from_secs(30));
    assert!(ok, "simulator report:\n{report}");
    let (status, metrics) = server.mgmt_http("GET", "/metrics", "").unwrap();
    assert_eq!(status, 200);
    assert!(
        metrics.contains("callctl_scp_calls_started_total 1"),
        "{metrics}"
    );
    assert!(metrics.contains("callctl_scp_calls_active 0"), "{metrics}");
}

/// Every scenario bundled with the simulator (INAP CS-1 and CAP v2, plus the CAP v3 and v4
/// samples): final terminations, the five outcomes of a termination attempt (busy, no answer,
/// route select failure -> ReleaseCall in TC-END; answer and abandon -> the SSP ends (CAP) or
/// we close with an empty TC-END (INAP)), FCI + redirection Connect, monitored calls
/// (ActivityTest after answer, CallInformationReport + oDisconnect -> ReleaseCall) and charged
/// calls (ApplyCharging 60 s, extension 30 s on the first report, release on the second).
#[test]
fn every_bundled_scenario_passes() {
    require_tools();
    let mut scenarios: Vec<String> = std::fs::read_dir(sim_dir().join("scenarios"))
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".json").map(str::to_string)
        })
        .collect();
    scenarios.sort();
    assert!(scenarios.len() >= 26, "{scenarios:?}");
    let names: Vec<&str> = scenarios.iter().map(String::as_str).collect();
    let port = free_port();
    let server = start_callctl(&format!("listen = \"127.0.0.1:{port}\""));
    let dir = temp_dir("scp-sim");
    let pcap = dir.join("all.pcap");
    let mut args = vec!["--connect".to_string(), format!("127.0.0.1:{port}")];
    args.extend(scenario_list_args(&pcap, &names));
    let (ok, report) = simulator(&args, Duration::from_secs(120));
    let expected = format!("{} passed, 0 failed", names.len());
    assert!(
        ok && report.contains(&expected),
        "simulator report:\n{report}\ncallctl log:\n{}",
        server.log()
    );
    let flagged = tshark(
        &pcap,
        port,
        &["-Y", "_ws.malformed || _ws.expert.severity >= warning"],
    );
    assert!(flagged.trim().is_empty(), "tshark flags frames:\n{flagged}");
    let summary = tshark(&pcap, port, &[]);
    let ours = |op: &str| {
        summary
            .lines()
            .filter(|l| (l.contains(" 2 → 1 ") || l.contains(" 2 -> 1 ")) && l.contains(op))
            .count()
    };
    assert_eq!(
        ours("requestReportBCSMEvent"),
        15,
        "attempts, monitored, charged:\n{summary}"
    );
    assert_eq!(ours("furnishChargingInformation"), 2, "{summary}");
    assert_eq!(ours("callInformationRequest"), 2, "{summary}");
    assert_eq!(ours("activityTest"), 2, "{summary}");
    // First grant with the Connect and one extension, per charged call (v2, v4, CS-1).
    assert_eq!(ours("applyCharging"), 6, "{summary}");
    let stats = scp_stats(&server);
    assert_eq!(stats["calls_started"], names.len(), "{stats}");
    assert_eq!(stats["calls_active"], 0, "{stats}");
    assert_eq!(stats["unexpected_operations"], 0, "{stats}");
    assert_eq!(stats["rejects_sent"], 0, "{stats}");
}

/// `scp.transport = "sctp"`: where the kernel has SCTP, callctl listens on an SCTP socket and
/// answers an ASPUP on it with ASPUP_ACK; where it has none (as on the machines this project
/// is tested on), the start fails at once with an error naming the setting and the fix.
#[test]
fn sctp_transport_where_the_kernel_has_it() {
    use socket2::{Domain, Protocol, Socket, Type};
    let port = free_port();
    let sip = free_port();
    let dir = temp_dir("scp-sctp");
    let config = format!(
        "[sip]\nlisten = [\"udp:127.0.0.1:{sip}\"]\n[edr]\npath = \"\"\n[management]\nlisten = \"\"\n[scp]\ntransport = \"sctp\"\nlisten = \"127.0.0.1:{port}\"\n"
    );
    let kernel_sctp = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::from(132))).is_ok();
    if !kernel_sctp {
        let path = dir.join("callctl.toml");
        std::fs::write(&path, config).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_callctl"))
            .arg("--config")
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let t0 = Instant::now();
        while matches!(child.try_wait(), Ok(None)) && t0.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("scp.transport: this kernel has no SCTP") && err.contains("modprobe sctp"),
            "{err}"
        );
        return;
    }
    let server = Server::spawn(
        sip,
        dir.clone(),
        dir.join("edr.log"),
        &config.replace("[management]\nlisten = \"\"\n", ""),
    );
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::from(132))).unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    socket.connect(&addr.into()).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut stream = std::net::TcpStream::from(socket);
    use std::io::{Read, Write};
    // ASPUP: version 1, class 3 (ASPSM), type 1, length 8.
    stream.write_all(&[1, 0, 3, 1, 0, 0, 0, 8]).unwrap();
    let mut head = [0u8; 8];
    stream.read_exact(&mut head).unwrap();
    assert_eq!(
        &head[..4],
        &[1, 0, 3, 4],
        "ASPUP_ACK expected; log:\n{}",
        server.log()
    );
}
