//! Simulation harness for the incall engine: one [`Engine`] with a real Lua runner, a virtual
//! clock, a fake caller (UAC) that writes its requests as SIP text, and a network between them
//! that can lose datagrams. Nothing here sleeps or reads the clock after construction: time
//! only moves when a test calls [`Sim::advance`].

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use callctl_b2bua::{
    EdrRecord, Engine, EngineConfig, EngineOutput, Route, RouteTable, SipPeer, Trigger,
    TriggerTable,
};
use callctl_service::{LuaRunner, RuntimeConfig};
use callctl_sip::id::IdGenerator;
use callctl_sip::message::{
    parse_datagram, reason_phrase, HeaderName, Limits, Message, Method, Request, Response,
};
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

    pub fn is_request(&self) -> bool {
        matches!(&self.msg, Some(Message::Request(_)))
    }

    pub fn request(&self) -> &Request {
        match &self.msg {
            Some(Message::Request(r)) => r,
            other => panic!("expected a request, got {other:?}\n{}", self.text()),
        }
    }

    /// The request method as written (`INVITE`, `ACK`, ...), or the status code of a response
    /// as text (`180`, `200`, ...): one label per message, for compact assertions.
    pub fn label(&self) -> String {
        match &self.msg {
            Some(Message::Request(r)) => r.method.to_string(),
            Some(Message::Response(r)) => r.status.to_string(),
            None => "?".into(),
        }
    }

    /// A header of a request or a response.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.msg
            .as_ref()
            .and_then(|m| m.headers().get(&HeaderName::parse(name)))
    }

    /// Every line of a header of a request or a response, in order.
    pub fn get_all(&self, name: &str) -> Vec<String> {
        let name = HeaderName::parse(name);
        self.msg
            .as_ref()
            .map(|m| m.headers().get_all(&name).map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// Branch of the top Via.
    pub fn branch(&self) -> String {
        self.msg
            .as_ref()
            .and_then(|m| m.top_via())
            .and_then(|v| v.branch().map(str::to_string))
            .unwrap_or_default()
    }

    /// The body as text.
    pub fn body(&self) -> String {
        self.msg
            .as_ref()
            .map(|m| String::from_utf8_lossy(m.body()).into_owned())
            .unwrap_or_default()
    }

    /// To tag of a request or a response.
    pub fn tag_in_to(&self) -> Option<String> {
        match &self.msg {
            Some(Message::Request(r)) => r.to_tag(),
            Some(Message::Response(r)) => r.to_tag(),
            None => None,
        }
    }

    /// From tag of a request or a response.
    pub fn tag_in_from(&self) -> Option<String> {
        match &self.msg {
            Some(Message::Request(r)) => r.from_tag(),
            Some(Message::Response(r)) => r.from_tag(),
            None => None,
        }
    }
}

/// Labels of a list of messages (see [`Rx::label`]).
pub fn labels(rx: &[Rx]) -> Vec<String> {
    rx.iter().map(Rx::label).collect()
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
    /// The From header value without its tag (default: Alice at 6441234567).
    pub from: Option<String>,
}

impl Default for InviteOpts {
    fn default() -> Self {
        InviteOpts {
            sdp: false,
            extra: Vec::new(),
            max_forwards: 70,
            to_tag: None,
            from: None,
        }
    }
}

/// Where the caller sends requests inside an answered dialog: the engine's Contact.
pub const CALLER_TARGET_OF_ENGINE: &str = "sip:127.0.0.1:5060";

/// The caller's Contact URI.
pub const CALLER_CONTACT: &str = "sip:6441234567@127.0.0.1:5070";

/// The caller's From (without tag) unless [`InviteOpts::from`] says otherwise.
pub const CALLER_FROM: &str = "\"Alice\" <sip:6441234567@127.0.0.1:5070>";

/// The SDP offer of the caller's INVITE when [`InviteOpts::sdp`] is set.
pub const SDP: &str = "v=0\r\no=alice 2890844526 2890844526 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n";

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
    from: &'a str,
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
        s.push_str(&format!("From: {};tag={}\r\n", self.from, self.from_tag));
        s.push_str(&format!("To: {}\r\n", self.to));
        s.push_str(&format!("Call-ID: {}\r\n", self.call_id));
        s.push_str(&format!("CSeq: {}\r\n", self.cseq));
        if self.method == "INVITE" {
            s.push_str(&format!("Contact: <{CALLER_CONTACT}>\r\n"));
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

    /// The From header value of this caller's requests, without the tag.
    pub fn caller_from(&self) -> &str {
        self.opts.from.as_deref().unwrap_or(CALLER_FROM)
    }

    /// ACK for a 2xx to the INVITE (RFC 3261 §13.2.2.4): a new transaction (fresh branch),
    /// the INVITE's CSeq number, the To of the 2xx, sent to the 2xx's Contact; `body` is
    /// the answer of a delayed offer.
    pub fn ack_2xx(&mut self, ok: &Rx, body: Option<&str>) -> String {
        let seq = self.invite_cseq;
        self.ack_in_dialog(ok, seq, body)
    }

    /// ACK for the 2xx to a re-INVITE with CSeq number `seq`.
    pub fn ack_in_dialog(&mut self, ok: &Rx, seq: u32, body: Option<&str>) -> String {
        let branch = self.fresh_branch();
        let uri = ok
            .response()
            .contacts()
            .first()
            .map(|c| c.uri.to_string())
            .unwrap_or_else(|| self.uri());
        let to = ok.header("To").expect("2xx has a To").to_string();
        RequestText {
            method: "ACK",
            uri,
            branch: &branch,
            from: self.caller_from(),
            from_tag: &self.from_tag,
            to,
            call_id: &self.call_id,
            cseq: format!("{seq} ACK"),
            max_forwards: 70,
            extra: &[],
            body: body.unwrap_or(""),
            content_type: body.map(|_| "application/sdp"),
        }
        .render()
    }

    /// Branch of the last request built with a fresh branch (BYE, re-INVITE, 2xx ACK, ...).
    pub fn last_branch(&self) -> String {
        format!("{}-{}", self.branch, self.next)
    }

    /// ACK for a non-2xx final response to a re-INVITE sent with `branch` and CSeq `seq`
    /// (RFC 3261 §17.1.1.3: part of the re-INVITE's transaction).
    pub fn ack_non_2xx_in_dialog(&self, response: &Rx, branch: &str, seq: u32) -> String {
        let to = response.header("To").expect("To").to_string();
        RequestText {
            method: "ACK",
            uri: CALLER_TARGET_OF_ENGINE.to_string(),
            branch,
            from: self.caller_from(),
            from_tag: &self.from_tag,
            to,
            call_id: &self.call_id,
            cseq: format!("{seq} ACK"),
            max_forwards: 70,
            extra: &[],
            body: "",
            content_type: None,
        }
        .render()
    }

    /// The caller's answer to a request the engine sent it (BYE, re-INVITE): our Contact on
    /// a 2xx to an INVITE, `body` as SDP.
    pub fn reply(&self, rx: &Rx, status: u16, body: Option<&str>) -> String {
        let request = rx.request();
        let contact = (request.method == Method::Invite && (200..300).contains(&status))
            .then_some(CALLER_CONTACT);
        respond(request, status, None, contact, &[], body)
    }

    /// A re-INVITE in the answered dialog; returns the text and its CSeq number.
    pub fn reinvite(&mut self, to_tag: &str, sdp: Option<&str>) -> (String, u32) {
        let branch = self.fresh_branch();
        let cseq = self.next_cseq();
        let text = RequestText {
            method: "INVITE",
            uri: CALLER_TARGET_OF_ENGINE.to_string(),
            branch: &branch,
            from: self.caller_from(),
            from_tag: &self.from_tag,
            to: self.to_header(Some(to_tag)),
            call_id: &self.call_id,
            cseq: format!("{cseq} INVITE"),
            max_forwards: 70,
            extra: &[],
            body: sdp.unwrap_or(""),
            content_type: sdp.map(|_| "application/sdp"),
        }
        .render();
        (text, cseq)
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
            from: self.caller_from(),
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
            from: self.caller_from(),
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
            from: self.caller_from(),
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
            from: self.caller_from(),
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
            from: self.caller_from(),
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
            from: self.caller_from(),
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
    /// B-leg routes: (prefix, peer name, UDP port on 127.0.0.1) with a fake callee there.
    routes: Vec<(String, String, u16)>,
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

    /// B-legs whose address digits start with `prefix` go to the peer `name` at
    /// 127.0.0.1:`port` (UDP), where a fake callee receives what the engine sends.
    pub fn route(mut self, prefix: &str, name: &str, port: u16) -> SimBuilder {
        self.routes.push((prefix.into(), name.into(), port));
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
            routes: RouteTable::new(
                self.routes
                    .iter()
                    .map(|(prefix, name, port)| Route {
                        prefix: prefix.clone(),
                        peer: SipPeer {
                            name: name.clone(),
                            addr: SocketAddr::from(([127, 0, 0, 1], *port)),
                            transport: Transport::Udp,
                        },
                    })
                    .collect(),
            )
            .expect("route table"),
            ..EngineConfig::default()
        };
        let callees = self
            .routes
            .iter()
            .map(|(_, _, port)| SocketAddr::from(([127, 0, 0, 1], *port)))
            .collect();
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
            callees,
            b_inbox: Vec::new(),
            b_delivered: Vec::new(),
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
    /// Addresses of the fake callees (the routes' peers).
    callees: Vec<SocketAddr>,
    /// Delivered to a callee and not yet taken by the test.
    b_inbox: Vec<Rx>,
    /// Everything delivered to the callees.
    pub b_delivered: Vec<Rx>,
}

impl Sim {
    pub fn builder() -> SimBuilder {
        SimBuilder {
            seed: 1,
            scripts: Vec::new(),
            triggers: Vec::new(),
            budget: 2_000_000,
            configure: Vec::new(),
            routes: Vec::new(),
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

    /// Everything delivered to any callee since the last `take_b`.
    pub fn take_b(&mut self) -> Vec<Rx> {
        std::mem::take(&mut self.b_inbox)
    }

    /// The UDP peer of the callee at 127.0.0.1:`port`.
    pub fn callee_peer(port: u16) -> Peer {
        Peer {
            transport: Transport::Udp,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            connection: None,
        }
    }

    /// Deliver text from the callee at 127.0.0.1:`port` to the engine.
    pub fn send_from(&mut self, port: u16, text: &str) {
        let peer = Sim::callee_peer(port);
        match parse_datagram(text.as_bytes(), &Limits::default()) {
            Ok(message) => self.engine.on_message(message, peer, self.now),
            Err(malformed) => self.engine.on_malformed(malformed, peer, self.now),
        }
        self.drain();
    }

    /// Deliver text from a callee (`uas.port`).
    pub fn send_b(&mut self, uas: &Uas, text: &str) {
        self.send_from(uas.port, text);
    }

    /// Collect what the engine produced after a direct call on it (e.g. a management
    /// request), as after any input.
    pub fn flush_engine(&mut self) {
        self.drain();
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
                    if self.callees.contains(&rx.peer.addr) {
                        // The callees' network is lossless: loss rules are about the caller.
                        self.b_delivered.push(rx.clone());
                        self.b_inbox.push(rx);
                        continue;
                    }
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

    /// The EXCEPTION of a call's SHUTDOWN record, which must name the script error's place
    /// (`<key>.lua` and `line`) and begin with `message`. Returns the whole text.
    pub fn script_error(&self, call_id: &str, key: &str, line: u32, message: &str) -> String {
        let text = self
            .edr(call_id, "SHUTDOWN")
            .field("EXCEPTION")
            .expect("EXCEPTION field")
            .to_string();
        let at = format!(
            "script error at {}:{line}: {message}",
            self.script_file(key)
        );
        assert!(text.starts_with(&at), "{text}");
        text
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

/// A response to `request` as a UA writes it (RFC 3261 §8.2.6): Via lines, From, To (with
/// `to_tag` added when the request's To has none), Call-ID and CSeq copied; then `contact`,
/// the `extra` lines, and `body` as application/sdp.
pub fn respond(
    request: &Request,
    status: u16,
    to_tag: Option<&str>,
    contact: Option<&str>,
    extra: &[&str],
    body: Option<&str>,
) -> String {
    let mut s = format!("SIP/2.0 {status} {}\r\n", reason_phrase(status));
    for via in request.headers.get_all(&HeaderName::Via) {
        s.push_str(&format!("Via: {via}\r\n"));
    }
    let from = request.headers.get(&HeaderName::From).expect("From");
    s.push_str(&format!("From: {from}\r\n"));
    let to = request.headers.get(&HeaderName::To).expect("To");
    match to_tag {
        Some(tag) if request.to_tag().is_none() => s.push_str(&format!("To: {to};tag={tag}\r\n")),
        _ => s.push_str(&format!("To: {to}\r\n")),
    }
    s.push_str(&format!(
        "Call-ID: {}\r\n",
        request.call_id().expect("Call-ID")
    ));
    s.push_str(&format!(
        "CSeq: {}\r\n",
        request.headers.get(&HeaderName::CSeq).expect("CSeq")
    ));
    if let Some(c) = contact {
        s.push_str(&format!("Contact: <{c}>\r\n"));
    }
    for line in extra {
        s.push_str(line);
        s.push_str("\r\n");
    }
    if body.is_some() {
        s.push_str("Content-Type: application/sdp\r\n");
    }
    let body = body.unwrap_or("");
    s.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s
}

/// An SDP body from a callee (distinct from the caller's [`SDP`]).
pub fn callee_sdp(port: u16, version: u32) -> String {
    format!(
        "v=0\r\no=bob 53655765 {version} IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\nm=audio {} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n",
        port + 10_000
    )
}

/// A fake callee (UAS) at 127.0.0.1:`port`, holding the B-leg INVITE it received: it writes
/// its responses to that INVITE and the requests it sends inside the dialog as SIP text, for
/// [`Sim::send_b`].
#[derive(Debug, Clone)]
pub struct Uas {
    pub port: u16,
    /// The B-leg INVITE as received.
    pub invite: Request,
    /// Our To tag in every response but 100.
    pub to_tag: String,
    /// CSeq of the requests we originate in the dialog.
    cseq: u32,
    branches: u32,
}

impl Uas {
    /// The callee for the B-leg INVITE `rx` (which must be an INVITE).
    pub fn new(rx: &Rx, port: u16) -> Uas {
        let invite = rx.request().clone();
        assert_eq!(invite.method, Method::Invite, "{}", rx.text());
        Uas {
            port,
            invite,
            to_tag: format!("uas{port}"),
            cseq: 0,
            branches: 0,
        }
    }

    /// Branch of the INVITE's top Via (shared by its CANCEL and non-2xx ACK).
    pub fn branch(&self) -> String {
        self.invite
            .top_via()
            .and_then(|v| v.branch().map(str::to_string))
            .unwrap_or_default()
    }

    /// Every line of a header of the INVITE, in order.
    pub fn invite_header(&self, name: &str) -> Vec<String> {
        let name = HeaderName::parse(name);
        self.invite
            .headers
            .get_all(&name)
            .map(str::to_string)
            .collect()
    }

    /// Our Contact URI.
    pub fn contact(&self) -> String {
        format!("sip:callee@127.0.0.1:{}", self.port)
    }

    /// A response to the INVITE: no To tag on 100, our Contact on 101-299, `body` as SDP.
    pub fn answer(&self, status: u16, body: Option<&str>, extra: &[&str]) -> String {
        let tag = (status > 100).then_some(self.to_tag.as_str());
        let contact = (101..300).contains(&status).then(|| self.contact());
        respond(&self.invite, status, tag, contact.as_deref(), extra, body)
    }

    /// A response to another request the engine sent us (CANCEL, BYE, re-INVITE, ACK-less).
    pub fn reply(&self, rx: &Rx, status: u16, body: Option<&str>) -> String {
        let request = rx.request();
        let contact = (request.method == Method::Invite && (101..300).contains(&status))
            .then(|| self.contact());
        respond(
            request,
            status,
            Some(&self.to_tag),
            contact.as_deref(),
            &[],
            body,
        )
    }

    /// A request inside the dialog (RFC 3261 §12.2.1.1): to the engine's Contact, our tag
    /// in From, the engine's in To, our own CSeq space. Returns the text and its CSeq number.
    pub fn request(&mut self, method: &str, body: Option<&str>) -> (String, u32) {
        self.cseq += 1;
        self.branches += 1;
        let seq = self.cseq;
        let branch = format!("z9hG4bKuas{}-{}", self.port, self.branches);
        (self.in_dialog(method, &branch, seq, body), seq)
    }

    /// ACK for the engine's 2xx to our re-INVITE with CSeq `seq`.
    pub fn ack(&mut self, seq: u32, body: Option<&str>) -> String {
        self.branches += 1;
        let branch = format!("z9hG4bKuas{}-{}", self.port, self.branches);
        self.in_dialog("ACK", &branch, seq, body)
    }

    fn in_dialog(&self, method: &str, branch: &str, seq: u32, body: Option<&str>) -> String {
        let target = self
            .invite
            .contacts()
            .first()
            .map(|c| c.uri.to_string())
            .expect("the B-leg INVITE has a Contact");
        let from = self.invite.headers.get(&HeaderName::To).expect("To");
        let to = self.invite.headers.get(&HeaderName::From).expect("From");
        let mut s = format!("{method} {target} SIP/2.0\r\n");
        s.push_str(&format!(
            "Via: SIP/2.0/UDP 127.0.0.1:{};branch={branch}\r\n",
            self.port
        ));
        s.push_str("Max-Forwards: 70\r\n");
        s.push_str(&format!("From: {from};tag={}\r\n", self.to_tag));
        s.push_str(&format!("To: {to}\r\n"));
        s.push_str(&format!(
            "Call-ID: {}\r\n",
            self.invite.call_id().expect("Call-ID")
        ));
        s.push_str(&format!("CSeq: {seq} {method}\r\n"));
        if method == "INVITE" {
            s.push_str(&format!("Contact: <{}>\r\n", self.contact()));
        }
        if body.is_some() {
            s.push_str("Content-Type: application/sdp\r\n");
        }
        let body = body.unwrap_or("");
        s.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        s
    }
}

/// The one message in `rx`.
pub fn one(rx: Vec<Rx>) -> Rx {
    assert_eq!(
        rx.len(),
        1,
        "{:#?}",
        rx.iter().map(Rx::text).collect::<Vec<_>>()
    );
    rx.into_iter().next().unwrap()
}

/// An INVITE with an SDP offer.
pub fn with_sdp() -> InviteOpts {
    InviteOpts {
        sdp: true,
        ..InviteOpts::default()
    }
}

/// Sends the caller's INVITE; checks 100 and the automatic 180 to the caller and returns
/// the 180 and the callee holding the B-leg INVITE (which must have gone to `port`).
pub fn start(sim: &mut Sim, leg: &Leg, port: u16) -> (Rx, Uas) {
    sim.invite(leg);
    let rx = sim.take();
    assert_eq!(labels(&rx), ["100", "180"]);
    let invite = one(sim.take_b());
    assert_eq!(invite.peer, Sim::callee_peer(port));
    assert_eq!(invite.label(), "INVITE");
    let uas = Uas::new(&invite, port);
    (rx[1].clone(), uas)
}

/// Answers the call: B sends 180 at 100 ms and 200 (with SDP) at `answer_ms`. Returns the
/// caller's 200 and B's ACK.
pub fn answer_at(sim: &mut Sim, uas: &Uas, answer_ms: u64) -> (Rx, Rx) {
    sim.advance_to_ms(100);
    sim.send_b(uas, &uas.answer(180, None, &[]));
    sim.advance_to_ms(answer_ms);
    sim.send_b(uas, &uas.answer(200, Some(&callee_sdp(uas.port, 1)), &[]));
    let ok = one(sim.take());
    assert_eq!(ok.status(), 200);
    let ack = one(sim.take_b());
    assert_eq!(ack.label(), "ACK");
    (ok, ack)
}

/// A call to `called` (with SDP) whose B-leg goes to the callee at `port`, which rings at
/// 100 ms (not relayed: the caller already has the automatic 180) and answers at 1 s; the
/// caller acknowledges the 200. Returns the caller, the callee, the caller's 200 and B's ACK.
pub fn connect_answered(sim: &mut Sim, called: &str, port: u16) -> (Leg, Uas, Rx, Rx) {
    let mut leg = sim.call_with(called, with_sdp());
    let (_, uas) = start(sim, &leg, port);
    // Ringing stops the INVITE's retransmissions (RFC 3261 §17.1.1.2), and the 180 is not
    // relayed: the caller gets the 200 alone.
    let (ok, ack) = answer_at(sim, &uas, 1_000);
    sim.send(&leg.ack_2xx(&ok, None));
    assert!(sim.take().is_empty());
    (leg, uas, ok, ack)
}
