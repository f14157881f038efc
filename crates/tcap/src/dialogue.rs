//! The Q.774 transaction and component sublayers for one TC-user: [`TcapEndpoint`].
//!
//! The endpoint owns every dialogue of its user, allocates local transaction ids, runs the
//! transaction state machine of each dialogue (Q.774 §3.1, states `Idle`, `InitiationReceived`,
//! `InitiationSent`, `Active`), the dialogue control of the structured dialogue (AARQ / AARE /
//! ABRT, Q.774 §3.2.2) and the component sublayer (invoke ids, invocation state machines with
//! their invoke timers, Q.774 §3.2.1).
//!
//! It is sans-IO: it never reads a clock and never touches a socket. Time comes in as
//! `now: Duration` since an arbitrary epoch chosen by the caller (monotonic), and outputs are
//! queued as [`Action`]s. The peer address type `A` is opaque (for SCCP, the calling party
//! address of the received message); the endpoint only hands it back on messages to send.
//!
//! Driving contract: after every input (a received message, a user request, `poll(now)`),
//! drain [`TcapEndpoint::poll_action`] until it returns `None`, then arm one timer for
//! [`TcapEndpoint::next_deadline`] and call [`TcapEndpoint::poll`] when it fires.
//!
//! ```
//! use callctl_tcap::{EndpointConfig, TcapEndpoint, Action};
//! use std::time::Duration;
//!
//! let mut endpoint: TcapEndpoint<u32> = TcapEndpoint::new(EndpointConfig::default());
//! let now = Duration::from_secs(1);
//! let bytes_from_sccp = [0x64, 0x06, 0x49, 0x04, 0xde, 0xad, 0xbe, 0xef]; // an End
//! endpoint.receive(now, 7, &bytes_from_sccp);
//! while let Some(action) = endpoint.poll_action() {
//!     match action {
//!         Action::Send(transmit) => { /* hand transmit.bytes to SCCP for transmit.to */ }
//!         Action::Indication(indication) => { /* give it to the TC-user */ }
//!     }
//! }
//! if let Some(deadline) = endpoint.next_deadline() {
//!     // sleep until `deadline`, then `endpoint.poll(deadline)` and drain again
//!     # let _ = deadline;
//! }
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::time::Duration;

use crate::codec::{decode, DecodeError};
use crate::message::*;

/// The local transaction id space of one endpoint: 4-octet ids whose top `shard_bits` bits
/// carry a shard number, so that a router can send a message to the thread owning its
/// destination transaction id without looking it up ([`IdSpace::shard_of`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdSpace {
    shard: u32,
    shard_bits: u8,
}

impl IdSpace {
    /// The whole 32-bit space, no shard prefix.
    pub fn unsharded() -> Self {
        IdSpace {
            shard: 0,
            shard_bits: 0,
        }
    }

    /// Ids whose top `shard_bits` bits (0 to 31) hold `shard`; `None` if `shard` does not fit
    /// or `shard_bits` is 32 or more (no counter bits left).
    pub fn sharded(shard: u32, shard_bits: u8) -> Option<Self> {
        if shard_bits >= 32 || u64::from(shard) >= 1u64 << shard_bits {
            return None;
        }
        Some(IdSpace { shard, shard_bits })
    }

    /// This space's shard number.
    pub fn shard(&self) -> u32 {
        self.shard
    }

    /// The shard number carried by a transaction id allocated in any space with
    /// `shard_bits` prefix bits; `None` for ids that are not 4 octets (never allocated here).
    pub fn shard_of(shard_bits: u8, id: &TransactionId) -> Option<u32> {
        if id.as_bytes().len() != 4 || shard_bits >= 32 {
            return None;
        }
        if shard_bits == 0 {
            return Some(0);
        }
        Some(id.to_u32() >> (32 - u32::from(shard_bits)))
    }

    /// Whether `id` belongs to this space.
    pub fn contains(&self, id: &TransactionId) -> bool {
        IdSpace::shard_of(self.shard_bits, id) == Some(self.shard)
    }

    /// Number of distinct ids in the space.
    pub fn capacity(&self) -> u64 {
        1u64 << (32 - u32::from(self.shard_bits))
    }

    fn id(&self, counter: u64) -> u32 {
        let counter = counter % self.capacity();
        let prefix = if self.shard_bits == 0 {
            0
        } else {
            u64::from(self.shard) << (32 - u32::from(self.shard_bits))
        };
        // Both parts fit in 32 bits: prefix uses the top bits, counter the others.
        (prefix | counter) as u32
    }
}

/// Configuration of a [`TcapEndpoint`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndpointConfig {
    /// Where local transaction ids come from.
    pub id_space: IdSpace,
    /// The most dialogues alive at once; a Begin beyond it is answered with a P-Abort
    /// resourceLimitation (Q.774 §3.1.2.2) and a locally initiated dialogue is refused.
    pub max_dialogues: usize,
}

impl Default for EndpointConfig {
    fn default() -> Self {
        EndpointConfig {
            id_space: IdSpace::unsharded(),
            max_dialogues: 100_000,
        }
    }
}

/// A dialogue, named by its local transaction id (4 octets). Ids are reused once a dialogue
/// is released, so a handle kept after the dialogue ended may name a later dialogue.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DialogueId(u32);

impl DialogueId {
    /// The local transaction id (what the peer puts in its dtid).
    pub fn transaction_id(&self) -> TransactionId {
        TransactionId::from_u32(self.0)
    }

    /// The dialogue a peer names with `id`, if `id` could be a local transaction id (4
    /// octets).
    pub fn from_transaction_id(id: &TransactionId) -> Option<Self> {
        (id.as_bytes().len() == 4).then(|| DialogueId(id.to_u32()))
    }

    /// The local transaction id as a number.
    pub fn as_u32(&self) -> u32 {
        self.0
    }
}

impl fmt::Debug for DialogueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DialogueId({:08x})", self.0)
    }
}

/// Transaction sublayer states (Q.774 §3.1.3, figure "TSM").
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum DialogueState {
    /// Allocated by the local user, nothing sent yet.
    Idle,
    /// A Begin was received and not answered yet.
    InitiationReceived,
    /// A Begin was sent and not answered yet.
    InitiationSent,
    /// Both sides know each other's transaction id.
    Active,
}

/// Operation classes (Q.771 §2.3.1.1): which outcomes the invoker expects.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum OperationClass {
    /// Class 1: success (result) and failure (error) are both reported.
    Class1,
    /// Class 2: only failure (error) is reported.
    Class2,
    /// Class 3: only success (result) is reported.
    Class3,
    /// Class 4: neither is reported.
    Class4,
}

impl OperationClass {
    fn expects_result(self) -> bool {
        matches!(self, OperationClass::Class1 | OperationClass::Class3)
    }

    fn expects_error(self) -> bool {
        matches!(self, OperationClass::Class1 | OperationClass::Class2)
    }
}

/// A TC-INVOKE request.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct InvokeRequest {
    /// Operation code.
    pub operation: Code,
    /// Argument (raw BER element).
    pub parameter: Option<Parameter>,
    /// Operation class.
    pub class: OperationClass,
    /// Invoke timer (Q.774 §3.2.1.1): started when the Invoke is sent; on expiry the
    /// invocation ends with a TC-L-CANCEL indication. A deadline past the largest
    /// `Duration` is held at `Duration::MAX`.
    pub timeout: Duration,
    /// The invoke id of the peer's operation this one is linked to.
    pub linked_id: Option<InvokeId>,
}

impl InvokeRequest {
    /// An invoke with a local operation code and no link.
    pub fn local(
        operation: i64,
        parameter: Option<Parameter>,
        class: OperationClass,
        timeout: Duration,
    ) -> Self {
        InvokeRequest {
            operation: Code::Local(operation),
            parameter,
            class,
            timeout,
            linked_id: None,
        }
    }
}

/// Dialogue portion parameters of a TC-BEGIN, TC-CONTINUE or TC-END request.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct DialogueRequest {
    /// TC-BEGIN: the application context to propose (an AARQ is sent when present; without
    /// it the dialogue has no dialogue portion). First TC-CONTINUE / TC-END answering an
    /// AARQ: the context accepted in the AARE (the received one when `None`). Ignored later.
    pub application_context: Option<Oid>,
    /// User information for the AARQ / AARE (ignored when no dialogue PDU is sent).
    pub user_information: Vec<External>,
}

/// How a TC-END request ends the dialogue (Q.771 §3.1.2.2).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Termination {
    /// Basic end: an End message is sent with the queued components.
    Basic,
    /// Prearranged end: both users know the dialogue is over; nothing is sent and the queued
    /// components are discarded.
    Prearranged,
}

/// Why the user aborts (Q.771 TC-U-ABORT "abort reason").
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum UserAbortReason {
    /// Refuses a proposed dialogue because of its application context: an AARE
    /// reject-permanent with diagnostic application-context-name-not-supported, naming
    /// `alternative` (the received context when `None`). Only before the first answer to an
    /// AARQ; otherwise sent as a user ABRT.
    ApplicationContextNotSupported {
        /// The context the responder would accept instead.
        alternative: Option<Oid>,
    },
    /// Refuses a proposed dialogue, no reason given (AARE reject-permanent, no-reason-given).
    /// Only before the first answer to an AARQ; otherwise sent as a user ABRT.
    DialogueRefused,
    /// Any other abort: an ABRT with abort-source dialogue-service-user in a structured
    /// dialogue; in a dialogue without dialogue portion, the first user information element
    /// (if any) as bare user abort information.
    UserSpecific,
}

/// A TC-U-ABORT request.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UserAbortRequest {
    /// The reason.
    pub reason: UserAbortReason,
    /// User information carried in the ABRT / AARE (or as the bare EXTERNAL).
    pub user_information: Vec<External>,
}

/// One component handed to the user inside a dialogue indication.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ComponentIndication {
    /// TC-INVOKE indication: an operation invoked by the peer.
    Invoke(Invoke),
    /// TC-RESULT-L (`result.last`) or TC-RESULT-NL indication, matched to the outstanding
    /// invocation of `operation`.
    Result {
        /// The component as received.
        result: ReturnResult,
        /// The operation code of the invocation it answers.
        operation: Code,
    },
    /// TC-U-ERROR indication, matched to the outstanding invocation of `operation`.
    Error {
        /// The component as received.
        error: ReturnError,
        /// The operation code of the invocation it answers.
        operation: Code,
    },
    /// TC-U-REJECT / TC-R-REJECT indication: a Reject received from the peer. A reject of one
    /// of our outstanding invocations (general or invoke problem) ends that invocation.
    Reject(Reject),
    /// TC-L-REJECT indication: the component sublayer found a problem in a received
    /// component. When `queued`, the same Reject waits in the dialogue's component queue and
    /// goes to the peer with the next TC-CONTINUE / TC-END (Q.774 §3.2.1.2); it is not queued
    /// when the dialogue has ended or no answer is possible (End, Unidirectional), nor when
    /// [`MAX_QUEUED_REJECTS`] already wait.
    LocalReject {
        /// The Reject built for the bad component.
        reject: Reject,
        /// Whether it was queued for the peer.
        queued: bool,
    },
}

/// How the peer aborted a dialogue (TC-U-ABORT indication).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum UserAbortCause {
    /// The peer refused our AARQ with an AARE reject-permanent (dialogue-service-user
    /// diagnostic); `application_context` is the one it named.
    Refused {
        /// The application context in the AARE.
        application_context: Oid,
        /// The user diagnostic.
        diagnostic: UserDiagnostic,
    },
    /// An ABRT with abort-source dialogue-service-user.
    Abrt,
    /// Bare user abort information (a dialogue without dialogue portion).
    Information,
    /// An Abort without reason.
    Empty,
}

/// Why the provider ended a dialogue (TC-P-ABORT indication).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ProviderAbortCause {
    /// A transaction sublayer problem: received in a P-Abort, or detected locally.
    Transaction(PAbortCause),
    /// Abnormal dialogue: an ABRT with abort-source dialogue-service-provider was received, or
    /// the dialogue portion received was wrong (Q.774 §3.2.2.2).
    AbnormalDialogue,
    /// The peer refused our AARQ with a dialogue-service-provider diagnostic (for example
    /// no-common-dialogue-portion).
    Refused(ProviderDiagnostic),
}

/// An indication to the TC-user.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Indication {
    /// TC-BEGIN indication: the peer opened a dialogue (state `InitiationReceived`).
    Begin {
        /// The new dialogue.
        dialogue: DialogueId,
        /// The proposed application context (from the AARQ), `None` without dialogue portion.
        application_context: Option<Oid>,
        /// User information of the AARQ.
        user_information: Vec<External>,
        /// The components, in order.
        components: Vec<ComponentIndication>,
    },
    /// TC-CONTINUE indication.
    Continue {
        /// The dialogue.
        dialogue: DialogueId,
        /// The accepted application context (from the AARE) on the first Continue answering
        /// our AARQ; `None` otherwise.
        application_context: Option<Oid>,
        /// User information of the AARE.
        user_information: Vec<External>,
        /// The components, in order.
        components: Vec<ComponentIndication>,
    },
    /// TC-END indication; the dialogue is released.
    End {
        /// The dialogue.
        dialogue: DialogueId,
        /// The accepted application context when the End answers our AARQ.
        application_context: Option<Oid>,
        /// User information of the AARE.
        user_information: Vec<External>,
        /// The components, in order.
        components: Vec<ComponentIndication>,
    },
    /// TC-U-ABORT indication; the dialogue is released.
    UserAbort {
        /// The dialogue.
        dialogue: DialogueId,
        /// What the Abort carried.
        cause: UserAbortCause,
        /// User information of the ABRT / AARE, or the bare EXTERNAL.
        user_information: Vec<External>,
    },
    /// TC-P-ABORT indication; the dialogue is released.
    ProviderAbort {
        /// The dialogue.
        dialogue: DialogueId,
        /// The cause.
        cause: ProviderAbortCause,
    },
    /// TC-NOTICE indication: the network could not deliver a message of this dialogue
    /// (see [`TcapEndpoint::returned`]). The dialogue stays as it is.
    Notice {
        /// The dialogue.
        dialogue: DialogueId,
        /// The network's return cause (for SCCP, the UDTS/XUDTS return cause), as given.
        cause: u8,
    },
    /// TC-L-CANCEL indication: the invoke timer of an invocation expired (Q.774 §3.2.1.1).
    /// For class 1 and 3 this means no result arrived in time, for class 2 that no error
    /// did (success), for class 4 just the end of the invocation.
    Cancel {
        /// The dialogue.
        dialogue: DialogueId,
        /// The invocation.
        invoke_id: InvokeId,
        /// Its operation code.
        operation: Code,
        /// Its class.
        class: OperationClass,
    },
    /// TC-UNI indication: a Unidirectional message (no dialogue).
    Unidirectional {
        /// Application context of the AUDT, if any.
        application_context: Option<Oid>,
        /// The components.
        components: Vec<ComponentIndication>,
    },
}

/// A message to send.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Transmit<A> {
    /// The peer address (as given with the received message or the dialogue).
    pub to: A,
    /// The dialogue the message belongs to, `None` for answers to messages that named no live
    /// dialogue.
    pub dialogue: Option<DialogueId>,
    /// The message.
    pub message: Message,
    /// Its encoding.
    pub bytes: Vec<u8>,
}

/// An output of the endpoint.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Action<A> {
    /// Send a message to the peer.
    Send(Transmit<A>),
    /// Tell the TC-user.
    Indication(Indication),
}

/// A user request the endpoint cannot carry out (the caller's mistake or a local limit).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// No live dialogue has this id.
    #[error("unknown dialogue")]
    UnknownDialogue,
    /// The request is not allowed in the dialogue's state.
    #[error("{request} not allowed in state {state:?}")]
    WrongState {
        /// The request.
        request: &'static str,
        /// The dialogue's state.
        state: DialogueState,
    },
    /// All 256 invoke ids of the dialogue are in use.
    #[error("no free invoke id")]
    NoInvokeId,
    /// The dialogue limit is reached or no transaction id is free.
    #[error("dialogue limit reached")]
    ResourceLimitation,
    /// The invoke id names no outstanding invocation.
    #[error("no such invocation")]
    UnknownInvoke,
}

/// One of our invocations (Q.774 §3.2.1.1 invocation state machine).
#[derive(Clone, Debug)]
struct Invocation {
    operation: Code,
    class: OperationClass,
    timeout: Duration,
    /// `None` while the Invoke waits in the queue; the timer runs from the moment it is sent.
    deadline: Option<Duration>,
}

#[derive(Debug)]
struct Record<A> {
    state: DialogueState,
    peer: A,
    remote: Option<TransactionId>,
    /// The application context of a structured dialogue (AARQ sent or received); `None` for a
    /// dialogue without dialogue portion.
    application_context: Option<Oid>,
    /// Components queued for the next message.
    queue: Vec<Component>,
    invocations: BTreeMap<InvokeId, Invocation>,
    next_invoke_id: InvokeId,
}

/// All dialogues of one TC-user (see the module documentation for the driving contract).
#[derive(Debug)]
pub struct TcapEndpoint<A = ()> {
    config: EndpointConfig,
    dialogues: HashMap<u32, Record<A>>,
    next_counter: u64,
    /// Running invoke timers: (deadline, dialogue, invoke id).
    timers: BTreeSet<(Duration, u32, InvokeId)>,
    actions: VecDeque<Action<A>>,
}

impl<A: Clone> TcapEndpoint<A> {
    /// An endpoint with no dialogues.
    pub fn new(config: EndpointConfig) -> Self {
        TcapEndpoint {
            config,
            dialogues: HashMap::new(),
            next_counter: 1,
            timers: BTreeSet::new(),
            actions: VecDeque::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &EndpointConfig {
        &self.config
    }

    /// The next output, if any.
    pub fn poll_action(&mut self) -> Option<Action<A>> {
        self.actions.pop_front()
    }

    /// The earliest running invoke timer.
    pub fn next_deadline(&self) -> Option<Duration> {
        self.timers.first().map(|(deadline, _, _)| *deadline)
    }

    /// Number of live dialogues.
    pub fn dialogue_count(&self) -> usize {
        self.dialogues.len()
    }

    /// The state of a live dialogue.
    pub fn state(&self, dialogue: DialogueId) -> Option<DialogueState> {
        self.dialogues.get(&dialogue.0).map(|r| r.state)
    }

    /// The application context of a live structured dialogue.
    pub fn application_context(&self, dialogue: DialogueId) -> Option<&Oid> {
        self.dialogues
            .get(&dialogue.0)
            .and_then(|r| r.application_context.as_ref())
    }

    /// The peer's transaction id, once known.
    pub fn remote_id(&self, dialogue: DialogueId) -> Option<TransactionId> {
        self.dialogues.get(&dialogue.0).and_then(|r| r.remote)
    }

    /// The invoke ids of our outstanding invocations (sent or queued) in a dialogue.
    pub fn outstanding_invokes(&self, dialogue: DialogueId) -> Vec<InvokeId> {
        self.dialogues
            .get(&dialogue.0)
            .map(|r| r.invocations.keys().copied().collect())
            .unwrap_or_default()
    }

    // ---------------------------------------------------------------- time

    /// Expires the invoke timers due at `now` (TC-L-CANCEL indications).
    pub fn poll(&mut self, now: Duration) {
        while let Some(&(deadline, id, invoke_id)) = self.timers.first() {
            if deadline > now {
                break;
            }
            self.timers.remove(&(deadline, id, invoke_id));
            let Some(record) = self.dialogues.get_mut(&id) else {
                continue;
            };
            if let Some(inv) = record.invocations.remove(&invoke_id) {
                self.actions
                    .push_back(Action::Indication(Indication::Cancel {
                        dialogue: DialogueId(id),
                        invoke_id,
                        operation: inv.operation,
                        class: inv.class,
                    }));
            }
        }
    }

    // ---------------------------------------------------------------- network input

    /// A message received from `from` (decoded here).
    pub fn receive(&mut self, now: Duration, from: A, bytes: &[u8]) {
        self.receive_decoded(now, from, decode(bytes));
    }

    /// A message received from `from`, already run through [`decode`]: a decode error gets the
    /// answer Q.774 prescribes (P-Abort, ABRT, or a Reject of the bad component).
    pub fn receive_decoded(&mut self, now: Duration, from: A, input: Result<Message, DecodeError>) {
        // No timer starts on receipt today (there is no reject timer); `now` is part of the
        // input contract so that one can be added without changing callers.
        let _ = now;
        match input {
            Ok(message) => self.on_message(from, message, None),
            Err(DecodeError::Component {
                message,
                invoke_id,
                problem,
                ..
            }) => {
                let reject = Reject {
                    invoke_id,
                    problem: Problem::General(problem),
                };
                self.on_message(from, *message, Some(reject))
            }
            Err(DecodeError::Transaction {
                cause,
                message_type,
                otid,
                dtid,
                ..
            }) => self.on_bad_transaction_portion(from, cause, message_type, otid, dtid),
            Err(DecodeError::Dialogue {
                message_type,
                otid,
                dtid,
                ..
            }) => self.on_bad_dialogue_portion(from, message_type, otid, dtid),
        }
    }

    /// A message of ours came back from the network undelivered (for SCCP, the user data of a
    /// UDTS/XUDTS with `cause` its return cause): a TC-NOTICE indication for the dialogue
    /// that sent it, if it is still alive (Q.774 §3.2.2.1, N-NOTICE).
    pub fn returned(&mut self, bytes: &[u8], cause: u8) {
        let otid = match decode(bytes) {
            Ok(m) => m.otid(),
            Err(e) => e.otid(),
        };
        if let Some(id) = otid.and_then(|t| self.local_id(&t)) {
            if self.dialogues.contains_key(&id) {
                self.indicate(Indication::Notice {
                    dialogue: DialogueId(id),
                    cause,
                });
            }
        }
    }

    fn local_id(&self, id: &TransactionId) -> Option<u32> {
        (id.as_bytes().len() == 4).then(|| id.to_u32())
    }

    /// The live dialogue a peer may address by `dtid`: one whose id the peer has learnt (we
    /// sent a Begin or a Continue). A dialogue in `InitiationReceived` has not told its id
    /// to anyone, so a message naming it is treated as naming an unallocated id.
    fn addressable(&self, dtid: Option<TransactionId>) -> Option<u32> {
        let id = self.local_id(&dtid?)?;
        match self.dialogues.get(&id)?.state {
            DialogueState::InitiationSent | DialogueState::Active => Some(id),
            DialogueState::Idle | DialogueState::InitiationReceived => None,
        }
    }

    fn send(&mut self, to: A, dialogue: Option<DialogueId>, message: Message) {
        let bytes = message.encode();
        self.actions.push_back(Action::Send(Transmit {
            to,
            dialogue,
            message,
            bytes,
        }));
    }

    fn indicate(&mut self, indication: Indication) {
        self.actions.push_back(Action::Indication(indication));
    }

    /// Releases a dialogue and its timers.
    fn release(&mut self, id: u32) -> Option<Record<A>> {
        let record = self.dialogues.remove(&id)?;
        for (invoke_id, inv) in &record.invocations {
            if let Some(deadline) = inv.deadline {
                self.timers.remove(&(deadline, id, *invoke_id));
            }
        }
        Some(record)
    }

    /// Q.774 §3.1.2.2 / §3.2.1.2: transaction portion errors.
    fn on_bad_transaction_portion(
        &mut self,
        from: A,
        cause: PAbortCause,
        message_type: Option<MessageType>,
        otid: Option<TransactionId>,
        dtid: Option<TransactionId>,
    ) {
        // A message that names a live dialogue ends it (TC-P-ABORT); the peer is told when
        // it could expect an answer (Continue, or a message we cannot even classify).
        let answerable = matches!(
            message_type,
            None | Some(MessageType::Begin) | Some(MessageType::Continue)
        );
        let named = match message_type {
            Some(MessageType::Begin) | Some(MessageType::Unidirectional) => None,
            _ => self.addressable(dtid),
        };
        if let Some(id) = named {
            let Some(record) = self.release(id) else {
                return;
            };
            if answerable {
                // In `InitiationSent` this is the first answer: the peer's id and address are
                // the ones it carries (Q.774 §3.1.3).
                let (to, remote) = match record.remote {
                    Some(remote) => (record.peer, Some(remote)),
                    None => (from, otid),
                };
                if let Some(remote) = remote {
                    self.send(to, Some(DialogueId(id)), Message::p_abort(remote, cause));
                }
            }
            self.indicate(Indication::ProviderAbort {
                dialogue: DialogueId(id),
                cause: ProviderAbortCause::Transaction(cause),
            });
        } else if answerable {
            if let Some(otid) = otid {
                self.send(from, None, Message::p_abort(otid, cause));
            }
        }
    }

    /// Q.774 §3.2.2.2: a dialogue portion that cannot be decoded.
    fn on_bad_dialogue_portion(
        &mut self,
        from: A,
        message_type: MessageType,
        otid: Option<TransactionId>,
        dtid: Option<TransactionId>,
    ) {
        let abrt = || Some(Dialogue::abrt(AbortSource::Provider));
        match message_type {
            MessageType::Begin => {
                if let Some(otid) = otid {
                    self.send(from, None, Message::u_abort(otid, abrt()));
                }
            }
            MessageType::Continue | MessageType::End | MessageType::Abort => {
                match self.addressable(dtid) {
                    Some(id) if message_type == MessageType::Continue => {
                        if let Some(otid) = otid {
                            self.first_answer_from(id, from, otid);
                        }
                        self.abnormal_dialogue(id, true)
                    }
                    Some(id) => self.abnormal_dialogue(id, false),
                    None if message_type == MessageType::Continue => {
                        if let Some(otid) = otid {
                            self.send(
                                from,
                                None,
                                Message::p_abort(otid, PAbortCause::UnrecognizedTransactionId),
                            );
                        }
                    }
                    None => {}
                }
            }
            MessageType::Unidirectional => {}
        }
    }

    /// Records the peer's transaction id and address from the first Continue answering our
    /// Begin (Q.774 §3.1.3: the answering address is used from now on); no effect in other
    /// states.
    fn first_answer_from(&mut self, id: u32, from: A, otid: TransactionId) {
        if let Some(record) = self.dialogues.get_mut(&id) {
            if record.state == DialogueState::InitiationSent {
                record.remote = Some(otid);
                record.peer = from;
            }
        }
    }

    /// Ends a dialogue whose peer broke the dialogue protocol: an ABRT (abort-source
    /// dialogue-service-provider) to the peer when it can still receive one, and a TC-P-ABORT
    /// indication.
    fn abnormal_dialogue(&mut self, id: u32, tell_peer: bool) {
        let Some(record) = self.release(id) else {
            return;
        };
        if tell_peer {
            if let Some(remote) = record.remote {
                // A dialogue without dialogue portion cannot carry an ABRT: use a P-Abort.
                let message = if record.application_context.is_some() {
                    Message::u_abort(remote, Some(Dialogue::abrt(AbortSource::Provider)))
                } else {
                    Message::p_abort(remote, PAbortCause::IncorrectTransactionPortion)
                };
                self.send(record.peer, Some(DialogueId(id)), message);
            }
        }
        self.indicate(Indication::ProviderAbort {
            dialogue: DialogueId(id),
            cause: ProviderAbortCause::AbnormalDialogue,
        });
    }

    fn on_message(&mut self, from: A, message: Message, bad: Option<Reject>) {
        match message {
            Message::Unidirectional {
                dialogue,
                components,
            } => {
                let mut scratch = Vec::new();
                let mut invocations = BTreeMap::new();
                let mut timers = BTreeSet::new();
                let components = process_components(
                    &mut ComponentContext {
                        id: 0,
                        invocations: &mut invocations,
                        timers: &mut timers,
                        queue: &mut scratch,
                        answerable: false,
                    },
                    components,
                    bad,
                );
                self.indicate(Indication::Unidirectional {
                    application_context: dialogue.as_ref().and_then(|d| match d {
                        Dialogue::Audt(a) => Some(a.application_context.clone()),
                        _ => None,
                    }),
                    components,
                });
            }
            Message::Begin {
                otid,
                dialogue,
                components,
            } => self.on_begin(from, otid, dialogue, components, bad),
            Message::Continue {
                otid,
                dtid,
                dialogue,
                components,
            } => {
                let Some(id) = self.addressable(Some(dtid)) else {
                    // Q.774 §3.1.2.2: unassigned dtid.
                    self.send(
                        from,
                        None,
                        Message::p_abort(otid, PAbortCause::UnrecognizedTransactionId),
                    );
                    return;
                };
                self.on_continue(from, id, otid, dialogue, components, bad);
            }
            Message::End {
                dtid,
                dialogue,
                components,
            } => {
                // An End for an unassigned id is discarded (nobody to answer).
                if let Some(id) = self.addressable(Some(dtid)) {
                    self.on_end(id, dialogue, components, bad);
                }
            }
            Message::Abort { dtid, reason } => {
                if let Some(id) = self.addressable(Some(dtid)) {
                    self.on_abort(id, reason);
                }
            }
        }
    }

    fn on_begin(
        &mut self,
        from: A,
        otid: TransactionId,
        dialogue: Option<Dialogue>,
        components: Vec<Component>,
        bad: Option<Reject>,
    ) {
        let (application_context, user_information) = match dialogue {
            None => (None, Vec::new()),
            Some(Dialogue::Aarq(aarq)) if aarq.version1 => {
                (Some(aarq.application_context), aarq.user_information)
            }
            Some(Dialogue::Aarq(aarq)) => {
                // Q.774 §3.2.2.2: no common protocol version.
                let aare = Dialogue::aare_rejected(
                    aarq.application_context,
                    SourceDiagnostic::Provider(ProviderDiagnostic::NoCommonDialoguePortion),
                );
                self.send(from, None, Message::u_abort(otid, Some(aare)));
                return;
            }
            Some(_) => {
                // Only an AARQ may open a dialogue.
                self.send(
                    from,
                    None,
                    Message::u_abort(otid, Some(Dialogue::abrt(AbortSource::Provider))),
                );
                return;
            }
        };
        let Some(id) = self.allocate() else {
            self.send(
                from,
                None,
                Message::p_abort(otid, PAbortCause::ResourceLimitation),
            );
            return;
        };
        let mut record = Record {
            state: DialogueState::InitiationReceived,
            peer: from,
            remote: Some(otid),
            application_context: application_context.clone(),
            queue: Vec::new(),
            invocations: BTreeMap::new(),
            next_invoke_id: 1,
        };
        let components = process_components(
            &mut ComponentContext {
                id,
                invocations: &mut record.invocations,
                timers: &mut self.timers,
                queue: &mut record.queue,
                answerable: true,
            },
            components,
            bad,
        );
        self.dialogues.insert(id, record);
        self.indicate(Indication::Begin {
            dialogue: DialogueId(id),
            application_context,
            user_information,
            components,
        });
    }

    fn on_continue(
        &mut self,
        from: A,
        id: u32,
        otid: TransactionId,
        dialogue: Option<Dialogue>,
        components: Vec<Component>,
        bad: Option<Reject>,
    ) {
        let Some(record) = self.dialogues.get(&id) else {
            return;
        };
        let (accepted, user_information) = match answer_portion(record, dialogue) {
            AnswerPortion::Fine {
                accepted,
                user_information,
            } => (accepted, user_information),
            // A refusal belongs in an Abort (or End); in a Continue it is as wrong as any other
            // portion. The peer has sent its otid and gone to Active: tell it.
            AnswerPortion::Refused(_) | AnswerPortion::Abnormal => {
                self.first_answer_from(id, from, otid);
                self.abnormal_dialogue(id, true);
                return;
            }
        };
        self.first_answer_from(id, from, otid);
        let Some(record) = self.dialogues.get_mut(&id) else {
            return;
        };
        record.state = DialogueState::Active;
        if let Some(ac) = &accepted {
            record.application_context = Some(ac.clone());
        }
        let components = process_components(
            &mut ComponentContext {
                id,
                invocations: &mut record.invocations,
                timers: &mut self.timers,
                queue: &mut record.queue,
                answerable: true,
            },
            components,
            bad,
        );
        self.indicate(Indication::Continue {
            dialogue: DialogueId(id),
            application_context: accepted,
            user_information,
            components,
        });
    }

    fn on_end(
        &mut self,
        id: u32,
        dialogue: Option<Dialogue>,
        components: Vec<Component>,
        bad: Option<Reject>,
    ) {
        let Some(record) = self.dialogues.get(&id) else {
            return;
        };
        let (accepted, user_information) = match answer_portion(record, dialogue) {
            AnswerPortion::Fine {
                accepted,
                user_information,
            } => (accepted, user_information),
            AnswerPortion::Refused(aare) => {
                self.release(id);
                self.indicate(refusal(id, aare));
                return;
            }
            AnswerPortion::Abnormal => return self.abnormal_dialogue(id, false),
        };
        let Some(mut record) = self.release(id) else {
            return;
        };
        // No answer can follow an End: rejects are only indicated. Timers of the remaining
        // invocations were removed with the dialogue.
        let mut no_timers = BTreeSet::new();
        let components = process_components(
            &mut ComponentContext {
                id,
                invocations: &mut record.invocations,
                timers: &mut no_timers,
                queue: &mut record.queue,
                answerable: false,
            },
            components,
            bad,
        );
        self.indicate(Indication::End {
            dialogue: DialogueId(id),
            application_context: accepted,
            user_information,
            components,
        });
    }

    fn on_abort(&mut self, id: u32, reason: Option<AbortReason>) {
        if self.release(id).is_none() {
            return;
        }
        let dialogue = DialogueId(id);
        let provider = |cause| Indication::ProviderAbort { dialogue, cause };
        let user = |cause, user_information| Indication::UserAbort {
            dialogue,
            cause,
            user_information,
        };
        let indication = match reason {
            None => user(UserAbortCause::Empty, Vec::new()),
            Some(AbortReason::Provider(cause)) => provider(ProviderAbortCause::Transaction(cause)),
            Some(AbortReason::User(Dialogue::Abrt(abrt))) => match abrt.source {
                AbortSource::User => user(UserAbortCause::Abrt, abrt.user_information),
                AbortSource::Provider => provider(ProviderAbortCause::AbnormalDialogue),
            },
            Some(AbortReason::User(Dialogue::Aare(aare))) => refusal(id, aare),
            Some(AbortReason::User(Dialogue::UserAbortInformation(external))) => {
                user(UserAbortCause::Information, vec![external])
            }
            Some(AbortReason::User(Dialogue::Aarq(_) | Dialogue::Audt(_))) => {
                provider(ProviderAbortCause::AbnormalDialogue)
            }
        };
        self.indicate(indication);
    }

    // ---------------------------------------------------------------- user requests

    fn allocate(&mut self) -> Option<u32> {
        if self.dialogues.len() >= self.config.max_dialogues {
            return None;
        }
        let capacity = self.config.id_space.capacity();
        if self.dialogues.len() as u64 >= capacity {
            return None;
        }
        // Ids are handed out in turn, so a released id is reused only after the rest of the
        // space; ids of live dialogues are skipped.
        for _ in 0..capacity {
            let id = self.config.id_space.id(self.next_counter);
            self.next_counter = (self.next_counter + 1) % capacity;
            if !self.dialogues.contains_key(&id) {
                return Some(id);
            }
        }
        None
    }

    /// Opens a dialogue locally (state `Idle`): queue components on it, then send them with
    /// [`TcapEndpoint::begin`]. `peer` is where the Begin goes.
    pub fn new_dialogue(&mut self, peer: A) -> Result<DialogueId, RequestError> {
        let id = self.allocate().ok_or(RequestError::ResourceLimitation)?;
        self.dialogues.insert(
            id,
            Record {
                state: DialogueState::Idle,
                peer,
                remote: None,
                application_context: None,
                queue: Vec::new(),
                invocations: BTreeMap::new(),
                next_invoke_id: 1,
            },
        );
        Ok(DialogueId(id))
    }

    fn record(&mut self, dialogue: DialogueId) -> Result<&mut Record<A>, RequestError> {
        self.dialogues
            .get_mut(&dialogue.0)
            .ok_or(RequestError::UnknownDialogue)
    }

    /// TC-INVOKE request: queues an Invoke and returns its invoke id (one not used by any
    /// outstanding invocation of the dialogue, Q.774 §3.2.1.1). Its timer starts when the
    /// message carrying it is sent.
    pub fn invoke(
        &mut self,
        dialogue: DialogueId,
        request: InvokeRequest,
    ) -> Result<InvokeId, RequestError> {
        let record = self.record(dialogue)?;
        let mut candidate = record.next_invoke_id;
        let mut found = None;
        for _ in 0..256 {
            if !record.invocations.contains_key(&candidate) {
                found = Some(candidate);
                break;
            }
            candidate = candidate.wrapping_add(1);
        }
        let invoke_id = found.ok_or(RequestError::NoInvokeId)?;
        record.next_invoke_id = invoke_id.wrapping_add(1);
        record.invocations.insert(
            invoke_id,
            Invocation {
                operation: request.operation.clone(),
                class: request.class,
                timeout: request.timeout,
                deadline: None,
            },
        );
        record.queue.push(Component::Invoke(Invoke {
            invoke_id,
            linked_id: request.linked_id,
            opcode: request.operation,
            parameter: request.parameter,
        }));
        Ok(invoke_id)
    }

    /// TC-RESULT-L / TC-RESULT-NL request: queues a ReturnResult.
    pub fn return_result(
        &mut self,
        dialogue: DialogueId,
        result: ReturnResult,
    ) -> Result<(), RequestError> {
        self.record(dialogue)?
            .queue
            .push(Component::ReturnResult(result));
        Ok(())
    }

    /// TC-U-ERROR request: queues a ReturnError.
    pub fn return_error(
        &mut self,
        dialogue: DialogueId,
        error: ReturnError,
    ) -> Result<(), RequestError> {
        self.record(dialogue)?
            .queue
            .push(Component::ReturnError(error));
        Ok(())
    }

    /// TC-U-REJECT request: queues a Reject of a peer's component.
    pub fn user_reject(
        &mut self,
        dialogue: DialogueId,
        reject: Reject,
    ) -> Result<(), RequestError> {
        self.record(dialogue)?.queue.push(Component::Reject(reject));
        Ok(())
    }

    /// TC-U-CANCEL request: ends an invocation locally (its timer stops; a queued Invoke is
    /// removed from the queue, Q.774 §3.2.1.1). A late answer is then rejected as for an
    /// unknown invoke id.
    pub fn cancel(
        &mut self,
        dialogue: DialogueId,
        invoke_id: InvokeId,
    ) -> Result<(), RequestError> {
        let id = dialogue.0;
        let record = self.record(dialogue)?;
        let inv = record
            .invocations
            .remove(&invoke_id)
            .ok_or(RequestError::UnknownInvoke)?;
        match inv.deadline {
            Some(deadline) => {
                self.timers.remove(&(deadline, id, invoke_id));
            }
            None => record
                .queue
                .retain(|c| !matches!(c, Component::Invoke(i) if i.invoke_id == invoke_id)),
        }
        Ok(())
    }

    /// TC-TIMER-RESET request: restarts the invoke timer of a sent invocation from `now`.
    pub fn reset_timer(
        &mut self,
        now: Duration,
        dialogue: DialogueId,
        invoke_id: InvokeId,
    ) -> Result<(), RequestError> {
        let id = dialogue.0;
        let record = self
            .dialogues
            .get_mut(&id)
            .ok_or(RequestError::UnknownDialogue)?;
        let inv = record
            .invocations
            .get_mut(&invoke_id)
            .ok_or(RequestError::UnknownInvoke)?;
        if let Some(old) = inv.deadline {
            self.timers.remove(&(old, id, invoke_id));
            let deadline = now.saturating_add(inv.timeout);
            inv.deadline = Some(deadline);
            self.timers.insert((deadline, id, invoke_id));
        }
        Ok(())
    }

    /// Takes the queued components; Invokes among them start their timers at `now`, or are
    /// forgotten when `final_message` (nothing can answer them after an End).
    fn take_queue(&mut self, id: u32, now: Duration, final_message: bool) -> Vec<Component> {
        let Some(record) = self.dialogues.get_mut(&id) else {
            return Vec::new();
        };
        let components = std::mem::take(&mut record.queue);
        if !final_message {
            for c in &components {
                if let Component::Invoke(i) = c {
                    if let Some(inv) = record.invocations.get_mut(&i.invoke_id) {
                        let deadline = now.saturating_add(inv.timeout);
                        inv.deadline = Some(deadline);
                        self.timers.insert((deadline, id, i.invoke_id));
                    }
                }
            }
        }
        components
    }

    /// TC-BEGIN request: sends a Begin with the queued components (and an AARQ when an
    /// application context is given); the dialogue goes to `InitiationSent`.
    pub fn begin(
        &mut self,
        now: Duration,
        dialogue: DialogueId,
        request: DialogueRequest,
    ) -> Result<(), RequestError> {
        let record = self.record(dialogue)?;
        if record.state != DialogueState::Idle {
            return Err(RequestError::WrongState {
                request: "TC-BEGIN",
                state: record.state,
            });
        }
        record.state = DialogueState::InitiationSent;
        record.application_context = request.application_context.clone();
        let peer = record.peer.clone();
        let portion = request.application_context.map(|ac| {
            Dialogue::Aarq(Aarq {
                version1: true,
                application_context: ac,
                user_information: request.user_information,
            })
        });
        let components = self.take_queue(dialogue.0, now, false);
        self.send(
            peer,
            Some(dialogue),
            Message::begin(dialogue.transaction_id(), portion, components),
        );
        Ok(())
    }

    /// The AARE owed by the first answer to an AARQ, recording the accepted context.
    fn first_answer_portion(record: &mut Record<A>, request: DialogueRequest) -> Option<Dialogue> {
        if record.state != DialogueState::InitiationReceived {
            return None;
        }
        let proposed = record.application_context.clone()?;
        let ac = request.application_context.unwrap_or(proposed);
        record.application_context = Some(ac.clone());
        Some(Dialogue::Aare(Aare {
            version1: true,
            application_context: ac,
            result: AssociateResult::Accepted,
            diagnostic: SourceDiagnostic::User(UserDiagnostic::Null),
            user_information: request.user_information,
        }))
    }

    /// TC-CONTINUE request: sends a Continue with the queued components. The first answer to
    /// an AARQ carries the accepting AARE (Q.774 §3.2.2.1).
    pub fn continue_(
        &mut self,
        now: Duration,
        dialogue: DialogueId,
        request: DialogueRequest,
    ) -> Result<(), RequestError> {
        let record = self.record(dialogue)?;
        let remote = match (record.state, record.remote) {
            (DialogueState::InitiationReceived | DialogueState::Active, Some(remote)) => remote,
            (state, _) => {
                return Err(RequestError::WrongState {
                    request: "TC-CONTINUE",
                    state,
                })
            }
        };
        let portion = Self::first_answer_portion(record, request);
        record.state = DialogueState::Active;
        let peer = record.peer.clone();
        let components = self.take_queue(dialogue.0, now, false);
        self.send(
            peer,
            Some(dialogue),
            Message::continue_(dialogue.transaction_id(), remote, portion, components),
        );
        Ok(())
    }

    /// TC-END request. Basic: an End with the queued components (and the AARE when it is the
    /// first answer to an AARQ). Prearranged: nothing is sent. The dialogue is released
    /// either way.
    pub fn end(
        &mut self,
        now: Duration,
        dialogue: DialogueId,
        termination: Termination,
        request: DialogueRequest,
    ) -> Result<(), RequestError> {
        let record = self.record(dialogue)?;
        if termination == Termination::Prearranged {
            self.release(dialogue.0);
            return Ok(());
        }
        let remote = match (record.state, record.remote) {
            (DialogueState::InitiationReceived | DialogueState::Active, Some(remote)) => remote,
            (state, _) => {
                return Err(RequestError::WrongState {
                    request: "TC-END",
                    state,
                })
            }
        };
        let portion = Self::first_answer_portion(record, request);
        let peer = record.peer.clone();
        let components = self.take_queue(dialogue.0, now, true);
        self.release(dialogue.0);
        self.send(
            peer,
            Some(dialogue),
            Message::end(remote, portion, components),
        );
        Ok(())
    }

    /// TC-U-ABORT request: releases the dialogue. An Abort goes to the peer when it knows
    /// the dialogue (not in `Idle`, nor in `InitiationSent`, where the peer's id is unknown:
    /// Q.774 §3.1.3 releases locally). Before the first answer to an AARQ, a refusal reason
    /// sends an AARE reject-permanent; otherwise a structured dialogue gets a user ABRT.
    pub fn user_abort(
        &mut self,
        _now: Duration,
        dialogue: DialogueId,
        request: UserAbortRequest,
    ) -> Result<(), RequestError> {
        let record = self
            .release(dialogue.0)
            .ok_or(RequestError::UnknownDialogue)?;
        let remote = match (record.state, record.remote) {
            (DialogueState::InitiationReceived | DialogueState::Active, Some(remote)) => remote,
            _ => return Ok(()),
        };
        let UserAbortRequest {
            reason,
            user_information,
        } = request;
        let refusal = |ac: Oid, diagnostic: UserDiagnostic, ui: Vec<External>| {
            Dialogue::Aare(Aare {
                version1: true,
                application_context: ac,
                result: AssociateResult::RejectPermanent,
                diagnostic: SourceDiagnostic::User(diagnostic),
                user_information: ui,
            })
        };
        let portion = match (&record.application_context, record.state, reason) {
            (None, _, _) => user_information
                .into_iter()
                .next()
                .map(Dialogue::UserAbortInformation),
            (
                Some(proposed),
                DialogueState::InitiationReceived,
                UserAbortReason::ApplicationContextNotSupported { alternative },
            ) => Some(refusal(
                alternative.unwrap_or_else(|| proposed.clone()),
                UserDiagnostic::ApplicationContextNameNotSupported,
                user_information,
            )),
            (
                Some(proposed),
                DialogueState::InitiationReceived,
                UserAbortReason::DialogueRefused,
            ) => Some(refusal(
                proposed.clone(),
                UserDiagnostic::NoReasonGiven,
                user_information,
            )),
            (Some(_), _, _) => Some(Dialogue::Abrt(Abrt {
                source: AbortSource::User,
                user_information,
            })),
        };
        self.send(
            record.peer,
            Some(dialogue),
            Message::u_abort(remote, portion),
        );
        Ok(())
    }
}

/// What the dialogue portion of a received Continue or End means for its dialogue.
enum AnswerPortion {
    /// As expected; on the first answer to our AARQ, the context the AARE accepted and its
    /// user information.
    Fine {
        accepted: Option<Oid>,
        user_information: Vec<External>,
    },
    /// An AARE refusing our AARQ.
    Refused(Aare),
    /// Missing, unexpected or of the wrong kind (Q.774 §3.2.2.2).
    Abnormal,
}

/// Q.774 §3.2.2: the first answer to our Begin carries an AARE exactly when we proposed a
/// context (sent an AARQ); later messages carry no dialogue portion.
fn answer_portion<A>(record: &Record<A>, dialogue: Option<Dialogue>) -> AnswerPortion {
    let nothing = || AnswerPortion::Fine {
        accepted: None,
        user_information: Vec::new(),
    };
    if record.state != DialogueState::InitiationSent {
        return match dialogue {
            None => nothing(),
            Some(_) => AnswerPortion::Abnormal,
        };
    }
    match (&record.application_context, dialogue) {
        (None, None) => nothing(),
        (Some(_), Some(Dialogue::Aare(aare))) if aare.result == AssociateResult::Accepted => {
            AnswerPortion::Fine {
                accepted: Some(aare.application_context),
                user_information: aare.user_information,
            }
        }
        (Some(_), Some(Dialogue::Aare(aare))) => AnswerPortion::Refused(aare),
        _ => AnswerPortion::Abnormal,
    }
}

/// The indication for an AARE that refuses our AARQ.
fn refusal(id: u32, aare: Aare) -> Indication {
    match aare.diagnostic {
        SourceDiagnostic::User(diagnostic) => Indication::UserAbort {
            dialogue: DialogueId(id),
            cause: UserAbortCause::Refused {
                application_context: aare.application_context,
                diagnostic,
            },
            user_information: aare.user_information,
        },
        SourceDiagnostic::Provider(diagnostic) => Indication::ProviderAbort {
            dialogue: DialogueId(id),
            cause: ProviderAbortCause::Refused(diagnostic),
        },
    }
}

/// Most Rejects built by the component sublayer (TC-L-REJECT) that wait in one dialogue's
/// queue for the user's next TC-CONTINUE / TC-END; further ones are only indicated
/// (`queued: false`). Q.774 §3.2.1.2 sets no limit; this one bounds what a peer can make the
/// endpoint hold by repeating bad components while the user has nothing to send.
pub const MAX_QUEUED_REJECTS: usize = 64;

struct ComponentContext<'a> {
    id: u32,
    invocations: &'a mut BTreeMap<InvokeId, Invocation>,
    timers: &'a mut BTreeSet<(Duration, u32, InvokeId)>,
    queue: &'a mut Vec<Component>,
    /// Whether a Reject can still reach the peer.
    answerable: bool,
}

impl ComponentContext<'_> {
    /// An outstanding invocation that was sent (a queued one cannot be answered yet).
    fn sent(&self, invoke_id: InvokeId) -> Option<&Invocation> {
        self.invocations
            .get(&invoke_id)
            .filter(|inv| inv.deadline.is_some())
    }

    fn finish(&mut self, invoke_id: InvokeId) -> Option<Invocation> {
        let inv = self.invocations.remove(&invoke_id)?;
        if let Some(deadline) = inv.deadline {
            self.timers.remove(&(deadline, self.id, invoke_id));
        }
        Some(inv)
    }

    fn local_reject(&mut self, reject: Reject) -> ComponentIndication {
        // The queue is drained only by the user's next TC-CONTINUE / TC-END, so a peer that
        // keeps sending bad components while the user waits must not grow it without bound.
        let queued = self.answerable
            && self
                .queue
                .iter()
                .filter(|c| matches!(c, Component::Reject(_)))
                .count()
                < MAX_QUEUED_REJECTS;
        if queued {
            self.queue.push(Component::Reject(reject.clone()));
        }
        ComponentIndication::LocalReject { reject, queued }
    }
}

/// The component sublayer on receipt (Q.774 §3.2.1): matches answers to our invocations,
/// builds Rejects for what cannot be matched, and hands the rest to the user in order.
fn process_components(
    cx: &mut ComponentContext<'_>,
    components: Vec<Component>,
    bad: Option<Reject>,
) -> Vec<ComponentIndication> {
    let mut out = Vec::with_capacity(components.len() + usize::from(bad.is_some()));
    for component in components {
        let indication = match component {
            Component::Invoke(invoke) => match invoke.linked_id {
                Some(linked) if cx.sent(linked).is_none() => cx.local_reject(Reject {
                    invoke_id: Some(invoke.invoke_id),
                    problem: Problem::Invoke(InvokeProblem::UnrecognizedLinkedId),
                }),
                _ => ComponentIndication::Invoke(invoke),
            },
            Component::ReturnResult(result) => {
                let id = result.invoke_id;
                match cx.sent(id).map(|inv| inv.class.expects_result()) {
                    None => cx.local_reject(Reject {
                        invoke_id: Some(id),
                        problem: Problem::ReturnResult(ReturnResultProblem::UnrecognizedInvokeId),
                    }),
                    Some(false) => {
                        cx.finish(id);
                        cx.local_reject(Reject {
                            invoke_id: Some(id),
                            problem: Problem::ReturnResult(
                                ReturnResultProblem::ReturnResultUnexpected,
                            ),
                        })
                    }
                    Some(true) => {
                        let operation = if result.last {
                            cx.finish(id).map(|inv| inv.operation)
                        } else {
                            cx.sent(id).map(|inv| inv.operation.clone())
                        };
                        ComponentIndication::Result {
                            result,
                            operation: operation.unwrap_or(Code::Local(0)),
                        }
                    }
                }
            }
            Component::ReturnError(error) => {
                let id = error.invoke_id;
                match cx.sent(id).map(|inv| inv.class.expects_error()) {
                    None => cx.local_reject(Reject {
                        invoke_id: Some(id),
                        problem: Problem::ReturnError(ReturnErrorProblem::UnrecognizedInvokeId),
                    }),
                    Some(false) => {
                        cx.finish(id);
                        cx.local_reject(Reject {
                            invoke_id: Some(id),
                            problem: Problem::ReturnError(
                                ReturnErrorProblem::ReturnErrorUnexpected,
                            ),
                        })
                    }
                    Some(true) => {
                        let operation = cx
                            .finish(id)
                            .map(|inv| inv.operation)
                            .unwrap_or(Code::Local(0));
                        ComponentIndication::Error { error, operation }
                    }
                }
            }
            Component::Reject(reject) => {
                // A general or invoke problem about one of our invocations ends it; result and
                // error problems are about the peer's invocations.
                if let (Some(id), Problem::General(_) | Problem::Invoke(_)) =
                    (reject.invoke_id, reject.problem)
                {
                    if cx.sent(id).is_some() {
                        cx.finish(id);
                    }
                }
                ComponentIndication::Reject(reject)
            }
        };
        out.push(indication);
    }
    if let Some(reject) = bad {
        let indication = cx.local_reject(reject);
        out.push(indication);
    }
    out
}
