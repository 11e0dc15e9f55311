-- The heavier mix for wrk: anonymous catalog browsing, customers signing in, ordering a plan
-- and asking for its SPEI instructions, analytics events, and staff reading the dashboard.
--
-- Run with as many threads as connections (-t N -c N): each thread then has one connection,
-- so every response belongs to the thread's last request, and an order's SPEI request can use
-- the order's id and total. The data come from the Lua file named by CUENTY_LOAD_PLAN
-- (bench/load/seed.py writes it); a step whose weight is 0 is skipped.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")
local plan = dofile(os.getenv("CUENTY_LOAD_PLAN"))

local JSON = {["Content-Type"] = "application/json"}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
  table.insert(threads, thread)
end

local total_weight = 0
for _, step in ipairs(plan.weights) do
  total_weight = total_weight + step.weight
  table.insert(step_names, step.name)
end
table.insert(step_names, "spei")

local last_step, last_customer, pending_order

function init(args)
  math.randomseed(7919 * (thread_number or 1))
end

local function pick_step()
  local roll = math.random() * total_weight
  for _, step in ipairs(plan.weights) do
    roll = roll - step.weight
    if step.weight > 0 and roll <= 0 then
      return step.name
    end
  end
  return plan.weights[1].name
end

local function bearer(token)
  return {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
end

-- NOTE: the seeded customers have not given the analytics consent, so the service returns 202
-- and drops these events: the step measures validation and the consent check, not the insert.
local function event_body(customer)
  return string.format(
    '{"eventType":"page_view","eventName":"plan_viewed","userId":"%s",' ..
    '"sessionId":"load-%d-%d","properties":{"device":"mobile","duration":4200},' ..
    '"pageUrl":"https://cuenty.mx/planes","referrer":"https://cuenty.mx/"}',
    customer.user_id, thread_number or 0, math.random(1, 1000000))
end

local builders = {
  catalog = function()
    local path = math.random() < 0.75 and "/v1/catalog/services" or "/v1/catalog/bundles"
    return wrk.format("GET", path)
  end,
  login = function(customer)
    local body = string.format('{"email":"%s","password":"%s"}', customer.email, customer.password)
    return wrk.format("POST", "/v1/auth/login", JSON, body)
  end,
  order = function(customer)
    local plan_id = plan.plan_ids[math.random(#plan.plan_ids)]
    local body = string.format('{"items":[{"planId":"%s"}]}', plan_id)
    return wrk.format("POST", "/v1/orders", bearer(customer.token), body)
  end,
  event = function(customer)
    return wrk.format("POST", "/v1/analytics/events", bearer(customer.token), event_body(customer))
  end,
  dashboard = function()
    local path = string.format("/v1/analytics/dashboard?startDate=%s&endDate=%s",
      plan.start_date, plan.end_date)
    return wrk.format("GET", path, bearer(plan.operations_token))
  end,
}

function request()
  if pending_order then
    -- The customer who placed the order requests its SPEI instructions right away.
    local order = pending_order
    pending_order = nil
    last_step, last_customer = "spei", order.customer
    local body = string.format('{"orderId":"%s","amount":%s}', order.id, order.total)
    return wrk.format("POST", "/v1/payments/spei/generate", bearer(order.customer.token), body)
  end
  last_step = pick_step()
  last_customer = plan.customers[math.random(#plan.customers)]
  return builders[last_step](last_customer)
end

function response(status, headers, body)
  local sent, failed = "sent_" .. last_step, "failed_" .. last_step
  _G[sent] = (_G[sent] or 0) + 1
  if status < 200 or status > 299 then
    _G[failed] = (_G[failed] or 0) + 1
  end

  if last_step == "order" and status == 201 then
    -- The order's own id comes first in the body and its total last (after the items').
    local id = body:match('"id":"([0-9a-f-]+)"')
    local total
    for value in body:gmatch('"total":([0-9.]+)') do
      total = value
    end
    if id and total then
      pending_order = {id = id, total = total, customer = last_customer}
    end
  end
end
