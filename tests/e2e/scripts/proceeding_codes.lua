-- proceeding with several codes, then a decline.
local incall_api = require "n2.n2svcd.sip_incall_service"
local scc = ...
incall_api.proceeding (181)
incall_api.proceeding (182)
incall_api.proceeding (199)
incall_api.decline (486)
