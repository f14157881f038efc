//! The hex vectors in `tests/vectors.txt`, checked against tshark: each decodes with our
//! codec and re-encodes to the same octets; tshark (run through text2pcap on DLT 147)
//! shows the fields recorded in the file, which are also the fields our decoding gives,
//! and flags nothing as malformed or expert. A segmented vector goes through our
//! `Reassembler` and tshark's reassembly, which must agree on the length.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use callctl_sccp::{Message, Reassembler, ReassemblyConfig, Received};
use common::*;

const INSTALL: &str = "install Wireshark's command-line tools: apt-get install tshark";

struct Frame {
    vector: String,
    octets: Vec<u8>,
    recorded: BTreeMap<String, String>,
}

fn load_vectors() -> Vec<Frame> {
    let text = include_str!("vectors.txt");
    let mut frames: Vec<Frame> = Vec::new();
    let mut name = String::new();
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("name: ") {
            name = n.to_string();
        } else if let Some(h) = line.strip_prefix("hex: ") {
            frames.push(Frame {
                vector: name.clone(),
                octets: unhex(h),
                recorded: BTreeMap::new(),
            });
        } else if let Some(t) = line.strip_prefix("tshark: ") {
            let f = frames.last_mut().expect("tshark line after a hex line");
            for kv in t.split_whitespace() {
                let (k, v) = kv.split_once('=').expect("field=value");
                f.recorded.insert(k.to_string(), v.to_string());
            }
        }
    }
    frames
}

fn normalise(v: &str) -> String {
    match v.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).expect("hex field").to_string(),
        None => v.to_string(),
    }
}

/// Runs text2pcap and tshark over the frames; one field map per frame.
fn tshark(frames: &[Vec<u8>], fields: &[&str], disabled: &[&str]) -> Vec<BTreeMap<String, String>> {
    let mut dump = String::new();
    for f in frames {
        for (i, chunk) in f.chunks(16).enumerate() {
            let bytes: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            dump.push_str(&format!("{:06x} {}\n", i * 16, bytes.join(" ")));
        }
    }
    let txt = temp_path("frames.txt");
    let pcap = temp_path("frames.pcap");
    std::fs::write(&txt, dump).expect("write text2pcap input");
    run(
        "text2pcap",
        &[
            "-q",
            "-l",
            "147",
            txt.to_str().unwrap(),
            pcap.to_str().unwrap(),
        ],
        "",
        INSTALL,
    );
    let mut args: Vec<&str> = Vec::new();
    for p in disabled {
        args.extend(["--disable-protocol", p]);
    }
    args.extend([
        "-o",
        r#"uat:user_dlts:"User 0 (DLT=147)","sccp","0","","0","""#,
        "-r",
        pcap.to_str().unwrap(),
        "-T",
        "fields",
        "-E",
        "occurrence=a",
        "-E",
        "separator=/t",
    ]);
    for f in fields {
        args.push("-e");
        args.push(f);
    }
    let out = run("tshark", &args, "", INSTALL);
    let _ = std::fs::remove_file(&txt);
    let _ = std::fs::remove_file(&pcap);
    let rows: Vec<BTreeMap<String, String>> = out
        .lines()
        .map(|line| {
            fields
                .iter()
                .zip(line.split('\t'))
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.to_string(), normalise(v)))
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), frames.len(), "tshark output:\n{out}");
    rows
}

#[test]
fn vectors_match_tshark_and_our_decoder() {
    let frames = load_vectors();
    assert!(frames.len() >= 12, "vectors file lost entries");
    let mut fields: Vec<&str> = TSHARK_FIELDS.to_vec();
    fields.extend(["sccp.msg.reassembled.length", "_ws.malformed", "_ws.expert"]);
    let shown = tshark(
        &frames.iter().map(|f| f.octets.clone()).collect::<Vec<_>>(),
        &fields,
        &["camel"],
    );
    let mut reassembler = Reassembler::new(ReassemblyConfig::default());
    for (frame, shown) in frames.iter().zip(&shown) {
        let v = &frame.vector;
        let m = Message::decode(&frame.octets).unwrap_or_else(|e| panic!("{v}: {e}"));
        assert_eq!(
            m.to_bytes().unwrap(),
            frame.octets,
            "{v}: re-encoding differs"
        );
        assert!(
            !shown.contains_key("_ws.malformed"),
            "{v}: malformed: {shown:?}"
        );
        assert!(
            !shown.contains_key("_ws.expert"),
            "{v}: expert info: {shown:?}"
        );
        assert_eq!(
            &frame.recorded, shown,
            "{v}: tshark differs from the recorded fields"
        );
        let mut ours = tshark_view(&m);
        match reassembler.receive(Duration::ZERO, m) {
            Received::Unitdata(u) if frame.recorded.contains_key("sccp.msg.reassembled.length") => {
                ours.insert(
                    "sccp.msg.reassembled.length".into(),
                    u.data.len().to_string(),
                );
            }
            Received::Unitdata(_) | Received::Notice(_) | Received::Pending => {}
            other => panic!("{v}: reassembler gave {other:?}"),
        }
        assert_eq!(&ours, shown, "{v}: our decoding differs from tshark's");
    }
    assert_eq!(reassembler.in_progress(), 0);
}

/// Random valid messages (digits 0-9, SSN and GT forms tshark decodes without comment)
/// encoded by us: tshark reads the same fields and flags nothing.
#[test]
fn random_messages_match_tshark() {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let strategy = message("0123456789").prop_filter("tshark-friendly", tshark_friendly);
    let messages: Vec<Message> = (0..150)
        .map(|_| strategy.new_tree(&mut runner).expect("value").current())
        .collect();
    let mut fields: Vec<&str> = TSHARK_FIELDS.to_vec();
    fields.extend(["_ws.malformed", "_ws.expert"]);
    let octets: Vec<Vec<u8>> = messages.iter().map(|m| m.to_bytes().unwrap()).collect();
    // Random data is not TCAP: every dissector SCCP hands data to is off, so only SCCP
    // is judged.
    let shown = tshark(
        &octets,
        &fields,
        &["tcap", "ranap", "rnsap", "bssap", "bssap_plus", "sccpmg"],
    );
    for ((m, o), shown) in messages.iter().zip(&octets).zip(&shown) {
        let mut shown = shown.clone();
        assert!(
            shown.remove("_ws.malformed").is_none(),
            "{}: malformed {shown:?}",
            hex(o)
        );
        assert!(
            shown.remove("_ws.expert").is_none(),
            "{}: expert {shown:?}",
            hex(o)
        );
        assert_eq!(tshark_view(m), shown, "{}", hex(o));
    }
}

/// Messages whose every field tshark shows plainly: ITU GTI 1-4 with BCD digits, SSN
/// (GTI 2 octets of decimal nibbles), SSN present and non-zero when routing on SSN, no
/// national bit, no segmentation (tshark
/// would try to reassemble), no unknown optional parameters, a data octet that no
/// sub-dissector claims.
fn tshark_friendly(m: &Message) -> bool {
    use callctl_sccp::{GlobalTitle, GtAddress, RoutingIndicator};
    let address_ok = |a: &callctl_sccp::Address| {
        let gt_ok = match &a.global_title {
            None => true,
            Some(GlobalTitle::Gti1 { digits, .. }) => !digits.is_empty(),
            // tshark reads GTI 2 octets as BCD and names nibbles above 9.
            Some(GlobalTitle::Gti2 { octets, .. }) => {
                !octets.is_empty() && octets.iter().all(|o| o & 0x0f <= 9 && o >> 4 <= 9)
            }
            // With numbering plans 6 (E.212) and 7 (E.214) tshark goes on to read the
            // digits as an IMSI or E.214 number and calls short random ones malformed.
            Some(GlobalTitle::Gti3 {
                address,
                numbering_plan,
                ..
            })
            | Some(GlobalTitle::Gti4 {
                address,
                numbering_plan,
                ..
            }) => {
                matches!(address, GtAddress::Bcd(d) if !d.is_empty())
                    && !matches!(numbering_plan, 6 | 7)
            }
            Some(GlobalTitle::Other { .. }) => false,
        };
        let ssn_ok = a.routing == RoutingIndicator::RouteOnGt || a.ssn.is_some_and(|s| s != 0);
        gt_ok && ssn_ok && !a.national_use
    };
    let optional_ok = match m {
        Message::Xudt(x) => x.optional.segmentation.is_none() && x.optional.other.is_empty(),
        Message::Xudts(x) => x.optional.segmentation.is_none() && x.optional.other.is_empty(),
        _ => true,
    };
    let class_ok = m.return_cause().is_none_or(|c| c.code() <= 14);
    address_ok(m.called()) && address_ok(m.calling()) && optional_ok && class_ok
}
