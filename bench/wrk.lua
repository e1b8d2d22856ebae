-- The benchmark's load script for wrk (https://github.com/wg/wrk, SCRIPTING).
--
-- Arguments after the URL: a file of request paths (one per line), a poll period in
-- milliseconds, and the number of wrk threads.
--
-- Period 0: every connection sends its next request as soon as the last is answered. Each
-- thread walks the paths from its own offset, so with many paths every request can ask
-- for something different.
--
-- Period > 0: one connection is one viewer, polling like htmx's `every` trigger: a request
-- starts every period (the wait is the period less the last response time), and the first
-- goes out at once: a connection opened and left idle holds one of gunicorn's threads
-- (gthread waits for the request in a thread), which no browser does.
--
-- Every status is tallied; `done` prints the run as one JSON line starting with
-- BENCH-JSON, with each distinct latency and its count when the run is a viewer's (so
-- that many viewers' runs can be merged into exact percentiles).

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("bench_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

-- Globals, not locals: wrk moves values between a thread and `setup`/`done` by name.
paths = {}
index = 0
period = 0
started = nil -- when the viewer's latest request started (ms)
waited = false -- wrk asks for one request to check the script, so `started` cannot tell
statuses = {}
threads = {}
serial = 0

function setup(thread)
  serial = serial + 1
  thread:set("serial", serial)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then
      table.insert(paths, line)
    end
  end
  period = tonumber(args[2]) or 0
  local thread_count = tonumber(args[3]) or 1
  index = math.floor((serial - 1) * #paths / thread_count)
  if period > 0 then
    delay = function()
      if not waited then
        waited = true
        return 0
      end
      return math.max(0, math.floor(period - (now_ms() - started)))
    end
  end
end

function request()
  index = index % #paths + 1
  started = now_ms()
  return wrk.format(nil, paths[index])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(counts) do
    table.insert(parts, string.format('"%d":%d', status, count))
  end
  local values = {}
  -- `done` runs apart from the threads: their period is read from the first one.
  if (threads[1]:get("period") or 0) > 0 then
    for i = 1, #latency do
      local value, count = latency(i)
      table.insert(values, string.format("[%d,%d]", value, count))
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH-JSON {"duration_us":%d,"requests":%d,"bytes":%d,' ..
    '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"max":%d,"mean":%.1f,"p50":%d,"p90":%d,"p95":%d,"p99":%d},' ..
    '"latency_values_us":[%s],"statuses":{%s}}\n',
    summary.duration, summary.requests, summary.bytes,
    errors.connect, errors.read, errors.write, errors.timeout,
    latency.min, latency.max, latency.mean,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99),
    table.concat(values, ","),
    table.concat(parts, ",")
  ))
end
