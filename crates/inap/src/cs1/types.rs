//! Common data types of Core INAP CS-1 (ETS 300 374-1 §7 / Q.1218 §3.2 "IN-CS1-Datatypes"),
//! as used by the operations in [`super::args`]. Tags are the standard's (module with
//! IMPLICIT TAGS; a tagged CHOICE or open type is explicitly tagged). ISUP-formatted
//! parameters stay `OctetString`; the operation types offer typed accessors through
//! [`crate::numbers`].

use rasn::types::{Any, Ia5String, OctetString};
use rasn::{AsnType, Decode, Decoder, Encode, Encoder};

pub use crate::common::{
    CgEncountered, CriticalityType, LegId, MessageText, MessageType, MonitorMode, TimerId, Tone,
};

/// `ExtensionField`: kept raw. `type` is the whole BER element of the extension's
/// identifier (an INTEGER or OBJECT IDENTIFIER), `value` the element inside `[1]`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExtensionField {
    /// The extension's identifier, as a raw BER element.
    pub r#type: Any,
    /// Criticality, DEFAULT ignore.
    #[rasn(default)]
    pub criticality: CriticalityType,
    /// `value [1]`: the extension's value as a raw BER element.
    #[rasn(tag(explicit(context, 1)))]
    pub value: Any,
}

/// `Extensions ::= SEQUENCE SIZE (1..numOfExtensions) OF ExtensionField`.
pub type Extensions = Vec<ExtensionField>;

/// `EventTypeBCSM` (Q.1218): detection points of the basic call state model.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[rasn(enumerated)]
#[allow(missing_docs)]
pub enum EventTypeBcsm {
    OrigAttemptAuthorized = 1,
    CollectedInfo = 2,
    AnalysedInformation = 3,
    RouteSelectFailure = 4,
    OCalledPartyBusy = 5,
    ONoAnswer = 6,
    OAnswer = 7,
    OMidCall = 8,
    ODisconnect = 9,
    OAbandon = 10,
    TermAttemptAuthorized = 12,
    TCalledPartyBusy = 13,
    TNoAnswer = 14,
    TAnswer = 15,
    TMidCall = 16,
    TDisconnect = 17,
    TAbandon = 18,
}

/// `MiscCallInfo.dpAssignment`.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[rasn(enumerated)]
#[allow(missing_docs)]
pub enum DpAssignment {
    IndividualLine = 0,
    GroupBased = 1,
    OfficeBased = 2,
}

/// `MiscCallInfo`.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MiscCallInfo {
    /// `messageType [0]`.
    #[rasn(tag(context, 0))]
    pub message_type: MessageType,
    /// `dpAssignment [1]`.
    #[rasn(tag(context, 1))]
    pub dp_assignment: Option<DpAssignment>,
}

/// `BearerCapability`: Q.763 user service information or a transmission medium requirement,
/// both kept raw.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
#[rasn(choice)]
pub enum BearerCapability {
    /// `bearerCap [0]`: ISUP user service information (Q.763 §3.57), raw.
    #[rasn(tag(context, 0))]
    BearerCap(OctetString),
    /// `tmr [1]`: transmission medium requirement (Q.763 §3.54), one octet.
    #[rasn(tag(context, 1))]
    Tmr(OctetString),
}

/// `TerminalType`.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[rasn(enumerated)]
#[allow(missing_docs)]
pub enum TerminalType {
    Unknown = 0,
    DialPulse = 1,
    Dtmf = 2,
    Isdn = 3,
    IsdnNoDtmf = 4,
    Spare = 16,
}

/// `TriggerType`.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[rasn(enumerated)]
#[allow(missing_docs)]
pub enum TriggerType {
    FeatureActivation = 0,
    VerticalServiceCode = 1,
    CustomizedAccess = 2,
    CustomizedIntercom = 3,
    EmergencyService = 12,
    AFR = 13,
    SharedIoTrunk = 14,
    OffHookDelay = 17,
    ChannelSetupPri = 18,
    TNoAnswer = 25,
    TBusy = 26,
    OCalledPartyBusy = 27,
    ONoAnswer = 29,
    OriginationAttemptAuthorized = 30,
    OAnswer = 31,
    ODisconnect = 32,
    TermAttemptAuthorized = 33,
    TAnswer = 34,
    TDisconnect = 35,
}

/// `ForwardingCondition` of Connect.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[rasn(enumerated)]
#[allow(missing_docs)]
pub enum ForwardingCondition {
    Busy = 0,
    NoAnswer = 1,
    Any = 2,
}

/// `DPSpecificCriteria`.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[rasn(choice)]
pub enum DpSpecificCriteria {
    /// `numberOfDigits [0] NumberOfDigits` (1..255).
    #[rasn(tag(context, 0))]
    NumberOfDigits(u8),
    /// `applicationTimer [1] ApplicationTimer` (0..2047 seconds): the no-answer timer.
    #[rasn(tag(context, 1))]
    ApplicationTimer(u16),
}

/// `BCSMEvent`: one detection point to arm or disarm in RequestReportBCSMEvent.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
pub struct BcsmEvent {
    /// `eventTypeBCSM [0]`.
    #[rasn(tag(context, 0))]
    pub event_type_bcsm: EventTypeBcsm,
    /// `monitorMode [1]`.
    #[rasn(tag(context, 1))]
    pub monitor_mode: MonitorMode,
    /// `legID [2]`.
    #[rasn(tag(explicit(context, 2)))]
    pub leg_id: Option<LegId>,
    /// `dPSpecificCriteria [30]`.
    #[rasn(tag(explicit(context, 30)))]
    pub dp_specific_criteria: Option<DpSpecificCriteria>,
}

/// `collectedInfoSpecificInfo` / `analyzedInfoSpecificInfo`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
pub struct CalledPartySpecificInfo {
    /// `calledPartynumber [0]`: ISUP called party number.
    #[rasn(tag(context, 0))]
    pub called_partynumber: OctetString,
}

/// A specific-info SEQUENCE with an optional cause at `[0]` (route select failure, busy).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CauseSpecificInfo {
    /// `failureCause [0]` / `busyCause [0]`: Q.850 cause.
    #[rasn(tag(context, 0))]
    pub cause: Option<OctetString>,
}

/// An empty specific-info SEQUENCE (no answer, answer).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct EmptySpecificInfo {}

/// `oMidCallSpecificInfo` / `tMidCallSpecificInfo`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct MidCallSpecificInfo {
    /// `connectTime [0] Integer4`.
    #[rasn(tag(context, 0))]
    pub connect_time: Option<u32>,
}

/// `oDisconnectSpecificInfo` / `tDisconnectSpecificInfo`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct DisconnectSpecificInfo {
    /// `releaseCause [0]`: Q.850 cause.
    #[rasn(tag(context, 0))]
    pub release_cause: Option<OctetString>,
    /// `connectTime [1] Integer4`.
    #[rasn(tag(context, 1))]
    pub connect_time: Option<u32>,
}

/// `EventSpecificInformationBCSM`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
#[rasn(choice)]
#[allow(missing_docs)]
pub enum EventSpecificInformationBcsm {
    #[rasn(tag(context, 0))]
    CollectedInfoSpecificInfo(CalledPartySpecificInfo),
    #[rasn(tag(context, 1))]
    AnalyzedInfoSpecificInfo(CalledPartySpecificInfo),
    #[rasn(tag(context, 2))]
    RouteSelectFailureSpecificInfo(CauseSpecificInfo),
    #[rasn(tag(context, 3))]
    OCalledPartyBusySpecificInfo(CauseSpecificInfo),
    #[rasn(tag(context, 4))]
    ONoAnswerSpecificInfo(EmptySpecificInfo),
    #[rasn(tag(context, 5))]
    OAnswerSpecificInfo(EmptySpecificInfo),
    #[rasn(tag(context, 6))]
    OMidCallSpecificInfo(MidCallSpecificInfo),
    #[rasn(tag(context, 7))]
    ODisconnectSpecificInfo(DisconnectSpecificInfo),
    #[rasn(tag(context, 8))]
    TBusySpecificInfo(CauseSpecificInfo),
    #[rasn(tag(context, 9))]
    TNoAnswerSpecificInfo(EmptySpecificInfo),
    #[rasn(tag(context, 10))]
    TAnswerSpecificInfo(EmptySpecificInfo),
    #[rasn(tag(context, 11))]
    TMidCallSpecificInfo(MidCallSpecificInfo),
    #[rasn(tag(context, 12))]
    TDisconnectSpecificInfo(DisconnectSpecificInfo),
}

/// `RequestedInformationType`.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[rasn(enumerated)]
#[allow(missing_docs)]
pub enum RequestedInformationType {
    CallAttemptElapsedTime = 0,
    CallStopTime = 1,
    CallConnectedElapsedTime = 2,
    CalledAddress = 3,
    ReleaseCause = 30,
}

/// `RequestedInformationValue`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
#[rasn(choice)]
pub enum RequestedInformationValue {
    /// `callAttemptElapsedTimeValue [0] INTEGER (0..255)`, seconds.
    #[rasn(tag(context, 0))]
    CallAttemptElapsedTimeValue(u8),
    /// `callStopTimeValue [1] DateAndTime`: six octets YYMMDDhhmmss in BCD.
    #[rasn(tag(context, 1))]
    CallStopTimeValue(OctetString),
    /// `callConnectedElapsedTimeValue [2] Integer4`, in 100 ms units.
    #[rasn(tag(context, 2))]
    CallConnectedElapsedTimeValue(u32),
    /// `calledAddressValue [3] Digits`: an ISUP generic number.
    #[rasn(tag(context, 3))]
    CalledAddressValue(OctetString),
    /// `releaseCauseValue [30] Cause`.
    #[rasn(tag(context, 30))]
    ReleaseCauseValue(OctetString),
}

/// `RequestedInformation`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestedInformation {
    /// `requestedInformationType [0]`.
    #[rasn(tag(context, 0))]
    pub requested_information_type: RequestedInformationType,
    /// `requestedInformationValue [1]`.
    #[rasn(tag(explicit(context, 1)))]
    pub requested_information_value: RequestedInformationValue,
}

/// `VariablePart` of a variable message.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
#[rasn(choice)]
pub enum VariablePart {
    /// `integer [0] Integer4`.
    #[rasn(tag(context, 0))]
    Integer(u32),
    /// `number [1] Digits`: generic digits.
    #[rasn(tag(context, 1))]
    Number(OctetString),
    /// `time [2]`: two octets, BCD hhmm.
    #[rasn(tag(context, 2))]
    Time(OctetString),
    /// `date [3]`: three octets, BCD yymmdd.
    #[rasn(tag(context, 3))]
    Date(OctetString),
    /// `price [4]`: four octets, BCD.
    #[rasn(tag(context, 4))]
    Price(OctetString),
}

/// `MessageID.variableMessage`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
pub struct VariableMessage {
    /// `elementaryMessageID [0] Integer4`.
    #[rasn(tag(context, 0))]
    pub elementary_message_id: u32,
    /// `variableParts [1] SEQUENCE SIZE (1..5) OF VariablePart`.
    #[rasn(tag(context, 1))]
    pub variable_parts: Vec<VariablePart>,
}

/// `MessageID`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
#[rasn(choice)]
pub enum MessageId {
    /// `elementaryMessageID [0] Integer4`.
    #[rasn(tag(context, 0))]
    ElementaryMessageId(u32),
    /// `text [1]`.
    #[rasn(tag(context, 1))]
    Text(MessageText),
    /// `elementaryMessageIDs [29] SEQUENCE OF Integer4`.
    #[rasn(tag(context, 29))]
    ElementaryMessageIds(Vec<u32>),
    /// `variableMessage [30]`.
    #[rasn(tag(context, 30))]
    VariableMessage(VariableMessage),
}

/// `InbandInfo`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
pub struct InbandInfo {
    /// `messageID [0]`.
    #[rasn(tag(explicit(context, 0)))]
    pub message_id: MessageId,
    /// `numberOfRepetitions [1] INTEGER (1..127)`.
    #[rasn(tag(context, 1))]
    pub number_of_repetitions: Option<u8>,
    /// `duration [2] INTEGER (0..32767)`, seconds.
    #[rasn(tag(context, 2))]
    pub duration: Option<u16>,
    /// `interval [3] INTEGER (0..32767)`, seconds.
    #[rasn(tag(context, 3))]
    pub interval: Option<u16>,
}

/// `InformationToSend`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
#[rasn(choice)]
pub enum InformationToSend {
    /// `inbandInfo [0]`.
    #[rasn(tag(context, 0))]
    InbandInfo(InbandInfo),
    /// `tone [1]`.
    #[rasn(tag(context, 1))]
    Tone(Tone),
    /// `displayInformation [2] IA5String`.
    #[rasn(tag(context, 2))]
    DisplayInformation(Ia5String),
}

/// `ErrorTreatment`.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[rasn(enumerated)]
#[allow(missing_docs)]
pub enum ErrorTreatment {
    #[default]
    ReportErrorToScf = 0,
    Help = 1,
    RepeatPrompt = 2,
}

/// `CollectedDigits`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
pub struct CollectedDigits {
    /// `minimumNbOfDigits [0] INTEGER (1..127) DEFAULT 1`.
    #[rasn(tag(context, 0), default = "one")]
    pub minimum_nb_of_digits: u8,
    /// `maximumNbOfDigits [1] INTEGER (1..127)`.
    #[rasn(tag(context, 1))]
    pub maximum_nb_of_digits: u8,
    /// `endOfReplyDigit [2] OCTET STRING (SIZE (1..2))`.
    #[rasn(tag(context, 2))]
    pub end_of_reply_digit: Option<OctetString>,
    /// `cancelDigit [3]`.
    #[rasn(tag(context, 3))]
    pub cancel_digit: Option<OctetString>,
    /// `startDigit [4]`.
    #[rasn(tag(context, 4))]
    pub start_digit: Option<OctetString>,
    /// `firstDigitTimeOut [5] INTEGER (1..127)`, seconds.
    #[rasn(tag(context, 5))]
    pub first_digit_time_out: Option<u8>,
    /// `interDigitTimeOut [6] INTEGER (1..127)`, seconds.
    #[rasn(tag(context, 6))]
    pub inter_digit_time_out: Option<u8>,
    /// `errorTreatment [7] DEFAULT reportErrorToScf`.
    #[rasn(tag(context, 7), default)]
    pub error_treatment: ErrorTreatment,
    /// `interruptableAnnInd [8] BOOLEAN DEFAULT TRUE`.
    #[rasn(tag(context, 8), default = "yes")]
    pub interruptable_ann_ind: bool,
    /// `voiceInformation [9] BOOLEAN DEFAULT FALSE`.
    #[rasn(tag(context, 9), default)]
    pub voice_information: bool,
    /// `voiceBack [10] BOOLEAN DEFAULT FALSE`.
    #[rasn(tag(context, 10), default)]
    pub voice_back: bool,
}

pub(crate) fn one() -> u8 {
    1
}

pub(crate) fn yes() -> bool {
    true
}

impl CollectedDigits {
    /// Collect between `min` and `max` digits, everything else at its default.
    pub fn new(min: u8, max: u8) -> Self {
        CollectedDigits {
            minimum_nb_of_digits: min,
            maximum_nb_of_digits: max,
            end_of_reply_digit: None,
            cancel_digit: None,
            start_digit: None,
            first_digit_time_out: None,
            inter_digit_time_out: None,
            error_treatment: ErrorTreatment::ReportErrorToScf,
            interruptable_ann_ind: true,
            voice_information: false,
            voice_back: false,
        }
    }
}

/// `CollectedInfo`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
#[rasn(choice)]
pub enum CollectedInfo {
    /// `collectedDigits [0]`.
    #[rasn(tag(context, 0))]
    CollectedDigits(CollectedDigits),
    /// `iA5Information [1] BOOLEAN`.
    #[rasn(tag(context, 1))]
    Ia5Information(bool),
}

/// `ConnectToResourceArg.resourceAddress`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
#[rasn(choice)]
pub enum ResourceAddress {
    /// `ipRoutingAddress [0]`: ISUP called party number of the IP.
    #[rasn(tag(context, 0))]
    IpRoutingAddress(OctetString),
    /// `legID [1]`.
    #[rasn(tag(explicit(context, 1)))]
    LegId(LegId),
    /// `both [2]`.
    #[rasn(tag(context, 2))]
    Both(IpRoutingAndLeg),
    /// `none [3] NULL`: the SSP's own (on-switch) resource.
    #[rasn(tag(context, 3))]
    None(()),
}

/// `resourceAddress.both`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
pub struct IpRoutingAndLeg {
    /// `ipRoutingAddress [0]`.
    #[rasn(tag(context, 0))]
    pub ip_routing_address: OctetString,
    /// `legID [1]`.
    #[rasn(tag(explicit(context, 1)))]
    pub leg_id: LegId,
}
