-- wrk: IVR announcement GETs over a mix of affected and unaffected postcodes.
-- BENCH_TOKEN: an ivr token; BENCH_POSTCODES: a Lua file returning the postcodes
-- (bench_gen_data writes ivr_postcodes.lua, half covered by an active area).
-- The same script drives the nginx anchor, so both sides cost wrk the same.
local postcodes = dofile(os.getenv("BENCH_POSTCODES"))
local requests, next_request = {}, 1
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("number", thread_count)
end

function init(args)
  local headers = {["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")}
  for i, p in ipairs(postcodes) do
    requests[i] = wrk.format("GET", "/v1/ivr/announcement?postcode=" .. p, headers)
  end
  math.randomseed(os.time() + number * 7919)
  next_request = math.random(#requests)
end

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end
