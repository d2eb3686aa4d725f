"""Privacy requests: forget, subject export, the audit trail, the privacy statement.

The GDPR tools an operator runs for visitors (DESIGN.md, "Privacy requests"):
`peil forget`, `peil subject-export`, `peil audit`, `peil privacy-statement`
and the admin API built on the same functions. Modules:

- `subject`: the visitor of a request, one consent-mode `uid` or `sid` (on
  one site or all), and how the audit trail names it without naming it;
- `forget`: erasure (art. 17): the visitor's raw events deleted partition by
  partition in batches of 5,000, each its own short transaction, so ingest
  never waits (benchmarks/forget.py: no ingest answer slower during a
  forget of 100,000 rows than without). Aggregates stay: counts, no ids;
- `requests` and `backlog`: the forget's tombstone. An event answered 202
  before the forget may reach PostgreSQL only later (a spool backlog, or an
  orphaned spool replayed at the next start). The forget leaves a request in
  `forget_requests` with the SHA-256 of the id (never the id) and a
  snapshot; the jobs process (collector/jobs/forget_requests.py, every 10 s)
  deletes the matching rows committed since, found through the index the
  rollup uses for new rows, until this machine's spool holds nothing
  received before the request that PostgreSQL lacks, then closes it, erases
  the hash and writes a "forget-close" audit row;
- `subject_export`: access and portability (art. 15, 20): every stored
  field of the visitor's events, streamed from a cursor;
- `audit_trail`: reading `audit_log`, with the rows each action touched;
- `statement`, `facts`, `document`, `texts_nl`, `texts_en`: the privacy
  statement, from what is true of the live configuration and the site, in
  Dutch or English, as Markdown or a self-contained HTML fragment.

Every one of these writes an `audit_log` row (actor: the user's email, or
`cli:<os user>`; action names: AUDIT_ACTIONS in collector/model/
vocabulary.py) with the number of rows it touched. A uid or sid never
reaches the trail in clear: it is named by the first 12 hex digits of its
SHA-256 (subject.audit_ref says why that is enough and not too much).

Finding the visitor's rows: `uid` and `sid` are set only in consent mode,
and migration 0001 indexes them partially (`WHERE uid IS NOT NULL`), so the
indexes hold only consent-mode rows and cost cookieless ingest nothing; a
forget or an export reads each partition through them, never a sequential
scan. A forget request's later checks cannot use them (they hold a hash, not
the id) and read only the rows committed since the previous check, through
events_rollup_xact.

Tests: tests/privacy/ (on the real database and a real server: exact counts
against plain SQL, other visitors and the aggregates untouched, a forget
while the server's writer is held back, the statement's texts and escaping)
and tests/cli/test_privacy_commands.py.
"""
