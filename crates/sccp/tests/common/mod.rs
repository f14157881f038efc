//! Helpers shared by the integration tests: hex, running the independent decoders,
//! proptest strategies, and the field views that tshark and pycrate are compared on.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use callctl_sccp::*;
use proptest::prelude::*;

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(s.len().is_multiple_of(2), "odd hex length: {s}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// A unique path under the system temp directory.
pub fn temp_path(what: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    std::env::temp_dir().join(format!(
        "callctl-sccp-{}-{}-{what}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Runs a tool and returns its stdout; fails the test (with how to install it) when the
/// tool is missing or exits unsuccessfully.
pub fn run(program: &str, args: &[&str], stdin: &str, install: &str) -> String {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}): {install}"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}\n{install}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

// ---------------------------------------------------------------------------------------
// Strategies

fn digits(alphabet: &'static str) -> impl Strategy<Value = Digits> {
    proptest::collection::vec(
        proptest::sample::select(alphabet.as_bytes().to_vec()),
        0..20,
    )
    .prop_map(|v| Digits::new(std::str::from_utf8(&v).unwrap()).unwrap())
}

fn gt_address(alphabet: &'static str) -> impl Strategy<Value = GtAddress> {
    prop_oneof![
        digits(alphabet).prop_map(GtAddress::Bcd),
        (
            prop_oneof![Just(0u8), 3u8..=15],
            proptest::collection::vec(any::<u8>(), 0..10)
        )
            .prop_map(|(encoding_scheme, octets)| GtAddress::Raw {
                encoding_scheme,
                octets
            }),
    ]
}

fn global_title(alphabet: &'static str) -> impl Strategy<Value = GlobalTitle> {
    prop_oneof![
        (0u8..128, digits(alphabet)).prop_map(|(nature_of_address, digits)| GlobalTitle::Gti1 {
            nature_of_address,
            digits
        }),
        (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..10)).prop_map(
            |(translation_type, octets)| GlobalTitle::Gti2 {
                translation_type,
                octets
            }
        ),
        (any::<u8>(), 0u8..16, gt_address(alphabet)).prop_map(
            |(translation_type, numbering_plan, address)| GlobalTitle::Gti3 {
                translation_type,
                numbering_plan,
                address
            }
        ),
        (any::<u8>(), 0u8..16, 0u8..128, gt_address(alphabet)).prop_map(
            |(translation_type, numbering_plan, nature_of_address, address)| GlobalTitle::Gti4 {
                translation_type,
                numbering_plan,
                nature_of_address,
                address
            }
        ),
        (5u8..16, proptest::collection::vec(any::<u8>(), 0..10))
            .prop_map(|(indicator, octets)| GlobalTitle::Other { indicator, octets }),
    ]
}

/// Any address the decoder accepts (a GT-routed address always has a global title).
pub fn address(alphabet: &'static str) -> impl Strategy<Value = Address> {
    (
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(0u16..=PointCode::MAX),
        proptest::option::of(any::<u8>()),
        proptest::option::of(global_title(alphabet)),
    )
        .prop_map(|(national_use, on_gt, pc, ssn, global_title)| Address {
            national_use,
            routing: if on_gt && global_title.is_some() {
                RoutingIndicator::RouteOnGt
            } else {
                RoutingIndicator::RouteOnSsn
            },
            point_code: pc.and_then(PointCode::new),
            ssn,
            global_title,
        })
}

fn optional_part() -> impl Strategy<Value = OptionalPart> {
    (
        proptest::option::of((any::<bool>(), any::<bool>(), 0u8..16, 0u32..0x0100_0000)),
        proptest::option::of(0u8..8),
        proptest::collection::vec(
            (
                (1u8..=255).prop_filter("known", |n| *n != 0x10 && *n != 0x12),
                proptest::collection::vec(any::<u8>(), 0..8),
            ),
            0..3,
        ),
    )
        .prop_map(|(seg, importance, other)| OptionalPart {
            segmentation: seg.map(|(first, class1, remaining, local_reference)| Segmentation {
                first,
                class1,
                remaining,
                local_reference,
            }),
            importance,
            other: other
                .into_iter()
                .map(|(name, value)| OptionalParameter { name, value })
                .collect(),
        })
}

fn protocol_class() -> impl Strategy<Value = ProtocolClass> {
    (any::<bool>(), any::<bool>())
        .prop_map(|(c1, r)| ProtocolClass::new(if c1 { Class::Class1 } else { Class::Class0 }, r))
}

/// Any message that encodes (addresses use digits from `alphabet`).
pub fn message(alphabet: &'static str) -> impl Strategy<Value = Message> {
    let data = || proptest::collection::vec(any::<u8>(), 1..=200);
    prop_oneof![
        (
            protocol_class(),
            address(alphabet),
            address(alphabet),
            data()
        )
            .prop_map(|(protocol_class, called, calling, data)| Message::Udt(Udt {
                protocol_class,
                called,
                calling,
                data
            })),
        (any::<u8>(), address(alphabet), address(alphabet), data()).prop_map(
            |(cause, called, calling, data)| Message::Udts(Udts {
                return_cause: ReturnCause::from_code(cause),
                called,
                calling,
                data
            })
        ),
        (
            protocol_class(),
            1u8..=15,
            address(alphabet),
            address(alphabet),
            data(),
            optional_part()
        )
            .prop_map(
                |(protocol_class, hop_counter, called, calling, data, optional)| {
                    Message::Xudt(Xudt {
                        protocol_class,
                        hop_counter,
                        called,
                        calling,
                        data,
                        optional,
                    })
                }
            ),
        (
            any::<u8>(),
            1u8..=15,
            address(alphabet),
            address(alphabet),
            data(),
            optional_part()
        )
            .prop_map(|(cause, hop_counter, called, calling, data, optional)| {
                Message::Xudts(Xudts {
                    return_cause: ReturnCause::from_code(cause),
                    hop_counter,
                    called,
                    calling,
                    data,
                    optional,
                })
            }),
    ]
    .prop_filter("encodable", |m| m.to_bytes().is_ok())
}

// ---------------------------------------------------------------------------------------
// Field views

/// Even BCD reading of octets, as tshark shows GTI 2 addresses.
fn bcd_even(octets: &[u8]) -> String {
    let d = b"0123456789abcdef";
    let mut s = String::new();
    for o in octets {
        s.push(char::from(d[usize::from(o & 0x0f)]));
        s.push(char::from(d[usize::from(o >> 4)]));
    }
    s
}

/// Message type, protocol class, return option, return cause and hop counter, under
/// the names a peer's view gives them (in that order); returns the optional part of
/// XUDT and XUDTS.
fn fixed_fields<'a>(
    out: &mut BTreeMap<String, String>,
    m: &'a Message,
    [ty, class, handling, cause, hops]: [&str; 5],
) -> Option<&'a OptionalPart> {
    out.insert(ty.into(), m.message_type().code().to_string());
    if let Some(pc) = m.protocol_class() {
        let c = match pc.class {
            Class::Class0 => 0,
            Class::Class1 => 1,
        };
        out.insert(class.into(), c.to_string());
        out.insert(
            handling.into(),
            if pc.return_on_error { "8" } else { "0" }.into(),
        );
    }
    if let Some(c) = m.return_cause() {
        out.insert(cause.into(), c.code().to_string());
    }
    let (hop_counter, optional) = match m {
        Message::Xudt(x) => (x.hop_counter, &x.optional),
        Message::Xudts(x) => (x.hop_counter, &x.optional),
        Message::Udt(_) | Message::Udts(_) => return None,
    };
    out.insert(hops.into(), hop_counter.to_string());
    Some(optional)
}

/// Encoding scheme of a global title address: BCD odd (1) or even (2), else as kept.
fn encoding_scheme(a: &GtAddress) -> u8 {
    match a {
        GtAddress::Bcd(d) if d.is_odd() => 1,
        GtAddress::Bcd(_) => 2,
        GtAddress::Raw {
            encoding_scheme, ..
        } => *encoding_scheme,
    }
}

fn pycrate_address(out: &mut BTreeMap<String, String>, prefix: &str, a: &Address) {
    let mut put = |k: &str, v: String| {
        out.insert(format!("{prefix}.{k}"), v);
    };
    put(
        "ri",
        u8::from(a.routing == RoutingIndicator::RouteOnSsn).to_string(),
    );
    put(
        "gti",
        a.global_title
            .as_ref()
            .map_or(0, GlobalTitle::indicator)
            .to_string(),
    );
    put("national", u8::from(a.national_use).to_string());
    if let Some(pc) = a.point_code {
        put("pc", pc.value().to_string());
    }
    if let Some(ssn) = a.ssn {
        put("ssn", ssn.to_string());
    }
    let addr = |a: &GtAddress| match a {
        GtAddress::Bcd(d) => d.to_string(),
        GtAddress::Raw { octets, .. } => hex(octets),
    };
    match &a.global_title {
        Some(GlobalTitle::Gti1 {
            nature_of_address,
            digits,
        }) => {
            put("nai", nature_of_address.to_string());
            put("digits", digits.to_string());
        }
        Some(GlobalTitle::Gti2 {
            translation_type,
            octets,
        }) => {
            put("tt", translation_type.to_string());
            put("octets", hex(octets));
        }
        Some(GlobalTitle::Gti3 {
            translation_type,
            numbering_plan,
            address,
        }) => {
            put("tt", translation_type.to_string());
            put("np", numbering_plan.to_string());
            put("es", encoding_scheme(address).to_string());
            put("digits", addr(address));
        }
        Some(GlobalTitle::Gti4 {
            translation_type,
            numbering_plan,
            nature_of_address,
            address,
        }) => {
            put("tt", translation_type.to_string());
            put("np", numbering_plan.to_string());
            put("es", encoding_scheme(address).to_string());
            put("nai", nature_of_address.to_string());
            put("digits", addr(address));
        }
        Some(GlobalTitle::Other { .. }) | None => {}
    }
}

/// The fields `tests/pycrate_peer.py decode` prints, computed from our decoding.
pub fn pycrate_view(m: &Message) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let optional = fixed_fields(&mut out, m, ["type", "class", "handling", "cause", "hops"]);
    pycrate_address(&mut out, "called", m.called());
    pycrate_address(&mut out, "calling", m.calling());
    out.insert("data".into(), hex(m.data()));
    if let Some(o) = optional {
        if let Some(s) = &o.segmentation {
            out.insert("seg.first".into(), u8::from(s.first).to_string());
            out.insert("seg.class1".into(), u8::from(s.class1).to_string());
            out.insert("seg.remaining".into(), s.remaining.to_string());
            // pycrate reads the three octets most significant first; we send least first.
            let r = s.local_reference;
            let swapped = ((r & 0xff) << 16) | (r & 0xff00) | ((r >> 16) & 0xff);
            out.insert("seg.ref_be".into(), swapped.to_string());
        }
        if let Some(i) = o.importance {
            out.insert("importance".into(), i.to_string());
        }
        for p in &o.other {
            out.insert(format!("opt.{}", p.name), hex(&p.value));
        }
    }
    out
}

/// Parses `key=value` blocks ended by `end` lines.
pub fn parse_blocks(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut blocks = Vec::new();
    let mut cur = BTreeMap::new();
    for line in text.lines() {
        if line == "end" {
            blocks.push(std::mem::take(&mut cur));
        } else if let Some((k, v)) = line.split_once('=') {
            cur.insert(k.to_string(), v.to_string());
        }
    }
    blocks
}

/// The tshark fields compared, in `-e` order.
pub const TSHARK_FIELDS: &[&str] = &[
    "sccp.message_type",
    "sccp.class",
    "sccp.handling",
    "sccp.return_cause",
    "sccp.hops",
    "sccp.importance",
    "sccp.called.ri",
    "sccp.called.gti",
    "sccp.called.ssn",
    "sccp.called.pc",
    "sccp.called.nai",
    "sccp.called.oe",
    "sccp.called.tt",
    "sccp.called.np",
    "sccp.called.es",
    "sccp.called.digits",
    "sccp.calling.ri",
    "sccp.calling.gti",
    "sccp.calling.ssn",
    "sccp.calling.pc",
    "sccp.calling.nai",
    "sccp.calling.oe",
    "sccp.calling.tt",
    "sccp.calling.np",
    "sccp.calling.es",
    "sccp.calling.digits",
    "sccp.segmentation.first",
    "sccp.segmentation.class",
    "sccp.segmentation.remaining",
    "sccp.segmentation.slr",
];

fn tshark_address(out: &mut BTreeMap<String, String>, prefix: &str, a: &Address) {
    let mut put = |k: &str, v: String| {
        out.insert(format!("sccp.{prefix}.{k}"), v);
    };
    put(
        "ri",
        u8::from(a.routing == RoutingIndicator::RouteOnSsn).to_string(),
    );
    put(
        "gti",
        a.global_title
            .as_ref()
            .map_or(0, GlobalTitle::indicator)
            .to_string(),
    );
    if let Some(pc) = a.point_code {
        put("pc", pc.value().to_string());
    }
    if let Some(ssn) = a.ssn {
        put("ssn", ssn.to_string());
    }
    match &a.global_title {
        Some(GlobalTitle::Gti1 {
            nature_of_address,
            digits,
        }) => {
            put("nai", nature_of_address.to_string());
            put("oe", u8::from(digits.is_odd()).to_string());
            put("digits", digits.to_string());
        }
        Some(GlobalTitle::Gti2 {
            translation_type,
            octets,
        }) => {
            put("tt", translation_type.to_string());
            put("digits", bcd_even(octets));
        }
        Some(GlobalTitle::Gti3 {
            translation_type,
            numbering_plan,
            address,
        }) => {
            put("tt", translation_type.to_string());
            put("np", numbering_plan.to_string());
            put("es", encoding_scheme(address).to_string());
            if let Some(d) = address.digits() {
                put("digits", d.to_string());
            }
        }
        Some(GlobalTitle::Gti4 {
            translation_type,
            numbering_plan,
            nature_of_address,
            address,
        }) => {
            put("tt", translation_type.to_string());
            put("np", numbering_plan.to_string());
            put("es", encoding_scheme(address).to_string());
            put("nai", nature_of_address.to_string());
            if let Some(d) = address.digits() {
                put("digits", d.to_string());
            }
        }
        Some(GlobalTitle::Other { .. }) | None => {}
    }
}

/// The tshark fields (values normalised to decimal) computed from our decoding.
pub fn tshark_view(m: &Message) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let optional = fixed_fields(
        &mut out,
        m,
        [
            "sccp.message_type",
            "sccp.class",
            "sccp.handling",
            "sccp.return_cause",
            "sccp.hops",
        ],
    );
    tshark_address(&mut out, "called", m.called());
    tshark_address(&mut out, "calling", m.calling());
    if let Some(o) = optional {
        if let Some(i) = o.importance {
            out.insert("sccp.importance".into(), i.to_string());
        }
        if let Some(s) = &o.segmentation {
            out.insert(
                "sccp.segmentation.first".into(),
                u8::from(s.first).to_string(),
            );
            out.insert(
                "sccp.segmentation.class".into(),
                u8::from(s.class1).to_string(),
            );
            out.insert(
                "sccp.segmentation.remaining".into(),
                s.remaining.to_string(),
            );
            out.insert(
                "sccp.segmentation.slr".into(),
                s.local_reference.to_string(),
            );
        }
    }
    out
}
