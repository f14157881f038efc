-- Tell the caller the call is queued (182), wait a moment, then give up with 480 and a
-- custom header, checking the flags the platform documents before each step.
local n2svcd = require "n2.n2svcd"
local incall_api = require "n2.n2svcd.sip_incall_service"

local scc = ...

if scc.proceed_ok then
    incall_api.proceeding (182, 5, { ["X-Queue-Position"] = 3 })
end
n2svcd.wait (1)
if scc.decline_ok then
    incall_api.decline (480, { protocol = "SIP", cause = 480, text = "Temporarily Unavailable" },
        { ["X-Queue-Result"] = { "gave-up", "no-agent" } })
end
return
