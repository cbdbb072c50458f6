-- Loaded with `wrk -s bench/wrk-soak.lua` by bench/soak.ts: one kind of request of the soak, for its whole run.
-- Every answer's status is counted, and every answer other than 200/201 also by the second it came in, so the
-- report can tell the errors during the PostgreSQL restart from any others. After wrk's own report it prints
-- one line `WRK_JSON {...}` (latencies in microseconds).
--
-- SOAK_PATHS names a file of paths (one a line) that each connection asks for in turn; SOAK_METHOD (GET) and
-- SOAK_BODY_FILE (none) give the method and the body sent with each request; headers come from the command line.
local paths = {}
local paths_file = os.getenv("SOAK_PATHS")
if paths_file and paths_file ~= "" then
  for line in io.lines(paths_file) do
    if line ~= "" then paths[#paths + 1] = line end
  end
end
local method = os.getenv("SOAK_METHOD") or "GET"
local body = nil
local body_file = os.getenv("SOAK_BODY_FILE")
if body_file and body_file ~= "" then
  local handle = assert(io.open(body_file, "rb"))
  body = handle:read("*a")
  handle:close()
end

local threads = {}
setup = function(thread)
  threads[#threads + 1] = thread
end

statuses = {}
failures = {}
local next_path = 0
request = function()
  if #paths == 0 then return wrk.format(method, nil, nil, body) end
  next_path = next_path % #paths + 1
  return wrk.format(method, paths[next_path], nil, body)
end

response = function(status, headers, response_body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status ~= 200 and status ~= 201 then
    local when = key .. "@" .. os.time()
    failures[when] = (failures[when] or 0) + 1
  end
end

local function json_counts(tables)
  local merged = {}
  for _, counts in ipairs(tables) do
    for key, count in pairs(counts) do merged[key] = (merged[key] or 0) + count end
  end
  local parts = {}
  for key, count in pairs(merged) do parts[#parts + 1] = string.format('"%s":%d', key, count) end
  return "{" .. table.concat(parts, ",") .. "}"
end

done = function(summary, latency, requests)
  local status_tables, failure_tables = {}, {}
  for _, thread in ipairs(threads) do
    status_tables[#status_tables + 1] = thread:get("statuses")
    failure_tables[#failure_tables + 1] = thread:get("failures")
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"bytes":%d,"duration_us":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"stdev":%.1f,"p50":%d,"p90":%d,"p95":%d,"p99":%d,"p999":%d,"max":%d},' ..
    '"statuses":%s,"failures_by_second":%s}\n',
    summary.requests, summary.bytes, summary.duration,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency.mean, latency.stdev, latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency:percentile(99.9), latency.max,
    json_counts(status_tables), json_counts(failure_tables)))
end
