//! M3UA association state (RFC 4666 §4): the ASP side that brings an association up
//! and active, and the SGP-like side that answers it, for one transport association.
//!
//! # Roles
//!
//! * [`Role::Asp`]: we initiate. On transport up we send ASPUP, then ASPAC once ASPUP
//!   is acknowledged (§4.3.4.1, §4.3.4.3), as an ASP towards an SGP or as the
//!   initiating IPSP of a single-exchange IPSP pair (§4.3.4.1 note on IPSPs).
//! * [`Role::Sgp`]: we answer. ASPUP gets ASPUP_ACK and NTFY(AS-INACTIVE); ASPAC gets
//!   ASPAC_ACK echoing traffic mode and routing context, and NTFY(AS-ACTIVE); ASPIA and
//!   ASPDN get their acknowledgements. The state kept is the peer ASP's state as this
//!   side sees it. This is what callctl needs when an SSP or SG connects to it.
//!
//! # Driving contract
//!
//! The association owns no socket and reads no clock. `now` is a [`Duration`] since
//! any epoch the caller likes, as long as it never goes backwards. After every input,
//! drain the actions, then sleep until [`Association::next_deadline`]:
//!
//! ```text
//! assoc.transport_up(now);                       // socket connected / accepted
//! loop {
//!     for action in assoc.drain_actions() {
//!         match action {
//!             Action::Transmit(bytes) => socket.write_all(&bytes),
//!             Action::Indication(ind) => user.handle(ind),
//!             Action::StateChanged { .. } => log it,
//!             Action::CloseTransport => { socket.close(); reconnect later }
//!         }
//!     }
//!     select! {
//!         bytes = socket.read() => assoc.receive_stream(now, &bytes),   // TCP
//!         _ = sleep_until(assoc.next_deadline()) => assoc.poll(now),
//!         closed = socket.closed() => assoc.transport_down(now),
//!     }
//! }
//! ```
//!
//! Over SCTP each read yields one whole message: use [`Association::receive_message`]
//! instead of [`Association::receive_stream`].
//!
//! # Timers
//!
//! * T(ack) (§4.3.4.1, §4.3.4.3; 2 s suggested): retransmission of an unanswered
//!   ASPUP, ASPAC, ASPIA or ASPDN, at most [`AspConfig::max_attempts`] sends.
//! * T(beat) (§4.3.4.6, [`AspConfig::heartbeat_interval`]): BEAT sending; a BEAT not
//!   acknowledged before the next one is due counts as missed, and
//!   [`AspConfig::heartbeat_max_missed`] misses in a row mean the transport failed.

use std::collections::VecDeque;
use std::time::Duration;

use super::error::{DecodeError, EncodeError, ErrorCode};
use super::message::{peek_length, Message, MessageKind, HEADER_LEN, MAX_MESSAGE_SIZE};
use super::param::{
    AffectedPointCode, Parameter, ProtocolData, Status, StatusType, TrafficModeType, UserCause,
};

/// Which end of the ASP procedures this side plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sends ASPUP / ASPAC / ASPIA / ASPDN and waits for the acknowledgements (an ASP,
    /// or the initiating IPSP).
    Asp,
    /// Answers them (an SGP, or the answering IPSP).
    Sgp,
}

/// ASP states of RFC 4666 §4.3.1 (for [`Role::Sgp`], the peer ASP's state as seen
/// from here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AspState {
    /// ASP-DOWN: no ASPUP acknowledged yet (or the transport is down).
    AspDown,
    /// ASP-INACTIVE: up, but no traffic.
    AspInactive,
    /// ASP-ACTIVE: DATA may flow.
    AspActive,
}

/// Configuration of one association.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AspConfig {
    /// Which procedures we initiate.
    pub role: Role,
    /// Routing Context values of the AS (§3.3.1). Empty: none is sent until the peer
    /// names one, which is then adopted for the life of the transport: in
    /// [`Role::Sgp`] the one in the peer's ASPAC, in [`Role::Asp`] the one in the
    /// ASPAC_ACK.
    pub routing_contexts: Vec<u32>,
    /// Network Appearance (§3.3.1), sent in DATA and SSNM when set, and checked in
    /// received DATA.
    pub network_appearance: Option<u32>,
    /// Traffic mode sent in ASPAC ([`Role::Asp`]) or required of the peer's ASPAC
    /// ([`Role::Sgp`]).
    pub traffic_mode: TrafficModeType,
    /// ASP Identifier sent in ASPUP ([`Role::Asp`]).
    pub asp_identifier: Option<u32>,
    /// Interval between BEAT messages; zero turns heartbeats off.
    pub heartbeat_interval: Duration,
    /// Heartbeats missed in a row before the transport is declared failed.
    pub heartbeat_max_missed: u32,
    /// T(ack): time to wait for an acknowledgement before resending (RFC 4666
    /// suggests 2 s).
    pub retry_interval: Duration,
    /// Sends of one ASPUP / ASPAC / ASPIA / ASPDN before giving up (at least 1).
    pub max_attempts: u32,
    /// Our point code: OPC of the DATA we send.
    pub local_point_code: u32,
    /// The peer's point code: DPC of the DATA we send, and the one destination
    /// reported available in answers to DAUD.
    pub remote_point_code: u32,
    /// Network Indicator of the DATA we send (2 = national).
    pub network_indicator: u8,
    /// State [`Role::Asp`] works towards on transport up (normally ASP-ACTIVE).
    pub target: AspState,
}

impl AspConfig {
    /// Defaults for `role`: no routing context or network appearance, loadshare,
    /// no ASP identifier, heartbeats off (3 misses when turned on), T(ack) 2 s,
    /// 5 attempts, point codes 0, national network, target ASP-ACTIVE.
    pub fn new(role: Role) -> Self {
        AspConfig {
            role,
            routing_contexts: Vec::new(),
            network_appearance: None,
            traffic_mode: TrafficModeType::Loadshare,
            asp_identifier: None,
            heartbeat_interval: Duration::ZERO,
            heartbeat_max_missed: 3,
            retry_interval: Duration::from_secs(2),
            max_attempts: 5,
            local_point_code: 0,
            remote_point_code: 0,
            network_indicator: 2,
            target: AspState::AspActive,
        }
    }
}

/// The ASP procedure an acknowledgement is awaited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Procedure {
    /// ASPUP → ASPUP_ACK.
    AspUp,
    /// ASPAC → ASPAC_ACK.
    AspActive,
    /// ASPIA → ASPIA_ACK.
    AspInactive,
    /// ASPDN → ASPDN_ACK.
    AspDown,
}

impl Procedure {
    fn ack(self) -> MessageKind {
        match self {
            Procedure::AspUp => MessageKind::AspUpAck,
            Procedure::AspActive => MessageKind::AspActiveAck,
            Procedure::AspInactive => MessageKind::AspInactiveAck,
            Procedure::AspDown => MessageKind::AspDownAck,
        }
    }
}

/// Why the association gave up on its transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureReason {
    /// This many BEATs in a row went unacknowledged.
    HeartbeatLost(u32),
    /// The byte stream cannot be split into messages any more (bad common header).
    StreamUnframeable(DecodeError),
}

/// Something the user of the association should know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Indication {
    /// DATA received while active: the routing label, service information and user
    /// protocol data (e.g. SCCP bytes) of the Protocol Data parameter.
    Data {
        /// OPC, DPC, SI, NI, MP, SLS and the payload.
        data: ProtocolData,
        /// Routing Context of the DATA, if it carried one.
        routing_context: Option<u32>,
        /// Correlation ID of the DATA, if it carried one.
        correlation_id: Option<u32>,
    },
    /// DUNA (§3.4.1): the destinations are unavailable.
    DestinationUnavailable(Vec<AffectedPointCode>),
    /// DAVA (§3.4.2): the destinations are available.
    DestinationAvailable(Vec<AffectedPointCode>),
    /// DRST (§3.4.6): the destinations are restricted.
    DestinationRestricted(Vec<AffectedPointCode>),
    /// SCON (§3.4.4): congestion towards the destinations.
    Congestion {
        /// Affected destinations.
        affected: Vec<AffectedPointCode>,
        /// Concerned Destination, if given.
        concerned: Option<u32>,
        /// Congestion level, if given.
        level: Option<u8>,
    },
    /// DUPU (§3.4.5): a user part is unavailable at the destinations.
    UserPartUnavailable {
        /// Affected destinations.
        affected: Vec<AffectedPointCode>,
        /// Cause and user.
        user_cause: UserCause,
    },
    /// DAUD (§3.4.3) received and answered.
    AuditAnswered {
        /// The audited destinations.
        audited: Vec<AffectedPointCode>,
        /// Whether our remote point code was among them (answered with DAVA).
        available: bool,
    },
    /// NTFY (§3.8.2) received.
    Notify {
        /// Status type and information.
        status: Status,
        /// ASP Identifier, if given.
        asp_identifier: Option<u32>,
        /// Routing Context, if given.
        routing_context: Option<Vec<u32>>,
        /// INFO String, if given.
        info: Option<String>,
    },
    /// ERR (§3.8.1) received from the peer.
    PeerError {
        /// The error code.
        code: ErrorCode,
        /// Diagnostic Information, if given.
        diagnostic: Option<Vec<u8>>,
    },
    /// We answered a received message with ERR.
    ErrorSent {
        /// The error code sent.
        code: ErrorCode,
        /// What was wrong, for logs.
        detail: String,
    },
    /// An ASP procedure got no acknowledgement after the configured attempts; no
    /// further attempt is made until the user asks again or the transport restarts.
    ProcedureFailed(Procedure),
    /// The transport went down while the association was up or coming up: the state
    /// is ASP-DOWN and unsent messages were dropped. A new transport restarts the
    /// procedures ([`Role::Asp`]).
    TransportLost {
        /// Messages still queued for sending that were dropped.
        dropped: usize,
    },
    /// The association found the transport unusable; a
    /// [`Action::CloseTransport`] follows.
    TransportFailure(FailureReason),
    /// BEAT_ACK for our outstanding BEAT arrived.
    HeartbeatAcknowledged,
    /// A message of ours could not be encoded (a configuration or API fault).
    EncodeFailed(EncodeError),
}

/// Output of the association, in the order it was produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Bytes of one M3UA message to write to the transport.
    Transmit(Vec<u8>),
    /// Something for the user.
    Indication(Indication),
    /// The ASP state changed.
    StateChanged {
        /// Old state.
        from: AspState,
        /// New state.
        to: AspState,
    },
    /// Close the transport (after writing the messages before this action). The
    /// association is already in ASP-DOWN.
    CloseTransport,
}

/// A user request to send DATA (§3.3.1). OPC, DPC and NI come from the
/// configuration, Routing Context and Network Appearance too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRequest {
    /// Service Indicator (3 = SCCP).
    pub si: u8,
    /// Message Priority.
    pub mp: u8,
    /// Signalling Link Selection.
    pub sls: u8,
    /// User protocol data.
    pub data: Vec<u8>,
}

impl TransferRequest {
    /// An SCCP message (SI 3, priority 0) with this SLS.
    pub fn sccp(sls: u8, data: Vec<u8>) -> Self {
        TransferRequest {
            si: 3,
            mp: 0,
            sls,
            data,
        }
    }
}

/// Why a user request was refused (API misuse or wrong moment, not the peer's fault).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    /// DATA may only be sent in ASP-ACTIVE.
    #[error("DATA refused: association is {0:?}, not ASP-ACTIVE")]
    NotActive(AspState),
    /// The request only makes sense for the initiating role.
    #[error("only the ASP role can request activation")]
    NotInitiator,
    /// The message could not be encoded (e.g. payload too long).
    #[error("cannot encode: {0}")]
    Encode(#[from] EncodeError),
}

/// An ASP procedure waiting for its acknowledgement.
#[derive(Debug, Clone)]
struct Pending {
    procedure: Procedure,
    bytes: Vec<u8>,
    attempts: u32,
    deadline: Duration,
}

/// BEAT supervision.
#[derive(Debug, Clone, Default)]
struct Heartbeat {
    next: Option<Duration>,
    outstanding: Option<Vec<u8>>,
    missed: u32,
    counter: u32,
}

/// First bytes of an offending message echoed in Diagnostic Information (§3.8.1).
const DIAGNOSTIC_LEN: usize = 40;

/// One M3UA association: ASP state, timers and the TCP receive buffer.
#[derive(Debug)]
pub struct Association {
    config: AspConfig,
    state: AspState,
    transport_up: bool,
    /// Target state for [`Role::Asp`].
    target: AspState,
    /// Set when a procedure ran out of attempts; cleared by a user request or a new
    /// transport.
    stalled: bool,
    /// [`Role::Asp`]: another ASP of an override AS took the traffic ("Alternate ASP
    /// Active"); no ASPAC until the AS is notified pending or inactive, the user asks,
    /// or a new transport.
    standby: bool,
    pending: Option<Pending>,
    heartbeat: Heartbeat,
    /// Routing contexts in force: configured, or adopted from ASPAC / ASPAC_ACK.
    routing_contexts: Vec<u32>,
    /// The peer's ASP Identifier (SGP role).
    peer_asp_identifier: Option<u32>,
    rx: Vec<u8>,
    actions: VecDeque<Action>,
}

impl Association {
    /// A new association, transport down, in ASP-DOWN.
    pub fn new(config: AspConfig) -> Self {
        Association {
            target: config.target,
            routing_contexts: config.routing_contexts.clone(),
            config,
            state: AspState::AspDown,
            transport_up: false,
            stalled: false,
            standby: false,
            pending: None,
            heartbeat: Heartbeat::default(),
            peer_asp_identifier: None,
            rx: Vec::new(),
            actions: VecDeque::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &AspConfig {
        &self.config
    }

    /// Current ASP state.
    pub fn state(&self) -> AspState {
        self.state
    }

    /// Whether the transport is up as far as the association knows.
    pub fn is_transport_up(&self) -> bool {
        self.transport_up
    }

    /// Routing contexts in force (configured, or adopted from the peer's ASPAC or
    /// ASPAC_ACK).
    pub fn routing_contexts(&self) -> &[u32] {
        &self.routing_contexts
    }

    /// The procedure awaiting an acknowledgement, if any.
    pub fn pending_procedure(&self) -> Option<Procedure> {
        self.pending.as_ref().map(|p| p.procedure)
    }

    /// Take the next output.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// Take all outputs.
    pub fn drain_actions(&mut self) -> Vec<Action> {
        self.actions.drain(..).collect()
    }

    /// The earliest time [`Association::poll`] has work to do.
    pub fn next_deadline(&self) -> Option<Duration> {
        let retry = self.pending.as_ref().map(|p| p.deadline);
        match (retry, self.heartbeat.next) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ------------------------------------------------------------------ events

    /// The transport is connected. [`Role::Asp`] starts ASPUP (and ASPAC after it).
    pub fn transport_up(&mut self, now: Duration) {
        if self.transport_up {
            return;
        }
        self.transport_up = true;
        self.stalled = false;
        self.standby = false;
        self.rx.clear();
        self.advance(now);
    }

    /// The transport is gone (association lost): back to ASP-DOWN, timers stopped,
    /// unsent messages dropped, [`Indication::TransportLost`] reported.
    pub fn transport_down(&mut self, _now: Duration) {
        let before = self.actions.len();
        self.actions
            .retain(|a| !matches!(a, Action::Transmit(_) | Action::CloseTransport));
        let dropped = before - self.actions.len();
        if !self.transport_up {
            return;
        }
        self.go_down();
        self.indicate(Indication::TransportLost { dropped });
    }

    /// Bytes read from a TCP stream: messages are delimited by the common header's
    /// length. Every complete message is handled; a partial one is kept.
    pub fn receive_stream(&mut self, now: Duration, bytes: &[u8]) {
        if !self.transport_up {
            return;
        }
        if self.rx.is_empty() {
            // The usual case: whole messages straight from the read, only a partial
            // tail is kept.
            let used = self.deliver_stream(now, bytes);
            if self.transport_up {
                self.rx
                    .extend_from_slice(bytes.get(used..).unwrap_or_default());
            }
        } else {
            let mut held = std::mem::take(&mut self.rx);
            held.extend_from_slice(bytes);
            let used = self.deliver_stream(now, &held);
            if self.transport_up {
                held.drain(..used.min(held.len()));
                self.rx = held;
            }
        }
    }

    /// Handle every complete message at the front of `buf`; returns the bytes used.
    /// Stops early when the stream turns out unframeable (the transport is then down).
    fn deliver_stream(&mut self, now: Duration, buf: &[u8]) -> usize {
        let mut start = 0;
        while self.transport_up {
            let rest = buf.get(start..).unwrap_or_default();
            let len = match peek_length(rest, MAX_MESSAGE_SIZE) {
                Ok(None) => break,
                Ok(Some(len)) => len,
                Err(DecodeError::InvalidVersion(v)) => match raw_length(rest) {
                    // §3.8.1: Invalid Version is answered; the length still delimits
                    // the message if it is sane, so the stream stays in step.
                    Some(len) => {
                        let Some(msg) = rest.get(..len) else {
                            break;
                        };
                        start += len;
                        self.send_error(
                            ErrorCode::INVALID_VERSION,
                            msg,
                            format!("version {v}"),
                            None,
                        );
                        continue;
                    }
                    None => {
                        self.stream_broken(now, rest, DecodeError::InvalidVersion(v));
                        break;
                    }
                },
                Err(e) => {
                    self.stream_broken(now, rest, e);
                    break;
                }
            };
            let Some(msg) = rest.get(..len) else {
                break;
            };
            start += len;
            self.receive_message(now, msg);
        }
        start
    }

    /// Exactly one message (a message-oriented transport such as SCTP, or one
    /// framed by the caller). A message that does not decode is answered with ERR
    /// and otherwise ignored.
    pub fn receive_message(&mut self, now: Duration, bytes: &[u8]) {
        if !self.transport_up {
            return;
        }
        match Message::decode(bytes) {
            Ok(msg) => self.handle(now, bytes, msg),
            Err(e) => {
                let extra = match e {
                    DecodeError::UnsupportedTrafficModeType(_) => self.rc_param(),
                    _ => None,
                };
                self.send_error(e.error_code(), bytes, e.to_string(), extra);
            }
        }
    }

    /// Run the timers due at `now`: T(ack) retransmission and T(beat).
    pub fn poll(&mut self, now: Duration) {
        if let Some(p) = &mut self.pending {
            if now >= p.deadline {
                if p.attempts < self.config.max_attempts.max(1) {
                    p.attempts += 1;
                    p.deadline = now.saturating_add(self.config.retry_interval);
                    let bytes = p.bytes.clone();
                    self.actions.push_back(Action::Transmit(bytes));
                } else {
                    let procedure = p.procedure;
                    self.pending = None;
                    self.stalled = true;
                    self.indicate(Indication::ProcedureFailed(procedure));
                }
            }
        }
        if let Some(next) = self.heartbeat.next {
            if now >= next {
                if self.heartbeat.outstanding.is_some() {
                    self.heartbeat.missed += 1;
                }
                if self.heartbeat.missed >= self.config.heartbeat_max_missed.max(1) {
                    let missed = self.heartbeat.missed;
                    self.fail(FailureReason::HeartbeatLost(missed));
                    return;
                }
                self.heartbeat.counter = self.heartbeat.counter.wrapping_add(1);
                let data = self.heartbeat.counter.to_be_bytes().to_vec();
                self.heartbeat.outstanding = Some(data.clone());
                self.heartbeat.next = Some(now.saturating_add(self.config.heartbeat_interval));
                self.transmit(Message::new(MessageKind::Beat).with(Parameter::HeartbeatData(data)));
            }
        }
    }

    // ------------------------------------------------------------ user requests

    /// Work towards ASP-ACTIVE (ASPUP then ASPAC as needed). [`Role::Asp`] only.
    pub fn activate(&mut self, now: Duration) -> Result<(), UserError> {
        self.request_target(now, AspState::AspActive)
    }

    /// Work towards ASP-INACTIVE: ASPIA from ASP-ACTIVE ([`Role::Asp`]); in
    /// [`Role::Sgp`] an unsolicited ASPIA_ACK takes the peer out of service
    /// (§4.3.4.4).
    pub fn deactivate(&mut self, now: Duration) -> Result<(), UserError> {
        match self.config.role {
            Role::Asp => self.request_target(now, AspState::AspInactive),
            Role::Sgp => {
                if self.transport_up && self.state == AspState::AspActive {
                    self.transmit(self.with_rc(Message::new(MessageKind::AspInactiveAck)));
                    self.set_state(now, AspState::AspInactive);
                }
                Ok(())
            }
        }
    }

    /// Work towards ASP-DOWN: ASPDN ([`Role::Asp`]); in [`Role::Sgp`] an unsolicited
    /// ASPDN_ACK (§4.3.4.2). The transport stays up.
    pub fn shut_down(&mut self, now: Duration) -> Result<(), UserError> {
        match self.config.role {
            Role::Asp => self.request_target(now, AspState::AspDown),
            Role::Sgp => {
                if self.transport_up && self.state != AspState::AspDown {
                    self.transmit(Message::new(MessageKind::AspDownAck));
                    self.set_state(now, AspState::AspDown);
                }
                Ok(())
            }
        }
    }

    /// Send DATA to the configured remote point code. Only in ASP-ACTIVE.
    pub fn send_data(&mut self, request: TransferRequest) -> Result<(), UserError> {
        if !self.transport_up || self.state != AspState::AspActive {
            return Err(UserError::NotActive(self.state));
        }
        let mut msg = Message::new(MessageKind::Data);
        if let Some(na) = self.config.network_appearance {
            msg = msg.with(Parameter::NetworkAppearance(na));
        }
        if let Some(rc) = self.routing_contexts.first() {
            msg = msg.with(Parameter::RoutingContext(vec![*rc]));
        }
        msg = msg.with(Parameter::ProtocolData(ProtocolData {
            opc: self.config.local_point_code,
            dpc: self.config.remote_point_code,
            si: request.si,
            ni: self.config.network_indicator,
            mp: request.mp,
            sls: request.sls,
            data: request.data,
        }));
        let bytes = msg.to_bytes()?;
        self.actions.push_back(Action::Transmit(bytes));
        Ok(())
    }

    fn request_target(&mut self, now: Duration, target: AspState) -> Result<(), UserError> {
        if self.config.role != Role::Asp {
            return Err(UserError::NotInitiator);
        }
        self.target = target;
        self.stalled = false;
        self.standby = false;
        self.advance(now);
        Ok(())
    }

    // --------------------------------------------------------------- internals

    fn indicate(&mut self, ind: Indication) {
        self.actions.push_back(Action::Indication(ind));
    }

    fn transmit(&mut self, msg: Message) {
        match msg.to_bytes() {
            Ok(bytes) => self.actions.push_back(Action::Transmit(bytes)),
            Err(e) => self.indicate(Indication::EncodeFailed(e)),
        }
    }

    fn rc_param(&self) -> Option<Parameter> {
        if self.routing_contexts.is_empty() {
            None
        } else {
            Some(Parameter::RoutingContext(self.routing_contexts.clone()))
        }
    }

    fn with_rc(&self, msg: Message) -> Message {
        match self.rc_param() {
            Some(p) => msg.with(p),
            None => msg,
        }
    }

    fn set_state(&mut self, now: Duration, to: AspState) {
        let from = self.state;
        if from == to {
            return;
        }
        self.state = to;
        self.actions.push_back(Action::StateChanged { from, to });
        if to == AspState::AspDown {
            self.heartbeat = Heartbeat {
                counter: self.heartbeat.counter,
                ..Heartbeat::default()
            };
        } else if from == AspState::AspDown && !self.config.heartbeat_interval.is_zero() {
            self.heartbeat.next = Some(now.saturating_add(self.config.heartbeat_interval));
        }
    }

    /// Transport gone: ASP-DOWN, no timers, no buffer.
    fn go_down(&mut self) {
        self.transport_up = false;
        self.pending = None;
        self.rx.clear();
        if self.config.routing_contexts.is_empty() {
            self.routing_contexts.clear();
        }
        let from = self.state;
        self.state = AspState::AspDown;
        self.heartbeat = Heartbeat {
            counter: self.heartbeat.counter,
            ..Heartbeat::default()
        };
        if from != AspState::AspDown {
            self.actions.push_back(Action::StateChanged {
                from,
                to: AspState::AspDown,
            });
        }
    }

    /// Give up on the transport: report, go down, ask the caller to close.
    fn fail(&mut self, reason: FailureReason) {
        self.indicate(Indication::TransportFailure(reason));
        self.go_down();
        self.actions.push_back(Action::CloseTransport);
    }

    fn stream_broken(&mut self, _now: Duration, bytes: &[u8], e: DecodeError) {
        self.send_error(e.error_code(), bytes, e.to_string(), None);
        self.fail(FailureReason::StreamUnframeable(e));
    }

    /// ASP role: send the next procedure towards the target, if none is pending.
    fn advance(&mut self, now: Duration) {
        if self.config.role != Role::Asp
            || !self.transport_up
            || self.stalled
            || self.standby
            || self.pending.is_some()
        {
            return;
        }
        let msg = match (self.state, self.target) {
            (AspState::AspDown, AspState::AspInactive | AspState::AspActive) => {
                let mut m = Message::new(MessageKind::AspUp);
                if let Some(id) = self.config.asp_identifier {
                    m = m.with(Parameter::AspIdentifier(id));
                }
                Some((Procedure::AspUp, m))
            }
            (AspState::AspInactive, AspState::AspActive) => {
                let m = Message::new(MessageKind::AspActive)
                    .with(Parameter::TrafficModeType(self.config.traffic_mode));
                Some((Procedure::AspActive, self.with_rc(m)))
            }
            (AspState::AspActive, AspState::AspInactive) => Some((
                Procedure::AspInactive,
                self.with_rc(Message::new(MessageKind::AspInactive)),
            )),
            (AspState::AspInactive | AspState::AspActive, AspState::AspDown) => {
                Some((Procedure::AspDown, Message::new(MessageKind::AspDown)))
            }
            _ => None,
        };
        let Some((procedure, msg)) = msg else {
            return;
        };
        match msg.to_bytes() {
            Ok(bytes) => {
                self.actions.push_back(Action::Transmit(bytes.clone()));
                self.pending = Some(Pending {
                    procedure,
                    bytes,
                    attempts: 1,
                    deadline: now.saturating_add(self.config.retry_interval),
                });
            }
            Err(e) => self.indicate(Indication::EncodeFailed(e)),
        }
    }

    /// Answer a received message with ERR (§3.8.1), never an ERR with an ERR.
    fn send_error(
        &mut self,
        code: ErrorCode,
        offending: &[u8],
        detail: String,
        extra: Option<Parameter>,
    ) {
        let is_err = offending.len() >= 4 && offending[2] == 0 && offending[3] == 0;
        if !is_err {
            let mut msg = Message::new(MessageKind::Err).with(Parameter::ErrorCode(code));
            if let Some(p) = extra {
                msg = msg.with(p);
            }
            let diag = &offending[..offending.len().min(DIAGNOSTIC_LEN)];
            if !diag.is_empty() {
                msg = msg.with(Parameter::DiagnosticInformation(diag.to_vec()));
            }
            self.transmit(msg);
        }
        self.indicate(Indication::ErrorSent { code, detail });
    }

    fn unexpected(&mut self, raw: &[u8], kind: MessageKind) {
        let detail = format!(
            "{kind:?} unexpected in {:?} as {:?}",
            self.state, self.config.role
        );
        self.send_error(ErrorCode::UNEXPECTED_MESSAGE, raw, detail, None);
    }

    /// Check a received Routing Context against the ones in force; `Err` carries
    /// the ERR to send.
    fn check_rc(&self, rc: Option<&[u32]>) -> Result<(), (ErrorCode, String, Option<Parameter>)> {
        match rc {
            Some(list) => {
                if let Some(bad) = list.iter().find(|r| !self.routing_contexts.contains(r)) {
                    return Err((
                        ErrorCode::INVALID_ROUTING_CONTEXT,
                        format!("routing context {bad} not configured"),
                        Some(Parameter::RoutingContext(list.to_vec())),
                    ));
                }
                Ok(())
            }
            // §3.3.1: the Routing Context is conditional; without it the message is
            // ambiguous only when several are in force.
            None if self.routing_contexts.len() > 1 => Err((
                ErrorCode::MISSING_PARAMETER,
                "routing context missing with several in force".into(),
                None,
            )),
            None => Ok(()),
        }
    }

    fn handle(&mut self, now: Duration, raw: &[u8], msg: Message) {
        use MessageKind as K;
        let role = self.config.role;
        match msg.kind {
            // ---------------------------------------------------------- MGMT
            K::Err => self.indicate(Indication::PeerError {
                code: msg.error_code().unwrap_or(ErrorCode(0)),
                diagnostic: match msg.param(super::param::tag::DIAGNOSTIC_INFORMATION) {
                    Some(Parameter::DiagnosticInformation(d)) => Some(d.clone()),
                    _ => None,
                },
            }),
            K::Ntfy => {
                if let Some(status) = msg.status() {
                    self.indicate(Indication::Notify {
                        status,
                        asp_identifier: msg.asp_identifier(),
                        routing_context: msg.routing_context().map(<[u32]>::to_vec),
                        info: msg.info_string().map(str::to_owned),
                    });
                    if role == Role::Asp {
                        self.asp_notified(now, status);
                    }
                }
            }
            // ------------------------------------------------------ Transfer
            K::Data => self.handle_data(raw, msg),
            // ---------------------------------------------------------- SSNM
            K::Duna | K::Dava | K::Daud | K::Scon | K::Dupu | K::Drst => {
                if self.state == AspState::AspDown {
                    self.unexpected(raw, msg.kind);
                } else {
                    self.handle_ssnm(&msg);
                }
            }
            // --------------------------------------------------------- ASPSM
            K::Beat => {
                let mut ack = Message::new(K::BeatAck);
                if let Some(d) = msg.heartbeat_data() {
                    ack = ack.with(Parameter::HeartbeatData(d.to_vec()));
                }
                self.transmit(ack);
            }
            K::BeatAck => {
                if let Some(out) = &self.heartbeat.outstanding {
                    if msg.heartbeat_data() == Some(out.as_slice()) {
                        self.heartbeat.outstanding = None;
                        self.heartbeat.missed = 0;
                        self.indicate(Indication::HeartbeatAcknowledged);
                    }
                }
            }
            K::AspUp | K::AspDown | K::AspActive | K::AspInactive if role == Role::Sgp => {
                self.handle_sgp_request(now, raw, &msg)
            }
            K::AspUpAck | K::AspDownAck | K::AspActiveAck | K::AspInactiveAck
                if role == Role::Asp =>
            {
                self.handle_asp_ack(now, &msg)
            }
            K::AspUp
            | K::AspDown
            | K::AspActive
            | K::AspInactive
            | K::AspUpAck
            | K::AspDownAck
            | K::AspActiveAck
            | K::AspInactiveAck => self.unexpected(raw, msg.kind),
        }
    }

    fn handle_data(&mut self, raw: &[u8], msg: Message) {
        if self.state != AspState::AspActive {
            self.unexpected(raw, msg.kind);
            return;
        }
        if let (Some(ours), Some(theirs)) =
            (self.config.network_appearance, msg.network_appearance())
        {
            if ours != theirs {
                self.send_error(
                    ErrorCode::INVALID_NETWORK_APPEARANCE,
                    raw,
                    format!("network appearance {theirs}, expected {ours}"),
                    Some(Parameter::NetworkAppearance(theirs)),
                );
                return;
            }
        }
        if let Err((code, detail, extra)) = self.check_rc(msg.routing_context()) {
            self.send_error(code, raw, detail, extra);
            return;
        }
        let routing_context = msg.routing_context().and_then(|l| l.first().copied());
        // The payload is moved out, not copied: the first of each parameter counts.
        let mut data = None;
        let mut correlation_id = None;
        for p in msg.params {
            match p {
                Parameter::ProtocolData(d) if data.is_none() => data = Some(d),
                Parameter::CorrelationId(c) if correlation_id.is_none() => correlation_id = Some(c),
                _ => {}
            }
        }
        let Some(data) = data else {
            return; // the codec guarantees it; nothing to deliver otherwise
        };
        self.indicate(Indication::Data {
            data,
            routing_context,
            correlation_id,
        });
    }

    fn handle_ssnm(&mut self, msg: &Message) {
        let affected = match msg.param(super::param::tag::AFFECTED_POINT_CODE) {
            Some(Parameter::AffectedPointCode(v)) => v.clone(),
            _ => Vec::new(),
        };
        match msg.kind {
            MessageKind::Duna => self.indicate(Indication::DestinationUnavailable(affected)),
            MessageKind::Dava => self.indicate(Indication::DestinationAvailable(affected)),
            MessageKind::Drst => self.indicate(Indication::DestinationRestricted(affected)),
            MessageKind::Scon => {
                let concerned = match msg.param(super::param::tag::CONCERNED_DESTINATION) {
                    Some(Parameter::ConcernedDestination(pc)) => Some(*pc),
                    _ => None,
                };
                let level = match msg.param(super::param::tag::CONGESTION_INDICATIONS) {
                    Some(Parameter::CongestionIndications(l)) => Some(*l),
                    _ => None,
                };
                self.indicate(Indication::Congestion {
                    affected,
                    concerned,
                    level,
                });
            }
            MessageKind::Dupu => {
                if let Some(Parameter::UserCause(uc)) = msg.param(super::param::tag::USER_CAUSE) {
                    let user_cause = *uc;
                    self.indicate(Indication::UserPartUnavailable {
                        affected,
                        user_cause,
                    });
                }
            }
            MessageKind::Daud => self.answer_audit(msg, affected),
            _ => {}
        }
    }

    /// §4.5.3: answer DAUD. We are a leaf: the only destination we reach is the
    /// configured remote point code; any other audited one is unavailable.
    fn answer_audit(&mut self, msg: &Message, audited: Vec<AffectedPointCode>) {
        let remote = self.config.remote_point_code & 0x00ff_ffff;
        let mut available = Vec::new();
        let mut unavailable = Vec::new();
        for apc in &audited {
            // The mask is the number of wildcard low-order bits (§3.4.1).
            let shift = u32::from(apc.mask.min(24));
            if apc.point_code >> shift == remote >> shift {
                if available.is_empty() {
                    available.push(AffectedPointCode {
                        mask: 0,
                        point_code: remote,
                    });
                }
            } else {
                unavailable.push(*apc);
            }
        }
        let is_available = !available.is_empty();
        let echo = |kind: MessageKind, list: Vec<AffectedPointCode>| {
            let mut m = Message::new(kind);
            if let Some(na) = msg.network_appearance() {
                m = m.with(Parameter::NetworkAppearance(na));
            }
            if let Some(rc) = msg.routing_context() {
                m = m.with(Parameter::RoutingContext(rc.to_vec()));
            }
            m.with(Parameter::AffectedPointCode(list))
        };
        if is_available {
            self.transmit(echo(MessageKind::Dava, available));
        }
        if !unavailable.is_empty() {
            self.transmit(echo(MessageKind::Duna, unavailable));
        }
        self.indicate(Indication::AuditAnswered {
            audited,
            available: is_available,
        });
    }

    /// SGP side of §4.3.4: answer ASPUP, ASPDN, ASPAC, ASPIA.
    fn handle_sgp_request(&mut self, now: Duration, raw: &[u8], msg: &Message) {
        match msg.kind {
            MessageKind::AspUp => {
                self.peer_asp_identifier = msg.asp_identifier();
                self.transmit(Message::new(MessageKind::AspUpAck));
                if self.state == AspState::AspActive {
                    // §4.3.4.1: ASPUP from an active ASP is acknowledged, flagged as
                    // unexpected and the ASP becomes inactive.
                    self.unexpected(raw, msg.kind);
                }
                if self.state != AspState::AspInactive {
                    self.notify_as(Status::AS_INACTIVE, self.rc_param());
                }
                self.set_state(now, AspState::AspInactive);
            }
            MessageKind::AspDown => {
                self.transmit(Message::new(MessageKind::AspDownAck));
                self.set_state(now, AspState::AspDown);
                if self.config.routing_contexts.is_empty() {
                    self.routing_contexts.clear();
                }
            }
            MessageKind::AspActive => {
                if self.state == AspState::AspDown {
                    self.unexpected(raw, msg.kind);
                    return;
                }
                if let Some(tm) = msg.traffic_mode_type() {
                    if tm != self.config.traffic_mode {
                        self.send_error(
                            ErrorCode::UNSUPPORTED_TRAFFIC_MODE_TYPE,
                            raw,
                            format!(
                                "traffic mode {tm:?}, AS uses {:?}",
                                self.config.traffic_mode
                            ),
                            self.rc_param(),
                        );
                        return;
                    }
                }
                let rc = msg.routing_context().map(<[u32]>::to_vec);
                if let Some(list) = &rc {
                    if self.config.routing_contexts.is_empty() {
                        // No AS configured: adopt the peer's routing context.
                        self.routing_contexts = list.clone();
                    }
                }
                if let Err((code, detail, extra)) = self.check_rc(rc.as_deref()) {
                    self.send_error(code, raw, detail, extra);
                    return;
                }
                let mut ack = Message::new(MessageKind::AspActiveAck);
                if let Some(tm) = msg.traffic_mode_type() {
                    ack = ack.with(Parameter::TrafficModeType(tm));
                }
                if let Some(list) = &rc {
                    ack = ack.with(Parameter::RoutingContext(list.clone()));
                }
                self.transmit(ack);
                let ntfy_rc = rc
                    .map(Parameter::RoutingContext)
                    .or_else(|| self.rc_param());
                self.notify_as(Status::AS_ACTIVE, ntfy_rc);
                self.set_state(now, AspState::AspActive);
            }
            MessageKind::AspInactive => {
                if self.state == AspState::AspDown {
                    self.unexpected(raw, msg.kind);
                    return;
                }
                let rc = msg.routing_context();
                if let Err((code, detail, extra)) = self.check_rc(rc) {
                    self.send_error(code, raw, detail, extra);
                    return;
                }
                let mut ack = Message::new(MessageKind::AspInactiveAck);
                if let Some(list) = rc {
                    ack = ack.with(Parameter::RoutingContext(list.to_vec()));
                }
                self.transmit(ack);
                self.set_state(now, AspState::AspInactive);
            }
            _ => {}
        }
    }

    fn notify_as(&mut self, info: u16, rc: Option<Parameter>) {
        let mut n = Message::new(MessageKind::Ntfy).with(Parameter::Status(Status {
            status_type: StatusType::AsStateChange,
            info,
        }));
        if let Some(id) = self.peer_asp_identifier {
            n = n.with(Parameter::AspIdentifier(id));
        }
        if let Some(p) = rc {
            n = n.with(p);
        }
        self.transmit(n);
    }

    /// ASP side of a NTFY (§4.3.4.3, §4.3.4.5). "Alternate ASP Active": the SGP moved
    /// the traffic of an override AS to another ASP and counts us ASP-INACTIVE; we
    /// follow and stand by instead of sending ASPAC again (which would take the
    /// traffic back and start a tug of war). AS-PENDING or AS-INACTIVE while standing
    /// by: the AS has no active ASP any more, so we activate.
    fn asp_notified(&mut self, now: Duration, status: Status) {
        match (status.status_type, status.info) {
            (StatusType::Other, Status::ALTERNATE_ASP_ACTIVE)
                if self.state == AspState::AspActive =>
            {
                self.standby = true;
                self.set_state(now, AspState::AspInactive);
            }
            (StatusType::AsStateChange, Status::AS_PENDING | Status::AS_INACTIVE)
                if self.standby =>
            {
                self.standby = false;
                self.advance(now);
            }
            _ => {}
        }
    }

    /// ASP side of §4.3.4: acknowledgements, solicited or not.
    fn handle_asp_ack(&mut self, now: Duration, msg: &Message) {
        let solicited = self
            .pending
            .as_ref()
            .is_some_and(|p| p.procedure.ack() == msg.kind);
        if solicited {
            self.pending = None;
        }
        if solicited && msg.kind == MessageKind::AspActiveAck {
            // §3.7.2: the ack names the Routing Contexts the ASP is now active for.
            // With none configured, take them, as the SGP role takes the ASPAC's, so
            // DATA carrying them is accepted and our DATA names them.
            if let (true, Some(list)) = (
                self.config.routing_contexts.is_empty(),
                msg.routing_context(),
            ) {
                self.routing_contexts = list.to_vec();
            }
        }
        let to = match msg.kind {
            MessageKind::AspUpAck if solicited => Some(AspState::AspInactive),
            MessageKind::AspActiveAck if solicited => Some(AspState::AspActive),
            // §4.3.4.4: an ASPIA_ACK, asked for or not, makes us inactive; if we
            // were not meant to be, `advance` sends ASPAC again.
            MessageKind::AspInactiveAck if solicited || self.state == AspState::AspActive => {
                Some(AspState::AspInactive)
            }
            // §4.3.4.2: likewise an ASPDN_ACK makes us ASP-DOWN; a pending ASPAC or
            // ASPIA is moot, a pending ASPUP still stands.
            MessageKind::AspDownAck => {
                if self
                    .pending
                    .as_ref()
                    .is_some_and(|p| p.procedure != Procedure::AspUp)
                {
                    self.pending = None;
                }
                Some(AspState::AspDown)
            }
            _ => None,
        };
        if let Some(to) = to {
            self.set_state(now, to);
        }
        self.advance(now);
    }
}

/// The common header's length field when it is usable as a delimiter (at least the
/// header, a multiple of 4, within the size limit), whatever the version says.
fn raw_length(buf: &[u8]) -> Option<usize> {
    let b = buf.get(4..HEADER_LEN)?;
    let len = usize::try_from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])).ok()?;
    (len >= HEADER_LEN && len.is_multiple_of(4) && len <= MAX_MESSAGE_SIZE).then_some(len)
}
