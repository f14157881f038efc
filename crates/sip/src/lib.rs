//! SIP transactions and dialogs, sans-IO.
//!
//! Role: everything between "bytes arrived from a peer" and "a call engine wants to send a
//! response or a request", without touching a socket or a clock.
//!
//! - [`transaction`]: the four transaction state machines of RFC 3261 §17 with the RFC 6026
//!   `Accepted` states, and a [`transaction::TransactionLayer`] that matches incoming messages
//!   to them (§17.1.3, §17.2.3), absorbs retransmissions, retransmits on Timers A/E/G and
//!   reports Timers B/F/H timeouts and the RFC 3261 §9.1 end of a CANCELled INVITE that
//!   never gets its final response.
//! - [`dialog`]: dialog state (RFC 3261 §12): Call-ID, tags, CSeq, remote target, route set.
//! - [`id`]: a seedable generator of branches, tags and Call-IDs (no global RNG).
//!
//! Inputs are parsed messages (see `callctl-sip-message`) with the instant they arrived, and
//! timer expiries; outputs are [`transaction::Transmit`]s (bytes for a peer) and events for the
//! transaction user. Time is always passed in.

pub mod dialog;
pub mod id;
pub mod transaction;

pub use callctl_sip_message as message;
pub use transaction::{Peer, TimerConfig, Transport};
