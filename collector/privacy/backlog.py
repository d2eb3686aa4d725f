"""Whether this machine's spool still holds events received before a moment
that PostgreSQL does not have yet: what keeps a forget request open.

A spool generation (collector/durable/spool.py) is a directory of segment
files of records in sequence order; `spool_progress` holds the last record of
each generation that is in `events`. So the first record after that number,
if there is one, is the oldest event of the generation not yet written, and
its receive time says whether the backlog reaches back before the moment.
Only record headers and one record's rows are read per generation, never the
backlog itself. The directory is read as it is: a live collector's
generation (it may append meanwhile: a record not complete yet is not read),
an orphan of a crashed one, waiting for the next start to replay it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from collector.durable.spool import list_segments, read_segment

log = logging.getLogger(__name__)


def oldest_unwritten_us(directory: Path, committed_seq: int) -> int | None:
    """Receive time (µs) of the generation's first record after committed_seq, if any."""
    for segment in list_segments(directory):
        try:
            records, _, _ = read_segment(segment, 0, committed_seq + 1, 1, None)
        except FileNotFoundError:
            continue  # trimmed meanwhile: its records are in PostgreSQL
        if records:
            return records[0].received_us
    return None


def backlog_before(spool_dir: Path, committed: dict[str, int], before_us: int) -> bool:
    """Whether a generation under spool_dir holds an unwritten record received before before_us.

    `committed` must be read from spool_progress before this is called: a
    number read earlier can only be too low, which keeps a request open one
    more round, never closes it too early.
    """
    if not spool_dir.is_dir():
        return False
    for directory in spool_dir.iterdir():
        # A name starting with a dot is a generation still being created: empty.
        if not directory.is_dir() or directory.name.startswith("."):
            continue
        try:
            oldest = oldest_unwritten_us(directory, committed.get(directory.name, 0))
        except OSError as exc:
            # Unreadable: assume the worst, the request stays open.
            log.warning("forget: cannot read spool %s (%s)", directory.name, exc.strerror)
            return True
        if oldest is not None and oldest < before_us:
            return True
    return False
