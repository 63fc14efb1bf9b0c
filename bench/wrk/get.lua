-- GET one path over and over (the hello baseline, anonymous pages), counting statuses.
--   wrk ... -s get.lua http://127.0.0.1:PORT -- PATH
-- An optional second argument is sent as the Cookie header.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

COUNTERS = { "sent", "responded", "ok", "redirects", "rejected" }

function init(args)
   local headers = {}
   if args[2] and args[2] ~= "" then
      headers["Cookie"] = args[2]
   end
   req = wrk.format("GET", args[1], headers)
   sent, responded, ok, redirects, rejected = 0, 0, 0, 0, 0
   statuses = {}
end

function request()
   sent = sent + 1
   return req
end

function response(status, headers, body)
   responded = responded + 1
   statuses[status] = (statuses[status] or 0) + 1
   if status >= 200 and status < 300 then
      ok = ok + 1
   elseif status >= 300 and status < 400 then
      redirects = redirects + 1
   else
      rejected = rejected + 1
   end
end
