-- The benchmark's load script for wrk (https://github.com/wg/wrk, SCRIPTING).
--
-- Arguments after the URL: a file of request paths (one per line), a poll period in
-- milliseconds, the number of wrk threads, and (paced runs) 1 to start the viewers at
-- random moments of the first period, 0 to start them at once.
--
-- Period 0: every connection sends its next request as soon as the last is answered. Each
-- thread walks the paths from its own offset, so with many paths every request can ask
-- for something different.
--
-- Period > 0: each path is one viewer, polling like htmx's `every` trigger: a request
-- starts every period after the last one started, and the first at its start time (a
-- connection opened and left idle holds one of gunicorn's threads, which no browser does).
-- A thread's viewers are shared by its connections: whichever connection is free takes the
-- viewer whose poll is due first (wrk does not tell a script which connection asks), so
-- with as many connections as viewers nobody waits for a connection; polls that left more
-- than LATE_MS after they were due are counted, to show when the load side fell behind.
-- As a browser does, a viewer follows what a rendered answer (200) says: the fingerprint
-- in its poll URL, its `every` interval, and no `every` at all (polling stops). An answer
-- carrying the stale notice is counted with the age it shows. 286 (stop polling) is
-- counted, but wrk cannot say whose it was, so that viewer goes on.
--
-- Every status is tallied; `done` prints the run as one JSON line starting with
-- BENCH-JSON, with each distinct latency and its count when the run is paced (so that
-- several runs can be merged into exact percentiles).

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local LATE_MS = 100
local timespec = ffi.new("bench_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

-- Globals, not locals: wrk moves values between a thread and `setup`/`done` by name.
paths = {}
index = 0
period = 0
statuses = {}
threads = {}
serial = 0
-- Paced runs: each viewer {path, conversation, period, due}; `queue` is a min-heap of
-- viewers by due time, `reserved` those a connection waits for (oldest first).
viewers = {}
by_conversation = {}
queue = {}
reserved = {}
reserved_first = 1 -- the oldest reservation
reserved_next = 1 -- where the next one goes
late_polls = 0
max_late_ms = 0
stale_answers = 0
stale_max_age_s = -1
stopped_viewers = 0
sent = 0 -- polls sent: a run's end can leave some unanswered, yet the server served them

local function conversation_of(path)
  return path:match("^/conversations/([^/]+)/")
end

local function push(viewer)
  table.insert(queue, viewer)
  local i = #queue
  while i > 1 do
    local parent = math.floor(i / 2)
    if queue[parent].due <= queue[i].due then break end
    queue[parent], queue[i] = queue[i], queue[parent]
    i = parent
  end
end

local function pop()
  local top = queue[1]
  local last = table.remove(queue)
  if #queue > 0 then
    queue[1] = last
    local i = 1
    while true do
      local smallest, l, r = i, 2 * i, 2 * i + 1
      if l <= #queue and queue[l].due < queue[smallest].due then smallest = l end
      if r <= #queue and queue[r].due < queue[smallest].due then smallest = r end
      if smallest == i then break end
      queue[smallest], queue[i] = queue[i], queue[smallest]
      i = smallest
    end
  end
  return top
end

function setup(thread)
  serial = serial + 1
  thread:set("serial", serial)
  table.insert(threads, thread)
end

function init(args)
  local lines = {}
  for line in io.lines(args[1]) do
    if line ~= "" then
      table.insert(lines, line)
    end
  end
  period = tonumber(args[2]) or 0
  local thread_count = tonumber(args[3]) or 1
  if period <= 0 then
    paths = lines
    index = math.floor((serial - 1) * #paths / thread_count)
    return
  end
  -- This thread's viewers: every thread_count-th path.
  math.randomseed(7919 * serial + #lines)
  local spread = args[4] == "1"
  local start = now_ms()
  for n, path in ipairs(lines) do
    if (n - 1) % thread_count == serial - 1 then
      local viewer = {
        path = path,
        conversation = conversation_of(path),
        period = period,
        due = start + (spread and math.random() * period or 0),
      }
      table.insert(viewers, viewer)
      if viewer.conversation then
        by_conversation[viewer.conversation] = by_conversation[viewer.conversation] or {}
        table.insert(by_conversation[viewer.conversation], viewer)
      end
      push(viewer)
    end
  end
  delay = function()
    local viewer = pop()
    while viewer ~= nil and viewer.stopped do
      viewer = pop()
    end
    if viewer == nil then
      return 24 * 3600 * 1000 -- every viewer stopped polling: this connection idles
    end
    reserved[reserved_next] = viewer
    reserved_next = reserved_next + 1
    return math.max(0, math.floor(viewer.due - now_ms()))
  end
end

function request()
  if period <= 0 then
    index = index % #paths + 1
    return wrk.format(nil, paths[index])
  end
  local viewer = reserved[reserved_first]
  if viewer == nil then
    -- wrk asks for one request to check the script before any `delay`.
    return wrk.format(nil, viewers[1] and viewers[1].path or "/")
  end
  reserved[reserved_first] = nil
  reserved_first = reserved_first + 1
  sent = sent + 1
  local started = now_ms()
  local late = started - viewer.due
  if late > LATE_MS then
    late_polls = late_polls + 1
  end
  max_late_ms = math.max(max_late_ms, late)
  -- htmx re-arms `every` when it fires, not when the answer comes.
  viewer.due = started + viewer.period
  if not viewer.stopped then
    push(viewer)
  end
  return wrk.format(nil, viewer.path)
end

local function follow(body)
  local path = body:match('hx%-get="(/conversations/[^"/]+/timeline/%?v=[^"]*)"')
  local conversation = path and conversation_of(path)
  if not conversation or not by_conversation[conversation] then
    return
  end
  local trigger = body:match('hx%-trigger="([^"]*)"') or ""
  local every, unit = trigger:match("every%s+(%d+%.?%d*)(m?s)")
  for _, viewer in ipairs(by_conversation[conversation]) do
    viewer.path = path
    if every then
      viewer.period = tonumber(every) * (unit == "ms" and 1 or 1000)
    elseif not viewer.stopped then
      viewer.stopped = true -- not live any more: the browser stops polling
      stopped_viewers = stopped_viewers + 1
    end
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if period > 0 and status == 200 and body then
    follow(body)
    local notice = body:match('class="stale"[^>]*>(.-)</')
    if notice then
      stale_answers = stale_answers + 1
      local age = tonumber(notice:match("(%d+) s ago"))
      if age then
        stale_max_age_s = math.max(stale_max_age_s, age)
      end
    end
  end
end

function done(summary, latency, requests)
  local counts = {}
  local late, worst_late, stale, stale_age, stopped, polls = 0, 0, 0, -1, 0, 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + count
    end
    late = late + (thread:get("late_polls") or 0)
    worst_late = math.max(worst_late, thread:get("max_late_ms") or 0)
    stale = stale + (thread:get("stale_answers") or 0)
    stale_age = math.max(stale_age, thread:get("stale_max_age_s") or -1)
    stopped = stopped + (thread:get("stopped_viewers") or 0)
    polls = polls + (thread:get("sent") or 0)
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
    '"latency_values_us":[%s],"statuses":{%s},' ..
    '"late_polls":%d,"max_late_ms":%.1f,"stale_answers":%d,"stale_max_age_s":%d,' ..
    '"stopped_viewers":%d,"sent":%d}\n',
    summary.duration, summary.requests, summary.bytes,
    errors.connect, errors.read, errors.write, errors.timeout,
    latency.min, latency.max, latency.mean,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99),
    table.concat(values, ","),
    table.concat(parts, ","),
    late, worst_late, stale, stale_age, stopped, polls
  ))
end
