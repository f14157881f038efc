//! The sandbox: what scripts can and cannot reach, per-call globals, the context table and
//! `require`.

mod common;

use callctl_scc::{Command, ControlFlags, FailureKind, Reply, ScriptRunner, Step, Value};
use common::*;

/// The messages of the notices a script logged, in order.
fn notices(commands: &[Command]) -> Vec<String> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Log { message, .. } => Some(message.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn dangerous_functions_are_absent() {
    let dir = ScriptDir::new();
    dir.write(
        "probe.lua",
        r#"local n2svcd = require "n2.n2svcd"
for _, name in ipairs({ "io", "os", "debug", "package", "load", "loadfile", "dofile",
                         "loadstring", "collectgarbage", "print", "warn" }) do
    n2svcd.notice("%s=%s", name, type(_ENV[name]))
end
n2svcd.notice("dump=%s", type(string.dump))
n2svcd.notice("stringmt=%s", tostring(getmetatable("")))
n2svcd.notice("modulemt=%s", tostring(getmetatable(n2svcd)))
n2svcd.notice("envmt=%s", tostring(getmetatable(_ENV)))
n2svcd.notice("G=%s", tostring(_G == _ENV))"#,
    );
    let mut runner = dir.runner();
    let (commands, step) = run(&mut runner, "probe");
    assert_eq!(step, Step::Finished);
    assert_eq!(
        notices(&commands),
        vec![
            "io=nil",
            "os=nil",
            "debug=nil",
            "package=nil",
            "load=nil",
            "loadfile=nil",
            "dofile=nil",
            "loadstring=nil",
            "collectgarbage=nil",
            "print=nil",
            "warn=nil",
            "dump=nil",
            "stringmt=false",
            "modulemt=false",
            "envmt=false",
            "G=true",
        ]
    );
}

#[test]
fn shared_tables_are_read_only() {
    let dir = ScriptDir::new();
    let attempts = [
        "n2svcd.notice = nil",
        "n2svcd.fresh = 1",
        "api.decline = function() end",
        "string.upper = nil",
        "string.fresh = 1",
        "math.pi = 3",
        "table.insert = nil",
        "coroutine.yield = nil",
        "rawset(string, 'upper', 1)",
        "rawset(n2svcd, 'notice', 1)",
        "setmetatable(n2svcd, nil)",
        "setmetatable(_ENV, nil)",
        "getmetatable('').__index = {}",
        "setmetatable({}, { __gc = function() end })",
    ];
    for (i, attempt) in attempts.iter().enumerate() {
        dir.write(
            &format!("w{i}.lua"),
            &format!("local n2svcd = require 'n2.n2svcd'\nlocal api = require 'n2.n2svcd.sip_incall'\n{attempt}\n"),
        );
    }
    dir.write(
        "check.lua",
        r#"local n2svcd = require 'n2.n2svcd'
local api = require 'n2.n2svcd.sip_incall'
n2svcd.notice("%s %s %s %s %s", type(api.decline), tostring(n2svcd.fresh), string.upper("ok"), math.pi > 3.14, type(table.insert))"#,
    );
    let mut runner = dir.runner();
    for (i, attempt) in attempts.iter().enumerate() {
        let (_, step) = run(&mut runner, &format!("w{i}"));
        match step {
            Step::Failed(f) => {
                assert_eq!(f.kind, FailureKind::Error, "{attempt}");
                assert_eq!(f.location.map(|l| l.line), Some(3), "{attempt}");
            }
            other => panic!("{attempt}: expected a failure, got {other:?}"),
        }
    }
    let (commands, _) = run(&mut runner, "check");
    assert_eq!(notices(&commands), vec!["function nil OK true function"]);
}

#[test]
fn libraries_still_work_through_the_proxies() {
    let dir = ScriptDir::new();
    dir.write(
        "libs.lua",
        r#"local n2svcd = require 'n2.n2svcd'
local keys = 0
for _ in pairs(string) do keys = keys + 1 end
local t = { 3, 1, 2 }
table.sort(t)
n2svcd.notice("%s %s %s %d %s", ("abc"):upper(), table.concat(t, ","), utf8.char(72, 105), math.max(1, 5), keys > 10)"#,
    );
    let mut runner = dir.runner();
    let (commands, step) = run(&mut runner, "libs");
    assert_eq!(step, Step::Finished);
    assert_eq!(notices(&commands), vec!["ABC 1,2,3 Hi 5 true"]);
}

#[test]
fn preloaded_globals() {
    let dir = ScriptDir::new();
    dir.write(
        "globals.lua",
        r#"local n2svcd = require 'n2.n2svcd'
n2svcd.notice("%s|%s|%s|%s|%s|%s|%s|%s", TRACE_LEVEL, SCRIPT_NAME, APPLICATION_NAME, SERVICE_MODULE,
    LOADER_MODULE, tostring(REQUIRE_LIST), INSTANCE_IDX, type(SCRIPT_VERSION))
n2svcd.notice("%s", tonumber(SCRIPT_VERSION) > 1000000000)"#,
    );
    let mut runner = dir.runner();
    let (commands, step) = run_with(&mut runner, 0xbeef, "globals", default_reply);
    assert_eq!(step, Step::Finished);
    assert_eq!(
        notices(&commands),
        vec![
            "0|globals|callctl|n2.n2svcd.sip_incall_service|callctl|nil|beef|string",
            "true"
        ]
    );
}

#[test]
fn globals_are_isolated_between_concurrent_calls() {
    let dir = ScriptDir::new();
    dir.write(
        "g.lua",
        r#"local n2svcd = require 'n2.n2svcd'
local scc = ...
n2svcd.notice("before %s", tostring(COUNTER))
COUNTER = (COUNTER or 0) + 1
_G.OTHER = scc.call_id
SCRIPT_NAME = "changed"
n2svcd.wait(1)
n2svcd.notice("after %s %s %s", tostring(COUNTER), OTHER, SCRIPT_NAME)"#,
    );
    let mut runner = dir.runner();
    let ctx = context("g");
    let mut ctx2 = context("g");
    ctx2.call_id = "second".into();
    let log = |step: Step| match step {
        Step::Command(Command::Log { message, .. }) => message,
        other => panic!("expected a log, got {other:?}"),
    };
    let ok = || Reply::Value(Value::Bool(true));
    assert_eq!(log(runner.start(1, "g", &ctx)), "before nil");
    assert!(matches!(
        runner.resume(1, flags(), ok()),
        Step::Command(Command::Wait { .. })
    ));
    assert_eq!(log(runner.start(2, "g", &ctx2)), "before nil");
    assert!(matches!(
        runner.resume(2, flags(), ok()),
        Step::Command(Command::Wait { .. })
    ));
    assert_eq!(runner.active(), 2);
    assert_eq!(
        log(runner.resume(1, flags(), ok())),
        "after 1 abc@10.0.0.1 changed"
    );
    assert_eq!(
        log(runner.resume(2, flags(), ok())),
        "after 1 second changed"
    );
    assert_eq!(runner.resume(1, flags(), ok()), Step::Finished);
    assert_eq!(runner.resume(2, flags(), ok()), Step::Finished);
    // A third call sees neither call's globals, nor a changed SCRIPT_NAME.
    dir.write("g3.lua", "require('n2.n2svcd').notice('%s %s %s', tostring(COUNTER), tostring(OTHER), SCRIPT_NAME)\n");
    let (commands, _) = run(&mut runner, "g3");
    assert_eq!(notices(&commands), vec!["nil nil g3"]);
}

#[test]
fn context_table_fields_headers_and_flags() {
    let dir = ScriptDir::new();
    dir.write(
        "ctx.lua",
        r#"local n2svcd = require 'n2.n2svcd'
local api = require 'n2.n2svcd.sip_incall'
local scc = ...
n2svcd.notice("%s|%s|%s|%s|%s|%s", scc.call_id, scc.request_uri, scc.from_uri, scc.from_display, scc.to_uri, scc.source)
n2svcd.notice("%s|%s|%s|%s|%s|%s|%s", scc.called_party, scc.normalised_called_party, scc.calling_party,
    scc.normalised_calling_party, scc.script_key, scc.trigger_prefix, tostring(scc.is_calling_restricted))
n2svcd.notice("%s|%s|%s|%s|%s", tostring(scc.sdp_offer_present), tostring(scc.require_100rel),
    tostring(scc.proceed_ok), tostring(scc.decline_ok), tostring(scc.controlled))
n2svcd.notice("%s|%s|%s|%d|%s|%s", scc.headers["user-agent"][1], scc.headers["x-multi"][1], scc.headers["x-multi"][2],
    #scc.headers["x-multi"], scc.headers["from"][1], tostring(scc.invite_headers == scc.headers))
api.ringing()
n2svcd.notice("%s|%s|%s", tostring(scc.proceed_ok), tostring(scc.decline_ok), tostring(scc.controlled))"#,
    );
    let mut runner = dir.runner();
    let ctx = context("ctx");
    let mut step = runner.start(1, "ctx", &ctx);
    let mut messages = Vec::new();
    while let Step::Command(cmd) = step {
        let after_ringing = matches!(cmd, Command::Proceeding { .. });
        if let Command::Log { message, .. } = &cmd {
            messages.push(message.clone());
        }
        let flags = if after_ringing {
            ControlFlags {
                controlled: true,
                proceed_ok: false,
                decline_ok: false,
            }
        } else {
            flags()
        };
        step = runner.resume(1, flags, default_reply(&cmd));
    }
    assert_eq!(step, Step::Finished);
    assert_eq!(
        messages,
        vec![
            "abc@10.0.0.1|sip:0800123@callctl|sip:6441234567@peer|Alice|sip:0800123@callctl|udp:10.0.0.1:5060",
            "0800123|0800123|6441234567|6441234567|ctx|0800|false",
            "true|false|true|true|true",
            "test-agent/1.0|one|two|2|<sip:6441234567@peer>;tag=1|true",
            "false|false|true",
        ]
    );
}

#[test]
fn require_user_modules_from_the_script_directory() {
    let dir = ScriptDir::new();
    dir.write(
        "lib/util.lua",
        r#"local n2svcd = require "n2.n2svcd"
local M = {}
local calls = 0
function M.bump() calls = calls + 1; return calls end
function M.log(text) n2svcd.notice("util: %s", text) end
M.name = ...
return M"#,
    );
    dir.write("lib/broken.lua", "local x = \n");
    dir.write("lib/bad.lua", "local x = nil\nreturn x.y\n");
    dir.write(
        "user.lua",
        r#"local n2svcd = require "n2.n2svcd"
local util = require "lib.util"
local again = require "lib.util"
util.log(util.name)
n2svcd.notice("%d %d %s", util.bump(), again.bump(), tostring(util == again))"#,
    );
    dir.write("missing.lua", "local m = require 'lib.nothere'\n");
    dir.write("escape.lua", "local m = require '..secret'\n");
    dir.write("escape2.lua", "local m = require 'lib/util'\n");
    dir.write("broken.lua", "local m = require 'lib.broken'\n");
    dir.write("bad.lua", "local scc = ...\nlocal m = require 'lib.bad'\n");

    let mut runner = dir.runner();
    for call in 1..=2 {
        // Module state is per call: the counter starts again for the second call.
        let (commands, step) = run_with(&mut runner, call, "user", default_reply);
        assert_eq!(step, Step::Finished);
        assert_eq!(notices(&commands), vec!["util: lib.util", "1 2 true"]);
    }
    let failure = |runner: &mut callctl_service::LuaRunner, key: &str| match run(runner, key).1 {
        Step::Failed(f) => f,
        other => panic!("{key}: expected a failure, got {other:?}"),
    };
    let f = failure(&mut runner, "missing");
    assert!(
        f.message
            .starts_with("require: module 'lib.nothere' not found"),
        "{f:?}"
    );
    assert_eq!(f.location.map(|l| l.line), Some(1));
    let f = failure(&mut runner, "escape");
    assert_eq!(f.message, "require: bad module name '..secret'");
    let f = failure(&mut runner, "escape2");
    assert_eq!(f.message, "require: bad module name 'lib/util'");
    let f = failure(&mut runner, "broken");
    assert!(
        f.message
            .starts_with("require: module 'lib.broken' does not compile"),
        "{f:?}"
    );
    assert_eq!(f.location.map(|l| l.line), Some(1));
    let f = failure(&mut runner, "bad");
    assert_eq!(f.message, "attempt to index a nil value (local 'x')");
    assert_eq!(f.location.map(|l| l.file), Some(dir.file("lib/bad.lua")));
}

#[test]
fn user_coroutines_pass_api_calls_to_the_engine() {
    let dir = ScriptDir::new();
    dir.write(
        "co.lua",
        r#"local n2svcd = require "n2.n2svcd"
local api = require "n2.n2svcd.sip_incall"
local inner = coroutine.wrap(function (a)
    local r = api.proceeding(183)
    local b = coroutine.yield(a + 1, r.decline_ok)
    local nested = coroutine.create(function ()
        n2svcd.wait(2)
        coroutine.yield("from nested")
        return api.hangup(486)
    end)
    local ok1, v1 = coroutine.resume(nested)
    local ok2, v2 = coroutine.resume(nested)
    return b * 2, v1, ok2, v2, coroutine.status(nested)
end)
local x, d = inner(1)
n2svcd.notice("yielded %s %s", x, tostring(d))
local y, v1, ok2, v2, status = inner(21)
n2svcd.notice("returned %s %s %s %s %s", y, v1, tostring(ok2), tostring(v2), status)
local failing = coroutine.wrap(function () api.decline(486) end)
local ok, err = pcall(failing)
n2svcd.notice("%s %s", tostring(ok), err)"#,
    );
    let mut runner = dir.runner();
    let (commands, step) = run_with(&mut runner, 1, "co", |cmd| match cmd {
        Command::Decline { .. } => Reply::Error("decline: refused".into()),
        other => default_reply(other),
    });
    assert_eq!(step, Step::Finished);
    assert_eq!(
        commands[0],
        Command::Proceeding {
            code: 183,
            secs: None,
            extra_headers: vec![]
        }
    );
    assert_eq!(commands[2], Command::Wait { secs: 2.0 });
    assert_eq!(
        commands[3],
        Command::Hangup {
            code: Some(486),
            reason: None
        }
    );
    assert_eq!(
        commands[5],
        Command::Decline {
            code: Some(486),
            reason: None,
            extra_headers: vec![]
        }
    );
    assert_eq!(
        notices(&commands),
        vec![
            "yielded 2 true".to_string(),
            "returned 42 from nested true true dead".to_string(),
            format!("false {}:19: decline: refused", dir.file("co.lua")),
        ]
    );
}
