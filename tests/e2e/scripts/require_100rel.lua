-- The 100rel rule: with Require: 100rel and no SDP offer, proceed_ok is false and a
-- provisional response is refused; with an offer, 180 goes out reliably.
local n2svcd = require "n2.n2svcd"
local incall_api = require "n2.n2svcd.sip_incall_service"
local scc = ...
n2svcd.notice ("proceed_ok=%s require_100rel=%s sdp=%s", tostring (scc.proceed_ok),
    tostring (scc.require_100rel), tostring (scc.sdp_offer_present))
local ok, err = pcall (function () incall_api.ringing () end)
if ok then
    n2svcd.notice ("ringing sent")
    n2svcd.wait (0.5)
    incall_api.decline (486)
else
    n2svcd.notice ("ringing refused: %s", tostring (err))
    incall_api.decline (480)
end
