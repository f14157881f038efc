-- Never acts: the caller waits longer than service_logic_ms allows.
local n2svcd = require "n2.n2svcd"
local scc = ...
n2svcd.wait (10)
