"""The durable write path: what makes a 202 mean "stored in PostgreSQL exactly once".

An accepted request's rows (already encoded for binary COPY by ingest, see
`copy_format`) go through these modules, in this order:

    spool (write-ahead log, group commit; `syncer` + `sync_helper` fdatasync it)
    -> queue (in-memory hand-over, spills to the spool file when full)
    -> writer (COPY batches + spool_progress in one transaction)
    -> PostgreSQL `events`

`dedup` drops client event ids this process saw in the last minutes, before
they reach its spool; `exactly_once` makes PostgreSQL the judge across
processes and nodes: each day partition has a unique index of client ids,
and a batch that repeats an id is written without it.

What a 202 promises, whatever happens to PostgreSQL or to the collector:

- **Crash of the collector** (`kill -9`, OOM, power loss with `fsync`): each
  process writes its own spool generation, `spool/<generation>/`, holding an
  `flock` on it. At start, every generation no live process holds is an
  orphan: its records after the generation's row in `spool_progress` are
  replayed first, then its files and its row are deleted. The client ids of
  its last five minutes are remembered, so a client retrying a request whose
  answer the crash swallowed is stored once.
- **PostgreSQL down, restarting or too slow**: ingest keeps answering 202
  from the spool; the writer retries with backoff (up to 5 s) and, on
  recovery, writes the backlog in order in batches of 5,000 rows while new
  events keep coming in behind it. Replay is idempotent because every batch
  commits its last spool sequence number in the same transaction as its
  rows, and after any failed write the writer reads that number back before
  writing again: a COMMIT whose answer was lost in a crash is not repeated.
- **Spool full** (`PEIL_SPOOL_MAX_MB`, shared by the workers): 503 with
  `Retry-After: 5`, never a silent drop.
- **Overload**: memory stays bounded whatever the load. The in-memory queue
  holds at most `PEIL_QUEUE_MAX` rows and spills to the spool file beyond;
  requests waiting for a stalled disk are capped at 2,000 per worker, and
  beyond that answered 503 with `Retry-After` at once; bodies are capped at
  64 KiB and 30 s. A CPU-bound collector answers slower, not wrong.
- **Shutdown** (SIGTERM/SIGINT): open requests get 10 s, the writer 10 s
  more to write what it can; whatever is left stays in the spool for the
  next start, so a shutdown never waits long on a dead database.
- **`peil serve` killed** (SIGKILL, the OOM killer): no process of it
  outlives it. Each worker and the jobs process watches a pipe only its
  parent holds (collector/server.py, `on_parent_death`); an orphaned worker
  stops as on SIGTERM (its writer drains what it can, the rest stays in its
  spool), the jobs process exits and PostgreSQL rolls back what it was
  doing; a sync helper ends when its worker's pipe closes. A serve killed
  this way cannot let go of the embedded PostgreSQL: the next peil command
  clears its stale handle, borrows the server and, if it is the last user,
  stops it.
- A record cut short by a crash was never acknowledged (its sync did not
  finish) and is ignored; a record whose CRC does not match is logged.
- **Several workers or nodes** (`--workers N`, several `peil serve` on one
  PostgreSQL, each with its own spool): a client retrying an unanswered
  request on another worker or node is stored once, whether the first
  attempt is written later by a node that was only slow, or replayed by one
  that died after spooling it. The partitions' unique index decides, in the
  batch's transaction (exactly_once.py has the limits: a retry more than 20
  minutes late across a UTC midnight, a spool replayed after its day's index
  is gone, 7 days). The tracker does not retry a beacon that reached the
  server.

`PEIL_DURABILITY=memory` answers without waiting for the sync: the rows
reach the spool file a moment later (a process crash can lose that moment,
an OS crash what the page cache held).

How this is tested: tests/durable/test_spool.py (the log format, torn and
corrupt tails, rotation, orphans), test_durability.py (replay cut short at
every step, an outage with the queue spilled to disk, a shutdown during an
outage, a stalled disk: the sync helper stopped with SIGSTOP),
test_syncer.py (the helper reports failures, is replaced when it dies,
ignores Ctrl-C and ends with its worker, even one killed with SIGKILL) and
tests/test_chaos.py, which runs benchmarks/chaos.py in a short form: 20,000
uniquely identified events while PostgreSQL is stopped, crashed with
COMMITs in flight and restarted, and the collector is killed with SIGKILL
and restarted; then sent = acknowledged = stored, with no duplicates; and
its two-node form, clients retrying on the other node while either node is
killed or stalled until its clients gave up on it (test_exactly_once.py
has the same cases one by one);
tests/test_serve.py kills serve with SIGKILL and finds none of its
processes alive 5 s later.
"""
