//! Headers built from script arguments.

use callctl_scc::Reason;
use callctl_sip::message::HeaderName;

/// Format an RFC 3326 Reason header value: `protocol;cause=N;text="..."`, omitting the
/// parameters the script left out. The text is a quoted-string (RFC 3261 §25.1), so quotes
/// and backslashes are escaped and control characters dropped.
pub fn format_reason(reason: &Reason) -> String {
    let mut v = String::with_capacity(48);
    v.push_str(&reason.protocol);
    if let Some(cause) = reason.cause {
        v.push_str(";cause=");
        v.push_str(&cause.to_string());
    }
    if let Some(text) = &reason.text {
        v.push_str(";text=\"");
        for c in text.chars() {
            match c {
                '"' | '\\' => {
                    v.push('\\');
                    v.push(c);
                }
                c if c.is_control() => {}
                c => v.push(c),
            }
        }
        v.push('"');
    }
    v
}

/// Headers a script may not set: they belong to the transaction or dialog layer.
const RESERVED: &[&str] = &[
    "via",
    "from",
    "to",
    "call-id",
    "cseq",
    "content-length",
    "contact",
    "record-route",
    "route",
    "max-forwards",
    "rseq",
    "rack",
];

/// Check script-supplied extra headers: names must be RFC 3261 tokens and not ones the stack
/// owns; values must not break the message (no CR/LF/NUL).
pub fn validate_extra_headers(headers: &[(String, String)]) -> Result<(), String> {
    for (name, value) in headers {
        let token = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b));
        if !token {
            return Err(format!("invalid header name {name:?}"));
        }
        let canonical = HeaderName::parse(name);
        let full = canonical.as_str().to_ascii_lowercase();
        if RESERVED.contains(&full.as_str()) {
            return Err(format!(
                "header {name:?} is set by callctl and cannot be added"
            ));
        }
        if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(format!("value of header {name:?} contains a line break"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_values() {
        let r = Reason {
            protocol: "SIP".into(),
            cause: Some(486),
            text: Some("Busy Here".into()),
        };
        assert_eq!(format_reason(&r), "SIP;cause=486;text=\"Busy Here\"");
        let q = Reason {
            protocol: "Q.850".into(),
            cause: Some(16),
            text: None,
        };
        assert_eq!(format_reason(&q), "Q.850;cause=16");
        let odd = Reason {
            protocol: "SIP".into(),
            cause: None,
            text: Some("a \"b\" \\ c\r\n".into()),
        };
        assert_eq!(format_reason(&odd), "SIP;text=\"a \\\"b\\\" \\\\ c\"");
    }

    #[test]
    fn extra_header_rules() {
        let ok = vec![("X-Charge-Ref".to_string(), "XX-1".to_string())];
        assert!(validate_extra_headers(&ok).is_ok());
        for bad in [
            ("Via", "x"),
            ("i", "x"),
            ("Bad Name", "x"),
            ("X-A", "a\r\nVia: x"),
        ] {
            assert!(
                validate_extra_headers(&[(bad.0.into(), bad.1.into())]).is_err(),
                "{bad:?}"
            );
        }
    }
}
