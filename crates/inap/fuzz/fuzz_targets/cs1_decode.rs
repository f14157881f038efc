//! INAP CS-1 decoding must never panic for any operation or error code and parameter, and
//! whatever decodes must encode to octets that decode to the same value.
//! Input: the first octet picks the code (0-63), the rest is the parameter.
#![no_main]

use callctl_inap::cs1::{Cs1Argument, Cs1Error, Cs1Result};
use callctl_inap::numbers::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((first, bytes)) = data.split_first() else { return };
    let code = i64::from(first & 0x3F);
    if let Ok(a) = Cs1Argument::decode_argument(code, bytes) {
        let again = Cs1Argument::decode_argument(code, &a.encode_argument()).expect("re-encoded argument must decode");
        assert_eq!(again, a);
    }
    if let Ok(r) = Cs1Result::decode_result(code, bytes) {
        assert_eq!(Cs1Result::decode_result(code, &r.encode_result()).as_ref(), Ok(&r));
    }
    if let Ok(e) = Cs1Error::decode(code, bytes) {
        assert_eq!(Cs1Error::decode(code, &e.encode_parameter()), Ok(e));
    }
    // The number codecs see the same octets.
    let _ = CalledPartyNumber::decode(bytes);
    let _ = CallingPartyNumber::decode(bytes);
    let _ = GenericNumber::decode(bytes);
    let _ = GenericDigits::decode(bytes);
    let _ = Cause::decode(bytes);
    let _ = AddressString::decode(bytes);
    let _ = Tbcd::decode(bytes);
});
