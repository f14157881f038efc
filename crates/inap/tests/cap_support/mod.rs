//! Test support for the CAP tests: a minimal TCAP message builder (Q.773), sample arguments per
//! operation, and runners for the independent decoders (tshark via text2pcap, pycrate).
#![allow(dead_code)]

pub mod samples;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use callctl_inap::cap::CapVersion;

/// Where the shared tools live (`/work/shared` here, `<repo>/../shared` in CI).
pub fn shared_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"))
}

/// BER length octets.
pub fn len(n: usize) -> Vec<u8> {
    if n < 0x80 {
        vec![n as u8]
    } else if n < 0x100 {
        vec![0x81, n as u8]
    } else {
        vec![0x82, (n >> 8) as u8, n as u8]
    }
}

/// One BER element.
pub fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(len(contents.len()));
    out.extend_from_slice(contents);
    out
}

/// OBJECT IDENTIFIER contents octets.
pub fn oid_contents(arcs: &[u32]) -> Vec<u8> {
    let mut out = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &arc in &arcs[2..] {
        let mut chunk = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            chunk.push(0x80 | (rest & 0x7f) as u8);
            rest >>= 7;
        }
        chunk.reverse();
        out.extend(chunk);
    }
    out
}

/// An INTEGER element for small values (invoke ids, operation and error codes).
pub fn integer(value: i64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let mut start = 0;
    while start < 7 {
        let b = bytes[start];
        let next = bytes[start + 1];
        if (b == 0 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    tlv(0x02, &bytes[start..])
}

/// TCAP dialogue-as-id (Q.773 §4.2.1): 0.0.17.773.1.1.1.
fn dialogue_as_id() -> Vec<u8> {
    tlv(0x06, &oid_contents(&[0, 0, 17, 773, 1, 1, 1]))
}

/// The dialogue portion with an AARQ proposing `ac`.
pub fn aarq(ac: &[u32]) -> Vec<u8> {
    let mut apdu = tlv(0x80, &[0x07, 0x80]);
    apdu.extend(tlv(0xa1, &tlv(0x06, &oid_contents(ac))));
    let mut external = dialogue_as_id();
    external.extend(tlv(0xa0, &tlv(0x60, &apdu)));
    tlv(0x6b, &tlv(0x28, &external))
}

/// The dialogue portion with an AARE accepting `ac`.
pub fn aare(ac: &[u32]) -> Vec<u8> {
    let mut apdu = tlv(0x80, &[0x07, 0x80]);
    apdu.extend(tlv(0xa1, &tlv(0x06, &oid_contents(ac))));
    apdu.extend(tlv(0xa2, &integer(0)));
    apdu.extend(tlv(0xa3, &tlv(0xa1, &integer(0))));
    let mut external = dialogue_as_id();
    external.extend(tlv(0xa0, &tlv(0x61, &apdu)));
    tlv(0x6b, &tlv(0x28, &external))
}

/// An Invoke component.
pub fn invoke(invoke_id: i64, opcode: i64, parameter: &[u8]) -> Vec<u8> {
    let mut body = integer(invoke_id);
    body.extend(integer(opcode));
    body.extend_from_slice(parameter);
    tlv(0xa1, &body)
}

/// A ReturnResultLast component (no result sequence when `parameter` is empty).
pub fn return_result(invoke_id: i64, opcode: i64, parameter: &[u8]) -> Vec<u8> {
    let mut body = integer(invoke_id);
    if !parameter.is_empty() {
        let mut result = integer(opcode);
        result.extend_from_slice(parameter);
        body.extend(tlv(0x30, &result));
    }
    tlv(0xa2, &body)
}

/// A ReturnError component.
pub fn return_error(invoke_id: i64, code: i64, parameter: &[u8]) -> Vec<u8> {
    let mut body = integer(invoke_id);
    body.extend(integer(code));
    body.extend_from_slice(parameter);
    tlv(0xa3, &body)
}

/// TC-BEGIN (SSP -> SCP) with an AARQ for `ac` and one component.
pub fn begin(otid: u32, ac: &[u32], component: &[u8]) -> Vec<u8> {
    let mut body = tlv(0x48, &otid.to_be_bytes());
    body.extend(aarq(ac));
    body.extend(tlv(0x6c, component));
    tlv(0x62, &body)
}

/// TC-CONTINUE (the SCP's first answer) with an AARE for `ac` and one component.
pub fn continue_(otid: u32, dtid: u32, ac: &[u32], component: &[u8]) -> Vec<u8> {
    let mut body = tlv(0x48, &otid.to_be_bytes());
    body.extend(tlv(0x49, &dtid.to_be_bytes()));
    body.extend(aare(ac));
    body.extend(tlv(0x6c, component));
    tlv(0x65, &body)
}

/// TC-END with an AARE for `ac` and one component.
pub fn end(dtid: u32, ac: &[u32], component: &[u8]) -> Vec<u8> {
    let mut body = tlv(0x49, &dtid.to_be_bytes());
    body.extend(aare(ac));
    body.extend(tlv(0x6c, component));
    tlv(0x64, &body)
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses hex (whitespace ignored).
pub fn unhex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|b| b.is_ascii_hexdigit())
        .map(|b| (b as char).to_digit(16).unwrap() as u8)
        .collect();
    digits.chunks(2).map(|p| (p[0] << 4) | p[1]).collect()
}

fn require_tool(name: &str, install: &str) {
    let found = Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        found,
        "`{name}` is required for this test; install it with: {install}"
    );
}

/// The PDML tshark prints for these TCAP messages (one frame each), each written to a pcap
/// with `text2pcap -l 147` and dissected as TCAP through a user DLT.
pub fn tshark_pdml(frames: &[Vec<u8>], work: &Path) -> Vec<String> {
    require_tool("text2pcap", "apt-get install tshark (Wireshark 4.x)");
    require_tool("tshark", "apt-get install tshark (Wireshark 4.x)");
    std::fs::create_dir_all(work).unwrap();
    let text = work.join("frames.txt");
    let pcap = work.join("frames.pcap");
    let mut dump = String::new();
    for frame in frames {
        for (i, chunk) in frame.chunks(16).enumerate() {
            dump.push_str(&format!("{:06x}", i * 16));
            for b in chunk {
                dump.push_str(&format!(" {b:02x}"));
            }
            dump.push('\n');
        }
        dump.push('\n');
    }
    std::fs::write(&text, dump).unwrap();
    let status = Command::new("text2pcap")
        .args(["-q", "-l", "147"])
        .arg(&text)
        .arg(&pcap)
        .status()
        .expect("text2pcap runs");
    assert!(status.success(), "text2pcap failed");
    let out = Command::new("tshark")
        .args([
            "-o",
            r#"uat:user_dlts:"User 0 (DLT=147)","tcap","0","","0","""#,
            "-r",
        ])
        .arg(&pcap)
        .args(["-T", "pdml"])
        .output()
        .expect("tshark runs");
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdml = String::from_utf8(out.stdout).unwrap();
    let packets: Vec<String> = pdml
        .split("<packet>")
        .skip(1)
        .map(|p| p.to_string())
        .collect();
    assert_eq!(packets.len(), frames.len(), "tshark returned every frame");
    packets
}

/// The `show` values of every field named `name` in one PDML packet.
pub fn pdml_values(packet: &str, name: &str) -> Vec<String> {
    let needle = format!("name=\"{name}\"");
    let mut values = Vec::new();
    for line in packet.lines() {
        if let Some(pos) = line.find(&needle) {
            let rest = &line[pos..];
            if let Some(start) = rest.find("show=\"") {
                let after = &rest[start + 6..];
                if let Some(end) = after.find('"') {
                    values.push(after[..end].to_string());
                    continue;
                }
            }
            values.push(String::new());
        }
    }
    values
}

/// Expert or malformed markers in one PDML packet (empty when clean).
pub fn pdml_problems(packet: &str) -> Vec<String> {
    packet
        .lines()
        .filter(|l| l.contains("name=\"_ws.malformed") || l.contains("name=\"_ws.expert"))
        .map(|l| l.trim().to_string())
        .collect()
}

/// Runs the pycrate helper with `args`, feeding `input` on stdin; returns stdout.
pub fn pycrate(args: &[&str], input: &str) -> String {
    require_tool("python3", "apt-get install python3 && pip install pycrate");
    let script = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/cap_support/cap_pycrate.py"
    ));
    let mut child = Command::new("python3")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("No module named 'pycrate"),
        "pycrate is required: pip install pycrate ({stderr})"
    );
    assert!(out.status.success(), "pycrate helper failed: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

/// A version's short name, used in file names.
pub fn version_name(version: CapVersion) -> &'static str {
    match version {
        CapVersion::V2 => "v2",
        CapVersion::V3 => "v3",
        CapVersion::V4 => "v4",
    }
}
