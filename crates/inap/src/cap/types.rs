//! CAP operation arguments and results as rasn types (3GPP TS 29.078 §6 and §7; GSM 09.78 for
//! CAP v2), with the module's IMPLICIT TAGS.
//!
//! One type per argument holds the union of the fields of CAP v2, v3 and v4 wherever the three
//! versions use the same tag for the same thing; where they differ in layout there is one type
//! per form (`InitialDpArgExtensionV2` / `InitialDpArgExtension`,
//! `EstablishTemporaryConnectionArgV2` / `EstablishTemporaryConnectionArg`, `ReleaseCallArg`,
//! `SpecializedResourceReportArg`). Which fields a version may carry is applied by
//! [`super::CapArgument::encode_argument`] and after decoding; each field's doc names the
//! version that introduced it when that is not v2.
//!
//! Number and cause parameters (ISUP / Q.850 / MAP formats) stay `OCTET STRING` here.

use rasn::prelude::*;

use super::raw::RawConstructed;

pub use crate::common::{
    CancelFailedParam, CancelProblem, CgEncountered, CriticalityType, LegId, MessageText,
    MessageType, MonitorMode, RequestedInfoErrorParam, TaskRefusedParam, TimerId, Tone,
    UnavailableNetworkResource,
};

/// `CriticalityType` under the name this module has always used for it.
pub use crate::common::CriticalityType as Criticality;

/// `LegType ::= OCTET STRING (SIZE(1))`: `'01'H` leg 1, `'02'H` leg 2.
pub type LegType = OctetString;

/// Leg 1 (`'01'H`).
pub fn leg1() -> LegType {
    OctetString::from_static(&[1])
}

/// Leg 2 (`'02'H`).
pub fn leg2() -> LegType {
    OctetString::from_static(&[2])
}

/// `SendingSideID ::= CHOICE { sendingSideID [0] LegType }`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum SendingSideId {
    /// `[0]`
    #[rasn(tag(context, 0))]
    SendingSideId(LegType),
}

/// `ReceivingSideID ::= CHOICE { receivingSideID [1] LegType }`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum ReceivingSideId {
    /// `[1]`
    #[rasn(tag(context, 1))]
    ReceivingSideId(LegType),
}

/// `EXTENSION.&id`: `CHOICE { local INTEGER, global OBJECT IDENTIFIER }`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum ExtensionId {
    /// local
    Local(i64),
    /// global
    Global(ObjectIdentifier),
}

/// `ExtensionField ::= SEQUENCE { type, criticality DEFAULT ignore, value [1] }`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct ExtensionField {
    /// The extension's identifier.
    pub extension_type: ExtensionId,
    /// Absent means `ignore`.
    pub criticality: Option<Criticality>,
    /// `[1]` the value, kept raw (the encoding inside the `[1]` wrapper).
    #[rasn(tag(context, 1))]
    pub value: RawConstructed,
}

/// `Extensions ::= SEQUENCE SIZE(1..numOfExtensions) OF ExtensionField`.
pub type Extensions = Vec<ExtensionField>;

/// `EventTypeBCSM` (TS 29.078 CAP-datatypes). v2 knows 2..7, 9, 10, 12..15, 17, 18; v3 adds the
/// mid-call events (8, 16); v4 adds 19, 27 and 50..53.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[rasn(enumerated)]
#[allow(missing_docs)]
pub enum EventTypeBcsm {
    CollectedInfo = 2,
    AnalyzedInformation = 3,
    RouteSelectFailure = 4,
    OCalledPartyBusy = 5,
    ONoAnswer = 6,
    OAnswer = 7,
    OMidCall = 8,
    ODisconnect = 9,
    OAbandon = 10,
    TermAttemptAuthorized = 12,
    TBusy = 13,
    TNoAnswer = 14,
    TAnswer = 15,
    TMidCall = 16,
    TDisconnect = 17,
    TAbandon = 18,
    OTermSeized = 19,
    CallAccepted = 27,
    OChangeOfPosition = 50,
    TChangeOfPosition = 51,
    OServiceChange = 52,
    TServiceChange = 53,
}

/// `BearerCapability ::= CHOICE { bearerCap [0] OCTET STRING (SIZE(2..11)) }` (Q.931 IE
/// contents).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum BearerCapability {
    /// `[0]`
    #[rasn(tag(context, 0))]
    BearerCap(OctetString),
}

/// `InitialDPArg` (operation 0). Numbers are the ISUP / MAP encodings as received.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct InitialDpArg {
    /// `[0]` serviceKey.
    #[rasn(tag(context, 0))]
    pub service_key: u32,
    /// `[2]` ISUP Called Party Number.
    #[rasn(tag(context, 2))]
    pub called_party_number: Option<OctetString>,
    /// `[3]` ISUP Calling Party Number.
    #[rasn(tag(context, 3))]
    pub calling_party_number: Option<OctetString>,
    /// `[5]` ISUP Calling Party's Category (one octet).
    #[rasn(tag(context, 5))]
    pub calling_partys_category: Option<OctetString>,
    /// `[7]`
    #[rasn(tag(context, 7))]
    pub cg_encountered: Option<CgEncountered>,
    /// `[8]`
    #[rasn(tag(context, 8))]
    pub ipssp_capabilities: Option<OctetString>,
    /// `[10]` ISUP Location Number.
    #[rasn(tag(context, 10))]
    pub location_number: Option<OctetString>,
    /// `[12]` ISUP Original Called Number.
    #[rasn(tag(context, 12))]
    pub original_called_party_id: Option<OctetString>,
    /// `[15]`
    #[rasn(tag(context, 15))]
    pub extensions: Option<Extensions>,
    /// `[23]`
    #[rasn(tag(context, 23))]
    pub high_layer_compatibility: Option<OctetString>,
    /// `[25]` ISUP Generic Number (additional calling party number).
    #[rasn(tag(context, 25))]
    pub additional_calling_party_number: Option<OctetString>,
    /// `[27]`
    #[rasn(tag(explicit(context, 27)))]
    pub bearer_capability: Option<BearerCapability>,
    /// `[28]`
    #[rasn(tag(context, 28))]
    pub event_type_bcsm: Option<EventTypeBcsm>,
    /// `[29]` ISUP Redirecting Number.
    #[rasn(tag(context, 29))]
    pub redirecting_party_id: Option<OctetString>,
    /// `[30]` ISUP Redirection Information.
    #[rasn(tag(context, 30))]
    pub redirection_information: Option<OctetString>,
    /// `[17]` Q.850 cause (v3).
    #[rasn(tag(context, 17))]
    pub cause: Option<OctetString>,
    /// `[32]` ServiceInteractionIndicatorsTwo, raw contents (v3).
    #[rasn(tag(context, 32))]
    pub service_interaction_indicators_two: Option<RawConstructed>,
    /// `[37]` (v3).
    #[rasn(tag(context, 37))]
    pub carrier: Option<OctetString>,
    /// `[45]` (v3).
    #[rasn(tag(context, 45))]
    pub cug_index: Option<u16>,
    /// `[46]` (v3).
    #[rasn(tag(context, 46))]
    pub cug_interlock: Option<OctetString>,
    /// `[47]` (v3).
    #[rasn(tag(context, 47))]
    pub cug_outgoing_access: Option<()>,
    /// `[50]` TBCD IMSI.
    #[rasn(tag(context, 50))]
    pub imsi: Option<OctetString>,
    /// `[51]` MAP SubscriberState (a CHOICE, explicitly tagged): the inner element, raw.
    #[rasn(tag(context, 51))]
    pub subscriber_state: Option<RawConstructed>,
    /// `[52]` MAP LocationInformation, raw contents.
    #[rasn(tag(context, 52))]
    pub location_information: Option<RawConstructed>,
    /// `[53]` MAP Ext-BasicServiceCode (a CHOICE): the inner element, raw.
    #[rasn(tag(context, 53))]
    pub ext_basic_service_code: Option<RawConstructed>,
    /// `[54]` MAP CallReferenceNumber.
    #[rasn(tag(context, 54))]
    pub call_reference_number: Option<OctetString>,
    /// `[55]` MAP ISDN-AddressString of the MSC.
    #[rasn(tag(context, 55))]
    pub msc_address: Option<OctetString>,
    /// `[56]` Called Party BCD Number (TS 24.008 §10.5.4.7 contents).
    #[rasn(tag(context, 56))]
    pub called_party_bcd_number: Option<OctetString>,
    /// `[57]` TimeAndTimezone (8 octets).
    #[rasn(tag(context, 57))]
    pub time_and_timezone: Option<OctetString>,
    /// `[58]` gsm-ForwardingPending (v2) / callForwardingSS-Pending (v3, v4).
    #[rasn(tag(context, 58))]
    pub call_forwarding_ss_pending: Option<()>,
    /// `[59]` InitialDPArgExtension contents: the v2 and the v3/v4 layouts differ, so it is
    /// kept raw here and read with [`InitialDpArgExtensionV2`] or [`InitialDpArgExtension`].
    #[rasn(tag(context, 59))]
    pub initial_dp_arg_extension: Option<RawConstructed>,
}

/// CAP v2 `InitialDPArgExtension` (GSM 09.78).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct InitialDpArgExtensionV2 {
    /// `[0]` NACarrierInformation, raw contents.
    #[rasn(tag(context, 0))]
    pub na_carrier_information: Option<RawConstructed>,
    /// `[1]` GMSC address (ISDN-AddressString).
    #[rasn(tag(context, 1))]
    pub gmsc_address: Option<OctetString>,
}

/// CAP v3/v4 `InitialDPArgExtension` (TS 29.078). Fields from `[5]` on that are v4 are noted.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct InitialDpArgExtension {
    /// `[0]` GMSC address (ISDN-AddressString).
    #[rasn(tag(context, 0))]
    pub gmsc_address: Option<OctetString>,
    /// `[1]` ISUP Called Party Number.
    #[rasn(tag(context, 1))]
    pub forwarding_destination_number: Option<OctetString>,
    /// `[2]`
    #[rasn(tag(context, 2))]
    pub ms_classmark2: Option<OctetString>,
    /// `[3]`
    #[rasn(tag(context, 3))]
    pub imei: Option<OctetString>,
    /// `[4]` SupportedCamelPhases.
    #[rasn(tag(context, 4))]
    pub supported_camel_phases: Option<BitString>,
    /// `[5]` OfferedCamel4Functionalities (v4).
    #[rasn(tag(context, 5))]
    pub offered_camel4_functionalities: Option<BitString>,
    /// `[6]`
    #[rasn(tag(explicit(context, 6)))]
    pub bearer_capability2: Option<BearerCapability>,
    /// `[7]` Ext-BasicServiceCode (a CHOICE): the inner element, raw.
    #[rasn(tag(context, 7))]
    pub ext_basic_service_code2: Option<RawConstructed>,
    /// `[8]`
    #[rasn(tag(context, 8))]
    pub high_layer_compatibility2: Option<OctetString>,
    /// `[9]`
    #[rasn(tag(context, 9))]
    pub low_layer_compatibility: Option<OctetString>,
    /// `[10]`
    #[rasn(tag(context, 10))]
    pub low_layer_compatibility2: Option<OctetString>,
    /// `[11]` (v4)
    #[rasn(tag(context, 11))]
    pub enhanced_dialled_services_allowed: Option<()>,
    /// `[12]` UU-Data, raw contents (v4).
    #[rasn(tag(context, 12))]
    pub uu_data: Option<RawConstructed>,
    /// `[13]` (v4)
    #[rasn(tag(context, 13))]
    pub collect_information_allowed: Option<()>,
    /// `[14]` (v4)
    #[rasn(tag(context, 14))]
    pub release_call_arg_extension_allowed: Option<()>,
}

/// `ConnectArg` (operation 20).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectArg {
    /// `[0]` SEQUENCE SIZE(1) OF ISUP Called Party Number.
    #[rasn(tag(context, 0))]
    pub destination_routing_address: Vec<OctetString>,
    /// `[1]`
    #[rasn(tag(context, 1))]
    pub alerting_pattern: Option<OctetString>,
    /// `[6]` ISUP Original Called Number.
    #[rasn(tag(context, 6))]
    pub original_called_party_id: Option<OctetString>,
    /// `[10]`
    #[rasn(tag(context, 10))]
    pub extensions: Option<Extensions>,
    /// `[11]` (v3).
    #[rasn(tag(context, 11))]
    pub carrier: Option<OctetString>,
    /// `[28]`
    #[rasn(tag(context, 28))]
    pub calling_partys_category: Option<OctetString>,
    /// `[29]` ISUP Redirecting Number.
    #[rasn(tag(context, 29))]
    pub redirecting_party_id: Option<OctetString>,
    /// `[30]` ISUP Redirection Information.
    #[rasn(tag(context, 30))]
    pub redirection_information: Option<OctetString>,
    /// `[14]` SET OF ISUP Generic Number.
    #[rasn(tag(context, 14))]
    pub generic_numbers: Option<SetOf<OctetString>>,
    /// `[15]` ServiceInteractionIndicatorsTwo, raw contents (v3).
    #[rasn(tag(context, 15))]
    pub service_interaction_indicators_two: Option<RawConstructed>,
    /// `[19]` (v3).
    #[rasn(tag(context, 19))]
    pub charge_number: Option<OctetString>,
    /// `[21]` (v4).
    #[rasn(tag(explicit(context, 21)))]
    pub leg_to_be_connected: Option<LegId>,
    /// `[31]` (v3).
    #[rasn(tag(context, 31))]
    pub cug_interlock: Option<OctetString>,
    /// `[32]` (v3).
    #[rasn(tag(context, 32))]
    pub cug_outgoing_access: Option<()>,
    /// `[55]`
    #[rasn(tag(context, 55))]
    pub suppression_of_announcement: Option<()>,
    /// `[56]`
    #[rasn(tag(context, 56))]
    pub o_csi_applicable: Option<()>,
    /// `[57]` naOliInfo (v3; in v2 this tag is the NA-Info SEQUENCE, not supported).
    #[rasn(tag(context, 57))]
    pub na_oli_info: Option<OctetString>,
    /// `[58]` (v4).
    #[rasn(tag(context, 58))]
    pub bor_interrogation_requested: Option<()>,
    /// `[59]` (v4).
    #[rasn(tag(context, 59))]
    pub suppress_n_csi: Option<()>,
}

/// `AllCallSegmentsWithExtension` (v4 ReleaseCallArg alternative `[2]`).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct AllCallSegmentsWithExtension {
    /// `[0]` Q.850 cause.
    #[rasn(tag(context, 0))]
    pub all_call_segments: OctetString,
    /// `[1]`
    #[rasn(tag(context, 1))]
    pub extensions: Option<Extensions>,
}

/// `ReleaseCallArg` (operation 22). v2 and v3: the Q.850 cause as a bare OCTET STRING. v4: a
/// CHOICE whose first alternative is that same OCTET STRING.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum ReleaseCallArg {
    /// `allCallSegments` (v2, v3: the whole argument).
    AllCallSegments(OctetString),
    /// `[2]` (v4).
    #[rasn(tag(context, 2))]
    AllCallSegmentsWithExtension(AllCallSegmentsWithExtension),
}

/// `DpSpecificCriteria ::= CHOICE`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum DpSpecificCriteria {
    /// `[1]` ApplicationTimer, seconds (0..2047).
    #[rasn(tag(context, 1))]
    ApplicationTimer(u16),
    /// `[2]` MidCallControlInfo, raw contents (v3).
    #[rasn(tag(context, 2))]
    MidCallControlInfo(RawConstructed),
    /// `[3]` DpSpecificCriteriaAlt, raw contents (v4).
    #[rasn(tag(context, 3))]
    DpSpecificCriteriaAlt(RawConstructed),
}

/// `BCSMEvent ::= SEQUENCE`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct BcsmEvent {
    /// `[0]`
    #[rasn(tag(context, 0))]
    pub event_type_bcsm: EventTypeBcsm,
    /// `[1]`
    #[rasn(tag(context, 1))]
    pub monitor_mode: MonitorMode,
    /// `[2]`
    #[rasn(tag(explicit(context, 2)))]
    pub leg_id: Option<LegId>,
    /// `[30]`
    #[rasn(tag(explicit(context, 30)))]
    pub dp_specific_criteria: Option<DpSpecificCriteria>,
    /// `[50]` (v4).
    #[rasn(tag(context, 50))]
    pub automatic_rearm: Option<()>,
}

/// `RequestReportBCSMEventArg` (operation 23).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestReportBcsmEventArg {
    /// `[0]` SEQUENCE SIZE(1..numOfBCSMEvents) OF BCSMEvent.
    #[rasn(tag(context, 0))]
    pub bcsm_events: Vec<BcsmEvent>,
    /// `[2]`
    #[rasn(tag(context, 2))]
    pub extensions: Option<Extensions>,
}

/// A specific-info SEQUENCE carrying one optional cause at `[0]`
/// (routeSelectFailure, o/tCalledPartyBusy, o/tDisconnect).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct CauseInfo {
    /// `[0]` Q.850 cause.
    #[rasn(tag(context, 0))]
    pub cause: Option<OctetString>,
}

/// `tBusySpecificInfo`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct TBusySpecificInfo {
    /// `[0]` Q.850 cause.
    #[rasn(tag(context, 0))]
    pub busy_cause: Option<OctetString>,
    /// `[50]`
    #[rasn(tag(context, 50))]
    pub call_forwarded: Option<()>,
    /// `[51]` (v3).
    #[rasn(tag(context, 51))]
    pub route_not_permitted: Option<()>,
    /// `[52]` (v4).
    #[rasn(tag(context, 52))]
    pub forwarding_destination_number: Option<OctetString>,
}

/// `tNoAnswerSpecificInfo`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct TNoAnswerSpecificInfo {
    /// `[50]`
    #[rasn(tag(context, 50))]
    pub call_forwarded: Option<()>,
    /// `[52]` (v4).
    #[rasn(tag(context, 52))]
    pub forwarding_destination_number: Option<OctetString>,
}

/// `oAnswerSpecificInfo` / `tAnswerSpecificInfo` (empty in v2; fields v3/v4).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct AnswerSpecificInfo {
    /// `[50]` ISUP Called Party Number.
    #[rasn(tag(context, 50))]
    pub destination_address: Option<OctetString>,
    /// `[51]`
    #[rasn(tag(context, 51))]
    pub or_call: Option<()>,
    /// `[52]`
    #[rasn(tag(context, 52))]
    pub forwarded_call: Option<()>,
    /// `[53]`
    #[rasn(tag(context, 53))]
    pub charge_indicator: Option<OctetString>,
    /// `[54]` Ext-BasicServiceCode (a CHOICE): inner element raw.
    #[rasn(tag(context, 54))]
    pub ext_basic_service_code: Option<RawConstructed>,
    /// `[55]` Ext-BasicServiceCode (a CHOICE): inner element raw.
    #[rasn(tag(context, 55))]
    pub ext_basic_service_code2: Option<RawConstructed>,
}

/// `oAbandonSpecificInfo` (v4).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct OAbandonSpecificInfo {
    /// `[50]`
    #[rasn(tag(context, 50))]
    pub route_not_permitted: Option<()>,
}

/// An empty specific-info SEQUENCE (oNoAnswerSpecificInfo).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct EmptyInfo {}

/// `EventSpecificInformationBCSM ::= CHOICE`. Alternatives the SCP does not interpret are kept
/// raw.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
#[allow(missing_docs)]
pub enum EventSpecificInformationBcsm {
    #[rasn(tag(context, 2))]
    RouteSelectFailureSpecificInfo(CauseInfo),
    #[rasn(tag(context, 3))]
    OCalledPartyBusySpecificInfo(CauseInfo),
    #[rasn(tag(context, 4))]
    ONoAnswerSpecificInfo(EmptyInfo),
    #[rasn(tag(context, 5))]
    OAnswerSpecificInfo(AnswerSpecificInfo),
    /// `[6]` (v3), raw contents.
    #[rasn(tag(context, 6))]
    OMidCallSpecificInfo(RawConstructed),
    #[rasn(tag(context, 7))]
    ODisconnectSpecificInfo(CauseInfo),
    #[rasn(tag(context, 8))]
    TBusySpecificInfo(TBusySpecificInfo),
    #[rasn(tag(context, 9))]
    TNoAnswerSpecificInfo(TNoAnswerSpecificInfo),
    #[rasn(tag(context, 10))]
    TAnswerSpecificInfo(AnswerSpecificInfo),
    /// `[11]` (v3), raw contents.
    #[rasn(tag(context, 11))]
    TMidCallSpecificInfo(RawConstructed),
    #[rasn(tag(context, 12))]
    TDisconnectSpecificInfo(CauseInfo),
    /// `[13]` (v4), raw contents.
    #[rasn(tag(context, 13))]
    OTermSeizedSpecificInfo(RawConstructed),
    /// `[20]` (v4), raw contents.
    #[rasn(tag(context, 20))]
    CallAcceptedSpecificInfo(RawConstructed),
    /// `[21]` (v4).
    #[rasn(tag(context, 21))]
    OAbandonSpecificInfo(OAbandonSpecificInfo),
    /// `[50]` (v4), raw contents.
    #[rasn(tag(context, 50))]
    OChangeOfPositionSpecificInfo(RawConstructed),
    /// `[51]` (v4), raw contents.
    #[rasn(tag(context, 51))]
    TChangeOfPositionSpecificInfo(RawConstructed),
    /// `[52]` (v4), raw contents.
    #[rasn(tag(context, 52))]
    DpSpecificInfoAlt(RawConstructed),
}

/// `MiscCallInfo ::= SEQUENCE { messageType [0], dpAssignment [1] OPTIONAL }` (CS-2).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct MiscCallInfo {
    /// `[0]`
    #[rasn(tag(context, 0))]
    pub message_type: MessageType,
    /// `[1]` dpAssignment: individualLine(0), groupBased(1), officeBased(2).
    #[rasn(tag(context, 1))]
    pub dp_assignment: Option<Enumerated3>,
}

/// A three-valued ENUMERATED (values 0..2) used for `dpAssignment`.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(enumerated)]
#[allow(missing_docs)]
pub enum Enumerated3 {
    IndividualLine = 0,
    GroupBased = 1,
    OfficeBased = 2,
}

/// `EventReportBCSMArg` (operation 24).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct EventReportBcsmArg {
    /// `[0]`
    #[rasn(tag(context, 0))]
    pub event_type_bcsm: EventTypeBcsm,
    /// `[2]`
    #[rasn(tag(explicit(context, 2)))]
    pub event_specific_information_bcsm: Option<EventSpecificInformationBcsm>,
    /// `[3]` the leg the event was detected on.
    #[rasn(tag(explicit(context, 3)))]
    pub leg_id: Option<ReceivingSideId>,
    /// `[4]` absent means `messageType request`.
    #[rasn(tag(context, 4))]
    pub misc_call_info: Option<MiscCallInfo>,
    /// `[5]`
    #[rasn(tag(context, 5))]
    pub extensions: Option<Extensions>,
}

/// `SendChargingInformationArg` (operation 46).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct SendChargingInformationArg {
    /// `[0]` the encoding of `CAMEL-SCIBillingChargingCharacteristics`
    /// (see [`super::charging::ScicBillingChargingCharacteristics`]).
    #[rasn(tag(context, 0))]
    pub sci_billing_charging_characteristics: OctetString,
    /// `[1]`
    #[rasn(tag(explicit(context, 1)))]
    pub party_to_charge: SendingSideId,
    /// `[2]`
    #[rasn(tag(context, 2))]
    pub extensions: Option<Extensions>,
}

/// `AChChargingAddress ::= CHOICE` (v4).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum AchChargingAddress {
    /// `[2]` LegID.
    #[rasn(tag(explicit(context, 2)))]
    LegId(LegId),
    /// `[50]` CallSegmentID.
    #[rasn(tag(context, 50))]
    SrfConnection(u8),
}

/// `ApplyChargingArg` (operation 35).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct ApplyChargingArg {
    /// `[0]` the encoding of `CAMEL-AChBillingChargingCharacteristics`
    /// (see [`super::charging::AchBillingChargingCharacteristics`]).
    #[rasn(tag(context, 0))]
    pub ach_billing_charging_characteristics: OctetString,
    /// `[2]` absent means leg 1.
    #[rasn(tag(explicit(context, 2)))]
    pub party_to_charge: Option<SendingSideId>,
    /// `[3]`
    #[rasn(tag(context, 3))]
    pub extensions: Option<Extensions>,
    /// `[50]` (v4) absent means leg 1.
    #[rasn(tag(explicit(context, 50)))]
    pub ach_charging_address: Option<AchChargingAddress>,
}

/// `RequestedInformationType ::= ENUMERATED`.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[rasn(enumerated)]
#[allow(missing_docs)]
pub enum RequestedInformationType {
    CallAttemptElapsedTime = 0,
    CallStopTime = 1,
    CallConnectedElapsedTime = 2,
    ReleaseCause = 30,
}

/// `CallInformationRequestArg` (operation 45).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct CallInformationRequestArg {
    /// `[0]` SEQUENCE SIZE(1..4) OF RequestedInformationType.
    #[rasn(tag(context, 0))]
    pub requested_information_type_list: Vec<RequestedInformationType>,
    /// `[2]`
    #[rasn(tag(context, 2))]
    pub extensions: Option<Extensions>,
    /// `[3]` absent means leg 2.
    #[rasn(tag(explicit(context, 3)))]
    pub leg_id: Option<SendingSideId>,
}

/// `RequestedInformationValue ::= CHOICE`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum RequestedInformationValue {
    /// `[0]` seconds, 0..255.
    #[rasn(tag(context, 0))]
    CallAttemptElapsedTimeValue(u8),
    /// `[1]` DateAndTime (7 octets, BCD).
    #[rasn(tag(context, 1))]
    CallStopTimeValue(OctetString),
    /// `[2]` Integer4, 100 ms units.
    #[rasn(tag(context, 2))]
    CallConnectedElapsedTimeValue(u32),
    /// `[30]` Q.850 cause.
    #[rasn(tag(context, 30))]
    ReleaseCauseValue(OctetString),
}

/// `RequestedInformation ::= SEQUENCE`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct RequestedInformation {
    /// `[0]`
    #[rasn(tag(context, 0))]
    pub requested_information_type: RequestedInformationType,
    /// `[1]`
    #[rasn(tag(explicit(context, 1)))]
    pub requested_information_value: RequestedInformationValue,
}

/// `CallInformationReportArg` (operation 44).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct CallInformationReportArg {
    /// `[0]` SEQUENCE SIZE(1..4) OF RequestedInformation.
    #[rasn(tag(context, 0))]
    pub requested_information_list: Vec<RequestedInformation>,
    /// `[2]`
    #[rasn(tag(context, 2))]
    pub extensions: Option<Extensions>,
    /// `[3]` absent means leg 2.
    #[rasn(tag(explicit(context, 3)))]
    pub leg_id: Option<ReceivingSideId>,
}

/// `DisconnectForwardConnectionWithArgumentArg` (operation 86, v3 and v4).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct DisconnectForwardConnectionWithArgumentArg {
    /// `[1]` CallSegmentID (v4).
    #[rasn(tag(context, 1))]
    pub call_segment_id: Option<u8>,
    /// `[2]`
    #[rasn(tag(context, 2))]
    pub extensions: Option<Extensions>,
}

/// `ConnectToResourceArg` resourceAddress.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum ResourceAddress {
    /// `[0]` ISUP Called Party Number of the resource.
    #[rasn(tag(context, 0))]
    IpRoutingAddress(OctetString),
    /// `[3]` the gsmSSF's own resource.
    #[rasn(tag(context, 3))]
    None(()),
}

/// `ConnectToResourceArg` (operation 19).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct ConnectToResourceArg {
    /// Untagged CHOICE.
    pub resource_address: ResourceAddress,
    /// `[4]`
    #[rasn(tag(context, 4))]
    pub extensions: Option<Extensions>,
    /// `[7]` ServiceInteractionIndicatorsTwo, raw contents.
    #[rasn(tag(context, 7))]
    pub service_interaction_indicators_two: Option<RawConstructed>,
    /// `[50]` CallSegmentID (v4).
    #[rasn(tag(context, 50))]
    pub call_segment_id: Option<u8>,
}

/// CAP v2 `EstablishTemporaryConnectionArg` (GSM 09.78).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct EstablishTemporaryConnectionArgV2 {
    /// `[0]` ISUP Generic Number.
    #[rasn(tag(context, 0))]
    pub assisting_ssp_ip_routing_address: OctetString,
    /// `[1]` Digits.
    #[rasn(tag(context, 1))]
    pub correlation_id: Option<OctetString>,
    /// `[3]`
    #[rasn(tag(context, 3))]
    pub scf_id: Option<OctetString>,
    /// `[4]`
    #[rasn(tag(context, 4))]
    pub extensions: Option<Extensions>,
    /// `[7]` ServiceInteractionIndicatorsTwo, raw contents.
    #[rasn(tag(context, 7))]
    pub service_interaction_indicators_two: Option<RawConstructed>,
    /// `[50]` NA-Info, raw contents.
    #[rasn(tag(context, 50))]
    pub na_info: Option<RawConstructed>,
}

/// CAP v3/v4 `EstablishTemporaryConnectionArg` (TS 29.078).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct EstablishTemporaryConnectionArg {
    /// `[0]` ISUP Generic Number.
    #[rasn(tag(context, 0))]
    pub assisting_ssp_ip_routing_address: OctetString,
    /// `[1]` Digits.
    #[rasn(tag(context, 1))]
    pub correlation_id: Option<OctetString>,
    /// `[3]`
    #[rasn(tag(context, 3))]
    pub scf_id: Option<OctetString>,
    /// `[4]`
    #[rasn(tag(context, 4))]
    pub extensions: Option<Extensions>,
    /// `[5]`
    #[rasn(tag(context, 5))]
    pub carrier: Option<OctetString>,
    /// `[6]` ServiceInteractionIndicatorsTwo, raw contents.
    #[rasn(tag(context, 6))]
    pub service_interaction_indicators_two: Option<RawConstructed>,
    /// `[7]` CallSegmentID (v4).
    #[rasn(tag(context, 7))]
    pub call_segment_id: Option<u8>,
    /// `[50]`
    #[rasn(tag(context, 50))]
    pub na_oli_info: Option<OctetString>,
    /// `[51]`
    #[rasn(tag(context, 51))]
    pub charge_number: Option<OctetString>,
    /// `[52]` (v4).
    #[rasn(tag(context, 52))]
    pub original_called_party_id: Option<OctetString>,
    /// `[53]` (v4).
    #[rasn(tag(context, 53))]
    pub calling_party_number: Option<OctetString>,
}

/// `VariablePart ::= CHOICE`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum VariablePart {
    /// `[0]` Integer4.
    #[rasn(tag(context, 0))]
    Integer(u32),
    /// `[1]` Digits (ISUP Generic Digits).
    #[rasn(tag(context, 1))]
    Number(OctetString),
    /// `[2]` HHMM, BCD.
    #[rasn(tag(context, 2))]
    Time(OctetString),
    /// `[3]` YYYYMMDD, BCD.
    #[rasn(tag(context, 3))]
    Date(OctetString),
    /// `[4]` price, BCD.
    #[rasn(tag(context, 4))]
    Price(OctetString),
}

/// `MessageID` variableMessage alternative.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct VariableMessage {
    /// `[0]`
    #[rasn(tag(context, 0))]
    pub elementary_message_id: u32,
    /// `[1]` 1..5 parts.
    #[rasn(tag(context, 1))]
    pub variable_parts: Vec<VariablePart>,
}

/// `MessageID ::= CHOICE`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum MessageId {
    /// `[0]`
    #[rasn(tag(context, 0))]
    ElementaryMessageId(u32),
    /// `[1]`
    #[rasn(tag(context, 1))]
    Text(MessageText),
    /// `[29]`
    #[rasn(tag(context, 29))]
    ElementaryMessageIds(Vec<u32>),
    /// `[30]`
    #[rasn(tag(context, 30))]
    VariableMessage(VariableMessage),
}

/// `InbandInfo ::= SEQUENCE`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct InbandInfo {
    /// `[0]`
    #[rasn(tag(explicit(context, 0)))]
    pub message_id: MessageId,
    /// `[1]` 1..127.
    #[rasn(tag(context, 1))]
    pub number_of_repetitions: Option<u8>,
    /// `[2]` seconds, 0..32767.
    #[rasn(tag(context, 2))]
    pub duration: Option<u16>,
    /// `[3]` seconds, 0..32767.
    #[rasn(tag(context, 3))]
    pub interval: Option<u16>,
}

/// `InformationToSend ::= CHOICE`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum InformationToSend {
    /// `[0]`
    #[rasn(tag(context, 0))]
    InbandInfo(InbandInfo),
    /// `[1]`
    #[rasn(tag(context, 1))]
    Tone(Tone),
}

/// `PlayAnnouncementArg` (operation 47).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct PlayAnnouncementArg {
    /// `[0]`
    #[rasn(tag(explicit(context, 0)))]
    pub information_to_send: InformationToSend,
    /// `[1]` absent means TRUE.
    #[rasn(tag(context, 1))]
    pub disconnect_from_ip_forbidden: Option<bool>,
    /// `[2]` absent means TRUE.
    #[rasn(tag(context, 2))]
    pub request_announcement_complete_notification: Option<bool>,
    /// `[3]`
    #[rasn(tag(context, 3))]
    pub extensions: Option<Extensions>,
    /// `[5]` (v4).
    #[rasn(tag(context, 5))]
    pub call_segment_id: Option<u8>,
    /// `[51]` (v4) absent means FALSE.
    #[rasn(tag(context, 51))]
    pub request_announcement_started_notification: Option<bool>,
}

/// `ErrorTreatment ::= ENUMERATED`.
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(enumerated)]
#[allow(missing_docs)]
pub enum ErrorTreatment {
    StdErrorAndInfo = 0,
    Help = 1,
    RepeatPrompt = 2,
}

/// `CollectedDigits ::= SEQUENCE`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct CollectedDigits {
    /// `[0]` absent means 1.
    #[rasn(tag(context, 0))]
    pub minimum_nb_of_digits: Option<u8>,
    /// `[1]` 1..30.
    #[rasn(tag(context, 1))]
    pub maximum_nb_of_digits: u8,
    /// `[2]`
    #[rasn(tag(context, 2))]
    pub end_of_reply_digit: Option<OctetString>,
    /// `[3]`
    #[rasn(tag(context, 3))]
    pub cancel_digit: Option<OctetString>,
    /// `[4]`
    #[rasn(tag(context, 4))]
    pub start_digit: Option<OctetString>,
    /// `[5]` seconds.
    #[rasn(tag(context, 5))]
    pub first_digit_time_out: Option<u8>,
    /// `[6]` seconds.
    #[rasn(tag(context, 6))]
    pub inter_digit_time_out: Option<u8>,
    /// `[7]` absent means stdErrorAndInfo.
    #[rasn(tag(context, 7))]
    pub error_treatment: Option<ErrorTreatment>,
    /// `[8]` absent means TRUE.
    #[rasn(tag(context, 8))]
    pub interruptable_ann_ind: Option<bool>,
    /// `[9]` absent means FALSE.
    #[rasn(tag(context, 9))]
    pub voice_information: Option<bool>,
    /// `[10]` absent means FALSE.
    #[rasn(tag(context, 10))]
    pub voice_back: Option<bool>,
}

/// `CollectedInfo ::= CHOICE { collectedDigits [0] }`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum CollectedInfo {
    /// `[0]`
    #[rasn(tag(context, 0))]
    CollectedDigits(CollectedDigits),
}

/// `PromptAndCollectUserInformationArg` (operation 48).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct PromptAndCollectUserInformationArg {
    /// `[0]`
    #[rasn(tag(explicit(context, 0)))]
    pub collected_info: CollectedInfo,
    /// `[1]` absent means TRUE.
    #[rasn(tag(context, 1))]
    pub disconnect_from_ip_forbidden: Option<bool>,
    /// `[2]`
    #[rasn(tag(explicit(context, 2)))]
    pub information_to_send: Option<InformationToSend>,
    /// `[3]`
    #[rasn(tag(context, 3))]
    pub extensions: Option<Extensions>,
    /// `[4]` (v4).
    #[rasn(tag(context, 4))]
    pub call_segment_id: Option<u8>,
    /// `[51]` (v4) absent means FALSE.
    #[rasn(tag(context, 51))]
    pub request_announcement_started_notification: Option<bool>,
}

/// `ReceivedInformationArg ::= CHOICE { digitsResponse [0] Digits }`: the result of
/// PromptAndCollectUserInformation.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum ReceivedInformationArg {
    /// `[0]` ISUP Generic Digits.
    #[rasn(tag(context, 0))]
    DigitsResponse(OctetString),
}

/// `SpecializedResourceReportArg` (operation 49). v2 and v3: NULL. v4: a CHOICE of two NULLs.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum SpecializedResourceReportArg {
    /// `[50]` (v4).
    #[rasn(tag(context, 50))]
    AllAnnouncementsComplete(()),
    /// `[51]` (v4).
    #[rasn(tag(context, 51))]
    FirstAnnouncementStarted(()),
}

/// `ResetTimerArg` (operation 33).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct ResetTimerArg {
    /// `[0]` absent means tssf.
    #[rasn(tag(context, 0))]
    pub timer_id: Option<TimerId>,
    /// `[1]` seconds.
    #[rasn(tag(context, 1))]
    pub timer_value: u32,
    /// `[2]`
    #[rasn(tag(context, 2))]
    pub extensions: Option<Extensions>,
    /// `[3]` (v4).
    #[rasn(tag(context, 3))]
    pub call_segment_id: Option<u8>,
}

/// `CallSegmentToCancel` (v4).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct CallSegmentToCancel {
    /// `[0]`
    #[rasn(tag(context, 0))]
    pub invoke_id: Option<i8>,
    /// `[1]`
    #[rasn(tag(context, 1))]
    pub call_segment_id: Option<u8>,
}

/// `CancelArg ::= CHOICE` (operation 53).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum CancelArg {
    /// `[0]` the invoke id of the operation to cancel.
    #[rasn(tag(context, 0))]
    InvokeId(i8),
    /// `[1]`
    #[rasn(tag(context, 1))]
    AllRequests(()),
    /// `[2]` (v4).
    #[rasn(tag(context, 2))]
    CallSegmentToCancel(CallSegmentToCancel),
}

/// `ContinueWithArgumentArgExtension` (v4).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct ContinueWithArgumentArgExtension {
    /// `[0]`
    #[rasn(tag(context, 0))]
    pub suppress_d_csi: Option<()>,
    /// `[1]`
    #[rasn(tag(context, 1))]
    pub suppress_n_csi: Option<()>,
    /// `[2]`
    #[rasn(tag(context, 2))]
    pub suppress_outgoing_call_barring: Option<()>,
    /// `[3]` LegOrCallSegment (a CHOICE): the inner element, raw.
    #[rasn(tag(context, 3))]
    pub leg_or_call_segment: Option<RawConstructed>,
}

/// `ContinueWithArgumentArg` (operation 88, v4).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct ContinueWithArgumentArg {
    /// `[1]`
    #[rasn(tag(context, 1))]
    pub alerting_pattern: Option<OctetString>,
    /// `[6]`
    #[rasn(tag(context, 6))]
    pub extensions: Option<Extensions>,
    /// `[7]` ServiceInteractionIndicatorsTwo, raw contents.
    #[rasn(tag(context, 7))]
    pub service_interaction_indicators_two: Option<RawConstructed>,
    /// `[12]`
    #[rasn(tag(context, 12))]
    pub calling_partys_category: Option<OctetString>,
    /// `[16]` SET OF ISUP Generic Number.
    #[rasn(tag(context, 16))]
    pub generic_numbers: Option<SetOf<OctetString>>,
    /// `[17]`
    #[rasn(tag(context, 17))]
    pub cug_interlock: Option<OctetString>,
    /// `[18]`
    #[rasn(tag(context, 18))]
    pub cug_outgoing_access: Option<()>,
    /// `[50]`
    #[rasn(tag(context, 50))]
    pub charge_number: Option<OctetString>,
    /// `[52]`
    #[rasn(tag(context, 52))]
    pub carrier: Option<OctetString>,
    /// `[55]`
    #[rasn(tag(context, 55))]
    pub suppression_of_announcement: Option<()>,
    /// `[56]`
    #[rasn(tag(context, 56))]
    pub na_oli_info: Option<OctetString>,
    /// `[57]`
    #[rasn(tag(context, 57))]
    pub bor_interrogation_requested: Option<()>,
    /// `[58]`
    #[rasn(tag(context, 58))]
    pub suppress_o_csi: Option<()>,
    /// `[59]`
    #[rasn(tag(context, 59))]
    pub continue_with_argument_arg_extension: Option<ContinueWithArgumentArgExtension>,
}
