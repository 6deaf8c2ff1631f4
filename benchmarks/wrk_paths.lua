-- wrk script: GET the comma-separated paths of WRK_PATHS in turn, with the bearer token of
-- WRK_TOKEN; at the end, one line "WRK <requests> <errors> <p50 ms> <p95 ms> <p99 ms>".
local paths = {}
for p in string.gmatch(os.getenv("WRK_PATHS") or "/healthz", "[^,]+") do
  table.insert(paths, p)
end
local headers = {["Authorization"] = "Bearer " .. (os.getenv("WRK_TOKEN") or "")}
local i = 0

request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], headers)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %.3f %.3f %.3f\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
