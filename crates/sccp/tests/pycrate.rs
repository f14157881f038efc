//! Interop with pycrate's independent SCCP implementation (`pycrate_mobile.SCCP`), driven
//! through `tests/pycrate_peer.py`: pycrate decodes what we encode, we decode what pycrate
//! encodes, and both readings must agree field by field.

mod common;

use callctl_sccp::{Class, GlobalTitle, Message, MessageType, ReturnCause};
use common::*;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

const INSTALL: &str = "install pycrate for python3: pip install pycrate (scripts/test does this)";
const PEER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pycrate_peer.py");

fn pycrate_decode(messages: &[Vec<u8>]) -> Vec<std::collections::BTreeMap<String, String>> {
    let input: String = messages.iter().map(|m| hex(m) + "\n").collect();
    let out = run("python3", &[PEER, "decode"], &input, INSTALL);
    let blocks = parse_blocks(&out);
    assert_eq!(blocks.len(), messages.len(), "pycrate output:\n{out}");
    blocks
}

fn vector_messages() -> Vec<Vec<u8>> {
    include_str!("vectors.txt")
        .lines()
        .filter_map(|l| l.strip_prefix("hex: "))
        .map(unhex)
        .collect()
}

#[test]
fn pycrate_decodes_our_vectors() {
    let octets = vector_messages();
    for (o, theirs) in octets.iter().zip(pycrate_decode(&octets)) {
        let ours = pycrate_view(&Message::decode(o).unwrap());
        assert_eq!(ours, theirs, "{}", hex(o));
    }
}

/// Random messages of every type, every GTI, optional parameters known and unknown.
#[test]
fn pycrate_decodes_random_messages_we_encode() {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    // pycrate names BCD nibbles above 9 instead of showing them: decimal digits only.
    let strategy = message("0123456789");
    let messages: Vec<Message> = (0..300)
        .map(|_| strategy.new_tree(&mut runner).expect("value").current())
        .collect();
    let octets: Vec<Vec<u8>> = messages.iter().map(|m| m.to_bytes().unwrap()).collect();
    for ((m, o), theirs) in messages.iter().zip(&octets).zip(pycrate_decode(&octets)) {
        assert_eq!(pycrate_view(m), theirs, "{}", hex(o));
    }
}

#[test]
fn we_decode_what_pycrate_encodes() {
    let out = run("python3", &[PEER, "encode"], "", INSTALL);
    let encoded: Vec<(String, Vec<u8>)> = out
        .lines()
        .map(|l| {
            let (name, h) = l.split_once(' ').expect("name hex");
            (name.to_string(), unhex(h))
        })
        .collect();
    assert_eq!(encoded.len(), 5, "pycrate output:\n{out}");
    let octets: Vec<Vec<u8>> = encoded.iter().map(|(_, o)| o.clone()).collect();
    let theirs = pycrate_decode(&octets);
    for ((name, o), theirs) in encoded.iter().zip(theirs) {
        let m = Message::decode(o).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(pycrate_view(&m), theirs, "{name}");
        assert_eq!(&m.to_bytes().unwrap(), o, "{name}: re-encoding differs");
        match name.as_str() {
            "udt_gt4" => {
                assert_eq!(m.message_type(), MessageType::Udt);
                assert_eq!(m.protocol_class().unwrap().class, Class::Class1);
                assert!(m.protocol_class().unwrap().return_on_error);
                assert_eq!(m.called().point_code.unwrap().value(), 1201);
                let gt = m.calling().global_title.as_ref().unwrap();
                assert_eq!(gt.indicator(), 4);
                assert_eq!(gt.digits().unwrap().as_str(), "642100099");
            }
            "udt_gt1_gt3" => {
                assert_eq!(
                    m.called()
                        .global_title
                        .as_ref()
                        .unwrap()
                        .digits()
                        .unwrap()
                        .as_str(),
                    "12345"
                );
                assert!(matches!(
                    m.calling().global_title,
                    Some(GlobalTitle::Gti3 {
                        translation_type: 17,
                        numbering_plan: 1,
                        ..
                    })
                ));
            }
            "udts_gt2" => {
                assert_eq!(m.return_cause(), Some(ReturnCause::UnequippedUser));
                assert!(matches!(
                    &m.called().global_title,
                    Some(GlobalTitle::Gti2 { translation_type: 9, octets }) if octets == &[0x21, 0x43]
                ));
            }
            "xudt_segment" => {
                let s = m.segmentation().unwrap();
                assert!(s.first && s.class1);
                assert_eq!(s.remaining, 3);
                // pycrate wrote 0x010203 most significant octet first; we read least first.
                assert_eq!(s.local_reference, 0x030201);
                let Message::Xudt(x) = &m else {
                    panic!("XUDT expected")
                };
                assert_eq!(x.optional.importance, Some(3));
                assert_eq!(x.hop_counter, 7);
                assert_eq!(m.calling().point_code.unwrap().value(), 16383);
            }
            "xudts" => {
                assert_eq!(m.return_cause(), Some(ReturnCause::HopCounterViolation));
                assert_eq!(m.data(), &[0x62, 0x06, 0x48, 0x04, 0, 0, 0, 1]);
            }
            other => panic!("unexpected pycrate message {other}"),
        }
    }
}
