-- wrk script of bench/wrk.py: send the requests of a prepared file and count what comes back.
--
--   wrk -t2 -c64 -d90s -s bench/requests.lua URL -- FILE METHOD MODE THREADS MARKER
--
-- Each line of FILE is one request: `token<TAB>json body` (an empty body sends none). wrk thread
-- i of THREADS takes lines i, i+THREADS, i+2*THREADS, ...
--   MODE "loop": each thread sends its lines round and round until wrk's -d is over.
--   MODE "once": each line is sent exactly once; a thread stops when all its lines are answered
--                and creates the file MARKER..i, so bench/wrk.py can end wrk before -d.
-- done() prints one line `WRK_RESULT {json}` with the counts and latencies.
--
-- How "once" works with wrk 4.1 (Debian's): wrk calls delay() before every request a connection
-- sends. delay() reserves the next line (or, when the thread's lines are all reserved, parks the
-- connection for a day), and request() hands out only reserved lines. wrk also calls request()
-- once, unasked, to check the script (before any delay()), and again without delay() when it
-- reconnects after a connection error: those calls get a GET /health that is counted as `extra`.

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]])
local CLOCK_MONOTONIC = 1 -- the clock of Python's time.monotonic()
local PARK_MS = 24 * 3600 * 1000

local function now()
  local t = ffi.new("bench_timespec")
  ffi.C.clock_gettime(CLOCK_MONOTONIC, t)
  return tonumber(t.tv_sec) + tonumber(t.tv_nsec) * 1e-9
end

-- In the main Lua state: the threads, so done() can read their counters.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

-- In each thread's Lua state. Globals, so done() can read them with thread:get().
share = 0 -- lines this thread sends
reserved = 0 -- lines delay() gave to a connection ("once")
sent = 0 -- request() calls that handed out a line
extra = 0 -- request() calls answered with the GET /health filler ("once")
answered = 0 -- responses
statuses = {} -- status -> count
problems = {} -- "status problem-type" -> count, for answers other than 2xx
alternatives = 0 -- 409 answers whose "alternatives" list has at least one entry
unexpected = "" -- the first body of an answer that is neither 2xx nor 409
started = 0 -- monotonic seconds when the thread began
finished = 0 -- monotonic seconds when its last line was answered ("once")

local requests = {}
local once = false
local marker = ""
local filler = nil

local function finish()
  finished = now()
  local file = io.open(marker .. id, "w")
  if file then
    file:close()
  end
  wrk.thread:stop()
end

function init(args)
  local path, method, mode, count = args[1], args[2], args[3], tonumber(args[4])
  marker = args[5] or ""
  once = mode == "once"
  local n = 0
  for line in io.lines(path) do
    if n % count == id then
      local token, body = line:match("^([^\t]*)\t(.*)$")
      local headers = { Authorization = "Bearer " .. token }
      for name, value in pairs(wrk.headers) do -- wrk's -H headers (bench/wrk.py's `headers`)
        headers[name] = headers[name] or value
      end
      if body == "" then
        body = nil
      else
        headers["Content-Type"] = "application/json"
      end
      requests[#requests + 1] = wrk.format(method, nil, headers, body)
    end
    n = n + 1
  end
  share = #requests
  filler = wrk.format("GET", "/health")
  if once then
    delay = function()
      if reserved < share then
        reserved = reserved + 1
        return 0
      end
      return PARK_MS
    end
  end
  started = now()
end

function request()
  if not once then
    sent = sent + 1
    return requests[(sent - 1) % share + 1]
  end
  if sent < reserved then
    sent = sent + 1
    return requests[sent]
  end
  if reserved > 0 then
    extra = extra + 1 -- a reconnect asked again; the first call (reserved == 0) is wrk's check
  end
  return filler
end

function response(status, headers, body)
  answered = answered + 1
  statuses[status] = (statuses[status] or 0) + 1
  if status < 200 or status > 299 then
    local kind = body:match('"type"%s*:%s*"[^"]-/problems/([%w%-]+)"') or "?"
    local key = status .. " " .. kind
    problems[key] = (problems[key] or 0) + 1
    if status == 409 then
      if body:find('"alternatives"%s*:%s*%[%s*{') then
        alternatives = alternatives + 1
      end
    elseif unexpected == "" then
      unexpected = body:sub(1, 400)
    end
  end
  if once and finished == 0 and answered >= share then
    finish()
  end
end

local function encode(value)
  local kind = type(value)
  if kind == "number" then
    if value ~= value or value == math.huge or value == -math.huge then
      return "null"
    end
    return string.format("%.17g", value)
  elseif kind == "string" then
    return '"' .. value:gsub('[%c"\\]', function(c)
      return string.format("\\u%04x", c:byte())
    end) .. '"'
  elseif kind == "boolean" then
    return tostring(value)
  elseif kind == "table" then
    local parts = {}
    if value[1] ~= nil then
      for _, item in ipairs(value) do
        parts[#parts + 1] = encode(item)
      end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    for key, item in pairs(value) do
      parts[#parts + 1] = encode(tostring(key)) .. ":" .. encode(item)
    end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  return "null"
end

function done(summary, latency, _)
  local result = {
    duration_us = summary.duration,
    requests = summary.requests,
    bytes = summary.bytes,
    errors = summary.errors,
    latency_us = {
      p50 = latency:percentile(50),
      p90 = latency:percentile(90),
      p99 = latency:percentile(99),
      max = latency.max,
      mean = latency.mean,
    },
    threads = {},
  }
  for _, thread in ipairs(threads) do
    local row = {}
    for _, name in ipairs({
      "id", "share", "reserved", "sent", "extra", "answered", "statuses", "problems",
      "alternatives", "unexpected", "started", "finished",
    }) do
      row[name] = thread:get(name)
    end
    result.threads[#result.threads + 1] = row
  end
  io.write("WRK_RESULT ", encode(result), "\n")
end
