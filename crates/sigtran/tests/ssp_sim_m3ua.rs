//! Interoperability of the M3UA association state machine with an independent
//! peer: the SSP simulator's M3UA (`../shared/tools/ssp-sim`, Python), over a real
//! TCP loopback connection.
//!
//! * `our_asp_against_simulator_sg`: the simulator listens as SG; we connect as ASP
//!   and run ASPUP → ASPAC, exchange BEATs both ways, receive its DATA (an INAP
//!   InitialDP in SCCP UDT), then take the ASP down with ASPDN.
//! * `simulator_asp_against_our_sgp`: the simulator connects as ASP; we answer as
//!   SGP (ASPUP_ACK + NTFY, ASPAC_ACK + NTFY), exchange BEATs, receive its DATA, and
//!   acknowledge its closing ASPDN.
//!
//! Proof is taken from three places: our indications, the simulator's exit status
//! and report (it warns about every ERR it receives and every BEAT left
//! unacknowledged), and its capture decoded by tshark's own M3UA dissector (every
//! expected message present, no ERR, nothing malformed, no expert warning).
//!
//! Needs python3 with pycrate (`python3 -m pip install pycrate`) and tshark
//! (`apt-get install tshark`); the tests fail, not skip, without them.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use callctl_sigtran::m3ua::{
    Action, AspConfig, AspState, Association, Indication, MessageKind, Role,
};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared");

fn simulator() -> PathBuf {
    Path::new(SHARED).join("tools/ssp-sim/ssp_sim.py")
}

fn lua() -> PathBuf {
    Path::new(SHARED).join("tools/m3ua_tcp.lua")
}

fn require_tools() {
    let pycrate = Command::new("python3")
        .args(["-c", "import pycrate_asn1dir"])
        .output();
    assert!(
        matches!(&pycrate, Ok(o) if o.status.success()),
        "python3 with pycrate is needed: python3 -m pip install pycrate (scripts/test does this); \
         got {pycrate:?}"
    );
    let tshark = Command::new("tshark").arg("--version").output();
    assert!(
        matches!(&tshark, Ok(o) if o.status.success()),
        "tshark is needed: apt-get install tshark; got {tshark:?}"
    );
    assert!(
        simulator().is_file(),
        "the SSP simulator is expected at {}",
        simulator().display()
    );
}

/// Every message of the exchange both tests run (class, type, name): ASPUP,
/// ASPAC, DATA, BEATs both ways and ASPDN, each with its acknowledgement.
const FULL_EXCHANGE: &[(u8, u8, &str)] = &[
    (3, 1, "ASPUP"),
    (3, 4, "ASPUP_ACK"),
    (0, 1, "NTFY"),
    (4, 1, "ASPAC"),
    (4, 3, "ASPAC_ACK"),
    (1, 1, "DATA"),
    (3, 3, "BEAT"),
    (3, 6, "BEAT_ACK"),
    (3, 2, "ASPDN"),
    (3, 5, "ASPDN_ACK"),
];

fn work_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("callctl-sigtran-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A scenario that only sends one InitialDP (so the peer sends us DATA) and then
/// waits, leaving room for the M3UA exchange.
fn write_scenario(dir: &Path, wait: f64) -> PathBuf {
    let path = dir.join("m3ua_only.json");
    let text = format!(
        r#"{{"name": "m3ua_only", "protocol": "inap-cs1", "steps": [
  {{"send": "InitialDP", "args": {{"serviceKey": 1, "eventTypeBCSM": "analysedInformation"}}}},
  {{"wait": {wait}}}
]}}"#
    );
    std::fs::write(&path, text).expect("write scenario");
    path
}

/// The simulator process; killed if the test ends early.
struct Sim(Option<Child>);

impl Sim {
    fn spawn(args: &[String]) -> Sim {
        let child = Command::new("python3")
            .arg(simulator())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start python3 ssp_sim.py");
        Sim(Some(child))
    }

    fn exited(&mut self) -> bool {
        match self.0.as_mut() {
            Some(c) => !matches!(c.try_wait(), Ok(None)),
            None => true,
        }
    }

    /// Wait for exit; (success, stdout + stderr).
    fn finish(&mut self, limit: Duration) -> (bool, String) {
        let mut child = self.0.take().expect("running");
        let t0 = Instant::now();
        while matches!(child.try_wait(), Ok(None)) {
            if t0.elapsed() > limit {
                let _ = child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().expect("simulator output");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(c) = self.0.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Runs the association over a TCP stream on real time (the state machine only
/// sees `now` values) and records every action.
struct Harness {
    assoc: Association,
    stream: TcpStream,
    start: Instant,
    log: Vec<Action>,
    eof: bool,
}

impl Harness {
    fn new(assoc: Association, stream: TcpStream) -> Harness {
        stream.set_nodelay(true).expect("nodelay");
        Harness {
            assoc,
            stream,
            start: Instant::now(),
            log: Vec::new(),
            eof: false,
        }
    }

    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn flush(&mut self) {
        for action in self.assoc.drain_actions() {
            match &action {
                Action::Transmit(bytes) if !self.eof => {
                    self.stream.write_all(bytes).expect("write to the peer");
                }
                Action::CloseTransport => {
                    let _ = self.stream.shutdown(Shutdown::Both);
                }
                _ => {}
            }
            self.log.push(action);
        }
    }

    fn run_until(&mut self, limit: Duration, what: &str, done: impl Fn(&Harness) -> bool) {
        let t0 = Instant::now();
        let mut buf = [0u8; 4096];
        loop {
            self.flush();
            if done(self) {
                return;
            }
            assert!(
                t0.elapsed() < limit,
                "timed out waiting for {what}; actions so far: {:#?}",
                self.log
            );
            if self.eof {
                panic!("peer closed while waiting for {what}: {:#?}", self.log);
            }
            let now = self.now();
            let wait = self
                .assoc
                .next_deadline()
                .map(|d| d.saturating_sub(now))
                .unwrap_or(Duration::from_millis(50))
                .clamp(Duration::from_millis(1), Duration::from_millis(50));
            self.stream.set_read_timeout(Some(wait)).expect("timeout");
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    self.eof = true;
                    let now = self.now();
                    self.assoc.transport_down(now);
                }
                Ok(n) => {
                    let now = self.now();
                    self.assoc.receive_stream(now, &buf[..n]);
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == ErrorKind::ConnectionReset => {
                    self.eof = true;
                    let now = self.now();
                    self.assoc.transport_down(now);
                }
                Err(e) => panic!("read: {e}"),
            }
            let now = self.now();
            self.assoc.poll(now);
        }
    }

    fn count(&self, f: impl Fn(&Action) -> bool) -> usize {
        self.log.iter().filter(|a| f(a)).count()
    }

    fn sent_kinds(&self) -> Vec<MessageKind> {
        self.log
            .iter()
            .filter_map(|a| match a {
                Action::Transmit(b) => callctl_sigtran::m3ua::Message::decode(b)
                    .ok()
                    .map(|m| m.kind),
                _ => None,
            })
            .collect()
    }
}

fn is_data(a: &Action) -> bool {
    matches!(a, Action::Indication(Indication::Data { .. }))
}

fn is_beat_acked(a: &Action) -> bool {
    matches!(a, Action::Indication(Indication::HeartbeatAcknowledged))
}

fn no_errors(h: &Harness) {
    let bad: Vec<_> = h
        .log
        .iter()
        .filter(|a| {
            matches!(
                a,
                Action::Indication(
                    Indication::PeerError { .. }
                        | Indication::ErrorSent { .. }
                        | Indication::TransportFailure(_)
                        | Indication::ProcedureFailed(_)
                        | Indication::EncodeFailed(_)
                )
            )
        })
        .collect();
    assert!(bad.is_empty(), "errors on the association: {bad:#?}");
}

/// The DATA the simulator sent: its point codes, SCCP, an SCCP UDT (type 9).
fn check_data(h: &Harness, opc: u32, dpc: u32) {
    let data = h
        .log
        .iter()
        .find_map(|a| match a {
            Action::Indication(Indication::Data { data, .. }) => Some(data.clone()),
            _ => None,
        })
        .expect("a DATA indication");
    assert_eq!((data.opc, data.dpc, data.si, data.ni), (opc, dpc, 3, 2));
    assert_eq!(data.data.first(), Some(&0x09), "SCCP UDT");
}

/// Decode the simulator's capture with tshark: (class, type) of every M3UA
/// message, and no malformed packet or expert warning.
fn tshark_messages(pcap: &Path, port: u16) -> Vec<(u8, u8)> {
    let base = |extra: &[&str]| {
        let out = Command::new("tshark")
            .arg("-X")
            .arg(format!("lua_script:{}", lua().display()))
            .arg("-X")
            .arg(format!("lua_script1:{port}"))
            .arg("-r")
            .arg(pcap)
            .args(extra)
            .output()
            .expect("run tshark");
        assert!(
            out.status.success(),
            "tshark failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let flagged = base(&["-Y", "_ws.malformed || _ws.expert.severity >= warning"]);
    assert!(
        flagged.trim().is_empty(),
        "tshark flags frames: {flagged}\nfull decode:\n{}",
        base(&["-V"])
    );
    let fields = base(&[
        "-Y",
        "m3ua",
        "-T",
        "fields",
        "-e",
        "m3ua.message_class",
        "-e",
        "m3ua.message_type",
    ]);
    let mut out = Vec::new();
    for line in fields.lines() {
        let mut cols = line.split('\t');
        let classes = cols.next().unwrap_or("");
        let types = cols.next().unwrap_or("");
        for (c, t) in classes.split(',').zip(types.split(',')) {
            let c = c.trim().parse().expect("class number");
            let t = t.trim().parse().expect("type number");
            out.push((c, t));
        }
    }
    out
}

/// Frames of the capture matching a tshark display filter.
fn tshark_count(pcap: &Path, port: u16, filter: &str) -> usize {
    let out = Command::new("tshark")
        .arg("-X")
        .arg(format!("lua_script:{}", lua().display()))
        .arg("-X")
        .arg(format!("lua_script1:{port}"))
        .arg("-r")
        .arg(pcap)
        .args(["-Y", filter, "-T", "fields", "-e", "frame.number"])
        .output()
        .expect("run tshark");
    assert!(out.status.success(), "tshark failed on {filter}");
    String::from_utf8_lossy(&out.stdout).lines().count()
}

fn assert_frames(pcap: &Path, port: u16, filters: &[&str]) {
    for f in filters {
        assert!(
            tshark_count(pcap, port, f) > 0,
            "tshark found no frame for {f}"
        );
    }
}

fn assert_present(seen: &[(u8, u8)], expected: &[(u8, u8, &str)]) {
    for (c, t, name) in expected {
        assert!(
            seen.contains(&(*c, *t)),
            "tshark saw no {name} ({c}/{t}) in {seen:?}"
        );
    }
    assert!(!seen.contains(&(0, 0)), "an ERR was exchanged: {seen:?}");
}

fn check_report(ok: bool, report: &str) {
    assert!(ok, "the simulator failed:\n{report}");
    assert!(
        report.contains("1 passed, 0 failed"),
        "simulator report:\n{report}"
    );
    assert!(
        !report.contains("warning"),
        "the simulator warned (an ERR or a missing BEAT_ACK):\n{report}"
    );
}

#[test]
fn our_asp_against_simulator_sg() {
    require_tools();
    let dir = work_dir("asp");
    let scenario = write_scenario(&dir, 2.5);
    let pcap = dir.join("asp.pcap");
    let port = {
        let probe = TcpListener::bind("127.0.0.1:0").expect("bind");
        probe.local_addr().expect("addr").port()
    };
    let mut sim = Sim::spawn(&[
        "--listen".into(),
        format!("127.0.0.1:{port}"),
        "--scenario".into(),
        scenario.display().to_string(),
        "--pcap".into(),
        pcap.display().to_string(),
        "--beat".into(),
        "0.3".into(),
        "--opc".into(),
        "1".into(),
        "--dpc".into(),
        "2".into(),
    ]);
    let t0 = Instant::now();
    let stream = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => break s,
            Err(e) => {
                assert!(
                    !sim.exited() && t0.elapsed() < Duration::from_secs(20),
                    "could not reach the simulator: {e}"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    };
    let mut config = AspConfig::new(Role::Asp);
    config.routing_contexts = vec![100];
    config.asp_identifier = Some(3);
    config.heartbeat_interval = Duration::from_millis(300);
    config.local_point_code = 2;
    config.remote_point_code = 1;
    let mut h = Harness::new(Association::new(config), stream);
    let now = h.now();
    h.assoc.transport_up(now);

    h.run_until(Duration::from_secs(10), "active, DATA, BEATs", |h| {
        h.assoc.state() == AspState::AspActive
            && h.count(is_data) >= 1
            && h.count(is_beat_acked) >= 2
            && h.sent_kinds()
                .iter()
                .filter(|k| **k == MessageKind::BeatAck)
                .count()
                >= 2
    });
    check_data(&h, 1, 2);
    let now = h.now();
    h.assoc.shut_down(now).expect("shut down");
    h.run_until(Duration::from_secs(5), "ASPDN_ACK", |h| {
        h.assoc.state() == AspState::AspDown && h.assoc.pending_procedure().is_none()
    });
    assert!(h.log.contains(&Action::StateChanged {
        from: AspState::AspActive,
        to: AspState::AspDown
    }));
    // The scenario ends, the simulator closes the connection.
    h.run_until(Duration::from_secs(10), "the simulator to close", |h| h.eof);
    no_errors(&h);

    let (ok, report) = sim.finish(Duration::from_secs(15));
    check_report(ok, &report);
    let seen = tshark_messages(&pcap, port);
    eprintln!("simulator report:\n{report}\ntshark (class, type): {seen:?}");
    assert_present(&seen, FULL_EXCHANGE);
    // Our ASPUP and ASPAC as tshark reads them.
    assert_frames(
        &pcap,
        port,
        &[
            "m3ua.message_class == 3 && m3ua.message_type == 1 && m3ua.asp_identifier == 3",
            "m3ua.message_class == 4 && m3ua.message_type == 1 && m3ua.routing_context == 100 \
             && m3ua.traffic_mode_type == 2",
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn simulator_asp_against_our_sgp() {
    require_tools();
    let dir = work_dir("sgp");
    let scenario = write_scenario(&dir, 1.5);
    let pcap = dir.join("sgp.pcap");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    listener.set_nonblocking(true).expect("nonblocking");
    let mut sim = Sim::spawn(&[
        "--connect".into(),
        format!("127.0.0.1:{port}"),
        "--scenario".into(),
        scenario.display().to_string(),
        "--pcap".into(),
        pcap.display().to_string(),
        "--beat".into(),
        "0.3".into(),
        "--rc".into(),
        "100".into(),
        "--asp-id".into(),
        "9".into(),
        "--traffic-mode".into(),
        "loadshare".into(),
        "--opc".into(),
        "1".into(),
        "--dpc".into(),
        "2".into(),
    ]);
    let t0 = Instant::now();
    let stream = loop {
        match listener.accept() {
            Ok((s, _)) => break s,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                assert!(
                    !sim.exited() && t0.elapsed() < Duration::from_secs(20),
                    "the simulator did not connect"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("accept: {e}"),
        }
    };
    stream.set_nonblocking(false).expect("blocking");
    let mut config = AspConfig::new(Role::Sgp);
    config.heartbeat_interval = Duration::from_millis(300);
    config.local_point_code = 2;
    config.remote_point_code = 1;
    let mut h = Harness::new(Association::new(config), stream);
    let now = h.now();
    h.assoc.transport_up(now);

    h.run_until(Duration::from_secs(10), "active and DATA", |h| {
        h.assoc.state() == AspState::AspActive && h.count(is_data) >= 1
    });
    check_data(&h, 1, 2);
    assert_eq!(h.assoc.routing_contexts(), &[100], "adopted from ASPAC");
    // The simulator ends its scenario with ASPDN, then closes.
    h.run_until(Duration::from_secs(10), "ASPDN and close", |h| h.eof);
    assert!(h.log.contains(&Action::StateChanged {
        from: AspState::AspActive,
        to: AspState::AspDown
    }));
    assert!(h.count(is_beat_acked) >= 2, "our BEATs were acknowledged");
    let kinds = h.sent_kinds();
    for k in [
        MessageKind::AspUpAck,
        MessageKind::AspActiveAck,
        MessageKind::Ntfy,
        MessageKind::BeatAck,
        MessageKind::Beat,
        MessageKind::AspDownAck,
    ] {
        assert!(kinds.contains(&k), "we sent no {k:?}: {kinds:?}");
    }
    no_errors(&h);

    let (ok, report) = sim.finish(Duration::from_secs(15));
    check_report(ok, &report);
    let seen = tshark_messages(&pcap, port);
    eprintln!("simulator report:\n{report}\ntshark (class, type): {seen:?}");
    assert_present(&seen, FULL_EXCHANGE);
    // Our answers as tshark reads them: ASPAC_ACK echoes routing context and
    // traffic mode; the NTFYs carry AS-INACTIVE / AS-ACTIVE and the ASP identifier.
    assert_frames(
        &pcap,
        port,
        &[
            "m3ua.message_class == 4 && m3ua.message_type == 3 && m3ua.routing_context == 100 \
             && m3ua.traffic_mode_type == 2",
            "m3ua.message_class == 0 && m3ua.message_type == 1 && m3ua.status_type == 1 \
             && m3ua.status_info == 2 && m3ua.asp_identifier == 9",
            "m3ua.message_class == 0 && m3ua.message_type == 1 && m3ua.status_type == 1 \
             && m3ua.status_info == 3 && m3ua.asp_identifier == 9 && m3ua.routing_context == 100",
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
}
