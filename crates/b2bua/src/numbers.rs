//! Number handling for triggers and the call context.

/// Normalise the user part of a URI into the digits string triggers and scripts see:
/// percent-escapes decoded, URI parameters (`;npdi`, `;phone-context=`) dropped and the
/// RFC 3966 visual separators (`-`, `.`, `(`, `)`) removed. A leading `+` is kept.
pub fn normalise_digits(user: &str) -> String {
    let user = user.split(';').next().unwrap_or("");
    let decoded = percent_decode(user);
    decoded
        .chars()
        .filter(|c| !matches!(c, '-' | '.' | '(' | ')' | ' '))
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_cleaned() {
        assert_eq!(normalise_digits("800123"), "800123");
        assert_eq!(normalise_digits("+64-4-555.1234"), "+6445551234");
        assert_eq!(normalise_digits("%2B6421"), "+6421");
        assert_eq!(normalise_digits("0800;npdi"), "0800");
        assert_eq!(normalise_digits("12%"), "12%");
        assert_eq!(normalise_digits("12%4"), "12%4");
    }
}
