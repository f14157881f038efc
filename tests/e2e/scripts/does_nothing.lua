-- Returns without touching the call: callctl hangs up with the defaults.
return require ("n2.n2svcd").handler (function (scc) end)
