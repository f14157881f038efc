//! Property tests: generated messages print and parse back to the same
//! model, and arbitrary or mutated input never panics.

use callctl_sip_message::*;
use proptest::prelude::*;
use std::net::{Ipv4Addr, Ipv6Addr};

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9.!%*_+`'~-]{0,10}"
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::Invite),
        Just(Method::Ack),
        Just(Method::Bye),
        Just(Method::Cancel),
        Just(Method::Options),
        Just(Method::Register),
        Just(Method::Prack),
        Just(Method::Update),
        Just(Method::Info),
        Just(Method::Subscribe),
        Just(Method::Notify),
        Just(Method::Refer),
        Just(Method::Message),
        Just(Method::Publish),
        // Goes through from_token so that e.g. "BYE" maps to Method::Bye.
        token().prop_map(|t| Method::from_token(&t)),
    ]
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,8}(\\.[a-z][a-z0-9-]{0,8}){0,3}",
        any::<[u8; 4]>().prop_map(|o| Ipv4Addr::from(o).to_string()),
        any::<[u16; 8]>().prop_map(|s| format!("[{}]", Ipv6Addr::from(s))),
    ]
}

fn uri_params() -> impl Strategy<Value = Vec<Param>> {
    prop::collection::vec(
        (
            "[a-z][a-z0-9-]{0,6}",
            prop::option::of("[a-zA-Z0-9.%-]{1,8}"),
        )
            .prop_map(|(name, value)| Param { name, value }),
        0..3,
    )
}

fn sip_uri(allow_headers: bool) -> impl Strategy<Value = Uri> {
    let user = prop::option::of("[a-zA-Z0-9_.!~*'()&=+$,;?/#-]{1,12}(%[0-9A-F]{2})?");
    let headers = if allow_headers {
        prop::collection::vec(("[A-Za-z]{1,6}", "[a-z0-9%]{0,6}"), 0..2).boxed()
    } else {
        Just(Vec::new()).boxed()
    };
    (
        prop_oneof![Just(Scheme::Sip), Just(Scheme::Sips)],
        user,
        prop::option::of("[a-z0-9&=+$,]{0,8}"),
        host(),
        prop::option::of(any::<u16>()),
        uri_params(),
        headers,
    )
        .prop_map(|(scheme, user, password, host, port, params, headers)| {
            let password = if user.is_some() { password } else { None };
            Uri {
                scheme,
                user,
                password,
                host,
                port,
                params,
                headers,
            }
        })
}

fn any_uri(allow_headers: bool) -> impl Strategy<Value = Uri> {
    prop_oneof![
        4 => sip_uri(allow_headers),
        1 => ("\\+?[0-9][0-9-]{0,11}", uri_params()).prop_map(|(n, params)| Uri {
            scheme: Scheme::Tel,
            user: Some(n),
            password: None,
            host: String::new(),
            port: None,
            params,
            headers: Vec::new(),
        }),
    ]
}

fn header_params() -> impl Strategy<Value = Vec<Param>> {
    prop::collection::vec(
        (
            "[a-zA-Z][a-zA-Z0-9.!%*_+`'~-]{0,6}",
            prop::option::of(prop_oneof![
                "[a-zA-Z0-9.!%*_+`'~:\\[\\]-]{1,8}",
                "\"[a-z ,;<>=]{0,6}\"",
            ]),
        )
            .prop_map(|(name, value)| Param { name, value }),
        0..3,
    )
}

fn name_addr() -> impl Strategy<Value = NameAddr> {
    (
        prop::option::of("[ -~\u{a0}-\u{ff}]{0,12}"),
        any_uri(true),
        header_params(),
    )
        .prop_map(|(display, uri, params)| NameAddr {
            display,
            uri,
            params,
        })
}

fn via() -> impl Strategy<Value = Via> {
    (
        prop_oneof![
            Just("UDP"),
            Just("TCP"),
            Just("TLS"),
            Just("SCTP"),
            Just("WS")
        ],
        host(),
        prop::option::of(any::<u16>()),
        "z9hG4bK[a-zA-Z0-9]{1,10}",
        any::<bool>(),
    )
        .prop_map(|(t, host, port, branch, rport)| {
            let mut v = Via::new(t, &host, port, &branch);
            if rport {
                v.set_param("rport", None);
            }
            v
        })
}

fn printable_value() -> impl Strategy<Value = String> {
    "[ -~]{0,24}".prop_map(|s| s.trim_matches(' ').to_string())
}

#[allow(clippy::type_complexity)]
fn request() -> impl Strategy<Value = Request> {
    (
        method(),
        any_uri(false),
        prop::collection::vec(prop::collection::vec(via(), 1..3), 1..3),
        name_addr(),
        name_addr(),
        "[a-zA-Z0-9.!%*_+`'~()<>:/\\[\\]?{}-]{1,16}",
        any::<u32>(),
        prop::option::of(0u32..=255),
        prop::collection::vec(name_addr(), 0..3),
        prop::collection::vec(("X-[A-Za-z0-9-]{1,8}", printable_value()), 0..3),
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(
            |(method, uri, via_lines, from, to, call_id, seq, mf, contacts, extra, body)| {
                let mut r = Request::new(method.clone(), uri);
                for line in via_lines {
                    let v: Vec<String> = line.iter().map(ToString::to_string).collect();
                    r.headers.push(HeaderName::Via, v.join(", "));
                }
                r.headers.push(HeaderName::From, from.to_string());
                r.headers.push(HeaderName::To, to.to_string());
                r.headers.push(HeaderName::CallId, call_id);
                r.headers
                    .push(HeaderName::CSeq, CSeq::new(seq, method).to_string());
                if let Some(mf) = mf {
                    r.headers.push(HeaderName::MaxForwards, mf.to_string());
                }
                if !contacts.is_empty() {
                    let c: Vec<String> = contacts.iter().map(ToString::to_string).collect();
                    r.headers.push(HeaderName::Contact, c.join(", "));
                }
                for (n, v) in extra {
                    r.headers.push(HeaderName::parse(&n), v);
                }
                r.body = body;
                r
            },
        )
}

fn with_content_length<T: Clone>(h: &Headers, n: usize, f: impl FnOnce(Headers) -> T) -> T {
    let mut h = h.clone();
    h.push(HeaderName::ContentLength, n.to_string());
    f(h)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn uri_round_trip(u in any_uri(true)) {
        let text = u.to_string();
        prop_assert_eq!(Uri::parse(&text).unwrap(), u);
    }

    #[test]
    fn name_addr_round_trip(n in name_addr()) {
        let text = n.to_string();
        prop_assert_eq!(NameAddr::parse(&text).unwrap(), n);
    }

    #[test]
    fn via_round_trip(v in via()) {
        prop_assert_eq!(Via::parse(&v.to_string()).unwrap(), v);
    }

    #[test]
    fn request_round_trip(r in request()) {
        let bytes = r.to_bytes();
        let expected = with_content_length(&r.headers, r.body.len(), |headers| {
            Message::Request(Request { headers, ..r.clone() })
        });
        let parsed = parse_datagram(&bytes, &Limits::default());
        prop_assert_eq!(parsed.as_ref().ok(), Some(&expected), "{:?}", parsed.as_ref().err());
        let streamed = parse_stream(&bytes, &Limits::default()).unwrap().unwrap();
        prop_assert_eq!(streamed.1, bytes.len());
        prop_assert_eq!(&streamed.0, &expected);
        // Typed views agree with what was generated.
        let m = parsed.unwrap();
        prop_assert_eq!(m.cseq().map(|c| c.method), Some(r.method.clone()));
        prop_assert_eq!(m.body(), &r.body[..]);
    }

    #[test]
    fn response_round_trip(r in request(), status in 100u16..=699, reason in "[ -~\u{a0}-\u{ff}]{0,20}") {
        let mut resp = response_to(&r, status, Some("totag"));
        resp.reason = reason.trim_end().to_string();
        resp.body = r.body.clone();
        let bytes = resp.to_bytes();
        let expected = with_content_length(&resp.headers, resp.body.len(), |headers| {
            Message::Response(Response { headers, ..resp.clone() })
        });
        let parsed = parse_datagram(&bytes, &Limits::default());
        prop_assert_eq!(parsed.as_ref().ok(), Some(&expected), "{:?}", parsed.as_ref().err());
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_datagram(&b, &Limits::default());
        let _ = parse_stream(&b, &Limits::default());
    }

    #[test]
    fn mutated_messages_never_panic(
        r in request(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut b = r.to_bytes();
        for (i, v) in edits {
            let i = i.index(b.len());
            b[i] = v;
        }
        if let Ok(m) = parse_datagram(&b, &Limits::default()) {
            // Whatever parses must print and parse again.
            let again = parse_datagram(&m.to_bytes(), &Limits::default());
            prop_assert!(again.is_ok(), "{:?}", again.err());
        }
        let _ = parse_stream(&b, &Limits::default());
    }
}
