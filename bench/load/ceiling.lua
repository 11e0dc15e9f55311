-- wrk script of the ceiling: plain GETs of the URL given to wrk, reported as report.lua does.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

function setup(thread)
  table.insert(threads, thread)
end
