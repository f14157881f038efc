-- Decide after a second (long enough for a retransmitted INVITE to arrive first).
local n2svcd = require "n2.n2svcd"
local incall_api = require "n2.n2svcd.sip_incall_service"
local scc = ...
n2svcd.wait (1)
incall_api.decline (486)
