-- wrk: contact POSTs, each body unique (thread number and a counter in the
-- note), naming a random customer of the registry. Counts the 201 answers per
-- thread and prints `created=N other=M` at the end, so bench/run can check that
-- every acknowledged contact is in the database.
-- BENCH_TOKEN: an agent token; BENCH_CUSTOMERS: the registry size.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("number", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  created, other = 0, 0
  n = tonumber(os.getenv("BENCH_CUSTOMERS"))
  headers = {["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"), ["Content-Type"] = "application/json"}
  math.randomseed(os.time() + number * 7919)
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"customer_id":"C%07d","channel":"voice","reason":"no_service","outcome":"handled","agent":"desk-%d",' ..
    '"note":"bench %d-%d: no service since this morning"}',
    math.random(0, n - 1), number, number, counter)
  return wrk.format("POST", "/v1/contacts", headers, body)
end

function response(status, headers, body)
  if status == 201 then created = created + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
  end
  io.write(string.format("created=%d other=%d\n", c, o))
end
