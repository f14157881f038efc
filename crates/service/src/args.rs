//! Argument checking for the script API: Lua values in, a [`Command`] or a message naming the
//! method and the offending argument out. Everything here treats its input as hostile: a
//! script can pass any value, so nothing unwraps and every conversion has an error path.

use std::collections::BTreeMap;
use std::ffi::c_void;

use callctl_scc::{
    CallingParty, Command, ExtraHeaders, LogLevel, Reason, ScriptLocation, Termination,
};
use mlua::{Function, LightUserData, Lua, MultiValue, Table, Value};

use crate::failure::frame_location;

/// What a checker decided: stage this command, or there is nothing to do (no yield).
pub(crate) type Checked = Result<Option<Command>, String>;

/// Longest wait or proceeding timer a script may ask for; anything longer is a script bug, and
/// a bound keeps the engine's timer arithmetic safe.
const MAX_SECS: u32 = 86_400;

/// Longest digit string (redirect contact, termination addresses); real numbers are far
/// shorter (E.164 allows 15 digits), and a bound keeps SIP headers built from them small.
const MAX_DIGITS: usize = 64;

/// Longest call a termination attempt may ask for (a week): long enough for any real call,
/// and small enough that the engine's duration arithmetic cannot overflow.
const MAX_CALL_SECS: u32 = 604_800;

/// The fields of `termination_attempt`'s details table (seed 003).
const TERMINATION_FIELDS: &[&str] = &[
    "address_digits",
    "calling_party",
    "is_calling_restricted",
    "original_called_party",
    "no_answer_timeout",
    "extra_headers",
    "max_call_secs",
    "monitored",
    "monitor_interval_secs",
    "charged",
    "grant_secs",
];

/// Headers that the SIP layer builds itself; letting a script add a second Via, Call-ID or
/// Content-Length would corrupt the response. Compact forms per RFC 3261 §7.3.3.
const RESERVED_HEADERS: &[&str] = &[
    "via",
    "v",
    "from",
    "f",
    "to",
    "t",
    "call-id",
    "i",
    "cseq",
    "contact",
    "m",
    "content-length",
    "l",
    "content-type",
    "c",
    "max-forwards",
    "route",
    "record-route",
];

/// Headers of a B-leg INVITE that carry the caller's identity and its presentation: the
/// engine builds them from `calling_party` and `is_calling_restricted`, so a script-supplied
/// copy could present a number the call was told to withhold.
const INVITE_IDENTITY_HEADERS: &[&str] = &["privacy", "p-asserted-identity"];

/// The address of this static is `UNDEF`, the value scripts pass to ask for "no value" where
/// nil already means "the default". A light userdata cannot be made by Lua code, has no
/// fields to change, and compares equal only to itself, so no script can forge or alter it.
/// Its value differs from the yield marker's so that the two statics can never be merged
/// into one address.
static UNDEF_ANCHOR: u8 = 1;

pub(crate) fn undef() -> LightUserData {
    LightUserData(std::ptr::addr_of!(UNDEF_ANCHOR) as *mut c_void)
}

fn is_undef(v: &Value) -> bool {
    matches!(v, Value::LightUserData(ud) if ud.0 == undef().0)
}

fn arg(args: &MultiValue, i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::Nil)
}

/// A short, safe rendering of a script value for "(got ...)" in error messages.
pub(crate) fn describe(v: &Value) -> String {
    match v {
        Value::Nil => "nil".to_string(),
        v if is_undef(v) => "UNDEF".to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Number(n) => format!("{n:?}"),
        Value::String(s) => {
            let text = s.to_string_lossy();
            if text.chars().count() > 40 {
                let short: String = text.chars().take(40).collect();
                format!("{short:?}...")
            } else {
                format!("{text:?}")
            }
        }
        other => other.type_name().to_string(),
    }
}

/// An integral Lua number. Floats with an exact integer value count (`486.0`), since Lua
/// arithmetic such as `/` produces them; strings do not, to keep scripts honest.
fn as_integer(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(i) => Some(*i),
        Value::Number(n) if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.0e15 => {
            Some(*n as i64)
        }
        _ => None,
    }
}

fn integer_in(v: &Value, lo: i64, hi: i64) -> Option<i64> {
    as_integer(v).filter(|i| (lo..=hi).contains(i))
}

/// An optional SIP status code in `lo..=hi`.
fn optional_code(method: &str, v: &Value, lo: u16, hi: u16) -> Result<Option<u16>, String> {
    if v.is_nil() {
        return Ok(None);
    }
    match integer_in(v, i64::from(lo), i64::from(hi)) {
        Some(code) => Ok(u16::try_from(code).ok()),
        None => Err(format!(
            "{method}: code must be an integer {lo}-{hi} (got {})",
            describe(v)
        )),
    }
}

/// Script text destined for a SIP header: valid UTF-8 without control characters, which could
/// otherwise end the header line early and inject others.
fn header_text(method: &str, what: &str, v: &Value) -> Result<String, String> {
    let s = match v {
        Value::String(s) => s,
        other => {
            return Err(format!(
                "{method}: {what} must be a string (got {})",
                describe(other)
            ))
        }
    };
    let text = s
        .to_str()
        .map_err(|_| format!("{method}: {what} must be UTF-8 text"))?
        .to_string();
    if text.chars().any(|c| c.is_control() && c != '\t') {
        return Err(format!(
            "{method}: {what} must not contain control characters (got {})",
            describe(v)
        ));
    }
    Ok(text)
}

/// The keys of a table argument that must be one of `allowed`.
fn check_keys(method: &str, what: &str, t: &Table, allowed: &[&str]) -> Result<(), String> {
    for pair in t.pairs::<Value, Value>() {
        let (key, _) = pair.map_err(|e| format!("{method}: cannot read {what}: {e}"))?;
        let known = match &key {
            Value::String(s) => s.to_str().is_ok_and(|k| allowed.contains(&&*k)),
            _ => false,
        };
        if !known {
            return Err(format!(
                "{method}: unknown field {} in {what} (expected one of: {})",
                describe(&key),
                allowed.join(", ")
            ));
        }
    }
    Ok(())
}

fn field(method: &str, t: &Table, key: &str) -> Result<Value, String> {
    t.raw_get::<Value>(key)
        .map_err(|e| format!("{method}: cannot read field '{key}': {e}"))
}

/// The single-table call form (`decline{code=486, ...}`): when the first argument is a table,
/// it holds the named arguments and nothing may follow it.
fn table_form(method: &str, args: &MultiValue, allowed: &[&str]) -> Result<Option<Table>, String> {
    let Value::Table(t) = arg(args, 0) else {
        return Ok(None);
    };
    if args.iter().skip(1).any(|v| !v.is_nil()) {
        return Err(format!(
            "{method}: the table form takes a single table argument"
        ));
    }
    check_keys(method, "the argument table", t, allowed)?;
    Ok(Some(t.clone()))
}

/// The positional or named arguments of a method, in declaration order.
fn arguments(method: &str, args: &MultiValue, names: &[&str]) -> Result<Vec<Value>, String> {
    match table_form(method, args, names)? {
        Some(t) => names.iter().map(|n| field(method, &t, n)).collect(),
        None => Ok((0..names.len()).map(|i| arg(args, i).clone()).collect()),
    }
}

/// An RFC 3326 Reason table: `{protocol = "SIP"|"Q.850", cause = n, text = "..."}`; `value`
/// is the older name of `cause`.
fn reason(method: &str, v: &Value) -> Result<Option<Reason>, String> {
    let t = match v {
        Value::Nil => return Ok(None),
        Value::Table(t) => t,
        other => {
            return Err(format!(
                "{method}: reason must be a table (got {})",
                describe(other)
            ))
        }
    };
    check_keys(method, "reason", t, &["protocol", "cause", "value", "text"])?;
    let protocol_value = field(method, t, "protocol")?;
    let protocol = match &protocol_value {
        Value::Nil => "SIP",
        Value::String(s) => match s.to_str() {
            Ok(p) if p.eq_ignore_ascii_case("sip") => "SIP",
            Ok(p) if p.eq_ignore_ascii_case("q.850") => "Q.850",
            _ => {
                return Err(format!(
                    "{method}: reason.protocol must be \"SIP\" or \"Q.850\" (got {})",
                    describe(&protocol_value)
                ))
            }
        },
        other => {
            return Err(format!(
                "{method}: reason.protocol must be \"SIP\" or \"Q.850\" (got {})",
                describe(other)
            ))
        }
    };
    let mut cause_value = field(method, t, "cause")?;
    if cause_value.is_nil() {
        cause_value = field(method, t, "value")?;
    }
    // RFC 3326 §2: a SIP cause is a status code, a Q.850 cause is the 7-bit ISUP value.
    let (lo, hi) = if protocol == "SIP" {
        (100, 699)
    } else {
        (1, 127)
    };
    let cause = if cause_value.is_nil() {
        None
    } else {
        match integer_in(&cause_value, lo, hi) {
            Some(c) => u32::try_from(c).ok(),
            None => {
                return Err(format!(
                    "{method}: reason.cause must be an integer {lo}-{hi} for {protocol} (got {})",
                    describe(&cause_value)
                ))
            }
        }
    };
    let text_value = field(method, t, "text")?;
    let text = if text_value.is_nil() {
        None
    } else {
        Some(header_text(method, "reason.text", &text_value)?)
    };
    Ok(Some(Reason {
        protocol: protocol.to_string(),
        cause,
        text,
    }))
}

/// RFC 3261 §25.1 token characters: what a header name may contain.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b))
}

fn scalar(lua: &Lua, method: &str, name: &str, v: &Value) -> Result<String, String> {
    let what = format!("extra_headers[\"{name}\"]");
    match v {
        Value::String(_) => header_text(method, &what, v),
        Value::Boolean(b) => Ok(b.to_string()),
        Value::Integer(i) => Ok(i.to_string()),
        Value::Number(_) => lua
            .coerce_string(v.clone())
            .ok()
            .flatten()
            .map(|s| s.to_string_lossy())
            .ok_or_else(|| format!("{method}: {what} is not a usable number")),
        other => Err(format!(
            "{method}: {what} must be a string, number, boolean or an array of them (got {})",
            describe(other)
        )),
    }
}

/// `extra_headers` of a response: see [`headers_except`].
fn extra_headers(lua: &Lua, method: &str, v: &Value) -> Result<ExtraHeaders, String> {
    headers_except(lua, method, v, &[])
}

/// `extra_headers`: name -> scalar or array of scalars. A Lua table has no order, so names
/// are sorted to make the output deterministic; an array keeps its order. Besides the headers
/// the SIP layer always owns, names in `owned` (lower case) are refused: the method builds
/// those from its other arguments.
fn headers_except(
    lua: &Lua,
    method: &str,
    v: &Value,
    owned: &[&str],
) -> Result<ExtraHeaders, String> {
    let t = match v {
        Value::Nil => return Ok(Vec::new()),
        Value::Table(t) => t,
        other => {
            return Err(format!(
                "{method}: extra_headers must be a table (got {})",
                describe(other)
            ))
        }
    };
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in t.pairs::<Value, Value>() {
        let (key, value) = pair.map_err(|e| format!("{method}: cannot read extra_headers: {e}"))?;
        let name = match &key {
            Value::String(s) => s.to_str().ok().map(|n| n.to_string()),
            _ => None,
        };
        let name = match name {
            Some(n) if is_token(&n) => n,
            _ => {
                return Err(format!(
                    "{method}: extra_headers names must be header names (got {})",
                    describe(&key)
                ))
            }
        };
        let lower = name.to_ascii_lowercase();
        if RESERVED_HEADERS.contains(&lower.as_str()) {
            return Err(format!(
                "{method}: extra_headers may not set {name} (the SIP layer owns it)"
            ));
        }
        if owned.contains(&lower.as_str()) {
            return Err(format!(
                "{method}: extra_headers may not set {name} (it is built from the call's calling party and its presentation)"
            ));
        }
        let values = match &value {
            Value::Table(list) => {
                let len = list.raw_len();
                let entries = list.pairs::<Value, Value>().count();
                if entries != len {
                    return Err(format!(
                        "{method}: extra_headers[\"{name}\"] must be a scalar or an array of scalars"
                    ));
                }
                let mut out = Vec::with_capacity(len);
                for i in 1..=len {
                    let item = list
                        .raw_get::<Value>(i)
                        .map_err(|e| format!("{method}: cannot read extra_headers: {e}"))?;
                    out.push(scalar(lua, method, &name, &item)?);
                }
                out
            }
            other => vec![scalar(lua, method, &name, other)?],
        };
        by_name.entry(name).or_default().extend(values);
    }
    Ok(by_name
        .into_iter()
        .flat_map(|(name, values)| values.into_iter().map(move |v| (name.clone(), v)))
        .collect())
}

/// Optional seconds: a positive integer up to `max`.
fn optional_secs(method: &str, what: &str, v: &Value, max: u32) -> Result<Option<u32>, String> {
    if v.is_nil() {
        return Ok(None);
    }
    match integer_in(v, 1, i64::from(max)) {
        Some(s) => Ok(u32::try_from(s).ok()),
        None => Err(format!(
            "{method}: {what} must be an integer 1-{max} (got {})",
            describe(v)
        )),
    }
}

fn optional_bool(method: &str, what: &str, v: &Value) -> Result<Option<bool>, String> {
    match v {
        Value::Nil => Ok(None),
        Value::Boolean(b) => Ok(Some(*b)),
        other => Err(format!(
            "{method}: {what} must be a boolean (got {})",
            describe(other)
        )),
    }
}

/// What the platform calls a "(+)Hex String": an optional leading `+`, then 1 to
/// [`MAX_DIGITS`] of 0-9, A-F (either case), `*` and `#`. Numbers are refused, not converted:
/// a Lua number would already have lost any leading zeros.
fn hex_string(v: &Value) -> Option<String> {
    let Value::String(s) = v else {
        return None;
    };
    let text = s.to_str().ok()?.to_string();
    let digits = text.strip_prefix('+').unwrap_or(&text);
    let valid = !digits.is_empty()
        && digits.len() <= MAX_DIGITS
        && digits
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'*' || b == b'#');
    valid.then_some(text)
}

fn digits_rule() -> String {
    format!("a string of up to {MAX_DIGITS} digits (0-9, A-F, *, #) with an optional leading +")
}

/// A required "(+)Hex String" argument.
fn digits(method: &str, what: &str, v: &Value) -> Result<String, String> {
    if v.is_nil() {
        return Err(format!("{method}: {what} is required ({})", digits_rule()));
    }
    hex_string(v).ok_or_else(|| {
        format!(
            "{method}: {what} must be {} (got {})",
            digits_rule(),
            describe(v)
        )
    })
}

fn optional_digits(method: &str, what: &str, v: &Value) -> Result<Option<String>, String> {
    if v.is_nil() {
        return Ok(None);
    }
    digits(method, what, v).map(Some)
}

/// `calling_party`: absent for the A-leg's own, digits, or `UNDEF` to present none.
fn calling_party(method: &str, v: &Value) -> Result<CallingParty, String> {
    match v {
        Value::Nil => Ok(CallingParty::Default),
        // A table field set to nil is indistinguishable from one never set, so nil has to
        // mean "the default"; `false` is the natural way to write "none" without UNDEF.
        Value::Boolean(false) => Ok(CallingParty::Suppressed),
        v if is_undef(v) => Ok(CallingParty::Suppressed),
        _ => hex_string(v).map(CallingParty::Digits).ok_or_else(|| {
            format!(
                "{method}: calling_party must be {}, or UNDEF to suppress it (got {})",
                digits_rule(),
                describe(v)
            )
        }),
    }
}

/// Monitored and charged terminations need the monitor and charge reports that the engine
/// does not produce yet. Running them as plain attempts would leave the script waiting for
/// reports (`monitor_check`, `charge_check`) on a call it no longer controls, so they are
/// refused outright; the mode's own timers count as asking for the mode.
fn refuse_unsupported_modes(method: &str, details: &Table) -> Result<(), String> {
    let monitored = optional_bool(method, "monitored", &field(method, details, "monitored")?)?;
    let charged = optional_bool(method, "charged", &field(method, details, "charged")?)?;
    if monitored == Some(true) {
        return Err(format!("{method}: monitored calls are not supported yet"));
    }
    if charged == Some(true) {
        return Err(format!("{method}: charged calls are not supported yet"));
    }
    if !field(method, details, "monitor_interval_secs")?.is_nil() {
        return Err(format!(
            "{method}: monitored calls are not supported yet (monitor_interval_secs given)"
        ));
    }
    if !field(method, details, "grant_secs")?.is_nil() {
        return Err(format!(
            "{method}: charged calls are not supported yet (grant_secs given)"
        ));
    }
    Ok(())
}

/// `termination_attempt(details)` (seed 003), plain mode only.
pub(crate) fn termination_attempt(lua: &Lua, args: &MultiValue) -> Checked {
    const M: &str = "termination_attempt";
    let details = match arg(args, 0) {
        Value::Table(t) => t,
        other => {
            return Err(format!(
                "{M}: details must be a table (got {})",
                describe(other)
            ))
        }
    };
    if args.iter().skip(1).any(|v| !v.is_nil()) {
        return Err(format!("{M}: takes a single details table"));
    }
    check_keys(M, "details", details, TERMINATION_FIELDS)?;
    refuse_unsupported_modes(M, details)?;
    let get = |key: &str| field(M, details, key);
    Ok(Some(Command::Termination(Termination {
        address_digits: digits(M, "address_digits", &get("address_digits")?)?,
        calling_party: calling_party(M, &get("calling_party")?)?,
        is_calling_restricted: optional_bool(
            M,
            "is_calling_restricted",
            &get("is_calling_restricted")?,
        )?,
        original_called_party: optional_digits(
            M,
            "original_called_party",
            &get("original_called_party")?,
        )?,
        no_answer_timeout: optional_secs(
            M,
            "no_answer_timeout",
            &get("no_answer_timeout")?,
            MAX_SECS,
        )?,
        extra_headers: headers_except(lua, M, &get("extra_headers")?, INVITE_IDENTITY_HEADERS)?,
        max_call_secs: optional_secs(M, "max_call_secs", &get("max_call_secs")?, MAX_CALL_SECS)?,
    })))
}

/// `connect_attempt(called_party, no_answer_timeout, max_call_secs)`: the flattened form of
/// a plain `termination_attempt`, also callable with a single table of those names.
pub(crate) fn connect_attempt(_lua: &Lua, args: &MultiValue) -> Checked {
    const M: &str = "connect_attempt";
    const NAMES: &[&str] = &["called_party", "no_answer_timeout", "max_call_secs"];
    // The monitored and charged forms take a fourth argument; a script that passes one here
    // most likely meant one of them, and dropping it silently would change the call's mode.
    if args.iter().skip(NAMES.len()).any(|v| !v.is_nil()) {
        return Err(format!(
            "{M}: takes at most {} arguments ({})",
            NAMES.len(),
            NAMES.join(", ")
        ));
    }
    let a = arguments(M, args, NAMES)?;
    Ok(Some(Command::Termination(Termination {
        address_digits: digits(M, "called_party", &a[0])?,
        no_answer_timeout: optional_secs(M, "no_answer_timeout", &a[1], MAX_SECS)?,
        max_call_secs: optional_secs(M, "max_call_secs", &a[2], MAX_CALL_SECS)?,
        ..Termination::default()
    })))
}

/// `proceeding(code, secs, extra_headers)` or `proceeding{code=, secs=|seconds=, extra_headers=}`.
pub(crate) fn proceeding(lua: &Lua, args: &MultiValue) -> Checked {
    const M: &str = "proceeding";
    let (code_v, secs_v, headers_v) =
        match table_form(M, args, &["code", "secs", "seconds", "extra_headers"])? {
            Some(t) => {
                let mut secs = field(M, &t, "secs")?;
                if secs.is_nil() {
                    secs = field(M, &t, "seconds")?;
                }
                (field(M, &t, "code")?, secs, field(M, &t, "extra_headers")?)
            }
            None => (
                arg(args, 0).clone(),
                arg(args, 1).clone(),
                arg(args, 2).clone(),
            ),
        };
    // RFC 3261 §8.2.6.1: the engine sends 100 Trying itself as soon as the script starts.
    if as_integer(&code_v) == Some(100) {
        return Err(format!("{M}: code 100 is sent automatically"));
    }
    let code = match integer_in(&code_v, 101, 199) {
        Some(c) => u16::try_from(c).map_err(|_| format!("{M}: bad code"))?,
        None => {
            return Err(format!(
                "{M}: code must be an integer 101-199 (got {})",
                describe(&code_v)
            ))
        }
    };
    Ok(Some(Command::Proceeding {
        code,
        secs: optional_secs(M, "secs", &secs_v, MAX_SECS)?,
        extra_headers: extra_headers(lua, M, &headers_v)?,
    }))
}

/// `ringing(extra_headers)`: 180 Ringing.
pub(crate) fn ringing(lua: &Lua, args: &MultiValue) -> Checked {
    Ok(Some(Command::Proceeding {
        code: 180,
        secs: None,
        extra_headers: extra_headers(lua, "ringing", arg(args, 0))?,
    }))
}

/// `decline(code, reason, extra_headers)` or `decline{code=, reason=, extra_headers=}`.
pub(crate) fn decline(lua: &Lua, args: &MultiValue) -> Checked {
    const M: &str = "decline";
    let a = arguments(M, args, &["code", "reason", "extra_headers"])?;
    Ok(Some(Command::Decline {
        code: optional_code(M, &a[0], 300, 699)?,
        reason: reason(M, &a[1])?,
        extra_headers: extra_headers(lua, M, &a[2])?,
    }))
}

/// `redirect(contact_user)`: a "(+)Hex String", as the platform calls it (so A-F, `*` and
/// `#` as well as digits).
pub(crate) fn redirect(_lua: &Lua, args: &MultiValue) -> Checked {
    const M: &str = "redirect";
    let a = arguments(M, args, &["contact_user"])?;
    let v = &a[0];
    let contact_user = hex_string(v).ok_or_else(|| {
        format!(
            "{M}: contact_user must be {} (got {})",
            digits_rule(),
            describe(v)
        )
    })?;
    Ok(Some(Command::Redirect { contact_user }))
}

/// `hangup(code, reason)` or `hangup{code=, reason=}`.
pub(crate) fn hangup(_lua: &Lua, args: &MultiValue) -> Checked {
    const M: &str = "hangup";
    let a = arguments(M, args, &["code", "reason"])?;
    Ok(Some(Command::Hangup {
        code: optional_code(M, &a[0], 300, 699)?,
        reason: reason(M, &a[1])?,
    }))
}

/// `n2svcd.wait(seconds)`.
pub(crate) fn wait(_lua: &Lua, args: &MultiValue) -> Checked {
    let v = arg(args, 0);
    let secs = match v {
        Value::Integer(i) => *i as f64,
        Value::Number(n) => *n,
        _ => f64::NAN,
    };
    if !(0.0..=f64::from(MAX_SECS)).contains(&secs) {
        return Err(format!(
            "wait: seconds must be a number 0-{MAX_SECS} (got {})",
            describe(v)
        ));
    }
    Ok(Some(Command::Wait { secs }))
}

/// The script line that called the API function: stack level 0 is the checker itself, 1 the
/// Lua wrapper, 2 its caller.
pub(crate) fn caller_location(lua: &Lua) -> Option<ScriptLocation> {
    lua.inspect_stack(2, frame_location).flatten()
}

/// First line of an mlua error, without the traceback mlua appends.
fn first_line(e: &mlua::Error) -> String {
    let text = match e {
        mlua::Error::RuntimeError(text) => text.clone(),
        mlua::Error::CallbackError { cause, .. } => return first_line(cause),
        other => other.to_string(),
    };
    text.lines().next().unwrap_or_default().to_string()
}

/// The text of a log call: `string.format(fmt, ...)` when there are arguments after the
/// format, `tostring(value)` otherwise, as the platform's printf-style logging does.
pub(crate) fn log_text(
    method: &str,
    args: &MultiValue,
    format: &Function,
    tostring: &Function,
) -> Result<String, String> {
    let result = if args.len() > 1 {
        format.call::<Value>(args.clone())
    } else {
        match arg(args, 0) {
            Value::String(s) => return Ok(s.to_string_lossy()),
            Value::Nil if args.is_empty() => return Ok(String::new()),
            other => tostring.call::<Value>(other.clone()),
        }
    };
    match result {
        Ok(Value::String(s)) => Ok(s.to_string_lossy()),
        Ok(other) => Ok(describe(&other)),
        Err(e) => Err(format!("{method}: {}", first_line(&e))),
    }
}

pub(crate) fn log(
    lua: &Lua,
    level: LogLevel,
    method: &str,
    args: &MultiValue,
    format: &Function,
    tostring: &Function,
) -> Checked {
    let message = log_text(method, args, format, tostring)?;
    Ok(Some(Command::Log {
        level,
        message,
        location: caller_location(lua),
    }))
}

/// `n2svcd.debug_var(value)`: a notice with a readable dump of the value.
pub(crate) fn debug_var(lua: &Lua, args: &MultiValue) -> Checked {
    let mut out = String::new();
    let mut seen = Vec::new();
    dump(arg(args, 0), 0, &mut seen, &mut out);
    Ok(Some(Command::Log {
        level: LogLevel::Notice,
        message: out,
        location: caller_location(lua),
    }))
}

/// Bounds on a dump, so that a huge or deep table cannot produce an unbounded log line.
const DUMP_MAX_DEPTH: usize = 12;
const DUMP_MAX_BYTES: usize = 64 * 1024;

fn dump_key(key: &Value) -> String {
    match key {
        Value::String(s) => {
            let text = s.to_string_lossy();
            let is_name = text
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if is_name {
                text
            } else {
                format!("[{text:?}]")
            }
        }
        other => format!("[{}]", describe(other)),
    }
}

/// Sort order of table keys in a dump: integers first in numeric order, then everything else
/// by its rendering.
fn key_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (as_integer(a), as_integer(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => dump_key(a).cmp(&dump_key(b)),
    }
}

fn dump(v: &Value, depth: usize, seen: &mut Vec<*const c_void>, out: &mut String) {
    if out.len() > DUMP_MAX_BYTES {
        return;
    }
    let Value::Table(t) = v else {
        out.push_str(&describe(v));
        return;
    };
    let ptr = t.to_pointer();
    if seen.contains(&ptr) {
        out.push_str("<cycle>");
        return;
    }
    if depth >= DUMP_MAX_DEPTH {
        out.push_str("{...}");
        return;
    }
    let mut pairs: Vec<(Value, Value)> = t.pairs::<Value, Value>().filter_map(Result::ok).collect();
    if pairs.is_empty() {
        out.push_str("{}");
        return;
    }
    pairs.sort_by(|a, b| key_order(&a.0, &b.0));
    seen.push(ptr);
    out.push_str("{\n");
    for (key, value) in &pairs {
        if out.len() > DUMP_MAX_BYTES {
            out.push_str("...");
            break;
        }
        out.push_str(&"  ".repeat(depth + 1));
        out.push_str(&dump_key(key));
        out.push_str(" = ");
        dump(value, depth + 1, seen, out);
        out.push_str(",\n");
    }
    seen.pop();
    out.push_str(&"  ".repeat(depth));
    out.push('}');
}
