-- wrk script for bench/referee_page.sh: GET /r/{token} (the questionnaire page), round-robin
-- over the tokens of TOKENS_FILE (one a line), each thread starting at its own offset.
-- done() prints one "BENCH ..." line the shell script parses; latencies in milliseconds.
local tokens_file = os.getenv("TOKENS_FILE")
local threads = {}
function setup(thread)
   thread:set("thread_index", #threads)
   threads[#threads + 1] = thread
end

local my_tokens = {}
local next_i = 1
responses = 0
non200 = 0

function init(args)
   assert(tokens_file, "TOKENS_FILE is not set")
   for line in io.lines(tokens_file) do
      local t = line:match("^%s*([A-Za-z0-9_-]+)%s*$")
      if t then my_tokens[#my_tokens + 1] = t end
   end
   assert(#my_tokens > 0, "no tokens in " .. tokens_file)
   next_i = ((thread_index or 0) * 7919) % #my_tokens + 1
end

function request()
   local t = my_tokens[next_i]
   next_i = next_i % #my_tokens + 1
   return wrk.format("GET", "/r/" .. t)
end

function response(status, hdrs, body)
   responses = responses + 1
   if status ~= 200 then non200 = non200 + 1 end
end

function done(summary, latency, requests)
   local bad = 0
   for _, t in ipairs(threads) do bad = bad + (t:get("non200") or 0) end
   local secs = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_s=%.2f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f mean_ms=%.2f non200=%d socket_errors=%d\n",
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
      bad, e.connect + e.read + e.write + e.timeout))
end
