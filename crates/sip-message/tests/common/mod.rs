//! What the RFC 4475 test files share: where the vectors are and which are valid.
#![allow(dead_code)]

/// The raw bytes of the vector `tests/rfc4475/<name>.dat`.
pub fn load_rfc4475(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/rfc4475/{name}.dat", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The messages RFC 4475 calls syntactically valid (§3.1.1, §3.2.1 badbranch, the
/// application-layer cases of §3.3 that parse, §3.4.1 inv2543), plus baddate (§3.1.2.12),
/// which the RFC allows an element to accept when it does not use the Date value.
pub const RFC4475_VALID: &[&str] = &[
    "wsinv",
    "intmeth",
    "esc01",
    "escnull",
    "esc02",
    "lwsdisp",
    "longreq",
    "dblreq",
    "semiuri",
    "transports",
    "mpart01",
    "unreason",
    "noreason",
    "badbranch",
    "unkscm",
    "novelsc",
    "unksm2",
    "bext01",
    "invut",
    "regaut01",
    "bcast",
    "zeromf",
    "cparam01",
    "cparam02",
    "regescrt",
    "sdp01",
    "inv2543",
    "baddate",
];
