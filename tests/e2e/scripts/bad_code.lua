-- A method used wrongly: decline with a 2xx code raises a Lua error at this line.
local incall_api = require "n2.n2svcd.sip_incall_service"
local scc = ...
incall_api.decline (200)
