//! Simulation harness for the incall engine: one [`Engine`] with a real Lua runner, a virtual
//! clock, a fake caller (UAC) that writes its requests as SIP text, and a network between them
//! that can lose datagrams. Nothing here sleeps or reads the clock after construction: time
//! only moves when a test calls [`Sim::advance`].

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use callctl_b2bua::{EdrRecord, Engine, EngineConfig, EngineOutput, Trigger, TriggerTable};
use callctl_service::{LuaRunner, RuntimeConfig};
use callctl_sip::id::IdGenerator;
use callctl_sip::message::{parse_datagram, HeaderName, Limits, Message, Method, Response};
use callctl_sip::{Peer, Transport};

/// Host part of the URIs the caller dials.
pub const SERVICE_HOST: &str = "callctl.test";
/// `public_domain` of the engine (host of `redirect` Contacts).
pub const PUBLIC_DOMAIN: &str = "sip.example.net";
/// `contact_udp` of the engine.
pub const CONTACT_UDP: &str = "127.0.0.1:5060";
/// The Server header the engine puts on its responses.
pub const SERVER: &str = "callctl-sim";
/// Wall-clock time the virtual clock starts at (for EDR timestamps).
pub const EPOCH_SECS: u64 = 1_700_000_000;

/// A directory under the system temp dir, unique per simulation, removed when dropped.
pub struct ScriptDir {
    pub path: PathBuf,
}

impl ScriptDir {
    pub fn new() -> ScriptDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("callctl-b2bua-sim-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create script dir");
        ScriptDir { path }
    }

    /// Write `<key>.lua`.
    pub fn write(&self, key: &str, text: &str) {
        std::fs::write(self.file(key), text).expect("write script");
    }

    /// The path of `<key>.lua`, as failure locations name it.
    pub fn file(&self, key: &str) -> PathBuf {
        self.path.join(format!("{key}.lua"))
    }
}

impl Drop for ScriptDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Small deterministic PRNG (splitmix64) for the lossy network.
#[derive(Debug, Clone)]
pub struct Prng(u64);

impl Prng {
    pub fn new(seed: u64) -> Prng {
        Prng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One datagram the engine sent towards the caller.
#[derive(Debug, Clone)]
pub struct Rx {
    /// Virtual time since the simulation started.
    pub at: Duration,
    pub peer: Peer,
    pub bytes: Vec<u8>,
    /// The bytes parsed back; `None` if they do not parse.
    pub msg: Option<Message>,
}

impl Rx {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    pub fn response(&self) -> &Response {
        match &self.msg {
            Some(Message::Response(r)) => r,
            other => panic!("expected a response, got {other:?}\n{}", self.text()),
        }
    }

    pub fn status(&self) -> u16 {
        self.response().status
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.response().headers.get(&HeaderName::parse(name))
    }

    /// Every line of a header, in order.
    pub fn header_lines(&self, name: &str) -> Vec<String> {
        let name = HeaderName::parse(name);
        self.response()
            .headers
            .get_all(&name)
            .map(str::to_string)
            .collect()
    }

    pub fn to_tag(&self) -> Option<String> {
        self.response().to_tag()
    }

    pub fn call_id(&self) -> &str {
        self.response().call_id().unwrap_or("")
    }

    /// `CSeq` as written, e.g. `1 INVITE`.
    pub fn cseq(&self) -> &str {
        self.header("CSeq").unwrap_or("")
    }
}

/// Status codes of a list of responses, for compact assertions.
pub fn codes(rx: &[Rx]) -> Vec<u16> {
    rx.iter().map(Rx::status).collect()
}

/// How the fake caller builds its INVITE.
#[derive(Debug, Clone)]
pub struct InviteOpts {
    /// Carry an SDP offer.
    pub sdp: bool,
    /// Extra header lines (`Name: value`), placed before Content-Type.
    pub extra: Vec<String>,
    pub max_forwards: u32,
    /// A To tag (a re-INVITE).
    pub to_tag: Option<String>,
}

impl Default for InviteOpts {
    fn default() -> Self {
        InviteOpts {
            sdp: false,
            extra: Vec::new(),
            max_forwards: 70,
            to_tag: None,
        }
    }
}

const SDP: &str = "v=0\r\no=alice 2890844526 2890844526 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n";

/// The caller's side of one call: the identifiers of its INVITE and builders for everything
/// it may send in that call.
#[derive(Debug, Clone)]
pub struct Leg {
    pub called: String,
    pub call_id: String,
    pub from_tag: String,
    /// Branch of the INVITE (and of its CANCEL and non-2xx ACK).
    pub branch: String,
    pub invite_cseq: u32,
    pub opts: InviteOpts,
    /// Counter for new branches and CSeqs of requests inside the dialog.
    next: u32,
}

/// Everything a request line-up needs; the builders fill it in.
struct RequestText<'a> {
    method: &'a str,
    uri: String,
    branch: &'a str,
    from_tag: &'a str,
    to: String,
    call_id: &'a str,
    cseq: String,
    max_forwards: u32,
    extra: &'a [String],
    body: &'a str,
    content_type: Option<&'a str>,
}

impl RequestText<'_> {
    fn render(&self) -> String {
        let mut s = format!("{} {} SIP/2.0\r\n", self.method, self.uri);
        s.push_str(&format!(
            "Via: SIP/2.0/UDP 127.0.0.1:5070;branch={}\r\n",
            self.branch
        ));
        s.push_str(&format!("Max-Forwards: {}\r\n", self.max_forwards));
        s.push_str(&format!(
            "From: \"Alice\" <sip:6441234567@127.0.0.1:5070>;tag={}\r\n",
            self.from_tag
        ));
        s.push_str(&format!("To: {}\r\n", self.to));
        s.push_str(&format!("Call-ID: {}\r\n", self.call_id));
        s.push_str(&format!("CSeq: {}\r\n", self.cseq));
        if self.method == "INVITE" {
            s.push_str("Contact: <sip:6441234567@127.0.0.1:5070>\r\n");
        }
        for line in self.extra {
            s.push_str(line);
            s.push_str("\r\n");
        }
        if let Some(ct) = self.content_type {
            s.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        s.push_str(&format!("Content-Length: {}\r\n\r\n", self.body.len()));
        s.push_str(self.body);
        s
    }
}

impl Leg {
    pub fn uri(&self) -> String {
        format!("sip:{}@{SERVICE_HOST}", self.called)
    }

    fn to_header(&self, tag: Option<&str>) -> String {
        match tag {
            Some(t) => format!("<{}>;tag={t}", self.uri()),
            None => format!("<{}>", self.uri()),
        }
    }

    fn fresh_branch(&mut self) -> String {
        self.next += 1;
        format!("{}-{}", self.branch, self.next)
    }

    fn next_cseq(&mut self) -> u32 {
        self.invite_cseq + self.next
    }

    pub fn invite(&self) -> String {
        RequestText {
            method: "INVITE",
            uri: self.uri(),
            branch: &self.branch,
            from_tag: &self.from_tag,
            to: self.to_header(self.opts.to_tag.as_deref()),
            call_id: &self.call_id,
            cseq: format!("{} INVITE", self.invite_cseq),
            max_forwards: self.opts.max_forwards,
            extra: &self.opts.extra,
            body: if self.opts.sdp { SDP } else { "" },
            content_type: self.opts.sdp.then_some("application/sdp"),
        }
        .render()
    }

    /// ACK for a non-2xx final response (RFC 3261 §17.1.1.3): the INVITE's branch, and the
    /// To header of the response.
    pub fn ack(&self, final_response: &Rx) -> String {
        let to = final_response
            .header("To")
            .expect("final response has a To")
            .to_string();
        RequestText {
            method: "ACK",
            uri: self.uri(),
            branch: &self.branch,
            from_tag: &self.from_tag,
            to,
            call_id: &self.call_id,
            cseq: format!("{} ACK", self.invite_cseq),
            max_forwards: 70,
            extra: &[],
            body: "",
            content_type: None,
        }
        .render()
    }

    /// CANCEL for the INVITE (RFC 3261 §9.1): same branch, To and CSeq number.
    pub fn cancel(&self) -> String {
        RequestText {
            method: "CANCEL",
            uri: self.uri(),
            branch: &self.branch,
            from_tag: &self.from_tag,
            to: self.to_header(self.opts.to_tag.as_deref()),
            call_id: &self.call_id,
            cseq: format!("{} CANCEL", self.invite_cseq),
            max_forwards: 70,
            extra: &[],
            body: "",
            content_type: None,
        }
        .render()
    }

    /// BYE in the (early) dialog with the given To tag.
    pub fn bye(&mut self, to_tag: &str) -> String {
        let branch = self.fresh_branch();
        let cseq = self.next_cseq();
        RequestText {
            method: "BYE",
            uri: self.uri(),
            branch: &branch,
            from_tag: &self.from_tag,
            to: self.to_header(Some(to_tag)),
            call_id: &self.call_id,
            cseq: format!("{cseq} BYE"),
            max_forwards: 70,
            extra: &[],
            body: "",
            content_type: None,
        }
        .render()
    }

    /// PRACK for a reliable provisional (RFC 3262 §7.2): `RAck: <rseq> <invite cseq> INVITE`.
    pub fn prack(&mut self, to_tag: &str, rseq: u32) -> String {
        let branch = self.fresh_branch();
        let cseq = self.next_cseq();
        let rack = vec![format!("RAck: {rseq} {} INVITE", self.invite_cseq)];
        RequestText {
            method: "PRACK",
            uri: self.uri(),
            branch: &branch,
            from_tag: &self.from_tag,
            to: self.to_header(Some(to_tag)),
            call_id: &self.call_id,
            cseq: format!("{cseq} PRACK"),
            max_forwards: 70,
            extra: &rack,
            body: "",
            content_type: None,
        }
        .render()
    }

    /// Any other request in this call (method as written, optional To tag).
    pub fn request(&mut self, method: &str, to_tag: Option<&str>) -> String {
        let branch = self.fresh_branch();
        let cseq = self.next_cseq();
        RequestText {
            method,
            uri: self.uri(),
            branch: &branch,
            from_tag: &self.from_tag,
            to: self.to_header(to_tag),
            call_id: &self.call_id,
            cseq: format!("{cseq} {method}"),
            max_forwards: 70,
            extra: &[],
            body: "",
            content_type: None,
        }
        .render()
    }
}

/// A rule of the lossy network: drop the next `remaining` responses with `status`.
#[derive(Debug, Clone)]
struct DropRule {
    status: u16,
    remaining: usize,
}

/// A change to the engine configuration, applied when the simulation is built.
type ConfigEdit = Box<dyn FnOnce(&mut EngineConfig)>;

/// How a simulation is set up.
pub struct SimBuilder {
    seed: u64,
    scripts: Vec<(String, String)>,
    triggers: Vec<(String, String)>,
    budget: u64,
    configure: Vec<ConfigEdit>,
}

impl SimBuilder {
    /// Seed of the engine's identifier generator (tags) and of the caller's identifiers.
    pub fn seed(mut self, seed: u64) -> SimBuilder {
        self.seed = seed;
        self
    }

    /// A script `<key>.lua`.
    pub fn script(mut self, key: &str, text: &str) -> SimBuilder {
        self.scripts.push((key.into(), text.into()));
        self
    }

    /// Calls whose number starts with `prefix` run `key`.
    pub fn trigger(mut self, prefix: &str, key: &str) -> SimBuilder {
        self.triggers.push((prefix.into(), key.into()));
        self
    }

    /// A script that every called number runs (empty prefix).
    pub fn only_script(self, key: &str, text: &str) -> SimBuilder {
        self.script(key, text).trigger("", key)
    }

    /// The runner's instruction budget between two commands.
    pub fn budget(mut self, budget: u64) -> SimBuilder {
        self.budget = budget;
        self
    }

    pub fn configure(mut self, f: impl FnOnce(&mut EngineConfig) + 'static) -> SimBuilder {
        self.configure.push(Box::new(f));
        self
    }

    pub fn build(self) -> Sim {
        let dir = ScriptDir::new();
        for (key, text) in &self.scripts {
            dir.write(key, text);
        }
        let triggers = self
            .triggers
            .iter()
            .map(|(prefix, key)| Trigger {
                prefix: prefix.clone(),
                script_key: key.clone(),
            })
            .collect();
        let mut config = EngineConfig {
            contact_udp: CONTACT_UDP.into(),
            contact_tcp: CONTACT_UDP.into(),
            public_domain: PUBLIC_DOMAIN.into(),
            server_header: SERVER.into(),
            triggers: TriggerTable::new(triggers).expect("trigger table"),
            ..EngineConfig::default()
        };
        for f in self.configure {
            f(&mut config);
        }
        let runner = LuaRunner::new(RuntimeConfig {
            script_dirs: vec![dir.path.clone()],
            trace_level: 0,
            instruction_budget: self.budget,
            memory_limit_bytes: 64 * 1024 * 1024,
        })
        .expect("Lua runner");
        let start = Instant::now();
        let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(EPOCH_SECS);
        let engine = Engine::new(
            config,
            runner,
            IdGenerator::new(self.seed, 1),
            (start, wall),
        );
        Sim {
            engine,
            dir,
            start,
            now: start,
            seed: self.seed,
            caller: Peer {
                transport: Transport::Udp,
                addr: SocketAddr::from(([127, 0, 0, 1], 5070)),
                connection: None,
            },
            next_call: 0,
            inbox: Vec::new(),
            delivered: Vec::new(),
            wire: Vec::new(),
            dropped: Vec::new(),
            edrs: Vec::new(),
            loss: None,
            drop_rules: Vec::new(),
            auto_ack: false,
            acks_sent: 0,
        }
    }
}

/// The simulation: engine, virtual clock, caller and network.
pub struct Sim {
    pub engine: Engine<LuaRunner>,
    pub dir: ScriptDir,
    start: Instant,
    now: Instant,
    seed: u64,
    /// Where the caller sends from.
    pub caller: Peer,
    next_call: u64,
    /// Delivered to the caller and not yet taken by the test.
    inbox: Vec<Rx>,
    /// Everything delivered to the caller.
    pub delivered: Vec<Rx>,
    /// Everything the engine transmitted, lost or not.
    pub wire: Vec<Rx>,
    /// What the network lost.
    pub dropped: Vec<Rx>,
    pub edrs: Vec<EdrRecord>,
    loss: Option<(f64, Prng)>,
    drop_rules: Vec<DropRule>,
    /// The caller acknowledges every non-2xx final response it receives (as its INVITE
    /// client transaction would, RFC 3261 §17.1.1.3).
    pub auto_ack: bool,
    /// ACKs sent by `auto_ack`.
    pub acks_sent: usize,
}

impl Sim {
    pub fn builder() -> SimBuilder {
        SimBuilder {
            seed: 1,
            scripts: Vec::new(),
            triggers: Vec::new(),
            budget: 2_000_000,
            configure: Vec::new(),
        }
    }

    /// Virtual time since the start.
    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    pub fn now(&self) -> Instant {
        self.now
    }

    /// The path of a script, as failure locations name it.
    pub fn script_file(&self, key: &str) -> String {
        self.dir.file(key).display().to_string()
    }

    /// Lose `fraction` of the datagrams from the engine to the caller, chosen by a PRNG
    /// seeded with `seed`.
    pub fn set_loss(&mut self, fraction: f64, seed: u64) {
        self.loss = Some((fraction, Prng::new(seed)));
    }

    /// Lose the next `count` responses with `status` sent to the caller.
    pub fn drop_next(&mut self, status: u16, count: usize) {
        self.drop_rules.push(DropRule {
            status,
            remaining: count,
        });
    }

    /// A new call towards `called` with a plain INVITE (no SDP).
    pub fn call(&mut self, called: &str) -> Leg {
        self.call_with(called, InviteOpts::default())
    }

    pub fn call_with(&mut self, called: &str, opts: InviteOpts) -> Leg {
        self.next_call += 1;
        let n = self.next_call;
        Leg {
            called: called.into(),
            call_id: format!("sim{:x}-{n}@127.0.0.1", self.seed),
            from_tag: format!("uac{n}"),
            branch: format!("z9hG4bKsim{n}"),
            invite_cseq: 1,
            opts,
            next: 0,
        }
    }

    /// Send the INVITE of `leg` (again, for a retransmission).
    pub fn invite(&mut self, leg: &Leg) {
        self.send(&leg.invite());
    }

    /// Deliver text from the caller to the engine, as its driver would: parse it, then
    /// `on_message` or `on_malformed`; then collect what the engine produced.
    pub fn send(&mut self, text: &str) {
        self.send_bytes(text.as_bytes());
    }

    pub fn send_bytes(&mut self, bytes: &[u8]) {
        match parse_datagram(bytes, &Limits::default()) {
            Ok(message) => self.engine.on_message(message, self.caller, self.now),
            Err(malformed) => self.engine.on_malformed(malformed, self.caller, self.now),
        }
        self.drain();
    }

    /// Move virtual time forward by `d`, firing every engine timer at its own instant.
    pub fn advance(&mut self, d: Duration) {
        let target = self.now + d;
        let mut steps = 0u32;
        while let Some(at) = self.engine.poll_timeout() {
            if at > target {
                break;
            }
            self.now = at.max(self.now);
            self.engine.handle_timeout(self.now);
            self.drain();
            steps += 1;
            assert!(
                steps < 1_000_000,
                "engine timers do not settle at {:?}",
                self.elapsed()
            );
        }
        self.now = target;
    }

    pub fn advance_ms(&mut self, ms: u64) {
        self.advance(Duration::from_millis(ms));
    }

    /// Advance to `ms` since the start.
    pub fn advance_to_ms(&mut self, ms: u64) {
        let target = Duration::from_millis(ms);
        assert!(target >= self.elapsed(), "time only moves forward");
        self.advance(target - self.elapsed());
    }

    /// The engine's graceful shutdown, at the current virtual time.
    pub fn release_all(&mut self, code: u16) {
        self.engine.release_all(code, self.now);
        self.drain();
    }

    /// Everything delivered to the caller since the last `take`.
    pub fn take(&mut self) -> Vec<Rx> {
        std::mem::take(&mut self.inbox)
    }

    /// Collect the engine's outputs: EDRs, and datagrams through the network to the caller.
    fn drain(&mut self) {
        let mut acks = Vec::new();
        while let Some(out) = self.engine.poll_output() {
            match out {
                EngineOutput::Edr(record) => self.edrs.push(record),
                EngineOutput::Transmit(t) => {
                    let msg = parse_datagram(&t.bytes, &Limits::default()).ok();
                    let rx = Rx {
                        at: self.elapsed(),
                        peer: t.peer,
                        bytes: t.bytes,
                        msg,
                    };
                    self.wire.push(rx.clone());
                    if self.lost(&rx) {
                        self.dropped.push(rx);
                        continue;
                    }
                    if self.auto_ack {
                        if let Some(ack) = ack_for(&rx) {
                            acks.push(ack);
                        }
                    }
                    self.delivered.push(rx.clone());
                    self.inbox.push(rx);
                }
            }
        }
        for ack in acks {
            self.acks_sent += 1;
            self.send(&ack);
        }
    }

    fn lost(&mut self, rx: &Rx) -> bool {
        if let Some(Message::Response(r)) = &rx.msg {
            if let Some(rule) = self
                .drop_rules
                .iter_mut()
                .find(|d| d.status == r.status && d.remaining > 0)
            {
                rule.remaining -= 1;
                return true;
            }
        }
        match &mut self.loss {
            Some((fraction, prng)) => prng.next_f64() < *fraction,
            None => false,
        }
    }

    /// EDRs of one event type.
    pub fn edrs_of(&self, event: &str) -> Vec<&EdrRecord> {
        self.edrs.iter().filter(|e| e.event == event).collect()
    }

    /// Every EDR of one call (by Call-ID), in order.
    pub fn edrs_for(&self, call_id: &str) -> Vec<&EdrRecord> {
        self.edrs
            .iter()
            .filter(|e| e.field("CALL_ID") == Some(call_id))
            .collect()
    }

    /// Event names of one call's EDRs, in order.
    pub fn events_for(&self, call_id: &str) -> Vec<&'static str> {
        self.edrs_for(call_id).iter().map(|e| e.event).collect()
    }

    /// The one EDR of `event` for a call; panics unless there is exactly one.
    pub fn edr(&self, call_id: &str, event: &str) -> &EdrRecord {
        let found: Vec<&EdrRecord> = self
            .edrs_for(call_id)
            .into_iter()
            .filter(|e| e.event == event)
            .collect();
        assert_eq!(found.len(), 1, "{event} records for {call_id}: {found:#?}");
        found[0]
    }

    /// The end record (TEARDOWN) of a call; exactly one must exist.
    pub fn teardown(&self, call_id: &str) -> &EdrRecord {
        self.edr(call_id, "TEARDOWN")
    }

    /// Texts of a call's NOTICE records.
    pub fn notices(&self, call_id: &str) -> Vec<String> {
        self.edrs_for(call_id)
            .iter()
            .filter(|e| e.event == "NOTICE")
            .map(|e| e.field("TEXT").unwrap_or_default().to_string())
            .collect()
    }

    /// Script instances alive in the runner.
    pub fn scripts_alive(&mut self) -> usize {
        self.engine.runner_mut().active()
    }
}

/// The ACK a UAC sends for a non-2xx final response to its INVITE, built from the response
/// (its Via branch, From, To, Call-ID and CSeq number; the Request-URI is the To URI, which is
/// what this caller's INVITEs use).
fn ack_for(rx: &Rx) -> Option<String> {
    let Some(Message::Response(r)) = &rx.msg else {
        return None;
    };
    let cseq = r.cseq()?;
    if r.status < 300 || cseq.method != Method::Invite {
        return None;
    }
    let to = r.headers.get(&HeaderName::To)?;
    let uri = r.to()?.uri.to_string();
    let mut s = format!("ACK {uri} SIP/2.0\r\n");
    s.push_str(&format!("Via: {}\r\n", r.headers.get(&HeaderName::Via)?));
    s.push_str("Max-Forwards: 70\r\n");
    s.push_str(&format!("From: {}\r\n", r.headers.get(&HeaderName::From)?));
    s.push_str(&format!("To: {to}\r\n"));
    s.push_str(&format!("Call-ID: {}\r\n", r.call_id()?));
    s.push_str(&format!("CSeq: {} ACK\r\n", cseq.seq));
    s.push_str("Content-Length: 0\r\n\r\n");
    Some(s)
}

/// Milliseconds, for readable time assertions.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}
