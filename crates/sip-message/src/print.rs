//! Serialisation (RFC 3261 §7) and construction of responses (§8.2.6).

use crate::header::{HeaderName, Headers, NameAddr};
use crate::message::{reason_phrase, Message, Request, Response};
use crate::method::Method;
use crate::uri::Uri;
use std::io::Write;

/// Write the header lines followed by a computed Content-Length and the
/// blank line. Content-Length is always written, exactly once and last, so
/// that the framing can never disagree with the body (RFC 3261 §18.3,
/// §20.14).
fn write_headers_and_body(headers: &Headers, body: &[u8], out: &mut Vec<u8>) {
    for h in headers.iter() {
        if h.name.matches(&HeaderName::ContentLength) {
            continue;
        }
        out.extend_from_slice(h.name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        let v = h.value.as_bytes();
        if v.iter().any(|&b| b == b'\r' || b == b'\n') {
            // A raw line break would end the header early and let the rest
            // of the value be read as new headers; write it as one line.
            out.extend(
                v.iter()
                    .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
            );
        } else {
            out.extend_from_slice(v);
        }
        out.extend_from_slice(b"\r\n");
    }
    // Writing into a Vec cannot fail.
    let _ = write!(out, "Content-Length: {}\r\n\r\n", body.len());
    out.extend_from_slice(body);
}

impl Request {
    /// An empty request (no headers, no body).
    pub fn new(method: Method, uri: Uri) -> Request {
        Request {
            method,
            uri,
            headers: Headers::default(),
            body: Vec::new(),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(512 + self.body.len());
        self.write_to(&mut out);
        out
    }

    /// Append the wire form to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let _ = write!(out, "{} {} SIP/2.0\r\n", self.method, self.uri);
        write_headers_and_body(&self.headers, &self.body, out);
    }
}

impl Response {
    /// An empty response with the standard reason phrase.
    pub fn new(status: u16) -> Response {
        Response {
            status,
            reason: reason_phrase(status).to_string(),
            headers: Headers::default(),
            body: Vec::new(),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(512 + self.body.len());
        self.write_to(&mut out);
        out
    }

    /// Append the wire form to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let reason: String = self
            .reason
            .chars()
            .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
            .collect();
        let _ = write!(out, "SIP/2.0 {:03} {}\r\n", self.status, reason);
        write_headers_and_body(&self.headers, &self.body, out);
    }
}

impl Message {
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Message::Request(r) => r.to_bytes(),
            Message::Response(r) => r.to_bytes(),
        }
    }

    pub fn write_to(&self, out: &mut Vec<u8>) {
        match self {
            Message::Request(r) => r.write_to(out),
            Message::Response(r) => r.write_to(out),
        }
    }
}

/// Build a response to `request` per RFC 3261 §8.2.6.2: Via (all lines, in
/// order), From, To, Call-ID and CSeq are copied; `to_tag` is added to To
/// when given and To has none; a 100 also copies Timestamp (§8.2.6.1). The
/// response has no body.
pub fn response_to(request: &Request, status: u16, to_tag: Option<&str>) -> Response {
    let mut resp = Response::new(status);
    let h = &mut resp.headers;
    for v in request.headers.get_all(&HeaderName::Via) {
        h.push(HeaderName::Via, v);
    }
    if let Some(v) = request.headers.get(&HeaderName::From) {
        h.push(HeaderName::From, v);
    }
    if let Some(v) = request.headers.get(&HeaderName::To) {
        let has_tag = match NameAddr::parse(v) {
            Ok(n) => n.tag().is_some(),
            // Unparseable To: only append when no tag text is visible.
            Err(_) => v.to_ascii_lowercase().contains(";tag="),
        };
        match to_tag {
            Some(tag) if !has_tag => h.push(HeaderName::To, format!("{v};tag={tag}")),
            _ => h.push(HeaderName::To, v),
        }
    }
    if let Some(v) = request.headers.get(&HeaderName::CallId) {
        h.push(HeaderName::CallId, v);
    }
    if let Some(v) = request.headers.get(&HeaderName::CSeq) {
        h.push(HeaderName::CSeq, v);
    }
    if status == 100 {
        if let Some(v) = request.headers.get(&HeaderName::Timestamp) {
            h.push(HeaderName::Timestamp, v);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse_datagram, Limits};

    fn sample() -> Request {
        let mut r = Request::new(
            Method::Invite,
            Uri::parse("sip:bob@biloxi.example.com").unwrap(),
        );
        r.headers.push(
            HeaderName::Via,
            "SIP/2.0/UDP p1;branch=z9hG4bK1, SIP/2.0/UDP p2;branch=z9hG4bK2",
        );
        r.headers
            .push(HeaderName::Via, "SIP/2.0/UDP p3;branch=z9hG4bK3");
        r.headers
            .push(HeaderName::From, "Alice <sip:alice@a.example.com>;tag=88");
        r.headers
            .push(HeaderName::To, "Bob <sip:bob@biloxi.example.com>");
        r.headers.push(HeaderName::CallId, "cid@a");
        r.headers.push(HeaderName::CSeq, "1 INVITE");
        r.headers.push(HeaderName::Timestamp, "54");
        r.headers.push(HeaderName::ContentLength, "999");
        r.headers.push(HeaderName::Other("X-Foo".into()), "bar");
        r.body = b"hello".to_vec();
        r
    }

    #[test]
    fn content_length_always_last_and_correct() {
        let r = sample();
        let bytes = r.to_bytes();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"));
        assert_eq!(text.matches("Content-Length").count(), 1);
        assert!(text.ends_with("X-Foo: bar\r\nContent-Length: 5\r\n\r\nhello"));
        let parsed = parse_datagram(&bytes, &Limits::default()).unwrap();
        assert_eq!(parsed.body(), b"hello");
    }

    #[test]
    fn response_to_copies_headers() {
        let r = sample();
        let resp = response_to(&r, 180, Some("xyz"));
        assert_eq!(resp.reason, "Ringing");
        let names: Vec<_> = resp.headers.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, vec!["Via", "Via", "From", "To", "Call-ID", "CSeq"]);
        assert_eq!(resp.to_tag().as_deref(), Some("xyz"));
        assert_eq!(resp.vias().len(), 3);
        assert!(resp.body.is_empty());
        let trying = response_to(&r, 100, None);
        assert_eq!(trying.headers.get(&HeaderName::Timestamp), Some("54"));
        assert_eq!(trying.to_tag(), None);
        // An existing To tag is kept.
        let mut r2 = r.clone();
        r2.headers
            .set(HeaderName::To, "<sip:bob@biloxi.example.com>;tag=old");
        assert_eq!(
            response_to(&r2, 200, Some("new")).to_tag().as_deref(),
            Some("old")
        );
    }

    #[test]
    fn header_injection_is_neutralised() {
        let mut r = sample();
        r.headers.push(HeaderName::Subject, "a\r\nEvil: 1");
        let text = String::from_utf8(r.to_bytes()).unwrap();
        assert!(text.contains("Subject: a  Evil: 1\r\n"));
        let mut resp = Response::new(200);
        resp.reason = "O\r\nK".into();
        assert!(String::from_utf8(resp.to_bytes())
            .unwrap()
            .starts_with("SIP/2.0 200 O  K\r\n"));
    }
}
