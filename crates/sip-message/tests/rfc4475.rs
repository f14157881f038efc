//! RFC 4475 torture messages, as seen by a UAS.
//!
//! Valid messages (RFC 4475 §3.1.1, §3.3, §3.4) must parse with the right
//! fields and survive print → parse. Invalid ones (§3.1.2) must come back
//! as `Malformed` with the headers needed for a 400 recovered. Where the RFC
//! leaves the choice to the element, the decision is stated next to the
//! test.

use callctl_sip_message::*;

mod common;
use common::{load_rfc4475 as load, RFC4475_VALID as VALID};

fn ok(name: &str) -> Message {
    parse_datagram(&load(name), &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn req(name: &str) -> Request {
    match ok(name) {
        Message::Request(r) => r,
        Message::Response(_) => panic!("{name}: not a request"),
    }
}

fn resp(name: &str) -> Response {
    match ok(name) {
        Message::Response(r) => r,
        Message::Request(_) => panic!("{name}: not a response"),
    }
}

fn bad(name: &str) -> Malformed {
    match parse_datagram(&load(name), &Limits::default()) {
        Ok(m) => panic!("{name}: parsed but should not: {m:?}"),
        Err(e) => e,
    }
}

/// The recovered headers must be enough to build a 400 (RFC 3261 §8.2.6).
fn assert_recoverable(m: &Malformed) {
    let r = m.recovered.as_ref().expect("recovered headers");
    assert!(r.is_request);
    for n in [
        HeaderName::Via,
        HeaderName::From,
        HeaderName::To,
        HeaderName::CallId,
        HeaderName::CSeq,
    ] {
        assert!(
            r.headers.get(&n).is_some(),
            "missing {n} in recovered headers"
        );
    }
}

/// The same message with its Content-Length replaced by a computed one at
/// the end, which is what the printer produces.
fn normalized(m: &Message) -> Message {
    let mut m = m.clone();
    let n = m.body().len();
    m.headers_mut().remove(&HeaderName::ContentLength);
    m.headers_mut()
        .push(HeaderName::ContentLength, n.to_string());
    m
}

#[test]
fn valid_messages_round_trip() {
    for name in VALID {
        let m = ok(name);
        let printed = m.to_bytes();
        let again = parse_datagram(&printed, &Limits::default())
            .unwrap_or_else(|e| panic!("{name} reparse: {e}"));
        assert_eq!(again, normalized(&m), "{name}");
        // Printing is stable once normalized.
        assert_eq!(again.to_bytes(), printed, "{name}");
    }
}

#[test]
fn valid_messages_frame_on_streams_too() {
    for name in VALID {
        let raw = load(name);
        let dgram = ok(name);
        if dgram.headers().get(&HeaderName::ContentLength).is_none() {
            // inv2543 has no Content-Length: only acceptable on datagrams.
            assert!(parse_stream(&raw, &Limits::default()).is_err(), "{name}");
            continue;
        }
        let (m, used) = parse_stream(&raw, &Limits::default())
            .unwrap()
            .unwrap_or_else(|| panic!("{name}"));
        assert_eq!(m, dgram, "{name}");
        assert!(used <= raw.len());
    }
}

/// §3.1.1.1 A short tortuous INVITE.
#[test]
fn wsinv() {
    let r = req("wsinv");
    assert_eq!(r.method, Method::Invite);
    assert_eq!(r.uri.user.as_deref(), Some("vivekg"));
    assert_eq!(r.uri.host, "chair-dnrc.example.com");
    assert_eq!(r.uri.param("unknownparam"), Some(None));
    let to = r.to().unwrap();
    assert_eq!(to.display, None);
    assert_eq!(to.tag(), Some("1918181833n"));
    assert!(to.uri.params.is_empty());
    let from = r.from().unwrap();
    assert_eq!(from.display.as_deref(), Some("J Rosenberg \\\""));
    assert_eq!(from.tag(), Some("98asjd8"));
    assert_eq!(r.max_forwards(), Some(68));
    assert_eq!(r.call_id(), Some("wsinv.ndaksdj@192.0.2.1"));
    assert_eq!(
        r.cseq(),
        Some(CSeq {
            seq: 9,
            method: Method::Invite
        })
    );
    let vias = r.vias();
    assert_eq!(vias.len(), 3);
    assert_eq!(
        (vias[0].transport.as_str(), vias[0].host.as_str()),
        ("UDP", "192.0.2.2")
    );
    assert_eq!(vias[0].branch(), Some("390skdjuw"));
    assert_eq!(
        (vias[1].transport.as_str(), vias[1].host.as_str()),
        ("TCP", "spindle.example.com")
    );
    assert_eq!(vias[1].branch(), Some("z9hG4bK9ikj8"));
    assert_eq!(
        (vias[2].transport.as_str(), vias[2].host.as_str()),
        ("UDP", "192.168.255.111")
    );
    assert_eq!(vias[2].branch(), Some("z9hG4bK30239"));
    assert!(vias.iter().all(|v| v.protocol == "SIP/2.0"));
    assert_eq!(r.top_via().unwrap(), vias[0]);
    // Empty Subject is present.
    assert_eq!(r.headers.get(&HeaderName::Subject), Some(""));
    let nf = HeaderName::parse("newfangledheader");
    assert_eq!(
        r.headers.get(&nf),
        Some("newfangled value continued newfangled value")
    );
    assert_eq!(
        r.headers
            .get(&HeaderName::parse("UnknownHeaderWithUnusualValue")),
        Some(";;,,;;,;")
    );
    assert_eq!(r.content_type(), Some("application/sdp"));
    let route = r.routes();
    assert_eq!(route.len(), 1);
    assert_eq!(route[0].uri.param("lr"), Some(None));
    assert_eq!(route[0].uri.param("unknownwith"), Some(Some("value")));
    let c = r.contacts();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].display.as_deref(), Some("Quoted string \"\""));
    assert_eq!(c[0].param("newparam"), Some(Some("newvalue")));
    assert_eq!(c[0].param("secondparam"), Some(None));
    assert_eq!(c[0].param("q"), Some(Some("0.33")));
    assert_eq!(r.body.len(), 150);
    assert!(r.body.starts_with(b"v=0\r\n"));
}

/// §3.1.1.2 Wide range of valid characters.
#[test]
fn intmeth() {
    let r = req("intmeth");
    assert_eq!(
        r.method,
        Method::Other("!interesting-Method0123456789_*+`.%indeed'~".into())
    );
    assert_eq!(
        r.uri.user.as_deref(),
        Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
    );
    assert_eq!(
        r.uri.password.as_deref(),
        Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
    );
    assert_eq!(r.top_via().unwrap().branch(), Some("z9hG4bK-.!%66*_+`'~"));
    let to = r.to().unwrap();
    assert_eq!(
        to.display.as_deref(),
        Some("BEL:\u{7} NUL:\u{0} DEL:\u{7f}")
    );
    assert_eq!(
        to.uri.user.as_deref(),
        Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
    );
    let from = r.from().unwrap();
    assert_eq!(
        from.display.as_deref(),
        Some("token1~` token2'+_ token3*%!.-")
    );
    assert_eq!(
        from.param("fromParam''~+*_!.-%"),
        Some(Some("\"работающий\""))
    );
    assert_eq!(from.tag(), Some("_token~1'+`*%!-."));
    assert_eq!(
        r.call_id(),
        Some("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{")
    );
    assert_eq!(r.cseq().unwrap().method, r.method);
    assert_eq!(r.cseq().unwrap().seq, 139122385);
    assert_eq!(r.max_forwards(), Some(255));
    assert_eq!(
        r.headers
            .get(&HeaderName::parse("extensionHeader-!.%*+_`'~")),
        Some("\u{feff}大停電")
    );
    assert!(r.body.is_empty());
}

/// §3.1.1.3 Valid use of the % escaping mechanism.
#[test]
fn esc01() {
    let r = req("esc01");
    assert_eq!(r.uri.user.as_deref(), Some("sips%3Auser%40example.com"));
    assert_eq!(
        r.uri.user_unescaped().as_deref(),
        Some("sips:user@example.com")
    );
    assert_eq!(r.uri.host, "example.net");
    assert_eq!(
        r.to().unwrap().uri.user_unescaped().as_deref(),
        Some("user")
    );
    assert_eq!(
        r.from().unwrap().uri.user_unescaped().as_deref(),
        Some("I have spaces")
    );
    assert_eq!(r.call_id(), Some("esc01.239409asdfakjkn23onasd0-3234"));
    assert_eq!(r.content_type(), Some("application/sdp"));
    let c = &r.contacts()[0];
    assert_eq!(c.uri.user_unescaped().as_deref(), Some("caller"));
    // URI parameters keep their escaped form; "value%41" is not "valueA".
    assert_eq!(c.uri.param("%6C%72"), Some(None));
    assert_eq!(c.uri.param("n%61me"), Some(Some("v%61lue%25%34%31")));
}

/// §3.1.1.4 Escaped NULs in URIs.
#[test]
fn escnull() {
    let r = req("escnull");
    assert_eq!(r.method, Method::Register);
    assert_eq!(
        r.to().unwrap().uri.user_unescaped().as_deref(),
        Some("null-\0-null")
    );
    let c = r.contacts();
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].uri.user_unescaped().as_deref(), Some("\0"));
    assert_eq!(c[1].uri.user_unescaped().as_deref(), Some("\0\0"));
    assert_ne!(c[0].uri, c[1].uri);
}

/// §3.1.1.5 Use of % when it is not an escape.
#[test]
fn esc02() {
    let r = req("esc02");
    assert_eq!(r.method, Method::Other("RE%47IST%45R".into()));
    assert_ne!(r.method, Method::Register);
    assert_eq!(r.to().unwrap().display.as_deref(), Some("%Z%45"));
    assert_eq!(r.top_via().unwrap().branch(), Some("z9hG4bK209%fzsnel234"));
    assert_eq!(r.contacts().len(), 2);
    assert_eq!(
        r.headers.get(&HeaderName::parse("C%6Fntact")),
        Some("<sip:alias2@host2.example.com>")
    );
}

/// §3.1.1.6 No LWS between display name and <.
#[test]
fn lwsdisp() {
    let r = req("lwsdisp");
    let f = r.from().unwrap();
    assert_eq!(f.display.as_deref(), Some("caller"));
    assert_eq!(f.tag(), Some("323"));
}

/// §3.1.1.7 Long values in header fields.
#[test]
fn longreq() {
    let r = req("longreq");
    let vias = r.vias();
    assert_eq!(vias.len(), 34);
    for (i, v) in vias.iter().take(33).enumerate() {
        assert_eq!(v.host, format!("sip{}.example.com", 33 - i));
    }
    assert_eq!(vias[33].param("received"), Some(Some("192.0.2.5")));
    assert_eq!(
        vias[33].branch().map(str::len),
        Some("very".len() + 200 + "branchvalue".len())
    );
    let to = r.to().unwrap();
    assert!(to
        .display
        .unwrap()
        .starts_with("I have a user name of extremeextreme"));
    assert_eq!(to.uri.port, Some(6000));
    assert_eq!(to.uri.params.len(), 3);
    let from = r.from().unwrap();
    assert_eq!(from.tag().map(str::len), Some(2 + 150 + 3));
    assert_eq!(from.params.len(), 3);
    assert_eq!(r.contacts().len(), 1);
    assert_eq!(r.body.len(), 150);
}

/// §3.1.1.8 Extra trailing octets in a UDP datagram: only the REGISTER.
#[test]
fn dblreq() {
    let r = req("dblreq");
    assert_eq!(r.method, Method::Register);
    assert!(r.body.is_empty());
    assert_eq!(r.call_id(), Some("dblreq.0ha0isndaksdj99sdfafnl3lk233412"));
    assert_eq!(r.contacts()[0].uri.host, "host.example.com");
}

/// §3.1.1.9 Semicolon-separated parameters in URI user part.
#[test]
fn semiuri() {
    let r = req("semiuri");
    assert_eq!(r.uri.user.as_deref(), Some("user;par=u%40example.net"));
    assert_eq!(
        r.uri.user_unescaped().as_deref(),
        Some("user;par=u@example.net")
    );
    assert!(r.uri.params.is_empty());
    assert_eq!(r.headers.values(&HeaderName::Accept).len(), 6);
    assert!(r.headers.has_token(&HeaderName::Accept, "message/sipfrag"));
}

/// §3.1.1.10 Varied and unknown transport types.
#[test]
fn transports() {
    let r = req("transports");
    let t: Vec<_> = r.vias().into_iter().map(|v| v.transport).collect();
    assert_eq!(t, vec!["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]);
    assert_eq!(r.vias()[2].sent_by_port(), 5061);
    assert_eq!(r.call_id(), Some("transports.kijh4akdnaqjkwendsasfdj"));
}

/// §3.1.1.11 Multipart MIME message with a binary part.
#[test]
fn mpart01() {
    let r = req("mpart01");
    assert_eq!(r.method, Method::Message);
    let cl: usize = r
        .headers
        .get(&HeaderName::ContentLength)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(r.body.len(), cl);
    assert!(r.body.contains(&0));
    assert!(r.body.ends_with(b"--7a9cbec02ceef655--\r\n"));
    let v = r.top_via().unwrap();
    assert_eq!(v.port, Some(5070));
    assert_eq!(v.param("rport"), Some(None));
    assert_eq!(
        r.content_type(),
        Some("multipart/mixed;boundary=7a9cbec02ceef655")
    );
}

/// §3.1.1.12 Unusual reason phrase.
#[test]
fn unreason() {
    let r = resp("unreason");
    assert_eq!(r.status, 200);
    assert_eq!(r.reason, "= 2**3 * 5**2 но сто девяносто девять - простое");
    assert_eq!(r.body.len(), 154);
}

/// §3.1.1.13 Empty reason phrase.
#[test]
fn noreason() {
    let r = resp("noreason");
    assert_eq!(r.status, 100);
    assert_eq!(r.reason, "");
}

/// §3.1.2.1 Extraneous header field separators.
#[test]
fn badinv01() {
    let e = bad("badinv01");
    assert_eq!(e.error.kind, ParseErrorKind::BadVia);
    assert_recoverable(&e);
}

/// §3.1.2.2 Content-Length larger than the message (UDP: 400).
#[test]
fn clerr() {
    let e = bad("clerr");
    assert_eq!(e.error.kind, ParseErrorKind::BadContentLength);
    assert_recoverable(&e);
    // On a stream the same bytes are simply an incomplete message.
    assert!(parse_stream(&load("clerr"), &Limits::default())
        .unwrap()
        .is_none());
}

/// §3.1.2.3 Negative Content-Length.
#[test]
fn ncl() {
    let e = bad("ncl");
    assert_eq!(e.error.kind, ParseErrorKind::BadContentLength);
    assert_recoverable(&e);
    // On a stream this is a fatal framing error.
    assert_eq!(
        parse_stream(&load("ncl"), &Limits::default())
            .unwrap_err()
            .error
            .kind,
        ParseErrorKind::BadContentLength
    );
}

/// §3.1.2.4 Request scalar fields with overlarge values: 400 for the CSeq.
#[test]
fn scalar02() {
    let e = bad("scalar02");
    assert_eq!(e.error.kind, ParseErrorKind::BadCSeq);
    assert_recoverable(&e);
}

/// §3.1.2.5 Response scalar fields with overlarge values: discarded.
#[test]
fn scalarlg() {
    let e = bad("scalarlg");
    assert_eq!(e.error.kind, ParseErrorKind::BadCSeq);
    assert!(!e.recovered.unwrap().is_request);
}

/// §3.1.2.6 Unterminated quoted string in display name.
#[test]
fn quotbal() {
    let e = bad("quotbal");
    assert_eq!(e.error.kind, ParseErrorKind::BadHeader);
    assert!(e.error.detail.starts_with("To:"));
    assert_recoverable(&e);
}

/// §3.1.2.7 <> enclosing Request-URI: rejected rather than repaired.
#[test]
fn ltgtruri() {
    let e = bad("ltgtruri");
    assert_eq!(e.error.kind, ParseErrorKind::BadUri);
    assert_recoverable(&e);
}

/// §3.1.2.8 Malformed Request-URI (embedded LWS).
#[test]
fn lwsruri() {
    let e = bad("lwsruri");
    assert_eq!(e.error.kind, ParseErrorKind::BadStartLine);
    let r = e.recovered.as_ref().unwrap();
    assert_eq!(r.method, Some(Method::Invite));
    assert_recoverable(&e);
}

/// §3.1.2.9 Multiple SP separating Request-Line elements: the RFC allows
/// either; rejected, since a liberal reading gains nothing for a B2BUA.
#[test]
fn lwsstart() {
    let e = bad("lwsstart");
    assert_eq!(e.error.kind, ParseErrorKind::BadStartLine);
    assert_recoverable(&e);
}

/// §3.1.2.10 SP characters at end of Request-Line: rejected (RFC allows).
#[test]
fn trws() {
    let e = bad("trws");
    assert_eq!(e.error.kind, ParseErrorKind::BadStartLine);
    assert_recoverable(&e);
}

/// §3.1.2.11 Escaped headers in Request-URI: rejected (RFC allows).
#[test]
fn escruri() {
    let e = bad("escruri");
    assert_eq!(e.error.kind, ParseErrorKind::BadUri);
    assert_recoverable(&e);
}

/// §3.1.2.12 Invalid time zone in Date: the RFC says not to reject unless
/// the Date matters; this layer never interprets Date, so it parses.
#[test]
fn baddate() {
    let r = req("baddate");
    assert_eq!(
        r.headers.get(&HeaderName::parse("Date")),
        Some("Fri, 01 Jan 2010 16:00:00 EST")
    );
}

/// §3.1.2.13 Failure to enclose name-addr URI in <>.
#[test]
fn regbadct() {
    let e = bad("regbadct");
    assert_eq!(e.error.kind, ParseErrorKind::BadHeader);
    assert!(e.error.detail.starts_with("Contact:"));
    assert_recoverable(&e);
}

/// §3.1.2.14 Spaces within addr-spec.
#[test]
fn badaspec() {
    let e = bad("badaspec");
    assert_eq!(e.error.kind, ParseErrorKind::BadHeader);
    assert_recoverable(&e);
}

/// §3.1.2.15 Non-token characters in unquoted display name.
#[test]
fn baddn() {
    let e = bad("baddn");
    assert_eq!(e.error.kind, ParseErrorKind::BadHeader);
    assert_recoverable(&e);
}

/// §3.1.2.16 Unknown protocol version: 505 territory.
#[test]
fn badvers() {
    let e = bad("badvers");
    assert_eq!(e.error.kind, ParseErrorKind::BadVersion);
    assert!(e.error.detail.contains("SIP/7.0"));
    assert_eq!(e.recovered.as_ref().unwrap().method, Some(Method::Options));
    assert_recoverable(&e);
}

/// §3.1.2.17 Start line and CSeq method mismatch.
#[test]
fn mismatch01() {
    let e = bad("mismatch01");
    assert_eq!(e.error.kind, ParseErrorKind::BadCSeq);
    assert_recoverable(&e);
}

/// §3.1.2.18 Unknown method with CSeq method mismatch. The RFC prefers 501
/// here; the caller sees the unknown method in `recovered.method`.
#[test]
fn mismatch02() {
    let e = bad("mismatch02");
    assert_eq!(e.error.kind, ParseErrorKind::BadCSeq);
    assert_eq!(
        e.recovered.as_ref().unwrap().method,
        Some(Method::Other("NEWMETHOD".into()))
    );
    assert_recoverable(&e);
}

/// §3.1.2.19 Overlarge response code.
#[test]
fn bigcode() {
    let e = bad("bigcode");
    assert_eq!(e.error.kind, ParseErrorKind::BadStartLine);
    assert!(!e.recovered.unwrap().is_request);
}

/// §3.2.1 Missing transaction identifier: syntactically valid; what to do
/// with a bare magic cookie is the transaction layer's decision.
#[test]
fn badbranch() {
    assert_eq!(
        req("badbranch").top_via().unwrap().branch(),
        Some("z9hG4bK")
    );
}

/// §3.3.1 Missing required header fields.
#[test]
fn insuf() {
    let e = bad("insuf");
    assert_eq!(e.error.kind, ParseErrorKind::MissingHeader("From"));
    let r = e.recovered.unwrap();
    assert!(r.is_request);
    assert_eq!(r.method, Some(Method::Invite));
    assert!(r.headers.get(&HeaderName::Via).is_some());
    assert_eq!(r.headers.get(&HeaderName::CSeq), Some("193942 INVITE"));
}

/// §3.3.2 Request-URI with unknown scheme (the UAS answers 416).
#[test]
fn unkscm() {
    let r = req("unkscm");
    assert_eq!(r.uri.scheme, Scheme::Other("nobodyKnowsThisScheme".into()));
    assert_eq!(r.uri.host, "totallyopaquecontent");
}

/// §3.3.3 Request-URI with known but atypical scheme.
#[test]
fn novelsc() {
    let r = req("novelsc");
    assert_eq!(r.uri.scheme, Scheme::Other("soap.beep".into()));
    assert_eq!(r.uri.to_string(), "soap.beep://192.0.2.103:3002");
}

/// §3.3.4 Unknown URI schemes in header fields.
#[test]
fn unksm2() {
    let r = req("unksm2");
    assert_eq!(r.to().unwrap().uri.scheme, Scheme::Other("isbn".into()));
    assert_eq!(r.from().unwrap().uri.scheme, Scheme::Other("http".into()));
    assert_eq!(r.contacts()[0].uri.scheme, Scheme::Other("name".into()));
}

/// §3.3.5 Proxy-Require and Require.
#[test]
fn bext01() {
    let r = req("bext01");
    assert!(r
        .headers
        .has_token(&HeaderName::Require, "nothingsupportsthis"));
    assert!(r
        .headers
        .has_token(&HeaderName::ProxyRequire, "norDoAnyProxiesSupportThis"));
}

/// §3.3.6 Unknown Content-Type (the UAS answers 415).
#[test]
fn invut() {
    let r = req("invut");
    assert_eq!(r.content_type(), Some("application/unknownformat"));
    assert_eq!(r.body.len(), 40);
}

/// §3.3.7 Unknown authorization scheme.
#[test]
fn regaut01() {
    let r = req("regaut01");
    assert_eq!(
        r.headers.get(&HeaderName::parse("authorization")),
        Some("NoOneKnowsThisScheme opaque-data=here")
    );
}

/// §3.3.8 Multiple values in single-value required fields.
#[test]
fn multi01() {
    let e = bad("multi01");
    assert_eq!(e.error.kind, ParseErrorKind::BadHeader);
    assert!(e.recovered.is_some());
}

/// §3.3.9 Multiple Content-Length values.
#[test]
fn mcl01() {
    let e = bad("mcl01");
    assert_eq!(e.error.kind, ParseErrorKind::BadContentLength);
    assert_recoverable(&e);
}

/// §3.3.10 200 OK response with broadcast Via header field value. The
/// syntax is valid; not answering to a broadcast sent-by (and discarding
/// responses with several Vias at a UAC, RFC 3261 §8.1.3.3) is up to the
/// transport and transaction layers.
#[test]
fn bcast() {
    let r = resp("bcast");
    assert_eq!(r.vias()[1].host, "255.255.255.255");
}

/// §3.3.11 Max-Forwards of zero.
#[test]
fn zeromf() {
    assert_eq!(req("zeromf").max_forwards(), Some(0));
}

/// §3.3.12 REGISTER with a contact header parameter.
#[test]
fn cparam01() {
    let c = &req("cparam01").contacts()[0];
    assert!(c.uri.params.is_empty());
    assert_eq!(c.param("unknownparam"), Some(None));
}

/// §3.3.13 REGISTER with a URL parameter.
#[test]
fn cparam02() {
    let c = &req("cparam02").contacts()[0];
    assert_eq!(c.uri.param("unknownparam"), Some(None));
    assert!(c.params.is_empty());
}

/// §3.3.14 REGISTER with a URL escaped header.
#[test]
fn regescrt() {
    let c = &req("regescrt").contacts()[0];
    assert_eq!(
        c.uri.headers,
        vec![("Route".to_string(), "%3Csip:sip.example.com%3E".to_string())]
    );
}

/// §3.3.15 Unacceptable Accept offering.
#[test]
fn sdp01() {
    let r = req("sdp01");
    assert!(r
        .headers
        .has_token(&HeaderName::Accept, "text/nobodyKnowsThis"));
}

/// §3.4.1 INVITE with RFC 2543 syntax: accepted for backward compatibility
/// (no Max-Forwards, no branch, no Content-Length).
#[test]
fn inv2543() {
    let r = req("inv2543");
    assert_eq!(r.max_forwards(), None);
    assert_eq!(r.top_via().unwrap().branch(), None);
    assert!(r.body.starts_with(b"v=0\r\n"));
    assert!(r.body.ends_with(b"m=audio 49217 RTP/AVP 0\r\n"));
    assert_eq!(r.to().unwrap().param("user"), Some(Some("phone")));
}

/// Every file, cut at every length and fed to both entry points, must not
/// panic.
#[test]
fn truncations_never_panic() {
    let dir = format!("{}/tests/rfc4475", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("dat") {
            continue;
        }
        let raw = std::fs::read(&path).unwrap();
        for cut in 0..=raw.len() {
            let _ = parse_datagram(&raw[..cut], &Limits::default());
            let _ = parse_stream(&raw[..cut], &Limits::default());
        }
    }
}
