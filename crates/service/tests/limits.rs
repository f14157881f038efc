//! Lifecycle and limits: reload, the instruction budget, the memory limit, and that calls
//! leave nothing behind.

mod common;

use callctl_scc::{Command, FailureKind, Reply, ScriptLocation, ScriptRunner, Step, Value};
use callctl_service::{LuaRunner, RuntimeConfig};
use common::*;

fn small_budget(dir: &ScriptDir) -> LuaRunner {
    LuaRunner::new(RuntimeConfig {
        instruction_budget: 1_000_000,
        ..dir.config()
    })
    .expect("runner")
}

fn ok() -> Reply {
    Reply::Value(Value::Bool(true))
}

#[test]
fn reload_affects_new_calls_only() {
    let dir = ScriptDir::new();
    dir.write(
        "r.lua",
        "local n2svcd = require 'n2.n2svcd'\nn2svcd.wait(1)\nn2svcd.notice('v1')\n",
    );
    let mut runner = dir.runner();
    assert_eq!(
        runner.start(1, "r", &context("r")),
        Step::Command(Command::Wait { secs: 1.0 })
    );

    dir.write(
        "r.lua",
        "local n2svcd = require 'n2.n2svcd'\nn2svcd.wait(2)\nn2svcd.notice('v2')\n",
    );
    // Without reload the compiled script stays.
    assert_eq!(
        runner.start(2, "r", &context("r")),
        Step::Command(Command::Wait { secs: 1.0 })
    );
    runner.reload();
    assert_eq!(
        runner.start(3, "r", &context("r")),
        Step::Command(Command::Wait { secs: 2.0 })
    );

    let message = |step: Step| match step {
        Step::Command(Command::Log { message, .. }) => message,
        other => panic!("expected a log, got {other:?}"),
    };
    assert_eq!(message(runner.resume(1, flags(), ok())), "v1");
    assert_eq!(message(runner.resume(3, flags(), ok())), "v2");
    assert_eq!(message(runner.resume(2, flags(), ok())), "v1");
    for call in 1..=3 {
        assert_eq!(runner.resume(call, flags(), ok()), Step::Finished);
    }
    assert_eq!(runner.active(), 0);
}

#[test]
fn reload_recompiles_user_modules_and_fixes_broken_scripts() {
    let dir = ScriptDir::new();
    dir.write("m/v.lua", "return 'one'\n");
    dir.write("s.lua", "require('n2.n2svcd').notice(require('m.v'))\n");
    dir.write("bad.lua", "this is not lua\n");
    let mut runner = dir.runner();
    assert!(runner.check_script("bad").is_err());
    let (commands, _) = run(&mut runner, "s");
    assert!(matches!(&commands[0], Command::Log { message, .. } if message == "one"));

    dir.write("m/v.lua", "return 'two'\n");
    dir.write("bad.lua", "return\n");
    runner.reload();
    assert!(runner.check_script("bad").is_ok());
    let (commands, _) = run(&mut runner, "s");
    assert!(matches!(&commands[0], Command::Log { message, .. } if message == "two"));
}

fn budget_failure(runner: &mut LuaRunner, key: &str) -> callctl_scc::ScriptFailure {
    match run(runner, key).1 {
        Step::Failed(f) => {
            assert_eq!(f.kind, FailureKind::Budget, "{key}: {f:?}");
            f
        }
        other => panic!("{key}: expected a budget failure, got {other:?}"),
    }
}

#[test]
fn runaway_loops_are_stopped() {
    let dir = ScriptDir::new();
    dir.write("plain.lua", "local scc = ...\nwhile true do end\n");
    dir.write(
        "pcall.lua",
        "local scc = ...\nwhile true do pcall(function() while true do end end) end\n",
    );
    dir.write(
        "xpcall.lua",
        "while true do\n  xpcall(function() while true do end end, function(e) while true do end end)\nend\n",
    );
    dir.write(
        "sort.lua",
        "local t = {}\nfor i = 1, 100 do t[i] = i end\nwhile true do pcall(table.sort, t, function(a, b) while true do end end) end\n",
    );
    dir.write(
        "gsub.lua",
        "while true do\n  pcall(string.gsub, 'aaaa', 'a', function() while true do pcall(error, 'x') end end)\nend\n",
    );
    dir.write(
        "coroutine.lua",
        "while true do\n  pcall(coroutine.wrap(function() while true do end end))\n  coroutine.resume(coroutine.create(function() while true do end end))\nend\n",
    );
    dir.write(
        "nested.lua",
        "local function deep(n)\n  if n == 0 then while true do end end\n  return coroutine.wrap(function() pcall(deep, n - 1) end)()\nend\nwhile true do pcall(deep, 5) end\n",
    );
    dir.write(
        "handler.lua",
        "local n2svcd = require 'n2.n2svcd'\nreturn n2svcd.handler(function()\n  n2svcd.wait(1)\n  local i = 0\n  while true do i = i + 1 end\nend)\n",
    );
    dir.write("fine.lua", "require('n2.n2svcd').notice('still fine')\n");
    let mut runner = small_budget(&dir);

    let f = budget_failure(&mut runner, "plain");
    assert_eq!(
        f.location,
        Some(ScriptLocation {
            file: dir.file("plain.lua"),
            line: 2
        })
    );
    let f = budget_failure(&mut runner, "pcall");
    assert_eq!(
        f.location,
        Some(ScriptLocation {
            file: dir.file("pcall.lua"),
            line: 2
        })
    );
    for key in ["xpcall", "sort", "gsub", "coroutine", "nested"] {
        let f = budget_failure(&mut runner, key);
        assert_eq!(
            f.location.as_ref().map(|l| l.file.clone()),
            Some(dir.file(&format!("{key}.lua"))),
            "{key}"
        );
    }
    let f = budget_failure(&mut runner, "handler");
    assert_eq!(
        f.location,
        Some(ScriptLocation {
            file: dir.file("handler.lua"),
            line: 5
        })
    );
    assert_eq!(runner.active(), 0);

    let (commands, step) = run(&mut runner, "fine");
    assert_eq!(step, Step::Finished);
    assert!(matches!(&commands[0], Command::Log { message, .. } if message == "still fine"));
}

#[test]
fn short_coroutines_are_counted() {
    let dir = ScriptDir::new();
    // Each coroutine ends before its own hook countdown runs out, so only the per-coroutine
    // charge can see the 100 million instructions this runs in all.
    dir.write(
        "churn.lua",
        "for i = 1, 20000 do\n  coroutine.wrap(function() for j = 1, 2500 do end end)()\nend\nrequire('n2.n2svcd').notice('done')\n",
    );
    let mut runner = small_budget(&dir);
    let f = budget_failure(&mut runner, "churn");
    assert_eq!(
        f.location,
        Some(ScriptLocation {
            file: dir.file("churn.lua"),
            line: 2
        })
    );
}

#[test]
fn the_budget_is_per_resume() {
    let dir = ScriptDir::new();
    // Each slice runs well under the budget; all slices together exceed it several times.
    dir.write(
        "slices.lua",
        "local n2svcd = require 'n2.n2svcd'\nlocal x = 0\nfor round = 1, 10 do\n  for i = 1, 150000 do x = x + i end\n  n2svcd.wait(0)\nend\n",
    );
    let mut runner = small_budget(&dir);
    let (commands, step) = run(&mut runner, "slices");
    assert_eq!(step, Step::Finished);
    assert_eq!(commands.len(), 10);
}

#[test]
fn memory_limit_ends_the_script() {
    let dir = ScriptDir::new();
    dir.write(
        "hog.lua",
        "local t = {}\nfor i = 1, 1e8 do t[i] = string.rep('x', 64) .. i end\n",
    );
    dir.write(
        "hog_pcall.lua",
        "local t = {}\nlocal ok, e = pcall(function() for i = 1, 1e8 do t[i] = string.rep('x', 64) .. i end end)\nt = nil\nerror(e)\n",
    );
    // The runtime builds the context and the replies with the limit lifted: it must hold
    // again once the script runs, also after a resume.
    dir.write(
        "hog_after_wait.lua",
        "require('n2.n2svcd').wait(1)\nlocal t = {}\nfor i = 1, 1e8 do t[i] = string.rep('x', 64) .. i end\n",
    );
    dir.write(
        "fine.lua",
        "local t = {}\nfor i = 1, 1000 do t[i] = i end\nrequire('n2.n2svcd').notice('ok')\n",
    );
    let mut runner = LuaRunner::new(RuntimeConfig {
        memory_limit_bytes: 16 * 1024 * 1024,
        ..dir.config()
    })
    .expect("runner");
    for key in ["hog", "hog_pcall", "hog_after_wait"] {
        match run(&mut runner, key).1 {
            Step::Failed(f) => assert_eq!(f.kind, FailureKind::Memory, "{key}: {f:?}"),
            other => panic!("{key}: expected a memory failure, got {other:?}"),
        }
    }
    let (commands, step) = run(&mut runner, "fine");
    assert_eq!(step, Step::Finished);
    assert_eq!(commands.len(), 1);
    assert!(
        runner.used_memory() < 4 * 1024 * 1024,
        "{}",
        runner.used_memory()
    );
}

#[test]
fn many_calls_leave_memory_at_the_baseline() {
    let dir = ScriptDir::new();
    dir.write(
        "call.lua",
        r#"local n2svcd = require "n2.n2svcd"
local api = require "n2.n2svcd.sip_incall"
local scc = ...
GLOBAL = { scc.call_id, scc.headers["user-agent"][1] }
local r = api.proceeding(183)
n2svcd.wait(1)
if scc.call_id == "fail" then error("failing on purpose") end
api.decline(486)"#,
    );
    let mut runner = dir.runner();
    let cycle = |runner: &mut LuaRunner, call: u64| {
        let mut ctx = context("call");
        if call.is_multiple_of(7) {
            ctx.call_id = "fail".into();
        }
        let mut step = runner.start(call, "call", &ctx);
        let mut n = 0;
        while let Step::Command(cmd) = step {
            n += 1;
            if call.is_multiple_of(5) && n == 2 {
                runner.abort(call);
                return;
            }
            step = runner.resume(call, flags(), default_reply(&cmd));
        }
        assert!(matches!(step, Step::Finished | Step::Failed(_)));
    };
    for call in 0..100 {
        cycle(&mut runner, call);
    }
    runner.collect_garbage();
    let baseline = runner.used_memory();
    for call in 100..10_100 {
        cycle(&mut runner, call);
    }
    assert_eq!(runner.active(), 0);
    runner.collect_garbage();
    let after = runner.used_memory();
    assert!(
        after < baseline + 16 * 1024,
        "memory grew from {baseline} to {after} bytes"
    );
}

#[test]
fn many_suspended_calls() {
    let dir = ScriptDir::new();
    dir.write("w.lua", "require('n2.n2svcd').wait(1)\n");
    let mut runner = dir.runner();
    runner.collect_garbage();
    let baseline = runner.used_memory();
    for call in 0..5_000 {
        assert!(matches!(
            runner.start(call, "w", &context("w")),
            Step::Command(_)
        ));
    }
    assert_eq!(runner.active(), 5_000);
    let per_call = (runner.used_memory() - baseline) / 5_000;
    assert!(per_call < 8 * 1024, "{per_call} bytes per suspended call");
    for call in 0..5_000 {
        assert_eq!(runner.resume(call, flags(), ok()), Step::Finished);
    }
    assert_eq!(runner.active(), 0);
}
