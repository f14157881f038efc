//! The management interface: JSON-RPC 2.0 over HTTP (`POST /mi`, alias `/json-rpc`) with
//! OpenSIPS-style method names, and Prometheus metrics (`GET /metrics`). See
//! docs/management.md.
//!
//! The shards own their calls. This side never touches them: it sends a
//! [`ManagementRequest`] through a shard's input channel with a reply channel, and waits (off
//! the async runtime, bounded by a timeout) for the [`ManagementReply`].

use std::net::SocketAddr;
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use callctl_b2bua::{
    parse_dialog_id, DialogInfo, DialogState, EndReason, EndedCall, Engine, EngineStats,
    SipCounters,
};
use callctl_scc::ScriptRunner;
use serde_json::{json, Map, Value};

use crate::shard::ShardInput;

/// What the management side asks a shard.
#[derive(Debug, Clone)]
pub enum ManagementRequest {
    /// Every call of the shard, and with `recent` the calls that ended lately.
    List { recent: bool },
    /// One call by dialog id.
    Show(String),
    /// End a call (`MI Termination`) with extra headers on the BYEs / final response.
    End {
        id: String,
        headers: Vec<(String, String)>,
    },
    /// Counters for statistics and metrics.
    Stats,
}

/// A shard's answer.
#[derive(Debug, Clone)]
pub enum ManagementReply {
    Dialogs {
        dialogs: Vec<DialogInfo>,
        ended: Vec<EndedCall>,
    },
    Dialog(Option<DialogInfo>),
    Ended(Result<(), String>),
    Stats(ShardStats),
}

/// One shard's counters.
#[derive(Debug, Clone, Default)]
pub struct ShardStats {
    pub shard: usize,
    pub engine: EngineStats,
    pub retransmissions: u64,
    /// SIP requests and responses received and sent.
    pub sip: Box<SipCounters>,
    pub transactions: usize,
    /// Script instances alive and the bytes the shard's script runtime holds.
    pub scripts: callctl_scc::RunnerUsage,
    /// Calls by state: early, confirmed, ending.
    pub states: [usize; 3],
    /// Calls in progress by script.
    pub active_by_script: Vec<(String, usize)>,
    /// Calls ended by end reason and script.
    pub ended_by: Vec<(EndReason, String, u64)>,
}

/// Answer a request on the shard thread (called from the shard loop).
pub fn answer<R: ScriptRunner>(
    engine: &mut Engine<R>,
    shard: usize,
    request: ManagementRequest,
    now: Instant,
) -> ManagementReply {
    match request {
        ManagementRequest::List { recent } => ManagementReply::Dialogs {
            dialogs: engine.dialogs(now),
            ended: if recent {
                engine.recent_ends().cloned().collect()
            } else {
                Vec::new()
            },
        },
        ManagementRequest::Show(id) => ManagementReply::Dialog(engine.dialog(&id, now)),
        ManagementRequest::End { id, headers } => {
            ManagementReply::Ended(engine.end_dialog(&id, headers, now))
        }
        ManagementRequest::Stats => {
            let mut stats = ShardStats {
                shard,
                engine: engine.stats(),
                retransmissions: engine.retransmissions(),
                sip: Box::new(engine.sip_counters().clone()),
                transactions: engine.active_transactions(),
                scripts: engine.runner().usage(),
                ..ShardStats::default()
            };
            let mut by_script: std::collections::BTreeMap<String, usize> = Default::default();
            for d in engine.dialogs(now) {
                let i = match d.state {
                    DialogState::Early => 0,
                    DialogState::Confirmed => 1,
                    DialogState::Ending => 2,
                };
                stats.states[i] += 1;
                *by_script.entry(d.script).or_insert(0) += 1;
            }
            stats.active_by_script = by_script.into_iter().collect();
            stats.ended_by = engine
                .ended_by_reason()
                .map(|(r, s, n)| (r, s.to_string(), n))
                .collect();
            ManagementReply::Stats(stats)
        }
    }
}

/// Settings of the management server.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub token: String,
    pub timeout: Duration,
}

/// Shared by the HTTP handlers: the shards' input channels and the settings.
pub struct Mgmt {
    pub shards: Arc<Vec<Sender<ShardInput>>>,
    pub token: String,
    pub timeout: Duration,
    /// EDR queue drops and write failures.
    pub edr: Arc<crate::edr::EdrHealth>,
    /// The SCP face's counters.
    pub scp: Arc<crate::scp::ScpMetrics>,
}

impl Mgmt {
    /// Ask `targets` (shard indexes) and gather their replies until the timeout. Blocking: run
    /// it off the async runtime. Returns the replies and the shards that did not answer.
    pub fn ask(
        &self,
        targets: &[usize],
        request: &ManagementRequest,
    ) -> (Vec<ManagementReply>, usize) {
        let (tx, rx) = mpsc::channel();
        let mut sent = 0;
        for &i in targets {
            if let Some(shard) = self.shards.get(i) {
                if shard
                    .send(ShardInput::Query(request.clone(), tx.clone()))
                    .is_ok()
                {
                    sent += 1;
                }
            }
        }
        drop(tx);
        let deadline = Instant::now() + self.timeout;
        let mut replies = Vec::with_capacity(sent);
        while replies.len() < sent {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(r) => replies.push(r),
                Err(_) => break,
            }
        }
        let missing = targets.len() - replies.len();
        (replies, missing)
    }

    fn all(&self) -> Vec<usize> {
        (0..self.shards.len()).collect()
    }
}

/// A JSON-RPC error.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
}

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
/// Server errors (-32000 to -32099): a shard did not answer, no such dialog.
pub const SHARD_TIMEOUT: i64 = -32000;
pub const NO_SUCH_DIALOG: i64 = -32001;
pub const END_FAILED: i64 = -32002;

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> RpcError {
        RpcError {
            code,
            message: message.into(),
        }
    }
}

/// A parsed JSON-RPC request.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcCall {
    pub id: Value,
    /// A notification (no `id`): processed, not answered.
    pub notification: bool,
    pub method: String,
    pub params: Map<String, Value>,
}

/// Parse a request body. The error carries the id when one could be read.
pub fn parse_request(body: &[u8]) -> Result<RpcCall, (Value, RpcError)> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        (
            Value::Null,
            RpcError::new(PARSE_ERROR, format!("parse error: {e}")),
        )
    })?;
    let Value::Object(mut object) = value else {
        let what = if value.is_array() {
            "batch requests are not supported"
        } else {
            "the request must be a JSON object"
        };
        return Err((Value::Null, RpcError::new(INVALID_REQUEST, what)));
    };
    let (id, notification) = match object.remove("id") {
        None => (Value::Null, true),
        Some(id @ (Value::Null | Value::String(_) | Value::Number(_))) => (id, false),
        Some(_) => {
            return Err((
                Value::Null,
                RpcError::new(INVALID_REQUEST, "id must be a string, a number or null"),
            ))
        }
    };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err((
            id,
            RpcError::new(INVALID_REQUEST, "jsonrpc must be \"2.0\""),
        ));
    }
    let method = match object.remove("method") {
        Some(Value::String(m)) => m,
        _ => {
            return Err((
                id,
                RpcError::new(INVALID_REQUEST, "method must be a string"),
            ))
        }
    };
    let params = match object.remove("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p,
        Some(Value::Array(a)) if a.is_empty() => Map::new(),
        Some(Value::Array(_)) => {
            return Err((
                id,
                RpcError::new(
                    INVALID_PARAMS,
                    "params must be an object (named parameters)",
                ),
            ))
        }
        Some(_) => {
            return Err((
                id,
                RpcError::new(INVALID_REQUEST, "params must be an object or an array"),
            ))
        }
    };
    Ok(RpcCall {
        id,
        notification,
        method,
        params,
    })
}

pub fn success(id: Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "result": result, "id": id})
}

pub fn failure(id: Value, error: &RpcError) -> Value {
    json!({"jsonrpc": "2.0", "error": {"code": error.code, "message": error.message}, "id": id})
}

fn param_str<'a>(params: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, RpcError> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(RpcError::new(
            INVALID_PARAMS,
            format!("{name} must be a string"),
        )),
    }
}

fn param_u64(params: &Map<String, Value>, name: &str) -> Result<Option<u64>, RpcError> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64()),
        // OpenSIPS clients send numbers as strings too.
        Some(Value::String(s)) if s.trim().parse::<u64>().is_ok() => Ok(s.trim().parse().ok()),
        Some(_) => Err(RpcError::new(
            INVALID_PARAMS,
            format!("{name} must be a non-negative integer"),
        )),
    }
}

fn param_bool(params: &Map<String, Value>, name: &str) -> Result<bool, RpcError> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(RpcError::new(
            INVALID_PARAMS,
            format!("{name} must be true or false"),
        )),
    }
}

/// Reject parameters a method does not know (a typo should not be silently ignored).
fn known_params(params: &Map<String, Value>, known: &[&str]) -> Result<(), RpcError> {
    match params.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(RpcError::new(
            INVALID_PARAMS,
            format!(
                "unknown parameter {k:?} (expected one of: {})",
                known.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

/// `extra_hdrs` as OpenSIPS takes it: header lines separated by CRLF (or LF), each
/// `Name: value`.
pub fn parse_extra_headers(text: &str) -> Result<Vec<(String, String)>, RpcError> {
    let mut headers = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(RpcError::new(
                INVALID_PARAMS,
                format!("extra_hdrs: {line:?} is not a \"Name: value\" header line"),
            ));
        };
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    callctl_b2bua::validate_extra_headers(&headers)
        .map_err(|e| RpcError::new(INVALID_PARAMS, format!("extra_hdrs: {e}")))?;
    Ok(headers)
}

fn unix_secs(t: SystemTime) -> f64 {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    (d.as_millis() as f64) / 1000.0
}

/// A dialog as `dlg_list` shows it; `full` adds what `dlg_list_ctx` shows.
pub fn dialog_json(d: &DialogInfo, full: bool) -> Value {
    let mut v = json!({
        "ID": d.id,
        "state": d.state.as_str(),
        "callid": d.a_leg.call_id,
        "from_tag": d.a_leg.from_tag,
        "to_tag": d.a_leg.to_tag,
        "caller": d.caller,
        "callee": d.callee,
        "script": d.script,
        "timestart": unix_secs(d.started),
        "timeout": d.lifetime_remaining.map(|r| r.as_secs()),
    });
    if full {
        if let Value::Object(m) = &mut v {
            m.insert("trigger".into(), json!(d.trigger));
            m.insert("answer_time".into(), json!(d.answered.map(unix_secs)));
            m.insert("end_reason".into(), json!(d.end_reason.map(|r| r.as_str())));
            m.insert(
                "b_leg".into(),
                match &d.b_leg {
                    Some(b) => json!({
                        "callid": b.call_id,
                        "from_tag": b.from_tag,
                        "to_tag": b.to_tag,
                    }),
                    None => Value::Null,
                },
            );
        }
    }
    v
}

pub fn ended_json(e: &EndedCall) -> Value {
    json!({
        "ID": e.id,
        "callid": e.call_id,
        "end_reason": e.end_reason.as_str(),
        "code": e.code,
        "duration_ms": e.duration.as_millis() as u64,
        "script": e.script,
        "timeend": unix_secs(e.ended_at),
    })
}

/// `dlg_list` paging and Call-ID filter over the dialogs of every shard.
pub fn page(
    mut dialogs: Vec<DialogInfo>,
    callid: Option<&str>,
    index: Option<u64>,
    counter: Option<u64>,
) -> (Vec<DialogInfo>, usize) {
    if let Some(c) = callid {
        dialogs
            .retain(|d| d.a_leg.call_id == c || d.b_leg.as_ref().is_some_and(|b| b.call_id == c));
    }
    dialogs.sort_by(|a, b| a.started.cmp(&b.started).then_with(|| a.id.cmp(&b.id)));
    let total = dialogs.len();
    let start = index.unwrap_or(0).min(total as u64) as usize;
    let count = counter.map_or(total, |c| c.min(total as u64) as usize);
    let page = dialogs.into_iter().skip(start).take(count).collect();
    (page, total)
}

fn timeout_error(missing: usize) -> RpcError {
    RpcError::new(
        SHARD_TIMEOUT,
        format!("{missing} shard(s) did not answer in time; try again"),
    )
}

fn list_all(mgmt: &Mgmt, recent: bool) -> Result<(Vec<DialogInfo>, Vec<EndedCall>), RpcError> {
    let (replies, missing) = mgmt.ask(&mgmt.all(), &ManagementRequest::List { recent });
    if missing > 0 {
        return Err(timeout_error(missing));
    }
    let mut dialogs = Vec::new();
    let mut ended = Vec::new();
    for r in replies {
        if let ManagementReply::Dialogs {
            dialogs: d,
            ended: e,
        } = r
        {
            dialogs.extend(d);
            ended.extend(e);
        }
    }
    ended.sort_by(|a, b| b.ended_at.cmp(&a.ended_at).then_with(|| b.id.cmp(&a.id)));
    ended.truncate(callctl_b2bua::RECENT_ENDS);
    Ok((dialogs, ended))
}

/// The shard index a dialog id names, if it names one of ours.
fn shard_of(mgmt: &Mgmt, id: &str) -> Option<usize> {
    let (shard, _) = parse_dialog_id(id)?;
    let i = usize::from(shard);
    (i < mgmt.shards.len()).then_some(i)
}

pub fn stats_all(mgmt: &Mgmt) -> (Vec<ShardStats>, usize) {
    let (replies, missing) = mgmt.ask(&mgmt.all(), &ManagementRequest::Stats);
    let mut stats: Vec<ShardStats> = replies
        .into_iter()
        .filter_map(|r| match r {
            ManagementReply::Stats(s) => Some(s),
            _ => None,
        })
        .collect();
    stats.sort_by_key(|s| s.shard);
    (stats, missing)
}

fn stats_json(
    stats: &[ShardStats],
    edr: &crate::edr::EdrHealth,
    scp: &crate::scp::ScpMetrics,
) -> Value {
    use std::collections::BTreeMap;
    let sum = |f: &dyn Fn(&ShardStats) -> u64| stats.iter().map(f).sum::<u64>();
    let mut by_reason: BTreeMap<&str, u64> = BTreeMap::new();
    let mut ended_by_script: BTreeMap<&str, u64> = BTreeMap::new();
    let mut active_by_script: BTreeMap<&str, usize> = BTreeMap::new();
    for s in stats {
        for (r, script, n) in &s.ended_by {
            *by_reason.entry(r.as_str()).or_insert(0) += n;
            *ended_by_script.entry(script.as_str()).or_insert(0) += n;
        }
        for (script, n) in &s.active_by_script {
            *active_by_script.entry(script.as_str()).or_insert(0) += n;
        }
    }
    let state = |i: usize| stats.iter().map(|s| s.states[i]).sum::<usize>();
    json!({
        "dialogs": {
            "active": state(0) + state(1) + state(2),
            "early": state(0),
            "confirmed": state(1),
            "ending": state(2),
        },
        "active_by_script": active_by_script,
        "ended_by_reason": by_reason,
        "ended_by_script": ended_by_script,
        "calls_started": sum(&|s| s.engine.calls_started),
        "calls_ended": sum(&|s| s.engine.calls_ended),
        "script_errors": sum(&|s| s.engine.script_errors),
        "service_logic_timeouts": sum(&|s| s.engine.service_logic_timeouts),
        "malformed": sum(&|s| s.engine.malformed),
        "retransmissions": sum(&|s| s.retransmissions),
        "transactions": sum(&|s| s.transactions as u64),
        "script_instances": sum(&|s| s.scripts.instances as u64),
        "script_memory_bytes": sum(&|s| s.scripts.memory_bytes.unwrap_or(0) as u64),
        "edr_dropped": edr.dropped.load(std::sync::atomic::Ordering::Relaxed),
        "edr_write_errors": edr.write_errors.load(std::sync::atomic::Ordering::Relaxed),
        "shards": stats.len(),
        "scp": crate::metrics::scp_json(scp),
    })
}

/// Carry out one method (blocking: runs off the async runtime).
pub fn call_method(mgmt: &Mgmt, call: &RpcCall) -> Result<Value, RpcError> {
    let p = &call.params;
    match call.method.as_str() {
        "dlg_list" | "dlg_list_ctx" => {
            known_params(p, &["callid", "index", "counter", "ended"])?;
            let callid = param_str(p, "callid")?;
            let index = param_u64(p, "index")?;
            let counter = param_u64(p, "counter")?;
            let recent = param_bool(p, "ended")?;
            let full = call.method == "dlg_list_ctx";
            let (dialogs, ended) = list_all(mgmt, recent)?;
            let (page, total) = page(dialogs, callid, index, counter);
            let mut result = json!({
                "Dialogs": page.iter().map(|d| dialog_json(d, full)).collect::<Vec<_>>(),
                "Total": total,
            });
            if recent {
                let ended: Vec<Value> = ended
                    .iter()
                    .filter(|e| callid.is_none_or(|c| e.call_id == c))
                    .map(ended_json)
                    .collect();
                result["Ended"] = Value::Array(ended);
            }
            Ok(result)
        }
        "dlg_end_dlg" => {
            known_params(p, &["dialog_id", "callid", "extra_hdrs"])?;
            let headers = match param_str(p, "extra_hdrs")? {
                Some(text) => parse_extra_headers(text)?,
                None => Vec::new(),
            };
            let id = match (param_str(p, "dialog_id")?, param_str(p, "callid")?) {
                (Some(id), None) => id.to_string(),
                (None, Some(callid)) => {
                    let (dialogs, _) = list_all(mgmt, false)?;
                    let live: Vec<&DialogInfo> = dialogs
                        .iter()
                        .filter(|d| d.a_leg.call_id == callid && d.state != DialogState::Ending)
                        .collect();
                    match live.as_slice() {
                        [d] => d.id.clone(),
                        [] => {
                            return Err(RpcError::new(
                                NO_SUCH_DIALOG,
                                format!("no dialog with Call-ID {callid}"),
                            ))
                        }
                        _ => {
                            return Err(RpcError::new(
                                INVALID_PARAMS,
                                format!("several dialogs have Call-ID {callid}: use dialog_id"),
                            ))
                        }
                    }
                }
                _ => {
                    return Err(RpcError::new(
                        INVALID_PARAMS,
                        "give exactly one of dialog_id and callid",
                    ))
                }
            };
            let Some(shard) = shard_of(mgmt, &id) else {
                return Err(RpcError::new(NO_SUCH_DIALOG, format!("no dialog {id}")));
            };
            let (replies, missing) = mgmt.ask(
                &[shard],
                &ManagementRequest::End {
                    id: id.clone(),
                    headers,
                },
            );
            if missing > 0 {
                return Err(timeout_error(missing));
            }
            match replies.into_iter().next() {
                Some(ManagementReply::Ended(Ok(()))) => Ok(json!("OK")),
                Some(ManagementReply::Ended(Err(e))) if e.starts_with("no dialog") => {
                    Err(RpcError::new(NO_SUCH_DIALOG, e))
                }
                Some(ManagementReply::Ended(Err(e))) => Err(RpcError::new(END_FAILED, e)),
                _ => Err(timeout_error(1)),
            }
        }
        "dlg_show" => {
            known_params(p, &["dialog_id"])?;
            let Some(id) = param_str(p, "dialog_id")? else {
                return Err(RpcError::new(INVALID_PARAMS, "dialog_id is required"));
            };
            let Some(shard) = shard_of(mgmt, id) else {
                return Err(RpcError::new(NO_SUCH_DIALOG, format!("no dialog {id}")));
            };
            let (replies, missing) = mgmt.ask(&[shard], &ManagementRequest::Show(id.into()));
            if missing > 0 {
                return Err(timeout_error(missing));
            }
            match replies.into_iter().next() {
                Some(ManagementReply::Dialog(Some(d))) => Ok(dialog_json(&d, true)),
                _ => Err(RpcError::new(NO_SUCH_DIALOG, format!("no dialog {id}"))),
            }
        }
        "callctl_stats" | "get_statistics" => {
            known_params(p, &["statistics"])?;
            let (stats, missing) = stats_all(mgmt);
            if missing > 0 {
                return Err(timeout_error(missing));
            }
            Ok(stats_json(&stats, &mgmt.edr, &mgmt.scp))
        }
        "reload" => {
            known_params(p, &[])?;
            for shard in mgmt.shards.iter() {
                let _ = shard.send(ShardInput::Reload);
            }
            tracing::info!("management interface: reloading scripts");
            Ok(json!("OK"))
        }
        "version" => {
            known_params(p, &[])?;
            Ok(json!({"Server": format!("callctl {}", env!("CARGO_PKG_VERSION"))}))
        }
        "which" => Ok(json!(METHODS)),
        other => Err(RpcError::new(
            METHOD_NOT_FOUND,
            format!("method {other:?} not found"),
        )),
    }
}

/// The methods `which` lists.
pub const METHODS: &[&str] = &[
    "dlg_list",
    "dlg_list_ctx",
    "dlg_show",
    "dlg_end_dlg",
    "callctl_stats",
    "reload",
    "version",
    "which",
];

/// `Authorization: Bearer <token>` when a token is configured; compared in constant time.
pub fn authorised(token: &str, headers: &HeaderMap) -> bool {
    if token.is_empty() {
        return true;
    }
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
    else {
        return false;
    };
    let (a, b) = (given.as_bytes(), token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn unauthorised() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        "a bearer token is required (management.token)\n",
    )
        .into_response()
}

fn json_response(value: Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

async fn rpc(State(mgmt): State<Arc<Mgmt>>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorised(&mgmt.token, &headers) {
        return unauthorised();
    }
    let call = match parse_request(&body) {
        Ok(c) => c,
        Err((id, e)) => return json_response(failure(id, &e)),
    };
    let worker = mgmt.clone();
    let id = call.id.clone();
    let notification = call.notification;
    let outcome = tokio::task::spawn_blocking(move || call_method(&worker, &call)).await;
    let body = match outcome {
        Ok(Ok(result)) => success(id, result),
        Ok(Err(e)) => failure(id, &e),
        Err(_) => failure(id, &RpcError::new(-32603, "internal error")),
    };
    if notification {
        return StatusCode::NO_CONTENT.into_response();
    }
    json_response(body)
}

async fn metrics(State(mgmt): State<Arc<Mgmt>>, headers: HeaderMap) -> Response {
    if !authorised(&mgmt.token, &headers) {
        return unauthorised();
    }
    let worker = mgmt.clone();
    let shards = mgmt.shards.len();
    match tokio::task::spawn_blocking(move || stats_all(&worker)).await {
        Ok((stats, _)) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            crate::metrics::render(&stats, shards, &mgmt.edr)
                + &crate::metrics::render_scp(&mgmt.scp),
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

pub fn router(mgmt: Arc<Mgmt>) -> Router {
    Router::new()
        .route("/mi", post(rpc))
        .route("/json-rpc", post(rpc))
        .route("/metrics", get(metrics))
        .with_state(mgmt)
}

/// Bind and serve on the current tokio runtime. A failure to bind is reported and the server
/// runs on without its management interface (calls are not affected).
pub fn start(
    settings: &Settings,
    shards: Arc<Vec<Sender<ShardInput>>>,
    edr: Arc<crate::edr::EdrHealth>,
    scp: Arc<crate::scp::ScpMetrics>,
) {
    let listener = match std::net::TcpListener::bind(settings.listen)
        .and_then(|l| l.set_nonblocking(true).map(|_| l))
        .and_then(tokio::net::TcpListener::from_std)
    {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(listen = %settings.listen, error = %e, "management.listen: cannot bind; the management interface is disabled");
            return;
        }
    };
    let mgmt = Arc::new(Mgmt {
        shards,
        token: settings.token.clone(),
        timeout: settings.timeout,
        edr,
        scp,
    });
    let app = router(mgmt);
    tracing::info!(listen = %settings.listen, "management interface (JSON-RPC on /mi, metrics on /metrics)");
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "management interface stopped");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(body: &str) -> (Value, i64) {
        let (id, e) = parse_request(body.as_bytes()).unwrap_err();
        (id, e.code)
    }

    #[test]
    fn parses_requests() {
        let c = parse_request(
            br#"{"jsonrpc":"2.0","method":"dlg_list","params":{"callid":"x"},"id":7}"#,
        )
        .unwrap();
        assert_eq!(c.method, "dlg_list");
        assert_eq!(c.id, json!(7));
        assert!(!c.notification);
        assert_eq!(c.params.get("callid"), Some(&json!("x")));
        let c = parse_request(br#"{"jsonrpc":"2.0","method":"version","id":"a"}"#).unwrap();
        assert!(c.params.is_empty());
        assert_eq!(c.id, json!("a"));
        let c = parse_request(br#"{"jsonrpc":"2.0","method":"version","params":[]}"#).unwrap();
        assert!(c.notification);
    }

    #[test]
    fn request_errors_have_their_codes() {
        assert_eq!(err("{not json").1, PARSE_ERROR);
        assert_eq!(err("").1, PARSE_ERROR);
        assert_eq!(err("[]").1, INVALID_REQUEST);
        assert_eq!(err("42").1, INVALID_REQUEST);
        assert_eq!(
            err(r#"{"method":"version","id":1}"#),
            (json!(1), INVALID_REQUEST)
        );
        assert_eq!(
            err(r#"{"jsonrpc":"1.0","method":"version","id":1}"#).1,
            INVALID_REQUEST
        );
        assert_eq!(
            err(r#"{"jsonrpc":"2.0","method":5,"id":1}"#).1,
            INVALID_REQUEST
        );
        assert_eq!(
            err(r#"{"jsonrpc":"2.0","method":"x","id":{}}"#).1,
            INVALID_REQUEST
        );
        assert_eq!(
            err(r#"{"jsonrpc":"2.0","method":"x","params":[1],"id":1}"#).1,
            INVALID_PARAMS
        );
        assert_eq!(
            err(r#"{"jsonrpc":"2.0","method":"x","params":"a","id":1}"#).1,
            INVALID_REQUEST
        );
    }

    fn mgmt_without_shards() -> Mgmt {
        Mgmt {
            shards: Arc::new(Vec::new()),
            token: String::new(),
            timeout: Duration::from_millis(50),
            edr: Default::default(),
            scp: Default::default(),
        }
    }

    fn run(method: &str, params: Value) -> Result<Value, RpcError> {
        let body = json!({"jsonrpc": "2.0", "method": method, "params": params, "id": 1});
        let call = parse_request(body.to_string().as_bytes()).unwrap();
        call_method(&mgmt_without_shards(), &call)
    }

    #[test]
    fn method_and_param_errors() {
        assert_eq!(run("nope", json!({})).unwrap_err().code, METHOD_NOT_FOUND);
        assert_eq!(
            run("dlg_list", json!({"index": -1})).unwrap_err().code,
            INVALID_PARAMS
        );
        assert_eq!(
            run("dlg_list", json!({"callid": 3})).unwrap_err().code,
            INVALID_PARAMS
        );
        assert_eq!(
            run("dlg_list", json!({"calid": "x"})).unwrap_err().code,
            INVALID_PARAMS
        );
        assert_eq!(
            run("dlg_end_dlg", json!({})).unwrap_err().code,
            INVALID_PARAMS
        );
        assert_eq!(
            run("dlg_end_dlg", json!({"dialog_id": "0.1", "callid": "x"}))
                .unwrap_err()
                .code,
            INVALID_PARAMS
        );
        assert_eq!(
            run(
                "dlg_end_dlg",
                json!({"dialog_id": "0.1", "extra_hdrs": "no colon"})
            )
            .unwrap_err()
            .code,
            INVALID_PARAMS
        );
        // No shard 0 here: the dialog cannot exist.
        assert_eq!(
            run("dlg_end_dlg", json!({"dialog_id": "0.1"}))
                .unwrap_err()
                .code,
            NO_SUCH_DIALOG
        );
        assert_eq!(
            run("dlg_end_dlg", json!({"dialog_id": "garbage"}))
                .unwrap_err()
                .code,
            NO_SUCH_DIALOG
        );
        assert_eq!(run("dlg_list", json!({})).unwrap()["Total"], json!(0));
        assert_eq!(
            run("version", json!({})).unwrap()["Server"],
            json!(format!("callctl {}", env!("CARGO_PKG_VERSION")))
        );
    }

    #[test]
    fn extra_headers() {
        let h =
            parse_extra_headers("Reason: SIP;cause=200;text=\"Operator\"\r\nX-A: 1\r\n").unwrap();
        assert_eq!(
            h,
            vec![
                (
                    "Reason".to_string(),
                    "SIP;cause=200;text=\"Operator\"".to_string()
                ),
                ("X-A".to_string(), "1".to_string())
            ]
        );
        assert!(parse_extra_headers("").unwrap().is_empty());
        assert!(parse_extra_headers("Via: x").is_err());
        assert!(parse_extra_headers("Bad Name: x").is_err());
    }

    #[test]
    fn bearer_tokens() {
        let mut h = HeaderMap::new();
        assert!(authorised("", &h));
        assert!(!authorised("s3cret", &h));
        h.insert(header::AUTHORIZATION, "Bearer s3cret".parse().unwrap());
        assert!(authorised("s3cret", &h));
        assert!(!authorised("s3cre", &h));
        h.insert(header::AUTHORIZATION, "Basic s3cret".parse().unwrap());
        assert!(!authorised("s3cret", &h));
    }

    fn info(id: &str, call_id: &str, started: u64) -> DialogInfo {
        DialogInfo {
            id: id.into(),
            state: DialogState::Early,
            a_leg: callctl_b2bua::LegInfo {
                call_id: call_id.into(),
                from_tag: "f".into(),
                to_tag: None,
            },
            b_leg: None,
            caller: "1".into(),
            callee: "2".into(),
            script: "s".into(),
            trigger: "".into(),
            started: UNIX_EPOCH + Duration::from_secs(started),
            answered: None,
            lifetime_remaining: None,
            end_reason: None,
        }
    }

    #[test]
    fn paging_and_filter() {
        let all = vec![
            info("1.1", "c", 3),
            info("0.1", "a", 1),
            info("0.2", "b", 2),
        ];
        let (p, total) = page(all.clone(), None, None, None);
        assert_eq!(total, 3);
        let ids: Vec<&str> = p.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["0.1", "0.2", "1.1"]);
        let (p, total) = page(all.clone(), None, Some(1), Some(1));
        assert_eq!((p.len(), total, p[0].id.as_str()), (1, 3, "0.2"));
        let (p, _) = page(all.clone(), None, Some(10), None);
        assert!(p.is_empty());
        let (p, total) = page(all, Some("c"), None, None);
        assert_eq!((p.len(), total, p[0].id.as_str()), (1, 1, "1.1"));
        let j = dialog_json(&info("0.1", "a", 1), false);
        assert_eq!(j["ID"], json!("0.1"));
        assert_eq!(j["state"], json!("early"));
        assert_eq!(j["timestart"], json!(1.0));
    }
}
