//! ASN.1 types that INAP CS-1 (ETS 300 374-1 / Q.1218) and CAP (GSM 09.78, TS 29.078) define
//! the same way: same tags, same components, same values. CAP takes them over from the INAP
//! modules (CS1-DataTypes, CS-2 datatypes and errortypes), so one Rust type serves both;
//! [`crate::cs1`] and [`crate::cap::types`] re-export them under their usual paths.
//!
//! Types whose CAP form differs in any component, tag or value set (for example
//! `MiscCallInfo`, `VariablePart` with its four-octet CAP date, `EventTypeBCSM`) stay in each
//! protocol's own module. `ExtensionField` is the same ASN.1 in both but is held differently
//! (CS-1 keeps its identifier raw and folds an explicit `criticality ignore` into the
//! DEFAULT; CAP keeps the identifier typed and the criticality as sent, so a relayed
//! extension is written back octet for octet); it stays in each module.

use rasn::types::{Ia5String, OctetString};
use rasn::{AsnType, Decode, Decoder, Encode};

/// `MonitorMode ::= ENUMERATED { interrupted (0), notifyAndContinue (1), transparent (2) }`.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[rasn(enumerated)]
#[allow(missing_docs)]
pub enum MonitorMode {
    Interrupted = 0,
    NotifyAndContinue = 1,
    Transparent = 2,
}

/// `MiscCallInfo.messageType ::= ENUMERATED { request (0), notification (1) }`.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[rasn(enumerated)]
#[allow(missing_docs)]
pub enum MessageType {
    Request = 0,
    Notification = 1,
}

/// `CGEncountered ::= ENUMERATED { noCGencountered (0), manualCGencountered (1),
/// scpOverload (2) }`.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[rasn(enumerated)]
#[allow(missing_docs)]
pub enum CgEncountered {
    NoCgEncountered = 0,
    ManualCgEncountered = 1,
    ScpOverload = 2,
}

/// `Tone ::= SEQUENCE { toneID [0] Integer4, duration [1] Integer4 OPTIONAL }`.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tone {
    /// `toneID [0] Integer4`.
    #[rasn(tag(context, 0))]
    pub tone_id: u32,
    /// `duration [1] Integer4`, seconds.
    #[rasn(tag(context, 1))]
    pub duration: Option<u32>,
}

/// `LegID ::= CHOICE { sendingSideID [0] LegType, receivingSideID [1] LegType }` (Q.1218
/// CS1-DataTypes; CAP imports it unchanged). `LegType` is one octet: 1 = leg 1 the calling
/// party, 2 = leg 2 the called party.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
#[rasn(choice)]
pub enum LegId {
    /// `sendingSideID [0] LegType` (SCF to SSF direction).
    #[rasn(tag(context, 0))]
    SendingSideId(OctetString),
    /// `receivingSideID [1] LegType` (SSF to SCF direction).
    #[rasn(tag(context, 1))]
    ReceivingSideId(OctetString),
}

impl LegId {
    /// `sendingSideID` with a one-octet leg type.
    pub fn sending(leg: u8) -> Self {
        LegId::SendingSideId(OctetString::from(vec![leg]))
    }
    /// `receivingSideID` with a one-octet leg type.
    pub fn receiving(leg: u8) -> Self {
        LegId::ReceivingSideId(OctetString::from(vec![leg]))
    }
    /// The leg type when it is one octet, as the standard defines it.
    pub fn leg(&self) -> Option<u8> {
        let (LegId::SendingSideId(o) | LegId::ReceivingSideId(o)) = self;
        match o.as_ref() {
            [leg] => Some(*leg),
            _ => None,
        }
    }
}

/// `CriticalityType ::= ENUMERATED { ignore (0), abort (1) }` of an extension field.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[rasn(enumerated)]
pub enum CriticalityType {
    /// ignore (0), the default.
    #[default]
    Ignore = 0,
    /// abort (1).
    Abort = 1,
}

/// `MessageID.text ::= SEQUENCE { messageContent [0] IA5String, attributes [1] OCTET STRING
/// OPTIONAL }`: a text to show or speak (the size bounds are network parameters in both).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageText {
    /// `messageContent [0] IA5String`.
    #[rasn(tag(context, 0))]
    pub message_content: Ia5String,
    /// `attributes [1] OCTET STRING`, raw.
    #[rasn(tag(context, 1))]
    pub attributes: Option<OctetString>,
}

/// `TimerID ::= ENUMERATED { tssf (0) }`: the SSF's application timer, reset by ResetTimer.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[rasn(enumerated)]
pub enum TimerId {
    /// tssf (0), the DEFAULT.
    #[default]
    Tssf = 0,
}

/// `cancelFailed` parameter, `problem`.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[rasn(enumerated)]
#[allow(missing_docs)]
pub enum CancelProblem {
    UnknownOperation = 0,
    TooLate = 1,
    OperationNotCancellable = 2,
}

/// `cancelFailed` parameter: `SEQUENCE { problem [0], operation [1] InvokeID }`.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CancelFailedParam {
    /// `problem [0]`.
    #[rasn(tag(context, 0))]
    pub problem: CancelProblem,
    /// `operation [1] InvokeID`: the invoke that could not be cancelled.
    #[rasn(tag(context, 1))]
    pub operation: i8,
}

/// `requestedInfoError` parameter.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[rasn(enumerated)]
#[allow(missing_docs)]
pub enum RequestedInfoErrorParam {
    UnknownRequestedInfo = 1,
    RequestedInfoNotAvailable = 2,
}

/// `systemFailure` parameter (`UnavailableNetworkResource`).
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[rasn(enumerated)]
#[allow(missing_docs)]
pub enum UnavailableNetworkResource {
    UnavailableResources = 0,
    ComponentFailure = 1,
    BasicCallProcessingException = 2,
    ResourceStatusFailure = 3,
    EndUserFailure = 4,
}

/// `taskRefused` parameter.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[rasn(enumerated)]
#[allow(missing_docs)]
pub enum TaskRefusedParam {
    Generic = 0,
    Unobtainable = 1,
    Congestion = 2,
}
