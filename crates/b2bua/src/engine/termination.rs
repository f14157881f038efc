//! B-leg termination (seed 003, plain mode): the script connects the caller to a destination.
//!
//! One attempt at a time per call: the engine routes the address digits, sends the B-leg
//! INVITE (its own Call-ID, tags and Via: nothing of the A-leg's Via, Record-Route or Contact
//! crosses over, and the reverse), relays provisional responses and early media to the
//! caller, and on answer sends the caller a 200 with B's SDP and bridges the two dialogs.
//! The script is resumed with the result table of seed 003 when the attempt ends.
//!
//! Outcome to `reason` mapping (documented in docs/scripting.md):
//! - no route configured for the digits, a transport error, or no response at all before
//!   the no-answer timer (Timer B): `No Route`, no `code`;
//! - 408 or 480 from B (RFC 3398 maps "no answer" causes there), or our no-answer timer
//!   (CANCEL sent, or pending until B's first provisional when B has been silent):
//!   `No Answer` (with `code` when B sent the final response itself);
//! - any other 3xx–6xx: `Declined`, with `code`;
//! - 2xx: `Answered`; the caller's CANCEL or BYE first: `Abandoned`.

use std::time::{Duration, Instant};

use callctl_scc::{CallingParty, Reply, Termination, Value};
use callctl_sip::dialog::Dialog;
use callctl_sip::message::{CSeq, HeaderName, Method, Request, Response, Uri, Via};
use callctl_sip::transaction::TransactionId;
use callctl_sip::{Peer, Transport};

use super::{Call, CallKey, Engine, ScriptRunner, ScriptState};
use crate::headers::validate_extra_headers;
use crate::reason::EndReason;

/// Where a B-leg is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BState {
    /// INVITE sent, no final response yet.
    Calling,
    /// Answered and bridged (or being torn down after a race).
    Answered,
    /// Over: failed, cancelled, or BYE sent/received.
    Ended,
}

/// Why we cancel a B-leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CancelCause {
    NoAnswer,
    Abandoned,
    Released,
}

pub(super) struct BLeg {
    pub call_id: String,
    /// The INVITE we sent, until B's 2xx made the dialog from it.
    pub invite: Option<Box<Request>>,
    pub tx: TransactionId,
    pub peer: Peer,
    pub state: BState,
    /// A provisional response arrived, so a CANCEL may be sent (RFC 3261 §9.1).
    pub provisional: bool,
    pub dialog: Option<Dialog>,
    pub sent_at: Instant,
    pub no_answer_at: Option<Instant>,
    /// Why we are cancelling, whether the CANCEL went out, and when we stop waiting for the
    /// INVITE's final response (64*T1, like a proxy's Timer C).
    pub cancel: Option<(CancelCause, bool, Instant)>,
    /// The ACK we sent for B's 2xx and where it went, resent there when the 2xx is
    /// retransmitted.
    pub ack: Option<(Peer, Vec<u8>)>,
    /// Delayed offer: B's 2xx carried the offer, so B's ACK carries the caller's answer and
    /// waits for the caller's ACK.
    pub ack_waits_for_a: bool,
    /// The script was already given this leg's result (the no-answer timer fired before B
    /// sent anything, so the CANCEL still waits for a provisional): a late answer is
    /// acknowledged and hung up, a late failure changes nothing.
    pub reported: bool,
}

/// The script is suspended in `termination_attempt`.
pub(super) struct Attempt {
    pub max_call_secs: u32,
}

/// The answered A-leg.
pub(super) struct Answered {
    pub dialog: Dialog,
    /// Our 2xx, retransmitted until the ACK (then dropped).
    pub ok: Option<Box<Response>>,
    /// 2xx retransmission (RFC 3261 §13.3.1.4): next instant and interval, until ACK.
    pub retransmit: Option<(Instant, Duration)>,
    pub give_up: Instant,
    pub acked: bool,
}

/// An in-dialog request relayed from one leg to the other (re-INVITE, UPDATE, INFO).
pub(super) struct Relay {
    pub key: CallKey,
    /// The server transaction on the leg the request came from, and that request.
    pub server_tx: TransactionId,
    pub request: Request,
    /// True when the request came from the caller (A-leg).
    pub from_a: bool,
}

impl BLeg {
    /// The leg the call is about: not over, and not one whose result the script already
    /// has. A reported leg only waits in the background for its pending CANCEL to go out
    /// (or for Timer B); the script may start another attempt meanwhile (platform-notes §3:
    /// after "No Answer" it may retry), and BYE or CANCEL on release go to that new leg.
    pub fn active(&self) -> bool {
        self.state != BState::Ended && !self.reported
    }

    pub fn deadline(&self) -> Option<Instant> {
        let no_answer = match (self.state, &self.cancel) {
            (BState::Calling, None) => self.no_answer_at,
            _ => None,
        };
        let guard = match (self.state, &self.cancel) {
            (BState::Calling, Some((_, _, guard))) => Some(*guard),
            _ => None,
        };
        [no_answer, guard].into_iter().flatten().min()
    }
}

impl Answered {
    /// The caller acknowledged our 2xx (or ended the call): no more retransmissions.
    pub fn acknowledged(&mut self) {
        self.acked = true;
        self.retransmit = None;
        self.ok = None;
    }

    pub fn deadline(&self) -> Option<Instant> {
        if self.acked {
            return None;
        }
        [self.retransmit.map(|(at, _)| at), Some(self.give_up)]
            .into_iter()
            .flatten()
            .min()
    }
}

/// Seed 003 result table.
#[allow(clippy::too_many_arguments)]
fn result_table(
    controlled: bool,
    answered: bool,
    proceed_ok: bool,
    decline_ok: bool,
    reason: &str,
    code: Option<u16>,
    ring_dsm: Option<u64>,
    max_call_secs: Option<u32>,
) -> Value {
    let mut t = vec![
        ("controlled".to_string(), Value::Bool(controlled)),
        ("answered".to_string(), Value::Bool(answered)),
        ("monitored".to_string(), Value::Bool(false)),
        ("charged".to_string(), Value::Bool(false)),
        ("proceed_ok".to_string(), Value::Bool(proceed_ok)),
        ("decline_ok".to_string(), Value::Bool(decline_ok)),
        ("reason".to_string(), Value::str(reason)),
    ];
    if let Some(code) = code {
        t.push(("code".into(), Value::Int(i64::from(code))));
    }
    if let Some(d) = ring_dsm {
        t.push(("ring_dsm".into(), Value::Int(d as i64)));
    }
    if let Some(m) = max_call_secs {
        t.push(("max_call_secs".into(), Value::Int(i64::from(m))));
    }
    Value::Table(t)
}

fn abandoned_table() -> Value {
    result_table(false, false, false, false, "Abandoned", None, None, None)
}

/// The transport address for a URI host that is an IP literal, else `fallback`.
pub(super) fn target_peer(uri: &Uri, fallback: Peer) -> Peer {
    let host = uri.host.trim_start_matches('[').trim_end_matches(']');
    let transport = match uri.param("transport").flatten() {
        Some(t) if t.eq_ignore_ascii_case("tcp") => Transport::Tcp,
        Some(t) if t.eq_ignore_ascii_case("udp") => Transport::Udp,
        _ => fallback.transport,
    };
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => Peer {
            transport,
            addr: std::net::SocketAddr::new(ip, uri.port.unwrap_or(5060)),
            connection: if transport == fallback.transport && fallback.addr.ip() == ip {
                fallback.connection
            } else {
                None
            },
        },
        Err(_) => fallback,
    }
}

impl<R: ScriptRunner> Engine<R> {
    /// Our Via, with a fresh branch, for a request we originate on `transport`.
    pub(super) fn our_via(&mut self, transport: Transport) -> Via {
        let contact = match transport {
            Transport::Udp => &self.config.contact_udp,
            Transport::Tcp => &self.config.contact_tcp,
        };
        let (host, port) = match contact.parse::<std::net::SocketAddr>() {
            Ok(addr) => {
                let host = match addr.ip() {
                    std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                    ip => ip.to_string(),
                };
                (host, Some(addr.port()))
            }
            Err(_) => (contact.clone(), None),
        };
        let mut via = Via::new(transport.as_str(), &host, port, &self.ids.branch());
        // RFC 3581: ask for responses to come back to the address we sent from.
        via.set_param("rport", None);
        via
    }

    fn our_contact(&self, transport: Transport, user: Option<&str>) -> String {
        let user = user.map(|u| format!("{u}@")).unwrap_or_default();
        match transport {
            Transport::Udp => format!("<sip:{user}{}>", self.config.contact_udp),
            Transport::Tcp => format!("<sip:{user}{};transport=tcp>", self.config.contact_tcp),
        }
    }

    /// `termination_attempt`: start a B-leg, or answer at once when it cannot start.
    pub(super) fn start_termination(
        &mut self,
        key: CallKey,
        t: Termination,
        now: Instant,
    ) -> Option<Reply> {
        let method = "termination_attempt";
        let call = self.calls.get(&key)?;
        if call.abandoned {
            return Some(Reply::Value(abandoned_table()));
        }
        if call.control_lost {
            return Some(Reply::Error(format!(
                "{method}: the call was answered by an earlier attempt; the script no longer controls it"
            )));
        }
        if let Some(done) = call.final_code {
            return Some(Reply::Error(format!(
                "{method}: a final response ({done}) was already sent"
            )));
        }
        if call.b_legs.iter().any(BLeg::active) {
            return Some(Reply::Error(format!(
                "{method}: a termination attempt is still in progress"
            )));
        }
        if let Err(e) = validate_extra_headers(&t.extra_headers) {
            return Some(Reply::Error(format!("{method}: extra_headers: {e}")));
        }
        let no_answer = t
            .no_answer_timeout
            .unwrap_or(self.config.default_no_answer_secs)
            .clamp(1, self.config.max_no_answer_secs.max(1));
        let max_call = t
            .max_call_secs
            .unwrap_or(self.config.default_max_call_secs)
            .clamp(self.config.min_call_secs, self.config.max_call_secs);
        let instance = call.instance.clone();
        let a_call_id = call.call_id.clone();
        let Some(route) = self.config.routes.select(&t.address_digits).cloned() else {
            tracing::info!(call_id = %a_call_id, digits = %t.address_digits, "termination: no route");
            self.edr(
                &instance,
                "TERMINATION",
                vec![
                    ("CALL_ID", a_call_id),
                    ("DIGITS", t.address_digits.clone()),
                    ("RESULT", "No Route".into()),
                ],
                now,
            );
            let call = self.calls.get_mut(&key)?;
            // The caller still waits on the script.
            call.logic_deadline = Some(now + self.config.service_logic);
            let f = call.flags();
            return Some(Reply::Value(result_table(
                true,
                false,
                f.proceed_ok,
                f.decline_ok,
                "No Route",
                None,
                None,
                None,
            )));
        };

        let invite = self.build_b_invite(key, &t, &route.peer)?;
        let b_call_id = invite.call_id().unwrap_or_default().to_string();
        let ruri = invite.uri.to_string();
        let peer = Peer {
            transport: route.peer.transport,
            addr: route.peer.addr,
            connection: None,
        };
        let tx = match self.layer.send_request(invite.clone(), peer, now) {
            Ok(tx) => tx,
            Err(e) => {
                return Some(Reply::Error(format!(
                    "{method}: cannot send the INVITE: {e}"
                )));
            }
        };
        self.by_b_tx.insert(tx, key);
        self.by_b_call_id.insert(b_call_id.clone(), key);
        self.edr(
            &instance,
            "TERMINATION",
            vec![
                ("CALL_ID", a_call_id.clone()),
                ("B_CALL_ID", b_call_id.clone()),
                ("RURI", ruri),
                ("PEER", route.peer.name.clone()),
            ],
            now,
        );
        tracing::debug!(call_id = %a_call_id, b_call_id = %b_call_id, peer = %route.peer.name, "B-leg INVITE sent");
        let call = self.calls.get_mut(&key)?;
        // Most calls have one B-leg: room for exactly one more, not the four an empty Vec
        // of BLeg would take on its first push.
        call.b_legs.reserve_exact(1);
        call.b_legs.push(BLeg {
            call_id: b_call_id,
            invite: Some(Box::new(invite)),
            tx,
            peer,
            state: BState::Calling,
            provisional: false,
            dialog: None,
            sent_at: now,
            no_answer_at: Some(now + Duration::from_secs(u64::from(no_answer))),
            cancel: None,
            ack: None,
            ack_waits_for_a: false,
            reported: false,
        });
        call.attempt = Some(Attempt {
            max_call_secs: max_call,
        });
        // The network, not the script, is what the caller waits on now.
        call.logic_deadline = None;
        call.script = ScriptState::Waiting { until: None };
        // Seed 003: 180 Ringing on the A-leg when no provisional was sent before.
        let ring = call.last_provisional.is_none() && (!call.requires_100rel || call.sdp_offer);
        if ring {
            self.send_provisional(key, 180, Vec::new(), None, now);
        }
        self.schedule(key);
        None
    }

    /// The B-leg INVITE: our own identifiers, the caller's offer, the numbers the script asked
    /// for after denormalisation, the privacy the caller (or the script) asked for.
    fn build_b_invite(
        &mut self,
        key: CallKey,
        t: &Termination,
        peer: &crate::routing::SipPeer,
    ) -> Option<Request> {
        let via = self.our_via(peer.transport);
        let tag = self.ids.tag();
        let domain = self.config.public_domain.clone();
        let call_id = self.ids.call_id(&domain);
        let call = self.calls.get(&key)?;
        let a = &call.invite;
        let transport = peer.transport;
        let host = peer.host_port();
        let called = self.config.denormalisation.called(&t.address_digits);
        let to_digits = self.config.denormalisation.called(
            t.original_called_party
                .as_deref()
                .unwrap_or(&t.address_digits),
        );
        let restricted = t.is_calling_restricted.unwrap_or(call.a_restricted);
        let presented = match &t.calling_party {
            CallingParty::Default => Some(call.a_calling.clone()).filter(|d| !d.is_empty()),
            CallingParty::Suppressed => None,
            CallingParty::Digits(d) => Some(self.config.denormalisation.calling(d)),
        };
        let transport_param = if transport == Transport::Tcp {
            ";transport=tcp"
        } else {
            ""
        };
        let uri = Uri::parse(&format!("sip:{called}@{host}{transport_param}")).ok()?;
        let mut req = Request::new(Method::Invite, uri);
        req.headers.push(HeaderName::Via, via.to_string());
        let max_forwards = a.max_forwards().unwrap_or(70).saturating_sub(1).min(70);
        req.headers
            .push(HeaderName::MaxForwards, max_forwards.to_string());
        let from = if restricted {
            // RFC 3323 §4.1.1.3: an anonymous From.
            format!("\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag={tag}")
        } else {
            match &presented {
                Some(digits) => {
                    let display = a
                        .from()
                        .and_then(|f| f.display)
                        .filter(|_| {
                            matches!(t.calling_party, CallingParty::Default) && !call.a_restricted
                        })
                        .map(|d| format!("\"{}\" ", d.replace(['"', '\\'], "")))
                        .unwrap_or_default();
                    format!("{display}<sip:{digits}@{domain}>;tag={tag}")
                }
                None => format!("<sip:{domain}>;tag={tag}"),
            }
        };
        req.headers.push(HeaderName::From, from);
        req.headers
            .push(HeaderName::To, format!("<sip:{to_digits}@{host}>"));
        req.headers.push(HeaderName::CallId, call_id);
        req.headers.push(
            HeaderName::CSeq,
            CSeq {
                seq: 1,
                method: Method::Invite,
            }
            .to_string(),
        );
        let contact_user = if restricted { Some("anonymous") } else { None };
        req.headers.push(
            HeaderName::Contact,
            self.our_contact(transport, contact_user),
        );
        req.headers
            .push(HeaderName::Allow, "INVITE, ACK, CANCEL, BYE, OPTIONS");
        if restricted {
            // RFC 3325 §9.3 / RFC 3323 §4.2: assert the identity inside the trust domain and
            // ask for it to be withheld beyond; carry the caller's other privacy wishes.
            // Only a number is asserted: an anonymous caller without an asserted identity
            // has none to pass on.
            let is_number = |d: &str| {
                let d = d.strip_prefix('+').unwrap_or(d);
                !d.is_empty()
                    && d.bytes()
                        .all(|b| b.is_ascii_hexdigit() || b == b'*' || b == b'#')
                    && !d.eq_ignore_ascii_case("anonymous")
            };
            if let Some(digits) = presented.as_deref().filter(|d| is_number(d)) {
                req.headers.push(
                    HeaderName::PAssertedIdentity,
                    format!("<sip:{digits}@{domain}>"),
                );
            }
            let mut flags = vec!["id".to_string()];
            for v in a.headers.values(&HeaderName::Privacy) {
                for f in v.split(';').map(str::trim) {
                    let f = f.to_ascii_lowercase();
                    if !f.is_empty() && f != "id" && f != "none" && !flags.contains(&f) {
                        flags.push(f);
                    }
                }
            }
            req.headers.push(HeaderName::Privacy, flags.join(";"));
        }
        for name in &self.config.relay_to_b {
            let header = HeaderName::parse(name);
            for value in a.headers.get_all(&header) {
                req.headers.push(header.clone(), value.to_string());
            }
        }
        for (name, value) in &t.extra_headers {
            req.headers.push(HeaderName::parse(name), value.clone());
        }
        if !a.body.is_empty() {
            if let Some(ct) = a.content_type() {
                req.headers.push(HeaderName::ContentType, ct.to_string());
            }
            req.body = a.body.clone();
        }
        Some(req)
    }

    /// Index of the B-leg whose INVITE transaction is `tx`.
    fn b_index(call: &Call, tx: TransactionId) -> Option<usize> {
        call.b_legs.iter().position(|b| b.tx == tx)
    }

    /// A response on a B-leg INVITE.
    pub(super) fn on_b_response(
        &mut self,
        key: CallKey,
        tx: TransactionId,
        response: Response,
        now: Instant,
    ) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let Some(i) = Self::b_index(call, tx) else {
            return;
        };
        let status = response.status;
        match status {
            100 => {
                // A 100 is a provisional response too (RFC 3261 §9.1): a pending CANCEL may
                // go now, and the no-answer CANCEL is no longer held back. Not relayed.
                let b = &mut call.b_legs[i];
                b.provisional = true;
                if matches!(b.cancel, Some((_, false, _))) {
                    self.send_b_cancel(key, i, now);
                }
            }
            101..=199 => {
                let b = &mut call.b_legs[i];
                b.provisional = true;
                let cancel_now = matches!(b.cancel, Some((_, false, _)));
                if cancel_now {
                    self.send_b_cancel(key, i, now);
                    return;
                }
                if b.state != BState::Calling || call.abandoned || call.final_code.is_some() {
                    return;
                }
                let last = call.last_provisional;
                let extra = self.relay_headers_to_a(&response);
                if !response.body.is_empty() {
                    // Early media: B's SDP goes to the caller in the same provisional.
                    let ct = response
                        .content_type()
                        .unwrap_or("application/sdp")
                        .to_string();
                    self.send_provisional(key, status, extra, Some((ct, response.body)), now);
                } else if !(status == 180 && last == Some(180)) {
                    self.send_provisional(key, status, extra, None, now);
                }
            }
            200..=299 => self.on_b_answer(key, i, response, now),
            _ => self.on_b_failure(key, i, Some(status), now),
        }
        self.schedule(key);
    }

    fn relay_headers_to_a(&self, response: &Response) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for name in &self.config.relay_to_a {
            let header = HeaderName::parse(name);
            for value in response.headers.get_all(&header) {
                out.push((header.as_str().to_string(), value.to_string()));
            }
        }
        out
    }

    /// B answered.
    fn on_b_answer(&mut self, key: CallKey, i: usize, response: Response, now: Instant) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let b = &mut call.b_legs[i];
        if b.dialog.is_some() {
            // A retransmitted 2xx (RFC 3261 §13.2.2.4): ACK again if we already did.
            if let Some((peer, ack)) = b.ack.clone() {
                self.layer.send_stateless(peer, ack);
            }
            return;
        }
        b.dialog = b
            .invite
            .as_deref()
            .and_then(|invite| Dialog::new_uac(invite, &response));
        if b.dialog.is_some() {
            // The dialog holds what later requests need.
            b.invite = None;
        }
        b.state = BState::Answered;
        let ring_dsm = now.saturating_duration_since(b.sent_at).as_millis() as u64 / 100;
        let cancelled_by_us = matches!(b.cancel, Some((CancelCause::Released, _, _))) || b.reported;
        let caller_gone = call.abandoned || call.end_reason.is_some() || call.final_code.is_some();
        let current = i + 1 == call.b_legs.len();
        if caller_gone || !current || cancelled_by_us {
            // The 2xx crossed our CANCEL or the caller left: acknowledge and hang up B.
            self.send_b_ack(key, i, None, now);
            self.send_b_bye(key, i, &[], now);
            // This B-leg was what kept an ended call alive.
            self.reap(key, now);
            return;
        }
        // Our no-answer CANCEL lost the race: B answered, so the call goes ahead.
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let b = &mut call.b_legs[i];
        b.cancel = None;
        let delayed_offer = call.invite.body.is_empty() && !response.body.is_empty();
        b.ack_waits_for_a = delayed_offer;
        let b_call_id = b.call_id.clone();
        let max_call = call
            .attempt
            .as_ref()
            .map(|a| a.max_call_secs)
            .unwrap_or(self.config.default_max_call_secs);
        if !delayed_offer {
            self.send_b_ack(key, i, None, now);
        }
        // The caller's 200 OK with B's answer (or offer).
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        let mut ok = self.call_response(call, 200);
        for (name, value) in self.relay_headers_to_a(&response) {
            ok.headers.push(HeaderName::parse(&name), value);
        }
        ok.headers.push(
            HeaderName::Allow,
            "INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK",
        );
        if !response.body.is_empty() {
            let ct = response
                .content_type()
                .unwrap_or("application/sdp")
                .to_string();
            ok.headers.push(HeaderName::ContentType, ct);
            ok.body = response.body.clone();
        }
        let dialog = Dialog::new_uas(&call.invite, &call.to_tag);
        let tx = call.invite_tx;
        let reliable = call.transport.is_reliable();
        let instance = call.instance.clone();
        let a_call_id = call.call_id.clone();
        if let Err(e) = self.layer.respond(tx, &ok, now) {
            tracing::warn!(call_id = %a_call_id, error = %e, "200 OK to the caller not sent");
        }
        let t1 = self.config.timers.t1;
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        call.final_code = Some(200);
        call.reliable = None;
        call.logic_deadline = None;
        call.control_lost = true;
        call.lifetime = Some(now + Duration::from_secs(u64::from(max_call)));
        call.answered_at = Some(now);
        // A plain termination: the script does not monitor the call, so the engine may
        // supervise it with in-dialog pings (see supervision.rs).
        call.ping = self
            .config
            .ping_interval
            .map(|interval| super::Supervision::new(now + interval));
        if let Some(dialog) = dialog {
            call.a_answered = Some(Box::new(Answered {
                dialog,
                ok: Some(Box::new(ok)),
                retransmit: (!reliable).then(|| (now + t1, t1)),
                give_up: now + t1 * 64,
                acked: false,
            }));
        }
        self.edr_response(key, 200, now);
        self.edr(
            &instance,
            "ANSWER",
            vec![
                ("CALL_ID", a_call_id),
                ("B_CALL_ID", b_call_id),
                ("RING_DSM", ring_dsm.to_string()),
                ("MAX_CALL_SECS", max_call.to_string()),
            ],
            now,
        );
        let result = result_table(
            false,
            true,
            false,
            false,
            "Answered",
            Some(response.status),
            Some(ring_dsm),
            Some(max_call),
        );
        self.finish_attempt(key, result, now);
    }

    /// A B-leg ended without answer.
    pub(super) fn on_b_failure(&mut self, key: CallKey, i: usize, code: Option<u16>, now: Instant) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let Some(b) = call.b_legs.get_mut(i) else {
            return;
        };
        if b.state != BState::Calling {
            return;
        }
        b.state = BState::Ended;
        let b_reported = b.reported;
        let cause = b.cancel.map(|(c, _, _)| c);
        let b_call_id = b.call_id.clone();
        let (reason, code) = match (cause, code) {
            (Some(CancelCause::NoAnswer), _) => ("No Answer", None),
            (Some(_), _) => ("Abandoned", None),
            (None, None) => ("No Route", None),
            (None, Some(c @ (408 | 480))) => ("No Answer", Some(c)),
            (None, Some(c)) => ("Declined", Some(c)),
        };
        let instance = call.instance.clone();
        let a_call_id = call.call_id.clone();
        let waiting = call.attempt.is_some() && i + 1 == call.b_legs.len() && !b_reported;
        let mut fields = vec![
            ("CALL_ID", a_call_id),
            ("B_CALL_ID", b_call_id),
            ("RESULT", reason.to_string()),
        ];
        if let Some(c) = code {
            fields.push(("CODE", c.to_string()));
        }
        self.edr(&instance, "TERMINATION-FAILED", fields, now);
        if waiting && cause != Some(CancelCause::Abandoned) {
            let Some(call) = self.calls.get_mut(&key) else {
                return;
            };
            // The script has the call back; the caller waits on it again.
            call.logic_deadline = Some(now + self.config.service_logic);
            let f = call.flags();
            let result = result_table(
                f.controlled,
                false,
                f.proceed_ok,
                f.decline_ok,
                reason,
                code,
                None,
                None,
            );
            self.finish_attempt(key, result, now);
        }
        self.reap(key, now);
    }

    /// The caller abandoned while the script waited on an attempt: resume it without control.
    pub(super) fn finish_attempt_abandoned(&mut self, key: CallKey, now: Instant) {
        self.finish_attempt(key, abandoned_table(), now);
    }

    /// Give the script "No Answer" for a leg that is still being cancelled in the background.
    fn report_no_answer(&mut self, key: CallKey, i: usize, now: Instant) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let Some(b) = call.b_legs.get_mut(i) else {
            return;
        };
        b.reported = true;
        call.logic_deadline = Some(now + self.config.service_logic);
        let f = call.flags();
        let result = result_table(
            f.controlled,
            false,
            f.proceed_ok,
            f.decline_ok,
            "No Answer",
            None,
            None,
            None,
        );
        self.finish_attempt(key, result, now);
    }

    /// Resume the script waiting in `termination_attempt` with its result.
    fn finish_attempt(&mut self, key: CallKey, result: Value, now: Instant) {
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        if call.attempt.take().is_none() || matches!(call.script, ScriptState::Done) {
            return;
        }
        let flags = call.flags();
        let step = self.runner.resume(key, flags, Reply::Value(result));
        self.drive(key, step, now);
        self.schedule(key);
    }

    /// CANCEL the B-leg's INVITE (RFC 3261 §9.1): only once a provisional arrived; until then
    /// the cancel is pending and goes out with the first provisional.
    pub(super) fn cancel_b_leg(&mut self, key: CallKey, cause: CancelCause, now: Instant) {
        let guard = now + self.config.timers.t1 * 64;
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let Some(i) = call.b_legs.iter().position(BLeg::active) else {
            return;
        };
        let b = &mut call.b_legs[i];
        match b.state {
            BState::Calling => {
                if b.cancel.is_none() {
                    b.cancel = Some((cause, false, guard));
                    if b.provisional {
                        self.send_b_cancel(key, i, now);
                    }
                }
            }
            BState::Answered => self.send_b_bye(key, i, &[], now),
            BState::Ended => {}
        }
        self.schedule(key);
    }

    fn send_b_cancel(&mut self, key: CallKey, i: usize, now: Instant) {
        let Some(b) = self.calls.get_mut(&key).and_then(|c| c.b_legs.get_mut(i)) else {
            return;
        };
        if let Some((_, sent, _)) = b.cancel.as_mut() {
            if *sent {
                return;
            }
            *sent = true;
        }
        let tx = b.tx;
        // The layer builds it from the INVITE it sent (§9.1) and starts the 64*T1 wait for
        // the INVITE's final response.
        if let Err(e) = self.layer.cancel(tx, now) {
            tracing::debug!(error = %e, "CANCEL not sent");
        }
    }

    /// ACK B's 2xx (RFC 3261 §13.2.2.4), with `body` when it carries the caller's answer.
    fn send_b_ack(
        &mut self,
        key: CallKey,
        i: usize,
        body: Option<(String, Vec<u8>)>,
        _now: Instant,
    ) {
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        let Some(b) = call.b_legs.get(i) else {
            return;
        };
        let Some(mut dialog) = b.dialog.clone() else {
            return;
        };
        let peer = target_peer(&dialog.remote_target, b.peer);
        let via = self.our_via(peer.transport);
        let mut ack = dialog.create_request(Method::Ack, via, 70);
        if let Some((ct, bytes)) = body {
            ack.headers.push(HeaderName::ContentType, ct);
            ack.body = bytes;
        }
        let bytes = ack.to_bytes();
        self.layer.send_stateless(peer, bytes.clone());
        if let Some(b) = self.calls.get_mut(&key).and_then(|c| c.b_legs.get_mut(i)) {
            // Kept for retransmissions of the INVITE's 2xx: the first ACK is that one; the
            // ACK of a relayed re-INVITE has another CSeq and must not replace it.
            b.ack.get_or_insert((peer, bytes));
            b.ack_waits_for_a = false;
        }
    }

    /// BYE to an answered B-leg, with `extra` headers (a Reason from the operator, say).
    pub(super) fn send_b_bye(
        &mut self,
        key: CallKey,
        i: usize,
        extra: &[(String, String)],
        now: Instant,
    ) {
        let Some(b) = self.calls.get(&key).and_then(|c| c.b_legs.get(i)) else {
            return;
        };
        if b.state == BState::Ended {
            return;
        }
        if b.dialog.is_some() && b.ack.is_none() {
            // B's 2xx was never acknowledged (a delayed offer whose caller never sent its
            // ACK): acknowledge it first, so the BYE is for a confirmed dialog
            // (RFC 3261 §13.2.2.4).
            self.send_b_ack(key, i, None, now);
        }
        let Some(b) = self.calls.get(&key).and_then(|c| c.b_legs.get(i)) else {
            return;
        };
        let target = b
            .dialog
            .as_ref()
            .map(|d| target_peer(&d.remote_target, b.peer));
        let via = target.map(|t| self.our_via(t.transport));
        let Some(b) = self.calls.get_mut(&key).and_then(|c| c.b_legs.get_mut(i)) else {
            return;
        };
        b.state = BState::Ended;
        let (Some(dialog), Some(target), Some(via)) = (b.dialog.as_mut(), target, via) else {
            return;
        };
        let mut bye = dialog.create_request(Method::Bye, via, 70);
        for (name, value) in extra {
            bye.headers.push(HeaderName::parse(name), value.clone());
        }
        if let Err(e) = self.layer.send_request(bye, target, now) {
            tracing::warn!(error = %e, "BYE to the B-leg not sent");
        }
    }

    /// Where requests to the answered B-leg go: its Contact when that is an IP literal, else
    /// the route's peer.
    pub(super) fn b_target(call: &Call) -> Option<Peer> {
        call.b_legs
            .iter()
            .find(|b| b.state == BState::Answered)
            .and_then(|b| {
                b.dialog
                    .as_ref()
                    .map(|d| target_peer(&d.remote_target, b.peer))
            })
    }

    /// Where requests to the answered caller go: the first hop of a route set is where the
    /// INVITE came from; without one, the caller's Contact when it is an IP literal.
    pub(super) fn a_target(call: &Call) -> Peer {
        match &call.a_answered {
            Some(a) if a.dialog.route_set.is_empty() => {
                target_peer(&a.dialog.remote_target, call.peer)
            }
            _ => call.peer,
        }
    }

    /// BYE to the answered caller, with `extra` headers (an RFC 3326 Reason, say).
    pub(super) fn send_a_bye(&mut self, key: CallKey, extra: &[(String, String)], now: Instant) {
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        if call.a_answered.is_none() {
            return;
        }
        let peer = Self::a_target(call);
        let via = self.our_via(peer.transport);
        let Some(answered) = self.calls.get_mut(&key).and_then(|c| c.a_answered.as_mut()) else {
            return;
        };
        answered.acknowledged();
        let mut bye = answered.dialog.create_request(Method::Bye, via, 70);
        for (name, value) in extra {
            bye.headers.push(HeaderName::parse(name), value.clone());
        }
        if let Err(e) = self.layer.send_request(bye, peer, now) {
            tracing::warn!(error = %e, "BYE to the caller not sent");
        }
    }

    /// End an answered call from our side: BYE on both legs.
    pub(super) fn release_answered(
        &mut self,
        key: CallKey,
        reason: EndReason,
        a_extra: &[(String, String)],
        now: Instant,
    ) {
        self.send_a_bye(key, a_extra, now);
        if let Some(i) = self
            .calls
            .get(&key)
            .and_then(|c| c.b_legs.iter().position(BLeg::active))
        {
            self.send_b_bye(key, i, &[], now);
        }
        self.end_call(key, reason, None, now);
        self.reap(key, now);
    }

    /// An ACK from the caller for our 2xx (or for a relayed re-INVITE's 2xx).
    pub(super) fn on_a_ack(&mut self, ack: Request, now: Instant) {
        let Some(key) = self.find_call(&ack) else {
            return;
        };
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        if Some(call.to_tag.clone()) != ack.to_tag() {
            return;
        }
        let seq = ack.cseq().map(|c| c.seq);
        let invite_seq = call.invite.cseq().map(|c| c.seq);
        if seq != invite_seq {
            // The ACK of a relayed re-INVITE's 2xx: pass it on to B.
            if let Some(i) = call.b_legs.iter().position(|b| b.state == BState::Answered) {
                let body = (!ack.body.is_empty()).then(|| {
                    (
                        ack.content_type().unwrap_or("application/sdp").to_string(),
                        ack.body.clone(),
                    )
                });
                self.send_b_ack(key, i, body, now);
            }
            return;
        }
        let Some(a) = call.a_answered.as_mut() else {
            // No 2xx to acknowledge (an ACK before any final response, say): the INVITE is
            // still needed whole (B-leg offers, the caller's dialog).
            return;
        };
        a.acknowledged();
        // Nothing answers the INVITE any more: keep only what identifies it.
        call.trim_invite();
        // Delayed offer: the caller's answer travels in B's ACK.
        let waiting = call.b_legs.iter().position(|b| b.ack_waits_for_a);
        if let Some(i) = waiting {
            let body = (!ack.body.is_empty()).then(|| {
                (
                    ack.content_type().unwrap_or("application/sdp").to_string(),
                    ack.body.clone(),
                )
            });
            self.send_b_ack(key, i, body, now);
        }
        self.schedule(key);
    }

    /// A retransmitted 2xx from B after its INVITE transaction ended: ACK it again.
    pub(super) fn on_stray_b_2xx(&mut self, response: &Response) {
        let Some(call_id) = response.call_id() else {
            return;
        };
        let Some(key) = self.by_b_call_id.get(call_id).copied() else {
            return;
        };
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        if let Some(b) = call.b_legs.iter().find(|b| b.call_id == call_id) {
            if let Some((peer, ack)) = b.ack.clone() {
                self.layer.send_stateless(peer, ack);
            }
        }
    }

    /// A request inside the B-leg dialog (BYE, re-INVITE, ...).
    pub(super) fn on_b_request(
        &mut self,
        key: CallKey,
        id: TransactionId,
        request: Request,
        now: Instant,
    ) {
        let call_id = request.call_id().unwrap_or_default().to_string();
        let Some(call) = self.calls.get_mut(&key) else {
            self.respond_simple(id, &request, 481, now);
            return;
        };
        let Some(i) = call
            .b_legs
            .iter()
            .position(|b| b.call_id == call_id && b.state == BState::Answered)
        else {
            self.respond_simple(id, &request, 481, now);
            return;
        };
        if let (Some(d), Some(seq)) = (call.b_legs[i].dialog.as_mut(), request.cseq()) {
            if !d.accept_remote_cseq(seq.seq) {
                self.respond_simple(id, &request, 500, now);
                return;
            }
        }
        match request.method {
            Method::Bye => {
                // The callee hung up: end both legs (OpenSIPS "Upstream BYE").
                call.b_legs[i].state = BState::Ended;
                self.respond_simple(id, &request, 200, now);
                self.send_a_bye(key, &[], now);
                self.end_call(key, EndReason::UpstreamBye, None, now);
                self.reap(key, now);
            }
            Method::Invite | Method::Update | Method::Info => {
                self.relay_request(key, id, request, false, now)
            }
            _ => self.respond_simple(id, &request, 405, now),
        }
    }

    /// A request inside the answered A-leg dialog.
    pub(super) fn on_a_in_dialog(
        &mut self,
        key: CallKey,
        id: TransactionId,
        request: Request,
        now: Instant,
    ) {
        let Some(call) = self.calls.get_mut(&key) else {
            self.respond_simple(id, &request, 481, now);
            return;
        };
        let answered = call.a_answered.is_some() && call.end_reason.is_none();
        if !answered || Some(call.to_tag.clone()) != request.to_tag() {
            self.respond_simple(id, &request, 481, now);
            return;
        }
        if let (Some(a), Some(seq)) = (call.a_answered.as_mut(), request.cseq()) {
            if !a.dialog.accept_remote_cseq(seq.seq) {
                self.respond_simple(id, &request, 500, now);
                return;
            }
        }
        match request.method {
            Method::Bye => {
                // The caller hung up (OpenSIPS "Downstream BYE"); a BYE before the ACK
                // also ends the 2xx retransmissions.
                if let Some(a) = call.a_answered.as_mut() {
                    a.acknowledged();
                }
                self.respond_simple(id, &request, 200, now);
                if let Some(i) = self
                    .calls
                    .get(&key)
                    .and_then(|c| c.b_legs.iter().position(BLeg::active))
                {
                    self.send_b_bye(key, i, &[], now);
                }
                self.end_call(key, EndReason::DownstreamBye, None, now);
                self.reap(key, now);
            }
            Method::Invite | Method::Update | Method::Info => {
                self.relay_request(key, id, request, true, now)
            }
            _ => self.respond_simple(id, &request, 405, now),
        }
    }

    /// Pass an in-dialog request to the other leg; its answer comes back through
    /// [`Engine::on_relay_response`]. A 491 from either side (crossing re-INVITEs) passes
    /// through like any other answer.
    fn relay_request(
        &mut self,
        key: CallKey,
        id: TransactionId,
        request: Request,
        from_a: bool,
        now: Instant,
    ) {
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        let peer = if from_a {
            Self::b_target(call)
        } else {
            call.a_answered.as_ref().map(|_| Self::a_target(call))
        };
        let Some(peer) = peer else {
            self.respond_simple(id, &request, 481, now);
            return;
        };
        let via = self.our_via(peer.transport);
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let dialog = if from_a {
            call.b_legs
                .iter_mut()
                .find(|b| b.state == BState::Answered)
                .and_then(|b| b.dialog.as_mut())
        } else {
            call.a_answered.as_mut().map(|a| &mut a.dialog)
        };
        let Some(dialog) = dialog else {
            return;
        };
        let mut out = dialog.create_request(request.method.clone(), via, 70);
        if request.method == Method::Invite {
            out.headers
                .push(HeaderName::Contact, self.our_contact(peer.transport, None));
        }
        if !request.body.is_empty() {
            if let Some(ct) = request.content_type() {
                out.headers.push(HeaderName::ContentType, ct.to_string());
            }
            out.body = request.body.clone();
        }
        if request.method == Method::Invite {
            // RFC 3261 §17.2.1: the other leg may take a while; stop the sender's
            // retransmissions now.
            let trying = callctl_sip::message::response_to(&request, 100, None);
            let _ = self.layer.respond(id, &trying, now);
        }
        match self.layer.send_request(out, peer, now) {
            Ok(out_tx) => {
                self.relays.insert(
                    out_tx,
                    Relay {
                        key,
                        server_tx: id,
                        request,
                        from_a,
                    },
                );
            }
            Err(e) => {
                tracing::warn!(error = %e, "in-dialog request not relayed");
                self.respond_simple(id, &request, 500, now);
            }
        }
    }

    /// The other leg answered a relayed request: answer the original with the same code.
    pub(super) fn on_relay_response(
        &mut self,
        tx: TransactionId,
        response: Response,
        now: Instant,
    ) {
        if !self.relays.contains_key(&tx) {
            return;
        }
        let status = response.status;
        if status < 200 && status != 100 {
            // Provisional answers to a relayed re-INVITE are not passed on (they would need
            // their own early-dialog handling); the final answer is.
            return;
        }
        if status == 100 {
            return;
        }
        let Some(relay) = self.relays.remove(&tx) else {
            return;
        };
        let key = relay.key;
        let to_tag = self.calls.get(&key).and_then(|c| {
            if relay.from_a {
                Some(c.to_tag.clone())
            } else {
                c.b_legs
                    .iter()
                    .find(|b| b.state == BState::Answered)
                    .and_then(|b| b.dialog.as_ref().map(|d| d.local_tag.clone()))
            }
        });
        let mut answer =
            callctl_sip::message::response_to(&relay.request, status, to_tag.as_deref());
        answer.reason = response.reason.clone();
        if !response.body.is_empty() {
            if let Some(ct) = response.content_type() {
                answer.headers.push(HeaderName::ContentType, ct.to_string());
            }
            answer.body = response.body.clone();
        }
        if relay.request.method == Method::Invite && (200..300).contains(&status) {
            let transport = self
                .calls
                .get(&key)
                .map(|c| {
                    if relay.from_a {
                        c.transport
                    } else {
                        c.b_legs
                            .iter()
                            .find(|b| b.state == BState::Answered)
                            .map(|b| b.peer.transport)
                            .unwrap_or(c.transport)
                    }
                })
                .unwrap_or(Transport::Udp);
            answer
                .headers
                .push(HeaderName::Contact, self.our_contact(transport, None));
            // The 2xx of a relayed re-INVITE from B is acknowledged by us towards the
            // answering side, which here is the caller: its ACK arrives at on_a_ack; from the
            // caller's side, B's 2xx waits for the caller's ACK (handled in on_a_ack).
            if !relay.from_a {
                // B re-INVITEd; the caller answered 2xx to our relayed INVITE: ACK the caller.
                self.ack_a_reinvite(key, now);
            }
        }
        if let Err(e) = self.layer.respond(relay.server_tx, &answer, now) {
            tracing::debug!(error = %e, "relayed answer not sent");
        }
        if relay.request.method == Method::Invite && matches!(status, 408 | 481) {
            // RFC 3261 §14.1: the dialog is gone on the other side; end the call.
            self.release_answered(key, EndReason::TransportFailure, &[], now);
        }
    }

    /// ACK the caller's 2xx to a re-INVITE we relayed from B.
    fn ack_a_reinvite(&mut self, key: CallKey, _now: Instant) {
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        let peer = Self::a_target(call);
        let via = self.our_via(peer.transport);
        let Some(a) = self.calls.get_mut(&key).and_then(|c| c.a_answered.as_mut()) else {
            return;
        };
        let ack = a.dialog.create_request(Method::Ack, via, 70);
        self.layer.send_stateless(peer, ack.to_bytes());
    }

    /// Timers of the B-leg and of the answered A-leg.
    pub(super) fn on_termination_timer(&mut self, key: CallKey, now: Instant) {
        // B-leg no-answer timer and the CANCEL guard.
        let mut fire_no_answer = None;
        let mut fire_guard = None;
        if let Some(call) = self.calls.get(&key) {
            for (i, b) in call.b_legs.iter().enumerate() {
                if b.state != BState::Calling {
                    continue;
                }
                match b.cancel {
                    None if b.no_answer_at.is_some_and(|t| t <= now) => fire_no_answer = Some(i),
                    Some((_, _, guard)) if guard <= now => fire_guard = Some(i),
                    _ => {}
                }
            }
        }
        if let Some(i) = fire_no_answer {
            tracing::debug!("B-leg no-answer timer: CANCEL");
            self.cancel_b_leg(key, CancelCause::NoAnswer, now);
            // Nothing from B yet, so the CANCEL must wait for a provisional (RFC 3261 §9.1);
            // the script asked for this timeout, so it gets its answer now.
            let silent = self
                .calls
                .get(&key)
                .and_then(|c| c.b_legs.get(i))
                .is_some_and(|b| !b.provisional);
            if silent {
                self.report_no_answer(key, i, now);
            }
        }
        if let Some(i) = fire_guard {
            // No final response to our CANCELled INVITE within 64*T1: give the leg up (RFC
            // 3261 §9.1). The transaction layer ends the INVITE transaction itself at the
            // same instant (its CANCEL guard).
            self.on_b_failure(key, i, None, now);
        }
        // The caller's 2xx: retransmit until ACK, give up after 64*T1 (RFC 3261 §13.3.1.4).
        let mut resend = None;
        let mut give_up = false;
        if let Some(call) = self.calls.get_mut(&key) {
            let t2 = self.config.timers.t2;
            let tx = call.invite_tx;
            if let Some(a) = call.a_answered.as_mut() {
                if !a.acked {
                    if a.give_up <= now {
                        give_up = true;
                    } else if let Some((at, interval)) = a.retransmit {
                        if at <= now {
                            let next = (interval * 2).min(t2);
                            a.retransmit = Some((now + next, next));
                            resend = a.ok.clone().map(|ok| (tx, ok));
                        }
                    }
                }
            }
        }
        if let Some((tx, ok)) = resend {
            let _ = self.layer.respond(tx, &ok, now);
        }
        if give_up {
            tracing::info!("no ACK for the 200 OK within 64*T1: releasing the call");
            self.release_answered(key, EndReason::TransportFailure, &[], now);
            return;
        }
        // max_call_secs.
        let expired = self
            .calls
            .get(&key)
            .is_some_and(|c| c.end_reason.is_none() && c.lifetime.is_some_and(|t| t <= now));
        if expired {
            if let Some(c) = self.calls.get_mut(&key) {
                c.lifetime = None;
            }
            self.release_answered(key, EndReason::LifetimeTimeout, &[], now);
        }
    }

    /// A B-leg INVITE transaction timed out (Timer B) or failed in the transport.
    pub(super) fn on_b_transaction_failed(&mut self, tx: TransactionId, now: Instant) {
        let Some(key) = self.by_b_tx.get(&tx).copied() else {
            return;
        };
        let Some(i) = self.calls.get(&key).and_then(|c| Self::b_index(c, tx)) else {
            return;
        };
        self.on_b_failure(key, i, None, now);
    }
}
