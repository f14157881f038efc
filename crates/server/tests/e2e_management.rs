//! End-to-end tests of the management interface: callctl (the built binary) connects a SIPp
//! caller to a SIPp callee; the call is listed through JSON-RPC (`dlg_list`) and the CLI
//! (`callctl dialogs list --json`), ended through `dlg_end_dlg` or `callctl dialogs end`, and
//! both SIPp sides must see a BYE carrying the operator's Reason. The EDR end record and the
//! metrics then show `MI Termination`, and the registry is empty.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{expect_all_pass, free_port, Server, SippProcess};
use serde_json::{json, Value};

const TOKEN: &str = "e2e-t0ken";
const SCRIPT: &str = "seed003_connect_attempt";

/// callctl with the connect trigger (5000...), a default route to a SIPp callee and the
/// management interface on a free port with a token.
struct Setup {
    server: Server,
    uas_port: u16,
    mgmt_port: u16,
}

fn start() -> Setup {
    let uas_port = free_port();
    let triggers =
        format!("[[service.triggers]]\ncalled_prefix = \"5000\"\nscript_key = \"{SCRIPT}\"\n");
    let sections = format!(
        r#"
[[routes]]
prefix = ""
peer = "udp:127.0.0.1:{uas_port}"
name = "sipp-uas"
"#
    );
    // The harness puts the management interface on a free port, here with a token.
    let server = Server::start_secured(None, &triggers, &sections, TOKEN);
    let mgmt_port = server.mgmt_port;
    Setup {
        server,
        uas_port,
        mgmt_port,
    }
}

/// One HTTP/1.1 exchange; returns (status, body).
fn http(port: u16, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to /mi");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("HTTP response");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status");
    (status, body.to_string())
}

fn rpc(setup: &Setup, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "method": method, "params": params, "id": 42});
    let (status, text) = http(
        setup.mgmt_port,
        "POST",
        "/mi",
        Some(TOKEN),
        &body.to_string(),
    );
    assert_eq!(status, 200, "{text}");
    let reply: Value = serde_json::from_str(&text).expect("JSON-RPC reply");
    assert_eq!(reply["jsonrpc"], "2.0", "{reply}");
    assert_eq!(reply["id"], 42, "{reply}");
    reply
}

fn result(setup: &Setup, method: &str, params: Value) -> Value {
    let reply = rpc(setup, method, params);
    assert!(reply.get("error").is_none(), "{method}: {reply}");
    reply["result"].clone()
}

fn metrics(setup: &Setup) -> String {
    let (status, text) = http(setup.mgmt_port, "GET", "/metrics", Some(TOKEN), "");
    assert_eq!(status, 200, "{text}");
    text
}

/// Wait (bounded) until `dlg_list` shows one confirmed dialog; return it.
fn wait_confirmed(setup: &Setup) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let list = result(setup, "dlg_list", json!({}));
        let confirmed = list["Dialogs"]
            .as_array()
            .and_then(|d| d.first())
            .filter(|d| d["state"] == "confirmed")
            .cloned();
        if let Some(d) = confirmed {
            assert_eq!(list["Total"], 1, "{list}");
            return d;
        }
        assert!(
            Instant::now() < deadline,
            "the call never showed as confirmed: {list}\nlog:\n{}",
            setup.server.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The callee and the caller: SIPp processes that both wait for callctl's BYE.
fn call(setup: &Setup) -> (SippProcess, SippProcess) {
    let args = [
        "-m",
        "1",
        "-timeout",
        "40s",
        "-timeout_error",
        "-recv_timeout",
        "30s",
        "-trace_msg",
    ];
    let uas = SippProcess::uas("mgmt_uas_wait_for_bye.xml", setup.uas_port, &args);
    let uac = SippProcess::uac(&setup.server, "mgmt_uac_wait_for_bye.xml", "5000123", &args);
    (uac, uas)
}

/// After the call: exactly one end record with `MI Termination`, the metric, and an empty
/// registry that still remembers the call among the recently ended ones.
fn check_after_end(setup: &Setup, call_id: &str) {
    let edrs = setup
        .server
        .edrs_when("TEARDOWN", |e| e.iter().any(|r| r.event == "TEARDOWN"));
    let ends: Vec<_> = edrs.iter().filter(|e| e.event == "TEARDOWN").collect();
    assert_eq!(ends.len(), 1, "{edrs:#?}");
    assert_eq!(
        ends[0].get("END_REASON"),
        Some("MI Termination"),
        "{edrs:#?}"
    );
    assert_eq!(ends[0].get("CALL_ID"), Some(call_id), "{edrs:#?}");

    // Both legs answer their BYE a moment after the call ended: scrape once those answers
    // are in (every transaction of the call finished, bounded wait), then check exactly.
    let deadline = Instant::now() + Duration::from_secs(10);
    let text = loop {
        let text = metrics(setup);
        let bye_answers = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("callctl_sip_responses_total{direction=\"in\",code=\"200\"} ")?
                    .parse::<u64>()
                    .ok()
            })
            .unwrap_or(0);
        if bye_answers >= 3 || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let line =
        format!("callctl_calls_ended_total{{end_reason=\"MI Termination\",script=\"{SCRIPT}\"}} 1");
    assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
    assert!(
        text.lines().any(|l| l == "callctl_calls_started_total 1"),
        "{text}"
    );
    // The SIP traffic of the call and the script's run time.
    let value = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("{name} not in\n{text}"))
    };
    let requests = |dir: &str, method: &str| {
        value(&format!(
            "callctl_sip_requests_total{{direction=\"{dir}\",method=\"{method}\"}}"
        ))
    };
    // Retransmissions may add to these on a busy machine, hence at least.
    assert!(requests("in", "INVITE") >= 1, "{text}");
    assert!(requests("out", "INVITE") >= 1, "{text}");
    assert!(requests("out", "BYE") >= 2, "both legs get a BYE: {text}");
    assert_eq!(requests("in", "REGISTER"), 0, "{text}");
    assert!(
        value("callctl_sip_responses_total{direction=\"in\",code=\"200\"}") >= 3,
        "the callee's 200 to the INVITE and both 200s to the BYEs: {text}"
    );
    assert_eq!(value("callctl_script_duration_seconds_count"), 1, "{text}");
    assert_eq!(
        value("callctl_script_duration_seconds_bucket{le=\"+Inf\"}"),
        1,
        "{text}"
    );
    for state in ["early", "confirmed", "ending"] {
        let line = format!("callctl_active_dialogs{{state=\"{state}\"}} 0");
        assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
    }

    let list = result(setup, "dlg_list", json!({"ended": true}));
    assert_eq!(list["Total"], 0, "{list}");
    assert_eq!(list["Dialogs"], json!([]), "{list}");
    let ended = &list["Ended"][0];
    assert_eq!(ended["callid"], call_id, "{list}");
    assert_eq!(ended["end_reason"], "MI Termination", "{list}");
    assert_eq!(ended["script"], SCRIPT, "{list}");

    let stats = result(setup, "callctl_stats", json!({}));
    assert_eq!(stats["dialogs"]["active"], 0, "{stats}");
    assert_eq!(stats["ended_by_reason"]["MI Termination"], 1, "{stats}");
    assert_eq!(stats["calls_started"], 1, "{stats}");
    assert_eq!(stats["calls_ended"], 1, "{stats}");
}

#[test]
fn list_and_end_a_call_through_json_rpc() {
    let setup = start();

    // Protocol errors are JSON-RPC error objects, and the token is required.
    let (status, _) = http(
        setup.mgmt_port,
        "POST",
        "/mi",
        None,
        r#"{"jsonrpc":"2.0","method":"version","id":1}"#,
    );
    assert_eq!(status, 401);
    let (status, _) = http(setup.mgmt_port, "GET", "/metrics", Some("wrong"), "");
    assert_eq!(status, 401);
    let (status, text) = http(setup.mgmt_port, "POST", "/mi", Some(TOKEN), "{oops");
    assert_eq!(status, 200);
    let reply: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(reply["error"]["code"], -32700, "{reply}");
    assert_eq!(reply["id"], Value::Null, "{reply}");
    assert_eq!(
        rpc(&setup, "no_such_method", json!({}))["error"]["code"],
        -32601
    );
    assert_eq!(
        rpc(&setup, "dlg_end_dlg", json!({"dialog_id": "0.ffff"}))["error"]["code"],
        -32001
    );
    let version = result(&setup, "version", json!({}));
    assert!(version["Server"].as_str().unwrap().starts_with("callctl "));
    // The /json-rpc alias answers too.
    let (status, text) = http(
        setup.mgmt_port,
        "POST",
        "/json-rpc",
        Some(TOKEN),
        r#"{"jsonrpc":"2.0","method":"dlg_list","id":1}"#,
    );
    assert_eq!(status, 200);
    assert!(text.contains(r#""Total":0"#), "{text}");

    let (uac, uas) = call(&setup);
    let dialog = wait_confirmed(&setup);
    let id = dialog["ID"].as_str().unwrap().to_string();
    let call_id = dialog["callid"].as_str().unwrap().to_string();
    assert_eq!(dialog["caller"], "4470001", "{dialog}");
    assert_eq!(dialog["callee"], "5000123", "{dialog}");
    assert_eq!(dialog["script"], SCRIPT, "{dialog}");
    assert!(dialog["timeout"].as_u64().unwrap() > 40_000, "{dialog}");

    // The Call-ID filter and the detailed listing.
    let other = result(&setup, "dlg_list", json!({"callid": "not-this-one"}));
    assert_eq!(other["Total"], 0, "{other}");
    let ctx = result(&setup, "dlg_list_ctx", json!({"callid": call_id}));
    assert_eq!(ctx["Total"], 1, "{ctx}");
    let full = &ctx["Dialogs"][0];
    assert_eq!(full["ID"], id.as_str(), "{ctx}");
    assert_eq!(full["trigger"], "5000", "{ctx}");
    assert!(full["answer_time"].as_f64().is_some(), "{ctx}");
    let b_call_id = full["b_leg"]["callid"].as_str().unwrap();
    assert_ne!(b_call_id, call_id, "{ctx}");
    assert!(full["b_leg"]["to_tag"].as_str().is_some(), "{ctx}");
    let text = metrics(&setup);
    assert!(
        text.lines()
            .any(|l| l == "callctl_active_dialogs{state=\"confirmed\"} 1"),
        "{text}"
    );

    let ended = result(
        &setup,
        "dlg_end_dlg",
        json!({"dialog_id": id, "extra_hdrs": "Reason: SIP;cause=200;text=\"Operator\"\r\n"}),
    );
    assert_eq!(ended, "OK");
    expect_all_pass(&setup.server, uac, vec![uas]);
    // Ending it again: it is gone.
    assert_eq!(
        rpc(&setup, "dlg_end_dlg", json!({"dialog_id": id}))["error"]["code"],
        -32001
    );
    check_after_end(&setup, &call_id);
    // The scenario is over: every call ended and left the registry.
    setup.server.assert_no_dialogs();
}

fn cli(setup: &Setup, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_callctl"))
        .arg("--config")
        .arg(setup.server.dir.join("callctl.toml"))
        .args(args)
        .output()
        .expect("run the callctl CLI");
    assert!(
        output.status.success(),
        "callctl {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn list_and_end_a_call_with_the_cli() {
    let setup = start();
    let (uac, uas) = call(&setup);
    wait_confirmed(&setup);

    // URL and token come from the configuration file.
    let listed: Value = serde_json::from_str(&cli(&setup, &["dialogs", "list", "--json"]))
        .expect("JSON from `dialogs list --json`");
    assert_eq!(listed["Total"], 1, "{listed}");
    let dialog = &listed["Dialogs"][0];
    let id = dialog["ID"].as_str().unwrap().to_string();
    let call_id = dialog["callid"].as_str().unwrap().to_string();

    let table = cli(&setup, &["dialogs", "list"]);
    let row = table
        .lines()
        .find(|l| l.starts_with(&format!("{id} ")))
        .unwrap_or_else(|| panic!("no row for {id} in\n{table}"));
    assert!(row.contains("confirmed") && row.contains(SCRIPT), "{table}");
    assert!(table.contains("1 dialog(s) in progress"), "{table}");

    let shown = cli(&setup, &["dialogs", "show", &id]);
    assert!(shown.contains(&call_id), "{shown}");

    // A wrong token is refused with a message, not a crash.
    let output = Command::new(env!("CARGO_BIN_EXE_callctl"))
        .args([
            "stats",
            "--url",
            &format!("http://127.0.0.1:{}", setup.mgmt_port),
        ])
        .args(["--token", "wrong"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("token"),
        "{output:?}"
    );

    let out = cli(
        &setup,
        &["dialogs", "end", &id, "--reason", "Ended by the operator"],
    );
    assert!(out.contains("ended"), "{out}");
    expect_all_pass(&setup.server, uac, vec![uas]);
    check_after_end(&setup, &call_id);

    let listed: Value = serde_json::from_str(&cli(&setup, &["dialogs", "list", "--json"])).unwrap();
    assert_eq!(listed["Total"], 0, "{listed}");
    let stats: Value = serde_json::from_str(&cli(&setup, &["stats", "--json"])).unwrap();
    assert_eq!(stats["ended_by_reason"]["MI Termination"], 1, "{stats}");
    let table = cli(&setup, &["stats"]);
    let row = table
        .lines()
        .find(|l| l.starts_with("ended_by_reason.MI Termination "))
        .unwrap_or_else(|| panic!("no MI Termination row in\n{table}"));
    assert_eq!(row.split_whitespace().last(), Some("1"), "{table}");
    assert!(cli(&setup, &["reload"]).contains("reloaded"));
    // The scenario is over: every call ended and left the registry.
    setup.server.assert_no_dialogs();
}
