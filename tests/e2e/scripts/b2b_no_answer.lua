-- The seed 003 termination example with a 3 second no-answer timeout: when B does not answer
-- in time callctl CANCELs it and the script, still in control, declines with 633.
local n2svcd = require "n2.n2svcd"
local incall_api = require "n2.n2svcd.sip_incall_service"

local sip_incall = ...

local function describe (t)
    local keys = {}
    for k in pairs (t) do keys[#keys + 1] = k end
    table.sort (keys)
    local parts = {}
    for _, k in ipairs (keys) do parts[#parts + 1] = k .. '=' .. tostring (t[k]) end
    return table.concat (parts, '; ')
end

local result = incall_api.termination_attempt ({
    address_digits = '1703' .. sip_incall.normalised_called_party,
    no_answer_timeout = 3,
})
n2svcd.notice ('result: %s', describe (result))

if (result.answered) then
    n2svcd.notice ("CALL ANSWERED = YES")
elseif (result.controlled) then
    n2svcd.notice ('Controlled after Reason = %s', result.reason)
    if (result.decline_ok) then
        incall_api.decline (633)
    else
        incall_api.hangup ()
    end
else
    n2svcd.notice ('Control Lost after Reason = %s', result.reason)
end
