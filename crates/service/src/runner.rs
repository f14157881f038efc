//! [`LuaRunner`]: one Lua state, the compiled-script cache and the live call instances.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ffi::c_void;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::UNIX_EPOCH;

use callctl_scc::{
    CallContext, CallKey, Command, ControlFlags, FailureKind, LogLevel, Reply, ScriptFailure,
    ScriptLocation, ScriptRunner, Step, Value,
};
use mlua::chunk::ChunkMode;
use mlua::debug::Debug;
use mlua::thread::ThreadStatus;
use mlua::{
    Function, HookTriggers, LightUserData, Lua, LuaOptions, LuaString, MultiValue, StdLib, Table,
    Thread, Value as LuaValue, Variadic, VmState,
};

use crate::args;
use crate::failure::{failure, frame_location, from_lua_error};

/// How often (in VM instructions) the budget hook calls into Rust. Lua 5.4 counts every
/// instruction once a count hook is set (a few percent of VM time, whatever the interval); the
/// interval only sets how often the callback runs and how far past its budget a script can get.
const HOOK_INTERVAL: u32 = 10_000;

/// The smallest memory limit accepted: below this the runtime's own tables do not fit.
const MIN_MEMORY_LIMIT: usize = 1024 * 1024;

/// Chunk name of the embedded runtime; bracketed so that failure locations skip it.
const RUNTIME_CHUNK: &str = "=[callctl]";

/// Settings of one runner.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeConfig {
    /// Where scripts (`<key>.lua`) and user modules (`a/b/c.lua` for `require "a.b.c"`) are
    /// looked up, in order; the first directory that has the file wins.
    pub script_dirs: Vec<PathBuf>,
    /// `TRACE_LEVEL` seen by scripts; `n2svcd.debug` only logs at 1 or more.
    pub trace_level: u8,
    /// VM instructions a script may run between two engine commands before it is stopped.
    pub instruction_budget: u64,
    /// Memory limit of the whole Lua state (all calls of this runner together).
    pub memory_limit_bytes: usize,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            script_dirs: vec![PathBuf::from("scripts")],
            trace_level: 0,
            instruction_budget: 50_000_000,
            memory_limit_bytes: 512 * 1024 * 1024,
        }
    }
}

/// Why a runner could not be created.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The configuration cannot work.
    #[error("invalid runtime configuration: {0}")]
    Config(String),
    /// Setting up the Lua state failed (in practice: out of memory).
    #[error("cannot set up the Lua runtime: {0}")]
    Setup(String),
}

impl From<mlua::Error> for RuntimeError {
    fn from(e: mlua::Error) -> Self {
        RuntimeError::Setup(e.to_string())
    }
}

/// Instruction accounting of the instance that is running (there is at most one per state).
#[derive(Default)]
struct Budget {
    limit: u64,
    /// Set while a script instance runs; the hook ignores the runner's own Lua calls.
    armed: Cell<bool>,
    used: Cell<u64>,
    exhausted: Cell<bool>,
    /// The hook already asked for a yield; if it fires again the yield did not happen (the
    /// script was inside a C function such as `table.sort`), so it raises an error instead.
    yield_tried: Cell<bool>,
    stopped_at: RefCell<Option<ScriptLocation>>,
}

impl Budget {
    fn arm(&self) {
        self.used.set(0);
        self.exhausted.set(false);
        self.yield_tried.set(false);
        if let Ok(mut at) = self.stopped_at.try_borrow_mut() {
            *at = None;
        }
        self.armed.set(true);
    }

    /// Counts `instructions` against the running instance; true when this made it go over
    /// its budget (the caller then records where).
    fn charge(&self, instructions: u64) -> bool {
        if !self.armed.get() {
            return false;
        }
        let used = self.used.get().saturating_add(instructions);
        self.used.set(used);
        used > self.limit && !self.exhausted.replace(true)
    }

    fn record_stop(&self, at: Option<ScriptLocation>) {
        if let Ok(mut slot) = self.stopped_at.try_borrow_mut() {
            *slot = at;
        }
    }

    /// Ends a run; `Some(location)` when the instance went over its budget.
    fn disarm(&self) -> Option<Option<ScriptLocation>> {
        self.armed.set(false);
        if self.exhausted.replace(false) {
            Some(
                self.stopped_at
                    .try_borrow_mut()
                    .ok()
                    .and_then(|mut at| at.take()),
            )
        } else {
            None
        }
    }
}

/// State shared between the runner and the Rust functions it hands to Lua.
struct Shared {
    /// The command staged by an API checker, taken by the runner when the coroutine yields.
    pending: Cell<Option<Command>>,
    /// The script line that staged `pending`.
    pending_at: RefCell<Option<ScriptLocation>>,
    budget: Budget,
    script_dirs: Vec<PathBuf>,
    /// Compiled user modules by module name; cleared by `reload`.
    modules: RefCell<HashMap<String, Function>>,
    /// Every chunk name compiled so far, to expand names Lua shortened in messages.
    chunk_names: RefCell<Vec<String>>,
}

impl Shared {
    fn known_names(&self) -> Vec<String> {
        self.chunk_names
            .try_borrow()
            .map(|n| n.clone())
            .unwrap_or_default()
    }

    fn remember_name(&self, name: &str) {
        if let Ok(mut names) = self.chunk_names.try_borrow_mut() {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }
}

/// A compiled script: the factory that, given a call's environment, returns the script's
/// main function.
struct Compiled {
    factory: Function,
    name: LuaString,
    version: LuaString,
}

/// One call's suspended script.
struct Instance {
    thread: Thread,
    /// Where the script is suspended (the line of its last API call).
    location: Option<ScriptLocation>,
    /// The call context table, kept to mirror the control flags before every resume.
    context: Table,
}

/// The Lua runtime of one worker thread: runs one coroutine per call, sans-IO. See the crate
/// documentation for the driving contract and the sandbox.
pub struct LuaRunner {
    config: RuntimeConfig,
    shared: Rc<Shared>,
    driver: Function,
    new_context: Function,
    scripts: HashMap<String, Result<Rc<Compiled>, ScriptFailure>>,
    instances: HashMap<CallKey, Instance>,
    // Declared last so it is dropped after every handle above.
    lua: Lua,
}

/// The address of this static is the yield marker: a light userdata that Lua code cannot
/// create, so only the runtime's API wrappers can produce a yield the engine acts on.
static MARK_ANCHOR: u8 = 0;

fn mark() -> LightUserData {
    LightUserData(std::ptr::addr_of!(MARK_ANCHOR) as *mut c_void)
}

fn is_mark(v: Option<&LuaValue>) -> bool {
    matches!(v, Some(LuaValue::LightUserData(ud)) if ud.0 == mark().0)
}

/// A script or module name must stay inside the script directories: plain path segments only.
fn safe_segments<'a>(mut segments: impl Iterator<Item = &'a str>) -> bool {
    segments.all(|s| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
    })
}

/// Script text as Lua would read it from a file: without a UTF-8 byte order mark, and with a
/// `#!` first line blanked (the stand-alone interpreter skips it), keeping line numbers.
fn script_text(source: &[u8]) -> &[u8] {
    let body = source.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(source);
    if body.first() == Some(&b'#') {
        let end = body.iter().position(|&b| b == b'\n').unwrap_or(body.len());
        return &body[end..];
    }
    body
}

/// Lua text wrapped as a factory: `local _ENV = ...; return function(...)` on the script's
/// first line keeps every line number, and gives each call its own globals table without
/// recompiling.
fn wrap_source(body: &[u8]) -> Vec<u8> {
    let prefix: &[u8] = b"local _ENV = ...; return function(...) ";
    let suffix: &[u8] = b"\nend";
    let mut out = Vec::with_capacity(prefix.len() + body.len() + suffix.len());
    out.extend_from_slice(prefix);
    out.extend_from_slice(body);
    out.extend_from_slice(suffix);
    out
}

fn compile(lua: &Lua, shared: &Shared, path: &Path, source: &[u8]) -> mlua::Result<Function> {
    let display = path.display().to_string();
    shared.remember_name(&display);
    let body = script_text(source);
    let chunk_name = format!("@{display}");
    lua.load(wrap_source(body))
        .set_name(chunk_name.as_str())
        .set_mode(ChunkMode::Text)
        .into_function()
        .map_err(|wrapped_error| {
            // Errors such as a stray `end` would be reported against the wrapper's closing
            // `end`; the unwrapped text gives the message a script author expects.
            match lua
                .load(body)
                .set_name(chunk_name.as_str())
                .set_mode(ChunkMode::Text)
                .into_function()
            {
                Err(plain_error) => plain_error,
                Ok(_) => wrapped_error,
            }
        })
}

/// The first script directory holding `relative`.
fn find_file(dirs: &[PathBuf], relative: &str) -> Option<(PathBuf, std::fs::Metadata)> {
    dirs.iter().find_map(|dir| {
        let path = dir.join(relative);
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => Some((path, meta)),
            _ => None,
        }
    })
}

fn dirs_text(dirs: &[PathBuf]) -> String {
    dirs.iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `require` of a user module: resolve, read and compile once per runner.
fn load_module(lua: &Lua, shared: &Shared, name: &str) -> Result<Function, String> {
    if let Some(f) = shared
        .modules
        .try_borrow()
        .ok()
        .and_then(|m| m.get(name).cloned())
    {
        return Ok(f);
    }
    if !safe_segments(name.split('.')) || name.contains('/') || name.contains('\\') {
        return Err(format!("require: bad module name '{name}'"));
    }
    let relative = format!("{}.lua", name.replace('.', "/"));
    let Some((path, _)) = find_file(&shared.script_dirs, &relative) else {
        return Err(format!(
            "require: module '{name}' not found ({relative} in {})",
            dirs_text(&shared.script_dirs)
        ));
    };
    let source = std::fs::read(&path)
        .map_err(|e| format!("require: cannot read {}: {e}", path.display()))?;
    let factory = compile(lua, shared, &path, &source).map_err(|e| {
        let f = from_lua_error(FailureKind::Load, &e, &shared.known_names());
        match f.location {
            Some(at) => format!(
                "require: module '{name}' does not compile: {at}: {}",
                f.message
            ),
            None => format!("require: module '{name}' does not compile: {}", f.message),
        }
    })?;
    if let Ok(mut modules) = shared.modules.try_borrow_mut() {
        modules.insert(name.to_string(), factory.clone());
    }
    Ok(factory)
}

/// Registers a checker as a Lua function following the protocol of `api` in runtime.lua.
fn checker<F>(lua: &Lua, shared: &Rc<Shared>, check: F) -> mlua::Result<Function>
where
    F: Fn(&Lua, &MultiValue) -> args::Checked + 'static,
{
    let shared = Rc::clone(shared);
    lua.create_function(move |lua, a: MultiValue| match check(lua, &a) {
        Ok(Some(command)) => {
            shared.pending.set(Some(command));
            if let Ok(mut at) = shared.pending_at.try_borrow_mut() {
                *at = args::caller_location(lua);
            }
            Ok(LuaValue::Nil)
        }
        Ok(None) => Ok(LuaValue::Boolean(false)),
        Err(message) => Ok(LuaValue::String(lua.create_string(message)?)),
    })
}

fn log_checker(
    lua: &Lua,
    shared: &Rc<Shared>,
    level: LogLevel,
    method: &'static str,
    enabled: bool,
) -> mlua::Result<Function> {
    let string: Table = lua.globals().get("string")?;
    let format: Function = string.get("format")?;
    let tostring: Function = lua.globals().get("tostring")?;
    checker(lua, shared, move |lua, a| {
        if !enabled {
            return Ok(None);
        }
        args::log(lua, level, method, a, &format, &tostring)
    })
}

/// Where a runaway script was stopped: the innermost frame from a script file, starting with
/// the hook's own frame when there is one.
fn stop_location(lua: &Lua, debug: Option<&Debug>) -> Option<ScriptLocation> {
    debug
        .and_then(frame_location)
        .or_else(|| (1..64).find_map(|level| lua.inspect_stack(level, frame_location).flatten()))
}

fn to_lua(lua: &Lua, value: &Value) -> mlua::Result<LuaValue> {
    Ok(match value {
        Value::Nil => LuaValue::Nil,
        Value::Bool(b) => LuaValue::Boolean(*b),
        Value::Int(i) => LuaValue::Integer(*i),
        Value::Num(n) => LuaValue::Number(*n),
        Value::Str(s) => LuaValue::String(lua.create_string(s)?),
        Value::Table(fields) => {
            let t = lua.create_table_with_capacity(0, fields.len())?;
            for (k, v) in fields {
                t.raw_set(k.as_str(), to_lua(lua, v)?)?;
            }
            LuaValue::Table(t)
        }
        Value::List(items) => {
            let t = lua.create_table_with_capacity(items.len(), 0)?;
            for (i, v) in items.iter().enumerate() {
                t.raw_set(i + 1, to_lua(lua, v)?)?;
            }
            LuaValue::Table(t)
        }
    })
}

/// Header names in the context are lower case, with RFC 3261 §7.3.3 compact forms expanded so
/// that `headers["from"]` works whichever form the caller used.
fn header_key(name: &str) -> Cow<'_, str> {
    let name = name.trim();
    // The engine gives canonical names ("Call-ID", "Via"): most are known and need no copy.
    let known = match name {
        "Via" => "via",
        "From" => "from",
        "To" => "to",
        "Call-ID" => "call-id",
        "CSeq" => "cseq",
        "Contact" => "contact",
        "Max-Forwards" => "max-forwards",
        "Content-Type" => "content-type",
        "Content-Length" => "content-length",
        "Route" => "route",
        "Record-Route" => "record-route",
        "Allow" => "allow",
        "Supported" => "supported",
        "User-Agent" => "user-agent",
        "P-Asserted-Identity" => "p-asserted-identity",
        "Privacy" => "privacy",
        "Require" => "require",
        "Subject" => "subject",
        _ => "",
    };
    if !known.is_empty() {
        return Cow::Borrowed(known);
    }
    let lower = name.to_ascii_lowercase();
    let full = match lower.as_str() {
        "i" => "call-id",
        "m" => "contact",
        "e" => "content-encoding",
        "l" => "content-length",
        "c" => "content-type",
        "f" => "from",
        "s" => "subject",
        "k" => "supported",
        "t" => "to",
        "v" => "via",
        _ => return Cow::Owned(lower),
    };
    Cow::Borrowed(full)
}

/// Lifts the Lua memory limit while the runtime itself builds a bounded value (the call
/// context: its size is bounded by the SIP message size limit), and restores it when dropped.
/// Without a limit mlua pushes strings directly instead of through a protected call each,
/// which made building the context cost more than running a short script.
struct Unlimited<'a> {
    lua: &'a Lua,
    limit: usize,
}

impl<'a> Unlimited<'a> {
    fn new(lua: &'a Lua, limit: usize) -> Unlimited<'a> {
        // Cannot fail for a state we created with a memory limit.
        let _ = lua.set_memory_limit(0);
        Unlimited { lua, limit }
    }
}

impl Drop for Unlimited<'_> {
    fn drop(&mut self) {
        let _ = self.lua.set_memory_limit(self.limit);
    }
}

fn set_flags(t: &Table, flags: ControlFlags) -> mlua::Result<()> {
    t.raw_set("proceed_ok", flags.proceed_ok)?;
    t.raw_set("decline_ok", flags.decline_ok)?;
    t.raw_set("controlled", flags.controlled)
}

impl LuaRunner {
    /// A runner with its own Lua state, sandbox and modules. Scripts are compiled lazily, on
    /// first use (or by [`LuaRunner::check_script`]).
    pub fn new(config: RuntimeConfig) -> Result<LuaRunner, RuntimeError> {
        if config.script_dirs.is_empty() {
            return Err(RuntimeError::Config(
                "no script directory configured".into(),
            ));
        }
        if config.instruction_budget == 0 {
            return Err(RuntimeError::Config(
                "instruction_budget must be positive".into(),
            ));
        }
        if config.memory_limit_bytes < MIN_MEMORY_LIMIT {
            return Err(RuntimeError::Config(format!(
                "memory_limit_bytes must be at least {MIN_MEMORY_LIMIT}"
            )));
        }
        let libs = StdLib::TABLE | StdLib::STRING | StdLib::MATH | StdLib::UTF8 | StdLib::COROUTINE;
        let lua = Lua::new_with(libs, LuaOptions::default())?;

        let shared = Rc::new(Shared {
            pending: Cell::new(None),
            pending_at: RefCell::new(None),
            budget: Budget {
                limit: config.instruction_budget,
                ..Budget::default()
            },
            script_dirs: config.script_dirs.clone(),
            modules: RefCell::new(HashMap::new()),
            chunk_names: RefCell::new(Vec::new()),
        });

        // A global hook, unlike a per-thread one, is inherited by coroutines that scripts
        // create themselves, so their loops are counted too.
        let hook_shared = Rc::clone(&shared);
        lua.set_global_hook(
            HookTriggers::new().every_nth_instruction(HOOK_INTERVAL),
            move |lua, debug| {
                let budget = &hook_shared.budget;
                if budget.charge(u64::from(HOOK_INTERVAL)) {
                    budget.record_stop(stop_location(lua, Some(debug)));
                }
                if !budget.exhausted.get() {
                    return Ok(VmState::Continue);
                }
                // A yield cannot be caught by pcall; it only fails inside C functions, and
                // then the error that follows is re-raised by every catch point (runtime.lua).
                if budget.yield_tried.replace(true) {
                    Err(mlua::Error::runtime("instruction budget exceeded"))
                } else {
                    Ok(VmState::Yield)
                }
            },
        )?;

        let build = lua.create_table()?;
        build.set("proceeding", checker(&lua, &shared, args::proceeding)?)?;
        build.set("ringing", checker(&lua, &shared, args::ringing)?)?;
        build.set("decline", checker(&lua, &shared, args::decline)?)?;
        build.set("redirect", checker(&lua, &shared, args::redirect)?)?;
        build.set("hangup", checker(&lua, &shared, args::hangup)?)?;
        build.set(
            "termination_attempt",
            checker(&lua, &shared, args::termination_attempt)?,
        )?;
        build.set(
            "connect_attempt",
            checker(&lua, &shared, args::connect_attempt)?,
        )?;
        build.set("wait", checker(&lua, &shared, args::wait)?)?;
        build.set("debug_var", checker(&lua, &shared, args::debug_var)?)?;
        let debug_on = config.trace_level >= 1;
        build.set(
            "notice",
            log_checker(&lua, &shared, LogLevel::Notice, "notice", true)?,
        )?;
        build.set(
            "warning",
            log_checker(&lua, &shared, LogLevel::Warning, "warning", true)?,
        )?;
        build.set(
            "debug",
            log_checker(&lua, &shared, LogLevel::Debug, "debug", debug_on)?,
        )?;
        build.set(
            "error",
            log_checker(&lua, &shared, LogLevel::Error, "error", true)?,
        )?;

        let privileged = lua.create_table()?;
        privileged.set("mark", mark())?;
        privileged.set("undef", args::undef())?;
        privileged.set("build", build)?;
        privileged.set("trace_level", config.trace_level)?;
        let exhausted_shared = Rc::clone(&shared);
        privileged.set(
            "exhausted",
            lua.create_function(move |_, ()| Ok(exhausted_shared.budget.exhausted.get()))?,
        )?;
        // Every coroutine starts with a fresh hook countdown, so a script that keeps creating
        // short coroutines would run up to one interval in each without the hook ever firing.
        // Charging a whole interval per coroutine up front keeps the count an upper bound.
        let charge_shared = Rc::clone(&shared);
        privileged.set(
            "charge_coroutine",
            lua.create_function(move |lua, ()| {
                let budget = &charge_shared.budget;
                if budget.charge(u64::from(HOOK_INTERVAL)) {
                    budget.record_stop(stop_location(lua, None));
                }
                Ok(budget.exhausted.get())
            })?,
        )?;
        let module_shared = Rc::clone(&shared);
        privileged.set(
            "load_module",
            lua.create_function(move |lua, name: LuaValue| {
                let name = match &name {
                    LuaValue::String(s) => s.to_str().map(|s| s.to_string()).ok(),
                    _ => None,
                };
                let Some(name) = name else {
                    return Ok((
                        LuaValue::Nil,
                        Some("require: module name must be UTF-8 text".to_string()),
                    ));
                };
                match load_module(lua, &module_shared, &name) {
                    Ok(f) => Ok((LuaValue::Function(f), None)),
                    Err(message) => Ok((LuaValue::Nil, Some(message))),
                }
            })?,
        )?;

        let runtime: Table = lua
            .load(include_str!("runtime.lua"))
            .set_name(RUNTIME_CHUNK)
            .set_mode(ChunkMode::Text)
            .call(privileged)?;
        let driver: Function = runtime.get("driver")?;
        let new_context: Function = runtime.get("new_context")?;

        // Nothing a script runs can reach the real globals, but keep the file and code
        // loaders out of the state altogether in case that ever changes.
        let globals = lua.globals();
        for name in [
            "dofile",
            "loadfile",
            "load",
            "require",
            "collectgarbage",
            "print",
            "warn",
        ] {
            globals.raw_set(name, LuaValue::Nil)?;
        }

        lua.set_memory_limit(config.memory_limit_bytes)?;

        Ok(LuaRunner {
            config,
            shared,
            driver,
            new_context,
            scripts: HashMap::new(),
            instances: HashMap::new(),
            lua,
        })
    }

    /// Forgets every compiled script and user module: new calls compile the files again.
    /// Calls in progress keep running the code they started with.
    pub fn reload(&mut self) {
        self.scripts.clear();
        if let Ok(mut modules) = self.shared.modules.try_borrow_mut() {
            modules.clear();
        }
    }

    /// Compiles the script for `key` (without running it), as `start` would.
    pub fn check_script(&mut self, key: &str) -> Result<(), ScriptFailure> {
        self.compiled(key).map(|_| ())
    }

    /// Script instances alive (suspended on a command).
    pub fn active(&self) -> usize {
        self.instances.len()
    }

    /// Bytes allocated by the Lua state.
    pub fn used_memory(&self) -> usize {
        self.lua.used_memory()
    }

    /// Runs a full garbage collection (for idle moments and measurements).
    pub fn collect_garbage(&self) {
        // A failing collection leaves the state as it was; nothing to report.
        let _ = self.lua.gc_collect();
    }

    /// The runner's configuration.
    pub fn config(&self) -> &RuntimeConfig {
        &self.config
    }

    fn compiled(&mut self, key: &str) -> Result<Rc<Compiled>, ScriptFailure> {
        if let Some(entry) = self.scripts.get(key) {
            return entry.clone();
        }
        let entry = self.compile_script(key).map(Rc::new);
        self.scripts.insert(key.to_string(), entry.clone());
        entry
    }

    fn compile_script(&self, key: &str) -> Result<Compiled, ScriptFailure> {
        if !safe_segments(key.split('/')) {
            return Err(failure(
                FailureKind::Load,
                format!("bad script key '{key}'"),
                None,
            ));
        }
        let relative = format!("{key}.lua");
        let Some((path, meta)) = find_file(&self.config.script_dirs, &relative) else {
            return Err(failure(
                FailureKind::Load,
                format!(
                    "script '{key}' not found ({relative} in {})",
                    dirs_text(&self.config.script_dirs)
                ),
                None,
            ));
        };
        let source = std::fs::read(&path).map_err(|e| {
            failure(
                FailureKind::Load,
                format!("cannot read {}: {e}", path.display()),
                None,
            )
        })?;
        let factory = compile(&self.lua, &self.shared, &path, &source)
            .map_err(|e| from_lua_error(FailureKind::Load, &e, &self.shared.known_names()))?;
        let version = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_secs().to_string())
            .unwrap_or_else(|| "0".to_string());
        let lua_error = |e: mlua::Error| from_lua_error(FailureKind::Load, &e, &[]);
        Ok(Compiled {
            factory,
            name: self.lua.create_string(key).map_err(lua_error)?,
            version: self.lua.create_string(version).map_err(lua_error)?,
        })
    }

    fn context_table(&self, ctx: &CallContext) -> mlua::Result<Table> {
        let keys: Vec<Cow<'_, str>> = ctx.headers.iter().map(|(n, _)| header_key(n)).collect();
        let mut headers: Vec<&str> = Vec::with_capacity(ctx.headers.len() * 2);
        for (key, (_, value)) in keys.iter().zip(&ctx.headers) {
            headers.push(key);
            headers.push(value);
        }
        let flags = ctx.flags;
        let _unlimited = Unlimited::new(&self.lua, self.config.memory_limit_bytes);
        self.new_context.call((
            ctx.call_id.as_str(),
            ctx.request_uri.as_str(),
            ctx.from_uri.as_str(),
            ctx.from_display.as_deref(),
            ctx.to_uri.as_str(),
            ctx.called_party.as_str(),
            ctx.normalised_called_party.as_str(),
            ctx.calling_party.as_str(),
            ctx.normalised_calling_party.as_str(),
            ctx.is_calling_restricted,
            ctx.sdp_offer_present,
            ctx.require_100rel,
            ctx.script_key.as_str(),
            ctx.trigger_prefix.as_str(),
            (
                ctx.source.as_str(),
                flags.proceed_ok,
                flags.decline_ok,
                flags.controlled,
                Variadic::from_iter(headers),
            ),
        ))
    }

    fn lua_failure(&self, err: &mlua::Error) -> ScriptFailure {
        from_lua_error(FailureKind::Error, err, &self.shared.known_names())
    }

    /// Runs `instance` until it yields, returns or fails, and files it accordingly.
    fn drive(&mut self, call: CallKey, instance: Instance, args: impl mlua::IntoLuaMulti) -> Step {
        self.shared.pending.take();
        self.shared.budget.arm();
        let result = instance.thread.resume::<MultiValue>(args);
        let stopped = self.shared.budget.disarm();
        let step = if let Some(location) = stopped {
            Step::Failed(failure(
                FailureKind::Budget,
                format!(
                    "instruction budget exceeded ({} instructions)",
                    self.config.instruction_budget
                ),
                location,
            ))
        } else {
            match result {
                Ok(values) if instance.thread.status() == ThreadStatus::Resumable => {
                    match (is_mark(values.front()), self.shared.pending.take()) {
                        (true, Some(command)) => {
                            let mut instance = instance;
                            instance.location = self.shared.pending_at.take();
                            self.instances.insert(call, instance);
                            return Step::Command(command);
                        }
                        (true, None) => Step::Failed(failure(
                            FailureKind::Error,
                            "internal error: yield without a command",
                            None,
                        )),
                        (false, _) => Step::Failed(failure(
                            FailureKind::Error,
                            "attempt to yield from the script's main coroutine",
                            None,
                        )),
                    }
                }
                Ok(_) => Step::Finished,
                Err(e) => Step::Failed(self.lua_failure(&e)),
            }
        };
        drop(instance);
        if matches!(&step, Step::Failed(f) if f.kind == FailureKind::Memory) {
            // Give the memory back now rather than at the next allocation failure, which
            // another call would see.
            self.collect_garbage();
        }
        step
    }

    fn new_instance(&self, ctx: &CallContext) -> mlua::Result<Instance> {
        let context = self.context_table(ctx)?;
        let thread = self.lua.create_thread(self.driver.clone())?;
        Ok(Instance {
            thread,
            location: None,
            context,
        })
    }
}

impl ScriptRunner for LuaRunner {
    fn usage(&self) -> callctl_scc::RunnerUsage {
        callctl_scc::RunnerUsage {
            instances: self.active(),
            memory_bytes: Some(self.used_memory()),
        }
    }

    fn start(&mut self, call: CallKey, script_key: &str, context: &CallContext) -> Step {
        if self.instances.contains_key(&call) {
            return Step::Failed(failure(
                FailureKind::Error,
                "a script instance already exists for this call",
                None,
            ));
        }
        let compiled = match self.compiled(script_key) {
            Ok(c) => c,
            Err(f) => return Step::Failed(f),
        };
        let instance = match self.new_instance(context) {
            Ok(i) => i,
            Err(e) => return Step::Failed(self.lua_failure(&e)),
        };
        let ctx = instance.context.clone();
        let index = format!("{call:x}");
        self.drive(
            call,
            instance,
            (
                compiled.factory.clone(),
                ctx,
                compiled.name.clone(),
                compiled.version.clone(),
                index,
            ),
        )
    }

    fn resume(&mut self, call: CallKey, flags: ControlFlags, reply: Reply) -> Step {
        let Some(instance) = self.instances.remove(&call) else {
            return Step::Failed(failure(FailureKind::Error, "no such script instance", None));
        };
        // The reply is the engine's (a result table, a message): bounded like the context.
        let unlimited = Unlimited::new(&self.lua, self.config.memory_limit_bytes);
        let prepared = set_flags(&instance.context, flags).and_then(|()| match &reply {
            Reply::Value(v) => Ok((true, to_lua(&self.lua, v)?)),
            Reply::Error(message) => {
                Ok((false, LuaValue::String(self.lua.create_string(message)?)))
            }
        });
        drop(unlimited);
        match prepared {
            Ok(args) => self.drive(call, instance, args),
            Err(e) => Step::Failed(self.lua_failure(&e)),
        }
    }

    fn abort(&mut self, call: CallKey) {
        self.instances.remove(&call);
    }

    fn location(&self, call: CallKey) -> Option<ScriptLocation> {
        self.instances.get(&call).and_then(|i| i.location.clone())
    }
}

impl Drop for LuaRunner {
    fn drop(&mut self) {
        // The module cache lives in `Shared`, which Lua callbacks keep alive; empty it while
        // the state still exists.
        self.instances.clear();
        self.scripts.clear();
        if let Ok(mut modules) = self.shared.modules.try_borrow_mut() {
            modules.clear();
        }
    }
}
