//! Test support for the INAP CS-1 tests: a hand-built TCAP (Q.773) wrapper around our
//! encoded arguments, tshark and text2pcap runners, and the simulator (pycrate) bridge.
#![allow(dead_code)]

pub mod samples;

use std::io::Write;
use std::process::{Command, Stdio};

/// One BER TLV with a single-octet identifier.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend([0x81, n as u8]);
    } else {
        out.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(content);
    out
}

fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

/// Core-INAP-CS1-SSP-to-SCP-AC, 0.4.0.1.1.1.0.0.
pub const AC_CS1: [u8; 7] = [0x04, 0x00, 0x01, 0x01, 0x01, 0x00, 0x00];
/// dialogue-as-id, 0.0.17.773.1.1.1.
const DIALOGUE_AS_ID: [u8; 7] = [0x00, 0x11, 0x86, 0x05, 0x01, 0x01, 0x01];

fn dialogue_portion(apdu: Vec<u8>) -> Vec<u8> {
    let external = tlv(0x28, &cat(&[tlv(0x06, &DIALOGUE_AS_ID), tlv(0xa0, &apdu)]));
    tlv(0x6b, &external)
}

/// AARQ (Q.773 §4.2.2.2): protocol version 1, application context.
fn aarq() -> Vec<u8> {
    let pv = tlv(0x80, &[0x07, 0x80]);
    let acn = tlv(0xa1, &tlv(0x06, &AC_CS1));
    tlv(0x60, &cat(&[pv, acn]))
}

/// AARE: accepted, dialogue-service-user null.
fn aare() -> Vec<u8> {
    let pv = tlv(0x80, &[0x07, 0x80]);
    let acn = tlv(0xa1, &tlv(0x06, &AC_CS1));
    let result = tlv(0xa2, &tlv(0x02, &[0]));
    let diag = tlv(0xa3, &tlv(0xa1, &tlv(0x02, &[0])));
    tlv(0x61, &cat(&[pv, acn, result, diag]))
}

/// Invoke component: invoke id 1, local opcode, optional parameter.
pub fn invoke(opcode: i64, parameter: &[u8]) -> Vec<u8> {
    tlv(
        0xa1,
        &cat(&[
            tlv(0x02, &[1]),
            tlv(0x02, &[opcode as u8]),
            parameter.to_vec(),
        ]),
    )
}

/// ReturnResultLast: invoke id 1, and when there is a value, the opcode and the value.
pub fn return_result(opcode: i64, result: &[u8]) -> Vec<u8> {
    if result.is_empty() {
        return tlv(0xa2, &tlv(0x02, &[1]));
    }
    let seq = tlv(0x30, &cat(&[tlv(0x02, &[opcode as u8]), result.to_vec()]));
    tlv(0xa2, &cat(&[tlv(0x02, &[1]), seq]))
}

/// ReturnError: invoke id 1, local error code, optional parameter.
pub fn return_error(code: i64, parameter: &[u8]) -> Vec<u8> {
    tlv(
        0xa3,
        &cat(&[
            tlv(0x02, &[1]),
            tlv(0x02, &[code as u8]),
            parameter.to_vec(),
        ]),
    )
}

/// TC-BEGIN with otid and an AARQ, carrying one component.
pub fn begin(component: Vec<u8>) -> Vec<u8> {
    let otid = tlv(0x48, &[0x00, 0x00, 0x00, 0x01]);
    tlv(
        0x62,
        &cat(&[otid, dialogue_portion(aarq()), tlv(0x6c, &component)]),
    )
}

/// TC-CONTINUE with otid, dtid and an AARE, carrying one component.
pub fn continue_(component: Vec<u8>) -> Vec<u8> {
    let otid = tlv(0x48, &[0x00, 0x00, 0x00, 0x02]);
    let dtid = tlv(0x49, &[0x00, 0x00, 0x00, 0x01]);
    tlv(
        0x65,
        &cat(&[otid, dtid, dialogue_portion(aare()), tlv(0x6c, &component)]),
    )
}

/// TC-END with dtid and an AARE, carrying one component.
pub fn end(component: Vec<u8>) -> Vec<u8> {
    let dtid = tlv(0x49, &[0x00, 0x00, 0x00, 0x01]);
    tlv(
        0x64,
        &cat(&[dtid, dialogue_portion(aare()), tlv(0x6c, &component)]),
    )
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

fn tool_missing(tool: &str, e: std::io::Error) -> ! {
    panic!("{tool} is required for this test and could not be run ({e}); install it with `apt-get install tshark` (Debian/Ubuntu; text2pcap comes with it)")
}

/// Writes the TCAP messages to a pcap (DLT 147, user 0) with text2pcap and returns the path.
pub fn write_pcap(name: &str, messages: &[Vec<u8>]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("callctl-inap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let txt = dir.join(format!("{name}.txt"));
    let pcap = dir.join(format!("{name}.pcap"));
    let mut dump = String::new();
    for m in messages {
        for (i, chunk) in m.chunks(16).enumerate() {
            dump.push_str(&format!("{:06x}", i * 16));
            for b in chunk {
                dump.push_str(&format!(" {b:02x}"));
            }
            dump.push('\n');
        }
        dump.push('\n');
    }
    std::fs::write(&txt, dump).unwrap();
    let out = Command::new("text2pcap")
        .args(["-q", "-l", "147"])
        .arg(&txt)
        .arg(&pcap)
        .output()
        .unwrap_or_else(|e| tool_missing("text2pcap", e));
    assert!(
        out.status.success(),
        "text2pcap failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    pcap
}

const USER_DLT: &str = r#"uat:user_dlts:"User 0 (DLT=147)","tcap","0","","0","""#;

/// Runs tshark on a pcap with the given extra arguments.
pub fn tshark(pcap: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new("tshark")
        .args(["-o", USER_DLT, "-r"])
        .arg(pcap)
        .args(args)
        .output()
        .unwrap_or_else(|e| tool_missing("tshark", e));
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// For each frame, the listed fields (tshark -T fields), each "name=value" with
/// multiple occurrences joined by ','.
pub fn tshark_fields(pcap: &std::path::Path, fields: &[&str]) -> Vec<Vec<(String, String)>> {
    let mut args = vec![
        "-T",
        "fields",
        "-E",
        "separator=\t",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
    ];
    for f in fields {
        args.push("-e");
        args.push(f);
    }
    let text = tshark(pcap, &args);
    text.lines()
        .map(|l| {
            fields
                .iter()
                .zip(l.split('\t').chain(std::iter::repeat("")))
                .map(|(f, v)| (f.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Runs a python3 script with the simulator on the path, feeding `input` on stdin.
pub fn run_python(script: &str, input: &str) -> String {
    let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/tools/ssp-sim");
    let mut child = Command::new("python3")
        .arg(script)
        .env("SSP_SIM_DIR", shared)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("python3 is required for this test ({e}); install python3 and `pip install pycrate`"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{script} failed (needs pycrate and the simulator at <repo>/../shared/tools/ssp-sim): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
