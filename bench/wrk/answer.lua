-- Learners answering real questions, each question once: every POST stores a new response.
--   wrk ... -s answer.lua http://127.0.0.1:PORT -- POOL MODE THREADS
--
-- POOL has one prepared answer per line: PATH <tab> COOKIE <tab> BODY (url-encoded form
-- with the learner's CSRF token), written by bench/wrk_suite.py for attempts it started
-- (and by bench/floor_ladder.py for its rungs, which answer with a 2xx feedback page).
-- Thread k of THREADS sends the lines k, k + THREADS, ... once each, in order.
--
-- MODE "answer": POSTs only. MODE "whole": a learner's whole answer; each POST that is
-- acknowledged with a redirect to its feedback page is followed by a GET of that page
-- (with the learner's cookie), before any new POST of the thread. An app that returns
-- the feedback in the POST's own response (2xx) gets no GET: that response is the
-- whole answer.
--
-- Only a redirect to an attempt's page counts as an acknowledged answer (a redirect to
-- the login page is a rejection). When the pool runs out the thread stops and says so
-- (`exhausted`): the suite then repeats the run with a larger pool, as the run's time
-- would otherwise include idle time.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

COUNTERS = {
   "sent", "gets", "responded", "ok", "redirects", "rejected", "exhausted", "pool",
}

local FORM = { ["Content-Type"] = "application/x-www-form-urlencoded" }

function init(args)
   local pool_file, mode, count = args[1], args[2], tonumber(args[3])
   whole = mode == "whole"
   posts, cookies = {}, {}
   local i = 0
   for line in io.lines(pool_file) do
      if i % count == id then
         local path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
         local headers = { Cookie = cookie }
         for k, v in pairs(FORM) do
            headers[k] = v
         end
         posts[#posts + 1] = wrk.format("POST", path, headers, body)
         local attempt = path:match("^/attempts/(%d+)/")
         if attempt then -- other paths (bench/floor_ladder.py) are never redirected to
            cookies[attempt] = cookie
         end
      end
      i = i + 1
   end
   pool = #posts
   next_post = 1
   feedback, head, tail = {}, 1, 0
   sent, gets, responded, ok, redirects, rejected, exhausted = 0, 0, 0, 0, 0, 0, 0
   statuses = {}
   idle = wrk.format("GET", "/livez")
end

function request()
   if head <= tail then
      local req = feedback[head]
      feedback[head] = nil
      head = head + 1
      sent = sent + 1
      gets = gets + 1
      return req
   end
   if next_post > pool then
      -- Out of answers: stop. The request returned here is not an answer, and its
      -- response is never read (the thread's loop ends first); the answers still in
      -- flight on other connections are cut off (sent, never seen answered).
      exhausted = 1
      wrk.thread:stop()
      return idle
   end
   local req = posts[next_post]
   posts[next_post] = nil
   next_post = next_post + 1
   sent = sent + 1
   return req
end

function response(status, headers, body)
   responded = responded + 1
   statuses[status] = (statuses[status] or 0) + 1
   if status >= 200 and status < 300 then
      ok = ok + 1
      return
   end
   local location = headers["Location"] or headers["location"] or ""
   local path = location:gsub("^https?://[^/]+", "")
   local attempt = path:match("^/attempts/(%d+)")
   if status >= 300 and status < 400 and attempt then
      redirects = redirects + 1
      if whole then
         tail = tail + 1
         feedback[tail] = wrk.format("GET", path, { Cookie = cookies[attempt] })
      end
   else
      rejected = rejected + 1
   end
end
