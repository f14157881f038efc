//! Number, digit and cause parameters carried as OCTET STRINGs by INAP CS-1 and CAP.
//!
//! Each type is the content of one OCTET STRING (no tag, no length): `encode` gives the octets,
//! `decode` reads them and never panics. Layouts:
//!
//! | type | clause |
//! |---|---|
//! | [`CalledPartyNumber`] | ITU-T Q.763 §3.9 |
//! | [`CallingPartyNumber`] | Q.763 §3.10 |
//! | [`LocationNumber`] | Q.763 §3.30 |
//! | [`RedirectingNumber`] ([`OriginalCalledNumber`]) | Q.763 §3.44 (§3.39) |
//! | [`GenericNumber`] | Q.763 §3.26 |
//! | [`GenericDigits`] | Q.763 §3.24 |
//! | [`RedirectionInformation`] | Q.763 §3.45 |
//! | [`Cause`] | ITU-T Q.850 §2.1 (as used by Q.763 §3.12) |
//! | [`Tbcd`] | 3GPP TS 29.002 §17.7.8 (TBCD-STRING) |
//! | [`AddressString`] | 3GPP TS 29.002 §17.7.8 (AddressString) |
//!
//! Digits are held as a [`Digits`] string of hexadecimal characters, one per nibble
//! (`0`-`9`, `A`-`F`), so that every code point a peer may send survives a decode/encode
//! round trip. Constructors (`new`) check the digit set each layout allows and return a
//! typed [`NumberError`]; decoders accept any nibble value (a switch may use national codes)
//! and only reject structural faults (too short, odd indicator with no digits, ...).
//! ISUP fillers are written as `0` (Q.763 §3.9 f); TBCD fillers as `F`.

use std::fmt;
use std::str::FromStr;

/// Largest number of digits a [`Digits`] value holds (40 octets of BCD).
pub const MAX_DIGITS: usize = 80;

/// Why a number parameter could not be built or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Fewer octets than the layout's fixed part.
    #[error("{parameter}: {len} octet(s), at least {min} needed")]
    TooShort {
        /// The parameter, with its clause.
        parameter: &'static str,
        /// Octets received.
        len: usize,
        /// Octets needed.
        min: usize,
    },
    /// More octets or digits than the layout allows.
    #[error("{parameter}: {len} is more than the {max} allowed")]
    TooLong {
        /// The parameter, with its clause.
        parameter: &'static str,
        /// Octets or digits given.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// A digit the layout does not allow (or not a digit at all).
    #[error("{parameter}: digit {digit:?} at position {position} is not allowed")]
    InvalidDigit {
        /// The parameter, with its clause.
        parameter: &'static str,
        /// The offending character.
        digit: char,
        /// Its position, from 0.
        position: usize,
    },
    /// A subfield value that does not fit its bits.
    #[error("{parameter}: {field} = {value} does not fit (at most {max})")]
    OutOfRange {
        /// The parameter, with its clause.
        parameter: &'static str,
        /// The subfield.
        field: &'static str,
        /// The value given.
        value: u32,
        /// Its largest allowed value.
        max: u32,
    },
    /// The octets are inconsistent with the layout.
    #[error("{parameter}: {reason}")]
    Malformed {
        /// The parameter, with its clause.
        parameter: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
}

/// Encoding and decoding of one parameter's octets (the content of its OCTET STRING).
pub trait ParameterCodec: Sized {
    /// The parameter's name and clause, used in errors.
    const PARAMETER: &'static str;
    /// The octets of the parameter.
    fn encode(&self) -> Vec<u8>;
    /// Reads the octets of the parameter; never panics.
    fn decode(octets: &[u8]) -> Result<Self, NumberError>;
}

// ---------------------------------------------------------------- digits

/// A string of digits, one hexadecimal character (`0`-`9`, `A`-`F`) per nibble.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Digits(String);

impl Digits {
    /// Digits from text: `0`-`9` and `A`-`F` (either case); at most [`MAX_DIGITS`].
    pub fn new(text: &str) -> Result<Self, NumberError> {
        const P: &str = "digits";
        if text.len() > MAX_DIGITS {
            return Err(NumberError::TooLong {
                parameter: P,
                len: text.len(),
                max: MAX_DIGITS,
            });
        }
        let mut out = String::with_capacity(text.len());
        for (position, c) in text.chars().enumerate() {
            if !c.is_ascii_hexdigit() {
                return Err(NumberError::InvalidDigit {
                    parameter: P,
                    digit: c,
                    position,
                });
            }
            out.push(c.to_ascii_uppercase());
        }
        Ok(Digits(out))
    }

    /// The digits as text (upper-case hexadecimal).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Number of digits.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No digits.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The nibble values, first digit first.
    pub fn nibbles(&self) -> impl Iterator<Item = u8> + '_ {
        self.0.bytes().map(nibble_of)
    }

    fn from_nibbles(nibbles: impl Iterator<Item = u8>) -> Self {
        Digits(nibbles.map(|n| char_of(n & 0x0F)).collect())
    }

    /// Checks every digit against `allowed` (bit n set: nibble n allowed).
    fn check(&self, parameter: &'static str, allowed: u16) -> Result<(), NumberError> {
        for (position, n) in self.nibbles().enumerate() {
            if allowed & (1 << n) == 0 {
                return Err(NumberError::InvalidDigit {
                    parameter,
                    digit: char_of(n),
                    position,
                });
            }
        }
        Ok(())
    }
}

impl fmt::Display for Digits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Digits {
    type Err = NumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Digits::new(s)
    }
}

fn nibble_of(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'F' => c - b'A' + 10,
        b'a'..=b'f' => c - b'a' + 10,
        _ => 0,
    }
}

fn char_of(n: u8) -> char {
    char::from(b"0123456789ABCDEF"[usize::from(n & 0x0F)])
}

/// Packs digits two per octet, first digit in the low nibble; an odd count is completed
/// with `filler` in the last high nibble.
fn pack_bcd(digits: &Digits, filler: u8) -> Vec<u8> {
    let nibbles: Vec<u8> = digits.nibbles().collect();
    nibbles
        .chunks(2)
        .map(|pair| match pair {
            [low, high] => low | (high << 4),
            [low] => low | (filler << 4),
            _ => 0,
        })
        .collect()
}

/// Unpacks BCD octets, low nibble first; `odd` drops the last (filler) nibble.
fn unpack_bcd(octets: &[u8], odd: bool) -> Digits {
    let count = (octets.len() * 2).saturating_sub(usize::from(odd));
    Digits::from_nibbles(octets.iter().flat_map(|o| [o & 0x0F, o >> 4]).take(count))
}

/// ISUP address signals 0-9, code 11 (B) and code 12 (C) (Q.763 §3.10 g).
const ISUP_SIGNALS: u16 = 0x03FF | (1 << 0xB) | (1 << 0xC);
/// Called party number also allows ST (F), the end-of-pulsing signal (Q.763 §3.9 e).
const ISUP_CALLED_SIGNALS: u16 = ISUP_SIGNALS | (1 << 0xF);
/// TBCD digits: 0-9, `*` (A), `#` (B), a (C), b (D), c (E); F is the filler only.
const TBCD_SIGNALS: u16 = 0x7FFF;

fn check_max_digits(
    parameter: &'static str,
    digits: &Digits,
    max: usize,
) -> Result<(), NumberError> {
    if digits.len() > max {
        return Err(NumberError::TooLong {
            parameter,
            len: digits.len(),
            max,
        });
    }
    Ok(())
}

fn range(
    parameter: &'static str,
    field: &'static str,
    value: u8,
    max: u8,
) -> Result<(), NumberError> {
    if value > max {
        return Err(NumberError::OutOfRange {
            parameter,
            field,
            value: u32::from(value),
            max: u32::from(max),
        });
    }
    Ok(())
}

/// Largest number of address signals in an ISUP number here (the parameter may be up to
/// 2 + 16 octets in most networks; INAP leaves the bound network-specific).
pub const MAX_ISUP_DIGITS: usize = 32;

// ---------------------------------------------------------------- shared subfields

/// Nature of address indicator, 7 bits (Q.763 §3.9 b).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NatureOfAddress(pub u8);

impl NatureOfAddress {
    /// Subscriber number.
    pub const SUBSCRIBER: Self = NatureOfAddress(1);
    /// Unknown.
    pub const UNKNOWN: Self = NatureOfAddress(2);
    /// National (significant) number.
    pub const NATIONAL: Self = NatureOfAddress(3);
    /// International number.
    pub const INTERNATIONAL: Self = NatureOfAddress(4);
    /// Network-specific number (national use).
    pub const NETWORK_SPECIFIC: Self = NatureOfAddress(5);
    /// Network routing number in national (significant) number format.
    pub const NETWORK_ROUTING_NATIONAL: Self = NatureOfAddress(6);
}

/// Numbering plan indicator, 3 bits (Q.763 §3.9 d).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NumberingPlan(pub u8);

impl NumberingPlan {
    /// ISDN (telephony) numbering plan, E.164.
    pub const ISDN: Self = NumberingPlan(1);
    /// Data numbering plan (X.121), national use.
    pub const DATA: Self = NumberingPlan(3);
    /// Telex numbering plan (F.69), national use.
    pub const TELEX: Self = NumberingPlan(4);
    /// Private numbering plan (national use).
    pub const PRIVATE: Self = NumberingPlan(5);
}

/// Address presentation restricted indicator, 2 bits (Q.763 §3.10 e).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Presentation {
    /// 00 presentation allowed.
    Allowed,
    /// 01 presentation restricted.
    Restricted,
    /// 10 address not available.
    AddressNotAvailable,
    /// 11 reserved for restriction by the network.
    Reserved,
}

impl Presentation {
    fn bits(self) -> u8 {
        match self {
            Presentation::Allowed => 0,
            Presentation::Restricted => 1,
            Presentation::AddressNotAvailable => 2,
            Presentation::Reserved => 3,
        }
    }
    fn from_bits(b: u8) -> Self {
        match b & 3 {
            0 => Presentation::Allowed,
            1 => Presentation::Restricted,
            2 => Presentation::AddressNotAvailable,
            _ => Presentation::Reserved,
        }
    }
}

/// Screening indicator, 2 bits (Q.763 §3.10 f).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Screening {
    /// 00 user provided, not verified (reserved in ISUP'97 calling party number).
    UserProvidedNotVerified,
    /// 01 user provided, verified and passed.
    UserProvidedVerifiedPassed,
    /// 10 user provided, verified and failed.
    UserProvidedVerifiedFailed,
    /// 11 network provided.
    NetworkProvided,
}

impl Screening {
    fn bits(self) -> u8 {
        match self {
            Screening::UserProvidedNotVerified => 0,
            Screening::UserProvidedVerifiedPassed => 1,
            Screening::UserProvidedVerifiedFailed => 2,
            Screening::NetworkProvided => 3,
        }
    }
    fn from_bits(b: u8) -> Self {
        match b & 3 {
            0 => Screening::UserProvidedNotVerified,
            1 => Screening::UserProvidedVerifiedPassed,
            2 => Screening::UserProvidedVerifiedFailed,
            _ => Screening::NetworkProvided,
        }
    }
}

/// The two-octet head shared by the ISUP number layouts: octet 1 is odd/even (bit 8) and the
/// nature of address (bits 7-1); octet 2 is layout-specific.
fn isup_head(
    octets: &[u8],
    parameter: &'static str,
) -> Result<(bool, u8, u8, Digits), NumberError> {
    let (o1, o2, rest) = match octets {
        [o1, o2, rest @ ..] => (*o1, *o2, rest),
        _ => {
            return Err(NumberError::TooShort {
                parameter,
                len: octets.len(),
                min: 2,
            })
        }
    };
    let odd = o1 & 0x80 != 0;
    if odd && rest.is_empty() {
        return Err(NumberError::Malformed {
            parameter,
            reason: "odd indicator set but no address signals",
        });
    }
    if rest.len() * 2 > MAX_ISUP_DIGITS + 1 {
        return Err(NumberError::TooLong {
            parameter,
            len: octets.len(),
            max: 2 + MAX_ISUP_DIGITS / 2,
        });
    }
    Ok((odd, o1 & 0x7F, o2, unpack_bcd(rest, odd)))
}

fn isup_encode(nature: NatureOfAddress, octet2: u8, digits: &Digits) -> Vec<u8> {
    let odd = u8::from(digits.len() % 2 == 1);
    let mut out = Vec::with_capacity(2 + digits.len().div_ceil(2));
    out.push((odd << 7) | (nature.0 & 0x7F));
    out.push(octet2);
    out.extend(pack_bcd(digits, 0));
    out
}

fn check_isup_common(
    parameter: &'static str,
    nature: NatureOfAddress,
    plan: NumberingPlan,
    digits: &Digits,
    allowed: u16,
) -> Result<(), NumberError> {
    range(parameter, "nature of address", nature.0, 0x7F)?;
    range(parameter, "numbering plan", plan.0, 7)?;
    check_max_digits(parameter, digits, MAX_ISUP_DIGITS)?;
    digits.check(parameter, allowed)
}

// ---------------------------------------------------------------- called party number

/// ISUP called party number (Q.763 §3.9).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CalledPartyNumber {
    /// Nature of address indicator.
    pub nature: NatureOfAddress,
    /// Internal network number indicator: `true` = routing to an internal network number
    /// not allowed (bit 8 of octet 2 set).
    pub inn_not_allowed: bool,
    /// Numbering plan indicator.
    pub plan: NumberingPlan,
    /// Address signals (0-9, B code 11, C code 12, F ST).
    pub digits: Digits,
}

impl CalledPartyNumber {
    /// A called party number; checks the subfields and digits (0-9, B, C, F).
    pub fn new(
        nature: NatureOfAddress,
        plan: NumberingPlan,
        digits: &str,
    ) -> Result<Self, NumberError> {
        let v = CalledPartyNumber {
            nature,
            inn_not_allowed: false,
            plan,
            digits: Digits::new(digits)?,
        };
        v.validate()?;
        Ok(v)
    }

    /// Checks the subfields and digit set.
    pub fn validate(&self) -> Result<(), NumberError> {
        check_isup_common(
            Self::PARAMETER,
            self.nature,
            self.plan,
            &self.digits,
            ISUP_CALLED_SIGNALS,
        )
    }
}

impl ParameterCodec for CalledPartyNumber {
    const PARAMETER: &'static str = "called party number (Q.763 §3.9)";
    fn encode(&self) -> Vec<u8> {
        let o2 = (u8::from(self.inn_not_allowed) << 7) | ((self.plan.0 & 7) << 4);
        isup_encode(self.nature, o2, &self.digits)
    }
    fn decode(octets: &[u8]) -> Result<Self, NumberError> {
        let (_, nai, o2, digits) = isup_head(octets, Self::PARAMETER)?;
        Ok(CalledPartyNumber {
            nature: NatureOfAddress(nai),
            inn_not_allowed: o2 & 0x80 != 0,
            plan: NumberingPlan((o2 >> 4) & 7),
            digits,
        })
    }
}

// ---------------------------------------------------------------- calling party number

/// ISUP calling party number (Q.763 §3.10).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallingPartyNumber {
    /// Nature of address indicator.
    pub nature: NatureOfAddress,
    /// Calling party number incomplete indicator (NI, bit 8 of octet 2).
    pub number_incomplete: bool,
    /// Numbering plan indicator.
    pub plan: NumberingPlan,
    /// Address presentation restricted indicator.
    pub presentation: Presentation,
    /// Screening indicator.
    pub screening: Screening,
    /// Address signals (0-9, B code 11, C code 12).
    pub digits: Digits,
}

impl CallingPartyNumber {
    /// A complete, presentation-allowed calling number; checks subfields and digits.
    pub fn new(
        nature: NatureOfAddress,
        plan: NumberingPlan,
        screening: Screening,
        digits: &str,
    ) -> Result<Self, NumberError> {
        let v = CallingPartyNumber {
            nature,
            number_incomplete: false,
            plan,
            presentation: Presentation::Allowed,
            screening,
            digits: Digits::new(digits)?,
        };
        v.validate()?;
        Ok(v)
    }

    /// Checks the subfields and digit set.
    pub fn validate(&self) -> Result<(), NumberError> {
        check_isup_common(
            Self::PARAMETER,
            self.nature,
            self.plan,
            &self.digits,
            ISUP_SIGNALS,
        )
    }

    fn octet2(&self) -> u8 {
        (u8::from(self.number_incomplete) << 7)
            | ((self.plan.0 & 7) << 4)
            | (self.presentation.bits() << 2)
            | self.screening.bits()
    }

    fn from_parts(nai: u8, o2: u8, digits: Digits) -> Self {
        CallingPartyNumber {
            nature: NatureOfAddress(nai),
            number_incomplete: o2 & 0x80 != 0,
            plan: NumberingPlan((o2 >> 4) & 7),
            presentation: Presentation::from_bits(o2 >> 2),
            screening: Screening::from_bits(o2),
            digits,
        }
    }
}

impl ParameterCodec for CallingPartyNumber {
    const PARAMETER: &'static str = "calling party number (Q.763 §3.10)";
    fn encode(&self) -> Vec<u8> {
        isup_encode(self.nature, self.octet2(), &self.digits)
    }
    fn decode(octets: &[u8]) -> Result<Self, NumberError> {
        let (_, nai, o2, digits) = isup_head(octets, Self::PARAMETER)?;
        Ok(Self::from_parts(nai, o2, digits))
    }
}

// ---------------------------------------------------------------- location number

/// ISUP location number (Q.763 §3.30).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LocationNumber {
    /// Nature of address indicator.
    pub nature: NatureOfAddress,
    /// Internal network number indicator (`true`: routing not allowed).
    pub inn_not_allowed: bool,
    /// Numbering plan indicator.
    pub plan: NumberingPlan,
    /// Address presentation restricted indicator.
    pub presentation: Presentation,
    /// Screening indicator.
    pub screening: Screening,
    /// Address signals (0-9, B, C).
    pub digits: Digits,
}

impl LocationNumber {
    /// A presentation-allowed, network-provided location number; checks subfields and digits.
    pub fn new(
        nature: NatureOfAddress,
        plan: NumberingPlan,
        digits: &str,
    ) -> Result<Self, NumberError> {
        let v = LocationNumber {
            nature,
            inn_not_allowed: false,
            plan,
            presentation: Presentation::Allowed,
            screening: Screening::NetworkProvided,
            digits: Digits::new(digits)?,
        };
        v.validate()?;
        Ok(v)
    }

    /// Checks the subfields and digit set.
    pub fn validate(&self) -> Result<(), NumberError> {
        check_isup_common(
            Self::PARAMETER,
            self.nature,
            self.plan,
            &self.digits,
            ISUP_SIGNALS,
        )
    }
}

impl ParameterCodec for LocationNumber {
    const PARAMETER: &'static str = "location number (Q.763 §3.30)";
    fn encode(&self) -> Vec<u8> {
        let o2 = (u8::from(self.inn_not_allowed) << 7)
            | ((self.plan.0 & 7) << 4)
            | (self.presentation.bits() << 2)
            | self.screening.bits();
        isup_encode(self.nature, o2, &self.digits)
    }
    fn decode(octets: &[u8]) -> Result<Self, NumberError> {
        let (_, nai, o2, digits) = isup_head(octets, Self::PARAMETER)?;
        Ok(LocationNumber {
            nature: NatureOfAddress(nai),
            inn_not_allowed: o2 & 0x80 != 0,
            plan: NumberingPlan((o2 >> 4) & 7),
            presentation: Presentation::from_bits(o2 >> 2),
            screening: Screening::from_bits(o2),
            digits,
        })
    }
}

// ---------------------------------------------------------------- redirecting / original called

/// ISUP redirecting number (Q.763 §3.44); the original called number (§3.39) has the same
/// layout, see [`OriginalCalledNumber`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RedirectingNumber {
    /// Nature of address indicator.
    pub nature: NatureOfAddress,
    /// Numbering plan indicator.
    pub plan: NumberingPlan,
    /// Address presentation restricted indicator.
    pub presentation: Presentation,
    /// Address signals (0-9, B, C).
    pub digits: Digits,
}

/// ISUP original called number (Q.763 §3.39): the layout of [`RedirectingNumber`].
pub type OriginalCalledNumber = RedirectingNumber;

impl RedirectingNumber {
    /// A presentation-allowed number; checks subfields and digits.
    pub fn new(
        nature: NatureOfAddress,
        plan: NumberingPlan,
        digits: &str,
    ) -> Result<Self, NumberError> {
        let v = RedirectingNumber {
            nature,
            plan,
            presentation: Presentation::Allowed,
            digits: Digits::new(digits)?,
        };
        v.validate()?;
        Ok(v)
    }

    /// Checks the subfields and digit set.
    pub fn validate(&self) -> Result<(), NumberError> {
        check_isup_common(
            Self::PARAMETER,
            self.nature,
            self.plan,
            &self.digits,
            ISUP_SIGNALS,
        )
    }
}

impl ParameterCodec for RedirectingNumber {
    const PARAMETER: &'static str = "redirecting / original called number (Q.763 §3.44, §3.39)";
    fn encode(&self) -> Vec<u8> {
        let o2 = ((self.plan.0 & 7) << 4) | (self.presentation.bits() << 2);
        isup_encode(self.nature, o2, &self.digits)
    }
    fn decode(octets: &[u8]) -> Result<Self, NumberError> {
        let (_, nai, o2, digits) = isup_head(octets, Self::PARAMETER)?;
        Ok(RedirectingNumber {
            nature: NatureOfAddress(nai),
            plan: NumberingPlan((o2 >> 4) & 7),
            presentation: Presentation::from_bits(o2 >> 2),
            digits,
        })
    }
}

// ---------------------------------------------------------------- generic number

/// Number qualifier indicator of a generic number (Q.763 §3.26 a).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NumberQualifier(pub u8);

impl NumberQualifier {
    /// Additional called number.
    pub const ADDITIONAL_CALLED: Self = NumberQualifier(1);
    /// Additional connected number.
    pub const ADDITIONAL_CONNECTED: Self = NumberQualifier(5);
    /// Additional calling party number.
    pub const ADDITIONAL_CALLING: Self = NumberQualifier(6);
    /// Additional original called number.
    pub const ADDITIONAL_ORIGINAL_CALLED: Self = NumberQualifier(7);
    /// Additional redirecting number.
    pub const ADDITIONAL_REDIRECTING: Self = NumberQualifier(8);
    /// Additional redirection number.
    pub const ADDITIONAL_REDIRECTION: Self = NumberQualifier(9);
}

/// ISUP generic number (Q.763 §3.26): a number qualifier octet, then the calling party
/// number layout.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GenericNumber {
    /// Number qualifier indicator.
    pub qualifier: NumberQualifier,
    /// Nature of address indicator.
    pub nature: NatureOfAddress,
    /// Number incomplete indicator.
    pub number_incomplete: bool,
    /// Numbering plan indicator.
    pub plan: NumberingPlan,
    /// Address presentation restricted indicator.
    pub presentation: Presentation,
    /// Screening indicator.
    pub screening: Screening,
    /// Address signals (0-9, B, C).
    pub digits: Digits,
}

impl GenericNumber {
    /// A complete, presentation-allowed generic number; checks subfields and digits.
    pub fn new(
        qualifier: NumberQualifier,
        nature: NatureOfAddress,
        plan: NumberingPlan,
        screening: Screening,
        digits: &str,
    ) -> Result<Self, NumberError> {
        let v = GenericNumber {
            qualifier,
            nature,
            number_incomplete: false,
            plan,
            presentation: Presentation::Allowed,
            screening,
            digits: Digits::new(digits)?,
        };
        v.validate()?;
        Ok(v)
    }

    /// Checks the subfields and digit set.
    pub fn validate(&self) -> Result<(), NumberError> {
        check_isup_common(
            Self::PARAMETER,
            self.nature,
            self.plan,
            &self.digits,
            ISUP_SIGNALS,
        )
    }

    fn as_calling(&self) -> CallingPartyNumber {
        CallingPartyNumber {
            nature: self.nature,
            number_incomplete: self.number_incomplete,
            plan: self.plan,
            presentation: self.presentation,
            screening: self.screening,
            digits: self.digits.clone(),
        }
    }
}

impl ParameterCodec for GenericNumber {
    const PARAMETER: &'static str = "generic number (Q.763 §3.26)";
    fn encode(&self) -> Vec<u8> {
        let mut out = vec![self.qualifier.0];
        out.extend(self.as_calling().encode());
        out
    }
    fn decode(octets: &[u8]) -> Result<Self, NumberError> {
        let (q, rest) = match octets {
            [q, rest @ ..] if rest.len() >= 2 => (*q, rest),
            _ => {
                return Err(NumberError::TooShort {
                    parameter: Self::PARAMETER,
                    len: octets.len(),
                    min: 3,
                })
            }
        };
        let (_, nai, o2, digits) = isup_head(rest, Self::PARAMETER)?;
        let c = CallingPartyNumber::from_parts(nai, o2, digits);
        Ok(GenericNumber {
            qualifier: NumberQualifier(q),
            nature: c.nature,
            number_incomplete: c.number_incomplete,
            plan: c.plan,
            presentation: c.presentation,
            screening: c.screening,
            digits: c.digits,
        })
    }
}

// ---------------------------------------------------------------- generic digits

/// The digits of a generic digits parameter, by encoding scheme (Q.763 §3.24 b).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GenericDigitsValue {
    /// BCD (schemes 000 even and 001 odd, chosen from the digit count on encoding).
    Bcd(Digits),
    /// IA5 characters (scheme 010).
    Ia5(String),
    /// Another scheme (011 binary, or spare values) with its raw octets.
    Other {
        /// The 3-bit encoding scheme.
        scheme: u8,
        /// The octets after the first.
        octets: Vec<u8>,
    },
}

/// ISUP generic digits (Q.763 §3.24): type of digits (5 bits), encoding scheme (3 bits),
/// digits. INAP carries it as `Digits` for e.g. the PromptAndCollect digitsResponse.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GenericDigits {
    /// Type of digits, 5 bits (0 account code, 1 authorisation code, 2 private networking
    /// travelling class mark, 3 business communication group identity, ...).
    pub type_of_digits: u8,
    /// The digits.
    pub value: GenericDigitsValue,
}

impl GenericDigits {
    /// BCD generic digits; checks the type (5 bits) and digits (at most 64).
    pub fn bcd(type_of_digits: u8, digits: &str) -> Result<Self, NumberError> {
        let v = GenericDigits {
            type_of_digits,
            value: GenericDigitsValue::Bcd(Digits::new(digits)?),
        };
        v.validate()?;
        Ok(v)
    }

    /// Checks the subfields.
    pub fn validate(&self) -> Result<(), NumberError> {
        range(Self::PARAMETER, "type of digits", self.type_of_digits, 0x1F)?;
        match &self.value {
            GenericDigitsValue::Bcd(d) => check_max_digits(Self::PARAMETER, d, 64),
            GenericDigitsValue::Ia5(s) => {
                if let Some((position, digit)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii())
                {
                    return Err(NumberError::InvalidDigit {
                        parameter: Self::PARAMETER,
                        digit,
                        position,
                    });
                }
                if s.len() > 64 {
                    return Err(NumberError::TooLong {
                        parameter: Self::PARAMETER,
                        len: s.len(),
                        max: 64,
                    });
                }
                Ok(())
            }
            GenericDigitsValue::Other { scheme, .. } => {
                range(Self::PARAMETER, "encoding scheme", *scheme, 7)
            }
        }
    }
}

impl ParameterCodec for GenericDigits {
    const PARAMETER: &'static str = "generic digits (Q.763 §3.24)";
    fn encode(&self) -> Vec<u8> {
        let t = self.type_of_digits & 0x1F;
        match &self.value {
            GenericDigitsValue::Bcd(d) => {
                let scheme = u8::from(d.len() % 2 == 1);
                let mut out = vec![(scheme << 5) | t];
                out.extend(pack_bcd(d, 0));
                out
            }
            GenericDigitsValue::Ia5(s) => {
                let mut out = vec![(2 << 5) | t];
                out.extend(s.bytes().map(|b| b & 0x7F));
                out
            }
            GenericDigitsValue::Other { scheme, octets } => {
                let mut out = vec![((scheme & 7) << 5) | t];
                out.extend_from_slice(octets);
                out
            }
        }
    }
    fn decode(octets: &[u8]) -> Result<Self, NumberError> {
        let (first, rest) = match octets {
            [first, rest @ ..] => (*first, rest),
            [] => {
                return Err(NumberError::TooShort {
                    parameter: Self::PARAMETER,
                    len: 0,
                    min: 1,
                })
            }
        };
        let scheme = first >> 5;
        let value = match scheme {
            0 | 1 => {
                if rest.len() > 32 {
                    return Err(NumberError::TooLong {
                        parameter: Self::PARAMETER,
                        len: octets.len(),
                        max: 33,
                    });
                }
                if scheme == 1 && rest.is_empty() {
                    return Err(NumberError::Malformed {
                        parameter: Self::PARAMETER,
                        reason: "odd BCD scheme with no digits",
                    });
                }
                GenericDigitsValue::Bcd(unpack_bcd(rest, scheme == 1))
            }
            2 => {
                if let Some(position) = rest.iter().position(|b| !b.is_ascii()) {
                    return Err(NumberError::InvalidDigit {
                        parameter: Self::PARAMETER,
                        digit: char::from(rest.get(position).copied().unwrap_or(0)),
                        position,
                    });
                }
                if rest.len() > 64 {
                    return Err(NumberError::TooLong {
                        parameter: Self::PARAMETER,
                        len: octets.len(),
                        max: 65,
                    });
                }
                GenericDigitsValue::Ia5(rest.iter().map(|b| char::from(*b)).collect())
            }
            _ => GenericDigitsValue::Other {
                scheme,
                octets: rest.to_vec(),
            },
        };
        Ok(GenericDigits {
            type_of_digits: first & 0x1F,
            value,
        })
    }
}

// ---------------------------------------------------------------- redirection information

/// ISUP redirection information (Q.763 §3.45), two octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RedirectionInformation {
    /// Redirecting indicator, 3 bits (0 no redirection, 1 call rerouted, 3 call diverted, ...).
    pub indicator: u8,
    /// Original redirection reason, 4 bits (0 unknown, 1 user busy, 2 no reply, 3 unconditional).
    pub original_reason: u8,
    /// Redirection counter, 3 bits (1-5).
    pub counter: u8,
    /// Redirecting reason, 4 bits (as the original reason, plus 4 deflection during alerting,
    /// 5 deflection immediate response, 6 mobile subscriber not reachable).
    pub reason: u8,
    /// Bit D of octet 2 (national use in some ISUP versions; spare in Q.763).
    pub national_use: bool,
}

impl RedirectionInformation {
    /// Checks each subfield fits its bits.
    pub fn validate(&self) -> Result<(), NumberError> {
        range(Self::PARAMETER, "redirecting indicator", self.indicator, 7)?;
        range(
            Self::PARAMETER,
            "original redirection reason",
            self.original_reason,
            15,
        )?;
        range(Self::PARAMETER, "redirection counter", self.counter, 7)?;
        range(Self::PARAMETER, "redirecting reason", self.reason, 15)
    }
}

impl ParameterCodec for RedirectionInformation {
    const PARAMETER: &'static str = "redirection information (Q.763 §3.45)";
    fn encode(&self) -> Vec<u8> {
        vec![
            (self.indicator & 7) | ((self.original_reason & 15) << 4),
            (self.counter & 7) | (u8::from(self.national_use) << 3) | ((self.reason & 15) << 4),
        ]
    }
    fn decode(octets: &[u8]) -> Result<Self, NumberError> {
        match octets {
            [a, b] => Ok(RedirectionInformation {
                indicator: a & 7,
                original_reason: a >> 4,
                counter: b & 7,
                reason: b >> 4,
                national_use: b & 0x08 != 0,
            }),
            [_] | [] => Err(NumberError::TooShort {
                parameter: Self::PARAMETER,
                len: octets.len(),
                min: 2,
            }),
            _ => Err(NumberError::TooLong {
                parameter: Self::PARAMETER,
                len: octets.len(),
                max: 2,
            }),
        }
    }
}

// ---------------------------------------------------------------- cause

/// Cause indicators (ITU-T Q.850 §2.1; ISUP Q.763 §3.12; INAP/CAP `Cause`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cause {
    /// Coding standard, 2 bits (0 ITU-T, 1 ISO/IEC, 2 national, 3 network-specific).
    pub coding_standard: u8,
    /// Location, 4 bits (see the `LOCATION_*` constants).
    pub location: u8,
    /// Octet 1a, the recommendation field (7 bits), if present.
    pub recommendation: Option<u8>,
    /// Cause value, 7 bits (class and value, e.g. 16 normal call clearing, 17 user busy).
    pub value: u8,
    /// Diagnostic octets (Q.850 §2.2.6), possibly empty.
    pub diagnostics: Vec<u8>,
}

impl Cause {
    /// Location: user.
    pub const LOCATION_USER: u8 = 0;
    /// Location: private network serving the local user.
    pub const LOCATION_PRIVATE_LOCAL: u8 = 1;
    /// Location: public network serving the local user.
    pub const LOCATION_PUBLIC_LOCAL: u8 = 2;
    /// Location: transit network.
    pub const LOCATION_TRANSIT: u8 = 3;
    /// Location: public network serving the remote user.
    pub const LOCATION_PUBLIC_REMOTE: u8 = 4;
    /// Location: private network serving the remote user.
    pub const LOCATION_PRIVATE_REMOTE: u8 = 5;
    /// Location: international network.
    pub const LOCATION_INTERNATIONAL: u8 = 7;
    /// Location: network beyond interworking point.
    pub const LOCATION_BEYOND_INTERWORKING: u8 = 10;
    /// Largest Cause parameter in octets: `maxCauseLength` of the CAP bound set (TS 29.078),
    /// which INAP CS-1 networks use as well.
    pub const MAX_OCTETS: usize = 32;

    /// An ITU-T coded cause with no diagnostics; checks the value (0-127) and location (0-15).
    pub fn new(location: u8, value: u8) -> Result<Self, NumberError> {
        let c = Cause {
            coding_standard: 0,
            location,
            recommendation: None,
            value,
            diagnostics: Vec::new(),
        };
        c.validate()?;
        Ok(c)
    }

    /// Checks each subfield fits its bits and the whole parameter is at most
    /// [`Cause::MAX_OCTETS`] (so at most 30 diagnostic octets, 29 with octet 1a).
    pub fn validate(&self) -> Result<(), NumberError> {
        range(Self::PARAMETER, "coding standard", self.coding_standard, 3)?;
        range(Self::PARAMETER, "location", self.location, 15)?;
        range(Self::PARAMETER, "cause value", self.value, 127)?;
        if let Some(r) = self.recommendation {
            range(Self::PARAMETER, "recommendation", r, 127)?;
        }
        let len = 2 + usize::from(self.recommendation.is_some()) + self.diagnostics.len();
        if len > Self::MAX_OCTETS {
            return Err(NumberError::TooLong {
                parameter: Self::PARAMETER,
                len,
                max: Self::MAX_OCTETS,
            });
        }
        Ok(())
    }
}

impl ParameterCodec for Cause {
    const PARAMETER: &'static str = "cause (Q.850 §2.1)";
    fn encode(&self) -> Vec<u8> {
        let ext = if self.recommendation.is_some() {
            0
        } else {
            0x80
        };
        let mut out = vec![ext | ((self.coding_standard & 3) << 5) | (self.location & 15)];
        if let Some(r) = self.recommendation {
            out.push(0x80 | (r & 0x7F));
        }
        out.push(0x80 | (self.value & 0x7F));
        out.extend_from_slice(&self.diagnostics);
        out
    }
    fn decode(octets: &[u8]) -> Result<Self, NumberError> {
        let p = Self::PARAMETER;
        let (o1, rest) = match octets {
            [o1, rest @ ..] => (*o1, rest),
            [] => {
                return Err(NumberError::TooShort {
                    parameter: p,
                    len: 0,
                    min: 2,
                })
            }
        };
        let (recommendation, rest) = if o1 & 0x80 == 0 {
            match rest {
                [r, rest @ ..] => (Some(r & 0x7F), rest),
                [] => {
                    return Err(NumberError::TooShort {
                        parameter: p,
                        len: octets.len(),
                        min: 3,
                    })
                }
            }
        } else {
            (None, rest)
        };
        let (value, diagnostics) = match rest {
            [v, d @ ..] => (v & 0x7F, d),
            [] => {
                return Err(NumberError::TooShort {
                    parameter: p,
                    len: octets.len(),
                    min: 2,
                })
            }
        };
        if octets.len() > Self::MAX_OCTETS {
            return Err(NumberError::TooLong {
                parameter: p,
                len: octets.len(),
                max: Self::MAX_OCTETS,
            });
        }
        Ok(Cause {
            coding_standard: (o1 >> 5) & 3,
            location: o1 & 15,
            recommendation,
            value,
            diagnostics: diagnostics.to_vec(),
        })
    }
}

// ---------------------------------------------------------------- TBCD and AddressString

/// A TBCD-STRING (3GPP TS 29.002 §17.7.8): digits two per octet, first in the low nibble,
/// an odd count completed with the filler F. Used for the IMSI and similar identities.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tbcd {
    /// The digits: 0-9, A (`*`), B (`#`), C, D, E (`a`, `b`, `c`).
    pub digits: Digits,
}

impl Tbcd {
    /// Largest number of digits accepted (an IMSI has at most 15; keep room for others).
    pub const MAX_DIGITS: usize = 40;

    /// From text: 0-9, A-E, and `*`/`#` for A/B.
    pub fn new(text: &str) -> Result<Self, NumberError> {
        let mapped: String = text
            .chars()
            .map(|c| match c {
                '*' => 'A',
                '#' => 'B',
                other => other,
            })
            .collect();
        let digits = Digits::new(&mapped)?;
        let v = Tbcd { digits };
        v.validate()?;
        Ok(v)
    }

    /// Checks the digit set (F is only the filler) and the length.
    pub fn validate(&self) -> Result<(), NumberError> {
        check_max_digits(Self::PARAMETER, &self.digits, Self::MAX_DIGITS)?;
        self.digits.check(Self::PARAMETER, TBCD_SIGNALS)
    }

    /// The digits with A and B shown as `*` and `#`.
    pub fn to_dial_string(&self) -> String {
        self.digits
            .as_str()
            .chars()
            .map(|c| match c {
                'A' => '*',
                'B' => '#',
                other => other,
            })
            .collect()
    }
}

fn tbcd_decode(parameter: &'static str, octets: &[u8]) -> Result<Digits, NumberError> {
    let mut nibbles: Vec<u8> = octets.iter().flat_map(|o| [o & 0x0F, o >> 4]).collect();
    if nibbles.last() == Some(&0x0F) {
        nibbles.pop();
    }
    if let Some(position) = nibbles.iter().position(|n| *n == 0x0F) {
        return Err(NumberError::InvalidDigit {
            parameter,
            digit: 'F',
            position,
        });
    }
    Ok(Digits::from_nibbles(nibbles.into_iter()))
}

impl ParameterCodec for Tbcd {
    const PARAMETER: &'static str = "TBCD-STRING (TS 29.002 §17.7.8)";
    fn encode(&self) -> Vec<u8> {
        pack_bcd(&self.digits, 0x0F)
    }
    fn decode(octets: &[u8]) -> Result<Self, NumberError> {
        if octets.len() > Self::MAX_DIGITS / 2 {
            return Err(NumberError::TooLong {
                parameter: Self::PARAMETER,
                len: octets.len(),
                max: Self::MAX_DIGITS / 2,
            });
        }
        Ok(Tbcd {
            digits: tbcd_decode(Self::PARAMETER, octets)?,
        })
    }
}

/// MAP AddressString (3GPP TS 29.002 §17.7.8): an octet with the extension bit (1), nature of
/// address (3 bits) and numbering plan (4 bits), then TBCD digits. At most 20 octets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AddressString {
    /// Nature of address indicator, 3 bits (0 unknown, 1 international, 2 national
    /// significant, 3 network-specific, 4 subscriber, 6 abbreviated).
    pub nature: u8,
    /// Numbering plan indicator, 4 bits (1 ISDN/E.164, 3 data, 4 telex, 6 land mobile, 8
    /// national, 9 private).
    pub plan: u8,
    /// The address digits (TBCD digit set).
    pub digits: Digits,
}

impl AddressString {
    /// Largest AddressString, in octets (maxAddressLength).
    pub const MAX_OCTETS: usize = 20;
    /// Nature of address: international number.
    pub const INTERNATIONAL: u8 = 1;
    /// Numbering plan: ISDN / telephony (E.164).
    pub const ISDN: u8 = 1;

    /// An address; checks the subfields and digits (0-9, A-E, `*`, `#`).
    pub fn new(nature: u8, plan: u8, digits: &str) -> Result<Self, NumberError> {
        let v = AddressString {
            nature,
            plan,
            digits: Tbcd::new(digits)?.digits,
        };
        v.validate()?;
        Ok(v)
    }

    /// Checks the subfields, digit set and size.
    pub fn validate(&self) -> Result<(), NumberError> {
        range(Self::PARAMETER, "nature of address", self.nature, 7)?;
        range(Self::PARAMETER, "numbering plan", self.plan, 15)?;
        check_max_digits(Self::PARAMETER, &self.digits, (Self::MAX_OCTETS - 1) * 2)?;
        self.digits.check(Self::PARAMETER, TBCD_SIGNALS)
    }
}

impl ParameterCodec for AddressString {
    const PARAMETER: &'static str = "AddressString (TS 29.002 §17.7.8)";
    fn encode(&self) -> Vec<u8> {
        let mut out = vec![0x80 | ((self.nature & 7) << 4) | (self.plan & 15)];
        out.extend(pack_bcd(&self.digits, 0x0F));
        out
    }
    fn decode(octets: &[u8]) -> Result<Self, NumberError> {
        let p = Self::PARAMETER;
        let (o1, rest) = match octets {
            [o1, rest @ ..] => (*o1, rest),
            [] => {
                return Err(NumberError::TooShort {
                    parameter: p,
                    len: 0,
                    min: 1,
                })
            }
        };
        if octets.len() > Self::MAX_OCTETS {
            return Err(NumberError::TooLong {
                parameter: p,
                len: octets.len(),
                max: Self::MAX_OCTETS,
            });
        }
        Ok(AddressString {
            nature: (o1 >> 4) & 7,
            plan: o1 & 15,
            digits: tbcd_decode(p, rest)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn called_party_number_layout() {
        // NAI 3 (national), INN 0, NP 1 (ISDN), digits 12345 (odd): 83 10 21 43 05
        let n = CalledPartyNumber::new(NatureOfAddress::NATIONAL, NumberingPlan::ISDN, "12345")
            .unwrap();
        assert_eq!(n.encode(), [0x83, 0x10, 0x21, 0x43, 0x05]);
        assert_eq!(CalledPartyNumber::decode(&n.encode()).unwrap(), n);
    }

    #[test]
    fn called_party_number_rejects_spare_digit() {
        let e = CalledPartyNumber::new(NatureOfAddress::NATIONAL, NumberingPlan::ISDN, "12A4")
            .unwrap_err();
        assert!(matches!(
            e,
            NumberError::InvalidDigit {
                digit: 'A',
                position: 2,
                ..
            }
        ));
    }

    #[test]
    fn cause_with_recommendation_octet() {
        let c = Cause::decode(&[0x02, 0x80, 0x91, 0x01]).unwrap();
        assert_eq!(c.recommendation, Some(0));
        assert_eq!(c.value, 17);
        assert_eq!(c.diagnostics, [1]);
        assert_eq!(c.encode(), [0x02, 0x80, 0x91, 0x01]);
    }

    #[test]
    fn cause_is_at_most_32_octets_with_or_without_octet_1a() {
        // Octet 1, octet 1a, cause value and 30 diagnostics: 33 octets, over maxCauseLength.
        let mut long = vec![0x02, 0x80, 0x91];
        long.extend([0u8; 30]);
        assert!(matches!(
            Cause::decode(&long),
            Err(NumberError::TooLong {
                len: 33,
                max: 32,
                ..
            })
        ));
        let mut c = Cause::decode(&long[..32]).unwrap();
        assert_eq!(c.diagnostics.len(), 29);
        assert!(c.validate().is_ok());
        c.diagnostics.push(0);
        assert!(matches!(
            c.validate(),
            Err(NumberError::TooLong {
                len: 33,
                max: 32,
                ..
            })
        ));
        // Without octet 1a, 30 diagnostics still fit.
        let mut short = vec![0x82, 0x91];
        short.extend([0u8; 30]);
        assert_eq!(Cause::decode(&short).unwrap().diagnostics.len(), 30);
    }
}
