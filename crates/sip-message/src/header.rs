//! Header names, the ordered header list, and the typed header values used
//! by the transaction layer and call engine (name-addr, Via, CSeq).
//!
//! Header values are stored as text; typed views are parsed on demand.

use crate::method::Method;
use crate::parse::{ParseError, ParseErrorKind};
use crate::syntax::{
    find_byte, find_param, is_token_byte, is_wsp, parse_decimal_u64, parse_params, quoted_end,
    set_param, skip_wsp, snippet, split_commas, sub, tail, trim_lws, unescape_quoted, write_params,
};
use crate::uri::{parse_port, validate_hostname, validate_ipv6_reference, Param, Uri};
use std::fmt;

fn bad_header(msg: &str, input: &str) -> ParseError {
    ParseError::new(
        ParseErrorKind::BadHeader,
        format!("{msg}: {}", snippet(input)),
    )
}

// ---------------------------------------------------------------------------
// name-addr / addr-spec
// ---------------------------------------------------------------------------

/// `( name-addr / addr-spec ) *( SEMI param )` as used by From, To,
/// Contact, Route, Record-Route, Refer-To, P-Asserted-Identity
/// (RFC 3261 §20.10, §25.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr {
    /// Display name, unquoted and with `quoted-pair` escapes removed.
    pub display: Option<String>,
    pub uri: Uri,
    /// Header parameters (e.g. `tag`, `expires`, `q`), values as written.
    pub params: Vec<Param>,
}

impl NameAddr {
    /// A name-addr without display name or parameters.
    pub fn new(uri: Uri) -> NameAddr {
        NameAddr {
            display: None,
            uri,
            params: Vec::new(),
        }
    }

    /// Parse one value (already separated from its siblings by
    /// [`Headers::values`]).
    pub fn parse(s: &str) -> Result<NameAddr, ParseError> {
        let s = trim_lws(s);
        let b = s.as_bytes();
        if b.is_empty() {
            return Err(bad_header("empty address", s));
        }
        let (display, lt) = if b[0] == b'"' {
            let e = quoted_end(b, 0)
                .ok_or_else(|| bad_header("unterminated quoted display name", s))?;
            let inner = sub(s, 1, e.saturating_sub(1));
            let lt = skip_wsp(b, e);
            if b.get(lt) != Some(&b'<') {
                return Err(bad_header("expected '<' after display name", s));
            }
            (Some(unescape_quoted(inner)), lt)
        } else if b[0] == b'<' {
            (None, 0)
        } else {
            // display-name as *(token LWS). RFC 4475 §3.1.1.6 (lwsdisp): no
            // LWS is required before '<'. Non-ASCII bytes are tolerated so
            // that unquoted UTF-8 names from real peers are not rejected.
            let mut i = 0;
            while i < b.len() && (is_token_byte(b[i]) || is_wsp(b[i]) || b[i] >= 0x80) {
                i += 1;
            }
            if b.get(i) == Some(&b'<') {
                let d = trim_lws(sub(s, 0, i));
                (
                    if d.is_empty() {
                        None
                    } else {
                        Some(d.to_string())
                    },
                    i,
                )
            } else {
                return Self::parse_addr_spec(s);
            }
        };
        let rest = tail(s, lt + 1);
        let gt = find_byte(rest.as_bytes(), b'>').ok_or_else(|| bad_header("missing '>'", s))?;
        // RAQUOT / LAQUOT (RFC 3261 §25.1) allow no white space inside the
        // brackets, so the URI is parsed exactly as enclosed (RFC 4475
        // §3.1.2.14 badaspec).
        let uri = Uri::parse(sub(rest, 0, gt))?;
        let params = parse_params(tail(rest, gt + 1)).map_err(|e| bad_header(&e, s))?;
        Ok(NameAddr {
            display,
            uri,
            params,
        })
    }

    fn parse_addr_spec(s: &str) -> Result<NameAddr, ParseError> {
        // In addr-spec form, everything after the first ';' is a header
        // parameter, and a URI containing ',', '?' or ';' must use the
        // name-addr form (RFC 3261 §20.10; RFC 4475 §3.1.2.13 regbadct).
        let b = s.as_bytes();
        let end = b
            .iter()
            .position(|&c| c == b';' || is_wsp(c))
            .unwrap_or(b.len());
        let u = sub(s, 0, end);
        if u.contains(['?', ',']) {
            return Err(bad_header(
                "addr-spec with '?' or ',' must be enclosed in <>",
                s,
            ));
        }
        let uri = Uri::parse(u)?;
        let params = parse_params(tail(s, end)).map_err(|e| bad_header(&e, s))?;
        Ok(NameAddr {
            display: None,
            uri,
            params,
        })
    }

    /// The `tag` parameter (RFC 3261 §19.3).
    pub fn tag(&self) -> Option<&str> {
        self.param("tag").flatten()
    }

    /// Header parameter by case-insensitive name.
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        find_param(&self.params, name)
    }

    /// Set (replace or append) a header parameter.
    pub fn set_param(&mut self, name: &str, value: Option<&str>) {
        set_param(&mut self.params, name, value);
    }
}

impl fmt::Display for NameAddr {
    /// Always the name-addr form: the brackets make URI parameters
    /// unambiguous (RFC 3261 §20.10).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.display {
            f.write_str("\"")?;
            for c in d.chars() {
                // Only '"' and '\' need a quoted-pair; CR/LF cannot be
                // represented and are dropped to keep the header on one line.
                match c {
                    '"' | '\\' => write!(f, "\\{c}")?,
                    '\r' | '\n' => {}
                    c => write!(f, "{c}")?,
                }
            }
            f.write_str("\" ")?;
        }
        write!(f, "<{}>", self.uri)?;
        write_params(f, &self.params)
    }
}

// ---------------------------------------------------------------------------
// Via
// ---------------------------------------------------------------------------

/// One `via-parm` (RFC 3261 §20.42, §25.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    /// `protocol-name "/" protocol-version`, white space removed (normally
    /// `SIP/2.0`).
    pub protocol: String,
    /// Transport token as written (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`, ...).
    pub transport: String,
    /// sent-by host; IPv6 references keep their brackets.
    pub host: String,
    pub port: Option<u16>,
    pub params: Vec<Param>,
}

fn bad_via(msg: &str, input: &str) -> ParseError {
    ParseError::new(ParseErrorKind::BadVia, format!("{msg}: {}", snippet(input)))
}

impl Via {
    /// A `SIP/2.0/<transport>` Via with a branch parameter.
    pub fn new(transport: &str, host: &str, port: Option<u16>, branch: &str) -> Via {
        Via {
            protocol: "SIP/2.0".to_string(),
            transport: transport.to_string(),
            host: host.to_string(),
            port,
            params: vec![Param::new("branch", Some(branch))],
        }
    }

    /// Parse one via-parm. SLASH and COLON allow white space on both sides
    /// (RFC 3261 §25.1; RFC 4475 §3.1.1.1 exercises this).
    pub fn parse(s: &str) -> Result<Via, ParseError> {
        let s = trim_lws(s);
        let b = s.as_bytes();
        let token = |i: usize| {
            let mut j = i;
            while j < b.len() && is_token_byte(b[j]) {
                j += 1;
            }
            j
        };
        let slash = |i: usize| -> Result<usize, ParseError> {
            let i = skip_wsp(b, i);
            if b.get(i) != Some(&b'/') {
                return Err(bad_via("expected '/' in sent-protocol", s));
            }
            Ok(skip_wsp(b, i + 1))
        };
        let e = token(0);
        if e == 0 {
            return Err(bad_via("missing protocol name", s));
        }
        let name = sub(s, 0, e);
        let vs = slash(e)?;
        let ve = token(vs);
        if ve == vs {
            return Err(bad_via("missing protocol version", s));
        }
        let version = sub(s, vs, ve);
        let ts = slash(ve)?;
        let te = token(ts);
        if te == ts {
            return Err(bad_via("missing transport", s));
        }
        let transport = sub(s, ts, te);
        let hs = skip_wsp(b, te);
        if hs == te {
            return Err(bad_via("missing white space before sent-by", s));
        }
        let (host, mut i) = if b.get(hs) == Some(&b'[') {
            let close = tail(s, hs)
                .find(']')
                .map(|c| hs + c)
                .ok_or_else(|| bad_via("unterminated IPv6 reference", s))?;
            let r = sub(s, hs, close + 1);
            validate_ipv6_reference(r).map_err(|_| bad_via("invalid IPv6 reference", s))?;
            (r, close + 1)
        } else {
            let mut j = hs;
            while j < b.len()
                && (b[j].is_ascii_alphanumeric() || matches!(b[j], b'-' | b'.' | b'_'))
            {
                j += 1;
            }
            let h = sub(s, hs, j);
            validate_hostname(h).map_err(|_| bad_via("invalid sent-by host", s))?;
            (h, j)
        };
        let mut port = None;
        let j = skip_wsp(b, i);
        if b.get(j) == Some(&b':') {
            let ps = skip_wsp(b, j + 1);
            let mut pe = ps;
            while pe < b.len() && b[pe].is_ascii_digit() {
                pe += 1;
            }
            port =
                Some(parse_port(sub(s, ps, pe)).map_err(|_| bad_via("invalid sent-by port", s))?);
            i = pe;
        }
        let params = parse_params(tail(s, i)).map_err(|e| bad_via(&e, s))?;
        Ok(Via {
            protocol: [name, "/", version].concat(),
            transport: transport.to_string(),
            host: host.to_string(),
            port,
            params,
        })
    }

    /// The `branch` parameter (RFC 3261 §8.1.1.7).
    pub fn branch(&self) -> Option<&str> {
        self.param("branch").flatten()
    }

    /// Parameter by case-insensitive name.
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        find_param(&self.params, name)
    }

    /// Set (replace or append) a parameter, e.g. `received` / `rport`
    /// (RFC 3261 §18.2.1, RFC 3581 §4).
    pub fn set_param(&mut self, name: &str, value: Option<&str>) {
        set_param(&mut self.params, name, value);
    }

    /// The sent-by port, defaulting to 5060, or 5061 for TLS
    /// (RFC 3261 §18.2.2).
    pub fn sent_by_port(&self) -> u16 {
        self.port
            .unwrap_or(if self.transport.eq_ignore_ascii_case("TLS") {
                5061
            } else {
                5060
            })
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{} {}", self.protocol, self.transport, self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write_params(f, &self.params)
    }
}

// ---------------------------------------------------------------------------
// CSeq
// ---------------------------------------------------------------------------

/// `CSeq = 1*DIGIT LWS Method` (RFC 3261 §20.16).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CSeq {
    pub seq: u32,
    pub method: Method,
}

impl CSeq {
    pub fn new(seq: u32, method: Method) -> CSeq {
        CSeq { seq, method }
    }

    /// Parse a CSeq value; sequence numbers that do not fit 32 bits are
    /// rejected (RFC 3261 §8.1.1.5; RFC 4475 §3.1.2.4 scalar02).
    pub fn parse(s: &str) -> Result<CSeq, ParseError> {
        let bad =
            |m: &str| ParseError::new(ParseErrorKind::BadCSeq, format!("{m}: {}", snippet(s)));
        let t = trim_lws(s);
        let b = t.as_bytes();
        let mut i = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let seq = parse_decimal_u64(sub(t, 0, i))
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| bad("invalid sequence number"))?;
        let ms = skip_wsp(b, i);
        if ms == i {
            return Err(bad("missing method"));
        }
        let method = tail(t, ms);
        if method.is_empty() || !method.bytes().all(is_token_byte) {
            return Err(bad("invalid method"));
        }
        Ok(CSeq {
            seq,
            method: Method::from_token(method),
        })
    }
}

impl fmt::Display for CSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

// ---------------------------------------------------------------------------
// Header names
// ---------------------------------------------------------------------------

/// Canonical header names. Matching is case-insensitive (RFC 3261 §7.3.1);
/// compact forms (RFC 3261 §7.3.3 and the IANA registry) map to the full
/// name. Unknown names are kept as written in `Other`; registered compact
/// forms whose full name has no variant here become `Other(full name)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HeaderName {
    Via,
    From,
    To,
    CallId,
    CSeq,
    Contact,
    ContentLength,
    ContentType,
    ContentEncoding,
    MaxForwards,
    Route,
    RecordRoute,
    Require,
    Supported,
    Unsupported,
    ProxyRequire,
    Allow,
    Accept,
    Reason,
    Privacy,
    PAssertedIdentity,
    RSeq,
    RAck,
    Expires,
    UserAgent,
    Server,
    Subject,
    Event,
    ReferTo,
    Timestamp,
    Other(String),
}

/// Known full names, looked up by length first so that classifying a
/// header costs one or two comparisons.
fn known_header(name: &str) -> Option<HeaderName> {
    use HeaderName::*;
    let eq = |s: &str| name.eq_ignore_ascii_case(s);
    Some(match name.len() {
        2 if eq("To") => To,
        3 if eq("Via") => Via,
        4 if eq("From") => From,
        4 if eq("CSeq") => CSeq,
        4 if eq("RSeq") => RSeq,
        4 if eq("RAck") => RAck,
        5 if eq("Route") => Route,
        5 if eq("Allow") => Allow,
        5 if eq("Event") => Event,
        6 if eq("Accept") => Accept,
        6 if eq("Reason") => Reason,
        6 if eq("Server") => Server,
        7 if eq("Contact") => Contact,
        7 if eq("Call-ID") => CallId,
        7 if eq("Require") => Require,
        7 if eq("Expires") => Expires,
        7 if eq("Privacy") => Privacy,
        7 if eq("Subject") => Subject,
        8 if eq("Refer-To") => ReferTo,
        9 if eq("Supported") => Supported,
        9 if eq("Timestamp") => Timestamp,
        10 if eq("User-Agent") => UserAgent,
        11 if eq("Unsupported") => Unsupported,
        12 if eq("Max-Forwards") => MaxForwards,
        12 if eq("Content-Type") => ContentType,
        12 if eq("Record-Route") => RecordRoute,
        13 if eq("Proxy-Require") => ProxyRequire,
        14 if eq("Content-Length") => ContentLength,
        16 if eq("Content-Encoding") => ContentEncoding,
        19 if eq("P-Asserted-Identity") => PAssertedIdentity,
        _ => return None,
    })
}

impl HeaderName {
    /// Classify a header name as written on the wire.
    pub fn parse(name: &str) -> HeaderName {
        if name.len() == 1 {
            // Compact forms: RFC 3261 §7.3.3 plus the IANA SIP header
            // registry (RFC 3265/6665 o,u; RFC 3515 r; RFC 3892 b;
            // RFC 4028 x; RFC 8224 y; RFC 3841 a,j,d).
            let full = match name.as_bytes()[0].to_ascii_lowercase() {
                b'i' => return HeaderName::CallId,
                b'm' => return HeaderName::Contact,
                b'f' => return HeaderName::From,
                b't' => return HeaderName::To,
                b'v' => return HeaderName::Via,
                b'l' => return HeaderName::ContentLength,
                b'c' => return HeaderName::ContentType,
                b'e' => return HeaderName::ContentEncoding,
                b'k' => return HeaderName::Supported,
                b's' => return HeaderName::Subject,
                b'o' => return HeaderName::Event,
                b'r' => return HeaderName::ReferTo,
                b'u' => "Allow-Events",
                b'b' => "Referred-By",
                b'x' => "Session-Expires",
                b'y' => "Identity",
                b'a' => "Accept-Contact",
                b'j' => "Reject-Contact",
                b'd' => "Request-Disposition",
                _ => return HeaderName::Other(name.to_string()),
            };
            return HeaderName::Other(full.to_string());
        }
        known_header(name).unwrap_or_else(|| HeaderName::Other(name.to_string()))
    }

    /// Canonical full name (`Call-ID`, `CSeq`, `P-Asserted-Identity`, ...);
    /// for `Other`, the name as stored.
    pub fn as_str(&self) -> &str {
        match self {
            HeaderName::Via => "Via",
            HeaderName::From => "From",
            HeaderName::To => "To",
            HeaderName::CallId => "Call-ID",
            HeaderName::CSeq => "CSeq",
            HeaderName::Contact => "Contact",
            HeaderName::ContentLength => "Content-Length",
            HeaderName::ContentType => "Content-Type",
            HeaderName::ContentEncoding => "Content-Encoding",
            HeaderName::MaxForwards => "Max-Forwards",
            HeaderName::Route => "Route",
            HeaderName::RecordRoute => "Record-Route",
            HeaderName::Require => "Require",
            HeaderName::Supported => "Supported",
            HeaderName::Unsupported => "Unsupported",
            HeaderName::ProxyRequire => "Proxy-Require",
            HeaderName::Allow => "Allow",
            HeaderName::Accept => "Accept",
            HeaderName::Reason => "Reason",
            HeaderName::Privacy => "Privacy",
            HeaderName::PAssertedIdentity => "P-Asserted-Identity",
            HeaderName::RSeq => "RSeq",
            HeaderName::RAck => "RAck",
            HeaderName::Expires => "Expires",
            HeaderName::UserAgent => "User-Agent",
            HeaderName::Server => "Server",
            HeaderName::Subject => "Subject",
            HeaderName::Event => "Event",
            HeaderName::ReferTo => "Refer-To",
            HeaderName::Timestamp => "Timestamp",
            HeaderName::Other(s) => s,
        }
    }

    /// Name equality as SIP defines it: case-insensitive, and an `Other`
    /// spelling of a known name matches the known variant.
    pub fn matches(&self, other: &HeaderName) -> bool {
        match (self, other) {
            (HeaderName::Other(a), HeaderName::Other(b)) => a.eq_ignore_ascii_case(b),
            (HeaderName::Other(_), _) | (_, HeaderName::Other(_)) => {
                self.as_str().eq_ignore_ascii_case(other.as_str())
            }
            (a, b) => a == b,
        }
    }
}

impl fmt::Display for HeaderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------
// Header list
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: HeaderName,
    pub value: String,
}

/// Ordered header list. Values are kept verbatim (unfolded: each line fold
/// becomes one SP, RFC 3261 §7.3.1; and trimmed). A line carrying several
/// comma-separated values stays one [`Header`]; [`Headers::values`] splits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Headers(pub Vec<Header>);

impl Headers {
    pub fn new() -> Headers {
        Headers(Vec::new())
    }

    /// First header line with this name.
    pub fn get(&self, name: &HeaderName) -> Option<&str> {
        self.0
            .iter()
            .find(|h| h.name.matches(name))
            .map(|h| h.value.as_str())
    }

    /// Every header line with this name, in order.
    pub fn get_all<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a str> {
        self.0
            .iter()
            .filter(move |h| h.name.matches(name))
            .map(|h| h.value.as_str())
    }

    /// All comma-separated values of all lines with this name, in order.
    /// Commas inside quoted strings or `<...>` do not split (RFC 3261
    /// §7.3.1); empty elements are skipped.
    pub fn values(&self, name: &HeaderName) -> Vec<&str> {
        self.0
            .iter()
            .filter(|h| h.name.matches(name))
            .flat_map(|h| split_commas(&h.value))
            .collect()
    }

    /// Number of header lines with this name.
    pub fn count(&self, name: &HeaderName) -> usize {
        self.0.iter().filter(|h| h.name.matches(name)).count()
    }

    pub fn contains(&self, name: &HeaderName) -> bool {
        self.0.iter().any(|h| h.name.matches(name))
    }

    /// Append a header line.
    pub fn push(&mut self, name: HeaderName, value: impl Into<String>) {
        self.0.push(Header {
            name,
            value: value.into(),
        });
    }

    /// Insert a header line before all others (e.g. a new top Via,
    /// RFC 3261 §16.6 step 8).
    pub fn push_front(&mut self, name: HeaderName, value: impl Into<String>) {
        self.0.insert(
            0,
            Header {
                name,
                value: value.into(),
            },
        );
    }

    /// Replace all lines with this name by one line, kept at the position
    /// of the first existing line (or appended).
    pub fn set(&mut self, name: HeaderName, value: impl Into<String>) {
        let value = value.into();
        match self.0.iter().position(|h| h.name.matches(&name)) {
            Some(pos) => {
                self.0[pos] = Header {
                    name: name.clone(),
                    value,
                };
                let mut idx = 0;
                self.0.retain(|h| {
                    let keep = idx <= pos || !h.name.matches(&name);
                    idx += 1;
                    keep
                });
            }
            None => self.0.push(Header { name, value }),
        }
    }

    /// Remove every line with this name.
    pub fn remove(&mut self, name: &HeaderName) {
        self.0.retain(|h| !h.name.matches(name));
    }

    /// Whether any value of this header equals `token` case-insensitively,
    /// ignoring parameters (e.g. `Require: 100rel`, `Supported: timer`).
    pub fn has_token(&self, name: &HeaderName, token: &str) -> bool {
        self.0
            .iter()
            .filter(|h| h.name.matches(name))
            .flat_map(|h| split_commas(&h.value))
            .any(|v| {
                let t = v.split(';').next().unwrap_or("");
                trim_lws(t).eq_ignore_ascii_case(token)
            })
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Header> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = &'a Header;
    type IntoIter = std::slice::Iter<'a, Header>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uri::Scheme;

    #[test]
    fn name_addr_forms() {
        let n = NameAddr::parse(
            "\"Alice \\\"A\\\" Smith\" <sip:alice@atlanta.example.com>;tag=1928301774",
        )
        .unwrap();
        assert_eq!(n.display.as_deref(), Some("Alice \"A\" Smith"));
        assert_eq!(n.uri.user.as_deref(), Some("alice"));
        assert_eq!(n.tag(), Some("1928301774"));
        assert_eq!(
            n.to_string(),
            "\"Alice \\\"A\\\" Smith\" <sip:alice@atlanta.example.com>;tag=1928301774"
        );
        assert_eq!(NameAddr::parse(&n.to_string()).unwrap(), n);

        let n = NameAddr::parse("Bob Two Words <sip:bob@b.example.com;transport=tcp>;expires=60")
            .unwrap();
        assert_eq!(n.display.as_deref(), Some("Bob Two Words"));
        assert_eq!(n.uri.param("transport"), Some(Some("tcp")));
        assert_eq!(n.param("expires"), Some(Some("60")));

        let n = NameAddr::parse("<sip:a@b;lr>").unwrap();
        assert_eq!(n.display, None);
        assert_eq!(n.uri.param("lr"), Some(None));
        assert!(n.params.is_empty());

        // lwsdisp (RFC 4475 §3.1.1.6)
        let n = NameAddr::parse("caller<sip:caller@example.com>;tag=323").unwrap();
        assert_eq!(n.display.as_deref(), Some("caller"));
        assert_eq!(n.tag(), Some("323"));
    }

    #[test]
    fn addr_spec_params_belong_to_header() {
        // RFC 3261 §20.10
        let n = NameAddr::parse("sip:+19725552222@gw1.example.net;unknownparam;tag=x").unwrap();
        assert!(n.uri.params.is_empty());
        assert_eq!(n.param("unknownparam"), Some(None));
        assert_eq!(n.tag(), Some("x"));
        let n =
            NameAddr::parse("sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n").unwrap();
        assert_eq!(n.tag(), Some("1918181833n"));
        assert_eq!(n.uri.host, "chair-dnrc.example.com");
        assert_eq!(
            n.to_string(),
            "<sip:vivekg@chair-dnrc.example.com>;tag=1918181833n"
        );
        // regbadct (RFC 4475 §3.1.2.13)
        assert!(NameAddr::parse("sip:user@example.com?Route=%3Csip:sip.example.com%3E").is_err());
        // ... but fine in name-addr form (regescrt, §3.3.14)
        let n = NameAddr::parse("<sip:user@example.com?Route=%3Csip:sip.example.com%3E>").unwrap();
        assert_eq!(n.uri.headers.len(), 1);
    }

    #[test]
    fn name_addr_errors() {
        assert!(NameAddr::parse("\"Mr. J. User <sip:j.user@example.com>").is_err());
        assert!(NameAddr::parse("\"Watson, Thomas\" < sip:t.watson@example.org >").is_err());
        assert!(NameAddr::parse("Bell, Alexander <sip:a.g.bell@example.com>;tag=43").is_err());
        assert!(NameAddr::parse("\"Joe\" <sip:joe@example.org>;;;;").is_err());
        assert!(NameAddr::parse("<sip:a@b").is_err());
        assert!(NameAddr::parse("<sip:a@b> junk").is_err());
        assert!(NameAddr::parse("").is_err());
    }

    #[test]
    fn name_addr_commas_and_semicolons_in_quotes() {
        let n = NameAddr::parse("\"a, b; c\" <sip:x@y>;p=\"q;r,s\"").unwrap();
        assert_eq!(n.display.as_deref(), Some("a, b; c"));
        assert_eq!(n.param("p"), Some(Some("\"q;r,s\"")));
    }

    #[test]
    fn other_scheme_name_addr() {
        let n = NameAddr::parse("<http://www.example.com>;tag=3234233").unwrap();
        assert_eq!(n.uri.scheme, Scheme::Other("http".into()));
        assert_eq!(n.tag(), Some("3234233"));
        let n = NameAddr::parse("isbn:2983792873").unwrap();
        assert_eq!(n.uri.scheme, Scheme::Other("isbn".into()));
    }

    #[test]
    fn via_forms() {
        let v = Via::parse("SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport").unwrap();
        assert_eq!(v.protocol, "SIP/2.0");
        assert_eq!(v.transport, "UDP");
        assert_eq!(v.host, "pc33.atlanta.example.com");
        assert_eq!(v.port, Some(5066));
        assert_eq!(v.branch(), Some("z9hG4bK776asdhds"));
        assert_eq!(v.param("RECEIVED"), Some(Some("192.0.2.1")));
        assert_eq!(v.param("rport"), Some(None));
        assert_eq!(v.to_string(), "SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport");
        assert_eq!(Via::parse(&v.to_string()).unwrap(), v);

        let v = Via::parse("SIP  /   2.0 /UDP 192.0.2.2;branch=390skdjuw").unwrap();
        assert_eq!(v.protocol, "SIP/2.0");
        assert_eq!(v.host, "192.0.2.2");
        assert_eq!(v.sent_by_port(), 5060);
        let v = Via::parse("SIP / 2.0 / TLS [2001:db8::9:1] : 5071 ; branch = z9hG4bKx").unwrap();
        assert_eq!(v.host, "[2001:db8::9:1]");
        assert_eq!(v.port, Some(5071));
        assert_eq!(v.branch(), Some("z9hG4bKx"));
        let v = Via::parse("SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj").unwrap();
        assert_eq!(v.sent_by_port(), 5061);
    }

    #[test]
    fn via_set_param() {
        let mut v = Via::parse("SIP/2.0/UDP h;branch=z9hG4bK1;rport").unwrap();
        v.set_param("rport", Some("5062"));
        v.set_param("received", Some("192.0.2.9"));
        assert_eq!(
            v.to_string(),
            "SIP/2.0/UDP h;branch=z9hG4bK1;rport=5062;received=192.0.2.9"
        );
    }

    #[test]
    fn via_errors() {
        assert!(Via::parse("SIP/2.0/UDP 192.0.2.15;;").is_err());
        assert!(Via::parse("SIP/2.0/UDP").is_err());
        assert!(Via::parse("SIP/2.0 host").is_err());
        assert!(Via::parse("SIP/2.0/UDP host:99999").is_err());
        assert!(Via::parse("SIP/2.0/UDP [::1").is_err());
        assert!(Via::parse("SIP/2.0/UDPhost").is_err());
        assert!(Via::parse("").is_err());
    }

    #[test]
    fn cseq() {
        assert_eq!(
            CSeq::parse("0009 INVITE").unwrap(),
            CSeq {
                seq: 9,
                method: Method::Invite
            }
        );
        assert_eq!(CSeq::parse(" 4294967295   ACK ").unwrap().seq, u32::MAX);
        assert!(CSeq::parse("4294967296 INVITE").is_err());
        assert!(CSeq::parse("36893488147419103232 REGISTER").is_err());
        assert!(CSeq::parse("-1 INVITE").is_err());
        assert!(CSeq::parse("1INVITE").is_err());
        assert!(CSeq::parse("1").is_err());
        assert!(CSeq::parse("1 INV ITE").is_err());
        assert_eq!(
            CSeq::parse("29344 RE%47IST%45R").unwrap().method,
            Method::Other("RE%47IST%45R".into())
        );
        assert_eq!(CSeq::new(7, Method::Bye).to_string(), "7 BYE");
    }

    #[test]
    fn every_canonical_name_classifies_back() {
        use HeaderName::*;
        for h in [
            Via,
            From,
            To,
            CallId,
            CSeq,
            Contact,
            ContentLength,
            ContentType,
            ContentEncoding,
            MaxForwards,
            Route,
            RecordRoute,
            Require,
            Supported,
            Unsupported,
            ProxyRequire,
            Allow,
            Accept,
            Reason,
            Privacy,
            PAssertedIdentity,
            RSeq,
            RAck,
            Expires,
            UserAgent,
            Server,
            Subject,
            Event,
            ReferTo,
            Timestamp,
        ] {
            assert_eq!(HeaderName::parse(h.as_str()), h);
            assert_eq!(HeaderName::parse(&h.as_str().to_ascii_uppercase()), h);
        }
    }

    #[test]
    fn header_names() {
        assert_eq!(HeaderName::parse("call-id"), HeaderName::CallId);
        assert_eq!(HeaderName::parse("I"), HeaderName::CallId);
        assert_eq!(HeaderName::parse("MaX-fOrWaRdS"), HeaderName::MaxForwards);
        assert_eq!(HeaderName::parse("v"), HeaderName::Via);
        assert_eq!(HeaderName::parse("l"), HeaderName::ContentLength);
        assert_eq!(HeaderName::parse("k"), HeaderName::Supported);
        assert_eq!(HeaderName::parse("o"), HeaderName::Event);
        assert_eq!(HeaderName::parse("r"), HeaderName::ReferTo);
        assert_eq!(
            HeaderName::parse("x"),
            HeaderName::Other("Session-Expires".into())
        );
        assert_eq!(HeaderName::parse("u").as_str(), "Allow-Events");
        assert_eq!(
            HeaderName::parse("X-Custom"),
            HeaderName::Other("X-Custom".into())
        );
        assert_eq!(
            HeaderName::parse("C%6Fntact"),
            HeaderName::Other("C%6Fntact".into())
        );
        assert_eq!(
            HeaderName::PAssertedIdentity.as_str(),
            "P-Asserted-Identity"
        );
        assert_eq!(
            HeaderName::parse("p-asserted-identity"),
            HeaderName::PAssertedIdentity
        );
        assert_eq!(HeaderName::parse("rack"), HeaderName::RAck);
        assert!(HeaderName::Other("x-custom".into()).matches(&HeaderName::Other("X-CUSTOM".into())));
        assert!(HeaderName::Other("call-id".into()).matches(&HeaderName::CallId));
    }

    #[test]
    fn headers_list() {
        let mut h = Headers::default();
        h.push(
            HeaderName::Via,
            "SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2",
        );
        h.push(HeaderName::Other("X-A".into()), "1");
        h.push(HeaderName::Via, "SIP/2.0/UDP c;branch=z9hG4bK3");
        h.push(HeaderName::Require, "timer, 100REL");
        h.push(
            HeaderName::Contact,
            "\"x, y\" <sip:a@b;p=1,2>;q=0.5, <sip:c@d>",
        );
        assert_eq!(
            h.get(&HeaderName::Via),
            Some("SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2")
        );
        assert_eq!(h.get_all(&HeaderName::Via).count(), 2);
        assert_eq!(h.values(&HeaderName::Via).len(), 3);
        assert_eq!(
            h.values(&HeaderName::Contact),
            vec!["\"x, y\" <sip:a@b;p=1,2>;q=0.5", "<sip:c@d>"]
        );
        assert!(h.has_token(&HeaderName::Require, "100rel"));
        assert!(!h.has_token(&HeaderName::Require, "path"));
        assert_eq!(h.get(&HeaderName::Other("x-a".into())), Some("1"));
        h.set(HeaderName::Via, "SIP/2.0/TCP z;branch=z9hG4bK9");
        assert_eq!(h.get_all(&HeaderName::Via).count(), 1);
        assert_eq!(h.0[0].name, HeaderName::Via);
        h.remove(&HeaderName::Require);
        assert!(!h.contains(&HeaderName::Require));
        h.set(HeaderName::Subject, "");
        assert_eq!(h.0.last().map(|x| &x.name), Some(&HeaderName::Subject));
        h.push_front(HeaderName::Via, "SIP/2.0/UDP top;branch=z9hG4bKt");
        assert_eq!(
            h.get(&HeaderName::Via),
            Some("SIP/2.0/UDP top;branch=z9hG4bKt")
        );
    }
}
