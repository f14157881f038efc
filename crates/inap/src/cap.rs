//! CAMEL Application Part (CAP v2, v3 and v4; GSM 09.78 and 3GPP TS 29.078): the operations a
//! gsmSCF exchanges with a gsmSSF / gsmSRF for circuit-switched call control.
//!
//! Role: turn the parameter of a TCAP component into a typed value and back. Inputs are the
//! CAP version (from the dialogue's application context, see [`CapVersion::from_application_context`]),
//! the operation or error code of the component and the raw BER element that TCAP carried as
//! the Invoke / ReturnResult / ReturnError parameter. Outputs are [`CapArgument`], [`CapResult`]
//! and [`CapError`] values, or, for bad input, an error that names the TCAP Reject problem to
//! answer with ([`RejectProblem`]). Encoding is the reverse, and writes only what the version
//! defines.
//!
//! Coverage (operation codes as in TS 29.078 CAP-operationcodes):
//!
//! | op | operation | versions |
//! |---|---|---|
//! | 0 | InitialDP | 2, 3, 4 |
//! | 17 | EstablishTemporaryConnection | 2 (own layout), 3, 4 |
//! | 18 | DisconnectForwardConnection | 2, 3, 4 |
//! | 19 | ConnectToResource | 2, 3, 4 |
//! | 20 | Connect | 2, 3, 4 |
//! | 22 | ReleaseCall | 2, 3 (Cause), 4 (CHOICE) |
//! | 23 | RequestReportBCSMEvent | 2, 3, 4 |
//! | 24 | EventReportBCSM | 2, 3, 4 |
//! | 31 | Continue | 2, 3, 4 |
//! | 33 | ResetTimer | 2, 3, 4 |
//! | 34 | FurnishChargingInformation | 2, 3, 4 |
//! | 35 | ApplyCharging | 2, 3, 4 (inner layout per version) |
//! | 36 | ApplyChargingReport | 2, 3, 4 |
//! | 44 | CallInformationReport | 2, 3, 4 |
//! | 45 | CallInformationRequest | 2, 3, 4 |
//! | 46 | SendChargingInformation | 2, 3, 4 |
//! | 47 | PlayAnnouncement | 2, 3, 4 |
//! | 48 | PromptAndCollectUserInformation (+ result) | 2, 3, 4 |
//! | 49 | SpecializedResourceReport | 2, 3 (NULL), 4 (CHOICE) |
//! | 53 | Cancel | 2, 3, 4 |
//! | 55 | ActivityTest (+ empty result) | 2, 3, 4 |
//! | 86 | DisconnectForwardConnectionWithArgument | 3, 4 |
//! | 88 | ContinueWithArgument | 4 |
//!
//! All CAP error codes for call control (TS 29.078 CAP-errorcodes) with their parameters.
//!
//! Not done: AssistRequestInstructions, CallGap, InitiateCallAttempt, CollectInformation, the
//! v4 leg and call-segment operations (DisconnectLeg, MoveLeg, SplitLeg, EntityReleased,
//! PlayTone), SMS and GPRS control; they decode as `unrecognizedOperation`. Number parameters
//! are kept as their OCTET STRING encodings. Some nested MAP structures and rarely used CAP
//! sub-structures are kept as raw contents ([`raw::RawConstructed`]). See
//! `docs/compliance/cap.md`.

pub mod charging;
pub mod raw;
pub mod types;

use rasn::types::OctetString;
use thiserror::Error;

use self::charging::decode_exact;
use self::raw::retain_components;
use self::types::*;
use crate::RejectProblem;

/// CAP version, chosen by the application context of the TCAP dialogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CapVersion {
    /// CAP v2 (CAMEL phase 2, GSM 09.78).
    V2,
    /// CAP v3 (CAMEL phase 3, TS 29.078 Rel-99/4).
    V3,
    /// CAP v4 (CAMEL phase 4, TS 29.078 Rel-5 onwards).
    V4,
}

/// CAP-v2-gsmSSF-to-gsmSCF-AC (GSM 09.78).
pub const AC_V2_GSMSSF_TO_GSMSCF: &[u32] = &[0, 4, 0, 0, 1, 0, 50, 1];
/// CAP-v2-assist-gsmSSF-to-gsmSCF-AC.
pub const AC_V2_ASSIST_GSMSSF_TO_GSMSCF: &[u32] = &[0, 4, 0, 0, 1, 0, 51, 1];
/// CAP-v2-gsmSRF-to-gsmSCF-AC.
pub const AC_V2_GSMSRF_TO_GSMSCF: &[u32] = &[0, 4, 0, 0, 1, 0, 52, 1];
/// capssf-scfGenericAC, CAP v3 (`id-ac3E 4`).
pub const AC_V3_GSMSSF_SCF_GENERIC: &[u32] = &[0, 4, 0, 0, 1, 21, 3, 4];
/// capssf-scfAssistHandoffAC, CAP v3.
pub const AC_V3_GSMSSF_SCF_ASSIST_HANDOFF: &[u32] = &[0, 4, 0, 0, 1, 21, 3, 6];
/// gsmSRF-gsmSCF-ac, CAP v3.
pub const AC_V3_GSMSRF_GSMSCF: &[u32] = &[0, 4, 0, 0, 1, 20, 3, 14];
/// capssf-scfGenericAC, CAP v4 (`id-acE 4`).
pub const AC_V4_GSMSSF_SCF_GENERIC: &[u32] = &[0, 4, 0, 0, 1, 23, 3, 4];
/// capssf-scfAssistHandoffAC, CAP v4.
pub const AC_V4_GSMSSF_SCF_ASSIST_HANDOFF: &[u32] = &[0, 4, 0, 0, 1, 23, 3, 6];
/// capscf-ssfGenericAC, CAP v4 (dialogues the gsmSCF opens).
pub const AC_V4_SCF_GSMSSF_GENERIC: &[u32] = &[0, 4, 0, 0, 1, 23, 3, 8];
/// gsmSRF-gsmSCF-ac, CAP v4.
pub const AC_V4_GSMSRF_GSMSCF: &[u32] = &[0, 4, 0, 0, 1, 22, 3, 14];

impl CapVersion {
    /// Every version, oldest first.
    pub const ALL: [CapVersion; 3] = [CapVersion::V2, CapVersion::V3, CapVersion::V4];

    /// The gsmSSF-to-gsmSCF application context of this version (what an SSP puts in the AARQ
    /// of a dialogue that starts with InitialDP).
    pub fn application_context(self) -> &'static [u32] {
        match self {
            CapVersion::V2 => AC_V2_GSMSSF_TO_GSMSCF,
            CapVersion::V3 => AC_V3_GSMSSF_SCF_GENERIC,
            CapVersion::V4 => AC_V4_GSMSSF_SCF_GENERIC,
        }
    }

    /// The version of a CAP circuit-switched application context (gsmSSF, assist and gsmSRF
    /// contexts), or `None` for any other (CAP v1, GPRS, SMS, not CAP): the dialogue should then
    /// be refused with "application-context-name-not-supported".
    pub fn from_application_context(oid: &[u32]) -> Option<CapVersion> {
        const TABLE: [(&[u32], CapVersion); 10] = [
            (AC_V2_GSMSSF_TO_GSMSCF, CapVersion::V2),
            (AC_V2_ASSIST_GSMSSF_TO_GSMSCF, CapVersion::V2),
            (AC_V2_GSMSRF_TO_GSMSCF, CapVersion::V2),
            (AC_V3_GSMSSF_SCF_GENERIC, CapVersion::V3),
            (AC_V3_GSMSSF_SCF_ASSIST_HANDOFF, CapVersion::V3),
            (AC_V3_GSMSRF_GSMSCF, CapVersion::V3),
            (AC_V4_GSMSSF_SCF_GENERIC, CapVersion::V4),
            (AC_V4_GSMSSF_SCF_ASSIST_HANDOFF, CapVersion::V4),
            (AC_V4_SCF_GSMSSF_GENERIC, CapVersion::V4),
            (AC_V4_GSMSRF_GSMSCF, CapVersion::V4),
        ];
        TABLE
            .iter()
            .find(|(ac, _)| *ac == oid)
            .map(|(_, version)| *version)
    }
}

/// CAP operations handled here, with their operation codes (TS 29.078 CAP-operationcodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Operation {
    InitialDp = 0,
    EstablishTemporaryConnection = 17,
    DisconnectForwardConnection = 18,
    ConnectToResource = 19,
    Connect = 20,
    ReleaseCall = 22,
    RequestReportBcsmEvent = 23,
    EventReportBcsm = 24,
    Continue = 31,
    ResetTimer = 33,
    FurnishChargingInformation = 34,
    ApplyCharging = 35,
    ApplyChargingReport = 36,
    CallInformationReport = 44,
    CallInformationRequest = 45,
    SendChargingInformation = 46,
    PlayAnnouncement = 47,
    PromptAndCollectUserInformation = 48,
    SpecializedResourceReport = 49,
    Cancel = 53,
    ActivityTest = 55,
    DisconnectForwardConnectionWithArgument = 86,
    ContinueWithArgument = 88,
}

impl Operation {
    /// Every operation handled here.
    pub const ALL: [Operation; 23] = [
        Operation::InitialDp,
        Operation::EstablishTemporaryConnection,
        Operation::DisconnectForwardConnection,
        Operation::ConnectToResource,
        Operation::Connect,
        Operation::ReleaseCall,
        Operation::RequestReportBcsmEvent,
        Operation::EventReportBcsm,
        Operation::Continue,
        Operation::ResetTimer,
        Operation::FurnishChargingInformation,
        Operation::ApplyCharging,
        Operation::ApplyChargingReport,
        Operation::CallInformationReport,
        Operation::CallInformationRequest,
        Operation::SendChargingInformation,
        Operation::PlayAnnouncement,
        Operation::PromptAndCollectUserInformation,
        Operation::SpecializedResourceReport,
        Operation::Cancel,
        Operation::ActivityTest,
        Operation::DisconnectForwardConnectionWithArgument,
        Operation::ContinueWithArgument,
    ];

    /// The local operation code.
    pub fn code(self) -> i64 {
        self as i64
    }

    /// The operation with this local code, if handled here.
    pub fn from_code(code: i64) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.code() == code)
    }

    /// Whether `version` defines this operation.
    pub fn in_version(self, version: CapVersion) -> bool {
        match self {
            Operation::DisconnectForwardConnectionWithArgument => version >= CapVersion::V3,
            Operation::ContinueWithArgument => version >= CapVersion::V4,
            _ => true,
        }
    }

    /// Whether the operation has a ReturnResult (`RETURN RESULT TRUE` or a result type).
    pub fn has_result(self) -> bool {
        matches!(
            self,
            Operation::PromptAndCollectUserInformation | Operation::ActivityTest
        )
    }

    /// Whether the operation carries no argument.
    pub fn has_no_argument(self) -> bool {
        matches!(
            self,
            Operation::Continue | Operation::ActivityTest | Operation::DisconnectForwardConnection
        )
    }

    /// The ASN.1 name of the operation.
    pub fn name(self) -> &'static str {
        match self {
            Operation::InitialDp => "initialDP",
            Operation::EstablishTemporaryConnection => "establishTemporaryConnection",
            Operation::DisconnectForwardConnection => "disconnectForwardConnection",
            Operation::ConnectToResource => "connectToResource",
            Operation::Connect => "connect",
            Operation::ReleaseCall => "releaseCall",
            Operation::RequestReportBcsmEvent => "requestReportBCSMEvent",
            Operation::EventReportBcsm => "eventReportBCSM",
            Operation::Continue => "continue",
            Operation::ResetTimer => "resetTimer",
            Operation::FurnishChargingInformation => "furnishChargingInformation",
            Operation::ApplyCharging => "applyCharging",
            Operation::ApplyChargingReport => "applyChargingReport",
            Operation::CallInformationReport => "callInformationReport",
            Operation::CallInformationRequest => "callInformationRequest",
            Operation::SendChargingInformation => "sendChargingInformation",
            Operation::PlayAnnouncement => "playAnnouncement",
            Operation::PromptAndCollectUserInformation => "promptAndCollectUserInformation",
            Operation::SpecializedResourceReport => "specializedResourceReport",
            Operation::Cancel => "cancel",
            Operation::ActivityTest => "activityTest",
            Operation::DisconnectForwardConnectionWithArgument => "dFCWithArgument",
            Operation::ContinueWithArgument => "continueWithArgument",
        }
    }
}

/// Why a typed decoder refused a parameter (a description for logs).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct DecodeFailure(pub String);

/// An Invoke parameter that could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ArgError {
    /// The operation code is not a CAP operation of this version handled here.
    #[error("operation {opcode} is not recognised in CAP {version:?}")]
    UnrecognizedOperation {
        /// The received operation code.
        opcode: i64,
        /// The dialogue's version.
        version: CapVersion,
    },
    /// The argument does not decode as the operation's argument type (or is missing, or present
    /// where none is defined).
    #[error("{operation:?}: mistyped argument: {reason}")]
    MistypedParameter {
        /// The operation.
        operation: Operation,
        /// What was wrong.
        reason: String,
    },
}

impl ArgError {
    /// The Reject to send (Q.773: invoke problem).
    pub fn reject_problem(&self) -> RejectProblem {
        match self {
            ArgError::UnrecognizedOperation { .. } => RejectProblem::UnrecognizedOperation,
            ArgError::MistypedParameter { .. } => RejectProblem::MistypedArgument,
        }
    }
}

/// A ReturnResult parameter that could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ResultError {
    /// The operation has no result (or is not handled here).
    #[error("no result is defined for operation {opcode}")]
    ReturnResultUnexpected {
        /// The operation code the result answers.
        opcode: i64,
    },
    /// The result does not decode as the operation's result type.
    #[error("{operation:?}: mistyped result: {reason}")]
    MistypedParameter {
        /// The operation.
        operation: Operation,
        /// What was wrong.
        reason: String,
    },
}

impl ResultError {
    /// The Reject to send (Q.773: returnResult problem).
    pub fn reject_problem(&self) -> RejectProblem {
        match self {
            ResultError::ReturnResultUnexpected { .. } => RejectProblem::ReturnResultUnexpected,
            ResultError::MistypedParameter { .. } => RejectProblem::MistypedResult,
        }
    }
}

/// A ReturnError that could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ErrorError {
    /// The error code is not a CAP error of this version.
    #[error("error code {code} is not recognised")]
    UnrecognizedError {
        /// The received error code.
        code: i64,
    },
    /// The parameter does not decode as the error's parameter type.
    #[error("error {code}: mistyped parameter: {reason}")]
    MistypedParameter {
        /// The error code.
        code: i64,
        /// What was wrong.
        reason: String,
    },
}

impl ErrorError {
    /// The Reject to send (Q.773: returnError problem).
    pub fn reject_problem(&self) -> RejectProblem {
        match self {
            ErrorError::UnrecognizedError { .. } => RejectProblem::UnrecognizedError,
            ErrorError::MistypedParameter { .. } => RejectProblem::MistypedErrorParameter,
        }
    }
}

/// The argument of a CAP operation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum CapArgument {
    InitialDp(Box<InitialDpArg>),
    EstablishTemporaryConnection(EstablishTemporaryConnectionArg),
    DisconnectForwardConnection,
    ConnectToResource(ConnectToResourceArg),
    Connect(Box<ConnectArg>),
    ReleaseCall(ReleaseCallArg),
    RequestReportBcsmEvent(RequestReportBcsmEventArg),
    EventReportBcsm(EventReportBcsmArg),
    Continue,
    ResetTimer(ResetTimerArg),
    /// The `FCIBillingChargingCharacteristics` octets (CAMEL layout:
    /// [`charging::FciBillingChargingCharacteristics`]).
    FurnishChargingInformation(OctetString),
    ApplyCharging(ApplyChargingArg),
    /// The `CallResult` octets (CAMEL layout: [`charging::CallResult`]).
    ApplyChargingReport(OctetString),
    CallInformationReport(CallInformationReportArg),
    CallInformationRequest(CallInformationRequestArg),
    SendChargingInformation(SendChargingInformationArg),
    PlayAnnouncement(PlayAnnouncementArg),
    PromptAndCollectUserInformation(PromptAndCollectUserInformationArg),
    /// v2 and v3 carry NULL, read as `AllAnnouncementsComplete`.
    SpecializedResourceReport(SpecializedResourceReportArg),
    Cancel(CancelArg),
    ActivityTest,
    DisconnectForwardConnectionWithArgument(DisconnectForwardConnectionWithArgumentArg),
    ContinueWithArgument(Box<ContinueWithArgumentArg>),
}

/// Context tags of the components of each SEQUENCE argument that a version defines; other
/// context components are ignored on input (every one of these types ends with an extension
/// marker).
fn known_tags(operation: Operation, version: CapVersion) -> Option<&'static [u32]> {
    use CapVersion::*;
    use Operation as O;
    let tags: &'static [u32] = match (operation, version) {
        (O::InitialDp, V2) => &[
            0, 2, 3, 5, 7, 8, 10, 12, 15, 23, 25, 27, 28, 29, 30, 50, 51, 52, 53, 54, 55, 56, 57,
            58, 59,
        ],
        (O::InitialDp, _) => &[
            0, 2, 3, 5, 7, 8, 10, 12, 15, 17, 23, 25, 27, 28, 29, 30, 32, 37, 45, 46, 47, 50, 51,
            52, 53, 54, 55, 56, 57, 58, 59,
        ],
        (O::Connect, V2) => &[0, 1, 6, 10, 14, 28, 29, 30, 55, 56],
        (O::Connect, V3) => &[0, 1, 6, 10, 11, 14, 15, 19, 28, 29, 30, 31, 32, 55, 56, 57],
        (O::Connect, V4) => &[
            0, 1, 6, 10, 11, 14, 15, 19, 21, 28, 29, 30, 31, 32, 55, 56, 57, 58, 59,
        ],
        (O::RequestReportBcsmEvent, _) => &[0, 2],
        (O::EventReportBcsm, _) => &[0, 2, 3, 4, 5],
        (O::SendChargingInformation, _) => &[0, 1, 2],
        (O::ApplyCharging, V4) => &[0, 2, 3, 50],
        (O::ApplyCharging, _) => &[0, 2, 3],
        (O::CallInformationRequest, _) | (O::CallInformationReport, _) => &[0, 2, 3],
        (O::DisconnectForwardConnectionWithArgument, V4) => &[1, 2],
        (O::DisconnectForwardConnectionWithArgument, _) => &[2],
        (O::ConnectToResource, V4) => &[0, 3, 4, 7, 50],
        (O::ConnectToResource, _) => &[0, 3, 4, 7],
        (O::EstablishTemporaryConnection, V2) => &[0, 1, 3, 4, 7, 50],
        (O::EstablishTemporaryConnection, V3) => &[0, 1, 3, 4, 5, 6, 50, 51],
        (O::EstablishTemporaryConnection, V4) => &[0, 1, 3, 4, 5, 6, 7, 50, 51, 52, 53],
        (O::PlayAnnouncement, V4) => &[0, 1, 2, 3, 5, 51],
        (O::PlayAnnouncement, _) => &[0, 1, 2, 3],
        (O::PromptAndCollectUserInformation, V4) => &[0, 1, 2, 3, 4, 51],
        (O::PromptAndCollectUserInformation, _) => &[0, 1, 2, 3],
        (O::ResetTimer, V4) => &[0, 1, 2, 3],
        (O::ResetTimer, _) => &[0, 1, 2],
        (O::ContinueWithArgument, _) => &[1, 6, 7, 12, 16, 17, 18, 50, 52, 55, 56, 57, 58, 59],
        _ => return None,
    };
    Some(tags)
}

impl InitialDpArg {
    fn restrict(&mut self, version: CapVersion) {
        if version == CapVersion::V2 {
            self.cause = None;
            self.service_interaction_indicators_two = None;
            self.carrier = None;
            self.cug_index = None;
            self.cug_interlock = None;
            self.cug_outgoing_access = None;
        }
    }

    /// `initialDPArgExtension` read in the CAP v2 layout.
    pub fn extension_v2(&self) -> Option<Result<InitialDpArgExtensionV2, DecodeFailure>> {
        self.initial_dp_arg_extension
            .as_ref()
            .map(|raw| decode_exact(&wrap_sequence(&raw.0)))
    }

    /// `initialDPArgExtension` read in the CAP v3/v4 layout (unknown later components are
    /// ignored).
    pub fn extension(&self) -> Option<Result<InitialDpArgExtension, DecodeFailure>> {
        self.initial_dp_arg_extension.as_ref().map(|raw| {
            let whole = wrap_sequence(&raw.0);
            let kept = retain_components(&whole, |n| n <= 14)
                .ok_or_else(|| DecodeFailure("malformed initialDPArgExtension".into()))?;
            decode_exact(&kept)
        })
    }

    /// Sets `initialDPArgExtension` from the CAP v2 layout.
    pub fn set_extension_v2(&mut self, extension: &InitialDpArgExtensionV2) {
        self.initial_dp_arg_extension = Some(raw::RawConstructed(sequence_contents(extension)));
    }

    /// Sets `initialDPArgExtension` from the CAP v3/v4 layout (v4-only components are written
    /// only when `version` is v4).
    pub fn set_extension(&mut self, extension: &InitialDpArgExtension, version: CapVersion) {
        let mut extension = extension.clone();
        if version < CapVersion::V4 {
            extension.offered_camel4_functionalities = None;
            extension.enhanced_dialled_services_allowed = None;
            extension.uu_data = None;
            extension.collect_information_allowed = None;
            extension.release_call_arg_extension_allowed = None;
        }
        self.initial_dp_arg_extension = Some(raw::RawConstructed(sequence_contents(&extension)));
    }
}

/// A SEQUENCE element around `contents`.
fn wrap_sequence(contents: &[u8]) -> Vec<u8> {
    let mut out = vec![0x30];
    raw::push_length(&mut out, contents.len());
    out.extend_from_slice(contents);
    out
}

/// The contents octets of a SEQUENCE value's encoding.
fn sequence_contents<T: rasn::Encode>(value: &T) -> Vec<u8> {
    let whole = rasn::ber::encode(value).unwrap_or_default();
    raw::read_tlv(&whole)
        .map(|(tlv, _)| tlv.contents.to_vec())
        .unwrap_or_default()
}

impl ConnectArg {
    fn restrict(&mut self, version: CapVersion) {
        if version == CapVersion::V2 {
            self.carrier = None;
            self.service_interaction_indicators_two = None;
            self.charge_number = None;
            self.cug_interlock = None;
            self.cug_outgoing_access = None;
            self.na_oli_info = None;
        }
        if version < CapVersion::V4 {
            self.leg_to_be_connected = None;
            self.bor_interrogation_requested = None;
            self.suppress_n_csi = None;
        }
    }
}

impl RequestReportBcsmEventArg {
    fn restrict(&mut self, version: CapVersion) {
        if version < CapVersion::V4 {
            for event in &mut self.bcsm_events {
                event.automatic_rearm = None;
            }
        }
    }
}

impl EventReportBcsmArg {
    fn restrict(&mut self, version: CapVersion) {
        if let Some(info) = &mut self.event_specific_information_bcsm {
            match info {
                EventSpecificInformationBcsm::OAnswerSpecificInfo(a)
                | EventSpecificInformationBcsm::TAnswerSpecificInfo(a)
                    if version == CapVersion::V2 =>
                {
                    *a = AnswerSpecificInfo::default();
                }
                EventSpecificInformationBcsm::TBusySpecificInfo(b) => {
                    if version == CapVersion::V2 {
                        b.route_not_permitted = None;
                    }
                    if version < CapVersion::V4 {
                        b.forwarding_destination_number = None;
                    }
                }
                EventSpecificInformationBcsm::TNoAnswerSpecificInfo(b)
                    if version < CapVersion::V4 =>
                {
                    b.forwarding_destination_number = None;
                }
                _ => {}
            }
        }
    }
}

impl CapArgument {
    /// The operation this argument belongs to.
    pub fn operation(&self) -> Operation {
        match self {
            CapArgument::InitialDp(_) => Operation::InitialDp,
            CapArgument::EstablishTemporaryConnection(_) => Operation::EstablishTemporaryConnection,
            CapArgument::DisconnectForwardConnection => Operation::DisconnectForwardConnection,
            CapArgument::ConnectToResource(_) => Operation::ConnectToResource,
            CapArgument::Connect(_) => Operation::Connect,
            CapArgument::ReleaseCall(_) => Operation::ReleaseCall,
            CapArgument::RequestReportBcsmEvent(_) => Operation::RequestReportBcsmEvent,
            CapArgument::EventReportBcsm(_) => Operation::EventReportBcsm,
            CapArgument::Continue => Operation::Continue,
            CapArgument::ResetTimer(_) => Operation::ResetTimer,
            CapArgument::FurnishChargingInformation(_) => Operation::FurnishChargingInformation,
            CapArgument::ApplyCharging(_) => Operation::ApplyCharging,
            CapArgument::ApplyChargingReport(_) => Operation::ApplyChargingReport,
            CapArgument::CallInformationReport(_) => Operation::CallInformationReport,
            CapArgument::CallInformationRequest(_) => Operation::CallInformationRequest,
            CapArgument::SendChargingInformation(_) => Operation::SendChargingInformation,
            CapArgument::PlayAnnouncement(_) => Operation::PlayAnnouncement,
            CapArgument::PromptAndCollectUserInformation(_) => {
                Operation::PromptAndCollectUserInformation
            }
            CapArgument::SpecializedResourceReport(_) => Operation::SpecializedResourceReport,
            CapArgument::Cancel(_) => Operation::Cancel,
            CapArgument::ActivityTest => Operation::ActivityTest,
            CapArgument::DisconnectForwardConnectionWithArgument(_) => {
                Operation::DisconnectForwardConnectionWithArgument
            }
            CapArgument::ContinueWithArgument(_) => Operation::ContinueWithArgument,
        }
    }

    /// The local operation code for the Invoke.
    pub fn opcode(&self) -> i64 {
        self.operation().code()
    }

    /// This value as `version` carries it: components the version does not define are removed
    /// and version-specific layouts chosen. Decoding returns values in this form.
    pub fn for_version(&self, version: CapVersion) -> CapArgument {
        let mut value = self.clone();
        match &mut value {
            CapArgument::InitialDp(arg) => arg.restrict(version),
            CapArgument::Connect(arg) => arg.restrict(version),
            CapArgument::ReleaseCall(arg) => {
                if let ReleaseCallArg::AllCallSegmentsWithExtension(with) = arg {
                    if version < CapVersion::V4 {
                        *arg = ReleaseCallArg::AllCallSegments(with.all_call_segments.clone());
                    }
                }
            }
            CapArgument::RequestReportBcsmEvent(arg) => arg.restrict(version),
            CapArgument::EventReportBcsm(arg) => arg.restrict(version),
            CapArgument::ApplyCharging(arg) if version < CapVersion::V4 => {
                arg.ach_charging_address = None;
            }
            CapArgument::ConnectToResource(arg) if version < CapVersion::V4 => {
                arg.call_segment_id = None;
            }
            CapArgument::EstablishTemporaryConnection(arg) => {
                if version == CapVersion::V2 {
                    arg.carrier = None;
                    arg.na_oli_info = None;
                    arg.charge_number = None;
                }
                if version < CapVersion::V4 {
                    arg.call_segment_id = None;
                    arg.original_called_party_id = None;
                    arg.calling_party_number = None;
                }
            }
            CapArgument::PlayAnnouncement(arg) if version < CapVersion::V4 => {
                arg.call_segment_id = None;
                arg.request_announcement_started_notification = None;
            }
            CapArgument::PromptAndCollectUserInformation(arg) if version < CapVersion::V4 => {
                arg.call_segment_id = None;
                arg.request_announcement_started_notification = None;
            }
            CapArgument::SpecializedResourceReport(arg) if version < CapVersion::V4 => {
                *arg = SpecializedResourceReportArg::AllAnnouncementsComplete(());
            }
            CapArgument::ResetTimer(arg) if version < CapVersion::V4 => {
                arg.call_segment_id = None;
            }
            CapArgument::DisconnectForwardConnectionWithArgument(arg)
                if version < CapVersion::V4 =>
            {
                arg.call_segment_id = None;
            }
            _ => {}
        }
        value
    }

    /// The BER element to put into the TCAP Invoke `parameter` (empty for operations without
    /// an argument). Components `version` does not define are left out.
    pub fn encode_argument(&self, version: CapVersion) -> Vec<u8> {
        let value = self.for_version(version);
        let encoded = match &value {
            CapArgument::Continue
            | CapArgument::ActivityTest
            | CapArgument::DisconnectForwardConnection => return Vec::new(),
            CapArgument::InitialDp(arg) => rasn::ber::encode(arg.as_ref()),
            CapArgument::EstablishTemporaryConnection(arg) => {
                if version == CapVersion::V2 {
                    rasn::ber::encode(&EstablishTemporaryConnectionArgV2 {
                        assisting_ssp_ip_routing_address: arg
                            .assisting_ssp_ip_routing_address
                            .clone(),
                        correlation_id: arg.correlation_id.clone(),
                        scf_id: arg.scf_id.clone(),
                        extensions: arg.extensions.clone(),
                        service_interaction_indicators_two: arg
                            .service_interaction_indicators_two
                            .clone(),
                        na_info: None,
                    })
                } else {
                    rasn::ber::encode(arg)
                }
            }
            CapArgument::ConnectToResource(arg) => rasn::ber::encode(arg),
            CapArgument::Connect(arg) => rasn::ber::encode(arg.as_ref()),
            CapArgument::ReleaseCall(arg) => rasn::ber::encode(arg),
            CapArgument::RequestReportBcsmEvent(arg) => rasn::ber::encode(arg),
            CapArgument::EventReportBcsm(arg) => rasn::ber::encode(arg),
            CapArgument::ResetTimer(arg) => rasn::ber::encode(arg),
            CapArgument::FurnishChargingInformation(octets)
            | CapArgument::ApplyChargingReport(octets) => rasn::ber::encode(octets),
            CapArgument::ApplyCharging(arg) => rasn::ber::encode(arg),
            CapArgument::CallInformationReport(arg) => rasn::ber::encode(arg),
            CapArgument::CallInformationRequest(arg) => rasn::ber::encode(arg),
            CapArgument::SendChargingInformation(arg) => rasn::ber::encode(arg),
            CapArgument::PlayAnnouncement(arg) => rasn::ber::encode(arg),
            CapArgument::PromptAndCollectUserInformation(arg) => rasn::ber::encode(arg),
            CapArgument::SpecializedResourceReport(_) if version < CapVersion::V4 => {
                rasn::ber::encode(&())
            }
            CapArgument::SpecializedResourceReport(arg) => rasn::ber::encode(arg),
            CapArgument::Cancel(arg) => rasn::ber::encode(arg),
            CapArgument::DisconnectForwardConnectionWithArgument(arg) => rasn::ber::encode(arg),
            CapArgument::ContinueWithArgument(arg) => rasn::ber::encode(arg.as_ref()),
        };
        // Encoding our own derived types cannot fail: every value of them is encodable in BER.
        encoded.unwrap_or_default()
    }

    /// Decodes the parameter of an Invoke with local operation code `opcode` received in a
    /// dialogue of `version`. `bytes` is the parameter element (empty when the Invoke has
    /// none). Never panics; the error says which Reject to answer with.
    pub fn decode_argument(
        version: CapVersion,
        opcode: i64,
        bytes: &[u8],
    ) -> Result<CapArgument, ArgError> {
        let operation = Operation::from_code(opcode)
            .filter(|op| op.in_version(version))
            .ok_or(ArgError::UnrecognizedOperation { opcode, version })?;
        let mistyped = |reason: String| ArgError::MistypedParameter { operation, reason };
        if operation.has_no_argument() {
            if !bytes.is_empty() {
                return Err(mistyped("an argument where none is defined".into()));
            }
            return Ok(match operation {
                Operation::Continue => CapArgument::Continue,
                Operation::ActivityTest => CapArgument::ActivityTest,
                _ => CapArgument::DisconnectForwardConnection,
            });
        }
        if bytes.is_empty() {
            return Err(mistyped("the argument is missing".into()));
        }
        // Drop components the version does not know (extension additions), then decode.
        let screened;
        let input = match known_tags(operation, version) {
            Some(tags) => {
                screened = retain_components(bytes, |n| tags.contains(&n))
                    .ok_or_else(|| mistyped("not a well-formed constructed element".into()))?;
                &screened[..]
            }
            None => bytes,
        };
        let fail = |e: DecodeFailure| mistyped(e.0);
        let value = match operation {
            Operation::InitialDp => {
                CapArgument::InitialDp(Box::new(decode_exact(input).map_err(fail)?))
            }
            Operation::EstablishTemporaryConnection => {
                if version == CapVersion::V2 {
                    let v2: EstablishTemporaryConnectionArgV2 =
                        decode_exact(input).map_err(fail)?;
                    CapArgument::EstablishTemporaryConnection(EstablishTemporaryConnectionArg {
                        assisting_ssp_ip_routing_address: v2.assisting_ssp_ip_routing_address,
                        correlation_id: v2.correlation_id,
                        scf_id: v2.scf_id,
                        extensions: v2.extensions,
                        service_interaction_indicators_two: v2.service_interaction_indicators_two,
                        ..Default::default()
                    })
                } else {
                    CapArgument::EstablishTemporaryConnection(decode_exact(input).map_err(fail)?)
                }
            }
            Operation::ConnectToResource => {
                CapArgument::ConnectToResource(decode_exact(input).map_err(fail)?)
            }
            Operation::Connect => {
                CapArgument::Connect(Box::new(decode_exact(input).map_err(fail)?))
            }
            Operation::ReleaseCall => {
                let arg: ReleaseCallArg = decode_exact(input).map_err(fail)?;
                if version < CapVersion::V4
                    && matches!(arg, ReleaseCallArg::AllCallSegmentsWithExtension(_))
                {
                    return Err(mistyped(
                        "allCallSegmentsWithExtension is CAP v4 only".into(),
                    ));
                }
                CapArgument::ReleaseCall(arg)
            }
            Operation::RequestReportBcsmEvent => {
                CapArgument::RequestReportBcsmEvent(decode_exact(input).map_err(fail)?)
            }
            Operation::EventReportBcsm => {
                CapArgument::EventReportBcsm(decode_exact(input).map_err(fail)?)
            }
            Operation::ResetTimer => CapArgument::ResetTimer(decode_exact(input).map_err(fail)?),
            Operation::FurnishChargingInformation => {
                CapArgument::FurnishChargingInformation(decode_exact(input).map_err(fail)?)
            }
            Operation::ApplyCharging => {
                CapArgument::ApplyCharging(decode_exact(input).map_err(fail)?)
            }
            Operation::ApplyChargingReport => {
                CapArgument::ApplyChargingReport(decode_exact(input).map_err(fail)?)
            }
            Operation::CallInformationReport => {
                CapArgument::CallInformationReport(decode_exact(input).map_err(fail)?)
            }
            Operation::CallInformationRequest => {
                CapArgument::CallInformationRequest(decode_exact(input).map_err(fail)?)
            }
            Operation::SendChargingInformation => {
                CapArgument::SendChargingInformation(decode_exact(input).map_err(fail)?)
            }
            Operation::PlayAnnouncement => {
                CapArgument::PlayAnnouncement(decode_exact(input).map_err(fail)?)
            }
            Operation::PromptAndCollectUserInformation => {
                CapArgument::PromptAndCollectUserInformation(decode_exact(input).map_err(fail)?)
            }
            Operation::SpecializedResourceReport => {
                if version < CapVersion::V4 {
                    let () = decode_exact(input).map_err(fail)?;
                    CapArgument::SpecializedResourceReport(
                        SpecializedResourceReportArg::AllAnnouncementsComplete(()),
                    )
                } else {
                    CapArgument::SpecializedResourceReport(decode_exact(input).map_err(fail)?)
                }
            }
            Operation::Cancel => CapArgument::Cancel(decode_exact(input).map_err(fail)?),
            Operation::DisconnectForwardConnectionWithArgument => {
                CapArgument::DisconnectForwardConnectionWithArgument(
                    decode_exact(input).map_err(fail)?,
                )
            }
            Operation::ContinueWithArgument => {
                CapArgument::ContinueWithArgument(Box::new(decode_exact(input).map_err(fail)?))
            }
            Operation::Continue
            | Operation::ActivityTest
            | Operation::DisconnectForwardConnection => {
                return Err(mistyped("no argument expected".into()));
            }
        };
        Ok(value.for_version(version))
    }
}

/// The result of a CAP operation (ReturnResult parameter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CapResult {
    /// PromptAndCollectUserInformation result.
    PromptAndCollectUserInformation(ReceivedInformationArg),
    /// ActivityTest result (no parameter).
    ActivityTest,
}

impl CapResult {
    /// The operation answered.
    pub fn operation(&self) -> Operation {
        match self {
            CapResult::PromptAndCollectUserInformation(_) => {
                Operation::PromptAndCollectUserInformation
            }
            CapResult::ActivityTest => Operation::ActivityTest,
        }
    }

    /// The operation code to put into the ReturnResult's `result` sequence.
    pub fn opcode(&self) -> i64 {
        self.operation().code()
    }

    /// The BER element of the result parameter (empty for ActivityTest).
    pub fn encode_result(&self, _version: CapVersion) -> Vec<u8> {
        match self {
            CapResult::PromptAndCollectUserInformation(r) => {
                rasn::ber::encode(r).unwrap_or_default()
            }
            CapResult::ActivityTest => Vec::new(),
        }
    }

    /// Decodes a ReturnResult parameter for operation `opcode` (empty `bytes`: no parameter).
    pub fn decode_result(
        version: CapVersion,
        opcode: i64,
        bytes: &[u8],
    ) -> Result<CapResult, ResultError> {
        let operation = Operation::from_code(opcode)
            .filter(|op| op.in_version(version) && op.has_result())
            .ok_or(ResultError::ReturnResultUnexpected { opcode })?;
        let mistyped = |reason: String| ResultError::MistypedParameter { operation, reason };
        match operation {
            Operation::ActivityTest => {
                if bytes.is_empty() {
                    Ok(CapResult::ActivityTest)
                } else {
                    Err(mistyped("a result parameter where none is defined".into()))
                }
            }
            _ => {
                if bytes.is_empty() {
                    return Err(mistyped("the result is missing".into()));
                }
                decode_exact(bytes)
                    .map(CapResult::PromptAndCollectUserInformation)
                    .map_err(|e| mistyped(e.0))
            }
        }
    }
}

/// CAP error codes (TS 29.078 CAP-errorcodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum ErrorCode {
    Canceled = 0,
    CancelFailed = 1,
    EtcFailed = 3,
    ImproperCallerResponse = 4,
    MissingCustomerRecord = 6,
    MissingParameter = 7,
    ParameterOutOfRange = 8,
    RequestedInfoError = 10,
    SystemFailure = 11,
    TaskRefused = 12,
    UnavailableResource = 13,
    UnexpectedComponentSequence = 14,
    UnexpectedDataValue = 15,
    UnexpectedParameter = 16,
    UnknownLegId = 17,
    /// v4.
    UnknownCsId = 51,
}

impl ErrorCode {
    /// Every error code.
    pub const ALL: [ErrorCode; 16] = [
        ErrorCode::Canceled,
        ErrorCode::CancelFailed,
        ErrorCode::EtcFailed,
        ErrorCode::ImproperCallerResponse,
        ErrorCode::MissingCustomerRecord,
        ErrorCode::MissingParameter,
        ErrorCode::ParameterOutOfRange,
        ErrorCode::RequestedInfoError,
        ErrorCode::SystemFailure,
        ErrorCode::TaskRefused,
        ErrorCode::UnavailableResource,
        ErrorCode::UnexpectedComponentSequence,
        ErrorCode::UnexpectedDataValue,
        ErrorCode::UnexpectedParameter,
        ErrorCode::UnknownLegId,
        ErrorCode::UnknownCsId,
    ];

    /// The local error code.
    pub fn code(self) -> i64 {
        self as i64
    }

    /// The error with this local code that `version` defines.
    pub fn from_code(version: CapVersion, code: i64) -> Option<ErrorCode> {
        ErrorCode::ALL
            .into_iter()
            .find(|e| e.code() == code)
            .filter(|e| *e != ErrorCode::UnknownCsId || version >= CapVersion::V4)
    }
}

/// A CAP error with its parameter (ReturnError).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum CapError {
    Canceled,
    CancelFailed(CancelFailedParam),
    EtcFailed,
    ImproperCallerResponse,
    MissingCustomerRecord,
    MissingParameter,
    ParameterOutOfRange,
    RequestedInfoError(RequestedInfoErrorParam),
    SystemFailure(UnavailableNetworkResource),
    TaskRefused(TaskRefusedParam),
    UnavailableResource,
    UnexpectedComponentSequence,
    UnexpectedDataValue,
    UnexpectedParameter,
    UnknownLegId,
    UnknownCsId,
}

impl CapError {
    /// The error code.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            CapError::Canceled => ErrorCode::Canceled,
            CapError::CancelFailed(_) => ErrorCode::CancelFailed,
            CapError::EtcFailed => ErrorCode::EtcFailed,
            CapError::ImproperCallerResponse => ErrorCode::ImproperCallerResponse,
            CapError::MissingCustomerRecord => ErrorCode::MissingCustomerRecord,
            CapError::MissingParameter => ErrorCode::MissingParameter,
            CapError::ParameterOutOfRange => ErrorCode::ParameterOutOfRange,
            CapError::RequestedInfoError(_) => ErrorCode::RequestedInfoError,
            CapError::SystemFailure(_) => ErrorCode::SystemFailure,
            CapError::TaskRefused(_) => ErrorCode::TaskRefused,
            CapError::UnavailableResource => ErrorCode::UnavailableResource,
            CapError::UnexpectedComponentSequence => ErrorCode::UnexpectedComponentSequence,
            CapError::UnexpectedDataValue => ErrorCode::UnexpectedDataValue,
            CapError::UnexpectedParameter => ErrorCode::UnexpectedParameter,
            CapError::UnknownLegId => ErrorCode::UnknownLegId,
            CapError::UnknownCsId => ErrorCode::UnknownCsId,
        }
    }

    /// The local error code for the ReturnError.
    pub fn code(&self) -> i64 {
        self.error_code().code()
    }

    /// The BER element of the error parameter (empty for errors without one).
    pub fn encode_parameter(&self, _version: CapVersion) -> Vec<u8> {
        let encoded = match self {
            CapError::CancelFailed(p) => rasn::ber::encode(p),
            CapError::RequestedInfoError(p) => rasn::ber::encode(p),
            CapError::SystemFailure(p) => rasn::ber::encode(p),
            CapError::TaskRefused(p) => rasn::ber::encode(p),
            _ => return Vec::new(),
        };
        encoded.unwrap_or_default()
    }

    /// Decodes a ReturnError with local error code `code` (empty `bytes`: no parameter).
    pub fn decode_error(
        version: CapVersion,
        code: i64,
        bytes: &[u8],
    ) -> Result<CapError, ErrorError> {
        let error =
            ErrorCode::from_code(version, code).ok_or(ErrorError::UnrecognizedError { code })?;
        let mistyped = |reason: String| ErrorError::MistypedParameter { code, reason };
        let fail = |e: DecodeFailure| mistyped(e.0);
        let needs_parameter = matches!(
            error,
            ErrorCode::CancelFailed
                | ErrorCode::RequestedInfoError
                | ErrorCode::SystemFailure
                | ErrorCode::TaskRefused
        );
        if needs_parameter == bytes.is_empty() {
            return Err(mistyped(if needs_parameter {
                "the parameter is missing".into()
            } else {
                "a parameter where none is defined".into()
            }));
        }
        Ok(match error {
            ErrorCode::Canceled => CapError::Canceled,
            ErrorCode::CancelFailed => CapError::CancelFailed(decode_exact(bytes).map_err(fail)?),
            ErrorCode::EtcFailed => CapError::EtcFailed,
            ErrorCode::ImproperCallerResponse => CapError::ImproperCallerResponse,
            ErrorCode::MissingCustomerRecord => CapError::MissingCustomerRecord,
            ErrorCode::MissingParameter => CapError::MissingParameter,
            ErrorCode::ParameterOutOfRange => CapError::ParameterOutOfRange,
            ErrorCode::RequestedInfoError => {
                CapError::RequestedInfoError(decode_exact(bytes).map_err(fail)?)
            }
            ErrorCode::SystemFailure => CapError::SystemFailure(decode_exact(bytes).map_err(fail)?),
            ErrorCode::TaskRefused => CapError::TaskRefused(decode_exact(bytes).map_err(fail)?),
            ErrorCode::UnavailableResource => CapError::UnavailableResource,
            ErrorCode::UnexpectedComponentSequence => CapError::UnexpectedComponentSequence,
            ErrorCode::UnexpectedDataValue => CapError::UnexpectedDataValue,
            ErrorCode::UnexpectedParameter => CapError::UnexpectedParameter,
            ErrorCode::UnknownLegId => CapError::UnknownLegId,
            ErrorCode::UnknownCsId => CapError::UnknownCsId,
        })
    }
}
