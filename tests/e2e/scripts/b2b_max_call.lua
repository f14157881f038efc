-- A connected call limited to 2 seconds: at expiry callctl sends BYE on both legs.
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
    max_call_secs = 2,
})
n2svcd.notice ('result: %s', describe (result))
