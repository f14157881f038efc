//! Socket drivers. UDP: one blocking receive thread per socket hands datagrams to the owning
//! shard. TCP (RFC 3261 §18.3 framing by Content-Length): a tokio task per connection frames
//! and parses messages; one router task owns every connection's writer, so shards send
//! without locks.

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;

use callctl_sip::message::{HeaderName, Limits, Malformed, StreamFramer};
use callctl_sip::{Peer, Transport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use crate::shard::{scan_call_id, shard_for, ShardInput};

/// Route an input to its shard by Call-ID.
#[derive(Clone)]
pub struct Dispatch {
    pub shards: Arc<Vec<Sender<ShardInput>>>,
}

impl Dispatch {
    pub fn to_shard(&self, call_id: &[u8], input: ShardInput) {
        let i = shard_for(call_id, self.shards.len());
        let _ = self.shards[i].send(input);
    }

    pub fn broadcast(&self, make: impl Fn() -> ShardInput) {
        for s in self.shards.iter() {
            let _ = s.send(make());
        }
    }
}

/// Blocking UDP receive loop (one thread per socket).
pub fn udp_receive(socket: UdpSocket, max_bytes: usize, dispatch: Dispatch) {
    // Always room for the largest UDP payload, so an oversize message is seen whole and can
    // be answered 513 rather than truncated into a confusing 400.
    let _ = max_bytes;
    let mut buf = vec![0u8; 65_536];
    loop {
        let (n, from) = match socket.recv_from(&mut buf) {
            Ok(v) => v,
            Err(e) => {
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                tracing::debug!(error = %e, "UDP receive error");
                continue;
            }
        };
        let data = &buf[..n];
        // Keep-alives (RFC 5626 CRLF) and empty datagrams carry nothing.
        if data.iter().all(|b| matches!(b, b'\r' | b'\n' | b' ' | 0)) {
            continue;
        }
        let peer = Peer {
            transport: Transport::Udp,
            addr: from,
            connection: None,
        };
        let call_id = scan_call_id(data).unwrap_or(b"");
        dispatch.to_shard(
            call_id,
            ShardInput::Datagram {
                bytes: data.to_vec(),
                peer,
            },
        );
    }
}

/// One connection's output: its queue, and the switch that closes it.
#[derive(Clone)]
struct Writer {
    queue: mpsc::Sender<Vec<u8>>,
    close: Arc<watch::Sender<bool>>,
}

/// Messages queued for one TCP connection at most. A peer that stops reading fills it; the
/// connection is then dropped rather than our memory growing with everything sent to it.
const TCP_QUEUE: usize = 1024;

enum RouterInput {
    Register(u64, SocketAddr, Writer),
    Unregister(u64),
}

/// Shared state of the TCP side.
pub struct TcpShared {
    pub max_connections: usize,
    pub idle: Duration,
    pub limits: Limits,
    pub dispatch: Dispatch,
    open: AtomicUsize,
    next_id: AtomicU64,
    router: mpsc::UnboundedSender<RouterInput>,
}

/// Start the router; returns the shared TCP state and the sender shards use for TCP output.
pub fn tcp_start(
    max_connections: usize,
    idle: Duration,
    limits: Limits,
    dispatch: Dispatch,
) -> (Arc<TcpShared>, mpsc::UnboundedSender<(Peer, Vec<u8>)>) {
    let (router_tx, router_rx) = mpsc::unbounded_channel();
    let (out_tx, out_rx) = mpsc::unbounded_channel();
    let shared = Arc::new(TcpShared {
        max_connections,
        idle,
        limits,
        dispatch,
        open: AtomicUsize::new(0),
        next_id: AtomicU64::new(1),
        router: router_tx,
    });
    tokio::spawn(router(shared.clone(), router_rx, out_rx));
    (shared, out_tx)
}

async fn router(
    shared: Arc<TcpShared>,
    mut control: mpsc::UnboundedReceiver<RouterInput>,
    mut out: mpsc::UnboundedReceiver<(Peer, Vec<u8>)>,
) {
    let mut by_id: HashMap<u64, Writer> = HashMap::new();
    let mut by_addr: HashMap<SocketAddr, u64> = HashMap::new();
    loop {
        tokio::select! {
            c = control.recv() => match c {
                Some(RouterInput::Register(id, addr, tx)) => {
                    by_id.insert(id, tx);
                    by_addr.insert(addr, id);
                }
                Some(RouterInput::Unregister(id)) => {
                    by_id.remove(&id);
                    by_addr.retain(|_, v| *v != id);
                }
                None => return,
            },
            o = out.recv() => {
                let Some((peer, bytes)) = o else { return };
                // The connection the request came on, else any connection to that address
                // (connection reuse), else a new connection (RFC 3261 §18.2.2).
                let id = peer.connection.filter(|id| by_id.contains_key(id))
                    .or_else(|| by_addr.get(&peer.addr).copied());
                match id.and_then(|id| by_id.get(&id).map(|tx| (id, tx))) {
                    Some((id, w)) => {
                        if w.queue.try_send(bytes).is_err() {
                            // The queue is full (the peer stopped reading) or the writer
                            // gave up on a stalled write: close the connection and forget
                            // it; later messages open a new one.
                            tracing::warn!(%peer, queued = TCP_QUEUE, "TCP peer not reading; message dropped and connection closed");
                            let _ = w.close.send(true);
                            by_id.remove(&id);
                            by_addr.retain(|_, v| *v != id);
                        }
                    }
                    None => {
                        let shared = shared.clone();
                        tokio::spawn(async move {
                            match tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(peer.addr)).await {
                                Ok(Ok(stream)) => {
                                    let w = connection(shared, stream, peer.addr);
                                    let _ = w.queue.try_send(bytes);
                                }
                                _ => {
                                    tracing::info!(%peer, "TCP connect failed; the transactions to this peer fail");
                                    // The shard that sent it is not known here; every shard
                                    // fails its own transactions to that address.
                                    shared
                                        .dispatch
                                        .broadcast(|| ShardInput::TransportFailed { peer });
                                }
                            }
                        });
                    }
                }
            }
        }
    }
}

/// Accept loop for one TCP listener.
pub async fn tcp_accept(listener: TcpListener, shared: Arc<TcpShared>) {
    loop {
        let (stream, addr) = match listener.accept().await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "TCP accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if shared.open.load(Ordering::Relaxed) >= shared.max_connections {
            tracing::warn!(%addr, limit = shared.max_connections, "TCP connection refused: sip.max_tcp_connections reached");
            drop(stream);
            continue;
        }
        let _ = connection(shared.clone(), stream, addr);
    }
}

/// Set up one connection's reader and writer tasks; returns its writer channel.
fn connection(shared: Arc<TcpShared>, stream: TcpStream, addr: SocketAddr) -> Writer {
    let _ = stream.set_nodelay(true);
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    shared.open.fetch_add(1, Ordering::Relaxed);
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(TCP_QUEUE);
    let (close, closed) = watch::channel(false);
    let w = Writer {
        queue: tx,
        close: Arc::new(close),
    };
    let _ = shared
        .router
        .send(RouterInput::Register(id, addr, w.clone()));
    let mut writer_closed = closed.clone();
    let mut reader_closed = closed;
    let (mut reader, mut writer) = stream.into_split();
    let write_timeout = shared.idle;
    tokio::spawn(async move {
        // A write that makes no progress for the idle time (a peer that stopped reading)
        // ends the connection too.
        loop {
            let bytes = tokio::select! {
                m = rx.recv() => match m {
                    Some(b) => b,
                    None => break,
                },
                _ = writer_closed.changed() => break,
            };
            tokio::select! {
                r = tokio::time::timeout(write_timeout, writer.write_all(&bytes)) => {
                    if !matches!(r, Ok(Ok(()))) {
                        break;
                    }
                }
                _ = writer_closed.changed() => break,
            }
        }
    });
    tokio::spawn(async move {
        let peer = Peer {
            transport: Transport::Tcp,
            addr,
            connection: Some(id),
        };
        let mut buf: Vec<u8> = Vec::with_capacity(4096);
        // Remembers how far the head has been searched, so a peer trickling bytes costs
        // linear work, not a full parse per read.
        let mut framer = StreamFramer::new();
        let mut chunk = vec![0u8; 16 * 1024];
        'read: loop {
            let n = tokio::select! {
                r = tokio::time::timeout(shared.idle, reader.read(&mut chunk)) => match r {
                    Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
                    Ok(Ok(n)) => n,
                },
                _ = reader_closed.changed() => break,
            };
            buf.extend_from_slice(&chunk[..n]);
            loop {
                match framer.poll(&buf, &shared.limits) {
                    Ok(Some((Ok(message), used))) => {
                        buf.drain(..used);
                        framer.consumed();
                        let call_id = message.call_id().unwrap_or("").as_bytes().to_vec();
                        shared
                            .dispatch
                            .to_shard(&call_id, ShardInput::Message { message, peer });
                    }
                    Ok(Some((Err(malformed), used))) => {
                        // One framed message is bad: answer it (400) and go on with the next.
                        buf.drain(..used);
                        framer.consumed();
                        let call_id = recovered_call_id(&malformed);
                        shared
                            .dispatch
                            .to_shard(&call_id, ShardInput::Malformed { malformed, peer });
                    }
                    Ok(None) => {
                        if buf.len() > shared.limits.max_message_bytes {
                            tracing::info!(%peer, "TCP message over sip.max_message_bytes; connection closed");
                            break 'read;
                        }
                        break;
                    }
                    Err(malformed) => {
                        // The framing is lost (bad Content-Length, over the limits): answer
                        // what can be answered, then close (RFC 3261 §18.3).
                        tracing::info!(%peer, error = %malformed.error, "TCP framing lost; connection closed");
                        let call_id = recovered_call_id(&malformed);
                        shared
                            .dispatch
                            .to_shard(&call_id, ShardInput::Malformed { malformed, peer });
                        // Give the answer a moment to be written before closing.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        break 'read;
                    }
                }
            }
        }
        shared.open.fetch_sub(1, Ordering::Relaxed);
        let _ = shared.router.send(RouterInput::Unregister(id));
    });
    w
}

fn recovered_call_id(malformed: &Malformed) -> Vec<u8> {
    malformed
        .recovered
        .as_ref()
        .and_then(|r| r.headers.get(&HeaderName::CallId))
        .unwrap_or("")
        .as_bytes()
        .to_vec()
}
