//! Every hex vector is decoded by tshark (independent decoder): the fields recorded in the
//! vector file must match and tshark must flag nothing as malformed or as an expert item.
//!
//! Needs `tshark` and `text2pcap` (Debian/Ubuntu: `apt-get install tshark`).

mod common;
use common::*;
use std::process::Command;

fn tool(name: &str) {
    let ok = Command::new(name).arg("--version").output().is_ok();
    assert!(
        ok,
        "{name} is required for this test: install it with `apt-get install tshark` (it \
         provides tshark and text2pcap)"
    );
}

#[test]
fn tshark_decodes_every_vector_as_recorded() {
    tool("tshark");
    tool("text2pcap");
    let dir = std::env::temp_dir().join(format!("callctl-tcap-tshark-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    // One capture per vector: tshark's TCAP dissector carries state between frames.
    for v in vectors() {
        let txt = dir.join(format!("{}.txt", v.name));
        let pcap = dir.join(format!("{}.pcap", v.name));
        let dump: Vec<String> = v.bytes.iter().map(|b| format!("{b:02x}")).collect();
        std::fs::write(&txt, format!("000000 {}\n", dump.join(" "))).unwrap();
        let st = Command::new("text2pcap")
            .args(["-q", "-l", "147"])
            .arg(&txt)
            .arg(&pcap)
            .output()
            .unwrap();
        assert!(st.status.success(), "text2pcap failed for {}", v.name);
        let mut cmd = Command::new("tshark");
        cmd.args([
            "-o",
            r#"uat:user_dlts:"User 0 (DLT=147)","tcap","0","","0","""#,
            "-r",
        ])
        .arg(&pcap)
        .args(["-T", "fields", "-E", "separator=|", "-E", "occurrence=a"])
        .args(["-E", "aggregator=,"]);
        for (field, _) in &v.tshark {
            cmd.args(["-e", field]);
        }
        cmd.args(["-e", "_ws.malformed", "-e", "_ws.expert"]);
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "tshark failed: {:?}", out);
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text.lines().next().unwrap_or("");
        let cols: Vec<&str> = line.split('|').collect();
        for (i, (field, want)) in v.tshark.iter().enumerate() {
            let got = cols.get(i).copied().unwrap_or("");
            if got != want {
                failures.push(format!("{}: {field} = {got:?}, want {want:?}", v.name));
            }
        }
        let n = v.tshark.len();
        let flags = cols.get(n..).map(|c| c.join("")).unwrap_or_default();
        if !flags.trim().is_empty() {
            failures.push(format!("{}: tshark flagged {flags}", v.name));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
