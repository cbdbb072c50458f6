-- Loaded with `wrk -s bench/wrk-summary.lua`: after wrk's own report, prints one line
-- `WRK_JSON {...}` with the figures bench/report.ts needs (latencies in microseconds).
--
-- With BENCH_WRK_PATHS naming a file of paths (one a line), each connection asks for them in turn, with the
-- method and headers given on the command line: one run over several searches.
--
-- With BENCH_WRK_METHOD (HEAD, say), every request uses that method.
local method = os.getenv("BENCH_WRK_METHOD")
if method and method ~= "" then wrk.method = method end

local paths_file = os.getenv("BENCH_WRK_PATHS")
if paths_file and paths_file ~= "" then
  local paths = {}
  for line in io.lines(paths_file) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  local next_path = 0
  request = function()
    next_path = next_path % #paths + 1
    return wrk.format(nil, paths[next_path])
  end
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"bytes":%d,"duration_us":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"stdev":%.1f,"p50":%d,"p90":%d,"p95":%d,"p99":%d,"p999":%d,"max":%d}}\n',
    summary.requests, summary.bytes, summary.duration,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency.mean, latency.stdev, latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency:percentile(99.9), latency.max))
end
