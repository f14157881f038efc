-- Seed 001: redirect to 00645559999 (302 with a Contact built from the digits).
local n2svcd = require "n2.n2svcd"
local incall_api = require "n2.n2svcd.sip_incall"

local scc = ...

incall_api.redirect ("00645559999")

return
