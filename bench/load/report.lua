-- Summary of a wrk run as one line, "LOADJSON {...}", read by bench/load/runs.py.
-- Latencies are in microseconds. A script that counts requests per step names its steps in
-- the global `step_names`. Each of its threads keeps the numbers `sent_<step>` and
-- `failed_<step>`, and its setup() appends each thread to `threads`. The counts are plain
-- numbers because wrk 4.1's thread:get corrupts the thread's Lua stack when it copies
-- nested tables (its script_copy_value pops the table twice).

threads = {}
step_names = {}

local function encode(value)
  local kind = type(value)
  if kind == "table" then
    local parts = {}
    for key, item in pairs(value) do
      parts[#parts + 1] = string.format("%q:%s", tostring(key), encode(item))
    end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif kind == "string" then
    return string.format("%q", value)
  elseif kind == "number" then
    return string.format("%.3f", value)
  end
  return tostring(value)
end

function done(summary, latency, requests)
  local steps = {}
  for _, name in ipairs(step_names) do
    local total = {sent = 0, failed = 0}
    for _, thread in ipairs(threads) do
      total.sent = total.sent + (thread:get("sent_" .. name) or 0)
      total.failed = total.failed + (thread:get("failed_" .. name) or 0)
    end
    if total.sent > 0 then
      steps[name] = total
    end
  end
  local report = {
    requests = summary.requests,
    duration_us = summary.duration,
    errors = summary.errors,
    latency_us = {
      p50 = latency:percentile(50),
      p95 = latency:percentile(95),
      p99 = latency:percentile(99),
      max = latency.max,
      mean = latency.mean,
    },
    steps = steps,
  }
  io.write("LOADJSON ", encode(report), "\n")
end
