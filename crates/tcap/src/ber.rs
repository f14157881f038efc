//! A minimal BER (X.690) element reader and writer used for the TCAP envelope.
//!
//! The reader accepts definite and indefinite lengths (X.690 §8.1.3), bounds nesting depth and
//! never trusts a length field beyond the bytes actually present. The writer produces definite
//! lengths in their shortest form (X.690 §8.1.3.4/§8.1.3.5).

/// Maximum nesting depth followed when locating the end of an indefinite-length element.
const MAX_DEPTH: usize = 32;

/// Tag class (X.690 §8.1.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagClass {
    /// UNIVERSAL.
    Universal,
    /// APPLICATION.
    Application,
    /// Context-specific.
    Context,
    /// PRIVATE.
    Private,
}

/// The identifier of a BER element: class, primitive/constructed flag and tag number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag {
    /// Tag class.
    pub class: TagClass,
    /// Constructed (true) or primitive (false) encoding.
    pub constructed: bool,
    /// Tag number.
    pub number: u32,
}

impl Tag {
    pub(crate) const fn new(class: TagClass, constructed: bool, number: u32) -> Self {
        Tag {
            class,
            constructed,
            number,
        }
    }

    /// Writes the identifier octets.
    pub(crate) fn write(self, out: &mut Vec<u8>) {
        let class_bits = match self.class {
            TagClass::Universal => 0x00,
            TagClass::Application => 0x40,
            TagClass::Context => 0x80,
            TagClass::Private => 0xC0,
        };
        let first = class_bits | if self.constructed { 0x20 } else { 0 };
        if self.number < 31 {
            out.push(first | self.number as u8);
        } else {
            out.push(first | 0x1F);
            let mut groups = [0u8; 5];
            let mut n = self.number;
            let mut count = 0;
            loop {
                groups[count] = (n & 0x7F) as u8;
                count += 1;
                n >>= 7;
                if n == 0 {
                    break;
                }
            }
            for i in (0..count).rev() {
                let more = if i > 0 { 0x80 } else { 0 };
                out.push(groups[i] | more);
            }
        }
    }
}

/// Why an element could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlvError {
    /// The input ended inside the identifier, the length or the contents.
    Truncated,
    /// A length form that X.690 forbids (0xFF, indefinite on a primitive, more than 4 octets).
    BadLength,
    /// A tag number that does not fit 32 bits.
    BadTag,
    /// Indefinite-length nesting deeper than this reader follows.
    TooDeep,
}

/// One BER element borrowed from the input.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    /// The identifier.
    pub tag: Tag,
    /// The whole element: identifier, length, contents and, if indefinite, the end-of-contents.
    pub raw: &'a [u8],
    /// The contents octets (without the end-of-contents octets).
    pub contents: &'a [u8],
    /// Whether the length was indefinite.
    pub indefinite: bool,
}

fn read_tag(input: &[u8]) -> Result<(Tag, usize), TlvError> {
    let first = *input.first().ok_or(TlvError::Truncated)?;
    let class = match first >> 6 {
        0 => TagClass::Universal,
        1 => TagClass::Application,
        2 => TagClass::Context,
        _ => TagClass::Private,
    };
    let constructed = first & 0x20 != 0;
    if first & 0x1F != 0x1F {
        return Ok((Tag::new(class, constructed, u32::from(first & 0x1F)), 1));
    }
    let mut number: u32 = 0;
    let mut used = 1;
    loop {
        let b = *input.get(used).ok_or(TlvError::Truncated)?;
        used += 1;
        if number > (u32::MAX >> 7) {
            return Err(TlvError::BadTag);
        }
        number = (number << 7) | u32::from(b & 0x7F);
        if b & 0x80 == 0 {
            break;
        }
        if used > 6 {
            return Err(TlvError::BadTag);
        }
    }
    Ok((Tag::new(class, constructed, number), used))
}

/// Reads one element from the front of `input`; returns it and the remaining bytes.
pub fn read(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    read_depth(input, 0)
}

fn read_depth(input: &[u8], depth: usize) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    if depth > MAX_DEPTH {
        return Err(TlvError::TooDeep);
    }
    let (tag, tag_len) = read_tag(input)?;
    let rest = input.get(tag_len..).ok_or(TlvError::Truncated)?;
    let first = *rest.first().ok_or(TlvError::Truncated)?;
    let header_len;
    if first == 0x80 {
        if !tag.constructed {
            return Err(TlvError::BadLength);
        }
        header_len = tag_len + 1;
        // Walk the nested elements until the end-of-contents octets.
        let mut cursor = input.get(header_len..).ok_or(TlvError::Truncated)?;
        let mut contents_len = 0usize;
        loop {
            if cursor.len() < 2 {
                return Err(TlvError::Truncated);
            }
            if cursor[0] == 0 && cursor[1] == 0 {
                break;
            }
            let (child, after) = read_depth(cursor, depth + 1)?;
            contents_len += child.raw.len();
            cursor = after;
        }
        let contents = input
            .get(header_len..header_len + contents_len)
            .ok_or(TlvError::Truncated)?;
        let total = header_len + contents_len + 2;
        let raw = input.get(..total).ok_or(TlvError::Truncated)?;
        let remaining = input.get(total..).ok_or(TlvError::Truncated)?;
        return Ok((
            Tlv {
                tag,
                raw,
                contents,
                indefinite: true,
            },
            remaining,
        ));
    }
    let length: usize;
    if first & 0x80 == 0 {
        length = usize::from(first);
        header_len = tag_len + 1;
    } else {
        let count = usize::from(first & 0x7F);
        if count == 0x7F || count > 4 {
            return Err(TlvError::BadLength);
        }
        let octets = rest.get(1..1 + count).ok_or(TlvError::Truncated)?;
        length = octets
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        header_len = tag_len + 1 + count;
    }
    let end = header_len.checked_add(length).ok_or(TlvError::BadLength)?;
    let raw = input.get(..end).ok_or(TlvError::Truncated)?;
    let contents = input.get(header_len..end).ok_or(TlvError::Truncated)?;
    let remaining = input.get(end..).ok_or(TlvError::Truncated)?;
    Ok((
        Tlv {
            tag,
            raw,
            contents,
            indefinite: false,
        },
        remaining,
    ))
}

/// Splits the contents of a constructed element into its child elements.
pub fn children(mut contents: &[u8]) -> Result<Vec<Tlv<'_>>, TlvError> {
    let mut out = Vec::new();
    while !contents.is_empty() {
        let (tlv, rest) = read(contents)?;
        out.push(tlv);
        contents = rest;
    }
    Ok(out)
}

/// Appends a definite length (shortest form).
pub(crate) fn write_length(out: &mut Vec<u8>, length: usize) {
    if length < 0x80 {
        out.push(length as u8);
    } else {
        let bytes = (length as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Appends a whole element with a definite length.
pub(crate) fn write(out: &mut Vec<u8>, tag: Tag, contents: &[u8]) {
    tag.write(out);
    write_length(out, contents.len());
    out.extend_from_slice(contents);
}

/// Re-encodes an element so that every length in it is definite; a definite input is copied.
pub fn to_definite(element: &[u8]) -> Result<Vec<u8>, TlvError> {
    let (tlv, _) = read(element)?;
    let mut out = Vec::with_capacity(element.len());
    definite_into(&tlv, &mut out, 0)?;
    Ok(out)
}

fn definite_into(tlv: &Tlv<'_>, out: &mut Vec<u8>, depth: usize) -> Result<(), TlvError> {
    if depth > MAX_DEPTH {
        return Err(TlvError::TooDeep);
    }
    if !tlv.indefinite && !contains_indefinite(tlv, depth)? {
        out.extend_from_slice(tlv.raw);
        return Ok(());
    }
    let mut inner = Vec::with_capacity(tlv.contents.len());
    for child in children(tlv.contents)? {
        definite_into(&child, &mut inner, depth + 1)?;
    }
    write(out, tlv.tag, &inner);
    Ok(())
}

fn contains_indefinite(tlv: &Tlv<'_>, depth: usize) -> Result<bool, TlvError> {
    if !tlv.tag.constructed {
        return Ok(false);
    }
    if depth > MAX_DEPTH {
        return Err(TlvError::TooDeep);
    }
    for child in children(tlv.contents)? {
        if child.indefinite || contains_indefinite(&child, depth + 1)? {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_definite_and_indefinite() {
        let (tlv, rest) = read(&[0x30, 0x03, 0x02, 0x01, 0x05, 0xAA]).unwrap();
        assert_eq!(tlv.contents, &[0x02, 0x01, 0x05]);
        assert_eq!(rest, &[0xAA]);
        let (tlv, rest) = read(&[0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00]).unwrap();
        assert!(tlv.indefinite);
        assert_eq!(tlv.contents, &[0x02, 0x01, 0x05]);
        assert!(rest.is_empty());
        assert_eq!(
            to_definite(&[0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00]).unwrap(),
            vec![0x30, 0x03, 0x02, 0x01, 0x05]
        );
    }

    #[test]
    fn rejects_bad_lengths() {
        assert_eq!(read(&[0x04, 0x80]).unwrap_err(), TlvError::BadLength);
        assert_eq!(read(&[0x04, 0x05, 0x00]).unwrap_err(), TlvError::Truncated);
        assert_eq!(
            read(&[0x04, 0x85, 1, 1, 1, 1, 1]).unwrap_err(),
            TlvError::BadLength
        );
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 100).flatten().collect();
        assert_eq!(read(&deep).unwrap_err(), TlvError::TooDeep);
    }

    #[test]
    fn long_tags_and_lengths() {
        let mut out = Vec::new();
        write(
            &mut out,
            Tag::new(TagClass::Context, false, 200),
            &[0u8; 300],
        );
        let (tlv, _) = read(&out).unwrap();
        assert_eq!(tlv.tag.number, 200);
        assert_eq!(tlv.contents.len(), 300);
    }
}
