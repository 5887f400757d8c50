-- wrk script for bench/referee_post.sh: POST /r/{token} (referee questionnaire form).
--
-- Environment:
--   TOKENS_FILE  one referee link token per line (required)
--   BENCH_MODE   "save" (default): save a draft, round-robin over this thread's tokens,
--                repeatable for as long as wrk runs;
--                "submit": submit each of this thread's tokens exactly once, then idle
--                (delay() parks the connections) until wrk's -d ends.
--   BENCH_THREADS  wrk's -t (default 2). Tokens are partitioned between threads (token i
--                goes to thread i mod BENCH_THREADS) so two threads never post for the same
--                reference at the same time.
--
-- done() prints one machine-readable line, starting with "BENCH ", that the shell script
-- parses; latencies there are in milliseconds.

local mode = os.getenv("BENCH_MODE") or "save"
local tokens_file = os.getenv("TOKENS_FILE")

local function read_tokens()
   assert(tokens_file, "TOKENS_FILE is not set")
   local list = {}
   for line in io.lines(tokens_file) do
      local t = line:match("^%s*([A-Za-z0-9_-]+)%s*$")
      if t then list[#list + 1] = t end
   end
   assert(#list > 0, "no tokens in " .. tokens_file)
   return list
end

local likert_keys = {
   "values_shared", "values_tradeoffs", "dedication_success", "dedication_extra_mile",
   "dedication_minimum", "accountability_mistakes", "accountability_delivery",
   "communication_proactive", "communication_responsive", "partnership_initiative",
   "partnership_team", "confidentiality_trust", "scope_clarity", "scope_surprises",
   "expertise_quality", "expertise_current",
}

local function form_body(action)
   local parts = { "action=" .. action }
   for i, k in ipairs(likert_keys) do
      -- reverse-scored ones (dedication_minimum, scope_surprises) answered low, like a
      -- consistent referee would; values stay within 1..5
      local v = (k == "dedication_minimum" or k == "scope_surprises") and "2" or "4"
      parts[#parts + 1] = "q_" .. k .. "=" .. v
   end
   parts[#parts + 1] = "q_rehire=yes"
   parts[#parts + 1] = "q_strengths=Clear+monthly+reporting%2C+owns+mistakes+and+fixes+them+fast."
   parts[#parts + 1] = "q_concerns=Slow+to+answer+during+the+year-end+close."
   if action == "submit" then parts[#parts + 1] = "consent=on" end
   return table.concat(parts, "&")
end

---------------------------------------------------------------- main (setup/done) state
local threads = {}

-- wrk calls setup(thread) and then that thread's init() before it sets up the next
-- thread, so the thread count comes from the environment, not from counting here.
function setup(thread)
   thread:set("thread_index", #threads)
   threads[#threads + 1] = thread
end

---------------------------------------------------------------- per-thread state
local my_tokens = {}
local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
local body
local next_i = 1       -- next token to request (round-robin index)
local promised = 0     -- submit mode: tokens promised to connections by delay()
local verify_call = false
extra = 0              -- submit mode: requests sent with no token left (should stay 0)
-- counters read back by done() (primitives only: wrk copies nothing else)
responses = 0
non303 = 0
statuses = ""          -- "code:count,code:count"
submitted = 0          -- submit mode: 303 answers
local by_status = {}

function init(args)
   local all = read_tokens()
   local idx = thread_index or 0
   local n = tonumber(os.getenv("BENCH_THREADS") or "2")
   assert(idx < n, "BENCH_THREADS is smaller than wrk's -t")
   for i, t in ipairs(all) do
      if (i - 1) % n == idx then my_tokens[#my_tokens + 1] = t end
   end
   body = form_body(mode == "submit" and "submit" or "save")
   verify_call = (idx == 0)
end

local function post(t)
   return wrk.format("POST", "/r/" .. t, headers, body)
end

if mode == "submit" then
   -- Each token is posted once. wrk calls request() when a connection opens and, after
   -- each answer, delay() and then request(); delay() promises a token to the
   -- connection or parks it for the rest of the run (parked time is not measured), and
   -- the thread stops itself once all of its tokens are answered, before a parked
   -- keep-alive connection can time out and reconnect.
   function delay()
      if (next_i - 1) + promised < #my_tokens then
         promised = promised + 1
         return 0
      end
      return 1000000000
   end

   function request()
      if verify_call then
         -- wrk's dry call on the first thread, before any connection: send nothing real
         verify_call = false
         return post(my_tokens[1])
      end
      if promised > 0 then promised = promised - 1 end
      local t = my_tokens[next_i]
      if t == nil then
         -- only after a reconnect with no token left; shows up as a non-303 (404)
         extra = extra + 1
         return post("no-token-left")
      end
      next_i = next_i + 1
      return post(t)
   end
else
   function request()
      local t = my_tokens[next_i]
      next_i = next_i % #my_tokens + 1
      return post(t)
   end
end

function response(status, hdrs, resp_body)
   responses = responses + 1
   if status == 303 then
      if mode == "submit" then submitted = submitted + 1 end
   else
      non303 = non303 + 1
   end
   by_status[status] = (by_status[status] or 0) + 1
   if mode == "submit" and responses >= #my_tokens and wrk.thread then
      wrk.thread:stop()
   end
   local s = {}
   for code, count in pairs(by_status) do s[#s + 1] = code .. ":" .. count end
   table.sort(s)
   statuses = table.concat(s, ",")
end

function done(summary, latency, requests)
   local total_non303, total_responses, total_submitted, total_extra = 0, 0, 0, 0
   local merged = {}
   for _, t in ipairs(threads) do
      total_non303 = total_non303 + (t:get("non303") or 0)
      total_responses = total_responses + (t:get("responses") or 0)
      total_submitted = total_submitted + (t:get("submitted") or 0)
      total_extra = total_extra + (t:get("extra") or 0)
      for code, count in string.gmatch(t:get("statuses") or "", "(%d+):(%d+)") do
         merged[code] = (merged[code] or 0) + tonumber(count)
      end
   end
   local s = {}
   for code, count in pairs(merged) do s[#s + 1] = code .. "=" .. count end
   table.sort(s)
   local secs = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      "BENCH mode=%s requests=%d duration_s=%.2f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f mean_ms=%.2f non303=%d submitted=%d statuses=%s socket_errors=%d tokenless=%d\n",
      mode, summary.requests, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
      total_non303, total_submitted, table.concat(s, ","),
      e.connect + e.read + e.write + e.timeout, total_extra))
   if total_non303 > 0 then
      io.write(string.format("WARNING: %d of %d responses were not 303 (%s)\n",
         total_non303, total_responses, table.concat(s, ",")))
   end
end
