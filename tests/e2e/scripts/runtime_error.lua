-- A plain runtime error.
local scc = ...
local profile = nil
local limit = profile.limit
