"""The rollup: raw events folded into the aggregate tables the dashboard reads.

Modules, in the order a run uses them:

- `job`: the scheduled run (every 5 s in the jobs process): its snapshot
  bookkeeping, which days are folded incrementally and which rebuilt;
- `input_rows`: what a run folds, into the temp table `rollup_input`;
- `open_days`: the working state of the open days, cleared and closed;
- `fold`: the fold steps, new rows into the aggregates;
- `media_fold` and `media_plays`: the media step, and how one visitor's
  player events become sessions, plays, watched ranges and coverage;
- `visit_keys`: the visit dimensions' breakdown of each day over;
- `day_reports`: the props, errors, elements, timeline, wildcard goal and
  site-wide click rows of each day over;
- `month_keys`: the breakdown keys of each month over;
- `days`: site-local days.

Their queries are sql/queries/rollup.<module>.<function>.sql.

`peil serve` runs the rollup job every 5 s (5 s after the previous run
ended) in its jobs process: a process of its own, niced, so that the
rollup's Python steps never hold up a worker's event loop and, under load,
the collector's answers come first; a run with nothing new costs about 2 ms
(it makes no temp table). Aggregates live in `rollup_days` (pageviews,
visitors, visits, bounces, visit seconds, raw event count),
`rollup_day_types`, `rollup_day_keys` (breakdowns), `rollup_day_media` (with
21 coverage counts), `rollup_day_clicks`, `rollup_day_click_elements`,
`rollup_day_visit_keys`, `rollup_day_reports` and `rollup_day_site_clicks`,
all keyed by site and site-local day, and `rollup_month_keys` by site and
month. They hold counts only, no visitor hash. Each visit, with the attributes of its first
event and its entry and exit pages, is kept in `rollup_open_visits` while its
day is open and in `visits` after (migration 0009): per-visitor rows like the
raw events, purged and forgotten with them, read by the filtered reports.
The unfiltered reports read these tables, so the README's "Definitions"
(visitors of a range = the sum of its days' distinct visitors, visits per
visitor hash and day) are what the rollup computes per day; filtered ones
read the visits and raw events by the same definitions
(dashboard/stats/selection.py).

- **Only new rows.** Every raw row carries the id of the transaction that
  inserted it (`events.rollup_xact`, filled by a column default, indexed).
  A run is one REPEATABLE READ transaction that folds the rows its snapshot
  sees and the previous run's snapshot did not, then stores its snapshot in
  `rollup_state`. Its cost is the rows committed since the previous run (and
  the state of the visitors they touch), not the size of the day.
- **Exactly once.** A row is new in exactly one run; a run that dies (crash,
  restart, lost connection) rolls back whole, its snapshot with it, and the
  next run takes the same rows again. A transaction still open during a run
  is simply new for the next one.
- **Late events** are counted whatever their `ts`: a row is new when it is
  committed, so a spool replayed hours after an outage is folded by the next
  run into the days its `ts` falls in.
- **How counts that are not sums stay exact.** Pageviews, events per type,
  breakdown pageviews, clicks and media loads are added. For the rest, the
  *open* days (today and yesterday in every time zone: UTC dates from two
  days back) keep working state: `rollup_open_seen` (visitor hashes seen per
  day and per breakdown key, the key as a 64-bit hash), `rollup_open_visits`
  (each visit's first and last event, pageviews, interactions and
  engagement: a new event extends, starts or bridges visits, and the day's
  visits, bounces and seconds change by the difference) and
  `rollup_open_media` (each visitor's player events per media, summarized
  again when one arrives). Visit seconds and watch time are summed as
  integer microseconds, so the order of additions does not matter. These
  tables hold visitor hashes like the raw events, are not aggregates, and
  are deleted (in batches of 200,000 rows per run) once a day closes, long
  before the raw events' retention.
- **State without WAL.** The state tables and `rollup_open_days` are
  UNLOGGED (migration 0005): their writes cost no WAL. All but
  `rollup_open_visits`, logged since migration 0009, because the filtered
  reports read it, on a hot standby too, where no unlogged table can be
  read. PostgreSQL empties unlogged tables when it recovers from a crash
  (and on a promoted standby or a restored base backup); the day is then
  simply no longer open, and the next run rebuilds it from its raw rows
  (`lost_days` in job.py: a day of the open window with aggregates but not
  open), as below: exact, at the cost of one rebuild of today and yesterday.
  The aggregates and the run's snapshot stay logged. A run commits with
  `synchronous_commit = off`: a commit lost in a crash loses its snapshot
  too, so the next run folds the same rows again.
- **Days.** A day gets its state when first touched, by a rebuild from its
  raw rows (for a new day: the seconds since midnight). A row for a closed
  day (an outage replay) rebuilds that day from its raw rows when they are
  all still there (the day's raw count is at least the folded count plus the
  new rows); when the purge already removed some, the new rows are added to
  the kept aggregates without state (their visitors count as new ones, at
  most over-counting visitors who were also there before). A day without raw
  rows is never rebuilt: aggregates outlive raw events.
- **Rebuild = incremental.** A rebuild clears the day's aggregates and state
  and folds all its raw rows through the same code as new rows, so both give
  the same tables (tests/rollup/test_rollup.py checks it on shuffled batches).
- **Time zones.** A day is cut in the site's zone at fold time; changing a
  site's zone later does not move days already folded (`refold_site` in
  `job.py` rebuilds the days whose raw events remain).
- **Upgrade.** The first run after migration 0005 (no stored snapshot)
  rebuilds the days holding rows received since the old watermark minus 15
  minutes, as the old per-day mechanism did; rows inserted before the
  migration have no transaction id and are never new again.
- **Throughput.** A run folds about 60,000-75,000 rows per second of run
  time on the 2-core development machine while the same cores take 38,000
  inserted rows/s; at that rate the 5 s interval keeps runs at about 7 s
  and the lag (age of the oldest row not yet in the aggregates) under 20 s
  (`benchmarks/rollup.py`, figures in `benchmarks/RESULTS.md`). Each run
  sets `work_mem` (64 MB) and, once per connection, `temp_buffers` (128 MB)
  so its sorts, hashes and temp tables stay in memory.
"""
