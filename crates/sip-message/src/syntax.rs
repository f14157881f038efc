//! Lexical helpers shared by the grammar elements (RFC 3261 §25.1).
//!
//! All scanners work on bytes and only ever cut strings at ASCII delimiter
//! positions, which are always UTF-8 character boundaries; slicing goes
//! through [`sub`] so that a logic slip degrades to an empty string rather
//! than a panic.

use crate::uri::Param;

/// `token` characters (RFC 3261 §25.1) as a lookup table: this test runs
/// for nearly every byte of every header name and parameter.
static TOKEN_BYTES: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
            );
        i += 1;
    }
    t
};

#[inline]
pub(crate) fn is_token_byte(b: u8) -> bool {
    TOKEN_BYTES[usize::from(b)]
}

/// SP / HTAB (`WSP`).
#[inline]
pub(crate) fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Trim linear white space (after unfolding only SP/HT remain, but CR/LF are
/// trimmed too so hand-built values behave the same).
#[inline]
pub(crate) fn trim_lws(s: &str) -> &str {
    s.trim_matches(|c| c == ' ' || c == '\t' || c == '\r' || c == '\n')
}

#[inline]
pub(crate) fn skip_wsp(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_wsp(b[i]) {
        i += 1;
    }
    i
}

/// Position of `needle` in `hay`, eight bytes at a time: header blocks are
/// scanned for line ends on every received message, so this is hot.
pub(crate) fn find_byte(hay: &[u8], needle: u8) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pattern = LO.wrapping_mul(u64::from(needle));
    let mut start = 0;
    for chunk in hay.chunks_exact(8) {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let x = u64::from_le_bytes(bytes) ^ pattern;
        // Non-zero exactly when some byte of x is zero, i.e. matched.
        if x.wrapping_sub(LO) & !x & HI != 0 {
            break;
        }
        start += 8;
    }
    hay.get(start..)?
        .iter()
        .position(|&b| b == needle)
        .map(|p| start + p)
}

/// Position of the first byte of `s` that is one of `set`.
#[inline]
pub(crate) fn find_any(s: &str, set: &[u8]) -> Option<usize> {
    s.bytes().position(|b| set.contains(&b))
}

/// Panic-free substring.
#[inline]
pub(crate) fn sub(s: &str, from: usize, to: usize) -> &str {
    s.get(from..to).unwrap_or("")
}

#[inline]
pub(crate) fn tail(s: &str, from: usize) -> &str {
    s.get(from..).unwrap_or("")
}

/// A short, char-boundary-safe excerpt of untrusted input for error details.
pub(crate) fn snippet(s: &str) -> String {
    const MAX: usize = 80;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// Given `b[start] == b'"'`, return the index just past the closing quote of
/// a `quoted-string`, honouring `quoted-pair` escapes (RFC 3261 §25.1).
pub(crate) fn quoted_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Remove `quoted-pair` escapes from the inside of a quoted string.
pub(crate) fn unescape_quoted(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Split a header value at top-level commas: commas inside quoted strings or
/// `<...>` do not separate (RFC 3261 §7.3.1). Pieces are trimmed; empty
/// pieces are skipped.
pub(crate) fn split_commas(s: &str) -> CommaSplit<'_> {
    CommaSplit { s, pos: 0 }
}

pub(crate) struct CommaSplit<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Iterator for CommaSplit<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let b = self.s.as_bytes();
        if self.pos == 0 && find_byte(b, b',').is_none() {
            // Common case: a single value.
            self.pos = b.len() + 1;
            let piece = trim_lws(self.s);
            return if piece.is_empty() { None } else { Some(piece) };
        }
        while self.pos < b.len() {
            let start = self.pos;
            let mut i = start;
            let mut angle = false;
            while i < b.len() {
                match b[i] {
                    b'"' if !angle => match quoted_end(b, i) {
                        Some(e) => i = e,
                        // Unbalanced quote: the rest is one (bad) element.
                        None => i = b.len(),
                    },
                    b'<' => {
                        angle = true;
                        i += 1
                    }
                    b'>' => {
                        angle = false;
                        i += 1
                    }
                    b',' if !angle => break,
                    _ => i += 1,
                }
            }
            let end = i.min(b.len());
            self.pos = end + 1;
            let piece = trim_lws(sub(self.s, start, end));
            if !piece.is_empty() {
                return Some(piece);
            }
        }
        None
    }
}

/// Parse `*( SEMI generic-param )` as used after name-addr, Via sent-by and
/// similar (RFC 3261 §25.1: SEMI and EQUAL allow white space on both sides).
/// Values are kept as written, quotes included.
pub(crate) fn parse_params(s: &str) -> Result<Vec<Param>, String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        i = skip_wsp(b, i);
        if i >= b.len() {
            break;
        }
        if b[i] != b';' {
            return Err(format!(
                "unexpected text in parameters: {}",
                snippet(tail(s, i))
            ));
        }
        i = skip_wsp(b, i + 1);
        let ns = i;
        while i < b.len() && is_token_byte(b[i]) {
            i += 1;
        }
        if i == ns {
            return Err(format!(
                "empty or invalid parameter name: {}",
                snippet(tail(s, ns))
            ));
        }
        let name = sub(s, ns, i);
        let j = skip_wsp(b, i);
        if j < b.len() && b[j] == b'=' {
            i = skip_wsp(b, j + 1);
            let vs = i;
            if i < b.len() && b[i] == b'"' {
                i = quoted_end(b, i)
                    .ok_or_else(|| "unterminated quoted parameter value".to_string())?;
            } else {
                while i < b.len()
                    && !is_wsp(b[i])
                    && !matches!(b[i], b';' | b',' | b'"' | b'<' | b'>')
                {
                    i += 1;
                }
                if i == vs {
                    return Err(format!("parameter '{}' has an empty value", snippet(name)));
                }
            }
            out.push(Param {
                name: name.to_string(),
                value: Some(sub(s, vs, i).to_string()),
            });
        } else {
            out.push(Param {
                name: name.to_string(),
                value: None,
            });
            i = j;
        }
    }
    Ok(out)
}

/// Case-insensitive parameter lookup (parameter names are case-insensitive,
/// RFC 3261 §7.3.1 / §19.1.4).
/// Set (replace or append) a parameter by case-insensitive name.
pub(crate) fn set_param(params: &mut Vec<Param>, name: &str, value: Option<&str>) {
    match params
        .iter_mut()
        .find(|p| p.name.eq_ignore_ascii_case(name))
    {
        Some(p) => p.value = value.map(str::to_string),
        None => params.push(Param::new(name, value)),
    }
}

pub(crate) fn find_param<'a>(params: &'a [Param], name: &str) -> Option<Option<&'a str>> {
    params
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
        .map(|p| p.value.as_deref())
}

pub(crate) fn write_params(f: &mut std::fmt::Formatter<'_>, params: &[Param]) -> std::fmt::Result {
    for p in params {
        match &p.value {
            Some(v) => write!(f, ";{}={}", p.name, v)?,
            None => write!(f, ";{}", p.name)?,
        }
    }
    Ok(())
}

/// Strict non-negative decimal (no sign, no white space inside), with
/// overflow detection.
pub(crate) fn parse_decimal_u64(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comma_split_respects_quotes_and_angles() {
        let v: Vec<_> = split_commas(r#""a, b" <sip:x@y;p=1,2>, <sip:z@w> ;q=1 ,, c"#).collect();
        assert_eq!(v, vec![r#""a, b" <sip:x@y;p=1,2>"#, "<sip:z@w> ;q=1", "c"]);
        let v: Vec<_> = split_commas(r#""esc \" , still" <sip:a@b>, x"#).collect();
        assert_eq!(v, vec![r#""esc \" , still" <sip:a@b>"#, "x"]);
        assert_eq!(
            split_commas(";;,,;;,;").collect::<Vec<_>>(),
            vec![";;", ";;", ";"]
        );
        assert_eq!(split_commas("\"unterminated, x").count(), 1);
    }

    #[test]
    fn params_with_lws() {
        let p = parse_params(" ;   tag    = 1918181833n ; lr;x=\"a;b\"").unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].value.as_deref(), Some("1918181833n"));
        assert_eq!(
            p[1],
            Param {
                name: "lr".into(),
                value: None
            }
        );
        assert_eq!(p[2].value.as_deref(), Some("\"a;b\""));
        assert!(parse_params(";;").is_err());
        assert!(parse_params(";a=").is_err());
        assert!(parse_params("junk").is_err());
        assert!(parse_params(";a=\"open").is_err());
    }

    #[test]
    fn byte_search() {
        let hay = b"0123456789abcdef\nxyz\n";
        assert_eq!(find_byte(hay, b'\n'), Some(16));
        assert_eq!(find_byte(hay, b'z'), Some(19));
        assert_eq!(find_byte(hay, b'0'), Some(0));
        assert_eq!(find_byte(hay, b'Q'), None);
        assert_eq!(find_byte(b"", b'a'), None);
        for n in 0..40 {
            let mut v = vec![b'a'; n];
            v.push(b'\n');
            assert_eq!(find_byte(&v, b'\n'), Some(n));
            assert_eq!(find_byte(&v[..n], b'\n'), None);
        }
    }

    #[test]
    fn decimal() {
        assert_eq!(parse_decimal_u64("0009"), Some(9));
        assert_eq!(parse_decimal_u64("-1"), None);
        assert_eq!(parse_decimal_u64(""), None);
        assert_eq!(parse_decimal_u64("99999999999999999999999"), None);
    }
}
