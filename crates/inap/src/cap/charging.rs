//! Contents of the charging OCTET STRINGs of CAP (TS 29.078 CAP-datatypes; GSM 09.78 for v2):
//! `CAMEL-AChBillingChargingCharacteristics` (ApplyCharging), `CAMEL-CallResult`
//! (ApplyChargingReport), `CAMEL-FCIBillingChargingCharacteristics` (FurnishChargingInformation)
//! and `CAMEL-SCIBillingChargingCharacteristics` (SendChargingInformation).
//!
//! The ApplyCharging contents differ between versions (v2: `releaseIfdurationExceeded` is a
//! SEQUENCE holding `tone`; v3: a BOOLEAN and `tone [3] BOOLEAN`; v4: `audibleIndicator [3]`
//! CHOICE), so [`AchBillingChargingCharacteristics`] is one friendly value with a
//! version-aware [`encode`](AchBillingChargingCharacteristics::encode) and
//! [`decode`](AchBillingChargingCharacteristics::decode).

use rasn::prelude::*;

use super::raw::RawConstructed;
use super::types::{Extensions, ReceivingSideId, SendingSideId};
use super::{CapVersion, DecodeFailure};

mod v2 {
    use super::*;

    #[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
    pub struct ReleaseIfDurationExceeded {
        pub tone: Option<bool>,
        #[rasn(tag(context, 10))]
        pub extensions: Option<Extensions>,
    }

    #[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
    pub struct TimeDurationCharging {
        #[rasn(tag(context, 0))]
        pub max_call_period_duration: u32,
        #[rasn(tag(context, 1))]
        pub release_if_duration_exceeded: Option<ReleaseIfDurationExceeded>,
        #[rasn(tag(context, 2))]
        pub tariff_switch_interval: Option<u32>,
    }

    #[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
    #[rasn(choice)]
    pub enum Ach {
        #[rasn(tag(context, 0))]
        TimeDurationCharging(TimeDurationCharging),
    }
}

mod v3 {
    use super::*;

    #[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
    pub struct TimeDurationCharging {
        #[rasn(tag(context, 0))]
        pub max_call_period_duration: u32,
        #[rasn(tag(context, 1))]
        pub release_if_duration_exceeded: Option<bool>,
        #[rasn(tag(context, 2))]
        pub tariff_switch_interval: Option<u32>,
        #[rasn(tag(context, 3))]
        pub tone: Option<bool>,
        #[rasn(tag(context, 4))]
        pub extensions: Option<Extensions>,
    }

    #[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
    #[rasn(choice)]
    pub enum Ach {
        #[rasn(tag(context, 0))]
        TimeDurationCharging(TimeDurationCharging),
    }
}

mod v4 {
    use super::*;

    #[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
    #[rasn(choice)]
    pub enum AudibleIndicator {
        Tone(bool),
        #[rasn(tag(context, 1))]
        BurstList(RawConstructed),
    }

    #[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
    pub struct TimeDurationCharging {
        #[rasn(tag(context, 0))]
        pub max_call_period_duration: u32,
        #[rasn(tag(context, 1))]
        pub release_if_duration_exceeded: Option<bool>,
        #[rasn(tag(context, 2))]
        pub tariff_switch_interval: Option<u32>,
        #[rasn(tag(explicit(context, 3)))]
        pub audible_indicator: Option<AudibleIndicator>,
        #[rasn(tag(context, 4))]
        pub extensions: Option<Extensions>,
    }

    #[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
    #[rasn(choice)]
    pub enum Ach {
        #[rasn(tag(context, 0))]
        TimeDurationCharging(TimeDurationCharging),
    }
}

/// `CAMEL-AChBillingChargingCharacteristics` `timeDurationCharging`, the same value for every
/// version; [`encode`](Self::encode) writes the layout of the version.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AchBillingChargingCharacteristics {
    /// `maxCallPeriodDuration`, 100 ms units (1..864000).
    pub max_call_period_duration: u32,
    /// Release the call when the period is used up.
    pub release_if_duration_exceeded: bool,
    /// `tariffSwitchInterval`, seconds (1..86400).
    pub tariff_switch_interval: Option<u32>,
    /// Play a warning tone 30 s before the period ends (v2: only together with
    /// `release_if_duration_exceeded`).
    pub tone: bool,
    /// v4 `audibleIndicator burstList`, raw contents; written only for v4 (instead of `tone`).
    pub burst_list: Option<RawConstructed>,
    /// Extensions (v2: inside `releaseIfdurationExceeded`, so only when that is set).
    pub extensions: Option<Extensions>,
}

impl AchBillingChargingCharacteristics {
    /// The BER encoding for `version`, to put into `ApplyChargingArg`.
    pub fn encode(&self, version: CapVersion) -> Vec<u8> {
        let result = match version {
            CapVersion::V2 => {
                let release =
                    self.release_if_duration_exceeded
                        .then(|| v2::ReleaseIfDurationExceeded {
                            tone: self.tone.then_some(true),
                            extensions: self.extensions.clone(),
                        });
                rasn::ber::encode(&v2::Ach::TimeDurationCharging(v2::TimeDurationCharging {
                    max_call_period_duration: self.max_call_period_duration,
                    release_if_duration_exceeded: release,
                    tariff_switch_interval: self.tariff_switch_interval,
                }))
            }
            CapVersion::V3 => {
                rasn::ber::encode(&v3::Ach::TimeDurationCharging(v3::TimeDurationCharging {
                    max_call_period_duration: self.max_call_period_duration,
                    release_if_duration_exceeded: self.release_if_duration_exceeded.then_some(true),
                    tariff_switch_interval: self.tariff_switch_interval,
                    tone: self.tone.then_some(true),
                    extensions: self.extensions.clone(),
                }))
            }
            CapVersion::V4 => {
                let audible = match (&self.burst_list, self.tone) {
                    (Some(list), _) => Some(v4::AudibleIndicator::BurstList(list.clone())),
                    (None, true) => Some(v4::AudibleIndicator::Tone(true)),
                    (None, false) => None,
                };
                rasn::ber::encode(&v4::Ach::TimeDurationCharging(v4::TimeDurationCharging {
                    max_call_period_duration: self.max_call_period_duration,
                    release_if_duration_exceeded: self.release_if_duration_exceeded.then_some(true),
                    tariff_switch_interval: self.tariff_switch_interval,
                    audible_indicator: audible,
                    extensions: self.extensions.clone(),
                }))
            }
        };
        result.unwrap_or_default()
    }

    /// Reads the contents in the layout of `version`.
    pub fn decode(version: CapVersion, bytes: &[u8]) -> Result<Self, DecodeFailure> {
        match version {
            CapVersion::V2 => {
                let v2::Ach::TimeDurationCharging(t) = decode_exact::<v2::Ach>(bytes)?;
                let release = t.release_if_duration_exceeded;
                Ok(Self {
                    max_call_period_duration: t.max_call_period_duration,
                    release_if_duration_exceeded: release.is_some(),
                    tariff_switch_interval: t.tariff_switch_interval,
                    tone: release.as_ref().and_then(|r| r.tone).unwrap_or(false),
                    burst_list: None,
                    extensions: release.and_then(|r| r.extensions),
                })
            }
            CapVersion::V3 => {
                let v3::Ach::TimeDurationCharging(t) = decode_exact::<v3::Ach>(bytes)?;
                Ok(Self {
                    max_call_period_duration: t.max_call_period_duration,
                    release_if_duration_exceeded: t.release_if_duration_exceeded.unwrap_or(false),
                    tariff_switch_interval: t.tariff_switch_interval,
                    tone: t.tone.unwrap_or(false),
                    burst_list: None,
                    extensions: t.extensions,
                })
            }
            CapVersion::V4 => {
                let v4::Ach::TimeDurationCharging(t) = decode_exact::<v4::Ach>(bytes)?;
                let (tone, burst_list) = match t.audible_indicator {
                    Some(v4::AudibleIndicator::Tone(tone)) => (tone, None),
                    Some(v4::AudibleIndicator::BurstList(list)) => (false, Some(list)),
                    None => (false, None),
                };
                Ok(Self {
                    max_call_period_duration: t.max_call_period_duration,
                    release_if_duration_exceeded: t.release_if_duration_exceeded.unwrap_or(false),
                    tariff_switch_interval: t.tariff_switch_interval,
                    tone,
                    burst_list,
                    extensions: t.extensions,
                })
            }
        }
    }
}

/// `TimeIfTariffSwitch ::= SEQUENCE`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct TimeIfTariffSwitch {
    /// `[0]` 100 ms units.
    #[rasn(tag(context, 0))]
    pub time_since_tariff_switch: u32,
    /// `[1]` 100 ms units.
    #[rasn(tag(context, 1))]
    pub tariff_switch_interval: Option<u32>,
}

/// `TimeInformation ::= CHOICE`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum TimeInformation {
    /// `[0]` 100 ms units.
    #[rasn(tag(context, 0))]
    TimeIfNoTariffSwitch(u32),
    /// `[1]`
    #[rasn(tag(context, 1))]
    TimeIfTariffSwitch(TimeIfTariffSwitch),
}

/// `timeDurationChargingResult` of `CAMEL-CallResult`. Same tags in every version (v4 renames
/// `callActive` to `legActive` and `callReleasedAtTcpExpiry` to `callLegReleasedAtTcpExpiry`).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct TimeDurationChargingResult {
    /// `[0]`
    #[rasn(tag(explicit(context, 0)))]
    pub party_to_charge: ReceivingSideId,
    /// `[1]`
    #[rasn(tag(explicit(context, 1)))]
    pub time_information: TimeInformation,
    /// `[2]` absent means TRUE.
    #[rasn(tag(context, 2))]
    pub call_active: Option<bool>,
    /// `[3]` (v3).
    #[rasn(tag(context, 3))]
    pub call_released_at_tcp_expiry: Option<()>,
    /// `[4]` (v3).
    #[rasn(tag(context, 4))]
    pub extensions: Option<Extensions>,
    /// `[5]` AChChargingAddress (a CHOICE, v4): the inner element, raw.
    #[rasn(tag(context, 5))]
    pub ach_charging_address: Option<RawConstructed>,
}

/// `CAMEL-CallResult ::= CHOICE` (the contents of ApplyChargingReportArg).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum CallResult {
    /// `[0]`
    #[rasn(tag(context, 0))]
    TimeDurationChargingResult(TimeDurationChargingResult),
}

impl CallResult {
    /// The BER encoding for `version` (v3/v4-only fields dropped for v2).
    pub fn encode(&self, version: CapVersion) -> Vec<u8> {
        let mut value = self.clone();
        let CallResult::TimeDurationChargingResult(t) = &mut value;
        if version == CapVersion::V2 {
            t.call_released_at_tcp_expiry = None;
            t.extensions = None;
        }
        if version != CapVersion::V4 {
            t.ach_charging_address = None;
        }
        rasn::ber::encode(&value).unwrap_or_default()
    }

    /// Reads the contents; fields a version does not define are dropped.
    pub fn decode(version: CapVersion, bytes: &[u8]) -> Result<Self, DecodeFailure> {
        let mut value = decode_exact::<CallResult>(bytes)?;
        let CallResult::TimeDurationChargingResult(t) = &mut value;
        if version == CapVersion::V2 {
            t.call_released_at_tcp_expiry = None;
            t.extensions = None;
        }
        if version != CapVersion::V4 {
            t.ach_charging_address = None;
        }
        Ok(value)
    }
}

/// `appendFreeFormatData ::= ENUMERATED` (v3).
#[derive(AsnType, Encode, Decode, Debug, Clone, Copy, PartialEq, Eq)]
#[rasn(enumerated)]
#[allow(missing_docs)]
pub enum AppendFreeFormatData {
    Overwrite = 0,
    Append = 1,
}

/// `fCIBCCCAMELsequence1 ::= SEQUENCE`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
pub struct FciBccCamelSequence1 {
    /// `[0]` operator-defined billing data (v2: 1..40 octets, later 1..160).
    #[rasn(tag(context, 0))]
    pub free_format_data: OctetString,
    /// `[1]` absent means leg 1.
    #[rasn(tag(explicit(context, 1)))]
    pub party_to_charge: Option<SendingSideId>,
    /// `[2]` (v3) absent means overwrite.
    #[rasn(tag(context, 2))]
    pub append_free_format_data: Option<AppendFreeFormatData>,
}

/// `CAMEL-FCIBillingChargingCharacteristics ::= CHOICE` (the contents of
/// FurnishChargingInformationArg).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum FciBillingChargingCharacteristics {
    /// `[0]`
    #[rasn(tag(context, 0))]
    FciBccCamelSequence1(FciBccCamelSequence1),
}

impl FciBillingChargingCharacteristics {
    /// The BER encoding for `version` (`appendFreeFormatData` dropped for v2).
    pub fn encode(&self, version: CapVersion) -> Vec<u8> {
        let mut value = self.clone();
        let FciBillingChargingCharacteristics::FciBccCamelSequence1(s) = &mut value;
        if version == CapVersion::V2 {
            s.append_free_format_data = None;
        }
        rasn::ber::encode(&value).unwrap_or_default()
    }

    /// Reads the contents; fields a version does not define are dropped.
    pub fn decode(version: CapVersion, bytes: &[u8]) -> Result<Self, DecodeFailure> {
        let mut value = decode_exact::<Self>(bytes)?;
        let FciBillingChargingCharacteristics::FciBccCamelSequence1(s) = &mut value;
        if version == CapVersion::V2 {
            s.append_free_format_data = None;
        }
        Ok(value)
    }
}

/// `CAI-GSM0224 ::= SEQUENCE` (GSM 02.24 e-parameters, each 0..8191).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
#[allow(missing_docs)]
pub struct CaiGsm0224 {
    #[rasn(tag(context, 0))]
    pub e1: Option<u16>,
    #[rasn(tag(context, 1))]
    pub e2: Option<u16>,
    #[rasn(tag(context, 2))]
    pub e3: Option<u16>,
    #[rasn(tag(context, 3))]
    pub e4: Option<u16>,
    #[rasn(tag(context, 4))]
    pub e5: Option<u16>,
    #[rasn(tag(context, 5))]
    pub e6: Option<u16>,
    #[rasn(tag(context, 6))]
    pub e7: Option<u16>,
}

/// `AOCSubsequent ::= SEQUENCE`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct AocSubsequent {
    /// `[0]`
    #[rasn(tag(context, 0))]
    pub cai_gsm0224: CaiGsm0224,
    /// `[1]` seconds.
    #[rasn(tag(context, 1))]
    pub tariff_switch_interval: Option<u32>,
}

/// `AOCBeforeAnswer ::= SEQUENCE`.
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq, Default)]
pub struct AocBeforeAnswer {
    /// `[0]`
    #[rasn(tag(context, 0))]
    pub aoc_initial: CaiGsm0224,
    /// `[1]`
    #[rasn(tag(context, 1))]
    pub aoc_subsequent: Option<AocSubsequent>,
}

/// `CAMEL-SCIBillingChargingCharacteristics ::= CHOICE` (the contents of
/// `sCIBillingChargingCharacteristics`).
#[derive(AsnType, Encode, Decode, Debug, Clone, PartialEq, Eq)]
#[rasn(choice)]
pub enum ScicBillingChargingCharacteristics {
    /// `[0]`
    #[rasn(tag(context, 0))]
    AocBeforeAnswer(AocBeforeAnswer),
    /// `[1]`
    #[rasn(tag(context, 1))]
    AocAfterAnswer(AocSubsequent),
    /// `[2]` CAMEL-SCIBillingChargingCharacteristicsAlt, raw contents (v4).
    #[rasn(tag(context, 2))]
    AocExtension(RawConstructed),
}

impl ScicBillingChargingCharacteristics {
    /// The BER encoding.
    pub fn encode(&self) -> Vec<u8> {
        rasn::ber::encode(self).unwrap_or_default()
    }

    /// Reads the contents.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeFailure> {
        decode_exact::<Self>(bytes)
    }
}

/// Decodes exactly one value filling `bytes`.
pub(crate) fn decode_exact<T: Decode>(bytes: &[u8]) -> Result<T, DecodeFailure> {
    crate::ber::decode_exact(bytes).map_err(DecodeFailure)
}
