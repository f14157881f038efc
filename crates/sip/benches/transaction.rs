//! One whole server INVITE transaction through the transaction layer: INVITE in, 100 and 486
//! out, ACK absorbed, Timer I fired and the transaction removed. Each iteration uses a fresh
//! branch so the layer sees a new transaction, not a retransmission.
//!
//! Run: `cargo bench -p callctl-sip --bench transaction`.

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use callctl_sip::message::{parse_datagram, response_to, Limits, Message, Request};
use callctl_sip::transaction::{RequestOutcome, TransactionLayer};
use callctl_sip::{Peer, TimerConfig, Transport};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

const INVITE: &str = "INVITE sip:0800123456@192.0.2.20:5060 SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.10:5061;branch=@BRANCH@;rport\r\n\
From: sipp <sip:6441234567@192.0.2.10:5061>;tag=2731SIPpTag001\r\n\
To: 0800123456 <sip:0800123456@192.0.2.20:5060>\r\n\
Call-ID: @N@-2731@192.0.2.10\r\n\
CSeq: 1 INVITE\r\n\
Contact: sip:sipp@192.0.2.10:5061\r\n\
Max-Forwards: 70\r\n\
Subject: Performance Test\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 131\r\n\
\r\n\
v=0\r\n\
o=user1 53655765 2353687637 IN IP4 192.0.2.10\r\n\
s=-\r\n\
c=IN IP4 192.0.2.10\r\n\
t=0 0\r\n\
m=audio 6000 RTP/AVP 0\r\n\
a=rtpmap:0 PCMU/8000\r\n";

const ACK: &str = "ACK sip:0800123456@192.0.2.20:5060 SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.10:5061;branch=@BRANCH@;rport\r\n\
From: sipp <sip:6441234567@192.0.2.10:5061>;tag=2731SIPpTag001\r\n\
To: 0800123456 <sip:0800123456@192.0.2.20:5060>;tag=srv@N@\r\n\
Call-ID: @N@-2731@192.0.2.10\r\n\
CSeq: 1 ACK\r\n\
Max-Forwards: 70\r\n\
Content-Length: 0\r\n\
\r\n";

fn request(template: &str, n: u64) -> Request {
    let text = template
        .replace("@BRANCH@", &format!("z9hG4bK-2731-{n}-0"))
        .replace("@N@", &n.to_string());
    match parse_datagram(text.as_bytes(), &Limits::default()) {
        Ok(Message::Request(r)) => r,
        Ok(other) => panic!("not a request: {other:?}"),
        Err(e) => panic!("bench request does not parse: {e}"),
    }
}

/// One transaction, start to finish; returns the number of datagrams sent.
fn round(
    layer: &mut TransactionLayer,
    peer: Peer,
    now: Instant,
    invite: Request,
    ack: Request,
) -> usize {
    let RequestOutcome::New(id, invite) = layer.on_request(invite, peer, now) else {
        panic!("INVITE not taken as a new transaction");
    };
    let trying = response_to(&invite, 100, None);
    layer.respond(id, &trying, now).expect("100");
    let busy = response_to(&invite, 486, Some("srv"));
    layer.respond(id, &busy, now).expect("486");
    let mut sent = 0;
    while let Some(t) = layer.poll_transmit() {
        sent += t.bytes.len().min(1);
    }
    let outcome = layer.on_request(ack, peer, now);
    assert!(matches!(outcome, RequestOutcome::Absorbed));
    // Timer I (T4 on UDP) ends the Confirmed state.
    layer.handle_timeout(now + Duration::from_secs(6));
    while layer.poll_event().is_some() {}
    sent
}

fn benches(c: &mut Criterion) {
    let peer = Peer {
        transport: Transport::Udp,
        addr: "192.0.2.10:5061".parse::<SocketAddr>().unwrap(),
        connection: None,
    };
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let mut now = Instant::now();
    let mut n = 0u64;
    // The whole SDP is the body (a short Content-Length would silently truncate it).
    assert_eq!(request(INVITE, 0).body.len(), 131);
    // Check once that a round leaves nothing behind.
    assert_eq!(
        round(&mut layer, peer, now, request(INVITE, 0), request(ACK, 0)),
        2
    );
    assert!(layer.is_empty());

    c.bench_function("sip/server_invite_transaction_100_486_ack", |b| {
        b.iter_batched(
            || {
                n += 1;
                now += Duration::from_secs(10);
                (request(INVITE, n), request(ACK, n), now)
            },
            |(invite, ack, at)| black_box(round(&mut layer, peer, at, invite, ack)),
            BatchSize::SmallInput,
        )
    });
    assert!(layer.is_empty(), "transactions left behind");
}

criterion_group!(group, benches);
criterion_main!(group);
