-- A runaway loop, even one hiding behind pcall.
local scc = ...
while true do
    pcall (function () while true do end end)
end
