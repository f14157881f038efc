//! Operator commands over the management interface: `callctl dialogs list|show|end`,
//! `callctl stats`, `callctl reload`. A small HTTP/1.1 client on a std TcpStream speaks
//! JSON-RPC to `POST /mi`.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

/// Where the management interface is.
#[derive(Args, Debug, Clone, Default)]
pub struct Remote {
    /// Management interface URL, e.g. http://127.0.0.1:8060 (default: management.listen of
    /// the configuration).
    #[arg(long, global = true)]
    pub url: Option<String>,
    /// Bearer token (default: $CALLCTL_TOKEN, else management.token of the configuration).
    #[arg(long, global = true)]
    pub token: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum DialogsCmd {
    /// List the calls in progress.
    List {
        /// Print the JSON-RPC result instead of a table.
        #[arg(long)]
        json: bool,
        /// Also list the calls that ended recently, with their end reasons.
        #[arg(long)]
        ended: bool,
        /// Only the call with this Call-ID.
        #[arg(long)]
        callid: Option<String>,
    },
    /// Show one call in detail.
    Show {
        /// Dialog id, as listed.
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// End a call: BYE on both legs (answered) or 503 to the caller (early).
    End {
        /// Dialog id, as listed.
        id: String,
        /// Text for a Reason header (SIP;cause=200;text="...") on the BYEs.
        #[arg(long)]
        reason: Option<String>,
    },
}

/// An HTTP endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub path: String,
}

/// Parse `http://host:port[/path]` (or `host:port`); the path defaults to `/mi`.
pub fn parse_url(url: &str) -> Result<Endpoint> {
    let rest = url.trim();
    if rest.starts_with("https://") {
        bail!("--url: https is not supported; use http:// (loopback) or a TLS proxy");
    }
    let rest = rest.strip_prefix("http://").unwrap_or(rest);
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let path = if path.is_empty() || path == "/" {
        "/mi".to_string()
    } else {
        path.to_string()
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() => (
            h.trim_start_matches('[').trim_end_matches(']').to_string(),
            p.parse::<u16>()
                .map_err(|_| anyhow!("--url: bad port in {url:?}"))?,
        ),
        _ => bail!("--url: expected http://HOST:PORT (got {url:?})"),
    };
    Ok(Endpoint { host, port, path })
}

/// POST `body` and return (status, response body).
pub fn http_post(endpoint: &Endpoint, token: &str, body: &str) -> Result<(u16, String)> {
    let addr = (endpoint.host.as_str(), endpoint.port)
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {}", endpoint.host))?
        .next()
        .ok_or_else(|| anyhow!("cannot resolve {}", endpoint.host))?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .with_context(|| format!("cannot connect to the management interface at {addr}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let host = if endpoint.host.contains(':') {
        format!("[{}]:{}", endpoint.host, endpoint.port)
    } else {
        format!("{}:{}", endpoint.host, endpoint.port)
    };
    let auth = if token.is_empty() {
        String::new()
    } else {
        format!("Authorization: Bearer {token}\r\n")
    };
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nAccept: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        endpoint.path,
        body.len()
    );
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .context("reading the response")?;
    parse_http_response(&raw)
}

/// Split an HTTP/1.1 response into its status and body (Content-Length, chunked, or read to
/// the end).
pub fn parse_http_response(raw: &[u8]) -> Result<(u16, String)> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| anyhow!("malformed HTTP response"))?;
    let head = std::str::from_utf8(&raw[..split]).context("HTTP response head")?;
    let mut body = &raw[split + 4..];
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| anyhow!("malformed HTTP status line"))?;
    let mut chunked = false;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim();
            if name.eq_ignore_ascii_case("content-length") {
                if let Ok(n) = value.trim().parse::<usize>() {
                    body = &body[..n.min(body.len())];
                }
            } else if name.eq_ignore_ascii_case("transfer-encoding")
                && value.to_ascii_lowercase().contains("chunked")
            {
                chunked = true;
            }
        }
    }
    let body = if chunked {
        let mut out = Vec::new();
        let mut rest = body;
        while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
            let size_text = std::str::from_utf8(&rest[..eol]).unwrap_or("0");
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
                .unwrap_or(0);
            rest = &rest[eol + 2..];
            if size == 0 || size > rest.len() {
                break;
            }
            out.extend_from_slice(&rest[..size]);
            rest = rest.get(size + 2..).unwrap_or(&[]);
        }
        out
    } else {
        body.to_vec()
    };
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// A JSON-RPC client for one management interface.
pub struct Client {
    pub endpoint: Endpoint,
    pub token: String,
}

impl Client {
    pub fn call(&self, method: &str, params: Value) -> Result<Value> {
        let body = json!({"jsonrpc": "2.0", "method": method, "params": params, "id": 1});
        let (status, text) = http_post(&self.endpoint, &self.token, &body.to_string())?;
        if status == 401 {
            bail!("the management interface wants a token (--token, CALLCTL_TOKEN or management.token)");
        }
        if status != 200 {
            bail!(
                "HTTP {status} from the management interface: {}",
                text.trim()
            );
        }
        let reply: Value =
            serde_json::from_str(&text).with_context(|| format!("not a JSON-RPC reply: {text}"))?;
        if let Some(e) = reply.get("error") {
            bail!(
                "{} (JSON-RPC error {})",
                e.get("message").and_then(Value::as_str).unwrap_or("error"),
                e.get("code").cloned().unwrap_or(Value::Null)
            );
        }
        reply
            .get("result")
            .cloned()
            .ok_or_else(|| anyhow!("JSON-RPC reply without a result: {text}"))
    }
}

fn s(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn age(start: &Value) -> String {
    let Some(start) = start.as_f64() else {
        return "-".into();
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64();
    let secs = (now - start).max(0.0) as u64;
    if secs >= 3600 {
        format!("{}h{:02}m", secs / 3600, secs % 3600 / 60)
    } else if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

/// Columns padded to their widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        let last = cells.len().saturating_sub(1);
        for (i, c) in cells.iter().enumerate() {
            if i == last {
                out.push_str(c);
            } else {
                out.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        out.push('\n');
    };
    line(header.to_vec(), &mut out);
    for row in rows {
        line(row.iter().map(String::as_str).collect(), &mut out);
    }
    out
}

/// The dialogs table of a `dlg_list` result.
pub fn dialogs_table(result: &Value) -> String {
    let empty = Vec::new();
    let dialogs = result
        .get("Dialogs")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let rows: Vec<Vec<String>> = dialogs
        .iter()
        .map(|d| {
            vec![
                s(&d["ID"]),
                s(&d["state"]),
                s(&d["caller"]),
                s(&d["callee"]),
                s(&d["script"]),
                age(&d["timestart"]),
                s(&d["callid"]),
            ]
        })
        .collect();
    let mut out = if rows.is_empty() {
        String::new()
    } else {
        table(
            &[
                "ID", "STATE", "CALLER", "CALLEE", "SCRIPT", "AGE", "CALL-ID",
            ],
            &rows,
        )
    };
    let total = result.get("Total").and_then(Value::as_u64).unwrap_or(0);
    out.push_str(&format!("{total} dialog(s) in progress\n"));
    if let Some(ended) = result.get("Ended").and_then(Value::as_array) {
        let rows: Vec<Vec<String>> = ended
            .iter()
            .map(|e| {
                vec![
                    s(&e["ID"]),
                    s(&e["end_reason"]),
                    s(&e["code"]),
                    format!("{:.1}s", e["duration_ms"].as_f64().unwrap_or(0.0) / 1000.0),
                    s(&e["script"]),
                    s(&e["callid"]),
                ]
            })
            .collect();
        out.push_str("\nRecently ended:\n");
        out.push_str(&table(
            &["ID", "END REASON", "CODE", "DURATION", "SCRIPT", "CALL-ID"],
            &rows,
        ));
    }
    out
}

fn key_values(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                key_values(&key, v, out);
            }
        }
        other => out.push((prefix.to_string(), s(other))),
    }
}

/// `key  value` lines of a nested JSON object (stats, dialog details).
pub fn details(v: &Value) -> String {
    let mut pairs = Vec::new();
    key_values("", v, &mut pairs);
    let rows: Vec<Vec<String>> = pairs.into_iter().map(|(k, v)| vec![k, v]).collect();
    let mut out = table(&["NAME", "VALUE"], &rows);
    // The header line is not useful for a key/value list.
    if let Some(i) = out.find('\n') {
        out.drain(..=i);
    }
    out
}

pub fn reason_header(text: &str) -> String {
    let escaped: String = text
        .chars()
        .filter(|c| !c.is_control())
        .flat_map(|c| match c {
            '"' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("Reason: SIP;cause=200;text=\"{escaped}\"\r\n")
}

pub fn dialogs(client: &Client, cmd: DialogsCmd) -> Result<()> {
    match cmd {
        DialogsCmd::List {
            json,
            ended,
            callid,
        } => {
            let mut params = json!({});
            if ended {
                params["ended"] = json!(true);
            }
            if let Some(c) = callid {
                params["callid"] = json!(c);
            }
            let result = client.call("dlg_list", params)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&result)?);
            } else {
                print!("{}", dialogs_table(&result));
            }
        }
        DialogsCmd::Show { id, json } => {
            let result = client.call("dlg_show", json!({"dialog_id": id}))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&result)?);
            } else {
                print!("{}", details(&result));
            }
        }
        DialogsCmd::End { id, reason } => {
            let mut params = json!({"dialog_id": id});
            if let Some(r) = reason {
                params["extra_hdrs"] = json!(reason_header(&r));
            }
            client.call("dlg_end_dlg", params)?;
            println!("dialog {id} ended");
        }
    }
    Ok(())
}

pub fn stats(client: &Client, json: bool) -> Result<()> {
    let result = client.call("callctl_stats", json!({}))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        print!("{}", details(&result));
    }
    Ok(())
}

pub fn reload(client: &Client) -> Result<()> {
    client.call("reload", json!({}))?;
    println!("scripts reloaded");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("http://127.0.0.1:8060").unwrap(),
            Endpoint {
                host: "127.0.0.1".into(),
                port: 8060,
                path: "/mi".into()
            }
        );
        assert_eq!(parse_url("127.0.0.1:9/json-rpc").unwrap().path, "/json-rpc");
        assert_eq!(parse_url("http://[::1]:8060/").unwrap().host, "::1");
        assert!(parse_url("http://localhost").is_err());
        assert!(parse_url("https://x:1").is_err());
        assert!(parse_url("http://x:99999").is_err());
    }

    #[test]
    fn http_responses() {
        let (status, body) =
            parse_http_response(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}xx").unwrap();
        assert_eq!((status, body.as_str()), (200, "{}"));
        let (status, body) = parse_http_response(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!((status, body.as_str()), (200, "abcde"));
        assert!(parse_http_response(b"garbage").is_err());
    }

    #[test]
    fn tables() {
        let result = json!({
            "Dialogs": [{"ID": "0.1", "state": "confirmed", "caller": "4470001", "callee": "5000123",
                         "script": "connect", "timestart": null, "callid": "abc"}],
            "Total": 1,
            "Ended": [{"ID": "1.2", "end_reason": "MI Termination", "code": null, "duration_ms": 1500,
                       "script": "connect", "callid": "def"}]
        });
        let text = dialogs_table(&result);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("ID   STATE      CALLER"), "{text}");
        assert!(lines[1].starts_with("0.1  confirmed  4470001"), "{text}");
        assert!(text.contains("1 dialog(s) in progress"), "{text}");
        assert!(text.contains("MI Termination  -     1.5s"), "{text}");
        let d = details(&json!({"dialogs": {"early": 1}, "calls_started": 3}));
        assert!(d.contains("dialogs.early  1"), "{d}");
        assert!(d.contains("calls_started  3"), "{d}");
        assert_eq!(
            reason_header("say \"hi\""),
            "Reason: SIP;cause=200;text=\"say \\\"hi\\\"\"\r\n"
        );
    }
}
