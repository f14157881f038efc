//! One Lua script instance, start to finish, on a runner that has already compiled the script
//! (the per-call cost once the script cache is warm).
//!
//! Run: `cargo bench -p callctl-service --bench script_instance`.

use std::hint::black_box;
use std::path::PathBuf;

use callctl_scc::{CallContext, CallKey, Command, ControlFlags, Reply, ScriptRunner, Step, Value};
use callctl_service::{LuaRunner, RuntimeConfig};
use criterion::{criterion_group, criterion_main, Criterion};

const DECLINE: &str = r#"local incall_api = require "n2.n2svcd.sip_incall_service"
local scc = ...
incall_api.decline (486)
return"#;

/// Seed 000 as shipped in examples/scripts: hangup, a notice, a calm-down wait.
const HANGUP: &str = r#"local n2svcd = require "n2.n2svcd"
local incall_api = require "n2.n2svcd.sip_incall_service"

local scc = ...

incall_api.hangup (487)
n2svcd.notice ("Calm Down Period")
n2svcd.wait (5.0)

return"#;

/// A script directory under the temp dir, removed when dropped.
struct ScriptDir(PathBuf);

impl ScriptDir {
    fn new() -> ScriptDir {
        let path = std::env::temp_dir().join(format!("callctl-bench-svc-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create script dir");
        std::fs::write(path.join("decline.lua"), DECLINE).expect("write script");
        std::fs::write(path.join("hangup.lua"), HANGUP).expect("write script");
        ScriptDir(path)
    }
}

impl Drop for ScriptDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn flags() -> ControlFlags {
    ControlFlags {
        controlled: true,
        proceed_ok: true,
        decline_ok: true,
    }
}

/// The context of a SIPp call as the engine builds it (ten INVITE headers).
fn context(key: &str) -> CallContext {
    let headers = [
        ("Via", "SIP/2.0/UDP 192.0.2.10:5061;branch=z9hG4bK-2731-1-0"),
        (
            "From",
            "sipp <sip:6441234567@192.0.2.10:5061>;tag=2731SIPpTag001",
        ),
        ("To", "0800123456 <sip:0800123456@192.0.2.20:5060>"),
        ("Call-ID", "1-2731@192.0.2.10"),
        ("CSeq", "1 INVITE"),
        ("Contact", "sip:sipp@192.0.2.10:5061"),
        ("Max-Forwards", "70"),
        ("Subject", "Performance Test"),
        ("Content-Type", "application/sdp"),
        ("Content-Length", "131"),
    ];
    CallContext {
        call_id: "1-2731@192.0.2.10".into(),
        request_uri: "sip:0800123456@192.0.2.20:5060".into(),
        from_uri: "sip:6441234567@192.0.2.10:5061".into(),
        from_display: Some("sipp".into()),
        to_uri: "sip:0800123456@192.0.2.20:5060".into(),
        called_party: "0800123456".into(),
        normalised_called_party: "0800123456".into(),
        calling_party: "6441234567".into(),
        normalised_calling_party: "6441234567".into(),
        is_calling_restricted: false,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        sdp_offer_present: true,
        require_100rel: false,
        script_key: key.into(),
        trigger_prefix: "0800".into(),
        source: "udp:192.0.2.10:5061".into(),
        flags: flags(),
    }
}

/// Run one instance to its end, answering every command with `true`; returns the number of
/// commands it gave.
fn run(runner: &mut LuaRunner, call: CallKey, key: &str, ctx: &CallContext) -> usize {
    let mut commands = 0;
    let mut step = runner.start(call, key, ctx);
    while let Step::Command(cmd) = step {
        commands += 1;
        black_box(&cmd);
        let after = match cmd {
            // After a final response the script no longer controls the caller's responses.
            Command::Decline { .. } | Command::Hangup { .. } => ControlFlags {
                controlled: false,
                proceed_ok: false,
                decline_ok: false,
            },
            _ => flags(),
        };
        step = runner.resume(call, after, Reply::Value(Value::Bool(true)));
    }
    assert_eq!(step, Step::Finished, "script did not finish");
    commands
}

fn benches(c: &mut Criterion) {
    let dir = ScriptDir::new();
    let mut runner = LuaRunner::new(RuntimeConfig {
        script_dirs: vec![dir.0.clone()],
        ..RuntimeConfig::default()
    })
    .expect("Lua runner");
    let decline = context("decline");
    let hangup = context("hangup");
    // Compile both scripts and check what they do before measuring.
    assert_eq!(run(&mut runner, 1, "decline", &decline), 1);
    assert_eq!(run(&mut runner, 2, "hangup", &hangup), 3);
    let mut call: CallKey = 2;

    let mut g = c.benchmark_group("service");
    g.bench_function("lua_instance_decline", |b| {
        b.iter(|| {
            call += 1;
            run(&mut runner, call, "decline", &decline)
        })
    });
    g.bench_function("lua_instance_seed000_hangup_notice_wait", |b| {
        b.iter(|| {
            call += 1;
            run(&mut runner, call, "hangup", &hangup)
        })
    });
    g.finish();
    assert_eq!(runner.active(), 0, "instances left behind");
    eprintln!(
        "service: Lua state uses {} KiB after {} instances",
        runner.used_memory() / 1024,
        call
    );
}

criterion_group!(group, benches);
criterion_main!(group);
