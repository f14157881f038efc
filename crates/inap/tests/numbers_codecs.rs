//! Number parameter codecs: hand-computed vectors from the Q.763 / Q.850 / TS 29.002 layouts,
//! a cross-check against the SSP simulator's independent codecs (python3), round trips and
//! robustness against random octets.

use std::io::Write;
use std::process::{Command, Stdio};

use callctl_inap::numbers::*;
use proptest::prelude::*;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ------------------------------------------------------------------ hand-computed vectors

#[test]
fn called_party_number_vectors() {
    // Q.763 §3.9: octet 1 = O/E | NAI, octet 2 = INN | NP | spare, then digits low nibble first.
    // International (4), ISDN, "4930123456" (even): 04 10 94 03 21 43 65
    let n = CalledPartyNumber::new(
        NatureOfAddress::INTERNATIONAL,
        NumberingPlan::ISDN,
        "4930123456",
    )
    .unwrap();
    assert_eq!(hex(&n.encode()), "04109403214365");
    // Odd count with ST, INN set: 83 90 21 f3 (digits 1 2 3 F)
    let mut n =
        CalledPartyNumber::new(NatureOfAddress::NATIONAL, NumberingPlan::ISDN, "123F").unwrap();
    n.inn_not_allowed = true;
    assert_eq!(hex(&n.encode()), "039021f3");
    let d = CalledPartyNumber::decode(&[0x83, 0x10, 0x21, 0x03]).unwrap();
    assert_eq!(d.digits.as_str(), "123");
    assert_eq!(d.nature, NatureOfAddress::NATIONAL);
    // Codes 11 and 12 are allowed, spare codes are not.
    assert!(CalledPartyNumber::new(NatureOfAddress::UNKNOWN, NumberingPlan::ISDN, "1B2C").is_ok());
    assert!(matches!(
        CalledPartyNumber::new(NatureOfAddress::UNKNOWN, NumberingPlan::ISDN, "1D"),
        Err(NumberError::InvalidDigit {
            digit: 'D',
            position: 1,
            ..
        })
    ));
    assert!(matches!(
        CalledPartyNumber::new(NatureOfAddress(0x80), NumberingPlan::ISDN, "1"),
        Err(NumberError::OutOfRange {
            field: "nature of address",
            ..
        })
    ));
}

#[test]
fn calling_party_number_vectors() {
    // Q.763 §3.10: octet 2 = NI | NP | APRI | SI. National, ISDN, allowed, network provided,
    // "64211234567" (odd): 83 13 46 12 21 43 65 07
    let n = CallingPartyNumber::new(
        NatureOfAddress::NATIONAL,
        NumberingPlan::ISDN,
        Screening::NetworkProvided,
        "64211234567",
    )
    .unwrap();
    assert_eq!(hex(&n.encode()), "8313461221436507");
    let mut r = n.clone();
    r.presentation = Presentation::Restricted;
    r.number_incomplete = true;
    r.screening = Screening::UserProvidedVerifiedPassed;
    assert_eq!(hex(&r.encode()[..2]), "8395");
    assert_eq!(CallingPartyNumber::decode(&r.encode()).unwrap(), r);
    // F (ST) is not an address signal of a calling number.
    assert!(CallingPartyNumber::new(
        NatureOfAddress::NATIONAL,
        NumberingPlan::ISDN,
        Screening::NetworkProvided,
        "12F"
    )
    .is_err());
}

#[test]
fn location_redirecting_generic_vectors() {
    // Location number §3.30: INN | NP | APRI | SI.
    let l =
        LocationNumber::new(NatureOfAddress::INTERNATIONAL, NumberingPlan::ISDN, "4930").unwrap();
    assert_eq!(hex(&l.encode()), "04139403");
    // Redirecting number §3.44: spare | NP | APRI | spare; restricted = 0x14.
    let mut r = RedirectingNumber::new(
        NatureOfAddress::INTERNATIONAL,
        NumberingPlan::ISDN,
        "889001234",
    )
    .unwrap();
    r.presentation = Presentation::Restricted;
    assert_eq!(hex(&r.encode()), "84148809103204");
    // Generic number §3.26: qualifier 6 (additional calling), then the calling layout.
    let g = GenericNumber::new(
        NumberQualifier::ADDITIONAL_CALLING,
        NatureOfAddress::NATIONAL,
        NumberingPlan::ISDN,
        Screening::UserProvidedVerifiedPassed,
        "0211",
    )
    .unwrap();
    assert_eq!(hex(&g.encode()), "0603112011");
    assert_eq!(GenericNumber::decode(&g.encode()).unwrap(), g);
    assert!(matches!(
        GenericNumber::decode(&[6, 3]),
        Err(NumberError::TooShort { .. })
    ));
}

#[test]
fn generic_digits_vectors() {
    // §3.24: scheme (bits 8-6) | type (bits 5-1). BCD odd "123", type 0: 20 21 03.
    assert_eq!(
        hex(&GenericDigits::bcd(0, "123").unwrap().encode()),
        "202103"
    );
    // BCD even "1234", type 1 (authorisation code): 01 21 43.
    assert_eq!(
        hex(&GenericDigits::bcd(1, "1234").unwrap().encode()),
        "012143"
    );
    // IA5 "*1#": 40 2a 31 23.
    let g = GenericDigits::decode(&[0x40, 0x2a, 0x31, 0x23]).unwrap();
    assert_eq!(g.value, GenericDigitsValue::Ia5("*1#".into()));
    assert_eq!(hex(&g.encode()), "402a3123");
    assert!(matches!(
        GenericDigits::bcd(32, "1"),
        Err(NumberError::OutOfRange { .. })
    ));
    assert!(GenericDigits::decode(&[0x20]).is_err());
}

#[test]
fn redirection_information_vectors() {
    // §3.45: octet 1 = original reason (HGFE) | spare | indicator (CBA);
    // octet 2 = reason (HGFE) | D | counter (CBA). Diverted (3), orig reason 1, reason 4, counter 1.
    let r = RedirectionInformation {
        indicator: 3,
        original_reason: 1,
        counter: 1,
        reason: 4,
        national_use: false,
    };
    assert_eq!(hex(&r.encode()), "1341");
    assert_eq!(RedirectionInformation::decode(&[0x13, 0x41]).unwrap(), r);
    assert!(RedirectionInformation::decode(&[0x13]).is_err());
    assert!(RedirectionInformation::decode(&[0x13, 0x41, 0]).is_err());
}

#[test]
fn cause_vectors() {
    // Q.850: ext | coding | spare | location, ext | value. ITU-T, public local, 17 user busy: 82 91
    let c = Cause::new(Cause::LOCATION_PUBLIC_LOCAL, 17).unwrap();
    assert_eq!(hex(&c.encode()), "8291");
    // With diagnostics.
    let d = Cause::decode(&[0x80, 0x90, 0x01, 0x02]).unwrap();
    assert_eq!(
        (d.value, d.location, d.diagnostics.clone()),
        (16, 0, vec![1, 2])
    );
    assert!(Cause::decode(&[0x80]).is_err());
    assert!(Cause::decode(&[0x00, 0x80]).is_err());
    assert!(Cause::new(0, 128).is_err());
}

#[test]
fn tbcd_and_address_string_vectors() {
    // IMSI 262011234567890 (15 digits): 62 02 11 32 54 76 98 f0
    let t = Tbcd::new("262011234567890").unwrap();
    assert_eq!(hex(&t.encode()), "62021132547698f0");
    assert_eq!(Tbcd::decode(&t.encode()).unwrap(), t);
    assert_eq!(Tbcd::new("*12#").unwrap().to_dial_string(), "*12#");
    assert!(matches!(
        Tbcd::decode(&[0xf1, 0x21]),
        Err(NumberError::InvalidDigit { digit: 'F', .. })
    ));
    // AddressString: 1 | NAI 1 (international) | NP 1 (ISDN) = 0x91, then TBCD.
    let a =
        AddressString::new(AddressString::INTERNATIONAL, AddressString::ISDN, "491234").unwrap();
    assert_eq!(hex(&a.encode()), "91942143");
    let odd = AddressString::decode(&[0x91, 0x94, 0xf1]).unwrap();
    assert_eq!(odd.digits.as_str(), "491");
    assert!(AddressString::decode(&[0x91; 21]).is_err());
}

// ------------------------------------------------------------------ simulator cross-check

fn ssp_sim_dir() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/tools/ssp-sim").to_string()
}

/// Runs the simulator's codecs on (codec, friendly JSON, our hex) lines.
fn run_sim_numbers(lines: &[(String, String, String)]) -> Vec<(String, String)> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/cs1_support/sim_numbers.py"
    );
    let mut child = Command::new("python3")
        .arg(script)
        .env("SSP_SIM_DIR", ssp_sim_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 is needed for the simulator cross-check (apt-get install python3; pip install pycrate)");
    let mut input = String::new();
    for (c, f, h) in lines {
        input.push_str(&format!("{c}\t{f}\t{h}\n"));
    }
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "sim_numbers.py failed (is /work/shared or <repo>/../shared present?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (a, b) = l.split_once('\t').unwrap_or((l, ""));
            (a.to_string(), b.to_string())
        })
        .collect()
}

#[test]
fn simulator_codecs_agree() {
    let called = CalledPartyNumber::new(
        NatureOfAddress::INTERNATIONAL,
        NumberingPlan::ISDN,
        "4930123456",
    )
    .unwrap();
    let called_odd =
        CalledPartyNumber::new(NatureOfAddress::NATIONAL, NumberingPlan::ISDN, "0212345").unwrap();
    let mut calling = CallingPartyNumber::new(
        NatureOfAddress::NATIONAL,
        NumberingPlan::ISDN,
        Screening::NetworkProvided,
        "64211234567",
    )
    .unwrap();
    calling.presentation = Presentation::Restricted;
    let location =
        LocationNumber::new(NatureOfAddress::INTERNATIONAL, NumberingPlan::ISDN, "6421").unwrap();
    let mut redirecting = RedirectingNumber::new(
        NatureOfAddress::INTERNATIONAL,
        NumberingPlan::ISDN,
        "889001234",
    )
    .unwrap();
    redirecting.presentation = Presentation::Restricted;
    let generic = GenericNumber::new(
        NumberQualifier::ADDITIONAL_CALLING,
        NatureOfAddress::NATIONAL,
        NumberingPlan::ISDN,
        Screening::UserProvidedVerifiedPassed,
        "021123",
    )
    .unwrap();
    let digits_odd = GenericDigits::bcd(0, "12345").unwrap();
    let digits_even = GenericDigits::bcd(3, "1234").unwrap();
    let redir = RedirectionInformation {
        indicator: 3,
        original_reason: 1,
        counter: 2,
        reason: 4,
        national_use: false,
    };
    let cause = Cause::new(Cause::LOCATION_TRANSIT, 31).unwrap();
    let imsi = Tbcd::new("530010123456789").unwrap();
    let msc = AddressString::new(1, 1, "6421000099").unwrap();

    let cases: Vec<(&str, String, Vec<u8>, &str)> = vec![
        (
            "isup_called",
            r#"{"digits":"4930123456","noa":4,"inn":0,"npi":1}"#.into(),
            called.encode(),
            "digits=4930123456;inn=0;noa=4;npi=1",
        ),
        (
            "isup_called",
            r#"{"digits":"0212345","noa":3}"#.into(),
            called_odd.encode(),
            "digits=0212345;inn=0;noa=3;npi=1",
        ),
        (
            "isup_calling",
            r#"{"digits":"64211234567","noa":3,"pres":1,"screen":3}"#.into(),
            calling.encode(),
            "digits=64211234567;ni=0;noa=3;npi=1;pres=1;screen=3",
        ),
        (
            "isup_location",
            r#"{"digits":"6421","noa":4,"screen":3}"#.into(),
            location.encode(),
            "digits=6421;inn=0;noa=4;npi=1;pres=0;screen=3",
        ),
        (
            "isup_redirecting",
            r#"{"digits":"889001234","noa":4,"pres":1}"#.into(),
            redirecting.encode(),
            "digits=889001234;noa=4;npi=1;pres=1",
        ),
        (
            "generic_number",
            r#"{"digits":"021123","nqi":6,"noa":3,"screen":1}"#.into(),
            generic.encode(),
            "digits=021123;ni=0;noa=3;npi=1;nqi=6;pres=0;screen=1",
        ),
        (
            "generic_digits",
            r#"{"digits":"12345","type":0}"#.into(),
            digits_odd.encode(),
            "digits=12345;encoding=1;type=0",
        ),
        (
            "generic_digits",
            r#"{"digits":"1234","type":3}"#.into(),
            digits_even.encode(),
            "digits=1234;encoding=0;type=3",
        ),
        (
            "redirection_info",
            r#"{"indicator":3,"orig_reason":1,"counter":2,"reason":4}"#.into(),
            redir.encode(),
            "counter=2;indicator=3;national_use=0;orig_reason=1;reason=4",
        ),
        (
            "cause",
            r#"{"cause":31,"location":3}"#.into(),
            cause.encode(),
            "cause=31;coding=0;location=3",
        ),
        (
            "tbcd",
            r#"{"digits":"530010123456789"}"#.into(),
            imsi.encode(),
            "digits=530010123456789",
        ),
        (
            "address_string",
            r#"{"digits":"6421000099","ton":1,"npi":1}"#.into(),
            msc.encode(),
            "digits=6421000099;npi=1;ton=1",
        ),
    ];
    let lines: Vec<_> = cases
        .iter()
        .map(|(c, f, ours, _)| (c.to_string(), f.clone(), hex(ours)))
        .collect();
    let results = run_sim_numbers(&lines);
    assert_eq!(results.len(), cases.len());
    for ((codec, friendly, ours, expected), (sim_hex, sim_fields)) in cases.iter().zip(results) {
        assert_eq!(
            sim_hex,
            hex(ours),
            "{codec} {friendly}: simulator encodes differently"
        );
        assert_eq!(
            &sim_fields, expected,
            "{codec}: simulator decodes our octets differently"
        );
    }
}

// ------------------------------------------------------------------ properties

fn digits_from(set: &'static [u8], max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(set), 0..=max)
        .prop_map(|v| v.into_iter().map(char::from).collect())
}

const ISUP: &[u8] = b"0123456789BC";
const TBCD: &[u8] = b"0123456789ABCDE";

fn presentation() -> impl Strategy<Value = Presentation> {
    prop_oneof![
        Just(Presentation::Allowed),
        Just(Presentation::Restricted),
        Just(Presentation::AddressNotAvailable),
        Just(Presentation::Reserved)
    ]
}

fn screening() -> impl Strategy<Value = Screening> {
    prop_oneof![
        Just(Screening::UserProvidedNotVerified),
        Just(Screening::UserProvidedVerifiedPassed),
        Just(Screening::UserProvidedVerifiedFailed),
        Just(Screening::NetworkProvided)
    ]
}

proptest! {
    #[test]
    fn called_round_trip(nai in 0u8..128, inn: bool, np in 0u8..8, d in digits_from(b"0123456789BCF", 32)) {
        let n = CalledPartyNumber { nature: NatureOfAddress(nai), inn_not_allowed: inn, plan: NumberingPlan(np), digits: Digits::new(&d).unwrap() };
        prop_assert!(n.validate().is_ok());
        prop_assert_eq!(CalledPartyNumber::decode(&n.encode()).unwrap(), n);
    }

    #[test]
    fn calling_round_trip(nai in 0u8..128, ni: bool, np in 0u8..8, p in presentation(), s in screening(), d in digits_from(ISUP, 32)) {
        let n = CallingPartyNumber { nature: NatureOfAddress(nai), number_incomplete: ni, plan: NumberingPlan(np), presentation: p, screening: s, digits: Digits::new(&d).unwrap() };
        prop_assert_eq!(CallingPartyNumber::decode(&n.encode()).unwrap(), n);
    }

    #[test]
    fn location_round_trip(nai in 0u8..128, inn: bool, np in 0u8..8, p in presentation(), s in screening(), d in digits_from(ISUP, 32)) {
        let n = LocationNumber { nature: NatureOfAddress(nai), inn_not_allowed: inn, plan: NumberingPlan(np), presentation: p, screening: s, digits: Digits::new(&d).unwrap() };
        prop_assert_eq!(LocationNumber::decode(&n.encode()).unwrap(), n);
    }

    #[test]
    fn redirecting_round_trip(nai in 0u8..128, np in 0u8..8, p in presentation(), d in digits_from(ISUP, 32)) {
        let n = RedirectingNumber { nature: NatureOfAddress(nai), plan: NumberingPlan(np), presentation: p, digits: Digits::new(&d).unwrap() };
        prop_assert_eq!(RedirectingNumber::decode(&n.encode()).unwrap(), n);
    }

    #[test]
    fn generic_number_round_trip(q: u8, nai in 0u8..128, ni: bool, np in 0u8..8, p in presentation(), s in screening(), d in digits_from(ISUP, 32)) {
        let n = GenericNumber { qualifier: NumberQualifier(q), nature: NatureOfAddress(nai), number_incomplete: ni, plan: NumberingPlan(np), presentation: p, screening: s, digits: Digits::new(&d).unwrap() };
        prop_assert_eq!(GenericNumber::decode(&n.encode()).unwrap(), n);
    }

    #[test]
    fn generic_digits_round_trip(t in 0u8..32, d in digits_from(b"0123456789ABCDEF", 64), ia5 in "[ -~]{0,64}") {
        let g = GenericDigits { type_of_digits: t, value: GenericDigitsValue::Bcd(Digits::new(&d).unwrap()) };
        prop_assert_eq!(GenericDigits::decode(&g.encode()).unwrap(), g);
        let g = GenericDigits { type_of_digits: t, value: GenericDigitsValue::Ia5(ia5) };
        prop_assert_eq!(GenericDigits::decode(&g.encode()).unwrap(), g);
    }

    #[test]
    fn redirection_round_trip(i in 0u8..8, o in 0u8..16, c in 0u8..8, r in 0u8..16, n: bool) {
        let v = RedirectionInformation { indicator: i, original_reason: o, counter: c, reason: r, national_use: n };
        prop_assert_eq!(RedirectionInformation::decode(&v.encode()).unwrap(), v);
    }

    #[test]
    fn cause_round_trip(cs in 0u8..4, loc in 0u8..16, rec in proptest::option::of(0u8..128), v in 0u8..128, diag in proptest::collection::vec(any::<u8>(), 0..=30)) {
        // At most 32 octets in all: octet 1a leaves room for 29 diagnostic octets.
        let mut diag = diag;
        diag.truncate(if rec.is_some() { 29 } else { 30 });
        let c = Cause { coding_standard: cs, location: loc, recommendation: rec, value: v, diagnostics: diag };
        prop_assert!(c.validate().is_ok());
        prop_assert_eq!(Cause::decode(&c.encode()).unwrap(), c);
    }

    #[test]
    fn tbcd_and_address_round_trip(d in digits_from(TBCD, 38), nai in 0u8..8, np in 0u8..16) {
        let t = Tbcd { digits: Digits::new(&d).unwrap() };
        prop_assert_eq!(Tbcd::decode(&t.encode()).unwrap(), t);
        let a = AddressString { nature: nai, plan: np, digits: Digits::new(&d).unwrap() };
        prop_assert!(a.validate().is_ok());
        prop_assert_eq!(AddressString::decode(&a.encode()).unwrap(), a);
    }

    #[test]
    fn random_octets_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        // Whatever decodes must encode to octets that decode to the same value.
        macro_rules! check {
            ($t:ty) => {
                if let Ok(v) = <$t>::decode(&bytes) {
                    prop_assert_eq!(<$t>::decode(&v.encode()).unwrap(), v);
                }
            };
        }
        check!(CalledPartyNumber);
        check!(CallingPartyNumber);
        check!(LocationNumber);
        check!(RedirectingNumber);
        check!(GenericNumber);
        check!(GenericDigits);
        check!(RedirectionInformation);
        check!(Cause);
        check!(Tbcd);
        check!(AddressString);
    }

    #[test]
    fn digits_text_never_panics(s in "\\PC{0,100}") {
        let _ = Digits::new(&s);
        let _ = Tbcd::new(&s);
    }
}
