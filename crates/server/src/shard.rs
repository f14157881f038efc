//! Call shards: one thread each, owning its engine, its Lua state and its calls. Nothing on the
//! call path is shared between shards; messages reach the owning shard by a hash of their
//! Call-ID, so every message of one call is handled in order by one thread.

use std::net::{SocketAddr, UdpSocket};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use callctl_b2bua::{Engine, EngineConfig, EngineOutput};
use callctl_service::{LuaRunner, RuntimeConfig};
use callctl_sip::id::IdGenerator;
use callctl_sip::message::{parse_datagram, Limits, Malformed, Message, ParseErrorKind, Recovered};
use callctl_sip::{Peer, Transport};

use crate::management::{self, ManagementReply, ManagementRequest};

/// Work for a shard.
pub enum ShardInput {
    /// A UDP datagram, parsed on the shard.
    Datagram { bytes: Vec<u8>, peer: Peer },
    /// A message already framed and parsed by a TCP connection.
    Message { message: Message, peer: Peer },
    /// A TCP message that failed to parse.
    Malformed { malformed: Malformed, peer: Peer },
    /// Recompile scripts for new calls (SIGHUP).
    Reload,
    /// The transport could not reach this peer (a failed TCP connect).
    TransportFailed { peer: Peer },
    /// A question from the management interface; the answer goes to the sender.
    Query(ManagementRequest, Sender<ManagementReply>),
    /// Release every call and stop.
    Shutdown,
}

/// Where shards send bytes.
pub struct Outbound {
    pub udp: Vec<(SocketAddr, UdpSocket)>,
    pub tcp: tokio::sync::mpsc::UnboundedSender<(Peer, Vec<u8>)>,
}

impl Outbound {
    fn send(&self, peer: Peer, bytes: Vec<u8>) {
        match peer.transport {
            Transport::Udp => {
                let socket = self
                    .udp
                    .iter()
                    .find(|(local, _)| local.is_ipv4() == peer.addr.is_ipv4())
                    .or(self.udp.first());
                if let Some((_, socket)) = socket {
                    if let Err(e) = socket.send_to(&bytes, peer.addr) {
                        tracing::debug!(%peer, error = %e, "UDP send failed");
                    }
                }
            }
            Transport::Tcp => {
                let _ = self.tcp.send((peer, bytes));
            }
        }
    }
}

/// Pick the shard for a Call-ID. Call-IDs we generated (B-legs) carry the shard that owns
/// the call; any other Call-ID is hashed. Either way the answer depends only on the Call-ID,
/// so every message of a dialog reaches the same shard.
pub fn shard_for(call_id: &[u8], shards: usize) -> usize {
    if let Some(shard) = std::str::from_utf8(call_id)
        .ok()
        .and_then(callctl_sip::id::shard_of)
    {
        return usize::from(shard) % shards.max(1);
    }
    // FNV-1a: fast, stable, good enough spread for Call-IDs.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in call_id {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h % shards.max(1) as u64) as usize
}

/// Find the Call-ID value in raw SIP bytes without parsing the whole message (`Call-ID:` or
/// the compact `i:` at the start of a line, any case).
pub fn scan_call_id(bytes: &[u8]) -> Option<&[u8]> {
    let mut i = 0;
    while i < bytes.len() {
        let line_end = bytes[i..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |p| i + p);
        let line = &bytes[i..line_end];
        if line.is_empty() || line == b"\r" {
            return None;
        }
        if let Some(colon) = line.iter().position(|&b| b == b':') {
            let name = line[..colon].trim_ascii();
            if name.eq_ignore_ascii_case(b"call-id") || name.eq_ignore_ascii_case(b"i") {
                return Some(line[colon + 1..].trim_ascii());
            }
        }
        i = line_end + 1;
    }
    None
}

/// Read the headers of a message over our size limit, so it can still be answered with 513
/// (RFC 3261 §21.5.14). Bounded by the largest UDP payload.
fn recover_oversize(bytes: &[u8]) -> Option<Recovered> {
    let generous = Limits {
        max_message_bytes: 65_536,
        ..Limits::default()
    };
    match parse_datagram(bytes, &generous) {
        Ok(Message::Request(r)) => Some(Recovered {
            is_request: true,
            method: Some(r.method),
            headers: r.headers,
        }),
        Ok(Message::Response(_)) => None,
        Err(m) => m.recovered,
    }
}

pub struct ShardSetup {
    pub index: usize,
    pub engine: EngineConfig,
    pub runtime: RuntimeConfig,
    pub limits_max_bytes: usize,
    pub seed: u64,
    pub outbound: Arc<Outbound>,
    pub edr: Option<crate::edr::EdrSink>,
}

/// The shard thread's body.
pub fn run(setup: ShardSetup, rx: Receiver<ShardInput>) {
    let runner = match LuaRunner::new(setup.runtime) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(shard = setup.index, error = %e, "cannot start the Lua runtime");
            return;
        }
    };
    let anchor = (Instant::now(), SystemTime::now());
    let ids = IdGenerator::new(setup.seed, setup.index as u16);
    let mut engine = Engine::new(setup.engine, runner, ids, anchor);
    let limits = Limits {
        max_message_bytes: setup.limits_max_bytes,
        ..Limits::default()
    };
    let mut stopping = false;
    loop {
        let input = match engine.poll_timeout() {
            Some(at) => match rx.recv_timeout(at.saturating_duration_since(Instant::now())) {
                Ok(i) => Some(i),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => Some(ShardInput::Shutdown),
            },
            None if stopping => break,
            None => Some(rx.recv().unwrap_or(ShardInput::Shutdown)),
        };
        let now = Instant::now();
        match input {
            Some(ShardInput::Datagram { bytes, peer }) => match parse_datagram(&bytes, &limits) {
                Ok(message) => engine.on_message(message, peer, now),
                Err(mut malformed) => {
                    if malformed.error.kind == ParseErrorKind::TooLarge
                        && malformed.recovered.is_none()
                    {
                        malformed.recovered = recover_oversize(&bytes);
                    }
                    engine.on_malformed(malformed, peer, now)
                }
            },
            Some(ShardInput::Message { message, peer }) => engine.on_message(message, peer, now),
            Some(ShardInput::Malformed { malformed, peer }) => {
                engine.on_malformed(malformed, peer, now)
            }
            Some(ShardInput::TransportFailed { peer }) => engine.on_transport_failure(peer, now),
            Some(ShardInput::Reload) => {
                engine.runner_mut().reload();
                tracing::info!(shard = setup.index, "scripts reloaded");
            }
            Some(ShardInput::Query(request, reply)) => {
                // The management side may have given up waiting: nothing to do then.
                let _ = reply.send(management::answer(&mut engine, setup.index, request, now));
            }
            Some(ShardInput::Shutdown) if !stopping => {
                stopping = true;
                engine.release_all(503, now);
            }
            Some(ShardInput::Shutdown) => {}
            None => {}
        }
        engine.handle_timeout(now);
        while let Some(out) = engine.poll_output() {
            match out {
                EngineOutput::Transmit(t) => setup.outbound.send(t.peer, t.bytes),
                EngineOutput::Edr(record) => {
                    if let Some(edr) = &setup.edr {
                        edr.send(record);
                    }
                }
            }
        }
        if stopping && engine.active_calls() == 0 {
            // Transactions still lingering (Timer J, I...) only absorb retransmissions.
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_id_scan() {
        let msg = b"INVITE sip:x SIP/2.0\r\nVia: a\r\ni: abc@h\r\n\r\nCall-ID: body";
        assert_eq!(scan_call_id(msg), Some(&b"abc@h"[..]));
        let msg = b"SIP/2.0 200 OK\r\nCALL-ID:   x1 \r\n\r\n";
        assert_eq!(scan_call_id(msg), Some(&b"x1"[..]));
        assert_eq!(scan_call_id(b"garbage"), None);
        assert_eq!(scan_call_id(b""), None);
        assert!(shard_for(b"abc", 2) < 2);
        // Our own Call-IDs go to the shard they name.
        let mut ids = callctl_sip::id::IdGenerator::new(9, 1);
        let ours = ids.call_id("127.0.0.1");
        assert_eq!(shard_for(ours.as_bytes(), 2), 1);
        let mut ids = callctl_sip::id::IdGenerator::new(9, 0);
        assert_eq!(shard_for(ids.call_id("h").as_bytes(), 2), 0);
        assert_eq!(shard_for(b"abc", 1), 0);
    }
}
