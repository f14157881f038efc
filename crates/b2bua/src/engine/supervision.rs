//! Supervision of answered calls by in-dialog pings (`[supervision]`).
//!
//! Every `ping_interval` an answered call that the script does not monitor gets an OPTIONS
//! inside each of its dialogs: the caller's (A-leg) and the answered B-leg's. OPTIONS is sent
//! as an ordinary request within a dialog (RFC 3261 §11, §12.2.1.1: the dialog's Call-ID,
//! tags, route set and remote target, the next local CSeq) through a non-INVITE client
//! transaction (§17.1.2).
//!
//! What a ping proves:
//! - any final response other than 481 and 408 (a 2xx, but also 405 or 501 from a peer that
//!   does not support OPTIONS in a dialog) means the peer still has the dialog: the leg is
//!   alive and its failure count goes back to zero;
//! - a 481 (Call/Transaction Does Not Exist, §12.2.2), a 408, no final response before Timer F
//!   (64*T1, §17.1.2.2) or a transport error (§8.1.3.1) is a failure.
//!
//! At `ping_max_failures` consecutive failures on one leg both legs get BYE and the call ends
//! with `Ping Timeout`. Never two pings in flight on one leg: when the interval comes round
//! while the last ping of a leg is still unanswered (its transaction still retransmitting),
//! that leg is skipped until the next interval. Pings stop when the call ends; responses to
//! pings still in flight then are ignored.

use std::time::Instant;

use callctl_sip::message::{HeaderName, Method};
use callctl_sip::transaction::TransactionId;

use super::termination::BState;
use super::{CallKey, Engine, ScriptRunner};
use crate::reason::EndReason;

/// Which dialog of a call a ping went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PingLeg {
    /// The caller's dialog.
    A,
    /// The answered B-leg's dialog.
    B,
}

/// Ping state of one leg.
#[derive(Debug, Default)]
struct LegPing {
    /// The OPTIONS client transaction awaiting its final response.
    in_flight: Option<TransactionId>,
    /// Consecutive failed pings.
    failures: u32,
}

/// Ping state of an answered call.
#[derive(Debug)]
pub(super) struct Supervision {
    /// When the next round of pings is due.
    next: Instant,
    a: LegPing,
    b: LegPing,
}

impl Supervision {
    /// Pinging that starts at `first`.
    pub fn new(first: Instant) -> Supervision {
        Supervision {
            next: first,
            a: LegPing::default(),
            b: LegPing::default(),
        }
    }

    pub fn deadline(&self) -> Instant {
        self.next
    }

    fn leg_mut(&mut self, leg: PingLeg) -> &mut LegPing {
        match leg {
            PingLeg::A => &mut self.a,
            PingLeg::B => &mut self.b,
        }
    }
}

/// Whether the final response `status` (or none at all) counts as a failed ping.
fn is_failure(status: Option<u16>) -> bool {
    // RFC 3261 §12.2.2: 481 means the peer has no such dialog; 408 (or Timer F, which a
    // transaction user sees as a 408, §8.1.3.1) means the peer did not answer.
    matches!(status, None | Some(408) | Some(481))
}

impl<R: ScriptRunner> Engine<R> {
    /// The ping round of `key`, if due: an OPTIONS on each leg without one in flight.
    pub(super) fn on_supervision_timer(&mut self, key: CallKey, now: Instant) {
        let Some(interval) = self.config.ping_interval else {
            return;
        };
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        if call.end_reason.is_some() {
            return;
        }
        let Some(ping) = call.ping.as_mut() else {
            return;
        };
        if ping.next > now {
            return;
        }
        ping.next = now + interval;
        let idle_a = ping.a.in_flight.is_none();
        let idle_b = ping.b.in_flight.is_none();
        if idle_a {
            self.send_ping(key, PingLeg::A, now);
        }
        if idle_b {
            self.send_ping(key, PingLeg::B, now);
        }
    }

    /// An in-dialog OPTIONS on `leg` (RFC 3261 §11.1, §12.2.1.1).
    fn send_ping(&mut self, key: CallKey, leg: PingLeg, now: Instant) {
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        let peer = match leg {
            PingLeg::A => call.a_answered.as_ref().map(|_| Self::a_target(call)),
            PingLeg::B => Self::b_target(call),
        };
        let Some(peer) = peer else {
            return;
        };
        let via = self.our_via(peer.transport);
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        let dialog = match leg {
            PingLeg::A => call.a_answered.as_mut().map(|a| &mut a.dialog),
            PingLeg::B => call
                .b_legs
                .iter_mut()
                .find(|b| b.state == BState::Answered)
                .and_then(|b| b.dialog.as_mut()),
        };
        let Some(dialog) = dialog else {
            return;
        };
        let mut options = dialog.create_request(Method::Options, via, 70);
        // RFC 3261 §11.1: the answer's body, if any, may describe our media capabilities.
        options
            .headers
            .push(HeaderName::parse("Accept"), "application/sdp".to_string());
        match self.layer.send_request(options, peer, now) {
            Ok(tx) => {
                self.pings.insert(tx, (key, leg));
                if let Some(ping) = self.calls.get_mut(&key).and_then(|c| c.ping.as_mut()) {
                    ping.leg_mut(leg).in_flight = Some(tx);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, ?leg, "ping not sent");
            }
        }
    }

    /// The final outcome of the ping transaction `tx`: a final response's `status`, or `None`
    /// for Timer F or a transport error.
    pub(super) fn on_ping_result(&mut self, tx: TransactionId, status: Option<u16>, now: Instant) {
        let Some((key, leg)) = self.pings.remove(&tx) else {
            return;
        };
        let max_failures = self.config.ping_max_failures.max(1);
        let Some(call) = self.calls.get_mut(&key) else {
            return;
        };
        if call.end_reason.is_some() {
            return;
        }
        let call_id = call.call_id.clone();
        let Some(ping) = call.ping.as_mut() else {
            return;
        };
        let state = ping.leg_mut(leg);
        if state.in_flight != Some(tx) {
            return;
        }
        state.in_flight = None;
        if !is_failure(status) {
            state.failures = 0;
            return;
        }
        state.failures += 1;
        let failures = state.failures;
        tracing::info!(
            %call_id,
            ?leg,
            status = status.map(i64::from).unwrap_or(-1),
            failures,
            "ping failed"
        );
        if failures >= max_failures {
            self.release_answered(key, EndReason::PingTimeout, &[], now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_failure;

    #[test]
    fn only_481_408_and_no_answer_are_failures() {
        assert!(is_failure(None));
        assert!(is_failure(Some(481)));
        assert!(is_failure(Some(408)));
        for alive in [200, 202, 404, 405, 486, 500, 501, 503, 603] {
            assert!(!is_failure(Some(alive)), "{alive}");
        }
    }
}
