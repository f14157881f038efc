//! Why a call ended: exactly one per call, in the EDR end record, the management API and the
//! metrics. The OpenSIPS dialog-module names are kept for the cases they cover; the rest are
//! callctl's own. These strings are an operator interface: never rename one.

/// The end reason of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndReason {
    /// The callee side sent BYE.
    UpstreamBye,
    /// The caller side sent BYE.
    DownstreamBye,
    /// The maximum call duration was reached.
    LifetimeTimeout,
    /// Ended through the management interface.
    MiTermination,
    /// An in-dialog ping got a 481 or no answer.
    PingTimeout,
    /// Media inactivity where callctl sees the media. Reserved: no media path yet.
    RtpProxyTimeout,
    /// The script hung up (explicitly, or automatically when it returned).
    ScriptHangup,
    /// The script declined the call (`decline`).
    ScriptDecline,
    /// The script redirected the call (`redirect`).
    ScriptRedirect,
    /// The caller gave up before answer (CANCEL).
    Abandoned,
    /// No trigger matched the called number.
    NoTrigger,
    /// The script did not act within `service_logic_ms`.
    ServiceLogicTimeout,
    /// The script failed (runtime error, load error, runaway loop, out of memory).
    ScriptError,
    /// The request was refused before any script ran (e.g. 420, 482, 483).
    Rejected,
    /// A transport failure or a missing ACK ended the call.
    TransportFailure,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::UpstreamBye => "Upstream BYE",
            EndReason::DownstreamBye => "Downstream BYE",
            EndReason::LifetimeTimeout => "Lifetime Timeout",
            EndReason::MiTermination => "MI Termination",
            EndReason::PingTimeout => "Ping Timeout",
            EndReason::RtpProxyTimeout => "RTPProxy Timeout",
            EndReason::ScriptHangup => "Script Hangup",
            EndReason::ScriptDecline => "Script Decline",
            EndReason::ScriptRedirect => "Script Redirect",
            EndReason::Abandoned => "Abandoned",
            EndReason::NoTrigger => "No Trigger",
            EndReason::ServiceLogicTimeout => "Service Logic Timeout",
            EndReason::ScriptError => "Script Error",
            EndReason::Rejected => "Rejected",
            EndReason::TransportFailure => "Transport Failure",
        }
    }
}

impl std::fmt::Display for EndReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
