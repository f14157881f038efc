//! Parse and print of a typical SIPp-style INVITE with SDP, and printing a 486 built with
//! `response_to`.
//!
//! Run: `cargo bench -p callctl-sip-message --bench parse_print`.

use std::hint::black_box;

use callctl_sip_message::{parse_datagram, response_to, Limits, Message, Request};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// A SIPp uac INVITE as it arrives after a carrier edge: SIPp's header set plus the headers a
/// real UA adds, and an SDP offer with three codecs and telephone-event.
const INVITE: &str = "INVITE sip:0800123456@192.0.2.20:5060 SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.10:5061;branch=z9hG4bK-2731-1-0;rport\r\n\
From: sipp <sip:6441234567@192.0.2.10:5061>;tag=2731SIPpTag001\r\n\
To: 0800123456 <sip:0800123456@192.0.2.20:5060>\r\n\
Call-ID: 1-2731@192.0.2.10\r\n\
CSeq: 1 INVITE\r\n\
Contact: sip:sipp@192.0.2.10:5061\r\n\
Max-Forwards: 70\r\n\
Subject: Performance Test\r\n\
P-Asserted-Identity: <sip:6441234567@carrier.example.net;user=phone>\r\n\
User-Agent: SIPp/3.7.3\r\n\
Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, UPDATE, PRACK, INFO\r\n\
Supported: timer, replaces\r\n\
Session-Expires: 1800\r\n\
Content-Type: application/sdp\r\n\
Content-Length:   249\r\n\
\r\n\
v=0\r\n\
o=user1 53655765 2353687637 IN IP4 192.0.2.10\r\n\
s=-\r\n\
c=IN IP4 192.0.2.10\r\n\
t=0 0\r\n\
m=audio 6000 RTP/AVP 0 8 18 101\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:18 G729/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-16\r\n\
a=sendrecv\r\n";

fn invite() -> Request {
    match parse_datagram(INVITE.as_bytes(), &Limits::default()) {
        Ok(Message::Request(r)) => r,
        Ok(other) => panic!("not a request: {other:?}"),
        Err(e) => panic!("bench INVITE does not parse: {e}"),
    }
}

fn benches(c: &mut Criterion) {
    let bytes = INVITE.as_bytes();
    let limits = Limits::default();
    // The body length in Content-Length must match, or the parser (rightly) rejects it.
    let request = invite();
    assert_eq!(request.body.len(), 249);

    let mut g = c.benchmark_group("sip_message");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function(format!("parse_invite_{}B", bytes.len()), |b| {
        b.iter(|| parse_datagram(black_box(bytes), &limits))
    });
    g.bench_function("parse_invite_read_via_from_to_cseq_callid", |b| {
        b.iter(|| {
            let Ok(Message::Request(r)) = parse_datagram(black_box(bytes), &limits) else {
                unreachable!()
            };
            let via = r.top_via();
            let from = r.from();
            let to = r.to();
            let cseq = r.cseq();
            let call_id = r.call_id().map(str::len);
            black_box((via, from, to, cseq, call_id));
        })
    });
    g.bench_function("print_invite", |b| {
        let mut out = Vec::with_capacity(2048);
        b.iter(|| {
            out.clear();
            black_box(&request).write_to(&mut out);
            black_box(out.len())
        })
    });
    g.bench_function("print_invite_to_bytes", |b| {
        b.iter(|| black_box(&request).to_bytes())
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("build_and_print_486_response_to", |b| {
        b.iter(|| {
            let resp = response_to(black_box(&request), 486, Some("7c3b1a9e"));
            resp.to_bytes()
        })
    });
    g.finish();
}

criterion_group!(group, benches);
criterion_main!(group);
