//! Wire parsing: one message from a UDP datagram, or framing of a byte
//! stream (TCP/TLS), per RFC 3261 §7 and §18.3.
//!
//! The head is scanned once: the start line is split, header lines are
//! unfolded and classified, and the mandatory headers are then validated
//! with the typed parsers. Header values stay text; typed accessors on the
//! message re-parse on demand.

use crate::header::{CSeq, Header, HeaderName, Headers, NameAddr, Via};
use crate::message::{Message, Request, Response};
use crate::method::Method;
use crate::syntax::{
    find_byte, is_token_byte, is_wsp, parse_decimal_u64, snippet, split_commas, trim_lws,
};
use crate::uri::Uri;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// Stream framing: more bytes are needed (only used internally and by
    /// callers that want a uniform error type; the stream parser returns
    /// `Ok(None)` instead).
    Incomplete,
    /// A limit from [`Limits`] was exceeded.
    TooLarge,
    BadStartLine,
    /// The start line names a SIP version other than 2.0; a UAS answers 505
    /// (RFC 3261 §8.2.2 via §21.5.6). The detail holds the version text.
    BadVersion,
    BadHeader,
    BadUri,
    BadVia,
    BadCSeq,
    BadContentLength,
    /// A header required by RFC 3261 §8.1.1 is absent.
    MissingHeader(&'static str),
    BadBody,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?}: {detail}")]
pub struct ParseError {
    pub kind: ParseErrorKind,
    pub detail: String,
}

impl ParseError {
    pub fn new(kind: ParseErrorKind, detail: impl Into<String>) -> ParseError {
        ParseError {
            kind,
            detail: detail.into(),
        }
    }
}

/// What was recovered from a message that failed to parse, so that a 400
/// (or 505) can still be built: RFC 3261 §8.2.6 needs Via, From, To,
/// Call-ID and CSeq copied from the request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovered {
    pub is_request: bool,
    /// The request method when the start line had a valid method token.
    pub method: Option<Method>,
    /// Every header line that was readable, verbatim (unfolded).
    pub headers: Headers,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub error: ParseError,
    pub recovered: Option<Recovered>,
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for Malformed {}

/// Resource limits applied before and during parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted message (head + body), in bytes. Default 65535, the
    /// largest UDP payload.
    pub max_message_bytes: usize,
    /// Largest number of header lines. Default 256.
    pub max_headers: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 65535,
            max_headers: 256,
        }
    }
}

fn err(kind: ParseErrorKind, detail: impl Into<String>) -> ParseError {
    ParseError::new(kind, detail)
}

fn malformed(error: ParseError) -> Malformed {
    Malformed {
        error,
        recovered: None,
    }
}

// ---------------------------------------------------------------------------
// Line scanning
// ---------------------------------------------------------------------------

/// Number of leading CR/LF bytes. RFC 3261 §7.5 says to ignore CRLFs before
/// the start line; on streams they are also the RFC 5626 §3.5.1 keep-alive.
pub fn skip_keepalives(buf: &[u8]) -> usize {
    buf.iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count()
}

#[inline]
fn find_lf(buf: &[u8], from: usize, end: usize) -> Option<usize> {
    find_byte(buf.get(from..end)?, b'\n').map(|p| from + p)
}

/// Next line in `buf[pos..end]`: (content start, content end, next pos).
/// Bare LF is tolerated as a line end, as well as CRLF.
#[inline]
fn next_line(buf: &[u8], pos: usize, end: usize) -> (usize, usize, usize) {
    let end = end.min(buf.len());
    if pos >= end {
        // Nothing left: an empty line at `pos`, so callers never slice
        // backwards.
        return (pos.min(end), pos.min(end), pos.max(end));
    }
    match find_lf(buf, pos, end) {
        Some(lf) => {
            let ce = if lf > pos && buf[lf - 1] == b'\r' {
                lf - 1
            } else {
                lf
            };
            (pos, ce, lf + 1)
        }
        None => {
            let ce = if end > pos && buf[end - 1] == b'\r' {
                end - 1
            } else {
                end
            };
            (pos, ce, end)
        }
    }
}

/// Offset just past the empty line that ends the head, if present.
fn find_head_end(buf: &[u8], from: usize, max_lines: usize) -> Result<Option<usize>, ParseError> {
    let mut pos = from;
    let mut lines = 0usize;
    while let Some(lf) = find_lf(buf, pos, buf.len()) {
        let empty = lf == pos || (lf == pos + 1 && buf[pos] == b'\r');
        if empty && pos != from {
            return Ok(Some(lf + 1));
        }
        lines += 1;
        // +1 for the start line; continuation lines are counted too, which
        // only makes the bound stricter by the number of folds.
        if lines > max_lines.saturating_add(1) {
            return Err(err(ParseErrorKind::TooLarge, "too many header lines"));
        }
        pos = lf + 1;
    }
    Ok(None)
}

fn to_text(b: &[u8]) -> std::borrow::Cow<'_, str> {
    // RFC 3261 text is UTF-8; anything else is decoded lossily rather than
    // rejected so that one odd display name does not fail a call. The strict
    // check first is much faster on the (all-ASCII) common case.
    match std::str::from_utf8(b) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

fn trim_end_wsp_len(s: &str) -> usize {
    s.bytes().rposition(|b| !is_wsp(b)).map_or(0, |p| p + 1)
}

// ---------------------------------------------------------------------------
// Start line
// ---------------------------------------------------------------------------

enum StartLine {
    Request(Method, Uri),
    Response(u16, String),
}

struct StartInfo {
    line: Result<StartLine, ParseError>,
    is_request: bool,
    method: Option<Method>,
}

fn check_version(v: &[u8]) -> Result<(), ParseError> {
    // SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT (RFC 3261 §7.1); ABNF
    // literals are case-insensitive.
    if v.eq_ignore_ascii_case(b"SIP/2.0") {
        return Ok(());
    }
    let looks_like_sip = v.len() > 4
        && v[..4].eq_ignore_ascii_case(b"SIP/")
        && v[4..].iter().all(|&b| b.is_ascii_digit() || b == b'.')
        && v[4..].iter().filter(|&&b| b == b'.').count() == 1;
    if looks_like_sip {
        Err(err(
            ParseErrorKind::BadVersion,
            format!("unsupported SIP version {}", to_text(v)),
        ))
    } else {
        Err(err(
            ParseErrorKind::BadStartLine,
            format!("invalid SIP version: {}", snippet(&to_text(v))),
        ))
    }
}

fn parse_start_line(line: &[u8]) -> StartInfo {
    let bad = |m: &str| {
        err(
            ParseErrorKind::BadStartLine,
            format!("{m}: {}", snippet(&to_text(line))),
        )
    };
    let Some(sp1) = line.iter().position(|&b| b == b' ') else {
        return StartInfo {
            line: Err(bad("malformed start line")),
            is_request: false,
            method: None,
        };
    };
    let first = &line[..sp1];
    if first.len() >= 4 && first[..4].eq_ignore_ascii_case(b"SIP/") {
        // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
        // (RFC 3261 §7.2). A missing SP after the code is tolerated (the
        // liberal reading suggested by RFC 4475 §3.1.1.13).
        let result = (|| {
            check_version(first)?;
            let rest = &line[sp1 + 1..];
            let code = rest.get(..3).ok_or_else(|| bad("truncated status code"))?;
            if !code.iter().all(u8::is_ascii_digit) {
                return Err(bad("invalid status code"));
            }
            let status = code.iter().fold(0u16, |a, &d| a * 10 + u16::from(d - b'0'));
            let reason = match rest.get(3) {
                None => &[][..],
                Some(b' ') => &rest[4..],
                Some(_) => return Err(bad("invalid status code")),
            };
            if !(100..=699).contains(&status) {
                return Err(bad("status code out of range"));
            }
            let reason = to_text(reason);
            Ok(StartLine::Response(
                status,
                reason.trim_end_matches([' ', '\t']).to_string(),
            ))
        })();
        return StartInfo {
            line: result,
            is_request: false,
            method: None,
        };
    }

    // Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 §7.1):
    // exactly single SPs, nothing trailing (RFC 4475 §3.1.2.9 lwsstart and
    // §3.1.2.10 trws are rejected).
    let method = if !first.is_empty() && first.iter().all(|&b| is_token_byte(b)) {
        // Token bytes are ASCII, so this conversion cannot fail.
        std::str::from_utf8(first).ok().map(Method::from_token)
    } else {
        None
    };
    let result = (|| {
        let rest = &line[sp1 + 1..];
        let sp2 = rest
            .iter()
            .position(|&b| b == b' ')
            .ok_or_else(|| bad("malformed request line"))?;
        let uri = &rest[..sp2];
        let version = &rest[sp2 + 1..];
        check_version(version)?;
        let m = method.clone().ok_or_else(|| bad("invalid method"))?;
        if uri.is_empty() {
            return Err(bad("empty Request-URI"));
        }
        let uri_text = std::str::from_utf8(uri)
            .map_err(|_| err(ParseErrorKind::BadUri, "Request-URI is not valid UTF-8"))?;
        let uri = Uri::parse(uri_text)?;
        // Headers are not allowed in a Request-URI (RFC 3261 §19.1.1
        // table 1; RFC 4475 §3.1.2.11 escruri).
        if !uri.headers.is_empty() {
            return Err(err(
                ParseErrorKind::BadUri,
                format!("headers in Request-URI: {}", snippet(uri_text)),
            ));
        }
        Ok(StartLine::Request(m, uri))
    })();
    StartInfo {
        line: result,
        is_request: true,
        method,
    }
}

// ---------------------------------------------------------------------------
// Head
// ---------------------------------------------------------------------------

struct Head {
    start: StartInfo,
    headers: Headers,
    /// First header-syntax error, if any (reading goes on so that as many
    /// lines as possible are recovered).
    header_error: Option<ParseError>,
    /// Offset of the first body byte.
    body_start: usize,
}

impl Head {
    fn recovered(self) -> Recovered {
        Recovered {
            is_request: self.start.is_request,
            method: self.start.method,
            headers: self.headers,
        }
    }
}

/// Parse the start line and header lines found in `buf[from..end]`. The
/// head ends at the first empty line; without one (datagram only), it runs
/// to `end`.
fn parse_head(buf: &[u8], from: usize, end: usize, limits: &Limits) -> Result<Head, Malformed> {
    let (ls, le, mut pos) = next_line(buf, from, end);
    let start = parse_start_line(&buf[ls..le]);
    let mut headers: Vec<Header> = Vec::with_capacity(16);
    let mut header_error: Option<ParseError> = None;
    let mut pending: Option<(HeaderName, String)> = None;
    let mut body_start = end;

    fn flush(pending: &mut Option<(HeaderName, String)>, headers: &mut Vec<Header>) {
        if let Some((name, mut value)) = pending.take() {
            let t = trim_end_wsp_len(&value);
            value.truncate(t);
            headers.push(Header { name, value });
        }
    }

    while pos < end {
        let (ls, le, next) = next_line(buf, pos, end);
        pos = next;
        let line = &buf[ls..le];
        let Some(&first) = line.first() else {
            // Empty line: end of head (RFC 3261 §7).
            body_start = next;
            break;
        };
        if is_wsp(first) {
            // Continuation line (LWS fold): replace the fold by one SP
            // (RFC 3261 §7.3.1).
            if line.contains(&b'\r') {
                header_error.get_or_insert_with(|| {
                    err(ParseErrorKind::BadHeader, "bare CR in a continuation line")
                });
            }
            match pending.as_mut() {
                Some((_, value)) => {
                    let t = trim_end_wsp_len(value);
                    value.truncate(t);
                    let cont = to_text(line);
                    let cont = cont.trim_start_matches([' ', '\t']);
                    if !cont.is_empty() {
                        if !value.is_empty() {
                            value.push(' ');
                        }
                        value.push_str(cont);
                    }
                }
                None => {
                    header_error.get_or_insert_with(|| {
                        err(
                            ParseErrorKind::BadHeader,
                            "continuation line without a header",
                        )
                    });
                }
            }
            continue;
        }
        flush(&mut pending, &mut headers);
        // RFC 3261 §25.1: CR appears only in the CRLF that ends a line (already removed), never
        // inside one, not even as a quoted-pair. A bare CR kept in a value would also print
        // differently than it parsed.
        if line.contains(&b'\r') {
            header_error.get_or_insert_with(|| {
                err(
                    ParseErrorKind::BadHeader,
                    format!("bare CR in header line: {}", snippet(&to_text(line))),
                )
            });
        }
        if headers.len() >= limits.max_headers {
            let recovered = Recovered {
                is_request: start.is_request,
                method: start.method,
                headers: Headers(headers),
            };
            return Err(Malformed {
                error: err(ParseErrorKind::TooLarge, "too many header lines"),
                recovered: Some(recovered),
            });
        }
        // header = field-name HCOLON field-value; HCOLON = *(SP/HTAB) ":" SWS
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            header_error.get_or_insert_with(|| {
                err(
                    ParseErrorKind::BadHeader,
                    format!("header line without ':': {}", snippet(&to_text(line))),
                )
            });
            continue;
        };
        let mut ne = colon;
        while ne > 0 && is_wsp(line[ne - 1]) {
            ne -= 1;
        }
        let name = &line[..ne];
        if name.is_empty() || !name.iter().all(|&b| is_token_byte(b)) {
            header_error.get_or_insert_with(|| {
                err(
                    ParseErrorKind::BadHeader,
                    format!("invalid header name: {}", snippet(&to_text(line))),
                )
            });
            continue;
        }
        let name = match std::str::from_utf8(name) {
            Ok(n) => HeaderName::parse(n),
            Err(_) => continue, // unreachable: token bytes are ASCII
        };
        let raw = &line[colon + 1..];
        let vs = raw.iter().position(|&b| !is_wsp(b)).unwrap_or(raw.len());
        let value = to_text(&raw[vs..]).into_owned();
        pending = Some((name, value));
    }
    flush(&mut pending, &mut headers);
    Ok(Head {
        start,
        headers: Headers(headers),
        header_error,
        body_start,
    })
}

/// Content-Length from the header list: `Ok(None)` when absent. Several
/// lines are accepted only if they agree (RFC 4475 §3.3.9 mcl01).
fn content_length(headers: &Headers) -> Result<Option<usize>, ParseError> {
    let mut found: Option<usize> = None;
    for v in headers.get_all(&HeaderName::ContentLength) {
        // Content-Length = 1*DIGIT (RFC 3261 §20.14): no sign, no garbage
        // (RFC 4475 §3.1.2.3 ncl), no overflow.
        let n = parse_decimal_u64(trim_lws(v))
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| {
                err(
                    ParseErrorKind::BadContentLength,
                    format!("invalid Content-Length: {}", snippet(v)),
                )
            })?;
        if found.is_some_and(|f| f != n) {
            return Err(err(
                ParseErrorKind::BadContentLength,
                "conflicting Content-Length headers",
            ));
        }
        found = Some(n);
    }
    Ok(found)
}

/// Header-level checks that make a message usable by the transaction and
/// dialog layers (RFC 3261 §8.1.1, §8.2, §20).
fn validate(headers: &Headers, request_method: Option<&Method>) -> Result<(), ParseError> {
    // One pass to find the headers of interest (the list is scanned once
    // instead of once per name).
    const VIA: usize = 0;
    const FROM: usize = 1;
    const TO: usize = 2;
    const CALL_ID: usize = 3;
    const CSEQ: usize = 4;
    const MAX_FWD: usize = 5;
    let mut count = [0usize; 6];
    let mut first: [Option<&str>; 6] = [None; 6];
    for h in headers.iter() {
        let slot = match h.name {
            HeaderName::Via => VIA,
            HeaderName::From => FROM,
            HeaderName::To => TO,
            HeaderName::CallId => CALL_ID,
            HeaderName::CSeq => CSEQ,
            HeaderName::MaxForwards => MAX_FWD,
            _ => continue,
        };
        count[slot] += 1;
        first[slot].get_or_insert(h.value.as_str());
    }
    // Mandatory in every request and response (RFC 3261 §8.1.1; §20 table).
    // Max-Forwards is mandatory too, but RFC 2543 peers omit it and
    // RFC 4475 §3.4.1 (inv2543) asks for backward compatibility.
    for (slot, label) in [
        (VIA, "Via"),
        (FROM, "From"),
        (TO, "To"),
        (CALL_ID, "Call-ID"),
        (CSEQ, "CSeq"),
    ] {
        if count[slot] == 0 {
            return Err(err(
                ParseErrorKind::MissingHeader(label),
                format!("missing {label} header"),
            ));
        }
    }
    // Only list-valued headers may appear more than once (RFC 3261 §7.3.1;
    // RFC 4475 §3.3.8 multi01).
    for (slot, label) in [
        (FROM, "From"),
        (TO, "To"),
        (CALL_ID, "Call-ID"),
        (CSEQ, "CSeq"),
        (MAX_FWD, "Max-Forwards"),
    ] {
        if count[slot] > 1 {
            return Err(err(
                ParseErrorKind::BadHeader,
                format!("duplicate {label} header"),
            ));
        }
    }
    let single = |slot: usize| first[slot].unwrap_or("");
    for v in headers.values(&HeaderName::Via) {
        Via::parse(v)?;
    }
    for (slot, label) in [(FROM, "From"), (TO, "To")] {
        NameAddr::parse(single(slot))
            .map_err(|e| err(ParseErrorKind::BadHeader, format!("{label}: {}", e.detail)))?;
    }
    // Call-ID = word [ "@" word ] (RFC 3261 §25.1): never empty, never LWS.
    let call_id = single(CALL_ID);
    if call_id.is_empty() || call_id.bytes().any(|b| b <= 0x20 || b == 0x7f) {
        return Err(err(
            ParseErrorKind::BadHeader,
            format!("invalid Call-ID: {}", snippet(call_id)),
        ));
    }
    let cseq = CSeq::parse(single(CSEQ))?;
    if let Some(m) = request_method {
        // The CSeq method must equal the request method (RFC 3261 §8.1.1.5;
        // RFC 4475 §3.1.2.17/18). For mismatch02 (unknown method) the RFC
        // prefers 501; the caller can see `Recovered::method` and choose.
        if &cseq.method != m {
            return Err(err(
                ParseErrorKind::BadCSeq,
                format!(
                    "CSeq method {} does not match request method {}",
                    cseq.method, m
                ),
            ));
        }
    }
    if let Some(mf) = first[MAX_FWD] {
        // Max-Forwards = 1*DIGIT, 0-255 (RFC 3261 §20.22; RFC 4475 §3.1.2.4).
        if parse_decimal_u64(mf).is_none_or(|n| n > 255) {
            return Err(err(
                ParseErrorKind::BadHeader,
                format!("invalid Max-Forwards: {}", snippet(mf)),
            ));
        }
    }
    for line in headers.get_all(&HeaderName::Contact) {
        // Contact = STAR / 1#contact-param (RFC 3261 §20.10); the remote
        // target is taken from here, so it must be usable.
        for v in split_commas(line) {
            if v != "*" {
                NameAddr::parse(v).map_err(|e| {
                    err(ParseErrorKind::BadHeader, format!("Contact: {}", e.detail))
                })?;
            }
        }
    }
    Ok(())
}

/// Turn a scanned head plus its body into a message, or a `Malformed`
/// carrying everything that was readable. Error precedence: start line,
/// header syntax, framing, then header semantics.
fn build(head: Head, body: Result<&[u8], ParseError>) -> Result<Message, Malformed> {
    let fail = |e: ParseError, head: Head| Malformed {
        error: e,
        recovered: Some(head.recovered()),
    };
    let mut head = head;
    let start = match std::mem::replace(&mut head.start.line, Err(err(ParseErrorKind::Other, ""))) {
        Ok(s) => s,
        Err(e) => return Err(fail(e, head)),
    };
    if let Some(e) = head.header_error.take() {
        return Err(fail(e, head));
    }
    let body = match body {
        Ok(b) => b,
        Err(e) => return Err(fail(e, head)),
    };
    let method = match &start {
        StartLine::Request(m, _) => Some(m),
        StartLine::Response(..) => None,
    };
    if let Err(e) = validate(&head.headers, method) {
        return Err(fail(e, head));
    }
    let headers = head.headers;
    Ok(match start {
        StartLine::Request(method, uri) => Message::Request(Request {
            method,
            uri,
            headers,
            body: body.to_vec(),
        }),
        StartLine::Response(status, reason) => Message::Response(Response {
            status,
            reason,
            headers,
            body: body.to_vec(),
        }),
    })
}

// ---------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------

/// Parse one complete datagram (UDP). Without Content-Length the body is the
/// rest of the datagram; a Content-Length smaller than what follows the head
/// truncates (the excess is noise, RFC 3261 §18.3 and RFC 4475 §3.1.1.8
/// dblreq); a larger one is `BadContentLength` (RFC 4475 §3.1.2.2 clerr).
pub fn parse_datagram(buf: &[u8], limits: &Limits) -> Result<Message, Malformed> {
    if buf.len() > limits.max_message_bytes {
        return Err(malformed(err(
            ParseErrorKind::TooLarge,
            format!(
                "datagram of {} bytes exceeds limit {}",
                buf.len(),
                limits.max_message_bytes
            ),
        )));
    }
    let from = skip_keepalives(buf);
    if from >= buf.len() {
        return Err(malformed(err(
            ParseErrorKind::Other,
            "empty datagram (keep-alive)",
        )));
    }
    let head = parse_head(buf, from, buf.len(), limits)?;
    let rest = buf.get(head.body_start..).unwrap_or(&[]);
    let body = match content_length(&head.headers) {
        Ok(None) => Ok(rest),
        Ok(Some(n)) => rest.get(..n).ok_or_else(|| {
            err(
                ParseErrorKind::BadContentLength,
                format!(
                    "Content-Length {n} exceeds the {} body bytes received",
                    rest.len()
                ),
            )
        }),
        Err(e) => Err(e),
    };
    build(head, body)
}

/// One framed stream message: the parse result and the bytes it used.
pub type Framed = (Result<Message, Malformed>, usize);

/// [`parse_stream_framed`] for a receive buffer that grows a little at a time: it remembers
/// how far it has looked for the end of the head, and the whole length once the
/// Content-Length is known, so a peer sending a message byte by byte costs linear work, not
/// a full parse per byte. Call [`StreamFramer::poll`] after each read with the whole
/// buffer, and [`StreamFramer::consumed`] after removing a framed message from its front.
#[derive(Debug, Default, Clone)]
pub struct StreamFramer {
    /// Bytes of the buffer already searched for a blank line (head not complete yet).
    scanned: usize,
    /// The head is complete: the whole first message needs this many bytes, when known.
    need: Option<usize>,
    head_complete: bool,
    full_parses: u64,
}

impl StreamFramer {
    /// A framer for an empty buffer.
    pub fn new() -> StreamFramer {
        StreamFramer::default()
    }

    /// As [`parse_stream_framed`] on `buf`, doing the full parse only when it can succeed.
    pub fn poll(&mut self, buf: &[u8], limits: &Limits) -> Result<Option<Framed>, Malformed> {
        if !self.head_complete {
            // Look only at the new bytes (and the 3 before them, for a blank line split
            // across reads). Leading keep-alive CRLFs do not end a head: the full parse
            // decides about them.
            let from = skip_keepalives(buf);
            let start = self.scanned.saturating_sub(3).max(from);
            let found = (start..buf.len()).any(|i| {
                buf[i] == b'\n'
                    && i > from
                    && (buf[i - 1] == b'\n'
                        || (buf[i - 1] == b'\r' && i >= from + 2 && buf[i - 2] == b'\n'))
            });
            self.scanned = buf.len();
            if !found {
                if from < buf.len() && buf.len() - from > limits.max_message_bytes {
                    // Let the full parse report the limit.
                    return self.full(buf, limits);
                }
                return Ok(None);
            }
            self.head_complete = true;
            self.need = head_end_and_length(buf, from, limits.max_headers);
        }
        if self.need.is_some_and(|n| buf.len() < n) {
            return Ok(None);
        }
        self.full(buf, limits)
    }

    fn full(&mut self, buf: &[u8], limits: &Limits) -> Result<Option<Framed>, Malformed> {
        self.full_parses += 1;
        parse_stream_framed(buf, limits)
    }

    /// A framed message was removed from the front of the buffer: start again.
    pub fn consumed(&mut self) {
        self.scanned = 0;
        self.need = None;
        self.head_complete = false;
    }

    /// Full parses run so far (for tests and diagnostics).
    pub fn full_parses(&self) -> u64 {
        self.full_parses
    }
}

/// The length of the first message in `buf` (head and body) when its head is complete and
/// its Content-Length is unambiguous.
fn head_end_and_length(buf: &[u8], from: usize, max_headers: usize) -> Option<usize> {
    let head_end = find_head_end(buf, from, max_headers).ok()??;
    let body = quick_content_length(buf, from, head_end)?;
    head_end.checked_add(body)
}

/// Stream framing (TCP/TLS, RFC 3261 §18.3) with the two failure levels
/// kept apart:
///
/// * `Err(_)`: the stream cannot be framed any more (bad or missing
///   Content-Length, limits exceeded); the connection should be closed.
/// * `Ok(Some((Err(_), n)))`: a complete message of `n` bytes was framed
///   but is malformed; answer 400 from `recovered` if it was a request,
///   drop `n` bytes and go on.
/// * `Ok(Some((Ok(msg), n)))`: a message of `n` bytes (including skipped
///   leading CRLF keep-alives).
/// * `Ok(None)`: more bytes are needed.
pub fn parse_stream_framed(buf: &[u8], limits: &Limits) -> Result<Option<Framed>, Malformed> {
    let from = skip_keepalives(buf);
    if from >= buf.len() {
        return Ok(None);
    }
    let too_large = || {
        malformed(err(
            ParseErrorKind::TooLarge,
            format!(
                "message exceeds limit of {} bytes",
                limits.max_message_bytes
            ),
        ))
    };
    let head_end = match find_head_end(buf, from, limits.max_headers).map_err(malformed)? {
        Some(e) => e,
        None if buf.len() - from > limits.max_message_bytes => return Err(too_large()),
        None => return Ok(None),
    };
    if head_end - from > limits.max_message_bytes {
        return Err(too_large());
    }
    // Cheap pre-check so that a large body arriving in many segments does
    // not make the whole head be re-parsed on every call.
    if let Some(n) = quick_content_length(buf, from, head_end) {
        if n > limits.max_message_bytes {
            return Err(too_large());
        }
        if buf.len() < head_end.saturating_add(n) {
            return Ok(None);
        }
    }
    let head = parse_head(buf, from, head_end, limits)?;
    let n = match content_length(&head.headers) {
        Ok(Some(n)) => n,
        // Content-Length is mandatory on streams (RFC 3261 §18.3, §20.14).
        Ok(None) => {
            return Err(Malformed {
                error: err(
                    ParseErrorKind::MissingHeader("Content-Length"),
                    "Content-Length is required on streams",
                ),
                recovered: Some(head.recovered()),
            })
        }
        Err(e) => {
            return Err(Malformed {
                error: e,
                recovered: Some(head.recovered()),
            })
        }
    };
    let total = head_end.checked_add(n).ok_or_else(too_large)?;
    if total - from > limits.max_message_bytes {
        return Err(Malformed {
            error: too_large().error,
            recovered: Some(head.recovered()),
        });
    }
    let Some(body) = buf.get(head_end..total) else {
        return Ok(None);
    };
    Ok(Some((build(head, Ok(body)), total)))
}

/// Stream framing (TCP, RFC 3261 §18.3): skips leading CRLFs (keep-alives),
/// finds the end of the head, and requires Content-Length. `Ok(None)` means
/// more bytes are needed; `Ok(Some((message, consumed)))` a full message.
/// Errors are not resumable here; use [`parse_stream_framed`] to skip a
/// well-framed but malformed message and keep the connection.
pub fn parse_stream(buf: &[u8], limits: &Limits) -> Result<Option<(Message, usize)>, Malformed> {
    match parse_stream_framed(buf, limits)? {
        None => Ok(None),
        Some((Ok(m), n)) => Ok(Some((m, n))),
        Some((Err(e), _)) => Err(e),
    }
}

/// Content-Length straight from the raw head when it is unambiguous (one
/// unfolded value, or several equal ones); `None` defers to the full parse.
fn quick_content_length(buf: &[u8], from: usize, end: usize) -> Option<usize> {
    let mut pos = from;
    let mut found: Option<usize> = None;
    let mut first = true;
    while pos < end {
        let (ls, le, next) = next_line(buf, pos, end);
        pos = next;
        let line = &buf[ls..le];
        if first {
            first = false;
            continue;
        }
        if line.is_empty() {
            // The blank line that ends the head.
            break;
        }
        if line.first().is_some_and(|&b| is_wsp(b)) {
            if found.is_some() {
                // Could be a folded Content-Length; let the full parse decide.
                return None;
            }
            continue;
        }
        let colon = line.iter().position(|&b| b == b':')?;
        let name = trim_ascii_wsp(&line[..colon]);
        if name.eq_ignore_ascii_case(b"content-length") || name.eq_ignore_ascii_case(b"l") {
            let v = std::str::from_utf8(trim_ascii_wsp(&line[colon + 1..])).ok()?;
            let n = usize::try_from(parse_decimal_u64(v)?).ok()?;
            if found.is_some_and(|f| f != n) {
                return None;
            }
            found = Some(n);
        }
    }
    found
}

fn trim_ascii_wsp(b: &[u8]) -> &[u8] {
    let s = b.iter().position(|&c| !is_wsp(c)).unwrap_or(b.len());
    let e = b.iter().rposition(|&c| !is_wsp(c)).map_or(s, |p| p + 1);
    b.get(s..e).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVITE: &str = "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@pc33.atlanta.example.com>\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 4\r\n\
\r\n\
v=0\r\n";

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn datagram_basic_and_truncation() {
        let m = parse_datagram(INVITE.as_bytes(), &limits()).unwrap();
        let Message::Request(r) = m else {
            panic!("not a request")
        };
        assert_eq!(r.method, Method::Invite);
        assert_eq!(r.body, b"v=0\r");
        assert_eq!(r.headers.len(), 9);
        assert_eq!(r.call_id(), Some("a84b4c76e66710@pc33.atlanta.example.com"));
    }

    #[test]
    fn datagram_content_length_too_big() {
        let s = INVITE.replace("Content-Length: 4", "Content-Length: 40");
        let e = parse_datagram(s.as_bytes(), &limits()).unwrap_err();
        assert_eq!(e.error.kind, ParseErrorKind::BadContentLength);
        assert!(e.recovered.unwrap().headers.get(&HeaderName::Via).is_some());
    }

    #[test]
    fn datagram_without_content_length_takes_rest() {
        let s = INVITE.replace("Content-Length: 4\r\n", "");
        let m = parse_datagram(s.as_bytes(), &limits()).unwrap();
        assert_eq!(m.body(), b"v=0\r\n");
    }

    #[test]
    fn bare_lf_and_leading_crlf() {
        let s = format!("\r\n\r\n{}", INVITE.replace("\r\n", "\n"));
        let m = parse_datagram(s.as_bytes(), &limits()).unwrap();
        assert_eq!(m.body(), b"v=0\n");
    }

    #[test]
    fn bare_cr_inside_a_header_is_rejected_with_headers_recovered() {
        let msg = b"INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9\rhG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
        let e = parse_datagram(msg, &Limits::default()).unwrap_err();
        assert_eq!(e.error.kind, ParseErrorKind::BadHeader);
        let recovered = e.recovered.unwrap();
        assert!(recovered.headers.get(&HeaderName::CallId).is_some());
        assert!(recovered.headers.get(&HeaderName::CSeq).is_some());
    }

    #[test]
    fn folding() {
        let s = INVITE.replace(
            "Max-Forwards: 70\r\n",
            "Subject: a  \r\n \t b\r\n\tc\r\nMax-Forwards: 70\r\n",
        );
        let m = parse_datagram(s.as_bytes(), &limits()).unwrap();
        assert_eq!(m.headers().get(&HeaderName::Subject), Some("a b c"));
    }

    #[test]
    fn stream_framing() {
        let l = limits();
        let b = INVITE.as_bytes();
        // Content-Length 4 leaves the final "\n" outside the message.
        for cut in 0..b.len() - 1 {
            assert!(parse_stream(&b[..cut], &l).unwrap().is_none(), "cut {cut}");
        }
        assert_eq!(
            parse_stream(&b[..b.len() - 1], &l).unwrap().unwrap().1,
            b.len() - 1
        );
        let mut two = b"\r\n\r\n".to_vec();
        two.extend_from_slice(b);
        two.extend_from_slice(b);
        let (m, n) = parse_stream(&two, &l).unwrap().unwrap();
        assert_eq!(n, 4 + b.len() - 1);
        assert_eq!(m.body(), b"v=0\r");
        // Next message starts with the byte that the first one's
        // Content-Length left over ("\n"), which is skipped as keep-alive.
        let (_, n2) = parse_stream(&two[n..], &l).unwrap().unwrap();
        assert_eq!(n + n2, two.len() - 1);
    }

    #[test]
    fn stream_requires_content_length() {
        let s = INVITE.replace("Content-Length: 4\r\n", "");
        let e = parse_stream(s.as_bytes(), &limits()).unwrap_err();
        assert_eq!(
            e.error.kind,
            ParseErrorKind::MissingHeader("Content-Length")
        );
    }

    #[test]
    fn stream_limits() {
        let l = Limits {
            max_message_bytes: 100,
            max_headers: 256,
        };
        let junk = vec![b'a'; 200];
        assert_eq!(
            parse_stream(&junk, &l).unwrap_err().error.kind,
            ParseErrorKind::TooLarge
        );
        let l = Limits {
            max_message_bytes: 65535,
            max_headers: 3,
        };
        let e = parse_stream(INVITE.as_bytes(), &l).unwrap_err();
        assert_eq!(e.error.kind, ParseErrorKind::TooLarge);
        let huge = INVITE.replace("Content-Length: 4", "Content-Length: 99999999");
        let e = parse_stream(huge.as_bytes(), &limits()).unwrap_err();
        assert_eq!(e.error.kind, ParseErrorKind::TooLarge);
    }

    #[test]
    fn stream_malformed_message_is_skippable() {
        let s = INVITE.replace("CSeq: 314159 INVITE", "CSeq: 314159 BYE");
        let mut b = s.into_bytes();
        b.extend_from_slice(INVITE.as_bytes());
        let (r, n) = parse_stream_framed(&b, &limits()).unwrap().unwrap();
        assert_eq!(r.unwrap_err().error.kind, ParseErrorKind::BadCSeq);
        let (r, _) = parse_stream_framed(&b[n..], &limits()).unwrap().unwrap();
        assert!(r.is_ok());
    }

    #[test]
    fn versions() {
        let s = INVITE.replace("SIP/2.0\r\n", "SIP/3.0\r\n");
        let e = parse_datagram(s.as_bytes(), &limits()).unwrap_err();
        assert_eq!(e.error.kind, ParseErrorKind::BadVersion);
        assert!(e.error.detail.contains("SIP/3.0"));
        let r = e.recovered.unwrap();
        assert!(r.is_request);
        assert_eq!(r.method, Some(Method::Invite));
        let s = INVITE.replace("SIP/2.0\r\n", "HTTP/1.1\r\n");
        assert_eq!(
            parse_datagram(s.as_bytes(), &limits())
                .unwrap_err()
                .error
                .kind,
            ParseErrorKind::BadStartLine
        );
        let s = INVITE.replace("SIP/2.0\r\n", "sip/2.0\r\n");
        assert!(parse_datagram(s.as_bytes(), &limits()).is_ok());
    }

    #[test]
    fn responses() {
        let s = "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
        let Message::Response(r) = parse_datagram(s.as_bytes(), &limits()).unwrap() else {
            panic!()
        };
        assert_eq!(r.status, 180);
        assert_eq!(r.reason, "Ringing");
        for bad in [
            "SIP/2.0 99 x",
            "SIP/2.0 700 x",
            "SIP/2.0 2000 x",
            "SIP/2.0 20 x",
            "SIP/2.0",
        ] {
            let t = s.replacen("SIP/2.0 180 Ringing", bad, 1);
            assert_eq!(
                parse_datagram(t.as_bytes(), &limits())
                    .unwrap_err()
                    .error
                    .kind,
                ParseErrorKind::BadStartLine,
                "{bad}"
            );
        }
        let t = s.replacen("SIP/2.0 180 Ringing", "SIP/2.0 180", 1);
        let Message::Response(r) = parse_datagram(t.as_bytes(), &limits()).unwrap() else {
            panic!()
        };
        assert_eq!(r.reason, "");
    }

    #[test]
    fn bad_header_lines_are_reported_but_recovered() {
        let s = INVITE.replace("Max-Forwards: 70\r\n", "Max Forwards 70\r\nBad Name: x\r\n");
        let e = parse_datagram(s.as_bytes(), &limits()).unwrap_err();
        assert_eq!(e.error.kind, ParseErrorKind::BadHeader);
        let r = e.recovered.unwrap();
        assert_eq!(r.headers.len(), 8);
        assert!(r.headers.get(&HeaderName::CSeq).is_some());
    }

    #[test]
    fn limits_enforced_for_datagrams() {
        let l = Limits {
            max_message_bytes: 10,
            max_headers: 256,
        };
        assert_eq!(
            parse_datagram(INVITE.as_bytes(), &l)
                .unwrap_err()
                .error
                .kind,
            ParseErrorKind::TooLarge
        );
        let l = Limits {
            max_message_bytes: 65535,
            max_headers: 5,
        };
        assert_eq!(
            parse_datagram(INVITE.as_bytes(), &l)
                .unwrap_err()
                .error
                .kind,
            ParseErrorKind::TooLarge
        );
        assert_eq!(
            parse_datagram(b"\r\n\r\n", &limits())
                .unwrap_err()
                .error
                .kind,
            ParseErrorKind::Other
        );
        assert!(parse_datagram(b"", &limits()).is_err());
    }

    #[test]
    fn content_length_garbage() {
        for v in ["-1", "five", "1 2", "99999999999999999999999", "+3", ""] {
            let s = INVITE.replace("Content-Length: 4", &format!("Content-Length: {v}"));
            let e = parse_datagram(s.as_bytes(), &limits()).unwrap_err();
            assert_eq!(e.error.kind, ParseErrorKind::BadContentLength, "{v}");
        }
    }

    #[test]
    fn max_forwards_range() {
        let s = INVITE.replace("Max-Forwards: 70", "Max-Forwards: 256");
        assert_eq!(
            parse_datagram(s.as_bytes(), &limits())
                .unwrap_err()
                .error
                .kind,
            ParseErrorKind::BadHeader
        );
        let s = INVITE.replace("Max-Forwards: 70", "Max-Forwards: 255");
        assert!(parse_datagram(s.as_bytes(), &limits()).is_ok());
    }
}
