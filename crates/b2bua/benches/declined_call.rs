//! A whole declined call through the engine, Lua runtime included: INVITE in, the script
//! declines with 486, 100 and 486 out, the caller's ACK absorbed, then the engine's timers run
//! until the call and its transaction are gone. The INVITE and ACK are parsed from bytes as
//! the UDP driver would; building their text is not measured.
//!
//! Run: `cargo bench -p callctl-b2bua --bench declined_call`.

use std::hint::black_box;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use callctl_b2bua::{Engine, EngineConfig, EngineOutput, Trigger, TriggerTable};
use callctl_service::{LuaRunner, RuntimeConfig};
use callctl_sip::id::IdGenerator;
use callctl_sip::message::{parse_datagram, Limits};
use callctl_sip::{Peer, Transport};
use criterion::{criterion_group, criterion_main, Criterion};

const DECLINE: &str = r#"local incall_api = require "n2.n2svcd.sip_incall_service"
local scc = ...
incall_api.decline (486)
return"#;

const INVITE: &str = "INVITE sip:0800123456@127.0.0.1:5060 SIP/2.0\r\n\
Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-2731-@N@-0\r\n\
From: sipp <sip:6441234567@127.0.0.1:5061>;tag=2731SIPpTag00@N@\r\n\
To: 0800123456 <sip:0800123456@127.0.0.1:5060>\r\n\
Call-ID: @N@-2731@127.0.0.1\r\n\
CSeq: 1 INVITE\r\n\
Contact: sip:sipp@127.0.0.1:5061\r\n\
Max-Forwards: 70\r\n\
Subject: Performance Test\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 129\r\n\
\r\n\
v=0\r\n\
o=user1 53655765 2353687637 IN IP4 127.0.0.1\r\n\
s=-\r\n\
c=IN IP4 127.0.0.1\r\n\
t=0 0\r\n\
m=audio 6000 RTP/AVP 0\r\n\
a=rtpmap:0 PCMU/8000\r\n";

/// The ACK for the 486, without its To line (taken from the 486 as the caller would).
const ACK_HEAD: &str = "ACK sip:0800123456@127.0.0.1:5060 SIP/2.0\r\n\
Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-2731-@N@-0\r\n\
From: sipp <sip:6441234567@127.0.0.1:5061>;tag=2731SIPpTag00@N@\r\n";
const ACK_TAIL: &str = "Call-ID: @N@-2731@127.0.0.1\r\n\
CSeq: 1 ACK\r\n\
Max-Forwards: 70\r\n\
Content-Length: 0\r\n\
\r\n";

struct ScriptDir(PathBuf);

impl Drop for ScriptDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Bench {
    engine: Engine<LuaRunner>,
    caller: Peer,
    now: Instant,
    n: u64,
    /// Datagrams sent to the caller in the last call.
    sent: Vec<Vec<u8>>,
    edrs: usize,
}

impl Bench {
    fn drain(&mut self) {
        while let Some(out) = self.engine.poll_output() {
            match out {
                EngineOutput::Transmit(t) => self.sent.push(t.bytes),
                EngineOutput::Edr(r) => {
                    black_box(&r);
                    self.edrs += 1;
                }
            }
        }
    }

    fn deliver(&mut self, bytes: &[u8]) {
        match parse_datagram(bytes, &Limits::default()) {
            Ok(m) => self.engine.on_message(m, self.caller, self.now),
            Err(e) => panic!("bench message does not parse: {e}"),
        }
        self.drain();
    }

    /// Fire every engine timer due within `d`.
    fn run_timers(&mut self, d: Duration) {
        let until = self.now + d;
        while let Some(at) = self.engine.poll_timeout() {
            if at > until {
                break;
            }
            self.engine.handle_timeout(at);
            self.drain();
        }
    }

    /// One call; returns the time spent in the engine (parsing included).
    fn call(&mut self) -> Duration {
        self.n += 1;
        self.now += Duration::from_secs(60);
        self.sent.clear();
        let n = self.n.to_string();
        let invite = INVITE.replace("@N@", &n);
        let t = Instant::now();
        self.deliver(invite.as_bytes());
        let mut spent = t.elapsed();
        let final_response = self.sent.last().expect("a final response");
        assert!(final_response.starts_with(b"SIP/2.0 486 "), "no 486");
        let to = to_line(final_response);
        let ack = format!(
            "{}{to}{}",
            ACK_HEAD.replace("@N@", &n),
            ACK_TAIL.replace("@N@", &n)
        );
        let t = Instant::now();
        self.deliver(ack.as_bytes());
        self.run_timers(Duration::from_secs(40));
        spent += t.elapsed();
        spent
    }
}

/// The `To:` line of a response, CRLF included.
fn to_line(bytes: &[u8]) -> String {
    let text = std::str::from_utf8(bytes).expect("UTF-8 response");
    let start = text.find("\r\nTo: ").expect("a To header") + 2;
    let end = start + text[start..].find("\r\n").expect("line end") + 2;
    text[start..end].to_string()
}

fn benches(c: &mut Criterion) {
    let dir =
        ScriptDir(std::env::temp_dir().join(format!("callctl-bench-b2bua-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    std::fs::create_dir_all(&dir.0).expect("create script dir");
    std::fs::write(dir.0.join("decline.lua"), DECLINE).expect("write script");
    let config = EngineConfig {
        contact_udp: "127.0.0.1:5060".into(),
        contact_tcp: "127.0.0.1:5060".into(),
        public_domain: "sip.example.net".into(),
        server_header: "callctl-bench".into(),
        triggers: TriggerTable::new(vec![Trigger {
            prefix: String::new(),
            script_key: "decline".into(),
        }])
        .expect("trigger table"),
        ..EngineConfig::default()
    };
    let runner = LuaRunner::new(RuntimeConfig {
        script_dirs: vec![dir.0.clone()],
        ..RuntimeConfig::default()
    })
    .expect("Lua runner");
    let start = Instant::now();
    let engine = Engine::new(
        config,
        runner,
        IdGenerator::new(1, 1),
        (start, SystemTime::now()),
    );
    let mut bench = Bench {
        engine,
        caller: Peer {
            transport: Transport::Udp,
            addr: SocketAddr::from(([127, 0, 0, 1], 5061)),
            connection: None,
        },
        now: start,
        n: 0,
        sent: Vec::new(),
        edrs: 0,
    };
    let check = parse_datagram(INVITE.as_bytes(), &Limits::default()).expect("INVITE parses");
    assert_eq!(check.body().len(), 129);
    // One call to check the shape: 100, 486, and nothing left behind.
    bench.call();
    let firsts: Vec<String> = bench
        .sent
        .iter()
        .map(|b| {
            String::from_utf8_lossy(&b[..b.iter().position(|&c| c == b'\r').unwrap_or(0)])
                .into_owned()
        })
        .collect();
    assert_eq!(firsts, ["SIP/2.0 100 Trying", "SIP/2.0 486 Busy Here"]);
    assert_eq!(bench.engine.active_calls(), 0, "call left behind");
    assert_eq!(
        bench.engine.active_transactions(),
        0,
        "transaction left behind"
    );

    c.bench_function("b2bua/declined_call_invite_100_486_ack", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| bench.call()).sum())
    });
    assert_eq!(bench.engine.active_calls(), 0, "calls left behind");
    assert_eq!(
        bench.engine.active_transactions(),
        0,
        "transactions left behind"
    );
    eprintln!(
        "b2bua: {} calls, {} EDR records, Lua state {} KiB",
        bench.n,
        bench.edrs,
        bench.engine.runner_mut().used_memory() / 1024
    );
}

criterion_group!(group, benches);
criterion_main!(group);
