//! The BER pieces shared by the INAP CS-1 and CAP codecs, below their typed (rasn) layer: a
//! bounded TLV reader (X.690 §8.1), the extension screen that drops components a version does
//! not know before the typed decoder sees an argument, and exact-fit decode / infallible encode
//! wrappers around rasn.

use rasn::{Decode, Encode};

/// Tag class of a BER identifier (X.690 §8.1.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Universal.
    Universal,
    /// Application.
    Application,
    /// Context-specific.
    Context,
    /// Private.
    Private,
}

/// One BER element found by [`read_tlv`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// Tag class.
    pub class: Class,
    /// Constructed bit.
    pub constructed: bool,
    /// Tag number.
    pub number: u32,
    /// The whole element (identifier, length and contents, end-of-contents included).
    pub whole: &'a [u8],
    /// The contents (for indefinite length: without the end-of-contents octets).
    pub contents: &'a [u8],
}

/// Why [`read_tlv`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlvError {
    /// Input ended inside an element.
    Truncated,
    /// A length or tag this reader does not accept (over 4 length octets, tag over 2^28,
    /// indefinite length on a primitive, nesting deeper than the limit).
    Unsupported,
}

/// Deepest nesting followed when looking for the end of an indefinite-length element.
const MAX_DEPTH: usize = 32;

/// Reads one BER element from the front of `input`; returns it and the rest.
pub fn read_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    read_tlv_depth(input, 0)
}

fn read_tlv_depth(input: &[u8], depth: usize) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    if depth > MAX_DEPTH {
        return Err(TlvError::Unsupported);
    }
    let first = *input.first().ok_or(TlvError::Truncated)?;
    let class = match first >> 6 {
        0 => Class::Universal,
        1 => Class::Application,
        2 => Class::Context,
        _ => Class::Private,
    };
    let constructed = first & 0x20 != 0;
    let mut pos = 1usize;
    let mut number = u32::from(first & 0x1f);
    if number == 0x1f {
        number = 0;
        loop {
            let b = *input.get(pos).ok_or(TlvError::Truncated)?;
            pos += 1;
            if number > (u32::MAX >> 7) >> 1 {
                return Err(TlvError::Unsupported);
            }
            number = (number << 7) | u32::from(b & 0x7f);
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let len_octet = *input.get(pos).ok_or(TlvError::Truncated)?;
    pos += 1;
    if len_octet == 0x80 {
        if !constructed {
            return Err(TlvError::Unsupported);
        }
        // Indefinite length: walk the inner elements up to the end-of-contents octets.
        let start = pos;
        let mut rest = input.get(pos..).ok_or(TlvError::Truncated)?;
        loop {
            if rest.len() < 2 {
                return Err(TlvError::Truncated);
            }
            if rest[0] == 0 && rest[1] == 0 {
                let end = input.len() - rest.len();
                let contents = &input[start..end];
                let whole = &input[..end + 2];
                let tlv = Tlv {
                    class,
                    constructed,
                    number,
                    whole,
                    contents,
                };
                return Ok((tlv, &input[end + 2..]));
            }
            let (_, after) = read_tlv_depth(rest, depth + 1)?;
            rest = after;
        }
    }
    let len = if len_octet & 0x80 == 0 {
        usize::from(len_octet)
    } else {
        let n = usize::from(len_octet & 0x7f);
        if n > 4 {
            return Err(TlvError::Unsupported);
        }
        let mut len = 0usize;
        for _ in 0..n {
            let b = *input.get(pos).ok_or(TlvError::Truncated)?;
            pos += 1;
            len = (len << 8) | usize::from(b);
        }
        len
    };
    let end = pos.checked_add(len).ok_or(TlvError::Truncated)?;
    if end > input.len() {
        return Err(TlvError::Truncated);
    }
    let tlv = Tlv {
        class,
        constructed,
        number,
        whole: &input[..end],
        contents: &input[pos..end],
    };
    Ok((tlv, &input[end..]))
}

/// Writes a definite BER length.
pub fn push_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Rebuilds a SEQUENCE element keeping only the context-tagged components whose tag number
/// `keep` accepts; other components are dropped.
///
/// This is how an argument is read when its type ends with an extension marker: components
/// this version does not know are ignored rather than rejected (X.680 §52, TS 29.078 §5.5).
/// Components of other classes are kept (the typed decoder then judges them). Returns `None`
/// when the input is not a single well-formed constructed element.
pub fn retain_components(element: &[u8], keep: impl Fn(u32) -> bool) -> Option<Vec<u8>> {
    let (tlv, rest) = read_tlv(element).ok()?;
    if !rest.is_empty() || !tlv.constructed {
        return None;
    }
    let mut body = Vec::with_capacity(tlv.contents.len());
    let mut inner = tlv.contents;
    while !inner.is_empty() {
        let (component, after) = read_tlv(inner).ok()?;
        if component.class != Class::Context || keep(component.number) {
            body.extend_from_slice(component.whole);
        }
        inner = after;
    }
    let mut out = Vec::with_capacity(body.len() + 6);
    // The identifier octets of the original element, unchanged.
    let id_len = identifier_length(element)?;
    out.extend_from_slice(element.get(..id_len)?);
    push_length(&mut out, body.len());
    out.extend_from_slice(&body);
    Some(out)
}

fn identifier_length(element: &[u8]) -> Option<usize> {
    let first = *element.first()?;
    if first & 0x1f != 0x1f {
        return Some(1);
    }
    let mut n = 1;
    loop {
        let b = *element.get(n)?;
        n += 1;
        if b & 0x80 == 0 {
            return Some(n);
        }
    }
}

/// Decodes exactly one BER value filling `bytes`; the error says what was wrong.
pub(crate) fn decode_exact<T: Decode>(bytes: &[u8]) -> Result<T, String> {
    match rasn::ber::decode_with_remainder::<T>(bytes) {
        Ok((value, [])) => Ok(value),
        Ok((_, rest)) => Err(format!("{} octet(s) after the value", rest.len())),
        Err(e) => Err(e.to_string()),
    }
}

/// The BER encoding of one of this crate's types. These carry no constraint that the BER
/// encoder checks, so encoding cannot fail; the empty fallback is never taken.
pub(crate) fn encode<T: Encode>(value: &T) -> Vec<u8> {
    rasn::ber::encode(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_definite_and_indefinite() {
        let (tlv, rest) = read_tlv(&[0x30, 0x03, 0x80, 0x01, 0x05, 0xff]).unwrap();
        assert_eq!(tlv.contents, &[0x80, 0x01, 0x05]);
        assert_eq!(rest, &[0xff]);
        let (tlv, rest) = read_tlv(&[0x30, 0x80, 0x80, 0x01, 0x05, 0x00, 0x00]).unwrap();
        assert_eq!(tlv.contents, &[0x80, 0x01, 0x05]);
        assert!(rest.is_empty());
        assert_eq!(read_tlv(&[0x30, 0x05, 0x80]), Err(TlvError::Truncated));
        assert_eq!(read_tlv(&[0x9f, 0x81]), Err(TlvError::Truncated));
    }

    #[test]
    fn retains_known_components() {
        let seq = [0x30, 0x06, 0x80, 0x01, 0x05, 0x9f, 0x40, 0x00];
        let kept = retain_components(&seq, |n| n == 0).unwrap();
        assert_eq!(kept, vec![0x30, 0x03, 0x80, 0x01, 0x05]);
    }
}
