//! Failures: argument errors and engine refusals raised at the calling script line, runtime
//! and load errors, and misuse of the runner.

mod common;

use callctl_scc::{
    Command, FailureKind, LogLevel, Reply, ScriptFailure, ScriptLocation, ScriptRunner, Step,
};
use common::*;

fn failed(step: Step) -> ScriptFailure {
    match step {
        Step::Failed(f) => f,
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// Runs `body` (placed on line 3, after the two requires) and returns its failure.
fn fails_on_line_3(body: &str) -> (ScriptFailure, String) {
    let dir = ScriptDir::new();
    dir.write(
        "s.lua",
        &format!("local n2svcd = require \"n2.n2svcd\"\nlocal api = require \"n2.n2svcd.sip_incall\"\n{body}\nreturn"),
    );
    let mut runner = dir.runner();
    let (commands, step) = run(&mut runner, "s");
    assert!(
        commands.is_empty(),
        "{body}: unexpected commands {commands:?}"
    );
    let f = failed(step);
    assert_eq!(f.kind, FailureKind::Error, "{body}: {f:?}");
    assert_eq!(
        f.location,
        Some(ScriptLocation {
            file: dir.file("s.lua"),
            line: 3
        }),
        "{body}: {f:?}"
    );
    assert_eq!(runner.active(), 0);
    (f, body.to_string())
}

#[test]
fn argument_errors_name_method_and_argument_at_the_script_line() {
    let cases = [
        ("api.decline(200)", "decline: code must be an integer 300-699 (got 200)"),
        ("api.decline('486')", "decline: code must be an integer 300-699 (got \"486\")"),
        ("api.decline(486.5)", "decline: code must be an integer 300-699 (got 486.5)"),
        ("api.decline(486, 'busy')", "decline: reason must be a table (got \"busy\")"),
        (
            "api.decline(486, { protocol = 'ISUP' })",
            "decline: reason.protocol must be \"SIP\" or \"Q.850\" (got \"ISUP\")",
        ),
        (
            "api.decline(486, { protocol = 'Q.850', cause = 300 })",
            "decline: reason.cause must be an integer 1-127 for Q.850 (got 300)",
        ),
        (
            "api.decline(486, { text = 'a\\r\\nVia: x' })",
            "decline: reason.text must not contain control characters (got \"a\\r\\nVia: x\")",
        ),
        (
            "api.decline{ code = 486, reasn = {} }",
            "decline: unknown field \"reasn\" in the argument table (expected one of: code, reason, extra_headers)",
        ),
        (
            "api.decline(486, nil, { Via = 'x' })",
            "decline: extra_headers may not set Via (the SIP layer owns it)",
        ),
        (
            "api.decline(486, nil, { ['X-A'] = 'v\\r\\nInjected: 1' })",
            "decline: extra_headers[\"X-A\"] must not contain control characters (got \"v\\r\\nInjected: 1\")",
        ),
        (
            "api.decline(486, nil, { ['bad name'] = 'v' })",
            "decline: extra_headers names must be header names (got \"bad name\")",
        ),
        (
            "api.decline(486, nil, { ['X-A'] = { x = 1 } })",
            "decline: extra_headers[\"X-A\"] must be a scalar or an array of scalars",
        ),
        ("api.proceeding(100)", "proceeding: code 100 is sent automatically"),
        ("api.proceeding()", "proceeding: code must be an integer 101-199 (got nil)"),
        ("api.proceeding(200)", "proceeding: code must be an integer 101-199 (got 200)"),
        ("api.proceeding(183, 0)", "proceeding: secs must be an integer 1-86400 (got 0)"),
        (
            "api.ringing('x')",
            "ringing: extra_headers must be a table (got \"x\")",
        ),
        (
            "api.redirect('0064+555')",
            "redirect: contact_user must be a string of up to 64 digits (0-9, A-F, *, #) with an optional leading + (got \"0064+555\")",
        ),
        (
            "api.redirect(645559999)",
            "redirect: contact_user must be a string of up to 64 digits (0-9, A-F, *, #) with an optional leading + (got 645559999)",
        ),
        ("api.hangup(299)", "hangup: code must be an integer 300-699 (got 299)"),
        ("api.hangup{ code = 700 }", "hangup: code must be an integer 300-699 (got 700)"),
        ("n2svcd.wait(-1)", "wait: seconds must be a number 0-86400 (got -1)"),
        ("n2svcd.wait('5')", "wait: seconds must be a number 0-86400 (got \"5\")"),
        ("n2svcd.wait(0/0)", "wait: seconds must be a number 0-86400 (got NaN)"),
        ("n2svcd.notice('%d', 'x')", "notice: bad argument #2 to 'string.format' (number expected, got string)"),
        ("n2svcd.handler(nil)", "handler: argument must be a function (got nil)"),
        ("api.connect_monitored('123', 10, 3)", "connect_monitored: not supported yet"),
        ("api.rtp_interaction({ message_id = 1 })", "rtp_interaction: not supported yet"),
        ("api.inap_interaction('srf', 1)", "inap_interaction: not supported yet"),
        ("api.connect_charged()", "connect_charged: not supported yet"),
    ];
    for (body, message) in cases {
        let (f, body) = fails_on_line_3(body);
        assert_eq!(f.message, message, "{body}");
    }
}

#[test]
fn argument_error_inside_a_handler_function() {
    let dir = ScriptDir::new();
    dir.write(
        "h.lua",
        r#"local n2svcd = require "n2.n2svcd"
local api = require "n2.n2svcd.sip_incall"
return n2svcd.handler(function (scc)
    local function helper()
        api.hangup(42)
    end
    helper()
end)"#,
    );
    let mut runner = dir.runner();
    let f = failed(run(&mut runner, "h").1);
    assert_eq!(
        f.message,
        "hangup: code must be an integer 300-699 (got 42)"
    );
    assert_eq!(
        f.location,
        Some(ScriptLocation {
            file: dir.file("h.lua"),
            line: 5
        })
    );
}

#[test]
fn engine_error_reply_is_raised_at_the_script_line() {
    let dir = ScriptDir::new();
    dir.write(
        "refused.lua",
        r#"local api = require "n2.n2svcd.sip_incall"
local scc = ...
api.ringing()
api.decline(486)
return"#,
    );
    let mut runner = dir.runner();
    let (commands, step) = run_with(&mut runner, 3, "refused", |cmd| match cmd {
        Command::Decline { .. } => {
            Reply::Error("decline: a final response was already sent".into())
        }
        other => default_reply(other),
    });
    assert_eq!(commands.len(), 2);
    let f = failed(step);
    assert_eq!(f.kind, FailureKind::Error);
    assert_eq!(f.message, "decline: a final response was already sent");
    assert_eq!(
        f.location,
        Some(ScriptLocation {
            file: dir.file("refused.lua"),
            line: 4
        })
    );
}

#[test]
fn engine_error_reply_can_be_caught() {
    let dir = ScriptDir::new();
    dir.write(
        "caught.lua",
        r#"local n2svcd = require "n2.n2svcd"
local api = require "n2.n2svcd.sip_incall"
local ok, err = pcall(api.decline, 486)
n2svcd.notice("%s %s", tostring(ok), err)
api.hangup()"#,
    );
    let mut runner = dir.runner();
    let (commands, step) = run_with(&mut runner, 3, "caught", |cmd| match cmd {
        Command::Decline { .. } => Reply::Error("decline: not allowed now".into()),
        other => default_reply(other),
    });
    assert_eq!(step, Step::Finished);
    // Called through pcall, level 2 is pcall itself (a C function): no file:line prefix.
    assert!(
        matches!(&commands[1], Command::Log { level: LogLevel::Notice, message, .. } if message == "false decline: not allowed now"),
        "{commands:?}"
    );
    assert_eq!(
        commands[2],
        Command::Hangup {
            code: None,
            reason: None
        }
    );
}

#[test]
fn runtime_errors_carry_message_and_location() {
    let dir = ScriptDir::new();
    dir.write("nil.lua", "local scc = ...\nlocal t = nil\nt.x = 1\n");
    dir.write("table.lua", "local scc = ...\n\nerror({ code = 1 })\n");
    dir.write(
        "level0.lua",
        "local function f()\n  error('plain', 0)\nend\nf()\n",
    );
    dir.write(
        "tostr.lua",
        "error(setmetatable({}, { __tostring = function() return 'custom' end }))\n",
    );
    dir.write("badarg.lua", "local x = 1\nsetmetatable(nil, {})\n");
    let mut runner = dir.runner();

    let f = failed(run(&mut runner, "nil").1);
    assert_eq!(f.kind, FailureKind::Error);
    assert_eq!(f.message, "attempt to index a nil value (local 't')");
    assert_eq!(
        f.location,
        Some(ScriptLocation {
            file: dir.file("nil.lua"),
            line: 3
        })
    );

    let f = failed(run(&mut runner, "table").1);
    assert!(f.message.starts_with("table: "), "{f:?}");
    assert_eq!(
        f.location,
        Some(ScriptLocation {
            file: dir.file("table.lua"),
            line: 3
        })
    );

    let f = failed(run(&mut runner, "level0").1);
    assert_eq!(f.message, "plain");
    assert_eq!(
        f.location,
        Some(ScriptLocation {
            file: dir.file("level0.lua"),
            line: 2
        })
    );

    let f = failed(run(&mut runner, "tostr").1);
    assert_eq!(f.message, "custom");
    assert_eq!(
        f.location,
        Some(ScriptLocation {
            file: dir.file("tostr.lua"),
            line: 1
        })
    );

    let f = failed(run(&mut runner, "badarg").1);
    assert!(
        f.message.starts_with("bad argument #1 to 'setmetatable'"),
        "{f:?}"
    );
    assert_eq!(
        f.location,
        Some(ScriptLocation {
            file: dir.file("badarg.lua"),
            line: 2
        })
    );
    assert_eq!(runner.active(), 0);
}

#[test]
fn load_failures() {
    let dir = ScriptDir::new();
    dir.write("broken.lua", "local scc = ...\n\nif then\n");
    dir.write("extra_end.lua", "local x = 1\nend\n");
    dir.write(
        "shebang.lua",
        "#!/usr/bin/env lua\nlocal scc = ...\nerror('line three')\n",
    );
    let mut runner = dir.runner();

    let f = failed(runner.start(1, "missing", &context("missing")));
    assert_eq!(f.kind, FailureKind::Load);
    assert!(f.message.contains("script 'missing' not found"), "{f:?}");

    let f = failed(runner.start(1, "broken", &context("broken")));
    assert_eq!(f.kind, FailureKind::Load);
    assert!(f.message.contains("unexpected symbol near 'then'"), "{f:?}");
    assert_eq!(
        f.location,
        Some(ScriptLocation {
            file: dir.file("broken.lua"),
            line: 3
        })
    );

    let f = failed(runner.start(1, "extra_end", &context("extra_end")));
    assert_eq!(f.kind, FailureKind::Load);
    assert_eq!(f.location.map(|l| l.line), Some(2));

    for key in ["../etc/passwd", "/abs", "a//b", ""] {
        let f = failed(runner.start(1, key, &context(key)));
        assert_eq!(f.kind, FailureKind::Load, "{key}");
    }

    assert!(runner.check_script("broken").is_err());
    assert!(runner.check_script("shebang").is_ok());
    let f = failed(run(&mut runner, "shebang").1);
    assert_eq!(f.message, "line three");
    assert_eq!(
        f.location,
        Some(ScriptLocation {
            file: dir.file("shebang.lua"),
            line: 3
        })
    );
    assert_eq!(runner.active(), 0);
}

#[test]
fn unknown_instances_and_duplicate_keys() {
    let dir = ScriptDir::new();
    dir.write("wait.lua", "require('n2.n2svcd').wait(1)\n");
    let mut runner = dir.runner();
    let f = failed(runner.resume(99, flags(), Reply::Value(callctl_scc::Value::Nil)));
    assert_eq!(f.message, "no such script instance");
    runner.abort(99);

    assert!(matches!(
        runner.start(5, "wait", &context("wait")),
        Step::Command(Command::Wait { .. })
    ));
    let f = failed(runner.start(5, "wait", &context("wait")));
    assert_eq!(f.kind, FailureKind::Error);
    assert_eq!(runner.active(), 1);
    runner.abort(5);
    assert_eq!(runner.active(), 0);
    let f = failed(runner.resume(5, flags(), Reply::Value(callctl_scc::Value::Bool(true))));
    assert_eq!(f.message, "no such script instance");
}

#[test]
fn yield_from_the_main_body_fails() {
    let dir = ScriptDir::new();
    dir.write("y.lua", "local scc = ...\ncoroutine.yield(1)\n");
    let mut runner = dir.runner();
    let f = failed(run(&mut runner, "y").1);
    assert_eq!(f.kind, FailureKind::Error);
    assert_eq!(runner.active(), 0);
}
