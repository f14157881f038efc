-- Seed 001: decline with 487 and a Q.850 cause 16 Reason header.
local n2svcd = require "n2.n2svcd"
local incall_api = require "n2.n2svcd.sip_incall"

local scc = ...

incall_api.decline (487, { protocol = "Q.850", value = 16, text = 'Normal Call Teardown' })

return
