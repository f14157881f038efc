//! Test support: a temporary script directory and a scripted engine that answers every
//! command with a canned reply and records what the script asked for.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use callctl_scc::{CallContext, CallKey, Command, ControlFlags, Reply, ScriptRunner, Step, Value};
use callctl_service::{LuaRunner, RuntimeConfig};

/// A directory under the system temp dir, unique per test, removed when dropped.
pub struct ScriptDir {
    pub path: PathBuf,
}

impl ScriptDir {
    pub fn new() -> ScriptDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("callctl-svc-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        ScriptDir { path }
    }

    pub fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.path.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dir");
        }
        std::fs::write(&path, text).expect("write script");
        path
    }

    /// The file name a failure location reports for `relative`.
    pub fn file(&self, relative: &str) -> String {
        self.path.join(relative).display().to_string()
    }

    pub fn config(&self) -> RuntimeConfig {
        RuntimeConfig {
            script_dirs: vec![self.path.clone()],
            ..RuntimeConfig::default()
        }
    }

    pub fn runner(&self) -> LuaRunner {
        LuaRunner::new(self.config()).expect("runner")
    }
}

impl Drop for ScriptDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

pub fn dir_of(path: &Path) -> String {
    path.display().to_string()
}

pub fn flags() -> ControlFlags {
    ControlFlags {
        controlled: true,
        proceed_ok: true,
        decline_ok: true,
    }
}

pub fn context(key: &str) -> CallContext {
    CallContext {
        call_id: "abc@10.0.0.1".into(),
        request_uri: "sip:0800123@callctl".into(),
        from_uri: "sip:6441234567@peer".into(),
        from_display: Some("Alice".into()),
        to_uri: "sip:0800123@callctl".into(),
        called_party: "0800123".into(),
        normalised_called_party: "0800123".into(),
        calling_party: "6441234567".into(),
        normalised_calling_party: "6441234567".into(),
        is_calling_restricted: false,
        headers: vec![
            ("Via".into(), "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1".into()),
            ("User-Agent".into(), "test-agent/1.0".into()),
            ("X-Multi".into(), "one".into()),
            ("x-multi".into(), "two".into()),
            ("f".into(), "<sip:6441234567@peer>;tag=1".into()),
        ],
        sdp_offer_present: true,
        require_100rel: false,
        script_key: key.into(),
        trigger_prefix: "0800".into(),
        source: "udp:10.0.0.1:5060".into(),
        flags: flags(),
    }
}

/// The reply a cooperative engine gives to each command.
pub fn default_reply(cmd: &Command) -> Reply {
    match cmd {
        Command::Proceeding { .. } => Reply::Value(Value::Table(vec![
            ("proceed_ok".into(), Value::Bool(true)),
            ("decline_ok".into(), Value::Bool(true)),
        ])),
        _ => Reply::Value(Value::Bool(true)),
    }
}

/// Runs a call to its end, answering with `reply`; returns the commands and the last step.
pub fn run_with(
    runner: &mut LuaRunner,
    call: CallKey,
    key: &str,
    mut reply: impl FnMut(&Command) -> Reply,
) -> (Vec<Command>, Step) {
    let mut commands = Vec::new();
    let mut step = runner.start(call, key, &context(key));
    while let Step::Command(cmd) = step {
        let answer = reply(&cmd);
        commands.push(cmd);
        assert!(commands.len() < 10_000, "script does not end");
        step = runner.resume(call, flags(), answer);
    }
    (commands, step)
}

pub fn run(runner: &mut LuaRunner, key: &str) -> (Vec<Command>, Step) {
    run_with(runner, 1, key, default_reply)
}
