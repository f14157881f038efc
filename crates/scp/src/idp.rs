//! The InitialDP as the service sees it: the fields the platform's INITIALDP EDR shows
//! (platform-notes §5.3), with numbers normalised, whatever the variant.

use callctl_inap::cap;
use callctl_inap::cs1;
use callctl_inap::numbers::{
    AddressString, CalledPartyNumber, CallingPartyNumber, NumberError, ParameterCodec, Tbcd,
};

use crate::config::{NumberRules, SspModel};
use crate::numbers::normalise;

/// A number as received: digits and nature of address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawNumber {
    /// The address signals as received (0-9, B, C, F ...).
    pub digits: String,
    /// Nature of address (ISUP NoA, or the type of number of a BCD/MAP address).
    pub noa: u8,
    /// Numbering plan.
    pub plan: u8,
}

/// What the service is given of an InitialDP.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InitialDp {
    /// `serviceKey`.
    pub service_key: u32,
    /// The called party, normalised: from `calledPartyNumber`, else (CS-1) `dialledDigits`.
    pub called_party: Option<String>,
    /// The called party as received.
    pub called_party_raw: Option<RawNumber>,
    /// CAP `calledPartyBCDNumber`, normalised.
    pub called_party_bcd: Option<String>,
    /// The calling party, normalised.
    pub calling_party: Option<String>,
    /// The calling party as received.
    pub calling_party_raw: Option<RawNumber>,
    /// `callingPartysCategory` (one octet).
    pub calling_party_category: Option<u8>,
    /// `eventTypeBCSM` as its enumerated value.
    pub event_type_bcsm: Option<u8>,
    /// `locationNumber` digits (not normalised).
    pub location_number: Option<String>,
    /// CAP `iMSI`.
    pub imsi: Option<String>,
    /// CAP `mscAddress` digits (E.164, not normalised).
    pub msc: Option<String>,
}

fn opt<T>(v: Option<Result<T, NumberError>>) -> Result<Option<T>, NumberError> {
    v.transpose()
}

fn decoded<T: ParameterCodec>(octets: Option<&[u8]>) -> Result<Option<T>, NumberError> {
    octets.map(T::decode).transpose()
}

impl InitialDp {
    fn set_called(&mut self, rules: &NumberRules, model: &SspModel, n: Option<CalledPartyNumber>) {
        if let Some(n) = n {
            let mut digits = n.digits.as_str().to_string();
            if model.trim_called_party_stop_digit && digits.ends_with('F') {
                digits.pop();
            }
            self.called_party = Some(normalise(&rules.normalise_called, n.nature.0, &digits));
            self.called_party_raw = Some(RawNumber {
                digits: n.digits.as_str().to_string(),
                noa: n.nature.0,
                plan: n.plan.0,
            });
        }
    }

    fn set_calling(&mut self, rules: &NumberRules, n: Option<CallingPartyNumber>) {
        if let Some(n) = n {
            self.calling_party = Some(normalise(
                &rules.normalise_calling,
                n.nature.0,
                n.digits.as_str(),
            ));
            self.calling_party_raw = Some(RawNumber {
                digits: n.digits.as_str().to_string(),
                noa: n.nature.0,
                plan: n.plan.0,
            });
        }
    }

    /// From an INAP CS-1 InitialDP. A number parameter that does not decode is an error (the
    /// argument is mistyped).
    pub fn from_cs1(
        arg: &cs1::InitialDpArg,
        model: &SspModel,
        rules: &NumberRules,
    ) -> Result<InitialDp, NumberError> {
        let mut idp = InitialDp {
            service_key: arg.service_key,
            calling_party_category: arg.calling_partys_category(),
            event_type_bcsm: arg.event_type_bcsm.map(|e| e as u8),
            ..Default::default()
        };
        let called = match opt(arg.called_party_number())? {
            Some(n) => Some(n),
            None => opt(arg.dialled_digits())?,
        };
        idp.set_called(rules, model, called);
        idp.set_calling(rules, opt(arg.calling_party_number())?);
        idp.location_number = opt(arg.location_number())?.map(|n| n.digits.as_str().to_string());
        Ok(idp)
    }

    /// From a CAP InitialDP.
    pub fn from_cap(
        arg: &cap::types::InitialDpArg,
        model: &SspModel,
        rules: &NumberRules,
    ) -> Result<InitialDp, NumberError> {
        let mut idp = InitialDp {
            service_key: arg.service_key,
            calling_party_category: match arg.calling_partys_category.as_deref() {
                Some([c]) => Some(*c),
                _ => None,
            },
            event_type_bcsm: arg.event_type_bcsm.map(|e| e as u8),
            ..Default::default()
        };
        idp.set_called(
            rules,
            model,
            decoded::<CalledPartyNumber>(arg.called_party_number.as_deref())?,
        );
        idp.set_calling(
            rules,
            decoded::<CallingPartyNumber>(arg.calling_party_number.as_deref())?,
        );
        if let Some(bcd) = decoded::<AddressString>(arg.called_party_bcd_number.as_deref())? {
            idp.called_party_bcd = Some(normalise(
                &rules.normalise_called_bcd,
                bcd.nature,
                bcd.digits.as_str(),
            ));
        }
        idp.location_number =
            decoded::<callctl_inap::numbers::LocationNumber>(arg.location_number.as_deref())?
                .map(|n| n.digits.as_str().to_string());
        idp.imsi = decoded::<Tbcd>(arg.imsi.as_deref())?.map(|t| t.digits.as_str().to_string());
        idp.msc = decoded::<AddressString>(arg.msc_address.as_deref())?
            .map(|a| a.digits.as_str().to_string());
        Ok(idp)
    }
}
