//! Operation arguments and results of Core INAP CS-1 (ETS 300 374-1 / Q.1218
//! "IN-CS1-Operations"), with typed accessors and constructors for the ISUP-formatted fields.

use rasn::types::{Ia5String, OctetString};
use rasn::{AsnType, Decode, Decoder, Encode, Encoder};

use super::types::*;
use crate::numbers::{
    CalledPartyNumber, CallingPartyNumber, Cause, GenericDigits, GenericNumber, LocationNumber,
    NumberError, ParameterCodec, RedirectingNumber, RedirectionInformation,
};

fn typed<T: ParameterCodec>(o: &Option<OctetString>) -> Option<Result<T, NumberError>> {
    o.as_ref().map(|o| T::decode(o))
}

fn octets<T: ParameterCodec>(v: &T) -> OctetString {
    OctetString::from(v.encode())
}

/// `InitialDPArg` (operation 0, SSF to SCF).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash, Default)]
#[allow(missing_docs)]
pub struct InitialDpArg {
    /// `serviceKey [0] Integer4`.
    #[rasn(tag(context, 0))]
    pub service_key: u32,
    /// `dialledDigits [1]`: ISUP called party number.
    #[rasn(tag(context, 1))]
    pub dialled_digits: Option<OctetString>,
    /// `calledPartyNumber [2]`: ISUP called party number.
    #[rasn(tag(context, 2))]
    pub called_party_number: Option<OctetString>,
    /// `callingPartyNumber [3]`: ISUP calling party number.
    #[rasn(tag(context, 3))]
    pub calling_party_number: Option<OctetString>,
    /// `callingPartyBusinessGroupID [4]`, raw.
    #[rasn(tag(context, 4))]
    pub calling_party_business_group_id: Option<OctetString>,
    /// `callingPartysCategory [5]`: one octet (Q.763 §3.11).
    #[rasn(tag(context, 5))]
    pub calling_partys_category: Option<OctetString>,
    /// `callingPartySubaddress [6]`, raw (Q.931).
    #[rasn(tag(context, 6))]
    pub calling_party_subaddress: Option<OctetString>,
    #[rasn(tag(context, 7))]
    pub cg_encountered: Option<CgEncountered>,
    /// `iPSSPCapabilities [8]`, raw.
    #[rasn(tag(context, 8))]
    pub ip_ssp_capabilities: Option<OctetString>,
    /// `iPAvailable [9]`, raw.
    #[rasn(tag(context, 9))]
    pub ip_available: Option<OctetString>,
    /// `locationNumber [10]`: ISUP location number.
    #[rasn(tag(context, 10))]
    pub location_number: Option<OctetString>,
    #[rasn(tag(context, 11))]
    pub misc_call_info: Option<MiscCallInfo>,
    /// `originalCalledPartyID [12]`: ISUP original called number.
    #[rasn(tag(context, 12))]
    pub original_called_party_id: Option<OctetString>,
    /// `serviceProfileIdentifier [13]`, raw.
    #[rasn(tag(context, 13))]
    pub service_profile_identifier: Option<OctetString>,
    #[rasn(tag(context, 14))]
    pub terminal_type: Option<TerminalType>,
    #[rasn(tag(context, 15))]
    pub extensions: Option<Extensions>,
    #[rasn(tag(context, 16))]
    pub trigger_type: Option<TriggerType>,
    /// `highLayerCompatibility [23]`, raw (Q.931).
    #[rasn(tag(context, 23))]
    pub high_layer_compatibility: Option<OctetString>,
    /// `serviceInteractionIndicators [24]`, raw.
    #[rasn(tag(context, 24))]
    pub service_interaction_indicators: Option<OctetString>,
    /// `additionalCallingPartyNumber [25]`: ISUP generic number.
    #[rasn(tag(context, 25))]
    pub additional_calling_party_number: Option<OctetString>,
    /// `forwardCallIndicators [26]`: two octets (Q.763 §3.23), raw.
    #[rasn(tag(context, 26))]
    pub forward_call_indicators: Option<OctetString>,
    #[rasn(tag(explicit(context, 27)))]
    pub bearer_capability: Option<BearerCapability>,
    #[rasn(tag(context, 28))]
    pub event_type_bcsm: Option<EventTypeBcsm>,
    /// `redirectingPartyID [29]`: ISUP redirecting number.
    #[rasn(tag(context, 29))]
    pub redirecting_party_id: Option<OctetString>,
    /// `redirectionInformation [30]`: ISUP redirection information.
    #[rasn(tag(context, 30))]
    pub redirection_information: Option<OctetString>,
}

impl InitialDpArg {
    /// `calledPartyNumber`, decoded.
    pub fn called_party_number(&self) -> Option<Result<CalledPartyNumber, NumberError>> {
        typed(&self.called_party_number)
    }
    /// `dialledDigits`, decoded.
    pub fn dialled_digits(&self) -> Option<Result<CalledPartyNumber, NumberError>> {
        typed(&self.dialled_digits)
    }
    /// `callingPartyNumber`, decoded.
    pub fn calling_party_number(&self) -> Option<Result<CallingPartyNumber, NumberError>> {
        typed(&self.calling_party_number)
    }
    /// `locationNumber`, decoded.
    pub fn location_number(&self) -> Option<Result<LocationNumber, NumberError>> {
        typed(&self.location_number)
    }
    /// `originalCalledPartyID`, decoded.
    pub fn original_called_party_id(&self) -> Option<Result<RedirectingNumber, NumberError>> {
        typed(&self.original_called_party_id)
    }
    /// `redirectingPartyID`, decoded.
    pub fn redirecting_party_id(&self) -> Option<Result<RedirectingNumber, NumberError>> {
        typed(&self.redirecting_party_id)
    }
    /// `redirectionInformation`, decoded.
    pub fn redirection_information(&self) -> Option<Result<RedirectionInformation, NumberError>> {
        typed(&self.redirection_information)
    }
    /// `additionalCallingPartyNumber`, decoded.
    pub fn additional_calling_party_number(&self) -> Option<Result<GenericNumber, NumberError>> {
        typed(&self.additional_calling_party_number)
    }
    /// `callingPartysCategory` when it is the one octet the standard defines.
    pub fn calling_partys_category(&self) -> Option<u8> {
        match self.calling_partys_category.as_deref() {
            Some([c]) => Some(*c),
            _ => None,
        }
    }
    /// Sets `calledPartyNumber`.
    pub fn set_called_party_number(&mut self, n: &CalledPartyNumber) {
        self.called_party_number = Some(octets(n));
    }
    /// Sets `callingPartyNumber`.
    pub fn set_calling_party_number(&mut self, n: &CallingPartyNumber) {
        self.calling_party_number = Some(octets(n));
    }
}

/// `ConnectArg` (operation 20, SCF to SSF).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash, Default)]
#[allow(missing_docs)]
pub struct ConnectArg {
    /// `destinationRoutingAddress [0] SEQUENCE SIZE (1..3) OF CalledPartyNumber`.
    #[rasn(tag(context, 0))]
    pub destination_routing_address: Vec<OctetString>,
    /// `alertingPattern [1]`, raw.
    #[rasn(tag(context, 1))]
    pub alerting_pattern: Option<OctetString>,
    /// `correlationID [2]`: generic digits.
    #[rasn(tag(context, 2))]
    pub correlation_id: Option<OctetString>,
    /// `cutAndPaste [3] INTEGER (0..22)`.
    #[rasn(tag(context, 3))]
    pub cut_and_paste: Option<u8>,
    #[rasn(tag(context, 4))]
    pub forwarding_condition: Option<ForwardingCondition>,
    /// `iSDNAccessRelatedInformation [5]`, raw.
    #[rasn(tag(context, 5))]
    pub isdn_access_related_information: Option<OctetString>,
    /// `originalCalledPartyID [6]`: ISUP original called number.
    #[rasn(tag(context, 6))]
    pub original_called_party_id: Option<OctetString>,
    /// `routeList [7] SEQUENCE OF OCTET STRING`, raw.
    #[rasn(tag(context, 7))]
    pub route_list: Option<Vec<OctetString>>,
    /// `scfID [8]`, raw.
    #[rasn(tag(context, 8))]
    pub scf_id: Option<OctetString>,
    /// `travellingClassMark [9]`, raw.
    #[rasn(tag(context, 9))]
    pub travelling_class_mark: Option<OctetString>,
    #[rasn(tag(context, 10))]
    pub extensions: Option<Extensions>,
    /// `carrier [11]`, raw.
    #[rasn(tag(context, 11))]
    pub carrier: Option<OctetString>,
    /// `serviceInteractionIndicators [26]`, raw.
    #[rasn(tag(context, 26))]
    pub service_interaction_indicators: Option<OctetString>,
    /// `callingPartyNumber [27]`: ISUP calling party number.
    #[rasn(tag(context, 27))]
    pub calling_party_number: Option<OctetString>,
    /// `callingPartysCategory [28]`: one octet.
    #[rasn(tag(context, 28))]
    pub calling_partys_category: Option<OctetString>,
    /// `redirectingPartyID [29]`: ISUP redirecting number.
    #[rasn(tag(context, 29))]
    pub redirecting_party_id: Option<OctetString>,
    /// `redirectionInformation [30]`.
    #[rasn(tag(context, 30))]
    pub redirection_information: Option<OctetString>,
}

impl ConnectArg {
    /// A Connect to the given destination(s) (one to three), nothing else set.
    pub fn new(destinations: &[CalledPartyNumber]) -> Self {
        ConnectArg {
            destination_routing_address: destinations.iter().map(octets).collect(),
            ..Default::default()
        }
    }
    /// `destinationRoutingAddress`, each decoded.
    pub fn destination_routing_address(&self) -> Vec<Result<CalledPartyNumber, NumberError>> {
        self.destination_routing_address
            .iter()
            .map(|o| CalledPartyNumber::decode(o))
            .collect()
    }
    /// `callingPartyNumber`, decoded.
    pub fn calling_party_number(&self) -> Option<Result<CallingPartyNumber, NumberError>> {
        typed(&self.calling_party_number)
    }
    /// `originalCalledPartyID`, decoded.
    pub fn original_called_party_id(&self) -> Option<Result<RedirectingNumber, NumberError>> {
        typed(&self.original_called_party_id)
    }
    /// `redirectingPartyID`, decoded.
    pub fn redirecting_party_id(&self) -> Option<Result<RedirectingNumber, NumberError>> {
        typed(&self.redirecting_party_id)
    }
    /// `redirectionInformation`, decoded.
    pub fn redirection_information(&self) -> Option<Result<RedirectionInformation, NumberError>> {
        typed(&self.redirection_information)
    }
    /// Sets `callingPartyNumber`.
    pub fn with_calling_party_number(mut self, n: &CallingPartyNumber) -> Self {
        self.calling_party_number = Some(octets(n));
        self
    }
    /// Sets `originalCalledPartyID`.
    pub fn with_original_called_party_id(mut self, n: &RedirectingNumber) -> Self {
        self.original_called_party_id = Some(octets(n));
        self
    }
    /// Sets `redirectingPartyID` and `redirectionInformation`.
    pub fn with_redirection(
        mut self,
        n: &RedirectingNumber,
        info: &RedirectionInformation,
    ) -> Self {
        self.redirecting_party_id = Some(octets(n));
        self.redirection_information = Some(octets(info));
        self
    }
}

/// `ReleaseCallArg ::= Cause` (operation 22).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
#[rasn(delegate)]
pub struct ReleaseCallArg(pub OctetString);

impl ReleaseCallArg {
    /// Release with this cause.
    pub fn new(cause: &Cause) -> Self {
        ReleaseCallArg(octets(cause))
    }
    /// The cause, decoded.
    pub fn cause(&self) -> Result<Cause, NumberError> {
        Cause::decode(&self.0)
    }
}

/// `RequestReportBCSMEventArg` (operation 23).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestReportBcsmEventArg {
    /// `bcsmEvents [0] SEQUENCE SIZE (1..numOfBCSMEvents) OF BCSMEvent`.
    #[rasn(tag(context, 0))]
    pub bcsm_events: Vec<BcsmEvent>,
    /// `bcsmEventCorrelationID [1]`, raw.
    #[rasn(tag(context, 1))]
    pub bcsm_event_correlation_id: Option<OctetString>,
    /// `extensions [2]`.
    #[rasn(tag(context, 2))]
    pub extensions: Option<Extensions>,
}

/// `EventReportBCSMArg` (operation 24, SSF to SCF).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventReportBcsmArg {
    /// `eventTypeBCSM [0]`.
    #[rasn(tag(context, 0))]
    pub event_type_bcsm: EventTypeBcsm,
    /// `bcsmEventCorrelationID [1]`, raw.
    #[rasn(tag(context, 1))]
    pub bcsm_event_correlation_id: Option<OctetString>,
    /// `eventSpecificInformationBCSM [2]`.
    #[rasn(tag(explicit(context, 2)))]
    pub event_specific_information_bcsm: Option<EventSpecificInformationBcsm>,
    /// `legID [3]`.
    #[rasn(tag(explicit(context, 3)))]
    pub leg_id: Option<LegId>,
    /// `miscCallInfo [4] DEFAULT {messageType request}`.
    #[rasn(tag(context, 4), default = "misc_request")]
    pub misc_call_info: MiscCallInfo,
    /// `extensions [5]`.
    #[rasn(tag(context, 5))]
    pub extensions: Option<Extensions>,
}

fn misc_request() -> MiscCallInfo {
    MiscCallInfo {
        message_type: MessageType::Request,
        dp_assignment: None,
    }
}

impl EventReportBcsmArg {
    /// The cause carried in the event-specific information (busy, route select failure,
    /// disconnect), decoded.
    pub fn cause(&self) -> Option<Result<Cause, NumberError>> {
        use EventSpecificInformationBcsm as E;
        match self.event_specific_information_bcsm.as_ref()? {
            E::RouteSelectFailureSpecificInfo(i)
            | E::OCalledPartyBusySpecificInfo(i)
            | E::TBusySpecificInfo(i) => typed(&i.cause),
            E::ODisconnectSpecificInfo(i) | E::TDisconnectSpecificInfo(i) => {
                typed(&i.release_cause)
            }
            _ => None,
        }
    }
}

/// `FurnishChargingInformationArg ::= FCIBillingChargingCharacteristics` (operation 34):
/// network-specific octets, raw.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
#[rasn(delegate)]
pub struct FurnishChargingInformationArg(pub OctetString);

/// `SendChargingInformationArg` (operation 46).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
pub struct SendChargingInformationArg {
    /// `sCIBillingChargingCharacteristics [0]`: network-specific, raw.
    #[rasn(tag(context, 0))]
    pub sci_billing_charging_characteristics: OctetString,
    /// `partyToCharge [1] LegID`.
    #[rasn(tag(explicit(context, 1)))]
    pub party_to_charge: LegId,
    /// `extensions [2]`.
    #[rasn(tag(context, 2))]
    pub extensions: Option<Extensions>,
}

/// `ApplyChargingArg` (operation 35).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApplyChargingArg {
    /// `aChBillingChargingCharacteristics [0]`: network-specific, raw.
    #[rasn(tag(context, 0))]
    pub ach_billing_charging_characteristics: OctetString,
    /// `sendCalculationToSCPIndication [1] BOOLEAN DEFAULT FALSE`.
    #[rasn(tag(context, 1), default)]
    pub send_calculation_to_scp_indication: bool,
    /// `partyToCharge [2] LegID`.
    #[rasn(tag(explicit(context, 2)))]
    pub party_to_charge: Option<LegId>,
    /// `extensions [3]`.
    #[rasn(tag(context, 3))]
    pub extensions: Option<Extensions>,
}

/// `ApplyChargingReportArg ::= CallResult` (operation 36): network-specific, raw.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
#[rasn(delegate)]
pub struct ApplyChargingReportArg(pub OctetString);

/// `CallInformationRequestArg` (operation 45).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallInformationRequestArg {
    /// `requestedInformationTypeList [0] SEQUENCE SIZE (1..5) OF RequestedInformationType`.
    #[rasn(tag(context, 0))]
    pub requested_information_type_list: Vec<RequestedInformationType>,
    /// `correlationID [1]`, raw.
    #[rasn(tag(context, 1))]
    pub correlation_id: Option<OctetString>,
    /// `extensions [2]`.
    #[rasn(tag(context, 2))]
    pub extensions: Option<Extensions>,
    /// `legID [3]`.
    #[rasn(tag(explicit(context, 3)))]
    pub leg_id: Option<LegId>,
}

/// `CallInformationReportArg` (operation 44, SSF to SCF).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallInformationReportArg {
    /// `requestedInformationList [0] SEQUENCE SIZE (1..5) OF RequestedInformation`.
    #[rasn(tag(context, 0))]
    pub requested_information_list: Vec<RequestedInformation>,
    /// `correlationID [1]`, raw.
    #[rasn(tag(context, 1))]
    pub correlation_id: Option<OctetString>,
    /// `extensions [2]`.
    #[rasn(tag(context, 2))]
    pub extensions: Option<Extensions>,
    /// `legID [3]`.
    #[rasn(tag(explicit(context, 3)))]
    pub leg_id: Option<LegId>,
}

impl CallInformationReportArg {
    /// The `releaseCauseValue` in the list, decoded.
    pub fn release_cause(&self) -> Option<Result<Cause, NumberError>> {
        self.requested_information_list
            .iter()
            .find_map(|i| match &i.requested_information_value {
                RequestedInformationValue::ReleaseCauseValue(o) => Some(Cause::decode(o)),
                _ => None,
            })
    }
    /// The `calledAddressValue` in the list, decoded as a generic number.
    pub fn called_address(&self) -> Option<Result<GenericNumber, NumberError>> {
        self.requested_information_list
            .iter()
            .find_map(|i| match &i.requested_information_value {
                RequestedInformationValue::CalledAddressValue(o) => Some(GenericNumber::decode(o)),
                _ => None,
            })
    }
}

/// `ConnectToResourceArg` (operation 19).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConnectToResourceArg {
    /// `resourceAddress` (an untagged CHOICE).
    pub resource_address: ResourceAddress,
    /// `extensions [4]`.
    #[rasn(tag(context, 4))]
    pub extensions: Option<Extensions>,
    /// `serviceInteractionIndicators [30]`, raw.
    #[rasn(tag(context, 30))]
    pub service_interaction_indicators: Option<OctetString>,
}

/// `EstablishTemporaryConnectionArg` (operation 17).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
pub struct EstablishTemporaryConnectionArg {
    /// `assistingSSPIPRoutingAddress [0]`: ISUP generic number.
    #[rasn(tag(context, 0))]
    pub assisting_ssp_ip_routing_address: OctetString,
    /// `correlationID [1]`: generic digits.
    #[rasn(tag(context, 1))]
    pub correlation_id: Option<OctetString>,
    /// `legID [2]`.
    #[rasn(tag(explicit(context, 2)))]
    pub leg_id: Option<LegId>,
    /// `scfID [3]`, raw.
    #[rasn(tag(context, 3))]
    pub scf_id: Option<OctetString>,
    /// `extensions [4]`.
    #[rasn(tag(context, 4))]
    pub extensions: Option<Extensions>,
    /// `carrier [5]`, raw.
    #[rasn(tag(context, 5))]
    pub carrier: Option<OctetString>,
    /// `serviceInteractionIndicators [30]`, raw.
    #[rasn(tag(context, 30))]
    pub service_interaction_indicators: Option<OctetString>,
}

impl EstablishTemporaryConnectionArg {
    /// An ETC towards `address`, with an optional correlation ID.
    pub fn new(address: &GenericNumber, correlation_id: Option<&GenericDigits>) -> Self {
        EstablishTemporaryConnectionArg {
            assisting_ssp_ip_routing_address: octets(address),
            correlation_id: correlation_id.map(octets),
            leg_id: None,
            scf_id: None,
            extensions: None,
            carrier: None,
            service_interaction_indicators: None,
        }
    }
    /// `assistingSSPIPRoutingAddress`, decoded.
    pub fn assisting_ssp_ip_routing_address(&self) -> Result<GenericNumber, NumberError> {
        GenericNumber::decode(&self.assisting_ssp_ip_routing_address)
    }
    /// `correlationID`, decoded.
    pub fn correlation_id(&self) -> Option<Result<GenericDigits, NumberError>> {
        typed(&self.correlation_id)
    }
}

/// `PlayAnnouncementArg` (operation 47, SCF to SRF).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlayAnnouncementArg {
    /// `informationToSend [0]`.
    #[rasn(tag(explicit(context, 0)))]
    pub information_to_send: InformationToSend,
    /// `disconnectFromIPForbidden [1] BOOLEAN DEFAULT TRUE`.
    #[rasn(tag(context, 1), default = "yes")]
    pub disconnect_from_ip_forbidden: bool,
    /// `requestAnnouncementComplete [2] BOOLEAN DEFAULT TRUE`.
    #[rasn(tag(context, 2), default = "yes")]
    pub request_announcement_complete: bool,
    /// `extensions [3]`.
    #[rasn(tag(context, 3))]
    pub extensions: Option<Extensions>,
}

/// `PromptAndCollectUserInformationArg` (operation 48, SCF to SRF).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
pub struct PromptAndCollectUserInformationArg {
    /// `collectedInfo [0]`.
    #[rasn(tag(explicit(context, 0)))]
    pub collected_info: CollectedInfo,
    /// `disconnectFromIPForbidden [1] BOOLEAN DEFAULT TRUE`.
    #[rasn(tag(context, 1), default = "yes")]
    pub disconnect_from_ip_forbidden: bool,
    /// `informationToSend [2]`.
    #[rasn(tag(explicit(context, 2)))]
    pub information_to_send: Option<InformationToSend>,
    /// `extensions [3]`.
    #[rasn(tag(context, 3))]
    pub extensions: Option<Extensions>,
}

/// `ReceivedInformationArg`: the result of PromptAndCollectUserInformation.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
#[rasn(choice)]
pub enum ReceivedInformationArg {
    /// `digitsResponse [0] Digits`: generic digits.
    #[rasn(tag(context, 0))]
    DigitsResponse(OctetString),
    /// `iA5Response [1] IA5String`.
    #[rasn(tag(context, 1))]
    Ia5Response(Ia5String),
}

impl ReceivedInformationArg {
    /// `digitsResponse` from generic digits.
    pub fn digits(d: &GenericDigits) -> Self {
        ReceivedInformationArg::DigitsResponse(octets(d))
    }
    /// The collected digits, decoded, when the response is `digitsResponse`.
    pub fn digits_response(&self) -> Option<Result<GenericDigits, NumberError>> {
        match self {
            ReceivedInformationArg::DigitsResponse(o) => Some(GenericDigits::decode(o)),
            ReceivedInformationArg::Ia5Response(_) => None,
        }
    }
}

/// `ResetTimerArg` (operation 33).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResetTimerArg {
    /// `timerID [0] DEFAULT tssf`.
    #[rasn(tag(context, 0), default)]
    pub timer_id: TimerId,
    /// `timervalue [1] Integer4`, seconds.
    #[rasn(tag(context, 1))]
    pub timervalue: u32,
    /// `extensions [2]`.
    #[rasn(tag(context, 2))]
    pub extensions: Option<Extensions>,
}

/// `CancelArg` (operation 53).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Hash)]
#[rasn(choice)]
pub enum CancelArg {
    /// `invokeID [0] InvokeID`: cancel this earlier invoke.
    #[rasn(tag(context, 0))]
    InvokeId(i8),
    /// `allRequests [1] NULL`.
    #[rasn(tag(context, 1))]
    AllRequests(()),
}
