-- wrk script for benchmarks/intake_bench.py: POST a new Gravity Forms entry per request — a
-- national id of its own (checksum valid), an entry id of its own, the six keys of a student
-- the run placed (WRK_KEYS "g,x,s,c,f,sc;…", in turn) — with the source's secret (WRK_SECRET).
-- At the end, one line "WRK <requests> <errors> <p50 ms> <p95 ms> <p99 ms> <200s> <202s>";
-- before it, "BODY <status> <body>" for every answer other than 200 and 202.
local keys = {}
for k in string.gmatch(os.getenv("WRK_KEYS") or "", "[^;]+") do
  local t = {}
  for v in string.gmatch(k, "[^,]+") do table.insert(t, v) end
  table.insert(keys, t)
end
local headers = {["X-SmartAlloc-Intake-Key"] = os.getenv("WRK_SECRET") or "",
                 ["Content-Type"] = "application/json", ["Connection"] = "close"}
local threads = {}
i, ok200, ok202 = 0, 0, 0   -- globals: each thread has its own; setup gives it "base"

setup = function(thread)
  thread:set("base", (#threads + 1) * 1000000)
  table.insert(threads, thread)
end

local function national_id(n)
  local nine = string.format("%09d", 300000000 + n)
  local s = 0
  for p = 1, 9 do s = s + tonumber(nine:sub(p, p)) * (11 - p) end
  local r = s % 11
  return nine .. tostring(r < 2 and r or 11 - r)
end

request = function()
  i = i + 1
  local n = (base or 0) + i
  local k = keys[(n % #keys) + 1]
  local body = string.format(
    '{"id":"%d","form_id":"3","5":"%s","1.3":"سارا","1.6":"نمونه","73":"%s",' ..
    '"92":"%s","80":"%s","81":"%s","75":"%s","30":"%s","46":""}',
    n, national_id(n), k[1], k[2] == "1" and "پسر" or "دختر", k[3], k[4], k[5],
    k[6] == "0" and "" or k[6])
  return wrk.format("POST", "/api/v1/intake/gravity-forms", headers, body)
end

response = function(status, _headers, _body)
  if status == 200 then ok200 = ok200 + 1 elseif status == 202 then ok202 = ok202 + 1 else io.write("BODY " .. status .. " " .. _body .. "\n") end
end

done = function(summary, latency, requests)
  local a, q = 0, 0
  for _, t in ipairs(threads) do
    a = a + (t:get("ok200") or 0)
    q = q + (t:get("ok202") or 0)
  end
  local e = summary.errors
  io.write(string.format("WRK %d %d %.3f %.3f %.3f %d %d\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, a, q))
end
