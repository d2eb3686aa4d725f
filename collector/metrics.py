"""Counters and gauges for /metrics, shared by all worker processes.

Each worker owns one row of float64 slots in a small memory-mapped file; it
only ever writes its own row, so no locks are needed, and /metrics (served by
whichever worker the scrape reaches) sums all rows. A single process uses an
anonymous map. The slot list is fixed, like the drop reasons: one series per
name, nothing invented at run time.
"""

from __future__ import annotations

import mmap
import os
import tempfile
from pathlib import Path

from collector.model.vocabulary import DROP_REASONS

STATUSES = (202, 400, 403, 413, 429, 503)
# Upper bounds (seconds) of the batch write latency histogram.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, float("inf"))

SLOTS: tuple[str, ...] = (
    "events_accepted",
    *(f"dropped:{reason}" for reason in DROP_REASONS),
    *(f"requests:{status}" for status in STATUSES),
    "rows_written",
    "write_errors",
    "batches",
    "batch_rows_sum",
    "batch_seconds_sum",
    *(f"batch_seconds_bucket:{bound}" for bound in LATENCY_BUCKETS),
    "queue_depth",
    "queue_capacity",
    "spool_bytes",
    "spool_capacity_bytes",
    "spool_oldest_age_s",
    "spool_writes",
    "spool_write_seconds",
    "spool_records",
    "rows_replayed",
    "database_unreachable",
)
INDEX = {name: i for i, name in enumerate(SLOTS)}
_ROW_BYTES = len(SLOTS) * 8


def create_shared_file(workers: int, directory: Path | None = None) -> str:
    """A zeroed file big enough for `workers` rows; the caller removes it."""
    base = "/dev/shm" if os.path.isdir("/dev/shm") else (directory or tempfile.gettempdir())
    fd, path = tempfile.mkstemp(prefix="peil-metrics-", dir=base)
    os.ftruncate(fd, workers * _ROW_BYTES)
    os.close(fd)
    return path


class Metrics:
    def __init__(self, shared_path: str | None = None, worker: int = 0, workers: int = 1):
        if shared_path is None:
            self._map = mmap.mmap(-1, _ROW_BYTES)
        else:
            with open(shared_path, "r+b") as f:
                self._map = mmap.mmap(f.fileno(), workers * _ROW_BYTES)
        self._all = memoryview(self._map).cast("d")
        self._workers = workers if shared_path else 1
        start = worker * len(SLOTS) if shared_path else 0
        self._mine = self._all[start : start + len(SLOTS)]

    def add(self, name: str, amount: float = 1) -> None:
        self._mine[INDEX[name]] += amount

    def set(self, name: str, value: float) -> None:
        self._mine[INDEX[name]] = value

    def observe_batch(self, rows: int, seconds: float) -> None:
        mine = self._mine
        mine[INDEX["batches"]] += 1
        mine[INDEX["batch_rows_sum"]] += rows
        mine[INDEX["batch_seconds_sum"]] += seconds
        for bound in LATENCY_BUCKETS:
            if seconds <= bound:
                mine[INDEX[f"batch_seconds_bucket:{bound}"]] += 1
                break

    def total(self, name: str) -> float:
        i, width = INDEX[name], len(SLOTS)
        return sum(self._all[w * width + i] for w in range(self._workers))

    def maximum(self, name: str) -> float:
        i, width = INDEX[name], len(SLOTS)
        return max(self._all[w * width + i] for w in range(self._workers))

    def render(self) -> str:
        """Prometheus text exposition format, summed over workers."""
        t = self.total
        out = [
            "# HELP peil_events_accepted_total Events accepted (in the spool, answered 202).",
            "# TYPE peil_events_accepted_total counter",
            f"peil_events_accepted_total {t('events_accepted'):.0f}",
            "# HELP peil_events_dropped_total Events not stored, by reason.",
            "# TYPE peil_events_dropped_total counter",
            *(
                f'peil_events_dropped_total{{reason="{r}"}} {t(f"dropped:{r}"):.0f}'
                for r in DROP_REASONS
            ),
            "# HELP peil_requests_total Ingest requests answered, by status.",
            "# TYPE peil_requests_total counter",
            *(f'peil_requests_total{{status="{s}"}} {t(f"requests:{s}"):.0f}' for s in STATUSES),
            "# HELP peil_rows_written_total Event rows written to PostgreSQL.",
            "# TYPE peil_rows_written_total counter",
            f"peil_rows_written_total {t('rows_written'):.0f}",
            "# HELP peil_write_errors_total Failed batch writes (retried or bisected).",
            "# TYPE peil_write_errors_total counter",
            f"peil_write_errors_total {t('write_errors'):.0f}",
            "# HELP peil_batch_rows Rows per batch written.",
            "# TYPE peil_batch_rows summary",
            f"peil_batch_rows_sum {t('batch_rows_sum'):.0f}",
            f"peil_batch_rows_count {t('batches'):.0f}",
            "# HELP peil_batch_seconds Time to write one batch.",
            "# TYPE peil_batch_seconds histogram",
        ]
        cumulative = 0.0
        for bound in LATENCY_BUCKETS:
            cumulative += t(f"batch_seconds_bucket:{bound}")
            label = "+Inf" if bound == float("inf") else repr(bound)
            out.append(f'peil_batch_seconds_bucket{{le="{label}"}} {cumulative:.0f}')
        out += [
            f"peil_batch_seconds_sum {t('batch_seconds_sum'):.6f}",
            f"peil_batch_seconds_count {t('batches'):.0f}",
            "# HELP peil_queue_depth Event rows waiting for the writer.",
            "# TYPE peil_queue_depth gauge",
            f"peil_queue_depth {t('queue_depth'):.0f}",
            "# HELP peil_queue_capacity Event rows the queues can hold.",
            "# TYPE peil_queue_capacity gauge",
            f"peil_queue_capacity {t('queue_capacity'):.0f}",
            "# HELP peil_spool_bytes Bytes in the on-disk spool.",
            "# TYPE peil_spool_bytes gauge",
            f"peil_spool_bytes {t('spool_bytes'):.0f}",
            "# HELP peil_spool_capacity_bytes Size at which the spool is full (PEIL_SPOOL_MAX_MB).",
            "# TYPE peil_spool_capacity_bytes gauge",
            f"peil_spool_capacity_bytes {t('spool_capacity_bytes'):.0f}",
            "# HELP peil_spool_oldest_age_seconds Age of the oldest event not yet in PostgreSQL.",
            "# TYPE peil_spool_oldest_age_seconds gauge",
            f"peil_spool_oldest_age_seconds {self.maximum('spool_oldest_age_s'):.3f}",
            "# HELP peil_spool_writes_total Group writes to the spool (with fsync: fdatasyncs).",
            "# TYPE peil_spool_writes_total counter",
            f"peil_spool_writes_total {t('spool_writes'):.0f}",
            "# HELP peil_spool_write_seconds_total Time from a group write to its sync's answer.",
            "# TYPE peil_spool_write_seconds_total counter",
            f"peil_spool_write_seconds_total {t('spool_write_seconds'):.6f}",
            "# HELP peil_spool_records_total Requests' records written to the spool.",
            "# TYPE peil_spool_records_total counter",
            f"peil_spool_records_total {t('spool_records'):.0f}",
            "# HELP peil_rows_replayed_total Rows written from spools of earlier processes.",
            "# TYPE peil_rows_replayed_total counter",
            f"peil_rows_replayed_total {t('rows_replayed'):.0f}",
            "# HELP peil_degraded 1 while PostgreSQL is unreachable and events wait in the spool.",
            "# TYPE peil_degraded gauge",
            f"peil_degraded {min(1.0, t('database_unreachable')):.0f}",
        ]
        return "\n".join(out) + "\n"
