//! Server transactions: RFC 3261 §17.2.1 (INVITE, with RFC 6026 §7.1 `Accepted`) and §17.2.2
//! (non-INVITE).

use std::time::{Duration, Instant};

use super::{Output, Peer, TransactionError, TransactionEvent, TransactionId, Transmit};

/// States of RFC 3261 Figure 7 as amended by RFC 6026 Figure 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerInviteState {
    Proceeding,
    Completed,
    Confirmed,
    Accepted,
    Terminated,
}

impl ServerInviteState {
    pub fn as_str(self) -> &'static str {
        match self {
            ServerInviteState::Proceeding => "Proceeding",
            ServerInviteState::Completed => "Completed",
            ServerInviteState::Confirmed => "Confirmed",
            ServerInviteState::Accepted => "Accepted",
            ServerInviteState::Terminated => "Terminated",
        }
    }
}

pub(crate) struct ServerInvite {
    pub state: ServerInviteState,
    pub peer: Peer,
    reliable: bool,
    last_response: Option<Vec<u8>>,
    /// Timer G: response retransmit interval (T1 doubling up to T2), unreliable only.
    timer_g: Option<(Instant, Duration)>,
    /// Timer H: wait for ACK (64*T1).
    timer_h: Option<Instant>,
    /// Timer I: absorb ACK retransmits (T4; zero when reliable).
    timer_i: Option<Instant>,
    /// Timer L (RFC 6026): absorb INVITE retransmits after a 2xx (64*T1).
    timer_l: Option<Instant>,
}

impl ServerInvite {
    pub fn new(peer: Peer, reliable: bool) -> ServerInvite {
        ServerInvite {
            state: ServerInviteState::Proceeding,
            peer,
            reliable,
            last_response: None,
            timer_g: None,
            timer_h: None,
            timer_i: None,
            timer_l: None,
        }
    }

    pub fn deadline(&self) -> Option<Instant> {
        [
            self.timer_g.map(|(at, _)| at),
            self.timer_h,
            self.timer_i,
            self.timer_l,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn send(&self, bytes: Vec<u8>, out: &mut Output<'_>) {
        out.transmits.push_back(Transmit {
            peer: self.peer,
            bytes,
        });
    }

    pub fn respond(
        &mut self,
        status: u16,
        bytes: Vec<u8>,
        out: &mut Output<'_>,
    ) -> Result<(), TransactionError> {
        match (self.state, status) {
            (ServerInviteState::Proceeding, _) => {}
            // RFC 6026 §7.1: the TU retransmits its 2xx through the Accepted transaction.
            (ServerInviteState::Accepted, 200..=299) => {}
            (state, status) => {
                return Err(TransactionError::WrongState {
                    status,
                    state: state.as_str(),
                })
            }
        }
        if (200..=299).contains(&status) {
            // RFC 6026 §7.1: Accepted absorbs INVITE retransmissions without answering them
            // (the TU retransmits its 2xx itself), so the bytes need not be kept.
            self.send(bytes, out);
            self.last_response = None;
        } else {
            self.send(bytes.clone(), out);
            self.last_response = Some(bytes);
        }
        match status {
            100..=199 => {}
            200..=299 => {
                if self.state == ServerInviteState::Proceeding {
                    self.state = ServerInviteState::Accepted;
                    self.timer_l = Some(out.now + out.timers.t1x64());
                }
            }
            _ => {
                self.state = ServerInviteState::Completed;
                if !self.reliable {
                    self.timer_g = Some((out.now + out.timers.t1, out.timers.t1));
                }
                self.timer_h = Some(out.now + out.timers.t1x64());
            }
        }
        Ok(())
    }

    /// A retransmitted INVITE: resend the last provisional (Proceeding) or final (Completed)
    /// response; absorb it silently after a 2xx (RFC 6026 §7.1). Returns whether it resent.
    pub fn on_retransmission(&mut self, out: &mut Output<'_>) -> bool {
        match self.state {
            ServerInviteState::Proceeding | ServerInviteState::Completed => {
                if let Some(bytes) = self.last_response.clone() {
                    self.send(bytes, out);
                    return true;
                }
                false
            }
            _ => false,
        }
    }

    /// An ACK matching this transaction. Returns true when absorbed (ACK for our non-2xx);
    /// false means the user must see it (only possible in Accepted).
    pub fn on_ack(&mut self, out: &mut Output<'_>) -> bool {
        match self.state {
            ServerInviteState::Completed => {
                self.state = ServerInviteState::Confirmed;
                self.timer_g = None;
                self.timer_h = None;
                // Confirmed only absorbs ACKs: the final response is not sent again.
                self.last_response = None;
                let linger = if self.reliable {
                    Duration::ZERO
                } else {
                    out.timers.t4
                };
                self.timer_i = Some(out.now + linger);
                true
            }
            ServerInviteState::Accepted => false,
            _ => true,
        }
    }

    /// Returns whether a response was retransmitted.
    pub fn on_timer(&mut self, id: TransactionId, out: &mut Output<'_>) -> bool {
        let now = out.now;
        let mut resent = false;
        if self.state == ServerInviteState::Completed {
            if let Some(h) = self.timer_h {
                if h <= now {
                    self.state = ServerInviteState::Terminated;
                    out.events.push_back(TransactionEvent::AckTimeout(id));
                    return false;
                }
            }
            if let Some((at, interval)) = self.timer_g {
                if at <= now {
                    if let Some(bytes) = self.last_response.clone() {
                        self.send(bytes, out);
                        resent = true;
                    }
                    let next = (interval * 2).min(out.timers.t2);
                    self.timer_g = Some((now + next, next));
                }
            }
        }
        if self.state == ServerInviteState::Confirmed && self.timer_i.is_some_and(|i| i <= now) {
            self.state = ServerInviteState::Terminated;
        }
        if self.state == ServerInviteState::Accepted && self.timer_l.is_some_and(|l| l <= now) {
            self.state = ServerInviteState::Terminated;
        }
        resent
    }
}

/// States of RFC 3261 Figure 8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerNonInviteState {
    Trying,
    Proceeding,
    Completed,
    Terminated,
}

pub(crate) struct ServerNonInvite {
    pub state: ServerNonInviteState,
    pub peer: Peer,
    reliable: bool,
    last_response: Option<Vec<u8>>,
    /// Timer J: absorb request retransmits (64*T1; zero when reliable).
    timer_j: Option<Instant>,
}

impl ServerNonInvite {
    pub fn new(peer: Peer, reliable: bool) -> ServerNonInvite {
        ServerNonInvite {
            state: ServerNonInviteState::Trying,
            peer,
            reliable,
            last_response: None,
            timer_j: None,
        }
    }

    pub fn deadline(&self) -> Option<Instant> {
        self.timer_j
    }

    pub fn respond(
        &mut self,
        status: u16,
        bytes: Vec<u8>,
        out: &mut Output<'_>,
    ) -> Result<(), TransactionError> {
        match self.state {
            ServerNonInviteState::Trying | ServerNonInviteState::Proceeding => {}
            _ => {
                return Err(TransactionError::WrongState {
                    status,
                    state: "Completed",
                })
            }
        }
        out.transmits.push_back(Transmit {
            peer: self.peer,
            bytes: bytes.clone(),
        });
        self.last_response = Some(bytes);
        if status < 200 {
            self.state = ServerNonInviteState::Proceeding;
        } else {
            self.state = ServerNonInviteState::Completed;
            let linger = if self.reliable {
                Duration::ZERO
            } else {
                out.timers.t1x64()
            };
            self.timer_j = Some(out.now + linger);
        }
        Ok(())
    }

    /// Retransmitted request: nothing to resend in Trying (§17.2.2), else the last response.
    pub fn on_retransmission(&mut self, out: &mut Output<'_>) -> bool {
        match (self.state, &self.last_response) {
            (ServerNonInviteState::Proceeding | ServerNonInviteState::Completed, Some(b)) => {
                out.transmits.push_back(Transmit {
                    peer: self.peer,
                    bytes: b.clone(),
                });
                true
            }
            _ => false,
        }
    }

    pub fn on_timer(&mut self, out: &mut Output<'_>) -> bool {
        if self.state == ServerNonInviteState::Completed
            && self.timer_j.is_some_and(|j| j <= out.now)
        {
            self.state = ServerNonInviteState::Terminated;
        }
        false
    }
}
