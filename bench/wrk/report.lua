-- Shared by the benchmark scripts: numbers each thread, then sums what every thread
-- counted and prints one line for bench/wrk_suite.py to read:
--   BENCH-RESULT {"duration_us": ..., "counters": {...}, "statuses": {...}, ...}
-- The including script lists its counters in the global COUNTERS and keeps each one
-- (and a table `statuses`: HTTP status → count) as a global of its thread.

local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

local function json_object(t)
   local parts = {}
   for k, v in pairs(t) do
      parts[#parts + 1] = string.format('"%s": %d', tostring(k), v)
   end
   return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
   local counters, statuses = {}, {}
   for _, thread in ipairs(threads) do
      for _, name in ipairs(COUNTERS) do
         counters[name] = (counters[name] or 0) + (thread:get(name) or 0)
      end
      for status, n in pairs(thread:get("statuses") or {}) do
         statuses[status] = (statuses[status] or 0) + n
      end
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH-RESULT {"duration_us": %d, "requests": %d, "threads": %d, '
         .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
         .. '"latency_us": {"p50": %d, "p99": %d, "max": %d}, '
         .. '"counters": %s, "statuses": %s}\n',
      summary.duration, summary.requests, #threads,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(99), latency.max,
      json_object(counters), json_object(statuses)))
end
