-- wrk script for benchmarks/ingest.py: POST /api/events with N events per
-- request, each event with a unique client id (so deduplication keeps all).
-- Settings come from the environment: BENCH_SITE, BENCH_BATCH.
--
-- The traffic is varied the way one site's is: 200 pages (a few of them
-- popular), 8 referrers (none for most), 6 browsers, 5 languages, several
-- elements and media. So Peil's per-value memos of pages, referrers, user
-- agents and elements work as hard as in real traffic, not on a single
-- value. The same requests go to the no-op ceiling.
local site = os.getenv("BENCH_SITE")
local batch = tonumber(os.getenv("BENCH_BATCH") or "1")
local counter = 0
local threads = 0

-- Runs in the main state: give every thread its own id prefix.
function setup(thread)
  threads = threads + 1
  thread:set("prefix", string.format("%d-%d", os.time(), threads))
end

local agents = {
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) " ..
    "Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 " ..
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) " ..
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) " ..
    "Chrome/131.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) " ..
    "Version/17.1 Safari/605.1.15",
}
local languages = {
  "nl-NL,nl;q=0.9,en;q=0.8", "en-US,en;q=0.9", "de-DE,de;q=0.9,en;q=0.5", "fr-FR,fr;q=0.9",
  "nl-BE,nl;q=0.9,fr;q=0.8",
}
local referrers = {
  "", "", "", "", "https://www.google.com/", "https://www.bing.com/search?q=peil",
  "https://news.ycombinator.com/item?id=1", "https://www.bench.example/",
}
local elements = { "button#buy", "a.nav-link", "div.card:nth-of-type(3)", "button.play" }
local media = { "intro.mp4", "tour.mp4", "podcast-12.mp3" }

-- A popular few and a long tail: half the views go to 10 pages.
local function page()
  local n = math.random(1, 10)
  if math.random() < 0.5 then n = math.random(1, 200) end
  return string.format("https://www.bench.example/p/%d?id=%d", n, n % 7)
end

local function event(i)
  local k = i % 4
  if k == 0 then
    return '"t":"pageview"'
  elseif k == 1 then
    return string.format('"t":"click","el":"%s","x":0.42,"y":812', elements[math.random(#elements)])
  end
  local src = media[math.random(#media)]
  if k == 2 then
    return string.format('"t":"play","el":"video#main","src":"%s","pos":0.0,"dur":120.5', src)
  end
  return string.format(
    '"t":"pause","el":"video#main","src":"%s","from":0.0,"pos":30.1,"dur":120.5', src)
end

function request()
  counter = counter + 1
  local events = {}
  for i = 1, batch do
    events[i] = string.format('{"id":"%s-%d-%d","ts":%d,%s}', prefix, counter, i,
      1763800000000 + i, event(i + counter))
  end
  local ref = referrers[math.random(#referrers)]
  local body = string.format(
    '{"site":"%s","url":"%s","ref":%s,"sw":1920,"sh":1080,"pv":"1","events":[%s]}',
    site, page(), ref == "" and "null" or ('"' .. ref .. '"'), table.concat(events, ","))
  -- A table of its own for every request: wrk.format adds Content-Length to it.
  local headers = {
    ["Host"] = wrk.headers["Host"],
    ["Content-Type"] = "text/plain",
    ["Origin"] = "https://www.bench.example",
    ["User-Agent"] = agents[math.random(#agents)],
    ["Accept-Language"] = languages[math.random(#languages)],
  }
  return wrk.format("POST", nil, headers, body)
end

function done(summary, latency, requests)
  local codes = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"non2xx":%d,"connect_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    codes.status, codes.connect, codes.timeout))
end
