-- wrk script of bench/performance.py: optional rotation over a list of paths (one per line in the file
-- named by the first script argument; "path<TAB>etag" sends If-None-Match), and one JSON line of
-- totals and latency percentiles at the end, which the bench parses.

local paths = {}
local counter = 0

function init(args)
  if args[1] then
    for line in io.lines(args[1]) do
      local path, etag = line:match("^([^\t]+)\t?(.*)$")
      if path then
        local headers = {}
        for name, value in pairs(wrk.headers) do headers[name] = value end
        if etag ~= "" then headers["If-None-Match"] = etag end
        paths[#paths + 1] = wrk.format("GET", path, headers)
      end
    end
  end
  counter = math.random(1, 1000)
end

function request()
  if #paths == 0 then return wrk.format() end
  counter = counter + 1
  return paths[(counter % #paths) + 1]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean))
end
