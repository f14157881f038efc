//! SCCP called and calling party addresses (ITU-T Q.713 §3.4, §3.5), ITU format.
//!
//! An address is the address indicator octet followed by the parts it announces, in this
//! order: the signalling point code, the subsystem number and the global title.

use std::fmt;

/// Errors in an address found while decoding (peer's fault) or encoding (caller's fault).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// The address parameter has no address indicator octet.
    #[error("empty address")]
    Empty,
    /// The address indicator announces more octets than the parameter holds.
    #[error("address truncated: {0} missing")]
    Truncated(&'static str),
    /// Octets follow the point code and SSN although the address has no global title.
    #[error("{0} octet(s) after an address without global title")]
    TrailingOctets(usize),
    /// An odd number of address signals was announced but no address octets follow.
    #[error("odd number of address signals announced, but no digits present")]
    OddWithoutDigits,
    /// A field value does not fit its wire field (encoding only).
    #[error("{field} value {value} out of range")]
    OutOfRange {
        /// The field's name.
        field: &'static str,
        /// The offending value.
        value: u16,
    },
    /// A raw global title address used encoding scheme 1 or 2, which must be BCD digits
    /// (encoding only).
    #[error("encoding scheme {0} is BCD: use Digits")]
    RawWithBcdScheme(u8),
    /// The encoded address would be longer than a one-octet length allows (encoding only).
    #[error("address longer than 255 octets")]
    TooLong,
}

/// Invalid characters in a digit string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid address signal {0:?} (allowed: 0-9, a-f)")]
pub struct DigitsError(pub char);

/// Address signals of a global title, BCD coded (Q.713 §3.4.2.3.1).
///
/// One character per address signal: `0`–`9` for the digits and `a`–`f` for the
/// nibble values 10–15 (10 spare, 11 "code 11", 12 "code 12", 13 and 14 spare, 15 ST).
/// Upper case input is accepted and stored in lower case. The parity of the string gives
/// the odd/even indicator or encoding scheme (1 odd, 2 even) on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digits(String);

impl Digits {
    /// Validates a digit string.
    pub fn new(s: &str) -> Result<Digits, DigitsError> {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '0'..='9' | 'a'..='f' => out.push(c),
                'A'..='F' => out.push(c.to_ascii_lowercase()),
                other => return Err(DigitsError(other)),
            }
        }
        Ok(Digits(out))
    }

    /// The digits as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Number of address signals.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no address signals.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True for an odd number of address signals.
    pub fn is_odd(&self) -> bool {
        self.0.len() % 2 == 1
    }

    /// BCD packing: first signal in the low nibble, filler 0 after an odd last signal.
    fn encode_bcd(&self, out: &mut Vec<u8>) {
        let nibbles: Vec<u8> = self.0.bytes().map(nibble_of).collect();
        for pair in nibbles.chunks(2) {
            let low = pair.first().copied().unwrap_or(0);
            let high = pair.get(1).copied().unwrap_or(0);
            out.push(low | (high << 4));
        }
    }

    fn decode_bcd(octets: &[u8], odd: bool) -> Result<Digits, AddressError> {
        if odd && octets.is_empty() {
            return Err(AddressError::OddWithoutDigits);
        }
        let mut s = String::with_capacity(octets.len() * 2);
        for o in octets {
            s.push(char_of(o & 0x0f));
            s.push(char_of(o >> 4));
        }
        if odd {
            s.pop();
        }
        Ok(Digits(s))
    }
}

impl fmt::Display for Digits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Digits {
    type Err = DigitsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Digits::new(s)
    }
}

fn nibble_of(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        // Only 'a'..='f' reach here: `Digits::new` validated the string.
        _ => (c.wrapping_sub(b'a') + 10) & 0x0f,
    }
}

fn char_of(n: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(n & 0x0f)])
}

/// ITU signalling point code: 14 bits, sent least significant octet first (Q.713 §3.4.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PointCode(u16);

impl PointCode {
    /// Largest ITU point code.
    pub const MAX: u16 = 0x3fff;

    /// A point code, or `None` when it does not fit 14 bits.
    pub fn new(value: u16) -> Option<PointCode> {
        (value <= Self::MAX).then_some(PointCode(value))
    }

    /// The numeric value.
    pub fn value(self) -> u16 {
        self.0
    }
}

impl fmt::Display for PointCode {
    /// The 3-8-3 notation common for ITU point codes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}-{}",
            self.0 >> 11,
            (self.0 >> 3) & 0xff,
            self.0 & 7
        )
    }
}

/// Routing indicator, bit 7 of the address indicator (Q.713 §3.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoutingIndicator {
    /// Route on global title (bit value 0).
    RouteOnGt,
    /// Route on point code and subsystem number (bit value 1).
    RouteOnSsn,
}

/// Global title address octets after the global title header (Q.713 §3.4.2.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GtAddress {
    /// Encoding scheme 1 (BCD, odd) or 2 (BCD, even), chosen by the digit count.
    Bcd(Digits),
    /// Any other encoding scheme, octets kept as received.
    Raw {
        /// Encoding scheme (0 or 3–15).
        encoding_scheme: u8,
        /// The address octets.
        octets: Vec<u8>,
    },
}

impl GtAddress {
    /// The digits, when BCD coded.
    pub fn digits(&self) -> Option<&Digits> {
        match self {
            GtAddress::Bcd(d) => Some(d),
            GtAddress::Raw { .. } => None,
        }
    }

    fn encoding_scheme(&self) -> u8 {
        match self {
            GtAddress::Bcd(d) if d.is_odd() => 1,
            GtAddress::Bcd(_) => 2,
            GtAddress::Raw {
                encoding_scheme, ..
            } => *encoding_scheme,
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            GtAddress::Bcd(d) => d.encode_bcd(out),
            GtAddress::Raw { octets, .. } => out.extend_from_slice(octets),
        }
    }

    fn decode(encoding_scheme: u8, octets: &[u8]) -> Result<GtAddress, AddressError> {
        match encoding_scheme {
            1 => Ok(GtAddress::Bcd(Digits::decode_bcd(octets, true)?)),
            2 => Ok(GtAddress::Bcd(Digits::decode_bcd(octets, false)?)),
            es => Ok(GtAddress::Raw {
                encoding_scheme: es,
                octets: octets.to_vec(),
            }),
        }
    }
}

/// Global title, one variant per ITU global title indicator (Q.713 §3.4.2.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GlobalTitle {
    /// GTI 1: nature of address indicator and odd/even indicator (§3.4.2.3.1).
    Gti1 {
        /// Nature of address indicator (7 bits; 4 = international number).
        nature_of_address: u8,
        /// BCD address signals; their parity is the odd/even indicator.
        digits: Digits,
    },
    /// GTI 2: translation type only (§3.4.2.3.2). The translation type defines how the
    /// address octets are coded, so they are kept as octets.
    Gti2 {
        /// Translation type.
        translation_type: u8,
        /// The address octets.
        octets: Vec<u8>,
    },
    /// GTI 3: translation type, numbering plan and encoding scheme (§3.4.2.3.3).
    Gti3 {
        /// Translation type.
        translation_type: u8,
        /// Numbering plan (4 bits; 1 = E.164).
        numbering_plan: u8,
        /// Address signals; BCD ones carry the encoding scheme in their parity.
        address: GtAddress,
    },
    /// GTI 4: translation type, numbering plan, encoding scheme and nature of address
    /// indicator (§3.4.2.3.4).
    Gti4 {
        /// Translation type.
        translation_type: u8,
        /// Numbering plan (4 bits; 1 = E.164).
        numbering_plan: u8,
        /// Nature of address indicator (7 bits; 4 = international number).
        nature_of_address: u8,
        /// Address signals; BCD ones carry the encoding scheme in their parity.
        address: GtAddress,
    },
    /// GTI 5–15 (spare or reserved in ITU networks): the octets after the point code and
    /// SSN, kept as received.
    Other {
        /// The global title indicator.
        indicator: u8,
        /// The global title octets.
        octets: Vec<u8>,
    },
}

impl GlobalTitle {
    /// The global title indicator value.
    pub fn indicator(&self) -> u8 {
        match self {
            GlobalTitle::Gti1 { .. } => 1,
            GlobalTitle::Gti2 { .. } => 2,
            GlobalTitle::Gti3 { .. } => 3,
            GlobalTitle::Gti4 { .. } => 4,
            GlobalTitle::Other { indicator, .. } => *indicator,
        }
    }

    /// The address signals, when BCD coded.
    pub fn digits(&self) -> Option<&Digits> {
        match self {
            GlobalTitle::Gti1 { digits, .. } => Some(digits),
            GlobalTitle::Gti3 { address, .. } | GlobalTitle::Gti4 { address, .. } => {
                address.digits()
            }
            GlobalTitle::Gti2 { .. } | GlobalTitle::Other { .. } => None,
        }
    }

    fn validate(&self) -> Result<(), AddressError> {
        let check = |field: &'static str, value: u8, max: u8| {
            if value > max {
                Err(AddressError::OutOfRange {
                    field,
                    value: value.into(),
                })
            } else {
                Ok(())
            }
        };
        let check_address = |a: &GtAddress| match a {
            GtAddress::Raw {
                encoding_scheme, ..
            } => {
                if *encoding_scheme == 1 || *encoding_scheme == 2 {
                    Err(AddressError::RawWithBcdScheme(*encoding_scheme))
                } else {
                    check("encoding scheme", *encoding_scheme, 15)
                }
            }
            GtAddress::Bcd(_) => Ok(()),
        };
        match self {
            GlobalTitle::Gti1 {
                nature_of_address, ..
            } => check("nature of address", *nature_of_address, 0x7f),
            GlobalTitle::Gti2 { .. } => Ok(()),
            GlobalTitle::Gti3 {
                numbering_plan,
                address,
                ..
            } => {
                check("numbering plan", *numbering_plan, 15)?;
                check_address(address)
            }
            GlobalTitle::Gti4 {
                numbering_plan,
                nature_of_address,
                address,
                ..
            } => {
                check("numbering plan", *numbering_plan, 15)?;
                check("nature of address", *nature_of_address, 0x7f)?;
                check_address(address)
            }
            GlobalTitle::Other { indicator, .. } => {
                if (5..=15).contains(indicator) {
                    Ok(())
                } else {
                    Err(AddressError::OutOfRange {
                        field: "global title indicator",
                        value: (*indicator).into(),
                    })
                }
            }
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            GlobalTitle::Gti1 {
                nature_of_address,
                digits,
            } => {
                out.push((u8::from(digits.is_odd()) << 7) | (nature_of_address & 0x7f));
                digits.encode_bcd(out);
            }
            GlobalTitle::Gti2 {
                translation_type,
                octets,
            } => {
                out.push(*translation_type);
                out.extend_from_slice(octets);
            }
            GlobalTitle::Gti3 {
                translation_type,
                numbering_plan,
                address,
            } => {
                out.push(*translation_type);
                out.push((numbering_plan << 4) | address.encoding_scheme());
                address.encode(out);
            }
            GlobalTitle::Gti4 {
                translation_type,
                numbering_plan,
                nature_of_address,
                address,
            } => {
                out.push(*translation_type);
                out.push((numbering_plan << 4) | address.encoding_scheme());
                out.push(nature_of_address & 0x7f);
                address.encode(out);
            }
            GlobalTitle::Other { octets, .. } => out.extend_from_slice(octets),
        }
    }

    fn decode(indicator: u8, octets: &[u8]) -> Result<GlobalTitle, AddressError> {
        let need = |n: usize| {
            if octets.len() < n {
                Err(AddressError::Truncated("global title header"))
            } else {
                Ok(())
            }
        };
        match indicator {
            1 => {
                need(1)?;
                let odd = octets[0] & 0x80 != 0;
                Ok(GlobalTitle::Gti1 {
                    nature_of_address: octets[0] & 0x7f,
                    digits: Digits::decode_bcd(&octets[1..], odd)?,
                })
            }
            2 => {
                need(1)?;
                Ok(GlobalTitle::Gti2 {
                    translation_type: octets[0],
                    octets: octets[1..].to_vec(),
                })
            }
            3 => {
                need(2)?;
                Ok(GlobalTitle::Gti3 {
                    translation_type: octets[0],
                    numbering_plan: octets[1] >> 4,
                    address: GtAddress::decode(octets[1] & 0x0f, &octets[2..])?,
                })
            }
            4 => {
                need(3)?;
                Ok(GlobalTitle::Gti4 {
                    translation_type: octets[0],
                    numbering_plan: octets[1] >> 4,
                    // Bit 8 of the third octet is spare (§3.4.2.3.4).
                    nature_of_address: octets[2] & 0x7f,
                    address: GtAddress::decode(octets[1] & 0x0f, &octets[3..])?,
                })
            }
            other => Ok(GlobalTitle::Other {
                indicator: other,
                octets: octets.to_vec(),
            }),
        }
    }
}

/// An SCCP called or calling party address (Q.713 §3.4), ITU format.
///
/// ```
/// use callctl_sccp::{Address, PointCode};
/// let scp = Address::ssn(146);
/// let ssp = Address::gt4(0, 1, 4, "6421000001")
///     .unwrap()
///     .with_ssn(146)
///     .with_pc(PointCode::new(1201).unwrap());
/// assert_eq!(ssp.global_title.as_ref().unwrap().digits().unwrap().as_str(), "6421000001");
/// # let _ = scp;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    /// Bit 8 of the address indicator, reserved for national use.
    pub national_use: bool,
    /// The routing indicator.
    pub routing: RoutingIndicator,
    /// Signalling point code, when the point code indicator is set.
    pub point_code: Option<PointCode>,
    /// Subsystem number, when the SSN indicator is set.
    pub ssn: Option<u8>,
    /// Global title; `None` is GTI 0.
    pub global_title: Option<GlobalTitle>,
}

impl Address {
    /// Route on SSN with only a subsystem number (e.g. 146 for CAP).
    pub fn ssn(ssn: u8) -> Address {
        Address {
            national_use: false,
            routing: RoutingIndicator::RouteOnSsn,
            point_code: None,
            ssn: Some(ssn),
            global_title: None,
        }
    }

    /// Route on GT with the given global title and nothing else.
    pub fn gt(global_title: GlobalTitle) -> Address {
        Address {
            national_use: false,
            routing: RoutingIndicator::RouteOnGt,
            point_code: None,
            ssn: None,
            global_title: Some(global_title),
        }
    }

    /// Route on GT, GTI 1 (nature of address and BCD digits).
    pub fn gt1(nature_of_address: u8, digits: &str) -> Result<Address, DigitsError> {
        Ok(Address::gt(GlobalTitle::Gti1 {
            nature_of_address,
            digits: Digits::new(digits)?,
        }))
    }

    /// Route on GT, GTI 2 (translation type and address octets).
    pub fn gt2(translation_type: u8, octets: &[u8]) -> Address {
        Address::gt(GlobalTitle::Gti2 {
            translation_type,
            octets: octets.to_vec(),
        })
    }

    /// Route on GT, GTI 3 (translation type, numbering plan, BCD digits).
    pub fn gt3(
        translation_type: u8,
        numbering_plan: u8,
        digits: &str,
    ) -> Result<Address, DigitsError> {
        Ok(Address::gt(GlobalTitle::Gti3 {
            translation_type,
            numbering_plan,
            address: GtAddress::Bcd(Digits::new(digits)?),
        }))
    }

    /// Route on GT, GTI 4 (translation type, numbering plan, nature of address, BCD
    /// digits); the usual form for E.164 global titles (numbering plan 1, nature 4).
    pub fn gt4(
        translation_type: u8,
        numbering_plan: u8,
        nature_of_address: u8,
        digits: &str,
    ) -> Result<Address, DigitsError> {
        Ok(Address::gt(GlobalTitle::Gti4 {
            translation_type,
            numbering_plan,
            nature_of_address,
            address: GtAddress::Bcd(Digits::new(digits)?),
        }))
    }

    /// Adds (or replaces) the subsystem number.
    pub fn with_ssn(mut self, ssn: u8) -> Address {
        self.ssn = Some(ssn);
        self
    }

    /// Adds (or replaces) the point code.
    pub fn with_pc(mut self, point_code: PointCode) -> Address {
        self.point_code = Some(point_code);
        self
    }

    /// Sets the routing indicator.
    pub fn with_routing(mut self, routing: RoutingIndicator) -> Address {
        self.routing = routing;
        self
    }

    /// Appends the address parameter value (without its length octet).
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), AddressError> {
        if let Some(gt) = &self.global_title {
            gt.validate()?;
        }
        let start = out.len();
        let gti = self.global_title.as_ref().map_or(0, GlobalTitle::indicator);
        let mut ai = (gti & 0x0f) << 2;
        if self.national_use {
            ai |= 0x80;
        }
        if self.routing == RoutingIndicator::RouteOnSsn {
            ai |= 0x40;
        }
        if self.ssn.is_some() {
            ai |= 0x02;
        }
        if self.point_code.is_some() {
            ai |= 0x01;
        }
        out.push(ai);
        if let Some(pc) = self.point_code {
            out.extend_from_slice(&pc.value().to_le_bytes());
        }
        if let Some(ssn) = self.ssn {
            out.push(ssn);
        }
        if let Some(gt) = &self.global_title {
            gt.encode(out);
        }
        if out.len() - start > 255 {
            out.truncate(start);
            return Err(AddressError::TooLong);
        }
        Ok(())
    }

    /// Decodes an address parameter value (without its length octet).
    ///
    /// Lenient where Q.713 leaves room: the two spare bits above a point code are ignored,
    /// and global titles with indicators 5–15 are kept as octets.
    pub fn decode(octets: &[u8]) -> Result<Address, AddressError> {
        let (&ai, mut rest) = octets.split_first().ok_or(AddressError::Empty)?;
        let point_code = if ai & 0x01 != 0 {
            let (pc, r) = rest
                .split_first_chunk::<2>()
                .ok_or(AddressError::Truncated("point code"))?;
            rest = r;
            Some(PointCode(u16::from_le_bytes(*pc) & PointCode::MAX))
        } else {
            None
        };
        let ssn = if ai & 0x02 != 0 {
            let (&ssn, r) = rest
                .split_first()
                .ok_or(AddressError::Truncated("subsystem number"))?;
            rest = r;
            Some(ssn)
        } else {
            None
        };
        let gti = (ai >> 2) & 0x0f;
        let global_title = if gti == 0 {
            if !rest.is_empty() {
                return Err(AddressError::TrailingOctets(rest.len()));
            }
            None
        } else {
            Some(GlobalTitle::decode(gti, rest)?)
        };
        Ok(Address {
            national_use: ai & 0x80 != 0,
            routing: if ai & 0x40 != 0 {
                RoutingIndicator::RouteOnSsn
            } else {
                RoutingIndicator::RouteOnGt
            },
            point_code,
            ssn,
            global_title,
        })
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(gt) = &self.global_title {
            match gt.digits() {
                Some(d) => write!(f, "GT {d} (GTI {})", gt.indicator())?,
                None => write!(f, "GT (GTI {})", gt.indicator())?,
            }
            sep = ", ";
        }
        if let Some(pc) = self.point_code {
            write!(f, "{sep}PC {}", pc.value())?;
            sep = ", ";
        }
        if let Some(ssn) = self.ssn {
            write!(f, "{sep}SSN {ssn}")?;
        }
        match self.routing {
            RoutingIndicator::RouteOnGt => f.write_str(" [route on GT]"),
            RoutingIndicator::RouteOnSsn => f.write_str(" [route on SSN]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gt4_odd_digits_encode() {
        let a = Address::gt4(0, 1, 4, "12345").unwrap().with_ssn(6);
        let mut out = Vec::new();
        a.encode(&mut out).unwrap();
        // AI: route on GT, GTI 4, SSN present; TT 0; NP 1 / ES 1 (odd); NAI 4; digits.
        assert_eq!(out, [0x12, 6, 0, 0x11, 4, 0x21, 0x43, 0x05]);
        assert_eq!(Address::decode(&out).unwrap(), a);
    }

    #[test]
    fn point_code_little_endian() {
        let a = Address::ssn(146).with_pc(PointCode::new(0x1234).unwrap());
        let mut out = Vec::new();
        a.encode(&mut out).unwrap();
        assert_eq!(out, [0x43, 0x34, 0x12, 146]);
        assert_eq!(Address::decode(&out).unwrap(), a);
    }

    #[test]
    fn digits_validation() {
        assert!(Digits::new("12ab").is_ok());
        assert_eq!(Digits::new("12AB").unwrap().as_str(), "12ab");
        assert_eq!(Digits::new("1+2"), Err(DigitsError('+')));
    }

    #[test]
    fn truncated_addresses() {
        assert_eq!(Address::decode(&[]), Err(AddressError::Empty));
        assert!(Address::decode(&[0x01, 0x00]).is_err());
        assert!(Address::decode(&[0x42]).is_err());
        assert!(Address::decode(&[0x10, 0x00]).is_err());
        assert_eq!(
            Address::decode(&[0x04, 0x84]),
            Err(AddressError::OddWithoutDigits)
        );
        assert_eq!(
            Address::decode(&[0x42, 1, 2]),
            Err(AddressError::TrailingOctets(1))
        );
    }

    #[test]
    fn raw_bcd_scheme_rejected() {
        let a = Address::gt(GlobalTitle::Gti3 {
            translation_type: 0,
            numbering_plan: 1,
            address: GtAddress::Raw {
                encoding_scheme: 2,
                octets: vec![1],
            },
        });
        assert_eq!(
            a.encode(&mut Vec::new()),
            Err(AddressError::RawWithBcdScheme(2))
        );
    }
}
