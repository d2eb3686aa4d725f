r"""Ingest: one request of tracker events, from the HTTP request to encoded rows.

`POST /api/events` (and `GET /api/p.gif` for pages without JavaScript) runs
one request through the steps of `pipeline.STEPS`, each a small function
with its own module (pipeline.py's docstring has the table); `handlers.py`
is the HTTP side around them (status codes, `X-Peil-Dropped`, the hand-over
to the spool):

1. **receive** (`receive.py`): client address from the socket peer, or from
   `X-Forwarded-For` only when the peer is in `PEIL_TRUSTED_PROXIES`; the
   per-address rate limit; a body of at most 64 KiB, complete within 30 s of
   its headers (else 400). A body with a `Content-Encoding` other than
   `identity` is answered 400 before any of it is read: the tracker never
   compresses, and aiohttp's automatic inflation is turned off, so a small
   "gzip bomb" costs neither memory nor CPU.
2. **validate** (`validate.py`): the body must be a JSON object with `site`,
   `url` and 1 to 200 `events` (else 400, or 413 when too large). Each event
   is checked on its own; a bad one is dropped with a reason and its
   neighbours are kept. The site key must exist and the `Origin`/`Referer`
   and the page URL must be on the site's domains or their subdomains (else
   403). Bots and headless browsers are answered 202 and stored nowhere.
3. **enrich** (`enrich/`): GeoIP from the full address (in memory), browser,
   major version, OS and device class from the User-Agent (ua-parser, LRU
   cached), language from `Accept-Language`, referrer reduced to host + path,
   the page URL's query reduced to the parameters named in `PEIL_KEEP_QUERY`
   (in their order, repeats kept, names compared decoded: `utm%5Fsource` is
   `utm_source`), so no other parameter reaches the spool, the visitor
   hash (keyed BLAKE2b of daily salt, site, full address and User-Agent,
   a signed 64-bit integer), and last the address truncated to
   `PEIL_IPV4_PREFIX`/`PEIL_IPV6_PREFIX` bits. `uid`/`sid` are kept only
   for a site in consent mode (requests under `DNT: 1` or `Sec-GPC: 1`
   never get here: validate drops them as `do_not_track`). Event times are
   the server's receive time; client `ts` only orders and spaces the events
   of one batch (at most 10 minutes).
   What follows from a header or a URL alone (page host and path, reduced
   referrer, Origin host, language, browser columns, element descriptors and
   media sources) is computed and encoded once per distinct value and kept in
   bounded per-process memos (`enrich/memo.py`: at most 2,048 values each,
   values over 512 characters are never kept), because a site's traffic
   repeats a few of each. Nothing derived from the client address is kept
   beyond its request.
4. **encode** (`collector/durable/copy_format.py`): validation's typed
   `Event`s and enrichment's typed `RequestColumns` become binary COPY rows,
   by one encoder driven by the one column declaration (a new column is one
   line there, plus the step that produces its value); the request's part
   is encoded once and shared by its events.

The rows then go to the durable write path (collector/durable/: spool,
queue, writer), which makes the 202 a promise.

Why events were dropped is answered in the `X-Peil-Dropped` response header
(for example `bad_field=1, unknown_type=2`) and counted per reason in
`/metrics`: `unknown_type`, `bad_field`, `bad_props`, `duplicate`, `bot`, `do_not_track`,
`unknown_site`, `foreign_origin`, `bad_body`, `too_large`, `rate_limited`,
`overloaded`, `write_failed`.

Limits of stored strings (longer values are cut, NUL characters removed
from every string, the page URL and the pixel's query included):
page URL 2,048 characters (path 1,000, kept query parameters 1,000 in all), referrer path 200,
element descriptor 200, media source 500 (query string removed), custom
event name 100, error message 300, client ids 64, custom props at most 20
keys of 50 characters with values of 200. Numbers outside their range (`x`
0..1, `depth` 0..100, positions 0..10,000,000 s) drop the event as
`bad_field`; an integer beyond 64 bits arrives as a float (so it is out of
range too), and `NaN`, `Infinity`, numbers beyond a double, invalid UTF-8 and
lone surrogate escapes (`"\ud800"`) make the body unparseable (400), as does
nesting deeper than 1,024 levels. Any other character is stored as sent,
bidirectional controls such as U+202E included: it is text, and the dashboard
never renders tracked strings as HTML. Custom event names starting with `=`,
`+`, `-` or `@` are stored as sent too; the CSV export prefixes such cells
with `'` so no spreadsheet evaluates them. A page URL that is not http(s)
(`data:`, `javascript:`) is refused with 403; such a referrer is stored as
NULL.

Connection limits (`collector/app.py`, shared by `peil serve` and the tests):
a keep-alive connection that is idle, or whose request headers are still not
complete, is closed after 150 s (longer than the upstream idle timeouts of
nginx, 60 s, and Caddy, 120 s, so a proxy in front never reuses a connection
Peil is closing); a body not complete 30 s after its headers is answered 400;
after an early answer (400, 413) the rest of a body is read and discarded
for at most 5 s, then the connection is closed. A slow-loris client thus
holds a socket for at most 150 s, or 35 s once its headers are in, and the
others are served meanwhile. `tests/ingest/test_hostile.py` and
`test_properties.py` (Hypothesis) post hostile input to a real server: no
input gets a 500, and the valid events beside a bad one are stored once.
"""
