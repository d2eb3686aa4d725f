-- wrk script for benchmarks/ingest.py: POST /api/events with N events per
-- request, each event with a unique client id (so deduplication keeps all).
-- Settings come from the environment: PEIL_SITE, PEIL_BATCH.
local site = os.getenv("PEIL_SITE")
local batch = tonumber(os.getenv("PEIL_BATCH") or "1")
local counter = 0
local threads = 0

-- Runs in the main state: give every thread its own id prefix.
function setup(thread)
  threads = threads + 1
  thread:set("prefix", string.format("%d-%d", os.time(), threads))
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "text/plain"
  wrk.headers["Origin"] = "https://www.bench.example"
  wrk.headers["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " ..
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
  wrk.headers["Accept-Language"] = "nl-NL,nl;q=0.9,en;q=0.8"
end

local kinds = {
  '"t":"pageview"',
  '"t":"click","el":"button#buy","x":0.42,"y":812',
  '"t":"play","el":"video#intro","src":"intro.mp4","pos":0.0,"dur":120.5',
  '"t":"pause","el":"video#intro","src":"intro.mp4","from":0.0,"pos":30.1,"dur":120.5',
}

function request()
  counter = counter + 1
  local events = {}
  for i = 1, batch do
    events[i] = string.format('{"id":"%s-%d-%d","ts":%d,%s}', prefix, counter, i,
      1763800000000 + i, kinds[(i % #kinds) + 1])
  end
  local body = string.format(
    '{"site":"%s","url":"https://www.bench.example/tour?id=7","ref":"https://www.google.com/",' ..
    '"sw":1920,"sh":1080,"pv":"1","events":[%s]}', site, table.concat(events, ","))
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local codes = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"non2xx":%d,"connect_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    codes.status, codes.connect, codes.timeout))
end
