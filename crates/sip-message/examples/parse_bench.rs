//! Rough hot-path timing: `cargo run --release -p callctl-sip-message --example parse_bench`.
//! Parses and prints a typical ~800-byte carrier INVITE in a loop.

use callctl_sip_message::{parse_datagram, Limits, Message};
use std::hint::black_box;
use std::time::Instant;

const INVITE: &str = "INVITE sip:+4930123456789@gw1.carrier.example.net;user=phone SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-524287-1---1d3b2e1f8e6d1c2b;rport\r\n\
Max-Forwards: 69\r\n\
Contact: <sip:+4989987654321@192.0.2.10:5060;transport=udp>\r\n\
To: <sip:+4930123456789@carrier.example.net;user=phone>\r\n\
From: \"Caller Name\" <sip:+4989987654321@carrier.example.net;user=phone>;tag=4d9b2c1a\r\n\
Call-ID: 8f3b2d1c0a9e8f7d6c5b4a3928171605@192.0.2.10\r\n\
CSeq: 1 INVITE\r\n\
Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO, UPDATE, PRACK\r\n\
Supported: 100rel, timer, replaces\r\n\
Session-Expires: 1800\r\n\
P-Asserted-Identity: <sip:+4989987654321@carrier.example.net;user=phone>\r\n\
User-Agent: ExampleGW/1.0\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 231\r\n\
\r\n\
v=0\r\n\
o=- 3857193740 3857193740 IN IP4 192.0.2.10\r\n\
s=-\r\n\
c=IN IP4 192.0.2.10\r\n\
t=0 0\r\n\
m=audio 20000 RTP/AVP 8 0 18 101\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:18 G729/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-16\r\n\
a=ptime:20\r\n";

fn main() {
    let limits = Limits::default();
    let buf = INVITE.as_bytes();
    assert!(parse_datagram(buf, &limits).is_ok());
    let n = 200_000;
    let t = Instant::now();
    for _ in 0..n {
        black_box(parse_datagram(black_box(buf), &limits).ok());
    }
    let parse_ns = t.elapsed().as_nanos() / n;
    let msg = parse_datagram(buf, &limits).unwrap_or_else(|e| panic!("{e}"));
    let t = Instant::now();
    let mut out = Vec::with_capacity(2048);
    for _ in 0..n {
        out.clear();
        black_box(&msg).write_to(&mut out);
    }
    let print_ns = t.elapsed().as_nanos() / n;
    let t = Instant::now();
    for _ in 0..n {
        let m: &Message = black_box(&msg);
        black_box((m.cseq(), m.top_via(), m.call_id()));
    }
    let access_ns = t.elapsed().as_nanos() / n;
    println!("message: {} bytes", buf.len());
    println!("parse_datagram: {parse_ns} ns/op");
    println!("write_to:       {print_ns} ns/op");
    println!("cseq+top_via+call_id: {access_ns} ns/op");
}
