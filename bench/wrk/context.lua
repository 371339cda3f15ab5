-- wrk: agent context GETs by phone over the whole registry.
-- BENCH_TOKEN: an agent token; BENCH_CUSTOMERS: how many customers bench_gen_data
-- made (customer i has the phone +346 followed by i on 8 digits).
local requests, next_request = {}, 1
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("number", thread_count)
end

function init(args)
  local headers = {["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")}
  local n = tonumber(os.getenv("BENCH_CUSTOMERS"))
  math.randomseed(os.time() + number * 7919)
  for i = 1, 4000 do
    local phone = string.format("%%2B346%08d", math.random(0, n - 1))
    requests[i] = wrk.format("GET", "/v1/agent/context?phone=" .. phone, headers)
  end
end

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end
