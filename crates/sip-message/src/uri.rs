//! SIP, SIPS and tel URIs (RFC 3261 §19.1, §25.1; RFC 3966 for tel).
//!
//! Components are stored as written (escaped form kept) so that a URI prints
//! back byte-for-byte in canonical form; [`Uri::user_unescaped`] gives the
//! decoded user part.

use crate::parse::{ParseError, ParseErrorKind};
use crate::syntax::{find_any, find_param, set_param, snippet, sub, tail, write_params};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// URI scheme. Scheme names are case-insensitive (RFC 3261 §19.1.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    Sip,
    Sips,
    Tel,
    /// Any other scheme, as written. The rest of the URI is kept opaque in
    /// [`Uri::host`].
    Other(String),
}

/// A `name[=value]` parameter. The value is kept as written (quotes
/// included when it was a quoted string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub value: Option<String>,
}

impl Param {
    pub fn new(name: &str, value: Option<&str>) -> Param {
        Param {
            name: name.to_string(),
            value: value.map(str::to_string),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uri {
    pub scheme: Scheme,
    /// User part as written (escapes kept); for tel: the number.
    pub user: Option<String>,
    pub password: Option<String>,
    /// Host name, IPv4 address, or IPv6 reference *with* brackets; empty for
    /// tel:, the opaque remainder for other schemes.
    pub host: String,
    pub port: Option<u16>,
    /// URI parameters (`;transport=tcp;lr`), names as written.
    pub params: Vec<Param>,
    /// URI headers (`?h=v&...`), as written.
    pub headers: Vec<(String, String)>,
}

fn bad_uri(msg: &str, input: &str) -> ParseError {
    ParseError::new(ParseErrorKind::BadUri, format!("{msg}: {}", snippet(input)))
}

/// Bytes that may never appear unescaped in any URI component we accept:
/// controls, white space, and the characters that delimit URIs inside
/// header values (RFC 3261 §25.1 excludes all of them from every URI rule).
#[inline]
fn is_forbidden(b: u8) -> bool {
    b <= 0x20 || b == 0x7f || matches!(b, b'"' | b'<' | b'>' | b'\\' | b'{' | b'}' | b'|' | b'^')
}

/// Characters allowed in `userinfo` besides the user/password split. This is
/// deliberately lenient: real peers put `#` and other unreserved-in-practice
/// characters in dialled-digit user parts, so only the bytes that can never
/// be part of a URI are refused. Brackets are refused so that an IPv6 host
/// is never mistaken for a user part.
#[inline]
fn is_userinfo_byte(b: u8) -> bool {
    !is_forbidden(b) && b != b'[' && b != b']'
}

pub(crate) fn validate_hostname(h: &str) -> Result<(), ParseError> {
    if h.is_empty() {
        return Err(bad_uri("empty host", h));
    }
    // hostname = *(domainlabel ".") toplabel ["."] / IPv4address
    // (RFC 3261 §25.1). '_' is tolerated because it is common in practice.
    if !h
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
    {
        return Err(bad_uri("invalid host", h));
    }
    // A toplabel starts with a letter, so a host whose last label starts
    // with a digit must be a dotted-quad IPv4 address.
    let hb = h.as_bytes();
    let end = hb.iter().rposition(|&b| b != b'.').map_or(0, |p| p + 1);
    let last_start = hb
        .get(..end)
        .unwrap_or(&[])
        .iter()
        .rposition(|&b| b == b'.')
        .map_or(0, |p| p + 1);
    if hb.get(last_start).is_some_and(u8::is_ascii_digit) && h.parse::<Ipv4Addr>().is_err() {
        return Err(bad_uri("invalid IPv4 address", h));
    }
    Ok(())
}

/// Validate an IPv6 reference `[...]` (RFC 3261 §25.1, RFC 5118 §4).
pub(crate) fn validate_ipv6_reference(r: &str) -> Result<(), ParseError> {
    let inner = r.strip_prefix('[').and_then(|x| x.strip_suffix(']'));
    match inner {
        Some(a) if a.parse::<Ipv6Addr>().is_ok() => Ok(()),
        _ => Err(bad_uri("invalid IPv6 reference", r)),
    }
}

pub(crate) fn parse_port(s: &str) -> Result<u16, ParseError> {
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad_uri("invalid port", s));
    }
    s.parse::<u16>()
        .map_err(|_| bad_uri("port out of range", s))
}

/// `*( ";" uri-parameter )` (RFC 3261 §19.1.1). `s` starts after the first
/// `;`.
fn parse_uri_params(s: &str) -> Result<Vec<Param>, ParseError> {
    let mut out = Vec::new();
    for piece in s.split(';') {
        let (name, value) = match find_any(piece, b"=") {
            Some(eq) => (sub(piece, 0, eq), Some(tail(piece, eq + 1))),
            None => (piece, None),
        };
        if name.is_empty() || name.bytes().any(is_forbidden) {
            return Err(bad_uri("invalid URI parameter", piece));
        }
        if let Some(v) = value {
            if v.is_empty() || v.bytes().any(is_forbidden) {
                return Err(bad_uri("invalid URI parameter value", piece));
            }
        }
        out.push(Param {
            name: name.to_string(),
            value: value.map(str::to_string),
        });
    }
    Ok(out)
}

/// `headers = "?" header *( "&" header )` (RFC 3261 §19.1.1). `s` starts
/// after the `?`.
fn parse_uri_headers(s: &str) -> Result<Vec<(String, String)>, ParseError> {
    let mut out = Vec::new();
    for piece in s.split('&') {
        let (name, value) = match piece.find('=') {
            Some(eq) => (sub(piece, 0, eq), tail(piece, eq + 1)),
            None => (piece, ""),
        };
        if name.is_empty() || piece.bytes().any(is_forbidden) {
            return Err(bad_uri("invalid URI header", piece));
        }
        out.push((name.to_string(), value.to_string()));
    }
    Ok(out)
}

impl Uri {
    /// Parse an absolute URI. `sip:`/`sips:` follow RFC 3261 §19.1.1, `tel:`
    /// keeps the number in `user` and its parameters in `params`; any other
    /// syntactically valid scheme is kept opaque (RFC 3261 §19.1 allows any
    /// absoluteURI, and a UAS answers 416 rather than 400 for those).
    pub fn parse(s: &str) -> Result<Uri, ParseError> {
        let colon = find_any(s, b":").ok_or_else(|| bad_uri("missing scheme", s))?;
        let scheme = sub(s, 0, colon);
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 §3.1)
        let sb = scheme.as_bytes();
        if sb.is_empty()
            || !sb[0].is_ascii_alphabetic()
            || !sb
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        {
            return Err(bad_uri("invalid scheme", s));
        }
        let rest = tail(s, colon + 1);
        if scheme.eq_ignore_ascii_case("sip") {
            Self::parse_sip(Scheme::Sip, rest, s)
        } else if scheme.eq_ignore_ascii_case("sips") {
            Self::parse_sip(Scheme::Sips, rest, s)
        } else if scheme.eq_ignore_ascii_case("tel") {
            Self::parse_tel(rest, s)
        } else {
            if rest.is_empty() || rest.bytes().any(is_forbidden) {
                return Err(bad_uri("invalid URI", s));
            }
            Ok(Uri {
                scheme: Scheme::Other(scheme.to_string()),
                user: None,
                password: None,
                host: rest.to_string(),
                port: None,
                params: Vec::new(),
                headers: Vec::new(),
            })
        }
    }

    fn parse_sip(scheme: Scheme, rest: &str, whole: &str) -> Result<Uri, ParseError> {
        // userinfo ends at the first '@' (neither user nor password may hold
        // an unescaped '@', RFC 3261 §25.1); the user part may itself hold
        // ';', '?' and '/' (user-unreserved), so it must be cut first.
        let (user, password, hp) = match find_any(rest, b"@") {
            Some(at) if sub(rest, 0, at).bytes().all(is_userinfo_byte) => {
                let ui = sub(rest, 0, at);
                let (u, p) = match find_any(ui, b":") {
                    Some(c) => (sub(ui, 0, c), Some(tail(ui, c + 1))),
                    None => (ui, None),
                };
                if u.is_empty() {
                    return Err(bad_uri("empty user part", whole));
                }
                (
                    Some(u.to_string()),
                    p.map(str::to_string),
                    tail(rest, at + 1),
                )
            }
            Some(at) if rest.bytes().take(at).any(|b| b <= 0x20) => {
                return Err(bad_uri("white space in URI", whole));
            }
            _ => (None, None, rest),
        };

        let (host, after) = if hp.starts_with('[') {
            let close = hp
                .find(']')
                .ok_or_else(|| bad_uri("unterminated IPv6 reference", whole))?;
            let r = sub(hp, 0, close + 1);
            validate_ipv6_reference(r)?;
            (r, tail(hp, close + 1))
        } else {
            let end = find_any(hp, b":;?").unwrap_or(hp.len());
            let h = sub(hp, 0, end);
            validate_hostname(h).map_err(|_| bad_uri("invalid host", whole))?;
            (h, tail(hp, end))
        };

        let mut rest = after;
        let mut port = None;
        if let Some(p) = rest.strip_prefix(':') {
            let end = find_any(p, b";?").unwrap_or(p.len());
            port = Some(parse_port(sub(p, 0, end))?);
            rest = tail(p, end);
        }
        let mut params = Vec::new();
        if let Some(p) = rest.strip_prefix(';') {
            let end = find_any(p, b"?").unwrap_or(p.len());
            params = parse_uri_params(sub(p, 0, end))?;
            rest = tail(p, end);
        }
        let mut headers = Vec::new();
        if let Some(h) = rest.strip_prefix('?') {
            headers = parse_uri_headers(h)?;
            rest = "";
        }
        if !rest.is_empty() {
            return Err(bad_uri("trailing characters in URI", whole));
        }
        Ok(Uri {
            scheme,
            user,
            password,
            host: host.to_string(),
            port,
            params,
            headers,
        })
    }

    fn parse_tel(rest: &str, whole: &str) -> Result<Uri, ParseError> {
        // telephone-subscriber *( ";" par ) (RFC 3966 §3)
        let (number, params) = match find_any(rest, b";") {
            Some(i) => (sub(rest, 0, i), parse_uri_params(tail(rest, i + 1))?),
            None => (rest, Vec::new()),
        };
        if number.is_empty()
            || number
                .bytes()
                .any(|b| is_forbidden(b) || b == b'?' || b == b'@')
        {
            return Err(bad_uri("invalid tel number", whole));
        }
        Ok(Uri {
            scheme: Scheme::Tel,
            user: Some(number.to_string()),
            password: None,
            host: String::new(),
            port: None,
            params,
            headers: Vec::new(),
        })
    }

    /// A `sip:` URI from parts (no parameters, no headers).
    pub fn sip(user: Option<&str>, host: &str, port: Option<u16>) -> Uri {
        Uri {
            scheme: Scheme::Sip,
            user: user.map(str::to_string),
            password: None,
            host: host.to_string(),
            port,
            params: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// URI parameter by case-insensitive name: `None` if absent,
    /// `Some(None)` if present without a value.
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        find_param(&self.params, name)
    }

    /// Set (replace or append) a URI parameter.
    pub fn set_param(&mut self, name: &str, value: Option<&str>) {
        set_param(&mut self.params, name, value);
    }

    /// Remove a URI parameter (case-insensitive name).
    pub fn remove_param(&mut self, name: &str) {
        self.params.retain(|p| !p.name.eq_ignore_ascii_case(name));
    }

    /// The user part with `%XX` escapes decoded (RFC 3261 §19.1.2). Invalid
    /// escapes are kept literally; non-UTF-8 results are decoded lossily.
    pub fn user_unescaped(&self) -> Option<String> {
        self.user.as_deref().map(percent_decode)
    }

    /// The port to use when none is given: 5061 for sips:, else 5060
    /// (RFC 3261 §19.1.2).
    pub fn port_or_default(&self) -> u16 {
        self.port.unwrap_or(if self.scheme == Scheme::Sips {
            5061
        } else {
            5060
        })
    }
}

/// Decode `%XX` escapes.
pub fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(|x| hex(*x)),
                b.get(i + 2).and_then(|x| hex(*x)),
            ) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.scheme {
            Scheme::Sip => f.write_str("sip:")?,
            Scheme::Sips => f.write_str("sips:")?,
            Scheme::Tel => {
                f.write_str("tel:")?;
                if let Some(u) = &self.user {
                    f.write_str(u)?;
                }
                return write_params(f, &self.params);
            }
            Scheme::Other(s) => {
                write!(f, "{s}:{}", self.host)?;
                return write_params(f, &self.params);
            }
        }
        if let Some(u) = &self.user {
            f.write_str(u)?;
            if let Some(p) = &self.password {
                write!(f, ":{p}")?;
            }
            f.write_str("@")?;
        }
        f.write_str(&self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write_params(f, &self.params)?;
        for (i, (n, v)) in self.headers.iter().enumerate() {
            write!(f, "{}{n}={v}", if i == 0 { '?' } else { '&' })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Uri {
        Uri::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn basic_sip() {
        let u = p("sip:alice@atlanta.example.com:5070;transport=tcp;lr?subject=hi&priority=urgent");
        assert_eq!(u.scheme, Scheme::Sip);
        assert_eq!(u.user.as_deref(), Some("alice"));
        assert_eq!(u.host, "atlanta.example.com");
        assert_eq!(u.port, Some(5070));
        assert_eq!(u.param("TRANSPORT"), Some(Some("tcp")));
        assert_eq!(u.param("lr"), Some(None));
        assert_eq!(u.param("maddr"), None);
        assert_eq!(
            u.headers,
            vec![
                ("subject".into(), "hi".into()),
                ("priority".into(), "urgent".into())
            ]
        );
        assert_eq!(
            u.to_string(),
            "sip:alice@atlanta.example.com:5070;transport=tcp;lr?subject=hi&priority=urgent"
        );
    }

    #[test]
    fn scheme_case_and_sips() {
        let u = p("SIPS:bob@Example.COM");
        assert_eq!(u.scheme, Scheme::Sips);
        assert_eq!(u.host, "Example.COM");
        assert_eq!(u.to_string(), "sips:bob@Example.COM");
        assert_eq!(u.port_or_default(), 5061);
    }

    #[test]
    fn no_user_and_ip_hosts() {
        let u = p("sip:192.0.2.4");
        assert_eq!(u.user, None);
        assert_eq!(u.host, "192.0.2.4");
        let u = p("sip:[2001:db8::10]:5070;lr");
        assert_eq!(u.host, "[2001:db8::10]");
        assert_eq!(u.port, Some(5070));
        let u = p("sip:user@[::ffff:192.0.2.1]");
        assert_eq!(u.host, "[::ffff:192.0.2.1]");
    }

    #[test]
    fn bad_ipv6_and_ports() {
        // RFC 5118 §4.2: missing bracket / port inside the brackets.
        assert!(Uri::parse("sip:user@[2001:db8::10").is_err());
        assert!(Uri::parse("sip:user@2001:db8::10").is_err());
        assert!(Uri::parse("sip:user@[2001:db8:::192.0.2.1]").is_err());
        assert!(Uri::parse("sip:user@[2001:db8::10:5070").is_err());
        assert!(Uri::parse("sip:host:65536").is_err());
        assert!(Uri::parse("sip:host:").is_err());
        assert!(Uri::parse("sip:host:12a").is_err());
        assert_eq!(p("sip:host:65535").port, Some(65535));
        assert!(Uri::parse("sip:256.1.1.1").is_err());
        assert!(Uri::parse("sip:").is_err());
        assert!(Uri::parse("sip:@host").is_err());
    }

    #[test]
    fn password_and_escapes() {
        let u = p("sip:alice:secret@host");
        assert_eq!(u.password.as_deref(), Some("secret"));
        assert_eq!(u.to_string(), "sip:alice:secret@host");
        let u = p("sip:sips%3Auser%40example.com@example.net");
        assert_eq!(u.user.as_deref(), Some("sips%3Auser%40example.com"));
        assert_eq!(u.user_unescaped().as_deref(), Some("sips:user@example.com"));
        let u = p("sip:null-%00-null@example.com");
        assert_eq!(u.user_unescaped().as_deref(), Some("null-\0-null"));
        let u = p("sip:%22quoted%22@h");
        assert_eq!(u.user_unescaped().as_deref(), Some("\"quoted\""));
        // Not a valid escape: kept literally.
        assert_eq!(percent_decode("a%ZKb%4"), "a%ZKb%4");
    }

    #[test]
    fn unusual_user_part() {
        // RFC 4475 §3.1.1.2 intmeth Request-URI.
        let u = p("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com");
        assert_eq!(
            u.user.as_deref(),
            Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
        );
        assert_eq!(
            u.password.as_deref(),
            Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
        );
        assert_eq!(u.host, "example.com");
        // RFC 4475 §3.1.1.9 semiuri.
        let u = p("sip:user;par=u%40example.net@example.com");
        assert_eq!(u.user.as_deref(), Some("user;par=u%40example.net"));
        assert!(u.params.is_empty());
        assert_eq!(
            u.user_unescaped().as_deref(),
            Some("user;par=u@example.net")
        );
        // Dialled digits with '#' and '*' as sent by real gateways.
        assert_eq!(p("sip:*21#@gw.example.com").user.as_deref(), Some("*21#"));
    }

    #[test]
    fn escaped_params() {
        let u = p("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31");
        assert_eq!(u.params.len(), 2);
        assert_eq!(u.param("%6C%72"), Some(None));
        assert_eq!(u.param("n%61me"), Some(Some("v%61lue%25%34%31")));
    }

    #[test]
    fn tel_and_other() {
        let u = p("tel:+1-201-555-0123;phone-context=example.com");
        assert_eq!(u.scheme, Scheme::Tel);
        assert_eq!(u.user.as_deref(), Some("+1-201-555-0123"));
        assert_eq!(u.host, "");
        assert_eq!(u.param("phone-context"), Some(Some("example.com")));
        assert_eq!(
            u.to_string(),
            "tel:+1-201-555-0123;phone-context=example.com"
        );
        let u = p("soap.beep://192.0.2.103:3002");
        assert_eq!(u.scheme, Scheme::Other("soap.beep".into()));
        assert_eq!(u.host, "//192.0.2.103:3002");
        assert_eq!(u.to_string(), "soap.beep://192.0.2.103:3002");
        let u = p("nobodyKnowsThisScheme:totallyopaquecontent");
        assert_eq!(u.scheme, Scheme::Other("nobodyKnowsThisScheme".into()));
        assert!(Uri::parse("<sip:user@example.com>").is_err());
        assert!(Uri::parse("1sip:x").is_err());
    }

    #[test]
    fn rejects_white_space_and_empty_params() {
        assert!(Uri::parse("sip:user@example.com; lr").is_err());
        assert!(Uri::parse(" sip:t.watson@example.org").is_err());
        assert!(Uri::parse("sip:t.watson@example.org ").is_err());
        assert!(Uri::parse("sip:a@b;;lr").is_err());
        assert!(Uri::parse("sip:a@b;x=").is_err());
    }

    #[test]
    fn builder() {
        let mut u = Uri::sip(Some("bob"), "biloxi.example.com", Some(5060));
        u.set_param("transport", Some("tcp"));
        u.set_param("lr", None);
        assert_eq!(
            u.to_string(),
            "sip:bob@biloxi.example.com:5060;transport=tcp;lr"
        );
        u.set_param("TRANSPORT", Some("udp"));
        u.remove_param("lr");
        assert_eq!(
            u.to_string(),
            "sip:bob@biloxi.example.com:5060;transport=udp"
        );
        assert_eq!(Uri::parse(&u.to_string()).unwrap(), u);
    }
}
