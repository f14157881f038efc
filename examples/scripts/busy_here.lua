-- Decline as busy with an RFC 3326 Reason header, in the handler form.
local n2svcd = require "n2.n2svcd"
local incall_api = require "n2.n2svcd.sip_incall_service"

return n2svcd.handler (function (scc)
    n2svcd.notice ("busy for %s calling %s", scc.called_party, scc.calling_party)
    incall_api.decline { code = 486, reason = { protocol = "SIP", cause = 486, text = "Busy Here" } }
end)
