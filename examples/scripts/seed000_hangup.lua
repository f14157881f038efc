-- Seed 000 (hangup), without the announcement a later release brings: hang up with 487, which
-- goes out as the INVITE final response before answer, then a calm-down period.
local n2svcd = require "n2.n2svcd"
local incall_api = require "n2.n2svcd.sip_incall_service"

local scc = ...

incall_api.hangup (487)
n2svcd.notice ("Calm Down Period")
n2svcd.wait (5.0)

return
