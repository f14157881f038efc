-- Busy then retry: the first destination (route 1703) declines, the script tries a second one
-- (route 1704). Each attempt's result table is written as a notice.
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

local first = incall_api.termination_attempt ({
    address_digits = '1703' .. sip_incall.normalised_called_party,
    no_answer_timeout = 10,
})
n2svcd.notice ('first: %s', describe (first))

if (not first.answered and first.controlled) then
    local second = incall_api.termination_attempt ({
        address_digits = '1704' .. sip_incall.normalised_called_party,
        no_answer_timeout = 10,
    })
    n2svcd.notice ('second: %s', describe (second))
end
