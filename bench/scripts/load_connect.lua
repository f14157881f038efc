-- Load-harness service: every call is connected to the called number through the
-- default route (the SIPp UAS), 30 s no-answer timeout. The same decision the Kamailio
-- baseline's Lua routing makes.
local incall_api = require "n2.n2svcd.sip_incall_service"

local sip_incall = ...

incall_api.connect_attempt (sip_incall.normalised_called_party, 30)
