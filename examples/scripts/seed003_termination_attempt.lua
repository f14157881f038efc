-- Seed 003: connection attempt to the called party with a prefix, 60 second no-answer
-- timeout and a custom header. Corrected from the seed: a Lua table key with a dash is
-- written ['ChargeRef'], not 'ChargeRef'.
local n2svcd = require "n2.n2svcd"
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

return
