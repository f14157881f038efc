//! The Lua service runtime: runs one script instance per call, sans-IO.
//!
//! # Role
//!
//! [`LuaRunner`] implements [`callctl_scc::ScriptRunner`] for one worker thread. It owns one
//! Lua 5.4 state and runs every call's script in its own coroutine. It never reads the clock,
//! never blocks and does no I/O other than reading script files from the configured script
//! directories. The call engine drives it with the loop documented in `callctl_scc`:
//!
//! ```text
//! start(call, key, ctx) -> Step ─┐
//!   Step::Command(cmd)   -> carry it out, then resume(call, flags, reply) -> Step ...
//!   Step::Finished       -> the script returned
//!   Step::Failed(f)      -> load / runtime error / budget / memory; the instance is gone
//! ```
//!
//! Inputs: the script key and [`callctl_scc::CallContext`] at start, then the engine's
//! [`callctl_scc::Reply`] and [`callctl_scc::ControlFlags`] for every command. Outputs:
//! [`callctl_scc::Step`]s. `abort` drops an instance without running it further.
//!
//! # Scripts
//!
//! Script key `k` is the file `<dir>/k.lua` in the first configured directory that has it,
//! compiled once per runner and kept until [`LuaRunner::reload`] (failures are kept too, so a
//! broken script is not re-read for every call). Calls already running keep the code they
//! started with. Both script forms of the platform work: a chunk that reads the call context
//! from `...` and does its work, and a chunk that returns `n2svcd.handler(fn)`, after which
//! `fn(context)` runs in the same coroutine.
//!
//! Each call has its own globals table (`_ENV`, also `_G`) that falls back to the shared,
//! read-only sandbox, so globals set by one call are never seen by another. Preloaded globals
//! (platform §6.2): `TRACE_LEVEL`, `SCRIPT_NAME`, `SCRIPT_VERSION` (file modification time in
//! seconds), `APPLICATION_NAME`, `SERVICE_MODULE`, `LOADER_MODULE`, `INSTANCE_IDX` (the call
//! key in hex); `REQUIRE_LIST` is nil.
//!
//! The context table holds the fields of `CallContext`, the control flags (`proceed_ok`,
//! `decline_ok`, `controlled`, refreshed before every resume) and `headers` (alias
//! `invite_headers`): lower-case header name (compact forms expanded) to the list of its
//! values in order.
//!
//! # Sandbox
//!
//! Scripts get the base library without `dofile`, `loadfile`, `load`, `collectgarbage`,
//! `print` and `warn`, plus `string` (without `dump`), `table`, `math`, `utf8` and
//! `coroutine`. There is no `io`, `os`, `debug` or `package`: `os.time`/`os.date` were left
//! out on purpose, as reading the clock would make a script's behaviour depend on when it ran
//! and the runtime is deterministic by design. Library and module tables are frozen proxies
//! (writes and `rawset` fail, metatables are protected), the string metatable is protected,
//! and `setmetatable` refuses `__gc`, since finalizers run outside the budget hook.
//!
//! `require` resolves `n2.n2svcd` and `n2.n2svcd.sip_incall_service` (alias
//! `n2.n2svcd.sip_incall`) to the built-in modules; any other `a.b.c` loads `a/b/c.lua` from
//! the script directories (plain name segments only). User modules are compiled once per
//! runner but run once per call, in the call's environment, so their state is per call too.
//!
//! The incall module offers `proceeding`, `ringing`, `decline`, `redirect`, `hangup` and, for
//! B-leg terminations (seed 003), `termination_attempt` and `connect_attempt` in plain mode,
//! plus the `REASON_*` constants. Monitored and charged calls (`monitored`/`charged` in the
//! details, `connect_monitored`, `connect_charged`, `monitor_check`, `charge_check`,
//! `charge_extend`) and media interactions (`rtp_interaction`, `inap_interaction`) raise
//! "not supported yet". `UNDEF` (`n2svcd.UNDEF`, also on the incall module) is the value a
//! script passes where nil already means "the default", as for `calling_party`: a light
//! userdata made in Rust, so no script can forge or modify it.
//!
//! # How API calls reach the engine
//!
//! Every API function is a small Lua wrapper (`src/runtime.lua`) around a Rust checker
//! (`src/args.rs`). The checker validates the arguments and either stages a
//! [`callctl_scc::Command`] or returns a message naming the method and argument, which the
//! wrapper raises at the script line that called it. A staged command is followed by
//! `coroutine.yield(MARK)`, MARK being a private light userdata no script can produce; the
//! runner turns that yield into `Step::Command`. On resume the wrapper returns the reply's
//! value, or raises `Reply::Error`'s text at the calling script line. When a script wraps API
//! calls in coroutines of its own, the sandbox's `coroutine.resume`/`wrap` pass such yields on
//! to the engine and its answer back in.
//!
//! # Budget and memory
//!
//! A count hook runs every 10,000 VM instructions in every coroutine of the state, and every
//! coroutine a script creates is charged 10,000 instructions up front (a fresh coroutine runs
//! that long before its first hook). When an instance has run more than `instruction_budget`
//! instructions since it was last started or resumed, the hook yields (pcall cannot catch a
//! yield) and the instance fails with `FailureKind::Budget` at the script line where it was
//! stopped. Where a yield is impossible (inside a C function such as `table.sort`) the hook
//! raises an error instead, and every catch point a script has (`pcall`, `xpcall`,
//! `coroutine.resume`/`wrap`/`close`) re-raises it. The hook cannot interrupt a single
//! long-running C function (a pathological `string.find` pattern, for instance). The memory
//! limit applies to the whole state; an allocation failure that ends a script is reported as
//! `FailureKind::Memory`.

mod args;
mod failure;
mod runner;

pub use runner::{LuaRunner, RuntimeConfig, RuntimeError};
