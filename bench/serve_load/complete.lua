-- wrk script for bench/serve_load: POST /api/v1/complete with a Python prefix and suffix.
--
-- Environment (set by run.mjs):
--   WARD_BENCH_TOKEN       the API token, sent as "Authorization: Bearer TOKEN" (required)
--   WARD_BENCH_MAX_TOKENS  max_tokens of each completion (default 16)
--
-- Each request names its own `document`: requests for the same document by the same user
-- supersede each other (an editor's newest keystroke wins), which a load test must not trigger.
-- done() prints the figures and one line "serve_load-json {...}" for run.mjs.

local token = os.getenv("WARD_BENCH_TOKEN")
local max_tokens = tonumber(os.getenv("WARD_BENCH_MAX_TOKENS") or "16")

local prefix = [[
import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Order:
    order_id: str
    customer: str
    quantity: int
    unit_price: float


def load_orders(path: Path) -> list[Order]:
    orders = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            orders.append(Order(row["order_id"], row["customer"],
                                int(row["quantity"]), float(row["unit_price"])))
    return orders


def total_by_customer(orders: list[Order]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for order in orders:
        ]]

local suffix = [[

    return totals


if __name__ == "__main__":
    for customer, total in sorted(total_by_customer(load_orders(Path("orders.csv"))).items()):
        print(f"{customer}: {total:.2f}")
]]

-- A JSON string literal (the texts above are ASCII: quotes, backslashes and control characters
-- are all that need escaping).
local function json_string(s)
  s = s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    if c == "\n" then return "\\n" end
    if c == "\t" then return "\\t" end
    return string.format("\\u%04x", c:byte())
  end)
  return '"' .. s .. '"'
end

local body_head = '{"prefix": ' .. json_string(prefix) .. ', "suffix": ' .. json_string(suffix) ..
                  ', "path": "orders/report.py", "language": "python", "max_tokens": ' ..
                  tostring(max_tokens) .. ', "document": "orders/report.py#'

-- Main state: one table per wrk thread, to gather their counters in done().
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

-- Thread states from here on.
local counter = 0
statuses = {}
finishes = {}

function init(args)
  if token == nil or token == "" then
    error("complete.lua: set WARD_BENCH_TOKEN to an API token")
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  counter = counter + 1
  local body = body_head .. tostring(id) .. "-" .. tostring(counter) .. '"}'
  return wrk.format("POST", "/api/v1/complete", nil, body)
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status == 200 then
    local finish = body:match('"finish"%s*:%s*"([^"]*)"') or "?"
    local empty = body:match('"suggestions"%s*:%s*%[%s*%]') ~= nil
    if empty then finish = finish .. " (no suggestion)" end
    finishes[finish] = (finishes[finish] or 0) + 1
  elseif status ~= 200 and (statuses[key] == 1) then
    -- The first body of each failing status, for the report.
    io.stderr:write("serve_load: HTTP " .. key .. ": " .. body:sub(1, 300) .. "\n")
  end
end

-- Gathers one counter table from every thread. thread:get copies tables across Lua states.
local function gather(name)
  local total = {}
  for _, thread in ipairs(threads) do
    local part = thread:get(name) or {}
    for k, v in pairs(part) do total[k] = (total[k] or 0) + v end
  end
  return total
end

local function json_counts(t)
  local items = {}
  for k, v in pairs(t) do table.insert(items, json_string(k) .. ": " .. tostring(v)) end
  table.sort(items)
  return "{" .. table.concat(items, ", ") .. "}"
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  local rps = summary.requests / seconds
  local statuses_all = gather("statuses")
  local finishes_all = gather("finishes")
  io.write(string.format("requests        %d in %.1f s\n", summary.requests, seconds))
  io.write(string.format("throughput      %.2f requests/s\n", rps))
  io.write(string.format("latency         p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms\n",
                         latency:percentile(50) / 1000, latency:percentile(95) / 1000,
                         latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("errors          %d (connect %d, read %d, write %d, status %d, " ..
                         "timeout %d)\n", errors, e.connect, e.read, e.write, e.status, e.timeout))
  io.write("statuses        " .. json_counts(statuses_all) .. "\n")
  io.write("finish          " .. json_counts(finishes_all) .. "\n")
  io.write(string.format(
    'serve_load-json {"requests": %d, "seconds": %.3f, "requests_per_s": %.3f, ' ..
    '"latency_us": {"p50": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"statuses": %s, "finish": %s}\n',
    summary.requests, seconds, rps, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write, e.status,
    e.timeout, json_counts(statuses_all), json_counts(finishes_all)))
end
