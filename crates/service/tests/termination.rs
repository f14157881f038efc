//! B-leg terminations (seed 003, plain mode): the seed's example scripts against a scripted
//! engine, the exact `Command::Termination` each call form produces, what scripts do with each
//! kind of result, `UNDEF`, and argument errors raised at the calling script line.

mod common;

use callctl_scc::{
    CallingParty, Command, ControlFlags, FailureKind, LogLevel, Reply, ScriptFailure,
    ScriptLocation, ScriptRunner, Step, Termination, Value,
};
use callctl_service::LuaRunner;
use common::*;

fn notice(message: &str, file: &str, line: u32) -> Command {
    Command::Log {
        level: LogLevel::Notice,
        message: message.into(),
        location: Some(ScriptLocation {
            file: file.into(),
            line,
        }),
    }
}

fn failed(step: Step) -> ScriptFailure {
    match step {
        Step::Failed(f) => f,
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// A result table as the engine builds it (seed 003), plus the control flags the engine
/// mirrors into the context with it.
struct Outcome {
    fields: Vec<(&'static str, Value)>,
    flags: ControlFlags,
}

impl Outcome {
    fn reply(&self) -> Reply {
        Reply::Value(Value::Table(
            self.fields
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.clone()))
                .collect(),
        ))
    }
}

fn outcome(
    controlled: bool,
    answered: bool,
    proceed_ok: bool,
    decline_ok: bool,
    reason: &str,
    extra: &[(&'static str, Value)],
) -> Outcome {
    let mut fields = vec![
        ("controlled", Value::Bool(controlled)),
        ("answered", Value::Bool(answered)),
        ("monitored", Value::Bool(false)),
        ("charged", Value::Bool(false)),
        ("proceed_ok", Value::Bool(proceed_ok)),
        ("decline_ok", Value::Bool(decline_ok)),
        ("reason", Value::str(reason)),
    ];
    fields.extend(extra.iter().cloned());
    Outcome {
        fields,
        flags: ControlFlags {
            controlled,
            proceed_ok,
            decline_ok,
        },
    }
}

/// B answered a plain call: the script keeps running but no longer controls it.
fn answered() -> Outcome {
    outcome(
        false,
        true,
        false,
        false,
        "Answered",
        &[
            ("code", Value::Int(200)),
            ("ring_dsm", Value::Int(42)),
            ("max_call_secs", Value::Int(3600)),
        ],
    )
}

/// B declined: the script still controls the A-leg and may decline it.
fn declined() -> Outcome {
    outcome(
        true,
        false,
        true,
        true,
        "Declined",
        &[("code", Value::Int(486))],
    )
}

/// No answer, the script controls the call but can no longer send a final error response.
fn no_answer_without_decline() -> Outcome {
    outcome(true, false, false, false, "No Answer", &[])
}

/// A hung up while B was being set up.
fn abandoned() -> Outcome {
    outcome(false, false, false, false, "Abandoned", &[])
}

/// Runs a call whose first command must be a termination, answered with `result`; every
/// later command gets the cooperative default reply with the flags of `result`.
fn run_termination(runner: &mut LuaRunner, key: &str, result: &Outcome) -> (Vec<Command>, Step) {
    let mut commands = Vec::new();
    let mut step = runner.start(1, key, &context(key));
    while let Step::Command(cmd) = step {
        let answer = match &cmd {
            Command::Termination(_) => result.reply(),
            other => default_reply(other),
        };
        commands.push(cmd);
        assert!(commands.len() < 100, "script does not end");
        step = runner.resume(1, result.flags, answer);
    }
    assert!(
        matches!(commands.first(), Some(Command::Termination(_))),
        "{commands:?}"
    );
    (commands, step)
}

/// The first example of seed 003, with its one syntax error corrected: the seed writes the
/// header name as `'ChargeRef' = {...}`, which is not Lua; `['ChargeRef'] = {...}` is what it
/// means.
const SEED_003_TERMINATION: &str = r#"local n2svcd = require "n2.n2svcd"
local incall_api = require "n2.n2svcd.sip_incall_service"
local sip_incall = ...
local result = incall_api.termination_attempt ({
address_digits = '1703' .. sip_incall.normalised_called_party,
no_answer_timeout = 60,
extra_headers = {
['ChargeRef'] = { 'XX-001234' } -- Header values must be contained in a list.
}
})
if (result.answered) then
n2svcd.notice ("CALL ANSWERED = YES")
else
if (result.controlled) then
n2svcd.notice ('Controlled after Reason = %s', result.reason)
if (result.decline_ok) then
incall_api.decline (633)
else
incall_api.hangup ()
end
else
n2svcd.notice ('Control Lost after Reason = %s', result.reason)
end
end
return"#;

fn seed_003_termination() -> Command {
    Command::Termination(Termination {
        address_digits: "17030800123".into(),
        no_answer_timeout: Some(60),
        extra_headers: vec![("ChargeRef".into(), "XX-001234".into())],
        ..Termination::default()
    })
}

#[test]
fn seed_003_termination_attempt_example_on_every_outcome() {
    let dir = ScriptDir::new();
    dir.write("term.lua", SEED_003_TERMINATION);
    let file = dir.file("term.lua");
    let mut runner = dir.runner();

    let (commands, step) = run_termination(&mut runner, "term", &answered());
    assert_eq!(step, Step::Finished);
    assert_eq!(
        commands,
        vec![
            seed_003_termination(),
            notice("CALL ANSWERED = YES", &file, 12)
        ]
    );

    let (commands, step) = run_termination(&mut runner, "term", &declined());
    assert_eq!(step, Step::Finished);
    assert_eq!(
        commands,
        vec![
            seed_003_termination(),
            notice("Controlled after Reason = Declined", &file, 15),
            Command::Decline {
                code: Some(633),
                reason: None,
                extra_headers: vec![],
            },
        ]
    );

    let (commands, step) = run_termination(&mut runner, "term", &no_answer_without_decline());
    assert_eq!(step, Step::Finished);
    assert_eq!(
        commands,
        vec![
            seed_003_termination(),
            notice("Controlled after Reason = No Answer", &file, 15),
            Command::Hangup {
                code: None,
                reason: None,
            },
        ]
    );

    let (commands, step) = run_termination(&mut runner, "term", &abandoned());
    assert_eq!(step, Step::Finished);
    assert_eq!(
        commands,
        vec![
            seed_003_termination(),
            notice("Control Lost after Reason = Abandoned", &file, 22),
        ]
    );
    assert_eq!(runner.active(), 0);
}

#[test]
fn a_suspended_termination_is_located_at_the_line_of_the_call() {
    let dir = ScriptDir::new();
    dir.write("term.lua", SEED_003_TERMINATION);
    let mut runner = dir.runner();
    let step = runner.start(7, "term", &context("term"));
    assert_eq!(step, Step::Command(seed_003_termination()));
    assert_eq!(
        runner.location(7),
        Some(ScriptLocation {
            file: dir.file("term.lua"),
            line: 4
        })
    );
    runner.abort(7);
    assert_eq!(runner.active(), 0);
}

#[test]
fn seed_003_connect_attempt_example() {
    let dir = ScriptDir::new();
    dir.write(
        "connect.lua",
        r#"local n2svcd = require "n2.n2svcd"
local incall_api = require "n2.n2svcd.sip_incall_service"
local sip_incall = ...
local result = incall_api.connect_attempt ('1703' .. sip_incall.normalised_called_party, 60)
if (result.answered) then
n2svcd.notice ("CALL ANSWERED = YES")
end
return"#,
    );
    let file = dir.file("connect.lua");
    let expected = Command::Termination(Termination {
        address_digits: "17030800123".into(),
        no_answer_timeout: Some(60),
        ..Termination::default()
    });
    let mut runner = dir.runner();

    let (commands, step) = run_termination(&mut runner, "connect", &answered());
    assert_eq!(step, Step::Finished);
    assert_eq!(
        commands,
        vec![expected.clone(), notice("CALL ANSWERED = YES", &file, 6)]
    );

    for result in [declined(), no_answer_without_decline(), abandoned()] {
        let (commands, step) = run_termination(&mut runner, "connect", &result);
        assert_eq!(step, Step::Finished);
        assert_eq!(commands, vec![expected.clone()]);
    }
}

#[test]
fn every_plain_field_reaches_the_command() {
    let dir = ScriptDir::new();
    dir.write(
        "full.lua",
        r#"local api = require "n2.n2svcd.sip_incall"
api.termination_attempt {
    address_digits = '+12ab*#F',
    calling_party = '+6441234567',
    is_calling_restricted = true,
    original_called_party = '0800123',
    no_answer_timeout = 30,
    max_call_secs = 604800,
    monitored = false,
    charged = false,
    extra_headers = {
        ['X-B'] = { 'second', 'first', 3 },
        ['X-A'] = 'scalar',
        ['X-Empty'] = {},
        ['P-Charging-Vector'] = { 'icid-value=1' },
    },
}
api.connect_attempt { called_party = '555', max_call_secs = 1 }
api.connect_attempt ('556', nil, 90)"#,
    );
    let mut runner = dir.runner();
    let (commands, step) = run(&mut runner, "full");
    assert_eq!(step, Step::Finished);
    assert_eq!(
        commands,
        vec![
            Command::Termination(Termination {
                address_digits: "+12ab*#F".into(),
                calling_party: CallingParty::Digits("+6441234567".into()),
                is_calling_restricted: Some(true),
                original_called_party: Some("0800123".into()),
                no_answer_timeout: Some(30),
                // Names sorted, each name's values in the script's order.
                extra_headers: vec![
                    ("P-Charging-Vector".into(), "icid-value=1".into()),
                    ("X-A".into(), "scalar".into()),
                    ("X-B".into(), "second".into()),
                    ("X-B".into(), "first".into()),
                    ("X-B".into(), "3".into()),
                ],
                max_call_secs: Some(604_800),
            }),
            Command::Termination(Termination {
                address_digits: "555".into(),
                max_call_secs: Some(1),
                ..Termination::default()
            }),
            Command::Termination(Termination {
                address_digits: "556".into(),
                max_call_secs: Some(90),
                ..Termination::default()
            }),
        ]
    );
}

#[test]
fn undef_and_false_suppress_the_calling_party() {
    let dir = ScriptDir::new();
    dir.write(
        "undef.lua",
        r#"local n2svcd = require "n2.n2svcd"
local api = require "n2.n2svcd.sip_incall"
local svc = require "n2.n2svcd.sip_incall_service"
api.termination_attempt { address_digits = '1', calling_party = n2svcd.UNDEF }
api.termination_attempt { address_digits = '2', calling_party = api.UNDEF }
svc.termination_attempt { address_digits = '3', calling_party = svc.UNDEF }
api.termination_attempt { address_digits = '4', calling_party = false }
api.termination_attempt { address_digits = '5', calling_party = nil }
api.termination_attempt { address_digits = '6' }
api.termination_attempt { address_digits = '7', calling_party = '#31#' }"#,
    );
    let mut runner = dir.runner();
    let (commands, step) = run(&mut runner, "undef");
    assert_eq!(step, Step::Finished);
    let parties: Vec<(String, CallingParty)> = commands
        .into_iter()
        .map(|c| match c {
            Command::Termination(t) => (t.address_digits, t.calling_party),
            other => panic!("expected a termination, got {other:?}"),
        })
        .collect();
    assert_eq!(
        parties,
        vec![
            ("1".into(), CallingParty::Suppressed),
            ("2".into(), CallingParty::Suppressed),
            ("3".into(), CallingParty::Suppressed),
            ("4".into(), CallingParty::Suppressed),
            ("5".into(), CallingParty::Default),
            ("6".into(), CallingParty::Default),
            ("7".into(), CallingParty::Digits("#31#".into())),
        ]
    );
}

#[test]
fn undef_is_one_value_that_scripts_can_neither_change_nor_forge() {
    let dir = ScriptDir::new();
    dir.write(
        "undef.lua",
        r#"local n2svcd = require "n2.n2svcd"
local api = require "n2.n2svcd.sip_incall"
local svc = require "n2.n2svcd.sip_incall_service"
local U = n2svcd.UNDEF
n2svcd.notice ("%s %s %s", tostring (U == api.UNDEF), tostring (U == svc.UNDEF), type (U))
n2svcd.notice (tostring (pcall (function () n2svcd.UNDEF = 1 end)))
n2svcd.notice (tostring (pcall (function () api.UNDEF = {} end)))
n2svcd.notice (tostring (pcall (function () U.x = 1 end)))
n2svcd.notice (tostring (pcall (function () return U.x end)))
n2svcd.notice (tostring (getmetatable (U)))
n2svcd.notice (tostring (pcall (setmetatable, U, {})))
n2svcd.notice (tostring (n2svcd.UNDEF == U))
n2svcd.debug_var ({ calling_party = U })"#,
    );
    let file = dir.file("undef.lua");
    let mut runner = dir.runner();
    let (commands, step) = run(&mut runner, "undef");
    assert_eq!(step, Step::Finished);
    assert_eq!(
        commands,
        vec![
            notice("true true userdata", &file, 5),
            notice("false", &file, 6),
            notice("false", &file, 7),
            notice("false", &file, 8),
            notice("false", &file, 9),
            notice("nil", &file, 10),
            notice("false", &file, 11),
            notice("true", &file, 12),
            notice("{\n  calling_party = UNDEF,\n}", &file, 13),
        ]
    );
}

#[test]
fn both_module_names_expose_the_same_api() {
    let dir = ScriptDir::new();
    dir.write(
        "modules.lua",
        r#"local n2svcd = require "n2.n2svcd"
local a = require "n2.n2svcd.sip_incall"
local b = require "n2.n2svcd.sip_incall_service"
local function keys (m)
    local out = {}
    for k, v in pairs (m) do
        out[#out + 1] = k .. "=" .. (type (v) == "string" and v or type (v))
    end
    table.sort (out)
    return table.concat (out, ",")
end
n2svcd.notice (keys (a))
n2svcd.notice (tostring (keys (a) == keys (b)))
local same = true
for k, v in pairs (a) do
    same = same and rawequal (b[k], v)
end
n2svcd.notice (tostring (same))"#,
    );
    let file = dir.file("modules.lua");
    let mut runner = dir.runner();
    let (commands, step) = run(&mut runner, "modules");
    assert_eq!(step, Step::Finished);
    assert_eq!(
        commands,
        vec![
            notice(
                "REASON_ABANDONED=Abandoned,REASON_ANSWERED=Answered,REASON_DECLINED=Declined,\
                 REASON_NO_ANSWER=No Answer,REASON_NO_ROUTE=No Route,UNDEF=userdata,\
                 charge_check=function,charge_extend=function,connect_attempt=function,\
                 connect_charged=function,connect_monitored=function,decline=function,\
                 hangup=function,inap_interaction=function,monitor_check=function,\
                 proceeding=function,redirect=function,ringing=function,\
                 rtp_interaction=function,termination_attempt=function",
                &file,
                12
            ),
            notice("true", &file, 13),
            notice("true", &file, 18),
        ]
    );
}

#[test]
fn context_flags_are_refreshed_when_the_termination_resumes() {
    let dir = ScriptDir::new();
    dir.write(
        "flags.lua",
        r#"local n2svcd = require "n2.n2svcd"
local api = require "n2.n2svcd.sip_incall"
local scc = ...
local function show (tag, r)
    n2svcd.notice ("%s controlled=%s proceed_ok=%s decline_ok=%s reason=%s", tag,
        tostring (scc.controlled), tostring (scc.proceed_ok), tostring (scc.decline_ok),
        tostring (r and r.reason))
end
show ("before")
local r = api.connect_attempt ('123')
show ("after", r)"#,
    );
    let file = dir.file("flags.lua");
    let mut runner = dir.runner();
    let cases = [
        (
            answered(),
            "after controlled=false proceed_ok=false decline_ok=false reason=Answered",
        ),
        (
            declined(),
            "after controlled=true proceed_ok=true decline_ok=true reason=Declined",
        ),
        (
            outcome(true, false, false, true, "No Route", &[]),
            "after controlled=true proceed_ok=false decline_ok=true reason=No Route",
        ),
        (
            abandoned(),
            "after controlled=false proceed_ok=false decline_ok=false reason=Abandoned",
        ),
    ];
    for (result, after) in cases {
        // The log before the termination is answered with the initial flags (all true).
        let mut commands = Vec::new();
        let mut step = runner.start(1, "flags", &context("flags"));
        while let Step::Command(cmd) = step {
            let (flags, answer) = match &cmd {
                Command::Termination(_) => (result.flags, result.reply()),
                Command::Log { .. } if commands.is_empty() => (flags(), default_reply(&cmd)),
                other => (result.flags, default_reply(other)),
            };
            commands.push(cmd);
            step = runner.resume(1, flags, answer);
        }
        assert_eq!(step, Step::Finished);
        assert_eq!(
            commands,
            vec![
                notice(
                    "before controlled=true proceed_ok=true decline_ok=true reason=nil",
                    &file,
                    5
                ),
                Command::Termination(Termination {
                    address_digits: "123".into(),
                    ..Termination::default()
                }),
                notice(after, &file, 5),
            ]
        );
    }
}

#[test]
fn an_engine_refusal_is_raised_at_the_calling_line() {
    let dir = ScriptDir::new();
    dir.write(
        "refused.lua",
        r#"local n2svcd = require "n2.n2svcd"
local api = require "n2.n2svcd.sip_incall"
local ok, message = pcall (api.connect_attempt, '123')
n2svcd.notice ("%s %s", tostring (ok), message)
api.termination_attempt { address_digits = '456' }
n2svcd.notice ("not reached")"#,
    );
    let mut runner = dir.runner();
    let (commands, step) = run_with(&mut runner, 1, "refused", |cmd| match cmd {
        Command::Termination(_) => {
            Reply::Error("termination_attempt: the call is no longer controlled".into())
        }
        other => default_reply(other),
    });
    assert_eq!(commands.len(), 3, "{commands:?}");
    assert_eq!(
        commands[1],
        notice(
            "false termination_attempt: the call is no longer controlled",
            &dir.file("refused.lua"),
            4
        )
    );
    let f = failed(step);
    assert_eq!(f.kind, FailureKind::Error);
    assert_eq!(
        f.message,
        "termination_attempt: the call is no longer controlled"
    );
    assert_eq!(
        f.location,
        Some(ScriptLocation {
            file: dir.file("refused.lua"),
            line: 5
        })
    );
    assert_eq!(runner.active(), 0);
}

/// Runs `body` (placed on line 3, after the two requires) and returns its failure, which must
/// come before any command and be located on line 3.
fn fails_on_line_3(body: &str) -> ScriptFailure {
    let dir = ScriptDir::new();
    dir.write(
        "s.lua",
        &format!(
            "local n2svcd = require \"n2.n2svcd\"\nlocal api = require \"n2.n2svcd.sip_incall\"\n{body}\nreturn"
        ),
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
    f
}

const DIGITS: &str = "a string of up to 64 digits (0-9, A-F, *, #) with an optional leading +";

#[test]
fn termination_argument_errors_name_the_method_and_field() {
    let fields = "address_digits, calling_party, is_calling_restricted, original_called_party, \
                  no_answer_timeout, extra_headers, max_call_secs, monitored, \
                  monitor_interval_secs, charged, grant_secs";
    let cases: Vec<(&str, String)> = vec![
        (
            "api.termination_attempt()",
            "termination_attempt: details must be a table (got nil)".into(),
        ),
        (
            "api.termination_attempt('0800123')",
            "termination_attempt: details must be a table (got \"0800123\")".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1' }, 60)",
            "termination_attempt: takes a single details table".into(),
        ),
        (
            "api.termination_attempt({})",
            format!("termination_attempt: address_digits is required ({DIGITS})"),
        ),
        (
            "api.termination_attempt({ no_answer_timeout = 60 })",
            format!("termination_attempt: address_digits is required ({DIGITS})"),
        ),
        (
            "api.termination_attempt({ address_digits = '12x4' })",
            format!("termination_attempt: address_digits must be {DIGITS} (got \"12x4\")"),
        ),
        (
            "api.termination_attempt({ address_digits = '1+2' })",
            format!("termination_attempt: address_digits must be {DIGITS} (got \"1+2\")"),
        ),
        (
            "api.termination_attempt({ address_digits = '+' })",
            format!("termination_attempt: address_digits must be {DIGITS} (got \"+\")"),
        ),
        (
            "api.termination_attempt({ address_digits = '' })",
            format!("termination_attempt: address_digits must be {DIGITS} (got \"\")"),
        ),
        (
            "api.termination_attempt({ address_digits = 8001234 })",
            format!("termination_attempt: address_digits must be {DIGITS} (got 8001234)"),
        ),
        (
            "api.termination_attempt({ address_digits = string.rep('1', 65) })",
            format!(
                "termination_attempt: address_digits must be {DIGITS} (got \"{}\"...)",
                "1".repeat(40)
            ),
        ),
        (
            "api.termination_attempt({ address_digits = n2svcd.UNDEF })",
            format!("termination_attempt: address_digits must be {DIGITS} (got UNDEF)"),
        ),
        (
            "api.termination_attempt({ address_digits = '1', monitored = true })",
            "termination_attempt: monitored calls are not supported yet".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', charged = true })",
            "termination_attempt: charged calls are not supported yet".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', grant_secs = 60 })",
            "termination_attempt: charged calls are not supported yet (grant_secs given)".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', monitored = false, monitor_interval_secs = 60 })",
            "termination_attempt: monitored calls are not supported yet (monitor_interval_secs given)"
                .into(),
        ),
        (
            // The mode is refused before the other fields are looked at.
            "api.termination_attempt({ charged = true, grant_secs = 60, address_digits = 'x' })",
            "termination_attempt: charged calls are not supported yet".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', monitored = 'yes' })",
            "termination_attempt: monitored must be a boolean (got \"yes\")".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', charged = 1 })",
            "termination_attempt: charged must be a boolean (got 1)".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', no_answer_secs = 60 })",
            format!(
                "termination_attempt: unknown field \"no_answer_secs\" in details (expected one of: {fields})"
            ),
        ),
        (
            "api.termination_attempt({ address_digits = '1', [1] = 'x' })",
            format!(
                "termination_attempt: unknown field 1 in details (expected one of: {fields})"
            ),
        ),
        (
            "api.termination_attempt({ address_digits = '1', extra_headers = { Via = { 'SIP/2.0/UDP x' } } })",
            "termination_attempt: extra_headers may not set Via (the SIP layer owns it)".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', extra_headers = { ['call-id'] = 'x' } })",
            "termination_attempt: extra_headers may not set call-id (the SIP layer owns it)".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', extra_headers = { Privacy = { 'none' } } })",
            "termination_attempt: extra_headers may not set Privacy (it is built from the call's calling party and its presentation)".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', extra_headers = { ['P-Asserted-Identity'] = { '<sip:1@x>' } } })",
            "termination_attempt: extra_headers may not set P-Asserted-Identity (it is built from the call's calling party and its presentation)".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', extra_headers = { ['X-A'] = { 'v\\r\\nVia: x' } } })",
            "termination_attempt: extra_headers[\"X-A\"] must not contain control characters (got \"v\\r\\nVia: x\")".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', extra_headers = { ['X-A'] = { { 'nested' } } } })",
            "termination_attempt: extra_headers[\"X-A\"] must be a string, number, boolean or an array of them (got table)".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', extra_headers = 'X-A: 1' })",
            "termination_attempt: extra_headers must be a table (got \"X-A: 1\")".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', no_answer_timeout = -5 })",
            "termination_attempt: no_answer_timeout must be an integer 1-86400 (got -5)".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', no_answer_timeout = 0 })",
            "termination_attempt: no_answer_timeout must be an integer 1-86400 (got 0)".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', no_answer_timeout = 86401 })",
            "termination_attempt: no_answer_timeout must be an integer 1-86400 (got 86401)".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', no_answer_timeout = 1.5 })",
            "termination_attempt: no_answer_timeout must be an integer 1-86400 (got 1.5)".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', no_answer_timeout = '60' })",
            "termination_attempt: no_answer_timeout must be an integer 1-86400 (got \"60\")".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', max_call_secs = 604801 })",
            "termination_attempt: max_call_secs must be an integer 1-604800 (got 604801)".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', max_call_secs = -1 })",
            "termination_attempt: max_call_secs must be an integer 1-604800 (got -1)".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', calling_party = true })",
            format!(
                "termination_attempt: calling_party must be {DIGITS}, or UNDEF to suppress it (got true)"
            ),
        ),
        (
            // Only the real sentinel suppresses; its name as a string is just bad digits.
            "api.termination_attempt({ address_digits = '1', calling_party = 'UNDEF' })",
            format!(
                "termination_attempt: calling_party must be {DIGITS}, or UNDEF to suppress it (got \"UNDEF\")"
            ),
        ),
        (
            "api.termination_attempt({ address_digits = '1', calling_party = {} })",
            format!(
                "termination_attempt: calling_party must be {DIGITS}, or UNDEF to suppress it (got table)"
            ),
        ),
        (
            "api.termination_attempt({ address_digits = '1', is_calling_restricted = 'yes' })",
            "termination_attempt: is_calling_restricted must be a boolean (got \"yes\")".into(),
        ),
        (
            "api.termination_attempt({ address_digits = '1', original_called_party = 'sip:1@x' })",
            format!(
                "termination_attempt: original_called_party must be {DIGITS} (got \"sip:1@x\")"
            ),
        ),
    ];
    for (body, message) in cases {
        let f = fails_on_line_3(body);
        assert_eq!(f.message, message, "{body}");
    }
}

#[test]
fn connect_and_unsupported_method_errors() {
    let cases: Vec<(&str, String)> = vec![
        (
            "api.connect_attempt()",
            format!("connect_attempt: called_party is required ({DIGITS})"),
        ),
        (
            "api.connect_attempt(8001234)",
            format!("connect_attempt: called_party must be {DIGITS} (got 8001234)"),
        ),
        (
            "api.connect_attempt('123', 0)",
            "connect_attempt: no_answer_timeout must be an integer 1-86400 (got 0)".into(),
        ),
        (
            "api.connect_attempt('123', nil, -1)",
            "connect_attempt: max_call_secs must be an integer 1-604800 (got -1)".into(),
        ),
        (
            "api.connect_attempt('123', 10, 3, 20)",
            "connect_attempt: takes at most 3 arguments (called_party, no_answer_timeout, max_call_secs)"
                .into(),
        ),
        (
            "api.connect_attempt{ called_party = '123', grant_secs = 30 }",
            "connect_attempt: unknown field \"grant_secs\" in the argument table (expected one of: called_party, no_answer_timeout, max_call_secs)".into(),
        ),
        (
            "api.connect_monitored('902112233', 10, 3, 20)",
            "connect_monitored: not supported yet".into(),
        ),
        (
            "api.connect_charged('902112233', nil, 30)",
            "connect_charged: not supported yet".into(),
        ),
        (
            "api.monitor_check()",
            "monitor_check: not supported yet".into(),
        ),
        ("api.charge_check()", "charge_check: not supported yet".into()),
        (
            "api.charge_extend(30)",
            "charge_extend: not supported yet".into(),
        ),
        (
            "api.rtp_interaction({ message_id = 1 })",
            "rtp_interaction: not supported yet".into(),
        ),
        (
            "api.inap_interaction('srf', 1)",
            "inap_interaction: not supported yet".into(),
        ),
    ];
    for (body, message) in cases {
        let f = fails_on_line_3(body);
        assert_eq!(f.message, message, "{body}");
    }
}

#[test]
fn an_argument_error_in_a_multi_line_call_points_at_the_call() {
    let dir = ScriptDir::new();
    dir.write(
        "multi.lua",
        r#"local incall_api = require "n2.n2svcd.sip_incall_service"
local sip_incall = ...
local result = incall_api.termination_attempt ({
    address_digits = '1703' .. sip_incall.normalised_called_party,
    monitored = true,
    max_call_secs = 600,
    monitor_interval_secs = 60
})"#,
    );
    let mut runner = dir.runner();
    let (commands, step) = run(&mut runner, "multi");
    assert!(commands.is_empty(), "{commands:?}");
    let f = failed(step);
    assert_eq!(
        f.message,
        "termination_attempt: monitored calls are not supported yet"
    );
    assert_eq!(
        f.location,
        Some(ScriptLocation {
            file: dir.file("multi.lua"),
            line: 3
        })
    );
}

#[test]
fn argument_errors_can_be_caught_and_the_call_goes_on() {
    let dir = ScriptDir::new();
    dir.write(
        "caught.lua",
        r#"local n2svcd = require "n2.n2svcd"
local api = require "n2.n2svcd.sip_incall"
local ok, message = pcall (api.termination_attempt, { address_digits = '1', charged = true })
n2svcd.notice ("%s %s", tostring (ok), message)
local result = api.connect_attempt ('1703')
n2svcd.notice (result.reason)"#,
    );
    let file = dir.file("caught.lua");
    let mut runner = dir.runner();
    let (commands, step) = run_with(&mut runner, 1, "caught", |cmd| match cmd {
        Command::Termination(_) => declined().reply(),
        other => default_reply(other),
    });
    assert_eq!(step, Step::Finished);
    assert_eq!(
        commands,
        vec![
            notice(
                "false termination_attempt: charged calls are not supported yet",
                &file,
                4
            ),
            Command::Termination(Termination {
                address_digits: "1703".into(),
                ..Termination::default()
            }),
            notice("Declined", &file, 6),
        ]
    );
}
