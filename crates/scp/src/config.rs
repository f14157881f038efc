//! What the engine is told by configuration: the subsystems it serves, the SSP models, the
//! number rules and the timers. Plain values; the server reads them from its TOML file.

use std::time::Duration;

use callctl_inap::cap::CapVersion;
use callctl_tcap::Oid;

/// Core-INAP-CS1-SSP-to-SCP-AC (ETS 300 374-1): the context an INAP CS-1 SSP proposes in the
/// AARQ of a dialogue that starts with InitialDP.
pub const AC_CS1_SSP_TO_SCP: &[u32] = &[0, 4, 0, 1, 1, 1, 0, 0];

/// The application protocol a dialogue speaks (platform "inap" attribute of an SSP model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Variant {
    /// ITU-T / ETSI INAP CS-1.
    Cs1,
    /// CAMEL Application Part of the given phase (2, 3 or 4).
    Camel(CapVersion),
}

impl Variant {
    /// The variant named in configuration: `cs1`, `camel2`, `camel3`, `camel4`.
    pub fn from_name(name: &str) -> Option<Variant> {
        Some(match name.to_ascii_lowercase().as_str() {
            "cs1" => Variant::Cs1,
            "camel2" => Variant::Camel(CapVersion::V2),
            "camel3" => Variant::Camel(CapVersion::V3),
            "camel4" => Variant::Camel(CapVersion::V4),
            _ => return None,
        })
    }

    /// The configuration name (as EDRs and logs show it).
    pub fn name(self) -> &'static str {
        match self {
            Variant::Cs1 => "cs1",
            Variant::Camel(CapVersion::V2) => "camel2",
            Variant::Camel(CapVersion::V3) => "camel3",
            Variant::Camel(CapVersion::V4) => "camel4",
        }
    }

    /// The SSP-to-SCP application context an SSP of this variant proposes by default.
    pub fn default_application_context(self) -> Oid {
        let arcs = match self {
            Variant::Cs1 => AC_CS1_SSP_TO_SCP,
            Variant::Camel(v) => v.application_context(),
        };
        Oid::new(arcs).expect("the standard contexts are valid object identifiers")
    }
}

/// Which application context goes back in the AARE (platform `returned_ac`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReturnedAc {
    /// The one the SSP proposed.
    Copy,
    /// This one.
    Fixed(Oid),
}

/// One SSP model (platform-notes §5.1): how to talk to one kind of switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SspModel {
    /// Unique name, shown in logs and events.
    pub name: String,
    /// INAP CS-1 or a CAMEL phase.
    pub variant: Variant,
    /// Application contexts whose dialogues this model takes (the first model listing the
    /// proposed context wins). Empty: the variant's standard SSP-to-SCP context.
    pub application_contexts: Vec<Oid>,
    /// The context returned in the AARE.
    pub returned_ac: ReturnedAc,
    /// Strip a trailing ST (`F`) digit from the called party number of the InitialDP.
    pub trim_called_party_stop_digit: bool,
    /// Release cause translation: a cause the service asks for is sent as the mapped one.
    pub release_cause_translation: Vec<(u8, u8)>,
}

impl SspModel {
    /// A model with the variant's standard context, `copy` and no translation.
    pub fn new(name: &str, variant: Variant) -> SspModel {
        SspModel {
            name: name.to_string(),
            variant,
            application_contexts: Vec::new(),
            returned_ac: ReturnedAc::Copy,
            trim_called_party_stop_digit: true,
            release_cause_translation: Vec::new(),
        }
    }

    /// Whether a dialogue proposing `ac` belongs to this model.
    pub fn accepts(&self, ac: &Oid) -> bool {
        if self.application_contexts.is_empty() {
            match self.variant {
                Variant::Cs1 => ac.arcs() == AC_CS1_SSP_TO_SCP,
                Variant::Camel(v) => CapVersion::from_application_context(ac.arcs()) == Some(v),
            }
        } else {
            self.application_contexts.contains(ac)
        }
    }

    /// The cause sent for a cause the service asked for.
    pub fn translate_cause(&self, cause: u8) -> u8 {
        self.release_cause_translation
            .iter()
            .find(|(from, _)| *from == cause)
            .map_or(cause, |(_, to)| *to)
    }
}

/// One normalisation rule (platform-notes §5.6): digits with a nature of address become
/// digits only. The first rule that matches wins. Read from configuration as a table with
/// these field names.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NormRule {
    /// Nature of address the number must have (`None`: any).
    pub noa: Option<u8>,
    /// Prefix the digits must start with.
    pub match_prefix: String,
    /// Shortest digit string the rule takes.
    pub min_len: Option<usize>,
    /// Longest digit string the rule takes.
    pub max_len: Option<usize>,
    /// Leading digits removed.
    pub strip: usize,
    /// Digits put in front afterwards.
    pub prepend: String,
}

/// One denormalisation rule: digits only become digits with a nature of address. Read from
/// configuration as a table with these field names.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DenormRule {
    /// Prefix the digits must start with.
    pub match_prefix: String,
    /// Shortest digit string the rule takes.
    pub min_len: Option<usize>,
    /// Longest digit string the rule takes.
    pub max_len: Option<usize>,
    /// Leading digits removed.
    pub strip: usize,
    /// Digits put in front afterwards.
    pub prepend: String,
    /// Nature of address of the result.
    pub noa: u8,
}

/// Number rules, per kind of number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberRules {
    /// IDP calledPartyNumber, originalCalledPartyID.
    pub normalise_called: Vec<NormRule>,
    /// IDP callingPartyNumber, redirectingPartyID.
    pub normalise_calling: Vec<NormRule>,
    /// CAP IDP calledPartyBCDNumber (the type of number takes the place of the NoA).
    pub normalise_called_bcd: Vec<NormRule>,
    /// Connect destinationRoutingAddress and originalCalledPartyID.
    pub denormalise_called: Vec<DenormRule>,
    /// Connect redirectingPartyID.
    pub denormalise_calling: Vec<DenormRule>,
    /// Nature of address of a denormalised number no rule matched (3: national significant).
    pub default_noa: u8,
}

impl Default for NumberRules {
    fn default() -> Self {
        NumberRules {
            normalise_called: Vec::new(),
            normalise_calling: Vec::new(),
            normalise_called_bcd: Vec::new(),
            denormalise_called: Vec::new(),
            denormalise_calling: Vec::new(),
            default_noa: 3,
        }
    }
}

/// Everything the engine needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScpConfig {
    /// Subsystem numbers served (called SSN of received messages); others are returned with
    /// cause "unequipped user".
    pub ssns: Vec<u8>,
    /// SSP models, tried in order.
    pub models: Vec<SspModel>,
    /// The model for a dialogue whose Begin carries no dialogue portion (`None`: such
    /// dialogues are aborted).
    pub model_without_ac: Option<usize>,
    /// Release cause when the service gives none (Q.850 value).
    pub default_release_cause: u8,
    /// Time the service logic has for each decision (platform `service_logic_ms`); on
    /// expiry the call is released with the default cause.
    pub service_logic: Duration,
    /// No-answer time armed by a termination attempt when the service gives none, seconds
    /// (`applicationTimer`, at most 2047).
    pub default_no_answer_secs: u16,
    /// Time between ActivityTests on an answered monitored or charged call.
    pub activity_test_interval: Duration,
    /// Longest an answered monitored or charged call is held (platform
    /// `max_monitored_call_secs`); then it is released with the default cause.
    pub max_monitored_call: Duration,
    /// Most dialogues at once.
    pub max_dialogues: usize,
    /// Number rules.
    pub numbers: NumberRules,
}

impl Default for ScpConfig {
    /// SSNs 12 (INAP) and 146 (CAP), models `cs1` and `camel2`, cause 31, 2.5 s, 100,000
    /// dialogues.
    fn default() -> Self {
        ScpConfig {
            ssns: vec![12, 146],
            models: vec![
                SspModel::new("cs1", Variant::Cs1),
                SspModel::new("camel2", Variant::Camel(CapVersion::V2)),
            ],
            model_without_ac: None,
            default_release_cause: 31,
            service_logic: Duration::from_millis(2500),
            default_no_answer_secs: 30,
            activity_test_interval: Duration::from_secs(300),
            max_monitored_call: Duration::from_secs(7200),
            max_dialogues: 100_000,
            numbers: NumberRules::default(),
        }
    }
}
