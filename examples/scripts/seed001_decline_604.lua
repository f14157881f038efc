-- Seed 001: decline with 604 Does Not Exist Anywhere, after a flash 180 Ringing.
local n2svcd = require "n2.n2svcd"
local incall_api = require "n2.n2svcd.sip_incall"

local scc = ...

incall_api.ringing ()
incall_api.decline (604, nil)

return
