//! The SCP face on the wire: M3UA over TCP (messages delimited by the M3UA length field), one
//! task per association, each with its M3UA association state machine and its SCP call
//! engine. In listen mode we answer ASPUP/ASPAC (the peer is an SG or an SSP acting as ASP);
//! in connect mode we are the ASP and reconnect when the association drops.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::collections::HashMap;

use callctl_scp::{CallId, Event, Incoming, Output, ScpEngine, Stats};
use callctl_sigtran::m3ua::{Action, AspState, Association, Indication, Role, TransferRequest};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::scp_config::{Endpoint, ScpSetup, Transport};

/// IPPROTO_SCTP.
const IPPROTO_SCTP: i32 = 132;

/// A stream socket of `transport` for `addr`'s family. SCTP sockets are one-to-one style
/// (RFC 6458 §3): each association is a connected stream socket, so the same listener and
/// stream code serves both, and M3UA messages are delimited by their length field on either.
fn socket(addr: std::net::SocketAddr, transport: Transport) -> anyhow::Result<socket2::Socket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let protocol = match transport {
        Transport::Tcp => Protocol::TCP,
        Transport::Sctp => Protocol::from(IPPROTO_SCTP),
    };
    Socket::new(Domain::for_address(addr), Type::STREAM, Some(protocol)).map_err(|e| {
        if transport == Transport::Sctp
            && matches!(e.raw_os_error(), Some(93 /* EPROTONOSUPPORT */) | Some(97 /* EAFNOSUPPORT */))
        {
            anyhow::anyhow!(
                "scp.transport: this kernel has no SCTP ({e}); load the sctp module (modprobe sctp) \
                 or set scp.transport = \"tcp\""
            )
        } else {
            anyhow::anyhow!("scp: cannot create a socket: {e}")
        }
    })
}

/// The listening socket of listen mode (bound now, so a busy port stops the start).
pub fn bind(setup: &ScpSetup) -> anyhow::Result<Option<std::net::TcpListener>> {
    let Endpoint::Listen(addr) = setup.endpoint else {
        return Ok(None);
    };
    let socket = socket(addr, setup.transport)?;
    let _ = socket.set_reuse_address(true);
    let name = match setup.transport {
        Transport::Tcp => "tcp",
        Transport::Sctp => "sctp",
    };
    socket
        .bind(&addr.into())
        .and_then(|_| socket.listen(128))
        .map_err(|e| anyhow::anyhow!("scp.listen: cannot bind {name}:{addr}: {e}"))?;
    Ok(Some(socket.into()))
}

/// Connects to a signalling gateway.
async fn connect(addr: std::net::SocketAddr, transport: Transport) -> anyhow::Result<TcpStream> {
    match transport {
        Transport::Tcp => Ok(TcpStream::connect(addr).await?),
        Transport::Sctp => {
            let stream = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
                let socket = socket(addr, transport)?;
                socket.connect(&addr.into())?;
                socket.set_nonblocking(true)?;
                Ok(std::net::TcpStream::from(socket))
            })
            .await??;
            Ok(TcpStream::from_std(stream)?)
        }
    }
}

/// Counters and gauges of the SCP face, summed over associations.
#[derive(Default)]
pub struct ScpMetrics {
    /// Associations with a connected transport.
    pub associations: AtomicUsize,
    /// Associations in ASP-ACTIVE.
    pub associations_active: AtomicUsize,
    /// Calls in progress.
    pub calls_active: AtomicUsize,
    pub calls_started: AtomicU64,
    pub calls_ended: AtomicU64,
    pub service_logic_timeouts: AtomicU64,
    pub dialogues_refused: AtomicU64,
    pub bad_initial_dp: AtomicU64,
    pub sccp_errors: AtomicU64,
    pub unequipped_ssn: AtomicU64,
    pub rejects_sent: AtomicU64,
    pub p_aborts_sent: AtomicU64,
    pub operations_refused: AtomicU64,
    pub unexpected_operations: AtomicU64,
    /// M3UA ERR messages we sent (malformed or unexpected M3UA input).
    pub m3ua_errors_sent: AtomicU64,
    /// SCCP messages we could not send (association not active).
    pub send_failures: AtomicU64,
}

impl ScpMetrics {
    /// Adds what `now` counts beyond `before`.
    fn publish(&self, before: &mut Stats, now: Stats) {
        let add = |c: &AtomicU64, new: u64, old: u64| {
            if new > old {
                c.fetch_add(new - old, Ordering::Relaxed);
            }
        };
        add(&self.calls_started, now.calls_started, before.calls_started);
        add(&self.calls_ended, now.calls_ended, before.calls_ended);
        add(
            &self.service_logic_timeouts,
            now.service_logic_timeouts,
            before.service_logic_timeouts,
        );
        add(
            &self.dialogues_refused,
            now.dialogues_refused,
            before.dialogues_refused,
        );
        add(
            &self.bad_initial_dp,
            now.bad_initial_dp,
            before.bad_initial_dp,
        );
        add(&self.sccp_errors, now.sccp_errors, before.sccp_errors);
        add(
            &self.unequipped_ssn,
            now.unequipped_ssn,
            before.unequipped_ssn,
        );
        add(&self.rejects_sent, now.rejects_sent, before.rejects_sent);
        add(&self.p_aborts_sent, now.p_aborts_sent, before.p_aborts_sent);
        add(
            &self.operations_refused,
            now.operations_refused,
            before.operations_refused,
        );
        add(
            &self.unexpected_operations,
            now.unexpected_operations,
            before.unexpected_operations,
        );
        *before = now;
    }
}

/// Handle of the running SCP face.
pub struct ScpHandle {
    shutdown: watch::Sender<bool>,
    tasks: Arc<AtomicUsize>,
}

impl ScpHandle {
    /// Releases every call and closes the associations; returns when done.
    pub async fn stop(&self) {
        let _ = self.shutdown.send(true);
        while self.tasks.load(Ordering::Acquire) > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

struct TaskGuard(Arc<AtomicUsize>);

impl TaskGuard {
    fn new(tasks: &Arc<AtomicUsize>) -> TaskGuard {
        tasks.fetch_add(1, Ordering::AcqRel);
        TaskGuard(tasks.clone())
    }
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Binds (listen mode) and starts the SCP face on the current tokio runtime.
pub fn start(
    setup: ScpSetup,
    listener: Option<std::net::TcpListener>,
    metrics: Arc<ScpMetrics>,
) -> std::io::Result<ScpHandle> {
    let (tx, rx) = watch::channel(false);
    let tasks = Arc::new(AtomicUsize::new(0));
    let setup = Arc::new(setup);
    match (setup.endpoint, listener) {
        (Endpoint::Listen(_), Some(l)) => {
            l.set_nonblocking(true)?;
            let listener = TcpListener::from_std(l)?;
            let guard = TaskGuard::new(&tasks);
            let tasks = tasks.clone();
            tokio::spawn(async move {
                let _guard = guard;
                accept_loop(listener, setup, metrics, rx, tasks).await;
            });
        }
        (Endpoint::Connect(addr), _) => {
            let guard = TaskGuard::new(&tasks);
            let tasks = tasks.clone();
            tokio::spawn(async move {
                let _guard = guard;
                connect_loop(addr, setup, metrics, rx, tasks).await;
            });
        }
        (Endpoint::Listen(_), None) => {}
    }
    Ok(ScpHandle {
        shutdown: tx,
        tasks,
    })
}

async fn accept_loop(
    listener: TcpListener,
    setup: Arc<ScpSetup>,
    metrics: Arc<ScpMetrics>,
    mut shutdown: watch::Receiver<bool>,
    tasks: Arc<AtomicUsize>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    if metrics.associations.load(Ordering::Relaxed) >= setup.max_associations {
                        tracing::warn!(%peer, max = setup.max_associations,
                            "SCP: association refused, scp.max_associations reached");
                        continue;
                    }
                    let guard = TaskGuard::new(&tasks);
                    let (setup, metrics, shutdown) = (setup.clone(), metrics.clone(), shutdown.clone());
                    tokio::spawn(async move {
                        let _guard = guard;
                        serve(stream, Role::Sgp, &setup, &metrics, shutdown).await;
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "SCP: accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            _ = shutdown.changed() => return,
        }
    }
}

async fn connect_loop(
    addr: std::net::SocketAddr,
    setup: Arc<ScpSetup>,
    metrics: Arc<ScpMetrics>,
    mut shutdown: watch::Receiver<bool>,
    _tasks: Arc<AtomicUsize>,
) {
    loop {
        match connect(addr, setup.transport).await {
            Ok(stream) => {
                serve(stream, Role::Asp, &setup, &metrics, shutdown.clone()).await;
            }
            Err(e) => {
                tracing::warn!(%addr, error = %e, "SCP: cannot connect to the signalling gateway")
            }
        }
        if *shutdown.borrow() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(setup.reconnect) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Longest a write to the peer may take before the association is given up.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// What one pass over the association and the engine produced.
struct Pump {
    close: bool,
}

/// One association: M3UA bytes in and out, the engine in between.
async fn serve(
    stream: TcpStream,
    role: Role,
    setup: &ScpSetup,
    metrics: &ScpMetrics,
    mut shutdown: watch::Receiver<bool>,
) {
    let peer = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let _ = stream.set_nodelay(true);
    let (mut rd, mut wr) = stream.into_split();
    let start = Instant::now();
    let now = || start.elapsed();
    let mut assoc = Association::new(setup.asp_config(role));
    let mut engine = ScpEngine::new(setup.engine.clone());
    // Service key of each call, for the built-in logic's later decisions.
    let mut service_keys: HashMap<CallId, u32> = HashMap::new();
    let mut published = Stats::default();
    let mut active = false;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    metrics.associations.fetch_add(1, Ordering::Relaxed);
    tracing::info!(%peer, ?role, "SCP: association transport up");
    assoc.transport_up(now());
    let mut stopping = false;
    loop {
        let p = pump(
            &mut assoc,
            &mut engine,
            &mut service_keys,
            setup,
            metrics,
            now(),
            &mut out,
            &mut active,
        );
        metrics.publish(&mut published, engine.stats());
        if !out.is_empty() {
            // A peer that stops reading must not hold the association (and shutdown) forever.
            match tokio::time::timeout(WRITE_TIMEOUT, wr.write_all(&out)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::warn!(%peer, error = %e, "SCP: write failed");
                    break;
                }
                Err(_) => {
                    tracing::warn!(%peer, "SCP: peer not reading for {WRITE_TIMEOUT:?}; closing the association");
                    break;
                }
            }
            out.clear();
        }
        if p.close || stopping {
            break;
        }
        let deadline = [assoc.next_deadline(), engine.next_deadline()]
            .into_iter()
            .flatten()
            .min();
        let wait = deadline.map_or(Duration::from_secs(3600), |d| d.saturating_sub(now()));
        tokio::select! {
            read = rd.read(&mut buf) => match read {
                Ok(0) => {
                    tracing::info!(%peer, "SCP: peer closed the association");
                    break;
                }
                Ok(n) => assoc.receive_stream(now(), &buf[..n]),
                Err(e) => {
                    tracing::warn!(%peer, error = %e, "SCP: read failed");
                    break;
                }
            },
            _ = tokio::time::sleep(wait) => {
                let t = now();
                assoc.poll(t);
                engine.poll(t);
            }
            _ = shutdown.changed() => {
                tracing::info!(%peer, calls = engine.call_count(), "SCP: releasing calls");
                engine.release_all(now());
                stopping = true;
            }
        }
    }
    assoc.transport_down(now());
    // Calls still open die with their association: the SSP's TCAP will time them out.
    let lost = engine.call_count();
    if lost > 0 {
        tracing::warn!(%peer, calls = lost, "SCP: association lost with calls in progress");
        metrics.calls_active.fetch_sub(lost, Ordering::Relaxed);
        metrics
            .calls_ended
            .fetch_add(lost as u64, Ordering::Relaxed);
    }
    if active {
        metrics.associations_active.fetch_sub(1, Ordering::Relaxed);
    }
    metrics.associations.fetch_sub(1, Ordering::Relaxed);
}

#[allow(clippy::too_many_arguments)]
fn pump(
    assoc: &mut Association,
    engine: &mut ScpEngine,
    service_keys: &mut HashMap<CallId, u32>,
    setup: &ScpSetup,
    metrics: &ScpMetrics,
    now: Duration,
    out: &mut Vec<u8>,
    active: &mut bool,
) -> Pump {
    let mut close = false;
    loop {
        let mut progressed = false;
        while let Some(action) = assoc.poll_action() {
            progressed = true;
            match action {
                Action::Transmit(bytes) => out.extend_from_slice(&bytes),
                Action::Indication(Indication::Data { data, .. }) => {
                    if data.si == 3 {
                        engine.receive(
                            now,
                            Incoming {
                                opc: data.opc,
                                dpc: data.dpc,
                                sls: data.sls,
                                data: &data.data,
                            },
                        );
                    } else {
                        tracing::debug!(
                            si = data.si,
                            "SCP: DATA for a user part other than SCCP ignored"
                        );
                    }
                }
                Action::Indication(Indication::ErrorSent { code, detail }) => {
                    metrics.m3ua_errors_sent.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(?code, %detail, "SCP: M3UA ERR sent");
                }
                Action::Indication(other) => tracing::debug!(indication = ?other, "SCP: M3UA"),
                Action::StateChanged { from, to } => {
                    tracing::info!(?from, ?to, "SCP: ASP state");
                    let now_active = to == AspState::AspActive;
                    if now_active != *active {
                        if now_active {
                            metrics.associations_active.fetch_add(1, Ordering::Relaxed);
                        } else {
                            metrics.associations_active.fetch_sub(1, Ordering::Relaxed);
                        }
                        *active = now_active;
                    }
                }
                Action::CloseTransport => close = true,
            }
        }
        while let Some(output) = engine.poll_output() {
            progressed = true;
            match output {
                Output::Transmit(t) => {
                    if let Err(e) = assoc.send_data(TransferRequest::sccp(t.sls, t.data)) {
                        metrics.send_failures.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(error = %e, "SCP: message not sent");
                    }
                }
                Output::Event(Event::InitialDp { call, model, idp }) => {
                    metrics.calls_active.fetch_add(1, Ordering::Relaxed);
                    service_keys.insert(call, idp.service_key);
                    let command = setup.logic.answer(&idp);
                    tracing::debug!(
                        call = format_args!("{call:08x}"),
                        %model,
                        service_key = idp.service_key,
                        called = idp.called_party.as_deref().unwrap_or(""),
                        calling = idp.calling_party.as_deref().unwrap_or(""),
                        command = command.name(),
                        "SCP: InitialDP"
                    );
                    if let Err(e) = engine.command(now, call, command) {
                        tracing::warn!(call = format_args!("{call:08x}"), error = %e,
                            "SCP: configured answer refused; the service-logic timer will release the call");
                    }
                }
                Output::Event(Event::AttemptResult { call, outcome }) => {
                    tracing::debug!(
                        call = format_args!("{call:08x}"),
                        event = outcome.event.name(),
                        cause = outcome.cause,
                        "SCP: attempt result"
                    );
                    if let Some(command) = setup.logic.after_attempt(&outcome) {
                        if let Err(e) = engine.command(now, call, command) {
                            tracing::warn!(call = format_args!("{call:08x}"), error = %e,
                                "SCP: configured answer refused; the service-logic timer will release the call");
                        }
                    }
                }
                Output::Event(Event::Disconnect { call, leg, cause }) => {
                    tracing::debug!(
                        call = format_args!("{call:08x}"),
                        leg,
                        cause,
                        "SCP: disconnect"
                    );
                    let command = setup.logic.after_disconnect();
                    if let Err(e) = engine.command(now, call, command) {
                        tracing::warn!(call = format_args!("{call:08x}"), error = %e,
                            "SCP: configured answer refused; the service-logic timer will release the call");
                    }
                }
                Output::Event(Event::ChargingReport {
                    call,
                    used_tenths,
                    call_active,
                    grants,
                }) => {
                    tracing::debug!(
                        call = format_args!("{call:08x}"),
                        used_tenths,
                        call_active,
                        grants,
                        "SCP: charging report"
                    );
                    let key = service_keys.get(&call).copied().unwrap_or_default();
                    if let Some(command) =
                        setup.logic.after_charging_report(key, grants, call_active)
                    {
                        if let Err(e) = engine.command(now, call, command) {
                            tracing::warn!(call = format_args!("{call:08x}"), error = %e,
                                "SCP: configured answer refused");
                        }
                    }
                }
                Output::Event(Event::Ended { call, reason }) => {
                    service_keys.remove(&call);
                    metrics.calls_active.fetch_sub(1, Ordering::Relaxed);
                    tracing::debug!(
                        call = format_args!("{call:08x}"),
                        reason = reason.name(),
                        "SCP: call ended"
                    );
                }
            }
        }
        if !progressed {
            break;
        }
    }
    Pump { close }
}
