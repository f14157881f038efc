-- Ring, ask for 10 s of thinking time, wait 3 s, then decline: a CANCEL arrives meanwhile.
local n2svcd = require "n2.n2svcd"
local incall_api = require "n2.n2svcd.sip_incall_service"
local scc = ...
local r = incall_api.proceeding (180, 10)
n2svcd.wait (3)
local declined = incall_api.decline (486)
n2svcd.notice ("after abandon: controlled=%s decline_ok=%s decline returned %s",
    tostring (scc.controlled), tostring (scc.decline_ok), tostring (declined))
