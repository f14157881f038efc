//! Client transactions: RFC 3261 §17.1.1 (INVITE, with RFC 6026 §8.4 `Accepted`) and §17.1.2
//! (non-INVITE).

use std::time::{Duration, Instant};

use callctl_sip_message::{CSeq, HeaderName, Method, Request, Response};

use super::{Output, Peer, TransactionEvent, TransactionId, Transmit};

/// States of RFC 3261 Figure 5 as amended by RFC 6026 Figure 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientInviteState {
    Calling,
    Proceeding,
    Completed,
    Accepted,
    Terminated,
}

pub(crate) struct ClientInvite {
    pub state: ClientInviteState,
    pub peer: Peer,
    reliable: bool,
    /// The INVITE, for the CANCEL (Proceeding) and the ACK of a non-2xx final; dropped once
    /// a 2xx arrives (Accepted needs neither).
    request: Option<Box<Request>>,
    request_bytes: Vec<u8>,
    /// The ACK we sent for a non-2xx final, resent on each retransmitted final.
    ack_bytes: Option<Vec<u8>>,
    /// Timer A: INVITE retransmit interval (T1, doubling), unreliable only.
    timer_a: Option<(Instant, Duration)>,
    /// Timer B: INVITE transaction timeout (64*T1).
    timer_b: Option<Instant>,
    /// Timer D: wait for response retransmits (>32 s unreliable, zero reliable).
    timer_d: Option<Instant>,
    /// Timer M (RFC 6026): wait for 2xx retransmits after the first (64*T1).
    timer_m: Option<Instant>,
    /// RFC 3261 §9.1: 64*T1 after our CANCEL, an INVITE still without a final response is
    /// given up. Proceeding has no timer of its own, so without this a peer that ignores the
    /// CANCEL would keep the transaction for ever.
    cancel_guard: Option<Instant>,
}

impl ClientInvite {
    pub fn start(request: Request, peer: Peer, reliable: bool, out: &mut Output<'_>) -> Self {
        let request_bytes = request.to_bytes();
        out.transmits.push_back(Transmit {
            peer,
            bytes: request_bytes.clone(),
        });
        ClientInvite {
            state: ClientInviteState::Calling,
            peer,
            reliable,
            request: Some(Box::new(request)),
            request_bytes,
            ack_bytes: None,
            timer_a: (!reliable).then(|| (out.now + out.timers.t1, out.timers.t1)),
            timer_b: Some(out.now + out.timers.t1x64()),
            timer_d: None,
            timer_m: None,
            cancel_guard: None,
        }
    }

    pub fn deadline(&self) -> Option<Instant> {
        [
            self.timer_a.map(|(at, _)| at),
            self.timer_b,
            self.timer_d,
            self.timer_m,
            self.cancel_guard,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The CANCEL for this INVITE (RFC 3261 §9.1): the INVITE's Request-URI, Call-ID, To,
    /// From, CSeq number and top Via, its Route headers, method CANCEL. `None` until a
    /// provisional response has come (§9.1: the CANCEL must wait for one) and once a final
    /// response has.
    pub fn build_cancel(&self) -> Option<Request> {
        if self.state != ClientInviteState::Proceeding {
            return None;
        }
        let invite = self.request.as_deref()?;
        let mut cancel = Request::new(Method::Cancel, invite.uri.clone());
        cancel
            .headers
            .push(HeaderName::Via, invite.top_via()?.to_string());
        for route in invite.headers.get_all(&HeaderName::Route) {
            cancel.headers.push(HeaderName::Route, route.to_string());
        }
        for name in [HeaderName::From, HeaderName::To, HeaderName::CallId] {
            if let Some(v) = invite.headers.get(&name) {
                cancel.headers.push(name.clone(), v.to_string());
            }
        }
        let seq = invite.cseq().map(|c| c.seq).unwrap_or(1);
        cancel.headers.push(
            HeaderName::CSeq,
            CSeq {
                seq,
                method: Method::Cancel,
            }
            .to_string(),
        );
        cancel.headers.push(HeaderName::MaxForwards, "70");
        Some(cancel)
    }

    /// Build the ACK for a non-2xx final response inside the transaction (§17.1.1.3).
    fn build_ack(&self, response: &Response) -> Option<Vec<u8>> {
        let request = self.request.as_deref()?;
        let mut ack = Request::new(Method::Ack, request.uri.clone());
        if let Some(via) = request.headers.get_all(&HeaderName::Via).next() {
            // Only the top Via: the first value of the first Via line.
            let top = request
                .top_via()
                .map(|v| v.to_string())
                .unwrap_or_else(|| via.to_string());
            ack.headers.push(HeaderName::Via, top);
        }
        for route in request.headers.get_all(&HeaderName::Route) {
            ack.headers.push(HeaderName::Route, route.to_string());
        }
        ack.headers.push(HeaderName::MaxForwards, "70");
        if let Some(from) = request.headers.get(&HeaderName::From) {
            ack.headers.push(HeaderName::From, from.to_string());
        }
        if let Some(to) = response.headers.get(&HeaderName::To) {
            ack.headers.push(HeaderName::To, to.to_string());
        }
        if let Some(call_id) = request.headers.get(&HeaderName::CallId) {
            ack.headers.push(HeaderName::CallId, call_id.to_string());
        }
        let seq = request.cseq().map(|c| c.seq).unwrap_or(1);
        ack.headers.push(
            HeaderName::CSeq,
            CSeq {
                seq,
                method: Method::Ack,
            }
            .to_string(),
        );
        Some(ack.to_bytes())
    }

    /// A CANCEL for this INVITE was sent: start the §9.1 wait for the final response (the
    /// first CANCEL counts; later ones do not extend it).
    pub fn on_cancel_sent(&mut self, out: &Output<'_>) {
        if matches!(
            self.state,
            ClientInviteState::Calling | ClientInviteState::Proceeding
        ) {
            self.cancel_guard
                .get_or_insert(out.now + out.timers.t1x64());
        }
    }

    /// Returns whether the response goes up to the user.
    pub fn on_response(&mut self, response: &Response, out: &mut Output<'_>) -> bool {
        let status = response.status;
        match (self.state, status) {
            (ClientInviteState::Calling | ClientInviteState::Proceeding, 100..=199) => {
                // §17.1.1.2: a provisional stops retransmissions and Timer B. The bytes
                // were kept only for Timer A.
                self.state = ClientInviteState::Proceeding;
                self.timer_a = None;
                self.timer_b = None;
                self.request_bytes = Vec::new();
                true
            }
            (ClientInviteState::Calling | ClientInviteState::Proceeding, 200..=299) => {
                self.state = ClientInviteState::Accepted;
                self.timer_a = None;
                self.timer_b = None;
                self.cancel_guard = None;
                self.request_bytes = Vec::new();
                self.request = None;
                self.timer_m = Some(out.now + out.timers.t1x64());
                true
            }
            // RFC 6026 §8.4: 2xx retransmissions reach the user, which re-sends its ACK.
            (ClientInviteState::Accepted, 200..=299) => true,
            (ClientInviteState::Calling | ClientInviteState::Proceeding, 300..=699) => {
                self.state = ClientInviteState::Completed;
                self.timer_a = None;
                self.timer_b = None;
                self.cancel_guard = None;
                self.request_bytes = Vec::new();
                if let Some(ack) = self.build_ack(response) {
                    out.transmits.push_back(Transmit {
                        peer: self.peer,
                        bytes: ack.clone(),
                    });
                    self.ack_bytes = Some(ack);
                }
                // The ACK is kept as bytes; no CANCEL can follow a final response.
                self.request = None;
                self.timer_d = Some(out.now + out.timers.timer_d(self.reliable));
                true
            }
            (ClientInviteState::Completed, 300..=699) => {
                if let Some(ack) = self.ack_bytes.clone() {
                    out.transmits.push_back(Transmit {
                        peer: self.peer,
                        bytes: ack,
                    });
                }
                false
            }
            _ => false,
        }
    }

    pub fn on_timer(&mut self, id: TransactionId, out: &mut Output<'_>) -> bool {
        let now = out.now;
        let mut resent = false;
        if matches!(
            self.state,
            ClientInviteState::Calling | ClientInviteState::Proceeding
        ) && self.cancel_guard.is_some_and(|g| g <= now)
        {
            // §9.1: the CANCELled INVITE never got its final response; the user treats it
            // as a timeout, like Timer B.
            self.state = ClientInviteState::Terminated;
            out.events.push_back(TransactionEvent::Timeout(id));
            return false;
        }
        match self.state {
            ClientInviteState::Calling => {
                if self.timer_b.is_some_and(|b| b <= now) {
                    self.state = ClientInviteState::Terminated;
                    out.events.push_back(TransactionEvent::Timeout(id));
                    return false;
                }
                if let Some((at, interval)) = self.timer_a {
                    if at <= now {
                        out.transmits.push_back(Transmit {
                            peer: self.peer,
                            bytes: self.request_bytes.clone(),
                        });
                        resent = true;
                        // Timer A doubles without the T2 cap (§17.1.1.2); Timer B bounds it.
                        self.timer_a = Some((now + interval * 2, interval * 2));
                    }
                }
            }
            ClientInviteState::Completed if self.timer_d.is_some_and(|d| d <= now) => {
                self.state = ClientInviteState::Terminated;
            }
            ClientInviteState::Accepted if self.timer_m.is_some_and(|m| m <= now) => {
                self.state = ClientInviteState::Terminated;
            }
            _ => {}
        }
        resent
    }
}

/// States of RFC 3261 Figure 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientNonInviteState {
    Trying,
    Proceeding,
    Completed,
    Terminated,
}

pub(crate) struct ClientNonInvite {
    pub state: ClientNonInviteState,
    pub peer: Peer,
    reliable: bool,
    request_bytes: Vec<u8>,
    /// Timer E: retransmit interval (T1 doubling to T2; T2 in Proceeding), unreliable only.
    timer_e: Option<(Instant, Duration)>,
    /// Timer F: transaction timeout (64*T1).
    timer_f: Option<Instant>,
    /// Timer K: wait for response retransmits (T4; zero reliable).
    timer_k: Option<Instant>,
}

impl ClientNonInvite {
    pub fn start(request: &Request, peer: Peer, reliable: bool, out: &mut Output<'_>) -> Self {
        let request_bytes = request.to_bytes();
        out.transmits.push_back(Transmit {
            peer,
            bytes: request_bytes.clone(),
        });
        ClientNonInvite {
            state: ClientNonInviteState::Trying,
            peer,
            reliable,
            request_bytes,
            timer_e: (!reliable).then(|| (out.now + out.timers.t1, out.timers.t1)),
            timer_f: Some(out.now + out.timers.t1x64()),
            timer_k: None,
        }
    }

    pub fn deadline(&self) -> Option<Instant> {
        [self.timer_e.map(|(at, _)| at), self.timer_f, self.timer_k]
            .into_iter()
            .flatten()
            .min()
    }

    pub fn on_response(&mut self, response: &Response, out: &mut Output<'_>) -> bool {
        match (self.state, response.status) {
            (ClientNonInviteState::Trying | ClientNonInviteState::Proceeding, 100..=199) => {
                self.state = ClientNonInviteState::Proceeding;
                true
            }
            (ClientNonInviteState::Trying | ClientNonInviteState::Proceeding, _) => {
                self.state = ClientNonInviteState::Completed;
                self.timer_e = None;
                self.timer_f = None;
                let linger = if self.reliable {
                    Duration::ZERO
                } else {
                    out.timers.t4
                };
                self.timer_k = Some(out.now + linger);
                true
            }
            _ => false,
        }
    }

    pub fn on_timer(&mut self, id: TransactionId, out: &mut Output<'_>) -> bool {
        let now = out.now;
        match self.state {
            ClientNonInviteState::Trying | ClientNonInviteState::Proceeding => {
                if self.timer_f.is_some_and(|f| f <= now) {
                    self.state = ClientNonInviteState::Terminated;
                    out.events.push_back(TransactionEvent::Timeout(id));
                    return false;
                }
                if let Some((at, interval)) = self.timer_e {
                    if at <= now {
                        out.transmits.push_back(Transmit {
                            peer: self.peer,
                            bytes: self.request_bytes.clone(),
                        });
                        let next = if self.state == ClientNonInviteState::Proceeding {
                            out.timers.t2
                        } else {
                            (interval * 2).min(out.timers.t2)
                        };
                        self.timer_e = Some((now + next, next));
                        return true;
                    }
                }
                false
            }
            ClientNonInviteState::Completed => {
                if self.timer_k.is_some_and(|k| k <= now) {
                    self.state = ClientNonInviteState::Terminated;
                }
                false
            }
            ClientNonInviteState::Terminated => false,
        }
    }
}
