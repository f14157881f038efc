-- Bootstrap of the script sandbox: runs once per runner, against the state's real globals,
-- before any script. It receives the private capabilities from Rust and returns the driver
-- that every call's coroutine runs. Everything built here is shared by all calls on the
-- runner, which is why every table a script can reach from here is frozen.

local priv = ...

local MARK = priv.mark                -- first value of every yield meant for the call engine
local exhausted = priv.exhausted      -- true once the running instance is past its budget
local load_module = priv.load_module  -- compiled factory of a user module, or nil + message
local build = priv.build              -- argument checkers that stage a command in Rust
local charge_coroutine = priv.charge_coroutine  -- counts a new coroutine against the budget
local UNDEF = priv.undef              -- "no value" where nil means "the default" (see args.rs)

local error, type, select, tostring, next, ipairs = error, type, select, tostring, next, ipairs
local setmetatable, rawget, rawset = setmetatable, rawget, rawset
local raw_pcall, raw_xpcall = pcall, xpcall
local co_create, co_resume, co_yield = coroutine.create, coroutine.resume, coroutine.yield
local co_status, co_close = coroutine.status, coroutine.close

-- Bytecode must never reach a script: there is no `load`, and `string.dump` is its only source.
string.dump = nil
-- `getmetatable("")` would otherwise hand out the shared string metatable, whose __index is
-- the real string library: one call could then rewrite `string.format` for every other call.
getmetatable("").__metatable = false

local BUDGET = "instruction budget exceeded"

-- Frozen proxies: every library or module table a script sees is an empty table whose reads
-- go to the real one, so neither assignment nor rawset (checked below) can change what other
-- calls see.
local frozen = setmetatable({}, { __mode = "k" })

local function freeze(name, t)
    local proxy = setmetatable({}, {
        __index = t,
        __newindex = function(_, k)
            error("attempt to modify read-only table '" .. name .. "' (field '" .. tostring(k) .. "')", 2)
        end,
        __pairs = function() return next, t, nil end,
        __len = function() return #t end,
        __metatable = false,
    })
    frozen[proxy] = true
    return proxy
end

local function rawset_(t, k, v)
    if frozen[t] then
        error("rawset: attempt to modify a read-only table", 2)
    end
    return rawset(t, k, v)
end

-- Finalizers run with hooks disabled, so a loop inside one could never be stopped by the
-- instruction budget; scripts have no use for them in a call flow.
local function setmetatable_(t, mt)
    if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
        error("setmetatable: __gc metamethods are not available to scripts", 2)
    end
    return setmetatable(t, mt)
end

-- Once the budget is spent, the instance must end even if the script catches errors: every
-- catch point a script has (pcall, xpcall, coroutine.resume/wrap/close) re-raises.
local function checked(...)
    if exhausted() then
        error(BUDGET, 0)
    end
    return ...
end

local function pcall_(f, ...)
    return checked(raw_pcall(f, ...))
end

local function xpcall_(f, handler, ...)
    return checked(raw_xpcall(f, handler, ...))
end

-- A script's own coroutine that calls an API function yields MARK to whoever resumed it,
-- which is always this relay: it passes the yield on to the level above (ultimately the
-- engine) and feeds the engine's answer back into the inner coroutine.
local relay
relay = function(co, ...)
    if exhausted() then
        error(BUDGET, 0)
    end
    local ok, first = ...
    if ok == true and first == MARK and co_status(co) == "suspended" then
        return relay(co, co_resume(co, co_yield(MARK)))
    end
    return ...
end

local function resume_(co, ...)
    return relay(co, co_resume(co, ...))
end

local function unwrap(ok, ...)
    if ok then
        return ...
    end
    error((...), 0)
end

local function create_(f)
    if charge_coroutine() then
        error(BUDGET, 0)
    end
    return co_create(f)
end

local function wrap_(f)
    local co = create_(f)
    return function(...)
        return unwrap(relay(co, co_resume(co, ...)))
    end
end

local function close_(co)
    return checked(co_close(co))
end

local sandbox = {
    assert = assert,
    error = error,
    getmetatable = getmetatable,
    ipairs = ipairs,
    next = next,
    pairs = pairs,
    pcall = pcall_,
    rawequal = rawequal,
    rawget = rawget,
    rawlen = rawlen,
    rawset = rawset_,
    select = select,
    setmetatable = setmetatable_,
    tonumber = tonumber,
    tostring = tostring,
    type = type,
    xpcall = xpcall_,
    _VERSION = _VERSION,
    string = freeze("string", string),
    table = freeze("table", table),
    math = freeze("math", math),
    utf8 = freeze("utf8", utf8),
    coroutine = freeze("coroutine", {
        create = create_,
        resume = resume_,
        wrap = wrap_,
        yield = co_yield,
        status = co_status,
        running = coroutine.running,
        isyieldable = coroutine.isyieldable,
        close = close_,
    }),
    TRACE_LEVEL = priv.trace_level,
    APPLICATION_NAME = "callctl",
    SERVICE_MODULE = "n2.n2svcd.sip_incall_service",
    LOADER_MODULE = "callctl",
}

-- Every API function has this shape. The checker validates the arguments and stages the
-- command in Rust (nil), refuses them (an error message), or says there is nothing to do
-- (false). Errors use level 2 so that they point at the script line that made the call.
local function api(check)
    return function(...)
        local status = check(...)
        if status ~= nil then
            if status then
                error(status, 2)
            end
            return nil
        end
        local ok, value = co_yield(MARK)
        if not ok then
            error(value, 2)
        end
        return value
    end
end

local function unsupported(name)
    return function()
        error(name .. ": not supported yet", 2)
    end
end

-- Handler objects are recognised by identity, through this private table, so a script can
-- neither forge one nor mistake another table for one.
local handlers = setmetatable({}, { __mode = "k" })
local HANDLER_MT = {
    __metatable = false,
    __tostring = function() return "n2svcd handler" end,
}

local n2svcd = {
    handler = function(fn)
        if type(fn) ~= "function" then
            error("handler: argument must be a function (got " .. type(fn) .. ")", 2)
        end
        local h = setmetatable({}, HANDLER_MT)
        handlers[h] = fn
        return h
    end,
    wait = api(build.wait),
    notice = api(build.notice),
    warning = api(build.warning),
    debug = api(build.debug),
    error = api(build.error),
    debug_var = api(build.debug_var),
    UNDEF = UNDEF,
}

local incall = {
    proceeding = api(build.proceeding),
    ringing = api(build.ringing),
    decline = api(build.decline),
    redirect = api(build.redirect),
    hangup = api(build.hangup),
    termination_attempt = api(build.termination_attempt),
    connect_attempt = api(build.connect_attempt),
    -- The platform's scripts find UNDEF on either module, depending on which they required.
    UNDEF = UNDEF,
    REASON_NO_ROUTE = "No Route",
    REASON_DECLINED = "Declined",
    REASON_NO_ANSWER = "No Answer",
    REASON_ANSWERED = "Answered",
    REASON_ABANDONED = "Abandoned",
}
-- Present, so that a script using them fails with a clear message at its own line rather
-- than with "attempt to call a nil value": monitored and charged calls and media
-- interactions need engine support that does not exist yet.
for _, name in ipairs({
    "connect_monitored", "connect_charged", "monitor_check", "charge_check", "charge_extend",
    "rtp_interaction", "inap_interaction",
}) do
    incall[name] = unsupported(name)
end

local incall_module = freeze("n2.n2svcd.sip_incall_service", incall)
local builtin = {
    ["n2.n2svcd"] = freeze("n2.n2svcd", n2svcd),
    ["n2.n2svcd.sip_incall_service"] = incall_module,
    ["n2.n2svcd.sip_incall"] = incall_module,
}

-- Marks a user module whose body is still running, to turn a circular require into an error.
local LOADING = {}

-- One require per call: user modules run in the call's environment and are cached in the
-- call's own table, so module-level state is never shared between calls. The compiled code
-- is shared (cached in Rust).
local function make_require(env)
    local loaded
    return function(name)
        local module = builtin[name]
        if module ~= nil then
            return module
        end
        if type(name) ~= "string" then
            error("require: module name must be a string (got " .. type(name) .. ")", 2)
        end
        if loaded == nil then
            loaded = {}
        end
        module = loaded[name]
        if module == LOADING then
            error("require: module '" .. name .. "' is still loading (circular require, or it failed earlier)", 2)
        end
        if module ~= nil then
            return module
        end
        local factory, message = load_module(name)
        if factory == nil then
            error(message, 2)
        end
        loaded[name] = LOADING
        module = factory(env)(name)
        if module == nil then
            module = true
        end
        loaded[name] = module
        return module
    end
end

local ENV_MT = { __index = sandbox, __metatable = false }

-- The body of every call's coroutine. `factory` is the compiled script (see `compile` in
-- Rust): called with the call's environment it returns the script's main function. Both
-- script forms end up here: the chunk either does its work with the context as `...`, or
-- returns `n2svcd.handler(fn)`, and then fn runs with the context in the same coroutine.
local function driver(factory, ctx, script_name, script_version, instance_idx)
    local env = setmetatable({
        SCRIPT_NAME = script_name,
        SCRIPT_VERSION = script_version,
        INSTANCE_IDX = instance_idx,
    }, ENV_MT)
    env._G = env
    env.require = make_require(env)
    local result = factory(env)(ctx)
    local fn = handlers[result]
    if fn ~= nil then
        fn(ctx)
    end
end

-- The call context table, built here rather than field by field from Rust because the field
-- names are then constants of this chunk instead of strings made afresh for every call.
-- Header names arrive already lower-cased, as name, value pairs in message order.
local function new_context(call_id, request_uri, from_uri, from_display, to_uri, called_party,
                           normalised_called_party, calling_party, normalised_calling_party,
                           is_calling_restricted, sdp_offer_present, require_100rel, script_key,
                           trigger_prefix, source, proceed_ok, decline_ok, controlled, ...)
    local headers = {}
    local n = select("#", ...)
    if n > 0 then
        local flat = { ... }
        for i = 1, n - 1, 2 do
            local name = flat[i]
            local list = headers[name]
            if list == nil then
                headers[name] = { flat[i + 1] }
            else
                list[#list + 1] = flat[i + 1]
            end
        end
    end
    return {
        call_id = call_id,
        request_uri = request_uri,
        from_uri = from_uri,
        from_display = from_display,
        to_uri = to_uri,
        called_party = called_party,
        normalised_called_party = normalised_called_party,
        calling_party = calling_party,
        normalised_calling_party = normalised_calling_party,
        is_calling_restricted = is_calling_restricted,
        sdp_offer_present = sdp_offer_present,
        require_100rel = require_100rel,
        script_key = script_key,
        trigger_prefix = trigger_prefix,
        source = source,
        proceed_ok = proceed_ok,
        decline_ok = decline_ok,
        controlled = controlled,
        headers = headers,
        invite_headers = headers,
    }
end

return { driver = driver, new_context = new_context }
