//! RFC 3261 §17 transactions with the RFC 6026 corrections, sans-IO.
//!
//! The [`TransactionLayer`] owns every transaction of one shard. Driving contract:
//!
//! ```text
//! loop {
//!     // input: a parsed message from `peer`, or nothing when a timer woke us
//!     match msg { Request(r) => layer.on_request(r, peer, now), Response(r) => layer.on_response(r, peer, now) }
//!     layer.handle_timeout(now);
//!     while let Some(t) = layer.poll_transmit() { send(t.peer, t.bytes) }
//!     while let Some(e) = layer.poll_event() { transaction_user.handle(e) }
//!     sleep_until(layer.poll_timeout());
//! }
//! ```
//!
//! Matching follows §17.1.3 (responses: top Via branch + CSeq method) and §17.2.3 (requests:
//! branch + sent-by + method, ACK matching its INVITE; requests without the RFC 3261 magic
//! cookie fall back to Call-ID, CSeq, From tag and top Via).

mod client;
mod server;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use callctl_sip_message::{Method, Request, Response};

pub use client::{ClientInviteState, ClientNonInviteState};
pub use server::{ServerInviteState, ServerNonInviteState};

use crate::id::BRANCH_COOKIE;

/// The transport a message travels on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    Udp,
    Tcp,
}

impl Transport {
    /// Reliable transports need no retransmissions (RFC 3261 §17.1.1.2, §17.1.2.2) and zero
    /// "linger" timers D, I, J, K.
    pub fn is_reliable(self) -> bool {
        matches!(self, Transport::Tcp)
    }

    /// The transport token used in Via and URIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The other end of a message: transport, address, and for connection-oriented transports the
/// connection it arrived on (responses go back on it, RFC 3261 §18.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Peer {
    pub transport: Transport,
    pub addr: SocketAddr,
    pub connection: Option<u64>,
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}",
            self.transport.as_str().to_ascii_lowercase(),
            self.addr
        )
    }
}

/// T1, T2, T4 of RFC 3261 §17.1.1.1 / Table 4; every other timer derives from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerConfig {
    /// RTT estimate (default 500 ms).
    pub t1: Duration,
    /// Maximum retransmit interval for non-INVITE requests and INVITE responses (default 4 s).
    pub t2: Duration,
    /// Maximum duration a message remains in the network (default 5 s).
    pub t4: Duration,
}

impl Default for TimerConfig {
    fn default() -> Self {
        TimerConfig {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

impl TimerConfig {
    /// 64*T1: Timers B, F, H, J, L, M (RFC 3261 Table 4, RFC 6026 §8.11).
    pub fn t1x64(&self) -> Duration {
        self.t1 * 64
    }

    /// Timer D: wait time for response retransmits, over 32 s on unreliable transports.
    pub fn timer_d(&self, reliable: bool) -> Duration {
        if reliable {
            Duration::ZERO
        } else {
            self.t1x64().max(Duration::from_secs(32))
        }
    }
}

/// Bytes for one peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    pub peer: Peer,
    pub bytes: Vec<u8>,
}

/// Identifies a transaction inside one [`TransactionLayer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransactionId(pub u64);

/// What a transaction reports to its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransactionEvent {
    /// Timer B or F: no final response to our request (RFC 3261 §17.1.1.2, §17.1.2.2), or
    /// none to a CANCELled INVITE within 64*T1 of the CANCEL (§9.1); the user treats it as a
    /// 408.
    Timeout(TransactionId),
    /// Timer H: our non-2xx final response was never acknowledged (§17.2.1).
    AckTimeout(TransactionId),
    /// The transport reported a failure for this transaction (§17.1.4, §17.2.4).
    TransportError(TransactionId),
    /// The transaction ended and was removed.
    Terminated(TransactionId),
}

/// The user called the layer at the wrong time or with the wrong thing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransactionError {
    #[error("no such transaction")]
    Unknown,
    #[error("a {status} response cannot be sent in state {state}")]
    WrongState { status: u16, state: &'static str },
    #[error("request has no top Via with a branch")]
    NoBranch,
    #[error("ACK is never sent in a client transaction of its own")]
    AckRequest,
    #[error("only an INVITE client transaction with a provisional and no final can be cancelled")]
    NotCancellable,
}

/// What became of an incoming request.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestOutcome {
    /// A new server transaction: the user must answer it through [`TransactionLayer::respond`].
    New(TransactionId, Request),
    /// An ACK not absorbed by a transaction: the ACK for a 2xx (RFC 3261 §13.2.2.4,
    /// RFC 6026 §7.1), or a stray one. Dialog code takes it.
    Ack(Request),
    /// A retransmission or an ACK for a non-2xx, handled inside the layer.
    Absorbed,
}

/// What became of an incoming response.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseOutcome {
    /// A response for one of our client transactions, to be handled by its user.
    Response(TransactionId, Response),
    /// No transaction matched (RFC 3261 §17.1.3: pass a 2xx to the core for dialog
    /// handling; drop anything else).
    Stray(Response),
    /// A retransmission handled inside the layer.
    Absorbed,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ServerKey {
    branch: String,
    sent_by: String,
    method: Method,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ClientKey {
    branch: String,
    method: Method,
}

/// Map ACK to INVITE: an ACK for a non-2xx shares its INVITE's transaction (§17.2.3).
fn match_method(m: &Method) -> Method {
    if *m == Method::Ack {
        Method::Invite
    } else {
        m.clone()
    }
}

fn server_key(request: &Request, method: Method) -> Option<ServerKey> {
    let via = request.top_via()?;
    let sent_by = format!("{}:{}", via.host.to_ascii_lowercase(), via.sent_by_port());
    match via.branch() {
        Some(b) if b.starts_with(BRANCH_COOKIE) => Some(ServerKey {
            branch: b.to_string(),
            sent_by,
            method,
        }),
        // RFC 2543 peers (§17.2.3, second half): no usable branch; identify the transaction
        // by the fields that stay the same across its retransmissions.
        other => {
            let cseq = request.cseq()?;
            Some(ServerKey {
                branch: format!(
                    "legacy|{}|{}|{}|{}|{}",
                    other.unwrap_or(""),
                    request.call_id().unwrap_or(""),
                    cseq.seq,
                    request.from_tag().unwrap_or_default(),
                    request.uri
                ),
                sent_by,
                method,
            })
        }
    }
}

/// One state machine; the INVITE client keeps its request for the ACK, so it is boxed.
#[allow(clippy::enum_variant_names)]
enum Machine {
    ServerInvite(server::ServerInvite),
    ServerNonInvite(server::ServerNonInvite),
    ClientInvite(Box<client::ClientInvite>),
    ClientNonInvite(client::ClientNonInvite),
}

impl Machine {
    fn deadline(&self) -> Option<Instant> {
        match self {
            Machine::ServerInvite(m) => m.deadline(),
            Machine::ServerNonInvite(m) => m.deadline(),
            Machine::ClientInvite(m) => m.deadline(),
            Machine::ClientNonInvite(m) => m.deadline(),
        }
    }

    fn terminated(&self) -> bool {
        match self {
            Machine::ServerInvite(m) => m.state == ServerInviteState::Terminated,
            Machine::ServerNonInvite(m) => m.state == ServerNonInviteState::Terminated,
            Machine::ClientInvite(m) => m.state == ClientInviteState::Terminated,
            Machine::ClientNonInvite(m) => m.state == ClientNonInviteState::Terminated,
        }
    }
}

struct Entry {
    machine: Machine,
    server_key: Option<ServerKey>,
    client_key: Option<ClientKey>,
    /// The deadline last pushed on the heap, to avoid duplicate heap entries.
    scheduled: Option<Instant>,
}

/// Output queues shared by the machines while they run.
pub(crate) struct Output<'a> {
    pub now: Instant,
    pub timers: &'a TimerConfig,
    pub transmits: &'a mut VecDeque<Transmit>,
    pub events: &'a mut VecDeque<TransactionEvent>,
}

/// Every transaction of one shard. See the module docs for the driving loop.
pub struct TransactionLayer {
    timers: TimerConfig,
    next_id: u64,
    /// Boxed: the table keeps spare slots, and an entry is a few hundred bytes.
    entries: HashMap<TransactionId, Box<Entry>>,
    servers: HashMap<ServerKey, TransactionId>,
    clients: HashMap<ClientKey, TransactionId>,
    deadlines: BinaryHeap<Reverse<(Instant, TransactionId)>>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<TransactionEvent>,
    retransmissions: u64,
    counters: Box<SipCounters>,
}

/// The methods counted one by one; anything else is counted as `OTHER`.
pub const COUNTED_METHODS: [&str; 15] = [
    "INVITE",
    "ACK",
    "BYE",
    "CANCEL",
    "OPTIONS",
    "REGISTER",
    "PRACK",
    "UPDATE",
    "INFO",
    "SUBSCRIBE",
    "NOTIFY",
    "REFER",
    "MESSAGE",
    "PUBLISH",
    "OTHER",
];

/// The lowest status code counted; codes run from here to 699.
pub const FIRST_COUNTED_CODE: u16 = 100;
const CODES: usize = 600;

/// Messages received and sent by one transaction layer, by method and status code. Fixed
/// arrays: counting a message is an index and an increment, nothing is allocated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipCounters {
    /// Requests by [`COUNTED_METHODS`] index: received, sent.
    pub requests_in: [u64; COUNTED_METHODS.len()],
    pub requests_out: [u64; COUNTED_METHODS.len()],
    /// Responses by status code - [`FIRST_COUNTED_CODE`]: received, sent.
    pub responses_in: [u64; CODES],
    pub responses_out: [u64; CODES],
}

impl Default for SipCounters {
    fn default() -> SipCounters {
        SipCounters {
            requests_in: [0; COUNTED_METHODS.len()],
            requests_out: [0; COUNTED_METHODS.len()],
            responses_in: [0; CODES],
            responses_out: [0; CODES],
        }
    }
}

/// Where a method is counted in [`SipCounters`].
pub fn method_index(method: &Method) -> usize {
    method_token_index(method.as_str().as_bytes())
}

fn method_token_index(token: &[u8]) -> usize {
    COUNTED_METHODS[..COUNTED_METHODS.len() - 1]
        .iter()
        .position(|m| m.as_bytes() == token)
        .unwrap_or(COUNTED_METHODS.len() - 1)
}

fn code_index(code: u16) -> Option<usize> {
    let i = usize::from(code.checked_sub(FIRST_COUNTED_CODE)?);
    (i < CODES).then_some(i)
}

impl SipCounters {
    /// Add `other` (another shard's counters) to these.
    pub fn add(&mut self, other: &SipCounters) {
        let pairs = [
            (&mut self.requests_in[..], &other.requests_in[..]),
            (&mut self.requests_out[..], &other.requests_out[..]),
            (&mut self.responses_in[..], &other.responses_in[..]),
            (&mut self.responses_out[..], &other.responses_out[..]),
        ];
        for (mine, theirs) in pairs {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
        }
    }

    /// Responses with `code` received and sent.
    pub fn responses(&self, code: u16) -> (u64, u64) {
        code_index(code).map_or((0, 0), |i| (self.responses_in[i], self.responses_out[i]))
    }

    /// Requests with the method named `method` (a [`COUNTED_METHODS`] name) received and sent.
    pub fn requests(&self, method: &str) -> (u64, u64) {
        let i = method_token_index(method.as_bytes());
        (self.requests_in[i], self.requests_out[i])
    }

    fn count_sent(&mut self, bytes: &[u8]) {
        // The first line only: `SIP/2.0 NNN ...` or `METHOD uri SIP/2.0`.
        if let Some(rest) = bytes.strip_prefix(b"SIP/2.0 ") {
            let code = rest
                .get(..3)
                .filter(|d| d.iter().all(u8::is_ascii_digit))
                .map(|d| d.iter().fold(0u16, |n, b| n * 10 + u16::from(b - b'0')));
            if let Some(i) = code.and_then(code_index) {
                self.responses_out[i] += 1;
            }
        } else {
            let end = bytes.iter().position(|&b| b == b' ').unwrap_or(0);
            self.requests_out[method_token_index(&bytes[..end])] += 1;
        }
    }
}

impl TransactionLayer {
    pub fn new(timers: TimerConfig) -> TransactionLayer {
        TransactionLayer {
            timers,
            next_id: 1,
            entries: HashMap::new(),
            servers: HashMap::new(),
            clients: HashMap::new(),
            deadlines: BinaryHeap::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            retransmissions: 0,
            counters: Box::default(),
        }
    }

    pub fn timers(&self) -> &TimerConfig {
        &self.timers
    }

    /// Live transactions.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Messages retransmitted so far (requests on Timers A/E, responses on Timer G or on a
    /// retransmitted request).
    pub fn retransmissions(&self) -> u64 {
        self.retransmissions
    }

    /// Requests and responses received and sent so far (every message on the wire,
    /// retransmissions included).
    pub fn counters(&self) -> &SipCounters {
        &self.counters
    }

    fn alloc(&mut self) -> TransactionId {
        let id = TransactionId(self.next_id);
        self.next_id += 1;
        id
    }

    /// Run `f` on a transaction's machine, then reschedule or remove it.
    fn with_machine<R>(
        &mut self,
        id: TransactionId,
        now: Instant,
        f: impl FnOnce(&mut Machine, &mut Output<'_>) -> R,
    ) -> Option<R> {
        let entry = self.entries.get_mut(&id)?;
        let mut out = Output {
            now,
            timers: &self.timers,
            transmits: &mut self.transmits,
            events: &mut self.events,
        };
        let r = f(&mut entry.machine, &mut out);
        self.settle(id);
        Some(r)
    }

    /// After a machine ran: schedule its next deadline or drop it when it terminated.
    fn settle(&mut self, id: TransactionId) {
        let Some(entry) = self.entries.get_mut(&id) else {
            return;
        };
        if entry.machine.terminated() {
            let entry = self.entries.remove(&id);
            if let Some(entry) = entry {
                if let Some(k) = entry.server_key {
                    self.servers.remove(&k);
                }
                if let Some(k) = entry.client_key {
                    self.clients.remove(&k);
                }
            }
            self.events.push_back(TransactionEvent::Terminated(id));
            return;
        }
        let deadline = entry.machine.deadline();
        if deadline != entry.scheduled {
            entry.scheduled = deadline;
            if let Some(d) = deadline {
                self.deadlines.push(Reverse((d, id)));
            }
        }
    }

    /// Handle a request from the network.
    pub fn on_request(&mut self, request: Request, peer: Peer, now: Instant) -> RequestOutcome {
        self.counters.requests_in[method_index(&request.method)] += 1;
        let method = match_method(&request.method);
        let Some(key) = server_key(&request, method) else {
            // Unmatchable (no Via): the parser rejects such requests; pass it up as new.
            let id = self.alloc();
            return RequestOutcome::New(id, request);
        };
        if request.method == Method::Ack {
            if let Some(&id) = self.servers.get(&key) {
                let absorbed = self
                    .with_machine(id, now, |m, out| match m {
                        Machine::ServerInvite(m) => m.on_ack(out),
                        _ => false,
                    })
                    .unwrap_or(false);
                if absorbed {
                    return RequestOutcome::Absorbed;
                }
            }
            return RequestOutcome::Ack(request);
        }
        if let Some(&id) = self.servers.get(&key) {
            let resent = self
                .with_machine(id, now, |m, out| match m {
                    Machine::ServerInvite(m) => m.on_retransmission(out),
                    Machine::ServerNonInvite(m) => m.on_retransmission(out),
                    _ => false,
                })
                .unwrap_or(false);
            if resent {
                self.retransmissions += 1;
            }
            return RequestOutcome::Absorbed;
        }
        let id = self.alloc();
        let reliable = peer.transport.is_reliable();
        let machine = if request.method == Method::Invite {
            Machine::ServerInvite(server::ServerInvite::new(peer, reliable))
        } else {
            Machine::ServerNonInvite(server::ServerNonInvite::new(peer, reliable))
        };
        self.servers.insert(key.clone(), id);
        self.entries.insert(
            id,
            Box::new(Entry {
                machine,
                server_key: Some(key),
                client_key: None,
                scheduled: None,
            }),
        );
        RequestOutcome::New(id, request)
    }

    /// Find the INVITE server transaction a CANCEL refers to (RFC 3261 §9.2: same matching
    /// rules as for the INVITE, with the method INVITE).
    pub fn cancel_target(&self, cancel: &Request) -> Option<TransactionId> {
        let key = server_key(cancel, Method::Invite)?;
        self.servers.get(&key).copied()
    }

    /// State of a server INVITE transaction, if it is one and it is alive.
    pub fn server_invite_state(&self, id: TransactionId) -> Option<ServerInviteState> {
        match &self.entries.get(&id)?.machine {
            Machine::ServerInvite(m) => Some(m.state),
            _ => None,
        }
    }

    /// Send a response in a server transaction.
    pub fn respond(
        &mut self,
        id: TransactionId,
        response: &Response,
        now: Instant,
    ) -> Result<(), TransactionError> {
        let bytes = response.to_bytes();
        let status = response.status;
        self.with_machine(id, now, |m, out| match m {
            Machine::ServerInvite(m) => m.respond(status, bytes, out),
            Machine::ServerNonInvite(m) => m.respond(status, bytes, out),
            _ => Err(TransactionError::Unknown),
        })
        .unwrap_or(Err(TransactionError::Unknown))
    }

    /// Start a client transaction for `request` (which must carry a top Via with a fresh
    /// branch) towards `peer`. ACK for a 2xx is sent with [`TransactionLayer::send_stateless`].
    pub fn send_request(
        &mut self,
        request: Request,
        peer: Peer,
        now: Instant,
    ) -> Result<TransactionId, TransactionError> {
        if request.method == Method::Ack {
            return Err(TransactionError::AckRequest);
        }
        let branch = request
            .top_via()
            .and_then(|v| v.branch().map(str::to_string))
            .ok_or(TransactionError::NoBranch)?;
        if request.method == Method::Cancel {
            // A CANCEL shares its INVITE's branch (RFC 3261 §9.1).
            let invite = ClientKey {
                branch: branch.clone(),
                method: Method::Invite,
            };
            if let Some(&invite_id) = self.clients.get(&invite) {
                self.with_machine(invite_id, now, |m, out| {
                    if let Machine::ClientInvite(m) = m {
                        m.on_cancel_sent(out);
                    }
                });
            }
        }
        let key = ClientKey {
            branch,
            method: request.method.clone(),
        };
        let id = self.alloc();
        let reliable = peer.transport.is_reliable();
        let mut out = Output {
            now,
            timers: &self.timers,
            transmits: &mut self.transmits,
            events: &mut self.events,
        };
        let machine = if request.method == Method::Invite {
            Machine::ClientInvite(Box::new(client::ClientInvite::start(
                request, peer, reliable, &mut out,
            )))
        } else {
            Machine::ClientNonInvite(client::ClientNonInvite::start(
                &request, peer, reliable, &mut out,
            ))
        };
        self.clients.insert(key.clone(), id);
        self.entries.insert(
            id,
            Box::new(Entry {
                machine,
                server_key: None,
                client_key: Some(key),
                scheduled: None,
            }),
        );
        self.settle(id);
        Ok(id)
    }

    /// Send bytes outside any transaction (ACK for a 2xx, RFC 3261 §13.2.2.4; stateless
    /// answers to requests that get no transaction).
    pub fn send_stateless(&mut self, peer: Peer, bytes: Vec<u8>) {
        self.transmits.push_back(Transmit { peer, bytes });
    }

    /// Handle a response from the network.
    pub fn on_response(&mut self, response: Response, now: Instant) -> ResponseOutcome {
        if let Some(i) = code_index(response.status) {
            self.counters.responses_in[i] += 1;
        }
        let key = response
            .top_via()
            .and_then(|v| v.branch().map(str::to_string))
            .zip(response.cseq().map(|c| c.method))
            .map(|(branch, method)| ClientKey { branch, method });
        let Some(&id) = key.as_ref().and_then(|k| self.clients.get(k)) else {
            return ResponseOutcome::Stray(response);
        };
        let pass = self
            .with_machine(id, now, |m, out| match m {
                Machine::ClientInvite(m) => m.on_response(&response, out),
                Machine::ClientNonInvite(m) => m.on_response(&response, out),
                _ => false,
            })
            .unwrap_or(false);
        if pass {
            ResponseOutcome::Response(id, response)
        } else {
            ResponseOutcome::Absorbed
        }
    }

    /// Cancel the client INVITE transaction `id` (RFC 3261 §9.1): send its CANCEL in a
    /// transaction of its own, and give the INVITE 64*T1 to end. Only once a provisional
    /// has come and before a final response (`NotCancellable` otherwise).
    pub fn cancel(
        &mut self,
        id: TransactionId,
        now: Instant,
    ) -> Result<TransactionId, TransactionError> {
        let entry = self.entries.get(&id).ok_or(TransactionError::Unknown)?;
        let Machine::ClientInvite(m) = &entry.machine else {
            return Err(TransactionError::NotCancellable);
        };
        let peer = m.peer;
        let cancel = m.build_cancel().ok_or(TransactionError::NotCancellable)?;
        self.send_request(cancel, peer, now)
    }

    /// The transport failed to deliver for this transaction (e.g. a TCP connect failed):
    /// the transaction ends and reports it (RFC 3261 §17.1.4, §17.2.4).
    pub fn on_transport_error(&mut self, id: TransactionId, now: Instant) {
        self.with_machine(id, now, |m, out| {
            out.events.push_back(TransactionEvent::TransportError(id));
            match m {
                Machine::ServerInvite(m) => m.state = ServerInviteState::Terminated,
                Machine::ServerNonInvite(m) => m.state = ServerNonInviteState::Terminated,
                Machine::ClientInvite(m) => m.state = ClientInviteState::Terminated,
                Machine::ClientNonInvite(m) => m.state = ClientNonInviteState::Terminated,
            }
        });
    }

    /// Transactions that send to `peer`'s transport and address, whatever the connection
    /// (for transport error fan-out: a failed connect concerns every transaction to that
    /// address).
    pub fn transactions_for(&self, peer: &Peer) -> Vec<TransactionId> {
        self.entries
            .iter()
            .filter(|(_, e)| {
                let p = match &e.machine {
                    Machine::ServerInvite(m) => &m.peer,
                    Machine::ServerNonInvite(m) => &m.peer,
                    Machine::ClientInvite(m) => &m.peer,
                    Machine::ClientNonInvite(m) => &m.peer,
                };
                p.transport == peer.transport && p.addr == peer.addr
            })
            .map(|(id, _)| *id)
            .collect()
    }

    /// The earliest instant at which [`TransactionLayer::handle_timeout`] has work.
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        // Drop stale heap entries so the answer is exact.
        while let Some(Reverse((at, id))) = self.deadlines.peek().copied() {
            match self.entries.get(&id) {
                Some(e) if e.scheduled == Some(at) => return Some(at),
                _ => {
                    self.deadlines.pop();
                }
            }
        }
        None
    }

    /// Fire every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(Reverse((at, id))) = self.deadlines.peek().copied() {
            if at > now {
                break;
            }
            self.deadlines.pop();
            let current = self.entries.get(&id).and_then(|e| e.scheduled);
            if current != Some(at) {
                continue;
            }
            if let Some(e) = self.entries.get_mut(&id) {
                e.scheduled = None;
            }
            let resent = self
                .with_machine(id, now, |m, out| match m {
                    Machine::ServerInvite(m) => m.on_timer(id, out),
                    Machine::ServerNonInvite(m) => m.on_timer(out),
                    Machine::ClientInvite(m) => m.on_timer(id, out),
                    Machine::ClientNonInvite(m) => m.on_timer(id, out),
                })
                .unwrap_or(false);
            if resent {
                self.retransmissions += 1;
            }
        }
    }

    /// The next message to send. Every message leaves through here once, so this is where
    /// sent messages are counted.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        let t = self.transmits.pop_front()?;
        self.counters.count_sent(&t.bytes);
        Some(t)
    }

    pub fn poll_event(&mut self) -> Option<TransactionEvent> {
        self.events.pop_front()
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod counter_tests {
    use std::net::SocketAddr;
    use std::time::Instant;

    use callctl_sip_message::{parse_datagram, response_to, Limits, Message};

    use super::*;

    fn message(text: &str) -> Message {
        parse_datagram(text.replace('\n', "\r\n").as_bytes(), &Limits::default()).unwrap()
    }

    #[test]
    fn counts_requests_and_responses_both_ways() {
        let peer = Peer {
            transport: Transport::Udp,
            addr: "127.0.0.1:5070".parse::<SocketAddr>().unwrap(),
            connection: None,
        };
        let invite = "INVITE sip:1@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-c1\nFrom: <sip:a@h>;tag=a\nTo: <sip:1@h>\nCall-ID: c@t\nCSeq: 1 INVITE\nMax-Forwards: 70\nContent-Length: 0\n\n";
        let t0 = Instant::now();
        let mut layer = TransactionLayer::new(TimerConfig::default());
        let Message::Request(r) = message(invite) else {
            panic!()
        };
        let RequestOutcome::New(id, inv) = layer.on_request(r.clone(), peer, t0) else {
            panic!("new transaction expected")
        };
        layer
            .respond(id, &response_to(&inv, 100, None), t0)
            .unwrap();
        // The retransmitted INVITE is received too, and the 100 goes out again.
        layer.on_request(r, peer, t0);
        layer
            .respond(id, &response_to(&inv, 486, Some("b")), t0)
            .unwrap();
        // A response to nothing of ours is still a response received.
        let Message::Response(stray) = message(
            "SIP/2.0 180 Ringing\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-x\nFrom: <sip:a@h>;tag=a\nTo: <sip:1@h>;tag=b\nCall-ID: x@t\nCSeq: 1 INVITE\nContent-Length: 0\n\n",
        ) else {
            panic!()
        };
        assert!(matches!(
            layer.on_response(stray, t0),
            ResponseOutcome::Stray(_)
        ));
        layer.send_stateless(
            peer,
            b"BYE sip:a@h SIP/2.0\r\nContent-Length: 0\r\n\r\n".to_vec(),
        );
        layer.send_stateless(
            Peer {
                transport: Transport::Udp,
                addr: "127.0.0.1:5071".parse().unwrap(),
                connection: None,
            },
            b"FOO sip:a@h SIP/2.0\r\n\r\n".to_vec(),
        );
        // Not counted until they leave.
        assert_eq!(layer.counters().responses(100), (0, 0));
        while layer.poll_transmit().is_some() {}
        let c = layer.counters();
        assert_eq!(c.requests("INVITE"), (2, 0));
        assert_eq!(c.requests("BYE"), (0, 1));
        assert_eq!(c.requests("OTHER"), (0, 1));
        assert_eq!(c.responses(100), (0, 2));
        assert_eq!(c.responses(486), (0, 1));
        assert_eq!(c.responses(180), (1, 0));
        assert_eq!(c.responses(99), (0, 0));
        assert_eq!(c.responses(700), (0, 0));
        assert_eq!(c.requests_in.iter().sum::<u64>(), 2);
        assert_eq!(c.responses_out.iter().sum::<u64>(), 3);

        let mut total = SipCounters::default();
        total.add(c);
        total.add(c);
        assert_eq!(total.responses(100), (0, 4));
        assert_eq!(total.requests("INVITE"), (4, 0));
        assert_eq!(method_index(&Method::Other("invite".into())), 14);
    }
}
